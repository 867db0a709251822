/*
 * The running line: on a terminal, a migration that has run for more than
 * a second gets a status line on stderr, redrawn in place with its elapsed
 * time (`running 000009_create_reviews.up.sql ... 3.2s`, or the progress
 * bar with the time added) and erased when it ends. The engine reports only
 * the start and the end of a step and waits for the server inside libpq, so
 * a thread of the CLI's own redraws the line ten times a second. It and the
 * event callback write the terminal under one lock (cli_running_lock), so a
 * redraw never lands inside an "applied" line.
 */
#include "cli.h"
#include "../engine/os/os.h"

#include <stdlib.h>
#include <string.h>

/* a step shows life once it has run this long */
#define RUNNING_AFTER_MS 1000.0
#define REDRAW_MS 100

struct cli_running {
	pgm_os_monitor *mon;
	pgm_os_thread *thread;
	int stop;
	int active;         /* a step runs */
	double since;       /* when it started (pgm_os_now_ms) */
	int done, total;    /* for the bar */
	char name[256];     /* its file's name */
};

static void running_main(void *arg)
{
	cli *c = arg;
	cli_running *r = c->running;

	pgm_os_monitor_enter(r->mon);
	while (!r->stop) {
		double ms;
		pgm_os_monitor_wait(r->mon, REDRAW_MS);
		if (r->stop || !r->active)
			continue;
		ms = pgm_os_now_ms() - r->since;
		if (ms >= RUNNING_AFTER_MS)
			cli_draw_running(c, r->name, r->done, r->total, ms);
	}
	pgm_os_monitor_leave(r->mon);
}

/* the thread starts with the first step, so a command that runs none has none */
static cli_running *running_start(cli *c)
{
	cli_running *r;
	if (c->running || !c->live)
		return c->running;
	if (!(r = calloc(1, sizeof *r)))
		return NULL;
	if (!(r->mon = pgm_os_monitor_new())) {
		free(r);
		return NULL;
	}
	c->running = r;
	if (!(r->thread = pgm_os_thread_start(running_main, c))) {
		/* no thread: no running line, everything else as before */
		pgm_os_monitor_free(r->mon);
		free(r);
		c->running = NULL;
	}
	return c->running;
}

void cli_running_lock(cli *c)
{
	if (c->running)
		pgm_os_monitor_enter(c->running->mon);
}

void cli_running_unlock(cli *c)
{
	if (c->running)
		pgm_os_monitor_leave(c->running->mon);
}

/* called with the lock held (from cli_event) */
void cli_running_step(cli *c, const char *name, int done, int total)
{
	cli_running *r = c->running;
	if (!r)
		return;
	snprintf(r->name, sizeof r->name, "%s", name);
	r->done = done;
	r->total = total;
	r->since = pgm_os_now_ms();
	r->active = 1;
}

void cli_running_idle(cli *c)
{
	if (c->running)
		c->running->active = 0;
}

void cli_running_begin(cli *c)
{
	running_start(c);
}

void cli_running_end(cli *c)
{
	cli_running *r = c->running;
	if (!r)
		return;
	pgm_os_monitor_enter(r->mon);
	r->stop = 1;
	pgm_os_monitor_signal(r->mon);
	pgm_os_monitor_leave(r->mon);
	pgm_os_thread_join(r->thread);
	pgm_os_monitor_free(r->mon);
	free(r);
	c->running = NULL;
}
