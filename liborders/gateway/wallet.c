/*
 * gateway/wallet.c - pays from the customer's wallet ledger in the store.
 *
 * Each movement carries a reference derived from the payment's idempotency
 * key, so a retried payment or refund never moves money twice.  An
 * insufficient balance is a decline, not an error.
 */
#include <stdio.h>
#include <string.h>

#include "../core/internal.h"

static orders_code_t wallet_move(orders_ctx_t *ctx, const orders_payment_t *p, int sign,
                                 orders_pay_result_t *res, orders_error_t *err)
{
    const char *ref = p->idempotency_key ? p->idempotency_key : p->order_id;
    orders_error_t e = {0};
    orders_code_t rc = ctx->store->wallet_apply(ctx->store_ud, p->customer_id, p->amount.currency,
                                                sign * p->amount.amount, ref, orders_ctx_now(ctx),
                                                NULL, &e);
    snprintf(res->txn_id, sizeof res->txn_id, "wallet-%s", ref);
    if (rc == ORDERS_E_INSUFFICIENT_FUNDS) {
        res->outcome = ORDERS_PAY_DECLINED;
        res->money_taken = false;
        snprintf(res->message, sizeof res->message, "Insufficient wallet balance");
        return ORDERS_OK;
    }
    if (rc) {
        if (err)
            *err = e;
        return rc;
    }
    res->outcome = ORDERS_PAY_APPROVED;
    res->money_taken = true;
    return ORDERS_OK;
}

static orders_code_t wallet_authorize(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                                      orders_pay_result_t *res, orders_error_t *err)
{
    (void)ud;
    return wallet_move(ctx, p, -1, res, err);
}

static orders_code_t wallet_refund(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                                   orders_pay_result_t *res, orders_error_t *err)
{
    (void)ud;
    return wallet_move(ctx, p, +1, res, err);
}

static const orders_gateway_vtable_t wallet = {
    .version = ORDERS_GATEWAY_VERSION,
    .name = "wallet",
    .authorize = wallet_authorize,
    .refund = wallet_refund,
};

const orders_gateway_vtable_t *orders_gateway_wallet_vtable(void)
{
    return &wallet;
}
