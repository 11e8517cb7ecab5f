/*
 * orders/payment.h - paying, completing payments, refunds, wallets.
 *
 * Thread-safety: all calls may run concurrently on one context; races on one
 * order are settled by its version (a payment never confirms an order twice,
 * and refunds never exceed what was paid).
 * Ownership: *out (may be NULL) is set to NULL first, then to a new order
 * the caller frees; free it whenever it is non-NULL, whatever the code (an
 * outcome can be recorded while a follow-up fails).
 */
#ifndef ORDERS_PAYMENT_H
#define ORDERS_PAYMENT_H

#include <orders/context.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Starts payment of a pending online or wallet order (placed with
 * defer_payment, or whose earlier attempt timed out).  customer_id scopes the
 * lookup (NULL for admin).  ORDERS_E_CONFLICT unless the order is pending;
 * ORDERS_E_INVALID for cod.  Returns ORDERS_OK with the resulting order.  An
 * order whose total is 0 is confirmed and paid without asking a gateway. */
orders_code_t orders_order_pay(orders_ctx_t *ctx, const char *id, const char *customer_id,
                               orders_order_t **out, orders_error_t *err);

/* The same with an idempotency key (NULL: none; else 1..ORDERS_ID_MAX
 * bytes, else ORDERS_E_INVALID, field "Idempotency-Key").  A key is scoped
 * to its order.  Once the payment of a request with the key has settled
 * (confirmed or failed), the same key again returns the order as it is now
 * with ORDERS_OK, without asking the gateway; while the order is still
 * pending it is asked again (the gateway sees one payment per order however
 * often it is asked).  Another key, or none, on a settled order is
 * ORDERS_E_CONFLICT as for orders_order_pay.  The key is recorded (as a
 * hash) in the order's history, in the same atomic step as the outcome. */
orders_code_t orders_order_pay_keyed(orders_ctx_t *ctx, const char *id, const char *customer_id,
                                     const char *idempotency_key, orders_order_t **out,
                                     orders_error_t *err);

/* Reports the gateway's final answer for a pending payment: success confirms
 * the order as paid and converts its reservation; failure fails the order
 * and releases the reservation.  A success that arrives after the
 * reservation expired cancels the order and refunds the money.  Repeating
 * the same report is a no-op (ORDERS_OK). */
orders_code_t orders_payment_complete(orders_ctx_t *ctx, const char *id, bool success,
                                      const char *txn_id, orders_order_t **out,
                                      orders_error_t *err);

/* Asks the gateway for the status of a pending payment and applies it as
 * orders_payment_complete would; a still-pending answer changes nothing. */
orders_code_t orders_payment_sync(orders_ctx_t *ctx, const char *id, orders_order_t **out,
                                  orders_error_t *err);

/*
 * Refunds amount minor units (amount < 0: everything not yet refunded) of a
 * paid order through its gateway; never more than was paid
 * (ORDERS_E_INVALID, field "amount").  refund_amount grows by amount; after a
 * full refund payment_status is refunded.  ORDERS_E_CONFLICT when nothing was
 * paid.
 */
orders_code_t orders_order_refund(orders_ctx_t *ctx, const char *id, int64_t amount,
                                  const char *reason, const char *actor, orders_order_t **out,
                                  orders_error_t *err);
/*
 * The same with an idempotency key (NULL: none; else 1..ORDERS_ID_MAX
 * bytes, else ORDERS_E_INVALID, field "Idempotency-Key").  The refund of a
 * key happens at most once: the same key and amount again returns the
 * order as it is now, without a second refund (also while the first is
 * still at the gateway, or when its outcome is unknown); after the gateway
 * refused it, the same key may run again.  The same key with another
 * amount is ORDERS_E_IDEMPOTENCY.  The key is recorded (as a hash) in the
 * refund's history note, in the same atomic step as the refund.
 */
orders_code_t orders_order_refund_keyed(orders_ctx_t *ctx, const char *id, int64_t amount,
                                        const char *reason, const char *actor,
                                        const char *idempotency_key, orders_order_t **out,
                                        orders_error_t *err);

/* The wallet ledger: balances never go negative.  ref makes each movement
 * idempotent (the same ref twice moves money once).  *balance may be NULL.
 * amount must be from 1 to ORDERS_MONEY_MAX (ORDERS_E_INVALID, "amount"). */
orders_code_t orders_wallet_credit(orders_ctx_t *ctx, const char *customer_id,
                                   const orders_money_t *amount, const char *ref,
                                   int64_t *balance, orders_error_t *err);
orders_code_t orders_wallet_debit(orders_ctx_t *ctx, const char *customer_id,
                                  const orders_money_t *amount, const char *ref,
                                  int64_t *balance, orders_error_t *err);
orders_code_t orders_wallet_balance(orders_ctx_t *ctx, const char *customer_id,
                                    const char *currency, int64_t *balance, orders_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_PAYMENT_H */
