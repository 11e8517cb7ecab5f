/*
 * store_check.h - the storage contract's input checks and pure rules,
 * shared by every store backend (memory, SQLite, MongoDB ...).  Not
 * installed.
 *
 * Each function looks only at its arguments (never at stored state), so a
 * backend calls it before it locks or opens a transaction.  Every one
 * returns ORDERS_OK or the code store.h names for the refusal, and fills
 * err (may be NULL) with the field and message the conformance suite
 * expects.  All of them may be called from any thread.
 */
#ifndef ORDERS_CORE_STORE_CHECK_H
#define ORDERS_CORE_STORE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <orders/store.h>

/* ---- stock moves ------------------------------------------------------------------- */

/* Which stock counts units move between, for a reservation's lines. */
typedef enum orders__move {
    ORDERS__MOVE_RESERVE, /* available -> reserved */
    ORDERS__MOVE_SELL,    /* available -> sold (a placement accepted at once) */
    ORDERS__MOVE_CONFIRM, /* reserved  -> sold */
    ORDERS__MOVE_RELEASE, /* reserved  -> available */
    ORDERS__MOVE_RETURN   /* sold      -> available */
} orders__move_t;

/* A new reservation holds its stock (active) or, when its payment was
 * accepted at once (confirmed), sells it. */
orders__move_t orders__place_move(const orders_reservation_t *r);
/* The move of an effect orders__check_effect accepted (RELEASE and EXPIRE
 * release). */
orders__move_t orders__effect_move(orders_res_effect_t effect);

/* ---- products --------------------------------------------------------------------- */

/* The arguments of products_read (store.h): ids and each id present, out
 * present (n == 0 needs neither).  Empties out[0..n) first when out is
 * given, so that a refusal leaves no product behind. */
orders_code_t orders__check_products_read(const char *const *ids, size_t n,
                                          orders_product_avail_t *out, orders_error_t *err);
/* The arguments of outbox_ack_many (store.h): acks, results and every
 * event id present (n == 0 needs none of them). */
orders_code_t orders__check_acks(const orders_outbox_ack_t *acks, size_t n,
                                 const orders_code_t *results, orders_error_t *err);
/* Frees the products of out[0..n) and empties the entries. */
void orders__products_avail_clear(orders_product_avail_t *out, size_t n);

/* ---- orders --------------------------------------------------------------------- */

/* The shape of a placement (store.h "Placement"): order id, number and
 * customer id valid, version 1, the order's arrays present, a cleared cart
 * of the same customer at cart_version + 1, a reservation for the same
 * order (active or confirmed when it holds stock), an idempotency key of
 * 1..ORDERS_ID_MAX bytes with a hash of at most ORDERS_ID_MAX bytes, and
 * the journal (orders__check_journal). */
orders_code_t orders__check_place_tx(const orders_place_tx_t *tx, orders_error_t *err);
/* How every backend's place starts: clears result's fields (the replayed
 * order id, the short product and its count) and checks tx as above. */
orders_code_t orders__check_place_start(const orders_place_tx_t *tx,
                                        orders_place_result_t *result, orders_error_t *err);

/* The shape of an order update: an order with an id, version
 * expected_version + 1 (expected_version >= 1), its arrays present, and the
 * journal (orders__check_journal). */
orders_code_t orders__check_update_tx(const orders_update_tx_t *tx, orders_error_t *err);

/* A step's outbox events and history: the arrays present, event ids valid
 * (ORDERS_E_INVALID) and distinct (ORDERS_E_CONFLICT), history order ids
 * valid. */
orders_code_t orders__check_journal(const orders_event_t *const *events, size_t ne,
                                    const orders_history_t *const *history, size_t nh,
                                    orders_error_t *err);

/* order_list's filter and output: both present, offset >= 0, limit >= 1. */
orders_code_t orders__check_order_filter(const orders_order_filter_t *f,
                                         const orders_order_list_t *out, orders_error_t *err);

/* ---- products and stock ------------------------------------------------------------- */

/* product_put: a product with a valid id. */
orders_code_t orders__check_product(const orders_product_t *p, orders_error_t *err);

/* A page of a list: out present (field "out"), offset >= 0, limit >= 1. */
orders_code_t orders__check_page(const void *out, int64_t offset, int64_t limit,
                                 orders_error_t *err);

/* stock_change's rule (store.h orders_stock_op_t): the stock of product id
 * after op/value into *next, or the refusal (ORDERS_E_INVALID,
 * ORDERS_E_CONFLICT or ORDERS_E_OVERFLOW). */
orders_code_t orders__check_stock_next(const char *id, const orders_stock_t *s,
                                       orders_stock_op_t op, int64_t value, orders_stock_t *next,
                                       orders_error_t *err);

/* ---- carts ----------------------------------------------------------------------------- */

/* cart_put: a cart with a valid customer id at version expected_version + 1
 * (expected_version >= 0). */
orders_code_t orders__check_cart_put(const orders_cart_t *cart, int64_t expected_version,
                                     orders_error_t *err);

/* ---- reservations ------------------------------------------------------------------------ */

/* reservation_create: a valid order id, its lines present, and active when
 * it holds stock. */
orders_code_t orders__check_res_create(const orders_reservation_t *r, orders_error_t *err);

/* Every line names a product and has quantity >= 1 (ORDERS_E_INVALID,
 * field "product_id" or "quantity"). */
orders_code_t orders__check_res_lines(const orders_reservation_line_t *lines, size_t n,
                                      orders_error_t *err);

/* Whether effect may apply to r at now (store.h orders_res_effect_t);
 * *to gets the status r moves to (r->status for ORDERS_RES_EFFECT_NONE). */
orders_code_t orders__check_effect(const orders_reservation_t *r, orders_res_effect_t effect,
                                   int64_t now, orders_reservation_status_t *to,
                                   orders_error_t *err);

/* ---- wallets ------------------------------------------------------------------------------- */

/* A valid customer id and a three-letter upper-case currency. */
orders_code_t orders__check_wallet(const char *customer_id, const char *currency,
                                   orders_error_t *err);

/* wallet_apply's rule: the balance after adding delta to balance, or
 * ORDERS_E_OVERFLOW / ORDERS_E_INSUFFICIENT_FUNDS. */
orders_code_t orders__check_wallet_next(int64_t balance, int64_t delta, const char *currency,
                                        int64_t *next, orders_error_t *err);

/* ---- leases ------------------------------------------------------------------------------- */

/* lease_take's arguments (store.h): name and owner valid ids, held
 * present, until > now; ORDERS_E_INVALID otherwise. */
orders_code_t orders__check_lease(const char *name, const char *owner, int64_t now,
                                  int64_t until, const bool *held, orders_error_t *err);

#endif /* ORDERS_CORE_STORE_CHECK_H */
