/*
 * tests/server/test_srv_orders.c - placing, reading and listing orders
 * (API.md Part A "Orders") over HTTP.  Cancel, pay, idempotency and
 * concurrent placement are in test_srv_orders_flow.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "support/clock.h"

#define ADDRESS                                                                            \
    "\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":\"Springfield\","       \
    "\"state\":\"IL\",\"country\":\"US\",\"postalCode\":\"62701\"}"
#define PLACE_COD "{" ADDRESS ",\"paymentMethod\":\"cod\"}"

static srvh_t srv;
static char *tok;     /* customer ord-buyer */
static char *other;   /* customer ord-other */

static void up(void)
{
    srvh_start(&srv, NULL, NULL);
    tok = srvh_token("ord-buyer");
    other = srvh_token("ord-other");
}

static void down(void)
{
    free(tok);
    free(other);
    cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
}

TestSuite(srv_orders, .init = up, .fini = down);

/* ---- helpers ------------------------------------------------------------------------ */

static void add_to_cart(const char *token, const char *product, int quantity)
{
    char body[160];
    srvh_resp_t r;
    snprintf(body, sizeof body, "{\"productId\":\"%s\",\"quantity\":%d}", product, quantity);
    cr_assert_eq(srvh_customer(&srv, token, "POST", "/api/v1/cart/add", body, &r), 200,
                 "add %s: %s", product, r.body);
    srvh_resp_clear(&r);
}

static size_t cart_lines(const char *token)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "GET", "/api/v1/cart", NULL, &r), 200);
    size_t n = json_array_size(json_object_get(srvh_data(&r), "items"));
    srvh_resp_clear(&r);
    return n;
}

/* pagination.total of GET path (the customer's order list). */
static json_int_t order_total(const char *token, const char *path)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "GET", path, NULL, &r), 200, "%s", r.body);
    json_int_t n =
        json_integer_value(json_object_get(json_object_get(srvh_data(&r), "pagination"), "total"));
    srvh_resp_clear(&r);
    return n;
}

static const char *str_of(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Expects status and errors[0].field == field; the answer is cleared. */
static void expect_field_error(srvh_resp_t *r, long status, const char *field)
{
    cr_expect_eq(r->status, status, "%s", r->body);
    json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
    cr_expect_str_eq(str_of(e, "field") ? str_of(e, "field") : "(none)", field, "%s", r->body);
    cr_expect(json_is_false(json_object_get(r->json, "success")), "%s", r->body);
    srvh_resp_clear(r);
}

static void expect_keys(json_t *obj, const char *const *keys, size_t n, const char *what)
{
    cr_assert(json_is_object(obj), "%s is not an object", what);
    for (size_t i = 0; i < n; i++)
        cr_expect_not_null(json_object_get(obj, keys[i]), "%s has no \"%s\"", what, keys[i]);
}

/* ---- place --------------------------------------------------------------------------- */

static const char *const order_keys[] = {
    "id", "orderNumber", "customerId", "customerName", "customerEmail", "items", "subtotal",
    "tax", "shippingFee", "discount", "totalAmount", "currency", "status", "paymentMethod",
    "paymentStatus", "shippingAddress", "sellerStatuses", "placedAt", "confirmedAt",
    "shippedAt", "deliveredAt", "cancelledAt", "notes", "cancelReason", "refundAmount",
    "reservationExpiry", "createdAt", "updatedAt",
};
static const char *const item_keys[] = {
    "productId", "sellerId", "productName", "productImage",
    "quantity", "unitPrice", "totalPrice", "status",
};
static const char *const seller_keys[] = {
    "sellerId", "status", "updatedAt", "notes", "trackingNumber", "estimatedDelivery",
};
static const char *const address_keys[] = {
    "addressLine1", "addressLine2", "city", "state",
    "country", "postalCode", "contactName", "contactPhone",
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

Test(srv_orders, place_answers_201_with_every_order_field)
{
    add_to_cart(tok, "prod-mug", 2);
    add_to_cart(tok, "prod-pen", 1);
    srvh_resp_t r;
    const char *body = "{\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":"
                       "\"Springfield\",\"state\":\"IL\",\"country\":\"US\",\"postalCode\":"
                       "\"62701\",\"contactName\":\"Ann\"},\"paymentMethod\":\"cod\","
                       "\"notes\":\"leave at door\"}";
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place", body, &r), 201, "%s",
                 r.body);
    cr_expect_str_eq(srvh_message(&r), "Order placed successfully");
    cr_expect(json_is_true(json_object_get(r.json, "success")));
    json_t *o = srvh_data(&r);
    expect_keys(o, order_keys, COUNT(order_keys), "order");
    json_t *items = json_object_get(o, "items");
    cr_assert_eq(json_array_size(items), 2, "%s", r.body);
    for (size_t i = 0; i < 2; i++)
        expect_keys(json_array_get(items, i), item_keys, COUNT(item_keys), "item");
    json_t *sellers = json_object_get(o, "sellerStatuses");
    cr_assert_eq(json_array_size(sellers), 2, "one entry per seller: %s", r.body);
    expect_keys(json_array_get(sellers, 0), seller_keys, COUNT(seller_keys), "seller status");
    json_t *ship = json_object_get(o, "shippingAddress");
    expect_keys(ship, address_keys, COUNT(address_keys), "shippingAddress");
    cr_expect_str_eq(str_of(ship, "city"), "Springfield");
    cr_expect_str_eq(str_of(ship, "contactName"), "Ann");
    cr_expect(json_is_null(json_object_get(ship, "addressLine2")));

    cr_expect_str_eq(str_of(o, "customerId"), "ord-buyer");
    cr_expect_str_eq(str_of(o, "customerName"), "Test ord-buyer");
    cr_expect_str_eq(str_of(o, "customerEmail"), "ord-buyer@example.com");
    cr_expect(strncmp(str_of(o, "orderNumber"), "ORD", 3) == 0, "%s", r.body);
    cr_expect_str_eq(str_of(o, "notes"), "leave at door");
    /* 2 x 12.50 + 45.50 */
    cr_expect(strstr(r.body, "\"totalAmount\":70.5,") != NULL, "%s", r.body);
    cr_expect_str_eq(str_of(o, "currency"), "USD");
    /* cod confirms at once; the money comes on delivery */
    cr_expect_str_eq(str_of(o, "status"), "confirmed");
    cr_expect_str_eq(str_of(o, "paymentMethod"), "cod");
    cr_expect_str_eq(str_of(o, "paymentStatus"), "pending");
    cr_expect_str_eq(str_of(json_array_get(items, 0), "status"), "confirmed");
    cr_expect(json_is_null(json_object_get(o, "cancelledAt")));
    cr_expect(json_is_null(json_object_get(o, "cancelReason")));
    const char *placed = str_of(o, "placedAt"), *expiry = str_of(o, "reservationExpiry");
    cr_assert_not_null(placed);
    cr_assert_not_null(expiry, "reservationExpiry must be set: %s", r.body);
    cr_expect_gt(strcmp(expiry, placed), 0, "the reservation ends after placement");
    srvh_resp_clear(&r);
    cr_expect_eq(cart_lines(tok), 0, "the cart is emptied by placement");
}

Test(srv_orders, place_takes_the_units_out_of_stock)
{
    srvh_resp_t r;
    char *id = srvh_place(&srv, tok, "prod-pen", 5, "cod");
    /* all 5 units are held by the order now: one more cannot go into a cart */
    cr_expect_eq(srvh_customer(&srv, other, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"prod-pen\",\"quantity\":1}", &r),
                 422, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Insufficient stock. Available: 0, Requested: 1");
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_admin(&srv, "GET", "/api/v1/inventory/stock/prod-pen", NULL, &r), 200,
                 "%s", r.body);
    json_t *s = srvh_data(&r);
    json_int_t held = json_integer_value(json_object_get(s, "reserved")) +
                      json_integer_value(json_object_get(s, "sold"));
    cr_expect_eq(json_integer_value(json_object_get(s, "available")), 0, "%s", r.body);
    cr_expect_eq(held, 5, "%s", r.body);
    srvh_resp_clear(&r);
    free(id);
}

Test(srv_orders, online_payment_confirms_as_paid)
{
    add_to_cart(tok, "prod-mug", 1);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place",
                               "{" ADDRESS ",\"paymentMethod\":\"Online\"}", &r),
                 201, "%s", r.body);
    json_t *o = srvh_data(&r);
    cr_expect_str_eq(str_of(o, "paymentMethod"), "online");
    cr_expect_str_eq(str_of(o, "status"), "confirmed");
    cr_expect_str_eq(str_of(o, "paymentStatus"), "paid");
    srvh_resp_clear(&r);
}

Test(srv_orders, uppercase_cod_is_accepted_and_cod_is_the_default)
{
    add_to_cart(tok, "prod-mug", 1);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place",
                               "{" ADDRESS ",\"paymentMethod\":\"COD\"}", &r),
                 201, "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "paymentMethod"), "cod");
    srvh_resp_clear(&r);
    add_to_cart(tok, "prod-mug", 1);
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place", "{" ADDRESS "}", &r),
                 201, "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "paymentMethod"), "cod");
    srvh_resp_clear(&r);
}

/* Each refused placement names the field, keeps the cart and places nothing. */
Test(srv_orders, invalid_placements_name_the_field_and_change_nothing)
{
    static const struct {
        const char *body;
        const char *field;
    } bad[] = {
        {"{\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"state\":\"IL\",\"country\":"
         "\"US\",\"postalCode\":\"62701\"}}",
         "shippingAddress.city"},
        {"{\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":\"\",\"state\":\"IL\","
         "\"country\":\"US\",\"postalCode\":\"62701\"}}",
         "shippingAddress.city"},
        {"{\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":7,\"state\":\"IL\","
         "\"country\":\"US\",\"postalCode\":\"62701\"}}",
         "shippingAddress.city"},
        {"{\"shippingAddress\":{\"city\":\"Springfield\",\"state\":\"IL\",\"country\":\"US\","
         "\"postalCode\":\"62701\"}}",
         "shippingAddress.addressLine1"},
        {"{\"paymentMethod\":\"cod\"}", "shippingAddress"},
        {"{\"shippingAddress\":\"1 Main St\"}", "shippingAddress"},
        {"{" ADDRESS ",\"paymentMethod\":\"bitcoin\"}", "paymentMethod"},
        {"{" ADDRESS ",\"paymentMethod\":3}", "paymentMethod"},
        {"{" ADDRESS ",\"notes\":[1]}", "notes"},
    };
    add_to_cart(tok, "prod-mug", 3);
    for (size_t i = 0; i < COUNT(bad); i++) {
        srvh_resp_t r;
        srvh_customer(&srv, tok, "POST", "/api/v1/orders/place", bad[i].body, &r);
        expect_field_error(&r, 400, bad[i].field);
    }
    cr_expect_eq(cart_lines(tok), 1, "a refused placement keeps the cart");
    cr_expect_eq(order_total(tok, "/api/v1/orders"), 0, "a refused placement places nothing");
}

Test(srv_orders, empty_cart_is_422)
{
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place", PLACE_COD, &r), 422,
                 "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Cart is empty");
    cr_expect(json_is_false(json_object_get(r.json, "success")));
    srvh_resp_clear(&r);
    cr_expect_eq(order_total(tok, "/api/v1/orders"), 0);
}

Test(srv_orders, stock_gone_since_the_add_is_422_and_keeps_the_cart)
{
    /* prod-monitor has 10 units: all go into one cart, then half are sold to another */
    add_to_cart(tok, "prod-monitor", 10);
    char *id = srvh_place(&srv, other, "prod-monitor", 5, "cod");
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place", PLACE_COD, &r), 422,
                 "%s", r.body);
    cr_expect_str_eq(srvh_message(&r),
                     "Some items are not available: 27-inch monitor (requested: 10, "
                     "available: 5)");
    srvh_resp_clear(&r);
    cr_expect_eq(cart_lines(tok), 1, "the cart is intact");
    cr_expect_eq(order_total(tok, "/api/v1/orders"), 0);
    free(id);
}

Test(srv_orders, idempotency_key_longer_than_128_bytes_is_400)
{
    char key[200], header[240];
    memset(key, 'k', 129);
    key[129] = '\0';
    snprintf(header, sizeof header, "Idempotency-Key: %s", key);
    char auth[8300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    const char *hdrs[] = {auth, header, NULL};
    add_to_cart(tok, "prod-mug", 1);
    srvh_resp_t r;
    srvh_call(&srv, "POST", "/api/v1/orders/place", hdrs, PLACE_COD, &r);
    expect_field_error(&r, 400, "Idempotency-Key");
    cr_expect_eq(order_total(tok, "/api/v1/orders"), 0);
    key[128] = '\0'; /* exactly 128 bytes is fine */
    snprintf(header, sizeof header, "Idempotency-Key: %s", key);
    cr_expect_eq(srvh_call(&srv, "POST", "/api/v1/orders/place", hdrs, PLACE_COD, &r), 201,
                 "%s", r.body);
    srvh_resp_clear(&r);
}

Test(srv_orders, place_needs_a_token_and_a_json_body)
{
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&srv, NULL, "POST", "/api/v1/orders/place", PLACE_COD, &r), 401);
    srvh_resp_clear(&r);
    char auth[8300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    const char *text[] = {auth, "Content-Type: text/plain", NULL};
    cr_expect_eq(srvh_call(&srv, "POST", "/api/v1/orders/place", text, PLACE_COD, &r), 415);
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place", "{\"ship", &r), 400);
    srvh_resp_clear(&r);
}

/* ---- get ------------------------------------------------------------------------------ */

Test(srv_orders, get_own_order_and_not_anyone_elses)
{
    char *id = srvh_place(&srv, tok, "prod-beans", 2, "cod");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "GET", path, NULL, &r), 200, "%s", r.body);
    json_t *o = srvh_data(&r);
    expect_keys(o, order_keys, COUNT(order_keys), "order");
    cr_expect_str_eq(str_of(o, "id"), id);
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(json_object_get(o, "items"), 0),
                                                    "quantity")),
                 2);
    cr_expect(strstr(r.body, "\"totalAmount\":48,") != NULL, "%s", r.body);
    srvh_resp_clear(&r);

    cr_expect_eq(srvh_customer(&srv, other, "GET", path, NULL, &r), 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_customer(&srv, tok, "GET", "/api/v1/orders/no-such-order", NULL, &r), 404);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    srvh_resp_clear(&r);
    free(id);
}

/* ---- list ----------------------------------------------------------------------------- */

/* GET path: data.orders (a new reference) and the pagination numbers. */
static json_t *list(const char *token, const char *path, json_int_t pg[4])
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "GET", path, NULL, &r), 200, "%s %s", path, r.body);
    json_t *d = srvh_data(&r), *p = json_object_get(d, "pagination");
    static const char *const names[] = {"page", "limit", "total", "pages"};
    for (size_t i = 0; i < 4; i++) {
        cr_assert(json_is_integer(json_object_get(p, names[i])), "%s", r.body);
        pg[i] = json_integer_value(json_object_get(p, names[i]));
    }
    json_t *orders = json_incref(json_object_get(d, "orders"));
    cr_assert(json_is_array(orders), "%s", r.body);
    srvh_resp_clear(&r);
    return orders;
}

static void expect_page(const json_int_t pg[4], json_int_t page, json_int_t limit,
                        json_int_t total, json_int_t pages)
{
    cr_expect_eq(pg[0], page, "page");
    cr_expect_eq(pg[1], limit, "limit");
    cr_expect_eq(pg[2], total, "total");
    cr_expect_eq(pg[3], pages, "pages");
}

Test(srv_orders, list_pages_newest_first_with_summaries)
{
    char *ids[3];
    for (size_t i = 0; i < 3; i++) {
        ids[i] = srvh_place(&srv, tok, "prod-notebook", (int)i + 1, "cod");
        test_sleep_ms(5);
    }
    char *theirs = srvh_place(&srv, other, "prod-notebook", 1, "cod");
    json_int_t pg[4];
    json_t *o = list(tok, "/api/v1/orders", pg);
    expect_page(pg, 1, 10, 3, 1);
    cr_assert_eq(json_array_size(o), 3);
    for (size_t i = 0; i < 3; i++)
        cr_expect_str_eq(str_of(json_array_get(o, i), "id"), ids[2 - i], "newest first");
    static const char *const summary_keys[] = {"id",        "orderNumber", "status",
                                               "totalAmount", "itemCount", "placedAt",
                                               "deliveredAt"};
    json_t *first = json_array_get(o, 0);
    expect_keys(first, summary_keys, COUNT(summary_keys), "summary");
    cr_expect_eq(json_integer_value(json_object_get(first, "itemCount")), 3);
    cr_expect_str_eq(str_of(first, "status"), "confirmed");
    json_decref(o);

    o = list(tok, "/api/v1/orders?page=1&limit=2", pg);
    expect_page(pg, 1, 2, 3, 2);
    cr_expect_eq(json_array_size(o), 2);
    json_decref(o);
    o = list(tok, "/api/v1/orders?page=2&limit=2", pg);
    expect_page(pg, 2, 2, 3, 2);
    cr_assert_eq(json_array_size(o), 1);
    cr_expect_str_eq(str_of(json_array_get(o, 0), "id"), ids[0], "the oldest is last");
    json_decref(o);
    o = list(tok, "/api/v1/orders?page=3&limit=2", pg);
    expect_page(pg, 3, 2, 3, 2);
    cr_expect_eq(json_array_size(o), 0);
    json_decref(o);
    for (size_t i = 0; i < 3; i++)
        free(ids[i]);
    free(theirs);
}

Test(srv_orders, list_limit_above_50_is_clamped)
{
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    json_int_t pg[4];
    json_t *o = list(tok, "/api/v1/orders?limit=51", pg);
    expect_page(pg, 1, 50, 1, 1);
    json_decref(o);
    o = list(tok, "/api/v1/orders?limit=100000", pg);
    expect_page(pg, 1, 50, 1, 1);
    cr_expect_eq(json_array_size(o), 1);
    json_decref(o);
    o = list(tok, "/api/v1/orders?limit=50", pg);
    expect_page(pg, 1, 50, 1, 1);
    json_decref(o);
    free(id);
}

Test(srv_orders, list_refuses_bad_paging_and_unknown_status)
{
    static const struct {
        const char *query;
        const char *field;
    } bad[] = {
        {"?limit=0", "limit"},  {"?limit=-3", "limit"},  {"?limit=ten", "limit"},
        {"?limit=2.5", "limit"}, {"?page=0", "page"},     {"?page=-1", "page"},
        {"?page=x", "page"},     {"?status=bogus", "status"}, {"?status=", "status"},
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/orders%s", bad[i].query);
        srvh_resp_t r;
        srvh_customer(&srv, tok, "GET", path, NULL, &r);
        expect_field_error(&r, 400, bad[i].field);
    }
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&srv, NULL, "GET", "/api/v1/orders", NULL, &r), 401);
    srvh_resp_clear(&r);
}

Test(srv_orders, list_filters_by_status)
{
    char *kept = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    char *gone = srvh_place(&srv, tok, "prod-mug", 2, "cod");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s/cancel", gone);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "PUT", path, NULL, &r), 200, "%s", r.body);
    srvh_resp_clear(&r);

    json_int_t pg[4];
    json_t *o = list(tok, "/api/v1/orders?status=cancelled", pg);
    expect_page(pg, 1, 10, 1, 1);
    cr_assert_eq(json_array_size(o), 1);
    cr_expect_str_eq(str_of(json_array_get(o, 0), "id"), gone);
    cr_expect_str_eq(str_of(json_array_get(o, 0), "status"), "cancelled");
    json_decref(o);
    o = list(tok, "/api/v1/orders?status=CONFIRMED", pg);
    expect_page(pg, 1, 10, 1, 1);
    cr_assert_eq(json_array_size(o), 1);
    cr_expect_str_eq(str_of(json_array_get(o, 0), "id"), kept);
    json_decref(o);
    o = list(tok, "/api/v1/orders?status=shipped", pg);
    expect_page(pg, 1, 10, 0, 0);
    json_decref(o);
    free(kept);
    free(gone);
}
