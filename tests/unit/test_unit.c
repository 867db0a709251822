/*
 * Unit tests of the engine's pure functions: migration file names, the
 * .env parser, password masking, golang-migrate's lock key, byte offset
 * to line:column mapping and the SQL lexer. No database needed.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* setenv, tzset */
#endif
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures, checks;

#define CHECK(cond) do { checks++; if (!(cond)) { failures++; \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); checks++; \
	if (!a_ || !b_ || strcmp(a_, b_) != 0) { failures++; \
	fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, b_ ? b_ : "(null)", a_ ? a_ : "(null)"); } } while (0)
#define CHECK_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); checks++; \
	if (a_ != b_) { failures++; fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__, __LINE__, #a, b_, a_); } } while (0)

static void test_filenames(void)
{
	int64_t v;
	char name[256];
	pgm_direction d;

	CHECK_INT(pgm_parse_filename("000009_create_reviews_table.up.sql", &v, name, sizeof name, &d), 1);
	CHECK_INT(v, 9);
	CHECK_STR(name, "create_reviews_table");
	CHECK_INT(d, PGM_UP);
	CHECK_INT(pgm_parse_filename("20240131120000_add_x.down.sql", &v, name, sizeof name, &d), 1);
	CHECK_INT(v, 20240131120000LL);
	CHECK_INT(d, PGM_DOWN);
	CHECK_STR(name, "add_x");
	CHECK_INT(pgm_parse_filename("1_.up.sql", &v, name, sizeof name, &d), 1);
	/* no room for the name: the version alone (nothing written) */
	CHECK_INT(pgm_parse_filename("000012_x.up.sql", &v, NULL, 0, &d), 1);
	CHECK_INT(v, 12);
	{
		char tiny[4];
		CHECK_INT(pgm_parse_filename("000013_create_users.up.sql", &v, tiny, sizeof tiny, &d), 1);
		CHECK_STR(tiny, "cre");
	}
	CHECK_STR(name, "");
	CHECK_INT(pgm_parse_filename("9223372036854775807_max.up.sql", &v, name, sizeof name, &d), 1);
	CHECK_INT(v, INT64_MAX);

	/* look like migrations but are not: reported, never skipped in silence */
	CHECK_INT(pgm_parse_filename("10-x.up.sql", &v, name, sizeof name, &d), -1);
	CHECK_INT(pgm_parse_filename("000010_x.up.SQL", &v, name, sizeof name, &d), -1);
	CHECK_INT(pgm_parse_filename("000010_x.sql", &v, name, sizeof name, &d), -1);
	CHECK_INT(pgm_parse_filename("x_000010.up.sql", &v, name, sizeof name, &d), -1);
	CHECK_INT(pgm_parse_filename("000010_x.up.txt", &v, name, sizeof name, &d), -1);
	/* out of range */
	CHECK_INT(pgm_parse_filename("9223372036854775808_x.up.sql", &v, name, sizeof name, &d), -2);
	CHECK_INT(pgm_parse_filename("99999999999999999999999_x.up.sql", &v, name, sizeof name, &d), -2);
	/* not migrations at all */
	CHECK_INT(pgm_parse_filename("README.md", &v, name, sizeof name, &d), 0);
	CHECK_INT(pgm_parse_filename(".gitkeep", &v, name, sizeof name, &d), 0);
	CHECK_INT(pgm_parse_filename(".000001_x.up.sql.swp", &v, name, sizeof name, &d), 0);
}

static void test_dotenv(void)
{
	pgm_dotenv env;
	int line = 0;
	char err[128];
	const char *text =
		"\xEF\xBB\xBF# a comment\r\n"
		"DATABASE_URL=postgres://u:p@h:5432/db?sslmode=disable\r\n"
		"export PGPASSWORD='s3cr#t \"x\" \\n'\n"
		"A=\"line1\\nline2 \\\"q\\\" \\\\ $(rm -rf /)\"\n"
		"B = plain value # trailing comment\n"
		"C=a#b\n"
		"EMPTY=\n"
		"MULTI=\"x\r\ny\"\n"
		"B=override\n";

	CHECK_INT(pgm_dotenv_parse(&env, text, strlen(text), &line, err, sizeof err), 0);
	CHECK_STR(pgm_dotenv_get(&env, "DATABASE_URL"), "postgres://u:p@h:5432/db?sslmode=disable");
	/* single quotes are literal: no comment, no escape inside */
	CHECK_STR(pgm_dotenv_get(&env, "PGPASSWORD"), "s3cr#t \"x\" \\n");
	CHECK_STR(pgm_dotenv_get(&env, "A"), "line1\nline2 \"q\" \\ $(rm -rf /)");
	CHECK_STR(pgm_dotenv_get(&env, "B"), "override");
	CHECK_STR(pgm_dotenv_get(&env, "C"), "a#b");
	CHECK_STR(pgm_dotenv_get(&env, "EMPTY"), "");
	CHECK_STR(pgm_dotenv_get(&env, "MULTI"), "x\ny");
	CHECK(pgm_dotenv_get(&env, "MISSING") == NULL);
	pgm_dotenv_free(&env);

	text = "X='it is'\nY=\"unterminated\n";
	CHECK_INT(pgm_dotenv_parse(&env, text, strlen(text), &line, err, sizeof err), -1);
	CHECK_INT(line, 2);
	pgm_dotenv_free(&env);

	text = "1BAD=x\n";
	CHECK_INT(pgm_dotenv_parse(&env, text, strlen(text), &line, err, sizeof err), -1);
	CHECK_INT(line, 1);
	pgm_dotenv_free(&env);

	text = "GOOD=1\nno equals sign\n";
	CHECK_INT(pgm_dotenv_parse(&env, text, strlen(text), &line, err, sizeof err), -1);
	CHECK_INT(line, 2);
	pgm_dotenv_free(&env);

	text = "Q='single'\nR=\"double\"   # c\n";
	CHECK_INT(pgm_dotenv_parse(&env, text, strlen(text), &line, err, sizeof err), 0);
	CHECK_STR(pgm_dotenv_get(&env, "Q"), "single");
	CHECK_STR(pgm_dotenv_get(&env, "R"), "double");
	pgm_dotenv_free(&env);
}

static void check_mask(const char *in, const char *want)
{
	char *m = pgm_mask_conninfo(in);
	CHECK_STR(m, want);
	free(m);
}

static void test_mask(void)
{
	check_mask("postgres://user:secret@localhost:5432/db", "postgres://user:****@localhost:5432/db");
	check_mask("postgresql://user:p%40ss@host/db?sslmode=disable", "postgresql://user:****@host/db?sslmode=disable");
	check_mask("postgres://user@host/db", "postgres://user@host/db");
	check_mask("postgres://host/db?user=u&password=secret&sslmode=require",
		"postgres://host/db?user=u&password=****&sslmode=require");
	check_mask("postgres://u:a@b@host/db", "postgres://u:****@host/db");
	/* libpq reads credentials up to the first '@' before a '/': '?' included (fuzz_mask) */
	check_mask("postgres://u:pa?ss@host/db?sslmode=disable", "postgres://u:****@host/db?sslmode=disable");
	check_mask("postgres://u?x:pw@host?password=pw2", "postgres://u?x:****@host?password=****");
	check_mask("postgres://host?password=pw", "postgres://host?password=****");
	check_mask("host=localhost password=secret dbname=x", "host=localhost password=**** dbname=x");
	check_mask("host=localhost password = 'se cret\\'s' user=u", "host=localhost password = **** user=u");
	check_mask("password=secret", "password=****");
	check_mask("dbname=x", "dbname=x");
}


/* libpq's messages may quote the connection string, or a password token it
 * could not percent-decode */
static void test_scrub(void)
{
	char *m;
	m = pgm__scrub_conninfo("missing \"=\" after \"postgres://u:pa?ss@host/db\" in connection info string",
		"postgres://u:pa?ss@host/db");
	CHECK_STR(m, "missing \"=\" after \"postgres://u:****@host/db\" in connection info string");
	free(m);
	/* a '?' in the password: the credentials still end at the '@' (as in mask) */
	m = pgm__scrub_conninfo("invalid percent-encoded token: \"p%zz?x\"", "postgres://u:p%zz?x@host/db");
	CHECK_STR(m, "invalid percent-encoded token: \"****\"");
	free(m);
	m = pgm__scrub_conninfo("invalid percent-encoded token: \"s%zz\"", "postgres://host/db?password=s%zz&sslmode=disable");
	CHECK_STR(m, "invalid percent-encoded token: \"****\"");
	free(m);
	m = pgm__scrub_conninfo("nothing secret here", "postgres://u:a@b@host/db");
	CHECK_STR(m, "nothing secret here");
	free(m);
}

static int ci_problem(const char *ci)
{
	pgm__conninfo c;
	int r;
	CHECK_INT(pgm__conninfo_parse(&c, ci), 0);
	r = (int)c.problem;
	pgm__conninfo_free(&c);
	return r;
}

/* raw '@', ':', '/', '?', '&' in a password: libpq would read part of it as
 * the host, port, database or a parameter (and quote it in its errors); as
 * meant, the credentials end at the '@' before the host list */
static void test_conninfo(void)
{
	char *m;
	/* what libpq reads as written: no problem */
	CHECK_INT(ci_problem("postgres://u:pw@h:5432/db?sslmode=disable"), PGM_CI_OK);
	CHECK_INT(ci_problem("postgres://u:pa?ss#x@h/db"), PGM_CI_OK);
	CHECK_INT(ci_problem("postgres://u:pa:ss@h/db"), PGM_CI_OK);
	CHECK_INT(ci_problem("postgres://u:pw@h/db?application_name=me@x"), PGM_CI_OK);
	CHECK_INT(ci_problem("postgres://h/db?application_name=me@x"), PGM_CI_OK);
	CHECK_INT(ci_problem("postgres://u:p%40ss@h/db"), PGM_CI_OK);
	CHECK_INT(ci_problem("host=h password='a b\\'c' dbname=d"), PGM_CI_OK);
	CHECK_INT(ci_problem("host=h password=ab dbname = d"), PGM_CI_OK);
	CHECK_INT(ci_problem("mydb"), PGM_CI_OK);
	/* what libpq would misread */
	CHECK_INT(ci_problem("postgres://u:ab/SECR@h/db"), PGM_CI_URL_ENCODING);
	CHECK_INT(ci_problem("postgres://u:ab/SECR@h"), PGM_CI_URL_ENCODING);
	CHECK_INT(ci_problem("postgres://u:p@ss:w0rd@127.0.0.1:5432/db"), PGM_CI_URL_ENCODING);
	CHECK_INT(ci_problem("postgres://u:p@ss?x=1@h/db"), PGM_CI_URL_ENCODING);
	CHECK_INT(ci_problem("postgres://u:a/b?c@h/db"), PGM_CI_URL_ENCODING);
	CHECK_INT(ci_problem("postgres://u:12/b?sslmode=x@h/db"), PGM_CI_URL_ENCODING);
	/* reads both ways (README): refused, '@' as %40 */
	CHECK_INT(ci_problem("postgres://db:5432/shop?application_name=me@x"), PGM_CI_URL_ENCODING);
	CHECK_INT(ci_problem("postgres://db:5432/shop?application_name=me%40x"), PGM_CI_OK);
	CHECK_INT(ci_problem("postgres://u:50%off@h/db"), PGM_CI_URL_ENCODING);
	CHECK_INT(ci_problem("postgres://h/db?password=ab&cd&sslmode=disable"), PGM_CI_URL_ENCODING);
	CHECK_INT(ci_problem("postgres://h/db?password=ab&cd=1"), PGM_CI_URL_ENCODING);
	CHECK_INT(ci_problem("host=h password=a secret dbname=d"), PGM_CI_KV_QUOTING);
	CHECK_INT(ci_problem("host=h password=a b=c"), PGM_CI_KV_QUOTING);
	CHECK_INT(ci_problem("postgres://h?password=p@ss"), PGM_CI_URL_ENCODING);
	CHECK_INT(ci_problem("postgres://h?password=a:b@c"), PGM_CI_URL_ENCODING);
	check_mask("postgres://h?password=a:b@c", "postgres://h?password=****");
	CHECK_INT(ci_problem("pgsql://u:pw@h/db"), PGM_CI_SCHEME);
	CHECK_INT(ci_problem("postgre://u:pw@h/db?sslmode=disable"), PGM_CI_SCHEME);
	/* a JDBC URL; a keyword/value dbname that is itself a connection string */
	CHECK_INT(ci_problem("jdbc:postgresql://h:5432/db?user=u&password=SECRET"), PGM_CI_SCHEME);
	check_mask("jdbc:postgresql://h:5432/db?user=u&password=SECRET", "jdbc:postgresql://h:5432/db?user=u&password=****");
	CHECK_INT(ci_problem("host=h dbname=postgres://u:SECRET@h/db"), PGM_CI_NESTED);
	CHECK_INT(ci_problem("host=h dbname='host=h password=SECRET'"), PGM_CI_NESTED);
	CHECK_INT(ci_problem("host=h dbname=a=b"), PGM_CI_OK);
	check_mask("host=h dbname=postgres://u:SECRET@h/db", "host=h dbname=postgres://u:****@h/db");
	check_mask("host=h dbname='host=h password=SECRET'", "host=h dbname='host=h password=****'");
	check_mask("host=h dbname='host=h password=SE\\\\CRET'", "host=h dbname=****");
	m = pgm__scrub_conninfo("database \"postgres://u:SECRET@h/db\" does not exist", "host=h dbname=postgres://u:SECRET@h/db");
	CHECK(m && !strstr(m, "SECRET"));
	free(m);
	/* the last resort, for any string */
	m = pgm__scrub_any("x password=SECRET&y=1 PASSWORD = 'a b' password=**** password='****' ftp://u:p@ss@h/ z://h/a:b@c");
	CHECK_STR(m, "x password=****&y=1 PASSWORD = **** password=**** password='****' ftp://u:****@h/ z://h/a:b@c");
	free(m);
	/* masked as meant */
	check_mask("postgres://u:ab/SECR@h/db", "postgres://u:****@h/db");
	check_mask("postgres://u:p@ss:w0rd@127.0.0.1:5432/db", "postgres://u:****@127.0.0.1:5432/db");
	check_mask("postgres://u:a/b?c@h/db?sslmode=disable", "postgres://u:****@h/db?sslmode=disable");
	check_mask("postgres://u:pw@h/db?application_name=me@x", "postgres://u:****@h/db?application_name=me@x");
	check_mask("postgres://h/db?password=ab&cd&sslmode=disable", "postgres://h/db?password=****&sslmode=disable");
	check_mask("pgsql://u:p/w@h/db", "pgsql://u:****@h/db");
	check_mask("host=h password=a secret  dbname=d", "host=h password=****  dbname=d");
	check_mask("password=a b=c", "password=****");
	/* the scheme in any case, as libpq needs it */
	CHECK_INT(pgm__conninfo_url_prefix("POSTGRES://x"), 11);
	CHECK_INT(pgm__conninfo_url_prefix("PostgreSQL://x"), 13);
	CHECK_INT(pgm__conninfo_url_prefix("postgres:/x"), 0);
	m = pgm__conninfo_normalize("PostgreSQL://U:P@H/D");
	CHECK_STR(m, "postgresql://U:P@H/D");
	free(m);
	check_mask("POSTGRES://u:pw@h/db", "POSTGRES://u:****@h/db");
	/* the scrubber: the password as written and as decoded; a short one only standing alone */
	m = pgm__scrub_conninfo("password \"p@ss w\" and p%40ss%20w", "postgres://u:p%40ss%20w@h/db");
	CHECK_STR(m, "password \"****\" and ****");
	free(m);
	m = pgm__scrub_conninfo("database \"ab\" does not exist; table abc", "postgres://u:ab@h/db");
	CHECK_STR(m, "database \"****\" does not exist; table abc");
	free(m);
	m = pgm__scrub_conninfo("role \"x\" got a secret", "host=h password='a secret'");
	CHECK_STR(m, "role \"x\" got ****");
	free(m);
	/* libpq's pieces of a misread password */
	m = pgm__scrub_conninfo("invalid integer value \"w0rd@127.0.0.1:5432\" for connection option \"port\"",
		"postgres://u:p@ss:w0rd@127.0.0.1:5432/db");
	CHECK_STR(m, "invalid integer value \"****@127.0.0.1:5432\" for connection option \"port\"");
	free(m);
	m = pgm__scrub_conninfo("missing \"=\" after \"secret\" in connection info string", "host=h password=a secret dbname=d");
	CHECK_STR(m, "missing \"=\" after \"****\" in connection info string");
	free(m);
	{
		pgm_options o;
		pgm_ctx *ctx = NULL;
		const pgm_error *e;
		memset(&o, 0, sizeof o);
		o.lock_timeout = -1;
		o.env_file = NULL;
		o.database_url = "POSTGRES://u:ab/SECRET@h/db";
		CHECK_INT(pgm_ctx_new(&ctx, &o), 0);
		CHECK_INT(pgm__conninfo_check(ctx), PGM_ECONFIG);
		e = pgm_ctx_error(ctx);
		CHECK(e->message && strstr(e->message, "percent-encoded"));
		CHECK(e->detail && strstr(e->detail, "postgres://u:****@h/db"));
		CHECK(e->detail && !strstr(e->detail, "SECRET"));
		CHECK(e->hint && strstr(e->hint, "/ as %2F"));
		/* and every text of the error record is scrubbed, whoever wrote it */
		pgm_fail(ctx, PGM_ECONNECT, "database \"SECRET@h/db\" does not exist");
		CHECK_STR(pgm_ctx_error(ctx)->message, "database \"****@h/db\" does not exist");
		pgm_set_detail(ctx, "invalid integer value \"ab\" for connection option \"port\"");
		CHECK_STR(pgm_ctx_error(ctx)->detail, "invalid integer value \"****\" for connection option \"port\"");
		pgm_ctx_free(ctx);
	}
}

/* the parser's reading against libpq's own (PQconninfoParse, loaded at run
 * time): where it does not refuse a string, the password is libpq's */
static void test_conninfo_vs_libpq(void)
{
	static const char *const cases[] = {
		"postgres://u:pw@h:5432/db?sslmode=disable",
		"postgres://u:pa?ss#x@h/db",
		"postgres://u:pa:ss@h/db",
		"postgres://u:p%40ss%2Fw%3F@h/db",
		"postgres://u:pw@h/db?application_name=me@x",
		"postgresql://u@h/db?password=s%26cret&sslmode=disable",
		"postgres://u:pw@[::1]:5432/db",
		"postgres://u:a'b\\c d@h/db",
		"host=h password='a b\\'c\\\\d' dbname=d",
		"host=h password = x dbname=d",
		"password=a\\ b host=h",
		"postgres://u:ab/SECR@h/db",
		"postgres://u:p@ss:w0rd@127.0.0.1:5432/db",
		"postgres://h?password=p@ss",
		"postgres://h/db?password=ab&cd&sslmode=disable",
		"host=h password=a secret dbname=d",
		NULL
	};
	pgm_options o;
	pgm_ctx *ctx = NULL;
	size_t i, compared = 0;
	memset(&o, 0, sizeof o);
	o.lock_timeout = -1;
	if (pgm_ctx_new(&ctx, &o) != 0 || pgm__load_libpq(ctx) != 0) {
		fprintf(stderr, "test_conninfo_vs_libpq: no libpq, skipped\n");
		pgm_ctx_free(ctx);
		return;
	}
	for (i = 0; cases[i]; i++) {
		pgm__conninfo c;
		char *err = NULL;
		PQconninfoOption *opts, *op;
		const char *libpq_pw = NULL;
		CHECK_INT(pgm__conninfo_parse(&c, cases[i]), 0);
		if (c.problem != PGM_CI_OK) {
			pgm__conninfo_free(&c);
			continue;
		}
		opts = ctx->pq->conninfoParse(cases[i], &err);
		CHECK(opts != NULL);
		for (op = opts; op && op->keyword; op++)
			if (strcmp(op->keyword, "password") == 0)
				libpq_pw = op->val;
		CHECK_INT(c.nvalue, libpq_pw ? 1 : 0);
		if (libpq_pw && c.nvalue == 1)
			CHECK_STR(c.value[0], libpq_pw);
		compared++;
		if (opts)
			ctx->pq->conninfoFree(opts);
		if (err)
			ctx->pq->freemem(err);
		pgm__conninfo_free(&c);
	}
	CHECK_INT(compared, 11);
	pgm_ctx_free(ctx);
}

static void test_lock_key(void)
{
	/* golang-migrate's database.GenerateAdvisoryLockId test vectors */
	CHECK_INT(pgm_lock_key(NULL, NULL, "database_name"), 1764327054u);
	CHECK_INT(pgm_lock_key("schema_name_1", NULL, "database_name"), 2453313553u);
	CHECK_INT(pgm_lock_key("public", "schema_migrations", "postgres"), 143310882u);
}

static void test_positions(void)
{
	int line, col;
	const char *t = "ab\r\ncd\nzoë ñ x";

	pgm_text_position(t, strlen(t), 0, &line, &col);
	CHECK_INT(line, 1);
	CHECK_INT(col, 1);
	pgm_text_position(t, strlen(t), 5, &line, &col); /* 'd' after CRLF */
	CHECK_INT(line, 2);
	CHECK_INT(col, 2);
	/* 'x' on line 3: "zoë ñ " is 6 characters, 8 bytes */
	pgm_text_position(t, strlen(t), strlen(t) - 1, &line, &col);
	CHECK_INT(line, 3);
	CHECK_INT(col, 7);
	/* offset past the end clamps */
	pgm_text_position(t, strlen(t), 1000, &line, &col);
	CHECK_INT(line, 3);
}

/* PostgreSQL's error position (PG_DIAG_STATEMENT_POSITION) counts characters from 1 in the
 * message sent; the file's line:col comes from its byte offset in the migration's body, which
 * follows what pgmigrate sends before it (the session setting, the bookkeeping) */
static void test_server_position(void)
{
	const char *prefix = "SET LOCAL x = 'é';\n";   /* 19 characters, 20 bytes */
	const char *body = "-- café ★\nINSERT INTO t\nSELECT 'ñandú' FROM prodcts;\n";
	char msg[256];
	size_t off, body_off = strlen(prefix);
	int line, col;

	snprintf(msg, sizeof msg, "%s%s", prefix, body);
	/* "prodcts": character 19 + 10 + 14 + 20 + 1 = 64 of the message */
	off = pgm_char_to_byte(msg, strlen(msg), 64);
	CHECK_STR(msg + off, "prodcts;\n");
	pgm_text_position(body, strlen(body), off - body_off, &line, &col);
	CHECK_INT(line, 3);
	CHECK_INT(col, 21);
	/* position 1: the first byte; past the end: the end */
	CHECK_INT(pgm_char_to_byte(msg, strlen(msg), 1), 0);
	CHECK_INT(pgm_char_to_byte(msg, strlen(msg), 100000), strlen(msg));
	/* a four-byte character counts once */
	CHECK_INT(pgm_char_to_byte("\xF0\x9F\x98\x80x", 5, 2), 4);
}

static void test_lexer(void)
{
	pgm_lex_result r;
	const char *sql;

	sql = "-- header\nCREATE TABLE a (x text DEFAULT ';');\n"
	      "/* outer /* nested ; */ still comment ; */\n"
	      "INSERT INTO \"we;ird\" VALUES (E'it\\'s;', 'a''b;');\n"
	      "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n"
	      "DO $$ BEGIN PERFORM 1; END $$;\n"
	      "SELECT $1::int, 'x'";
	CHECK_INT(pgm_lex(&r, sql, strlen(sql)), 0);
	CHECK_INT(r.count, 5);
	CHECK_INT(r.error, 0);
	CHECK_INT(r.no_transaction, 0);
	CHECK_INT(r.has_txctl, 0);
	if (r.count == 5) {
		CHECK(strncmp(sql + r.stmts[0].start, "CREATE TABLE a", 14) == 0);
		CHECK(strncmp(sql + r.stmts[1].start, "INSERT INTO", 11) == 0);
		CHECK(strncmp(sql + r.stmts[2].start, "CREATE FUNCTION", 15) == 0);
		CHECK(strncmp(sql + r.stmts[3].start, "DO $$", 5) == 0);
		CHECK(strncmp(sql + r.stmts[4].start, "SELECT $1", 9) == 0);
		CHECK_INT(r.stmts[4].end, strlen(sql));
	}
	pgm_lex_free(&r);

	/* SQL-standard function bodies keep their semicolons */
	sql = "CREATE OR REPLACE FUNCTION g(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a; SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END; END;\nSELECT 1;";
	CHECK_INT(pgm_lex(&r, sql, strlen(sql)), 0);
	CHECK_INT(r.count, 2);
	pgm_lex_free(&r);

	/* transaction control and no-transaction markers */
	sql = "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.has_txctl, 1);
	CHECK_INT(r.count, 3);
	CHECK_INT(r.stmts[0].is_txctl, 1);
	CHECK_INT(r.stmts[1].is_txctl, 0);
	pgm_lex_free(&r);
	sql = "SAVEPOINT a; ROLLBACK TO SAVEPOINT a; SELECT 1";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.has_txctl, 0);
	pgm_lex_free(&r);
	sql = "-- create an index without blocking writes\n-- pgmigrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.no_transaction, 1);
	pgm_lex_free(&r);
	sql = "-- +goose NO TRANSACTION\nVACUUM t;";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.no_transaction, 1);
	pgm_lex_free(&r);
	sql = "-- migrate:up transaction:false\nVACUUM t;";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.no_transaction, 1);
	pgm_lex_free(&r);
	/* the statements PostgreSQL refuses in a transaction block, detected as such;
	 * their look-alikes are not */
	{
		static const struct { const char *sql; const char *kind; int before_12; } nt[] = {
			{"CREATE INDEX CONCURRENTLY i ON t (x)", "CREATE INDEX CONCURRENTLY", 0},
			{"create unique index concurrently if not exists i on t (x)", "CREATE INDEX CONCURRENTLY", 0},
			{"DROP INDEX CONCURRENTLY IF EXISTS i", "DROP INDEX CONCURRENTLY", 0},
			{"REINDEX INDEX CONCURRENTLY i", "REINDEX CONCURRENTLY", 0},
			{"REINDEX (VERBOSE) TABLE CONCURRENTLY t", "REINDEX CONCURRENTLY", 0},
			{"REINDEX DATABASE app", "REINDEX DATABASE/SYSTEM", 0},
			{"REINDEX SYSTEM app", "REINDEX DATABASE/SYSTEM", 0},
			{"CREATE DATABASE app2", "CREATE DATABASE", 0},
			{"DROP DATABASE IF EXISTS app2", "DROP DATABASE", 0},
			{"CREATE TABLESPACE fast LOCATION '/ssd'", "CREATE TABLESPACE", 0},
			{"DROP TABLESPACE fast", "DROP TABLESPACE", 0},
			{"VACUUM", "VACUUM", 0},
			{"vacuum (analyze) t", "VACUUM", 0},
			{"ALTER SYSTEM SET work_mem = '64MB'", "ALTER SYSTEM", 0},
			{"CLUSTER", "CLUSTER (all tables)", 0},
			{"ALTER TYPE mood ADD VALUE 'meh'", "ALTER TYPE ... ADD VALUE", 1},
			{"ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' BEFORE 'sad'", "ALTER TYPE ... ADD VALUE", 1},
			{"CREATE INDEX i ON t (x)", NULL, 0},
			{"REINDEX TABLE t", NULL, 0},
			{"CLUSTER t USING i", NULL, 0},
			{"ANALYZE t", NULL, 0},
			{"ALTER TYPE mood RENAME VALUE 'meh' TO 'ok'", NULL, 0},
			{"CREATE TABLE concurrently (x int)", NULL, 0},
			{"SELECT 'VACUUM'", NULL, 0},
			{"ALTER DATABASE app SET work_mem = '8MB'", NULL, 0},
		};
		size_t j;
		for (j = 0; j < sizeof nt / sizeof nt[0]; j++) {
			pgm_lex(&r, nt[j].sql, strlen(nt[j].sql));
			CHECK_INT(r.count, 1);
			if (r.count == 1) {
				if (nt[j].kind)
					CHECK_STR(r.stmts[0].notx ? r.stmts[0].notx : "(none)", nt[j].kind);
				else
					CHECK_STR(r.stmts[0].notx ? r.stmts[0].notx : "(none)", "(none)");
				CHECK_INT(r.stmts[0].notx_before_12, nt[j].before_12);
			}
			CHECK_INT(r.notx_count, nt[j].kind ? 1 : 0);
			pgm_lex_free(&r);
		}
	}

	/* a marker after the first statement does not count */
	sql = "SELECT 1;\n-- pgmigrate:no-transaction\nSELECT 2;";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.no_transaction, 0);
	pgm_lex_free(&r);

	/* problems */
	sql = "SELECT 1;\n\\i other.sql\n";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.error, 1);
	CHECK_INT(r.error_offset, 10);
	pgm_lex_free(&r);
	sql = "SELECT 'abc;\nSELECT 2;";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.error, 1);
	CHECK_INT(r.count, 1);
	pgm_lex_free(&r);
	sql = "SELECT $x$ never closed";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.error, 1);
	pgm_lex_free(&r);
	sql = "/* open /* nested */";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.error, 1);
	CHECK_INT(r.count, 0);
	pgm_lex_free(&r);
	/* empty statements are not statements */
	sql = " ; ;\n-- only a comment\n";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.count, 0);
	pgm_lex_free(&r);
	/* no split inside parentheses, as psql and the server (lexer conformance) */
	sql = "CREATE RULE r AS ON INSERT TO t DO INSTEAD (DELETE FROM t; NOTIFY x;);\nSELECT 1;";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.count, 2);
	if (r.count == 2) {
		CHECK_INT(r.stmts[0].end, strchr(sql, '\n') - sql);
		CHECK_INT(r.stmts[1].start, strchr(sql, '\n') - sql + 1);
	}
	pgm_lex_free(&r);
	/* BEGIN/END inside parentheses open no BEGIN ATOMIC block (psql's rule) */
	sql = "CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS 'select 1';\nSELECT 2;";
	pgm_lex(&r, sql, strlen(sql));
	CHECK_INT(r.count, 2);
	pgm_lex_free(&r);
}

static void test_buf(void)
{
	pgm_buf b = PGM_BUF_INIT;
	char *s;
	int i;
	for (i = 0; i < 1000; i++)
		pgm_buf_printf(&b, "%d,", i);
	CHECK(b.len > 3000);
	s = pgm_buf_take(&b);
	CHECK(s && strncmp(s, "0,1,2,", 6) == 0);
	free(s);
	b.max = 10;
	CHECK_INT(pgm_buf_puts(&b, "0123456789"), 0);
	CHECK_INT(pgm_buf_puts(&b, "x"), -1);
	CHECK(pgm_buf_take(&b) == NULL); /* a failed buffer gives nothing */
}

static void test_sha256(void)
{
	char hex[65], hex2[65];
	pgm_sha256 s;
	pgm_sha256_init(&s);
	pgm_sha256_hex(&s, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	pgm_sha256_init(&s);
	pgm_sha256_update(&s, "abc", 3);
	pgm_sha256_hex(&s, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	pgm_sha256_init(&s);
	pgm_sha256_update(&s, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	pgm_sha256_hex(&s, hex);
	CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* one checksum for LF, CRLF and BOM copies of a file */
	pgm_checksum("CREATE TABLE a (id int);\nSELECT 1;\n", 35, hex);
	pgm_checksum("\xEF\xBB\xBF" "CREATE TABLE a (id int);\r\nSELECT 1;\r\n", 40, hex2);
	CHECK_STR(hex2, hex);
	pgm_checksum("CREATE TABLE a (id int);\nSELECT 2;\n", 35, hex2);
	CHECK(strcmp(hex, hex2) != 0);
	/* fed in pieces, a CRLF split between two pieces is still one LF */
	{
		const char *crlf = "CREATE TABLE a (id int);\r\nSELECT 1;\r\n";
		size_t cut;
		pgm_checksum("CREATE TABLE a (id int);\nSELECT 1;\n", 35, hex);
		size_t n = strlen(crlf);
		for (cut = 0; cut <= n; cut++) {
			int cr = 0;
			pgm_sha256_init(&s);
			pgm_checksum_feed(&s, &cr, crlf, cut);
			pgm_checksum_feed(&s, &cr, crlf + cut, n - cut);
			pgm_checksum_end(&s, &cr, hex2);
			CHECK_STR(hex2, hex);
		}
	}
	/* a lone CR is content, not a line end */
	pgm_checksum("a\rb", 3, hex2);
	pgm_checksum("ab", 2, hex);
	CHECK(strcmp(hex, hex2) != 0);
}

/* ---- the linter (lint.c) over texts in memory ---- */

static pgm_lint_result *lint_set(const char *const *ups, const char *const *downs, size_t n, const char *const *disabled)
{
	pgm__lint_input in[8];
	pgm_lint_result *r = NULL;
	size_t i;
	static const char *const upn[] = { "1_a.up.sql", "2_b.up.sql", "3_c.up.sql", "4_d.up.sql" };
	static const char *const downn[] = { "1_a.down.sql", "2_b.down.sql", "3_c.down.sql", "4_d.down.sql" };
	memset(in, 0, sizeof in);
	for (i = 0; i < n && i < 4; i++) {
		in[i].version = (int64_t)i + 1;
		in[i].up_file = upn[i];
		in[i].up = ups[i];
		in[i].up_len = strlen(ups[i]);
		if (downs[i]) {
			in[i].down_file = downn[i];
			in[i].down = downs[i];
			in[i].down_len = strlen(downs[i]);
		}
	}
	CHECK_INT(pgm__lint_run(&r, in, n, disabled, NULL), 0);
	return r;
}

static pgm_lint_result *lint1(const char *up, const char *down)
{
	return lint_set(&up, &down, 1, NULL);
}

/* how many findings of `rule`; the first one's line and column go to line and col */
static int nrule(const pgm_lint_result *r, const char *rule, int *line, int *col)
{
	size_t i;
	int n = 0;
	for (i = 0; r && i < r->count; i++)
		if (strcmp(r->findings[i].rule, rule) == 0) {
			if (n++ == 0 && line) {
				*line = r->findings[i].line;
				if (col)
					*col = r->findings[i].column;
			}
		}
	return n;
}

static void test_lint(void)
{
	pgm_lint_result *r;
	int line = 0, col = 0;
	char *bad = NULL;
	const char *good_down = "-- undo\nDROP TABLE IF EXISTS t CASCADE;\n";

	/* a clean migration: nothing */
	r = lint1("-- t\nCREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY);\n", good_down);
	CHECK_INT(r->count, 0);
	CHECK_INT(r->files, 2);
	CHECK_INT(r->migrations, 1);
	pgm_lint_result_free(r);

	/* positions are in characters: the é before the statement counts once */
	r = lint1("-- t\n/* é */ CREATE TABLE t (id int);\n", good_down);
	CHECK_INT(nrule(r, "PGM001", &line, &col), 1);
	CHECK_INT(line, 2);
	CHECK_INT(col, 9);
	CHECK_STR(r->findings[0].source_line, "/* é */ CREATE TABLE t (id int);");
	CHECK_STR(r->findings[0].severity, "warning");
	pgm_lint_result_free(r);
	/* CRLF */
	r = lint1("-- t\r\n\r\nDROP TABLE t;\r\n", "-- u\r\nSELECT 1;\r\n");
	CHECK_INT(nrule(r, "PGM002", &line, &col), 1);
	CHECK_INT(line, 3);
	CHECK_INT(col, 1);
	CHECK_STR(r->findings[0].source_line, "DROP TABLE t;");
	pgm_lint_result_free(r);

	/* foreign keys: quoted names keep their case, unquoted fold; schemas are optional */
	r = lint1("-- t\nCREATE TABLE IF NOT EXISTS t (id int, \"UserId\" int REFERENCES u(id));\n"
		"CREATE INDEX IF NOT EXISTS i ON t (userid);\n", good_down);
	CHECK_INT(nrule(r, "PGM003", &line, &col), 1);
	CHECK_INT(col, 52);
	pgm_lint_result_free(r);
	r = lint1("-- t\nCREATE TABLE IF NOT EXISTS public.t (id int, UserId int REFERENCES u(id));\n"
		"CREATE INDEX IF NOT EXISTS i ON t (\"userid\" DESC);\n", good_down);
	CHECK_INT(nrule(r, "PGM003", NULL, NULL), 0);
	pgm_lint_result_free(r);
	/* two columns: in any order among the leading ones; a partial index or a later column does not count */
	r = lint1("-- t\nCREATE TABLE IF NOT EXISTS t (a int, b int, c int, FOREIGN KEY (a, b) REFERENCES u (x, y));\n"
		"CREATE INDEX IF NOT EXISTS i ON t (b, a, c);\n", good_down);
	CHECK_INT(nrule(r, "PGM003", NULL, NULL), 0);
	pgm_lint_result_free(r);
	r = lint1("-- t\nCREATE TABLE IF NOT EXISTS t (a int REFERENCES u, b int, c int REFERENCES u);\n"
		"CREATE INDEX IF NOT EXISTS i ON t (b, a) WHERE a > 0;\nCREATE INDEX IF NOT EXISTS j ON t (b, c);\n", good_down);
	CHECK_INT(nrule(r, "PGM003", NULL, NULL), 2);
	pgm_lint_result_free(r);
	/* the index may come from another migration of the set, and from a PRIMARY KEY/UNIQUE */
	{
		const char *ups[] = { "-- a\nCREATE TABLE IF NOT EXISTS t (id int, u int REFERENCES u, v int REFERENCES v UNIQUE);\n",
			"-- b\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (u);\n" };
		const char *downs[] = { good_down, "-- b\nDROP INDEX CONCURRENTLY IF EXISTS i;\n" };
		r = lint_set(ups, downs, 2, NULL);
		CHECK_INT(r->count, 0);
		pgm_lint_result_free(r);
		/* --disable by id and by name, several in one string */
		ups[1] = "CREATE INDEX IF NOT EXISTS i ON t (u);\n";
		r = lint_set(ups, downs, 2, NULL);
		CHECK_INT(nrule(r, "PGM006", NULL, NULL), 1);
		CHECK_INT(nrule(r, "PGM007", NULL, NULL), 1);
		pgm_lint_result_free(r);
		{
			const char *dis[] = { "no-comment, PGM007", NULL };
			r = lint_set(ups, downs, 2, dis);
			CHECK_INT(r->count, 0);
			pgm_lint_result_free(r);
		}
	}

	/* down: what the up creates must be mentioned; dropping a table covers its indexes */
	r = lint1("-- t\nCREATE TABLE IF NOT EXISTS t (id int);\nCREATE INDEX IF NOT EXISTS t_i ON t (id);\n"
		"CREATE TYPE \"Mood\" AS ENUM ('a');\n", good_down);
	CHECK_INT(nrule(r, "PGM005", &line, &col), 1);
	CHECK_INT(line, 4);
	CHECK_INT(col, 13);
	CHECK_STR(r->findings[0].severity, "error");
	pgm_lint_result_free(r);
	r = lint1("-- t\nCREATE TYPE \"Mood\" AS ENUM ('a');\n", "-- u\nDROP TYPE IF EXISTS mood;\n");
	CHECK_INT(nrule(r, "PGM005", NULL, NULL), 1); /* "Mood" is not mood */
	pgm_lint_result_free(r);
	r = lint1("-- t\nALTER TABLE u ADD COLUMN IF NOT EXISTS c int;\n", "-- u\nALTER TABLE u DROP COLUMN IF EXISTS c;\n");
	CHECK_INT(r->count, 0);
	pgm_lint_result_free(r);
	r = lint1("-- t\nALTER TABLE u ADD COLUMN IF NOT EXISTS c int;\n", "-- u\nSELECT 1;\n");
	CHECK_INT(nrule(r, "PGM005", NULL, NULL), 1);
	pgm_lint_result_free(r);
	/* what the up drops again (a scratch table, a helper function) is not left behind */
	r = lint1("-- t\nCREATE TABLE IF NOT EXISTS scratch (id int);\nCREATE OR REPLACE FUNCTION h(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
		"DROP FUNCTION IF EXISTS h(int), public.nothing(); DROP TABLE IF EXISTS scratch;\n", "-- u\nSELECT 1;\n");
	CHECK_INT(r->count, 0);
	pgm_lint_result_free(r);

	/* ignore directives: before the statement, at the end of its line, in it; per file */
	r = lint1("-- t\n-- pgmigrate:ignore PGM001 reason\nCREATE TABLE t (id int); CREATE TABLE u (id int); -- pgmigrate:ignore PGM001\n"
		"CREATE TABLE v (id int);\n", "-- u\nDROP TABLE IF EXISTS t, u, v;\n");
	CHECK_INT(nrule(r, "PGM001", &line, NULL), 1);
	CHECK_INT(line, 4);
	pgm_lint_result_free(r);
	r = lint1("-- t\nCREATE TABLE t (id int);\n/* pgmigrate:ignore-file PGM001 */\nCREATE TABLE u (id int);\n",
		"-- u\nDROP TABLE IF EXISTS t, u;\n");
	CHECK_INT(r->count, 0);
	pgm_lint_result_free(r);
	/* a directive in the down silences PGM004 and PGM005 for the pair */
	r = lint1("-- t\nCREATE TABLE IF NOT EXISTS t (id int);\n", "-- pgmigrate:ignore-file PGM004 irreversible\n");
	CHECK_INT(r->count, 0);
	pgm_lint_result_free(r);
	r = lint1("-- t\nCREATE TABLE IF NOT EXISTS t (id int);\n", "-- keep the data\n-- pgmigrate:ignore-file PGM005\nSELECT 1;\n");
	CHECK_INT(r->count, 0);
	pgm_lint_result_free(r);
	r = lint1("-- t\nCREATE TABLE IF NOT EXISTS t (id int);\n", NULL);
	CHECK_INT(nrule(r, "PGM004", NULL, NULL), 1);
	CHECK_INT(r->errors, 1);
	CHECK_INT(r->files, 1);
	pgm_lint_result_free(r);

	/* statements inside strings, dollar quotes and comments are not statements */
	r = lint1("-- CREATE TABLE x (id int);\nSELECT 'DROP TABLE y;', $$ BEGIN; COMMIT; $$;\n/* ALTER TABLE z ADD COLUMN c int NOT NULL; */\n",
		"-- u\nSELECT 1;\n");
	CHECK_INT(r->count, 0);
	pgm_lint_result_free(r);

	/* long identifiers: 63 bytes is fine, 64 is not; a quoted one counts without its quotes */
	r = lint1("-- t\nCREATE TABLE IF NOT EXISTS \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" (id int);\n"
		"CREATE TABLE IF NOT EXISTS bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb (id int);\n",
		"-- u\nDROP TABLE IF EXISTS \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\";\n"
		"DROP TABLE IF EXISTS bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb; -- pgmigrate:ignore PGM013\n");
	CHECK_INT(nrule(r, "PGM013", &line, &col), 1);
	CHECK_INT(line, 3);
	CHECK_INT(col, 28);
	pgm_lint_result_free(r);

	/* unknown rules are refused by name */
	{
		const char *dis[] = { "PGM001", "PGM001,nope", NULL };
		pgm__lint_input in;
		memset(&in, 0, sizeof in);
		r = NULL;
		CHECK_INT(pgm__lint_run(&r, &in, 0, dis, &bad), PGM_EUSAGE);
		CHECK_STR(bad, "nope");
		CHECK(r == NULL);
		free(bad);
	}
	{
		size_t n = 0;
		const pgm_lint_rule *rules = pgm_lint_rules(&n);
		CHECK_INT(n, 17);
		CHECK_STR(rules[0].id, "PGM001");
		CHECK_STR(rules[n - 1].id, "PGM017");
	}
}

/* how a file's own transaction control is read (lexer.c pgm_lex_txplan) */
static void test_txplan(void)
{
	static const struct { const char *sql; pgm_txmode mode; size_t first; const char *body; } cases[] = {
		{ "CREATE TABLE t (id int);", PGM_TX_NONE, 0, NULL },
		/* one plain pair around the file: dropped, whatever the spelling */
		{ "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n", PGM_TX_WRAPPED, 0, "      \nCREATE TABLE t (id int);\n       \n" },
		{ "-- atlas:txmode\nSET lock_timeout = 0;\nbegin transaction;\nSELECT 1;\nend;", PGM_TX_WRAPPED, 0,
		  "-- atlas:txmode\nSET lock_timeout = 0;\n                  \nSELECT 1;\n    " },
		{ "START TRANSACTION; SELECT 1; COMMIT WORK AND NO CHAIN; -- done\n", PGM_TX_WRAPPED, 0,
		  "                   SELECT 1;                           -- done\n" },
		{ "BEGIN WORK;\r\nSAVEPOINT s;\r\nROLLBACK TO SAVEPOINT s;\r\nRELEASE s;\r\nEND TRANSACTION;\r\n", PGM_TX_WRAPPED, 0,
		  "           \r\nSAVEPOINT s;\r\nROLLBACK TO SAVEPOINT s;\r\nRELEASE s;\r\n                \r\n" },
		/* ROLLBACK [WORK | TRANSACTION] TO a savepoint ends no transaction */
		{ "BEGIN;\nSAVEPOINT s;\nROLLBACK WORK TO SAVEPOINT s;\nrollback transaction to s;\nCOMMIT;", PGM_TX_WRAPPED, 0,
		  "      \nSAVEPOINT s;\nROLLBACK WORK TO SAVEPOINT s;\nrollback transaction to s;\n       " },
		{ "SAVEPOINT s;\nROLLBACK TRANSACTION TO SAVEPOINT s;", PGM_TX_NONE, 0, NULL },
		/* BEGIN/END in bodies and strings are no statements */
		{ "BEGIN;\nDO $$BEGIN PERFORM 1; END$$;\nSELECT 'COMMIT;';\nCOMMIT;", PGM_TX_WRAPPED, 0, NULL },
		/* anything else runs as golang-migrate runs it */
		{ "SELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT;\nBEGIN;\nSELECT 3;\nCOMMIT;", PGM_TX_SELF, 4, NULL },
		{ "BEGIN;\nSELECT 2;\nCOMMIT;\nSELECT 3;", PGM_TX_SELF, 3, NULL },
		{ "BEGIN ISOLATION LEVEL SERIALIZABLE;\nSELECT 1;\nCOMMIT;", PGM_TX_SELF, 0, NULL },
		{ "BEGIN;\nSELECT 1;\nROLLBACK;", PGM_TX_SELF, 2, NULL },
		{ "BEGIN;\nSELECT 1;\nABORT;\nSELECT 2;", PGM_TX_SELF, 2, NULL },
		{ "BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\nSELECT 2;\nCOMMIT;", PGM_TX_SELF, 2, NULL },
		{ "SELECT 1;\nCOMMIT;", PGM_TX_SELF, 1, NULL },
		/* a transaction still open at the end */
		{ "SELECT 1;\nBEGIN;\nSELECT 2;", PGM_TX_OPEN, 1, NULL },
		{ "BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;", PGM_TX_OPEN, 2, NULL },
	};
	size_t j;
	for (j = 0; j < sizeof cases / sizeof cases[0]; j++) {
		pgm_lex_result r;
		pgm_txplan tx;
		char *text = pgm_strdup(cases[j].sql);
		size_t n;
		pgm_lex(&r, text, strlen(text));
		n = r.count;
		pgm_lex_txplan(&tx, &r, text);
		CHECK_INT(tx.mode, cases[j].mode);
		if (tx.mode == PGM_TX_SELF || tx.mode == PGM_TX_OPEN) {
			CHECK_INT(tx.first, cases[j].first);
			CHECK(tx.why != NULL);
		}
		if (tx.mode == PGM_TX_WRAPPED) {
			pgm_lex_unwrap(text, &r, &tx);
			CHECK_INT(r.count, n - 2);
			CHECK_INT(r.has_txctl, 0);
			if (cases[j].body)
				CHECK_STR(text, cases[j].body);
		}
		pgm_lex_free(&r);
		free(text);
	}
	{
		/* what a COMMIT among the finished statements ended stays */
		const char *sql = "SELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT;\nBEGIN;\nSELECT 3;\nCOMMIT;";
		pgm_lex_result r;
		pgm_lex(&r, sql, strlen(sql));
		CHECK_INT(pgm_lex_last_commit(&r, sql, 0), 0);
		CHECK_INT(pgm_lex_last_commit(&r, sql, 3), 0);
		CHECK_INT(pgm_lex_last_commit(&r, sql, 4), 4);
		CHECK_INT(pgm_lex_last_commit(&r, sql, 6), 4);
		CHECK_INT(pgm_lex_last_commit(&r, sql, 7), 7);
		pgm_lex_free(&r);
	}
}

static void test_natcmp(void)
{
	pgm_service items[] = { { "postgresql-x64-9", NULL, NULL }, { "postgresql-x64-18", NULL, NULL },
	                        { "postgresql-x64-16", NULL, NULL } };
	pgm_services s = { items, 3 }, none = { NULL, 0 };
	CHECK(pgm__natcmp("16.10", "16.9") > 0);
	CHECK(pgm__natcmp("16.9", "16.10") < 0);
	CHECK(pgm__natcmp("18", "9.6") > 0);
	CHECK(pgm__natcmp("postgresql-x64-18", "postgresql-x64-9") > 0);
	CHECK(pgm__natcmp("16.0", "16") > 0);
	CHECK(pgm__natcmp("016", "16") == 0);
	CHECK(pgm__natcmp("abc", "abd") < 0);
	CHECK(pgm__natcmp("", "") == 0);
	CHECK(strcmp(pgm_services_newest(&s), "postgresql-x64-18") == 0);
	CHECK(pgm_services_newest(&none) == NULL);
}

static void test_seconds(void)
{
	static const char *const bad[] = { "", "x", "2x", "-1", "nan", "inf", "1e999", "1e9m", "2 s", "2ms", NULL };
	double v = -1;
	int i;
	CHECK_INT(pgm_parse_seconds("15", &v), 0);
	CHECK(v == 15.0);
	CHECK_INT(pgm_parse_seconds("2.5", &v), 0);
	CHECK(v == 2.5);
	CHECK_INT(pgm_parse_seconds("30s", &v), 0);
	CHECK(v == 30.0);
	CHECK_INT(pgm_parse_seconds("2m", &v), 0);
	CHECK(v == 120.0);
	CHECK_INT(pgm_parse_seconds("0", &v), 0);
	CHECK(v == 0.0);
	for (i = 0; bad[i]; i++) {
		v = -7;
		CHECK_INT(pgm_parse_seconds(bad[i], &v), -1);
		CHECK(v == -7);
	}
	CHECK_STR(pgm_origin_name(PGM_FROM_PARENT), "a parent folder");
	CHECK_STR(pgm_origin_name(PGM_FROM_DEFAULT), "default");
}

/* timeouts go to the server in whole milliseconds, never 0 for a positive
 * value (0 means none), never above INT_MAX (runner.c used to overflow) */
static void test_timeouts(void)
{
	double v = -1;
	CHECK(pgm__timeout_ms(0) == 0);
	CHECK(pgm__timeout_ms(0.0001) == 1);
	CHECK(pgm__timeout_ms(1e-300) == 1);
	CHECK(pgm__timeout_ms(0.001) == 1);
	CHECK(pgm__timeout_ms(0.0015) == 2);
	CHECK(pgm__timeout_ms(1.001) == 1001);
	CHECK(pgm__timeout_ms(0.3) == 300);
	CHECK(pgm__timeout_ms(2.5) == 2500);
	CHECK(pgm__timeout_ms(2147483.647) == 2147483647.0);
	CHECK(pgm__timeout_ms(2147483.6471) == -1);
	CHECK(pgm__timeout_ms(2147484) == -1);
	CHECK_INT(pgm_parse_seconds("2147483.647", &v), 0);
	CHECK(v == 2147483.647);
	CHECK_INT(pgm_parse_seconds("2147483.648", &v), -1);
	CHECK_INT(pgm_parse_seconds("2147484", &v), -1);
	CHECK_INT(pgm_parse_seconds("35791m", &v), 0);
	CHECK_INT(pgm_parse_seconds("35792m", &v), -1);
	CHECK_INT(pgm_parse_seconds("0.0001", &v), 0);
	CHECK(pgm__timeout_ms(v) == 1);
}

/* identifiers and literals as libpq's PQescapeIdentifier / PQescapeLiteral
 * write them (their output for these inputs, taken from libpq 15.18 over a
 * UTF-8 connection; invalid UTF-8 made both return NULL) */
static void test_sqlquote(void)
{
	static const char *const cases[][3] = {
		{ "schema_migrations", "\"schema_migrations\"", "'schema_migrations'" },
		{ "", "\"\"", "''" },
		{ "x'; drop table y; --", "\"x'; drop table y; --\"", "'x''; drop table y; --'" },
		{ "a\"b", "\"a\"\"b\"", "'a\"b'" },
		{ "back\\slash'", "\"back\\slash'\"", " E'back\\\\slash'''" },
		{ "$$; --\nnew line", "\"$$; --\nnew line\"", "'$$; --\nnew line'" },
		{ "\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80", "\"\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80\"", "'\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80'" },
	};
	static const char *const invalid[] = { "\xFF", "a\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE0\x80\xAF", NULL };
	size_t i;
	char *q;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		q = pgm__sql_ident(cases[i][0]);
		CHECK_STR(q, cases[i][1]);
		free(q);
		q = pgm__sql_literal(cases[i][0]);
		CHECK_STR(q, cases[i][2]);
		free(q);
	}
	for (i = 0; invalid[i]; i++) {
		CHECK(pgm__sql_ident(invalid[i]) == NULL);
		CHECK(pgm__sql_literal(invalid[i]) == NULL);
		CHECK(!pgm__utf8_valid(invalid[i], strlen(invalid[i])));
	}
	q = pgm__sql_qualified("a\"s", "t'", "_history");
	CHECK_STR(q, "\"a\"\"s\".\"t'_history\"");
	free(q);
	/* the history's comment is one literal, whatever the name */
	{
		pgm_buf b = PGM_BUF_INIT;
		CHECK_INT(pgm__tracking_ddl(&b, "\"s\".\"t\"", "\"s\".\"t_history\"", "x'; drop table y; --"), 0);
		CHECK(b.ptr && strstr(b.ptr, "IS 'pgmigrate: every migration applied, reverted or forced, with checksums; "
			"x''; drop table y; -- beside it is golang-migrate''s table';\n") != NULL);
		pgm_buf_free(&b);
	}
}

/* many keys: each found, the last assignment of a key wins, the order of
 * first assignment kept (dotenv.c indexes the keys: linear, not quadratic) */
static void test_dotenv_many(void)
{
	pgm_buf b = PGM_BUF_INIT;
	pgm_dotenv env;
	char err[128], key[32];
	int line = 0, i, bad = 0;
	const int n = 20000;
	for (i = 0; i < n; i++)
		pgm_buf_printf(&b, "K%d=v%d\n", i, i);
	for (i = 0; i < n; i += 3)
		pgm_buf_printf(&b, "export K%d=\"w%d\"\n", i, i);
	CHECK_INT(pgm_dotenv_parse(&env, b.ptr, b.len, &line, err, sizeof err), 0);
	CHECK_INT(env.count, n);
	for (i = 0; i < n; i++) {
		const char *v;
		char want[32];
		snprintf(key, sizeof key, "K%d", i);
		snprintf(want, sizeof want, "%c%d", i % 3 ? 'v' : 'w', i);
		v = pgm_dotenv_get(&env, key);
		if (!v || strcmp(v, want) != 0 || strcmp(env.entries[i].key, key) != 0 ||
		    env.entries[i].line != (i % 3 ? i + 1 : n + i / 3 + 1))
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(pgm_dotenv_get(&env, "K20000") == NULL);
	CHECK(pgm_dotenv_get(&env, "k1") == NULL);
	pgm_dotenv_free(&env);
	pgm_buf_free(&b);
	/* an empty file: nothing, and lookups work */
	CHECK_INT(pgm_dotenv_parse(&env, "", 0, &line, err, sizeof err), 0);
	CHECK(pgm_dotenv_get(&env, "X") == NULL);
	pgm_dotenv_free(&env);
}

static void set_tz(const char *tz)
{
#ifdef _WIN32
	char buf[64];
	snprintf(buf, sizeof buf, "TZ=%s", tz);
	_putenv(buf);
	_tzset();
#else
	setenv("TZ", tz, 1);
	tzset();
#endif
}

/* the history's times, written on this side as to_char(..., 'YYYY-MM-DD HH24:MI:SSOF') did */
static void test_local_time(void)
{
	char out[40];
	set_tz("UTC0");
	pgm__local_time_text(0.0, out);
	CHECK_STR(out, "1970-01-01 00:00:00+00");
	pgm__local_time_text(1795928323.999, out); /* a fraction is cut, not rounded */
	CHECK_STR(out, "2026-11-29 04:58:43+00");
	set_tz("IST-5:30");
	pgm__local_time_text(0.0, out);
	CHECK_STR(out, "1970-01-01 05:30:00+05:30");
	set_tz("EST5");
	pgm__local_time_text(0.0, out);
	CHECK_STR(out, "1969-12-31 19:00:00-05");
}

/* the checksum cache is used on local disks only */
static void test_stamps_trusted(void)
{
#ifdef __linux__
	CHECK(pgm_os_stamps_trusted(".") == 1); /* the build folder, on the machine's disk */
	CHECK(pgm_os_stamps_trusted("/proc") == 0);
	CHECK(pgm_os_stamps_trusted("/sys") == 0);
	CHECK(pgm_os_stamps_trusted("/no/such/folder") == 0);
#endif
}

/* the text check (textcheck.c): NUL, UTF-8 as PostgreSQL takes it, UTF-16,
 * positions as pgm_text_position counts them, fed whole or byte by byte */
static int text_problem(const char *t, size_t n, int *line, int *col, uint64_t *off)
{
	pgm_textcheck a, b;
	size_t i;
	int ra = pgm__text_check(&a, t, n), rb = 0;
	pgm__textcheck_init(&b);
	for (i = 0; i < n && rb == 0; i++)
		rb = pgm__textcheck_feed(&b, t + i, 1);
	if (rb == 0)
		rb = pgm__textcheck_end(&b);
	/* in pieces: the same answer */
	CHECK_INT(ra, rb);
	CHECK_INT(a.problem, b.problem);
	CHECK_INT(a.bad_off, b.bad_off);
	CHECK_INT(a.bad_line, b.bad_line);
	CHECK_INT(a.bad_col, b.bad_col);
	*line = a.bad_line;
	*col = a.bad_col;
	*off = a.bad_off;
	return ra == 0 ? 0 : (int)a.problem;
}

static void test_textcheck(void)
{
	int line, col, pl, pc;
	uint64_t off;
	static const char *good[] = { "", "SELECT 1;\n", "-- caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\r\n",
		"\xED\x9F\xBF\xEE\x80\x80\xF4\x8F\xBF\xBF", NULL };
	static const char *bad[] = { "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
		"\xF5\x80\x80\x80", "\x80", "abc\xC3", "\xC3(", "\xFF", NULL };
	size_t i;
	for (i = 0; good[i]; i++)
		CHECK_INT(text_problem(good[i], strlen(good[i]), &line, &col, &off), PGM_TEXT_OK);
	for (i = 0; bad[i]; i++)
		CHECK_INT(text_problem(bad[i], strlen(bad[i]), &line, &col, &off), PGM_TEXT_UTF8);
	/* the place of a NUL: as pgm_text_position counts (CRLF, a lone CR, characters) */
	{
		static const char t[] = "SELECT 1;\r\n-- \xC3\xA9\rab\tc \0 x";
		CHECK_INT(text_problem(t, sizeof t - 1, &line, &col, &off), PGM_TEXT_NUL);
		CHECK_INT(off, 22);
		pgm_text_position(t, sizeof t - 1, (size_t)off, &pl, &pc);
		CHECK_INT(line, pl);
		CHECK_INT(col, pc);
		CHECK_INT(line, 3);
		CHECK_INT(col, 6);
	}
	/* long ASCII runs (eight bytes at a time) and a NUL after them */
	{
		char t[100];
		memset(t, 'x', sizeof t);
		t[50] = '\n';
		t[77] = '\0';
		CHECK_INT(text_problem(t, sizeof t, &line, &col, &off), PGM_TEXT_NUL);
		CHECK_INT(off, 77);
		CHECK_INT(line, 2);
		CHECK_INT(col, 27);
	}
	/* a character cut at the end, and one cut by a bad byte: the place is its start */
	CHECK_INT(text_problem("ab\n\xE2\x82", 5, &line, &col, &off), PGM_TEXT_UTF8);
	CHECK_INT(off, 3);
	CHECK_INT(line, 2);
	CHECK_INT(col, 1);
	CHECK_INT(text_problem("\xC3\xA9\xE2\x82x", 6, &line, &col, &off), PGM_TEXT_UTF8);
	CHECK_INT(off, 2);
	CHECK_INT(col, 2);
	/* UTF-16 by its byte order mark, either way round; without one, a NUL at the start */
	CHECK_INT(text_problem("\xFF\xFES\0", 4, &line, &col, &off), PGM_TEXT_UTF16);
	CHECK_INT(text_problem("\xFE\xFF\0S", 4, &line, &col, &off), PGM_TEXT_UTF16);
	CHECK_INT(text_problem("S\0E\0", 4, &line, &col, &off), PGM_TEXT_NUL);
	CHECK_INT(off, 1);
	CHECK(pgm__is_utf8("caf\xC3\xA9"));
	CHECK(!pgm__is_utf8("caf\xE9"));
	{
		char *s = pgm__utf8_shown("caf\xE9-\xC3\xA9");
		CHECK_STR(s, "caf\\xE9-\xC3\xA9");
		free(s);
	}
}

/* the source line under an error: a long line cut around the position */
static void test_excerpt(void)
{
	char *e, *big;
	int col;
	size_t n = 100000;

	e = pgm__line_excerpt("SELECT 1;\nSELECT\t2 +;\nx", 24, 20, 1, &col);
	CHECK_STR(e, "SELECT\t2 +;");
	CHECK_INT(col, 11);
	free(e);
	/* control characters and bytes that are not UTF-8 as '?': one column each */
	e = pgm__line_excerpt("a\x01\xE9\xC3\xA9" "b", 6, 5, 1, &col);
	CHECK_STR(e, "a??\xC3\xA9" "b");
	CHECK_INT(col, 5);
	free(e);
	big = malloc(n);
	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, 'c', n);
	big[50000] = '!';
	e = pgm__line_excerpt(big, n, 50000, 1, &col);
	CHECK(e && strlen(e) <= 210);
	CHECK(e && strncmp(e, "...", 3) == 0 && strcmp(e + strlen(e) - 3, "...") == 0);
	CHECK(e && e[col - 1] == '!');
	free(e);
	/* near the start: not cut there */
	e = pgm__line_excerpt(big, n, 5, 1, &col);
	CHECK(e && strncmp(e, "ccccc!", 5) == 0 && col == 6);
	free(e);
	/* a piece that does not start a line (a streamed file's) */
	e = pgm__line_excerpt(big, 10, 5, 0, &col);
	CHECK_STR(e, "...cccccccccc");
	CHECK_INT(col, 9);
	free(e);
	free(big);
}

/* reading a migration: Ctrl-C ends it; a device is refused */
static void test_read_body(void)
{
	pgm_ctx *ctx = NULL;
	char *body = NULL;
	size_t len = 0;
	FILE *f = fopen("unit_body.sql", "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("SELECT 1;\n", f);
	fclose(f);
	CHECK_INT(pgm_ctx_new(&ctx, NULL), 0);
	if (!ctx)
		return;
	CHECK_INT(pgm_read_body(ctx, "unit_body.sql", "unit_body.sql", &body, &len), 0);
	CHECK_INT(len, 10);
	free(body);
	body = NULL;
	pgm_ctx_interrupt(ctx);
	CHECK_INT(pgm_read_body(ctx, "unit_body.sql", "unit_body.sql", &body, &len), PGM_ECANCELED);
	CHECK_INT(pgm__check_file(ctx, "unit_body.sql", "unit_body.sql"), PGM_ECANCELED);
	pgm_ctx_free(ctx);
#ifdef __linux__
	CHECK_INT(pgm_ctx_new(&ctx, NULL), 0);
	CHECK_INT(pgm_read_body(ctx, "/dev/zero", "/dev/zero", &body, &len), PGM_EIO);
	CHECK_INT(pgm__check_file(ctx, "/dev/zero", "/dev/zero"), PGM_EIO);
	pgm_ctx_free(ctx);
#endif
	remove("unit_body.sql");
}

/* the watchdog acts only when we wait for the server AND the server waits
 * for us (or cannot be reached) for the limit; a session it cannot find
 * (a pooler's pid, another server) is never "dead" */
static void test_watch_decide(void)
{
	CHECK_INT(pgm__watch_decide(25000, 20, PGM_WATCH_IDLE, 25), 1);
	CHECK_INT(pgm__watch_decide(20000, 20, PGM_WATCH_IDLE, 20), 1);
	CHECK_INT(pgm__watch_decide(0, 20, PGM_WATCH_IDLE, 3600), 0);     /* paused client: stdout blocked */
	CHECK_INT(pgm__watch_decide(19999, 20, PGM_WATCH_IDLE, 3600), 0);
	CHECK_INT(pgm__watch_decide(25000, 20, PGM_WATCH_IDLE, 19), 0);
	CHECK_INT(pgm__watch_decide(3600000, 20, PGM_WATCH_BUSY, 0), 0);  /* a long migration */
	CHECK_INT(pgm__watch_decide(3600000, 20, PGM_WATCH_UNKNOWN, 0), 0); /* no such session: cannot tell */
	/* no side connection: maybe only slow while a long migration runs */
	CHECK_INT(pgm__watch_decide(3600000, 20, PGM_WATCH_UNREACHABLE, 0), 0);
	CHECK_INT(pgm__watch_decide(0, 20, PGM_WATCH_UNREACHABLE, 0), 0);
	CHECK_INT(pgm__watch_decide(5000, 2, PGM_WATCH_IDLE, 2), 1);
}

int main(void)
{
	test_seconds();
	test_timeouts();
	test_sqlquote();
	test_dotenv_many();
	test_natcmp();
	test_sha256();
	test_filenames();
	test_dotenv();
	test_mask();
	test_scrub();
	test_conninfo();
	test_conninfo_vs_libpq();
	test_lock_key();
	test_positions();
	test_server_position();
	test_lexer();
	test_txplan();
	test_buf();
	test_lint();
	test_local_time();
	test_stamps_trusted();
	test_textcheck();
	test_excerpt();
	test_read_body();
	test_watch_decide();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
