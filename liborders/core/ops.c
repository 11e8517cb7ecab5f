/*
 * ops.c - operational counts (orders/ops.h) from the store's counters.
 */
#include <string.h>

#include "internal.h"

/* Reads every count into *c; the first failing store call's code. */
static orders_code_t read_counts(orders_ctx_t *ctx, orders_ops_counts_t *c, orders_error_t *err)
{
    const orders_store_vtable_t *st = ctx->store;
    orders_res_counts_t res = {0};
    orders_code_t rc;
    if ((rc = st->reservation_counts(ctx->store_ud, 0, INT64_MAX, &res, err)) ||
        (rc = st->stat_count(ctx->store_ud, "reservation_conflict", 0, INT64_MAX,
                             &c->reservation_conflicts, err)) ||
        (rc = st->outbox_counts(ctx->store_ud, &c->outbox_pending, &c->outbox_dead, err)))
        return rc;
    c->reservations_active = res.active;
    c->reservations_expired = res.expired;
    return ORDERS_OK;
}

orders_code_t orders_ops_counts(orders_ctx_t *ctx, orders_ops_counts_t *out, orders_error_t *err)
{
    if (!out)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "out must not be NULL");
    memset(out, 0, sizeof *out);
    if (!ctx)
        return orders_error_set(err, ORDERS_E_INVALID, "ctx", "ctx must not be NULL");
    if (!ctx->store)
        return orders_error_set(err, ORDERS_E_INVALID, "store", "no store is open");
    orders_ops_counts_t c = {0};
    orders_code_t rc = read_counts(ctx, &c, err);
    if (rc == ORDERS_OK)
        *out = c;
    return rc;
}
