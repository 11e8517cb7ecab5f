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
    const char *mark;      /* NULL, or "[pay key HASH]": the request's Idempotency-Key */
    bool *applied;         /* NULL, or set: did this answer settle the order? */
} outcome_t;

/*
 * Idempotency keys of payments.  A keyed payment writes the mark of its key
 * into the order's history in the same atomic step as its outcome; a later
 * request with the key finds the mark and gets the order as it is.  A key is
 * scoped to its order; the gateway sees one payment per order ("pay:ID")
 * however often it is asked, so a still-pending order is simply asked for
 * again.
 */
static void pay_mark(const char *key, char out[48])
{
    snprintf(out, 48, "[pay key %016llx]", (unsigned long long)orders__fnv1a(key));
}

/* Records oc's key mark, if any, in the change's history. */
static bool record_mark(orders__change_t *ch, const outcome_t *oc)
{
    if (!oc->mark)
        return true;
    const char *st = orders_status_name(ch->order->status);
    char note[96];
    snprintf(note, sizeof note, "payment request %s", oc->mark);
    return orders__change_history(ch, st, st, note);
}

void orders__pay_key(char *buf, size_t len, const char *op, const char *order_id)
{
    char prefix[24];
    orders__join(buf, len, orders__join(prefix, sizeof prefix, op, ":"), order_id);
}

/* Applies a gateway answer to a pending order. */
static orders_code_t apply_outcome(orders_ctx_t *ctx, orders__change_t *ch, void *ud,
                                   orders_error_t *err)
{
    const outcome_t *oc = ud;
    orders_order_t *o = ch->order;
    if (oc->applied) /* runs again after a lost race: the last run tells */
        *oc->applied = false;
    if (o->status != ORDERS_STATUS_PENDING) {
        /* settled already: the same answer again is a no-op */
        bool same = (oc->outcome == ORDERS_PAY_APPROVED && o->status != ORDERS_STATUS_FAILED &&
                     o->status != ORDERS_STATUS_CANCELLED) ||
                    (oc->outcome == ORDERS_PAY_DECLINED && o->status == ORDERS_STATUS_FAILED);
        if (same) {
            /* a racing request settled it: this one's key is recorded too */
            ch->unchanged = !oc->mark;
            return record_mark(ch, oc) ? ORDERS_OK : orders__nomem(err);
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
        if (oc->money_taken || orders__nothing_to_pay(o))
            o->payment_status = ORDERS_PAYMENT_PAID;
    } else {
        ch->effect = ORDERS_RES_EFFECT_RELEASE;
        o->payment_status = ORDERS_PAYMENT_FAILED;
    }
    if (oc->money_taken && !orders__change_event(ctx, ch, ORDERS_EVENT_PAYMENT, o->customer_id,
                                                 NULL, "paid", &o->total_amount, oc->txn_id))
        return orders__nomem(err);
    if (oc->applied)
        *oc->applied = true;
    return record_mark(ch, oc) ? ORDERS_OK : orders__nomem(err);
}

/* ---- money that arrives for an order that has ended ---- */

static orders_code_t apply_stray_refund(orders_ctx_t *ctx, orders__change_t *ch, void *ud,
                                        orders_error_t *err)
{
    (void)ctx;
    orders_order_t *o = ch->order;
    if (o->payment_status != ORDERS_PAYMENT_PENDING && o->payment_status != ORDERS_PAYMENT_FAILED) {
        ch->unchanged = true;
        return ORDERS_OK;
    }
    o->payment_status = ORDERS_PAYMENT_REFUNDED;
    o->refund_amount = o->total_amount;
    if (!orders__set_str(&o->payment_ref, ud))
        return orders__nomem(err);
    const char *st = orders_status_name(o->status);
    if (!orders__change_history(ch, st, st, "payment arrived after the order ended; refunded"))
        return orders__nomem(err);
    return ORDERS_OK;
}

/* Notes on a terminal order that the gateway declined to return its late
 * payment (ud: the gateway's message).  The new version gives the next
 * attempt a key of its own. */
static orders_code_t apply_stray_declined(orders_ctx_t *ctx, orders__change_t *ch, void *ud,
                                          orders_error_t *err)
{
    (void)ctx;
    char note[200];
    snprintf(note, sizeof note, "payment arrived after the order ended; its refund was declined: %s",
             (const char *)ud);
    const char *st = orders_status_name(ch->order->status);
    return orders__change_history(ch, st, st, note) ? ORDERS_OK : orders__nomem(err);
}

/* What the gateway knows of the order's payment: taken (with its txn),
 * pending, or nothing.  known_txn is an answer the caller already has. */
static orders_code_t ask_gateway(orders_ctx_t *ctx, const orders_gateway_vtable_t *gw, void *gud,
                                 const orders_order_t *o, const char *known_txn,
                                 orders_pay_result_t *res, orders_error_t *err)
{
    if (known_txn) {
        res->outcome = ORDERS_PAY_APPROVED;
        res->money_taken = true;
        snprintf(res->txn_id, sizeof res->txn_id, "%s", known_txn);
        return ORDERS_OK;
    }
    if (!gw->status) { /* cannot ask: only a pending payment we know of can be voided */
        res->outcome = o->payment_ref ? ORDERS_PAY_PENDING : ORDERS_PAY_DECLINED;
        snprintf(res->txn_id, sizeof res->txn_id, "%s", o->payment_ref ? o->payment_ref : "");
        return ORDERS_OK;
    }
    char key[ORDERS_ID_MAX + 32];
    orders__pay_key(key, sizeof key, "pay", o->id);
    orders_payment_t p = {.order_id = o->id, .customer_id = o->customer_id,
                          .txn_id = o->payment_ref, .idempotency_key = key,
                          .amount = o->total_amount};
    orders_code_t rc = gw->status(gud, ctx, &p, res, err);
    if (rc == ORDERS_E_NOT_FOUND) { /* the gateway never saw it */
        orders_error_clear(err);
        res->outcome = ORDERS_PAY_DECLINED;
        return ORDERS_OK;
    }
    return rc;
}

orders_code_t orders__return_stray_payment(orders_ctx_t *ctx, const char *id, const char *known_txn,
                                           orders_error_t *err)
{
    orders_order_t *o = NULL;
    orders_code_t rc = ctx->store->order_get(ctx->store_ud, id, &o, err);
    if (rc)
        return rc;
    void *gud;
    const orders_gateway_vtable_t *gw = orders__gateway(ctx, o->payment_method, &gud);
    orders_pay_result_t res = {0};
    bool unpaid = o->payment_status == ORDERS_PAYMENT_PENDING ||
                  (o->payment_status == ORDERS_PAYMENT_FAILED && known_txn);
    if (o->payment_method == ORDERS_METHOD_COD || !unpaid ||
        (o->status != ORDERS_STATUS_CANCELLED && o->status != ORDERS_STATUS_FAILED) || !gw ||
        (rc = ask_gateway(ctx, gw, gud, o, known_txn, &res, err))) {
        orders_order_free(o);
        return rc;
    }
    orders_payment_t p = {.order_id = o->id, .customer_id = o->customer_id,
                          .txn_id = res.txn_id[0] ? res.txn_id : o->payment_ref,
                          .amount = o->total_amount};
    if (res.outcome == ORDERS_PAY_PENDING) {
        if (gw->void_payment)
            (void)gw->void_payment(gud, ctx, &p, NULL); /* nothing taken yet: stop it */
    } else if (res.outcome == ORDERS_PAY_APPROVED && res.money_taken) {
        /* one key per attempt, as for refunds: a declined attempt is noted
         * on the order, so the next one comes from a later version */
        char key[ORDERS_ID_MAX + 48];
        char txn[ORDERS_ID_MAX + 1];
        snprintf(key, sizeof key, "refund-late:%s:%lld", o->id, (long long)o->version);
        snprintf(txn, sizeof txn, "%s", p.txn_id ? p.txn_id : "");
        p.idempotency_key = key;
        orders_pay_result_t refund = {0};
        rc = gw->refund ? gw->refund(gud, ctx, &p, &refund, err)
                        : orders_error_set(err, ORDERS_E_UNSUPPORTED, NULL, "gateway cannot refund");
        if (rc == ORDERS_OK && refund.outcome == ORDERS_PAY_DECLINED) {
            const char *why = refund.message[0] ? refund.message : "declined";
            rc = orders__order_mutate(ctx, id, NULL, ORDERS_ANY_VERSION, "gateway",
                                      apply_stray_declined, (void *)why, NULL, err);
            if (rc == ORDERS_OK)
                rc = orders_error_set(err, ORDERS_E_DECLINED, NULL,
                                      "a payment arrived after the order ended and its refund "
                                      "was declined: %s", why);
        } else if (rc == ORDERS_OK) {
            rc = orders__order_mutate(ctx, id, NULL, ORDERS_ANY_VERSION, "gateway",
                                      apply_stray_refund, txn, NULL, err);
        }
    }
    orders_order_free(o);
    return rc;
}

/* Applies an outcome.  A confirmation that lost to the deadline expires the
 * order instead; money taken for an order that has ended goes back. */
static orders_code_t settle(orders_ctx_t *ctx, const char *id, const char *scope,
                            const outcome_t *oc, orders_order_t **out, orders_error_t *err)
{
    orders_code_t rc = orders__order_mutate(ctx, id, scope, ORDERS_ANY_VERSION, "gateway",
                                            apply_outcome, (void *)oc, out, err);
    if (rc != ORDERS_E_EXPIRED && !(rc == ORDERS_E_CONFLICT && oc->money_taken))
        return rc;
    bool expired = rc == ORDERS_E_EXPIRED;
    orders_error_clear(err);
    if (expired) {
        rc = orders__expire_order(ctx, id, orders_ctx_now(ctx), NULL, err);
        if (rc && rc != ORDERS_E_CONFLICT)
            return rc;
        orders_error_clear(err);
    }
    if (oc->money_taken && (rc = orders__return_stray_payment(ctx, id, oc->txn_id, err)))
        return rc;
    orders_order_t *o = NULL;
    if ((rc = ctx->store->order_get(ctx->store_ud, id, &o, err)))
        return rc;
    expired = expired || (o->cancel_reason && strcmp(o->cancel_reason, "reservation expired") == 0);
    if (out)
        *out = o;
    else
        orders_order_free(o);
    if (!expired) /* a late answer for an order that had already ended */
        return orders_error_set(err, ORDERS_E_CONFLICT, "status",
                                "the order had already ended; the payment was refunded");
    return orders_error_set(err, ORDERS_E_EXPIRED, "reservation",
                            oc->money_taken
                                ? "reservation expired before payment; the payment was refunded"
                                : "reservation expired before payment");
}

bool orders__nothing_to_pay(const orders_order_t *o)
{
    return o->total_amount.amount == 0;
}

/* Asks the gateway to pay pending order o and applies its answer; mark is
 * the request's key mark (NULL: none). */
static orders_code_t run_payment(orders_ctx_t *ctx, const orders_order_t *o, const char *scope,
                                 const char *mark, orders_order_t **out, orders_error_t *err)
{
    if (o->status != ORDERS_STATUS_PENDING)
        return orders_error_set(err, ORDERS_E_CONFLICT, "status", "order is %s, not pending",
                                orders_status_name(o->status));
    void *gud;
    const orders_gateway_vtable_t *gw = orders__gateway(ctx, o->payment_method, &gud);
    if (!gw)
        return orders_error_set(err, ORDERS_E_UNSUPPORTED, "paymentMethod",
                                "no gateway for payment method");
    if (orders__nothing_to_pay(o)) {
        /* the wallet and REST gateways refuse a payment of 0 */
        outcome_t nothing = {ORDERS_PAY_APPROVED, false, NULL, "nothing to pay", mark, NULL};
        return settle(ctx, o->id, scope, &nothing, out, err);
    }
    char key[ORDERS_ID_MAX + 32];
    orders__pay_key(key, sizeof key, "pay", o->id);
    orders_payment_t p = {.order_id = o->id, .customer_id = o->customer_id,
                          .txn_id = o->payment_ref, .idempotency_key = key,
                          .amount = o->total_amount};
    orders_pay_result_t res = {0};
    orders_code_t rc = gw->authorize(gud, ctx, &p, &res, err);
    if (rc) /* timeout or outage: the order stays pending, to be synced */
        return rc;
    outcome_t oc = {res.outcome, res.money_taken, res.txn_id, res.message[0] ? res.message : NULL,
                    mark, NULL};
    return settle(ctx, o->id, scope, &oc, out, err);
}

orders_code_t orders__payment_run(orders_ctx_t *ctx, const orders_order_t *o, const char *scope,
                                  orders_order_t **out, orders_error_t *err)
{
    return run_payment(ctx, o, scope, NULL, out, err);
}

/* Is mark in the history of order id? */
static orders_code_t mark_seen(orders_ctx_t *ctx, const char *id, const char *mark, bool *seen,
                               orders_error_t *err)
{
    orders_history_list_t h = {0};
    orders_code_t rc = ctx->store->history_list(ctx->store_ud, id, &h, err);
    *seen = false;
    for (size_t i = 0; rc == ORDERS_OK && i < h.count && !*seen; i++)
        *seen = h.items[i]->note && strstr(h.items[i]->note, mark) != NULL;
    orders_history_list_clear(&h);
    return rc;
}

/* Pays order id; with a key mark, an order the key already paid (or
 * failed) is returned as it is. */
static orders_code_t payment_start(orders_ctx_t *ctx, const char *id, const char *scope,
                                   const char *mark, orders_order_t **out, orders_error_t *err)
{
    orders_order_t *o = NULL;
    orders_code_t rc = orders_order_get(ctx, id, scope, &o, err);
    bool seen = false;
    if (rc == ORDERS_OK && mark && o->status != ORDERS_STATUS_PENDING)
        rc = mark_seen(ctx, o->id, mark, &seen, err);
    if (rc == ORDERS_OK && seen && out) {
        *out = o; /* the key's payment settled it: its result, as it is now */
        return ORDERS_OK;
    }
    if (rc == ORDERS_OK && !seen)
        rc = run_payment(ctx, o, scope, mark, out, err);
    orders_order_free(o);
    return rc;
}

/* Gateway payments only: a cash on delivery order has none. */
static orders_code_t refuse_cod(orders_ctx_t *ctx, const char *id, const char *scope,
                                orders_error_t *err)
{
    orders_order_t *o = NULL;
    orders_code_t rc = orders_order_get(ctx, id, scope, &o, err);
    if (rc)
        return rc;
    bool cod = o->payment_method == ORDERS_METHOD_COD;
    orders_order_free(o);
    if (cod)
        return orders_error_set(err, ORDERS_E_INVALID, "paymentMethod",
                                "cash on delivery orders are paid on delivery, not through a gateway");
    return ORDERS_OK;
}

orders_code_t orders_order_pay(orders_ctx_t *ctx, const char *id, const char *customer_id,
                               orders_order_t **out, orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_code_t rc = refuse_cod(ctx, id, customer_id, err);
    if (rc)
        return rc;
    return payment_start(ctx, id, customer_id, NULL, out, err);
}

orders_code_t orders_order_pay_keyed(orders_ctx_t *ctx, const char *id, const char *customer_id,
                                     const char *idempotency_key, orders_order_t **out,
                                     orders_error_t *err)
{
    if (out)
        *out = NULL;
    if (idempotency_key && !orders__id_valid(idempotency_key))
        return orders_error_set(err, ORDERS_E_INVALID, "Idempotency-Key",
                                "Idempotency-Key must be 1 to %d bytes", ORDERS_ID_MAX);
    orders_code_t rc = refuse_cod(ctx, id, customer_id, err);
    if (rc)
        return rc;
    char mark[48];
    if (idempotency_key)
        pay_mark(idempotency_key, mark);
    return payment_start(ctx, id, customer_id, idempotency_key ? mark : NULL, out, err);
}

orders_code_t orders__payment_report(orders_ctx_t *ctx, const char *id, bool success,
                                    const char *txn_id, const char *note, bool *applied,
                                    orders_order_t **out, orders_error_t *err)
{
    if (out)
        *out = NULL;
    if (applied)
        *applied = false;
    orders_code_t rc = refuse_cod(ctx, id, NULL, err);
    if (rc)
        return rc;
    if (!note)
        note = success ? "payment completed" : "payment failed";
    outcome_t oc = {success ? ORDERS_PAY_APPROVED : ORDERS_PAY_DECLINED, success, txn_id, note,
                    NULL, applied};
    return settle(ctx, id, NULL, &oc, out, err);
}

orders_code_t orders_payment_complete(orders_ctx_t *ctx, const char *id, bool success,
                                      const char *txn_id, orders_order_t **out,
                                      orders_error_t *err)
{
    return orders__payment_report(ctx, id, success, txn_id, NULL, NULL, out, err);
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
    orders__pay_key(key, sizeof key, "pay", o->id);
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
    outcome_t oc = {res.outcome, res.money_taken, res.txn_id, res.message[0] ? res.message : NULL,
                    NULL, NULL};
    return settle(ctx, id, NULL, &oc, out, err);
}
