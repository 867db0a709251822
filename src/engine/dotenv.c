/*
 * A .env parser. Accepts the syntax people write by hand and that
 * godotenv/dotenv understand: `KEY=value`, `export KEY=value`, comments,
 * single quotes (literal), double quotes (with \n \r \t \" \\ escapes,
 * may span lines), CRLF line ends, a UTF-8 BOM. Nothing is executed and
 * nothing is expanded: `$(...)` and `${X}` stay literal text.
 */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int is_key_char(char c, int first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '.' || c == '-');
}

/* FNV-1a: the keys are short, and the table only has to spread them */
static size_t key_hash(const char *key)
{
	uint64_t h = 14695981039346656037u;
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211u;
	return (size_t)h;
}

/* the slot of key: where its entry is, or the empty slot it would go in */
static size_t *find_slot(const pgm_dotenv *env, const char *key)
{
	size_t mask = env->nslots - 1, i = key_hash(key) & mask;
	while (env->slots[i] && strcmp(env->entries[env->slots[i] - 1].key, key) != 0)
		i = (i + 1) & mask;
	return &env->slots[i];
}

/* room for one more entry; the index kept at most half full */
static int reserve(pgm_dotenv *env)
{
	if (env->count == env->cap) {
		size_t ncap = env->cap ? env->cap * 2 : 16;
		pgm_dotenv_entry *n = realloc(env->entries, ncap * sizeof *n);
		if (!n)
			return -1;
		env->entries = n;
		env->cap = ncap;
	}
	if ((env->count + 1) * 2 > env->nslots) {
		size_t nn = env->nslots ? env->nslots * 2 : 32, i;
		size_t *old = env->slots;
		if (!(env->slots = calloc(nn, sizeof *env->slots))) {
			env->slots = old;
			return -1;
		}
		env->nslots = nn;
		for (i = 0; i < env->count; i++)
			*find_slot(env, env->entries[i].key) = i + 1;
		free(old);
	}
	return 0;
}

static int add_entry(pgm_dotenv *env, char *key, char *value, int line)
{
	size_t *slot;

	if (!key || reserve(env) != 0) {
		free(key);
		free(value);
		return -1;
	}
	slot = find_slot(env, key);
	/* a later assignment replaces an earlier one, as in a shell */
	if (*slot) {
		pgm_dotenv_entry *e = &env->entries[*slot - 1];
		free(e->value);
		free(key);
		e->value = value;
		e->line = line;
		return 0;
	}
	env->entries[env->count].key = key;
	env->entries[env->count].value = value;
	env->entries[env->count].line = line;
	*slot = ++env->count;
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
	size_t *slot;
	if (env->count == 0)
		return NULL;
	slot = find_slot(env, key);
	return *slot ? env->entries[*slot - 1].value : NULL;
}

void pgm_dotenv_free(pgm_dotenv *env)
{
	size_t i;
	for (i = 0; i < env->count; i++) {
		free(env->entries[i].key);
		free(env->entries[i].value);
	}
	free(env->entries);
	free(env->slots);
	memset(env, 0, sizeof *env);
}
