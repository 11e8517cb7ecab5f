/*
 * server/deps.c - the dependencies that GET /health reports: the HTTP
 * services orders-server was started with (products, customers,
 * notifications, payment gateway), each asked through the probe function
 * of its liborders backend.
 *
 * A check probes every dependency at once, one thread each, so /health
 * takes as long as the slowest answer (bounded by that backend's timeout),
 * not their sum.  Its result is kept for SRV_DEPS_FRESH_MS: a balancer
 * that polls /health every second from several places costs the services
 * one probe per interval, not one per poll.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

typedef struct dep {
    srv_probe_fn probe;
    void *ud;
    srv_dep_state_t state;
} dep_t;

struct srv_deps {
    pthread_mutex_t lock;          /* held for a whole check */
    dep_t dep[SRV_DEPS_MAX];
    size_t count;
    int64_t checked_ms;            /* 0: never */
};

srv_deps_t *srv_deps_new(void)
{
    srv_deps_t *d = calloc(1, sizeof *d);
    if (d != NULL)
        pthread_mutex_init(&d->lock, NULL);
    return d;
}

void srv_deps_free(srv_deps_t *d)
{
    if (d == NULL)
        return;
    pthread_mutex_destroy(&d->lock);
    free(d);
}

void srv_deps_add(srv_t *s, const char *name, srv_probe_fn probe, void *ud)
{
    srv_deps_t *d = s->deps;
    if (d == NULL || d->count >= SRV_DEPS_MAX)
        return;
    d->dep[d->count++] = (dep_t){.probe = probe, .ud = ud, .state = {.name = name}};
}

static void *probe_one(void *arg)
{
    dep_t *p = arg;
    orders_error_t err = {0};
    int64_t us = 0;
    p->state.up = p->probe(p->ud, &us, &err) == ORDERS_OK;
    p->state.latency_us = us;
    snprintf(p->state.error, sizeof p->state.error, "%s", p->state.up ? "" : err.message);
    return NULL;
}

/* Probes every dependency, in parallel when threads can be had. */
static void probe_all(srv_deps_t *d)
{
    pthread_t t[SRV_DEPS_MAX];
    bool started[SRV_DEPS_MAX] = {false};
    for (size_t i = 0; i < d->count; i++)
        started[i] = pthread_create(&t[i], NULL, probe_one, &d->dep[i]) == 0;
    for (size_t i = 0; i < d->count; i++) {
        if (started[i])
            pthread_join(t[i], NULL);
        else
            probe_one(&d->dep[i]);
    }
}

size_t srv_deps_check(srv_deps_t *d, srv_dep_state_t *out)
{
    if (d == NULL)
        return 0;
    pthread_mutex_lock(&d->lock);
    int64_t now = srv_mono_us() / 1000;
    if (d->count > 0 && (d->checked_ms == 0 || now - d->checked_ms >= SRV_DEPS_FRESH_MS)) {
        probe_all(d);
        d->checked_ms = srv_mono_us() / 1000;
        if (d->checked_ms == 0)
            d->checked_ms = 1;
    }
    for (size_t i = 0; i < d->count; i++)
        out[i] = d->dep[i].state;
    size_t n = d->count;
    pthread_mutex_unlock(&d->lock);
    return n;
}
