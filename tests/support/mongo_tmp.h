/*
 * mongo_tmp.h - a test's own database on the MongoDB server named by
 * ORDERS_TEST_MONGO_URI (test.sh starts the wire test server,
 * scripts/mongo-test-server.sh, and sets it; or point it at a MongoDB), for
 * tests/test_mongo_*.c.
 *
 * Unlike the rest of tests/support/, this file needs libmongoc, so it is
 * not linked into every test binary: tests/CMakeLists.txt builds it only
 * into the test_mongo_* executables.
 *
 * Thread-safety: the calls assert with Criterion; call them from the
 * test's own thread (its .init and .fini).
 */
#ifndef ORDERS_TEST_MONGO_TMP_H
#define ORDERS_TEST_MONGO_TMP_H

#include <stdbool.h>

#include <mongoc/mongoc.h>

/* Longest database name, NUL included. */
#define MONGOT_NAME_MAX 64

/* The server, and a database of this test's own on it.  The caller owns
 * the storage; mongot_db_init fills it, mongot_db_drop empties it. */
typedef struct mongot_db {
    const char *uri;            /* ORDERS_TEST_MONGO_URI: borrowed from the environment */
    char name[MONGOT_NAME_MAX]; /* "orders_TAG_PID": one per test process */
    mongoc_client_t *client;    /* a raw client on uri, or NULL (see mongot_db_init) */
} mongot_db_t;

/* Fills db for the calling test, or skips it when ORDERS_TEST_MONGO_URI is
 * unset or empty: it then prints "TEST: SKIPPED: ..." (TEST names the test
 * file, e.g. "test_mongo_wire") with what to do on stderr, and does not
 * return (cr_skip_test).  With with_client, also opens db->client (server
 * selection gives up after 5 s), which the test may use to read or write
 * documents directly; asserts that it could.  Call from a .init. */
void mongot_db_init(mongot_db_t *db, const char *test, const char *tag, bool with_client);

/* Drops the test's database (errors ignored: it is a clean-up), through
 * db->client or, without one, a client of its own; destroys db->client and
 * zeroes db.  A zeroed db (never filled, or the test skipped) is a no-op. */
void mongot_db_drop(mongot_db_t *db);

#endif
