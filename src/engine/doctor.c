/*
 * doctor: one command that answers "why doesn't it work". Each check
 * looks at one link of the chain, in the order a run goes through them
 * (configuration, files, libpq, server, login, rights, tracking table,
 * lock), and says PASS, INFO, WARN, FAIL or SKIP with the evidence and
 * what to do. The seed's common issues ("relation already exists", "does
 * not exist", "connection refused", a migration stuck or failed) get their
 * specific advice. Doctor only reads: no lock, no table created.
 */
#include "internal.h"
#include "os/os.h"

#include <stdlib.h>
#include <string.h>

const char *pgm__config_lookup(const pgm_ctx *ctx, const char *name, pgm_origin *origin);
int pgm__conn_keywords(pgm_ctx *ctx, const char **keys, const char **vals, int max, const char *dbname);

#define MAX_CHECKS 24
#define MAX_KEYWORDS 48

/* add a check; message, detail and hint are taken over (may be NULL) */
static pgm_check *add(pgm_doctor_report *r, const char *name, pgm_check_status st, char *message)
{
	pgm_check *c;
	if (r->count >= MAX_CHECKS) {
		free(message);
		return &r->items[MAX_CHECKS]; /* the spare slot, never reported */
	}
	c = &r->items[r->count++];
	c->name = name;
	c->status = st;
	c->message = message ? message : pgm_strdup("(out of memory)");
	return c;
}

static void set(char **field, char *value)
{
	free(*field);
	*field = value;
}

/* one line: libpq's messages carry "\n\t" continuation lines */
static char *flatten(const char *s)
{
	char *r = pgm_strdup(s), *w, *p;
	if (!r)
		return NULL;
	for (p = w = r; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			if (w > r && w[-1] != ' ')
				*w++ = ' ';
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return r;
}

/* the check's detail and hint from the context's error */
static void from_error(pgm_check *c, const pgm_ctx *ctx)
{
	set(&c->detail, flatten(ctx->err.detail));
	set(&c->hint, pgm_strdup(ctx->err.hint));
}

static void skip(pgm_doctor_report *r, const char *name, const char *why)
{
	add(r, name, PGM_CHECK_SKIP, pgm_aprintf("not checked: %s", why));
}

/* the first "quoted" name in a message, or NULL */
static char *quoted_name(const char *msg)
{
	const char *a = msg ? strchr(msg, '"') : NULL, *b = a ? strchr(a + 1, '"') : NULL;
	return b ? pgm_strndup(a + 1, (size_t)(b - a - 1)) : NULL;
}

/* the seed's advice for a failed migration's error text (the history keeps the text, not the SQLSTATE) */
static char *advice_for(pgm_ctx *ctx, const char *error)
{
	char *name, *target, *r;
	if (!error)
		return NULL;
	if (strstr(error, "already exists")) {
		name = quoted_name(error);
		r = pgm_aprintf("the object already exists: look at it with `pgmigrate psql -c \"\\d %s\"`; add IF NOT EXISTS to the "
			"CREATE statement, or, when it was created outside migrations, drop it (or record it with `pgmigrate force`)",
			name ? name : "NAME");
		free(name);
		return r;
	}
	if (strstr(error, "does not exist")) {
		target = pgm_ctx_target_masked(ctx, NULL);
		r = pgm_aprintf("an earlier migration may not be applied here (`pgmigrate status`, then `pgmigrate up`), "
			"or DATABASE_URL in .env points at the wrong database (target: %s)", target ? target : "?");
		free(target);
		return r;
	}
	if (strstr(error, "cannot run inside a transaction block") || strstr(error, "cannot be executed inside a transaction"))
		return pgm_strdup("put `-- pgmigrate:no-transaction` at the top of the file to run it statement by statement");
	if (strstr(error, "lock timeout"))
		return pgm_strdup("another session held a lock the migration needed: retry when it is quiet, "
			"or use --ddl-lock-timeout with --retries");
	return NULL;
}

/* ---- configuration and files ---- */

static void check_config(pgm_ctx *ctx, pgm_doctor_report *r, int libpq_ok)
{
	pgm_origin uo, po;
	char *target = pgm_ctx_target_masked(ctx, &uo);
	const char *path = pgm_ctx_path(ctx, &po);
	pgm_check *c;
	pgm_buf b = PGM_BUF_INIT;

	if (ctx->cfg.url)
		pgm_buf_printf(&b, "database %s (from %s)", target ? target : "?", pgm_origin_name(uo));
	else if (target && strcmp(target, "(libpq defaults)") == 0)
		pgm_buf_puts(&b, "database: libpq's defaults");
	else
		pgm_buf_printf(&b, "database %s (from PG* variables)", target ? target : "?");
	pgm_buf_printf(&b, "; migrations folder \"%s\" (from %s); table %s; env file %s", path, pgm_origin_name(po),
		ctx->cfg.table_display ? ctx->cfg.table_display : "schema_migrations", ctx->cfg.env_file ? ctx->cfg.env_file : "(none)");
	{
		pgm_origin co;
		char *cache = pgm_ctx_checksum_cache(ctx, &co);
		pgm_buf_printf(&b, "; checksum cache %s (from %s)", cache ? cache : "off (every file is read)", pgm_origin_name(co));
		free(cache);
	}
	c = add(r, "config", PGM_CHECK_PASS, pgm_buf_take(&b));
	if (!pgm_ctx_has_database(ctx)) {
		c->status = PGM_CHECK_WARN;
		set(&c->detail, pgm_strdup("no DATABASE_URL (flag, environment or .env) and no PGHOST/PGDATABASE: "
			"libpq's defaults apply (a local socket, a database and user named after you)"));
		set(&c->hint, pgm_strdup("put DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DBNAME in .env, or pass --database"));
	} else if (ctx->cfg.url && pgm__conninfo_check(ctx) != 0) {
		/* libpq would misread the password: it never sees the string */
		c->status = PGM_CHECK_FAIL;
		set(&c->detail, pgm_aprintf("%s: %s", ctx->err.message, ctx->err.detail ? ctx->err.detail : ""));
		set(&c->hint, pgm_strdup(ctx->err.hint));
	} else if (ctx->cfg.url && libpq_ok) {
		char *err = NULL;
		PQconninfoOption *opts = ctx->pq->conninfoParse(ctx->cfg.url, &err);
		if (!opts) {
			char *clean = err ? pgm__scrub_conninfo(err, ctx->cfg.url) : NULL;
			c->status = PGM_CHECK_FAIL;
			set(&c->detail, pgm_aprintf("the database URL is not valid: %s", clean ? clean : "out of memory"));
			free(clean);
			if (c->detail) {
				size_t n = strlen(c->detail);
				while (n > 0 && (c->detail[n - 1] == '\n' || c->detail[n - 1] == ' '))
					c->detail[--n] = '\0';
			}
			set(&c->hint, pgm_strdup("write it as postgres://USER:PASSWORD@HOST:5432/DBNAME "
				"(percent-encode special characters in the password, e.g. @ as %40)"));
			if (err)
				ctx->pq->freemem(err);
		} else {
			PQconninfoOption *o;
			for (o = opts; o->keyword; o++)
				if (strcmp(o->keyword, "password") == 0 && o->val && *o->val && uo == PGM_FROM_FLAG)
					set(&c->hint, pgm_strdup("the password is on the command line, where other users of this machine can see it: "
						"put DATABASE_URL in .env or the password in PGPASSWORD"));
			ctx->pq->conninfoFree(opts);
		}
	}
	free(target);
}

static void check_migrations(pgm_ctx *ctx, pgm_doctor_report *r)
{
	pgm_validation *v = NULL;
	pgm_check *c;
	size_t i, n;
	int rc = pgm_validate(&v, ctx, 0);

	if (rc != 0) {
		c = add(r, "migrations", PGM_CHECK_FAIL, pgm_strdup(ctx->err.message));
		from_error(c, ctx);
		if (rc == PGM_EIO)
			set(&c->hint, pgm_strdup("run pgmigrate from the project folder (the one holding migrations/), "
				"or pass --path DIR (or set PGMIGRATE_PATH)"));
		return;
	}
	n = pgm_count(ctx);
	for (i = 0; i < v->count && strcmp(v->items[i].severity, "error") != 0; i++)
		;
	if (v->errors > 0) {
		const pgm_problem *p = &v->items[i];
		c = add(r, "migrations", PGM_CHECK_FAIL, pgm_aprintf("%zu error%s in the migration files", v->errors, v->errors == 1 ? "" : "s"));
		if (p->file && p->line > 0)
			set(&c->detail, pgm_aprintf("first: %s:%d:%d: %s", p->file, p->line, p->column, p->message));
		else
			set(&c->detail, pgm_aprintf("first: %s%s%s", p->file ? p->file : "", p->file ? ": " : "", p->message));
		set(&c->hint, pgm_aprintf("%s%s`pgmigrate validate` lists them all", p->hint ? p->hint : "", p->hint ? "; " : ""));
	} else if (n == 0) {
		c = add(r, "migrations", PGM_CHECK_WARN, pgm_aprintf("no migration files in \"%s\"", ctx->cfg.path));
		set(&c->hint, pgm_strdup("is this the project folder? Pass --path DIR, or create the first one with `pgmigrate new NAME`"));
	} else if (v->count > 0) {
		const pgm_problem *p = &v->items[0];
		c = add(r, "migrations", PGM_CHECK_WARN, pgm_aprintf("%zu migration%s in \"%s\", %zu warning%s", n, n == 1 ? "" : "s",
			ctx->cfg.path, v->count, v->count == 1 ? "" : "s"));
		set(&c->detail, pgm_aprintf("first: %s%s%s", p->file ? p->file : "", p->file ? ": " : "", p->message));
		set(&c->hint, pgm_strdup(p->hint));
	} else {
		const pgm_migration *lo = pgm_get(ctx, 0), *hi = pgm_get(ctx, n - 1);
		if (n == 1)
			add(r, "migrations", PGM_CHECK_PASS, pgm_aprintf("1 migration in \"%s\" (version %lld), the files are valid",
				ctx->cfg.path, (long long)lo->version));
		else
			add(r, "migrations", PGM_CHECK_PASS, pgm_aprintf("%zu migrations in \"%s\" (versions %lld to %lld), the files are valid",
				n, ctx->cfg.path, (long long)lo->version, (long long)hi->version));
	}
	pgm_validation_free(v);
}

static int check_libpq(pgm_ctx *ctx, pgm_doctor_report *r, int rc, const pgm_error *err)
{
	pgm_check *c;
	int v;
	if (rc != 0) {
		c = add(r, "libpq", PGM_CHECK_FAIL, pgm_strdup(err->message));
		set(&c->detail, pgm_strdup(err->detail));
		set(&c->hint, pgm_strdup(err->hint));
		return 0;
	}
	v = ctx->pq->libVersion();
	c = add(r, "libpq", PGM_CHECK_PASS, pgm_aprintf("libpq %d.%d", v / 10000, v % 10000));
	{
		/* which file was loaded, and (Windows) every folder that could provide
		 * it, in search order: a stale copy found first shows here */
		char *file = pgm_os_libpq_path();
		pgm_pg_places *pl = NULL;
		pgm_buf b = PGM_BUF_INIT;
		size_t i;
		if (pgm_os_libpq_wants_dirs() && pgm_pg_discover(&pl, ctx) == 0) {
			for (i = 0; i < pl->count; i++)
				if (pl->items[i].has_libpq)
					pgm_buf_printf(&b, "%s%s (%s)", b.len ? ", " : "", pl->items[i].dir, pl->items[i].source);
			pgm_pg_places_free(pl);
		}
		if (file && b.len)
			set(&c->detail, pgm_aprintf("loaded from %s; folders holding %s, in search order: %s", file,
				pgm_os_libpq_name(), b.ptr));
		else if (file)
			set(&c->detail, pgm_aprintf("loaded from %s", file));
		else if (b.len)
			set(&c->detail, pgm_aprintf("loaded at run time; folders holding %s, in search order: %s",
				pgm_os_libpq_name(), b.ptr));
		else
			set(&c->detail, pgm_aprintf("loaded at run time from the system's library search path (%s)",
				pgm_os_libpq_name()));
		pgm_buf_free(&b);
		free(file);
	}
	return 1;
}

/* ---- server and login ---- */

static int check_connect(pgm_ctx *ctx, pgm_doctor_report *r)
{
	const pgm_pq_api *pq = ctx->pq;
	char *target = pgm_ctx_target_masked(ctx, NULL);
	pgm_check *c;
	PGPing ping = PQPING_NO_RESPONSE;
	int rc = pgm_db_connect(ctx), answered;
	const char *detail;

	if (rc == 0) {
		const char *host = pq->host(ctx->tgt.conn), *port = pq->port(ctx->tgt.conn);
		add(r, "server", PGM_CHECK_PASS, pgm_aprintf("a server answers at %s%s%s", host && *host ? host : "the local socket",
			port && *port ? ", port " : "", port && *port ? port : ""));
		add(r, "login", PGM_CHECK_PASS, pgm_aprintf("logged in as \"%s\" to database \"%s\"", pq->user(ctx->tgt.conn), pq->db(ctx->tgt.conn)));
		free(target);
		return 1;
	}
	if (rc != PGM_ECONNECT) {
		c = add(r, "server", PGM_CHECK_FAIL, pgm_strdup(ctx->err.message));
		from_error(c, ctx);
		skip(r, "login", "no connection");
		free(target);
		return 0;
	}
	detail = ctx->err.detail ? ctx->err.detail : "";
	/* does anything answer there? (the login failing says nothing about that) */
	if (strstr(detail, "timeout expired")) {
		ping = PQPING_NO_RESPONSE;
	} else if (strstr(detail, "for connection option") || strstr(detail, "invalid connection option") ||
	           strstr(detail, "invalid URI") || strstr(detail, "missing \"=\"")) {
		ping = PQPING_NO_ATTEMPT;   /* libpq refused the settings themselves */
	} else {
		const char *keys[MAX_KEYWORDS + 1], *vals[MAX_KEYWORDS + 1];
		pgm__conn_keywords(ctx, keys, vals, MAX_KEYWORDS, NULL);
		ping = pq->pingParams(keys, vals, 1);
	}
	answered = ping == PQPING_OK || ping == PQPING_REJECT;
	if (ping == PQPING_NO_ATTEMPT) {
		c = add(r, "server", PGM_CHECK_FAIL, pgm_strdup("the connection settings are invalid, so no connection was attempted"));
		from_error(c, ctx);
		set(&c->hint, pgm_strdup("check DATABASE_URL (postgres://USER:PASSWORD@HOST:5432/DBNAME) and the PG* variables"));
		skip(r, "login", "no connection");
	} else if (!answered) {
		c = add(r, "server", PGM_CHECK_FAIL, pgm_aprintf("no server answers (target: %s)", target ? target : "?"));
		from_error(c, ctx);
		if (!c->hint)
			set(&c->hint, pgm_strdup("is PostgreSQL running at that host and port? Start it (`docker compose up -d` if you use "
				"Docker; on Windows, the PostgreSQL service), or check DATABASE_URL in .env"));
		skip(r, "login", "no server");
	} else {
		c = add(r, "server", ping == PQPING_OK ? PGM_CHECK_PASS : PGM_CHECK_FAIL,
			ping == PQPING_OK ? pgm_aprintf("a server answers (target: %s)", target ? target : "?")
			                  : pgm_aprintf("the server answers but accepts no connections now: it is starting up, "
			                                "shutting down or recovering (target: %s)", target ? target : "?"));
		if (ping == PQPING_REJECT)
			set(&c->hint, pgm_strdup("wait a moment and retry; if it stays so, read the server's log"));
		if (strstr(detail, "password authentication failed")) {
			pgm_origin o = PGM_FROM_DEFAULT;
			const char *from;
			c = add(r, "login", PGM_CHECK_FAIL, pgm_strdup("password authentication failed"));
			if (pgm__config_lookup(ctx, "PGPASSWORD", &o))
				from = o == PGM_FROM_ENV ? "PGPASSWORD in the environment" : "PGPASSWORD in .env";
			else if (ctx->cfg.url)
				from = ctx->cfg.url_origin == PGM_FROM_FLAG ? "the --database URL" : ctx->cfg.url_origin == PGM_FROM_ENV
					? "DATABASE_URL in the environment" : "DATABASE_URL in .env";
			else
				from = "libpq's defaults (~/.pgpass)";
			set(&c->detail, pgm_aprintf("%s; the password came from %s", detail, from));
			set(&c->hint, pgm_strdup("check the user and password in DATABASE_URL (or PGUSER/PGPASSWORD); "
				"a variable in the environment wins over the same one in .env"));
		} else if (strstr(detail, "does not exist") && strstr(detail, "database")) {
			c = add(r, "login", PGM_CHECK_FAIL, pgm_strdup("the database does not exist"));
			from_error(c, ctx);
			set(&c->hint, pgm_strdup("create it (`createdb NAME`, or CREATE DATABASE in `pgmigrate psql -d postgres`), "
				"or fix the database name in DATABASE_URL"));
		} else {
			c = add(r, "login", PGM_CHECK_FAIL, pgm_strdup(ctx->err.message));
			from_error(c, ctx);
		}
	}
	free(target);
	return 0;
}

/* ---- what the server says ---- */

/* server version, rights in the tracking table's schema, and who holds the lock */
static void check_session(pgm_ctx *ctx, pgm_doctor_report *r, char **out_schema, char **out_db)
{
	const pgm_pq_api *pq = ctx->pq;
	const char *params[2];
	PGresult *res;
	pgm_check *c;
	const char *user, *schema;
	int num;

	*out_schema = *out_db = NULL;
	params[0] = ctx->cfg.table_schema;
	params[1] = ctx->cfg.table_name;
	res = pq->execParams(ctx->tgt.conn,
		"SELECT current_user, pg_catalog.current_database(), pg_catalog.current_setting('server_version'), "
		"pg_catalog.current_setting('server_version_num')::int, s.schema, n.oid IS NOT NULL, "
		"CASE WHEN n.oid IS NOT NULL THEN pg_catalog.has_schema_privilege(n.oid, 'CREATE') END, "
		"CASE WHEN n.oid IS NOT NULL THEN pg_catalog.has_schema_privilege(n.oid, 'USAGE') END, "
		"CASE WHEN c.oid IS NOT NULL THEN pg_catalog.has_table_privilege(c.oid, 'SELECT') "
		"AND pg_catalog.has_table_privilege(c.oid, 'INSERT') AND pg_catalog.has_table_privilege(c.oid, 'DELETE') END "
		"FROM (SELECT coalesce($1, pg_catalog.current_schema()) AS schema) s "
		"LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = s.schema "
		"LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = $2 AND c.relkind IN ('r', 'p')",
		2, NULL, params, NULL, NULL, 0);
	if (!res || pq->resultStatus(res) != PGRES_TUPLES_OK || pq->ntuples(res) != 1) {
		pgm_fail_result(ctx, res, "could not read the session information");
		c = add(r, "version", PGM_CHECK_FAIL, pgm_strdup(ctx->err.message));
		from_error(c, ctx);
		skip(r, "privileges", "the session could not be read");
		if (res)
			pq->clear(res);
		return;
	}
	user = pq->getvalue(res, 0, 0);
	*out_db = pgm_strdup(pq->getvalue(res, 0, 1));
	num = atoi(pq->getvalue(res, 0, 3));
	c = add(r, "version", num >= 120000 ? PGM_CHECK_PASS : PGM_CHECK_WARN,
		pgm_aprintf("PostgreSQL %s", pq->getvalue(res, 0, 2)));
	if (num < 120000)
		set(&c->hint, pgm_strdup("this release no longer gets fixes from the PostgreSQL project; plan an upgrade"));

	schema = pq->getisnull(res, 0, 4) ? NULL : pq->getvalue(res, 0, 4);
	if (!schema) {
		c = add(r, "privileges", PGM_CHECK_FAIL, pgm_strdup("no schema to create tables in: no schema on the search_path exists"));
		set(&c->hint, pgm_strdup("create the schema (CREATE SCHEMA ...), fix search_path, or pass --table SCHEMA.schema_migrations"));
	} else if (strcmp(pq->getvalue(res, 0, 5), "t") != 0) {
		c = add(r, "privileges", PGM_CHECK_FAIL, pgm_aprintf("schema \"%s\" does not exist", schema));
		char *qs = pgm__sql_ident(schema);
		set(&c->hint, pgm_aprintf("create it (CREATE SCHEMA %s), or fix --table / PGMIGRATE_TABLE", qs ? qs : "?"));
		free(qs);
	} else if (strcmp(pq->getvalue(res, 0, 6), "t") != 0 || strcmp(pq->getvalue(res, 0, 7), "t") != 0) {
		c = add(r, "privileges", PGM_CHECK_FAIL, pgm_aprintf("user \"%s\" may not create tables in schema \"%s\"", user, schema));
		char *qs = pgm__sql_ident(schema), *qu = pgm__sql_ident(user);
		set(&c->hint, pgm_aprintf("as the schema's owner: GRANT USAGE, CREATE ON SCHEMA %s TO %s (since PostgreSQL 15 "
			"only the database owner may create in schema public by default), or connect as the owner",
			qs ? qs : "?", qu ? qu : "?"));
		free(qs);
		free(qu);
	} else if (!pq->getisnull(res, 0, 8) && strcmp(pq->getvalue(res, 0, 8), "t") != 0) {
		c = add(r, "privileges", PGM_CHECK_FAIL, pgm_aprintf("user \"%s\" may not read and write the tracking table %s.%s",
			user, schema, ctx->cfg.table_name));
		char *qt = pgm__sql_qualified(schema, ctx->cfg.table_name, NULL), *qu = pgm__sql_ident(user);
		set(&c->hint, pgm_aprintf("GRANT SELECT, INSERT, DELETE ON %s TO %s (and on its _history table), "
			"or connect as the user that ran the migrations", qt ? qt : "?", qu ? qu : "?"));
		free(qt);
		free(qu);
	} else {
		add(r, "privileges", PGM_CHECK_PASS, pgm_aprintf("user \"%s\" may create tables in schema \"%s\"", user, schema));
	}
	*out_schema = schema ? pgm_strdup(schema) : NULL;
	pq->clear(res);
}

static const char *file_of(const pgm_ctx *ctx, int64_t v)
{
	size_t i;
	for (i = 0; i < ctx->src->nmigs; i++)
		if (ctx->src->migs[i].pub.version == v)
			return ctx->src->migs[i].up_display;
	return NULL;
}

static int64_t version_below(const pgm_ctx *ctx, int64_t v)
{
	size_t i;
	int64_t best = -1;
	for (i = 0; i < ctx->src->nmigs; i++)
		if (ctx->src->migs[i].pub.version < v)
			best = ctx->src->migs[i].pub.version;
	return best;
}

static void check_tracking(pgm_ctx *ctx, pgm_doctor_report *r, const char *schema)
{
	pgm_check *c;
	int64_t cur;
	int dirty, exists = 0, rc;
	size_t i, pending = 0;
	char *target;

	rc = pgm_db_read_state(ctx, 0, &exists, &cur, &dirty);
	if (rc != 0) {
		c = add(r, "tracking", PGM_CHECK_FAIL, pgm_aprintf("could not read the tracking table: %s", ctx->err.message));
		from_error(c, ctx);
		skip(r, "pending", "the tracking table could not be read");
		return;
	}
	if (!exists) {
		target = pgm_ctx_target_masked(ctx, NULL);
		c = add(r, "tracking", PGM_CHECK_WARN, pgm_aprintf("no tracking table %s.%s: no migration was ever applied to this database",
			schema ? schema : "?", ctx->cfg.table_name));
		set(&c->hint, pgm_aprintf("run `pgmigrate up`; if migrations were applied, DATABASE_URL points at another database "
			"(target: %s) or the table is elsewhere (--table SCHEMA.NAME)", target ? target : "?"));
		free(target);
		cur = -1;
	} else if (dirty) {
		const pgm_hist *h = pgm_db_hist(ctx, cur);
		const char *file = file_of(ctx, cur);
		char *adv;
		c = add(r, "tracking", PGM_CHECK_FAIL, pgm_aprintf("the database is dirty at version %lld%s%s%s", (long long)cur,
			file ? " (" : "", file ? file : "", file ? ")" : ""));
		if (h && strcmp(h->outcome, "failed") == 0) {
			if (h->failed_statement > 0)
				set(&c->detail, pgm_aprintf("the %s run of %lld stopped at statement %d (%s): %s", h->direction, (long long)cur,
					h->failed_statement, pgm__hist_at(h), h->error ? h->error : "?"));
			else
				set(&c->detail, pgm_aprintf("the %s run of %lld failed (%s): %s", h->direction, (long long)cur,
					pgm__hist_at(h), h->error ? h->error : "?"));
		} else {
			set(&c->detail, pgm_strdup("a migration failed part-way or was interrupted outside a transaction, "
				"so the schema may be half changed"));
		}
		adv = h ? advice_for(ctx, h->error) : NULL;
		set(&c->hint, pgm_aprintf("look at the database (SELECT * FROM %s), finish or undo the failed migration by hand, then record "
			"where it is: `pgmigrate force %lld` if it is fully applied, `pgmigrate force %lld` if it is fully undone; "
			"then run `pgmigrate up` again%s%s", ctx->tgt.qtable ? ctx->tgt.qtable : ctx->cfg.table_name, (long long)cur,
			(long long)version_below(ctx, cur), adv ? ". About the error: " : "", adv ? adv : ""));
		free(adv);
	} else if (cur >= 0 && !file_of(ctx, cur) && ctx->src->loaded) {
		c = add(r, "tracking", PGM_CHECK_FAIL, pgm_aprintf("the database is at version %lld, but no migration file has that version",
			(long long)cur));
		set(&c->hint, pgm_strdup("is this the right folder (--path) and the right branch? Or DATABASE_URL points at another "
			"project's database"));
	} else if (cur < 0) {
		add(r, "tracking", PGM_CHECK_PASS, pgm_aprintf("%s exists; nothing is applied", ctx->tgt.qtable ? ctx->tgt.qtable : ctx->cfg.table_name));
	} else {
		const char *file = file_of(ctx, cur);
		add(r, "tracking", PGM_CHECK_PASS, pgm_aprintf("at version %lld%s%s%s, clean", (long long)cur,
			file ? " (" : "", file ? file : "", file ? ")" : ""));
	}

	/* applied files changed, older ones skipped, files gone */
	if (exists && ctx->src->loaded) {
		pgm_status *st = NULL;
		/* a diagnosis reads every applied file */
		if (pgm__status_get_read_all(&st, ctx) == 0) {
			size_t modified = 0, ooo = 0, missing = 0;
			const char *first = NULL;
			for (i = 0; i < st->count; i++) {
				const pgm_status_row *row = &st->rows[i];
				if (row->state == PGM_ST_MODIFIED && modified++ == 0 && !first)
					first = row->up_file;
				if (row->state == PGM_ST_OUT_OF_ORDER && ooo++ == 0 && !first)
					first = row->up_file;
				if (row->state == PGM_ST_MISSING)
					missing++;
			}
			if (modified || ooo) {
				c = add(r, "applied", PGM_CHECK_FAIL, pgm_aprintf("%zu applied migration%s changed since, %zu older one%s never applied",
					modified, modified == 1 ? "" : "s", ooo, ooo == 1 ? "" : "s"));
				set(&c->detail, first ? pgm_aprintf("first: %s", first) : NULL);
				set(&c->hint, pgm_strdup("`pgmigrate up` refuses this: restore changed files and put changes in new migrations; "
					"apply skipped ones with `pgmigrate up --allow-out-of-order`; `pgmigrate validate` lists them"));
			} else if (missing && file_of(ctx, cur)) {
				c = add(r, "applied", PGM_CHECK_WARN, pgm_aprintf("%zu applied migration%s no longer %s a file", missing,
					missing == 1 ? "" : "s", missing == 1 ? "has" : "have"));
				set(&c->hint, pgm_strdup("deleted or renamed files? `pgmigrate status` lists them"));
			} else if (cur >= 0) {
				add(r, "applied", PGM_CHECK_PASS, pgm_strdup("the applied migrations' files are unchanged"));
			}
			pgm_status_free(st);
		}
		pgm_error_clear(ctx);
	}

	/* the history's last failed run of a version not applied (rolled back, so not dirty) */
	if (exists && ctx->tgt.history_exists && !dirty) {
		const pgm_hist *last = NULL;
		for (i = 0; i < ctx->tgt.nhist; i++) {
			const pgm_hist *h = &ctx->tgt.hist[i];
			if (strcmp(h->outcome, "failed") == 0 && h->version > cur && (!last || h->id > last->id))
				last = h;
		}
		if (last) {
			const char *file = file_of(ctx, last->version);
			char *fname = file ? pgm_strdup(file) : pgm_aprintf("version %lld", (long long)last->version);
			c = add(r, "last_run", PGM_CHECK_WARN, pgm_aprintf("the last %s run of %s failed (%s) and was rolled back",
				last->direction, fname ? fname : "?", pgm__hist_at(last)));
			if (last->failed_statement > 0)
				set(&c->detail, pgm_aprintf("statement %d: %s", last->failed_statement, last->error ? last->error : "?"));
			else
				set(&c->detail, pgm_strdup(last->error ? last->error : "?"));
			set(&c->hint, advice_for(ctx, last->error));
			if (!c->hint)
				set(&c->hint, pgm_strdup("fix the migration file, then run `pgmigrate up` again"));
			free(fname);
		} else {
			add(r, "last_run", PGM_CHECK_PASS, pgm_strdup("no failed run waiting to be fixed in the history"));
		}
	}

	if (!dirty) {
		int64_t lo = -1, hi = -1;
		for (i = 0; i < ctx->src->nmigs; i++)
			if (ctx->src->migs[i].pub.version > cur) {
				if (pending++ == 0)
					lo = ctx->src->migs[i].pub.version;
				hi = ctx->src->migs[i].pub.version;
			}
		if (pending == 0) {
			add(r, "pending", PGM_CHECK_PASS, pgm_strdup("up to date: no pending migration"));
		} else {
			c = add(r, "pending", PGM_CHECK_INFO, pending == 1 ? pgm_aprintf("1 pending migration (version %lld)", (long long)lo)
				: pgm_aprintf("%zu pending migrations (versions %lld to %lld)", pending, (long long)lo, (long long)hi));
			set(&c->hint, pgm_strdup("run `pgmigrate up` (`pgmigrate verify` first tests their down migrations); an application "
				"error \"relation ... does not exist\" often means exactly this"));
		}
	}
}

static void check_lock(pgm_ctx *ctx, pgm_doctor_report *r, const char *schema, const char *database)
{
	const pgm_pq_api *pq = ctx->pq;
	uint32_t key = pgm_lock_key(ctx->tgt.schema ? ctx->tgt.schema : schema, ctx->cfg.table_name,
		ctx->tgt.database ? ctx->tgt.database : database);
	char keybuf[24];
	const char *params[1];
	PGresult *res;
	pgm_check *c;

	snprintf(keybuf, sizeof keybuf, "%u", key);
	params[0] = keybuf;
	res = pq->execParams(ctx->tgt.conn,
		"SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, '?'), "
		"coalesce(pg_catalog.host(a.client_addr), 'local socket'), "
		"coalesce(pg_catalog.to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '?'), coalesce(a.state, '?'), "
		"coalesce(pg_catalog.to_char(a.query_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '?'), "
		"coalesce(pg_catalog.left(pg_catalog.regexp_replace(a.query, E'\\\\s+', ' ', 'g'), 160), ''), "
		"(SELECT count(*) FROM pg_catalog.pg_locks w WHERE w.locktype = 'advisory' AND NOT w.granted AND w.classid = 0 "
		" AND w.objid = $1::oid AND w.objsubid = 1 AND w.database = l.database), "
		PGM_HOLDER_IDLE_SQL " "
		"FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
		"WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1::oid AND l.objsubid = 1 "
		"AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) LIMIT 1",
		1, NULL, params, NULL, NULL, 0);
	if (!res || pq->resultStatus(res) != PGRES_TUPLES_OK) {
		pgm_fail_result(ctx, res, "could not read pg_locks");
		c = add(r, "lock", PGM_CHECK_WARN, pgm_aprintf("could not see who holds the migration lock: %s", ctx->err.message));
	} else if (pq->ntuples(res) == 0) {
		add(r, "lock", PGM_CHECK_PASS, pgm_aprintf("nobody holds the migration lock (advisory lock %u)", key));
	} else {
		const char *pid = pq->getvalue(res, 0, 0);
		long waiting = atol(pq->getvalue(res, 0, 8));
		c = add(r, "lock", PGM_CHECK_WARN, pgm_aprintf("the migration lock is held by pid %s (application \"%s\", user %s, "
			"client %s, connected since %s)%s", pid, pq->getvalue(res, 0, 1), pq->getvalue(res, 0, 2), pq->getvalue(res, 0, 3),
			pq->getvalue(res, 0, 4), waiting > 0 ? "; others wait for it" : ""));
		set(&c->detail, pgm_aprintf("advisory lock %u; that session is %s since %s%s%s", key, pq->getvalue(res, 0, 5),
			pq->getvalue(res, 0, 6), *pq->getvalue(res, 0, 7) ? ": " : "", pq->getvalue(res, 0, 7)));
		long idle = atol(pq->getvalue(res, 0, 9));
		if (idle >= PGM_HOLDER_IDLE_S)
			set(&c->hint, pgm__holder_gone_text(atoi(pid), idle));
		else
			set(&c->hint, pgm_aprintf("a migration run is in progress: `pgmigrate up` waits for it (--lock-timeout). "
				"If that session is stuck, end it: SELECT pg_terminate_backend(%s)", pid));
	}
	if (res)
		pq->clear(res);
}

/* ---- this machine ---- */

static void check_installs(pgm_ctx *ctx, pgm_doctor_report *r)
{
	pgm_pg_places *pl = NULL;
	pgm_buf b = PGM_BUF_INIT;
	pgm_check *c;
	size_t i, n = 0;

	if (pgm_pg_discover(&pl, ctx) != 0) {
		add(r, "installs", PGM_CHECK_INFO, pgm_strdup("could not look for PostgreSQL's programs"));
		return;
	}
	for (i = 0; i < pl->count; i++) {
		const pgm_pg_place *p = &pl->items[i];
		if (!p->has_psql && !p->has_libpq)
			continue;
		pgm_buf_printf(&b, "%s%s%s%s (%s%s%s%s%s)", n++ ? "; " : "", p->dir, p->version ? ", PostgreSQL " : "",
			p->version ? p->version : "", p->has_psql ? "psql" : "", p->has_psql && p->has_libpq ? ", " : "",
			p->has_libpq ? "libpq" : "", p->service ? "; service " : "", p->service ? p->service : "");
	}
	if (n == 0) {
		c = add(r, "installs", PGM_CHECK_INFO, pgm_strdup("no PostgreSQL programs (psql) found"));
		set(&c->hint, pgm_strdup("only `pgmigrate psql` needs them: install the PostgreSQL client, or pass --pg-bin DIR "
			"(or set PGMIGRATE_PG_BIN); `pgmigrate env` shows where it looked"));
		pgm_buf_free(&b);
	} else {
		char *list = pgm_buf_take(&b);
		add(r, "installs", PGM_CHECK_PASS, pgm_aprintf("PostgreSQL programs found: %s", list ? list : "?"));
		free(list);
	}
	pgm_pg_places_free(pl);
}

static void check_services(pgm_ctx *ctx, pgm_doctor_report *r, int server_ok)
{
	pgm_services *s = NULL;
	pgm_buf b = PGM_BUF_INIT;
	pgm_check *c;
	size_t i, stopped = 0;
	const char *first_stopped = NULL;

	if (pgm_services_list(&s, ctx) != 0) {
		add(r, "services", PGM_CHECK_INFO, pgm_strdup("could not list the services"));
		return;
	}
	if (s->count == 0) {
		add(r, "services", PGM_CHECK_INFO, pgm_strdup("no PostgreSQL service on this machine (services are looked for on "
			"Windows; elsewhere the server runs under your init system or Docker)"));
		pgm_services_free(s);
		return;
	}
	for (i = 0; i < s->count; i++) {
		pgm_buf_printf(&b, "%s%s (%s): %s", i ? "; " : "", s->items[i].name, s->items[i].display ? s->items[i].display : "",
			s->items[i].state ? s->items[i].state : "?");
		if (!s->items[i].state || strcmp(s->items[i].state, "Running") != 0) {
			if (stopped++ == 0)
				first_stopped = s->items[i].name;
		}
	}
	{
		char *list = pgm_buf_take(&b);
		pgm_check_status st = stopped == 0 ? PGM_CHECK_PASS : server_ok ? PGM_CHECK_INFO : PGM_CHECK_WARN;
		c = add(r, "services", st, pgm_aprintf("PostgreSQL services: %s", list ? list : "?"));
		free(list);
	}
	if (stopped && !server_ok)
		set(&c->hint, pgm_aprintf("start it: `Start-Service %s` in a PowerShell run as Administrator, or `pgmigrate service start %s`",
			first_stopped, first_stopped));
	pgm_services_free(s);
}

void pgm_doctor_report_free(pgm_doctor_report *r)
{
	size_t i;
	if (!r)
		return;
	for (i = 0; i <= MAX_CHECKS; i++) {
		free(r->items[i].message);
		free(r->items[i].detail);
		free(r->items[i].hint);
	}
	free(r->items);
	free(r);
}

int pgm_doctor(pgm_doctor_report **out, pgm_ctx *ctx)
{
	pgm_doctor_report *r = calloc(1, sizeof *r);
	pgm_error libpq_err;
	char *schema = NULL, *database = NULL;
	int libpq_rc, db = 0, server_ok = 0;
	size_t i;

	*out = NULL;
	if (!r || !(r->items = calloc(MAX_CHECKS + 1, sizeof *r->items))) {
		free(r);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	/* libpq first: the configuration check parses the URL with it */
	memset(&libpq_err, 0, sizeof libpq_err);
	libpq_rc = pgm__load_libpq(ctx);
	if (libpq_rc != 0) {
		libpq_err = ctx->err;
		memset(&ctx->err, 0, sizeof ctx->err);
	}
	check_config(ctx, r, libpq_rc == 0);
	check_migrations(ctx, r);
	db = check_libpq(ctx, r, libpq_rc, &libpq_err);
	if (libpq_rc != 0) {
		pgm_error_clear(ctx);
		ctx->err = libpq_err;  /* handed back, so the context frees it */
		pgm_error_clear(ctx);
	}
	if (db)
		db = server_ok = check_connect(ctx, r);
	else {
		skip(r, "server", "libpq could not be loaded");
		skip(r, "login", "libpq could not be loaded");
	}
	if (db) {
		check_session(ctx, r, &schema, &database);
		check_tracking(ctx, r, schema);
		check_lock(ctx, r, schema ? schema : "public", database ? database : "");
	} else {
		skip(r, "version", "no connection");
		skip(r, "privileges", "no connection");
		skip(r, "tracking", "no connection");
		skip(r, "pending", "no connection");
		skip(r, "lock", "no connection");
	}
	check_installs(ctx, r);
	check_services(ctx, r, server_ok);
	free(schema);
	free(database);
	pgm_error_clear(ctx);
	for (i = 0; i < r->count; i++) {
		if (r->items[i].status == PGM_CHECK_FAIL)
			r->failures++;
		else if (r->items[i].status == PGM_CHECK_WARN)
			r->warnings++;
	}
	*out = r;
	return 0;
}
