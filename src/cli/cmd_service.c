/*
 * service [list] / service start [NAME]: the PostgreSQL Windows services
 * (postgresql-x64-18 and friends): their state, and starting one, which
 * needs Administrator rights (access denied is said plainly).
 */
#include "cli.h"

#include <string.h>

int cmd_service(cli *c)
{
	pgm_services *s;
	size_t i;
	int rc;
	const char *sub = c->argc > 0 ? c->argv[0] : "list";

	if (strcmp(sub, "list") != 0 && strcmp(sub, "start") != 0)
		return cli_usage_error(c, "usage: pgmigrate service [list | start [NAME]]");
	if ((rc = pgm_services_list(&s, c->ctx)) != 0)
		return cli_fail(c, rc);
	if (strcmp(sub, "list") == 0) {
		if (c->json) {
			fputc('{', stdout);
			json_kv_str(stdout, "event", "services", 0);
			fputs(",\"services\":[", stdout);
			for (i = 0; i < s->count; i++) {
				fputs(i ? ",{" : "{", stdout);
				json_kv_str(stdout, "name", s->items[i].name, 0);
				json_kv_str(stdout, "display_name", s->items[i].display, 1);
				json_kv_str(stdout, "state", s->items[i].state, 1);
				fputc('}', stdout);
			}
			fputs("]}\n", stdout);
		} else if (s->count == 0) {
			printf("no PostgreSQL service is installed on this machine\n");
		} else {
			for (i = 0; i < s->count; i++)
				printf("%-24s %-10s %s\n", s->items[i].name, s->items[i].state, s->items[i].display);
		}
		pgm_services_free(s);
		return EXIT_OK;
	}
	{
		const char *name = c->argc > 1 ? c->argv[1] : NULL;
		if (!name)
			name = pgm_services_newest(s); /* postgresql-x64-18 before postgresql-x64-9 */
		if (!name) {
			pgm_services_free(s);
			return cli_usage_error(c, "no PostgreSQL service found: name one with `pgmigrate service start NAME`");
		}
		rc = pgm_service_start(c->ctx, name);
		if (rc != 0) {
			pgm_services_free(s);
			return cli_fail(c, rc);
		}
		if (c->json) {
			fputc('{', stdout);
			json_kv_str(stdout, "event", "service_started", 0);
			json_kv_str(stdout, "name", name, 1);
			fputs("}\n", stdout);
		} else {
			printf("started service %s\n", name);
		}
		pgm_services_free(s);
	}
	return EXIT_OK;
}
