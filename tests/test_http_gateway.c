/*
 * test_http_gateway.c - the HTTP payment gateway (orders/gateway_http.h)
 * registered for "online" payments, driven through the library's public
 * API against the in-process gateway stub (fixtures/stub_gateway.h), which
 * counts charges: approvals, declines, manual capture, pending payments,
 * lost answers (timeouts and 500s after the charge, bodies that are not
 * JSON), outages, refunds, voids, a wrong key, and racing payments.  The
 * rule under test everywhere: a payment is never charged twice.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "support/clock.h"
#include "support/fixture_more.h"
#include "stub_gateway.h"

#define KEY "sk_test_gateway_key_0123"
/* the client's; the stub's delay fault is longer (both stretched by
 * ORDERS_TEST_SLOWDOWN in slow runs: support/clock.h) */
#define TIMEOUT_MS ((int)test_scaled_ms(500))
#define PRICE 1999                /* p1; orders take 2 units: 3998 */

static fixture_t f;
static stub_gateway_t *GW;

static void register_gateway(const char *key)
{
    orders_gateway_http_options_t o = orders_gateway_http_options_default();
    o.base_url = stub_gateway_url(GW);
    o.api_key = key;
    o.timeout_ms = TIMEOUT_MS;
    o.retry_backoff_ms = 10;
    void *ud = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_gateway_http_new(&o, &ud, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_ctx_set_gateway(f.ctx, ORDERS_METHOD_ONLINE, orders_gateway_http_vtable(),
                                        ud, orders_gateway_http_free, &err),
                 ORDERS_OK, "%s", err.message);
}

static void setup(void)
{
    GW = stub_gateway_start(KEY);
    cr_assert_not_null(GW, "the gateway stub did not start");
    stub_gateway_fault_delay(GW, 3 * TIMEOUT_MS);
    fix_open(&f, NULL);
    fix_product(&f, "p1", "s1", PRICE, 100);
    register_gateway(KEY);
}

static void teardown(void)
{
    fix_close(&f);
    stub_gateway_free(GW);
    GW = NULL;
}

TestSuite(http_gateway, .init = setup, .fini = teardown, .timeout = 60);

/* An online order of 2 x p1 for customer, paid at placement unless deferred. */
static orders_order_t *online(const char *customer, bool deferred)
{
    return fm_order(&f, customer, "p1", 2, ORDERS_METHOD_ONLINE, deferred);
}

static orders_code_t pay(const char *id, const char *customer, orders_order_t **out,
                         orders_error_t *err)
{
    return orders_order_pay(f.ctx, id, customer, out, err);
}

/* The stored order is confirmed and paid through payment payment_ref, the
 * stub's payment of the order, charged exactly once. */
static void assert_paid_once(const char *id)
{
    orders_order_t *o = fm_get(&f, id);
    char txn[160];
    cr_assert(stub_gateway_payment_id(GW, id, txn, sizeof txn), "the gateway has no payment");
    cr_expect_eq(o->status, ORDERS_STATUS_CONFIRMED, "status %s", orders_status_name(o->status));
    cr_expect_eq(o->payment_status, ORDERS_PAYMENT_PAID);
    cr_expect_str_eq(o->payment_ref ? o->payment_ref : "", txn);
    cr_expect_eq(stub_gateway_charges(GW, id), 1, "charged %lld times",
                 (long long)stub_gateway_charges(GW, id));
    orders_order_free(o);
}

static void assert_pending_unpaid(const char *id)
{
    orders_order_t *o = fm_get(&f, id);
    cr_expect_eq(o->status, ORDERS_STATUS_PENDING, "status %s", orders_status_name(o->status));
    cr_expect_eq(o->payment_status, ORDERS_PAYMENT_PENDING);
    orders_order_free(o);
}

/* ---- options ---------------------------------------------------------------------------- */

Test(http_gateway, options_are_checked)
{
    orders_gateway_http_options_t d = orders_gateway_http_options_default();
    cr_assert_eq(d.timeout_ms, 5000);
    cr_assert_eq(d.retries, 2);
    cr_assert_eq(d.retry_backoff_ms, 100);
    cr_assert_eq(d.lookup_rounds, 3);
    struct { const char *url, *key; int timeout, retries, rounds; } bad[] = {
        {NULL, KEY, 5000, 2, 3},        {"ftp://127.0.0.1:1", KEY, 5000, 2, 3},
        {"http://127.0.0.1:1", NULL, 5000, 2, 3}, {"http://127.0.0.1:1", "", 5000, 2, 3},
        {"http://127.0.0.1:1", "bad\nkey", 5000, 2, 3}, {"http://127.0.0.1:1", KEY, 5, 2, 3},
        {"http://127.0.0.1:1", KEY, 5000, 11, 3}, {"http://127.0.0.1:1", KEY, 5000, 2, 0},
        {"http://127.0.0.1:1", KEY, 5000, 2, 11},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orders_gateway_http_options_t o = d;
        o.base_url = bad[i].url;
        o.api_key = bad[i].key;
        o.timeout_ms = bad[i].timeout;
        o.retries = bad[i].retries;
        o.lookup_rounds = bad[i].rounds;
        void *ud = (void *)&o;
        orders_error_t err = {0};
        cr_assert_eq(orders_gateway_http_new(&o, &ud, &err), ORDERS_E_INVALID, "case %zu", i);
        cr_assert_null(ud, "case %zu", i);
        cr_assert_str_eq(err.field, "gateway", "case %zu", i);
        cr_assert(strstr(err.message, "bad\nkey") == NULL, "case %zu shows the key", i);
        cr_assert(i != 4 || strstr(err.message, "api_key") != NULL, "%s", err.message);
    }
    void *ud = NULL;
    cr_assert_eq(orders_gateway_http_new(NULL, &ud, NULL), ORDERS_E_INVALID);
    orders_gateway_http_free(NULL); /* a no-op */
    const orders_gateway_vtable_t *vt = orders_gateway_http_vtable();
    cr_assert_eq(vt->version, ORDERS_GATEWAY_VERSION);
    cr_assert(vt->authorize && vt->capture && vt->void_payment && vt->refund && vt->status);
}

/* ---- outcomes ------------------------------------------------------------------------------ */

Test(http_gateway, approval_confirms_and_charges_once)
{
    orders_order_t *o = online("c1", false);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    assert_paid_once(o->id);
    fm_assert_stock(&f, "p1", 98, 0, 2);
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_CREATE), 1);
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_LOOKUP), 0, "a clean answer needs no look-up");
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_expect_eq(pay(o->id, "c1", &x, &err), ORDERS_E_CONFLICT, "paying a paid order");
    cr_expect_eq(stub_gateway_charges(GW, o->id), 1);
    orders_order_free(o);
}

/* Does a history note of order id contain text? */
static bool history_has(const char *id, const char *text)
{
    orders_history_list_t h = {0};
    orders_error_t err = {0};
    cr_assert_eq(orders_order_history(f.ctx, id, &h, &err), ORDERS_OK, "%s", err.message);
    bool found = false;
    for (size_t i = 0; i < h.count && !found; i++)
        found = h.items[i]->note && strstr(h.items[i]->note, text) != NULL;
    orders_history_list_clear(&h);
    return found;
}

Test(http_gateway, decline_fails_the_order_and_releases_stock)
{
    stub_gateway_decline_next(GW, 1);
    orders_order_t *o = online("c1", false);
    cr_expect_eq(o->status, ORDERS_STATUS_FAILED, "status %s", orders_status_name(o->status));
    cr_expect_eq(o->payment_status, ORDERS_PAYMENT_FAILED);
    cr_expect_eq(fm_res_status(&f, o->id), ORDERS_RES_CANCELLED);
    fm_assert_stock(&f, "p1", 100, 0, 0);
    cr_expect_eq(stub_gateway_charges(GW, o->id), 0);
    cr_expect_str_eq(stub_gateway_state(GW, o->id), "failed");
    cr_expect(history_has(o->id, "Your card was declined"), "the gateway's reason was lost");
    /* the declined payment read back (sync) is a decline too, not a charge */
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_expect_eq(orders_payment_sync(f.ctx, o->id, &x, &err), ORDERS_OK, "%s", err.message);
    orders_order_free(x);
    cr_expect_eq(stub_gateway_charges(GW, o->id), 0);
    orders_order_free(o);
}

Test(http_gateway, manual_capture_is_captured_once)
{
    stub_gateway_manual_capture(GW, true);
    orders_order_t *o = online("c1", false);
    assert_paid_once(o->id);
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_CAPTURE), 1);
    cr_expect_str_eq(stub_gateway_state(GW, o->id), "succeeded");
    orders_order_free(o);
}

Test(http_gateway, a_capture_lost_to_an_outage_is_made_by_the_next_pay)
{
    stub_gateway_manual_capture(GW, true);
    orders_order_t *o = online("c1", true);
    stub_gateway_fault(GW, STUB_GW_CAPTURE, STUB_GW_500, 3); /* 1 + 2 retries */
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(pay(o->id, "c1", &x, &err), ORDERS_E_UNAVAILABLE, "%s", err.message);
    assert_pending_unpaid(o->id);
    cr_expect_str_eq(stub_gateway_state(GW, o->id), "requires_capture");
    /* sync sees an authorized, uncaptured payment: still pending */
    cr_assert_eq(orders_payment_sync(f.ctx, o->id, &x, &err), ORDERS_OK, "%s", err.message);
    cr_expect_eq(x->status, ORDERS_STATUS_PENDING);
    orders_order_free(x);
    x = NULL;
    cr_assert_eq(pay(o->id, "c1", &x, &err), ORDERS_OK, "%s", err.message);
    orders_order_free(x);
    assert_paid_once(o->id);
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_CREATE), 2, "the second pay replays the key");
    orders_order_free(o);
}

Test(http_gateway, pending_payment_settles_through_sync)
{
    stub_gateway_pending_next(GW, 1);
    orders_order_t *o = online("c1", false);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_not_null(o->payment_ref, "the pending payment's id was not kept");
    orders_order_t *s = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_payment_sync(f.ctx, o->id, &s, &err), ORDERS_OK, "%s", err.message);
    cr_expect_eq(s->status, ORDERS_STATUS_PENDING, "still pending at the gateway");
    orders_order_free(s);
    cr_assert(stub_gateway_settle(GW, o->id, true));
    cr_assert_eq(orders_payment_sync(f.ctx, o->id, &s, &err), ORDERS_OK, "%s", err.message);
    orders_order_free(s);
    assert_paid_once(o->id);
    cr_expect_geq(stub_gateway_calls(GW, STUB_GW_GET), 2, "sync did not ask by payment id");
    fm_assert_stock(&f, "p1", 98, 0, 2);
    orders_order_free(o);
}

/* ---- lost answers: the payment is looked up, never charged twice --------------------------- */

Test(http_gateway, timeout_after_the_charge_is_found_by_lookup)
{
    stub_gateway_fault(GW, STUB_GW_CREATE, STUB_GW_DELAY, 1);
    orders_order_t *o = online("c1", true);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(pay(o->id, "c1", &x, &err), ORDERS_OK, "%s", err.message);
    orders_order_free(x);
    assert_paid_once(o->id);
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_CREATE), 1, "the create was retried blindly");
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_LOOKUP), 1);
    orders_order_free(o);
}

Test(http_gateway, lost_or_unreadable_answers_after_the_charge_charge_once)
{
    stub_gw_fault_t faults[] = {STUB_GW_500_AFTER, STUB_GW_NOT_JSON};
    for (size_t i = 0; i < 2; i++) {
        char customer[8];
        snprintf(customer, sizeof customer, "c%zu", i);
        stub_gateway_fault(GW, STUB_GW_CREATE, faults[i], 1);
        orders_order_t *o = online(customer, false);
        assert_paid_once(o->id);
        orders_order_free(o);
    }
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_CREATE), 2);
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_LOOKUP), 2);
    cr_expect_eq(stub_gateway_charges_total(GW), 2);
}

Test(http_gateway, failure_before_the_charge_creates_again_with_the_same_key)
{
    stub_gateway_fault(GW, STUB_GW_CREATE, STUB_GW_500, 2);
    orders_order_t *o = online("c1", false);
    assert_paid_once(o->id);
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_CREATE), 3);
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_LOOKUP), 2);
    orders_order_free(o);
}

Test(http_gateway, outage_leaves_the_order_pending_then_pay_charges_once)
{
    orders_order_t *o = online("c1", true);
    stub_gateway_stop(GW);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(pay(o->id, "c1", &x, &err), ORDERS_E_UNAVAILABLE, "%s", err.message);
    cr_assert_null(x);
    cr_expect(strstr(err.message, KEY) == NULL, "the message shows the key: %s", err.message);
    assert_pending_unpaid(o->id);
    cr_assert(stub_gateway_restart(GW));
    cr_expect_eq(stub_gateway_charges(GW, o->id), 0);
    cr_assert_eq(pay(o->id, "c1", &x, &err), ORDERS_OK, "%s", err.message);
    orders_order_free(x);
    assert_paid_once(o->id);
    orders_order_free(o);
}

Test(http_gateway, unknown_outcome_is_settled_by_sync_without_a_second_charge)
{
    orders_order_t *o = online("c1", true);
    /* charged, the answer lost, and the look-ups fail too (1 + 2 retries) */
    stub_gateway_fault(GW, STUB_GW_CREATE, STUB_GW_DELAY, 1);
    stub_gateway_fault(GW, STUB_GW_LOOKUP, STUB_GW_500, 3);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(pay(o->id, "c1", &x, &err), ORDERS_E_UNAVAILABLE, "%s", err.message);
    assert_pending_unpaid(o->id);
    cr_expect_eq(stub_gateway_charges(GW, o->id), 1, "the gateway did take the money");
    cr_assert_eq(orders_payment_sync(f.ctx, o->id, &x, &err), ORDERS_OK, "%s", err.message);
    orders_order_free(x);
    assert_paid_once(o->id);
    x = NULL;
    cr_expect_eq(pay(o->id, "c1", &x, &err), ORDERS_E_CONFLICT);
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_CREATE), 1);
    orders_order_free(o);
}

Test(http_gateway, a_payment_that_does_not_match_the_order_is_never_approved)
{
    orders_order_t *o = online("c1", true);
    stub_gateway_fault(GW, STUB_GW_CREATE, STUB_GW_WRONG_AMOUNT, 1);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(pay(o->id, "c1", &x, &err), ORDERS_E_BACKEND, "%s", err.message);
    cr_expect(strstr(err.message, "does not match") != NULL, "%s", err.message);
    assert_pending_unpaid(o->id);
    orders_order_free(o);
}

Test(http_gateway, a_wrong_api_key_fails_without_showing_a_key)
{
    register_gateway("sk_wrong_key_987654");
    orders_order_t *o = online("c1", true);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(pay(o->id, "c1", &x, &err), ORDERS_E_BACKEND, "%s", err.message);
    cr_expect(strstr(err.message, "401") != NULL, "%s", err.message);
    cr_expect(strstr(err.message, "sk_wrong_key_987654") == NULL, "%s", err.message);
    cr_expect(strstr(err.message, KEY) == NULL, "%s", err.message);
    assert_pending_unpaid(o->id);
    cr_expect_eq(stub_gateway_charges_total(GW), 0);
    orders_order_free(o);
}

/* ---- refunds and voids ------------------------------------------------------------------------ */

Test(http_gateway, partial_then_full_refund_reach_the_gateway)
{
    orders_order_t *o = online("c1", false);
    orders_error_t err = {0};
    cr_assert_eq(orders_order_refund(f.ctx, o->id, 1000, "damaged", "admin", NULL, &err),
                 ORDERS_OK, "%s", err.message);
    cr_expect_eq(stub_gateway_refunded(GW, o->id), 1000);
    cr_assert_eq(orders_order_refund(f.ctx, o->id, -1, "returned", "admin", NULL, &err),
                 ORDERS_OK, "%s", err.message);
    cr_expect_eq(stub_gateway_refunded(GW, o->id), 2 * PRICE);
    cr_expect_eq(stub_gateway_refund_count(GW, o->id), 2);
    orders_order_t *g = fm_get(&f, o->id);
    cr_expect_eq(g->payment_status, ORDERS_PAYMENT_REFUNDED);
    orders_order_free(g);
    cr_expect_neq(orders_order_refund(f.ctx, o->id, 1, NULL, "admin", NULL, &err), ORDERS_OK);
    cr_expect_eq(stub_gateway_refunded(GW, o->id), 2 * PRICE, "refunded more than was paid");
    orders_order_free(o);
}

Test(http_gateway, a_refund_retried_after_lost_answers_refunds_once)
{
    orders_order_t *o = online("c1", false);
    stub_gateway_fault(GW, STUB_GW_REFUND, STUB_GW_500_AFTER, 2);
    orders_error_t err = {0};
    cr_assert_eq(orders_order_refund(f.ctx, o->id, 1500, NULL, "admin", NULL, &err), ORDERS_OK,
                 "%s", err.message);
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_REFUND), 3, "the refund was not retried");
    cr_expect_eq(stub_gateway_refund_count(GW, o->id), 1, "the retry refunded again");
    cr_expect_eq(stub_gateway_refunded(GW, o->id), 1500);
    orders_order_free(o);
}

Test(http_gateway, cancelling_a_pending_order_voids_its_payment)
{
    stub_gateway_pending_next(GW, 1);
    orders_order_t *o = online("c1", false);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_cancel(f.ctx, o->id, "c1", NULL, NULL, &x, &err), ORDERS_OK, "%s",
                 err.message);
    cr_expect_eq(x->status, ORDERS_STATUS_CANCELLED);
    orders_order_free(x);
    cr_expect_str_eq(stub_gateway_state(GW, o->id), "canceled");
    cr_expect_eq(stub_gateway_calls(GW, STUB_GW_VOID), 1);
    cr_expect_eq(stub_gateway_charges(GW, o->id), 0);
    cr_expect(!stub_gateway_settle(GW, o->id, true), "a voided payment was settled");
    fm_assert_stock(&f, "p1", 100, 0, 0);
    orders_order_free(o);
}

/* ---- racing payments ------------------------------------------------------------------------------ */

#define RACERS 16

typedef struct racer {
    const char *id;
    pthread_barrier_t *gate;
    orders_code_t rc;
} racer_t;

static void *race_pay(void *arg)
{
    racer_t *r = arg;
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    pthread_barrier_wait(r->gate);
    r->rc = orders_order_pay(f.ctx, r->id, "c1", &o, &err);
    orders_order_free(o);
    return NULL;
}

/* RACERS threads pay order id at once; counts[rc] for ORDERS_OK,
 * ORDERS_E_CONFLICT (the order was no longer pending) and
 * ORDERS_E_UNAVAILABLE (the outcome is unknown); any other answer fails. */
static void race(const char *id, int round, int counts[ORDERS_E_IDEMPOTENCY + 1])
{
    pthread_t t[RACERS];
    racer_t r[RACERS];
    pthread_barrier_t gate;
    pthread_barrier_init(&gate, NULL, RACERS);
    for (int i = 0; i < RACERS; i++) {
        r[i] = (racer_t){.id = id, .gate = &gate, .rc = -1};
        cr_assert_eq(pthread_create(&t[i], NULL, race_pay, &r[i]), 0);
    }
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        bool known = r[i].rc == ORDERS_OK || r[i].rc == ORDERS_E_CONFLICT ||
                     r[i].rc == ORDERS_E_UNAVAILABLE;
        cr_expect(known, "round %d, racer %d: %s", round, i, orders_strerror(r[i].rc));
        if (known)
            counts[r[i].rc]++;
    }
    pthread_barrier_destroy(&gate);
}

Test(http_gateway, racing_payments_of_one_order_charge_it_once)
{
    for (int round = 0; round < 4; round++) {
        if (round >= 2) /* lost answers in the middle of the race */
            stub_gateway_fault(GW, STUB_GW_CREATE, round == 2 ? STUB_GW_500_AFTER : STUB_GW_DELAY,
                               4);
        orders_order_t *o = online("c1", true);
        int counts[ORDERS_E_IDEMPOTENCY + 1] = {0};
        race(o->id, round, counts);
        cr_log_info("round %d: %d ok, %d conflict, %d unavailable; %d creates, %d look-ups",
                    round, counts[ORDERS_OK], counts[ORDERS_E_CONFLICT],
                    counts[ORDERS_E_UNAVAILABLE], stub_gateway_calls(GW, STUB_GW_CREATE),
                    stub_gateway_calls(GW, STUB_GW_LOOKUP));
        if (round < 2) /* a healthy gateway: some racer gets the approval */
            cr_expect_geq(counts[ORDERS_OK], 1, "round %d", round);
        /* unknown outcomes settle through sync, without a second charge
         * (a few tries: the stub's 4 threads may still sit in the delays) */
        orders_code_t rc = ORDERS_E_UNAVAILABLE;
        orders_error_t err = {0};
        for (int i = 0; i < 10 && rc == ORDERS_E_UNAVAILABLE; i++) {
            orders_order_t *x = NULL;
            rc = orders_payment_sync(f.ctx, o->id, &x, &err);
            orders_order_free(x);
        }
        cr_assert_eq(rc, ORDERS_OK, "%s", err.message);
        assert_paid_once(o->id);
        orders_order_free(o);
    }
    cr_expect_eq(stub_gateway_charges_total(GW), 4);
}

/* ---- health ----------------------------------------------------------------------------------------- */

Test(http_gateway, probe_reports_up_and_down)
{
    orders_gateway_http_options_t o = orders_gateway_http_options_default();
    o.base_url = stub_gateway_url(GW);
    o.api_key = KEY;
    o.timeout_ms = TIMEOUT_MS;
    void *ud = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_gateway_http_new(&o, &ud, &err), ORDERS_OK, "%s", err.message);
    int64_t us = -1;
    cr_expect_eq(orders_gateway_http_probe(ud, &us, &err), ORDERS_OK, "%s", err.message);
    cr_expect_geq(us, 0);
    stub_gateway_stop(GW);
    cr_expect_eq(orders_gateway_http_probe(ud, &us, &err), ORDERS_E_UNAVAILABLE);
    cr_expect(strstr(err.message, KEY) == NULL, "%s", err.message);
    orders_gateway_http_free(ud);
}
