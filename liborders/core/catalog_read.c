/*
 * catalog_read.c - reading several products and their stock at once
 * through the catalog (internal.h).
 *
 * Placement re-reads every line of the cart.  A version-2 catalog answers
 * for the whole cart in one products_get (the local catalog: one store
 * lock or transaction; a Products service: one request); an older one is
 * asked product by product, with the same result.
 */
#include "internal.h"
#include "store_check.h"

orders_code_t orders__catalog_products_each(const orders_catalog_vtable_t *vt, void *ud,
                                            const char *const *ids, size_t n,
                                            orders_product_avail_t *out, orders_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        orders_product_t *p = NULL;
        int64_t available = 0;
        orders_code_t rc = vt->product_get(ud, ids[i], &p, err);
        if (rc == ORDERS_OK && p->active) {
            rc = vt->stock_available(ud, ids[i], &available, err);
        } else if (rc == ORDERS_E_NOT_FOUND) {
            rc = ORDERS_OK; /* unknown: no product, nothing available */
            orders_error_clear(err);
        }
        out[i].product = p;
        out[i].available = available;
        if (rc != ORDERS_OK) {
            orders__products_avail_clear(out, i + 1);
            return rc;
        }
    }
    return ORDERS_OK;
}

orders_code_t orders__catalog_products(const orders_catalog_vtable_t *vt, void *ud,
                                       const char *const *ids, size_t n,
                                       orders_product_avail_t *out, orders_error_t *err)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (orders_product_avail_t){NULL, 0};
    if (vt->version >= 2 && vt->products_get != NULL)
        return vt->products_get(ud, ids, n, out, err);
    return orders__catalog_products_each(vt, ud, ids, n, out, err);
}
