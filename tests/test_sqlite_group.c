/*
 * test_sqlite_group.c - group commit in the SQLite store (store_sqlite.h):
 * writes of many threads that arrive together share transactions, and each
 * write still succeeds or fails on its own.
 *
 * Worker threads never assert (Criterion asserts belong to the test's own
 * thread): they count what happened and the test checks it after join.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <orders/store_sqlite.h>

#include "support/sqlite_tmp.h"

#define BUYERS 16
#define ORDERS_PER_BUYER 20
#define RACERS 24
#define SCARCE_UNITS 10

static sqlt_db_t DB;
static orders_ctx_t *CTX;
static void *STORE; /* the context's store handle (the context frees it) */

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_failure[512];
static atomic_int failures;

static void fail(const char *what, const orders_error_t *err)
{
    atomic_fetch_add(&failures, 1);
    pthread_mutex_lock(&fail_lock);
    if (first_failure[0] == '\0')
        snprintf(first_failure, sizeof first_failure, "%s: %s", what, err->message);
    pthread_mutex_unlock(&fail_lock);
}

static void put_product(const char *id, int64_t units)
{
    orders_error_t err = {0};
    orders_product_t p = {.id = (char *)id, .seller_id = "s1", .name = (char *)id,
                          .price = {250, "USD"}, .active = true};
    cr_assert_eq(orders_product_put(CTX, &p, true, NULL, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_stock_set(CTX, id, units, NULL, &err), ORDERS_OK, "%s", err.message);
}

/* A context on a fresh file with synchronous=FULL (the default): every
 * commit waits for its fsync, which is when writes pile up behind it. */
static void setup(void)
{
    orders_error_t err = {0};
    sqlt_db_init(&DB, "group");
    cr_assert_eq(orders_store_sqlite_open_uri(DB.uri, &STORE, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(orders_ctx_new(NULL, &CTX, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_ctx_set_store(CTX, orders_store_sqlite_vtable(), STORE,
                                      orders_store_sqlite_free, &err),
                 ORDERS_OK, "%s", err.message);
    put_product("plenty", 1000000);
    put_product("scarce", SCARCE_UNITS);
}

static void teardown(void)
{
    orders_ctx_destroy(CTX);
    cr_expect(sqlt_db_remove(&DB), "the temp directory was left behind");
}

TestSuite(sqlite_group, .init = setup, .fini = teardown, .timeout = 240);

static orders_sqlite_stats_t stats(void)
{
    orders_sqlite_stats_t s = {0};
    orders_error_t err = {0};
    cr_assert_eq(orders_store_sqlite_stats(STORE, &s, &err), ORDERS_OK, "%s", err.message);
    return s;
}

static orders_code_t place(const char *customer, orders_error_t *err)
{
    orders_address_t addr = {.address_line1 = "1 Main St", .city = "Springfield", .state = "IL",
                             .country = "US", .postal_code = "62701"};
    orders_place_request_t req = {.shipping_address = &addr,
                                  .payment_method = ORDERS_METHOD_COD};
    orders_identity_t who = {.id = customer, .name = "Ada", .email = "ada@example.com"};
    return orders_order_place(CTX, &who, &req, NULL, err);
}

typedef struct worker {
    int id;
    pthread_barrier_t *go;
    int placed, out_of_stock;
} worker_t;

static void *buy_plenty(void *arg)
{
    worker_t *w = arg;
    pthread_barrier_wait(w->go);
    for (int i = 0; i < ORDERS_PER_BUYER; i++) {
        char cust[32];
        snprintf(cust, sizeof cust, "b%02d-%02d", w->id, i);
        orders_error_t err = {0};
        if (orders_cart_add(CTX, cust, "plenty", 2, ORDERS_ANY_VERSION, NULL, &err) != ORDERS_OK) {
            fail("cart_add", &err);
            continue;
        }
        if (place(cust, &err) != ORDERS_OK)
            fail("place", &err);
        else
            w->placed++;
    }
    return NULL;
}

static void run_workers(int n, void *(*fn)(void *), worker_t *w)
{
    pthread_t tid[RACERS > BUYERS ? RACERS : BUYERS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) {
        w[i] = (worker_t){.id = i, .go = &go};
        cr_assert_eq(pthread_create(&tid[i], NULL, fn, &w[i]), 0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(tid[i], NULL);
    pthread_barrier_destroy(&go);
}

static void assert_invariant(const char *product)
{
    orders_stock_t s;
    orders_error_t err = {0};
    cr_assert_eq(orders_stock_get(CTX, product, &s, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(s.available + s.reserved + s.sold, s.stocked - s.adjusted,
                 "%s: %lld + %lld + %lld != %lld - %lld", product, (long long)s.available,
                 (long long)s.reserved, (long long)s.sold, (long long)s.stocked,
                 (long long)s.adjusted);
}

Test(sqlite_group, concurrent_writes_share_commits)
{
    worker_t w[BUYERS];
    orders_sqlite_stats_t before = stats();
    run_workers(BUYERS, buy_plenty, w);
    orders_sqlite_stats_t after = stats();
    cr_assert_eq(atomic_load(&failures), 0, "%d failures, first: %s", atomic_load(&failures),
                 first_failure);
    int placed = 0;
    for (int i = 0; i < BUYERS; i++)
        placed += w[i].placed;
    cr_assert_eq(placed, BUYERS * ORDERS_PER_BUYER);

    orders_stock_t s;
    orders_error_t err = {0};
    cr_assert_eq(orders_stock_get(CTX, "plenty", &s, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(s.sold, 2 * placed, "sold %lld of %d orders x 2", (long long)s.sold, placed);
    assert_invariant("plenty");

    /* every cart add and placement is at least one committed write */
    int64_t writes = after.writes - before.writes, commits = after.commits - before.commits;
    cr_assert_geq(writes, 2 * placed, "writes %lld for %d placements", (long long)writes, placed);
    cr_assert_lt(commits, writes, "no write shared a commit: %lld commits for %lld writes",
                 (long long)commits, (long long)writes);
    fprintf(stderr, "group commit: %lld writes in %lld commits (%.2f per commit)\n",
            (long long)writes, (long long)commits, (double)writes / (double)commits);
}

static void *race_for_scarce(void *arg)
{
    worker_t *w = arg;
    char cust[32];
    snprintf(cust, sizeof cust, "r%02d", w->id);
    pthread_barrier_wait(w->go);
    orders_error_t err = {0};
    orders_code_t rc = place(cust, &err);
    if (rc == ORDERS_OK)
        w->placed++;
    else if (rc == ORDERS_E_OUT_OF_STOCK)
        w->out_of_stock++;
    else
        fail("place", &err);
    return NULL;
}

Test(sqlite_group, a_refused_write_rolls_back_alone)
{
    orders_error_t err = {0};
    for (int i = 0; i < RACERS; i++) {
        char cust[32];
        snprintf(cust, sizeof cust, "r%02d", i);
        cr_assert_eq(orders_cart_add(CTX, cust, "scarce", 1, ORDERS_ANY_VERSION, NULL, &err),
                     ORDERS_OK, "%s", err.message);
    }
    worker_t w[RACERS];
    run_workers(RACERS, race_for_scarce, w);
    cr_assert_eq(atomic_load(&failures), 0, "%d failures, first: %s", atomic_load(&failures),
                 first_failure);
    int placed = 0, refused = 0;
    for (int i = 0; i < RACERS; i++) {
        placed += w[i].placed;
        refused += w[i].out_of_stock;
    }
    cr_assert_eq(placed, SCARCE_UNITS, "%d orders for %d units", placed, SCARCE_UNITS);
    cr_assert_eq(refused, RACERS - SCARCE_UNITS);

    orders_stock_t s;
    cr_assert_eq(orders_stock_get(CTX, "scarce", &s, &err), ORDERS_OK, "%s", err.message);
    cr_assert(s.available == 0 && s.reserved == 0 && s.sold == SCARCE_UNITS,
              "stock after the race: available %lld reserved %lld sold %lld",
              (long long)s.available, (long long)s.reserved, (long long)s.sold);
    assert_invariant("scarce");

    /* each refused buyer still has the cart, each buyer an empty one */
    for (int i = 0; i < RACERS; i++) {
        char cust[32];
        snprintf(cust, sizeof cust, "r%02d", i);
        orders_cart_t *c = NULL;
        cr_assert_eq(orders_cart_get(CTX, cust, &c, &err), ORDERS_OK, "%s", err.message);
        size_t want = w[i].placed ? 0 : 1;
        cr_assert_eq(c->item_count, want, "%s: %zu cart lines, expected %zu", cust,
                     c->item_count, want);
        orders_cart_free(c);
    }
    orders_order_list_t l = {0};
    orders_list_query_t q = {.page = 1, .limit = 100};
    cr_assert_eq(orders_order_list(CTX, &q, &l, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(l.total, SCARCE_UNITS, "orders stored: %lld", (long long)l.total);
    orders_order_list_clear(&l);
}
