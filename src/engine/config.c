/*
 * Configuration: the context is created from the caller's options, the
 * process environment and a .env file, in that order of precedence
 * (flags, then the environment, then .env). Each value remembers where
 * it came from; passwords are held and passed to libpq, never printed.
 */
#include "internal.h"
#include "os/os.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void pgm__source_free(pgm_ctx *ctx);

/* PG* variables honoured from .env (libpq reads the real environment itself,
 * but we pass both as keywords so .env values reach a DLL-built libpq too) */
const char *const pgm__pgvars[][2] = {
	{ "PGHOST", "host" }, { "PGHOSTADDR", "hostaddr" }, { "PGPORT", "port" },
	{ "PGUSER", "user" }, { "PGPASSWORD", "password" }, { "PGPASSFILE", "passfile" },
	{ "PGSSLMODE", "sslmode" }, { "PGSSLROOTCERT", "sslrootcert" }, { "PGSSLCERT", "sslcert" },
	{ "PGSSLKEY", "sslkey" }, { "PGCONNECT_TIMEOUT", "connect_timeout" },
	{ "PGAPPNAME", "application_name" }, { "PGOPTIONS", "options" }, { "PGSERVICE", "service" },
	{ "PGTARGETSESSIONATTRS", "target_session_attrs" }, { "PGCHANNELBINDING", "channel_binding" },
	{ "PGGSSENCMODE", "gssencmode" }, { "PGDATABASE", "dbname" },
	{ NULL, NULL }
};

/* a value from the environment, else from .env; origin reported */
static const char *lookup(const pgm_ctx *ctx, const char *name, pgm_origin *origin)
{
	const char *v = pgm_os_getenv(name);
	if (v && *v) {
		if (origin)
			*origin = PGM_FROM_ENV;
		return v;
	}
	v = pgm_dotenv_get(&ctx->cfg.dotenv, name);
	if (v && *v) {
		if (origin)
			*origin = PGM_FROM_DOTENV;
		return v;
	}
	return NULL;
}

const char *pgm__config_lookup(const pgm_ctx *ctx, const char *name, pgm_origin *origin)
{
	return lookup(ctx, name, origin);
}

/*
 * A .env says which database to change and how to name the tracking table:
 * one planted by another user (a shared or world-writable folder, a
 * checkout made by someone else) would run their text with our rights. Like
 * OpenSSH with authorized_keys, only a file of our own or the system's that
 * nobody else may write is read; any other is refused, never skipped, as
 * skipping would silently change which database the command runs on.
 * Checked on the open file, so it cannot be swapped after the check.
 */
static int check_env_trusted(pgm_ctx *ctx, void *fh, const char *path)
{
	char owner[128] = "?";
	unsigned mode = 0;
	int t = pgm_os_fh_trusted(fh, owner, sizeof owner, &mode);
	if (t == PGM_OS_FOREIGN) {
		pgm_fail(ctx, PGM_ECONFIG, "env file \"%s\" belongs to another user (%s): not read", path, owner);
		pgm_set_detail(ctx, "a .env chooses the database and the tracking table: only your own files, "
			"or the system's, are read");
		pgm_set_hint(ctx, "if the file is yours, take it over (chown); else remove it, run pgmigrate in your own "
			"folder, or give your own file with --env-file");
		return PGM_ECONFIG;
	}
	if (t == PGM_OS_SHARED) {
		pgm_fail(ctx, PGM_ECONFIG, "env file \"%s\" may be changed by other users (mode %04o, owner %s): not read",
			path, mode, owner);
		pgm_set_detail(ctx, "a .env chooses the database and the tracking table: only a file that no one "
			"but its owner may write is read");
		pgm_set_hint(ctx, "chmod go-w \"%s\"", path);
		return PGM_ECONFIG;
	}
	if (t != 0)
		return pgm_fail(ctx, PGM_ECONFIG, "could not tell who owns the env file \"%s\": not read", path);
	return 0;
}

static int read_env_file(pgm_ctx *ctx, const char *path, int required)
{
	char errbuf[256], perr[160];
	/* a pipe only when named (--env-file <(sops -d .env.enc), /dev/stdin):
	 * the user chose to wait for it; a ./.env found is a file. The read runs
	 * before the CLI takes SIGINT over, so Ctrl-C ends a wait for the pipe */
	void *fh = pgm_os_fopen_read_ex(path, required, errbuf, sizeof errbuf);
	pgm_buf b = PGM_BUF_INIT;
	char chunk[8192];
	long got = 0;
	int line = 0, rc;

	if (!fh) {
		/* an optional file that is not there (or a regular file we may not
		 * read, as before) is skipped; a device, a FIFO or a folder is an error */
		if (!required && (!pgm_os_exists(path) || pgm_os_isfile(path)))
			return 0;
		pgm_fail(ctx, PGM_ECONFIG, "could not read the env file \"%s\"", path);
		pgm_set_detail(ctx, "%s", errbuf);
		return PGM_ECONFIG;
	}
	if ((rc = check_env_trusted(ctx, fh, path)) != 0) {
		pgm_os_fclose(fh);
		return rc;
	}
	b.max = 16u << 20;
	/* the cap ends the loop (pgm_os_fopen_read_ex already refuses /dev/zero) */
	while (!b.failed && (got = pgm_os_fread(fh, chunk, sizeof chunk)) > 0)
		pgm_buf_put(&b, chunk, (size_t)got);
	pgm_os_fclose(fh);
	if (got < 0 || b.failed) {
		pgm_buf_free(&b);
		return pgm_fail(ctx, PGM_ECONFIG, "could not read the env file \"%s\"", path);
	}
	if (pgm_dotenv_parse(&ctx->cfg.dotenv, b.ptr ? b.ptr : "", b.len, &line, perr, sizeof perr) != 0) {
		pgm_buf_free(&b);
		pgm_fail(ctx, PGM_ECONFIG, "%s:%d: %s", path, line, perr);
		pgm_set_hint(ctx, "lines look like KEY=value, KEY=\"value\" or KEY='value'; # starts a comment");
		return PGM_ECONFIG;
	}
	pgm_buf_free(&b);
	ctx->cfg.env_file = pgm_strdup(path);
	return 0;
}

/*
 * A name PostgreSQL would cut is refused: the server keeps the first 63
 * bytes of a name (NAMEDATALEN - 1), so a long table name would make the
 * history table "<table>_history" the same table as the tracking one.
 * Text that is not UTF-8 cannot be sent (client_encoding is UTF8).
 */
static int check_table_name(pgm_ctx *ctx, const char *t)
{
	size_t nt = strlen(ctx->cfg.table_name), ns = ctx->cfg.table_schema ? strlen(ctx->cfg.table_schema) : 0;
	if (!pgm__utf8_valid(t, strlen(t))) {
		pgm_fail(ctx, PGM_EUSAGE, "invalid table name: it is not valid UTF-8");
		pgm_set_hint(ctx, "give --table (or PGMIGRATE_TABLE) as UTF-8 text");
		return PGM_EUSAGE;
	}
	if (nt + strlen(PGM_HISTORY_SUFFIX) > PGM_NAME_MAX) {
		pgm_fail(ctx, PGM_EUSAGE, "table name \"%s\" is too long (%zu bytes)", ctx->cfg.table_name, nt);
		pgm_set_detail(ctx, "the history table is named after it, \"%s%s\", and PostgreSQL keeps only the first %d bytes "
			"of a name: the table name plus \"%s\" must fit in %d bytes", ctx->cfg.table_name, PGM_HISTORY_SUFFIX,
			PGM_NAME_MAX, PGM_HISTORY_SUFFIX, PGM_NAME_MAX);
		pgm_set_hint(ctx, "use a table name of at most %d bytes", (int)(PGM_NAME_MAX - strlen(PGM_HISTORY_SUFFIX)));
		return PGM_EUSAGE;
	}
	if (ns > PGM_NAME_MAX) {
		pgm_fail(ctx, PGM_EUSAGE, "schema name \"%s\" is too long (%zu bytes)", ctx->cfg.table_schema, ns);
		pgm_set_detail(ctx, "PostgreSQL keeps only the first %d bytes of a name", PGM_NAME_MAX);
		return PGM_EUSAGE;
	}
	return 0;
}

static int set_table(pgm_ctx *ctx, const char *t)
{
	const char *dot = strchr(t, '.');
	free(ctx->cfg.table_schema);
	free(ctx->cfg.table_name);
	ctx->cfg.table_schema = NULL;
	if (dot) {
		ctx->cfg.table_schema = pgm_strndup(t, (size_t)(dot - t));
		ctx->cfg.table_name = pgm_strdup(dot + 1);
	} else {
		ctx->cfg.table_name = pgm_strdup(t);
	}
	if (!ctx->cfg.table_name || (dot && !ctx->cfg.table_schema))
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	if (!ctx->cfg.table_name[0] || (ctx->cfg.table_schema && !ctx->cfg.table_schema[0]))
		return pgm_fail(ctx, PGM_EUSAGE, "invalid table name \"%s\"", t);
	return check_table_name(ctx, t);
}

/*
 * The project folder when pgmigrate runs below it (cmd/migrate, a package
 * folder): the nearest folder above that holds migrations/, not looking
 * past the top of a git work tree (a folder with .git) or 16 levels.
 * Returns a relative path like "../.." (allocated), or NULL.
 */
static char *find_project_above(void)
{
	char *rel = NULL;
	int depth;

	if (pgm_os_isdir(".git") || pgm_os_isfile(".git"))
		return NULL;  /* the top of the work tree already */
	for (depth = 1; depth <= 16; depth++) {
		char *mig, *git, *up = rel ? pgm_os_path_join(rel, "..") : pgm_strdup("..");
		int found, top;
		free(rel);
		if (!(rel = up))
			return NULL;
		mig = pgm_os_path_join(rel, "migrations");
		git = pgm_os_path_join(rel, ".git");
		/* someone else's folder (a migrations/ planted in /tmp) is not ours */
		found = mig && pgm_os_isdir(mig) && pgm_os_owned_by_me(mig);
		top = git && (pgm_os_isdir(git) || pgm_os_isfile(git));
		free(mig);
		free(git);
		if (found)
			return rel;
		if (top)
			break;
	}
	free(rel);
	return NULL;
}

/* the project folder's .env read from below it: its relative paths are
 * relative to that folder, as they are when pgmigrate runs there */
static int rebase_dotenv_paths(pgm_ctx *ctx)
{
	static const char *const keys[] = { "PGMIGRATE_PATH", "PGMIGRATE_PG_BIN", "PGMIGRATE_CACHE_DIR", "PGPASSFILE",
		"PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY", NULL };
	size_t i, k;
	for (i = 0; i < ctx->cfg.dotenv.count; i++) {
		pgm_dotenv_entry *e = &ctx->cfg.dotenv.entries[i];
		for (k = 0; keys[k] && strcmp(keys[k], e->key) != 0; k++)
			;
		/* words, not paths: PGMIGRATE_CACHE_DIR=off, PGSSLROOTCERT=system */
		if (keys[k] && e->value[0] && !pgm_os_path_is_absolute(e->value) &&
		    !(strcmp(e->key, "PGMIGRATE_CACHE_DIR") == 0 && strcmp(e->value, "off") == 0) &&
		    !(strcmp(e->key, "PGSSLROOTCERT") == 0 && strcmp(e->value, "system") == 0)) {
			char *j = pgm_os_path_join(ctx->cfg.project_above, e->value);
			if (!j)
				return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
			free(e->value);
			e->value = j;
		}
	}
	return 0;
}

/* the .env read: --env-file, the project folder's above, or this folder's */
static int read_config_env(pgm_ctx *ctx, const pgm_options *opts)
{
	int rc;

	/* run below the project folder (no --path, --env-file or PGMIGRATE_PATH,
	 * and neither migrations/ nor .env here): use the project folder's */
	if (!opts->path && !opts->env_file && !pgm_os_getenv("PGMIGRATE_PATH") &&
	    !pgm_os_isdir("migrations") && !pgm_os_isfile(".env"))
		ctx->cfg.project_above = find_project_above();
	if (opts->env_file) {
		rc = read_env_file(ctx, opts->env_file, 1);
	} else if (ctx->cfg.project_above) {
		char *envf = pgm_os_path_join(ctx->cfg.project_above, ".env");
		if (!envf)
			rc = PGM_ENOMEM;
		else if ((rc = read_env_file(ctx, envf, 0)) == 0)
			rc = rebase_dotenv_paths(ctx);
		free(envf);
	} else {
		rc = read_env_file(ctx, ".env", 0);
	}
	return rc;
}

/* the connection string: --database, DATABASE_URL, or PGDATABASE holding one */
static void config_url(pgm_ctx *ctx, const pgm_options *opts)
{
	const char *v;
	pgm_origin o = PGM_FROM_DEFAULT;

	/* the scheme in lower case: libpq takes POSTGRES://... for a database name */
	if (opts->database_url) {
		ctx->cfg.url = pgm__conninfo_normalize(opts->database_url);
		ctx->cfg.url_origin = PGM_FROM_FLAG;
	} else if ((v = lookup(ctx, "DATABASE_URL", &o)) != NULL) {
		ctx->cfg.url = pgm__conninfo_normalize(v);
		ctx->cfg.url_origin = o;
	} else if ((v = lookup(ctx, "PGDATABASE", &o)) != NULL && pgm__conninfo_is_string(v)) {
		/* libpq expands a dbname that is a URL or holds '=': it is the
		 * connection string, checked, shown masked and scrubbed as one */
		ctx->cfg.url = pgm__conninfo_normalize(v);
		ctx->cfg.url_origin = o;
	}
}

/* the migrations folder: --path, PGMIGRATE_PATH, the project's, or ./migrations */
static void config_path(pgm_ctx *ctx, const pgm_options *opts)
{
	const char *v;
	pgm_origin o = PGM_FROM_DEFAULT;

	if (opts->path) {
		ctx->cfg.path = pgm_strdup(opts->path);
		ctx->cfg.path_origin = PGM_FROM_FLAG;
	} else if ((v = lookup(ctx, "PGMIGRATE_PATH", &o)) != NULL) {
		ctx->cfg.path = pgm_strdup(v);
		ctx->cfg.path_origin = o;
	} else if (ctx->cfg.project_above) {
		ctx->cfg.path = pgm_os_path_join(ctx->cfg.project_above, "migrations");
		ctx->cfg.path_origin = PGM_FROM_PARENT;
	} else {
		ctx->cfg.path = pgm_strdup("migrations");
		ctx->cfg.path_origin = PGM_FROM_DEFAULT;
	}
}

/* the lock timeout (--lock-timeout, PGMIGRATE_LOCK_TIMEOUT, 15 s) and the
 * checksum cache's folder (source.c) */
static int config_lock_and_cache(pgm_ctx *ctx, const pgm_options *opts)
{
	const char *v;
	pgm_origin o = PGM_FROM_DEFAULT;

	ctx->cfg.lock_timeout = 15.0;
	ctx->cfg.lock_timeout_origin = PGM_FROM_DEFAULT;
	if (opts->lock_timeout >= 0) {
		ctx->cfg.lock_timeout = opts->lock_timeout;
		ctx->cfg.lock_timeout_origin = PGM_FROM_FLAG;
	} else if ((v = lookup(ctx, "PGMIGRATE_LOCK_TIMEOUT", &o)) != NULL) {
		if (pgm_parse_seconds(v, &ctx->cfg.lock_timeout) != 0)
			return pgm_fail(ctx, PGM_ECONFIG, "PGMIGRATE_LOCK_TIMEOUT=%s is not a number of seconds (like 15, 2.5, 30s or 2m) "
				"from 0 to 2147483.647", v);
		ctx->cfg.lock_timeout_origin = o;
	}

	/* the checksum cache's folder (source.c), or "off" */
	ctx->cfg.sumcache_dir_origin = PGM_FROM_DEFAULT;
	if ((v = lookup(ctx, "PGMIGRATE_CACHE_DIR", &o)) != NULL && v[0]) { /* empty: the default */
		ctx->cfg.sumcache_dir = pgm_strdup(v);
		ctx->cfg.sumcache_dir_origin = o;
	}
	return 0;
}

int pgm_ctx_new(pgm_ctx **out, const pgm_options *opts)
{
	pgm_ctx *ctx = calloc(1, sizeof *ctx);
	pgm_options none;
	const char *v;
	int rc;

	*out = ctx;
	if (!ctx)
		return PGM_ENOMEM;
	if (!opts) {
		memset(&none, 0, sizeof none);
		none.lock_timeout = -1;
		opts = &none;
	}
	ctx->err.version = -1;
	if (!(ctx->src = pgm__source_new()))
		return PGM_ENOMEM;
	if ((rc = read_config_env(ctx, opts)) != 0)
		return rc;
	config_url(ctx, opts);
	config_path(ctx, opts);
	if (opts->table)
		v = opts->table;
	else if (!(v = lookup(ctx, "PGMIGRATE_TABLE", NULL)))
		v = "schema_migrations";
	if ((rc = set_table(ctx, v)) != 0)
		return rc;
	if ((rc = config_lock_and_cache(ctx, opts)) != 0)
		return rc;
	ctx->cfg.application_name = pgm_strdup(opts->application_name ? opts->application_name : "pgmigrate");
	ctx->cfg.pg_bin = pgm_strdup(opts->pg_bin);
	ctx->cfg.dry_run = opts->dry_run;
	ctx->cfg.allow_modified = opts->allow_modified;
	ctx->cfg.allow_out_of_order = opts->allow_out_of_order;
	ctx->cfg.ddl_lock_timeout = opts->ddl_lock_timeout > 0 ? opts->ddl_lock_timeout : 0;
	if (pgm__timeout_ms(ctx->cfg.ddl_lock_timeout) < 0 || pgm__timeout_ms(ctx->cfg.lock_timeout) < 0)
		return pgm_fail(ctx, PGM_EUSAGE, "a lock timeout above %d ms (about 24.8 days) is not possible", INT_MAX);
	ctx->cfg.ddl_lock_ms = (int)pgm__timeout_ms(ctx->cfg.ddl_lock_timeout);
	ctx->cfg.retries = opts->retries > 0 ? opts->retries : 0;
	ctx->cfg.results_at_batch_end = opts->results_at_batch_end;
	ctx->cfg.table_display = pgm_strdup(opts->table ? opts->table : (v = lookup(ctx, "PGMIGRATE_TABLE", NULL)) ? v : "schema_migrations");
	if (!ctx->cfg.path || !ctx->cfg.table_name || !ctx->cfg.application_name)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	return 0;
}

/* user@host for the history, looked up when first written (getpwuid reads
 * nsswitch.conf and the passwd database: not worth it for a no-op run) */
const char *pgm__os_user(pgm_ctx *ctx)
{
	if (!ctx->os_user)
		ctx->os_user = pgm_os_user_host();
	return ctx->os_user ? ctx->os_user : "";
}

void pgm_ctx_free(pgm_ctx *ctx)
{
	if (!ctx)
		return;
	pgm_db_disconnect(ctx);
	pgm__source_free(ctx);
	pgm__hist_free(ctx);
	free(ctx->os_user);
	free(ctx->cfg.project_above);
	pgm_error_clear(ctx);
	pgm_dotenv_free(&ctx->cfg.dotenv);
	free(ctx->cfg.url);
	free(ctx->cfg.path);
	free(ctx->cfg.table_schema);
	free(ctx->cfg.table_name);
	free(ctx->cfg.application_name);
	free(ctx->cfg.env_file);
	free(ctx->cfg.pg_bin);
	free(ctx->cfg.table_display);
	free(ctx->cfg.sumcache_dir);
	free(ctx);
}

const pgm_error *pgm_ctx_error(const pgm_ctx *ctx)
{
	return &ctx->err;
}

void pgm_ctx_set_event_cb(pgm_ctx *ctx, pgm_event_cb cb, void *payload)
{
	ctx->cb = cb;
	ctx->cb_payload = payload;
}

void pgm_ctx_interrupt(pgm_ctx *ctx)
{
	char errbuf[256];
	PGcancel *c;
	ctx->interrupted = 1;
	c = ctx->tgt.cancel;
	if (c && ctx->pq)
		ctx->pq->cancel(c, errbuf, (int)sizeof errbuf);
}

const char *pgm_ctx_path(const pgm_ctx *ctx, pgm_origin *origin)
{
	if (origin)
		*origin = ctx->cfg.path_origin;
	return ctx->cfg.path;
}

const char *pgm_origin_name(pgm_origin o)
{
	switch (o) {
	case PGM_FROM_FLAG: return "flag";
	case PGM_FROM_ENV: return "environment";
	case PGM_FROM_DOTENV: return ".env";
	case PGM_FROM_PARENT: return "a parent folder";
	default: return "default";
	}
}

/* seconds as whole milliseconds, as PostgreSQL's timeouts take them: a part
 * of a millisecond counts as one (0.0001 s is 1 ms, not 0 ms, which would
 * mean no timeout at all); the 1e-6 keeps 1.001 s from becoming 1002 ms
 * through the binary fraction. -1 above INT_MAX ms (PostgreSQL's limit). */
double pgm__timeout_ms(double seconds)
{
	double ms;
	if (!(seconds > 0))
		return 0;
	ms = ceil(seconds * 1000.0 - 1e-6);
	if (ms < 1)
		ms = 1;
	return ms > (double)INT_MAX ? -1 : ms;
}

int pgm_parse_seconds(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s)
		return -1;
	if (strcmp(end, "m") == 0)
		v *= 60.0;
	else if (*end && strcmp(end, "s") != 0)
		return -1;
	if (!(v >= 0 && v <= 1e9))  /* not nan, inf or a negative */
		return -1;
	if (pgm__timeout_ms(v) < 0)  /* above 2147483.647 s */
		return -1;
	*out = v;
	return 0;
}

double pgm_ctx_lock_timeout(const pgm_ctx *ctx, pgm_origin *origin)
{
	if (origin)
		*origin = ctx->cfg.lock_timeout_origin;
	return ctx->cfg.lock_timeout;
}

char *pgm_ctx_target_masked(const pgm_ctx *ctx, pgm_origin *origin)
{
	pgm_buf b = PGM_BUF_INIT;
	int i;
	if (ctx->cfg.url) {
		if (origin)
			*origin = ctx->cfg.url_origin;
		return pgm_mask_conninfo(ctx->cfg.url);
	}
	if (origin)
		*origin = PGM_FROM_DEFAULT;
	/* no URL: describe what libpq will use from PG* variables */
	for (i = 0; pgm__pgvars[i][0]; i++) {
		const char *v = lookup(ctx, pgm__pgvars[i][0], NULL);
		if (!v || strcmp(pgm__pgvars[i][0], "PGPASSWORD") == 0)
			continue;
		if (b.len)
			pgm_buf_put(&b, " ", 1);
		pgm_buf_printf(&b, "%s=%s", pgm__pgvars[i][1], v);
	}
	if (!b.len)
		pgm_buf_puts(&b, "(libpq defaults)");
	return pgm_buf_take(&b);
}

const char *pgm_ctx_env_file(const pgm_ctx *ctx)
{
	return ctx->cfg.env_file;
}

const char *pgm_ctx_table(const pgm_ctx *ctx)
{
	return ctx->cfg.table_display;
}

int pgm_ctx_has_database(const pgm_ctx *ctx)
{
	return ctx->cfg.url || lookup(ctx, "PGHOST", NULL) || lookup(ctx, "PGDATABASE", NULL) ||
	       lookup(ctx, "PGSERVICE", NULL) || lookup(ctx, "PGPORT", NULL);
}
