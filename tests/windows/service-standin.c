/*
 * A stand-in for PostgreSQL's Windows service program (pg_ctl runservice) in the Windows
 * tests: a real service (StartServiceCtrlDispatcherW) that reports START_PENDING, then,
 * half a second later, RUNNING and stays until it is stopped; with --fail it stops instead,
 * with a service-specific exit code of 1, as pg_ctl does when the server cannot start.
 *   service-standin.exe NAME [--fail]     (NAME: the service's name, as for pg_ctl -N)
 *   service-standin.exe --hold SECONDS    not a service: just wait. Wine stops its services
 *                                         when the last ordinary process of the prefix
 *                                         ends; the test keeps this one running meanwhile.
 */
#include <windows.h>
#include <stdlib.h>

static SERVICE_STATUS_HANDLE handle;
static SERVICE_STATUS status;
static HANDLE stop_event;
static int fail;

static void report(DWORD state, DWORD win32_exit, DWORD specific_exit, DWORD wait_hint)
{
	status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
	status.dwCurrentState = state;
	status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP : 0;
	status.dwWin32ExitCode = win32_exit;
	status.dwServiceSpecificExitCode = specific_exit;
	status.dwCheckPoint = state == SERVICE_START_PENDING ? status.dwCheckPoint + 1 : 0;
	status.dwWaitHint = wait_hint;
	SetServiceStatus(handle, &status);
}

static DWORD WINAPI control(DWORD code, DWORD type, void *data, void *ctx)
{
	(void)type;
	(void)data;
	(void)ctx;
	if (code == SERVICE_CONTROL_STOP || code == SERVICE_CONTROL_SHUTDOWN) {
		report(SERVICE_STOP_PENDING, NO_ERROR, 0, 2000);
		SetEvent(stop_event);
	}
	return NO_ERROR;
}

static void WINAPI service_main(DWORD argc, wchar_t **argv)
{
	(void)argc;
	handle = RegisterServiceCtrlHandlerExW(argc > 0 ? argv[0] : L"", control, NULL);
	if (!handle)
		return;
	report(SERVICE_START_PENDING, NO_ERROR, 0, 5000);
	Sleep(500);
	if (fail) {
		report(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, 1, 0);
		return;
	}
	report(SERVICE_RUNNING, NO_ERROR, 0, 0);
	WaitForSingleObject(stop_event, INFINITE);
	report(SERVICE_STOPPED, NO_ERROR, 0, 0);
}

int wmain(int argc, wchar_t **argv)
{
	SERVICE_TABLE_ENTRYW table[] = { { NULL, service_main }, { NULL, NULL } };
	int i;
	if (argc < 2)
		return 2;
	if (lstrcmpW(argv[1], L"--hold") == 0) {
		Sleep(argc > 2 ? (DWORD)_wtoi(argv[2]) * 1000 : 600000);
		return 0;
	}
	table[0].lpServiceName = argv[1];
	for (i = 2; i < argc; i++)
		if (lstrcmpW(argv[i], L"--fail") == 0)
			fail = 1;
	stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
	return StartServiceCtrlDispatcherW(table) ? 0 : 1;
}
