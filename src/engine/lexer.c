/*
 * A PostgreSQL-aware SQL lexer: just enough of the server's scanner
 * (scan.l) and psql's (psqlscan.l) to split a migration into statements
 * the way the server will execute them: line comments, nested block
 * comments, standard and E'' strings, quoted identifiers, dollar quotes,
 * and BEGIN ATOMIC ... END bodies of SQL-standard functions. It also finds
 * transaction-control statements, psql meta-commands (which are not SQL)
 * and the no-transaction markers of pgmigrate, goose and dbmate.
 */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static int ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* does a line comment (text without the leading --) hold a marker? */
static int is_notx_marker(const char *s, size_t n)
{
	static const char *const markers[] = { "pgmigrate:no-transaction", "+goose NO TRANSACTION", "transaction:false" };
	size_t i, k;
	for (k = 0; k < sizeof markers / sizeof markers[0]; k++) {
		size_t ml = strlen(markers[k]);
		for (i = 0; i + ml <= n; i++)
			if (strncmp(s + i, markers[k], ml) == 0)
				return 1;
	}
	return 0;
}

typedef struct {
	pgm_lex_result *r;
	size_t cap;
	/* statement being built */
	int in_stmt;
	size_t start;
	int nwords;
	char w1[16], w2[16], w3[16];
	int is_routine;   /* CREATE [OR REPLACE] FUNCTION/PROCEDURE */
	int depth;        /* BEGIN ... END nesting inside such a routine */
} lexstate;

static int push_stmt(lexstate *st, size_t end)
{
	pgm_lex_result *r = st->r;
	pgm_stmt *s;
	if (!st->in_stmt)
		return 0;
	if (r->count == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 16;
		pgm_stmt *n = realloc(r->stmts, ncap * sizeof *n);
		if (!n)
			return -1;
		r->stmts = n;
		st->cap = ncap;
	}
	s = &r->stmts[r->count++];
	s->start = st->start;
	s->end = end;
	s->is_txctl = 0;
	if (strcmp(st->w1, "BEGIN") == 0 || strcmp(st->w1, "COMMIT") == 0 ||
	    strcmp(st->w1, "END") == 0 || strcmp(st->w1, "ABORT") == 0 ||
	    (strcmp(st->w1, "START") == 0 && strcmp(st->w2, "TRANSACTION") == 0) ||
	    (strcmp(st->w1, "ROLLBACK") == 0 && strcmp(st->w2, "TO") != 0) ||
	    (strcmp(st->w1, "PREPARE") == 0 && strcmp(st->w2, "TRANSACTION") == 0))
		s->is_txctl = 1;
	if (s->is_txctl)
		r->has_txctl = 1;
	st->in_stmt = 0;
	st->nwords = 0;
	st->w1[0] = st->w2[0] = st->w3[0] = '\0';
	st->is_routine = 0;
	st->depth = 0;
	return 0;
}

static void begin_token(lexstate *st, size_t at)
{
	if (!st->in_stmt) {
		st->in_stmt = 1;
		st->start = at;
	}
}

static void note_word(lexstate *st, const char *w, size_t n)
{
	char up[16];
	size_t i;
	if (n >= sizeof up)
		n = sizeof up - 1;
	for (i = 0; i < n; i++)
		up[i] = (char)toupper((unsigned char)w[i]);
	up[n] = '\0';
	if (st->nwords == 0)
		memcpy(st->w1, up, n + 1);
	else if (st->nwords == 1)
		memcpy(st->w2, up, n + 1);
	else if (st->nwords == 2)
		memcpy(st->w3, up, n + 1);
	st->nwords++;
	if (st->nwords <= 4 && strcmp(st->w1, "CREATE") == 0 &&
	    (strcmp(up, "FUNCTION") == 0 || strcmp(up, "PROCEDURE") == 0))
		st->is_routine = 1;
	if (st->is_routine) {
		if (strcmp(up, "BEGIN") == 0 || (st->depth > 0 && strcmp(up, "CASE") == 0))
			st->depth++;
		else if (st->depth > 0 && strcmp(up, "END") == 0)
			st->depth--;
	}
}

static void lex_error(pgm_lex_result *r, size_t off, const char *msg)
{
	if (!r->error) {
		r->error = 1;
		r->error_offset = off;
		r->error_message = msg;
	}
}

int pgm_lex(pgm_lex_result *r, const char *sql, size_t len)
{
	lexstate st;
	size_t i = 0;
	int seen_stmt = 0;

	memset(r, 0, sizeof *r);
	memset(&st, 0, sizeof st);
	st.r = r;

	while (i < len) {
		unsigned char c = (unsigned char)sql[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			i++;
			continue;
		}
		if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
			size_t s = i + 2;
			while (i < len && sql[i] != '\n')
				i++;
			if (!seen_stmt && !st.in_stmt && is_notx_marker(sql + s, i - s))
				r->no_transaction = 1;
			continue;
		}
		if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
			size_t s = i;
			int depth = 1;
			i += 2;
			while (i < len && depth > 0) {
				if (sql[i] == '/' && i + 1 < len && sql[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (sql[i] == '*' && i + 1 < len && sql[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			}
			if (depth > 0)
				lex_error(r, s, "unterminated /* comment");
			continue;
		}
		if (c == ';') {
			if (st.depth > 0) {
				i++;
				continue;
			}
			if (push_stmt(&st, i + 1) != 0)
				return -1;
			i++;
			continue;
		}

		begin_token(&st, i);
		seen_stmt = 1;

		if (c == '\'' || ((c == 'E' || c == 'e') && i + 1 < len && sql[i + 1] == '\'' &&
		                  (i == 0 || !ident_char((unsigned char)sql[i - 1])))) {
			int esc = c != '\'';
			size_t s = i;
			i += esc ? 2 : 1;
			for (;;) {
				if (i >= len) {
					lex_error(r, s, "unterminated quoted string");
					break;
				}
				if (esc && sql[i] == '\\' && i + 1 < len) {
					i += 2;
					continue;
				}
				if (sql[i] == '\'') {
					if (i + 1 < len && sql[i + 1] == '\'') {
						i += 2;
						continue;
					}
					i++;
					break;
				}
				i++;
			}
			continue;
		}
		if (c == '"') {
			size_t s = i++;
			for (;;) {
				if (i >= len) {
					lex_error(r, s, "unterminated quoted identifier");
					break;
				}
				if (sql[i] == '"') {
					if (i + 1 < len && sql[i + 1] == '"') {
						i += 2;
						continue;
					}
					i++;
					break;
				}
				i++;
			}
			continue;
		}
		if (c == '$') {
			/* $tag$ ... $tag$, or a positional parameter $1 */
			size_t j = i + 1;
			if (j < len && isdigit((unsigned char)sql[j])) {
				while (j < len && isdigit((unsigned char)sql[j]))
					j++;
				i = j;
				continue;
			}
			if (j < len && ident_start((unsigned char)sql[j])) {
				while (j < len && sql[j] != '$' && ident_char((unsigned char)sql[j]))
					j++;
			}
			if (j < len && sql[j] == '$') {
				size_t taglen = j - i + 1;
				const char *tag = sql + i;
				size_t s = i;
				i = j + 1;
				for (;;) {
					if (i + taglen > len) {
						lex_error(r, s, "unterminated dollar-quoted string");
						i = len;
						break;
					}
					if (sql[i] == '$' && memcmp(sql + i, tag, taglen) == 0) {
						i += taglen;
						break;
					}
					i++;
				}
				continue;
			}
			i++;
			continue;
		}
		if (c == '\\') {
			lex_error(r, i, "psql meta-commands are not SQL");
			while (i < len && sql[i] != '\n')
				i++;
			continue;
		}
		if (ident_start(c)) {
			size_t s = i;
			while (i < len && ident_char((unsigned char)sql[i]))
				i++;
			/* U&'...' and U&"..." */
			note_word(&st, sql + s, i - s);
			continue;
		}
		if (isdigit(c)) {
			while (i < len && (isalnum((unsigned char)sql[i]) || sql[i] == '.' || sql[i] == '_'))
				i++;
			continue;
		}
		if (c == '(' || c == ')' || c == ',') {
			i++;
			continue;
		}
		i++;
	}
	if (st.in_stmt && push_stmt(&st, len) != 0)
		return -1;
	return 0;
}

void pgm_lex_free(pgm_lex_result *r)
{
	free(r->stmts);
	memset(r, 0, sizeof *r);
}
