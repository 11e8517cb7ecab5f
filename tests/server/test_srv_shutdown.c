/*
 * tests/server/test_srv_shutdown.c - SIGTERM drains: every request either
 * gets its whole answer or is refused, nothing half-written passes for an
 * answer, a write that took effect is answered, a request still sending its
 * body at SIGTERM is finished, and the server exits 0 within 5 s; idle and
 * half-sent connections do not hold it up; a body cut short is not run as
 * a shorter one; what was written survives a restart.
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
#include "support/clock.h"

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

/* SIGTERM, then waits up to 10 s (scaled: support/clock.h).  The exit code
 * (-1: still running, then killed); *took the seconds it needed.  The
 * folder stays (srv.dir). */
static int term_and_wait(srvh_t *s, double *took)
{
    double t0 = mono_s();
    cr_assert_eq(kill(s->pid, SIGTERM), 0);
    int status = 0, code = -1;
    const double limit = (double)test_scaled_ms(10000) / 1000.0;
    while (mono_s() - t0 < limit) {
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        test_sleep_ms(10);
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

/*
 * THREADS threads, each with one reused curl handle (keep-alive), send
 * requests in a loop until the server refuses connections.  Outcomes:
 *   answered  200 with the whole JSON envelope (a truncated answer is an
 *             error for curl, and an unparsable one fails the test);
 *   refused   connect refused, or a whole 503 error envelope;
 *   dropped   the connection closed before one byte of an answer (a client
 *             cannot tell this from a refusal: the reads test shows these
 *             are few, the writes test that they had no effect);
 * anything else (a partial answer, another status, a timeout) fails.
 * In the writes variant each request sets the quantity of one cart line to
 * the next number; after a restart the cart must hold the last answered
 * number: a request that took effect was answered.
 */
typedef struct worker {
    pthread_t thread;
    char customer[32];
    char *token;
    bool writes;                   /* PUT /cart/update instead of GET /cart */
    atomic_bool *stop;
    atomic_long ok;
    /* read after join */
    long refused, dropped, acked;  /* acked: the last answered quantity */
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

static long line_quantity(json_t *cart, const char *product)
{
    json_t *it;
    size_t i;
    json_array_foreach(json_object_get(cart, "items"), i, it)
        if (strcmp(json_string_value(json_object_get(it, "productId")), product) == 0)
            return (long)json_integer_value(json_object_get(it, "quantity"));
    return -1;
}

/* A whole envelope: 200 with this customer's cart (holding quantity, when
 * given), or 503 with an error.  The status, or 0 when it is neither. */
static long whole_envelope(const worker_t *w, long status, const sink_t *b, long quantity)
{
    json_t *j = b->data ? json_loadb(b->data, b->len, 0, NULL) : NULL;
    json_t *d = json_object_get(j, "data");
    const char *who = json_string_value(json_object_get(d, "customerId"));
    long good = 0;
    if (status == 200 && json_is_true(json_object_get(j, "success")) && who != NULL &&
        strcmp(who, w->customer) == 0 && json_is_array(json_object_get(d, "items")) &&
        (quantity < 0 || line_quantity(d, "prod-notebook") == quantity))
        good = 200;
    else if (status == 503 && json_is_false(json_object_get(j, "success")))
        good = 503;
    json_decref(j);
    return good;
}

/* One request's outcome: counted, or described in w->bad. */
static void judge(worker_t *w, CURL *c, CURLcode rc, const sink_t *b, long quantity)
{
    long status = 0, header_bytes = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c, CURLINFO_HEADER_SIZE, &header_bytes);
    w->last = rc;
    long whole = rc == CURLE_OK ? whole_envelope(w, status, b, quantity) : 0;
    bool no_answer = header_bytes == 0 && b->len == 0;
    if (whole == 200) {
        atomic_fetch_add(&w->ok, 1);
        w->acked = quantity;
    } else if (whole == 503 || (rc == CURLE_COULDNT_CONNECT && no_answer)) {
        w->refused++;
    } else if ((rc == CURLE_GOT_NOTHING || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR) &&
               no_answer) {
        w->dropped++;
    } else if (w->bad[0] == '\0') {
        snprintf(w->bad, sizeof w->bad,
                 "%s: curl %d (%s), status %ld, %ld header bytes, body %zu: %.200s", w->customer,
                 (int)rc, curl_easy_strerror(rc), status, header_bytes, b->len,
                 b->data ? b->data : "");
    }
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
    snprintf(url, sizeof url, "%s/api/v1/cart%s", srv.base, w->writes ? "/update" : "");
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", w->token);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    sink_t b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    if (w->writes)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
    double t0 = mono_s();
    for (long k = 0; !atomic_load(w->stop) && mono_s() - t0 < 20.0; k++) {
        long quantity = -1;
        if (w->writes) {
            quantity = 2 + k % 150;          /* never the 1 it starts with */
            json_t *j = json_pack("{s:s, s:i}", "productId", "prod-notebook", "quantity",
                                  (int)quantity);
            char *body = json_dumps(j, JSON_COMPACT);
            json_decref(j);
            curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);   /* copied: NULL is no body */
            free(body);
        }
        b.len = 0;
        CURLcode rc = curl_easy_perform(c);
        judge(w, c, rc, &b, quantity);
        if (rc == CURLE_COULDNT_CONNECT)
            break;                 /* the server is gone */
    }
    free(b.data);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* Runs the workers, SIGTERMs the server after 300 ms, checks the outcomes. */
static void run_load(worker_t *w, bool writes)
{
    cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    atomic_bool stop;
    atomic_init(&stop, false);
    for (int i = 0; i < THREADS; i++) {
        snprintf(w[i].customer, sizeof w[i].customer, "drain-%d", i);
        w[i].token = srvh_token(w[i].customer);
        w[i].writes = writes;
        w[i].stop = &stop;
        atomic_init(&w[i].ok, 0);
        w[i].acked = 1;
        if (writes) {              /* the line the workers update */
            srvh_resp_t r;
            cr_assert_eq(srvh_customer(&srv, w[i].token, "POST", "/api/v1/cart/add",
                                       "{\"productId\":\"prod-notebook\",\"quantity\":1}", &r),
                         200, "%s", r.body);
            srvh_resp_clear(&r);
        }
    }
    for (int i = 0; i < THREADS; i++)
        cr_assert_eq(pthread_create(&w[i].thread, NULL, hammer, &w[i]), 0);
    test_sleep_ms(test_scaled_ms(300));
    long before = 0;
    for (int i = 0; i < THREADS; i++)
        before += atomic_load(&w[i].ok);
    double took = 0;
    int code = term_and_wait(&srv, &took);
    test_sleep_ms(test_scaled_ms(100)); /* let every thread meet the closed port */
    atomic_store(&stop, true);
    long ok = 0, refused = 0, dropped = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(w[i].thread, NULL);
        cr_expect_eq(w[i].bad[0], '\0', "%s", w[i].bad);
        cr_expect_eq(w[i].last, CURLE_COULDNT_CONNECT,
                     "%s kept going until the server refused connections (last: %s)",
                     w[i].customer, curl_easy_strerror(w[i].last));
        ok += atomic_load(&w[i].ok);
        refused += w[i].refused;
        dropped += w[i].dropped;
    }
    cr_log_info("shutdown (%s): %ld answered (%ld before SIGTERM), %ld refused, %ld dropped; "
                "exit %d after %.2f s",
                writes ? "writes" : "reads", ok, before, refused, dropped, code, took);
    cr_expect_gt(before, THREADS, "the load was on before SIGTERM (%ld answers)", before);
    cr_expect_eq(code, 0, "exit status after SIGTERM");
    cr_expect_lt(took, (double)test_scaled_ms(5000) / 1000.0, "the server took %.2f s to stop", took);
    curl_global_cleanup();
}

Test(srv_shutdown, sigterm_under_keepalive_reads_answers_wholly_or_refuses)
{
    srvh_start(&srv, NULL, NULL);
    worker_t w[THREADS];
    memset(w, 0, sizeof w);
    run_load(w, false);
    for (int i = 0; i < THREADS; i++)
        free(w[i].token);
}

Test(srv_shutdown, sigterm_under_writes_loses_no_answer_of_a_write_that_took_effect)
{
    srvh_start(&srv, NULL, NULL);
    worker_t w[THREADS];
    memset(w, 0, sizeof w);
    run_load(w, true);
    char dir[256];
    snprintf(dir, sizeof dir, "%s", srv.dir);   /* srvh_start clears srv */
    srvh_start(&srv, dir, NULL);
    for (int i = 0; i < THREADS; i++) {
        srvh_resp_t r;
        cr_assert_eq(srvh_customer(&srv, w[i].token, "GET", "/api/v1/cart", NULL, &r), 200);
        long held = line_quantity(srvh_data(&r), "prod-notebook");
        cr_expect_eq(held, w[i].acked,
                     "%s: the cart holds %ld but the last answered update set %ld: a write "
                     "took effect and its answer was lost", w[i].customer, held, w[i].acked);
        srvh_resp_clear(&r);
        free(w[i].token);
    }
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
    test_sleep_ms(test_scaled_ms(200));

    double took = 0;
    int code = term_and_wait(&srv, &took);
    cr_expect_eq(code, 0, "exit status after SIGTERM");
    cr_expect_lt(took, (double)test_scaled_ms(5000) / 1000.0, "idle connections held the server for %.2f s", took);
    cr_log_info("shutdown with idle connections: %.2f s", took);
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
    test_sleep_ms(test_scaled_ms(300)); /* the handler is now reading the body */
    cr_assert_eq(kill(srv.pid, SIGTERM), 0);
    test_sleep_ms(test_scaled_ms(300));
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

/* A body that never fully arrives (the client went away) is no request:
 * PUT /orders/:id/cancel with Content-Length 40 and no body must not run
 * as an empty {} and cancel the order. */
Test(srv_shutdown, a_body_cut_short_is_not_read_as_a_shorter_one)
{
    srvh_start(&srv, NULL, NULL);
    char *tok = srvh_token("cut-buyer");
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    static const char *const cuts[] = {"", "{\"reason\":\"chan"};
    for (size_t i = 0; i < 2; i++) {
        char req[2048];
        int n = snprintf(req, sizeof req,
                         "PUT /api/v1/orders/%s/cancel HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                         "Content-Length: 40\r\n\r\n%s", id, tok, cuts[i]);
        int fd = connect_to(srv.port);
        cr_assert_eq(write(fd, req, (size_t)n), n);
        shutdown(fd, SHUT_WR);     /* the rest of the body never comes */
        char answer[8192];
        read_answer(fd, answer, sizeof answer);
        close(fd);
        cr_expect(strncmp(answer, "HTTP/1.1 200", 12) != 0, "cut %zu: %.300s", i, answer);
    }
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "GET", path, NULL, &r), 200, "%s", r.body);
    cr_expect_str_neq(json_string_value(json_object_get(srvh_data(&r), "status")), "cancelled",
                      "a cancel whose body never arrived ran: %s", r.body);
    srvh_resp_clear(&r);
    free(id);
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
