/*
 * Rendering: engine events and errors become human lines (stdout for
 * results, stderr for diagnostics, colours only on a terminal) or one JSON
 * object per line (docs/json.md). Errors print in PostgreSQL's style:
 * file:line:col, the primary message, the source line with a caret, then
 * DETAIL and HINT.
 */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

const char *color(const cli *c, const char *code)
{
	return c->color ? code : "";
}

#define RESET "\033[0m"
#define BOLD "\033[1m"
#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define DIM "\033[2m"

/* the length of the UTF-8 character at s (1 for ASCII), 0 when the bytes
 * there are not one (RFC 3629: no overlong forms, surrogates or values
 * above U+10FFFF) */
static size_t utf8_len(const unsigned char *s)
{
	size_t need, k;
	unsigned char lo = 0x80, hi = 0xBF;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		need = 1;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		need = 2, lo = s[0] == 0xE0 ? 0xA0 : 0x80, hi = s[0] == 0xED ? 0x9F : 0xBF;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		need = 3, lo = s[0] == 0xF0 ? 0x90 : 0x80, hi = s[0] == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	for (k = 1; k <= need; k++) {
		/* the string's NUL ends a cut character too */
		if (s[k] < lo || s[k] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return need + 1;
}

/* a JSON string: always valid UTF-8, so a byte that is not part of a UTF-8
 * character (a file name from a Latin-1 file system) becomes U+FFFD, as a
 * UTF-8 decoder would read it */
void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 0x80) {
			size_t k = utf8_len((const unsigned char *)s);
			if (k == 0) {
				fputs("\\ufffd", f);
			} else {
				fwrite(s, 1, k, f);
				s += k - 1;
			}
			continue;
		}
		switch (ch) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (ch < 0x20)
				fprintf(f, "\\u%04x", ch);
			else
				fputc(ch, f);
		}
	}
	fputc('"', f);
}

void json_kv_str(FILE *f, const char *key, const char *val, int comma)
{
	if (comma)
		fputc(',', f);
	json_str(f, key);
	fputc(':', f);
	json_str(f, val);
}

void json_kv_int(FILE *f, const char *key, long long val, int comma)
{
	if (comma)
		fputc(',', f);
	json_str(f, key);
	fprintf(f, ":%lld", val);
}

static void json_version(FILE *f, const char *key, long long v)
{
	fputc(',', f);
	json_str(f, key);
	if (v < 0)
		fputs(":null", f);
	else
		fprintf(f, ":%lld", v);
}

int cli_exit_code(int rc)
{
	switch (rc) {
	case PGM_OK: return EXIT_OK;
	case PGM_EUSAGE: return EXIT_USAGE;
	case PGM_EDIRTY: return EXIT_DIRTY;
	case PGM_ELOCKTIMEOUT: return EXIT_LOCK;
	case PGM_ECONNECT: return EXIT_CONNECT;
	case PGM_ESOURCE:
	case PGM_ENODOWN:
	case PGM_ENOFILE: return EXIT_FILES;
	case PGM_EINTEGRITY: return EXIT_INTEGRITY;
	case PGM_ECANCELED: return EXIT_INTERRUPTED;
	default: return EXIT_ERROR;
	}
}

static const char *code_name(int rc)
{
	switch (rc) {
	case PGM_EUSAGE: return "usage";
	case PGM_ENOMEM: return "out_of_memory";
	case PGM_EIO: return "io";
	case PGM_ESOURCE: return "invalid_files";
	case PGM_ECONNECT: return "connection";
	case PGM_ESQL: return "sql";
	case PGM_EDIRTY: return "dirty";
	case PGM_ELOCKTIMEOUT: return "lock_timeout";
	case PGM_ECANCELED: return "interrupted";
	case PGM_ENODOWN: return "no_down_migration";
	case PGM_ENOFILE: return "no_file_for_version";
	case PGM_ENOTFOUND: return "not_found";
	case PGM_EEXISTS: return "exists";
	case PGM_ECONFIG: return "config";
	case PGM_EACCESS: return "access_denied";
	case PGM_EINTEGRITY: return "integrity";
	default: return "error";
	}
}

void cli_clear_bar(cli *c)
{
	if (c->bar_drawn) {
		fputs("\r\033[K", stderr);
		c->bar_drawn = 0;
	}
}

/* elapsed_ms < 0: the step has just started, no time yet */
static void draw_bar(cli *c, int done, int total, const char *running, int running_len, double elapsed_ms)
{
	int width = 30, filled = total ? done * width / total : width, i;
	fputs("\r\033[K", stderr);
	fputc('[', stderr);
	for (i = 0; i < width; i++)
		fputc(i < filled ? '#' : '.', stderr);
	fprintf(stderr, "] %d/%d", done, total);
	/* within 80 columns */
	if (running && elapsed_ms < 0)
		fprintf(stderr, " running %.*s", running_len < 28 ? running_len : 28, running);
	else if (running)
		fprintf(stderr, " running %.*s %.1fs", running_len < 22 ? running_len : 22, running, elapsed_ms / 1000.0);
	fflush(stderr);
	c->bar_drawn = 1;
}

void cli_draw_running(cli *c, const char *name, int done, int total, double ms)
{
	if (c->progress) {
		/* the bar names the step without .up.sql, as when it started */
		const char *dot = strstr(name, ".up.sql");
		if (!dot)
			dot = strstr(name, ".down.sql");
		draw_bar(c, done, total, name, dot ? (int)(dot - name) : (int)strlen(name), ms);
		return;
	}
	fprintf(stderr, "\r\033[K%srunning%s %.60s ... %.1fs", color(c, CYAN), color(c, RESET), name, ms / 1000.0);
	fflush(stderr);
	c->bar_drawn = 1;
}

static void print_source_caret(const pgm_error *e)
{
	const char *s = e->source_line;
	int i, col = 1;
	if (!s || e->line <= 0)
		return;
	fprintf(stderr, "%6d | %s\n", e->line, s);
	fputs("       | ", stderr);
	/* walk characters up to the column, keeping tabs so the caret lines up
	 * (the column within an excerpt of a long line, when it is one) */
	for (i = 0; s[i] && col < (e->source_column > 0 ? e->source_column : e->column); i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch & 0xC0) == 0x80)
			continue;
		fputc(ch == '\t' ? '\t' : ' ', stderr);
		col++;
	}
	fputs("^\n", stderr);
}

int cli_fail(cli *c, int rc)
{
	const pgm_error *e = pgm_ctx_error(c->ctx);
	int code = cli_exit_code(rc);
	const char *msg = e->message ? e->message : "unknown error";

	cli_running_end(c);
	cli_clear_bar(c);
	fflush(stdout);
	if (c->json) {
		FILE *f = stdout;
		fputc('{', f);
		json_kv_str(f, "event", "error", 0);
		json_kv_str(f, "code", code_name(rc), 1);
		json_kv_int(f, "exit_code", code, 1);
		json_kv_str(f, "message", msg, 1);
		json_kv_str(f, "detail", e->detail, 1);
		json_kv_str(f, "hint", e->hint, 1);
		json_kv_str(f, "sqlstate", e->sqlstate[0] ? e->sqlstate : NULL, 1);
		json_kv_str(f, "file", e->file, 1);
		if (e->line > 0) {
			json_kv_int(f, "line", e->line, 1);
			json_kv_int(f, "column", e->column, 1);
		}
		if (e->statement > 0)
			json_kv_int(f, "statement", e->statement, 1);
		json_version(f, "version", e->version);
		fputs("}\n", f);
		fflush(f);
		return code;
	}
	if (e->file && e->line > 0)
		fprintf(stderr, "%s%s:%d:%d:%s ", color(c, BOLD), e->file, e->line, e->column, color(c, RESET));
	else if (e->file)
		fprintf(stderr, "%s%s:%s ", color(c, BOLD), e->file, color(c, RESET));
	fprintf(stderr, "%serror:%s %s", color(c, RED BOLD), color(c, RESET), msg);
	if (e->sqlstate[0])
		fprintf(stderr, " (SQLSTATE %s)", e->sqlstate);
	fputc('\n', stderr);
	print_source_caret(e);
	if (e->detail)
		fprintf(stderr, "%sDETAIL:%s %s\n", color(c, BOLD), color(c, RESET), e->detail);
	if (e->hint)
		fprintf(stderr, "%sHINT:%s %s\n", color(c, CYAN BOLD), color(c, RESET), e->hint);
	if (rc == PGM_ECANCELED)
		fprintf(stderr, "interrupted: the running migration was rolled back and the lock released\n");
	return code;
}

int cli_usage_error(cli *c, const char *fmt, ...)
{
	va_list ap;
	char buf[512];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (c->json) {
		fputc('{', stdout);
		json_kv_str(stdout, "event", "error", 0);
		json_kv_str(stdout, "code", "usage", 1);
		json_kv_int(stdout, "exit_code", EXIT_USAGE, 1);
		json_kv_str(stdout, "message", buf, 1);
		fputs("}\n", stdout);
	} else {
		fprintf(stderr, "%serror:%s %s\n", color(c, RED BOLD), color(c, RESET), buf);
		fprintf(stderr, "Run 'pgmigrate help' for usage.\n");
	}
	return EXIT_USAGE;
}

/* "000001_create_users.up.sql": the file's name without its folder */
static void base_name(char *buf, size_t n, const char *file, const pgm_migration *m)
{
	const char *b;
	if (!file) {
		snprintf(buf, n, "%lld_%s", (long long)m->version, m->name);
		return;
	}
	b = strrchr(file, '/');
	if (strrchr(file, '\\') > b)
		b = strrchr(file, '\\');
	snprintf(buf, n, "%s", b ? b + 1 : file);
}

/* "000001_create_users" from ".../000001_create_users.up.sql" */
static void stem(char *buf, size_t n, const char *file, const pgm_migration *m)
{
	char *dot;
	base_name(buf, n, file, m);
	if (!file)
		return;
	dot = strstr(buf, ".up.sql");
	if (!dot)
		dot = strstr(buf, ".down.sql");
	if (dot)
		*dot = '\0';
}

static void fmt_duration(char *buf, size_t n, double ms)
{
	if (ms < 1.0)
		snprintf(buf, n, "%.2f ms", ms);
	else if (ms < 1000.0)
		snprintf(buf, n, "%.1f ms", ms);
	else
		snprintf(buf, n, "%.2f s", ms / 1000.0);
}

void cli_event(const pgm_event *ev, void *payload)
{
	cli *c = payload;
	char dur[32], name[300];

	if (c->json) {
		FILE *f = stdout;
		switch (ev->type) {
		case PGM_EV_WARNING:
			fputc('{', f);
			json_kv_str(f, "event", "warning", 0);
			json_kv_str(f, "message", ev->message, 1);
			json_kv_str(f, "file", ev->file, 1);
			fputs("}\n", f);
			break;
		case PGM_EV_LOCK_WAIT:
			fputc('{', f);
			json_kv_str(f, "event", "lock_wait", 0);
			json_kv_str(f, "message", ev->message, 1);
			if (ev->holder_pid) {
				json_kv_int(f, "holder_pid", ev->holder_pid, 1);
				json_kv_str(f, "holder_application", ev->holder_application, 1);
				json_kv_str(f, "holder_client", ev->holder_client, 1);
				json_kv_str(f, "holder_since", ev->holder_since, 1);
			}
			fprintf(f, ",\"waited_ms\":%.1f}\n", ev->duration_ms);
			break;
		case PGM_EV_PLAN:
			fputc('{', f);
			json_kv_str(f, "event", "plan", 0);
			json_kv_str(f, "command", c->command, 1);
			json_kv_int(f, "steps", ev->total, 1);
			json_version(f, "from_version", ev->version_after);
			fputs("}\n", f);
			break;
		case PGM_EV_STEP_START:
		case PGM_EV_STEP_DONE:
		case PGM_EV_STEP_FAILED:
		case PGM_EV_STEP_SKIPPED:
			fputc('{', f);
			json_kv_str(f, "event", ev->type == PGM_EV_STEP_DONE
				? (ev->direction == PGM_UP ? "applied" : "reverted")
				: ev->type == PGM_EV_STEP_START ? "started"
				: ev->type == PGM_EV_STEP_SKIPPED ? "skipped" : "failed", 0);
			json_kv_int(f, "version", ev->migration->version, 1);
			json_kv_str(f, "name", ev->migration->name, 1);
			json_kv_str(f, "direction", ev->direction == PGM_UP ? "up" : "down", 1);
			json_kv_str(f, "file", ev->file, 1);
			if (ev->type != PGM_EV_STEP_START)
				fprintf(f, ",\"duration_ms\":%.3f", ev->duration_ms);
			json_kv_int(f, "index", ev->index, 1);
			json_kv_int(f, "total", ev->total, 1);
			if (ev->type == PGM_EV_STEP_DONE) {
				json_version(f, "version_after", ev->version_after);
				fprintf(f, ",\"durable\":%s", ev->durable ? "true" : "false");
			}
			fputs("}\n", f);
			break;
		case PGM_EV_INFO:
			fputc('{', f);
			json_kv_str(f, "event", "info", 0);
			json_kv_str(f, "message", ev->message, 1);
			fputs("}\n", f);
			break;
		}
		fflush(f);
		return;
	}

	if (ev->type == PGM_EV_STEP_START && c->live)
		cli_running_begin(c);
	/* the running line's thread draws only under this lock */
	cli_running_lock(c);
	switch (ev->type) {
	case PGM_EV_WARNING:
		cli_clear_bar(c);
		fprintf(stderr, "%swarning:%s %s\n", color(c, YELLOW BOLD), color(c, RESET), ev->message);
		break;
	case PGM_EV_LOCK_WAIT:
		cli_clear_bar(c);
		fprintf(stderr, "%s\n", ev->message);
		break;
	case PGM_EV_PLAN:
		c->progress = c->progress && ev->total >= 5;
		break;
	case PGM_EV_STEP_DONE:
		cli_running_idle(c);
		cli_clear_bar(c);
		fmt_duration(dur, sizeof dur, ev->duration_ms);
		stem(name, sizeof name, ev->file, ev->migration);
		fprintf(stdout, "%s%-8s%s %s %s(%s)%s\n",
			color(c, ev->direction == PGM_UP ? GREEN : YELLOW),
			ev->direction == PGM_UP ? "applied" : "reverted", color(c, RESET),
			name, color(c, DIM), dur, color(c, RESET));
		fflush(stdout);
		break;
	case PGM_EV_STEP_START:
		/* the bar says which one runs: a stuck migration has a name */
		if (c->progress) {
			stem(name, sizeof name, ev->file, ev->migration);
			draw_bar(c, ev->index - 1, ev->total, name, (int)strlen(name), -1);
		}
		base_name(name, sizeof name, ev->file, ev->migration);
		cli_running_step(c, name, ev->index - 1, ev->total);
		break;
	case PGM_EV_STEP_SKIPPED:
		cli_running_idle(c);
		cli_clear_bar(c);
		stem(name, sizeof name, ev->file, ev->migration);
		fprintf(stdout, "%sskipped%s  %s (runs outside a transaction: not rehearsed)\n", color(c, YELLOW), color(c, RESET), name);
		break;
	case PGM_EV_STEP_FAILED:
		cli_running_idle(c);
		cli_clear_bar(c);
		stem(name, sizeof name, ev->file, ev->migration);
		fprintf(stdout, "%sfailed%s   %s\n", color(c, RED), color(c, RESET), name);
		fflush(stdout);
		break;
	case PGM_EV_INFO:
		cli_clear_bar(c);
		fprintf(stderr, "%s\n", ev->message);
		break;
	}
	cli_running_unlock(c);
}
