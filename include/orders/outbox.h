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
 * becomes a dead letter.
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
/* Pending and dead-letter counts. */
orders_code_t orders_outbox_counts(orders_ctx_t *ctx, int64_t *pending, int64_t *dead,
                                   orders_error_t *err);
/* The event as one JSON object (no newline); the caller frees it with free().
 * NULL when memory runs out. */
char *orders_event_to_json(const orders_event_t *event);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_OUTBOX_H */
