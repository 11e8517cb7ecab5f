/*
 * orders/notifier_http.h - the HTTP notifier: outbox events delivered to a
 * Notifications service (notifier.h, version 1).
 *
 * The contract it speaks is written down in docs/integrations.md
 * ("Notifications service"):
 *     POST /api/v1/notifications/events     deliver, one event per request
 * The body is the event as orders_event_to_json (outbox.h) writes it, plus
 * "recipientType" ("customer" or "seller") and "money" (the amount as
 * integer minor units and currency).  Every request carries the event id
 * twice, as Idempotency-Key and as X-Event-Id, so the service drops a
 * duplicate by id; and the service key as X-Service-Key when one is set.
 *
 * One attempt per deliver, no retry here: the outbox (outbox.h) owns
 * retries, exponential backoff with jitter, and dead letters.  The attempt
 * is bounded by timeout_ms (connect and whole transfer).
 *
 * Results, as the outbox sees them:
 *   ORDERS_OK             the service answered 2xx: delivered;
 *   ORDERS_E_UNAVAILABLE  connection refused or reset, timeout, 408, 429 or
 *                         5xx: tried again later by the outbox;
 *   ORDERS_E_INVALID      any other answer (400, 401, 404, 422, a 1xx or
 *                         3xx...), or an event id that cannot be a header
 *                         value: never deliverable, a dead letter at once.
 *                         A 401 (wrong key) is one too: fix the key, then
 *                         requeue the dead letters (orders_outbox_requeue);
 *   ORDERS_E_BACKEND      an answer larger than 1 MiB (tried again later);
 *   ORDERS_E_NOMEM.
 * Messages name the service and the status (and the service's "message"
 * when it has one that does not contain the key), never the key.
 *
 * These declarations are always present; the functions exist only when the
 * library was built with libcurl (ORDERS_HAVE_CURL is then defined for the
 * library and its users).  The first HTTP backend created in a process
 * runs curl_global_init (once, whatever the threads); the process keeps
 * libcurl initialized.
 *
 * Threads: one handle may be used from any number of threads at once (a
 * small locked pool of curl handles), though the outbox calls deliver from
 * one dispatching thread.  Ownership: orders_notifier_http_new gives a new
 * handle in *ud, owned by the caller until it is registered with
 * orders_ctx_set_notifier (the context then frees it with
 * orders_notifier_http_free).  The options' strings are copied.
 */
#ifndef ORDERS_NOTIFIER_HTTP_H
#define ORDERS_NOTIFIER_HTTP_H

#include <stdint.h>

#include <orders/notifier.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orders_notifier_http_options {
    const char *base_url;     /* required: "http://127.0.0.1:8083" (http or https;
                                 a trailing '/' is ignored; at most 512 bytes) */
    const char *service_key;  /* sent as X-Service-Key; NULL: no header */
    int timeout_ms;           /* the one attempt, connect included: default 2000;
                                 10..120000 */
} orders_notifier_http_options_t;

/* The defaults above (base_url and service_key NULL). */
orders_notifier_http_options_t orders_notifier_http_options_default(void);

/* The vtable (static; never freed). */
const orders_notifier_vtable_t *orders_notifier_http_vtable(void);

/*
 * Checks opts and gives a new handle in *ud (NULL on failure).  Nothing is
 * sent: a service that is down shows on the first delivery.  Errors:
 * ORDERS_E_INVALID (field "notifier", the message names the option) for a
 * NULL opts or ud, a missing or non-http(s) base_url, a service key with a
 * control character, or a timeout out of range; ORDERS_E_BACKEND when
 * libcurl cannot be initialized; ORDERS_E_NOMEM.
 */
orders_code_t orders_notifier_http_new(const orders_notifier_http_options_t *opts, void **ud,
                                       orders_error_t *err);

/* Frees the handle and its curl handles.  Call it only when no other
 * thread uses the handle.  NULL is a harmless no-op. */
void orders_notifier_http_free(void *ud);

/* Health check: one GET /health to the Notifications service, no retry.
 * ORDERS_OK when it answered 2xx, else ORDERS_E_UNAVAILABLE with the cause
 * (never the key).  *latency_us is how long it took either way.
 * Thread-safe. */
orders_code_t orders_notifier_http_probe(void *ud, int64_t *latency_us, orders_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_NOTIFIER_HTTP_H */
