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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <pwd.h>
#include <pthread.h>

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

int pgm_os_path_is_absolute(const char *path)
{
	return path[0] == '/';
}

int pgm_os_owned_by_me(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_uid == geteuid();
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

void pgm_os_atomic_store(volatile int64_t *p, int64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

int64_t pgm_os_atomic_load(volatile int64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
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
