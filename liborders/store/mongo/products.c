/*
 * products.c - the MongoDB store's products and stock: product_put,
 * product_get, product_list, stock_get, stock_change and products_read.
 *
 * A product is one document of MG_PRODUCTS holding the product's fields
 * and its stock counts (available, reserved, sold, stocked, adjusted) and
 * marks (tokens of unfinished stock moves, see effect.c), so that every
 * stock change is a single-document write and the invariant
 *     available + reserved + sold == stocked - adjusted
 * holds in every version of the document.
 *
 *   product_put   create_only: an insert (a duplicate _id is the
 *                 conflict); otherwise an upsert that $sets the product's
 *                 fields and only $setOnInsert's the stock and marks, so
 *                 that replacing a product never touches its stock.
 *   stock_change  read the counts, apply orders__check_stock_next, then a
 *                 conditional update whose filter pins the counts it
 *                 changes as they were read; when another writer moved
 *                 them first nothing matches and the step is retried.
 *   products_read one $in query (a snapshot per document, which is what
 *                 each product's answer needs).
 */
#include "store/mongo/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* stock_change gives up (ORDERS_E_UNAVAILABLE) after this many lost races. */
#define STOCK_ATTEMPTS 100

/* ---- product_put ---------------------------------------------------------------- */

/* Appends the stock of a new product: every count 0 and no marks. */
static bool put_new_stock(bson_t *doc)
{
    bson_t marks;
    return BSON_APPEND_INT64(doc, "available", 0) && BSON_APPEND_INT64(doc, "reserved", 0) &&
           BSON_APPEND_INT64(doc, "sold", 0) && BSON_APPEND_INT64(doc, "stocked", 0) &&
           BSON_APPEND_INT64(doc, "adjusted", 0) && BSON_APPEND_ARRAY_BEGIN(doc, "marks", &marks) &&
           bson_append_array_end(doc, &marks);
}

static orders_code_t too_big(const char *id, orders_error_t *err)
{
    return orders_error_set(err, ORDERS_E_INVALID, "id", "product %s does not fit a document", id);
}

/* create_only: one insert of the product and its new stock. */
static orders_code_t product_insert(mg_store_t *s, mongoc_client_t *c, const orders_product_t *p,
                                    orders_error_t *err)
{
    bson_t doc = BSON_INITIALIZER;
    bool dup = false;
    orders_code_t rc = ORDERS_OK;
    if (!mg_product_bson(p, &doc) || !put_new_stock(&doc))
        rc = too_big(p->id, err);
    else if ((rc = mg_insert_one(s, c, MG_PRODUCTS, &doc, &dup, "product_put", err)) != ORDERS_OK &&
             dup)
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "id", "product %s already exists", p->id);
    bson_destroy(&doc);
    return rc;
}

/* { $set: <product fields but _id>, $setOnInsert: <new stock> } into update. */
static bool upsert_doc(const orders_product_t *p, bson_t *update)
{
    static const char *const skip[] = {"_id", NULL};
    bson_t fields = BSON_INITIALIZER, set, ins;
    bool ok = mg_product_bson(p, &fields) && BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    if (ok) {
        mg_append_except(&set, &fields, skip);
        ok = bson_append_document_end(update, &set) &&
             BSON_APPEND_DOCUMENT_BEGIN(update, "$setOnInsert", &ins) && put_new_stock(&ins) &&
             bson_append_document_end(update, &ins);
    }
    bson_destroy(&fields);
    return ok;
}

/* Insert or replace: an upsert.  Two racing upserts of a new id may see
 * a duplicate key on the loser's insert; it then updates, once more. */
static orders_code_t product_upsert(mg_store_t *s, mongoc_client_t *c, const orders_product_t *p,
                                    orders_error_t *err)
{
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER;
    orders_code_t rc = ORDERS_OK;
    if (!BSON_APPEND_UTF8(&filter, "_id", p->id) || !upsert_doc(p, &update))
        rc = too_big(p->id, err);
    for (int attempt = 0; rc == ORDERS_OK && attempt < 2; attempt++) {
        rc = mg_update_one(s, c, MG_PRODUCTS, &filter, &update, true, NULL, "product_put", err);
        if (rc != ORDERS_E_CONFLICT || attempt == 1)
            break;
        orders_error_clear(err);
        rc = ORDERS_OK;
    }
    bson_destroy(&filter);
    bson_destroy(&update);
    return rc;
}

orders_code_t mg_product_put(void *ud, const orders_product_t *p, bool create_only,
                             orders_error_t *err)
{
    orders_code_t rc = orders__check_product(p, err);
    if (rc != ORDERS_OK)
        return rc;
    mg_store_t *s = ud;
    mongoc_client_t *c = mg_pop(s);
    rc = create_only ? product_insert(s, c, p, err) : product_upsert(s, c, p, err);
    mg_push(s, c);
    return rc;
}

/* ---- reads ------------------------------------------------------------------------ */

/* The product document of id into doc (the caller destroys it); field
 * names the argument in the not-found error. */
static orders_code_t product_doc(mg_store_t *s, mongoc_client_t *c, const char *id,
                                 const bson_t *projection, const char *field, bson_t *doc,
                                 const char *what, orders_error_t *err)
{
    bson_t filter = BSON_INITIALIZER;
    bool found = false;
    BSON_APPEND_UTF8(&filter, "_id", id);
    orders_code_t rc = mg_find_one(s, c, MG_PRODUCTS, &filter, projection, doc, &found, what, err);
    bson_destroy(&filter);
    if (rc == ORDERS_OK && !found)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, field, "product %s not found", id);
    return rc;
}

orders_code_t mg_product_get(void *ud, const char *id, orders_product_t **out,
                             orders_error_t *err)
{
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "id", "product id is missing");
    mg_store_t *s = ud;
    mongoc_client_t *c = mg_pop(s);
    bson_t doc;
    orders_code_t rc = product_doc(s, c, id, NULL, "id", &doc, "product_get", err);
    mg_push(s, c);
    if (rc == ORDERS_OK)
        rc = mg_product_from(&doc, out, err);
    bson_destroy(&doc);
    return rc;
}

/* The projection of the stock counts. */
static void stock_projection(bson_t *p)
{
    static const char *const keys[] = {"available", "reserved", "sold", "stocked", "adjusted"};
    bson_init(p);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        BSON_APPEND_INT32(p, keys[i], 1);
}

/* Reads the stock of product_id into *out. */
static orders_code_t stock_read(mg_store_t *s, mongoc_client_t *c, const char *product_id,
                                orders_stock_t *out, const char *what, orders_error_t *err)
{
    bson_t proj, doc;
    stock_projection(&proj);
    orders_code_t rc = product_doc(s, c, product_id, &proj, "product_id", &doc, what, err);
    if (rc == ORDERS_OK)
        mg_stock_from(&doc, out);
    bson_destroy(&doc);
    bson_destroy(&proj);
    return rc;
}

orders_code_t mg_stock_get(void *ud, const char *product_id, orders_stock_t *out,
                           orders_error_t *err)
{
    if (product_id == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "product_id", "product id is missing");
    mg_store_t *s = ud;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = stock_read(s, c, product_id, out, "stock_get", err);
    mg_push(s, c);
    return rc;
}

/* ---- product_list ------------------------------------------------------------------ */

/* mg_doc_fn: appends one product to the list arg. */
static orders_code_t push_product(const bson_t *doc, void *arg, bool *stop, orders_error_t *err)
{
    orders_product_list_t *out = arg;
    orders_product_t *p = NULL;
    orders_code_t rc = mg_product_from(doc, &p, err);
    (void)stop;
    if (rc == ORDERS_OK && !orders_product_list_push(out, p)) {
        orders_product_free(p);
        rc = mg_nomem(err);
    }
    return rc;
}

/* Runs find(filter) sorted by _id with offset/limit, pushing each product
 * onto out. */
static orders_code_t list_page(mg_store_t *s, mongoc_client_t *c, const bson_t *filter,
                               int64_t offset, int64_t limit, orders_product_list_t *out,
                               orders_error_t *err)
{
    bson_t opts = BSON_INITIALIZER, sort, proj;
    BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
    BSON_APPEND_INT32(&sort, "_id", 1);
    bson_append_document_end(&opts, &sort);
    BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
    BSON_APPEND_INT32(&proj, "marks", 0);
    bson_append_document_end(&opts, &proj);
    BSON_APPEND_INT64(&opts, "skip", offset);
    BSON_APPEND_INT64(&opts, "limit", limit);

    orders_code_t rc =
        mg_find_each(s, c, MG_PRODUCTS, filter, &opts, push_product, out, "product_list", err);
    bson_destroy(&opts);
    return rc;
}

orders_code_t mg_product_list(void *ud, const char *seller_id, int64_t offset, int64_t limit,
                              orders_product_list_t *out, orders_error_t *err)
{
    orders_code_t rc = orders__check_page(out, offset, limit, err);
    if (rc != ORDERS_OK)
        return rc;
    mg_store_t *s = ud;
    bson_t filter = BSON_INITIALIZER;
    if (seller_id != NULL)
        BSON_APPEND_UTF8(&filter, "sellerId", seller_id);
    size_t start = out->count;
    mongoc_client_t *c = mg_pop(s);
    rc = list_page(s, c, &filter, offset, limit, out, err);
    if (rc == ORDERS_OK)
        rc = mg_count(s, c, MG_PRODUCTS, &filter, &out->total, "product_list", err);
    mg_push(s, c);
    bson_destroy(&filter);
    if (rc != ORDERS_OK)
        while (out->count > start)
            orders_product_free(out->items[--out->count]);
    return rc;
}

/* ---- stock_change ------------------------------------------------------------------ */

/* Writes next over cur when the document still holds cur's available,
 * stocked and adjusted (the only counts stock_change moves; reserved and
 * sold may move meanwhile, by their own conditional $inc).  *matched tells
 * whether it did. */
static orders_code_t stock_swap(mg_store_t *s, mongoc_client_t *c, const char *product_id,
                                const orders_stock_t *cur, const orders_stock_t *next,
                                bool *matched, orders_error_t *err)
{
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
    BSON_APPEND_UTF8(&filter, "_id", product_id);
    BSON_APPEND_INT64(&filter, "available", cur->available);
    BSON_APPEND_INT64(&filter, "stocked", cur->stocked);
    BSON_APPEND_INT64(&filter, "adjusted", cur->adjusted);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_INT64(&set, "available", next->available);
    BSON_APPEND_INT64(&set, "stocked", next->stocked);
    BSON_APPEND_INT64(&set, "adjusted", next->adjusted);
    bson_append_document_end(&update, &set);
    int64_t n = 0;
    orders_code_t rc =
        mg_update_one(s, c, MG_PRODUCTS, &filter, &update, false, &n, "stock_change", err);
    *matched = n > 0;
    bson_destroy(&filter);
    bson_destroy(&update);
    return rc;
}

static orders_code_t stock_change_with(mg_store_t *s, mongoc_client_t *c, const char *product_id,
                                       orders_stock_op_t op, int64_t value, orders_stock_t *out,
                                       orders_error_t *err)
{
    for (int attempt = 0; attempt < STOCK_ATTEMPTS; attempt++) {
        orders_stock_t cur, next;
        bool matched = false;
        orders_code_t rc = stock_read(s, c, product_id, &cur, "stock_change", err);
        if (rc == ORDERS_OK)
            rc = orders__check_stock_next(product_id, &cur, op, value, &next, err);
        if (rc == ORDERS_OK)
            rc = stock_swap(s, c, product_id, &cur, &next, &matched, err);
        if (rc != ORDERS_OK)
            return rc;
        if (matched) {
            /* reserved and sold as read: they may have moved since */
            if (out != NULL)
                *out = next;
            return ORDERS_OK;
        }
        if (attempt >= 10)
            mg_sleep_ms(1 + attempt % 5); /* heavy contention: let the others through */
    }
    return orders_error_set(err, ORDERS_E_UNAVAILABLE, "product_id",
                            "stock of product %s keeps changing; try again", product_id);
}

orders_code_t mg_stock_change(void *ud, const char *product_id, orders_stock_op_t op,
                              int64_t value, orders_stock_t *out, orders_error_t *err)
{
    if (product_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "product_id", "product id is missing");
    mg_store_t *s = ud;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = stock_change_with(s, c, product_id, op, value, out, err);
    mg_push(s, c);
    return rc;
}

/* ---- products_read ----------------------------------------------------------------- */

/* Gives the product of document doc to every out[i] asking for its id:
 * the first gets the decoded product, the others copies. */
static orders_code_t read_place(const bson_t *doc, const char *const *ids, size_t n,
                                orders_product_avail_t *out, orders_error_t *err)
{
    orders_product_t *p = NULL;
    orders_code_t rc = mg_product_from(doc, &p, err);
    if (rc != ORDERS_OK)
        return rc;
    int64_t available = mg_get_i64(doc, "available", 0);
    bool placed = false;
    for (size_t i = 0; i < n && rc == ORDERS_OK; i++) {
        if (out[i].product != NULL || strcmp(ids[i], p->id) != 0)
            continue;
        out[i].available = available;
        if (!placed) {
            out[i].product = p;
            placed = true;
        } else if ((out[i].product = orders_product_copy(p)) == NULL)
            rc = mg_nomem(err);
    }
    if (!placed)
        orders_product_free(p); /* a document no entry was waiting for */
    return rc;
}

typedef struct read_args {
    const char *const *ids;
    size_t n;
    orders_product_avail_t *out;
} read_args_t;

/* mg_doc_fn for read_all. */
static orders_code_t read_doc(const bson_t *doc, void *arg, bool *stop, orders_error_t *err)
{
    const read_args_t *a = arg;
    (void)stop;
    return read_place(doc, a->ids, a->n, a->out, err);
}

/* { _id: { $in: ids } } into filter. */
static void in_filter(const char *const *ids, size_t n, bson_t *filter)
{
    bson_t in, arr;
    bson_init(filter);
    BSON_APPEND_DOCUMENT_BEGIN(filter, "_id", &in);
    BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
    for (size_t i = 0; i < n; i++) {
        char buf[16];
        const char *k;
        bson_uint32_to_string((uint32_t)i, &k, buf, sizeof buf);
        bson_append_utf8(&arr, k, -1, ids[i], -1);
    }
    bson_append_array_end(&in, &arr);
    bson_append_document_end(filter, &in);
}

static orders_code_t read_all(mg_store_t *s, mongoc_client_t *c, const char *const *ids,
                              size_t n, orders_product_avail_t *out, orders_error_t *err)
{
    bson_t filter, opts = BSON_INITIALIZER, proj;
    in_filter(ids, n, &filter);
    BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
    BSON_APPEND_INT32(&proj, "marks", 0);
    bson_append_document_end(&opts, &proj);
    read_args_t a = {ids, n, out};
    orders_code_t rc =
        mg_find_each(s, c, MG_PRODUCTS, &filter, &opts, read_doc, &a, "products_read", err);
    bson_destroy(&opts);
    bson_destroy(&filter);
    return rc;
}

orders_code_t mg_products_read(void *ud, const char *const *ids, size_t n,
                               orders_product_avail_t *out, orders_error_t *err)
{
    orders_code_t rc = orders__check_products_read(ids, n, out, err);
    if (rc != ORDERS_OK || n == 0)
        return rc;
    mg_store_t *s = ud;
    mongoc_client_t *c = mg_pop(s);
    rc = read_all(s, c, ids, n, out, err);
    mg_push(s, c);
    if (rc != ORDERS_OK)
        orders__products_avail_clear(out, n);
    return rc;
}
