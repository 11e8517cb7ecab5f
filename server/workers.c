/*
 * server/workers.c - the two background threads of orders-server.
 *
 * The sweeper expires reservations whose deadline has passed (every
 * 250 ms, so none is released more than about 0.3 s late), purges expired
 * carts once a minute, and drops finished rate-limit windows.  The
 * dispatcher hands outbox events to the notifier; the library retries
 * failures with backoff and dead-letters them after the configured number
 * of attempts.  Both are library calls: the rules stay in liborders.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "server.h"

#define SWEEP_MS 250
#define PURGE_MS 60000
#define DISPATCH_IDLE_MS 200
#define DISPATCH_BATCH 200

struct srv_workers {
    srv_t *srv;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    pthread_t sweeper, dispatcher;
    bool have_sweeper, have_dispatcher;
};

/* Waits up to ms or until stop; true when it is time to stop. */
static bool pause_ms(struct srv_workers *w, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&w->lock);
    while (!w->stop && pthread_cond_timedwait(&w->wake, &w->lock, &ts) == 0)
        ;
    bool stop = w->stop;
    pthread_mutex_unlock(&w->lock);
    return stop;
}

static void log_failure(const char *what, const orders_error_t *err)
{
    fprintf(stderr, "orders-server: %s: %s\n", what, err->message);
}

static void *sweep(void *arg)
{
    struct srv_workers *w = arg;
    srv_t *s = w->srv;
    int64_t next_purge = 0;
    do {
        int64_t now = orders_ctx_now(s->ctx);
        orders_error_t err;
        if (orders_reservations_expire(s->ctx, now, NULL, &err) != ORDERS_OK)
            log_failure("reservation sweep", &err);
        if (now >= next_purge) {
            if (orders_carts_purge(s->ctx, now, NULL, &err) != ORDERS_OK)
                log_failure("cart purge", &err);
            srv_limiter_purge(s->limit_customer, srv_now_ms());
            srv_limiter_purge(s->limit_admin, srv_now_ms());
            next_purge = now + PURGE_MS;
        }
    } while (!pause_ms(w, SWEEP_MS));
    return NULL;
}

static void *dispatch(void *arg)
{
    struct srv_workers *w = arg;
    srv_t *s = w->srv;
    bool stop = false;
    while (!stop) {
        int64_t delivered = 0, failed = 0;
        orders_error_t err;
        orders_code_t rc =
            orders_outbox_dispatch(s->ctx, DISPATCH_BATCH, &delivered, &failed, &err);
        if (rc != ORDERS_OK)
            log_failure("outbox dispatch", &err);
        /* A full batch means more are waiting: go on at once. */
        stop = delivered + failed >= DISPATCH_BATCH && rc == ORDERS_OK
                   ? pause_ms(w, 0)
                   : pause_ms(w, DISPATCH_IDLE_MS);
    }
    return NULL;
}

struct srv_workers *srv_workers_start(srv_t *s)
{
    struct srv_workers *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->srv = s;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->lock, NULL);
    w->have_sweeper = pthread_create(&w->sweeper, NULL, sweep, w) == 0;
    w->have_dispatcher = pthread_create(&w->dispatcher, NULL, dispatch, w) == 0;
    if (!w->have_sweeper || !w->have_dispatcher) {
        srv_workers_stop(w);
        return NULL;
    }
    return w;
}

void srv_workers_stop(struct srv_workers *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    if (w->have_sweeper)
        pthread_join(w->sweeper, NULL);
    if (w->have_dispatcher) {
        pthread_join(w->dispatcher, NULL);
        /* another server sharing the store delivers at once, not in 30 s */
        orders_error_t err;
        if (orders_outbox_release(w->srv->ctx, &err) != ORDERS_OK)
            log_failure("outbox lease release", &err);
    }
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
