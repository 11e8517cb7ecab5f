/*
 * test_sqlite_threads.c - one SQLite store handle under many threads at once:
 * writers placing orders, readers reading stock and order lists, and the
 * handle's checkpointer copying the WAL back meanwhile.  It proves what
 * store_sqlite.h promises about threads: no error, no deadlock, every read
 * sees a consistent state (the stock invariant, totals that never go back),
 * every placement is stored, and the WAL stays bounded while writers queue
 * on the writer connection.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support/scale.h"
#include "support/sqlite_tmp.h"

#define WRITERS 4
#define READERS 4
#define ORDERS_PER_WRITER 150 /* times ORDERS_TEST_SCALE (support/scale.h) */
#define READS_MAX 20000 /* per reader: a bound, should the writers hang */
#define UNITS 100000

static sqlt_db_t DB;
static orders_ctx_t *CTX;
static int64_t per_writer; /* ORDERS_PER_WRITER, scaled */

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_failure[512];
static atomic_int failures;
static atomic_int writers_left;

static void fail(const char *what, const orders_error_t *err)
{
    atomic_fetch_add(&failures, 1);
    pthread_mutex_lock(&fail_lock);
    if (first_failure[0] == '\0')
        snprintf(first_failure, sizeof first_failure, "%s: %s (%d)", what,
                 err != NULL ? err->message : "", err != NULL ? (int)err->code : 0);
    pthread_mutex_unlock(&fail_lock);
}

static void setup(void)
{
    per_writer = test_scaled_count(ORDERS_PER_WRITER, 15);
    sqlt_db_init(&DB, "threads");
    CTX = sqlt_ctx_with_product(&DB, UNITS);
}

static void teardown(void)
{
    orders_ctx_destroy(CTX);
    cr_expect(sqlt_db_remove(&DB), "the temp directory was left behind");
}

TestSuite(sqlite_threads, .init = setup, .fini = teardown);

static void *writer(void *arg)
{
    int w = (int)(intptr_t)arg;
    orders_place_request_t req = {.shipping_address = &sqlt_address,
                                  .payment_method = ORDERS_METHOD_COD};
    for (int64_t i = 0; i < per_writer && atomic_load(&failures) == 0; i++) {
        char customer[32];
        snprintf(customer, sizeof customer, "w%d-%lld", w, (long long)i);
        orders_identity_t who = {.id = customer, .name = "T", .email = "t@example.com"};
        orders_error_t err = {0};
        if (orders_cart_add(CTX, customer, "p", 1, ORDERS_ANY_VERSION, NULL, &err) != ORDERS_OK)
            fail("cart_add", &err);
        else if (orders_order_place(CTX, &who, &req, NULL, &err) != ORDERS_OK)
            fail("place", &err);
    }
    atomic_fetch_sub(&writers_left, 1);
    return NULL;
}

/* Reads until the writers are done: the stock must always satisfy the
 * invariant, and sold counts and order totals never go back. */
static void *reader(void *arg)
{
    (void)arg;
    int64_t last_sold = 0, last_total = 0;
    orders_list_query_t q = {.page = 1, .limit = 5};
    for (int i = 0; i < READS_MAX && atomic_load(&writers_left) > 0; i++) {
        orders_error_t err = {0};
        orders_stock_t st;
        if (orders_stock_get(CTX, "p", &st, &err) != ORDERS_OK) {
            fail("stock_get", &err);
            break;
        }
        if (st.available + st.reserved + st.sold != st.stocked - st.adjusted ||
            st.sold < last_sold) {
            fail("a reader saw a broken or older stock", NULL);
            break;
        }
        last_sold = st.sold;
        orders_order_list_t list = {0};
        if (orders_order_list(CTX, &q, &list, &err) != ORDERS_OK) {
            fail("order_list", &err);
            break;
        }
        bool older = list.total < last_total;
        last_total = list.total;
        orders_order_list_clear(&list);
        if (older) {
            fail("a reader saw fewer orders than before", NULL);
            break;
        }
    }
    return NULL;
}

Test(sqlite_threads, writers_readers_and_the_checkpointer_share_one_handle, .timeout = 240)
{
    pthread_t w[WRITERS], r[READERS];
    atomic_store(&writers_left, WRITERS);
    for (int i = 0; i < WRITERS; i++)
        cr_assert_eq(pthread_create(&w[i], NULL, writer, (void *)(intptr_t)i), 0);
    for (int i = 0; i < READERS; i++)
        cr_assert_eq(pthread_create(&r[i], NULL, reader, NULL), 0);
    for (int i = 0; i < WRITERS; i++)
        pthread_join(w[i], NULL);
    for (int i = 0; i < READERS; i++)
        pthread_join(r[i], NULL);
    cr_assert_eq(atomic_load(&failures), 0, "%d failures, the first: %s",
                 atomic_load(&failures), first_failure);

    const int64_t placed = WRITERS * per_writer;
    orders_stock_t st = sqlt_stock_of(CTX, "after the run", "p");
    cr_assert_eq(st.sold, placed, "sold %lld, placed %lld", (long long)st.sold,
                 (long long)placed);
    cr_assert_eq(st.available, UNITS - placed);
    orders_order_list_t list = {0};
    orders_list_query_t q = {.page = 1, .limit = 1};
    orders_error_t err = {0};
    cr_assert_eq(orders_order_list(CTX, &q, &list, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(list.total, placed, "%lld orders stored", (long long)list.total);
    orders_order_list_clear(&list);

    /* ~30 pages per placement: without checkpoints the WAL would hold them
     * all (about 18000 frames) */
    char *wal = sqlt_concat(DB.path, "-wal");
    struct stat sb;
    cr_assert_eq(stat(wal, &sb), 0, "the WAL exists while the store is open");
    free(wal);
    long long frames = (long long)sb.st_size / (4096 + 24);
    cr_assert_lt(frames, 10000, "the WAL holds %lld frames after %lld placements", frames,
                 (long long)placed);
}
