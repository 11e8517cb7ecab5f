/*
 * fixture.c - see fixture.h.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "support/fixture.h"

static int64_t fixture_clock(void *ud)
{
    return ((fixture_t *)ud)->now;
}

static void fix_gateway_ud(fixture_t *f)
{
    /* the default "online" gateway is the test gateway; register our own so
     * the test can script it */
    void *gw = orders_gateway_test_new();
    cr_assert_not_null(gw);
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_set_gateway(f->ctx, ORDERS_METHOD_ONLINE, orders_gateway_test_vtable(),
                                        gw, orders_gateway_test_free, &err),
                 ORDERS_OK, "%s", err.message);
    f->test_gateway = gw;
}

void fix_open(fixture_t *f, const orders_config_t *cfg)
{
    orders_error_t err = {0};
    memset(f, 0, sizeof *f);
    f->now = FIX_T0;
    cr_assert_eq(orders_ctx_new(cfg, &f->ctx, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_ctx_open_store(f->ctx, "memory:", &err), ORDERS_OK, "%s", err.message);
    orders_ctx_set_clock(f->ctx, fixture_clock, f);
    fix_gateway_ud(f);
}

void fix_close(fixture_t *f)
{
    orders_ctx_destroy(f->ctx);
    memset(f, 0, sizeof *f);
}

void fix_advance(fixture_t *f, int64_t ms)
{
    f->now += ms;
}

void fix_product(fixture_t *f, const char *id, const char *seller, int64_t price, int64_t stock)
{
    orders_error_t err = {0};
    orders_product_t p = {
        .id = (char *)id,
        .seller_id = (char *)seller,
        .name = (char *)id,
        .image = NULL,
        .price = {price, "USD"},
        .active = true,
    };
    cr_assert_eq(orders_product_put(f->ctx, &p, true, NULL, &err), ORDERS_OK, "%s", err.message);
    if (stock > 0)
        cr_assert_eq(orders_stock_set(f->ctx, id, stock, NULL, &err), ORDERS_OK, "%s", err.message);
}

orders_stock_t fix_stock(fixture_t *f, const char *product_id)
{
    orders_stock_t st = {0};
    orders_error_t err = {0};
    cr_assert_eq(orders_stock_get(f->ctx, product_id, &st, &err), ORDERS_OK, "%s", err.message);
    return st;
}

void fix_assert_invariant(fixture_t *f, const char *product_id)
{
    orders_stock_t st = fix_stock(f, product_id);
    cr_assert_eq(st.available + st.reserved + st.sold, st.stocked - st.adjusted,
                 "invariant broken for %s: %lld + %lld + %lld != %lld - %lld", product_id,
                 (long long)st.available, (long long)st.reserved, (long long)st.sold,
                 (long long)st.stocked, (long long)st.adjusted);
    cr_assert_geq(st.available, 0);
    cr_assert_geq(st.reserved, 0);
    cr_assert_geq(st.sold, 0);
}

const orders_address_t *fix_address(void)
{
    static const orders_address_t a = {
        .address_line1 = "1 Main St",
        .city = "Springfield",
        .state = "IL",
        .country = "US",
        .postal_code = "62701",
        .contact_name = "Ada",
        .contact_phone = "+1-555-0100",
    };
    return &a;
}

void fix_add(fixture_t *f, const char *customer, const char *product, int64_t quantity)
{
    orders_error_t err = {0};
    cr_assert_eq(orders_cart_add(f->ctx, customer, product, quantity, ORDERS_ANY_VERSION, NULL, &err),
                 ORDERS_OK, "%s", err.message);
}

orders_order_t *fix_place(fixture_t *f, const char *customer, orders_payment_method_t method)
{
    orders_error_t err = {0};
    orders_identity_t who = {.id = customer, .name = "Ada", .email = "ada@example.com"};
    orders_place_request_t req = {.shipping_address = fix_address(), .payment_method = method};
    orders_order_t *o = NULL;
    cr_assert_eq(orders_order_place(f->ctx, &who, &req, &o, &err), ORDERS_OK, "%s", err.message);
    cr_assert_not_null(o);
    return o;
}
