/*
 * tests/server/test_srv_cart.c - the cart routes of API.md Part A over HTTP.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

static srvh_t srv;
static char *tok;

static void up(void)
{
    srvh_start(&srv, NULL, NULL);
    tok = srvh_token("cart-buyer");
}

static void down(void)
{
    free(tok);
    cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
}

TestSuite(srv_cart, .init = up, .fini = down);

static json_t *first_item(json_t *cart)
{
    json_t *items = json_object_get(cart, "items");
    cr_assert(json_is_array(items));
    cr_assert_geq(json_array_size(items), 1);
    return json_array_get(items, 0);
}

Test(srv_cart, empty_cart_is_created_on_get)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "GET", "/api/v1/cart", NULL, &r), 200, "%s", r.body);
    json_t *d = srvh_data(&r);
    cr_expect_str_eq(json_string_value(json_object_get(d, "customerId")), "cart-buyer");
    cr_expect_eq(json_array_size(json_object_get(d, "items")), 0);
    cr_expect_eq(json_integer_value(json_object_get(d, "totalItems")), 0);
    cr_expect(json_is_true(json_object_get(r.json, "success")));
    srvh_resp_clear(&r);
}

Test(srv_cart, add_raises_quantity_and_totals)
{
    srvh_resp_t r;
    const char *add = "{\"productId\":\"prod-mug\",\"quantity\":2}";
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/cart/add", add, &r), 200, "%s",
                 r.body);
    cr_expect_str_eq(srvh_message(&r), "Item added to cart");
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/cart/add", add, &r), 200);
    json_t *d = srvh_data(&r);
    json_t *it = first_item(d);
    cr_expect_eq(json_integer_value(json_object_get(it, "quantity")), 4);
    cr_expect_str_eq(json_string_value(json_object_get(it, "sellerId")), "seller-bean");
    cr_expect_eq(json_integer_value(json_object_get(d, "totalItems")), 4);
    /* 4 x 12.50 = 50: a whole amount prints as an integer */
    cr_expect(strstr(r.body, "\"totalAmount\":50,") != NULL, "%s", r.body);
    srvh_resp_clear(&r);
}

Test(srv_cart, quantity_must_be_a_positive_integer)
{
    static const char *bad[] = {
        "{\"productId\":\"prod-mug\",\"quantity\":0}",
        "{\"productId\":\"prod-mug\",\"quantity\":-1}",
        "{\"productId\":\"prod-mug\",\"quantity\":1.5}",
        "{\"productId\":\"prod-mug\",\"quantity\":\"2\"}",
        "{\"productId\":\"prod-mug\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_customer(&srv, tok, "POST", "/api/v1/cart/add", bad[i], &r), 400,
                     "%s -> %s", bad[i], r.body);
        json_t *errs = json_object_get(r.json, "errors");
        cr_expect_str_eq(json_string_value(json_object_get(json_array_get(errs, 0), "field")),
                         "quantity", "%s", r.body);
        srvh_resp_clear(&r);
    }
    srvh_resp_t r;
    srvh_customer(&srv, tok, "GET", "/api/v1/cart", NULL, &r);
    cr_expect_eq(json_array_size(json_object_get(srvh_data(&r), "items")), 0,
                 "a refused add changes nothing");
    srvh_resp_clear(&r);
}

Test(srv_cart, insufficient_stock_is_422_with_the_contract_message)
{
    srvh_resp_t r;
    /* prod-pen has 5 units in the demo catalog */
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"prod-pen\",\"quantity\":10}", &r),
                 422, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Insufficient stock. Available: 5, Requested: 10");
    cr_expect(json_is_false(json_object_get(r.json, "success")));
    srvh_resp_clear(&r);
}

Test(srv_cart, unknown_product_is_404)
{
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&srv, tok, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"no-such\",\"quantity\":1}", &r),
                 404, "%s", r.body);
    srvh_resp_clear(&r);
}

Test(srv_cart, update_to_zero_removes_and_remove_and_clear)
{
    srvh_resp_t r;
    srvh_customer(&srv, tok, "POST", "/api/v1/cart/add",
                  "{\"productId\":\"prod-mug\",\"quantity\":1}", &r);
    srvh_resp_clear(&r);
    srvh_customer(&srv, tok, "POST", "/api/v1/cart/add",
                  "{\"productId\":\"prod-pen\",\"quantity\":1}", &r);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_customer(&srv, tok, "PUT", "/api/v1/cart/update",
                               "{\"productId\":\"prod-mug\",\"quantity\":3}", &r),
                 200, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Cart item updated");
    cr_expect_eq(json_integer_value(json_object_get(srvh_data(&r), "totalItems")), 4);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_customer(&srv, tok, "PUT", "/api/v1/cart/update",
                               "{\"productId\":\"prod-mug\",\"quantity\":0}", &r),
                 200, "%s", r.body);
    cr_expect_eq(json_array_size(json_object_get(srvh_data(&r), "items")), 1);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_customer(&srv, tok, "DELETE", "/api/v1/cart/remove",
                               "{\"productId\":\"prod-pen\"}", &r),
                 200, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Item removed from cart");
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_customer(&srv, tok, "DELETE", "/api/v1/cart/remove",
                               "{\"productId\":\"prod-pen\"}", &r),
                 404, "%s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_customer(&srv, tok, "DELETE", "/api/v1/cart/clear", NULL, &r), 200);
    cr_expect_str_eq(srvh_message(&r), "Cart cleared");
    srvh_resp_clear(&r);
}

Test(srv_cart, carts_are_per_customer)
{
    char *other = srvh_token("someone-else");
    srvh_resp_t r;
    srvh_customer(&srv, tok, "POST", "/api/v1/cart/add",
                  "{\"productId\":\"prod-mug\",\"quantity\":1}", &r);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_customer(&srv, other, "GET", "/api/v1/cart", NULL, &r), 200);
    cr_expect_eq(json_array_size(json_object_get(srvh_data(&r), "items")), 0);
    srvh_resp_clear(&r);
    free(other);
}
