/*
 * The database side of the state: connecting (with the configuration's
 * keywords), golang-migrate's tracking table `schema_migrations`
 * (version bigint primary key, dirty boolean; one row or none) and its
 * advisory lock, polled with pg_try_advisory_lock so that a waiter never
 * holds a transaction open and can say who holds the lock.
 *
 * Our own queries qualify every name (pg_catalog functions, the schema of
 * the tracking table) so the user's search_path cannot redirect them.
 */
#include "internal.h"
#include "os/os.h"

#include <stdlib.h>
#include <string.h>

extern const char *const pgm__pgvars[][2];
const char *pgm__config_lookup(const pgm_ctx *ctx, const char *name, pgm_origin *origin);

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int connect_failed(pgm_ctx *ctx)
{
	const pgm_pq_api *pq = ctx->pq;
	const char *m = pq->errorMessage(ctx->tgt.conn);
	char *target = pgm_ctx_target_masked(ctx, NULL);
	size_t n = strlen(m);
	char *msg;

	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		n--;
	msg = pgm_strndup(m, n);
	if (msg && ctx->cfg.url) {
		/* libpq may quote the connection string, password included */
		char *clean = pgm__scrub_conninfo(msg, ctx->cfg.url);
		free(msg);
		msg = clean;
	}
	pgm_fail(ctx, PGM_ECONNECT, "could not connect to the database");
	pgm_set_detail(ctx, "%s (target: %s)", msg ? msg : "", target ? target : "?");
	if (msg && (strstr(msg, "Connection refused") || strstr(msg, "connection refused") ||
	            strstr(msg, "No such file or directory") || strstr(msg, "could not connect"))) {
		/* a local server on Windows is a service: say which, and in what state */
		const char *h = ctx->pq->host(ctx->tgt.conn);
		int local = !h || !*h || h[0] == '/' || strcmp(h, "localhost") == 0 ||
		            strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0;
		char *svc = local ? pgm__service_advice() : NULL;
		if (svc)
			pgm_set_hint(ctx, "is PostgreSQL running? %s; or `docker compose up -d` if you use Docker; "
				"or check DATABASE_URL in .env", svc);
		else
			pgm_set_hint(ctx, "is PostgreSQL running and accepting connections at that host and port? "
				"Start it (`docker compose up -d` if you use Docker; on Windows, the PostgreSQL service), "
				"or check DATABASE_URL in .env");
		free(svc);
	} else if (msg && strstr(msg, "password authentication failed")) {
		pgm_set_hint(ctx, "check the user and password in DATABASE_URL (or PGUSER/PGPASSWORD)");
	} else if (msg && strstr(msg, "does not exist") && strstr(msg, "database")) {
		pgm_set_hint(ctx, "create the database first (createdb), or check the database name in DATABASE_URL");
	} else if (msg && strstr(msg, "no password supplied")) {
		pgm_set_hint(ctx, "put the password in DATABASE_URL or set PGPASSWORD (in the environment or in .env)");
	}
	free(msg);
	free(target);
	return PGM_ECONNECT;
}

/* libpq knows tcp_user_timeout (12+): an older one refuses the keyword */
static int knows_user_timeout(const pgm_pq_api *pq)
{
	char *err = NULL;
	PQconninfoOption *o = pq->conninfoParse("tcp_user_timeout=1", &err);
	if (err)
		pq->freemem(err);
	if (!o)
		return 0;
	pq->conninfoFree(o);
	return 1;
}

/* the connection keywords: earlier ones are defaults; the URL (dbname,
 * expanded) overrides them, and client_encoding comes last because error
 * positions need UTF-8. Returns the count; keys[n] = vals[n] = NULL.
 * The defaults include TCP keepalives and a user timeout, so that a
 * connection whose peer vanished (a network partition) fails within about
 * 30 s instead of never: idle 10 s, then 3 probes 5 s apart; unsent or
 * unacknowledged data for 30 s (Linux; Windows takes idle and interval).
 * A URL, a conninfo string or a service that sets them wins. */
static int conn_params(pgm_ctx *ctx, const char **keys, const char **vals)
{
	int n = 0, i;
	keys[n] = "connect_timeout"; vals[n++] = "10";
	keys[n] = "fallback_application_name"; vals[n++] = ctx->cfg.application_name;
	keys[n] = "keepalives"; vals[n++] = "1";
	keys[n] = "keepalives_idle"; vals[n++] = "10";
	keys[n] = "keepalives_interval"; vals[n++] = "5";
	keys[n] = "keepalives_count"; vals[n++] = "3";
	if (knows_user_timeout(ctx->pq)) {
		keys[n] = "tcp_user_timeout"; vals[n++] = "30000";
	}
	for (i = 0; pgm__pgvars[i][0] && n < PGM_CONN_PARAMS - 3; i++) {
		const char *v;
		if (strcmp(pgm__pgvars[i][1], "dbname") == 0)
			continue;
		if ((v = pgm__config_lookup(ctx, pgm__pgvars[i][0], NULL)) != NULL) {
			keys[n] = pgm__pgvars[i][1];
			vals[n++] = v;
		}
	}
	keys[n] = "dbname";
	vals[n++] = ctx->cfg.url ? ctx->cfg.url : pgm__config_lookup(ctx, "PGDATABASE", NULL);
	if (!vals[n - 1])
		n--;
	keys[n] = "client_encoding"; vals[n++] = "UTF8";
	keys[n] = NULL; vals[n] = NULL;
	return n;
}

int pgm__db_conn_params(pgm_ctx *ctx, const char **keys, const char **vals)
{
	return conn_params(ctx, keys, vals);
}

int pgm_db_connect(pgm_ctx *ctx)
{
	const char *keys[PGM_CONN_PARAMS + 1], *vals[PGM_CONN_PARAMS + 1];
	int rc;

	if (ctx->tgt.conn)
		return 0;
	/* a password libpq would misread must not reach it (nor the server's log) */
	if ((rc = pgm__conninfo_check(ctx)) != 0)
		return rc;
	if ((rc = pgm__load_libpq(ctx)) != 0)
		return rc;
	conn_params(ctx, keys, vals);
	ctx->tgt.conn = ctx->pq->connectdbParams(keys, vals, 1);
	if (!ctx->tgt.conn)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	if (ctx->pq->status(ctx->tgt.conn) != CONNECTION_OK) {
		rc = connect_failed(ctx);
		ctx->pq->finish(ctx->tgt.conn);
		ctx->tgt.conn = NULL;
		return rc;
	}
	ctx->pq->setNoticeProcessor(ctx->tgt.conn, quiet_notices, NULL);
	ctx->tgt.guc_pending = 1;
	ctx->tgt.cancel = ctx->pq->getCancel(ctx->tgt.conn);
	return 0;
}

void pgm_db_disconnect(pgm_ctx *ctx)
{
	PGcancel *c = ctx->tgt.cancel;
	ctx->tgt.cancel = NULL;
	if (c)
		ctx->pq->freeCancel(c);
	if (ctx->tgt.conn) {
		/* closing the session also releases the advisory lock */
		ctx->pq->finish(ctx->tgt.conn);
		ctx->tgt.conn = NULL;
	}
	ctx->tgt.locked = 0;
	free(ctx->tgt.schema);
	free(ctx->tgt.qtable);
	free(ctx->tgt.qhistory);
	free(ctx->tgt.hist_query);
	ctx->tgt.hist_query = NULL;
	ctx->tgt.prefetched = 0;
	ctx->tgt.guc_pending = 0;
	ctx->tgt.plpgsql = 0;
	free(ctx->tgt.database);
	ctx->tgt.schema = ctx->tgt.qtable = ctx->tgt.qhistory = ctx->tgt.database = NULL;
}

static int ok_result(pgm_ctx *ctx, PGresult *res, ExecStatusType want, const char *what)
{
	if (!res || ctx->pq->resultStatus(res) != want) {
		int rc = pgm_fail_result(ctx, res, what);
		if (res)
			ctx->pq->clear(res);
		return rc;
	}
	return 0;
}

/* quoted "schema"."table" (as libpq quotes it: sqlquote.c) */
static char *quote_qualified(pgm_ctx *ctx, const char *schema, const char *table)
{
	(void)ctx;
	return pgm__sql_qualified(schema, table, NULL);
}

static int parse_state(pgm_ctx *ctx, PGresult *res, int64_t *out_version, int *out_dirty);
static int load_hist(pgm_ctx *ctx, PGresult *res);

/* asks the server to notice a vanished client within a second even while a
 * statement runs (kill -9, lost network), so it rolls the migration back and
 * frees the lock instead of finishing the batch for nobody
 * (client_connection_check_interval, PostgreSQL 14+); to probe the client's
 * TCP connection as the client probes the server's (keepalives, user
 * timeout: a partition ends the session within about 30 s); and to end a
 * session left idle for five minutes (idle_session_timeout, 14+, and in a
 * transaction): pgmigrate waits on the server, not the other way round (a
 * lock waiter polls every 250 ms, migrations follow each other), so that is
 * a session whose client is gone behind a proxy that keeps the connection
 * up, or a client whose output nobody has read for five minutes (a pager
 * left open; a minute would end such runs too often). Ending the session
 * then leaves the database as the last commit left it, and a rerun goes on.
 * Each only where the user has not set it (still 0); one the server refuses
 * (older, or its OS lacks it) is skipped. */
#define SESSION_GUC_SQL "DO $pgm$DECLARE s text[]; BEGIN FOREACH s SLICE 1 IN ARRAY ARRAY[" \
	"['client_connection_check_interval', '1000'], ['tcp_keepalives_idle', '10'], ['tcp_keepalives_interval', '5'], " \
	"['tcp_keepalives_count', '3'], ['tcp_user_timeout', '30000'], ['idle_session_timeout', '300000'], " \
	"['idle_in_transaction_session_timeout', '300000']] LOOP BEGIN " \
	"IF pg_catalog.current_setting(s[1]) = '0' THEN PERFORM pg_catalog.set_config(s[1], s[2], false); END IF; " \
	"EXCEPTION WHEN OTHERS THEN NULL; END; END LOOP; END$pgm$;\n"

/* what makes the transaction's COMMIT durable when it returns, sent after
 * the migration's own statements: a migration may have turned synchronous
 * commit off for the session (`SET synchronous_commit = off`), which would
 * hold for the rest of the run. The session's setting at connect, or
 * `local` where that is off (the local flush; on keeps what the server asks
 * of synchronous standbys). One SET LOCAL: no round trip of its own. */
const char *pgm__sync_local(const pgm_ctx *ctx)
{
	return ctx->tgt.sync_sql[0] ? ctx->tgt.sync_sql : "SET LOCAL synchronous_commit TO local; ";
}

static void set_sync_sql(pgm_ctx *ctx, const char *setting)
{
	static const char *const durable[] = { "on", "remote_apply", "remote_write", "local", NULL };
	const char *v = "local";
	int i;
	for (i = 0; durable[i]; i++)
		if (strcmp(setting, durable[i]) == 0)
			v = durable[i];
	snprintf(ctx->tgt.sync_sql, sizeof ctx->tgt.sync_sql, "SET LOCAL synchronous_commit TO %s; ", v);
}

/* sent with the first message that runs a migration, not at connect: a
 * no-op `up` or `status` runs nothing long, and the DO block costs a
 * fresh backend the loading of PL/pgSQL (a millisecond and a half) */
const char *pgm__db_session_sql(pgm_ctx *ctx)
{
	if (!ctx->tgt.guc_pending)
		return "";
	ctx->tgt.guc_pending = 0;
	/* a DO block needs PL/pgSQL, there unless someone dropped it */
	return ctx->tgt.plpgsql ? SESSION_GUC_SQL : "";
}

/* like pgm_db_exec_multi, but on an error the results before it stay in
 * out[0..*nres-1] (the caller clears them) */
static int exec_multi_keep(pgm_ctx *ctx, const char *sql, PGresult **out, int nout, int *nres)
{
	const pgm_pq_api *pq = ctx->pq;
	PGresult *res;
	int n = 0, rc = 0, i;

	for (i = 0; i < nout; i++)
		out[i] = NULL;
	*nres = 0;
	if (!pq->sendQuery(ctx->tgt.conn, sql))
		return pgm_fail_result(ctx, NULL, "could not send a query");
	/* while the server works: the files' stamps (source.c) */
	pgm__prehash_idle(ctx);
	while ((res = pq->getResult(ctx->tgt.conn)) != NULL) {
		ExecStatusType st = pq->resultStatus(res);
		if (st == PGRES_FATAL_ERROR) {
			if (rc == 0)
				rc = pgm_fail_result(ctx, res, "a query failed");
			pq->clear(res);
		} else if (st == PGRES_TUPLES_OK && n < nout && rc == 0) {
			out[n++] = res;
		} else {
			pq->clear(res);
		}
	}
	*nres = n;
	return rc;
}

static void clear_results(pgm_ctx *ctx, PGresult **res, int n)
{
	int i;
	for (i = 0; i < n; i++)
		if (res[i]) {
			ctx->pq->clear(res[i]);
			res[i] = NULL;
		}
}

static char *hist_query_on(const char *qhistory)
{
	/* every row as it lies, the latest of each version picked here, and the
	 * time as seconds, written here: DISTINCT ON's sort and to_char cost
	 * the server more than the rows' transfer (1.5 ms of a no-op `up` over
	 * 1,000 migrations) */
	return pgm_aprintf("SELECT id, version, name, direction, outcome, checksum, checksum_adopted, failed_statement, "
		"CASE WHEN outcome = 'failed' THEN error END, "
		"CASE WHEN pg_catalog.isfinite(started_at) THEN pg_catalog.floor(pg_catalog.date_part('epoch', started_at))::int8 END "
		"FROM %s", qhistory);
}

/*
 * The first round trip after connecting: where the tracking table lives, the
 * database name, the server version and whether the tables exist; with
 * `lock`, the attempt to take the migration lock (*out_got); and the read of
 * both tables. The lock key and the tables' place depend on the schema the
 * server answers with, so they are guessed (--table's schema, else public;
 * the database libpq connected to) and taken only when the answer agrees:
 * in the usual case a no-op `up` or `status` is one round trip in all, like
 * a single psql query. A missing table fails the read (undefined_table),
 * which here only means there is nothing to read yet. A wrong guess costs a
 * round trip (and one more to give back a lock taken under the wrong key).
 */
static int session_info(pgm_ctx *ctx, int *out_exists, int lock, int *out_got)
{
	const pgm_pq_api *pq = ctx->pq;
	PGresult *res[5] = { NULL, NULL, NULL, NULL, NULL };
	char *lschema, *ltable, *lhist, *sql, *hname, *gq = NULL, *gh = NULL, *ghq = NULL;
	const char *gschema = ctx->cfg.table_schema ? ctx->cfg.table_schema : "public", *gdb;
	uint32_t gkey = 0;
	int rc, nres = 0, reads, got = 0, match, i_lock, i_state;
	pgm_buf b = PGM_BUF_INIT;

	if (out_got)
		*out_got = 0;
	if (ctx->tgt.schema) {
		*out_exists = ctx->tgt.table_exists;
		return 0;
	}
	gdb = pq->db(ctx->tgt.conn);
	reads = gdb != NULL && (!lock || !ctx->cfg.dry_run);
	hname = pgm_aprintf("%s_history", ctx->cfg.table_name);
	lschema = ctx->cfg.table_schema ? pgm_db_literal(ctx, ctx->cfg.table_schema) : pgm_strdup("NULL");
	ltable = pgm_db_literal(ctx, ctx->cfg.table_name);
	lhist = hname ? pgm_db_literal(ctx, hname) : NULL;
	if (reads) {
		gq = quote_qualified(ctx, gschema, ctx->cfg.table_name);
		gh = hname ? quote_qualified(ctx, gschema, hname) : NULL;
		ghq = gh ? hist_query_on(gh) : NULL;
		gkey = pgm_lock_key(gschema, ctx->cfg.table_name, gdb);
	}
	if (lschema && ltable && lhist)
		pgm_buf_printf(&b, "SELECT s.schema, pg_catalog.current_database(), "
			"pg_catalog.current_setting('server_version_num')::int, "
			"pg_catalog.current_setting('synchronous_commit'), "
			"pg_catalog.to_regclass(pg_catalog.quote_ident(s.schema) || '.' || pg_catalog.quote_ident(%s)) IS NOT NULL, "
			"pg_catalog.to_regclass(pg_catalog.quote_ident(s.schema) || '.' || pg_catalog.quote_ident(%s)) IS NOT NULL, "
			"EXISTS (SELECT 1 FROM pg_catalog.pg_language WHERE lanname = 'plpgsql' AND pg_catalog.has_language_privilege(oid, 'USAGE')) "
			"FROM (SELECT coalesce(%s, pg_catalog.current_schema()) AS schema) s;\n", ltable, lhist, lschema);
	else
		b.failed = 1;
	if (reads) {
		if (lock)
			pgm_buf_printf(&b, "SELECT pg_catalog.pg_try_advisory_lock(%u::bigint);\n", gkey);
		/* each statement of a message gets its own snapshot in READ COMMITTED: the
		 * read sees everything committed before the lock was taken */
		if (gq && ghq)
			pgm_buf_printf(&b, "SELECT version, dirty FROM %s LIMIT 1;\n%s", gq, ghq);
		else
			b.failed = 1;
	}
	free(lschema);
	free(ltable);
	free(lhist);
	free(hname);
	free(gq);
	free(gh);
	free(ghq);
	if (b.failed) {
		pgm_buf_free(&b);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	sql = b.ptr;
	rc = exec_multi_keep(ctx, sql, res, 4, &nres);
	pgm_buf_free(&b);
	i_lock = reads && lock ? 1 : -1;
	i_state = reads ? (lock ? 2 : 1) : -1;
	if (rc != 0) {
		/* a table that is not there yet stops the read: what came before it stands */
		if (reads && strcmp(ctx->err.sqlstate, "42P01") == 0 && nres >= i_state) {
			pgm_error_clear(ctx);
			rc = 0;
		} else {
			clear_results(ctx, res, nres);
			return rc;
		}
	}
	if (!res[0] || pq->ntuples(res[0]) != 1) {
		clear_results(ctx, res, nres);
		return pgm_fail(ctx, PGM_ERROR, "could not read the session information");
	}
	if (pq->getisnull(res[0], 0, 0)) {
		clear_results(ctx, res, nres);
		pgm_fail(ctx, PGM_ERROR, "no schema has been selected to create the tracking table in");
		pgm_set_detail(ctx, "current_schema() is null: no schema on the search_path exists");
		pgm_set_hint(ctx, "create the schema, fix search_path, or pass --table schema.table");
		return PGM_ERROR;
	}
	ctx->tgt.schema = pgm_strdup(pq->getvalue(res[0], 0, 0));
	ctx->tgt.database = pgm_strdup(pq->getvalue(res[0], 0, 1));
	ctx->tgt.server_version = atoi(pq->getvalue(res[0], 0, 2));
	ctx->tgt.sync_commit_off = strcmp(pq->getvalue(res[0], 0, 3), "off") == 0;
	set_sync_sql(ctx, pq->getvalue(res[0], 0, 3));
	*out_exists = ctx->tgt.table_exists = strcmp(pq->getvalue(res[0], 0, 4), "t") == 0;
	ctx->tgt.history_exists = strcmp(pq->getvalue(res[0], 0, 5), "t") == 0;
	ctx->tgt.plpgsql = strcmp(pq->getvalue(res[0], 0, 6), "t") == 0;
	ctx->tgt.qtable = ctx->tgt.schema ? quote_qualified(ctx, ctx->tgt.schema, ctx->cfg.table_name) : NULL;
	hname = pgm_aprintf("%s_history", ctx->cfg.table_name);
	ctx->tgt.qhistory = hname && ctx->tgt.schema ? quote_qualified(ctx, ctx->tgt.schema, hname) : NULL;
	free(hname);
	if (!ctx->tgt.schema || !ctx->tgt.database || !ctx->tgt.qtable || !ctx->tgt.qhistory) {
		clear_results(ctx, res, nres);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	match = reads && strcmp(ctx->tgt.schema, gschema) == 0 && strcmp(ctx->tgt.database, gdb) == 0;
	if (i_lock > 0 && i_lock < nres)
		got = pq->ntuples(res[i_lock]) == 1 && strcmp(pq->getvalue(res[i_lock], 0, 0), "t") == 0;
	if (got && !match) {
		/* taken under a key that is not ours: give it back */
		char *unlock = pgm_aprintf("SELECT pg_catalog.pg_advisory_unlock(%u::bigint)", gkey);
		PGresult *u = unlock ? pq->exec(ctx->tgt.conn, unlock) : NULL;
		free(unlock);
		if (u)
			pq->clear(u);
		got = 0;
	}
	if (match && (!lock || got) && ctx->tgt.table_exists && ctx->tgt.history_exists && i_state + 1 < nres) {
		parse_state(ctx, res[i_state], &ctx->tgt.pre_version, &ctx->tgt.pre_dirty);
		rc = load_hist(ctx, res[i_state + 1]);
		ctx->tgt.prefetched = rc == 0;
	}
	clear_results(ctx, res, nres);
	if (rc != 0)
		return rc;
	if (out_got)
		*out_got = got;
	return 0;
}

static int parse_state(pgm_ctx *ctx, PGresult *res, int64_t *out_version, int *out_dirty)
{
	if (ctx->pq->ntuples(res) == 0) {
		*out_version = -1;
		*out_dirty = 0;
	} else {
		*out_version = strtoll(ctx->pq->getvalue(res, 0, 0), NULL, 10);
		*out_dirty = strcmp(ctx->pq->getvalue(res, 0, 1), "t") == 0;
	}
	return 0;
}

char *pgm_db_literal(pgm_ctx *ctx, const char *s)
{
	char *e = ctx->pq->escapeLiteral(ctx->tgt.conn, s, strlen(s));
	char *r = e ? pgm_strdup(e) : NULL;
	if (e)
		ctx->pq->freemem(e);
	return r;
}

int pgm_db_exec_multi(pgm_ctx *ctx, const char *sql, PGresult **out, int nout)
{
	const pgm_pq_api *pq = ctx->pq;
	PGresult *res;
	int n = 0, rc = 0, i;

	for (i = 0; i < nout; i++)
		out[i] = NULL;
	if (!pq->sendQuery(ctx->tgt.conn, sql))
		return pgm_fail_result(ctx, NULL, "could not send a query");
	while ((res = pq->getResult(ctx->tgt.conn)) != NULL) {
		ExecStatusType st = pq->resultStatus(res);
		if (st == PGRES_FATAL_ERROR) {
			if (rc == 0)
				rc = pgm_fail_result(ctx, res, "a query failed");
			pq->clear(res);
		} else if (st == PGRES_TUPLES_OK && n < nout && rc == 0) {
			out[n++] = res;
		} else {
			pq->clear(res);
		}
	}
	if (rc != 0) {
		for (i = 0; i < n; i++) {
			pq->clear(out[i]);
			out[i] = NULL;
		}
	}
	return rc;
}

/* the latest history row of every version (the text lives in ctx) */
const char *pgm__hist_query(pgm_ctx *ctx)
{
	if (!ctx->tgt.hist_query)
		ctx->tgt.hist_query = hist_query_on(ctx->tgt.qhistory);
	return ctx->tgt.hist_query ? ctx->tgt.hist_query : "SELECT 1 WHERE false";
}

/* a history row's place in the result, sorted by version with the latest
 * row (highest id) first */
typedef struct hist_row {
	int64_t version, id;
	int row;
} hist_row;

static int cmp_hist_rows(const void *a, const void *b)
{
	const hist_row *x = a, *y = b;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

void pgm__local_time_text(double epoch, char out[40])
{
	struct tm tm;
	long off;
	size_t n;
	char sign;
	if (pgm_os_localtime((int64_t)epoch /* after 1970: the cast is the floor */, &tm, &off) != 0) {
		snprintf(out, 40, "?");
		return;
	}
	n = strftime(out, 40, "%Y-%m-%d %H:%M:%S", &tm);
	sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	if (off % 3600 / 60)
		snprintf(out + n, 40 - n, "%c%02ld:%02ld", sign, off / 3600, off % 3600 / 60);
	else
		snprintf(out + n, 40 - n, "%c%02ld", sign, off / 3600);
}

const char *pgm__hist_at(const pgm_hist *h)
{
	pgm_hist *w = (pgm_hist *)h; /* the text is a cache of at_epoch */
	if (!h->has_at)
		return "";
	if (!h->at[0])
		pgm__local_time_text(h->at_epoch, w->at);
	return h->at;
}

const pgm_hist *pgm_db_hist(const pgm_ctx *ctx, int64_t version)
{
	size_t lo = 0, hi = ctx->tgt.nhist;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ctx->tgt.hist[mid].version < version)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ctx->tgt.nhist && ctx->tgt.hist[lo].version == version ? &ctx->tgt.hist[lo] : NULL;
}

void pgm__hist_free(pgm_ctx *ctx)
{
	size_t i;
	for (i = 0; i < ctx->tgt.nhist; i++) {
		free(ctx->tgt.hist[i].name);
		free(ctx->tgt.hist[i].error);
	}
	free(ctx->tgt.hist);
	ctx->tgt.hist = NULL;
	ctx->tgt.nhist = 0;
}

static int load_hist(pgm_ctx *ctx, PGresult *res)
{
	const pgm_pq_api *pq = ctx->pq;
	int i, n = pq->ntuples(res);
	size_t k = 0;
	hist_row *rows;
	pgm__hist_free(ctx);
	if (n == 0)
		return 0;
	rows = malloc((size_t)n * sizeof *rows);
	if (!rows || !(ctx->tgt.hist = calloc((size_t)n, sizeof *ctx->tgt.hist))) {
		free(rows);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		rows[i].id = strtoll(pq->getvalue(res, i, 0), NULL, 10);
		rows[i].version = strtoll(pq->getvalue(res, i, 1), NULL, 10);
		rows[i].row = i;
	}
	qsort(rows, (size_t)n, sizeof *rows, cmp_hist_rows);
	for (i = 0; i < n; i++) {
		pgm_hist *h = &ctx->tgt.hist[k];
		int r = rows[i].row;
		if (i > 0 && rows[i - 1].version == rows[i].version)
			continue; /* an older row of the same version */
		k++;
		h->id = rows[i].id;
		h->version = rows[i].version;
		h->name = pgm_strdup(pq->getvalue(res, r, 2));
		snprintf(h->direction, sizeof h->direction, "%s", pq->getvalue(res, r, 3));
		snprintf(h->outcome, sizeof h->outcome, "%s", pq->getvalue(res, r, 4));
		snprintf(h->checksum, sizeof h->checksum, "%s", pq->getvalue(res, r, 5));
		h->checksum_adopted = strcmp(pq->getvalue(res, r, 6), "t") == 0;
		h->failed_statement = atoi(pq->getvalue(res, r, 7));
		if (!pq->getisnull(res, r, 8))
			h->error = pgm_strdup(pq->getvalue(res, r, 8));
		if (!pq->getisnull(res, r, 9)) {
			h->at_epoch = (double)strtoll(pq->getvalue(res, r, 9), NULL, 10);
			h->has_at = 1;
		}
	}
	free(rows);
	ctx->tgt.nhist = k;
	return 0;
}

int pgm__tracking_ddl(pgm_buf *b, const char *qtable, const char *qhistory, const char *table)
{
	char *note, *lit;
	if (qtable)
		pgm_buf_printf(b, "CREATE TABLE IF NOT EXISTS %s (version bigint not null primary key, dirty boolean not null);\n",
			qtable);
	if (!qhistory)
		return b->failed ? -1 : 0;
	pgm_buf_printf(b,
		"CREATE TABLE IF NOT EXISTS %s (\n"
		"  id bigserial primary key,\n"
		"  version bigint not null,\n"
		"  name text not null,\n"
		"  direction text not null,\n"
		"  outcome text not null,\n"
		"  checksum text,\n"
		"  checksum_adopted boolean not null default false,\n"
		"  started_at timestamptz not null default pg_catalog.clock_timestamp(),\n"
		"  duration_ms double precision,\n"
		"  db_user text not null default current_user,\n"
		"  os_user text,\n"
		"  pgmigrate_version text not null,\n"
		"  failed_statement integer,\n"
		"  error text);\n", qhistory);
	/* the table's name is the user's text: quoted as a whole literal, never pasted into one */
	note = pgm_aprintf("pgmigrate: every migration applied, reverted or forced, with checksums; "
		"%s beside it is golang-migrate's table", table);
	lit = note ? pgm__sql_literal(note) : NULL;
	if (lit)
		pgm_buf_printf(b, "COMMENT ON TABLE %s IS %s;\n", qhistory, lit);
	else
		b->failed = 1;
	free(note);
	free(lit);
	return b->failed ? -1 : 0;
}

/*
 * The tracking row and the latest history row of every version, in one
 * round trip; with `create`, both tables are created when missing (the
 * history beside golang-migrate's table, which stays as it is).
 */
int pgm_db_read_state(pgm_ctx *ctx, int create, int *out_exists, int64_t *out_version, int *out_dirty)
{
	int exists = 0, rc, with_hist;
	PGresult *res[2];
	pgm_buf b = PGM_BUF_INIT;

	*out_version = -1;
	*out_dirty = 0;
	if ((rc = pgm_db_connect(ctx)) != 0)
		return rc;
	if ((rc = session_info(ctx, &exists, 0, NULL)) != 0)
		return rc;
	if (exists == 0 && !create) {
		if (out_exists)
			*out_exists = 0;
		pgm__hist_free(ctx);
		return 0;
	}
	if (ctx->tgt.prefetched) {
		/* read with the lock (pgm_db_lock), once */
		ctx->tgt.prefetched = 0;
		*out_version = ctx->tgt.pre_version;
		*out_dirty = ctx->tgt.pre_dirty;
		if (out_exists)
			*out_exists = 1;
		return 0;
	}
	if ((exists == 0 || (create && !ctx->tgt.history_exists)) &&
	    pgm__tracking_ddl(&b, exists == 0 ? ctx->tgt.qtable : NULL, create && !ctx->tgt.history_exists ? ctx->tgt.qhistory : NULL,
	                      ctx->cfg.table_name) != 0)
		b.failed = 1;
	if (create && !ctx->tgt.history_exists) {
		ctx->tgt.history_created = 1;
		ctx->tgt.history_exists = 1;
	}
	pgm_buf_printf(&b, "SELECT version, dirty FROM %s LIMIT 1;\n", ctx->tgt.qtable);
	with_hist = ctx->tgt.history_exists;
	if (with_hist)
		pgm_buf_puts(&b, pgm__hist_query(ctx));
	if (b.failed)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	rc = pgm_db_exec_multi(ctx, b.ptr, res, 2);
	pgm_buf_free(&b);
	if (rc != 0) {
		if (strcmp(ctx->err.sqlstate, "42501") == 0)
			pgm_set_hint(ctx, "the user needs CREATE on schema \"%s\" (and SELECT/INSERT/DELETE on the tracking tables)", ctx->tgt.schema);
		return rc;
	}
	if (!res[0] || (with_hist && !res[1])) {
		if (res[0])
			ctx->pq->clear(res[0]);
		return pgm_fail(ctx, PGM_ERROR, "could not read the tracking table");
	}
	parse_state(ctx, res[0], out_version, out_dirty);
	ctx->pq->clear(res[0]);
	if (with_hist) {
		rc = load_hist(ctx, res[1]);
		ctx->pq->clear(res[1]);
		if (rc != 0)
			return rc;
	} else {
		pgm__hist_free(ctx);
	}
	ctx->tgt.table_exists = 1;
	if (out_exists)
		*out_exists = 1;
	return 0;
}

/* a lock holder's session idle this long, waiting for its client, has most
 * likely lost it: a migration run never leaves its session idle (a waiter
 * polls every 250 ms, migrations follow each other) */
char *pgm__holder_gone_text(int pid, long idle_s)
{
	return pgm_aprintf("that session has been idle for %ld s waiting for its client, which a migration run never is: "
		"its client is probably gone (a killed process, or a network partition that left the connection open). "
		"The server ends it within five minutes when it was a pgmigrate run (idle_session_timeout); "
		"else end it: SELECT pg_terminate_backend(%d)", idle_s, pid);
}

/* who holds our advisory lock (pg_locks + pg_stat_activity), as an event */
static void report_holder(pgm_ctx *ctx, uint32_t key, double waited_ms)
{
	const pgm_pq_api *pq = ctx->pq;
	char keybuf[24];
	const char *params[1];
	PGresult *res;
	pgm_event ev;
	char *msg;

	snprintf(keybuf, sizeof keybuf, "%u", key);
	params[0] = keybuf;
	res = pq->execParams(ctx->tgt.conn,
		"SELECT a.pid, coalesce(a.application_name, ''), coalesce(pg_catalog.host(a.client_addr), 'local socket'), "
		"pg_catalog.to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), coalesce(a.usename::text, ''), "
		PGM_HOLDER_IDLE_SQL " "
		"FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
		"WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1::oid AND l.objsubid = 1 "
		"AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) LIMIT 1",
		1, NULL, params, NULL, NULL, 0);
	memset(&ev, 0, sizeof ev);
	ev.type = PGM_EV_LOCK_WAIT;
	ev.version_after = -1;
	ev.duration_ms = waited_ms;
	if (res && pq->resultStatus(res) == PGRES_TUPLES_OK && pq->ntuples(res) == 1) {
		ev.holder_pid = atoi(pq->getvalue(res, 0, 0));
		ev.holder_application = pq->getvalue(res, 0, 1);
		ev.holder_client = pq->getvalue(res, 0, 2);
		ev.holder_since = pq->getvalue(res, 0, 3);
		long idle = atol(pq->getvalue(res, 0, 5));
		char *gone = idle >= PGM_HOLDER_IDLE_S ? pgm__holder_gone_text(ev.holder_pid, idle) : NULL;
		msg = pgm_aprintf("waiting for the migration lock held by pid %d (application \"%s\", user %s, client %s, connected since %s)%s%s",
			ev.holder_pid, ev.holder_application, pq->getvalue(res, 0, 4), ev.holder_client, ev.holder_since,
			gone ? "; " : "", gone ? gone : "");
		free(gone);
	} else {
		msg = pgm_aprintf("waiting for the migration lock (holder not visible: it may need pg_read_all_stats)");
	}
	ev.message = msg;
	pgm_emit(ctx, &ev);
	free(msg);
	if (res)
		pq->clear(res);
}

/*
 * Take golang-migrate's advisory lock, then read (creating it when
 * needed) the tracking table: one round trip per attempt when the table
 * exists. Waits at most ctx->cfg.lock_timeout seconds.
 */
int pgm_db_lock(pgm_ctx *ctx)
{
	const pgm_pq_api *pq;
	uint32_t key;
	char *sql;
	double start, next_report;
	int rc, exists = 0, delay = 50, got = 0;

	if (ctx->tgt.locked)
		return 0;
	if ((rc = pgm_db_connect(ctx)) != 0)
		return rc;
	if ((rc = session_info(ctx, &exists, 1, &got)) != 0)
		return rc;
	if (got) {
		/* the first round trip took the lock (and read the tables) */
		ctx->tgt.locked = 1;
		return 0;
	}
	/* a read before the lock is stale once it is taken */
	ctx->tgt.prefetched = 0;
	pq = ctx->pq;
	key = pgm_lock_key(ctx->tgt.schema, ctx->cfg.table_name, ctx->tgt.database);
	/* when the tables exist, read them in the same message, right after the
	 * lock is taken (each statement of a message gets its own snapshot in
	 * READ COMMITTED, so the read sees everything committed before the lock):
	 * a no-op `up` is then one round trip after the session information */
	if (exists && ctx->tgt.history_exists && !ctx->cfg.dry_run)
		sql = pgm_aprintf("SELECT pg_catalog.pg_try_advisory_lock(%u::bigint);\n"
			"SELECT version, dirty FROM %s LIMIT 1;\n%s", key, ctx->tgt.qtable, pgm__hist_query(ctx));
	else
		sql = pgm_aprintf("SELECT pg_catalog.pg_try_advisory_lock(%u::bigint)", key);
	if (!sql)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	start = pgm_os_now_ms();
	next_report = start;
	for (;;) {
		PGresult *res[3] = { NULL, NULL, NULL };
		if ((rc = pgm_db_exec_multi(ctx, sql, res, 3)) != 0) {
			free(sql);
			return rc;
		}
		got = res[0] && pq->ntuples(res[0]) == 1 && strcmp(pq->getvalue(res[0], 0, 0), "t") == 0;
		if (got && res[1] && res[2]) {
			parse_state(ctx, res[1], &ctx->tgt.pre_version, &ctx->tgt.pre_dirty);
			rc = load_hist(ctx, res[2]);
			ctx->tgt.prefetched = rc == 0;
		}
		for (rc = 0; rc < 3; rc++)
			if (res[rc])
				pq->clear(res[rc]);
		rc = 0;
		if (got)
			break;
		if (ctx->interrupted) {
			free(sql);
			return pgm_fail(ctx, PGM_ECANCELED, "interrupted while waiting for the migration lock");
		}
		if (pgm_os_now_ms() >= next_report) {
			report_holder(ctx, key, pgm_os_now_ms() - start);
			next_report = pgm_os_now_ms() + 5000;
		}
		if (pgm_os_now_ms() - start >= ctx->cfg.lock_timeout * 1000.0) {
			free(sql);
			pgm_fail(ctx, PGM_ELOCKTIMEOUT, "could not take the migration lock within %g seconds", ctx->cfg.lock_timeout);
			pgm_set_detail(ctx, "another migration run holds advisory lock %u on database \"%s\"", key, ctx->tgt.database);
			pgm_set_hint(ctx, "wait for it to finish, raise --lock-timeout, or find the holder: "
				"SELECT pid, application_name, client_addr FROM pg_locks JOIN pg_stat_activity USING (pid) "
				"WHERE locktype = 'advisory' AND objid = %u", key);
			return PGM_ELOCKTIMEOUT;
		}
		pgm_os_sleep_ms(delay);
		if (delay < 250)
			delay += 50;
	}
	free(sql);
	ctx->tgt.locked = 1;
	return 0;
}

int pgm_db_set_version(pgm_ctx *ctx, int64_t version, int dirty, const char *extra_sql)
{
	PGresult *res;
	char *sql;
	const char *sync = pgm__sync_local(ctx);
	int rc;

	/* golang-migrate's SetVersion: a row only for a real version, or a dirty nil;
	 * extra_sql (history) rides in the same transaction */
	/* durable when it returns, also where the server's default is
	 * synchronous_commit = off (its flush also covers the autocommitted
	 * statements of a no-transaction migration before it) */
	if (version >= 0 || dirty)
		sql = pgm_aprintf("%sBEGIN; %sDELETE FROM %s; INSERT INTO %s (version, dirty) VALUES (%lld, %s); %s COMMIT",
			dirty ? pgm__db_session_sql(ctx) : "", sync, ctx->tgt.qtable, ctx->tgt.qtable, (long long)version,
			dirty ? "true" : "false", extra_sql ? extra_sql : "");
	else
		sql = pgm_aprintf("BEGIN; %sDELETE FROM %s; %s COMMIT", sync, ctx->tgt.qtable, extra_sql ? extra_sql : "");
	if (!sql)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	res = ctx->pq->exec(ctx->tgt.conn, sql);
	free(sql);
	if ((rc = ok_result(ctx, res, PGRES_COMMAND_OK, "could not update the tracking table")) != 0) {
		if (ctx->pq->transactionStatus(ctx->tgt.conn) != PQTRANS_IDLE)
			ctx->pq->clear(ctx->pq->exec(ctx->tgt.conn, "ROLLBACK"));
		return rc;
	}
	ctx->pq->clear(res);
	return 0;
}
