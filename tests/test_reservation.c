/*
 * test_reservation.c - availability checks, standalone reservations,
 * confirm/release, deadlines, the expiry sweep, and stock accounting.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "support/fixture_more.h"

static fixture_t f;

static void setup(void)
{
    fix_open(&f, NULL);
    fix_product(&f, "p1", "s1", 1000, 5);
    fix_product(&f, "p2", "s1", 2000, 2);
    fix_product(&f, "p0", "s2", 300, 0);
}

static void teardown(void)
{
    fix_close(&f);
}

static orders_code_t reserve(const char *order_id, const char *p, int64_t q, int64_t window,
                             orders_error_t *err)
{
    orders_item_request_t it = {p, q};
    return orders_reservation_create(f.ctx, order_id, "cust", &it, 1, window, NULL, err);
}

static void reserve_ok(const char *order_id, const char *p, int64_t q, int64_t window)
{
    orders_error_t err = {0};
    cr_assert_eq(reserve(order_id, p, q, window, &err), ORDERS_OK, "%s: %s", order_id, err.message);
}

static int64_t sweep(int64_t now)
{
    orders_error_t err = {0};
    int64_t n = -1;
    cr_assert_eq(orders_reservations_expire(f.ctx, now, &n, &err), ORDERS_OK, "%s", err.message);
    return n;
}

Test(check, availability_per_line, .init = setup, .fini = teardown)
{
    orders_item_request_t items[4] = {{"p1", 3}, {"p2", 3}, {"ghost", 1}, {"p0", 1}};
    int64_t avail[4] = {-1, -1, -1, -1};
    bool ok[4] = {false, true, true, true};
    bool all = true;
    orders_error_t err = {0};
    cr_assert_eq(orders_inventory_check(f.ctx, items, 4, avail, ok, &all, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(avail[0], 5);
    cr_assert_eq(avail[1], 2);
    cr_assert_eq(avail[2], 0, "an unknown product has 0 available");
    cr_assert_eq(avail[3], 0);
    cr_assert(ok[0]);
    cr_assert_not(ok[1]);
    cr_assert_not(ok[2]);
    cr_assert_not(ok[3]);
    cr_assert_not(all);

    orders_item_request_t good[2] = {{"p1", 5}, {"p2", 2}};
    cr_assert_eq(orders_inventory_check(f.ctx, good, 2, avail, ok, &all, &err), ORDERS_OK);
    cr_assert(all);
    cr_assert(ok[0] && ok[1]);

    /* a check holds nothing */
    fm_assert_stock(&f, "p1", 5, 0, 0);

    orders_item_request_t zero[2] = {{"p1", 0}, {"p2", 1}};
    cr_assert_eq(orders_inventory_check(f.ctx, zero, 2, avail, ok, &all, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "items[0].quantity");
    orders_item_request_t neg[2] = {{"p1", 1}, {"p2", -4}};
    cr_assert_eq(orders_inventory_check(f.ctx, neg, 2, avail, ok, &all, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "items[1].quantity");
    orders_item_request_t noid[1] = {{"", 1}};
    cr_assert_eq(orders_inventory_check(f.ctx, noid, 1, avail, ok, &all, &err), ORDERS_E_INVALID);
}

Test(create, all_or_none, .init = setup, .fini = teardown)
{
    orders_item_request_t items[2] = {{"p1", 3}, {"p2", 5}};
    orders_reservation_t *r = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_reservation_create(f.ctx, "o1", "cust", items, 2, 0, &r, &err),
                 ORDERS_E_OUT_OF_STOCK);
    cr_assert_null(r);
    cr_assert_str_eq(err.field, "p2", "the short product is named, got field '%s'", err.field);
    cr_assert_not_null(strstr(err.message, "p2"), "%s", err.message);
    fm_assert_stock(&f, "p1", 5, 0, 0);
    fm_assert_stock(&f, "p2", 2, 0, 0);
    cr_assert_eq(orders_reservation_get(f.ctx, "o1", &r, &err), ORDERS_E_NOT_FOUND);

    items[1].quantity = 2;
    cr_assert_eq(orders_reservation_create(f.ctx, "o1", "cust", items, 2, 0, &r, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_not_null(r);
    cr_assert_eq(r->status, ORDERS_RES_ACTIVE);
    cr_assert_eq(r->line_count, 2);
    cr_assert_eq(r->total_items, 5);
    cr_assert_eq(r->expires_at, FIX_T0 + 30 * FIX_MINUTE, "default window is 30 minutes");
    orders_reservation_free(r);
    fm_assert_stock(&f, "p1", 2, 3, 0);
    fm_assert_stock(&f, "p2", 0, 2, 0);

    /* one reservation per order id; the same request again is a retry */
    orders_item_request_t one = {"p1", 1};
    cr_assert_eq(orders_reservation_create(f.ctx, "o1", "cust", &one, 1, 0, &r, &err), ORDERS_E_CONFLICT);
    cr_assert_null(r);
    cr_assert_eq(orders_reservation_create(f.ctx, "o1", "other", items, 2, 0, &r, &err),
                 ORDERS_E_CONFLICT, "another customer");
    cr_assert_null(r);
    cr_assert_eq(orders_reservation_create(f.ctx, "o1", "cust", items, 2, 0, &r, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_not_null(r);
    cr_assert_eq(r->total_items, 5, "the first reservation, as it is");
    orders_reservation_free(r);
    fm_assert_stock(&f, "p1", 2, 3, 0);
    fm_assert_stock(&f, "p2", 0, 2, 0);
}

/* A line whose product does not exist: the error names that line and
 * product, and no stock is held for the others. */
Test(create, unknown_product_is_named, .init = setup, .fini = teardown)
{
    orders_item_request_t items[3] = {{"p1", 1}, {"p2", 1}, {"ghost", 1}};
    orders_reservation_t *r = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_reservation_create(f.ctx, "o9", "cust", items, 3, 0, &r, &err),
                 ORDERS_E_NOT_FOUND);
    cr_assert_null(r);
    cr_assert_str_eq(err.field, "items[2].productId");
    cr_assert_str_eq(err.message, "Product not found: ghost");
    fm_assert_stock(&f, "p1", 5, 0, 0);
    fm_assert_stock(&f, "p2", 2, 0, 0);
    cr_assert_eq(orders_reservation_get(f.ctx, "o9", &r, &err), ORDERS_E_NOT_FOUND);
}

Test(create, confirm_and_release, .init = setup, .fini = teardown)
{
    orders_error_t err = {0};
    reserve_ok("a", "p1", 2, 0);
    reserve_ok("b", "p1", 1, 0);
    fm_assert_stock(&f, "p1", 2, 3, 0);
    cr_assert_eq(orders_reservation_confirm(f.ctx, "a", &err), ORDERS_OK, "%s", err.message);
    fm_assert_stock(&f, "p1", 2, 1, 2);
    cr_assert_eq(fm_res_status(&f, "a"), ORDERS_RES_CONFIRMED);
    cr_assert_eq(orders_reservation_release(f.ctx, "b", &err), ORDERS_OK, "%s", err.message);
    fm_assert_stock(&f, "p1", 3, 0, 2);
    cr_assert_eq(fm_res_status(&f, "b"), ORDERS_RES_CANCELLED);

    /* settled reservations do not move again */
    cr_assert_neq(orders_reservation_confirm(f.ctx, "b", &err), ORDERS_OK);
    cr_assert_neq(orders_reservation_release(f.ctx, "b", &err), ORDERS_OK);
    cr_assert_neq(orders_reservation_confirm(f.ctx, "a", &err), ORDERS_OK);
    fm_assert_stock(&f, "p1", 3, 0, 2);
    cr_assert_eq(orders_reservation_confirm(f.ctx, "zzz", &err), ORDERS_E_NOT_FOUND);
    cr_assert_eq(orders_reservation_release(f.ctx, "zzz", &err), ORDERS_E_NOT_FOUND);
}

Test(deadline, confirm_after_deadline_is_expired_before_any_sweep, .init = setup, .fini = teardown)
{
    orders_error_t err = {0};
    reserve_ok("a", "p1", 2, 10 * FIX_MINUTE);
    fix_advance(&f, 10 * FIX_MINUTE); /* exactly at the deadline */
    cr_assert_eq(orders_reservation_confirm(f.ctx, "a", &err), ORDERS_E_EXPIRED);
    fm_assert_stock(&f, "p1", 3, 2, 0);
    cr_assert_eq(fm_res_status(&f, "a"), ORDERS_RES_ACTIVE, "nothing swept yet");
    cr_assert_eq(sweep(f.now), 1);
    cr_assert_eq(fm_res_status(&f, "a"), ORDERS_RES_EXPIRED);
    fm_assert_stock(&f, "p1", 5, 0, 0);
    cr_assert_neq(orders_reservation_confirm(f.ctx, "a", &err), ORDERS_OK);
    fm_assert_stock(&f, "p1", 5, 0, 0);
}

Test(deadline, pending_order_confirm_after_deadline_is_expired, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, true);
    fix_advance(&f, 30 * FIX_MINUTE + 1);
    orders_error_t err = {0};
    cr_assert_eq(orders_reservation_confirm(f.ctx, o->id, &err), ORDERS_E_EXPIRED);
    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_neq(g->status, ORDERS_STATUS_CONFIRMED);
    orders_order_free(g);
    fm_assert_stock(&f, "p1", 3, 2, 0);
    orders_order_free(o);
}

Test(sweep, staggered_deadlines, .init = setup, .fini = teardown)
{
    fix_product(&f, "big", "s1", 100, 100);
    reserve_ok("r10", "big", 1, 10 * FIX_MINUTE);
    reserve_ok("r20", "big", 2, 20 * FIX_MINUTE);
    reserve_ok("r30", "big", 4, 0); /* the configured 30 minutes */
    fix_advance(&f, 5 * FIX_MINUTE);
    reserve_ok("r45", "big", 8, 40 * FIX_MINUTE); /* deadline T0 + 45 min */
    fm_assert_stock(&f, "big", 85, 15, 0);

    cr_assert_eq(sweep(FIX_T0 + 10 * FIX_MINUTE - 1), 0, "released early");
    fm_assert_stock(&f, "big", 85, 15, 0);
    cr_assert_eq(sweep(FIX_T0 + 10 * FIX_MINUTE), 1);
    cr_assert_eq(fm_res_status(&f, "r10"), ORDERS_RES_EXPIRED);
    cr_assert_eq(fm_res_status(&f, "r20"), ORDERS_RES_ACTIVE);
    fm_assert_stock(&f, "big", 86, 14, 0);
    cr_assert_eq(sweep(FIX_T0 + 10 * FIX_MINUTE), 0, "released twice");
    cr_assert_eq(sweep(FIX_T0 + 25 * FIX_MINUTE), 1);
    fm_assert_stock(&f, "big", 88, 12, 0);
    cr_assert_eq(sweep(FIX_T0 + 29 * FIX_MINUTE), 0);
    cr_assert_eq(sweep(FIX_T0 + 44 * FIX_MINUTE), 1);
    cr_assert_eq(fm_res_status(&f, "r30"), ORDERS_RES_EXPIRED);
    cr_assert_eq(fm_res_status(&f, "r45"), ORDERS_RES_ACTIVE);
    fm_assert_stock(&f, "big", 92, 8, 0);
    cr_assert_eq(sweep(FIX_T0 + 2 * FIX_HOUR), 1);
    cr_assert_eq(sweep(FIX_T0 + 3 * FIX_HOUR), 0);
    fm_assert_stock(&f, "big", 100, 0, 0);
    const char *all[4] = {"r10", "r20", "r30", "r45"};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(fm_res_status(&f, all[i]), ORDERS_RES_EXPIRED, "%s", all[i]);
}

Test(sweep, cancels_the_pending_order_and_skips_settled_ones, .init = setup, .fini = teardown)
{
    orders_order_t *pend = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, true);
    orders_order_t *cod = fm_order(&f, "c2", "p1", 1, ORDERS_METHOD_COD, false);
    fm_assert_stock(&f, "p1", 2, 2, 1);
    cr_assert_eq(sweep(FIX_T0 + 30 * FIX_MINUTE - 1), 0);
    fix_advance(&f, 31 * FIX_MINUTE);
    cr_assert_eq(sweep(f.now), 1, "only the pending order's reservation is due");
    orders_order_t *g = fm_get(&f, pend->id);
    cr_assert_eq(g->status, ORDERS_STATUS_CANCELLED);
    cr_assert_str_eq(g->cancel_reason, "reservation expired");
    cr_assert_eq(g->cancelled_at, f.now);
    cr_assert_eq(g->items[0].status, ORDERS_ITEM_CANCELLED);
    orders_order_free(g);
    cr_assert_eq(fm_res_status(&f, pend->id), ORDERS_RES_EXPIRED);
    g = fm_get(&f, cod->id);
    cr_assert_eq(g->status, ORDERS_STATUS_CONFIRMED, "a confirmed order is not expired");
    orders_order_free(g);
    fm_assert_stock(&f, "p1", 4, 0, 1);
    cr_assert_eq(sweep(f.now + FIX_HOUR), 0);

    orders_history_list_t h = {0};
    orders_error_t err = {0};
    cr_assert_eq(orders_order_history(f.ctx, pend->id, &h, &err), ORDERS_OK);
    cr_assert_str_eq(h.items[h.count - 1]->to_status, "cancelled");
    cr_assert_str_eq(h.items[h.count - 1]->note, "reservation expired");
    orders_history_list_clear(&h);
    orders_order_free(pend);
    orders_order_free(cod);
}

Test(sweep, voids_a_pending_online_payment, .init = setup, .fini = teardown)
{
    orders_error_t err = {0};
    cr_assert_eq(orders_gateway_test_script(f.test_gateway, ORDERS_TEST_PENDING, &err), ORDERS_OK);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_not_null(o->payment_ref);
    fix_advance(&f, 30 * FIX_MINUTE);
    cr_assert_eq(sweep(f.now), 1);
    /* voided: the gateway refuses to settle it now */
    cr_assert_eq(orders_gateway_test_settle(f.test_gateway, o->payment_ref, true, &err),
                 ORDERS_E_CONFLICT, "the pending payment was not voided");
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 0);
    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_eq(g->status, ORDERS_STATUS_CANCELLED);
    cr_assert_neq(g->payment_status, ORDERS_PAYMENT_PAID);
    orders_order_free(g);
    fm_assert_stock(&f, "p1", 5, 0, 0);
    orders_order_free(o);
}

typedef struct sweeper {
    orders_ctx_t *ctx;
    int64_t now;
    pthread_barrier_t *go;
    orders_code_t rc;
    int64_t expired;
} sweeper_t;

static void *run_sweep(void *arg)
{
    sweeper_t *s = arg;
    pthread_barrier_wait(s->go);
    s->rc = orders_reservations_expire(s->ctx, s->now, &s->expired, NULL);
    return NULL;
}

Test(sweep, racing_sweeps_expire_each_once, .init = setup, .fini = teardown)
{
    fix_product(&f, "big", "s1", 100, 1000);
    char id[32];
    int64_t units = 0;
    for (int i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "res-%02d", i);
        reserve_ok(id, "big", 1 + i % 3, (1 + i % 7) * FIX_MINUTE);
        units += 1 + i % 3;
    }
    /* ten pending orders hold stock too */
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "cust-%d", i);
        orders_order_free(fm_order(&f, id, "big", 2, ORDERS_METHOD_ONLINE, true));
        units += 2;
    }
    fm_assert_stock(&f, "big", 1000 - units, units, 0);

    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    sweeper_t s[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        s[i] = (sweeper_t){.ctx = f.ctx, .now = FIX_T0 + FIX_HOUR, .go = &go, .rc = -1};
        cr_assert_eq(pthread_create(&t[i], NULL, run_sweep, &s[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
    cr_assert_eq(s[0].rc, ORDERS_OK);
    cr_assert_eq(s[1].rc, ORDERS_OK);
    cr_assert_eq(s[0].expired + s[1].expired, 70, "expired %lld + %lld", (long long)s[0].expired,
                 (long long)s[1].expired);
    fm_assert_stock(&f, "big", 1000, 0, 0);
    for (int i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "res-%02d", i);
        cr_assert_eq(fm_res_status(&f, id), ORDERS_RES_EXPIRED, "%s", id);
    }
    orders_order_list_t l = {0};
    orders_list_query_t q = {.page = 1, .limit = 100};
    orders_error_t err = {0};
    cr_assert_eq(orders_order_list(f.ctx, &q, &l, &err), ORDERS_OK);
    cr_assert_eq(l.count, 10);
    for (size_t i = 0; i < l.count; i++) {
        cr_assert_eq(l.items[i]->status, ORDERS_STATUS_CANCELLED);
        cr_assert_str_eq(l.items[i]->cancel_reason, "reservation expired");
    }
    orders_order_list_clear(&l);
    cr_assert_eq(sweep(FIX_T0 + 2 * FIX_HOUR), 0);
}

Test(stock, adjust_never_below_zero, .init = setup, .fini = teardown)
{
    orders_stock_t st = {0};
    orders_error_t err = {0};
    reserve_ok("a", "p1", 2, 0);
    fm_assert_stock(&f, "p1", 3, 2, 0);
    cr_assert_eq(orders_stock_adjust(f.ctx, "p1", -4, &st, &err), ORDERS_E_CONFLICT,
                 "reserved units cannot be adjusted away");
    fm_assert_stock(&f, "p1", 3, 2, 0);
    cr_assert_eq(orders_stock_adjust(f.ctx, "p1", -3, &st, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(st.available, 0);
    cr_assert_eq(st.adjusted, 3);
    cr_assert_eq(st.stocked, 5);
    fix_assert_invariant(&f, "p1");
    cr_assert_eq(orders_stock_adjust(f.ctx, "p1", -1, &st, &err), ORDERS_E_CONFLICT);
    cr_assert_eq(orders_stock_adjust(f.ctx, "p1", 7, &st, &err), ORDERS_OK);
    cr_assert_eq(st.available, 7);
    cr_assert_eq(st.stocked, 12);
    cr_assert_eq(st.adjusted, 3);
    fm_assert_stock(&f, "p1", 7, 2, 0);
    cr_assert_eq(orders_stock_adjust(f.ctx, "p1", 0, &st, &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_stock_adjust(f.ctx, "ghost", 1, &st, &err), ORDERS_E_NOT_FOUND);
}

Test(stock, set_accounting, .init = setup, .fini = teardown)
{
    orders_stock_t st = {0};
    orders_error_t err = {0};
    fix_product(&f, "n", "s1", 100, 0);
    fm_assert_stock(&f, "n", 0, 0, 0);
    cr_assert_eq(orders_stock_set(f.ctx, "n", 10, &st, &err), ORDERS_OK);
    cr_assert_eq(st.available, 10);
    cr_assert_eq(st.stocked, 10);
    cr_assert_eq(st.adjusted, 0);
    reserve_ok("a", "n", 3, 0);
    cr_assert_eq(orders_reservation_confirm(f.ctx, "a", &err), ORDERS_OK);
    fm_assert_stock(&f, "n", 7, 0, 3);
    cr_assert_eq(orders_stock_set(f.ctx, "n", 4, &st, &err), ORDERS_OK);
    cr_assert_eq(st.available, 4);
    cr_assert_eq(st.adjusted, 3);
    cr_assert_eq(st.stocked, 10);
    cr_assert_eq(st.sold, 3);
    fix_assert_invariant(&f, "n");
    cr_assert_eq(orders_stock_set(f.ctx, "n", 9, &st, &err), ORDERS_OK);
    cr_assert_eq(st.stocked, 15);
    cr_assert_eq(st.adjusted, 3);
    fm_assert_stock(&f, "n", 9, 0, 3);
    cr_assert_eq(orders_stock_set(f.ctx, "n", 9, &st, &err), ORDERS_OK);
    cr_assert_eq(st.stocked, 15);
    cr_assert_eq(orders_stock_set(f.ctx, "n", -1, &st, &err), ORDERS_E_INVALID);
    fm_assert_stock(&f, "n", 9, 0, 3);
    cr_assert_eq(orders_stock_set(f.ctx, "ghost", 1, &st, &err), ORDERS_E_NOT_FOUND);
}

Test(order, confirm_and_release_follow_the_pending_order, .init = setup, .fini = teardown)
{
    orders_error_t err = {0};
    orders_order_t *a = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, true);
    orders_order_t *b = fm_order(&f, "c2", "p1", 1, ORDERS_METHOD_ONLINE, true);
    fm_assert_stock(&f, "p1", 2, 3, 0);

    cr_assert_eq(orders_reservation_confirm(f.ctx, a->id, &err), ORDERS_OK, "%s", err.message);
    orders_order_t *g = fm_get(&f, a->id);
    cr_assert_eq(g->status, ORDERS_STATUS_CONFIRMED);
    orders_order_free(g);
    fm_assert_stock(&f, "p1", 2, 1, 2);

    cr_assert_eq(orders_reservation_release(f.ctx, b->id, &err), ORDERS_OK, "%s", err.message);
    g = fm_get(&f, b->id);
    cr_assert_eq(g->status, ORDERS_STATUS_CANCELLED);
    cr_assert_not_null(g->cancel_reason);
    orders_order_free(g);
    fm_assert_stock(&f, "p1", 3, 0, 2);
    cr_assert_eq(sweep(f.now + FIX_DAY), 0, "settled reservations are not swept");
    fm_assert_stock(&f, "p1", 3, 0, 2);
    orders_order_free(a);
    orders_order_free(b);
}

Test(order, placement_is_all_or_none, .init = setup, .fini = teardown)
{
    orders_error_t err = {0};
    fix_add(&f, "c1", "p1", 3);
    fix_add(&f, "c1", "p2", 2);
    /* p2 loses a unit after the cart was filled */
    cr_assert_eq(orders_stock_adjust(f.ctx, "p2", -1, NULL, &err), ORDERS_OK);
    orders_order_t *o = NULL;
    cr_assert_eq(fm_place_rc(&f, "c1", ORDERS_METHOD_COD, false, &o, &err), ORDERS_E_OUT_OF_STOCK);
    cr_assert_null(o);
    cr_assert_str_eq(err.message, "Some items are not available: p2 (requested: 2, available: 1)");
    fm_assert_stock(&f, "p1", 5, 0, 0);
    fm_assert_stock(&f, "p2", 1, 0, 0);
    orders_cart_t *c = NULL;
    cr_assert_eq(orders_cart_get(f.ctx, "c1", &c, &err), ORDERS_OK);
    cr_assert_eq(c->item_count, 2, "the cart must be intact");
    orders_cart_free(c);
    orders_order_list_t l = {0};
    orders_list_query_t q = {.page = 1, .limit = 10};
    cr_assert_eq(orders_order_list(f.ctx, &q, &l, &err), ORDERS_OK);
    cr_assert_eq(l.total, 0);
    orders_order_list_clear(&l);
}
