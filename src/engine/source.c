/*
 * The migration source: scans the folder for golang-migrate style files
 * `{version}_{name}.{up|down}.sql`, pairs them by version, reports files
 * that look like migrations but do not match (never skipping them in
 * silence), reads bodies (UTF-8 BOM stripped), and creates new pairs.
 */
#include "internal.h"
#include "os/os.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int ends_with_ci(const char *s, size_t n, const char *suffix)
{
	size_t sl = strlen(suffix), i;
	if (n < sl)
		return 0;
	for (i = 0; i < sl; i++)
		if (tolower((unsigned char)s[n - sl + i]) != suffix[i])
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

int pgm_parse_filename(const char *fn, int64_t *out_version, char *namebuf, size_t nbsize,
	pgm_direction *out_dir)
{
	size_t n = strlen(fn), digits = 0, rest;
	uint64_t v = 0;
	const char *name, *suffix;
	pgm_direction dir;

	if (!ends_with_ci(fn, n, ".sql") && !contains_ci(fn, ".up.") && !contains_ci(fn, ".down."))
		return 0;
	if (fn[0] == '.')
		return 0; /* editor swap and hidden files */

	if (n >= 7 && strcmp(fn + n - 7, ".up.sql") == 0) {
		dir = PGM_UP;
		suffix = fn + n - 7;
	} else if (n >= 9 && strcmp(fn + n - 9, ".down.sql") == 0) {
		dir = PGM_DOWN;
		suffix = fn + n - 9;
	} else {
		snprintf(namebuf, nbsize, "%s", ends_with_ci(fn, n, ".up.sql") || ends_with_ci(fn, n, ".down.sql")
			? "the suffix must be exactly .up.sql or .down.sql (lower case)"
			: "the name must end in .up.sql or .down.sql");
		return -1;
	}
	while (isdigit((unsigned char)fn[digits]))
		digits++;
	if (digits == 0 || fn[digits] != '_') {
		snprintf(namebuf, nbsize, "the name must start with a version number and '_' (like 000001_create_users.up.sql)");
		return -1;
	}
	for (size_t i = 0; i < digits; i++) {
		unsigned d = (unsigned)(fn[i] - '0');
		if (v > (UINT64_MAX - d) / 10) {
			snprintf(namebuf, nbsize, "version %.*s does not fit in 64 bits", (int)digits, fn);
			return -2;
		}
		v = v * 10 + d;
	}
	if (v > (uint64_t)INT64_MAX) {
		snprintf(namebuf, nbsize, "version %.*s is above the largest PostgreSQL bigint (9223372036854775807)", (int)digits, fn);
		return -2;
	}
	name = fn + digits + 1;
	rest = (size_t)(suffix - name);
	if (nbsize > 0) {
		if (rest + 1 > nbsize)
			rest = nbsize - 1;
		memcpy(namebuf, name, rest);
		namebuf[rest] = '\0';
	}
	*out_version = (int64_t)v;
	*out_dir = dir;
	return 1;
}

typedef struct {
	pgm_ctx *ctx;
	int bad;            /* fatal problems found */
	char **names;
	size_t count, cap;
	size_t *slots, nslots; /* hash index of the migrations by version (index + 1, 0: empty) */
	size_t migs_cap;
	char *first_problem;   /* for the error's detail */
} scan_state;

static int collect(const char *name, void *arg)
{
	scan_state *s = arg;
	if (s->count == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		char **n = realloc(s->names, ncap * sizeof *n);
		if (!n)
			return -1;
		s->names = n;
		s->cap = ncap;
	}
	if (!(s->names[s->count] = pgm_strdup(name)))
		return -1;
	s->count++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_mig(const void *a, const void *b)
{
	const pgm_mig *x = a, *y = b;
	return x->pub.version < y->pub.version ? -1 : x->pub.version > y->pub.version;
}

static void prehash_join(pgm_ctx *ctx, int finish);

/* version -> index + 1 into ctx->src->migs (0: empty), open addressing; nslots
 * is a power of two above twice the number of files, so it never fills */
static size_t *slot_of(size_t *slots, size_t nslots, const pgm_ctx *ctx, int64_t v)
{
	size_t i = (size_t)(((uint64_t)v * 0x9E3779B97F4A7C15ull) >> 17) & (nslots - 1);
	while (slots[i] && ctx->src->migs[slots[i] - 1].pub.version != v)
		i = (i + 1) & (nslots - 1);
	return &slots[i];
}

static void free_migs(pgm_ctx *ctx)
{
	size_t i;
	prehash_join(ctx, 0);
	for (i = 0; i < ctx->src->nmigs; i++) {
		free(ctx->src->migs[i].name);
		free(ctx->src->migs[i].up_path);
		free(ctx->src->migs[i].down_path);
		free(ctx->src->migs[i].up_display);
		free(ctx->src->migs[i].down_display);
	}
	free(ctx->src->migs);
	ctx->src->migs = NULL;
	ctx->src->nmigs = 0;
	ctx->src->loaded = 0;
}

pgm_source *pgm__source_new(void)
{
	pgm_source *src = calloc(1, sizeof *src);
	if (src)
		src->refs = 1;
	return src;
}

/* references are taken and dropped by the thread that owns the runs
 * (before they start and after they end), never by the runs' threads */
pgm_source *pgm__source_ref(pgm_source *src)
{
	src->refs++;
	return src;
}

void pgm__source_unref(pgm_source *src)
{
	if (src && --src->refs == 0)
		free(src);
}

/* the context lets go of its source: the last user also joins the hashing
 * thread, writes the checksum cache back and frees the files */
void pgm__source_free(pgm_ctx *ctx)
{
	if (!ctx->src)
		return;
	if (ctx->src->refs == 1)
		free_migs(ctx);
	pgm__source_unref(ctx->src);
	ctx->src = NULL;
}

/* the display path: the folder as the user gave it, joined with the name */
static char *display_path(const pgm_ctx *ctx, const char *fn)
{
	return pgm_os_path_join(ctx->cfg.path, fn);
}

/* a fatal problem of the folder: warned now, the first one named in the error */
static void scan_problem(scan_state *s, const char *file, char *text)
{
	if (!s->first_problem)
		s->first_problem = pgm_aprintf("%s", text ? text : "?");
	pgm_warn(s->ctx, file, "%s", text ? text : "?");
	s->bad++;
	free(text);
}

/* the migration of version v, added when new; NULL when out of memory */
static pgm_mig *mig_of(scan_state *s, int64_t v, const char *name, int *is_new)
{
	pgm_source *src = s->ctx->src;
	size_t *slot = slot_of(s->slots, s->nslots, s->ctx, v);
	pgm_mig *mig;
	*is_new = 0;
	if (*slot)
		return &src->migs[*slot - 1];
	if (src->nmigs == s->migs_cap) {
		size_t ncap = s->migs_cap ? s->migs_cap * 2 : 64;
		pgm_mig *n = realloc(src->migs, ncap * sizeof *n);
		if (!n)
			return NULL;
		src->migs = n;
		s->migs_cap = ncap;
	}
	mig = &src->migs[src->nmigs++];
	*slot = src->nmigs;
	memset(mig, 0, sizeof *mig);
	mig->pub.version = v;
	mig->name = pgm_strdup(name);
	mig->pub.name = mig->name;
	*is_new = 1;
	return mig;
}

/* one file of the folder: 0 (a migration, or a file that is not one, or a
 * problem counted in s->bad), or PGM_ENOMEM */
static int add_file(scan_state *s, const char *fname)
{
	pgm_ctx *ctx = s->ctx;
	char namebuf[512];
	int64_t v;
	pgm_direction dir;
	int m = pgm_parse_filename(fname, &v, namebuf, sizeof namebuf, &dir), is_new;
	pgm_mig *mig;
	char *disp;

	if (m == 0)
		return 0;
	disp = display_path(ctx, fname);
	if (m > 0 && !pgm__is_utf8(fname)) {
		/* the history keeps names as text (UTF8): refused before anything runs */
		char *shown = pgm__utf8_shown(disp);
		if (!s->first_problem)
			s->first_problem = pgm_aprintf("%s: the file name is not valid UTF-8", shown ? shown : "?");
		pgm_warn(ctx, disp, "%s: the file name is not valid UTF-8 (bytes that are not are shown as \\xNN): "
			"rename the file", shown ? shown : "?");
		s->bad++;
		free(shown);
		free(disp);
		return 0;
	}
	if (m < 0) {
		if (m == -2)
			scan_problem(s, disp, pgm_aprintf("%s: %s", disp, namebuf));
		else
			pgm_warn(ctx, disp, "%s looks like a migration but is not one: %s", disp, namebuf);
		free(disp);
		return 0;
	}
	if (!(mig = mig_of(s, v, namebuf, &is_new))) {
		free(disp);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	if (!is_new && (dir == PGM_UP ? mig->up_path != NULL : mig->down_path != NULL)) {
		const char *other = dir == PGM_UP ? (mig->up_display ? mig->up_display : mig->down_display)
		                                  : (mig->down_display ? mig->down_display : mig->up_display);
		scan_problem(s, disp, pgm_aprintf("version %lld is used by both %s and %s", (long long)v, other, disp));
		free(disp);
		return 0;
	}
	if (!is_new && strcmp(mig->name, namebuf) != 0) {
		/* golang-migrate pairs by version and direction: the description
		 * of each file is free. The migration is named after its up file. */
		mig->names_differ = 1;
		if (dir == PGM_UP) {
			char *name = pgm_strdup(namebuf);
			if (!name) {
				free(disp);
				return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
			}
			free(mig->name);
			mig->name = name;
			mig->pub.name = name;
		}
	}
	if (dir == PGM_UP) {
		mig->up_path = pgm_os_path_join(ctx->cfg.path, fname);
		mig->up_display = disp;
		mig->pub.up_file = disp;
	} else {
		mig->down_path = pgm_os_path_join(ctx->cfg.path, fname);
		mig->down_display = disp;
		mig->pub.down_file = disp;
	}
	return 0;
}

/* the migrations in version order, each with its up file */
static void sort_migs(scan_state *s)
{
	pgm_source *src = s->ctx->src;
	size_t i;
	if (src->nmigs)
		qsort(src->migs, src->nmigs, sizeof *src->migs, cmp_mig);
	for (i = 0; i < src->nmigs; i++) {
		/* pointers into the array moved with qsort: refresh them */
		src->migs[i].pub.name = src->migs[i].name;
		src->migs[i].pub.up_file = src->migs[i].up_display;
		src->migs[i].pub.down_file = src->migs[i].down_display;
		if (!src->migs[i].up_path) {
			if (!s->first_problem)
				s->first_problem = pgm_aprintf("%s has no matching up migration", src->migs[i].down_display);
			s->bad++;
		}
	}
}

int pgm_load(pgm_ctx *ctx)
{
	scan_state s;
	char errbuf[256];
	size_t i;
	int rc = 0;

	memset(&s, 0, sizeof s);
	s.ctx = ctx;
	free_migs(ctx);

	if (pgm_os_listdir(ctx->cfg.path, collect, &s, errbuf, sizeof errbuf) != 0) {
		rc = pgm_fail(ctx, PGM_EIO, "could not read the migrations folder \"%s\"", ctx->cfg.path);
		pgm_set_detail(ctx, "%s", errbuf);
		pgm_set_hint(ctx, "run pgmigrate in the project folder or below it (it looks for migrations/ up to the top of the "
			"git work tree), or pass --path DIR (or set PGMIGRATE_PATH)");
		goto out;
	}
	/* sorted, so warnings and errors come in a stable order */
	if (s.count)
		qsort(s.names, s.count, sizeof *s.names, cmp_str);
	for (s.nslots = 16; s.nslots < 2 * s.count; s.nslots *= 2)
		;
	if (!(s.slots = calloc(s.nslots, sizeof *s.slots))) {
		rc = pgm_fail(ctx, PGM_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < s.count && rc == 0; i++)
		rc = add_file(&s, s.names[i]);
	if (rc != 0)
		goto out;
	sort_migs(&s);
	if (s.bad) {
		rc = pgm_fail(ctx, PGM_ESOURCE, "the migration files are invalid");
		pgm_set_detail(ctx, "%s%s", s.first_problem ? s.first_problem : "",
			s.bad > 1 ? " (and more: see the warnings)" : "");
		pgm_set_hint(ctx, "every version needs exactly one {version}_{name}.up.sql (and usually one .down.sql); nothing was run");
		goto out;
	}
	ctx->src->loaded = 1;
out:
	free(s.slots);
	for (i = 0; i < s.count; i++)
		free(s.names[i]);
	free(s.names);
	free(s.first_problem);
	if (rc != 0)
		free_migs(ctx);
	return rc;
}

size_t pgm_count(const pgm_ctx *ctx)
{
	return ctx->src->nmigs;
}

const pgm_migration *pgm_get(const pgm_ctx *ctx, size_t i)
{
	return i < ctx->src->nmigs ? &ctx->src->migs[i].pub : NULL;
}

/* a migration file, open: readable, and a regular file (pgm_os_fopen_read
 * refuses devices, FIFOs and folders, also behind a link) */
static void *open_migration(pgm_ctx *ctx, const char *path, const char *display)
{
	char errbuf[256];
	void *fh = pgm_os_fopen_read(path, errbuf, sizeof errbuf);
	if (!fh) {
		pgm_fail(ctx, PGM_EIO, "could not read \"%s\"", display);
		pgm_set_detail(ctx, "%s", errbuf);
	}
	return fh;
}

/* the next piece of a migration file into chunk, its BOM removed (first):
 * *out_p and *out_n; 1 while there is more, 0 at the end, or an error */
static int read_piece(pgm_ctx *ctx, void *fh, const char *display, char *chunk, size_t size, int *first,
	const char **out_p, size_t *out_n)
{
	long got;
	if (ctx->interrupted)
		return pgm_fail(ctx, PGM_ECANCELED, "interrupted while reading \"%s\"", display);
	if ((got = pgm_os_fread(fh, chunk, size)) < 0)
		return pgm_fail(ctx, PGM_EIO, "could not read \"%s\"", display);
	*out_p = chunk;
	*out_n = (size_t)got;
	if (*first && got >= 3 && memcmp(chunk, "\xEF\xBB\xBF", 3) == 0) {
		*out_p += 3;
		*out_n -= 3;
	}
	*first = 0;
	return got > 0;
}

int pgm_read_body(pgm_ctx *ctx, const char *path, const char *display, char **out, size_t *out_len)
{
	void *fh = open_migration(ctx, path, display);
	pgm_buf b = PGM_BUF_INIT;
	pgm_textcheck tc;
	int64_t size;
	char chunk[65536];
	const char *p = NULL;
	size_t n = 0;
	int first = 1, more;

	if (!fh)
		return PGM_EIO;
	size = pgm_os_fsize(fh);
	if (size > 0 && pgm_buf_grow(&b, (size_t)size) != 0) {
		pgm_os_fclose(fh);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory reading \"%s\"", display);
	}
	/* checked as it is read: a file of NULs (a sparse one) stops at once */
	pgm__textcheck_init(&tc);
	while ((more = read_piece(ctx, fh, display, chunk, sizeof chunk, &first, &p, &n)) > 0) {
		pgm_buf_put(&b, p, n);
		if (pgm__textcheck_feed(&tc, p, n) != 0)
			break;
	}
	pgm_os_fclose(fh);
	if (more < 0 || b.failed) {
		pgm_buf_free(&b);
		return more < 0 ? more : pgm_fail(ctx, PGM_EIO, "could not read \"%s\"", display);
	}
	if (pgm__textcheck_end(&tc) != 0) {
		int rc = pgm__textcheck_fail(ctx, &tc, display, b.ptr, b.len, (size_t)tc.bad_off, 1);
		pgm_buf_free(&b);
		return rc;
	}
	*out_len = b.len;
	*out = pgm_buf_take(&b);
	if (!*out)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	return 0;
}

int pgm__check_file(pgm_ctx *ctx, const char *path, const char *display)
{
	void *fh = open_migration(ctx, path, display);
	pgm_textcheck tc;
	size_t bufsize = 1 << 20, n = 0;
	char *chunk;
	const char *p = NULL;
	int first = 1, more = 0;
	char last = '\n'; /* the byte before the piece: does the piece start a line? */

	if (!fh)
		return PGM_EIO;
	if (!(chunk = malloc(bufsize))) {
		pgm_os_fclose(fh);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	pgm__textcheck_init(&tc);
	while ((more = read_piece(ctx, fh, display, chunk, bufsize, &first, &p, &n)) > 0) {
		uint64_t start = tc.off;
		if (pgm__textcheck_feed(&tc, p, n) != 0) {
			/* the source line from this piece (its line may have begun in the one before) */
			size_t at = tc.bad_off > start ? (size_t)(tc.bad_off - start) : 0;
			more = pgm__textcheck_fail(ctx, &tc, display, p, n, at, last == '\n' || last == '\r');
			break;
		}
		if (n > 0)
			last = p[n - 1];
	}
	if (more == 0 && pgm__textcheck_end(&tc) != 0)
		more = pgm__textcheck_fail(ctx, &tc, display, NULL, 0, 0, 1);
	pgm_os_fclose(fh);
	free(chunk);
	return more < 0 ? more : 0;
}

/* lower-case ASCII letters, digits, '_' and non-ASCII (UTF-8) letters */
static char *sanitize_name(const char *name)
{
	size_t n = strlen(name), i, o = 0;
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c >= 0x80)
			s[o++] = (char)c; /* UTF-8 letters stay: añadir_reseñas */
		else if (isalnum(c))
			s[o++] = (char)tolower(c);
		else if (o > 0 && s[o - 1] != '_')
			s[o++] = '_';
	}
	while (o > 0 && s[o - 1] == '_')
		o--;
	s[o] = '\0';
	return s;
}

static int version_width(const pgm_mig *m)
{
	const char *p = m->up_display ? m->up_display : m->down_display;
	const char *base = strrchr(p, '/');
	const char *b2 = strrchr(p, '\\');
	int w = 0;
	if (b2 && (!base || b2 > base))
		base = b2;
	base = base ? base + 1 : p;
	while (isdigit((unsigned char)base[w]))
		w++;
	return w;
}

int pgm_new(char **out_up, char **out_down, pgm_ctx *ctx, const char *name)
{
	char *clean = sanitize_name(name ? name : "");
	char vbuf[32], errbuf[256];
	int width = 6, rc = 0;
	int64_t next = 1;
	char *up = NULL, *down = NULL, *fn = NULL, *body = NULL;

	*out_up = *out_down = NULL;
	if (!clean)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	if (!*clean) {
		free(clean);
		rc = pgm_fail(ctx, PGM_EUSAGE, "a migration needs a name made of letters or digits");
		pgm_set_hint(ctx, "for example: pgmigrate new create_reviews_table");
		return rc;
	}
	if (!pgm_os_isdir(ctx->cfg.path)) {
		free(clean);
		rc = pgm_fail(ctx, PGM_EIO, "the migrations folder \"%s\" does not exist", ctx->cfg.path);
		pgm_set_hint(ctx, "create it, or run pgmigrate in the project folder or below it (or pass --path DIR)");
		return rc;
	}
	if ((rc = pgm_load(ctx)) != 0) {
		free(clean);
		return rc;
	}
	if (ctx->src->nmigs > 0) {
		const pgm_mig *last = &ctx->src->migs[ctx->src->nmigs - 1];
		width = version_width(last);
		next = last->pub.version + 1;
	}
	if (width == 14) {
		/* timestamp-numbered folder: use the current UTC time, as golang-migrate -format does */
		char stamp[15];
		int64_t ts;
		pgm_os_utc_stamp(stamp);
		ts = strtoll(stamp, NULL, 10);
		if (ts > next)
			next = ts;
	}
	if (width < 1 || width > 19)
		width = 6;
	snprintf(vbuf, sizeof vbuf, "%0*lld", width, (long long)next);

	fn = pgm_aprintf("%s_%s.up.sql", vbuf, clean);
	up = pgm_os_path_join(ctx->cfg.path, fn);
	free(fn);
	fn = pgm_aprintf("%s_%s.down.sql", vbuf, clean);
	down = pgm_os_path_join(ctx->cfg.path, fn);
	free(fn);

	body = pgm_aprintf(
		"-- %s_%s.up.sql\n"
		"-- What this migration does and why. It runs in one transaction with\n"
		"-- its bookkeeping: if any statement fails, nothing of it is applied.\n"
		"-- Use IF NOT EXISTS, and index every foreign key column.\n"
		"\n", vbuf, clean);
	rc = pgm_os_write_new(up, body, strlen(body), errbuf, sizeof errbuf);
	free(body);
	if (rc != 0)
		goto write_failed_up;
	body = pgm_aprintf(
		"-- %s_%s.down.sql\n"
		"-- Undo exactly what %s_%s.up.sql creates, in reverse order.\n"
		"-- Use IF EXISTS so that a partly applied up can still be rolled back.\n"
		"\n", vbuf, clean, vbuf, clean);
	rc = pgm_os_write_new(down, body, strlen(body), errbuf, sizeof errbuf);
	free(body);
	if (rc != 0)
		goto write_failed_down;
	free(clean);
	*out_up = up;
	*out_down = down;
	return 0;

write_failed_down:
	/* keep the folder consistent: the up file alone would be half a pair */
	pgm_os_remove(up);
	{
		char *tmp = up;
		up = down;
		down = tmp;
	}
write_failed_up:
	if (rc == 1) {
		rc = pgm_fail(ctx, PGM_EEXISTS, "\"%s\" already exists", up);
	} else {
		rc = pgm_fail(ctx, PGM_EIO, "could not create \"%s\"", up);
		pgm_set_detail(ctx, "%s", errbuf);
	}
	free(up);
	free(down);
	free(clean);
	return rc;
}

/* the checksum of the file at path, read with buf; -1 when it cannot be
 * read or (max > 0) is larger than max bytes. Thread-safe. */
static int hash_path(const char *path, char *buf, size_t bufsize, int64_t max, char *errbuf, size_t errsize,
	char out[65], pgm_os_stamp *stamp, volatile int *stop)
{
	void *fh = pgm_os_fopen_read(path, errbuf, errsize);
	pgm_sha256 s;
	int cr = 0, first = 1;
	long got = 0;
	int64_t left = -1; /* bytes still to read when the size is known */

	if (!fh)
		return -1;
	if (max > 0) {
		/* the stamp before the content: a write while we read moves it */
		pgm_os_stamp st;
		if (pgm_os_fstamp(fh, &st) != 0 || st.size > max) {
			pgm_os_fclose(fh);
			return -1;
		}
		if (stamp)
			*stamp = st;
		/* reading what the size says saves the read that finds the end:
		 * one read per small file */
		left = st.size;
	}
	pgm_sha256_init(&s);
	/* Ctrl-C (*stop) ends the read of a large file */
	while (left != 0 && !*stop && (got = pgm_os_fread(fh, buf, left > 0 && (uint64_t)left < bufsize ? (size_t)left : bufsize)) > 0) {
		const char *p = buf;
		size_t n = (size_t)got;
		if (left > 0)
			left -= got;
		if (first && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
			p += 3;
			n -= 3;
		}
		first = 0;
		pgm_checksum_feed(&s, &cr, p, n);
	}
	pgm_os_fclose(fh);
	if (got < 0 || *stop) {
		if (errbuf && errsize)
			errbuf[0] = '\0';
		return -1;
	}
	pgm_checksum_end(&s, &cr, out);
	return 0;
}

int pgm_checksum_file(pgm_ctx *ctx, const char *path, const char *display, char out[65])
{
	static char chunk[1 << 16];
	char errbuf[256] = "";
	if (hash_path(path, chunk, sizeof chunk, 0, errbuf, sizeof errbuf, out, NULL, &ctx->interrupted) != 0) {
		if (ctx->interrupted)
			return pgm_fail(ctx, PGM_ECANCELED, "interrupted while reading \"%s\"", display);
		pgm_fail(ctx, PGM_EIO, "could not read \"%s\"", display);
		if (errbuf[0])
			pgm_set_detail(ctx, "%s", errbuf);
		return PGM_EIO;
	}
	return 0;
}

/* ---- the pre-hash thread ---- */

/* files above this are left to the main thread: they are rare, and reading
 * one twice would cost more than the wait it saves */
#define PREHASH_MAX_FILE (1 << 20)
/* fewer files than this are read faster than a thread starts */
#define PREHASH_MIN_FILES 16

/* ---- the checksum cache ----
 *
 * A no-op `up` or `status` must know that no applied file changed, and
 * reading 1,000 files to find out costs more than the query. Like git's
 * index, the cache keeps each up file's checksum with the file's stamp
 * (size, modification and change times, identity) when it was read; a file
 * with the same stamp is not read again. A write to a file moves its change
 * time, which tools that restore a modification time (touch -r, cp -p,
 * tar, rsync -a) leave alone, so an edit is seen even when it keeps the
 * size and the modification time. A file changed in the last seconds is
 * not cached (a second write within the file system's clock tick would
 * keep the stamp: git's "racy" entries). Only folders on local disks with
 * a change time use it: on a network share a stat may answer from a cache
 * of attributes, and FAT keeps no change time. One file per migrations
 * folder in the user's cache folder; `validate` and `doctor` read every
 * file, and so does everything with PGMIGRATE_CACHE_DIR=off.
 *
 *   pgmigrate checksums 1 <folder>
 *   <version> <size> <mtime ns> <ctime ns> <id> <sha256> <name>
 *   end <count>
 */
#define SUMCACHE_SETTLE_NS (3 * 1000000000LL)
#define SUMCACHE_MAX_BYTES (64 << 20)
#define SUMCACHE_DAY_NS (24LL * 3600 * 1000000000LL)
#define SUMCACHE_PRUNE_NS (30 * SUMCACHE_DAY_NS)
#define SUMCACHE_MAGIC "pgmigrate checksums 1 "
/* files hashed by the main thread while it waits; more go to a thread */
#define SUMCACHE_INLINE_MISSES 16

static int stamp_eq(const pgm_os_stamp *a, const pgm_os_stamp *b)
{
	return a->size == b->size && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns && a->id == b->id;
}

/* the cache file of this folder, and the folder's absolute path (*out_folder) */
static char *sumcache_path(const pgm_ctx *ctx, char **out_folder)
{
	char *dir, *abs, *file, *r, hex[65];
	pgm_sha256 h;

	*out_folder = NULL;
	if (ctx->src->sumcache_skip || (ctx->cfg.sumcache_dir && strcmp(ctx->cfg.sumcache_dir, "off") == 0) ||
	    !pgm_os_stamps_trusted(ctx->cfg.path))
		return NULL;
	dir = ctx->cfg.sumcache_dir && ctx->cfg.sumcache_dir[0] ? pgm_strdup(ctx->cfg.sumcache_dir) : pgm_os_cache_dir();
	abs = pgm_os_abspath(ctx->cfg.path);
	if (!dir || !abs) {
		free(dir);
		free(abs);
		return NULL;
	}
	pgm_sha256_init(&h);
	pgm_sha256_update(&h, abs, strlen(abs));
	pgm_sha256_hex(&h, hex);
	hex[32] = '\0';
	file = pgm_aprintf("%s.sums", hex);
	r = file ? pgm_os_path_join(dir, file) : NULL;
	free(file);
	free(dir);
	*out_folder = abs;
	return r;
}

/* a number of at most 19 digits (a leading '-' allowed) and what ends it
 * (*end must be `stop`); NULL when there is none */
static char *cache_num(char *p, int64_t *out, char stop)
{
	uint64_t v = 0;
	int neg = *p == '-', digits = 0;
	p += neg;
	for (; *p >= '0' && *p <= '9'; p++)
		if (++digits > 19)
			return NULL;
		else
			v = v * 10 + (uint64_t)(*p - '0');
	if (!digits || *p != stop || v > (uint64_t)INT64_MAX)
		return NULL;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return p + 1;
}

/* the entries of a cache file's text (NUL-terminated, changed in place)
 * into c_have/c_stamp/c_sum of the files they are about: the number of
 * entries, or -1 (and no c_have) when the text is not exactly as written */
int pgm__sumcache_parse(pgm_source *src, char *text, const char *folder)
{
	char *p, *line, *end;
	size_t len = strlen(text), i = 0, n = 0, fl = strlen(folder), ml = strlen(SUMCACHE_MAGIC);
	int64_t prev = INT64_MIN, want = -1;

	/* the header names the folder (two folders sharing a hash prefix never mix) */
	if (!(line = strchr(text, '\n')) || strncmp(text, SUMCACHE_MAGIC, ml) != 0 ||
	    (size_t)(line - text) != ml + fl || strncmp(text + ml, folder, fl) != 0)
		goto bad;
	/* the trailer proves the file was written to the end */
	if (len < 6 || text[len - 1] != '\n')
		goto bad;
	for (end = text + len - 1; end > text && end[-1] != '\n'; end--)
		;
	if (end <= line || strncmp(end, "end ", 4) != 0 || !cache_num(end + 4, &want, '\n'))
		goto bad;
	for (p = line + 1; p < end; p = line + 1) {
		int64_t v, size, mt, ct, id;
		const char *sum;
		if (!(line = strchr(p, '\n')))
			goto bad;
		*line = '\0';
		if (!(p = cache_num(p, &v, ' ')) || !(p = cache_num(p, &size, ' ')) || !(p = cache_num(p, &mt, ' ')) ||
		    !(p = cache_num(p, &ct, ' ')) || !(p = cache_num(p, &id, ' ')) || strspn(p, "0123456789abcdef") != 64 ||
		    p[64] != ' ' || v <= prev)
			goto bad;
		sum = p;
		p += 65;
		prev = v;
		n++;
		/* files and lines are both in version order */
		while (i < src->nmigs && src->migs[i].pub.version < v)
			i++;
		if (i < src->nmigs && src->migs[i].pub.version == v && strcmp(src->migs[i].name, p) == 0) {
			pgm_mig *m = &src->migs[i];
			m->c_stamp.size = size;
			m->c_stamp.mtime_ns = mt;
			m->c_stamp.ctime_ns = ct;
			m->c_stamp.id = (uint64_t)id;
			memcpy(m->c_sum, sum, 64);
			m->c_sum[64] = '\0';
			m->c_have = 1;
		}
	}
	if ((int64_t)n == want)
		return (int)(n > INT32_MAX ? INT32_MAX : n);
bad:
	for (i = 0; i < src->nmigs; i++)
		src->migs[i].c_have = 0;
	return -1;
}

/* the cache file, read; another user's is not trusted (a cache folder
 * shared on purpose or by mistake) */
static void sumcache_read(pgm_ctx *ctx)
{
	pgm_buf b = PGM_BUF_INIT;
	char chunk[16384], *text;
	void *fh;
	long got = 0;
	int n;

	ctx->src->sumcache_read = 0;
	if (!pgm_os_owned_by_me(ctx->src->sumcache_file) || !(fh = pgm_os_fopen_read(ctx->src->sumcache_file, NULL, 0)))
		return;
	while (b.len < SUMCACHE_MAX_BYTES && (got = pgm_os_fread(fh, chunk, sizeof chunk)) > 0)
		pgm_buf_put(&b, chunk, (size_t)got);
	pgm_os_fclose(fh);
	if (got >= 0 && !b.failed && (text = pgm_buf_take(&b)) != NULL) {
		n = pgm__sumcache_parse(ctx->src, text, ctx->src->sumcache_folder);
		ctx->src->sumcache_read = n > 0 ? (size_t)n : 0;
		free(text);
	}
	pgm_buf_free(&b);
}

/* the file name at the end of a path */
static const char *base_name(const char *path)
{
	const char *p, *b = path;
	for (p = path; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	return b;
}

/* the files up to the limit not done yet: their checksums from the cache
 * when their stamps agree (with `hash`, the others hashed too). Returns
 * how many are left to hash. */
static size_t prehash_files(pgm_ctx *ctx, char *buf, size_t bufsize, int hash)
{
	size_t i, misses = 0;
	int never = 0;
	int64_t settled = pgm_os_now_ns() - SUMCACHE_SETTLE_NS;
	void *dir = ctx->src->sumcache_file ? pgm_os_dir_open(ctx->cfg.path) : NULL;

	for (i = 0; i < ctx->src->nmigs; i++) {
		pgm_mig *m = &ctx->src->migs[i];
		pgm_os_stamp st;
		if (m->pub.version > pgm_os_atomic_load(&ctx->src->prehash_limit))
			break;
		if (!m->up_path || m->pre_ok)
			continue;
		m->c_seen = 1;
		if (m->c_have && pgm_os_stamp_in(dir, base_name(m->up_path), &st) == 0 && stamp_eq(&st, &m->c_stamp)) {
			memcpy(m->pre_sum, m->c_sum, 65);
			m->pre_ok = m->c_keep = 1;
			continue;
		}
		if (!hash) {
			misses++;
			continue;
		}
		/* files of at most 1 MiB, and a thread: no Ctrl-C flag (it is the main thread's) */
		if (hash_path(m->up_path, buf, bufsize, PREHASH_MAX_FILE, NULL, 0, m->pre_sum, &st, &never) != 0)
			continue;
		m->pre_ok = 1;
		/* a change time of 0 is no change time */
		if (ctx->src->sumcache_file && st.ctime_ns > 0 && st.mtime_ns < settled && st.ctime_ns < settled &&
		    !strpbrk(m->name, "\r\n")) {
			m->c_stamp = st;
			memcpy(m->c_sum, m->pre_sum, 65);
			m->c_have = m->c_keep = 1;
			ctx->src->sumcache_changed = 1;
		}
	}
	pgm_os_dir_close(dir);
	return misses;
}

static void prehash_main(void *arg)
{
	pgm_ctx *ctx = arg;
	size_t bufsize = 1 << 16;
	char *buf = malloc(bufsize);
	if (buf)
		prehash_files(ctx, buf, bufsize, 1);
	free(buf);
}

/* a cache file of pgmigrate's own making: 32 hex digits and ".sums", or
 * such a name with ".<pid>.tmp" after it (left by a crash) */
static int is_cache_name(const char *name)
{
	size_t n = strspn(name, "0123456789abcdef");
	if (n != 32 || strncmp(name + 32, ".sums", 5) != 0)
		return 0;
	name += 37;
	if (!*name)
		return 1;
	n = *name == '.' ? strspn(name + 1, "0123456789") : 0;
	return n > 0 && strcmp(name + 1 + n, ".tmp") == 0;
}

typedef struct prune_state {
	const char *dir;
	int64_t before;
} prune_state;

static int prune_one(const char *name, void *arg)
{
	prune_state *ps = arg;
	pgm_os_stamp st;
	char *path;
	if (!is_cache_name(name))
		return 0;
	if ((path = pgm_os_path_join(ps->dir, name)) != NULL && pgm_os_stamp_path(path, &st) == 0 && st.mtime_ns < ps->before)
		pgm_os_remove(path);
	free(path);
	return 0;
}

/* the files of folders not used for a month go (the caches of /tmp folders
 * and deleted clones): a folder in use has its file rewritten or touched
 * at least once a day */
static void sumcache_prune(const char *dir)
{
	prune_state ps;
	char errbuf[64];
	ps.dir = dir;
	ps.before = pgm_os_now_ns() - SUMCACHE_PRUNE_NS;
	pgm_os_listdir(dir, prune_one, &ps, errbuf, sizeof errbuf);
}

/* after the work: the cache is written back when it changed. Entries of
 * files not looked at (above the version where the work stopped) stay. */
static void sumcache_write(pgm_ctx *ctx)
{
	pgm_buf b = PGM_BUF_INIT;
	size_t i, n = 0;
	char *dir;
	pgm_os_stamp st;

	if (!ctx->src->sumcache_file)
		return;
	for (i = 0; i < ctx->src->nmigs; i++) {
		pgm_mig *m = &ctx->src->migs[i];
		if (m->c_have && !m->c_seen)
			m->c_keep = 1;
		n += m->c_keep;
	}
	if (!ctx->src->sumcache_changed && n == ctx->src->sumcache_read) {
		/* unchanged: a touch a day keeps it from the pruning of unused folders */
		if (pgm_os_stamp_path(ctx->src->sumcache_file, &st) == 0 && st.mtime_ns < pgm_os_now_ns() - SUMCACHE_DAY_NS)
			pgm_os_touch(ctx->src->sumcache_file);
		return;
	}
	pgm_buf_printf(&b, "%s%s\n", SUMCACHE_MAGIC, ctx->src->sumcache_folder);
	for (i = 0; i < ctx->src->nmigs; i++) {
		const pgm_mig *m = &ctx->src->migs[i];
		if (m->c_keep)
			pgm_buf_printf(&b, "%lld %lld %lld %lld %lld %s %s\n", (long long)m->pub.version,
				(long long)m->c_stamp.size, (long long)m->c_stamp.mtime_ns, (long long)m->c_stamp.ctime_ns,
				(long long)m->c_stamp.id, m->c_sum, m->name);
	}
	pgm_buf_printf(&b, "end %zu\n", n);
	/* the folder: the path without its file name and the separator before it */
	dir = pgm_strndup(ctx->src->sumcache_file, (size_t)(base_name(ctx->src->sumcache_file) - ctx->src->sumcache_file));
	if (dir && *dir)
		dir[strlen(dir) - 1] = '\0';
	/* a cache is a convenience: when it cannot be written, the files are read next time */
	if (!b.failed && dir && pgm_os_mkdirs_private(dir) == 0 && pgm_os_write_replace(ctx->src->sumcache_file, b.ptr, b.len) == 0)
		sumcache_prune(dir);
	free(dir);
	pgm_buf_free(&b);
}

char *pgm_ctx_checksum_cache(const pgm_ctx *ctx, pgm_origin *origin)
{
	char *folder = NULL, *file = sumcache_path(ctx, &folder);
	if (origin)
		*origin = ctx->cfg.sumcache_dir_origin;
	free(folder);
	return file;
}

/* bytes a cache entry takes at least: a file this size per migration
 * means the cache holds (nearly) all of them */
#define SUMCACHE_MIN_ENTRY 90

static void prehash_forget(pgm_ctx *ctx)
{
	free(ctx->src->sumcache_file);
	free(ctx->src->sumcache_folder);
	ctx->src->sumcache_file = ctx->src->sumcache_folder = NULL;
	ctx->src->sumcache_read = 0;
	ctx->src->sumcache_changed = 0;
	ctx->src->prehash_inline = 0;
}

int pgm__prehash_start(pgm_ctx *ctx)
{
	pgm_os_stamp st;
	size_t i;
	int rc;
	if (ctx->src->prehash || ctx->src->prehash_inline || !ctx->src->loaded || ctx->src->nmigs < PREHASH_MIN_FILES)
		return 0;
	/* libpq first: its loading maps and relocates a dozen libraries, and
	 * with a hashing thread running every page it touches would stop that
	 * thread's CPU too (TLB shootdowns): 3 ms more of a no-op `up` */
	if ((rc = pgm__load_libpq(ctx)) != 0)
		return rc;
	prehash_forget(ctx);
	for (i = 0; i < ctx->src->nmigs; i++) {
		pgm_mig *m = &ctx->src->migs[i];
		m->pre_ok = m->c_have = m->c_seen = m->c_keep = 0;
	}
	pgm_os_atomic_store(&ctx->src->prehash_limit, INT64_MAX);
	ctx->src->sumcache_file = sumcache_path(ctx, &ctx->src->sumcache_folder);
	/* With the checksums cached, what is left is a stat per file: cheaper
	 * done while the main thread waits for the first query's answer than by
	 * a thread that competes for the CPU with the connection's password
	 * hashing and the server (2 ms more of a no-op `up` on two cores). A
	 * folder without a cache is hashed by a thread while we connect. */
	if (ctx->src->sumcache_file && pgm_os_stamp_path(ctx->src->sumcache_file, &st) == 0 &&
	    st.size >= (int64_t)(SUMCACHE_MIN_ENTRY * ctx->src->nmigs)) {
		ctx->src->prehash_inline = 1;
		return 0;
	}
	if (ctx->src->sumcache_file)
		sumcache_read(ctx);
	ctx->src->prehash = pgm_os_thread_start(prehash_main, ctx);
	return 0;
}

void pgm__prehash_idle(pgm_ctx *ctx)
{
	size_t misses, bufsize = 1 << 16;
	char *buf;
	if (ctx->src->prehash_inline != 1) /* once: every query waits, the first one does it */
		return;
	ctx->src->prehash_inline = 2; /* done: the join writes the cache back */
	sumcache_read(ctx);
	misses = prehash_files(ctx, NULL, 0, 0);
	if (misses == 0)
		return;
	/* files whose stamps changed (a checkout, a new clone in the same place):
	 * a few are hashed now, many by a thread while the answer comes */
	if (misses > SUMCACHE_INLINE_MISSES && (ctx->src->prehash = pgm_os_thread_start(prehash_main, ctx)) != NULL)
		return;
	if ((buf = malloc(bufsize)) != NULL)
		prehash_files(ctx, buf, bufsize, 1);
	free(buf);
}

void pgm__prehash_limit(pgm_ctx *ctx, int64_t version)
{
	if (ctx->src->prehash)
		pgm_os_atomic_store(&ctx->src->prehash_limit, version);
}

/* the work done (or, with `finish` 0 as when the files are freed, given
 * up), the cache written back */
static void prehash_join(pgm_ctx *ctx, int finish)
{
	if (ctx->src->prehash_inline == 1 && finish)
		pgm__prehash_idle(ctx); /* no query came to wait for */
	if (ctx->src->prehash) {
		pgm_os_thread_join(ctx->src->prehash);
		ctx->src->prehash = NULL;
		sumcache_write(ctx);
	} else if (ctx->src->prehash_inline == 2) {
		sumcache_write(ctx);
	}
	prehash_forget(ctx);
}

int pgm__mig_checksum(pgm_ctx *ctx, pgm_mig *m, char out[65])
{
	prehash_join(ctx, 1);
	if (m->pre_ok) {
		/* used once: a later question reads the file as it is then */
		memcpy(out, m->pre_sum, 65);
		m->pre_ok = 0;
		return 0;
	}
	return pgm_checksum_file(ctx, m->up_path, m->up_display, out);
}
