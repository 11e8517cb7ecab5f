/*
 * orders/gateway_http.h - the HTTP payment gateway: online payments taken
 * by a REST gateway (gateway.h, version 1), spoken to with libcurl.
 *
 * The contract it speaks is written down in docs/integrations.md
 * ("Payment gateway"):
 *     POST /v1/payments                    authorize (create, capture: true)
 *     POST /v1/payments/:id/capture        capture (manual-capture gateways)
 *     POST /v1/payments/:id/void           void_payment
 *     POST /v1/payments/:id/refunds        refund
 *     GET  /v1/payments/:id                status (txn id known)
 *     GET  /v1/payments?idempotencyKey=K   status (txn id unknown), and the
 *                                          look-up after a lost answer
 * Every request carries "Authorization: Bearer <api_key>"; every POST
 * carries an Idempotency-Key: the core's "pay:ORDERID" for the payment,
 * "capture:ORDERID" for its capture, "void:ORDERID" for a void without a
 * key, and the core's refund keys.  Bodies are JSON (jansson); money is
 * int64 minor units plus an ISO-4217 code.
 *
 * Charging exactly once.  The create call is never retried blindly: when
 * its outcome is unknown (refused connection, timeout, 5xx, 408, 429, or a
 * 2xx that cannot be read) the backend looks the payment up by its
 * idempotency key (a GET, retried up to `retries` times).  Found: its
 * status is the answer.  Not found: the create is sent again with the same
 * key (safe: the gateway answers a repeated key with the first payment),
 * at most lookup_rounds creates in all.  A look-up that itself cannot
 * reach the gateway, or rounds that run out, give ORDERS_E_UNAVAILABLE:
 * the outcome is unknown, the core keeps the order pending and settles it
 * later through status().  A payment in "requires_capture" (a gateway that
 * separates authorize and capture) is captured at once with
 * "capture:ORDERID".  Capture, void, refund and the GETs are idempotent and
 * retried like the other HTTP backends (refused, timeout, 5xx, 408, 429;
 * retry_backoff_ms, doubled after each).
 *
 * Outcomes: succeeded -> ORDERS_PAY_APPROVED (money_taken, txn_id = the
 * gateway's payment id); pending -> ORDERS_PAY_PENDING; failed, canceled,
 * or a 402 -> ORDERS_PAY_DECLINED with the gateway's message.  status()
 * reports a payment still in "requires_capture" as PENDING (nothing is
 * taken yet; a void stops it, a new authorize captures it).
 *
 * Errors, as the core sees them (the server answers 503 for the first):
 *   ORDERS_E_UNAVAILABLE  the outcome is unknown after the look-ups and
 *                         retries (the message names the call, never the key);
 *   ORDERS_E_NOT_FOUND    status: the gateway never saw the payment; void
 *                         or refund: no such payment (404);
 *   ORDERS_E_CONFLICT     void of a captured payment, a refund the gateway
 *                         refuses with 409/422 (more than was captured), a
 *                         refund or capture without a txn id;
 *   ORDERS_E_BACKEND      401 (a wrong key), any other 4xx, an answer that
 *                         is not the contract's JSON, or a payment that does
 *                         not match the order (orderId, amount, currency):
 *                         such a payment is never approved;
 *   ORDERS_E_INVALID      a payment without order id, key or a positive amount;
 *   ORDERS_E_NOMEM.
 * No message ever contains the API key (the gateway's own messages are
 * dropped if they echo it).
 *
 * These declarations are always present; the functions exist only when the
 * library was built with libcurl (ORDERS_HAVE_CURL).  The first
 * orders_gateway_http_new of a process runs curl_global_init (once,
 * whatever the threads); the process keeps libcurl initialized.
 *
 * Threads: one handle may be used from any number of threads at once (a
 * small locked pool of curl handles; no other state changes after _new).
 * Ownership: orders_gateway_http_new gives a new handle in *ud, owned by the
 * caller until it is registered with orders_ctx_set_gateway (the context
 * then frees it with orders_gateway_http_free).  The options' strings are
 * copied.
 */
#ifndef ORDERS_GATEWAY_HTTP_H
#define ORDERS_GATEWAY_HTTP_H

#include <orders/gateway.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orders_gateway_http_options {
    const char *base_url;     /* required: "https://pay.example.com" (http or https;
                                 a trailing '/' is ignored; at most 512 bytes) */
    const char *api_key;      /* required: sent as "Authorization: Bearer <api_key>" */
    int timeout_ms;           /* per attempt, connect included: default 5000;
                                 10..120000 */
    int retries;              /* further attempts of a look-up, capture, void,
                                 refund or GET: default 2; 0..10 */
    int retry_backoff_ms;     /* wait before the first retry, doubled after each:
                                 default 100; 0..10000 */
    int lookup_rounds;        /* creates of one authorize at most: default 3; 1..10 */
} orders_gateway_http_options_t;

/* The defaults above (base_url and api_key NULL). */
orders_gateway_http_options_t orders_gateway_http_options_default(void);

/* The vtable (static; never freed).  Every member is set. */
const orders_gateway_vtable_t *orders_gateway_http_vtable(void);

/*
 * Checks opts and gives a new handle in *ud (NULL on failure).  Nothing is
 * sent: a gateway that is down shows on the first call.  Errors:
 * ORDERS_E_INVALID (field "gateway", the message names the option, never
 * the key's value) for a NULL opts or ud, a missing or non-http(s)
 * base_url, a missing api_key or one with a control character, or an option
 * out of range; ORDERS_E_BACKEND when libcurl cannot be initialized;
 * ORDERS_E_NOMEM.
 */
orders_code_t orders_gateway_http_new(const orders_gateway_http_options_t *opts, void **ud,
                                      orders_error_t *err);

/* Frees the handle and its curl handles.  Call it only when no other
 * thread uses the handle.  NULL is a harmless no-op. */
void orders_gateway_http_free(void *ud);

/* Health check: one GET /health to the gateway, no retry.  ORDERS_OK when
 * it answered 2xx, else ORDERS_E_UNAVAILABLE with the cause (never the
 * key).  *latency_us is how long it took either way.  Thread-safe. */
orders_code_t orders_gateway_http_probe(void *ud, int64_t *latency_us, orders_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_GATEWAY_HTTP_H */
