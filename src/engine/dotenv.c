/*
 * A .env parser. Accepts the syntax people write by hand and that
 * godotenv/dotenv understand: `KEY=value`, `export KEY=value`, comments,
 * single quotes (literal), double quotes (with \n \r \t \" \\ escapes,
 * may span lines), CRLF line ends, a UTF-8 BOM. Nothing is executed and
 * nothing is expanded: `$(...)` and `${X}` stay literal text.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int is_key_char(char c, int first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '.' || c == '-');
}

static int add_entry(pgm_dotenv *env, char *key, char *value, int line)
{
	size_t i;
	pgm_dotenv_entry *n;

	/* a later assignment replaces an earlier one, as in a shell */
	for (i = 0; i < env->count; i++) {
		if (strcmp(env->entries[i].key, key) == 0) {
			free(env->entries[i].value);
			free(key);
			env->entries[i].value = value;
			env->entries[i].line = line;
			return 0;
		}
	}
	n = realloc(env->entries, (env->count + 1) * sizeof *n);
	if (!n) {
		free(key);
		free(value);
		return -1;
	}
	env->entries = n;
	n[env->count].key = key;
	n[env->count].value = value;
	n[env->count].line = line;
	env->count++;
	return 0;
}

#define FAIL(msg) do { snprintf(errbuf, errbuf_size, "%s", msg); *err_line = line; pgm_buf_free(&val); return -1; } while (0)

int pgm_dotenv_parse(pgm_dotenv *out, const char *text, size_t len,
	int *err_line, char *errbuf, size_t errbuf_size)
{
	size_t i = 0;
	int line = 1;

	memset(out, 0, sizeof *out);
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		i = 3;

	while (i < len) {
		size_t ks;
		char *key;
		pgm_buf val = PGM_BUF_INIT;
		int start_line = line;

		/* skip blank space and empty lines */
		while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) {
			if (text[i] == '\n')
				line++;
			i++;
		}
		if (i >= len)
			break;
		start_line = line;
		if (text[i] == '#') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (len - i > 7 && memcmp(text + i, "export", 6) == 0 && (text[i + 6] == ' ' || text[i + 6] == '\t')) {
			i += 6;
			while (i < len && (text[i] == ' ' || text[i] == '\t'))
				i++;
		}
		ks = i;
		if (i >= len || !is_key_char(text[i], 1))
			FAIL("expected a variable name");
		while (i < len && is_key_char(text[i], 0))
			i++;
		key = pgm_strndup(text + ks, i - ks);
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i >= len || (text[i] != '=' && text[i] != ':')) {
			free(key);
			FAIL("expected '=' after the variable name");
		}
		i++;
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;

		if (i < len && text[i] == '\'') {
			size_t vs = ++i;
			while (i < len && text[i] != '\'') {
				if (text[i] == '\n')
					line++;
				i++;
			}
			if (i >= len) {
				free(key);
				line = start_line;
				FAIL("unterminated single-quoted value");
			}
			pgm_buf_put(&val, text + vs, i - vs);
			i++;
		} else if (i < len && text[i] == '"') {
			i++;
			while (i < len && text[i] != '"') {
				char c = text[i];
				if (c == '\\' && i + 1 < len) {
					char e = text[i + 1];
					switch (e) {
					case 'n': c = '\n'; break;
					case 'r': c = '\r'; break;
					case 't': c = '\t'; break;
					case '"': c = '"'; break;
					case '\\': c = '\\'; break;
					case '$': c = '$'; break;
					default:
						/* unknown escape: keep both characters */
						pgm_buf_put(&val, "\\", 1);
						c = e;
						break;
					}
					i += 2;
					pgm_buf_put(&val, &c, 1);
					continue;
				}
				if (c == '\r' && i + 1 < len && text[i + 1] == '\n') {
					i++;
					continue; /* CRLF inside quotes becomes LF */
				}
				if (c == '\n')
					line++;
				pgm_buf_put(&val, &c, 1);
				i++;
			}
			if (i >= len) {
				free(key);
				line = start_line;
				FAIL("unterminated double-quoted value");
			}
			i++;
		} else {
			size_t vs = i, ve;
			while (i < len && text[i] != '\n' && text[i] != '\r') {
				/* an inline comment needs a space before '#' */
				if (text[i] == '#' && i > vs && (text[i - 1] == ' ' || text[i - 1] == '\t'))
					break;
				i++;
			}
			ve = i;
			while (ve > vs && (text[ve - 1] == ' ' || text[ve - 1] == '\t'))
				ve--;
			pgm_buf_put(&val, text + vs, ve - vs);
		}
		/* rest of the line: blanks or a comment */
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i < len && text[i] == '#') {
			while (i < len && text[i] != '\n')
				i++;
		}
		if (i < len && text[i] == '\r')
			i++;
		if (i < len && text[i] != '\n') {
			free(key);
			FAIL("unexpected text after the value");
		}
		{
			char *v = pgm_buf_take(&val);
			if (!v || add_entry(out, key, v ? v : NULL, start_line) != 0) {
				if (!v)
					free(key);
				snprintf(errbuf, errbuf_size, "out of memory");
				*err_line = line;
				return -1;
			}
		}
	}
	return 0;
}

const char *pgm_dotenv_get(const pgm_dotenv *env, const char *key)
{
	size_t i;
	for (i = 0; i < env->count; i++)
		if (strcmp(env->entries[i].key, key) == 0)
			return env->entries[i].value;
	return NULL;
}

void pgm_dotenv_free(pgm_dotenv *env)
{
	size_t i;
	for (i = 0; i < env->count; i++) {
		free(env->entries[i].key);
		free(env->entries[i].value);
	}
	free(env->entries);
	memset(env, 0, sizeof *env);
}
