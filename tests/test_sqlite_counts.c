/*
 * test_sqlite_counts.c - the SQLite store's order_counts (schema version 4):
 * the list totals it keeps by trigger equal the COUNT(*) they stand for.
 *
 * Four threads place orders of one to three sellers for a handful of
 * customers, and move them on: to processing, shipped or cancelled, one
 * seller's part to processing (which re-derives the order status), and
 * some are left confirmed.  Then
 * every row of order_counts is compared with the counts computed from the
 * orders and order_sellers rows themselves, both ways (no missing row, no
 * extra one, none below zero), and the totals orders_order_list answers for
 * each filter combination with what the rows give.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/sqlite_tmp.h"

#define WORKERS 4
#define ORDERS_PER_WORKER 40
#define CUSTOMERS 3 /* per worker */
#define SELLERS 3

static sqlt_db_t DB;
static orders_ctx_t *CTX;
static atomic_int failures;
static char first_failure[512];
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *what, const orders_error_t *err)
{
    atomic_fetch_add(&failures, 1);
    pthread_mutex_lock(&fail_lock);
    if (first_failure[0] == '\0')
        snprintf(first_failure, sizeof first_failure, "%s: %s", what, err ? err->message : "");
    pthread_mutex_unlock(&fail_lock);
}

static void setup(void)
{
    sqlt_db_init(&DB, "counts");
    char *uri = sqlt_concat(DB.uri, "?synchronous=normal");
    CTX = sqlt_ctx_open(uri);
    free(uri);
    for (int s = 0; s < SELLERS; s++) {
        char id[16], seller[16];
        snprintf(id, sizeof id, "p%d", s);
        snprintf(seller, sizeof seller, "s%d", s);
        orders_product_t p = {.id = id, .seller_id = seller, .name = "Thing",
                              .price = {250, "USD"}, .active = true};
        orders_error_t err = {0};
        cr_assert_eq(orders_product_put(CTX, &p, true, NULL, &err), ORDERS_OK, "%s", err.message);
        cr_assert_eq(orders_stock_set(CTX, id, 100000, NULL, &err), ORDERS_OK, "%s",
                     err.message);
    }
}

static void teardown(void)
{
    orders_ctx_destroy(CTX);
    cr_expect(sqlt_db_remove(&DB), "the temp directory was left behind");
}

TestSuite(sqlite_counts, .init = setup, .fini = teardown);

/* Moves order o (confirmed: cash on delivery) on by the i-th rule: to
 * processing, cancelled, shipped, its first seller's part to processing
 * (which re-derives the order status), or nowhere. */
static void move_on(const orders_order_t *o, int i)
{
    orders_error_t err = {0};
    orders_code_t rc = ORDERS_OK;
    orders_seller_update_t u = {.status = ORDERS_STATUS_PROCESSING};
    switch (i % 5) {
    case 0:
        rc = orders_order_set_status(CTX, o->id, ORDERS_STATUS_PROCESSING, "test", NULL,
                                     ORDERS_ANY_VERSION, NULL, &err);
        break;
    case 1:
        rc = orders_order_cancel(CTX, o->id, NULL, "test", NULL, NULL, &err);
        break;
    case 2:
        rc = orders_order_set_status(CTX, o->id, ORDERS_STATUS_PROCESSING, "test", NULL,
                                     ORDERS_ANY_VERSION, NULL, &err);
        if (rc == ORDERS_OK)
            rc = orders_order_set_status(CTX, o->id, ORDERS_STATUS_SHIPPED, "test", NULL,
                                         ORDERS_ANY_VERSION, NULL, &err);
        break;
    case 3:
        rc = orders_seller_status_set(CTX, o->id, o->seller_statuses[0].seller_id, &u, "test",
                                      NULL, &err);
        break;
    default:
        break;
    }
    if (rc != ORDERS_OK)
        fail("moving an order on", &err);
}

static void *worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    orders_place_request_t req = {.shipping_address = &sqlt_address,
                                  .payment_method = ORDERS_METHOD_COD};
    for (int i = 0; i < ORDERS_PER_WORKER && atomic_load(&failures) == 0; i++) {
        char customer[32];
        snprintf(customer, sizeof customer, "c%d-%d", w, i % CUSTOMERS);
        orders_identity_t who = {.id = customer, .name = "T", .email = "t@example.com"};
        orders_error_t err = {0};
        /* sellers s(i%3) .. s(i%3 + lines - 1): one to three of them */
        int lines = 1 + (i / 3) % SELLERS;
        for (int l = 0; l < lines; l++) {
            char product[16];
            snprintf(product, sizeof product, "p%d", (i + l) % SELLERS);
            if (orders_cart_add(CTX, customer, product, 1, ORDERS_ANY_VERSION, NULL, &err) !=
                ORDERS_OK) {
                fail("cart_add", &err);
                return NULL;
            }
        }
        orders_order_t *o = NULL;
        if (orders_order_place(CTX, &who, &req, &o, &err) != ORDERS_OK) {
            fail("place", &err);
            return NULL;
        }
        if (o->status != ORDERS_STATUS_CONFIRMED)
            fail("a cash-on-delivery order was not placed confirmed", NULL);
        else
            move_on(o, i + w);
        orders_order_free(o);
    }
    return NULL;
}

/* The counts order_counts should hold, computed from the rows. */
static const char EXPECTED[] =
    "SELECT 0, '', '', COUNT(*) FROM orders"
    " UNION ALL SELECT 1, '', status, COUNT(*) FROM orders GROUP BY status"
    " UNION ALL SELECT 2, customer_id, '', COUNT(*) FROM orders GROUP BY customer_id"
    " UNION ALL SELECT 3, customer_id, status, COUNT(*) FROM orders GROUP BY customer_id, status"
    " UNION ALL SELECT 4, seller_id, '', COUNT(*) FROM order_sellers GROUP BY seller_id"
    " UNION ALL SELECT 5, s.seller_id, o.status, COUNT(*) FROM order_sellers AS s"
    "   JOIN orders AS o ON o.id = s.order_id GROUP BY s.seller_id, o.status";

static int64_t one_i64(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The first row sql gives, as "scope k1 k2 n", or "" when it gives none. */
static void first_row(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, cap, "scope %lld k1 '%s' k2 '%s' n %lld",
                 (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
                 sqlite3_column_text(st, 2), (long long)sqlite3_column_int64(st, 3));
    sqlite3_finalize(st);
}

/* Every row of order_counts against EXPECTED, both ways. */
static void assert_counts_match(sqlite3 *db)
{
    char sql[2048], row[256];
    /* EXPECTED is a compound SELECT: in a subquery, so EXCEPT takes it whole */
    snprintf(sql, sizeof sql,
             "SELECT * FROM (%s) EXCEPT SELECT scope, k1, k2, n FROM order_counts", EXPECTED);
    first_row(db, sql, row, sizeof row);
    cr_assert_str_empty(row, "order_counts lacks or miscounts: %s", row);
    snprintf(sql, sizeof sql,
             "SELECT scope, k1, k2, n FROM order_counts WHERE n != 0"
             " EXCEPT SELECT * FROM (%s)",
             EXPECTED);
    first_row(db, sql, row, sizeof row);
    cr_assert_str_empty(row, "order_counts counts what is not there: %s", row);
    cr_assert_eq(one_i64(db, "SELECT COUNT(*) FROM order_counts WHERE n < 0"), 0,
                 "a count fell below zero");
}

/* orders_order_list's total for q equals COUNT(*) by sql. */
static void assert_total(sqlite3 *db, orders_list_query_t q, const char *sql)
{
    orders_order_list_t l = {0};
    orders_error_t err = {0};
    q.page = 1;
    q.limit = 5;
    cr_assert_eq(orders_order_list(CTX, &q, &l, &err), ORDERS_OK, "%s", err.message);
    int64_t want = one_i64(db, sql);
    cr_assert_eq(l.total, want, "%s: total %lld, %lld rows", sql, (long long)l.total,
                 (long long)want);
    cr_assert_eq((int64_t)l.count, want < 5 ? want : 5, "%s: page size", sql);
    orders_order_list_clear(&l);
}

Test(sqlite_counts, the_kept_totals_equal_the_rows, .timeout = 240)
{
    pthread_t t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(atomic_load(&failures), 0, "%d failures, the first: %s",
                 atomic_load(&failures), first_failure);

    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(DB.path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(one_i64(db, "SELECT COUNT(*) FROM orders"), WORKERS * ORDERS_PER_WORKER);
    /* the moves above reached four statuses, and orders of several sellers */
    cr_assert_eq(one_i64(db, "SELECT COUNT(DISTINCT status) FROM orders"), 4);
    cr_assert_gt(one_i64(db, "SELECT COUNT(*) FROM order_sellers"), WORKERS * ORDERS_PER_WORKER);
    assert_counts_match(db);

    orders_list_query_t all = {0};
    assert_total(db, all, "SELECT COUNT(*) FROM orders");
    orders_list_query_t st = {.has_status = true, .status = ORDERS_STATUS_CANCELLED};
    assert_total(db, st, "SELECT COUNT(*) FROM orders WHERE status = 'cancelled'");
    orders_list_query_t c = {.customer_id = "c1-2"};
    assert_total(db, c, "SELECT COUNT(*) FROM orders WHERE customer_id = 'c1-2'");
    c.has_status = true;
    c.status = ORDERS_STATUS_PROCESSING;
    assert_total(db, c, "SELECT COUNT(*) FROM orders WHERE customer_id = 'c1-2'"
                        " AND status = 'processing'");
    orders_list_query_t s = {.seller_id = "s1"};
    assert_total(db, s, "SELECT COUNT(*) FROM order_sellers WHERE seller_id = 's1'");
    s.has_status = true;
    s.status = ORDERS_STATUS_CONFIRMED;
    assert_total(db, s, "SELECT COUNT(*) FROM order_sellers AS s JOIN orders AS o"
                        " ON o.id = s.order_id WHERE s.seller_id = 's1'"
                        " AND o.status = 'confirmed'");
    /* a seller and a customer: counted, not kept */
    orders_list_query_t sc = {.seller_id = "s2", .customer_id = "c3-0"};
    assert_total(db, sc, "SELECT COUNT(*) FROM order_sellers AS s JOIN orders AS o"
                         " ON o.id = s.order_id WHERE s.seller_id = 's2'"
                         " AND o.customer_id = 'c3-0'");
    sc.has_status = true;
    sc.status = ORDERS_STATUS_CONFIRMED;
    assert_total(db, sc, "SELECT COUNT(*) FROM order_sellers AS s JOIN orders AS o"
                         " ON o.id = s.order_id WHERE s.seller_id = 's2'"
                         " AND o.customer_id = 'c3-0' AND o.status = 'confirmed'");
    sqlite3_close(db);
}
