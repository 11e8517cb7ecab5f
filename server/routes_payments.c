/*
 * server/routes_payments.c - POST /api/v1/payments/webhook (API.md Part B):
 * the payment gateway's signed callback.
 *
 * No JWT and no service key: the X-Signature header (an HMAC of the raw
 * body with --payment-webhook-secret) is the credential, and the library
 * checks it (orders_payment_webhook, orders/webhook.h) together with every
 * rule about the event.  What lives here is HTTP: the secret from the
 * configuration, the raw body the dispatcher kept (r->raw), and the status
 * codes: 200 applied / duplicate / ignored / refunded, 401 signature, 400
 * malformed, 404 unknown order, 422 an event that does not match its order,
 * 503 without a secret.  The route is rate limited per client address like
 * the admin routes (SRV_SIGNED) and its body is limited like every other.
 *
 * Thread-safety: runs on CivetWeb worker threads; shares only the context.
 */
#include <civetweb.h>

#include "server.h"

#ifdef ORDERS_HAVE_CRYPTO
/* {result, eventId, orderId, status, paymentStatus}; the order may be NULL
 * (an ignored event of an unknown type). */
static json_t *webhook_data(const orders_webhook_result_t *res, const orders_order_t *o)
{
    json_t *data = json_pack("{s:s, s:s}", "result", orders_webhook_outcome_name(res->outcome),
                             "eventId", res->event_id);
    if (data == NULL)
        return NULL;
    json_object_set_new(data, "orderId", o ? json_string(o->id) : json_null());
    json_object_set_new(data, "status", o ? json_string(orders_status_name(o->status))
                                          : json_null());
    json_object_set_new(data, "paymentStatus",
                        o ? json_string(orders_payment_status_name(o->payment_status))
                          : json_null());
    return data;
}

static void payment_webhook(srv_req_t *r)
{
    const char *secret = r->srv->cfg.payment_webhook_secret;
    if (secret == NULL || secret[0] == '\0') {
        srv_fail(r, 503, "Payment webhooks are not configured");
        return;
    }
    orders_webhook_options_t opts = {.secret = secret,
                                     .tolerance_s = ORDERS_WEBHOOK_TOLERANCE_DEFAULT};
    orders_webhook_result_t res;
    orders_order_t *order = NULL;
    orders_error_t err;
    orders_code_t rc =
        orders_payment_webhook(r->ctx, &opts, mg_get_header(r->conn, "X-Signature"), r->raw,
                               r->raw_len, &res, &order, &err);
    if (rc == ORDERS_OK)
        srv_ok_data(r, 200, "Webhook processed", webhook_data(&res, order));
    else if (rc == ORDERS_E_INVALID && order != NULL) /* a well-formed event that does not
                                                       * match its order */
        srv_fail(r, 422, srv_client_message(rc, &err));
    else
        srv_fail_lib(r, rc, &err);
    orders_order_free(order);
}
#else
static void payment_webhook(srv_req_t *r)
{
    srv_fail(r, 503, "Payment webhooks are not configured (built without libcrypto)");
}
#endif

const srv_route_t srv_routes_payments[] = {
    {"POST", "/api/v1/payments/webhook", SRV_SIGNED, true, payment_webhook},
};
const size_t srv_routes_payments_count = sizeof srv_routes_payments / sizeof srv_routes_payments[0];
