/*
 * conformance.h - the storage conformance suite: backend hooks and helpers.
 *
 * Every store backend must pass tests/conformance/suite_*.c unchanged.  The
 * build links those files and helpers.c with exactly one backend_<name>.c,
 * which implements the four hooks below, into test_conformance_<name>
 * (Criterion provides main).  Each test runs in its own process and opens a
 * fresh, empty store in .init (conf_setup) that .fini (conf_teardown) closes.
 *
 * Helpers that assert use Criterion's cr_assert and so may only be called
 * from the test's own thread, never from worker threads.
 */
#ifndef ORDERS_CONFORMANCE_H
#define ORDERS_CONFORMANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <orders/error.h>
#include <orders/money.h>
#include <orders/store.h>
#include <orders/types.h>

/* ---- backend hooks (one backend_<name>.c implements these) -------------- */

/* NULL when the backend can run here; else why it cannot (a server it
 * needs is not configured): conf_setup then prints that and skips the
 * test.  A static string. */
const char *conformance_skip_reason(void);
/* Opens a fresh, empty store; returns its vtable and userdata (NULL on
 * failure, which fails the test). */
const orders_store_vtable_t *conformance_open(void **ud);
/* Closes ud (frees it).  For a handle from conformance_open, also deletes
 * whatever the store created (file, database).  For a handle from
 * conformance_reopen, closes that handle only; tests close second handles
 * before the first. */
void conformance_close(void *ud);
/* Opens a SECOND handle, used with the same vtable, on the same underlying
 * data as ud when the backend supports that (SQLite file, Mongo database),
 * for cross-handle tests; NULL when not supported (memory). */
void *conformance_reopen(void *ud);

/* ---- the store of the running test ---------------------------------------- */

extern const orders_store_vtable_t *conf_vt;
extern void *conf_ud;

/* .init / .fini of every test: opens conf_vt/conf_ud; checks the stock
 * invariant of every product left in the store, then closes them. */
void conf_setup(void);
void conf_teardown(void);

/* ---- time ------------------------------------------------------------------ */

#define CONF_T0 INT64_C(1700000000000)          /* a fixed "now" */
#define CONF_MINUTE INT64_C(60000)
#define CONF_DAY (INT64_C(24) * 60 * CONF_MINUTE)
#define CONF_RES_WINDOW (30 * CONF_MINUTE)      /* reservation window */
#define CONF_FAR_FUTURE (CONF_T0 + 1000 * CONF_DAY)

/* ---- record builders ------------------------------------------------------ */
/* Every builder returns a new heap record with every field set (optional
 * strings set or NULL as noted), freed with the orders_*_free of types.h.
 * Money is USD.  Builders assert on allocation failure. */

/* One line of a cart, order or reservation. */
typedef struct conf_line {
    const char *product_id;
    const char *seller_id;
    int64_t quantity;
    int64_t unit_price;                 /* USD cents */
} conf_line_t;

char *conf_strdup(const char *s);       /* NULL stays NULL */

/* Product "Product <id>", image set, active, created/updated at CONF_T0. */
orders_product_t *conf_product_new(const char *id, const char *seller_id, int64_t price);

/* Cart "cart-<customer>" at version with n lines (odd lines have no image),
 * totals computed, created/updated at now, expires 30 days later. */
orders_cart_t *conf_cart_new(const char *customer_id, int64_t version, const conf_line_t *lines,
                             size_t n, int64_t now);

/* Order pending, version 1, with n items, one seller status per seller (first
 * seen order), a full address, tax/shipping/discount, every timestamp of
 * placement = now, reservation_expiry = now + CONF_RES_WINDOW. */
orders_order_t *conf_order_new(const char *id, const char *order_number, const char *customer_id,
                               const conf_line_t *lines, size_t n, int64_t now);

/* Reservation "res-<order_id>", active, created/updated at now, expiring at
 * now + CONF_RES_WINDOW.  customer_id may be NULL. */
orders_reservation_t *conf_reservation_new(const char *order_id, const char *customer_id,
                                           const conf_line_t *lines, size_t n, bool local_stock,
                                           int64_t now);

/* Event created at now, next attempt at now, 0 attempts, no last_error. */
orders_event_t *conf_event_new(const char *id, orders_event_type_t type, const char *order_id,
                               const char *recipient, int64_t now);

/* History entry; from and note may be NULL. */
orders_history_t *conf_history_new(const char *order_id, int64_t at, const char *actor,
                                   const char *from, const char *to, const char *note);

/* ---- whole transactions ---------------------------------------------------- */

#define CONF_MAX_EVENTS 8
#define CONF_MAX_HISTORY 4

/* Everything a placement writes: order, reservation, cleared cart (version
 * cart_version + 1), the order_placed event plus one new_order per seller,
 * one history entry; tx points at all of it.  No idempotency key (set
 * tx.idem_key / tx.idem_hash to add one). */
typedef struct conf_place {
    orders_order_t *order;
    orders_reservation_t *reservation;
    orders_cart_t *cleared_cart;
    orders_event_t *events[CONF_MAX_EVENTS];
    const orders_event_t *event_ptrs[CONF_MAX_EVENTS];
    orders_history_t *history[CONF_MAX_HISTORY];
    const orders_history_t *history_ptrs[CONF_MAX_HISTORY];
    orders_place_tx_t tx;
    orders_place_result_t result;       /* for the test's convenience */
} conf_place_t;

void conf_place_init(conf_place_t *p, const char *order_id, const char *order_number,
                     const char *customer_id, int64_t cart_version, const conf_line_t *lines,
                     size_t n, bool local_stock, int64_t now);
void conf_place_free(conf_place_t *p);
/* Rebuilds the event/history pointer arrays after a test edits the arrays. */
void conf_place_sync(conf_place_t *p);

/* An order update: a copy of current at version + 1 moved to status `to`
 * (with its timestamp) at now, one order_status_changed event (id
 * "<order>-v<version>[-tag]") and one history entry; tx points at it with
 * expected_version = current->version.  tag (may be NULL) keeps event ids of
 * racing updates distinct and is stored in order->notes. */
typedef struct conf_update {
    orders_order_t *order;
    orders_event_t *event;
    orders_history_t *history;
    const orders_event_t *event_ptrs[1];
    const orders_history_t *history_ptrs[1];
    orders_update_tx_t tx;
} conf_update_t;

void conf_update_init(conf_update_t *u, const orders_order_t *current, orders_status_t to,
                      orders_res_effect_t effect, int64_t now, const char *tag);
void conf_update_free(conf_update_t *u);

/* ---- store set-up shortcuts (assert success) --------------------------------- */

/* Creates product id of seller_id with `available` units (SET_AVAILABLE). */
void conf_seed_product(const orders_store_vtable_t *vt, void *ud, const char *id,
                       const char *seller_id, int64_t available);
/* Stores a new cart for customer_id at version 1 with n lines. */
void conf_seed_cart(const orders_store_vtable_t *vt, void *ud, const char *customer_id,
                    const conf_line_t *lines, size_t n, int64_t now);
/* Places one order of one line (1 unit of "ext-<seller>", a product the
 * store does not hold) with local_stock false: creates the customer's cart
 * when missing, then places at its current version.  created_at and
 * placed_at are `at`, status is `status`. */
void conf_seed_order(const orders_store_vtable_t *vt, void *ud, const char *order_id,
                     const char *order_number, const char *customer_id, const char *seller_id,
                     int64_t at, orders_status_t status);

/* ---- reading the store (assert the read succeeds) ------------------------- */

orders_stock_t conf_stock(const orders_store_vtable_t *vt, void *ud, const char *product_id);
/* available + reserved + sold == stocked - adjusted, and no count negative. */
void assert_invariant(const orders_store_vtable_t *vt, void *ud, const char *product_id);
/* Checks the three levels and the invariant. */
void conf_assert_stock(const orders_store_vtable_t *vt, void *ud, const char *product_id,
                       int64_t available, int64_t reserved, int64_t sold);
size_t conf_history_count(const orders_store_vtable_t *vt, void *ud, const char *order_id);
int64_t conf_outbox_pending(const orders_store_vtable_t *vt, void *ud);
int64_t conf_outbox_dead(const orders_store_vtable_t *vt, void *ud);
/* The stored cart of customer_id is at version with item_count lines. */
void conf_assert_cart_at(const orders_store_vtable_t *vt, void *ud, const char *customer_id,
                         int64_t version, size_t item_count);
/* The stored reservation of order_id has status. */
void conf_assert_res_status(const orders_store_vtable_t *vt, void *ud, const char *order_id,
                            orders_reservation_status_t status);

/* A placement that failed left nothing of itself: no order by its id or
 * number, no reservation, no history, and its idempotency key (if any)
 * unknown.  Use only when neither id nor number existed before. */
void conf_assert_not_placed(const orders_store_vtable_t *vt, void *ud, const conf_place_t *p);

/* Stock levels of some products plus outbox counts, to show that a failed
 * call changed nothing. */
#define CONF_SNAP_MAX 8
typedef struct conf_snapshot {
    size_t product_count;
    const char *product_ids[CONF_SNAP_MAX]; /* borrowed: must outlive the snapshot */
    orders_stock_t stock[CONF_SNAP_MAX];
    int64_t pending;
    int64_t dead;
} conf_snapshot_t;

void conf_snapshot_take(conf_snapshot_t *s, const orders_store_vtable_t *vt, void *ud,
                        const char *const *product_ids, size_t n);
void conf_snapshot_assert_same(const conf_snapshot_t *s, const orders_store_vtable_t *vt,
                               void *ud);

/* ---- deep comparison (every field) ------------------------------------------- */

void conf_assert_str(const char *what, const char *expected, const char *got);
void conf_assert_money(const char *what, const orders_money_t *expected, const orders_money_t *got);
void conf_assert_product_eq(const orders_product_t *expected, const orders_product_t *got);
void conf_assert_cart_eq(const orders_cart_t *expected, const orders_cart_t *got);
void conf_assert_order_eq(const orders_order_t *expected, const orders_order_t *got);
void conf_assert_reservation_eq(const orders_reservation_t *expected,
                                const orders_reservation_t *got);
void conf_assert_event_eq(const orders_event_t *expected, const orders_event_t *got);
void conf_assert_history_eq(const orders_history_t *expected, const orders_history_t *got);

#endif /* ORDERS_CONFORMANCE_H */
