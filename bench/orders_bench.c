/*
 * orders-bench - in-process placement throughput and latency.
 *
 * For each thread count, carts of 3 lines are filled first for every
 * customer (not timed); then all threads start together and each places
 * its customers' carts (cash on delivery, so each placement also confirms
 * the order).  Reported: orders/s over the wall time of the timed phase,
 * and p50/p99 of single placement latency in microseconds.
 *
 * Each configuration runs twice: "cold", the first run in the process, whose
 * stored records land on memory the kernel has not handed out yet (every
 * new page costs a page fault), and "warm", on memory the previous runs
 * freed, as in a long-running server.  The allocator is told to keep freed
 * memory (glibc mallopt) so that the warm runs measure the library, not the
 * kernel.
 *
 * Usage: orders-bench [--quick] [--orders N] [--store URI]
 */
#include <pthread.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <orders/orders.h>

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

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Minor page faults of the process so far. */
static long minor_faults(void)
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
        int64_t t0 = now_ns();
        orders_code_t rc = orders_order_place(r->ctx, &who, &req, NULL, &err);
        r->lat_ns[i] = now_ns() - t0;
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

static void bench(const char *uri, const char *heap, int threads, int64_t per_thread)
{
    orders_ctx_t *ctx = open_ctx(uri);
    run_t runs[16];
    pthread_t tid[16];
    pthread_barrier_t start;
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
    long faults = minor_faults();
    int64_t t0 = now_ns();
    pthread_barrier_wait(&start);
    for (int t = 0; t < threads; t++)
        pthread_join(tid[t], NULL);
    int64_t wall = now_ns() - t0;
    faults = minor_faults() - faults;

    int64_t total = per_thread * threads, failures = 0;
    int64_t *all = malloc((size_t)total * sizeof *all);
    for (int t = 0; t < threads; t++) {
        memcpy(all + t * per_thread, runs[t].lat_ns, (size_t)per_thread * sizeof *all);
        failures += runs[t].failures;
        free(runs[t].lat_ns);
        free(runs[t].cust);
    }
    int64_t sum = 0;
    for (int64_t i = 0; i < total; i++)
        sum += all[i];
    qsort(all, (size_t)total, sizeof *all, cmp_i64);
    printf("store=%-8s heap=%s threads=%d orders=%lld  %.0f orders/s  p50=%.2f us  p99=%.2f us  "
           "mean=%.2f us  max=%.0f us  faults/order=%.2f  failures=%lld\n",
           uri, heap, threads, (long long)total, (double)total * 1e9 / (double)wall,
           (double)all[total / 2] / 1000.0, (double)all[total * 99 / 100] / 1000.0,
           (double)sum / (double)total / 1000.0, (double)all[total - 1] / 1000.0, (double)faults / (double)total,
           (long long)failures);
    free(all);
    pthread_barrier_destroy(&start);
    orders_ctx_destroy(ctx);
    if (failures)
        exit(1);
}

int main(int argc, char **argv)
{
    int64_t orders = 200000;
    const char *stores[4] = {"memory:"};
    int nstores = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            orders = 5000;
        else if (strcmp(argv[i], "--orders") == 0 && i + 1 < argc)
            orders = strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc && nstores < 4)
            stores[nstores == 1 && strcmp(stores[0], "memory:") == 0 ? 0 : nstores++] = argv[++i];
        else {
            fprintf(stderr, "usage: orders-bench [--quick] [--orders N] [--store URI]\n");
            return 2;
        }
    }
    if (orders < 100) {
        fprintf(stderr, "orders-bench: --orders must be at least 100\n");
        return 2;
    }
    printf("orders-bench %s: %d-line carts, cod placement (place + confirm)\n",
           orders_version_string(), LINES);
#ifdef __GLIBC__
    /* keep what is freed for the warm runs: no trimming, and blocks up to
     * glibc's largest mmap threshold (32 MiB on 64-bit) from the heap */
    if (!mallopt(M_TRIM_THRESHOLD, 1 << 30) || !mallopt(M_MMAP_THRESHOLD, 32 << 20))
        fprintf(stderr, "orders-bench: mallopt refused; warm runs may still fault\n");
#endif
    for (int s = 0; s < nstores; s++) {
        bench(stores[s], "cold", 1, orders);
        bench(stores[s], "warm", 1, orders);
        bench(stores[s], "warm", 2, orders / 2);
    }
    return 0;
}
