/*
 * loadgen.c - orders-loadgen, a small HTTP/1.1 keep-alive load generator
 * for orders-server (bench/http/README.md).
 *
 * Usage: orders-loadgen --port N [--host 127.0.0.1] [--mode get|cart-add|checkout]
 *          [-c CONNECTIONS] [-t THREADS] [-n REQUESTS] [-d SECONDS]
 *          get:      [--path /ping] [-H 'Name: value']...
 *          cart-add: --product ID... [--clear-every K] and tokens
 *          checkout: --product ID... (3 or more) and tokens
 *          tokens:   --tokens FILE (one JWT a line; connection i uses line i mod lines)
 *                    or --mint ORDERS_SERVER_BIN [--jwt-secret S] [--customer-prefix P]
 *
 * Every run is bounded twice: at most REQUESTS requests start, and none
 * starts after SECONDS; a request still unanswered 10 s after that is
 * counted as an I/O error.  The report (lg_stats.c) gives requests,
 * errors by status, req/s and p50/p99/max latency per kind of request.
 * Exit status: 0 when the run completed (whatever the statuses), 1 on a
 * setup failure, 2 on bad usage.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <jansson.h>

#include "loadgen.h"

#define LG_HARD_STOP_NS (10LL * 1000000000)
#define LG_MAX_CONNECTIONS 4096
#define LG_MAX_THREADS 64

typedef struct lg_thread {
    lg_run_t *run;
    lg_conn_t *conns;
    int n_conns;
    int epfd;
    lg_samples_t samples[LG_KINDS];
    int64_t last_ns; /* when its last answer arrived */
    int failed;      /* out of memory or epoll failure */
    pthread_t tid;
} lg_thread_t;

/* ---- one thread's event loop ------------------------------------------------- */

static int watch(lg_thread_t *t, lg_conn_t *c, int op, unsigned events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    return epoll_ctl(t->epfd, op, c->fd, &ev);
}

/* May c start another request now? */
static int budget_left(lg_run_t *run)
{
    if (lg_now_ns() >= run->deadline_ns)
        return 0;
    return atomic_fetch_add(&run->issued, 1) < run->cfg->requests;
}

static void record(lg_thread_t *t, lg_conn_t *c, int status)
{
    int64_t now = lg_now_ns();
    if (lg_samples_add(&t->samples[c->kind], status ? now - c->started_ns : -1, status))
        t->failed = 1;
    c->in_flight = 0;
    t->last_ns = now;
    lg_script_answer(c, status);
}

/* Starts c's next request; 1 when one is in flight, 0 when c is done. */
static int start_request(lg_thread_t *t, lg_conn_t *c)
{
    const lg_config_t *cfg = t->run->cfg;
    while (!c->dead && !t->failed && budget_left(t->run)) {
        if (c->fd < 0) {
            if (lg_conn_open(c, cfg) != 0 || watch(t, c, EPOLL_CTL_ADD, EPOLLIN) != 0) {
                fprintf(stderr, "orders-loadgen: connection %d: cannot connect\n", c->id);
                lg_conn_close(c);
                c->dead = 1;
                return 0;
            }
        }
        if (lg_script_next(c, cfg) != 0) {
            t->failed = 1;
            return 0;
        }
        c->started_ns = lg_now_ns();
        c->in_flight = 1;
        int w = lg_conn_flush(c);
        if (w == 1)
            return 1;
        if (w == 0 && watch(t, c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT) == 0)
            return 1;
        record(t, c, 0);
        lg_conn_close(c);
    }
    return 0;
}

/* Handles readiness of c; 1 while c has a request in flight, else 0. */
static int on_event(lg_thread_t *t, lg_conn_t *c, unsigned events)
{
    if (events & EPOLLOUT) {
        int w = lg_conn_flush(c);
        if (w == 0)
            return 1;
        if (w == 1 && watch(t, c, EPOLL_CTL_MOD, EPOLLIN) == 0)
            return 1;
        record(t, c, 0);
        lg_conn_close(c);
        return start_request(t, c);
    }
    lg_response_t r;
    int got = lg_conn_read(c, &r);
    if (got == 0)
        return 1;
    if (got < 0) {
        record(t, c, 0);
        lg_conn_close(c);
        return start_request(t, c);
    }
    record(t, c, r.status);
    lg_conn_consume(c, &r);
    if (r.close)
        lg_conn_close(c);
    return start_request(t, c);
}

static void *thread_main(void *arg)
{
    lg_thread_t *t = arg;
    int active = 0;
    for (int i = 0; i < t->n_conns; i++)
        active += start_request(t, &t->conns[i]);
    struct epoll_event ev[64];
    while (active > 0 && !t->failed && lg_now_ns() < t->run->hard_stop_ns) {
        int n = epoll_wait(t->epfd, ev, 64, 100);
        if (n < 0 && errno != EINTR) {
            t->failed = 1;
            break;
        }
        for (int i = 0; i < n; i++)
            if (on_event(t, ev[i].data.ptr, ev[i].events) == 0)
                active--;
    }
    /* whatever is still unanswered timed out */
    for (int i = 0; i < t->n_conns; i++)
        if (t->conns[i].in_flight)
            record(t, &t->conns[i], 0);
    return NULL;
}

/* ---- setup ------------------------------------------------------------------------------- */

typedef struct lg_args {
    lg_config_t cfg;
    const char *mode, *tokens_file, *mint_bin, *jwt_secret, *prefix;
    const char *products[256];
    size_t n_products;
} lg_args_t;

static int usage(void)
{
    fprintf(stderr,
            "usage: orders-loadgen --port N [--host ADDR] [--mode get|cart-add|checkout]\n"
            "         [-c CONNECTIONS] [-t THREADS] [-n REQUESTS] [-d SECONDS]\n"
            "         [--path P] [-H 'Name: value']... [--product ID]... [--clear-every K]\n"
            "         [--tokens FILE | --mint ORDERS_SERVER_BIN [--jwt-secret S]]\n"
            "         [--customer-prefix P]\n");
    return 2;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Appends "line\r\n" to cfg->headers. */
static int add_header(lg_config_t *cfg, const char *line)
{
    size_t old = cfg->headers ? strlen(cfg->headers) : 0, add = strlen(line);
    if (add == 0 || strchr(line, '\r') || strchr(line, '\n') || !strchr(line, ':'))
        return -1;
    char *p = realloc(cfg->headers, old + add + 3);
    if (p == NULL)
        return -1;
    memcpy(p + old, line, add);
    memcpy(p + old + add, "\r\n", 3);
    cfg->headers = p;
    return 0;
}

/* One option with its value; -1 when unknown or out of range. */
static int parse_option(lg_args_t *a, const char *opt, const char *val)
{
    lg_config_t *cfg = &a->cfg;
    long long v = 0;
    if (strcmp(opt, "--port") == 0 && parse_int(val, 1, 65535, &v) == 0)
        cfg->port = (int)v;
    else if (strcmp(opt, "--host") == 0)
        cfg->host = val;
    else if (strcmp(opt, "--mode") == 0)
        a->mode = val;
    else if ((!strcmp(opt, "-c") || !strcmp(opt, "--connections")) &&
             parse_int(val, 1, LG_MAX_CONNECTIONS, &v) == 0)
        cfg->connections = (int)v;
    else if ((!strcmp(opt, "-t") || !strcmp(opt, "--threads")) &&
             parse_int(val, 1, LG_MAX_THREADS, &v) == 0)
        cfg->threads = (int)v;
    else if ((!strcmp(opt, "-n") || !strcmp(opt, "--requests")) &&
             parse_int(val, 1, 1000000000LL, &v) == 0)
        cfg->requests = v;
    else if ((!strcmp(opt, "-d") || !strcmp(opt, "--duration")) && parse_int(val, 1, 3600, &v) == 0)
        cfg->duration_s = (double)v;
    else if (strcmp(opt, "--path") == 0 && val[0] == '/')
        cfg->path = val;
    else if (strcmp(opt, "-H") == 0 || strcmp(opt, "--header") == 0)
        return add_header(cfg, val);
    else if (strcmp(opt, "--clear-every") == 0 && parse_int(val, 1, 40, &v) == 0)
        cfg->clear_every = (int)v;
    else if (strcmp(opt, "--product") == 0 && a->n_products < 256 && val[0])
        a->products[a->n_products++] = val;
    else if (strcmp(opt, "--tokens") == 0)
        a->tokens_file = val;
    else if (strcmp(opt, "--mint") == 0)
        a->mint_bin = val;
    else if (strcmp(opt, "--jwt-secret") == 0)
        a->jwt_secret = val;
    else if (strcmp(opt, "--customer-prefix") == 0)
        a->prefix = val;
    else
        return -1;
    return 0;
}

static int parse_mode(const char *s, lg_mode_t *m)
{
    if (strcmp(s, "get") == 0)
        *m = LG_MODE_GET;
    else if (strcmp(s, "cart-add") == 0)
        *m = LG_MODE_CART_ADD;
    else if (strcmp(s, "checkout") == 0)
        *m = LG_MODE_CHECKOUT;
    else
        return -1;
    return 0;
}

static int parse_args(int argc, char **argv, lg_args_t *a)
{
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc || parse_option(a, argv[i], argv[i + 1]) != 0) {
            fprintf(stderr, "orders-loadgen: bad option %s\n", argv[i]);
            return -1;
        }
    }
    if (a->cfg.port == 0 || parse_mode(a->mode, &a->cfg.mode) != 0)
        return -1;
    if (a->cfg.threads > a->cfg.connections)
        a->cfg.threads = a->cfg.connections;
    return 0;
}

/* The JSON bodies of cart-add and checkout, made once with jansson. */
static int build_bodies(lg_args_t *a)
{
    lg_config_t *cfg = &a->cfg;
    cfg->add_bodies = calloc(a->n_products, sizeof *cfg->add_bodies);
    if (cfg->add_bodies == NULL)
        return -1;
    for (size_t i = 0; i < a->n_products; i++) {
        json_t *b = json_pack("{s:s, s:i}", "productId", a->products[i], "quantity", 1);
        cfg->add_bodies[i] = b ? json_dumps(b, JSON_COMPACT) : NULL;
        json_decref(b);
        if (cfg->add_bodies[i] == NULL)
            return -1;
    }
    cfg->n_products = a->n_products;
    json_t *place = json_pack(
        "{s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:s}", "shippingAddress", "addressLine1",
        "1 Bench Street", "city", "Loadville", "state", "LB", "country", "US", "postalCode",
        "10001", "contactName", "Bench Customer", "paymentMethod", "cod", "notes", "orders-loadgen");
    cfg->place_body = place ? json_dumps(place, JSON_COMPACT) : NULL;
    json_decref(place);
    return cfg->place_body ? 0 : -1;
}

/* Tokens and bodies for the customer modes; -1 with a message. */
static int prepare_customers(lg_args_t *a)
{
    lg_config_t *cfg = &a->cfg;
    size_t need = cfg->mode == LG_MODE_CHECKOUT ? 3 : 1;
    if (a->n_products < need) {
        fprintf(stderr, "orders-loadgen: %s needs at least %zu --product\n", a->mode, need);
        return -1;
    }
    if (build_bodies(a) != 0) {
        fprintf(stderr, "orders-loadgen: out of memory\n");
        return -1;
    }
    if (a->tokens_file)
        return lg_tokens_read(a->tokens_file, cfg);
    if (a->mint_bin)
        return lg_tokens_mint(a->mint_bin, a->jwt_secret, a->prefix, cfg);
    fprintf(stderr, "orders-loadgen: %s needs --tokens FILE or --mint BIN\n", a->mode);
    return -1;
}

static void free_config(lg_config_t *cfg)
{
    for (size_t i = 0; i < cfg->n_tokens; i++)
        free(cfg->tokens[i]);
    free(cfg->tokens);
    for (size_t i = 0; cfg->add_bodies && i < cfg->n_products; i++)
        free(cfg->add_bodies[i]);
    free(cfg->add_bodies);
    free(cfg->place_body);
    free(cfg->headers);
}

/* ---- running ------------------------------------------------------------------------------ */

static void init_conns(lg_conn_t *conns, const lg_config_t *cfg)
{
    for (int i = 0; i < cfg->connections; i++) {
        conns[i].fd = -1;
        conns[i].id = i;
        conns[i].token = cfg->n_tokens ? cfg->tokens[(size_t)i % cfg->n_tokens] : NULL;
    }
}

/* Runs the threads and merges their samples into by_kind; -1 on failure. */
static int run_threads(lg_run_t *run, lg_thread_t *th, lg_conn_t *conns, lg_samples_t *by_kind,
                       int64_t *last_ns)
{
    const lg_config_t *cfg = run->cfg;
    int per = cfg->connections / cfg->threads, extra = cfg->connections % cfg->threads, at = 0;
    int started = 0, rc = 0;
    for (int i = 0; i < cfg->threads; i++) {
        th[i].run = run;
        th[i].conns = conns + at;
        th[i].n_conns = per + (i < extra);
        at += th[i].n_conns;
        th[i].epfd = epoll_create1(0);
        if (th[i].epfd < 0 || pthread_create(&th[i].tid, NULL, thread_main, &th[i]) != 0) {
            rc = -1;
            break;
        }
        started++;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(th[i].tid, NULL);
        rc |= th[i].failed ? -1 : 0;
        if (th[i].last_ns > *last_ns)
            *last_ns = th[i].last_ns;
        for (int k = 0; k < LG_KINDS; k++)
            rc |= lg_samples_merge(&by_kind[k], &th[i].samples[k]);
    }
    for (int i = 0; i < cfg->threads; i++) {
        if (th[i].epfd > 0)
            close(th[i].epfd);
        for (int k = 0; k < LG_KINDS; k++)
            lg_samples_free(&th[i].samples[k]);
    }
    return rc;
}

static int run_load(const lg_config_t *cfg)
{
    lg_conn_t *conns = calloc((size_t)cfg->connections, sizeof *conns);
    lg_thread_t *th = calloc((size_t)cfg->threads, sizeof *th);
    lg_samples_t by_kind[LG_KINDS];
    memset(by_kind, 0, sizeof by_kind);
    if (conns == NULL || th == NULL) {
        free(conns);
        free(th);
        return -1;
    }
    init_conns(conns, cfg);
    lg_run_t run = {.cfg = cfg};
    atomic_init(&run.issued, 0);
    int64_t t0 = lg_now_ns(), last = t0;
    run.deadline_ns = t0 + (int64_t)(cfg->duration_s * 1e9);
    run.hard_stop_ns = run.deadline_ns + LG_HARD_STOP_NS;
    int rc = run_threads(&run, th, conns, by_kind, &last);
    int64_t answered = 0;
    for (int k = 0; k < LG_KINDS; k++)
        answered += (int64_t)by_kind[k].n;
    if (rc != 0)
        fprintf(stderr, "orders-loadgen: a load thread failed (memory, epoll or a bad request)\n");
    else if (answered == 0)
        fprintf(stderr, "orders-loadgen: no request was answered\n");
    else
        lg_report(by_kind, last - t0, cfg);
    rc = rc == 0 && answered > 0 ? 0 : -1;
    for (int i = 0; i < cfg->connections; i++) {
        lg_conn_close(&conns[i]);
        free(conns[i].wbuf);
        free(conns[i].rbuf);
    }
    for (int k = 0; k < LG_KINDS; k++)
        lg_samples_free(&by_kind[k]);
    free(conns);
    free(th);
    return rc;
}

int main(int argc, char **argv)
{
    static char prefix[64];
    snprintf(prefix, sizeof prefix, "bench-%ld", (long)getpid());
    lg_args_t a = {.cfg = {.host = "127.0.0.1", .connections = 16, .threads = 2,
                           .requests = 100000, .duration_s = 10, .clear_every = 10,
                           .path = "/ping"},
                   .mode = "get", .prefix = prefix};
    if (parse_args(argc, argv, &a) != 0)
        return usage();
    signal(SIGPIPE, SIG_IGN);
    int rc = 0;
    if (a.cfg.mode != LG_MODE_GET)
        rc = prepare_customers(&a);
    if (rc == 0)
        rc = run_load(&a.cfg);
    free_config(&a.cfg);
    return rc == 0 ? 0 : 1;
}
