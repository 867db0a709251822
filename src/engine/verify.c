/*
 * verify: prove that each down migration undoes its up migration, without
 * changing the database ("always test rollback before committing").
 *
 * Everything runs in one transaction on the locked session, rolled back at
 * the end. For each migration verified: snapshot the catalog, run up,
 * snapshot, run down, snapshot, run up again, snapshot. The schema after
 * down must equal the schema before up, and the schema after the second
 * up must equal the one after the first. A snapshot is one catalog query
 * that prints one sorted text line per object or attribute (tables,
 * columns with type, nullability and default, indexes, constraints,
 * sequences, types and enum values, functions, triggers, views, policies,
 * rules, extensions, comments, privileges), so a difference is a line that
 * is only on one side.
 *
 * Each cycle sits in a SAVEPOINT: a failing step is rolled back to it and
 * reported with file:line:col, and the run stops there (what follows may
 * depend on it). A migration that cannot run in a transaction block
 * (`-- pgmigrate:no-transaction`, or only statements such as CREATE INDEX
 * CONCURRENTLY) is verified in a scratch database instead: created empty,
 * brought to the state below the migration by applying the files before
 * it, used for every remaining migration of the run, and dropped at the
 * end. (A copy made with CREATE DATABASE ... TEMPLATE is not possible: the
 * session that holds the migration lock is connected to the database, and
 * the copy would miss what the transaction did so far anyway.)
 */
#include "internal.h"
#include "os/os.h"

#include <stdlib.h>
#include <string.h>

extern const char *const pgm__pgvars[][2];
const char *pgm__config_lookup(const pgm_ctx *ctx, const char *name, pgm_origin *origin);
int pgm__conn_keywords(pgm_ctx *ctx, const char **keys, const char **vals, int max, const char *dbname);

#define MAX_KEYWORDS 48

/*
 * The keywords pgm_db_connect (db.c) uses, for another connection with the
 * same settings (doctor's ping, verify's scratch database). `dbname`, when
 * not NULL, comes after the URL and so replaces its database. Returns the
 * number of pairs; the arrays are NULL-terminated.
 */
int pgm__conn_keywords(pgm_ctx *ctx, const char **keys, const char **vals, int max, const char *dbname)
{
	int n = 0, i;
	keys[n] = "connect_timeout"; vals[n++] = "10";
	keys[n] = "fallback_application_name"; vals[n++] = ctx->cfg.application_name;
	for (i = 0; pgm__pgvars[i][0] && n < max - 5; i++) {
		const char *v;
		if (strcmp(pgm__pgvars[i][1], "dbname") == 0)
			continue;
		if ((v = pgm__config_lookup(ctx, pgm__pgvars[i][0], NULL)) != NULL) {
			keys[n] = pgm__pgvars[i][1];
			vals[n++] = v;
		}
	}
	keys[n] = "dbname";
	vals[n++] = ctx->cfg.url ? ctx->cfg.url : pgm__config_lookup(ctx, "PGDATABASE", NULL);
	if (!vals[n - 1])
		n--;
	if (dbname) {
		keys[n] = "dbname";
		vals[n++] = dbname;
	}
	keys[n] = "client_encoding"; vals[n++] = "UTF8";
	keys[n] = NULL; vals[n] = NULL;
	return n;
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* ---- running SQL on a given connection ---- */

/*
 * Send `sql` (one or more statements) and read every result. The last
 * `nout` result sets are not kept: the first `nout` are, in order. On
 * failure the error is on ctx, *err_pos is the server's 1-based character
 * position (0: none) and *done the number of statements that finished.
 */
static int run_sql(pgm_ctx *ctx, PGconn *conn, const char *sql, PGresult **out, int nout, long *err_pos, int *done)
{
	const pgm_pq_api *pq = ctx->pq;
	PGresult *res;
	int n = 0, rc = 0, i, ok = 0;

	for (i = 0; i < nout; i++)
		out[i] = NULL;
	if (err_pos)
		*err_pos = 0;
	if (!pq->sendQuery(conn, sql)) {
		const char *m = pq->errorMessage(conn);
		pgm_fail(ctx, pq->status(conn) == CONNECTION_BAD ? PGM_ECONNECT : PGM_ESQL, "%s",
			m && *m ? m : "could not send a query");
		return ctx->err.code;
	}
	while ((res = pq->getResult(conn)) != NULL) {
		ExecStatusType st = pq->resultStatus(res);
		if (st == PGRES_FATAL_ERROR) {
			if (rc == 0) {
				const char *p = pq->resultErrorField(res, PG_DIAG_STATEMENT_POSITION);
				rc = pgm_fail_result(ctx, res, "a statement failed");
				if (!pq->resultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) && pq->status(conn) == CONNECTION_BAD)
					rc = ctx->err.code = PGM_ECONNECT;
				if (err_pos && p)
					*err_pos = atol(p);
			}
		} else if (st == PGRES_COPY_IN) {
			pq->putCopyEnd(conn, "COPY FROM STDIN is not supported in migration files");
		} else if (st == PGRES_COPY_OUT) {
			char *row;
			while (pq->getCopyData(conn, &row, 0) > 0)
				pq->freemem(row);
		} else if (rc == 0 && st != PGRES_EMPTY_QUERY) {
			ok++;
			if (st == PGRES_TUPLES_OK && n < nout) {
				out[n++] = res;
				continue;
			}
		}
		pq->clear(res);
	}
	if (done)
		*done = ok;
	if (rc != 0)
		for (i = 0; i < n; i++) {
			pq->clear(out[i]);
			out[i] = NULL;
		}
	return rc;
}

/* a command whose result does not matter beyond success */
static int run_cmd(pgm_ctx *ctx, PGconn *conn, const char *sql)
{
	return run_sql(ctx, conn, sql, NULL, 0, NULL, NULL);
}

/* ---- migration bodies ---- */

typedef struct body {
	pgm_mig *m;
	pgm_direction dir;
	const char *display;
	char *text;
	size_t len;
	pgm_lex_result lex;
	int notx;           /* runs outside a transaction block: statement by statement, */
	int whole;          /* or, when it manages its own transactions, as one query */
} body;

static void body_free(body *b)
{
	free(b->text);
	pgm_lex_free(&b->lex);
	memset(b, 0, sizeof *b);
}

/* attach file, line, column and source line of byte `off` of the body */
static void locate(pgm_ctx *ctx, const body *b, size_t off, int statement)
{
	pgm_error_place(ctx, b->display, b->m->pub.version, b->text, b->len, off, 1, &b->lex, statement);
}

/* read and split a body, refusing what the runner refuses (runner.c check_body) */
static int body_load(pgm_ctx *ctx, pgm_mig *m, pgm_direction dir, body *b)
{
	const char *path = dir == PGM_UP ? m->up_path : m->down_path;
	size_t i, notx = 0, first = 0;
	int rc, wrapped = 0;

	memset(b, 0, sizeof *b);
	b->m = m;
	b->dir = dir;
	b->display = dir == PGM_UP ? m->up_display : m->down_display;
	if (!path) {
		pgm_fail(ctx, PGM_ENODOWN, "%s has no down migration", m->up_display);
		ctx->err.version = m->pub.version;
		return PGM_ENODOWN;
	}
	if ((rc = pgm_read_body(ctx, path, b->display, &b->text, &b->len)) != 0)
		return rc;
	if (pgm_lex(&b->lex, b->text, b->len) != 0)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	if (b->lex.error && strcmp(b->lex.error_message, "psql meta-commands are not SQL") == 0) {
		rc = pgm_fail(ctx, PGM_ESOURCE, "psql meta-commands are not SQL");
		locate(ctx, b, b->lex.error_offset, 0);
		pgm_set_hint(ctx, "write the SQL itself instead of the psql command");
		return rc;
	}
	if (!b->lex.no_transaction && b->lex.has_txctl) {
		/* as the runner does (runner.c check_txctl): a wrapper is dropped, other
		 * transaction control runs as one query, outside the transaction */
		pgm_txplan tx;
		pgm_lex_txplan(&tx, &b->lex, b->text);
		if (tx.mode == PGM_TX_SELF) {
			b->notx = b->whole = 1;
			return 0;
		}
		if (tx.mode == PGM_TX_OPEN) {
			rc = pgm_fail(ctx, PGM_ESOURCE, "the migration leaves a transaction open");
			locate(ctx, b, b->lex.stmts[tx.first].start, (int)tx.first + 1);
			pgm_set_hint(ctx, "end the transaction with COMMIT; at the end of the file");
			return rc;
		}
		pgm_lex_unwrap(b->text, &b->lex, &tx);
		wrapped = 1;
	}
	for (i = 0; i < b->lex.count; i++) {
		const pgm_stmt *st = &b->lex.stmts[i];
		if (st->notx && (!st->notx_before_12 || ctx->tgt.server_version < 120000)) {
			if (notx++ == 0)
				first = i;
		}
	}
	if (b->lex.no_transaction || (notx > 0 && notx == b->lex.count && !wrapped)) {
		b->notx = 1;
	} else if (notx > 0 && notx < b->lex.count) {
		/* (a wrapped file of only such statements runs in the transaction its
		 * author asked for, and the server refuses it, as runner.c does) */
		rc = pgm_fail(ctx, PGM_ESOURCE, "the migration mixes statements that need a transaction with %s, which cannot run inside one",
			b->lex.stmts[first].notx);
		locate(ctx, b, b->lex.stmts[first].start, (int)first + 1);
		pgm_set_hint(ctx, "split the file, or add `-- pgmigrate:no-transaction` at the top to run every statement on its own");
		return rc;
	}
	return 0;
}

/* advice for what a failing step of the cycle usually means */
static void add_hint(pgm_ctx *ctx, pgm_direction dir, int again)
{
	const char *st = ctx->err.sqlstate;
	if (ctx->err.hint)
		return;
	if (again && (strcmp(st, "42P07") == 0 || strcmp(st, "42710") == 0 || strcmp(st, "42701") == 0))
		pgm_set_hint(ctx, "the down migration leaves this object behind: drop it in the .down.sql "
			"(or use IF NOT EXISTS in the up migration)");
	else if (strcmp(st, "42P07") == 0 || strcmp(st, "42710") == 0)
		pgm_set_hint(ctx, "the object already exists: use IF NOT EXISTS, or it was created outside migrations "
			"(check with \\d in psql)");
	else if (dir == PGM_DOWN && (strcmp(st, "42P01") == 0 || strcmp(st, "42704") == 0 || strcmp(st, "42703") == 0))
		pgm_set_hint(ctx, "the down migration removes something the up migration did not create: check the names, "
			"or use IF EXISTS");
	else if (strcmp(st, "42P01") == 0 || strcmp(st, "42883") == 0 || strcmp(st, "3F000") == 0)
		pgm_set_hint(ctx, "it depends on something no earlier migration creates (or that was created outside migrations)");
	else if (strcmp(st, "55P04") == 0)
		pgm_set_hint(ctx, "a new enum value cannot be used in the transaction that adds it: verify the migration that "
			"uses it separately, or mark the adding one `-- pgmigrate:no-transaction`");
}

/* run a body on conn: in one message, or statement by statement when notx */
static int body_run(pgm_ctx *ctx, PGconn *conn, body *b, int again)
{
	long pos = 0;
	int done = 0, rc;
	size_t i;

	if (ctx->interrupted)
		return pgm_fail(ctx, PGM_ECANCELED, "interrupted");
	if (b->lex.count == 0)
		return 0;
	if (b->notx && !b->whole) {
		for (i = 0; i < b->lex.count; i++) {
			const pgm_stmt *st = &b->lex.stmts[i];
			char *sql = pgm_strndup(b->text + st->start, st->end - st->start);
			if (!sql)
				return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
			rc = run_sql(ctx, conn, sql, NULL, 0, &pos, NULL);
			if (rc != 0) {
				locate(ctx, b, st->start + (pos > 0 ? pgm_char_to_byte(sql, strlen(sql), pos) : 0), (int)i + 1);
				free(sql);
				add_hint(ctx, b->dir, again);
				return rc;
			}
			free(sql);
		}
		return 0;
	}
	rc = run_sql(ctx, conn, b->text, NULL, 0, &pos, &done);
	if (rc != 0) {
		if (pos > 0)
			locate(ctx, b, pgm_char_to_byte(b->text, b->len, pos), 0);
		else if ((size_t)done < b->lex.count)
			locate(ctx, b, b->lex.stmts[done].start, done + 1);
		else
			locate(ctx, b, b->len, 0);
		add_hint(ctx, b->dir, again);
	}
	return rc;
}

/* ---- catalog snapshots ---- */

typedef struct snap {
	char **lines;
	size_t n;
} snap;

static void snap_free(snap *s)
{
	size_t i;
	for (i = 0; i < s->n; i++)
		free(s->lines[i]);
	free(s->lines);
	s->lines = NULL;
	s->n = 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * One line per object and attribute. search_path is pg_catalog while it
 * runs (and put back after, in the same message), so that names print the
 * same whatever search_path a migration set; objects of extensions appear
 * only as their extension.
 */
static char *snapshot_sql(int server_version)
{
	pgm_buf b = PGM_BUF_INIT;
	const char *prokind = server_version >= 110000 ? "p.prokind"
		: "(CASE WHEN p.proisagg THEN 'a' WHEN p.proiswindow THEN 'w' ELSE 'f' END)";
	pgm_buf_puts(&b,
		"SELECT pg_catalog.set_config('pgmigrate.verify_path', pg_catalog.current_setting('search_path'), true), "
		"pg_catalog.set_config('search_path', 'pg_catalog', true);\n"
		"WITH ns AS (\n"
		"  SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n\n"
		"  WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'\n"
		"), ext AS (\n"
		"  SELECT d.classid, d.objid FROM pg_catalog.pg_depend d WHERE d.deptype = 'e'\n"
		"), rel AS (\n"
		"  SELECT c.oid, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity, c.relacl, c.reloptions,\n"
		"         c.relispartition, c.relpartbound,\n"
		"         pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS q\n"
		"  FROM pg_catalog.pg_class c JOIN ns n ON n.oid = c.relnamespace\n"
		"  WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ext.objid = c.oid)\n"
		"), typ AS (\n"
		"  SELECT t.oid, t.typtype, t.typbasetype, t.typtypmod, t.typnotnull, t.typdefault, t.typacl,\n"
		"         pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.typname) AS q\n"
		"  FROM pg_catalog.pg_type t JOIN ns n ON n.oid = t.typnamespace\n"
		"  WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND ext.objid = t.oid)\n"
		")\n"
		"SELECT l FROM (\n"
		/* schemas */
		"  SELECT 'schema ' || pg_catalog.quote_ident(n.nspname) || coalesce(' acl=' || n.nspacl::text, '') AS l\n"
		"  FROM pg_catalog.pg_namespace n JOIN ns ON ns.oid = n.oid\n"
		"  WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND ext.objid = n.oid)\n"
		/* tables, views, sequences, composite types */
		"  UNION ALL\n"
		"  SELECT CASE r.relkind WHEN 'r' THEN 'table ' WHEN 'p' THEN 'table ' WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view '\n"
		"         WHEN 'S' THEN 'sequence ' WHEN 'f' THEN 'foreign table ' ELSE 'type ' END || r.q\n"
		"    || CASE WHEN r.relkind = 'p' THEN ' PARTITION BY ' || pg_catalog.pg_get_partkeydef(r.oid) ELSE '' END\n"
		"    || CASE WHEN r.relispartition THEN ' PARTITION OF ' || coalesce((SELECT pr.q FROM pg_catalog.pg_inherits i JOIN rel pr ON pr.oid = i.inhparent\n"
		"         WHERE i.inhrelid = r.oid), '?') || ' ' || pg_catalog.pg_get_expr(r.relpartbound, r.oid) ELSE '' END\n"
		"    || CASE WHEN r.relkind = 'c' THEN ' AS composite' ELSE '' END\n"
		"    || CASE WHEN r.relpersistence = 'u' THEN ' UNLOGGED' ELSE '' END\n"
		"    || CASE WHEN r.relrowsecurity THEN ' ROW LEVEL SECURITY' ELSE '' END\n"
		"    || CASE WHEN r.relforcerowsecurity THEN ' FORCE ROW LEVEL SECURITY' ELSE '' END\n"
		"    || coalesce(' WITH (' || pg_catalog.array_to_string(r.reloptions, ', ') || ')', '')\n"
		"    || CASE WHEN r.relkind IN ('v', 'm') THEN ' AS ' || pg_catalog.btrim(pg_catalog.regexp_replace(pg_catalog.pg_get_viewdef(r.oid), E'\\\\s+', ' ', 'g')) ELSE '' END\n"
		"    || coalesce(' AS ' || pg_catalog.format_type(s.seqtypid, NULL) || ' START ' || s.seqstart || ' INCREMENT ' || s.seqincrement\n"
		"         || ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax || ' CACHE ' || s.seqcache\n"
		"         || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END, '')\n"
		"    || coalesce(' acl=' || r.relacl::text, '')\n"
		"  FROM rel r LEFT JOIN pg_catalog.pg_sequence s ON s.seqrelid = r.oid\n"
		"  WHERE r.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')\n"
		/* inheritance (not partitions: on the table line) */
		"  UNION ALL\n"
		"  SELECT 'table ' || c.q || ' INHERITS ' || p.q || ' #' || i.inhseqno\n"
		"  FROM pg_catalog.pg_inherits i JOIN rel c ON c.oid = i.inhrelid JOIN rel p ON p.oid = i.inhparent\n"
		"  WHERE NOT c.relispartition AND c.relkind IN ('r', 'p', 'f')\n"
		/* sequences owned by a column (serial, identity) */
		"  UNION ALL\n"
		"  SELECT 'sequence ' || s.q || ' OWNED BY ' || t.q || '.' || pg_catalog.quote_ident(a.attname)\n"
		"  FROM rel s JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = s.oid\n"
		"    AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0\n"
		"  JOIN rel t ON t.oid = d.refobjid\n"
		"  JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid\n"
		"  WHERE s.relkind = 'S'\n"
		/* columns: position among the live ones, type, collation, not null, default, identity */
		"  UNION ALL\n"
		"  SELECT 'column ' || r.q || '.' || pg_catalog.quote_ident(a.attname)\n"
		"    || ' #' || pg_catalog.row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)\n"
		"    || ': ' || pg_catalog.format_type(a.atttypid, a.atttypmod)\n"
		"    || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation\n"
		"         THEN ' COLLATE ' || (SELECT pg_catalog.quote_ident(co.collname) FROM pg_catalog.pg_collation co WHERE co.oid = a.attcollation)\n"
		"         ELSE '' END\n"
		"    || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END\n");
	if (server_version >= 120000)
		pgm_buf_puts(&b,
		"    || CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) || ') STORED'\n"
		"         ELSE coalesce(' DEFAULT ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') END\n");
	else
		pgm_buf_puts(&b,
		"    || coalesce(' DEFAULT ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), '')\n");
	pgm_buf_puts(&b,
		"    || CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END\n"
		"    || coalesce(' acl=' || a.attacl::text, '')\n"
		"  FROM rel r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid\n"
		"  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid\n"
		"  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum\n"
		"  WHERE r.relkind IN ('r', 'p', 'f', 'c') AND a.attnum > 0 AND NOT a.attisdropped\n"
		/* indexes */
		"  UNION ALL\n"
		"  SELECT 'index ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(ic.relname) || ': '\n"
		"    || pg_catalog.pg_get_indexdef(i.indexrelid) || CASE WHEN NOT i.indisvalid THEN ' (invalid)' ELSE '' END\n"
		"  FROM pg_catalog.pg_index i JOIN rel r ON r.oid = i.indrelid\n"
		"  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace\n"
		/* constraints of tables and domains */
		"  UNION ALL\n"
		"  SELECT 'constraint ' || coalesce(r.q, y.q) || '.' || pg_catalog.quote_ident(c.conname) || ': '\n"
		"    || pg_catalog.pg_get_constraintdef(c.oid)\n"
		"  FROM pg_catalog.pg_constraint c LEFT JOIN rel r ON r.oid = c.conrelid LEFT JOIN typ y ON y.oid = c.contypid\n"
		"  WHERE r.oid IS NOT NULL OR y.oid IS NOT NULL\n"
		/* enums, domains, ranges, base types (not the array types made for them) */
		"  UNION ALL\n"
		"  SELECT 'type ' || y.q || CASE y.typtype\n"
		"      WHEN 'e' THEN ' AS ENUM (' || coalesce((SELECT pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)\n"
		"        FROM pg_catalog.pg_enum e WHERE e.enumtypid = y.oid), '') || ')'\n"
		"      WHEN 'd' THEN ' AS DOMAIN ' || pg_catalog.format_type(y.typbasetype, y.typtypmod)\n"
		"        || CASE WHEN y.typnotnull THEN ' NOT NULL' ELSE '' END || coalesce(' DEFAULT ' || y.typdefault, '')\n"
		"      WHEN 'r' THEN ' AS RANGE (' || coalesce((SELECT pg_catalog.format_type(g.rngsubtype, NULL) FROM pg_catalog.pg_range g\n"
		"        WHERE g.rngtypid = y.oid), '?') || ')'\n"
		"      ELSE ' AS BASE' END\n"
		"    || coalesce(' acl=' || y.typacl::text, '')\n"
		"  FROM typ y\n"
		"  WHERE y.typtype IN ('e', 'd', 'r')\n"
		"     OR (y.typtype = 'b' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type a WHERE a.typarray = y.oid))\n"
		/* functions, procedures, aggregates */
		"  UNION ALL\n"
		"  SELECT 'function ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)\n"
		"    || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'\n");
	pgm_buf_printf(&b,
		"    || CASE %s WHEN 'a' THEN ' aggregate' WHEN 'p' THEN ' procedure' WHEN 'w' THEN ' window' ELSE '' END\n"
		"    || coalesce(' RETURNS ' || pg_catalog.pg_get_function_result(p.oid), '')\n"
		"    || CASE WHEN %s = 'a' THEN '' ELSE ' definition md5 ' || pg_catalog.md5(pg_catalog.pg_get_functiondef(p.oid)) END\n",
		prokind, prokind);
	pgm_buf_puts(&b,
		"    || coalesce(' acl=' || p.proacl::text, '')\n"
		"  FROM pg_catalog.pg_proc p JOIN ns n ON n.oid = p.pronamespace\n"
		"  WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND ext.objid = p.oid)\n"
		/* triggers */
		"  UNION ALL\n"
		"  SELECT 'trigger ' || r.q || '.' || pg_catalog.quote_ident(g.tgname) || ': ' || pg_catalog.pg_get_triggerdef(g.oid)\n"
		"    || CASE g.tgenabled WHEN 'D' THEN ' (disabled)' WHEN 'R' THEN ' (enabled replica)' WHEN 'A' THEN ' (enabled always)' ELSE '' END\n"
		"  FROM pg_catalog.pg_trigger g JOIN rel r ON r.oid = g.tgrelid WHERE NOT g.tgisinternal\n"
		/* row level security policies */
		"  UNION ALL\n"
		"  SELECT 'policy ' || pg_catalog.quote_ident(p.schemaname) || '.' || pg_catalog.quote_ident(p.tablename) || '.'\n"
		"    || pg_catalog.quote_ident(p.policyname) || ' AS ' || p.permissive || ' FOR ' || p.cmd || ' TO ' || p.roles::text\n"
		"    || coalesce(' USING (' || p.qual || ')', '') || coalesce(' WITH CHECK (' || p.with_check || ')', '')\n"
		"  FROM pg_catalog.pg_policies p JOIN ns ON ns.nspname = p.schemaname\n"
		/* rules (the _RETURN rules of views are in the view's definition) */
		"  UNION ALL\n"
		"  SELECT 'rule ' || pg_catalog.quote_ident(u.schemaname) || '.' || pg_catalog.quote_ident(u.tablename) || '.'\n"
		"    || pg_catalog.quote_ident(u.rulename) || ': ' || pg_catalog.btrim(pg_catalog.regexp_replace(u.definition, E'\\\\s+', ' ', 'g'))\n"
		"  FROM pg_catalog.pg_rules u JOIN ns ON ns.nspname = u.schemaname\n"
		/* extensions, event triggers, default privileges */
		"  UNION ALL\n"
		"  SELECT 'extension ' || pg_catalog.quote_ident(e.extname) || ' VERSION ' || pg_catalog.quote_literal(e.extversion)\n"
		"    || ' SCHEMA ' || pg_catalog.quote_ident(n.nspname)\n"
		"  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace\n"
		"  UNION ALL\n"
		"  SELECT 'event trigger ' || pg_catalog.quote_ident(t.evtname) || ' ON ' || t.evtevent::text || ' EXECUTE '\n"
		"    || t.evtfoid::pg_catalog.regproc::text || ' ' || t.evtenabled::text || coalesce(' TAGS ' || t.evttags::text, '')\n"
		"  FROM pg_catalog.pg_event_trigger t\n"
		"  UNION ALL\n"
		"  SELECT 'default privileges' || coalesce(' IN SCHEMA ' || pg_catalog.quote_ident(n.nspname), '')\n"
		"    || ' FOR ' || pg_catalog.pg_get_userbyid(d.defaclrole) || ' ON ' || d.defaclobjtype::text || ' ' || d.defaclacl::text\n"
		"  FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace\n"
		/* comments on user objects */
		"  UNION ALL\n"
		"  SELECT 'comment on ' || o.type || ' ' || o.identity || ': ' || pg_catalog.translate(d.description, E'\\n\\r', '  ')\n"
		"  FROM pg_catalog.pg_description d CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.classoid, d.objoid, d.objsubid) o\n"
		"  WHERE (d.objoid >= 16384 OR d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass)\n"
		"    AND coalesce(o.schema, '') <> 'information_schema' AND coalesce(o.schema, '') !~ '^pg_'\n"
		"    AND NOT (o.type = 'schema' AND (o.identity = 'information_schema' OR o.identity ~ '^pg_'))\n"
		"    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = d.classoid AND ext.objid = d.objoid)\n"
		") x WHERE l IS NOT NULL;\n"
		"SELECT pg_catalog.set_config('search_path', pg_catalog.current_setting('pgmigrate.verify_path'), true)");
	return pgm_buf_take(&b);
}

static int take_snapshot(pgm_ctx *ctx, PGconn *conn, snap *out)
{
	const pgm_pq_api *pq = ctx->pq;
	PGresult *res[2];
	char *sql = snapshot_sql(ctx->tgt.server_version);
	int rc, i, n;

	memset(out, 0, sizeof *out);
	if (!sql)
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	rc = run_sql(ctx, conn, sql, res, 2, NULL, NULL);
	free(sql);
	if (rc != 0) {
		char *prev = ctx->err.message;
		ctx->err.message = pgm_aprintf("could not read the catalog: %s", prev ? prev : "");
		free(prev);
		return rc;
	}
	if (res[0])
		pq->clear(res[0]);
	if (!res[1])
		return pgm_fail(ctx, PGM_ERROR, "could not read the catalog");
	n = pq->ntuples(res[1]);
	out->lines = calloc((size_t)n + 1, sizeof *out->lines);
	if (!out->lines) {
		pq->clear(res[1]);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		if (!(out->lines[out->n] = pgm_strdup(pq->getvalue(res[1], i, 0)))) {
			pq->clear(res[1]);
			snap_free(out);
			return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
		}
		out->n++;
	}
	pq->clear(res[1]);
	if (out->n)
		qsort(out->lines, out->n, sizeof *out->lines, cmp_line);
	return 0;
}

static int push_line(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = pgm_strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

/* lines only in a (missing) and only in b (extra); both are sorted */
static int diff(pgm_ctx *ctx, pgm_verify_diff *d, const snap *a, const snap *b)
{
	size_t i = 0, j = 0;
	while (i < a->n || j < b->n) {
		int c = i < a->n && j < b->n ? strcmp(a->lines[i], b->lines[j]) : (i < a->n ? -1 : 1);
		int bad = 0;
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			bad = push_line(&d->missing, &d->nmissing, a->lines[i++]);
		} else {
			bad = push_line(&d->extra, &d->nextra, b->lines[j++]);
		}
		if (bad)
			return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	return 0;
}

/* ---- the run ---- */

typedef struct vstate {
	pgm_ctx *ctx;
	pgm_verify_result *res;
	PGconn *aux;        /* created the scratch database, drops it */
	PGconn *scr;        /* connected to the scratch database */
	PGcancel *main_cancel;
	char *scratch;      /* its quoted name */
	int backend_pid;
} vstate;

static void copy_error(pgm_error *dst, const pgm_error *src)
{
	*dst = *src;
	dst->message = pgm_strdup(src->message);
	dst->detail = pgm_strdup(src->detail);
	dst->hint = pgm_strdup(src->hint);
	dst->file = pgm_strdup(src->file);
	dst->source_line = pgm_strdup(src->source_line);
}

static void item_fail(pgm_ctx *ctx, pgm_verify_item *it, const char *phase)
{
	it->outcome = PGM_VERIFY_FAILED;
	it->phase = phase;
	free(it->error.message);
	free(it->error.detail);
	free(it->error.hint);
	free(it->error.file);
	free(it->error.source_line);
	copy_error(&it->error, &ctx->err);
	if (!it->error.message)
		it->error.message = pgm_strdup("failed");
}

static void item_note(pgm_verify_item *it, pgm_verify_outcome outcome, const char *msg)
{
	it->outcome = outcome;
	if (!it->error.message)
		it->error.message = pgm_strdup(msg);
}

static PGconn *open_conn(pgm_ctx *ctx, const char *dbname)
{
	const pgm_pq_api *pq = ctx->pq;
	const char *keys[MAX_KEYWORDS + 1], *vals[MAX_KEYWORDS + 1];
	PGconn *c;

	if (pgm__conninfo_check(ctx) != 0)
		return NULL;
	pgm__conn_keywords(ctx, keys, vals, MAX_KEYWORDS, dbname);
	c = pq->connectdbParams(keys, vals, 1);
	if (!c) {
		pgm_fail(ctx, PGM_ENOMEM, "out of memory");
		return NULL;
	}
	if (pq->status(c) != CONNECTION_OK) {
		const char *m = pq->errorMessage(c);
		char *msg = pgm_strdup(m ? m : ""), *clean;
		size_t n = msg ? strlen(msg) : 0;
		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		clean = msg && ctx->cfg.url ? pgm__scrub_conninfo(msg, ctx->cfg.url) : NULL;
		pgm_fail(ctx, PGM_ECONNECT, "could not connect to %s%s%s", dbname ? "the scratch database \"" : "the database",
			dbname ? dbname : "", dbname ? "\"" : "");
		pgm_set_detail(ctx, "%s", clean ? clean : msg ? msg : "");
		free(clean);
		free(msg);
		pq->finish(c);
		return NULL;
	}
	pq->setNoticeProcessor(c, quiet_notices, NULL);
	return c;
}

static void scratch_close(vstate *vs)
{
	pgm_ctx *ctx = vs->ctx;
	const pgm_pq_api *pq = ctx->pq;
	if (vs->scr) {
		PGcancel *c = ctx->tgt.cancel;
		ctx->tgt.cancel = vs->main_cancel;
		if (c && c != vs->main_cancel)
			pq->freeCancel(c);
		pq->finish(vs->scr);
		vs->scr = NULL;
	}
	if (vs->aux) {
		if (vs->scratch) {
			/* always, also after an error: the error on ctx is kept */
			pgm_error saved;
			char *sql = pgm_aprintf("DROP DATABASE IF EXISTS %s%s", vs->scratch,
				ctx->tgt.server_version >= 130000 ? " WITH (FORCE)" : "");
			copy_error(&saved, &ctx->err);
			if (sql)
				run_cmd(ctx, vs->aux, sql);
			free(sql);
			pgm_error_clear(ctx);
			ctx->err = saved;
		}
		pq->finish(vs->aux);
		vs->aux = NULL;
	}
	free(vs->scratch);
	vs->scratch = NULL;
}

/* create the scratch database and bring it to the state below migs[upto]:
 * every migration before it applied, from the files */
static int scratch_open(vstate *vs, size_t upto, pgm_verify_item *it)
{
	pgm_ctx *ctx = vs->ctx;
	const pgm_pq_api *pq = ctx->pq;
	char name[64], *q, *sql;
	size_t i;
	int rc;

	snprintf(name, sizeof name, "pgmigrate_verify_%d", vs->backend_pid);
	if (!(vs->aux = open_conn(ctx, NULL))) {
		item_fail(ctx, it, "scratch");
		return ctx->err.code;
	}
	q = pq->escapeIdentifier(vs->aux, name, strlen(name));
	vs->scratch = q ? pgm_strdup(q) : NULL;
	if (q)
		pq->freemem(q);
	sql = vs->scratch ? pgm_aprintf("CREATE DATABASE %s", vs->scratch) : NULL;
	if (!sql) {
		pgm_fail(ctx, PGM_ENOMEM, "out of memory");
		item_fail(ctx, it, "scratch");
		return PGM_ENOMEM;
	}
	rc = run_cmd(ctx, vs->aux, sql);
	free(sql);
	if (rc != 0) {
		char *prev = ctx->err.message;
		ctx->err.message = pgm_aprintf("could not create the scratch database \"%s\": %s", name, prev ? prev : "");
		free(prev);
		if (!ctx->err.hint)
			pgm_set_hint(ctx, "%s runs outside a transaction, so it is verified in a scratch database: the user needs "
				"the CREATEDB privilege (ALTER ROLE ... CREATEDB)", it->migration->up_file ? it->migration->up_file : "the migration");
		free(vs->scratch);
		vs->scratch = NULL;  /* nothing to drop */
		item_fail(ctx, it, "scratch");
		return rc;
	}
	vs->res->scratch_database = pgm_strdup(name);
	if (!(vs->scr = open_conn(ctx, name))) {
		item_fail(ctx, it, "scratch");
		return ctx->err.code;
	}
	/* Ctrl-C now cancels what runs in the scratch database */
	ctx->tgt.cancel = pq->getCancel(vs->scr);
	for (i = 0; i < upto; i++) {
		body b;
		if ((rc = body_load(ctx, &ctx->src->migs[i], PGM_UP, &b)) == 0)
			rc = body_run(ctx, vs->scr, &b, 0);
		body_free(&b);
		if (rc != 0) {
			char *prev = ctx->err.message;
			ctx->err.message = pgm_aprintf("preparing the scratch database: %s", prev ? prev : "");
			free(prev);
			item_fail(ctx, it, "prepare");
			return rc;
		}
	}
	return 0;
}

#define NEED_SCRATCH 1

static int savepoint(pgm_ctx *ctx, PGconn *conn, const char *what)
{
	char sql[96];
	snprintf(sql, sizeof sql, "%s pgmigrate_verify", what);
	return run_cmd(ctx, conn, sql);
}

/* undo a failed step in the transaction, keeping the error */
static void rollback_to(vstate *vs, PGconn *conn, int in_tx)
{
	pgm_ctx *ctx = vs->ctx;
	pgm_error saved;
	if (!in_tx || ctx->pq->status(conn) != CONNECTION_OK)
		return;
	copy_error(&saved, &ctx->err);
	savepoint(ctx, conn, "ROLLBACK TO SAVEPOINT");
	savepoint(ctx, conn, "RELEASE SAVEPOINT");
	pgm_error_clear(ctx);
	ctx->err = saved;
}

/*
 * One step outside the cycle (reverting or applying to reach the start).
 * Returns 0, NEED_SCRATCH when it cannot run in the transaction (nothing
 * ran), or an error (rolled back to before the step).
 */
static int prepare_step(vstate *vs, pgm_mig *m, pgm_direction dir)
{
	pgm_ctx *ctx = vs->ctx;
	body b;
	int rc = body_load(ctx, m, dir, &b);
	if (rc == 0 && b.notx)
		rc = NEED_SCRATCH;
	else if (rc == 0 && (rc = savepoint(ctx, ctx->tgt.conn, "SAVEPOINT")) == 0) {
		if ((rc = body_run(ctx, ctx->tgt.conn, &b, 0)) != 0)
			rollback_to(vs, ctx->tgt.conn, 1);
		else
			rc = savepoint(ctx, ctx->tgt.conn, "RELEASE SAVEPOINT");
	}
	body_free(&b);
	return rc;
}

/*
 * snapshot, up, snapshot, down, snapshot, up again, snapshot; the item says
 * how it went. Returns 0 (verified, or no down: up applied), NEED_SCRATCH
 * (in the transaction only; nothing ran) or an error (state restored when
 * in the transaction).
 */
static int cycle(vstate *vs, PGconn *conn, int in_tx, pgm_mig *m, pgm_verify_item *it)
{
	pgm_ctx *ctx = vs->ctx;
	body up, down;
	snap s[4];
	int rc, has_down = m->down_path != NULL;
	const char *phase = "up";

	memset(s, 0, sizeof s);
	memset(&down, 0, sizeof down);
	if ((rc = body_load(ctx, m, PGM_UP, &up)) != 0) {
		item_fail(ctx, it, "up");
		body_free(&up);
		return rc;
	}
	if (has_down && (rc = body_load(ctx, m, PGM_DOWN, &down)) != 0) {
		/* still apply up, so that what comes next builds on it */
		has_down = 0;
		item_fail(ctx, it, "down");
	}
	if (in_tx && (up.notx || (has_down && down.notx))) {
		/* nothing ran: the scratch database starts this item afresh */
		body_free(&up);
		body_free(&down);
		free(it->error.message);
		free(it->error.detail);
		free(it->error.hint);
		free(it->error.file);
		free(it->error.source_line);
		memset(&it->error, 0, sizeof it->error);
		it->error.version = -1;
		it->outcome = PGM_VERIFY_OK;
		it->phase = NULL;
		return NEED_SCRATCH;
	}
	it->scratch = !in_tx;
	if (in_tx && (rc = savepoint(ctx, conn, "SAVEPOINT")) != 0) {
		item_fail(ctx, it, "prepare");
		goto out;
	}
	if (!has_down) {
		if ((rc = body_run(ctx, conn, &up, 0)) != 0) {
			item_fail(ctx, it, "up");
			rollback_to(vs, conn, in_tx);
			goto out;
		}
		if (it->outcome != PGM_VERIFY_FAILED)
			item_note(it, PGM_VERIFY_NO_DOWN, "no down migration: the migration cannot be reverted");
		goto done;
	}
	phase = "snapshot";
	if ((rc = take_snapshot(ctx, conn, &s[0])) != 0)
		goto fail;
	phase = "up";
	if ((rc = body_run(ctx, conn, &up, 0)) != 0)
		goto fail;
	phase = "snapshot";
	if ((rc = take_snapshot(ctx, conn, &s[1])) != 0)
		goto fail;
	phase = "down";
	if ((rc = body_run(ctx, conn, &down, 0)) != 0)
		goto fail;
	phase = "snapshot";
	if ((rc = take_snapshot(ctx, conn, &s[2])) != 0)
		goto fail;
	/* compared now: when up again fails, what down left behind is why */
	if ((rc = diff(ctx, &it->down, &s[0], &s[2])) != 0)
		goto fail;
	phase = "up again";
	if ((rc = body_run(ctx, conn, &up, 1)) != 0)
		goto fail;
	phase = "snapshot";
	if ((rc = take_snapshot(ctx, conn, &s[3])) != 0)
		goto fail;
	if ((rc = diff(ctx, &it->again, &s[1], &s[3])) != 0)
		goto fail;
	it->outcome = it->down.nmissing || it->down.nextra || it->again.nmissing || it->again.nextra
		? PGM_VERIFY_DIFFERENT : PGM_VERIFY_OK;
done:
	if (in_tx && (rc = savepoint(ctx, conn, "RELEASE SAVEPOINT")) != 0)
		item_fail(ctx, it, "prepare");
	goto out;
fail:
	item_fail(ctx, it, phase);
	rollback_to(vs, conn, in_tx);
out:
	body_free(&up);
	body_free(&down);
	snap_free(&s[0]);
	snap_free(&s[1]);
	snap_free(&s[2]);
	snap_free(&s[3]);
	return rc;
}

static long find_version(const pgm_ctx *ctx, int64_t v)
{
	size_t i;
	for (i = 0; i < ctx->src->nmigs; i++)
		if (ctx->src->migs[i].pub.version == v)
			return (long)i;
	return -1;
}

/* applied: at or below the tracked version, and not an out-of-order file the history never saw applied */
static int is_applied(const pgm_ctx *ctx, size_t i, int64_t cur)
{
	const pgm_hist *h;
	if (ctx->src->migs[i].pub.version > cur)
		return 0;
	if (!ctx->tgt.history_exists || ctx->tgt.history_created || ctx->src->migs[i].pub.version == cur)
		return 1;
	h = pgm_db_hist(ctx, ctx->src->migs[i].pub.version);
	return h && (strcmp(h->outcome, "applied") == 0 || strcmp(h->outcome, "adopted") == 0 ||
	             strcmp(h->outcome, "forced") == 0);
}

static void free_diff(pgm_verify_diff *d)
{
	size_t i;
	for (i = 0; i < d->nmissing; i++)
		free(d->missing[i]);
	for (i = 0; i < d->nextra; i++)
		free(d->extra[i]);
	free(d->missing);
	free(d->extra);
}

void pgm_verify_result_free(pgm_verify_result *r)
{
	size_t i;
	if (!r)
		return;
	for (i = 0; i < r->count; i++) {
		pgm_verify_item *it = &r->items[i];
		free_diff(&it->down);
		free_diff(&it->again);
		free(it->error.message);
		free(it->error.detail);
		free(it->error.hint);
		free(it->error.file);
		free(it->error.source_line);
	}
	free(r->items);
	free(r->scratch_database);
	free(r);
}

/* fatal for the whole run: the connection or the user's patience is gone */
static int fatal(int rc)
{
	return rc == PGM_ECONNECT || rc == PGM_ECANCELED || rc == PGM_ENOMEM;
}

int pgm_verify(pgm_verify_result **out, pgm_ctx *ctx, pgm_verify_mode mode, int64_t version)
{
	const pgm_pq_api *pq;
	pgm_verify_result *res;
	vstate vs;
	size_t *targets = NULL, nt = 0, k, start = 0, i;
	int64_t cur;
	int dirty, exists = 0, rc, in_tx = 0;
	long ti = -1, ci;

	*out = NULL;
	if (!ctx->src->loaded && (rc = pgm_load(ctx)) != 0)
		return rc;
	if (mode == PGM_VERIFY_ONE && (ti = find_version(ctx, version)) < 0) {
		rc = pgm_fail(ctx, PGM_ENOTFOUND, "no migration has version %lld", (long long)version);
		pgm_set_hint(ctx, "`pgmigrate status` lists the versions in \"%s\"", ctx->cfg.path);
		return rc;
	}
	if ((rc = pgm_db_lock(ctx)) != 0 || (rc = pgm_db_read_state(ctx, 0, &exists, &cur, &dirty)) != 0)
		return rc;
	pq = ctx->pq;
	if (ctx->tgt.server_version < 100000)
		return pgm_fail(ctx, PGM_ERROR, "verify needs PostgreSQL 10 or later (the server is %d)", ctx->tgt.server_version);
	if (dirty) {
		rc = pgm_fail(ctx, PGM_EDIRTY, "the database is dirty at version %lld", (long long)cur);
		ctx->err.version = cur;
		pgm_set_detail(ctx, "verify starts from the database's state, and a dirty one may be half changed");
		pgm_set_hint(ctx, "repair it first: `pgmigrate doctor` shows the statement that failed and what to do");
		return rc;
	}
	ci = cur >= 0 ? find_version(ctx, cur) : -1;
	if (cur >= 0 && ci < 0) {
		rc = pgm_fail(ctx, PGM_ENOFILE, "the database is at version %lld, but no migration file has that version", (long long)cur);
		ctx->err.version = cur;
		pgm_set_hint(ctx, "is this the right folder (--path) and the right branch?");
		return rc;
	}

	memset(&vs, 0, sizeof vs);
	vs.ctx = ctx;
	vs.main_cancel = ctx->tgt.cancel;
	if (!(res = calloc(1, sizeof *res)) || !(targets = calloc(ctx->src->nmigs + 1, sizeof *targets))) {
		free(res);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	vs.res = res;
	res->version = cur;
	for (i = 0; i < ctx->src->nmigs; i++)
		if (mode == PGM_VERIFY_ALL || (mode == PGM_VERIFY_ONE && (long)i == ti) ||
		    (mode == PGM_VERIFY_PENDING && ctx->src->migs[i].pub.version > cur))
			targets[nt++] = i;
	if (nt == 0) {
		free(targets);
		*out = res;
		return 0;
	}
	if (!(res->items = calloc(nt, sizeof *res->items))) {
		free(targets);
		free(res);
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	}
	res->count = nt;
	for (k = 0; k < nt; k++) {
		res->items[k].migration = &ctx->src->migs[targets[k]].pub;
		res->items[k].error.version = -1;
	}

	{
		PGresult *r = pq->exec(ctx->tgt.conn, "SELECT pg_catalog.pg_backend_pid()");
		if (r && pq->resultStatus(r) == PGRES_TUPLES_OK && pq->ntuples(r) == 1)
			vs.backend_pid = atoi(pq->getvalue(r, 0, 0));
		if (r)
			pq->clear(r);
	}
	if ((rc = run_cmd(ctx, ctx->tgt.conn, "BEGIN")) != 0)
		goto out;
	in_tx = 1;
	if (ctx->cfg.ddl_lock_ms > 0) {
		char set[64];
		snprintf(set, sizeof set, "SET LOCAL lock_timeout = '%dms'", ctx->cfg.ddl_lock_ms);
		if ((rc = run_cmd(ctx, ctx->tgt.conn, set)) != 0)
			goto out;
	}

	/* bring the transaction to the state just below the first migration verified */
	if (mode == PGM_VERIFY_ONE || mode == PGM_VERIFY_ALL) {
		size_t lowest = mode == PGM_VERIFY_ONE ? (size_t)ti : 0;
		long j;
		int scratch_now = 0;
		/* revert the applied ones at or above it, newest first */
		for (j = ci; j >= (long)lowest && !scratch_now; j--) {
			pgm_mig *m = &ctx->src->migs[j];
			if (!is_applied(ctx, (size_t)j, cur))
				continue;
			rc = prepare_step(&vs, m, PGM_DOWN);
			if (rc == NEED_SCRATCH) {
				scratch_now = 1;
				rc = 0;
				break;
			}
			if (rc == 0)
				continue;
			if (fatal(rc))
				goto out;
			if (mode == PGM_VERIFY_ONE && rc == PGM_ENODOWN && j == ti) {
				item_note(&res->items[0], PGM_VERIFY_NO_DOWN, "no down migration: the migration cannot be reverted");
				rc = 0;
				goto out;
			}
			if (mode == PGM_VERIFY_ONE) {
				char *prev = ctx->err.message;
				ctx->err.message = pgm_aprintf("could not revert %s to get below version %lld: %s",
					m->up_display, (long long)version, prev ? prev : "");
				free(prev);
				item_fail(ctx, &res->items[0], "prepare");
				rc = 0;
				goto out;
			}
			/* --all: this one cannot be taken off; verify from the next one up */
			if (rc == PGM_ENODOWN)
				item_note(&res->items[j], PGM_VERIFY_NO_DOWN, "no down migration: the migration cannot be reverted");
			else
				item_fail(ctx, &res->items[j], "down");
			for (k = 0; k < (size_t)j; k++) {
				char *msg = pgm_aprintf("not verified: %s stays applied (it could not be reverted), "
					"so the transaction cannot go below it", m->up_display);
				item_note(&res->items[k], PGM_VERIFY_NOT_RUN, msg ? msg : "not verified");
				free(msg);
			}
			start = (size_t)j + 1;
			rc = 0;
			break;
		}
		/* apply the pending ones below it, oldest first */
		for (i = 0; mode == PGM_VERIFY_ONE && !scratch_now && i < lowest; i++) {
			if (is_applied(ctx, i, cur))
				continue;
			rc = prepare_step(&vs, &ctx->src->migs[i], PGM_UP);
			if (rc == NEED_SCRATCH) {
				scratch_now = 1;
				rc = 0;
				break;
			}
			if (rc != 0) {
				if (fatal(rc))
					goto out;
				{
					char *prev = ctx->err.message;
					ctx->err.message = pgm_aprintf("could not apply %s, which comes before version %lld: %s",
						ctx->src->migs[i].up_display, (long long)version, prev ? prev : "");
					free(prev);
				}
				item_fail(ctx, &res->items[0], "prepare");
				rc = 0;
				goto out;
			}
		}
		if (scratch_now && (rc = scratch_open(&vs, targets[start], &res->items[start])) != 0) {
			for (k = start + 1; k < nt; k++)
				item_note(&res->items[k], PGM_VERIFY_NOT_RUN, "not verified: the scratch database could not be prepared");
			rc = fatal(rc) ? rc : 0;
			goto out;
		}
	}

	for (k = start; k < nt; k++) {
		pgm_mig *m = &ctx->src->migs[targets[k]];
		pgm_verify_item *it = &res->items[k];
		if (ctx->interrupted) {
			rc = pgm_fail(ctx, PGM_ECANCELED, "interrupted");
			goto out;
		}
		if (!vs.scr) {
			rc = cycle(&vs, ctx->tgt.conn, 1, m, it);
			if (rc == NEED_SCRATCH) {
				if ((rc = scratch_open(&vs, targets[k], it)) == 0)
					rc = cycle(&vs, vs.scr, 0, m, it);
			}
		} else {
			rc = cycle(&vs, vs.scr, 0, m, it);
		}
		if (rc != 0) {
			if (fatal(rc))
				goto out;
			for (i = k + 1; i < nt; i++) {
				char *msg = pgm_aprintf("not verified: verifying version %lld (%s) failed, and what follows may depend on it",
					(long long)m->pub.version, m->name);
				item_note(&res->items[i], PGM_VERIFY_NOT_RUN, msg ? msg : "not verified");
				free(msg);
			}
			rc = 0;
			break;
		}
	}

out:
	if (in_tx && ctx->tgt.conn && pq->status(ctx->tgt.conn) == CONNECTION_OK) {
		pgm_error saved;
		copy_error(&saved, &ctx->err);
		pq->clear(pq->exec(ctx->tgt.conn, "ROLLBACK"));
		pgm_error_clear(ctx);
		ctx->err = saved;
	}
	scratch_close(&vs);
	free(targets);
	if (rc != 0) {
		pgm_verify_result_free(res);
		return rc;
	}
	for (k = 0; k < res->count; k++)
		if (res->items[k].outcome != PGM_VERIFY_OK)
			res->failed++;
	ctx->tgt.cur_version = cur;
	ctx->tgt.cur_dirty = 0;
	pgm_error_clear(ctx);
	*out = res;
	return 0;
}
