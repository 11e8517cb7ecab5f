/*
 * tests/server/test_srv_inventory.c - the inventory routes over HTTP
 * (API.md: /api/v1/inventory/..., service key): checks, reservations
 * (all or none, release, confirm, expiry by the server's sweeper) and
 * stock levels, with the invariant available + reserved + sold = stocked -
 * adjusted read back after every step.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

TestSuite(srv_inventory, .init = up, .fini = down);

/* errors[0].field of an error answer, or "" */
static const char *err_field(const srvh_resp_t *r)
{
    json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
    const char *f = json_string_value(json_object_get(e, "field"));
    return f != NULL ? f : "";
}

static long post(const char *path, const char *body, srvh_resp_t *r)
{
    return srvh_admin(&srv, "POST", path, body, r);
}

typedef struct levels {
    long long available, reserved, sold;
} levels_t;

/* GET /inventory/stock/pid, which must answer 200. */
static levels_t stock(const char *pid)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/inventory/stock/%s", pid);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "GET", path, NULL, &r), 200, "%s: %s", path, r.body);
    json_t *d = srvh_data(&r);
    cr_expect_str_eq(json_string_value(json_object_get(d, "productId")), pid);
    levels_t l = {json_integer_value(json_object_get(d, "available")),
                  json_integer_value(json_object_get(d, "reserved")),
                  json_integer_value(json_object_get(d, "sold"))};
    srvh_resp_clear(&r);
    return l;
}

static void expect_levels(const char *pid, long long available, long long reserved,
                          long long sold)
{
    levels_t l = stock(pid);
    cr_expect_eq(l.available, available, "%s available", pid);
    cr_expect_eq(l.reserved, reserved, "%s reserved", pid);
    cr_expect_eq(l.sold, sold, "%s sold", pid);
}

/* ---- check ------------------------------------------------------------------------ */

Test(srv_inventory, check_reports_each_line_and_unknown_products_as_zero)
{
    srvh_resp_t r;
    cr_assert_eq(post("/api/v1/inventory/check",
                      "{\"items\":[{\"productId\":\"prod-pen\",\"quantity\":5},"
                      "{\"productId\":\"prod-grinder\",\"quantity\":9},"
                      "{\"productId\":\"no-such\",\"quantity\":1}]}",
                      &r),
                 200, "%s", r.body);
    json_t *d = srvh_data(&r);
    cr_expect(json_is_false(json_object_get(d, "allAvailable")));
    json_t *items = json_object_get(d, "items");
    cr_assert_eq(json_array_size(items), 3, "%s", r.body);
    static const struct {
        const char *pid;
        long long want, have;
        bool ok;
    } expect[] = {
        {"prod-pen", 5, 5, true}, {"prod-grinder", 9, 8, false}, {"no-such", 1, 0, false}};
    for (size_t i = 0; i < 3; i++) {
        json_t *it = json_array_get(items, i);
        cr_expect_str_eq(json_string_value(json_object_get(it, "productId")), expect[i].pid);
        cr_expect_eq(json_integer_value(json_object_get(it, "requestedQuantity")), expect[i].want);
        cr_expect_eq(json_integer_value(json_object_get(it, "availableStock")), expect[i].have);
        cr_expect_eq(json_is_true(json_object_get(it, "available")), expect[i].ok, "%s",
                     expect[i].pid);
    }
    srvh_resp_clear(&r);
    cr_assert_eq(post("/api/v1/inventory/check",
                      "{\"items\":[{\"productId\":\"prod-mug\",\"quantity\":100}]}", &r),
                 200, "%s", r.body);
    cr_expect(json_is_true(json_object_get(srvh_data(&r), "allAvailable")), "%s", r.body);
    srvh_resp_clear(&r);
    expect_levels("prod-mug", 100, 0, 0); /* a check holds nothing */
}

Test(srv_inventory, check_refuses_bad_items_naming_the_field)
{
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{}", "items"},
        {"{\"items\":[]}", "items"},
        {"{\"items\":{}}", "items"},
        {"{\"items\":[{\"productId\":\"prod-mug\",\"quantity\":0}]}", "items[0].quantity"},
        {"{\"items\":[{\"productId\":\"prod-mug\",\"quantity\":1},"
         "{\"productId\":\"prod-pen\",\"quantity\":\"2\"}]}",
         "items[1].quantity"},
        {"{\"items\":[{\"quantity\":1}]}", "items[0].productId"},
        {"{\"items\":[5]}", "items[0]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(post("/api/v1/inventory/check", bad[i].body, &r), 400, "%s -> %s",
                     bad[i].body, r.body);
        cr_expect_str_eq(err_field(&r), bad[i].field, "%s -> %s", bad[i].body, r.body);
        srvh_resp_clear(&r);
    }
}

/* ---- reserve, release, confirm ------------------------------------------------------ */

/* Reserves quantity of pid for order_id; the answer's status. */
static long reserve(const char *order_id, const char *pid, int quantity, srvh_resp_t *r)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"orderId\":\"%s\",\"items\":[{\"productId\":\"%s\",\"quantity\":%d}]}",
             order_id, pid, quantity);
    return post("/api/v1/inventory/reserve", body, r);
}

/* "2026-01-02T03:04:05.678Z" in ms since the epoch; -1 when malformed. */
static long long iso_ms(const char *s)
{
    struct tm tm = {0};
    int ms = 0;
    if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
                            &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm) * 1000 + ms;
}

/* expiresAt - reservedAt of a reservation answer's first item, in ms. */
static long long window_of(json_t *reservation)
{
    json_t *it = json_array_get(json_object_get(reservation, "items"), 0);
    long long at = iso_ms(json_string_value(json_object_get(it, "reservedAt")));
    long long until = iso_ms(json_string_value(json_object_get(it, "expiresAt")));
    cr_assert(at > 0 && until > 0, "timestamps must be ISO-8601 with ms");
    cr_expect_str_eq(json_string_value(json_object_get(it, "expiresAt")),
                     json_string_value(json_object_get(reservation, "expiresAt")));
    return until - at;
}

Test(srv_inventory, reserve_is_201_with_the_reservation_and_holds_stock)
{
    srvh_resp_t r;
    cr_assert_eq(post("/api/v1/inventory/reserve",
                      "{\"orderId\":\"ext-1\",\"items\":[{\"productId\":\"prod-mug\","
                      "\"quantity\":3},{\"productId\":\"prod-beans\",\"quantity\":2}]}",
                      &r),
                 201, "%s", r.body);
    json_t *d = srvh_data(&r);
    cr_expect_str_eq(json_string_value(json_object_get(d, "orderId")), "ext-1");
    cr_expect_str_eq(json_string_value(json_object_get(d, "status")), "reserved");
    cr_expect(json_is_string(json_object_get(d, "reservationId")), "%s", r.body);
    json_t *items = json_object_get(d, "items");
    cr_assert_eq(json_array_size(items), 2, "%s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "productId")),
                     "prod-beans");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(items, 1), "quantity")), 2);
    cr_expect_eq(window_of(d), 30LL * 60 * 1000, "the server's default window is 30 minutes");
    srvh_resp_clear(&r);
    expect_levels("prod-mug", 97, 3, 0);
    expect_levels("prod-beans", 38, 2, 0);

    cr_assert_eq(reserve("ext-2", "prod-mug", 1, &r), 201, "%s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(post("/api/v1/inventory/reserve",
                      "{\"orderId\":\"ext-3\",\"expirationMinutes\":5,"
                      "\"items\":[{\"productId\":\"prod-mug\",\"quantity\":1}]}",
                      &r),
                 201, "%s", r.body);
    cr_expect_eq(window_of(srvh_data(&r)), 5LL * 60 * 1000);
    srvh_resp_clear(&r);
    expect_levels("prod-mug", 95, 5, 0);
}

Test(srv_inventory, a_second_reservation_for_one_order_is_409)
{
    srvh_resp_t r;
    cr_assert_eq(reserve("ext-dup", "prod-mug", 2, &r), 201, "%s", r.body);
    const char *first = json_string_value(json_object_get(srvh_data(&r), "reservationId"));
    cr_assert_not_null(first);
    char first_id[160];
    snprintf(first_id, sizeof first_id, "%s", first);
    srvh_resp_clear(&r);
    /* the same request again (a retry) gets the first reservation and holds nothing more */
    cr_assert_eq(reserve("ext-dup", "prod-mug", 2, &r), 201, "%s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(srvh_data(&r), "reservationId")), first_id);
    srvh_resp_clear(&r);
    expect_levels("prod-mug", 98, 2, 0);
    cr_expect_eq(reserve("ext-dup", "prod-mug", 3, &r), 409, "another quantity: %s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(reserve("ext-dup", "prod-pen", 1, &r), 409, "%s", r.body);
    srvh_resp_clear(&r);
    expect_levels("prod-mug", 98, 2, 0);
    expect_levels("prod-pen", 5, 0, 0);
}

Test(srv_inventory, reserve_is_all_or_none)
{
    srvh_resp_t r;
    cr_expect_eq(post("/api/v1/inventory/reserve",
                      "{\"orderId\":\"ext-short\",\"items\":[{\"productId\":\"prod-mug\","
                      "\"quantity\":1},{\"productId\":\"prod-pen\",\"quantity\":6}]}",
                      &r),
                 422, "%s", r.body);
    cr_expect(strstr(srvh_message(&r), "prod-pen") != NULL, "names the product: %s", r.body);
    srvh_resp_clear(&r);
    expect_levels("prod-mug", 100, 0, 0);
    expect_levels("prod-pen", 5, 0, 0);
    cr_expect_eq(post("/api/v1/inventory/release", "{\"orderId\":\"ext-short\"}", &r), 404,
                 "no reservation was made: %s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(reserve("ext-ghost", "no-such", 1, &r), 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Product not found: no-such");
    srvh_resp_clear(&r);
    /* an unknown product among known ones: named, and nothing is held */
    cr_expect_eq(post("/api/v1/inventory/reserve",
                      "{\"orderId\":\"ext-ghost2\",\"items\":[{\"productId\":\"prod-mug\","
                      "\"quantity\":1},{\"productId\":\"ghost-2\",\"quantity\":1}]}",
                      &r),
                 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Product not found: ghost-2");
    srvh_resp_clear(&r);
    expect_levels("prod-mug", 100, 0, 0);
}

Test(srv_inventory, reserve_refuses_bad_bodies_naming_the_field)
{
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"items\":[{\"productId\":\"prod-mug\",\"quantity\":1}]}", "orderId"},
        {"{\"orderId\":\"o\",\"items\":[]}", "items"},
        {"{\"orderId\":\"o\",\"items\":[{\"productId\":\"prod-mug\",\"quantity\":0}]}",
         "items[0].quantity"},
        {"{\"orderId\":\"o\",\"expirationMinutes\":0,"
         "\"items\":[{\"productId\":\"prod-mug\",\"quantity\":1}]}",
         "expirationMinutes"},
        {"{\"orderId\":\"o\",\"expirationMinutes\":1441,"
         "\"items\":[{\"productId\":\"prod-mug\",\"quantity\":1}]}",
         "expirationMinutes"},
        {"{\"orderId\":\"o\",\"expirationMinutes\":\"5\","
         "\"items\":[{\"productId\":\"prod-mug\",\"quantity\":1}]}",
         "expirationMinutes"},
        {"{\"orderId\":\"\",\"items\":[{\"productId\":\"prod-mug\",\"quantity\":1}]}",
         "orderId"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(post("/api/v1/inventory/reserve", bad[i].body, &r), 400, "%s -> %s",
                     bad[i].body, r.body);
        cr_expect_str_eq(err_field(&r), bad[i].field, "%s -> %s", bad[i].body, r.body);
        srvh_resp_clear(&r);
    }
    expect_levels("prod-mug", 100, 0, 0);
}

Test(srv_inventory, release_returns_the_stock_once)
{
    srvh_resp_t r;
    cr_assert_eq(reserve("ext-rel", "prod-beans", 5, &r), 201, "%s", r.body);
    srvh_resp_clear(&r);
    expect_levels("prod-beans", 35, 5, 0);
    cr_assert_eq(post("/api/v1/inventory/release", "{\"orderId\":\"ext-rel\"}", &r), 200, "%s",
                 r.body);
    cr_expect_str_eq(srvh_message(&r), "Inventory released");
    srvh_resp_clear(&r);
    expect_levels("prod-beans", 40, 0, 0);
    cr_expect_eq(post("/api/v1/inventory/release", "{\"orderId\":\"ext-rel\"}", &r), 409,
                 "a released reservation is not active: %s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(post("/api/v1/inventory/confirm", "{\"orderId\":\"ext-rel\"}", &r), 409, "%s",
                 r.body);
    srvh_resp_clear(&r);
    expect_levels("prod-beans", 40, 0, 0);
    cr_expect_eq(post("/api/v1/inventory/release", "{\"orderId\":\"never-reserved\"}", &r), 404,
                 "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(post("/api/v1/inventory/release", "{}", &r), 400, "%s", r.body);
    cr_expect_str_eq(err_field(&r), "orderId");
    srvh_resp_clear(&r);
}

Test(srv_inventory, confirm_moves_reserved_to_sold_once)
{
    srvh_resp_t r;
    cr_assert_eq(reserve("ext-conf", "prod-monitor", 4, &r), 201, "%s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(post("/api/v1/inventory/confirm", "{\"orderId\":\"ext-conf\"}", &r), 200, "%s",
                 r.body);
    cr_expect_str_eq(srvh_message(&r), "Inventory confirmed");
    srvh_resp_clear(&r);
    expect_levels("prod-monitor", 6, 0, 4);
    cr_expect_eq(post("/api/v1/inventory/confirm", "{\"orderId\":\"ext-conf\"}", &r), 409, "%s",
                 r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(post("/api/v1/inventory/release", "{\"orderId\":\"ext-conf\"}", &r), 409,
                 "a sale is not released: %s", r.body);
    srvh_resp_clear(&r);
    expect_levels("prod-monitor", 6, 0, 4);
    cr_expect_eq(post("/api/v1/inventory/confirm", "{\"orderId\":\"never-reserved\"}", &r), 404,
                 "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(post("/api/v1/inventory/confirm", "{\"orderId\":7}", &r), 400, "%s", r.body);
    cr_expect_str_eq(err_field(&r), "orderId");
    srvh_resp_clear(&r);
}

/* ---- stock -------------------------------------------------------------------------- */

/* The stock of pid must satisfy available + reserved + sold = net. */
static void expect_invariant(const char *pid, long long net)
{
    levels_t l = stock(pid);
    cr_expect_eq(l.available + l.reserved + l.sold, net,
                 "%s: %lld + %lld + %lld must be stocked - adjusted = %lld", pid, l.available,
                 l.reserved, l.sold, net);
}

static long adjust(const char *pid, const char *body, srvh_resp_t *r)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/inventory/stock/%s/adjust", pid);
    return post(path, body, r);
}

Test(srv_inventory, the_invariant_holds_through_reserve_confirm_adjust_and_set)
{
    srvh_resp_t r;
    long long net = 40; /* prod-beans: 40 stocked by the demo catalog */
    expect_invariant("prod-beans", net);
    cr_assert_eq(reserve("ext-inv", "prod-beans", 4, &r), 201, "%s", r.body);
    srvh_resp_clear(&r);
    expect_levels("prod-beans", 36, 4, 0);
    expect_invariant("prod-beans", net);

    cr_assert_eq(post("/api/v1/inventory/confirm", "{\"orderId\":\"ext-inv\"}", &r), 200);
    srvh_resp_clear(&r);
    expect_levels("prod-beans", 36, 0, 4);
    expect_invariant("prod-beans", net);

    cr_assert_eq(adjust("prod-beans", "{\"delta\":10,\"reason\":\"delivery\"}", &r), 200, "%s",
                 r.body);
    cr_expect_str_eq(srvh_message(&r), "Stock adjusted");
    cr_expect_eq(json_integer_value(json_object_get(srvh_data(&r), "available")), 46);
    srvh_resp_clear(&r);
    net += 10;
    expect_invariant("prod-beans", net);

    cr_assert_eq(adjust("prod-beans", "{\"delta\":-6,\"reason\":\"damaged\"}", &r), 200, "%s",
                 r.body);
    srvh_resp_clear(&r);
    net -= 6;
    expect_levels("prod-beans", 40, 0, 4);
    expect_invariant("prod-beans", net);

    cr_assert_eq(srvh_admin(&srv, "PUT", "/api/v1/inventory/stock/prod-beans",
                            "{\"available\":12}", &r),
                 200, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Stock updated");
    cr_expect_eq(json_integer_value(json_object_get(srvh_data(&r), "available")), 12);
    cr_expect_eq(json_integer_value(json_object_get(srvh_data(&r), "sold")), 4);
    srvh_resp_clear(&r);
    net += 12 - 40; /* a set counts its difference as stocked or adjusted */
    expect_invariant("prod-beans", net);
}

Test(srv_inventory, adjust_never_goes_below_zero)
{
    srvh_resp_t r;
    cr_expect_eq(adjust("prod-pen", "{\"delta\":-6}", &r), 409, "%s", r.body);
    srvh_resp_clear(&r);
    expect_levels("prod-pen", 5, 0, 0);
    cr_assert_eq(reserve("ext-pen", "prod-pen", 3, &r), 201, "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(adjust("prod-pen", "{\"delta\":-3}", &r), 409,
                 "reserved units cannot be adjusted away: %s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(adjust("prod-pen", "{\"delta\":-2}", &r), 200, "%s", r.body);
    srvh_resp_clear(&r);
    expect_levels("prod-pen", 0, 3, 0);
}

Test(srv_inventory, stock_routes_refuse_bad_bodies_and_unknown_products)
{
    static const struct {
        const char *method, *path, *body, *field;
    } bad[] = {
        {"PUT", "/api/v1/inventory/stock/prod-mug", "{\"available\":-1}", "available"},
        {"PUT", "/api/v1/inventory/stock/prod-mug", "{\"available\":\"3\"}", "available"},
        {"PUT", "/api/v1/inventory/stock/prod-mug", "{}", "available"},
        {"POST", "/api/v1/inventory/stock/prod-mug/adjust", "{\"delta\":0}", "delta"},
        {"POST", "/api/v1/inventory/stock/prod-mug/adjust", "{\"delta\":1.5}", "delta"},
        {"POST", "/api/v1/inventory/stock/prod-mug/adjust", "{\"delta\":1,\"reason\":5}",
         "reason"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_admin(&srv, bad[i].method, bad[i].path, bad[i].body, &r), 400,
                     "%s -> %s", bad[i].body, r.body);
        cr_expect_str_eq(err_field(&r), bad[i].field, "%s -> %s", bad[i].body, r.body);
        srvh_resp_clear(&r);
    }
    expect_levels("prod-mug", 100, 0, 0);

    srvh_resp_t r;
    cr_expect_eq(srvh_admin(&srv, "GET", "/api/v1/inventory/stock/no-such", NULL, &r), 404);
    cr_expect_str_eq(srvh_message(&r), "Product not found");
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_admin(&srv, "PUT", "/api/v1/inventory/stock/no-such", "{\"available\":1}",
                            &r),
                 404, "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(adjust("no-such", "{\"delta\":1}", &r), 404, "%s", r.body);
    srvh_resp_clear(&r);
}

/* ---- credentials and media types ------------------------------------------------------ */

Test(srv_inventory, the_service_key_is_required)
{
    static const struct {
        const char *method, *path, *body;
    } routes[] = {
        {"POST", "/api/v1/inventory/check",
         "{\"items\":[{\"productId\":\"prod-mug\",\"quantity\":1}]}"},
        {"POST", "/api/v1/inventory/reserve",
         "{\"orderId\":\"sneak\",\"items\":[{\"productId\":\"prod-mug\",\"quantity\":1}]}"},
        {"POST", "/api/v1/inventory/release", "{\"orderId\":\"sneak\"}"},
        {"POST", "/api/v1/inventory/confirm", "{\"orderId\":\"sneak\"}"},
        {"GET", "/api/v1/inventory/stock/prod-mug", NULL},
        {"PUT", "/api/v1/inventory/stock/prod-mug", "{\"available\":1}"},
        {"POST", "/api/v1/inventory/stock/prod-mug/adjust", "{\"delta\":-50}"},
    };
    const char *none[] = {NULL};
    const char *wrong[] = {"X-Service-Key: " SRVH_SERVICE_KEY "x", NULL};
    const char *const *hdrs[] = {none, wrong};
    for (size_t h = 0; h < 2; h++) {
        for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
            srvh_resp_t r;
            cr_expect_eq(srvh_call(&srv, routes[i].method, routes[i].path, hdrs[h],
                                   routes[i].body, &r),
                         401, "%s %s -> %s", routes[i].method, routes[i].path, r.body);
            srvh_resp_clear(&r);
        }
    }
    expect_levels("prod-mug", 100, 0, 0);
}

Test(srv_inventory, a_non_json_content_type_is_415)
{
    const char *hdrs[] = {"X-Service-Key: " SRVH_SERVICE_KEY, "Content-Type: text/plain", NULL};
    srvh_resp_t r;
    cr_expect_eq(srvh_call(&srv, "POST", "/api/v1/inventory/reserve", hdrs,
                           "{\"orderId\":\"ext-text\",\"items\":[{\"productId\":\"prod-mug\","
                           "\"quantity\":1}]}",
                           &r),
                 415, "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_call(&srv, "PUT", "/api/v1/inventory/stock/prod-mug", hdrs,
                           "{\"available\":1}", &r),
                 415, "%s", r.body);
    srvh_resp_clear(&r);
    expect_levels("prod-mug", 100, 0, 0);
}

/* ---- the configured window and expiry ----------------------------------------------------
 * Suite srv_expiry sorts before srv_inventory, so Criterion (one job per
 * core) starts the minute-long expiry test first and runs the others
 * beside it: the file takes about as long as that one test. */

static void up_window(void)
{
    const char *extra[] = {"--reservation-minutes", "7", NULL};
    srvh_start(&srv, NULL, extra);
}

TestSuite(srv_expiry, .init = up_window, .fini = down);

Test(srv_expiry, the_default_window_is_the_servers_reservation_minutes)
{
    srvh_resp_t r;
    cr_assert_eq(reserve("ext-win", "prod-mug", 1, &r), 201, "%s", r.body);
    cr_expect_eq(window_of(srvh_data(&r)), 7LL * 60 * 1000, "%s", r.body);
    srvh_resp_clear(&r);
}

/*
 * The shortest window the API allows is expirationMinutes 1, so this test
 * waits about a minute for the server's sweeper (every 250 ms) to give the
 * units back.  Criterion runs the other tests of this file meanwhile.
 */
Test(srv_expiry, the_sweeper_expires_a_reservation, .timeout = 90)
{
    srvh_resp_t r;
    cr_assert_eq(post("/api/v1/inventory/reserve",
                      "{\"orderId\":\"ext-exp\",\"expirationMinutes\":1,"
                      "\"items\":[{\"productId\":\"prod-grinder\",\"quantity\":3}]}",
                      &r),
                 201, "%s", r.body);
    cr_expect_eq(window_of(srvh_data(&r)), 60LL * 1000);
    srvh_resp_clear(&r);
    expect_levels("prod-grinder", 5, 3, 0);
    levels_t l = stock("prod-grinder");
    for (int i = 0; i < 150 && l.reserved != 0; i++) { /* up to 75 s */
        usleep(500 * 1000);
        l = stock("prod-grinder");
    }
    cr_expect_eq(l.reserved, 0, "the sweeper must release an expired reservation");
    cr_expect_eq(l.available, 8);
    cr_expect_eq(post("/api/v1/inventory/confirm", "{\"orderId\":\"ext-exp\"}", &r), 409,
                 "an expired reservation cannot be confirmed: %s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(post("/api/v1/inventory/release", "{\"orderId\":\"ext-exp\"}", &r), 409, "%s",
                 r.body);
    srvh_resp_clear(&r);
    expect_levels("prod-grinder", 8, 0, 0);
}
