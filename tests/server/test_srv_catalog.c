/*
 * tests/server/test_srv_catalog.c - product administration over HTTP
 * (API.md Part B: /api/v1/admin/products, service key).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

static srvh_t srv;

static void up(void)
{
    srvh_start(&srv, NULL, NULL);
}

static void down(void)
{
    cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
}

TestSuite(srv_catalog, .init = up, .fini = down);

/* errors[0].field of an error answer, or "" */
static const char *err_field(const srvh_resp_t *r)
{
    json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
    const char *f = json_string_value(json_object_get(e, "field"));
    return f != NULL ? f : "";
}

static const char *str_of(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? s : "";
}

/* GET /admin/products/id into *r (the caller clears it); its status. */
static long get_product(const char *id, srvh_resp_t *r)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/products/%s", id);
    return srvh_admin(&srv, "GET", path, NULL, r);
}

static void expect_absent(const char *id)
{
    srvh_resp_t r;
    cr_expect_eq(get_product(id, &r), 404, "%s must not exist: %s", id, r.body);
    srvh_resp_clear(&r);
}

Test(srv_catalog, create_is_201_with_the_product_and_its_stock)
{
    srvh_resp_t r;
    const char *body = "{\"id\":\"p-lamp\",\"sellerId\":\"seller-light\",\"name\":\"Desk lamp\","
                       "\"image\":\"https://example.com/lamp.jpg\",\"price\":19.99,"
                       "\"stock\":7}";
    cr_assert_eq(srvh_admin(&srv, "POST", "/api/v1/admin/products", body, &r), 201, "%s",
                 r.body);
    cr_expect_str_eq(srvh_message(&r), "Product created");
    json_t *d = srvh_data(&r);
    cr_expect_str_eq(str_of(d, "id"), "p-lamp");
    cr_expect_str_eq(str_of(d, "sellerId"), "seller-light");
    cr_expect_str_eq(str_of(d, "name"), "Desk lamp");
    cr_expect_str_eq(str_of(d, "image"), "https://example.com/lamp.jpg");
    cr_expect_str_eq(str_of(d, "currency"), "USD", "currency defaults to USD");
    cr_expect(json_is_true(json_object_get(d, "active")), "active defaults to true");
    cr_expect_str_eq(str_of(d, "createdAt"), str_of(d, "updatedAt"));
    cr_expect(strstr(r.body, "\"price\":19.99,") != NULL, "%s", r.body);
    json_t *stock = json_object_get(d, "stock");
    cr_expect_eq(json_integer_value(json_object_get(stock, "available")), 7, "%s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(stock, "reserved")), 0);
    srvh_resp_clear(&r);

    cr_assert_eq(get_product("p-lamp", &r), 200, "%s", r.body);
    cr_expect(strstr(r.body, "\"price\":19.99,") != NULL, "read back exactly: %s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "name"), "Desk lamp");
    cr_expect_null(json_object_get(srvh_data(&r), "stock"), "a read shows the product only");
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_admin(&srv, "GET", "/api/v1/inventory/stock/p-lamp", NULL, &r), 200);
    cr_expect_eq(json_integer_value(json_object_get(srvh_data(&r), "available")), 7);
    srvh_resp_clear(&r);
}

Test(srv_catalog, create_without_stock_starts_at_zero_and_honours_active)
{
    srvh_resp_t r;
    const char *body = "{\"id\":\"p-off\",\"sellerId\":\"s\",\"name\":\"Off\",\"price\":5,"
                       "\"active\":false}";
    cr_assert_eq(srvh_admin(&srv, "POST", "/api/v1/admin/products", body, &r), 201, "%s",
                 r.body);
    cr_expect(json_is_false(json_object_get(srvh_data(&r), "active")));
    cr_expect(json_is_null(json_object_get(srvh_data(&r), "image")));
    cr_expect_null(json_object_get(srvh_data(&r), "stock"), "no stock asked, none shown");
    cr_expect(strstr(r.body, "\"price\":5,") != NULL, "a whole price is an integer: %s",
              r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_admin(&srv, "GET", "/api/v1/inventory/stock/p-off", NULL, &r), 200);
    cr_expect_eq(json_integer_value(json_object_get(srvh_data(&r), "available")), 0);
    srvh_resp_clear(&r);
}

Test(srv_catalog, an_existing_id_is_409_and_left_alone)
{
    srvh_resp_t r;
    const char *body = "{\"id\":\"prod-mug\",\"sellerId\":\"thief\",\"name\":\"Stolen\","
                       "\"price\":1,\"stock\":1}";
    cr_expect_eq(srvh_admin(&srv, "POST", "/api/v1/admin/products", body, &r), 409, "%s",
                 r.body);
    cr_expect(json_is_false(json_object_get(r.json, "success")));
    srvh_resp_clear(&r);
    cr_assert_eq(get_product("prod-mug", &r), 200);
    cr_expect_str_eq(str_of(srvh_data(&r), "name"), "Coffee mug");
    cr_expect_str_eq(str_of(srvh_data(&r), "sellerId"), "seller-bean");
    cr_expect(strstr(r.body, "\"price\":12.5,") != NULL, "%s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_admin(&srv, "GET", "/api/v1/inventory/stock/prod-mug", NULL, &r), 200);
    cr_expect_eq(json_integer_value(json_object_get(srvh_data(&r), "available")), 100,
                 "the refused create must not set the stock");
    srvh_resp_clear(&r);
}

/* POST /admin/products with an Idempotency-Key. */
static long keyed_create(const char *key, const char *body, srvh_resp_t *r)
{
    char header[160];
    snprintf(header, sizeof header, "Idempotency-Key: %s", key);
    const char *hdrs[] = {"X-Service-Key: " SRVH_SERVICE_KEY, header, NULL};
    return srvh_call(&srv, "POST", "/api/v1/admin/products", hdrs, body, r);
}

Test(srv_catalog, a_retried_keyed_create_answers_201_and_keeps_the_stock)
{
    const char *body = "{\"id\":\"prod-retry\",\"sellerId\":\"s-r\",\"name\":\"Retry\","
                       "\"price\":3.5,\"stock\":10}";
    srvh_resp_t r;
    cr_assert_eq(keyed_create("c-1", body, &r), 201, "%s", r.body);
    srvh_resp_clear(&r);
    /* two units are sold meanwhile... */
    cr_assert_eq(srvh_admin(&srv, "POST", "/api/v1/inventory/reserve",
                            "{\"orderId\":\"retry-o\",\"items\":[{\"productId\":\"prod-retry\","
                            "\"quantity\":2}]}",
                            &r),
                 201, "%s", r.body);
    srvh_resp_clear(&r);
    /* ...and the retry neither fails nor sets the stock back to 10 */
    cr_assert_eq(keyed_create("c-1", body, &r), 201, "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "name"), "Retry");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(srvh_data(&r), "stock"),
                                                    "available")),
                 8, "%s", r.body);
    srvh_resp_clear(&r);
    /* another product under the same id is still 409 */
    cr_expect_eq(keyed_create("c-2", "{\"id\":\"prod-retry\",\"sellerId\":\"s-r\","
                                      "\"name\":\"Other\",\"price\":3.5}",
                              &r),
                 409, "%s", r.body);
    srvh_resp_clear(&r);
}

/* POSTs product id with the JSON number price; it is created and both the
 * answer and a GET print the number back as the same text. */
static void price_prints_back(const char *id, const char *price)
{
    char body[160], shown[64];
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"sellerId\":\"s\",\"name\":\"N\",\"price\":%s}",
             id, price);
    snprintf(shown, sizeof shown, "\"price\":%s,", price);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "POST", "/api/v1/admin/products", body, &r), 201, "%s",
                 r.body);
    cr_expect(strstr(r.body, shown) != NULL, "%s in %s", shown, r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(get_product(id, &r), 200);
    cr_expect(strstr(r.body, shown) != NULL, "read back %s in %s", shown, r.body);
    srvh_resp_clear(&r);
}

/* POSTs product id with the JSON number price: 400 naming "price", and
 * nothing stored. */
static void price_refused(const char *id, const char *price)
{
    char body[160];
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"sellerId\":\"s\",\"name\":\"N\",\"price\":%s}",
             id, price);
    srvh_resp_t r;
    cr_expect_eq(srvh_admin(&srv, "POST", "/api/v1/admin/products", body, &r), 400, "%s",
                 r.body);
    cr_expect_str_eq(err_field(&r), "price", "%s", r.body);
    srvh_resp_clear(&r);
    expect_absent(id);
}

Test(srv_catalog, prices_print_exactly_and_too_many_decimals_is_400)
{
    /* 0.3 is the double 0.1 + 0.2 is not: it must still print as 0.3 */
    price_prints_back("p-cheap", "0.3");
    price_refused("p-fine", "19.999");
}

/* ORDERS_MONEY_MAX: the largest price prints back to the cent; one cent
 * more is refused, since a 15-digit JSON number could not carry it. */
Test(srv_catalog, prices_up_to_the_money_range_print_exactly)
{
    price_prints_back("p-dear", "9999999999999.99");
    price_refused("p-too-dear", "10000000000000.01");
    price_refused("p-fuzzed", "-22933720368080.07");
}

Test(srv_catalog, invalid_bodies_are_400_naming_the_field)
{
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"sellerId\":\"s\",\"name\":\"N\",\"price\":1}", "id"},
        {"{\"id\":\"p-bad\",\"name\":\"N\",\"price\":1}", "sellerId"},
        {"{\"id\":\"p-bad\",\"sellerId\":\"s\",\"price\":1}", "name"},
        {"{\"id\":\"p-bad\",\"sellerId\":\"s\",\"name\":\"\",\"price\":1}", "name"},
        {"{\"id\":\"p-bad\",\"sellerId\":\"s\",\"name\":\"N\"}", "price"},
        {"{\"id\":\"p-bad\",\"sellerId\":\"s\",\"name\":\"N\",\"price\":\"19.99\"}", "price"},
        {"{\"id\":\"p-bad\",\"sellerId\":\"s\",\"name\":\"N\",\"price\":-1}", "price"},
        {"{\"id\":\"p-bad\",\"sellerId\":\"s\",\"name\":\"N\",\"price\":1,\"stock\":-1}",
         "stock"},
        {"{\"id\":\"p-bad\",\"sellerId\":\"s\",\"name\":\"N\",\"price\":1,\"stock\":1.5}",
         "stock"},
        {"{\"id\":\"p-bad\",\"sellerId\":\"s\",\"name\":\"N\",\"price\":1,\"active\":\"yes\"}",
         "active"},
        {"{\"id\":7,\"sellerId\":\"s\",\"name\":\"N\",\"price\":1}", "id"},
        {"{\"id\":\"p-bad\",\"sellerId\":\"s\",\"name\":\"N\",\"price\":1,\"image\":3}",
         "image"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_admin(&srv, "POST", "/api/v1/admin/products", bad[i].body, &r), 400,
                     "%s -> %s", bad[i].body, r.body);
        cr_expect_str_eq(err_field(&r), bad[i].field, "%s -> %s", bad[i].body, r.body);
        srvh_resp_clear(&r);
    }
    expect_absent("p-bad");
}

Test(srv_catalog, an_unknown_currency_is_refused_naming_it)
{
    srvh_resp_t r;
    /* ORDERS_E_CURRENCY maps to 422 in the server's table */
    cr_expect_eq(srvh_admin(&srv, "POST", "/api/v1/admin/products",
                            "{\"id\":\"p-cur\",\"sellerId\":\"s\",\"name\":\"N\",\"price\":1,"
                            "\"currency\":\"XQQ\"}",
                            &r),
                 422, "%s", r.body);
    cr_expect(strstr(srvh_message(&r), "XQQ") != NULL, "%s", r.body);
    srvh_resp_clear(&r);
    expect_absent("p-cur");
}

Test(srv_catalog, put_creates_then_replaces_keeping_created_at)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "PUT", "/api/v1/admin/products/p-desk",
                            "{\"sellerId\":\"s\",\"name\":\"Desk\",\"price\":150,\"stock\":2}",
                            &r),
                 201, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Product created");
    cr_expect_str_eq(str_of(srvh_data(&r), "id"), "p-desk");
    char created[64];
    snprintf(created, sizeof created, "%s", str_of(srvh_data(&r), "createdAt"));
    srvh_resp_clear(&r);

    cr_assert_eq(srvh_admin(&srv, "PUT", "/api/v1/admin/products/p-desk",
                            "{\"id\":\"p-desk\",\"sellerId\":\"s2\",\"name\":\"Big desk\","
                            "\"price\":249.99,\"currency\":\"EUR\",\"stock\":9}",
                            &r),
                 200, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Product updated");
    json_t *stock = json_object_get(srvh_data(&r), "stock");
    cr_expect_eq(json_integer_value(json_object_get(stock, "available")), 9, "%s", r.body);
    srvh_resp_clear(&r);

    cr_assert_eq(get_product("p-desk", &r), 200);
    json_t *d = srvh_data(&r);
    cr_expect_str_eq(str_of(d, "name"), "Big desk");
    cr_expect_str_eq(str_of(d, "sellerId"), "s2");
    cr_expect_str_eq(str_of(d, "currency"), "EUR");
    cr_expect(strstr(r.body, "\"price\":249.99,") != NULL, "%s", r.body);
    cr_expect_str_eq(str_of(d, "createdAt"), created, "a replace keeps createdAt");
    srvh_resp_clear(&r);
}

Test(srv_catalog, put_without_stock_keeps_the_stock)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "PUT", "/api/v1/admin/products/prod-pen",
                            "{\"sellerId\":\"seller-paper\",\"name\":\"Pen\",\"price\":40}",
                            &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_admin(&srv, "GET", "/api/v1/inventory/stock/prod-pen", NULL, &r), 200);
    cr_expect_eq(json_integer_value(json_object_get(srvh_data(&r), "available")), 5);
    srvh_resp_clear(&r);
}

Test(srv_catalog, put_refuses_a_body_id_other_than_the_path)
{
    static const char *bad[] = {
        "{\"id\":\"prod-mouse\",\"sellerId\":\"s\",\"name\":\"Renamed\",\"price\":1}",
        "{\"id\":5,\"sellerId\":\"s\",\"name\":\"Renamed\",\"price\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_admin(&srv, "PUT", "/api/v1/admin/products/prod-mug", bad[i], &r),
                     400, "%s -> %s", bad[i], r.body);
        cr_expect_str_eq(err_field(&r), "id", "%s", r.body);
        srvh_resp_clear(&r);
    }
    srvh_resp_t r;
    cr_expect_eq(srvh_admin(&srv, "PUT", "/api/v1/admin/products/prod-mug",
                            "{\"sellerId\":\"s\",\"name\":\"Bad\",\"price\":\"x\"}", &r),
                 400, "%s", r.body);
    cr_expect_str_eq(err_field(&r), "price", "%s", r.body);
    srvh_resp_clear(&r);
    const char *ids[] = {"prod-mug", "prod-mouse"};
    const char *names[] = {"Coffee mug", "Wireless mouse"};
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(get_product(ids[i], &r), 200);
        cr_expect_str_eq(str_of(srvh_data(&r), "name"), names[i], "refused PUTs change nothing");
        srvh_resp_clear(&r);
    }
}

Test(srv_catalog, an_unknown_product_is_404)
{
    srvh_resp_t r;
    cr_expect_eq(get_product("no-such-product", &r), 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Product not found");
    srvh_resp_clear(&r);
}

/* A path id that is not UTF-8 (%FF) is refused before it reaches the
 * store: stored, the product could never be shown (jansson refuses the
 * bytes), so its own answer and every list holding it would be 500s.
 * Found by tests/fuzz/fuzz_routes.c. */
Test(srv_catalog, a_path_id_that_is_not_utf8_is_400_and_stores_nothing)
{
    srvh_resp_t r;
    const char *body = "{\"sellerId\":\"seller-utf8\",\"name\":\"Bad id\",\"price\":1}";
    cr_expect_eq(srvh_admin(&srv, "PUT", "/api/v1/admin/products/p%FF", body, &r), 400, "%s",
                 r.body);
    cr_expect_str_eq(err_field(&r), "id");
    srvh_resp_clear(&r);
    cr_expect_eq(get_product("p%C0%AF", &r), 400, "an overlong form: %s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_admin(&srv, "GET", "/api/v1/admin/products?sellerId=seller-utf8", NULL, &r),
                 200, "%s", r.body);
    cr_expect_eq(json_array_size(json_object_get(srvh_data(&r), "products")), 0, "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(get_product("caf%C3%A9", &r), 404, "valid UTF-8 is an id like any: %s", r.body);
    srvh_resp_clear(&r);
}

/* GET path: products' ids into ids (comma-joined) and the pagination. */
static void list(const char *path, char *ids, size_t len, json_t **pagination, srvh_resp_t *r)
{
    cr_assert_eq(srvh_admin(&srv, "GET", path, NULL, r), 200, "%s: %s", path, r->body);
    json_t *products = json_object_get(srvh_data(r), "products");
    cr_assert(json_is_array(products), "%s", r->body);
    ids[0] = '\0';
    for (size_t i = 0; i < json_array_size(products); i++) {
        size_t used = strlen(ids);
        snprintf(ids + used, len - used, "%s%s", i ? "," : "",
                 str_of(json_array_get(products, i), "id"));
    }
    *pagination = json_object_get(srvh_data(r), "pagination");
}

static long long pint(json_t *pagination, const char *key)
{
    return json_integer_value(json_object_get(pagination, key));
}

Test(srv_catalog, list_pages_by_id_and_filters_by_seller)
{
    srvh_resp_t r;
    char ids[512];
    json_t *pg;
    list("/api/v1/admin/products", ids, sizeof ids, &pg, &r);
    cr_expect_str_eq(ids, "prod-beans,prod-grinder,prod-keyboard,prod-monitor,prod-mouse,"
                          "prod-mug,prod-notebook,prod-pen");
    cr_expect_eq(pint(pg, "page"), 1);
    cr_expect_eq(pint(pg, "limit"), 20, "limit defaults to 20");
    cr_expect_eq(pint(pg, "total"), 8);
    cr_expect_eq(pint(pg, "pages"), 1);
    srvh_resp_clear(&r);

    list("/api/v1/admin/products?sellerId=seller-acme", ids, sizeof ids, &pg, &r);
    cr_expect_str_eq(ids, "prod-keyboard,prod-monitor,prod-mouse");
    cr_expect_eq(pint(pg, "total"), 3);
    srvh_resp_clear(&r);

    list("/api/v1/admin/products?limit=3&page=2", ids, sizeof ids, &pg, &r);
    cr_expect_str_eq(ids, "prod-monitor,prod-mouse,prod-mug");
    cr_expect_eq(pint(pg, "page"), 2);
    cr_expect_eq(pint(pg, "pages"), 3);
    srvh_resp_clear(&r);

    list("/api/v1/admin/products?limit=500", ids, sizeof ids, &pg, &r);
    cr_expect_eq(pint(pg, "limit"), 100, "a larger limit is cut to 100");
    srvh_resp_clear(&r);

    list("/api/v1/admin/products?sellerId=nobody", ids, sizeof ids, &pg, &r);
    cr_expect_str_eq(ids, "");
    cr_expect_eq(pint(pg, "total"), 0);
    srvh_resp_clear(&r);
}

Test(srv_catalog, list_refuses_bad_query_parameters)
{
    static const struct {
        const char *path, *field;
    } bad[] = {
        {"/api/v1/admin/products?limit=0", "limit"},
        {"/api/v1/admin/products?limit=ten", "limit"},
        {"/api/v1/admin/products?page=0", "page"},
        {"/api/v1/admin/products?page=1.5", "page"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_admin(&srv, "GET", bad[i].path, NULL, &r), 400, "%s -> %s",
                     bad[i].path, r.body);
        cr_expect_str_eq(err_field(&r), bad[i].field, "%s", r.body);
        srvh_resp_clear(&r);
    }
}

Test(srv_catalog, the_service_key_is_required)
{
    const char *body = "{\"id\":\"p-sneak\",\"sellerId\":\"s\",\"name\":\"N\",\"price\":1}";
    const char *none[] = {NULL};
    const char *wrong[] = {"X-Service-Key: not-the-key", NULL};
    const char *const *hdrs[] = {none, wrong};
    for (size_t i = 0; i < 2; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_call(&srv, "POST", "/api/v1/admin/products", hdrs[i], body, &r), 401,
                     "%s", r.body);
        cr_expect(json_is_false(json_object_get(r.json, "success")));
        srvh_resp_clear(&r);
        cr_expect_eq(srvh_call(&srv, "GET", "/api/v1/admin/products", hdrs[i], NULL, &r), 401,
                     "%s", r.body);
        srvh_resp_clear(&r);
        cr_expect_eq(srvh_call(&srv, "PUT", "/api/v1/admin/products/prod-mug", hdrs[i],
                               "{\"sellerId\":\"s\",\"name\":\"Hacked\",\"price\":0}", &r),
                     401, "%s", r.body);
        srvh_resp_clear(&r);
        cr_expect_eq(srvh_call(&srv, "GET", "/api/v1/admin/products/prod-mug", hdrs[i], NULL,
                               &r),
                     401, "%s", r.body);
        srvh_resp_clear(&r);
    }
    expect_absent("p-sneak");
    srvh_resp_t r;
    cr_assert_eq(get_product("prod-mug", &r), 200);
    cr_expect_str_eq(str_of(srvh_data(&r), "name"), "Coffee mug");
    srvh_resp_clear(&r);
}

Test(srv_catalog, a_non_json_content_type_is_415)
{
    const char *hdrs[] = {"X-Service-Key: " SRVH_SERVICE_KEY, "Content-Type: text/plain", NULL};
    srvh_resp_t r;
    cr_expect_eq(srvh_call(&srv, "POST", "/api/v1/admin/products", hdrs,
                           "{\"id\":\"p-text\",\"sellerId\":\"s\",\"name\":\"N\",\"price\":1}",
                           &r),
                 415, "%s", r.body);
    srvh_resp_clear(&r);
    expect_absent("p-text");
}
