/*
 * order_check.c - see order_check.h.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "support/order_check.h"

/* History entries of o; asserts its placement and confirmation are there. */
static size_t history_entries(orders_ctx_t *ctx, const char *when, const orders_order_t *o)
{
    orders_history_list_t h = {0};
    orders_error_t err = {0};
    orders_code_t rc = orders_order_history(ctx, o->id, &h, &err);
    cr_assert_eq(rc, ORDERS_OK, "%s: history of order %s: %s (%s)", when, o->id,
                 orders_strerror(rc), err.message);
    bool placed = false, confirmed = false;
    for (size_t i = 0; i < h.count; i++) {
        placed |= h.items[i]->from_status == NULL;
        confirmed |= h.items[i]->to_status && strcmp(h.items[i]->to_status, "confirmed") == 0;
    }
    size_t n = h.count;
    orders_history_list_clear(&h);
    cr_assert(placed && confirmed,
              "%s: order %s (customer %s) has %zu history entries without its placement (%d) "
              "or its confirmation (%d): half-placed",
              when, o->id, o->customer_id, n, placed, confirmed);
    return n;
}

/* The expected line of product, or NULL. */
static const ochk_line_t *line_of(const ochk_line_t *lines, size_t n, const char *product)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(lines[i].product_id, product) == 0)
            return &lines[i];
    return NULL;
}

static void check_items(const char *when, const orders_order_t *o, const ochk_line_t *lines,
                        size_t n)
{
    cr_assert_eq(o->item_count, n, "%s: order %s (%s) has %zu items, its cart had %zu", when,
                 o->id, o->customer_id, o->item_count, n);
    int64_t total = 0;
    for (size_t i = 0; i < o->item_count; i++) {
        const orders_order_item_t *it = &o->items[i];
        const ochk_line_t *want = line_of(lines, n, it->product_id);
        cr_assert_not_null(want, "%s: order %s (%s) has product %s, its cart did not", when,
                           o->id, o->customer_id, it->product_id);
        cr_assert_eq(it->status, ORDERS_ITEM_CONFIRMED, "%s: order %s item %s is %s", when, o->id,
                     it->product_id, orders_item_status_name(it->status));
        cr_assert_eq(it->quantity, want->quantity,
                     "%s: order %s (%s): %s x %lld, its cart had %lld", when, o->id,
                     o->customer_id, it->product_id, (long long)it->quantity,
                     (long long)want->quantity);
        total += want->quantity * want->unit_price;
    }
    cr_assert_eq(o->total_amount.amount, total, "%s: order %s total %lld, expected %lld", when,
                 o->id, (long long)o->total_amount.amount, (long long)total);
}

/* Its reservation: there, confirmed, holding exactly lines of store stock. */
static void check_reservation(orders_ctx_t *ctx, const char *when, const orders_order_t *o,
                              const ochk_line_t *lines, size_t n)
{
    orders_reservation_t *r = NULL;
    orders_error_t err = {0};
    orders_code_t rc = orders_reservation_get(ctx, o->id, &r, &err);
    cr_assert_eq(rc, ORDERS_OK, "%s: order %s (%s) has no reservation: %s (%s)", when, o->id,
                 o->customer_id, orders_strerror(rc), err.message);
    orders_reservation_status_t status = r->status;
    bool local = r->local_stock;
    size_t count = r->line_count;
    char bad[256] = "";
    for (size_t i = 0; i < r->line_count && !bad[0]; i++) {
        const ochk_line_t *want = line_of(lines, n, r->lines[i].product_id);
        if (want == NULL || want->quantity != r->lines[i].quantity)
            snprintf(bad, sizeof bad, "%s x %lld", r->lines[i].product_id,
                     (long long)r->lines[i].quantity);
    }
    orders_reservation_free(r);
    cr_assert_eq(status, ORDERS_RES_CONFIRMED,
                 "%s: reservation of order %s is %s, not confirmed (sold)", when, o->id,
                 orders_reservation_status_name(status));
    cr_assert(local, "%s: reservation of order %s does not hold store stock", when, o->id);
    cr_assert_eq(count, n, "%s: reservation of order %s has %zu lines, the order %zu", when,
                 o->id, count, n);
    cr_assert(!bad[0], "%s: reservation of order %s holds %s, which the order does not", when,
              o->id, bad);
}

size_t ochk_order_whole(orders_ctx_t *ctx, const char *when, const orders_order_t *o,
                        orders_payment_method_t method, const ochk_line_t *lines, size_t n)
{
    bool cod = method == ORDERS_METHOD_COD;
    orders_payment_status_t paid = cod ? ORDERS_PAYMENT_PENDING : ORDERS_PAYMENT_PAID;
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED, "%s: order %s (%s) is %s, not confirmed",
                 when, o->id, o->customer_id, orders_status_name(o->status));
    cr_assert_eq(o->payment_method, method, "%s: order %s is paid by %s, not %s", when, o->id,
                 orders_payment_method_name(o->payment_method),
                 orders_payment_method_name(method));
    cr_assert_eq(o->payment_status, paid, "%s: order %s payment is %s, not %s", when, o->id,
                 orders_payment_status_name(o->payment_status),
                 orders_payment_status_name(paid));
    cr_assert(!cod || o->version == 1, "%s: order %s at version %lld, nobody updated it", when,
              o->id, (long long)o->version);
    check_items(when, o, lines, n);
    check_reservation(ctx, when, o, lines, n);

    /* its customer's cart was cleared in the same step */
    orders_cart_t *cart = NULL;
    orders_error_t err = {0};
    orders_code_t rc = orders_cart_get(ctx, o->customer_id, &cart, &err);
    cr_assert_eq(rc, ORDERS_OK, "%s: cart of %s: %s (%s)", when, o->customer_id,
                 orders_strerror(rc), err.message);
    size_t left = cart->item_count;
    orders_cart_free(cart);
    cr_assert_eq(left, 0, "%s: order %s is stored but the cart of %s still has %zu lines", when,
                 o->id, o->customer_id, left);
    return history_entries(ctx, when, o);
}

orders_stock_t ochk_stock_sold(orders_ctx_t *ctx, const char *when, const char *product,
                               int64_t stocked, int64_t sold)
{
    orders_stock_t st = {0};
    orders_error_t err = {0};
    orders_code_t rc = orders_stock_get(ctx, product, &st, &err);
    cr_assert_eq(rc, ORDERS_OK, "%s: stock of %s: %s (%s)", when, product, orders_strerror(rc),
                 err.message);
    cr_assert_eq(st.available + st.reserved + st.sold, st.stocked - st.adjusted,
                 "%s: invariant broken for %s: %lld + %lld + %lld != %lld - %lld", when, product,
                 (long long)st.available, (long long)st.reserved, (long long)st.sold,
                 (long long)st.stocked, (long long)st.adjusted);
    cr_assert_eq(st.sold, sold, "%s: %s sold = %lld, but the stored orders hold %lld units",
                 when, product, (long long)st.sold, (long long)sold);
    cr_assert_eq(st.reserved, 0, "%s: %s reserved = %lld, every order is confirmed", when, product,
                 (long long)st.reserved);
    cr_assert_eq(st.stocked, stocked, "%s: %s stocked = %lld, %lld were added", when, product,
                 (long long)st.stocked, (long long)stocked);
    cr_assert_eq(st.adjusted, 0, "%s: %s adjusted = %lld", when, product, (long long)st.adjusted);
    cr_assert_eq(st.available, stocked - sold, "%s: %s available = %lld, expected %lld", when,
                 product, (long long)st.available, (long long)(stocked - sold));
    return st;
}
