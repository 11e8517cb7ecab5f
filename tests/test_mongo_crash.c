/*
 * test_mongo_crash.c - a process dies at every step of a MongoDB placement
 * (the store's abort_at_step test hook); the next open's recovery pass must
 * leave no trace of it: a placement that had not committed (steps 1-5) is
 * gone without a trace and its stock is back, one that had (steps 6-8) is
 * whole -- order, reservation, cleared cart, events, history and
 * idempotency key -- and in both cases the stock invariant holds and no
 * placement record, held event or history entry, or stock mark is left.
 *
 * Each test uses its own database on the server in ORDERS_TEST_MONGO_URI
 * (test.sh starts the wire test server; or point it at a MongoDB) and
 * drops it at the end.  Without the variable every test says it is skipped.
 */
#define _DEFAULT_SOURCE

#include <criterion/criterion.h>
#include <mongoc/mongoc.h>

#include <orders/orders.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/mongo_tmp.h"

#define CUSTOMER "cust-1"
#define PRODUCT "mug"
#define KEY "crash-key-1"
#define UNITS 10
#define BOUGHT 2

static mongot_db_t M; /* the server and this test's database */

static void setup(void)
{
    mongot_db_init(&M, "test_mongo_crash", "crash", false);
}

/* A context on the test database; abort_at_step as given, recovery of
 * everything (grace 0) at open, no background pass. */
static orders_ctx_t *open_ctx(int abort_at_step)
{
    orders_mongo_options_t o = orders_mongo_options_default();
    o.database = M.name;
    o.recovery_grace_ms = 0;
    o.recovery_interval_ms = 0;
    o.abort_at_step = abort_at_step;
    orders_error_t err = {0};
    void *ud = NULL;
    orders_ctx_t *ctx = NULL;
    cr_assert_eq(orders_store_mongo_open(M.uri, &o, &ud, &err), ORDERS_OK, "open: %s",
                 err.message);
    cr_assert_eq(orders_ctx_new(NULL, &ctx, &err), ORDERS_OK);
    cr_assert_eq(orders_ctx_set_store(ctx, orders_store_mongo_vtable(), ud,
                                      orders_store_mongo_free, &err),
                 ORDERS_OK, "set_store: %s", err.message);
    return ctx;
}

/* A product with UNITS units and a cart holding BOUGHT of them. */
static void seed(void)
{
    orders_ctx_t *ctx = open_ctx(0);
    orders_error_t err = {0};
    orders_product_t p = {.id = PRODUCT, .seller_id = "seller-1", .name = "Mug",
                          .price = {1250, "USD"}, .active = true};
    cr_assert_eq(orders_product_put(ctx, &p, false, NULL, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_stock_set(ctx, PRODUCT, UNITS, NULL, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(orders_cart_add(ctx, CUSTOMER, PRODUCT, BOUGHT, ORDERS_ANY_VERSION, NULL, &err),
                 ORDERS_OK, "%s", err.message);
    orders_ctx_destroy(ctx);
}

static orders_code_t place(orders_ctx_t *ctx, orders_order_t **out, orders_error_t *err)
{
    orders_identity_t who = {.id = CUSTOMER, .name = "Ada", .email = "ada@example.com"};
    orders_address_t addr = {.address_line1 = "1 Way", .city = "London", .state = "LDN",
                             .country = "GB", .postal_code = "N1"};
    orders_place_request_t req = {.shipping_address = &addr,
                                  .payment_method = ORDERS_METHOD_COD,
                                  .idempotency_key = KEY};
    return orders_order_place(ctx, &who, &req, out, err);
}

/* Runs a placement in a child process that aborts at step; returns once
 * the child is dead of SIGABRT. */
static void crash_at(int step)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork");
    if (pid == 0) {
        orders_mongo_options_t o = orders_mongo_options_default();
        o.database = M.name;
        o.recovery_interval_ms = 0;
        o.abort_at_step = step;
        void *ud = NULL;
        orders_ctx_t *ctx = NULL;
        if (orders_store_mongo_open(M.uri, &o, &ud, NULL) != ORDERS_OK ||
            orders_ctx_new(NULL, &ctx, NULL) != ORDERS_OK ||
            orders_ctx_set_store(ctx, orders_store_mongo_vtable(), ud, orders_store_mongo_free,
                                 NULL) != ORDERS_OK)
            _exit(2);
        orders_order_t *o2 = NULL;
        orders_code_t rc = place(ctx, &o2, NULL);
        _exit(rc == ORDERS_OK ? 3 : 4); /* the hook did not fire */
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
              "step %d: the child did not abort (status %d)", step, status);
}

/* ---- reading what the store holds --------------------------------------------------- */

static int64_t raw_count(const char *coll, const bson_t *filter)
{
    mongoc_client_t *c = mongoc_client_new(M.uri);
    mongoc_collection_t *cl = mongoc_client_get_collection(c, M.name, coll);
    bson_error_t e;
    int64_t n = mongoc_collection_count_documents(cl, filter, NULL, NULL, NULL, &e);
    cr_assert_geq(n, 0, "count %s: %s", coll, e.message);
    mongoc_collection_destroy(cl);
    mongoc_client_destroy(c);
    return n;
}

static int64_t count_all(const char *coll)
{
    bson_t empty = BSON_INITIALIZER;
    int64_t n = raw_count(coll, &empty);
    bson_destroy(&empty);
    return n;
}

/* Nothing of any step is left in progress. */
static void assert_no_leftovers(void)
{
    cr_assert_eq(count_all("placements"), 0, "a placement record is left");
    bson_t *held = BCON_NEW("holder", "{", "$exists", BCON_BOOL(true), "}");
    cr_assert_eq(raw_count("outbox", held), 0, "held events are left");
    cr_assert_eq(raw_count("history", held), 0, "held history is left");
    bson_destroy(held);
    bson_t *marked = BCON_NEW("marks.0", "{", "$exists", BCON_BOOL(true), "}");
    cr_assert_eq(raw_count("products", marked), 0, "a stock mark is left");
    bson_destroy(marked);
    bson_t *placing = BCON_NEW("placing.0", "{", "$exists", BCON_BOOL(true), "}");
    cr_assert_eq(raw_count("carts", placing), 0, "a cart lists a placement in progress");
    bson_destroy(placing);
    bson_t *creating = BCON_NEW("creating", "{", "$exists", BCON_BOOL(true), "}");
    cr_assert_eq(raw_count("inventory_reservations", creating), 0,
                 "a reservation is left half-created");
    bson_destroy(creating);
}

static void assert_stock(orders_ctx_t *ctx, int64_t available, int64_t reserved, int64_t sold)
{
    orders_stock_t st;
    orders_error_t err = {0};
    cr_assert_eq(orders_stock_get(ctx, PRODUCT, &st, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(st.available + st.reserved + st.sold, st.stocked - st.adjusted,
                 "stock invariant broken: %lld + %lld + %lld != %lld - %lld",
                 (long long)st.available, (long long)st.reserved, (long long)st.sold,
                 (long long)st.stocked, (long long)st.adjusted);
    cr_assert_eq(st.available, available, "available %lld", (long long)st.available);
    cr_assert_eq(st.reserved, reserved, "reserved %lld", (long long)st.reserved);
    cr_assert_eq(st.sold, sold, "sold %lld", (long long)st.sold);
}

static orders_order_list_t customer_orders(orders_ctx_t *ctx)
{
    orders_list_query_t q = {.customer_id = CUSTOMER, .page = 1, .limit = 10};
    orders_order_list_t l = {0};
    orders_error_t err = {0};
    cr_assert_eq(orders_order_list(ctx, &q, &l, &err), ORDERS_OK, "%s", err.message);
    return l;
}

/* ---- the two verdicts ------------------------------------------------------------------ */

static void assert_undone(orders_ctx_t *ctx)
{
    orders_order_list_t l = customer_orders(ctx);
    cr_assert_eq(l.total, 0, "an uncommitted placement left an order");
    orders_order_list_clear(&l);
    assert_stock(ctx, UNITS, 0, 0);
    cr_assert_eq(count_all("inventory_reservations"), 0, "a reservation is left");
    cr_assert_eq(count_all("outbox"), 0, "events are left");
    cr_assert_eq(count_all("history"), 0, "history is left");
    cr_assert_eq(count_all("idempotency_keys"), 0, "the idempotency key is left");
    orders_cart_t *cart = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_cart_get(ctx, CUSTOMER, &cart, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(cart->item_count, 1, "the cart lost its line");
    cr_assert_eq(cart->items[0].quantity, BOUGHT);
    orders_cart_free(cart);
}

/* Returns the order id. */
static char *assert_finished(orders_ctx_t *ctx)
{
    orders_order_list_t l = customer_orders(ctx);
    cr_assert_eq(l.total, 1, "a committed placement must leave exactly one order, not %lld",
                 (long long)l.total);
    orders_order_t *o = l.items[0];
    cr_assert_eq(o->item_count, 1);
    cr_assert_eq(o->items[0].quantity, BOUGHT);
    char *id = strdup(o->id);
    orders_order_list_clear(&l);
    assert_stock(ctx, UNITS - BOUGHT, 0, BOUGHT); /* cod: sold at placement */
    orders_reservation_t *r = NULL;
    const orders_store_vtable_t *vt = NULL;
    void *ud = NULL;
    vt = orders_ctx_store(ctx, &ud);
    orders_error_t err = {0};
    cr_assert_eq(vt->reservation_get(ud, id, &r, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(r->status, ORDERS_RES_CONFIRMED, "reservation status %d", (int)r->status);
    orders_reservation_free(r);
    int64_t pending = 0, dead = 0;
    cr_assert_eq(vt->outbox_counts(ud, &pending, &dead, &err), ORDERS_OK);
    cr_assert_geq(pending, 2, "order_placed and new_order must be pending, got %lld",
                  (long long)pending);
    orders_history_list_t h = {0};
    cr_assert_eq(vt->history_list(ud, id, &h, &err), ORDERS_OK);
    cr_assert_geq(h.count, 1, "no history for the order");
    orders_history_list_clear(&h);
    orders_cart_t *cart = NULL;
    cr_assert_eq(orders_cart_get(ctx, CUSTOMER, &cart, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(cart->item_count, 0, "the cart was not cleared");
    orders_cart_free(cart);
    return id;
}

static void crash_test(int step)
{
    seed();
    crash_at(step);
    orders_ctx_t *ctx = open_ctx(0); /* recovery runs at open */
    assert_no_leftovers();
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    if (step <= 5) {
        assert_undone(ctx);
        /* The same request placed again now goes through. */
        cr_assert_eq(place(ctx, &o, &err), ORDERS_OK, "placing again: %s", err.message);
        assert_stock(ctx, UNITS - BOUGHT, 0, BOUGHT); /* cod: sold at placement */
    } else {
        char *id = assert_finished(ctx);
        /* The same request again is a replay of the recovered order. */
        cr_assert_eq(place(ctx, &o, &err), ORDERS_OK, "replaying: %s", err.message);
        cr_assert_str_eq(o->id, id, "the key did not replay the recovered order");
        free(id);
        orders_order_list_t l = customer_orders(ctx);
        cr_assert_eq(l.total, 1, "the replay placed a second order");
        orders_order_list_clear(&l);
    }
    orders_order_free(o);
    assert_no_leftovers();
    orders_ctx_destroy(ctx);
    mongot_db_drop(&M);
}

TestSuite(mongo_crash, .init = setup, .timeout = 120);

Test(mongo_crash, step_1_record_written) { crash_test(1); }
Test(mongo_crash, step_2_key_claimed) { crash_test(2); }
Test(mongo_crash, step_3_stock_moved) { crash_test(3); }
Test(mongo_crash, step_4_reservation_written) { crash_test(4); }
Test(mongo_crash, step_5_journal_held) { crash_test(5); }
Test(mongo_crash, step_6_cart_committed) { crash_test(6); }
Test(mongo_crash, step_7_record_marked) { crash_test(7); }
Test(mongo_crash, step_8_finished_but_record) { crash_test(8); }
