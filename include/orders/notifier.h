/*
 * orders/notifier.h - the notifier plugin interface (version 1).
 *
 * Placement and every change record events in the store's outbox in the same
 * atomic step as the change itself.  orders_outbox_dispatch() (outbox.h)
 * later hands them to the notifier, retrying with backoff until it succeeds,
 * and dead-lettering after the configured number of attempts.  An event keeps
 * its id across retries, so a receiver drops duplicates by id.
 *
 * deliver may be called from the dispatching thread only, one event at a time.
 */
#ifndef ORDERS_NOTIFIER_H
#define ORDERS_NOTIFIER_H

#include <stdio.h>

#include <orders/types.h>
#include <orders/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ORDERS_NOTIFIER_VERSION 1

typedef struct orders_notifier_vtable {
    int version;
    const char *name;
    /* ORDERS_OK when delivered.  Any other code is retried later, except
     * ORDERS_E_INVALID, which means "never deliverable" (dead letter now). */
    orders_code_t (*deliver)(void *ud, const orders_event_t *event, orders_error_t *err);
} orders_notifier_vtable_t;

/* Built-in: one JSON line per event written to a FILE* (flushed each time).
 * The userdata is the FILE* itself; the library never closes it. */
const orders_notifier_vtable_t *orders_notifier_log_vtable(void);

/* Built-in: calls fn for every event.  Userdata from
 * orders_notifier_callback_new, freed with orders_notifier_callback_free. */
typedef orders_code_t (*orders_event_fn)(void *fn_ud, const orders_event_t *event);
const orders_notifier_vtable_t *orders_notifier_callback_vtable(void);
void *orders_notifier_callback_new(orders_event_fn fn, void *fn_ud);
void orders_notifier_callback_free(void *ud);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_NOTIFIER_H */
