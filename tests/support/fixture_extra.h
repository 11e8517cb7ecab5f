/*
 * fixture_extra.h - more helpers for core tests, on top of fixture.h:
 * products with every field, cart and order snapshots, an event collector
 * for the callback notifier, and a "nothing was written" check.
 *
 * Every helper asserts with Criterion, so call them from the test's own
 * thread only.
 */
#ifndef ORDERS_TEST_FIXTURE_EXTRA_H
#define ORDERS_TEST_FIXTURE_EXTRA_H

#include "support/fixture.h"

/* Creates or replaces a product with every field given; stock > 0 sets the
 * available count (0 leaves it as it is). */
void fixx_product(fixture_t *f, const char *id, const char *seller, const char *name,
                  const char *image, int64_t price, const char *currency, int64_t stock,
                  bool active);

/* Re-puts product id with a new price or active flag, keeping the rest. */
void fixx_set_price(fixture_t *f, const char *id, int64_t price);
void fixx_set_active(fixture_t *f, const char *id, bool active);

/* The customer's cart (orders_cart_get; asserts success); caller frees. */
orders_cart_t *fixx_cart(fixture_t *f, const char *customer);

/* Number of orders of customer (NULL: all) in orders_order_list's total. */
int64_t fixx_order_count(fixture_t *f, const char *customer);

/* Pending outbox events (orders_outbox_counts; asserts success). */
int64_t fixx_outbox_pending(fixture_t *f);

/* An order's history (asserts success); caller clears. */
orders_history_list_t fixx_history(fixture_t *f, const char *order_id);

/* ---- delivered events -------------------------------------------------------- */

#define FIXX_MAX_EVENTS 64

typedef struct fixx_event {
    orders_event_type_t type;
    char order_id[ORDERS_ID_MAX + 1];
    char recipient[ORDERS_ID_MAX + 1];
    char new_status[32];
    int64_t amount;
    char currency[ORDERS_CURRENCY_LEN];
} fixx_event_t;

typedef struct fixx_events {
    fixx_event_t items[FIXX_MAX_EVENTS];
    size_t count;
} fixx_events_t;

/* Registers a callback notifier that appends to *ev (which must outlive the
 * context: use static storage), then dispatches every due event.  Returns
 * the number delivered. */
int64_t fixx_dispatch(fixture_t *f, fixx_events_t *ev);
/* How many collected events have type (and recipient, unless NULL). */
size_t fixx_count_events(const fixx_events_t *ev, orders_event_type_t type,
                         const char *recipient);
const fixx_event_t *fixx_find_event(const fixx_events_t *ev, orders_event_type_t type,
                                    const char *recipient);

/* ---- "nothing left behind" ------------------------------------------------------- */

/* A copy of what a failed placement must leave as it was. */
typedef struct fixx_snapshot {
    orders_cart_t *cart;         /* the customer's cart */
    int64_t orders;              /* the customer's order count */
    int64_t outbox;              /* pending outbox events */
    size_t product_count;
    char products[8][ORDERS_ID_MAX + 1];
    orders_stock_t stock[8];
} fixx_snapshot_t;

/* Takes a snapshot of customer's cart, orders, the outbox and the stock of
 * the NULL-terminated product ids. */
void fixx_snapshot_take(fixture_t *f, fixx_snapshot_t *s, const char *customer,
                        const char *const *products);
/* Asserts that all of it is unchanged, then frees the snapshot. */
void fixx_snapshot_check(fixture_t *f, fixx_snapshot_t *s, const char *customer);

/* Asserts two carts hold the same lines (product, quantity, price). */
void fixx_assert_same_lines(const orders_cart_t *a, const orders_cart_t *b);

/* Asserts two addresses are equal field by field (NULL and NULL are equal). */
void fixx_assert_address(const orders_address_t *got, const orders_address_t *want);

/* ---- a customers backend with an address book ----------------------------------- */

/* Resolves every customer as "Saved Sam" <sam@example.com>, active or not
 * as set; "ghost" is unknown (ORDERS_E_NOT_FOUND).  Its one saved address
 * is "home" (fixx_saved_address()).  Counts its calls. */
typedef struct fixx_customers {
    bool active;
    int resolves;
    int address_gets;
} fixx_customers_t;

/* Resets *c and registers it (static storage: it must outlive the context). */
void fixx_use_customers(fixture_t *f, fixx_customers_t *c, bool active);
const orders_address_t *fixx_saved_address(void);

/* ---- a pricing hook ------------------------------------------------------------------ */

/* Userdata of fixx_pricing_hook: the amounts it returns, and what it saw. */
typedef struct fixx_pricing {
    int64_t tax, shipping, discount;
    int calls;
    int64_t seen_subtotal;
    size_t seen_items;
} fixx_pricing_t;

orders_code_t fixx_pricing_hook(void *ud, const orders_order_t *draft, orders_pricing_t *out,
                                orders_error_t *err);

/* A string of n copies of c (static buffer, n <= 300). */
const char *fixx_long_id(size_t n, char c);

#endif
