/*
 * test_cart.c - carts (orders/cart.h): one per customer; add, update,
 * remove, clear; line snapshots, totals, versions, limits, currencies,
 * expiry and the purge sweep.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture.h"
#include "support/fixture_extra.h"

#define CART_TTL (30 * FIX_DAY)

static fixture_t F;

static void setup(void)
{
    fix_open(&F, NULL);
    fixx_product(&F, "mug", "s1", "Blue Mug", "https://img.example/mug.png", 1250, "USD", 7, true);
    fixx_product(&F, "tee", "s2", "T-Shirt", NULL, 1999, "USD", 5, true);
    fixx_product(&F, "cap", "s1", "Cap", NULL, 333, "USD", 100, true);
    fixx_product(&F, "old", "s1", "Retired", NULL, 100, "USD", 10, false);
    fixx_product(&F, "eur", "s3", "Euro Thing", NULL, 900, "EUR", 10, true);
}

/* max_quantity 5 and max_cart_lines 50 (the default). */
static void setup_small_max(void)
{
    orders_config_t cfg = orders_config_default();
    cfg.max_quantity = 5;
    fix_open(&F, &cfg);
    fixx_product(&F, "cap", "s1", "Cap", NULL, 333, "USD", 100, true);
}

static void teardown(void)
{
    fix_close(&F);
}

/* Adds and returns the cart as written; asserts success. */
static orders_cart_t *add(const char *customer, const char *product, int64_t q, int64_t version)
{
    orders_error_t err = {0};
    orders_cart_t *c = NULL;
    cr_assert_eq(orders_cart_add(F.ctx, customer, product, q, version, &c, &err), ORDERS_OK,
                 "add %s x%lld: %s", product, (long long)q, err.message);
    cr_assert_not_null(c);
    return c;
}

static const orders_cart_line_t *line_of(const orders_cart_t *c, const char *product)
{
    for (size_t i = 0; i < c->item_count; i++)
        if (strcmp(c->items[i].product_id, product) == 0)
            return &c->items[i];
    return NULL;
}

TestSuite(cart, .init = setup, .fini = teardown);

Test(cart, get_creates_an_empty_stored_cart)
{
    orders_cart_t *c = fixx_cart(&F, "c1");
    cr_assert_str_eq(c->customer_id, "c1");
    cr_assert_not_null(c->id);
    cr_assert_gt(strlen(c->id), 0u);
    cr_assert_eq(c->item_count, 0u);
    cr_assert_eq(c->total_items, 0);
    cr_assert_eq(c->total_amount.amount, 0);
    cr_assert_geq(c->version, 1, "a stored cart has version >= 1, got %lld",
                  (long long)c->version);
    cr_assert_eq(c->created_at, FIX_T0);
    cr_assert_eq(c->updated_at, FIX_T0);
    cr_assert_eq(c->expires_at, FIX_T0 + CART_TTL);

    /* it was stored: the next get returns the same cart, unchanged */
    fix_advance(&F, FIX_MINUTE);
    orders_cart_t *again = fixx_cart(&F, "c1");
    cr_assert_str_eq(again->id, c->id);
    cr_assert_eq(again->version, c->version);
    cr_assert_eq(again->created_at, FIX_T0);

    /* another customer gets another cart */
    orders_cart_t *other = fixx_cart(&F, "c2");
    cr_assert_str_neq(other->id, c->id);
    cr_assert_str_eq(other->customer_id, "c2");
    orders_cart_free(other);
    orders_cart_free(again);
    orders_cart_free(c);
}

Test(cart, add_snapshots_the_product)
{
    fix_advance(&F, 5 * FIX_MINUTE);
    orders_cart_t *c = add("c1", "mug", 2, ORDERS_ANY_VERSION);
    cr_assert_eq(c->item_count, 1u);
    const orders_cart_line_t *l = &c->items[0];
    cr_assert_str_eq(l->product_id, "mug");
    cr_assert_str_eq(l->product_name, "Blue Mug");
    cr_assert_not_null(l->product_image);
    cr_assert_str_eq(l->product_image, "https://img.example/mug.png");
    cr_assert_str_eq(l->seller_id, "s1");
    cr_assert_eq(l->price.amount, 1250);
    cr_assert_str_eq(l->price.currency, "USD");
    cr_assert_eq(l->available_stock, 7);
    cr_assert_eq(l->added_at, FIX_T0 + 5 * FIX_MINUTE);
    cr_assert_eq(l->quantity, 2);
    cr_assert_eq(l->total_price.amount, 2500);
    cr_assert_str_eq(c->customer_id, "c1");

    /* the snapshot is a copy: changing the product later changes no line */
    fixx_set_price(&F, "mug", 9999);
    cr_assert_eq(orders_stock_set(F.ctx, "mug", 3, NULL, NULL), ORDERS_OK);
    orders_cart_t *read = fixx_cart(&F, "c1");
    cr_assert_eq(read->items[0].price.amount, 1250);
    cr_assert_eq(read->items[0].available_stock, 7);
    cr_assert_str_eq(read->items[0].product_name, "Blue Mug");
    cr_assert_eq(read->total_amount.amount, 2500);
    orders_cart_free(read);
    orders_cart_free(c);

    /* an update refreshes the snapshot (cart.h) */
    orders_error_t err = {0};
    cr_assert_eq(orders_cart_update(F.ctx, "c1", "mug", 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(c->items[0].price.amount, 9999);
    cr_assert_eq(c->items[0].available_stock, 3);
    cr_assert_eq(c->items[0].added_at, FIX_T0 + 5 * FIX_MINUTE, "addedAt stays");
    cr_assert_eq(c->total_amount.amount, 9999);
    orders_cart_free(c);
}

Test(cart, adding_again_raises_the_quantity)
{
    orders_cart_t *a = add("c1", "mug", 2, ORDERS_ANY_VERSION);
    fix_advance(&F, FIX_MINUTE);
    orders_cart_t *b = add("c1", "mug", 3, ORDERS_ANY_VERSION);
    cr_assert_eq(b->item_count, 1u, "one line per product");
    cr_assert_eq(b->items[0].quantity, 5);
    cr_assert_eq(b->items[0].total_price.amount, 5 * 1250);
    cr_assert_eq(b->items[0].added_at, FIX_T0, "addedAt is when the line was first added");
    cr_assert_eq(b->total_items, 5);
    orders_cart_free(a);
    orders_cart_free(b);
}

Test(cart, totals_are_recomputed_on_every_change)
{
    orders_cart_t *c = add("c1", "mug", 2, ORDERS_ANY_VERSION); /* 2500 */
    cr_assert_eq(c->total_items, 2);
    cr_assert_eq(c->total_amount.amount, 2500);
    cr_assert_str_eq(c->total_amount.currency, "USD");
    orders_cart_free(c);

    c = add("c1", "tee", 3, ORDERS_ANY_VERSION); /* + 5997 */
    cr_assert_eq(c->total_items, 5);
    cr_assert_eq(c->total_amount.amount, 8497);
    orders_cart_free(c);

    c = add("c1", "cap", 7, ORDERS_ANY_VERSION); /* + 2331 */
    cr_assert_eq(c->total_items, 12);
    cr_assert_eq(c->total_amount.amount, 10828);
    orders_cart_free(c);

    orders_error_t err = {0};
    cr_assert_eq(orders_cart_update(F.ctx, "c1", "tee", 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(c->total_items, 10);
    cr_assert_eq(c->total_amount.amount, 2500 + 1999 + 2331);
    cr_assert_eq(line_of(c, "tee")->total_price.amount, 1999);
    orders_cart_free(c);

    cr_assert_eq(orders_cart_remove(F.ctx, "c1", "mug", ORDERS_ANY_VERSION, &c, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(c->total_items, 8);
    cr_assert_eq(c->total_amount.amount, 1999 + 2331);
    orders_cart_free(c);

    cr_assert_eq(orders_cart_clear(F.ctx, "c1", ORDERS_ANY_VERSION, &c, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(c->item_count, 0u);
    cr_assert_eq(c->total_items, 0);
    cr_assert_eq(c->total_amount.amount, 0);
    orders_cart_free(c);

    /* what was returned is what was stored */
    c = fixx_cart(&F, "c1");
    cr_assert_eq(c->total_items, 0);
    orders_cart_free(c);
}

Test(cart, version_goes_up_by_one_per_change)
{
    orders_error_t err = {0};
    orders_cart_t *c = fixx_cart(&F, "c1");
    int64_t v = c->version;
    orders_cart_free(c);

    c = add("c1", "mug", 1, v);
    cr_assert_eq(c->version, v + 1);
    orders_cart_free(c);
    c = add("c1", "tee", 1, v + 1);
    cr_assert_eq(c->version, v + 2);
    orders_cart_free(c);
    cr_assert_eq(orders_cart_update(F.ctx, "c1", "tee", 2, v + 2, &c, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(c->version, v + 3);
    orders_cart_free(c);
    cr_assert_eq(orders_cart_remove(F.ctx, "c1", "tee", v + 3, &c, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(c->version, v + 4);
    orders_cart_free(c);
    cr_assert_eq(orders_cart_clear(F.ctx, "c1", v + 4, &c, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(c->version, v + 5);
    orders_cart_free(c);

    c = fixx_cart(&F, "c1");
    cr_assert_eq(c->version, v + 5, "the stored version is the returned one");
    orders_cart_free(c);
}

Test(cart, stale_version_is_a_conflict_and_changes_nothing)
{
    orders_cart_t *c = add("c1", "mug", 2, ORDERS_ANY_VERSION);
    int64_t v = c->version;
    orders_cart_free(c);
    fix_advance(&F, FIX_MINUTE);

    orders_error_t err = {0};
    orders_cart_t *out = NULL;
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "tee", 1, v - 1, &out, &err), ORDERS_E_CONFLICT);
    cr_assert_null(out);
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "tee", 1, v + 1, &out, &err), ORDERS_E_CONFLICT);
    cr_assert_eq(orders_cart_update(F.ctx, "c1", "mug", 1, v - 1, &out, &err), ORDERS_E_CONFLICT);
    cr_assert_eq(orders_cart_update(F.ctx, "c1", "mug", 0, v - 1, &out, &err), ORDERS_E_CONFLICT);
    cr_assert_eq(orders_cart_remove(F.ctx, "c1", "mug", v - 1, &out, &err), ORDERS_E_CONFLICT);
    cr_assert_eq(orders_cart_clear(F.ctx, "c1", v - 1, &out, &err), ORDERS_E_CONFLICT);
    cr_assert_eq(err.code, ORDERS_E_CONFLICT);
    cr_assert_null(out);

    c = fixx_cart(&F, "c1");
    cr_assert_eq(c->version, v);
    cr_assert_eq(c->item_count, 1u);
    cr_assert_str_eq(c->items[0].product_id, "mug");
    cr_assert_eq(c->items[0].quantity, 2);
    cr_assert_eq(c->updated_at, FIX_T0, "a refused change does not touch updatedAt");
    orders_cart_free(c);
}

Test(cart, update_to_zero_or_less_removes_the_line)
{
    orders_error_t err = {0};
    orders_cart_t *c = add("c1", "mug", 2, ORDERS_ANY_VERSION);
    orders_cart_free(c);
    c = add("c1", "tee", 1, ORDERS_ANY_VERSION);
    orders_cart_free(c);

    cr_assert_eq(orders_cart_update(F.ctx, "c1", "mug", 0, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(c->item_count, 1u);
    cr_assert_null(line_of(c, "mug"));
    cr_assert_eq(c->total_amount.amount, 1999);
    orders_cart_free(c);

    cr_assert_eq(orders_cart_update(F.ctx, "c1", "tee", -3, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(c->item_count, 0u);
    cr_assert_eq(c->total_items, 0);
    orders_cart_free(c);
}

Test(cart, update_sets_the_quantity_and_checks_stock)
{
    orders_error_t err = {0};
    orders_cart_t *c = add("c1", "tee", 2, ORDERS_ANY_VERSION); /* stock 5 */
    int64_t v = c->version;
    orders_cart_free(c);

    cr_assert_eq(orders_cart_update(F.ctx, "c1", "tee", 10, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_OUT_OF_STOCK);
    cr_assert_null(c);
    cr_assert_eq(err.code, ORDERS_E_OUT_OF_STOCK);
    cr_assert_str_eq(err.message, "Insufficient stock. Available: 5, Requested: 10");

    c = fixx_cart(&F, "c1");
    cr_assert_eq(c->version, v);
    cr_assert_eq(c->items[0].quantity, 2);
    orders_cart_free(c);

    /* exactly the stock is fine, and sets (not adds) the quantity */
    cr_assert_eq(orders_cart_update(F.ctx, "c1", "tee", 5, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(c->items[0].quantity, 5);
    cr_assert_eq(c->total_items, 5);
    cr_assert_eq(c->total_amount.amount, 5 * 1999);
    orders_cart_free(c);
}

Test(cart, add_above_stock_is_refused)
{
    orders_error_t err = {0};
    orders_cart_t *c = NULL;
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "tee", 10, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_OUT_OF_STOCK);
    cr_assert_null(c);
    cr_assert_str_eq(err.message, "Insufficient stock. Available: 5, Requested: 10");

    /* the raised quantity is what is checked */
    c = add("c1", "tee", 3, ORDERS_ANY_VERSION);
    orders_cart_free(c);
    c = NULL;
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "tee", 3, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_OUT_OF_STOCK);
    cr_assert_str_eq(err.message, "Insufficient stock. Available: 5, Requested: 6");
    c = fixx_cart(&F, "c1");
    cr_assert_eq(c->items[0].quantity, 3);
    orders_cart_free(c);
}

Test(cart, remove_and_unknown_lines)
{
    orders_error_t err = {0};
    orders_cart_t *c = add("c1", "mug", 1, ORDERS_ANY_VERSION);
    int64_t v = c->version;
    orders_cart_free(c);
    c = NULL;

    cr_assert_eq(orders_cart_remove(F.ctx, "c1", "tee", ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_NOT_FOUND);
    cr_assert_str_eq(err.message, "Item not found in cart");
    cr_assert_null(c);
    cr_assert_eq(orders_cart_update(F.ctx, "c1", "tee", 2, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_NOT_FOUND);
    cr_assert_str_eq(err.message, "Item not found in cart");
    cr_assert_eq(orders_cart_update(F.ctx, "c1", "tee", 0, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_NOT_FOUND);
    cr_assert_str_eq(err.message, "Item not found in cart");
    c = fixx_cart(&F, "c1");
    cr_assert_eq(c->version, v, "refusals do not bump the version");
    orders_cart_free(c);

    cr_assert_eq(orders_cart_remove(F.ctx, "c1", "mug", ORDERS_ANY_VERSION, &c, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(c->item_count, 0u);
    orders_cart_free(c);
    cr_assert_eq(orders_cart_remove(F.ctx, "c1", "mug", ORDERS_ANY_VERSION, NULL, &err),
                 ORDERS_E_NOT_FOUND, "removing twice");
}

Test(cart, clear_removes_every_line)
{
    orders_error_t err = {0};
    orders_cart_t *c = add("c1", "mug", 1, ORDERS_ANY_VERSION);
    orders_cart_free(c);
    c = add("c1", "tee", 2, ORDERS_ANY_VERSION);
    orders_cart_free(c);
    c = add("c1", "cap", 3, ORDERS_ANY_VERSION);
    char *id = strdup(c->id);
    orders_cart_free(c);

    cr_assert_eq(orders_cart_clear(F.ctx, "c1", ORDERS_ANY_VERSION, NULL, &err), ORDERS_OK, "%s",
                 err.message);
    c = fixx_cart(&F, "c1");
    cr_assert_eq(c->item_count, 0u);
    cr_assert_eq(c->total_items, 0);
    cr_assert_eq(c->total_amount.amount, 0);
    cr_assert_str_eq(c->id, id, "clearing keeps the cart");
    free(id);
    orders_cart_free(c);

    /* a cleared cart takes new lines */
    c = add("c1", "cap", 1, ORDERS_ANY_VERSION);
    cr_assert_eq(c->item_count, 1u);
    orders_cart_free(c);
}

Test(cart, unknown_and_inactive_products_are_refused)
{
    orders_error_t err = {0};
    orders_cart_t *c = NULL;
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "nope", 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_NOT_FOUND);
    cr_assert_null(c);
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "old", 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_INACTIVE);
    cr_assert_eq(err.code, ORDERS_E_INACTIVE);
    cr_assert_null(c);

    /* deactivated after it was added: the line can no longer be raised */
    c = add("c1", "mug", 1, ORDERS_ANY_VERSION);
    orders_cart_free(c);
    c = NULL;
    fixx_set_active(&F, "mug", false);
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "mug", 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_INACTIVE);
    cr_assert_eq(orders_cart_update(F.ctx, "c1", "mug", 2, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_INACTIVE);
    c = fixx_cart(&F, "c1");
    cr_assert_eq(c->items[0].quantity, 1);
    orders_cart_free(c);
}

Test(cart, quantity_below_one_is_invalid)
{
    orders_error_t err = {0};
    const int64_t bad[] = {0, -1, -1000, INT64_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orders_cart_t *c = NULL;
        memset(&err, 0, sizeof err);
        cr_assert_eq(orders_cart_add(F.ctx, "c1", "mug", bad[i], ORDERS_ANY_VERSION, &c, &err),
                     ORDERS_E_INVALID, "quantity %lld", (long long)bad[i]);
        cr_assert_eq(err.code, ORDERS_E_INVALID);
        cr_assert_str_eq(err.field, "quantity");
        cr_assert_null(c);
    }
    orders_cart_t *c = fixx_cart(&F, "c1");
    cr_assert_eq(c->item_count, 0u);
    orders_cart_free(c);
}

/* its own suite: a suite's .init runs before a test's own .init */
Test(cart_small_max, quantity_above_the_maximum_is_a_limit, .init = setup_small_max,
     .fini = teardown)
{
    orders_error_t err = {0};
    orders_cart_t *c = NULL;
    cr_assert_eq(orders_ctx_config(F.ctx)->max_quantity, 5);
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "cap", 6, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_LIMIT);
    cr_assert_null(c);
    cr_assert_str_eq(err.field, "quantity");

    c = add("c1", "cap", 5, ORDERS_ANY_VERSION); /* the maximum itself is fine */
    orders_cart_free(c);
    c = NULL;
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "cap", 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_LIMIT, "raising a line past the maximum");
    cr_assert_eq(orders_cart_update(F.ctx, "c1", "cap", 6, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_LIMIT);
    c = fixx_cart(&F, "c1");
    cr_assert_eq(c->items[0].quantity, 5);
    orders_cart_free(c);
}

Test(cart, the_51st_line_is_a_limit)
{
    cr_assert_eq(orders_ctx_config(F.ctx)->max_cart_lines, 50);
    char id[32];
    for (int i = 0; i < 51; i++) {
        snprintf(id, sizeof id, "p%02d", i);
        fix_product(&F, id, "s1", 100 + i, 10);
    }
    orders_error_t err = {0};
    for (int i = 0; i < 50; i++) {
        snprintf(id, sizeof id, "p%02d", i);
        cr_assert_eq(orders_cart_add(F.ctx, "c1", id, 1, ORDERS_ANY_VERSION, NULL, &err),
                     ORDERS_OK, "line %d: %s", i + 1, err.message);
    }
    orders_cart_t *c = NULL;
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "p50", 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_LIMIT);
    cr_assert_null(c);
    /* raising an existing line is still fine at 50 lines */
    c = add("c1", "p07", 2, ORDERS_ANY_VERSION);
    cr_assert_eq(c->item_count, 50u);
    cr_assert_eq(c->total_items, 52);
    cr_assert_null(line_of(c, "p50"));
    orders_cart_free(c);
}

Test(cart, currencies_do_not_mix)
{
    orders_error_t err = {0};
    orders_cart_t *c = add("c1", "mug", 1, ORDERS_ANY_VERSION);
    int64_t v = c->version;
    orders_cart_free(c);
    c = NULL;
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "eur", 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_CURRENCY);
    cr_assert_null(c);
    c = fixx_cart(&F, "c1");
    cr_assert_eq(c->version, v);
    cr_assert_eq(c->item_count, 1u);
    orders_cart_free(c);

    /* once empty, the cart takes the other currency */
    cr_assert_eq(orders_cart_clear(F.ctx, "c1", ORDERS_ANY_VERSION, NULL, &err), ORDERS_OK);
    c = add("c1", "eur", 2, ORDERS_ANY_VERSION);
    cr_assert_str_eq(c->total_amount.currency, "EUR");
    cr_assert_eq(c->total_amount.amount, 1800);
    orders_cart_free(c);
    c = NULL;
    cr_assert_eq(orders_cart_add(F.ctx, "c1", "mug", 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_CURRENCY);
}

Test(cart, expires_thirty_days_after_the_last_change)
{
    orders_cart_t *c = add("c1", "mug", 1, ORDERS_ANY_VERSION);
    cr_assert_eq(c->updated_at, FIX_T0);
    cr_assert_eq(c->expires_at, c->updated_at + CART_TTL);
    int64_t created = c->created_at;
    orders_cart_free(c);

    fix_advance(&F, 3 * FIX_DAY + 17);
    c = add("c1", "tee", 1, ORDERS_ANY_VERSION);
    cr_assert_eq(c->updated_at, FIX_T0 + 3 * FIX_DAY + 17);
    cr_assert_eq(c->expires_at, c->updated_at + CART_TTL);
    cr_assert_eq(c->created_at, created, "createdAt stays");
    orders_cart_free(c);

    /* reading is not a change */
    fix_advance(&F, FIX_DAY);
    c = fixx_cart(&F, "c1");
    cr_assert_eq(c->expires_at, FIX_T0 + 3 * FIX_DAY + 17 + CART_TTL);
    orders_cart_free(c);
}

Test(cart, purge_deletes_only_expired_carts)
{
    orders_error_t err = {0};
    orders_cart_t *c = add("old1", "mug", 1, ORDERS_ANY_VERSION);
    char *old_id = strdup(c->id);
    orders_cart_free(c);
    c = fixx_cart(&F, "old2"); /* an empty stored cart expires too */
    orders_cart_free(c);

    fix_advance(&F, 10 * FIX_DAY);
    c = add("young", "tee", 1, ORDERS_ANY_VERSION);
    orders_cart_free(c);

    int64_t purged = -1;
    /* one millisecond before the deadline: nothing */
    cr_assert_eq(orders_carts_purge(F.ctx, FIX_T0 + CART_TTL - 1, &purged, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(purged, 0);

    /* at the deadline itself (expires_at <= now): the two old carts */
    cr_assert_eq(orders_carts_purge(F.ctx, FIX_T0 + CART_TTL, &purged, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(purged, 2);
    fix_advance(&F, 20 * FIX_DAY + 1); /* T0 + 30 days + 1 ms */

    /* the young cart is intact */
    c = fixx_cart(&F, "young");
    cr_assert_eq(c->item_count, 1u);
    cr_assert_str_eq(c->items[0].product_id, "tee");
    orders_cart_free(c);
    /* the old one is gone: a get starts a fresh, empty cart */
    c = fixx_cart(&F, "old1");
    cr_assert_eq(c->item_count, 0u);
    cr_assert_str_neq(c->id, old_id);
    free(old_id);
    orders_cart_free(c);

    /* purging again finds nothing; NULL count is allowed */
    cr_assert_eq(orders_carts_purge(F.ctx, F.now, &purged, &err), ORDERS_OK);
    cr_assert_eq(purged, 0);
    cr_assert_eq(orders_carts_purge(F.ctx, F.now, NULL, &err), ORDERS_OK);

    /* far future: the young cart and the fresh old1 cart expire */
    cr_assert_eq(orders_carts_purge(F.ctx, F.now + 365 * FIX_DAY, &purged, &err), ORDERS_OK);
    cr_assert_eq(purged, 2, "young and the fresh old1 cart");
}

Test(cart, ids_longer_than_128_bytes_are_invalid)
{
    orders_error_t err = {0};
    orders_cart_t *c = NULL;
    char long_id[200];
    snprintf(long_id, sizeof long_id, "%s", fixx_long_id(129, 'x'));

    cr_assert_eq(orders_cart_get(F.ctx, long_id, &c, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "customerId");
    cr_assert_null(c);
    cr_assert_eq(orders_cart_add(F.ctx, long_id, "mug", 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_INVALID);
    cr_assert_eq(orders_cart_add(F.ctx, "c1", long_id, 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "productId");
    cr_assert_eq(orders_cart_update(F.ctx, "c1", long_id, 1, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_INVALID);
    cr_assert_eq(orders_cart_remove(F.ctx, "c1", long_id, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_INVALID);
    cr_assert_eq(orders_cart_clear(F.ctx, long_id, ORDERS_ANY_VERSION, &c, &err),
                 ORDERS_E_INVALID);
    cr_assert_eq(orders_cart_get(F.ctx, "", &c, &err), ORDERS_E_INVALID, "empty id");
    cr_assert_null(c);

    /* exactly 128 bytes is a valid id */
    snprintf(long_id, sizeof long_id, "%s", fixx_long_id(128, 'y'));
    c = add(long_id, "mug", 1, ORDERS_ANY_VERSION);
    cr_assert_str_eq(c->customer_id, long_id);
    orders_cart_free(c);
}
