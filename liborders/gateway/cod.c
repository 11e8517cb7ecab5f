/*
 * gateway/cod.c - cash on delivery.  Authorization is a promise accepted at
 * once; no money moves until delivery, when the core marks the order paid.
 * A refund is cash handed back outside the system, so it always succeeds.
 */
#include <stdio.h>

#include "../core/internal.h"

static orders_code_t cod_authorize(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                                   orders_pay_result_t *res, orders_error_t *err)
{
    (void)ud, (void)ctx, (void)err;
    res->outcome = ORDERS_PAY_APPROVED;
    res->money_taken = false;
    orders__join(res->txn_id, sizeof res->txn_id, "cod-", p->order_id);
    return ORDERS_OK;
}

static orders_code_t cod_void(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                              orders_error_t *err)
{
    (void)ud, (void)ctx, (void)p, (void)err;
    return ORDERS_OK;
}

static orders_code_t cod_refund(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                                orders_pay_result_t *res, orders_error_t *err)
{
    (void)ud, (void)ctx, (void)err;
    res->outcome = ORDERS_PAY_APPROVED;
    res->money_taken = false;
    snprintf(res->txn_id, sizeof res->txn_id, "cod-refund-%s", p->order_id);
    return ORDERS_OK;
}

static const orders_gateway_vtable_t cod = {
    .version = ORDERS_GATEWAY_VERSION,
    .name = "cod",
    .authorize = cod_authorize,
    .void_payment = cod_void,
    .refund = cod_refund,
};

const orders_gateway_vtable_t *orders_gateway_cod_vtable(void)
{
    return &cod;
}
