/*
 * test_analytics.c - orders_analytics_compute over a known history built
 * with the fixture clock.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture_extra.h"
#include "support/fixture_more.h"

static fixture_t f;

static void setup(void)
{
    fix_open(&f, NULL);
}

static void teardown(void)
{
    fix_close(&f);
}

static void at(int64_t ms)
{
    cr_assert_geq(FIX_T0 + ms, f.now, "the clock only moves forward");
    f.now = FIX_T0 + ms;
}

static void move_all(char *const *ids, size_t n, orders_status_t to)
{
    for (size_t i = 0; i < n; i++)
        orders_order_free(fm_move(&f, ids[i], to));
}

/*
 * The history (minutes from T0):
 *   1  c1 cart, o1 cod 2 x pa = 2000        -> delivered at 1 min + 2 days
 *   2  c2 cart, o2 wallet 1 x pb = 2500     -> cancelled at 10 (refunded)
 *   3  c3 cart, o3 online pa + pb = 3500    -> delivered at 3 min + 3 days
 *   4  c4 cart, o4 cod 2 x pb = 5000        -> cancelled at 10
 *   5  c5 cart, o5 online pending 1 x pa = 1000 -> expires (sweep at 40)
 *   6  c6 adds 2 x pc (1 in stock): refused, no cart
 *   6  c8 cart, o8 wallet 1 x pb = 2500     -> 500 refunded at 11
 *   7  c7 cart, abandoned; "ext-1" reservation of 5 x pc: refused
 */
static char *o1, *o3, *o8;

static char *place(const char *customer, orders_payment_method_t m, orders_status_t want)
{
    orders_order_t *o = fix_place(&f, customer, m);
    cr_assert_eq(o->status, want, "%s: %s", customer, orders_status_name(o->status));
    char *id = strdup(o->id);
    orders_order_free(o);
    return id;
}

static void build_history(void)
{
    orders_error_t err = {0};
    fix_product(&f, "pa", "sellerA", 1000, 100);
    fix_product(&f, "pb", "sellerB", 2500, 100);
    fix_product(&f, "pc", "sellerA", 500, 1);
    fm_credit(&f, "c2", 10000, "top-c2");
    fm_credit(&f, "c8", 10000, "top-c8");

    at(1 * FIX_MINUTE);
    fix_add(&f, "c1", "pa", 2);
    o1 = place("c1", ORDERS_METHOD_COD, ORDERS_STATUS_CONFIRMED);
    at(2 * FIX_MINUTE);
    fix_add(&f, "c2", "pb", 1);
    char *o2 = place("c2", ORDERS_METHOD_WALLET, ORDERS_STATUS_CONFIRMED);
    at(3 * FIX_MINUTE);
    fix_add(&f, "c3", "pa", 1);
    fix_add(&f, "c3", "pb", 1);
    o3 = place("c3", ORDERS_METHOD_ONLINE, ORDERS_STATUS_CONFIRMED);
    at(4 * FIX_MINUTE);
    fix_add(&f, "c4", "pb", 2);
    char *o4 = place("c4", ORDERS_METHOD_COD, ORDERS_STATUS_CONFIRMED);
    at(5 * FIX_MINUTE);
    fix_add(&f, "c5", "pa", 1);
    cr_assert_eq(orders_gateway_test_script(f.test_gateway, ORDERS_TEST_PENDING, &err), ORDERS_OK);
    char *o5 = place("c5", ORDERS_METHOD_ONLINE, ORDERS_STATUS_PENDING);
    at(6 * FIX_MINUTE);
    cr_assert_eq(orders_cart_add(f.ctx, "c6", "pc", 2, ORDERS_ANY_VERSION, NULL, &err),
                 ORDERS_E_OUT_OF_STOCK);
    fix_add(&f, "c8", "pb", 1);
    o8 = place("c8", ORDERS_METHOD_WALLET, ORDERS_STATUS_CONFIRMED);
    at(7 * FIX_MINUTE);
    fix_add(&f, "c7", "pa", 1);
    orders_item_request_t big = {"pc", 5};
    cr_assert_eq(orders_reservation_create(f.ctx, "ext-1", NULL, &big, 1, 0, NULL, &err),
                 ORDERS_E_OUT_OF_STOCK);

    at(10 * FIX_MINUTE);
    cr_assert_eq(orders_order_cancel(f.ctx, o2, NULL, "admin", NULL, NULL, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(orders_order_cancel(f.ctx, o4, NULL, "admin", NULL, NULL, &err), ORDERS_OK, "%s",
                 err.message);
    at(11 * FIX_MINUTE);
    cr_assert_eq(orders_order_refund(f.ctx, o8, 500, "scratch", "admin", NULL, &err), ORDERS_OK,
                 "%s", err.message);
    at(40 * FIX_MINUTE);
    int64_t n = 0;
    cr_assert_eq(orders_reservations_expire(f.ctx, f.now, &n, &err), ORDERS_OK);
    cr_assert_eq(n, 1);

    char *both[2] = {o1, o3};
    at(FIX_HOUR);
    move_all(both, 2, ORDERS_STATUS_PROCESSING);
    at(FIX_DAY);
    move_all(both, 2, ORDERS_STATUS_SHIPPED);
    at(FIX_MINUTE + 2 * FIX_DAY);
    move_all(&o1, 1, ORDERS_STATUS_DELIVERED);
    at(3 * FIX_MINUTE + 3 * FIX_DAY);
    move_all(&o3, 1, ORDERS_STATUS_DELIVERED);
    free(o2);
    free(o4);
    free(o5);
}

static void free_history(void)
{
    free(o1);
    free(o3);
    free(o8);
}

static const orders_amount_row_t *row(const orders_amount_row_t *rows, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].key, key) == 0)
            return &rows[i];
    return NULL;
}

static void assert_row(const orders_amount_row_t *rows, size_t n, const char *key, int64_t amount,
                       int64_t orders)
{
    const orders_amount_row_t *r = row(rows, n, key);
    cr_assert_not_null(r, "no row %s", key);
    cr_assert_eq(r->amount.amount, amount, "%s: amount %lld, expected %lld", key,
                 (long long)r->amount.amount, (long long)amount);
    cr_assert_str_eq(r->amount.currency, "USD");
    cr_assert_eq(r->orders, orders, "%s: %lld orders, expected %lld", key, (long long)r->orders,
                 (long long)orders);
}

static orders_analytics_t *compute(int64_t from, int64_t to)
{
    orders_analytics_t *a = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_analytics_compute(f.ctx, from, to, &a, &err), ORDERS_OK, "%s", err.message);
    cr_assert_not_null(a);
    cr_assert_eq(a->from, from);
    cr_assert_eq(a->to, to);
    return a;
}

Test(analytics, whole_history, .init = setup, .fini = teardown)
{
    build_history();
    orders_analytics_t *a = compute(FIX_T0, FIX_T0 + 10 * FIX_DAY);
    cr_assert_eq(a->carts_created, 7);
    cr_assert_eq(a->orders_placed, 6);
    cr_assert_eq(a->conversion_bp, 8571, "6 / 7 = 8571 bp, got %lld", (long long)a->conversion_bp);
    cr_assert_eq(a->orders_cancelled, 3);
    cr_assert_eq(a->cancellation_bp, 5000);

    cr_assert_eq(a->average_order_value_count, 1);
    assert_row(a->average_order_value, 1, "USD", 16500 / 6, 6);

    cr_assert_eq(a->reservations.active, 0);
    cr_assert_eq(a->reservations.confirmed, 3);
    cr_assert_eq(a->reservations.cancelled, 2);
    cr_assert_eq(a->reservations.expired, 1);
    /* 3 confirmed of 6 settled */
    cr_assert_eq(a->reservation_conversion_bp, 5000);

    cr_assert_eq(a->orders_delivered, 2);
    cr_assert_eq(a->mean_delivery_ms, (2 * FIX_DAY + 3 * FIX_DAY) / 2);

    cr_assert_eq(a->revenue_by_seller_count, 2);
    assert_row(a->revenue_by_seller, 2, "sellerA", 2000 + 1000, 2);
    assert_row(a->revenue_by_seller, 2, "sellerB", 2500 + 2500, 2);

    cr_assert_eq(a->revenue_by_method_count, 3);
    assert_row(a->revenue_by_method, 3, "cod", 2000, 1);
    assert_row(a->revenue_by_method, 3, "online", 3500, 1);
    assert_row(a->revenue_by_method, 3, "wallet", 2500 - 500, 1);

    cr_assert_eq(a->out_of_stock, 1);
    cr_assert_eq(a->reservation_conflicts, 1);
    orders_analytics_free(a);
    free_history();
}

Test(analytics, window_counts_only_what_falls_inside, .init = setup, .fini = teardown)
{
    build_history();
    /* [T0, T0 + 150 s): c1/o1 and c2/o2 only */
    orders_analytics_t *a = compute(FIX_T0, FIX_T0 + 150000);
    cr_assert_eq(a->carts_created, 2);
    cr_assert_eq(a->orders_placed, 2);
    cr_assert_eq(a->conversion_bp, 10000);
    cr_assert_eq(a->orders_cancelled, 1);
    cr_assert_eq(a->cancellation_bp, 5000);
    assert_row(a->average_order_value, a->average_order_value_count, "USD", 2250, 2);
    /* o2's reservation was last updated at 10 min (cancelled): outside */
    cr_assert_eq(a->reservations.confirmed, 1);
    cr_assert_eq(a->reservations.cancelled, 0);
    cr_assert_eq(a->reservations.expired, 0);
    cr_assert_eq(a->reservation_conversion_bp, 10000, "1 confirmed of 1 settled");
    cr_assert_eq(a->orders_delivered, 1);
    cr_assert_eq(a->mean_delivery_ms, 2 * FIX_DAY);
    cr_assert_eq(a->revenue_by_method_count, 1);
    assert_row(a->revenue_by_method, 1, "cod", 2000, 1);
    cr_assert_eq(a->revenue_by_seller_count, 1);
    assert_row(a->revenue_by_seller, 1, "sellerA", 2000, 1);
    cr_assert_eq(a->out_of_stock, 0);
    cr_assert_eq(a->reservation_conflicts, 0);
    orders_analytics_free(a);
    free_history();
}

static void assert_empty(const orders_analytics_t *a)
{
    cr_assert_eq(a->carts_created, 0);
    cr_assert_eq(a->orders_placed, 0);
    cr_assert_eq(a->conversion_bp, 0);
    cr_assert_eq(a->orders_cancelled, 0);
    cr_assert_eq(a->cancellation_bp, 0);
    cr_assert_eq(a->average_order_value_count, 0);
    cr_assert_eq(a->reservations.active + a->reservations.confirmed + a->reservations.expired +
                     a->reservations.cancelled,
                 0);
    cr_assert_eq(a->orders_delivered, 0);
    cr_assert_eq(a->mean_delivery_ms, 0);
    cr_assert_eq(a->revenue_by_seller_count, 0);
    cr_assert_eq(a->revenue_by_method_count, 0);
    cr_assert_eq(a->out_of_stock, 0);
    cr_assert_eq(a->reservation_conflicts, 0);
}

Test(analytics, ranges_outside_the_history_are_zero, .init = setup, .fini = teardown)
{
    build_history();
    orders_analytics_t *a = compute(FIX_T0 + 20 * FIX_DAY, FIX_T0 + 30 * FIX_DAY);
    assert_empty(a);
    orders_analytics_free(a);
    a = compute(FIX_T0 - FIX_DAY, FIX_T0);
    assert_empty(a);
    orders_analytics_free(a);
    free_history();
}

Test(analytics, empty_store_and_bad_range, .init = setup, .fini = teardown)
{
    orders_analytics_t *a = compute(0, FIX_T0 + FIX_DAY);
    assert_empty(a);
    orders_analytics_free(a);
    orders_error_t err = {0};
    a = (orders_analytics_t *)&err; /* must be reset to NULL */
    cr_assert_eq(orders_analytics_compute(f.ctx, FIX_T0, FIX_T0, &a, &err), ORDERS_E_INVALID);
    cr_assert_null(a);
    cr_assert_eq(orders_analytics_compute(f.ctx, FIX_T0 + 1, FIX_T0, &a, &err), ORDERS_E_INVALID);
    cr_assert_null(a);
    orders_analytics_free(NULL);
}

/* Each order stays within the money range, but two of the largest sum
 * beyond it: the report is ORDERS_E_OVERFLOW, not a figure that would print
 * wrong (nor "out of memory", as it was). */
Test(analytics, a_sum_beyond_the_money_range_is_overflow, .init = setup, .fini = teardown)
{
    static fixx_pricing_t big = {.tax = ORDERS_MONEY_MAX - 1000};
    orders_ctx_set_pricing(f.ctx, fixx_pricing_hook, &big);
    fix_product(&f, "pa", "sellerA", 1000, 100);
    at(1 * FIX_MINUTE);
    fix_add(&f, "c1", "pa", 1);
    free(place("c1", ORDERS_METHOD_COD, ORDERS_STATUS_CONFIRMED));
    at(2 * FIX_MINUTE);
    fix_add(&f, "c2", "pa", 1);
    free(place("c2", ORDERS_METHOD_COD, ORDERS_STATUS_CONFIRMED));

    orders_analytics_t *a = compute(FIX_T0, FIX_T0 + 2 * FIX_MINUTE); /* the first only */
    cr_assert_eq(a->average_order_value_count, 1);
    cr_assert_eq(a->average_order_value[0].amount.amount, ORDERS_MONEY_MAX);
    orders_analytics_free(a);

    orders_error_t err = {0};
    cr_assert_eq(orders_analytics_compute(f.ctx, FIX_T0, FIX_T0 + FIX_DAY, &a, &err),
                 ORDERS_E_OVERFLOW, "%s", err.message);
    cr_assert_null(a);
    cr_assert_not_null(strstr(err.message, "exceeds 999999999999999 minor units"), "%s",
                       err.message);
}
