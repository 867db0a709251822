/*
 * validate: check the migration files and, when a database is configured,
 * the applied migrations against them (checksums, order, missing files,
 * dirty state). Without a configured database (DATABASE_URL, PG*), or with
 * --offline, only the files are checked. Exit 0 when there is no error, 6 otherwise (warnings alone
 * pass). `--offline` checks the files only.
 */
#include "cli.h"

#include <string.h>

int cmd_validate(cli *c)
{
	pgm_validation *v;
	size_t i;
	int rc, with_db = !c->offline && pgm_ctx_has_database(c->ctx);

	if (c->argc != 0)
		return cli_usage_error(c, "usage: pgmigrate validate [--offline]");
	if ((rc = pgm_validate(&v, c->ctx, with_db)) != 0)
		return cli_fail(c, rc);
	if (c->json) {
		fputc('{', stdout);
		json_kv_str(stdout, "event", "validate", 0);
		fprintf(stdout, ",\"ok\":%s,\"errors\":%zu,\"warnings\":%zu,\"database_checked\":%s,\"migrations\":%zu,\"problems\":[",
			v->errors ? "false" : "true", v->errors, v->count - v->errors, v->db_checked ? "true" : "false",
			pgm_count(c->ctx));
		for (i = 0; i < v->count; i++) {
			const pgm_problem *p = &v->items[i];
			fputs(i ? ",{" : "{", stdout);
			json_kv_str(stdout, "severity", p->severity, 0);
			json_kv_str(stdout, "code", p->code, 1);
			json_kv_str(stdout, "file", p->file, 1);
			if (p->line > 0) {
				json_kv_int(stdout, "line", p->line, 1);
				json_kv_int(stdout, "column", p->column, 1);
			}
			if (p->version >= 0)
				json_kv_int(stdout, "version", p->version, 1);
			json_kv_str(stdout, "message", p->message, 1);
			json_kv_str(stdout, "hint", p->hint, 1);
			fputc('}', stdout);
		}
		fputs("]}\n", stdout);
	} else {
		for (i = 0; i < v->count; i++) {
			const pgm_problem *p = &v->items[i];
			int err = strcmp(p->severity, "error") == 0;
			if (p->file && p->line > 0)
				printf("%s:%d:%d: ", p->file, p->line, p->column);
			else if (p->file)
				printf("%s: ", p->file);
			printf("%s%s:%s %s\n", color(c, err ? "\033[31;1m" : "\033[33;1m"), p->severity, color(c, "\033[0m"), p->message);
			if (p->hint)
				printf("  hint: %s\n", p->hint);
		}
		printf("%s%zu migration%s checked%s: %zu error%s, %zu warning%s\n", v->count ? "\n" : "",
			pgm_count(c->ctx), pgm_count(c->ctx) == 1 ? "" : "s",
			v->db_checked ? " against the database" : " (files only)",
			v->errors, v->errors == 1 ? "" : "s", v->count - v->errors, v->count - v->errors == 1 ? "" : "s");
	}
	rc = v->errors ? EXIT_FILES : EXIT_OK;
	pgm_validation_free(v);
	return rc;
}
