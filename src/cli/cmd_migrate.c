/*
 * up, down, goto and force: the commands that change the database.
 * Each prints one line per migration as it is applied or reverted and a
 * summary (human) or NDJSON events and a summary object (--json).
 */
#include "cli.h"
#include "../engine/os/os.h"

#include <stdlib.h>
#include <string.h>

static int parse_count(cli *c, int *out)
{
	char *end;
	long n;
	if (c->argc == 0)
		return 0;
	n = strtol(c->argv[0], &end, 10);
	if (*end != '\0' || n <= 0 || n > 1000000)
		return -1;
	*out = (int)n;
	return 0;
}

static void summary(cli *c, double ms)
{
	int64_t v;
	int dirty, steps;
	pgm_ctx_result(c->ctx, &v, &dirty, &steps);
	cli_running_end(c);
	cli_clear_bar(c);
	if (c->json) {
		fputc('{', stdout);
		json_kv_str(stdout, "event", "summary", 0);
		json_kv_str(stdout, "command", c->command, 1);
		json_kv_int(stdout, strcmp(c->command, "down") == 0 ? "reverted" : "steps", steps, 1);
		if (v < 0)
			fputs(",\"version\":null", stdout);
		else
			json_kv_int(stdout, "version", v, 1);
		fprintf(stdout, ",\"dirty\":%s,\"dry_run\":%s,\"duration_ms\":%.3f}\n", dirty ? "true" : "false",
			c->opts.dry_run ? "true" : "false", ms);
		return;
	}
	if (c->opts.dry_run) {
		printf("dry run: %d migration%s rehearsed and rolled back; the database is unchanged\n", steps, steps == 1 ? "" : "s");
		return;
	}
	if (strcmp(c->command, "force") == 0) {
		if (v < 0)
			printf("recorded: no migration applied\n");
		else
			printf("recorded: version %lld, clean\n", (long long)v);
		return;
	}
	if (steps == 0) {
		if (v < 0)
			printf("no change: no migration is applied%s\n",
				strcmp(c->command, "up") == 0 ? " and there is nothing to apply" : "");
		else
			printf("no change: the database is at version %lld%s\n", (long long)v,
				strcmp(c->command, "up") == 0 ? " (up to date)" : "");
		return;
	}
	printf("%d migration%s %s in %.0f ms; ", steps, steps == 1 ? "" : "s",
		strcmp(c->command, "down") == 0 ? "reverted" : "done", ms);
	if (v < 0)
		printf("no migration is applied now\n");
	else
		printf("now at version %lld\n", (long long)v);
}

int cmd_migrate(cli *c)
{
	double t0 = pgm_os_now_ms();
	int rc, n = 0, prc = 0;
	long long v;

	if (strcmp(c->command, "up") == 0) {
		if (c->argc > 1 || parse_count(c, &n) != 0)
			return cli_usage_error(c, "usage: pgmigrate up [N]  (N: how many migrations, at least 1)");
		rc = pgm_up(c->ctx, n);
	} else if (strcmp(c->command, "down") == 0) {
		n = 1;
		if (c->argc > 1 || parse_count(c, &n) != 0 || (c->all && c->argc > 0))
			return cli_usage_error(c, "usage: pgmigrate down [N | --all]  (default: 1 step)");
		rc = pgm_down(c->ctx, c->all ? -1 : n);
	} else if (strcmp(c->command, "goto") == 0) {
		if (c->argc != 1 || (prc = parse_version_arg(c->argv[0], &v)) != 0 || v < 0)
			return prc == -2 ? cli_usage_error(c, CLI_VERSION_RANGE, c->argv[0])
			                 : cli_usage_error(c, "usage: pgmigrate goto V  (V: a migration version)");
		rc = pgm_goto(c->ctx, (int64_t)v);
	} else {
		if (c->argc != 1 || (prc = parse_version_arg(c->argv[0], &v)) != 0 || v < -1)
			return prc == -2 ? cli_usage_error(c, CLI_VERSION_RANGE, c->argv[0])
			                 : cli_usage_error(c, "usage: pgmigrate force V  (V: a version, or -1 for none)");
		rc = pgm_force(c->ctx, (int64_t)v);
	}
	if (rc != 0)
		return cli_fail(c, rc);
	summary(c, pgm_os_now_ms() - t0);
	return EXIT_OK;
}
