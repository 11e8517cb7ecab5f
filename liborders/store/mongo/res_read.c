/*
 * res_read.c - the MongoDB store's reservation readers: reservation_get,
 * reservations_due and reservation_counts.
 *
 * A reservation document with a `creating` field is a standalone
 * reservation still being created (effect.c): it does not exist yet for
 * any reader here.  Statuses are stored by their wire names and times as
 * BSON dates (codec.c).
 */
#include "store/mongo/internal.h"

#include <stdlib.h>
#include <string.h>

/* Appends {"creating": {"$exists": false}}: only finished reservations. */
static void append_created(bson_t *filter)
{
    bson_t cond;
    bson_append_document_begin(filter, "creating", -1, &cond);
    BSON_APPEND_BOOL(&cond, "$exists", false);
    bson_append_document_end(filter, &cond);
}

/* ---- reservation_get ----------------------------------------------------------------- */

orders_code_t mg_reservation_get(void *ud, const char *order_id, orders_reservation_t **out,
                                 orders_error_t *err)
{
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (order_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "order_id", "order id is missing");
    mg_store_t *s = ud;
    bson_t filter = BSON_INITIALIZER, doc;
    BSON_APPEND_UTF8(&filter, "orderId", order_id);
    append_created(&filter);
    bool found = false;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc =
        mg_find_one(s, c, MG_RESERVATIONS, &filter, NULL, &doc, &found, "reservation_get", err);
    mg_push(s, c);
    if (rc == ORDERS_OK && !found)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "order_id", "no reservation for order %s",
                              order_id);
    if (rc == ORDERS_OK)
        rc = mg_reservation_from(&doc, out, err);
    bson_destroy(&doc);
    bson_destroy(&filter);
    return rc;
}

/* ---- reservations_due ---------------------------------------------------------------- */

/* mg_doc_fn: appends a reservation's order id to the list arg. */
static orders_code_t push_order_id(const bson_t *doc, void *arg, bool *stop,
                                   orders_error_t *err)
{
    orders_string_list_t *out = arg;
    const char *id = mg_get_str(doc, "orderId");
    (void)stop;
    if (id == NULL)
        return orders_error_set(err, ORDERS_E_BACKEND, "store",
                                "reservations_due: a reservation has no order id");
    return orders_string_list_push(out, id) ? ORDERS_OK : mg_nomem(err);
}

orders_code_t mg_reservations_due(void *ud, int64_t now, int64_t limit, orders_string_list_t *out,
                                  orders_error_t *err)
{
    orders_code_t rc = orders__check_page(out, 0, limit, err);
    if (rc != ORDERS_OK)
        return rc;
    mg_store_t *s = ud;
    bson_t *filter =
        MG_BCON("status", BCON_UTF8(orders_reservation_status_name(ORDERS_RES_ACTIVE)),
                 "expiresAt", "{", "$lte", BCON_DATE_TIME(now), "}");
    append_created(filter);
    /* earliest first, ties by order id (as memory and SQLite) */
    bson_t *opts =
        MG_BCON("sort", "{", "expiresAt", BCON_INT32(1), "orderId", BCON_INT32(1), "}", "limit",
                 BCON_INT64(limit), "projection", "{", "orderId", BCON_INT32(1), "}");
    size_t start = out->count;
    mongoc_client_t *c = mg_pop(s);
    rc = mg_find_each(s, c, MG_RESERVATIONS, filter, opts, push_order_id, out,
                      "reservations_due", err);
    mg_push(s, c);
    if (rc != ORDERS_OK) /* out holds none of them */
        while (out->count > start)
            free(out->items[--out->count]);
    bson_destroy(opts);
    bson_destroy(filter);
    return rc;
}

/* ---- reservation_counts -------------------------------------------------------------- */

/* Adds n to the count of status name in out (unknown names are not counted). */
static void count_add(orders_res_counts_t *out, const char *name, int64_t n)
{
    orders_reservation_status_t st;
    if (name == NULL || !orders_reservation_status_parse(name, &st))
        return;
    switch (st) {
    case ORDERS_RES_ACTIVE:
        out->active += n;
        break;
    case ORDERS_RES_CONFIRMED:
        out->confirmed += n;
        break;
    case ORDERS_RES_EXPIRED:
        out->expired += n;
        break;
    case ORDERS_RES_CANCELLED:
        out->cancelled += n;
        break;
    }
}

/* The pipeline: finished reservations updated in [from, to), counted by status. */
static bson_t *counts_pipeline(int64_t from, int64_t to)
{
    return MG_BCON("pipeline", "[", "{", "$match", "{", "updatedAt", "{", "$gte",
                    BCON_DATE_TIME(from), "$lt", BCON_DATE_TIME(to), "}", "creating", "{",
                    "$exists", BCON_BOOL(false), "}", "}", "}", "{", "$group", "{", "_id",
                    BCON_UTF8("$status"), "n", "{", "$sum", BCON_INT32(1), "}", "}", "}", "]");
}

orders_code_t mg_reservation_counts(void *ud, int64_t from, int64_t to, orders_res_counts_t *out,
                                    orders_error_t *err)
{
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    memset(out, 0, sizeof *out);
    if (from >= to)
        return ORDERS_OK;
    mg_store_t *s = ud;
    bson_t *pipeline = counts_pipeline(from, to);
    mongoc_client_t *c = mg_pop(s);
    mongoc_collection_t *cl = mg_coll(s, c, MG_RESERVATIONS);
    mongoc_cursor_t *cur = mongoc_collection_aggregate(cl, MONGOC_QUERY_NONE, pipeline, NULL, NULL);
    const bson_t *doc;
    bson_error_t e;
    orders_code_t rc = ORDERS_OK;
    while (mongoc_cursor_next(cur, &doc))
        count_add(out, mg_get_str(doc, "_id"), mg_get_i64(doc, "n", 0));
    if (mongoc_cursor_error(cur, &e)) {
        rc = mg_fail(&e, "reservation_counts", err);
        memset(out, 0, sizeof *out);
    }
    mongoc_cursor_destroy(cur);
    mongoc_collection_destroy(cl);
    mg_push(s, c);
    bson_destroy(pipeline);
    return rc;
}
