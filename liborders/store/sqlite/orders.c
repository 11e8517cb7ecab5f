/*
 * orders.c - the SQLite store's placement and order update.
 *
 * Each is ONE write transaction (BEGIN IMMEDIATE ... COMMIT) that follows
 * store.h's numbered steps in order and returns at the first refusal, which
 * rolls everything back: stock taken by earlier lines, rows inserted, the
 * cart, events and history.  An order is written as its row plus child rows
 * (items, seller statuses, and its (seller, created_at) index rows); an
 * update replaces all of them.
 */
#include "store/sqlite/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing an order ------------------------------------------------------------------ */

static bool bind_order(sqlite3_stmt *st, const orders_order_t *o)
{
    const orders_address_t *a = &o->shipping_address;
    return orders__sq_bind_text(st, 1, o->id) && orders__sq_bind_text(st, 2, o->order_number) &&
           orders__sq_bind_text(st, 3, o->customer_id) &&
           orders__sq_bind_text(st, 4, o->customer_name) &&
           orders__sq_bind_text(st, 5, o->customer_email) &&
           orders__sq_bind_money(st, 6, &o->subtotal) && orders__sq_bind_money(st, 8, &o->tax) &&
           orders__sq_bind_money(st, 10, &o->shipping_fee) &&
           orders__sq_bind_money(st, 12, &o->discount) &&
           orders__sq_bind_money(st, 14, &o->total_amount) &&
           orders__sq_bind_text(st, 16, orders_status_name(o->status)) &&
           orders__sq_bind_text(st, 17, orders_payment_method_name(o->payment_method)) &&
           orders__sq_bind_text(st, 18, orders_payment_status_name(o->payment_status)) &&
           orders__sq_bind_text(st, 19, o->payment_ref) &&
           orders__sq_bind_text(st, 20, a->address_line1) &&
           orders__sq_bind_text(st, 21, a->address_line2) && orders__sq_bind_text(st, 22, a->city) &&
           orders__sq_bind_text(st, 23, a->state) && orders__sq_bind_text(st, 24, a->country) &&
           orders__sq_bind_text(st, 25, a->postal_code) &&
           orders__sq_bind_text(st, 26, a->contact_name) &&
           orders__sq_bind_text(st, 27, a->contact_phone) &&
           orders__sq_bind_i64(st, 28, o->placed_at) && orders__sq_bind_i64(st, 29, o->confirmed_at) &&
           orders__sq_bind_i64(st, 30, o->processing_at) &&
           orders__sq_bind_i64(st, 31, o->shipped_at) &&
           orders__sq_bind_i64(st, 32, o->delivered_at) &&
           orders__sq_bind_i64(st, 33, o->cancelled_at) && orders__sq_bind_text(st, 34, o->notes) &&
           orders__sq_bind_text(st, 35, o->cancel_reason) &&
           orders__sq_bind_money(st, 36, &o->refund_amount) &&
           orders__sq_bind_i64(st, 38, o->reservation_expiry) &&
           orders__sq_bind_i64(st, 39, o->version) && orders__sq_bind_i64(st, 40, o->created_at) &&
           orders__sq_bind_i64(st, 41, o->updated_at);
}

static orders_code_t item_write(orders__sq_conn_t *c, const orders_order_t *o, size_t i,
                                orders_error_t *err)
{
    const orders_order_item_t *it = &o->items[i];
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_ORDER_ITEM_PUT, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, o->id) || !orders__sq_bind_i64(st, 2, (int64_t)i) ||
        !orders__sq_bind_text(st, 3, it->product_id) || !orders__sq_bind_text(st, 4, it->seller_id) ||
        !orders__sq_bind_text(st, 5, it->product_name) ||
        !orders__sq_bind_text(st, 6, it->product_image) ||
        !orders__sq_bind_i64(st, 7, it->quantity) || !orders__sq_bind_money(st, 8, &it->unit_price) ||
        !orders__sq_bind_money(st, 10, &it->total_price) ||
        !orders__sq_bind_text(st, 12, orders_item_status_name(it->status)) ||
        !orders__sq_bind_i64(st, 13, it->reserved_at) || !orders__sq_bind_i64(st, 14, it->confirmed_at))
        return orders__sq_bind_failed(err);
    orders_code_t rc = orders__sq_exec(c, st, "cannot write an order item", err);
    if (rc != ORDERS_OK || it->seller_id == NULL)
        return rc;
    if ((st = orders__sq_stmt(c, ORDERS__SQ_ORDER_SELLER_PUT, err)) == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, it->seller_id) || !orders__sq_bind_i64(st, 2, o->created_at) ||
        !orders__sq_bind_text(st, 3, o->id))
        return orders__sq_bind_failed(err);
    return orders__sq_exec(c, st, "cannot index an order by seller", err);
}

static orders_code_t seller_status_write(orders__sq_conn_t *c, const orders_order_t *o, size_t i,
                                         orders_error_t *err)
{
    const orders_seller_status_t *s = &o->seller_statuses[i];
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_SELLER_STATUS_PUT, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, o->id) || !orders__sq_bind_i64(st, 2, (int64_t)i) ||
        !orders__sq_bind_text(st, 3, s->seller_id) ||
        !orders__sq_bind_text(st, 4, orders_status_name(s->status)) ||
        !orders__sq_bind_text(st, 5, s->notes) || !orders__sq_bind_text(st, 6, s->tracking_number) ||
        !orders__sq_bind_i64(st, 7, s->estimated_delivery) ||
        !orders__sq_bind_i64(st, 8, s->updated_at))
        return orders__sq_bind_failed(err);
    return orders__sq_exec(c, st, "cannot write a seller status", err);
}

/* Writes o: a new row (insert) or the replacement of its row, and in both
 * cases all of its child rows. */
static orders_code_t order_write(orders__sq_conn_t *c, const orders_order_t *o, bool insert,
                                 orders_error_t *err)
{
    sqlite3_stmt *st =
        orders__sq_stmt(c, insert ? ORDERS__SQ_ORDER_INSERT : ORDERS__SQ_ORDER_REPLACE, err);
    if (st == NULL)
        return c->code;
    if (!bind_order(st, o))
        return orders__sq_bind_failed(err);
    orders_code_t rc = orders__sq_exec(c, st, "cannot write an order", err);
    /* a replacement first deletes the child rows of each table */
    static const orders__sq_id_t deletes[] = {ORDERS__SQ_ORDER_ITEMS_DELETE,
                                              ORDERS__SQ_SELLER_STATUSES_DELETE,
                                              ORDERS__SQ_ORDER_SELLERS_DELETE};
    for (size_t i = 0; i < sizeof deletes / sizeof deletes[0] && !insert && rc == ORDERS_OK; i++)
        rc = orders__sq_exec_key(c, deletes[i], o->id, "cannot replace order details", err);
    for (size_t i = 0; i < o->item_count && rc == ORDERS_OK; i++)
        rc = item_write(c, o, i, err);
    for (size_t i = 0; i < o->seller_count && rc == ORDERS_OK; i++)
        rc = seller_status_write(c, o, i, err);
    return rc;
}

/* ---- placement --------------------------------------------------------------------------- */

typedef struct place_args {
    const orders_place_tx_t *tx;
    orders_place_result_t *result;
} place_args_t;

/* Step 1: *replayed when the key is known with the same hash. */
static orders_code_t place_idem(orders__sq_conn_t *c, const orders_place_tx_t *tx,
                                orders_place_result_t *result, bool *replayed,
                                orders_error_t *err)
{
    sqlite3_stmt *st;
    orders_code_t rc = orders__sq_find(c, ORDERS__SQ_IDEM_GET, tx->idem_key,
                                       "cannot read an idempotency key", &st, err);
    if (rc != ORDERS_OK || st == NULL)
        return rc;
    if (!orders__str_eq(orders__sq_text(st, 1), tx->idem_hash))
        return orders_error_set(err, ORDERS_E_IDEMPOTENCY, "idempotency_key",
                                "idempotency key %.64s was used for a different request",
                                tx->idem_key);
    orders__sq_copy_id(st, 0, result->replayed_order_id);
    *replayed = true;
    return ORDERS_OK;
}

/* Step 4's uniqueness checks, each with its own field. */
static orders_code_t place_unique(orders__sq_conn_t *c, const orders_place_tx_t *tx,
                                  orders_error_t *err)
{
    const orders_order_t *o = tx->order;
    static const struct {
        orders__sq_id_t id;
        const char *field, *fmt;
    } checks[] = {
        {ORDERS__SQ_ORDER_HEAD, "id", "order id %s already exists"},
        {ORDERS__SQ_ORDER_NUMBER_EXISTS, "order_number", "order number %s already exists"},
        {ORDERS__SQ_RES_EXISTS, "id", "order %s already has a reservation"},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        if (checks[i].id == ORDERS__SQ_RES_EXISTS && tx->reservation == NULL)
            continue;
        const char *key = checks[i].id == ORDERS__SQ_ORDER_NUMBER_EXISTS ? o->order_number : o->id;
        bool found = false;
        orders_code_t rc =
            orders__sq_exists(c, checks[i].id, key, "cannot check an order", &found, err);
        if (rc != ORDERS_OK)
            return rc;
        if (found)
            return orders_error_set(err, ORDERS_E_CONFLICT, checks[i].field, checks[i].fmt, key);
    }
    return ORDERS_OK;
}

/* Step 3: holds (or sells) the reservation's lines, all or none. */
static orders_code_t place_stock(orders__sq_conn_t *c, const orders_reservation_t *r,
                                 orders_place_result_t *result, orders_error_t *err)
{
    orders__sq_short_t s;
    orders_code_t rc =
        orders__sq_lines_move(c, r->lines, r->line_count, orders__place_move(r), &s, err);
    if (rc != ORDERS_E_OUT_OF_STOCK)
        return rc;
    const char *pid = r->lines[s.line].product_id;
    orders__copy_id(result->short_product_id, pid);
    result->short_available = s.have;
    return orders_error_set(err, ORDERS_E_OUT_OF_STOCK, pid,
                            "product %s: only %" PRId64 " available, %" PRId64 " requested", pid,
                            s.have, s.want);
}

static orders_code_t idem_record(orders__sq_conn_t *c, const orders_place_tx_t *tx,
                                 orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_IDEM_INSERT, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, tx->idem_key) || !orders__sq_bind_text(st, 2, tx->order->id) ||
        !orders__sq_bind_text(st, 3, tx->idem_hash) ||
        !orders__sq_bind_i64(st, 4, tx->order->created_at))
        return orders__sq_bind_failed(err);
    return orders__sq_exec(c, st, "cannot record an idempotency key", err);
}

static orders_code_t place_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    place_args_t *a = arg;
    const orders_place_tx_t *tx = a->tx;
    const orders_reservation_t *r = tx->reservation;
    orders_place_result_t *result = a->result;
    result->replayed_order_id[0] = '\0';
    result->short_product_id[0] = '\0';
    result->short_available = 0;

    bool replayed = false;
    orders_code_t rc = ORDERS_OK;
    if (tx->idem_key != NULL && ((rc = place_idem(c, tx, result, &replayed, err)) != ORDERS_OK ||
                                 replayed))
        return rc; /* a replay commits an empty transaction */

    /* tx->cart_version >= 1 (orders__check_place_tx) */
    if ((rc = orders__sq_cart_expect(c, tx->order->customer_id, tx->cart_version, "cart_version",
                                     err)) != ORDERS_OK)
        return rc;

    if (r != NULL && r->local_stock && (rc = place_stock(c, r, result, err)) != ORDERS_OK)
        return rc;
    if ((rc = place_unique(c, tx, err)) != ORDERS_OK ||
        (rc = order_write(c, tx->order, true, err)) != ORDERS_OK ||
        (r != NULL && (rc = orders__sq_res_insert(c, r, err)) != ORDERS_OK) ||
        (rc = orders__sq_cart_write(c, tx->cleared_cart, err)) != ORDERS_OK ||
        (rc = orders__sq_journal_write(c, tx->events, tx->event_count, tx->history,
                                       tx->history_count, err)) != ORDERS_OK)
        return rc;
    if (tx->idem_key != NULL)
        rc = idem_record(c, tx, err);
    return rc;
}

orders_code_t orders__sq_place(void *ud, const orders_place_tx_t *tx,
                               orders_place_result_t *result, orders_error_t *err)
{
    orders_place_result_t scratch;
    if (result == NULL)
        result = &scratch;
    orders_code_t rc = orders__check_place_start(tx, result, err);
    if (rc != ORDERS_OK)
        return rc;
    place_args_t a = {tx, result};
    return orders__sq_run(ud, ORDERS__SQ_WRITE, place_body, &a, err);
}

/* ---- update ----------------------------------------------------------------------------- */

static orders_code_t update_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    const orders_update_tx_t *tx = arg;
    const orders_order_t *o = tx->order;
    sqlite3_stmt *st;
    orders_code_t rc = orders__sq_need(c, ORDERS__SQ_ORDER_HEAD, o->id, "cannot read an order",
                                       "id", "order %s not found", &st, err);
    if (rc != ORDERS_OK)
        return rc;
    int64_t version = orders__sq_i64(st, 0);
    bool same_number = orders__str_eq(orders__sq_text(st, 1), o->order_number);
    sqlite3_reset(st);
    if (version != tx->expected_version)
        return orders_error_set(err, ORDERS_E_CONFLICT, "version",
                                "order %s version is %" PRId64 ", expected %" PRId64, o->id,
                                version, tx->expected_version);
    if (!same_number)
        return orders_error_set(err, ORDERS_E_INVALID, "order_number",
                                "order %s: the order number cannot change", o->id);
    if (tx->effect != ORDERS_RES_EFFECT_NONE &&
        (rc = orders__sq_effect(c, o->id, tx->effect, tx->now, "reservation", err)) != ORDERS_OK)
        return rc;
    if ((rc = order_write(c, o, false, err)) != ORDERS_OK)
        return rc;
    return orders__sq_journal_write(c, tx->events, tx->event_count, tx->history,
                                    tx->history_count, err);
}

orders_code_t orders__sq_order_update(void *ud, const orders_update_tx_t *tx,
                                      orders_error_t *err)
{
    orders_code_t rc = orders__check_update_tx(tx, err);
    if (rc != ORDERS_OK)
        return rc;
    return orders__sq_run(ud, ORDERS__SQ_WRITE, update_body, (void *)tx, err);
}
