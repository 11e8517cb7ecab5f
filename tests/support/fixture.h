/*
 * fixture.h - a ready context for core tests: memory store (or the store the
 * test binary chooses), a clock the test drives, and a small catalog.
 */
#ifndef ORDERS_TEST_FIXTURE_H
#define ORDERS_TEST_FIXTURE_H

#include <orders/orders.h>

/* 2026-01-01T00:00:00.000Z, where every fixture clock starts. */
#define FIX_T0 1767225600000LL
#define FIX_MINUTE 60000LL
#define FIX_HOUR (60 * FIX_MINUTE)
#define FIX_DAY (24 * FIX_HOUR)

typedef struct fixture {
    orders_ctx_t *ctx;
    int64_t now;            /* the context's clock reads this */
    void *test_gateway;     /* the "online" gateway's userdata (borrowed) */
} fixture_t;

/* New context on a fresh memory store with the clock at FIX_T0 and cfg
 * (NULL: defaults).  Aborts the test on failure. */
void fix_open(fixture_t *f, const orders_config_t *cfg);
void fix_close(fixture_t *f);

/* Moves the clock. */
void fix_advance(fixture_t *f, int64_t ms);

/* Creates product id of seller with price (minor units, USD) and stock. */
void fix_product(fixture_t *f, const char *id, const char *seller, int64_t price, int64_t stock);

/* available + reserved + sold == stocked - adjusted, asserted. */
void fix_assert_invariant(fixture_t *f, const char *product_id);
orders_stock_t fix_stock(fixture_t *f, const char *product_id);

/* A valid shipping address (static storage). */
const orders_address_t *fix_address(void);

/* Adds product x quantity to customer's cart; asserts success. */
void fix_add(fixture_t *f, const char *customer, const char *product, int64_t quantity);

/* Places customer's cart with method; asserts success; caller frees. */
orders_order_t *fix_place(fixture_t *f, const char *customer, orders_payment_method_t method);

#endif
