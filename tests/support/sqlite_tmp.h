/*
 * sqlite_tmp.h - temp directories and child processes for the SQLite store
 * tests (tests/test_sqlite_*.c).  Plain POSIX and the public API: nothing
 * here calls SQLite, so the file links into every test binary (checks that
 * need SQLite itself are in sqlite_integrity.h).
 *
 * Child processes.  A test that needs another process starts its own binary
 * again (/proc/self/exe) with SQLT_ROLE and its parameters in the
 * environment; a constructor in the test file sees SQLT_ROLE, runs the
 * child's work and exit()s before Criterion's main starts.  A fresh exec,
 * not a bare fork(): Criterion's worker has threads of its own, and the
 * child must start with no inherited context, SQLite handle or lock.
 * Criterion's own sandbox variable (BXFI_MAP) is removed from the child's
 * environment, and every descriptor but 0-2 and the two below is closed.
 *
 * The child reports to the parent with whole lines on SQLT_REPORT_FD; each
 * line is written with one write() of at most PIPE_BUF bytes, so a line is
 * in the pipe whole or not at all, even when the child is killed.
 *
 * Thread-safety: the parent-side calls assert with Criterion, so call them
 * from the test's own thread.  sqlt_report may run from many threads.
 */
#ifndef ORDERS_TEST_SQLITE_TMP_H
#define ORDERS_TEST_SQLITE_TMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <orders/orders.h>

/* Where a child finds its report pipe (write end) and its start signal (read
 * end: EOF means "go"). */
#define SQLT_REPORT_FD 100
#define SQLT_GO_FD 101

/* Longest report line, newline included (PIPE_BUF is at least 512). */
#define SQLT_LINE_MAX 512

/* ---- temp directories ---- */

/* A new empty directory $TMPDIR/liborders-TAG-XXXXXX (/tmp without TMPDIR).
 * Asserts on failure.  Free with sqlt_tmpdir_remove. */
char *sqlt_tmpdir_new(const char *tag);
/* Removes every entry of dir (the tests create files only), then dir, and
 * frees the string.  NULL is a no-op.  Returns false if anything stayed. */
bool sqlt_tmpdir_remove(char *dir);
/* a + b, newly allocated (asserts on ENOMEM). */
char *sqlt_concat(const char *a, const char *b);

/* A test's database file: dir = a new temp directory (sqlt_tmpdir_new),
 * path = dir + "/orders.db", uri = "sqlite:" + path. */
typedef struct sqlt_db {
    char *dir;
    char *path;
    char *uri;
} sqlt_db_t;

void sqlt_db_init(sqlt_db_t *db, const char *tag);
/* Removes the directory and frees the strings (a zeroed db is a no-op).
 * Returns false if anything stayed in the directory. */
bool sqlt_db_remove(sqlt_db_t *db);


/* ---- parent side ---- */

/* A pipe whose both ends are close-on-exec (asserts on failure). */
void sqlt_pipe(int fds[2]);
/* Starts this binary again with env ("NAME=VALUE" strings, NULL-terminated)
 * added to the environment, report_fd as SQLT_REPORT_FD and go_fd (or -1) as
 * SQLT_GO_FD.  Returns the pid (asserts that fork worked). */
pid_t sqlt_spawn_self(const char *const *env, int report_fd, int go_fd);
/* Waits up to timeout_ms for pid to end.  true with *status set when it
 * did; false when it is still running. */
bool sqlt_wait(pid_t pid, int *status, int64_t timeout_ms);
/* Writes "exited 0", "killed by signal 9", ... into buf and returns it. */
#define SQLT_STATUS_MAX 64
const char *sqlt_status_str(int status, char buf[SQLT_STATUS_MAX]);

/* Starts a child with SQLT_ROLE=role, SQLT_DB=uri and name=value (an
 * integer), as sqlt_spawn_self does. */
pid_t sqlt_spawn_role(const char *role, const char *uri, const char *name, int value,
                      int report_fd, int go_fd);
/* Kills pid (if > 0) with SIGKILL and reaps it: a teardown after a failed
 * assertion. */
void sqlt_kill_reap(pid_t pid);

/* A new context on uri (asserts that it opened).  Destroy with
 * orders_ctx_destroy. */
orders_ctx_t *sqlt_ctx_open(const char *uri);
/* A new context on db with synchronous=normal (the thread tests are about
 * locking, not fsyncs) holding product "p" of seller "s1" at 1.00 USD with
 * units in stock (asserts that it all worked).  Destroy with
 * orders_ctx_destroy. */
orders_ctx_t *sqlt_ctx_with_product(const sqlt_db_t *db, int64_t units);
/* The stock of product through ctx (asserts that it was read); when
 * prefixes the failure message. */
orders_stock_t sqlt_stock_of(orders_ctx_t *ctx, const char *when, const char *product);

/* The shipping address every order of these tests uses. */
extern const orders_address_t sqlt_address;

/* Reads whole lines from a pipe. */
typedef struct sqlt_lines {
    int fd;
    bool eof;
    size_t len;
    char buf[16384];
} sqlt_lines_t;

void sqlt_lines_init(sqlt_lines_t *r, int fd);
/* Copies the next line (without its newline, truncated to cap) into line.
 * 1: a line; 0: none within timeout_ms; -1: end of file (every writer is
 * gone).  A last line without a newline is returned as a line. */
int sqlt_read_line(sqlt_lines_t *r, char *line, size_t cap, int64_t timeout_ms);

/* ---- a group of children released together ---- */

/* Most children in one group. */
#define SQLT_GROUP_MAX 16

/* n children of one role, each with its own report pipe, sharing one start
 * pipe.  The caller owns the storage (a zeroed or sqlt_group_init'ed
 * struct); every member is the group's, to read, not to change, except
 * that a test may set pid[i] to 0 after it has reaped child i itself. */
typedef struct sqlt_group {
    int n;
    pid_t pid[SQLT_GROUP_MAX];         /* 0: not started, or reaped */
    int report[SQLT_GROUP_MAX];        /* read ends, -1 when closed */
    int go_w;                          /* write end of the start pipe, -1 once closed */
    sqlt_lines_t lines[SQLT_GROUP_MAX]; /* child i's lines, read from report[i] */
} sqlt_group_t;

/* An empty group: no child, every descriptor -1 (a zeroed group is empty
 * too; sqlt_group_start initialises it again). */
void sqlt_group_init(sqlt_group_t *g);
/* Starts n (1..SQLT_GROUP_MAX) children with SQLT_ROLE=role, SQLT_DB=uri
 * and SQLT_PROC=i (sqlt_spawn_role), waits up to ready_timeout_ms for each
 * one's first line, which must start with "READY " (a child that cannot
 * start says why instead: the assertion shows its line), then closes the
 * start pipe, so every child's sqlt_wait_go returns at once.  Asserts on
 * any failure; the children are left for sqlt_group_close. */
void sqlt_group_start(sqlt_group_t *g, int n, const char *role, const char *uri,
                      int64_t ready_timeout_ms);
/* Waits up to timeout_ms for child i to exit (it has closed its pipe), and
 * asserts that it exited with 0; pid[i] is 0 afterwards. */
void sqlt_group_reap(sqlt_group_t *g, int i, int64_t timeout_ms);
/* Kills and reaps every child still there (after a failed assertion),
 * closes every descriptor and leaves an empty group.  A group never
 * started (zeroed, or sqlt_group_init'ed) is a no-op.  For a teardown. */
void sqlt_group_close(sqlt_group_t *g);

/* ---- child side ---- */

/* SQLT_ROLE of a child started by sqlt_spawn_self, or NULL. */
const char *sqlt_child_role(void);
/* Integer environment variable name; fallback when absent or malformed. */
long sqlt_env_long(const char *name, long fallback);
/* Writes one formatted line (a newline is added) to SQLT_REPORT_FD with a
 * single write().  false if it could not. */
bool sqlt_report(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* A child's context on uri; NULL after reporting "F open ..." when it
 * cannot be opened. */
orders_ctx_t *sqlt_child_ctx_open(const char *uri);
/* Blocks until the parent closes the start pipe (EOF on SQLT_GO_FD), at
 * most timeout_ms.  false on timeout or error. */
bool sqlt_wait_go(int64_t timeout_ms);

#endif
