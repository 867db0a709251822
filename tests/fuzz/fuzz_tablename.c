/*
 * Fuzz the SQL that names the tracking tables (sqlquote.c, pgm__tracking_ddl
 * in db.c) with arbitrary --table names: "schema.table" split at the first
 * dot as config.c does, or a bare table in "public".
 *
 * Invariants: a name that is not valid UTF-8 is refused (NULL), as libpq
 * refuses it. Otherwise the name never escapes its quotes: the DDL, split by
 * the project's own lexer, is exactly three statements with no lexer error,
 * and its tokens are, type for type, those of the DDL for a plain name; each
 * quoted identifier reads back (quotes undone) as the schema, the table or
 * the table's _history, in order; the one string literal (the history's
 * comment) reads back as the comment text with the name in it. A literal or
 * an identifier alone is one token that reads back as the name.
 */
#include "internal.h"
#include "fuzz.h"

#define MAXTOK 256

typedef struct toks {
	pgm_tok_type type[MAXTOK];
	char *text[MAXTOK];  /* QIDENT and STRING tokens, quotes undone */
	size_t n;
} toks;

/* the content of a quoted identifier or a standard / E'' string literal */
static char *unquote(const char *s, size_t len)
{
	char *r = malloc(len + 1), *p = r;
	size_t i = 0;
	int esc = 0;
	char q;
	FUZZ_CHECK(r != NULL);
	if (s[0] == 'E' || s[0] == 'e') {
		esc = 1;
		i = 1;
	}
	q = s[i++];
	FUZZ_CHECK(q == '"' || q == '\'');
	FUZZ_CHECK(len >= i + 1 && s[len - 1] == q);
	for (; i < len - 1; i++) {
		if (s[i] == q) {
			FUZZ_CHECK(i + 1 < len - 1 && s[i + 1] == q);  /* a lone quote would end it */
			i++;
		} else if (esc && s[i] == '\\') {
			FUZZ_CHECK(i + 1 < len - 1 && s[i + 1] == '\\');  /* we only write \\ */
			i++;
		}
		*p++ = s[i];
	}
	*p = '\0';
	return r;
}

static void lex_all(toks *t, const char *sql)
{
	size_t pos = 0, len = strlen(sql);
	pgm_token tk;
	t->n = 0;
	while (pgm_token_next(&tk, sql, len, &pos)) {
		FUZZ_CHECK(t->n < MAXTOK);
		FUZZ_CHECK(tk.error == NULL);
		t->type[t->n] = tk.type;
		t->text[t->n] = tk.type == PGM_TOK_QIDENT || tk.type == PGM_TOK_STRING ? unquote(sql + tk.start, tk.len) : NULL;
		t->n++;
	}
}

static void toks_free(toks *t)
{
	size_t i;
	for (i = 0; i < t->n; i++)
		free(t->text[i]);
}

static char *ddl(const char *schema, const char *table)
{
	pgm_buf b = PGM_BUF_INIT;
	char *qt = pgm__sql_qualified(schema, table, NULL);
	char *qh = pgm__sql_qualified(schema, table, PGM_HISTORY_SUFFIX);
	FUZZ_CHECK(qt && qh);
	FUZZ_CHECK(pgm__tracking_ddl(&b, qt, qh, table) == 0);
	free(qt);
	free(qh);
	return pgm_buf_take(&b);
}

static void one_token(char *q, const char *want, pgm_tok_type type)
{
	toks t;
	FUZZ_CHECK(q != NULL);
	lex_all(&t, q);
	FUZZ_CHECK(t.n == 1 && t.type[0] == type);
	FUZZ_CHECK(strcmp(t.text[0], want) == 0);
	toks_free(&t);
	free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name, *dot, *schema, *table, *sql, *ref, *hist, *note;
	toks t, r;
	pgm_lex_result lx;
	size_t i, k = 0;
	const char *want[6];

	if (size > 4096)
		return 0;
	name = fuzz_cstr(data, size);
	dot = strchr(name, '.');
	schema = dot ? pgm_strndup(name, (size_t)(dot - name)) : pgm_strdup("public");
	table = pgm_strdup(dot ? dot + 1 : name);
	FUZZ_CHECK(schema && table);
	if (!pgm__utf8_valid(schema, strlen(schema)) || !pgm__utf8_valid(table, strlen(table))) {
		FUZZ_CHECK(!pgm__utf8_valid(name, strlen(name)));
		FUZZ_CHECK(pgm__sql_ident(name) == NULL && pgm__sql_literal(name) == NULL);
		goto out;
	}
	one_token(pgm__sql_ident(table), table, PGM_TOK_QIDENT);
	one_token(pgm__sql_literal(table), table, PGM_TOK_STRING);

	sql = ddl(schema, table);
	ref = ddl("s", "t");
	FUZZ_CHECK(sql && ref);
	FUZZ_CHECK(pgm_lex(&lx, sql, strlen(sql)) == 0);
	FUZZ_CHECK(lx.error == 0 && lx.count == 3 && lx.has_txctl == 0 && lx.notx_count == 0);
	pgm_lex_free(&lx);

	lex_all(&t, sql);
	lex_all(&r, ref);
	FUZZ_CHECK(t.n == r.n);
	hist = pgm_aprintf("%s%s", table, PGM_HISTORY_SUFFIX);
	note = pgm_aprintf("pgmigrate: every migration applied, reverted or forced, with checksums; "
		"%s beside it is golang-migrate's table", table);
	FUZZ_CHECK(hist && note);
	want[0] = schema; want[1] = table; want[2] = schema; want[3] = hist; want[4] = schema; want[5] = hist;
	for (i = 0; i < t.n; i++) {
		FUZZ_CHECK(t.type[i] == r.type[i]);
		if (t.type[i] == PGM_TOK_QIDENT) {
			FUZZ_CHECK(k < 6);
			FUZZ_CHECK(strcmp(t.text[i], want[k]) == 0);
			k++;
		} else if (t.type[i] == PGM_TOK_STRING) {
			FUZZ_CHECK(strcmp(t.text[i], note) == 0);
		}
	}
	FUZZ_CHECK(k == 6);
	toks_free(&t);
	toks_free(&r);
	free(hist);
	free(note);
	free(sql);
	free(ref);
out:
	free(schema);
	free(table);
	free(name);
	return 0;
}
