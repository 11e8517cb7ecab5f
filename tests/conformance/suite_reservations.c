/*
 * suite_reservations.c - reservation_create/get/settle, reservations_due and
 * reservation_counts.
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static const char *const PRODUCTS[] = {"pA", "pB", "pC"};
static const conf_line_t LINES[] = {
    {"pA", "s1", 3, 100},
    {"pB", "s2", 4, 200},
};
#define DEADLINE (CONF_T0 + CONF_RES_WINDOW)

static void res_setup(void)
{
    conf_setup();
    conf_seed_product(conf_vt, conf_ud, "pA", "s1", 10);
    conf_seed_product(conf_vt, conf_ud, "pB", "s2", 10);
    conf_seed_product(conf_vt, conf_ud, "pC", "s1", 10);
}

#define T(name) Test(reservations, name, .init = res_setup, .fini = conf_teardown)

static orders_code_t create(const char *order_id, const conf_line_t *lines, size_t n, bool local,
                            int64_t now, orders_error_t *err)
{
    orders_reservation_t *r = conf_reservation_new(order_id, "c1", lines, n, local, now);
    orders_code_t rc = conf_vt->reservation_create(conf_ud, r, err);
    orders_reservation_free(r);
    return rc;
}

static void create_ok(const char *order_id, const conf_line_t *lines, size_t n, bool local,
                      int64_t now)
{
    orders_error_t err = {0};
    orders_code_t rc = create(order_id, lines, n, local, now, &err);
    cr_assert_eq(rc, ORDERS_OK, "reservation_create(%s): %d %s", order_id, rc, err.message);
}

static void assert_no_reservation(const char *order_id)
{
    orders_reservation_t *r = NULL;
    orders_code_t rc = conf_vt->reservation_get(conf_ud, order_id, &r, NULL);
    orders_reservation_free(r);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "reservation of %s: expected NOT_FOUND, got %d",
                 order_id, rc);
}

static orders_code_t settle(const char *order_id, orders_res_effect_t effect, int64_t now)
{
    return conf_vt->reservation_settle(conf_ud, order_id, effect, now, NULL);
}

/* A refused settle: rc is code and stock and the reservation are as before. */
static void assert_settle_refused(const char *order_id, orders_res_effect_t effect, int64_t now,
                                  orders_code_t code)
{
    conf_snapshot_t snap;
    conf_snapshot_take(&snap, conf_vt, conf_ud, PRODUCTS, 3);
    orders_reservation_t *before = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, order_id, &before, NULL), ORDERS_OK, "get");
    orders_code_t rc = settle(order_id, effect, now);
    cr_assert_eq(rc, code, "settle(%s, effect %d, %+lld ms): expected code %d, got %d", order_id,
                 effect, (long long)(now - CONF_T0), code, rc);
    conf_snapshot_assert_same(&snap, conf_vt, conf_ud);
    orders_reservation_t *after = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, order_id, &after, NULL), ORDERS_OK, "get");
    conf_assert_reservation_eq(before, after);
    orders_reservation_free(after);
    orders_reservation_free(before);
}

T(create_with_local_stock_reserves_every_line_and_round_trips)
{
    orders_reservation_t *r = conf_reservation_new("x1", "c1", LINES, 2, true, CONF_T0);
    cr_assert_eq(conf_vt->reservation_create(conf_ud, r, NULL), ORDERS_OK, "create");
    orders_reservation_t *g = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, "x1", &g, NULL), ORDERS_OK, "get");
    conf_assert_reservation_eq(r, g);
    orders_reservation_free(g);
    orders_reservation_free(r);
    conf_assert_stock(conf_vt, conf_ud, "pA", 7, 3, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 6, 4, 0);
    conf_assert_stock(conf_vt, conf_ud, "pC", 10, 0, 0);
}

T(create_round_trips_optional_fields_absent)
{
    orders_reservation_t *r = conf_reservation_new("x1", "c1", LINES, 2, true, CONF_T0);
    free(r->customer_id);
    r->customer_id = NULL;
    free(r->lines[1].seller_id);
    r->lines[1].seller_id = NULL;
    r->lines[1].unit_price.amount = 0;
    cr_assert_eq(conf_vt->reservation_create(conf_ud, r, NULL), ORDERS_OK, "create");
    orders_reservation_t *g = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, "x1", &g, NULL), ORDERS_OK, "get");
    conf_assert_reservation_eq(r, g);
    orders_reservation_free(g);
    orders_reservation_free(r);
}

T(create_is_all_or_none)
{
    const conf_line_t lines[] = {{"pA", "s1", 3, 1}, {"pB", "s2", 11, 1}, {"pC", "s1", 1, 1}};
    conf_snapshot_t snap;
    conf_snapshot_take(&snap, conf_vt, conf_ud, PRODUCTS, 3);
    orders_error_t err = {0};
    orders_code_t rc = create("x1", lines, 3, true, CONF_T0, &err);
    cr_assert_eq(rc, ORDERS_E_OUT_OF_STOCK, "expected OUT_OF_STOCK, got %d", rc);
    cr_assert_str_eq(err.field, "pB", "err->field: expected the short product pB, got \"%s\"",
                     err.field);
    conf_snapshot_assert_same(&snap, conf_vt, conf_ud);
    assert_no_reservation("x1");
    /* exactly the available amount is fine */
    const conf_line_t exact[] = {{"pA", "s1", 3, 1}, {"pB", "s2", 10, 1}};
    create_ok("x1", exact, 2, true, CONF_T0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 0, 10, 0);
}

T(create_with_unknown_product_fails_and_takes_nothing)
{
    const conf_line_t lines[] = {{"pA", "s1", 3, 1}, {"ghost", "s2", 1, 1}};
    conf_snapshot_t snap;
    conf_snapshot_take(&snap, conf_vt, conf_ud, PRODUCTS, 3);
    orders_code_t rc = create("x1", lines, 2, true, CONF_T0, NULL);
    cr_assert(rc == ORDERS_E_NOT_FOUND || rc == ORDERS_E_OUT_OF_STOCK,
              "unknown product: expected NOT_FOUND or OUT_OF_STOCK, got %d", rc);
    conf_snapshot_assert_same(&snap, conf_vt, conf_ud);
    assert_no_reservation("x1");
}

T(second_reservation_for_an_order_id_is_conflict)
{
    create_ok("x1", LINES, 1, true, CONF_T0);
    orders_reservation_t *first = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, "x1", &first, NULL), ORDERS_OK, "get");
    conf_snapshot_t snap;
    conf_snapshot_take(&snap, conf_vt, conf_ud, PRODUCTS, 3);
    orders_error_t err = {0};
    orders_code_t rc = create("x1", LINES, 2, true, CONF_T0 + 1, &err);
    cr_assert_eq(rc, ORDERS_E_CONFLICT, "duplicate order id: expected CONFLICT, got %d", rc);
    cr_assert_eq(err.code, ORDERS_E_CONFLICT, "err->code not filled: %d", err.code);
    rc = create("x1", LINES, 2, false, CONF_T0 + 1, NULL);
    cr_assert_eq(rc, ORDERS_E_CONFLICT, "duplicate without local stock: got %d", rc);
    conf_snapshot_assert_same(&snap, conf_vt, conf_ud);
    orders_reservation_t *g = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, "x1", &g, NULL), ORDERS_OK, "get");
    conf_assert_reservation_eq(first, g);
    orders_reservation_free(g);
    orders_reservation_free(first);
}

T(create_without_local_stock_moves_no_stock)
{
    const conf_line_t lines[] = {{"pA", "s1", 50, 1}, {"remote", "s9", 2, 1}};
    create_ok("x1", lines, 2, false, CONF_T0);
    conf_assert_stock(conf_vt, conf_ud, "pA", 10, 0, 0);
    orders_reservation_t *g = NULL;
    cr_assert_eq(conf_vt->reservation_get(conf_ud, "x1", &g, NULL), ORDERS_OK, "get");
    cr_assert(!g->local_stock && g->status == ORDERS_RES_ACTIVE && g->line_count == 2,
              "stored reservation: local_stock %d status %d lines %zu", g->local_stock, g->status,
              g->line_count);
    orders_reservation_free(g);
    cr_assert_eq(settle("x1", ORDERS_RES_EFFECT_CONFIRM, CONF_T0 + 1), ORDERS_OK, "confirm");
    conf_assert_stock(conf_vt, conf_ud, "pA", 10, 0, 0);
}

T(get_and_settle_of_unknown_order_id_are_not_found)
{
    assert_no_reservation("nope");
    cr_assert_eq(settle("nope", ORDERS_RES_EFFECT_RELEASE, CONF_T0), ORDERS_E_NOT_FOUND,
                 "settle unknown");
    assert_no_reservation("nope");
}

T(settle_confirm_moves_reserved_to_sold)
{
    create_ok("x1", LINES, 2, true, CONF_T0);
    cr_assert_eq(settle("x1", ORDERS_RES_EFFECT_CONFIRM, DEADLINE - 1), ORDERS_OK, "confirm");
    conf_assert_res_status(conf_vt, conf_ud, "x1", ORDERS_RES_CONFIRMED);
    conf_assert_stock(conf_vt, conf_ud, "pA", 7, 0, 3);
    conf_assert_stock(conf_vt, conf_ud, "pB", 6, 0, 4);
    assert_settle_refused("x1", ORDERS_RES_EFFECT_CONFIRM, CONF_T0 + 2, ORDERS_E_CONFLICT);
    assert_settle_refused("x1", ORDERS_RES_EFFECT_RELEASE, CONF_T0 + 2, ORDERS_E_CONFLICT);
}

T(settle_confirm_at_or_after_deadline_is_expired)
{
    create_ok("x1", LINES, 2, true, CONF_T0);
    assert_settle_refused("x1", ORDERS_RES_EFFECT_CONFIRM, DEADLINE, ORDERS_E_EXPIRED);
    assert_settle_refused("x1", ORDERS_RES_EFFECT_CONFIRM, DEADLINE + 1, ORDERS_E_EXPIRED);
    conf_assert_res_status(conf_vt, conf_ud, "x1", ORDERS_RES_ACTIVE);
}

T(settle_release_gives_reserved_back)
{
    create_ok("x1", LINES, 2, true, CONF_T0);
    cr_assert_eq(settle("x1", ORDERS_RES_EFFECT_RELEASE, CONF_T0 + 5), ORDERS_OK, "release");
    conf_assert_res_status(conf_vt, conf_ud, "x1", ORDERS_RES_CANCELLED);
    conf_assert_stock(conf_vt, conf_ud, "pA", 10, 0, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 10, 0, 0);
    assert_settle_refused("x1", ORDERS_RES_EFFECT_RELEASE, CONF_T0 + 6, ORDERS_E_CONFLICT);
    assert_settle_refused("x1", ORDERS_RES_EFFECT_CONFIRM, CONF_T0 + 6, ORDERS_E_CONFLICT);
    assert_settle_refused("x1", ORDERS_RES_EFFECT_RETURN, CONF_T0 + 6, ORDERS_E_CONFLICT);
}

T(settle_expire_only_at_or_after_deadline)
{
    create_ok("x1", LINES, 2, true, CONF_T0);
    assert_settle_refused("x1", ORDERS_RES_EFFECT_EXPIRE, DEADLINE - 1, ORDERS_E_CONFLICT);
    cr_assert_eq(settle("x1", ORDERS_RES_EFFECT_EXPIRE, DEADLINE), ORDERS_OK, "expire");
    conf_assert_res_status(conf_vt, conf_ud, "x1", ORDERS_RES_EXPIRED);
    conf_assert_stock(conf_vt, conf_ud, "pA", 10, 0, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 10, 0, 0);
    assert_settle_refused("x1", ORDERS_RES_EFFECT_EXPIRE, DEADLINE + 1, ORDERS_E_CONFLICT);
}

T(settle_return_only_after_confirm)
{
    create_ok("x1", LINES, 2, true, CONF_T0);
    assert_settle_refused("x1", ORDERS_RES_EFFECT_RETURN, CONF_T0 + 1, ORDERS_E_CONFLICT);
    cr_assert_eq(settle("x1", ORDERS_RES_EFFECT_CONFIRM, CONF_T0 + 2), ORDERS_OK, "confirm");
    cr_assert_eq(settle("x1", ORDERS_RES_EFFECT_RETURN, CONF_T0 + 3), ORDERS_OK, "return");
    conf_assert_res_status(conf_vt, conf_ud, "x1", ORDERS_RES_CANCELLED);
    conf_assert_stock(conf_vt, conf_ud, "pA", 10, 0, 0);
    conf_assert_stock(conf_vt, conf_ud, "pB", 10, 0, 0);
    assert_settle_refused("x1", ORDERS_RES_EFFECT_RETURN, CONF_T0 + 4, ORDERS_E_CONFLICT);
}

/* ---- due and counts ------------------------------------------------------------- */

static void assert_due(int64_t now, int64_t limit, const char *const *ids, size_t n)
{
    orders_string_list_t l = {0};
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->reservations_due(conf_ud, now, limit, &l, &err);
    cr_assert_eq(rc, ORDERS_OK, "reservations_due: %d %s", rc, err.message);
    cr_assert_eq(l.count, n, "due at %+lld limit %lld: expected %zu, got %zu",
                 (long long)(now - DEADLINE), (long long)limit, n, l.count);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(l.items[i], ids[i], "due[%zu]: expected %s, got %s", i, ids[i],
                         l.items[i]);
    orders_string_list_clear(&l);
}

T(due_lists_active_expired_reservations_earliest_first_with_limit)
{
    const conf_line_t one[] = {{"pC", "s1", 1, 1}};
    /* created (and so expiring) out of order */
    create_ok("r30", one, 1, true, CONF_T0 + 30);
    create_ok("r10", one, 1, true, CONF_T0 + 10);
    create_ok("r20", one, 1, false, CONF_T0 + 20);
    create_ok("r40", one, 1, true, CONF_T0 + 40);
    create_ok("r15", one, 1, true, CONF_T0 + 15);
    create_ok("r25", one, 1, true, CONF_T0 + 25);
    cr_assert_eq(settle("r15", ORDERS_RES_EFFECT_CONFIRM, CONF_T0 + 16), ORDERS_OK, "confirm r15");
    cr_assert_eq(settle("r25", ORDERS_RES_EFFECT_RELEASE, CONF_T0 + 26), ORDERS_OK, "release r25");

    assert_due(DEADLINE + 9, 100, NULL, 0);
    assert_due(DEADLINE + 10, 100, (const char *[]){"r10"}, 1);  /* expires_at == now */
    assert_due(DEADLINE + 30, 100, (const char *[]){"r10", "r20", "r30"}, 3);
    assert_due(DEADLINE + 30, 2, (const char *[]){"r10", "r20"}, 2);
    assert_due(CONF_FAR_FUTURE, 100, (const char *[]){"r10", "r20", "r30", "r40"}, 4);
    cr_assert_eq(settle("r10", ORDERS_RES_EFFECT_EXPIRE, DEADLINE + 10), ORDERS_OK, "expire r10");
    assert_due(CONF_FAR_FUTURE, 1, (const char *[]){"r20"}, 1);
    conf_assert_stock(conf_vt, conf_ud, "pC", 7, 2, 1); /* r30, r40 held; r15 sold */
}

T(due_of_empty_store_is_empty)
{
    assert_due(CONF_FAR_FUTURE, 10, NULL, 0);
}

static void assert_counts(int64_t from, int64_t to, int64_t active, int64_t confirmed,
                          int64_t expired, int64_t cancelled)
{
    orders_res_counts_t c;
    memset(&c, 0xFF, sizeof c);
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->reservation_counts(conf_ud, from, to, &c, &err);
    cr_assert_eq(rc, ORDERS_OK, "reservation_counts: %d %s", rc, err.message);
    cr_assert(c.active == active && c.confirmed == confirmed && c.expired == expired &&
                  c.cancelled == cancelled,
              "counts in [T0%+lld, T0%+lld): expected %lld/%lld/%lld/%lld, got %lld/%lld/%lld/%lld "
              "(active/confirmed/expired/cancelled)",
              (long long)(from - CONF_T0), (long long)(to - CONF_T0), (long long)active,
              (long long)confirmed, (long long)expired, (long long)cancelled, (long long)c.active,
              (long long)c.confirmed, (long long)c.expired, (long long)c.cancelled);
}

T(counts_by_status_over_updated_at_range)
{
    const conf_line_t one[] = {{"pC", "s1", 1, 1}};
    create_ok("a", one, 1, true, CONF_T0);
    create_ok("b", one, 1, true, CONF_T0);
    create_ok("c", one, 1, true, CONF_T0);
    create_ok("d", one, 1, false, CONF_T0);
    create_ok("e", one, 1, true, CONF_T0 + 100);
    assert_counts(CONF_T0, CONF_T0 + 1, 4, 0, 0, 0);
    assert_counts(CONF_T0, CONF_T0 + 101, 5, 0, 0, 0);
    assert_counts(CONF_T0 + 1, CONF_T0 + 100, 0, 0, 0, 0);  /* to is exclusive */

    cr_assert_eq(settle("a", ORDERS_RES_EFFECT_CONFIRM, CONF_T0 + 200), ORDERS_OK, "confirm a");
    cr_assert_eq(settle("b", ORDERS_RES_EFFECT_RELEASE, CONF_T0 + 300), ORDERS_OK, "release b");
    cr_assert_eq(settle("c", ORDERS_RES_EFFECT_EXPIRE, DEADLINE), ORDERS_OK, "expire c");
    assert_counts(0, CONF_FAR_FUTURE, 2, 1, 1, 1);
    assert_counts(CONF_T0, CONF_T0 + 1, 1, 0, 0, 0);        /* d only; a, b, c moved on */
    assert_counts(CONF_T0 + 200, CONF_T0 + 201, 0, 1, 0, 0);
    assert_counts(CONF_T0 + 200, CONF_T0 + 301, 0, 1, 0, 1);
    assert_counts(DEADLINE, DEADLINE + 1, 0, 0, 1, 0);
    assert_counts(DEADLINE + 1, CONF_FAR_FUTURE, 0, 0, 0, 0);
    conf_assert_stock(conf_vt, conf_ud, "pC", 8, 1, 1); /* e reserved, a sold */
}
