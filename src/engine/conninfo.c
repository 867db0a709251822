/*
 * Connection strings: where the password lies in a postgres:// URL or a
 * keyword=value string, as libpq reads it and as its author likely meant
 * it; whether libpq would read part of the password as something else (a
 * raw '@' or '/' in a URL, an unquoted blank in a value), in which case
 * nothing may reach libpq; masking for display; and the one scrubber that
 * every text from libpq or the server passes through before it reaches an
 * error record or an event.
 *
 * The parsers follow libpq's (fe-connect.c: conninfo_uri_parse_options,
 * conninfo_uri_parse_params, conninfo_parse): the user information of a URL
 * ends at the first '@' before any '/', the user at its first ':'; the host
 * list ends at '/' or '?', the database at '?'; query pairs end at '&'. A
 * keyword's value ends at a blank unless single-quoted, with \ escaping
 * the next byte.
 */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* libpq's keywords (PostgreSQL 18), and "ssl" which its URL parser maps to sslmode */
static const char *const keywords[] = {
	"host", "hostaddr", "port", "dbname", "user", "password", "passfile", "channel_binding",
	"connect_timeout", "client_encoding", "options", "application_name", "fallback_application_name",
	"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
	"sslmode", "sslnegotiation", "sslcompression", "sslcert", "sslkey", "sslcertmode", "sslpassword",
	"sslrootcert", "sslcrl", "sslcrldir", "sslsni", "sslkeylogfile", "requirepeer", "require_auth",
	"ssl_min_protocol_version", "ssl_max_protocol_version", "min_protocol_version",
	"max_protocol_version", "gssencmode", "krbsrvname", "gsslib", "gssdelegation", "replication",
	"target_session_attrs", "load_balance_hosts", "service", "scram_client_key", "scram_server_key",
	"oauth_issuer", "oauth_client_id", "oauth_client_secret", "oauth_scope", "authtype", "tty",
	"requiressl", "ssl", NULL
};

static int hexval(char c);

static int is_keyword(const char *k, size_t n)
{
	char key[40];
	size_t i, len = 0;
	/* a URL's key may be percent-encoded: libpq decodes it first */
	for (i = 0; i < n; i++) {
		if (len == sizeof key)
			return 0;
		if (k[i] == '%' && i + 2 < n && hexval(k[i + 1]) >= 0 && hexval(k[i + 2]) >= 0) {
			key[len++] = (char)(hexval(k[i + 1]) * 16 + hexval(k[i + 2]));
			i += 2;
		} else {
			key[len++] = k[i];
		}
	}
	for (i = 0; keywords[i]; i++)
		if (strlen(keywords[i]) == len && memcmp(keywords[i], key, len) == 0)
			return 1;
	return 0;
}

static int is_ci_space(char c)
{
	return isspace((unsigned char)c) != 0;
}

static int prefix_nocase(const char *s, const char *lower, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!s[i] || tolower((unsigned char)s[i]) != lower[i])
			return 0;
	return 1;
}

size_t pgm__conninfo_url_prefix(const char *s)
{
	static const char *const schemes[] = { "postgresql://", "postgres://" };
	size_t i, n;
	if (!s)
		return 0;
	for (i = 0; i < 2; i++) {
		n = strlen(schemes[i]);
		if (prefix_nocase(s, schemes[i], n))
			return n;
	}
	return 0;
}

char *pgm__conninfo_normalize(const char *ci)
{
	size_t n = pgm__conninfo_url_prefix(ci), i;
	char *r = pgm_strdup(ci);
	/* libpq knows the scheme in lower case only; in any other case it takes
	 * the whole URL for a database name and sends it to the server */
	for (i = 0; r && i < n; i++)
		r[i] = (char)tolower((unsigned char)r[i]);
	return r;
}

/* "scheme://" of another scheme, or of nested ones ("jdbc:postgresql://"):
 * its length, else 0 */
static size_t other_scheme(const char *s)
{
	size_t i = 0;
	for (;;) {
		if (!isalpha((unsigned char)s[i]))
			return 0;
		while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
			i++;
		if (strncmp(s + i, "://", 3) == 0)
			return i + 3;
		if (s[i] != ':')
			return 0;
		i++;
	}
}

/* does s look like a connection string (a URL of any scheme, or keyword=value)? */
int pgm__conninfo_is_string(const char *s)
{
	return s && (pgm__conninfo_url_prefix(s) || other_scheme(s) || strchr(s, '='));
}

static void add_span(pgm__conninfo *c, const char *s, const char *from, const char *to)
{
	if (c->nspan == c->capspan) {
		size_t cap = c->capspan ? 2 * c->capspan : 8;
		pgm__ci_span *n = realloc(c->span, cap * sizeof *n);
		if (!n) {
			c->failed = 1;
			return;
		}
		c->span = n;
		c->capspan = cap;
	}
	c->span[c->nspan].off = (size_t)(from - s);
	c->span[c->nspan].len = (size_t)(to - from);
	c->nspan++;
}

static void add_value(pgm__conninfo *c, char *v)
{
	if (v && c->nvalue == c->capvalue) {
		size_t cap = c->capvalue ? 2 * c->capvalue : 8;
		char **n = realloc(c->value, cap * sizeof *n);
		if (!n) {
			free(v);
			v = NULL;
		} else {
			c->value = n;
			c->capvalue = cap;
		}
	}
	if (!v)
		c->failed = 1;
	else
		c->value[c->nvalue++] = v;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1 when libpq would refuse the percent-encoding of [p, e) */
static int bad_percent(const char *p, const char *e)
{
	for (; p < e; p++)
		if (*p == '%' && (e - p < 3 || hexval(p[1]) < 0 || hexval(p[2]) < 0))
			return 1;
	return 0;
}

/* [p, e) percent-decoded (an invalid escape kept as written) */
static char *url_decode(const char *p, const char *e)
{
	pgm_buf b = PGM_BUF_INIT;
	pgm_buf_put(&b, "", 0);
	for (; p < e; p++) {
		if (*p == '%' && e - p >= 3 && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			char ch = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			pgm_buf_put(&b, &ch, 1);
			p += 2;
		} else {
			pgm_buf_put(&b, p, 1);
		}
	}
	return pgm_buf_take(&b);
}

static void add_pieces(pgm__conninfo *c, const char *from, const char *end, const char *pw, const char *pw_end,
	const char *delims);

/* the password and what follows it in a URL's query; 1 when libpq would
 * read some of it otherwise than meant */
static int url_query(pgm__conninfo *c, const char *s, const char *q, int suspect, int seen_pw)
{
	const char *seg = q;
	int bad = 0;
	for (;;) {
		const char *end = seg + strcspn(seg, "&"), *eq = memchr(seg, '=', (size_t)(end - seg));
		int known = eq && is_keyword(seg, (size_t)(eq - seg)) && !memchr(eq + 1, '=', (size_t)(end - eq - 1));
		/* libpq refuses a pair without '=', with two, or with an unknown key,
		 * and quotes it: after a password, or with an '@' about, that is
		 * likely a piece of a password with a raw '&', '=' or '@' */
		if (!known && (seen_pw || suspect))
			bad = 1;
		if (eq && eq - seg == 8 && memcmp(seg, "password", 8) == 0) {
			/* twice (or after the user information's): libpq takes the last,
			 * and the first may hold "@...?password=" */
			if (seen_pw)
				bad = 1;
			/* as meant: up to the next `keyword=` pair */
			const char *g = end;
			while (*g == '&') {
				const char *n = g + 1, *ne = n + strcspn(n, "&"), *neq = memchr(n, '=', (size_t)(ne - n));
				if (neq && is_keyword(n, (size_t)(neq - n)))
					break;
				g = ne;
			}
			add_span(c, s, eq + 1, g);
			if (g != end) {
				add_span(c, s, eq + 1, end);
				/* libpq would quote the pairs after '&' as keywords */
				add_pieces(c, eq + 1, g, eq + 1, g, "&=");
			}
			add_value(c, url_decode(eq + 1, end));
			if (bad_percent(eq + 1, end))
				bad = 1;
			seen_pw = 1;
		}
		if (!*end)
			break;
		seg = end + 1;
	}
	return bad;
}

/* does [q, end) hold a `keyword=` pair, as a query would? */
static int query_has_keyword(const char *q, const char *end)
{
	while (q < end) {
		const char *e = q + strcspn(q, "&"), *eq;
		if (e > end)
			e = end;
		eq = memchr(q, '=', (size_t)(e - q));
		if (eq && is_keyword(q, (size_t)(eq - q)))
			return 1;
		q = e + 1;
	}
	return 0;
}

/* as meant: the user information ends at the last '@' that is followed by
 * something like a host list (no '=' or '&' before the next '/' or '?') */
static const char *meant_at(const char *p0)
{
	const char *p = p0 + strlen(p0);
	while (p > p0) {
		p--;
		if (*p == '@') {
			size_t n = strcspn(p + 1, "/?");
			const char *eq = memchr(p + 1, '=', n), *amp = memchr(p + 1, '&', n);
			if (!eq && !amp)
				return p;
		}
	}
	return NULL;
}

/* libpq's pieces of [from, end) (split where it splits a URL) that overlap
 * the password as meant: libpq would quote them as a host, port, database
 * or parameter, so they are secret too (for the scrubber only) */
static void add_pieces(pgm__conninfo *c, const char *from, const char *end, const char *pw, const char *pw_end,
	const char *delims)
{
	const char *t = from;
	while (t < end) {
		size_t n = strcspn(t, delims);
		if (t + n > end)
			n = (size_t)(end - t);
		if (n > 0 && t < pw_end && t + n > pw) {
			add_value(c, pgm_strndup(t, n));
			if (memchr(t, '%', n))
				add_value(c, url_decode(t, t + n));
		}
		t += n + 1;
	}
}

/* the passwords of a URL that libpq would misread, as meant: up to the
 * user information's last '@', and in the query after the host list */
static void url_meant(pgm__conninfo *c, const char *s, const char *p0)
{
	const char *g = meant_at(p0), *colon, *q;
	if (!g)
		return;
	for (colon = p0; colon < g && *colon != ':'; colon++)
		;
	if (colon < g) {
		add_span(c, s, colon + 1, g);
		add_value(c, url_decode(colon + 1, g));
		add_pieces(c, p0, s + strlen(s), colon + 1, g, ":@/?&=,");
	}
	if ((q = strchr(g, '?')) != NULL)
		url_query(c, s, q + 1, 1, 0);
}

static void url_parse(pgm__conninfo *c, const char *s, size_t prefix, int suspect_all)
{
	const char *p0 = s + prefix, *p, *at = NULL, *net, *net_end, *path_end, *q;
	int bad = 0, colon_pw = 0;

	/* libpq: the user information ends at the first '@' before any '/' */
	for (p = p0; *p && *p != '@' && *p != '/'; p++)
		;
	if (*p == '@') {
		const char *colon;
		at = p;
		for (colon = p0; colon < at && *colon != ':'; colon++)
			;
		if (colon < at) {
			colon_pw = 1;
			add_span(c, s, colon + 1, at);
			add_value(c, url_decode(colon + 1, at));
			bad |= bad_percent(colon + 1, at);
			/* "?...password=" (or another keyword) in the password: more
			 * likely a query whose password holds an '@' */
			if ((q = memchr(colon + 1, '?', (size_t)(at - colon - 1))) != NULL && query_has_keyword(q + 1, at)) {
				bad = 1;
				url_query(c, s, q + 1, 1, 0);
			}
		}
		/* a '?' in the user name: more likely a query whose password holds
		 * an '@' ("host?password=p@ss" is user "host?password=p" at host
		 * "ss" for libpq); its passwords as meant */
		if ((q = memchr(p0, '?', (size_t)(colon - p0))) != NULL) {
			bad = 1;
			url_query(c, s, q + 1, 1, 0);
		}
		net = at + 1;
	} else {
		net = p0;
	}
	net_end = net + strcspn(net, "/?");
	path_end = *net_end == '/' ? net_end + 1 + strcspn(net_end + 1, "?") : net_end;
	/* no host or database holds a raw '@': a password with '@' or '/' does */
	if (memchr(net, '@', (size_t)(path_end - net)))
		bad = 1;
	if (*path_end == '?') {
		q = path_end + 1;
		/* an '@' in the query of a URL with no user information but a
		 * ':' in its host part: "u:pass/word?x@host" */
		const char *qat = strchr(q, '@');
		int suspect = qat != NULL;
		if (suspect && !at && memchr(net, ':', (size_t)(net_end - net)))
			bad = 1;
		/* "...@host/db" or "...@host?..." inside the query: the tail of a
		 * URL that a password with a raw '@' and '?' swallowed */
		if (suspect && strpbrk(qat, "/?"))
			bad = 1;
		bad |= url_query(c, s, q, suspect, at && colon_pw);
	}
	if (bad)
		c->problem = PGM_CI_URL_ENCODING;
	if (bad || suspect_all)
		url_meant(c, s, p0);
}

/* `keyword =` of a known keyword starts at t */
static int kv_pair_at(const char *t)
{
	const char *k = t;
	while (*t && *t != '=' && !is_ci_space(*t))
		t++;
	if (!is_keyword(k, (size_t)(t - k)))
		return 0;
	while (is_ci_space(*t))
		t++;
	return *t == '=';
}

/* a dbname [vs, p) (v unquoted) that is itself a connection string: libpq
 * expands only the outer one and would send this one to the server as a
 * database name (its log shows it), so it is refused; its passwords are
 * secret (where they lie in s, or the whole value when quoting moved them) */
static void kv_nested(pgm__conninfo *c, const char *s, const char *vs, const char *p, const char *v)
{
	pgm__conninfo in;
	size_t i, off, n = (size_t)(p - vs), vl = strlen(v);
	int mapped = 0;
	if (!pgm__conninfo_is_string(v))
		return;
	if (pgm__conninfo_parse(&in, v) != 0)
		c->failed = 1;
	if (pgm__conninfo_url_prefix(v) || other_scheme(v) || in.nvalue)
		c->problem = PGM_CI_NESTED;
	if (n == vl && memcmp(vs, v, vl) == 0) {
		off = (size_t)(vs - s);
		mapped = 1;
	} else if (n == vl + 2 && *vs == '\'' && memcmp(vs + 1, v, vl) == 0) {
		off = (size_t)(vs + 1 - s);
		mapped = 1;
	}
	for (i = 0; i < in.nspan; i++) {
		if (mapped)
			add_span(c, s, s + off + in.span[i].off, s + off + in.span[i].off + in.span[i].len);
		add_value(c, pgm_strndup(v + in.span[i].off, in.span[i].len));
	}
	if (!mapped && in.nspan)
		add_span(c, s, vs, p);
	for (i = 0; i < in.nvalue; i++)
		add_value(c, pgm_strdup(in.value[i]));
	pgm__conninfo_free(&in);
}

static void kv_parse(pgm__conninfo *c, const char *s)
{
	const char *p = s;
	while (*p) {
		const char *ks, *ke, *vs;
		pgm_buf val = PGM_BUF_INIT;
		int is_pw;
		while (is_ci_space(*p))
			p++;
		if (!*p)
			break;
		ks = p;
		while (*p && *p != '=' && !is_ci_space(*p))
			p++;
		ke = p;
		while (is_ci_space(*p))
			p++;
		if (*p != '=')
			continue;   /* libpq stops here ("missing =") and quotes the word */
		p++;
		while (is_ci_space(*p))
			p++;
		vs = p;
		pgm_buf_put(&val, "", 0);
		if (*p == '\'') {
			for (p++; *p && *p != '\''; p++) {
				if (*p == '\\' && p[1])
					p++;
				pgm_buf_put(&val, p, 1);
			}
			if (*p == '\'')
				p++;
		} else {
			for (; *p && !is_ci_space(*p); p++) {
				if (*p == '\\' && p[1])
					p++;
				pgm_buf_put(&val, p, 1);
			}
		}
		is_pw = ke - ks == 8 && memcmp(ks, "password", 8) == 0;
		if (!is_pw && ke - ks == 6 && memcmp(ks, "dbname", 6) == 0 && val.ptr)
			kv_nested(c, s, vs, p, val.ptr);
		if (!is_pw) {
			pgm_buf_free(&val);
			continue;
		}
		add_value(c, pgm_buf_take(&val));
		{
			/* as meant: words up to the next `keyword=` that libpq cannot
			 * read as a pair belong to the password (an unquoted blank) */
			const char *e = p, *t = p;
			for (;;) {
				while (is_ci_space(*t))
					t++;
				if (!*t || kv_pair_at(t))
					break;
				c->problem = PGM_CI_KV_QUOTING;
				while (*t && !is_ci_space(*t))
					t++;
				e = t;
			}
			add_span(c, s, vs, e);
			if (e != p) {
				add_span(c, s, vs, p);
				add_value(c, pgm_strndup(vs, (size_t)(e - vs)));
				/* libpq would quote the words as keywords */
				add_pieces(c, p, e, p, e, " \t\n\r\f\v=");
			}
			p = e;
		}
	}
}

int pgm__conninfo_parse(pgm__conninfo *out, const char *ci)
{
	size_t n;
	memset(out, 0, sizeof *out);
	if (!ci)
		return 0;
	if ((n = pgm__conninfo_url_prefix(ci)) != 0) {
		url_parse(out, ci, n, 0);
	} else if ((n = other_scheme(ci)) != 0) {
		/* libpq would take it for a database name, or fail on its '=', and
		 * show it whole: read it as a URL to find the password */
		url_parse(out, ci, n, 1);
		out->problem = PGM_CI_SCHEME;
	} else if (strchr(ci, '=')) {
		kv_parse(out, ci);
	}
	return out->failed ? -1 : 0;
}

void pgm__conninfo_free(pgm__conninfo *c)
{
	size_t i;
	for (i = 0; i < c->nvalue; i++)
		free(c->value[i]);
	free(c->value);
	free(c->span);
	c->value = NULL;
	c->span = NULL;
	c->nvalue = c->capvalue = c->nspan = c->capspan = 0;
}

static int span_cmp(const void *a, const void *b)
{
	const pgm__ci_span *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

char *pgm_mask_conninfo(const char *ci)
{
	pgm__conninfo c;
	pgm_buf out = PGM_BUF_INIT;
	size_t pos = 0, i;
	if (!ci)
		return NULL;
	if (pgm__conninfo_parse(&c, ci) != 0) {
		pgm__conninfo_free(&c);
		return NULL;
	}
	/* every password span (as libpq reads it, and as meant) becomes ****;
	 * nested and overlapping spans merge */
	if (c.nspan > 1)
		qsort(c.span, c.nspan, sizeof c.span[0], span_cmp);
	for (i = 0; i < c.nspan; i++) {
		size_t end = c.span[i].off + c.span[i].len;
		if (c.span[i].off < pos) {
			if (end > pos)
				pos = end;
			continue;
		}
		pgm_buf_put(&out, ci + pos, c.span[i].off - pos);
		pgm_buf_puts(&out, "****");
		pos = end;
	}
	pgm_buf_puts(&out, ci + pos);
	pgm__conninfo_free(&c);
	return pgm_buf_take(&out);
}

static int is_word(char ch)
{
	return isalnum((unsigned char)ch) != 0;
}

/*
 * `text` (from libpq, the server, or ourselves) with every trace of the
 * connection string's password replaced: the whole string (libpq quotes a
 * malformed URL) by its masked form, and each password, as written and as
 * decoded, by "****" (libpq quotes a badly encoded one; the server a value
 * it was given). A password shorter than 4 bytes is replaced only where it
 * stands alone, not inside a word.
 */
char *pgm__scrub_conninfo(const char *text, const char *ci)
{
	pgm__conninfo c;
	pgm_buf out = PGM_BUF_INIT;
	const char **secret;
	char **raw;
	size_t nsecret = 0, cilen, i, k, tlen;
	char *masked;

	if (!text)
		return NULL;
	if (!ci || !*ci)
		return pgm_strdup(text);
	if (pgm__conninfo_parse(&c, ci) != 0 || (masked = pgm_mask_conninfo(ci)) == NULL) {
		pgm__conninfo_free(&c);
		return NULL;
	}
	secret = malloc((c.nspan + c.nvalue + 1) * sizeof *secret);
	raw = calloc(c.nspan + 1, sizeof *raw);
	if (!secret || !raw) {
		free(secret);
		free(raw);
		free(masked);
		pgm__conninfo_free(&c);
		return NULL;
	}
	for (i = 0; i < c.nspan; i++) {
		if ((raw[i] = pgm_strndup(ci + c.span[i].off, c.span[i].len)) == NULL)
			out.failed = 1;     /* no text rather than an unscrubbed one */
		else if (*raw[i])
			secret[nsecret++] = raw[i];
	}
	for (i = 0; i < c.nvalue; i++)
		if (*c.value[i])
			secret[nsecret++] = c.value[i];
	/* longest first, so that a password is replaced whole before a shorter one inside it */
	for (i = 1; i < nsecret; i++)
		for (k = i; k > 0 && strlen(secret[k]) > strlen(secret[k - 1]); k--) {
			const char *t = secret[k];
			secret[k] = secret[k - 1];
			secret[k - 1] = t;
		}
	cilen = strlen(ci);
	tlen = strlen(text);
	for (i = 0; i < tlen; ) {
		if (strncmp(text + i, ci, cilen) == 0) {
			pgm_buf_puts(&out, masked);
			i += cilen;
			continue;
		}
		for (k = 0; k < nsecret; k++) {
			size_t n = strlen(secret[k]);
			if (n > tlen - i || memcmp(text + i, secret[k], n) != 0)
				continue;
			if (n >= 4 || ((i == 0 || !is_word(text[i - 1])) && !is_word(text[i + n])))
				break;
		}
		if (k < nsecret) {
			pgm_buf_puts(&out, "****");
			i += strlen(secret[k]);
			continue;
		}
		pgm_buf_put(&out, text + i, 1);
		i++;
	}
	for (i = 0; i < c.nspan; i++)
		free(raw[i]);
	free(raw);
	free(secret);
	free(masked);
	pgm__conninfo_free(&c);
	return pgm_buf_take(&out);
}

/*
 * Before anything hands ctx->cfg.url to libpq: when libpq would read part of
 * the password as a host, port, database or parameter (and print it in its
 * errors, or send it to the server, which logs it), refuse, say why, and
 * show the string as meant, password masked.
 */
int pgm__conninfo_check(pgm_ctx *ctx)
{
	pgm__conninfo c;
	char *masked;
	int problem;

	if (!ctx->cfg.url)
		return 0;
	{
		/* libpq takes PGDATABASE from the environment, unexpanded, when the
		 * connection string names no database: a connection string there
		 * would reach the server (and its log) as a database name */
		pgm_origin o;
		const char *db = pgm__config_lookup(ctx, "PGDATABASE", &o);
		if (db && o == PGM_FROM_ENV && strcmp(db, ctx->cfg.url) != 0 && pgm__conninfo_is_string(db)) {
			pgm_fail(ctx, PGM_ECONFIG, "PGDATABASE holds a connection string, and another one is used");
			if ((masked = pgm_mask_conninfo(db)) != NULL)
				pgm_set_detail(ctx, "libpq would send PGDATABASE to the server as a database name: %s", masked);
			free(masked);
			pgm_set_hint(ctx, "unset PGDATABASE, or set it to a plain database name");
			return PGM_ECONFIG;
		}
	}
	if (pgm__conninfo_parse(&c, ctx->cfg.url) != 0) {
		pgm__conninfo_free(&c);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	problem = c.problem;
	pgm__conninfo_free(&c);
	if (!problem)
		return 0;
	masked = pgm_mask_conninfo(ctx->cfg.url);
	if (!masked)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	switch (problem) {
	case PGM_CI_SCHEME:
		if (prefix_nocase(ctx->cfg.url, "jdbc:", 5)) {
			pgm_fail(ctx, PGM_ECONFIG, "the connection string is a JDBC URL, which libpq does not read");
			pgm_set_detail(ctx, "it reads %s", masked);
			pgm_set_hint(ctx, "drop the \"jdbc:\" prefix: postgresql://HOST:5432/DBNAME?user=USER&password=**** "
				"(the password percent-encoded), or leave the password out and set PGPASSWORD");
			break;
		}
		pgm_fail(ctx, PGM_ECONFIG, "the connection string is not a postgres:// URL");
		pgm_set_detail(ctx, "it starts with another scheme: %s", masked);
		pgm_set_hint(ctx, "write it as postgres://USER:PASSWORD@HOST:5432/DBNAME (or postgresql://), "
			"or as keyword=value pairs (host=HOST dbname=DBNAME user=USER)");
		break;
	case PGM_CI_NESTED:
		pgm_fail(ctx, PGM_ECONFIG, "the dbname in the connection string is itself a connection string");
		pgm_set_detail(ctx, "libpq expands only the outer string and would send the inner one to the server "
			"as a database name (and the server logs it): %s", masked);
		pgm_set_hint(ctx, "use one connection string: the URL alone, or keyword=value pairs with a plain dbname");
		break;
	case PGM_CI_KV_QUOTING:
		pgm_fail(ctx, PGM_ECONFIG, "the password in the connection string needs quotes");
		pgm_set_detail(ctx, "it holds a blank, so libpq would read the rest of it as other keywords "
			"and print them in its errors; as meant: %s", masked);
		pgm_set_hint(ctx, "put the value in single quotes, with \\' for a quote and \\\\ for a backslash inside: "
			"password='****'; or leave the password out and set PGPASSWORD");
		break;
	default:
		pgm_fail(ctx, PGM_ECONFIG, "the connection URL has characters that must be percent-encoded");
		pgm_set_detail(ctx, "libpq would read part of the password (or user name) as the host, port, database "
			"or a parameter, and print it in its errors; as meant, encoded, the URL reads %s", masked);
		pgm_set_hint(ctx, "percent-encode the password: @ as %%40, : as %%3A, / as %%2F, ? as %%3F, # as %%23, "
			"%% as %%25, & as %%26, a space as %%20; or leave the password out of the URL and set PGPASSWORD");
		break;
	}
	free(masked);
	return PGM_ECONFIG;
}

/*
 * The last resort, for any text shown, whatever connection string it came
 * from (one that no setting of ours holds, or a piece the parsers above did
 * not foresee): the value of every `password=` (up to a blank, '&' or a
 * quote; a quoted one whole) and the password of every URL's
 * `user:password@` become "****".
 */
char *pgm__scrub_any(const char *text)
{
	pgm_buf out = PGM_BUF_INIT;
	const char *p;
	if (!text)
		return NULL;
	pgm_buf_put(&out, "", 0);
	for (p = text; *p; ) {
		if (prefix_nocase(p, "password", 8) && (p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'))) {
			const char *v = p + 8;
			while (*v == ' ' || *v == '\t')
				v++;
			if (*v == '=') {
				const char *e;
				v++;
				while (*v == ' ' || *v == '\t')
					v++;
				if (*v == '\'') {
					for (e = v + 1; *e && *e != '\''; e++)
						if (*e == '\\' && e[1])
							e++;
					if (*e)
						e++;
				} else {
					e = v + strcspn(v, " \t\r\n&\"'");
				}
				/* "****" as written by a masking, or the quoted one of our advice */
				if ((e - v == 4 && memcmp(v, "****", 4) == 0) || (e - v == 6 && memcmp(v, "'****'", 6) == 0)) {
					pgm_buf_put(&out, p, (size_t)(e - p));
					p = e;
					continue;
				}
				pgm_buf_put(&out, p, (size_t)(v - p));
				if (e > v)
					pgm_buf_puts(&out, "****");
				p = e;
				continue;
			}
		}
		if (strncmp(p, "://", 3) == 0) {
			/* the user information: up to the last '@' before a '/' or a blank */
			const char *u = p + 3, *end = u + strcspn(u, "/ \t\r\n\"'"), *e = end, *colon;
			while (e > u && e[-1] != '@')
				e--;
			e = e > u ? e - 1 : end;   /* at the '@', or at the end when none */
			if (*e == '@' && (colon = memchr(u, ':', (size_t)(e - u))) != NULL && e > colon + 1) {
				pgm_buf_put(&out, p, (size_t)(colon + 1 - p));
				pgm_buf_puts(&out, "****");
				p = e;
				continue;
			}
		}
		pgm_buf_put(&out, p, 1);
		p++;
	}
	return pgm_buf_take(&out);
}
