/*
 * server/demo.c - the small catalog --demo-catalog loads: three sellers,
 * eight products, each created with its stock only when it does not exist
 * yet, so a restart keeps what customers bought.
 */
#include "server.h"

static const struct demo_product {
    const char *id, *seller, *name, *image;
    int64_t cents;
    int64_t stock;
} demo[] = {
    {"prod-keyboard", "seller-acme", "Mechanical keyboard", "https://example.com/img/keyboard.jpg", 8999, 25},
    {"prod-mouse", "seller-acme", "Wireless mouse", "https://example.com/img/mouse.jpg", 2999, 50},
    {"prod-monitor", "seller-acme", "27-inch monitor", "https://example.com/img/monitor.jpg", 24999, 10},
    {"prod-mug", "seller-bean", "Coffee mug", "https://example.com/img/mug.jpg", 1250, 100},
    {"prod-beans", "seller-bean", "Espresso beans 1 kg", "https://example.com/img/beans.jpg", 2400, 40},
    {"prod-grinder", "seller-bean", "Burr grinder", "https://example.com/img/grinder.jpg", 11900, 8},
    {"prod-notebook", "seller-paper", "A5 notebook", "https://example.com/img/notebook.jpg", 799, 200},
    {"prod-pen", "seller-paper", "Fountain pen", "https://example.com/img/pen.jpg", 4550, 5},
};

orders_code_t srv_demo_catalog_load(orders_ctx_t *ctx, orders_error_t *err)
{
    for (size_t i = 0; i < sizeof demo / sizeof demo[0]; i++) {
        const struct demo_product *d = &demo[i];
        orders_product_t p = {
            .id = (char *)d->id,
            .seller_id = (char *)d->seller,
            .name = (char *)d->name,
            .image = (char *)d->image,
            .price = {d->cents, "USD"},
            .active = true,
        };
        orders_code_t rc = orders_product_put(ctx, &p, true, NULL, err);
        if (rc == ORDERS_E_CONFLICT)
            continue;                      /* already there: keep its stock */
        if (rc == ORDERS_OK)
            rc = orders_stock_set(ctx, d->id, d->stock, NULL, err);
        if (rc != ORDERS_OK)
            return rc;
    }
    return ORDERS_OK;
}
