/*
 * Fuzz pgm_dotenv_parse (dotenv.c).
 * Invariants: on success every key is a valid, unique variable name with a
 * line number inside the text, pgm_dotenv_get finds each value; writing the
 * entries back as KEY="escaped value" and parsing that again gives the same
 * entries (a round trip). On failure the error line is inside the text and
 * the message is a non-empty string. No leaks (ASan's leak check), whatever
 * the outcome: a failed parse may keep the entries read so far, which
 * pgm_dotenv_free releases.
 */
#include "internal.h"
#include "fuzz.h"

static int key_ok(const char *k)
{
	size_t i;
	if (!((k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z') || k[0] == '_'))
		return 0;
	for (i = 1; k[i]; i++) {
		char c = k[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* KEY="value" lines that the parser must read back exactly */
static char *serialize(const pgm_dotenv *env, size_t *out_len)
{
	pgm_buf b = PGM_BUF_INIT;
	size_t i;
	const char *p;
	for (i = 0; i < env->count; i++) {
		pgm_buf_printf(&b, "%s%s=\"", i % 2 ? "export " : "", env->entries[i].key);
		for (p = env->entries[i].value; *p; p++) {
			switch (*p) {
			case '\\': pgm_buf_puts(&b, "\\\\"); break;
			case '"': pgm_buf_puts(&b, "\\\""); break;
			case '\n': pgm_buf_puts(&b, "\\n"); break;
			case '\r': pgm_buf_puts(&b, "\\r"); break;
			default: pgm_buf_put(&b, p, 1); break;
			}
		}
		pgm_buf_puts(&b, i % 3 ? "\"\n" : "\" # comment\r\n");
	}
	*out_len = b.len;
	{
		char *s = pgm_buf_take(&b);
		FUZZ_CHECK(s != NULL);
		return s;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgm_dotenv env;
	int err_line = -1, rc;
	char errbuf[128];
	int lines = 1;
	size_t i, j;

	if (size > 16384)
		return 0;
	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	errbuf[0] = '\0';
	rc = pgm_dotenv_parse(&env, (const char *)data, size, &err_line, errbuf, sizeof errbuf);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc != 0) {
		FUZZ_CHECK(err_line >= 1 && err_line <= lines);
		FUZZ_CHECK(memchr(errbuf, '\0', sizeof errbuf) != NULL && errbuf[0] != '\0');
		pgm_dotenv_free(&env);
		return 0;
	}

	for (i = 0; i < env.count; i++) {
		const pgm_dotenv_entry *e = &env.entries[i];
		FUZZ_CHECK(e->key && e->value);
		FUZZ_CHECK(key_ok(e->key));
		FUZZ_CHECK(e->line >= 1 && e->line <= lines);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(env.entries[j].key, e->key) != 0);
		FUZZ_CHECK(pgm_dotenv_get(&env, e->key) == e->value);
	}

	/* round trip */
	{
		size_t n;
		char *text = serialize(&env, &n);
		pgm_dotenv again;
		rc = pgm_dotenv_parse(&again, text, n, &err_line, errbuf, sizeof errbuf);
		if (rc != 0)
			fprintf(stderr, "round trip failed at line %d: %s\n---\n%s\n---\n", err_line, errbuf, text);
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(again.count == env.count);
		for (i = 0; i < env.count; i++) {
			FUZZ_CHECK(strcmp(again.entries[i].key, env.entries[i].key) == 0);
			FUZZ_CHECK(strcmp(again.entries[i].value, env.entries[i].value) == 0);
		}
		pgm_dotenv_free(&again);
		free(text);
	}
	pgm_dotenv_free(&env);
	return 0;
}
