/*
 * Small pure helpers: golang-migrate's advisory lock key and mapping byte
 * offsets to line:column for error messages (password masking lives in
 * conninfo.c).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;
	size_t i;
	int k;
	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/*
 * golang-migrate's database.GenerateAdvisoryLockId: the CRC-32 (IEEE) of
 * the names joined with NUL bytes, database name last, times a salt, in
 * 32-bit arithmetic. Its postgres driver passes (schema, table) as the
 * additional names. An empty schema and table mean "database name alone".
 */
uint32_t pgm_lock_key(const char *schema, const char *table, const char *database)
{
	pgm_buf b = PGM_BUF_INIT;
	uint32_t sum;
	if ((schema && *schema) || (table && *table)) {
		if (schema && *schema) {
			pgm_buf_puts(&b, schema);
			pgm_buf_put(&b, "", 1);
		}
		if (table && *table) {
			pgm_buf_puts(&b, table);
			pgm_buf_put(&b, "", 1);
		}
	}
	pgm_buf_puts(&b, database ? database : "");
	sum = crc32_ieee((const unsigned char *)(b.ptr ? b.ptr : ""), b.len);
	pgm_buf_free(&b);
	return sum * 1486364155u;
}

void pgm_text_position(const char *text, size_t len, size_t offset, int *out_line, int *out_col)
{
	size_t i, line_start = 0;
	int line = 1, col = 1;
	if (offset > len)
		offset = len;
	for (i = 0; i < offset; i++) {
		if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
			line++;
			line_start = i + 1;
		}
	}
	for (i = line_start; i < offset; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c & 0xC0) != 0x80 && c != '\r')
			col++;
	}
	*out_line = line;
	*out_col = col;
}

/* compare with runs of digits as numbers: "16.10" after "16.9",
 * "postgresql-x64-18" after "postgresql-x64-9"; leading zeros ignored */
int pgm__natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			const char *ea, *eb;
			size_t la, lb;
			while (*a == '0' && a[1] >= '0' && a[1] <= '9')
				a++;
			while (*b == '0' && b[1] >= '0' && b[1] <= '9')
				b++;
			for (ea = a; *ea >= '0' && *ea <= '9'; ea++)
				;
			for (eb = b; *eb >= '0' && *eb <= '9'; eb++)
				;
			la = (size_t)(ea - a);
			lb = (size_t)(eb - b);
			if (la != lb)
				return la < lb ? -1 : 1;
			for (; a < ea; a++, b++)
				if (*a != *b)
					return *a < *b ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}
