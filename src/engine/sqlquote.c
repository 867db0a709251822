/*
 * SQL quoting without a connection: identifiers and literals written exactly
 * as libpq's PQescapeIdentifier and PQescapeLiteral write them for a UTF-8
 * client encoding (pgmigrate always connects with client_encoding=UTF8).
 * Having them as plain functions lets the SQL that names the tracking tables
 * be built before a connection exists, and be unit-tested and fuzzed as text.
 * Text that is not valid UTF-8 is refused, as libpq and the server refuse it.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* the length of the UTF-8 sequence at s[0..n), 0 when it is not one that
 * PostgreSQL accepts (pg_utf8_islegal: no overlong forms, no surrogates,
 * nothing above U+10FFFF, no NUL) */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
	    (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
		return 0;
	return len;
}

int pgm__utf8_valid(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t k = utf8_seq((const unsigned char *)s + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* s between quote characters q, each q (and, for a literal, each backslash)
 * doubled; a literal holding a backslash is written " E'...'" as libpq does
 * (right under either standard_conforming_strings, and safe after a word) */
static char *quote(const char *s, char q)
{
	size_t n = strlen(s), extra = 0, i;
	int backslash = 0;
	char *r, *p;

	if (!pgm__utf8_valid(s, n))
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == q)
			extra++;
		else if (q == '\'' && s[i] == '\\') {
			extra++;
			backslash = 1;
		}
	}
	if (!(r = malloc(n + extra + 5)))
		return NULL;
	p = r;
	if (backslash) {
		*p++ = ' ';
		*p++ = 'E';
	}
	*p++ = q;
	for (i = 0; i < n; i++) {
		if (s[i] == q || (q == '\'' && s[i] == '\\'))
			*p++ = s[i];
		*p++ = s[i];
	}
	*p++ = q;
	*p = '\0';
	return r;
}

char *pgm__sql_ident(const char *s)
{
	return quote(s, '"');
}

char *pgm__sql_literal(const char *s)
{
	return quote(s, '\'');
}

char *pgm__sql_qualified(const char *schema, const char *table, const char *suffix)
{
	char *name = pgm_aprintf("%s%s", table, suffix ? suffix : "");
	char *qs = pgm__sql_ident(schema), *qt = name ? pgm__sql_ident(name) : NULL;
	char *r = qs && qt ? pgm_aprintf("%s.%s", qs, qt) : NULL;
	free(name);
	free(qs);
	free(qt);
	return r;
}
