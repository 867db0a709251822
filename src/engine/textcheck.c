/*
 * What a migration file must be before any of it is sent: text without a
 * NUL byte and valid UTF-8. libpq sends SQL as a C string, so the server
 * would take the text to end at a NUL and run only what comes before it
 * (a partial apply that looks complete); and pgmigrate's connection speaks
 * UTF8 (client_encoding), so the server refuses anything else, but for a
 * whole batch at once and without saying which file. The check is fed in
 * pieces (a streamed file is read in pieces) and keeps the line and column
 * of the next byte as pgm_text_position counts them (a lone CR ends a
 * line, a CR is no column, a column is a character).
 *
 * It also cuts the source line shown under an error to an excerpt around
 * the position: a 100 MB line is not echoed whole.
 */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

void pgm__textcheck_init(pgm_textcheck *tc)
{
	memset(tc, 0, sizeof *tc);
	tc->line = tc->col = 1;
}

static void next_line(pgm_textcheck *tc)
{
	if (tc->line < INT_MAX)
		tc->line++;
	tc->col = 1;
}

static void next_col(pgm_textcheck *tc)
{
	if (tc->col < INT_MAX)
		tc->col++;
}

static int problem(pgm_textcheck *tc, pgm_text_problem kind, uint64_t off, int line, int col,
	const unsigned char *p, size_t avail)
{
	tc->problem = kind;
	tc->bad_off = off;
	tc->bad_line = line;
	tc->bad_col = col;
	tc->bad_byte = avail ? p[0] : 0;
	return -1;
}

/* the first byte was FF or FE (never UTF-8) and the next one is c: the byte
 * order mark of UTF-16 (FF FE, FE FF), or not UTF-8 */
static int bom_problem(pgm_textcheck *tc, unsigned char first, int c)
{
	unsigned char b = first;
	tc->bom_pending = 0;
	problem(tc, PGM_TEXT_UTF8, 0, 1, 1, &b, 1);
	if ((first == 0xFF && c == 0xFE) || (first == 0xFE && c == 0xFF))
		tc->problem = PGM_TEXT_UTF16;
	return -1;
}

/* the range of a lead byte's first continuation byte, and how many follow
 * (PostgreSQL's pg_utf8_islegal: no overlong forms, no surrogates, nothing
 * above U+10FFFF); 0 for a byte that starts no sequence */
static int utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		return 1;
	if (c >= 0xE0 && c <= 0xEF) {
		if (c == 0xE0)
			*lo = 0xA0;
		else if (c == 0xED)
			*hi = 0x9F;
		return 2;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (c == 0xF0)
			*lo = 0x90;
		else if (c == 0xF4)
			*hi = 0x8F;
		return 3;
	}
	return 0;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
/* a zero byte in v (the classic bit trick) */
#define HAS_ZERO(v) (((v) - ONES) & ~(v) & HIGHS)

int pgm__textcheck_feed(pgm_textcheck *tc, const char *text, size_t n)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0;

	if (tc->problem)
		return -1;
	if (tc->bom_pending && n > 0)
		return bom_problem(tc, tc->bom_pending, p[0]);
	while (i < n) {
		unsigned char c = p[i];
		if (tc->need > 0) {
			if (c < tc->lo || c > tc->hi)
				return problem(tc, PGM_TEXT_UTF8, tc->seq_off, tc->seq_line, tc->seq_col,
					tc->seq_bytes, tc->seq_len);
			tc->seq_bytes[tc->seq_len++] = c;
			tc->lo = 0x80;
			tc->hi = 0xBF;
			tc->need--;
			i++;
			tc->off++;
			continue;
		}
		if (tc->cr) {
			/* a CR ends a line unless a LF follows (the LF ends it then) */
			tc->cr = 0;
			if (c != '\n')
				next_line(tc);
		}
		/* eight plain ASCII characters at a time: no high bit, no NUL, CR or LF */
		while (n - i >= 8) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if ((w & HIGHS) || HAS_ZERO(w) || HAS_ZERO(w ^ (ONES * '\n')) || HAS_ZERO(w ^ (ONES * '\r')))
				break;
			i += 8;
			tc->off += 8;
			if (tc->col <= INT_MAX - 8)
				tc->col += 8;
		}
		if (i >= n)
			break;
		c = p[i];
		if (c == 0)
			return problem(tc, PGM_TEXT_NUL, tc->off, tc->line, tc->col, p + i, n - i);
		if (c < 0x80) {
			if (c == '\n')
				next_line(tc);
			else if (c == '\r')
				tc->cr = 1;
			else
				next_col(tc);
		} else {
			unsigned char lo, hi;
			int need = utf8_lead(c, &lo, &hi);
			if (need == 0 && tc->off == 0 && (c == 0xFF || c == 0xFE)) {
				/* UTF-16? The next byte says, also when it is in the next piece */
				if (i + 1 < n)
					return bom_problem(tc, c, p[i + 1]);
				tc->bom_pending = c;
				tc->off++;
				return 0;
			}
			if (need == 0)
				return problem(tc, PGM_TEXT_UTF8, tc->off, tc->line, tc->col, p + i, n - i);
			tc->need = need;
			tc->lo = lo;
			tc->hi = hi;
			tc->seq_off = tc->off;
			tc->seq_line = tc->line;
			tc->seq_col = tc->col;
			tc->seq_bytes[0] = c;
			tc->seq_len = 1;
			next_col(tc);
		}
		i++;
		tc->off++;
	}
	return 0;
}

int pgm__textcheck_end(pgm_textcheck *tc)
{
	if (tc->problem)
		return -1;
	if (tc->bom_pending)
		return bom_problem(tc, tc->bom_pending, -1);
	if (tc->need > 0)
		return problem(tc, PGM_TEXT_UTF8, tc->seq_off, tc->seq_line, tc->seq_col, tc->seq_bytes, tc->seq_len);
	return 0;
}

int pgm__text_check(pgm_textcheck *tc, const char *text, size_t len)
{
	pgm__textcheck_init(tc);
	if (pgm__textcheck_feed(tc, text, len) != 0)
		return -1;
	return pgm__textcheck_end(tc);
}

/* ---- the excerpt of a source line ---- */

/* characters shown on each side of the position */
#define EXCERPT_SIDE 100
/* bytes looked at on each side: a bound on the work whatever the text */
#define EXCERPT_SCAN (EXCERPT_SIDE * 4)

static int is_break(char c)
{
	return c == '\n' || c == '\r';
}

/* the length of the valid UTF-8 character at p (1 for ASCII), 0 when none */
static size_t utf8_char(const unsigned char *p, size_t avail)
{
	unsigned char lo, hi;
	size_t need, k;
	if (p[0] < 0x80)
		return 1;
	need = (size_t)utf8_lead(p[0], &lo, &hi);
	if (need == 0 || need >= avail)
		return 0;
	for (k = 1; k <= need; k++) {
		if (p[k] < lo || p[k] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return need + 1;
}

char *pgm__line_excerpt(const char *text, size_t len, size_t off, int text_starts_line, int *out_col)
{
	size_t s = off, e = off, i, chars = 0;
	pgm_buf b = PGM_BUF_INIT;
	int col = 1, cut_before;

	if (off > len)
		s = e = off = len;
	/* back to the line's start, or EXCERPT_SIDE characters */
	while (s > 0 && !is_break(text[s - 1]) && off - s < EXCERPT_SCAN) {
		if (((unsigned char)text[s - 1] & 0xC0) != 0x80 && ++chars > EXCERPT_SIDE)
			break;
		s--;
	}
	/* a continuation byte left at the start belongs to a character cut off */
	while (s < off && ((unsigned char)text[s] & 0xC0) == 0x80 && s > 0 && !is_break(text[s - 1]))
		s++;
	for (chars = 0; e < len && !is_break(text[e]) && e - off < EXCERPT_SCAN; e++)
		if (((unsigned char)text[e] & 0xC0) != 0x80 && ++chars > EXCERPT_SIDE)
			break;
	cut_before = s > 0 ? !is_break(text[s - 1]) : !text_starts_line;
	if (cut_before) {
		pgm_buf_puts(&b, "...");
		col += 3;
	}
	for (i = s; i < e;) {
		const unsigned char *p = (const unsigned char *)text + i;
		size_t k = utf8_char(p, e - i);
		if (i < off)
			col++;
		if (k == 0 || (k == 1 && ((p[0] < 0x20 && p[0] != '\t') || p[0] == 0x7F))) {
			/* not shown as it is: a control character, a byte that is not UTF-8 */
			pgm_buf_put(&b, "?", 1);
			i++;
		} else {
			pgm_buf_put(&b, p, k);
			i += k;
		}
	}
	if (e < len && !is_break(text[e]))
		pgm_buf_puts(&b, "...");
	*out_col = col;
	return pgm_buf_take(&b);
}

int pgm__is_utf8(const char *s)
{
	pgm_textcheck tc;
	return pgm__text_check(&tc, s, strlen(s)) == 0;
}

char *pgm__utf8_shown(const char *s)
{
	pgm_buf b = PGM_BUF_INIT;
	size_t n = strlen(s), i = 0;
	while (i < n) {
		size_t k = utf8_char((const unsigned char *)s + i, n - i);
		if (k == 0) {
			pgm_buf_printf(&b, "\\x%02X", (unsigned char)s[i]);
			i++;
		} else {
			pgm_buf_put(&b, s + i, k);
			i += k;
		}
	}
	return pgm_buf_take(&b);
}

/* ---- the error ---- */

int pgm__textcheck_fail(pgm_ctx *ctx, const pgm_textcheck *tc, const char *display, const char *text, size_t len,
	size_t off, int text_starts_line)
{
	int rc;
	switch (tc->problem) {
	case PGM_TEXT_NUL:
		rc = pgm_fail(ctx, PGM_ESOURCE, "the file has a NUL byte");
		if (tc->bad_off <= 1)
			pgm_set_detail(ctx, "a file that starts with one is usually UTF-16 without a byte order mark, "
				"and pgmigrate reads migrations as UTF-8; nothing of the file was sent");
		else
			pgm_set_detail(ctx, "SQL goes to the server as a C string, which ends at a NUL, "
				"so the server would run only what comes before it; nothing of the file was sent");
		pgm_set_hint(ctx, "remove the NUL bytes (grep -naP '\\x00' FILE finds them); if the file is UTF-16, save it as UTF-8");
		break;
	case PGM_TEXT_UTF16:
		rc = pgm_fail(ctx, PGM_ESOURCE, "the file is UTF-16, not UTF-8");
		pgm_set_detail(ctx, "it starts with the UTF-16 byte order mark %02X %02X, as Windows PowerShell 5.1 writes files with `>`, "
			"`>>` and Out-File; pgmigrate reads migrations as UTF-8, as golang-migrate and psql do; nothing of the file was sent",
			tc->bad_byte, tc->bad_byte == 0xFF ? 0xFE : 0xFF);
		pgm_set_hint(ctx, "save it as UTF-8: in PowerShell, (Get-Content FILE) | Set-Content -Encoding utf8 FILE, "
			"and write with Out-File -Encoding utf8 (`pgmigrate new` makes UTF-8 files)");
		break;
	default:
		rc = pgm_fail(ctx, PGM_ESOURCE, "the file is not valid UTF-8");
		pgm_set_detail(ctx, "byte 0x%02X is not part of a UTF-8 character; pgmigrate talks to the server "
			"in UTF8, which would refuse the file; nothing of the file was sent", tc->bad_byte);
		pgm_set_hint(ctx, "save the file as UTF-8 (a file written as Windows-1252 or Latin-1 converts with "
			"iconv -f WINDOWS-1252 -t UTF-8)");
		break;
	}
	free(ctx->err.file);
	ctx->err.file = pgm_strdup(display);
	ctx->err.line = tc->bad_line;
	ctx->err.column = tc->bad_col;
	if (text) {
		free(ctx->err.source_line);
		ctx->err.source_line = pgm__line_excerpt(text, len, off, text_starts_line, &ctx->err.source_column);
	}
	return rc;
}
