/*
 * verify [V | --pending | --all]: test the down migrations (up, down, up
 * again, comparing the catalog) in a transaction that is rolled back, so
 * the database is left as it was. Without an argument: the pending
 * migrations. Exit 0 when every migration verified cleanly, 1 otherwise.
 */
#include "cli.h"

#include <string.h>

static const char *outcome_name(pgm_verify_outcome o)
{
	switch (o) {
	case PGM_VERIFY_OK: return "ok";
	case PGM_VERIFY_DIFFERENT: return "different";
	case PGM_VERIFY_NO_DOWN: return "no_down";
	case PGM_VERIFY_FAILED: return "failed";
	case PGM_VERIFY_NOT_RUN: return "not_run";
	}
	return "?";
}

static void json_lines(FILE *f, const char *key, char **lines, size_t n)
{
	size_t i;
	fputc(',', f);
	json_str(f, key);
	fputs(":[", f);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json_str(f, lines[i]);
	}
	fputc(']', f);
}

static void print_json(const pgm_verify_result *r, const char *mode)
{
	FILE *f = stdout;
	size_t i;
	fputc('{', f);
	json_kv_str(f, "event", "verify", 0);
	fprintf(f, ",\"ok\":%s", r->failed ? "false" : "true");
	json_kv_str(f, "mode", mode, 1);
	if (r->version < 0)
		fputs(",\"version\":null", f);
	else
		json_kv_int(f, "version", r->version, 1);
	json_kv_int(f, "verified", (long long)r->count, 1);
	json_kv_int(f, "failed", (long long)r->failed, 1);
	json_kv_str(f, "scratch_database", r->scratch_database, 1);
	fputs(",\"migrations\":[", f);
	for (i = 0; i < r->count; i++) {
		const pgm_verify_item *it = &r->items[i];
		const pgm_error *e = &it->error;
		fputs(i ? ",{" : "{", f);
		json_kv_int(f, "version", it->migration->version, 0);
		json_kv_str(f, "name", it->migration->name, 1);
		json_kv_str(f, "up_file", it->migration->up_file, 1);
		json_kv_str(f, "down_file", it->migration->down_file, 1);
		json_kv_str(f, "result", outcome_name(it->outcome), 1);
		fprintf(f, ",\"scratch\":%s", it->scratch ? "true" : "false");
		json_lines(f, "down_missing", it->down.missing, it->down.nmissing);
		json_lines(f, "down_extra", it->down.extra, it->down.nextra);
		json_lines(f, "again_missing", it->again.missing, it->again.nmissing);
		json_lines(f, "again_extra", it->again.extra, it->again.nextra);
		json_kv_str(f, "phase", it->phase, 1);
		if (e->message) {
			fputs(",\"error\":{", f);
			json_kv_str(f, "message", e->message, 0);
			json_kv_str(f, "detail", e->detail, 1);
			json_kv_str(f, "hint", e->hint, 1);
			json_kv_str(f, "sqlstate", e->sqlstate[0] ? e->sqlstate : NULL, 1);
			json_kv_str(f, "file", e->file, 1);
			if (e->line > 0) {
				json_kv_int(f, "line", e->line, 1);
				json_kv_int(f, "column", e->column, 1);
			}
			if (e->statement > 0)
				json_kv_int(f, "statement", e->statement, 1);
			fputc('}', f);
		} else {
			fputs(",\"error\":null", f);
		}
		fputc('}', f);
	}
	fputs("]}\n", f);
}

/* "000001_create_users" from ".../000001_create_users.up.sql" */
static void stem(char *buf, size_t n, const pgm_migration *m)
{
	const char *file = m->up_file, *b, *dot;
	if (!file) {
		snprintf(buf, n, "%lld_%s", (long long)m->version, m->name);
		return;
	}
	b = strrchr(file, '/');
	if (strrchr(file, '\\') > b)
		b = strrchr(file, '\\');
	b = b ? b + 1 : file;
	dot = strstr(b, ".up.sql");
	snprintf(buf, n, "%.*s", dot ? (int)(dot - b) : (int)strlen(b), b);
}

static void print_diff(const cli *c, const pgm_verify_diff *d, const char *what, const char *first, const char *second)
{
	size_t i, j;
	if (!d->nmissing && !d->nextra)
		return;
	printf("          %s (%s- %s%s, %s+ %s%s):\n", what, color(c, "\033[31m"), first, color(c, "\033[0m"),
		color(c, "\033[32m"), second, color(c, "\033[0m"));
	/* both lists are sorted: merged, a changed line's two versions stand together */
	for (i = 0, j = 0; i < d->nmissing || j < d->nextra;) {
		if (j >= d->nextra || (i < d->nmissing && strcmp(d->missing[i], d->extra[j]) <= 0))
			printf("            %s- %s%s\n", color(c, "\033[31m"), d->missing[i++], color(c, "\033[0m"));
		else
			printf("            %s+ %s%s\n", color(c, "\033[32m"), d->extra[j++], color(c, "\033[0m"));
	}
}

static void print_human(const cli *c, const pgm_verify_result *r)
{
	size_t i;
	char name[300];
	for (i = 0; i < r->count; i++) {
		const pgm_verify_item *it = &r->items[i];
		const pgm_error *e = &it->error;
		stem(name, sizeof name, it->migration);
		switch (it->outcome) {
		case PGM_VERIFY_OK:
			printf("%sok%s        %s%s\n", color(c, "\033[32m"), color(c, "\033[0m"), name,
				it->scratch ? " (in the scratch database)" : "");
			break;
		case PGM_VERIFY_DIFFERENT:
			printf("%sDIFFERENT%s %s%s\n", color(c, "\033[31;1m"), color(c, "\033[0m"), name,
				it->scratch ? " (in the scratch database)" : "");
			print_diff(c, &it->down, "the down migration does not restore the schema", "before up", "after down");
			print_diff(c, &it->again, "up after down does not give the same schema", "after up", "after up again");
			break;
		case PGM_VERIFY_NO_DOWN:
			printf("%sNO DOWN%s   %s: %s\n", color(c, "\033[31;1m"), color(c, "\033[0m"), name,
				e->message ? e->message : "no down migration");
			printf("          hint: write %s.down.sql that undoes it\n", name);
			break;
		case PGM_VERIFY_FAILED:
			printf("%sFAILED%s    %s: %s failed%s\n", color(c, "\033[31;1m"), color(c, "\033[0m"), name,
				it->phase ? it->phase : "a step", it->scratch ? " (in the scratch database)" : "");
			if (e->file && e->line > 0)
				printf("          %s:%d:%d: ", e->file, e->line, e->column);
			else if (e->file)
				printf("          %s: ", e->file);
			else
				printf("          ");
			printf("%s", e->message ? e->message : "error");
			if (e->sqlstate[0])
				printf(" (SQLSTATE %s)", e->sqlstate);
			putchar('\n');
			if (e->source_line && e->line > 0)
				printf("          %6d | %s\n", e->line, e->source_line);
			if (e->detail)
				printf("          DETAIL: %s\n", e->detail);
			if (e->hint)
				printf("          HINT: %s\n", e->hint);
			print_diff(c, &it->down, "the down migration does not restore the schema", "before up", "after down");
			break;
		case PGM_VERIFY_NOT_RUN:
			printf("%sskipped%s   %s: %s\n", color(c, "\033[33m"), color(c, "\033[0m"), name,
				e->message ? e->message : "not verified");
			break;
		}
	}
	if (r->count == 0) {
		printf("nothing to verify: no pending migration (verify a version with `pgmigrate verify V`, or all with --all)\n");
		return;
	}
	printf("\n%zu migration%s verified: %zu ok, %zu with problems. The database was left as it was "
		"(everything ran in a transaction that was rolled back%s%s%s).\n",
		r->count, r->count == 1 ? "" : "s", r->count - r->failed, r->failed,
		r->scratch_database ? "; scratch database " : "", r->scratch_database ? r->scratch_database : "",
		r->scratch_database ? " was dropped" : "");
}

int cmd_verify(cli *c)
{
	pgm_verify_result *r = NULL;
	pgm_verify_mode mode = PGM_VERIFY_PENDING;
	long long v = -1;
	int rc;

	if (c->argc > 1 || (c->argc == 1 && (c->all || c->pending)) || (c->all && c->pending))
		return cli_usage_error(c, "usage: pgmigrate verify [V | --pending | --all]");
	if (c->argc == 1) {
		int prc = parse_version_arg(c->argv[0], &v);
		if (prc != 0 || v < 0)
			return cli_usage_error(c, prc == -2 ? CLI_VERSION_RANGE : "invalid version \"%s\"", c->argv[0]);
		mode = PGM_VERIFY_ONE;
	} else if (c->all) {
		mode = PGM_VERIFY_ALL;
	}
	if ((rc = pgm_verify(&r, c->ctx, mode, (int64_t)v)) != 0)
		return cli_fail(c, rc);
	if (c->json)
		print_json(r, mode == PGM_VERIFY_ONE ? "version" : mode == PGM_VERIFY_ALL ? "all" : "pending");
	else
		print_human(c, r);
	rc = r->failed ? EXIT_ERROR : EXIT_OK;
	pgm_verify_result_free(r);
	return rc;
}
