/*
 * test_payment.c - cod, wallet and online payments, completion, sync,
 * deferred payment, late payments after expiry, and refunds.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "support/fixture_extra.h"
#include "support/fixture_more.h"

static fixture_t f;

static void setup(void)
{
    fix_open(&f, NULL);
    fix_product(&f, "p1", "s1", 1999, 10); /* 2 units: 3998 */
}

static void teardown(void)
{
    fix_close(&f);
}

static void script(orders_test_step_t step)
{
    orders_error_t err = {0};
    cr_assert_eq(orders_gateway_test_script(f.test_gateway, step, &err), ORDERS_OK, "%s", err.message);
}

/* The stored order has refunded `refunded` with payment status ps, is at
 * `version` (0: not checked), and the gateway holds `held` of its payment. */
static void money(const orders_order_t *o, int64_t refunded, orders_payment_status_t ps,
                  int64_t version, int64_t held)
{
    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_eq(g->refund_amount.amount, refunded, "refunded %lld, expected %lld",
                 (long long)g->refund_amount.amount, (long long)refunded);
    cr_assert_eq(g->payment_status, ps, "payment %s, expected %s",
                 orders_payment_status_name(g->payment_status), orders_payment_status_name(ps));
    cr_assert(version == 0 || g->version == version, "the order changed (version %lld)",
              (long long)g->version);
    orders_order_free(g);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), held);
}

/* ---- cod ---- */

Test(cod, confirmed_at_once_payment_pending, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_COD, false);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PENDING);
    cr_assert_eq(o->total_amount.amount, 3998);
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_CONFIRMED);
    fm_assert_stock(&f, "p1", 8, 0, 2);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 0, "cod must not reach the online gateway");

    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_pay(f.ctx, o->id, "c1", &x, &err), ORDERS_E_INVALID);
    cr_assert_null(x);
    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_eq(g->version, o->version);
    orders_order_free(g);
    orders_order_free(o);
}

/* ---- nothing to pay ---- */

/* A discount that takes the whole 3998 leaves nothing to pay: whatever the
 * method, the order is confirmed and paid without asking a gateway (a
 * payment of 0 is refused by the wallet and by REST gateways). */
static fixx_pricing_t FREE = {.discount = 3998};

static void assert_free_and_paid(const orders_order_t *o)
{
    cr_assert_eq(o->total_amount.amount, 0);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED, "status %s", orders_status_name(o->status));
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PAID, "payment %s",
                 orders_payment_status_name(o->payment_status));
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_CONFIRMED);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 0, "a gateway was asked for 0");
    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_eq(g->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(g->payment_status, ORDERS_PAYMENT_PAID);
    orders_order_free(g);
}

Test(free, every_method_confirms_and_pays_an_order_of_zero, .init = setup, .fini = teardown)
{
    orders_ctx_set_pricing(f.ctx, fixx_pricing_hook, &FREE);
    const orders_payment_method_t methods[] = {ORDERS_METHOD_ONLINE, ORDERS_METHOD_WALLET,
                                               ORDERS_METHOD_COD};
    for (size_t i = 0; i < 3; i++) {
        orders_order_t *o = fm_order(&f, "c1", "p1", 2, methods[i], false);
        assert_free_and_paid(o);
        orders_order_free(o);
    }
    fm_assert_stock(&f, "p1", 4, 0, 6);
    cr_assert_eq(fm_balance(&f, "c1"), 0);
}

Test(free, a_deferred_order_of_zero_is_paid_on_request, .init = setup, .fini = teardown)
{
    orders_ctx_set_pricing(f.ctx, fixx_pricing_hook, &FREE);
    const orders_payment_method_t methods[] = {ORDERS_METHOD_ONLINE, ORDERS_METHOD_WALLET};
    for (size_t i = 0; i < 2; i++) {
        orders_order_t *o = fm_order(&f, "c1", "p1", 2, methods[i], true);
        cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
        orders_order_t *x = NULL;
        orders_error_t err = {0};
        cr_assert_eq(orders_order_pay(f.ctx, o->id, "c1", &x, &err), ORDERS_OK, "%s",
                     err.message);
        assert_free_and_paid(x);
        orders_order_free(x);
        /* paying again is the usual conflict */
        cr_assert_eq(orders_order_pay(f.ctx, o->id, "c1", &x, &err), ORDERS_E_CONFLICT);
        orders_order_free(o);
    }
    fm_assert_stock(&f, "p1", 6, 0, 4);
}

/* ---- wallet ---- */

Test(wallet, pays_and_debits_exactly_once, .init = setup, .fini = teardown)
{
    fm_credit(&f, "c1", 10000, "topup-1");
    fm_credit(&f, "c1", 10000, "topup-1"); /* same ref: applied once */
    cr_assert_eq(fm_balance(&f, "c1"), 10000);

    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_WALLET, false);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PAID);
    cr_assert_eq(fm_balance(&f, "c1"), 10000 - 3998);
    fm_assert_stock(&f, "p1", 8, 0, 2);
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_CONFIRMED);

    /* paying again, or completing again, never debits twice */
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_pay(f.ctx, o->id, "c1", &x, &err), ORDERS_E_CONFLICT);
    cr_assert_null(x);
    cr_assert_eq(orders_payment_complete(f.ctx, o->id, true, NULL, &x, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(x->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(x->version, o->version, "a repeated completion changed the order");
    orders_order_free(x);
    cr_assert_eq(fm_balance(&f, "c1"), 10000 - 3998);
    orders_order_free(o);
}

Test(wallet, insufficient_funds_fails_and_releases, .init = setup, .fini = teardown)
{
    fm_credit(&f, "c1", 3997, "topup-1");
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_WALLET, false);
    cr_assert_eq(o->status, ORDERS_STATUS_FAILED);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_FAILED);
    cr_assert_eq(o->items[0].status, ORDERS_ITEM_CANCELLED);
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_CANCELLED);
    fm_assert_stock(&f, "p1", 10, 0, 0);
    cr_assert_eq(fm_balance(&f, "c1"), 3997);
    orders_order_free(o);
}

Test(wallet, ledger_never_negative_and_idempotent, .init = setup, .fini = teardown)
{
    orders_error_t err = {0};
    int64_t bal = -1;
    orders_money_t m = {500, "USD"};
    cr_assert_eq(fm_balance(&f, "c9"), 0);
    cr_assert_eq(orders_wallet_debit(f.ctx, "c9", &m, "d-0", &bal, &err), ORDERS_E_INSUFFICIENT_FUNDS);
    cr_assert_eq(fm_balance(&f, "c9"), 0);

    cr_assert_eq(orders_wallet_credit(f.ctx, "c9", &m, "c-1", &bal, &err), ORDERS_OK);
    cr_assert_eq(bal, 500);
    orders_money_t d = {300, "USD"};
    cr_assert_eq(orders_wallet_debit(f.ctx, "c9", &d, "d-1", &bal, &err), ORDERS_OK);
    cr_assert_eq(bal, 200);
    cr_assert_eq(orders_wallet_debit(f.ctx, "c9", &d, "d-1", &bal, &err), ORDERS_OK, "same ref again");
    cr_assert_eq(bal, 200, "a repeated debit ref moved money twice");
    cr_assert_eq(orders_wallet_debit(f.ctx, "c9", &d, "d-2", &bal, &err), ORDERS_E_INSUFFICIENT_FUNDS);
    cr_assert_eq(fm_balance(&f, "c9"), 200);
    orders_money_t all = {200, "USD"};
    cr_assert_eq(orders_wallet_debit(f.ctx, "c9", &all, "d-3", &bal, &err), ORDERS_OK);
    cr_assert_eq(bal, 0);

    orders_money_t zero = {0, "USD"}, neg = {-5, "USD"};
    cr_assert_eq(orders_wallet_credit(f.ctx, "c9", &zero, "z", NULL, &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_wallet_credit(f.ctx, "c9", &neg, "n", NULL, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "amount");
    orders_money_t huge = {ORDERS_MONEY_MAX + 1, "USD"};
    cr_assert_eq(orders_wallet_credit(f.ctx, "c9", &huge, "h", NULL, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.message, "amount exceeds 999999999999999 minor units");
    cr_assert_eq(fm_balance(&f, "c9"), 0);
    /* balances are per currency */
    orders_money_t eur = {700, "EUR"};
    cr_assert_eq(orders_wallet_credit(f.ctx, "c9", &eur, "e-1", NULL, &err), ORDERS_OK);
    cr_assert_eq(fm_balance(&f, "c9"), 0);
}

/* ---- online ---- */

Test(online, approve_confirms_paid, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PAID);
    cr_assert_not_null(o->payment_ref);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 3998);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 1);
    fm_assert_stock(&f, "p1", 8, 0, 2);
    orders_order_free(o);
}

Test(online, decline_fails_and_releases, .init = setup, .fini = teardown)
{
    script(ORDERS_TEST_DECLINE);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(o->status, ORDERS_STATUS_FAILED);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_FAILED);
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_CANCELLED);
    fm_assert_stock(&f, "p1", 10, 0, 0);
    orders_order_free(o);
}

Test(online, pending_then_success, .init = setup, .fini = teardown)
{
    script(ORDERS_TEST_PENDING);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PENDING);
    cr_assert_not_null(o->payment_ref);
    fm_assert_stock(&f, "p1", 8, 2, 0);
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_ACTIVE);

    orders_error_t err = {0};
    cr_assert_eq(orders_gateway_test_settle(f.test_gateway, o->payment_ref, true, &err), ORDERS_OK);
    fix_advance(&f, 10 * FIX_MINUTE);
    orders_order_t *c = NULL;
    cr_assert_eq(orders_payment_complete(f.ctx, o->id, true, o->payment_ref, &c, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(c->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(c->payment_status, ORDERS_PAYMENT_PAID);
    cr_assert_eq(c->confirmed_at, FIX_T0 + 10 * FIX_MINUTE);
    fm_assert_stock(&f, "p1", 8, 0, 2);
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_CONFIRMED);

    /* the same report again is a no-op */
    orders_order_t *again = NULL;
    cr_assert_eq(orders_payment_complete(f.ctx, o->id, true, o->payment_ref, &again, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(again->version, c->version);
    cr_assert_eq(again->status, ORDERS_STATUS_CONFIRMED);
    fm_assert_stock(&f, "p1", 8, 0, 2);
    orders_order_free(again);
    orders_order_free(c);
    orders_order_free(o);
}

Test(online, pending_then_failure, .init = setup, .fini = teardown)
{
    script(ORDERS_TEST_PENDING);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    orders_error_t err = {0};
    orders_order_t *x = NULL;
    cr_assert_eq(orders_payment_complete(f.ctx, o->id, false, o->payment_ref, &x, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(x->status, ORDERS_STATUS_FAILED);
    cr_assert_eq(x->payment_status, ORDERS_PAYMENT_FAILED);
    fm_assert_stock(&f, "p1", 10, 0, 0);
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_CANCELLED);
    orders_order_free(x);
    /* repeated failure: no-op; a late success cannot revive it */
    cr_assert_eq(orders_payment_complete(f.ctx, o->id, false, o->payment_ref, &x, &err), ORDERS_OK);
    cr_assert_eq(x->status, ORDERS_STATUS_FAILED);
    orders_order_free(x);
    x = NULL;
    (void)orders_payment_complete(f.ctx, o->id, true, o->payment_ref, &x, &err);
    orders_order_free(x);
    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_eq(g->status, ORDERS_STATUS_FAILED);
    fm_assert_stock(&f, "p1", 10, 0, 0);
    orders_order_free(g);
    orders_order_free(o);
}

Test(online, timeout_then_sync_without_second_charge, .init = setup, .fini = teardown)
{
    script(ORDERS_TEST_TIMEOUT);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PENDING);
    fm_assert_stock(&f, "p1", 8, 2, 0);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 1);

    fix_advance(&f, FIX_MINUTE);
    orders_order_t *s = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_payment_sync(f.ctx, o->id, &s, &err), ORDERS_OK, "%s", err.message);
    cr_assert_not_null(s);
    cr_assert_eq(s->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(s->payment_status, ORDERS_PAYMENT_PAID);
    cr_assert_not_null(s->payment_ref);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 1, "sync charged a second time");
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, s->payment_ref), 3998);
    fm_assert_stock(&f, "p1", 8, 0, 2);
    orders_order_free(s);

    /* syncing a settled order changes nothing */
    cr_assert_eq(orders_payment_sync(f.ctx, o->id, &s, &err), ORDERS_OK);
    cr_assert_eq(s->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 1);
    orders_order_free(s);
    orders_order_free(o);
}

Test(online, deferred_then_pay, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, true);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 0);
    fm_assert_stock(&f, "p1", 8, 2, 0);

    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_pay(f.ctx, o->id, "someone-else", &x, &err), ORDERS_E_NOT_FOUND);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 0);
    cr_assert_eq(orders_order_pay(f.ctx, o->id, "c1", &x, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(x->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(x->payment_status, ORDERS_PAYMENT_PAID);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 1);
    fm_assert_stock(&f, "p1", 8, 0, 2);
    orders_order_free(x);

    cr_assert_eq(orders_order_pay(f.ctx, o->id, "c1", &x, &err), ORDERS_E_CONFLICT);
    cr_assert_null(x);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 1);
    orders_order_free(o);
}

Test(wallet, deferred_then_pay, .init = setup, .fini = teardown)
{
    fm_credit(&f, "c1", 5000, "t");
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_WALLET, true);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_eq(fm_balance(&f, "c1"), 5000);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_pay(f.ctx, o->id, NULL, &x, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(x->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(x->payment_status, ORDERS_PAYMENT_PAID);
    cr_assert_eq(fm_balance(&f, "c1"), 5000 - 3998);
    orders_order_free(x);
    orders_order_free(o);
}

/* A success reported after the reservation deadline must not confirm. */
static void late_success(const char *txn_mode, bool sweep_first)
{
    script(ORDERS_TEST_PENDING);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_not_null(o->payment_ref);
    orders_error_t err = {0};
    cr_assert_eq(orders_gateway_test_settle(f.test_gateway, o->payment_ref, true, &err), ORDERS_OK);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 3998);

    fix_advance(&f, 30 * FIX_MINUTE + 1);
    if (sweep_first) {
        int64_t n = 0;
        cr_assert_eq(orders_reservations_expire(f.ctx, f.now, &n, &err), ORDERS_OK, "%s", err.message);
        cr_assert_eq(n, 1);
    }
    orders_order_t *x = NULL;
    const char *txn = strcmp(txn_mode, "ref") == 0 ? o->payment_ref : NULL;
    orders_code_t rc = orders_payment_complete(f.ctx, o->id, true, txn, &x, &err);
    cr_expect(rc == ORDERS_OK || rc == ORDERS_E_EXPIRED, "late completion gave %d: %s", rc,
              err.message);
    orders_order_free(x);

    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_eq(g->status, ORDERS_STATUS_CANCELLED, "a late payment gave %s",
                 orders_status_name(g->status));
    cr_assert_str_eq(g->cancel_reason, "reservation expired");
    cr_assert_eq(g->confirmed_at, 0, "the order was confirmed after its deadline");
    cr_assert_neq(g->payment_status, ORDERS_PAYMENT_PAID);
    cr_assert_eq(fm_res_status(&f, o->id), ORDERS_RES_EXPIRED);
    fm_assert_stock(&f, "p1", 10, 0, 0);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 0,
                 "the late payment was not refunded at the gateway");
    orders_history_list_t h = {0};
    cr_assert_eq(orders_order_history(f.ctx, o->id, &h, &err), ORDERS_OK);
    for (size_t i = 0; i < h.count; i++)
        cr_assert_str_neq(h.items[i]->to_status, "confirmed", "the history shows a confirmation");
    orders_history_list_clear(&h);
    orders_order_free(g);
    orders_order_free(o);
}

Test(late, success_after_deadline_cancels_and_refunds, .init = setup, .fini = teardown)
{
    late_success("ref", false);
}

Test(late, success_after_sweep_refunds, .init = setup, .fini = teardown)
{
    late_success("ref", true);
}

Test(late, success_without_txn_id_after_deadline_refunds, .init = setup, .fini = teardown)
{
    /* txn_id is optional in orders_payment_complete: the order knows its payment_ref */
    late_success("none", false);
}

/* The gateway declines to give a late payment back: the order must not say
 * refunded while the gateway still holds the money, and the next report
 * tries again with a key of its own (the test gateway, like Stripe, keeps
 * a declined key's answer). */
Test(late, a_declined_late_refund_is_not_recorded_and_is_tried_again, .init = setup,
     .fini = teardown)
{
    script(ORDERS_TEST_PENDING);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, false);
    orders_error_t err = {0};
    cr_assert_eq(orders_gateway_test_settle(f.test_gateway, o->payment_ref, true, &err), ORDERS_OK);
    fix_advance(&f, 30 * FIX_MINUTE + 1);

    script(ORDERS_TEST_DECLINE); /* the refund of the late payment */
    orders_order_t *x = NULL;
    cr_assert_eq(orders_payment_complete(f.ctx, o->id, true, o->payment_ref, &x, &err),
                 ORDERS_E_DECLINED, "%s", err.message);
    cr_assert_null(x);
    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_eq(g->status, ORDERS_STATUS_CANCELLED);
    cr_assert_neq(g->payment_status, ORDERS_PAYMENT_REFUNDED,
                  "refunded while the gateway still holds the money");
    cr_assert_eq(g->refund_amount.amount, 0);
    orders_order_free(g);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 3998);

    /* the gateway reports the payment again: this time the refund goes through */
    cr_assert_eq(orders_payment_complete(f.ctx, o->id, true, o->payment_ref, &x, &err),
                 ORDERS_E_EXPIRED, "%s", err.message);
    orders_order_free(x);
    g = fm_get(&f, o->id);
    cr_assert_eq(g->payment_status, ORDERS_PAYMENT_REFUNDED);
    cr_assert_eq(g->refund_amount.amount, 3998);
    orders_order_free(g);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 0);
    orders_history_list_t h = {0};
    cr_assert_eq(orders_order_history(f.ctx, o->id, &h, &err), ORDERS_OK);
    bool noted = false;
    for (size_t i = 0; i < h.count; i++)
        noted = noted || (h.items[i]->note && strstr(h.items[i]->note, "refund was declined"));
    orders_history_list_clear(&h);
    cr_assert(noted, "the declined refund is not in the history");
    orders_order_free(o);
}

/* ---- refunds ---- */

static orders_order_t *paid_online(const char *customer)
{
    orders_order_t *o = fm_order(&f, customer, "p1", 2, ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PAID);
    return o;
}

Test(refund, partial_then_rest, .init = setup, .fini = teardown)
{
    orders_order_t *o = paid_online("c1");
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_refund(f.ctx, o->id, 1000, "damaged box", "admin", &x, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(x->refund_amount.amount, 1000);
    cr_assert_str_eq(x->refund_amount.currency, "USD");
    cr_assert_eq(x->payment_status, ORDERS_PAYMENT_PAID);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 2998);
    orders_order_free(x);

    /* more than what remains */
    cr_assert_eq(orders_order_refund(f.ctx, o->id, 2999, NULL, "admin", &x, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "amount");
    cr_assert_null(x);

    cr_assert_eq(orders_order_refund(f.ctx, o->id, -1, "rest", "admin", &x, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(x->refund_amount.amount, 3998);
    cr_assert_eq(x->payment_status, ORDERS_PAYMENT_REFUNDED);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 0);
    orders_order_free(x);

    /* nothing left */
    cr_assert_eq(orders_order_refund(f.ctx, o->id, 1, NULL, "admin", &x, &err), ORDERS_E_CONFLICT);
    money(o, 3998, ORDERS_PAYMENT_REFUNDED, 0, 0);
    orders_order_free(o);
}

Test(refund, over_refund_changes_nothing, .init = setup, .fini = teardown)
{
    orders_order_t *o = paid_online("c1");
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_refund(f.ctx, o->id, 3999, NULL, "admin", &x, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "amount");
    cr_assert_null(x);
    money(o, 0, ORDERS_PAYMENT_PAID, o->version, 3998);
    orders_order_free(o);
}

Test(refund, unpaid_order_conflicts, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 1, ORDERS_METHOD_ONLINE, true);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_refund(f.ctx, o->id, 100, NULL, "admin", &x, &err), ORDERS_E_CONFLICT);
    cr_assert_null(x);
    cr_assert_eq(orders_order_refund(f.ctx, o->id, -1, NULL, "admin", &x, &err), ORDERS_E_CONFLICT);
    money(o, 0, ORDERS_PAYMENT_PENDING, o->version, 0);
    orders_order_t *cod = fm_order(&f, "c2", "p1", 1, ORDERS_METHOD_COD, false);
    cr_assert_eq(orders_order_refund(f.ctx, cod->id, -1, NULL, "admin", &x, &err), ORDERS_E_CONFLICT,
                 "cod is not paid before delivery");
    orders_order_free(cod);
    orders_order_free(o);
}

Test(refund, gateway_decline_is_compensated, .init = setup, .fini = teardown)
{
    orders_order_t *o = paid_online("c1");
    script(ORDERS_TEST_DECLINE);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    orders_code_t rc = orders_order_refund(f.ctx, o->id, 500, NULL, "admin", &x, &err);
    cr_assert_neq(rc, ORDERS_OK, "a declined refund reported success");
    cr_assert_eq(err.code, rc);
    orders_order_free(x);
    money(o, 0, ORDERS_PAYMENT_PAID, 0, 3998); /* the declined refund was taken back */

    /* the next try goes through: it has a key of its own, and the test
     * gateway, like Stripe, answers the declined key with its decline */
    cr_assert_eq(orders_order_refund(f.ctx, o->id, 500, NULL, "admin", &x, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(x->refund_amount.amount, 500);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 3498);
    orders_order_free(x);
    orders_order_free(o);
}

Test(refund, cancel_of_paid_online_order_refunds_in_full, .init = setup, .fini = teardown)
{
    orders_order_t *o = paid_online("c1");
    fm_assert_stock(&f, "p1", 8, 0, 2);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_cancel(f.ctx, o->id, "c1", "customer:c1", NULL, &x, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(x->status, ORDERS_STATUS_CANCELLED);
    cr_assert_eq(x->payment_status, ORDERS_PAYMENT_REFUNDED);
    cr_assert_eq(x->refund_amount.amount, 3998);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 0);
    fm_assert_stock(&f, "p1", 10, 0, 0);
    orders_order_free(x);
    orders_order_free(o);
}

Test(refund, cancel_of_paid_wallet_order_returns_money, .init = setup, .fini = teardown)
{
    fm_credit(&f, "c1", 5000, "t");
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_WALLET, false);
    cr_assert_eq(fm_balance(&f, "c1"), 1002);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_cancel(f.ctx, o->id, NULL, "admin", "oops", &x, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(x->payment_status, ORDERS_PAYMENT_REFUNDED);
    cr_assert_eq(x->refund_amount.amount, 3998);
    cr_assert_eq(fm_balance(&f, "c1"), 5000);
    orders_order_free(x);
    orders_order_free(o);
}

Test(refund, eight_racing_full_refunds_one_wins, .init = setup, .fini = teardown)
{
    orders_order_t *o = paid_online("c1");
    int ok = fm_race_refunds(&f, o->id, -1, 8);
    cr_assert_eq(ok, 1, "%d full refunds succeeded", ok);
    money(o, 3998, ORDERS_PAYMENT_REFUNDED, 0, 0);
    orders_order_free(o);
}

Test(refund, racing_partial_refunds_never_exceed_paid, .init = setup, .fini = teardown)
{
    orders_order_t *o = paid_online("c1");
    int ok = fm_race_refunds(&f, o->id, 1000, 8);
    cr_assert_eq(ok, 3, "3 x 1000 fit in 3998; %d succeeded", ok);
    money(o, 3000, ORDERS_PAYMENT_PAID, 0, 998);
    orders_order_free(o);
}

Test(late, timed_out_payment_of_expired_order_is_not_kept, .init = setup, .fini = teardown)
{
    /* the gateway took the money but the answer was lost; the order then
     * expires: neither the sweep nor a later sync may keep the money */
    script(ORDERS_TEST_TIMEOUT);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    fix_advance(&f, 31 * FIX_MINUTE);
    orders_error_t err = {0};
    int64_t n = 0;
    cr_assert_eq(orders_reservations_expire(f.ctx, f.now, &n, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(n, 1);
    orders_order_t *s = NULL;
    (void)orders_payment_sync(f.ctx, o->id, &s, &err);
    orders_order_free(s);
    s = fm_get(&f, o->id);
    cr_assert_eq(s->status, ORDERS_STATUS_CANCELLED);
    cr_assert_neq(s->payment_status, ORDERS_PAYMENT_PAID);
    fm_assert_stock(&f, "p1", 10, 0, 0);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 1);
    /* the test gateway names its first payment "test-1" (gateway/test.c) */
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, "test-1"), 0,
                 "money taken by the timed-out payment is still held for a cancelled order");
    orders_order_free(s);
    orders_order_free(o);
}

Test(refund, timed_out_refund_then_rest_ends_fully_refunded, .init = setup, .fini = teardown)
{
    /* the answer of a refund is lost (the gateway did refund): the order and
     * the gateway must not disagree for good */
    orders_order_t *o = paid_online("c1");
    script(ORDERS_TEST_TIMEOUT);
    orders_error_t err = {0};
    (void)orders_order_refund(f.ctx, o->id, 500, NULL, "admin", NULL, &err);
    orders_code_t rc = orders_order_refund(f.ctx, o->id, -1, "rest", "admin", NULL, &err);
    orders_order_t *g = fm_get(&f, o->id);
    int64_t held = orders_gateway_test_balance(f.test_gateway, o->payment_ref);
    cr_assert_eq(held + g->refund_amount.amount, 3998, "order says %lld refunded, gateway holds %lld",
                 (long long)g->refund_amount.amount, (long long)held);
    cr_assert_eq(rc, ORDERS_OK, "refunding the rest failed: %s", err.message);
    cr_assert_eq(g->payment_status, ORDERS_PAYMENT_REFUNDED);
    cr_assert_eq(held, 0);
    orders_order_free(g);
    orders_order_free(o);
}

Test(wallet, idempotent_placement_debits_once, .init = setup, .fini = teardown)
{
    fm_credit(&f, "c1", 10000, "t");
    fix_add(&f, "c1", "p1", 2);
    orders_identity_t who = {.id = "c1"};
    orders_place_request_t req = {.shipping_address = fix_address(),
                                  .payment_method = ORDERS_METHOD_WALLET,
                                  .idempotency_key = "key-1"};
    orders_order_t *a = NULL, *b = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_place(f.ctx, &who, &req, &a, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(a->status, ORDERS_STATUS_CONFIRMED);
    /* a retry with the cart as the placement left it */
    cr_assert_eq(orders_order_place(f.ctx, &who, &req, &b, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(b->id, a->id, "the same key placed a second order");
    orders_order_free(b);
    b = NULL;
    /* a retry whose cart holds the same lines again */
    fix_add(&f, "c1", "p1", 2);
    cr_assert_eq(orders_order_place(f.ctx, &who, &req, &b, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(b->id, a->id, "the same key placed a second order");
    cr_assert_eq(fm_balance(&f, "c1"), 10000 - 3998, "the wallet was debited twice");
    fm_assert_stock(&f, "p1", 8, 0, 2);
    /* the same key with another cart is refused, and debits nothing */
    fix_add(&f, "c1", "p1", 1);
    orders_order_t *c = NULL;
    cr_assert_eq(orders_order_place(f.ctx, &who, &req, &c, &err), ORDERS_E_IDEMPOTENCY);
    cr_assert_null(c);
    cr_assert_eq(fm_balance(&f, "c1"), 10000 - 3998);
    fm_assert_stock(&f, "p1", 8, 0, 2);
    orders_order_free(a);
    orders_order_free(b);
}

/* Paying a deferred order after its deadline: never confirmed, money back. */
Test(late, deferred_orders_paid_after_deadline, .init = setup, .fini = teardown)
{
    fm_credit(&f, "c2", 5000, "t");
    orders_order_t *on = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, true);
    orders_order_t *wa = fm_order(&f, "c2", "p1", 2, ORDERS_METHOD_WALLET, true);
    fm_assert_stock(&f, "p1", 6, 4, 0);
    fix_advance(&f, 30 * FIX_MINUTE);
    orders_order_t *pair[2] = {on, wa};
    for (int i = 0; i < 2; i++) {
        orders_order_t *x = NULL;
        orders_error_t err = {0};
        cr_expect_neq(orders_order_pay(f.ctx, pair[i]->id, NULL, &x, &err), ORDERS_OK,
                      "paying an expired order reported success");
        orders_order_free(x);
        orders_order_t *g = fm_get(&f, pair[i]->id);
        cr_assert_eq(g->status, ORDERS_STATUS_CANCELLED, "ended %s", orders_status_name(g->status));
        cr_assert_neq(g->payment_status, ORDERS_PAYMENT_PAID);
        orders_order_free(g);
    }
    fm_assert_stock(&f, "p1", 10, 0, 0);
    /* the first payment the test gateway takes is "test-1" (gateway/test.c) */
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, "test-1"), 0);
    cr_assert_eq(fm_balance(&f, "c2"), 5000, "the wallet kept the money of an expired order");
    orders_order_free(on);
    orders_order_free(wa);
}

Test(late, cancel_while_payment_in_flight_returns_the_money, .init = setup, .fini = teardown)
{
    script(ORDERS_TEST_PENDING);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, false);
    orders_error_t err = {0};
    /* the customer paid at the gateway, but the webhook has not arrived yet */
    cr_assert_eq(orders_gateway_test_settle(f.test_gateway, o->payment_ref, true, &err), ORDERS_OK);
    orders_order_t *x = NULL;
    cr_assert_eq(orders_order_cancel(f.ctx, o->id, "c1", NULL, NULL, &x, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(x->status, ORDERS_STATUS_CANCELLED);
    orders_order_free(x);
    x = NULL;
    (void)orders_payment_complete(f.ctx, o->id, true, o->payment_ref, &x, &err);
    orders_order_free(x);
    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_eq(g->status, ORDERS_STATUS_CANCELLED);
    cr_assert_eq(g->confirmed_at, 0);
    cr_assert_neq(g->payment_status, ORDERS_PAYMENT_PAID);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 0,
                 "the money of a cancelled order is still held");
    fm_assert_stock(&f, "p1", 10, 0, 0);
    orders_order_free(g);
    orders_order_free(o);
}

Test(refund, cancel_with_declined_refund_can_be_retried, .init = setup, .fini = teardown)
{
    orders_order_t *o = paid_online("c1");
    script(ORDERS_TEST_DECLINE);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_cancel(f.ctx, o->id, NULL, "admin", NULL, &x, &err), ORDERS_E_UNAVAILABLE);
    cr_assert_not_null(x, "the cancelled order comes back with the error");
    cr_assert_eq(x->status, ORDERS_STATUS_CANCELLED);
    orders_order_free(x);
    fm_assert_stock(&f, "p1", 10, 0, 0);
    money(o, 0, ORDERS_PAYMENT_PAID, 0, 3998);
    cr_assert_eq(orders_order_refund(f.ctx, o->id, -1, "retry", "admin", &x, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(x->payment_status, ORDERS_PAYMENT_REFUNDED);
    cr_assert_eq(x->refund_amount.amount, 3998);
    cr_assert_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 0);
    orders_order_free(x);
    orders_order_free(o);
}
