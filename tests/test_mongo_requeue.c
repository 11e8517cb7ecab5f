/*
 * test_mongo_requeue.c - the MongoDB store's outbox_requeue never touches a
 * held event (one written by a step that has not committed yet, outbox.c):
 * not by a requeue of the oldest dead letters, even when the held one is
 * older, and not by id (ORDERS_E_NOT_FOUND, as for an ack); nor is it
 * counted.  The outbox documents are written the way the store writes them
 * (codec_log.c).
 *
 * Uses its own database on the server in ORDERS_TEST_MONGO_URI (test.sh
 * starts the wire test server) and drops it at the end; without the
 * variable every test says it is skipped.
 */
#define _DEFAULT_SOURCE

#include <criterion/criterion.h>
#include <mongoc/mongoc.h>

#include <orders/store.h>
#include <orders/store_mongo.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/mongo_tmp.h"

#define T0 INT64_C(1700000000000)

static mongot_db_t M; /* the server, this test's database, a raw client */

static void setup(void)
{
    mongot_db_init(&M, "test_mongo_requeue", "requeue", true);
}

static void teardown(void)
{
    mongot_db_drop(&M);
}

TestSuite(mongo_requeue, .init = setup, .fini = teardown, .timeout = 60);

static void *open_store(void)
{
    orders_mongo_options_t o = orders_mongo_options_default();
    o.database = M.name;
    o.recovery_interval_ms = 0; /* no pass: the held event stays held */
    void *ud = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_store_mongo_open(M.uri, &o, &ud, &err), ORDERS_OK, "open: %s",
                 err.message);
    return ud;
}

/* An outbox document of order o1 in state, created at created_at. */
static void put_event(const char *id, const char *state, int64_t created_at)
{
    bson_oid_t seq;
    bson_oid_init(&seq, NULL);
    bson_t *doc = BCON_NEW("_id", BCON_UTF8(id), "type", BCON_UTF8("order_placed"), "orderId",
                           BCON_UTF8("o1"), "recipient", BCON_UTF8("c1"), "amount",
                           BCON_INT64(700), "currency", BCON_UTF8("USD"), "createdAt",
                           BCON_DATE_TIME(created_at), "attempts", BCON_INT64(3),
                           "nextAttemptAt", BCON_DATE_TIME(created_at), "lastError",
                           BCON_UTF8("down"), "seq", BCON_OID(&seq), "state", BCON_UTF8(state));
    if (strcmp(state, "held") == 0) {
        BSON_APPEND_UTF8(doc, "holder", "aaaaaaaaaaaaaaaaaaaaaaaa");
        BSON_APPEND_DATE_TIME(doc, "heldAt", T0);
    }
    mongoc_collection_t *cl = mongoc_client_get_collection(M.client, M.name, "outbox");
    bson_error_t e;
    cr_assert(mongoc_collection_insert_one(cl, doc, NULL, NULL, &e), "insert %s: %s", id,
              e.message);
    mongoc_collection_destroy(cl);
    bson_destroy(doc);
}

static int64_t count_state(const char *id, const char *state)
{
    mongoc_collection_t *cl = mongoc_client_get_collection(M.client, M.name, "outbox");
    bson_t *filter = BCON_NEW("_id", BCON_UTF8(id), "state", BCON_UTF8(state));
    bson_error_t e;
    int64_t n = mongoc_collection_count_documents(cl, filter, NULL, NULL, NULL, &e);
    cr_assert_geq(n, 0, "count: %s", e.message);
    bson_destroy(filter);
    mongoc_collection_destroy(cl);
    return n;
}

Test(mongo_requeue, held_events_are_never_requeued_or_counted)
{
    void *ud = open_store();
    const orders_store_vtable_t *vt = orders_store_mongo_vtable();
    put_event("o1:held", "held", T0);        /* the oldest */
    put_event("o1:dead", "dead", T0 + 10);
    put_event("o1:pending", "pending", T0 + 20);

    int64_t pending = -1, dead = -1, moved = -1;
    orders_error_t err = {0};
    cr_assert_eq(vt->outbox_counts(ud, &pending, &dead, &err), ORDERS_OK, "%s", err.message);
    cr_assert(pending == 1 && dead == 1, "pending %lld dead %lld", (long long)pending,
              (long long)dead);

    cr_assert_eq(vt->outbox_requeue(ud, "o1:held", T0 + 100, 1, &moved, &err),
                 ORDERS_E_NOT_FOUND, "a held event by id");
    cr_assert_eq(moved, 0);
    cr_assert_eq(vt->outbox_requeue(ud, NULL, T0 + 100, 10, &moved, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(moved, 1, "only the dead letter moves");
    cr_assert_eq(count_state("o1:held", "held"), 1, "the held event was changed");
    cr_assert_eq(count_state("o1:dead", "pending"), 1, "the dead letter is not pending");

    orders_event_list_t l = {0};
    cr_assert_eq(vt->outbox_fetch(ud, T0 + 100, 10, &l, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(l.count, 2, "fetched %zu", l.count);
    cr_assert_str_eq(l.items[0]->id, "o1:dead");
    cr_assert_eq(l.items[0]->attempts, 0);
    cr_assert_eq(l.items[0]->next_attempt_at, T0 + 100);
    cr_assert_str_eq(l.items[0]->last_error, "down", "last_error is kept");
    cr_assert_str_eq(l.items[1]->id, "o1:pending");
    cr_assert_eq(l.items[1]->attempts, 3, "a pending event was reset");
    orders_event_list_clear(&l);
    cr_assert_eq(vt->outbox_counts(ud, &pending, &dead, &err), ORDERS_OK, "%s", err.message);
    cr_assert(pending == 2 && dead == 0, "pending %lld dead %lld", (long long)pending,
              (long long)dead);
    orders_store_mongo_free(ud);
}
