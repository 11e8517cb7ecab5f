/*
 * orders/outbox.h - delivering recorded events to the notifier.
 *
 * Events are written to the store's outbox in the same atomic step as the
 * change they describe, so none is lost on a crash.  orders_outbox_dispatch
 * hands due events to the registered notifier: a success removes the event
 * from the pending set; a failure schedules a retry after
 * outbox_backoff_ms * 2^(attempts-1) (capped at one hour) plus up to 25%
 * jitter, and after
 * outbox_max_attempts tries (or at once for ORDERS_E_INVALID) the event
 * becomes a dead letter.  A batch stops at the first ORDERS_E_UNAVAILABLE
 * (the receiver is down or timing out): the events after it stay due, with
 * no attempt counted, instead of each waiting out the same timeout.
 *
 * Several processes (or contexts) sharing one store: on a store with
 * leases (lease_take, store version 5: memory, SQLite and MongoDB all have
 * it) each dispatch first takes or renews the store's "outbox" lease for
 * 30 s, and only its holder delivers; the others return at once with
 * nothing delivered.  A holder that stops dispatching (it exited, or it is
 * stuck) is replaced once its lease lapses, so failover takes up to 30 s;
 * a holder stops a batch 5 s before its lease ends; one that stops cleanly
 * calls orders_outbox_release, and another takes over at its next
 * dispatch.  Leases compare the
 * hosts' clocks: keep them synchronized (NTP).  Delivery stays at least
 * once: a holder that dies between delivering and recording hands those
 * events out again.
 *
 * Thread-safety: run one dispatcher per context at a time (two would deliver
 * an event twice; receivers drop duplicates by event id, but it is waste).
 */
#ifndef ORDERS_OUTBOX_H
#define ORDERS_OUTBOX_H

#include <orders/context.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Delivers up to limit due events.  *delivered and *failed may be NULL.
 * ORDERS_E_UNSUPPORTED when no notifier is registered. */
orders_code_t orders_outbox_dispatch(orders_ctx_t *ctx, int64_t limit, int64_t *delivered,
                                     int64_t *failed, orders_error_t *err);
/* Gives up this context's "outbox" lease, so that another dispatcher
 * sharing the store takes over at its next dispatch instead of after up to
 * 30 s: the lease is renewed to end 1 ms from now.  Call after the last
 * orders_outbox_dispatch (a server calls it on shutdown); a later dispatch
 * takes the lease again.  Changes nothing when another context holds the
 * lease, on a store without leases, or with no store open.  The store's
 * error code otherwise.  Thread-safe like orders_outbox_dispatch. */
orders_code_t orders_outbox_release(orders_ctx_t *ctx, orders_error_t *err);
/* Pending and dead-letter counts. */
orders_code_t orders_outbox_counts(orders_ctx_t *ctx, int64_t *pending, int64_t *dead,
                                   orders_error_t *err);
/* Moves dead letters back to the pending set once their receiver is fixed
 * (the store's outbox_requeue, store.h): with event_id NULL, up to limit
 * (1..10000) dead letters, oldest first (created_at, then id); with an
 * event_id (1..ORDERS_ID_MAX bytes), that one event, and limit is still
 * checked.  Each moved event keeps its id, payload and last_error, gets
 * attempts 0 and is due at once (orders_ctx_now), so the next
 * orders_outbox_dispatch hands it over with outbox_max_attempts fresh
 * tries.  *moved (may be NULL) receives how many moved.
 * Errors: ORDERS_E_INVALID (field "limit" or "eventId");
 * ORDERS_E_NOT_FOUND when no event has event_id; ORDERS_E_CONFLICT when
 * it is not a dead letter; ORDERS_E_UNSUPPORTED (field "store") when the
 * store is older than version 5 or has no outbox_requeue; the store's own
 * codes otherwise.
 * Thread-safety: may run beside orders_outbox_dispatch and other calls on
 * the same context; two requeues never move one event twice. */
orders_code_t orders_outbox_requeue(orders_ctx_t *ctx, const char *event_id, int64_t limit,
                                    int64_t *moved, orders_error_t *err);
/* The event as one JSON object (no newline); the caller frees it with free().
 * NULL when memory runs out. */
char *orders_event_to_json(const orders_event_t *event);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_OUTBOX_H */
