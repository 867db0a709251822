/*
 * Fuzz the SQL lexer (lexer.c): the token scanner pgm_token_next and the
 * statement splitter pgm_lex, plus pgm_text_position (util.c) on the
 * offsets they report.
 *
 * Scanner invariants: every call that returns 1 makes progress; a token
 * starts where the previous one ended plus whitespace only, is non-empty and
 * ends where the new position is; at the end only whitespace is left and the
 * position is the length; unterminated quotes/comments run to the end.
 *
 * Splitter invariants: statements are ordered, non-empty, non-overlapping
 * and within bounds; each starts on a token that is not a comment, ';' or
 * meta-command, and ends just past a ';' (or at the end of the text, for the
 * last one); every significant token lies inside exactly one statement;
 * the counters agree with the statements; the first error is at the start
 * of the first token that has one. Splitting one statement's text alone
 * gives that same statement back with the same classification.
 * Line/column positions never go backwards as offsets grow.
 */
#include "internal.h"
#include "fuzz.h"

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int significant(pgm_tok_type t)
{
	return t != PGM_TOK_LINE_COMMENT && t != PGM_TOK_BLOCK_COMMENT && t != PGM_TOK_BACKSLASH &&
	       t != PGM_TOK_SEMI && t != PGM_TOK_EOF;
}

static void check_position_order(const char *sql, size_t len, size_t a, size_t b)
{
	int la, ca, lb, cb;
	pgm_text_position(sql, len, a, &la, &ca);
	pgm_text_position(sql, len, b, &lb, &cb);
	FUZZ_CHECK(la >= 1 && ca >= 1 && lb >= 1 && cb >= 1);
	if (a <= b)
		FUZZ_CHECK(la < lb || (la == lb && ca <= cb));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sql = (const char *)data;
	size_t len = size, pos = 0, prev_end = 0, i, k;
	pgm_token t;
	pgm_lex_result r;
	size_t ntok = 0, cap = 0, first_err = (size_t)-1;
	const char *first_err_msg = NULL;
	pgm_token *toks = NULL;

	if (size > 65536)
		return 0;

	/* ---- the scanner ---- */
	for (;;) {
		size_t before = pos;
		int more = pgm_token_next(&t, sql, len, &pos);
		FUZZ_CHECK(t.start >= before && t.start <= len);
		for (i = before; i < t.start; i++)
			FUZZ_CHECK(is_ws(sql[i]));
		if (!more) {
			FUZZ_CHECK(t.type == PGM_TOK_EOF && t.start == len && pos == len);
			break;
		}
		FUZZ_CHECK(t.type != PGM_TOK_EOF);
		FUZZ_CHECK(t.len > 0 && t.start + t.len == pos && pos <= len && pos > before);
		FUZZ_CHECK(t.start >= prev_end);
		prev_end = pos;
		if (t.error) {
			if (t.type != PGM_TOK_BACKSLASH) /* unterminated: runs to the end */
				FUZZ_CHECK(pos == len);
			if (first_err == (size_t)-1) {
				first_err = t.start;
				first_err_msg = t.error;
			}
		}
		switch (t.type) {
		case PGM_TOK_SEMI: FUZZ_CHECK(t.len == 1 && sql[t.start] == ';'); break;
		case PGM_TOK_LPAREN: FUZZ_CHECK(t.len == 1 && sql[t.start] == '('); break;
		case PGM_TOK_RPAREN: FUZZ_CHECK(t.len == 1 && sql[t.start] == ')'); break;
		case PGM_TOK_COMMA: FUZZ_CHECK(t.len == 1 && sql[t.start] == ','); break;
		case PGM_TOK_LINE_COMMENT: FUZZ_CHECK(t.len >= 2 && memchr(sql + t.start, '\n', t.len) == NULL); break;
		case PGM_TOK_BLOCK_COMMENT: FUZZ_CHECK(t.len >= 2 && sql[t.start] == '/' && sql[t.start + 1] == '*'); break;
		case PGM_TOK_BACKSLASH: FUZZ_CHECK(sql[t.start] == '\\' && t.error); break;
		case PGM_TOK_WORD:
			if (t.len < 64 && !memchr(sql + t.start, '\0', t.len)) {
				/* pgm_token_is ignores ASCII case */
				char w[64];
				for (i = 0; i < t.len; i++) {
					char c = sql[t.start + i];
					w[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
				}
				w[t.len] = '\0';
				FUZZ_CHECK(pgm_token_is(&t, sql, w));
				w[t.len - 1] = '\0';
				FUZZ_CHECK(!pgm_token_is(&t, sql, w));
			}
			break;
		default: break;
		}
		if (ntok == cap) {
			cap = cap ? cap * 2 : 64;
			toks = realloc(toks, cap * sizeof *toks);
			FUZZ_CHECK(toks != NULL);
		}
		toks[ntok++] = t;
	}

	/* ---- the splitter ---- */
	FUZZ_CHECK(pgm_lex(&r, sql, len) == 0);
	{
		size_t notx = 0;
		int txctl = 0;
		for (k = 0; k < r.count; k++) {
			const pgm_stmt *s = &r.stmts[k];
			FUZZ_CHECK(s->start < s->end && s->end <= len);
			FUZZ_CHECK(!is_ws(sql[s->start]));
			if (k > 0)
				FUZZ_CHECK(r.stmts[k - 1].end <= s->start);
			if (s->end < len || sql[s->end - 1] == ';')
				FUZZ_CHECK(sql[s->end - 1] == ';');
			else
				FUZZ_CHECK(k == r.count - 1);
			if (s->notx)
				notx++;
			if (s->is_txctl)
				txctl = 1;
			FUZZ_CHECK(!s->notx_before_12 || s->notx);
			if (k < 32) { /* each call walks the text from the start */
				if (k > 0)
					check_position_order(sql, len, r.stmts[k - 1].start, s->start);
				check_position_order(sql, len, s->start, s->end);
			}
		}
		FUZZ_CHECK(notx == r.notx_count);
		FUZZ_CHECK(txctl == r.has_txctl);
	}
	if (first_err != (size_t)-1) {
		FUZZ_CHECK(r.error && r.error_offset == first_err && r.error_message == first_err_msg);
	} else {
		FUZZ_CHECK(!r.error);
	}

	/* tokens vs statements: one walk over both */
	{
		size_t si = 0;
		for (i = 0; i < ntok; i++) {
			const pgm_token *tk = &toks[i];
			while (si < r.count && r.stmts[si].end <= tk->start)
				si++;
			if (si < r.count && tk->start >= r.stmts[si].start) {
				/* inside statement si: wholly */
				FUZZ_CHECK(tk->start + tk->len <= r.stmts[si].end);
			} else {
				/* between statements: nothing significant */
				FUZZ_CHECK(!significant(tk->type));
			}
			if (si < r.count && tk->start == r.stmts[si].start)
				FUZZ_CHECK(significant(tk->type));
		}
		/* every statement starts on a token */
		for (k = 0, i = 0; k < r.count; k++) {
			while (i < ntok && toks[i].start < r.stmts[k].start)
				i++;
			FUZZ_CHECK(i < ntok && toks[i].start == r.stmts[k].start);
		}
	}

	/* each statement alone lexes to itself */
	for (k = 0; k < r.count; k++) {
		const pgm_stmt *s = &r.stmts[k];
		pgm_lex_result one;
		FUZZ_CHECK(pgm_lex(&one, sql + s->start, s->end - s->start) == 0);
		if (one.count != 1)
			fprintf(stderr, "statement %zu [%zu, %zu) splits into %zu alone\n", k, s->start, s->end, one.count);
		FUZZ_CHECK(one.count == 1);
		FUZZ_CHECK(one.stmts[0].start == 0 && one.stmts[0].end == s->end - s->start);
		FUZZ_CHECK(one.stmts[0].is_txctl == s->is_txctl);
		FUZZ_CHECK(one.stmts[0].notx == s->notx);
		FUZZ_CHECK(one.stmts[0].notx_before_12 == s->notx_before_12);
		pgm_lex_free(&one);
	}

	if (r.error)
		check_position_order(sql, len, 0, r.error_offset);
	pgm_lex_free(&r);
	free(toks);
	return 0;
}
