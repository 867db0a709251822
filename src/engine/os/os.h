/*
 * The operating-system layer: everything that differs between POSIX and
 * Windows lives behind this interface (libgit2's src/util/{unix,win32},
 * SQLite's VFS). posix.c and win32.c implement it; CMake picks one.
 * Paths and strings are UTF-8 on this side of the interface.
 */
#ifndef PGM_OS_H
#define PGM_OS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../pq.h"

/* environment variable, or NULL; the pointer is borrowed */
const char *pgm_os_getenv(const char *name);

/* call fn for each entry name of a directory; returns 0, or -1 with errno-style
 * text in errbuf when the directory cannot be read */
typedef int (*pgm_os_dir_cb)(const char *name, void *arg);
int pgm_os_listdir(const char *path, pgm_os_dir_cb fn, void *arg, char *errbuf, size_t errsize);

/* 1 when path is an existing directory */
int pgm_os_isdir(const char *path);

/* open a regular file for reading (links followed); NULL with a message in
 * errbuf, also for a device, a FIFO, a socket or a folder, whose reads could
 * block or never end (a FIFO's open does not wait for a writer) */
void *pgm_os_fopen_read(const char *path, char *errbuf, size_t errsize);
/* the same, and also a pipe or FIFO when allow_pipe (a file the user named
 * to be read, like --env-file <(sops -d .env.enc)): its open waits for a
 * writer and its reads for data. Still no device, socket or folder, and the
 * type is checked before the open (a device is never opened) */
void *pgm_os_fopen_read_ex(const char *path, int allow_pipe, char *errbuf, size_t errsize);
/* read up to n bytes; returns bytes read, 0 at end, -1 on error */
long pgm_os_fread(void *fh, void *buf, size_t n);
void pgm_os_fclose(void *fh);
/* size of an open file, -1 when unknown */
int64_t pgm_os_fsize(void *fh);

/* what tells a file's content changed without reading it, as git's index
 * keeps it: the size, the modification and change times (ns since 1970; no
 * tool sets the change time back: any write or touch moves it) and the
 * file's identity on its volume (inode; Windows: the file index) */
typedef struct pgm_os_stamp {
	int64_t size, mtime_ns, ctime_ns;
	uint64_t id;
} pgm_os_stamp;
/* of an open file (pgm_os_fopen_read) or a path; 0, or -1 when unknown */
int pgm_os_fstamp(void *fh, pgm_os_stamp *out);
int pgm_os_stamp_path(const char *path, pgm_os_stamp *out);
/* the stamps of many files of one folder: opened once, so each file is
 * found by its name alone (POSIX fstatat), not its whole path */
void *pgm_os_dir_open(const char *path);
int pgm_os_stamp_in(void *dir, const char *name, pgm_os_stamp *out);
void pgm_os_dir_close(void *dir);
/* 1 when the folder is on a local disk whose stamps show every change:
 * not a network or FUSE share (NFS, SMB, 9p, sshfs, virtiofs: a stat may
 * answer from a cache of attributes), not FAT or exFAT (no change time) */
int pgm_os_stamps_trusted(const char *path);
/* set a file's modification time to now; 0 or -1 */
int pgm_os_touch(const char *path);
/* the wall clock in ns since 1970, the file times' clock */
int64_t pgm_os_now_ns(void);
/* the absolute form of path (symbolic links resolved on POSIX); caller frees; NULL if none */
char *pgm_os_abspath(const char *path);
/* the per-user cache folder for pgmigrate ($XDG_CACHE_HOME/pgmigrate or
 * ~/.cache/pgmigrate; %LOCALAPPDATA%\pgmigrate\cache), not created; caller
 * frees; NULL when there is no home */
char *pgm_os_cache_dir(void);
/* create a folder and its missing parents, readable by the user only; 0 or -1 */
int pgm_os_mkdirs_private(const char *path);
/* replace path with data at once (a temporary file renamed over it), so a
 * reader sees the old or the new content; 0 or -1 */
int pgm_os_write_replace(const char *path, const char *data, size_t len);

/* create a new file (fails if it exists: returns 1), write data; -1 on error */
int pgm_os_write_new(const char *path, const char *data, size_t len, char *errbuf, size_t errsize);

/* delete a file; 0 or -1 */
int pgm_os_remove(const char *path);

/* join a directory and a name with the platform separator; caller frees */
char *pgm_os_path_join(const char *dir, const char *name);
/* 1 for an absolute path (/x; C:\x, \\server\share, \x on Windows) */
int pgm_os_path_is_absolute(const char *path);
/* 1 when the file or folder belongs to the user running pgmigrate (POSIX:
 * the owner uid; Windows: always 1, folders are guarded by ACLs) */
int pgm_os_owned_by_me(const char *path);
/* may a configuration file (.env), open for reading, be trusted? 0 when it
 * belongs to the user running pgmigrate or to the system (POSIX: root;
 * Windows: the Administrators group or SYSTEM) and, on POSIX, neither its
 * group nor others may write it; PGM_OS_FOREIGN (another owner) or
 * PGM_OS_SHARED (others may write it); -1 when it cannot be told. The
 * owner's name (or number) goes to owner, the POSIX mode to *mode. */
#define PGM_OS_FOREIGN 1
#define PGM_OS_SHARED 2
int pgm_os_fh_trusted(void *fh, char *owner, size_t owner_size, unsigned *mode);

double pgm_os_now_ms(void);      /* monotonic milliseconds */
void pgm_os_sleep_ms(int ms);
/* seconds since 1970 as local time, and the zone's offset east of UTC in
 * seconds; 0 or -1 */
int pgm_os_localtime(int64_t t, struct tm *out, long *east);
/* current UTC time as YYYYMMDDHHMMSS digits (15 bytes with NUL) */
void pgm_os_utc_stamp(char out[15]);

int pgm_os_isatty(int fd);       /* fd 1 = stdout, 2 = stderr */
/* 1 when fd 1/2 goes to a file or a device such as /dev/null or NUL, where
 * nobody reads it as it is written (not a terminal, not a pipe) */
int pgm_os_output_is_file(int fd);

/* a worker thread running fn(arg); NULL when none could be made (the caller
 * then does the work itself). join waits for it to end and frees it. */
typedef struct pgm_os_thread pgm_os_thread;
pgm_os_thread *pgm_os_thread_start(void (*fn)(void *), void *arg);
void pgm_os_thread_join(pgm_os_thread *t);
/* a 64-bit value shared between threads (sequentially consistent) */
void pgm_os_atomic_store(volatile int64_t *p, int64_t v);
int64_t pgm_os_atomic_load(volatile int64_t *p);

/* a lock with a condition: one thread waits inside it for a signal or a
 * timeout (a timer that another thread can stop at once). NULL when none
 * could be made. wait gives the lock up while it waits and takes it again. */
typedef struct pgm_os_monitor pgm_os_monitor;
pgm_os_monitor *pgm_os_monitor_new(void);
void pgm_os_monitor_enter(pgm_os_monitor *m);
void pgm_os_monitor_leave(pgm_os_monitor *m);
void pgm_os_monitor_wait(pgm_os_monitor *m, int ms);
void pgm_os_monitor_signal(pgm_os_monitor *m);
void pgm_os_monitor_free(pgm_os_monitor *m);

/* a flag one thread sets and another waits for, with a timeout (a
 * condition variable / a Win32 event); wait returns 1 once it is set */
typedef struct pgm_os_flag pgm_os_flag;
pgm_os_flag *pgm_os_flag_new(void);
int pgm_os_flag_wait(pgm_os_flag *f, int ms);
void pgm_os_flag_set(pgm_os_flag *f);
void pgm_os_flag_free(pgm_os_flag *f);

/* shut a connected socket down both ways (libpq's, from another thread):
 * a thread blocked reading it returns at once; the socket stays open */
void pgm_os_socket_shutdown(int sock);

/* install fn to run on Ctrl-C (SIGINT/SIGTERM or console control events);
 * fn must be async-signal-safe */
void pgm_os_on_interrupt(void (*fn)(void *), void *arg);

/* the libpq function table; NULL with a message in errbuf when libpq
 * cannot be loaded (Windows: libpq.dll not found in any of `dirs`, a
 * NULL-terminated list of folders in search order). POSIX links libpq
 * and ignores dirs; pgm_os_libpq_wants_dirs() says whether to find them. */
const pgm_pq_api *pgm_os_libpq(const char *const *dirs, char *errbuf, size_t errsize);
int pgm_os_libpq_wants_dirs(void);
/* the file libpq was loaded from (once pgm_os_libpq succeeded), NULL when
 * unknown; caller frees */
char *pgm_os_libpq_path(void);

/* database services (Windows: services whose name starts with "postgresql"):
 * cb(name, display name, state such as "Running" or "Stopped") */
typedef void (*pgm_os_service_cb)(const char *name, const char *display, const char *state, void *arg);
void pgm_os_services(pgm_os_service_cb cb, void *arg);
/* start a service: 0, or -1 with a message (1 in *denied when access was denied) */
int pgm_os_service_start(const char *name, int *denied, char *errbuf, size_t errsize);

/* "user@host" of this process, for the history; caller frees */
char *pgm_os_user_host(void);

/* 1 when path names an existing regular file */
int pgm_os_isfile(const char *path);
/* 1 when something exists at path (links followed) */
int pgm_os_exists(const char *path);

/* ".exe" on Windows, "" elsewhere; the shared libpq's file name */
const char *pgm_os_exe_suffix(void);
const char *pgm_os_libpq_name(void);

/* the places PostgreSQL may be installed, in search order after --pg-bin
 * and PGMIGRATE_PG_BIN: cb(source, dir, version or NULL, service id or NULL) */
typedef void (*pgm_os_place_cb)(const char *source, const char *dir, const char *version,
	const char *service, void *arg);
void pgm_os_pg_places(pgm_os_place_cb cb, void *arg);

/* run a program with extra environment entries ("K=V"), wait, give its exit code;
 * -1 with a message when it cannot be started */
int pgm_os_run(const char *path, const char *const *argv, const char *const *env_set,
	int *exit_code, char *errbuf, size_t errsize);

#endif
