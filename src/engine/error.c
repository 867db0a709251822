/*
 * The error record on the context (SQLite's sqlite3_errmsg(db), libpq's
 * PQresultErrorField) and the event helpers. The engine never prints:
 * warnings and progress go to the caller's callback.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void pgm_error_clear(pgm_ctx *ctx)
{
	pgm_error *e = &ctx->err;
	free(e->message);
	free(e->detail);
	free(e->hint);
	free(e->file);
	free(e->source_line);
	memset(e, 0, sizeof *e);
	e->version = -1;
}

static char *vfmt(const char *fmt, va_list ap)
{
	pgm_buf b = PGM_BUF_INIT;
	pgm_buf_vprintf(&b, fmt, ap);
	return pgm_buf_take(&b);
}

/* Every text of an error record or an event passes here: libpq and the
 * server can quote the connection string, or a piece of it, password
 * included. Takes s; NULL when out of memory (never the unscrubbed text). */
static char *scrub(const pgm_ctx *ctx, char *s)
{
	char *clean, *any;
	if (!s)
		return s;
	clean = ctx->cfg.url ? pgm__scrub_conninfo(s, ctx->cfg.url) : s;
	any = clean ? pgm__scrub_any(clean) : NULL;
	if (clean != s)
		free(clean);
	free(s);
	return any;
}

int pgm_fail(pgm_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;
	pgm_error_clear(ctx);
	ctx->err.code = code;
	va_start(ap, fmt);
	ctx->err.message = scrub(ctx, vfmt(fmt, ap));
	va_end(ap);
	return code;
}

/* *slot = the formatted text, scrubbed; formatted before the old text is
 * freed: it may be one of the arguments */
static void set_text(pgm_ctx *ctx, char **slot, const char *fmt, va_list ap)
{
	char *old = *slot;
	*slot = scrub(ctx, vfmt(fmt, ap));
	free(old);
}

void pgm_set_detail(pgm_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_text(ctx, &ctx->err.detail, fmt, ap);
	va_end(ap);
}

void pgm_set_hint(pgm_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_text(ctx, &ctx->err.hint, fmt, ap);
	va_end(ap);
}

/* trim the trailing newline libpq puts on messages */
static char *dup_trim(const char *s)
{
	size_t n;
	if (!s)
		return NULL;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	return pgm_strndup(s, n);
}

int pgm_fail_result(pgm_ctx *ctx, const PGresult *res, const char *fallback)
{
	const pgm_pq_api *pq = ctx->pq;
	const char *primary = res ? pq->resultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *state = res ? pq->resultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *detail = res ? pq->resultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? pq->resultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	int code = PGM_ESQL;

	pgm_error_clear(ctx);
	if (!primary) {
		/* no server error: the connection broke, or libpq failed locally */
		const char *m = res ? pq->resultErrorMessage(res) : NULL;
		if (!m || !*m)
			m = ctx->tgt.conn ? pq->errorMessage(ctx->tgt.conn) : NULL;
		if (!m || !*m)
			m = fallback;
		ctx->err.message = scrub(ctx, dup_trim(m));
		if (ctx->tgt.conn && pq->status(ctx->tgt.conn) == CONNECTION_BAD)
			code = PGM_ECONNECT;
	} else {
		ctx->err.message = scrub(ctx, dup_trim(primary));
	}
	if (state)
		snprintf(ctx->err.sqlstate, sizeof ctx->err.sqlstate, "%s", state);
	ctx->err.detail = scrub(ctx, dup_trim(detail));
	ctx->err.hint = scrub(ctx, dup_trim(hint));
	if (strcmp(ctx->err.sqlstate, "57014") == 0 && ctx->interrupted)
		code = PGM_ECANCELED;
	if (strncmp(ctx->err.sqlstate, "57P0", 4) == 0 || strncmp(ctx->err.sqlstate, "08", 2) == 0)
		code = PGM_ECONNECT;
	ctx->err.code = code;
	return code;
}

void pgm_emit(pgm_ctx *ctx, const pgm_event *ev)
{
	pgm_event clean;
	char *msg, *any;
	if (!ctx->cb)
		return;
	if (!ev->message) {
		ctx->cb(ev, ctx->cb_payload);
		return;
	}
	clean = *ev;
	msg = ctx->cfg.url ? pgm__scrub_conninfo(ev->message, ctx->cfg.url) : pgm_strdup(ev->message);
	any = msg ? pgm__scrub_any(msg) : NULL;
	clean.message = any ? any : "(out of memory)";
	ctx->cb(&clean, ctx->cb_payload);
	free(any);
	free(msg);
}

void pgm_warn(pgm_ctx *ctx, const char *file, const char *fmt, ...)
{
	pgm_event ev;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = vfmt(fmt, ap);
	va_end(ap);
	memset(&ev, 0, sizeof ev);
	ev.type = PGM_EV_WARNING;
	ev.message = msg;
	ev.file = file;
	ev.version_after = -1;
	pgm_emit(ctx, &ev);
	free(msg);
}

size_t pgm_char_to_byte(const char *text, size_t len, long pos)
{
	size_t i = 0;
	long chars = 0;
	while (i < len && chars < pos - 1) {
		i++;
		while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	return i;
}

void pgm_error_place(pgm_ctx *ctx, const char *file, int64_t version, const char *text, size_t len,
	size_t off, int line_base, const pgm_lex_result *lex, int statement)
{
	free(ctx->err.file);
	ctx->err.file = pgm_strdup(file);
	ctx->err.version = version;
	if (!text)
		return;
	if (off > len)
		off = len;
	pgm_text_position(text, len, off, &ctx->err.line, &ctx->err.column);
	ctx->err.line += line_base - 1;
	/* an excerpt around the position: a long line is not echoed whole */
	free(ctx->err.source_line);
	ctx->err.source_line = pgm__line_excerpt(text, len, off, 1, &ctx->err.source_column);
	if (statement <= 0 && lex) {
		size_t i;
		for (i = 0; i < lex->count; i++)
			if (off < lex->stmts[i].end || i + 1 == lex->count) {
				statement = (int)i + 1;
				break;
			}
	}
	ctx->err.statement = statement;
}
