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

/* UTF-8 as PostgreSQL accepts it (pg_utf8_islegal), without a NUL: the
 * text check migration files go through (textcheck.c) */
int pgm__utf8_valid(const char *s, size_t n)
{
	pgm_textcheck tc;
	return pgm__text_check(&tc, s, n) == 0;
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
