/*
 * A PostgreSQL-aware SQL lexer: just enough of the server's scanner
 * (scan.l) and psql's (psqlscan.l) to split a migration into statements
 * the way the server will execute them.
 *
 * pgm_token_next() is the scanner: whitespace is skipped; line comments,
 * nested block comments, standard/E''/U&''/B''/X'' strings, quoted
 * identifiers, dollar quotes ($tag$ ... $tag$), positional parameters,
 * words, numbers and operators come back as tokens with their byte range.
 * pgm_lex() builds on it: statements split at top-level semicolons (not
 * inside parentheses, as in CREATE RULE ... DO (a; b), nor inside BEGIN
 * ATOMIC ... END bodies of SQL-standard functions), the
 * first words of each statement, which statements are transaction control
 * and which cannot run inside a transaction block, psql meta-commands
 * (not SQL) and the no-transaction markers of pgmigrate, goose and dbmate.
 * pgm_lex_txplan() reads a file's own BEGIN/COMMIT the way the server runs
 * the file sent as one query (golang-migrate's way). The linter walks the
 * same tokens.
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

/* scan a quoted run from sql[i] (the opening quote) to after the closing one */
static size_t scan_quoted(const char *sql, size_t len, size_t i, char q, int backslash, int *unterminated)
{
	i++;
	for (;;) {
		if (i >= len) {
			*unterminated = 1;
			return len;
		}
		if (backslash && sql[i] == '\\' && i + 1 < len) {
			i += 2;
			continue;
		}
		if (sql[i] == q) {
			if (i + 1 < len && sql[i + 1] == q) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
}

int pgm_token_next(pgm_token *t, const char *sql, size_t len, size_t *pos)
{
	size_t i = *pos;
	unsigned char c;
	int unterminated = 0;

	while (i < len && (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r' ||
	                   sql[i] == '\f' || sql[i] == '\v'))
		i++;
	memset(t, 0, sizeof *t);
	t->start = i;
	if (i >= len) {
		t->type = PGM_TOK_EOF;
		*pos = i;
		return 0;
	}
	c = (unsigned char)sql[i];

	if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
		while (i < len && sql[i] != '\n')
			i++;
		t->type = PGM_TOK_LINE_COMMENT;
	} else if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
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
		t->type = PGM_TOK_BLOCK_COMMENT;
		if (depth > 0)
			t->error = "unterminated /* comment";
	} else if (c == '\'') {
		i = scan_quoted(sql, len, i, '\'', 0, &unterminated);
		t->type = PGM_TOK_STRING;
		if (unterminated)
			t->error = "unterminated quoted string";
	} else if ((c == 'E' || c == 'e') && i + 1 < len && sql[i + 1] == '\'') {
		i = scan_quoted(sql, len, i + 1, '\'', 1, &unterminated);
		t->type = PGM_TOK_STRING;
		if (unterminated)
			t->error = "unterminated quoted string";
	} else if ((c == 'B' || c == 'b' || c == 'X' || c == 'x' || c == 'N' || c == 'n') &&
	           i + 1 < len && sql[i + 1] == '\'') {
		i = scan_quoted(sql, len, i + 1, '\'', 0, &unterminated);
		t->type = PGM_TOK_STRING;
		if (unterminated)
			t->error = "unterminated quoted string";
	} else if ((c == 'U' || c == 'u') && i + 2 < len && sql[i + 1] == '&' &&
	           (sql[i + 2] == '\'' || sql[i + 2] == '"')) {
		char q = sql[i + 2];
		i = scan_quoted(sql, len, i + 2, q, 0, &unterminated);
		t->type = q == '"' ? PGM_TOK_QIDENT : PGM_TOK_STRING;
		if (unterminated)
			t->error = q == '"' ? "unterminated quoted identifier" : "unterminated quoted string";
	} else if (c == '"') {
		i = scan_quoted(sql, len, i, '"', 0, &unterminated);
		t->type = PGM_TOK_QIDENT;
		if (unterminated)
			t->error = "unterminated quoted identifier";
	} else if (c == '$') {
		size_t j = i + 1;
		if (j < len && isdigit((unsigned char)sql[j])) {
			while (j < len && isdigit((unsigned char)sql[j]))
				j++;
			i = j;
			t->type = PGM_TOK_PARAM;
		} else {
			if (j < len && ident_start((unsigned char)sql[j]))
				while (j < len && sql[j] != '$' && ident_char((unsigned char)sql[j]))
					j++;
			if (j < len && sql[j] == '$') {
				size_t taglen = j - i + 1;
				const char *tag = sql + i;
				i = j + 1;
				for (;;) {
					if (i + taglen > len) {
						i = len;
						t->error = "unterminated dollar-quoted string";
						break;
					}
					if (sql[i] == '$' && memcmp(sql + i, tag, taglen) == 0) {
						i += taglen;
						break;
					}
					i++;
				}
				t->type = PGM_TOK_DOLLAR;
			} else {
				i++;
				t->type = PGM_TOK_OP;
			}
		}
	} else if (c == '\\') {
		/* psql meta-command: the rest of the line */
		while (i < len && sql[i] != '\n')
			i++;
		t->type = PGM_TOK_BACKSLASH;
		t->error = "psql meta-commands are not SQL";
	} else if (ident_start(c)) {
		while (i < len && ident_char((unsigned char)sql[i]))
			i++;
		t->type = PGM_TOK_WORD;
	} else if (isdigit(c) || (c == '.' && i + 1 < len && isdigit((unsigned char)sql[i + 1]))) {
		while (i < len && (isalnum((unsigned char)sql[i]) || sql[i] == '.' || sql[i] == '_'))
			i++;
		t->type = PGM_TOK_NUMBER;
	} else if (c == ';') {
		i++;
		t->type = PGM_TOK_SEMI;
	} else if (c == '(') {
		i++;
		t->type = PGM_TOK_LPAREN;
	} else if (c == ')') {
		i++;
		t->type = PGM_TOK_RPAREN;
	} else if (c == ',') {
		i++;
		t->type = PGM_TOK_COMMA;
	} else if (c == '.') {
		i++;
		t->type = PGM_TOK_DOT;
	} else {
		/* an operator: a run of operator characters (scan.l's self/op) */
		static const char opchars[] = "~!@#^&|`?+-*/%<>=:[]";
		if (c == ':' && i + 1 < len && sql[i + 1] == ':')
			i += 2;
		else if (strchr(opchars, c) && c != '[' && c != ']' && c != ':') {
			while (i < len && strchr("~!@#^&|`?+-*/%<>=", sql[i]) &&
			       !(sql[i] == '-' && i + 1 < len && sql[i + 1] == '-') &&
			       !(sql[i] == '/' && i + 1 < len && sql[i + 1] == '*'))
				i++;
		} else {
			i++;
		}
		t->type = PGM_TOK_OP;
	}
	t->len = i - t->start;
	*pos = i;
	return 1;
}

int pgm_token_is(const pgm_token *t, const char *sql, const char *kw)
{
	size_t i, n = strlen(kw);
	if (t->type != PGM_TOK_WORD || t->len != n)
		return 0;
	for (i = 0; i < n; i++)
		if (toupper((unsigned char)sql[t->start + i]) != toupper((unsigned char)kw[i]))
			return 0;
	return 1;
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

#define NWORDS 8

typedef struct {
	pgm_lex_result *r;
	size_t cap;
	int in_stmt;
	size_t start;
	int nwords;
	char w[NWORDS][16];  /* first words of the statement, upper case */
	int is_routine;      /* CREATE [OR REPLACE] FUNCTION/PROCEDURE */
	int depth;           /* BEGIN ... END nesting inside such a routine */
	int paren;
	int concurrently;    /* CONCURRENTLY among the first words */
	int add_value;       /* ALTER TYPE ... ADD VALUE */
	int prev_add;
} lexstate;

static int wis(const lexstate *st, int i, const char *kw)
{
	return i < st->nwords && i < NWORDS && strcmp(st->w[i], kw) == 0;
}

/* what keeps this statement out of a transaction block, or NULL */
static const char *notx_kind(const lexstate *st, int *only_before_12)
{
	*only_before_12 = 0;
	if (wis(st, 0, "CREATE") || wis(st, 0, "DROP")) {
		int k = wis(st, 1, "UNIQUE") ? 2 : 1;
		if (wis(st, k, "INDEX") && st->concurrently)
			return wis(st, 0, "CREATE") ? "CREATE INDEX CONCURRENTLY" : "DROP INDEX CONCURRENTLY";
		if (wis(st, 1, "DATABASE"))
			return wis(st, 0, "CREATE") ? "CREATE DATABASE" : "DROP DATABASE";
		if (wis(st, 1, "TABLESPACE"))
			return wis(st, 0, "CREATE") ? "CREATE TABLESPACE" : "DROP TABLESPACE";
	}
	if (wis(st, 0, "REINDEX")) {
		int i;
		if (st->concurrently)
			return "REINDEX CONCURRENTLY";
		for (i = 1; i < st->nwords && i < NWORDS; i++)
			if (wis(st, i, "SYSTEM") || wis(st, i, "DATABASE"))
				return "REINDEX DATABASE/SYSTEM";
	}
	if (wis(st, 0, "VACUUM"))
		return "VACUUM";
	if (wis(st, 0, "ALTER") && wis(st, 1, "SYSTEM"))
		return "ALTER SYSTEM";
	if (wis(st, 0, "CLUSTER") && st->nwords == 1)
		return "CLUSTER (all tables)";
	if (wis(st, 0, "ALTER") && wis(st, 1, "TYPE") && st->add_value) {
		*only_before_12 = 1;
		return "ALTER TYPE ... ADD VALUE";
	}
	return NULL;
}

static void reset_stmt(lexstate *st)
{
	st->in_stmt = 0;
	st->nwords = 0;
	st->is_routine = 0;
	st->depth = 0;
	st->paren = 0;
	st->concurrently = 0;
	st->add_value = 0;
	st->prev_add = 0;
}

/* ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] s and ROLLBACK PREPARED 'id':
 * no end of a transaction */
static int rollback_other(const lexstate *st)
{
	int k = wis(st, 1, "WORK") || wis(st, 1, "TRANSACTION") ? 2 : 1;
	return wis(st, k, "TO") || wis(st, 1, "PREPARED");
}

static int push_stmt(lexstate *st, size_t end)
{
	pgm_lex_result *r = st->r;
	pgm_stmt *s;
	int before12;
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
	memset(s, 0, sizeof *s);
	s->start = st->start;
	s->end = end;
	if (wis(st, 0, "BEGIN") || wis(st, 0, "COMMIT") || wis(st, 0, "END") || wis(st, 0, "ABORT") ||
	    (wis(st, 0, "START") && wis(st, 1, "TRANSACTION")) ||
	    (wis(st, 0, "ROLLBACK") && !rollback_other(st)) ||
	    (wis(st, 0, "PREPARE") && wis(st, 1, "TRANSACTION")))
		s->is_txctl = 1;
	if (s->is_txctl)
		r->has_txctl = 1;
	s->notx = notx_kind(st, &before12);
	s->notx_before_12 = before12;
	if (s->notx)
		r->notx_count++;
	reset_stmt(st);
	return 0;
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
	if (st->nwords < NWORDS)
		memcpy(st->w[st->nwords], up, n + 1);
	st->nwords++;
	if (st->nwords <= 6 && strcmp(up, "CONCURRENTLY") == 0)
		st->concurrently = 1;
	if (st->paren == 0) {
		if (st->prev_add && strcmp(up, "VALUE") == 0)
			st->add_value = 1;
		st->prev_add = strcmp(up, "ADD") == 0;
	}
	if (st->nwords <= 4 && wis(st, 0, "CREATE") &&
	    (strcmp(up, "FUNCTION") == 0 || strcmp(up, "PROCEDURE") == 0))
		st->is_routine = 1;
	if (st->is_routine && st->paren == 0) { /* psql's rule: f(begin int) is no block */
		if (strcmp(up, "BEGIN") == 0 || (st->depth > 0 && strcmp(up, "CASE") == 0))
			st->depth++;
		else if (st->depth > 0 && strcmp(up, "END") == 0)
			st->depth--;
	}
}

int pgm_lex(pgm_lex_result *r, const char *sql, size_t len)
{
	lexstate st;
	size_t pos = 0;
	pgm_token t;
	int seen_stmt = 0;

	memset(r, 0, sizeof *r);
	memset(&st, 0, sizeof st);
	st.r = r;

	while (pgm_token_next(&t, sql, len, &pos)) {
		if (t.error && !r->error) {
			r->error = 1;
			r->error_offset = t.start;
			r->error_message = t.error;
		}
		switch (t.type) {
		case PGM_TOK_LINE_COMMENT:
			if (!seen_stmt && is_notx_marker(sql + t.start + 2, t.len - 2))
				r->no_transaction = 1;
			continue;
		case PGM_TOK_BLOCK_COMMENT:
		case PGM_TOK_BACKSLASH:
			continue;
		case PGM_TOK_SEMI:
			/* like psql: not inside parentheses (CREATE RULE ... DO (a; b)) */
			if (st.depth == 0 && st.paren == 0 && push_stmt(&st, t.start + 1) != 0)
				return -1;
			continue;
		default:
			break;
		}
		if (!st.in_stmt) {
			st.in_stmt = 1;
			st.start = t.start;
		}
		seen_stmt = 1;
		if (t.type == PGM_TOK_WORD)
			note_word(&st, sql + t.start, t.len);
		else if (t.type == PGM_TOK_LPAREN)
			st.paren++;
		else if (t.type == PGM_TOK_RPAREN && st.paren > 0)
			st.paren--;
	}
	if (st.in_stmt) {
		if (push_stmt(&st, len) != 0)
			return -1;
		r->stmts[r->count - 1].open = 1;
	}
	return 0;
}

void pgm_lex_free(pgm_lex_result *r)
{
	free(r->stmts);
	memset(r, 0, sizeof *r);
}

/* ---- transaction control, as the server runs a file sent as one query ---- */

enum {
	TXK_OTHER,          /* COMMIT PREPARED and the like */
	TXK_BEGIN,          /* BEGIN [WORK | TRANSACTION], START TRANSACTION */
	TXK_BEGIN_MODES,    /* ... with ISOLATION LEVEL, READ ONLY, DEFERRABLE */
	TXK_COMMIT,         /* COMMIT, END [WORK | TRANSACTION] [AND NO CHAIN] */
	TXK_COMMIT_CHAIN,   /* COMMIT AND CHAIN: a new transaction starts */
	TXK_ROLLBACK,       /* ROLLBACK, ABORT */
	TXK_ROLLBACK_CHAIN,
	TXK_PREPARE         /* PREPARE TRANSACTION */
};

#define TXWORDS 6

/* the first words of a statement, upper case ("" for what is not a word) */
static int stmt_words(const char *sql, const pgm_stmt *st, char w[TXWORDS][16])
{
	size_t pos = st->start;
	pgm_token t;
	int n = 0;
	while (n < TXWORDS && pgm_token_next(&t, sql, st->end, &pos)) {
		size_t i, k = t.len < 15 ? t.len : 15;
		if (t.type == PGM_TOK_LINE_COMMENT || t.type == PGM_TOK_BLOCK_COMMENT)
			continue;
		if (t.type == PGM_TOK_SEMI)
			break;
		for (i = 0; t.type == PGM_TOK_WORD && i < k; i++)
			w[n][i] = (char)toupper((unsigned char)sql[t.start + i]);
		w[n][t.type == PGM_TOK_WORD ? k : 0] = '\0';
		n++;
	}
	return n;
}

static int tx_kind(const char *sql, const pgm_stmt *st)
{
	char w[TXWORDS][16];
	int n = stmt_words(sql, st, w), i = 1;
	int commit = n > 0 && (strcmp(w[0], "COMMIT") == 0 || strcmp(w[0], "END") == 0);
	int rollback = n > 0 && (strcmp(w[0], "ROLLBACK") == 0 || strcmp(w[0], "ABORT") == 0);
	if (n >= 2 && strcmp(w[0], "PREPARE") == 0)
		return TXK_PREPARE;
	if (n >= 1 && (strcmp(w[0], "BEGIN") == 0 || (n >= 2 && strcmp(w[0], "START") == 0))) {
		i = strcmp(w[0], "START") == 0 ? 2 : 1;
		if (i == 1 && n > 1 && (strcmp(w[1], "WORK") == 0 || strcmp(w[1], "TRANSACTION") == 0))
			i++;
		return n == i ? TXK_BEGIN : TXK_BEGIN_MODES;
	}
	if (!commit && !rollback)
		return TXK_OTHER;
	if (n > 1 && (strcmp(w[1], "WORK") == 0 || strcmp(w[1], "TRANSACTION") == 0))
		i++;
	if (n == i || (n == i + 3 && strcmp(w[i], "AND") == 0 && strcmp(w[i + 1], "NO") == 0 && strcmp(w[i + 2], "CHAIN") == 0))
		return commit ? TXK_COMMIT : TXK_ROLLBACK;
	if (n == i + 2 && strcmp(w[i], "AND") == 0 && strcmp(w[i + 1], "CHAIN") == 0)
		return commit ? TXK_COMMIT_CHAIN : TXK_ROLLBACK_CHAIN;
	return TXK_OTHER; /* COMMIT PREPARED 'id' */
}

int pgm_lex_plain_txctl(const char *sql, const pgm_stmt *st)
{
	int k = st->is_txctl ? tx_kind(sql, st) : TXK_OTHER;
	return k == TXK_BEGIN ? 1 : k == TXK_COMMIT ? 2 : 0;
}

void pgm_lex_txplan(pgm_txplan *out, const pgm_lex_result *lex, const char *sql)
{
	size_t i, ntx = 0, nbegin = 0, ncommit = 0, odd = lex->count, tx[2] = { 0, 0 }, open_at = 0;
	size_t second = 0;
	int kinds[2] = { 0, 0 }, open = 0;
	const char *odd_why = NULL;

	memset(out, 0, sizeof *out);
	if (!lex->has_txctl)
		return;
	for (i = 0; i < lex->count; i++) {
		int k;
		if (!lex->stmts[i].is_txctl)
			continue;
		k = tx_kind(sql, &lex->stmts[i]);
		if (ntx < 2) {
			tx[ntx] = i;
			kinds[ntx] = k;
		}
		ntx++;
		if ((k == TXK_BEGIN || k == TXK_BEGIN_MODES) && nbegin++ == 1)
			second = i;
		ncommit += k == TXK_COMMIT;
		/* the server's view: is an explicit block open after this statement? */
		if (k == TXK_BEGIN || k == TXK_BEGIN_MODES) {
			if (!open)
				open_at = i;
			open = 1;
		} else if (k == TXK_COMMIT || k == TXK_ROLLBACK || k == TXK_PREPARE) {
			open = 0;
		} else if ((k == TXK_COMMIT_CHAIN || k == TXK_ROLLBACK_CHAIN) && open) {
			open_at = i;
		}
		if (odd == lex->count && k != TXK_BEGIN && k != TXK_COMMIT) {
			odd = i;
			odd_why = k == TXK_BEGIN_MODES ? "BEGIN with transaction modes"
				: k == TXK_COMMIT_CHAIN ? "COMMIT AND CHAIN"
				: k == TXK_ROLLBACK || k == TXK_ROLLBACK_CHAIN ? "ROLLBACK"
				: k == TXK_PREPARE ? "PREPARE TRANSACTION" : "COMMIT PREPARED";
		}
	}
	out->first = tx[0];
	if (open) {
		out->mode = PGM_TX_OPEN;
		out->first = open_at;
		out->why = "a transaction that no COMMIT ends";
		return;
	}
	if (ntx == 2 && kinds[0] == TXK_BEGIN && kinds[1] == TXK_COMMIT && tx[1] == lex->count - 1) {
		out->mode = PGM_TX_WRAPPED;
		out->begin = tx[0];
		out->commit = tx[1];
		return;
	}
	out->mode = PGM_TX_SELF;
	if (odd < lex->count) {
		out->first = odd;
		out->why = odd_why;
	} else if (nbegin > 1 || ncommit > 1) {
		out->first = nbegin > 1 ? second : tx[1];
		out->why = "more than one transaction block";
	} else if (nbegin == 0) {
		out->why = "a COMMIT without BEGIN";
	} else {
		out->first = tx[1] + 1 < lex->count ? tx[1] + 1 : tx[1];
		out->why = "statements after its COMMIT";
	}
}

void pgm_lex_unwrap(char *text, pgm_lex_result *lex, const pgm_txplan *plan)
{
	size_t k, i, o = 0;
	if (plan->mode != PGM_TX_WRAPPED)
		return;
	for (k = 0; k < 2; k++) {
		const pgm_stmt *st = &lex->stmts[k == 0 ? plan->begin : plan->commit];
		for (i = st->start; i < st->end; i++)
			if (text[i] != '\n' && text[i] != '\r')
				text[i] = ' ';
	}
	for (i = 0; i < lex->count; i++)
		if (i != plan->begin && i != plan->commit)
			lex->stmts[o++] = lex->stmts[i];
	lex->count = o;
	lex->has_txctl = 0;
}

size_t pgm_lex_last_commit(const pgm_lex_result *lex, const char *sql, size_t k)
{
	size_t i, last = 0;
	for (i = 0; i < k && i < lex->count; i++) {
		int kind;
		if (!lex->stmts[i].is_txctl)
			continue;
		kind = tx_kind(sql, &lex->stmts[i]);
		if (kind == TXK_COMMIT || kind == TXK_COMMIT_CHAIN || kind == TXK_PREPARE)
			last = i + 1;
	}
	return last;
}
