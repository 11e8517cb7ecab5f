/*
 * test_outbox_requeue.c - orders_outbox_requeue: its argument checks, the
 * stores it refuses (older than version 5, or without the member), and a
 * dead letter of a real order dispatched again after a requeue.  What each
 * store does is the conformance suite's (suite_outbox_requeue.c).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "support/fixture_more.h"

static fixture_t f;
static fm_events_t ev;

static void setup(void)
{
    orders_config_t cfg = orders_config_default();
    cfg.outbox_max_attempts = 4;
    cfg.outbox_backoff_ms = 1000;
    fix_open(&f, &cfg);
    memset(&ev, 0, sizeof ev);
    fix_product(&f, "p1", "s1", 9999, 100);
}

static void teardown(void)
{
    fix_close(&f); /* before ev: the notifier points at it */
    fm_events_free(&ev);
}

static void counts(int64_t pending, int64_t dead)
{
    int64_t p = -1, d = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_counts(f.ctx, &p, &d, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(p, pending, "pending %lld, expected %lld", (long long)p, (long long)pending);
    cr_assert_eq(d, dead, "dead %lld, expected %lld", (long long)d, (long long)dead);
}

/* orders_outbox_requeue refused with code and field; *moved is 0. */
static void refused(const char *event_id, int64_t limit, orders_code_t code, const char *field)
{
    int64_t moved = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_requeue(f.ctx, event_id, limit, &moved, &err), code,
                 "limit %lld: %s", (long long)limit, err.message);
    cr_assert_eq(moved, 0);
    if (field != NULL)
        cr_assert_str_eq(err.field, field);
}

Test(outbox_requeue, checks_its_arguments, .init = setup, .fini = teardown)
{
    char long_id[ORDERS_ID_MAX + 2];
    memset(long_id, 'e', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    refused(NULL, 0, ORDERS_E_INVALID, "limit");
    refused(NULL, -1, ORDERS_E_INVALID, "limit");
    refused(NULL, 10001, ORDERS_E_INVALID, "limit");
    refused("", 1, ORDERS_E_INVALID, "eventId");
    refused(long_id, 1, ORDERS_E_INVALID, "eventId");
    long_id[ORDERS_ID_MAX] = '\0'; /* the longest id allowed: valid, and unknown */
    refused(long_id, 1, ORDERS_E_NOT_FOUND, NULL);
    int64_t moved = -1;
    cr_assert_eq(orders_outbox_requeue(f.ctx, NULL, 10000, &moved, NULL), ORDERS_OK);
    cr_assert_eq(moved, 0, "nothing is dead");
    cr_assert_eq(orders_outbox_requeue(f.ctx, NULL, 1, NULL, NULL), ORDERS_OK, "moved may be NULL");
}

/* A store of version 4, or of version 5 without the member, cannot. */
Test(outbox_requeue, an_older_store_is_unsupported, .init = setup, .fini = teardown)
{
    static orders_store_vtable_t older;
    for (int i = 0; i < 2; i++) {
        older = *orders_store_memory_vtable();
        if (i == 0)
            older.version = 4;
        else
            older.outbox_requeue = NULL;
        void *ud = NULL;
        orders_error_t err = {0};
        cr_assert_eq(orders_store_memory_new(&ud, &err), ORDERS_OK, "%s", err.message);
        cr_assert_eq(orders_ctx_set_store(f.ctx, &older, ud, orders_store_memory_free, &err),
                     ORDERS_OK, "%s", err.message);
        refused(NULL, 10, ORDERS_E_UNSUPPORTED, "store");
        refused("x", 10, ORDERS_E_UNSUPPORTED, "store");
    }
}

/* Events that died at once (ORDERS_E_INVALID from the receiver) go out
 * again after a requeue, as first attempts, with their ids unchanged. */
Test(outbox_requeue, dead_letters_are_delivered_after_a_requeue, .init = setup, .fini = teardown)
{
    ev.fail_left = 3;
    ev.fail_code = ORDERS_E_INVALID;
    fm_notifier(&f, &ev);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_COD, false);
    int64_t ok = -1, bad = -1, moved = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_dispatch(f.ctx, 100, &ok, &bad, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert(ok == 0 && bad == 3, "delivered %lld failed %lld", (long long)ok, (long long)bad);
    counts(0, 3);
    const orders_event_t *first = fm_find(&ev, ORDERS_EVENT_NEW_ORDER, o->id, 0);
    cr_assert_null(first, "a failed delivery was recorded as delivered");

    fix_advance(&f, 10);
    refused(o->id, 1, ORDERS_E_NOT_FOUND, NULL); /* an order id is not an event id */
    cr_assert_eq(orders_outbox_requeue(f.ctx, NULL, 2, &moved, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(moved, 2);
    counts(2, 1);
    cr_assert_eq(orders_outbox_requeue(f.ctx, NULL, 10, &moved, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(moved, 1);
    counts(3, 0);
    cr_assert_eq(orders_outbox_dispatch(f.ctx, 100, &ok, &bad, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert(ok == 3 && bad == 0, "delivered %lld failed %lld", (long long)ok, (long long)bad);
    counts(0, 0);
    cr_assert_eq(ev.calls, 6);
    for (int i = 3; i < 6; i++)
        cr_assert_eq(ev.attempts_seen[i], 0, "a requeued event is a first attempt again");
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_ORDER_PLACED, o->id), 1);
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_NEW_ORDER, o->id), 1);
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_STATUS_CHANGED, o->id), 1);
    orders_order_free(o);
}
