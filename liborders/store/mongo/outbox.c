/*
 * outbox.c - the MongoDB store's outbox and history: a step's events held
 * until it commits (mg_events_hold / release / drop; history is held the
 * same way in journal.c), and the vtable members
 * outbox_fetch, outbox_ack, outbox_counts and history_list.
 *
 * An outbox document is "held" (invisible) under its step's token until the
 * step commits, then "pending" until delivered (deleted) or given up on
 * ("dead").  Fetch order is the memory store's: created_at, then insertion
 * order (seq, an ObjectId made when the event is held and kept after).
 * Every change to one event is one conditional single-document write on
 * its state, so that processes acking the same event stay correct: a write
 * that matches nothing is diagnosed by reading the event's state.
 */
#include "store/mongo/internal.h"

#include <stdlib.h>
#include <string.h>

/* How many times an ack re-reads an event whose state changed under it. */
#define ACK_TRIES 16

/* ---- small helpers ------------------------------------------------------------------- */

/* Appends {"$in": [ids of events[0..n)]} under key. */
static void append_ids_in(bson_t *doc, const char *key, const orders_event_t *const *events,
                          size_t n)
{
    bson_t in, arr;
    char buf[16];
    const char *k;
    bson_append_document_begin(doc, key, -1, &in);
    bson_append_array_begin(&in, "$in", -1, &arr);
    for (size_t i = 0; i < n; i++) {
        bson_uint32_to_string((uint32_t)i, &k, buf, sizeof buf);
        bson_append_utf8(&arr, k, -1, events[i]->id, -1);
    }
    bson_append_array_end(&in, &arr);
    bson_append_document_end(doc, &in);
}

/* Deletes the events[0..n) still held under token (this call's own). */
static orders_code_t unhold(mg_store_t *s, mongoc_client_t *c, const orders_event_t *const *events,
                            size_t n, const char *token, orders_error_t *err)
{
    if (n == 0)
        return ORDERS_OK;
    bson_t filter = BSON_INITIALIZER;
    append_ids_in(&filter, "_id", events, n);
    BSON_APPEND_UTF8(&filter, "holder", token);
    BSON_APPEND_UTF8(&filter, "state", "held");
    orders_code_t rc = mg_delete(s, c, MG_OUTBOX, &filter, true, NULL, "events_hold", err);
    bson_destroy(&filter);
    return rc;
}

/* The index of the first write error in a bulk reply (def when none is named). */
static int64_t first_error_index(const bson_t *reply, int64_t def)
{
    bson_iter_t it, d;
    if (bson_iter_init(&it, reply) && bson_iter_find_descendant(&it, "writeErrors.0.index", &d))
        return mg_iter_i64(&d);
    return def;
}

/* ---- held events --------------------------------------------------------------------- */

/* Queues events[0..n) into bulk as held documents under token (with
 * heldAt, the wall clock, for recovery's ages). */
static orders_code_t queue_held(mongoc_bulk_operation_t *bulk, const orders_event_t *const *events,
                                size_t n, const char *token, orders_error_t *err)
{
    int64_t held_at = mg_now_ms(); /* wall clock, like held history (journal.c) */
    for (size_t i = 0; i < n; i++) {
        bson_t doc = BSON_INITIALIZER;
        bson_oid_t seq;
        bson_error_t e;
        bson_oid_init(&seq, NULL);
        bool ok = mg_event_bson(events[i], &seq, &doc);
        BSON_APPEND_UTF8(&doc, "state", "held");
        BSON_APPEND_UTF8(&doc, "holder", token);
        BSON_APPEND_DATE_TIME(&doc, "heldAt", held_at);
        if (ok)
            ok = mongoc_bulk_operation_insert_with_opts(bulk, &doc, NULL, &e);
        bson_destroy(&doc);
        if (!ok)
            return orders_error_set(err, ORDERS_E_BACKEND, "events",
                                    "event %s cannot be stored (too large)", events[i]->id);
    }
    return ORDERS_OK;
}

orders_code_t mg_events_hold(mg_store_t *s, mongoc_client_t *c, const orders_event_t *const *events,
                             size_t n, const char *token, orders_error_t *err)
{
    if (n == 0)
        return ORDERS_OK;
    mongoc_collection_t *cl = mg_coll(s, c, MG_OUTBOX);
    bson_t opts = BSON_INITIALIZER, reply = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&opts, "ordered", true);
    mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts(cl, &opts);
    orders_code_t rc = queue_held(bulk, events, n, token, err);
    bson_error_t e;
    if (rc == ORDERS_OK) {
        bson_destroy(&reply);
        if (!mongoc_bulk_operation_execute(bulk, &reply, &e)) {
            /* ordered: every event before the first refused one was inserted */
            int64_t inserted = mg_get_i64(&reply, "nInserted", 0);
            int64_t at = first_error_index(&reply, inserted);
            if (mg_is_dup(&e) && at >= 0 && (size_t)at < n) {
                rc = unhold(s, c, events, (size_t)at, token, err);
                if (rc == ORDERS_OK)
                    rc = orders_error_set(err, ORDERS_E_CONFLICT, "events",
                                          "event id %s already exists", events[at]->id);
            } else {
                rc = mg_fail(&e, "events_hold", err);
                orders_error_t ignored = {0};
                (void)unhold(s, c, events, n, token, &ignored);
            }
        }
    }
    mongoc_bulk_operation_destroy(bulk);
    bson_destroy(&reply);
    bson_destroy(&opts);
    mongoc_collection_destroy(cl);
    return rc;
}

orders_code_t mg_events_release(mg_store_t *s, mongoc_client_t *c, const char *token,
                                orders_error_t *err)
{
    bson_t *filter = MG_BCON("holder", BCON_UTF8(token), "state", BCON_UTF8("held"));
    bson_t *update = MG_BCON("$set", "{", "state", BCON_UTF8("pending"), "}", "$unset", "{",
                              "holder", BCON_UTF8(""), "heldAt", BCON_UTF8(""), "}");
    mongoc_collection_t *cl = mg_coll(s, c, MG_OUTBOX);
    bson_error_t e;
    orders_code_t rc = ORDERS_OK;
    if (!mongoc_collection_update_many(cl, filter, update, NULL, NULL, &e))
        rc = mg_fail(&e, "events_release", err);
    mongoc_collection_destroy(cl);
    bson_destroy(update);
    bson_destroy(filter);
    return rc;
}

orders_code_t mg_events_drop(mg_store_t *s, mongoc_client_t *c, const char *token,
                             orders_error_t *err)
{
    bson_t *filter = MG_BCON("holder", BCON_UTF8(token), "state", BCON_UTF8("held"));
    orders_code_t rc = mg_delete(s, c, MG_OUTBOX, filter, true, NULL, "events_drop", err);
    bson_destroy(filter);
    return rc;
}

/* ---- outbox_fetch -------------------------------------------------------------------- */

/* mg_doc_fn: appends one event to the list arg. */
static orders_code_t push_event(const bson_t *doc, void *arg, bool *stop, orders_error_t *err)
{
    orders_event_list_t *out = arg;
    orders_event_t *ev = NULL;
    orders_code_t rc = mg_event_from(doc, &ev, err);
    (void)stop;
    if (rc == ORDERS_OK && !orders_event_list_push(out, ev)) {
        orders_event_free(ev);
        rc = mg_nomem(err);
    }
    return rc;
}

orders_code_t mg_outbox_fetch(void *ud, int64_t now, int64_t limit, orders_event_list_t *out,
                              orders_error_t *err)
{
    orders_code_t rc = orders__check_page(out, 0, limit, err);
    if (rc != ORDERS_OK)
        return rc;
    mg_store_t *s = ud;
    bson_t *filter = MG_BCON("state", BCON_UTF8("pending"), "nextAttemptAt", "{", "$lte",
                              BCON_DATE_TIME(now), "}");
    bson_t *opts = MG_BCON("sort", "{", "createdAt", BCON_INT32(1), "seq", BCON_INT32(1), "}",
                            "limit", BCON_INT64(limit));
    size_t start = out->count;
    mongoc_client_t *c = mg_pop(s);
    rc = mg_find_each(s, c, MG_OUTBOX, filter, opts, push_event, out, "outbox_fetch", err);
    mg_push(s, c);
    if (rc != ORDERS_OK) /* out holds none of them */
        while (out->count > start)
            orders_event_free(out->items[--out->count]);
    bson_destroy(opts);
    bson_destroy(filter);
    return rc;
}

/* ---- outbox_ack ---------------------------------------------------------------------- */

/* The update recording one failed attempt. */
static bson_t *fail_update(bool dead, int64_t next_attempt_at, const char *error)
{
    bson_t *u = MG_BCON("$inc", "{", "attempts", BCON_INT64(1), "}");
    bson_t set;
    bson_append_document_begin(u, "$set", -1, &set);
    BSON_APPEND_DATE_TIME(&set, "nextAttemptAt", next_attempt_at);
    BSON_APPEND_UTF8(&set, "state", dead ? "dead" : "pending");
    mg_put_str(&set, "lastError", error); /* null clears an earlier one */
    bson_append_document_end(u, &set);
    return u;
}

/* One conditional write on a pending event: *done tells whether it matched. */
static orders_code_t ack_write(mg_store_t *s, mongoc_client_t *c, const char *event_id,
                               bool delivered, const bson_t *update, bool *done,
                               orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(event_id), "state", BCON_UTF8("pending"));
    int64_t n = 0;
    orders_code_t rc =
        delivered ? mg_delete(s, c, MG_OUTBOX, filter, false, &n, "outbox_ack", err)
                  : mg_update_one(s, c, MG_OUTBOX, filter, update, false, &n, "outbox_ack", err);
    bson_destroy(filter);
    *done = n > 0;
    return rc;
}

/* Why a write on event id, conditioned on its state being want, matched
 * nothing: ORDERS_OK when it is in want now (changed since: write again),
 * ORDERS_E_CONFLICT with conflict_msg (one %s: the id) when it is in the
 * other state, ORDERS_E_NOT_FOUND when it is gone or still held. */
orders_code_t mg_outbox_refusal(mg_store_t *s, mongoc_client_t *c, const char *event_id,
                                const char *want, const char *conflict_msg, const char *what,
                                orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(event_id));
    bson_t *proj = MG_BCON("state", BCON_INT32(1));
    bson_t doc;
    bool found = false;
    orders_code_t rc = mg_find_one(s, c, MG_OUTBOX, filter, proj, &doc, &found, what, err);
    const char *state = found ? mg_get_str(&doc, "state") : NULL;
    bool other = state != NULL && strcmp(state, want) != 0 &&
                 (strcmp(state, "dead") == 0 || strcmp(state, "pending") == 0);
    if (rc == ORDERS_OK && other)
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "event_id", conflict_msg, event_id);
    else if (rc == ORDERS_OK && (state == NULL || strcmp(state, want) != 0))
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "event_id",
                              "event %s is not in the outbox", event_id);
    bson_destroy(&doc);
    bson_destroy(proj);
    bson_destroy(filter);
    return rc;
}

orders_code_t mg_outbox_ack(void *ud, const char *event_id, bool delivered, bool dead,
                            int64_t next_attempt_at, const char *error, orders_error_t *err)
{
    if (event_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "event_id", "event id is missing");
    mg_store_t *s = ud;
    bson_t *update = delivered ? NULL : fail_update(dead, next_attempt_at, error);
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = ORDERS_OK;
    bool done = false;
    for (int tries = 0; rc == ORDERS_OK && !done; tries++) {
        if (tries == ACK_TRIES) {
            rc = orders_error_set(err, ORDERS_E_UNAVAILABLE, "event_id",
                                  "event %s keeps changing; try again", event_id);
            break;
        }
        rc = ack_write(s, c, event_id, delivered, update, &done, err);
        if (rc == ORDERS_OK && !done)
            rc = mg_outbox_refusal(s, c, event_id, "pending", "event %s is a dead letter",
                                   "outbox_ack", err);
    }
    mg_push(s, c);
    if (update != NULL)
        bson_destroy(update);
    return rc;
}

/* ---- outbox_counts ------------------------------------------------------------------- */

/* Events in state into *out (nothing when out is NULL). */
static orders_code_t count_state(mg_store_t *s, mongoc_client_t *c, const char *state, int64_t *out,
                                 orders_error_t *err)
{
    if (out == NULL)
        return ORDERS_OK;
    bson_t *filter = MG_BCON("state", BCON_UTF8(state));
    orders_code_t rc = mg_count(s, c, MG_OUTBOX, filter, out, "outbox_counts", err);
    bson_destroy(filter);
    return rc;
}

orders_code_t mg_outbox_counts(void *ud, int64_t *pending, int64_t *dead, orders_error_t *err)
{
    mg_store_t *s = ud;
    int64_t p = 0, d = 0;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = count_state(s, c, "pending", pending != NULL ? &p : NULL, err);
    if (rc == ORDERS_OK)
        rc = count_state(s, c, "dead", dead != NULL ? &d : NULL, err);
    mg_push(s, c);
    if (rc == ORDERS_OK) {
        if (pending != NULL)
            *pending = p;
        if (dead != NULL)
            *dead = d;
    }
    return rc;
}

/* ---- history_list -------------------------------------------------------------------- */

/* mg_doc_fn: appends one history entry to the list arg. */
static orders_code_t push_history(const bson_t *doc, void *arg, bool *stop, orders_error_t *err)
{
    orders_history_list_t *out = arg;
    orders_history_t *h = NULL;
    orders_code_t rc = mg_history_from(doc, &h, err);
    (void)stop;
    if (rc == ORDERS_OK && !orders_history_list_push(out, h)) {
        orders_history_free(h);
        rc = mg_nomem(err);
    }
    return rc;
}

orders_code_t mg_history_list(void *ud, const char *order_id, orders_history_list_t *out,
                              orders_error_t *err)
{
    if (order_id == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "order_id", "order id is missing");
    mg_store_t *s = ud;
    /* entries of a step not yet committed (held, journal.c) are not visible */
    bson_t *filter =
        MG_BCON("orderId", BCON_UTF8(order_id), "holder", "{", "$exists", BCON_BOOL(false), "}");
    /* oldest first: by time, then in the order the steps wrote them (the
     * _id holds the order version and the entry's index), like memory */
    bson_t *opts = MG_BCON("sort", "{", "at", BCON_INT32(1), "_id", BCON_INT32(1), "}");
    size_t start = out->count;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc =
        mg_find_each(s, c, MG_HISTORY, filter, opts, push_history, out, "history_list", err);
    mg_push(s, c);
    if (rc != ORDERS_OK) /* out holds none of them */
        while (out->count > start)
            orders_history_free(out->items[--out->count]);
    bson_destroy(opts);
    bson_destroy(filter);
    return rc;
}
