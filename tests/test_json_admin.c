/*
 * test_json_admin.c - the Part B shapes of API.md (liborders/json/catalog.c,
 * json/admin.c, json/time.c): exact output of every encoder, round trips
 * through the decoders and the library, and every decoder's refusals with
 * the exact field they name.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json/json.h"
#include "support/fixture.h"
#include "support/fixture_extra.h"

static fixture_t F;
static fixx_pricing_t pricing;

static void setup(void)
{
    fix_open(&F, NULL);
    memset(&pricing, 0, sizeof pricing);
    fixx_product(&F, "p1", "s1", "Widget", "https://img.example/w.png", 1999, "USD", 10, true);
    fixx_product(&F, "p2", "s1", "Gadget", NULL, 500, "USD", 10, true);
    fixx_product(&F, "p3", "s2", "Gizmo", NULL, 12345, "USD", 10, true);
}

static void teardown(void)
{
    fix_close(&F);
}

TestSuite(json_admin, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------ */

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    cr_assert_not_null(j, "bad test JSON %s: %s", text, jerr.text);
    return j;
}

/* Asserts that v (taken) dumps compactly to exactly want. */
static void assert_dump(json_t *v, const char *want)
{
    cr_assert_not_null(v, "encoder returned NULL");
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER |
                                JSON_REAL_PRECISION(15));
    cr_assert_not_null(s);
    cr_assert_str_eq(s, want, "\n got: %s\nwant: %s", s, want);
    free(s);
    json_decref(v);
}

/* obj[key] dumped compactly must be want. */
static void assert_member(const json_t *obj, const char *key, const char *want)
{
    json_t *v = json_object_get(obj, key);
    cr_assert_not_null(v, "no %s", key);
    assert_dump(json_incref(v), want);
}

/* ---- catalog and inventory encoders ---------------------------------------------------- */

Test(json_admin, a_product_prints_every_field)
{
    orders_product_t *p = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_product_get(F.ctx, "p1", &p, &err), ORDERS_OK, "%s", err.message);
    assert_dump(orders__json_product(p),
                "{\"id\":\"p1\",\"sellerId\":\"s1\",\"name\":\"Widget\","
                "\"image\":\"https://img.example/w.png\",\"price\":19.99,\"currency\":\"USD\","
                "\"active\":true,\"createdAt\":\"2026-01-01T00:00:00.000Z\","
                "\"updatedAt\":\"2026-01-01T00:00:00.000Z\"}");
    orders_product_free(p);

    fixx_product(&F, "p2", "s1", "Gadget", NULL, 500, "USD", 0, false);
    cr_assert_eq(orders_product_get(F.ctx, "p2", &p, &err), ORDERS_OK, "%s", err.message);
    json_t *j = orders__json_product(p);
    assert_member(j, "price", "5");
    assert_member(j, "image", "null");
    assert_member(j, "active", "false");
    json_decref(j);
    orders_product_free(p);
}

Test(json_admin, a_product_page_has_its_pagination)
{
    orders_product_list_t list = {0};
    orders_error_t err = {0};
    cr_assert_eq(orders_product_list(F.ctx, "s1", 1, 1, &list, &err), ORDERS_OK, "%s",
                 err.message);
    json_t *page = orders__json_product_page(&list, 1, 1);
    cr_assert_not_null(page);
    cr_assert_eq(json_object_size(page), 2);
    assert_member(page, "pagination", "{\"page\":1,\"limit\":1,\"total\":2,\"pages\":2}");
    json_t *products = json_object_get(page, "products");
    cr_assert_eq(json_array_size(products), 1);
    assert_member(json_array_get(products, 0), "id", "\"p1\"");
    json_decref(page);
    cr_assert_null(orders__json_product_page(&list, 1, 0), "limit 0 is refused");
    orders_product_list_clear(&list);
}

Test(json_admin, stock_and_an_availability_check)
{
    orders_stock_t s = fix_stock(&F, "p1");
    assert_dump(orders__json_stock("p1", &s),
                "{\"productId\":\"p1\",\"available\":10,\"reserved\":0,\"sold\":0}");

    json_t *body = parse("{\"items\": [{\"productId\": \"p1\", \"quantity\": 4, \"x\": 1}, "
                         "{\"productId\": \"nope\", \"quantity\": 1}]}");
    orders_item_request_t items[ORDERS__JSON_ITEMS_MAX];
    size_t n = 0;
    orders_error_t err = {0};
    cr_assert_eq(orders__json_check_request(body, items, &n, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(n, 2);
    int64_t available[2];
    bool ok[2], all_ok;
    cr_assert_eq(orders_inventory_check(F.ctx, items, n, available, ok, &all_ok, &err),
                 ORDERS_OK, "%s", err.message);
    assert_dump(orders__json_inventory_check(items, n, available, ok, all_ok),
                "{\"allAvailable\":false,\"items\":["
                "{\"productId\":\"p1\",\"requestedQuantity\":4,\"availableStock\":10,"
                "\"available\":true},"
                "{\"productId\":\"nope\",\"requestedQuantity\":1,\"availableStock\":0,"
                "\"available\":false}]}");
    json_decref(body);
}

Test(json_admin, a_reservation_round_trips_through_reserve)
{
    json_t *body = parse("{\"orderId\": \"ext-1\", \"expirationMinutes\": 15, \"items\": "
                         "[{\"productId\": \"p1\", \"quantity\": 2}, "
                         "{\"productId\": \"p3\", \"quantity\": 1}]}");
    orders_item_request_t items[ORDERS__JSON_ITEMS_MAX];
    const char *order_id;
    size_t n;
    int64_t window;
    orders_error_t err = {0};
    cr_assert_eq(orders__json_reserve_request(body, &order_id, items, &n, &window, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(order_id, "ext-1");
    cr_assert_eq(window, 15 * FIX_MINUTE);
    orders_reservation_t *r = NULL;
    cr_assert_eq(orders_reservation_create(F.ctx, order_id, NULL, items, n, window, &r, &err),
                 ORDERS_OK, "%s", err.message);
    json_t *j = orders__json_reservation(r);
    cr_assert_str_eq(json_string_value(json_object_get(j, "reservationId")), r->id);
    cr_assert(json_object_del(j, "reservationId") == 0);
    assert_dump(j, "{\"orderId\":\"ext-1\",\"items\":["
                   "{\"productId\":\"p1\",\"quantity\":2,"
                   "\"reservedAt\":\"2026-01-01T00:00:00.000Z\","
                   "\"expiresAt\":\"2026-01-01T00:15:00.000Z\"},"
                   "{\"productId\":\"p3\",\"quantity\":1,"
                   "\"reservedAt\":\"2026-01-01T00:00:00.000Z\","
                   "\"expiresAt\":\"2026-01-01T00:15:00.000Z\"}],"
                   "\"status\":\"reserved\",\"expiresAt\":\"2026-01-01T00:15:00.000Z\"}");
    orders_reservation_free(r);

    cr_assert_eq(orders_reservation_confirm(F.ctx, "ext-1", &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_reservation_get(F.ctx, "ext-1", &r, &err), ORDERS_OK, "%s", err.message);
    j = orders__json_reservation(r);
    assert_member(j, "status", "\"confirmed\"");
    /* the encoded items decode as the same request */
    orders_item_request_t again[ORDERS__JSON_ITEMS_MAX];
    cr_assert_eq(orders__json_check_request(j, again, &n, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(again[1].product_id, "p3");
    cr_assert_eq(again[0].quantity, 2);
    json_decref(j);
    orders_reservation_free(r);
    json_decref(body);
}

Test(json_admin, a_product_request_round_trips_through_the_library)
{
    json_t *body = parse("{\"id\": \"p9\", \"sellerId\": \"s3\", \"name\": \"Thing\", "
                         "\"image\": \"i.png\", \"price\": 19.99, \"stock\": 7, \"x\": {}}");
    orders_product_t p;
    int64_t stock;
    orders_error_t err = {0};
    cr_assert_eq(orders__json_product_request(body, NULL, &p, &stock, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(p.price.amount, 1999);
    cr_assert_str_eq(p.price.currency, "USD", "currency defaults to USD");
    cr_assert(p.active, "active defaults to true");
    cr_assert_eq(stock, 7);
    orders_product_t *stored = NULL;
    cr_assert_eq(orders_product_put(F.ctx, &p, true, &stored, &err), ORDERS_OK, "%s",
                 err.message);
    assert_dump(orders__json_product(stored),
                "{\"id\":\"p9\",\"sellerId\":\"s3\",\"name\":\"Thing\",\"image\":\"i.png\","
                "\"price\":19.99,\"currency\":\"USD\",\"active\":true,"
                "\"createdAt\":\"2026-01-01T00:00:00.000Z\","
                "\"updatedAt\":\"2026-01-01T00:00:00.000Z\"}");
    /* what the encoder wrote decodes back to the same product (PUT form) */
    json_t *again = orders__json_product(stored);
    orders_product_t q;
    cr_assert_eq(orders__json_product_request(again, "p9", &q, &stock, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_str_eq(q.id, "p9");
    cr_assert_str_eq(q.seller_id, "s3");
    cr_assert_str_eq(q.image, "i.png");
    cr_assert_eq(q.price.amount, 1999);
    cr_assert_eq(stock, -1, "no stock member");
    json_decref(again);
    orders_product_free(stored);
    json_decref(body);

    body = parse("{\"id\": \"ignored\", \"sellerId\": \"s3\", \"name\": \"Yen\", "
                 "\"price\": 500, \"currency\": \"JPY\", \"active\": false, \"image\": null}");
    cr_assert_eq(orders__json_product_request(body, "p10", &p, &stock, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_str_eq(p.id, "p10", "PUT takes the id from the path");
    cr_assert_eq(p.price.amount, 500);
    cr_assert_str_eq(p.price.currency, "JPY");
    cr_assert_not(p.active);
    cr_assert_null(p.image);
    json_decref(body);
}

/* ---- admin encoders ----------------------------------------------------------------- */

static orders_order_t *two_seller_order(void)
{
    pricing = (fixx_pricing_t){.tax = 100, .shipping = 1000, .discount = 7};
    orders_ctx_set_pricing(F.ctx, fixx_pricing_hook, &pricing);
    fix_add(&F, "c1", "p1", 2);
    fix_add(&F, "c1", "p3", 1);
    fix_add(&F, "c1", "p2", 3);
    return fix_place(&F, "c1", ORDERS_METHOD_COD);
}

Test(json_admin, a_seller_part_has_its_own_items_and_totals)
{
    orders_order_t *o = two_seller_order();
    json_t *whole = orders__json_order(o), *part = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders__json_seller_part(o, "s1", &part, &err), ORDERS_OK, "%s", err.message);
    static const char *const keys[] = {
        "orderId", "orderNumber", "sellerId", "status", "trackingNumber", "estimatedDelivery",
        "notes", "updatedAt", "items", "totalItems", "subtotal", "tax", "shippingFee",
        "discount", "totalAmount", "currency", "customerId", "customerName",
        "shippingAddress", "placedAt"};
    cr_assert_eq(json_object_size(part), sizeof keys / sizeof keys[0]);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert_not_null(json_object_get(part, keys[i]), "no %s", keys[i]);
    /* items 0 (p1) and 2 (p2) of the order, exactly as the order shows them */
    json_t *items = json_object_get(part, "items"), *all = json_object_get(whole, "items");
    cr_assert_eq(json_array_size(items), 2);
    cr_assert(json_equal(json_array_get(items, 0), json_array_get(all, 0)));
    cr_assert(json_equal(json_array_get(items, 1), json_array_get(all, 2)));
    cr_assert(json_equal(json_object_get(part, "shippingAddress"),
                         json_object_get(whole, "shippingAddress")));
    assert_member(part, "totalItems", "5");
    assert_member(part, "subtotal", "54.98");
    assert_member(part, "tax", "0.31"); /* the rounding remainder goes to the first seller */
    assert_member(part, "shippingFee", "3.09");
    assert_member(part, "discount", "0.03");
    assert_member(part, "totalAmount", "58.35");
    assert_member(part, "currency", "\"USD\"");
    assert_member(part, "status", "\"confirmed\"");
    assert_member(part, "trackingNumber", "null");
    assert_member(part, "customerName", "\"Ada\"");
    json_decref(part);

    cr_assert_eq(orders__json_seller_part(o, "s2", &part, &err), ORDERS_OK, "%s", err.message);
    assert_member(part, "totalAmount", "131.01"); /* 58.35 + 131.01 = the order's 189.36 */
    assert_member(part, "tax", "0.69");
    cr_assert_eq(json_array_size(json_object_get(part, "items")), 1);
    assert_member(json_array_get(json_object_get(part, "items"), 0), "productId", "\"p3\"");
    json_decref(part);

    cr_assert_eq(orders__json_seller_part(o, "s9", &part, &err), ORDERS_E_NOT_FOUND);
    cr_assert_null(part);
    cr_assert_str_eq(err.field, "sellerId");
    json_decref(whole);
    orders_order_free(o);
}

Test(json_admin, a_seller_status_round_trips_into_the_part)
{
    orders_order_t *o = two_seller_order();
    json_t *body = parse("{\"status\": \"Processing\", \"trackingNumber\": \"TRK1\", "
                         "\"estimatedDelivery\": \"2026-01-05T12:30:00.250Z\", "
                         "\"notes\": \"packed\"}");
    orders_seller_update_t u;
    orders_error_t err = {0};
    cr_assert_eq(orders__json_seller_status(body, &u, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(u.status, ORDERS_STATUS_PROCESSING, "any case");
    cr_assert_eq(u.estimated_delivery, FIX_T0 + 4 * FIX_DAY + 750 * FIX_MINUTE + 250);
    orders_order_t *moved = NULL;
    cr_assert_eq(orders_seller_status_set(F.ctx, o->id, "s1", &u, "admin", &moved, &err),
                 ORDERS_OK, "%s", err.message);
    json_t *part = NULL;
    cr_assert_eq(orders__json_seller_part(moved, "s1", &part, &err), ORDERS_OK, "%s",
                 err.message);
    assert_member(part, "status", "\"processing\"");
    assert_member(part, "trackingNumber", "\"TRK1\"");
    assert_member(part, "estimatedDelivery", "\"2026-01-05T12:30:00.250Z\"");
    assert_member(part, "notes", "\"packed\"");
    json_decref(part);

    json_decref(body);
    body = parse("{\"status\": \"shipped\", \"estimatedDelivery\": null}");
    cr_assert_eq(orders__json_seller_status(body, &u, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(u.estimated_delivery, 0, "null leaves the date as it is");
    cr_assert_null(u.tracking_number);
    cr_assert_null(u.notes);
    json_decref(body);
    orders_order_free(moved);
    orders_order_free(o);
}

Test(json_admin, history_lists_every_change)
{
    fix_add(&F, "c1", "p1", 1);
    orders_order_t *o = fix_place(&F, "c1", ORDERS_METHOD_COD);
    fix_advance(&F, FIX_MINUTE);
    orders_order_t *moved = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_set_status(F.ctx, o->id, ORDERS_STATUS_PROCESSING, "admin",
                                         "packing", ORDERS_ANY_VERSION, &moved, &err),
                 ORDERS_OK, "%s", err.message);
    orders_order_free(moved);
    orders_history_list_t list = fixx_history(&F, o->id);
    json_t *j = orders__json_history(o->id, &list);
    cr_assert_eq(json_object_size(j), 2);
    cr_assert_str_eq(json_string_value(json_object_get(j, "orderId")), o->id);
    assert_member(j, "history",
                  "[{\"at\":\"2026-01-01T00:00:00.000Z\",\"actor\":\"customer:c1\",\"from\":null,"
                  "\"to\":\"pending\",\"note\":\"order placed\"},"
                  "{\"at\":\"2026-01-01T00:00:00.000Z\",\"actor\":\"gateway\","
                  "\"from\":\"pending\",\"to\":\"confirmed\",\"note\":null},"
                  "{\"at\":\"2026-01-01T00:01:00.000Z\",\"actor\":\"admin\","
                  "\"from\":\"confirmed\",\"to\":\"processing\",\"note\":\"packing\"}]");
    json_decref(j);
    orders_history_list_clear(&list);
    orders_order_free(o);
}

Test(json_admin, bulk_results_count_both_ways)
{
    assert_dump(orders__json_bulk_entry("o1", ORDERS_OK, ORDERS_STATUS_SHIPPED, "ignored"),
                "{\"orderId\":\"o1\",\"success\":true,\"status\":\"shipped\"}");
    assert_dump(orders__json_bulk_entry("o2", ORDERS_E_NOT_FOUND, ORDERS_STATUS_SHIPPED, NULL),
                "{\"orderId\":\"o2\",\"success\":false,\"message\":\"not found\"}");
    json_t *results = json_array();
    json_array_append_new(results,
                          orders__json_bulk_entry("o1", ORDERS_OK, ORDERS_STATUS_SHIPPED, NULL));
    json_array_append_new(results, orders__json_bulk_entry("o2", ORDERS_E_CONFLICT,
                                                           ORDERS_STATUS_SHIPPED,
                                                           "Cannot move delivered to shipped"));
    json_array_append_new(results,
                          orders__json_bulk_entry("o3", ORDERS_OK, ORDERS_STATUS_SHIPPED, NULL));
    assert_dump(orders__json_bulk_result(results),
                "{\"results\":[{\"orderId\":\"o1\",\"success\":true,\"status\":\"shipped\"},"
                "{\"orderId\":\"o2\",\"success\":false,"
                "\"message\":\"Cannot move delivered to shipped\"},"
                "{\"orderId\":\"o3\",\"success\":true,\"status\":\"shipped\"}],"
                "\"succeeded\":2,\"failed\":1}");
    assert_dump(orders__json_bulk_result(json_array()),
                "{\"results\":[],\"succeeded\":0,\"failed\":0}");
    cr_assert_null(orders__json_bulk_result(json_object()), "not an array");
}

Test(json_admin, analytics_print_exact_rates_and_amounts)
{
    orders_amount_row_t aov[] = {{"USD", {1999, "USD"}, 3}, {"JPY", {500, "JPY"}, 1}};
    orders_amount_row_t sellers[] = {{"s1", {500, "USD"}, 2}, {"s2", {12345, "USD"}, 1}};
    orders_amount_row_t methods[] = {{"cod", {30, "USD"}, 1}};
    orders_analytics_t a = {
        .from = FIX_T0, .to = FIX_T0 + FIX_DAY, .carts_created = 4, .orders_placed = 1,
        .conversion_bp = 2500, .orders_cancelled = 1, .cancellation_bp = 10000,
        .average_order_value = aov, .average_order_value_count = 2,
        .reservations = {.active = 1, .confirmed = 2, .expired = 1, .cancelled = 0},
        .orders_delivered = 2, .mean_delivery_ms = 5400000 + 17999,
        .revenue_by_seller = sellers, .revenue_by_seller_count = 2,
        .revenue_by_method = methods, .revenue_by_method_count = 1,
        .out_of_stock = 3, .reservation_conflicts = 1, .reservation_conversion_bp = 6666};
    assert_dump(orders__json_analytics(&a),
                "{\"from\":\"2026-01-01T00:00:00.000Z\",\"to\":\"2026-01-02T00:00:00.000Z\","
                "\"carts\":{\"created\":4},\"orders\":{\"placed\":1,\"cancelled\":1,"
                "\"delivered\":2},\"conversionRate\":0.25,\"cancellationRate\":1,"
                "\"averageOrderValue\":[{\"currency\":\"USD\",\"amount\":19.99,\"orders\":3},"
                "{\"currency\":\"JPY\",\"amount\":500,\"orders\":1}],"
                "\"reservations\":{\"active\":1,\"confirmed\":2,\"expired\":1,\"cancelled\":0,"
                "\"conversionRate\":0.6666},"
                "\"fulfillment\":{\"delivered\":2,\"meanDeliveryMs\":5417999,"
                "\"meanDeliveryHours\":1.5},"
                "\"revenueBySeller\":[{\"sellerId\":\"s1\",\"amount\":5,\"currency\":\"USD\","
                "\"orders\":2},{\"sellerId\":\"s2\",\"amount\":123.45,\"currency\":\"USD\","
                "\"orders\":1}],"
                "\"revenueByPaymentMethod\":[{\"paymentMethod\":\"cod\",\"amount\":0.3,"
                "\"currency\":\"USD\",\"orders\":1}],"
                "\"outOfStockEvents\":3,\"reservationConflicts\":1}");

    /* an empty range: zero rates, no rows, half up to 1.51 hours */
    orders_analytics_t none = {.from = FIX_T0, .to = FIX_T0 + 1, .mean_delivery_ms = 5418000};
    json_t *j = orders__json_analytics(&none);
    assert_member(j, "conversionRate", "0");
    assert_member(j, "averageOrderValue", "[]");
    assert_member(json_object_get(j, "reservations"), "conversionRate", "0");
    assert_member(json_object_get(j, "fulfillment"), "meanDeliveryHours", "1.51");
    json_decref(j);

    /* and what the library computes encodes too */
    fix_add(&F, "c1", "p1", 1);
    orders_order_free(fix_place(&F, "c1", ORDERS_METHOD_COD));
    orders_analytics_t *computed = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_analytics_compute(F.ctx, FIX_T0, FIX_T0 + FIX_DAY, &computed, &err),
                 ORDERS_OK, "%s", err.message);
    j = orders__json_analytics(computed);
    assert_member(j, "orders", "{\"placed\":1,\"cancelled\":0,\"delivered\":0}");
    assert_member(j, "revenueBySeller",
                  "[{\"sellerId\":\"s1\",\"amount\":19.99,\"currency\":\"USD\",\"orders\":1}]");
    json_decref(j);
    orders_analytics_free(computed);
}

Test(json_admin, iso8601_matches_gmtime_and_parses_back)
{
    /* 20,000 instants from 1970 to 2200, odd milliseconds, leap days, and
     * the edges of years, months and days */
    static const int64_t fixed[] = {0, 951782400000LL, 951868799999LL, 4102444799999LL,
                                    1709164800123LL, 253402300799999LL};
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 20000 + 6; i++) {
        int64_t ms;
        if (i < 6) {
            ms = fixed[i];
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            ms = (int64_t)(x % 7258118400000ULL);
        }
        char got[32], want[96];
        cr_assert(orders__iso8601(ms, got, sizeof got));
        time_t secs = (time_t)(ms / 1000);
        struct tm tm;
        cr_assert_not_null(gmtime_r(&secs, &tm));
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
        cr_assert_str_eq(got, want, "ms %lld", (long long)ms);
        int64_t back = -1;
        cr_assert(orders__iso8601_parse(got, &back));
        cr_assert_eq(back, ms);
    }
    char small[24];
    cr_expect_not(orders__iso8601(0, small, sizeof small), "24 bytes cannot hold 25");
    char buf[32];
    cr_expect(orders__iso8601(-1, buf, sizeof buf));
    cr_expect_str_eq(buf, "1969-12-31T23:59:59.999Z");
}
