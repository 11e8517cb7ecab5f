/*
 * suite_misc.c - wallet ledger, outbox, history, analytics counters,
 * idempotency keys and sequences.
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#define T(suite, name) Test(suite, name, .init = conf_setup, .fini = conf_teardown)

/* ---- wallet ---------------------------------------------------------------- */

static int64_t balance(const char *customer, const char *currency)
{
    int64_t b = -12345;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->wallet_balance(conf_ud, customer, currency, &b, &err);
    cr_assert_eq(rc, ORDERS_OK, "wallet_balance(%s, %s): %d %s", customer, currency, rc,
                 err.message);
    return b;
}

static orders_code_t apply(const char *customer, const char *currency, int64_t delta,
                           const char *ref, int64_t *after)
{
    if (after)
        *after = -12345;
    return conf_vt->wallet_apply(conf_ud, customer, currency, delta, ref, CONF_T0, after, NULL);
}

static void apply_ok(const char *customer, const char *currency, int64_t delta, const char *ref,
                     int64_t expect_after)
{
    int64_t after;
    orders_code_t rc = apply(customer, currency, delta, ref, &after);
    cr_assert_eq(rc, ORDERS_OK, "wallet_apply(%s, %lld, %s): %d", customer, (long long)delta, ref,
                 rc);
    cr_assert_eq(after, expect_after, "balance after %s: expected %lld, got %lld", ref,
                 (long long)expect_after, (long long)after);
    int64_t b = balance(customer, currency);
    cr_assert_eq(b, expect_after, "wallet_balance after %s: expected %lld, got %lld", ref,
                 (long long)expect_after, (long long)b);
}

T(wallet, unknown_balance_is_zero)
{
    cr_assert_eq(balance("nobody", "USD"), 0, "balance of an unknown customer");
}

T(wallet, credit_and_debit)
{
    apply_ok("c1", "USD", 1000, "r1", 1000);
    apply_ok("c1", "USD", -300, "r2", 700);
    apply_ok("c1", "USD", 50, "r3", 750);
    apply_ok("c1", "USD", -750, "r4", 0);
    cr_assert_eq(apply("c1", "USD", 5, "r5", NULL), ORDERS_OK, "NULL balance out accepted");
    cr_assert_eq(balance("c1", "USD"), 5, "balance after r5");
}

T(wallet, insufficient_funds_changes_nothing_and_keeps_ref_free)
{
    apply_ok("c1", "USD", 700, "r1", 700);
    orders_error_t err = {0};
    int64_t after = 0;
    orders_code_t rc = conf_vt->wallet_apply(conf_ud, "c1", "USD", -701, "r2", CONF_T0, &after, &err);
    cr_assert_eq(rc, ORDERS_E_INSUFFICIENT_FUNDS, "debit over balance: expected "
                 "INSUFFICIENT_FUNDS, got %d", rc);
    cr_assert_eq(err.code, ORDERS_E_INSUFFICIENT_FUNDS, "err->code not filled: %d", err.code);
    cr_assert_eq(balance("c1", "USD"), 700, "refused debit changed the balance");
    /* the refused ref was not recorded: after a top-up the same ref applies */
    apply_ok("c1", "USD", 1, "r3", 701);
    apply_ok("c1", "USD", -701, "r2", 0);
    cr_assert_eq(apply("nobody", "USD", -1, "r9", NULL), ORDERS_E_INSUFFICIENT_FUNDS,
                 "debit of an unknown wallet");
    cr_assert_eq(balance("nobody", "USD"), 0, "refused debit created a negative wallet");
}

T(wallet, ref_is_applied_once)
{
    apply_ok("c1", "USD", 500, "r1", 500);
    apply_ok("c1", "USD", 500, "r1", 500);          /* replay: nothing changes */
    apply_ok("c1", "USD", 999, "r1", 500);          /* even with another amount */
    apply_ok("c1", "USD", -200, "r2", 300);
    apply_ok("c1", "USD", -200, "r2", 300);
    apply_ok("c1", "USD", 25, "r3", 325);
    apply_ok("c1", "USD", 500, "r1", 325);          /* replay answers the current balance */
    int64_t after = 0;
    cr_assert_eq(apply("c1", "USD", -10000, "r2", &after), ORDERS_OK,
                 "replay of an applied ref must not be judged again");
    cr_assert_eq(after, 325, "replay balance: %lld", (long long)after);
}

T(wallet, currencies_and_customers_are_separate)
{
    apply_ok("c1", "USD", 1000, "r1", 1000);
    apply_ok("c1", "EUR", 30, "r2", 30);
    apply_ok("c2", "USD", 7, "r3", 7);
    cr_assert_eq(apply("c1", "EUR", -31, "r4", NULL), ORDERS_E_INSUFFICIENT_FUNDS,
                 "EUR debit paid from USD");
    cr_assert_eq(apply("c2", "USD", -8, "r5", NULL), ORDERS_E_INSUFFICIENT_FUNDS,
                 "c2 debit paid from c1");
    cr_assert_eq(balance("c1", "USD"), 1000, "c1 USD");
    cr_assert_eq(balance("c1", "EUR"), 30, "c1 EUR");
    cr_assert_eq(balance("c2", "USD"), 7, "c2 USD");
    cr_assert_eq(balance("c2", "EUR"), 0, "c2 EUR");
    cr_assert_eq(balance("c1", "JPY"), 0, "c1 JPY");
}

/* ---- outbox --------------------------------------------------------------- */

/* o1 at T0+10, o2 at T0, o3 at T0+20: two events each (ev0, ev1). */
static void seed_events(void)
{
    conf_seed_order(conf_vt, conf_ud, "o1", "ORD1", "c1", "s1", CONF_T0 + 10, ORDERS_STATUS_PENDING);
    conf_seed_order(conf_vt, conf_ud, "o2", "ORD2", "c2", "s1", CONF_T0, ORDERS_STATUS_PENDING);
    conf_seed_order(conf_vt, conf_ud, "o3", "ORD3", "c3", "s1", CONF_T0 + 20, ORDERS_STATUS_PENDING);
}

static void fetch(int64_t now, int64_t limit, orders_event_list_t *l)
{
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->outbox_fetch(conf_ud, now, limit, l, &err);
    cr_assert_eq(rc, ORDERS_OK, "outbox_fetch: %d %s", rc, err.message);
}

static const orders_event_t *find(const orders_event_list_t *l, const char *id)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i]->id, id) == 0)
            return l->items[i];
    return NULL;
}

static orders_code_t ack(const char *id, bool delivered, bool dead, int64_t next, const char *e)
{
    return conf_vt->outbox_ack(conf_ud, id, delivered, dead, next, e, NULL);
}

T(outbox, counts_of_empty_store_are_zero)
{
    int64_t pending = -1, dead = -1;
    cr_assert_eq(conf_vt->outbox_counts(conf_ud, &pending, &dead, NULL), ORDERS_OK, "counts");
    cr_assert(pending == 0 && dead == 0, "pending %lld dead %lld", (long long)pending,
              (long long)dead);
    orders_event_list_t l = {0};
    fetch(CONF_FAR_FUTURE, 10, &l);
    cr_assert_eq(l.count, 0, "fetch of an empty outbox returned %zu", l.count);
}

T(outbox, fetch_returns_due_events_oldest_first)
{
    seed_events();
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), 6, "pending after 3 placements");
    orders_event_list_t l = {0};
    fetch(CONF_T0 + 10, 100, &l);
    cr_assert_eq(l.count, 4, "due at T0+10: expected 4 events (o2, o1), got %zu", l.count);
    for (size_t i = 0; i < l.count; i++) {
        const char *oid = i < 2 ? "o2" : "o1";
        cr_assert_str_eq(l.items[i]->order_id, oid, "event %zu: expected one of %s, got %s (%s)",
                         i, oid, l.items[i]->order_id, l.items[i]->id);
    }
    cr_assert(!find(&l, "o3-ev0") && !find(&l, "o3-ev1"), "event not yet due was fetched");
    orders_event_list_clear(&l);
    fetch(CONF_T0 - 1, 100, &l);
    cr_assert_eq(l.count, 0, "fetch before anything is due returned %zu", l.count);
    fetch(CONF_T0 + 20, 100, &l);
    cr_assert_eq(l.count, 6, "all due: expected 6, got %zu", l.count);
    for (size_t i = 1; i < l.count; i++)
        cr_assert(l.items[i - 1]->created_at <= l.items[i]->created_at, "not oldest first at %zu",
                  i);
    orders_event_list_clear(&l);
}

T(outbox, fetch_respects_limit)
{
    seed_events();
    orders_event_list_t l = {0};
    fetch(CONF_FAR_FUTURE, 3, &l);
    cr_assert_eq(l.count, 3, "limit 3: got %zu", l.count);
    cr_assert(strcmp(l.items[0]->order_id, "o2") == 0 && strcmp(l.items[1]->order_id, "o2") == 0 &&
                  strcmp(l.items[2]->order_id, "o1") == 0,
              "limit 3 did not return the three oldest: %s %s %s", l.items[0]->id, l.items[1]->id,
              l.items[2]->id);
    orders_event_list_clear(&l);
    fetch(CONF_FAR_FUTURE, 1, &l);
    cr_assert_eq(l.count, 1, "limit 1: got %zu", l.count);
    orders_event_list_clear(&l);
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), 6, "fetch changed the pending count");
}

T(outbox, ack_delivered_removes_the_event)
{
    seed_events();
    cr_assert_eq(ack("o2-ev0", true, false, 0, NULL), ORDERS_OK, "ack delivered");
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), 5, "pending after delivery");
    cr_assert_eq(conf_outbox_dead(conf_vt, conf_ud), 0, "dead after delivery");
    orders_event_list_t l = {0};
    fetch(CONF_FAR_FUTURE, 100, &l);
    cr_assert_eq(l.count, 5, "fetch after delivery: %zu", l.count);
    cr_assert_null(find(&l, "o2-ev0"), "delivered event fetched again");
    orders_event_list_clear(&l);
}

T(outbox, ack_failure_counts_the_attempt_and_delays)
{
    seed_events();
    cr_assert_eq(ack("o2-ev1", false, false, CONF_T0 + 1000, "timeout"), ORDERS_OK, "ack failed");
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), 6, "a failed event is still pending");
    orders_event_list_t l = {0};
    fetch(CONF_T0 + 999, 100, &l);
    cr_assert_null(find(&l, "o2-ev1"), "delayed event fetched before next_attempt_at");
    cr_assert_not_null(find(&l, "o2-ev0"), "other event of o2 missing");
    orders_event_list_clear(&l);
    fetch(CONF_T0 + 1000, 100, &l);
    const orders_event_t *e = find(&l, "o2-ev1");
    cr_assert_not_null(e, "delayed event not fetched at next_attempt_at");
    cr_assert_eq(e->attempts, 1, "attempts: expected 1, got %d", e->attempts);
    cr_assert_eq(e->next_attempt_at, CONF_T0 + 1000, "next_attempt_at: %lld",
                 (long long)e->next_attempt_at);
    conf_assert_str("last_error", "timeout", e->last_error);
    cr_assert_eq(e->created_at, CONF_T0, "created_at changed: %lld", (long long)e->created_at);
    orders_event_list_clear(&l);
    cr_assert_eq(ack("o2-ev1", false, false, CONF_T0 + 3000, "refused"), ORDERS_OK, "ack 2");
    fetch(CONF_T0 + 3000, 100, &l);
    e = find(&l, "o2-ev1");
    cr_assert_not_null(e, "event missing after second failure");
    cr_assert_eq(e->attempts, 2, "attempts: expected 2, got %d", e->attempts);
    conf_assert_str("last_error", "refused", e->last_error);
    orders_event_list_clear(&l);
}

T(outbox, ack_dead_moves_the_event_to_dead_letters)
{
    seed_events();
    cr_assert_eq(ack("o1-ev0", false, true, CONF_T0 + 50, "gave up"), ORDERS_OK, "ack dead");
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), 5, "pending after dead letter");
    cr_assert_eq(conf_outbox_dead(conf_vt, conf_ud), 1, "dead count");
    orders_event_list_t l = {0};
    fetch(CONF_FAR_FUTURE, 100, &l);
    cr_assert_eq(l.count, 5, "fetch after dead letter: %zu", l.count);
    cr_assert_null(find(&l, "o1-ev0"), "dead event fetched");
    orders_event_list_clear(&l);
    cr_assert_eq(ack("o1-ev1", true, false, 0, NULL), ORDERS_OK, "deliver another");
    cr_assert_eq(conf_outbox_dead(conf_vt, conf_ud), 1, "delivery counted as dead");
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), 4, "pending");
}

T(outbox, ack_of_unknown_event_is_not_found)
{
    seed_events();
    cr_assert_eq(ack("nope", true, false, 0, NULL), ORDERS_E_NOT_FOUND, "ack unknown delivered");
    cr_assert_eq(ack("nope", false, false, CONF_T0, "x"), ORDERS_E_NOT_FOUND, "ack unknown failed");
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), 6, "pending changed");
}

/* ---- history ------------------------------------------------------------------ */

T(history, unknown_order_has_no_entries)
{
    cr_assert_eq(conf_history_count(conf_vt, conf_ud, "nope"), 0, "entries for an unknown order");
}

T(history, entries_come_back_whole_oldest_first_per_order)
{
    const conf_line_t line[] = {{"ext", "s1", 1, 10}};
    conf_seed_cart(conf_vt, conf_ud, "c1", line, 1, CONF_T0);
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1", "c1", 1, line, 1, false, CONF_T0);
    p.history[1] = conf_history_new("o1", CONF_T0 + 1, "system", "pending", "confirmed",
                                    "paid by wallet");
    conf_place_sync(&p);
    cr_assert_eq(conf_vt->place(conf_ud, &p.tx, &p.result, NULL), ORDERS_OK, "place");
    conf_seed_order(conf_vt, conf_ud, "o2", "ORD2", "c2", "s1", CONF_T0 + 2, ORDERS_STATUS_PENDING);
    orders_order_t *cur = NULL;
    cr_assert_eq(conf_vt->order_get(conf_ud, "o1", &cur, NULL), ORDERS_OK, "order_get");
    conf_update_t u;
    conf_update_init(&u, cur, ORDERS_STATUS_PROCESSING, ORDERS_RES_EFFECT_NONE, CONF_T0 + 5, NULL);
    cr_assert_eq(conf_vt->order_update(conf_ud, &u.tx, NULL), ORDERS_OK, "update");

    orders_history_list_t l = {0};
    cr_assert_eq(conf_vt->history_list(conf_ud, "o1", &l, NULL), ORDERS_OK, "history_list");
    cr_assert_eq(l.count, 3, "o1 history: expected 3 entries, got %zu", l.count);
    conf_assert_history_eq(p.history[0], l.items[0]);
    conf_assert_history_eq(p.history[1], l.items[1]);
    conf_assert_history_eq(u.history, l.items[2]);
    orders_history_list_clear(&l);
    cr_assert_eq(conf_history_count(conf_vt, conf_ud, "o2"), 1, "o2 history");
    conf_update_free(&u);
    orders_order_free(cur);
    conf_place_free(&p);
}

/* ---- analytics counters -------------------------------------------------------------- */

static int64_t stat_count(const char *kind, int64_t from, int64_t to)
{
    int64_t n = -1;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->stat_count(conf_ud, kind, from, to, &n, &err);
    cr_assert_eq(rc, ORDERS_OK, "stat_count(%s): %d %s", kind, rc, err.message);
    return n;
}

T(stats, count_by_kind_over_half_open_range)
{
    const int64_t at[] = {CONF_T0, CONF_T0 + 5, CONF_T0 + 5, CONF_T0 + 10};
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(conf_vt->stat_add(conf_ud, "cart_created", at[i], NULL), ORDERS_OK, "add");
    cr_assert_eq(conf_vt->stat_add(conf_ud, "out_of_stock", CONF_T0 + 5, NULL), ORDERS_OK, "add");
    cr_assert_eq(stat_count("cart_created", CONF_T0, CONF_T0 + 10), 3, "[T0, T0+10)");
    cr_assert_eq(stat_count("cart_created", CONF_T0, CONF_T0 + 11), 4, "[T0, T0+11)");
    cr_assert_eq(stat_count("cart_created", CONF_T0 + 1, CONF_T0 + 10), 2, "[T0+1, T0+10)");
    cr_assert_eq(stat_count("cart_created", CONF_T0 + 5, CONF_T0 + 6), 2, "same instant twice");
    cr_assert_eq(stat_count("cart_created", CONF_T0 + 5, CONF_T0 + 5), 0, "empty range");
    cr_assert_eq(stat_count("out_of_stock", 0, CONF_FAR_FUTURE), 1, "other kind");
    cr_assert_eq(stat_count("reservation_conflict", 0, CONF_FAR_FUTURE), 0, "unused kind");
}

/* ---- idempotency keys ------------------------------------------------------------------ */

T(idempotency, unknown_key_is_not_found)
{
    char oid[ORDERS_ID_MAX + 1], hash[ORDERS_ID_MAX + 1];
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->idem_get(conf_ud, "nope", oid, hash, &err);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "idem_get unknown: %d", rc);
    cr_assert_eq(err.code, ORDERS_E_NOT_FOUND, "err->code not filled: %d", err.code);
}

T(idempotency, each_key_keeps_its_order_and_hash)
{
    const conf_line_t line[] = {{"ext", "s1", 1, 10}};
    const char *keys[] = {"k1", "k2"}, *hashes[] = {"h1", "h2"}, *ids[] = {"o1", "o2"};
    const char *customers[] = {"c1", "c2"}, *numbers[] = {"ORD1", "ORD2"};
    for (int i = 0; i < 2; i++) {
        conf_seed_cart(conf_vt, conf_ud, customers[i], line, 1, CONF_T0);
        conf_place_t p;
        conf_place_init(&p, ids[i], numbers[i], customers[i], 1, line, 1, false, CONF_T0);
        p.tx.idem_key = keys[i];
        p.tx.idem_hash = hashes[i];
        cr_assert_eq(conf_vt->place(conf_ud, &p.tx, &p.result, NULL), ORDERS_OK, "place");
        conf_place_free(&p);
    }
    for (int i = 0; i < 2; i++) {
        char oid[ORDERS_ID_MAX + 1] = "", hash[ORDERS_ID_MAX + 1] = "";
        cr_assert_eq(conf_vt->idem_get(conf_ud, keys[i], oid, hash, NULL), ORDERS_OK, "idem_get");
        cr_assert_str_eq(oid, ids[i], "key %s: order %s, expected %s", keys[i], oid, ids[i]);
        cr_assert_str_eq(hash, hashes[i], "key %s: hash %s, expected %s", keys[i], hash, hashes[i]);
    }
}

/* ---- sequences ---------------------------------------------------------------------- */

static int64_t next(const char *name)
{
    int64_t v = -1;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->sequence_next(conf_ud, name, &v, &err);
    cr_assert_eq(rc, ORDERS_OK, "sequence_next(%s): %d %s", name, rc, err.message);
    return v;
}

T(sequences, start_at_one_and_count_up_per_name)
{
    cr_assert_eq(next("order"), 1, "first value");
    cr_assert_eq(next("order"), 2, "second value");
    cr_assert_eq(next("invoice"), 1, "another name starts at 1");
    for (int64_t i = 3; i <= 100; i++) {
        int64_t v = next("order");
        cr_assert_eq(v, i, "order value %lld: got %lld", (long long)i, (long long)v);
    }
    cr_assert_eq(next("invoice"), 2, "invoice after many orders");
}
