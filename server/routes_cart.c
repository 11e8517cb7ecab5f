/*
 * server/routes_cart.c - the cart routes of API.md Part A (customer JWT).
 * Each handler decodes the body with json/, makes one library call for the
 * token's customer, and answers with the cart.
 */
#include "json/json.h"
#include "server.h"

static void cart_get(srv_req_t *r)
{
    orders_cart_t *cart = NULL;
    orders_error_t err;
    orders_code_t rc = orders_cart_get(r->ctx, r->who.id, &cart, &err);
    srv_answer_cart(r, rc, cart, &err, NULL);
}

/* orders_cart_add and orders_cart_update: the same arguments. */
typedef orders_code_t (*line_fn)(orders_ctx_t *ctx, const char *customer_id,
                                 const char *product_id, int64_t quantity,
                                 int64_t expected_version, orders_cart_t **out,
                                 orders_error_t *err);

/* {productId, quantity} through fn, then the cart. */
static void cart_line(srv_req_t *r, line_fn fn, const char *message)
{
    const char *product;
    int64_t quantity;
    orders_cart_t *cart = NULL;
    orders_error_t err;
    orders_code_t rc = orders__json_cart_item(r->body, true, &product, &quantity, &err);
    if (rc == ORDERS_OK)
        rc = fn(r->ctx, r->who.id, product, quantity, ORDERS_ANY_VERSION, &cart, &err);
    srv_answer_cart(r, rc, cart, &err, message);
}

static void cart_add(srv_req_t *r)
{
    cart_line(r, orders_cart_add, "Item added to cart");
}

static void cart_update(srv_req_t *r)
{
    cart_line(r, orders_cart_update, "Cart item updated");
}

static void cart_remove(srv_req_t *r)
{
    const char *product;
    int64_t unused;
    orders_cart_t *cart = NULL;
    orders_error_t err;
    orders_code_t rc = orders__json_cart_item(r->body, false, &product, &unused, &err);
    if (rc == ORDERS_OK)
        rc = orders_cart_remove(r->ctx, r->who.id, product, ORDERS_ANY_VERSION, &cart, &err);
    srv_answer_cart(r, rc, cart, &err, "Item removed from cart");
}

static void cart_clear(srv_req_t *r)
{
    orders_cart_t *cart = NULL;
    orders_error_t err;
    orders_code_t rc = orders_cart_clear(r->ctx, r->who.id, ORDERS_ANY_VERSION, &cart, &err);
    srv_answer_cart(r, rc, cart, &err, "Cart cleared");
}

const srv_route_t srv_routes_cart[] = {
    {"GET", "/api/v1/cart", SRV_CUSTOMER, false, cart_get},
    {"POST", "/api/v1/cart/add", SRV_CUSTOMER, true, cart_add},
    {"PUT", "/api/v1/cart/update", SRV_CUSTOMER, true, cart_update},
    {"DELETE", "/api/v1/cart/remove", SRV_CUSTOMER, true, cart_remove},
    {"DELETE", "/api/v1/cart/clear", SRV_CUSTOMER, false, cart_clear},
};
const size_t srv_routes_cart_count = sizeof srv_routes_cart / sizeof srv_routes_cart[0];
