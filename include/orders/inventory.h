/*
 * orders/inventory.h - products, stock, and reservations outside placement.
 *
 * These calls back the admin catalog routes and the inventory routes.  They
 * work on the store's own catalog (the built-in "local" catalog).
 *
 * Thread-safety: all calls may run concurrently on one context.
 * Ownership: *out records are new; the caller frees them (types.h).
 */
#ifndef ORDERS_INVENTORY_H
#define ORDERS_INVENTORY_H

#include <orders/context.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One requested line: product and quantity (borrowed). */
typedef struct orders_item_request {
    const char *product_id;
    int64_t quantity;
} orders_item_request_t;

/*
 * Creates (create_only) or replaces product p.  Validates: id and seller_id
 * non-empty and at most ORDERS_ID_MAX bytes, name non-empty, price from 0 to
 * ORDERS_MONEY_MAX in a known currency.  Timestamps are set by the library (created_at is kept on
 * replace).  ORDERS_E_INVALID names the field; ORDERS_E_CONFLICT when
 * create_only and the id exists.  *out (may be NULL) receives the stored product.
 */
orders_code_t orders_product_put(orders_ctx_t *ctx, const orders_product_t *p, bool create_only,
                                 orders_product_t **out, orders_error_t *err);
/*
 * Creates product p, as orders_product_put with create_only, except that
 * when a product with p's id already exists with exactly p's fields (a
 * retried create), that is ORDERS_OK with *replayed set and the stored
 * product in *out.  An existing product that differs is ORDERS_E_CONFLICT.
 */
orders_code_t orders_product_create_once(orders_ctx_t *ctx, const orders_product_t *p,
                                         bool *replayed, orders_product_t **out,
                                         orders_error_t *err);
orders_code_t orders_product_get(orders_ctx_t *ctx, const char *id, orders_product_t **out,
                                 orders_error_t *err);
/* Products of seller_id (all when NULL), by id; page >= 1, 1 <= limit <= 1000. */
orders_code_t orders_product_list(orders_ctx_t *ctx, const char *seller_id, int64_t page,
                                  int64_t limit, orders_product_list_t *out, orders_error_t *err);

orders_code_t orders_stock_get(orders_ctx_t *ctx, const char *product_id, orders_stock_t *out,
                               orders_error_t *err);
/* Sets the available count (>= 0); the difference counts as stocked or
 * adjusted, so the invariant holds.  *out (may be NULL) gets the new levels. */
orders_code_t orders_stock_set(orders_ctx_t *ctx, const char *product_id, int64_t available,
                               orders_stock_t *out, orders_error_t *err);
/* Adds (delta > 0) or removes (delta < 0) available units; never below zero
 * (ORDERS_E_CONFLICT).  delta 0 is ORDERS_E_INVALID. */
orders_code_t orders_stock_adjust(orders_ctx_t *ctx, const char *product_id, int64_t delta,
                                  orders_stock_t *out, orders_error_t *err);

/* Availability of each line, read through the catalog.  results has n
 * entries, filled in order: available[i] units exist, ok[i] when they cover
 * the request.  *all_ok when every line is covered.  A quantity < 1 or an
 * empty id is ORDERS_E_INVALID (field "items[i].quantity"). */
orders_code_t orders_inventory_check(orders_ctx_t *ctx, const orders_item_request_t *items,
                                     size_t n, int64_t *available, bool *ok, bool *all_ok,
                                     orders_error_t *err);

/*
 * Holds every line for order_id for window_ms (0: the configured window),
 * all or none: ORDERS_E_OUT_OF_STOCK names the short product in err->field
 * and the message.  A second reservation for one order id with the same
 * customer and the same lines (a retry) returns the first one as it is now,
 * with ORDERS_OK and without holding anything more; with other lines or
 * another customer it is ORDERS_E_CONFLICT.  *out (may be NULL) receives
 * the reservation.
 */
orders_code_t orders_reservation_create(orders_ctx_t *ctx, const char *order_id,
                                        const char *customer_id,
                                        const orders_item_request_t *items, size_t n,
                                        int64_t window_ms, orders_reservation_t **out,
                                        orders_error_t *err);
orders_code_t orders_reservation_get(orders_ctx_t *ctx, const char *order_id,
                                     orders_reservation_t **out, orders_error_t *err);
/* Converts order_id's reservation into a sale.  When an order with that id
 * exists and is pending, the order becomes confirmed (its payment status is
 * left as it is: an inventory confirmation is not a payment); otherwise the
 * reservation is settled alone.  ORDERS_E_EXPIRED after the
 * deadline, even before the sweep has run. */
orders_code_t orders_reservation_confirm(orders_ctx_t *ctx, const char *order_id,
                                         orders_error_t *err);
/* Releases order_id's active reservation; a pending order holding it is
 * cancelled ("inventory released"). */
orders_code_t orders_reservation_release(orders_ctx_t *ctx, const char *order_id,
                                         orders_error_t *err);
/*
 * The sweep: releases every active reservation whose deadline is <= now and
 * cancels the pending (unpaid) order that held it, with reason "reservation
 * expired" (voiding any pending online payment).  *expired (may be NULL)
 * counts reservations expired.  Safe to run from several threads or
 * processes at once: each reservation expires exactly once.  A long due
 * list is worked on up to 8 threads this call starts and joins before it
 * returns (one per 16 due), so that a store with group commit writes many
 * expiries per transaction; the ctx's store and hooks (clock, gateway,
 * notifier) are then called from those threads too.
 */
orders_code_t orders_reservations_expire(orders_ctx_t *ctx, int64_t now, int64_t *expired,
                                         orders_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_INVENTORY_H */
