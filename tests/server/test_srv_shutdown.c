/*
 * tests/server/test_srv_shutdown.c - SIGTERM drains: every request either
 * gets its whole answer or is refused, nothing half-written passes for an
 * answer, and the server exits 0 within 5 s; idle and half-sent
 * connections do not hold it up; what was written survives a restart.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "harness.h"

#define THREADS 8

static srvh_t srv;

static void down(void)
{
    if (srv.pid > 0)
        cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
    else if (srv.dir[0] != '\0')
        srvh_remove_dir(srv.dir);
}

TestSuite(srv_shutdown, .fini = down);

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* SIGTERM, then waits up to 10 s.  The exit code (-1: still running, then
 * killed); *took the seconds it needed.  The folder stays (srv.dir). */
static int term_and_wait(srvh_t *s, double *took)
{
    double t0 = mono_s();
    cr_assert_eq(kill(s->pid, SIGTERM), 0);
    int status = 0, code = -1;
    while (mono_s() - t0 < 10.0) {
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        sleep_ms(10);
    }
    *took = mono_s() - t0;
    if (code == -1) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
    return code;
}

/* ---- 1. SIGTERM under keep-alive load ----------------------------------------------- */

typedef struct worker {
    pthread_t thread;
    char customer[32];
    char *token;
    atomic_bool *stop;
    atomic_bool *termed;
    /* results */
    long ok, ok_after_term, refused, dropped;
    CURLcode last;
    char bad[512];                 /* the first unacceptable outcome */
} worker_t;

typedef struct sink {
    char *data;
    size_t len;
} sink_t;

static size_t to_sink(char *p, size_t size, size_t n, void *ud)
{
    sink_t *b = ud;
    char *d = realloc(b->data, b->len + size * n + 1);
    if (d == NULL)
        return 0;
    memcpy(d + b->len, p, size * n);
    b->len += size * n;
    d[b->len] = '\0';
    b->data = d;
    return size * n;
}

/* A complete success: 200 and the whole JSON envelope of this customer's cart. */
static bool whole_cart(const worker_t *w, long status, const sink_t *b)
{
    if (status != 200 || b->data == NULL)
        return false;
    json_t *j = json_loadb(b->data, b->len, 0, NULL);
    json_t *d = json_object_get(j, "data");
    const char *who = json_string_value(json_object_get(d, "customerId"));
    bool good = json_is_true(json_object_get(j, "success")) && who != NULL &&
                strcmp(who, w->customer) == 0 && json_is_array(json_object_get(d, "items"));
    json_decref(j);
    return good;
}

/* One request's outcome: counted, or described in w->bad. */
static void judge(worker_t *w, CURL *c, CURLcode rc, const sink_t *b)
{
    long status = 0, header_bytes = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c, CURLINFO_HEADER_SIZE, &header_bytes);
    w->last = rc;
    if (rc == CURLE_OK && whole_cart(w, status, b)) {
        w->ok++;
        if (atomic_load(w->termed))
            w->ok_after_term++;
        return;
    }
    bool no_answer = header_bytes == 0 && b->len == 0;
    if (rc == CURLE_COULDNT_CONNECT && no_answer) {
        w->refused++;
        return;
    }
    /* A keep-alive connection closed before an answer began: the request was
     * never taken, which a client must retry anyway. */
    if ((rc == CURLE_GOT_NOTHING || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR) &&
        no_answer) {
        w->dropped++;
        return;
    }
    if (w->bad[0] == '\0')
        snprintf(w->bad, sizeof w->bad, "%s: curl %d (%s), status %ld, %ld header bytes, body %zu: %.200s",
                 w->customer, (int)rc, curl_easy_strerror(rc), status, header_bytes, b->len,
                 b->data ? b->data : "");
}

static void *hammer(void *arg)
{
    worker_t *w = arg;
    CURL *c = curl_easy_init();
    if (c == NULL) {
        snprintf(w->bad, sizeof w->bad, "curl_easy_init failed");
        return NULL;
    }
    char url[128], auth[1024];
    snprintf(url, sizeof url, "%s/api/v1/cart", srv.base);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", w->token);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    sink_t b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    double t0 = mono_s();
    while (!atomic_load(w->stop) && mono_s() - t0 < 20.0) {
        b.len = 0;
        CURLcode rc = curl_easy_perform(c);
        judge(w, c, rc, &b);
        if (rc == CURLE_COULDNT_CONNECT)
            break;                 /* the server is gone */
    }
    free(b.data);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

Test(srv_shutdown, sigterm_under_keepalive_load_answers_wholly_or_refuses)
{
    srvh_start(&srv, NULL, NULL);
    cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    atomic_bool stop, termed;
    atomic_init(&stop, false);
    atomic_init(&termed, false);
    worker_t w[THREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < THREADS; i++) {
        snprintf(w[i].customer, sizeof w[i].customer, "drain-%d", i);
        w[i].token = srvh_token(w[i].customer);
        w[i].stop = &stop;
        w[i].termed = &termed;
        cr_assert_eq(pthread_create(&w[i].thread, NULL, hammer, &w[i]), 0);
    }
    sleep_ms(300);
    long before = 0;
    for (int i = 0; i < THREADS; i++)
        before += w[i].ok;         /* a racy read, only to see the load was on */
    atomic_store(&termed, true);
    double took = 0;
    int code = term_and_wait(&srv, &took);
    sleep_ms(100);                 /* let every thread meet the closed port */
    atomic_store(&stop, true);
    long ok = 0, after = 0, refused = 0, dropped = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(w[i].thread, NULL);
        cr_expect_eq(w[i].bad[0], '\0', "%s", w[i].bad);
        cr_expect_eq(w[i].last, CURLE_COULDNT_CONNECT,
                     "%s kept going until the server refused connections (last: %s)",
                     w[i].customer, curl_easy_strerror(w[i].last));
        ok += w[i].ok;
        after += w[i].ok_after_term;
        refused += w[i].refused;
        dropped += w[i].dropped;
        free(w[i].token);
    }
    cr_log_info("shutdown: %ld answers (%ld after SIGTERM), %ld dropped unanswered, "
                "%ld refused; exit %d after %.2f s",
                ok, after, dropped, refused, code, took);
    cr_expect_gt(before, THREADS, "the load was on before SIGTERM (%ld answers)", before);
    cr_expect_eq(code, 0, "exit status after SIGTERM");
    cr_expect_lt(took, 5.0, "the server took %.2f s to stop", took);
    curl_global_cleanup();
}

/* ---- 2. idle and half-sent connections ------------------------------------------------ */

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

Test(srv_shutdown, idle_and_half_sent_connections_do_not_hold_it_up)
{
    srvh_start(&srv, NULL, NULL);
    char *tok = srvh_token("idle-buyer");
    /* a keep-alive connection that answered once and then stays idle */
    int idle = connect_to(srv.port);
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/cart HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Bearer %s\r\n\r\n", tok);
    cr_assert_eq(write(idle, req, (size_t)n), n);
    char answer[4096];
    ssize_t got = read(idle, answer, sizeof answer - 1);
    cr_assert_gt(got, 0);
    answer[got] = '\0';
    cr_assert(strncmp(answer, "HTTP/1.1 200", 12) == 0, "%s", answer);
    /* a connection that never sends a byte, and one stuck mid-headers */
    int silent = connect_to(srv.port);
    int half = connect_to(srv.port);
    const char *partial = "GET /api/v1/cart HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthor";
    cr_assert_eq(write(half, partial, strlen(partial)), (ssize_t)strlen(partial));
    sleep_ms(200);

    double took = 0;
    int code = term_and_wait(&srv, &took);
    cr_expect_eq(code, 0, "exit status after SIGTERM");
    cr_expect_lt(took, 5.0, "idle connections held the server for %.2f s", took);
    close(idle);
    close(silent);
    close(half);
    free(tok);
}

/* ---- 3. a request whose body is still arriving ---------------------------------------- */

/* Reads until the peer closes or a whole answer (headers + Content-Length) is in. */
static size_t read_answer(int fd, char *buf, size_t cap)
{
    size_t used = 0;
    for (;;) {
        ssize_t n = read(fd, buf + used, cap - 1 - used);
        if (n <= 0)
            break;
        used += (size_t)n;
        buf[used] = '\0';
        const char *end = strstr(buf, "\r\n\r\n");
        const char *cl = strcasestr(buf, "Content-Length:");
        if (end != NULL && cl != NULL && used >= (size_t)(end + 4 - buf) + strtoul(cl + 15, NULL, 10))
            break;
        if (used == cap - 1)
            break;
    }
    buf[used] = '\0';
    return used;
}

Test(srv_shutdown, a_request_in_flight_at_sigterm_is_answered_and_kept)
{
    srvh_start(&srv, NULL, NULL);
    char *tok = srvh_token("slow-buyer");
    const char *body = "{\"productId\":\"prod-mug\",\"quantity\":2}";
    size_t half = strlen(body) / 2;
    char head[2048];
    int n = snprintf(head, sizeof head,
                     "POST /api/v1/cart/add HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%.*s",
                     tok, strlen(body), (int)half, body);
    int fd = connect_to(srv.port);
    cr_assert_eq(write(fd, head, (size_t)n), n);
    sleep_ms(300);                 /* the handler is now reading the body */
    cr_assert_eq(kill(srv.pid, SIGTERM), 0);
    sleep_ms(300);
    ssize_t rest = (ssize_t)(strlen(body) - half);
    cr_expect_eq(write(fd, body + half, (size_t)rest), rest);
    char answer[8192];
    read_answer(fd, answer, sizeof answer);
    close(fd);
    cr_expect(strncmp(answer, "HTTP/1.1 200", 12) == 0,
              "the request in flight at SIGTERM must be answered: %.300s", answer);
    int status = 0;
    cr_assert_eq(waitpid(srv.pid, &status, 0), srv.pid);
    srv.pid = 0;
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d", status);

    char dir[256];
    snprintf(dir, sizeof dir, "%s", srv.dir);
    srvh_start(&srv, dir, NULL);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "GET", "/api/v1/cart", NULL, &r), 200, "%s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(srvh_data(&r), "totalItems")), 2,
                 "the drained request's effect was kept: %s", r.body);
    srvh_resp_clear(&r);
    free(tok);
}

/* ---- 4. a restart on the same file --------------------------------------------------- */

static json_t *get_data(srvh_t *s, const char *token, const char *path)
{
    srvh_resp_t r;
    if (token != NULL)
        cr_assert_eq(srvh_customer(s, token, "GET", path, NULL, &r), 200, "%s: %s", path, r.body);
    else
        cr_assert_eq(srvh_admin(s, "GET", path, NULL, &r), 200, "%s: %s", path, r.body);
    json_t *d = json_incref(srvh_data(&r));
    srvh_resp_clear(&r);
    return d;
}

static const char *str_of(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    cr_assert_not_null(v, "no %s", key);
    return v;
}

Test(srv_shutdown, orders_and_stock_survive_a_restart)
{
    srvh_start(&srv, NULL, NULL);
    char *tok = srvh_token("restart-buyer");
    char *id = srvh_place(&srv, tok, "prod-mug", 3, "cod");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    json_t *order = get_data(&srv, tok, path);
    json_t *stock = get_data(&srv, NULL, "/api/v1/inventory/stock/prod-mug");
    cr_expect_lt(json_integer_value(json_object_get(stock, "available")), 100,
                 "placing 3 mugs took them from the 100 available");

    char dir[256];
    snprintf(dir, sizeof dir, "%s", srv.dir);   /* srvh_start clears srv */
    cr_assert_eq(srvh_stop(&srv, true), 0, "first run must exit cleanly");
    srvh_start(&srv, dir, NULL);

    json_t *order2 = get_data(&srv, tok, path);
    cr_expect_str_eq(str_of(order2, "id"), id);
    cr_expect_str_eq(str_of(order2, "orderNumber"), str_of(order, "orderNumber"));
    cr_expect_str_eq(str_of(order2, "status"), str_of(order, "status"));
    char *o1 = json_dumps(order, JSON_COMPACT | JSON_SORT_KEYS);
    char *o2 = json_dumps(order2, JSON_COMPACT | JSON_SORT_KEYS);
    cr_expect_str_eq(o2, o1, "the order reads back the same after the restart");
    free(o1);
    free(o2);
    json_t *stock2 = get_data(&srv, NULL, "/api/v1/inventory/stock/prod-mug");
    char *s1 = json_dumps(stock, JSON_COMPACT | JSON_SORT_KEYS);
    char *s2 = json_dumps(stock2, JSON_COMPACT | JSON_SORT_KEYS);
    cr_expect_str_eq(s2, s1, "the demo catalog reset the stock on restart");
    /* order numbers stay unique across the restart */
    char *id2 = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    snprintf(path, sizeof path, "/api/v1/orders/%s", id2);
    json_t *order3 = get_data(&srv, tok, path);
    cr_expect_str_neq(str_of(order3, "orderNumber"), str_of(order, "orderNumber"));
    cr_expect_str_neq(id2, id);

    free(s1);
    free(s2);
    json_decref(order);
    json_decref(order2);
    json_decref(order3);
    json_decref(stock);
    json_decref(stock2);
    free(id);
    free(id2);
    free(tok);
}
