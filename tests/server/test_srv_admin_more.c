/*
 * tests/server/test_srv_admin_more.c - the admin routes of API.md Part B
 * over HTTP: a seller's part of an order and its status, bulk moves,
 * refunds, analytics, and the admin rate limit.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "admin_util.h"
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

TestSuite(srv_admin_more, .init = up, .fini = down);

/* 2 mugs (seller-bean) then a pen (seller-paper) in one cod order. */
static char *place_two_sellers(const char *tok)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"prod-mug\",\"quantity\":2}", &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
    return srvh_place(&srv, tok, "prod-pen", 1, "cod");
}

/* GET or PUT a seller's part; the HTTP status, the answer in *r. */
static long seller(const char *method, const char *id, const char *seller_id, const char *body,
                   srvh_resp_t *r)
{
    char path[512];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/sellers/%s%s", id, seller_id,
             body ? "/status" : "");
    return srvh_admin(&srv, method, path, body, r);
}

/* ---- a seller's part --------------------------------------------------------------- */

Test(srv_admin_more, seller_parts_have_their_own_items_and_add_up)
{
    char *tok = srvh_token("two-sellers");
    char *id = place_two_sellers(tok);
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    srvh_resp_t whole;
    cr_assert_eq(srvh_customer(&srv, tok, "GET", path, NULL, &whole), 200, "%s", whole.body);
    const json_t *order = srvh_data(&whole);

    static const char *cols[] = {"subtotal", "tax", "shippingFee", "discount", "totalAmount"};
    int64_t sums[5] = {0};
    static const struct {
        const char *seller, *product;
        int64_t units, subtotal;
    } parts[] = {{"seller-bean", "prod-mug", 2, 2500}, {"seller-paper", "prod-pen", 1, 4550}};
    for (size_t p = 0; p < 2; p++) {
        srvh_resp_t r;
        cr_assert_eq(seller("GET", id, parts[p].seller, NULL, &r), 200, "%s", r.body);
        const json_t *d = srvh_data(&r);
        cr_expect_str_eq(au_str(d, "orderId"), id);
        cr_expect_str_eq(au_str(d, "orderNumber"), au_str(order, "orderNumber"));
        cr_expect_str_eq(au_str(d, "sellerId"), parts[p].seller);
        cr_expect_str_eq(au_str(d, "status"), "confirmed");
        cr_expect_str_eq(au_str(d, "customerId"), "two-sellers");
        cr_expect_str_eq(au_str(d, "currency"), "USD");
        cr_expect_not_null(au_str(d, "placedAt"));
        json_t *items = json_object_get(d, "items");
        cr_assert_eq(json_array_size(items), 1, "%s", r.body);
        cr_expect_str_eq(au_str(json_array_get(items, 0), "productId"), parts[p].product);
        cr_expect_eq(json_integer_value(json_object_get(d, "totalItems")), parts[p].units);
        cr_expect_eq(au_cents(d, "subtotal"), parts[p].subtotal);
        for (size_t c = 0; c < 5; c++)
            sums[c] += au_cents(d, cols[c]);
        cr_expect_eq(au_cents(d, "subtotal") + au_cents(d, "tax") + au_cents(d, "shippingFee") -
                         au_cents(d, "discount"),
                     au_cents(d, "totalAmount"), "a part's total is its own columns");
        srvh_resp_clear(&r);
    }
    for (size_t c = 0; c < 5; c++)
        cr_expect_eq(sums[c], au_cents(order, cols[c]), "parts add up to the order's %s",
                     cols[c]);
    srvh_resp_clear(&whole);
    free(id);
    free(tok);
}

Test(srv_admin_more, seller_part_of_unknown_seller_or_order_is_404)
{
    char *tok = srvh_token("no-seller");
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    srvh_resp_t r;
    cr_expect_eq(seller("GET", id, "seller-acme", NULL, &r), 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Seller not found in order");
    srvh_resp_clear(&r);
    cr_expect_eq(seller("GET", "no-such-order", "seller-bean", NULL, &r), 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    srvh_resp_clear(&r);
    cr_expect_eq(seller("PUT", id, "seller-acme", "{\"status\":\"processing\"}", &r), 404, "%s",
                 r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(seller("PUT", "no-such-order", "seller-bean", "{\"status\":\"processing\"}", &r),
                 404, "%s", r.body);
    srvh_resp_clear(&r);
    free(id);
    free(tok);
}

/* PUT a seller status; the answer's orderStatus into buf (fails unless 200). */
static const char *seller_move(const char *id, const char *seller_id, const char *body,
                               char *buf, size_t len)
{
    srvh_resp_t r;
    cr_assert_eq(seller("PUT", id, seller_id, body, &r), 200, "%s %s: %s", seller_id, body,
                 r.body);
    cr_expect_str_eq(srvh_message(&r), "Seller status updated");
    cr_expect_str_eq(au_str(srvh_data(&r), "sellerId"), seller_id);
    snprintf(buf, len, "%s", au_str(srvh_data(&r), "orderStatus"));
    srvh_resp_clear(&r);
    return buf;
}

Test(srv_admin_more, order_status_is_the_least_advanced_seller_status)
{
    char *tok = srvh_token("derive");
    char *id = place_two_sellers(tok);
    srvh_resp_t r;
    cr_assert_eq(seller("PUT", id, "seller-bean",
                        "{\"status\":\"processing\",\"trackingNumber\":\"TRK-1\","
                        "\"estimatedDelivery\":\"2030-01-02T03:04:05.000Z\",\"notes\":\"boxed\"}",
                        &r),
                 200, "%s", r.body);
    const json_t *d = srvh_data(&r);
    cr_expect_str_eq(au_str(d, "status"), "processing");
    cr_expect_str_eq(au_str(d, "trackingNumber"), "TRK-1");
    cr_expect_str_eq(au_str(d, "estimatedDelivery"), "2030-01-02T03:04:05.000Z");
    cr_expect_str_eq(au_str(d, "notes"), "boxed");
    cr_expect_str_eq(au_str(d, "orderStatus"), "confirmed", "seller-paper is still confirmed");
    srvh_resp_clear(&r);

    char st[32], now[32];
    cr_expect_str_eq(seller_move(id, "seller-paper", "{\"status\":\"processing\"}", st,
                                 sizeof st),
                     "processing");
    cr_expect_str_eq(au_status(&srv, id, now, sizeof now), "processing");
    cr_expect_str_eq(seller_move(id, "seller-bean", "{\"status\":\"shipped\"}", st, sizeof st),
                     "processing");
    cr_expect_eq(seller("PUT", id, "seller-bean", "{\"status\":\"processing\"}", &r), 409,
                 "a seller never moves back: %s", r.body);
    srvh_resp_clear(&r);
    cr_expect_str_eq(seller_move(id, "seller-paper", "{\"status\":\"shipped\"}", st, sizeof st),
                     "shipped");
    cr_expect_str_eq(seller_move(id, "seller-paper", "{\"status\":\"delivered\"}", st,
                                 sizeof st),
                     "shipped");
    cr_expect_str_eq(seller_move(id, "seller-bean", "{\"status\":\"delivered\"}", st, sizeof st),
                     "delivered");
    cr_expect_str_eq(au_status(&srv, id, now, sizeof now), "delivered");

    /* the seller part read back keeps the tracking number */
    cr_assert_eq(seller("GET", id, "seller-bean", NULL, &r), 200, "%s", r.body);
    cr_expect_str_eq(au_str(srvh_data(&r), "status"), "delivered");
    cr_expect_str_eq(au_str(srvh_data(&r), "trackingNumber"), "TRK-1");
    srvh_resp_clear(&r);
    free(id);
    free(tok);
}

Test(srv_admin_more, refused_seller_updates_change_nothing)
{
    char *tok = srvh_token("seller-bad");
    char *id = place_two_sellers(tok);
    static const struct {
        const char *body, *field;
        long status;
    } bad[] = {
        {"{\"status\":\"shipped\"}", NULL, 409},        /* skips processing */
        {"{\"status\":\"pending\"}", "status", 400},    /* not a seller status */
        {"{\"status\":\"bogus\"}", "status", 400},
        {"{}", "status", 400},
        {"{\"status\":\"processing\",\"estimatedDelivery\":\"tomorrow\"}", "estimatedDelivery",
         400},
        {"{\"status\":\"processing\",\"trackingNumber\":42}", "trackingNumber", 400},
    };
    json_t *before = au_history(&srv, id);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(seller("PUT", id, "seller-bean", bad[i].body, &r), bad[i].status,
                     "%s: %s", bad[i].body, r.body);
        if (bad[i].field != NULL)
            cr_expect_str_eq(au_field(&r), bad[i].field, "%s: %s", bad[i].body, r.body);
        srvh_resp_clear(&r);
    }
    json_t *after = au_history(&srv, id);
    cr_expect_eq(json_array_size(after), json_array_size(before));
    json_decref(before);
    json_decref(after);
    srvh_resp_t r;
    cr_assert_eq(seller("GET", id, "seller-bean", NULL, &r), 200);
    cr_expect_str_eq(au_str(srvh_data(&r), "status"), "confirmed");
    cr_expect(json_is_null(json_object_get(srvh_data(&r), "trackingNumber")));
    srvh_resp_clear(&r);
    free(id);
    free(tok);
}

/* ---- bulk ------------------------------------------------------------------------------ */

Test(srv_admin_more, bulk_moves_each_order_on_its_own)
{
    char *tok = srvh_token("bulk");
    char *a = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    char *b = srvh_place(&srv, tok, "prod-beans", 1, "cod");
    char body[512];
    snprintf(body, sizeof body,
             "{\"orderIds\":[\"%s\",\"no-such-order\",\"%s\"],\"status\":\"processing\","
             "\"notes\":\"batch 7\"}",
             a, b);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "POST", "/api/v1/admin/orders/bulk-status", body, &r), 200,
                 "%s", r.body);
    const json_t *d = srvh_data(&r);
    json_t *res = json_object_get(d, "results");
    cr_assert_eq(json_array_size(res), 3, "%s", r.body);
    cr_expect_str_eq(au_str(json_array_get(res, 0), "orderId"), a);
    cr_expect(json_is_true(json_object_get(json_array_get(res, 0), "success")));
    cr_expect_str_eq(au_str(json_array_get(res, 0), "status"), "processing");
    cr_expect_str_eq(au_str(json_array_get(res, 1), "orderId"), "no-such-order");
    cr_expect(json_is_false(json_object_get(json_array_get(res, 1), "success")));
    cr_expect_str_eq(au_str(json_array_get(res, 1), "message"), "Order not found");
    cr_expect(json_is_true(json_object_get(json_array_get(res, 2), "success")));
    cr_expect_eq(json_integer_value(json_object_get(d, "succeeded")), 2);
    cr_expect_eq(json_integer_value(json_object_get(d, "failed")), 1);
    srvh_resp_clear(&r);

    char st[32];
    cr_expect_str_eq(au_status(&srv, a, st, sizeof st), "processing");
    cr_expect_str_eq(au_status(&srv, b, st, sizeof st), "processing");
    json_t *h = au_history(&srv, a);
    const json_t *last = json_array_get(h, json_array_size(h) - 1);
    cr_expect_str_eq(au_str(last, "note"), "batch 7");
    cr_expect_str_eq(au_str(last, "actor"), "admin");
    json_decref(h);

    /* the same move again is a conflict for each, reported per order */
    snprintf(body, sizeof body, "{\"orderIds\":[\"%s\"],\"status\":\"processing\"}", a);
    cr_assert_eq(srvh_admin(&srv, "POST", "/api/v1/admin/orders/bulk-status", body, &r), 200);
    res = json_object_get(srvh_data(&r), "results");
    cr_expect(json_is_false(json_object_get(json_array_get(res, 0), "success")));
    cr_expect_str_eq(au_str(json_array_get(res, 0), "message"),
                     "Cannot change order status from processing to processing");
    cr_expect_eq(json_integer_value(json_object_get(srvh_data(&r), "failed")), 1);
    srvh_resp_clear(&r);
    free(a);
    free(b);
    free(tok);
}

Test(srv_admin_more, bad_bulk_bodies_are_400_naming_the_field)
{
    char *tok = srvh_token("bulk-bad");
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    char many[4096] = "{\"status\":\"processing\",\"orderIds\":[";
    for (int i = 0; i < 101; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s\"%s\"", i ? "," : "", id);
    strcat(many, "]}");
    char bad_status[256], bad_entry[256];
    snprintf(bad_status, sizeof bad_status, "{\"orderIds\":[\"%s\"],\"status\":\"bogus\"}", id);
    snprintf(bad_entry, sizeof bad_entry, "{\"orderIds\":[\"%s\",5],\"status\":\"processing\"}",
             id);
    const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"status\":\"processing\"}", "orderIds"},
        {"{\"orderIds\":[],\"status\":\"processing\"}", "orderIds"},
        {"{\"orderIds\":\"x\",\"status\":\"processing\"}", "orderIds"},
        {many, "orderIds"},
        {bad_status, "status"},
        {bad_entry, "orderIds[1]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_admin(&srv, "POST", "/api/v1/admin/orders/bulk-status", bad[i].body,
                                &r),
                     400, "case %zu: %s", i, r.body);
        cr_expect_str_eq(au_field(&r), bad[i].field, "case %zu: %s", i, r.body);
        srvh_resp_clear(&r);
    }
    char st[32];
    cr_expect_str_eq(au_status(&srv, id, st, sizeof st), "confirmed");
    free(id);
    free(tok);
}

/* ---- refunds ------------------------------------------------------------------------------ */

/* POST refund; the HTTP status, the answer in *r. */
static long refund(const char *id, const char *body, srvh_resp_t *r)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/refund", id);
    return srvh_admin(&srv, "POST", path, body, r);
}

Test(srv_admin_more, partial_then_full_refund_of_a_paid_order)
{
    char *tok = srvh_token("refund");
    /* the online method's built-in test gateway approves at once: paid */
    char *id = srvh_place(&srv, tok, "prod-mug", 4, "online");
    srvh_resp_t r;
    cr_assert_eq(refund(id, "{\"amount\":10,\"reason\":\"damaged\"}", &r), 200, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Refund processed");
    const json_t *o = srvh_data(&r);
    int64_t total = au_cents(o, "totalAmount");
    cr_expect_eq(au_cents(o, "refundAmount"), 1000);
    cr_expect_str_eq(au_str(o, "paymentStatus"), "paid");
    srvh_resp_clear(&r);

    json_t *before = au_history(&srv, id);
    char over[64];
    snprintf(over, sizeof over, "{\"amount\":%lld}", (long long)(total / 100));
    static const char *bad[] = {"{\"amount\":10.001}", "{\"amount\":-5}", "{\"amount\":0}",
                                "{\"amount\":\"5\"}"};
    cr_expect_eq(refund(id, over, &r), 400, "more than remains: %s", r.body);
    cr_expect_str_eq(au_field(&r), "amount");
    srvh_resp_clear(&r);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(refund(id, bad[i], &r), 400, "%s: %s", bad[i], r.body);
        cr_expect_str_eq(au_field(&r), "amount", "%s: %s", bad[i], r.body);
        srvh_resp_clear(&r);
    }
    json_t *after = au_history(&srv, id);
    cr_expect_eq(json_array_size(after), json_array_size(before), "refused refunds change nothing");
    json_decref(before);
    json_decref(after);

    cr_assert_eq(refund(id, "{\"reason\":\"returned\"}", &r), 200, "%s", r.body);
    o = srvh_data(&r);
    cr_expect_eq(au_cents(o, "refundAmount"), total, "everything not yet refunded");
    cr_expect_str_eq(au_str(o, "paymentStatus"), "refunded");
    srvh_resp_clear(&r);
    cr_expect_eq(refund(id, "{}", &r), 409, "nothing left: %s", r.body);
    srvh_resp_clear(&r);
    free(id);
    free(tok);
}

Test(srv_admin_more, unpaid_orders_are_409_and_unknown_orders_404)
{
    char *tok = srvh_token("refund-cod");
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    srvh_resp_t r;
    cr_expect_eq(refund(id, "{\"amount\":1}", &r), 409, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "order payment is pending; only paid orders can be refunded");
    srvh_resp_clear(&r);
    cr_expect_eq(refund("no-such-order", "{}", &r), 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    srvh_resp_clear(&r);

    /* cash on delivery is paid once delivered, and can then be refunded */
    static const char *steps[] = {"processing", "shipped", "delivered"};
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(au_move(&srv, id, steps[i]), 200, "%s", steps[i]);
    cr_assert_eq(refund(id, "{\"amount\":2.5}", &r), 200, "%s", r.body);
    cr_expect_eq(au_cents(srvh_data(&r), "refundAmount"), 250);
    srvh_resp_clear(&r);
    free(id);
    free(tok);
}

/* ---- analytics ------------------------------------------------------------------------------ */

/* GET analytics with query; the HTTP status, the answer in *r. */
static long analytics(const char *query, srvh_resp_t *r)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/analytics%s", query);
    return srvh_admin(&srv, "GET", path, NULL, r);
}

/* The row of rows whose key_name is key, or NULL. */
static const json_t *row(const json_t *rows, const char *key_name, const char *key)
{
    size_t i;
    json_t *e;
    json_array_foreach(rows, i, e) {
        const char *k = au_str(e, key_name);
        if (k != NULL && strcmp(k, key) == 0)
            return e;
    }
    return NULL;
}

static int64_t placed(const srvh_resp_t *r)
{
    return json_integer_value(
        json_object_get(json_object_get(srvh_data(r), "orders"), "placed"));
}

Test(srv_admin_more, analytics_counts_orders_and_revenue)
{
    char *a = srvh_token("stats-a"), *b = srvh_token("stats-b");
    char *o1 = srvh_place(&srv, a, "prod-mug", 2, "cod");
    char *o2 = srvh_place(&srv, b, "prod-pen", 1, "online");
    srvh_resp_t r;
    cr_assert_eq(analytics("", &r), 200, "%s", r.body);
    const json_t *d = srvh_data(&r);
    cr_expect_eq(placed(&r), 2);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(d, "carts"), "created")), 2);
    cr_expect_not_null(au_str(d, "from"));
    cr_expect_not_null(au_str(d, "to"));
    const json_t *bean = row(json_object_get(d, "revenueBySeller"), "sellerId", "seller-bean");
    const json_t *paper = row(json_object_get(d, "revenueBySeller"), "sellerId", "seller-paper");
    cr_assert_not_null(bean, "%s", r.body);
    cr_assert_not_null(paper, "%s", r.body);
    cr_expect_eq(au_cents(bean, "amount"), 2500);
    cr_expect_eq(au_cents(paper, "amount"), 4550);
    cr_expect_str_eq(au_str(bean, "currency"), "USD");
    cr_expect_eq(json_integer_value(json_object_get(bean, "orders")), 1);
    const json_t *methods = json_object_get(d, "revenueByPaymentMethod");
    cr_expect_not_null(row(methods, "paymentMethod", "cod"), "%s", r.body);
    cr_expect_not_null(row(methods, "paymentMethod", "online"), "%s", r.body);
    const json_t *aov = row(json_object_get(d, "averageOrderValue"), "currency", "USD");
    cr_assert_not_null(aov, "%s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(aov, "orders")), 2);
    srvh_resp_clear(&r);

    cr_assert_eq(analytics("?from=2000-01-01T00:00:00Z&to=2100-01-01", &r), 200, "%s", r.body);
    cr_expect_eq(placed(&r), 2);
    cr_expect_str_eq(au_str(srvh_data(&r), "from"), "2000-01-01T00:00:00.000Z");
    srvh_resp_clear(&r);
    cr_assert_eq(analytics("?from=2000-01-01&to=2000-01-02", &r), 200, "%s", r.body);
    cr_expect_eq(placed(&r), 0, "a range before the orders");
    srvh_resp_clear(&r);
    cr_assert_eq(analytics("?from=0&to=1000", &r), 200, "%s", r.body);
    cr_expect_eq(placed(&r), 0);
    cr_expect_str_eq(au_str(srvh_data(&r), "to"), "1970-01-01T00:00:01.000Z", "epoch ms");
    srvh_resp_clear(&r);
    free(o1);
    free(o2);
    free(a);
    free(b);
}

Test(srv_admin_more, bad_analytics_ranges_are_400)
{
    static const struct {
        const char *query, *field;
    } bad[] = {
        {"?from=2024-01-02&to=2024-01-01", "from"},
        {"?from=2024-01-01&to=2024-01-01", "from"},
        {"?from=yesterday", "from"},
        {"?to=2024-13-01", "to"},
        {"?from=1.5", "from"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(analytics(bad[i].query, &r), 400, "%s: %s", bad[i].query, r.body);
        cr_expect_str_eq(au_field(&r), bad[i].field, "%s: %s", bad[i].query, r.body);
        srvh_resp_clear(&r);
    }
}

/* ---- the admin rate limit ------------------------------------------------------------------ */

Test(srv_admin_limit, admin_routes_are_rate_limited)
{
    srvh_t s;
    const char *extra[] = {"--rate-limit-admin", "2", NULL};
    srvh_start(&s, NULL, extra);
    srvh_resp_t r;
    for (int i = 0; i < 2; i++) {
        cr_expect_eq(srvh_admin(&s, "GET", "/api/v1/admin/orders", NULL, &r), 200, "%s", r.body);
        srvh_resp_clear(&r);
    }
    cr_expect_eq(srvh_admin(&s, "GET", "/api/v1/admin/analytics", NULL, &r), 429, "%s", r.body);
    char retry[32];
    cr_expect(srvh_header(&r, "Retry-After", retry, sizeof retry));
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_stop(&s, false), 0, "orders-server must exit cleanly");
}

/* POST refund with an Idempotency-Key. */
static long keyed_refund(const char *id, const char *key, const char *body, srvh_resp_t *r)
{
    char path[256], header[200];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/refund", id);
    snprintf(header, sizeof header, "Idempotency-Key: %s", key);
    const char *hdrs[] = {"X-Service-Key: " SRVH_SERVICE_KEY, header, NULL};
    return srvh_call(&srv, "POST", path, hdrs, body, r);
}

Test(srv_admin_more, a_retried_keyed_refund_refunds_once)
{
    char *tok = srvh_token("refund-key");
    char *id = srvh_place(&srv, tok, "prod-mug", 4, "online");   /* 50.00, paid */
    srvh_resp_t r;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(keyed_refund(id, "rf-1", "{\"amount\":10}", &r), 200, "try %d: %s", i,
                     r.body);
        cr_expect_eq(au_cents(srvh_data(&r), "refundAmount"), 1000, "try %d", i);
        srvh_resp_clear(&r);
    }
    cr_expect_eq(keyed_refund(id, "rf-1", "{\"amount\":5}", &r), 409,
                 "the key with another amount: %s", r.body);
    srvh_resp_clear(&r);
    /* another key is another refund */
    cr_assert_eq(keyed_refund(id, "rf-2", "{\"amount\":10}", &r), 200, "%s", r.body);
    cr_expect_eq(au_cents(srvh_data(&r), "refundAmount"), 2000);
    srvh_resp_clear(&r);
    /* without a key a repeat is a new refund, as before */
    cr_assert_eq(refund(id, "{\"amount\":1}", &r), 200, "%s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(refund(id, "{\"amount\":1}", &r), 200, "%s", r.body);
    cr_expect_eq(au_cents(srvh_data(&r), "refundAmount"), 2200);
    srvh_resp_clear(&r);
    free(id);
    free(tok);
}
