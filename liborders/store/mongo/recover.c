/*
 * recover.c - the recovery pass: finishes or undoes every multi-document
 * step that has been in progress for at least recovery_grace_ms (its
 * process died, or lost the server for that long).
 *
 * Each kind of leftover is found by its own indexed field, at most
 * MG_RECOVER_BATCH per kind per pass, and handed to the file that owns the
 * step's protocol:
 *   placements   placement records by startedAt    mg_place_recover
 *   orders       effects entries by effects.at      mg_effect_finish_stale
 *   reservations locks by lock.at                   mg_lock_recover_stale
 *   reservations standalone ones by creatingAt      mg_create_recover
 *   history      held entries by heldAt             mg_update_recover
 *   outbox       held events by heldAt              mg_update_recover
 *   wallets      pending entries by pending.at      mg_wallet_recover
 * Before acting on a leftover, a pass takes its lease (mg_lease: the age
 * field set to now, only while it is still old), so of several passes
 * that find one leftover exactly one acts on it.  Every step they take is
 * also conditional and idempotent.  What this relies on: a live owner
 * never stalls longer than the grace (docs/architecture.md).
 */
#include "store/mongo/internal.h"

#include <stdlib.h>
#include <string.h>

#define MG_RECOVER_BATCH 200

typedef orders_code_t (*doc_fn)(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                                orders_mongo_recovery_t *out, orders_error_t *err);

/* The documents of one kind, copied out of the cursor. */
typedef struct batch {
    bson_t *docs[MG_RECOVER_BATCH];
    size_t n;
} batch_t;

/* mg_doc_fn: keeps a copy, up to MG_RECOVER_BATCH. */
static orders_code_t collect(const bson_t *doc, void *arg, bool *stop, orders_error_t *err)
{
    batch_t *b = arg;
    if ((b->docs[b->n] = bson_copy(doc)) == NULL)
        return mg_nomem(err);
    *stop = ++b->n == MG_RECOVER_BATCH;
    return ORDERS_OK;
}

/* Reads up to MG_RECOVER_BATCH documents whose field is at most cutoff,
 * oldest first, then calls fn on each (the cursor is closed first, so fn
 * may change what it matched).  A document fn fails on does not stop the
 * others: the first failure is returned after all were tried. */
static orders_code_t each(mg_store_t *s, mongoc_client_t *c, const char *coll,
                          const char *field, int64_t cutoff, doc_fn fn,
                          orders_mongo_recovery_t *out, orders_error_t *err)
{
    bson_t *filter = MG_BCON(field, "{", "$lte", BCON_DATE_TIME(cutoff), "}");
    bson_t *opts = MG_BCON("limit", BCON_INT64(MG_RECOVER_BATCH), "sort", "{", field,
                            BCON_INT32(1), "}");
    batch_t *b = calloc(1, sizeof *b);
    orders_code_t rc = b != NULL ? mg_find_each(s, c, coll, filter, opts, collect, b, "recover",
                                                err)
                                 : mg_nomem(err);
    bson_destroy(opts);
    bson_destroy(filter);
    for (size_t i = 0; b != NULL && i < b->n; i++) {
        orders_error_t one = {0};
        orders_code_t r = fn(s, c, b->docs[i], out, &one);
        if (r != ORDERS_OK && rc == ORDERS_OK) {
            rc = r;
            if (err != NULL)
                *err = one;
        }
        bson_destroy(b->docs[i]);
    }
    free(b);
    return rc;
}


/* ---- per kind -------------------------------------------------------------------------- */

/* Takes the lease of doc (its _id, plus key == value when key is given)
 * in coll through its date field; *won when this pass may act on it. */
static orders_code_t lease(mg_store_t *s, mongoc_client_t *c, const char *coll, const bson_t *doc,
                           const char *key, const char *field, bool *won, orders_error_t *err)
{
    bson_iter_t id;
    *won = false;
    const char *value = key != NULL ? mg_get_str(doc, key) : NULL;
    if (!bson_iter_init_find(&id, doc, "_id") || (key != NULL && value == NULL))
        return ORDERS_OK;
    int64_t cutoff = mg_now_ms() - s->opts.recovery_grace_ms;
    bson_t filter = BSON_INITIALIZER, age;
    bson_append_iter(&filter, "_id", -1, &id);
    if (key != NULL)
        bson_append_utf8(&filter, key, -1, value, -1);
    bson_append_document_begin(&filter, field, -1, &age);
    BSON_APPEND_DATE_TIME(&age, "$lte", cutoff);
    bson_append_document_end(&filter, &age);
    orders_code_t rc = mg_lease(s, c, coll, &filter, field, won, err);
    bson_destroy(&filter);
    return rc;
}

static orders_code_t on_placement(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                                  orders_mongo_recovery_t *out, orders_error_t *err)
{
    bool finished = false, won = false;
    orders_code_t rc = lease(s, c, MG_PLACEMENTS, doc, "token", "startedAt", &won, err);
    if (rc != ORDERS_OK || !won)
        return rc;
    rc = mg_place_recover(s, c, doc, &finished, err);
    if (rc == ORDERS_OK)
        (*(finished ? &out->placements_finished : &out->placements_undone))++;
    return rc;
}

/* Every effects entry of the order at least the grace old is finished. */
static orders_code_t on_order(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                              orders_mongo_recovery_t *out, orders_error_t *err)
{
    const char *order_id = mg_get_str(doc, "_id");
    bson_iter_t it, arr;
    if (order_id == NULL || !bson_iter_init_find(&it, doc, "effects") ||
        !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &arr))
        return ORDERS_OK;
    int64_t cutoff = mg_now_ms() - s->opts.recovery_grace_ms;
    orders_code_t rc = ORDERS_OK;
    while (rc == ORDERS_OK && bson_iter_next(&arr)) {
        bson_iter_t f = arr, g = arr;
        if (!BSON_ITER_HOLDS_DOCUMENT(&arr) || !bson_iter_find_descendant(&f, "token", &f) ||
            !BSON_ITER_HOLDS_UTF8(&f) || !bson_iter_find_descendant(&g, "at", &g) ||
            mg_iter_i64(&g) > cutoff)
            continue;
        char token[MG_TOKEN_LEN];
        bool won = false;
        snprintf(token, sizeof token, "%s", bson_iter_utf8(&f, NULL));
        rc = mg_effect_finish_stale(s, c, order_id, token, &won, err);
        if (rc == ORDERS_OK && won)
            out->effects_finished++;
    }
    return rc;
}

static orders_code_t on_lock(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                             orders_mongo_recovery_t *out, orders_error_t *err)
{
    bool finished = false, acted = false;
    orders_code_t rc = mg_lock_recover_stale(s, c, doc, &acted, &finished, err);
    if (rc == ORDERS_OK && acted)
        (*(finished ? &out->effects_finished : &out->effects_undone))++;
    return rc;
}

static orders_code_t on_creating(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                                 orders_mongo_recovery_t *out, orders_error_t *err)
{
    bool won = false;
    orders_code_t rc = lease(s, c, MG_RESERVATIONS, doc, "creating", "creatingAt", &won, err);
    if (rc != ORDERS_OK || !won)
        return rc;
    rc = mg_create_recover(s, c, doc, err);
    if (rc == ORDERS_OK)
        out->reservations_undone++;
    return rc;
}

/* A held journal entry: its step is a placement (left to the placement
 * record) or an order update (fenced, then finished or dropped). */
static orders_code_t on_held(mg_store_t *s, mongoc_client_t *c, const char *coll,
                             const bson_t *doc, orders_mongo_recovery_t *out, orders_error_t *err)
{
    const char *token = mg_get_str(doc, "holder");
    const char *order_id = mg_get_str(doc, "orderId");
    bool won = false;
    if (token == NULL || order_id == NULL)
        return ORDERS_OK;
    orders_code_t lrc = lease(s, c, coll, doc, "holder", "heldAt", &won, err);
    if (lrc != ORDERS_OK || !won)
        return lrc;
    char tok[MG_TOKEN_LEN];
    snprintf(tok, sizeof tok, "%s", token);
    bson_t *filter = MG_BCON("token", BCON_UTF8(tok));
    bson_t rec;
    bool placing = false;
    orders_code_t rc =
        mg_find_one(s, c, MG_PLACEMENTS, filter, NULL, &rec, &placing, "recover", err);
    /* A placement's journal is its record's business. */
    bson_destroy(&rec);
    bson_destroy(filter);
    if (rc != ORDERS_OK || placing)
        return rc;
    bool finished = false;
    rc = mg_update_recover(s, c, order_id, tok, &finished, err);
    if (rc == ORDERS_OK)
        (*(finished ? &out->effects_finished : &out->effects_undone))++;
    return rc;
}

static orders_code_t on_held_history(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                                     orders_mongo_recovery_t *out, orders_error_t *err)
{
    return on_held(s, c, MG_HISTORY, doc, out, err);
}

static orders_code_t on_held_event(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                                   orders_mongo_recovery_t *out, orders_error_t *err)
{
    return on_held(s, c, MG_OUTBOX, doc, out, err);
}

/* ---- the pass ------------------------------------------------------------------------------ */

orders_code_t orders_store_mongo_recover(void *ud, orders_mongo_recovery_t *out,
                                         orders_error_t *err)
{
    mg_store_t *s = ud;
    orders_mongo_recovery_t scratch;
    if (out == NULL)
        out = &scratch;
    memset(out, 0, sizeof *out);
    if (s == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "store", "ud is NULL");
    int64_t cutoff = mg_now_ms() - s->opts.recovery_grace_ms;
    mongoc_client_t *c = mg_pop(s);
    struct {
        const char *coll, *field;
        doc_fn fn;
    } kinds[] = {
        {MG_PLACEMENTS, "startedAt", on_placement},
        {MG_ORDERS, "effects.at", on_order},
        {MG_RESERVATIONS, "lock.at", on_lock},
        {MG_RESERVATIONS, "creatingAt", on_creating},
        {MG_HISTORY, "heldAt", on_held_history},
        {MG_OUTBOX, "heldAt", on_held_event},
    };
    orders_code_t rc = ORDERS_OK;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        orders_error_t one = {0};
        orders_code_t r = each(s, c, kinds[i].coll, kinds[i].field, cutoff, kinds[i].fn, out, &one);
        if (r != ORDERS_OK && rc == ORDERS_OK) {
            rc = r;
            if (err != NULL)
                *err = one;
        }
    }
    orders_error_t one = {0};
    orders_code_t r = mg_wallet_recover(s, c, cutoff, &out->wallet_entries, &one);
    if (r != ORDERS_OK && rc == ORDERS_OK) {
        rc = r;
        if (err != NULL)
            *err = one;
    }
    mg_push(s, c);
    return rc;
}
