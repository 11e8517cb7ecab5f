/*
 * status.c - admin status moves, cancellation and expiry of orders.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct move {
    orders_status_t to;
    const char *note;
    const char *reason;
} move_t;

/* Which reservation effect a move to `to` from `from` carries. */
static orders_res_effect_t effect_for(orders_status_t from, orders_status_t to)
{
    if (to == ORDERS_STATUS_CONFIRMED)
        return ORDERS_RES_EFFECT_CONFIRM;
    if (to == ORDERS_STATUS_FAILED)
        return ORDERS_RES_EFFECT_RELEASE;
    if (to == ORDERS_STATUS_CANCELLED)
        return from == ORDERS_STATUS_PENDING ? ORDERS_RES_EFFECT_RELEASE : ORDERS_RES_EFFECT_RETURN;
    return ORDERS_RES_EFFECT_NONE;
}

static orders_code_t apply_move(orders_ctx_t *ctx, orders__change_t *ch, void *ud,
                                orders_error_t *err)
{
    const move_t *m = ud;
    orders_status_t from = ch->order->status;
    if (m->to == ORDERS_STATUS_CANCELLED && orders_status_can_move(from, m->to)) {
        /* goods a seller has started to fulfil cannot go back on the shelf */
        for (size_t i = 0; i < ch->order->seller_count; i++)
            if (ch->order->seller_statuses[i].status > ORDERS_STATUS_CONFIRMED &&
                ch->order->seller_statuses[i].status <= ORDERS_STATUS_DELIVERED)
                return orders_error_set(err, ORDERS_E_CONFLICT, "status",
                                        "Cannot cancel: seller %s has already moved to %s",
                                        ch->order->seller_statuses[i].seller_id,
                                        orders_status_name(ch->order->seller_statuses[i].status));
    }
    orders_code_t rc = orders__transition(ctx, ch, m->to, m->note, err);
    if (rc)
        return rc;
    ch->effect = effect_for(from, m->to);
    if (m->to == ORDERS_STATUS_CANCELLED &&
        !orders__set_str(&ch->order->cancel_reason, m->reason ? m->reason : m->note))
        return orders__nomem(err);
    return ORDERS_OK;
}

/* After a cancellation is committed: money still pending at the gateway is
 * stopped (or, if it went through meanwhile, returned); money paid is
 * refunded. */
static orders_code_t settle_money(orders_ctx_t *ctx, orders_order_t **order, const char *actor,
                                  orders_error_t *err)
{
    orders_order_t *o = *order;
    orders_code_t rc;
    if (o->payment_status == ORDERS_PAYMENT_PENDING) {
        if (o->payment_method == ORDERS_METHOD_COD)
            return ORDERS_OK;
        rc = orders__return_stray_payment(ctx, o->id, NULL, err);
    } else if (o->payment_status == ORDERS_PAYMENT_PAID) {
        rc = orders_order_refund(ctx, o->id, -1, "order cancelled", actor, NULL, err);
        if (rc)
            return orders_error_set(err, ORDERS_E_UNAVAILABLE, NULL,
                                    "order cancelled, but the refund failed (%s); retry the refund",
                                    err ? err->message : orders_strerror(rc));
    } else {
        return ORDERS_OK;
    }
    if (rc)
        return rc;
    orders_order_t *fresh = NULL;
    if ((rc = ctx->store->order_get(ctx->store_ud, o->id, &fresh, err)))
        return rc;
    orders_order_free(o);
    *order = fresh;
    return ORDERS_OK;
}

/* Once a cancellation is written (o set), the money is settled even if the
 * remote catalog's give-back failed; the first failure is returned. */
static orders_code_t after_cancel(orders_ctx_t *ctx, orders_code_t rc, orders_order_t *o,
                                  const char *actor, orders_order_t **out, orders_error_t *err)
{
    if (o) {
        orders_error_t money_err = {0};
        orders_code_t money = settle_money(ctx, &o, actor, rc ? &money_err : err);
        if (rc == ORDERS_OK)
            rc = money;
    }
    if (out)
        *out = o;
    else
        orders_order_free(o);
    return rc;
}

static orders_code_t cancel_scoped(orders_ctx_t *ctx, const char *id, const char *customer_id,
                                   const char *actor, const char *reason,
                                   int64_t expected_version, orders_order_t **out,
                                   orders_error_t *err)
{
    move_t m = {.to = ORDERS_STATUS_CANCELLED, .note = reason ? reason : "Cancelled by customer",
                .reason = reason ? reason : "Cancelled by customer"};
    orders_order_t *o = NULL;
    orders_code_t rc = orders__order_mutate(ctx, id, customer_id, expected_version, actor,
                                            apply_move, &m, &o, err);
    return after_cancel(ctx, rc, o, actor, out, err);
}

orders_code_t orders_order_cancel(orders_ctx_t *ctx, const char *id, const char *customer_id,
                                  const char *actor, const char *reason, orders_order_t **out,
                                  orders_error_t *err)
{
    if (out)
        *out = NULL;
    return cancel_scoped(ctx, id, customer_id, actor, reason, ORDERS_ANY_VERSION, out, err);
}

orders_code_t orders_order_set_status(orders_ctx_t *ctx, const char *id, orders_status_t to,
                                      const char *actor, const char *note,
                                      int64_t expected_version, orders_order_t **out,
                                      orders_error_t *err)
{
    if (out)
        *out = NULL;
    if ((unsigned)to > ORDERS_STATUS_FAILED)
        return orders_error_set(err, ORDERS_E_INVALID, "status", "unknown status");
    if (to == ORDERS_STATUS_CANCELLED)
        return cancel_scoped(ctx, id, NULL, actor ? actor : "admin",
                             note ? note : "Cancelled by admin", expected_version, out, err);
    move_t m = {.to = to, .note = note};
    return orders__order_mutate(ctx, id, NULL, expected_version, actor ? actor : "admin",
                                apply_move, &m, out, err);
}

static orders_code_t apply_expiry(orders_ctx_t *ctx, orders__change_t *ch, void *ud,
                                  orders_error_t *err)
{
    int64_t sweep_now = *(const int64_t *)ud;
    if (sweep_now > ch->now)
        ch->now = sweep_now; /* the sweep's notion of now decides the deadline */
    if (ch->order->status != ORDERS_STATUS_PENDING)
        return orders_error_set(err, ORDERS_E_CONFLICT, "status",
                                "order is %s, not pending", orders_status_name(ch->order->status));
    orders_code_t rc = orders__transition(ctx, ch, ORDERS_STATUS_CANCELLED, "reservation expired", err);
    if (rc)
        return rc;
    ch->effect = ORDERS_RES_EFFECT_EXPIRE;
    if (!orders__set_str(&ch->order->cancel_reason, "reservation expired"))
        return orders__nomem(err);
    return ORDERS_OK;
}

orders_code_t orders__expire_order(orders_ctx_t *ctx, const char *id, int64_t now,
                                   orders_order_t **out, orders_error_t *err)
{
    orders_order_t *o = NULL;
    orders_code_t rc = orders__order_mutate(ctx, id, NULL, ORDERS_ANY_VERSION, "system",
                                            apply_expiry, &now, &o, err);
    return after_cancel(ctx, rc, o, "system", out, err);
}
