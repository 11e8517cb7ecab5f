/*
 * notifier/http.c - the HTTP notifier: each outbox event POSTed once to a
 * Notifications service (orders/notifier_http.h; the contract is
 * docs/integrations.md, "Notifications service").
 *
 * Layout: options and the handle; the request body; the vtable.  The HTTP
 * exchange itself (pool, the attempt, which statuses are transient) is
 * net/http_call.c, shared with the other HTTP backends.  No retry here: the
 * outbox retries with backoff and dead-letters (core/outbox.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <orders/notifier_http.h>
#include <orders/outbox.h>

#include "core/internal.h"
#include "json/json.h"
#include "net/http_call.h"

#define HTTP_SERVICE "Notifications service"
#define HTTP_PATH "/api/v1/notifications/events"
#define HTTP_MESSAGE_MAX 200    /* the service's "message" quoted in an error */

typedef struct http_notifier {
    orders__http_t *http;       /* the Notifications service (net/http_call.h) */
    char *key;                  /* a copy of the service key, or NULL: only to keep it out
                                   of messages that quote the service */
} http_notifier_t;

/* ---- options and the handle ------------------------------------------------------- */

orders_notifier_http_options_t orders_notifier_http_options_default(void)
{
    return (orders_notifier_http_options_t){
        .base_url = NULL,
        .service_key = NULL,
        .timeout_ms = 2000,
    };
}

void orders_notifier_http_free(void *ud)
{
    http_notifier_t *hn = ud;
    if (!hn)
        return;
    orders__http_free(hn->http);
    free(hn->key);
    free(hn);
}

orders_code_t orders_notifier_http_new(const orders_notifier_http_options_t *opts, void **ud,
                                       orders_error_t *err)
{
    if (!ud || !opts) {
        if (ud)
            *ud = NULL;
        return orders_error_set(err, ORDERS_E_INVALID, "notifier", "HTTP notifier: %s",
                                ud ? "options are required" : "ud is required");
    }
    *ud = NULL;
    const orders__http_options_t ho = {
        .label = "HTTP notifier", .field = "notifier", .service = HTTP_SERVICE,
        .base_url = opts->base_url, .service_key = opts->service_key,
        .timeout_ms = opts->timeout_ms, .retries = 0, .retry_backoff_ms = 0,
    };
    orders__http_t *http = NULL;
    orders_code_t rc = orders__http_new(&ho, &http, err);
    if (rc)
        return rc;
    http_notifier_t *hn = calloc(1, sizeof *hn);
    if (!hn || (opts->service_key && !(hn->key = strdup(opts->service_key)))) {
        free(hn);
        orders__http_free(http);
        return orders__nomem(err);
    }
    hn->http = http;
    *ud = hn;
    return ORDERS_OK;
}

/* ---- the request ---------------------------------------------------------------------- */

/* An id that can go into a header line as it is: 1..ORDERS_ID_MAX bytes of
 * visible ASCII (no space, no control character). */
static bool header_safe_id(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > ORDERS_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] <= ' ' || (unsigned char)id[i] >= 0x7f)
            return false;
    return true;
}

/* The body: the event's JSON (orders_event_to_json's members) plus recipientType and money.
 * New reference, NULL when memory runs out. */
static json_t *event_body(const orders_event_t *e)
{
    json_t *body = orders__json_event(e);
    if (!body)
        return NULL;
    const char *who = e->type == ORDERS_EVENT_NEW_ORDER ? "seller" : "customer";
    json_t *money = e->amount.currency[0]
                        ? json_pack("{s:I, s:s}", "amount", (json_int_t)e->amount.amount,
                                    "currency", e->amount.currency)
                        : json_null();
    if (!money || json_object_set_new(body, "recipientType", json_string(who)) != 0 ||
        json_object_set_new(body, "money", money) != 0) {
        json_decref(body);
        return NULL;
    }
    return body;
}

/* The failure for an answer that is neither 2xx nor transient: the event
 * will never be accepted as it is. */
static orders_code_t refused(const http_notifier_t *hn, const orders_event_t *e, long status,
                             const json_t *answer, orders_error_t *err)
{
    const char *msg = orders__http_str(answer, "message", HTTP_MESSAGE_MAX);
    if (msg && hn->key && hn->key[0] && strstr(msg, hn->key))
        msg = NULL; /* a service that echoes the key: do not quote it */
    return orders_error_set(err, ORDERS_E_INVALID, "event_id",
                            "%s refused event %s: HTTP %ld%s%s%s", HTTP_SERVICE, e->id, status,
                            status == 401 ? " (wrong service key?)" : "", msg ? ": " : "",
                            msg ? msg : "");
}

/* ---- the vtable ----------------------------------------------------------------------------- */

static orders_code_t http_deliver(void *ud, const orders_event_t *e, orders_error_t *err)
{
    http_notifier_t *hn = ud;
    if (!header_safe_id(e->id))
        return orders_error_set(err, ORDERS_E_INVALID, "event_id",
                                "%s: the event id cannot be sent as a header", HTTP_SERVICE);
    json_t *body = event_body(e);
    if (!body)
        return orders__nomem(err);
    char idem[ORDERS_ID_MAX + 32], xid[ORDERS_ID_MAX + 32];
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", e->id); /* header lines, not JSON */
    snprintf(xid, sizeof xid, "X-Event-Id: %s", e->id);
    const char *const headers[] = {idem, xid, NULL};
    const orders__http_request_t req = {
        .method = "POST", .what = "deliver", .path = HTTP_PATH, .body = body,
        .retries = 0, .id_field = "event_id", .headers = headers,
    };
    long status = 0;
    json_t *answer = NULL;
    orders_code_t rc = orders__http_request(hn->http, &req, &status, &answer, err);
    json_decref(body);
    if (rc == ORDERS_OK && (status < 200 || status > 299))
        rc = refused(hn, e, status, answer, err);
    json_decref(answer);
    return rc;
}

static const orders_notifier_vtable_t http_notifier_vtable = {
    .version = ORDERS_NOTIFIER_VERSION,
    .name = "http",
    .deliver = http_deliver,
};

const orders_notifier_vtable_t *orders_notifier_http_vtable(void)
{
    return &http_notifier_vtable;
}

orders_code_t orders_notifier_http_probe(void *ud, int64_t *latency_us, orders_error_t *err)
{
    const http_notifier_t *hn = ud;
    return orders__http_probe(hn->http, "/health", latency_us, err);
}
