/*
 * orders/catalog_http.h - the HTTP catalog: products and stock held by a
 * Products service (catalog.h, remote shape, version 2).
 *
 * The contract it speaks is written down in docs/integrations.md
 * ("Products service"):
 *     GET  /api/v1/products/:id          product_get (and products_get)
 *     POST /api/v1/inventory/check       stock_available (and products_get)
 *     POST /api/v1/inventory/reserve     reserve, the order id as idempotency key
 *     POST /api/v1/inventory/confirm     confirm
 *     POST /api/v1/inventory/release     release
 * Bodies are JSON (jansson), money is int64 minor units plus a currency
 * code.  Every request carries the service key as X-Service-Key when one
 * is set.
 *
 * Timeouts and retries: each attempt is bounded by timeout_ms (connect and
 * whole transfer).  Every call of this contract is idempotent (reserve
 * through its order id), so a call whose attempt fails with a refused
 * connection, a timeout, a 5xx or a 429 is tried again, at most `retries`
 * more times, after retry_backoff_ms, then twice that, and so on.  A call
 * therefore takes at most about (retries + 1) * timeout_ms plus the
 * backoffs.  A reserve that still fails that way may have been applied by
 * the service: the backend then sends one release for the order id (one
 * attempt, its result ignored), so nothing stays held once the service is
 * back; anything that misses expires at the service at expiresAt.
 *
 * Errors, as the core sees them (the server answers 503 for the first):
 *   ORDERS_E_UNAVAILABLE  connection refused, timeout, 5xx or 429 after the
 *                         retries (the message names the service and the
 *                         call, never the key);
 *   ORDERS_E_NOT_FOUND    GET product answered 404;
 *   ORDERS_E_OUT_OF_STOCK reserve answered 409 naming a product: err->field
 *                         is that product id;
 *   ORDERS_E_BACKEND      any other 4xx (401: a wrong service key), or an
 *                         answer that is not the contract's JSON;
 *   ORDERS_E_NOMEM.
 *
 * Cache: product info (not stock) is kept for cache_ttl_ms in a map of at
 * most cache_size entries; when it is full the oldest entry goes.  Stock is
 * always asked for.
 *
 * These declarations are always present; the functions exist only when the
 * library was built with libcurl (ORDERS_HAVE_CURL is then defined for the
 * library and its users).  The first orders_catalog_http_new of a process
 * runs curl_global_init (once, whatever the threads); the process keeps
 * libcurl initialized.
 *
 * Threads: one handle may be used from any number of threads at once (a
 * small locked pool of curl handles, a locked cache).  Ownership:
 * orders_catalog_http_new gives a new handle in *ud, owned by the caller
 * until it is registered with orders_ctx_set_catalog (the context then
 * frees it with orders_catalog_http_free).  The options' strings are
 * copied.  Records returned through the vtable are new and freed by the
 * caller (types.h).
 */
#ifndef ORDERS_CATALOG_HTTP_H
#define ORDERS_CATALOG_HTTP_H

#include <orders/catalog.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orders_catalog_http_options {
    const char *base_url;     /* required: "http://127.0.0.1:8081" (http or https;
                                 a trailing '/' is ignored; at most 512 bytes) */
    const char *service_key;  /* sent as X-Service-Key; NULL: no header */
    int timeout_ms;           /* per attempt, connect included: default 2000;
                                 10..120000 */
    int retries;              /* further attempts of a failed call: default 2; 0..10 */
    int retry_backoff_ms;     /* wait before the first retry, doubled after each:
                                 default 50; 0..10000 */
    int cache_ttl_ms;         /* product info kept this long: default 5000;
                                 0 = no cache; 0..3600000 */
    int cache_size;           /* products kept at most: default 1024; 1..65536 */
} orders_catalog_http_options_t;

/* The defaults above (base_url and service_key NULL). */
orders_catalog_http_options_t orders_catalog_http_options_default(void);

/* The vtable (static; never freed). */
const orders_catalog_vtable_t *orders_catalog_http_vtable(void);

/*
 * Checks opts and gives a new handle in *ud (NULL on failure).  Nothing is
 * sent: a service that is down shows on the first call.  Errors:
 * ORDERS_E_INVALID (field "catalog", the message names the option) for a
 * NULL opts, a missing or non-http(s) base_url, a service key with a
 * control character, or an option out of range; ORDERS_E_BACKEND when
 * libcurl cannot be initialized; ORDERS_E_NOMEM.
 */
orders_code_t orders_catalog_http_new(const orders_catalog_http_options_t *opts, void **ud,
                                      orders_error_t *err);

/* Frees the handle, its curl handles and its cache.  Call it only when no
 * other thread uses the handle.  NULL is a harmless no-op. */
void orders_catalog_http_free(void *ud);

/* Health check: one GET /health to the Products service, no retry.  ORDERS_OK
 * when it answered 2xx, else ORDERS_E_UNAVAILABLE with the cause (never the
 * key).  *latency_us is how long it took either way.  Thread-safe. */
orders_code_t orders_catalog_http_probe(void *ud, int64_t *latency_us, orders_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_CATALOG_HTTP_H */
