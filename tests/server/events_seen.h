/*
 * tests/server/events_seen.h - every outbox event a server's store has
 * recorded: those still pending in the store (read through the store's
 * outbox_fetch) and those the server already delivered to its events log
 * (--events-log: one JSON line per event, orders_event_to_json), with each
 * event id once (delivery is at least once: a server killed between
 * delivering and recording hands an event out again).
 *
 * Read the store first, then the log: an event delivered in between is then
 * in the log.  Asserts with Criterion: call it from the test's own thread.
 */
#ifndef ORDERS_TEST_SERVER_EVENTS_SEEN_H
#define ORDERS_TEST_SERVER_EVENTS_SEEN_H

#include <stddef.h>

#include <orders/orders.h>

typedef struct seen_event {
    char id[160];
    char order_id[160];
    char type[32];            /* orders_event_type_name */
    char recipient[160];
} seen_event_t;

typedef struct seen_events {
    seen_event_t *items;      /* sorted by order_id, then id; owned (seen_events_clear) */
    size_t count;
    size_t pending, logged;   /* where they were found (both: counted in pending) */
    size_t torn_lines;        /* log lines that were not one whole event */
} seen_events_t;

/* Fills out from the store of ctx and the log at events_log; asserts that
 * the store has no dead letters. */
void seen_events_read(orders_ctx_t *ctx, const char *events_log, seen_events_t *out);
/* The events of order_id: *n of them from the returned one on (NULL, 0: none). */
const seen_event_t *seen_events_of(const seen_events_t *s, const char *order_id, size_t *n);
void seen_events_clear(seen_events_t *s);

#endif
