/*
 * quickstart.c - the shortest tour of liborders: stock a catalog, fill a
 * cart, place an order (cash on delivery), ship it, deliver it, print it.
 *
 * Usage: quickstart [STORE-URI]     (default "memory:"; quickstart.sh passes
 *                                   "sqlite:build/quickstart.db")
 * On a store that keeps its data, it can run again: products are replaced,
 * stock is set again, and one more order is placed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <orders/orders.h>

#define CHECK(call)                                                              \
    do {                                                                         \
        orders_error_t err_ = {0};                                               \
        orders_error_t *err = &err_;                                             \
        if ((call) != ORDERS_OK) {                                               \
            fprintf(stderr, "%s failed: %s (%s)\n", #call, err_.message,         \
                    orders_strerror(err_.code));                                 \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

static void stock(orders_ctx_t *ctx, const char *id, const char *seller, const char *name,
                  int64_t cents, int64_t units)
{
    orders_product_t p = {.id = (char *)id, .seller_id = (char *)seller, .name = (char *)name,
                          .price = {cents, "USD"}, .active = true};
    CHECK(orders_product_put(ctx, &p, false, NULL, err));
    CHECK(orders_stock_set(ctx, id, units, NULL, err));
}

static void print_order(const orders_order_t *o)
{
    char total[32], line[32];
    orders_money_format(&o->total_amount, total, sizeof total);
    printf("order %s (%s): %s, payment %s, total %s %s\n", o->order_number, o->id,
           orders_status_name(o->status), orders_payment_status_name(o->payment_status), total,
           o->total_amount.currency);
    for (size_t i = 0; i < o->item_count; i++) {
        orders_money_format(&o->items[i].total_price, line, sizeof line);
        printf("  %lld x %-12s seller %-8s %8s  [%s]\n", (long long)o->items[i].quantity,
               o->items[i].product_name, o->items[i].seller_id, line,
               orders_item_status_name(o->items[i].status));
    }
    for (size_t i = 0; i < o->seller_count; i++)
        printf("  seller %s: %s\n", o->seller_statuses[i].seller_id,
               orders_status_name(o->seller_statuses[i].status));
}

int main(int argc, char **argv)
{
    const char *uri = argc > 1 ? argv[1] : "memory:";
    orders_ctx_t *ctx = NULL;
    CHECK(orders_ctx_new(NULL, &ctx, err));
    CHECK(orders_ctx_open_store(ctx, uri, err));

    stock(ctx, "mug", "acme", "Coffee mug", 1299, 10);
    stock(ctx, "tea", "leafco", "Green tea", 650, 40);
    orders_stock_t before; /* a kept store may hold earlier runs' sales */
    CHECK(orders_stock_get(ctx, "mug", &before, err));

    CHECK(orders_cart_add(ctx, "cust-1", "mug", 2, ORDERS_ANY_VERSION, NULL, err));
    orders_cart_t *cart = NULL;
    CHECK(orders_cart_add(ctx, "cust-1", "tea", 3, ORDERS_ANY_VERSION, &cart, err));
    char amount[32];
    orders_money_format(&cart->total_amount, amount, sizeof amount);
    printf("cart: %lld items, %s %s\n", (long long)cart->total_items, amount,
           cart->total_amount.currency);
    orders_cart_free(cart);

    orders_identity_t who = {.id = "cust-1", .name = "Ada Lovelace", .email = "ada@example.com"};
    orders_address_t addr = {.address_line1 = "12 Analytical Way", .city = "London",
                             .state = "LND", .country = "GB", .postal_code = "N1 9GU"};
    orders_place_request_t req = {.shipping_address = &addr, .payment_method = ORDERS_METHOD_COD};
    orders_order_t *order = NULL;
    CHECK(orders_order_place(ctx, &who, &req, &order, err));
    printf("placed:\n");
    print_order(order);

    const orders_status_t steps[] = {ORDERS_STATUS_PROCESSING, ORDERS_STATUS_SHIPPED,
                                     ORDERS_STATUS_DELIVERED};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        orders_order_t *next = NULL;
        CHECK(orders_order_set_status(ctx, order->id, steps[i], "admin", NULL, ORDERS_ANY_VERSION,
                                      &next, err));
        orders_order_free(order);
        order = next;
    }
    printf("delivered:\n");
    print_order(order);

    orders_stock_t st;
    CHECK(orders_stock_get(ctx, "mug", &st, err));
    printf("mug stock: available %lld, reserved %lld, sold %lld\n", (long long)st.available,
           (long long)st.reserved, (long long)st.sold);

    int rc = order->status == ORDERS_STATUS_DELIVERED &&
                     order->payment_status == ORDERS_PAYMENT_PAID &&
                     st.sold - before.sold == 2 && st.available == 8
                 ? 0
                 : 1;
    orders_order_free(order);
    orders_ctx_destroy(ctx);
    return rc;
}
