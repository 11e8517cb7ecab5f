/*
 * place_run.c - the placement runner of orders-bench (bench.h).
 *
 * For a run, carts of 3 lines are filled first for every customer (not
 * timed); then all threads start together and each places its customers'
 * carts (cash on delivery, so each placement also confirms the order),
 * timing every call.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <orders/orders.h>

#include "bench.h"

#define BENCH_MAX_THREADS 16
/* Customer ids are made once, before the timed phase, so that formatting
 * them is not counted as placement time. */
#define CUST_LEN 32
#define PRODUCTS 64
#define LINES 3

typedef struct run {
    orders_ctx_t *ctx;
    int thread;
    int64_t orders;
    int64_t *lat_ns;       /* one per order */
    char (*cust)[CUST_LEN]; /* one customer id per order */
    int64_t failures;
    pthread_barrier_t *start;
} run_t;

int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

long bench_minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static void die(const char *what, const orders_error_t *err)
{
    fprintf(stderr, "orders-bench: %s: %s\n", what, err->message);
    exit(1);
}


static void customer_id(char *buf, int thread, int64_t i)
{
    snprintf(buf, CUST_LEN, "bench-%d-%lld", thread, (long long)i);
}

static void fill_carts(run_t *r)
{
    orders_error_t err = {0};
    char pid[32];
    uint64_t x = 0x9e3779b97f4a7c15ULL * (uint64_t)(r->thread + 1);
    for (int64_t i = 0; i < r->orders; i++) {
        const char *cust = r->cust[i];
        customer_id(r->cust[i], r->thread, i);
        for (int l = 0; l < LINES; l++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            snprintf(pid, sizeof pid, "p%02d", (int)((x >> 8) % (PRODUCTS / LINES) * LINES + l));
            if (orders_cart_add(r->ctx, cust, pid, 1, ORDERS_ANY_VERSION, NULL, &err))
                die("cart", &err);
        }
    }
}

static void *place_all(void *arg)
{
    run_t *r = arg;
    orders_error_t err = {0};
    orders_address_t addr = {.address_line1 = "1 Bench Rd", .city = "Perf", .state = "CA",
                             .country = "US", .postal_code = "94000"};
    orders_place_request_t req = {.shipping_address = &addr, .payment_method = ORDERS_METHOD_COD};
    pthread_barrier_wait(r->start);
    for (int64_t i = 0; i < r->orders; i++) {
        orders_identity_t who = {.id = r->cust[i], .name = "Bench", .email = "bench@example.com"};
        int64_t t0 = bench_now_ns();
        orders_code_t rc = orders_order_place(r->ctx, &who, &req, NULL, &err);
        r->lat_ns[i] = bench_now_ns() - t0;
        if (rc)
            r->failures++;
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static orders_ctx_t *open_ctx(const char *uri)
{
    orders_error_t err = {0};
    orders_ctx_t *ctx = NULL;
    if (orders_ctx_new(NULL, &ctx, &err) || orders_ctx_open_store(ctx, uri, &err))
        die("open", &err);
    for (int i = 0; i < PRODUCTS; i++) {
        char id[16], seller[16];
        snprintf(id, sizeof id, "p%02d", i);
        snprintf(seller, sizeof seller, "s%d", i % 8);
        orders_product_t p = {.id = id, .seller_id = seller, .name = id,
                              .price = {199 + i, "USD"}, .active = true};
        if (orders_product_put(ctx, &p, false, NULL, &err) ||
            orders_stock_set(ctx, id, 1000000000, NULL, &err))
            die("product", &err);
    }
    return ctx;
}

void bench_summarize(int64_t *lat_ns, int64_t n, int64_t wall_ns, bench_figures_t *f)
{
    int64_t sum = 0;
    for (int64_t i = 0; i < n; i++)
        sum += lat_ns[i];
    qsort(lat_ns, (size_t)n, sizeof *lat_ns, cmp_i64);
    f->count = n;
    f->per_second = (double)n * 1e9 / (double)wall_ns;
    f->p50_us = (double)lat_ns[n / 2] / 1000.0;
    f->p99_us = (double)lat_ns[n * 99 / 100] / 1000.0;
    f->mean_us = (double)sum / (double)n / 1000.0;
    f->max_us = (double)lat_ns[n - 1] / 1000.0;
}

void bench_place(const char *uri, int threads, int64_t per_thread, bench_figures_t *f)
{
    orders_ctx_t *ctx = open_ctx(uri);
    run_t runs[BENCH_MAX_THREADS];
    pthread_t tid[BENCH_MAX_THREADS];
    pthread_barrier_t start;
    if (threads < 1 || threads > BENCH_MAX_THREADS) {
        fprintf(stderr, "orders-bench: 1 to %d threads\n", BENCH_MAX_THREADS);
        exit(2);
    }
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    for (int t = 0; t < threads; t++) {
        runs[t] = (run_t){.ctx = ctx, .thread = t, .orders = per_thread, .start = &start};
        runs[t].lat_ns = calloc((size_t)per_thread, sizeof(int64_t));
        runs[t].cust = calloc((size_t)per_thread, sizeof *runs[t].cust);
        if (runs[t].lat_ns == NULL || runs[t].cust == NULL) {
            fprintf(stderr, "orders-bench: out of memory\n");
            exit(1);
        }
        fill_carts(&runs[t]);
    }
    for (int t = 0; t < threads; t++)
        pthread_create(&tid[t], NULL, place_all, &runs[t]);
    long faults = bench_minor_faults();
    int64_t t0 = bench_now_ns();
    pthread_barrier_wait(&start);
    for (int t = 0; t < threads; t++)
        pthread_join(tid[t], NULL);
    int64_t wall = bench_now_ns() - t0;
    faults = bench_minor_faults() - faults;

    int64_t total = per_thread * threads;
    int64_t *all = malloc((size_t)total * sizeof *all);
    if (all == NULL) {
        fprintf(stderr, "orders-bench: out of memory\n");
        exit(1);
    }
    f->failures = 0;
    for (int t = 0; t < threads; t++) {
        memcpy(all + t * per_thread, runs[t].lat_ns, (size_t)per_thread * sizeof *all);
        f->failures += runs[t].failures;
        free(runs[t].lat_ns);
        free(runs[t].cust);
    }
    bench_summarize(all, total, wall, f);
    f->faults_per_op = (double)faults / (double)total;
    free(all);
    pthread_barrier_destroy(&start);
    orders_ctx_destroy(ctx);
}
