/*
 * orders_read.c - the MongoDB store's order reads: order_get,
 * order_get_by_number, order_version, order_list and order_scan.
 *
 * An order is one document of MG_ORDERS (codec.c), written by a placement
 * only once it can no longer fail, so every read here is a plain query of
 * that collection.  The protocol arrays (`effects`, `fenced`) are never
 * read.  order_list runs the page query and a count with the same filter;
 * order_scan walks placedAt's range with one cursor and calls the visitor
 * for each order as it comes (the visitor may call back into the store:
 * it gets its own client from the pool).
 */
#include "store/mongo/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The projection every order read uses: all but the protocol arrays. */
static void order_projection(bson_t *proj)
{
    bson_init(proj);
    BSON_APPEND_INT32(proj, "effects", 0);
    BSON_APPEND_INT32(proj, "fenced", 0);
}

/* ---- single orders ---------------------------------------------------------------- */

/* The order whose `key` is value into *out; field names the argument. */
static orders_code_t order_get_by(void *ud, const char *key, const char *value,
                                  const char *field, orders_order_t **out, const char *what,
                                  orders_error_t *err)
{
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (value == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, field, "%s is missing", field);
    mg_store_t *s = ud;
    bson_t filter = BSON_INITIALIZER, proj, doc;
    BSON_APPEND_UTF8(&filter, key, value);
    order_projection(&proj);
    bool found = false;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = mg_find_one(s, c, MG_ORDERS, &filter, &proj, &doc, &found, what, err);
    mg_push(s, c);
    if (rc == ORDERS_OK && !found)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, field, "order %s not found", value);
    else if (rc == ORDERS_OK)
        rc = mg_order_from(&doc, out, err);
    bson_destroy(&doc);
    bson_destroy(&proj);
    bson_destroy(&filter);
    return rc;
}

orders_code_t mg_order_get(void *ud, const char *id, orders_order_t **out, orders_error_t *err)
{
    return order_get_by(ud, "_id", id, "id", out, "order_get", err);
}

orders_code_t mg_order_get_by_number(void *ud, const char *order_number, orders_order_t **out,
                                     orders_error_t *err)
{
    return order_get_by(ud, "orderNumber", order_number, "order_number", out,
                        "order_get_by_number", err);
}

orders_code_t mg_order_version(void *ud, const char *id, int64_t *version, char *customer_id,
                               orders_error_t *err)
{
    if (id == NULL || version == NULL || customer_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "id", "id and outputs are required");
    mg_store_t *s = ud;
    bson_t filter = BSON_INITIALIZER, proj = BSON_INITIALIZER, doc;
    BSON_APPEND_UTF8(&filter, "_id", id);
    BSON_APPEND_INT32(&proj, "version", 1);
    BSON_APPEND_INT32(&proj, "customerId", 1);
    bool found = false;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc =
        mg_find_one(s, c, MG_ORDERS, &filter, &proj, &doc, &found, "order_version", err);
    mg_push(s, c);
    if (rc == ORDERS_OK && !found) {
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "id", "order %s not found", id);
    } else if (rc == ORDERS_OK) {
        *version = mg_get_i64(&doc, "version", 0);
        mg_get_id(&doc, "customerId", customer_id);
    }
    bson_destroy(&doc);
    bson_destroy(&proj);
    bson_destroy(&filter);
    return rc;
}

/* ---- cursors ------------------------------------------------------------------------ */

/* Called with each order a cursor yields, which it takes (frees or
 * keeps, whatever it returns); setting *stop ends the walk. */
typedef orders_code_t (*order_fn)(void *ud, orders_order_t *o, bool *stop, orders_error_t *err);

/* What each_order passes through mg_find_each. */
typedef struct order_walk {
    order_fn fn;
    void *ud;
} order_walk_t;

/* mg_doc_fn: decodes one order and hands it to the walk's fn. */
static orders_code_t walk_order(const bson_t *doc, void *arg, bool *stop, orders_error_t *err)
{
    const order_walk_t *w = arg;
    orders_order_t *o = NULL;
    orders_code_t rc = mg_order_from(doc, &o, err);
    return rc != ORDERS_OK ? rc : w->fn(w->ud, o, stop, err);
}

/* Runs find(filter, opts) on the orders and hands each decoded order to
 * fn. */
static orders_code_t each_order(mg_store_t *s, mongoc_client_t *c, const bson_t *filter,
                                const bson_t *opts, order_fn fn, void *ud, const char *what,
                                orders_error_t *err)
{
    order_walk_t w = {fn, ud};
    return mg_find_each(s, c, MG_ORDERS, filter, opts, walk_order, &w, what, err);
}

/* ---- order_list ----------------------------------------------------------------------- */

/* The query of a filter's conditions. */
static void list_filter(const orders_order_filter_t *f, bson_t *filter)
{
    bson_init(filter);
    if (f->customer_id != NULL)
        BSON_APPEND_UTF8(filter, "customerId", f->customer_id);
    if (f->seller_id != NULL)
        BSON_APPEND_UTF8(filter, "items.sellerId", f->seller_id);
    if (f->has_status)
        BSON_APPEND_UTF8(filter, "status", orders_status_name(f->status));
}

/* Newest first (createdAt, then _id, descending), the filter's page. */
static void list_opts(const orders_order_filter_t *f, bson_t *opts)
{
    bson_t sort, proj;
    bson_init(opts);
    BSON_APPEND_DOCUMENT_BEGIN(opts, "sort", &sort);
    BSON_APPEND_INT32(&sort, "createdAt", -1);
    BSON_APPEND_INT32(&sort, "_id", -1);
    bson_append_document_end(opts, &sort);
    order_projection(&proj);
    BSON_APPEND_DOCUMENT(opts, "projection", &proj);
    bson_destroy(&proj);
    BSON_APPEND_INT64(opts, "skip", f->offset);
    BSON_APPEND_INT64(opts, "limit", f->limit);
}

/* An order_fn: appends o to the orders_order_list_t ud. */
static orders_code_t list_push(void *ud, orders_order_t *o, bool *stop, orders_error_t *err)
{
    (void)stop;
    if (!orders_order_list_push(ud, o)) {
        orders_order_free(o);
        return mg_nomem(err);
    }
    return ORDERS_OK;
}

orders_code_t mg_order_list(void *ud, const orders_order_filter_t *f, orders_order_list_t *out,
                            orders_error_t *err)
{
    orders_code_t rc = orders__check_order_filter(f, out, err);
    if (rc != ORDERS_OK)
        return rc;
    mg_store_t *s = ud;
    bson_t filter, opts;
    list_filter(f, &filter);
    list_opts(f, &opts);
    size_t start = out->count;
    mongoc_client_t *c = mg_pop(s);
    rc = each_order(s, c, &filter, &opts, list_push, out, "order_list", err);
    if (rc == ORDERS_OK)
        rc = mg_count(s, c, MG_ORDERS, &filter, &out->total, "order_list", err);
    mg_push(s, c);
    bson_destroy(&opts);
    bson_destroy(&filter);
    if (rc != ORDERS_OK)
        while (out->count > start)
            orders_order_free(out->items[--out->count]);
    return rc;
}

/* ---- order_scan ----------------------------------------------------------------------- */

typedef struct scan {
    orders_order_visit_fn visit;
    void *visit_ud;
} scan_t;

/* An order_fn: shows o to the visitor, then frees it. */
static orders_code_t scan_visit(void *ud, orders_order_t *o, bool *stop, orders_error_t *err)
{
    scan_t *sc = ud;
    (void)err;
    *stop = sc->visit(sc->visit_ud, o) != 0;
    orders_order_free(o);
    return ORDERS_OK;
}

orders_code_t mg_order_scan(void *ud, int64_t from, int64_t to, orders_order_visit_fn visit,
                            void *visit_ud, orders_error_t *err)
{
    if (visit == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "visit", "no visitor");
    if (from >= to)
        return ORDERS_OK;
    mg_store_t *s = ud;
    bson_t filter = BSON_INITIALIZER, range, opts = BSON_INITIALIZER, proj;
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "placedAt", &range);
    BSON_APPEND_DATE_TIME(&range, "$gte", from);
    BSON_APPEND_DATE_TIME(&range, "$lt", to);
    bson_append_document_end(&filter, &range);
    order_projection(&proj);
    BSON_APPEND_DOCUMENT(&opts, "projection", &proj);
    scan_t sc = {visit, visit_ud};
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = each_order(s, c, &filter, &opts, scan_visit, &sc, "order_scan", err);
    mg_push(s, c);
    bson_destroy(&proj);
    bson_destroy(&opts);
    bson_destroy(&filter);
    return rc;
}
