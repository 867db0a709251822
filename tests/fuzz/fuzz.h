/*
 * Shared by the libFuzzer targets: an invariant check that aborts (libFuzzer
 * saves the input as a crash artifact) and a NUL-terminated copy of the input.
 */
#ifndef PGM_FUZZ_H
#define PGM_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

/* the input as a C string (up to its first NUL byte); caller frees */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* does s[0..n) occur in hay? (n > 0) */
static inline int fuzz_contains(const char *hay, const char *s, size_t n)
{
	size_t hl = strlen(hay), i;
	for (i = 0; i + n <= hl; i++)
		if (memcmp(hay + i, s, n) == 0)
			return 1;
	return 0;
}

#endif
