/*
 * test_json_bodies.c - the Part B request bodies (liborders/json/catalog.c,
 * json/admin.c) and ISO-8601 times (json/time.c): what each decoder reads,
 * every refusal with the exact field it names, and the limits the decoders
 * keep (1..100 items and order ids, expirationMinutes 1..1440, integers).
 * The encoders and round trips through the library are in test_json_admin.c.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    cr_assert_not_null(j, "bad test JSON %s: %s", text, jerr.text);
    return j;
}

/* ---- every decoder behind one signature ------------------------------------------ */

typedef orders_code_t (*decode_fn)(const json_t *body, orders_error_t *err);

static orders_code_t product_post(const json_t *b, orders_error_t *e)
{
    orders_product_t p;
    int64_t stock;
    return orders__json_product_request(b, NULL, &p, &stock, e);
}

static orders_code_t product_put(const json_t *b, orders_error_t *e)
{
    orders_product_t p;
    int64_t stock;
    return orders__json_product_request(b, "p1", &p, &stock, e);
}

static orders_code_t stock_set(const json_t *b, orders_error_t *e)
{
    int64_t available;
    return orders__json_stock_set(b, &available, e);
}

static orders_code_t stock_adjust(const json_t *b, orders_error_t *e)
{
    int64_t delta;
    const char *reason;
    return orders__json_stock_adjust(b, &delta, &reason, e);
}

static orders_code_t check(const json_t *b, orders_error_t *e)
{
    orders_item_request_t items[ORDERS__JSON_ITEMS_MAX];
    size_t n;
    return orders__json_check_request(b, items, &n, e);
}

static orders_code_t reserve(const json_t *b, orders_error_t *e)
{
    orders_item_request_t items[ORDERS__JSON_ITEMS_MAX];
    const char *order_id;
    size_t n;
    int64_t window;
    return orders__json_reserve_request(b, &order_id, items, &n, &window, e);
}

static orders_code_t order_id(const json_t *b, orders_error_t *e)
{
    const char *id;
    return orders__json_order_id(b, &id, e);
}

static orders_code_t admin_status(const json_t *b, orders_error_t *e)
{
    orders_status_t s;
    const char *notes;
    return orders__json_admin_status(b, &s, &notes, e);
}

static orders_code_t seller_status(const json_t *b, orders_error_t *e)
{
    orders_seller_update_t u;
    return orders__json_seller_status(b, &u, e);
}

static orders_code_t bulk(const json_t *b, orders_error_t *e)
{
    const char *ids[ORDERS__JSON_BULK_MAX];
    size_t n;
    orders_status_t s;
    const char *notes;
    return orders__json_bulk_request(b, ids, &n, &s, &notes, e);
}

static orders_code_t refund_usd(const json_t *b, orders_error_t *e)
{
    int64_t amount;
    const char *reason;
    return orders__json_refund_request(b, "USD", &amount, &reason, e);
}

static orders_code_t refund_jpy(const json_t *b, orders_error_t *e)
{
    int64_t amount;
    const char *reason;
    return orders__json_refund_request(b, "JPY", &amount, &reason, e);
}

#define ITEM "{\"productId\": \"p1\", \"quantity\": 1}"
#define PRODUCT "\"id\": \"p1\", \"sellerId\": \"s1\", \"name\": \"W\""

static const struct {
    decode_fn fn;
    const char *body;
    orders_code_t code;
    const char *field;
} refusals[] = {
    {product_post, "[]", ORDERS_E_INVALID, ""},
    {product_post, "{\"sellerId\": \"s1\", \"name\": \"W\", \"price\": 1}", ORDERS_E_INVALID, "id"},
    {product_post, "{\"id\": 5, \"sellerId\": \"s1\", \"name\": \"W\", \"price\": 1}",
     ORDERS_E_INVALID, "id"},
    {product_put, "{\"name\": \"W\", \"price\": 1}", ORDERS_E_INVALID, "sellerId"},
    {product_put, "{\"sellerId\": [], \"name\": \"W\", \"price\": 1}", ORDERS_E_INVALID,
     "sellerId"},
    {product_put, "{\"sellerId\": \"s1\", \"price\": 1}", ORDERS_E_INVALID, "name"},
    {product_put, "{\"sellerId\": \"s1\", \"name\": 7, \"price\": 1}", ORDERS_E_INVALID, "name"},
    {product_post, "{" PRODUCT ", \"image\": 1, \"price\": 1}", ORDERS_E_INVALID, "image"},
    {product_post, "{" PRODUCT "}", ORDERS_E_INVALID, "price"},
    {product_post, "{" PRODUCT ", \"price\": \"19.99\"}", ORDERS_E_INVALID, "price"},
    {product_post, "{" PRODUCT ", \"price\": 1.005}", ORDERS_E_INVALID, "price"},
    {product_post, "{" PRODUCT ", \"price\": 5.5, \"currency\": \"JPY\"}", ORDERS_E_INVALID,
     "price"},
    {product_post, "{" PRODUCT ", \"price\": 1, \"currency\": 840}", ORDERS_E_INVALID,
     "currency"},
    {product_post, "{" PRODUCT ", \"price\": 1, \"currency\": \"XYZ\"}", ORDERS_E_CURRENCY,
     "currency"},
    {product_post, "{" PRODUCT ", \"price\": 1, \"active\": \"yes\"}", ORDERS_E_INVALID,
     "active"},
    {product_post, "{" PRODUCT ", \"price\": 1, \"stock\": -1}", ORDERS_E_INVALID, "stock"},
    {product_post, "{" PRODUCT ", \"price\": 1, \"stock\": 1.5}", ORDERS_E_INVALID, "stock"},
    {product_post, "{" PRODUCT ", \"price\": 1, \"stock\": \"3\"}", ORDERS_E_INVALID, "stock"},
    {stock_set, "{}", ORDERS_E_INVALID, "available"},
    {stock_set, "{\"available\": 1.5}", ORDERS_E_INVALID, "available"},
    {stock_set, "{\"available\": \"3\"}", ORDERS_E_INVALID, "available"},
    {stock_set, "7", ORDERS_E_INVALID, ""},
    {stock_adjust, "{\"reason\": \"x\"}", ORDERS_E_INVALID, "delta"},
    {stock_adjust, "{\"delta\": 2.5}", ORDERS_E_INVALID, "delta"},
    {stock_adjust, "{\"delta\": 1, \"reason\": 3}", ORDERS_E_INVALID, "reason"},
    {check, "{}", ORDERS_E_INVALID, "items"},
    {check, "{\"items\": {}}", ORDERS_E_INVALID, "items"},
    {check, "{\"items\": []}", ORDERS_E_INVALID, "items"},
    {check, "{\"items\": [1]}", ORDERS_E_INVALID, "items[0]"},
    {check, "{\"items\": [{\"productId\": \"p1\"}]}", ORDERS_E_INVALID, "items[0].quantity"},
    {check, "{\"items\": [" ITEM ", {\"productId\": \"p2\", \"quantity\": 1.5}]}",
     ORDERS_E_INVALID, "items[1].quantity"},
    {check, "{\"items\": [" ITEM ", " ITEM ", {\"quantity\": 1}]}", ORDERS_E_INVALID,
     "items[2].productId"},
    {check, "{\"items\": [{\"productId\": 1, \"quantity\": 1}]}", ORDERS_E_INVALID,
     "items[0].productId"},
    {check, "{\"items\": [{\"productId\": \"p1\", \"quantity\": \"2\"}]}", ORDERS_E_INVALID,
     "items[0].quantity"},
    {check, "{\"items\": [{\"productId\": \"p1\", \"quantity\": true}]}", ORDERS_E_INVALID,
     "items[0].quantity"},
    {reserve, "{\"items\": [" ITEM "]}", ORDERS_E_INVALID, "orderId"},
    {reserve, "{\"orderId\": 5, \"items\": [" ITEM "]}", ORDERS_E_INVALID, "orderId"},
    {reserve, "{\"orderId\": \"o1\"}", ORDERS_E_INVALID, "items"},
    {reserve, "{\"orderId\": \"o1\", \"items\": [{\"productId\": \"p1\", \"quantity\": 0.5}]}",
     ORDERS_E_INVALID, "items[0].quantity"},
    {reserve, "{\"orderId\": \"o1\", \"items\": [" ITEM "], \"expirationMinutes\": 0}",
     ORDERS_E_INVALID, "expirationMinutes"},
    {reserve, "{\"orderId\": \"o1\", \"items\": [" ITEM "], \"expirationMinutes\": 1441}",
     ORDERS_E_INVALID, "expirationMinutes"},
    {reserve, "{\"orderId\": \"o1\", \"items\": [" ITEM "], \"expirationMinutes\": 2.5}",
     ORDERS_E_INVALID, "expirationMinutes"},
    {reserve, "{\"orderId\": \"o1\", \"items\": [" ITEM "], \"expirationMinutes\": \"30\"}",
     ORDERS_E_INVALID, "expirationMinutes"},
    {order_id, "{}", ORDERS_E_INVALID, "orderId"},
    {order_id, "{\"orderId\": null}", ORDERS_E_INVALID, "orderId"},
    {order_id, "{\"orderId\": []}", ORDERS_E_INVALID, "orderId"},
    {admin_status, "{\"notes\": \"x\"}", ORDERS_E_INVALID, "status"},
    {admin_status, "{\"status\": 1}", ORDERS_E_INVALID, "status"},
    {admin_status, "{\"status\": \"lost\"}", ORDERS_E_INVALID, "status"},
    {admin_status, "{\"status\": \"shipped\", \"notes\": 5}", ORDERS_E_INVALID, "notes"},
    {seller_status, "{\"trackingNumber\": \"T\"}", ORDERS_E_INVALID, "status"},
    {seller_status, "{\"status\": \"shipped\", \"trackingNumber\": 5}", ORDERS_E_INVALID,
     "trackingNumber"},
    {seller_status, "{\"status\": \"shipped\", \"notes\": {}}", ORDERS_E_INVALID, "notes"},
    {seller_status, "{\"status\": \"shipped\", \"estimatedDelivery\": \"2023-02-30T00:00:00Z\"}",
     ORDERS_E_INVALID, "estimatedDelivery"},
    {seller_status, "{\"status\": \"shipped\", \"estimatedDelivery\": \"tomorrow\"}",
     ORDERS_E_INVALID, "estimatedDelivery"},
    {seller_status, "{\"status\": \"shipped\", \"estimatedDelivery\": 1767225600000}",
     ORDERS_E_INVALID, "estimatedDelivery"},
    {bulk, "{\"status\": \"shipped\"}", ORDERS_E_INVALID, "orderIds"},
    {bulk, "{\"orderIds\": \"o1\", \"status\": \"shipped\"}", ORDERS_E_INVALID, "orderIds"},
    {bulk, "{\"orderIds\": [], \"status\": \"shipped\"}", ORDERS_E_INVALID, "orderIds"},
    {bulk, "{\"orderIds\": [\"o1\", 2], \"status\": \"shipped\"}", ORDERS_E_INVALID,
     "orderIds[1]"},
    {bulk, "{\"orderIds\": [\"o1\"]}", ORDERS_E_INVALID, "status"},
    {bulk, "{\"orderIds\": [\"o1\"], \"status\": \"nope\"}", ORDERS_E_INVALID, "status"},
    {bulk, "{\"orderIds\": [\"o1\"], \"status\": \"shipped\", \"notes\": 1}", ORDERS_E_INVALID,
     "notes"},
    {refund_usd, "{\"amount\": \"5\"}", ORDERS_E_INVALID, "amount"},
    {refund_usd, "{\"amount\": true}", ORDERS_E_INVALID, "amount"},
    {refund_usd, "{\"amount\": 0}", ORDERS_E_INVALID, "amount"},
    {refund_usd, "{\"amount\": -5}", ORDERS_E_INVALID, "amount"},
    {refund_usd, "{\"amount\": 1.005}", ORDERS_E_INVALID, "amount"},
    {refund_usd, "{\"amount\": 5, \"reason\": 5}", ORDERS_E_INVALID, "reason"},
    {refund_jpy, "{\"amount\": 1.5}", ORDERS_E_INVALID, "amount"},
    {refund_jpy, "[1]", ORDERS_E_INVALID, ""},
};

Test(json_bodies, every_refusal_names_its_field)
{
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        json_t *body = parse(refusals[i].body);
        orders_error_t err = {0};
        orders_code_t rc = refusals[i].fn(body, &err);
        cr_assert_eq(rc, refusals[i].code, "case %zu %s: code %d, expected %d", i,
                     refusals[i].body, rc, refusals[i].code);
        cr_assert_str_eq(err.field, refusals[i].field, "case %zu %s: field %s, expected %s", i,
                         refusals[i].body, err.field, refusals[i].field);
        cr_assert_neq(err.message[0], '\0', "case %zu has a message", i);
        json_decref(body);
    }
}

Test(json_bodies, messages_say_what_is_wrong)
{
    static const struct {
        decode_fn fn;
        const char *body, *message;
    } cases[] = {
        {product_post, "{" PRODUCT ", \"price\": 1.005}", "price has more than 2 decimals"},
        {product_post, "{" PRODUCT "}", "price is required"},
        {product_post, "{" PRODUCT ", \"price\": 10000000000000}",
         "price exceeds 999999999999999 minor units of USD"},
        {product_post, "{" PRODUCT ", \"price\": -22933720368080.07}",
         "price exceeds 999999999999999 minor units of USD"},
        {check, "{\"items\": [" ITEM ", {\"productId\": \"p2\", \"quantity\": 1.5}]}",
         "items[1].quantity must be an integer"},
        {check, "{\"items\": []}", "items must have 1 to 100 entries"},
        {reserve, "{\"orderId\": \"o1\", \"items\": [" ITEM "], \"expirationMinutes\": 0}",
         "expirationMinutes must be an integer from 1 to 1440"},
        {bulk, "{\"orderIds\": [\"o1\", 2], \"status\": \"shipped\"}",
         "orderIds[1] must be a string"},
        {refund_usd, "{\"amount\": -5}", "amount must be greater than 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *body = parse(cases[i].body);
        orders_error_t err = {0};
        cr_assert_eq(cases[i].fn(body, &err), ORDERS_E_INVALID, "%s", cases[i].body);
        cr_assert_str_eq(err.message, cases[i].message);
        json_decref(body);
    }
}

/* {"<key>": [n copies of item]} plus tail, as text. */
static json_t *list_body(const char *key, size_t n, const char *item, const char *tail)
{
    size_t cap = n * (strlen(item) + 2) + strlen(key) + strlen(tail) + 16;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    size_t len = (size_t)snprintf(text, cap, "{\"%s\": [", key);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s%s", i ? "," : "", item);
    snprintf(text + len, cap - len, "]%s}", tail);
    json_t *j = parse(text);
    free(text);
    return j;
}

Test(json_bodies, lists_hold_1_to_100_entries)
{
    static const struct {
        decode_fn fn;
        const char *key, *item, *tail;
    } lists[] = {
        {check, "items", ITEM, ""},
        {reserve, "items", ITEM, ", \"orderId\": \"o1\""},
        {bulk, "orderIds", "\"o1\"", ", \"status\": \"shipped\""},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        orders_error_t err = {0};
        json_t *body = list_body(lists[i].key, 100, lists[i].item, lists[i].tail);
        cr_assert_eq(lists[i].fn(body, &err), ORDERS_OK, "100 %s: %s", lists[i].key,
                     err.message);
        json_decref(body);
        body = list_body(lists[i].key, 101, lists[i].item, lists[i].tail);
        cr_assert_eq(lists[i].fn(body, &err), ORDERS_E_INVALID, "101 %s", lists[i].key);
        cr_assert_str_eq(err.field, lists[i].key);
        json_decref(body);
    }
}

Test(json_bodies, small_bodies_are_read)
{
    orders_error_t err = {0};
    json_t *body = parse("{\"available\": 0, \"delta\": -3, \"reason\": \"damaged\", "
                         "\"orderId\": \"o1\", \"status\": \"DELIVERED\", \"notes\": \"n\"}");
    int64_t v = 99;
    const char *s = NULL, *notes = NULL;
    cr_assert_eq(orders__json_stock_set(body, &v, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(v, 0, "0 is read; the library decides about values");
    cr_assert_eq(orders__json_stock_adjust(body, &v, &s, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(v, -3);
    cr_assert_str_eq(s, "damaged");
    cr_assert_eq(orders__json_order_id(body, &s, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(s, "o1");
    orders_status_t st;
    cr_assert_eq(orders__json_admin_status(body, &st, &notes, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(st, ORDERS_STATUS_DELIVERED);
    cr_assert_str_eq(notes, "n");
    json_decref(body);

    body = parse("{\"delta\": 4}");
    cr_assert_eq(orders__json_stock_adjust(body, &v, &s, &err), ORDERS_OK, "%s", err.message);
    cr_assert_null(s, "reason is optional");
    json_decref(body);

    body = parse("{\"orderIds\": [\"o1\", \"o2\"], \"status\": \"cancelled\"}");
    const char *ids[ORDERS__JSON_BULK_MAX];
    size_t n = 0;
    cr_assert_eq(orders__json_bulk_request(body, ids, &n, &st, &notes, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(ids[1], "o2");
    cr_assert_eq(st, ORDERS_STATUS_CANCELLED);
    cr_assert_null(notes);
    json_decref(body);
}

Test(json_bodies, expiration_minutes_default_and_bounds)
{
    static const struct {
        const char *tail;
        int64_t window;
    } cases[] = {{"", 0}, {", \"expirationMinutes\": null", 0},
                 {", \"expirationMinutes\": 1", 60000},
                 {", \"expirationMinutes\": 1440", 1440LL * 60000}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *body = list_body("items", 1, ITEM, cases[i].tail);
        orders_item_request_t items[ORDERS__JSON_ITEMS_MAX];
        const char *id = NULL;
        size_t n = 0;
        int64_t window = -1;
        orders_error_t err = {0};
        cr_assert_eq(orders__json_reserve_request(body, &id, items, &n, &window, &err),
                     ORDERS_E_INVALID, "no orderId yet");
        json_object_set_new(body, "orderId", json_string("o1"));
        cr_assert_eq(orders__json_reserve_request(body, &id, items, &n, &window, &err),
                     ORDERS_OK, "%s: %s", cases[i].tail, err.message);
        cr_assert_eq(window, cases[i].window, "%s", cases[i].tail);
        cr_assert_eq(n, 1);
        json_decref(body);
    }
}

Test(json_bodies, refunds_convert_major_units_exactly)
{
    static const struct {
        const char *body, *currency;
        int64_t amount;
    } cases[] = {
        {"{}", "USD", -1},
        {"{\"amount\": null, \"reason\": \"all\"}", "USD", -1},
        {"{\"amount\": 19.99}", "USD", 1999},
        {"{\"amount\": 0.01}", "USD", 1},
        {"{\"amount\": 5}", "USD", 500},
        {"{\"amount\": 500}", "JPY", 500},
        {"{\"amount\": 1.234}", "KWD", 1234},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *body = parse(cases[i].body);
        int64_t amount = 0;
        const char *reason = NULL;
        orders_error_t err = {0};
        cr_assert_eq(orders__json_refund_request(body, cases[i].currency, &amount, &reason, &err),
                     ORDERS_OK, "%s: %s", cases[i].body, err.message);
        cr_assert_eq(amount, cases[i].amount, "%s in %s: %lld", cases[i].body,
                     cases[i].currency, (long long)amount);
        json_decref(body);
    }
}

/* ---- ISO-8601 ------------------------------------------------------------------------ */

Test(json_bodies, iso8601_times_parse_and_round_trip)
{
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {
        {"2023-01-01T00:00:00.000Z", 1672531200000LL},
        {"2023-01-01T00:00:00Z", 1672531200000LL},
        {"2023-01-01T00:00:00.5Z", 1672531200500LL},
        {"2023-01-01T00:00:00.123456Z", 1672531200123LL},
        {"2023-01-01T02:00:00.000+02:00", 1672531200000LL},
        {"2022-12-31T19:30:00-04:30", 1672531200000LL},
        {"2000-02-29T12:00:00Z", 951825600000LL},
        {"1969-12-31T23:59:59.999Z", -1},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t ms = 42;
        cr_assert(orders__iso8601_parse(good[i].text, &ms), "%s refused", good[i].text);
        cr_assert_eq(ms, good[i].ms, "%s: %lld", good[i].text, (long long)ms);
    }
    /* what orders__iso8601 writes reads back as the same instant */
    static const int64_t instants[] = {0, 1, 1767225600000LL, 1709251199999LL,
                                       4102444799999LL, -86400001LL, 253402300799999LL};
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        char buf[32];
        int64_t back = 42;
        cr_assert(orders__iso8601(instants[i], buf, sizeof buf));
        cr_assert(orders__iso8601_parse(buf, &back), "%s refused", buf);
        cr_assert_eq(back, instants[i], "%s: %lld", buf, (long long)back);
    }
}

Test(json_bodies, iso8601_refuses_what_is_not_a_time)
{
    static const char *const bad[] = {
        "", "2023-01-01", "2023-01-01T00:00:00", "2023-01-01 00:00:00Z",
        "2023-13-01T00:00:00Z", "2023-00-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2023-04-31T00:00:00Z", "2023-01-00T00:00:00Z",
        "2023-01-01T24:00:00Z", "2023-01-01T00:60:00Z", "2023-01-01T00:00:60Z",
        "2023-01-01T00:00:00.Z", "2023-01-01T00:00:00.0123456789Z", "2023-01-01T00:00:00ZZ",
        "2023-01-01T00:00:00+0200", "2023-01-01T00:00:00+24:00", "2023-01-01T00:00:00+02:60",
        "+2023-01-01T00:00:00Z", "2023-1-01T00:00:00Z", "2023-01-01t00:00:00z",
        "2023-01-01T00:00:00.000Z ", "2023-01-01T0a:00:00Z", "tomorrow",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        cr_assert_not(orders__iso8601_parse(bad[i], &ms), "\"%s\" accepted", bad[i]);
        cr_assert_eq(ms, 42, "untouched on failure");
    }
    int64_t ms = 42;
    cr_assert_not(orders__iso8601_parse(NULL, &ms));
}
