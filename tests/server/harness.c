/*
 * tests/server/harness.c - see harness.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jwt.h>

#include "harness.h"

#ifndef ORDERS_SERVER_BIN
#error "ORDERS_SERVER_BIN must name the orders-server binary"
#endif

static void dump_file(const char *dir, const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[1024];
    fprintf(stderr, "---- %s\n", path);
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fclose(f);
}

/* Reads the child's stdout until the "listening on" line; the port or -1. */
static int wait_ready(int fd, pid_t pid)
{
    char buf[512];
    size_t used = 0;
    for (int waited = 0; waited < 20000;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, 100);
        waited += 100;
        if (n > 0) {
            ssize_t got = read(fd, buf + used, sizeof buf - 1 - used);
            if (got <= 0)
                return -1;
            used += (size_t)got;
            buf[used] = '\0';
            const char *at = strstr(buf, "orders-server listening on ");
            const char *nl = at ? strchr(at, '\n') : NULL;
            if (nl != NULL) {
                const char *colon = memrchr(at, ':', (size_t)(nl - at));
                return colon ? atoi(colon + 1) : -1;
            }
            if (used == sizeof buf - 1)
                return -1;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return -1;
    }
    return -1;
}

/* In the child: options come from the flags only. */
static void flags_only_env(const srvh_t *s)
{
    (void)s;
    unsetenv("ORDERS_CONFIG");
}

/* Forks and execs ORDERS_SERVER_BIN with args (NULL-terminated, without the
 * program name) in s->dir, child_env (may be NULL) preparing the child's
 * environment; waits for the ready line.  With ORDERS_TEST_SERVER_WRAPPER
 * set, execs that program instead, with ORDERS_SERVER_BIN and args as its
 * arguments; it must exec the server in its own process, so that the
 * signals the tests send reach it (scripts/valgrind-test.sh --server-only
 * runs each server under memcheck this way). */
static void spawn(srvh_t *s, const char *const *args, void (*child_env)(const srvh_t *))
{
    const char *wrapper = getenv("ORDERS_TEST_SERVER_WRAPPER");
    const char *argv[64] = {ORDERS_SERVER_BIN};
    size_t argc = 1;
    if (wrapper != NULL && *wrapper != '\0') {
        argv[0] = wrapper;
        argv[argc++] = ORDERS_SERVER_BIN;
    } else {
        wrapper = NULL;
    }
    for (size_t i = 0; args && args[i]; i++) {
        cr_assert_lt(argc, 63, "orders-server: too many arguments");
        argv[argc++] = args[i];
    }
    argv[argc] = NULL;
    int pipefd[2];
    cr_assert_eq(pipe(pipefd), 0);
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        /* A test killed by its timeout must not leave servers behind: the
         * server dies with the thread that started it (tests start servers
         * from their main thread). */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(127);
        char errpath[300];
        snprintf(errpath, sizeof errpath, "%s/stderr.log", s->dir);
        int errfd = open(errpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(pipefd[1], STDOUT_FILENO);
        if (errfd >= 0)
            dup2(errfd, STDERR_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        if (child_env != NULL)
            child_env(s);
        execv(wrapper != NULL ? wrapper : ORDERS_SERVER_BIN, (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    s->pid = pid;
    s->port = wait_ready(pipefd[0], pid);
    close(pipefd[0]);
    if (s->port <= 0) {
        dump_file(s->dir, "stderr.log");
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        s->pid = 0;
        cr_assert_fail("orders-server did not start (%s)", ORDERS_SERVER_BIN);
    }
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
}

void srvh_spawn(srvh_t *s, const char *const *args)
{
    spawn(s, args, NULL);
}

void srvh_start(srvh_t *s, const char *dir_or_null, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    if (dir_or_null != NULL) {
        snprintf(s->dir, sizeof s->dir, "%s", dir_or_null);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(s->dir, sizeof s->dir, "%s/orders-srv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        cr_assert_not_null(mkdtemp(s->dir), "mkdtemp: %s", strerror(errno));
    }
    snprintf(s->db, sizeof s->db, "%s/orders.db", s->dir);
    char store[320], events[300], log[300];
    snprintf(store, sizeof store, "sqlite:%s", s->db);
    snprintf(events, sizeof events, "%s/events.log", s->dir);
    snprintf(log, sizeof log, "%s/requests.log", s->dir);
    const char *args[64] = {
        "--port", "0", "--store", store, "--jwt-secret", SRVH_SECRET,
        "--service-key", SRVH_SERVICE_KEY, "--demo-catalog", "--rate-limit-customer", "0",
        "--rate-limit-admin", "0", "--threads", "16", "--events-log", events, "--log", log,
    };
    size_t argc = 19;
    for (size_t i = 0; extra && extra[i] && argc < 63; i++)
        args[argc++] = extra[i];
    args[argc] = NULL;
    spawn(s, args, flags_only_env);
}

void srvh_remove_dir(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "harness: could not remove %s\n", dir);
}

int srvh_stop(srvh_t *s, bool keep_dir)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    int status = 0;
    pid_t got;
    for (int i = 0; i < 300; i++) {       /* 30 s */
        got = waitpid(s->pid, &status, WNOHANG);
        if (got == s->pid)
            break;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    if (got != s->pid) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
        status = 0x7f00;
    }
    s->pid = 0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0)
        dump_file(s->dir, "stderr.log");
    if (!keep_dir)
        srvh_remove_dir(s->dir);
    return code;
}

typedef struct buf {
    char *data;
    size_t len;
} buf_t;

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    buf_t *b = ud;
    size_t add = size * n;
    char *d = realloc(b->data, b->len + add + 1);
    if (d == NULL)
        return 0;
    memcpy(d + b->len, p, add);
    b->len += add;
    d[b->len] = '\0';
    b->data = d;
    return add;
}

long srvh_call(srvh_t *s, const char *method, const char *path, const char *const *headers,
               const char *body, srvh_resp_t *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    cr_assert_not_null(c);
    char url[2048];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    buf_t b = {0}, h = {0};
    struct curl_slist *list = NULL;
    bool has_type = false;
    for (size_t i = 0; headers && headers[i]; i++) {
        list = curl_slist_append(list, headers[i]);
        if (strncasecmp(headers[i], "Content-Type:", 13) == 0)
            has_type = true;
    }
    if (body != NULL && !has_type)
        list = curl_slist_append(list, "Content-Type: application/json");
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(list);
    cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_cleanup(c);
    out->body = b.data ? b.data : strdup("");
    out->len = b.len;
    out->headers = h.data ? h.data : strdup("");
    out->json = json_loadb(out->body, out->len, 0, NULL);
    return out->status;
}

long srvh_customer(srvh_t *s, const char *token, const char *method, const char *path,
                   const char *body, srvh_resp_t *out)
{
    char auth[8300];
    const char *hdrs[2] = {NULL, NULL};
    if (token != NULL) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hdrs[0] = auth;
    }
    return srvh_call(s, method, path, hdrs, body, out);
}

long srvh_admin(srvh_t *s, const char *method, const char *path, const char *body,
                srvh_resp_t *out)
{
    const char *hdrs[] = {"X-Service-Key: " SRVH_SERVICE_KEY, NULL};
    return srvh_call(s, method, path, hdrs, body, out);
}

void srvh_resp_clear(srvh_resp_t *r)
{
    free(r->body);
    free(r->headers);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

bool srvh_header(const srvh_resp_t *r, const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    for (const char *p = r->headers; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        size_t linelen = eol ? (size_t)(eol - p) : strlen(p);
        if (linelen > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            snprintf(buf, len, "%.*s", (int)(linelen - (size_t)(v - p)), v);
            return true;
        }
        p = eol ? eol + 2 : p + linelen;
    }
    return false;
}

json_t *srvh_data(const srvh_resp_t *r)
{
    json_t *d = r->json ? json_object_get(r->json, "data") : NULL;
    cr_assert_not_null(d, "no data in: %s", r->body ? r->body : "(null)");
    return d;
}

const char *srvh_message(const srvh_resp_t *r)
{
    const char *m = r->json ? json_string_value(json_object_get(r->json, "message")) : NULL;
    return m ? m : "";
}

char *srvh_token_ex(const char *customer, const char *alg, const unsigned char *key,
                    size_t key_len, long exp_offset, long nbf_offset)
{
    jwt_t *j = NULL;
    cr_assert_eq(jwt_new(&j), 0);
    long now = (long)time(NULL);
    char name[200], email[200];
    snprintf(name, sizeof name, "Test %s", customer);
    snprintf(email, sizeof email, "%s@example.com", customer);
    cr_assert_eq(jwt_add_grant(j, "id", customer), 0);
    jwt_add_grant(j, "name", name);
    jwt_add_grant(j, "email", email);
    jwt_add_grant_int(j, "iat", now);
    if (exp_offset != 0)
        jwt_add_grant_int(j, "exp", now + exp_offset);
    if (nbf_offset != 0)
        jwt_add_grant_int(j, "nbf", now + nbf_offset);
    jwt_alg_t a = jwt_str_alg(alg);
    cr_assert_eq(jwt_set_alg(j, a, a == JWT_ALG_NONE ? NULL : key,
                             a == JWT_ALG_NONE ? 0 : (int)key_len),
                 0, "jwt_set_alg %s", alg);
    char *t = jwt_encode_str(j);
    jwt_free(j);
    cr_assert_not_null(t);
    return t;
}

char *srvh_token(const char *customer)
{
    return srvh_token_ex(customer, "HS256", (const unsigned char *)SRVH_SECRET,
                         strlen(SRVH_SECRET), 3600, 0);
}

char *srvh_place(srvh_t *s, const char *token, const char *product, int quantity,
                 const char *payment_method)
{
    char body[512];
    srvh_resp_t r;
    snprintf(body, sizeof body, "{\"productId\":\"%s\",\"quantity\":%d}", product, quantity);
    cr_assert_eq(srvh_customer(s, token, "POST", "/api/v1/cart/add", body, &r), 200, "add: %s",
                 r.body);
    srvh_resp_clear(&r);
    snprintf(body, sizeof body,
             "{\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":\"Springfield\","
             "\"state\":\"IL\",\"country\":\"US\",\"postalCode\":\"62701\"},"
             "\"paymentMethod\":\"%s\"}",
             payment_method ? payment_method : "cod");
    cr_assert_eq(srvh_customer(s, token, "POST", "/api/v1/orders/place", body, &r), 201,
                 "place: %s", r.body);
    const char *id = json_string_value(json_object_get(srvh_data(&r), "id"));
    cr_assert_not_null(id);
    char *copy = strdup(id);
    srvh_resp_clear(&r);
    return copy;
}

/* ---- srvh_start_argv -------------------------------------------------------------------- */

/* In the child: drops every ORDERS_* variable but the test plumbing
 * (ORDERS_TEST_*, which the server never reads: e.g. the valgrind
 * wrapper's log directory), then sets the plumbing. */
static void plumbing_env(const srvh_t *s)
{
    char names[32][64];
    size_t n = 0;
    for (char **e = environ; e != NULL && *e != NULL && n < 32; e++) {
        const char *eq = strchr(*e, '=');
        size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
        if (strncmp(*e, "ORDERS_", 7) == 0 && strncmp(*e, "ORDERS_TEST_", 12) != 0 &&
            len < sizeof names[0]) {
            memcpy(names[n], *e, len);
            names[n++][len] = '\0';
        }
    }
    for (size_t i = 0; i < n; i++)
        unsetenv(names[i]);
    char store[320], events[300], log[300];
    snprintf(store, sizeof store, "sqlite:%s", s->db);
    snprintf(events, sizeof events, "%s/events.log", s->dir);
    snprintf(log, sizeof log, "%s/requests.log", s->dir);
    setenv("ORDERS_PORT", "0", 1);
    setenv("ORDERS_STORE", store, 1);
    setenv("ORDERS_EVENTS_LOG", events, 1);
    setenv("ORDERS_LOG", log, 1);
}

void srvh_start_argv(srvh_t *s, const char *const *full_args)
{
    memset(s, 0, sizeof *s);
    const char *tmp = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/orders-srv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(s->dir), "mkdtemp: %s", strerror(errno));
    snprintf(s->db, sizeof s->db, "%s/orders.db", s->dir);
    spawn(s, full_args, plumbing_env);
}

char *srvh_run(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "%s", cmd);
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    cr_assert_not_null(mem);
    char buf[512];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, p)) > 0)
        fwrite(buf, 1, got, mem);
    fclose(mem);
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return out;
}

/* ---- requests from worker threads ----------------------------------------------------- */

static size_t append_body(char *p, size_t size, size_t n, void *ud)
{
    char **acc = ud;
    size_t old = *acc ? strlen(*acc) : 0, add = size * n;
    char *d = realloc(*acc, old + add + 1);
    if (d == NULL)
        return 0;
    memcpy(d + old, p, add);
    d[old + add] = '\0';
    *acc = d;
    return add;
}

long srvh_post_from_thread(void *curl, const char *base, const char *token, const char *path,
                           const char *json, long timeout_s, char **body)
{
    return srvh_post_from_thread_h(curl, base, token, path, NULL, json, timeout_s, body);
}

long srvh_post_from_thread_h(void *curl, const char *base, const char *token, const char *path,
                             const char *header, const char *json, long timeout_s, char **body)
{
    CURL *c = curl;
    char url[256], auth[8300];
    snprintf(url, sizeof url, "%s%s", base, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    if (header != NULL)
        h = curl_slist_append(h, header);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    *body = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    long status = -1;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return status;
}

void *srvh_buy(void *arg)
{
    srvh_buyer_t *b = arg;
    CURL *c = curl_easy_init();
    char *body = NULL;
    if (c != NULL)
        b->add_status = srvh_post_from_thread(c, b->add_base, b->token, "/api/v1/cart/add",
                                              b->add_json, b->timeout_s, &body);
    free(body);
    pthread_barrier_wait(b->gate);
    if (c == NULL)
        return NULL;
    b->place_status = srvh_post_from_thread(c, b->place_base, b->token, "/api/v1/orders/place",
                                            b->place_json, b->timeout_s, &body);
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    json_t *data = json_object_get(j, "data");
    const char *id = json_string_value(json_object_get(data, "id"));
    const char *number = json_string_value(json_object_get(data, "orderNumber"));
    const char *msg = json_string_value(json_object_get(j, "message"));
    snprintf(b->order_id, sizeof b->order_id, "%s", id ? id : "");
    snprintf(b->order_number, sizeof b->order_number, "%s", number ? number : "");
    snprintf(b->message, sizeof b->message, "%s", msg ? msg : (body ? body : "(no answer)"));
    json_decref(j);
    free(body);
    curl_easy_cleanup(c);
    return NULL;
}
