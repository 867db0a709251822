/*
 * A growable byte buffer with an optional size cap and a sticky failure
 * flag (curl's dynbuf, PostgreSQL's PQExpBuffer), plus small string helpers.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int pgm_buf_grow(pgm_buf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (b->failed)
		return -1;
	need = b->len + extra + 1;
	if (need < b->len || (b->max && need > b->max + 1)) {
		b->failed = 1;
		return -1;
	}
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	p = realloc(b->ptr, ncap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	b->ptr = p;
	b->cap = ncap;
	return 0;
}

int pgm_buf_put(pgm_buf *b, const void *data, size_t len)
{
	if (pgm_buf_grow(b, len) != 0)
		return -1;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int pgm_buf_puts(pgm_buf *b, const char *s)
{
	return pgm_buf_put(b, s, strlen(s));
}

int pgm_buf_vprintf(pgm_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || pgm_buf_grow(b, (size_t)n) != 0)
		return -1;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int pgm_buf_printf(pgm_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = pgm_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *pgm_buf_take(pgm_buf *b)
{
	char *p;
	if (b->failed) {
		pgm_buf_free(b);
		return NULL;
	}
	if (!b->ptr && pgm_buf_grow(b, 0) != 0)
		return NULL;
	b->ptr[b->len] = '\0';
	p = b->ptr;
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void pgm_buf_reset(pgm_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void pgm_buf_free(pgm_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

char *pgm_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *pgm_strdup(const char *s)
{
	return s ? pgm_strndup(s, strlen(s)) : NULL;
}

char *pgm_aprintf(const char *fmt, ...)
{
	pgm_buf b = PGM_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	pgm_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return pgm_buf_take(&b);
}

void pgm_free(void *p)
{
	free(p);
}
