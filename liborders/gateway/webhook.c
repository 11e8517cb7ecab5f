/*
 * gateway/webhook.c - applying a signed payment-gateway callback
 * (webhook.h): verify (webhook_sig.c), parse, check it against the order,
 * then report it through the payment core (core/payment.c), whose
 * version-checked step settles races with orders_order_pay.
 *
 * The rules of which events change an order live here, so that an
 * embedder gets what orders-server does.  No state of its own.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "../core/internal.h"

#define NOTE_MAX 160             /* history note of a failure, with the gateway's text */

/* The event's fields, borrowed from its JSON. */
typedef struct event {
    const char *id;
    const char *type;
    bool known;                  /* payment.succeeded or payment.failed */
    bool success;
    const char *payment_id;
    const char *order_id;
    int64_t amount;
    const char *currency;
    const char *failure_message; /* NULL when absent */
} event_t;

const char *orders_webhook_outcome_name(orders_webhook_outcome_t outcome)
{
    switch (outcome) {
    case ORDERS_WEBHOOK_APPLIED:
        return "applied";
    case ORDERS_WEBHOOK_DUPLICATE:
        return "duplicate";
    case ORDERS_WEBHOOK_IGNORED:
        return "ignored";
    case ORDERS_WEBHOOK_REFUNDED:
        return "refunded";
    }
    return "unknown";
}

static orders_code_t bad(orders_error_t *err, const char *field, const char *what)
{
    return orders_error_set(err, ORDERS_E_INVALID, field, "%s %s", field, what);
}

/* obj[key] as an id-like string (1..ORDERS_ID_MAX bytes). */
static orders_code_t get_id(json_t *obj, const char *key, const char *field, const char **out,
                            orders_error_t *err)
{
    json_t *v = json_object_get(obj, key);
    *out = json_string_value(v);
    if (*out == NULL || !orders__id_valid(*out) || strlen(*out) != json_string_length(v))
        return bad(err, field, "must be a string of 1 to 128 bytes, without NUL");
    return ORDERS_OK;
}

/* The payment fields of data. */
static orders_code_t parse_data(json_t *data, event_t *ev, orders_error_t *err)
{
    if (!json_is_object(data))
        return bad(err, "data", "must be an object");
    orders_code_t rc;
    if ((rc = get_id(data, "paymentId", "data.paymentId", &ev->payment_id, err)) ||
        (rc = get_id(data, "orderId", "data.orderId", &ev->order_id, err)))
        return rc;
    json_t *amount = json_object_get(data, "amount");
    if (!json_is_integer(amount) || json_integer_value(amount) < 0)
        return bad(err, "data.amount", "must be a whole number of minor units, >= 0");
    ev->amount = json_integer_value(amount);
    ev->currency = json_string_value(json_object_get(data, "currency"));
    if (ev->currency == NULL || strlen(ev->currency) != 3)
        return bad(err, "data.currency", "must be a 3-letter ISO 4217 code");
    json_t *msg = json_object_get(data, "failureMessage");
    if (msg != NULL && !json_is_string(msg) && !json_is_null(msg))
        return bad(err, "data.failureMessage", "must be a string");
    ev->failure_message = json_string_value(msg);
    return ORDERS_OK;
}

/* Parses the body into *root (the caller's, json_decref) and ev (borrowed
 * from *root). */
static orders_code_t parse_event(const char *body, size_t len, json_t **root, event_t *ev,
                                 orders_error_t *err)
{
    memset(ev, 0, sizeof *ev);
    json_error_t jerr;
    *root = len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!json_is_object(*root))
        return bad(err, "body", "must be a JSON object");
    orders_code_t rc = get_id(*root, "id", "id", &ev->id, err);
    if (rc)
        return rc;
    ev->type = json_string_value(json_object_get(*root, "type"));
    if (ev->type == NULL || ev->type[0] == '\0')
        return bad(err, "type", "must be a non-empty string");
    if (!json_is_integer(json_object_get(*root, "created")))
        return bad(err, "created", "must be a whole number of unix seconds");
    ev->success = strcmp(ev->type, ORDERS_WEBHOOK_PAYMENT_SUCCEEDED) == 0;
    ev->known = ev->success || strcmp(ev->type, ORDERS_WEBHOOK_PAYMENT_FAILED) == 0;
    return ev->known ? parse_data(json_object_get(*root, "data"), ev, err) : ORDERS_OK;
}

/* The event may act on o: paid online, for exactly its total. */
static orders_code_t check_order(const orders_order_t *o, const event_t *ev, orders_error_t *err)
{
    if (o->payment_method != ORDERS_METHOD_ONLINE)
        return orders_error_set(err, ORDERS_E_INVALID, "paymentMethod",
                                "the order is not paid online");
    if (strcmp(ev->currency, o->total_amount.currency) != 0)
        return orders_error_set(err, ORDERS_E_INVALID, "data.currency",
                                "data.currency is not the order's currency");
    if (ev->amount != o->total_amount.amount)
        return orders_error_set(err, ORDERS_E_INVALID, "data.amount",
                                "data.amount is not the order's total");
    return ORDERS_OK;
}

/* The history note of a failure: the gateway's reason, cut to fit on a
 * UTF-8 character boundary. */
static void failure_note(const char *why, char note[NOTE_MAX])
{
    if (why == NULL || why[0] == '\0') {
        snprintf(note, NOTE_MAX, "payment failed");
        return;
    }
    int n = snprintf(note, NOTE_MAX, "payment failed: %s", why);
    size_t end = n < 0 ? 0 : (size_t)n < NOTE_MAX ? (size_t)n : NOTE_MAX - 1;
    while (end > 0 && (note[end] & 0xC0) == 0x80) /* inside a sequence: drop it */
        end--;
    note[end] = '\0';
}

/* What an event means for an order settled already (o not pending):
 * false when it still has to be reported (money for an ended order). */
static bool settled_outcome(const orders_order_t *o, bool success, orders_webhook_outcome_t *oc)
{
    bool ended = o->status == ORDERS_STATUS_FAILED || o->status == ORDERS_STATUS_CANCELLED;
    if (!success) {
        *oc = o->status == ORDERS_STATUS_FAILED ? ORDERS_WEBHOOK_DUPLICATE : ORDERS_WEBHOOK_IGNORED;
        return true;
    }
    if (!ended) {
        *oc = ORDERS_WEBHOOK_DUPLICATE; /* paid already */
        return true;
    }
    if (o->payment_status == ORDERS_PAYMENT_REFUNDED) {
        *oc = ORDERS_WEBHOOK_DUPLICATE; /* its money went back already */
        return true;
    }
    return false;
}

/* Reports the event for order id through the payment core and names what
 * happened; *out gets the order as it is after. */
static orders_code_t report(orders_ctx_t *ctx, const event_t *ev, orders_webhook_outcome_t *oc,
                            orders_order_t **out, orders_error_t *err)
{
    char note[NOTE_MAX];
    failure_note(ev->failure_message, note);
    bool applied = false;
    orders_code_t rc = orders__payment_report(ctx, ev->order_id, ev->success, ev->payment_id,
                                              ev->success ? NULL : note, &applied, out, err);
    if (rc == ORDERS_OK) {
        *oc = applied ? ORDERS_WEBHOOK_APPLIED : ORDERS_WEBHOOK_DUPLICATE;
        return ORDERS_OK;
    }
    if (rc != ORDERS_E_EXPIRED && rc != ORDERS_E_CONFLICT)
        return rc;
    /* The order ended first (its reservation expired, or a racing answer
     * settled it the other way): a failure changes nothing more; a success
     * is fine once its money went back. */
    orders_order_t *now = NULL;
    orders_error_t read_err;
    if (orders_order_get(ctx, ev->order_id, NULL, &now, &read_err) != ORDERS_OK)
        return rc;
    orders_order_free(*out);
    *out = now;
    bool ended = now->status == ORDERS_STATUS_FAILED || now->status == ORDERS_STATUS_CANCELLED;
    if (ev->success && !(ended && now->payment_status == ORDERS_PAYMENT_REFUNDED))
        return rc;
    if (!ev->success)
        (void)settled_outcome(now, false, oc);
    else
        *oc = ORDERS_WEBHOOK_REFUNDED;
    orders_error_clear(err);
    return ORDERS_OK;
}

/* Checks and applies a payment event to its order. */
static orders_code_t apply_event(orders_ctx_t *ctx, const event_t *ev,
                                 orders_webhook_outcome_t *oc, orders_order_t **out,
                                 orders_error_t *err)
{
    orders_order_t *o = NULL;
    orders_code_t rc = orders_order_get(ctx, ev->order_id, NULL, &o, err);
    if (rc)
        return rc;
    if ((rc = check_order(o, ev, err))) {
        *out = o; /* unchanged: the caller may show it, and tell a mismatch from malformed */
        return rc;
    }
    if (o->status != ORDERS_STATUS_PENDING && settled_outcome(o, ev->success, oc)) {
        *out = o; /* nothing to write */
        return ORDERS_OK;
    }
    orders_order_free(o);
    return report(ctx, ev, oc, out, err);
}

static void fill_result(orders_webhook_result_t *res, const event_t *ev,
                        orders_webhook_outcome_t oc)
{
    memset(res, 0, sizeof *res);
    res->outcome = oc;
    orders__copy_id(res->event_id, ev->id);
    snprintf(res->type, sizeof res->type, "%s", ev->type);
    orders__copy_id(res->order_id, ev->known ? ev->order_id : "");
}

orders_code_t orders_payment_webhook(orders_ctx_t *ctx, const orders_webhook_options_t *opts,
                                     const char *signature_header, const char *body, size_t len,
                                     orders_webhook_result_t *res, orders_order_t **out,
                                     orders_error_t *err)
{
    orders_order_t *order = NULL;
    if (out)
        *out = NULL;
    if (ctx == NULL || opts == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, NULL, "no context or options");
    orders_code_t rc = orders_webhook_verify(opts->secret, signature_header, body, len,
                                             orders_ctx_now(ctx) / 1000, opts->tolerance_s, err);
    if (rc)
        return rc;
    json_t *root = NULL;
    event_t ev;
    orders_webhook_outcome_t oc = ORDERS_WEBHOOK_IGNORED;
    rc = parse_event(body, len, &root, &ev, err);
    bool parsed = rc == ORDERS_OK;
    if (parsed && ev.known)
        rc = apply_event(ctx, &ev, &oc, &order, err);
    if (res && parsed)
        fill_result(res, &ev, oc);
    json_decref(root);
    if (out)
        *out = order;
    else
        orders_order_free(order);
    return rc;
}
