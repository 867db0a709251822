/*
 * Plans and runs migrations.
 *
 * plan: from the files on disk and the tracking state, an ordered list of
 * steps (migration + direction + the version recorded after it), or a
 * refusal with a reason (dirty, no file for the current version, missing
 * down migration) before anything runs.
 *
 * run: transactional migrations go in batches: each migration is its own
 * BEGIN ... COMMIT together with its schema_migrations update, and many of
 * them travel in one simple-query message. The server stops at the first
 * error: the migrations before it stay committed, the failing one rolls
 * back, the rest never run. All but the last commit of a batch are
 * asynchronous; the last (synchronous) one flushes the WAL of all of them,
 * so whatever is reported applied when a batch returns is durable.
 * A marker SELECT after each COMMIT tells which migration finished and
 * when (server clock). Migrations marked no-transaction run statement by
 * statement under golang-migrate's dirty protocol. A file wrapped in one
 * BEGIN ... COMMIT of its own runs in a batch with the pair blanked; one
 * with other transaction control runs as golang-migrate runs it, the whole
 * file as one query under the dirty protocol (run_golang).
 */
#include "internal.h"
#include "os/os.h"

#include <stdlib.h>
#include <string.h>

#define BATCH_MAX_BYTES (8u << 20)
#define BATCH_MAX_STEPS 1000

/* a notice makes the server send what it has so far (see run_batch) */
#define PROGRESS_SQL "DO $pgm$BEGIN RAISE NOTICE 'pgmigrate: progress'; END$pgm$;\n"

typedef struct step {
	pgm_mig *m;
	pgm_direction dir;
	int64_t after;      /* tracking version once the step is done */
	char *body;
	size_t len;
	pgm_lex_result lex;
	const char *display;
	const char *auto_notx;  /* detected: why it runs outside a transaction */
	char checksum[65];      /* of the file run */
	int out_of_order;       /* older than the tracked version, applied late */
	int stream;             /* too large to hold: read and sent in pieces */
	const char *path;
	pgm_txplan tx;          /* its own transaction control (check_txctl) */
	int golang;             /* run as golang-migrate runs it (run_golang) */
	int checked;            /* its text was checked (check_plan_files) */
} step;

/* files above this size are streamed statement by statement (in pieces of
 * about STREAM_CHUNK) inside their one transaction, as psql does */
#define STREAM_THRESHOLD (16u << 20)
#define STREAM_CHUNK (4u << 20)
#define STREAM_MAX_STATEMENT (48u << 20)

void pgm_ctx_result(const pgm_ctx *ctx, int64_t *out_version, int *out_dirty, int *out_steps)
{
	if (out_version)
		*out_version = ctx->tgt.cur_version;
	if (out_dirty)
		*out_dirty = ctx->tgt.cur_dirty;
	if (out_steps)
		*out_steps = ctx->tgt.steps_done;
}

static long find_version(const pgm_ctx *ctx, int64_t v)
{
	size_t lo = 0, hi = ctx->src->nmigs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ctx->src->migs[mid].pub.version < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo < ctx->src->nmigs && ctx->src->migs[lo].pub.version == v) ? (long)lo : -1;
}

static int dirty_refusal(pgm_ctx *ctx, int64_t v)
{
	long i = find_version(ctx, v);
	pgm_fail(ctx, PGM_EDIRTY, "the database is dirty at version %lld", (long long)v);
	ctx->err.version = v;
	if (v < 0 && ctx->src->nmigs > 0) {
		/* golang-migrate's protocol records (-1, dirty) while the first migration's down runs */
		pgm_set_detail(ctx, "reverting the first migration, %s, failed part-way or was interrupted outside a transaction, "
			"so the schema may be half changed", ctx->src->migs[0].down_display ? ctx->src->migs[0].down_display : ctx->src->migs[0].up_display);
		pgm_set_hint(ctx, "look at the database, finish or undo the change by hand, then record where it is: "
			"`pgmigrate force -1` if it is fully undone, `pgmigrate force %lld` if it is still fully applied",
			(long long)ctx->src->migs[0].pub.version);
		return PGM_EDIRTY;
	}
	if (i >= 0)
		pgm_set_detail(ctx, "a migration around %s failed part-way or was interrupted outside a transaction, "
			"so the schema may be half changed", ctx->src->migs[i].up_display);
	else
		pgm_set_detail(ctx, "a migration failed part-way or was interrupted outside a transaction");
	if (i > 0)
		pgm_set_hint(ctx, "look at the database (SELECT * FROM %s), finish or undo the change by hand, then record where it is: "
			"`pgmigrate force %lld` if the migration is fully applied, `pgmigrate force %lld` if it is fully undone",
			ctx->tgt.qtable ? ctx->tgt.qtable : "schema_migrations", (long long)v, (long long)ctx->src->migs[i - 1].pub.version);
	else
		pgm_set_hint(ctx, "look at the database, finish or undo the change by hand, then record where it is: "
			"`pgmigrate force %lld` if the migration is fully applied, `pgmigrate force -1` if nothing is applied",
			(long long)v);
	return PGM_EDIRTY;
}

static int nofile_refusal(pgm_ctx *ctx, int64_t v)
{
	char *target = pgm_ctx_target_masked(ctx, NULL);
	pgm_fail(ctx, PGM_ENOFILE, "the database is at version %lld, but no migration file has that version", (long long)v);
	ctx->err.version = v;
	pgm_set_detail(ctx, "folder \"%s\" has %zu migrations%s%lld; database: %s", ctx->cfg.path, ctx->src->nmigs,
		ctx->src->nmigs ? ", the newest is " : "", ctx->src->nmigs ? (long long)ctx->src->migs[ctx->src->nmigs - 1].pub.version : 0LL,
		target ? target : "?");
	pgm_set_hint(ctx, "is this the right folder (--path) and the right branch? Another branch may hold the newer migrations; "
		"or DATABASE_URL points at another project's database");
	free(target);
	return PGM_ENOFILE;
}

static int file_checksum(pgm_ctx *ctx, pgm_mig *m, char out[65])
{
	return pgm__mig_checksum(ctx, m, out);
}

static int hist_applied(const pgm_hist *h)
{
	return h && (strcmp(h->outcome, "applied") == 0 || strcmp(h->outcome, "adopted") == 0 ||
	             strcmp(h->outcome, "forced") == 0);
}

/*
 * A database that golang-migrate (or pgmigrate before its history) managed:
 * the first run that creates the history records every version up to the
 * tracked one as adopted, with the current file's checksum, flagged as such.
 */
static int adopt(pgm_ctx *ctx, int64_t cur)
{
	pgm_buf b = PGM_BUF_INIT;
	char *osu;
	size_t i, n = 0;
	int rc;

	if (!ctx->tgt.history_created || cur < 0 || ctx->cfg.dry_run)
		return 0;
	osu = pgm_db_literal(ctx, pgm__os_user(ctx));
	pgm_buf_puts(&b, "BEGIN;\n");
	for (i = 0; i < ctx->src->nmigs && ctx->src->migs[i].pub.version <= cur; i++) {
		char sum[65], *name;
		if ((rc = file_checksum(ctx, &ctx->src->migs[i], sum)) != 0) {
			pgm_buf_free(&b);
			free(osu);
			return rc;
		}
		name = pgm_db_literal(ctx, ctx->src->migs[i].name);
		pgm_buf_printf(&b, "INSERT INTO %s (version, name, direction, outcome, checksum, checksum_adopted, os_user, pgmigrate_version) "
			"VALUES (%lld, %s, 'adopt', 'adopted', '%s', true, %s, '%s');\n",
			ctx->tgt.qhistory, (long long)ctx->src->migs[i].pub.version, name ? name : "''", sum, osu ? osu : "''", PGM_VERSION_STRING);
		free(name);
		n++;
	}
	pgm_buf_puts(&b, "COMMIT");
	free(osu);
	if (b.failed) {
		pgm_buf_free(&b);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	if (n > 0) {
		PGresult *res = ctx->pq->exec(ctx->tgt.conn, b.ptr);
		if (!res || ctx->pq->resultStatus(res) != PGRES_COMMAND_OK) {
			rc = pgm_fail_result(ctx, res, "could not record the adopted migrations");
			if (res)
				ctx->pq->clear(res);
			ctx->pq->clear(ctx->pq->exec(ctx->tgt.conn, "ROLLBACK"));
			pgm_buf_free(&b);
			return rc;
		}
		ctx->pq->clear(res);
		{
			pgm_event ev;
			char *msg = pgm_aprintf("adopted %zu migration%s applied before pgmigrate kept a history (up to version %lld): "
				"their checksums are taken from today's files, and %s now records every change",
				n, n == 1 ? "" : "s", (long long)cur, ctx->tgt.qhistory);
			memset(&ev, 0, sizeof ev);
			ev.type = PGM_EV_INFO;
			ev.message = msg;
			ev.version_after = cur;
			pgm_emit(ctx, &ev);
			free(msg);
		}
		/* read it back, so this run sees what it recorded */
		{
			int64_t v;
			int d;
			rc = pgm_db_read_state(ctx, 0, NULL, &v, &d);
			pgm_buf_free(&b);
			return rc;
		}
	}
	pgm_buf_free(&b);
	return 0;
}

/* load the files, take the lock, read (and create) the tracking tables;
 * sums: the applied files' checksums will be needed (hashed meanwhile) */
static int prepare(pgm_ctx *ctx, int sums, int64_t *cur, int *dirty)
{
	int rc;
	ctx->tgt.steps_done = 0;
	if (!ctx->src->loaded && (rc = pgm_load(ctx)) != 0)
		return rc;
	if (sums && (rc = pgm__prehash_start(ctx)) != 0)
		return rc;
	if (ctx->cfg.dry_run) {
		/* everything a dry run does, creating the tracking tables included,
		 * happens in one transaction that run_plan rolls back */
		PGresult *res;
		if ((rc = pgm_db_connect(ctx)) != 0)
			return rc;
		res = ctx->pq->exec(ctx->tgt.conn, "BEGIN");
		if (!res || ctx->pq->resultStatus(res) != PGRES_COMMAND_OK) {
			rc = pgm_fail_result(ctx, res, "could not begin the dry run");
			if (res)
				ctx->pq->clear(res);
			return rc;
		}
		ctx->pq->clear(res);
	}
	if ((rc = pgm_db_lock(ctx)) != 0)
		return rc;
	if ((rc = pgm_db_read_state(ctx, 1, NULL, cur, dirty)) != 0)
		return rc;
	pgm__prehash_limit(ctx, *cur);
	ctx->tgt.cur_version = *cur;
	ctx->tgt.cur_dirty = *dirty;
	if (!*dirty && (rc = adopt(ctx, *cur)) != 0)
		return rc;
	return 0;
}

/*
 * "Never modify existing migrations": an applied migration whose file no
 * longer has the checksum recorded when it was applied stops `up`.
 */
static int check_modified(pgm_ctx *ctx, int64_t cur)
{
	size_t i, bad = 0;
	pgm_buf list = PGM_BUF_INIT;
	int rc = 0;
	for (i = 0; i < ctx->src->nmigs && ctx->src->migs[i].pub.version <= cur; i++) {
		const pgm_hist *h = pgm_db_hist(ctx, ctx->src->migs[i].pub.version);
		char sum[65];
		if (!hist_applied(h) || !h->checksum[0])
			continue;
		if ((rc = file_checksum(ctx, &ctx->src->migs[i], sum)) != 0) {
			pgm_buf_free(&list);
			return rc;
		}
		if (strcmp(sum, h->checksum) != 0) {
			if (bad++ < 5)
				pgm_buf_printf(&list, "%s%s (%s %s)", list.len ? ", " : "", ctx->src->migs[i].up_display,
					strcmp(h->outcome, "adopted") == 0 ? "adopted" : "applied", pgm__hist_at(h));
		}
	}
	if (bad > 0) {
		if (ctx->cfg.allow_modified) {
			pgm_warn(ctx, NULL, "%zu applied migration%s changed since %s applied (allowed by --allow-modified): %s",
				bad, bad == 1 ? "" : "s", bad == 1 ? "it was" : "they were", list.ptr);
		} else {
			rc = pgm_fail(ctx, PGM_EINTEGRITY, "%zu applied migration%s changed since %s applied", bad,
				bad == 1 ? "" : "s", bad == 1 ? "it was" : "they were");
			pgm_set_detail(ctx, "%s%s; the database has what the old version did", list.ptr ? list.ptr : "",
				bad > 5 ? ", ..." : "");
			pgm_set_hint(ctx, "never modify an applied migration: restore the file (git checkout) and put the change in a new "
				"migration (`pgmigrate new NAME`); if the edit changes nothing in effect (a comment), rerun with --allow-modified");
		}
	}
	pgm_buf_free(&list);
	return rc;
}

/* versions older than the tracked one that were never applied (merged from
 * another branch): golang-migrate skips them silently forever */
static size_t count_out_of_order(const pgm_ctx *ctx, int64_t cur, pgm_buf *list)
{
	size_t i, n = 0;
	if (!ctx->tgt.history_exists || ctx->tgt.history_created)
		return 0;
	for (i = 0; i < ctx->src->nmigs && ctx->src->migs[i].pub.version < cur; i++) {
		if (!hist_applied(pgm_db_hist(ctx, ctx->src->migs[i].pub.version))) {
			if (list && n < 5)
				pgm_buf_printf(list, "%s%s", list->len ? ", " : "", ctx->src->migs[i].up_display);
			n++;
		}
	}
	return n;
}

static void free_step_body(step *s)
{
	free(s->body);
	s->body = NULL;
	pgm_lex_free(&s->lex);
}

static int load_step(pgm_ctx *ctx, step *s)
{
	const char *path = s->dir == PGM_UP ? s->m->up_path : s->m->down_path;
	int rc;
	s->display = s->dir == PGM_UP ? s->m->up_display : s->m->down_display;
	s->path = path;
	{
		/* a large file is streamed, unless its header asks for no transaction */
		char errbuf[256], head[65536];
		void *fh = pgm_os_fopen_read(path, errbuf, sizeof errbuf);
		int64_t size = fh ? pgm_os_fsize(fh) : -1;
		if (fh && size > (int64_t)STREAM_THRESHOLD) {
			long got = pgm_os_fread(fh, head, sizeof head);
			pgm_lex_result hl;
			pgm_os_fclose(fh);
			if (got > 0 && pgm_lex(&hl, head, (size_t)got) == 0) {
				int notx = hl.no_transaction;
				pgm_lex_free(&hl);
				if (!notx) {
					s->stream = 1;
					s->len = (size_t)size;
					if (s->checked)  /* read through by check_plan_files already */
						return 0;
					/* read to its end before any of it is sent: a NUL byte or a byte
					 * that is not UTF-8 late in the file refuses it now, not after
					 * the statements before it ran (run_stream checks again as it
					 * sends, for a file changed in between) */
					if ((rc = pgm__check_file(ctx, path, s->display)) != 0)
						ctx->err.version = s->m->pub.version;
					return rc;
				}
			}
		} else if (fh) {
			pgm_os_fclose(fh);
		}
	}
	if ((rc = pgm_read_body(ctx, path, s->display, &s->body, &s->len)) != 0) {
		ctx->err.version = s->m->pub.version;
		return rc;
	}
	pgm_checksum(s->body, s->len, s->checksum);
	if (pgm_lex(&s->lex, s->body, s->len) != 0)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	s->m->pub.no_transaction = s->lex.no_transaction;
	return 0;
}

/* attach file, line, column and source line of byte offset `off` of the body */
static void locate(pgm_ctx *ctx, const step *s, size_t off, int statement)
{
	pgm_error_place(ctx, s->display, s->m->pub.version, s->body, s->len, off, 1, &s->lex, statement);
	/* a dropped BEGIN is still a statement of the file (the COMMIT is its last) */
	if (s->tx.mode == PGM_TX_WRAPPED && ctx->err.statement > (int)s->tx.begin)
		ctx->err.statement++;
}

/* advice for the errors people meet most (the seed's "common issues") */
static void add_hint(pgm_ctx *ctx)
{
	const char *st = ctx->err.sqlstate;
	char *target;
	if (ctx->err.hint)
		return;
	if (strcmp(st, "42P07") == 0) {
		pgm_set_hint(ctx, "the object already exists: use IF NOT EXISTS, or it was created outside migrations "
			"(check with \\d in psql, then drop it or record it with `pgmigrate force`)");
	} else if (strcmp(st, "42710") == 0) {
		/* types, constraints, triggers, policies, roles: most have no IF NOT EXISTS */
		pgm_set_hint(ctx, "the object already exists: use IF NOT EXISTS where the statement has it (CREATE TYPE, "
			"ADD CONSTRAINT and CREATE POLICY have not: DROP ... IF EXISTS first, or test the catalog in a DO block), "
			"or it was created outside migrations (check in psql, then drop it or record it with `pgmigrate force`)");
	} else if (strcmp(st, "42P01") == 0 || strcmp(st, "42883") == 0 || strcmp(st, "3F000") == 0) {
		target = pgm_ctx_target_masked(ctx, NULL);
		pgm_set_hint(ctx, "an earlier migration may not be applied here (run `pgmigrate status`), "
			"or DATABASE_URL points at the wrong database (target: %s)", target ? target : "?");
		free(target);
	} else if (strcmp(st, "25001") == 0 || strcmp(st, "25P01") == 0) {
		pgm_set_hint(ctx, "this statement cannot run inside a transaction: put `-- pgmigrate:no-transaction` "
			"at the top of the file to run it statement by statement");
	}
}

/* the event of step s; `durable` (for PGM_EV_STEP_DONE): its commit was
 * synchronous (pgm_event.durable) */
static void emit_event(pgm_ctx *ctx, pgm_event_type type, const step *s, double ms, int index, int total, int durable)
{
	pgm_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.migration = &s->m->pub;
	ev.direction = s->dir;
	ev.duration_ms = ms;
	ev.index = index;
	ev.total = total;
	ev.file = s->display;
	ev.version_after = s->after;
	ev.durable = durable && !ctx->cfg.dry_run;
	pgm_emit(ctx, &ev);
}

static void emit_step(pgm_ctx *ctx, pgm_event_type type, const step *s, double ms, int index, int total)
{
	emit_event(ctx, type, s, ms, index, total, 0);
}

/* a step is done; `durable`: its commit was synchronous */
static void emit_done(pgm_ctx *ctx, const step *s, double ms, int index, int total, int durable)
{
	emit_event(ctx, PGM_EV_STEP_DONE, s, ms, index, total, durable);
}

/* an INSERT into the history table for step s (outcome applied/reverted/failed);
 * `timed`: started_at and duration from the transaction's pgmigrate.started */
static void append_history(pgm_ctx *ctx, pgm_buf *b, const step *s, const char *outcome, int timed,
	int failed_statement, const char *error)
{
	char *name = pgm_db_literal(ctx, s->m->name);
	char *osu = pgm_db_literal(ctx, pgm__os_user(ctx));
	char *err = error ? pgm_db_literal(ctx, error) : NULL;
	if (!name || !osu || (error && !err)) {
		b->failed = 1;
	} else {
		pgm_buf_printf(b, "INSERT INTO %s (version, name, direction, outcome, checksum, started_at, duration_ms, "
			"os_user, pgmigrate_version, failed_statement, error) VALUES (%lld, %s, '%s', '%s', '%s', ",
			ctx->tgt.qhistory, (long long)s->m->pub.version, name, s->dir == PGM_UP ? "up" : "down", outcome, s->checksum);
		if (timed)
			pgm_buf_puts(b, "pg_catalog.current_setting('pgmigrate.started')::timestamptz, "
				"pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - pg_catalog.current_setting('pgmigrate.started')::timestamptz) * 1000, ");
		else
			pgm_buf_puts(b, "pg_catalog.clock_timestamp(), NULL, ");
		pgm_buf_printf(b, "%s, '%s', ", osu, PGM_VERSION_STRING);
		if (failed_statement > 0)
			pgm_buf_printf(b, "%d, ", failed_statement);
		else
			pgm_buf_puts(b, "NULL, ");
		pgm_buf_printf(b, "%s);\n", err ? err : "NULL");
	}
	free(name);
	free(osu);
	free(err);
}

static void append_tracking(pgm_ctx *ctx, pgm_buf *b, int64_t after)
{
	if (after >= 0)
		pgm_buf_printf(b, "DELETE FROM %s; INSERT INTO %s (version, dirty) VALUES (%lld, false);\n",
			ctx->tgt.qtable, ctx->tgt.qtable, (long long)after);
	else
		pgm_buf_printf(b, "DELETE FROM %s;\n", ctx->tgt.qtable);
}

/* the bookkeeping of a step, in its own transaction: tracking row and history */
static void append_bookkeeping(pgm_ctx *ctx, pgm_buf *b, const step *s)
{
	append_tracking(ctx, b, s->after);
	append_history(ctx, b, s, s->dir == PGM_UP ? "applied" : "reverted", 1, 0, NULL);
}

/* record a failed step after its rollback; being a write, its synchronous
 * commit also flushes the asynchronous commits before it */
static int log_failure(pgm_ctx *ctx, const step *s)
{
	pgm_buf b = PGM_BUF_INIT;
	const char *msg = ctx->err.message;
	int committed = 0;
	if (!ctx->tgt.conn || ctx->pq->status(ctx->tgt.conn) != CONNECTION_OK || !ctx->tgt.qhistory)
		return 0;
	pgm_buf_printf(&b, "BEGIN; %s\n", pgm__sync_local(ctx));
	append_history(ctx, &b, s, "failed", 0, ctx->err.statement, msg ? msg : "failed");
	pgm_buf_puts(&b, "COMMIT");
	if (!b.failed) {
		PGresult *res = ctx->pq->exec(ctx->tgt.conn, b.ptr);
		committed = res && ctx->pq->resultStatus(res) == PGRES_COMMAND_OK;
		if (res)
			ctx->pq->clear(res);
	}
	pgm_buf_free(&b);
	return committed;
}

/* make every asynchronous commit so far durable: a synchronous commit of a
 * transaction with an xid flushes the WAL up to it */
static int flush_wal(pgm_ctx *ctx)
{
	char *sql;
	PGresult *res;
	int ok;
	if (!ctx->tgt.conn || ctx->pq->status(ctx->tgt.conn) != CONNECTION_OK)
		return 0;
	sql = pgm_aprintf("BEGIN; %sSELECT pg_catalog.txid_current(); COMMIT", pgm__sync_local(ctx));
	res = sql ? ctx->pq->exec(ctx->tgt.conn, sql) : NULL;
	free(sql);
	ok = res && ctx->pq->resultStatus(res) == PGRES_COMMAND_OK;
	if (res)
		ctx->pq->clear(res);
	if (!ok && ctx->pq->transactionStatus(ctx->tgt.conn) != PQTRANS_IDLE)
		ctx->pq->clear(ctx->pq->exec(ctx->tgt.conn, "ROLLBACK"));
	return ok;
}

/* the batch failed after steps[0..done-1] were reported applied with
 * asynchronous commits, and nothing could flush them (the connection is
 * gone): say which may be lost if the server stopped without writing them */
static void note_unflushed(pgm_ctx *ctx, const step *steps, size_t done)
{
	char *prev = ctx->err.detail;
	char *what = done == 1
		? pgm_aprintf("%s was reported %s", steps[0].display, steps[0].dir == PGM_UP ? "applied" : "reverted")
		: pgm_aprintf("the %zu migrations %s to %s were reported %s", done, steps[0].display,
			steps[done - 1].display, steps[0].dir == PGM_UP ? "applied" : "reverted");
	if (!what)
		return;
	ctx->err.detail = pgm_aprintf("%s%s%s, committed asynchronously (a batch's last commit makes them durable); "
		"if the server stopped or crashed before writing them, %s lost",
		prev ? prev : "", prev ? "; " : "", what, done == 1 ? "it may be" : "they may be");
	free(prev);
	free(what);
	if (!ctx->err.hint)
		pgm_set_hint(ctx, "once the server is back, `pgmigrate status` shows what is applied; `pgmigrate up` applies the rest");
}

static int run_batch(pgm_ctx *ctx, step *steps, size_t k, int base, int total)
{
	int dry = ctx->cfg.dry_run;
	const pgm_pq_api *pq = ctx->pq;
	pgm_buf b = PGM_BUF_INIT;
	size_t *body_off = calloc(k, sizeof *body_off);
	char mark[48];
	size_t i, done = 0;
	int markers = 0, since = 0, rc = 0, failed = 0, skip = 0;
	int flush = !dry && ctx->tgt.plpgsql && !ctx->cfg.results_at_batch_end;
	double t_prev = 0, wall = pgm_os_now_ms();
	PGresult *res;
	long errpos = 0;

	if (!body_off)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	snprintf(mark, sizeof mark, "pgm_mark_%lx", (unsigned long)(wall * 1000.0) ^ (unsigned long)(size_t)steps);
	pgm_buf_puts(&b, pgm__db_session_sql(ctx));
	for (i = 0; i < k; i++) {
		/* a dry run rehearses inside the run's one transaction, a savepoint per migration */
		pgm_buf_puts(&b, dry ? "SAVEPOINT pgm_step;\n" : "BEGIN;\n");
		/* One statement before the body: the marker (its row arriving says the
		 * migration before has committed; its clock times them), the start time
		 * the history records, and the transaction's settings: asynchronous commit
		 * for all but the last migration, whose synchronous commit (set after its
		 * body, see below) flushes the WAL of every one before it; lock-safe DDL
		 * gives up on a lock after --ddl-lock-timeout instead of queueing every
		 * other session behind us. */
		pgm_buf_printf(&b, "SELECT pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) AS \"%s\", "
			"pg_catalog.set_config('pgmigrate.started', pg_catalog.clock_timestamp()::text, true)", mark);
		if (!dry && i + 1 < k)
			pgm_buf_puts(&b, ", pg_catalog.set_config('synchronous_commit', 'off', true)");
		if (ctx->cfg.ddl_lock_ms > 0)
			pgm_buf_printf(&b, ", pg_catalog.set_config('lock_timeout', '%dms', true)", ctx->cfg.ddl_lock_ms);
		pgm_buf_puts(&b, ";\n");
		/* The server sends its results when the message ends or its 8 kB buffer
		 * fills, but a notice at once: one here hands over the marker above, so
		 * "applied" lines and the progress bar move while a long batch runs,
		 * not all at its end (about 10 us a migration: 3% of a batch of
		 * one-line migrations, so left out when the output goes to a file) */
		if (flush && i > 0)
			pgm_buf_puts(&b, PROGRESS_SQL);
		body_off[i] = b.len;
		pgm_buf_put(&b, steps[i].body, steps[i].len);
		/* a newline ends a trailing line comment; the ';' a last statement without one */
		pgm_buf_puts(&b, "\n;\n");
		/* after the body: whatever it set (`SET synchronous_commit = off`), the
		 * last commit is synchronous, and so, WAL being ordered, all before it */
		if (!dry && i + 1 == k)
			pgm_buf_puts(&b, pgm__sync_local(ctx));
		append_bookkeeping(ctx, &b, &steps[i]);
		pgm_buf_puts(&b, dry ? "RELEASE SAVEPOINT pgm_step;\n" : "COMMIT;\n");
	}
	/* the last marker: the last migration has committed */
	pgm_buf_printf(&b, "SELECT pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) AS \"%s\";\n", mark);
	if (b.failed) {
		pgm_buf_free(&b);
		free(body_off);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory building the batch");
	}
	if (!pq->sendQuery(ctx->tgt.conn, b.ptr)) {
		rc = pgm_fail_result(ctx, NULL, "could not send the migrations");
		failed = 1;
	} else {
		emit_step(ctx, PGM_EV_STEP_START, &steps[0], 0, base + 1, total);
	}
	while (!failed || pq->status(ctx->tgt.conn) == CONNECTION_OK) {
		ExecStatusType st;
		if (!(res = pq->getResult(ctx->tgt.conn)))
			break;
		st = pq->resultStatus(res);
		if (st == PGRES_TUPLES_OK && pq->nfields(res) >= 1 && strcmp(pq->fname(res, 0), mark) == 0) {
			double t = strtod(pq->getvalue(res, 0, 0), NULL) * 1000.0;
			if (markers > 0 && done < k) {
				steps[done].m->pub.no_transaction = 0;
				if (!steps[done].out_of_order)
					ctx->tgt.cur_version = steps[done].after;
				ctx->tgt.steps_done++;
				/* the batch's last commit is the synchronous one */
				emit_done(ctx, &steps[done], t - t_prev, base + (int)done + 1, total, done + 1 == k);
				done++;
			}
			t_prev = t;
			markers++;
			since = 0;
			/* marker m comes before step m - 1 (from 0), and so does the progress
			 * notice, for every marker but the first and the last */
			skip = 0;
			if (markers > 1 && (size_t)markers <= k) {
				emit_step(ctx, PGM_EV_STEP_START, &steps[markers - 1], 0, base + markers, total);
				skip = flush;
			}
		} else if (skip && st == PGRES_COMMAND_OK) {
			skip = 0;
		} else if (st == PGRES_FATAL_ERROR) {
			/* keep the first error: what follows it is only its consequence (after a
			 * FATAL such as 57P01, libpq adds "server closed the connection unexpectedly") */
			if (!failed) {
				const char *p = pq->resultErrorField(res, PG_DIAG_STATEMENT_POSITION);
				/* before the first marker (the session setting) or in the progress
				 * notice: not a statement of the file */
				if (skip || markers == 0)
					since = -1;
				rc = pgm_fail_result(ctx, res, "the migration failed");
				errpos = p ? atol(p) : 0;
			}
			failed = 1;
		} else if (st == PGRES_COPY_IN) {
			pq->putCopyEnd(ctx->tgt.conn, "COPY FROM STDIN is not supported in migration files");
		} else if (st == PGRES_COPY_OUT) {
			char *row;
			while (pq->getCopyData(ctx->tgt.conn, &row, 0) > 0)
				pq->freemem(row);
		} else if (st != PGRES_EMPTY_QUERY) {
			since++;
		}
		pq->clear(res);
	}
	if (failed && markers == 0 && errpos > 0 && k > 1 && rc == PGM_ESQL && !dry &&
	    pq->transactionStatus(ctx->tgt.conn) == PQTRANS_IDLE) {
		/* a syntax error: the server parses the whole message before running any
		 * of it, so nothing ran. Run the migrations before the bad one, then the
		 * bad one alone, which fails with its own error and position. */
		size_t off = pgm_char_to_byte(b.ptr, b.len, errpos), f = 0;
		while (f + 1 < k && body_off[f + 1] <= off)
			f++;
		pgm_buf_free(&b);
		free(body_off);
		if (f > 0 && (rc = run_batch(ctx, steps, f, base, total)) != 0)
			return rc;
		return run_batch(ctx, steps + f, 1, base + (int)f, total);
	}
	if (failed && done < k) {
		step *s = &steps[done];
		if (errpos > 0) {
			size_t off = pgm_char_to_byte(b.ptr, b.len, errpos);
			size_t rel = off > body_off[done] ? off - body_off[done] : 0;
			locate(ctx, s, rel, 0);
		} else {
			/* no position (a run-time error): the results that came back tell which statement failed */
			/* since the step's marker, the results of its body's statements */
			int nth = since;
			if (nth >= 0 && (size_t)nth < s->lex.count)
				locate(ctx, s, s->lex.stmts[nth].start, nth + 1);
			else if (nth >= 0)
				locate(ctx, s, s->len, 0);
			else {
				free(ctx->err.file);
				ctx->err.file = pgm_strdup(s->display);
				ctx->err.version = s->m->pub.version;
			}
		}
		if (rc == PGM_ECONNECT) {
			pgm_set_detail(ctx, "the connection was lost while %s ran; the server rolled that migration back%s%s",
				s->display, ctx->err.detail ? ": " : "", ctx->err.detail ? ctx->err.detail : "");
			pgm_set_hint(ctx, "check the server, then run `pgmigrate status` and `pgmigrate up` again");
		}
		add_hint(ctx);
		emit_step(ctx, PGM_EV_STEP_FAILED, s, pgm_os_now_ms() - wall, base + (int)done + 1, total);
	}
	if (failed && !dry) {
		/* the failure's record is a synchronous commit: it flushes the
		 * asynchronous commits of the migrations before it (else a no-op one) */
		int flushed = 0;
		if (ctx->tgt.conn && pq->status(ctx->tgt.conn) == CONNECTION_OK) {
			if (pq->transactionStatus(ctx->tgt.conn) != PQTRANS_IDLE)
				pq->clear(pq->exec(ctx->tgt.conn, "ROLLBACK"));
			if (done < k)
				flushed = log_failure(ctx, &steps[done]);
			if (!flushed && done > 0)
				flushed = flush_wal(ctx);
		}
		if (!flushed && done > 0)
			note_unflushed(ctx, steps, done);
	}
	if (failed && rc == 0)
		rc = PGM_ERROR;
	if (!failed && done < k)
		rc = pgm_fail(ctx, PGM_ERROR, "the server did not run every migration of the batch");
	pgm_buf_free(&b);
	free(body_off);
	return rc;
}

/*
 * The dirty protocol's prologue, shared by run_notx and run_golang: mark the
 * version dirty, then set the lock timeout on the session (checked: a lock
 * wait without the limit asked for is not lock-safe).
 */
static int dirty_begin(pgm_ctx *ctx, int64_t dirty_version)
{
	const pgm_pq_api *pq = ctx->pq;
	int rc;

	if ((rc = pgm_db_set_version(ctx, dirty_version, 1, NULL)) != 0)
		return rc;
	if (ctx->cfg.ddl_lock_ms > 0) {
		char set[64];
		PGresult *res;
		snprintf(set, sizeof set, "SET lock_timeout = '%dms'", ctx->cfg.ddl_lock_ms);
		res = pq->exec(ctx->tgt.conn, set);
		if (!res || pq->resultStatus(res) != PGRES_COMMAND_OK) {
			rc = pgm_fail_result(ctx, res, "could not set lock_timeout");
			if (res)
				pq->clear(res);
			return rc;
		}
		pq->clear(res);
	}
	ctx->tgt.cur_version = dirty_version;
	ctx->tgt.cur_dirty = 1;
	return 0;
}

/* The dirty protocol's epilogue: reset the lock timeout, mark the step's
 * version clean with its history row, report the step done */
static int dirty_end(pgm_ctx *ctx, step *s, double t0, int index, int total)
{
	const pgm_pq_api *pq = ctx->pq;
	pgm_buf h = PGM_BUF_INIT;
	int rc;

	if (ctx->cfg.ddl_lock_ms > 0)
		pq->clear(pq->exec(ctx->tgt.conn, "RESET lock_timeout"));
	append_history(ctx, &h, s, s->dir == PGM_UP ? "applied" : "reverted", 0, 0, NULL);
	rc = h.failed ? pgm_fail(ctx, PGM_ENOMEM, "out of memory")
	              : pgm_db_set_version(ctx, s->after, 0, h.ptr);
	pgm_buf_free(&h);
	if (rc != 0)
		return rc;
	ctx->tgt.cur_version = s->after;
	ctx->tgt.cur_dirty = 0;
	ctx->tgt.steps_done++;
	/* pgm_db_set_version's commit is synchronous */
	emit_done(ctx, s, pgm_os_now_ms() - t0, index, total, 1);
	return 0;
}

/* golang-migrate's protocol for a migration that cannot run in a transaction:
 * mark dirty, run each statement on its own, mark clean */
static int run_notx(pgm_ctx *ctx, step *s, int index, int total)
{
	const pgm_pq_api *pq = ctx->pq;
	double t0 = pgm_os_now_ms();
	int64_t dirty_version = s->dir == PGM_UP ? s->m->pub.version : s->after;
	size_t i;
	int rc;

	emit_step(ctx, PGM_EV_STEP_START, s, 0, index, total);
	if ((rc = dirty_begin(ctx, dirty_version)) != 0)
		return rc;
	for (i = 0; i < s->lex.count; i++) {
		const pgm_stmt *st = &s->lex.stmts[i];
		char *sql = pgm_strndup(s->body + st->start, st->end - st->start);
		PGresult *res;
		ExecStatusType es;
		if (!sql)
			return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
		if (ctx->interrupted) {
			free(sql);
			rc = pgm_fail(ctx, PGM_ECANCELED, "interrupted before statement %zu of %s", i + 1, s->display);
			locate(ctx, s, st->start, (int)i + 1);
			goto dirty;
		}
		res = pq->exec(ctx->tgt.conn, sql);
		es = res ? pq->resultStatus(res) : PGRES_FATAL_ERROR;
		if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK && es != PGRES_EMPTY_QUERY) {
			const char *p = res ? pq->resultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
			size_t off = st->start;
			rc = pgm_fail_result(ctx, res, "the statement failed");
			if (p)
				off = st->start + pgm_char_to_byte(sql, strlen(sql), atol(p));
			locate(ctx, s, off, (int)i + 1);
			add_hint(ctx);
			if (res)
				pq->clear(res);
			free(sql);
			goto dirty;
		}
		pq->clear(res);
		free(sql);
	}
	return dirty_end(ctx, s, t0, index, total);

dirty:
	{
		int stmt = ctx->err.statement;
		char *prev = ctx->err.hint, kept[64];
		/* the version to record once the step is undone by hand, and once it is finished by hand */
		long mi = find_version(ctx, s->m->pub.version);
		long long undone = s->dir == PGM_UP ? (mi > 0 ? (long long)ctx->src->migs[mi - 1].pub.version : -1LL)
		                                    : (long long)s->m->pub.version;
		ctx->err.hint = NULL;
		if (stmt > 2)
			snprintf(kept, sizeof kept, "statements 1 to %d stayed applied", stmt - 1);
		else
			snprintf(kept, sizeof kept, "%s", stmt == 2 ? "statement 1 stayed applied" : "no statement of it ran");
		pgm_set_hint(ctx, "%s%s%s runs outside a transaction: it stopped at statement %d, %s, and the database is marked dirty "
			"at version %lld. Fix the file, then either undo what ran by hand and `pgmigrate force %lld`, "
			"or finish the rest by hand and `pgmigrate force %lld`; then run again",
			prev ? prev : "", prev ? "; " : "", s->display, stmt, kept, (long long)dirty_version,
			undone, (long long)s->after);
		free(prev);
	}
	log_failure(ctx, s);
	emit_step(ctx, PGM_EV_STEP_FAILED, s, pgm_os_now_ms() - t0, index, total);
	return rc;
}

/*
 * A migration that manages its own transactions (check_txctl: PGM_TX_SELF),
 * run as golang-migrate runs it: marked dirty, the whole file sent as one
 * simple query (what PQexec sends), marked clean. The results come back one
 * per statement, so a failure is placed by the server's position or, for
 * errors without one, by the number of statements that finished before it.
 */
static int run_golang(pgm_ctx *ctx, step *s, int index, int total)
{
	const pgm_pq_api *pq = ctx->pq;
	double t0 = pgm_os_now_ms();
	int64_t dirty_version = s->dir == PGM_UP ? s->m->pub.version : s->after;
	size_t done = 0, committed;
	long errpos = 0;
	int rc = 0, failed = 0;
	PGresult *res;

	emit_step(ctx, PGM_EV_STEP_START, s, 0, index, total);
	pgm_warn(ctx, s->display, "%s manages its own transactions (%s): it runs as golang-migrate runs it, as one query "
		"outside pgmigrate's transaction, and a failure leaves the database dirty; split it into migrations without "
		"BEGIN/COMMIT", s->display, s->tx.why);
	if ((rc = dirty_begin(ctx, dirty_version)) != 0)
		return rc;
	if (!pq->sendQuery(ctx->tgt.conn, s->body)) {
		rc = pgm_fail_result(ctx, NULL, "could not send the migration");
		failed = 1;
	}
	while (!failed || pq->status(ctx->tgt.conn) == CONNECTION_OK) {
		ExecStatusType st;
		if (!(res = pq->getResult(ctx->tgt.conn)))
			break;
		st = pq->resultStatus(res);
		if (st == PGRES_FATAL_ERROR) {
			if (!failed) {
				const char *p = pq->resultErrorField(res, PG_DIAG_STATEMENT_POSITION);
				rc = pgm_fail_result(ctx, res, "the migration failed");
				errpos = p ? atol(p) : 0;
			}
			failed = 1;
		} else if (st == PGRES_COPY_IN) {
			pq->putCopyEnd(ctx->tgt.conn, "COPY FROM STDIN is not supported in migration files");
		} else if (st == PGRES_COPY_OUT) {
			char *row;
			while (pq->getCopyData(ctx->tgt.conn, &row, 0) > 0)
				pq->freemem(row);
		} else if (st != PGRES_EMPTY_QUERY && !failed) {
			done++;
		}
		pq->clear(res);
	}
	if (!failed && pq->transactionStatus(ctx->tgt.conn) != PQTRANS_IDLE) {
		/* check_txctl refuses what it sees ends inside a transaction; this is what it cannot see */
		rc = pgm_fail(ctx, PGM_ESQL, "the migration left a transaction open");
		failed = 1;
		done = s->lex.count;
	}
	if (failed) {
		if (errpos > 0)
			locate(ctx, s, pgm_char_to_byte(s->body, s->len, errpos), 0);
		else if (done < s->lex.count)
			locate(ctx, s, s->lex.stmts[done].start, (int)done + 1);
		else
			locate(ctx, s, s->len, 0);
		if (ctx->tgt.conn && pq->status(ctx->tgt.conn) == CONNECTION_OK && pq->transactionStatus(ctx->tgt.conn) != PQTRANS_IDLE)
			pq->clear(pq->exec(ctx->tgt.conn, "ROLLBACK"));
		goto dirty;
	}
	return dirty_end(ctx, s, t0, index, total);

dirty:
	add_hint(ctx);
	{
		int stmt = ctx->err.statement;
		char *prev = ctx->err.hint, kept[96];
		long mi = find_version(ctx, s->m->pub.version);
		long long undone = s->dir == PGM_UP ? (mi > 0 ? (long long)ctx->src->migs[mi - 1].pub.version : -1LL)
		                                    : (long long)s->m->pub.version;
		/* as one query, what a COMMIT among the statements that finished ended
		 * stays; the rest rolled back (none finished after a syntax error: the
		 * server parses the whole query before it runs any of it) */
		committed = pgm_lex_last_commit(&s->lex, s->body, done);
		if (committed > 0)
			snprintf(kept, sizeof kept, "statements 1 to %zu stayed committed", committed);
		else
			snprintf(kept, sizeof kept, "nothing of it was committed");
		ctx->err.hint = NULL;
		pgm_set_hint(ctx, "%s%s%s manages its own transactions and ran as one query: it stopped at statement %d, %s, "
			"and the database is marked dirty at version %lld, as golang-migrate leaves it. Fix the file, then either undo "
			"what stayed by hand and `pgmigrate force %lld`, or finish the rest by hand and `pgmigrate force %lld`; then run again",
			prev ? prev : "", prev ? "; " : "", s->display, stmt, kept, (long long)dirty_version, undone, (long long)s->after);
		free(prev);
	}
	log_failure(ctx, s);
	emit_step(ctx, PGM_EV_STEP_FAILED, s, pgm_os_now_ms() - t0, index, total);
	return rc;
}

/*
 * A file with its own transaction control (not marked no-transaction).
 * golang-migrate sends a file as one query, so the server runs it: one
 * plain BEGIN ... COMMIT around the whole file makes it one transaction
 * (statements before the BEGIN join it: a BEGIN turns the query's implicit
 * transaction into an explicit one), which is what pgmigrate's transaction
 * gives, with the bookkeeping in it: the pair is dropped. Any other use
 * (several blocks, statements after the COMMIT, ROLLBACK, BEGIN with
 * modes, COMMIT AND CHAIN) runs as golang-migrate runs it (run_golang). A
 * file that leaves a transaction open is refused: golang-migrate fails to
 * record its version and the work is lost with the connection.
 */
static int check_txctl(pgm_ctx *ctx, step *s)
{
	const pgm_stmt *st;
	int rc;
	pgm_lex_txplan(&s->tx, &s->lex, s->body);
	if (s->tx.mode == PGM_TX_WRAPPED) {
		pgm_lex_unwrap(s->body, &s->lex, &s->tx);
		return 0;
	}
	if (s->tx.mode == PGM_TX_SELF) {
		s->golang = 1;
		return 0;
	}
	st = &s->lex.stmts[s->tx.first];
	rc = pgm_fail(ctx, PGM_ESOURCE, "the migration leaves a transaction open");
	locate(ctx, s, st->start, (int)s->tx.first + 1);
	pgm_set_detail(ctx, "statement %zu (line %d) starts %s: run as one query (as golang-migrate runs it) the file "
		"ends inside that transaction, golang-migrate cannot record the version, and the work is lost with the connection",
		s->tx.first + 1, ctx->err.line, s->tx.why);
	pgm_set_hint(ctx, "end the transaction with COMMIT; at the end of the file (or drop the BEGIN/COMMIT lines: "
		"pgmigrate runs each migration in one transaction anyway)");
	return rc;
}

static int check_body(pgm_ctx *ctx, step *s)
{
	if (s->lex.error && strcmp(s->lex.error_message, "psql meta-commands are not SQL") == 0) {
		int rc = pgm_fail(ctx, PGM_ESOURCE, "%s", "psql meta-commands are not SQL");
		locate(ctx, s, s->lex.error_offset, 0);
		pgm_set_detail(ctx, "pgmigrate sends the file to the server as it is; backslash commands such as \\i or \\set only work in psql");
		pgm_set_hint(ctx, "write the SQL itself instead of the psql command");
		return rc;
	}
	if (!s->lex.no_transaction && s->lex.has_txctl) {
		int rc = check_txctl(ctx, s);
		if (rc != 0 || s->golang)
			return rc;
	}
	if (!s->lex.no_transaction && s->lex.notx_count > 0) {
		size_t i, notx = 0, first = s->lex.count, first_tx = s->lex.count;
		for (i = 0; i < s->lex.count; i++) {
			const pgm_stmt *st = &s->lex.stmts[i];
			/* ADD VALUE needs its own transaction only before PostgreSQL 12; with
			 * no server (validate --offline) pgm_validate warns instead */
			if (st->notx && (!st->notx_before_12 || (ctx->tgt.server_version > 0 && ctx->tgt.server_version < 120000))) {
				notx++;
				if (first == s->lex.count)
					first = i;
			} else if (first_tx == s->lex.count) {
				first_tx = i;
			}
		}
		if (notx > 0 && notx == s->lex.count) {
			/* nothing in it can run in a transaction: run it statement by statement;
			 * but not when its author wrapped it in one: then the server says it
			 * cannot, as it does for golang-migrate */
			if (s->tx.mode != PGM_TX_WRAPPED) {
				s->lex.no_transaction = 1;
				s->auto_notx = s->lex.stmts[first].notx;
			}
		} else if (notx > 0) {
			int rc = pgm_fail(ctx, PGM_ESOURCE, "the migration mixes statements that need a transaction with %s, which cannot run inside one",
				s->lex.stmts[first].notx);
			int tl, tc;
			pgm_text_position(s->body, s->len, s->lex.stmts[first_tx].start, &tl, &tc);
			locate(ctx, s, s->lex.stmts[first].start, (int)first + 1);
			pgm_set_detail(ctx, "statement %zu (line %d) is %s; statement %zu (line %d) and others are ordinary DDL/DML. "
				"Run in one transaction, %s fails; run statement by statement, a failure would leave the others half applied",
				first + 1, ctx->err.line, s->lex.stmts[first].notx, first_tx + 1, tl, s->lex.stmts[first].notx);
			pgm_set_hint(ctx, "split the file: put the %s part in a migration of its own (pgmigrate runs such a file "
				"outside a transaction by itself), or add `-- pgmigrate:no-transaction` at the top to run every statement on its own",
				s->lex.stmts[first].notx);
			return rc;
		}
	}
	return 0;
}

static int count_lines(const char *p, size_t n)
{
	int lines = 0;
	size_t i;
	for (i = 0; i < n; i++)
		if (p[i] == '\n' || (p[i] == '\r' && (i + 1 >= n || p[i + 1] != '\n')))
			lines++;
	return lines;
}

/* fill the error's place for an offset in a streamed piece whose first line is line_base */
static void locate_piece(pgm_ctx *ctx, const step *s, const char *piece, size_t len, size_t off, int line_base, int statement)
{
	pgm_error_place(ctx, s->display, s->m->pub.version, piece, len, off, line_base, NULL, statement);
}

/* just after the last LF of text[from, to), or `keep` when it has none */
static size_t after_last_lf(const char *text, size_t from, size_t to, size_t keep)
{
	while (to > from && text[to - 1] != '\n')
		to--;
	return to > from ? to : keep;
}

/*
 * What a streamed file's unsent tail holds before its next statement when
 * nothing can be sent yet: comments and blank lines, dropped so that a huge
 * comment is not held (and refused) as if it were a statement. Whole lines
 * go (the columns of what stays are right); of a line comment still open at
 * the tail's end only its "--" stays (the rest of its line is comment too).
 */
void pgm__stream_drop_comments(pgm_buf *tail, int *line_base)
{
	size_t pos = 0, limit = tail->len, from = 0, gap = 0;
	int open_comment = 0;
	pgm_token t;

	/* up to the first token that is no whole comment; the cut is at a line's
	 * start in the blanks between tokens (a block comment may span lines) */
	while (pgm_token_next(&t, tail->ptr, tail->len, &pos)) {
		from = after_last_lf(tail->ptr, gap, t.start, from);
		if (t.type == PGM_TOK_LINE_COMMENT && t.start + t.len == tail->len) {
			open_comment = 1;
			limit = t.start;
			break;
		}
		if (t.type != PGM_TOK_LINE_COMMENT && (t.type != PGM_TOK_BLOCK_COMMENT || t.error)) {
			limit = t.start;
			break;
		}
		gap = t.start + t.len;
	}
	if (limit == tail->len)
		from = after_last_lf(tail->ptr, gap, tail->len, from);
	*line_base += count_lines(tail->ptr, from);
	if (open_comment) {
		/* keep "--", and a CR at the end (its LF may come next) */
		size_t end = tail->len - (tail->ptr[tail->len - 1] == '\r' && tail->len > limit + 2);
		if (end > limit + 2) {
			*line_base += count_lines(tail->ptr + limit + 2, end - limit - 2);
			memmove(tail->ptr + limit + 2, tail->ptr + end, tail->len - end);
			tail->len -= end - limit - 2;
		}
	}
	if (from > 0) {
		memmove(tail->ptr, tail->ptr + from, tail->len - from);
		tail->len -= from;
	}
	tail->ptr[tail->len] = '\0';
}

/*
 * A large migration in its one transaction, read and sent in pieces of
 * whole statements (psql's way), so memory stays bounded whatever the file
 * size; its checksum is computed on the way and recorded at the end.
 */
static int run_stream(pgm_ctx *ctx, step *s, int index, int total)
{
	const pgm_pq_api *pq = ctx->pq;
	char errbuf[256];
	void *fh = pgm_os_fopen_read(s->path, errbuf, sizeof errbuf);
	pgm_buf b = PGM_BUF_INIT, tail = PGM_BUF_INIT;
	pgm_sha256 sha;
	double t0 = pgm_os_now_ms();
	int rc = 0, cr = 0, first = 1, eof = 0, line_base = 1, stmt_base = 0;
	int wrap = 0; /* its own BEGIN ... COMMIT: 1 after the BEGIN, 2 after the COMMIT */
	char *chunk = malloc(STREAM_CHUNK);
	PGresult *res;

	if (!fh || !chunk) {
		free(chunk);
		pgm_os_fclose(fh);
		if (!fh) {
			pgm_fail(ctx, PGM_EIO, "could not read \"%s\"", s->display);
			pgm_set_detail(ctx, "%s", errbuf);
			return PGM_EIO;
		}
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	emit_step(ctx, PGM_EV_STEP_START, s, 0, index, total);
	pgm_sha256_init(&sha);
	pgm_buf_puts(&b, pgm__db_session_sql(ctx));
	pgm_buf_puts(&b, ctx->cfg.dry_run ? "SAVEPOINT pgm_step;" : "BEGIN;");
	if (ctx->cfg.ddl_lock_ms > 0)
		pgm_buf_printf(&b, " SET LOCAL lock_timeout = '%dms';", ctx->cfg.ddl_lock_ms);
	pgm_buf_puts(&b, " SELECT pg_catalog.set_config('pgmigrate.started', pg_catalog.clock_timestamp()::text, true)");
	res = pq->exec(ctx->tgt.conn, b.ptr);
	pgm_buf_reset(&b);
	if (!res || pq->resultStatus(res) != PGRES_TUPLES_OK) {
		rc = pgm_fail_result(ctx, res, "could not begin the migration");
		if (res)
			pq->clear(res);
		goto out;
	}
	pq->clear(res);

	while (!eof) {
		long got = pgm_os_fread(fh, chunk, STREAM_CHUNK);
		const char *p = chunk;
		size_t n;
		pgm_lex_result lx;
		size_t cut = 0, i;
		if (got < 0) {
			rc = pgm_fail(ctx, PGM_EIO, "could not read \"%s\"", s->display);
			goto out;
		}
		eof = got == 0;
		n = (size_t)got;
		if (first && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
			p += 3;
			n -= 3;
		}
		first = 0;
		pgm_checksum_feed(&sha, &cr, p, n);
		pgm_buf_put(&tail, p, n);
		if (tail.failed) {
			rc = pgm_fail(ctx, PGM_ENOMEM, "out of memory streaming \"%s\"", s->display);
			goto out;
		}
		if (n > 0 && memchr(p, '\0', n)) {
			/* load_step found none: the file changed since. The piece sent would end
			 * at the NUL; the transaction is rolled back instead. */
			size_t at = tail.len - n + (size_t)((const char *)memchr(p, '\0', n) - p);
			rc = pgm_fail(ctx, PGM_ESOURCE, "the file has a NUL byte");
			locate_piece(ctx, s, tail.ptr, tail.len, at, line_base, 0);
			pgm_set_detail(ctx, "%s changed while it was applied and now has a NUL byte, where the SQL sent to the server "
				"would end; the migration was rolled back", s->display);
			pgm_set_hint(ctx, "remove the NUL bytes (grep -naP '\\x00' FILE finds them), then run again");
			goto out;
		}
		if (tail.len == 0)
			continue;
		if (pgm_lex(&lx, tail.ptr, tail.len) != 0) {
			rc = pgm_fail(ctx, PGM_ENOMEM, "out of memory");
			goto out;
		}
		/* send every complete statement; keep the unfinished last one */
		for (i = 0; i < lx.count; i++) {
			const pgm_stmt *st = &lx.stmts[i];
			/* not one the text's end closed: a ';' inside a BEGIN ATOMIC body or
			 * a rule's (a; b) that the next piece continues */
			int complete = st->end > st->start && tail.ptr[st->end - 1] == ';' && !st->open &&
			               !(lx.error && lx.error_offset >= st->start && lx.error_offset < st->end);
			if (!complete && !eof)
				break;
			if (st->is_txctl) {
				/* one plain BEGIN ... COMMIT around the file, as check_txctl drops it:
				 * the COMMIT only as the last statement, known once the end is read */
				int k = pgm_lex_plain_txctl(tail.ptr, st);
				if (k == 2 && wrap == 1 && !eof && i + 1 == lx.count)
					break;
				if ((k == 1 && wrap == 0) || (k == 2 && wrap == 1 && eof && i + 1 == lx.count)) {
					size_t j;
					for (j = st->start; j < st->end; j++)
						if (tail.ptr[j] != '\n' && tail.ptr[j] != '\r')
							tail.ptr[j] = ' ';
					wrap++;
					cut = st->end;
					continue;
				}
			}
			if (st->is_txctl || (lx.error && strcmp(lx.error_message, "psql meta-commands are not SQL") == 0 &&
			                     lx.error_offset < st->end)) {
				rc = pgm_fail(ctx, PGM_ESOURCE, st->is_txctl ? "the migration controls its own transaction"
				                                             : "psql meta-commands are not SQL");
				locate_piece(ctx, s, tail.ptr, tail.len, st->is_txctl ? st->start : lx.error_offset, line_base,
					stmt_base + (int)i + 1);
				pgm_lex_free(&lx);
				goto out;
			}
			cut = st->end;
		}
		if (eof && cut < tail.len)
			cut = tail.len; /* trailing comments and blanks */
		if (cut == 0 && !eof)
			pgm__stream_drop_comments(&tail, &line_base);
		if (cut == 0 && tail.len > STREAM_MAX_STATEMENT) {
			pgm_lex_free(&lx);
			rc = pgm_fail(ctx, PGM_ESOURCE, "a statement of %s is larger than %u MiB", s->display, STREAM_MAX_STATEMENT >> 20);
			locate_piece(ctx, s, tail.ptr, tail.len, 0, line_base, stmt_base + 1);
			pgm_set_hint(ctx, "split it into several statements (e.g. INSERTs of a few thousand rows each)");
			goto out;
		}
		if (cut > 0) {
			char saved = tail.ptr[cut];
			int nstmts = 0;
			for (i = 0; i < lx.count && lx.stmts[i].end <= cut; i++)
				nstmts++;
			tail.ptr[cut] = '\0';
			res = pq->exec(ctx->tgt.conn, tail.ptr);
			tail.ptr[cut] = saved;
			if (!res || (pq->resultStatus(res) != PGRES_COMMAND_OK && pq->resultStatus(res) != PGRES_TUPLES_OK &&
			             pq->resultStatus(res) != PGRES_EMPTY_QUERY)) {
				const char *pos = res ? pq->resultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
				size_t off = pos ? pgm_char_to_byte(tail.ptr, cut, atol(pos)) : 0;
				int nth = 0;
				rc = pgm_fail_result(ctx, res, "the migration failed");
				if (res)
					pq->clear(res);
				for (i = 0; i < lx.count && lx.stmts[i].end <= off; i++)
					nth++;
				locate_piece(ctx, s, tail.ptr, cut, pos ? off : (lx.count ? lx.stmts[0].start : 0), line_base,
					stmt_base + nth + 1);
				pgm_lex_free(&lx);
				goto out;
			}
			pq->clear(res);
			line_base += count_lines(tail.ptr, cut);
			stmt_base += nstmts;
			memmove(tail.ptr, tail.ptr + cut, tail.len - cut);
			tail.len -= cut;
			tail.ptr[tail.len] = '\0';
		}
		pgm_lex_free(&lx);
		if (ctx->interrupted) {
			rc = pgm_fail(ctx, PGM_ECANCELED, "interrupted");
			goto out;
		}
	}
	if (wrap == 1) {
		rc = pgm_fail(ctx, PGM_ESOURCE, "the migration leaves a transaction open");
		pgm_set_hint(ctx, "end the transaction with COMMIT; at the end of the file");
		free(ctx->err.file);
		ctx->err.file = pgm_strdup(s->display);
		ctx->err.version = s->m->pub.version;
		goto out;
	}
	pgm_checksum_end(&sha, &cr, s->checksum);
	/* its COMMIT is durable when it returns, whatever the server's default or
	 * the file (or a migration before it) set */
	if (!ctx->cfg.dry_run)
		pgm_buf_puts(&b, pgm__sync_local(ctx));
	append_bookkeeping(ctx, &b, s);
	pgm_buf_puts(&b, ctx->cfg.dry_run ? "RELEASE SAVEPOINT pgm_step" : "COMMIT");
	if (b.failed) {
		rc = pgm_fail(ctx, PGM_ENOMEM, "out of memory");
		goto out;
	}
	res = pq->exec(ctx->tgt.conn, b.ptr);
	if (!res || pq->resultStatus(res) != PGRES_COMMAND_OK) {
		rc = pgm_fail_result(ctx, res, "could not record the migration");
		if (res)
			pq->clear(res);
		goto out;
	}
	pq->clear(res);
	if (!s->out_of_order)
		ctx->tgt.cur_version = s->after;
	ctx->tgt.steps_done++;
	emit_done(ctx, s, pgm_os_now_ms() - t0, index, total, 1);

out:
	if (rc != 0) {
		if (ctx->tgt.conn && pq->status(ctx->tgt.conn) == CONNECTION_OK && !ctx->cfg.dry_run) {
			if (pq->transactionStatus(ctx->tgt.conn) != PQTRANS_IDLE)
				pq->clear(pq->exec(ctx->tgt.conn, "ROLLBACK"));
			log_failure(ctx, s); /* checksum unknown: the file was not read to its end */
		}
		add_hint(ctx);
		emit_step(ctx, PGM_EV_STEP_FAILED, s, pgm_os_now_ms() - t0, index, total);
	}
	pgm_os_fclose(fh);
	free(chunk);
	pgm_buf_free(&b);
	pgm_buf_free(&tail);
	return rc;
}

/* before the first step is sent: every file of the plan is text (UTF-8, no
 * NUL byte) and a regular file. A batch holds up to BATCH_MAX_STEPS files, so
 * a bad file checked only as its batch is loaded would stop the run after the
 * batches before it committed. Each file is read through, not kept: the page
 * cache makes the read as its batch is loaded cheap. */
static int check_plan_files(pgm_ctx *ctx, step *steps, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		step *s = &steps[i];
		int rc;
		s->display = s->dir == PGM_UP ? s->m->up_display : s->m->down_display;
		s->path = s->dir == PGM_UP ? s->m->up_path : s->m->down_path;
		if ((rc = pgm__check_file(ctx, s->path, s->display)) != 0) {
			ctx->err.version = s->m->pub.version;
			if (rc != PGM_ECANCELED && n > 1)
				pgm_set_detail(ctx, "%s%severy file of the run is checked before the first is sent: nothing was run",
					ctx->err.detail ? ctx->err.detail : "", ctx->err.detail ? "; " : "");
			emit_step(ctx, PGM_EV_STEP_FAILED, s, 0, (int)i + 1, (int)n);
			return rc;
		}
		s->checked = 1;
	}
	return 0;
}

static int run_steps(pgm_ctx *ctx, step *steps, size_t n)
{
	pgm_event ev;
	size_t i = 0;
	int rc = 0, attempts = 0;

	memset(&ev, 0, sizeof ev);
	ev.type = PGM_EV_PLAN;
	ev.total = (int)n;
	ev.version_after = ctx->tgt.cur_version;
	pgm_emit(ctx, &ev);
	if ((rc = check_plan_files(ctx, steps, n)) != 0)
		return rc;
	pgm__watch_start(ctx);

	while (i < n && rc == 0) {
		size_t k = 0, bytes = 0;
		if (ctx->interrupted) {
			rc = pgm_fail(ctx, PGM_ECANCELED, "interrupted");
			break;
		}
		/* gather a batch of transactional steps (one at a time in a dry run,
		 * which runs inside one transaction: each failure is then its own) */
		while (i + k < n && k < (ctx->cfg.dry_run ? 1u : BATCH_MAX_STEPS)) {
			step *s = &steps[i + k];
			if ((rc = load_step(ctx, s)) != 0 || (!s->stream && (rc = check_body(ctx, s)) != 0)) {
				emit_step(ctx, PGM_EV_STEP_FAILED, s, 0, (int)(i + k) + 1, (int)n);
				break;
			}
			if (!s->stream && s->lex.count == 0)
				pgm_warn(ctx, s->display, "%s has no SQL statement: it runs as an empty migration (as golang-migrate "
					"runs it) and only records the version", s->display);
			if (s->stream) {
				if (k > 0)
					free_step_body(s);
				break;
			}
			if (s->lex.no_transaction || s->lex.error || s->golang) {
				/* runs on its own: as the only step of a batch if it has a lexer problem
				 * (an unterminated string must not swallow other migrations), or notx */
				if (k == 0 && !s->lex.no_transaction && !s->golang)
					k = 1;
				else if (k > 0)
					free_step_body(s);
				break;
			}
			if (k > 0 && bytes + s->len > BATCH_MAX_BYTES) {
				free_step_body(s);
				break;
			}
			bytes += s->len;
			k++;
		}
		if (rc != 0) {
			size_t j;
			for (j = 0; j <= k && i + j < n; j++)
				free_step_body(&steps[i + j]);
			break;
		}
		if (k > 0) {
			size_t j;
			int before = ctx->tgt.steps_done;
			rc = run_batch(ctx, steps + i, k, (int)i, (int)n);
			for (j = 0; j < k; j++)
				free_step_body(&steps[i + j]);
			if (rc == PGM_ESQL && strcmp(ctx->err.sqlstate, "55P03") == 0 && attempts < ctx->cfg.retries && !ctx->cfg.dry_run) {
				/* lock_timeout: the migration was rolled back; the ones before it
				 * stay committed. Back off and go on from the one that failed. */
				int delay = 500 << attempts;
				size_t failed_at = i + (size_t)(ctx->tgt.steps_done - before);
				attempts++;
				if (delay > 10000)
					delay = 10000;
				pgm_warn(ctx, steps[failed_at].display, "%s could not get a lock within %gs (%s): rolled back, retry %d of %d in %.1fs",
					steps[failed_at].display, ctx->cfg.ddl_lock_timeout, ctx->err.message ? ctx->err.message : "lock timeout",
					attempts, ctx->cfg.retries, delay / 1000.0);
				pgm_os_sleep_ms(delay);
				i = failed_at;
				rc = 0;
				continue;
			}
			i += k;
		} else if (steps[i].stream) {
			rc = run_stream(ctx, &steps[i], (int)i + 1, (int)n);
			free_step_body(&steps[i]);
			i++;
		} else if (ctx->cfg.dry_run) {
			pgm_warn(ctx, steps[i].display, "%s runs outside a transaction: not rehearsed by --dry-run", steps[i].display);
			emit_step(ctx, PGM_EV_STEP_SKIPPED, &steps[i], 0, (int)i + 1, (int)n);
			free_step_body(&steps[i]);
			i++;
		} else if (steps[i].golang) {
			rc = run_golang(ctx, &steps[i], (int)i + 1, (int)n);
			free_step_body(&steps[i]);
			i++;
		} else {
			rc = run_notx(ctx, &steps[i], (int)i + 1, (int)n);
			free_step_body(&steps[i]);
			i++;
		}
	}
	pgm__watch_stop(ctx, rc);
	return rc;
}

static int run_plan(pgm_ctx *ctx, step *steps, size_t n)
{
	int rc = n ? run_steps(ctx, steps, n) : 0;
	free(steps);
	if (ctx->cfg.dry_run && ctx->tgt.conn) {
		pgm_event ev;
		ctx->pq->clear(ctx->pq->exec(ctx->tgt.conn, "ROLLBACK"));
		memset(&ev, 0, sizeof ev);
		ev.type = PGM_EV_INFO;
		ev.message = "dry run: everything was rolled back; the database is unchanged";
		ev.version_after = ctx->tgt.cur_version;
		pgm_emit(ctx, &ev);
	}
	return rc;
}

/* steps for going up from `cur` through version `to` (inclusive), at most limit */
static int plan_up(pgm_ctx *ctx, int64_t cur, int64_t to, int limit, step **out, size_t *out_n)
{
	size_t i, n = 0;
	step *steps = calloc(ctx->src->nmigs ? ctx->src->nmigs : 1, sizeof *steps);
	if (!steps)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	/* out-of-order versions first (only planned when --allow-out-of-order let
	 * them through): the tracking row stays at the current version */
	if (ctx->cfg.allow_out_of_order && count_out_of_order(ctx, cur, NULL) > 0) {
		for (i = 0; i < ctx->src->nmigs && ctx->src->migs[i].pub.version < cur; i++) {
			if (hist_applied(pgm_db_hist(ctx, ctx->src->migs[i].pub.version)) || ctx->src->migs[i].pub.version > to)
				continue;
			if (limit > 0 && n >= (size_t)limit)
				break;
			steps[n].m = &ctx->src->migs[i];
			steps[n].dir = PGM_UP;
			steps[n].after = cur;
			steps[n].out_of_order = 1;
			n++;
		}
	}
	for (i = 0; i < ctx->src->nmigs; i++) {
		pgm_mig *m = &ctx->src->migs[i];
		if (m->pub.version <= cur || m->pub.version > to)
			continue;
		if (limit > 0 && n >= (size_t)limit)
			break;
		steps[n].m = m;
		steps[n].dir = PGM_UP;
		steps[n].after = m->pub.version;
		n++;
	}
	*out = steps;
	*out_n = n;
	return 0;
}

/* steps for going down from `cur`: `count` steps, or down to (excluding) version `to` */
static int plan_down(pgm_ctx *ctx, int64_t cur, int count, int64_t to, step **out, size_t *out_n)
{
	long ci = find_version(ctx, cur), j;
	size_t n = 0;
	step *steps = NULL;

	*out = NULL;
	*out_n = 0;
	if (ci < 0)
		return 0;
	steps = calloc((size_t)ci + 1, sizeof *steps);
	if (!steps)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	for (j = ci; j >= 0; j--) {
		pgm_mig *m = &ctx->src->migs[j];
		if (count >= 0 && n >= (size_t)count)
			break;
		if (count < 0 && m->pub.version <= to)
			break;
		/* an out-of-order version that never ran has nothing to undo */
		if (j < ci && ctx->tgt.history_exists && !ctx->tgt.history_created && !hist_applied(pgm_db_hist(ctx, m->pub.version)))
			continue;
		if (!m->down_path) {
			free(steps);
			pgm_fail(ctx, PGM_ENODOWN, "%s has no down migration", m->up_display);
			ctx->err.version = m->pub.version;
			/* the up file's name with .down.sql: keeps the version as written (000002) */
			pgm_set_detail(ctx, "going down from version %lld needs %.*s.down.sql; nothing was run",
				(long long)cur, (int)(strlen(m->up_display) - strlen(".up.sql")), m->up_display);
			if (m->pub.version == cur)  /* `goto` the current version would do nothing */
				pgm_set_hint(ctx, "write the down migration (pgmigrate never marks a version as reverted without undoing it)");
			else
				pgm_set_hint(ctx, "write the down migration (pgmigrate never marks a version as reverted without undoing it), "
					"or stop above it with `pgmigrate goto %lld`", (long long)m->pub.version);
			return PGM_ENODOWN;
		}
		steps[n].m = m;
		steps[n].dir = PGM_DOWN;
		steps[n].after = -1;
		{
			long p;
			for (p = j - 1; p >= 0; p--)
				if (!ctx->tgt.history_exists || ctx->tgt.history_created || hist_applied(pgm_db_hist(ctx, ctx->src->migs[p].pub.version))) {
					steps[n].after = ctx->src->migs[p].pub.version;
					break;
				}
		}
		n++;
	}
	*out = steps;
	*out_n = n;
	return 0;
}

/* before going up: no applied file changed, no forgotten older file */
static int check_up_integrity(pgm_ctx *ctx, int64_t cur)
{
	pgm_buf list = PGM_BUF_INIT;
	size_t n;
	int rc;
	if ((rc = check_modified(ctx, cur)) != 0)
		return rc;
	n = count_out_of_order(ctx, cur, &list);
	if (n > 0 && !ctx->cfg.allow_out_of_order) {
		rc = pgm_fail(ctx, PGM_EINTEGRITY, "%zu migration%s older than the current version %lld %s never applied",
			n, n == 1 ? "" : "s", (long long)cur, n == 1 ? "was" : "were");
		pgm_set_detail(ctx, "%s%s (merged from another branch after newer migrations ran here?); "
			"golang-migrate would skip %s silently forever", list.ptr ? list.ptr : "", n > 5 ? ", ..." : "",
			n == 1 ? "it" : "them");
		pgm_set_hint(ctx, "check that %s does not depend on what came after, then run `pgmigrate up --allow-out-of-order` "
			"to apply %s; or renumber %s above version %lld", n == 1 ? "it" : "they", n == 1 ? "it" : "them",
			n == 1 ? "it" : "them", (long long)cur);
	}
	pgm_buf_free(&list);
	return rc;
}

static int check_state(pgm_ctx *ctx, int64_t cur, int dirty)
{
	if (dirty)
		return dirty_refusal(ctx, cur);
	if (cur >= 0 && find_version(ctx, cur) < 0)
		return nofile_refusal(ctx, cur);
	return 0;
}

int pgm_up(pgm_ctx *ctx, int limit)
{
	int64_t cur;
	int dirty, rc;
	step *steps = NULL;
	size_t n = 0;
	if ((rc = prepare(ctx, 1, &cur, &dirty)) != 0 || (rc = check_state(ctx, cur, dirty)) != 0 ||
	    (rc = check_up_integrity(ctx, cur)) != 0)
		return rc;
	if ((rc = plan_up(ctx, cur, INT64_MAX, limit, &steps, &n)) != 0)
		return rc;
	return run_plan(ctx, steps, n);
}

int pgm_down(pgm_ctx *ctx, int count)
{
	int64_t cur;
	int dirty, rc;
	step *steps = NULL;
	size_t n = 0;
	if ((rc = prepare(ctx, 0, &cur, &dirty)) != 0 || (rc = check_state(ctx, cur, dirty)) != 0)
		return rc;
	if ((rc = plan_down(ctx, cur, count < 0 ? -1 : count, -1, &steps, &n)) != 0)
		return rc;
	return run_plan(ctx, steps, n);
}

int pgm_goto(pgm_ctx *ctx, int64_t version)
{
	int64_t cur;
	int dirty, rc;
	step *steps = NULL;
	size_t n = 0;
	if (!ctx->src->loaded && (rc = pgm_load(ctx)) != 0)
		return rc;
	if (find_version(ctx, version) < 0) {
		rc = pgm_fail(ctx, PGM_ENOTFOUND, "no migration has version %lld", (long long)version);
		ctx->err.version = version;
		pgm_set_hint(ctx, "`pgmigrate status` lists the versions in \"%s\"", ctx->cfg.path);
		return rc;
	}
	if ((rc = prepare(ctx, 1, &cur, &dirty)) != 0 || (rc = check_state(ctx, cur, dirty)) != 0)
		return rc;
	if (version >= cur && (rc = check_up_integrity(ctx, cur)) != 0)
		return rc;
	if (version >= cur)
		rc = plan_up(ctx, cur, version, 0, &steps, &n);
	else
		rc = plan_down(ctx, cur, -1, version, &steps, &n);
	if (rc != 0)
		return rc;
	return run_plan(ctx, steps, n);
}

int pgm_force(pgm_ctx *ctx, int64_t version)
{
	int64_t cur;
	int dirty, rc;
	if (version < -1)
		return pgm_fail(ctx, PGM_EUSAGE, "invalid version %lld: use -1 (nothing applied) or a migration version", (long long)version);
	ctx->tgt.steps_done = 0;
	if (!ctx->src->loaded && (rc = pgm_load(ctx)) != 0)
		return rc;
	if (version >= 0 && find_version(ctx, version) < 0)
		pgm_warn(ctx, NULL, "no migration file has version %lld; recording it anyway", (long long)version);
	if ((rc = pgm_db_lock(ctx)) != 0 || (rc = pgm_db_read_state(ctx, 1, NULL, &cur, &dirty)) != 0)
		return rc;
	if (!dirty && (rc = adopt(ctx, cur)) != 0)
		return rc;
	{
		/* golang-migrate's model is linear: after `force V` everything up to V
		 * counts as applied and nothing above it. The history says the same:
		 * a forced row for each version up to V not applied yet (with the
		 * file's checksum), a reverted one for each applied version above V. */
		pgm_buf x = PGM_BUF_INIT;
		char *osu = pgm_db_literal(ctx, pgm__os_user(ctx));
		size_t i;
		int have_v = 0;
		for (i = 0; i < ctx->src->nmigs && ctx->src->migs[i].pub.version <= version; i++) {
			char sum[65] = "", *name;
			if (hist_applied(pgm_db_hist(ctx, ctx->src->migs[i].pub.version)) && ctx->src->migs[i].pub.version != version)
				continue;
			if (ctx->src->migs[i].pub.version == version)
				have_v = 1;
			if (ctx->src->migs[i].up_path && file_checksum(ctx, &ctx->src->migs[i], sum) != 0)
				sum[0] = '\0';
			name = pgm_db_literal(ctx, ctx->src->migs[i].name);
			pgm_buf_printf(&x, "INSERT INTO %s (version, name, direction, outcome, checksum, os_user, pgmigrate_version) "
				"VALUES (%lld, %s, 'force', 'forced', %s%s%s, %s, '%s');\n", ctx->tgt.qhistory,
				(long long)ctx->src->migs[i].pub.version, name ? name : "''", sum[0] ? "'" : "", sum[0] ? sum : "NULL",
				sum[0] ? "'" : "", osu ? osu : "''", PGM_VERSION_STRING);
			free(name);
		}
		if (version >= 0 && !have_v)
			pgm_buf_printf(&x, "INSERT INTO %s (version, name, direction, outcome, os_user, pgmigrate_version) "
				"VALUES (%lld, '', 'force', 'forced', %s, '%s');\n", ctx->tgt.qhistory, (long long)version,
				osu ? osu : "''", PGM_VERSION_STRING);
		for (i = 0; i < ctx->tgt.nhist; i++) {
			const pgm_hist *h = &ctx->tgt.hist[i];
			char *name;
			if (h->version <= version || !hist_applied(h))
				continue;
			name = pgm_db_literal(ctx, h->name ? h->name : "");
			pgm_buf_printf(&x, "INSERT INTO %s (version, name, direction, outcome, os_user, pgmigrate_version) "
				"VALUES (%lld, %s, 'force', 'reverted', %s, '%s');\n", ctx->tgt.qhistory, (long long)h->version,
				name ? name : "''", osu ? osu : "''", PGM_VERSION_STRING);
			free(name);
		}
		free(osu);
		if (x.failed) {
			pgm_buf_free(&x);
			return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
		}
		rc = pgm_db_set_version(ctx, version, 0, x.ptr);
		pgm_buf_free(&x);
		if (rc != 0)
			return rc;
	}
	ctx->tgt.cur_version = version;
	ctx->tgt.cur_dirty = 0;
	return 0;
}

int pgm_version(pgm_ctx *ctx, int64_t *out_version, int *out_dirty)
{
	int rc = pgm_db_read_state(ctx, 0, NULL, out_version, out_dirty);
	if (rc == 0) {
		ctx->tgt.cur_version = *out_version;
		ctx->tgt.cur_dirty = *out_dirty;
	}
	return rc;
}

static int cmp_row(const void *a, const void *b)
{
	const pgm_status_row *x = a, *y = b;
	return x->version < y->version ? -1 : x->version > y->version;
}

int pgm_status_get(pgm_status **out, pgm_ctx *ctx)
{
	pgm_status *st = calloc(1, sizeof *st);
	int rc, exists = 0;
	size_t i, n = 0;

	*out = NULL;
	if (!st)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	if (!ctx->src->loaded && (rc = pgm_load(ctx)) != 0) {
		free(st);
		return rc;
	}
	if ((rc = pgm__prehash_start(ctx)) != 0) {
		free(st);
		return rc;
	}
	if ((rc = pgm_db_read_state(ctx, 0, &exists, &st->version, &st->dirty)) != 0) {
		free(st);
		return rc;
	}
	pgm__prehash_limit(ctx, st->version);
	st->table_exists = exists;
	st->rows = calloc(ctx->src->nmigs + ctx->tgt.nhist + 1, sizeof *st->rows);
	st->target = pgm_ctx_target_masked(ctx, NULL);
	st->table = pgm_strdup(ctx->tgt.qtable ? ctx->tgt.qtable : ctx->cfg.table_name);
	st->server_version = ctx->tgt.server_version;
	if (!st->rows) {
		pgm_status_free(st);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	for (i = 0; i < ctx->src->nmigs; i++) {
		pgm_mig *m = &ctx->src->migs[i];
		const pgm_hist *h = pgm_db_hist(ctx, m->pub.version);
		pgm_status_row *r;
		if (st->version >= 0 && m->pub.version > st->version && (n == 0 || st->rows[n - 1].version < st->version) &&
		    find_version(ctx, st->version) < 0) {
			r = &st->rows[n++];
			r->version = st->version;
			r->state = PGM_ST_MISSING;
		}
		r = &st->rows[n++];
		r->version = m->pub.version;
		r->name = m->name;
		r->up_file = m->up_display;
		r->down_file = m->down_display;
		if (h && hist_applied(h))
			r->applied_at = h->has_at ? pgm__hist_at(h) : NULL;
		if (m->pub.version == st->version && st->dirty) {
			r->state = PGM_ST_DIRTY;
			if (h && strcmp(h->outcome, "failed") == 0)
				r->detail = h->error, r->failed_statement = h->failed_statement;
		} else if (m->pub.version <= st->version) {
			r->state = PGM_ST_APPLIED;
			if (ctx->tgt.history_exists && !hist_applied(h) && m->pub.version < st->version) {
				r->state = PGM_ST_OUT_OF_ORDER;
				r->detail = "never applied, although the database is at a later version (a branch merged late?): "
					"`pgmigrate up` refuses it without --allow-out-of-order";
			} else if (h && hist_applied(h) && h->checksum[0]) {
				char sum[65];
				if (file_checksum(ctx, m, sum) == 0 && strcmp(sum, h->checksum) != 0) {
					r->state = PGM_ST_MODIFIED;
					r->detail = "the file changed after it was applied (its SHA-256 differs from the one recorded): "
						"`pgmigrate validate` says more; put the file back, or write a new migration";
				}
			}
		} else {
			r->state = PGM_ST_PENDING;
		}
	}
	/* applied (per the history) but the file is gone */
	for (i = 0; i < ctx->tgt.nhist; i++) {
		const pgm_hist *h = &ctx->tgt.hist[i];
		size_t j;
		if (!hist_applied(h) || h->version > st->version || h->version < 0 || find_version(ctx, h->version) >= 0)
			continue;
		for (j = 0; j < n; j++)
			if (st->rows[j].version == h->version)
				break;
		if (j < n)
			continue;
		st->rows[n].version = h->version;
		st->rows[n].name = h->name;
		st->rows[n].state = PGM_ST_MISSING;
		st->rows[n].applied_at = h->has_at ? pgm__hist_at(h) : NULL;
		n++;
	}
	if (st->version >= 0 && find_version(ctx, st->version) < 0) {
		size_t j;
		for (j = 0; j < n && st->rows[j].version != st->version; j++)
			;
		if (j == n) {
			st->rows[n].version = st->version;
			st->rows[n].state = PGM_ST_MISSING;
			n++;
		}
	}
	qsort(st->rows, n, sizeof *st->rows, cmp_row);
	st->count = n;
	ctx->tgt.cur_version = st->version;
	ctx->tgt.cur_dirty = st->dirty;
	*out = st;
	return 0;
}

int pgm__status_get_read_all(pgm_status **out, pgm_ctx *ctx)
{
	int rc;
	ctx->src->sumcache_skip = 1;
	rc = pgm_status_get(out, ctx);
	ctx->src->sumcache_skip = 0;
	return rc;
}

void pgm_status_free(pgm_status *st)
{
	if (!st)
		return;
	free(st->rows);
	free(st->target);
	free(st->table);
	free(st);
}

/* ---- validate ---- */

static void add_problem(pgm_validation *v, const char *severity, const char *code, const char *file,
	int line, int column, int64_t version, const char *message, const char *hint)
{
	pgm_problem *n = realloc(v->items, (v->count + 1) * sizeof *n);
	if (!n)
		return;
	v->items = n;
	n += v->count++;
	n->severity = severity;
	n->code = pgm_strdup(code);
	n->file = pgm_strdup(file);
	n->line = line;
	n->column = column;
	n->version = version;
	n->message = pgm_strdup(message);
	n->hint = pgm_strdup(hint);
	if (strcmp(severity, "error") == 0)
		v->errors++;
}

static void add_ctx_problem(pgm_validation *v, pgm_ctx *ctx, const char *code)
{
	const pgm_error *e = &ctx->err;
	char *msg = e->detail ? pgm_aprintf("%s: %s", e->message ? e->message : "error", e->detail) : NULL;
	add_problem(v, "error", code, e->file, e->line, e->column, e->version, msg ? msg : (e->message ? e->message : "error"), e->hint);
	free(msg);
}

typedef struct {
	pgm_validation *v;
	pgm_event_cb prev;
	void *prev_payload;
} capture;

static void capture_warning(const pgm_event *ev, void *payload)
{
	capture *c = payload;
	if (ev->type == PGM_EV_WARNING)
		add_problem(c->v, "error", "invalid_name", ev->file, 0, 0, -1, ev->message,
			"name migrations {version}_{name}.up.sql / .down.sql, or move the file out of the folder");
	else if (c->prev)
		c->prev(ev, c->prev_payload);
}

/* statement index of an ALTER TYPE ... ADD VALUE in a file with other
 * statements, which runs in one transaction only from PostgreSQL 12 on; or
 * the number of statements when there is none */
static size_t pre12_mix(const step *st)
{
	size_t i, first = st->lex.count, others = 0;
	if (st->lex.no_transaction || st->golang)
		return st->lex.count;
	for (i = 0; i < st->lex.count; i++) {
		if (st->lex.stmts[i].notx && st->lex.stmts[i].notx_before_12) {
			if (first == st->lex.count)
				first = i;
		} else {
			others++;
		}
	}
	return others > 0 ? first : st->lex.count;
}

/* what depends on the server version, decided once it is known (0: unknown) */
typedef struct pre12_item {
	char *file;
	int64_t version;
	int line, column;
} pre12_item;

static void pre12_report(pgm_validation *v, pre12_item *items, size_t n, int server_version)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (server_version >= 120000)
			;
		else if (server_version > 0)
			add_problem(v, "error", "invalid_sql", items[i].file, items[i].line, items[i].column, items[i].version,
				"the migration mixes other statements with ALTER TYPE ... ADD VALUE, which cannot run inside a "
				"transaction block before PostgreSQL 12 (this server)",
				"split the file: put the ADD VALUE in a migration of its own (pgmigrate runs such a file outside a "
				"transaction by itself)");
		else
			add_problem(v, "warning", "server_version", items[i].file, items[i].line, items[i].column, items[i].version,
				"ALTER TYPE ... ADD VALUE with other statements runs in one transaction on PostgreSQL 12 and later; "
				"on PostgreSQL 11 and earlier pgmigrate refuses the file",
				"validate against the database (without --offline) to decide by its version; for servers before 12, "
				"put the ADD VALUE in a migration of its own");
		free(items[i].file);
	}
	free(items);
}

int pgm_validate(pgm_validation **out, pgm_ctx *ctx, int with_db)
{
	pgm_validation *v = calloc(1, sizeof *v);
	capture cap;
	size_t i, npre12 = 0;
	pre12_item *pre12 = NULL;
	int rc;

	*out = NULL;
	if (!v)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	cap.v = v;
	cap.prev = ctx->cb;
	cap.prev_payload = ctx->cb_payload;
	ctx->cb = capture_warning;
	ctx->cb_payload = &cap;
	rc = pgm_load(ctx);
	ctx->cb = cap.prev;
	ctx->cb_payload = cap.prev_payload;
	if (rc == PGM_EIO) {
		pgm_validation_free(v);
		return rc;
	}
	if (rc != 0)
		add_ctx_problem(v, ctx, "invalid_files");

	for (i = 0; i < ctx->src->nmigs; i++) {
		pgm_mig *m = &ctx->src->migs[i];
		int d;
		if (!m->down_path)
			add_problem(v, "warning", "no_down", m->up_display, 0, 0, m->pub.version,
				"no down migration: `down` will refuse to go below this version",
				"write the .down.sql that undoes it (and test it: up, down, up)");
		else if (m->names_differ) {
			char *msg = pgm_aprintf("the down file's description is not the up file's (%s): they pair by version, as "
				"in golang-migrate, and the migration is called %s", m->down_display, m->name);
			add_problem(v, "warning", "pair_name", m->up_display, 0, 0, m->pub.version, msg ? msg : "pair names differ",
				"rename the down file to match the up file (a name change does not change the checksum)");
			free(msg);
		}
		for (d = 0; d < 2; d++) {
			step st;
			memset(&st, 0, sizeof st);
			st.m = m;
			st.dir = d == 0 ? PGM_UP : PGM_DOWN;
			if ((d == 0 && !m->up_path) || (d == 1 && !m->down_path))
				continue;
			if (load_step(ctx, &st) != 0) {
				if (!ctx->err.file) {
					ctx->err.file = pgm_strdup(st.display);
					ctx->err.version = m->pub.version;
				}
				/* not text (a NUL byte, not UTF-8), or not readable (a device, a FIFO) */
				add_ctx_problem(v, ctx, ctx->err.code == PGM_ESOURCE ? "invalid_text" : "unreadable");
			} else if (st.stream) {
				/* too large to hold: its statements are checked as it is streamed */
			} else if (st.lex.count == 0) {
				/* golang-migrate runs it (its example folder has comment-only files), and so does `up` */
				add_problem(v, "warning", "empty", st.display, 0, 0, m->pub.version,
					"the file has no SQL statement: it runs as an empty migration and only records the version",
					d == 0 ? "write what the migration does, or say in a comment why it is empty"
					: "an empty down migration reverts nothing: write what undoes the up migration");
			} else if (check_body(ctx, &st) != 0) {
				add_ctx_problem(v, ctx, "invalid_sql");
			} else if (st.golang) {
				int line, col;
				char *msg = pgm_aprintf("the migration manages its own transactions (%s): it runs as golang-migrate "
					"runs it, as one query outside pgmigrate's transaction, and a failure leaves the database dirty", st.tx.why);
				pgm_text_position(st.body, st.len, st.lex.stmts[st.tx.first].start, &line, &col);
				add_problem(v, "warning", "own_transaction", st.display, line, col, m->pub.version,
					msg ? msg : "the migration manages its own transactions",
					"split it into migrations without BEGIN/COMMIT: pgmigrate runs each in one transaction with its bookkeeping");
				free(msg);
			} else if (st.lex.error) {
				int line, col;
				pgm_text_position(st.body, st.len, st.lex.error_offset, &line, &col);
				add_problem(v, "error", "invalid_sql", st.display, line, col, m->pub.version, st.lex.error_message,
					"close the string, identifier or comment");
			}
			if (!st.stream && st.body && !ctx->err.message) {
				size_t k = pre12_mix(&st);
				pre12_item *n = k < st.lex.count ? realloc(pre12, (npre12 + 1) * sizeof *pre12) : NULL;
				if (n) {
					pre12 = n;
					n += npre12++;
					n->file = pgm_strdup(st.display);
					n->version = m->pub.version;
					pgm_text_position(st.body, st.len, st.lex.stmts[k].start, &n->line, &n->column);
				}
			}
			pgm_error_clear(ctx);
			free_step_body(&st);
		}
	}

	if (with_db) {
		int64_t cur;
		int dirty, exists = 0;
		if ((rc = pgm_db_read_state(ctx, 0, &exists, &cur, &dirty)) != 0) {
			add_ctx_problem(v, ctx, rc == PGM_ECONNECT ? "connection" : "database");
		} else {
			pgm_status *st = NULL;
			v->db_checked = 1;
			if (pgm__status_get_read_all(&st, ctx) == 0) {
				for (i = 0; i < st->count; i++) {
					const pgm_status_row *r = &st->rows[i];
					char *msg = NULL;
					switch (r->state) {
					case PGM_ST_MODIFIED:
						msg = pgm_aprintf("applied migration %lld changed since it was applied%s%s", (long long)r->version,
							r->applied_at ? " on " : "", r->applied_at ? r->applied_at : "");
						add_problem(v, "error", "modified", r->up_file, 0, 0, r->version, msg,
							"restore the file and put the change in a new migration");
						break;
					case PGM_ST_OUT_OF_ORDER:
						msg = pgm_aprintf("migration %lld is older than the current version %lld and was never applied",
							(long long)r->version, (long long)st->version);
						add_problem(v, "error", "out_of_order", r->up_file, 0, 0, r->version, msg,
							"apply it with `pgmigrate up --allow-out-of-order`, or renumber it above the current version");
						break;
					case PGM_ST_MISSING:
						msg = pgm_aprintf("version %lld is applied, but no file has it", (long long)r->version);
						add_problem(v, "error", "missing", NULL, 0, 0, r->version, msg,
							"wrong folder (--path) or branch? the file may have been deleted or renamed");
						break;
					case PGM_ST_DIRTY:
						msg = pgm_aprintf("the database is dirty at version %lld%s%s", (long long)r->version,
							r->detail ? ": " : "", r->detail ? r->detail : "");
						add_problem(v, "error", "dirty", r->up_file, 0, 0, r->version, msg,
							"fix the database by hand, then `pgmigrate force V`");
						break;
					default:
						break;
					}
					free(msg);
				}
				pgm_status_free(st);
			} else {
				add_ctx_problem(v, ctx, "database");
			}
		}
	}
	pre12_report(v, pre12, npre12, v->db_checked ? ctx->tgt.server_version : 0);
	pgm_error_clear(ctx);
	*out = v;
	return 0;
}

void pgm_validation_free(pgm_validation *v)
{
	size_t i;
	if (!v)
		return;
	for (i = 0; i < v->count; i++) {
		free(v->items[i].code);
		free(v->items[i].file);
		free(v->items[i].message);
		free(v->items[i].hint);
	}
	free(v->items);
	free(v);
}
