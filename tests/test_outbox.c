/*
 * test_outbox.c - dispatching outbox events: retries with backoff, dead
 * letters, counts, dead letters requeued (orders_outbox_requeue), and the
 * JSON lines of the log notifier.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A cod order records three events: order_placed, new_order and
 * order_status_changed (pending -> confirmed). */
static orders_order_t *cod_order(const char *customer)
{
    return fm_order(&f, customer, "p1", 2, ORDERS_METHOD_COD, false);
}

static void counts(int64_t pending, int64_t dead)
{
    int64_t p = -1, d = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_counts(f.ctx, &p, &d, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(p, pending, "pending %lld, expected %lld", (long long)p, (long long)pending);
    cr_assert_eq(d, dead, "dead %lld, expected %lld", (long long)d, (long long)dead);
}

static void dispatch(int64_t want_delivered, int64_t want_failed)
{
    int64_t ok = -1, bad = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_dispatch(f.ctx, 100, &ok, &bad, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(ok, want_delivered, "delivered %lld, expected %lld", (long long)ok,
                 (long long)want_delivered);
    cr_assert_eq(bad, want_failed, "failed %lld, expected %lld", (long long)bad, (long long)want_failed);
}

Test(outbox, delivers_and_counts, .init = setup, .fini = teardown)
{
    fm_notifier(&f, &ev);
    orders_order_t *o = cod_order("c1");
    counts(3, 0);
    dispatch(3, 0);
    counts(0, 0);
    cr_assert_eq(ev.calls, 3);
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_ORDER_PLACED, o->id), 1);
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_NEW_ORDER, o->id), 1);
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_STATUS_CHANGED, o->id), 1);
    const orders_event_t *e = fm_find(&ev, ORDERS_EVENT_NEW_ORDER, o->id, 0);
    cr_assert_str_eq(e->recipient, "s1");
    cr_assert_eq(e->amount.amount, 19998);
    e = fm_find(&ev, ORDERS_EVENT_ORDER_PLACED, o->id, 0);
    cr_assert_str_eq(e->recipient, "c1");
    dispatch(0, 0);
    cr_assert_eq(ev.calls, 3, "a delivered event was handed over again");
    orders_order_free(o);
}

/* A store older than outbox_ack_many (version 3) is told of each attempt
 * with one outbox_ack each, with the same outcome. */
Test(outbox, a_version_3_store_gets_one_ack_per_event, .init = setup, .fini = teardown)
{
    static orders_store_vtable_t v3;
    v3 = *orders_store_memory_vtable();
    v3.version = 3;
    v3.outbox_ack_many = NULL;
    void *ud = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_store_memory_new(&ud, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_ctx_set_store(f.ctx, &v3, ud, orders_store_memory_free, &err), ORDERS_OK,
                 "%s", err.message);
    fix_product(&f, "p1", "s1", 9999, 100);
    fm_notifier(&f, &ev);
    orders_order_t *o = cod_order("c1");
    orders_order_t *o2 = cod_order("c2");
    counts(6, 0);
    dispatch(6, 0);
    counts(0, 0);
    cr_assert_eq(ev.calls, 6);
    dispatch(0, 0);
    cr_assert_eq(ev.calls, 6, "a delivered event was handed over again");
    orders_order_free(o);
    orders_order_free(o2);
}

Test(outbox, limit_is_respected, .init = setup, .fini = teardown)
{
    fm_notifier(&f, &ev);
    orders_order_t *o = cod_order("c1");
    int64_t ok = 0;
    cr_assert_eq(orders_outbox_dispatch(f.ctx, 2, &ok, NULL, NULL), ORDERS_OK);
    cr_assert_eq(ok, 2);
    counts(1, 0);
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_dispatch(f.ctx, 0, &ok, NULL, &err), ORDERS_E_INVALID);
    counts(1, 0);
    orders_order_free(o);
}

/* Failures other than ORDERS_E_UNAVAILABLE do not stop a batch: every
 * event of it is tried and scheduled on its own. */
Test(outbox, retried_only_after_backoff, .init = setup, .fini = teardown)
{
    ev.fail_left = 3;
    ev.fail_code = ORDERS_E_BACKEND;
    fm_notifier(&f, &ev);
    orders_order_t *o = cod_order("c1");
    dispatch(0, 3);
    counts(3, 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(ev.attempts_seen[i], 0);

    dispatch(0, 0); /* nothing is due yet */
    fix_advance(&f, 999);
    dispatch(0, 0);
    cr_assert_eq(ev.calls, 3, "retried before the backoff");
    fix_advance(&f, 251); /* 1000 ms + at most 25% jitter */
    dispatch(3, 0);
    cr_assert_eq(ev.calls, 6);
    for (int i = 3; i < 6; i++)
        cr_assert_eq(ev.attempts_seen[i], 1, "the retry carries attempts = 1");
    counts(0, 0);
    /* the retried events kept their ids: three distinct, delivered once each */
    cr_assert_eq(ev.count, 3);
    for (size_t i = 0; i < ev.count; i++)
        for (size_t j = i + 1; j < ev.count; j++)
            cr_assert_str_neq(ev.items[i]->id, ev.items[j]->id);
    orders_order_free(o);
}

Test(outbox, backoff_doubles_then_dead_letter, .init = setup, .fini = teardown)
{
    ev.fail_left = 1000;
    ev.fail_code = ORDERS_E_BACKEND;
    fm_notifier(&f, &ev);
    orders_order_t *o = cod_order("c1");
    dispatch(0, 3); /* attempt 1: next in 1000..1250 ms */
    fix_advance(&f, 1250);
    dispatch(0, 3); /* attempt 2: next in 2000..2500 ms */
    fix_advance(&f, 1999);
    dispatch(0, 0);
    fix_advance(&f, 501);
    dispatch(0, 3); /* attempt 3: next in 4000..5000 ms */
    counts(3, 0);
    fix_advance(&f, 3999);
    dispatch(0, 0);
    fix_advance(&f, 1001);
    dispatch(0, 3); /* attempt 4 = outbox_max_attempts: dead */
    counts(0, 3);
    cr_assert_eq(ev.calls, 12);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(ev.attempts_seen[i], i / 3, "call %d saw attempts %d", i, ev.attempts_seen[i]);
    fix_advance(&f, FIX_DAY);
    dispatch(0, 0);
    cr_assert_eq(ev.calls, 12, "a dead letter was retried");
    counts(0, 3);
    orders_order_free(o);
}

/* An unavailable receiver stops the batch: the events after the failed
 * one are not tried (no attempt counted) and go out once it is back. */
Test(outbox, unavailable_stops_the_batch, .init = setup, .fini = teardown)
{
    ev.fail_left = 1000; /* ORDERS_E_UNAVAILABLE */
    fm_notifier(&f, &ev);
    orders_order_t *o = cod_order("c1");
    dispatch(0, 1);
    cr_assert_eq(ev.calls, 1, "the batch went on after an unavailable receiver");
    counts(3, 0);
    dispatch(0, 1); /* the failed event waits out its backoff; the next is tried */
    cr_assert_eq(ev.calls, 2);
    cr_assert_eq(ev.attempts_seen[1], 0, "an untried event had an attempt counted");
    ev.fail_left = 0;
    dispatch(1, 0); /* the third, never tried; the first two are not due yet */
    fix_advance(&f, 1250);
    dispatch(2, 0);
    counts(0, 0);
    cr_assert_eq(ev.count, 3);
    orders_order_free(o);
}

Test(outbox, invalid_is_dead_at_once, .init = setup, .fini = teardown)
{
    ev.fail_left = 1;
    ev.fail_code = ORDERS_E_INVALID;
    fm_notifier(&f, &ev);
    orders_order_t *o = cod_order("c1");
    dispatch(2, 1);
    counts(0, 1);
    fix_advance(&f, FIX_DAY);
    dispatch(0, 0);
    cr_assert_eq(ev.calls, 3);
    orders_order_free(o);
}

Test(outbox, no_notifier_is_unsupported, .init = setup, .fini = teardown)
{
    orders_order_t *o = cod_order("c1");
    int64_t ok = -1, bad = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_dispatch(f.ctx, 10, &ok, &bad, &err), ORDERS_E_UNSUPPORTED);
    cr_assert_eq(err.code, ORDERS_E_UNSUPPORTED);
    counts(3, 0); /* the events wait in the outbox */
    orders_order_free(o);
}

/* ---- orders_outbox_requeue: its argument checks, the stores it refuses
 * (older than version 5, or without the member), and a dead letter of a
 * real order dispatched again after a requeue.  What each store does is
 * the conformance suite's (suite_outbox_requeue.c). ---- */

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

/* ---- the log notifier ---- */

static bool iso_ms(const char *s)
{
    int y, mo, d, h, mi, se, ms;
    char z;
    return s && strlen(s) == 24 &&
           sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &se, &ms, &z) == 8 &&
           z == 'Z';
}

Test(log, one_json_line_per_event, .init = setup, .fini = teardown)
{
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_set_notifier(f.ctx, orders_notifier_log_vtable(), fp, NULL, &err),
                 ORDERS_OK, "%s", err.message);
    orders_order_t *o = cod_order("c1");
    fix_advance(&f, 1234);
    orders_order_free(fm_move(&f, o->id, ORDERS_STATUS_PROCESSING));
    int64_t ok = 0;
    cr_assert_eq(orders_outbox_dispatch(f.ctx, 100, &ok, NULL, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(ok, 4);

    rewind(fp);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lines = 0, status_events = 0;
    char ids[4][64] = {{0}};
    while ((len = getline(&line, &cap, fp)) > 0) {
        cr_assert_eq(line[len - 1], '\n');
        cr_assert_null(memchr(line, '\n', (size_t)len - 1), "one event per line");
        json_error_t jerr;
        json_t *j = json_loads(line, 0, &jerr);
        cr_assert_not_null(j, "line %d is not JSON (%s): %s", lines, jerr.text, line);
        const char *id = json_string_value(json_object_get(j, "id"));
        const char *type = json_string_value(json_object_get(j, "type"));
        cr_assert_not_null(id);
        cr_assert_not_null(type);
        cr_assert_lt(lines, 4);
        snprintf(ids[lines], sizeof ids[lines], "%s", id);
        cr_assert_str_eq(json_string_value(json_object_get(j, "orderId")), o->id);
        const char *to = json_string_value(json_object_get(j, "recipient"));
        cr_assert_not_null(to);
        cr_assert(strcmp(to, "c1") == 0 || strcmp(to, "s1") == 0, "recipient %s", to);
        json_t *amount = json_object_get(j, "amount");
        cr_assert(json_is_number(amount), "amount is not a number: %s", line);
        cr_assert_eq(json_number_value(amount), 199.98);
        cr_assert_not_null(strstr(line, "\"amount\":199.98,") ? line : strstr(line, "\"amount\":199.98}"),
                           "amount not printed exactly: %s", line);
        cr_assert_null(strstr(line, "199.979"), "%s", line);
        const char *ts = json_string_value(json_object_get(j, "timestamp"));
        cr_assert(iso_ms(ts), "timestamp %s", ts ? ts : "(null)");
        if (strcmp(type, "order_status_changed") == 0) {
            const char *ns = json_string_value(json_object_get(j, "newStatus"));
            cr_assert_not_null(ns);
            if (strcmp(ns, "processing") == 0)
                cr_assert_str_eq(ts, "2026-01-01T00:00:01.234Z");
            else
                cr_assert_str_eq(ts, "2026-01-01T00:00:00.000Z");
            status_events++;
        } else {
            cr_assert(strcmp(type, "order_placed") == 0 || strcmp(type, "new_order") == 0, "%s", type);
            cr_assert_str_eq(ts, "2026-01-01T00:00:00.000Z");
        }
        json_decref(j);
        lines++;
    }
    free(line);
    cr_assert_eq(lines, 4);
    cr_assert_eq(status_events, 2);
    for (int i = 0; i < 4; i++)
        for (int k = i + 1; k < 4; k++)
            cr_assert_str_neq(ids[i], ids[k]);
    orders_order_free(o);
    fix_close(&f); /* the context never closes the FILE* */
    fclose(fp);
}

Test(log, amounts_print_exactly)
{
    static const struct {
        int64_t amount;
        const char *cur, *text;
    } cases[] = {
        {19998, "USD", "199.98"},   {1, "USD", "0.01"},       {30, "USD", "0.3"},
        {110, "USD", "1.1"},        {1999, "EUR", "19.99"},   {500, "JPY", "500"},
        {1250, "KWD", "1.25"},      {-5, "USD", "-0.05"},     {123456789012345, "USD", "1234567890123.45"},
        {99999999999999, "USD", "999999999999.99"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orders_event_t e = {.id = "e1", .type = ORDERS_EVENT_PAYMENT, .order_id = "o1",
                            .recipient = "c1", .created_at = FIX_T0};
        e.amount.amount = cases[i].amount;
        memcpy(e.amount.currency, cases[i].cur, 4);
        char *s = orders_event_to_json(&e);
        cr_assert_not_null(s);
        char want[64];
        snprintf(want, sizeof want, "\"amount\":%s,", cases[i].text);
        cr_expect_not_null(strstr(s, want), "%lld %s: expected %s in %s", (long long)cases[i].amount,
                           cases[i].cur, want, s);
        json_t *j = json_loads(s, 0, NULL);
        cr_assert_not_null(j);
        cr_expect_eq(json_number_value(json_object_get(j, "amount")), strtod(cases[i].text, NULL));
        cr_expect_str_eq(json_string_value(json_object_get(j, "timestamp")), "2026-01-01T00:00:00.000Z");
        json_decref(j);
        free(s);
    }
}
