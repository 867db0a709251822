/*
 * pgmigrate: the engine's public API.
 *
 * The engine manages PostgreSQL schema migrations stored as golang-migrate
 * style files ({version}_{name}.up.sql / .down.sql) and tracks them in
 * golang-migrate's `schema_migrations` table, so a database can move between
 * the two tools without a rewrite.
 *
 * One pass: configuration (flags, environment, .env) -> source (scan and
 * parse the folder) -> state (tracking table, advisory lock) -> plan ->
 * runner (batches of transactional migrations, statement by statement for
 * the others) -> events (a callback; the engine never prints).
 *
 * Conventions (libgit2's): functions return 0 or a negative PGM_E* code;
 * the details of the last error live on the context (pgm_ctx_error).
 * What comes back through an `out` parameter belongs to the caller and is
 * freed with the matching _free function; plain returned pointers are
 * borrowed from their parent.
 */
#ifndef PGMIGRATE_H
#define PGMIGRATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PGM_VERSION_STRING PGM_PROJECT_VERSION

/** Error codes. Only ever appended to; values are stable. */
typedef enum {
	PGM_OK = 0,
	PGM_ERROR = -1,        /**< generic failure */
	PGM_EUSAGE = -2,       /**< bad arguments from the caller */
	PGM_ENOMEM = -3,       /**< out of memory or a size cap was hit */
	PGM_EIO = -4,          /**< a file could not be read or written */
	PGM_ESOURCE = -5,      /**< the migration files are invalid */
	PGM_ECONNECT = -6,     /**< could not connect to the server */
	PGM_ESQL = -7,         /**< a statement failed (see sqlstate) */
	PGM_EDIRTY = -8,       /**< the database is marked dirty */
	PGM_ELOCKTIMEOUT = -9, /**< the migration lock was not obtained in time */
	PGM_ECANCELED = -10,   /**< interrupted (Ctrl-C) */
	PGM_ENODOWN = -11,     /**< a down migration is missing */
	PGM_ENOFILE = -12,     /**< the database is at a version with no file */
	PGM_ENOTFOUND = -13,   /**< a requested version does not exist */
	PGM_EEXISTS = -14,     /**< a file to create already exists */
	PGM_ECONFIG = -15,     /**< the configuration is invalid (.env, URL) */
	PGM_EACCESS = -16,     /**< the operating system denied access */
	PGM_EINTEGRITY = -17   /**< an applied migration changed, or one was skipped */
} pgm_errcode;

/** Where a configuration value came from (doctor and `env` print it). */
typedef enum {
	PGM_FROM_DEFAULT = 0,
	PGM_FROM_FLAG,
	PGM_FROM_ENV,
	PGM_FROM_DOTENV,
	PGM_FROM_PARENT        /**< found in a folder above the current one */
} pgm_origin;

/** The details of the last error on a context. Strings may be NULL. */
typedef struct pgm_error {
	int code;              /**< a pgm_errcode */
	char *message;         /**< primary message, lower case, no period */
	char *detail;
	char *hint;
	char sqlstate[6];      /**< "" when not from the server */
	char *file;            /**< migration file (display path) or NULL */
	int line;              /**< 1-based, 0 when unknown */
	int column;            /**< 1-based, in characters, 0 when unknown */
	int statement;         /**< 1-based statement number, 0 when unknown */
	char *source_line;     /**< the text of `line` without newline, or an excerpt of a long
	                            line around `column` ("..." where cut) */
	int64_t version;       /**< version concerned, -1 when none */
	int source_column;     /**< the position's column within source_line, 0 when unknown */
} pgm_error;

/** Options the caller sets before pgm_ctx_new. NULL means "not given". */
typedef struct pgm_options {
	const char *database_url;  /**< --database */
	const char *path;          /**< --path */
	const char *table;         /**< --table, "name" or "schema.name" */
	const char *env_file;      /**< --env-file; NULL reads ./.env if present */
	double lock_timeout;       /**< seconds; < 0 means default (15) */
	const char *application_name; /**< default "pgmigrate" */
	const char *pg_bin;        /**< --pg-bin: folder of psql / libpq */
	int dry_run;               /**< rehearse in a transaction that is rolled back */
	int allow_modified;        /**< go up although an applied file changed */
	int allow_out_of_order;    /**< apply older, never-applied files */
	double ddl_lock_timeout;   /**< seconds: SET LOCAL lock_timeout per migration (0: none) */
	int retries;               /**< retries of a migration that hit the lock timeout */
	int results_at_batch_end;  /**< 1: nobody watches (output to a file): do not ask the
	                                server to send each migration's result as it finishes */
} pgm_options;

typedef struct pgm_ctx pgm_ctx;

/** One migration version found on disk. */
typedef struct pgm_migration {
	int64_t version;
	const char *name;        /**< description part of the file name */
	const char *up_file;     /**< display path or NULL */
	const char *down_file;   /**< display path or NULL */
	int no_transaction;      /**< set once the body was read */
} pgm_migration;

typedef enum { PGM_UP = 1, PGM_DOWN = -1 } pgm_direction;

typedef enum {
	PGM_EV_WARNING = 1,    /**< message (+ file) */
	PGM_EV_LOCK_WAIT,      /**< message names the holder */
	PGM_EV_PLAN,           /**< total steps about to run */
	PGM_EV_STEP_DONE,      /**< migration, direction, duration_ms */
	PGM_EV_STEP_FAILED,    /**< migration, direction; error on ctx */
	PGM_EV_INFO,           /**< message */
	PGM_EV_STEP_SKIPPED,   /**< migration not run (dry run of a no-transaction file) */
	PGM_EV_STEP_START      /**< migration, direction: it starts running now (as far as
	                            the server has said: see results_at_batch_end) */
} pgm_event_type;

typedef struct pgm_event {
	pgm_event_type type;
	const char *message;
	const char *file;
	const pgm_migration *migration;
	pgm_direction direction;
	double duration_ms;
	int index;             /**< 1-based step number */
	int total;             /**< steps in the plan */
	int64_t version_after; /**< tracking version after the step, -1 = none */
	/* lock holder, for PGM_EV_LOCK_WAIT; 0/NULL when unknown */
	int holder_pid;
	const char *holder_application;
	const char *holder_client;
	const char *holder_since;
	/** PGM_EV_STEP_DONE: 1 when the migration's commit was flushed to disk
	 *  (synchronous) when this event came, which makes every earlier one durable
	 *  too (WAL is ordered); 0 when it was committed asynchronously inside a
	 *  batch (durable at the batch's last commit; a server crash before that
	 *  can lose it) or in a dry run */
	int durable;
} pgm_event;

typedef void (*pgm_event_cb)(const pgm_event *ev, void *payload);

/** Per-migration row of `status`. */
typedef enum {
	PGM_ST_APPLIED = 1,
	PGM_ST_PENDING,
	PGM_ST_DIRTY,          /**< the current version, marked dirty */
	PGM_ST_MISSING,        /**< applied (tracked or in the history), but no file */
	PGM_ST_MODIFIED,       /**< applied, and the file changed since */
	PGM_ST_OUT_OF_ORDER    /**< older than the current version, never applied */
} pgm_state;

typedef struct pgm_status_row {
	int64_t version;
	const char *name;
	pgm_state state;
	const char *up_file;
	const char *down_file;
	const char *applied_at;  /**< from the history, or NULL */
	const char *detail;      /**< dirty: the error that stopped it; modified, out of order: why; or NULL */
	int failed_statement;    /**< dirty: the statement it stopped at, or 0 */
} pgm_status_row;

typedef struct pgm_status {
	int64_t version;       /**< current version, -1 when nothing applied */
	int dirty;
	int table_exists;
	size_t count;
	pgm_status_row *rows;
	char *target;          /**< masked connection target */
	char *table;           /**< qualified tracking table */
	int server_version;    /**< server_version_num */
} pgm_status;

/**
 * Create a context: resolves the configuration from `opts`, the
 * environment and the .env file. Nothing is connected or read yet.
 * @param[out] out the new context, free with pgm_ctx_free (also on error,
 *             when *out is set, so the error can be read)
 * @return 0 or an error code (PGM_ECONFIG for an unreadable .env)
 */
int pgm_ctx_new(pgm_ctx **out, const pgm_options *opts);
void pgm_ctx_free(pgm_ctx *ctx);

/** The last error; borrowed, valid until the next call on ctx. */
const pgm_error *pgm_ctx_error(const pgm_ctx *ctx);

/** Set the event callback (may be NULL). */
void pgm_ctx_set_event_cb(pgm_ctx *ctx, pgm_event_cb cb, void *payload);

/**
 * Ask the running operation to stop: cancels the running statement
 * (PQcancel) and makes lock waits give up. Async-signal-safe.
 */
void pgm_ctx_interrupt(pgm_ctx *ctx);

/** The resolved migrations folder, masked target and their origins. */
const char *pgm_ctx_path(const pgm_ctx *ctx, pgm_origin *origin);
/** Where a value came from, as `env` and doctor say it ("flag", "environment", ".env",
 * "a parent folder", "default"). */
const char *pgm_origin_name(pgm_origin o);
/** Seconds as `--lock-timeout` and PGMIGRATE_LOCK_TIMEOUT take them: "15", "2.5", "30s",
 * "2m"; 0 and *out set, or -1 for anything else (negative, nan, inf, above PostgreSQL's
 * limit for a timeout of 2147483647 ms, 2147483.647 s). A timeout sent to the server is in
 * whole milliseconds, a part of one rounded up (0.0001 is 1 ms). */
int pgm_parse_seconds(const char *s, double *out);
/** Seconds to wait for the migration lock (default 15) and where that came from. */
double pgm_ctx_lock_timeout(const pgm_ctx *ctx, pgm_origin *origin);
/** The checksum cache file of the migrations folder (in PGMIGRATE_CACHE_DIR, else the
 * user's cache folder), NULL when it is off (PGMIGRATE_CACHE_DIR=off) or there is no
 * place for it; where the setting came from. Caller frees with pgm_free. */
char *pgm_ctx_checksum_cache(const pgm_ctx *ctx, pgm_origin *origin);
/** 1 when a database is configured (a URL, or PGHOST/PGDATABASE/PGSERVICE/PGPORT). */
int pgm_ctx_has_database(const pgm_ctx *ctx);
/** The connection target with any password masked; caller frees. */
char *pgm_ctx_target_masked(const pgm_ctx *ctx, pgm_origin *origin);

/**
 * Scan the migrations folder. Warnings (files that look like migrations
 * but do not match the pattern) are sent as PGM_EV_WARNING events.
 * @return 0, PGM_EIO when the folder cannot be read, PGM_ESOURCE when the
 *         files are invalid (duplicates, bad versions)
 */
int pgm_load(pgm_ctx *ctx);

/**
 * After a command: the tracking version last seen (-1: none), its dirty
 * flag and how many migrations the command applied or reverted.
 */
void pgm_ctx_result(const pgm_ctx *ctx, int64_t *out_version, int *out_dirty, int *out_steps);

/** Number of migrations loaded and the i-th one (borrowed). */
size_t pgm_count(const pgm_ctx *ctx);
const pgm_migration *pgm_get(const pgm_ctx *ctx, size_t i);

/** Apply up to `limit` pending migrations (limit <= 0: all). */
int pgm_up(pgm_ctx *ctx, int limit);
/** Revert `steps` migrations (steps < 0: all of them). */
int pgm_down(pgm_ctx *ctx, int steps);
/** Migrate up or down to `version`, which must exist on disk. */
int pgm_goto(pgm_ctx *ctx, int64_t version);
/** Set the tracking version without running anything (-1 empties). */
int pgm_force(pgm_ctx *ctx, int64_t version);
/** Read the current version (-1 when none) and the dirty flag. */
int pgm_version(pgm_ctx *ctx, int64_t *out_version, int *out_dirty);
/** Every migration with its state. Free with pgm_status_free. */
int pgm_status_get(pgm_status **out, pgm_ctx *ctx);
void pgm_status_free(pgm_status *st);

/**
 * Create the next pair of migration files named `name` in the folder.
 * @param[out] out_up, out_down paths of the new files; caller frees
 */
int pgm_new(char **out_up, char **out_down, pgm_ctx *ctx, const char *name);

/* ---- validate ---- */

typedef struct pgm_problem {
	const char *severity;  /**< "error" or "warning" */
	char *code;            /**< e.g. invalid_name, duplicate, empty, modified, out_of_order */
	char *file;            /**< display path or NULL */
	int line, column;      /**< 0 when unknown */
	int64_t version;       /**< -1 when none */
	char *message;
	char *hint;
} pgm_problem;

typedef struct pgm_validation {
	pgm_problem *items;
	size_t count;
	size_t errors;
	int db_checked;        /**< the database was read (checksums, order) */
} pgm_validation;

/**
 * Check the files (names, duplicates, pairs, readable, non-empty, SQL the
 * lexer can split, transaction control) and, with `with_db`, the database:
 * checksums of applied migrations, skipped older files, missing files,
 * a dirty version. Free with pgm_validation_free.
 */
int pgm_validate(pgm_validation **out, pgm_ctx *ctx, int with_db);
void pgm_validation_free(pgm_validation *v);

/* ---- PostgreSQL client programs (psql) and discovery ---- */

/** One place looked at when finding PostgreSQL's programs and libpq. */
typedef struct pgm_pg_place {
	const char *source;    /**< "--pg-bin", "PGMIGRATE_PG_BIN", "exe folder", "registry", "default", "PATH" */
	char *dir;             /**< the bin folder */
	char *version;         /**< major version when known (registry, default paths), else NULL */
	char *service;         /**< Windows service id from the registry, else NULL */
	int has_psql;
	int has_libpq;         /**< the shared libpq library is in this folder */
} pgm_pg_place;

typedef struct pgm_pg_places {
	pgm_pg_place *items;
	size_t count;
} pgm_pg_places;

/** Every place looked at, in search order. Free with pgm_pg_places_free. */
int pgm_pg_discover(pgm_pg_places **out, pgm_ctx *ctx);
void pgm_pg_places_free(pgm_pg_places *p);

/**
 * Find a PostgreSQL client program such as "psql" (".exe" added on Windows).
 * @param[out] out full path; caller frees with pgm_free
 * @return 0, or PGM_ENOTFOUND with a hint on the context
 */
int pgm_find_program(char **out, pgm_ctx *ctx, const char *name);

/**
 * The environment for a client program: "NAME=value" strings (PGHOST,
 * PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, ...) from the
 * configuration, so the password travels in the child's environment only.
 * @param[out] out NULL-terminated array; free with pgm_strv_free
 */
int pgm_client_env(char ***out, pgm_ctx *ctx);
void pgm_strv_free(char **v);

/**
 * Run a program and wait for it. `env_set` ("NAME=value" strings) is added
 * to the inherited environment. Ctrl-C goes to the child only.
 * @param[out] out_exit the program's exit code
 */
int pgm_run_program(pgm_ctx *ctx, const char *path, const char *const *argv,
	const char *const *env_set, int *out_exit);

/** A PostgreSQL server installed as an OS service (Windows). */
typedef struct pgm_service {
	char *name;            /**< e.g. postgresql-x64-18 */
	char *display;
	char *state;           /**< "Running", "Stopped", ... */
} pgm_service;

typedef struct pgm_services {
	pgm_service *items;
	size_t count;
} pgm_services;

/** The PostgreSQL services of this machine (none outside Windows). */
int pgm_services_list(pgm_services **out, pgm_ctx *ctx);
void pgm_services_free(pgm_services *s);
/** The newest service by name, numbers compared as numbers (postgresql-x64-18
 * after postgresql-x64-9); NULL when there is none. Borrowed from s. */
const char *pgm_services_newest(const pgm_services *s);
/** Start a service; PGM_EACCESS when not allowed (needs Administrator). */
int pgm_service_start(pgm_ctx *ctx, const char *name);

/** One configuration value and where it came from (for `env`/doctor). */
const char *pgm_ctx_env_file(const pgm_ctx *ctx);
const char *pgm_ctx_table(const pgm_ctx *ctx);

/* ---- lint: static checks of the migration files (docs/lint.md) ---- */

/** One lint rule: id "PGM001"..., severity "error" or "warning". */
typedef struct pgm_lint_rule {
	const char *id;
	const char *severity;
	const char *name;      /**< short slug, e.g. "if-not-exists" */
	const char *summary;   /**< one line: what the rule checks */
} pgm_lint_rule;

/** The rules, in id order (static, never freed). */
const pgm_lint_rule *pgm_lint_rules(size_t *out_count);

/** One problem found by pgm_lint. */
typedef struct pgm_finding {
	const char *rule;      /**< "PGM001"... (static) */
	const char *severity;  /**< "error" or "warning" (static) */
	char *file;            /**< display path of the migration file */
	int line;              /**< 1-based */
	int column;            /**< 1-based, in characters */
	int64_t version;       /**< the migration's version */
	char *message;         /**< what is wrong and why, lower case, no period */
	char *fix;             /**< what to write instead */
	char *source_line;     /**< the text of `line` without newline (an excerpt around `column`
	                            when the line is long, "..." where cut), or NULL */
	int source_column;     /**< the position's column within source_line */
} pgm_finding;

typedef struct pgm_lint_result {
	pgm_finding *findings; /**< sorted by migration, file, position */
	size_t count;
	size_t errors;         /**< findings of severity "error" */
	size_t warnings;
	size_t files;          /**< files checked */
	size_t migrations;
} pgm_lint_result;

/**
 * Check every migration file of the folder without a database (loads the
 * folder with pgm_load when it is not loaded yet). Rules can be switched
 * off with `disabled` and in the files with `-- pgmigrate:ignore ID` and
 * `-- pgmigrate:ignore-file ID` comments.
 * @param[out] out the findings, free with pgm_lint_result_free
 * @param disabled NULL-terminated list of rule ids or names to skip (each
 *        string may hold several, separated by commas); NULL for none
 * @return 0 (also when there are findings), PGM_EUSAGE for an unknown rule
 *         id, or the errors of pgm_load and of reading the files
 */
int pgm_lint(pgm_lint_result **out, pgm_ctx *ctx, const char *const *disabled);
void pgm_lint_result_free(pgm_lint_result *r);

/* ---- verify: up, down, up again, in a transaction that is rolled back (docs/doctor.md) ---- */

typedef enum {
	PGM_VERIFY_ONE = 0,    /**< one version, on top of the migrations below it */
	PGM_VERIFY_PENDING,    /**< each pending migration, on top of the previous one */
	PGM_VERIFY_ALL         /**< every migration, after reverting the applied ones */
} pgm_verify_mode;

typedef enum {
	PGM_VERIFY_OK = 0,     /**< down restored the schema; up ran again to the same schema */
	PGM_VERIFY_DIFFERENT,  /**< the schema after down (or after up again) differs */
	PGM_VERIFY_NO_DOWN,    /**< there is no down migration to verify */
	PGM_VERIFY_FAILED,     /**< a step failed: phase and error say which and why */
	PGM_VERIFY_NOT_RUN     /**< not verified because of an earlier one (error.message) */
} pgm_verify_outcome;

/** Catalog lines (one per object or attribute) found in one snapshot only. */
typedef struct pgm_verify_diff {
	char **missing;        /**< in the first snapshot only */
	size_t nmissing;
	char **extra;          /**< in the second snapshot only */
	size_t nextra;
} pgm_verify_diff;

typedef struct pgm_verify_item {
	const pgm_migration *migration; /**< borrowed from the context */
	pgm_verify_outcome outcome;
	int scratch;           /**< verified in a scratch database (a no-transaction migration, or after one) */
	pgm_verify_diff down;  /**< before up (first) against after down (second) */
	pgm_verify_diff again; /**< after up (first) against after up again (second) */
	const char *phase;     /**< FAILED: "prepare", "scratch", "snapshot", "up", "down" or "up again" */
	pgm_error error;       /**< FAILED: the error; NO_DOWN, NOT_RUN: message says why */
} pgm_verify_item;

typedef struct pgm_verify_result {
	pgm_verify_item *items;
	size_t count;
	size_t failed;         /**< items whose outcome is not PGM_VERIFY_OK */
	int64_t version;       /**< the database's version, unchanged (-1: none) */
	char *scratch_database; /**< the scratch database used and dropped, or NULL */
} pgm_verify_result;

/**
 * Check that each down migration undoes its up migration: with the
 * migration lock held, in one transaction that is always rolled back, for
 * each migration: snapshot the catalog, up, snapshot, down, snapshot, up
 * again, snapshot; compare. Migrations that cannot run in a transaction
 * are verified in a scratch database (CREATE DATABASE, dropped after).
 * PGM_VERIFY_ONE verifies `version` on top of the migrations below it
 * (pending ones are applied, applied ones above it reverted, in the
 * transaction); PGM_VERIFY_PENDING each pending migration in order;
 * PGM_VERIFY_ALL reverts every applied migration, then verifies all.
 * The database is left as it was.
 * @param[out] out one item per migration; free with pgm_verify_result_free
 * @return 0 when the verification ran (findings are in the items), or an
 *         error that stopped it (connection, lock, dirty, PGM_ENOTFOUND)
 */
int pgm_verify(pgm_verify_result **out, pgm_ctx *ctx, pgm_verify_mode mode, int64_t version);
void pgm_verify_result_free(pgm_verify_result *r);

/* ---- doctor: why doesn't it work (docs/doctor.md) ---- */

typedef enum {
	PGM_CHECK_PASS = 0,
	PGM_CHECK_INFO,        /**< worth knowing, not a problem */
	PGM_CHECK_WARN,        /**< may be why something fails */
	PGM_CHECK_FAIL,        /**< pgmigrate cannot work like this */
	PGM_CHECK_SKIP         /**< not checked: an earlier check failed */
} pgm_check_status;

typedef struct pgm_check {
	const char *name;      /**< config, migrations, libpq, server, login, version, privileges,
	                            tracking, applied, last_run, pending, lock, installs, services */
	pgm_check_status status;
	char *message;
	char *detail;          /**< or NULL */
	char *hint;            /**< what to do, or NULL */
} pgm_check;

typedef struct pgm_doctor_report {
	pgm_check *items;
	size_t count;
	size_t failures;       /**< checks with status FAIL */
	size_t warnings;
} pgm_doctor_report;

/**
 * Run every check, in order: configuration and where it came from (the
 * password masked), the migration files, libpq, whether the server
 * answers, the login, the server version, the right to create tables, the
 * tracking table (dirty? the failed statement), the history's last failed
 * run, pending migrations, who holds the migration lock, PostgreSQL
 * installs and services. Reads only: takes no lock, creates nothing.
 * @param[out] out free with pgm_doctor_report_free
 * @return 0 (problems are in the report), PGM_ENOMEM
 */
int pgm_doctor(pgm_doctor_report **out, pgm_ctx *ctx);
void pgm_doctor_report_free(pgm_doctor_report *r);

/* ---- pure helpers, exposed for the CLI and for tests ---- */

/**
 * Parse a migration file name. @return 1 when it matches
 * `{digits}_{name}.{up|down}.sql` (version in *out_version, name copied
 * into namebuf, direction in *out_dir), 0 when it does not look like a
 * migration at all, -1 when it looks like one but is malformed (the
 * reason is written into namebuf).
 */
int pgm_parse_filename(const char *filename, int64_t *out_version,
	char *namebuf, size_t namebuf_size, pgm_direction *out_dir);

/** Mask the password of a URL or keyword/value conninfo; caller frees. */
char *pgm_mask_conninfo(const char *conninfo);

/** golang-migrate's advisory lock key for (schema, table, database). */
uint32_t pgm_lock_key(const char *schema, const char *table, const char *database);

/** Compute 1-based line and column (in characters) of byte `offset` in `text`. */
void pgm_text_position(const char *text, size_t len, size_t offset, int *out_line, int *out_col);

/** Free a string returned by the engine. */
void pgm_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
