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
 * our session is doing. Active: a long migration, fine. Idle and waiting
 * for our next message (ClientRead) for WATCH_IDLE_S seconds, while the
 * run has not finished: what the server sent, or what we sent, was lost.
 * Gone: the server ended it and the news was lost. Then the thread ends
 * that session (pg_terminate_backend: it frees the lock at once, so a rerun
 * needs no clean-up) and shuts our socket down, so the run stops with an
 * error instead of hanging. When no side connection can be made within
 * its connect_timeout, the server is unreachable as well: the socket is
 * shut down too (the server then drops the session through the keepalives
 * and timeouts set at the first migration, see db.c).
 */
#include "internal.h"
#include "os/os.h"

#include <stdlib.h>
#include <string.h>

#define WATCH_FIRST_MS 10000
#define WATCH_EVERY_MS 5000
#define WATCH_IDLE_S 20

struct pgm_watch {
	const pgm_pq_api *pq;
	const char *keys[PGM_CONN_PARAMS + 1], *vals[PGM_CONN_PARAMS + 1];
	int sock, pid;
	pgm_os_flag *stop;
	pgm_os_thread *thread;
	PGconn *side;
	volatile int64_t fired;
	char detail[640];
};

/* 1: the link is dead (w->detail says why) */
static int check(pgm_watch *w)
{
	const pgm_pq_api *pq = w->pq;
	char pidtext[16];
	const char *params[1] = { pidtext };
	PGresult *res;
	int dead = 0;

	if (!w->side || pq->status(w->side) != CONNECTION_OK) {
		double t0 = pgm_os_now_ms();
		if (w->side)
			pq->finish(w->side);
		w->side = pq->connectdbParams(w->keys, w->vals, 1);
		if (!w->side || pq->status(w->side) != CONNECTION_OK) {
			/* refused quickly (too many connections...): cannot tell; no
			 * answer within connect_timeout: unreachable */
			if (w->side)
				pq->finish(w->side);
			w->side = NULL;
			if (pgm_os_now_ms() - t0 < 9000)
				return 0;
			snprintf(w->detail, sizeof w->detail, "no answer from the server for %d s, and a second connection "
				"could not be made either: the server is unreachable (its session, pid %d, ends once the "
				"server's keepalives or idle timeout notice)", WATCH_FIRST_MS / 1000 + 10, w->pid);
			return 1;
		}
	}
	snprintf(pidtext, sizeof pidtext, "%d", w->pid);
	res = pq->execParams(w->side,
		"SELECT coalesce(state, ''), coalesce(wait_event, ''), "
		"pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - state_change))::int8 "
		"FROM pg_catalog.pg_stat_activity WHERE pid = $1::int4", 1, NULL, params, NULL, NULL, 0);
	if (!res || pq->resultStatus(res) != PGRES_TUPLES_OK) {
		if (res)
			pq->clear(res);
		return 0;
	}
	if (pq->ntuples(res) == 0) {
		snprintf(w->detail, sizeof w->detail, "the server has no session %d any more, but the connection "
			"did not say so: the news was lost on the way (a network partition, or a proxy or firewall that "
			"dropped the connection)", w->pid);
		dead = 1;
	} else if (strncmp(pq->getvalue(res, 0, 0), "idle", 4) == 0 && strcmp(pq->getvalue(res, 0, 1), "ClientRead") == 0 &&
	           atol(pq->getvalue(res, 0, 2)) >= WATCH_IDLE_S) {
		long idle = atol(pq->getvalue(res, 0, 2));
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
	pq->clear(res);
	return dead;
}

static void watch_main(void *arg)
{
	pgm_watch *w = arg;
	int wait = WATCH_FIRST_MS;
	while (!pgm_os_flag_wait(w->stop, wait)) {
		wait = WATCH_EVERY_MS;
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

void pgm__watch_start(pgm_ctx *ctx)
{
	pgm_watch *w;
	if (ctx->watch || !ctx->conn || ctx->pq->status(ctx->conn) != CONNECTION_OK || ctx->pq->socket(ctx->conn) < 0)
		return;
	if (!(w = calloc(1, sizeof *w)))
		return;
	w->pq = ctx->pq;
	pgm__db_conn_params(ctx, w->keys, w->vals);
	w->sock = ctx->pq->socket(ctx->conn);
	w->pid = ctx->pq->backendPID(ctx->conn);
	w->stop = pgm_os_flag_new();
	w->thread = w->stop ? pgm_os_thread_start(watch_main, w) : NULL;
	if (!w->thread) {
		/* no thread: the run goes on without the watchdog (keepalives remain) */
		pgm_os_flag_free(w->stop);
		free(w);
		return;
	}
	ctx->watch = w;
}

/* stop the watchdog; when it found the link dead, the run's error says so */
void pgm__watch_stop(pgm_ctx *ctx, int rc)
{
	pgm_watch *w = ctx->watch;
	if (!w)
		return;
	ctx->watch = NULL;
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
