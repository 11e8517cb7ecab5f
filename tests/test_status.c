/*
 * test_status.c - the order status machine: set_status, cancel, customer
 * scoping, optimistic versions, history and events, lists and lookups.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "support/fixture_more.h"

static fixture_t f;

static void setup(void)
{
    fix_open(&f, NULL);
    fix_product(&f, "p1", "s1", 1999, 1000);
    fix_product(&f, "p2", "s2", 500, 1000);
}

static void teardown(void)
{
    fix_close(&f);
}

static const orders_status_t ALL[7] = {
    ORDERS_STATUS_PENDING,   ORDERS_STATUS_CONFIRMED, ORDERS_STATUS_PROCESSING,
    ORDERS_STATUS_SHIPPED,   ORDERS_STATUS_DELIVERED, ORDERS_STATUS_CANCELLED,
    ORDERS_STATUS_FAILED,
};

/* A fresh order of customer (1 x p1) brought to status st. */
static orders_order_t *order_in(const char *customer, orders_status_t st)
{
    orders_order_t *o;
    orders_error_t err = {0};
    switch (st) {
    case ORDERS_STATUS_PENDING:
        o = fm_order(&f, customer, "p1", 1, ORDERS_METHOD_ONLINE, true);
        break;
    case ORDERS_STATUS_FAILED:
        cr_assert_eq(orders_gateway_test_script(f.test_gateway, ORDERS_TEST_DECLINE, &err), ORDERS_OK);
        o = fm_order(&f, customer, "p1", 1, ORDERS_METHOD_ONLINE, false);
        break;
    case ORDERS_STATUS_CANCELLED: {
        orders_order_t *c = fm_order(&f, customer, "p1", 1, ORDERS_METHOD_COD, false);
        cr_assert_eq(orders_order_cancel(f.ctx, c->id, NULL, "admin", "test", &o, &err), ORDERS_OK,
                     "%s", err.message);
        orders_order_free(c);
        break;
    }
    default:
        o = fm_order(&f, customer, "p1", 1, ORDERS_METHOD_COD, false);
        for (orders_status_t s = ORDERS_STATUS_PROCESSING; s <= st; s++) {
            orders_order_t *n = fm_move(&f, o->id, s);
            orders_order_free(o);
            o = n;
        }
        break;
    }
    cr_assert_eq(o->status, st, "setup wanted %s, got %s", orders_status_name(st),
                 orders_status_name(o->status));
    return o;
}

Test(status, full_flow_sets_timestamps_items_and_cod_payment, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_COD, false);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(o->confirmed_at, FIX_T0);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PENDING);
    cr_assert_eq(o->items[0].status, ORDERS_ITEM_CONFIRMED);
    cr_assert_eq(o->shipped_at, 0);
    cr_assert_eq(o->delivered_at, 0);
    int64_t v = o->version;

    fix_advance(&f, FIX_MINUTE);
    orders_order_t *p = fm_move(&f, o->id, ORDERS_STATUS_PROCESSING);
    cr_assert_eq(p->processing_at, FIX_T0 + FIX_MINUTE);
    cr_assert_eq(p->version, v + 1);
    cr_assert_eq(p->items[0].status, ORDERS_ITEM_CONFIRMED);
    cr_assert_eq(p->payment_status, ORDERS_PAYMENT_PENDING);

    fix_advance(&f, FIX_HOUR);
    orders_order_t *s = fm_move(&f, o->id, ORDERS_STATUS_SHIPPED);
    cr_assert_eq(s->shipped_at, FIX_T0 + FIX_MINUTE + FIX_HOUR);
    cr_assert_eq(s->delivered_at, 0);
    cr_assert_eq(s->payment_status, ORDERS_PAYMENT_PENDING, "cod is paid on delivery, not before");

    fix_advance(&f, FIX_DAY);
    orders_order_t *d = fm_move(&f, o->id, ORDERS_STATUS_DELIVERED);
    cr_assert_eq(d->delivered_at, FIX_T0 + FIX_MINUTE + FIX_HOUR + FIX_DAY);
    cr_assert_eq(d->shipped_at, FIX_T0 + FIX_MINUTE + FIX_HOUR);
    cr_assert_eq(d->confirmed_at, FIX_T0);
    cr_assert_eq(d->items[0].status, ORDERS_ITEM_FULFILLED);
    cr_assert_eq(d->payment_status, ORDERS_PAYMENT_PAID);
    cr_assert_eq(d->version, v + 3);

    /* the stored order agrees with what the call returned */
    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_eq(g->status, ORDERS_STATUS_DELIVERED);
    cr_assert_eq(g->delivered_at, d->delivered_at);
    cr_assert_eq(g->payment_status, ORDERS_PAYMENT_PAID);
    cr_assert_eq(g->seller_statuses[0].status, ORDERS_STATUS_DELIVERED);
    fm_assert_stock(&f, "p1", 998, 0, 2);

    orders_order_free(g);
    orders_order_free(d);
    orders_order_free(s);
    orders_order_free(p);
    orders_order_free(o);
}

Test(status, admin_confirms_pending_order_and_converts_reservation, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 3, ORDERS_METHOD_ONLINE, true);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_eq(o->items[0].status, ORDERS_ITEM_RESERVED);
    cr_assert_eq(o->confirmed_at, 0);
    fm_assert_stock(&f, "p1", 997, 3, 0);

    fix_advance(&f, 5 * FIX_MINUTE);
    orders_order_t *c = fm_move(&f, o->id, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(c->confirmed_at, FIX_T0 + 5 * FIX_MINUTE);
    cr_assert_eq(c->items[0].status, ORDERS_ITEM_CONFIRMED);
    cr_assert_eq(c->items[0].confirmed_at, FIX_T0 + 5 * FIX_MINUTE);
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_CONFIRMED);
    fm_assert_stock(&f, "p1", 997, 0, 3);
    orders_order_free(c);
    orders_order_free(o);
}

Test(status, can_move_table_all_49_pairs)
{
    /* rows: from, columns: to, in ALL[] order */
    static const bool allowed[7][7] = {
        /*            pend   conf   proc   ship   deliv  canc   fail */
        /* pending */ {false, true, false, false, false, true, true},
        /* confirm */ {false, false, true, false, false, true, false},
        /* process */ {false, false, false, true, false, false, false},
        /* shipped */ {false, false, false, false, true, false, false},
        /* deliver */ {false, false, false, false, false, false, false},
        /* cancel  */ {false, false, false, false, false, false, false},
        /* failed  */ {false, false, false, false, false, false, false},
    };
    int checked = 0;
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7; j++, checked++)
            cr_expect_eq(orders_status_can_move(ALL[i], ALL[j]), allowed[i][j], "%s -> %s",
                         orders_status_name(ALL[i]), orders_status_name(ALL[j]));
    cr_assert_eq(checked, 49);
}

Test(status, every_pair_through_set_status, .init = setup, .fini = teardown)
{
    int customer = 0, refused = 0, moved = 0;
    for (int i = 0; i < 7; i++) {
        for (int j = 0; j < 7; j++) {
            char cust[32], want[128];
            snprintf(cust, sizeof cust, "c%d", customer++);
            orders_order_t *o = order_in(cust, ALL[i]);
            orders_order_t *out = NULL;
            orders_error_t err = {0};
            orders_code_t rc = orders_order_set_status(f.ctx, o->id, ALL[j], "admin", "table",
                                                       ORDERS_ANY_VERSION, &out, &err);
            if (orders_status_can_move(ALL[i], ALL[j])) {
                cr_assert_eq(rc, ORDERS_OK, "%s -> %s: %s", orders_status_name(ALL[i]),
                             orders_status_name(ALL[j]), err.message);
                cr_assert_not_null(out);
                cr_assert_eq(out->status, ALL[j]);
                cr_assert_eq(out->version, o->version + 1);
                moved++;
            } else {
                cr_assert_eq(rc, ORDERS_E_CONFLICT, "%s -> %s gave %d", orders_status_name(ALL[i]),
                             orders_status_name(ALL[j]), rc);
                snprintf(want, sizeof want, "Cannot change order status from %s to %s",
                         orders_status_name(ALL[i]), orders_status_name(ALL[j]));
                cr_assert_str_eq(err.message, want);
                cr_assert_null(out);
                orders_order_t *g = fm_get(&f, o->id);
                cr_assert_eq(g->status, ALL[i], "a refused move changed the order");
                cr_assert_eq(g->version, o->version, "a refused move changed the order");
                orders_order_free(g);
                refused++;
            }
            orders_order_free(out);
            orders_order_free(o);
            fix_assert_invariant(&f, "p1");
        }
    }
    cr_assert_eq(moved, 7);
    cr_assert_eq(refused, 42);
}

Test(status, shipped_to_confirmed_message, .init = setup, .fini = teardown)
{
    orders_order_t *o = order_in("c1", ORDERS_STATUS_SHIPPED);
    orders_error_t err = {0};
    orders_order_t *out = NULL;
    cr_assert_eq(orders_order_set_status(f.ctx, o->id, ORDERS_STATUS_CONFIRMED, "admin", NULL,
                                         ORDERS_ANY_VERSION, &out, &err),
                 ORDERS_E_CONFLICT);
    cr_assert_str_eq(err.message, "Cannot change order status from shipped to confirmed");
    cr_assert_eq(err.code, ORDERS_E_CONFLICT);
    cr_assert_null(out);
    orders_order_free(o);
}

Test(cancel, from_pending_releases_reservation, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 3, ORDERS_METHOD_ONLINE, true);
    fm_assert_stock(&f, "p1", 997, 3, 0);
    fix_advance(&f, 2 * FIX_MINUTE);
    orders_order_t *c = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_cancel(f.ctx, o->id, "c1", "customer:c1", "changed my mind", &c, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(c->status, ORDERS_STATUS_CANCELLED);
    cr_assert_str_eq(c->cancel_reason, "changed my mind");
    cr_assert_eq(c->cancelled_at, FIX_T0 + 2 * FIX_MINUTE);
    cr_assert_eq(c->items[0].status, ORDERS_ITEM_CANCELLED);
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_CANCELLED);
    fm_assert_stock(&f, "p1", 1000, 0, 0);
    orders_order_free(c);

    /* the default reason */
    orders_order_t *o2 = fm_order(&f, "c2", "p1", 1, ORDERS_METHOD_ONLINE, true);
    cr_assert_eq(orders_order_cancel(f.ctx, o2->id, NULL, NULL, NULL, &c, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_str_eq(c->cancel_reason, "Cancelled by customer");
    fm_assert_stock(&f, "p1", 1000, 0, 0);
    orders_order_free(c);
    orders_order_free(o2);
    orders_order_free(o);
}

Test(cancel, from_confirmed_returns_sold_stock, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 4, ORDERS_METHOD_COD, false);
    fm_assert_stock(&f, "p1", 996, 0, 4);
    fix_advance(&f, FIX_HOUR);
    orders_order_t *c = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_cancel(f.ctx, o->id, "c1", "customer:c1", "too slow", &c, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(c->status, ORDERS_STATUS_CANCELLED);
    cr_assert_str_eq(c->cancel_reason, "too slow");
    cr_assert_eq(c->cancelled_at, FIX_T0 + FIX_HOUR);
    cr_assert_eq(c->items[0].status, ORDERS_ITEM_CANCELLED);
    fm_assert_stock(&f, "p1", 1000, 0, 0);
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_CANCELLED);

    /* a second cancel is refused and returns nothing twice */
    orders_order_t *again = NULL;
    cr_assert_eq(orders_order_cancel(f.ctx, o->id, "c1", NULL, NULL, &again, &err), ORDERS_E_CONFLICT);
    cr_assert_str_eq(err.message, "Cannot change order status from cancelled to cancelled");
    cr_assert_null(again);
    fm_assert_stock(&f, "p1", 1000, 0, 0);
    orders_order_free(c);
    orders_order_free(o);
}

Test(cancel, refused_once_processing, .init = setup, .fini = teardown)
{
    const orders_status_t late[] = {ORDERS_STATUS_PROCESSING, ORDERS_STATUS_SHIPPED,
                                    ORDERS_STATUS_DELIVERED};
    for (size_t i = 0; i < 3; i++) {
        char cust[16], want[96];
        snprintf(cust, sizeof cust, "c%zu", i);
        orders_order_t *o = order_in(cust, late[i]);
        orders_stock_t before = fix_stock(&f, "p1");
        orders_order_t *c = NULL;
        orders_error_t err = {0};
        cr_assert_eq(orders_order_cancel(f.ctx, o->id, cust, NULL, "please", &c, &err),
                     ORDERS_E_CONFLICT, "cancel from %s", orders_status_name(late[i]));
        snprintf(want, sizeof want, "Cannot change order status from %s to cancelled",
                 orders_status_name(late[i]));
        cr_assert_str_eq(err.message, want);
        cr_assert_null(c);
        orders_order_t *g = fm_get(&f, o->id);
        cr_assert_eq(g->status, late[i]);
        cr_assert_null(g->cancel_reason);
        cr_assert_eq(g->cancelled_at, 0);
        orders_stock_t after = fix_stock(&f, "p1");
        cr_assert_eq(after.sold, before.sold);
        cr_assert_eq(after.available, before.available);
        orders_order_free(g);
        orders_order_free(o);
    }
}

Test(scope, another_customers_order_is_not_found, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "alice", "p1", 1, ORDERS_METHOD_COD, false);
    orders_order_t *g = NULL;
    orders_error_t err = {0};

    cr_assert_eq(orders_order_get(f.ctx, o->id, "bob", &g, &err), ORDERS_E_NOT_FOUND);
    cr_assert_str_eq(err.message, "Order not found");
    cr_assert_null(g);
    orders_error_t err2 = {0};
    cr_assert_eq(orders_order_get(f.ctx, "no-such-order", "bob", &g, &err2), ORDERS_E_NOT_FOUND);
    cr_assert_str_eq(err2.message, err.message, "a foreign order must look exactly like a missing one");

    cr_assert_eq(orders_order_get_by_number(f.ctx, o->order_number, "bob", &g, &err),
                 ORDERS_E_NOT_FOUND);
    cr_assert_str_eq(err.message, "Order not found");
    cr_assert_null(g);

    memset(&err, 0, sizeof err);
    cr_assert_eq(orders_order_cancel(f.ctx, o->id, "bob", "customer:bob", NULL, &g, &err),
                 ORDERS_E_NOT_FOUND);
    cr_assert_str_eq(err.message, "Order not found");
    cr_assert_null(g);

    g = fm_get(&f, o->id);
    cr_assert_eq(g->status, ORDERS_STATUS_CONFIRMED, "bob's cancel touched alice's order");
    cr_assert_eq(g->version, o->version);
    orders_order_free(g);
    g = NULL;

    cr_assert_eq(orders_order_get(f.ctx, o->id, "alice", &g, &err), ORDERS_OK);
    cr_assert_str_eq(g->id, o->id);
    orders_order_free(g);
    orders_order_free(o);
}

Test(version, stale_expected_version_conflicts, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 1, ORDERS_METHOD_COD, false);
    int64_t v = o->version;
    orders_order_t *p = NULL, *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_set_status(f.ctx, o->id, ORDERS_STATUS_PROCESSING, "admin", NULL, v,
                                         &p, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(p->version, v + 1);

    cr_assert_eq(orders_order_set_status(f.ctx, o->id, ORDERS_STATUS_SHIPPED, "admin", NULL, v, &x,
                                         &err),
                 ORDERS_E_CONFLICT);
    cr_assert_null(x);
    /* a stale version on a cancel (through set_status) is refused too */
    cr_assert_eq(orders_order_set_status(f.ctx, o->id, ORDERS_STATUS_CANCELLED, "admin", NULL,
                                         v + 7, &x, &err),
                 ORDERS_E_CONFLICT);
    cr_assert_null(x);
    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_eq(g->status, ORDERS_STATUS_PROCESSING);
    cr_assert_eq(g->version, v + 1);
    cr_assert_eq(g->shipped_at, 0);
    orders_order_free(g);

    cr_assert_eq(orders_order_set_status(f.ctx, o->id, ORDERS_STATUS_SHIPPED, "admin", NULL, v + 1,
                                         &x, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(x->status, ORDERS_STATUS_SHIPPED);
    orders_order_free(x);
    orders_order_free(p);
    orders_order_free(o);
}

Test(history, every_transition_recorded_with_event, .init = setup, .fini = teardown)
{
    fm_events_t ev = {0};
    fm_notifier(&f, &ev);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, true);
    orders_error_t err = {0};
    struct step {
        orders_status_t to;
        const char *actor, *note;
    } steps[] = {
        {ORDERS_STATUS_CONFIRMED, "admin:1", "paid by phone"},
        {ORDERS_STATUS_PROCESSING, "admin:2", "packing"},
        {ORDERS_STATUS_SHIPPED, "admin:3", "handed to carrier"},
        {ORDERS_STATUS_DELIVERED, "admin:4", "signed for"},
    };
    for (size_t i = 0; i < 4; i++) {
        fix_advance(&f, (int64_t)(i + 1) * FIX_MINUTE);
        orders_order_t *x = NULL;
        cr_assert_eq(orders_order_set_status(f.ctx, o->id, steps[i].to, steps[i].actor,
                                             steps[i].note, ORDERS_ANY_VERSION, &x, &err),
                     ORDERS_OK, "%s", err.message);
        orders_order_free(x);
    }

    orders_history_list_t h = {0};
    cr_assert_eq(orders_order_history(f.ctx, o->id, &h, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(h.count, 5, "placement plus four moves, got %zu", h.count);
    cr_assert_null(h.items[0]->from_status);
    cr_assert_str_eq(h.items[0]->to_status, "pending");
    cr_assert_str_eq(h.items[0]->actor, "customer:c1");
    cr_assert_eq(h.items[0]->at, FIX_T0);
    int64_t at = FIX_T0;
    orders_status_t from = ORDERS_STATUS_PENDING;
    for (size_t i = 0; i < 4; i++) {
        const orders_history_t *e = h.items[i + 1];
        at += (int64_t)(i + 1) * FIX_MINUTE;
        cr_assert_str_eq(e->order_id, o->id);
        cr_assert_str_eq(e->actor, steps[i].actor);
        cr_assert_eq(e->at, at, "entry %zu at %lld", i + 1, (long long)e->at);
        cr_assert_str_eq(e->from_status, orders_status_name(from));
        cr_assert_str_eq(e->to_status, orders_status_name(steps[i].to));
        cr_assert_str_eq(e->note, steps[i].note);
        from = steps[i].to;
    }
    orders_history_list_clear(&h);

    fm_dispatch_all(&f);
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_STATUS_CHANGED, o->id), 4);
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_ORDER_PLACED, o->id), 1);
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_NEW_ORDER, o->id), 1);
    at = FIX_T0;
    from = ORDERS_STATUS_PENDING;
    for (size_t i = 0; i < 4; i++) {
        const orders_event_t *e = fm_find(&ev, ORDERS_EVENT_STATUS_CHANGED, o->id, i);
        at += (int64_t)(i + 1) * FIX_MINUTE;
        cr_assert_not_null(e);
        cr_assert_str_eq(e->old_status, orders_status_name(from));
        cr_assert_str_eq(e->new_status, orders_status_name(steps[i].to));
        cr_assert_str_eq(e->recipient, "c1");
        cr_assert_eq(e->created_at, at);
        cr_assert_eq(e->amount.amount, 3998);
        cr_assert_str_eq(e->amount.currency, "USD");
        from = steps[i].to;
    }
    /* event ids are unique */
    for (size_t i = 0; i < ev.count; i++)
        for (size_t j = i + 1; j < ev.count; j++)
            cr_assert_str_neq(ev.items[i]->id, ev.items[j]->id);
    orders_order_free(o);
    fix_close(&f); /* the notifier refers to ev: close before freeing it */
    fm_events_free(&ev);
}

Test(history, cancel_and_failure_are_recorded, .init = setup, .fini = teardown)
{
    fm_events_t ev = {0};
    fm_notifier(&f, &ev);
    orders_order_t *c = order_in("c1", ORDERS_STATUS_CANCELLED);
    orders_order_t *x = order_in("c2", ORDERS_STATUS_FAILED);
    orders_history_list_t h = {0};
    orders_error_t err = {0};
    cr_assert_eq(orders_order_history(f.ctx, c->id, &h, &err), ORDERS_OK);
    cr_assert_geq(h.count, 3);
    const orders_history_t *last = h.items[h.count - 1];
    cr_assert_str_eq(last->from_status, "confirmed");
    cr_assert_str_eq(last->to_status, "cancelled");
    cr_assert_str_eq(last->actor, "admin");
    cr_assert_str_eq(last->note, "test");
    orders_history_list_clear(&h);
    cr_assert_eq(orders_order_history(f.ctx, x->id, &h, &err), ORDERS_OK);
    last = h.items[h.count - 1];
    cr_assert_str_eq(last->from_status, "pending");
    cr_assert_str_eq(last->to_status, "failed");
    orders_history_list_clear(&h);

    fm_dispatch_all(&f);
    const orders_event_t *e = fm_find(&ev, ORDERS_EVENT_STATUS_CHANGED, c->id, 1);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->old_status, "confirmed");
    cr_assert_str_eq(e->new_status, "cancelled");
    e = fm_find(&ev, ORDERS_EVENT_STATUS_CHANGED, x->id, 0);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->new_status, "failed");
    cr_assert_eq(orders_order_history(f.ctx, "missing", &h, &err), ORDERS_E_NOT_FOUND);
    orders_order_free(c);
    orders_order_free(x);
    fix_close(&f);
    fm_events_free(&ev);
}

/* ---- lists and lookups ---- */

static void list(const orders_list_query_t *q, orders_order_list_t *out)
{
    orders_error_t err = {0};
    memset(out, 0, sizeof *out);
    cr_assert_eq(orders_order_list(f.ctx, q, out, &err), ORDERS_OK, "%s", err.message);
}

Test(list, filters_newest_first_and_pages, .init = setup, .fini = teardown)
{
    /* six orders a minute apart: alice p1, bob p2, alice p2, bob p1, alice p1+p2, carol p1 */
    const char *cust[6] = {"alice", "bob", "alice", "bob", "alice", "carol"};
    char *ids[6];
    for (int i = 0; i < 6; i++) {
        if (i == 1 || i == 2 || i == 4)
            fix_add(&f, cust[i], "p2", 1);
        if (i != 1 && i != 2)
            fix_add(&f, cust[i], "p1", 1);
        orders_order_t *o = fix_place(&f, cust[i], ORDERS_METHOD_COD);
        ids[i] = strdup(o->id);
        orders_order_free(o);
        fix_advance(&f, FIX_MINUTE);
    }
    orders_order_t *x = fm_move(&f, ids[0], ORDERS_STATUS_PROCESSING);
    orders_order_free(x);
    x = fm_move(&f, ids[3], ORDERS_STATUS_PROCESSING);
    orders_order_free(x);

    orders_order_list_t l;
    orders_list_query_t q = {.page = 1, .limit = 50};
    list(&q, &l);
    cr_assert_eq(l.total, 6);
    cr_assert_eq(l.count, 6);
    for (int i = 0; i < 6; i++)
        cr_assert_str_eq(l.items[i]->id, ids[5 - i], "admin list not newest first at %d", i);
    orders_order_list_clear(&l);

    q.customer_id = "alice";
    list(&q, &l);
    cr_assert_eq(l.total, 3);
    cr_assert_eq(l.count, 3);
    cr_assert_str_eq(l.items[0]->id, ids[4]);
    cr_assert_str_eq(l.items[1]->id, ids[2]);
    cr_assert_str_eq(l.items[2]->id, ids[0]);
    orders_order_list_clear(&l);

    q.has_status = true;
    q.status = ORDERS_STATUS_PROCESSING;
    list(&q, &l);
    cr_assert_eq(l.total, 1);
    cr_assert_eq(l.count, 1);
    cr_assert_str_eq(l.items[0]->id, ids[0]);
    orders_order_list_clear(&l);

    q.customer_id = NULL;
    list(&q, &l);
    cr_assert_eq(l.total, 2);
    cr_assert_str_eq(l.items[0]->id, ids[3]);
    cr_assert_str_eq(l.items[1]->id, ids[0]);
    orders_order_list_clear(&l);

    q.has_status = false;
    q.seller_id = "s2";
    list(&q, &l);
    cr_assert_eq(l.total, 3);
    cr_assert_str_eq(l.items[0]->id, ids[4]);
    cr_assert_str_eq(l.items[1]->id, ids[2]);
    cr_assert_str_eq(l.items[2]->id, ids[1]);
    orders_order_list_clear(&l);

    q.seller_id = "s1";
    q.has_status = true;
    q.status = ORDERS_STATUS_CONFIRMED;
    list(&q, &l);
    cr_assert_eq(l.total, 2, "s1 confirmed: orders 4 and 5, got %lld", (long long)l.total);
    cr_assert_str_eq(l.items[0]->id, ids[5]);
    cr_assert_str_eq(l.items[1]->id, ids[4]);
    orders_order_list_clear(&l);

    /* paging: 6 orders, limit 4 */
    orders_list_query_t pq = {.page = 2, .limit = 4};
    list(&pq, &l);
    cr_assert_eq(l.total, 6);
    cr_assert_eq(l.count, 2);
    cr_assert_str_eq(l.items[0]->id, ids[1]);
    cr_assert_str_eq(l.items[1]->id, ids[0]);
    orders_order_list_clear(&l);
    pq.page = 3;
    list(&pq, &l);
    cr_assert_eq(l.total, 6);
    cr_assert_eq(l.count, 0);
    orders_order_list_clear(&l);
    pq = (orders_list_query_t){.customer_id = "alice", .page = 2, .limit = 2};
    list(&pq, &l);
    cr_assert_eq(l.total, 3);
    cr_assert_eq(l.count, 1);
    cr_assert_str_eq(l.items[0]->id, ids[0]);
    orders_order_list_clear(&l);

    pq = (orders_list_query_t){.customer_id = "nobody", .page = 1, .limit = 10};
    list(&pq, &l);
    cr_assert_eq(l.total, 0);
    cr_assert_eq(l.count, 0);
    orders_order_list_clear(&l);

    orders_error_t err = {0};
    pq = (orders_list_query_t){.page = 0, .limit = 10};
    cr_assert_eq(orders_order_list(f.ctx, &pq, &l, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "page");
    pq = (orders_list_query_t){.page = 1, .limit = 0};
    cr_assert_eq(orders_order_list(f.ctx, &pq, &l, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "limit");
    for (int i = 0; i < 6; i++)
        free(ids[i]);
}

Test(list, get_by_number, .init = setup, .fini = teardown)
{
    orders_order_t *a = fm_order(&f, "alice", "p1", 1, ORDERS_METHOD_COD, false);
    orders_order_t *b = fm_order(&f, "bob", "p2", 2, ORDERS_METHOD_COD, false);
    cr_assert_str_neq(a->order_number, b->order_number);
    cr_assert_eq(strncmp(a->order_number, "ORD", 3), 0, "%s", a->order_number);
    for (const char *p = a->order_number + 3; *p; p++)
        cr_assert(*p >= '0' && *p <= '9', "orderNumber %s is not ORD + digits", a->order_number);

    orders_order_t *g = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_get_by_number(f.ctx, b->order_number, NULL, &g, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_str_eq(g->id, b->id);
    cr_assert_eq(g->items[0].quantity, 2);
    orders_order_free(g);
    cr_assert_eq(orders_order_get_by_number(f.ctx, a->order_number, "alice", &g, &err), ORDERS_OK);
    cr_assert_str_eq(g->id, a->id);
    orders_order_free(g);
    cr_assert_eq(orders_order_get_by_number(f.ctx, "ORD000", NULL, &g, &err), ORDERS_E_NOT_FOUND);
    cr_assert_null(g);
    orders_order_free(a);
    orders_order_free(b);
}
