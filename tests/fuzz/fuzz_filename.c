/*
 * Fuzz pgm_parse_filename (source.c): `{version}_{name}.{up|down}.sql`.
 * Invariants: the result is one of 1, 0, -1, -2; the name buffer is never
 * written past its size and is a NUL-terminated string whenever something
 * was written; a match (1) really has that shape, with the version equal to
 * the leading digits and the name the text between '_' and the suffix
 * (truncated to the buffer); 0 only for names that do not look like
 * migrations at all.
 */
#include "pgmigrate/pgmigrate.h"
#include "fuzz.h"

#include <ctype.h>

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix), i;
	if (n < m)
		return 0;
	for (i = 0; i < m; i++)
		if (tolower((unsigned char)s[n - m + i]) != suffix[i])
			return 0;
	return 1;
}

static int contains_ci(const char *s, const char *needle)
{
	size_t n = strlen(s), m = strlen(needle), i, j;
	for (i = 0; i + m <= n; i++) {
		for (j = 0; j < m && tolower((unsigned char)s[i + j]) == needle[j]; j++)
			;
		if (j == m)
			return 1;
	}
	return 0;
}

static void check(const char *fn, size_t nbsize)
{
	/* the buffer sits inside a larger one filled with a canary */
	char area[600];
	char *namebuf = area + 8;
	int64_t v = -7;
	pgm_direction dir = (pgm_direction)-1;
	int rc;
	size_t i;

	FUZZ_CHECK(nbsize >= 1 && nbsize + 16 <= sizeof area);
	memset(area, 0x5A, sizeof area);
	rc = pgm_parse_filename(fn, &v, namebuf, nbsize, &dir);
	FUZZ_CHECK(rc == 1 || rc == 0 || rc == -1 || rc == -2);
	for (i = 0; i < 8; i++)
		FUZZ_CHECK(area[i] == 0x5A);
	for (i = 8 + nbsize; i < sizeof area; i++)
		FUZZ_CHECK(area[i] == 0x5A);
	if (rc != 0)
		FUZZ_CHECK(memchr(namebuf, '\0', nbsize) != NULL);

	if (rc == 0) {
		FUZZ_CHECK(fn[0] == '.' ||
			(!ends_with_ci(fn, ".sql") && !contains_ci(fn, ".up.") && !contains_ci(fn, ".down.")));
		FUZZ_CHECK(v == -7); /* outputs untouched */
		return;
	}
	if (rc < 0) {
		FUZZ_CHECK(v == -7);
		if (nbsize > 1)
			FUZZ_CHECK(namebuf[0] != '\0'); /* a reason was written */
		return;
	}

	/* a match */
	{
		size_t n = strlen(fn), digits = 0, suflen, namelen, want;
		uint64_t expect = 0;
		FUZZ_CHECK(fn[0] != '.');
		FUZZ_CHECK(dir == PGM_UP || dir == PGM_DOWN);
		FUZZ_CHECK(dir == PGM_UP ? ends_with(fn, ".up.sql") : ends_with(fn, ".down.sql"));
		while (isdigit((unsigned char)fn[digits])) {
			expect = expect * 10 + (uint64_t)(fn[digits] - '0');
			FUZZ_CHECK(expect <= (uint64_t)INT64_MAX);
			digits++;
		}
		FUZZ_CHECK(digits > 0 && fn[digits] == '_');
		FUZZ_CHECK(v >= 0 && (uint64_t)v == expect);
		suflen = dir == PGM_UP ? 7 : 9;
		FUZZ_CHECK(n >= digits + 1 + suflen);
		namelen = n - suflen - digits - 1;
		want = namelen < nbsize - 1 ? namelen : nbsize - 1;
		FUZZ_CHECK(strlen(namebuf) == want);
		FUZZ_CHECK(memcmp(namebuf, fn + digits + 1, want) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *fn;
	if (size > 512)
		return 0; /* file names are short; keep the fuzzer on the interesting part */
	fn = fuzz_cstr(data, size);
	check(fn, 256);
	check(fn, 1);
	check(fn, 5);
	check(fn, 32);
	free(fn);
	return 0;
}
