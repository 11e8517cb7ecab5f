/*
 * test_webhook.c - orders_payment_webhook on the memory store: a signed
 * payment.succeeded / payment.failed settles a pending online order once;
 * repeats are duplicates, contradictions are ignored, mismatches and
 * unknown orders change nothing; and a webhook racing the customer's
 * orders_order_pay never confirms (or charges) twice.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture_more.h"

#define SECRET "whsec_test_0123456789"

static fixture_t f;
static fm_events_t ev;

static void setup(void)
{
    fix_open(&f, NULL);
    memset(&ev, 0, sizeof ev);
    fm_notifier(&f, &ev);
    fix_product(&f, "p1", "s1", 1999, 10); /* 2 units: 3998 */
}

static void teardown(void)
{
    fix_close(&f); /* before ev: the notifier points at it */
    fm_events_free(&ev);
}

static void script(orders_test_step_t step)
{
    orders_error_t err = {0};
    cr_assert_eq(orders_gateway_test_script(f.test_gateway, step, &err), ORDERS_OK);
}

/* An event body (free()); failure may be NULL. */
static char *event_body(const char *evt, const char *type, const char *order_id,
                        const char *payment_id, int64_t amount, const char *currency,
                        const char *failure)
{
    json_t *data = json_pack("{s:s, s:s, s:I, s:s}", "paymentId", payment_id, "orderId",
                             order_id, "amount", (json_int_t)amount, "currency", currency);
    cr_assert_not_null(data);
    if (failure)
        json_object_set_new(data, "failureMessage", json_string(failure));
    json_t *root = json_pack("{s:s, s:s, s:I, s:o}", "id", evt, "type", type, "created",
                             (json_int_t)(f.now / 1000), "data", data);
    cr_assert_not_null(root);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    cr_assert_not_null(s);
    return s;
}

/* Signs body at the fixture's clock and delivers it. */
static orders_code_t deliver_raw(const char *body, orders_webhook_result_t *res,
                                 orders_order_t **out, orders_error_t *err)
{
    char sig[ORDERS_WEBHOOK_SIGNATURE_MAX];
    orders_error_t serr = {0};
    if (orders_webhook_sign(SECRET, f.now / 1000, body, strlen(body), sig, sizeof sig, &serr))
        return serr.code;
    orders_webhook_options_t opts = {.secret = SECRET, .tolerance_s = 0};
    return orders_payment_webhook(f.ctx, &opts, sig, body, strlen(body), res, out, err);
}

/* Delivers an event for order o with its own total; asserts ORDERS_OK and
 * returns the outcome.  failure may be NULL. */
static orders_webhook_outcome_t deliver(const char *evt, const char *type, const orders_order_t *o,
                                        const char *payment_id, const char *failure)
{
    char *body = event_body(evt, type, o->id, payment_id, o->total_amount.amount,
                            o->total_amount.currency, failure);
    orders_webhook_result_t res;
    orders_order_t *out = NULL;
    orders_error_t err = {0};
    orders_code_t rc = deliver_raw(body, &res, &out, &err);
    free(body);
    cr_assert_eq(rc, ORDERS_OK, "%s: %s (%s)", type, err.message, err.field);
    cr_assert_not_null(out);
    cr_expect_str_eq(out->id, o->id);
    cr_expect_str_eq(res.order_id, o->id);
    cr_expect_str_eq(res.event_id, evt);
    cr_expect_str_eq(res.type, type);
    orders_order_free(out);
    return res.outcome;
}

static size_t history_count(const char *id, const char *to_status)
{
    orders_history_list_t h = {0};
    orders_error_t err = {0};
    cr_assert_eq(orders_order_history(f.ctx, id, &h, &err), ORDERS_OK, "%s", err.message);
    size_t n = 0;
    for (size_t i = 0; i < h.count; i++)
        n += to_status == NULL || (h.items[i]->to_status &&
                                   strcmp(h.items[i]->to_status, to_status) == 0 &&
                                   h.items[i]->from_status &&
                                   strcmp(h.items[i]->from_status, to_status) != 0);
    orders_history_list_clear(&h);
    return n;
}

static size_t payment_events(const char *id)
{
    fm_dispatch_all(&f);
    return fm_count(&ev, ORDERS_EVENT_PAYMENT, id);
}

/* A pending online order whose payment waits at the gateway. */
static orders_order_t *pending_online(void)
{
    script(ORDERS_TEST_PENDING);
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_not_null(o->payment_ref);
    return o;
}

Test(webhook, succeeded_confirms_pays_and_converts_the_reservation, .init = setup,
     .fini = teardown)
{
    orders_order_t *o = pending_online();
    fm_assert_stock(&f, "p1", 8, 2, 0);
    cr_assert_eq(deliver("evt_1", "payment.succeeded", o, o->payment_ref, NULL),
                 ORDERS_WEBHOOK_APPLIED);
    orders_order_t *g = fm_get(&f, o->id);
    cr_expect_eq(g->status, ORDERS_STATUS_CONFIRMED);
    cr_expect_eq(g->payment_status, ORDERS_PAYMENT_PAID);
    cr_expect_str_eq(g->payment_ref, o->payment_ref);
    cr_expect_eq(fm_res_status(&f, o->id), ORDERS_RES_CONFIRMED);
    fm_assert_stock(&f, "p1", 8, 0, 2);
    cr_expect_eq(history_count(o->id, "confirmed"), 1);
    cr_expect_eq(payment_events(o->id), 1);
    orders_order_free(g);
    orders_order_free(o);
}

Test(webhook, the_same_webhook_again_is_a_duplicate_and_writes_nothing, .init = setup,
     .fini = teardown)
{
    orders_order_t *o = pending_online();
    cr_assert_eq(deliver("evt_1", "payment.succeeded", o, o->payment_ref, NULL),
                 ORDERS_WEBHOOK_APPLIED);
    orders_order_t *g1 = fm_get(&f, o->id);
    size_t entries = history_count(o->id, NULL);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(deliver("evt_1", "payment.succeeded", o, o->payment_ref, NULL),
                     ORDERS_WEBHOOK_DUPLICATE);
    /* another event id saying the same thing is a duplicate too */
    cr_expect_eq(deliver("evt_2", "payment.succeeded", o, o->payment_ref, NULL),
                 ORDERS_WEBHOOK_DUPLICATE);
    orders_order_t *g2 = fm_get(&f, o->id);
    cr_expect_eq(g2->version, g1->version, "a duplicate changed the order");
    cr_expect_eq(history_count(o->id, NULL), entries, "a duplicate appended history");
    cr_expect_eq(history_count(o->id, "confirmed"), 1);
    cr_expect_eq(payment_events(o->id), 1);
    fm_assert_stock(&f, "p1", 8, 0, 2);
    orders_order_free(g1);
    orders_order_free(g2);
    orders_order_free(o);
}

Test(webhook, failed_fails_the_order_and_releases_the_reservation, .init = setup,
     .fini = teardown)
{
    orders_order_t *o = pending_online();
    cr_assert_eq(deliver("evt_f", "payment.failed", o, o->payment_ref, "Card expired"),
                 ORDERS_WEBHOOK_APPLIED);
    orders_order_t *g = fm_get(&f, o->id);
    cr_expect_eq(g->status, ORDERS_STATUS_FAILED);
    cr_expect_eq(g->payment_status, ORDERS_PAYMENT_FAILED);
    cr_expect_eq(fm_res_status(&f, o->id), ORDERS_RES_CANCELLED);
    fm_assert_stock(&f, "p1", 10, 0, 0);
    cr_expect_eq(payment_events(o->id), 0, "nothing was paid");
    /* the gateway's reason is in the history */
    orders_history_list_t h = {0};
    cr_assert_eq(orders_order_history(f.ctx, o->id, &h, NULL), ORDERS_OK);
    bool noted = false;
    for (size_t i = 0; i < h.count; i++)
        noted = noted || (h.items[i]->note && strstr(h.items[i]->note, "Card expired"));
    orders_history_list_clear(&h);
    cr_expect(noted, "the failure message is not in the history");
    /* again: a duplicate */
    cr_expect_eq(deliver("evt_f", "payment.failed", o, o->payment_ref, "Card expired"),
                 ORDERS_WEBHOOK_DUPLICATE);
    orders_order_t *g2 = fm_get(&f, o->id);
    cr_expect_eq(g2->version, g->version);
    orders_order_free(g);
    orders_order_free(g2);
    orders_order_free(o);
}

Test(webhook, failed_after_succeeded_is_ignored_and_never_unpays, .init = setup,
     .fini = teardown)
{
    orders_order_t *o = pending_online();
    cr_assert_eq(deliver("evt_s", "payment.succeeded", o, o->payment_ref, NULL),
                 ORDERS_WEBHOOK_APPLIED);
    orders_order_t *g1 = fm_get(&f, o->id);
    cr_expect_eq(deliver("evt_f", "payment.failed", o, o->payment_ref, "late"),
                 ORDERS_WEBHOOK_IGNORED);
    orders_order_t *g2 = fm_get(&f, o->id);
    cr_expect_eq(g2->status, ORDERS_STATUS_CONFIRMED);
    cr_expect_eq(g2->payment_status, ORDERS_PAYMENT_PAID);
    cr_expect_eq(g2->version, g1->version);
    fm_assert_stock(&f, "p1", 8, 0, 2);
    orders_order_free(g1);
    orders_order_free(g2);
    orders_order_free(o);
}

/* A refused event changes nothing: same version, same stock. */
static void expect_refused(const char *body, const orders_order_t *o, orders_code_t code,
                           const char *field, bool with_order)
{
    orders_webhook_result_t res;
    orders_order_t *out = NULL;
    orders_error_t err = {0};
    cr_assert_eq(deliver_raw(body, &res, &out, &err), code, "%s: %s", body, err.message);
    if (field) /* NULL: the library's own choice (not found) */
        cr_expect_str_eq(err.field, field, "%s", body);
    cr_expect_eq(out != NULL, with_order, "%s", body);
    orders_order_free(out);
    orders_order_t *g = fm_get(&f, o->id);
    cr_expect_eq(g->version, o->version, "%s changed the order", body);
    cr_expect_eq(g->status, ORDERS_STATUS_PENDING);
    orders_order_free(g);
    fm_assert_stock(&f, "p1", 8, 2, 0);
}

Test(webhook, an_amount_or_currency_mismatch_changes_nothing, .init = setup, .fini = teardown)
{
    orders_order_t *o = pending_online();
    char *b = event_body("evt_1", "payment.succeeded", o->id, "x", 3997, "USD", NULL);
    expect_refused(b, o, ORDERS_E_INVALID, "data.amount", true);
    free(b);
    b = event_body("evt_1", "payment.succeeded", o->id, "x", 3998, "EUR", NULL);
    expect_refused(b, o, ORDERS_E_INVALID, "data.currency", true);
    free(b);
    b = event_body("evt_1", "payment.failed", o->id, "x", 1, "USD", NULL);
    expect_refused(b, o, ORDERS_E_INVALID, "data.amount", true);
    free(b);
    cr_expect_eq(payment_events(o->id), 0);
    orders_order_free(o);
}

Test(webhook, an_unknown_order_is_not_found, .init = setup, .fini = teardown)
{
    orders_order_t *o = pending_online();
    char *b = event_body("evt_1", "payment.succeeded", "no-such-order", "x", 3998, "USD", NULL);
    expect_refused(b, o, ORDERS_E_NOT_FOUND, NULL, false);
    free(b);
    orders_order_free(o);
}

Test(webhook, malformed_events_name_the_field, .init = setup, .fini = teardown)
{
    orders_order_t *o = pending_online();
    char bodies[6][512];
    const char *fields[6] = {"body", "id", "type", "created", "data.orderId", "data.amount"};
    snprintf(bodies[0], sizeof bodies[0], "[1, 2]");
    snprintf(bodies[1], sizeof bodies[1], "{\"type\":\"payment.succeeded\",\"created\":1}");
    snprintf(bodies[2], sizeof bodies[2], "{\"id\":\"evt\",\"type\":7,\"created\":1}");
    snprintf(bodies[3], sizeof bodies[3], "{\"id\":\"evt\",\"type\":\"x\",\"created\":\"now\"}");
    snprintf(bodies[4], sizeof bodies[4],
             "{\"id\":\"evt\",\"type\":\"payment.failed\",\"created\":1,\"data\":{\"paymentId\":"
             "\"p\",\"orderId\":5,\"amount\":3998,\"currency\":\"USD\"}}");
    snprintf(bodies[5], sizeof bodies[5],
             "{\"id\":\"evt\",\"type\":\"payment.succeeded\",\"created\":1,\"data\":{"
             "\"paymentId\":\"p\",\"orderId\":\"%s\",\"amount\":\"3998\",\"currency\":\"USD\"}}",
             o->id);
    for (int i = 0; i < 6; i++)
        expect_refused(bodies[i], o, ORDERS_E_INVALID, fields[i], false);
    orders_order_free(o);
}

Test(webhook, an_unknown_type_is_acknowledged_and_ignored, .init = setup, .fini = teardown)
{
    orders_order_t *o = pending_online();
    const char *body = "{\"id\":\"evt_9\",\"type\":\"charge.dispute.created\",\"created\":1,"
                       "\"data\":{\"whatever\":true}}";
    orders_webhook_result_t res;
    orders_order_t *out = NULL;
    orders_error_t err = {0};
    cr_assert_eq(deliver_raw(body, &res, &out, &err), ORDERS_OK, "%s", err.message);
    cr_expect_eq(res.outcome, ORDERS_WEBHOOK_IGNORED);
    cr_expect_str_eq(res.type, "charge.dispute.created");
    cr_expect_str_eq(res.order_id, "");
    cr_expect_null(out);
    cr_expect_str_eq(orders_webhook_outcome_name(res.outcome), "ignored");
    orders_order_t *g = fm_get(&f, o->id);
    cr_expect_eq(g->version, o->version);
    orders_order_free(g);
    orders_order_free(o);
}

Test(webhook, a_bad_signature_changes_nothing, .init = setup, .fini = teardown)
{
    orders_order_t *o = pending_online();
    char *body = event_body("evt_1", "payment.succeeded", o->id, o->payment_ref, 3998, "USD",
                            NULL);
    char sig[ORDERS_WEBHOOK_SIGNATURE_MAX];
    cr_assert_eq(orders_webhook_sign("whsec_wrong", f.now / 1000, body, strlen(body), sig,
                                     sizeof sig, NULL),
                 ORDERS_OK);
    orders_webhook_options_t opts = {.secret = SECRET};
    orders_order_t *out = NULL;
    orders_error_t err = {0};
    cr_expect_eq(orders_payment_webhook(f.ctx, &opts, sig, body, strlen(body), NULL, &out, &err),
                 ORDERS_E_UNAUTHORIZED);
    cr_expect_str_eq(err.field, "X-Signature");
    cr_expect_null(out);
    /* signed right, but an hour ago: a replay */
    cr_assert_eq(orders_webhook_sign(SECRET, f.now / 1000 - 3600, body, strlen(body), sig,
                                     sizeof sig, NULL),
                 ORDERS_OK);
    cr_expect_eq(orders_payment_webhook(f.ctx, &opts, sig, body, strlen(body), NULL, &out, &err),
                 ORDERS_E_UNAUTHORIZED);
    cr_expect_eq(orders_payment_webhook(f.ctx, &opts, NULL, body, strlen(body), NULL, &out, &err),
                 ORDERS_E_UNAUTHORIZED);
    cr_expect_null(out);
    free(body);
    orders_order_t *g = fm_get(&f, o->id);
    cr_expect_eq(g->version, o->version);
    cr_expect_eq(g->status, ORDERS_STATUS_PENDING);
    orders_order_free(g);
    orders_order_free(o);
}

Test(webhook, a_cod_order_is_refused, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_COD, false);
    char *b = event_body("evt_1", "payment.succeeded", o->id, "x", 3998, "USD", NULL);
    orders_order_t *out = NULL;
    orders_error_t err = {0};
    cr_expect_eq(deliver_raw(b, NULL, &out, &err), ORDERS_E_INVALID);
    cr_expect_str_eq(err.field, "paymentMethod");
    orders_order_free(out);
    free(b);
    orders_order_t *g = fm_get(&f, o->id);
    cr_expect_eq(g->version, o->version);
    orders_order_free(g);
    orders_order_free(o);
}

/* Money that arrives after the reservation expired goes back. */
Test(webhook, a_success_after_expiry_cancels_and_refunds, .init = setup, .fini = teardown)
{
    orders_order_t *o = pending_online();
    orders_error_t err = {0};
    cr_assert_eq(orders_gateway_test_settle(f.test_gateway, o->payment_ref, true, &err),
                 ORDERS_OK);
    fix_advance(&f, 31 * FIX_MINUTE);
    cr_expect_eq(deliver("evt_late", "payment.succeeded", o, o->payment_ref, NULL),
                 ORDERS_WEBHOOK_REFUNDED);
    orders_order_t *g = fm_get(&f, o->id);
    cr_expect_eq(g->status, ORDERS_STATUS_CANCELLED);
    cr_expect_eq(g->payment_status, ORDERS_PAYMENT_REFUNDED);
    cr_expect_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 0);
    fm_assert_stock(&f, "p1", 10, 0, 0);
    /* delivered again: the money went back already */
    cr_expect_eq(deliver("evt_late", "payment.succeeded", o, o->payment_ref, NULL),
                 ORDERS_WEBHOOK_DUPLICATE);
    orders_order_free(g);
    orders_order_free(o);
}

/* ---- a webhook racing the customer's /pay ---- */

#define RACE_THREADS 16
#define RACE_ORDERS 50

typedef struct racer {
    pthread_barrier_t *gate;
    const char *order_id;
    const char *body;            /* the signed webhook, or NULL: pay */
    const char *sig;
    orders_code_t rc;
    orders_webhook_outcome_t outcome;
} racer_t;

static void *race(void *arg)
{
    racer_t *r = arg;
    orders_order_t *out = NULL;
    orders_webhook_result_t res = {0};
    pthread_barrier_wait(r->gate);
    if (r->body) {
        orders_webhook_options_t opts = {.secret = SECRET};
        r->rc = orders_payment_webhook(f.ctx, &opts, r->sig, r->body, strlen(r->body), &res, &out,
                                       NULL);
        r->outcome = res.outcome;
    } else {
        r->rc = orders_order_pay(f.ctx, r->order_id, "racer", &out, NULL);
    }
    orders_order_free(out);
    return NULL;
}

/* One race on a deferred order: every pay and every webhook succeed or
 * find the order settled; returns how many webhooks said "applied". */
static int race_once(const orders_order_t *o, int round)
{
    char evt[32];
    snprintf(evt, sizeof evt, "evt_race_%d", round);
    char *body = event_body(evt, "payment.succeeded", o->id, "pay_race", o->total_amount.amount,
                            "USD", NULL);
    char sig[ORDERS_WEBHOOK_SIGNATURE_MAX];
    cr_assert_eq(orders_webhook_sign(SECRET, f.now / 1000, body, strlen(body), sig, sizeof sig,
                                     NULL),
                 ORDERS_OK);
    pthread_barrier_t gate;
    cr_assert_eq(pthread_barrier_init(&gate, NULL, RACE_THREADS), 0);
    racer_t r[RACE_THREADS];
    pthread_t t[RACE_THREADS];
    for (int i = 0; i < RACE_THREADS; i++) {
        r[i] = (racer_t){.gate = &gate, .order_id = o->id, .body = i % 2 ? body : NULL,
                         .sig = sig};
        cr_assert_eq(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < RACE_THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&gate);
    free(body);
    int applied = 0;
    for (int i = 0; i < RACE_THREADS; i++) {
        if (r[i].body) {
            cr_expect_eq(r[i].rc, ORDERS_OK, "webhook %d: code %d", i, r[i].rc);
            applied += r[i].outcome == ORDERS_WEBHOOK_APPLIED;
            cr_expect(r[i].outcome == ORDERS_WEBHOOK_APPLIED ||
                          r[i].outcome == ORDERS_WEBHOOK_DUPLICATE,
                      "webhook %d: outcome %d", i, r[i].outcome);
        } else {
            cr_expect(r[i].rc == ORDERS_OK || r[i].rc == ORDERS_E_CONFLICT, "pay %d: code %d", i,
                      r[i].rc);
        }
    }
    return applied;
}

Test(webhook_race, a_webhook_racing_pay_never_captures_twice, .init = setup, .fini = teardown,
     .timeout = 240)
{
    fix_product(&f, "race", "s1", 500, RACE_ORDERS);
    int webhook_wins = 0;
    for (int n = 0; n < RACE_ORDERS; n++) {
        orders_order_t *o = fm_order(&f, "racer", "race", 1, ORDERS_METHOD_ONLINE, true);
        cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
        int64_t charges = orders_gateway_test_charges(f.test_gateway);
        int applied = race_once(o, n);
        cr_assert_leq(applied, 1, "order %d: %d webhooks applied", n, applied);
        webhook_wins += applied;
        orders_order_t *g = fm_get(&f, o->id);
        cr_assert_eq(g->status, ORDERS_STATUS_CONFIRMED, "order %d is %s", n,
                     orders_status_name(g->status));
        cr_assert_eq(g->payment_status, ORDERS_PAYMENT_PAID);
        cr_assert_eq(history_count(o->id, "confirmed"), 1, "order %d confirmed %zu times", n,
                     history_count(o->id, "confirmed"));
        cr_assert_eq(payment_events(o->id), 1, "order %d: %zu payment events", n,
                     payment_events(o->id));
        cr_assert_leq(orders_gateway_test_charges(f.test_gateway) - charges, 1,
                      "order %d charged twice", n);
        orders_order_free(g);
        orders_order_free(o);
    }
    fm_assert_stock(&f, "race", 0, 0, RACE_ORDERS);
    cr_log_info("webhook won %d of %d races; /pay won the rest", webhook_wins, RACE_ORDERS);
}
