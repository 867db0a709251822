/*
 * Windows implementation of the OS layer. Strings are UTF-8 inside the
 * engine and become wide strings only here, at the Win32 API edge.
 *
 * libpq.dll is loaded at run time from the folders the engine discovered
 * (--pg-bin, PGMIGRATE_PG_BIN, this executable's folder, the registry's
 * PostgreSQL installations, the default install paths, PATH), with
 * LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR so that its own DLLs (libssl, libcrypto,
 * libintl, libiconv, libwinpthread) are found beside it without touching
 * PATH. Nothing else in pgmigrate needs libpq before the first connection,
 * so --version, help, new and lint work where PostgreSQL is not installed.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601
#endif
#include "os.h"
#include "../internal.h"

#include <windows.h>
#include <aclapi.h>
#include <io.h>
#include <process.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifndef LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR
#define LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR 0x00000100
#define LOAD_LIBRARY_SEARCH_DEFAULT_DIRS 0x00001000
#endif
#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif

/* ---- UTF-8 <-> UTF-16 ---- */

static wchar_t *to_wide(const char *s)
{
	int n;
	wchar_t *w;
	if (!s)
		return NULL;
	n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
	if (n <= 0 || !(w = malloc((size_t)n * sizeof *w)))
		return NULL;
	MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
	return w;
}

static char *to_utf8(const wchar_t *w)
{
	int n;
	char *s;
	if (!w)
		return NULL;
	n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
	if (n <= 0 || !(s = malloc((size_t)n)))
		return NULL;
	WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
	return s;
}

static void win_error(char *errbuf, size_t errsize, DWORD code)
{
	wchar_t wbuf[512];
	char *m;
	size_t n;
	if (!FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code, 0,
	                    wbuf, 512, NULL)) {
		snprintf(errbuf, errsize, "Windows error %lu", (unsigned long)code);
		return;
	}
	m = to_utf8(wbuf);
	n = m ? strlen(m) : 0;
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == '\r' || m[n - 1] == ' ' || m[n - 1] == '.'))
		m[--n] = '\0';
	snprintf(errbuf, errsize, "%s (error %lu)", m ? m : "?", (unsigned long)code);
	free(m);
}

/* ---- environment: values converted once and kept for the process ---- */

typedef struct env_entry {
	char *name;
	char *value;
	struct env_entry *next;
} env_entry;
static env_entry *env_cache;

const char *pgm_os_getenv(const char *name)
{
	env_entry *e;
	wchar_t *wname, *wval;
	DWORD n;

	for (e = env_cache; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e->value;
	if (!(wname = to_wide(name)))
		return NULL;
	n = GetEnvironmentVariableW(wname, NULL, 0);
	if (n == 0) {
		free(wname);
		return NULL;
	}
	wval = malloc((size_t)n * sizeof *wval);
	if (!wval || GetEnvironmentVariableW(wname, wval, n) == 0) {
		free(wname);
		free(wval);
		return NULL;
	}
	free(wname);
	e = calloc(1, sizeof *e);
	if (!e) {
		free(wval);
		return NULL;
	}
	e->name = _strdup(name);
	e->value = to_utf8(wval);
	free(wval);
	e->next = env_cache;
	env_cache = e;
	return e->value;
}

/* ---- files ---- */

int pgm_os_listdir(const char *path, pgm_os_dir_cb fn, void *arg, char *errbuf, size_t errsize)
{
	char *pattern = pgm_os_path_join(path, "*");
	wchar_t *wpat = to_wide(pattern);
	WIN32_FIND_DATAW fd;
	HANDLE h;
	int rc = 0;

	free(pattern);
	if (!wpat) {
		snprintf(errbuf, errsize, "out of memory");
		return -1;
	}
	h = FindFirstFileW(wpat, &fd);
	free(wpat);
	if (h == INVALID_HANDLE_VALUE) {
		DWORD e = GetLastError();
		if (e == ERROR_FILE_NOT_FOUND)
			return 0; /* an empty folder */
		win_error(errbuf, errsize, e);
		return -1;
	}
	do {
		char *name;
		if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
			continue;
		name = to_utf8(fd.cFileName);
		if (!name) {
			rc = -1;
			break;
		}
		rc = fn(name, arg);
		free(name);
	} while (rc == 0 && FindNextFileW(h, &fd));
	FindClose(h);
	return rc;
}

static DWORD attributes(const char *path)
{
	wchar_t *w = to_wide(path);
	DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
	free(w);
	return a;
}

int pgm_os_isdir(const char *path)
{
	DWORD a = attributes(path);
	return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

int pgm_os_isfile(const char *path)
{
	DWORD a = attributes(path);
	return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

int pgm_os_exists(const char *path)
{
	return attributes(path) != INVALID_FILE_ATTRIBUTES;
}

void *pgm_os_fopen_read(const char *path, char *errbuf, size_t errsize)
{
	return pgm_os_fopen_read_ex(path, 0, errbuf, errsize);
}

void *pgm_os_fopen_read_ex(const char *path, int allow_pipe, char *errbuf, size_t errsize)
{
	wchar_t *w = to_wide(path);
	FILE *f = w ? _wfopen(w, L"rb") : NULL;
	DWORD type;
	if (!f)
		snprintf(errbuf, errsize, "%s", strerror(errno));
	free(w);
	if (!f)
		return NULL;
	/* a file on a disk only: the device names (NUL, CON, COM1, also with an
	 * extension or behind a link) and pipes could block or never end */
	type = GetFileType((HANDLE)_get_osfhandle(_fileno(f)));
	if (type != FILE_TYPE_DISK && !(allow_pipe && type == FILE_TYPE_PIPE)) {
		snprintf(errbuf, errsize, "it is %s, not a regular file",
			type == FILE_TYPE_CHAR ? "a character device (such as NUL or CON)" : type == FILE_TYPE_PIPE ? "a pipe" : "a special file");
		fclose(f);
		return NULL;
	}
	return f;
}

long pgm_os_fread(void *fh, void *buf, size_t n)
{
	size_t got = fread(buf, 1, n, (FILE *)fh);
	if (got == 0 && ferror((FILE *)fh))
		return -1;
	return (long)got;
}

void pgm_os_fclose(void *fh)
{
	if (fh)
		fclose((FILE *)fh);
}

int64_t pgm_os_fsize(void *fh)
{
	return (int64_t)_filelengthi64(_fileno((FILE *)fh));
}

/* FILETIME-style 100 ns ticks since 1601 -> ns since 1970 */
static int64_t ticks_to_ns(LONGLONG t)
{
	return ((int64_t)t - 116444736000000000LL) * 100;
}

static int stamp_of_handle(HANDLE h, pgm_os_stamp *out)
{
	FILE_BASIC_INFO bi;
	BY_HANDLE_FILE_INFORMATION fi;
	if (h == INVALID_HANDLE_VALUE || !GetFileInformationByHandle(h, &fi) ||
	    (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
	    !GetFileInformationByHandleEx(h, FileBasicInfo, &bi, sizeof bi))
		return -1;
	out->size = (int64_t)(((uint64_t)fi.nFileSizeHigh << 32) | fi.nFileSizeLow);
	out->mtime_ns = ticks_to_ns(bi.LastWriteTime.QuadPart);
	/* ChangeTime: what SetFileTime's callers (touch, Set-ItemProperty) leave alone */
	out->ctime_ns = ticks_to_ns(bi.ChangeTime.QuadPart);
	out->id = (((uint64_t)fi.nFileIndexHigh << 32) | fi.nFileIndexLow) ^ ((uint64_t)fi.dwVolumeSerialNumber << 40);
	return 0;
}

int pgm_os_fstamp(void *fh, pgm_os_stamp *out)
{
	return stamp_of_handle((HANDLE)_get_osfhandle(_fileno((FILE *)fh)), out);
}

int pgm_os_stamp_path(const char *path, pgm_os_stamp *out)
{
	wchar_t *w = to_wide(path);
	HANDLE h;
	int rc;
	if (!w)
		return -1;
	/* attributes only: no data access, so no virus scan of the content */
	h = CreateFileW(w, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
		OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	free(w);
	rc = stamp_of_handle(h, out);
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	return rc;
}

/* Windows finds a file by its path in one call anyway: the folder is its path */
void *pgm_os_dir_open(const char *path)
{
	return pgm_strdup(path);
}

int pgm_os_stamp_in(void *dir, const char *name, pgm_os_stamp *out)
{
	char *p = dir ? pgm_os_path_join(dir, name) : NULL;
	int rc = p ? pgm_os_stamp_path(p, out) : -1;
	free(p);
	return rc;
}

void pgm_os_dir_close(void *dir)
{
	free(dir);
}

int pgm_os_stamps_trusted(const char *path)
{
	wchar_t *w = to_wide(path), root[MAX_PATH + 1], fs[MAX_PATH + 1];
	int ok = 0;
	UINT type;
	if (!w)
		return 0;
	/* a fixed disk formatted NTFS or ReFS: a share's attributes may come
	 * from the redirector's cache, FAT and exFAT keep no change time */
	if (GetVolumePathNameW(w, root, MAX_PATH + 1)) {
		type = GetDriveTypeW(root);
		if ((type == DRIVE_FIXED || type == DRIVE_RAMDISK) &&
		    GetVolumeInformationW(root, NULL, 0, NULL, NULL, NULL, fs, MAX_PATH + 1))
			ok = _wcsicmp(fs, L"NTFS") == 0 || _wcsicmp(fs, L"ReFS") == 0;
	}
	free(w);
	return ok;
}

int pgm_os_touch(const char *path)
{
	wchar_t *w = to_wide(path);
	HANDLE h;
	FILETIME now;
	int rc = -1;
	if (!w)
		return -1;
	h = CreateFileW(w, FILE_WRITE_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
		OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	free(w);
	if (h != INVALID_HANDLE_VALUE) {
		GetSystemTimeAsFileTime(&now);
		rc = SetFileTime(h, NULL, NULL, &now) ? 0 : -1;
		CloseHandle(h);
	}
	return rc;
}

int64_t pgm_os_now_ns(void)
{
	FILETIME ft;
	ULARGE_INTEGER u;
	GetSystemTimeAsFileTime(&ft);
	u.LowPart = ft.dwLowDateTime;
	u.HighPart = ft.dwHighDateTime;
	return ticks_to_ns((LONGLONG)u.QuadPart);
}

char *pgm_os_abspath(const char *path)
{
	wchar_t *w = to_wide(path), *full;
	DWORD n;
	char *r = NULL;
	if (!w)
		return NULL;
	n = GetFullPathNameW(w, 0, NULL, NULL);
	if (n > 0 && (full = malloc((size_t)n * sizeof *full)) != NULL) {
		if (GetFullPathNameW(w, n, full, NULL) > 0)
			r = to_utf8(full);
		free(full);
	}
	free(w);
	return r;
}

char *pgm_os_cache_dir(void)
{
	const wchar_t *l = _wgetenv(L"LOCALAPPDATA");
	char *base, *r;
	if (!l || !l[0] || !(base = to_utf8(l)))
		return NULL;
	r = pgm_aprintf("%s\\pgmigrate\\cache", base);
	free(base);
	return r;
}

int pgm_os_mkdirs_private(const char *path)
{
	/* the folder inherits the user profile's rights (LOCALAPPDATA is the user's) */
	char *p = pgm_strdup(path), *s;
	int rc = 0;
	if (!p)
		return -1;
	for (s = p; rc == 0; s++) {
		if ((*s == '\\' || *s == '/' || *s == '\0') && s > p && s[-1] != ':' && !(s == p + 1 && p[0] == '\\')) {
			char c = *s;
			wchar_t *w;
			*s = '\0';
			/* errors on the way (an existing drive, a share) are judged by the end */
			if ((w = to_wide(p)) != NULL)
				CreateDirectoryW(w, NULL);
			else
				rc = -1;
			free(w);
			*s = c;
		}
		if (!*s)
			break;
	}
	free(p);
	return rc == 0 && pgm_os_isdir(path) ? 0 : -1;
}

int pgm_os_write_replace(const char *path, const char *data, size_t len)
{
	char errbuf[64], *tmp = pgm_aprintf("%s.%lu.tmp", path, (unsigned long)GetCurrentProcessId());
	wchar_t *wt = tmp ? to_wide(tmp) : NULL, *wp = to_wide(path);
	int rc = -1;
	if (wt && wp) {
		/* a new file (CREATE_NEW: never one planted in a shared folder) */
		DeleteFileW(wt);
		if (pgm_os_write_new(tmp, data, len, errbuf, sizeof errbuf) == 0 && MoveFileExW(wt, wp, MOVEFILE_REPLACE_EXISTING))
			rc = 0;
		else
			DeleteFileW(wt);
	}
	free(wt);
	free(wp);
	free(tmp);
	return rc;
}

int pgm_os_write_new(const char *path, const char *data, size_t len, char *errbuf, size_t errsize)
{
	wchar_t *w = to_wide(path);
	HANDLE h;
	DWORD written;
	size_t off = 0;

	if (!w) {
		snprintf(errbuf, errsize, "out of memory");
		return -1;
	}
	h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
	free(w);
	if (h == INVALID_HANDLE_VALUE) {
		DWORD e = GetLastError();
		if (e == ERROR_FILE_EXISTS || e == ERROR_ALREADY_EXISTS)
			return 1;
		win_error(errbuf, errsize, e);
		return -1;
	}
	while (off < len) {
		DWORD chunk = (DWORD)((len - off) > 0x10000000 ? 0x10000000 : (len - off));
		if (!WriteFile(h, data + off, chunk, &written, NULL)) {
			win_error(errbuf, errsize, GetLastError());
			CloseHandle(h);
			return -1;
		}
		off += written;
	}
	CloseHandle(h);
	return 0;
}

int pgm_os_remove(const char *path)
{
	wchar_t *w = to_wide(path);
	int ok = w && DeleteFileW(w);
	free(w);
	return ok ? 0 : -1;
}

char *pgm_os_path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	/* keep the user's separator style: "migrations/x" stays forward */
	char sepc = strchr(dir, '\\') || !strchr(dir, '/') ? '\\' : '/';
	int sep = dl > 0 && dir[dl - 1] != '/' && dir[dl - 1] != '\\';
	char *p = malloc(dl + nl + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (sep)
		p[dl++] = sepc;
	memcpy(p + dl, name, nl + 1);
	return p;
}

int pgm_os_path_is_absolute(const char *path)
{
	if (path[0] == '\\' || path[0] == '/')
		return 1;
	return ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z')) && path[1] == ':' &&
	       (path[2] == '\\' || path[2] == '/');
}

int pgm_os_owned_by_me(const char *path)
{
	(void)path;
	return 1;
}

/*
 * The owner of a .env, the Windows way: the owner SID of the open file must
 * be the current user's, or the Administrators group's or SYSTEM's (files
 * made by an elevated process, or by an installer, belong to those). Who
 * may write it is not checked: that is the file's ACL, which a user's
 * folders already limit to that user; a file in a shared folder that
 * someone else made keeps that someone as its owner, and is refused. On a
 * file system without owners (FAT, exFAT) there is nothing to check.
 */
int pgm_os_fh_trusted(void *fh, char *owner, size_t owner_size, unsigned *mode)
{
	HANDLE h = (HANDLE)_get_osfhandle(_fileno((FILE *)fh)), tok = NULL;
	PSID sid = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	TOKEN_USER *tu = NULL;
	DWORD n = 0;
	wchar_t name[256], dom[256];
	DWORD nn = 256, dn = 256;
	SID_NAME_USE use;
	int rc = -1;

	*mode = 0;
	snprintf(owner, owner_size, "?");
	if (h == INVALID_HANDLE_VALUE ||
	    GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &sid, NULL, NULL, NULL, &sd) != ERROR_SUCCESS)
		return -1;
	if (!sid) {
		/* a file system that keeps no owners (FAT, exFAT): nothing to tell apart */
		LocalFree(sd);
		return 0;
	}
	if (LookupAccountSidW(NULL, sid, name, &nn, dom, &dn, &use)) {
		char *u = to_utf8(name), *d = to_utf8(dom);
		if (u && d && *d)
			snprintf(owner, owner_size, "%s\\%s", d, u);
		else if (u)
			snprintf(owner, owner_size, "%s", u);
		free(u);
		free(d);
	}
	if (IsWellKnownSid(sid, WinBuiltinAdministratorsSid) || IsWellKnownSid(sid, WinLocalSystemSid)) {
		rc = 0;
	} else if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
		GetTokenInformation(tok, TokenUser, NULL, 0, &n);
		if (n > 0 && (tu = malloc(n)) != NULL && GetTokenInformation(tok, TokenUser, tu, n, &n))
			rc = EqualSid(sid, tu->User.Sid) ? 0 : PGM_OS_FOREIGN;
		free(tu);
		CloseHandle(tok);
	}
	LocalFree(sd);
	return rc;
}

/* ---- time, console ---- */

double pgm_os_now_ms(void)
{
	static LARGE_INTEGER freq;
	LARGE_INTEGER now;
	if (!freq.QuadPart)
		QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&now);
	return (double)now.QuadPart * 1000.0 / (double)freq.QuadPart;
}

void pgm_os_sleep_ms(int ms)
{
	Sleep((DWORD)ms);
}

int pgm_os_localtime(int64_t t, struct tm *out, long *east)
{
	__time64_t tt = (__time64_t)t, wall;
	if (_localtime64_s(out, &tt) != 0)
		return -1;
	/* the offset: local wall time read as if it were UTC, minus the instant */
	wall = _mkgmtime64(out);
	*east = wall == -1 ? 0L : (long)(wall - tt);
	return 0;
}

void pgm_os_utc_stamp(char out[15])
{
	SYSTEMTIME st;
	GetSystemTime(&st);
	snprintf(out, 15, "%04u%02u%02u%02u%02u%02u", st.wYear, st.wMonth, st.wDay, st.wHour, st.wMinute, st.wSecond);
}

/* ---- threads ---- */

struct pgm_os_thread {
	HANDLE h;
	void (*fn)(void *);
	void *arg;
};

/* _beginthreadex, not CreateThread: the thread uses the C runtime */
static unsigned __stdcall thread_main(void *p)
{
	pgm_os_thread *t = p;
	t->fn(t->arg);
	return 0;
}

pgm_os_thread *pgm_os_thread_start(void (*fn)(void *), void *arg)
{
	pgm_os_thread *t = malloc(sizeof *t);
	uintptr_t h;
	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	h = _beginthreadex(NULL, 0, thread_main, t, 0, NULL);
	if (h == 0) {
		free(t);
		return NULL;
	}
	t->h = (HANDLE)h;
	return t;
}

void pgm_os_thread_join(pgm_os_thread *t)
{
	if (!t)
		return;
	WaitForSingleObject(t->h, INFINITE);
	CloseHandle(t->h);
	free(t);
}

struct pgm_os_flag {
	HANDLE ev;
};

pgm_os_flag *pgm_os_flag_new(void)
{
	pgm_os_flag *f = malloc(sizeof *f);
	if (!f)
		return NULL;
	f->ev = CreateEventW(NULL, TRUE, FALSE, NULL); /* manual reset: stays set */
	if (!f->ev) {
		free(f);
		return NULL;
	}
	return f;
}

int pgm_os_flag_wait(pgm_os_flag *f, int ms)
{
	return WaitForSingleObject(f->ev, (DWORD)ms) == WAIT_OBJECT_0;
}

void pgm_os_flag_set(pgm_os_flag *f)
{
	SetEvent(f->ev);
}

void pgm_os_flag_free(pgm_os_flag *f)
{
	if (!f)
		return;
	CloseHandle(f->ev);
	free(f);
}

/* Winsock's shutdown, from the ws2_32.dll that libpq has loaded (the
 * program itself does not link Winsock) */
typedef int (WINAPI *pgm_shutdown_fn)(UINT_PTR s, int how);

void pgm_os_socket_shutdown(int sock)
{
	HMODULE ws = GetModuleHandleW(L"ws2_32.dll");
	pgm_shutdown_fn fn = ws ? (pgm_shutdown_fn)(void (*)(void))GetProcAddress(ws, "shutdown") : NULL;
	if (fn && sock >= 0)
		fn((UINT_PTR)sock, 2 /* SD_BOTH */);
}

void pgm_os_atomic_store(volatile int64_t *p, int64_t v)
{
	InterlockedExchange64((volatile LONG64 *)p, v);
}

int64_t pgm_os_atomic_load(volatile int64_t *p)
{
	return InterlockedCompareExchange64((volatile LONG64 *)p, 0, 0);
}

struct pgm_os_monitor {
	CRITICAL_SECTION cs;
	CONDITION_VARIABLE cv;
};

pgm_os_monitor *pgm_os_monitor_new(void)
{
	pgm_os_monitor *m = malloc(sizeof *m);
	if (!m)
		return NULL;
	InitializeCriticalSection(&m->cs);
	InitializeConditionVariable(&m->cv);
	return m;
}

void pgm_os_monitor_enter(pgm_os_monitor *m)
{
	EnterCriticalSection(&m->cs);
}

void pgm_os_monitor_leave(pgm_os_monitor *m)
{
	LeaveCriticalSection(&m->cs);
}

void pgm_os_monitor_wait(pgm_os_monitor *m, int ms)
{
	SleepConditionVariableCS(&m->cv, &m->cs, (DWORD)ms);
}

void pgm_os_monitor_signal(pgm_os_monitor *m)
{
	WakeAllConditionVariable(&m->cv);
}

void pgm_os_monitor_free(pgm_os_monitor *m)
{
	if (!m)
		return;
	DeleteCriticalSection(&m->cs);
	free(m);
}

/* a console that understands escape sequences (virtual-terminal mode) */
int pgm_os_isatty(int fd)
{
	HANDLE h = GetStdHandle(fd == 2 ? STD_ERROR_HANDLE : STD_OUTPUT_HANDLE);
	DWORD mode;
	if (h == INVALID_HANDLE_VALUE || !GetConsoleMode(h, &mode))
		return 0;
	if (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING)
		return 1;
	return SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) ? 1 : 0;
}

int pgm_os_output_is_file(int fd)
{
	HANDLE h = GetStdHandle(fd == 2 ? STD_ERROR_HANDLE : STD_OUTPUT_HANDLE);
	DWORD type, mode;
	if (h == INVALID_HANDLE_VALUE || h == NULL)
		return 0;
	type = GetFileType(h);
	/* a disk file, or a character device that is not a console (NUL) */
	return type == FILE_TYPE_DISK || (type == FILE_TYPE_CHAR && !GetConsoleMode(h, &mode));
}

static void (*interrupt_fn)(void *);
static void *interrupt_arg;

static BOOL WINAPI on_ctrl(DWORD type)
{
	if (type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT || type == CTRL_CLOSE_EVENT) {
		if (interrupt_fn) {
			interrupt_fn(interrupt_arg);
			return TRUE;
		}
	}
	return FALSE;
}

void pgm_os_on_interrupt(void (*fn)(void *), void *arg)
{
	interrupt_fn = fn;
	interrupt_arg = arg;
	SetConsoleCtrlHandler(on_ctrl, fn ? TRUE : FALSE);
}

/* ---- finding PostgreSQL ---- */

const char *pgm_os_exe_suffix(void)
{
	return ".exe";
}

const char *pgm_os_libpq_name(void)
{
	return "libpq.dll";
}

static char *exe_dir(void)
{
	wchar_t buf[32768];
	DWORD n = GetModuleFileNameW(NULL, buf, 32768);
	wchar_t *slash;
	if (n == 0 || n >= 32768)
		return NULL;
	slash = wcsrchr(buf, L'\\');
	if (slash)
		*slash = 0;
	return to_utf8(buf);
}

static char *reg_string(HKEY key, const wchar_t *name)
{
	wchar_t buf[1024];
	DWORD size = sizeof buf;
	if (RegGetValueW(key, NULL, name, RRF_RT_REG_SZ, NULL, buf, &size) != ERROR_SUCCESS)
		return NULL;
	return to_utf8(buf);
}

typedef struct reg_install {
	char *base, *version, *service;
} reg_install;

static int cmp_install(const void *a, const void *b)
{
	const reg_install *x = a, *y = b;
	/* newest first, "16.10" before "16.9" */
	return -pgm__natcmp(x->version ? x->version : "", y->version ? y->version : "");
}

/* HKLM\SOFTWARE\PostgreSQL\Installations\* (the EDB installer's keys), 64-bit view, newest first */
static void registry_places(pgm_os_place_cb cb, void *arg)
{
	HKEY root;
	reg_install inst[32];
	DWORD i, n = 0;
	wchar_t sub[256];

	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\PostgreSQL\\Installations", 0,
	                  KEY_READ | KEY_WOW64_64KEY, &root) != ERROR_SUCCESS)
		return;
	for (i = 0; n < 32; i++) {
		DWORD len = 256;
		HKEY k;
		if (RegEnumKeyExW(root, i, sub, &len, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
			break;
		if (RegOpenKeyExW(root, sub, 0, KEY_READ | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
			continue;
		inst[n].base = reg_string(k, L"Base Directory");
		inst[n].version = reg_string(k, L"Version");
		inst[n].service = reg_string(k, L"Service ID");
		RegCloseKey(k);
		if (inst[n].base)
			n++;
		else {
			free(inst[n].version);
			free(inst[n].service);
		}
	}
	RegCloseKey(root);
	qsort(inst, n, sizeof inst[0], cmp_install);
	for (i = 0; i < n; i++) {
		char *bin = pgm_os_path_join(inst[i].base, "bin");
		if (bin)
			cb("registry", bin, inst[i].version, inst[i].service, arg);
		free(bin);
		free(inst[i].base);
		free(inst[i].version);
		free(inst[i].service);
	}
}

void pgm_os_pg_places(pgm_os_place_cb cb, void *arg)
{
	char *dir = exe_dir();
	const char *path;
	int v;
	char buf[64];

	if (dir)
		cb("exe folder", dir, NULL, NULL, arg);
	free(dir);
	registry_places(cb, arg);
	for (v = 18; v >= 12; v--) {
		char p[128];
		snprintf(buf, sizeof buf, "%d", v);
		snprintf(p, sizeof p, "D:\\Program Files\\PostgreSQL\\%d\\bin", v);
		if (pgm_os_isdir(p))
			cb("default", p, buf, NULL, arg);
		snprintf(p, sizeof p, "C:\\Program Files\\PostgreSQL\\%d\\bin", v);
		if (pgm_os_isdir(p))
			cb("default", p, buf, NULL, arg);
	}
	path = pgm_os_getenv("PATH");
	if (path) {
		char *copy = _strdup(path), *p = copy;
		while (p && *p) {
			char *semi = strchr(p, ';');
			if (semi)
				*semi = '\0';
			if (*p)
				cb("PATH", p, NULL, NULL, arg);
			p = semi ? semi + 1 : NULL;
		}
		free(copy);
	}
}

/* ---- libpq.dll ---- */

int pgm_os_libpq_wants_dirs(void)
{
	return 1;
}

static pgm_pq_api dll_api;

/* function pointers of every type have one size; memcpy keeps strict aliasing */
#define LOAD(field, sym) do { \
		FARPROC p_ = GetProcAddress(h, sym); \
		if (!p_) { missing = sym; goto fail; } \
		memcpy(&dll_api.field, &p_, sizeof p_); \
	} while (0)

static HMODULE libpq_module;

char *pgm_os_libpq_path(void)
{
	wchar_t buf[32768];
	DWORD n;
	if (!libpq_module)
		return NULL;
	n = GetModuleFileNameW(libpq_module, buf, (DWORD)(sizeof buf / sizeof buf[0]));
	if (n == 0 || n >= sizeof buf / sizeof buf[0])
		return NULL;
	return to_utf8(buf);
}

const pgm_pq_api *pgm_os_libpq(const char *const *dirs, char *errbuf, size_t errsize)
{
	static int loaded;
	HMODULE h = NULL;
	const char *missing = NULL;
	char tried[1024] = "";
	size_t i;

	if (loaded)
		return &dll_api;
	for (i = 0; dirs && dirs[i] && !h; i++) {
		char *full = pgm_os_path_join(dirs[i], "libpq.dll");
		wchar_t *w = to_wide(full);
		if (w) {
			/* its dependent DLLs are searched in its own folder, not on PATH */
			h = LoadLibraryExW(w, NULL, LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS);
			if (!h)
				h = LoadLibraryExW(w, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
			if (!h) {
				char e[256];
				win_error(e, sizeof e, GetLastError());
				snprintf(tried + strlen(tried), sizeof tried - strlen(tried), "%s%s: %s",
					tried[0] ? "; " : "", full, e);
			}
		}
		free(w);
		free(full);
	}
	if (!h) {
		snprintf(errbuf, errsize, "libpq.dll was not found%s%s", tried[0] ? " or could not be loaded: " : "", tried);
		return NULL;
	}
#define PGM_PQ_SYMBOL(field, sym) LOAD(field, sym);
#include "pq_symbols.h"
#undef PGM_PQ_SYMBOL
	loaded = 1;
	libpq_module = h;
	return &dll_api;
fail:
	snprintf(errbuf, errsize, "libpq.dll has no %s: it is too old", missing);
	FreeLibrary(h);
	return NULL;
}

/* ---- running programs (psql) ---- */

/* quote one argument the way CommandLineToArgvW reads it back */
static void append_arg(wchar_t **buf, size_t *len, size_t *cap, const wchar_t *a)
{
	size_t need = wcslen(a) * 2 + 4, i;
	int quote = a[0] == 0 || wcspbrk(a, L" \t\"") != NULL;
	if (*len + need + 1 > *cap) {
		size_t ncap = (*cap + need + 1) * 2;
		wchar_t *n = realloc(*buf, ncap * sizeof *n);
		if (!n)
			return;
		*buf = n;
		*cap = ncap;
	}
	if (*len)
		(*buf)[(*len)++] = L' ';
	if (!quote) {
		wcscpy(*buf + *len, a);
		*len += wcslen(a);
		return;
	}
	(*buf)[(*len)++] = L'"';
	for (i = 0;; i++) {
		size_t bs = 0;
		while (a[i] == L'\\') {
			bs++;
			i++;
		}
		if (a[i] == 0) {
			while (bs--) {
				(*buf)[(*len)++] = L'\\';
				(*buf)[(*len)++] = L'\\';
			}
			break;
		}
		if (a[i] == L'"') {
			bs = bs * 2 + 1;
			while (bs--)
				(*buf)[(*len)++] = L'\\';
		} else {
			while (bs--)
				(*buf)[(*len)++] = L'\\';
		}
		(*buf)[(*len)++] = a[i];
	}
	(*buf)[(*len)++] = L'"';
	(*buf)[*len] = 0;
}

int pgm_os_run(const char *path, const char *const *argv, const char *const *env_set,
	int *exit_code, char *errbuf, size_t errsize)
{
	wchar_t *cmd = NULL, *wpath = to_wide(path);
	size_t len = 0, cap = 0;
	const char *const *e;
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	DWORD code = 1;
	BOOL ok;

	for (; argv && *argv; argv++) {
		wchar_t *w = to_wide(*argv);
		if (w)
			append_arg(&cmd, &len, &cap, w);
		free(w);
	}
	/* the child inherits our environment with these values set: CreateProcessW
	 * copies the current block, so set them here and restore afterwards */
	for (e = env_set; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char name[128];
		wchar_t *wn, *wv;
		if (!eq || (size_t)(eq - *e) >= sizeof name)
			continue;
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = '\0';
		wn = to_wide(name);
		wv = to_wide(eq + 1);
		if (wn && wv)
			SetEnvironmentVariableW(wn, wv);
		free(wn);
		free(wv);
	}
	memset(&si, 0, sizeof si);
	si.cb = sizeof si;
	SetConsoleCtrlHandler(NULL, TRUE); /* Ctrl-C belongs to psql */
	ok = CreateProcessW(wpath, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
	if (!ok) {
		win_error(errbuf, errsize, GetLastError());
	} else {
		WaitForSingleObject(pi.hProcess, INFINITE);
		GetExitCodeProcess(pi.hProcess, &code);
		CloseHandle(pi.hProcess);
		CloseHandle(pi.hThread);
	}
	SetConsoleCtrlHandler(NULL, FALSE);
	for (e = env_set; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char name[128];
		wchar_t *wn;
		if (!eq || (size_t)(eq - *e) >= sizeof name)
			continue;
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = '\0';
		if ((wn = to_wide(name)) != NULL)
			SetEnvironmentVariableW(wn, NULL);
		free(wn);
	}
	free(cmd);
	free(wpath);
	if (!ok)
		return -1;
	*exit_code = (int)code;
	return 0;
}

/* ---- the PostgreSQL Windows service ---- */

static const char *state_name(DWORD s)
{
	switch (s) {
	case SERVICE_STOPPED: return "Stopped";
	case SERVICE_START_PENDING: return "StartPending";
	case SERVICE_STOP_PENDING: return "StopPending";
	case SERVICE_RUNNING: return "Running";
	case SERVICE_CONTINUE_PENDING: return "ContinuePending";
	case SERVICE_PAUSE_PENDING: return "PausePending";
	case SERVICE_PAUSED: return "Paused";
	default: return "Unknown";
	}
}

void pgm_os_services(pgm_os_service_cb cb, void *arg)
{
	SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ENUMERATE_SERVICE | SC_MANAGER_CONNECT);
	DWORD needed = 0, count = 0, resume = 0, i;
	BYTE *buf = NULL;
	ENUM_SERVICE_STATUS_PROCESSW *svc;

	if (!scm)
		return;
	EnumServicesStatusExW(scm, SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_STATE_ALL, NULL, 0,
		&needed, &count, &resume, NULL);
	if (needed && (buf = malloc(needed)) != NULL) {
		resume = 0;
		if (EnumServicesStatusExW(scm, SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_STATE_ALL, buf, needed,
		                          &needed, &count, &resume, NULL)) {
			svc = (ENUM_SERVICE_STATUS_PROCESSW *)buf;
			for (i = 0; i < count; i++) {
				if (_wcsnicmp(svc[i].lpServiceName, L"postgresql", 10) == 0) {
					char *name = to_utf8(svc[i].lpServiceName);
					char *display = to_utf8(svc[i].lpDisplayName);
					if (name)
						cb(name, display ? display : name, state_name(svc[i].ServiceStatusProcess.dwCurrentState), arg);
					free(name);
					free(display);
				}
			}
		}
		free(buf);
	}
	CloseServiceHandle(scm);
}

/* StartService returns once the service's process is up, while PostgreSQL may still be
 * starting (pg_ctl runservice reports START_PENDING until the server accepts connections)
 * or about to fail: wait for RUNNING, or report the STOPPED service's exit code */
static int wait_running(SC_HANDLE svc, char *errbuf, size_t errsize)
{
	SERVICE_STATUS_PROCESS st;
	DWORD need, waited = 0;

	for (;;) {
		if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&st, sizeof st, &need)) {
			win_error(errbuf, errsize, GetLastError());
			return -1;
		}
		if (st.dwCurrentState == SERVICE_RUNNING)
			return 0;
		if (st.dwCurrentState == SERVICE_STOPPED) {
			char why[256];
			if (st.dwWin32ExitCode == ERROR_SERVICE_SPECIFIC_ERROR)
				snprintf(why, sizeof why, ", exit code %lu", (unsigned long)st.dwServiceSpecificExitCode);
			else if (st.dwWin32ExitCode != NO_ERROR) {
				why[0] = ':';
				why[1] = ' ';
				win_error(why + 2, sizeof why - 2, st.dwWin32ExitCode);
			} else
				why[0] = '\0';
			snprintf(errbuf, errsize, "the service stopped while starting%s; the server log (the log folder of "
				"its data directory) or the Windows Event Log says why", why);
			return -1;
		}
		if (waited >= 120000) {
			snprintf(errbuf, errsize, "the service is still %s after %lu s", state_name(st.dwCurrentState),
				(unsigned long)(waited / 1000));
			return -1;
		}
		Sleep(250);
		waited += 250;
	}
}

int pgm_os_service_start(const char *name, int *denied, char *errbuf, size_t errsize)
{
	SC_HANDLE scm, svc;
	wchar_t *w = to_wide(name);
	int rc = 0;

	*denied = 0;
	scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
	if (!scm || !w) {
		DWORD e = GetLastError();
		*denied = e == ERROR_ACCESS_DENIED;
		win_error(errbuf, errsize, e);
		free(w);
		return -1;
	}
	svc = OpenServiceW(scm, w, SERVICE_START | SERVICE_QUERY_STATUS);
	free(w);
	if (!svc) {
		DWORD e = GetLastError();
		*denied = e == ERROR_ACCESS_DENIED;
		win_error(errbuf, errsize, e);
		CloseServiceHandle(scm);
		return -1;
	}
	if (!StartServiceW(svc, 0, NULL)) {
		DWORD e = GetLastError();
		if (e != ERROR_SERVICE_ALREADY_RUNNING) {
			*denied = e == ERROR_ACCESS_DENIED;
			win_error(errbuf, errsize, e);
			rc = -1;
		}
	}
	if (rc == 0)
		rc = wait_running(svc, errbuf, errsize);
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	return rc;
}

char *pgm_os_user_host(void)
{
	wchar_t user[256], host[256];
	DWORD ul = 256, hl = 256;
	char *u, *h, *r;
	if (!GetUserNameW(user, &ul))
		wcscpy(user, L"?");
	if (!GetComputerNameW(host, &hl))
		wcscpy(host, L"?");
	u = to_utf8(user);
	h = to_utf8(host);
	r = (u && h) ? malloc(strlen(u) + strlen(h) + 2) : NULL;
	if (r)
		sprintf(r, "%s@%s", u, h);
	free(u);
	free(h);
	return r;
}
