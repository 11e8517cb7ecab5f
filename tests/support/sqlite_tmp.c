/*
 * sqlite_tmp.c - see sqlite_tmp.h.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/sqlite_tmp.h"
#include "support/clock.h"

/* POSIX: the application declares it. */
extern char **environ;

/* Descriptors a child closes before exec: 3 up to this (Criterion's are low). */
#define SQLT_CLOSE_MAX 4096

char *sqlt_concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    cr_assert_not_null(s, "out of memory");
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    return s;
}

const orders_address_t sqlt_address = {
    .address_line1 = "1 Main St",
    .city = "Springfield",
    .state = "IL",
    .country = "US",
    .postal_code = "62701",
};

void sqlt_db_init(sqlt_db_t *db, const char *tag)
{
    db->dir = sqlt_tmpdir_new(tag);
    db->path = sqlt_concat(db->dir, "/orders.db");
    db->uri = sqlt_concat("sqlite:", db->path);
}

bool sqlt_db_remove(sqlt_db_t *db)
{
    bool removed = sqlt_tmpdir_remove(db->dir);
    free(db->path);
    free(db->uri);
    db->dir = db->path = db->uri = NULL;
    return removed;
}

orders_ctx_t *sqlt_ctx_open(const char *uri)
{
    orders_ctx_t *ctx = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_new(NULL, &ctx, &err), ORDERS_OK, "%s", err.message);
    orders_code_t rc = orders_ctx_open_store(ctx, uri, &err);
    cr_assert_eq(rc, ORDERS_OK, "orders_ctx_open_store(%s): %s (%s)", uri, orders_strerror(rc),
                 err.message);
    return ctx;
}

orders_ctx_t *sqlt_ctx_with_product(const sqlt_db_t *db, int64_t units)
{
    char *uri = sqlt_concat(db->uri, "?synchronous=normal");
    orders_ctx_t *ctx = sqlt_ctx_open(uri);
    free(uri);
    orders_error_t err = {0};
    orders_product_t p = {.id = "p", .seller_id = "s1", .name = "Thing",
                          .price = {100, "USD"}, .active = true};
    cr_assert_eq(orders_product_put(ctx, &p, true, NULL, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_stock_set(ctx, "p", units, NULL, &err), ORDERS_OK, "%s", err.message);
    return ctx;
}

orders_stock_t sqlt_stock_of(orders_ctx_t *ctx, const char *when, const char *product)
{
    orders_stock_t st = {0};
    orders_error_t err = {0};
    orders_code_t rc = orders_stock_get(ctx, product, &st, &err);
    cr_assert_eq(rc, ORDERS_OK, "%s: stock of %s: %s (%s)", when, product, orders_strerror(rc),
                 err.message);
    return st;
}

char *sqlt_tmpdir_new(const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    size_t n = strlen(base) + strlen(tag) + 32;
    char *dir = malloc(n);
    cr_assert_not_null(dir, "out of memory");
    snprintf(dir, n, "%s/liborders-%s-XXXXXX", base, tag);
    cr_assert_not_null(mkdtemp(dir), "mkdtemp(%s): %s", dir, strerror(errno));
    return dir;
}

bool sqlt_tmpdir_remove(char *dir)
{
    if (!dir)
        return true;
    bool ok = true;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[PATH_MAX];
            int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (n < 0 || (size_t)n >= sizeof path || unlink(path) != 0)
                ok = false;
        }
        closedir(d);
    }
    if (rmdir(dir) != 0)
        ok = false;
    free(dir);
    return ok;
}

void sqlt_pipe(int fds[2])
{
    cr_assert_eq(pipe(fds), 0, "pipe: %s", strerror(errno));
    for (int i = 0; i < 2; i++)
        cr_assert_eq(fcntl(fds[i], F_SETFD, FD_CLOEXEC), 0, "fcntl: %s", strerror(errno));
}

/* The environment for a child: ours without Criterion's sandbox variable or
 * an older SQLT_ setting, plus env. */
static char **child_environ(const char *const *env)
{
    size_t n = 0, extra = 0;
    while (environ && environ[n])
        n++;
    while (env && env[extra])
        extra++;
    char **out = calloc(n + extra + 1, sizeof *out);
    cr_assert_not_null(out, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "BXFI_", 5) == 0 || strncmp(environ[i], "SQLT_", 5) == 0)
            continue;
        out[k++] = environ[i];
    }
    for (size_t i = 0; i < extra; i++)
        out[k++] = (char *)env[i];
    out[k] = NULL;
    return out;
}

pid_t sqlt_spawn_self(const char *const *env, int report_fd, int go_fd)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    cr_assert(len > 0 && (size_t)len < sizeof exe - 1, "readlink /proc/self/exe: %s",
              strerror(errno));
    exe[len] = '\0';
    char **envp = child_environ(env);
    char *argv[] = {exe, NULL};
    fflush(NULL);

    pid_t pid = fork();
    if (pid == 0) {
        /* Only async-signal-safe calls from here to exec.  Move the two
         * descriptors out of the way first, so that neither lands on the
         * other's target. */
        int r = fcntl(report_fd, F_DUPFD, SQLT_CLOSE_MAX + 1);
        int g = go_fd >= 0 ? fcntl(go_fd, F_DUPFD, SQLT_CLOSE_MAX + 1) : -1;
        if (r < 0 || (go_fd >= 0 && g < 0) || dup2(r, SQLT_REPORT_FD) < 0 ||
            (g >= 0 && dup2(g, SQLT_GO_FD) < 0))
            _exit(126);
        for (int fd = 3; fd <= SQLT_CLOSE_MAX; fd++)
            if (fd != SQLT_REPORT_FD && fd != SQLT_GO_FD)
                close(fd);
        close(r);
        if (g >= 0)
            close(g);
        execve(exe, argv, envp);
        _exit(127);
    }
    int saved = errno;
    free(envp);
    cr_assert(pid > 0, "fork: %s", strerror(saved));
    return pid;
}

pid_t sqlt_spawn_role(const char *role, const char *uri, const char *name, int value,
                      int report_fd, int go_fd)
{
    char *env_role = sqlt_concat("SQLT_ROLE=", role);
    char *env_db = sqlt_concat("SQLT_DB=", uri);
    char env_value[128];
    snprintf(env_value, sizeof env_value, "%s=%d", name, value);
    const char *env[] = {env_role, env_db, env_value, NULL};
    pid_t pid = sqlt_spawn_self(env, report_fd, go_fd);
    free(env_role);
    free(env_db);
    return pid;
}

void sqlt_kill_reap(pid_t pid)
{
    if (pid <= 0)
        return;
    int st;
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

bool sqlt_wait(pid_t pid, int *status, int64_t timeout_ms)
{
    int64_t deadline = test_mono_ms() + timeout_ms;
    for (;;) {
        pid_t got = waitpid(pid, status, WNOHANG);
        if (got == pid)
            return true;
        if (got < 0 && errno != EINTR)
            cr_assert_fail("waitpid(%d): %s", (int)pid, strerror(errno));
        if (test_mono_ms() >= deadline)
            return false;
        test_sleep_ms(2);
    }
}

const char *sqlt_status_str(int status, char buf[SQLT_STATUS_MAX])
{
    if (WIFEXITED(status))
        snprintf(buf, SQLT_STATUS_MAX, "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, SQLT_STATUS_MAX, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, SQLT_STATUS_MAX, "status 0x%x", (unsigned)status);
    return buf;
}

void sqlt_lines_init(sqlt_lines_t *r, int fd)
{
    r->fd = fd;
    r->eof = false;
    r->len = 0;
}

static void take_line(sqlt_lines_t *r, size_t n, size_t skip, char *line, size_t cap)
{
    size_t copy = n < cap - 1 ? n : cap - 1;
    memcpy(line, r->buf, copy);
    line[copy] = '\0';
    memmove(r->buf, r->buf + n + skip, r->len - n - skip);
    r->len -= n + skip;
}

int sqlt_read_line(sqlt_lines_t *r, char *line, size_t cap, int64_t timeout_ms)
{
    int64_t deadline = test_mono_ms() + timeout_ms;
    for (;;) {
        char *nl = memchr(r->buf, '\n', r->len);
        if (nl) {
            take_line(r, (size_t)(nl - r->buf), 1, line, cap);
            return 1;
        }
        if (r->len == sizeof r->buf || (r->eof && r->len > 0)) {
            take_line(r, r->len, 0, line, cap); /* overlong, or last without newline */
            return 1;
        }
        if (r->eof)
            return -1;
        int64_t left = deadline - test_mono_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        int n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return 0;
        ssize_t k = read(r->fd, r->buf + r->len, sizeof r->buf - r->len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            r->eof = true;
        else
            r->len += (size_t)k;
    }
}

void sqlt_group_init(sqlt_group_t *g)
{
    memset(g, 0, sizeof *g);
    for (int i = 0; i < SQLT_GROUP_MAX; i++)
        g->report[i] = -1;
    g->go_w = -1;
}

void sqlt_group_start(sqlt_group_t *g, int n, const char *role, const char *uri,
                      int64_t ready_timeout_ms)
{
    cr_assert(n > 0 && n <= SQLT_GROUP_MAX, "a group of %d children (1 to %d)", n,
              SQLT_GROUP_MAX);
    cr_assert_eq(g->n, 0, "the group of %s children is already started", role);
    sqlt_group_init(g);
    g->n = n; /* from here on sqlt_group_close cleans up, whatever fails */
    int go[2];
    sqlt_pipe(go);
    g->go_w = go[1];
    for (int i = 0; i < n; i++) {
        int rp[2];
        sqlt_pipe(rp);
        g->report[i] = rp[0];
        g->pid[i] = sqlt_spawn_role(role, uri, "SQLT_PROC", i, rp[1], go[0]);
        close(rp[1]);
        sqlt_lines_init(&g->lines[i], rp[0]);
    }
    close(go[0]);
    char line[SQLT_LINE_MAX];
    for (int i = 0; i < n; i++) {
        int got = sqlt_read_line(&g->lines[i], line, sizeof line, ready_timeout_ms);
        cr_assert_eq(got, 1, "%s child %d (pid %d) did not say READY within %lld ms (%s)", role,
                     i, (int)g->pid[i], (long long)ready_timeout_ms,
                     got < 0 ? "it closed its pipe" : "timeout");
        cr_assert(strncmp(line, "READY ", 6) == 0, "%s child %d could not start: %s", role, i,
                  line);
    }
    close(g->go_w); /* every child sees EOF at once */
    g->go_w = -1;
}

void sqlt_group_reap(sqlt_group_t *g, int i, int64_t timeout_ms)
{
    cr_assert(i >= 0 && i < g->n && g->pid[i] > 0, "no child %d to reap", i);
    int st = 0;
    char buf[SQLT_STATUS_MAX];
    cr_assert(sqlt_wait(g->pid[i], &st, timeout_ms),
              "child %d (pid %d) closed its pipe but did not exit within %lld ms", i,
              (int)g->pid[i], (long long)timeout_ms);
    g->pid[i] = 0;
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "child %d %s (a sanitizer report of the child, if any, is above)", i,
              sqlt_status_str(st, buf));
}

void sqlt_group_close(sqlt_group_t *g)
{
    if (g->n <= 0)
        return; /* never started: nothing is open */
    for (int i = 0; i < g->n; i++) {
        sqlt_kill_reap(g->pid[i]); /* only after a failed assertion */
        if (g->report[i] >= 0)
            close(g->report[i]);
    }
    if (g->go_w >= 0)
        close(g->go_w);
    sqlt_group_init(g);
}

const char *sqlt_child_role(void)
{
    return getenv("SQLT_ROLE");
}

long sqlt_env_long(const char *name, long fallback)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return fallback;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end)
        return fallback;
    return v;
}

bool sqlt_report(const char *fmt, ...)
{
    char buf[SQLT_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return false;
    size_t len = (size_t)n < sizeof buf - 2 ? (size_t)n : sizeof buf - 2;
    buf[len++] = '\n';
    for (;;) {
        ssize_t k = write(SQLT_REPORT_FD, buf, len);
        if (k < 0 && errno == EINTR)
            continue;
        return k == (ssize_t)len;
    }
}

orders_ctx_t *sqlt_child_ctx_open(const char *uri)
{
    orders_ctx_t *ctx = NULL;
    orders_error_t err = {0};
    orders_code_t rc = orders_ctx_new(NULL, &ctx, &err);
    if (rc == ORDERS_OK)
        rc = orders_ctx_open_store(ctx, uri, &err);
    if (rc == ORDERS_OK)
        return ctx;
    sqlt_report("F open %d %s: %s", (int)rc, orders_strerror(rc), err.message);
    orders_ctx_destroy(ctx);
    return NULL;
}

bool sqlt_wait_go(int64_t timeout_ms)
{
    int64_t deadline = test_mono_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - test_mono_ms();
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = SQLT_GO_FD, .events = POLLIN};
        int n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        char c;
        ssize_t k = read(SQLT_GO_FD, &c, 1);
        if (k < 0 && errno == EINTR)
            continue;
        return k == 0; /* EOF: the parent closed its end */
    }
}
