/*
 * carts.c - the MongoDB store's carts: cart_get, cart_put and cart_purge.
 *
 * A cart is one document of MG_CARTS with _id = the customer id (codec.c
 * writes its fields) plus the placement protocol's arrays (place.c):
 * `placing` (placements committed on this cart, not yet finished) and
 * `fenced` (placements recovery stopped from committing).
 *
 *   cart_put    expected version 0: an insert (a duplicate _id is the
 *               conflict); otherwise one conditional update on {_id,
 *               version: expected} that $sets the cart's fields (never
 *               replacing the document, so `placing` survives) and empties
 *               `fenced` (a fence names a placement of an older version,
 *               which can no longer commit anyway).  A refusal reads the
 *               stored version to word the conflict as the memory store
 *               does.
 *   cart_purge  one deleteMany of carts expired at now with no placement
 *               in flight (a cart a placement is finishing is purged by a
 *               later pass).
 */
#include "store/mongo/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Conditional writes lost to a purge and re-creation in between are
 * retried this many times. */
#define PUT_ATTEMPTS 3

/* ---- cart_get ------------------------------------------------------------------- */

orders_code_t mg_cart_get(void *ud, const char *customer_id, orders_cart_t **out,
                          orders_error_t *err)
{
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (customer_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "customer_id", "customer id is missing");
    mg_store_t *s = ud;
    bson_t filter = BSON_INITIALIZER, proj = BSON_INITIALIZER, doc;
    BSON_APPEND_UTF8(&filter, "_id", customer_id);
    BSON_APPEND_INT32(&proj, "placing", 0);
    BSON_APPEND_INT32(&proj, "fenced", 0);
    bool found = false;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = mg_find_one(s, c, MG_CARTS, &filter, &proj, &doc, &found, "cart_get", err);
    mg_push(s, c);
    if (rc == ORDERS_OK && !found)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "customer_id", "customer %s has no cart",
                              customer_id);
    else if (rc == ORDERS_OK)
        rc = mg_cart_from(&doc, out, err);
    bson_destroy(&doc);
    bson_destroy(&proj);
    bson_destroy(&filter);
    return rc;
}

/* ---- cart_put ------------------------------------------------------------------- */

/* Appends an empty array at key. */
static bool put_empty(bson_t *doc, const char *key)
{
    bson_t arr;
    return BSON_APPEND_ARRAY_BEGIN(doc, key, &arr) && bson_append_array_end(doc, &arr);
}

static orders_code_t too_big(const orders_cart_t *cart, orders_error_t *err)
{
    return orders_error_set(err, ORDERS_E_INVALID, "items",
                            "cart of customer %s does not fit a document", cart->customer_id);
}

/* The stored version of customer_id's cart into *version (0: no cart). */
static orders_code_t stored_version(mg_store_t *s, mongoc_client_t *c, const char *customer_id,
                                    int64_t *version, orders_error_t *err)
{
    bson_t filter = BSON_INITIALIZER, proj = BSON_INITIALIZER, doc;
    BSON_APPEND_UTF8(&filter, "_id", customer_id);
    BSON_APPEND_INT32(&proj, "version", 1);
    bool found = false;
    orders_code_t rc = mg_find_one(s, c, MG_CARTS, &filter, &proj, &doc, &found, "cart_put", err);
    *version = found ? mg_get_i64(&doc, "version", 0) : 0;
    bson_destroy(&doc);
    bson_destroy(&proj);
    bson_destroy(&filter);
    return rc;
}

/* Words a refused write as the memory store does, given the version
 * stored now; ORDERS_OK when the stored version is the expected one
 * after all (the cart changed under the write: try again). */
static orders_code_t refusal(const char *customer_id, int64_t stored, int64_t expected,
                             orders_error_t *err)
{
    if (expected == 0 && stored != 0)
        return orders_error_set(err, ORDERS_E_CONFLICT, "version",
                                "cart version is %" PRId64 ", expected none", stored);
    if (expected > 0 && stored == 0)
        return orders_error_set(err, ORDERS_E_CONFLICT, "version",
                                "customer %s has no cart, expected version %" PRId64, customer_id,
                                expected);
    if (stored != expected)
        return orders_error_set(err, ORDERS_E_CONFLICT, "version",
                                "cart version is %" PRId64 ", expected %" PRId64, stored,
                                expected);
    return ORDERS_OK;
}

/* Expected version 0: inserts the cart with empty protocol arrays; *done
 * false when a cart was there. */
static orders_code_t cart_insert(mg_store_t *s, mongoc_client_t *c, const orders_cart_t *cart,
                                 bool *done, orders_error_t *err)
{
    bson_t doc = BSON_INITIALIZER;
    bool dup = false;
    orders_code_t rc = ORDERS_OK;
    if (!mg_cart_bson(cart, &doc) || !put_empty(&doc, "placing") || !put_empty(&doc, "fenced"))
        rc = too_big(cart, err);
    else
        rc = mg_insert_one(s, c, MG_CARTS, &doc, &dup, "cart_put", err);
    *done = rc == ORDERS_OK;
    bson_destroy(&doc);
    return dup ? ORDERS_OK : rc;
}

/* { $set: <cart fields but _id>, fenced: [] } into update. */
static bool update_doc(const orders_cart_t *cart, bson_t *update)
{
    static const char *const skip[] = {"_id", "placing", "fenced", NULL};
    bson_t fields = BSON_INITIALIZER, set;
    bool ok = mg_cart_bson(cart, &fields) && BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    if (ok) {
        mg_append_except(&set, &fields, skip);
        ok = put_empty(&set, "fenced") && bson_append_document_end(update, &set);
    }
    bson_destroy(&fields);
    return ok;
}

/* Expected version > 0: the conditional update; *done false when the
 * stored cart is not at expected. */
static orders_code_t cart_update(mg_store_t *s, mongoc_client_t *c, const orders_cart_t *cart,
                                 int64_t expected, bool *done, orders_error_t *err)
{
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER;
    int64_t matched = 0;
    orders_code_t rc = ORDERS_OK;
    BSON_APPEND_UTF8(&filter, "_id", cart->customer_id);
    BSON_APPEND_INT64(&filter, "version", expected);
    if (!update_doc(cart, &update))
        rc = too_big(cart, err);
    else
        rc = mg_update_one(s, c, MG_CARTS, &filter, &update, false, &matched, "cart_put", err);
    *done = rc == ORDERS_OK && matched > 0;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

static orders_code_t cart_put_with(mg_store_t *s, mongoc_client_t *c, const orders_cart_t *cart,
                                   int64_t expected, orders_error_t *err)
{
    orders_code_t rc = ORDERS_OK;
    for (int attempt = 0; attempt < PUT_ATTEMPTS; attempt++) {
        bool done = false;
        int64_t stored = 0;
        rc = expected == 0 ? cart_insert(s, c, cart, &done, err)
                           : cart_update(s, c, cart, expected, &done, err);
        if (rc != ORDERS_OK || done)
            return rc;
        if ((rc = stored_version(s, c, cart->customer_id, &stored, err)) != ORDERS_OK ||
            (rc = refusal(cart->customer_id, stored, expected, err)) != ORDERS_OK)
            return rc;
    }
    /* the cart kept changing back to the expected state under the write */
    return orders_error_set(err, ORDERS_E_CONFLICT, "version",
                            "cart of customer %s changed during the write", cart->customer_id);
}

orders_code_t mg_cart_put(void *ud, const orders_cart_t *cart, int64_t expected_version,
                          orders_error_t *err)
{
    orders_code_t rc = orders__check_cart_put(cart, expected_version, err);
    if (rc != ORDERS_OK)
        return rc;
    mg_store_t *s = ud;
    mongoc_client_t *c = mg_pop(s);
    rc = cart_put_with(s, c, cart, expected_version, err);
    mg_push(s, c);
    return rc;
}

/* ---- cart_purge ----------------------------------------------------------------- */

orders_code_t mg_cart_purge(void *ud, int64_t now, int64_t *purged, orders_error_t *err)
{
    mg_store_t *s = ud;
    bson_t filter = BSON_INITIALIZER, exp, placing;
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "expiresAt", &exp);
    BSON_APPEND_DATE_TIME(&exp, "$lte", now);
    bson_append_document_end(&filter, &exp);
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "placing", &placing);
    BSON_APPEND_INT32(&placing, "$size", 0);
    bson_append_document_end(&filter, &placing);
    int64_t n = 0;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = mg_delete(s, c, MG_CARTS, &filter, true, &n, "cart_purge", err);
    mg_push(s, c);
    bson_destroy(&filter);
    if (rc == ORDERS_OK && purged != NULL)
        *purged = n;
    return rc;
}
