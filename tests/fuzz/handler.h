/*
 * tests/fuzz/handler.h - runs one orders-server route handler the way
 * server/http.c does, for the targets that drive handlers (fuzz_query,
 * fuzz_routes), and checks its answer.
 */
#ifndef ORDERS_FUZZ_HANDLER_H
#define ORDERS_FUZZ_HANDLER_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"

#define FUZZ_CUSTOMER "fuzz-customer"

/* What one handler call is given.  Everything is borrowed for the call. */
typedef struct fuzz_call {
    srv_t *srv;
    const srv_route_t *route;
    const char *path, *query;        /* query may be NULL */
    const char *const *params;       /* nparams path parameters */
    size_t nparams;
    json_t *body;                    /* parsed body or NULL */
    char *raw;                       /* raw body or NULL */
    size_t raw_len;
    bool no_5xx;                     /* true: any 5xx is a bug; false: only 500 */
} fuzz_call_t;

/* Runs c->route's handler as its customer (FUZZ_CUSTOMER) or an admin and
 * aborts (FUZZ_REQUIRE) unless it answered exactly one JSON envelope whose
 * "success" agrees with its status, with no 500 (no 5xx when c->no_5xx). */
void fuzz_call_handler(const fuzz_call_t *c);

#endif
