/*
 * util.c - what every file of the MongoDB store uses: clients from the
 * pool, error mapping, single-document operations, and reading and writing
 * fields.  Numbers are read with bson_iter_as_int64 (or as dates), whatever
 * BSON type the server stored them as.
 */
#define _DEFAULT_SOURCE

#include "store/mongo/internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bson_t *mg_bcon_new(void *unused, ...)
{
    bcon_append_ctx_t *ctx = bson_malloc(sizeof *ctx);
    bson_t *b = bson_new();
    va_list ap;
    (void)unused;
    bcon_append_ctx_init(ctx);
    va_start(ap, unused);
    bcon_append_ctx_va(b, ctx, &ap);
    va_end(ap);
    bson_free(ctx);
    return b;
}

/* ---- clients and collections ------------------------------------------------------ */

mongoc_client_t *mg_pop(mg_store_t *s)
{
    return mongoc_client_pool_pop(s->pool);
}

void mg_push(mg_store_t *s, mongoc_client_t *c)
{
    if (c != NULL)
        mongoc_client_pool_push(s->pool, c);
}

mongoc_collection_t *mg_coll(mg_store_t *s, mongoc_client_t *c, const char *name)
{
    mongoc_collection_t *coll = mongoc_client_get_collection(c, s->db, name);
    if (s->wc != NULL)
        mongoc_collection_set_write_concern(coll, s->wc);
    return coll;
}

/* ---- errors ------------------------------------------------------------------------ */

bool mg_is_dup(const bson_error_t *e)
{
    return e->code == 11000 || e->code == 11001 || strstr(e->message, "E11000") != NULL;
}

static bool is_network(const bson_error_t *e)
{
    return e->domain == MONGOC_ERROR_STREAM ||
           (e->domain == MONGOC_ERROR_SERVER_SELECTION) ||
           (e->domain == MONGOC_ERROR_CLIENT && e->code == MONGOC_ERROR_CLIENT_AUTHENTICATE) ||
           /* NotWritablePrimary, InterruptedDueToReplStateChange, ... */
           e->code == 10107 || e->code == 11602 || e->code == 13435 || e->code == 189 ||
           e->code == 91;
}

orders_code_t mg_fail(const bson_error_t *e, const char *what, orders_error_t *err)
{
    orders_code_t code = ORDERS_E_BACKEND;
    if (mg_is_dup(e))
        code = ORDERS_E_CONFLICT;
    else if (is_network(e))
        code = ORDERS_E_UNAVAILABLE;
    return orders_error_set(err, code, "store", "%s: MongoDB error %" PRIu32 ": %s", what,
                            e->code, e->message);
}

orders_code_t mg_nomem(orders_error_t *err)
{
    return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
}

void mg_step(mg_store_t *s, int step)
{
    if (s->opts.abort_at_step != 0 && s->opts.abort_at_step == step) {
        fprintf(stderr, "liborders mongo: test hook: aborting at placement step %d\n", step);
        abort();
    }
}

int64_t mg_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mg_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void mg_token(char out[MG_TOKEN_LEN])
{
    bson_oid_t oid;
    bson_oid_init(&oid, NULL);
    bson_oid_to_string(&oid, out);
}

/* ---- single-document operations --------------------------------------------------------- */

orders_code_t mg_find_one(mg_store_t *s, mongoc_client_t *c, const char *coll,
                          const bson_t *filter, const bson_t *projection, bson_t *doc,
                          bool *found, const char *what, orders_error_t *err)
{
    bson_init(doc);
    *found = false;
    bson_t opts = BSON_INITIALIZER;
    BSON_APPEND_INT64(&opts, "limit", 1);
    if (projection != NULL)
        BSON_APPEND_DOCUMENT(&opts, "projection", projection);
    mongoc_collection_t *cl = mg_coll(s, c, coll);
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(cl, filter, &opts, NULL);
    const bson_t *d = NULL;
    bson_error_t e;
    orders_code_t rc = ORDERS_OK;
    if (mongoc_cursor_next(cur, &d)) {
        bson_destroy(doc);
        bson_copy_to(d, doc);
        *found = true;
    } else if (mongoc_cursor_error(cur, &e)) {
        rc = mg_fail(&e, what, err);
    }
    mongoc_cursor_destroy(cur);
    mongoc_collection_destroy(cl);
    bson_destroy(&opts);
    return rc;
}

orders_code_t mg_find_each(mg_store_t *s, mongoc_client_t *c, const char *coll,
                           const bson_t *filter, const bson_t *opts, mg_doc_fn fn, void *arg,
                           const char *what, orders_error_t *err)
{
    mongoc_collection_t *cl = mg_coll(s, c, coll);
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(cl, filter, opts, NULL);
    const bson_t *doc;
    bson_error_t e;
    bool stop = false;
    orders_code_t rc = ORDERS_OK;
    while (rc == ORDERS_OK && !stop && mongoc_cursor_next(cur, &doc))
        rc = fn(doc, arg, &stop, err);
    if (rc == ORDERS_OK && !stop && mongoc_cursor_error(cur, &e))
        rc = mg_fail(&e, what, err);
    mongoc_cursor_destroy(cur);
    mongoc_collection_destroy(cl);
    return rc;
}

orders_code_t mg_update_one(mg_store_t *s, mongoc_client_t *c, const char *coll,
                            const bson_t *filter, const bson_t *update, bool upsert,
                            int64_t *matched, const char *what, orders_error_t *err)
{
    bson_t opts = BSON_INITIALIZER, reply;
    if (upsert)
        BSON_APPEND_BOOL(&opts, "upsert", true);
    mongoc_collection_t *cl = mg_coll(s, c, coll);
    bson_error_t e;
    orders_code_t rc = ORDERS_OK;
    if (!mongoc_collection_update_one(cl, filter, update, &opts, &reply, &e))
        rc = mg_fail(&e, what, err);
    else if (matched != NULL)
        *matched = mg_get_i64(&reply, "matchedCount", 0) + mg_get_i64(&reply, "upsertedCount", 0);
    bson_destroy(&reply);
    bson_destroy(&opts);
    mongoc_collection_destroy(cl);
    return rc;
}

orders_code_t mg_lease(mg_store_t *s, mongoc_client_t *c, const char *coll, const bson_t *filter,
                       const char *field, bool *won, orders_error_t *err)
{
    bson_t update = BSON_INITIALIZER, set;
    bson_append_document_begin(&update, "$set", -1, &set);
    bson_append_date_time(&set, field, -1, mg_now_ms());
    bson_append_document_end(&update, &set);
    int64_t matched = 0;
    orders_code_t rc = mg_update_one(s, c, coll, filter, &update, false, &matched, "recover", err);
    bson_destroy(&update);
    *won = rc == ORDERS_OK && matched == 1;
    return rc;
}

orders_code_t mg_insert_one(mg_store_t *s, mongoc_client_t *c, const char *coll,
                            const bson_t *doc, bool *dup, const char *what, orders_error_t *err)
{
    if (dup != NULL)
        *dup = false;
    mongoc_collection_t *cl = mg_coll(s, c, coll);
    bson_error_t e;
    orders_code_t rc = ORDERS_OK;
    if (!mongoc_collection_insert_one(cl, doc, NULL, NULL, &e)) {
        if (mg_is_dup(&e)) {
            if (dup != NULL)
                *dup = true;
            rc = ORDERS_E_CONFLICT;
        } else {
            rc = mg_fail(&e, what, err);
        }
    }
    mongoc_collection_destroy(cl);
    return rc;
}

orders_code_t mg_delete(mg_store_t *s, mongoc_client_t *c, const char *coll,
                        const bson_t *filter, bool many, int64_t *deleted, const char *what,
                        orders_error_t *err)
{
    mongoc_collection_t *cl = mg_coll(s, c, coll);
    bson_t reply;
    bson_error_t e;
    bool ok = many ? mongoc_collection_delete_many(cl, filter, NULL, &reply, &e)
                   : mongoc_collection_delete_one(cl, filter, NULL, &reply, &e);
    orders_code_t rc = ORDERS_OK;
    if (!ok)
        rc = mg_fail(&e, what, err);
    else if (deleted != NULL)
        *deleted = mg_get_i64(&reply, "deletedCount", 0);
    bson_destroy(&reply);
    mongoc_collection_destroy(cl);
    return rc;
}

orders_code_t mg_count(mg_store_t *s, mongoc_client_t *c, const char *coll,
                       const bson_t *filter, int64_t *out, const char *what,
                       orders_error_t *err)
{
    mongoc_collection_t *cl = mg_coll(s, c, coll);
    bson_error_t e;
    int64_t n = mongoc_collection_count_documents(cl, filter, NULL, NULL, NULL, &e);
    mongoc_collection_destroy(cl);
    if (n < 0)
        return mg_fail(&e, what, err);
    *out = n;
    return ORDERS_OK;
}

/* ---- reading fields ----------------------------------------------------------------------- */

int64_t mg_iter_i64(const bson_iter_t *it)
{
    if (BSON_ITER_HOLDS_DATE_TIME(it))
        return bson_iter_date_time(it);
    return bson_iter_as_int64(it);
}

int64_t mg_get_i64(const bson_t *doc, const char *key, int64_t def)
{
    bson_iter_t it;
    if (!bson_iter_init_find(&it, doc, key) || BSON_ITER_HOLDS_NULL(&it))
        return def;
    return mg_iter_i64(&it);
}

const char *mg_get_str(const bson_t *doc, const char *key)
{
    bson_iter_t it;
    if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_UTF8(&it))
        return NULL;
    return bson_iter_utf8(&it, NULL);
}

bool mg_dup_str(const bson_t *doc, const char *key, char **out)
{
    const char *v = mg_get_str(doc, key);
    *out = NULL;
    if (v == NULL)
        return true;
    return (*out = orders__strdup(v)) != NULL;
}

bool mg_get_bool(const bson_t *doc, const char *key, bool def)
{
    bson_iter_t it;
    if (!bson_iter_init_find(&it, doc, key) || BSON_ITER_HOLDS_NULL(&it))
        return def;
    return bson_iter_as_bool(&it);
}

void mg_get_id(const bson_t *doc, const char *key, char *out)
{
    const char *v = mg_get_str(doc, key);
    orders__copy_id(out, v != NULL ? v : "");
}

bool mg_array_has(const bson_t *doc, const char *key, const char *value)
{
    bson_iter_t it, child;
    if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &child))
        return false;
    while (bson_iter_next(&child))
        if (BSON_ITER_HOLDS_UTF8(&child) && strcmp(bson_iter_utf8(&child, NULL), value) == 0)
            return true;
    return false;
}

/* ---- writing fields ------------------------------------------------------------------------ */

/* Absent values are written as null rather than left out, so that a
 * document written with $set (an order or cart update) clears them. */
void mg_put_time(bson_t *doc, const char *key, int64_t ms, bool optional)
{
    if (ms == 0 && optional)
        bson_append_null(doc, key, -1);
    else
        bson_append_date_time(doc, key, -1, ms);
}

void mg_put_str(bson_t *doc, const char *key, const char *s)
{
    if (s != NULL)
        bson_append_utf8(doc, key, -1, s, -1);
    else
        bson_append_null(doc, key, -1);
}

/* "<key>Currency" into buf. */
static void currency_key(const char *key, char *buf, size_t size)
{
    snprintf(buf, size, "%sCurrency", key);
}

void mg_put_money(bson_t *doc, const char *key, const orders_money_t *m, const char *doc_currency)
{
    bson_append_int64(doc, key, -1, m->amount);
    if (strcmp(m->currency, doc_currency != NULL ? doc_currency : "") != 0) {
        char ck[96];
        currency_key(key, ck, sizeof ck);
        bson_append_utf8(doc, ck, -1, m->currency, -1);
    }
}

void mg_get_money(const bson_t *doc, const char *key, const char *doc_currency,
                  orders_money_t *out)
{
    char ck[96];
    currency_key(key, ck, sizeof ck);
    const char *cur = mg_get_str(doc, ck);
    if (cur == NULL)
        cur = doc_currency != NULL ? doc_currency : "";
    memset(out, 0, sizeof *out);
    out->amount = mg_get_i64(doc, key, 0);
    snprintf(out->currency, sizeof out->currency, "%s", cur);
}
