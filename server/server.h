/*
 * server/server.h - orders-server's internal interfaces.
 *
 * orders-server turns HTTP into liborders calls and back.  It holds no
 * business rule: every decision about carts, orders, stock and payments is
 * a library call, and every byte format of a record is a codec in
 * liborders/json/.  What lives here is HTTP: routing, authentication, rate
 * limits, request bodies, envelopes, status codes, logs and metrics.
 *
 * A request flows through srv_dispatch (http.c): route match (router.c),
 * credentials (auth.c), rate limit (ratelimit.c), body (http.c), the
 * route's handler (routes_*.c, ops.c), one write of the response, one log
 * line, one metrics observation (metrics.c).
 *
 * Threads: CivetWeb calls srv_dispatch from its worker threads; everything
 * reachable from srv_t is either read-only after startup or guarded inside
 * its module (limiter, metrics).  The sweeper and the outbox dispatcher run
 * on their own threads (workers.c).
 */
#ifndef ORDERS_SERVER_H
#define ORDERS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <orders/orders.h>

struct mg_connection;
struct mg_request_info;
typedef struct srv_req srv_req_t;

#define SRV_BODY_MAX (64 * 1024)   /* larger bodies: 413 */
#define SRV_MAX_PARAMS 4           /* path parameters per route */
#define SRV_HEAD_ROOM 512          /* status line and headers, before a body in space */

/* ---- configuration (config.c) ------------------------------------------------ */

typedef struct srv_config {
    int port;                      /* 3005; 0 picks a free port */
    char *listen;                  /* "127.0.0.1" */
    char *store;                   /* "sqlite:./orders.db" */
    char *jwt_secret;              /* HS256 secret, or NULL */
    char *jwt_public_key;          /* path of a PEM file (RS256), or NULL */
    char *service_key;             /* NULL: service routes refuse everyone */
    int64_t rate_limit_customer;   /* per 15 minutes; 0 = off */
    int64_t rate_limit_admin;      /* per 15 minutes; 0 = off */
    int64_t reservation_minutes;   /* 30 */
    int64_t reservation_seconds;   /* 0; > 0 replaces reservation_minutes (tests) */
    bool demo_catalog;
    int threads;                   /* CivetWeb worker threads: 64 */
    char *events_log;              /* notifier's JSON lines; NULL = stderr */
    char *log;                     /* request log; NULL or "-" = stdout */
    char *config_file;             /* the --config file read, or NULL */
    char *products_url;            /* Products service; NULL: the store's own catalog */
    char *customers_url;           /* Customer service; NULL: the JWT's claims */
    char *services_key;            /* sent to the services as X-Service-Key, or NULL */
    char *notifications_url;       /* Notifications service; NULL: events go to events_log */
    int64_t outbox_backoff_ms;     /* first retry of an event, doubled each time: 1000 */
    int64_t outbox_max_attempts;   /* an event is a dead letter after this many tries: 8 */
    char *payment_gateway_url;     /* online payment gateway; NULL: none for "online" */
    char *payment_gateway_key;     /* the gateway's API key (Authorization: Bearer) */
    int64_t payment_gateway_timeout_ms; /* per attempt: 5000 */
    char *payment_webhook_secret;  /* HMAC key of POST /payments/webhook; NULL: 503 there */
} srv_config_t;

/*
 * Fills cfg from, in rising precedence: defaults, the JSON config file
 * (--config / ORDERS_CONFIG), environment variables, flags (argv from
 * index first).  Returns 0, or -1 after printing a message naming the
 * option to stderr.  cfg owns its strings: srv_config_clear frees them.
 */
int srv_config_load(srv_config_t *cfg, int argc, char **argv, int first);
/* srv_config_load with its messages written to msgs instead (NULL: none). */
int srv_config_parse(srv_config_t *cfg, int argc, char **argv, int first, FILE *msgs);
/* Defaults, then the options of a config file's text (len bytes, as
 * --config reads a file; origin names it in messages, which go to msgs,
 * NULL: none).  0 or -1, like srv_config_load; srv_config_clear either way. */
int srv_config_load_json(srv_config_t *cfg, const char *text, size_t len, const char *origin,
                         FILE *msgs);
void srv_config_clear(srv_config_t *cfg);

/* ---- authentication (auth.c) --------------------------------------------------- */

typedef struct srv_auth srv_auth_t;

/* The verified claims of a customer token; strings owned by the struct. */
typedef struct srv_claims {
    char *id;                      /* "id" claim, else "sub"; 1..ORDERS_ID_MAX bytes */
    char *name;                    /* optional */
    char *email;                   /* optional */
} srv_claims_t;

/* Loads the key material of cfg (reads the PEM file).  NULL after printing
 * why to stderr.  No key at all is allowed: customer routes then answer 401. */
srv_auth_t *srv_auth_new(const srv_config_t *cfg);
void srv_auth_free(srv_auth_t *a);
/* Verifies "Bearer <jwt>": signature with the pinned algorithm, exp and
 * nbf against now_s.  true and *out filled (clear with srv_claims_clear);
 * false with *why a static reason that is safe to show to the client. */
bool srv_auth_customer(const srv_auth_t *a, const char *authorization, int64_t now_s,
                       srv_claims_t *out, const char **why);
void srv_claims_clear(srv_claims_t *c);
/* Constant-time comparison of an X-Service-Key header with the configured
 * key; false when either is missing. */
bool srv_auth_service(const srv_auth_t *a, const char *key);
/* A new HS256 token (malloc'd string) for the token subcommand. */
char *srv_auth_mint(const char *secret, const char *customer, const char *name,
                    const char *email, int64_t now_s, int64_t ttl_s);

/* ---- verified tokens (token_cache.c) ------------------------------------------------- */

typedef struct srv_token_cache srv_token_cache_t;

/* An empty cache of verified tokens (at most 4096); NULL when memory runs
 * out (every call then accepts NULL as "nothing cached"). */
srv_token_cache_t *srv_token_cache_new(void);
void srv_token_cache_free(srv_token_cache_t *c);
/* true, and a copy of the claims in *out (srv_claims_clear), when exactly
 * this token verified before and its exp (if any) is after now_s. */
bool srv_token_cache_get(srv_token_cache_t *c, const char *token, int64_t now_s,
                         srv_claims_t *out);
/* Remembers a token that passed every check, with its claims and its exp
 * (0: none).  Thread-safe, like get. */
void srv_token_cache_put(srv_token_cache_t *c, const char *token, const srv_claims_t *claims,
                         int64_t exp_s);

/* ---- rendered orders (order_cache.c) ------------------------------------------------- */

typedef struct srv_order_cache srv_order_cache_t;

/* An empty cache (8 MiB of answers at most); NULL when memory runs out
 * (every call accepts NULL as "nothing cached"). */
srv_order_cache_t *srv_order_cache_new(void);
void srv_order_cache_free(srv_order_cache_t *c);
/* When the cache holds the answer of order id at version, puts it in r
 * (200) and returns true.  The caller has checked the version against the
 * store, scoped to the customer.  Thread-safe. */
bool srv_order_cache_answer(srv_order_cache_t *c, srv_req_t *r, const char *id,
                            int64_t version);
/* Keeps a copy of body, the whole 200 answer of order id at version. */
void srv_order_cache_put(srv_order_cache_t *c, const char *id, int64_t version,
                         const char *body, size_t len);

/* ---- rate limits (ratelimit.c) ---------------------------------------------------- */

typedef struct srv_limiter srv_limiter_t;

/* At most limit requests per key in each window_ms window; limit 0 gives
 * NULL, which every call accepts as "no limit". */
srv_limiter_t *srv_limiter_new(int64_t limit, int64_t window_ms);
void srv_limiter_free(srv_limiter_t *l);
/* Counts one request of key at now_ms.  false when over the limit, with
 * *retry_after_s the whole seconds until the key's window ends (>= 1). */
bool srv_limiter_take(srv_limiter_t *l, const char *key, int64_t now_ms, int64_t *retry_after_s);
/* Drops keys whose window ended before now_ms (called by the sweeper). */
void srv_limiter_purge(srv_limiter_t *l, int64_t now_ms);

/* ---- routes (router.c) -------------------------------------------------------------- */

typedef enum srv_access {
    SRV_OPEN = 0,                  /* no credentials: /health, /metrics, /openapi.json */
    SRV_CUSTOMER,                  /* bearer JWT, customer rate limit */
    SRV_ADMIN,                     /* service key, admin rate limit */
    SRV_SERVICE,                   /* service key, no rate limit (inventory) */
    SRV_SIGNED                     /* no credentials: the handler checks the body's signature
                                    * (payment webhooks); admin rate limit per address */
} srv_access_t;

typedef void (*srv_handler_fn)(srv_req_t *r);

typedef struct srv_route {
    const char *method;            /* "GET", "POST", "PUT", "DELETE" */
    const char *pattern;           /* "/api/v1/orders/:id/cancel" */
    srv_access_t access;
    bool body;                     /* takes a JSON body (415 / 413 / 400 apply) */
    srv_handler_fn handler;
} srv_route_t;

/* Each routes file exports its table. */
extern const srv_route_t srv_routes_cart[];
extern const size_t srv_routes_cart_count;
extern const srv_route_t srv_routes_orders[];
extern const size_t srv_routes_orders_count;
extern const srv_route_t srv_routes_admin[];
extern const size_t srv_routes_admin_count;
extern const srv_route_t srv_routes_catalog[];
extern const size_t srv_routes_catalog_count;
extern const srv_route_t srv_routes_inventory[];
extern const size_t srv_routes_inventory_count;
extern const srv_route_t srv_routes_ops[];
extern const size_t srv_routes_ops_count;
extern const srv_route_t srv_routes_payments[];
extern const size_t srv_routes_payments_count;
extern const srv_route_t srv_routes_outbox[];
extern const size_t srv_routes_outbox_count;

typedef struct srv_router srv_router_t;

typedef enum srv_match {
    SRV_MATCHED = 0,
    SRV_NO_ROUTE,                  /* 404 */
    SRV_NO_METHOD                  /* 405: the path exists with other methods */
} srv_match_t;

/* All the tables above, in one list; NULL when memory runs out. */
srv_router_t *srv_router_new(void);
void srv_router_free(srv_router_t *rt);
size_t srv_router_count(const srv_router_t *rt);
const srv_route_t *srv_router_at(const srv_router_t *rt, size_t i);
/*
 * Matches method and path.  On SRV_MATCHED: *index is the route's index,
 * params[] point into path_buf (a copy of path the function splits; it
 * must hold strlen(path) + 1 bytes) and *nparams counts them.  On
 * SRV_NO_METHOD, allow gets the allowed methods ("GET, PUT").
 */
srv_match_t srv_router_match(const srv_router_t *rt, const char *method, const char *path,
                             char *path_buf, size_t *index, const char **params,
                             size_t *nparams, char *allow, size_t allow_len);

/* ---- metrics (metrics.c) ------------------------------------------------------------- */

typedef struct srv_metrics srv_metrics_t;

/* Counters and latency histograms per route (index < route_count, or
 * route_count for "no route") and status. */
srv_metrics_t *srv_metrics_new(const srv_router_t *rt);
void srv_metrics_free(srv_metrics_t *m);
void srv_metrics_observe(srv_metrics_t *m, size_t route, int status, int64_t micros);
/* Appends the Prometheus text of the HTTP series to a new string (free()). */
char *srv_metrics_render(srv_metrics_t *m, orders_ctx_t *ctx);

/* ---- the server (main.c, http.c) ------------------------------------------------------ */

/* ---- dependencies shown in /health (deps.c) ------------------------------------------ */

#define SRV_DEPS_MAX 8
#define SRV_DEPS_FRESH_MS 2000     /* a check this recent is answered from memory */

/* Asks a dependency whether it is up: ORDERS_OK or an error; *latency_us
 * is how long the question took either way.  The HTTP backends' probe
 * functions have this shape (orders_catalog_http_probe, ...). */
typedef orders_code_t (*srv_probe_fn)(void *ud, int64_t *latency_us, orders_error_t *err);

/* One dependency's last check. */
typedef struct srv_dep_state {
    const char *name;              /* "products", "customers", ... (static) */
    bool up;
    int64_t latency_us;
    char error[256];               /* why it is down ("" when up); never a key */
} srv_dep_state_t;

typedef struct srv_deps srv_deps_t;

srv_deps_t *srv_deps_new(void);
void srv_deps_free(srv_deps_t *d);
/*
 * The state of every dependency in out[0..SRV_DEPS_MAX), returning how
 * many.  A check older than SRV_DEPS_FRESH_MS is redone, every dependency
 * probed at once on its own thread; callers meanwhile wait for it rather
 * than probe again.  Thread-safe.
 */
size_t srv_deps_check(srv_deps_t *d, srv_dep_state_t *out);

typedef struct srv {
    srv_config_t cfg;
    orders_ctx_t *ctx;
    srv_auth_t *auth;
    srv_router_t *router;
    srv_metrics_t *metrics;
    srv_limiter_t *limit_customer;
    srv_limiter_t *limit_admin;
    srv_order_cache_t *orders_cache; /* GET /orders/:id answers (order_cache.c) */
    FILE *log;                     /* request log (not owned when stdout) */
    FILE *events;                  /* notifier output (not owned when stderr) */
    int64_t started_ms;
    struct srv_workers *workers;
    srv_deps_t *deps;              /* what /health probes (deps.c) */
    /* Shutdown (http.c, main.c): on SIGTERM main sets draining, then waits
     * for in_flight to reach 0 before mg_stop, because once CivetWeb's stop
     * flag is up it neither reads the rest of a body nor writes an answer. */
    atomic_bool draining;          /* new requests: 503 "Server is shutting down" */
    atomic_int in_flight;          /* requests inside srv_dispatch */
} srv_t;

/* Opens s->ctx with the store and backends s->cfg names (backends.c).
 * 0, or -1 after printing why to stderr. */
int srv_open_context(srv_t *s);

/* Adds a dependency that /health probes to s->deps (name static; ud owned
 * by the context).  Call before the first request; ignored past
 * SRV_DEPS_MAX. */
void srv_deps_add(srv_t *s, const char *name, srv_probe_fn probe, void *ud);

/* One request in flight.  Handlers read the params, body and identity,
 * and answer with exactly one srv_ok / srv_fail* / srv_text call. */
struct srv_req {
    srv_t *srv;
    orders_ctx_t *ctx;
    struct mg_connection *conn;
    const struct mg_request_info *ri;
    const srv_route_t *route;
    const char *params[SRV_MAX_PARAMS]; /* path parameters, URL-decoded */
    size_t nparams;
    json_t *body;                  /* parsed JSON body (borrowed), or NULL */
    char *raw;                     /* that body's bytes as received (the dispatcher's, */
    size_t raw_len;                /* freed after the handler), or NULL: none */
    orders_identity_t who;         /* customer routes: the token's identity */
    const char *actor;             /* "customer:ID" or "admin" (for history) */
    /* the answer */
    int status;
    char *out;                     /* response body, or NULL: malloc'd, or in space */
    size_t out_len;
    bool out_in_space;             /* out points into space (not freed) */
    char *space;                   /* the dispatcher's buffer: SRV_HEAD_ROOM bytes for the */
    size_t space_len;              /* headers, then room for a body dumped in place */
    const char *content_type;
    char extra_headers[128];       /* "Retry-After: 60\r\n", "Allow: ...\r\n" */
    char detail[ORDERS_ERROR_MESSAGE_MAX]; /* a 5xx's real cause: logged, never sent */
};

/* A request body's bytes (len of them, no NUL needed) as the JSON object a
 * handler gets (new reference); no bytes give {}.  NULL for anything else,
 * with the 400 message in why ("Malformed JSON: ...", "The request body
 * must be a JSON object"), or why "" when memory ran out.  Thread-safe. */
json_t *srv_body_parse(const char *buf, size_t len, char *why, size_t why_len);
/* The CivetWeb handler for every URI. */
int srv_dispatch(struct mg_connection *conn, void *cbdata);
/* CivetWeb's http_error callback: its own error answers (requests it does
 * not hand to srv_dispatch) in the error envelope.  Returns 0 (answered). */
int srv_http_error(struct mg_connection *conn, int status, const char *errmsg);

/* ---- answers (respond.c) ---------------------------------------------------------------- */

/* Success envelope; data is stolen (may be NULL: no "data"); message may be NULL. */
void srv_ok(srv_req_t *r, int status, const char *message, json_t *data);
/* Error envelope without "errors". */
void srv_fail(srv_req_t *r, int status, const char *message);
/* Error envelope for a library failure: the status from srv_status_of,
 * "errors": [{field, message}] when err names a field, and a generic
 * message (never details) for 500s. */
void srv_fail_lib(srv_req_t *r, orders_code_t rc, const orders_error_t *err);
/* Frees the answer body (if it is not in r->space); r->out becomes NULL. */
void srv_drop_out(srv_req_t *r);
/* 400 with "errors": [{field, message}], as a library refusal would be. */
void srv_fail_field(srv_req_t *r, const char *field, const char *message);
/* What a client may read of a library failure: its message, or a generic
 * one for 5xx (which may carry file names or SQLite text).  Static or
 * borrowed from err. */
const char *srv_client_message(orders_code_t rc, const orders_error_t *err);
/* A non-JSON answer (metrics, openapi); body is copied. */
void srv_text(srv_req_t *r, int status, const char *content_type, const char *body,
              size_t len);
/* answer.c: an encoder's result (stolen): status with it, or 500 when it
 * is NULL (the encoder ran out of memory). */
void srv_ok_data(srv_req_t *r, int status, const char *message, json_t *data);
/* The order (freed here, whatever rc is) on ORDERS_OK, else the library's
 * failure.  The library may hand back an order together with a failure (a
 * cancellation whose refund failed); the client hears the failure. */
void srv_answer_order(srv_req_t *r, orders_code_t rc, orders_order_t *order,
                      const orders_error_t *err, int status, const char *message);
/* The same for a cart, always 200 on success. */
void srv_answer_cart(srv_req_t *r, orders_code_t rc, orders_cart_t *cart,
                     const orders_error_t *err, const char *message);
/* list.c: ?page (>= 1) and ?limit (>= 1, default limit_default, larger
 * asks cut to limit_max); false after answering 400 naming the parameter. */
bool srv_page_query(srv_req_t *r, int64_t *page, int64_t *limit, int64_t limit_default,
                    int64_t limit_max);
/* The same into q, and ?status (a status name, any case). */
bool srv_list_query(srv_req_t *r, orders_list_query_t *q, int64_t limit_default,
                    int64_t limit_max);
/* Lists orders for q and answers {"orders": [summary(o)...], "pagination"}. */
void srv_answer_order_list(srv_req_t *r, const orders_list_query_t *q,
                           json_t *(*summary)(const orders_order_t *o));
/* HTTP status for a library code. */
int srv_status_of(orders_code_t rc);

/* Query parameters.  srv_query_int: absent gives def; present must be an
 * integer in [min, max], else a 400 naming the parameter is answered and
 * false returned.  srv_query_str: the decoded value into buf (false when
 * absent; a value that does not fit is a 400 and *bad is set). */
bool srv_query_int(srv_req_t *r, const char *name, int64_t def, int64_t min, int64_t max,
                   int64_t *out);
bool srv_query_str(srv_req_t *r, const char *name, char *buf, size_t len, bool *bad);

/* ---- background threads (workers.c) ------------------------------------------------------ */

/* Starts the reservation sweeper (every 250 ms; carts purged every minute)
 * and the outbox dispatcher.  NULL on failure. */
struct srv_workers *srv_workers_start(srv_t *s);
/* Stops and joins both threads.  NULL is a no-op. */
void srv_workers_stop(struct srv_workers *w);

/* ---- demo catalog (demo.c) --------------------------------------------------------------- */

/* Creates the demo products that do not exist yet, with their stock. */
orders_code_t srv_demo_catalog_load(orders_ctx_t *ctx, orders_error_t *err);

/* ---- util.c ---------------------------------------------------------------------------------- */
int64_t srv_now_ms(void);           /* CLOCK_REALTIME */
int64_t srv_mono_us(void);          /* CLOCK_MONOTONIC, microseconds */
/* FNV-1a of len bytes of s: the key hash of the limiter and the caches. */
uint64_t srv_hash(const char *s, size_t len);

#endif /* ORDERS_SERVER_H */
