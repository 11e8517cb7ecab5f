/*
 * orders/cart.h - shopping carts, one per customer.
 *
 * Every change is a read-modify-write guarded by the cart's version: pass
 * ORDERS_ANY_VERSION to let the library retry on a concurrent change, or the
 * version you read to get ORDERS_E_CONFLICT when somebody changed the cart in
 * between.  Each change raises the version by one, recomputes totals and
 * moves expires_at to now + cart_ttl_ms.
 *
 * Rules: a product must exist and be active (ORDERS_E_NOT_FOUND,
 * ORDERS_E_INACTIVE); quantity is 1..max_quantity (ORDERS_E_INVALID, field
 * "quantity"); the requested quantity must not exceed available stock
 * (ORDERS_E_OUT_OF_STOCK, "Insufficient stock. Available: 5, Requested: 10");
 * at most max_cart_lines lines (ORDERS_E_LIMIT); one currency per cart
 * (ORDERS_E_CURRENCY).  Each line snapshots productName, productImage,
 * sellerId, price and availableStock when added (refreshed on update).
 *
 * Thread-safety: all calls may run concurrently on one context.
 * Ownership: *out (may be NULL where noted) is a new cart the caller frees
 * with orders_cart_free.
 */
#ifndef ORDERS_CART_H
#define ORDERS_CART_H

#include <orders/context.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ORDERS_ANY_VERSION (-1)

/* The customer's cart; an empty one is created (and stored) if none exists. */
orders_code_t orders_cart_get(orders_ctx_t *ctx, const char *customer_id, orders_cart_t **out,
                              orders_error_t *err);
/* Adds quantity of product_id; an existing line's quantity is raised. */
orders_code_t orders_cart_add(orders_ctx_t *ctx, const char *customer_id, const char *product_id,
                              int64_t quantity, int64_t expected_version, orders_cart_t **out,
                              orders_error_t *err);
/* Sets a line's quantity; quantity <= 0 removes the line.  A product not in
 * the cart is ORDERS_E_NOT_FOUND ("Item not found in cart"). */
orders_code_t orders_cart_update(orders_ctx_t *ctx, const char *customer_id,
                                 const char *product_id, int64_t quantity,
                                 int64_t expected_version, orders_cart_t **out,
                                 orders_error_t *err);
/* Removes a line; ORDERS_E_NOT_FOUND when it is not in the cart. */
orders_code_t orders_cart_remove(orders_ctx_t *ctx, const char *customer_id,
                                 const char *product_id, int64_t expected_version,
                                 orders_cart_t **out, orders_error_t *err);
/* Removes every line. */
orders_code_t orders_cart_clear(orders_ctx_t *ctx, const char *customer_id,
                                int64_t expected_version, orders_cart_t **out,
                                orders_error_t *err);
/* Deletes carts whose expires_at <= now; *purged (may be NULL) counts them. */
orders_code_t orders_carts_purge(orders_ctx_t *ctx, int64_t now, int64_t *purged,
                                 orders_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_CART_H */
