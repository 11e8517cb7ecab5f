/*
 * internal.h - what the MongoDB store's files share.  Not installed.
 *
 * Files (liborders/store/mongo/):
 *   open.c       handle, options, pool, indexes, recovery thread, vtable
 *   util.c       client checkout, error mapping, small BSON readers/writers
 *   codec.c      product, cart, order and reservation <-> BSON
 *   codec_log.c  event and history <-> BSON
 *   products.c   products and stock (product_*, stock_*, products_read)
 *   carts.c      cart_get, cart_put, cart_purge
 *   orders_read.c order_get, order_get_by_number, order_version, order_list,
 *                order_scan
 *   place.c      placement (the placement record protocol)
 *   effect.c     reservation effects: order_update, reservation_settle,
 *                reservation_create
 *   moves.c      stock moves under a token (mg_moves_*)
 *   journal.c    history held and released with a step's events
 *   recover.c    the recovery pass
 *   res_read.c   reservation_get, reservations_due, reservation_counts
 *   outbox.c     outbox_fetch, outbox_ack, outbox_counts, history_list
 *   requeue.c    outbox_requeue (dead letters made pending again)
 *   misc.c       sequence_next, idem_get, wallet_apply, wallet_balance,
 *                stat_add, stat_count
 *   lease.c      lease_take (named leases)
 *
 * Documents (collection: fields; "seed" = the seed document's names):
 *   products:  _id = product id, sellerId, name, image, price, currency,
 *              active, createdAt, updatedAt; stock: available, reserved,
 *              sold, stocked, adjusted (int64); marks: [token] -- tokens of
 *              stock moves applied but not yet finished (see below).
 *   carts:     _id = customer id, cartId, customerId, items[] (seed),
 *              totalItems, totalAmount, currency, version, createdAt,
 *              lastUpdated, expiresAt; placing: [order id] -- placements
 *              committed on this cart and not yet finished; fenced: [order
 *              id] -- placements recovery has stopped from committing.
 *   orders:    _id = order id, the seed's fields, plus paymentRef,
 *              processingAt, version; effects: [token] -- reservation
 *              effects committed with this version and not yet finished;
 *              fenced: [token].
 *   inventory_reservations: _id = reservation id, orderId (unique),
 *              customerId, reservations[] (seed lines), totalItems,
 *              totalValue, currency, status, localStock, createdAt,
 *              updatedAt, expiresAt; lock: {token, to, orderVersion, at}
 *              while an effect runs; creating: token while a standalone
 *              reservation is being created (readers skip such documents).
 *   placements: _id = order id, orderNumber (unique), customerId,
 *              cartVersion, startedAt, state ("pending" | "committed"),
 *              and the whole placement (order, reservation, cart, events,
 *              history, idempotency key) as sub-documents.
 *   outbox:    _id = event id, the event's fields, state ("pending" |
 *              "dead" | "held"), holder and heldAt while held, seq (an
 *              ObjectId made when held); fetched by createdAt, then seq
 *              (the memory store's order); delivered events are deleted.
 *   history:   _id = "<order id>/<version, 20 digits>/<index, 4 digits>/
 *              <token of the step>", orderId, at, actor, fromStatus,
 *              toStatus, note; holder and heldAt while held.
 *   idempotency_keys: _id = key, hash, orderId, state ("pending" | "done"),
 *              at.
 *   wallets:   _id = "<currency>:<customer id>", customerId, currency,
 *              balance, version (compare-and-set); pending: [{ref, delta,
 *              balanceAfter, at (wall clock), ledgerAt}] -- applied, ledger
 *              entry not yet written (misc.c has the protocol).
 *   wallet_ledger: _id = "<currency>:<customer id>:<ref>" ('%' and ':' in
 *              the customer id written %25 / %3A), customerId, currency,
 *              ref, delta, balanceAfter, at.  A ref applies once per wallet.
 *   sequences: _id = name, value.
 *   stats:     kind, at.
 *   leases:    _id = lease name, owner, until (date): held by owner while
 *              now < until (lease.c); only the _id index.
 *
 * Money: an int64 amount under the field's seed name, and one "currency"
 * per document; a money field whose currency differs from the document's
 * also gets "<name>Currency" (so every field reads back exactly; codec.c
 * writes it as null otherwise, so that a $set clears an earlier one).
 * Times: BSON dates (milliseconds).  An optional time that is 0 ("not
 * set") and an absent optional string are stored as null, never left out,
 * so that an update written with $set clears them.
 *
 * Every function below returns ORDERS_OK or a code, filling err, unless it
 * says otherwise.  Functions taking a mongoc_client_t use it and do not
 * keep it.
 */
#ifndef ORDERS_STORE_MONGO_INTERNAL_H
#define ORDERS_STORE_MONGO_INTERNAL_H

/* libmongoc's headers need the POSIX and BSD declarations (struct addrinfo). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <mongoc/mongoc.h>

#include <orders/store.h>
#include <orders/store_mongo.h>

#include "core/store_check.h"
#include "core/util.h"

/* Collection names. */
#define MG_PRODUCTS "products"
#define MG_CARTS "carts"
#define MG_ORDERS "orders"
#define MG_RESERVATIONS "inventory_reservations"
#define MG_PLACEMENTS "placements"
#define MG_OUTBOX "outbox"
#define MG_HISTORY "history"
#define MG_IDEM "idempotency_keys"
#define MG_WALLETS "wallets"
#define MG_LEDGER "wallet_ledger"
#define MG_SEQUENCES "sequences"
#define MG_STATS "stats"
#define MG_LEASES "leases"

/* A token names one multi-document step (effect, standalone reservation):
 * 24 hex digits of a fresh ObjectId. */
#define MG_TOKEN_LEN 25

typedef struct mg_store {
    mongoc_client_pool_t *pool;
    char *db;                         /* database name */
    orders_mongo_options_t opts;      /* opts.database points at db */
    mongoc_write_concern_t *wc;       /* majority + journal unless the URI sets w */
    pthread_t recovery_thread;
    bool recovery_started;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    bool stopping;
} mg_store_t;

/* BCON_NEW with its context on the heap.  libbson's BCON_NEW keeps a
 * context of BCON_STACK_MAX frames (about 14 KB) on the caller's stack;
 * hosts with small thread stacks (CivetWeb's workers have 100 KB) cannot
 * afford that deep in a request.  Same arguments and result as BCON_NEW;
 * aborts, as bson_new does, when memory runs out. */
#define MG_BCON(...) mg_bcon_new(NULL, __VA_ARGS__, (void *)NULL)
bson_t *mg_bcon_new(void *unused, ...);

/* ---- clients and collections (util.c) ------------------------------------------- */

/* A client from the pool (blocks while all are in use); give it back with
 * mg_push.  Never NULL. */
mongoc_client_t *mg_pop(mg_store_t *s);
void mg_push(mg_store_t *s, mongoc_client_t *c);
/* A collection handle of the store's database, with the store's write
 * concern; the caller destroys it (mongoc_collection_destroy). */
mongoc_collection_t *mg_coll(mg_store_t *s, mongoc_client_t *c, const char *name);

/* Maps a failed driver call to a code and fills err: a duplicate key
 * (11000) is ORDERS_E_CONFLICT, a network or server-selection failure
 * ORDERS_E_UNAVAILABLE, anything else ORDERS_E_BACKEND.  `what` names the
 * operation ("place", "cart_get" ...) and starts the message. */
orders_code_t mg_fail(const bson_error_t *e, const char *what, orders_error_t *err);
/* Is e a duplicate-key error (11000 / 11001)? */
bool mg_is_dup(const bson_error_t *e);
orders_code_t mg_nomem(orders_error_t *err);

/* Abort when the test hook names this placement step (see place.c). */
void mg_step(mg_store_t *s, int step);

/* Wall-clock milliseconds (recovery ages; never stored as a record time). */
int64_t mg_now_ms(void);
/* Sleeps about ms milliseconds (waits for a record another caller holds). */
void mg_sleep_ms(int ms);
/* A fresh token (24 hex digits + NUL). */
void mg_token(char out[MG_TOKEN_LEN]);

/* ---- single-document helpers (util.c) ------------------------------------------ */

/* findOne: *found tells whether a document matched; doc (initialised by
 * the call, always destroyed by the caller with bson_destroy) holds it. */
orders_code_t mg_find_one(mg_store_t *s, mongoc_client_t *c, const char *coll,
                          const bson_t *filter, const bson_t *projection, bson_t *doc,
                          bool *found, const char *what, orders_error_t *err);
/* find(filter, opts) on coll, calling fn on each document in order (doc is
 * borrowed for the call) until it fails or sets *stop; a cursor failure is
 * mapped with mg_fail(what).  fn may use the client c for other calls. */
typedef orders_code_t (*mg_doc_fn)(const bson_t *doc, void *arg, bool *stop,
                                   orders_error_t *err);
orders_code_t mg_find_each(mg_store_t *s, mongoc_client_t *c, const char *coll,
                           const bson_t *filter, const bson_t *opts, mg_doc_fn fn, void *arg,
                           const char *what, orders_error_t *err);
/* updateOne with filter/update; *matched (may be NULL) gets matchedCount.
 * upsert creates the document when nothing matches. */
orders_code_t mg_update_one(mg_store_t *s, mongoc_client_t *c, const char *coll,
                            const bson_t *filter, const bson_t *update, bool upsert,
                            int64_t *matched, const char *what, orders_error_t *err);
/* A recovery lease: sets the date field (a path, "lock.at", "effects.$.at")
 * to now in the one document filter matches, where filter also requires
 * that field to be old; *won when it matched.  Of several recovery passes
 * looking at one stale step, only the one that wins acts on it; the others
 * leave it, now fresh, to the winner. */
orders_code_t mg_lease(mg_store_t *s, mongoc_client_t *c, const char *coll, const bson_t *filter,
                       const char *field, bool *won, orders_error_t *err);
/* insertOne; a duplicate key is ORDERS_E_CONFLICT (and *dup, may be NULL,
 * is set true) without filling err, so the caller words the refusal. */
orders_code_t mg_insert_one(mg_store_t *s, mongoc_client_t *c, const char *coll,
                            const bson_t *doc, bool *dup, const char *what, orders_error_t *err);
/* deleteOne / deleteMany; *deleted (may be NULL) gets deletedCount. */
orders_code_t mg_delete(mg_store_t *s, mongoc_client_t *c, const char *coll,
                        const bson_t *filter, bool many, int64_t *deleted, const char *what,
                        orders_error_t *err);
/* countDocuments(filter). */
orders_code_t mg_count(mg_store_t *s, mongoc_client_t *c, const char *coll,
                       const bson_t *filter, int64_t *out, const char *what,
                       orders_error_t *err);

/* ---- reading fields (util.c) ------------------------------------------------------ */

/* The int64 at key (any numeric type, a bool, or a date); def when absent. */
int64_t mg_get_i64(const bson_t *doc, const char *key, int64_t def);
/* The same through an iterator positioned on the field. */
int64_t mg_iter_i64(const bson_iter_t *it);
/* The UTF-8 string at key, borrowed from doc; NULL when absent or not a string. */
const char *mg_get_str(const bson_t *doc, const char *key);
/* A new copy of the string at key (*out NULL when absent); false when
 * memory runs out. */
bool mg_dup_str(const bson_t *doc, const char *key, char **out);
/* The bool at key (def when absent). */
bool mg_get_bool(const bson_t *doc, const char *key, bool def);
/* Copies the string at key into a buffer of ORDERS_ID_MAX + 1 bytes ("" when absent). */
void mg_get_id(const bson_t *doc, const char *key, char *out);
/* Does the array at key hold the string value? */
bool mg_array_has(const bson_t *doc, const char *key, const char *value);

/* ---- writing fields (util.c) ----------------------------------------------------- */

/* Appends a date (ms); null when ms is 0 and optional is true. */
void mg_put_time(bson_t *doc, const char *key, int64_t ms, bool optional);
/* Appends a string; null when s is NULL.  (Absent values are written as
 * null so that a document written with $set clears them.) */
void mg_put_str(bson_t *doc, const char *key, const char *s);
/* Appends money as key: amount, and keyCurrency when its currency differs
 * from doc_currency (nothing otherwise: codec.c adds the null its $set
 * updates need). */
void mg_put_money(bson_t *doc, const char *key, const orders_money_t *m, const char *doc_currency);
/* Reads money written by mg_put_money. */
void mg_get_money(const bson_t *doc, const char *key, const char *doc_currency,
                  orders_money_t *out);

/* ---- records <-> BSON (codec.c, codec_log.c) ------------------------------------- */
/* The *_bson functions append every field of the record to doc (which the
 * caller initialised) including _id; they return false only when BSON
 * refuses (a document over 16 MB).  The *_from functions build a new heap
 * record (freed with the orders_*_free of types.h) from a stored document:
 * ORDERS_E_NOMEM, or ORDERS_E_BACKEND when a required field is missing. */
bool mg_product_bson(const orders_product_t *p, bson_t *doc);    /* no stock fields */
orders_code_t mg_product_from(const bson_t *doc, orders_product_t **out, orders_error_t *err);
void mg_stock_from(const bson_t *doc, orders_stock_t *out);
bool mg_cart_bson(const orders_cart_t *c, bson_t *doc);          /* _id = customer id */
orders_code_t mg_cart_from(const bson_t *doc, orders_cart_t **out, orders_error_t *err);
bool mg_order_bson(const orders_order_t *o, bson_t *doc);
orders_code_t mg_order_from(const bson_t *doc, orders_order_t **out, orders_error_t *err);
bool mg_reservation_bson(const orders_reservation_t *r, bson_t *doc);
orders_code_t mg_reservation_from(const bson_t *doc, orders_reservation_t **out,
                                  orders_error_t *err);
/* seq: the event's insertion-order key (a fresh ObjectId). */
bool mg_event_bson(const orders_event_t *e, const bson_oid_t *seq, bson_t *doc);
orders_code_t mg_event_from(const bson_t *doc, orders_event_t **out, orders_error_t *err);
/* id: the history document's _id (mg_history_id). */
bool mg_history_bson(const orders_history_t *h, const char *id, bson_t *doc);
orders_code_t mg_history_from(const bson_t *doc, orders_history_t **out, orders_error_t *err);
/* "<order id>/<version %020>/<index %04>" into out (at least
 * ORDERS_ID_MAX + 32 bytes). */
#define MG_HISTORY_ID_MAX (ORDERS_ID_MAX + 32)
void mg_history_id(const char *order_id, int64_t version, size_t index, char *out);

/* A step's outbox events are written before the step commits, "held"
 * (invisible to fetch, counts and acks) under the step's token, so that a
 * duplicate event id refuses the step before anything else is final:
 *   mg_events_hold    inserts them held; an id already in the outbox (held,
 *                     pending or dead) is ORDERS_E_CONFLICT with the field
 *                     and message the memory store gives, and then the
 *                     events this call inserted are deleted again;
 *   mg_events_release makes every event held under token pending (after the
 *                     commit; idempotent);
 *   mg_events_drop    deletes every event held under token (undo; idempotent).
 * (outbox.c) */
orders_code_t mg_events_hold(mg_store_t *s, mongoc_client_t *c,
                             const orders_event_t *const *events, size_t n, const char *token,
                             orders_error_t *err);
orders_code_t mg_events_release(mg_store_t *s, mongoc_client_t *c, const char *token,
                                orders_error_t *err);
orders_code_t mg_events_drop(mg_store_t *s, mongoc_client_t *c, const char *token,
                             orders_error_t *err);

/* History entries are held and released like events (journal.c): they
 * carry holder (the step's token) and heldAt (wall clock) until released;
 * history_list skips held entries. */
/* Events then history, held / released / dropped together (journal.c).  A
 * failed hold drops what it held. */
orders_code_t mg_journal_hold(mg_store_t *s, mongoc_client_t *c,
                              const orders_event_t *const *events, size_t ne,
                              const orders_history_t *const *history, size_t nh,
                              int64_t order_version, const char *token, orders_error_t *err);
orders_code_t mg_journal_release(mg_store_t *s, mongoc_client_t *c, const char *token,
                                 orders_error_t *err);
orders_code_t mg_journal_drop(mg_store_t *s, mongoc_client_t *c, const char *token,
                              orders_error_t *err);
/* Appends every field of src except the NULL-terminated keys skip. */
void mg_append_except(bson_t *dst, const bson_t *src, const char *const *skip);

/* ---- stock moves (moves.c) -------------------------------------------------------- */

/* One product's total quantity in a set of lines (lines of one product
 * are summed, products sorted by id). */
typedef struct mg_move {
    const char *product_id;      /* borrowed from the lines */
    int64_t quantity;
} mg_move_t;

/* Sums lines by product into *out (a new array, freed with free()); *n
 * gets its length. */
orders_code_t mg_moves_from_lines(const orders_reservation_line_t *lines, size_t n,
                                  mg_move_t **out, size_t *count, orders_error_t *err);
/* Applies move mv of every product under token: each product document is
 * changed at most once per token (its marks hold the token after).  A
 * product short of units stops the loop with ORDERS_E_OUT_OF_STOCK WITHOUT
 * filling err (*short_i names it, *short_have its units; the caller words
 * the refusal) and leaves earlier moves applied (the caller undoes them with
 * mg_moves_undo); an unknown product is ORDERS_E_NOT_FOUND (field: its id). */
orders_code_t mg_moves_apply(mg_store_t *s, mongoc_client_t *c, const mg_move_t *moves,
                             size_t n, orders__move_t mv, const char *token, size_t *short_i,
                             int64_t *short_have, orders_error_t *err);
/* Undoes the moves marked with token (products without the mark are left
 * alone) and removes the mark. */
orders_code_t mg_moves_undo(mg_store_t *s, mongoc_client_t *c, const mg_move_t *moves, size_t n,
                            orders__move_t mv, const char *token, orders_error_t *err);
/* Removes token from the marks of every product (the step is finished). */
orders_code_t mg_moves_unmark(mg_store_t *s, mongoc_client_t *c, const mg_move_t *moves,
                              size_t n, const char *token, orders_error_t *err);

/* ---- vtable members, by file ------------------------------------------------------ */

orders_code_t mg_product_put(void *ud, const orders_product_t *p, bool create_only,
                             orders_error_t *err);
orders_code_t mg_product_get(void *ud, const char *id, orders_product_t **out,
                             orders_error_t *err);
orders_code_t mg_product_list(void *ud, const char *seller_id, int64_t offset, int64_t limit,
                              orders_product_list_t *out, orders_error_t *err);
orders_code_t mg_stock_get(void *ud, const char *product_id, orders_stock_t *out,
                           orders_error_t *err);
orders_code_t mg_stock_change(void *ud, const char *product_id, orders_stock_op_t op,
                              int64_t value, orders_stock_t *out, orders_error_t *err);
orders_code_t mg_products_read(void *ud, const char *const *ids, size_t n,
                               orders_product_avail_t *out, orders_error_t *err);

orders_code_t mg_cart_get(void *ud, const char *customer_id, orders_cart_t **out,
                          orders_error_t *err);
orders_code_t mg_cart_put(void *ud, const orders_cart_t *cart, int64_t expected_version,
                          orders_error_t *err);
orders_code_t mg_cart_purge(void *ud, int64_t now, int64_t *purged, orders_error_t *err);

orders_code_t mg_place(void *ud, const orders_place_tx_t *tx, orders_place_result_t *result,
                       orders_error_t *err);
orders_code_t mg_order_update(void *ud, const orders_update_tx_t *tx, orders_error_t *err);
orders_code_t mg_order_get(void *ud, const char *id, orders_order_t **out, orders_error_t *err);
orders_code_t mg_order_get_by_number(void *ud, const char *order_number, orders_order_t **out,
                                     orders_error_t *err);
orders_code_t mg_order_list(void *ud, const orders_order_filter_t *filter,
                            orders_order_list_t *out, orders_error_t *err);
orders_code_t mg_order_scan(void *ud, int64_t from, int64_t to, orders_order_visit_fn visit,
                            void *visit_ud, orders_error_t *err);
orders_code_t mg_order_version(void *ud, const char *id, int64_t *version, char *customer_id,
                               orders_error_t *err);
orders_code_t mg_sequence_next(void *ud, const char *name, int64_t *out, orders_error_t *err);

orders_code_t mg_reservation_create(void *ud, const orders_reservation_t *r,
                                    orders_error_t *err);
orders_code_t mg_reservation_get(void *ud, const char *order_id, orders_reservation_t **out,
                                 orders_error_t *err);
orders_code_t mg_reservation_settle(void *ud, const char *order_id, orders_res_effect_t effect,
                                    int64_t now, orders_error_t *err);
orders_code_t mg_reservations_due(void *ud, int64_t now, int64_t limit,
                                  orders_string_list_t *out, orders_error_t *err);
orders_code_t mg_reservation_counts(void *ud, int64_t from, int64_t to,
                                    orders_res_counts_t *out, orders_error_t *err);

orders_code_t mg_idem_get(void *ud, const char *key, char *order_id, char *hash,
                          orders_error_t *err);
orders_code_t mg_wallet_apply(void *ud, const char *customer_id, const char *currency,
                              int64_t delta, const char *ref, int64_t now, int64_t *balance,
                              orders_error_t *err);
orders_code_t mg_wallet_balance(void *ud, const char *customer_id, const char *currency,
                                int64_t *balance, orders_error_t *err);

orders_code_t mg_outbox_fetch(void *ud, int64_t now, int64_t limit, orders_event_list_t *out,
                              orders_error_t *err);
orders_code_t mg_outbox_ack(void *ud, const char *event_id, bool delivered, bool dead,
                            int64_t next_attempt_at, const char *error, orders_error_t *err);
orders_code_t mg_outbox_counts(void *ud, int64_t *pending, int64_t *dead, orders_error_t *err);
/* Why a write on an outbox event conditioned on its state (want:
 * "pending" or "dead") matched nothing: ORDERS_OK when it is in want now,
 * ORDERS_E_CONFLICT (conflict_msg, one %s: the id) in the other state,
 * ORDERS_E_NOT_FOUND when gone or still held (outbox.c). */
orders_code_t mg_outbox_refusal(mg_store_t *s, mongoc_client_t *c, const char *event_id,
                                const char *want, const char *conflict_msg, const char *what,
                                orders_error_t *err);
orders_code_t mg_outbox_requeue(void *ud, const char *event_id, int64_t now, int64_t limit,
                                int64_t *moved, orders_error_t *err);
orders_code_t mg_history_list(void *ud, const char *order_id, orders_history_list_t *out,
                              orders_error_t *err);
orders_code_t mg_stat_add(void *ud, const char *kind, int64_t at, orders_error_t *err);
orders_code_t mg_stat_count(void *ud, const char *kind, int64_t from, int64_t to, int64_t *out,
                            orders_error_t *err);
orders_code_t mg_lease_take(void *ud, const char *name, const char *owner, int64_t now,
                            int64_t until, bool *held, orders_error_t *err);

/* ---- placement and effects: finishing and undoing (place.c, effect.c) ---------------- */

/* Finishes (committed) or undoes (not committed, after fencing the cart)
 * the placement whose record is doc; *finished tells which. */
orders_code_t mg_place_recover(mg_store_t *s, mongoc_client_t *c, const bson_t *doc,
                               bool *finished, orders_error_t *err);
/* Finishes the effect whose lock the reservation document res holds, or
 * undoes it when it belongs to an order update that never committed.
 * *finished tells which. */
orders_code_t mg_effect_recover(mg_store_t *s, mongoc_client_t *c, const bson_t *res,
                                bool *finished, orders_error_t *err);
/* Fences order order_id against the update of token, then undoes that
 * update (journal dropped, its reservation lock removed) unless it had
 * committed; a committed one is finished when its effects entry is old
 * enough to lease (mg_effect_finish_stale).  *finished: it had committed. */
orders_code_t mg_update_recover(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                const char *token, bool *finished, orders_error_t *err);
/* Takes the lease of order order_id's effects entry of token when it is
 * at least the grace old (*won), then finishes it. */
orders_code_t mg_effect_finish_stale(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                     const char *token, bool *won, orders_error_t *err);
/* Takes the lease of the reservation document res's lock when it is at
 * least the grace old (*acted), then recovers it (mg_effect_recover);
 * *finished as there.  Both may be NULL. */
orders_code_t mg_lock_recover_stale(mg_store_t *s, mongoc_client_t *c, const bson_t *res,
                                    bool *acted, bool *finished, orders_error_t *err);
/* Finishes the committed effect entry {token, at} of order order_id. */
orders_code_t mg_effect_finish_entry(mg_store_t *s, mongoc_client_t *c, const char *order_id,
                                     const char *token, orders_error_t *err);
/* Undoes a standalone reservation whose creation never finished. */
orders_code_t mg_create_recover(mg_store_t *s, mongoc_client_t *c, const bson_t *res,
                                orders_error_t *err);

/* ---- recovery (recover.c) ------------------------------------------------------------ */

/* Finishes wallet entries left pending (misc.c): pending entries older
 * than older_than get their ledger entry and leave the pending list. */
orders_code_t mg_wallet_recover(mg_store_t *s, mongoc_client_t *c, int64_t older_than,
                                int64_t *done, orders_error_t *err);

#endif /* ORDERS_STORE_MONGO_INTERNAL_H */
