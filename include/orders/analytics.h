/*
 * orders/analytics.h - sales and inventory analytics over a time range.
 *
 * Definitions (from <= t < to):
 *   - carts_created counts shopping sessions: an empty cart (new, or
 *     cleared by a placement) receiving its first line;
 *   - conversion: orders placed / carts created, in basis points;
 *   - average order value: per currency, total of placed orders / count;
 *   - cancellation rate: orders placed in range now cancelled / placed (bp);
 *   - reservations: counts by final status of reservations updated in range;
 *     their conversion is confirmed / settled (confirmed + expired +
 *     cancelled), in basis points (0 when none settled);
 *   - fulfilment: mean placed -> delivered time of delivered orders placed
 *     in range;
 *   - revenue by payment method: totals of orders now confirmed,
 *     processing, shipped or delivered, less their refunds;
 *   - revenue by seller: the item totals of those same orders, gross (a
 *     refund is not attributed to a seller); `orders` counts their orders;
 *   - out_of_stock: refusals for stock at cart or placement;
 *   - reservation_conflicts: reservations lost to a concurrent buyer.
 *
 * Thread-safety: may run concurrently with anything.
 */
#ifndef ORDERS_ANALYTICS_H
#define ORDERS_ANALYTICS_H

#include <orders/context.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orders_amount_row {
    char *key;                   /* seller id, method name or currency */
    orders_money_t amount;
    int64_t orders;
} orders_amount_row_t;

typedef struct orders_analytics {
    int64_t from, to;
    int64_t carts_created;
    int64_t orders_placed;
    int64_t conversion_bp;
    int64_t orders_cancelled;
    int64_t cancellation_bp;
    orders_amount_row_t *average_order_value; /* key = currency */
    size_t average_order_value_count;
    orders_res_counts_t reservations;
    int64_t orders_delivered;
    int64_t mean_delivery_ms;
    orders_amount_row_t *revenue_by_seller;
    size_t revenue_by_seller_count;
    orders_amount_row_t *revenue_by_method;
    size_t revenue_by_method_count;
    int64_t out_of_stock;
    int64_t reservation_conflicts;
    /* Appended after version 0.1.0's first release; the library allocates
     * this struct, so callers built against the shorter one are unaffected. */
    int64_t reservation_conversion_bp; /* confirmed / (confirmed + expired +
                                          cancelled) reservations, in bp */
} orders_analytics_t;

/* *out is new; free with orders_analytics_free.  from < to, else
 * ORDERS_E_INVALID.  ORDERS_E_OVERFLOW when a sum exceeds ORDERS_MONEY_MAX
 * (money.h), which no figure can show exactly: ask for a shorter range. */
orders_code_t orders_analytics_compute(orders_ctx_t *ctx, int64_t from, int64_t to,
                                       orders_analytics_t **out, orders_error_t *err);
void orders_analytics_free(orders_analytics_t *a);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_ANALYTICS_H */
