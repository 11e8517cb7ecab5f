/*
 * tests/server/harness.h - starts the real orders-server binary on port 0
 * with a temporary SQLite file, and talks to it over HTTP with libcurl.
 *
 * Every function fails the current Criterion test (cr_assert) when the
 * server cannot be started or reached, so tests read straight through.
 * One srvh_t per test; tests run in their own processes.
 */
#ifndef ORDERS_TEST_SERVER_HARNESS_H
#define ORDERS_TEST_SERVER_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#define SRVH_SECRET "test-secret-0123456789abcdef"
#define SRVH_SERVICE_KEY "test-service-key"

typedef struct srvh {
    pid_t pid;
    int port;
    char dir[256];                 /* temporary folder: orders.db, logs */
    char db[300];                  /* its SQLite file */
    char base[64];                 /* "http://127.0.0.1:PORT" */
} srvh_t;

/* Starts orders-server with: --port 0 --store sqlite:DIR/orders.db
 * --jwt-secret SRVH_SECRET --service-key SRVH_SERVICE_KEY --demo-catalog
 * --rate-limit-customer 0 --rate-limit-admin 0 --threads 16 and logs in
 * DIR, then the NULL-terminated extra arguments (later flags win).
 * dir_or_null reuses an existing folder (restart on the same file). */
void srvh_start(srvh_t *s, const char *dir_or_null, const char *const *extra);
/* Starts the binary with exactly args (NULL-terminated options, without the
 * program name) in the existing folder s->dir (s->db set), inheriting this
 * process's environment: for tests of options, files and variables. */
void srvh_spawn(srvh_t *s, const char *const *args);
/* Sends SIGTERM, waits, and returns the exit status (0 = clean, and under
 * ASan, no leak).  keep_dir keeps the folder for a restart. */
int srvh_stop(srvh_t *s, bool keep_dir);
/* Removes the folder of a stopped server. */
void srvh_remove_dir(const char *dir);

typedef struct srvh_resp {
    long status;
    char *body;                    /* NUL-terminated */
    size_t len;
    json_t *json;                  /* parsed body, or NULL when not JSON */
    char *headers;                 /* raw response headers */
} srvh_resp_t;

/*
 * One request.  headers: NULL-terminated "Name: value" strings (may be
 * NULL).  body: sent as is (with Content-Type: application/json unless a
 * Content-Type header is given), or NULL.  Returns the status.
 */
long srvh_call(srvh_t *s, const char *method, const char *path, const char *const *headers,
               const char *body, srvh_resp_t *out);
/* The same with "Authorization: Bearer token" (token may be NULL: none). */
long srvh_customer(srvh_t *s, const char *token, const char *method, const char *path,
                   const char *body, srvh_resp_t *out);
/* The same with the service key. */
long srvh_admin(srvh_t *s, const char *method, const char *path, const char *body,
                srvh_resp_t *out);
/* One POST of json to base + path with "Authorization: Bearer token" on the
 * caller's own curl handle, for worker threads: it asserts nothing and
 * closes the connection after (an idle keep-alive connection would hold a
 * server worker).  Returns the status, or -1 when the request failed;
 * *body gets the answer (free()), or NULL. */
long srvh_post_from_thread(void *curl, const char *base, const char *token, const char *path,
                           const char *json, long timeout_s, char **body);
/* The same with one more header line ("Name: value", e.g. an
 * Idempotency-Key), or none when header is NULL. */
long srvh_post_from_thread_h(void *curl, const char *base, const char *token, const char *path,
                             const char *header, const char *json, long timeout_s, char **body);
/* One buyer of a race, run on its own thread by srvh_buy: POSTs add_json
 * to /api/v1/cart/add on add_base, waits at gate for every buyer, then
 * POSTs place_json to /api/v1/orders/place on place_base, and records the
 * answers (the order's id and number, or the error message).  Asserts
 * nothing: the test's thread checks the results. */
typedef struct srvh_buyer {
    const char *add_base;
    const char *place_base;
    char *token;                 /* the test's (it frees it) */
    const char *add_json;
    const char *place_json;
    long timeout_s;
    pthread_barrier_t *gate;
    long add_status;
    long place_status;
    char order_id[160];
    char order_number[80];
    char message[256];
} srvh_buyer_t;

void *srvh_buy(void *buyer);

/* Runs cmd through the shell: its standard output (free() it) and exit
 * status (128 + the signal when a signal ended it). */
char *srvh_run(const char *cmd, int *status);
void srvh_resp_clear(srvh_resp_t *r);
/* The value of a response header (case-insensitive name) into buf; false if absent. */
bool srvh_header(const srvh_resp_t *r, const char *name, char *buf, size_t len);

/* resp.json["data"], borrowed; fails the test when absent. */
json_t *srvh_data(const srvh_resp_t *r);
/* resp.json["message"] or "". */
const char *srvh_message(const srvh_resp_t *r);

/* A HS256 token for customer (name "Test <id>", email "<id>@example.com"),
 * valid for an hour; free() it. */
char *srvh_token(const char *customer);
/* A token with explicit claims: alg "HS256"/"RS256"/"none", key bytes
 * (secret or PEM private key), exp/nbf offsets from now in seconds (0 =
 * leave out).  free() it. */
char *srvh_token_ex(const char *customer, const char *alg, const unsigned char *key,
                    size_t key_len, long exp_offset, long nbf_offset);

/* Adds quantity of product to the customer's cart and places the order
 * with a complete address; returns the new order id (free()), failing the
 * test unless the placement answered 201. */
char *srvh_place(srvh_t *s, const char *token, const char *product, int quantity,
                 const char *payment_method);

/*
 * Starts orders-server with exactly the flags in full_args (NULL-terminated;
 * nothing is added, so there is no --jwt-secret, --service-key or
 * --demo-catalog unless full_args gives it), in a new temporary folder like
 * srvh_start.  The server's environment carries only the plumbing, which
 * flags override: ORDERS_PORT=0, ORDERS_STORE=sqlite:DIR/orders.db and
 * ORDERS_EVENTS_LOG / ORDERS_LOG in DIR; every other ORDERS_* variable is
 * removed.  Stop it with srvh_stop.  (Added for the RS256-only server of
 * test_srv_auth.c.)
 */
void srvh_start_argv(srvh_t *s, const char *const *full_args);

#endif
