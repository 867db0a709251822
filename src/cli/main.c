/*
 * pgmigrate's entry point: global options, the command, and the exit
 * code. Options may come before or after the command, as with
 * golang-migrate's flags; `--` ends option parsing.
 */
#include "cli.h"
#include "../engine/os/os.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"pgmigrate - PostgreSQL schema migrations, compatible with golang-migrate\n"
"\n"
"Usage: pgmigrate [options] <command> [arguments]\n"
"\n"
"Commands:\n"
"  up [N]          apply all pending migrations, or the next N\n"
"  down [N]        revert the last migration, or the last N (default 1)\n"
"  down --all      revert every applied migration\n"
"  goto V          migrate up or down to version V\n"
"  force V         record version V as applied and clean, running nothing\n"
"                  (V = -1 records that nothing is applied)\n"
"  version         print the current version\n"
"  status          list every migration: applied, pending, dirty, missing\n"
"  new NAME        create the next NNNNNN_NAME.up.sql and .down.sql\n"
"  psql [ARGS]     run psql on the configured database (password via the\n"
"                  environment only); ARGS go to psql, e.g. psql -c \"\\dt\"\n"
"  service [start NAME]  list the PostgreSQL Windows services, or start one\n"
"  env             show the configuration, where each value came from, and\n"
"                  where PostgreSQL's programs were looked for\n"
"  lint            check the migration files without a database (docs/lint.md):\n"
"                  --disable ID[,ID] (repeatable), --format human|gcc|json,\n"
"                  --strict (warnings fail too); exit 1 on an error finding\n"
"  validate        check the files and, with a database, that applied\n"
"                  migrations are unchanged and none was skipped (--offline:\n"
"                  files only)\n"
"  verify [V | --pending | --all]  test the down migrations: up, down, up\n"
"                  again in a transaction that is rolled back, comparing the\n"
"                  schema (default: the pending ones; docs/doctor.md)\n"
"  doctor          check configuration, server, login, rights, tracking\n"
"                  table, lock and installs; say what to do (docs/doctor.md)\n"
"  help            show this text\n"
"\n"
"Options:\n"
"  --database URL     connection URL or keyword/value string\n"
"                     (default: $DATABASE_URL, then DATABASE_URL in .env)\n"
"  --path DIR         migrations folder (default: $PGMIGRATE_PATH or ./migrations)\n"
"  --table NAME       tracking table, NAME or SCHEMA.NAME (default: schema_migrations)\n"
"  --env-file FILE    read FILE instead of ./.env\n"
"  --lock-timeout S   seconds to wait for the migration lock (default 15)\n"
"  --pg-bin DIR       folder of psql (default: $PGMIGRATE_PG_BIN, then search)\n"
"  --ddl-lock-timeout S  give up a lock after S seconds (SET LOCAL lock_timeout)\n"
"  --retries N        retry a migration that hit the lock timeout N times\n"
"  --dry-run          up/down/goto: rehearse in one transaction, then roll back\n"
"  --allow-modified   up: go on although an applied migration's file changed\n"
"  --allow-out-of-order  up: apply older files that were never applied\n"
"  --json             machine-readable output, one JSON object per line\n"
"  --no-color         no colours (also: NO_COLOR set in the environment)\n"
"  --version          print pgmigrate's version\n"
"\n"
"Exit codes: 0 ok, 1 error, 2 usage, 3 dirty database, 4 lock timeout,\n"
"5 connection failed, 6 invalid migration files, 7 integrity (an applied\n"
"migration changed, or an older one was never applied), 130 interrupted.\n";

int cmd_help(cli *c)
{
	if (c->json) {
		fputc('{', stdout);
		json_kv_str(stdout, "event", "help", 0);
		json_kv_str(stdout, "usage", usage, 1);
		fputs("}\n", stdout);
	} else {
		fputs(usage, stdout);
	}
	return EXIT_OK;
}

static int print_version(const cli *c)
{
	if (c->json) {
		fputc('{', stdout);
		json_kv_str(stdout, "event", "program", 0);
		json_kv_str(stdout, "name", "pgmigrate", 1);
		json_kv_str(stdout, "version", PGM_VERSION_STRING, 1);
		fputs("}\n", stdout);
	} else {
		printf("pgmigrate %s\n", PGM_VERSION_STRING);
	}
	return EXIT_OK;
}

int parse_version_arg(const char *s, long long *out)
{
	char *end;
	long long v;
	if (!s || !((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return -1;
	/* strtoll saturates: 99999999999999999999 is not 9223372036854775807 */
	if (errno == ERANGE)
		return -2;
	*out = v;
	return 0;
}

static int is_negative_number(const char *s)
{
	return s[0] == '-' && s[1] >= '0' && s[1] <= '9';
}

/* every command, and the function that runs it */
static const struct command {
	const char *name;
	int (*run)(cli *c);
} commands[] = {
	{ "up", cmd_migrate }, { "down", cmd_migrate }, { "goto", cmd_migrate }, { "force", cmd_migrate },
	{ "status", cmd_status }, { "version", cmd_version }, { "new", cmd_new }, { "create", cmd_new },
	{ "validate", cmd_validate }, { "lint", cmd_lint }, { "psql", cmd_psql }, { "env", cmd_env },
	{ "service", cmd_service }, { "verify", cmd_verify }, { "doctor", cmd_doctor }, { NULL, NULL }
};

static cli *interrupt_target;

static void on_interrupt(void *arg)
{
	cli *c = arg;
	if (c->ctx)
		pgm_ctx_interrupt(c->ctx);
}

int pgm_cli_main(int argc, char **argv)
{
	cli c;
	const struct command *cmd;
	char **pos;
	int npos = 0, i, rc, no_color = 0, opts_done = 0;
	const char *nc;

	memset(&c, 0, sizeof c);
	c.opts.lock_timeout = -1;
	pos = calloc((size_t)argc + 1, sizeof *pos);
	if (!pos)
		return EXIT_ERROR;

	/* --json anywhere shapes every output, --version, help and usage errors
	 * included (up to a `--` or psql's own arguments) */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0 && strcmp(argv[i], "psql") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			c.json = 1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		size_t nlen;
		if (opts_done || a[0] != '-' || strcmp(a, "-") == 0 || is_negative_number(a)) {
			pos[npos++] = argv[i];
			/* everything after `psql` belongs to psql */
			if (npos == 1 && strcmp(a, "psql") == 0) {
				if (i + 1 < argc && strcmp(argv[i + 1], "--") == 0)
					i++;
				while (++i < argc)
					pos[npos++] = argv[i];
			}
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts_done = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			free(pos);
			return cmd_help(&c);
		}
		if (strcmp(a, "--version") == 0) {
			free(pos);
			return print_version(&c);
		}
		if (strcmp(a, "--json") == 0) { c.json = 1; continue; }
		if (strcmp(a, "--no-color") == 0) { no_color = 1; continue; }
		if (strcmp(a, "--all") == 0) { c.all = 1; continue; }
		if (strcmp(a, "--strict") == 0) { c.strict = 1; continue; }
		if (strcmp(a, "--dry-run") == 0) { c.opts.dry_run = 1; continue; }
		if (strcmp(a, "--offline") == 0) { c.offline = 1; continue; }
		if (strcmp(a, "--pending") == 0) { c.pending = 1; continue; }
		if (strcmp(a, "--allow-modified") == 0) { c.opts.allow_modified = 1; continue; }
		if (strcmp(a, "--allow-out-of-order") == 0) { c.opts.allow_out_of_order = 1; continue; }
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) { c.verbose = 1; continue; }
		/* options with a value: --opt VALUE or --opt=VALUE */
		nlen = strcspn(a, "=");
		if (a[nlen] == '=')
			val = a + nlen + 1;
#define OPT(name) (nlen == strlen(name) && strncmp(a, name, nlen) == 0)
		if (OPT("--database") || OPT("--path") || OPT("--table") || OPT("--env-file") || OPT("--lock-timeout") ||
		    OPT("--pg-bin") || OPT("--disable") || OPT("--format") || OPT("--ddl-lock-timeout") || OPT("--retries")) {
			if (!val) {
				if (i + 1 >= argc) {
					free(pos);
					return cli_usage_error(&c, "option %.*s needs a value", (int)nlen, a);
				}
				val = argv[++i];
			}
			if (OPT("--database")) c.opts.database_url = val;
			else if (OPT("--path")) c.opts.path = val;
			else if (OPT("--table")) c.opts.table = val;
			else if (OPT("--env-file")) c.opts.env_file = val;
			else if (OPT("--pg-bin")) c.opts.pg_bin = val;
			else if (OPT("--ddl-lock-timeout")) {
				if (pgm_parse_seconds(val, &c.opts.ddl_lock_timeout) != 0 || c.opts.ddl_lock_timeout <= 0) {
					free(pos);
					return cli_usage_error(&c, "--ddl-lock-timeout takes seconds, like 2s or 0.5, above 0 and "
						"at most 2147483.647 (PostgreSQL's limit: 2147483647 ms)");
				}
			} else if (OPT("--retries")) {
				char *end;
				long r = strtol(val, &end, 10);
				if (*end || r < 0 || r > 100) {
					free(pos);
					return cli_usage_error(&c, "--retries takes a number from 0 to 100");
				}
				c.opts.retries = (int)r;
			}
			else if (OPT("--format")) c.format = val;
			else if (OPT("--disable")) {
				if (c.ndisable >= (int)(sizeof c.disable / sizeof c.disable[0]) - 1) {
					free(pos);
					return cli_usage_error(&c, "too many --disable options (list several ids in one: --disable PGM001,PGM002)");
				}
				c.disable[c.ndisable++] = val;
			}
			else if (pgm_parse_seconds(val, &c.opts.lock_timeout) != 0) {
				free(pos);
				return cli_usage_error(&c, "--lock-timeout takes seconds, like 15 or 2.5 or 30s, at most 2147483.647");
			}
			continue;
		}
#undef OPT
		free(pos);
		return cli_usage_error(&c, "unknown option %s", a);
	}

	nc = pgm_os_getenv("NO_COLOR");
	c.color = !no_color && !c.json && !(nc && *nc) && pgm_os_isatty(2) && pgm_os_isatty(1);
	c.progress = !c.json && pgm_os_isatty(2);
	c.live = c.progress;
	/* output to a file and no bar: nobody watches the run (a terminal, a pipe,
	 * a CI log or PowerShell get each migration as it finishes) */
	c.opts.results_at_batch_end = pgm_os_output_is_file(1) && !c.progress;

	if (npos == 0) {
		free(pos);
		if (c.json)
			return cli_usage_error(&c, "no command given (pgmigrate --json help lists them)");
		cmd_help(&c);
		return EXIT_USAGE;
	}
	c.command = pos[0];
	c.argc = npos - 1;
	c.argv = pos + 1;

	if (strcmp(c.command, "help") == 0) {
		free(pos);
		return cmd_help(&c);
	}
	for (cmd = commands; cmd->name && strcmp(cmd->name, c.command) != 0; cmd++)
		;
	if (!cmd->name) {
		rc = cli_usage_error(&c, "unknown command \"%s\"", c.command);
		free(pos);
		return rc;
	}
	if ((c.ndisable > 0 || c.format || c.strict) && strcmp(c.command, "lint") != 0) {
		rc = cli_usage_error(&c, "--disable, --format and --strict are options of lint only");
		free(pos);
		return rc;
	}

	rc = pgm_ctx_new(&c.ctx, &c.opts);
	if (rc != 0) {
		int code = c.ctx ? cli_fail(&c, rc) : EXIT_ERROR;
		pgm_ctx_free(c.ctx);
		free(pos);
		return code;
	}
	pgm_ctx_set_event_cb(c.ctx, cli_event, &c);
	interrupt_target = &c;
	pgm_os_on_interrupt(on_interrupt, interrupt_target);

	rc = cmd->run(&c);
	cli_running_end(&c);

	pgm_os_on_interrupt(NULL, NULL);
	pgm_ctx_free(c.ctx);
	free(pos);
	return rc;
}
