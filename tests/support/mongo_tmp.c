/*
 * mongo_tmp.c - see mongo_tmp.h.  Built only into tests/test_mongo_*.c.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/mongo_tmp.h"

/* A client on uri that gives up on server selection after 5 s. */
static mongoc_client_t *client_new(const char *uri)
{
    mongoc_init(); /* once per process; later calls do nothing */
    bson_error_t error;
    mongoc_uri_t *u = mongoc_uri_new_with_error(uri, &error);
    cr_assert_not_null(u, "bad ORDERS_TEST_MONGO_URI: %s", error.message);
    mongoc_uri_set_option_as_int32(u, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
    mongoc_client_t *c = mongoc_client_new_from_uri(u);
    mongoc_uri_destroy(u);
    cr_assert_not_null(c, "no client on ORDERS_TEST_MONGO_URI %s", uri);
    return c;
}

void mongot_db_init(mongot_db_t *db, const char *test, const char *tag, bool with_client)
{
    memset(db, 0, sizeof *db);
    const char *uri = getenv("ORDERS_TEST_MONGO_URI");
    if (uri == NULL || uri[0] == '\0') {
        fprintf(stderr, "%s: SKIPPED: ORDERS_TEST_MONGO_URI is not set (test.sh starts the wire "
                        "test server and sets it; or point it at a MongoDB)\n",
                test);
        cr_skip_test("ORDERS_TEST_MONGO_URI is not set");
    }
    int n = snprintf(db->name, sizeof db->name, "orders_%s_%ld", tag, (long)getpid());
    cr_assert(n > 0 && (size_t)n < sizeof db->name, "database name for %s too long", tag);
    db->uri = uri;
    if (with_client)
        db->client = client_new(uri);
}

void mongot_db_drop(mongot_db_t *db)
{
    if (db->uri == NULL)
        return;
    mongoc_client_t *c = db->client ? db->client : client_new(db->uri);
    mongoc_database_t *d = mongoc_client_get_database(c, db->name);
    (void)mongoc_database_drop(d, NULL);
    mongoc_database_destroy(d);
    mongoc_client_destroy(c);
    memset(db, 0, sizeof *db);
}
