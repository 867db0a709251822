/*
 * Engine internals shared between the engine's modules: the growable
 * buffer, the context structure, error helpers, and the small interfaces
 * of dotenv, the lexer and the database state. Nothing here is public.
 */
#ifndef PGM_INTERNAL_H
#define PGM_INTERNAL_H

#include "pgmigrate/pgmigrate.h"
#include "pq.h"
#include "os/os.h"

#include <stdarg.h>
#include <stdio.h>

#if defined(__MINGW32__)
/* mingw's C99 printf (__USE_MINGW_ANSI_STDIO) understands %zu and %lld */
#define PGM_PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#define PGM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PGM_PRINTF(a, b)
#endif

/* ---- growable buffer (curl dynbuf, PQExpBuffer) ---- */
typedef struct pgm_buf {
	char *ptr;
	size_t len;
	size_t cap;
	size_t max;    /* 0: no cap */
	int failed;    /* sticky: an allocation or the cap failed */
} pgm_buf;

#define PGM_BUF_INIT { NULL, 0, 0, 0, 0 }

int pgm_buf_grow(pgm_buf *b, size_t extra);
int pgm_buf_put(pgm_buf *b, const void *data, size_t len);
int pgm_buf_puts(pgm_buf *b, const char *s);
int pgm_buf_printf(pgm_buf *b, const char *fmt, ...) PGM_PRINTF(2, 3);
int pgm_buf_vprintf(pgm_buf *b, const char *fmt, va_list ap);
char *pgm_buf_take(pgm_buf *b); /* NUL-terminated, caller frees; NULL on failure */
void pgm_buf_reset(pgm_buf *b);
void pgm_buf_free(pgm_buf *b);

char *pgm_strdup(const char *s);
char *pgm_strndup(const char *s, size_t n);
char *pgm_aprintf(const char *fmt, ...) PGM_PRINTF(1, 2);

/* ---- util.c ---- */
/* strcmp with runs of digits compared as numbers ("16.10" > "16.9") */
int pgm__natcmp(const char *a, const char *b);

/* ---- SQL quoting without a connection (sqlquote.c) ---- */
/* 1 when s[0..n) is UTF-8 that PostgreSQL accepts (no NUL byte) */
int pgm__utf8_valid(const char *s, size_t n);
/* "ident" / 'literal' (" E'...'" when it holds a backslash), as libpq's
 * PQescapeIdentifier / PQescapeLiteral write them for UTF-8; caller frees;
 * NULL for text that is not valid UTF-8, or out of memory */
char *pgm__sql_ident(const char *s);
char *pgm__sql_literal(const char *s);
/* "schema"."table<suffix>" (suffix may be NULL); caller frees */
char *pgm__sql_qualified(const char *schema, const char *table, const char *suffix);
/* the longest name PostgreSQL keeps (NAMEDATALEN - 1 bytes); longer ones it cuts */
#define PGM_NAME_MAX 63
/* what the history table's name adds to the tracking table's */
#define PGM_HISTORY_SUFFIX "_history"

/* ---- conninfo.c: connection strings as libpq reads them and as meant ---- */
typedef enum {
	PGM_CI_OK = 0,
	PGM_CI_URL_ENCODING,   /* a raw '@', '/', '&' or a bad '%' in a URL's password */
	PGM_CI_KV_QUOTING,     /* an unquoted blank in a keyword=value password */
	PGM_CI_SCHEME,         /* "xyz://...": libpq would take it for a database name */
	PGM_CI_NESTED          /* a keyword=value dbname that is a connection string: sent to the server */
} pgm__ci_problem;
typedef struct pgm__ci_span {
	size_t off, len;
} pgm__ci_span;
typedef struct pgm__conninfo {
	pgm__ci_span *span;              /* password text in the string, as libpq reads it and as meant */
	size_t nspan, capspan;
	char **value;                    /* passwords decoded (URL) or unescaped (keyword=value), and
	                                    libpq's pieces of a misread one: the scrubber's list */
	size_t nvalue, capvalue;
	pgm__ci_problem problem;         /* libpq would read the string otherwise than meant */
	int failed;                      /* out of memory */
} pgm__conninfo;
/* the length of "postgres://" or "postgresql://" (any case) at the start of s, else 0 */
size_t pgm__conninfo_url_prefix(const char *s);
/* a copy with the URL scheme in lower case, as libpq needs it */
char *pgm__conninfo_normalize(const char *ci);
const char *pgm__config_lookup(const pgm_ctx *ctx, const char *name, pgm_origin *origin);
/* 1 when s is a URL (any scheme) or holds '=': libpq expands such a dbname */
int pgm__conninfo_is_string(const char *s);
/* text with every `password=` value and URL `user:password@` masked, whatever
 * string they came from (the last resort of the scrubber); NULL when out of memory */
char *pgm__scrub_any(const char *text);
/* 0, or -1 out of memory; free with pgm__conninfo_free either way */
int pgm__conninfo_parse(pgm__conninfo *out, const char *ci);
void pgm__conninfo_free(pgm__conninfo *c);
/* text with the connection string and every password in it masked; NULL when out of memory */
char *pgm__scrub_conninfo(const char *text, const char *ci);
/* 0, or PGM_ECONFIG (with advice) when libpq would misread ctx->cfg.url's password */
int pgm__conninfo_check(pgm_ctx *ctx);

/* ---- dotenv ---- */
typedef struct pgm_dotenv_entry {
	char *key;
	char *value;
	int line;
} pgm_dotenv_entry;

typedef struct pgm_dotenv {
	pgm_dotenv_entry *entries;  /* in the order first assigned; a later assignment replaces the value */
	size_t count;
	size_t cap;
	size_t *slots;              /* hash index of entries (entry + 1, 0: empty), nslots a power of 2 */
	size_t nslots;
} pgm_dotenv;

/* Parse .env text. On a syntax error returns -1 with *err_line set and a
 * message in errbuf. Never executes or expands anything. */
int pgm_dotenv_parse(pgm_dotenv *out, const char *text, size_t len,
	int *err_line, char *errbuf, size_t errbuf_size);
const char *pgm_dotenv_get(const pgm_dotenv *env, const char *key);
void pgm_dotenv_free(pgm_dotenv *env);

/* ---- SHA-256 and migration checksums (sha256.c) ---- */
typedef struct pgm_sha256 {
	uint32_t h[8];
	uint64_t total;
	unsigned char buf[64];
	size_t fill;
} pgm_sha256;

void pgm_sha256_init(pgm_sha256 *s);
void pgm_sha256_update(pgm_sha256 *s, const void *data, size_t n);
void pgm_sha256_hex(pgm_sha256 *s, char out[65]);
/* SHA-256 of a migration body, BOM removed and CRLF normalised to LF */
void pgm_checksum(const char *body, size_t len, char out[65]);
/* the same, fed piece by piece (a body with its BOM already removed) */
void pgm_checksum_feed(pgm_sha256 *s, int *pending_cr, const char *p, size_t len);
void pgm_checksum_end(pgm_sha256 *s, int *pending_cr, char out[65]);
/* the checksum of a file, read in pieces (any size) */
int pgm_checksum_file(pgm_ctx *ctx, const char *path, const char *display, char out[65]);
/*
 * The up files' checksums, computed on a worker thread while the main one
 * loads libpq, connects and reads the tracking tables (a no-op `up` over a
 * thousand applied migrations spends as long reading files as talking to the
 * server). start: after pgm_load, for a command that checks applied files;
 * limit: the tracked version is known, nothing newer needs a checksum;
 * checksum: the up file's checksum, from the thread when it has it (joined
 * first), else read now.
 */
struct pgm_mig;
struct pgm_source;
/* the applied files' checksums from the cache or a thread, while the
 * connection is made (libpq is loaded first); 0 or libpq's loading error */
int pgm__prehash_start(pgm_ctx *ctx);
void pgm__prehash_limit(pgm_ctx *ctx, int64_t version);
/* the main thread waits for the server: the stamps are checked now when the
 * checksum cache made a thread not worth it (pgm__prehash_start) */
void pgm__prehash_idle(pgm_ctx *ctx);
/* a checksum cache file's text into the files' c_* fields: entries, or -1 (source.c) */
int pgm__sumcache_parse(struct pgm_source *src, char *text, const char *folder);
int pgm__mig_checksum(pgm_ctx *ctx, struct pgm_mig *m, char out[65]);
/* pgm_status_get with every applied file read, none taken from the
 * checksum cache: the thorough checks (validate, doctor; runner.c) */
int pgm__status_get_read_all(pgm_status **out, pgm_ctx *ctx);

/* ---- lexer ---- */
typedef enum {
	PGM_TOK_EOF = 0,
	PGM_TOK_WORD,          /* keyword or identifier */
	PGM_TOK_QIDENT,        /* "quoted identifier" */
	PGM_TOK_STRING,        /* '...', E'...', U&'...', B'...', X'...' */
	PGM_TOK_DOLLAR,        /* $tag$ ... $tag$ */
	PGM_TOK_NUMBER,
	PGM_TOK_PARAM,         /* $1 */
	PGM_TOK_OP,
	PGM_TOK_SEMI,
	PGM_TOK_LPAREN,
	PGM_TOK_RPAREN,
	PGM_TOK_COMMA,
	PGM_TOK_DOT,
	PGM_TOK_LINE_COMMENT,
	PGM_TOK_BLOCK_COMMENT,
	PGM_TOK_BACKSLASH      /* a psql meta-command (to the end of the line) */
} pgm_tok_type;

typedef struct pgm_token {
	pgm_tok_type type;
	size_t start;          /* byte offset */
	size_t len;
	const char *error;     /* unterminated string/comment, meta-command */
} pgm_token;

/* the next token at *pos (whitespace skipped, comments returned);
 * returns 0 at the end of the text */
int pgm_token_next(pgm_token *t, const char *sql, size_t len, size_t *pos);
/* a WORD token equal to kw, ignoring case */
int pgm_token_is(const pgm_token *t, const char *sql, const char *kw);

typedef struct pgm_stmt {
	size_t start;          /* byte offset of the first significant byte */
	size_t end;            /* byte offset just past the terminating ';' (or end) */
	int is_txctl;          /* BEGIN/COMMIT/ROLLBACK/START TRANSACTION/END/ABORT */
	const char *notx;      /* why it cannot run in a transaction block, or NULL */
	int notx_before_12;    /* ... only on servers before PostgreSQL 12 */
	int open;              /* ended by the end of the text, not by a ';' of its own (a
	                          streamed piece may cut a BEGIN ATOMIC body or a rule's
	                          (a; b) at an inner ';') */
} pgm_stmt;

typedef struct pgm_lex_result {
	pgm_stmt *stmts;
	size_t count;
	int no_transaction;    /* a no-transaction marker was found in the header */
	int has_txctl;         /* some statement is transaction control */
	size_t notx_count;     /* statements that cannot run in a transaction */
	/* first problem found (unterminated quote/comment, psql meta-command) */
	int error;
	size_t error_offset;
	const char *error_message;
} pgm_lex_result;

int pgm_lex(pgm_lex_result *out, const char *sql, size_t len);
void pgm_lex_free(pgm_lex_result *r);

/*
 * How a migration uses transaction control, read the way the server runs
 * the file as one query (golang-migrate's way): statements outside an
 * explicit block share an implicit transaction, which a BEGIN turns into
 * an explicit one, and COMMIT/ROLLBACK end it.
 */
typedef enum {
	PGM_TX_NONE = 0,  /* no transaction control */
	PGM_TX_WRAPPED,   /* one plain BEGIN and one COMMIT/END, the last statement: the whole
	                   * file is one transaction; the pair is dropped and the body runs in
	                   * pgmigrate's own transaction */
	PGM_TX_SELF,      /* any other use: run as golang-migrate runs it (one query, dirty protocol) */
	PGM_TX_OPEN       /* a transaction is still open at the end: refused */
} pgm_txmode;

typedef struct pgm_txplan {
	pgm_txmode mode;
	size_t begin, commit; /* WRAPPED: the pair's statements */
	size_t first;         /* SELF/OPEN: the statement that decides it */
	const char *why;      /* SELF/OPEN: what it is, for messages */
} pgm_txplan;

void pgm_lex_txplan(pgm_txplan *out, const pgm_lex_result *lex, const char *sql);
/* WRAPPED: blank the pair in text (newlines kept, so lines and offsets stay)
 * and take their statements out of lex */
void pgm_lex_unwrap(char *text, pgm_lex_result *lex, const pgm_txplan *plan);
/* 1: a plain BEGIN (START TRANSACTION), 2: a plain COMMIT (END), 0: anything else */
int pgm_lex_plain_txctl(const char *sql, const pgm_stmt *st);
/* run as one query, the number of the last statement before statement k
 * (from 0) that commits (COMMIT, END, COMMIT AND CHAIN), from 1; 0: none */
size_t pgm_lex_last_commit(const pgm_lex_result *lex, const char *sql, size_t k);

/* ---- context ---- */
typedef struct pgm_mig {
	pgm_migration pub;
	char *name;
	char *up_path;      /* full path used to read the file */
	char *down_path;
	char *up_display;   /* what users see: path as given + file name */
	char *down_display;
	unsigned char names_differ; /* the down file's description is not the up file's */
	char pre_sum[65];   /* the up file's checksum from the pre-hash thread */
	unsigned char pre_ok;
	/* the checksum cache (source.c): the up file had c_stamp when its
	 * checksum was c_sum; c_seen: its stamp was looked at this run; c_keep:
	 * written back to the cache file */
	unsigned char c_have, c_seen, c_keep;
	pgm_os_stamp c_stamp;
	char c_sum[65];
} pgm_mig;

/*
 * A run is three things with one owner each:
 * - pgm_config: what the user asked for (options, environment, .env), set by
 *   pgm_ctx_new (config.c) and read-only afterwards;
 * - pgm_source: the migration files, their checksums, the checksum cache and
 *   the hashing thread (source.c); loaded once, then shared read-only by every
 *   run over it (reference counted: pgm__source_ref / pgm__source_unref);
 * - pgm_target: one database: connection, tracking and history state, lock
 *   and the outcome of the last command (db.c, the runner).
 * pgm_ctx ties them together for the public API, with the error and events.
 */
typedef struct pgm_config {
	char *url;            /* connection string, may be NULL */
	pgm_origin url_origin;
	char *path;
	pgm_origin path_origin;
	char *project_above;   /* "../.." when the project folder is above the current one */
	char *table_schema;   /* NULL: current_schema() */
	char *table_name;
	char *table_display;  /* as configured */
	double lock_timeout;
	pgm_origin lock_timeout_origin;
	char *application_name;
	pgm_dotenv dotenv;    /* values from .env not overridden by the environment */
	char *env_file;       /* the file read, NULL when none */
	char *pg_bin;         /* --pg-bin */
	char *sumcache_dir;     /* PGMIGRATE_CACHE_DIR: NULL for the default, "off" for none */
	pgm_origin sumcache_dir_origin;
	int dry_run;
	int allow_modified;
	int allow_out_of_order;
	double ddl_lock_timeout; /* seconds; 0: none */
	int ddl_lock_ms;         /* the same as PostgreSQL's lock_timeout: whole ms, 1 to INT_MAX; 0: none */
	int retries;
	int results_at_batch_end; /* no progress notices (nobody watches the output) */
} pgm_config;

typedef struct pgm_source {
	int refs;               /* runs sharing it */
	pgm_mig *migs;
	size_t nmigs;
	int loaded;
	struct pgm_os_thread *prehash;  /* hashing the up files while we connect */
	volatile int64_t prehash_limit; /* it stops after this version */
	int prehash_inline;             /* no thread: pgm__prehash_idle does the work */
	int sumcache_skip;      /* this read takes nothing from the cache (validate, doctor) */
	char *sumcache_file;    /* the cache file (NULL: none) */
	char *sumcache_folder;  /* the absolute path of the folder it is about */
	size_t sumcache_read;   /* entries it had */
	int sumcache_changed;   /* the thread made or dropped entries */
} pgm_source;

typedef struct pgm_target {
	PGconn *conn;
	PGcancel *volatile cancel;
	char *schema;          /* resolved schema of the tracking table */
	char *qtable;          /* quoted "schema"."table" */
	char *database;
	int server_version;
	int sync_commit_off;   /* the session default is off/local */
	char sync_sql[64];     /* SET LOCAL that makes a commit durable (pgm__sync_local) */
	struct pgm_watch *watch; /* the link watchdog while migrations run (watchdog.c) */
	int table_exists;      /* from the first round trip */
	int history_exists;
	int history_created;   /* created by this run: adopt what is applied */
	char *qhistory;        /* quoted "schema"."table_history" */
	char *hist_query;
	int prefetched;        /* the lock read the state too (pre_*) */
	int plpgsql;           /* PL/pgSQL is there: DO blocks can run */
	int guc_pending;       /* the session setting is still to be sent (with the first migration) */
	int64_t pre_version;
	int pre_dirty;
	struct pgm_hist *hist; /* latest history row per version, sorted */
	size_t nhist;
	int locked;

	/* outcome of the last command */
	int64_t cur_version;
	int cur_dirty;
	int steps_done;
} pgm_target;

struct pgm_ctx {
	pgm_error err;
	pgm_event_cb cb;
	void *cb_payload;
	volatile int interrupted;
	const pgm_pq_api *pq;  /* libpq, loaded once per process */
	char *os_user;         /* user@host for the history */

	pgm_config cfg;
	pgm_source *src;       /* shared */
	pgm_target tgt;
};

/* a new empty source (one reference), or NULL when out of memory */
pgm_source *pgm__source_new(void);
pgm_source *pgm__source_ref(pgm_source *src);
/* drops a reference; the last one frees the files and stops the hashing thread */
void pgm__source_unref(pgm_source *src);

/* the latest history row of one version */
typedef struct pgm_hist {
	int64_t version;
	int64_t id;            /* the row's id: the latest row of a version has the highest */
	char *name;
	char direction[8];     /* up, down, force, adopt */
	char outcome[10];      /* applied, reverted, failed, forced, adopted */
	char checksum[65];     /* "" when unknown */
	int checksum_adopted;  /* taken from the file when adopted, not when applied */
	int failed_statement;
	char *error;
	double at_epoch;       /* when, in seconds since 1970 */
	int has_at;
	char at[40];           /* as text, written by pgm__hist_at when first asked */
} pgm_hist;
/* when the row was written, as local time text ("" when unknown): made
 * on first use, as a no-op `up` over 1,000 migrations shows none of them */
const char *pgm__hist_at(const pgm_hist *h);
/* seconds since 1970 as local time "YYYY-MM-DD HH:MM:SS+HH" (+HH:MM for
 * zones off the hour), like PostgreSQL's to_char(..., 'YYYY-MM-DD HH24:MI:SSOF') */
void pgm__local_time_text(double epoch, char out[40]);

/* error helpers (error.c) */
void pgm_error_clear(pgm_ctx *ctx);
int pgm_fail(pgm_ctx *ctx, int code, const char *fmt, ...) PGM_PRINTF(3, 4);
void pgm_set_detail(pgm_ctx *ctx, const char *fmt, ...) PGM_PRINTF(2, 3);
void pgm_set_hint(pgm_ctx *ctx, const char *fmt, ...) PGM_PRINTF(2, 3);
/* fill the error from a failed PGresult (message, detail, hint, sqlstate) */
int pgm_fail_result(pgm_ctx *ctx, const PGresult *res, const char *fallback);
void pgm_emit(pgm_ctx *ctx, const pgm_event *ev);
/* the byte offset of the server's 1-based character position `pos` in text */
size_t pgm_char_to_byte(const char *text, size_t len, long pos);
/* set the error's file, version, line:column (text's first line being
 * line_base), source line and statement number (from lex when statement <= 0)
 * for byte `off` of text; with text NULL only file and version */
void pgm_error_place(pgm_ctx *ctx, const char *file, int64_t version, const char *text, size_t len,
	size_t off, int line_base, const pgm_lex_result *lex, int statement);
void pgm_warn(pgm_ctx *ctx, const char *file, const char *fmt, ...) PGM_PRINTF(3, 4);

/* config.c: seconds as PostgreSQL's timeouts take them, whole milliseconds
 * rounded up (0 for none); -1 above INT_MAX ms */
double pgm__timeout_ms(double seconds);
/* config.c: user@host for the history, looked up on first use */
const char *pgm__os_user(pgm_ctx *ctx);

/* libpq loading (client.c) */
int pgm__load_libpq(pgm_ctx *ctx);
char *pgm__service_advice(void);

/* database (db.c) */
int pgm_db_connect(pgm_ctx *ctx);
void pgm_db_disconnect(pgm_ctx *ctx);
int pgm_db_lock(pgm_ctx *ctx);
int pgm_db_read_state(pgm_ctx *ctx, int create, int *out_exists, int64_t *out_version, int *out_dirty);
/* the session setting (client_connection_check_interval) to put in front of
 * the first message that runs a migration; "" once sent */
const char *pgm__db_session_sql(pgm_ctx *ctx);
const char *pgm__sync_local(const pgm_ctx *ctx);

/* the connection keywords (arrays of PGM_CONN_PARAMS + 1; NULL-terminated);
 * the values belong to ctx */
#define PGM_CONN_PARAMS 40
int pgm__db_conn_params(pgm_ctx *ctx, const char **keys, const char **vals);

/* watchdog.c: while migrations run, a thread that notices a connection
 * that stopped carrying data without closing, ends our server session and
 * makes the run fail; stop rewrites the run's error (rc != 0) when it fired */
typedef struct pgm_watch pgm_watch;
/* the watchdog's decision (1: the link is dead) from how long the main
 * thread has waited inside libpq, the limit, and what a side connection saw
 * of our session (exported for the unit tests) */
enum { PGM_WATCH_UNKNOWN, PGM_WATCH_UNREACHABLE, PGM_WATCH_BUSY, PGM_WATCH_IDLE };
int pgm__watch_decide(int64_t waiting_ms, int limit_s, int side, long idle_s);

/* the lock holder's seconds idle waiting for its client (0 otherwise), a
 * column of a query over pg_stat_activity a; from PGM_HOLDER_IDLE_S on the
 * lock-wait report and doctor say its client is probably gone (db.c) */
#define PGM_HOLDER_IDLE_SQL "CASE WHEN a.state LIKE 'idle%' AND a.wait_event = 'ClientRead' THEN " \
	"pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - a.state_change))::int8 ELSE 0 END"
#define PGM_HOLDER_IDLE_S 10
char *pgm__holder_gone_text(int pid, long idle_s);
void pgm__watch_start(pgm_ctx *ctx);
void pgm__watch_stop(pgm_ctx *ctx, int rc);
int pgm_db_set_version(pgm_ctx *ctx, int64_t version, int dirty, const char *extra_sql);
/* a literal for SQL text, escaped by libpq; caller frees with free() */
char *pgm_db_literal(pgm_ctx *ctx, const char *s);
/* the history lookup for a version, or NULL */
const pgm_hist *pgm_db_hist(const pgm_ctx *ctx, int64_t version);
/* run a multi-statement message, keeping the last result of each SELECT in order;
 * returns 0, or the error of the first failing statement */
int pgm_db_exec_multi(pgm_ctx *ctx, const char *sql, PGresult **out, int nout);
void pgm__hist_free(pgm_ctx *ctx);
const char *pgm__hist_query(pgm_ctx *ctx);
/* the SQL creating the tracking table (qtable, when not NULL) and the history
 * table (qhistory, when not NULL) with its comment naming `table`; pure text
 * (db.c, fuzzed by fuzz_tablename); 0 or -1 (out of memory, invalid UTF-8) */
int pgm__tracking_ddl(pgm_buf *b, const char *qtable, const char *qhistory, const char *table);

/* ---- linter (lint.c): the checks over texts in memory, for pgm_lint and the tests ---- */
typedef struct pgm__lint_input {
	int64_t version;
	const char *up_file;   /* display path */
	const char *up;
	size_t up_len;
	const char *down_file; /* NULL: there is no down migration */
	const char *down;
	size_t down_len;
} pgm__lint_input;

/* 0, PGM_ENOMEM, or PGM_EUSAGE with the unknown rule in *out_bad (caller frees) */
int pgm__lint_run(pgm_lint_result **out, const pgm__lint_input *in, size_t n,
	const char *const *disabled, char **out_bad);

/* runner.c: a streamed file's unsent tail, when no statement of it can be
 * sent yet, without its leading comments and blank lines (whole lines; an
 * open line comment kept as "--"); *line_base counts the lines dropped */
void pgm__stream_drop_comments(pgm_buf *tail, int *line_base);

/* read a migration body: BOM stripped; caller frees. A body that is not
 * text (a NUL byte, not UTF-8: textcheck.c) is refused (PGM_ESOURCE, with
 * file, line and column); Ctrl-C ends the read (PGM_ECANCELED). */
int pgm_read_body(pgm_ctx *ctx, const char *path, const char *display, char **out, size_t *out_len);
/* read a file to its end with the checks of pgm_read_body, keeping none of
 * it: a streamed migration before any of it is sent (source.c) */
int pgm__check_file(pgm_ctx *ctx, const char *path, const char *display);

/* ---- textcheck.c: a migration file is UTF-8 text without NUL bytes ---- */
typedef enum {
	PGM_TEXT_OK = 0,
	PGM_TEXT_NUL,          /* a NUL byte */
	PGM_TEXT_UTF8,         /* not UTF-8 (or the text ends inside a character) */
	PGM_TEXT_UTF16         /* a UTF-16 byte order mark at the start */
} pgm_text_problem;

typedef struct pgm_textcheck {
	uint64_t off;          /* bytes fed so far */
	int line, col;         /* where the next byte is (pgm_text_position's counting) */
	int cr;                /* the last byte was a CR */
	int need;              /* continuation bytes the current character still needs */
	unsigned char bom_pending; /* the text's first byte, FF or FE, alone in its piece */
	unsigned char lo, hi;  /* the range of the next one */
	unsigned char seq_bytes[4];
	size_t seq_len;
	uint64_t seq_off;      /* where the current character began */
	int seq_line, seq_col;
	/* the first problem */
	pgm_text_problem problem;
	uint64_t bad_off;
	int bad_line, bad_col;
	unsigned char bad_byte;
} pgm_textcheck;

void pgm__textcheck_init(pgm_textcheck *tc);
/* the next piece of the text (its UTF-8 BOM removed): 0, or -1 at the first
 * problem (tc->problem, bad_off, bad_line, bad_col), and -1 from then on */
int pgm__textcheck_feed(pgm_textcheck *tc, const char *text, size_t n);
/* the end of the text: -1 when it ends inside a character */
int pgm__textcheck_end(pgm_textcheck *tc);
/* the whole text at once: init, feed, end */
int pgm__text_check(pgm_textcheck *tc, const char *text, size_t len);
/* the error for tc's problem (PGM_ESOURCE) on the context: message, detail,
 * hint, file, line, column, and the source line from text (the problem at
 * byte `off` of text[0..len), which starts a line when text_starts_line) */
int pgm__textcheck_fail(pgm_ctx *ctx, const pgm_textcheck *tc, const char *display, const char *text, size_t len,
	size_t off, int text_starts_line);
/* the line around byte off of text as shown under an error: at most about
 * 100 characters on each side ("..." where cut), control characters and
 * bytes that are not UTF-8 as '?'; *out_col: off's column in it. Caller frees. */
char *pgm__line_excerpt(const char *text, size_t len, size_t off, int text_starts_line, int *out_col);
/* 1 when the C string is valid UTF-8 (a file name) */
int pgm__is_utf8(const char *s);
/* s with each byte that is not part of a UTF-8 character as \xNN; caller frees */
char *pgm__utf8_shown(const char *s);

#endif
