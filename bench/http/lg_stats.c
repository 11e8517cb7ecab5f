/*
 * lg_stats.c - orders-loadgen's samples and report (loadgen.h).
 *
 * The report has one line per kind of request, in a form that
 * bench/http/run.sh reads with sed:
 *   place      requests=N ok=N errors=N rps=X p50_ms=X p99_ms=X max_ms=X [201=N 422=N]
 *   placement  placed=N placed_per_s=X       (place mode; checkout: "checkout")
 *   fill       customers=N adds=N ok=N errors=N rps=X wall_s=X [200=N]
 * rps is that kind's answered requests over the wall time of the whole
 * run (the kinds interleave); in place mode the run is the timed phase
 * only, and the untimed fill phase has its own line.  placed counts 201s.
 * errors counts non-2xx answers and I/O errors ("io").  Latency covers
 * every answered request of the kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

const char *lg_kind_name(lg_kind_t k)
{
    static const char *const names[LG_KINDS] = {
        [LG_GET] = "get", [LG_CART_ADD] = "cart-add", [LG_CART_CLEAR] = "cart-clear",
        [LG_PLACE] = "place"};
    return k < LG_KINDS ? names[k] : "?";
}

static int reserve(lg_samples_t *s, size_t extra)
{
    if (s->cap - s->n >= extra)
        return 0;
    size_t cap = s->cap ? s->cap : 4096;
    while (cap - s->n < extra)
        cap *= 2;
    int64_t *p = realloc(s->lat_ns, cap * sizeof *p);
    if (p == NULL)
        return -1;
    s->lat_ns = p;
    s->cap = cap;
    return 0;
}

int lg_samples_add(lg_samples_t *s, int64_t lat_ns, int status)
{
    if (status < 0 || status >= LG_MAX_STATUS)
        status = 0;
    s->status[status]++;
    if (lat_ns < 0)
        return 0;
    if (reserve(s, 1))
        return -1;
    s->lat_ns[s->n++] = lat_ns;
    return 0;
}

int lg_samples_merge(lg_samples_t *into, lg_samples_t *from)
{
    if (from->n > 0 && reserve(into, from->n))
        return -1;
    if (from->n > 0)
        memcpy(into->lat_ns + into->n, from->lat_ns, from->n * sizeof *from->lat_ns);
    into->n += from->n;
    for (int i = 0; i < LG_MAX_STATUS; i++)
        into->status[i] += from->status[i];
    return 0;
}

void lg_samples_free(lg_samples_t *s)
{
    free(s->lat_ns);
    memset(s, 0, sizeof *s);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of sorted lat, in ms. */
static double quantile_ms(const int64_t *lat, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return (double)lat[i < n ? i : n - 1] / 1e6;
}

/* Requests answered or failed (I/O errors have no latency sample). */
static int64_t count_all(const lg_samples_t *s)
{
    int64_t all = 0;
    for (int i = 0; i < LG_MAX_STATUS; i++)
        all += s->status[i];
    return all;
}

static int64_t count_ok(const lg_samples_t *s)
{
    int64_t ok = 0;
    for (int i = 200; i < 300; i++)
        ok += s->status[i];
    return ok;
}

static void print_statuses(const lg_samples_t *s)
{
    int printed = 0;
    for (int i = 0; i < LG_MAX_STATUS; i++) {
        if (s->status[i] == 0)
            continue;
        printf("%s", printed++ ? " " : " [");
        if (i == 0)
            printf("io=%lld", (long long)s->status[i]);
        else
            printf("%d=%lld", i, (long long)s->status[i]);
    }
    if (printed)
        printf("]");
}

static void print_kind(lg_kind_t k, lg_samples_t *s, double wall_s)
{
    qsort(s->lat_ns, s->n, sizeof *s->lat_ns, cmp_i64);
    int64_t all = count_all(s), ok = count_ok(s);
    printf("%-10s requests=%lld ok=%lld errors=%lld rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f",
           lg_kind_name(k), (long long)all, (long long)ok, (long long)(all - ok),
           (double)all / wall_s, quantile_ms(s->lat_ns, s->n, 0.50),
           quantile_ms(s->lat_ns, s->n, 0.99), quantile_ms(s->lat_ns, s->n, 1.0));
    print_statuses(s);
    printf("\n");
}

void lg_report(lg_samples_t *by_kind, int64_t wall_ns, const lg_config_t *cfg)
{
    double wall_s = wall_ns > 0 ? (double)wall_ns / 1e9 : 1e-9;
    int64_t total = 0, ok = 0;
    for (int k = 0; k < LG_KINDS; k++) {
        if (count_all(&by_kind[k]) == 0)
            continue;
        print_kind((lg_kind_t)k, &by_kind[k], wall_s);
        total += count_all(&by_kind[k]);
        ok += count_ok(&by_kind[k]);
    }
    printf("%-10s requests=%lld ok=%lld errors=%lld rps=%.1f wall_s=%.3f connections=%d threads=%d\n",
           "total", (long long)total, (long long)ok, (long long)(total - ok), (double)total / wall_s,
           wall_s, cfg->connections, cfg->threads);
    if (cfg->mode == LG_MODE_CHECKOUT || cfg->mode == LG_MODE_PLACE) {
        int64_t placed = by_kind[LG_PLACE].status[201];
        printf("%-10s placed=%lld placed_per_s=%.1f\n",
               cfg->mode == LG_MODE_CHECKOUT ? "checkout" : "placement", (long long)placed,
               (double)placed / wall_s);
    }
    fflush(stdout);
}

void lg_report_fill(const lg_samples_t *adds, int64_t wall_ns, const lg_config_t *cfg)
{
    double wall_s = wall_ns > 0 ? (double)wall_ns / 1e9 : 1e-9;
    int64_t all = count_all(adds), ok = count_ok(adds);
    printf("%-10s customers=%lld adds=%lld ok=%lld errors=%lld rps=%.1f wall_s=%.3f", "fill",
           (long long)cfg->connections * cfg->rounds, (long long)all, (long long)ok,
           (long long)(all - ok), (double)all / wall_s, wall_s);
    print_statuses(adds);
    printf("\n");
    fflush(stdout);
}
