/*
 * place.c - placement without multi-document transactions.
 *
 * A placement writes a placement record first and deletes it last; the
 * record says how far it got, so that a crash at any point is finished or
 * undone by recovery (recover.c).  The steps (numbers are the test hook's,
 * orders_mongo_options_t.abort_at_step; docs/architecture.md has the whole
 * protocol):
 *   checks   idempotency key done? cart at cart_version?  (reads only)
 *   1  placement record inserted: {_id: order id, token, orderNumber
 *      (unique), state "pending", the order, history, stock moves ...}
 *   2  idempotency key claimed (inserted "pending" with the order id)
 *   3  stock moved, one conditional update per product, each marking the
 *      product with the token (short: refused, moves undone)
 *   4  no order with this id or number; the reservation inserted with
 *      `creating: token` (invisible to readers; a second reservation for
 *      the order refuses here)
 *   5  events and history written held under the token (a duplicate event
 *      id refuses here)
 *   6  COMMIT: the cart, still at cart_version and not fenced against this
 *      token, is replaced by the cleared cart and lists the token in
 *      `placing` -- one conditional single-document update
 *   7  placement record marked "committed"
 *   8  finish: order inserted, reservation made visible, journal released,
 *      idempotency key done, product marks and the cart's `placing` entry
 *      removed; then the record is deleted.
 * Before 6 any refusal undoes 1-5 (each undo step is conditional on the
 * token, so it is idempotent).  After 6 the placement only goes forward.
 * Recovery decides "committed" from the record's state or the cart's
 * `placing`; otherwise it first adds the token to the cart's `fenced` list
 * (so a slow placer's step 6 can never match) and then undoes.
 */
#include "store/mongo/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One placement in flight. */
typedef struct placing {
    mg_store_t *s;
    mongoc_client_t *c;
    const orders_place_tx_t *tx;
    char token[MG_TOKEN_LEN];
    mg_move_t *moves;
    size_t nmoves;
    orders__move_t mv;
    bool idem_claimed, journal_held, res_inserted, moved;
    bool commit_unknown;   /* the commit write failed without an answer */
    bool finished;         /* resolve_unknown found it committed and finished it */
} placing_t;

/* ---- the placement record ---------------------------------------------------------- */

static void append_moves(bson_t *doc, const mg_move_t *moves, size_t n, orders__move_t mv)
{
    bson_t array, item;
    char key[16];
    const char *k;
    bson_append_array_begin(doc, "moves", -1, &array);
    for (size_t i = 0; i < n; i++) {
        bson_uint32_to_string((uint32_t)i, &k, key, sizeof key);
        bson_append_document_begin(&array, k, -1, &item);
        BSON_APPEND_UTF8(&item, "productId", moves[i].product_id);
        BSON_APPEND_INT64(&item, "quantity", moves[i].quantity);
        bson_append_document_end(&array, &item);
    }
    bson_append_array_end(doc, &array);
    BSON_APPEND_INT32(doc, "move", (int32_t)mv);
}

static orders_code_t record_doc(const placing_t *p, bson_t *doc, orders_error_t *err)
{
    const orders_place_tx_t *tx = p->tx;
    const orders_order_t *o = tx->order;
    bson_t sub;
    BSON_APPEND_UTF8(doc, "_id", o->id);
    BSON_APPEND_UTF8(doc, "token", p->token);
    BSON_APPEND_UTF8(doc, "orderNumber", o->order_number);
    BSON_APPEND_UTF8(doc, "customerId", o->customer_id);
    BSON_APPEND_INT64(doc, "cartVersion", tx->cart_version);
    BSON_APPEND_UTF8(doc, "state", "pending");
    BSON_APPEND_DATE_TIME(doc, "startedAt", mg_now_ms());
    mg_put_str(doc, "idemKey", tx->idem_key);
    if (tx->reservation != NULL)
        BSON_APPEND_UTF8(doc, "reservationId", tx->reservation->id);
    append_moves(doc, p->moves, p->nmoves, p->mv);
    bson_append_document_begin(doc, "order", -1, &sub);
    bool ok = mg_order_bson(o, &sub);
    bson_append_document_end(doc, &sub);
    if (!ok)
        return orders_error_set(err, ORDERS_E_INVALID, "order", "order %s is too large", o->id);
    return ORDERS_OK;
}

/* A duplicate placement record: another placement of the same order id,
 * or else of the same order number, is in flight. */
static orders_code_t record_dup(placing_t *p, orders_error_t *err)
{
    const orders_order_t *o = p->tx->order;
    bson_t *filter = MG_BCON("_id", BCON_UTF8(o->id));
    bson_t doc;
    bool same_id = false;
    orders_code_t rc =
        mg_find_one(p->s, p->c, MG_PLACEMENTS, filter, NULL, &doc, &same_id, "place", err);
    bson_destroy(&doc);
    bson_destroy(filter);
    if (rc != ORDERS_OK)
        return rc;
    if (same_id)
        return orders_error_set(err, ORDERS_E_CONFLICT, "id", "order id %s already exists",
                                o->id);
    return orders_error_set(err, ORDERS_E_CONFLICT, "order_number",
                            "order number %s already exists", o->order_number);
}

/* Step 1.  A duplicate is another placement of the same id or number in
 * flight. */
static orders_code_t record_insert(placing_t *p, orders_error_t *err)
{
    bson_t doc = BSON_INITIALIZER;
    orders_code_t rc = record_doc(p, &doc, err);
    if (rc == ORDERS_OK) {
        mongoc_collection_t *cl = mg_coll(p->s, p->c, MG_PLACEMENTS);
        bson_error_t e;
        if (!mongoc_collection_insert_one(cl, &doc, NULL, NULL, &e)) {
            if (!mg_is_dup(&e))
                rc = mg_fail(&e, "place", err);
            else
                rc = record_dup(p, err);
        }
        mongoc_collection_destroy(cl);
    }
    bson_destroy(&doc);
    return rc;
}

static orders_code_t record_delete(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                   const char *token, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(order_id), "token", BCON_UTF8(token));
    orders_code_t rc = mg_delete(s, c, MG_PLACEMENTS, filter, false, NULL, "place", err);
    bson_destroy(filter);
    return rc;
}

/* ---- idempotency keys ------------------------------------------------------------------ */

/* What a stored key means for this placement: ORDERS_OK with *replay set
 * (done, same hash), ORDERS_E_IDEMPOTENCY (another hash), or *pending. */
static orders_code_t idem_judge(const orders_place_tx_t *tx, const bson_t *doc,
                                orders_place_result_t *result, bool *replay, bool *pending,
                                orders_error_t *err)
{
    const char *hash = mg_get_str(doc, "hash");
    if (hash == NULL || strcmp(hash, tx->idem_hash) != 0)
        return orders_error_set(err, ORDERS_E_IDEMPOTENCY, "idempotency_key",
                                "idempotency key %s was used for a different request",
                                tx->idem_key);
    const char *state = mg_get_str(doc, "state");
    if (state != NULL && strcmp(state, "done") == 0) {
        mg_get_id(doc, "orderId", result->replayed_order_id);
        *replay = true;
    } else {
        *pending = true;
    }
    return ORDERS_OK;
}

static orders_code_t idem_read(placing_t *p, orders_place_result_t *result, bool *replay,
                               bool *pending, bool *found, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(p->tx->idem_key));
    bson_t doc;
    orders_code_t rc = mg_find_one(p->s, p->c, MG_IDEM, filter, NULL, &doc, found, "place", err);
    if (rc == ORDERS_OK && *found)
        rc = idem_judge(p->tx, &doc, result, replay, pending, err);
    bson_destroy(&doc);
    bson_destroy(filter);
    return rc;
}

/* Step 2: claims the key, or finds it taken: a replay, a refusal, or a
 * placement of the same request still in flight, which is waited for. */
static orders_code_t idem_claim(placing_t *p, orders_place_result_t *result, bool *replay,
                                orders_error_t *err)
{
    const orders_place_tx_t *tx = p->tx;
    int64_t deadline = mg_now_ms() + p->s->opts.wait_ms;
    for (;;) {
        bson_t *doc = MG_BCON("_id", BCON_UTF8(tx->idem_key), "hash", BCON_UTF8(tx->idem_hash),
                               "orderId", BCON_UTF8(tx->order->id), "state", BCON_UTF8("pending"),
                               "at", BCON_DATE_TIME(mg_now_ms()));
        bool dup = false;
        orders_code_t rc = mg_insert_one(p->s, p->c, MG_IDEM, doc, &dup, "place", err);
        bson_destroy(doc);
        if (rc == ORDERS_OK) {
            p->idem_claimed = true;
            return ORDERS_OK;
        }
        if (!dup)
            return rc;
        bool pending = false, found = false;
        rc = idem_read(p, result, replay, &pending, &found, err);
        if (rc != ORDERS_OK || *replay)
            return rc;
        if (found && mg_now_ms() >= deadline)
            return orders_error_set(err, ORDERS_E_UNAVAILABLE, "idempotency_key",
                                    "a placement with idempotency key %s is still in progress",
                                    tx->idem_key);
        if (found)
            mg_sleep_ms(5);
    }
}

static orders_code_t idem_set(placing_t *p, bool done, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(p->tx->idem_key), "orderId",
                              BCON_UTF8(p->tx->order->id));
    orders_code_t rc;
    if (done) {
        bson_t *update = MG_BCON("$set", "{", "state", BCON_UTF8("done"), "}");
        rc = mg_update_one(p->s, p->c, MG_IDEM, filter, update, false, NULL, "place", err);
        bson_destroy(update);
    } else {
        BSON_APPEND_UTF8(filter, "state", "pending");
        rc = mg_delete(p->s, p->c, MG_IDEM, filter, false, NULL, "place", err);
    }
    bson_destroy(filter);
    return rc;
}

/* ---- checks (reads) ------------------------------------------------------------------------- */

static orders_code_t cart_check(placing_t *p, orders_error_t *err)
{
    const orders_place_tx_t *tx = p->tx;
    bson_t *filter = MG_BCON("_id", BCON_UTF8(tx->order->customer_id));
    bson_t *proj = MG_BCON("version", BCON_INT32(1));
    bson_t doc;
    bool found = false;
    orders_code_t rc = mg_find_one(p->s, p->c, MG_CARTS, filter, proj, &doc, &found, "place", err);
    if (rc == ORDERS_OK && !found)
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "cart_version",
                              "customer %s has no cart, expected version %" PRId64,
                              tx->order->customer_id, tx->cart_version);
    else if (rc == ORDERS_OK && mg_get_i64(&doc, "version", 0) != tx->cart_version)
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "cart_version",
                              "cart version is %" PRId64 ", expected %" PRId64,
                              mg_get_i64(&doc, "version", 0), tx->cart_version);
    bson_destroy(&doc);
    bson_destroy(proj);
    bson_destroy(filter);
    return rc;
}

static orders_code_t exists(placing_t *p, const char *coll, const char *key, const char *value,
                            bool *found, orders_error_t *err)
{
    bson_t *filter = MG_BCON(key, BCON_UTF8(value));
    bson_t *proj = MG_BCON("_id", BCON_INT32(1));
    bson_t doc;
    orders_code_t rc = mg_find_one(p->s, p->c, coll, filter, proj, &doc, found, "place", err);
    bson_destroy(&doc);
    bson_destroy(proj);
    bson_destroy(filter);
    return rc;
}

/* Step 5, first half: no stored order has this id or number.  (Every order
 * is written by a placement that held a unique placement record until its
 * order was stored, so this read cannot miss a placement in flight.) */
static orders_code_t order_unique(placing_t *p, orders_error_t *err)
{
    const orders_order_t *o = p->tx->order;
    bool found = false;
    orders_code_t rc = exists(p, MG_ORDERS, "_id", o->id, &found, err);
    if (rc == ORDERS_OK && found)
        return orders_error_set(err, ORDERS_E_CONFLICT, "id", "order id %s already exists",
                                o->id);
    if (rc == ORDERS_OK)
        rc = exists(p, MG_ORDERS, "orderNumber", o->order_number, &found, err);
    if (rc == ORDERS_OK && found)
        return orders_error_set(err, ORDERS_E_CONFLICT, "order_number",
                                "order number %s already exists", o->order_number);
    return rc;
}

/* Step 5, second half. */
static orders_code_t reservation_insert(placing_t *p, orders_error_t *err)
{
    const orders_reservation_t *r = p->tx->reservation;
    bson_t doc = BSON_INITIALIZER;
    if (!mg_reservation_bson(r, &doc)) {
        bson_destroy(&doc);
        return orders_error_set(err, ORDERS_E_INVALID, "reservation", "reservation too large");
    }
    BSON_APPEND_UTF8(&doc, "creating", p->token);
    bool dup = false;
    orders_code_t rc = mg_insert_one(p->s, p->c, MG_RESERVATIONS, &doc, &dup, "place", err);
    bson_destroy(&doc);
    if (dup)
        return orders_error_set(err, ORDERS_E_CONFLICT, "id",
                                "order %s already has a reservation", r->order_id);
    if (rc == ORDERS_OK)
        p->res_inserted = true;
    return rc;
}

/* ---- step 6: the commit ---------------------------------------------------------------------- */

static orders_code_t cart_commit(placing_t *p, orders_error_t *err)
{
    const orders_place_tx_t *tx = p->tx;
    static const char *const skip[] = {"_id", "placing", "fenced", "version", NULL};
    bson_t cart = BSON_INITIALIZER, update = BSON_INITIALIZER, set, push;
    if (!mg_cart_bson(tx->cleared_cart, &cart)) {
        bson_destroy(&cart);
        return orders_error_set(err, ORDERS_E_INVALID, "cart", "cart too large");
    }
    bson_append_document_begin(&update, "$set", -1, &set);
    mg_append_except(&set, &cart, skip);
    BSON_APPEND_INT64(&set, "version", tx->cart_version + 1);
    bson_t empty;
    bson_append_array_begin(&set, "fenced", -1, &empty);
    bson_append_array_end(&set, &empty);
    bson_append_document_end(&update, &set);
    bson_append_document_begin(&update, "$push", -1, &push);
    BSON_APPEND_UTF8(&push, "placing", p->token);
    bson_append_document_end(&update, &push);
    /* cartId pins the cart's incarnation: a cart purged and made again
     * reaches the same versions under another id. */
    bson_t *filter = MG_BCON("_id", BCON_UTF8(tx->order->customer_id), "cartId",
                              BCON_UTF8(tx->cleared_cart->id), "version",
                              BCON_INT64(tx->cart_version), "fenced", "{", "$ne",
                              BCON_UTF8(p->token), "}");
    int64_t matched = 0;
    orders_code_t rc =
        mg_update_one(p->s, p->c, MG_CARTS, filter, &update, false, &matched, "place", err);
    if (rc != ORDERS_OK)
        p->commit_unknown = true; /* it may have applied: see resolve_unknown */
    if (rc == ORDERS_OK && matched == 0) {
        rc = cart_check(p, err); /* words the conflict */
        if (rc == ORDERS_OK)     /* at the version, so fenced by recovery */
            rc = orders_error_set(err, ORDERS_E_CONFLICT, "cart_version",
                                  "placement of order %s was stopped by recovery",
                                  tx->order->id);
    }
    bson_destroy(filter);
    bson_destroy(&update);
    bson_destroy(&cart);
    return rc;
}

/* ---- undo (before the commit) --------------------------------------------------------------- */

/* Undoes steps 5 to 2 and deletes the record.  At the first write that
 * fails it stops and keeps the record, so that recovery (which fences the
 * cart first) finishes the undo. */
static void undo(placing_t *p)
{
    const orders_place_tx_t *tx = p->tx;
    orders_code_t rc = ORDERS_OK;
    if (p->res_inserted) {
        bson_t *f = MG_BCON("_id", BCON_UTF8(tx->reservation->id), "creating",
                             BCON_UTF8(p->token));
        rc = mg_delete(p->s, p->c, MG_RESERVATIONS, f, false, NULL, "place", NULL);
        bson_destroy(f);
    }
    if (rc == ORDERS_OK && p->moved)
        rc = mg_moves_undo(p->s, p->c, p->moves, p->nmoves, p->mv, p->token, NULL);
    if (rc == ORDERS_OK && p->journal_held)
        rc = mg_journal_drop(p->s, p->c, p->token, NULL);
    if (rc == ORDERS_OK && p->idem_claimed)
        rc = idem_set(p, false, NULL);
    if (rc == ORDERS_OK)
        (void)record_delete(p->s, p->c, tx->order->id, p->token, NULL);
}

/* ---- finishing (after the commit; shared with recovery) ------------------------------------- */

/* What finishing needs, read from a placement record. */
typedef struct record_view {
    const char *order_id, *token, *customer_id, *idem_key, *reservation_id;
    bson_t order;          /* borrowed sub-document */
    mg_move_t *moves;      /* owned */
    size_t nmoves;
    orders__move_t mv;
} record_view_t;

static orders_code_t view_moves(const bson_t *doc, record_view_t *v, orders_error_t *err)
{
    bson_iter_t it, arr;
    v->moves = NULL;
    v->nmoves = 0;
    v->mv = (orders__move_t)mg_get_i64(doc, "move", 0);
    if (!bson_iter_init_find(&it, doc, "moves") || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &arr))
        return ORDERS_OK;
    size_t cap = 0;
    bson_iter_t count = arr;
    while (bson_iter_next(&count))
        cap++;
    if (cap == 0)
        return ORDERS_OK;
    if ((v->moves = calloc(cap, sizeof *v->moves)) == NULL)
        return mg_nomem(err);
    while (bson_iter_next(&arr) && v->nmoves < cap) {
        const uint8_t *data;
        uint32_t len;
        bson_t item;
        if (!BSON_ITER_HOLDS_DOCUMENT(&arr))
            continue;
        bson_iter_document(&arr, &len, &data);
        if (!bson_init_static(&item, data, len))
            continue;
        bson_iter_t f;
        if (bson_iter_init_find(&f, &item, "productId") && BSON_ITER_HOLDS_UTF8(&f)) {
            v->moves[v->nmoves].product_id = bson_iter_utf8(&f, NULL);
            v->moves[v->nmoves].quantity = mg_get_i64(&item, "quantity", 0);
            v->nmoves++;
        }
    }
    return ORDERS_OK;
}

static orders_code_t view_init(const bson_t *doc, record_view_t *v, orders_error_t *err)
{
    memset(v, 0, sizeof *v);
    v->order_id = mg_get_str(doc, "_id");
    v->token = mg_get_str(doc, "token");
    v->customer_id = mg_get_str(doc, "customerId");
    v->idem_key = mg_get_str(doc, "idemKey");
    v->reservation_id = mg_get_str(doc, "reservationId");
    bson_iter_t it;
    const uint8_t *data;
    uint32_t len;
    if (v->order_id == NULL || v->token == NULL || v->customer_id == NULL ||
        !bson_iter_init_find(&it, doc, "order") || !BSON_ITER_HOLDS_DOCUMENT(&it))
        return orders_error_set(err, ORDERS_E_BACKEND, "store",
                                "placement record %s is incomplete",
                                v->order_id != NULL ? v->order_id : "?");
    bson_iter_document(&it, &len, &data);
    if (!bson_init_static(&v->order, data, len))
        return orders_error_set(err, ORDERS_E_BACKEND, "store", "placement record %s is corrupt",
                                v->order_id);
    return view_moves(doc, v, err);
}

static orders_code_t finish_order(mg_store_t *s, mongoc_client_t *c, const record_view_t *v,
                                  orders_error_t *err)
{
    bson_t doc = BSON_INITIALIZER;
    static const char *const skip[] = {NULL};
    mg_append_except(&doc, &v->order, skip);
    bson_t empty;
    bson_append_array_begin(&doc, "effects", -1, &empty);
    bson_append_array_end(&doc, &empty);
    bson_append_array_begin(&doc, "fenced", -1, &empty);
    bson_append_array_end(&doc, &empty);
    bool dup = false;
    orders_code_t rc = mg_insert_one(s, c, MG_ORDERS, &doc, &dup, "place", err);
    bson_destroy(&doc);
    return dup ? ORDERS_OK : rc; /* stored by an earlier try */
}

static orders_code_t finish_small(mg_store_t *s, mongoc_client_t *c, const char *coll,
                                  bson_t *filter, bson_t *update, orders_error_t *err)
{
    orders_code_t rc = mg_update_one(s, c, coll, filter, update, false, NULL, "place", err);
    bson_destroy(filter);
    bson_destroy(update);
    return rc;
}

static orders_code_t finish(mg_store_t *s, mongoc_client_t *c, const record_view_t *v,
                            orders_error_t *err)
{
    /* The reservation first: an order is never visible without it. */
    orders_code_t rc = ORDERS_OK;
    if (v->reservation_id != NULL)
        rc = finish_small(s, c, MG_RESERVATIONS,
                          MG_BCON("_id", BCON_UTF8(v->reservation_id), "creating",
                                   BCON_UTF8(v->token)),
                          MG_BCON("$unset", "{", "creating", BCON_UTF8(""), "}"), err);
    if (rc == ORDERS_OK)
        rc = finish_order(s, c, v, err);
    if (rc == ORDERS_OK)
        rc = mg_journal_release(s, c, v->token, err);
    if (rc == ORDERS_OK && v->idem_key != NULL)
        rc = finish_small(s, c, MG_IDEM,
                          MG_BCON("_id", BCON_UTF8(v->idem_key), "orderId",
                                   BCON_UTF8(v->order_id)),
                          MG_BCON("$set", "{", "state", BCON_UTF8("done"), "}"), err);
    if (rc == ORDERS_OK)
        rc = mg_moves_unmark(s, c, v->moves, v->nmoves, v->token, err);
    if (rc == ORDERS_OK)
        rc = finish_small(s, c, MG_CARTS, MG_BCON("_id", BCON_UTF8(v->customer_id)),
                          MG_BCON("$pull", "{", "placing", BCON_UTF8(v->token), "}"), err);
    if (rc == ORDERS_OK) {
        mg_step(s, 8);
        rc = record_delete(s, c, v->order_id, v->token, err);
    }
    return rc;
}

/* ---- recovery ------------------------------------------------------------------------------------ */

/* Committed: the record says so, or the cart lists the token.  Otherwise
 * the cart is fenced against the token first, so that the placer can no
 * longer commit.  *committed gets the verdict. */
static orders_code_t decide(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                            const record_view_t *v, bool *committed, orders_error_t *err)
{
    const char *state = mg_get_str(doc, "state");
    *committed = state != NULL && strcmp(state, "committed") == 0;
    if (*committed)
        return ORDERS_OK;
    bson_t *filter = MG_BCON("_id", BCON_UTF8(v->customer_id), "placing", "{", "$ne",
                              BCON_UTF8(v->token), "}");
    bson_t *update = MG_BCON("$addToSet", "{", "fenced", BCON_UTF8(v->token), "}");
    int64_t matched = 0;
    orders_code_t rc = mg_update_one(s, c, MG_CARTS, filter, update, false, &matched, "recover",
                                     err);
    bson_destroy(update);
    bson_destroy(filter);
    if (rc != ORDERS_OK || matched == 1)
        return rc; /* fenced: not committed */
    /* No cart (it cannot commit), or the cart lists the token. */
    bson_t *f2 = MG_BCON("_id", BCON_UTF8(v->customer_id), "placing", BCON_UTF8(v->token));
    bool found = false;
    bson_t cart;
    rc = mg_find_one(s, c, MG_CARTS, f2, NULL, &cart, &found, "recover", err);
    bson_destroy(&cart);
    bson_destroy(f2);
    *committed = found;
    return rc;
}

static orders_code_t undo_recorded(mg_store_t *s, mongoc_client_t *c, const record_view_t *v,
                                   orders_error_t *err)
{
    orders_code_t rc = ORDERS_OK;
    if (v->reservation_id != NULL) {
        bson_t *f = MG_BCON("_id", BCON_UTF8(v->reservation_id), "creating",
                             BCON_UTF8(v->token));
        rc = mg_delete(s, c, MG_RESERVATIONS, f, false, NULL, "recover", err);
        bson_destroy(f);
    }
    if (rc == ORDERS_OK)
        rc = mg_moves_undo(s, c, v->moves, v->nmoves, v->mv, v->token, err);
    if (rc == ORDERS_OK)
        rc = mg_journal_drop(s, c, v->token, err);
    if (rc == ORDERS_OK && v->idem_key != NULL) {
        bson_t *f = MG_BCON("_id", BCON_UTF8(v->idem_key), "orderId", BCON_UTF8(v->order_id),
                             "state", BCON_UTF8("pending"));
        rc = mg_delete(s, c, MG_IDEM, f, false, NULL, "recover", err);
        bson_destroy(f);
    }
    if (rc == ORDERS_OK)
        rc = record_delete(s, c, v->order_id, v->token, err);
    return rc;
}

orders_code_t mg_place_recover(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                               bool *finished, orders_error_t *err)
{
    record_view_t v;
    bool committed = false;
    orders_code_t rc = view_init(doc, &v, err);
    if (rc == ORDERS_OK)
        rc = decide(s, c, doc, &v, &committed, err);
    if (rc == ORDERS_OK)
        rc = committed ? finish(s, c, &v, err) : undo_recorded(s, c, &v, err);
    *finished = committed;
    free(v.moves);
    return rc;
}

/* ---- the vtable member ------------------------------------------------------------------------ */

static orders_code_t mark_committed(placing_t *p, orders_error_t *err)
{
    bson_t *filter = MG_BCON("_id", BCON_UTF8(p->tx->order->id), "token", BCON_UTF8(p->token));
    bson_t *update = MG_BCON("$set", "{", "state", BCON_UTF8("committed"), "}");
    orders_code_t rc = mg_update_one(p->s, p->c, MG_PLACEMENTS, filter, update, false, NULL,
                                     "place", err);
    bson_destroy(update);
    bson_destroy(filter);
    return rc;
}

/* The commit write failed without an answer: it may or may not have
 * applied.  Decides as recovery does (fence the cart, then finish or
 * undo): ORDERS_OK when the placement stands (finished), else
 * ORDERS_E_UNAVAILABLE -- nothing placed, or, when even that fails, the
 * record is left for recovery to settle. */
static orders_code_t resolve_unknown(placing_t *p, orders_error_t *err)
{
    bson_t doc = BSON_INITIALIZER;
    orders_error_t inner = {0};
    bool finished = false;
    orders_code_t rc = record_doc(p, &doc, &inner);
    if (rc == ORDERS_OK)
        rc = mg_place_recover(p->s, p->c, &doc, &finished, &inner);
    bson_destroy(&doc);
    p->finished = rc == ORDERS_OK && finished;
    if (p->finished)
        return ORDERS_OK;
    if (rc == ORDERS_OK)
        return orders_error_set(err, ORDERS_E_UNAVAILABLE, "store",
                                "placement of order %s failed while committing; nothing was placed",
                                p->tx->order->id);
    return orders_error_set(err, ORDERS_E_UNAVAILABLE, "store",
                            "placement of order %s: the store failed while committing; recovery "
                            "will complete or undo it",
                            p->tx->order->id);
}

/* Steps 1-6; on a refusal, undoes what it did. */
static orders_code_t claim_and_commit(placing_t *p, orders_place_result_t *result, bool *replay,
                                      orders_error_t *err)
{
    const orders_place_tx_t *tx = p->tx;
    orders_code_t rc = record_insert(p, err);
    if (rc != ORDERS_OK)
        return rc;
    mg_step(p->s, 1);
    if (tx->idem_key != NULL && (rc = idem_claim(p, result, replay, err)) != ORDERS_OK)
        goto refused;
    if (*replay)
        goto refused; /* nothing to place: undo the record */
    mg_step(p->s, 2);
    if (p->nmoves > 0) {
        size_t short_i = 0;
        int64_t have = 0;
        p->moved = true;
        rc = mg_moves_apply(p->s, p->c, p->moves, p->nmoves, p->mv, p->token, &short_i, &have,
                            err);
        if (rc == ORDERS_E_OUT_OF_STOCK) {
            const mg_move_t *m = &p->moves[short_i];
            orders__copy_id(result->short_product_id, m->product_id);
            result->short_available = have;
            orders_error_set(err, rc, m->product_id,
                             "product %s: only %" PRId64 " available, %" PRId64 " requested",
                             m->product_id, have, m->quantity);
        }
        if (rc != ORDERS_OK)
            goto refused;
    }
    mg_step(p->s, 3);
    if ((rc = order_unique(p, err)) != ORDERS_OK)
        goto refused;
    if (tx->reservation != NULL && (rc = reservation_insert(p, err)) != ORDERS_OK)
        goto refused;
    mg_step(p->s, 4);
    rc = mg_journal_hold(p->s, p->c, tx->events, tx->event_count, tx->history, tx->history_count,
                         tx->order->version, p->token, err);
    if (rc != ORDERS_OK)
        goto refused;
    p->journal_held = true;
    mg_step(p->s, 5);
    if ((rc = cart_commit(p, err)) != ORDERS_OK && p->commit_unknown)
        return resolve_unknown(p, err);
    if (rc != ORDERS_OK)
        goto refused;
    return ORDERS_OK;
refused:
    undo(p);
    return rc;
}

/* Steps 7 and 8 for the placer itself.  The placement is committed: a
 * failure here (the server unreachable for a moment) is tried again, and
 * what is still missing after that is finished by recovery, so the caller
 * is told the placement stands either way. */
static void finish_committed(placing_t *p)
{
    orders_error_t later = {0};
    (void)mark_committed(p, &later);
    mg_step(p->s, 7);
    bson_t doc = BSON_INITIALIZER;
    record_view_t v;
    memset(&v, 0, sizeof v);
    if (record_doc(p, &doc, &later) == ORDERS_OK && view_init(&doc, &v, &later) == ORDERS_OK) {
        for (int attempt = 0; attempt < 3; attempt++) {
            if (finish(p->s, p->c, &v, &later) == ORDERS_OK)
                break;
            mg_sleep_ms(50 << attempt);
        }
    }
    free(v.moves);
    bson_destroy(&doc);
}

orders_code_t mg_place(void *ud, const orders_place_tx_t *tx, orders_place_result_t *result,
                       orders_error_t *err)
{
    orders_place_result_t scratch;
    if (result == NULL)
        result = &scratch;
    orders_code_t rc = orders__check_place_start(tx, result, err);
    if (rc != ORDERS_OK)
        return rc;
    placing_t p;
    memset(&p, 0, sizeof p);
    p.s = ud;
    p.tx = tx;
    mg_token(p.token);
    const orders_reservation_t *r = tx->reservation;
    if (r != NULL && r->local_stock) {
        p.mv = orders__place_move(r);
        rc = mg_moves_from_lines(r->lines, r->line_count, &p.moves, &p.nmoves, err);
        if (rc != ORDERS_OK)
            return rc;
    }
    p.c = mg_pop(p.s);
    bool replay = false, found = false, pending = false;
    if (tx->idem_key != NULL)
        rc = idem_read(&p, result, &replay, &pending, &found, err);
    /* A pending key with this request's hash: the same request is being
     * placed (its cart may be cleared already); step 2 waits for it. */
    if (rc == ORDERS_OK && !replay && !pending)
        rc = cart_check(&p, err);
    if (rc == ORDERS_OK && !replay)
        rc = claim_and_commit(&p, result, &replay, err);
    if (rc == ORDERS_OK && !replay && !p.finished) {
        /* Committed: from here on the placement only goes forward.  A failure
         * below is finished by recovery; the caller is told the placement
         * stands. */
        mg_step(p.s, 6);
        finish_committed(&p);
    }
    mg_push(p.s, p.c);
    free(p.moves);
    return rc;
}
