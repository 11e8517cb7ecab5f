/*
 * analytics.c - sales and inventory figures over a time range.  The
 * definitions are in analytics.h; orders are visited once through the
 * store's scan and the counters come from the store's stats.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct rows {
    orders_amount_row_t *v;
    size_t n, cap;
} rows_t;

typedef struct scan {
    orders_analytics_t *a;
    rows_t aov, seller, method;
    int64_t delivery_ms_sum;
    orders_error_t err; /* why the scan stopped (code ORDERS_OK: it did not) */
} scan_t;

/* Adds amount to the row keyed (key, currency), creating it.  A sum beyond
 * the money range (ORDERS_MONEY_MAX) is ORDERS_E_OVERFLOW: it could not be
 * shown exactly. */
static orders_code_t row_add(rows_t *r, const char *key, const orders_money_t *m, int64_t orders,
                             orders_error_t *err)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].key, key) == 0 && strcmp(r->v[i].amount.currency, m->currency) == 0) {
            r->v[i].orders += orders;
            return orders_money_add(&r->v[i].amount, m, &r->v[i].amount, err);
        }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        orders_amount_row_t *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            return orders__nomem(err);
        r->v = v;
        r->cap = cap;
    }
    orders_amount_row_t *row = &r->v[r->n];
    if (!(row->key = orders__strdup(key)))
        return orders__nomem(err);
    row->amount = *m;
    row->orders = orders;
    r->n++;
    return ORDERS_OK;
}

static bool earned(const orders_order_t *o)
{
    return o->status >= ORDERS_STATUS_CONFIRMED && o->status <= ORDERS_STATUS_DELIVERED;
}

static int visit(void *ud, const orders_order_t *o)
{
    scan_t *s = ud;
    orders_analytics_t *a = s->a;
    a->orders_placed++;
    if (o->status == ORDERS_STATUS_CANCELLED)
        a->orders_cancelled++;
    orders_error_t *err = &s->err;
    orders_code_t rc = row_add(&s->aov, o->total_amount.currency, &o->total_amount, 1, err);
    if (o->status == ORDERS_STATUS_DELIVERED && o->delivered_at >= o->placed_at) {
        a->orders_delivered++;
        s->delivery_ms_sum += o->delivered_at - o->placed_at;
    }
    if (rc == ORDERS_OK && earned(o)) {
        orders_money_t net = o->total_amount;
        net.amount -= o->refund_amount.amount;
        rc = row_add(&s->method, orders_payment_method_name(o->payment_method), &net, 1, err);
        for (size_t i = 0; rc == ORDERS_OK && i < o->item_count; i++)
            rc = row_add(&s->seller, o->items[i].seller_id, &o->items[i].total_price, 0, err);
        for (size_t i = 0; rc == ORDERS_OK && i < o->seller_count; i++) {
            orders_money_t zero = {0, {0}};
            memcpy(zero.currency, o->total_amount.currency, ORDERS_CURRENCY_LEN);
            rc = row_add(&s->seller, o->seller_statuses[i].seller_id, &zero, 1, err);
        }
    }
    return rc != ORDERS_OK; /* non-zero stops the scan */
}

static void rows_free(orders_amount_row_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].key);
    free(v);
}

void orders_analytics_free(orders_analytics_t *a)
{
    if (!a)
        return;
    rows_free(a->average_order_value, a->average_order_value_count);
    rows_free(a->revenue_by_seller, a->revenue_by_seller_count);
    rows_free(a->revenue_by_method, a->revenue_by_method_count);
    free(a);
}

static int64_t basis_points(int64_t part, int64_t whole)
{
    return whole > 0 ? (int64_t)((__int128)part * 10000 / whole) : 0;
}

static orders_code_t counters(orders_ctx_t *ctx, orders_analytics_t *a, orders_error_t *err)
{
    const orders_store_vtable_t *st = ctx->store;
    orders_code_t rc;
    if ((rc = st->stat_count(ctx->store_ud, "cart_created", a->from, a->to, &a->carts_created, err)) ||
        (rc = st->stat_count(ctx->store_ud, "out_of_stock", a->from, a->to, &a->out_of_stock, err)) ||
        (rc = st->stat_count(ctx->store_ud, "reservation_conflict", a->from, a->to,
                             &a->reservation_conflicts, err)))
        return rc;
    return st->reservation_counts(ctx->store_ud, a->from, a->to, &a->reservations, err);
}

orders_code_t orders_analytics_compute(orders_ctx_t *ctx, int64_t from, int64_t to,
                                       orders_analytics_t **out, orders_error_t *err)
{
    *out = NULL;
    if (from >= to)
        return orders_error_set(err, ORDERS_E_INVALID, "from", "from must be before to");
    orders_analytics_t *a = calloc(1, sizeof *a);
    if (!a)
        return orders__nomem(err);
    a->from = from;
    a->to = to;
    scan_t s = {.a = a};
    orders_code_t rc = ctx->store->order_scan(ctx->store_ud, from, to, visit, &s, err);
    if (rc == ORDERS_OK && s.err.code != ORDERS_OK) {
        rc = s.err.code;
        if (err)
            *err = s.err;
    }
    if (rc == ORDERS_OK)
        rc = counters(ctx, a, err);
    a->average_order_value = s.aov.v, a->average_order_value_count = s.aov.n;
    a->revenue_by_seller = s.seller.v, a->revenue_by_seller_count = s.seller.n;
    a->revenue_by_method = s.method.v, a->revenue_by_method_count = s.method.n;
    if (rc) {
        orders_analytics_free(a);
        return rc;
    }
    for (size_t i = 0; i < a->average_order_value_count; i++) {
        orders_amount_row_t *r = &a->average_order_value[i];
        r->amount.amount = r->orders ? r->amount.amount / r->orders : 0;
    }
    a->conversion_bp = basis_points(a->orders_placed, a->carts_created);
    a->cancellation_bp = basis_points(a->orders_cancelled, a->orders_placed);
    a->reservation_conversion_bp =
        basis_points(a->reservations.confirmed, a->reservations.confirmed +
                                                    a->reservations.expired +
                                                    a->reservations.cancelled);
    a->mean_delivery_ms = a->orders_delivered ? s.delivery_ms_sum / a->orders_delivered : 0;
    *out = a;
    return ORDERS_OK;
}
