/*
 * backend_mongo.c - conformance hooks for the MongoDB store.
 *
 * The server is the one in ORDERS_TEST_MONGO_URI (test.sh starts the
 * MongoDB-wire test server and sets it; a real MongoDB works too).  Without
 * the variable conformance_skip_reason says so and every test is skipped.
 *
 * conformance_open opens the store on a new database of its own,
 * "orders_conf_<pid>_<counter>_<time>" (the time keeps a recycled pid from
 * meeting a database a crashed run left behind), with recovery only at open
 * (recovery_interval_ms 0) so that no background pass runs during a test.
 * conformance_close frees the handle and, for a handle from
 * conformance_open, drops that database through a libmongoc client of its
 * own.  conformance_reopen opens a second, independent handle (its own
 * client pool) on the same database; closing it drops nothing.
 */
#define _POSIX_C_SOURCE 200809L

#include "conformance/conformance.h"

#include <orders/store_mongo.h>

#include <mongoc/mongoc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define URI_ENV "ORDERS_TEST_MONGO_URI"

/* The handles conformance_open made, with their databases (a test opens one
 * at a time, but nothing here depends on that). */
#define MAX_OPEN 4

static struct {
    void *ud;
    char db[64];
} opened[MAX_OPEN];

static unsigned counter;

static const char *test_uri(void)
{
    const char *uri = getenv(URI_ENV);
    return uri != NULL && uri[0] != '\0' ? uri : NULL;
}

const char *conformance_skip_reason(void)
{
    if (test_uri() == NULL)
        return URI_ENV " is not set (test.sh starts the wire test server and sets it; "
                       "or point it at a MongoDB)";
    return NULL;
}

/* Opens the store on database db; NULL (after saying why) on failure. */
static void *open_on(const char *db, const char *what)
{
    orders_mongo_options_t o = orders_mongo_options_default();
    o.database = db;
    o.recovery_interval_ms = 0;
    void *ud = NULL;
    orders_error_t err = {0};
    if (orders_store_mongo_open(test_uri(), &o, &ud, &err) != ORDERS_OK) {
        fprintf(stderr, "%s: orders_store_mongo_open (database %s): %s\n", what, db,
                err.message);
        return NULL;
    }
    return ud;
}

const orders_store_vtable_t *conformance_open(void **ud)
{
    *ud = NULL;
    if (test_uri() == NULL) {
        fprintf(stderr, "conformance_open: " URI_ENV " is not set\n");
        return NULL;
    }
    int slot = 0;
    while (slot < MAX_OPEN && opened[slot].ud != NULL)
        slot++;
    if (slot == MAX_OPEN)
        return NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(opened[slot].db, sizeof opened[slot].db, "orders_conf_%ld_%u_%lx", (long)getpid(),
             counter++, (unsigned long)((ts.tv_sec * 1000 + ts.tv_nsec / 1000000) & 0xffffffffUL));
    *ud = open_on(opened[slot].db, "conformance_open");
    if (*ud == NULL)
        return NULL;
    opened[slot].ud = *ud;
    return orders_store_mongo_vtable();
}

/* Drops database db through a client of our own; says so on stderr when
 * that fails (the test's result stands: the leftover only costs space). */
static void drop_database(const char *db)
{
    mongoc_init();
    bson_error_t error;
    mongoc_uri_t *u = mongoc_uri_new_with_error(test_uri(), &error);
    if (u == NULL) {
        fprintf(stderr, "conformance_close: bad " URI_ENV ": %s\n", error.message);
        return;
    }
    mongoc_uri_set_option_as_int32(u, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
    mongoc_client_t *client = mongoc_client_new_from_uri(u);
    mongoc_uri_destroy(u);
    if (client == NULL) {
        fprintf(stderr, "conformance_close: no client to drop database %s\n", db);
        return;
    }
    mongoc_database_t *d = mongoc_client_get_database(client, db);
    if (!mongoc_database_drop(d, &error))
        fprintf(stderr, "conformance_close: dropping database %s: %s\n", db, error.message);
    mongoc_database_destroy(d);
    mongoc_client_destroy(client);
}

void conformance_close(void *ud)
{
    orders_store_mongo_free(ud);
    for (int i = 0; i < MAX_OPEN; i++) {
        if (ud != NULL && opened[i].ud == ud) {
            drop_database(opened[i].db);
            opened[i].ud = NULL;
        }
    }
}

void *conformance_reopen(void *ud)
{
    for (int i = 0; i < MAX_OPEN; i++) {
        if (ud != NULL && opened[i].ud == ud)
            return open_on(opened[i].db, "conformance_reopen");
    }
    return NULL;
}
