/*
 * suite_carts.c - cart_get, cart_put (version checks) and cart_purge.
 */
#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#define T(name) Test(carts, name, .init = conf_setup, .fini = conf_teardown)

static const conf_line_t LINES[] = {
    {"p1", "s1", 2, 1999},
    {"p2", "s2", 1, 500},
    {"p3", "s1", 7, 1},
};

static orders_cart_t *get(const char *customer)
{
    orders_cart_t *c = NULL;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->cart_get(conf_ud, customer, &c, &err);
    cr_assert_eq(rc, ORDERS_OK, "cart_get(%s): %d %s", customer, rc, err.message);
    return c;
}

static void assert_no_cart(const char *customer)
{
    orders_cart_t *c = NULL;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->cart_get(conf_ud, customer, &c, &err);
    orders_cart_free(c);
    cr_assert_eq(rc, ORDERS_E_NOT_FOUND, "cart of %s: expected NOT_FOUND, got %d", customer, rc);
    cr_assert_eq(err.code, ORDERS_E_NOT_FOUND, "err->code not filled: %d", err.code);
}

static orders_code_t put(const orders_cart_t *c, int64_t expected)
{
    return conf_vt->cart_put(conf_ud, c, expected, NULL);
}

T(get_of_unknown_customer_is_not_found)
{
    assert_no_cart("nobody");
}

T(put_creates_and_get_round_trips_every_field)
{
    orders_cart_t *c = conf_cart_new("c1", 1, LINES, 3, CONF_T0);
    /* strings that need care in any encoding */
    free(c->items[1].product_name);
    c->items[1].product_name = conf_strdup("Caf\xc3\xa9 \"cr\xc3\xa8me\" 'x' \\ 100% <b>");
    cr_assert_eq(put(c, 0), ORDERS_OK, "create");
    orders_cart_t *g = get("c1");
    conf_assert_cart_eq(c, g);
    orders_cart_free(g);
    orders_cart_free(c);
}

T(empty_cart_round_trips)
{
    orders_cart_t *c = conf_cart_new("c1", 1, NULL, 0, CONF_T0);
    cr_assert_eq(put(c, 0), ORDERS_OK, "create empty");
    orders_cart_t *g = get("c1");
    conf_assert_cart_eq(c, g);
    cr_assert_eq(g->item_count, 0, "empty cart came back with lines");
    orders_cart_free(g);
    orders_cart_free(c);
}

T(put_with_expected_zero_when_cart_exists_is_conflict)
{
    orders_cart_t *c = conf_cart_new("c1", 1, LINES, 1, CONF_T0);
    cr_assert_eq(put(c, 0), ORDERS_OK, "create");
    orders_cart_t *d = conf_cart_new("c1", 1, LINES, 3, CONF_T0 + 5);
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->cart_put(conf_ud, d, 0, &err);
    cr_assert_eq(rc, ORDERS_E_CONFLICT, "second create: expected CONFLICT, got %d", rc);
    cr_assert_eq(err.code, ORDERS_E_CONFLICT, "err->code not filled: %d", err.code);
    orders_cart_t *g = get("c1");
    conf_assert_cart_eq(c, g);
    orders_cart_free(g);
    orders_cart_free(d);
    orders_cart_free(c);
}

T(put_at_current_version_replaces)
{
    orders_cart_t *c1 = conf_cart_new("c1", 1, LINES, 1, CONF_T0);
    cr_assert_eq(put(c1, 0), ORDERS_OK, "create");
    orders_cart_t *c2 = conf_cart_new("c1", 2, LINES, 3, CONF_T0 + 10);
    cr_assert_eq(put(c2, 1), ORDERS_OK, "update 1 -> 2");
    orders_cart_t *g = get("c1");
    conf_assert_cart_eq(c2, g);
    orders_cart_free(g);
    orders_cart_t *c3 = conf_cart_new("c1", 3, LINES + 1, 1, CONF_T0 + 20);
    cr_assert_eq(put(c3, 2), ORDERS_OK, "update 2 -> 3 (fewer lines)");
    g = get("c1");
    conf_assert_cart_eq(c3, g);
    orders_cart_free(g);
    orders_cart_free(c3);
    orders_cart_free(c2);
    orders_cart_free(c1);
}

T(put_with_stale_version_is_conflict_and_keeps_stored)
{
    orders_cart_t *c1 = conf_cart_new("c1", 1, LINES, 1, CONF_T0);
    orders_cart_t *c2 = conf_cart_new("c1", 2, LINES, 2, CONF_T0 + 10);
    cr_assert_eq(put(c1, 0), ORDERS_OK, "create");
    cr_assert_eq(put(c2, 1), ORDERS_OK, "update");
    /* a writer that read version 1 loses */
    orders_cart_t *stale = conf_cart_new("c1", 2, LINES, 3, CONF_T0 + 11);
    cr_assert_eq(put(stale, 1), ORDERS_E_CONFLICT, "stale version 1 accepted");
    /* a version from the future loses too */
    orders_cart_t *future = conf_cart_new("c1", 6, LINES, 3, CONF_T0 + 12);
    cr_assert_eq(put(future, 5), ORDERS_E_CONFLICT, "future version 5 accepted");
    orders_cart_t *g = get("c1");
    conf_assert_cart_eq(c2, g);
    orders_cart_free(g);
    orders_cart_free(future);
    orders_cart_free(stale);
    orders_cart_free(c2);
    orders_cart_free(c1);
}

T(put_with_nonzero_version_when_none_exists_is_conflict)
{
    orders_cart_t *c = conf_cart_new("c1", 4, LINES, 1, CONF_T0);
    cr_assert_eq(put(c, 3), ORDERS_E_CONFLICT, "update of a missing cart accepted");
    orders_cart_free(c);
    assert_no_cart("c1");
}

T(carts_of_different_customers_are_independent)
{
    orders_cart_t *a = conf_cart_new("c1", 1, LINES, 1, CONF_T0);
    orders_cart_t *b = conf_cart_new("c2", 1, LINES, 3, CONF_T0 + 1);
    cr_assert_eq(put(a, 0), ORDERS_OK, "create c1");
    cr_assert_eq(put(b, 0), ORDERS_OK, "create c2 (c1 exists at version 1)");
    orders_cart_t *b2 = conf_cart_new("c2", 2, NULL, 0, CONF_T0 + 2);
    cr_assert_eq(put(b2, 1), ORDERS_OK, "update c2");
    orders_cart_t *g = get("c1");
    conf_assert_cart_eq(a, g);
    orders_cart_free(g);
    g = get("c2");
    conf_assert_cart_eq(b2, g);
    orders_cart_free(g);
    orders_cart_free(b2);
    orders_cart_free(b);
    orders_cart_free(a);
}

static void put_expiring(const char *customer, int64_t expires_at)
{
    orders_cart_t *c = conf_cart_new(customer, 1, LINES, 2, CONF_T0 - CONF_DAY);
    c->expires_at = expires_at;
    cr_assert_eq(put(c, 0), ORDERS_OK, "create %s", customer);
    orders_cart_free(c);
}

T(purge_removes_only_carts_expired_at_or_before_now)
{
    put_expiring("old", CONF_T0 - 1);
    put_expiring("edge", CONF_T0);
    put_expiring("fresh", CONF_T0 + 1);
    put_expiring("later", CONF_T0 + CONF_DAY);
    int64_t purged = -1;
    orders_error_t err = {0};
    orders_code_t rc = conf_vt->cart_purge(conf_ud, CONF_T0, &purged, &err);
    cr_assert_eq(rc, ORDERS_OK, "cart_purge: %d %s", rc, err.message);
    cr_assert_eq(purged, 2, "purged: expected 2 (old, edge), got %lld", (long long)purged);
    assert_no_cart("old");
    assert_no_cart("edge");
    conf_assert_cart_at(conf_vt, conf_ud, "fresh", 1, 2);
    conf_assert_cart_at(conf_vt, conf_ud, "later", 1, 2);

    purged = -1;
    cr_assert_eq(conf_vt->cart_purge(conf_ud, CONF_T0, &purged, NULL), ORDERS_OK, "again");
    cr_assert_eq(purged, 0, "second purge at the same time: expected 0, got %lld",
                 (long long)purged);
    purged = -1;
    cr_assert_eq(conf_vt->cart_purge(conf_ud, CONF_T0 + 1, &purged, NULL), ORDERS_OK, "later");
    cr_assert_eq(purged, 1, "purge at T0+1: expected 1 (fresh), got %lld", (long long)purged);
    assert_no_cart("fresh");
    conf_assert_cart_at(conf_vt, conf_ud, "later", 1, 2);
}

T(purge_of_empty_store_counts_zero)
{
    int64_t purged = -1;
    cr_assert_eq(conf_vt->cart_purge(conf_ud, CONF_FAR_FUTURE, &purged, NULL), ORDERS_OK, "purge");
    cr_assert_eq(purged, 0, "purged: expected 0, got %lld", (long long)purged);
}

T(purged_cart_can_be_created_again_from_version_zero)
{
    put_expiring("c1", CONF_T0 - 1);
    int64_t purged = 0;
    cr_assert_eq(conf_vt->cart_purge(conf_ud, CONF_T0, &purged, NULL), ORDERS_OK, "purge");
    cr_assert_eq(purged, 1, "purged: expected 1, got %lld", (long long)purged);
    orders_cart_t *c = conf_cart_new("c1", 1, LINES, 1, CONF_T0 + 5);
    cr_assert_eq(put(c, 0), ORDERS_OK, "create after purge");
    orders_cart_t *g = get("c1");
    conf_assert_cart_eq(c, g);
    orders_cart_free(g);
    orders_cart_free(c);
}

T(purge_follows_the_latest_expires_at)
{
    put_expiring("c1", CONF_T0 - 1);
    /* the customer touched the cart: expiry moves on */
    orders_cart_t *c = conf_cart_new("c1", 2, LINES, 1, CONF_T0);
    c->expires_at = CONF_T0 + CONF_DAY;
    cr_assert_eq(put(c, 1), ORDERS_OK, "update");
    orders_cart_free(c);
    int64_t purged = -1;
    cr_assert_eq(conf_vt->cart_purge(conf_ud, CONF_T0, &purged, NULL), ORDERS_OK, "purge");
    cr_assert_eq(purged, 0, "a cart with a renewed expiry was purged (%lld)", (long long)purged);
    conf_assert_cart_at(conf_vt, conf_ud, "c1", 2, 1);
}
