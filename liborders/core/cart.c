/*
 * cart.c - one cart per customer: add, update, remove, clear, purge.
 *
 * Every change runs through cart_change(): read the cart (or start an
 * empty one), check the caller's expected version, apply one edit,
 * recompute totals, and write it back only if nobody changed it meanwhile.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef enum edit_kind { EDIT_ADD, EDIT_UPDATE, EDIT_REMOVE, EDIT_CLEAR } edit_kind_t;

typedef struct edit {
    edit_kind_t kind;
    const char *product_id;
    int64_t quantity;
    const orders_product_t *product; /* add/update: looked up before the loop */
    int64_t available;
} edit_t;

static orders_cart_t *empty_cart(orders_ctx_t *ctx, const char *customer_id, int64_t now)
{
    orders_cart_t *c = calloc(1, sizeof *c);
    char id[ORDERS_ID_MAX + 1];
    orders__new_id(ctx, id);
    if (!c || !orders__set_str(&c->id, id) || !orders__set_str(&c->customer_id, customer_id)) {
        orders_cart_free(c);
        return NULL;
    }
    c->created_at = now;
    c->updated_at = now;
    c->expires_at = now + ctx->cfg.cart_ttl_ms;
    return c;
}

static orders_code_t load_cart(orders_ctx_t *ctx, const char *customer_id, int64_t now,
                               orders_cart_t **out, orders_error_t *err)
{
    orders_code_t rc = ctx->store->cart_get(ctx->store_ud, customer_id, out, err);
    if (rc == ORDERS_OK && !orders__cart_loosen(out)) { /* edited below: must own its members */
        orders_cart_free(*out);
        *out = NULL;
        return orders__nomem(err);
    }
    if (rc != ORDERS_E_NOT_FOUND)
        return rc;
    orders_error_clear(err);
    *out = empty_cart(ctx, customer_id, now);
    return *out ? ORDERS_OK : orders__nomem(err);
}

static orders_cart_line_t *find_line(orders_cart_t *c, const char *product_id)
{
    for (size_t i = 0; i < c->item_count; i++)
        if (strcmp(c->items[i].product_id, product_id) == 0)
            return &c->items[i];
    return NULL;
}

static void line_clear(orders_cart_line_t *l)
{
    free(l->product_id);
    free(l->seller_id);
    free(l->product_name);
    free(l->product_image);
    memset(l, 0, sizeof *l);
}

static void drop_line(orders_cart_t *c, orders_cart_line_t *l)
{
    size_t i = (size_t)(l - c->items);
    line_clear(l);
    memmove(&c->items[i], &c->items[i + 1], (c->item_count - i - 1) * sizeof *l);
    c->item_count--;
}

static orders_code_t recompute(orders_cart_t *c, orders_error_t *err)
{
    int64_t items = 0;
    orders_money_t total = {0};
    for (size_t i = 0; i < c->item_count; i++) {
        orders_cart_line_t *l = &c->items[i];
        orders_code_t rc = orders_money_mul(&l->price, l->quantity, &l->total_price, err);
        if (rc)
            return rc;
        if (i == 0)
            memcpy(total.currency, l->price.currency, ORDERS_CURRENCY_LEN);
        if ((rc = orders_money_add(&total, &l->total_price, &total, err)))
            return rc;
        if (!orders_i64_add(items, l->quantity, &items))
            return orders_error_set(err, ORDERS_E_OVERFLOW, "quantity", "cart quantity overflows");
    }
    c->total_items = items;
    c->total_amount = total;
    return ORDERS_OK;
}

static orders_code_t snapshot(orders_cart_line_t *l, const orders_product_t *p, int64_t available)
{
    if (!orders__set_str(&l->seller_id, p->seller_id) ||
        !orders__set_str(&l->product_name, p->name) ||
        !orders__set_str(&l->product_image, p->image))
        return ORDERS_E_NOMEM;
    l->price = p->price;
    l->available_stock = available;
    return ORDERS_OK;
}

static orders_code_t insufficient(orders_ctx_t *ctx, int64_t available, int64_t requested,
                                  orders_error_t *err)
{
    orders__stat(ctx, "out_of_stock");
    return orders_error_set(err, ORDERS_E_OUT_OF_STOCK, "quantity",
                            "Insufficient stock. Available: %lld, Requested: %lld",
                            (long long)available, (long long)requested);
}

static orders_code_t apply_add(orders_ctx_t *ctx, orders_cart_t *c, const edit_t *e, int64_t now,
                               orders_error_t *err)
{
    const orders_product_t *p = e->product;
    if (c->item_count > 0 && strcmp(c->total_amount.currency, p->price.currency) != 0)
        return orders_error_set(err, ORDERS_E_CURRENCY, "productId",
                                "Cart is in %s; this product is priced in %s",
                                c->total_amount.currency, p->price.currency);
    orders_cart_line_t *l = find_line(c, e->product_id);
    int64_t want = e->quantity;
    if (l && !orders_i64_add(l->quantity, e->quantity, &want))
        return orders_error_set(err, ORDERS_E_INVALID, "quantity", "quantity is too large");
    if (want > ctx->cfg.max_quantity)
        return orders_error_set(err, ORDERS_E_LIMIT, "quantity",
                                "Quantity cannot exceed %lld", (long long)ctx->cfg.max_quantity);
    if (want > e->available)
        return insufficient(ctx, e->available, want, err);
    if (!l) {
        if ((int64_t)c->item_count >= ctx->cfg.max_cart_lines)
            return orders_error_set(err, ORDERS_E_LIMIT, "productId",
                                    "Cart cannot have more than %lld items",
                                    (long long)ctx->cfg.max_cart_lines);
        orders_cart_line_t *items = realloc(c->items, (c->item_count + 1) * sizeof *items);
        if (!items)
            return orders__nomem(err);
        c->items = items;
        l = &c->items[c->item_count++];
        memset(l, 0, sizeof *l);
        l->added_at = now;
        if (!orders__set_str(&l->product_id, e->product_id)) {
            c->item_count--;
            return orders__nomem(err);
        }
    }
    l->quantity = want;
    return snapshot(l, p, e->available) ? orders__nomem(err) : ORDERS_OK;
}

static orders_code_t apply_edit(orders_ctx_t *ctx, orders_cart_t *c, const edit_t *e,
                                int64_t now, orders_error_t *err)
{
    orders_cart_line_t *l;
    switch (e->kind) {
    case EDIT_ADD:
        return apply_add(ctx, c, e, now, err);
    case EDIT_UPDATE:
        if (!(l = find_line(c, e->product_id)))
            return orders_error_set(err, ORDERS_E_NOT_FOUND, "productId", "Item not found in cart");
        if (e->quantity <= 0) {
            drop_line(c, l);
            return ORDERS_OK;
        }
        if (e->quantity > ctx->cfg.max_quantity)
            return orders_error_set(err, ORDERS_E_LIMIT, "quantity", "Quantity cannot exceed %lld",
                                    (long long)ctx->cfg.max_quantity);
        if (e->quantity > e->available)
            return insufficient(ctx, e->available, e->quantity, err);
        l->quantity = e->quantity;
        return snapshot(l, e->product, e->available) ? orders__nomem(err) : ORDERS_OK;
    case EDIT_REMOVE:
        if (!(l = find_line(c, e->product_id)))
            return orders_error_set(err, ORDERS_E_NOT_FOUND, "productId", "Item not found in cart");
        drop_line(c, l);
        return ORDERS_OK;
    case EDIT_CLEAR:
        while (c->item_count)
            drop_line(c, &c->items[c->item_count - 1]);
        return ORDERS_OK;
    }
    return ORDERS_E_INVALID;
}

static orders_code_t cart_change(orders_ctx_t *ctx, const char *customer_id, const edit_t *e,
                                 int64_t expected_version, orders_cart_t **out,
                                 orders_error_t *err)
{
    for (int attempt = 0; attempt < ORDERS__MAX_RETRIES; attempt++) {
        int64_t now = orders_ctx_now(ctx);
        orders_cart_t *c = NULL;
        orders_code_t rc = load_cart(ctx, customer_id, now, &c, err);
        if (rc)
            return rc;
        int64_t read_version = c->version;
        size_t lines_before = c->item_count;
        if (expected_version != ORDERS_ANY_VERSION && expected_version != read_version) {
            orders_cart_free(c);
            return orders_error_set(err, ORDERS_E_CONFLICT, "version",
                                    "cart version is %lld, expected %lld",
                                    (long long)read_version, (long long)expected_version);
        }
        if ((rc = apply_edit(ctx, c, e, now, err)) || (rc = recompute(c, err))) {
            orders_cart_free(c);
            return rc;
        }
        c->version = read_version + 1;
        c->updated_at = now;
        c->expires_at = now + ctx->cfg.cart_ttl_ms;
        rc = ctx->store->cart_put(ctx->store_ud, c, read_version, err);
        if (rc == ORDERS_OK) {
            if (lines_before == 0 && c->item_count > 0)
                orders__stat(ctx, "cart_created"); /* a shopping session starts */
            if (out)
                *out = c;
            else
                orders_cart_free(c);
            return ORDERS_OK;
        }
        orders_cart_free(c);
        if (rc != ORDERS_E_CONFLICT || expected_version != ORDERS_ANY_VERSION)
            return rc;
        orders_error_clear(err);
    }
    return orders_error_set(err, ORDERS_E_CONFLICT, NULL, "cart is changing too often; try again");
}

/* Looks the product and its stock up through the catalog (one call for a
 * version-2 catalog): it must exist and be active. */
static orders_code_t product_for_cart(orders_ctx_t *ctx, const char *product_id,
                                      orders_product_t **p, int64_t *available,
                                      orders_error_t *err)
{
    orders_product_avail_t pa;
    orders_code_t rc = orders__catalog_products(ctx->catalog, ctx->catalog_ud, &product_id, 1,
                                                &pa, err);
    *p = NULL;
    if (rc)
        return rc;
    if (pa.product == NULL)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "productId", "Product not found");
    if (!pa.product->active) {
        orders_product_free(pa.product);
        return orders_error_set(err, ORDERS_E_INACTIVE, "productId", "Product is not available");
    }
    *p = pa.product;
    *available = pa.available;
    return ORDERS_OK;
}

static orders_code_t check_args(const char *customer_id, const char *product_id,
                                orders_error_t *err)
{
    orders_code_t rc = orders__check_id(customer_id, "customerId", err);
    if (rc == ORDERS_OK && product_id)
        rc = orders__check_id(product_id, "productId", err);
    return rc;
}

static orders_code_t change_with_product(orders_ctx_t *ctx, const char *customer_id,
                                         edit_t *e, int64_t expected_version,
                                         orders_cart_t **out, orders_error_t *err)
{
    orders_product_t *p = NULL;
    orders_code_t rc = product_for_cart(ctx, e->product_id, &p, &e->available, err);
    if (rc)
        return rc;
    e->product = p;
    rc = cart_change(ctx, customer_id, e, expected_version, out, err);
    orders_product_free(p);
    return rc;
}

orders_code_t orders_cart_add(orders_ctx_t *ctx, const char *customer_id, const char *product_id,
                              int64_t quantity, int64_t expected_version, orders_cart_t **out,
                              orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_code_t rc = check_args(customer_id, product_id, err);
    if (rc)
        return rc;
    if (quantity < 1)
        return orders_error_set(err, ORDERS_E_INVALID, "quantity", "Quantity must be at least 1");
    if (quantity > ctx->cfg.max_quantity)
        return orders_error_set(err, ORDERS_E_LIMIT, "quantity", "Quantity cannot exceed %lld",
                                (long long)ctx->cfg.max_quantity);
    edit_t e = {.kind = EDIT_ADD, .product_id = product_id, .quantity = quantity};
    return change_with_product(ctx, customer_id, &e, expected_version, out, err);
}

orders_code_t orders_cart_update(orders_ctx_t *ctx, const char *customer_id,
                                 const char *product_id, int64_t quantity,
                                 int64_t expected_version, orders_cart_t **out,
                                 orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_code_t rc = check_args(customer_id, product_id, err);
    if (rc)
        return rc;
    edit_t e = {.kind = EDIT_UPDATE, .product_id = product_id, .quantity = quantity};
    if (quantity <= 0) /* removal needs no catalog */
        return cart_change(ctx, customer_id, &e, expected_version, out, err);
    return change_with_product(ctx, customer_id, &e, expected_version, out, err);
}

orders_code_t orders_cart_remove(orders_ctx_t *ctx, const char *customer_id,
                                 const char *product_id, int64_t expected_version,
                                 orders_cart_t **out, orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_code_t rc = check_args(customer_id, product_id, err);
    if (rc)
        return rc;
    edit_t e = {.kind = EDIT_REMOVE, .product_id = product_id};
    return cart_change(ctx, customer_id, &e, expected_version, out, err);
}

orders_code_t orders_cart_clear(orders_ctx_t *ctx, const char *customer_id,
                                int64_t expected_version, orders_cart_t **out,
                                orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_code_t rc = check_args(customer_id, NULL, err);
    if (rc)
        return rc;
    edit_t e = {.kind = EDIT_CLEAR};
    return cart_change(ctx, customer_id, &e, expected_version, out, err);
}

orders_code_t orders_cart_get(orders_ctx_t *ctx, const char *customer_id, orders_cart_t **out,
                              orders_error_t *err)
{
    *out = NULL;
    orders_code_t rc = check_args(customer_id, NULL, err);
    if (rc)
        return rc;
    for (int attempt = 0; attempt < ORDERS__MAX_RETRIES; attempt++) {
        rc = ctx->store->cart_get(ctx->store_ud, customer_id, out, err);
        if (rc != ORDERS_E_NOT_FOUND)
            return rc;
        orders_error_clear(err);
        orders_cart_t *c = empty_cart(ctx, customer_id, orders_ctx_now(ctx));
        if (!c)
            return orders__nomem(err);
        c->version = 1;
        rc = ctx->store->cart_put(ctx->store_ud, c, 0, err);
        if (rc == ORDERS_OK) {
            *out = c;
            return ORDERS_OK;
        }
        orders_cart_free(c);
        if (rc != ORDERS_E_CONFLICT) /* conflict: created meanwhile; read it */
            return rc;
        orders_error_clear(err);
    }
    return orders_error_set(err, ORDERS_E_CONFLICT, NULL, "cart is changing too often; try again");
}

orders_code_t orders_carts_purge(orders_ctx_t *ctx, int64_t now, int64_t *purged,
                                 orders_error_t *err)
{
    int64_t n = 0;
    orders_code_t rc = ctx->store->cart_purge(ctx->store_ud, now, &n, err);
    if (purged)
        *purged = rc ? 0 : n;
    return rc;
}
