/*
 * tests/server/test_srv_orders_flow.c - what happens to a placed order
 * over HTTP: cancel (stock returns, refused moves are 409), pay,
 * Idempotency-Key replays, and 50 buyers racing for 10 units.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "harness.h"

#define ADDRESS                                                                            \
    "\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":\"Springfield\","       \
    "\"state\":\"IL\",\"country\":\"US\",\"postalCode\":\"62701\"}"
#define PLACE_COD "{" ADDRESS ",\"paymentMethod\":\"cod\"}"

static srvh_t srv;
static char *tok;     /* customer flow-buyer */
static char *other;   /* customer flow-other */

static void up(void)
{
    cr_assert_eq(curl_global_init(CURL_GLOBAL_ALL), CURLE_OK);
    srvh_start(&srv, NULL, NULL);
    tok = srvh_token("flow-buyer");
    other = srvh_token("flow-other");
}

static void down(void)
{
    free(tok);
    free(other);
    cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
    curl_global_cleanup();
}

TestSuite(srv_orders_flow, .init = up, .fini = down);

/* ---- helpers ------------------------------------------------------------------------ */

static const char *str_of(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

typedef struct stock {
    json_int_t available, reserved, sold;
} stock_t;

/* GET /inventory/stock/:id with the service key. */
static stock_t stock_of(const char *product)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/inventory/stock/%s", product);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "GET", path, NULL, &r), 200, "%s", r.body);
    json_t *d = srvh_data(&r);
    stock_t s = {json_integer_value(json_object_get(d, "available")),
                 json_integer_value(json_object_get(d, "reserved")),
                 json_integer_value(json_object_get(d, "sold"))};
    srvh_resp_clear(&r);
    return s;
}

/* GET /orders/:id as token: data.status (copied into buf). */
static const char *status_of(const char *token, const char *id, char *buf, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "GET", path, NULL, &r), 200, "%s", r.body);
    snprintf(buf, len, "%s", str_of(srvh_data(&r), "status"));
    srvh_resp_clear(&r);
    return buf;
}

/* PUT /orders/:id/cancel as token with body (may be NULL). */
static long cancel(const char *token, const char *id, const char *body, srvh_resp_t *r)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s/cancel", id);
    return srvh_customer(&srv, token, "PUT", path, body, r);
}

static long pay(const char *token, const char *id, srvh_resp_t *r)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s/pay", id);
    return srvh_customer(&srv, token, "POST", path, NULL, r);
}

/* The admin moves the order to status (PUT /admin/orders/:id/status). */
static void admin_move(const char *id, const char *status)
{
    char path[256], body[96];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/status", id);
    snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "PUT", path, body, &r), 200, "to %s: %s", status, r.body);
    srvh_resp_clear(&r);
}

static json_int_t order_total(const char *token)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "GET", "/api/v1/orders", NULL, &r), 200);
    json_int_t n =
        json_integer_value(json_object_get(json_object_get(srvh_data(&r), "pagination"), "total"));
    srvh_resp_clear(&r);
    return n;
}

/* ---- cancel --------------------------------------------------------------------------- */

Test(srv_orders_flow, cancel_returns_the_stock)
{
    /* prod-pen: 5 units, all of them bought */
    char *id = srvh_place(&srv, tok, "prod-pen", 5, "cod");
    stock_t s = stock_of("prod-pen");
    cr_expect_eq(s.available, 0);
    cr_expect_eq(s.reserved + s.sold, 5);

    srvh_resp_t r;
    cr_assert_eq(cancel(tok, id, "{\"reason\":\"Changed my mind\"}", &r), 200, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order cancelled successfully");
    json_t *o = srvh_data(&r);
    cr_expect_str_eq(str_of(o, "id"), id);
    cr_expect_str_eq(str_of(o, "status"), "cancelled");
    cr_expect_not_null(str_of(o, "cancelledAt"), "%s", r.body);
    cr_expect_str_eq(str_of(o, "cancelReason"), "Changed my mind");
    srvh_resp_clear(&r);

    s = stock_of("prod-pen");
    cr_expect_eq(s.available, 5, "every unit is back");
    cr_expect_eq(s.reserved, 0);
    cr_expect_eq(s.sold, 0);
    /* and anyone can buy the whole stock again */
    char *again = srvh_place(&srv, other, "prod-pen", 5, "cod");
    free(again);
    free(id);
}

Test(srv_orders_flow, cancel_without_a_body_uses_the_default_reason)
{
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    srvh_resp_t r;
    cr_assert_eq(cancel(tok, id, NULL, &r), 200, "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "cancelReason"), "Cancelled by customer");
    srvh_resp_clear(&r);
    free(id);
}

Test(srv_orders_flow, cancelling_twice_is_409)
{
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    srvh_resp_t r;
    cr_assert_eq(cancel(tok, id, "{\"reason\":\"first\"}", &r), 200, "%s", r.body);
    srvh_resp_clear(&r);
    stock_t before = stock_of("prod-mug");
    cr_expect_eq(cancel(tok, id, "{\"reason\":\"second\"}", &r), 409, "%s", r.body);
    cr_expect(json_is_false(json_object_get(r.json, "success")));
    srvh_resp_clear(&r);

    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    cr_assert_eq(srvh_customer(&srv, tok, "GET", path, NULL, &r), 200);
    cr_expect_str_eq(str_of(srvh_data(&r), "cancelReason"), "first", "the refusal changed nothing");
    srvh_resp_clear(&r);
    stock_t after = stock_of("prod-mug");
    cr_expect_eq(after.available, before.available, "stock is returned once");
    free(id);
}

Test(srv_orders_flow, cancelling_a_shipped_order_is_409)
{
    char *id = srvh_place(&srv, tok, "prod-grinder", 2, "cod");
    admin_move(id, "processing");
    admin_move(id, "shipped");
    srvh_resp_t r;
    cr_expect_eq(cancel(tok, id, NULL, &r), 409, "%s", r.body);
    srvh_resp_clear(&r);
    char st[32];
    cr_expect_str_eq(status_of(tok, id, st, sizeof st), "shipped");
    stock_t s = stock_of("prod-grinder");
    cr_expect_eq(s.available, 6, "the shipped units stay sold");
    free(id);
}

Test(srv_orders_flow, cancel_is_scoped_to_the_customer_and_checks_the_reason)
{
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    srvh_resp_t r;
    cr_expect_eq(cancel(other, id, NULL, &r), 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    srvh_resp_clear(&r);
    cr_expect_eq(cancel(tok, "no-such-order", NULL, &r), 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    srvh_resp_clear(&r);
    cr_expect_eq(cancel(tok, id, "{\"reason\":42}", &r), 400, "%s", r.body);
    json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
    cr_expect_str_eq(str_of(e, "field") ? str_of(e, "field") : "(none)", "reason", "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(cancel(NULL, id, NULL, &r), 401);
    srvh_resp_clear(&r);
    char st[32];
    cr_expect_str_eq(status_of(tok, id, st, sizeof st), "confirmed", "nothing was cancelled");
    free(id);
}

/* ---- pay ------------------------------------------------------------------------------- */

Test(srv_orders_flow, pay_refuses_orders_that_cannot_be_paid)
{
    srvh_resp_t r;
    /* cod is paid on delivery */
    char *cod = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    cr_expect_eq(pay(tok, cod, &r), 400, "%s", r.body);
    srvh_resp_clear(&r);
    /* an online order the gateway approved at placement is no longer pending */
    char *online = srvh_place(&srv, tok, "prod-mug", 1, "online");
    cr_expect_eq(pay(tok, online, &r), 409, "%s", r.body);
    srvh_resp_clear(&r);
    char st[32];
    cr_expect_str_eq(status_of(tok, online, st, sizeof st), "confirmed");
    /* someone else's order, or none */
    cr_expect_eq(pay(other, online, &r), 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    srvh_resp_clear(&r);
    cr_expect_eq(pay(tok, "no-such-order", &r), 404, "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(pay(NULL, online, &r), 401);
    srvh_resp_clear(&r);
    free(cod);
    free(online);
}

Test(srv_orders_flow, wallet_without_funds_fails_the_order_and_pay_is_409)
{
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "wallet");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "GET", path, NULL, &r), 200);
    cr_expect_str_eq(str_of(srvh_data(&r), "status"), "failed", "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "paymentStatus"), "failed", "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(pay(tok, id, &r), 409, "%s", r.body);
    srvh_resp_clear(&r);
    free(id);
}

/* A mug in token's cart, placed online with deferPayment: the new order's
 * id (free it), checked to be pending. */
static char *place_deferred_online(const char *token)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"prod-mug\",\"quantity\":1}", &r),
                 200);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_customer(&srv, token, "POST", "/api/v1/orders/place",
                               "{" ADDRESS ",\"paymentMethod\":\"online\",\"deferPayment\":true}",
                               &r),
                 201, "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "status"), "pending", "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "paymentStatus"), "pending", "%s", r.body);
    char *id = strdup(str_of(srvh_data(&r), "id"));
    srvh_resp_clear(&r);
    return id;
}

Test(srv_orders_flow, deferred_online_payment_is_completed_by_pay)
{
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place",
                               "{" ADDRESS ",\"paymentMethod\":\"online\",\"deferPayment\":1}",
                               &r),
                 400, "deferPayment must be a boolean: %s", r.body);
    srvh_resp_clear(&r);
    char *id = place_deferred_online(tok);
    cr_assert_eq(pay(other, id, &r), 404, "another customer cannot pay it: %s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(pay(tok, id, &r), 200, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Payment processed");
    cr_expect_str_eq(str_of(srvh_data(&r), "status"), "confirmed", "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "paymentStatus"), "paid", "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(pay(tok, id, &r), 409, "paying twice: %s", r.body);
    srvh_resp_clear(&r);
    free(id);
}

static long pay_with_key(const char *token, const char *id, const char *key, srvh_resp_t *r)
{
    char path[256], auth[8300], header[200];
    snprintf(path, sizeof path, "/api/v1/orders/%s/pay", id);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(header, sizeof header, "Idempotency-Key: %s", key);
    const char *hdrs[] = {auth, header, NULL};
    return srvh_call(&srv, "POST", path, hdrs, NULL, r);
}

/* A pay retried with its Idempotency-Key gets the paid order again (200),
 * not 409, and the order is paid once; another key is still 409. */
Test(srv_orders_flow, pay_retried_with_its_key_answers_the_paid_order)
{
    srvh_resp_t r;
    char *id = place_deferred_online(tok);
    cr_assert_eq(pay_with_key(tok, id, "pay-attempt-1", &r), 200, "%s", r.body);
    char *updated = strdup(str_of(srvh_data(&r), "updatedAt"));
    srvh_resp_clear(&r);
    cr_assert_eq(pay_with_key(tok, id, "pay-attempt-1", &r), 200, "retry: %s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Payment processed");
    cr_expect_str_eq(str_of(srvh_data(&r), "paymentStatus"), "paid", "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "updatedAt"), updated,
                     "the retry changed the order: %s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(pay_with_key(tok, id, "pay-attempt-2", &r), 409, "another key: %s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(pay_with_key(other, id, "pay-attempt-1", &r), 404, "another customer: %s",
                 r.body);
    srvh_resp_clear(&r);
    free(updated);
    free(id);
}

/* ---- idempotency ------------------------------------------------------------------------ */

static long place_with_key(const char *token, const char *key, const char *body,
                           srvh_resp_t *r)
{
    char auth[8300], header[200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(header, sizeof header, "Idempotency-Key: %s", key);
    const char *hdrs[] = {auth, header, NULL};
    return srvh_call(&srv, "POST", "/api/v1/orders/place", hdrs, body, r);
}

static void add_mug(const char *token)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"prod-mug\",\"quantity\":2}", &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
}

Test(srv_orders_flow, same_key_and_body_place_once)
{
    add_mug(tok);
    srvh_resp_t r;
    cr_assert_eq(place_with_key(tok, "key-1", PLACE_COD, &r), 201, "%s", r.body);
    char *first = strdup(str_of(srvh_data(&r), "id"));
    srvh_resp_clear(&r);
    stock_t s = stock_of("prod-mug");
    cr_assert_eq(place_with_key(tok, "key-1", PLACE_COD, &r), 201, "a replay: %s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order placed successfully");
    cr_expect_str_eq(str_of(srvh_data(&r), "id"), first);
    srvh_resp_clear(&r);
    cr_expect_eq(order_total(tok), 1, "exactly one order");
    cr_expect_eq(stock_of("prod-mug").available, s.available, "a replay takes no stock");
    free(first);
}

Test(srv_orders_flow, same_key_with_another_body_is_409)
{
    add_mug(tok);
    srvh_resp_t r;
    cr_assert_eq(place_with_key(tok, "key-2", PLACE_COD, &r), 201, "%s", r.body);
    srvh_resp_clear(&r);
    add_mug(tok);
    cr_expect_eq(place_with_key(tok, "key-2", "{" ADDRESS ",\"paymentMethod\":\"online\"}", &r),
                 409, "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(order_total(tok), 1, "the second body placed nothing");
    /* keys belong to one customer: another may use the same one */
    add_mug(other);
    cr_expect_eq(place_with_key(other, "key-2", PLACE_COD, &r), 201, "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(order_total(other), 1);
}

/* ---- 50 buyers, 10 units ---------------------------------------------------------------- */

#define BUYERS 50
#define UNITS 10

static void create_race_product(void)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "POST", "/api/v1/admin/products",
                            "{\"id\":\"prod-race\",\"sellerId\":\"seller-race\",\"name\":"
                            "\"Race item\",\"price\":5,\"stock\":10}",
                            &r),
                 201, "%s", r.body);
    srvh_resp_clear(&r);
}

Test(srv_orders_flow, fifty_buyers_ten_units, .timeout = 240)
{
    create_race_product();
    static srvh_buyer_t buyers[BUYERS];
    pthread_t th[BUYERS];
    pthread_barrier_t gate;
    cr_assert_eq(pthread_barrier_init(&gate, NULL, BUYERS), 0);
    for (int i = 0; i < BUYERS; i++) {
        char customer[32];
        snprintf(customer, sizeof customer, "racer-%02d", i);
        buyers[i] = (srvh_buyer_t){.add_base = srv.base, .place_base = srv.base,
                                   .token = srvh_token(customer),
                                   .add_json = "{\"productId\":\"prod-race\",\"quantity\":1}",
                                   .place_json = PLACE_COD, .timeout_s = 120L, .gate = &gate};
    }
    for (int i = 0; i < BUYERS; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, srvh_buy, &buyers[i]), 0);
    for (int i = 0; i < BUYERS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&gate);

    int placed = 0, refused = 0;
    for (int i = 0; i < BUYERS; i++) {
        srvh_buyer_t *b = &buyers[i];
        cr_expect_eq(b->add_status, 200, "buyer %d add", i);
        if (b->place_status == 201) {
            placed++;
            cr_expect_neq(b->order_id[0], '\0');
            for (int j = 0; j < i; j++)
                cr_expect(strcmp(buyers[j].order_id, b->order_id) != 0 || b->order_id[0] == 0,
                          "order ids are distinct");
        } else if (b->place_status == 422) {
            refused++;
            cr_expect(strncmp(b->message, "Some items are not available: Race item", 39) == 0,
                      "buyer %d: %s", i, b->message);
        } else {
            cr_expect_fail("buyer %d placed with %ld: %s", i, b->place_status, b->message);
        }
        free(b->token);
    }
    cr_expect_eq(placed, UNITS, "exactly as many orders as units");
    cr_expect_eq(refused, BUYERS - UNITS);
    stock_t s = stock_of("prod-race");
    cr_expect_eq(s.available, 0);
    cr_expect_eq(s.reserved + s.sold, UNITS, "reserved %lld + sold %lld", (long long)s.reserved,
                 (long long)s.sold);
}
