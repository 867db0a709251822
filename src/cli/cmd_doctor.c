/*
 * doctor: every check of the chain from configuration to lock, each PASS,
 * INFO, WARN, FAIL or SKIP with the evidence and a hint (docs/doctor.md).
 * Exit 0 when no check failed, 1 otherwise. --json: one object.
 */
#include "cli.h"

static const char *status_name(pgm_check_status s, int upper)
{
	switch (s) {
	case PGM_CHECK_PASS: return upper ? "PASS" : "pass";
	case PGM_CHECK_INFO: return upper ? "INFO" : "info";
	case PGM_CHECK_WARN: return upper ? "WARN" : "warn";
	case PGM_CHECK_FAIL: return upper ? "FAIL" : "fail";
	case PGM_CHECK_SKIP: return upper ? "SKIP" : "skip";
	}
	return "?";
}

static const char *status_color(pgm_check_status s)
{
	switch (s) {
	case PGM_CHECK_PASS: return "\033[32m";
	case PGM_CHECK_WARN: return "\033[33;1m";
	case PGM_CHECK_FAIL: return "\033[31;1m";
	default: return "\033[2m";
	}
}

int cmd_doctor(cli *c)
{
	pgm_doctor_report *r = NULL;
	size_t i;
	int rc;

	if (c->argc != 0)
		return cli_usage_error(c, "usage: pgmigrate doctor");
	if ((rc = pgm_doctor(&r, c->ctx)) != 0)
		return cli_fail(c, rc);
	if (c->json) {
		FILE *f = stdout;
		fputc('{', f);
		json_kv_str(f, "event", "doctor", 0);
		fprintf(f, ",\"ok\":%s", r->failures ? "false" : "true");
		json_kv_int(f, "failures", (long long)r->failures, 1);
		json_kv_int(f, "warnings", (long long)r->warnings, 1);
		fputs(",\"checks\":[", f);
		for (i = 0; i < r->count; i++) {
			const pgm_check *k = &r->items[i];
			fputs(i ? ",{" : "{", f);
			json_kv_str(f, "name", k->name, 0);
			json_kv_str(f, "status", status_name(k->status, 0), 1);
			json_kv_str(f, "message", k->message, 1);
			json_kv_str(f, "detail", k->detail, 1);
			json_kv_str(f, "hint", k->hint, 1);
			fputc('}', f);
		}
		fputs("]}\n", f);
	} else {
		printf("pgmigrate %s doctor\n", PGM_VERSION_STRING);
		for (i = 0; i < r->count; i++) {
			const pgm_check *k = &r->items[i];
			printf("%s%s%s  %-10s %s\n", color(c, status_color(k->status)), status_name(k->status, 1), color(c, "\033[0m"),
				k->name, k->message);
			if (k->detail)
				printf("                  detail: %s\n", k->detail);
			if (k->hint)
				printf("                  %shint:%s %s\n", color(c, "\033[36;1m"), color(c, "\033[0m"), k->hint);
		}
		printf("\n%zu failure%s, %zu warning%s\n", r->failures, r->failures == 1 ? "" : "s",
			r->warnings, r->warnings == 1 ? "" : "s");
	}
	rc = r->failures ? EXIT_ERROR : EXIT_OK;
	pgm_doctor_report_free(r);
	return rc;
}
