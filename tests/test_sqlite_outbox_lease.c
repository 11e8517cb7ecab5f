/*
 * test_sqlite_outbox_lease.c - two contexts on one SQLite file, each with
 * its own notifier, dispatch the same outbox: the store's "outbox" lease
 * lets one of them deliver at a time.  The other delivers nothing while the
 * lease holds, and takes over once the holder stops renewing it (30 s),
 * or at once when the holder releases it.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "support/fixture_more.h"
#include "support/sqlite_tmp.h"

#define LEASE_MS 30000

static sqlt_db_t db;
static fixture_t fa, fb;
static fm_events_t ea, eb;

static int64_t clock_of(void *ud)
{
    return ((const fixture_t *)ud)->now;
}

/* A context on the test's SQLite file, its clock at FIX_T0 + offset. */
static void open_on_db(fixture_t *f, fm_events_t *ev, int64_t offset)
{
    orders_error_t err = {0};
    memset(f, 0, sizeof *f);
    f->now = FIX_T0 + offset;
    cr_assert_eq(orders_ctx_new(NULL, &f->ctx, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_ctx_open_store(f->ctx, db.uri, &err), ORDERS_OK, "%s", err.message);
    orders_ctx_set_clock(f->ctx, clock_of, f);
    memset(ev, 0, sizeof *ev);
    fm_notifier(f, ev);
}

static void setup(void)
{
    sqlt_db_init(&db, "outbox_lease");
    open_on_db(&fa, &ea, 0);
    open_on_db(&fb, &eb, 0);
    fix_product(&fa, "p1", "s1", 1000, 100);
}

static void teardown(void)
{
    fix_close(&fa);
    fix_close(&fb);
    fm_events_free(&ea);
    fm_events_free(&eb);
    cr_expect(sqlt_db_remove(&db), "the database folder was not emptied");
}

TestSuite(outbox_lease, .init = setup, .fini = teardown, .timeout = 60);

static int64_t dispatch(fixture_t *f)
{
    int64_t ok = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_dispatch(f->ctx, 100, &ok, NULL, &err), ORDERS_OK, "%s",
                 err.message);
    return ok;
}

static void advance(int64_t ms)
{
    fix_advance(&fa, ms);
    fix_advance(&fb, ms);
}

Test(outbox_lease, one_dispatcher_at_a_time_and_a_takeover)
{
    orders_order_free(fm_order(&fa, "c1", "p1", 1, ORDERS_METHOD_COD, false));
    cr_assert_eq(dispatch(&fa), 3, "a takes the lease and delivers the 3 events");
    orders_order_free(fm_order(&fb, "c2", "p1", 1, ORDERS_METHOD_COD, false));
    cr_assert_eq(dispatch(&fb), 0, "b delivered while a held the lease");
    cr_assert_eq(eb.count, 0);
    advance(LEASE_MS - 1);
    cr_assert_eq(dispatch(&fb), 0, "b took the lease before it lapsed");
    cr_assert_eq(dispatch(&fa), 3, "a renews and delivers c2's events");

    /* a stops dispatching: b takes over once a's renewed lease lapses */
    orders_order_free(fm_order(&fa, "c3", "p1", 1, ORDERS_METHOD_COD, false));
    advance(LEASE_MS - 1);
    cr_assert_eq(dispatch(&fb), 0);
    advance(1);
    cr_assert_eq(dispatch(&fb), 3, "b did not take over a lapsed lease");
    cr_assert_eq(dispatch(&fa), 0, "a delivered after b took the lease");
    cr_assert_eq(ea.count, 6);
    cr_assert_eq(eb.count, 3);
    for (size_t i = 0; i < eb.count; i++)
        for (size_t j = 0; j < ea.count; j++)
            cr_assert_str_neq(eb.items[i]->id, ea.items[j]->id, "an event went out twice");
}

/* A holder that stops cleanly releases the lease: the other takes over at
 * its next dispatch, not 30 s later.  A release by a non-holder changes
 * nothing, and the releaser takes the lease again when it dispatches. */
Test(outbox_lease, a_released_lease_passes_at_once)
{
    orders_error_t err = {0};
    orders_order_free(fm_order(&fa, "c1", "p1", 1, ORDERS_METHOD_COD, false));
    cr_assert_eq(dispatch(&fa), 3);
    orders_order_free(fm_order(&fa, "c2", "p1", 1, ORDERS_METHOD_COD, false));
    cr_assert_eq(orders_outbox_release(fb.ctx, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(dispatch(&fb), 0, "b's release took a's lease");

    cr_assert_eq(orders_outbox_release(fa.ctx, &err), ORDERS_OK, "%s", err.message);
    advance(1);
    cr_assert_eq(dispatch(&fb), 3, "b did not take over the released lease");
    orders_order_free(fm_order(&fa, "c3", "p1", 1, ORDERS_METHOD_COD, false));
    cr_assert_eq(dispatch(&fa), 0, "a delivered while b held the lease");
    cr_assert_eq(orders_outbox_release(fb.ctx, &err), ORDERS_OK, "%s", err.message);
    advance(1);
    cr_assert_eq(dispatch(&fa), 3, "a did not take the lease again");
    cr_assert_eq(ea.count, 6);
    cr_assert_eq(eb.count, 3);
}

/* A notifier whose every delivery takes 10 s of the context's clock. */
static orders_code_t slow_deliver(void *ud, const orders_event_t *e)
{
    (void)e;
    ((fixture_t *)ud)->now += 10000;
    return ORDERS_OK;
}

/* A holder whose lease nears its end stops its batch (5 s before): what it
 * has not handed out stays due for whoever holds the lease next. */
Test(outbox_lease, a_batch_stops_before_the_lease_ends)
{
    orders_error_t err = {0};
    void *ud = orders_notifier_callback_new(slow_deliver, &fa);
    cr_assert_not_null(ud);
    cr_assert_eq(orders_ctx_set_notifier(fa.ctx, orders_notifier_callback_vtable(), ud,
                                         orders_notifier_callback_free, &err),
                 ORDERS_OK, "%s", err.message);
    orders_order_free(fm_order(&fa, "c1", "p1", 1, ORDERS_METHOD_COD, false));
    orders_order_free(fm_order(&fa, "c2", "p1", 1, ORDERS_METHOD_COD, false));
    /* deliveries at +0, +10 s, +20 s; at +30 s the lease (until +30 s) is
     * within its last 5 s: the batch stops with 3 of 6 handed out */
    cr_assert_eq(dispatch(&fa), 3, "the batch ran into the end of the lease");
    fb.now = fa.now; /* a's lease has just lapsed */
    cr_assert_eq(dispatch(&fb), 3, "b did not deliver what a left");
    cr_assert_eq(eb.count, 3);
}
