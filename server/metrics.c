/*
 * server/metrics.c - request counters and latency histograms per route and
 * status, and their Prometheus text (exposition format 0.0.4) with the
 * library's operational gauges.
 *
 * Hot path: up to every worker thread observes at once, so there is no
 * lock.  Each route (plus one slot for "no route") has a few status slots;
 * a request's status claims a free slot with one compare-and-swap the
 * first time it is seen, and statuses beyond the slots share an "other"
 * slot.  An observation is then two relaxed atomic adds: its latency
 * bucket and the latency sum.  The request count is the sum of the
 * buckets, so a scrape always sees _count, the +Inf bucket and
 * orders_http_requests_total agree.
 *
 * Unmatched requests (404, 405) go to route "(none)" with method "(none)":
 * their method is whatever text the client sent, which must not become a
 * label value.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define NBOUNDS 12                 /* finite buckets; one more counts the rest */
#define STATUS_SLOTS 8             /* distinct statuses per route before "other" */

static const int64_t bound_us[NBOUNDS] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
};
static const char *const bound_text[NBOUNDS] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",   "0.25",   "0.5",   "1",    "2.5",
};

/* One (route, status) series.  status 0: slot still free. */
typedef struct series {
    atomic_int status;
    atomic_uint_fast64_t bucket[NBOUNDS + 1]; /* per bucket, not cumulative */
    atomic_uint_fast64_t sum_us;
} series_t;

typedef struct route_series {
    series_t slot[STATUS_SLOTS];
    series_t other;                /* statuses that found every slot taken */
} route_series_t;

struct srv_metrics {
    const srv_router_t *rt;
    size_t nroutes;                /* router's routes + 1 for "no route" */
    route_series_t *routes;
    int64_t started_us;            /* srv_mono_us at creation */
};

srv_metrics_t *srv_metrics_new(const srv_router_t *rt)
{
    srv_metrics_t *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->rt = rt;
    m->nroutes = srv_router_count(rt) + 1;
    m->routes = calloc(m->nroutes, sizeof *m->routes);
    if (m->routes == NULL) {
        free(m);
        return NULL;
    }
    m->started_us = srv_mono_us();
    return m;
}

void srv_metrics_free(srv_metrics_t *m)
{
    if (m == NULL)
        return;
    free(m->routes);
    free(m);
}

/* The series of status in rs: its slot, a free slot claimed for it, or
 * "other". */
static series_t *series_for(route_series_t *rs, int status)
{
    for (size_t i = 0; i < STATUS_SLOTS; i++) {
        series_t *s = &rs->slot[i];
        int seen = atomic_load_explicit(&s->status, memory_order_relaxed);
        if (seen == 0 &&
            atomic_compare_exchange_strong_explicit(&s->status, &seen, status,
                                                    memory_order_relaxed, memory_order_relaxed))
            return s;
        if (seen == status)        /* ours already, or claimed for it meanwhile */
            return s;
    }
    return &rs->other;
}

static size_t bucket_of(int64_t micros)
{
    size_t i = 0;
    while (i < NBOUNDS && micros > bound_us[i])
        i++;
    return i;
}

void srv_metrics_observe(srv_metrics_t *m, size_t route, int status, int64_t micros)
{
    if (m == NULL)
        return;
    if (route >= m->nroutes)
        route = m->nroutes - 1;
    if (status <= 0)
        status = 500;
    if (micros < 0)
        micros = 0;
    series_t *s = series_for(&m->routes[route], status);
    atomic_fetch_add_explicit(&s->bucket[bucket_of(micros)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, (uint_fast64_t)micros, memory_order_relaxed);
}

/* ---- rendering ------------------------------------------------------------------------ */

/* A series as read once for a scrape. */
typedef struct snap {
    const char *route;
    const char *method;
    char status[8];                /* "200" or "other" */
    uint64_t bucket[NBOUNDS + 1];
    uint64_t count;
    uint64_t sum_us;
} snap_t;

typedef struct text {
    char *p;
    size_t len, cap;
    bool failed;
} text_t;

static void put(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(text_t *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap * 2 + (size_t)n + 1;
        char *p = realloc(t->p, cap);
        if (p == NULL) {
            t->failed = true;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
}

/* A label value with \, " and newline escaped, as the format requires. */
static void put_escaped(text_t *t, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\\')
            put(t, "\\\\");
        else if (*v == '"')
            put(t, "\\\"");
        else if (*v == '\n')
            put(t, "\\n");
        else
            put(t, "%c", *v);
    }
}

static void put_labels(text_t *t, const snap_t *s)
{
    put(t, "route=\"");
    put_escaped(t, s->route);
    put(t, "\",method=\"");
    put_escaped(t, s->method);
    put(t, "\",status=\"");
    put_escaped(t, s->status);
    put(t, "\"");
}

/* Reads s into out; false when the series has no observation yet. */
static bool take(const series_t *s, snap_t *out)
{
    out->count = 0;
    for (size_t i = 0; i <= NBOUNDS; i++) {
        out->bucket[i] = atomic_load_explicit(&s->bucket[i], memory_order_relaxed);
        out->count += out->bucket[i];
    }
    out->sum_us = atomic_load_explicit(&s->sum_us, memory_order_relaxed);
    return out->count > 0;
}

/* Every series with at least one observation, into a new array. */
static snap_t *snapshot(const srv_metrics_t *m, size_t *n)
{
    size_t per_route = STATUS_SLOTS + 1;
    snap_t *v = calloc(m->nroutes * per_route, sizeof *v);
    *n = 0;
    if (v == NULL)
        return NULL;
    for (size_t r = 0; r < m->nroutes; r++) {
        const srv_route_t *route = srv_router_at(m->rt, r);
        const route_series_t *rs = &m->routes[r];
        for (size_t i = 0; i <= STATUS_SLOTS; i++) {
            const series_t *s = i < STATUS_SLOTS ? &rs->slot[i] : &rs->other;
            snap_t *out = &v[*n];
            /* the status first: a slot's status is set once, before any count */
            int status = atomic_load_explicit(&s->status, memory_order_relaxed);
            if ((i < STATUS_SLOTS && status == 0) || !take(s, out))
                continue;
            out->route = route ? route->pattern : "(none)";
            out->method = route ? route->method : "(none)";
            if (i < STATUS_SLOTS)
                snprintf(out->status, sizeof out->status, "%d", status);
            else
                snprintf(out->status, sizeof out->status, "other");
            (*n)++;
        }
    }
    return v;
}

static void put_requests(text_t *t, const snap_t *v, size_t n)
{
    put(t, "# HELP orders_http_requests_total HTTP requests answered, by route pattern, "
           "method and status.\n"
           "# TYPE orders_http_requests_total counter\n");
    for (size_t i = 0; i < n; i++) {
        put(t, "orders_http_requests_total{");
        put_labels(t, &v[i]);
        put(t, "} %llu\n", (unsigned long long)v[i].count);
    }
}

static void put_durations(text_t *t, const snap_t *v, size_t n)
{
    static const char name[] = "orders_http_request_duration_seconds";
    put(t, "# HELP %s Time from request to answer in the server, by route pattern, method "
           "and status.\n# TYPE %s histogram\n",
        name, name);
    for (size_t i = 0; i < n; i++) {
        uint64_t cumulative = 0;
        for (size_t b = 0; b <= NBOUNDS; b++) {
            cumulative += v[i].bucket[b];
            put(t, "%s_bucket{", name);
            put_labels(t, &v[i]);
            put(t, ",le=\"%s\"} %llu\n", b < NBOUNDS ? bound_text[b] : "+Inf",
                (unsigned long long)cumulative);
        }
        put(t, "%s_sum{", name);
        put_labels(t, &v[i]);
        put(t, "} %llu.%06llu\n", (unsigned long long)(v[i].sum_us / 1000000),
            (unsigned long long)(v[i].sum_us % 1000000));
        put(t, "%s_count{", name);
        put_labels(t, &v[i]);
        put(t, "} %llu\n", (unsigned long long)v[i].count);
    }
}

static void put_metric(text_t *t, const char *name, const char *type, const char *help,
                       long long value)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name, value);
}

/* The library's operational counts; orders_store_up says whether they
 * could be read (when not, they are left out rather than shown as 0). */
static void put_ops(text_t *t, orders_ctx_t *ctx)
{
    orders_ops_counts_t c;
    orders_error_t err;
    bool up = orders_ops_counts(ctx, &c, &err) == ORDERS_OK;
    put_metric(t, "orders_store_up", "gauge", "1 when the store answered this scrape, else 0.",
               up ? 1 : 0);
    if (!up)
        return;
    put_metric(t, "orders_reservations_active", "gauge", "Stock reservations currently held.",
               (long long)c.reservations_active);
    put_metric(t, "orders_reservations_expired_total", "counter",
               "Reservations released because they ran out.",
               (long long)c.reservations_expired);
    put_metric(t, "orders_reservation_conflicts_total", "counter",
               "Reservations lost to a concurrent buyer.", (long long)c.reservation_conflicts);
    put_metric(t, "orders_outbox_pending", "gauge", "Events waiting for delivery.",
               (long long)c.outbox_pending);
    put_metric(t, "orders_outbox_dead", "gauge", "Events given up on (dead letters).",
               (long long)c.outbox_dead);
}

static void put_uptime(text_t *t, const srv_metrics_t *m)
{
    int64_t us = srv_mono_us() - m->started_us;
    put(t, "# HELP orders_uptime_seconds Seconds since the server started.\n"
           "# TYPE orders_uptime_seconds gauge\n"
           "orders_uptime_seconds %lld.%03lld\n",
        (long long)(us / 1000000), (long long)(us % 1000000 / 1000));
}

char *srv_metrics_render(srv_metrics_t *m, orders_ctx_t *ctx)
{
    size_t n = 0;
    snap_t *v = snapshot(m, &n);
    if (v == NULL)
        return NULL;
    text_t t = {.cap = 16384};
    t.p = malloc(t.cap);
    t.failed = t.p == NULL;
    put_requests(&t, v, n);
    put_durations(&t, v, n);
    free(v);
    put_ops(&t, ctx);
    put_uptime(&t, m);
    if (t.failed) {
        free(t.p);
        return NULL;
    }
    return t.p;
}
