/*
 * draft.h - what a placement writes, built ahead of the atomic store step.
 *
 * Every record of a draft lives in the draft's arena (arena.h): built with
 * a handful of allocations and freed at once by orders__draft_clear.  The
 * records are read-only views: the store copies what it keeps.  Strings are
 * not copied when they already live long enough: they point into the cart
 * and products the draft holds, or into the caller's input (customer,
 * address, request, actor), which must outlive the draft.
 */
#ifndef ORDERS_CORE_DRAFT_H
#define ORDERS_CORE_DRAFT_H

#include "internal.h"
#include "arena.h"

typedef struct orders__draft {
    orders__arena_t arena;
    orders_cart_t *cart;              /* the cart as read: orders_cart_free */
    orders_product_t **products;      /* arena array of catalog reads: orders_product_free */
    size_t product_count;
    orders_order_t *order;            /* arena */
    orders_reservation_t *res;        /* arena */
    orders_cart_t *cleared;           /* arena */
    orders_event_t **events;          /* arena */
    size_t event_count;
    orders_history_t *history[2];     /* arena: placed, then accepted */
    size_t history_count;
} orders__draft_t;

/* What the draft is built from; all borrowed, and the draft keeps pointing
 * into them: they must outlive it. */
typedef struct orders__draft_input {
    const orders_customer_t *customer;
    const orders_address_t *address;
    const orders_place_request_t *req;
    const char *actor;
    int64_t now;
} orders__draft_input_t;

/*
 * Builds the order (re-priced and stock-checked through the catalog), its
 * reservation, events, history entry and the cleared cart for d->cart,
 * which the caller has read.  ORDERS_E_OUT_OF_STOCK carries the contract's
 * "Some items are not available: ..." message.
 */
orders_code_t orders__draft_build(orders_ctx_t *ctx, orders__draft_t *d,
                                  const orders__draft_input_t *in, orders_error_t *err);

/*
 * Turns a built draft into an order whose payment was accepted at once
 * (cash on delivery, or nothing to pay; paid when money_taken or the total
 * is 0): confirmed, its items and sellers confirmed, the
 * reservation confirmed (the store then sells the stock at once), plus the
 * pending -> confirmed history entry and order_status_changed event that
 * the separate confirmation would have written.
 */
orders_code_t orders__draft_accept(orders_ctx_t *ctx, orders__draft_t *d, const char *txn_id,
                                   bool money_taken, int64_t now, orders_error_t *err);

/* Frees everything the draft holds; it is empty and reusable afterwards. */
void orders__draft_clear(orders__draft_t *d);

#endif
