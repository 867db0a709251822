/*
 * pgm_lexcheck: checks pgmigrate's statement splitter (pgm_lex) against the
 * PostgreSQL server's own parser, on psql scripts such as the server's
 * regression tests (tests/lexer-conformance/check.sh).
 *
 *   pgm_lexcheck --print FILE          the cleaned script's statements: START END LINE
 *   pgm_lexcheck --clean FILE          the cleaned script itself
 *   pgm_lexcheck [-v] FILE...          check against the server of the PG* variables
 *
 * Cleaning removes what only psql understands, keeping every byte offset and
 * line number: lines of COPY ... FROM stdin data (up to "\."), meta-commands
 * (blanked; the query-sending ones such as \g, \gset, \gexec become ';', and
 * "\;" becomes ";"). The cleaned script is split with pgm_lex and each
 * statement is sent alone with the extended protocol (PQexecParams), which
 * refuses more than one command. Nothing is executed: every statement is
 * sent inside a transaction that has already failed, where the server still
 * parses it (so a syntax error or "cannot insert multiple commands" comes
 * back as usual) and then refuses to run it ("current transaction is
 * aborted"). Transaction-ending statements that do run (COMMIT, ROLLBACK)
 * only end that failed transaction; a new one is failed before the next
 * statement.
 *
 * A statement counts as wrongly split when the server says
 *   cannot insert multiple commands into a prepared statement   (merged)
 *   42601 syntax error ... at end of input, or unterminated ...  (cut)
 * Other errors (the regression scripts make many on purpose) are fine.
 * Exit status: 0 no mismatch, 1 mismatches, 2 usage or connection trouble.
 */
#include "internal.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	pgm_buf b = PGM_BUF_INIT;
	char chunk[65536];
	size_t n;
	char *s;
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		pgm_buf_put(&b, chunk, n);
	fclose(f);
	*len = b.len;
	pgm_buf_put(&b, "", 1);
	s = pgm_buf_take(&b);
	return s;
}

static int ident_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       (unsigned char)c >= 0x80;
}

/* case-insensitive word match at s[i] (whole word) within [0, n) */
static int word_at(const char *s, size_t n, size_t i, const char *w)
{
	size_t m = strlen(w), k;
	if (i + m > n || (i > 0 && ident_byte(s[i - 1])))
		return 0;
	for (k = 0; k < m; k++) {
		char c = s[i + k];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[k])
			return 0;
	}
	return i + m == n || !ident_byte(s[i + m]);
}

/* how many "COPY ... FROM [p]stdin" the line holds (not in a -- comment) */
static int copy_from_stdin(const char *s, size_t n)
{
	size_t i, j;
	int count = 0;
	for (i = 0; i + 1 < n; i++)
		if (s[i] == '-' && s[i + 1] == '-') {
			n = i;
			break;
		}
	for (i = 0; i < n; i++) {
		if (!word_at(s, n, i, "copy"))
			continue;
		for (j = i + 4; j < n && s[j] != ';'; j++) {
			if (word_at(s, n, j, "from")) {
				size_t k = j + 4;
				while (k < n && (s[k] == ' ' || s[k] == '\t'))
					k++;
				if (k > j + 4 && (word_at(s, n, k, "stdin") || word_at(s, n, k, "pstdin"))) {
					count++;
					i = k;
				}
				break;
			}
		}
	}
	return count;
}

typedef struct {
	size_t start, len; /* the line without its \n */
} text_line;

static int is_end_of_data(const char *s, const text_line *l)
{
	return (l->len == 2 || (l->len == 3 && s[l->start + 2] == '\r')) && s[l->start] == '\\' &&
	       s[l->start + 1] == '.';
}

static void blank(char *s, size_t from, size_t to)
{
	size_t i;
	for (i = from; i < to; i++)
		if (s[i] != '\n')
			s[i] = ' ';
}

/*
 * COPY ... FROM stdin data: psql reads the lines after the statement up to "\."
 * when the server accepted the COPY. A COPY the server refuses (the scripts
 * have some) has no data after it; it is told apart by the next "\." coming
 * only after another COPY FROM stdin, or never.
 */
static size_t clean_copy_data(char *s, size_t len)
{
	text_line *lines = NULL;
	size_t nl = 0, cap = 0, i, blocks = 0;
	size_t p = 0;
	while (p < len) {
		char *nlp = memchr(s + p, '\n', len - p);
		size_t e = nlp ? (size_t)(nlp - s) : len;
		if (nl == cap) {
			cap = cap ? cap * 2 : 1024;
			lines = realloc(lines, cap * sizeof *lines);
			if (!lines)
				abort();
		}
		lines[nl].start = p;
		lines[nl].len = e - p;
		nl++;
		p = e + 1;
	}
	for (i = 0; i < nl; i++) {
		int copies = copy_from_stdin(s + lines[i].start, lines[i].len);
		size_t j = i + 1;
		while (copies-- > 0) {
			size_t k;
			int has_data = 0;
			for (k = j; k < nl; k++) {
				if (is_end_of_data(s, &lines[k])) {
					has_data = 1;
					break;
				}
				if (copy_from_stdin(s + lines[k].start, lines[k].len) > 0)
					break;
			}
			if (!has_data)
				break;
			blank(s, lines[j].start, lines[k].start + lines[k].len);
			blocks++;
			j = k + 1;
		}
		if (j > i + 1)
			i = j - 1;
	}
	free(lines);
	return blocks;
}

/* psql meta-commands that send the query buffer */
static int sends_query(const char *cmd, size_t n)
{
	static const char *const names[] = { "g", "gx", "gset", "gexec", "gdesc", "crosstabview", "watch", "bind" };
	size_t k;
	for (k = 0; k < sizeof names / sizeof names[0]; k++)
		if (strlen(names[k]) == n && memcmp(names[k], cmd, n) == 0)
			return 1;
	return 0;
}

/* blank the meta-commands, found with the same scanner (so never inside quotes) */
static size_t clean_meta(char *s, size_t len)
{
	size_t pos = 0, count = 0;
	pgm_token t;
	while (pgm_token_next(&t, s, len, &pos)) {
		size_t n;
		int send;
		if (t.type != PGM_TOK_BACKSLASH)
			continue;
		count++;
		if (t.start + 1 < len && s[t.start + 1] == ';') {
			/* "\;": psql sends the statements together; we split them */
			s[t.start] = ' ';
			pos = t.start + 2;
			continue;
		}
		for (n = 0; t.start + 1 + n < len && ident_byte(s[t.start + 1 + n]); n++)
			;
		send = sends_query(s + t.start + 1, n);
		/* the command and its arguments, to the end of the line */
		blank(s, t.start, t.start + t.len);
		if (send)
			s[t.start] = ';';
	}
	return count;
}

typedef struct {
	size_t files, stmts, parsed, other_errors, merged, cut, copy_blocks, meta;
} totals;

static int verbose;

static void abort_transaction(PGconn *conn)
{
	PGresult *res;
	PGTransactionStatusType ts = PQtransactionStatus(conn);
	if (ts == PQTRANS_INERROR)
		return;
	if (ts == PQTRANS_INTRANS)
		res = PQexec(conn, "SELECT 1/0");
	else
		res = PQexec(conn, "BEGIN; SELECT 1/0");
	PQclear(res);
	if (PQtransactionStatus(conn) != PQTRANS_INERROR) {
		fprintf(stderr, "pgm_lexcheck: could not enter a failed transaction: %s", PQerrorMessage(conn));
		exit(2);
	}
}

static void show_stmt(const char *s, size_t n)
{
	size_t i, shown = n > 160 ? 160 : n;
	fputs("      | ", stdout);
	for (i = 0; i < shown; i++) {
		if (s[i] == '\n')
			fputs("\n      | ", stdout);
		else if (s[i] != '\r')
			putchar(s[i]);
	}
	if (shown < n)
		printf(" ...(%zu more bytes)", n - shown);
	putchar('\n');
}

static int check_file(PGconn *conn, const char *path, totals *tot)
{
	size_t len, k;
	char *s = read_file(path, &len);
	pgm_lex_result r;
	int mismatches = 0;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (!s) {
		fprintf(stderr, "pgm_lexcheck: cannot read %s\n", path);
		return -1;
	}
	tot->files++;
	tot->copy_blocks += clean_copy_data(s, len);
	tot->meta += clean_meta(s, len);
	if (pgm_lex(&r, s, len) != 0) {
		fprintf(stderr, "pgm_lexcheck: out of memory\n");
		exit(2);
	}
	for (k = 0; k < r.count; k++) {
		const pgm_stmt *st = &r.stmts[k];
		char *text = pgm_strndup(s + st->start, st->end - st->start);
		PGresult *res;
		const char *state, *msg;
		const char *kind = NULL;
		int line, col;

		tot->stmts++;
		abort_transaction(conn);
		res = PQexecParams(conn, text, 0, NULL, NULL, NULL, NULL, 0);
		if (!res || PQstatus(conn) != CONNECTION_OK) {
			fprintf(stderr, "pgm_lexcheck: %s: lost the connection: %s", name, PQerrorMessage(conn));
			exit(2);
		}
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		if (!state || strcmp(state, "25P02") == 0) {
			tot->parsed++;
		} else if (msg && strstr(msg, "cannot insert multiple commands")) {
			kind = "MERGED";
			tot->merged++;
		} else if (strcmp(state, "42601") == 0 && msg &&
		           (strstr(msg, "at end of input") || strncmp(msg, "unterminated", 12) == 0)) {
			kind = "CUT";
			tot->cut++;
		} else {
			tot->other_errors++;
		}
		pgm_text_position(s, len, st->start, &line, &col);
		if (kind) {
			mismatches++;
			printf("MISMATCH %s:%d: %s: %s\n", name, line, kind, msg);
			show_stmt(text, strlen(text));
		} else if (verbose && state && strcmp(state, "25P02") != 0) {
			printf("  %s:%d: %s %s\n", name, line, state, msg ? msg : "");
		}
		PQclear(res);
		free(text);
	}
	if (verbose)
		printf("%-28s %5zu statements, %d mismatches\n", name, r.count, mismatches);
	pgm_lex_free(&r);
	free(s);
	return mismatches;
}

static void notice_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int main(int argc, char **argv)
{
	int i, first = 1, mismatches = 0;
	totals tot;
	PGconn *conn;

	memset(&tot, 0, sizeof tot);
	if (argc >= 3 && (strcmp(argv[1], "--print") == 0 || strcmp(argv[1], "--clean") == 0)) {
		size_t len, k;
		char *s = read_file(argv[2], &len);
		pgm_lex_result r;
		if (!s) {
			fprintf(stderr, "pgm_lexcheck: cannot read %s\n", argv[2]);
			return 2;
		}
		clean_copy_data(s, len);
		clean_meta(s, len);
		if (strcmp(argv[1], "--clean") == 0) {
			fwrite(s, 1, len, stdout);
			free(s);
			return 0;
		}
		pgm_lex(&r, s, len);
		for (k = 0; k < r.count; k++) {
			int line, col;
			pgm_text_position(s, len, r.stmts[k].start, &line, &col);
			printf("%zu %zu %d\n", r.stmts[k].start, r.stmts[k].end, line);
		}
		pgm_lex_free(&r);
		free(s);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: pgm_lexcheck [-v] FILE... | --print FILE | --clean FILE\n"
			"  (the server: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)\n");
		return 2;
	}
	conn = PQconnectdb("application_name=pgm_lexcheck");
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "pgm_lexcheck: cannot connect: %s", PQerrorMessage(conn));
		return 2;
	}
	PQsetNoticeProcessor(conn, notice_quiet, NULL);
	for (i = first; i < argc; i++) {
		int m = check_file(conn, argv[i], &tot);
		if (m < 0)
			return 2;
		mismatches += m;
	}
	PQfinish(conn);
	printf("lexer conformance: %zu files, %zu statements (%zu parsed, %zu other errors), "
		"%zu COPY data blocks and %zu meta-commands removed; mismatches: %zu merged, %zu cut\n",
		tot.files, tot.stmts, tot.parsed, tot.other_errors, tot.copy_blocks, tot.meta, tot.merged, tot.cut);
	return mismatches ? 1 : 0;
}
