/*
 * outbox.c - handing recorded events to the notifier, with retries,
 * exponential backoff plus jitter, and dead letters (and requeueing them).
 */
#include "internal.h"

#include <stdlib.h>

/* The dispatcher's lease on a shared store: held this long, given up
 * for a batch this long before it ends. */
#define OUTBOX_LEASE_MS 30000
#define OUTBOX_LEASE_MARGIN_MS 5000

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

/* Records the attempts acks[0..n): in one store step when the store can,
 * else one ack at a time.  Returns the first failure, after recording
 * every ack the store accepts. */
static orders_code_t record_acks(orders_ctx_t *ctx, const orders_outbox_ack_t *acks, size_t n,
                                 orders_code_t *results, orders_error_t *err)
{
    const orders_store_vtable_t *st = ctx->store;
    if (st->version >= 4 && st->outbox_ack_many != NULL) {
        orders_code_t rc = st->outbox_ack_many(ctx->store_ud, acks, n, results, err);
        for (size_t i = 0; rc == ORDERS_OK && i < n; i++)
            if (results[i] != ORDERS_OK)
                rc = orders_error_set(err, results[i], "event_id",
                                      "event %s was not acknowledged: it is %s", acks[i].event_id,
                                      results[i] == ORDERS_E_NOT_FOUND ? "gone" : "dead");
        return rc;
    }
    orders_code_t first = ORDERS_OK;
    for (size_t i = 0; i < n; i++) {
        const orders_outbox_ack_t *a = &acks[i];
        orders_error_t aerr = {0};
        orders_code_t rc = st->outbox_ack(ctx->store_ud, a->event_id, a->delivered, a->dead,
                                          a->next_attempt_at, a->error, &aerr);
        if (rc != ORDERS_OK && first == ORDERS_OK) {
            first = rc;
            if (err)
                *err = aerr;
        }
    }
    return first;
}

/* Takes or renews the store's "outbox" lease for this context.  *until is
 * when it ends (INT64_MAX for a store without leases: one dispatcher per
 * store is then the caller's to ensure); *held false when another
 * dispatcher has it. */
static orders_code_t take_lease(orders_ctx_t *ctx, int64_t now, bool *held, int64_t *until,
                                orders_error_t *err)
{
    const orders_store_vtable_t *st = ctx->store;
    *held = true;
    *until = INT64_MAX;
    if (st->version < 5 || st->lease_take == NULL)
        return ORDERS_OK;
    *until = now + OUTBOX_LEASE_MS;
    return st->lease_take(ctx->store_ud, "outbox", ctx->instance, now, *until, held, err);
}

orders_code_t orders_outbox_release(orders_ctx_t *ctx, orders_error_t *err)
{
    const orders_store_vtable_t *st = ctx->store;
    if (st == NULL || st->version < 5 || st->lease_take == NULL)
        return ORDERS_OK;
    /* lease_take leaves another owner's unexpired lease alone; ours (or a
     * free one) ends in 1 ms, the shortest lease the contract allows */
    int64_t now = orders_ctx_now(ctx);
    bool held;
    return st->lease_take(ctx->store_ud, "outbox", ctx->instance, now, now + 1, &held, err);
}

/*
 * Every due event goes to the notifier first, then every attempt is
 * recorded at once.  On a store with leases, one dispatcher at a time
 * holds the "outbox" lease; the others deliver nothing until it lapses.  Delivery is at least once: a crash between the two
 * hands the batch out again, which the event ids let a receiver detect.
 */
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
    int64_t now = orders_ctx_now(ctx), until;
    bool held;
    orders_code_t rc = take_lease(ctx, now, &held, &until, err);
    if (rc != ORDERS_OK || !held)
        return rc;
    rc = ctx->store->outbox_fetch(ctx->store_ud, now, limit, &due, err);
    orders_outbox_ack_t *acks = NULL;
    orders_code_t *results = NULL;
    orders_error_t *derrs = NULL;
    if (rc == ORDERS_OK && due.count > 0 &&
        (!(acks = calloc(due.count, sizeof *acks)) ||
         !(results = calloc(due.count, sizeof *results)) ||
         !(derrs = calloc(due.count, sizeof *derrs))))
        rc = orders__nomem(err);
    /* tried: the events handed out.  A batch stops at the first
     * ORDERS_E_UNAVAILABLE: the receiver is down or timing out, and every
     * further event would wait out the same timeout (a stalled dispatcher
     * also stalls shutdown).  The rest stay due, their attempts untouched. */
    size_t tried = 0;
    for (size_t i = 0; rc == ORDERS_OK && i < due.count; i++) {
        if (orders_ctx_now(ctx) >= until - OUTBOX_LEASE_MARGIN_MS)
            break; /* the lease is running out: another may take over */
        const orders_event_t *e = due.items[i];
        orders_code_t d = ctx->notifier->deliver(ctx->notifier_ud, e, &derrs[i]);
        int attempts = e->attempts + 1;
        acks[i] = (orders_outbox_ack_t){
            .event_id = e->id,
            .delivered = d == ORDERS_OK,
            .dead = d != ORDERS_OK && (d == ORDERS_E_INVALID ||
                                       attempts >= ctx->cfg.outbox_max_attempts),
            .next_attempt_at = now + retry_delay(ctx, attempts),
            .error = d == ORDERS_OK ? NULL : derrs[i].message,
        };
        tried = i + 1;
        if (d == ORDERS_OK)
            ok++;
        else
            bad++;
        if (d == ORDERS_E_UNAVAILABLE)
            break;
    }
    if (rc == ORDERS_OK && tried > 0)
        rc = record_acks(ctx, acks, tried, results, err);
    free(acks);
    free(results);
    free(derrs);
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

#define REQUEUE_LIMIT_MAX 10000

orders_code_t orders_outbox_requeue(orders_ctx_t *ctx, const char *event_id, int64_t limit,
                                    int64_t *moved, orders_error_t *err)
{
    const orders_store_vtable_t *st = ctx->store;
    int64_t n = 0;
    if (moved)
        *moved = 0;
    if (limit < 1 || limit > REQUEUE_LIMIT_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "limit", "limit must be 1..%d",
                                REQUEUE_LIMIT_MAX);
    if (event_id != NULL && !orders__id_valid(event_id))
        return orders_error_set(err, ORDERS_E_INVALID, "eventId",
                                "an event id has 1..%d bytes", ORDERS_ID_MAX);
    if (st->version < 5 || st->outbox_requeue == NULL)
        return orders_error_set(err, ORDERS_E_UNSUPPORTED, "store",
                                "store %s cannot requeue dead letters",
                                st->name ? st->name : "(unnamed)");
    orders_code_t rc = st->outbox_requeue(ctx->store_ud, event_id, orders_ctx_now(ctx), limit,
                                          &n, err);
    if (moved)
        *moved = n;
    return rc;
}
