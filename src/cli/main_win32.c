/*
 * The Windows entry point: wmain receives UTF-16 arguments, which become
 * UTF-8 for the rest of pgmigrate (paths like C:\Users\Zoë\ecommerce-backend
 * survive); console output is switched to UTF-8.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <stdlib.h>

#include "cli.h"

int wmain(int argc, wchar_t **wargv)
{
	char **argv = calloc((size_t)argc + 1, sizeof *argv);
	UINT old_cp = GetConsoleOutputCP();
	int i, rc;

	if (!argv)
		return EXIT_ERROR;
	for (i = 0; i < argc; i++) {
		int n = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
		argv[i] = malloc(n > 0 ? (size_t)n : 1);
		if (!argv[i])
			return EXIT_ERROR;
		argv[i][0] = '\0';
		if (n > 0)
			WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, argv[i], n, NULL, NULL);
	}
	SetConsoleOutputCP(CP_UTF8);
	rc = pgm_cli_main(argc, argv);
	SetConsoleOutputCP(old_cp);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	return rc;
}
