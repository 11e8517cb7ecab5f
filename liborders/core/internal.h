/*
 * internal.h - what the core's files share.  Not installed.
 *
 * Internal non-static names use the orders__ prefix.
 */
#ifndef ORDERS_INTERNAL_H
#define ORDERS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <orders/orders.h>

#include "util.h" /* orders__strdup and friends */

/* Bound on optimistic-concurrency retries before a race is reported. */
#define ORDERS__MAX_RETRIES 64
/* Order numbers taken from the store at a time (numbers.c). */
#define ORDERS__NUMBER_BLOCK 100

struct orders_ctx {
    orders_config_t cfg;
    char default_currency[ORDERS_CURRENCY_LEN];

    const orders_store_vtable_t *store;
    void *store_ud;
    orders_free_fn store_free;

    const orders_catalog_vtable_t *catalog;
    void *catalog_ud;
    orders_free_fn catalog_free;

    const orders_customers_vtable_t *customers;
    void *customers_ud;
    orders_free_fn customers_free;

    const orders_gateway_vtable_t *gateway[3];
    void *gateway_ud[3];
    orders_free_fn gateway_free[3];

    const orders_notifier_vtable_t *notifier;
    void *notifier_ud;
    orders_free_fn notifier_free;

    orders_clock_fn clock;
    void *clock_ud;
    orders_idgen_fn idgen;
    void *idgen_ud;
    orders_pricing_fn pricing;
    void *pricing_ud;

    /* order numbers: handed out from blocks of ORDERS__NUMBER_BLOCK taken
     * from the store's "order" sequence, the next block ahead (numbers.c) */
    pthread_mutex_t number_lock;
    pthread_cond_t number_cond;      /* signalled when a block fetch ends */
    int64_t number_next, number_end; /* next to hand out; end of block (exclusive) */
    int64_t number_spare;            /* first number of the block taken ahead, or 0 */
    bool number_fetching;            /* a thread is taking a block from the store */

    /* default id generator state */
    unsigned char id_random[5];
    atomic_uint_fast32_t id_counter;
    /* jitter source for outbox backoff */
    atomic_uint_fast64_t rng;
    /* this context's name as a lease owner (outbox.c): random hex */
    char instance[32];
};

/* ---- small helpers (util.c / context.c) ---- */
/* Validates an id: non-empty, at most ORDERS_ID_MAX bytes, valid UTF-8. */
orders_code_t orders__check_id(const char *id, const char *field, orders_error_t *err);
/* A new id (the context's id generator, or an ObjectId-like default). */
void orders__new_id(orders_ctx_t *ctx, char out[ORDERS_ID_MAX + 1]);
/* The next order sequence number of this context (numbers.c); a store
 * error when a block of numbers cannot be taken. */
orders_code_t orders__next_order_seq(orders_ctx_t *ctx, int64_t *seq, orders_error_t *err);
/* The same with the caller's clock reading now (ms), for a caller making
 * several ids at one moment: the default id embeds now's seconds. */
void orders__new_id_at(orders_ctx_t *ctx, int64_t now, char out[ORDERS_ID_MAX + 1]);
/*
 * The id of event number `index` of the step that writes `version` of
 * order_id: "ORDERID:VERSION.INDEX".  Unique, since an order's versions are
 * written once each; stable, since it names what the event is about; and a
 * store can find the event through its order (memory_outbox.c).  An order id
 * too long for that gets a fresh id (orders__new_id_at) instead.
 */
void orders__step_event_id(orders_ctx_t *ctx, const char *order_id, int64_t version,
                           size_t index, int64_t now, char out[ORDERS_ID_MAX + 1]);
uint64_t orders__random(orders_ctx_t *ctx);
orders_code_t orders__nomem(orders_error_t *err);
/* Replaces *slot with a copy of s (NULL allowed); false when memory runs out. */
bool orders__set_str(char **slot, const char *s);

/* ---- orders: the shared read-check-write loop (mutate.c) ---- */

#define ORDERS__MAX_CHANGE_RECORDS 8

/* One pending change to an order, built by a mutator and written atomically. */
typedef struct orders__change {
    orders_order_t *order;                 /* working copy: the mutator edits it */
    orders_res_effect_t effect;
    int64_t now;
    const char *actor;
    orders_event_t *events[ORDERS__MAX_CHANGE_RECORDS];
    size_t event_count;
    orders_history_t *history[ORDERS__MAX_CHANGE_RECORDS];
    size_t history_count;
    bool unchanged;                        /* the mutator found nothing to do */
} orders__change_t;

/* Validates and edits ch->order; may set ch->effect, add events and history,
 * or set ch->unchanged.  Runs again on a fresh copy when a race is lost. */
typedef orders_code_t (*orders__mutator_fn)(orders_ctx_t *ctx, orders__change_t *ch, void *ud,
                                           orders_error_t *err);

/*
 * Reads order id (customer_scope: NULL or the only customer allowed to see
 * it), checks expected_version (ORDERS_ANY_VERSION: any), lets fn edit a
 * copy, and writes it with the effect, events and history in one store
 * update.  A lost race re-reads and runs fn again; a refusal that is not a
 * race is returned.  *out (may be NULL) gets the order as written, also
 * when the change was committed but the remote catalog's give-back then
 * failed (the code is that failure's): free *out whenever it is set.
 */
orders_code_t orders__order_mutate(orders_ctx_t *ctx, const char *id, const char *customer_scope,
                                   int64_t expected_version, const char *actor,
                                   orders__mutator_fn fn, void *ud, orders_order_t **out,
                                   orders_error_t *err);

/* New outbox event (with id) / history entry; NULL when memory runs out. */
orders_event_t *orders__event_new(const char *id, const char *order_id, int64_t now,
                                  orders_event_type_t type, const char *recipient,
                                  const char *old_status, const char *new_status,
                                  const orders_money_t *amount, const char *detail);
orders_history_t *orders__history_new(const char *order_id, int64_t now, const char *actor,
                                      const char *from, const char *to, const char *note);

/* Adds an event / history entry to ch; false when memory runs out or the
 * change is full. */
bool orders__change_event(orders_ctx_t *ctx, orders__change_t *ch, orders_event_type_t type,
                          const char *recipient, const char *old_status, const char *new_status,
                          const orders_money_t *amount, const char *detail);
bool orders__change_history(orders__change_t *ch, const char *from, const char *to,
                            const char *note);

/* Moves ch->order to `to` under the status machine: timestamp, item and
 * seller statuses, history (with note) and an order_status_changed event.
 * Picks no reservation effect; callers set ch->effect. */
orders_code_t orders__transition(orders_ctx_t *ctx, orders__change_t *ch, orders_status_t to,
                                 const char *note, orders_error_t *err);

/* Calls the remote catalog (if any) after a committed reservation effect. */
orders_code_t orders__catalog_follow(orders_ctx_t *ctx, const char *order_id,
                                     orders_res_effect_t effect, orders_error_t *err);

/* Cancels a pending order whose reservation is past its deadline (the
 * EXPIRE effect), voiding a pending online payment.  Used by the sweep and
 * by payments that lose the race to the deadline. */
orders_code_t orders__expire_order(orders_ctx_t *ctx, const char *id, int64_t now,
                                   orders_order_t **out, orders_error_t *err);

/* Gives back money that reached the gateway for an order that ended
 * (cancelled or failed) before recording it as paid: asks the gateway
 * (known_txn: an approval already in hand), refunds what was taken and
 * marks the order refunded, or voids a payment still pending. */
orders_code_t orders__return_stray_payment(orders_ctx_t *ctx, const char *id, const char *known_txn,
                                           orders_error_t *err);

/* The idempotency key of a gateway operation: "OP:ORDERID" ("pay",
 * "capture", "void"), truncated to len. */
void orders__pay_key(char *buf, size_t len, const char *op, const char *order_id);

/* orders_payment_complete with the transition's history note (NULL: the
 * default) and *applied (may be NULL): true when this call settled the
 * order, false when it was settled already (the same way, by a racing
 * caller, or not at all on a failure).  For gateway notifications
 * (gateway/webhook.c). */
orders_code_t orders__payment_report(orders_ctx_t *ctx, const char *id, bool success,
                                    const char *txn_id, const char *note, bool *applied,
                                    orders_order_t **out, orders_error_t *err);

/* True when o's total is 0 (a discount took all of it): such an order is
 * confirmed and paid without a gateway, at placement or on /pay. */
bool orders__nothing_to_pay(const orders_order_t *o);

/* Runs the gateway of pending order o (read by the caller: placement has it
 * in hand, /pay reads it) and applies the answer; an order with nothing to
 * pay is approved without asking a gateway. */
orders_code_t orders__payment_run(orders_ctx_t *ctx, const orders_order_t *o, const char *scope,
                                  orders_order_t **out, orders_error_t *err);

/* The split rule (seller.h) without allocating: parts has room for
 * o->item_count entries; each part's seller_id is borrowed from o and its
 * item_indexes is NULL (item_count still counts its items). */
void orders__split_totals(const orders_order_t *o, orders_seller_part_t *parts, size_t *count);

/* Records one analytics occurrence; failures are ignored (best effort). */
void orders__stat(orders_ctx_t *ctx, const char *kind);

/* ---- batch product reads (catalog_read.c) ---- */

/* What the catalog knows of n ids (n >= 1), through its products_get when
 * it has one (version 2), else one product_get and stock_available per id:
 * see orders_catalog_vtable_t.products_get for the meaning of out. */
orders_code_t orders__catalog_products(const orders_catalog_vtable_t *vt, void *ud,
                                       const char *const *ids, size_t n,
                                       orders_product_avail_t *out, orders_error_t *err);
/* The per-id fallback of orders__catalog_products, over vt's version-1
 * members only (a products_get may use it for itself). */
orders_code_t orders__catalog_products_each(const orders_catalog_vtable_t *vt, void *ud,
                                            const char *const *ids, size_t n,
                                            orders_product_avail_t *out, orders_error_t *err);

/* Does the registered catalog hold stock outside the store (a Products
 * service), so that reservations are made and settled remotely? */
static inline bool orders__catalog_remote(const orders_ctx_t *ctx)
{
    return !(ctx->catalog->flags & ORDERS_CATALOG_IN_STORE);
}

/* The gateway registered for a method, or NULL. */
const orders_gateway_vtable_t *orders__gateway(orders_ctx_t *ctx, orders_payment_method_t m,
                                               void **ud);

#endif /* ORDERS_INTERNAL_H */
