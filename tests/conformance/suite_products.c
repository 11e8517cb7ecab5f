/*
 * suite_products.c - product_put/get/list, stock_get and stock_change.
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#define T(name) Test(products, name, .init = conf_setup, .fini = conf_teardown)

static orders_code_t put(const orders_product_t *p, bool create_only)
{
    return conf_vt->product_put(conf_ud, p, create_only, NULL);
}

static orders_product_t *get(const char *id)
{
    orders_product_t *p = NULL;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->product_get(conf_ud, id, &p, &err);
    cr_assert_eq(rc, ORDERS_OK, "product_get(%s): %d %s", id, rc, err.message);
    return p;
}

static orders_code_t change(const char *id, orders_stock_op_t op, int64_t value,
                            orders_stock_t *out)
{
    return conf_vt->stock_change(conf_ud, id, op, value, out, NULL);
}

/* Lists and checks the ids returned (in order) and the total. */
static void assert_list(const char *seller, int64_t offset, int64_t limit, int64_t total,
                        const char *const *ids, size_t n)
{
    orders_product_list_t l = {0};
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->product_list(conf_ud, seller, offset, limit, &l, &err);
    cr_assert_eq(rc, ORDERS_OK, "product_list: %d %s", rc, err.message);
    cr_assert_eq(l.total, total, "product_list(%s, %lld, %lld): total: expected %lld, got %lld",
                 seller ? seller : "NULL", (long long)offset, (long long)limit, (long long)total,
                 (long long)l.total);
    cr_assert_eq(l.count, n, "product_list(%s, %lld, %lld): count: expected %zu, got %zu",
                 seller ? seller : "NULL", (long long)offset, (long long)limit, n, l.count);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(l.items[i]->id, ids[i], "product_list item %zu: expected %s, got %s", i,
                         ids[i], l.items[i]->id);
        if (seller)
            cr_assert_str_eq(l.items[i]->seller_id, seller, "item %s of another seller",
                             l.items[i]->id);
    }
    orders_product_list_clear(&l);
}

T(put_create_then_get_round_trips_every_field)
{
    orders_product_t *p = conf_product_new("p1", "s1", 1999);
    cr_assert_eq(put(p, true), ORDERS_OK, "product_put create");
    orders_product_t *g = get("p1");
    conf_assert_product_eq(p, g);
    orders_product_free(g);

    /* optional image absent and inactive flag survive too */
    orders_product_t *q = conf_product_new("p2", "s1", 0);
    free(q->image);
    q->image = NULL;
    q->active = false;
    cr_assert_eq(put(q, true), ORDERS_OK, "product_put create p2");
    g = get("p2");
    conf_assert_product_eq(q, g);
    orders_product_free(g);
    orders_product_free(q);
    orders_product_free(p);
}

T(new_product_starts_with_zero_stock)
{
    orders_product_t *p = conf_product_new("p1", "s1", 100);
    cr_assert_eq(put(p, true), ORDERS_OK, "product_put");
    orders_product_free(p);
    orders_stock_t s = conf_stock(conf_vt, conf_ud, "p1");
    cr_assert(s.available == 0 && s.reserved == 0 && s.sold == 0 && s.stocked == 0 &&
                  s.adjusted == 0,
              "new product stock not all zero: %lld/%lld/%lld/%lld/%lld", (long long)s.available,
              (long long)s.reserved, (long long)s.sold, (long long)s.stocked,
              (long long)s.adjusted);
    assert_invariant(conf_vt, conf_ud, "p1");
}

T(put_create_only_on_existing_id_is_conflict_and_keeps_stored)
{
    orders_product_t *p = conf_product_new("p1", "s1", 100);
    cr_assert_eq(put(p, true), ORDERS_OK, "first create");
    orders_product_t *q = conf_product_new("p1", "s2", 555);
    free(q->name);
    q->name = conf_strdup("Impostor");
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->product_put(conf_ud, q, true, &err);
    cr_assert_eq(rc, ORDERS_E_CONFLICT, "create_only on existing id: expected CONFLICT, got %d", rc);
    cr_assert_eq(err.code, ORDERS_E_CONFLICT, "err->code not filled: %d", err.code);
    orders_product_t *g = get("p1");
    conf_assert_product_eq(p, g);
    orders_product_free(g);
    orders_product_free(q);
    orders_product_free(p);
}

T(put_replace_updates_fields_and_keeps_stock)
{
    conf_seed_product(conf_vt, conf_ud, "p1", "s1", 7);
    cr_assert_eq(change("p1", ORDERS_STOCK_ADJUST, -2, NULL), ORDERS_OK, "adjust");
    orders_stock_t before = conf_stock(conf_vt, conf_ud, "p1");

    orders_product_t *q = conf_product_new("p1", "s1", 2500);
    free(q->name);
    q->name = conf_strdup("Renamed");
    q->updated_at = CONF_T0 + 99;
    cr_assert_eq(put(q, false), ORDERS_OK, "replace");
    orders_product_t *g = get("p1");
    conf_assert_product_eq(q, g);
    orders_product_free(g);
    orders_product_free(q);

    orders_stock_t after = conf_stock(conf_vt, conf_ud, "p1");
    cr_assert(memcmp(&before, &after, sizeof before) == 0,
              "replace changed stock: available %lld -> %lld, stocked %lld -> %lld",
              (long long)before.available, (long long)after.available,
              (long long)before.stocked, (long long)after.stocked);
    conf_assert_stock(conf_vt, conf_ud, "p1", 5, 0, 0);
}

T(put_replace_of_missing_id_creates)
{
    orders_product_t *p = conf_product_new("p9", "s1", 300);
    cr_assert_eq(put(p, false), ORDERS_OK, "replace of missing id");
    orders_product_t *g = get("p9");
    conf_assert_product_eq(p, g);
    orders_product_free(g);
    orders_product_free(p);
    conf_assert_stock(conf_vt, conf_ud, "p9", 0, 0, 0);
}

T(get_and_stock_get_of_unknown_product_are_not_found)
{
    orders_product_t *p = NULL;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->product_get(conf_ud, "ghost", &p, &err);
    orders_product_free(p);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "product_get unknown: got %d", rc);
    cr_assert_eq(err.code, ORDERS_E_NOT_FOUND, "err->code not filled: %d", err.code);
    orders_stock_t s;
    rc = conf_vt->stock_get(conf_ud, "ghost", &s, NULL);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "stock_get unknown: got %d", rc);
}

T(list_all_is_ordered_by_id_with_total)
{
    const char *order[] = {"p3", "p1", "p5", "p2", "p4"};
    for (size_t i = 0; i < 5; i++)
        conf_seed_product(conf_vt, conf_ud, order[i], i % 2 ? "s2" : "s1", 1);
    const char *all[] = {"p1", "p2", "p3", "p4", "p5"};
    assert_list(NULL, 0, 100, 5, all, 5);
}

T(list_by_seller_filters)
{
    conf_seed_product(conf_vt, conf_ud, "b", "s1", 0);
    conf_seed_product(conf_vt, conf_ud, "a", "s2", 0);
    conf_seed_product(conf_vt, conf_ud, "d", "s1", 0);
    conf_seed_product(conf_vt, conf_ud, "c", "s1", 0);
    conf_seed_product(conf_vt, conf_ud, "e", "s2", 0);
    const char *s1[] = {"b", "c", "d"}, *s2[] = {"a", "e"};
    assert_list("s1", 0, 10, 3, s1, 3);
    assert_list("s2", 0, 10, 2, s2, 2);
    assert_list("nobody", 0, 10, 0, NULL, 0);
}

T(list_pages_with_offset_and_limit_and_total_ignores_paging)
{
    const char *ids[] = {"p1", "p2", "p3", "p4", "p5"};
    for (size_t i = 0; i < 5; i++)
        conf_seed_product(conf_vt, conf_ud, ids[i], i < 3 ? "s1" : "s2", 0);
    assert_list(NULL, 0, 2, 5, ids, 2);
    assert_list(NULL, 1, 2, 5, ids + 1, 2);
    assert_list(NULL, 4, 2, 5, ids + 4, 1);
    assert_list(NULL, 5, 2, 5, NULL, 0);
    assert_list(NULL, 50, 10, 5, NULL, 0);
    assert_list("s1", 1, 1, 3, ids + 1, 1);
    assert_list("s2", 1, 5, 2, ids + 4, 1);
}

T(stock_set_available_up_counts_as_stocked)
{
    conf_seed_product(conf_vt, conf_ud, "p1", "s1", 0);
    orders_stock_t out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(change("p1", ORDERS_STOCK_SET_AVAILABLE, 10, &out), ORDERS_OK, "set 10");
    cr_assert(out.available == 10 && out.stocked == 10 && out.adjusted == 0,
              "out after set 10: available %lld stocked %lld adjusted %lld",
              (long long)out.available, (long long)out.stocked, (long long)out.adjusted);
    orders_stock_t s = conf_stock(conf_vt, conf_ud, "p1");
    cr_assert(memcmp(&s, &out, sizeof s) == 0, "*out differs from stock_get");
    cr_assert_eq(change("p1", ORDERS_STOCK_SET_AVAILABLE, 15, NULL), ORDERS_OK, "set 15");
    s = conf_stock(conf_vt, conf_ud, "p1");
    cr_assert_eq(s.stocked, 15, "stocked after 0->10->15: expected 15, got %lld",
                 (long long)s.stocked);
    cr_assert_eq(s.adjusted, 0, "adjusted: expected 0, got %lld", (long long)s.adjusted);
    conf_assert_stock(conf_vt, conf_ud, "p1", 15, 0, 0);
}

T(stock_set_available_down_counts_as_adjusted)
{
    conf_seed_product(conf_vt, conf_ud, "p1", "s1", 10);
    cr_assert_eq(change("p1", ORDERS_STOCK_SET_AVAILABLE, 4, NULL), ORDERS_OK, "set 4");
    orders_stock_t s = conf_stock(conf_vt, conf_ud, "p1");
    cr_assert(s.available == 4 && s.stocked == 10 && s.adjusted == 6,
              "after 10 -> 4: available %lld (4) stocked %lld (10) adjusted %lld (6)",
              (long long)s.available, (long long)s.stocked, (long long)s.adjusted);
    assert_invariant(conf_vt, conf_ud, "p1");
    cr_assert_eq(change("p1", ORDERS_STOCK_SET_AVAILABLE, 4, NULL), ORDERS_OK, "set same");
    s = conf_stock(conf_vt, conf_ud, "p1");
    cr_assert(s.stocked == 10 && s.adjusted == 6, "setting the same value moved counters");
    cr_assert_eq(change("p1", ORDERS_STOCK_SET_AVAILABLE, 0, NULL), ORDERS_OK, "set 0");
    conf_assert_stock(conf_vt, conf_ud, "p1", 0, 0, 0);
}

T(stock_set_available_negative_is_refused)
{
    conf_seed_product(conf_vt, conf_ud, "p1", "s1", 3);
    orders_stock_t before = conf_stock(conf_vt, conf_ud, "p1");
    orders_code_t rc = change("p1", ORDERS_STOCK_SET_AVAILABLE, -1, NULL);
    cr_assert_neq(rc, ORDERS_OK, "set available -1 accepted");
    orders_stock_t after = conf_stock(conf_vt, conf_ud, "p1");
    cr_assert(memcmp(&before, &after, sizeof before) == 0, "refused set changed stock");
    assert_invariant(conf_vt, conf_ud, "p1");
}

T(stock_adjust_plus_and_minus)
{
    conf_seed_product(conf_vt, conf_ud, "p1", "s1", 0);
    orders_stock_t out;
    cr_assert_eq(change("p1", ORDERS_STOCK_ADJUST, 5, &out), ORDERS_OK, "adjust +5");
    cr_assert(out.available == 5 && out.stocked == 5 && out.adjusted == 0,
              "after +5: available %lld stocked %lld adjusted %lld", (long long)out.available,
              (long long)out.stocked, (long long)out.adjusted);
    assert_invariant(conf_vt, conf_ud, "p1");
    cr_assert_eq(change("p1", ORDERS_STOCK_ADJUST, -2, &out), ORDERS_OK, "adjust -2");
    cr_assert(out.available == 3 && out.stocked == 5 && out.adjusted == 2,
              "after -2: available %lld stocked %lld adjusted %lld", (long long)out.available,
              (long long)out.stocked, (long long)out.adjusted);
    assert_invariant(conf_vt, conf_ud, "p1");
    cr_assert_eq(change("p1", ORDERS_STOCK_ADJUST, -3, NULL), ORDERS_OK, "adjust to exactly 0");
    conf_assert_stock(conf_vt, conf_ud, "p1", 0, 0, 0);
}

T(stock_adjust_below_zero_is_conflict_and_changes_nothing)
{
    conf_seed_product(conf_vt, conf_ud, "p1", "s1", 3);
    orders_stock_t before = conf_stock(conf_vt, conf_ud, "p1");
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->stock_change(conf_ud, "p1", ORDERS_STOCK_ADJUST, -4, NULL, &err);
    cr_assert_eq(rc, ORDERS_E_CONFLICT, "adjust below zero: expected CONFLICT, got %d", rc);
    cr_assert_eq(err.code, ORDERS_E_CONFLICT, "err->code not filled: %d", err.code);
    orders_stock_t after = conf_stock(conf_vt, conf_ud, "p1");
    cr_assert(memcmp(&before, &after, sizeof before) == 0,
              "refused adjust changed stock: available %lld -> %lld, adjusted %lld -> %lld",
              (long long)before.available, (long long)after.available,
              (long long)before.adjusted, (long long)after.adjusted);
    assert_invariant(conf_vt, conf_ud, "p1");
}

T(stock_change_of_unknown_product_is_not_found)
{
    cr_assert_eq(change("ghost", ORDERS_STOCK_SET_AVAILABLE, 5, NULL), ORDERS_E_NOT_FOUND,
                 "set on unknown product");
    cr_assert_eq(change("ghost", ORDERS_STOCK_ADJUST, 5, NULL), ORDERS_E_NOT_FOUND,
                 "adjust on unknown product");
    orders_product_t *p = NULL;
    orders_code_t rc = conf_vt->product_get(conf_ud, "ghost", &p, NULL);
    orders_product_free(p);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "stock_change created product ghost");
}

T(stock_change_with_units_reserved_keeps_reserved_and_invariant)
{
    conf_seed_product(conf_vt, conf_ud, "p1", "s1", 10);
    conf_line_t line = {"p1", "s1", 4, 100};
    orders_reservation_t *r = conf_reservation_new("o1", "c1", &line, 1, true, CONF_T0);
    cr_assert_eq(conf_vt->reservation_create(conf_ud, r, NULL), ORDERS_OK, "reserve 4");
    orders_reservation_free(r);
    conf_assert_stock(conf_vt, conf_ud, "p1", 6, 4, 0);

    cr_assert_eq(change("p1", ORDERS_STOCK_SET_AVAILABLE, 2, NULL), ORDERS_OK, "set 2");
    conf_assert_stock(conf_vt, conf_ud, "p1", 2, 4, 0);
    cr_assert_eq(change("p1", ORDERS_STOCK_ADJUST, -3, NULL), ORDERS_E_CONFLICT,
                 "adjust -3 with 2 available (4 reserved) must be refused");
    conf_assert_stock(conf_vt, conf_ud, "p1", 2, 4, 0);
    cr_assert_eq(change("p1", ORDERS_STOCK_ADJUST, 8, NULL), ORDERS_OK, "adjust +8");
    conf_assert_stock(conf_vt, conf_ud, "p1", 10, 4, 0);
    orders_stock_t s = conf_stock(conf_vt, conf_ud, "p1");
    cr_assert(s.stocked == 18 && s.adjusted == 4,
              "stocked %lld (18) adjusted %lld (4)", (long long)s.stocked, (long long)s.adjusted);
}
