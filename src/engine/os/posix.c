/*
 * POSIX implementation of the OS layer (Linux, macOS, BSD). libpq is
 * linked at build time, so the function table points at its symbols.
 */
#define _GNU_SOURCE /* dladdr */
#define _POSIX_C_SOURCE 200809L
#include "os.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#if defined(__linux__)
#include <sys/vfs.h>
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
#include <sys/mount.h>
#include <sys/param.h>
#endif
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <pwd.h>
#include <pthread.h>
#include <sys/socket.h>

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

/* a file handle is the descriptor plus one (never NULL): plain read(2)
 * instead of stdio saves the FILE's allocation, its buffer and an fstat per
 * file, a third of the cost of checking 1,000 small migration files */
#define FD_OF(fh) ((int)((intptr_t)(fh) - 1))
#define FH_OF(fd) ((void *)((intptr_t)(fd) + 1))

/* what a file that is not a regular one is, for the message */
static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a folder";
	if (S_ISCHR(m))
		return "a character device (such as /dev/zero)";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO (named pipe)";
	if (S_ISSOCK(m))
		return "a socket";
	return "a special file";
}

static void *refuse_kind(mode_t m, char *errbuf, size_t errsize)
{
	if (errbuf && errsize)
		snprintf(errbuf, errsize, "it is %s, not a regular file", file_kind(m));
	return NULL;
}

void *pgm_os_fopen_read_ex(const char *path, int allow_pipe, char *errbuf, size_t errsize)
{
	struct stat st;
	int fd, pipe_ok;
	/* the type first, without opening: opening a device can do something
	 * (a tape rewinds, a terminal becomes ours); fstat below confirms it on
	 * what was opened, in case the path changed in between */
	if (stat(path, &st) != 0) {
		if (errbuf && errsize)
			snprintf(errbuf, errsize, "%s", strerror(errno));
		return NULL;
	}
	pipe_ok = allow_pipe && S_ISFIFO(st.st_mode);
	if (!S_ISREG(st.st_mode) && !pipe_ok)
		return refuse_kind(st.st_mode, errbuf, errsize);
	/* O_NONBLOCK: opening a FIFO waits for a writer otherwise (one swapped in
	 * after the stat is refused below); a pipe the caller allows is opened
	 * as it is, waiting for its writer, like any program reading it */
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (pipe_ok ? 0 : O_NONBLOCK));
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		if (errbuf && errsize)
			snprintf(errbuf, errsize, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		if (errbuf && errsize)
			snprintf(errbuf, errsize, "%s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) && !(allow_pipe && S_ISFIFO(st.st_mode))) {
		close(fd);
		return refuse_kind(st.st_mode, errbuf, errsize);
	}
	/* reads of a regular file never block anyway; the flag off, as usual */
	if (!pipe_ok)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return FH_OF(fd);
}

void *pgm_os_fopen_read(const char *path, char *errbuf, size_t errsize)
{
	return pgm_os_fopen_read_ex(path, 0, errbuf, errsize);
}

long pgm_os_fread(void *fh, void *buf, size_t n)
{
	/* like fread: short only at the end of the file */
	size_t got = 0;
	if (n > LONG_MAX)
		n = LONG_MAX;
	while (got < n) {
		ssize_t r = read(FD_OF(fh), (char *)buf + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return got ? (long)got : -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (long)got;
}

void pgm_os_fclose(void *fh)
{
	if (fh)
		close(FD_OF(fh));
}

/* the stamp of a regular file from the stat call's result (rc 0) */
static int stamp_of(int rc, const struct stat *st, pgm_os_stamp *out)
{
	if (rc != 0 || !S_ISREG(st->st_mode))
		return -1;
	out->size = (int64_t)st->st_size;
#if defined(__APPLE__)
	out->mtime_ns = (int64_t)st->st_mtimespec.tv_sec * 1000000000 + st->st_mtimespec.tv_nsec;
	out->ctime_ns = (int64_t)st->st_ctimespec.tv_sec * 1000000000 + st->st_ctimespec.tv_nsec;
#else
	out->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	out->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
#endif
	/* the device too: the same inode number on another volume is another file */
	out->id = (uint64_t)st->st_ino ^ ((uint64_t)st->st_dev << 40);
	return 0;
}

int pgm_os_fstamp(void *fh, pgm_os_stamp *out)
{
	struct stat st;
	return stamp_of(fstat(FD_OF(fh), &st), &st, out);
}

int64_t pgm_os_fsize(void *fh)
{
	pgm_os_stamp st;
	return pgm_os_fstamp(fh, &st) == 0 ? st.size : -1;
}

int pgm_os_stamp_path(const char *path, pgm_os_stamp *out)
{
	struct stat st;
	return stamp_of(stat(path, &st), &st, out);
}

void *pgm_os_dir_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? NULL : FH_OF(fd);
}

int pgm_os_stamp_in(void *dir, const char *name, pgm_os_stamp *out)
{
	struct stat st;
	return dir ? stamp_of(fstatat(FD_OF(dir), name, &st, 0), &st, out) : -1;
}

void pgm_os_dir_close(void *dir)
{
	if (dir)
		close(FD_OF(dir));
}

int pgm_os_stamps_trusted(const char *path)
{
#if defined(__linux__)
	struct statfs sf;
	if (statfs(path, &sf) != 0)
		return 0;
	/* the local file systems that keep a change time (an allow-list: an
	 * unknown one is read file by file) */
	switch ((unsigned long)sf.f_type) {
	case 0xEF53UL:      /* ext2, ext3, ext4 */
	case 0x58465342UL:  /* xfs */
	case 0x9123683EUL:  /* btrfs */
	case 0x01021994UL:  /* tmpfs */
	case 0x2FC12FC1UL:  /* zfs */
	case 0xF2F52010UL:  /* f2fs */
	case 0x794C7630UL:  /* overlayfs (containers) */
	case 0xCA451A4EUL:  /* bcachefs */
	case 0x52654973UL:  /* reiserfs */
	case 0x3153464AUL:  /* jfs */
		return 1;
	default:
		return 0;
	}
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
	struct statfs sf;
	return statfs(path, &sf) == 0 && (sf.f_flags & MNT_LOCAL) && strcmp(sf.f_fstypename, "msdos") != 0 &&
		strcmp(sf.f_fstypename, "exfat") != 0;
#else
	(void)path;
	return 0;
#endif
}

int pgm_os_touch(const char *path)
{
	return utimensat(AT_FDCWD, path, NULL, 0) == 0 ? 0 : -1;
}

int64_t pgm_os_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

char *pgm_os_abspath(const char *path)
{
	return realpath(path, NULL);
}

char *pgm_os_cache_dir(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	size_t n;
	char *r;
	if (x && x[0] == '/') { /* the XDG spec: a relative value is ignored */
		n = strlen(x) + sizeof "/pgmigrate";
		if ((r = malloc(n)) != NULL)
			snprintf(r, n, "%s/pgmigrate", x);
		return r;
	}
	if (!home || home[0] != '/')
		return NULL;
	n = strlen(home) + sizeof "/.cache/pgmigrate";
	if ((r = malloc(n)) != NULL)
		snprintf(r, n, "%s/.cache/pgmigrate", home);
	return r;
}

int pgm_os_mkdirs_private(const char *path)
{
	char *p = strdup(path), *s;
	if (!p)
		return -1;
	for (s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			/* errors on the way (EACCES on an existing /home) are judged by the end */
			(void)mkdir(p, 0700);
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return pgm_os_isdir(path) ? 0 : -1;
}

/* a new file (1 when it exists) with data, made with mode; -1 on error */
static int write_new_mode(const char *path, const char *data, size_t len, mode_t mode, char *errbuf, size_t errsize)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
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

int pgm_os_write_new(const char *path, const char *data, size_t len, char *errbuf, size_t errsize)
{
	return write_new_mode(path, data, len, 0644, errbuf, errsize);
}

int pgm_os_write_replace(const char *path, const char *data, size_t len)
{
	size_t n = strlen(path) + 32;
	char errbuf[64], *tmp = malloc(n);
	int rc = -1;
	if (!tmp)
		return -1;
	snprintf(tmp, n, "%s.%ld.tmp", path, (long)getpid());
	/* a new file (O_EXCL: never one planted, or a link, in a shared folder) */
	(void)unlink(tmp);
	if (write_new_mode(tmp, data, len, 0600, errbuf, sizeof errbuf) == 0 && rename(tmp, path) == 0)
		rc = 0;
	else
		unlink(tmp);
	free(tmp);
	return rc;
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

int pgm_os_path_is_absolute(const char *path)
{
	return path[0] == '/';
}

int pgm_os_owned_by_me(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_uid == geteuid();
}

int pgm_os_fh_trusted(void *fh, char *owner, size_t owner_size, unsigned *mode)
{
	struct stat st;
	struct passwd pw, *found = NULL;
	char pwbuf[1024];
	uid_t me = geteuid();

	if (fstat(FD_OF(fh), &st) != 0)
		return -1;
	/* the name, as ls -l shows it; the number when the passwd database has none */
	if (getpwuid_r(st.st_uid, &pw, pwbuf, sizeof pwbuf, &found) == 0 && found)
		snprintf(owner, owner_size, "%s", found->pw_name);
	else
		snprintf(owner, owner_size, "uid %lu", (unsigned long)st.st_uid);
	*mode = (unsigned)(st.st_mode & 07777);
	if (st.st_uid != me && st.st_uid != 0)
		return PGM_OS_FOREIGN;
	/* OpenSSH's rule for authorized_keys: nobody but the owner may write it */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return PGM_OS_SHARED;
	return 0;
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

int pgm_os_localtime(int64_t t, struct tm *out, long *east)
{
	time_t tt = (time_t)t;
	if (!localtime_r(&tt, out))
		return -1;
	*east = (long)out->tm_gmtoff;
	return 0;
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

int pgm_os_output_is_file(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return 0;
	return S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && !isatty(fd));
}

struct pgm_os_thread {
	pthread_t id;
	void (*fn)(void *);
	void *arg;
};

static void *thread_main(void *p)
{
	pgm_os_thread *t = p;
	t->fn(t->arg);
	return NULL;
}

pgm_os_thread *pgm_os_thread_start(void (*fn)(void *), void *arg)
{
	pgm_os_thread *t = malloc(sizeof *t);
	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	if (pthread_create(&t->id, NULL, thread_main, t) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

void pgm_os_thread_join(pgm_os_thread *t)
{
	if (!t)
		return;
	pthread_join(t->id, NULL);
	free(t);
}

struct pgm_os_flag {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int set;
};

pgm_os_flag *pgm_os_flag_new(void)
{
	pgm_os_flag *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	return f;
}

int pgm_os_flag_wait(pgm_os_flag *f, int ms)
{
	struct timespec until;
	int set;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->mu);
	while (!f->set && pthread_cond_timedwait(&f->cv, &f->mu, &until) == 0)
		;
	set = f->set;
	pthread_mutex_unlock(&f->mu);
	return set;
}

void pgm_os_flag_set(pgm_os_flag *f)
{
	pthread_mutex_lock(&f->mu);
	f->set = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

void pgm_os_flag_free(pgm_os_flag *f)
{
	if (!f)
		return;
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

void pgm_os_socket_shutdown(int sock)
{
	if (sock >= 0)
		shutdown(sock, SHUT_RDWR);
}

void pgm_os_atomic_store(volatile int64_t *p, int64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

int64_t pgm_os_atomic_load(volatile int64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

struct pgm_os_monitor {
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

pgm_os_monitor *pgm_os_monitor_new(void)
{
	pgm_os_monitor *m = malloc(sizeof *m);
	pthread_condattr_t attr;
	if (!m)
		return NULL;
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		return NULL;
	}
	/* timeouts on the monotonic clock: a clock set back does not stall them */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (pthread_cond_init(&m->cv, &attr) != 0) {
		pthread_condattr_destroy(&attr);
		pthread_mutex_destroy(&m->mu);
		free(m);
		return NULL;
	}
	pthread_condattr_destroy(&attr);
	return m;
}

void pgm_os_monitor_enter(pgm_os_monitor *m)
{
	pthread_mutex_lock(&m->mu);
}

void pgm_os_monitor_leave(pgm_os_monitor *m)
{
	pthread_mutex_unlock(&m->mu);
}

void pgm_os_monitor_wait(pgm_os_monitor *m, int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&m->cv, &m->mu, &ts);
}

void pgm_os_monitor_signal(pgm_os_monitor *m)
{
	pthread_cond_broadcast(&m->cv);
}

void pgm_os_monitor_free(pgm_os_monitor *m)
{
	if (!m)
		return;
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	free(m);
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

/*
 * libpq is opened on first use (dlopen), not at start: `pgmigrate --version`,
 * help, new and lint then start without loading libpq and the two dozen
 * libraries it needs (ssl, crypto, gssapi, ldap), and Linux and Windows
 * share one mechanism. The default search (ld.so.cache) comes first, then
 * the discovered folders and their ../lib (the npm PostgreSQL layout).
 */
static pgm_pq_api dl_api;

#define LOAD(field, sym) do { \
		void *p_ = dlsym(h, sym); \
		if (!p_) { missing = sym; goto fail; } \
		memcpy(&dl_api.field, &p_, sizeof p_); \
	} while (0)

const pgm_pq_api *pgm_os_libpq(const char *const *dirs, char *errbuf, size_t errsize)
{
	static int loaded;
	const char *missing = NULL;
	void *h;
	size_t i;

	if (loaded)
		return &dl_api;
	h = dlopen(pgm_os_libpq_name(), RTLD_NOW | RTLD_LOCAL);
	for (i = 0; !h && dirs && dirs[i]; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dirs[i], pgm_os_libpq_name());
		if (!(h = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
			snprintf(path, sizeof path, "%s/../lib/%s", dirs[i], pgm_os_libpq_name());
			h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		}
	}
	if (!h) {
		const char *e = dlerror();
		snprintf(errbuf, errsize, "%s could not be loaded: %s", pgm_os_libpq_name(), e ? e : "not found");
		return NULL;
	}
#define PGM_PQ_SYMBOL(field, sym) LOAD(field, sym);
#include "pq_symbols.h"
#undef PGM_PQ_SYMBOL
	loaded = 1;
	return &dl_api;
fail:
	snprintf(errbuf, errsize, "%s has no %s: it is too old", pgm_os_libpq_name(), missing);
	dlclose(h);
	return NULL;
}

char *pgm_os_libpq_path(void)
{
	Dl_info info;
	void *sym;
	char *r;
	if (!dl_api.libVersion)
		return NULL;
	memcpy(&sym, &dl_api.libVersion, sizeof sym);
	if (!dladdr(sym, &info) || !info.dli_fname || !info.dli_fname[0])
		return NULL;
	/* the real file, not the soname link */
	r = realpath(info.dli_fname, NULL);
	return r ? r : strdup(info.dli_fname);
}

int pgm_os_isfile(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int pgm_os_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

const char *pgm_os_exe_suffix(void)
{
	return "";
}

const char *pgm_os_libpq_name(void)
{
#ifdef __APPLE__
	return "libpq.5.dylib";
#else
	return "libpq.so.5";
#endif
}

static int cmp_desc_version(const void *a, const void *b)
{
	return atoi(*(char *const *)b) - atoi(*(char *const *)a);
}

/* PATH entries, then the Debian/Ubuntu layout (/usr/lib/postgresql/<v>/bin, newest first) */
void pgm_os_pg_places(pgm_os_place_cb cb, void *arg)
{
	const char *path = getenv("PATH");
	DIR *d;
	struct dirent *de;
	char *names[64];
	int n = 0, i;

	if (path) {
		char *copy = strdup(path), *save = NULL, *tok;
		for (tok = copy ? strtok_r(copy, ":", &save) : NULL; tok; tok = strtok_r(NULL, ":", &save))
			if (*tok)
				cb("PATH", tok, NULL, NULL, arg);
		free(copy);
	}
	if ((d = opendir("/usr/lib/postgresql")) != NULL) {
		while ((de = readdir(d)) != NULL && n < 64)
			if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
				names[n++] = strdup(de->d_name);
		closedir(d);
		qsort(names, (size_t)n, sizeof names[0], cmp_desc_version);
		for (i = 0; i < n; i++) {
			char dir[512];
			if (!names[i])
				continue;
			snprintf(dir, sizeof dir, "/usr/lib/postgresql/%s/bin", names[i]);
			cb("default", dir, names[i], NULL, arg);
			free(names[i]);
		}
	}
}

int pgm_os_run(const char *path, const char *const *argv, const char *const *env_set,
	int *exit_code, char *errbuf, size_t errsize)
{
	struct sigaction ign, old_int, old_quit;
	pid_t pid;
	int status = 0;

	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	/* Ctrl-C belongs to the child (psql cancels its own query) */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = fork();
	if (pid < 0) {
		snprintf(errbuf, errsize, "%s", strerror(errno));
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		return -1;
	}
	if (pid == 0) {
		const char *const *e;
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		for (e = env_set; e && *e; e++) {
			const char *eq = strchr(*e, '=');
			char name[128];
			size_t n = eq ? (size_t)(eq - *e) : 0;
			if (!eq || n >= sizeof name)
				continue;
			memcpy(name, *e, n);
			name[n] = '\0';
			setenv(name, eq + 1, 1);
		}
		execv(path, (char *const *)argv);
		fprintf(stderr, "pgmigrate: could not run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (WIFEXITED(status))
		*exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*exit_code = 128 + WTERMSIG(status);
	else
		*exit_code = 1;
	return 0;
}

int pgm_os_libpq_wants_dirs(void)
{
	return 1;
}

/* PostgreSQL on Linux runs under systemd or by hand; nothing to list that
 * pgmigrate could start, so the hints stay with pg_ctl/docker advice */
void pgm_os_services(pgm_os_service_cb cb, void *arg)
{
	(void)cb;
	(void)arg;
}

int pgm_os_service_start(const char *name, int *denied, char *errbuf, size_t errsize)
{
	*denied = 0;
	snprintf(errbuf, errsize, "starting services is only supported on Windows (here: sudo systemctl start %s, or pg_ctl start)", name);
	return -1;
}

char *pgm_os_user_host(void)
{
	char host[256] = "", *r;
	const char *user = getenv("USER");
	struct passwd *pw = NULL;
	if (!user || !*user) {
		pw = getpwuid(geteuid());
		user = pw ? pw->pw_name : "?";
	}
	if (gethostname(host, sizeof host - 1) != 0)
		snprintf(host, sizeof host, "?");
	r = malloc(strlen(user) + strlen(host) + 2);
	if (r)
		sprintf(r, "%s@%s", user, host);
	return r;
}
