/*
 * The pgmigrate executable's shared pieces: parsed options, output
 * rendering (human text or NDJSON), exit codes. The CLI uses only the
 * engine's public API (include/pgmigrate/pgmigrate.h).
 */
#ifndef PGM_CLI_H
#define PGM_CLI_H

#include "pgmigrate/pgmigrate.h"

#include <stdio.h>

/* documented exit codes (README "Exit codes"); stable */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_DIRTY = 3,
	EXIT_LOCK = 4,
	EXIT_CONNECT = 5,
	EXIT_FILES = 6,
	EXIT_INTEGRITY = 7,
	EXIT_INTERRUPTED = 130
};

typedef struct cli_running cli_running;

typedef struct cli {
	pgm_options opts;
	int json;
	int color;
	int progress;     /* draw a progress bar on stderr */
	int verbose;
	int all;          /* down --all */
	int offline;      /* validate --offline */
	int pending;      /* verify --pending */
	/* lint only: --disable ID (repeatable, NULL-terminated), --format, --strict */
	const char *disable[33];
	int ndisable;
	const char *format;
	int strict;
	const char *command;
	int argc;         /* command arguments */
	char **argv;
	pgm_ctx *ctx;
	/* progress state */
	int bar_drawn;
	const char *verb;
	int live;             /* human output with stderr on a terminal: the running line */
	cli_running *running; /* running.c */
} cli;

int cli_exit_code(int rc);
void cli_event(const pgm_event *ev, void *payload);
int cli_fail(cli *c, int rc);                 /* print the ctx error, return exit code */
int cli_usage_error(cli *c, const char *fmt, ...);
void cli_clear_bar(cli *c);
/* the line that says which migration runs and for how long (output.c draws it) */
void cli_draw_running(cli *c, const char *name, int done, int total, double ms);

/* running.c: the thread that redraws the running line; begin starts it (on a
 * terminal, at the first step), step/idle say what runs (with the lock held),
 * lock/unlock guard the terminal, end stops the thread before the last lines */
void cli_running_begin(cli *c);
void cli_running_step(cli *c, const char *name, int done, int total);
void cli_running_idle(cli *c);
void cli_running_lock(cli *c);
void cli_running_unlock(cli *c);
void cli_running_end(cli *c);

void json_str(FILE *f, const char *s);        /* a JSON string literal, or null */
void json_kv_str(FILE *f, const char *key, const char *val, int comma);
void json_kv_int(FILE *f, const char *key, long long val, int comma);
const char *color(const cli *c, const char *code);

int cmd_migrate(cli *c);   /* up, down, goto, force */
int cmd_status(cli *c);
int cmd_version(cli *c);
int cmd_new(cli *c);
int cmd_help(cli *c);
int cmd_psql(cli *c);
int cmd_env(cli *c);
int cmd_service(cli *c);
int cmd_validate(cli *c);
int cmd_lint(cli *c);
int cmd_verify(cli *c);
int cmd_doctor(cli *c);

/* the program: main_posix.c / main_win32.c call it with UTF-8 arguments */
int pgm_cli_main(int argc, char **argv);

/* parse a version argument; 0 on success */
/* 0, -1 when s is not a whole number, -2 when it is out of range (CLI_VERSION_RANGE) */
int parse_version_arg(const char *s, long long *out);
#define CLI_VERSION_RANGE "version %s is out of range: versions are PostgreSQL bigints, at most 9223372036854775807"

#endif
