/*
 * effect.c - what changes a reservation: order_update (an order replaced,
 * maybe with an effect on its reservation), reservation_settle and
 * reservation_create, without multi-document transactions.
 *
 * An effect first LOCKS the reservation with one conditional update: the
 * filter pins the status it read (and checked with orders__check_effect)
 * and requires no lock; the lock {token, kind, to, move, now, at} records
 * the decision.  Readers still see the old status; other writers wait for
 * the lock (up to wait_ms) or, once it is recovery_grace_ms old, recover
 * it.  Then:
 *   settle: the lock is the commit; stock moves (marked with the token),
 *           the reservation gets its new status and loses the lock, the
 *           marks are removed.
 *   update: events and history are written held; the order is replaced
 *           with one conditional update on {_id, version, fenced != token}
 *           that also pushes {token, at} to its `effects` -- the commit.
 *           Then the effect is finished as for settle, the journal
 *           released, and the entry pulled from `effects`.
 * An update that does not commit undoes: journal dropped, lock removed.
 * Recovery (recover.c) finishes a lock whose order lists the token (or a
 * settle lock), and otherwise fences the order against the token (adds it
 * to `fenced`, which the commit's filter excludes) and undoes.
 *
 * reservation_create inserts the reservation with `creating: token`
 * (readers skip it), moves the stock under the token, then removes
 * `creating` unless the document is marked `undo`.  A refusal undoes the
 * moves and deletes it; recovery marks one left `creating` with `undo`
 * (so its creator can no longer publish it), undoes its marked moves and
 * deletes it.
 */
#include "store/mongo/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum lock_kind { LOCK_SETTLE, LOCK_UPDATE } lock_kind_t;

static orders_code_t settle_update(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                   const char *token, bool *committed, orders_error_t *err);

/* ---- reading a reservation ----------------------------------------------------------- */

static orders_code_t res_read(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                              bson_t *doc, bool *found, orders_error_t *err)
{
    bson_t *filter = MG_BCON("orderId", BCON_UTF8(order_id), "creating", "{", "$exists",
                              BCON_BOOL(false), "}");
    orders_code_t rc =
        mg_find_one(s, c, MG_RESERVATIONS, filter, NULL, doc, found, "reservation", err);
    bson_destroy(filter);
    return rc;
}

/* The stock moves of a reservation document (none unless localStock). */
static orders_code_t res_moves(const bson_t *doc, mg_move_t **moves, size_t *n,
                               orders_reservation_t **keep, orders_error_t *err)
{
    *moves = NULL;
    *n = 0;
    *keep = NULL;
    orders_reservation_t *r = NULL;
    orders_code_t rc = mg_reservation_from(doc, &r, err);
    if (rc != ORDERS_OK)
        return rc;
    if (r->local_stock)
        rc = mg_moves_from_lines(r->lines, r->line_count, moves, n, err);
    if (rc != ORDERS_OK) {
        orders_reservation_free(r);
        return rc;
    }
    *keep = r; /* the moves borrow its product ids */
    return ORDERS_OK;
}

/* The lock's sub-document field, borrowed (NULL when unlocked). */
static const char *lock_str(const bson_t *res, const char *key)
{
    char path[64];
    snprintf(path, sizeof path, "lock.%s", key);
    bson_iter_t it;
    if (!bson_iter_init(&it, res) || !bson_iter_find_descendant(&it, path, &it) ||
        !BSON_ITER_HOLDS_UTF8(&it))
        return NULL;
    return bson_iter_utf8(&it, NULL);
}

static int64_t lock_i64(const bson_t *res, const char *key)
{
    char path[64];
    snprintf(path, sizeof path, "lock.%s", key);
    bson_iter_t it;
    if (!bson_iter_init(&it, res) || !bson_iter_find_descendant(&it, path, &it))
        return 0;
    return mg_iter_i64(&it);
}

/* ---- taking the lock ---------------------------------------------------------------------- */

typedef struct lock_req {
    const char *order_id;
    orders_res_effect_t effect;
    int64_t now;
    lock_kind_t kind;
    int64_t order_version;   /* the update's new version (LOCK_UPDATE) */
    const char *token;
} lock_req_t;

static orders_code_t try_lock(mg_store_t *s, mongoc_client_t *c, const lock_req_t *q,
                              const orders_reservation_t *r, orders_reservation_status_t to,
                              bool *locked, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(r->id), "status",
                              BCON_UTF8(orders_reservation_status_name(r->status)), "lock", "{",
                              "$exists", BCON_BOOL(false), "}");
    bson_t *update = MG_BCON(
        "$set", "{", "lock", "{", "token", BCON_UTF8(q->token), "kind",
        BCON_UTF8(q->kind == LOCK_SETTLE ? "settle" : "update"), "to",
        BCON_UTF8(orders_reservation_status_name(to)), "move",
        BCON_INT32((int32_t)orders__effect_move(q->effect)), "now", BCON_INT64(q->now),
        "orderVersion", BCON_INT64(q->order_version), "at", BCON_DATE_TIME(mg_now_ms()), "}", "}");
    int64_t matched = 0;
    orders_code_t rc =
        mg_update_one(s, c, MG_RESERVATIONS, filter, update, false, &matched, "reservation", err);
    bson_destroy(update);
    bson_destroy(filter);
    *locked = matched == 1;
    return rc;
}

orders_code_t mg_lock_recover_stale(mg_store_t *s, mongoc_client_t *c, const bson_t *res,
                                    bool *acted, bool *finished, orders_error_t *err)
{
    const char *id = mg_get_str(res, "_id");
    const char *token = lock_str(res, "token");
    bool won = false, done = false;
    if (finished != NULL)
        *finished = false;
    if (acted != NULL)
        *acted = false;
    if (id == NULL || token == NULL)
        return ORDERS_OK;
    int64_t cutoff = mg_now_ms() - s->opts.recovery_grace_ms;
    bson_t *filter = MG_BCON("_id", BCON_UTF8(id), "lock.token", BCON_UTF8(token), "lock.at",
                              "{", "$lte", BCON_DATE_TIME(cutoff), "}");
    orders_code_t rc = mg_lease(s, c, MG_RESERVATIONS, filter, "lock.at", &won, err);
    bson_destroy(filter);
    if (rc == ORDERS_OK && won)
        rc = mg_effect_recover(s, c, res, &done, err);
    if (acted != NULL)
        *acted = won;
    if (finished != NULL)
        *finished = done;
    return rc;
}

/* One look at the reservation: refused (a code), locked by us (*locked),
 * or held by another caller (*busy, with *stale when old enough to
 * recover). */
static orders_code_t lock_once(mg_store_t *s, mongoc_client_t *c, const lock_req_t *q,
                               bool *locked, bool *busy, orders_error_t *err)
{
    bson_t doc;
    bool found = false;
    orders_code_t rc = res_read(s, c, q->order_id, &doc, &found, err);
    if (rc == ORDERS_OK && !found)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND,
                              q->kind == LOCK_SETTLE ? "order_id" : "reservation",
                              "no reservation for order %s", q->order_id);
    if (rc != ORDERS_OK) {
        bson_destroy(&doc);
        return rc;
    }
    if (lock_str(&doc, "token") != NULL) {
        *busy = true;
        rc = mg_lock_recover_stale(s, c, &doc, NULL, NULL, err);
        bson_destroy(&doc);
        return rc;
    }
    orders_reservation_t *r = NULL;
    orders_reservation_status_t to;
    rc = mg_reservation_from(&doc, &r, err);
    if (rc == ORDERS_OK)
        rc = orders__check_effect(r, q->effect, q->now, &to, err);
    if (rc == ORDERS_OK)
        rc = try_lock(s, c, q, r, to, locked, err);
    orders_reservation_free(r);
    bson_destroy(&doc);
    return rc;
}

static orders_code_t lock_res(mg_store_t *s, mongoc_client_t *c, const lock_req_t *q,
                              orders_error_t *err)
{
    int64_t deadline = mg_now_ms() + s->opts.wait_ms;
    for (int round = 0;; round++) {
        bool locked = false, busy = false;
        orders_code_t rc = lock_once(s, c, q, &locked, &busy, err);
        if (rc != ORDERS_OK || locked)
            return rc;
        if (mg_now_ms() >= deadline)
            return orders_error_set(err, ORDERS_E_UNAVAILABLE, "reservation",
                                    "the reservation of order %s is being changed by another "
                                    "caller", q->order_id);
        if (busy)
            mg_sleep_ms(round < 10 ? 1 : 5);
    }
}

static orders_code_t unlock(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                            const char *token, orders_error_t *err)
{
    bson_t *filter = MG_BCON("orderId", BCON_UTF8(order_id), "lock.token", BCON_UTF8(token));
    bson_t *update = MG_BCON("$unset", "{", "lock", BCON_UTF8(""), "}");
    orders_code_t rc =
        mg_update_one(s, c, MG_RESERVATIONS, filter, update, false, NULL, "reservation", err);
    bson_destroy(update);
    bson_destroy(filter);
    return rc;
}

/* ---- finishing a locked effect -------------------------------------------------------------- */

/* Moves the stock, sets the new status and drops the lock, then removes the
 * marks.  res is the reservation's document while the lock is held, or
 * after (then only the marks are left to remove).  Idempotent. */
static orders_code_t finish_lock(mg_store_t *s, mongoc_client_t *c, const bson_t *res,
                                 const char *token, orders_error_t *err)
{
    mg_move_t *moves = NULL;
    size_t n = 0;
    orders_reservation_t *r = NULL;
    orders_code_t rc = res_moves(res, &moves, &n, &r, err);
    const char *held = lock_str(res, "token");
    if (rc == ORDERS_OK && held != NULL && strcmp(held, token) == 0) {
        orders__move_t mv = (orders__move_t)lock_i64(res, "move");
        size_t short_i = 0;
        int64_t have = 0;
        rc = mg_moves_apply(s, c, moves, n, mv, token, &short_i, &have, err);
        if (rc == ORDERS_E_OUT_OF_STOCK) /* the store's counts disagree with it */
            rc = orders_error_set(err, ORDERS_E_BACKEND, moves[short_i].product_id,
                                  "stock of product %s is inconsistent: %" PRId64
                                  " units to move, %" PRId64 " held",
                                  moves[short_i].product_id, moves[short_i].quantity, have);
        if (rc == ORDERS_OK) {
            bson_t *filter = MG_BCON("_id", BCON_UTF8(r->id), "lock.token", BCON_UTF8(token));
            bson_t *update = MG_BCON("$set", "{", "status", BCON_UTF8(lock_str(res, "to")),
                                      "updatedAt", BCON_DATE_TIME(lock_i64(res, "now")), "}",
                                      "$unset", "{", "lock", BCON_UTF8(""), "}");
            rc = mg_update_one(s, c, MG_RESERVATIONS, filter, update, false, NULL,
                               "reservation", err);
            bson_destroy(update);
            bson_destroy(filter);
        }
    }
    if (rc == ORDERS_OK)
        rc = mg_moves_unmark(s, c, moves, n, token, err);
    free(moves);
    orders_reservation_free(r);
    return rc;
}

/* Reads the reservation of order_id again and finishes token's effect. */
static orders_code_t finish_by_order(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                     const char *token, orders_error_t *err)
{
    bson_t doc;
    bool found = false;
    orders_code_t rc = res_read(s, c, order_id, &doc, &found, err);
    if (rc == ORDERS_OK && found)
        rc = finish_lock(s, c, &doc, token, err);
    bson_destroy(&doc);
    return rc;
}

orders_code_t mg_effect_finish_entry(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                     const char *token, orders_error_t *err)
{
    orders_code_t rc = finish_by_order(s, c, order_id, token, err);
    if (rc == ORDERS_OK)
        rc = mg_journal_release(s, c, token, err);
    if (rc == ORDERS_OK) {
        bson_t *filter = MG_BCON("_id", BCON_UTF8(order_id));
        bson_t *update = MG_BCON("$pull", "{", "effects", "{", "token", BCON_UTF8(token), "}",
                                  "}");
        rc = mg_update_one(s, c, MG_ORDERS, filter, update, false, NULL, "order_update", err);
        bson_destroy(update);
        bson_destroy(filter);
    }
    return rc;
}

/* ---- reservation_settle ------------------------------------------------------------------- */

orders_code_t mg_reservation_settle(void *ud, const char *order_id, orders_res_effect_t effect,
                                    int64_t now, orders_error_t *err)
{
    mg_store_t *s = ud;
    if (order_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "order_id", "order id is missing");
    char token[MG_TOKEN_LEN];
    mg_token(token);
    lock_req_t q = {order_id, effect, now, LOCK_SETTLE, 0, token};
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = lock_res(s, c, &q, err);
    if (rc == ORDERS_OK && effect != ORDERS_RES_EFFECT_NONE)
        rc = finish_by_order(s, c, order_id, token, err);
    else if (rc == ORDERS_OK)
        rc = unlock(s, c, order_id, token, err);
    mg_push(s, c);
    return rc;
}

/* ---- order_update ----------------------------------------------------------------------------- */

/* The stored order's version and number against the update's. */
static orders_code_t order_precheck(mg_store_t *s, mongoc_client_t *c,
                                    const orders_update_tx_t *tx, orders_error_t *err)
{
    const orders_order_t *o = tx->order;
    bson_t *filter = MG_BCON("_id", BCON_UTF8(o->id));
    bson_t *proj = MG_BCON("version", BCON_INT32(1), "orderNumber", BCON_INT32(1));
    bson_t doc;
    bool found = false;
    orders_code_t rc = mg_find_one(s, c, MG_ORDERS, filter, proj, &doc, &found, "order_update",
                                   err);
    const char *number = found ? mg_get_str(&doc, "orderNumber") : NULL;
    int64_t version = found ? mg_get_i64(&doc, "version", 0) : 0;
    if (rc == ORDERS_OK && !found)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "id", "order %s not found", o->id);
    else if (rc == ORDERS_OK && version != tx->expected_version)
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "version",
                              "order %s version is %" PRId64 ", expected %" PRId64,
                              number != NULL ? number : o->id, version, tx->expected_version);
    else if (rc == ORDERS_OK && !orders__str_eq(number, o->order_number))
        rc = orders_error_set(err, ORDERS_E_INVALID, "order_number",
                              "order %s: the order number cannot change",
                              number != NULL ? number : o->id);
    bson_destroy(&doc);
    bson_destroy(proj);
    bson_destroy(filter);
    return rc;
}

/* The commit: replaces the order if it is still at expected_version and
 * not fenced against token, and lists token in its effects.  *unknown when
 * the write failed without an answer (it may have applied). */
static orders_code_t order_commit(mg_store_t *s, mongoc_client_t *c, const orders_update_tx_t *tx,
                                  const char *token, bool *unknown, orders_error_t *err)
{
    static const char *const skip[] = {"_id", "effects", "fenced", NULL};
    bson_t order = BSON_INITIALIZER, update = BSON_INITIALIZER, set, push, entry, empty;
    if (!mg_order_bson(tx->order, &order)) {
        bson_destroy(&order);
        return orders_error_set(err, ORDERS_E_INVALID, "order", "order %s is too large",
                                tx->order->id);
    }
    bson_append_document_begin(&update, "$set", -1, &set);
    mg_append_except(&set, &order, skip);
    bson_append_array_begin(&set, "fenced", -1, &empty);
    bson_append_array_end(&set, &empty);
    bson_append_document_end(&update, &set);
    bson_append_document_begin(&update, "$push", -1, &push);
    bson_append_document_begin(&push, "effects", -1, &entry);
    BSON_APPEND_UTF8(&entry, "token", token);
    BSON_APPEND_DATE_TIME(&entry, "at", mg_now_ms());
    bson_append_document_end(&push, &entry);
    bson_append_document_end(&update, &push);
    bson_t *filter = MG_BCON("_id", BCON_UTF8(tx->order->id), "version",
                              BCON_INT64(tx->expected_version), "fenced", "{", "$ne",
                              BCON_UTF8(token), "}");
    int64_t matched = 0;
    orders_code_t rc =
        mg_update_one(s, c, MG_ORDERS, filter, &update, false, &matched, "order_update", err);
    *unknown = rc != ORDERS_OK;
    if (rc == ORDERS_OK && matched == 0) {
        rc = order_precheck(s, c, tx, err); /* words the refusal */
        if (rc == ORDERS_OK)
            rc = orders_error_set(err, ORDERS_E_CONFLICT, "version",
                                  "update of order %s was stopped by recovery", tx->order->id);
    }
    bson_destroy(filter);
    bson_destroy(&update);
    bson_destroy(&order);
    return rc;
}

/* The commit write failed without an answer: decides as recovery does
 * (fence, then finish or undo).  ORDERS_OK when the update stands, else
 * ORDERS_E_UNAVAILABLE. */
static orders_code_t resolve_unknown(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                     const char *token, orders_error_t *err)
{
    bool committed = false;
    orders_error_t inner = {0};
    orders_code_t rc = settle_update(s, c, order_id, token, &committed, &inner);
    if (rc == ORDERS_OK && committed) {
        (void)mg_effect_finish_entry(s, c, order_id, token, &inner);
        return ORDERS_OK;
    }
    return orders_error_set(err, ORDERS_E_UNAVAILABLE, "store",
                            rc == ORDERS_OK ? "update of order %s failed while committing; "
                                              "nothing was changed"
                                            : "update of order %s: the store failed while "
                                              "committing; recovery will complete or undo it",
                            order_id);
}

orders_code_t mg_order_update(void *ud, const orders_update_tx_t *tx, orders_error_t *err)
{
    mg_store_t *s = ud;
    orders_code_t rc = orders__check_update_tx(tx, err);
    if (rc != ORDERS_OK)
        return rc;
    const char *order_id = tx->order->id;
    char token[MG_TOKEN_LEN];
    mg_token(token);
    bool with_effect = tx->effect != ORDERS_RES_EFFECT_NONE;
    mongoc_client_t *c = mg_pop(s);
    rc = order_precheck(s, c, tx, err);
    lock_req_t q = {order_id, tx->effect, tx->now, LOCK_UPDATE, tx->order->version, token};
    if (rc == ORDERS_OK && with_effect)
        rc = lock_res(s, c, &q, err);
    bool locked = rc == ORDERS_OK && with_effect;
    bool held = false;
    if (rc == ORDERS_OK) {
        rc = mg_journal_hold(s, c, tx->events, tx->event_count, tx->history, tx->history_count,
                             tx->order->version, token, err);
        held = rc == ORDERS_OK;
    }
    bool unknown = false;
    if (rc == ORDERS_OK)
        rc = order_commit(s, c, tx, token, &unknown, err);
    if (unknown)
        rc = resolve_unknown(s, c, order_id, token, err);
    else if (rc == ORDERS_OK) {
        /* Committed: what fails below is finished by recovery. */
        orders_error_t later = {0};
        (void)mg_effect_finish_entry(s, c, order_id, token, &later);
    } else {
        if (held)
            (void)mg_journal_drop(s, c, token, NULL);
        if (locked)
            (void)unlock(s, c, order_id, token, NULL);
    }
    mg_push(s, c);
    return rc;
}

/* ---- recovery of a lock ------------------------------------------------------------------------ */

static orders_code_t order_lists(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                 const char *token, bool *listed, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(order_id), "effects.token", BCON_UTF8(token));
    bson_t *proj = MG_BCON("_id", BCON_INT32(1));
    bson_t doc;
    orders_code_t rc = mg_find_one(s, c, MG_ORDERS, filter, proj, &doc, listed, "recover", err);
    bson_destroy(&doc);
    bson_destroy(proj);
    bson_destroy(filter);
    return rc;
}

/* Makes sure the update of token can no longer commit; *committed when it
 * already has. */
static orders_code_t fence_order(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                 const char *token, bool *committed, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(order_id), "effects.token", "{", "$ne",
                              BCON_UTF8(token), "}");
    bson_t *update = MG_BCON("$addToSet", "{", "fenced", BCON_UTF8(token), "}");
    int64_t matched = 0;
    orders_code_t rc =
        mg_update_one(s, c, MG_ORDERS, filter, update, false, &matched, "recover", err);
    bson_destroy(update);
    bson_destroy(filter);
    *committed = false;
    if (rc == ORDERS_OK && matched == 0) /* no such order, or it lists the token */
        rc = order_lists(s, c, order_id, token, committed, err);
    return rc;
}

orders_code_t mg_effect_recover(mg_store_t *s, mongoc_client_t *c, const bson_t *res,
                                bool *finished, orders_error_t *err)
{
    const char *token = lock_str(res, "token");
    const char *kind = lock_str(res, "kind");
    const char *order_id = mg_get_str(res, "orderId");
    *finished = false;
    if (token == NULL || order_id == NULL)
        return ORDERS_OK;
    char tok[MG_TOKEN_LEN];
    snprintf(tok, sizeof tok, "%s", token);
    if (kind != NULL && strcmp(kind, "settle") == 0) {
        *finished = true; /* a settle lock is its own commit */
        return finish_by_order(s, c, order_id, tok, err);
    }
    return mg_update_recover(s, c, order_id, tok, finished, err);
}

orders_code_t mg_effect_finish_stale(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                     const char *token, bool *won, orders_error_t *err)
{
    int64_t cutoff = mg_now_ms() - s->opts.recovery_grace_ms;
    bson_t *filter = MG_BCON("_id", BCON_UTF8(order_id), "effects", "{", "$elemMatch", "{",
                              "token", BCON_UTF8(token), "at", "{", "$lte",
                              BCON_DATE_TIME(cutoff), "}", "}", "}");
    orders_code_t rc = mg_lease(s, c, MG_ORDERS, filter, "effects.$.at", won, err);
    bson_destroy(filter);
    if (rc == ORDERS_OK && *won)
        rc = mg_effect_finish_entry(s, c, order_id, token, err);
    return rc;
}

/* Fences the order against token, then undoes the update if it had not
 * committed (journal dropped, lock removed); *committed when it had. */
static orders_code_t settle_update(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                   const char *token, bool *committed, orders_error_t *err)
{
    orders_code_t rc = fence_order(s, c, order_id, token, committed, err);
    if (rc != ORDERS_OK || *committed)
        return rc;
    rc = mg_journal_drop(s, c, token, err);
    return rc != ORDERS_OK ? rc : unlock(s, c, order_id, token, err);
}

orders_code_t mg_update_recover(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                const char *token, bool *finished, orders_error_t *err)
{
    bool committed = false, won = false;
    orders_code_t rc = settle_update(s, c, order_id, token, &committed, err);
    *finished = committed;
    /* A committed update is finished by whoever holds its effects entry's
     * lease (its owner while the entry is fresh). */
    if (rc == ORDERS_OK && committed)
        rc = mg_effect_finish_stale(s, c, order_id, token, &won, err);
    return rc;
}

/* ---- reservation_create --------------------------------------------------------------------------- */

static orders_code_t create_insert(mg_store_t *s, mongoc_client_t *c,
                                   const orders_reservation_t *r, const char *token,
                                   orders_error_t *err)
{
    bson_t doc = BSON_INITIALIZER;
    if (!mg_reservation_bson(r, &doc)) {
        bson_destroy(&doc);
        return orders_error_set(err, ORDERS_E_INVALID, "reservation", "reservation too large");
    }
    BSON_APPEND_UTF8(&doc, "creating", token);
    BSON_APPEND_DATE_TIME(&doc, "creatingAt", mg_now_ms());
    bool dup = false;
    orders_code_t rc = mg_insert_one(s, c, MG_RESERVATIONS, &doc, &dup, "reservation", err);
    bson_destroy(&doc);
    if (dup)
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "order_id",
                              "order %s already has a reservation", r->order_id);
    return rc;
}

static orders_code_t create_delete(mg_store_t *s, mongoc_client_t *c, const char *res_id,
                                   const char *token, int64_t *deleted, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(res_id), "creating", BCON_UTF8(token));
    orders_code_t rc =
        mg_delete(s, c, MG_RESERVATIONS, filter, false, deleted, "reservation", err);
    bson_destroy(filter);
    return rc;
}

/* Makes the reservation visible; ORDERS_E_UNAVAILABLE when recovery took
 * it away meanwhile.  *unknown when the write failed without an answer:
 * the document keeps `creating`, so recovery undoes it unless the publish
 * applied. */
static orders_code_t create_publish(mg_store_t *s, mongoc_client_t *c,
                                    const orders_reservation_t *r, const char *token,
                                    bool *unknown, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(r->id), "creating", BCON_UTF8(token), "undo", "{",
                              "$exists", BCON_BOOL(false), "}");
    bson_t *update = MG_BCON("$unset", "{", "creating", BCON_UTF8(""), "creatingAt",
                              BCON_UTF8(""), "}");
    int64_t matched = 0;
    orders_code_t rc =
        mg_update_one(s, c, MG_RESERVATIONS, filter, update, false, &matched, "reservation", err);
    bson_destroy(update);
    bson_destroy(filter);
    *unknown = rc != ORDERS_OK;
    if (rc == ORDERS_OK && matched == 0)
        rc = orders_error_set(err, ORDERS_E_UNAVAILABLE, "order_id",
                              "reservation for order %s was undone by recovery", r->order_id);
    return rc;
}

orders_code_t mg_reservation_create(void *ud, const orders_reservation_t *r,
                                    orders_error_t *err)
{
    mg_store_t *s = ud;
    orders_code_t rc = orders__check_res_create(r, err);
    if (rc != ORDERS_OK)
        return rc;
    mg_move_t *moves = NULL;
    size_t n = 0;
    if (r->local_stock && (rc = mg_moves_from_lines(r->lines, r->line_count, &moves, &n, err)))
        return rc;
    char token[MG_TOKEN_LEN];
    mg_token(token);
    mongoc_client_t *c = mg_pop(s);
    rc = create_insert(s, c, r, token, err);
    bool inserted = rc == ORDERS_OK;
    if (rc == ORDERS_OK && n > 0) {
        size_t short_i = 0;
        int64_t have = 0;
        rc = mg_moves_apply(s, c, moves, n, ORDERS__MOVE_RESERVE, token, &short_i, &have, err);
        if (rc == ORDERS_E_OUT_OF_STOCK)
            orders_error_set(err, rc, moves[short_i].product_id,
                             "Insufficient stock for %s: available %" PRId64
                             ", requested %" PRId64,
                             moves[short_i].product_id, have, moves[short_i].quantity);
    }
    bool unknown = false;
    if (rc == ORDERS_OK)
        rc = create_publish(s, c, r, token, &unknown, err);
    if (rc == ORDERS_OK) {
        orders_error_t later = {0}; /* leftover marks only; recovery-free */
        (void)mg_moves_unmark(s, c, moves, n, token, &later);
    } else if (inserted) {
        /* Undo, unless the publish may have applied (then recovery's fence
         * decides); a failed undo leaves the document to recovery. */
        orders_error_t later = {0};
        if (!unknown && mg_moves_undo(s, c, moves, n, ORDERS__MOVE_RESERVE, token, &later) ==
                            ORDERS_OK)
            (void)create_delete(s, c, r->id, token, NULL, &later);
    }
    mg_push(s, c);
    free(moves);
    return rc;
}

orders_code_t mg_create_recover(mg_store_t *s, mongoc_client_t *c, const bson_t *res,
                                orders_error_t *err)
{
    const char *token = mg_get_str(res, "creating");
    const char *id = mg_get_str(res, "_id");
    if (token == NULL || id == NULL)
        return ORDERS_OK;
    char tok[MG_TOKEN_LEN];
    snprintf(tok, sizeof tok, "%s", token);
    /* Fence first: once marked, the creator's publish cannot match. */
    bson_t *filter = MG_BCON("_id", BCON_UTF8(id), "creating", BCON_UTF8(tok));
    bson_t *update = MG_BCON("$set", "{", "undo", BCON_BOOL(true), "}");
    int64_t matched = 0;
    orders_code_t rc =
        mg_update_one(s, c, MG_RESERVATIONS, filter, update, false, &matched, "recover", err);
    bson_destroy(update);
    bson_destroy(filter);
    if (rc != ORDERS_OK || matched == 0)
        return rc; /* its creator published it, or another pass removed it */
    mg_move_t *moves = NULL;
    size_t n = 0;
    orders_reservation_t *r = NULL;
    rc = res_moves(res, &moves, &n, &r, err);
    if (rc == ORDERS_OK)
        rc = mg_moves_undo(s, c, moves, n, ORDERS__MOVE_RESERVE, tok, err);
    if (rc == ORDERS_OK)
        rc = create_delete(s, c, id, tok, NULL, err);
    free(moves);
    orders_reservation_free(r);
    return rc;
}
