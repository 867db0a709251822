/*
 * lint: static checks of the migration files, no database needed
 * (docs/lint.md). The engine finds the problems (pgm_lint); this file
 * shows them in one of three forms: human text with the source line and
 * a caret, one JSON object per finding (--json), or one gcc-style line
 * per finding (--format gcc) for editors and CI annotations. The exit
 * code is 1 when a finding is an error (or any finding, with --strict).
 */
#include "cli.h"

#include <string.h>

#define RESET "\033[0m"
#define BOLD "\033[1m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"

enum { FMT_HUMAN, FMT_GCC, FMT_JSON };

static void print_caret(const pgm_finding *f)
{
	const char *s = f->source_line;
	int i, col = 1;
	if (!s)
		return;
	printf("%6d | %s\n", f->line, s);
	fputs("       | ", stdout);
	/* walk characters up to the column, keeping tabs so the caret lines up */
	for (i = 0; s[i] && col < (f->source_column > 0 ? f->source_column : f->column); i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch & 0xC0) == 0x80)
			continue;
		fputc(ch == '\t' ? '\t' : ' ', stdout);
		col++;
	}
	fputs("^\n", stdout);
}

static void print_json(const pgm_lint_result *r)
{
	FILE *f = stdout;
	size_t i;
	for (i = 0; i < r->count; i++) {
		const pgm_finding *x = &r->findings[i];
		fputc('{', f);
		json_kv_str(f, "event", "finding", 0);
		json_kv_str(f, "rule", x->rule, 1);
		json_kv_str(f, "severity", x->severity, 1);
		json_kv_str(f, "file", x->file, 1);
		json_kv_int(f, "line", x->line, 1);
		json_kv_int(f, "column", x->column, 1);
		json_kv_int(f, "version", x->version, 1);
		json_kv_str(f, "message", x->message, 1);
		json_kv_str(f, "fix", x->fix, 1);
		fputs("}\n", f);
	}
	fputc('{', f);
	json_kv_str(f, "event", "summary", 0);
	json_kv_str(f, "command", "lint", 1);
	json_kv_int(f, "migrations", (long long)r->migrations, 1);
	json_kv_int(f, "files", (long long)r->files, 1);
	json_kv_int(f, "errors", (long long)r->errors, 1);
	json_kv_int(f, "warnings", (long long)r->warnings, 1);
	fputs("}\n", f);
}

static void print_human(cli *c, const pgm_lint_result *r)
{
	size_t i;
	for (i = 0; i < r->count; i++) {
		const pgm_finding *x = &r->findings[i];
		int err = strcmp(x->severity, "error") == 0;
		printf("%s%s:%d:%d:%s %s%s:%s %s [%s]\n", color(c, BOLD), x->file, x->line, x->column, color(c, RESET),
			color(c, err ? RED BOLD : YELLOW BOLD), x->severity, color(c, RESET), x->message, x->rule);
		print_caret(x);
		printf("%sfix:%s %s\n\n", color(c, CYAN BOLD), color(c, RESET), x->fix);
	}
	if (r->count == 0)
		printf("no findings in %zu file%s (%zu migration%s)\n", r->files, r->files == 1 ? "" : "s",
			r->migrations, r->migrations == 1 ? "" : "s");
	else
		printf("%zu error%s, %zu warning%s in %zu file%s (%zu migration%s)\n", r->errors, r->errors == 1 ? "" : "s",
			r->warnings, r->warnings == 1 ? "" : "s", r->files, r->files == 1 ? "" : "s",
			r->migrations, r->migrations == 1 ? "" : "s");
}

int cmd_lint(cli *c)
{
	pgm_lint_result *r;
	int fmt = c->json ? FMT_JSON : FMT_HUMAN, rc, code;

	if (c->argc != 0)
		return cli_usage_error(c, "usage: pgmigrate lint [--disable ID[,ID]]... [--format human|gcc|json] [--strict]");
	if (c->format) {
		if (strcmp(c->format, "gcc") == 0)
			fmt = FMT_GCC;
		else if (strcmp(c->format, "json") == 0)
			fmt = FMT_JSON;
		else if (strcmp(c->format, "human") != 0)
			return cli_usage_error(c, "--format takes human, gcc or json, not \"%s\"", c->format);
		if (c->json && fmt != FMT_JSON)
			return cli_usage_error(c, "--json and --format %s cannot be combined", c->format);
	}
	if (fmt == FMT_JSON)
		c->json = 1; /* errors and load warnings as JSON too */
	if ((rc = pgm_lint(&r, c->ctx, c->disable)) != 0)
		return cli_fail(c, rc);

	if (fmt == FMT_JSON) {
		print_json(r);
	} else if (fmt == FMT_GCC) {
		size_t i;
		for (i = 0; i < r->count; i++) {
			const pgm_finding *x = &r->findings[i];
			printf("%s:%d:%d: %s: %s [%s]\n", x->file, x->line, x->column, x->severity, x->message, x->rule);
		}
	} else {
		print_human(c, r);
	}
	fflush(stdout);
	code = r->errors > 0 || (c->strict && r->warnings > 0) ? EXIT_ERROR : EXIT_OK;
	pgm_lint_result_free(r);
	return code;
}
