/*
 * catalog/local.c - the built-in "local" catalog: products and stock kept
 * in the context's store.  Its stock moves inside the store's own atomic
 * operations (flag ORDERS_CATALOG_IN_STORE), so it has no reserve, confirm
 * or release of its own.
 *
 * Its userdata is unused; it reads the store through the context, which
 * the core passes as the userdata when it registers this catalog by default.
 */
#include "../core/internal.h"

/* The local catalog needs the store: the core registers it with the
 * context itself as userdata (see context.c). */
static orders_code_t local_product_get(void *ud, const char *id, orders_product_t **out,
                                       orders_error_t *err)
{
    orders_ctx_t *ctx = ud;
    return ctx->store->product_get(ctx->store_ud, id, out, err);
}

static orders_code_t local_stock_available(void *ud, const char *id, int64_t *available,
                                           orders_error_t *err)
{
    orders_ctx_t *ctx = ud;
    orders_stock_t st;
    orders_code_t rc = ctx->store->stock_get(ctx->store_ud, id, &st, err);
    *available = rc == ORDERS_OK ? st.available : 0;
    return rc;
}

static const orders_catalog_vtable_t local_catalog;

/* One store read for the whole cart when the store has products_read
 * (version 2), else the per-id fallback over the members above. */
static orders_code_t local_products_get(void *ud, const char *const *ids, size_t n,
                                        orders_product_avail_t *out, orders_error_t *err)
{
    orders_ctx_t *ctx = ud;
    if (ctx->store->version >= 2 && ctx->store->products_read != NULL)
        return ctx->store->products_read(ctx->store_ud, ids, n, out, err);
    return orders__catalog_products_each(&local_catalog, ud, ids, n, out, err);
}

static const orders_catalog_vtable_t local_catalog = {
    .version = ORDERS_CATALOG_VERSION,
    .name = "local",
    .flags = ORDERS_CATALOG_IN_STORE,
    .product_get = local_product_get,
    .stock_available = local_stock_available,
    .products_get = local_products_get,
};

const orders_catalog_vtable_t *orders_catalog_local_vtable(void)
{
    return &local_catalog;
}
