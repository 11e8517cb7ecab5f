/*
 * test_json.c - carts and orders as the REST contract shows them
 * (liborders/json/order.c against ../shared/API.md, Part A): every field
 * name, amounts that print exactly, ISO-8601 times, null for what is unset,
 * list summaries and the pagination block.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "support/fixture.h"
#include "support/fixture_extra.h"

static fixture_t F;

static void setup(void)
{
    fix_open(&F, NULL);
    fixx_product(&F, "p1", "s1", "Widget", "https://img.example/w.png", 1999, "USD", 10, true);
    fixx_product(&F, "p2", "s1", "Gadget", NULL, 500, "USD", 10, true);
    fixx_product(&F, "p3", "s2", "Gizmo", NULL, 12345, "USD", 10, true);
}

static void teardown(void)
{
    fix_close(&F);
}

TestSuite(json, .init = setup, .fini = teardown);

/* obj has exactly the keys of want (NULL-terminated), in any order. */
static void assert_keys(const json_t *obj, const char *const *want, const char *what)
{
    cr_assert(json_is_object(obj), "%s is not an object", what);
    size_t n = 0;
    for (; want[n] != NULL; n++)
        cr_assert_not_null(json_object_get(obj, want[n]), "%s lacks %s", what, want[n]);
    cr_assert_eq(json_object_size(obj), n, "%s has %zu keys, expected %zu", what,
                 json_object_size(obj), n);
}

/* The compact text of obj[key], as a client would read it. */
static char *text_of(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    cr_assert_not_null(v, "no %s", key);
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
    cr_assert_not_null(s);
    return s;
}

static void assert_text(const json_t *obj, const char *key, const char *want)
{
    char *s = text_of(obj, key);
    cr_assert_str_eq(s, want, "%s: %s, expected %s", key, s, want);
    free(s);
}

static orders_order_t *placed_order(void)
{
    fix_add(&F, "c1", "p1", 2);
    fix_add(&F, "c1", "p2", 3);
    fix_add(&F, "c1", "p3", 1);
    return fix_place(&F, "c1", ORDERS_METHOD_COD);
}

Test(json, an_order_has_every_contract_field)
{
    orders_order_t *o = placed_order();
    json_t *j = orders__json_order(o);
    static const char *const keys[] = {
        "id", "orderNumber", "customerId", "customerName", "customerEmail", "items", "subtotal",
        "tax", "shippingFee", "discount", "totalAmount", "currency", "status", "paymentMethod",
        "paymentStatus", "shippingAddress", "sellerStatuses", "placedAt", "confirmedAt",
        "shippedAt", "deliveredAt", "cancelledAt", "notes", "cancelReason", "refundAmount",
        "reservationExpiry", "createdAt", "updatedAt", NULL};
    assert_keys(j, keys, "order");
    cr_assert_str_eq(json_string_value(json_object_get(j, "id")), o->id);
    cr_assert_str_eq(json_string_value(json_object_get(j, "orderNumber")), o->order_number);
    assert_text(j, "subtotal", "178.43"); /* 2 x 19.99 + 3 x 5.00 + 123.45 */
    assert_text(j, "totalAmount", "178.43");
    assert_text(j, "tax", "0");
    assert_text(j, "currency", "\"USD\"");
    assert_text(j, "status", "\"confirmed\"");
    assert_text(j, "paymentMethod", "\"cod\"");
    assert_text(j, "paymentStatus", "\"pending\"");
    assert_text(j, "placedAt", "\"2026-01-01T00:00:00.000Z\"");
    assert_text(j, "reservationExpiry", "\"2026-01-01T00:30:00.000Z\"");
    assert_text(j, "shippedAt", "null");
    assert_text(j, "cancelReason", "null");

    json_t *items = json_object_get(j, "items");
    cr_assert_eq(json_array_size(items), 3);
    static const char *const item_keys[] = {"productId", "sellerId", "productName",
                                            "productImage", "quantity", "unitPrice",
                                            "totalPrice", "status", "reservedAt",
                                            "confirmedAt", NULL};
    assert_keys(json_array_get(items, 0), item_keys, "item");
    assert_text(json_array_get(items, 0), "unitPrice", "19.99");
    assert_text(json_array_get(items, 0), "totalPrice", "39.98");
    assert_text(json_array_get(items, 0), "productImage", "\"https://img.example/w.png\"");
    assert_text(json_array_get(items, 1), "productImage", "null");
    assert_text(json_array_get(items, 2), "status", "\"confirmed\"");

    json_t *sellers = json_object_get(j, "sellerStatuses");
    cr_assert_eq(json_array_size(sellers), 2, "one status per seller");
    static const char *const seller_keys[] = {"sellerId", "status", "updatedAt", "notes",
                                              "trackingNumber", "estimatedDelivery", NULL};
    assert_keys(json_array_get(sellers, 1), seller_keys, "seller status");
    assert_text(json_array_get(sellers, 1), "sellerId", "\"s2\"");

    static const char *const address_keys[] = {"addressLine1", "addressLine2", "city",
                                               "state", "country", "postalCode",
                                               "contactName", "contactPhone", NULL};
    assert_keys(json_object_get(j, "shippingAddress"), address_keys, "address");
    json_decref(j);
    orders_order_free(o);
}

Test(json, summaries_and_pages)
{
    orders_order_t *o = placed_order();
    json_t *s = orders__json_order_summary(o);
    static const char *const keys[] = {"id", "orderNumber", "status", "totalAmount",
                                       "itemCount", "placedAt", "deliveredAt", NULL};
    assert_keys(s, keys, "summary");
    assert_text(s, "itemCount", "6"); /* units, not lines */
    json_decref(s);

    json_t *a = orders__json_order_admin_summary(o);
    static const char *const admin_keys[] = {
        "id", "orderNumber", "status", "totalAmount", "itemCount", "placedAt", "customerId",
        "customerName", "customerEmail", "paymentStatus", "sellers", NULL};
    assert_keys(a, admin_keys, "admin summary");
    assert_text(a, "sellers", "[\"s1\",\"s2\"]");

    json_t *list = json_array();
    json_array_append_new(list, a);
    json_t *page = orders__json_page(list, 3, 10, 21);
    cr_assert_not_null(page);
    assert_text(page, "pagination", "{\"page\":3,\"limit\":10,\"total\":21,\"pages\":3}");
    cr_assert_eq(json_array_size(json_object_get(page, "orders")), 1);
    json_decref(page);

    json_t *empty = orders__json_page(json_array(), 1, 20, 0);
    assert_text(empty, "pagination", "{\"page\":1,\"limit\":20,\"total\":0,\"pages\":0}");
    json_decref(empty);
    cr_assert_null(orders__json_page(json_array(), 1, 0, 5), "limit 0 is refused");
    orders_order_free(o);
}

Test(json, carts_empty_and_filled)
{
    orders_cart_t *c = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_cart_get(F.ctx, "c9", &c, &err), ORDERS_OK, "%s", err.message);
    json_t *j = orders__json_cart(c);
    static const char *const keys[] = {"id", "customerId", "items", "totalItems", "totalAmount",
                                       "currency", "createdAt", "updatedAt", "expiresAt", NULL};
    assert_keys(j, keys, "cart");
    assert_text(j, "items", "[]");
    assert_text(j, "totalItems", "0");
    assert_text(j, "currency", "null");
    json_decref(j);
    orders_cart_free(c);

    fix_add(&F, "c9", "p3", 2);
    cr_assert_eq(orders_cart_get(F.ctx, "c9", &c, &err), ORDERS_OK, "%s", err.message);
    j = orders__json_cart(c);
    assert_text(j, "totalAmount", "246.9");
    assert_text(j, "currency", "\"USD\"");
    assert_text(j, "expiresAt", "\"2026-01-31T00:00:00.000Z\"");
    json_t *line = json_array_get(json_object_get(j, "items"), 0);
    static const char *const line_keys[] = {"productId", "sellerId", "productName",
                                            "productImage", "quantity", "price", "totalPrice",
                                            "availableStock", "addedAt", NULL};
    assert_keys(line, line_keys, "cart line");
    assert_text(line, "price", "123.45");
    assert_text(line, "availableStock", "10");
    json_decref(j);
    orders_cart_free(c);
}

Test(json, amounts_print_exactly_in_every_currency)
{
    static const struct {
        orders_money_t m;
        const char *text;
    } cases[] = {
        {{1999, "USD"}, "19.99"},       {{10, "USD"}, "0.1"},      {{30, "USD"}, "0.3"},
        {{12345678901, "USD"}, "123456789.01"}, {{500, "JPY"}, "500"}, {{1234, "KWD"}, "1.234"},
        {{-1999, "EUR"}, "-19.99"},     {{500, "USD"}, "5"},       {{0, "USD"}, "0"},
        {{-300, "EUR"}, "-3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = orders__json_money(&cases[i].m);
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
        cr_assert_str_eq(s, cases[i].text, "%lld %s: %s, expected %s",
                         (long long)cases[i].m.amount, cases[i].m.currency, s, cases[i].text);
        free(s);
        json_decref(v);
    }
}

/* ---- request bodies ---------------------------------------------------------------- */

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    cr_assert_not_null(j, "bad test JSON %s: %s", text, jerr.text);
    return j;
}

Test(json, a_place_request_is_read_with_its_types_checked)
{
    json_t *body = parse("{\"shippingAddress\": {\"addressLine1\": \"1 Main St\", \"city\": "
                         "\"Springfield\", \"state\": \"IL\", \"country\": \"US\", "
                         "\"postalCode\": \"62701\", \"contactPhone\": null, \"extra\": 1}, "
                         "\"paymentMethod\": \"COD\", \"notes\": \"ring twice\", \"x\": [1]}");
    orders_place_request_t req;
    orders_address_t addr;
    orders_error_t err = {0};
    cr_assert_eq(orders__json_place_request(body, &req, &addr, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(req.shipping_address, &addr);
    cr_assert_str_eq(addr.city, "Springfield");
    cr_assert_null(addr.address_line2, "absent optional line");
    cr_assert_null(addr.contact_phone, "null optional line");
    cr_assert_eq(req.payment_method, ORDERS_METHOD_COD, "COD in capitals");
    cr_assert_str_eq(req.notes, "ring twice");
    cr_assert_null(req.shipping_address_id);
    json_decref(body);

    body = parse("{\"shippingAddressId\": \"home\", \"paymentMethod\": \"Wallet\"}");
    cr_assert_eq(orders__json_place_request(body, &req, &addr, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_null(req.shipping_address);
    cr_assert_str_eq(req.shipping_address_id, "home");
    cr_assert_eq(req.payment_method, ORDERS_METHOD_WALLET);
    json_decref(body);

    body = parse("{}");
    cr_assert_eq(orders__json_place_request(body, &req, &addr, &err), ORDERS_OK);
    cr_assert_eq(req.payment_method, ORDERS_METHOD_COD, "absent method: cod");
    cr_assert_null(req.shipping_address, "the library says the address is required");
    json_decref(body);
}

Test(json, wrong_types_in_a_place_request_name_their_field)
{
    static const struct {
        const char *body, *field;
    } cases[] = {
        {"{\"shippingAddress\": {\"city\": 12}}", "shippingAddress.city"},
        {"{\"shippingAddress\": {\"addressLine2\": true}}", "shippingAddress.addressLine2"},
        {"{\"shippingAddress\": \"1 Main St\"}", "shippingAddress"},
        {"{\"shippingAddressId\": 7}", "shippingAddressId"},
        {"{\"paymentMethod\": \"cash\"}", "paymentMethod"},
        {"{\"paymentMethod\": \"codcodcodcodcodcod\"}", "paymentMethod"},
        {"{\"paymentMethod\": 1}", "paymentMethod"},
        {"{\"notes\": {}}", "notes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *body = parse(cases[i].body);
        orders_place_request_t req;
        orders_address_t addr;
        orders_error_t err = {0};
        cr_assert_eq(orders__json_place_request(body, &req, &addr, &err), ORDERS_E_INVALID,
                     "%s must be refused", cases[i].body);
        cr_assert_str_eq(err.field, cases[i].field, "%s: field %s", cases[i].body, err.field);
        json_decref(body);
    }
    json_t *array = parse("[]");
    orders_place_request_t req;
    orders_address_t addr;
    cr_assert_eq(orders__json_place_request(array, &req, &addr, NULL), ORDERS_E_INVALID,
                 "a body that is not an object");
    json_decref(array);
}

Test(json, cart_items_need_a_product_and_an_integer_quantity)
{
    const char *pid;
    int64_t q;
    orders_error_t err = {0};
    json_t *body = parse("{\"productId\": \"p1\", \"quantity\": 3}");
    cr_assert_eq(orders__json_cart_item(body, true, &pid, &q, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_str_eq(pid, "p1");
    cr_assert_eq(q, 3);
    json_decref(body);

    body = parse("{\"productId\": \"p1\", \"quantity\": -2}");
    cr_assert_eq(orders__json_cart_item(body, true, &pid, &q, &err), ORDERS_OK,
                 "a negative integer is read (update removes the line; add refuses it)");
    cr_assert_eq(q, -2);
    json_decref(body);

    body = parse("{\"productId\": \"p1\"}");
    cr_assert_eq(orders__json_cart_item(body, false, &pid, &q, &err), ORDERS_OK,
                 "remove needs no quantity");
    json_decref(body);

    static const struct {
        const char *body, *field;
    } cases[] = {
        {"{\"quantity\": 1}", "productId"},
        {"{\"productId\": 5, \"quantity\": 1}", "productId"},
        {"{\"productId\": \"p1\"}", "quantity"},
        {"{\"productId\": \"p1\", \"quantity\": 2.5}", "quantity"},
        {"{\"productId\": \"p1\", \"quantity\": \"2\"}", "quantity"},
        {"{\"productId\": \"p1\", \"quantity\": true}", "quantity"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        body = parse(cases[i].body);
        memset(&err, 0, sizeof err);
        cr_assert_eq(orders__json_cart_item(body, true, &pid, &q, &err), ORDERS_E_INVALID,
                     "%s must be refused", cases[i].body);
        cr_assert_str_eq(err.field, cases[i].field, "%s: field %s", cases[i].body, err.field);
        json_decref(body);
    }
}

Test(json, a_decoded_request_gets_the_library_s_value_checks)
{
    /* the decoder takes the shape; the library says what is missing */
    json_t *body = parse("{\"shippingAddress\": {\"addressLine1\": \"1 Main St\", \"city\": \"\", "
                         "\"state\": \"IL\", \"country\": \"US\", \"postalCode\": \"62701\"}}");
    orders_place_request_t req;
    orders_address_t addr;
    orders_error_t err = {0};
    cr_assert_eq(orders__json_place_request(body, &req, &addr, &err), ORDERS_OK, "%s",
                 err.message);
    fix_add(&F, "c1", "p1", 1);
    orders_identity_t who = {.id = "c1", .name = "Ada", .email = "ada@example.com"};
    orders_order_t *o = NULL;
    cr_assert_eq(orders_order_place(F.ctx, &who, &req, &o, &err), ORDERS_E_INVALID);
    cr_assert_null(o);
    cr_assert_str_eq(err.field, "shippingAddress.city");
    cr_assert_str_eq(err.message, "shippingAddress.city is required");
    json_decref(body);
}
