/*
 * Fuzz the connection-string module (conninfo.c: pgm_mask_conninfo,
 * pgm__conninfo_parse, pgm__scrub_conninfo) and pgm_lock_key.
 *
 * 1. The raw input as a connection string: no crash, a result, no leak.
 * 2. A URL built from the input,
 *      SCHEME://USER:PASSWORD@HOSTS[/DB][?k=v&password=QPW...]
 *    with the scheme in any case and passwords of any bytes (raw '@', ':',
 *    '/', '?', '#', '%', '&', quotes, blanks): either the parser says libpq
 *    would misread it (and pgmigrate refuses it before libpq sees it), or
 *    the password libpq reads (mirrored from fe-connect.c: the credentials
 *    end at the first '@' before any '/', the user at the first ':', a query
 *    value at '&') is exactly the one written. In both cases neither
 *    password appears in the masked text, nor in a message that quotes it
 *    after scrubbing, unless it also appears in the URL with the passwords
 *    replaced by ****, where it is not secret.
 * 3. A keyword/value string of fuzzed pairs, values quoted the way libpq
 *    reads them (single quotes, \' and \\ escapes, whenever a value is empty
 *    or has a blank, quote or backslash): never refused, libpq's reading is
 *    the password written, and it appears neither masked nor scrubbed. The
 *    same password unquoted: refused, or read as written.
 * 4. See check_wrapped: a JDBC URL, a URL as a keyword/value dbname.
 */
#include "internal.h"
#include "fuzz.h"

#include <ctype.h>

typedef struct {
	const uint8_t *p;
	size_t n;
} input;

static int take_byte(input *in)
{
	int c;
	if (!in->n)
		return -1;
	c = *in->p;
	in->p++;
	in->n--;
	return c;
}

/* a field: bytes up to the separator 0x01 (or the end), minus any in `ban` and NUL */
static void take_field(input *in, pgm_buf *out, const char *ban)
{
	while (in->n) {
		char c = (char)*in->p;
		in->p++;
		in->n--;
		if (c == '\x01')
			break;
		if (c == '\0' || (ban && strchr(ban, c)))
			continue;
		pgm_buf_put(out, &c, 1);
	}
}

/* pw must not leak into masked unless it shows in ideal (the properly masked text) */
static void check_secret(const char *masked, const char *ideal, const char *pw, const char *what)
{
	size_t n = strlen(pw);
	if (n == 0 || fuzz_contains(ideal, pw, n))
		return;
	if (fuzz_contains(masked, pw, n)) {
		fprintf(stderr, "%s leaked\n  password: [%s]\n  masked:   [%s]\n  ideal:    [%s]\n", what, pw, masked, ideal);
		abort();
	}
}

/* a message quoting pw, scrubbed: pw must not show, unless it is in the
 * message with pw replaced by **** or in ideal (then it is no secret) */
static void check_scrub(const char *ci, const char *ideal, const char *pw, const char *what)
{
	static const char frame[] = "invalid value \"%s\" for option";
	pgm_buf msg = PGM_BUF_INIT, ok = PGM_BUF_INIT;
	char *clean;
	/* (a password made of "****" and the frame's words can come out of the
	 * scrubber looking like itself: nothing to check there) */
	if (!*pw || strstr(pw, "**"))
		return;
	pgm_buf_printf(&msg, frame, pw);
	pgm_buf_put(&msg, "", 1);
	pgm_buf_printf(&ok, frame, "****");
	pgm_buf_printf(&ok, " %s", ideal);
	pgm_buf_put(&ok, "", 1);
	FUZZ_CHECK(!msg.failed && !ok.failed);
	clean = pgm__scrub_conninfo(msg.ptr, ci);
	FUZZ_CHECK(clean != NULL);
	/* (a shorter one is replaced only where it stands alone, and a message
	 * from libpq quotes it between its delimiters: not checked here) */
	if (strlen(pw) >= 4)
		check_secret(clean, ok.ptr, pw, what);
	free(clean);
	pgm_buf_free(&msg);
	pgm_buf_free(&ok);
}

/* libpq's reading (when the parser does not refuse the string) holds a span equal to pw */
static void check_read_as_written(const pgm__conninfo *c, const char *ci, const char *pw, size_t first_only)
{
	size_t i, n = strlen(pw);
	if (c->problem != PGM_CI_OK)
		return;
	for (i = 0; i < (first_only ? 1 : c->nspan) && i < c->nspan; i++)
		if (c->span[i].len == n && memcmp(ci + c->span[i].off, pw, n) == 0)
			return;
	fprintf(stderr, "libpq would read another password\n  string:   [%s]\n  password: [%s]\n", ci, pw);
	abort();
}

static char *mask_ok(const char *ci)
{
	char *m = pgm_mask_conninfo(ci);
	FUZZ_CHECK(m != NULL);
	return m;
}

static void check_url(input in)
{
	pgm_buf url = PGM_BUF_INIT, ideal = PGM_BUF_INIT;
	pgm_buf user = PGM_BUF_INIT, pw = PGM_BUF_INIT, host = PGM_BUF_INIT, path = PGM_BUF_INIT;
	pgm_buf qpw = PGM_BUF_INIT, qpre = PGM_BUF_INIT, qpost = PGM_BUF_INIT;
	int flags = take_byte(&in);
	pgm__conninfo c;
	char *m;

	if (flags < 0)
		flags = 0;
	/* no '?' in the user: it would start the query for libpq, and a user
	 * name with one must be percent-encoded anyway (the parser refuses a
	 * raw one where libpq sees credentials) */
	take_field(&in, &user, ":@/?");
	take_field(&in, &pw, NULL);               /* any byte */
	take_field(&in, &host, "@/?=&");          /* a host list: none of these */
	take_field(&in, &path, "?");
	take_field(&in, &qpre, "&=?@/");
	take_field(&in, &qpw, NULL);              /* any byte */
	take_field(&in, &qpost, "?@/");
	{
		/* the scheme in any case */
		const char *scheme = flags & 1 ? "postgresql://" : "postgres://";
		size_t i, n = strlen(scheme);
		for (i = 0; i < n; i++) {
			char ch = scheme[i];
			if ((flags & 32) && ch >= 'a' && ch <= 'z' && ((flags >> 6) + i) % 2 == 0)
				ch = (char)(ch - 'a' + 'A');
			pgm_buf_put(&url, &ch, 1);
		}
	}
	pgm_buf_put(&url, user.ptr, user.len);
	pgm_buf_put(&ideal, url.ptr, url.len);
	if (flags & 2) {
		pgm_buf_puts(&url, ":");
		pgm_buf_put(&url, pw.ptr, pw.len);
		pgm_buf_puts(&ideal, ":****");
	}
	if (flags & (2 | 4)) {
		pgm_buf_puts(&url, "@");
		pgm_buf_puts(&ideal, "@");
	}
	{
		pgm_buf rest = PGM_BUF_INIT;
		pgm_buf_put(&rest, host.ptr, host.len);
		if (flags & 8) {
			pgm_buf_puts(&rest, "/");
			pgm_buf_put(&rest, path.ptr, path.len);
		}
		pgm_buf_put(&url, rest.ptr, rest.len);
		pgm_buf_put(&ideal, rest.ptr, rest.len);
		pgm_buf_free(&rest);
	}
	if (flags & 16) {
		pgm_buf q = PGM_BUF_INIT;
		pgm_buf_puts(&q, "?");
		if (qpre.len) {
			pgm_buf_put(&q, qpre.ptr, qpre.len);
			pgm_buf_puts(&q, "&");
		}
		pgm_buf_put(&url, q.ptr, q.len);
		pgm_buf_put(&ideal, q.ptr, q.len);
		pgm_buf_puts(&url, "password=");
		pgm_buf_put(&url, qpw.ptr, qpw.len);
		pgm_buf_puts(&ideal, "password=****");
		pgm_buf_reset(&q);
		if (qpost.len) {
			pgm_buf_puts(&q, "&");
			pgm_buf_put(&q, qpost.ptr, qpost.len);
		}
		pgm_buf_put(&url, q.ptr, q.len);
		pgm_buf_put(&ideal, q.ptr, q.len);
		pgm_buf_free(&q);
	}
	pgm_buf_put(&url, "", 1);
	pgm_buf_put(&ideal, "", 1);
	pgm_buf_put(&pw, "", 1);
	pgm_buf_put(&qpw, "", 1);
	FUZZ_CHECK(!url.failed && !ideal.failed && !pw.failed && !qpw.failed);

	m = mask_ok(url.ptr);
	FUZZ_CHECK(pgm__conninfo_parse(&c, url.ptr) == 0);
	if (flags & 2) {
		check_secret(m, ideal.ptr, pw.ptr, "URL password");
		check_scrub(url.ptr, ideal.ptr, pw.ptr, "URL password, scrubbed");
		check_read_as_written(&c, url.ptr, pw.ptr, 1);
	}
	if (flags & 16) {
		check_secret(m, ideal.ptr, qpw.ptr, "URL query password");
		check_scrub(url.ptr, ideal.ptr, qpw.ptr, "URL query password, scrubbed");
		check_read_as_written(&c, url.ptr, qpw.ptr, 0);
	}
	pgm__conninfo_free(&c);
	free(m);
	pgm_buf_free(&url);
	pgm_buf_free(&ideal);
	pgm_buf_free(&user);
	pgm_buf_free(&pw);
	pgm_buf_free(&host);
	pgm_buf_free(&path);
	pgm_buf_free(&qpre);
	pgm_buf_free(&qpw);
	pgm_buf_free(&qpost);
}

/* a value as libpq's conninfo parser reads it back */
static void put_value(pgm_buf *b, const char *v, size_t n, int force_quotes)
{
	size_t i;
	int quote = force_quotes || n == 0;
	for (i = 0; i < n; i++)
		if (isspace((unsigned char)v[i]) || v[i] == '\'' || v[i] == '\\')
			quote = 1;
	if (!quote) {
		pgm_buf_put(b, v, n);
		return;
	}
	pgm_buf_put(b, "'", 1);
	for (i = 0; i < n; i++) {
		if (v[i] == '\'' || v[i] == '\\')
			pgm_buf_put(b, "\\", 1);
		pgm_buf_put(b, v + i, 1);
	}
	pgm_buf_put(b, "'", 1);
}

/* every value libpq's reading of ci gives the password: is pw among them? */
static int kv_reads(const pgm__conninfo *c, const char *pw)
{
	size_t i;
	for (i = 0; i < c->nvalue; i++)
		if (strcmp(c->value[i], pw) == 0)
			return 1;
	return 0;
}

static void check_kv(input in, int unquoted)
{
	static const char *const keys[] = { "host", "port", "dbname", "user", "password", "sslmode",
		"application_name", "options", "passfile", "service" };
	pgm_buf ci = PGM_BUF_INIT, ideal = PGM_BUF_INIT;
	pgm_buf pws[8];
	size_t npw = 0, i;
	pgm__conninfo c;
	char *m;
	int pairs = 0, nested = 0;

	while (in.n && pairs < 16) {
		int sel = take_byte(&in);
		pgm_buf val = PGM_BUF_INIT;
		const char *key = keys[(sel & 0x7f) % (sizeof keys / sizeof keys[0])];
		const char *eq = (sel & 0x80) ? " = " : "=";
		int is_pw = strcmp(key, "password") == 0;
		/* unquoted: one password, last, without what libpq would read as
		 * quoting, escaping or another pair */
		if (unquoted && is_pw && npw)
			continue;
		take_field(&in, &val, unquoted && is_pw ? "\\'=" : NULL);
		/* a blank at either end of an unquoted value is never part of it */
		if (unquoted && is_pw && (val.len == 0 || isspace((unsigned char)val.ptr[0]) ||
		                          isspace((unsigned char)val.ptr[val.len - 1]))) {
			pgm_buf_free(&val);
			continue;
		}
		if (pairs++) {
			pgm_buf_puts(&ci, sel & 0x40 ? "  " : " ");
			pgm_buf_puts(&ideal, sel & 0x40 ? "  " : " ");
		}
		pgm_buf_printf(&ci, "%s%s", key, eq);
		pgm_buf_printf(&ideal, "%s%s", key, eq);
		if (unquoted && is_pw)
			pgm_buf_put(&ci, val.ptr, val.len);
		else
			put_value(&ci, val.ptr ? val.ptr : "", val.len, sel & 0x20);
		if (strcmp(key, "dbname") == 0 && val.ptr) {
			pgm_buf_put(&val, "", 1);
			val.len--;
			nested |= pgm__conninfo_is_string(val.ptr);
		}
		if (is_pw) {
			pgm_buf_puts(&ideal, "****");
			if (npw < sizeof pws / sizeof pws[0]) {
				pgm_buf p = PGM_BUF_INIT;
				pgm_buf_put(&p, val.ptr ? val.ptr : "", val.len);
				pgm_buf_put(&p, "", 1);
				pws[npw++] = p;
			}
		} else {
			put_value(&ideal, val.ptr ? val.ptr : "", val.len, sel & 0x20);
		}
		pgm_buf_free(&val);
		if (unquoted && is_pw)
			break;
	}
	pgm_buf_put(&ci, "", 1);
	pgm_buf_put(&ideal, "", 1);
	FUZZ_CHECK(!ci.failed && !ideal.failed);
	m = mask_ok(ci.ptr);
	FUZZ_CHECK(pgm__conninfo_parse(&c, ci.ptr) == 0);
	/* quoted right: never refused, unless a dbname is itself a connection
	 * string (libpq would send it to the server) */
	FUZZ_CHECK(unquoted || c.problem == PGM_CI_OK || (nested && c.problem == PGM_CI_NESTED));
	for (i = 0; i < npw; i++) {
		check_secret(m, ideal.ptr, pws[i].ptr, "keyword/value password");
		check_scrub(ci.ptr, ideal.ptr, pws[i].ptr, "keyword/value password, scrubbed");
		if (c.problem == PGM_CI_OK && !kv_reads(&c, pws[i].ptr)) {
			fprintf(stderr, "libpq would read another password\n  string:   [%s]\n  password: [%s]\n", ci.ptr, pws[i].ptr);
			abort();
		}
		pgm_buf_free(&pws[i]);
	}
	pgm__conninfo_free(&c);
	free(m);
	pgm_buf_free(&ci);
	pgm_buf_free(&ideal);
}

/* 4. The password (percent-encoded, as it must be) inside a JDBC URL and inside
 *    a URL that is the dbname of a keyword/value string: refused, and neither
 *    the encoded nor the decoded password shows masked or scrubbed; any text
 *    with `password=` and `user:password@` is masked by the last resort. */
static void check_wrapped(input in)
{
	pgm_buf pw = PGM_BUF_INIT, enc = PGM_BUF_INIT, ci = PGM_BUF_INIT, ideal = PGM_BUF_INIT;
	const char *const hex = "0123456789ABCDEF";
	pgm__conninfo c;
	char *m;
	size_t i;
	int shape;

	take_field(&in, &pw, NULL);
	for (i = 0; i < pw.len; i++) {
		unsigned char ch = (unsigned char)pw.ptr[i];
		if (isalnum(ch)) {
			pgm_buf_put(&enc, pw.ptr + i, 1);
		} else {
			char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };
			pgm_buf_put(&enc, e, 3);
		}
	}
	pgm_buf_put(&pw, "", 1);
	pgm_buf_put(&enc, "", 1);
	FUZZ_CHECK(!pw.failed && !enc.failed);
	if (pw.len < 2)
		goto out;
	for (shape = 0; shape < 3; shape++) {
		pgm_buf_reset(&ci);
		if (shape == 0)
			pgm_buf_printf(&ci, "jdbc:postgresql://h:5432/db?user=u&password=%s&sslmode=disable", enc.ptr);
		else if (shape == 1)
			pgm_buf_printf(&ci, "host=h port=5432 dbname=postgres://u:%s@h/db user=x", enc.ptr);
		else
			pgm_buf_printf(&ci, "host=h dbname='host=h password=%s'", enc.ptr);
		pgm_buf_put(&ci, "", 1);
		/* as properly masked */
		pgm_buf_reset(&ideal);
		if (shape == 0)
			pgm_buf_puts(&ideal, "jdbc:postgresql://h:5432/db?user=u&password=****&sslmode=disable");
		else if (shape == 1)
			pgm_buf_puts(&ideal, "host=h port=5432 dbname=postgres://u:****@h/db user=x");
		else
			pgm_buf_puts(&ideal, "host=h dbname='host=h password=****'");
		pgm_buf_put(&ideal, "", 1);
		FUZZ_CHECK(!ci.failed && !ideal.failed);
		FUZZ_CHECK(pgm__conninfo_parse(&c, ci.ptr) == 0);
		FUZZ_CHECK(c.problem == (shape == 0 ? PGM_CI_SCHEME : PGM_CI_NESTED));
		pgm__conninfo_free(&c);
		m = mask_ok(ci.ptr);
		FUZZ_CHECK(strcmp(m, ideal.ptr) == 0);
		free(m);
		check_scrub(ci.ptr, ideal.ptr, enc.ptr, "wrapped password (encoded), scrubbed");
		/* (a keyword/value password is not percent-decoded: there the encoded form is the password) */
		if (shape != 2)
			check_scrub(ci.ptr, ideal.ptr, pw.ptr, "wrapped password, scrubbed");
		/* the last resort, on the string itself (no setting of ours holds it) */
		m = pgm__scrub_any(ci.ptr);
		FUZZ_CHECK(m != NULL);
		check_secret(m, ideal.ptr, enc.ptr, "wrapped password, last resort");
		free(m);
	}
out:
	pgm_buf_free(&pw);
	pgm_buf_free(&enc);
	pgm_buf_free(&ci);
	pgm_buf_free(&ideal);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	input in = { data, size };

	if (size > 4096)
		return 0;
	s = fuzz_cstr(data, size);
	free(mask_ok(s));
	(void)pgm_lock_key(s, s + strlen(s) / 2, s + strlen(s) / 3);
	free(s);

	check_url(in);
	check_kv(in, 0);
	check_kv(in, 1);
	check_wrapped(in);
	return 0;
}
