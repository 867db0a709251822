/*
 * env: the configuration pgmigrate resolved and where each value came
 * from (flag, environment, .env, default), and every place it looked for
 * PostgreSQL's programs and libpq, in search order. Passwords are masked.
 */
#include "cli.h"

#include <string.h>

int cmd_env(cli *c)
{
	pgm_origin po, uo, lo;
	double lock_timeout = pgm_ctx_lock_timeout(c->ctx, &lo);
	const char *path = pgm_ctx_path(c->ctx, &po);
	char *target = pgm_ctx_target_masked(c->ctx, &uo);
	const char *envf = pgm_ctx_env_file(c->ctx);
	pgm_origin co;
	char *cache = pgm_ctx_checksum_cache(c->ctx, &co);
	pgm_pg_places *pl = NULL;
	size_t i;
	int rc;

	if ((rc = pgm_pg_discover(&pl, c->ctx)) != 0) {
		pgm_free(target);
		pgm_free(cache);
		return cli_fail(c, rc);
	}
	if (c->json) {
		fputc('{', stdout);
		json_kv_str(stdout, "event", "env", 0);
		json_kv_str(stdout, "version", PGM_VERSION_STRING, 1);
		json_kv_str(stdout, "database", target, 1);
		json_kv_str(stdout, "database_from", pgm_origin_name(uo), 1);
		json_kv_str(stdout, "path", path, 1);
		json_kv_str(stdout, "path_from", pgm_origin_name(po), 1);
		json_kv_str(stdout, "table", pgm_ctx_table(c->ctx), 1);
		json_kv_str(stdout, "env_file", envf, 1);
		fprintf(stdout, ",\"lock_timeout\":%g", lock_timeout);
		json_kv_str(stdout, "lock_timeout_from", pgm_origin_name(lo), 1);
		json_kv_str(stdout, "checksum_cache", cache, 1);
		json_kv_str(stdout, "checksum_cache_from", pgm_origin_name(co), 1);
		fputs(",\"pg_places\":[", stdout);
		for (i = 0; i < pl->count; i++) {
			const pgm_pg_place *p = &pl->items[i];
			fputs(i ? ",{" : "{", stdout);
			json_kv_str(stdout, "source", p->source, 0);
			json_kv_str(stdout, "dir", p->dir, 1);
			json_kv_str(stdout, "version", p->version, 1);
			json_kv_str(stdout, "service", p->service, 1);
			fprintf(stdout, ",\"psql\":%s,\"libpq\":%s}", p->has_psql ? "true" : "false",
				p->has_libpq ? "true" : "false");
		}
		fputs("]}\n", stdout);
	} else {
		printf("pgmigrate %s\n", PGM_VERSION_STRING);
		printf("database:  %s  (from %s)\n", target ? target : "?", pgm_origin_name(uo));
		printf("path:      %s  (from %s)\n", path, pgm_origin_name(po));
		printf("table:     %s\n", pgm_ctx_table(c->ctx));
		printf("env file:  %s\n", envf ? envf : "(none)");
		printf("lock wait: %g s  (from %s)\n", lock_timeout, pgm_origin_name(lo));
		printf("checksums: %s  (from %s)\n", cache ? cache : "not cached", pgm_origin_name(co));
		printf("\nPostgreSQL programs, in search order:\n");
		for (i = 0; i < pl->count; i++) {
			const pgm_pg_place *p = &pl->items[i];
			if (strcmp(p->source, "PATH") == 0 && !p->has_psql && !p->has_libpq && !c->verbose)
				continue;
			printf("  %-17s %s%s%s%s%s%s%s\n", p->source, p->dir,
				p->version ? "  (PostgreSQL " : "", p->version ? p->version : "", p->version ? ")" : "",
				p->has_psql ? "  psql" : "", p->has_libpq ? "  libpq" : "",
				!p->has_psql && !p->has_libpq ? "  (nothing here)" : "");
			if (p->service)
				printf("  %-17s   service %s\n", "", p->service);
		}
	}
	pgm_pg_places_free(pl);
	pgm_free(target);
	pgm_free(cache);
	return EXIT_OK;
}
