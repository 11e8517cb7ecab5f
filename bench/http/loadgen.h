/*
 * loadgen.h - pieces of orders-loadgen (bench/http) shared between its
 * files.  Not installed.
 *
 * orders-loadgen keeps N keep-alive HTTP/1.1 connections to one server on
 * 127.0.0.1, spread over a few threads, each with its own epoll set.  A
 * connection has one request in flight at a time; a mode (lg_script.c)
 * says what it sends next.  Each thread owns its connections and its
 * samples; main merges the samples after the threads have been joined, so
 * nothing here is shared between threads except the read-only config and
 * the two atomics in lg_run_t.
 */
#ifndef ORDERS_LOADGEN_H
#define ORDERS_LOADGEN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* LG_MODE_FILL is the untimed first phase of `--mode place`: each
 * connection fills its customers' carts, which LG_MODE_PLACE then places. */
typedef enum lg_mode {
    LG_MODE_GET,
    LG_MODE_CART_ADD,
    LG_MODE_CHECKOUT,
    LG_MODE_FILL,
    LG_MODE_PLACE
} lg_mode_t;

/* Which phases `--mode place` runs (--phase). */
typedef enum lg_phase { LG_PHASE_ALL, LG_PHASE_FILL, LG_PHASE_PLACE } lg_phase_t;

#define LG_FILL_ADDS 3 /* products in each cart that place mode fills */

/* What one request was, for the report. */
typedef enum lg_kind { LG_GET, LG_CART_ADD, LG_CART_CLEAR, LG_PLACE, LG_KINDS } lg_kind_t;

#define LG_MAX_STATUS 600 /* statuses 100..599; 0 stands for an I/O error */

/* Read-only after main has filled it. */
typedef struct lg_config {
    const char *host;   /* numeric IPv4 */
    int port;
    lg_mode_t mode;
    int connections;
    int threads;
    int64_t requests;   /* total over every connection */
    double duration_s;  /* no new request after this */
    int clear_every;    /* cart-add: DELETE /cart/clear after this many adds */
    int rounds;         /* fill/place: customers (carts) per connection */
    const char *path;   /* get */
    char *headers;      /* get: extra header lines, each ending in CRLF */
    char **tokens;      /* cart-add/checkout: connection i uses tokens[i % n];
                         * fill/place: its customer r uses tokens[i * rounds + r] */
    size_t n_tokens;
    char **add_bodies;  /* one {"productId", "quantity": 1} body per product */
    size_t n_products;
    char *place_body;   /* checkout: the POST /orders/place body */
} lg_config_t;

/* The command line, before and while main fills cfg from it. */
typedef struct lg_args {
    lg_config_t cfg;
    const char *mode, *phase_name, *tokens_file, *mint_bin, *jwt_secret, *prefix;
    lg_phase_t phase;
    const char *products[256];
    size_t n_products;
} lg_args_t;

/* Shared by every thread. */
typedef struct lg_run {
    const lg_config_t *cfg;
    atomic_llong issued;   /* requests started; capped at cfg->requests */
    int64_t deadline_ns;   /* no request starts after it */
    int64_t hard_stop_ns;  /* requests still in flight then are errors */
} lg_run_t;

/* Latencies and statuses of one kind of request on one thread. */
typedef struct lg_samples {
    int64_t *lat_ns;
    size_t n, cap;
    int64_t status[LG_MAX_STATUS]; /* answers by status; [0] I/O errors */
} lg_samples_t;

/* One connection and the state of its customer. */
typedef struct lg_conn {
    int fd;
    int id;               /* 0..connections-1 */
    const char *token;
    /* the request in flight */
    lg_kind_t kind;
    int64_t started_ns;
    int in_flight;        /* sent (or sending) and not yet answered */
    char *wbuf;
    size_t wlen, woff, wcap;
    /* the response being read */
    char *rbuf;
    size_t rlen, rcap;
    /* the customer's script */
    int64_t step;         /* requests sent on this connection */
    int adds;             /* adds since the cart was last emptied */
    int need_clear;       /* empty the cart before the next add */
    int customer;         /* fill/place: which of its rounds customers is next */
    int dead;             /* gave up: cannot connect */
} lg_conn_t;

/* A parsed response head; body_len from Content-Length. */
typedef struct lg_response {
    int status;
    size_t head_len, body_len;
    int close;            /* Connection: close */
    int to_eof;           /* no Content-Length: the body ends at close */
} lg_response_t;

int64_t lg_now_ns(void);

/* lg_args.c: the command line and what a run needs before any load. */
/* Prints the usage to stderr; returns 2, the exit status of bad usage. */
int lg_usage(void);
/* Fills a from argv over the defaults already in a; -1 on bad usage. */
int lg_args_parse(int argc, char **argv, lg_args_t *a);
/* The customer modes' tokens and JSON bodies into a->cfg; -1 with a
 * message. */
int lg_args_prepare(lg_args_t *a);
/* Frees what lg_args_parse and lg_args_prepare put into cfg. */
void lg_config_free(lg_config_t *cfg);

/* lg_conn.c: sockets and HTTP/1.1 framing.  -1 on failure. */
int lg_conn_open(lg_conn_t *c, const lg_config_t *cfg);
void lg_conn_close(lg_conn_t *c);
/* Writes what it can of the request; 1 when all is written, 0 when the
 * socket is full, -1 on an error. */
int lg_conn_flush(lg_conn_t *c);
/* Reads what is there; 1 when a whole response is in rbuf (r filled),
 * 0 when more is needed, -1 on an error or when the peer closed. */
int lg_conn_read(lg_conn_t *c, lg_response_t *r);
/* Drops the response r from the front of rbuf. */
void lg_conn_consume(lg_conn_t *c, const lg_response_t *r);
/* Replaces wbuf with the request (with c->token as bearer when set); -1
 * when out of memory or the token is too long. */
int lg_conn_set_request(lg_conn_t *c, const char *method, const char *path,
                        const lg_config_t *cfg, const char *extra_headers, const char *body);

/* lg_script.c: what a connection sends next and what a response means. */
/* Has c's script nothing more to send (fill and place end; the others never)? */
int lg_script_done(const lg_conn_t *c, const lg_config_t *cfg);
/* Forgets c's script state, for the next phase on the same connection. */
void lg_script_reset(lg_conn_t *c);
/* Builds the next request into c; 0, or -1 when out of memory. */
int lg_script_next(lg_conn_t *c, const lg_config_t *cfg);
/* Records the answer (status 0 = I/O error) of c's request. */
void lg_script_answer(lg_conn_t *c, const lg_config_t *cfg, int status);

/* lg_stats.c */
/* Counts status (0 = I/O error) and keeps lat_ns unless it is negative;
 * -1 when out of memory. */
int lg_samples_add(lg_samples_t *s, int64_t lat_ns, int status);
/* Moves every sample of from into into; -1 when out of memory. */
int lg_samples_merge(lg_samples_t *into, lg_samples_t *from);
void lg_samples_free(lg_samples_t *s);
const char *lg_kind_name(lg_kind_t k);
/* Prints one line per kind with samples, and the totals. */
void lg_report(lg_samples_t *by_kind, int64_t wall_ns, const lg_config_t *cfg);
/* Prints the one line of place mode's untimed fill phase:
 *   fill customers=N adds=N ok=N errors=N rps=X wall_s=X [200=N ...] */
void lg_report_fill(const lg_samples_t *adds, int64_t wall_ns, const lg_config_t *cfg);

/* lg_tokens.c: the customers' tokens: one per connection, or in place
 * mode one per connection and round. */
/* How many distinct customers cfg's mode needs. */
size_t lg_tokens_needed(const lg_config_t *cfg);
/* Reads one token per non-empty line of path; -1 with a message. */
int lg_tokens_read(const char *path, lg_config_t *cfg);
/* Runs `bin token --customer PREFIX-i --name ... --email ...` for i in
 * 0..lg_tokens_needed(cfg)-1 with ORDERS_JWT_SECRET=secret; -1 with a
 * message. */
int lg_tokens_mint(const char *bin, const char *secret, const char *prefix, lg_config_t *cfg);

#endif
