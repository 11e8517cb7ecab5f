/*
 * requeue.c - the MongoDB store's outbox_requeue: dead letters made pending
 * again (store.h, version 5).
 *
 * Every move is one conditional single-document write on the event's
 * state ("dead" -> "pending", attempts 0, nextAttemptAt now, lastError
 * kept), so that two requeues (or a requeue and an ack) racing on one
 * event move it once.  Held events (a step not yet committed, outbox.c)
 * are never dead: they are neither moved nor counted, and requeueing one
 * by id is ORDERS_E_NOT_FOUND, as acking it is.  The oldest dead letters
 * are found first (by createdAt, then _id: the "dead" index of open.c),
 * then moved one by one.
 */
#include "store/mongo/internal.h"

#include <string.h>

/* How many times a requeue by id re-reads an event whose state changed under it. */
#define REQUEUE_TRIES 16

/* One conditional write: moves event id if it is dead; *done tells whether it was. */
static orders_code_t revive(mg_store_t *s, mongoc_client_t *c, const char *id, int64_t now,
                            bool *done, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(id), "state", BCON_UTF8("dead"));
    bson_t *update = MG_BCON("$set", "{", "state", BCON_UTF8("pending"), "attempts",
                             BCON_INT64(0), "nextAttemptAt", BCON_DATE_TIME(now), "}");
    int64_t n = 0;
    orders_code_t rc =
        mg_update_one(s, c, MG_OUTBOX, filter, update, false, &n, "outbox_requeue", err);
    bson_destroy(update);
    bson_destroy(filter);
    *done = rc == ORDERS_OK && n > 0;
    return rc;
}

/* The dead letter id alone. */
static orders_code_t requeue_one(mg_store_t *s, mongoc_client_t *c, const char *id, int64_t now,
                                 int64_t *moved, orders_error_t *err)
{
    orders_code_t rc = ORDERS_OK;
    bool done = false;
    for (int tries = 0; rc == ORDERS_OK && !done; tries++) {
        if (tries == REQUEUE_TRIES)
            return orders_error_set(err, ORDERS_E_UNAVAILABLE, "event_id",
                                    "event %s keeps changing; try again", id);
        rc = revive(s, c, id, now, &done, err);
        if (rc == ORDERS_OK && !done)
            rc = mg_outbox_refusal(s, c, id, "dead", "event %s is not a dead letter",
                                   "outbox_requeue", err);
    }
    if (rc == ORDERS_OK)
        *moved = 1;
    return rc;
}

/* mg_doc_fn: adds the _id of one dead letter to the orders_string_list_t arg. */
static orders_code_t push_id(const bson_t *doc, void *arg, bool *stop, orders_error_t *err)
{
    const char *id = mg_get_str(doc, "_id");
    (void)stop;
    if (id == NULL) /* not an event this library wrote */
        return ORDERS_OK;
    return orders_string_list_push(arg, id) ? ORDERS_OK : mg_nomem(err);
}

/* The limit oldest dead letters: their ids first, then one write each (a
 * letter another call moved meanwhile is skipped, not counted). */
static orders_code_t requeue_oldest(mg_store_t *s, mongoc_client_t *c, int64_t now,
                                    int64_t limit, int64_t *moved, orders_error_t *err)
{
    bson_t *filter = MG_BCON("state", BCON_UTF8("dead"));
    bson_t *opts = MG_BCON("projection", "{", "_id", BCON_INT32(1), "}", "sort", "{",
                           "createdAt", BCON_INT32(1), "_id", BCON_INT32(1), "}", "limit",
                           BCON_INT64(limit));
    orders_string_list_t ids = {0};
    orders_code_t rc =
        mg_find_each(s, c, MG_OUTBOX, filter, opts, push_id, &ids, "outbox_requeue", err);
    for (size_t i = 0; rc == ORDERS_OK && i < ids.count; i++) {
        bool done = false;
        rc = revive(s, c, ids.items[i], now, &done, err);
        *moved += done;
    }
    orders_string_list_clear(&ids);
    bson_destroy(opts);
    bson_destroy(filter);
    return rc;
}

orders_code_t mg_outbox_requeue(void *ud, const char *event_id, int64_t now, int64_t limit,
                                int64_t *moved, orders_error_t *err)
{
    if (moved != NULL)
        *moved = 0;
    if (event_id == NULL && limit < 1)
        return orders_error_set(err, ORDERS_E_INVALID, "limit", "limit must be at least 1");
    mg_store_t *s = ud;
    int64_t n = 0;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = event_id != NULL ? requeue_one(s, c, event_id, now, &n, err)
                                        : requeue_oldest(s, c, now, limit, &n, err);
    mg_push(s, c);
    if (moved != NULL)
        *moved = n;
    return rc;
}
