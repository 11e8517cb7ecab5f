/*
 * test_srv_payments_http.c - orders-server with --payment-gateway-url and
 * --payment-gateway-key: online orders are paid through the library's HTTP
 * gateway at the in-process gateway stub of tests/fixtures/stub_gateway.c
 * (127.0.0.1), which counts charges.  /pay charges once, also when the
 * gateway's answer is lost to the server's timeout after it charged, and
 * when 20 clients pay one order at once; an admin refund reaches the
 * gateway; a gateway URL without a key does not start.
 */
#define _DEFAULT_SOURCE

#include <criterion/criterion.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "harness.h"
#include "stub_gateway.h"

#define GATEWAY_KEY "sk_test_srv_gateway_4242"
#define ADDRESS                                                                            \
    "\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":\"Springfield\","       \
    "\"state\":\"IL\",\"country\":\"US\",\"postalCode\":\"62701\"}"
#define PLACE_DEFERRED "{" ADDRESS ",\"paymentMethod\":\"online\",\"deferPayment\":true}"

static stub_gateway_t *gw;
static srvh_t srv;

static void up(void)
{
    cr_assert_eq(curl_global_init(CURL_GLOBAL_ALL), CURLE_OK);
    gw = stub_gateway_start(GATEWAY_KEY);
    cr_assert_not_null(gw, "the gateway stub did not start");
    const char *extra[] = {"--payment-gateway-url", stub_gateway_url(gw),
                           "--payment-gateway-key", GATEWAY_KEY,
                           "--payment-gateway-timeout-ms", "1000", NULL};
    srvh_start(&srv, NULL, extra);
}

static void down(void)
{
    if (srv.pid > 0)
        cr_expect_eq(srvh_stop(&srv, false), 0, "the server did not stop cleanly");
    stub_gateway_free(gw);
    curl_global_cleanup();
}

TestSuite(srv_payments_http, .init = up, .fini = down, .timeout = 120);

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

/* One mug in token's cart, placed online with deferPayment: its id (free it). */
static char *place_deferred(const char *token)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"prod-mug\",\"quantity\":1}", &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_customer(&srv, token, "POST", "/api/v1/orders/place", PLACE_DEFERRED, &r),
                 201, "%s", r.body);
    cr_assert_str_eq(str_of(srvh_data(&r), "status"), "pending", "%s", r.body);
    char *id = strdup(str_of(srvh_data(&r), "id"));
    srvh_resp_clear(&r);
    cr_assert_eq(stub_gateway_charges(gw, id), 0, "a deferred order was charged at placement");
    return id;
}

static long pay(const char *token, const char *id, srvh_resp_t *r)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s/pay", id);
    return srvh_customer(&srv, token, "POST", path, NULL, r);
}

/* The order as the customer sees it is confirmed and paid. */
static void expect_paid(const srvh_resp_t *r)
{
    cr_expect_str_eq(str_of(srvh_data(r), "status"), "confirmed", "%s", r->body);
    cr_expect_str_eq(str_of(srvh_data(r), "paymentStatus"), "paid", "%s", r->body);
}

Test(srv_payments_http, pay_charges_the_gateway_once)
{
    char *tok = srvh_token("gw-buyer-1");
    char *id = place_deferred(tok);
    srvh_resp_t r;
    cr_assert_eq(pay(tok, id, &r), 200, "%s", r.body);
    expect_paid(&r);
    srvh_resp_clear(&r);
    cr_expect_eq(stub_gateway_charges(gw, id), 1);
    cr_expect_eq(pay(tok, id, &r), 409, "paying twice: %s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(stub_gateway_charges(gw, id), 1, "a second /pay charged again");
    free(id);
    free(tok);
}

Test(srv_payments_http, an_answer_lost_to_the_timeout_after_the_charge_charges_once)
{
    char *tok = srvh_token("gw-buyer-2");
    char *id = place_deferred(tok);
    /* the gateway charges, then answers after the server's 1 s timeout
     * (--payment-gateway-timeout-ms: with the default 5 s there would be
     * no timeout and no look-up) */
    stub_gateway_fault_delay(gw, 1800);
    stub_gateway_fault(gw, STUB_GW_CREATE, STUB_GW_DELAY, 1);
    srvh_resp_t r;
    long st = pay(tok, id, &r);
    cr_log_info("/pay with the answer lost after the charge: %ld", st);
    cr_assert(st == 200 || st == 503, "/pay answered %ld: %s", st, r.body);
    cr_expect(strstr(r.body, GATEWAY_KEY) == NULL, "the answer shows the key: %s", r.body);
    if (st == 503) { /* the outcome was unknown: the retry finds the payment */
        srvh_resp_clear(&r);
        cr_assert_eq(pay(tok, id, &r), 200, "%s", r.body);
    }
    expect_paid(&r);
    srvh_resp_clear(&r);
    cr_expect_eq(stub_gateway_charges(gw, id), 1, "charged %lld times",
                 (long long)stub_gateway_charges(gw, id));
    cr_expect_geq(stub_gateway_calls(gw, STUB_GW_LOOKUP), 1, "no look-up after the timeout");
    cr_expect_eq(stub_gateway_calls(gw, STUB_GW_CREATE), st == 200 ? 1 : 2,
                 "the create was retried blindly");
    free(id);
    free(tok);
}

#define PAYERS 20

typedef struct payer {
    const char *base, *token;
    char path[256];
    pthread_barrier_t *gate;
    long status;
} payer_t;

static void *run_payer(void *arg)
{
    payer_t *p = arg;
    CURL *c = curl_easy_init();
    pthread_barrier_wait(p->gate);
    char *body = NULL;
    p->status = c ? srvh_post_from_thread(c, p->base, p->token, p->path, "{}", 60, &body) : -1;
    free(body);
    if (c)
        curl_easy_cleanup(c);
    return NULL;
}

Test(srv_payments_http, twenty_concurrent_pays_charge_once)
{
    char *tok = srvh_token("gw-buyer-3");
    char *id = place_deferred(tok);
    pthread_t t[PAYERS];
    payer_t p[PAYERS];
    pthread_barrier_t gate;
    pthread_barrier_init(&gate, NULL, PAYERS);
    for (int i = 0; i < PAYERS; i++) {
        p[i] = (payer_t){.base = srv.base, .token = tok, .gate = &gate, .status = 0};
        snprintf(p[i].path, sizeof p[i].path, "/api/v1/orders/%s/pay", id);
        cr_assert_eq(pthread_create(&t[i], NULL, run_payer, &p[i]), 0);
    }
    int ok = 0, conflict = 0;
    for (int i = 0; i < PAYERS; i++) {
        pthread_join(t[i], NULL);
        ok += p[i].status == 200;
        conflict += p[i].status == 409;
        cr_expect(p[i].status == 200 || p[i].status == 409, "payer %d: %ld", i, p[i].status);
    }
    pthread_barrier_destroy(&gate);
    cr_log_info("20 concurrent /pay: %d answered 200, %d answered 409; %d creates at the gateway",
                ok, conflict, stub_gateway_calls(gw, STUB_GW_CREATE));
    cr_expect_geq(ok, 1);
    cr_expect_eq(stub_gateway_charges(gw, id), 1, "charged %lld times",
                 (long long)stub_gateway_charges(gw, id));
    free(id);
    free(tok);
}

Test(srv_payments_http, admin_refund_goes_through_the_gateway)
{
    char *tok = srvh_token("gw-buyer-4");
    char *id = srvh_place(&srv, tok, "prod-mug", 2, "online"); /* paid at placement */
    cr_assert_eq(stub_gateway_charges(gw, id), 1);
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/refund", id);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "POST", path, "{\"amount\":5,\"reason\":\"damaged\"}", &r), 200,
                 "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(stub_gateway_refunded(gw, id), 500, "refunded %lld",
                 (long long)stub_gateway_refunded(gw, id));
    cr_assert_eq(srvh_admin(&srv, "POST", path, "{}", &r), 200, "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "paymentStatus"), "refunded", "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(stub_gateway_refund_count(gw, id), 2);
    char txn[160];
    cr_assert(stub_gateway_payment_id(gw, id, txn, sizeof txn));
    free(id);
    free(tok);
}

Test(srv_payments_http, a_gateway_url_without_a_key_does_not_start)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "env -u ORDERS_PAYMENT_GATEWAY_KEY %s --port 0 --store memory: "
             "--payment-gateway-url %s 2>&1",
             ORDERS_SERVER_BIN, stub_gateway_url(gw));
    int status = 0;
    char *out = srvh_run(cmd, &status);
    cr_expect_neq(status, 0, "the server started: %s", out);
    cr_expect(strstr(out, "--payment-gateway-key") != NULL, "no clear message: %s", out);
    free(out);
}
