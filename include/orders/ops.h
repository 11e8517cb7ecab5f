/*
 * orders/ops.h - operational counts for health checks and monitoring.
 *
 * orders_ops_counts reads, from the context's store, the few numbers an
 * operator watches: reservations held now, reservations that ran out and
 * reservations lost to a concurrent buyer (both since the store was
 * created), and the outbox backlog.  It makes three cheap store reads
 * (reservation_counts over all time, stat_count of "reservation_conflict",
 * outbox_counts); they are not one snapshot, so a count may be a moment
 * older than another.
 *
 * Thread-safety: may run concurrently with anything.
 */
#ifndef ORDERS_OPS_H
#define ORDERS_OPS_H

#include <stdint.h>

#include <orders/context.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Plain values, filled by orders_ops_counts; nothing to free. */
typedef struct orders_ops_counts {
    int64_t reservations_active;   /* reservations holding stock now */
    int64_t reservations_expired;  /* reservations released by expiry, all time */
    int64_t reservation_conflicts; /* reservations lost to a concurrent buyer, all time */
    int64_t outbox_pending;        /* events waiting for delivery */
    int64_t outbox_dead;           /* events given up on (dead letters) */
} orders_ops_counts_t;

/*
 * Fills *out (caller storage; zeroed first, and left zeroed on failure).
 * Errors: ORDERS_E_INVALID when ctx or out is NULL or no store is open
 * (err->field "ctx", "out" or "store"); otherwise the store's own code
 * (ORDERS_E_BACKEND, ORDERS_E_UNAVAILABLE, ORDERS_E_NOMEM) with its message.
 */
orders_code_t orders_ops_counts(orders_ctx_t *ctx, orders_ops_counts_t *out,
                                orders_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_OPS_H */
