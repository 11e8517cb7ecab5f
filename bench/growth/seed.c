/*
 * seed.c - orders-growth-seed: brings a store to N real orders, placed
 * through the library (bench/growth/run.sh; docs/performance.md, "Growth").
 *
 * usage: orders-growth-seed --store URI --orders N [--threads T] [--customers C]
 *
 * Puts 64 products of 8 sellers (g00..g63, sellers gs0..gs7, stock 10^9),
 * then places orders until the store holds N of them (orders it already
 * holds, counted with orders_order_list, are kept: seeding 1k, then 100k,
 * then 1M on one file places each difference once).  Order k belongs to
 * customer "gc-(k mod C)" (C defaults to N/10, at least 100) and has 3
 * lines of products of one to three sellers; each is a cart filled with
 * orders_cart_add and placed with orders_order_place (cash on delivery),
 * exactly as the server does it.  Then it delivers the store's whole outbox
 * to a notifier that takes every event, as a server would have delivered
 * them over time: a store measured at N orders is in its steady state, not
 * holding millions of events that its server would spend the measurement
 * delivering.  Prints one line:
 *   seeded orders=N placed=P failures=F seconds=S orders_per_s=R delivered=D
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <orders/orders.h>

#define SEED_MAX_THREADS 16
#define SEED_PRODUCTS 64
#define SEED_SELLERS 8
#define SEED_LINES 3

typedef struct seed_job {
    orders_ctx_t *ctx;
    int thread, threads;
    int64_t first, end;   /* order numbers [first, end) */
    int64_t customers;
    int64_t failures;     /* written by its own thread only */
} seed_job_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const orders_error_t *err)
{
    fprintf(stderr, "orders-growth-seed: %s: %s\n", what, err->message);
    exit(1);
}

static void put_products(orders_ctx_t *ctx)
{
    orders_error_t err = {0};
    for (int i = 0; i < SEED_PRODUCTS; i++) {
        char id[16], seller[16];
        snprintf(id, sizeof id, "g%02d", i);
        snprintf(seller, sizeof seller, "gs%d", i % SEED_SELLERS);
        orders_product_t p = {.id = id, .seller_id = seller, .name = id,
                              .price = {250 + i * 10, "USD"}, .active = true};
        if (orders_product_put(ctx, &p, false, NULL, &err) ||
            orders_stock_set(ctx, id, 1000000000, NULL, &err))
            die("product", &err);
    }
}

/* A notifier that takes every event (seeding stands in for the receivers). */
static orders_code_t take_event(void *ud, const orders_event_t *event, orders_error_t *err)
{
    (void)ud, (void)event, (void)err;
    return ORDERS_OK;
}

static const orders_notifier_vtable_t TAKE_ALL = {ORDERS_NOTIFIER_VERSION, "growth-seed",
                                                  take_event};

/* Delivers every pending event; returns how many. */
static int64_t drain_outbox(orders_ctx_t *ctx)
{
    orders_error_t err = {0};
    int64_t total = 0, delivered = 0;
    if (orders_ctx_set_notifier(ctx, &TAKE_ALL, NULL, NULL, &err))
        die("notifier", &err);
    do {
        if (orders_outbox_dispatch(ctx, 1000, &delivered, NULL, &err))
            die("outbox", &err);
        total += delivered;
    } while (delivered > 0);
    return total;
}

/* Orders already in the store: the total of a one-item page of all. */
static int64_t count_orders(orders_ctx_t *ctx)
{
    orders_error_t err = {0};
    orders_list_query_t q = {.page = 1, .limit = 1};
    orders_order_list_t list = {0};
    if (orders_order_list(ctx, &q, &list, &err))
        die("count", &err);
    int64_t total = list.total;
    orders_order_list_clear(&list);
    return total;
}

/* Fills customer's cart with the 3 lines of order k and places it. */
static int place_one(orders_ctx_t *ctx, int64_t k, int64_t customers)
{
    static const orders_address_t addr = {.address_line1 = "1 Growth Rd", .city = "Scale",
                                          .state = "CA", .country = "US",
                                          .postal_code = "94000"};
    orders_place_request_t req = {.shipping_address = &addr,
                                  .payment_method = ORDERS_METHOD_COD};
    orders_error_t err = {0};
    char cust[32], pid[16];
    snprintf(cust, sizeof cust, "gc-%lld", (long long)(k % customers));
    uint64_t x = (uint64_t)k * 0x9e3779b97f4a7c15ULL;
    for (int l = 0; l < SEED_LINES; l++) {
        x ^= x >> 29, x *= 0xbf58476d1ce4e5b9ULL, x ^= x >> 32;
        /* line l takes a product from its own third of the catalog: distinct */
        int p = (int)(x % (SEED_PRODUCTS / SEED_LINES)) * SEED_LINES + l;
        snprintf(pid, sizeof pid, "g%02d", p);
        if (orders_cart_add(ctx, cust, pid, 1, ORDERS_ANY_VERSION, NULL, &err))
            return -1;
    }
    orders_identity_t who = {.id = cust, .name = "Growth Customer", .email = "growth@example.com"};
    return orders_order_place(ctx, &who, &req, NULL, &err) ? -1 : 0;
}

static void *seed_run(void *arg)
{
    seed_job_t *j = arg;
    for (int64_t k = j->first; k < j->end; k++)
        if ((k % j->customers) % j->threads == j->thread && place_one(j->ctx, k, j->customers))
            j->failures++;
    return NULL;
}

/* Places orders [have, want) on threads threads; returns the failures.
 * Order k's customer is k mod customers, and thread t places the orders of
 * the customers c with c mod threads == t: two threads never fill the same
 * customer's cart at once. */
static int64_t seed_orders(orders_ctx_t *ctx, int64_t have, int64_t want, int threads,
                           int64_t customers)
{
    seed_job_t jobs[SEED_MAX_THREADS];
    pthread_t tid[SEED_MAX_THREADS];
    int64_t failures = 0;
    for (int t = 0; t < threads; t++)
        jobs[t] = (seed_job_t){.ctx = ctx, .thread = t, .threads = threads, .first = have,
                               .end = want, .customers = customers};
    for (int t = 0; t < threads; t++)
        if (pthread_create(&tid[t], NULL, seed_run, &jobs[t]) != 0) {
            fprintf(stderr, "orders-growth-seed: cannot start a thread\n");
            exit(1);
        }
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        failures += jobs[t].failures;
    }
    return failures;
}

int main(int argc, char **argv)
{
    const char *uri = NULL;
    int64_t want = -1, customers = 0;
    int threads = 8;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            uri = argv[++i];
        else if (strcmp(argv[i], "--orders") == 0 && i + 1 < argc)
            want = strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--customers") == 0 && i + 1 < argc)
            customers = strtoll(argv[++i], NULL, 10);
        else
            uri = NULL, i = argc;
    }
    if (uri == NULL || want < 0 || threads < 1 || threads > SEED_MAX_THREADS) {
        fprintf(stderr, "usage: orders-growth-seed --store URI --orders N [--threads 1..%d] "
                        "[--customers C]\n", SEED_MAX_THREADS);
        return 2;
    }
    if (customers <= 0)
        customers = want / 10 > 100 ? want / 10 : 100;
    orders_error_t err = {0};
    orders_ctx_t *ctx = NULL;
    if (orders_ctx_new(NULL, &ctx, &err) || orders_ctx_open_store(ctx, uri, &err))
        die("open", &err);
    put_products(ctx);
    int64_t have = count_orders(ctx), failures = 0;
    double t0 = now_s();
    if (want > have)
        failures = seed_orders(ctx, have, want, threads, customers);
    double secs = now_s() - t0;
    int64_t placed = want > have ? want - have : 0;
    int64_t total = count_orders(ctx);
    int64_t delivered = drain_outbox(ctx);
    printf("seeded orders=%lld placed=%lld failures=%lld seconds=%.1f orders_per_s=%.0f "
           "delivered=%lld\n",
           (long long)total, (long long)placed, (long long)failures, secs,
           secs > 0 ? (double)placed / secs : 0.0, (long long)delivered);
    orders_ctx_destroy(ctx);
    return failures == 0 && total >= want ? 0 : 1;
}
