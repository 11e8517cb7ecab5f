/*
 * test_catalog_read.c - placement reads the cart's products through the
 * catalog in one call when it can (catalog and store version 2) and product
 * by product when it cannot (version-1 catalogs and stores), with the same
 * result either way; cart additions read their product the same way.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "support/fixture.h"
#include "support/fixture_extra.h"

static fixture_t F;

/* Calls that reached the counting catalogs below, and those of them made
 * while placing (cart additions ask the catalog too). */
typedef struct calls {
    int product_get, stock_available, products_get;
} calls_t;
static calls_t calls, placing;

static orders_code_t count_product_get(void *ud, const char *id, orders_product_t **out,
                                       orders_error_t *err)
{
    calls.product_get++;
    return orders_catalog_local_vtable()->product_get(ud, id, out, err);
}

static orders_code_t count_stock_available(void *ud, const char *id, int64_t *available,
                                           orders_error_t *err)
{
    calls.stock_available++;
    return orders_catalog_local_vtable()->stock_available(ud, id, available, err);
}

static orders_code_t count_products_get(void *ud, const char *const *ids, size_t n,
                                        orders_product_avail_t *out, orders_error_t *err)
{
    calls.products_get++;
    return orders_catalog_local_vtable()->products_get(ud, ids, n, out, err);
}

/* The local catalog as a version-1 backend (no products_get) ... */
static const orders_catalog_vtable_t catalog_v1 = {
    .version = 1,
    .name = "counting-v1",
    .flags = ORDERS_CATALOG_IN_STORE,
    .product_get = count_product_get,
    .stock_available = count_stock_available,
};

/* ... and as a version-2 one. */
static const orders_catalog_vtable_t catalog_v2 = {
    .version = 2,
    .name = "counting-v2",
    .flags = ORDERS_CATALOG_IN_STORE,
    .product_get = count_product_get,
    .stock_available = count_stock_available,
    .products_get = count_products_get,
};

/* The memory store as a version-1 backend: no products_read. */
static orders_store_vtable_t store_v1;

typedef enum { PATH_DEFAULT, PATH_STORE_V1, PATH_CATALOG_V1, PATH_CATALOG_V2 } path_t;

/* A fixture whose catalog and store take the given path, stocked with an
 * active product p1 (10), a scarce one p2 (2) and an inactive one p3. */
static void open_path(path_t path)
{
    orders_error_t err = {0};
    memset(&calls, 0, sizeof calls);
    memset(&placing, 0, sizeof placing);
    fix_open(&F, NULL);
    if (path == PATH_STORE_V1) {
        void *ud = NULL;
        store_v1 = *orders_store_memory_vtable();
        store_v1.version = 1;
        store_v1.products_read = NULL;
        cr_assert_eq(orders_store_memory_new(&ud, &err), ORDERS_OK, "%s", err.message);
        cr_assert_eq(orders_ctx_set_store(F.ctx, &store_v1, ud, orders_store_memory_free, &err),
                     ORDERS_OK, "version-1 store refused: %s", err.message);
    } else if (path == PATH_CATALOG_V1 || path == PATH_CATALOG_V2) {
        const orders_catalog_vtable_t *vt = path == PATH_CATALOG_V1 ? &catalog_v1 : &catalog_v2;
        cr_assert_eq(orders_ctx_set_catalog(F.ctx, vt, F.ctx, NULL, &err), ORDERS_OK,
                     "catalog refused: %s", err.message);
    }
    fixx_product(&F, "p1", "s1", "Widget", NULL, 1999, "USD", 10, true);
    fixx_product(&F, "p2", "s2", "Gadget", NULL, 500, "USD", 2, true);
    fixx_product(&F, "p3", "s1", "Gizmo", NULL, 700, "USD", 5, true);
}

/* orders_order_place, counting the catalog calls it makes. */
static orders_code_t place(const orders_identity_t *who, const orders_place_request_t *req,
                           orders_order_t **out, orders_error_t *err)
{
    calls_t before = calls;
    orders_code_t rc = orders_order_place(F.ctx, who, req, out, err);
    placing.product_get += calls.product_get - before.product_get;
    placing.stock_available += calls.stock_available - before.stock_available;
    placing.products_get += calls.products_get - before.products_get;
    return rc;
}

/* Places c1's cart (p1 x2, p2 x3, p3 x1 with p3 then deactivated) and
 * checks the refusal; then c2's (p1 x2, p2 x1) and checks the order. */
static void place_both(void)
{
    orders_error_t err = {0};
    orders_place_request_t req = {.shipping_address = fix_address(),
                                  .payment_method = ORDERS_METHOD_COD};
    orders_identity_t c1 = {.id = "c1", .name = "Ada", .email = "ada@example.com"};
    orders_identity_t c2 = {.id = "c2", .name = "Bob", .email = "bob@example.com"};
    orders_order_t *o = NULL;

    fix_add(&F, "c1", "p1", 2);
    fix_add(&F, "c1", "p2", 2);
    fix_add(&F, "c1", "p3", 1);
    fixx_set_active(&F, "p3", false);
    cr_assert_eq(orders_stock_set(F.ctx, "p2", 1, NULL, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(place(&c1, &req, &o, &err), ORDERS_E_OUT_OF_STOCK,
                 "c1 must be refused: %s", err.message);
    cr_assert_null(o);
    cr_assert_str_eq(err.message, "Some items are not available: Gadget (requested: 2, "
                                  "available: 1), Gizmo (requested: 1, available: 0)");

    fix_add(&F, "c2", "p1", 2);
    fix_add(&F, "c2", "p2", 1);
    memset(&err, 0, sizeof err);
    cr_assert_eq(place(&c2, &req, &o, &err), ORDERS_OK, "c2: %s",
                 err.message);
    cr_assert_eq(o->item_count, 2);
    cr_assert_str_eq(o->items[0].product_name, "Widget");
    cr_assert_eq(o->items[0].total_price.amount, 2 * 1999);
    cr_assert_str_eq(o->items[1].seller_id, "s2");
    cr_assert_eq(o->total_amount.amount, 2 * 1999 + 500);
    orders_order_free(o);
    cr_assert_eq(fix_stock(&F, "p1").sold, 2, "p1 sold");
    cr_assert_eq(fix_stock(&F, "p2").available, 0, "p2 sold out");
    fix_assert_invariant(&F, "p1");
    fix_assert_invariant(&F, "p2");
}

Test(catalog_read, default_catalog_and_store_read_in_one_call)
{
    open_path(PATH_DEFAULT);
    place_both();
    fix_close(&F);
}

Test(catalog_read, version_1_store_is_read_product_by_product)
{
    open_path(PATH_STORE_V1);
    place_both();
    fix_close(&F);
}

Test(catalog_read, version_1_catalog_is_asked_product_by_product)
{
    open_path(PATH_CATALOG_V1);
    place_both();
    /* c1: 3 lines (p3 inactive: no stock question); c2: 2 lines */
    cr_assert_eq(placing.products_get, 0);
    cr_assert_eq(placing.product_get, 5, "product_get calls: %d", placing.product_get);
    cr_assert_eq(placing.stock_available, 4, "stock_available calls: %d",
                 placing.stock_available);
    fix_close(&F);
}

Test(catalog_read, version_2_catalog_is_asked_once_per_placement)
{
    open_path(PATH_CATALOG_V2);
    place_both();
    cr_assert_eq(placing.products_get, 2, "one products_get per placement: %d",
                 placing.products_get);
    cr_assert_eq(placing.product_get, 0, "product_get while placing: %d", placing.product_get);
    cr_assert_eq(placing.stock_available, 0, "stock_available while placing: %d",
                 placing.stock_available);
    /* cart additions ask for their one product the same way */
    cr_assert_eq(calls.product_get + calls.stock_available, 0,
                 "a version-2 catalog was asked product by product");
    cr_assert_eq(calls.products_get, 2 + 5, "products_get calls: %d (2 placements, 5 adds)",
                 calls.products_get);
    fix_close(&F);
}
