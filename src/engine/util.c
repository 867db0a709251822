/*
 * Small pure helpers: golang-migrate's advisory lock key, password masking
 * for URLs and keyword/value connection strings, and mapping byte offsets
 * to line:column for error messages.
 */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;
	size_t i;
	int k;
	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/*
 * golang-migrate's database.GenerateAdvisoryLockId: the CRC-32 (IEEE) of
 * the names joined with NUL bytes, database name last, times a salt, in
 * 32-bit arithmetic. Its postgres driver passes (schema, table) as the
 * additional names. An empty schema and table mean "database name alone".
 */
uint32_t pgm_lock_key(const char *schema, const char *table, const char *database)
{
	pgm_buf b = PGM_BUF_INIT;
	uint32_t sum;
	if ((schema && *schema) || (table && *table)) {
		if (schema && *schema) {
			pgm_buf_puts(&b, schema);
			pgm_buf_put(&b, "", 1);
		}
		if (table && *table) {
			pgm_buf_puts(&b, table);
			pgm_buf_put(&b, "", 1);
		}
	}
	pgm_buf_puts(&b, database ? database : "");
	sum = crc32_ieee((const unsigned char *)(b.ptr ? b.ptr : ""), b.len);
	pgm_buf_free(&b);
	return sum * 1486364155u;
}

static int is_url(const char *s)
{
	return strncmp(s, "postgres://", 11) == 0 || strncmp(s, "postgresql://", 13) == 0;
}

/* mask `password=value` in a URL query string */
static void mask_query(pgm_buf *out, const char *q)
{
	while (*q) {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);
		if (n >= 9 && strncmp(q, "password=", 9) == 0)
			pgm_buf_puts(out, "password=****");
		else
			pgm_buf_put(out, q, n);
		q += n;
		if (*q == '&') {
			pgm_buf_put(out, "&", 1);
			q++;
		}
	}
}

/* The authority of a postgres:// URL: it starts at *auth and is alen bytes
 * long; *at is its last '@' (NULL without credentials). libpq ends
 * user[:password] at the first '@' before any '/': a '?' before it is part of
 * the credentials, not the query; and the last '@' of the host part ends
 * them: a raw '@' in a password is still secret. */
static size_t url_authority(const char *ci, const char **auth, const char **at)
{
	const char *a = strstr(ci, "://") + 3, *p;
	size_t alen;
	for (p = a; *p && *p != '/' && *p != '@'; p++)
		;
	if (*p != '@')
		p = a;
	alen = (size_t)(p - a) + strcspn(p, "/?");
	*at = NULL;
	for (p = a; p < a + alen; p++)
		if (*p == '@')
			*at = p;
	*auth = a;
	return alen;
}

char *pgm_mask_conninfo(const char *ci)
{
	pgm_buf out = PGM_BUF_INIT;
	if (!ci)
		return NULL;
	if (is_url(ci)) {
		const char *auth, *at, *p, *q;
		size_t alen = url_authority(ci, &auth, &at);
		pgm_buf_put(&out, ci, (size_t)(auth - ci));
		if (at) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));
			if (colon) {
				pgm_buf_put(&out, auth, (size_t)(colon - auth));
				pgm_buf_puts(&out, ":****");
			} else {
				pgm_buf_put(&out, auth, (size_t)(at - auth));
			}
			pgm_buf_put(&out, at, (size_t)(auth + alen - at));
		} else {
			pgm_buf_put(&out, auth, alen);
		}
		p = auth + alen;
		q = strchr(p, '?');
		if (q) {
			pgm_buf_put(&out, p, (size_t)(q + 1 - p));
			mask_query(&out, q + 1);
		} else {
			pgm_buf_puts(&out, p);
		}
		return pgm_buf_take(&out);
	}
	/* keyword/value: copy token by token, masking the value of password */
	{
		const char *p = ci;
		while (*p) {
			const char *ks, *ke;
			int is_pw;
			if (isspace((unsigned char)*p)) {
				pgm_buf_put(&out, p, 1);
				p++;
				continue;
			}
			ks = p;
			while (*p && *p != '=' && !isspace((unsigned char)*p))
				p++;
			ke = p;
			is_pw = (size_t)(ke - ks) == 8 && strncmp(ks, "password", 8) == 0;
			pgm_buf_put(&out, ks, (size_t)(ke - ks));
			while (isspace((unsigned char)*p))
				pgm_buf_put(&out, p++, 1);
			if (*p != '=')
				continue;
			pgm_buf_put(&out, p++, 1);
			while (isspace((unsigned char)*p))
				pgm_buf_put(&out, p++, 1);
			{
				const char *vs = p;
				if (*p == '\'') {
					p++;
					while (*p && *p != '\'') {
						if (*p == '\\' && p[1])
							p++;
						p++;
					}
					if (*p == '\'')
						p++;
				} else {
					while (*p && !isspace((unsigned char)*p)) {
						if (*p == '\\' && p[1])
							p++;
						p++;
					}
				}
				if (is_pw)
					pgm_buf_puts(&out, "****");
				else
					pgm_buf_put(&out, vs, (size_t)(p - vs));
			}
		}
		return pgm_buf_take(&out);
	}
}

void pgm_text_position(const char *text, size_t len, size_t offset, int *out_line, int *out_col)
{
	size_t i, line_start = 0;
	int line = 1, col = 1;
	if (offset > len)
		offset = len;
	for (i = 0; i < offset; i++) {
		if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
			line++;
			line_start = i + 1;
		}
	}
	for (i = line_start; i < offset; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c & 0xC0) != 0x80 && c != '\r')
			col++;
	}
	*out_line = line;
	*out_col = col;
}

/*
 * libpq's messages about a malformed connection string can quote it whole
 * (`... in URI: "postgres://u:secret@[::1/db"`) or quote a badly
 * percent-encoded password (`invalid percent-encoded token: "p%zz"`).
 * Returns `text` with the string replaced by its masked form and such a
 * quoted password by "****".
 */
char *pgm__scrub_conninfo(const char *text, const char *ci)
{
	pgm_buf out = PGM_BUF_INIT;
	const char *pw[8];
	size_t pwlen[8], cilen, i, k;
	int npw = 0;
	char *masked;

	if (!text)
		return NULL;
	if (!ci || !*ci)
		return pgm_strdup(text);
	cilen = strlen(ci);
	if (is_url(ci)) {
		const char *auth, *at, *p, *colon;
		size_t alen = url_authority(ci, &auth, &at);
		if (at && (colon = memchr(auth, ':', (size_t)(at - auth))) != NULL) {
			pw[npw] = colon + 1;
			pwlen[npw++] = (size_t)(at - colon - 1);
		}
		if ((p = strchr(auth + alen, '?')) != NULL) {
			for (p++; *p && npw < 8; ) {
				size_t n = strcspn(p, "&");
				if (n > 9 && strncmp(p, "password=", 9) == 0) {
					pw[npw] = p + 9;
					pwlen[npw++] = n - 9;
				}
				p += n;
				if (*p == '&')
					p++;
			}
		}
	}
	masked = pgm_mask_conninfo(ci);
	for (i = 0; text[i]; ) {
		if (masked && strncmp(text + i, ci, cilen) == 0) {
			pgm_buf_puts(&out, masked);
			i += cilen;
			continue;
		}
		for (k = 0; k < (size_t)npw; k++) {
			/* only a token with a '%' can be a badly percent-encoded one */
			if (text[i] == '"' && pwlen[k] > 0 && memchr(pw[k], '%', pwlen[k]) &&
			    strncmp(text + i + 1, pw[k], pwlen[k]) == 0 && text[i + 1 + pwlen[k]] == '"')
				break;
		}
		if (k < (size_t)npw) {
			pgm_buf_puts(&out, "\"****\"");
			i += pwlen[k] + 2;
			continue;
		}
		pgm_buf_put(&out, text + i, 1);
		i++;
	}
	free(masked);
	return pgm_buf_take(&out);
}

/* compare with runs of digits as numbers: "16.10" after "16.9",
 * "postgresql-x64-18" after "postgresql-x64-9"; leading zeros ignored */
int pgm__natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			const char *ea, *eb;
			size_t la, lb;
			while (*a == '0' && a[1] >= '0' && a[1] <= '9')
				a++;
			while (*b == '0' && b[1] >= '0' && b[1] <= '9')
				b++;
			for (ea = a; *ea >= '0' && *ea <= '9'; ea++)
				;
			for (eb = b; *eb >= '0' && *eb <= '9'; eb++)
				;
			la = (size_t)(ea - a);
			lb = (size_t)(eb - b);
			if (la != lb)
				return la < lb ? -1 : 1;
			for (; a < ea; a++, b++)
				if (*a != *b)
					return *a < *b ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}
