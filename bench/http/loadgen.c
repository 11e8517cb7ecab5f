/*
 * loadgen.c - orders-loadgen, a small HTTP/1.1 keep-alive load generator
 * for orders-server (bench/http/README.md).
 *
 * Usage: orders-loadgen --port N [--host 127.0.0.1] [--mode get|cart-add|checkout|place]
 *          [-c CONNECTIONS] [-t THREADS] [-n REQUESTS] [-d SECONDS]
 *          get:      [--path /ping] [-H 'Name: value']...
 *          cart-add: --product ID... [--clear-every K] and tokens
 *          checkout: --product ID... (3 or more) and tokens
 *          place:    --product ID... (3 or more) [--rounds K] [--phase all|fill|place]
 *                    and tokens (CONNECTIONS x K of them)
 *          tokens:   --tokens FILE (one JWT a line; connection i uses line i mod lines;
 *                    in place mode its round r uses line i*K + r)
 *                    or --mint ORDERS_SERVER_BIN [--jwt-secret S] [--customer-prefix P]
 *
 * place mode runs two phases on the same connections: an untimed fill
 * (each connection's K customers add 3 products each), then the timed
 * placements (each connection places its K carts one after the other).
 * --phase fill or --phase place runs only one of them, so that something
 * else (run.sh's raw SQLite commit rate) can run in between.
 *
 * Every timed run is bounded twice: at most REQUESTS requests start, and
 * none starts after SECONDS; a request still unanswered 10 s after that is
 * counted as an I/O error (the untimed fill phase has 600 s and exactly
 * its requests).  The report (lg_stats.c) gives requests, errors by
 * status, req/s and p50/p99/max latency per kind of request.
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

#include "loadgen.h"

#define LG_HARD_STOP_NS (10LL * 1000000000)
#define LG_FILL_MAX_S 600 /* the untimed fill phase's own bound */

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
    lg_script_answer(c, t->run->cfg, status);
}

/* Starts c's next request; 1 when one is in flight, 0 when c is done. */
static int start_request(lg_thread_t *t, lg_conn_t *c)
{
    const lg_config_t *cfg = t->run->cfg;
    while (!c->dead && !t->failed && !lg_script_done(c, cfg) && budget_left(t->run)) {
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
    /* connections kept open from an earlier phase join this epoll set */
    for (int i = 0; i < t->n_conns; i++)
        if (t->conns[i].fd >= 0 && watch(t, &t->conns[i], EPOLL_CTL_ADD, EPOLLIN) != 0)
            lg_conn_close(&t->conns[i]);
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

/* Runs one phase of cfg on conns (their state kept from any earlier
 * phase) and merges its samples into by_kind; *wall_ns is from its start
 * to its last answer; -1 on failure, with a message. */
static int run_phase(const lg_config_t *cfg, lg_conn_t *conns, lg_samples_t *by_kind,
                     int64_t *wall_ns)
{
    lg_thread_t *th = calloc((size_t)cfg->threads, sizeof *th);
    if (th == NULL)
        return -1;
    lg_run_t run = {.cfg = cfg};
    atomic_init(&run.issued, 0);
    int64_t t0 = lg_now_ns(), last = t0;
    run.deadline_ns = t0 + (int64_t)(cfg->duration_s * 1e9);
    run.hard_stop_ns = run.deadline_ns + LG_HARD_STOP_NS;
    int rc = run_threads(&run, th, conns, by_kind, &last);
    free(th);
    *wall_ns = last - t0;
    int64_t answered = 0;
    for (int k = 0; k < LG_KINDS; k++)
        answered += (int64_t)by_kind[k].n;
    if (rc != 0)
        fprintf(stderr, "orders-loadgen: a load thread failed (memory, epoll or a bad request)\n");
    else if (answered == 0)
        fprintf(stderr, "orders-loadgen: no request was answered\n");
    return rc == 0 && answered > 0 ? 0 : -1;
}

/* place mode's untimed phase: cfg's customers fill their carts on conns. */
static int run_fill(const lg_config_t *cfg, lg_conn_t *conns)
{
    lg_config_t fill = *cfg;
    fill.mode = LG_MODE_FILL;
    fill.requests = (int64_t)cfg->connections * cfg->rounds * LG_FILL_ADDS;
    fill.duration_s = LG_FILL_MAX_S;
    lg_samples_t by_kind[LG_KINDS];
    memset(by_kind, 0, sizeof by_kind);
    int64_t wall = 0;
    int rc = run_phase(&fill, conns, by_kind, &wall);
    if (rc == 0)
        lg_report_fill(&by_kind[LG_CART_ADD], wall, cfg);
    for (int k = 0; k < LG_KINDS; k++)
        lg_samples_free(&by_kind[k]);
    return rc;
}

/* The timed run of cfg on conns, and its report. */
static int run_timed(const lg_config_t *cfg, lg_conn_t *conns)
{
    lg_samples_t by_kind[LG_KINDS];
    memset(by_kind, 0, sizeof by_kind);
    for (int i = 0; i < cfg->connections; i++)
        lg_script_reset(&conns[i]);
    int64_t wall = 0;
    int rc = run_phase(cfg, conns, by_kind, &wall);
    if (rc == 0)
        lg_report(by_kind, wall, cfg);
    for (int k = 0; k < LG_KINDS; k++)
        lg_samples_free(&by_kind[k]);
    return rc;
}

/* place mode fills first (untimed) unless told --phase place; only the
 * placements are timed, and --phase fill times nothing. */
static int run_load(const lg_args_t *a)
{
    const lg_config_t *cfg = &a->cfg;
    lg_conn_t *conns = calloc((size_t)cfg->connections, sizeof *conns);
    if (conns == NULL)
        return -1;
    init_conns(conns, cfg);
    int rc = 0;
    if (cfg->mode == LG_MODE_PLACE && a->phase != LG_PHASE_PLACE)
        rc = run_fill(cfg, conns);
    if (rc == 0 && !(cfg->mode == LG_MODE_PLACE && a->phase == LG_PHASE_FILL))
        rc = run_timed(cfg, conns);
    for (int i = 0; i < cfg->connections; i++) {
        lg_conn_close(&conns[i]);
        free(conns[i].wbuf);
        free(conns[i].rbuf);
    }
    free(conns);
    return rc;
}

int main(int argc, char **argv)
{
    static char prefix[64];
    snprintf(prefix, sizeof prefix, "bench-%ld", (long)getpid());
    lg_args_t a = {.cfg = {.host = "127.0.0.1", .connections = 16, .threads = 2,
                           .requests = 100000, .duration_s = 10, .clear_every = 10,
                           .rounds = 8, .path = "/ping"},
                   .mode = "get", .phase_name = "all", .prefix = prefix};
    if (lg_args_parse(argc, argv, &a) != 0)
        return lg_usage();
    signal(SIGPIPE, SIG_IGN);
    int rc = 0;
    if (a.cfg.mode != LG_MODE_GET)
        rc = lg_args_prepare(&a);
    if (rc == 0)
        rc = run_load(&a);
    lg_config_free(&a.cfg);
    return rc == 0 ? 0 : 1;
}
