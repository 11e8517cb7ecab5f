/*
 * orders/seller.h - multi-seller orders: per-seller parts and statuses.
 *
 * Split: items are grouped by sellerId in the order they first appear.  Each
 * part's subtotal is the exact sum of its items.  The order-level tax,
 * shipping fee and discount are shared in proportion to part subtotals,
 * rounded down in minor units; the remainder left by rounding goes to the
 * FIRST part (the seller of the order's first item).  So every column, and
 * every part total (subtotal + tax + shipping - discount), adds up exactly to
 * the order's.
 *
 * Seller status: each seller moves its own part forward through
 * confirmed -> processing -> shipped -> delivered, one step at a time (or
 * stays at its status to update tracking and notes), while the order is
 * confirmed, processing or shipped.  Each update writes a history entry
 * with the seller's from and to statuses and the note "seller ID", and a
 * seller_status_changed event to the customer.
 *
 * Overall status rule: the order's status is the least advanced of its
 * sellers' statuses.  It is re-derived after every seller update; when it
 * moves, that is an ordinary status transition (timestamp, history, event).
 *
 * Thread-safety: all calls may run concurrently on one context.
 */
#ifndef ORDERS_SELLER_H
#define ORDERS_SELLER_H

#include <orders/context.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orders_seller_part {
    char *seller_id;
    size_t *item_indexes;        /* indexes into the order's items */
    size_t item_count;
    int64_t total_items;         /* sum of quantities */
    orders_money_t subtotal;
    orders_money_t tax;
    orders_money_t shipping_fee;
    orders_money_t discount;
    orders_money_t total;
} orders_seller_part_t;

typedef struct orders_split {
    orders_seller_part_t *parts;
    size_t count;
} orders_split_t;

/* One part per seller (see the rule above).  *out is new; free it with
 * orders_split_free.  Pure: no context needed. */
orders_code_t orders_order_split(const orders_order_t *order, orders_split_t **out,
                                 orders_error_t *err);
void orders_split_free(orders_split_t *split);

/* The part of seller_id, or NULL (not found); borrowed from split. */
const orders_seller_part_t *orders_split_find(const orders_split_t *split,
                                              const char *seller_id);

/* What a seller changes; NULL strings and 0 dates leave fields as they are. */
typedef struct orders_seller_update {
    orders_status_t status;
    const char *tracking_number;
    const char *notes;
    int64_t estimated_delivery;
} orders_seller_update_t;

/* Updates seller_id's status in order id and re-derives the order status.
 * ORDERS_E_NOT_FOUND if the seller has no part in the order,
 * ORDERS_E_CONFLICT for a move the rules above refuse. */
orders_code_t orders_seller_status_set(orders_ctx_t *ctx, const char *id, const char *seller_id,
                                       const orders_seller_update_t *update, const char *actor,
                                       orders_order_t **out, orders_error_t *err);

/* The overall status the rule gives for the order's seller statuses. */
orders_status_t orders_status_derive(const orders_order_t *order);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_SELLER_H */
