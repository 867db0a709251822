/*
 * POSIX implementation of the OS layer (Linux, macOS, BSD). libpq is
 * linked at build time, so the function table points at its symbols.
 */
#define _POSIX_C_SOURCE 200809L
#include "os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *pgm_os_getenv(const char *name)
{
	return getenv(name);
}

int pgm_os_listdir(const char *path, pgm_os_dir_cb fn, void *arg, char *errbuf, size_t errsize)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		snprintf(errbuf, errsize, "%s", strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((rc = fn(de->d_name, arg)) != 0)
			break;
	}
	closedir(d);
	return rc;
}

int pgm_os_isdir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void *pgm_os_fopen_read(const char *path, char *errbuf, size_t errsize)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		snprintf(errbuf, errsize, "%s", strerror(errno));
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
	struct stat st;
	if (fstat(fileno((FILE *)fh), &st) != 0)
		return -1;
	return (int64_t)st.st_size;
}

int pgm_os_write_new(const char *path, const char *data, size_t len, char *errbuf, size_t errsize)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	size_t off = 0;

	if (fd < 0) {
		if (errno == EEXIST)
			return 1;
		snprintf(errbuf, errsize, "%s", strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			snprintf(errbuf, errsize, "%s", strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0) {
		snprintf(errbuf, errsize, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

int pgm_os_remove(const char *path)
{
	return unlink(path) == 0 ? 0 : -1;
}

char *pgm_os_path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	int sep = dl > 0 && dir[dl - 1] != '/';
	char *p = malloc(dl + nl + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (sep)
		p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	return p;
}

double pgm_os_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void pgm_os_sleep_ms(int ms)
{
	struct timespec ts;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void pgm_os_utc_stamp(char out[15])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
}

int pgm_os_isatty(int fd)
{
	return isatty(fd);
}

static void (*interrupt_fn)(void *);
static void *interrupt_arg;

static void on_signal(int sig)
{
	int saved = errno;
	(void)sig;
	if (interrupt_fn)
		interrupt_fn(interrupt_arg);
	errno = saved;
}

void pgm_os_on_interrupt(void (*fn)(void *), void *arg)
{
	struct sigaction sa;
	interrupt_fn = fn;
	interrupt_arg = arg;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn ? on_signal : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static const pgm_pq_api linked_libpq = {
	PQconnectdbParams, PQfinish, PQstatus, PQerrorMessage, PQexec, PQexecParams,
	PQsendQuery, PQgetResult, PQresultStatus, PQresultErrorField, PQresultErrorMessage,
	PQntuples, PQnfields, PQfname, PQgetvalue, PQgetisnull, PQclear, PQfreemem,
	PQescapeIdentifier, PQtransactionStatus, PQgetCancel, PQfreeCancel, PQcancel,
	PQdb, PQuser, PQhost, PQport, PQserverVersion, PQsetNoticeProcessor,
	PQconninfoParse, PQconninfoFree, PQpingParams, PQlibVersion,
	PQputCopyEnd, PQgetCopyData
};

const pgm_pq_api *pgm_os_libpq(char *errbuf, size_t errsize)
{
	(void)errbuf;
	(void)errsize;
	return &linked_libpq;
}
