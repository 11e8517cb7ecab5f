/*
 * recover.c - the recovery pass: finishes or undoes every multi-document
 * step that has been in progress for at least recovery_grace_ms (its
 * process died, or lost the server for that long).
 *
 * Each kind of leftover is found by its own indexed field, at most
 * MG_RECOVER_BATCH per kind per pass, and handed to the file that owns the
 * step's protocol:
 *   placements   placement records by startedAt    mg_place_recover
 *   orders       effects entries by effects.at      mg_effect_finish_entry
 *   reservations locks by lock.at                   mg_effect_recover
 *   reservations standalone ones by creatingAt      mg_create_recover
 *   history      held entries by heldAt             mg_update_recover
 *   outbox       held events by heldAt              mg_update_recover
 *   wallets      pending entries by pending.at      mg_wallet_recover
 * Every step they take is conditional and idempotent, so passes in several
 * processes at once, or a pass racing a slow owner, stay correct.
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

/* Reads up to MG_RECOVER_BATCH documents matching filter, then calls fn on
 * each (the cursor is closed first, so fn may change what it matched). */
static orders_code_t each(mg_store_t *s, mongoc_client_t *c, const char *coll,
                          const bson_t *filter, doc_fn fn, orders_mongo_recovery_t *out,
                          orders_error_t *err)
{
    bson_t *opts = BCON_NEW("limit", BCON_INT64(MG_RECOVER_BATCH));
    batch_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        bson_destroy(opts);
        return mg_nomem(err);
    }
    orders_code_t rc = mg_find_each(s, c, coll, filter, opts, collect, b, "recover", err);
    bson_destroy(opts);
    for (size_t i = 0; i < b->n; i++) {
        if (rc == ORDERS_OK)
            rc = fn(s, c, b->docs[i], out, err);
        bson_destroy(b->docs[i]);
    }
    free(b);
    return rc;
}

static bson_t *older(const char *field, int64_t cutoff)
{
    return BCON_NEW(field, "{", "$lte", BCON_DATE_TIME(cutoff), "}");
}

/* ---- per kind -------------------------------------------------------------------------- */

static orders_code_t on_placement(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                                  orders_mongo_recovery_t *out, orders_error_t *err)
{
    bool finished = false;
    orders_code_t rc = mg_place_recover(s, c, doc, &finished, err);
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
        snprintf(token, sizeof token, "%s", bson_iter_utf8(&f, NULL));
        rc = mg_effect_finish_entry(s, c, order_id, token, err);
        if (rc == ORDERS_OK)
            out->effects_finished++;
    }
    return rc;
}

static orders_code_t on_lock(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                             orders_mongo_recovery_t *out, orders_error_t *err)
{
    bool finished = false;
    orders_code_t rc = mg_effect_recover(s, c, doc, &finished, err);
    if (rc == ORDERS_OK)
        (*(finished ? &out->effects_finished : &out->effects_undone))++;
    return rc;
}

static orders_code_t on_creating(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                                 orders_mongo_recovery_t *out, orders_error_t *err)
{
    orders_code_t rc = mg_create_recover(s, c, doc, err);
    if (rc == ORDERS_OK)
        out->reservations_undone++;
    return rc;
}

/* A held journal entry: its step is a placement (left to the placement
 * record) or an order update (fenced, then finished or dropped). */
static orders_code_t on_held(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                             orders_mongo_recovery_t *out, orders_error_t *err)
{
    const char *token = mg_get_str(doc, "holder");
    const char *order_id = mg_get_str(doc, "orderId");
    if (token == NULL || order_id == NULL)
        return ORDERS_OK;
    char tok[MG_TOKEN_LEN];
    snprintf(tok, sizeof tok, "%s", token);
    bson_t *filter = BCON_NEW("token", BCON_UTF8(tok));
    bson_t rec;
    bool placing = false;
    orders_code_t rc =
        mg_find_one(s, c, MG_PLACEMENTS, filter, NULL, &rec, &placing, "recover", err);
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
        {MG_HISTORY, "heldAt", on_held},
        {MG_OUTBOX, "heldAt", on_held},
    };
    orders_code_t rc = ORDERS_OK;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && rc == ORDERS_OK; i++) {
        bson_t *filter = older(kinds[i].field, cutoff);
        rc = each(s, c, kinds[i].coll, filter, kinds[i].fn, out, err);
        bson_destroy(filter);
    }
    if (rc == ORDERS_OK)
        rc = mg_wallet_recover(s, c, cutoff, &out->wallet_entries, err);
    mg_push(s, c);
    return rc;
}
