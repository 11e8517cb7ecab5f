/*
 * suite_outbox_requeue.c - outbox_requeue (store version 5): dead letters
 * made pending again, oldest first (created_at, then id), or one by id;
 * each keeps its id, payload and last_error, with attempts 0 and due at
 * now; pending and delivered events are never touched.  The last test
 * drives the public API (orders_outbox_dispatch / orders_outbox_requeue)
 * over the backend under test.
 *
 * The member is optional; a backend without it skips these tests, saying so.
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include <orders/context.h>
#include <orders/notifier.h>
#include <orders/outbox.h>

#define T(name) Test(outbox_requeue, name, .init = conf_setup, .fini = conf_teardown)

static void need_member(void)
{
    if (conf_vt->version < 5 || conf_vt->outbox_requeue == NULL)
        cr_skip_test("backend %s has no outbox_requeue (version %d)", conf_vt->name,
                     conf_vt->version);
}

static const orders_event_t *find(const orders_event_list_t *l, const char *id)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i]->id, id) == 0)
            return l->items[i];
    return NULL;
}

/* Every event due at now, oldest first. */
static void fetch_due(int64_t now, orders_event_list_t *l)
{
    orders_error_t err = {0};
    cr_assert_eq(conf_vt->outbox_fetch(conf_ud, now, 100, l, &err), ORDERS_OK, "%s",
                 err.message);
}

static void ack(const char *id, bool delivered, bool dead, int64_t next, const char *error)
{
    orders_error_t err = {0};
    cr_assert_eq(conf_vt->outbox_ack(conf_ud, id, delivered, dead, next, error, &err), ORDERS_OK,
                 "ack %s: %s", id, err.message);
}

/* outbox_requeue, asserting its code; returns *moved. */
static int64_t requeue(const char *id, int64_t now, int64_t limit, orders_code_t want)
{
    int64_t moved = -1;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->outbox_requeue(conf_ud, id, now, limit, &moved, &err);
    cr_assert_eq(rc, want, "requeue(%s, limit %lld): %d (want %d) %s", id ? id : "NULL",
                 (long long)limit, rc, want, err.message);
    if (rc != ORDERS_OK)
        cr_assert_eq(moved, 0, "a refused requeue reported %lld moved", (long long)moved);
    return moved;
}

static void counts(int64_t pending, int64_t dead)
{
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), pending, "pending");
    cr_assert_eq(conf_outbox_dead(conf_vt, conf_ud), dead, "dead");
}

/* The ids of the events due at now, in fetch order, joined by ' '. */
static void due_ids(int64_t now, char *out, size_t len)
{
    orders_event_list_t l = {0};
    fetch_due(now, &l);
    out[0] = '\0';
    for (size_t i = 0; i < l.count; i++) {
        strncat(out, i > 0 ? " " : "", len - strlen(out) - 1);
        strncat(out, l.items[i]->id, len - strlen(out) - 1);
    }
    orders_event_list_clear(&l);
}

T(requeue_all_moves_only_dead_letters)
{
    need_member();
    /* o2 (at T0): o2-ev0, o2-ev1; o1 (at T0 + 10): o1-ev0, o1-ev1 */
    conf_seed_order(conf_vt, conf_ud, "o2", "ORD2", "c2", "s1", CONF_T0, ORDERS_STATUS_PENDING);
    conf_seed_order(conf_vt, conf_ud, "o1", "ORD1", "c1", "s1", CONF_T0 + 10,
                    ORDERS_STATUS_PENDING);
    orders_event_list_t before = {0};
    fetch_due(CONF_FAR_FUTURE, &before);
    cr_assert_eq(before.count, 4);

    ack("o2-ev0", false, false, CONF_T0 + 5000, "slow");    /* pending, retried later */
    ack("o2-ev1", false, false, CONF_T0 + 1, "timeout");
    ack("o2-ev1", false, true, CONF_T0 + 2, "boom");        /* dead after 2 attempts */
    ack("o1-ev0", false, true, CONF_T0 + 3, "gave up");     /* dead after 1 attempt */
    ack("o1-ev1", true, false, 0, NULL);                    /* delivered: gone */
    counts(1, 2);

    int64_t now = CONF_T0 + 100;
    cr_assert_eq(requeue(NULL, now, 10, ORDERS_OK), 2, "both dead letters move");
    counts(3, 0);

    orders_event_list_t l = {0};
    fetch_due(now, &l);
    cr_assert_eq(l.count, 2, "due at now: the two requeued events, got %zu", l.count);
    cr_assert_str_eq(l.items[0]->id, "o2-ev1", "oldest first");
    cr_assert_str_eq(l.items[1]->id, "o1-ev0");
    const char *ids[] = {"o2-ev1", "o1-ev0"};
    const char *errors[] = {"boom", "gave up"};
    for (size_t i = 0; i < 2; i++) {
        orders_event_t *want = orders_event_copy(find(&before, ids[i]));
        cr_assert_not_null(want);
        want->attempts = 0;
        want->next_attempt_at = now;
        free(want->last_error);
        want->last_error = conf_strdup(errors[i]);
        conf_assert_event_eq(want, find(&l, ids[i])); /* same id and payload */
        orders_event_free(want);
    }
    orders_event_list_clear(&l);

    /* the pending event was not touched */
    fetch_due(CONF_T0 + 5000, &l);
    const orders_event_t *p = find(&l, "o2-ev0");
    cr_assert_not_null(p, "the pending event is gone");
    cr_expect_eq(p->attempts, 1, "a pending event was reset");
    cr_expect_eq(p->next_attempt_at, CONF_T0 + 5000);
    cr_assert_null(find(&l, "o1-ev1"), "a delivered event came back");
    orders_event_list_clear(&l);
    orders_event_list_clear(&before);

    cr_assert_eq(requeue(NULL, now, 10, ORDERS_OK), 0, "nothing left to requeue");
    /* requeued events are ordinary pending events again */
    ack("o2-ev1", true, false, 0, NULL);
    ack("o1-ev0", false, true, now + 1, "dead again");
    counts(1, 1);
}

T(limit_is_respected_oldest_first)
{
    need_member();
    conf_seed_order(conf_vt, conf_ud, "o3", "ORD3", "c3", "s1", CONF_T0 + 30,
                    ORDERS_STATUS_PENDING);
    conf_seed_order(conf_vt, conf_ud, "o1", "ORD1", "c1", "s1", CONF_T0 + 10,
                    ORDERS_STATUS_PENDING);
    conf_seed_order(conf_vt, conf_ud, "o2", "ORD2", "c2", "s1", CONF_T0 + 20,
                    ORDERS_STATUS_PENDING);
    const char *all[] = {"o1-ev0", "o1-ev1", "o2-ev0", "o2-ev1", "o3-ev0", "o3-ev1"};
    for (size_t i = 0; i < 6; i++)
        ack(all[i], false, true, CONF_T0, "down");
    counts(0, 6);

    char ids[256];
    int64_t now = CONF_T0 + 1000;
    cr_assert_eq(requeue(NULL, now, 1, ORDERS_OK), 1);
    due_ids(now, ids, sizeof ids);
    cr_assert_str_eq(ids, "o1-ev0", "the oldest (then smallest id) first");
    cr_assert_eq(requeue(NULL, now, 2, ORDERS_OK), 2);
    due_ids(now, ids, sizeof ids);
    cr_assert_str_eq(ids, "o1-ev0 o1-ev1 o2-ev0");
    counts(3, 3);
    cr_assert_eq(requeue(NULL, now, 2, ORDERS_OK), 2);
    counts(5, 1);
    cr_assert_eq(requeue(NULL, now, 5, ORDERS_OK), 1, "only one dead letter was left");
    due_ids(now, ids, sizeof ids);
    cr_assert_str_eq(ids, "o1-ev0 o1-ev1 o2-ev0 o2-ev1 o3-ev0 o3-ev1");
    counts(6, 0);
    requeue(NULL, now, 0, ORDERS_E_INVALID);
}

/* Events of one step created at the same instant go by id, not by the
 * order they were written in. */
T(same_created_at_goes_by_id)
{
    need_member();
    conf_line_t line = {"ext-s1", "s1", 1, 700};
    conf_seed_cart(conf_vt, conf_ud, "c9", &line, 1, CONF_T0);
    conf_place_t p;
    conf_place_init(&p, "o9", "ORD9", "c9", 1, &line, 1, false, CONF_T0);
    cr_assert_geq(p.tx.event_count, 2);
    free(p.events[0]->id);
    p.events[0]->id = conf_strdup("o9-b");
    free(p.events[1]->id);
    p.events[1]->id = conf_strdup("o9-a");
    conf_place_sync(&p);
    orders_error_t err = {0};
    cr_assert_eq(conf_vt->place(conf_ud, &p.tx, &p.result, &err), ORDERS_OK, "%s", err.message);
    size_t n = p.tx.event_count;
    conf_place_free(&p);
    ack("o9-b", false, true, CONF_T0, "down");
    ack("o9-a", false, true, CONF_T0, "down");

    cr_assert_eq(requeue(NULL, CONF_T0 + 5, 1, ORDERS_OK), 1);
    orders_event_list_t l = {0};
    fetch_due(CONF_T0 + 5, &l);
    cr_assert_not_null(find(&l, "o9-a"), "o9-a (the smaller id) was not requeued first");
    cr_assert_null(find(&l, "o9-b"), "o9-b was requeued beyond the limit");
    orders_event_list_clear(&l);
    counts((int64_t)n - 1, 1);

    /* both back: fetched in the order they were written, as before they died */
    cr_assert_eq(requeue(NULL, CONF_T0 + 5, 10, ORDERS_OK), 1);
    char ids[256];
    due_ids(CONF_T0 + 5, ids, sizeof ids);
    cr_assert(strncmp(ids, "o9-b o9-a", 9) == 0, "fetch order after requeue: %s", ids);
    counts((int64_t)n, 0);
}

T(by_id_not_found_conflict_and_success)
{
    need_member();
    conf_seed_order(conf_vt, conf_ud, "o1", "ORD1", "c1", "s1", CONF_T0, ORDERS_STATUS_PENDING);
    ack("o1-ev0", false, true, CONF_T0, "gave up");
    ack("o1-ev1", true, false, 0, NULL);
    conf_seed_order(conf_vt, conf_ud, "o2", "ORD2", "c2", "s1", CONF_T0, ORDERS_STATUS_PENDING);
    ack("o2-ev0", false, true, CONF_T0, "gave up");
    counts(1, 2); /* o2-ev1 pending; o1-ev0, o2-ev0 dead */

    int64_t now = CONF_T0 + 50;
    requeue("nope", now, 1, ORDERS_E_NOT_FOUND);
    requeue("o1-ev1", now, 1, ORDERS_E_NOT_FOUND); /* delivered */
    requeue("o2-ev1", now, 1, ORDERS_E_CONFLICT);  /* pending */
    counts(1, 2);

    cr_assert_eq(requeue("o2-ev0", now, 1, ORDERS_OK), 1);
    counts(2, 1);
    requeue("o2-ev0", now, 1, ORDERS_E_CONFLICT); /* pending now */
    orders_event_list_t l = {0};
    fetch_due(now, &l);
    const orders_event_t *e = find(&l, "o2-ev0");
    cr_assert_not_null(e, "the requeued event is not due");
    cr_expect_eq(e->attempts, 0);
    cr_expect_eq(e->next_attempt_at, now);
    conf_assert_str("last_error", "gave up", e->last_error);
    cr_assert_eq(e->type, ORDERS_EVENT_ORDER_PLACED, "payload changed");
    conf_assert_str("order_id", "o2", e->order_id);
    orders_event_list_clear(&l);
    /* limit does not apply to a requeue by id */
    cr_assert_eq(requeue("o1-ev0", now, 0, ORDERS_OK), 1);
    counts(3, 0);
}

/* ---- through the public API --------------------------------------------------- */

typedef struct notes {
    bool fail;     /* deliveries fail (ORDERS_E_UNAVAILABLE) while set */
    int delivered;
    int attempts_seen_max;
} notes_t;

static orders_code_t deliver(void *ud, const orders_event_t *e)
{
    notes_t *n = ud;
    if (e->attempts > n->attempts_seen_max)
        n->attempts_seen_max = e->attempts;
    if (n->fail)
        return ORDERS_E_BACKEND; /* not UNAVAILABLE: that stops a batch */
    n->delivered++;
    return ORDERS_OK;
}

static int64_t clock_now(void *ud)
{
    return *(const int64_t *)ud;
}

static void dispatch(orders_ctx_t *ctx, int64_t want_ok, int64_t want_failed)
{
    int64_t ok = -1, failed = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_dispatch(ctx, 100, &ok, &failed, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(ok, want_ok, "delivered %lld", (long long)ok);
    cr_assert_eq(failed, want_failed, "failed %lld", (long long)failed);
}

T(public_api_requeued_letters_are_dispatched_again)
{
    need_member();
    conf_seed_order(conf_vt, conf_ud, "o1", "ORD1", "c1", "s1", CONF_T0, ORDERS_STATUS_PENDING);
    orders_config_t cfg = orders_config_default();
    cfg.outbox_max_attempts = 2;
    cfg.outbox_backoff_ms = 0;
    orders_ctx_t *ctx = NULL;
    orders_error_t err = {0};
    int64_t now = CONF_T0 + 1;
    notes_t notes = {.fail = true};
    cr_assert_eq(orders_ctx_new(&cfg, &ctx, &err), ORDERS_OK, "%s", err.message);
    orders_ctx_set_clock(ctx, clock_now, &now);
    /* the suite keeps the store: no free function */
    cr_assert_eq(orders_ctx_set_store(ctx, conf_vt, conf_ud, NULL, &err), ORDERS_OK, "%s",
                 err.message);
    void *nud = orders_notifier_callback_new(deliver, &notes);
    cr_assert_not_null(nud);
    cr_assert_eq(orders_ctx_set_notifier(ctx, orders_notifier_callback_vtable(), nud,
                                         orders_notifier_callback_free, &err),
                 ORDERS_OK, "%s", err.message);

    dispatch(ctx, 0, 2);
    now += 10;
    dispatch(ctx, 0, 2); /* the second failure kills both */
    int64_t pending = -1, dead = -1, moved = -1;
    cr_assert_eq(orders_outbox_counts(ctx, &pending, &dead, &err), ORDERS_OK, "%s", err.message);
    cr_assert(pending == 0 && dead == 2, "pending %lld dead %lld", (long long)pending,
              (long long)dead);
    now += 10;
    dispatch(ctx, 0, 0); /* dead letters are not retried */

    notes.fail = false;
    notes.attempts_seen_max = 0;
    cr_assert_eq(orders_outbox_requeue(ctx, "o1-ev1", 1, &moved, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(moved, 1);
    cr_assert_eq(orders_outbox_requeue(ctx, "o1-ev1", 1, &moved, &err), ORDERS_E_CONFLICT);
    cr_assert_eq(orders_outbox_requeue(ctx, NULL, 100, &moved, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(moved, 1, "the other dead letter");
    dispatch(ctx, 2, 0);
    cr_assert_eq(notes.delivered, 2);
    cr_assert_eq(notes.attempts_seen_max, 0, "a requeued event kept its attempts");
    cr_assert_eq(orders_outbox_counts(ctx, &pending, &dead, &err), ORDERS_OK, "%s", err.message);
    cr_assert(pending == 0 && dead == 0, "pending %lld dead %lld", (long long)pending,
              (long long)dead);
    cr_assert_eq(orders_outbox_requeue(ctx, "o1-ev0", 1, &moved, &err), ORDERS_E_NOT_FOUND,
                 "a delivered event");
    orders_ctx_destroy(ctx);
}
