/*
 * tests/server/stores.h - one store shared by the orders-server processes of
 * a test and by the test itself: a SQLite file in a folder of the test's
 * own, or a database of the test's own on the MongoDB named by
 * ORDERS_TEST_MONGO_URI (test.sh starts the wire test server and sets it).
 * Used by the crash test (test_srv_crash.c) and the two-server scale test
 * (test_srv_scale.c).
 *
 * Every call asserts with Criterion: call them from the test's own thread.
 */
#ifndef ORDERS_TEST_SERVER_STORES_H
#define ORDERS_TEST_SERVER_STORES_H

#include <stdbool.h>

#include <orders/orders.h>

#include "harness.h"

typedef enum srvs_kind { SRVS_SQLITE, SRVS_MONGO } srvs_kind_t;

typedef struct srvs_store {
    srvs_kind_t kind;
    char dir[256];      /* the servers' folder: logs, events.log, the SQLite file */
    char uri[2048];     /* the --store value of every server */
    char db_name[64];   /* MongoDB: the test's database */
} srvs_store_t;

/* Fills st: a new folder; with SRVS_MONGO a database named after test and
 * this process.  Skips the test (cr_skip_test, saying why on stderr) when
 * SRVS_MONGO has no ORDERS_TEST_MONGO_URI, or liborders lacks the store's
 * backend. */
void srvs_init(srvs_store_t *st, srvs_kind_t kind, const char *test);
/* "sqlite" or "mongo". */
const char *srvs_kind_name(srvs_kind_t kind);

/* Starts orders-server on st (srvh_start in st->dir, --store st->uri,
 * --threads threads), then extra (NULL-terminated, may be NULL). */
void srvs_start(const srvs_store_t *st, srvh_t *s, const char *threads,
                const char *const *extra);

/* A context of the test's own on st, for reading it through the public
 * API while servers run.  On MongoDB it opens the store with a recovery
 * grace of 0, so opening it finishes or undoes at once every operation
 * that a killed server left half-done (which a live server's recovery pass
 * does once they are 30 s old): call it only while no server is in the
 * middle of an operation.  orders_ctx_destroy it. */
orders_ctx_t *srvs_open(const srvs_store_t *st);

/* The integer in environment variable name, dflt when unset or empty;
 * fails the test unless it is a number in lo..hi. */
long srvs_env_long(const char *name, long dflt, long lo, long hi);

/* Removes the folder and drops the database (servers stopped). */
void srvs_destroy(srvs_store_t *st);

#endif
