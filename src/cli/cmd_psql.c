/*
 * psql [--] [ARGS...]: run PostgreSQL's psql against the configured
 * database. psql is found like libpq (--pg-bin, PGMIGRATE_PG_BIN, the
 * installs the system knows, PATH); the connection, password included,
 * reaches psql through its environment only, never its command line.
 * The exit code is psql's.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cmd_psql(cli *c)
{
	char *psql = NULL, **env = NULL;
	const char **argv;
	int rc, code = 0, i, n = 0;

	if ((rc = pgm_find_program(&psql, c->ctx, "psql")) != 0)
		return cli_fail(c, rc);
	if ((rc = pgm_client_env(&env, c->ctx)) != 0) {
		pgm_free(psql);
		return cli_fail(c, rc);
	}
	argv = calloc((size_t)c->argc + 2, sizeof *argv);
	if (!argv) {
		pgm_free(psql);
		pgm_strv_free(env);
		return EXIT_ERROR;
	}
	argv[n++] = psql;
	for (i = 0; i < c->argc; i++)
		argv[n++] = c->argv[i];
	argv[n] = NULL;
	if (c->verbose)
		fprintf(stderr, "pgmigrate: running %s\n", psql);
	rc = pgm_run_program(c->ctx, psql, argv, (const char *const *)env, &code);
	free(argv);
	pgm_free(psql);
	pgm_strv_free(env);
	if (rc != 0)
		return cli_fail(c, rc);
	return code;
}
