/*
 * net/http_call.h - internal: the libcurl client that every HTTP backend
 * (catalog/http.c, customers/http.c, ...) speaks through.
 *
 * One orders__http_t holds a base URL, the X-Service-Key header, the
 * timeout and retry policy, and a small locked pool of curl handles.  It
 * may be used from any number of threads at once.  The first
 * orders__http_new of a process runs curl_global_init (pthread_once); the
 * process keeps libcurl initialized.
 *
 * Built only with libcurl (ORDERS_CURL_FILES in CMakeLists.txt); the core
 * never includes this header.
 */
#ifndef ORDERS_NET_HTTP_CALL_H
#define ORDERS_NET_HTTP_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include <orders/error.h>
#include <orders/types.h>

#define ORDERS__HTTP_URL_MAX 512      /* base_url, without the path */

typedef struct orders__http orders__http_t;

/* What a backend passes to orders__http_new; strings borrowed (copied). */
typedef struct orders__http_options {
    const char *label;        /* option messages: "HTTP catalog" */
    const char *field;        /* err->field of option errors: "catalog" */
    const char *service;      /* call messages: "Products service" */
    const char *base_url;     /* http(s), at most 512 bytes, trailing '/' ignored */
    const char *service_key;  /* NULL: no key header */
    const char *key_format;   /* the key's header line, one %s: NULL means
                                 "X-Service-Key: %s"; the gateway uses
                                 "Authorization: Bearer %s" */
    int timeout_ms;           /* 10..120000 */
    int retries;              /* 0..10 */
    int retry_backoff_ms;     /* 0..10000 */
} orders__http_options_t;

/* Checks the options (ORDERS_E_INVALID, field o->field, the message names
 * the option) and gives a new client in *out (NULL on failure);
 * ORDERS_E_BACKEND when libcurl cannot be initialized; ORDERS_E_NOMEM. */
orders_code_t orders__http_new(const orders__http_options_t *o, orders__http_t **out,
                               orders_error_t *err);
/* Only when no other thread uses it.  NULL is a harmless no-op. */
void orders__http_free(orders__http_t *h);

/* The configured number of further attempts. */
int orders__http_retries(const orders__http_t *h);

/*
 * Sends path (GET when body is NULL, else a POST of body) with at most
 * `retries` further attempts after a refused connection, a timeout, a 5xx
 * or a 429 (backoff doubled after each).  On ORDERS_OK, *status is the
 * final status and *json the parsed answer (new reference, NULL when it is
 * not JSON).  Otherwise ORDERS_E_UNAVAILABLE (transient failures after the
 * retries), ORDERS_E_BACKEND (an answer too large), ORDERS_E_INVALID
 * (field id_field: the path makes the URL too long) or ORDERS_E_NOMEM.
 * `what` names the call in messages; no message contains the key.
 */
orders_code_t orders__http_call(orders__http_t *h, const char *what, const char *path,
                                const json_t *body, int retries, long *status, json_t **json,
                                const char *id_field, orders_error_t *err);

/* One request of orders__http_request: what orders__http_call takes, plus
 * the method and extra header lines. */
typedef struct orders__http_request {
    const char *method;              /* NULL: GET without body, POST with one */
    const char *what;                /* names the call in messages */
    const char *path;                /* appended to base_url */
    const json_t *body;              /* NULL: none */
    int retries;                     /* further attempts after transient failures */
    const char *id_field;            /* err->field when the URL is too long */
    const char *const *headers;      /* NULL-terminated "Name: value" lines, or NULL */
} orders__http_request_t;

/* orders__http_call with a method and extra headers; the same results.
 * A 408 counts as transient, like a 5xx or a 429. */
orders_code_t orders__http_request(orders__http_t *h, const orders__http_request_t *req,
                                   long *status, json_t **json, orders_error_t *err);

/*
 * One GET of path (no retry), for health checks: ORDERS_OK when it
 * answered 2xx, else ORDERS_E_UNAVAILABLE with the cause.  *latency_us is
 * the time the attempt took, whatever the result.
 */
orders_code_t orders__http_probe(orders__http_t *h, const char *path, int64_t *latency_us,
                                 orders_error_t *err);

/* ---- reading answers ---- */

/* A string member of 1..max bytes without NULs (borrowed), or NULL. */
const char *orders__http_str(const json_t *obj, const char *key, size_t max);
/* A non-negative integer member; false when missing or not one. */
bool orders__http_count(const json_t *obj, const char *key, int64_t *out);
/* The "data" object of {"success": true, "data": {...}} (borrowed), or NULL. */
const json_t *orders__http_envelope_data(const json_t *answer);
/* ORDERS_E_BACKEND: "<service>: <what>: malformed answer (<detail>)". */
orders_code_t orders__http_malformed(const orders__http_t *h, orders_error_t *err,
                                     const char *what, const char *detail);
/* ORDERS_E_BACKEND for a status that is none of the call's own, with the
 * answer's "message" when it has one. */
orders_code_t orders__http_unexpected(const orders__http_t *h, orders_error_t *err,
                                      const char *what, long status, const json_t *answer);

#endif /* ORDERS_NET_HTTP_CALL_H */
