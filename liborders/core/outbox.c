/*
 * outbox.c - handing recorded events to the notifier, with retries,
 * exponential backoff plus jitter, and dead letters.
 */
#include "internal.h"

/* backoff * 2^(attempts-1), capped at one hour, plus up to 25% jitter. */
static int64_t retry_delay(orders_ctx_t *ctx, int attempts)
{
    int64_t d = ctx->cfg.outbox_backoff_ms;
    for (int i = 1; i < attempts && d < 3600000; i++)
        d *= 2;
    if (d > 3600000)
        d = 3600000;
    return d + (d > 0 ? (int64_t)(orders__random(ctx) % (uint64_t)(d / 4 + 1)) : 0);
}

orders_code_t orders_outbox_dispatch(orders_ctx_t *ctx, int64_t limit, int64_t *delivered,
                                     int64_t *failed, orders_error_t *err)
{
    int64_t ok = 0, bad = 0;
    if (delivered)
        *delivered = 0;
    if (failed)
        *failed = 0;
    if (!ctx->notifier)
        return orders_error_set(err, ORDERS_E_UNSUPPORTED, "notifier", "no notifier is registered");
    if (limit < 1)
        return orders_error_set(err, ORDERS_E_INVALID, "limit", "limit must be at least 1");
    orders_event_list_t due = {0};
    int64_t now = orders_ctx_now(ctx);
    orders_code_t rc = ctx->store->outbox_fetch(ctx->store_ud, now, limit, &due, err);
    for (size_t i = 0; rc == ORDERS_OK && i < due.count; i++) {
        const orders_event_t *e = due.items[i];
        orders_error_t derr = {0};
        orders_code_t d = ctx->notifier->deliver(ctx->notifier_ud, e, &derr);
        int attempts = e->attempts + 1;
        bool dead = d != ORDERS_OK &&
                    (d == ORDERS_E_INVALID || attempts >= ctx->cfg.outbox_max_attempts);
        rc = ctx->store->outbox_ack(ctx->store_ud, e->id, d == ORDERS_OK, dead,
                                    now + retry_delay(ctx, attempts),
                                    d == ORDERS_OK ? NULL : derr.message, err);
        if (d == ORDERS_OK)
            ok++;
        else
            bad++;
    }
    orders_event_list_clear(&due);
    if (delivered)
        *delivered = ok;
    if (failed)
        *failed = bad;
    return rc;
}

orders_code_t orders_outbox_counts(orders_ctx_t *ctx, int64_t *pending, int64_t *dead,
                                   orders_error_t *err)
{
    int64_t p = 0, d = 0;
    orders_code_t rc = ctx->store->outbox_counts(ctx->store_ud, &p, &d, err);
    if (pending)
        *pending = p;
    if (dead)
        *dead = d;
    return rc;
}
