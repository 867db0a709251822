/*
 * The link watchdog: while migrations run, a second thread notices a
 * connection that stopped carrying data without closing (a network
 * partition; a NAT, firewall, load balancer or proxy that dropped the flow
 * while both ends stay up). TCP keepalives cannot see that when something
 * in between still answers them, and libpq would wait for the server's
 * answer forever while the server waits for us, holding the migration lock.
 *
 * After WATCH_FIRST_MS of a run (a short run never gets here) the thread
 * opens a side connection and asks the server every WATCH_EVERY_MS what
 * our session is doing. It acts only when both sides wait for each other:
 * the main thread has been inside a blocking libpq call (exec, getResult...:
 * the run's calls go through the wrappers below, which record since when)
 * for the limit (WATCH_IDLE_S, 20 s) AND the server shows our session idle,
 * waiting for our next message (ClientRead), for as long: what the server
 * sent, or what we sent, was lost. A client that is merely slow (its output
 * piped into a pager, stopped with Ctrl-Z, reading a file) is not waiting
 * for the server and is left alone. Our session is known by what the main
 * connection said about itself at the start (pg_backend_pid(),
 * backend_start, inet_server_addr()/port()), not by libpq's
 * PQbackendPID (a pooler hands out another pid); a side connection that
 * finds no such session (a pooler, another server behind the same name)
 * cannot tell, and does nothing. Then the thread ends that session
 * (pg_terminate_backend: it frees the lock at once, so a rerun needs no
 * clean-up) and shuts our socket down, so the run stops with an error
 * instead of hanging. When no side connection can be made, the server may
 * be unreachable or only slow while the session runs a long migration:
 * that cannot be told, and the keepalives and timeouts set at the first
 * migration (see db.c) remain.
 *
 * PGMIGRATE_WATCHDOG_IDLE=N (seconds, 1-3600) changes the limit; a test and
 * tuning knob (the first check then comes after min(10, N/2) s).
 */
#include "internal.h"
#include "os/os.h"

#include <stdlib.h>
#include <string.h>

#define WATCH_FIRST_MS 10000
#define WATCH_EVERY_MS 5000
#define WATCH_IDLE_S 20

struct pgm_watch {
	const pgm_pq_api *pq; /* libpq's own calls (the side thread's) */
	pgm_pq_api api;       /* the run's, while it watches: pq with the waits recorded */
	const pgm_pq_api *saved;
	PGconn *conn;
	volatile int64_t since; /* the main thread waits in libpq since (ms, pgm_os_now_ms), or 0 */
	const char *keys[PGM_CONN_PARAMS + 1], *vals[PGM_CONN_PARAMS + 1];
	int sock, pid, idle_s, first_ms, every_ms;
	char start[32], addr[64], port[16]; /* our session, as the main connection saw it */
	pgm_os_flag *stop;
	pgm_os_thread *thread;
	PGconn *side;
	volatile int64_t fired;
	char detail[640];
};

/* the decision, apart from its inputs: waiting_ms the main thread has been
 * inside libpq (0: not waiting); side PGM_WATCH_* what the side connection
 * saw; idle_s how long the session has been idle in ClientRead (ROW only) */
int pgm__watch_decide(int64_t waiting_ms, int limit_s, int side, long idle_s)
{
	if (waiting_ms < (int64_t)limit_s * 1000)
		return 0; /* we are not waiting for the server (or not for long) */
	/* no second connection (PGM_WATCH_UNREACHABLE): perhaps only slow, while
	 * the run's session is busy with a long migration: cannot tell */
	return side == PGM_WATCH_IDLE && idle_s >= limit_s;
}

static int64_t waiting_ms(pgm_watch *w)
{
	int64_t since = pgm_os_atomic_load(&w->since);
	return since ? (int64_t)pgm_os_now_ms() - since : 0;
}

/* 1: the link is dead (w->detail says why) */
static int check(pgm_watch *w)
{
	const pgm_pq_api *pq = w->pq;
	char pidtext[16];
	const char *params[4];
	PGresult *res;
	int dead = 0, side = PGM_WATCH_UNKNOWN;
	long idle = 0;

	if (waiting_ms(w) < (int64_t)w->idle_s * 1000)
		return 0; /* not waiting for the server: nothing to ask */
	if (!w->side || pq->status(w->side) != CONNECTION_OK) {
		if (w->side)
			pq->finish(w->side);
		w->side = pq->connectdbParams(w->keys, w->vals, 1);
		if (!w->side || pq->status(w->side) != CONNECTION_OK) {
			/* refused, or no answer within connect_timeout: the server may
			 * be unreachable, or only slow; cannot tell (keepalives remain) */
			if (w->side)
				pq->finish(w->side);
			w->side = NULL;
			return 0;
		}
	}
	snprintf(pidtext, sizeof pidtext, "%d", w->pid);
	params[0] = pidtext;
	params[1] = w->start;
	params[2] = w->addr;
	params[3] = w->port;
	/* our session on the same server: pid, start and the server's address
	 * all match (no row: a pooler, or another server; cannot tell) */
	res = pq->execParams(w->side,
		"SELECT coalesce(state, ''), coalesce(wait_event, ''), "
		"pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - state_change))::int8 "
		"FROM pg_catalog.pg_stat_activity WHERE pid = $1::int4 "
		"AND (pg_catalog.date_part('epoch', backend_start) * 1000000)::int8 = $2::int8 "
		"AND coalesce(pg_catalog.host(pg_catalog.inet_server_addr()), '') = $3 "
		"AND coalesce(pg_catalog.inet_server_port(), 0) = $4::int4", 4, NULL, params, NULL, NULL, 0);
	if (!res || pq->resultStatus(res) != PGRES_TUPLES_OK) {
		if (res)
			pq->clear(res);
		return 0;
	}
	if (pq->ntuples(res) == 1) {
		int idle_read = strncmp(pq->getvalue(res, 0, 0), "idle", 4) == 0 &&
		                strcmp(pq->getvalue(res, 0, 1), "ClientRead") == 0;
		side = idle_read ? PGM_WATCH_IDLE : PGM_WATCH_BUSY;
		idle = idle_read ? atol(pq->getvalue(res, 0, 2)) : 0;
	}
	pq->clear(res);
	if (pgm__watch_decide(waiting_ms(w), w->idle_s, side, idle)) {
		PGresult *t = pq->execParams(w->side, "SELECT pg_catalog.pg_terminate_backend($1::int4)", 1, NULL, params,
			NULL, NULL, 0);
		int ended = t && pq->resultStatus(t) == PGRES_TUPLES_OK && pq->ntuples(t) == 1 &&
		            strcmp(pq->getvalue(t, 0, 0), "t") == 0;
		if (t)
			pq->clear(t);
		snprintf(w->detail, sizeof w->detail, "the server's session (pid %d) had been idle for %ld s waiting for "
			"pgmigrate while pgmigrate waited for the server: the connection stopped carrying data without "
			"closing (a network partition, or a proxy, NAT or firewall that dropped it)%s", w->pid, idle,
			ended ? "; pgmigrate ended that session (pg_terminate_backend), which released the migration lock"
			      : "; the server ends it once its keepalives or idle timeout notice");
		dead = 1;
	}
	return dead;
}

static void watch_main(void *arg)
{
	pgm_watch *w = arg;
	int wait = w->first_ms;
	while (!pgm_os_flag_wait(w->stop, wait)) {
		wait = w->every_ms;
		if (check(w)) {
			pgm_os_atomic_store(&w->fired, 1);
			/* the main thread's read returns: libpq reports a lost connection */
			pgm_os_socket_shutdown(w->sock);
			break;
		}
	}
	if (w->side)
		w->pq->finish(w->side);
	w->side = NULL;
}

/* the run's blocking libpq calls, recording since when the main thread
 * waits for the server (the watch is the calling thread's: one per run) */
static _Thread_local pgm_watch *cur;

#define WAIT_BEGIN(w) pgm_os_atomic_store(&(w)->since, (int64_t)pgm_os_now_ms() + 1)
#define WAIT_END(w) pgm_os_atomic_store(&(w)->since, 0)

static PGresult *w_exec(PGconn *conn, const char *query)
{
	pgm_watch *w = cur;
	PGresult *r;
	WAIT_BEGIN(w);
	r = w->pq->exec(conn, query);
	WAIT_END(w);
	return r;
}

static PGresult *w_execParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
	const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat)
{
	pgm_watch *w = cur;
	PGresult *r;
	WAIT_BEGIN(w);
	r = w->pq->execParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat);
	WAIT_END(w);
	return r;
}

static int w_sendQuery(PGconn *conn, const char *query)
{
	pgm_watch *w = cur;
	int r;
	WAIT_BEGIN(w);
	r = w->pq->sendQuery(conn, query);
	WAIT_END(w);
	return r;
}

static PGresult *w_getResult(PGconn *conn)
{
	pgm_watch *w = cur;
	PGresult *r;
	WAIT_BEGIN(w);
	r = w->pq->getResult(conn);
	WAIT_END(w);
	return r;
}

static int w_putCopyEnd(PGconn *conn, const char *errormsg)
{
	pgm_watch *w = cur;
	int r;
	WAIT_BEGIN(w);
	r = w->pq->putCopyEnd(conn, errormsg);
	WAIT_END(w);
	return r;
}

static int w_getCopyData(PGconn *conn, char **buffer, int async)
{
	pgm_watch *w = cur;
	int r;
	WAIT_BEGIN(w);
	r = w->pq->getCopyData(conn, buffer, async);
	WAIT_END(w);
	return r;
}

/* who our session is, asked on the main connection: 0 when it cannot say */
static int identify(pgm_watch *w, pgm_ctx *ctx)
{
	const pgm_pq_api *pq = ctx->pq;
	int ok = 0;
	PGresult *res;
	if (pq->transactionStatus(ctx->tgt.conn) != PQTRANS_IDLE && pq->transactionStatus(ctx->tgt.conn) != PQTRANS_INTRANS)
		return 0;
	res = pq->exec(ctx->tgt.conn,
		"SELECT pg_catalog.pg_backend_pid(), (pg_catalog.date_part('epoch', backend_start) * 1000000)::int8, "
		"coalesce(pg_catalog.host(pg_catalog.inet_server_addr()), ''), coalesce(pg_catalog.inet_server_port(), 0) "
		"FROM pg_catalog.pg_stat_activity WHERE pid = pg_catalog.pg_backend_pid()");
	if (res && pq->resultStatus(res) == PGRES_TUPLES_OK && pq->ntuples(res) == 1 && !pq->getisnull(res, 0, 1)) {
		w->pid = atoi(pq->getvalue(res, 0, 0));
		snprintf(w->start, sizeof w->start, "%s", pq->getvalue(res, 0, 1));
		snprintf(w->addr, sizeof w->addr, "%s", pq->getvalue(res, 0, 2));
		snprintf(w->port, sizeof w->port, "%s", pq->getvalue(res, 0, 3));
		ok = 1;
	}
	if (res)
		pq->clear(res);
	return ok;
}

void pgm__watch_start(pgm_ctx *ctx)
{
	pgm_watch *w;
	const char *v;
	if (ctx->tgt.watch || cur || !ctx->tgt.conn || ctx->pq->status(ctx->tgt.conn) != CONNECTION_OK ||
	    ctx->pq->socket(ctx->tgt.conn) < 0)
		return;
	if (!(w = calloc(1, sizeof *w)))
		return;
	if (!identify(w, ctx)) {
		/* no watchdog when our session cannot be told (keepalives remain) */
		free(w);
		return;
	}
	w->pq = ctx->pq;
	w->idle_s = WATCH_IDLE_S;
	if ((v = pgm_os_getenv("PGMIGRATE_WATCHDOG_IDLE")) != NULL && atoi(v) >= 1 && atoi(v) <= 3600)
		w->idle_s = atoi(v);
	w->first_ms = w->idle_s * 500 < WATCH_FIRST_MS ? w->idle_s * 500 : WATCH_FIRST_MS;
	w->every_ms = w->idle_s * 250 < WATCH_EVERY_MS ? w->idle_s * 250 : WATCH_EVERY_MS;
	pgm__db_conn_params(ctx, w->keys, w->vals);
	w->sock = ctx->pq->socket(ctx->tgt.conn);
	w->conn = ctx->tgt.conn;
	w->stop = pgm_os_flag_new();
	w->thread = w->stop ? pgm_os_thread_start(watch_main, w) : NULL;
	if (!w->thread) {
		/* no thread: the run goes on without the watchdog (keepalives remain) */
		pgm_os_flag_free(w->stop);
		free(w);
		return;
	}
	w->api = *ctx->pq;
	w->api.exec = w_exec;
	w->api.execParams = w_execParams;
	w->api.sendQuery = w_sendQuery;
	w->api.getResult = w_getResult;
	w->api.putCopyEnd = w_putCopyEnd;
	w->api.getCopyData = w_getCopyData;
	w->saved = ctx->pq;
	ctx->pq = &w->api;
	cur = w;
	ctx->tgt.watch = w;
}

/* stop the watchdog; when it found the link dead, the run's error says so */
void pgm__watch_stop(pgm_ctx *ctx, int rc)
{
	pgm_watch *w = ctx->tgt.watch;
	if (!w)
		return;
	ctx->tgt.watch = NULL;
	ctx->pq = w->saved;
	cur = NULL;
	pgm_os_flag_set(w->stop);
	pgm_os_thread_join(w->thread);
	pgm_os_flag_free(w->stop);
	if (pgm_os_atomic_load(&w->fired) && rc != 0) {
		char *file = ctx->err.file ? pgm_strdup(ctx->err.file) : NULL;
		int64_t version = ctx->err.version;
		pgm_fail(ctx, PGM_ECONNECT, "the connection to the server stopped responding");
		ctx->err.file = file;
		ctx->err.version = version;
		if (file)
			pgm_set_detail(ctx, "%s; whether %s committed is not known", w->detail, file);
		else
			pgm_set_detail(ctx, "%s", w->detail);
		pgm_set_hint(ctx, "check the network path to the server; then `pgmigrate status` shows what is applied "
			"and `pgmigrate up` goes on");
	}
	free(w);
}
