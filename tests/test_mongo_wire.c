/*
 * test_mongo_wire.c - the MongoDB primitives the Mongo store is to be built
 * on, checked against the server in ORDERS_TEST_MONGO_URI: the wire test
 * server that test.sh starts (scripts/mongo-test-server.sh), or a real
 * MongoDB.  Without the variable every test says it is skipped, and why.
 *
 * What the backend will rely on (issue 5: no multi-document transactions):
 * a unique index refusing a duplicate with error 11000, a conditional $inc
 * that moves stock only while enough is available, findAndModify handing
 * out a counter, and numbers read back with bson_iter_as_int64 whatever
 * type the server stored them as.
 */
#include <criterion/criterion.h>
#include <mongoc/mongoc.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "support/mongo_tmp.h"

static mongot_db_t M; /* the server, this test's database, its client */
static mongoc_database_t *db;

static void setup(void)
{
    mongot_db_init(&M, "test_mongo_wire", "wire", true);
    db = mongoc_client_get_database(M.client, M.name);
}

static void teardown(void)
{
    if (db != NULL) {
        mongoc_database_destroy(db);
        db = NULL;
    }
    if (M.client != NULL)
        mongot_db_drop(&M);
}

TestSuite(mongo_wire, .init = setup, .fini = teardown);

/* The int64 of field in the single document matching filter. */
static int64_t read_field(mongoc_collection_t *c, const bson_t *filter, const char *field)
{
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, filter, NULL, NULL);
    const bson_t *doc = NULL;
    cr_assert(mongoc_cursor_next(cur, &doc), "no document for the filter");
    bson_iter_t it;
    cr_assert(bson_iter_init_find(&it, doc, field), "no field %s", field);
    int64_t v = bson_iter_as_int64(&it);
    mongoc_cursor_destroy(cur);
    return v;
}

Test(mongo_wire, ping_answers)
{
    bson_t *cmd = BCON_NEW("ping", BCON_INT32(1));
    bson_t reply;
    bson_error_t error;
    bool ok = mongoc_client_command_simple(M.client, "admin", cmd, NULL, &reply, &error);
    cr_expect(ok, "ping: %s", error.message);
    bson_destroy(&reply);
    bson_destroy(cmd);
}

Test(mongo_wire, a_unique_index_refuses_a_duplicate_with_11000)
{
    mongoc_collection_t *c = mongoc_database_get_collection(db, "orders");
    /* the createIndexes command: libmongoc 1.23 has no index-model API */
    bson_t *cmd = BCON_NEW("createIndexes", "orders", "indexes", "[", "{", "key", "{",
                           "orderNumber", BCON_INT32(1), "}", "name", "orderNumber_1", "unique",
                           BCON_BOOL(true), "}", "]");
    bson_error_t error;
    bson_t reply;
    cr_assert(mongoc_database_write_command_with_opts(db, cmd, NULL, &reply, &error),
              "createIndexes: %s", error.message);
    bson_destroy(&reply);
    bson_destroy(cmd);
    bson_t *a = BCON_NEW("_id", "o1", "orderNumber", "ORD1");
    bson_t *b = BCON_NEW("_id", "o2", "orderNumber", "ORD1");
    bson_t *other = BCON_NEW("_id", "o3", "orderNumber", "ORD2");
    cr_assert(mongoc_collection_insert_one(c, a, NULL, NULL, &error), "%s", error.message);
    cr_expect_not(mongoc_collection_insert_one(c, b, NULL, NULL, &error),
                  "a second ORD1 was stored");
    cr_expect_eq(error.code, 11000u, "code %u: %s", error.code, error.message);
    cr_expect(mongoc_collection_insert_one(c, other, NULL, NULL, &error), "%s", error.message);
    bson_t all = BSON_INITIALIZER;
    cr_expect_eq(mongoc_collection_count_documents(c, &all, NULL, NULL, NULL, &error), 2, "%s",
                 error.message);
    bson_destroy(&all);
    bson_destroy(a);
    bson_destroy(b);
    bson_destroy(other);
    mongoc_collection_destroy(c);
}

/* Stock moves only while enough is available: the filter carries the
 * condition, so two racing reservations cannot both pass it. */
Test(mongo_wire, a_conditional_inc_moves_stock_only_while_enough_is_available)
{
    mongoc_collection_t *c = mongoc_database_get_collection(db, "stock");
    bson_t *doc = BCON_NEW("_id", "p1", "available", BCON_INT64(5), "reserved", BCON_INT64(0));
    bson_error_t error;
    cr_assert(mongoc_collection_insert_one(c, doc, NULL, NULL, &error), "%s", error.message);
    bson_t *filter = BCON_NEW("_id", "p1", "available", "{", "$gte", BCON_INT64(3), "}");
    bson_t *inc = BCON_NEW("$inc", "{", "available", BCON_INT64(-3), "reserved", BCON_INT64(3),
                           "}");
    int64_t matched[2];
    for (int i = 0; i < 2; i++) {
        bson_t reply;
        cr_assert(mongoc_collection_update_one(c, filter, inc, NULL, &reply, &error), "%s",
                  error.message);
        bson_iter_t it;
        cr_assert(bson_iter_init_find(&it, &reply, "matchedCount"));
        matched[i] = bson_iter_as_int64(&it);
        bson_destroy(&reply);
    }
    cr_expect_eq(matched[0], 1, "the first reservation of 3 out of 5");
    cr_expect_eq(matched[1], 0, "a second reservation of 3 with 2 left");
    bson_t *id = BCON_NEW("_id", "p1");
    cr_expect_eq(read_field(c, id, "available"), 2);
    cr_expect_eq(read_field(c, id, "reserved"), 3);
    bson_destroy(id);
    bson_destroy(inc);
    bson_destroy(filter);
    bson_destroy(doc);
    mongoc_collection_destroy(c);
}

/* findAndModify with upsert and the new document: a counter (order-number
 * blocks) handed out once per call. */
Test(mongo_wire, find_and_modify_hands_out_a_counter)
{
    mongoc_collection_t *c = mongoc_database_get_collection(db, "counters");
    bson_t *query = BCON_NEW("_id", "order");
    bson_t *update = BCON_NEW("$inc", "{", "value", BCON_INT64(1), "}");
    mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new();
    mongoc_find_and_modify_opts_set_update(opts, update);
    mongoc_find_and_modify_opts_set_flags(
        opts, MONGOC_FIND_AND_MODIFY_UPSERT | MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    for (int64_t want = 1; want <= 3; want++) {
        bson_t reply;
        bson_error_t error;
        cr_assert(mongoc_collection_find_and_modify_with_opts(c, query, opts, &reply, &error),
                  "%s", error.message);
        bson_iter_t it;
        cr_assert(bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it));
        bson_iter_t sub;
        cr_assert(bson_iter_recurse(&it, &sub) && bson_iter_find(&sub, "value"));
        cr_expect_eq(bson_iter_as_int64(&sub), want);
        bson_destroy(&reply);
    }
    mongoc_find_and_modify_opts_destroy(opts);
    bson_destroy(update);
    bson_destroy(query);
    mongoc_collection_destroy(c);
}

/* Money is int64 minor units: a value past int32 comes back exact through
 * bson_iter_as_int64, whatever type the server kept. */
Test(mongo_wire, int64_amounts_come_back_exact)
{
    mongoc_collection_t *c = mongoc_database_get_collection(db, "amounts");
    const int64_t big = (INT64_C(1) << 40) + 7, negative = -(INT64_C(1) << 35) - 3;
    bson_t *doc = BCON_NEW("_id", "a1", "big", BCON_INT64(big), "negative", BCON_INT64(negative));
    bson_error_t error;
    cr_assert(mongoc_collection_insert_one(c, doc, NULL, NULL, &error), "%s", error.message);
    bson_t *id = BCON_NEW("_id", "a1");
    cr_expect_eq(read_field(c, id, "big"), big);
    cr_expect_eq(read_field(c, id, "negative"), negative);
    bson_destroy(id);
    bson_destroy(doc);
    mongoc_collection_destroy(c);
}
