/*
 * orders/customers_http.h - the HTTP customers backend: customers and their
 * saved addresses held by a Customer service (customers.h, version 1).
 *
 * The contract it speaks is written down in docs/integrations.md
 * ("Customer service"):
 *     GET /api/v1/customers/:id                       resolve
 *     GET /api/v1/customers/:id/addresses/:addressId  address_get
 * Ids are URL-escaped in the path.  Answers are JSON success envelopes
 * (jansson).  Every request carries the service key as X-Service-Key when
 * one is set.
 *
 * Timeouts and retries: each attempt is bounded by timeout_ms (connect and
 * whole transfer).  Both calls are GETs, so a call whose attempt fails with
 * a refused connection, a timeout, a 5xx or a 429 is tried again, at most
 * `retries` more times, after retry_backoff_ms, then twice that, and so on.
 *
 * Errors, as the core sees them (the server answers 503 for the first):
 *   ORDERS_E_UNAVAILABLE  connection refused, timeout, 5xx or 429 after the
 *                         retries (the message names the service and the
 *                         call, never the key);
 *   ORDERS_E_NOT_FOUND    404: an unknown customer (field "customerId") or
 *                         address (field "shippingAddressId");
 *   ORDERS_E_INACTIVE     the customer's "active" is false (field
 *                         "customerId"); *out is then left empty;
 *   ORDERS_E_BACKEND      any other 4xx (401: a wrong service key), or an
 *                         answer that is not the contract's JSON;
 *   ORDERS_E_INVALID      an id that is empty or longer than ORDERS_ID_MAX;
 *   ORDERS_E_NOMEM.
 * Nothing is cached: every resolve asks the service.
 *
 * These declarations are always present; the functions exist only when the
 * library was built with libcurl (ORDERS_HAVE_CURL is then defined for the
 * library and its users).  The first HTTP backend created in a process
 * runs curl_global_init (once, whatever the threads); the process keeps
 * libcurl initialized.
 *
 * Threads: one handle may be used from any number of threads at once (a
 * small locked pool of curl handles).  Ownership: orders_customers_http_new
 * gives a new handle in *ud, owned by the caller until it is registered
 * with orders_ctx_set_customers (the context then frees it with
 * orders_customers_http_free).  The options' strings are copied.  Records
 * are filled into caller storage and freed with orders_customer_clear /
 * orders_address_clear (types.h).
 */
#ifndef ORDERS_CUSTOMERS_HTTP_H
#define ORDERS_CUSTOMERS_HTTP_H

#include <orders/customers.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orders_customers_http_options {
    const char *base_url;     /* required: "http://127.0.0.1:8082" (http or https;
                                 a trailing '/' is ignored; at most 512 bytes) */
    const char *service_key;  /* sent as X-Service-Key; NULL: no header */
    int timeout_ms;           /* per attempt, connect included: default 2000;
                                 10..120000 */
    int retries;              /* further attempts of a failed call: default 2; 0..10 */
    int retry_backoff_ms;     /* wait before the first retry, doubled after each:
                                 default 50; 0..10000 */
} orders_customers_http_options_t;

/* The defaults above (base_url and service_key NULL). */
orders_customers_http_options_t orders_customers_http_options_default(void);

/* The vtable (static; never freed). */
const orders_customers_vtable_t *orders_customers_http_vtable(void);

/*
 * Checks opts and gives a new handle in *ud (NULL on failure).  Nothing is
 * sent: a service that is down shows on the first call.  Errors:
 * ORDERS_E_INVALID (field "customers", the message names the option) for a
 * NULL opts, a missing or non-http(s) base_url, a service key with a
 * control character, or an option out of range; ORDERS_E_BACKEND when
 * libcurl cannot be initialized; ORDERS_E_NOMEM.
 */
orders_code_t orders_customers_http_new(const orders_customers_http_options_t *opts, void **ud,
                                        orders_error_t *err);

/* Frees the handle and its curl handles.  Call it only when no other
 * thread uses the handle.  NULL is a harmless no-op. */
void orders_customers_http_free(void *ud);

/* Health check: one GET /health to the Customer service, no retry.  ORDERS_OK
 * when it answered 2xx, else ORDERS_E_UNAVAILABLE with the cause (never the
 * key).  *latency_us is how long it took either way.  Thread-safe. */
orders_code_t orders_customers_http_probe(void *ud, int64_t *latency_us, orders_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_CUSTOMERS_HTTP_H */
