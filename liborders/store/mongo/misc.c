/*
 * misc.c - the MongoDB store's sequences, idempotency keys, wallets and
 * analytics counters.
 *
 * Sequences: one document per name, advanced by findAndModify (upsert,
 * $inc) so that values are unique across processes.
 *
 * Wallets: a wallet document {_id: "CUR:customer", customerId, currency,
 * balance, version, pending: [{ref, delta, balanceAfter, at, ledgerAt}]}
 * and one ledger document per applied ref {_id: "CUR:customer:ref" (see
 * ledger_id), customerId, currency, ref, delta, balanceAfter, at}.  A ref
 * is applied once per wallet, as internal.h lays out (the memory and
 * SQLite stores keep one set of refs for all wallets: a ref reused for
 * another customer or currency is applied here, answered "already
 * applied" there).  A change is:
 *   1. read the wallet, then the ledger entry of ref: ref pending in the
 *      wallet or in the ledger means already applied (ORDERS_OK, the
 *      current balance);
 *   2. the new balance from the balance read (orders__check_wallet_next:
 *      the refusals and wording of the memory store);
 *   3. a compare-and-set on the wallet's version (an insert for a new
 *      wallet) that sets the balance, bumps the version and pushes ref into
 *      pending; a lost race starts again at 1;
 *   4. the ledger entry is inserted (a duplicate is ignored), then ref is
 *      pulled from pending.
 * The version check in 3 is what makes a ref apply once: a caller that read
 * "not applied" in 1 before another caller finished 3 and 4 loses its
 * compare-and-set, because that other caller's 3 bumped the version, and
 * re-reads.  After 3 the change is made (ORDERS_OK even when 4 fails); a
 * process dying between 3 and 4 leaves ref pending, which still answers
 * replays, and mg_wallet_recover writes its ledger entry later.  In a
 * pending entry, `at` is the wall clock (mg_now_ms: recovery ages are
 * measured with it; open.c indexes pending.at) and `ledgerAt` the caller's
 * record time, which becomes the ledger entry's `at`.
 *
 * Counters: one stats document {kind, at} per occurrence.
 */
#include "store/mongo/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Compare-and-set attempts of one wallet change before giving up. */
#define WALLET_TRIES 1000
/* "CUR:" + customer id + NUL. */
#define WALLET_ID_MAX (ORDERS_ID_MAX + 5)

/* ---- sequences ----------------------------------------------------------------------- */

/* One findAndModify of sequence name: *value the new value, or *dup set
 * when the upsert ran into an existing document (at its maximum, or just
 * created by another caller). */
static orders_code_t seq_bump(mg_store_t *s, mongoc_client_t *c, const char *name, int64_t *value,
                              bool *dup, orders_error_t *err)
{
    bson_t *query =
        MG_BCON("_id", BCON_UTF8(name), "value", "{", "$ne", BCON_INT64(INT64_MAX), "}");
    bson_t *update = MG_BCON("$inc", "{", "value", BCON_INT64(1), "}");
    mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new();
    mongoc_find_and_modify_opts_set_update(opts, update);
    mongoc_find_and_modify_opts_set_flags(opts, MONGOC_FIND_AND_MODIFY_UPSERT |
                                                    MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    mongoc_collection_t *cl = mg_coll(s, c, MG_SEQUENCES);
    bson_t reply;
    bson_error_t e;
    bson_iter_t it, v;
    orders_code_t rc = ORDERS_OK;
    *dup = false;
    if (mongoc_collection_find_and_modify_with_opts(cl, query, opts, &reply, &e)) {
        if (bson_iter_init(&it, &reply) && bson_iter_find_descendant(&it, "value.value", &v))
            *value = mg_iter_i64(&v);
        else
            rc = orders_error_set(err, ORDERS_E_BACKEND, "name",
                                  "sequence_next: no value returned for %s", name);
    } else if (mg_is_dup(&e)) {
        *dup = true;
    } else {
        rc = mg_fail(&e, "sequence_next", err);
    }
    bson_destroy(&reply);
    mongoc_collection_destroy(cl);
    mongoc_find_and_modify_opts_destroy(opts);
    bson_destroy(update);
    bson_destroy(query);
    return rc;
}

/* After a duplicate: *exhausted tells whether sequence name is at its maximum. */
static orders_code_t seq_exhausted(mg_store_t *s, mongoc_client_t *c, const char *name,
                                   bool *exhausted, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(name));
    bson_t doc;
    bool found;
    orders_code_t rc =
        mg_find_one(s, c, MG_SEQUENCES, filter, NULL, &doc, &found, "sequence_next", err);
    *exhausted = rc == ORDERS_OK && found && mg_get_i64(&doc, "value", 0) == INT64_MAX;
    bson_destroy(&doc);
    bson_destroy(filter);
    return rc;
}

orders_code_t mg_sequence_next(void *ud, const char *name, int64_t *out, orders_error_t *err)
{
    if (name == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "name", "sequence name is missing");
    mg_store_t *s = ud;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = ORDERS_OK;
    /* a duplicate is a race with the caller that created the document: the
     * next try finds it (a few tries are plenty) */
    for (int tries = 0;; tries++) {
        bool dup = false, exhausted = false;
        if ((rc = seq_bump(s, c, name, out, &dup, err)) != ORDERS_OK || !dup)
            break;
        if ((rc = seq_exhausted(s, c, name, &exhausted, err)) != ORDERS_OK)
            break;
        if (exhausted || tries == 8) {
            rc = orders_error_set(err, ORDERS_E_OVERFLOW, "name", "sequence %s is exhausted", name);
            break;
        }
    }
    mg_push(s, c);
    return rc;
}

/* ---- idempotency keys ---------------------------------------------------------------- */

orders_code_t mg_idem_get(void *ud, const char *key, char *order_id, char *hash,
                          orders_error_t *err)
{
    if (key == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "key", "idempotency key is missing");
    mg_store_t *s = ud;
    /* a key whose placement has not committed ("pending") is not visible yet */
    bson_t *filter = MG_BCON("_id", BCON_UTF8(key), "state", BCON_UTF8("done"));
    bson_t *proj = MG_BCON("orderId", BCON_INT32(1), "hash", BCON_INT32(1));
    bson_t doc;
    bool found = false;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = mg_find_one(s, c, MG_IDEM, filter, proj, &doc, &found, "idem_get", err);
    mg_push(s, c);
    if (rc == ORDERS_OK && !found)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "key", "idempotency key %s not found", key);
    if (rc == ORDERS_OK) {
        if (order_id != NULL)
            mg_get_id(&doc, "orderId", order_id);
        if (hash != NULL)
            mg_get_id(&doc, "hash", hash);
    }
    bson_destroy(&doc);
    bson_destroy(proj);
    bson_destroy(filter);
    return rc;
}

/* ---- wallets: reading ---------------------------------------------------------------- */

/* One wallet change: its arguments and what step 1 read. */
typedef struct wallet_op {
    const char *customer_id, *currency, *ref; /* ref may be NULL: not idempotent */
    int64_t delta, now;
    char id[WALLET_ID_MAX]; /* the wallet's _id */
    char *ledger_id;        /* "CUR:customer:ref", or NULL */
    bool exists;            /* the wallet document exists */
    bool applied;           /* ref is already applied */
    int64_t balance, version;
} wallet_op_t;

static void wallet_id(const char *customer_id, const char *currency, char out[WALLET_ID_MAX])
{
    snprintf(out, WALLET_ID_MAX, "%s:%s", currency, customer_id);
}

/* "CUR:<customer>:<ref>", a new string (NULL when memory runs out); '%'
 * and ':' in the customer id are written %25 and %3A, so that no two
 * (customer, ref) pairs share an id. */
static char *ledger_id(const char *currency, const char *customer_id, const char *ref)
{
    size_t nc = strlen(customer_id), nr = strlen(ref);
    char *id = malloc(4 + 3 * nc + 1 + nr + 1);
    if (id == NULL)
        return NULL;
    char *p = id;
    memcpy(p, currency, 3);
    p[3] = ':';
    p += 4;
    for (size_t i = 0; i < nc; i++) {
        char ch = customer_id[i];
        if (ch == '%' || ch == ':') {
            memcpy(p, ch == '%' ? "%25" : "%3A", 3);
            p += 3;
        } else {
            *p++ = ch;
        }
    }
    *p++ = ':';
    memcpy(p, ref, nr + 1);
    return id;
}

/* Does the pending array of wallet doc hold ref? */
static bool pending_has(const bson_t *doc, const char *ref)
{
    bson_iter_t it, arr, entry;
    if (!bson_iter_init_find(&it, doc, "pending") || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &arr))
        return false;
    while (bson_iter_next(&arr))
        if (BSON_ITER_HOLDS_DOCUMENT(&arr) && bson_iter_recurse(&arr, &entry) &&
            bson_iter_find(&entry, "ref") && BSON_ITER_HOLDS_UTF8(&entry) &&
            strcmp(bson_iter_utf8(&entry, NULL), ref) == 0)
            return true;
    return false;
}

/* Does a document with _id id exist in coll? */
static orders_code_t exists(mg_store_t *s, mongoc_client_t *c, const char *coll, const char *id,
                            bool *found, const char *what, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(id));
    bson_t *proj = MG_BCON("_id", BCON_INT32(1));
    bson_t doc;
    orders_code_t rc = mg_find_one(s, c, coll, filter, proj, &doc, found, what, err);
    bson_destroy(&doc);
    bson_destroy(proj);
    bson_destroy(filter);
    return rc;
}

/* Step 1: the wallet (balance, version, ref pending), then ref's ledger
 * entry, in that order (see the top of the file). */
static orders_code_t wallet_read(mg_store_t *s, mongoc_client_t *c, wallet_op_t *op,
                                 orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(op->id));
    bson_t doc;
    orders_code_t rc =
        mg_find_one(s, c, MG_WALLETS, filter, NULL, &doc, &op->exists, "wallet", err);
    bson_destroy(filter);
    op->balance = op->exists ? mg_get_i64(&doc, "balance", 0) : 0;
    op->version = op->exists ? mg_get_i64(&doc, "version", 0) : 0;
    op->applied = op->exists && op->ref != NULL && pending_has(&doc, op->ref);
    bson_destroy(&doc);
    if (rc == ORDERS_OK && op->ledger_id != NULL && !op->applied)
        rc = exists(s, c, MG_LEDGER, op->ledger_id, &op->applied, "wallet", err);
    return rc;
}

/* ---- wallets: changing --------------------------------------------------------------- */

/* Appends the pending entry of op (with the balance after it) under key. */
static void append_pending(bson_t *doc, const char *key, const wallet_op_t *op, int64_t next)
{
    bson_t entry;
    bson_append_document_begin(doc, key, -1, &entry);
    BSON_APPEND_UTF8(&entry, "ref", op->ref);
    BSON_APPEND_INT64(&entry, "delta", op->delta);
    BSON_APPEND_INT64(&entry, "balanceAfter", next);
    BSON_APPEND_DATE_TIME(&entry, "at", mg_now_ms());
    BSON_APPEND_DATE_TIME(&entry, "ledgerAt", op->now);
    bson_append_document_end(doc, &entry);
}

/* Step 3 for a wallet that did not exist: *won when the insert won. */
static orders_code_t wallet_create(mg_store_t *s, mongoc_client_t *c, const wallet_op_t *op,
                                   int64_t next, bool *won, orders_error_t *err)
{
    bson_t doc = BSON_INITIALIZER, arr;
    BSON_APPEND_UTF8(&doc, "_id", op->id);
    BSON_APPEND_UTF8(&doc, "customerId", op->customer_id);
    BSON_APPEND_UTF8(&doc, "currency", op->currency);
    BSON_APPEND_INT64(&doc, "balance", next);
    BSON_APPEND_INT64(&doc, "version", 1);
    bson_append_array_begin(&doc, "pending", -1, &arr);
    if (op->ref != NULL)
        append_pending(&arr, "0", op, next);
    bson_append_array_end(&doc, &arr);
    bool dup = false;
    orders_code_t rc = mg_insert_one(s, c, MG_WALLETS, &doc, &dup, "wallet_apply", err);
    bson_destroy(&doc);
    *won = rc == ORDERS_OK;
    return dup ? ORDERS_OK : rc; /* created by another caller meanwhile: read again */
}

/* Step 3 for an existing wallet: the compare-and-set on its version. */
static orders_code_t wallet_swap(mg_store_t *s, mongoc_client_t *c, const wallet_op_t *op,
                                 int64_t next, bool *won, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(op->id), "version", BCON_INT64(op->version));
    bson_t *update = MG_BCON("$set", "{", "balance", BCON_INT64(next), "}", "$inc", "{", "version",
                              BCON_INT64(1), "}");
    if (op->ref != NULL) {
        bson_t push;
        bson_append_document_begin(update, "$push", -1, &push);
        append_pending(&push, "pending", op, next);
        bson_append_document_end(update, &push);
    }
    int64_t matched = 0;
    orders_code_t rc =
        mg_update_one(s, c, MG_WALLETS, filter, update, false, &matched, "wallet_apply", err);
    *won = rc == ORDERS_OK && matched > 0;
    bson_destroy(update);
    bson_destroy(filter);
    return rc;
}

/* Step 4 (and recovery): the ledger entry of ref in wallet id (of
 * customer_id and currency), then ref leaves the wallet's pending list.
 * Both writes are idempotent. */
static orders_code_t wallet_finish(mg_store_t *s, mongoc_client_t *c, const char *id,
                                   const char *customer_id, const char *currency, const char *ref,
                                   int64_t delta, int64_t balance_after, int64_t at,
                                   orders_error_t *err)
{
    char *lid = ledger_id(currency, customer_id, ref);
    if (lid == NULL)
        return mg_nomem(err);
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&doc, "_id", lid);
    BSON_APPEND_UTF8(&doc, "customerId", customer_id);
    BSON_APPEND_UTF8(&doc, "currency", currency);
    BSON_APPEND_UTF8(&doc, "ref", ref);
    BSON_APPEND_INT64(&doc, "delta", delta);
    BSON_APPEND_INT64(&doc, "balanceAfter", balance_after);
    BSON_APPEND_DATE_TIME(&doc, "at", at);
    orders_code_t rc = mg_insert_one(s, c, MG_LEDGER, &doc, NULL, "wallet_ledger", err);
    bson_destroy(&doc);
    free(lid);
    if (rc != ORDERS_OK && rc != ORDERS_E_CONFLICT) /* a duplicate: written before */
        return rc;
    bson_t *filter = MG_BCON("_id", BCON_UTF8(id));
    bson_t *update = MG_BCON("$pull", "{", "pending", "{", "ref", BCON_UTF8(ref), "}", "}");
    rc = mg_update_one(s, c, MG_WALLETS, filter, update, false, NULL, "wallet_ledger", err);
    bson_destroy(update);
    bson_destroy(filter);
    return rc;
}

/* Steps 1 to 4 until a compare-and-set wins or the change is refused;
 * *balance gets the balance after. */
static orders_code_t wallet_run(mg_store_t *s, mongoc_client_t *c, wallet_op_t *op,
                                int64_t *balance, orders_error_t *err)
{
    for (int tries = 0; tries < WALLET_TRIES; tries++) {
        orders_code_t rc = wallet_read(s, c, op, err);
        if (rc != ORDERS_OK)
            return rc;
        if (op->applied) {
            *balance = op->balance;
            return ORDERS_OK;
        }
        int64_t next;
        if ((rc = orders__check_wallet_next(op->balance, op->delta, op->currency, &next, err)) !=
            ORDERS_OK)
            return rc;
        bool won = false;
        rc = op->exists ? wallet_swap(s, c, op, next, &won, err)
                        : wallet_create(s, c, op, next, &won, err);
        if (rc != ORDERS_OK)
            return rc;
        if (won) {
            if (op->ref != NULL) { /* the change is made: recovery finishes a failure here */
                orders_error_t ignored = {0};
                (void)wallet_finish(s, c, op->id, op->customer_id, op->currency, op->ref, op->delta,
                                    next, op->now, &ignored);
            }
            *balance = next;
            return ORDERS_OK;
        }
        if (tries >= 8)
            mg_sleep_ms(1 + tries % 4); /* a busy wallet: let the winners through */
    }
    return orders_error_set(err, ORDERS_E_UNAVAILABLE, "customer_id",
                            "wallet %s %s is too busy; try again", op->currency, op->customer_id);
}

orders_code_t mg_wallet_apply(void *ud, const char *customer_id, const char *currency,
                              int64_t delta, const char *ref, int64_t now, int64_t *balance,
                              orders_error_t *err)
{
    orders_code_t rc = orders__check_wallet(customer_id, currency, err);
    if (rc != ORDERS_OK)
        return rc;
    mg_store_t *s = ud;
    wallet_op_t op = {
        .customer_id = customer_id, .currency = currency, .ref = ref, .delta = delta, .now = now};
    wallet_id(customer_id, currency, op.id);
    if (ref != NULL && (op.ledger_id = ledger_id(currency, customer_id, ref)) == NULL)
        return mg_nomem(err);
    int64_t after = 0;
    mongoc_client_t *c = mg_pop(s);
    rc = wallet_run(s, c, &op, &after, err);
    mg_push(s, c);
    free(op.ledger_id);
    if (rc == ORDERS_OK && balance != NULL)
        *balance = after;
    return rc;
}

orders_code_t mg_wallet_balance(void *ud, const char *customer_id, const char *currency,
                                int64_t *balance, orders_error_t *err)
{
    /* No output is refused like a malformed wallet. */
    orders_code_t rc = orders__check_wallet(balance != NULL ? customer_id : NULL, currency, err);
    if (rc != ORDERS_OK)
        return rc;
    mg_store_t *s = ud;
    char id[WALLET_ID_MAX];
    wallet_id(customer_id, currency, id);
    bson_t *filter = MG_BCON("_id", BCON_UTF8(id));
    bson_t *proj = MG_BCON("balance", BCON_INT32(1));
    bson_t doc;
    bool found = false;
    mongoc_client_t *c = mg_pop(s);
    rc = mg_find_one(s, c, MG_WALLETS, filter, proj, &doc, &found, "wallet_balance", err);
    mg_push(s, c);
    if (rc == ORDERS_OK)
        *balance = found ? mg_get_i64(&doc, "balance", 0) : 0;
    bson_destroy(&doc);
    bson_destroy(proj);
    bson_destroy(filter);
    return rc;
}

/* ---- wallets: recovery --------------------------------------------------------------- */

/* Finishes the entries of wallet doc started before older_than; *done
 * counts them. */
static orders_code_t recover_wallet(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                                    int64_t older_than, int64_t *done, orders_error_t *err)
{
    const char *id = mg_get_str(doc, "_id"), *customer_id = mg_get_str(doc, "customerId"),
               *currency = mg_get_str(doc, "currency");
    bson_iter_t it, arr;
    if (id == NULL || customer_id == NULL || currency == NULL || strlen(currency) != 3 ||
        !bson_iter_init_find(&it, doc, "pending") || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &arr))
        return ORDERS_OK;
    while (bson_iter_next(&arr)) {
        uint32_t len;
        const uint8_t *data;
        bson_t entry;
        if (!BSON_ITER_HOLDS_DOCUMENT(&arr))
            continue;
        bson_iter_document(&arr, &len, &data);
        if (!bson_init_static(&entry, data, len))
            continue;
        const char *ref = mg_get_str(&entry, "ref");
        if (ref == NULL || mg_get_i64(&entry, "at", 0) >= older_than)
            continue;
        orders_code_t rc = wallet_finish(
            s, c, id, customer_id, currency, ref, mg_get_i64(&entry, "delta", 0),
            mg_get_i64(&entry, "balanceAfter", 0), mg_get_i64(&entry, "ledgerAt", 0), err);
        if (rc != ORDERS_OK)
            return rc;
        (*done)++;
    }
    return ORDERS_OK;
}

typedef struct wallet_walk {
    mg_store_t *s;
    mongoc_client_t *c;
    int64_t older_than;
    int64_t *done;
} wallet_walk_t;

/* mg_doc_fn: finishes the old pending entries of one wallet. */
static orders_code_t walk_wallet(const bson_t *doc, void *arg, bool *stop, orders_error_t *err)
{
    const wallet_walk_t *w = arg;
    (void)stop;
    return recover_wallet(w->s, w->c, doc, w->older_than, w->done, err);
}

orders_code_t mg_wallet_recover(mg_store_t *s, mongoc_client_t *c, int64_t older_than,
                                int64_t *done, orders_error_t *err)
{
    int64_t n = 0;
    bson_t *filter = MG_BCON("pending.at", "{", "$lt", BCON_DATE_TIME(older_than), "}");
    wallet_walk_t w = {s, c, older_than, &n};
    orders_code_t rc =
        mg_find_each(s, c, MG_WALLETS, filter, NULL, walk_wallet, &w, "wallet_recover", err);
    bson_destroy(filter);
    if (done != NULL)
        *done = n;
    return rc;
}

/* ---- analytics counters -------------------------------------------------------------- */

orders_code_t mg_stat_add(void *ud, const char *kind, int64_t at, orders_error_t *err)
{
    if (kind == NULL || kind[0] == '\0')
        return orders_error_set(err, ORDERS_E_INVALID, "kind", "counter kind is missing");
    mg_store_t *s = ud;
    bson_t *doc = MG_BCON("kind", BCON_UTF8(kind), "at", BCON_DATE_TIME(at));
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = mg_insert_one(s, c, MG_STATS, doc, NULL, "stat_add", err);
    mg_push(s, c);
    bson_destroy(doc);
    return rc;
}

orders_code_t mg_stat_count(void *ud, const char *kind, int64_t from, int64_t to, int64_t *out,
                            orders_error_t *err)
{
    if (kind == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "kind", "counter kind is missing");
    if (from >= to) {
        *out = 0;
        return ORDERS_OK;
    }
    mg_store_t *s = ud;
    bson_t *filter = MG_BCON("kind", BCON_UTF8(kind), "at", "{", "$gte", BCON_DATE_TIME(from),
                              "$lt", BCON_DATE_TIME(to), "}");
    int64_t n = 0;
    mongoc_client_t *c = mg_pop(s);
    orders_code_t rc = mg_count(s, c, MG_STATS, filter, &n, "stat_count", err);
    mg_push(s, c);
    bson_destroy(filter);
    if (rc == ORDERS_OK)
        *out = n;
    return rc;
}
