/*
 * orders/gateway.h - the payment gateway plugin interface (version 1).
 *
 * One gateway is registered per payment method (cod, online, wallet) with
 * orders_ctx_set_gateway().  The core drives it: authorize at placement (or
 * at orders_order_pay), void on cancellation of an unpaid order, refund for
 * refunds, status to settle an answer that was "pending" or lost to a
 * timeout.  An approval is taken as final (authorize-and-capture); capture
 * is reserved for gateways that separate the two and is not called by this
 * version of the core.  A gateway never changes orders itself.
 *
 * Every member receives the context so that a gateway can use the library
 * (the built-in wallet gateway moves money in the store's wallet ledger).
 * Members may be called from many threads at once.  Optional members
 * (everything but authorize) may be NULL: not supported.
 *
 * Idempotency keys the core passes: "pay:ORDERID" for authorize and
 * status, "refund:ORDERID:VERSION" for refunds (VERSION: the order version
 * that recorded the refund, so every attempt has its own key), and
 * "refund-late:ORDERID:VERSION" when money that arrived after an order
 * ended is given back.  A gateway must answer a repeated key with the first result,
 * and may do so for a decline too.
 */
#ifndef ORDERS_GATEWAY_H
#define ORDERS_GATEWAY_H

#include <orders/types.h>
#include <orders/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ORDERS_GATEWAY_VERSION 1

typedef struct orders_ctx orders_ctx_t;

typedef enum orders_pay_outcome {
    ORDERS_PAY_APPROVED = 0,     /* money taken (or, for cod, promise accepted) */
    ORDERS_PAY_PENDING,          /* not known yet: ask status() later          */
    ORDERS_PAY_DECLINED          /* refused: message says why                  */
} orders_pay_outcome_t;

/* One payment operation's input; strings borrowed. */
typedef struct orders_payment {
    const char *order_id;
    const char *customer_id;
    const char *txn_id;          /* the gateway's id from authorize; NULL before */
    const char *idempotency_key; /* stable per order and operation */
    orders_money_t amount;
} orders_payment_t;

typedef struct orders_pay_result {
    orders_pay_outcome_t outcome;
    bool money_taken;            /* true when approval means funds moved (not cod) */
    char txn_id[ORDERS_ID_MAX + 1];
    char message[128];           /* why declined, for humans; never a secret */
} orders_pay_result_t;

typedef struct orders_gateway_vtable {
    int version;
    const char *name;
    /* Required.  ORDERS_E_UNAVAILABLE for a timeout or outage: the outcome
     * is then unknown and the core settles it later through status(). */
    orders_code_t (*authorize)(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                               orders_pay_result_t *res, orders_error_t *err);
    orders_code_t (*capture)(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                             orders_pay_result_t *res, orders_error_t *err);
    orders_code_t (*void_payment)(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                                  orders_error_t *err);
    /* Refunds p->amount of the payment p->txn_id. */
    orders_code_t (*refund)(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                            orders_pay_result_t *res, orders_error_t *err);
    /* Current outcome of p->txn_id. */
    orders_code_t (*status)(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                            orders_pay_result_t *res, orders_error_t *err);
} orders_gateway_vtable_t;

/* Built-in gateways.  cod and wallet take no userdata (pass NULL). */
const orders_gateway_vtable_t *orders_gateway_cod_vtable(void);
const orders_gateway_vtable_t *orders_gateway_wallet_vtable(void);

/*
 * The scriptable test gateway, for tests and demos of "online" payments.
 * Each authorize and each refund pops the next scripted step; with an
 * empty script it approves.  A PENDING payment stays pending until
 * orders_gateway_test_settle() decides it.  A refund key gets its first
 * answer again, a decline included.  Thread-safe.
 */
typedef enum orders_test_step {
    ORDERS_TEST_APPROVE = 0,
    ORDERS_TEST_DECLINE,
    ORDERS_TEST_PENDING,
    ORDERS_TEST_TIMEOUT          /* ORDERS_E_UNAVAILABLE; the payment still happens */
} orders_test_step_t;

const orders_gateway_vtable_t *orders_gateway_test_vtable(void);
/* New test gateway userdata, freed with orders_gateway_test_free. */
void *orders_gateway_test_new(void);
void orders_gateway_test_free(void *gw);
/* Appends a step to the script. */
orders_code_t orders_gateway_test_script(void *gw, orders_test_step_t step, orders_error_t *err);
/* Decides a pending payment: approved or declined. */
orders_code_t orders_gateway_test_settle(void *gw, const char *txn_id, bool approved,
                                         orders_error_t *err);
/* Money the gateway holds for txn_id: authorized minus refunded (0 if unknown). */
int64_t orders_gateway_test_balance(void *gw, const char *txn_id);
/* Number of authorize calls that reached the gateway. */
int64_t orders_gateway_test_charges(void *gw);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_GATEWAY_H */
