/*
 * orders/store.h - the storage plugin interface (version 5).
 *
 * A store keeps products and stock, carts, orders, reservations, the outbox,
 * history, idempotency keys, wallets, sequences and analytics counters.  The
 * interface is domain-level: each operation is one atomic step as seen by
 * every other caller in any thread or process, and the stock invariant
 *     available + reserved + sold == stocked - adjusted
 * holds at every instant a reader can observe.  How a backend gets there is
 * its own business (memory: a lock; SQLite: one transaction; MongoDB:
 * conditional single-document writes plus a recovery record).  The storage
 * conformance suite under tests/conformance/ is the written form of this
 * contract: a backend is correct when it passes it unchanged.
 *
 * Conventions for every operation:
 *   - `ud` is the userdata registered with the vtable; the core never
 *     touches it otherwise.
 *   - Returns ORDERS_OK or a code, and fills err (may be NULL) on failure.
 *   - Inputs are borrowed for the call only; the store copies what it keeps.
 *   - Outputs returned through `**out` are new heap records the caller frees
 *     (orders_*_free from types.h); list outputs are appended to a list the
 *     caller passed in empty and clears.
 *   - ORDERS_E_NOT_FOUND when the named record does not exist.
 *   - Every operation may be called from many threads at once.
 *
 * Versioning: new members are only appended, and `version` is raised when
 * they are.  The core checks `vt->version >= N` before calling a member added
 * in version N.  Every member of version 1 is required:
 * orders_ctx_set_store refuses a vtable with a NULL member.
 */
#ifndef ORDERS_STORE_H
#define ORDERS_STORE_H

#include <orders/types.h>
#include <orders/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ORDERS_STORE_VERSION 5

/* What happens to an order's reservation (and to stock, when the reservation
 * has local_stock) in the same atomic step as an order update. */
typedef enum orders_res_effect {
    ORDERS_RES_EFFECT_NONE = 0,
    ORDERS_RES_EFFECT_CONFIRM,  /* active -> confirmed: reserved -= q, sold += q.
                                   Refused with ORDERS_E_EXPIRED when now >=
                                   expires_at, and ORDERS_E_CONFLICT unless active. */
    ORDERS_RES_EFFECT_RELEASE,  /* active -> cancelled: reserved -= q, available += q */
    ORDERS_RES_EFFECT_EXPIRE,   /* active -> expired:   reserved -= q, available += q.
                                   ORDERS_E_CONFLICT unless active and now >= expires_at. */
    ORDERS_RES_EFFECT_RETURN    /* confirmed -> cancelled: sold -= q, available += q */
} orders_res_effect_t;

/* One delivery attempt to record (outbox_ack_many): the arguments of one
 * outbox_ack call. */
typedef struct orders_outbox_ack {
    const char *event_id;
    bool delivered;
    bool dead;
    int64_t next_attempt_at;
    const char *error;          /* NULL when delivered */
} orders_outbox_ack_t;

/* How stock_change changes a product's stock. */
typedef enum orders_stock_op {
    ORDERS_STOCK_SET_AVAILABLE = 0, /* available := value (>= 0); a rise counts as
                                       stocked, a fall as adjusted */
    ORDERS_STOCK_ADJUST             /* available += value; positive is stocked,
                                       negative adjusted; never below zero:
                                       ORDERS_E_CONFLICT */
} orders_stock_op_t;

/* Filter and page for order lists.  NULL/absent fields do not filter. */
typedef struct orders_order_filter {
    const char *customer_id;     /* only this customer's orders */
    const char *seller_id;       /* only orders with an item of this seller */
    bool has_status;
    orders_status_t status;
    int64_t offset;              /* records to skip */
    int64_t limit;               /* at most this many; > 0 */
} orders_order_filter_t;

/*
 * Placement: everything below happens whole or not at all.
 *   1. If idem_key is set and known: with the same idem_hash, nothing is
 *      written and result->replayed_order_id names the first order
 *      (ORDERS_OK); with another hash, ORDERS_E_IDEMPOTENCY.
 *   2. The customer's cart must exist at version cart_version, else
 *      ORDERS_E_CONFLICT.
 *   3. If reservation->local_stock, every line is held in the store's
 *      stock, all or none: an ACTIVE reservation moves available -> reserved;
 *      a CONFIRMED one (a placement whose payment was accepted at once, such
 *      as cash on delivery) moves available -> sold.  A short line is
 *      ORDERS_E_OUT_OF_STOCK with result->short_product_id and
 *      result->short_available set.
 *   4. order (version 1, unique id and order_number: a duplicate is
 *      ORDERS_E_CONFLICT) and reservation are inserted.
 *   5. The cart is replaced by cleared_cart (same customer, no lines,
 *      version cart_version + 1).
 *   6. events go to the outbox and history is appended.
 *   7. idem_key, if set, is recorded with idem_hash and the order id.
 */
typedef struct orders_place_tx {
    const orders_order_t *order;
    const orders_reservation_t *reservation;
    int64_t cart_version;
    const orders_cart_t *cleared_cart;
    const orders_event_t *const *events;
    size_t event_count;
    const orders_history_t *const *history;
    size_t history_count;
    const char *idem_key;        /* optional */
    const char *idem_hash;       /* required with idem_key */
} orders_place_tx_t;

typedef struct orders_place_result {
    char replayed_order_id[ORDERS_ID_MAX + 1]; /* "" unless an idempotent replay */
    char short_product_id[ORDERS_ID_MAX + 1];  /* set with ORDERS_E_OUT_OF_STOCK */
    int64_t short_available;
} orders_place_result_t;

/*
 * Order update: whole or not at all.
 *   1. The stored order (order->id) must be at expected_version, else
 *      ORDERS_E_CONFLICT; it is replaced by `order`, whose version must be
 *      expected_version + 1.
 *   2. effect is applied to the order's reservation, at time now (see
 *      orders_res_effect_t); a refused effect refuses the whole update.
 *   3. events go to the outbox and history is appended.
 */
typedef struct orders_update_tx {
    const orders_order_t *order;
    int64_t expected_version;
    orders_res_effect_t effect;
    int64_t now;
    const orders_event_t *const *events;
    size_t event_count;
    const orders_history_t *const *history;
    size_t history_count;
} orders_update_tx_t;

/* Reservation counts by final status, over reservations updated in a range. */
typedef struct orders_res_counts {
    int64_t active;
    int64_t confirmed;
    int64_t expired;
    int64_t cancelled;
} orders_res_counts_t;

typedef int (*orders_order_visit_fn)(void *visit_ud, const orders_order_t *order);

typedef struct orders_store_vtable {
    int version;                 /* ORDERS_STORE_VERSION the backend was built for */
    const char *name;            /* "memory", "sqlite", ... */

    /* -- products and stock (the local catalog lives here) -- */
    /* Inserts or replaces p.  create_only: an existing id is ORDERS_E_CONFLICT.
     * A new product starts with all stock counts 0. */
    orders_code_t (*product_put)(void *ud, const orders_product_t *p, bool create_only,
                                 orders_error_t *err);
    orders_code_t (*product_get)(void *ud, const char *id, orders_product_t **out,
                                 orders_error_t *err);
    /* Products of seller_id (all when NULL), ordered by id, paged. */
    orders_code_t (*product_list)(void *ud, const char *seller_id, int64_t offset, int64_t limit,
                                  orders_product_list_t *out, orders_error_t *err);
    orders_code_t (*stock_get)(void *ud, const char *product_id, orders_stock_t *out,
                               orders_error_t *err);
    /* Changes stock atomically; *out (may be NULL) receives the new levels. */
    orders_code_t (*stock_change)(void *ud, const char *product_id, orders_stock_op_t op,
                                  int64_t value, orders_stock_t *out, orders_error_t *err);

    /* -- carts: one per customer -- */
    orders_code_t (*cart_get)(void *ud, const char *customer_id, orders_cart_t **out,
                              orders_error_t *err);
    /* Writes cart if the stored one is at expected_version (0: none must
     * exist), else ORDERS_E_CONFLICT.  cart->version is expected_version + 1. */
    orders_code_t (*cart_put)(void *ud, const orders_cart_t *cart, int64_t expected_version,
                              orders_error_t *err);
    /* Deletes every cart with expires_at <= now; *purged counts them. */
    orders_code_t (*cart_purge)(void *ud, int64_t now, int64_t *purged, orders_error_t *err);

    /* -- orders -- */
    orders_code_t (*place)(void *ud, const orders_place_tx_t *tx, orders_place_result_t *result,
                           orders_error_t *err);
    orders_code_t (*order_update)(void *ud, const orders_update_tx_t *tx, orders_error_t *err);
    orders_code_t (*order_get)(void *ud, const char *id, orders_order_t **out,
                               orders_error_t *err);
    orders_code_t (*order_get_by_number)(void *ud, const char *order_number,
                                         orders_order_t **out, orders_error_t *err);
    /* Matching orders, newest first (created_at, then id, descending), with
     * out->total counting every match. */
    orders_code_t (*order_list)(void *ud, const orders_order_filter_t *filter,
                                orders_order_list_t *out, orders_error_t *err);
    /* Calls visit for every order with from <= placed_at < to, in no set
     * order; a non-zero return from visit stops the scan. */
    orders_code_t (*order_scan)(void *ud, int64_t from, int64_t to, orders_order_visit_fn visit,
                                void *visit_ud, orders_error_t *err);
    /* Next value of a named counter, starting at 1, unique across processes. */
    orders_code_t (*sequence_next)(void *ud, const char *name, int64_t *out,
                                   orders_error_t *err);

    /* -- reservations -- */
    /* Inserts a reservation not tied to a placement (the inventory routes).
     * With r->local_stock, reserves every line, all or none
     * (ORDERS_E_OUT_OF_STOCK, err->field = the short product id).  A second
     * reservation for the same order id is ORDERS_E_CONFLICT. */
    orders_code_t (*reservation_create)(void *ud, const orders_reservation_t *r,
                                        orders_error_t *err);
    orders_code_t (*reservation_get)(void *ud, const char *order_id,
                                     orders_reservation_t **out, orders_error_t *err);
    /* Applies effect to the reservation of order_id alone (no order update). */
    orders_code_t (*reservation_settle)(void *ud, const char *order_id, orders_res_effect_t effect,
                                        int64_t now, orders_error_t *err);
    /* Order ids of active reservations with expires_at <= now, earliest
     * first, at most limit. */
    orders_code_t (*reservations_due)(void *ud, int64_t now, int64_t limit,
                                      orders_string_list_t *out, orders_error_t *err);
    /* Counts by status of reservations with from <= updated_at < to. */
    orders_code_t (*reservation_counts)(void *ud, int64_t from, int64_t to,
                                        orders_res_counts_t *out, orders_error_t *err);

    /* -- idempotency -- */
    /* The order id recorded for key with its hash; ORDERS_E_NOT_FOUND if none.
     * order_id and hash are buffers of ORDERS_ID_MAX + 1 bytes. */
    orders_code_t (*idem_get)(void *ud, const char *key, char *order_id, char *hash,
                              orders_error_t *err);

    /* -- wallet ledger -- */
    /* Adds delta (negative: a debit) to the customer's balance in currency.
     * Idempotent per ref: a ref already applied changes nothing and returns
     * ORDERS_OK with the current balance.  A debit that would make the balance
     * negative is ORDERS_E_INSUFFICIENT_FUNDS.  *balance (may be NULL) gets
     * the balance after. */
    orders_code_t (*wallet_apply)(void *ud, const char *customer_id, const char *currency,
                                  int64_t delta, const char *ref, int64_t now, int64_t *balance,
                                  orders_error_t *err);
    /* Balance (0 when the customer has none in that currency). */
    orders_code_t (*wallet_balance)(void *ud, const char *customer_id, const char *currency,
                                    int64_t *balance, orders_error_t *err);

    /* -- outbox -- */
    /* Undelivered, non-dead events with next_attempt_at <= now, oldest first. */
    orders_code_t (*outbox_fetch)(void *ud, int64_t now, int64_t limit, orders_event_list_t *out,
                                  orders_error_t *err);
    /* Records a delivery attempt: delivered removes the event from the
     * pending set; otherwise attempts += 1, next_attempt_at and last_error
     * are set, and dead moves it to the dead letters. */
    orders_code_t (*outbox_ack)(void *ud, const char *event_id, bool delivered, bool dead,
                                int64_t next_attempt_at, const char *error, orders_error_t *err);
    /* Pending (not delivered, not dead) and dead event counts. */
    orders_code_t (*outbox_counts)(void *ud, int64_t *pending, int64_t *dead,
                                   orders_error_t *err);

    /* -- history -- */
    /* Entries of order_id, oldest first (an unknown order gives none). */
    orders_code_t (*history_list)(void *ud, const char *order_id, orders_history_list_t *out,
                                  orders_error_t *err);

    /* -- analytics counters -- */
    /* Records one occurrence of kind ("cart_created", "out_of_stock",
     * "reservation_conflict") at time at. */
    orders_code_t (*stat_add)(void *ud, const char *kind, int64_t at, orders_error_t *err);
    /* Occurrences of kind with from <= at < to. */
    orders_code_t (*stat_count)(void *ud, const char *kind, int64_t from, int64_t to,
                                int64_t *out, orders_error_t *err);

    /* ---- added in version 2; optional (NULL, or a version-1 vtable: the
     * core calls product_get and stock_get once per id instead) ---- */

    /* The products ids[0..n) and their available stock, read as one
     * snapshot: out[i].product is a copy of product ids[i], or NULL when it
     * does not exist (not an error; available is then 0).  Inactive
     * products are returned like active ones.  ORDERS_E_INVALID for a NULL
     * ids, id or out; on any failure no out[i] holds a product.  n == 0
     * succeeds and reads nothing. */
    orders_code_t (*products_read)(void *ud, const char *const *ids, size_t n,
                                   orders_product_avail_t *out, orders_error_t *err);

    /* ---- added in version 3; optional (NULL, or an older vtable: the core
     * reads the whole order instead) ---- */

    /* The version and customer of order id, without reading the rest of
     * it: customer_id is a buffer of ORDERS_ID_MAX + 1 bytes.
     * ORDERS_E_NOT_FOUND when there is no such order. */
    orders_code_t (*order_version)(void *ud, const char *id, int64_t *version,
                                   char *customer_id, orders_error_t *err);

    /* ---- added in version 4; optional (NULL, or an older vtable: the
     * core calls outbox_ack once per event) ---- */

    /* Records the delivery attempts acks[0..n) in one atomic step (with
     * SQLite, one commit for all of them instead of one each).  Each ack
     * means what outbox_ack means; results[i] receives ack i's own code, so
     * an event that is gone or dead (ORDERS_E_NOT_FOUND, ORDERS_E_CONFLICT)
     * refuses only its own ack.  Returns ORDERS_OK when the step was
     * applied, refusals included; any other code means nothing was recorded
     * (results are then unspecified).  ORDERS_E_INVALID for NULL acks,
     * results or event_id.  n == 0 succeeds and writes nothing. */
    orders_code_t (*outbox_ack_many)(void *ud, const orders_outbox_ack_t *acks, size_t n,
                                     orders_code_t *results, orders_error_t *err);

    /* ---- added in version 5; optional (NULL, or an older vtable:
     * orders_outbox_requeue is ORDERS_E_UNSUPPORTED) ---- */

    /* Moves dead letters back to the pending set, for an operator once the
     * receiver is fixed.  Each event moved keeps its id and every field of
     * its payload (created_at included) and its last_error (the reason it
     * died, until a new attempt replaces it); attempts becomes 0 and
     * next_attempt_at becomes now, so the next outbox_fetch at or after now
     * returns it and the dispatcher gives it outbox_max_attempts fresh
     * tries.
     *   - event_id NULL: up to limit dead letters (limit >= 1), oldest
     *     first by created_at, then id (byte order).  None dead is not an
     *     error (*moved = 0).
     *   - event_id set: that event only (limit is then ignored):
     *     ORDERS_E_NOT_FOUND when no event has that id (delivered events
     *     are gone, and an event of a step not yet committed is not in
     *     the outbox yet), ORDERS_E_CONFLICT when it exists and is not
     *     dead (pending).
     * *moved (may be NULL) receives how many events moved, also when the
     * call fails after moving some.  Each move is atomic and durable like
     * outbox_ack: memory and SQLite move every event of the call in one
     * step (one transaction) or none; MongoDB moves each with its own
     * conditional single-document write, so a failure there may come
     * after some moved.  A dead letter is moved once even when calls race.
     * ORDERS_E_INVALID for limit < 1 with a NULL event_id. */
    orders_code_t (*outbox_requeue)(void *ud, const char *event_id, int64_t now, int64_t limit,
                                    int64_t *moved, orders_error_t *err);

    /* Takes or renews the named lease (name and owner: 1..ORDERS_ID_MAX
     * bytes) for owner until `until` (> now), in one atomic step, when it
     * is free, expired (its until <= now), or already owner's; otherwise
     * leaves it as it is.  *held (required) is true when owner holds it
     * after the call.  Of any number of processes calling at once, at most
     * one holds an unexpired lease.  The outbox dispatcher takes the lease
     * "outbox" before each batch, so that servers sharing a store do not
     * deliver the same events at the same time.  ORDERS_E_INVALID for a
     * bad name, owner or until <= now.  (Even the memory store keeps the
     * full rule: several contexts of one process may share it.) */
    orders_code_t (*lease_take)(void *ud, const char *name, const char *owner, int64_t now,
                                int64_t until, bool *held, orders_error_t *err);
} orders_store_vtable_t;

/* Built-in: a store kept in process memory under one lock.  Nothing
 * survives orders_ctx_destroy.  Returns the vtable; *ud receives a new
 * store freed by orders_store_memory_free (NULL on ORDERS_E_NOMEM). */
const orders_store_vtable_t *orders_store_memory_vtable(void);
orders_code_t orders_store_memory_new(void **ud, orders_error_t *err);
void orders_store_memory_free(void *ud);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_STORE_H */
