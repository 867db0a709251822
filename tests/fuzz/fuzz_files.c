/*
 * Fuzz whole migration files through what every command does before a file
 * is sent: the text check (textcheck.c, as pgm_read_body and the streaming
 * pre-pass run it: no NUL byte, UTF-8, UTF-16 named), the statement split
 * (pgm_lex), and a streamed file's pieces as run_stream cuts them (its loop
 * mirrored here around the real lexer and pgm__stream_drop_comments).
 *
 * Invariants: the check answers the same fed whole or in pieces of any size;
 * a file with a NUL byte is always refused, at a place inside the file no
 * later than its first NUL, whose line:column is pgm_text_position's for
 * that byte; a refused NUL is a NUL byte; an accepted file is whole UTF-8
 * characters. An accepted file's statements and the whitespace and comments
 * between them concatenate back to the body. Streamed in small pieces, the
 * same statements are sent, each counted at the line it has in the file.
 */
#include "internal.h"
#include "fuzz.h"

/* the text check fed in pieces of 1 to 16 bytes (sizes from the data) */
static void check_in_pieces(const char *t, size_t n, const pgm_textcheck *whole)
{
	pgm_textcheck tc;
	size_t i = 0;
	int rc = 0;
	pgm__textcheck_init(&tc);
	while (i < n && rc == 0) {
		size_t k = 1 + ((unsigned char)t[i] * 7u + i) % 16;
		if (k > n - i)
			k = n - i;
		rc = pgm__textcheck_feed(&tc, t + i, k);
		i += k;
	}
	if (rc == 0)
		rc = pgm__textcheck_end(&tc);
	FUZZ_CHECK(tc.problem == whole->problem);
	if (tc.problem) {
		FUZZ_CHECK(tc.bad_off == whole->bad_off && tc.bad_line == whole->bad_line && tc.bad_col == whole->bad_col);
		FUZZ_CHECK(tc.bad_byte == whole->bad_byte);
	}
}

/* between statements: whitespace, comments, empty statements (';') and psql
 * meta-commands (which the runner refuses) only */
static void check_gap(const char *t, size_t from, size_t to)
{
	pgm_token tok;
	size_t pos = 0;
	while (pgm_token_next(&tok, t + from, to - from, &pos))
		FUZZ_CHECK(tok.type == PGM_TOK_LINE_COMMENT || tok.type == PGM_TOK_BLOCK_COMMENT ||
		           tok.type == PGM_TOK_SEMI || tok.type == PGM_TOK_BACKSLASH);
}

/* the line of byte off of text[0..len) */
static int line_of(const char *t, size_t len, size_t off)
{
	int line, col;
	pgm_text_position(t, len, off, &line, &col);
	return line;
}

/*
 * run_stream's cut loop over pieces of `piece` bytes: each complete statement
 * is "sent"; the n-th sent one must be the file's n-th statement, at its line.
 * Returns 0, or 1 when the runner would stop (transaction control, a psql
 * meta-command: it refuses the file there).
 */
static int stream(const char *t, size_t len, size_t piece, const pgm_lex_result *whole)
{
	pgm_buf tail = PGM_BUF_INIT;
	size_t in = 0, sent = 0, i;
	int eof = 0, line_base = 1;

	while (!eof) {
		size_t got = len - in < piece ? len - in : piece, cut = 0;
		pgm_lex_result lx;
		eof = got == 0;
		pgm_buf_put(&tail, t + in, got);
		in += got;
		FUZZ_CHECK(!tail.failed);
		if (tail.len == 0)
			continue;
		FUZZ_CHECK(pgm_lex(&lx, tail.ptr, tail.len) == 0);
		for (i = 0; i < lx.count; i++) {
			const pgm_stmt *st = &lx.stmts[i];
			/* not one the text's end closed: a ';' inside a BEGIN ATOMIC body or
			 * a rule's (a; b) that the next piece continues */
			int complete = st->end > st->start && tail.ptr[st->end - 1] == ';' && !st->open &&
			               !(lx.error && lx.error_offset >= st->start && lx.error_offset < st->end);
			if (!complete && !eof)
				break;
			if (st->is_txctl || (lx.error && strcmp(lx.error_message, "psql meta-commands are not SQL") == 0 &&
			                     lx.error_offset < st->end)) {
				pgm_lex_free(&lx);
				pgm_buf_free(&tail);
				return 1;
			}
			cut = st->end;
		}
		if (eof && cut < tail.len)
			cut = tail.len;
		if (cut == 0 && !eof)
			pgm__stream_drop_comments(&tail, &line_base);
		if (cut > 0) {
			for (i = 0; i < lx.count && lx.stmts[i].end <= cut; i++) {
				const pgm_stmt *st = &lx.stmts[i], *w;
				FUZZ_CHECK(sent < whole->count);
				w = &whole->stmts[sent];
				if (st->end - st->start != w->end - w->start)
					fprintf(stderr, "piece %zu: sent [%.*s], file has [%.*s]\n", piece, (int)(st->end - st->start),
						tail.ptr + st->start, (int)(w->end - w->start), t + w->start);
				FUZZ_CHECK(st->end - st->start == w->end - w->start);
				FUZZ_CHECK(memcmp(tail.ptr + st->start, t + w->start, w->end - w->start) == 0);
				FUZZ_CHECK(line_base + line_of(tail.ptr, cut, st->start) - 1 == line_of(t, len, w->start));
				sent++;
			}
			line_base += line_of(tail.ptr, cut, cut) - 1;
			memmove(tail.ptr, tail.ptr + cut, tail.len - cut);
			tail.len -= cut;
			tail.ptr[tail.len] = '\0';
		}
		pgm_lex_free(&lx);
	}
	FUZZ_CHECK(sent == whole->count);
	pgm_buf_free(&tail);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	const char *nul = size ? memchr(t, '\0', size) : NULL;
	pgm_textcheck tc;
	pgm_lex_result r;
	size_t k, prev = 0;

	if (size > 65536)
		return 0;
	pgm__text_check(&tc, t, size);
	check_in_pieces(t, size, &tc);
	if (nul) {
		/* always refused, inside the file, no later than the first NUL */
		FUZZ_CHECK(tc.problem != PGM_TEXT_OK);
		FUZZ_CHECK(tc.bad_off < size && tc.bad_off <= (uint64_t)(nul - t));
		FUZZ_CHECK(tc.bad_line >= 1 && tc.bad_col >= 1);
	}
	if (tc.problem == PGM_TEXT_NUL)
		FUZZ_CHECK(t[tc.bad_off] == '\0');
	if (tc.problem == PGM_TEXT_UTF16)
		FUZZ_CHECK(tc.bad_off == 0 && size >= 2);
	if (tc.problem == PGM_TEXT_NUL || tc.problem == PGM_TEXT_UTF8) {
		int line, col;
		pgm_text_position(t, size, (size_t)tc.bad_off, &line, &col);
		FUZZ_CHECK(line == tc.bad_line && col == tc.bad_col);
	}
	if (tc.problem != PGM_TEXT_OK) {
		/* the source line shown under the error: bounded, the caret inside it */
		int col = 0;
		char *e = pgm__line_excerpt(t, size, (size_t)tc.bad_off, 1, &col);
		FUZZ_CHECK(e != NULL && strlen(e) <= 4 * 210 && col >= 1 && (size_t)col <= strlen(e) + 1);
		free(e);
		return 0;
	}

	/* accepted: the statements and what lies between them make the body */
	FUZZ_CHECK(pgm_lex(&r, t, size) == 0);
	for (k = 0; k < r.count; k++) {
		FUZZ_CHECK(r.stmts[k].start >= prev && r.stmts[k].end <= size);
		check_gap(t, prev, r.stmts[k].start);
		prev = r.stmts[k].end;
	}
	check_gap(t, prev, size);
	/* streamed in pieces of a few sizes (each piece lexes the unsent tail
	 * again: one-byte pieces for small files only) */
	if (size <= 1024) {
		if (stream(t, size, 1, &r) == 0) {
			FUZZ_CHECK(stream(t, size, 7, &r) == 0);
			FUZZ_CHECK(stream(t, size, 64, &r) == 0);
		}
	} else if (stream(t, size, 61, &r) == 0) {
		FUZZ_CHECK(stream(t, size, 509, &r) == 0);
	}
	pgm_lex_free(&r);
	return 0;
}
