/*
 * fixture_more.h - extra helpers for the core tests, on top of fixture.h.
 *
 * Everything here asserts with Criterion and so must run on the test's own
 * thread, except fm_place_rc, which only reports.
 */
#ifndef ORDERS_TEST_FIXTURE_MORE_H
#define ORDERS_TEST_FIXTURE_MORE_H

#include <stdbool.h>
#include <stddef.h>

#include "support/fixture.h"

/* Places customer's cart; reports instead of asserting (thread-safe). */
orders_code_t fm_place_rc(fixture_t *f, const char *customer, orders_payment_method_t method,
                          bool defer_payment, orders_order_t **out, orders_error_t *err);

/* fix_add(customer, product, qty) then a successful placement. */
orders_order_t *fm_order(fixture_t *f, const char *customer, const char *product, int64_t qty,
                         orders_payment_method_t method, bool defer_payment);

/* The stored order (asserts it exists). */
orders_order_t *fm_get(fixture_t *f, const char *id);

/* The reservation of order_id (asserts it exists). */
orders_reservation_status_t fm_res_status(fixture_t *f, const char *order_id);

/* Stock levels compared one by one, then the invariant. */
void fm_assert_stock(fixture_t *f, const char *product_id, int64_t available, int64_t reserved,
                     int64_t sold);

/* Wallet helpers (USD). */
void fm_credit(fixture_t *f, const char *customer, int64_t amount, const char *ref);
int64_t fm_balance(fixture_t *f, const char *customer);

/* Moves an order through set_status (admin), asserting success. */
orders_order_t *fm_move(fixture_t *f, const char *id, orders_status_t to);

/* `threads` threads (at most 16) refund `amount` of order id at the same
 * moment; returns how many succeeded.  Every loser must get ORDERS_E_CONFLICT
 * or ORDERS_E_INVALID (asserted). */
int fm_race_refunds(fixture_t *f, const char *id, int64_t amount, int threads);

/* ---- a recording callback notifier ---- */
typedef struct fm_events {
    orders_event_t **items;   /* copies of every event delivered */
    size_t count, cap;
    int calls;                /* every deliver call, failed or not */
    int fail_left;            /* the next fail_left calls fail ... */
    orders_code_t fail_code;  /* ... with this code */
    int attempts_seen[64];    /* e->attempts of each call (first 64) */
} fm_events_t;

/* Registers a callback notifier recording into ev (ev must outlive ctx use). */
void fm_notifier(fixture_t *f, fm_events_t *ev);
void fm_events_free(fm_events_t *ev);
/* Dispatches until nothing is due (bounded), asserting ORDERS_OK. */
void fm_dispatch_all(fixture_t *f);
/* Events of type for order_id (NULL: any order) delivered so far. */
size_t fm_count(const fm_events_t *ev, orders_event_type_t type, const char *order_id);
/* The i-th delivered event of type for order_id, or NULL. */
const orders_event_t *fm_find(const fm_events_t *ev, orders_event_type_t type,
                              const char *order_id, size_t nth);

#endif
