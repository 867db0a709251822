/*
 * status and version: read-only views of the tracking table and the
 * folder. Neither takes the lock nor creates anything.
 */
#include "cli.h"

#include <string.h>

static const char *state_name(pgm_state s)
{
	switch (s) {
	case PGM_ST_APPLIED: return "applied";
	case PGM_ST_PENDING: return "pending";
	case PGM_ST_DIRTY: return "dirty";
	case PGM_ST_MISSING: return "missing";
	case PGM_ST_MODIFIED: return "modified";
	case PGM_ST_OUT_OF_ORDER: return "out_of_order";
	}
	return "?";
}

int cmd_status(cli *c)
{
	pgm_status *st;
	size_t i, pending = 0;
	int rc;

	if (c->argc != 0)
		return cli_usage_error(c, "usage: pgmigrate status");
	if ((rc = pgm_status_get(&st, c->ctx)) != 0)
		return cli_fail(c, rc);
	for (i = 0; i < st->count; i++)
		pending += st->rows[i].state == PGM_ST_PENDING;

	if (c->json) {
		FILE *f = stdout;
		fputc('{', f);
		json_kv_str(f, "event", "status", 0);
		json_kv_str(f, "database", st->target, 1);
		json_kv_str(f, "table", st->table, 1);
		fprintf(f, ",\"table_exists\":%s", st->table_exists ? "true" : "false");
		if (st->version < 0)
			fputs(",\"version\":null", f);
		else
			json_kv_int(f, "version", st->version, 1);
		fprintf(f, ",\"dirty\":%s", st->dirty ? "true" : "false");
		json_kv_int(f, "pending", (long long)pending, 1);
		json_kv_int(f, "server_version", st->server_version, 1);
		fputs(",\"migrations\":[", f);
		for (i = 0; i < st->count; i++) {
			const pgm_status_row *r = &st->rows[i];
			fputs(i ? ",{" : "{", f);
			json_kv_int(f, "version", r->version, 0);
			json_kv_str(f, "name", r->name, 1);
			json_kv_str(f, "state", state_name(r->state), 1);
			json_kv_str(f, "up_file", r->up_file, 1);
			json_kv_str(f, "down_file", r->down_file, 1);
			json_kv_str(f, "applied_at", r->applied_at, 1);
			if (r->failed_statement > 0)
				json_kv_int(f, "failed_statement", r->failed_statement, 1);
			json_kv_str(f, "detail", r->detail, 1);
			fputc('}', f);
		}
		fputs("]}\n", f);
		pgm_status_free(st);
		return EXIT_OK;
	}

	printf("database: %s\n", st->target ? st->target : "?");
	printf("table:    %s%s\n", st->table ? st->table : "?", st->table_exists ? "" : " (not created yet)");
	if (st->version < 0)
		printf("version:  none applied%s\n", st->dirty ? " (dirty: reverting the first migration failed part-way)" : "");
	else
		printf("version:  %lld%s\n", (long long)st->version, st->dirty ? " (dirty)" : "");
	printf("\n");
	if (st->count == 0)
		printf("no migrations in %s\n", pgm_ctx_path(c->ctx, NULL));
	for (i = 0; i < st->count; i++) {
		const pgm_status_row *r = &st->rows[i];
		const char *f = r->up_file ? r->up_file : r->down_file;
		const char *b = f ? strrchr(f, '/') : NULL;
		char vbuf[32];
		int w = 0;
		if (f && strrchr(f, '\\') > b)
			b = strrchr(f, '\\');
		b = b ? b + 1 : f;
		while (b && b[w] >= '0' && b[w] <= '9')
			w++;
		/* the version as the file writes it (000009), else plain */
		snprintf(vbuf, sizeof vbuf, "%0*lld", w, (long long)r->version);
		{
		const char *col = r->state == PGM_ST_APPLIED ? "\033[32m" : r->state == PGM_ST_PENDING ? "\033[33m" : "\033[31m";
		printf("  %s%-8s%s %s  %s%s\n", color(c, col), state_name(r->state), color(c, "\033[0m"),
			vbuf, r->name ? r->name : "",
			r->state == PGM_ST_MISSING ? "(no file with this version: wrong folder or branch?)" :
			r->state == PGM_ST_MODIFIED ? "  (the file changed after it was applied)" :
			r->state == PGM_ST_OUT_OF_ORDER ? "  (older than the current version and never applied: up --allow-out-of-order)" :
			(r->down_file ? "" : "  (no down migration)"));
		if (r->state == PGM_ST_DIRTY && r->failed_statement > 0)
			printf("           stopped at statement %d: %s\n", r->failed_statement, r->detail ? r->detail : "");
		}
	}
	printf("\n%zu migration%s, %zu pending\n", st->count, st->count == 1 ? "" : "s", pending);
	pgm_status_free(st);
	return EXIT_OK;
}

int cmd_version(cli *c)
{
	int64_t v;
	int dirty, rc;
	if (c->argc != 0)
		return cli_usage_error(c, "usage: pgmigrate version");
	if ((rc = pgm_version(c->ctx, &v, &dirty)) != 0)
		return cli_fail(c, rc);
	if (c->json) {
		fputc('{', stdout);
		json_kv_str(stdout, "event", "version", 0);
		if (v < 0)
			fputs(",\"version\":null", stdout);
		else
			json_kv_int(stdout, "version", v, 1);
		printf(",\"dirty\":%s}\n", dirty ? "true" : "false");
	} else if (v < 0) {
		printf("none (no migration applied)%s\n", dirty ? " (dirty)" : "");
	} else {
		printf("%lld%s\n", (long long)v, dirty ? " (dirty)" : "");
	}
	return EXIT_OK;
}
