/*
 * new NAME: the next pair of migration files, numbered like the folder
 * (000010 after 000009; a timestamp in a timestamp-numbered folder).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cmd_new(cli *c)
{
	char *up, *down;
	int rc;
	int64_t v = -1;
	pgm_direction dir;
	char namebuf[512];
	const char *base;

	if (c->argc != 1)
		return cli_usage_error(c, "usage: pgmigrate new NAME  (e.g. pgmigrate new create_reviews_table)");
	if ((rc = pgm_new(&up, &down, c->ctx, c->argv[0])) != 0)
		return cli_fail(c, rc);
	base = strrchr(up, '/');
	if (strrchr(up, '\\') > base)
		base = strrchr(up, '\\');
	base = base ? base + 1 : up;
	pgm_parse_filename(base, &v, namebuf, sizeof namebuf, &dir);
	if (c->json) {
		fputc('{', stdout);
		json_kv_str(stdout, "event", "created", 0);
		json_kv_int(stdout, "version", v, 1);
		json_kv_str(stdout, "name", namebuf, 1);
		json_kv_str(stdout, "up", up, 1);
		json_kv_str(stdout, "down", down, 1);
		fputs("}\n", stdout);
	} else {
		printf("created %s\ncreated %s\n", up, down);
	}
	pgm_free(up);
	pgm_free(down);
	return 0;
}
