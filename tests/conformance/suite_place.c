/*
 * suite_place.c - place: the success path writes everything, every failure
 * leaves nothing behind; idempotency keys; order_get / order_get_by_number.
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static const char *const PRODUCTS[] = {"pA", "pB", "pC"};
static const conf_line_t LINES[] = {
    {"pA", "s1", 2, 1000},
    {"pB", "s2", 3, 250},
    {"pC", "s1", 1, 99},
};

/* Products pA, pB, pC with 10 units each; customer c1's cart at version 1. */
static void place_setup(void)
{
    conf_setup();
    conf_seed_product(conf_vt, conf_ud, "pA", "s1", 10);
    conf_seed_product(conf_vt, conf_ud, "pB", "s2", 10);
    conf_seed_product(conf_vt, conf_ud, "pC", "s1", 10);
    conf_seed_cart(conf_vt, conf_ud, "c1", LINES, 3, CONF_T0 - 1000);
}

#define T(name) Test(place, name, .init = place_setup, .fini = conf_teardown)

static orders_code_t place(conf_place_t *p, orders_error_t *err)
{
    memset(&p->result, 0, sizeof p->result);
    p->result.replayed_order_id[0] = 'X'; /* the store must reset it */
    p->result.short_available = -99;
    return conf_vt->place(conf_ud, &p->tx, &p->result, err);
}

static void assert_placed_ok(conf_place_t *p)
{
    orders_error_t err = {0};
    orders_code_t rc = place(p, &err);
    cr_assert_eq(rc, ORDERS_OK, "place %s: %d %s", p->order->id, rc, err.message);
    cr_assert_str_eq(p->result.replayed_order_id, "", "replayed_order_id set on a first placement: "
                     "\"%s\"", p->result.replayed_order_id);
}

/* After a failed placement of p by c1: nothing of p exists and c1's cart is
 * untouched at version 1 with its 3 lines. */
static void assert_failed_cleanly(const conf_place_t *p, const conf_snapshot_t *before)
{
    conf_assert_not_placed(conf_vt, conf_ud, p);
    conf_snapshot_assert_same(before, conf_vt, conf_ud);
    conf_assert_cart_at(conf_vt, conf_ud, "c1", 1, 3);
}

static void snapshot(conf_snapshot_t *s)
{
    conf_snapshot_take(s, conf_vt, conf_ud, PRODUCTS, 3);
}

T(success_writes_order_reservation_cart_events_history_and_key)
{
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "c1", 1, LINES, 3, true, CONF_T0);
    p.tx.idem_key = "key-1";
    p.tx.idem_hash = "hash-1";
    assert_placed_ok(&p);

    orders_order_t *o = NULL;
    cr_assert_eq(conf_vt->order_get(conf_ud, "o1", &o, NULL), ORDERS_OK, "order_get");
    conf_assert_order_eq(p.order, o);
    orders_order_free(o);
    o = NULL;
    cr_assert_eq(conf_vt->order_get_by_number(conf_ud, "ORD1001", &o, NULL), ORDERS_OK,
                 "order_get_by_number");
    conf_assert_order_eq(p.order, o);
    orders_order_free(o);

    orders_reservation_t *r = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, "o1", &r, NULL), ORDERS_OK, "reservation_get");
    conf_assert_reservation_eq(p.reservation, r);
    cr_assert_eq(r->status, ORDERS_RES_ACTIVE, "reservation not active");
    cr_assert(r->local_stock, "reservation lost local_stock");
    orders_reservation_free(r);

    conf_assert_stock(conf_vt, conf_ud, "pA", 8, 2, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 7, 3, 0);
    conf_assert_stock(conf_vt, conf_ud, "pC", 9, 1, 0);

    orders_cart_t *c = NULL;
    cr_assert_eq(conf_vt->cart_get(conf_ud, "c1", &c, NULL), ORDERS_OK, "cart_get");
    conf_assert_cart_eq(p.cleared_cart, c);
    cr_assert_eq(c->version, 2, "cleared cart version: expected 2, got %lld", (long long)c->version);
    orders_cart_free(c);

    orders_event_list_t ev = {0};
    cr_assert_eq(conf_vt->outbox_fetch(conf_ud, CONF_T0, 100, &ev, NULL), ORDERS_OK, "fetch");
    cr_assert_eq(ev.count, p.tx.event_count, "outbox: expected %zu events, got %zu",
                 p.tx.event_count, ev.count);
    for (size_t i = 0; i < ev.count; i++) {
        const orders_event_t *want = NULL;
        for (size_t j = 0; j < p.tx.event_count; j++)
            if (strcmp(p.events[j]->id, ev.items[i]->id) == 0)
                want = p.events[j];
        cr_assert_not_null(want, "unexpected event %s in the outbox", ev.items[i]->id);
        conf_assert_event_eq(want, ev.items[i]);
    }
    orders_event_list_clear(&ev);
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), (int64_t)p.tx.event_count, "pending");

    orders_history_list_t h = {0};
    cr_assert_eq(conf_vt->history_list(conf_ud, "o1", &h, NULL), ORDERS_OK, "history_list");
    cr_assert_eq(h.count, 1, "history: expected 1 entry, got %zu", h.count);
    conf_assert_history_eq(p.history[0], h.items[0]);
    orders_history_list_clear(&h);

    char oid[ORDERS_ID_MAX + 1] = "", hash[ORDERS_ID_MAX + 1] = "";
    cr_assert_eq(conf_vt->idem_get(conf_ud, "key-1", oid, hash, NULL), ORDERS_OK, "idem_get");
    cr_assert_str_eq(oid, "o1", "idem order id: expected o1, got %s", oid);
    cr_assert_str_eq(hash, "hash-1", "idem hash: expected hash-1, got %s", hash);
    conf_place_free(&p);
}

T(without_local_stock_no_stock_moves)
{
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "c1", 1, LINES, 3, false, CONF_T0);
    conf_snapshot_t before;
    snapshot(&before);
    assert_placed_ok(&p);
    for (size_t i = 0; i < 3; i++)
        conf_assert_stock(conf_vt, conf_ud, PRODUCTS[i], 10, 0, 0);
    orders_reservation_t *r = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, "o1", &r, NULL), ORDERS_OK, "reservation_get");
    conf_assert_reservation_eq(p.reservation, r);
    orders_reservation_free(r);
    conf_assert_cart_at(conf_vt, conf_ud, "c1", 2, 0);
    conf_place_free(&p);
}

T(without_local_stock_products_need_not_be_in_the_store)
{
    const conf_line_t ext[] = {{"remote-1", "s9", 5, 100}};
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "c1", 1, ext, 1, false, CONF_T0);
    assert_placed_ok(&p);
    orders_order_t *o = NULL;
    cr_assert_eq(conf_vt->order_get(conf_ud, "o1", &o, NULL), ORDERS_OK, "order_get");
    conf_assert_order_eq(p.order, o);
    orders_order_free(o);
    conf_place_free(&p);
}

T(stale_cart_version_is_conflict_and_leaves_nothing)
{
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "c1", 2, LINES, 3, true, CONF_T0);
    p.tx.idem_key = "key-1";
    p.tx.idem_hash = "hash-1";
    conf_snapshot_t before;
    snapshot(&before);
    orders_error_t err = {0};
    orders_code_t rc = place(&p, &err);
    cr_assert_eq(rc, ORDERS_E_CONFLICT, "stale cart version: expected CONFLICT, got %d", rc);
    cr_assert_eq(err.code, ORDERS_E_CONFLICT, "err->code not filled: %d", err.code);
    assert_failed_cleanly(&p, &before);
    conf_place_free(&p);
}

T(missing_cart_is_conflict_and_leaves_nothing)
{
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "nocart", 1, LINES, 3, true, CONF_T0);
    conf_snapshot_t before;
    snapshot(&before);
    orders_code_t rc = place(&p, NULL);
    cr_assert_eq(rc, ORDERS_E_CONFLICT, "placement without a cart: expected CONFLICT, got %d", rc);
    assert_failed_cleanly(&p, &before);
    orders_cart_t *c = NULL;
    rc = conf_vt->cart_get(conf_ud, "nocart", &c, NULL);
    orders_cart_free(c);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "a failed placement created a cart");
    conf_place_free(&p);
}

T(out_of_stock_on_second_line_takes_nothing)
{
    conf_line_t lines[3];
    memcpy(lines, LINES, sizeof lines);
    lines[1].quantity = 11;
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "c1", 1, lines, 3, true, CONF_T0);
    p.tx.idem_key = "key-1";
    p.tx.idem_hash = "hash-1";
    conf_snapshot_t before;
    snapshot(&before);
    orders_error_t err = {0};
    orders_code_t rc = place(&p, &err);
    cr_assert_eq(rc, ORDERS_E_OUT_OF_STOCK, "expected OUT_OF_STOCK, got %d", rc);
    cr_assert_str_eq(p.result.short_product_id, "pB", "short_product_id: expected pB, got %s",
                     p.result.short_product_id);
    cr_assert_eq(p.result.short_available, 10, "short_available: expected 10, got %lld",
                 (long long)p.result.short_available);
    conf_assert_stock(conf_vt, conf_ud, "pA", 10, 0, 0); /* line 1 was not taken */
    assert_failed_cleanly(&p, &before);
    conf_place_free(&p);
}

T(unknown_product_with_local_stock_fails_and_leaves_nothing)
{
    conf_line_t lines[3];
    memcpy(lines, LINES, sizeof lines);
    lines[2].product_id = "ghost";
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "c1", 1, lines, 3, true, CONF_T0);
    conf_snapshot_t before;
    snapshot(&before);
    orders_code_t rc = place(&p, NULL);
    cr_assert(rc == ORDERS_E_NOT_FOUND || rc == ORDERS_E_OUT_OF_STOCK,
              "unknown product: expected NOT_FOUND or OUT_OF_STOCK, got %d", rc);
    assert_failed_cleanly(&p, &before);
    orders_product_t *g = NULL;
    rc = conf_vt->product_get(conf_ud, "ghost", &g, NULL);
    orders_product_free(g);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "placement created product ghost");
    conf_place_free(&p);
}

/* o1 placed by c2 first (1 unit of pA); returns the stored order. */
static conf_place_t *place_first(void)
{
    conf_seed_cart(conf_vt, conf_ud, "c2", LINES, 1, CONF_T0 - 1000);
    static conf_place_t first;
    conf_place_init(&first, "o1", "ORD1001", "c2", 1, LINES, 1, true, CONF_T0);
    assert_placed_ok(&first);
    return &first;
}

static void assert_first_intact(const conf_place_t *first)
{
    orders_order_t *o = NULL;
    cr_assert_eq(conf_vt->order_get(conf_ud, first->order->id, &o, NULL), ORDERS_OK, "order_get");
    conf_assert_order_eq(first->order, o);
    orders_order_free(o);
    orders_reservation_t *r = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, first->order->id, &r, NULL), ORDERS_OK, "res");
    conf_assert_reservation_eq(first->reservation, r);
    orders_reservation_free(r);
    size_t h = conf_history_count(conf_vt, conf_ud, first->order->id);
    cr_assert_eq(h, 1, "history of the first order: expected 1 entry, got %zu", h);
}

T(duplicate_order_id_is_conflict_and_leaves_nothing)
{
    conf_place_t *first = place_first();
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD2002", "c1", 1, LINES, 3, true, CONF_T0 + 1);
    p.tx.idem_key = "key-2";
    p.tx.idem_hash = "hash-2";
    conf_snapshot_t before;
    snapshot(&before);
    orders_code_t rc = place(&p, NULL);
    cr_assert_eq(rc, ORDERS_E_CONFLICT, "duplicate order id: expected CONFLICT, got %d", rc);
    conf_snapshot_assert_same(&before, conf_vt, conf_ud);
    conf_assert_cart_at(conf_vt, conf_ud, "c1", 1, 3);
    assert_first_intact(first);
    orders_order_t *o = NULL;
    rc = conf_vt->order_get_by_number(conf_ud, "ORD2002", &o, NULL);
    orders_order_free(o);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "order number of the refused order was written");
    char oid[ORDERS_ID_MAX + 1], hash[ORDERS_ID_MAX + 1];
    cr_assert_eq(conf_vt->idem_get(conf_ud, "key-2", oid, hash, NULL), ORDERS_E_NOT_FOUND,
                 "idempotency key of the refused order was recorded");
    conf_place_free(&p);
    conf_place_free(first);
}

T(duplicate_order_number_is_conflict_and_leaves_nothing)
{
    conf_place_t *first = place_first();
    conf_place_t p;
    conf_place_init(&p, "o2", "ORD1001", "c1", 1, LINES, 3, true, CONF_T0 + 1);
    conf_snapshot_t before;
    snapshot(&before);
    orders_code_t rc = place(&p, NULL);
    cr_assert_eq(rc, ORDERS_E_CONFLICT, "duplicate order number: expected CONFLICT, got %d", rc);
    conf_snapshot_assert_same(&before, conf_vt, conf_ud);
    conf_assert_cart_at(conf_vt, conf_ud, "c1", 1, 3);
    assert_first_intact(first);
    orders_order_t *o = NULL;
    rc = conf_vt->order_get(conf_ud, "o2", &o, NULL);
    orders_order_free(o);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "refused order o2 was written");
    orders_reservation_t *r = NULL;
    rc = conf_vt->reservation_get(conf_ud, "o2", &r, NULL);
    orders_reservation_free(r);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "reservation of refused o2 was written");
    cr_assert_eq(conf_history_count(conf_vt, conf_ud, "o2"), 0, "history of o2 written");
    conf_place_free(&p);
    conf_place_free(first);
}

T(idempotent_replay_with_same_hash_writes_nothing)
{
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "c1", 1, LINES, 3, true, CONF_T0);
    p.tx.idem_key = "key-1";
    p.tx.idem_hash = "hash-1";
    assert_placed_ok(&p);
    conf_snapshot_t after_first;
    snapshot(&after_first);

    /* the very same request again (its cart version is stale by now) */
    orders_error_t err = {0};
    orders_code_t rc = place(&p, &err);
    cr_assert_eq(rc, ORDERS_OK, "replay: expected OK, got %d %s", rc, err.message);
    cr_assert_str_eq(p.result.replayed_order_id, "o1", "replayed_order_id: expected o1, got %s",
                     p.result.replayed_order_id);

    /* the same key and hash with a fresh order id and the current version */
    conf_place_t q;
    conf_place_init(&q, "o2", "ORD1002", "c1", 2, LINES, 3, true, CONF_T0 + 5);
    q.tx.idem_key = "key-1";
    q.tx.idem_hash = "hash-1";
    rc = place(&q, &err);
    cr_assert_eq(rc, ORDERS_OK, "replay with new ids: expected OK, got %d", rc);
    cr_assert_str_eq(q.result.replayed_order_id, "o1", "replayed_order_id: expected o1, got %s",
                     q.result.replayed_order_id);

    conf_snapshot_assert_same(&after_first, conf_vt, conf_ud);
    conf_assert_cart_at(conf_vt, conf_ud, "c1", 2, 0);
    cr_assert_eq(conf_history_count(conf_vt, conf_ud, "o1"), 1, "replay appended history");
    q.tx.idem_key = NULL; /* the key exists: check the rest only */
    conf_assert_not_placed(conf_vt, conf_ud, &q);
    conf_place_free(&q);
    conf_place_free(&p);
}

T(same_key_other_hash_is_idempotency_error_and_writes_nothing)
{
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "c1", 1, LINES, 3, true, CONF_T0);
    p.tx.idem_key = "key-1";
    p.tx.idem_hash = "hash-1";
    assert_placed_ok(&p);
    orders_cart_t *again = conf_cart_new("c1", 3, LINES, 3, CONF_T0 + 1);
    cr_assert_eq(conf_vt->cart_put(conf_ud, again, 2, NULL), ORDERS_OK, "refill cart");
    orders_cart_free(again);
    conf_snapshot_t before;
    snapshot(&before);

    conf_place_t q;
    conf_place_init(&q, "o2", "ORD1002", "c1", 3, LINES, 3, true, CONF_T0 + 5);
    q.tx.idem_key = "key-1";
    q.tx.idem_hash = "hash-OTHER";
    orders_error_t err = {0};
    orders_code_t rc = place(&q, &err);
    cr_assert_eq(rc, ORDERS_E_IDEMPOTENCY, "other hash: expected IDEMPOTENCY, got %d", rc);
    conf_snapshot_assert_same(&before, conf_vt, conf_ud);
    conf_assert_cart_at(conf_vt, conf_ud, "c1", 3, 3);
    char oid[ORDERS_ID_MAX + 1] = "", hash[ORDERS_ID_MAX + 1] = "";
    cr_assert_eq(conf_vt->idem_get(conf_ud, "key-1", oid, hash, NULL), ORDERS_OK, "idem_get");
    cr_assert(strcmp(oid, "o1") == 0 && strcmp(hash, "hash-1") == 0,
              "the key was rewritten: %s / %s", oid, hash);
    q.tx.idem_key = NULL;
    conf_assert_not_placed(conf_vt, conf_ud, &q);
    conf_place_free(&q);
    conf_place_free(&p);
}

T(failed_placement_does_not_record_its_key_and_a_retry_succeeds)
{
    conf_line_t lines[3];
    memcpy(lines, LINES, sizeof lines);
    lines[0].quantity = 50;
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "c1", 1, lines, 3, true, CONF_T0);
    p.tx.idem_key = "key-1";
    p.tx.idem_hash = "hash-1";
    orders_code_t rc = place(&p, NULL);
    cr_assert_eq(rc, ORDERS_E_OUT_OF_STOCK, "expected OUT_OF_STOCK, got %d", rc);
    cr_assert_str_eq(p.result.short_product_id, "pA", "short_product_id: %s",
                     p.result.short_product_id);
    cr_assert_eq(p.result.short_available, 10, "short_available: %lld",
                 (long long)p.result.short_available);
    cr_assert_eq(conf_vt->stock_change(conf_ud, "pA", ORDERS_STOCK_SET_AVAILABLE, 60, NULL, NULL),
                 ORDERS_OK, "restock");
    assert_placed_ok(&p);
    conf_assert_stock(conf_vt, conf_ud, "pA", 10, 50, 0);
    conf_place_free(&p);
}

T(two_placements_accumulate_reserved_stock)
{
    conf_seed_cart(conf_vt, conf_ud, "c2", LINES, 3, CONF_T0);
    conf_place_t p, q;
    conf_place_init(&p, "o1", "ORD1001", "c1", 1, LINES, 3, true, CONF_T0);
    conf_place_init(&q, "o2", "ORD1002", "c2", 1, LINES, 2, true, CONF_T0 + 1);
    assert_placed_ok(&p);
    assert_placed_ok(&q);
    conf_assert_stock(conf_vt, conf_ud, "pA", 6, 4, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 4, 6, 0);
    conf_assert_stock(conf_vt, conf_ud, "pC", 9, 1, 0);
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud),
                 (int64_t)(p.tx.event_count + q.tx.event_count), "events of both placements");
    conf_place_free(&q);
    conf_place_free(&p);
}

T(order_get_and_get_by_number_of_unknown_are_not_found)
{
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->order_get(conf_ud, "nope", &o, &err);
    orders_order_free(o);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "order_get unknown: %d", rc);
    cr_assert_eq(err.code, ORDERS_E_NOT_FOUND, "err->code not filled: %d", err.code);
    o = NULL;
    rc = conf_vt->order_get_by_number(conf_ud, "ORD0", &o, NULL);
    orders_order_free(o);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "order_get_by_number unknown: %d", rc);
    /* an order id is not an order number and vice versa */
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "c1", 1, LINES, 1, true, CONF_T0);
    assert_placed_ok(&p);
    o = NULL;
    rc = conf_vt->order_get_by_number(conf_ud, "o1", &o, NULL);
    orders_order_free(o);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "order_get_by_number found an order by its id");
    o = NULL;
    rc = conf_vt->order_get(conf_ud, "ORD1001", &o, NULL);
    orders_order_free(o);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "order_get found an order by its number");
    conf_assert_stock(conf_vt, conf_ud, "pA", 8, 2, 0);
    conf_place_free(&p);
}

/* A placement accepted at once (cash on delivery) carries a CONFIRMED
 * reservation: its units go straight from available to sold, all or none,
 * and it is never due for expiry. */
T(confirmed_reservation_sells_at_once)
{
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1001", "c1", 1, LINES, 3, true, CONF_T0);
    p.reservation->status = ORDERS_RES_CONFIRMED;
    assert_placed_ok(&p);
    conf_assert_stock(conf_vt, conf_ud, "pA", 8, 0, 2);
    conf_assert_stock(conf_vt, conf_ud, "pB", 7, 0, 3);
    conf_assert_stock(conf_vt, conf_ud, "pC", 9, 0, 1);
    conf_assert_res_status(conf_vt, conf_ud, "o1", ORDERS_RES_CONFIRMED);
    orders_string_list_t due = {0};
    cr_assert_eq(conf_vt->reservations_due(conf_ud, CONF_T0 + 365LL * 86400000, 10, &due, NULL),
                 ORDERS_OK);
    cr_assert_eq(due.count, 0u, "a confirmed reservation is never due");
    orders_string_list_clear(&due);
    conf_place_free(&p);
}

T(confirmed_reservation_short_line_sells_nothing)
{
    conf_line_t big[3];
    memcpy(big, LINES, sizeof big);
    big[1].quantity = 11; /* pB has 10 */
    conf_seed_cart(conf_vt, conf_ud, "c2", big, 3, CONF_T0 - 1000);
    conf_snapshot_t before;
    snapshot(&before);
    conf_place_t p;
    conf_place_init(&p, "o2", "ORD1002", "c2", 1, big, 3, true, CONF_T0);
    p.reservation->status = ORDERS_RES_CONFIRMED;
    orders_error_t err = {0};
    cr_assert_eq(place(&p, &err), ORDERS_E_OUT_OF_STOCK, "%s", err.message);
    cr_assert_str_eq(p.result.short_product_id, "pB");
    cr_assert_eq(p.result.short_available, 10);
    conf_assert_not_placed(conf_vt, conf_ud, &p);
    conf_snapshot_assert_same(&before, conf_vt, conf_ud);
    conf_place_free(&p);
}
