/*
 * test_http_notifier.c - the HTTP notifier (orders/notifier_http.h) against
 * the in-process Notifications service stub (fixtures/stub_notifications.h):
 * the request (route, id headers, body), one attempt per deliver, the
 * mapping of answers to codes (2xx delivered; 408, 429, 5xx, refused and
 * timeout retried later; any other 4xx never deliverable), the key kept out
 * of messages, the probe, and the outbox on top of it: dead letters at once
 * or after the attempts, then orders_outbox_requeue and delivery.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <orders/orders.h>

#include "stub_notifications.h"
#include "support/clock.h"
#include "support/fixture_more.h"

#define KEY "test-notify-key-5f1e"

static stub_notifications_t *STUB;

static void stub_setup(void)
{
    STUB = stub_notifications_start(KEY);
    cr_assert_not_null(STUB, "the stub did not start");
}

static void stub_teardown(void)
{
    stub_notifications_free(STUB);
    STUB = NULL;
}

static void *new_notifier(const char *key, int timeout_ms)
{
    orders_notifier_http_options_t o = orders_notifier_http_options_default();
    o.base_url = stub_notifications_url(STUB);
    o.service_key = key;
    o.timeout_ms = timeout_ms;
    void *ud = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_notifier_http_new(&o, &ud, &err), ORDERS_OK, "%s", err.message);
    cr_assert_not_null(ud);
    return ud;
}

/* A new_order event for seller s1 of order o-1, 199.98 USD. */
static orders_event_t sample_event(char *id)
{
    return (orders_event_t){
        .id = id, .type = ORDERS_EVENT_NEW_ORDER, .order_id = "o-1", .recipient = "s1",
        .new_status = "pending", .amount = {19998, "USD"}, .detail = "ORD1001",
        .created_at = FIX_T0,
    };
}

/* One deliver; the message never holds the key. */
static orders_code_t deliver(void *ud, const orders_event_t *e, orders_error_t *err)
{
    *err = (orders_error_t){0};
    orders_code_t rc = orders_notifier_http_vtable()->deliver(ud, e, err);
    cr_assert_null(strstr(err->message, KEY), "the key leaked: %s", err->message);
    return rc;
}

TestSuite(http_notifier, .init = stub_setup, .fini = stub_teardown, .timeout = 60);

/* ---- options ---------------------------------------------------------------------------- */

Test(http_notifier, options_are_checked)
{
    orders_notifier_http_options_t d = orders_notifier_http_options_default();
    cr_assert_eq(d.timeout_ms, 2000);
    cr_assert_null(d.base_url);
    cr_assert_null(d.service_key);
    struct { const char *url, *key; int timeout; } bad[] = {
        {NULL, NULL, 2000}, {"ftp://127.0.0.1:1", NULL, 2000}, {"http://a b", NULL, 2000},
        {"http://127.0.0.1:1", NULL, 5}, {"http://127.0.0.1:1", NULL, 120001},
        {"http://127.0.0.1:1", "bad\nkey", 2000},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orders_notifier_http_options_t o = d;
        o.base_url = bad[i].url;
        o.service_key = bad[i].key;
        o.timeout_ms = bad[i].timeout;
        void *ud = (void *)&o;
        orders_error_t err = {0};
        cr_assert_eq(orders_notifier_http_new(&o, &ud, &err), ORDERS_E_INVALID, "case %zu", i);
        cr_assert_null(ud, "case %zu", i);
        cr_assert_str_eq(err.field, "notifier");
    }
    void *ud = (void *)&d;
    cr_assert_eq(orders_notifier_http_new(NULL, &ud, NULL), ORDERS_E_INVALID);
    cr_assert_null(ud);
    cr_assert_eq(orders_notifier_http_new(&d, NULL, NULL), ORDERS_E_INVALID);
    orders_notifier_http_free(NULL); /* a no-op */
    const orders_notifier_vtable_t *vt = orders_notifier_http_vtable();
    cr_assert_eq(vt->version, ORDERS_NOTIFIER_VERSION);
    cr_assert_str_eq(vt->name, "http");
    cr_assert_not_null(vt->deliver);
}

/* ---- one delivery ------------------------------------------------------------------------- */

Test(http_notifier, a_delivered_event_arrives_once_with_its_id_and_body)
{
    void *ud = new_notifier(KEY, 2000);
    char id[] = "evt-0001";
    orders_event_t e = sample_event(id);
    orders_error_t err;
    cr_assert_eq(deliver(ud, &e, &err), ORDERS_OK, "%s", err.message);
    /* the stub answers 400 unless Idempotency-Key and X-Event-Id equal the body's id */
    cr_assert_eq(stub_notifications_malformed(STUB), 0);
    cr_assert_eq(stub_notifications_requests(STUB), 1);
    cr_assert_eq(stub_notifications_count(STUB, "evt-0001"), 1);
    json_t *b = stub_notifications_last(STUB);
    cr_assert_not_null(b);
    cr_assert_str_eq(json_string_value(json_object_get(b, "id")), "evt-0001");
    cr_assert_str_eq(json_string_value(json_object_get(b, "type")), "new_order");
    cr_assert_str_eq(json_string_value(json_object_get(b, "orderId")), "o-1");
    cr_assert_str_eq(json_string_value(json_object_get(b, "recipient")), "s1");
    cr_assert_str_eq(json_string_value(json_object_get(b, "recipientType")), "seller");
    cr_assert_str_eq(json_string_value(json_object_get(b, "detail")), "ORD1001");
    cr_assert_str_eq(json_string_value(json_object_get(b, "currency")), "USD");
    cr_assert_str_eq(json_string_value(json_object_get(b, "timestamp")),
                     "2026-01-01T00:00:00.000Z");
    json_t *money = json_object_get(b, "money");
    cr_assert_eq(json_integer_value(json_object_get(money, "amount")), 19998);
    cr_assert_str_eq(json_string_value(json_object_get(money, "currency")), "USD");
    cr_assert(json_is_real(json_object_get(b, "amount")));
    cr_assert_float_eq(json_real_value(json_object_get(b, "amount")), 199.98, 1e-9);
    json_decref(b);

    /* an order_placed goes to the customer; an event without amount has no money */
    char id2[] = "evt-0002";
    e = sample_event(id2);
    e.type = ORDERS_EVENT_SELLER_STATUS;
    e.recipient = "c1";
    e.amount = (orders_money_t){0, ""};
    cr_assert_eq(deliver(ud, &e, &err), ORDERS_OK, "%s", err.message);
    b = stub_notifications_last(STUB);
    cr_assert_str_eq(json_string_value(json_object_get(b, "recipientType")), "customer");
    cr_assert(json_is_null(json_object_get(b, "money")));
    json_decref(b);
    orders_notifier_http_free(ud);
}

Test(http_notifier, transient_answers_are_unavailable_after_one_attempt)
{
    void *ud = new_notifier(KEY, 2000);
    static const int statuses[] = {500, 502, 503, 408, 429};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        char id[32];
        snprintf(id, sizeof id, "evt-t%zu", i);
        orders_event_t e = sample_event(id);
        stub_notifications_fault(STUB, statuses[i], 1);
        int before = stub_notifications_requests(STUB);
        orders_error_t err;
        cr_assert_eq(deliver(ud, &e, &err), ORDERS_E_UNAVAILABLE, "HTTP %d: %s", statuses[i],
                     err.message);
        cr_assert_eq(stub_notifications_requests(STUB), before + 1,
                     "HTTP %d was retried inside deliver (the outbox owns retries)", statuses[i]);
        char want[16];
        snprintf(want, sizeof want, "HTTP %d", statuses[i]);
        cr_assert_not_null(strstr(err.message, want), "%s", err.message);
        cr_assert_not_null(strstr(err.message, "Notifications service"), "%s", err.message);
        cr_assert_eq(stub_notifications_count(STUB, id), 0);
    }
    orders_notifier_http_free(ud);
}

Test(http_notifier, refused_and_timed_out_are_unavailable)
{
    void *ud = new_notifier(KEY, 300);
    char id[] = "evt-r1";
    orders_event_t e = sample_event(id);
    orders_error_t err;
    stub_notifications_stop(STUB);
    cr_assert_eq(deliver(ud, &e, &err), ORDERS_E_UNAVAILABLE, "%s", err.message);
    cr_assert(stub_notifications_restart(STUB));

    stub_notifications_delay(STUB, 1500);
    int64_t t0 = test_mono_ms();
    cr_assert_eq(deliver(ud, &e, &err), ORDERS_E_UNAVAILABLE, "%s", err.message);
    int64_t took = test_mono_ms() - t0;
    cr_assert_lt(took, 1200, "one attempt bounded by timeout_ms took %lld ms", (long long)took);
    stub_notifications_delay(STUB, 0);

    /* back: delivered (the stub may have processed the timed-out one too:
     * that is the duplicate a receiver drops by id) */
    cr_assert_eq(deliver(ud, &e, &err), ORDERS_OK, "%s", err.message);
    cr_assert_geq(stub_notifications_count(STUB, "evt-r1"), 1);
    orders_notifier_http_free(ud);
}

Test(http_notifier, other_4xx_answers_are_never_deliverable)
{
    void *ud = new_notifier(KEY, 2000);
    static const int statuses[] = {400, 404, 409, 422};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        char id[32];
        snprintf(id, sizeof id, "evt-i%zu", i);
        orders_event_t e = sample_event(id);
        stub_notifications_fault(STUB, statuses[i], 1);
        orders_error_t err;
        cr_assert_eq(deliver(ud, &e, &err), ORDERS_E_INVALID, "HTTP %d: %s", statuses[i],
                     err.message);
        char want[16];
        snprintf(want, sizeof want, "HTTP %d", statuses[i]);
        cr_assert_not_null(strstr(err.message, want), "%s", err.message);
        cr_assert_not_null(strstr(err.message, id), "the message names the event: %s",
                           err.message);
    }
    cr_assert_eq(stub_notifications_total(STUB), 0);
    orders_notifier_http_free(ud);
}

Test(http_notifier, a_wrong_key_is_refused_and_never_shown)
{
    static const char wrong[] = "wrong-key-77aa";
    void *ud = new_notifier(wrong, 2000);
    char id[] = "evt-k1";
    orders_event_t e = sample_event(id);
    orders_error_t err;
    cr_assert_eq(deliver(ud, &e, &err), ORDERS_E_INVALID, "%s", err.message);
    cr_assert_not_null(strstr(err.message, "HTTP 401"), "%s", err.message);
    cr_assert_null(strstr(err.message, wrong), "the key leaked: %s", err.message);
    cr_assert_eq(stub_notifications_unauthorized(STUB), 1);
    cr_assert_eq(stub_notifications_total(STUB), 0);
    orders_notifier_http_free(ud);
}

Test(http_notifier, an_id_that_cannot_be_a_header_is_invalid)
{
    void *ud = new_notifier(KEY, 2000);
    char id[] = "evt\r\nX-Injected: 1";
    orders_event_t e = sample_event(id);
    orders_error_t err;
    cr_assert_eq(deliver(ud, &e, &err), ORDERS_E_INVALID, "%s", err.message);
    cr_assert_eq(stub_notifications_requests(STUB), 0, "nothing is sent");
    orders_notifier_http_free(ud);
}

Test(http_notifier, probe_sees_up_and_down)
{
    void *ud = new_notifier(KEY, 500);
    int64_t us = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_notifier_http_probe(ud, &us, &err), ORDERS_OK, "%s", err.message);
    cr_assert_geq(us, 0);
    stub_notifications_stop(STUB);
    us = -1;
    cr_assert_eq(orders_notifier_http_probe(ud, &us, &err), ORDERS_E_UNAVAILABLE);
    cr_assert_geq(us, 0);
    cr_assert_null(strstr(err.message, KEY));
    cr_assert(stub_notifications_restart(STUB));
    cr_assert_eq(orders_notifier_http_probe(ud, &us, &err), ORDERS_OK, "%s", err.message);
    orders_notifier_http_free(ud);
}

/* ---- through the outbox --------------------------------------------------------------------- */

static fixture_t F;

/* A context whose outbox dead-letters after 3 attempts, with the HTTP
 * notifier registered (the context owns it), and one cod order: three
 * events (order_placed, new_order, order_status_changed). */
static orders_order_t *outbox_setup(void)
{
    orders_config_t cfg = orders_config_default();
    cfg.outbox_max_attempts = 3;
    cfg.outbox_backoff_ms = 1000;
    fix_open(&F, &cfg);
    fix_product(&F, "p1", "s1", 9999, 100);
    void *ud = new_notifier(KEY, 2000);
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_set_notifier(F.ctx, orders_notifier_http_vtable(), ud,
                                         orders_notifier_http_free, &err),
                 ORDERS_OK, "%s", err.message);
    return fm_order(&F, "c1", "p1", 2, ORDERS_METHOD_COD, false);
}

static void counts(int64_t pending, int64_t dead)
{
    int64_t p = -1, d = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_counts(F.ctx, &p, &d, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(p, pending, "pending %lld, expected %lld", (long long)p, (long long)pending);
    cr_assert_eq(d, dead, "dead %lld, expected %lld", (long long)d, (long long)dead);
}

static void dispatch(int64_t want_delivered, int64_t want_failed)
{
    int64_t ok = -1, bad = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_dispatch(F.ctx, 100, &ok, &bad, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(ok, want_delivered, "delivered %lld, expected %lld", (long long)ok,
                 (long long)want_delivered);
    cr_assert_eq(bad, want_failed, "failed %lld, expected %lld", (long long)bad,
                 (long long)want_failed);
}

static int64_t requeue(const char *event_id, int64_t limit, orders_code_t want)
{
    int64_t moved = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_requeue(F.ctx, event_id, limit, &moved, &err), want, "%s",
                 err.message);
    return moved;
}

/* Every accepted event arrived exactly once, n of them. */
static void delivered_once_each(int n)
{
    cr_assert_eq(stub_notifications_distinct(STUB), n);
    cr_assert_eq(stub_notifications_total(STUB), n);
    cr_assert_eq(stub_notifications_max_count(STUB), 1);
}

Test(http_notifier, a_400_dead_letters_at_once_then_requeue_delivers)
{
    orders_order_t *o = outbox_setup();
    counts(3, 0);
    stub_notifications_fault(STUB, 400, -1);
    dispatch(0, 3);
    counts(0, 3);
    cr_assert_eq(stub_notifications_requests(STUB), 3, "one attempt each");
    fix_advance(&F, FIX_DAY);
    dispatch(0, 0); /* dead letters are not retried */
    cr_assert_eq(stub_notifications_requests(STUB), 3);

    stub_notifications_fault(STUB, 0, 0); /* the service is fixed */
    cr_assert_eq(requeue(NULL, 1000, ORDERS_OK), 3);
    counts(3, 0);
    dispatch(3, 0);
    counts(0, 0);
    delivered_once_each(3);
    cr_assert_eq(stub_notifications_matching(STUB, "order_placed", o->id, "c1"), 1);
    cr_assert_eq(stub_notifications_matching(STUB, "new_order", o->id, "s1"), 1);
    cr_assert_eq(stub_notifications_matching(STUB, "order_status_changed", o->id, "c1"), 1);
    orders_order_free(o);
    fix_close(&F);
}

Test(http_notifier, repeated_503s_dead_letter_after_the_attempts_then_requeue_delivers)
{
    orders_order_t *o = outbox_setup();
    stub_notifications_fault(STUB, 503, -1);
    /* a 503 stops each batch: one event per round, the others stay due */
    for (int i = 0; i < 3; i++)
        dispatch(0, 1); /* attempt 1 of each */
    counts(3, 0);
    dispatch(0, 0); /* not due before the backoff */
    fix_advance(&F, 1250);
    for (int i = 0; i < 3; i++)
        dispatch(0, 1); /* attempt 2 */
    counts(3, 0);
    fix_advance(&F, 2500);
    for (int i = 0; i < 3; i++)
        dispatch(0, 1); /* attempt 3 = outbox_max_attempts: dead */
    counts(0, 3);
    cr_assert_eq(stub_notifications_requests(STUB), 9);
    cr_assert_eq(stub_notifications_total(STUB), 0);

    /* requeue: an unknown id is 404, a pending one 409, one dead one moves */
    stub_notifications_fault(STUB, 0, 0);
    requeue("no-such-event", 1000, ORDERS_E_NOT_FOUND);
    orders_event_list_t dead = {0};
    orders_error_t err = {0};
    void *sud = NULL;
    const orders_store_vtable_t *st = orders_ctx_store(F.ctx, &sud);
    cr_assert_not_null(st);
    /* a fresh order gives a pending event whose id the requeue must refuse */
    orders_order_t *o2 = fm_order(&F, "c2", "p1", 1, ORDERS_METHOD_COD, false);
    cr_assert_eq(st->outbox_fetch(sud, orders_ctx_now(F.ctx), 100, &dead, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(dead.count, 3, "the new order's three pending events");
    requeue(dead.items[0]->id, 1000, ORDERS_E_CONFLICT);
    orders_event_list_clear(&dead);
    dispatch(3, 0); /* o2's events */
    counts(0, 3);

    cr_assert_eq(requeue(NULL, 1, ORDERS_OK), 1, "limit 1 moves one");
    counts(1, 2);
    cr_assert_eq(requeue(NULL, 1000, ORDERS_OK), 2);
    counts(3, 0);
    dispatch(3, 0);
    counts(0, 0);
    delivered_once_each(6);
    cr_assert_eq(stub_notifications_matching(STUB, "new_order", o->id, "s1"), 1);
    orders_order_free(o);
    orders_order_free(o2);
    fix_close(&F);
}

Test(http_notifier, an_outage_delays_but_loses_nothing)
{
    orders_order_t *o = outbox_setup();
    stub_notifications_stop(STUB);
    dispatch(0, 1); /* refused: the batch stops there */
    counts(3, 0);
    cr_assert(stub_notifications_restart(STUB));
    dispatch(2, 0); /* the two never tried */
    fix_advance(&F, 1250);
    dispatch(1, 0); /* the refused one, after its backoff */
    counts(0, 0);
    delivered_once_each(3);
    orders_order_free(o);
    fix_close(&F);
}
