/*
 * orders/catalog.h - the product catalog and stock plugin interface (version 2).
 *
 * The catalog answers two questions for the core: what a product is (name,
 * image, seller, price, active) and how many units are available; and, for a
 * remote catalog, it holds stock for an order.
 *
 * Two shapes exist:
 *   - In-store (flag ORDERS_CATALOG_IN_STORE): stock lives in the store, so
 *     the store reserves, confirms and releases it inside its own atomic
 *     operations.  reserve/confirm/release are then never called and may be
 *     NULL.  The built-in "local" catalog is this shape.
 *   - Remote (a Products service): placement first calls reserve with the
 *     order id as idempotency key, then commits locally, and calls release
 *     if the local commit fails.  When the order is confirmed, confirm is
 *     called BEFORE the local commit (a failure leaves the order pending, to
 *     be retried; a local commit that then fails for good is followed by
 *     release).  Cancellation, failure and expiry commit locally first and
 *     then call release; a failed release is returned to the caller, who
 *     may call it again.
 *
 * Every member may be called from many threads at once.  Inputs are
 * borrowed; *out records are new and freed by the caller.
 * Versioning: members are only appended; the core checks `version`.
 */
#ifndef ORDERS_CATALOG_H
#define ORDERS_CATALOG_H

#include <orders/types.h>
#include <orders/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ORDERS_CATALOG_VERSION 2

#define ORDERS_CATALOG_IN_STORE 0x1u

typedef struct orders_catalog_line {
    const char *product_id;
    int64_t quantity;
} orders_catalog_line_t;

typedef struct orders_catalog_vtable {
    int version;
    const char *name;
    unsigned flags;              /* ORDERS_CATALOG_IN_STORE, ... */

    /* The product, active or not; ORDERS_E_NOT_FOUND if unknown. */
    orders_code_t (*product_get)(void *ud, const char *product_id, orders_product_t **out,
                                 orders_error_t *err);
    /* Units available now for product_id (0 when unknown to the stock). */
    orders_code_t (*stock_available)(void *ud, const char *product_id, int64_t *available,
                                     orders_error_t *err);
    /* Remote shape only: hold every line for order_id until expires_at, all
     * or none (ORDERS_E_OUT_OF_STOCK, err->field = the product id).  Calling
     * it again with the same order_id and lines succeeds without holding
     * twice. */
    orders_code_t (*reserve)(void *ud, const char *order_id, const orders_catalog_line_t *lines,
                             size_t line_count, int64_t expires_at, orders_error_t *err);
    /* Remote shape only: the order's held units become sold.  Confirming an
     * order already sold succeeds (the core may call it again after a
     * lost race). */
    orders_code_t (*confirm)(void *ud, const char *order_id, orders_error_t *err);
    /* Remote shape only: give back whatever the order holds, held or sold.
     * Releasing an order that holds nothing succeeds. */
    orders_code_t (*release)(void *ud, const char *order_id, orders_error_t *err);

    /* ---- added in version 2; optional (NULL, or a version-1 vtable: the
     * core calls product_get and stock_available once per id instead) ---- */

    /* What product_get and stock_available answer, for n ids in one call
     * (one lock, transaction or request instead of 2n): out[i] is ids[i]'s
     * product, or NULL when it is unknown (not an error), with its units
     * available.  available may be 0 for an inactive product: placement
     * treats inactive products as having none.  On failure no out[i] holds
     * a product.  The core calls it with n >= 1. */
    orders_code_t (*products_get)(void *ud, const char *const *ids, size_t n,
                                  orders_product_avail_t *out, orders_error_t *err);
} orders_catalog_vtable_t;

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_CATALOG_H */
