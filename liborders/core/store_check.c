/*
 * store_check.c - the storage contract's input checks and pure rules,
 * shared by every store backend (see store_check.h).
 */
#include "core/store_check.h"

#include <inttypes.h>
#include <string.h>

#include "core/util.h"

/* ---- orders --------------------------------------------------------------------- */

/* The order's arrays are present for their counts. */
static orders_code_t order_shape(const orders_order_t *o, orders_error_t *err)
{
    if ((o->item_count > 0 && o->items == NULL) ||
        (o->seller_count > 0 && o->seller_statuses == NULL))
        return orders_error_set(err, ORDERS_E_INVALID, "items", "order items are missing");
    return ORDERS_OK;
}

static orders_code_t place_order(const orders_order_t *o, orders_error_t *err)
{
    if (!orders__id_valid(o->id))
        return orders_error_set(err, ORDERS_E_INVALID, "id", "order id is missing or too long");
    if (!orders__id_valid(o->order_number))
        return orders_error_set(err, ORDERS_E_INVALID, "order_number",
                                "order number is missing or too long");
    if (!orders__id_valid(o->customer_id))
        return orders_error_set(err, ORDERS_E_INVALID, "customer_id",
                                "customer id is missing or too long");
    if (o->version != 1)
        return orders_error_set(err, ORDERS_E_INVALID, "version",
                                "a new order has version 1, not %" PRId64, o->version);
    return order_shape(o, err);
}

static orders_code_t place_cart(const orders_place_tx_t *tx, orders_error_t *err)
{
    const orders_cart_t *c = tx->cleared_cart;
    if (c == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "cleared_cart", "no cleared cart");
    if (!orders__str_eq(c->customer_id, tx->order->customer_id))
        return orders_error_set(err, ORDERS_E_INVALID, "cleared_cart",
                                "the cleared cart belongs to another customer");
    if (tx->cart_version < 1 || tx->cart_version == INT64_MAX ||
        c->version != tx->cart_version + 1)
        return orders_error_set(err, ORDERS_E_INVALID, "cleared_cart",
                                "cleared cart version %" PRId64 " does not follow %" PRId64,
                                c->version, tx->cart_version);
    return ORDERS_OK;
}

static orders_code_t place_reservation(const orders_place_tx_t *tx, orders_error_t *err)
{
    const orders_reservation_t *r = tx->reservation;
    if (r == NULL)
        return ORDERS_OK;
    if (!orders__str_eq(r->order_id, tx->order->id))
        return orders_error_set(err, ORDERS_E_INVALID, "reservation",
                                "the reservation is for another order");
    if (r->line_count > 0 && r->lines == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "reservation",
                                "reservation lines are missing");
    if (r->local_stock && r->status != ORDERS_RES_ACTIVE && r->status != ORDERS_RES_CONFIRMED)
        return orders_error_set(err, ORDERS_E_INVALID, "reservation",
                                "a new reservation holding stock must be active or confirmed");
    return ORDERS_OK;
}

/* Keys and hashes are at most ORDERS_ID_MAX bytes: idem_get hands them
 * back in buffers of ORDERS_ID_MAX + 1 (store.h, order.h). */
static orders_code_t place_idem(const orders_place_tx_t *tx, orders_error_t *err)
{
    if (tx->idem_key == NULL)
        return ORDERS_OK;
    if (!orders__id_valid(tx->idem_key))
        return orders_error_set(err, ORDERS_E_INVALID, "idempotency_key",
                                "idempotency key is empty or longer than %d bytes", ORDERS_ID_MAX);
    if (tx->idem_hash == NULL || orders__strnlen(tx->idem_hash, ORDERS_ID_MAX + 1) > ORDERS_ID_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "idem_hash",
                                "request hash is missing or too long");
    return ORDERS_OK;
}

orders_code_t orders__check_place_tx(const orders_place_tx_t *tx, orders_error_t *err)
{
    if (tx == NULL || tx->order == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "order", "no order to place");
    orders_code_t rc;
    if ((rc = place_order(tx->order, err)) != ORDERS_OK || (rc = place_cart(tx, err)) != ORDERS_OK ||
        (rc = place_reservation(tx, err)) != ORDERS_OK || (rc = place_idem(tx, err)) != ORDERS_OK)
        return rc;
    return orders__check_journal(tx->events, tx->event_count, tx->history, tx->history_count,
                                 err);
}

orders_code_t orders__check_update_tx(const orders_update_tx_t *tx, orders_error_t *err)
{
    if (tx == NULL || tx->order == NULL || tx->order->id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "order", "no order to update");
    const orders_order_t *o = tx->order;
    if (tx->expected_version < 1 || tx->expected_version == INT64_MAX ||
        o->version != tx->expected_version + 1)
        return orders_error_set(err, ORDERS_E_INVALID, "version",
                                "order version %" PRId64 " does not follow expected %" PRId64,
                                o->version, tx->expected_version);
    orders_code_t rc = order_shape(o, err);
    if (rc != ORDERS_OK)
        return rc;
    return orders__check_journal(tx->events, tx->event_count, tx->history, tx->history_count,
                                 err);
}

orders_code_t orders__check_journal(const orders_event_t *const *events, size_t ne,
                                    const orders_history_t *const *history, size_t nh,
                                    orders_error_t *err)
{
    if ((ne > 0 && events == NULL) || (nh > 0 && history == NULL))
        return orders_error_set(err, ORDERS_E_INVALID, "events", "event or history array missing");
    for (size_t i = 0; i < ne; i++) {
        if (events[i] == NULL || !orders__id_valid(events[i]->id))
            return orders_error_set(err, ORDERS_E_INVALID, "events",
                                    "event %zu has no id or one that is too long", i);
        for (size_t k = 0; k < i; k++)
            if (strcmp(events[k]->id, events[i]->id) == 0)
                return orders_error_set(err, ORDERS_E_CONFLICT, "events",
                                        "event id %s appears twice", events[i]->id);
    }
    for (size_t i = 0; i < nh; i++)
        if (history[i] == NULL || !orders__id_valid(history[i]->order_id))
            return orders_error_set(err, ORDERS_E_INVALID, "history",
                                    "history entry %zu has no order id", i);
    return ORDERS_OK;
}

static orders_code_t check_range(int64_t offset, int64_t limit, orders_error_t *err)
{
    if (offset < 0)
        return orders_error_set(err, ORDERS_E_INVALID, "offset", "offset is negative");
    if (limit < 1)
        return orders_error_set(err, ORDERS_E_INVALID, "limit", "limit must be positive");
    return ORDERS_OK;
}

orders_code_t orders__check_order_filter(const orders_order_filter_t *f,
                                         const orders_order_list_t *out, orders_error_t *err)
{
    if (f == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "filter", "no filter or output list");
    return check_range(f->offset, f->limit, err);
}

/* ---- products and stock ------------------------------------------------------------- */

orders_code_t orders__check_product(const orders_product_t *p, orders_error_t *err)
{
    if (p == NULL || !orders__id_valid(p->id))
        return orders_error_set(err, ORDERS_E_INVALID, "id", "product id is missing or too long");
    return ORDERS_OK;
}

orders_code_t orders__check_page(const void *out, int64_t offset, int64_t limit,
                                 orders_error_t *err)
{
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output list");
    return check_range(offset, limit, err);
}

orders_code_t orders__check_stock_next(const char *id, const orders_stock_t *s,
                                       orders_stock_op_t op, int64_t value, orders_stock_t *next,
                                       orders_error_t *err)
{
    int64_t delta;

    *next = *s;
    switch (op) {
    case ORDERS_STOCK_SET_AVAILABLE:
        if (value < 0)
            return orders_error_set(err, ORDERS_E_INVALID, "available",
                                    "product %s: available %" PRId64 " is negative", id, value);
        delta = value - s->available; /* both >= 0: cannot overflow */
        break;
    case ORDERS_STOCK_ADJUST:
        if (value < 0 && s->available + value < 0) /* available >= 0: no overflow */
            return orders_error_set(err, ORDERS_E_CONFLICT, "quantity",
                                    "product %s: only %" PRId64 " available, cannot adjust by %" PRId64,
                                    id, s->available, value);
        delta = value;
        break;
    default:
        return orders_error_set(err, ORDERS_E_INVALID, "op", "unknown stock operation %d",
                                (int)op);
    }
    if (delta >= 0) {
        if (!orders_i64_add(s->stocked, delta, &next->stocked) ||
            !orders_i64_add(s->available, delta, &next->available))
            return orders_error_set(err, ORDERS_E_OVERFLOW, "quantity",
                                    "product %s: stock count would overflow", id);
    } else {
        /* -delta <= available, so it is representable. */
        if (!orders_i64_add(s->adjusted, -delta, &next->adjusted))
            return orders_error_set(err, ORDERS_E_OVERFLOW, "quantity",
                                    "product %s: adjusted count would overflow", id);
        next->available = s->available + delta;
    }
    return ORDERS_OK;
}

/* ---- carts ----------------------------------------------------------------------------- */

orders_code_t orders__check_cart_put(const orders_cart_t *cart, int64_t expected_version,
                                     orders_error_t *err)
{
    if (cart == NULL || !orders__id_valid(cart->customer_id))
        return orders_error_set(err, ORDERS_E_INVALID, "customer_id",
                                "cart customer id is missing or too long");
    if (expected_version < 0 || expected_version == INT64_MAX ||
        cart->version != expected_version + 1)
        return orders_error_set(err, ORDERS_E_INVALID, "version",
                                "cart version %" PRId64 " does not follow expected version %" PRId64,
                                cart->version, expected_version);
    return ORDERS_OK;
}

/* ---- reservations ------------------------------------------------------------------------ */

orders_code_t orders__check_res_create(const orders_reservation_t *r, orders_error_t *err)
{
    if (r == NULL || !orders__id_valid(r->order_id))
        return orders_error_set(err, ORDERS_E_INVALID, "order_id",
                                "reservation order id is missing or too long");
    if (r->line_count > 0 && r->lines == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "lines", "reservation lines are missing");
    if (r->local_stock && r->status != ORDERS_RES_ACTIVE)
        return orders_error_set(err, ORDERS_E_INVALID, "status",
                                "a new reservation holding stock must be active");
    return ORDERS_OK;
}

orders_code_t orders__check_res_lines(const orders_reservation_line_t *lines, size_t n,
                                      orders_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        if (lines[i].product_id == NULL)
            return orders_error_set(err, ORDERS_E_INVALID, "product_id",
                                    "reservation line %zu has no product id", i);
        if (lines[i].quantity < 1)
            return orders_error_set(err, ORDERS_E_INVALID, "quantity",
                                    "product %s: quantity %" PRId64 " is not positive",
                                    lines[i].product_id, lines[i].quantity);
    }
    return ORDERS_OK;
}

static orders_code_t not_in_state(const orders_reservation_t *r, const char *wanted,
                                  orders_error_t *err)
{
    return orders_error_set(err, ORDERS_E_CONFLICT, "status",
                            "reservation for order %s is %s, not %s", r->order_id,
                            orders_reservation_status_name(r->status), wanted);
}

orders_code_t orders__check_effect(const orders_reservation_t *r, orders_res_effect_t effect,
                                   int64_t now, orders_reservation_status_t *to,
                                   orders_error_t *err)
{
    *to = r->status;
    switch (effect) {
    case ORDERS_RES_EFFECT_NONE:
        return ORDERS_OK;
    case ORDERS_RES_EFFECT_CONFIRM:
        /* An expired one (swept or only past its deadline) is EXPIRED; a
         * confirmed or cancelled one is a CONFLICT. */
        if (r->status == ORDERS_RES_EXPIRED ||
            (r->status == ORDERS_RES_ACTIVE && now >= r->expires_at))
            return orders_error_set(err, ORDERS_E_EXPIRED, "expires_at",
                                    "reservation for order %s is expired", r->order_id);
        if (r->status != ORDERS_RES_ACTIVE)
            return not_in_state(r, "active", err);
        *to = ORDERS_RES_CONFIRMED;
        return ORDERS_OK;
    case ORDERS_RES_EFFECT_RELEASE:
        if (r->status != ORDERS_RES_ACTIVE)
            return not_in_state(r, "active", err);
        *to = ORDERS_RES_CANCELLED;
        return ORDERS_OK;
    case ORDERS_RES_EFFECT_EXPIRE:
        if (r->status != ORDERS_RES_ACTIVE)
            return not_in_state(r, "active", err);
        if (now < r->expires_at)
            return orders_error_set(err, ORDERS_E_CONFLICT, "expires_at",
                                    "reservation for order %s expires at %" PRId64
                                    ", not yet at %" PRId64,
                                    r->order_id, r->expires_at, now);
        *to = ORDERS_RES_EXPIRED;
        return ORDERS_OK;
    case ORDERS_RES_EFFECT_RETURN:
        if (r->status != ORDERS_RES_CONFIRMED)
            return not_in_state(r, "confirmed", err);
        *to = ORDERS_RES_CANCELLED;
        return ORDERS_OK;
    }
    return orders_error_set(err, ORDERS_E_INVALID, "effect", "unknown reservation effect %d",
                            (int)effect);
}

/* ---- wallets ------------------------------------------------------------------------------- */

orders_code_t orders__check_wallet(const char *customer_id, const char *currency,
                                   orders_error_t *err)
{
    bool ok = orders__id_valid(customer_id) && currency != NULL;
    for (int i = 0; ok && i < 3; i++)
        ok = currency[i] >= 'A' && currency[i] <= 'Z';
    if (ok && currency[3] == '\0')
        return ORDERS_OK;
    return orders_error_set(err, ORDERS_E_INVALID, "currency",
                            "wallet needs a customer id and a three-letter upper-case currency");
}

orders_code_t orders__check_wallet_next(int64_t balance, int64_t delta, const char *currency,
                                        int64_t *next, orders_error_t *err)
{
    if (!orders_i64_add(balance, delta, next))
        return orders_error_set(err, ORDERS_E_OVERFLOW, "amount", "wallet balance would overflow");
    if (*next < 0)
        return orders_error_set(err, ORDERS_E_INSUFFICIENT_FUNDS, "amount",
                                "wallet balance %" PRId64 " %s is less than the debit %" PRId64,
                                balance, currency, delta == INT64_MIN ? INT64_MAX : -delta);
    return ORDERS_OK;
}

orders_code_t orders__check_place_start(const orders_place_tx_t *tx,
                                        orders_place_result_t *result, orders_error_t *err)
{
    result->replayed_order_id[0] = '\0';
    result->short_product_id[0] = '\0';
    result->short_available = 0;
    return orders__check_place_tx(tx, err);
}

/* ---- products ----------------------------------------------------------------------- */

orders_code_t orders__check_products_read(const char *const *ids, size_t n,
                                          orders_product_avail_t *out, orders_error_t *err)
{
    if (n == 0)
        return ORDERS_OK;
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output array");
    memset(out, 0, n * sizeof *out);
    if (ids == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "ids", "product ids are missing");
    for (size_t i = 0; i < n; i++)
        if (ids[i] == NULL)
            return orders_error_set(err, ORDERS_E_INVALID, "ids", "product id %zu is missing", i);
    return ORDERS_OK;
}

orders_code_t orders__check_acks(const orders_outbox_ack_t *acks, size_t n,
                                 const orders_code_t *results, orders_error_t *err)
{
    if (n == 0)
        return ORDERS_OK;
    if (acks == NULL || results == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "acks", "acks and results are required");
    for (size_t i = 0; i < n; i++)
        if (acks[i].event_id == NULL)
            return orders_error_set(err, ORDERS_E_INVALID, "event_id", "event id %zu is missing", i);
    return ORDERS_OK;
}

void orders__products_avail_clear(orders_product_avail_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        orders_product_free(out[i].product);
        out[i].product = NULL;
        out[i].available = 0;
    }
}

/* ---- leases ------------------------------------------------------------------------------- */

orders_code_t orders__check_lease(const char *name, const char *owner, int64_t now,
                                  int64_t until, const bool *held, orders_error_t *err)
{
    if (!orders__id_valid(name))
        return orders_error_set(err, ORDERS_E_INVALID, "name",
                                "lease name is empty or longer than %d bytes", ORDERS_ID_MAX);
    if (!orders__id_valid(owner))
        return orders_error_set(err, ORDERS_E_INVALID, "owner",
                                "lease owner is empty or longer than %d bytes", ORDERS_ID_MAX);
    if (held == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "held", "no output");
    if (until <= now)
        return orders_error_set(err, ORDERS_E_INVALID, "until",
                                "a lease must end after now (%" PRId64 " <= %" PRId64 ")", until,
                                now);
    return ORDERS_OK;
}

/* ---- stock moves -------------------------------------------------------------------- */

orders__move_t orders__place_move(const orders_reservation_t *r)
{
    return r->status == ORDERS_RES_CONFIRMED ? ORDERS__MOVE_SELL : ORDERS__MOVE_RESERVE;
}

orders__move_t orders__effect_move(orders_res_effect_t effect)
{
    switch (effect) {
    case ORDERS_RES_EFFECT_CONFIRM:
        return ORDERS__MOVE_CONFIRM;
    case ORDERS_RES_EFFECT_RETURN:
        return ORDERS__MOVE_RETURN;
    default:
        return ORDERS__MOVE_RELEASE; /* RELEASE and EXPIRE */
    }
}
