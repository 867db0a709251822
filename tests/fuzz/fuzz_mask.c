/*
 * Fuzz pgm_mask_conninfo (util.c) and pgm_lock_key.
 *
 * 1. The raw input as a connection string: no crash, a result, no leak.
 * 2. A URL built from the input the way libpq reads one,
 *      postgres[ql]://USER:PASSWORD@HOSTS[/DB][?k=v&password=QPW...]
 *    (libpq takes the credentials up to the first '@' before any '/', the
 *    user up to the first ':'; a query value ends at '&'): neither password
 *    may appear in the masked text, unless it also appears in the URL with
 *    the passwords replaced by ****, where it is not secret.
 * 3. A keyword/value string of fuzzed pairs, values quoted the way libpq
 *    reads them (single quotes, \' and \\ escapes, whenever a value is empty
 *    or has a blank, quote or backslash): no password value may appear in
 *    the masked text, with the same exception.
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
	char *m;

	if (flags < 0)
		flags = 0;
	/* without credentials a '?' in the user would start the query */
	take_field(&in, &user, flags & (2 | 4) ? ":@/" : ":@/?");
	take_field(&in, &pw, "@/");
	take_field(&in, &host, "@/?");
	take_field(&in, &path, "?");
	/* '@' or '/' in the query would change where libpq ends the credentials */
	take_field(&in, &qpre, "&=?@/");
	take_field(&in, &qpw, "&=@/");
	take_field(&in, &qpost, "?@/");
	pgm_buf_puts(&url, flags & 1 ? "postgresql://" : "postgres://");
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
	if (flags & 2)
		check_secret(m, ideal.ptr, pw.ptr, "URL password");
	if (flags & 16)
		check_secret(m, ideal.ptr, qpw.ptr, "URL query password");
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

static void check_kv(input in)
{
	static const char *const keys[] = { "host", "port", "dbname", "user", "password", "sslmode",
		"application_name", "options", "passfile", "service" };
	pgm_buf ci = PGM_BUF_INIT, ideal = PGM_BUF_INIT;
	pgm_buf pws[8];
	size_t npw = 0, i;
	char *m;
	int pairs = 0;

	while (in.n && pairs < 16) {
		int sel = take_byte(&in);
		pgm_buf val = PGM_BUF_INIT;
		const char *key = keys[(sel & 0x7f) % (sizeof keys / sizeof keys[0])];
		const char *eq = (sel & 0x80) ? " = " : "=";
		int is_pw = strcmp(key, "password") == 0;
		take_field(&in, &val, NULL);
		if (pairs++) {
			pgm_buf_puts(&ci, sel & 0x40 ? "  " : " ");
			pgm_buf_puts(&ideal, sel & 0x40 ? "  " : " ");
		}
		pgm_buf_printf(&ci, "%s%s", key, eq);
		pgm_buf_printf(&ideal, "%s%s", key, eq);
		put_value(&ci, val.ptr ? val.ptr : "", val.len, sel & 0x20);
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
	}
	pgm_buf_put(&ci, "", 1);
	pgm_buf_put(&ideal, "", 1);
	FUZZ_CHECK(!ci.failed && !ideal.failed);
	m = mask_ok(ci.ptr);
	for (i = 0; i < npw; i++) {
		check_secret(m, ideal.ptr, pws[i].ptr, "keyword/value password");
		pgm_buf_free(&pws[i]);
	}
	free(m);
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
	check_kv(in);
	return 0;
}
