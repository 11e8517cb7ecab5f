/*
 * gateway/http.c - the HTTP payment gateway: a REST gateway spoken to with
 * libcurl (orders/gateway_http.h; the contract is docs/integrations.md,
 * "Payment gateway").
 *
 * Layout: options and the handle; requests and the answers' validation;
 * authorize (create, look up, create again, capture); the other members.
 * The HTTP exchange itself (pool, attempts, retries, error mapping) is
 * net/http_call.c, shared with the other HTTP backends.  Every JSON body is
 * built and read with jansson; every field of an answer is checked before
 * it is used, and a payment that does not match the order it is for is
 * ORDERS_E_BACKEND, never an approval.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include <orders/gateway_http.h>

#include "core/internal.h"
#include "net/http_call.h"

#define GW_SERVICE "Payment gateway"
#define GW_KEY_MAX (ORDERS_ID_MAX + 64)          /* an idempotency key, bytes */
#define GW_PATH_MAX (GW_KEY_MAX * 3 + 64)        /* a path with an escaped id or key */
#define GW_MESSAGE_MAX 200                       /* the gateway's own messages, bytes */

typedef struct http_gateway {
    orders__http_t *http;         /* the gateway (net/http_call.h) */
    char *api_key;                /* kept only to drop messages that echo it */
    int retries;
    int rounds;
} http_gateway_t;

/* A payment object of the contract, checked against the payment asked for. */
typedef enum pay_state {
    PAY_SUCCEEDED, PAY_PENDING, PAY_REQUIRES_CAPTURE, PAY_FAILED, PAY_CANCELED
} pay_state_t;

typedef struct gw_payment {
    char id[ORDERS_ID_MAX + 1];
    pay_state_t state;
    char message[128];            /* failureMessage, or "" */
} gw_payment_t;

/* ---- options and the handle ------------------------------------------------------- */

orders_gateway_http_options_t orders_gateway_http_options_default(void)
{
    return (orders_gateway_http_options_t){
        .base_url = NULL,
        .api_key = NULL,
        .timeout_ms = 5000,
        .retries = 2,
        .retry_backoff_ms = 100,
        .lookup_rounds = 3,
    };
}

static orders_code_t bad_option(orders_error_t *err, const char *what)
{
    return orders_error_set(err, ORDERS_E_INVALID, "gateway", "HTTP gateway: %s", what);
}

static orders_code_t check_options(const orders_gateway_http_options_t *o, orders_error_t *err)
{
    if (!o)
        return bad_option(err, "options are required");
    if (!o->api_key || !*o->api_key)
        return bad_option(err, "api_key is required");
    for (const char *k = o->api_key; *k; k++)
        if ((unsigned char)*k <= ' ' || *k == 0x7f)
            return bad_option(err, "api_key contains a space or a control character");
    /* base_url, timeout and retries: orders__http_new */
    if (o->lookup_rounds < 1 || o->lookup_rounds > 10)
        return bad_option(err, "lookup_rounds must be within 1..10");
    return ORDERS_OK;
}

void orders_gateway_http_free(void *ud)
{
    http_gateway_t *g = ud;
    if (!g)
        return;
    orders__http_free(g->http);
    free(g->api_key);
    free(g);
}

orders_code_t orders_gateway_http_new(const orders_gateway_http_options_t *opts, void **ud,
                                      orders_error_t *err)
{
    if (!ud)
        return bad_option(err, "ud is required");
    *ud = NULL;
    orders_code_t rc = check_options(opts, err);
    if (rc)
        return rc;
    const orders__http_options_t ho = {
        .label = "HTTP gateway", .field = "gateway", .service = GW_SERVICE,
        .base_url = opts->base_url, .service_key = opts->api_key,
        .key_format = "Authorization: Bearer %s", .timeout_ms = opts->timeout_ms,
        .retries = opts->retries, .retry_backoff_ms = opts->retry_backoff_ms,
    };
    orders__http_t *http = NULL;
    if ((rc = orders__http_new(&ho, &http, err)) != ORDERS_OK)
        return rc;
    http_gateway_t *g = calloc(1, sizeof *g);
    if (!g || !(g->api_key = orders__strdup(opts->api_key))) {
        free(g);
        orders__http_free(http);
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    }
    g->http = http;
    g->retries = opts->retries;
    g->rounds = opts->lookup_rounds;
    *ud = g;
    return ORDERS_OK;
}

/* ---- requests ------------------------------------------------------------------------ */

/* "/v1/payments/" + escaped id + suffix into buf. */
static orders_code_t payment_path(char *buf, size_t len, const char *id, const char *suffix,
                                  orders_error_t *err)
{
    char *escaped = curl_easy_escape(NULL, id, 0);
    if (!escaped)
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    int n = snprintf(buf, len, "/v1/payments/%s%s", escaped, suffix);
    curl_free(escaped);
    if (n < 0 || (size_t)n >= len)
        return orders_error_set(err, ORDERS_E_INVALID, "txnId", "payment id too long");
    return ORDERS_OK;
}

/* One call: method and path, body (NULL: none), the Idempotency-Key (NULL:
 * none), retries.  The results of orders__http_request. */
static orders_code_t gw_call(http_gateway_t *g, const char *method, const char *what,
                             const char *path, const json_t *body, const char *key, int retries,
                             long *status, json_t **answer, orders_error_t *err)
{
    char line[GW_KEY_MAX + 32];
    const char *headers[2] = {NULL, NULL};
    if (key) {
        if ((size_t)snprintf(line, sizeof line, "Idempotency-Key: %s", key) >= sizeof line)
            return orders_error_set(err, ORDERS_E_INVALID, "Idempotency-Key", "key too long");
        headers[0] = line;
    }
    orders__http_request_t req = {.method = method, .what = what, .path = path, .body = body,
                                  .retries = retries, .id_field = "txnId", .headers = headers};
    return orders__http_request(g->http, &req, status, answer, err);
}

/* The gateway's message of an error answer ({"error": {"message"}}, or a
 * top-level "message") into buf; "" when there is none or it holds the key. */
static void gateway_message(const http_gateway_t *g, const json_t *answer, char *buf, size_t len)
{
    const json_t *e = json_object_get(answer, "error");
    const char *m = json_is_object(e) ? orders__http_str(e, "message", GW_MESSAGE_MAX) : NULL;
    if (!m && json_is_object(answer))
        m = orders__http_str(answer, "message", GW_MESSAGE_MAX);
    if (m && strstr(m, g->api_key))
        m = NULL;
    snprintf(buf, len, "%s", m ? m : "");
}

/* ORDERS_E_BACKEND (or code) for an answer that is none of the call's own. */
static orders_code_t gw_refused(const http_gateway_t *g, orders_code_t code, const char *what,
                                long status, const json_t *answer, orders_error_t *err)
{
    char msg[GW_MESSAGE_MAX + 1];
    gateway_message(g, answer, msg, sizeof msg);
    return orders_error_set(err, code, NULL, "%s: %s: HTTP %ld%s%s", GW_SERVICE, what, status,
                            msg[0] ? ": " : "", msg);
}

static bool parse_state(const char *s, pay_state_t *out)
{
    static const char *const names[] = {"succeeded", "pending", "requires_capture", "failed",
                                        "canceled"};
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (pay_state_t)i;
            return true;
        }
    return false;
}

/* Reads payment object d into *out and checks that it is the payment of p
 * (order id, amount, currency). */
static orders_code_t parse_payment(const http_gateway_t *g, const char *what, const json_t *d,
                                   const orders_payment_t *p, gw_payment_t *out,
                                   orders_error_t *err)
{
    const char *id = orders__http_str(d, "id", ORDERS_ID_MAX);
    if (!id)
        return orders__http_malformed(g->http, err, what, "id");
    if (!parse_state(orders__http_str(d, "status", 32), &out->state))
        return orders__http_malformed(g->http, err, what, "status");
    int64_t amount = -1;
    const char *cur = orders__http_str(d, "currency", 3);
    const char *order = orders__http_str(d, "orderId", ORDERS_ID_MAX);
    if (!orders__http_count(d, "amount", &amount))
        return orders__http_malformed(g->http, err, what, "amount");
    if (!cur || !order)
        return orders__http_malformed(g->http, err, what, !cur ? "currency" : "orderId");
    const char *diff = strcmp(order, p->order_id) != 0                ? "orderId"
                       : amount != p->amount.amount                   ? "amount"
                       : strcmp(cur, p->amount.currency) != 0         ? "currency"
                                                                      : NULL;
    if (diff)
        return orders_error_set(err, ORDERS_E_BACKEND, NULL,
                                "%s: %s: payment %s does not match the order (%s)", GW_SERVICE,
                                what, id, diff);
    snprintf(out->id, sizeof out->id, "%s", id);
    const char *fm = orders__http_str(d, "failureMessage", GW_MESSAGE_MAX);
    snprintf(out->message, sizeof out->message, "%s",
             fm && !strstr(fm, g->api_key) ? fm : "");
    return ORDERS_OK;
}

/* The outcome of a payment for the core.  requires_capture is pending:
 * nothing has been taken yet. */
static void report(const gw_payment_t *pay, orders_pay_result_t *res)
{
    memset(res, 0, sizeof *res);
    snprintf(res->txn_id, sizeof res->txn_id, "%s", pay->id);
    switch (pay->state) {
    case PAY_SUCCEEDED:
        res->outcome = ORDERS_PAY_APPROVED;
        res->money_taken = true;
        break;
    case PAY_PENDING:
    case PAY_REQUIRES_CAPTURE:
        res->outcome = ORDERS_PAY_PENDING;
        break;
    case PAY_FAILED:
    case PAY_CANCELED:
        res->outcome = ORDERS_PAY_DECLINED;
        snprintf(res->message, sizeof res->message, "%s",
                 pay->message[0]                ? pay->message
                 : pay->state == PAY_CANCELED   ? "Payment canceled"
                                                : "Payment declined");
        break;
    }
}

/* A payment the core may ask about: order id, key and a positive amount. */
static orders_code_t check_payment(const orders_payment_t *p, bool need_key, orders_error_t *err)
{
    if (!p->order_id || !*p->order_id || strlen(p->order_id) > ORDERS_ID_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "orderId", "invalid order id");
    if (need_key && (!p->idempotency_key || !*p->idempotency_key ||
                     strlen(p->idempotency_key) > GW_KEY_MAX))
        return orders_error_set(err, ORDERS_E_INVALID, "Idempotency-Key",
                                "an idempotency key of 1 to %d bytes is required", GW_KEY_MAX);
    if (p->amount.amount <= 0)
        return orders_error_set(err, ORDERS_E_INVALID, "amount", "amount must be positive");
    return ORDERS_OK;
}

/* ---- reading payments ---------------------------------------------------------------- */

/* GET /v1/payments?idempotencyKey=KEY: ORDERS_E_NOT_FOUND when the gateway
 * never saw the key. */
static orders_code_t lookup(http_gateway_t *g, const orders_payment_t *p, gw_payment_t *out,
                            orders_error_t *err)
{
    static const char what[] = "look up payment";
    char *escaped = curl_easy_escape(NULL, p->idempotency_key, 0);
    if (!escaped)
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    char path[GW_PATH_MAX];
    int n = snprintf(path, sizeof path, "/v1/payments?idempotencyKey=%s", escaped);
    curl_free(escaped);
    if (n < 0 || (size_t)n >= sizeof path)
        return orders_error_set(err, ORDERS_E_INVALID, "Idempotency-Key", "key too long");
    long status = 0;
    json_t *answer = NULL;
    orders_code_t rc = gw_call(g, "GET", what, path, NULL, NULL, g->retries, &status, &answer, err);
    const json_t *data = json_object_get(answer, "data");
    if (rc == ORDERS_OK && status != 200)
        rc = gw_refused(g, ORDERS_E_BACKEND, what, status, answer, err);
    else if (rc == ORDERS_OK && !json_is_array(data))
        rc = orders__http_malformed(g->http, err, what, "data");
    else if (rc == ORDERS_OK && json_array_size(data) == 0)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, NULL, "%s: no payment for this order",
                              GW_SERVICE);
    else if (rc == ORDERS_OK)
        rc = parse_payment(g, what, json_array_get(data, 0), p, out, err);
    json_decref(answer);
    return rc;
}

/* GET /v1/payments/:id: ORDERS_E_NOT_FOUND on a 404. */
static orders_code_t get_payment(http_gateway_t *g, const orders_payment_t *p, gw_payment_t *out,
                                 orders_error_t *err)
{
    static const char what[] = "get payment";
    char path[GW_PATH_MAX];
    orders_code_t rc = payment_path(path, sizeof path, p->txn_id, "", err);
    if (rc)
        return rc;
    long status = 0;
    json_t *answer = NULL;
    rc = gw_call(g, "GET", what, path, NULL, NULL, g->retries, &status, &answer, err);
    if (rc == ORDERS_OK && status == 404)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, NULL, "%s: no such payment", GW_SERVICE);
    else if (rc == ORDERS_OK && status != 200)
        rc = gw_refused(g, ORDERS_E_BACKEND, what, status, answer, err);
    else if (rc == ORDERS_OK)
        rc = parse_payment(g, what, answer, p, out, err);
    json_decref(answer);
    return rc;
}

/* ---- authorize ----------------------------------------------------------------------- */

/*
 * POST /v1/payments, one attempt.  ORDERS_OK with *out; ORDERS_E_DECLINED
 * for a 402 (out->message says why); ORDERS_E_UNAVAILABLE when the outcome
 * is unknown (no answer, a transient status, or a 2xx that cannot be read);
 * else the error.
 */
static orders_code_t create(http_gateway_t *g, const orders_payment_t *p, gw_payment_t *out,
                            orders_error_t *err)
{
    static const char what[] = "create payment";
    json_t *body = json_pack("{s:I, s:s, s:s, s:s?, s:b}", "amount", (json_int_t)p->amount.amount,
                             "currency", p->amount.currency, "orderId", p->order_id,
                             "customerId", p->customer_id, "capture", 1);
    if (!body)
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    long status = 0;
    json_t *answer = NULL;
    orders_code_t rc = gw_call(g, "POST", what, "/v1/payments", body, p->idempotency_key, 0,
                               &status, &answer, err);
    json_decref(body);
    if (rc == ORDERS_OK && status == 402) {
        memset(out, 0, sizeof *out);
        gateway_message(g, answer, out->message, sizeof out->message);
        rc = ORDERS_E_DECLINED;
    } else if (rc == ORDERS_OK && status != 200 && status != 201) {
        rc = gw_refused(g, ORDERS_E_BACKEND, what, status, answer, err);
    } else if (rc == ORDERS_OK && !json_is_object(answer)) {
        rc = orders_error_set(err, ORDERS_E_UNAVAILABLE, NULL,
                              "%s: %s: an answer that is not JSON", GW_SERVICE, what);
    } else if (rc == ORDERS_OK) {
        rc = parse_payment(g, what, answer, p, out, err);
    }
    json_decref(answer);
    return rc;
}

/* POST /v1/payments/:id/capture with key; *pay becomes the answer. */
static orders_code_t capture(http_gateway_t *g, const orders_payment_t *p, const char *key,
                             gw_payment_t *pay, orders_error_t *err)
{
    static const char what[] = "capture payment";
    char path[GW_PATH_MAX];
    orders_code_t rc = payment_path(path, sizeof path, pay->id, "/capture", err);
    if (rc)
        return rc;
    long status = 0;
    json_t *answer = NULL;
    rc = gw_call(g, "POST", what, path, NULL, key, g->retries, &status, &answer, err);
    if (rc == ORDERS_OK && status == 402) {
        gateway_message(g, answer, pay->message, sizeof pay->message);
        pay->state = PAY_FAILED;
    } else if (rc == ORDERS_OK && status != 200 && status != 201) {
        rc = gw_refused(g, status == 409 ? ORDERS_E_CONFLICT : ORDERS_E_BACKEND, what, status,
                        answer, err);
    } else if (rc == ORDERS_OK) {
        rc = parse_payment(g, what, answer, p, pay, err);
    }
    json_decref(answer);
    return rc;
}

/* Creates the payment of p, or finds it after an unknown outcome (see the
 * header): ORDERS_OK with *pay, ORDERS_E_DECLINED for a 402, or an error. */
static orders_code_t create_or_find(http_gateway_t *g, const orders_payment_t *p,
                                    gw_payment_t *pay, orders_error_t *err)
{
    orders_code_t rc = ORDERS_E_UNAVAILABLE;
    for (int round = 0; round < g->rounds; round++) {
        rc = create(g, p, pay, err);
        if (rc != ORDERS_E_UNAVAILABLE)
            return rc;
        rc = lookup(g, p, pay, err);      /* did the lost create happen? */
        if (rc != ORDERS_E_NOT_FOUND)
            return rc;                    /* found it, or the gateway is unreachable */
    }
    return orders_error_set(err, ORDERS_E_UNAVAILABLE, NULL,
                            "%s unavailable: create payment did not answer in %d attempt(s)",
                            GW_SERVICE, g->rounds);
}

static orders_code_t http_authorize(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                                    orders_pay_result_t *res, orders_error_t *err)
{
    (void)ctx;
    http_gateway_t *g = ud;
    orders_code_t rc = check_payment(p, true, err);
    gw_payment_t pay = {0};
    if (rc == ORDERS_OK)
        rc = create_or_find(g, p, &pay, err);
    if (rc == ORDERS_E_DECLINED) {
        pay.state = PAY_FAILED;
        rc = ORDERS_OK;
    }
    if (rc == ORDERS_OK && pay.state == PAY_REQUIRES_CAPTURE) {
        char key[GW_KEY_MAX + 1];
        orders__pay_key(key, sizeof key, "capture", p->order_id);
        rc = capture(g, p, key, &pay, err);
    }
    if (rc == ORDERS_OK)
        report(&pay, res);
    return rc;
}

/* ---- the other members --------------------------------------------------------------- */

static orders_code_t http_capture(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                                  orders_pay_result_t *res, orders_error_t *err)
{
    (void)ctx;
    orders_code_t rc = check_payment(p, false, err);
    if (rc)
        return rc;
    if (!p->txn_id || !*p->txn_id)
        return orders_error_set(err, ORDERS_E_CONFLICT, "txnId", "no payment to capture");
    char key[GW_KEY_MAX + 1];
    orders__pay_key(key, sizeof key, "capture", p->order_id);
    gw_payment_t pay = {0};
    snprintf(pay.id, sizeof pay.id, "%s", p->txn_id);
    rc = capture(ud, p, p->idempotency_key ? p->idempotency_key : key, &pay, err);
    if (rc == ORDERS_OK)
        report(&pay, res);
    return rc;
}

static orders_code_t http_status(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                                 orders_pay_result_t *res, orders_error_t *err)
{
    (void)ctx;
    http_gateway_t *g = ud;
    bool by_id = p->txn_id && *p->txn_id;
    orders_code_t rc = check_payment(p, !by_id, err);
    gw_payment_t pay = {0};
    if (rc == ORDERS_OK)
        rc = by_id ? get_payment(g, p, &pay, err) : lookup(g, p, &pay, err);
    if (rc == ORDERS_OK)
        report(&pay, res);
    return rc;
}

static orders_code_t http_void(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                               orders_error_t *err)
{
    static const char what[] = "void payment";
    (void)ctx;
    http_gateway_t *g = ud;
    orders_code_t rc = check_payment(p, false, err);
    if (rc == ORDERS_OK && (!p->txn_id || !*p->txn_id))
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "txnId", "no payment to void");
    char path[GW_PATH_MAX], key[GW_KEY_MAX + 1];
    if (rc == ORDERS_OK)
        rc = payment_path(path, sizeof path, p->txn_id, "/void", err);
    if (rc)
        return rc;
    orders__pay_key(key, sizeof key, "void", p->order_id);
    long status = 0;
    json_t *answer = NULL;
    gw_payment_t pay = {0};
    rc = gw_call(g, "POST", what, path, NULL, p->idempotency_key ? p->idempotency_key : key,
                 g->retries, &status, &answer, err);
    if (rc == ORDERS_OK && (status == 404 || status == 409))
        rc = gw_refused(g, status == 404 ? ORDERS_E_NOT_FOUND : ORDERS_E_CONFLICT, what, status,
                        answer, err);
    else if (rc == ORDERS_OK && status != 200)
        rc = gw_refused(g, ORDERS_E_BACKEND, what, status, answer, err);
    else if (rc == ORDERS_OK && (rc = parse_payment(g, what, answer, p, &pay, err)) == ORDERS_OK &&
             pay.state != PAY_CANCELED)
        rc = orders_error_set(err, ORDERS_E_CONFLICT, NULL, "%s: %s: the payment was not voided",
                              GW_SERVICE, what);
    json_decref(answer);
    return rc;
}

/* A refund object {id, paymentId, status, amount} for the refund of p. */
static orders_code_t parse_refund(const http_gateway_t *g, const json_t *d,
                                  const orders_payment_t *p, orders_pay_result_t *res,
                                  orders_error_t *err)
{
    static const char what[] = "refund payment";
    const char *id = orders__http_str(d, "id", ORDERS_ID_MAX);
    const char *pid = orders__http_str(d, "paymentId", ORDERS_ID_MAX);
    const char *st = orders__http_str(d, "status", 32);
    int64_t amount = -1;
    if (!id || !pid || !st || !orders__http_count(d, "amount", &amount))
        return orders__http_malformed(g->http, err, what, !id ? "id" : !pid ? "paymentId"
                                                          : !st ? "status" : "amount");
    if (strcmp(pid, p->txn_id) != 0 || amount != p->amount.amount)
        return orders_error_set(err, ORDERS_E_BACKEND, NULL,
                                "%s: %s: refund %s does not match the request", GW_SERVICE, what,
                                id);
    memset(res, 0, sizeof *res);
    snprintf(res->txn_id, sizeof res->txn_id, "%s", id);
    if (strcmp(st, "succeeded") == 0) {
        res->outcome = ORDERS_PAY_APPROVED;
    } else if (strcmp(st, "failed") == 0) {
        res->outcome = ORDERS_PAY_DECLINED;
        const char *fm = orders__http_str(d, "failureMessage", GW_MESSAGE_MAX);
        snprintf(res->message, sizeof res->message, "%s",
                 fm && !strstr(fm, g->api_key) ? fm : "Refund declined");
    } else {
        return orders__http_malformed(g->http, err, what, "status");
    }
    return ORDERS_OK;
}

static orders_code_t http_refund(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                                 orders_pay_result_t *res, orders_error_t *err)
{
    static const char what[] = "refund payment";
    (void)ctx;
    http_gateway_t *g = ud;
    orders_code_t rc = check_payment(p, true, err);
    if (rc == ORDERS_OK && (!p->txn_id || !*p->txn_id))
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "txnId", "no payment to refund");
    char path[GW_PATH_MAX];
    if (rc == ORDERS_OK)
        rc = payment_path(path, sizeof path, p->txn_id, "/refunds", err);
    json_t *body = rc == ORDERS_OK ? json_pack("{s:I, s:s}", "amount",
                                               (json_int_t)p->amount.amount, "currency",
                                               p->amount.currency)
                                   : NULL;
    if (rc == ORDERS_OK && !body)
        rc = orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    if (rc)
        return rc;
    long status = 0;
    json_t *answer = NULL;
    rc = gw_call(g, "POST", what, path, body, p->idempotency_key, g->retries, &status, &answer,
                 err);
    json_decref(body);
    if (rc == ORDERS_OK && status == 402) {
        memset(res, 0, sizeof *res);
        res->outcome = ORDERS_PAY_DECLINED;
        gateway_message(g, answer, res->message, sizeof res->message);
    } else if (rc == ORDERS_OK && (status == 404 || status == 409 || status == 422)) {
        rc = gw_refused(g, status == 404 ? ORDERS_E_NOT_FOUND : ORDERS_E_CONFLICT, what, status,
                        answer, err);
    } else if (rc == ORDERS_OK && status != 200 && status != 201) {
        rc = gw_refused(g, ORDERS_E_BACKEND, what, status, answer, err);
    } else if (rc == ORDERS_OK) {
        rc = parse_refund(g, answer, p, res, err);
    }
    json_decref(answer);
    return rc;
}

static const orders_gateway_vtable_t http_gateway_vtable = {
    .version = ORDERS_GATEWAY_VERSION,
    .name = "http",
    .authorize = http_authorize,
    .capture = http_capture,
    .void_payment = http_void,
    .refund = http_refund,
    .status = http_status,
};

const orders_gateway_vtable_t *orders_gateway_http_vtable(void)
{
    return &http_gateway_vtable;
}

orders_code_t orders_gateway_http_probe(void *ud, int64_t *latency_us, orders_error_t *err)
{
    const http_gateway_t *g = ud;
    return orders__http_probe(g->http, "/health", latency_us, err);
}
