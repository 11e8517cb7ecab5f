/*
 * order_check.h - checks that a placement read back from a store is whole,
 * and that a product's stock matches the orders holding it: shared by the
 * crash tests (tests/test_sqlite_crash.c, kill -9 of a process placing
 * through the library; tests/server/test_srv_crash.c, kill -9 of
 * orders-server under HTTP checkout load).
 *
 * Public API only, so it runs on any store.  Every call asserts with
 * Criterion: call them from the test's own thread.  `when` prefixes every
 * failure message ("after kill 3/20").
 */
#ifndef ORDERS_TEST_ORDER_CHECK_H
#define ORDERS_TEST_ORDER_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <orders/orders.h>

/* One line the customer's cart held when the order was placed. */
typedef struct ochk_line {
    const char *product_id;
    int64_t quantity;
    int64_t unit_price;    /* minor units */
} ochk_line_t;

/*
 * Asserts that o is a whole placement of exactly lines[0..n) (one order
 * item per line, distinct products), settled by method: cash on delivery
 * (payment pending until delivery) or an approved online payment (paid):
 * status confirmed, version 1 for cash on delivery, every item confirmed,
 * the quantities and the total of lines; its reservation there, confirmed,
 * holding the same lines of store stock (so it is not also released); its
 * customer's cart empty; and its history holding its placement and its
 * confirmation.  Returns the number of history entries, which the caller
 * compares with a reference placement's.
 */
size_t ochk_order_whole(orders_ctx_t *ctx, const char *when, const orders_order_t *o,
                        orders_payment_method_t method, const ochk_line_t *lines, size_t n);

/*
 * Asserts the stock of product: available + reserved + sold == stocked -
 * adjusted, sold == the units the stored orders hold, nothing reserved
 * (every order is confirmed), stocked as set, nothing adjusted.
 * Returns what it read.
 */
orders_stock_t ochk_stock_sold(orders_ctx_t *ctx, const char *when, const char *product,
                               int64_t stocked, int64_t sold);

#endif
