/*
 * tests/server/test_srv_webhook.c - POST /api/v1/payments/webhook on the
 * real orders-server (started with --payment-webhook-secret): 401 for a
 * missing, malformed, wrong or stale signature with nothing changed; 200
 * applied / duplicate / ignored; 400 malformed; 404 unknown order; 422 an
 * amount that is not the order's; 503 without a secret; and the customer's
 * /pay racing webhooks for one order confirms it once.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <orders/webhook.h>

#include "harness.h"

#define WEBHOOK_SECRET "whsec_server_test_secret"
#define WEBHOOK "/api/v1/payments/webhook"
#define ADDRESS                                                                            \
    "\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":\"Springfield\","       \
    "\"state\":\"IL\",\"country\":\"US\",\"postalCode\":\"62701\"}"

static srvh_t srv;
static char *tok;

static void up(void)
{
    cr_assert_eq(curl_global_init(CURL_GLOBAL_ALL), CURLE_OK);
    const char *extra[] = {"--payment-webhook-secret", WEBHOOK_SECRET, NULL};
    srvh_start(&srv, NULL, extra);
    tok = srvh_token("hook-buyer");
}

static void down(void)
{
    free(tok);
    cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
    curl_global_cleanup();
}

TestSuite(srv_webhook, .init = up, .fini = down);

/* ---- helpers ------------------------------------------------------------------------ */

typedef struct placed {
    char id[160];
    json_int_t total;            /* minor units (USD) */
} placed_t;

static const char *str_of(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* A mug placed online with deferPayment: pending, not yet paid. */
static placed_t place_deferred(void)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"prod-mug\",\"quantity\":1}", &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place",
                               "{" ADDRESS ",\"paymentMethod\":\"online\",\"deferPayment\":true}",
                               &r),
                 201, "%s", r.body);
    placed_t p;
    json_t *d = srvh_data(&r);
    cr_assert_str_eq(str_of(d, "status"), "pending", "%s", r.body);
    snprintf(p.id, sizeof p.id, "%s", str_of(d, "id"));
    p.total = (json_int_t)llround(json_number_value(json_object_get(d, "totalAmount")) * 100.0);
    cr_assert_gt(p.total, 0, "%s", r.body);
    srvh_resp_clear(&r);
    return p;
}

/* A payment event for order_id (free()). */
static char *event(const char *evt, const char *type, const char *order_id, json_int_t amount)
{
    json_t *root = json_pack("{s:s, s:s, s:I, s:{s:s, s:s, s:I, s:s}}", "id", evt, "type", type,
                             "created", (json_int_t)time(NULL), "data", "paymentId", "pay_srv_1",
                             "orderId", order_id, "amount", amount, "currency", "USD");
    cr_assert_not_null(root);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

/* "X-Signature: ..." for body signed with secret at t. */
static void signature(const char *secret, long long t, const char *body, char *hdr, size_t len)
{
    char sig[ORDERS_WEBHOOK_SIGNATURE_MAX];
    orders_error_t err = {0};
    cr_assert_eq(orders_webhook_sign(secret, t, body, strlen(body), sig, sizeof sig, &err),
                 ORDERS_OK, "%s", err.message);
    snprintf(hdr, len, "X-Signature: %s", sig);
}

/* POSTs body with the X-Signature header line hdr (NULL: none). */
static long post_hook(srvh_t *s, const char *hdr, const char *body, srvh_resp_t *r)
{
    const char *headers[] = {hdr, NULL};
    return srvh_call(s, "POST", WEBHOOK, hdr ? headers : NULL, body, r);
}

/* Signs body now with the server's secret and POSTs it. */
static long deliver(const char *body, srvh_resp_t *r)
{
    char hdr[160];
    signature(WEBHOOK_SECRET, (long long)time(NULL), body, hdr, sizeof hdr);
    return post_hook(&srv, hdr, body, r);
}

/* The order as its customer sees it: status and paymentStatus. */
static void order_state(const char *id, char *status, char *payment, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "GET", path, NULL, &r), 200, "%s", r.body);
    snprintf(status, len, "%s", str_of(srvh_data(&r), "status"));
    snprintf(payment, len, "%s", str_of(srvh_data(&r), "paymentStatus"));
    srvh_resp_clear(&r);
}

static void expect_pending(const char *id)
{
    char st[32], ps[32];
    order_state(id, st, ps, sizeof st);
    cr_expect_str_eq(st, "pending");
    cr_expect_str_eq(ps, "pending");
}

/* How many history entries of order id move it to "to" (NULL: how many
 * entries at all), through the admin route. */
static int moves_to(const char *id, const char *to)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/history", id);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "GET", path, NULL, &r), 200, "%s", r.body);
    json_t *h = json_object_get(srvh_data(&r), "history");
    int n = 0;
    for (size_t i = 0; i < json_array_size(h); i++) {
        json_t *e = json_array_get(h, i);
        const char *from = str_of(e, "from");
        n += to == NULL || (str_of(e, "to") && strcmp(str_of(e, "to"), to) == 0 &&
                            (!from || strcmp(from, to)));
    }
    srvh_resp_clear(&r);
    return n;
}

/* ---- signatures ------------------------------------------------------------------- */

static void expect_401(long status, srvh_resp_t *r, const char *why, const char *body)
{
    char good[160];
    signature(WEBHOOK_SECRET, (long long)time(NULL), body, good, sizeof good);
    cr_expect_eq(status, 401, "%s", r->body);
    cr_expect_not_null(strstr(srvh_message(r), why), "\"%s\" should say %s", srvh_message(r), why);
    cr_expect_null(strstr(r->body, WEBHOOK_SECRET), "the secret leaked: %s", r->body);
    cr_expect_null(strstr(r->body, strstr(good, "v1=") + 3), "the signature leaked: %s", r->body);
    srvh_resp_clear(r);
}

Test(srv_webhook, missing_bad_and_stale_signatures_are_401_and_change_nothing)
{
    placed_t p = place_deferred();
    char *body = event("evt_401", "payment.succeeded", p.id, p.total);
    srvh_resp_t r;
    char hdr[200];
    expect_401(post_hook(&srv, NULL, body, &r), &r, "missing", body);
    expect_401(post_hook(&srv, "X-Signature: t=abc,v1=zz", body, &r), &r, "malformed", body);
    signature("whsec_wrong", (long long)time(NULL), body, hdr, sizeof hdr);
    expect_401(post_hook(&srv, hdr, body, &r), &r, "does not match", body);
    signature(WEBHOOK_SECRET, (long long)time(NULL) - 3600, body, hdr, sizeof hdr);
    expect_401(post_hook(&srv, hdr, body, &r), &r, "tolerance", body);
    /* signed for another body */
    char *other = event("evt_401", "payment.succeeded", p.id, p.total + 1);
    signature(WEBHOOK_SECRET, (long long)time(NULL), other, hdr, sizeof hdr);
    expect_401(post_hook(&srv, hdr, body, &r), &r, "does not match", body);
    free(other);
    free(body);
    expect_pending(p.id);
    cr_expect_eq(moves_to(p.id, "confirmed"), 0);
}

/* ---- applying ----------------------------------------------------------------------- */

Test(srv_webhook, a_good_webhook_confirms_and_a_repeat_is_a_duplicate)
{
    placed_t p = place_deferred();
    char *body = event("evt_ok", "payment.succeeded", p.id, p.total);
    srvh_resp_t r;
    cr_assert_eq(deliver(body, &r), 200, "%s", r.body);
    json_t *d = srvh_data(&r);
    cr_expect_str_eq(str_of(d, "result"), "applied", "%s", r.body);
    cr_expect_str_eq(str_of(d, "orderId"), p.id);
    cr_expect_str_eq(str_of(d, "status"), "confirmed");
    cr_expect_str_eq(str_of(d, "eventId"), "evt_ok");
    srvh_resp_clear(&r);
    char st[32], ps[32];
    order_state(p.id, st, ps, sizeof st);
    int entries = moves_to(p.id, NULL);
    cr_expect_str_eq(st, "confirmed");
    cr_expect_str_eq(ps, "paid");

    cr_assert_eq(deliver(body, &r), 200, "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "result"), "duplicate", "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(moves_to(p.id, NULL), entries, "a duplicate appended history");
    cr_expect_eq(moves_to(p.id, "confirmed"), 1);

    /* a failure after the payment never un-pays the order */
    char *failed = event("evt_late_fail", "payment.failed", p.id, p.total);
    cr_assert_eq(deliver(failed, &r), 200, "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "result"), "ignored", "%s", r.body);
    srvh_resp_clear(&r);
    order_state(p.id, st, ps, sizeof st);
    cr_expect_str_eq(ps, "paid");
    free(failed);
    free(body);
}

Test(srv_webhook, a_failed_payment_fails_the_order)
{
    placed_t p = place_deferred();
    char *body = event("evt_fail", "payment.failed", p.id, p.total);
    srvh_resp_t r;
    cr_assert_eq(deliver(body, &r), 200, "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "result"), "applied", "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "status"), "failed", "%s", r.body);
    srvh_resp_clear(&r);
    free(body);
}

Test(srv_webhook, unknown_order_404_mismatch_422_malformed_400_unknown_type_200)
{
    placed_t p = place_deferred();
    srvh_resp_t r;
    char *body = event("evt_404", "payment.succeeded", "no-such-order", p.total);
    cr_expect_eq(deliver(body, &r), 404, "%s", r.body);
    srvh_resp_clear(&r);
    free(body);

    body = event("evt_422", "payment.succeeded", p.id, p.total - 1);
    cr_expect_eq(deliver(body, &r), 422, "%s", r.body);
    cr_expect_not_null(strstr(srvh_message(&r), "amount"), "%s", r.body);
    srvh_resp_clear(&r);
    free(body);
    expect_pending(p.id);

    const char *bad = "{\"id\":\"evt_400\",\"type\":\"payment.succeeded\",\"created\":1,"
                      "\"data\":{\"paymentId\":\"x\",\"orderId\":\"o\",\"amount\":\"12\","
                      "\"currency\":\"USD\"}}";
    cr_expect_eq(deliver(bad, &r), 400, "%s", r.body);
    json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
    cr_expect_str_eq(str_of(e, "field"), "data.amount", "%s", r.body);
    srvh_resp_clear(&r);

    const char *other = "{\"id\":\"evt_x\",\"type\":\"customer.created\",\"created\":1}";
    cr_expect_eq(deliver(other, &r), 200, "%s", r.body);
    cr_expect_str_eq(str_of(srvh_data(&r), "result"), "ignored", "%s", r.body);
    cr_expect(json_is_null(json_object_get(srvh_data(&r), "orderId")), "%s", r.body);
    srvh_resp_clear(&r);
    expect_pending(p.id);
}

Test(srv_webhook, without_a_secret_the_route_is_503)
{
    srvh_t plain;
    srvh_start(&plain, NULL, NULL);
    const char *body = "{\"id\":\"evt\",\"type\":\"payment.succeeded\",\"created\":1}";
    char hdr[200];
    signature(WEBHOOK_SECRET, (long long)time(NULL), body, hdr, sizeof hdr);
    srvh_resp_t r;
    cr_expect_eq(post_hook(&plain, hdr, body, &r), 503, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Payment webhooks are not configured");
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_stop(&plain, false), 0);
}

/* ---- racing /pay ---------------------------------------------------------------------- */

#define RACERS 8
#define RACE_ORDERS 5

typedef struct racer {
    pthread_barrier_t *gate;
    const char *base;
    const char *path;            /* /pay or the webhook */
    const char *auth;            /* "Authorization: Bearer ..." or "X-Signature: ..." */
    const char *body;
    long status;
} racer_t;

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p, (void)ud;
    return size * n;
}

static void *race(void *arg)
{
    racer_t *r = arg;
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "%s%s", r->base, r->path);
    struct curl_slist *h = curl_slist_append(NULL, r->auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    r->status = -1;
    if (c) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    }
    pthread_barrier_wait(r->gate);
    if (c && curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

Test(srv_webhook, pay_racing_webhooks_confirms_the_order_once, .timeout = 120)
{
    char bearer[8300];
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", tok);
    for (int n = 0; n < RACE_ORDERS; n++) {
        placed_t p = place_deferred();
        char evt[32], pay_path[256], sig[200];
        snprintf(evt, sizeof evt, "evt_race_%d", n);
        snprintf(pay_path, sizeof pay_path, "/api/v1/orders/%s/pay", p.id);
        char *body = event(evt, "payment.succeeded", p.id, p.total);
        signature(WEBHOOK_SECRET, (long long)time(NULL), body, sig, sizeof sig);
        pthread_barrier_t gate;
        cr_assert_eq(pthread_barrier_init(&gate, NULL, RACERS), 0);
        racer_t r[RACERS];
        pthread_t t[RACERS];
        for (int i = 0; i < RACERS; i++) {
            bool hook = i % 2;
            r[i] = (racer_t){.gate = &gate, .base = srv.base, .path = hook ? WEBHOOK : pay_path,
                             .auth = hook ? sig : bearer, .body = hook ? body : "{}"};
            cr_assert_eq(pthread_create(&t[i], NULL, race, &r[i]), 0);
        }
        for (int i = 0; i < RACERS; i++)
            pthread_join(t[i], NULL);
        pthread_barrier_destroy(&gate);
        free(body);
        for (int i = 0; i < RACERS; i++) {
            if (i % 2)
                cr_expect_eq(r[i].status, 200, "order %d webhook %d: %ld", n, i, r[i].status);
            else
                cr_expect(r[i].status == 200 || r[i].status == 409, "order %d pay %d: %ld", n, i,
                          r[i].status);
        }
        char st[32], ps[32];
        order_state(p.id, st, ps, sizeof st);
        cr_expect_str_eq(st, "confirmed", "order %d", n);
        cr_expect_str_eq(ps, "paid", "order %d", n);
        cr_expect_eq(moves_to(p.id, "confirmed"), 1, "order %d confirmed more than once", n);
    }
}

/* ---- limits --------------------------------------------------------------------------- */

Test(srv_webhook, the_route_is_rate_limited_and_size_limited)
{
    srvh_t lim;
    const char *extra[] = {"--payment-webhook-secret", WEBHOOK_SECRET, "--rate-limit-admin", "3",
                           NULL};
    srvh_start(&lim, NULL, extra);
    const char *body = "{\"id\":\"evt_lim\",\"type\":\"ping\",\"created\":1}";
    char hdr[200];
    signature(WEBHOOK_SECRET, (long long)time(NULL), body, hdr, sizeof hdr);
    srvh_resp_t r;
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(post_hook(&lim, hdr, body, &r), 200, "call %d: %s", i, r.body);
        srvh_resp_clear(&r);
    }
    cr_expect_eq(post_hook(&lim, hdr, body, &r), 429, "%s", r.body);
    char retry[32];
    cr_expect(srvh_header(&r, "Retry-After", retry, sizeof retry));
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_stop(&lim, false), 0);

    /* 64 KiB and more: 413 before the signature is looked at */
    size_t n = 70 * 1024;
    char *big = malloc(n + 1);
    cr_assert_not_null(big);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    cr_expect_eq(post_hook(&srv, "X-Signature: t=1,v1=00", big, &r), 413, "%s", r.body);
    srvh_resp_clear(&r);
    free(big);
}
