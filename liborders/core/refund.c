/*
 * refund.c - refunds and the wallet ledger.
 *
 * A refund first reserves its amount on the order (refund_amount grows under
 * the order's version), then asks the gateway, and takes the reservation
 * back if the gateway refuses.  So two racing refunds can never together
 * exceed what was paid.
 */
#include <stdio.h>
#include <inttypes.h>
#include <string.h>

#include "internal.h"

typedef struct refund_step {
    int64_t amount;      /* requested; < 0 = all that remains */
    int64_t applied;     /* set by the mutator */
    const char *reason;
    bool undo;           /* take a failed refund back */
    char mark[64];       /* "" or "[refund key HASH amount N]": the request's key */
    char prefix[40];     /* "[refund key HASH ": the key whatever the amount */
    bool replayed;       /* the key's refund is already recorded: nothing done */
} refund_step_t;

/*
 * Idempotency keys.  A keyed refund writes the mark of its key and amount
 * into the note of its history entry, in the same atomic step as the
 * amount; a refund the gateway then refused writes the same mark into the
 * entry that takes it back.  Before refunding, the mutator reads the
 * order's history (again on every retry after a lost race, so two racing
 * requests with one key cannot both pass): the key's last entry being a
 * refund means this request was already made (nothing is done, the order is
 * returned as it is); a refusal means it may run again; the key with
 * another amount is ORDERS_E_IDEMPOTENCY.
 */
static void key_mark(refund_step_t *s, const char *key)
{
    snprintf(s->prefix, sizeof s->prefix, "[refund key %016llx ",
             (unsigned long long)orders__fnv1a(key));
    snprintf(s->mark, sizeof s->mark, "%samount %lld]", s->prefix, (long long)s->amount);
}

/* ORDERS_OK with s->replayed set when the key's refund is recorded. */
static orders_code_t key_seen(orders_ctx_t *ctx, const orders_order_t *o, refund_step_t *s,
                              orders_error_t *err)
{
    orders_history_list_t h = {0};
    orders_code_t rc = ctx->store->history_list(ctx->store_ud, o->id, &h, err);
    bool other_amount = false;
    s->replayed = false;
    for (size_t i = 0; rc == ORDERS_OK && i < h.count; i++) {
        const char *note = h.items[i]->note;
        const char *at = note ? strstr(note, s->mark) : NULL;
        if (at != NULL)
            s->replayed = strstr(note, "failed at the gateway") == NULL;
        else if (note && strstr(note, s->prefix) != NULL)
            other_amount = true;
    }
    orders_history_list_clear(&h);
    if (rc == ORDERS_OK && other_amount && !s->replayed)
        rc = orders_error_set(err, ORDERS_E_IDEMPOTENCY, "Idempotency-Key",
                              "this Idempotency-Key was used for another refund amount");
    return rc;
}

static orders_code_t apply_refund(orders_ctx_t *ctx, orders__change_t *ch, void *ud,
                                  orders_error_t *err)
{
    refund_step_t *s = ud;
    orders_order_t *o = ch->order;
    char note[400], amount[48];
    if (s->undo) {
        o->refund_amount.amount -= s->applied;
        o->payment_status = ORDERS_PAYMENT_PAID;
        orders_money_t m = {s->applied, {0}};
        memcpy(m.currency, o->total_amount.currency, ORDERS_CURRENCY_LEN);
        orders_money_format(&m, amount, sizeof amount);
        snprintf(note, sizeof note, "refund of %s failed at the gateway%s%s", amount,
                 s->mark[0] ? " " : "", s->mark);
        const char *st = orders_status_name(o->status);
        return orders__change_history(ch, st, st, note) ? ORDERS_OK : orders__nomem(err);
    }
    if (s->mark[0]) {
        orders_code_t rc = key_seen(ctx, o, s, err);
        if (rc != ORDERS_OK)
            return rc;
        if (s->replayed) {
            ch->unchanged = true;
            return ORDERS_OK;
        }
    }
    if (o->payment_status != ORDERS_PAYMENT_PAID)
        return orders_error_set(err, ORDERS_E_CONFLICT, "paymentStatus",
                                "order payment is %s; only paid orders can be refunded",
                                orders_payment_status_name(o->payment_status));
    int64_t remaining = o->total_amount.amount - o->refund_amount.amount;
    int64_t want = s->amount < 0 ? remaining : s->amount;
    if (want == 0 || want > remaining)
        return orders_error_set(err, ORDERS_E_INVALID, "amount",
                                "refund amount must be from 1 to %lld minor units",
                                (long long)remaining);
    s->applied = want;
    o->refund_amount.amount += want;
    memcpy(o->refund_amount.currency, o->total_amount.currency, ORDERS_CURRENCY_LEN);
    if (o->refund_amount.amount == o->total_amount.amount)
        o->payment_status = ORDERS_PAYMENT_REFUNDED;
    orders_money_t m = {want, {0}};
    memcpy(m.currency, o->total_amount.currency, ORDERS_CURRENCY_LEN);
    orders_money_format(&m, amount, sizeof amount);
    snprintf(note, sizeof note, "refund %s%s%s%s%s", amount, s->mark[0] ? " " : "", s->mark,
             s->reason ? ": " : "", s->reason ? s->reason : "");
    const char *st = orders_status_name(o->status);
    if (!orders__change_history(ch, st, st, note) ||
        !orders__change_event(ctx, ch, ORDERS_EVENT_PAYMENT, o->customer_id, NULL, "refunded", &m,
                              s->reason))
        return orders__nomem(err);
    return ORDERS_OK;
}

orders_code_t orders_order_refund(orders_ctx_t *ctx, const char *id, int64_t amount,
                                  const char *reason, const char *actor, orders_order_t **out,
                                  orders_error_t *err)
{
    return orders_order_refund_keyed(ctx, id, amount, reason, actor, NULL, out, err);
}

orders_code_t orders_order_refund_keyed(orders_ctx_t *ctx, const char *id, int64_t amount,
                                        const char *reason, const char *actor,
                                        const char *idempotency_key, orders_order_t **out,
                                        orders_error_t *err)
{
    if (out)
        *out = NULL;
    if (amount == 0)
        return orders_error_set(err, ORDERS_E_INVALID, "amount", "refund amount must be positive");
    if (idempotency_key && !orders__id_valid(idempotency_key))
        return orders_error_set(err, ORDERS_E_INVALID, "Idempotency-Key",
                                "Idempotency-Key must be 1 to %d bytes", ORDERS_ID_MAX);
    refund_step_t s = {.amount = amount < 0 ? -1 : amount, .reason = reason};
    if (idempotency_key)
        key_mark(&s, idempotency_key);
    orders_order_t *o = NULL;
    actor = actor ? actor : "admin";
    orders_code_t rc = orders__order_mutate(ctx, id, NULL, ORDERS_ANY_VERSION, actor, apply_refund,
                                            &s, &o, err);
    if (rc)
        return rc;
    if (s.replayed) {                 /* already made: the order as it is now */
        if (out)
            *out = o;
        else
            orders_order_free(o);
        return ORDERS_OK;
    }
    void *gud;
    const orders_gateway_vtable_t *gw = orders__gateway(ctx, o->payment_method, &gud);
    /* One key per attempt: the order version that recorded this refund.  A
     * retry after a decline is recorded in a later version, so it is a new
     * request to a gateway that keeps each key's answer, declines included. */
    char key[ORDERS_ID_MAX + 48];
    snprintf(key, sizeof key, "refund:%s:%lld", o->id, (long long)o->version);
    orders_payment_t p = {.order_id = o->id, .customer_id = o->customer_id,
                          .txn_id = o->payment_ref, .idempotency_key = key,
                          .amount = {s.applied, {0}}};
    memcpy(p.amount.currency, o->total_amount.currency, ORDERS_CURRENCY_LEN);
    orders_pay_result_t res = {0};
    orders_error_t gerr = {0};
    rc = gw && gw->refund ? gw->refund(gud, ctx, &p, &res, &gerr)
                          : orders_error_set(&gerr, ORDERS_E_UNSUPPORTED, NULL, "gateway cannot refund");
    if (rc == ORDERS_OK && res.outcome == ORDERS_PAY_DECLINED)
        rc = orders_error_set(&gerr, ORDERS_E_DECLINED, NULL, "refund declined: %s", res.message);
    orders_order_free(o);
    if (rc == ORDERS_OK)
        return out ? orders_order_get(ctx, id, NULL, out, err) : ORDERS_OK;
    if (rc == ORDERS_E_UNAVAILABLE) {
        /* the outcome is unknown: keep the amount counted as refunded, so
         * that no retry can ever refund more than was paid */
        return orders_error_set(err, ORDERS_E_UNAVAILABLE, NULL,
                                "refund outcome unknown (%s); it stays recorded as refunded",
                                gerr.message);
    }
    s.undo = true;
    orders_error_t uerr = {0};
    orders_code_t undo = orders__order_mutate(ctx, id, NULL, ORDERS_ANY_VERSION, actor,
                                              apply_refund, &s, NULL, &uerr);
    if (undo)
        return orders_error_set(err, undo, NULL, "refund failed (%s) and could not be taken back: %s",
                                gerr.message, uerr.message);
    if (err)
        *err = gerr;
    return rc;
}

/* ---- wallet ---- */

static orders_code_t wallet_args(const char *customer_id, const orders_money_t *amount,
                                 const char *ref, orders_error_t *err)
{
    orders_code_t rc = orders__check_id(customer_id, "customerId", err);
    if (rc == ORDERS_OK)
        rc = orders__check_id(ref, "ref", err);
    if (rc)
        return rc;
    if (!amount || amount->amount <= 0)
        return orders_error_set(err, ORDERS_E_INVALID, "amount", "amount must be positive");
    if (amount->amount > ORDERS_MONEY_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "amount",
                                "amount exceeds %" PRId64 " minor units", ORDERS_MONEY_MAX);
    if (!orders_currency_valid(amount->currency))
        return orders_error_set(err, ORDERS_E_CURRENCY, "currency", "unknown currency");
    return ORDERS_OK;
}

/* Moves amount into (sign +1) or out of (sign -1) the customer's wallet. */
static orders_code_t wallet_move(orders_ctx_t *ctx, const char *customer_id,
                                 const orders_money_t *amount, int sign, const char *ref,
                                 int64_t *balance, orders_error_t *err)
{
    orders_code_t rc = wallet_args(customer_id, amount, ref, err);
    if (rc)
        return rc;
    return ctx->store->wallet_apply(ctx->store_ud, customer_id, amount->currency,
                                    sign * amount->amount, ref, orders_ctx_now(ctx), balance, err);
}

orders_code_t orders_wallet_credit(orders_ctx_t *ctx, const char *customer_id,
                                   const orders_money_t *amount, const char *ref,
                                   int64_t *balance, orders_error_t *err)
{
    return wallet_move(ctx, customer_id, amount, +1, ref, balance, err);
}

orders_code_t orders_wallet_debit(orders_ctx_t *ctx, const char *customer_id,
                                  const orders_money_t *amount, const char *ref,
                                  int64_t *balance, orders_error_t *err)
{
    return wallet_move(ctx, customer_id, amount, -1, ref, balance, err);
}

orders_code_t orders_wallet_balance(orders_ctx_t *ctx, const char *customer_id,
                                    const char *currency, int64_t *balance, orders_error_t *err)
{
    orders_code_t rc = orders__check_id(customer_id, "customerId", err);
    if (rc)
        return rc;
    if (!orders_currency_valid(currency))
        return orders_error_set(err, ORDERS_E_CURRENCY, "currency", "unknown currency");
    return ctx->store->wallet_balance(ctx->store_ud, customer_id, currency, balance, err);
}
