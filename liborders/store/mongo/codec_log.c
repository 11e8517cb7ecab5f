/*
 * codec_log.c - outbox events and history entries <-> BSON for the MongoDB
 * store.
 *
 * Event documents (collection outbox): _id = event id, type (its wire
 * name), orderId, recipient, oldStatus, newStatus, amount + currency (the
 * event's own currency is the document's), detail, createdAt, attempts,
 * nextAttemptAt, lastError, seq (the insertion-order ObjectId).  outbox.c
 * adds state and holder.  History documents (collection history): _id from
 * mg_history_id, orderId, at, actor, fromStatus, toStatus, note.
 *
 * Optional strings are absent when NULL and read back as NULL.  The times
 * fetch and history_list filter or sort on (createdAt, nextAttemptAt, at)
 * are always written, even when 0, so that every document matches range
 * queries the same way.
 */
#include "store/mongo/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest document a MongoDB server stores. */
#define DOC_MAX (16 * 1024 * 1024)

/* ---- events -------------------------------------------------------------------------- */

bool mg_event_bson(const orders_event_t *e, const bson_oid_t *seq, bson_t *doc)
{
    mg_put_str(doc, "_id", e->id);
    mg_put_str(doc, "type", orders_event_type_name(e->type));
    mg_put_str(doc, "orderId", e->order_id);
    mg_put_str(doc, "recipient", e->recipient);
    mg_put_str(doc, "oldStatus", e->old_status);
    mg_put_str(doc, "newStatus", e->new_status);
    mg_put_money(doc, "amount", &e->amount, e->amount.currency);
    mg_put_str(doc, "currency", e->amount.currency);
    mg_put_str(doc, "detail", e->detail);
    mg_put_time(doc, "createdAt", e->created_at, false);
    bson_append_int64(doc, "attempts", -1, e->attempts);
    mg_put_time(doc, "nextAttemptAt", e->next_attempt_at, false);
    mg_put_str(doc, "lastError", e->last_error);
    if (seq != NULL)
        bson_append_oid(doc, "seq", -1, seq);
    return doc->len <= DOC_MAX;
}

/* Copies the event's strings from doc into e; false when memory runs out. */
static bool event_strings(const bson_t *doc, orders_event_t *e)
{
    return mg_dup_str(doc, "_id", &e->id) && mg_dup_str(doc, "orderId", &e->order_id) &&
           mg_dup_str(doc, "recipient", &e->recipient) &&
           mg_dup_str(doc, "oldStatus", &e->old_status) &&
           mg_dup_str(doc, "newStatus", &e->new_status) && mg_dup_str(doc, "detail", &e->detail) &&
           mg_dup_str(doc, "lastError", &e->last_error);
}

orders_code_t mg_event_from(const bson_t *doc, orders_event_t **out, orders_error_t *err)
{
    *out = NULL;
    if (mg_get_str(doc, "_id") == NULL)
        return orders_error_set(err, ORDERS_E_BACKEND, "store",
                                "outbox: an event document has no string _id");
    orders_event_t *e = calloc(1, sizeof *e);
    if (e == NULL)
        return mg_nomem(err);
    if (!event_strings(doc, e)) {
        orders_event_free(e);
        return mg_nomem(err);
    }
    /* a type this library does not know reads as the reserved one, as SQLite does */
    if (!orders_event_type_parse(mg_get_str(doc, "type"), &e->type))
        e->type = ORDERS_EVENT_INVENTORY;
    const char *currency = mg_get_str(doc, "currency");
    mg_get_money(doc, "amount", currency != NULL ? currency : "", &e->amount);
    e->created_at = mg_get_i64(doc, "createdAt", 0);
    e->attempts = (int)mg_get_i64(doc, "attempts", 0);
    e->next_attempt_at = mg_get_i64(doc, "nextAttemptAt", 0);
    *out = e;
    return ORDERS_OK;
}

/* ---- history ------------------------------------------------------------------------- */

void mg_history_id(const char *order_id, int64_t version, size_t index, char *out)
{
    snprintf(out, MG_HISTORY_ID_MAX, "%s/%020" PRId64 "/%04zu", order_id != NULL ? order_id : "",
             version, index);
}

bool mg_history_bson(const orders_history_t *h, const char *id, bson_t *doc)
{
    mg_put_str(doc, "_id", id);
    mg_put_str(doc, "orderId", h->order_id);
    mg_put_time(doc, "at", h->at, false);
    mg_put_str(doc, "actor", h->actor);
    mg_put_str(doc, "fromStatus", h->from_status);
    mg_put_str(doc, "toStatus", h->to_status);
    mg_put_str(doc, "note", h->note);
    return doc->len <= DOC_MAX;
}

orders_code_t mg_history_from(const bson_t *doc, orders_history_t **out, orders_error_t *err)
{
    *out = NULL;
    if (mg_get_str(doc, "orderId") == NULL)
        return orders_error_set(err, ORDERS_E_BACKEND, "store",
                                "history: an entry has no order id");
    orders_history_t *h = calloc(1, sizeof *h);
    if (h == NULL)
        return mg_nomem(err);
    if (!mg_dup_str(doc, "orderId", &h->order_id) || !mg_dup_str(doc, "actor", &h->actor) ||
        !mg_dup_str(doc, "fromStatus", &h->from_status) ||
        !mg_dup_str(doc, "toStatus", &h->to_status) || !mg_dup_str(doc, "note", &h->note)) {
        orders_history_free(h);
        return mg_nomem(err);
    }
    h->at = mg_get_i64(doc, "at", 0);
    *out = h;
    return ORDERS_OK;
}
