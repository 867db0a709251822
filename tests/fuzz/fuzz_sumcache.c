/*
 * Fuzz pgm__sumcache_parse (source.c): the checksum cache file, read from
 * the user's cache folder, where it may be cut short, damaged or written by
 * another version. Invariants: the result is -1 or a count of entries; on
 * -1 no file has an entry; every entry taken has a 64-hex-digit checksum and
 * belongs to a file with that version and name; the text written back for
 * the entries taken parses again to the same entries (a round trip). No
 * leaks and no read outside the text (ASan), no overflow (UBSan).
 */
#include "internal.h"
#include "fuzz.h"

#define FOLDER "/p/migrations"

static const struct { int64_t v; const char *name; } files[] = {
	{ 1, "a" }, { 5, "create_users" }, { 20, "t 2" }, { 9223372036854775807LL, "max" },
};
#define NFILES (sizeof files / sizeof files[0])

static void setup(pgm_mig *migs)
{
	size_t i;
	memset(migs, 0, NFILES * sizeof *migs);
	for (i = 0; i < NFILES; i++) {
		migs[i].pub.version = files[i].v;
		migs[i].name = (char *)files[i].name;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgm_source src;
	pgm_mig migs[NFILES], again[NFILES];
	char *text = fuzz_cstr(data, size), *back;
	pgm_buf b = PGM_BUF_INIT;
	size_t i, taken = 0;
	int n;

	memset(&src, 0, sizeof src);
	setup(migs);
	src.migs = migs;
	src.nmigs = NFILES;
	n = pgm__sumcache_parse(&src, text, FOLDER);
	FUZZ_CHECK(n >= -1);
	for (i = 0; i < NFILES; i++) {
		if (!migs[i].c_have)
			continue;
		FUZZ_CHECK(n >= 0);
		FUZZ_CHECK(strlen(migs[i].c_sum) == 64 && strspn(migs[i].c_sum, "0123456789abcdef") == 64);
		taken++;
	}
	FUZZ_CHECK(n < 0 || taken <= (size_t)n);
	/* the entries taken, written as sumcache_write does, read back the same */
	pgm_buf_printf(&b, "pgmigrate checksums 1 %s\n", FOLDER);
	for (i = 0; i < NFILES; i++)
		if (migs[i].c_have)
			pgm_buf_printf(&b, "%lld %lld %lld %lld %lld %s %s\n", (long long)migs[i].pub.version,
				(long long)migs[i].c_stamp.size, (long long)migs[i].c_stamp.mtime_ns,
				(long long)migs[i].c_stamp.ctime_ns, (long long)migs[i].c_stamp.id, migs[i].c_sum, migs[i].name);
	pgm_buf_printf(&b, "end %zu\n", taken);
	FUZZ_CHECK(!b.failed);
	back = pgm_buf_take(&b);
	setup(again);
	src.migs = again;
	FUZZ_CHECK(pgm__sumcache_parse(&src, back, FOLDER) == (int)taken);
	for (i = 0; i < NFILES; i++) {
		FUZZ_CHECK(again[i].c_have == migs[i].c_have);
		if (again[i].c_have)
			FUZZ_CHECK(memcmp(&again[i].c_stamp, &migs[i].c_stamp, sizeof again[i].c_stamp) == 0 &&
				strcmp(again[i].c_sum, migs[i].c_sum) == 0);
	}
	free(back);
	free(text);
	return 0;
}
