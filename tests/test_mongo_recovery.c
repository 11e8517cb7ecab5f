/*
 * test_mongo_recovery.c - the MongoDB store's recovery of steps whose owner
 * died after they started, other than placements (test_mongo_crash.c):
 * a stale reservation lock of a settle (finished), of an order update that
 * never committed (undone, and the order fenced), a standalone reservation
 * never published (undone), and an order update's held journal with no
 * lock (dropped).  The stale state is written the way the protocol writes
 * it (docs/architecture.md, "The MongoDB protocol"); then PASSES handles,
 * each on its own thread, start a recovery pass at the same instant, and
 * the stock must have moved exactly once.
 *
 * Each test uses its own database on the server in ORDERS_TEST_MONGO_URI
 * (test.sh starts the wire test server) and drops it at the end; without
 * the variable every test says it is skipped.
 */
#define _DEFAULT_SOURCE

#include <criterion/criterion.h>
#include <mongoc/mongoc.h>

#include <orders/orders.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/mongo_tmp.h"

#define PASSES 8                     /* concurrent recovery handles */
#define OLD (INT64_C(1000000000000)) /* a lock.at / heldAt long past (2001) */

static mongot_db_t M; /* the server, this test's database, a raw client */

static void setup(void)
{
    mongot_db_init(&M, "test_mongo_recovery", "recovery", true);
}

static void teardown(void)
{
    mongot_db_drop(&M);
}

TestSuite(mongo_recovery, .init = setup, .fini = teardown, .timeout = 120);

/* A handle on the test database with no background pass.  Every stale
 * state below is dated 2001, so any grace finds it old; a pass that takes
 * a step leases it for the grace (60 s), and that lease is what keeps the
 * other passes off it -- a grace of 0 would let every pass act at once. */
static void *open_store(bool for_pass)
{
    orders_mongo_options_t o = orders_mongo_options_default();
    o.database = M.name;
    o.recovery_interval_ms = 0;
    o.recovery_grace_ms = 60000;
    if (for_pass)
        o.wait_ms = 0;
    void *ud = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_store_mongo_open(M.uri, &o, &ud, &err), ORDERS_OK, "open: %s",
                 err.message);
    return ud;
}

/* ---- the state a dead owner leaves --------------------------------------------------- */

static void raw_update(const char *coll, bson_t *filter, bson_t *update)
{
    mongoc_collection_t *cl = mongoc_client_get_collection(M.client, M.name, coll);
    bson_t reply;
    bson_error_t e;
    cr_assert(mongoc_collection_update_one(cl, filter, update, NULL, &reply, &e), "%s: %s", coll,
              e.message);
    bson_iter_t it;
    cr_assert(bson_iter_init_find(&it, &reply, "matchedCount") && bson_iter_as_int64(&it) == 1,
              "%s: the stale state was not written", coll);
    bson_destroy(&reply);
    mongoc_collection_destroy(cl);
    bson_destroy(filter);
    bson_destroy(update);
}

static int64_t raw_count(const char *coll, bson_t *filter)
{
    mongoc_collection_t *cl = mongoc_client_get_collection(M.client, M.name, coll);
    bson_error_t e;
    int64_t n = mongoc_collection_count_documents(cl, filter, NULL, NULL, NULL, &e);
    cr_assert_geq(n, 0, "count %s: %s", coll, e.message);
    mongoc_collection_destroy(cl);
    bson_destroy(filter);
    return n;
}

/* A product with 10 units and an active reservation of 4 of them for
 * order_id (reservation_create); a second one (o-other, 3 units) so that
 * a doubled move would still find units to take. */
static void seed_reserved(void *ud, const char *order_id)
{
    const orders_store_vtable_t *vt = orders_store_mongo_vtable();
    orders_error_t err = {0};
    orders_product_t p = {.id = "p1", .seller_id = "s1", .name = "P", .price = {500, "USD"},
                          .active = true, .created_at = 1, .updated_at = 1};
    cr_assert_eq(vt->product_put(ud, &p, false, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(vt->stock_change(ud, "p1", ORDERS_STOCK_SET_AVAILABLE, 10, NULL, &err),
                 ORDERS_OK);
    const char *ids[] = {order_id, "o-other"};
    const int64_t qty[] = {4, 3};
    for (int i = 0; i < 2; i++) {
        orders_reservation_line_t line = {.product_id = "p1", .seller_id = "s1",
                                          .quantity = qty[i], .unit_price = {500, "USD"}};
        char rid[64];
        snprintf(rid, sizeof rid, "res-%s", ids[i]);
        orders_reservation_t r = {.id = rid, .order_id = (char *)ids[i], .lines = &line,
                                  .line_count = 1, .total_items = qty[i],
                                  .total_value = {500 * qty[i], "USD"},
                                  .status = ORDERS_RES_ACTIVE, .local_stock = true,
                                  .created_at = 1, .updated_at = 1,
                                  .expires_at = INT64_C(4000000000000)};
        cr_assert_eq(vt->reservation_create(ud, &r, &err), ORDERS_OK, "%s", err.message);
    }
}

/* A lock as effect.c writes it, long past. */
static void write_lock(const char *order_id, const char *token, const char *kind, const char *to,
                       int move, int64_t order_version)
{
    raw_update("inventory_reservations", BCON_NEW("orderId", BCON_UTF8(order_id)),
               BCON_NEW("$set", "{", "lock", "{", "token", BCON_UTF8(token),
                        "kind", BCON_UTF8(kind), "to", BCON_UTF8(to), "move", BCON_INT32(move),
                        "now", BCON_INT64(1234), "orderVersion", BCON_INT64(order_version), "at",
                        BCON_DATE_TIME(OLD), "}", "}"));
}

/* ---- many recovery passes at once ------------------------------------------------------ */

typedef struct pass_arg {
    void *ud;
    pthread_barrier_t *start;
    orders_code_t rc;
    orders_mongo_recovery_t out;
} pass_arg_t;

static void *pass(void *arg)
{
    pass_arg_t *a = arg;
    pthread_barrier_wait(a->start);
    orders_error_t err = {0};
    a->rc = orders_store_mongo_recover(a->ud, &a->out, &err);
    return NULL;
}

/* PASSES handles, opened before the stale state is written (so their
 * open-time passes find nothing). */
static void open_passes(void **uds)
{
    for (int i = 0; i < PASSES; i++)
        uds[i] = open_store(true);
}

/* All PASSES handles run one pass at the same instant, then close; every
 * pass succeeds, and between them they took exactly `steps` steps (each
 * stale step is leased by one pass only; -1: not counted). */
static void recover_concurrently(void **uds, int64_t steps)
{
    pthread_t t[PASSES];
    pass_arg_t a[PASSES];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, PASSES);
    for (int i = 0; i < PASSES; i++) {
        a[i] = (pass_arg_t){.ud = uds[i], .start = &start};
        cr_assert_eq(pthread_create(&t[i], NULL, pass, &a[i]), 0);
    }
    int64_t taken = 0;
    for (int i = 0; i < PASSES; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(a[i].rc, ORDERS_OK, "pass %d failed", i);
        taken += a[i].out.effects_finished + a[i].out.effects_undone +
                 a[i].out.reservations_undone;
    }
    pthread_barrier_destroy(&start);
    if (steps >= 0)
        cr_expect_eq(taken, steps, "the passes took %lld steps, expected %lld",
                     (long long)taken, (long long)steps);
    for (int i = 0; i < PASSES; i++)
        orders_store_mongo_free(uds[i]);
}

static void assert_stock(void *ud, int64_t available, int64_t reserved, int64_t sold)
{
    orders_stock_t st;
    orders_error_t err = {0};
    cr_assert_eq(orders_store_mongo_vtable()->stock_get(ud, "p1", &st, &err), ORDERS_OK);
    cr_assert_eq(st.available + st.reserved + st.sold, st.stocked - st.adjusted,
                 "stock invariant broken");
    cr_assert_eq(st.available, available, "available %lld, expected %lld",
                 (long long)st.available, (long long)available);
    cr_assert_eq(st.reserved, reserved, "reserved %lld, expected %lld", (long long)st.reserved,
                 (long long)reserved);
    cr_assert_eq(st.sold, sold, "sold %lld, expected %lld", (long long)st.sold,
                 (long long)sold);
}

static orders_reservation_status_t res_status(void *ud, const char *order_id)
{
    orders_reservation_t *r = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_store_mongo_vtable()->reservation_get(ud, order_id, &r, &err), ORDERS_OK,
                 "%s", err.message);
    orders_reservation_status_t st = r->status;
    orders_reservation_free(r);
    return st;
}

static void assert_no_locks_or_marks(void)
{
    cr_assert_eq(raw_count("inventory_reservations",
                           BCON_NEW("lock", "{", "$exists", BCON_BOOL(true), "}")),
                 0, "a lock is left");
    cr_assert_eq(raw_count("products", BCON_NEW("marks.0", "{", "$exists", BCON_BOOL(true), "}")),
                 0, "a stock mark is left");
}

/* ---- the cases ---------------------------------------------------------------------------- */

/* One more active reservation of one unit of p1 for order_id. */
static void reserve_one(void *ud, const char *order_id)
{
    orders_reservation_line_t line = {.product_id = "p1", .seller_id = "s1", .quantity = 1,
                                      .unit_price = {500, "USD"}};
    char rid[64];
    snprintf(rid, sizeof rid, "res-%s", order_id);
    orders_reservation_t r = {.id = rid, .order_id = (char *)order_id, .lines = &line,
                              .line_count = 1, .total_items = 1, .total_value = {500, "USD"},
                              .status = ORDERS_RES_ACTIVE, .local_stock = true, .created_at = 1,
                              .updated_at = 1, .expires_at = INT64_C(4000000000000)};
    orders_error_t err = {0};
    cr_assert_eq(orders_store_mongo_vtable()->reservation_create(ud, &r, &err), ORDERS_OK, "%s",
                 err.message);
}

#define LOCKS 30

Test(mongo_recovery, stale_settle_locks_are_finished_once)
{
    void *ud = open_store(false);
    seed_reserved(ud, "o1");
    orders_error_t err = {0};
    cr_assert_eq(orders_store_mongo_vtable()->stock_change(ud, "p1", ORDERS_STOCK_ADJUST, LOCKS,
                                                           NULL, &err),
                 ORDERS_OK);
    char ids[LOCKS][16];
    for (int i = 0; i < LOCKS; i++) {
        snprintf(ids[i], sizeof ids[i], "x%02d", i);
        reserve_one(ud, ids[i]);
    }
    assert_stock(ud, 3, 7 + LOCKS, 0);
    void *uds[PASSES];
    open_passes(uds);
    /* Every x reservation locked for settle(RELEASE) by processes that died
     * before moving stock.  The passes all read the same batch and work
     * through it at their own pace, so most of them reach a lock after
     * another pass has finished it. */
    for (int i = 0; i < LOCKS; i++) {
        char token[32];
        snprintf(token, sizeof token, "a%023d", i);
        write_lock(ids[i], token, "settle", "cancelled", 3 /* ORDERS__MOVE_RELEASE */, 0);
    }
    recover_concurrently(uds, LOCKS);
    /* each unit released exactly once: o1 and o-other keep their 7 */
    assert_stock(ud, 3 + LOCKS, 7, 0);
    for (int i = 0; i < LOCKS; i++)
        cr_assert_eq(res_status(ud, ids[i]), ORDERS_RES_CANCELLED, "%s", ids[i]);
    cr_assert_eq(res_status(ud, "o1"), ORDERS_RES_ACTIVE);
    assert_no_locks_or_marks();
    orders_store_mongo_free(ud);
}

Test(mongo_recovery, stale_update_lock_without_commit_is_undone_and_fenced)
{
    void *ud = open_store(false);
    seed_reserved(ud, "o1");
    void *uds[PASSES];
    open_passes(uds);
    /* an order o1 at version 1 (written as the store writes orders) */
    bson_t *order = BCON_NEW("_id", BCON_UTF8("o1"), "orderNumber", BCON_UTF8("ORD1"), "version",
                             BCON_INT64(1), "effects", "[", "]", "fenced", "[", "]");
    mongoc_collection_t *cl = mongoc_client_get_collection(M.client, M.name, "orders");
    cr_assert(mongoc_collection_insert_one(cl, order, NULL, NULL, NULL));
    mongoc_collection_destroy(cl);
    bson_destroy(order);
    /* an update to version 2 confirming the reservation: locked, journal
     * held, then the owner died before the order's commit */
    write_lock("o1", "aaaaaaaaaaaaaaaaaaaaaaaa", "update", "confirmed", 2 /* ORDERS__MOVE_CONFIRM */,
               2);
    bson_t *held = BCON_NEW("_id", BCON_UTF8("o1:2.0"), "type", BCON_UTF8("order_status_changed"),
                            "orderId", BCON_UTF8("o1"), "state", BCON_UTF8("held"), "holder",
                            BCON_UTF8("aaaaaaaaaaaaaaaaaaaaaaaa"), "heldAt",
                            BCON_DATE_TIME(OLD));
    cl = mongoc_client_get_collection(M.client, M.name, "outbox");
    cr_assert(mongoc_collection_insert_one(cl, held, NULL, NULL, NULL));
    mongoc_collection_destroy(cl);
    bson_destroy(held);

    /* the lock, and maybe the held event too (unless the lock's undo dropped
     * it before another pass leased it) */
    recover_concurrently(uds, -1);
    assert_stock(ud, 3, 7, 0); /* nothing confirmed */
    cr_assert_eq(res_status(ud, "o1"), ORDERS_RES_ACTIVE);
    cr_assert_eq(raw_count("outbox", BCON_NEW("_id", BCON_UTF8("o1:2.0"))), 0,
                 "the held event of the undone update is left");
    cr_assert_eq(raw_count("orders", BCON_NEW("_id", BCON_UTF8("o1"), "fenced",
                                              BCON_UTF8("aaaaaaaaaaaaaaaaaaaaaaaa"))),
                 1, "the order was not fenced against the dead update");
    assert_no_locks_or_marks();
    /* The reservation is usable again. */
    orders_error_t err = {0};
    cr_assert_eq(orders_store_mongo_vtable()->reservation_settle(ud, "o1",
                                                                 ORDERS_RES_EFFECT_CONFIRM, 5,
                                                                 &err),
                 ORDERS_OK, "%s", err.message);
    assert_stock(ud, 3, 3, 4);
    orders_store_mongo_free(ud);
}

Test(mongo_recovery, unpublished_reservation_is_undone_once)
{
    void *ud = open_store(false);
    seed_reserved(ud, "o1");
    void *uds[PASSES];
    open_passes(uds);
    /* o1's creator moved its stock (marked) and died before publishing */
    const char *tok = "bbbbbbbbbbbbbbbbbbbbbbbb";
    raw_update("inventory_reservations", BCON_NEW("orderId", BCON_UTF8("o1")),
               BCON_NEW("$set", "{", "creating", BCON_UTF8(tok), "creatingAt",
                        BCON_DATE_TIME(OLD), "}"));
    raw_update("products", BCON_NEW("_id", BCON_UTF8("p1")),
               BCON_NEW("$push", "{", "marks", BCON_UTF8(tok), "}"));
    recover_concurrently(uds, 1);
    assert_stock(ud, 7, 3, 0); /* its 4 units back exactly once */
    cr_assert_eq(raw_count("inventory_reservations", BCON_NEW("orderId", BCON_UTF8("o1"))), 0,
                 "the unpublished reservation is left");
    assert_no_locks_or_marks();
    orders_store_mongo_free(ud);
}

Test(mongo_recovery, a_fresh_step_is_left_to_its_owner)
{
    void *ud = open_store(false);
    seed_reserved(ud, "o1");
    /* a lock taken just now: a live owner is working on it */
    raw_update("inventory_reservations", BCON_NEW("orderId", BCON_UTF8("o1")),
               BCON_NEW("$set", "{", "lock", "{", "token", BCON_UTF8("cccccccccccccccccccccccc"),
                        "kind", BCON_UTF8("settle"), "to", BCON_UTF8("cancelled"), "move",
                        BCON_INT32(3), "now", BCON_INT64(1), "orderVersion", BCON_INT64(0),
                        "at", BCON_DATE_TIME(INT64_C(4000000000000)), "}", "}"));
    orders_mongo_recovery_t out;
    orders_error_t err = {0};
    cr_assert_eq(orders_store_mongo_recover(ud, &out, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(out.effects_finished + out.effects_undone, 0, "recovery took a fresh lock");
    assert_stock(ud, 3, 7, 0);
    cr_assert_eq(raw_count("inventory_reservations",
                           BCON_NEW("lock.token", BCON_UTF8("cccccccccccccccccccccccc"))),
                 1, "the fresh lock was touched");
    orders_store_mongo_free(ud);
}
