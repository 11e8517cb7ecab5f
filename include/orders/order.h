/*
 * orders/order.h - placing, reading, listing and moving orders.
 *
 * Status machine:
 *     pending -> confirmed -> processing -> shipped -> delivered
 *     pending | confirmed -> cancelled   (releases held stock or returns sold
 *                                         stock, and refunds money paid)
 *     pending -> failed                  (payment failed; stock released)
 * Any other move is ORDERS_E_CONFLICT naming both states.  Every move sets
 * its timestamp, writes a history entry (who, when, from, to, note) and an
 * order_status_changed outbox event, in the same atomic store step.
 *
 * Thread-safety: all calls may run concurrently on one context.  Concurrent
 * changes to one order are serialized by its version: the library re-reads
 * and re-checks the rules when it loses a race, so two racing calls never
 * both win (for example, expiry and a late payment).
 * Ownership: *out (may be NULL) is set to NULL first, then to a new order
 * the caller frees with orders_order_free.  Free it whenever it is non-NULL,
 * whatever the code: a change that was recorded but whose follow-up failed
 * (a refund, a remote catalog's give-back) returns that failure together
 * with the order as recorded.  Lists are cleared with orders_order_list_clear.
 */
#ifndef ORDERS_ORDER_H
#define ORDERS_ORDER_H

#include <orders/context.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orders_place_request {
    const orders_address_t *shipping_address; /* this, or: */
    const char *shipping_address_id;          /* a saved address (customers backend) */
    orders_payment_method_t payment_method;
    const char *notes;                        /* optional */
    const char *idempotency_key;              /* optional, at most ORDERS_ID_MAX bytes */
    bool defer_payment;  /* online/wallet: leave the order pending for orders_order_pay */
} orders_place_request_t;

/*
 * Places the customer's cart as one atomic step: the cart is not empty
 * (ORDERS_E_EMPTY_CART, "Cart is empty"); the customer and the shipping
 * address are resolved (missing required address fields: ORDERS_E_INVALID
 * with field "shippingAddress.city" etc.); prices and stock are checked again
 * against the catalog (ORDERS_E_OUT_OF_STOCK, "Some items are not available:
 * NAME (requested: 10, available: 5)"); every line is reserved for the
 * reservation window, all or none; the order is created pending with a
 * unique orderNumber; the cart is cleared; outbox events (the customer's
 * order_placed and one new_order per seller) and history are written.  If
 * any step fails nothing is left behind and the cart is intact.
 *
 * Then payment runs through the method's gateway (unless defer_payment): cod
 * confirms at once (payment pending until delivery); wallet debits the
 * ledger and confirms as paid, or fails the order on insufficient funds;
 * online confirms, fails, or leaves the order pending for
 * orders_payment_complete.  An order whose total is 0 (a pricing hook's
 * discount took all of it) is confirmed and paid by any method, with no
 * gateway asked.  A payment outcome is not an error: ORDERS_OK is returned
 * with the order in its resulting state.  A total beyond ORDERS_MONEY_MAX
 * is ORDERS_E_OVERFLOW (field "pricing").
 *
 * With an idempotency key the placement happens once: the same key with the
 * same request returns the first order (as it is now); the same key with a
 * different request is ORDERS_E_IDEMPOTENCY.
 */
orders_code_t orders_order_place(orders_ctx_t *ctx, const orders_identity_t *who,
                                 const orders_place_request_t *req, orders_order_t **out,
                                 orders_error_t *err);

/* By id; when customer_id is not NULL, another customer's order is
 * ORDERS_E_NOT_FOUND ("Order not found"), exactly like a missing one. */
orders_code_t orders_order_get(orders_ctx_t *ctx, const char *id, const char *customer_id,
                               orders_order_t **out, orders_error_t *err);
orders_code_t orders_order_get_by_number(orders_ctx_t *ctx, const char *order_number,
                                         const char *customer_id, orders_order_t **out,
                                         orders_error_t *err);

typedef struct orders_list_query {
    const char *customer_id;     /* NULL: every customer (admin) */
    const char *seller_id;       /* NULL: every seller */
    bool has_status;
    orders_status_t status;
    int64_t page;                /* >= 1 */
    int64_t limit;               /* 1..1000; the server applies its own caps */
} orders_list_query_t;

/* Newest first, with out->total counting every match. */
orders_code_t orders_order_list(orders_ctx_t *ctx, const orders_list_query_t *q,
                                orders_order_list_t *out, orders_error_t *err);

/*
 * Moves an order to `to` (admin).  expected_version: ORDERS_ANY_VERSION or
 * the version the caller read (ORDERS_E_CONFLICT if it changed).  Moving to
 * cancelled behaves as orders_order_cancel.  Seller statuses follow the
 * order for fulfilment states.  actor and note are recorded in history.
 */
orders_code_t orders_order_set_status(orders_ctx_t *ctx, const char *id, orders_status_t to,
                                      const char *actor, const char *note,
                                      int64_t expected_version, orders_order_t **out,
                                      orders_error_t *err);

/*
 * Cancels from pending or confirmed (else ORDERS_E_CONFLICT; also refused
 * once any seller has moved its part past confirmed): held stock is
 * released, sold stock returned, a pending online payment voided, and money
 * paid refunded in full through the gateway.  customer_id scopes the lookup
 * as in orders_order_get (NULL for admin).  reason defaults to
 * "Cancelled by customer".  If the refund fails after the order is
 * cancelled, ORDERS_E_UNAVAILABLE is returned with the cancelled order in
 * *out; orders_order_refund retries it.
 */
orders_code_t orders_order_cancel(orders_ctx_t *ctx, const char *id, const char *customer_id,
                                  const char *actor, const char *reason, orders_order_t **out,
                                  orders_error_t *err);

/*
 * The order's current version (1 on placement, +1 on every change), scoped
 * like orders_order_get (another customer's order is ORDERS_E_NOT_FOUND).
 * Cheaper than reading the order when the store has order_version (store
 * version 3): a caller that keeps something derived from an order (a
 * rendered answer) checks it is still current with this.
 */
orders_code_t orders_order_version(orders_ctx_t *ctx, const char *id, const char *customer_id,
                                   int64_t *version, orders_error_t *err);

/* Every recorded change of the order, oldest first. */
orders_code_t orders_order_history(orders_ctx_t *ctx, const char *id, orders_history_list_t *out,
                                   orders_error_t *err);

/* True when the status machine allows from -> to. */
bool orders_status_can_move(orders_status_t from, orders_status_t to);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_ORDER_H */
