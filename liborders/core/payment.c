/*
 * payment.c - driving the gateways: start a payment, settle its outcome.
 *
 * The gateway is called outside any store step (it may be slow or remote);
 * its answer is then applied to the order through the mutate loop, which
 * re-checks the order's state, so a late or repeated answer never confirms
 * an order twice or revives an expired one.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct outcome {
    orders_pay_outcome_t outcome;
    bool money_taken;
    const char *txn_id;
    const char *message;
} outcome_t;

static void pay_key(char *buf, size_t len, const char *op, const char *order_id)
{
    snprintf(buf, len, "%s:%s", op, order_id);
}

/* Applies a gateway answer to a pending order. */
static orders_code_t apply_outcome(orders_ctx_t *ctx, orders__change_t *ch, void *ud,
                                   orders_error_t *err)
{
    const outcome_t *oc = ud;
    orders_order_t *o = ch->order;
    if (o->status != ORDERS_STATUS_PENDING) {
        /* settled already: the same answer again is a no-op */
        bool same = (oc->outcome == ORDERS_PAY_APPROVED && o->status != ORDERS_STATUS_FAILED &&
                     o->status != ORDERS_STATUS_CANCELLED) ||
                    (oc->outcome == ORDERS_PAY_DECLINED && o->status == ORDERS_STATUS_FAILED);
        if (same) {
            ch->unchanged = true;
            return ORDERS_OK;
        }
        return orders_error_set(err, ORDERS_E_CONFLICT, "status", "order is %s, not pending",
                                orders_status_name(o->status));
    }
    if (oc->txn_id && oc->txn_id[0] && !orders__set_str(&o->payment_ref, oc->txn_id))
        return orders__nomem(err);
    if (oc->outcome == ORDERS_PAY_PENDING) {
        if (!orders__change_history(ch, "pending", "pending", "payment pending at gateway"))
            return orders__nomem(err);
        return ORDERS_OK;
    }
    orders_status_t to =
        oc->outcome == ORDERS_PAY_APPROVED ? ORDERS_STATUS_CONFIRMED : ORDERS_STATUS_FAILED;
    orders_code_t rc = orders__transition(ctx, ch, to, oc->message, err);
    if (rc)
        return rc;
    if (to == ORDERS_STATUS_CONFIRMED) {
        ch->effect = ORDERS_RES_EFFECT_CONFIRM;
        if (oc->money_taken)
            o->payment_status = ORDERS_PAYMENT_PAID;
    } else {
        ch->effect = ORDERS_RES_EFFECT_RELEASE;
        o->payment_status = ORDERS_PAYMENT_FAILED;
    }
    if (oc->money_taken && !orders__change_event(ctx, ch, ORDERS_EVENT_PAYMENT, o->customer_id,
                                                 NULL, "paid", &o->total_amount, oc->txn_id))
        return orders__nomem(err);
    return ORDERS_OK;
}

/* Money came in for an order that can no longer take it: give it back. */
static orders_code_t refund_orphan(orders_ctx_t *ctx, const orders_order_t *o,
                                   const outcome_t *oc, orders_error_t *err)
{
    void *gud;
    const orders_gateway_vtable_t *gw = orders__gateway(ctx, o->payment_method, &gud);
    if (!gw || !gw->refund)
        return orders_error_set(err, ORDERS_E_UNSUPPORTED, NULL, "gateway cannot refund");
    char key[ORDERS_ID_MAX + 32];
    pay_key(key, sizeof key, "refund-late", o->id);
    orders_payment_t p = {.order_id = o->id, .customer_id = o->customer_id,
                          .txn_id = oc->txn_id, .idempotency_key = key,
                          .amount = o->total_amount};
    orders_pay_result_t res = {0};
    return gw->refund(gud, ctx, &p, &res, err);
}

/* Applies an outcome; a confirmation that lost to the deadline expires the
 * order instead and returns the money. */
static orders_code_t settle(orders_ctx_t *ctx, const char *id, const char *scope,
                            const outcome_t *oc, orders_order_t **out, orders_error_t *err)
{
    orders_code_t rc = orders__order_mutate(ctx, id, scope, ORDERS_ANY_VERSION, "gateway",
                                            (orders__mutator_fn)apply_outcome, (void *)oc, out, err);
    if (rc != ORDERS_E_EXPIRED && !(rc == ORDERS_E_CONFLICT && oc->money_taken))
        return rc;
    orders_error_clear(err);
    orders_order_t *o = NULL;
    if (rc == ORDERS_E_EXPIRED) {
        rc = orders__expire_order(ctx, id, orders_ctx_now(ctx), &o, err);
        if (rc && rc != ORDERS_E_CONFLICT)
            return rc;
        orders_order_free(o);
        o = NULL;
    }
    /* the order is cancelled or failed: money taken for it goes back */
    if ((rc = ctx->store->order_get(ctx->store_ud, id, &o, err)))
        return rc;
    rc = refund_orphan(ctx, o, oc, err);
    if (out)
        *out = o;
    else
        orders_order_free(o);
    return rc ? rc : orders_error_set(err, ORDERS_E_EXPIRED, "reservation",
                                      "reservation expired before payment; the payment was refunded");
}

orders_code_t orders__payment_start(orders_ctx_t *ctx, const char *id, const char *scope,
                                    orders_order_t **out, orders_error_t *err)
{
    orders_order_t *o = NULL;
    orders_code_t rc = orders_order_get(ctx, id, scope, &o, err);
    if (rc)
        return rc;
    if (o->status != ORDERS_STATUS_PENDING) {
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "status", "order is %s, not pending",
                              orders_status_name(o->status));
        orders_order_free(o);
        return rc;
    }
    void *gud;
    const orders_gateway_vtable_t *gw = orders__gateway(ctx, o->payment_method, &gud);
    if (!gw) {
        orders_order_free(o);
        return orders_error_set(err, ORDERS_E_UNSUPPORTED, "paymentMethod",
                                "no gateway for payment method");
    }
    char key[ORDERS_ID_MAX + 32];
    pay_key(key, sizeof key, "pay", o->id);
    orders_payment_t p = {.order_id = o->id, .customer_id = o->customer_id,
                          .txn_id = o->payment_ref, .idempotency_key = key,
                          .amount = o->total_amount};
    orders_pay_result_t res = {0};
    rc = gw->authorize(gud, ctx, &p, &res, err);
    orders_order_free(o);
    if (rc) /* timeout or outage: the order stays pending, to be synced */
        return rc;
    outcome_t oc = {res.outcome, res.money_taken, res.txn_id, res.message[0] ? res.message : NULL};
    return settle(ctx, id, scope, &oc, out, err);
}

orders_code_t orders_order_pay(orders_ctx_t *ctx, const char *id, const char *customer_id,
                               orders_order_t **out, orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_order_t *o = NULL;
    orders_code_t rc = orders_order_get(ctx, id, customer_id, &o, err);
    if (rc)
        return rc;
    orders_payment_method_t m = o->payment_method;
    orders_order_free(o);
    if (m == ORDERS_METHOD_COD)
        return orders_error_set(err, ORDERS_E_INVALID, "paymentMethod",
                                "cash on delivery orders are paid on delivery");
    return orders__payment_start(ctx, id, customer_id, out, err);
}

orders_code_t orders_payment_complete(orders_ctx_t *ctx, const char *id, bool success,
                                      const char *txn_id, orders_order_t **out,
                                      orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_order_t *o = NULL;
    orders_code_t rc = orders_order_get(ctx, id, NULL, &o, err);
    if (rc)
        return rc;
    bool cod = o->payment_method == ORDERS_METHOD_COD;
    orders_order_free(o);
    if (cod)
        return orders_error_set(err, ORDERS_E_INVALID, "paymentMethod",
                                "cash on delivery orders have no gateway payment");
    outcome_t oc = {success ? ORDERS_PAY_APPROVED : ORDERS_PAY_DECLINED, success, txn_id,
                    success ? "payment completed" : "payment failed"};
    return settle(ctx, id, NULL, &oc, out, err);
}

orders_code_t orders_payment_sync(orders_ctx_t *ctx, const char *id, orders_order_t **out,
                                  orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_order_t *o = NULL;
    orders_code_t rc = orders_order_get(ctx, id, NULL, &o, err);
    if (rc)
        return rc;
    void *gud;
    const orders_gateway_vtable_t *gw = orders__gateway(ctx, o->payment_method, &gud);
    if (o->status != ORDERS_STATUS_PENDING || !gw || !gw->status) {
        if (out)
            *out = o;
        else
            orders_order_free(o);
        return ORDERS_OK; /* nothing to learn */
    }
    char key[ORDERS_ID_MAX + 32];
    pay_key(key, sizeof key, "pay", o->id);
    orders_payment_t p = {.order_id = o->id, .customer_id = o->customer_id,
                          .txn_id = o->payment_ref, .idempotency_key = key,
                          .amount = o->total_amount};
    orders_pay_result_t res = {0};
    rc = gw->status(gud, ctx, &p, &res, err);
    orders_order_free(o);
    if (rc == ORDERS_E_NOT_FOUND) { /* the gateway never saw it: nothing taken */
        orders_error_clear(err);
        return orders_order_get(ctx, id, NULL, out, err);
    }
    if (rc)
        return rc;
    if (res.outcome == ORDERS_PAY_PENDING && !res.txn_id[0])
        return orders_order_get(ctx, id, NULL, out, err);
    outcome_t oc = {res.outcome, res.money_taken, res.txn_id, res.message[0] ? res.message : NULL};
    return settle(ctx, id, NULL, &oc, out, err);
}
