/*
 * suite_update.c - order_update with each reservation effect, and the order
 * queries order_list and order_scan.
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const PRODUCTS[] = {"pA", "pB"};
static const conf_line_t LINES[] = {
    {"pA", "s1", 2, 1000},
    {"pB", "s2", 3, 250},
};
#define DEADLINE (CONF_T0 + CONF_RES_WINDOW)

static conf_place_t placed; /* o1 of c1, placed at CONF_T0 with local stock */

static void update_setup(void)
{
    conf_setup();
    conf_seed_product(conf_vt, conf_ud, "pA", "s1", 10);
    conf_seed_product(conf_vt, conf_ud, "pB", "s2", 10);
    conf_seed_cart(conf_vt, conf_ud, "c1", LINES, 2, CONF_T0 - 1000);
    conf_place_init(&placed, "o1", "ORD1001", "c1", 1, LINES, 2, true, CONF_T0);
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->place(conf_ud, &placed.tx, &placed.result, &err);
    cr_assert_eq(rc, ORDERS_OK, "setup place: %d %s", rc, err.message);
    conf_assert_stock(conf_vt, conf_ud, "pA", 8, 2, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 7, 3, 0);
}

static void update_teardown(void)
{
    conf_place_free(&placed);
    conf_teardown();
}

#define T(name) Test(update, name, .init = update_setup, .fini = update_teardown)

static orders_order_t *get(const char *id)
{
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->order_get(conf_ud, id, &o, &err);
    cr_assert_eq(rc, ORDERS_OK, "order_get(%s): %d %s", id, rc, err.message);
    return o;
}

static void assert_order_is(const orders_order_t *expected)
{
    orders_order_t *o = get(expected->id);
    conf_assert_order_eq(expected, o);
    orders_order_free(o);
}

/* Builds an update of the stored o1 (caller frees) and runs it. */
static orders_code_t update(conf_update_t *u, orders_status_t to, orders_res_effect_t effect,
                            int64_t now)
{
    orders_order_t *cur = get("o1");
    conf_update_init(u, cur, to, effect, now, NULL);
    orders_order_free(cur);
    return conf_vt->order_update(conf_ud, &u->tx, NULL);
}

static void update_ok(orders_status_t to, orders_res_effect_t effect, int64_t now)
{
    conf_update_t u;
    orders_code_t rc = update(&u, to, effect, now);
    cr_assert_eq(rc, ORDERS_OK, "update of o1 (effect %d): %d", effect, rc);
    assert_order_is(u.order);
    conf_update_free(&u);
}

/* A refused update: rc is `code`, and the order, stock, outbox and history
 * are as before. */
static void assert_refused(orders_status_t to, orders_res_effect_t effect, int64_t now,
                           orders_code_t code)
{
    orders_order_t *before = get("o1");
    size_t hist = conf_history_count(conf_vt, conf_ud, "o1");
    orders_reservation_t *r0 = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, "o1", &r0, NULL), ORDERS_OK, "res");
    conf_snapshot_t snap;
    conf_snapshot_take(&snap, conf_vt, conf_ud, PRODUCTS, 2);
    conf_update_t u;
    orders_code_t rc = update(&u, to, effect, now);
    conf_update_free(&u);
    cr_assert_eq(rc, code, "effect %d at %+lld ms from placement: expected code %d, got %d",
                 effect, (long long)(now - CONF_T0), code, rc);
    assert_order_is(before);
    conf_snapshot_assert_same(&snap, conf_vt, conf_ud);
    size_t h = conf_history_count(conf_vt, conf_ud, "o1");
    cr_assert_eq(h, hist, "refused update appended history: %zu -> %zu", hist, h);
    orders_reservation_t *r1 = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, "o1", &r1, NULL), ORDERS_OK, "res");
    conf_assert_reservation_eq(r0, r1);
    orders_reservation_free(r1);
    orders_reservation_free(r0);
    orders_order_free(before);
}

T(no_effect_replaces_order_and_appends_event_and_history)
{
    conf_update_t u;
    orders_code_t rc = update(&u, ORDERS_STATUS_PROCESSING, ORDERS_RES_EFFECT_NONE, CONF_T0 + 10);
    cr_assert_eq(rc, ORDERS_OK, "update: %d", rc);
    assert_order_is(u.order);
    conf_assert_res_status(conf_vt, conf_ud, "o1", ORDERS_RES_ACTIVE);
    conf_assert_stock(conf_vt, conf_ud, "pA", 8, 2, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 7, 3, 0);

    orders_history_list_t h = {0};
    cr_assert_eq(conf_vt->history_list(conf_ud, "o1", &h, NULL), ORDERS_OK, "history_list");
    cr_assert_eq(h.count, 2, "history: expected 2 entries, got %zu", h.count);
    conf_assert_history_eq(placed.history[0], h.items[0]);
    conf_assert_history_eq(u.history, h.items[1]);
    orders_history_list_clear(&h);

    int64_t pending = conf_outbox_pending(conf_vt, conf_ud);
    cr_assert_eq(pending, (int64_t)placed.tx.event_count + 1, "pending events: %lld",
                 (long long)pending);
    orders_event_list_t ev = {0};
    cr_assert_eq(conf_vt->outbox_fetch(conf_ud, CONF_T0 + 10, 100, &ev, NULL), ORDERS_OK, "fetch");
    bool found = false;
    for (size_t i = 0; i < ev.count; i++)
        if (strcmp(ev.items[i]->id, u.event->id) == 0) {
            conf_assert_event_eq(u.event, ev.items[i]);
            found = true;
        }
    orders_event_list_clear(&ev);
    cr_assert(found, "the update's event is not in the outbox");
    conf_update_free(&u);
}

T(stale_expected_version_is_conflict_and_writes_nothing)
{
    conf_update_t u;
    orders_order_t *cur = get("o1");
    conf_update_init(&u, cur, ORDERS_STATUS_CONFIRMED, ORDERS_RES_EFFECT_CONFIRM, CONF_T0 + 10,
                     NULL);
    u.tx.expected_version = 2;
    u.order->version = 3;
    conf_snapshot_t snap;
    conf_snapshot_take(&snap, conf_vt, conf_ud, PRODUCTS, 2);
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->order_update(conf_ud, &u.tx, &err);
    cr_assert_eq(rc, ORDERS_E_CONFLICT, "expected CONFLICT, got %d", rc);
    cr_assert_eq(err.code, ORDERS_E_CONFLICT, "err->code not filled: %d", err.code);
    assert_order_is(cur);
    conf_snapshot_assert_same(&snap, conf_vt, conf_ud);
    conf_assert_res_status(conf_vt, conf_ud, "o1", ORDERS_RES_ACTIVE);
    cr_assert_eq(conf_history_count(conf_vt, conf_ud, "o1"), 1, "history appended");
    conf_update_free(&u);
    orders_order_free(cur);
}

T(second_writer_of_the_same_version_loses)
{
    orders_order_t *v1 = get("o1");
    conf_update_t a, b;
    conf_update_init(&a, v1, ORDERS_STATUS_CONFIRMED, ORDERS_RES_EFFECT_NONE, CONF_T0 + 10, "a");
    conf_update_init(&b, v1, ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_RELEASE, CONF_T0 + 11, "b");
    cr_assert_eq(conf_vt->order_update(conf_ud, &a.tx, NULL), ORDERS_OK, "first writer");
    cr_assert_eq(conf_vt->order_update(conf_ud, &b.tx, NULL), ORDERS_E_CONFLICT, "second writer");
    assert_order_is(a.order);
    conf_assert_res_status(conf_vt, conf_ud, "o1", ORDERS_RES_ACTIVE);
    conf_assert_stock(conf_vt, conf_ud, "pA", 8, 2, 0);
    cr_assert_eq(conf_history_count(conf_vt, conf_ud, "o1"), 2, "history entries");
    conf_update_free(&b);
    conf_update_free(&a);
    orders_order_free(v1);
}

T(unknown_order_is_not_found_and_writes_nothing)
{
    orders_order_t *cur = get("o1");
    free(cur->id);
    cur->id = conf_strdup("ghost");
    free(cur->order_number);
    cur->order_number = conf_strdup("ORD9999");
    conf_update_t u;
    conf_update_init(&u, cur, ORDERS_STATUS_CONFIRMED, ORDERS_RES_EFFECT_NONE, CONF_T0 + 1, NULL);
    int64_t pending = conf_outbox_pending(conf_vt, conf_ud);
    orders_code_t rc = conf_vt->order_update(conf_ud, &u.tx, NULL);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "update of unknown order: expected NOT_FOUND, got %d", rc);
    orders_order_t *o = NULL;
    rc = conf_vt->order_get(conf_ud, "ghost", &o, NULL);
    orders_order_free(o);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "update created order ghost");
    cr_assert_eq(conf_outbox_pending(conf_vt, conf_ud), pending, "events written");
    cr_assert_eq(conf_history_count(conf_vt, conf_ud, "ghost"), 0, "history written");
    conf_update_free(&u);
    orders_order_free(cur);
}

T(new_version_other_than_expected_plus_one_is_refused)
{
    orders_order_t *cur = get("o1");
    conf_update_t u;
    conf_update_init(&u, cur, ORDERS_STATUS_CONFIRMED, ORDERS_RES_EFFECT_NONE, CONF_T0 + 1, NULL);
    u.order->version = 5;
    orders_code_t rc = conf_vt->order_update(conf_ud, &u.tx, NULL);
    cr_assert_neq(rc, ORDERS_OK, "order->version 5 with expected_version 1 accepted");
    assert_order_is(cur);
    cr_assert_eq(conf_history_count(conf_vt, conf_ud, "o1"), 1, "history appended");
    conf_update_free(&u);
    orders_order_free(cur);
}

T(confirm_moves_reserved_to_sold)
{
    update_ok(ORDERS_STATUS_CONFIRMED, ORDERS_RES_EFFECT_CONFIRM, DEADLINE - 1);
    conf_assert_res_status(conf_vt, conf_ud, "o1", ORDERS_RES_CONFIRMED);
    conf_assert_stock(conf_vt, conf_ud, "pA", 8, 0, 2);
    conf_assert_stock(conf_vt, conf_ud, "pB", 7, 0, 3);
}

T(confirm_at_the_deadline_is_expired_and_nothing_changes)
{
    assert_refused(ORDERS_STATUS_CONFIRMED, ORDERS_RES_EFFECT_CONFIRM, DEADLINE, ORDERS_E_EXPIRED);
    conf_assert_res_status(conf_vt, conf_ud, "o1", ORDERS_RES_ACTIVE);
}

T(confirm_after_the_deadline_is_expired_and_nothing_changes)
{
    assert_refused(ORDERS_STATUS_CONFIRMED, ORDERS_RES_EFFECT_CONFIRM, DEADLINE + CONF_DAY,
                   ORDERS_E_EXPIRED);
}

T(confirm_twice_is_conflict)
{
    update_ok(ORDERS_STATUS_CONFIRMED, ORDERS_RES_EFFECT_CONFIRM, CONF_T0 + 10);
    assert_refused(ORDERS_STATUS_PROCESSING, ORDERS_RES_EFFECT_CONFIRM, CONF_T0 + 20,
                   ORDERS_E_CONFLICT);
    conf_assert_stock(conf_vt, conf_ud, "pA", 8, 0, 2);
}

T(release_gives_reserved_back_to_available)
{
    update_ok(ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_RELEASE, CONF_T0 + 10);
    conf_assert_res_status(conf_vt, conf_ud, "o1", ORDERS_RES_CANCELLED);
    conf_assert_stock(conf_vt, conf_ud, "pA", 10, 0, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 10, 0, 0);
}

T(release_of_a_released_reservation_is_conflict)
{
    update_ok(ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_RELEASE, CONF_T0 + 10);
    assert_refused(ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_RELEASE, CONF_T0 + 20,
                   ORDERS_E_CONFLICT);
    conf_assert_stock(conf_vt, conf_ud, "pA", 10, 0, 0);
}

T(expire_before_the_deadline_is_conflict)
{
    assert_refused(ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_EXPIRE, DEADLINE - 1,
                   ORDERS_E_CONFLICT);
    conf_assert_res_status(conf_vt, conf_ud, "o1", ORDERS_RES_ACTIVE);
}

T(expire_at_the_deadline_gives_reserved_back)
{
    update_ok(ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_EXPIRE, DEADLINE);
    conf_assert_res_status(conf_vt, conf_ud, "o1", ORDERS_RES_EXPIRED);
    conf_assert_stock(conf_vt, conf_ud, "pA", 10, 0, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 10, 0, 0);
    assert_refused(ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_EXPIRE, DEADLINE + 1,
                   ORDERS_E_CONFLICT);
}

T(return_after_confirm_gives_sold_back)
{
    update_ok(ORDERS_STATUS_CONFIRMED, ORDERS_RES_EFFECT_CONFIRM, CONF_T0 + 10);
    update_ok(ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_RETURN, CONF_T0 + 20);
    conf_assert_res_status(conf_vt, conf_ud, "o1", ORDERS_RES_CANCELLED);
    conf_assert_stock(conf_vt, conf_ud, "pA", 10, 0, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 10, 0, 0);
    assert_refused(ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_RETURN, CONF_T0 + 30,
                   ORDERS_E_CONFLICT);
}

T(return_of_an_active_reservation_is_conflict)
{
    assert_refused(ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_RETURN, CONF_T0 + 10,
                   ORDERS_E_CONFLICT);
}

T(effects_on_a_reservation_without_local_stock_move_no_stock)
{
    conf_seed_cart(conf_vt, conf_ud, "c2", LINES, 2, CONF_T0);
    conf_place_t p;
    conf_place_init(&p, "o2", "ORD1002", "c2", 1, LINES, 2, false, CONF_T0);
    cr_assert_eq(conf_vt->place(conf_ud, &p.tx, &p.result, NULL), ORDERS_OK, "place o2");
    conf_update_t u;
    conf_update_init(&u, p.order, ORDERS_STATUS_CONFIRMED, ORDERS_RES_EFFECT_CONFIRM,
                     CONF_T0 + 10, NULL);
    cr_assert_eq(conf_vt->order_update(conf_ud, &u.tx, NULL), ORDERS_OK, "confirm o2");
    conf_assert_res_status(conf_vt, conf_ud, "o2", ORDERS_RES_CONFIRMED);
    conf_assert_stock(conf_vt, conf_ud, "pA", 8, 2, 0); /* o1's hold only */
    conf_update_t v;
    conf_update_init(&v, u.order, ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_RETURN,
                     CONF_T0 + 20, NULL);
    cr_assert_eq(conf_vt->order_update(conf_ud, &v.tx, NULL), ORDERS_OK, "return o2");
    conf_assert_res_status(conf_vt, conf_ud, "o2", ORDERS_RES_CANCELLED);
    conf_assert_stock(conf_vt, conf_ud, "pA", 8, 2, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 7, 3, 0);
    conf_update_free(&v);
    conf_update_free(&u);
    conf_place_free(&p);
}

/* ---- order_list and order_scan ------------------------------------------------ */

/* Six orders; newest first: o5, o4 (same created_at), o6, o2, o3, o1. */
static void query_setup(void)
{
    conf_setup();
    conf_seed_order(conf_vt, conf_ud, "o1", "ORD1", "c1", "s1", CONF_T0 + 1, ORDERS_STATUS_PENDING);
    conf_seed_order(conf_vt, conf_ud, "o2", "ORD2", "c2", "s2", CONF_T0 + 3, ORDERS_STATUS_CONFIRMED);
    conf_seed_order(conf_vt, conf_ud, "o3", "ORD3", "c1", "s2", CONF_T0 + 2, ORDERS_STATUS_CONFIRMED);
    conf_seed_order(conf_vt, conf_ud, "o5", "ORD5", "c2", "s1", CONF_T0 + 5, ORDERS_STATUS_PENDING);
    conf_seed_order(conf_vt, conf_ud, "o4", "ORD4", "c1", "s1", CONF_T0 + 5, ORDERS_STATUS_CANCELLED);
    /* o6 has items of two sellers; s1 is not the first */
    const conf_line_t two[] = {{"ext-s3", "s3", 1, 10}, {"ext-s1", "s1", 2, 20}};
    conf_seed_cart(conf_vt, conf_ud, "c3", two, 2, CONF_T0);
    conf_place_t p;
    conf_place_init(&p, "o6", "ORD6", "c3", 1, two, 2, false, CONF_T0 + 4);
    cr_assert_eq(conf_vt->place(conf_ud, &p.tx, &p.result, NULL), ORDERS_OK, "place o6");
    conf_place_free(&p);
}

#define Q(name) Test(order_query, name, .init = query_setup, .fini = conf_teardown)

static void assert_list(const char *customer, const char *seller, int status, int64_t offset,
                        int64_t limit, int64_t total, const char *const *ids, size_t n)
{
    orders_order_filter_t f = {.customer_id = customer, .seller_id = seller,
                               .has_status = status >= 0, .offset = offset, .limit = limit};
    if (status >= 0)
        f.status = (orders_status_t)status;
    orders_order_list_t l = {0};
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->order_list(conf_ud, &f, &l, &err);
    cr_assert_eq(rc, ORDERS_OK, "order_list: %d %s", rc, err.message);
    char what[160];
    snprintf(what, sizeof what, "order_list(customer %s, seller %s, status %d, %lld+%lld)",
             customer ? customer : "-", seller ? seller : "-", status, (long long)offset,
             (long long)limit);
    cr_assert_eq(l.total, total, "%s: total: expected %lld, got %lld", what, (long long)total,
                 (long long)l.total);
    cr_assert_eq(l.count, n, "%s: count: expected %zu, got %zu", what, n, l.count);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(l.items[i]->id, ids[i], "%s: item %zu: expected %s, got %s", what, i,
                         ids[i], l.items[i]->id);
    orders_order_list_clear(&l);
}

#define IDS(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)
#define ANY (-1)

Q(list_is_newest_first_by_created_at_then_id)
{
    assert_list(NULL, NULL, ANY, 0, 100, 6, IDS("o5", "o4", "o6", "o2", "o3", "o1"));
}

Q(list_filters_by_customer_seller_and_status)
{
    assert_list("c1", NULL, ANY, 0, 100, 3, IDS("o4", "o3", "o1"));
    assert_list("c3", NULL, ANY, 0, 100, 1, IDS("o6"));
    assert_list(NULL, "s1", ANY, 0, 100, 4, IDS("o5", "o4", "o6", "o1"));
    assert_list(NULL, "s2", ANY, 0, 100, 2, IDS("o2", "o3"));
    assert_list(NULL, "s3", ANY, 0, 100, 1, IDS("o6"));
    assert_list(NULL, NULL, ORDERS_STATUS_CONFIRMED, 0, 100, 2, IDS("o2", "o3"));
    assert_list(NULL, NULL, ORDERS_STATUS_PENDING, 0, 100, 3, IDS("o5", "o6", "o1"));
    assert_list(NULL, NULL, ORDERS_STATUS_SHIPPED, 0, 100, 0, NULL, 0);
    assert_list("nobody", NULL, ANY, 0, 100, 0, NULL, 0);
    assert_list(NULL, "nobody", ANY, 0, 100, 0, NULL, 0);
}

Q(list_combines_filters)
{
    assert_list("c1", NULL, ORDERS_STATUS_CONFIRMED, 0, 100, 1, IDS("o3"));
    assert_list(NULL, "s1", ORDERS_STATUS_PENDING, 0, 100, 3, IDS("o5", "o6", "o1"));
    assert_list("c2", "s1", ANY, 0, 100, 1, IDS("o5"));
    assert_list("c1", "s2", ORDERS_STATUS_CONFIRMED, 0, 100, 1, IDS("o3"));
    assert_list("c1", "s2", ORDERS_STATUS_PENDING, 0, 100, 0, NULL, 0);
    assert_list("c3", "s2", ANY, 0, 100, 0, NULL, 0);
}

Q(list_pages_and_total_ignores_paging)
{
    assert_list(NULL, NULL, ANY, 0, 2, 6, IDS("o5", "o4"));
    assert_list(NULL, NULL, ANY, 1, 2, 6, IDS("o4", "o6"));
    assert_list(NULL, NULL, ANY, 5, 10, 6, IDS("o1"));
    assert_list(NULL, NULL, ANY, 6, 10, 6, NULL, 0);
    assert_list(NULL, NULL, ANY, 100, 10, 6, NULL, 0);
    assert_list("c1", NULL, ANY, 1, 1, 3, IDS("o3"));
    assert_list(NULL, "s1", ORDERS_STATUS_PENDING, 2, 5, 3, IDS("o1"));
}

Q(listed_orders_are_whole)
{
    orders_order_filter_t f = {.customer_id = "c3", .limit = 10};
    orders_order_list_t l = {0};
    cr_assert_eq(conf_vt->order_list(conf_ud, &f, &l, NULL), ORDERS_OK, "order_list");
    cr_assert_eq(l.count, 1, "count: %zu", l.count);
    orders_order_t *o = NULL;
    cr_assert_eq(conf_vt->order_get(conf_ud, "o6", &o, NULL), ORDERS_OK, "order_get");
    conf_assert_order_eq(o, l.items[0]);
    cr_assert_eq(l.items[0]->item_count, 2, "items of o6 in the list: %zu", l.items[0]->item_count);
    orders_order_free(o);
    orders_order_list_clear(&l);
}

typedef struct visits {
    int count;
    int stop_after;                  /* 0: never stop */
    char ids[16][ORDERS_ID_MAX + 1];
} visits_t;

static int visit(void *ud, const orders_order_t *o)
{
    visits_t *v = ud;
    if (v->count < 16)
        snprintf(v->ids[v->count], sizeof v->ids[0], "%s", o->id);
    v->count++;
    return v->stop_after && v->count >= v->stop_after;
}

static bool visited(const visits_t *v, const char *id)
{
    for (int i = 0; i < v->count && i < 16; i++)
        if (strcmp(v->ids[i], id) == 0)
            return true;
    return false;
}

Q(scan_visits_placed_at_in_half_open_range)
{
    visits_t v = {0};
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->order_scan(conf_ud, CONF_T0 + 2, CONF_T0 + 5, visit, &v, &err);
    cr_assert_eq(rc, ORDERS_OK, "order_scan: %d %s", rc, err.message);
    cr_assert_eq(v.count, 3, "visited %d orders, expected 3 (o3, o2, o6)", v.count);
    cr_assert(visited(&v, "o3") && visited(&v, "o2") && visited(&v, "o6"),
              "wrong orders visited: %s %s %s", v.ids[0], v.ids[1], v.ids[2]);
    memset(&v, 0, sizeof v);
    cr_assert_eq(conf_vt->order_scan(conf_ud, 0, CONF_FAR_FUTURE, visit, &v, NULL), ORDERS_OK, "all");
    cr_assert_eq(v.count, 6, "full scan visited %d, expected 6", v.count);
    memset(&v, 0, sizeof v);
    cr_assert_eq(conf_vt->order_scan(conf_ud, CONF_T0 + 5, CONF_T0 + 5, visit, &v, NULL),
                 ORDERS_OK, "empty range");
    cr_assert_eq(v.count, 0, "empty range visited %d", v.count);
}

Q(scan_uses_placed_at_not_created_at)
{
    const conf_line_t one[] = {{"ext-s1", "s1", 1, 10}};
    conf_seed_cart(conf_vt, conf_ud, "c9", one, 1, CONF_T0);
    conf_place_t p;
    conf_place_init(&p, "o9", "ORD9", "c9", 1, one, 1, false, CONF_T0 + 100);
    p.order->placed_at = CONF_T0 + 200;
    cr_assert_eq(conf_vt->place(conf_ud, &p.tx, &p.result, NULL), ORDERS_OK, "place o9");
    conf_place_free(&p);
    visits_t v = {0};
    cr_assert_eq(conf_vt->order_scan(conf_ud, CONF_T0 + 150, CONF_T0 + 250, visit, &v, NULL),
                 ORDERS_OK, "scan");
    cr_assert(v.count == 1 && visited(&v, "o9"), "scan by placed_at visited %d", v.count);
    memset(&v, 0, sizeof v);
    cr_assert_eq(conf_vt->order_scan(conf_ud, CONF_T0 + 100, CONF_T0 + 101, visit, &v, NULL),
                 ORDERS_OK, "scan");
    cr_assert_eq(v.count, 0, "scan matched created_at instead of placed_at");
}

Q(scan_stops_when_visit_returns_non_zero)
{
    visits_t v = {.stop_after = 1};
    orders_code_t rc = conf_vt->order_scan(conf_ud, 0, CONF_FAR_FUTURE, visit, &v, NULL);
    cr_assert_eq(rc, ORDERS_OK, "stopped scan: %d", rc);
    cr_assert_eq(v.count, 1, "visit returned 1 but was called %d times", v.count);
    memset(&v, 0, sizeof v);
    v.stop_after = 4;
    cr_assert_eq(conf_vt->order_scan(conf_ud, 0, CONF_FAR_FUTURE, visit, &v, NULL), ORDERS_OK, "");
    cr_assert_eq(v.count, 4, "visit returned 1 on the 4th order but was called %d times", v.count);
}
