/*
 * PostgreSQL's own programs, run for the user: finding the bin folder
 * (--pg-bin, PGMIGRATE_PG_BIN, then the OS layer's places: the exe's
 * folder, the registry and default install paths on Windows, PATH), and
 * handing psql the connection through its environment, so the password
 * never reaches a command line.
 */
#include "internal.h"
#include "os/os.h"

#include <stdlib.h>
#include <string.h>

extern const char *const pgm__pgvars[][2];
const char *pgm__config_lookup(const pgm_ctx *ctx, const char *name, pgm_origin *origin);

typedef struct {
	pgm_pg_places *p;
	size_t cap;
	int failed;
} places_state;

static void add_place(const char *source, const char *dir, const char *version, const char *service, void *arg)
{
	places_state *s = arg;
	pgm_pg_place *pl;
	char *f;
	size_t i;

	for (i = 0; i < s->p->count; i++)
		if (strcmp(s->p->items[i].dir, dir) == 0)
			return; /* listed already, by an earlier (stronger) source */
	if (s->p->count == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		pgm_pg_place *n = realloc(s->p->items, ncap * sizeof *n);
		if (!n) {
			s->failed = 1;
			return;
		}
		s->p->items = n;
		s->cap = ncap;
	}
	pl = &s->p->items[s->p->count++];
	memset(pl, 0, sizeof *pl);
	pl->source = source;
	pl->dir = pgm_strdup(dir);
	pl->version = pgm_strdup(version);
	pl->service = pgm_strdup(service);
	f = pgm_aprintf("psql%s", pgm_os_exe_suffix());
	{
		char *full = f ? pgm_os_path_join(dir, f) : NULL;
		pl->has_psql = full && pgm_os_isfile(full);
		free(full);
	}
	free(f);
	{
		char *full = pgm_os_path_join(dir, pgm_os_libpq_name());
		pl->has_libpq = full && pgm_os_isfile(full);
		free(full);
	}
}

int pgm_pg_discover(pgm_pg_places **out, pgm_ctx *ctx)
{
	places_state s;
	const char *v;

	*out = NULL;
	memset(&s, 0, sizeof s);
	if (!(s.p = calloc(1, sizeof *s.p)))
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	if (ctx->cfg.pg_bin)
		add_place("--pg-bin", ctx->cfg.pg_bin, NULL, NULL, &s);
	if ((v = pgm__config_lookup(ctx, "PGMIGRATE_PG_BIN", NULL)) != NULL)
		add_place("PGMIGRATE_PG_BIN", v, NULL, NULL, &s);
	pgm_os_pg_places(add_place, &s);
	if (s.failed) {
		pgm_pg_places_free(s.p);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	*out = s.p;
	return 0;
}

void pgm_pg_places_free(pgm_pg_places *p)
{
	size_t i;
	if (!p)
		return;
	for (i = 0; i < p->count; i++) {
		free(p->items[i].dir);
		free(p->items[i].version);
		free(p->items[i].service);
	}
	free(p->items);
	free(p);
}

int pgm_find_program(char **out, pgm_ctx *ctx, const char *name)
{
	pgm_pg_places *p;
	char *file = pgm_aprintf("%s%s", name, pgm_os_exe_suffix());
	size_t i;
	int rc;

	*out = NULL;
	if (!file)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	if ((rc = pgm_pg_discover(&p, ctx)) != 0) {
		free(file);
		return rc;
	}
	for (i = 0; i < p->count && !*out; i++) {
		char *full = pgm_os_path_join(p->items[i].dir, file);
		if (full && pgm_os_isfile(full))
			*out = full;
		else
			free(full);
	}
	pgm_pg_places_free(p);
	if (!*out) {
		rc = pgm_fail(ctx, PGM_ENOTFOUND, "%s was not found", file);
		pgm_set_detail(ctx, "looked in --pg-bin, PGMIGRATE_PG_BIN, the PostgreSQL installs this system knows and PATH (`pgmigrate env` lists them)");
		pgm_set_hint(ctx, "install the PostgreSQL client, or pass --pg-bin DIR (or set PGMIGRATE_PG_BIN) to the folder holding %s", file);
		free(file);
		return rc;
	}
	free(file);
	return 0;
}

static int strv_set(char ***v, size_t *n, const char *name, const char *value)
{
	size_t i, nl = strlen(name);
	char *e = pgm_aprintf("%s=%s", name, value);
	char **nv;
	if (!e)
		return -1;
	for (i = 0; i < *n; i++)
		if (strncmp((*v)[i], name, nl) == 0 && (*v)[i][nl] == '=') {
			free((*v)[i]);
			(*v)[i] = e;
			return 0;
		}
	nv = realloc(*v, (*n + 2) * sizeof *nv);
	if (!nv) {
		free(e);
		return -1;
	}
	*v = nv;
	nv[(*n)++] = e;
	nv[*n] = NULL;
	return 0;
}

int pgm_client_env(char ***out, pgm_ctx *ctx)
{
	char **v = calloc(1, sizeof *v);
	size_t n = 0;
	int i, failed = 0;

	*out = NULL;
	if (!v)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	/* PG* values from .env (the real environment passes to the child anyway,
	 * and wins: lookup() prefers it) */
	for (i = 0; pgm__pgvars[i][0]; i++) {
		pgm_origin o;
		const char *val = pgm__config_lookup(ctx, pgm__pgvars[i][0], &o);
		if (val && o == PGM_FROM_DOTENV)
			failed |= strv_set(&v, &n, pgm__pgvars[i][0], val);
	}
	if (ctx->cfg.url && !strchr(ctx->cfg.url, '=') && !strstr(ctx->cfg.url, "://")) {
		/* a plain database name, as libpq's dbname expansion takes it */
		failed |= strv_set(&v, &n, "PGDATABASE", ctx->cfg.url);
	} else if (ctx->cfg.url) {
		PQconninfoOption *opts, *o;
		char *err = NULL;
		int rc = pgm__conninfo_check(ctx);
		if (rc == 0)
			rc = pgm__load_libpq(ctx);
		if (rc != 0) {
			pgm_strv_free(v);
			return rc;
		}
		opts = ctx->pq->conninfoParse(ctx->cfg.url, &err);
		if (!opts) {
			pgm_strv_free(v);
			pgm_fail(ctx, PGM_ECONFIG, "the connection string is invalid");
			if (err) {
				char *clean = pgm__scrub_conninfo(err, ctx->cfg.url);
				pgm_set_detail(ctx, "%s", clean ? clean : "");
				free(clean);
				ctx->pq->freemem(err);
			}
			return PGM_ECONFIG;
		}
		for (o = opts; o->keyword; o++) {
			if (!o->val || !*o->val)
				continue;
			for (i = 0; pgm__pgvars[i][0]; i++)
				if (strcmp(pgm__pgvars[i][1], o->keyword) == 0)
					failed |= strv_set(&v, &n, pgm__pgvars[i][0], o->val);
		}
		ctx->pq->conninfoFree(opts);
	}
	if (failed) {
		pgm_strv_free(v);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	*out = v;
	return 0;
}

void pgm_strv_free(char **v)
{
	size_t i;
	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

int pgm_run_program(pgm_ctx *ctx, const char *path, const char *const *argv,
	const char *const *env_set, int *out_exit)
{
	char errbuf[256];
	if (pgm_os_run(path, argv, env_set, out_exit, errbuf, sizeof errbuf) != 0) {
		pgm_fail(ctx, PGM_EIO, "could not run %s", path);
		pgm_set_detail(ctx, "%s", errbuf);
		return PGM_EIO;
	}
	return 0;
}

/* the libpq table, loading the library from the discovered folders where the
 * platform loads it at run time (Windows) */
int pgm__load_libpq(pgm_ctx *ctx)
{
	char errbuf[512];
	const char **dirs = NULL;
	pgm_pg_places *p = NULL;
	size_t i, n = 0;

	if (ctx->pq)
		return 0;
	if (pgm_os_libpq_wants_dirs()) {
		int rc = pgm_pg_discover(&p, ctx);
		if (rc != 0)
			return rc;
		dirs = calloc(p->count + 1, sizeof *dirs);
		if (!dirs) {
			pgm_pg_places_free(p);
			return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
		}
		for (i = 0; i < p->count; i++)
			if (p->items[i].has_libpq)
				dirs[n++] = p->items[i].dir;
	}
	ctx->pq = pgm_os_libpq(dirs, errbuf, sizeof errbuf);
	free(dirs);
	pgm_pg_places_free(p);
	if (!ctx->pq) {
		pgm_fail(ctx, PGM_ECONNECT, "could not load libpq");
		pgm_set_detail(ctx, "%s", errbuf);
		pgm_set_hint(ctx, "install PostgreSQL (or reinstall pgmigrate, which ships %s beside pgmigrate), "
			"or pass --pg-bin DIR (or set PGMIGRATE_PG_BIN) to a folder holding %s; `pgmigrate env` shows where it looked",
			pgm_os_libpq_name(), pgm_os_libpq_name());
		return PGM_ECONNECT;
	}
	return 0;
}

static void add_service(const char *name, const char *display, const char *state, void *arg)
{
	pgm_services *s = arg;
	pgm_service *n = realloc(s->items, (s->count + 1) * sizeof *n);
	if (!n)
		return;
	s->items = n;
	n[s->count].name = pgm_strdup(name);
	n[s->count].display = pgm_strdup(display);
	n[s->count].state = pgm_strdup(state);
	s->count++;
}

int pgm_services_list(pgm_services **out, pgm_ctx *ctx)
{
	pgm_services *s = calloc(1, sizeof *s);
	*out = NULL;
	if (!s)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	pgm_os_services(add_service, s);
	*out = s;
	return 0;
}

void pgm_services_free(pgm_services *s)
{
	size_t i;
	if (!s)
		return;
	for (i = 0; i < s->count; i++) {
		free(s->items[i].name);
		free(s->items[i].display);
		free(s->items[i].state);
	}
	free(s->items);
	free(s);
}

const char *pgm_services_newest(const pgm_services *s)
{
	const char *name = NULL;
	size_t i;
	for (i = 0; s && i < s->count; i++)
		if (!name || pgm__natcmp(s->items[i].name, name) > 0)
			name = s->items[i].name;
	return name;
}

int pgm_service_start(pgm_ctx *ctx, const char *name)
{
	char errbuf[512];
	int denied = 0, rc;
	if (pgm_os_service_start(name, &denied, errbuf, sizeof errbuf) == 0)
		return 0;
	if (denied) {
		rc = pgm_fail(ctx, PGM_EACCESS, "access denied starting service %s", name);
		pgm_set_detail(ctx, "%s", errbuf);
		pgm_set_hint(ctx, "starting a service needs Administrator rights: run `Start-Service %s` in a PowerShell "
			"opened with \"Run as administrator\"", name);
		return rc;
	}
	rc = pgm_fail(ctx, PGM_ERROR, "could not start service %s", name);
	pgm_set_detail(ctx, "%s", errbuf);
	return rc;
}

/* for a refused connection to this machine: what the service list says to do */
char *pgm__service_advice(void)
{
	pgm_services s;
	pgm_buf b = PGM_BUF_INIT;
	size_t i;
	memset(&s, 0, sizeof s);
	pgm_os_services(add_service, &s);
	for (i = 0; i < s.count; i++) {
		if (strcmp(s.items[i].state, "Running") == 0)
			pgm_buf_printf(&b, "%sservice %s (%s) is Running: check the port in DATABASE_URL",
				b.len ? "; " : "", s.items[i].name, s.items[i].display);
		else
			pgm_buf_printf(&b, "%sservice %s (%s) is %s: run `Start-Service %s` as Administrator (or `pgmigrate service start %s`)",
				b.len ? "; " : "", s.items[i].name, s.items[i].display, s.items[i].state, s.items[i].name, s.items[i].name);
		free(s.items[i].name);
		free(s.items[i].display);
		free(s.items[i].state);
	}
	free(s.items);
	return b.len ? pgm_buf_take(&b) : (pgm_buf_free(&b), NULL);
}
