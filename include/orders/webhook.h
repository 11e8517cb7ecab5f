/*
 * orders/webhook.h - signed payment-gateway callbacks ("webhooks").
 *
 * A gateway reports the final answer for a payment by POSTing a JSON event
 * to the shop, signed with a secret both sides share:
 *
 *     X-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]
 *
 * where <hex> is the lowercase hex HMAC-SHA256, keyed with the secret, of
 * the bytes "<t>.<raw body>" (t exactly as it appears in the header, one
 * '.', then the body byte for byte).  Several v1 entries may be present
 * while a gateway rotates its secret: one match is enough.  Other keys
 * ("v0=...") are ignored.  The signature is compared in constant time and
 * t must be within the tolerance of the receiver's clock, either way, so a
 * captured callback cannot be replayed later.
 *
 * The event (docs/integrations.md, "Payment webhooks"):
 *
 *     {"id": "evt_...", "type": "payment.succeeded" | "payment.failed",
 *      "created": <unix s>,
 *      "data": {"paymentId": "...", "orderId": "...", "amount": <minor units>,
 *               "currency": "USD", "failureMessage"?: "..."}}
 *
 * Available when the library is built with libcrypto (ORDERS_HAVE_CRYPTO is
 * then defined for users, by the CMake package and by liborders.pc); the
 * declarations are always here.
 *
 * Thread-safety: every call may run concurrently, on one context or many.
 * orders_payment_webhook settles races on one order by the order's version
 * (payment.h): a webhook racing the customer's orders_order_pay confirms
 * the order once, and the gateway is charged once.
 * Ownership: every string argument is borrowed for the call only.
 */
#ifndef ORDERS_WEBHOOK_H
#define ORDERS_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include <orders/context.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Seconds a signature's t may differ from now (either way) by default. */
#define ORDERS_WEBHOOK_TOLERANCE_DEFAULT 300
/* Room for a signature header with one v1 entry, NUL included. */
#define ORDERS_WEBHOOK_SIGNATURE_MAX 96
/* Event types orders_payment_webhook applies; any other is ignored. */
#define ORDERS_WEBHOOK_PAYMENT_SUCCEEDED "payment.succeeded"
#define ORDERS_WEBHOOK_PAYMENT_FAILED "payment.failed"

/*
 * Checks signature_header (the X-Signature value; NULL: missing) for the
 * len bytes of body (NULL allowed when len is 0) with secret (NUL-ended,
 * non-empty) at now_s (unix seconds), allowing tolerance_s (<= 0: the
 * default) of clock difference.
 * ORDERS_OK, or ORDERS_E_UNAUTHORIZED with field "X-Signature" and a message
 * saying which check failed: missing, malformed, timestamp outside the
 * tolerance, or no matching signature.  The message never contains the
 * expected signature or the secret.  ORDERS_E_INVALID (field "secret") for
 * a NULL or empty secret, or one over 4096 bytes; ORDERS_E_NOMEM;
 * ORDERS_E_BACKEND if libcrypto fails.
 */
orders_code_t orders_webhook_verify(const char *secret, const char *signature_header,
                                    const char *body, size_t len, int64_t now_s,
                                    int64_t tolerance_s, orders_error_t *err);

/*
 * Writes the header value "t=<t>,v1=<hex>" that signs the len bytes of body
 * at time t with secret into buf (buflen bytes; ORDERS_WEBHOOK_SIGNATURE_MAX
 * is enough).  For tests and for gateway stubs.  ORDERS_E_INVALID (field
 * "secret", or "buf" when buflen is too small: buf is then ""), ORDERS_E_NOMEM.
 */
orders_code_t orders_webhook_sign(const char *secret, int64_t t, const char *body, size_t len,
                                  char *buf, size_t buflen, orders_error_t *err);

typedef struct orders_webhook_options {
    const char *secret;          /* the shared HMAC key; required, borrowed */
    int64_t tolerance_s;         /* <= 0: ORDERS_WEBHOOK_TOLERANCE_DEFAULT */
} orders_webhook_options_t;

typedef enum orders_webhook_outcome {
    ORDERS_WEBHOOK_APPLIED = 0,  /* this event settled the order (paid, or failed) */
    ORDERS_WEBHOOK_DUPLICATE,    /* the order was settled the same way already: no-op */
    ORDERS_WEBHOOK_IGNORED,      /* unknown type, or it contradicts a settled order */
    ORDERS_WEBHOOK_REFUNDED      /* a success for an order that had ended (expired,
                                  * failed, cancelled): the money was given back */
} orders_webhook_outcome_t;

/* What orders_payment_webhook did; filled on ORDERS_OK. */
typedef struct orders_webhook_result {
    orders_webhook_outcome_t outcome;
    char event_id[ORDERS_ID_MAX + 1];  /* the event's "id" */
    char type[64];                     /* the event's "type", cut to fit */
    char order_id[ORDERS_ID_MAX + 1];  /* "" for an ignored unknown type */
} orders_webhook_result_t;

/* "applied", "duplicate", "ignored", "refunded" (static). */
const char *orders_webhook_outcome_name(orders_webhook_outcome_t outcome);

/*
 * Handles one gateway callback: verifies the signature as
 * orders_webhook_verify at the context's clock, parses the event, and for a
 * payment.succeeded / payment.failed event checks that the order exists
 * (ORDERS_E_NOT_FOUND), is paid online (ORDERS_E_INVALID, field
 * "paymentMethod"), and that data.amount and data.currency equal its total
 * (ORDERS_E_INVALID, field "data.amount" / "data.currency"); then reports
 * the outcome as orders_payment_complete would, with data.paymentId as the
 * gateway's transaction id.
 *
 *   - success on a pending order: confirmed, paid, reservation converted
 *     (APPLIED); if the reservation had expired the order is cancelled and
 *     the money refunded (REFUNDED).
 *   - failure on a pending order: failed, reservation released (APPLIED).
 *   - the same answer for an order already settled that way: DUPLICATE,
 *     nothing written (the history is not appended again).
 *   - failure for an order that was paid: IGNORED (a webhook never un-pays
 *     an order).  Success for an order that had failed or was cancelled:
 *     the money is given back through the gateway (REFUNDED), as
 *     orders_payment_complete does.
 *   - an unknown type: IGNORED without looking at data (gateways send many
 *     kinds of events).
 * IGNORED and DUPLICATE are ORDERS_OK, so the gateway stops retrying.
 *
 * A malformed event is ORDERS_E_INVALID naming the field ("id", "type",
 * "created", "data.orderId", ...; "body" when it is not a JSON object).
 * Nothing changes on any failure, except that a follow-up of a committed
 * outcome may fail (ORDERS_E_UNAVAILABLE ...) as in payment.h.
 *
 * res (may be NULL) is filled once the event is verified and parsed, also
 * when a later check fails (its outcome is meaningful on ORDERS_OK only).
 * *out (may be NULL) is set to NULL first, then to a new copy of the order
 * as it is after the call: on ORDERS_OK (NULL for an ignored unknown type),
 * and on a refusal because the event does not match the order
 * (ORDERS_E_INVALID for paymentMethod, data.amount, data.currency: the
 * order unchanged), which is how a caller tells such a mismatch from a
 * malformed event (*out NULL).  Free it with orders_order_free whenever it
 * is non-NULL, whatever the code.
 */
orders_code_t orders_payment_webhook(orders_ctx_t *ctx, const orders_webhook_options_t *opts,
                                     const char *signature_header, const char *body, size_t len,
                                     orders_webhook_result_t *res, orders_order_t **out,
                                     orders_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_WEBHOOK_H */
