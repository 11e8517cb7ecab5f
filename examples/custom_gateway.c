/*
 * custom_gateway.c - writing a payment gateway: a "gift card" gateway that
 * approves payments up to a card's remaining value, and refunds back onto
 * it.  It is registered for the "online" method.
 *
 * What it shows: a static const vtable with designated initializers; a
 * userdata the context owns and frees; idempotency by the key the core
 * passes (a retried authorize charges once); outcomes APPROVED / DECLINED.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <orders/orders.h>

typedef struct giftcard {
    pthread_mutex_t lock;
    int64_t remaining;        /* minor units */
    char last_key[160];       /* idempotency: the last authorize key seen */
    char last_refund[160];    /* ... and the last refund key (a real gateway keeps all) */
    int64_t charges;
} giftcard_t;

static orders_code_t gc_authorize(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                                  orders_pay_result_t *res, orders_error_t *err)
{
    (void)ctx, (void)err;
    giftcard_t *g = ud;
    pthread_mutex_lock(&g->lock);
    snprintf(res->txn_id, sizeof res->txn_id, "gc-%s", p->order_id);
    if (p->idempotency_key && strcmp(g->last_key, p->idempotency_key) == 0) {
        res->outcome = ORDERS_PAY_APPROVED; /* a retry of a charge already made */
        res->money_taken = true;
    } else if (p->amount.amount > g->remaining) {
        res->outcome = ORDERS_PAY_DECLINED;
        snprintf(res->message, sizeof res->message, "Gift card balance too low");
    } else {
        g->remaining -= p->amount.amount;
        g->charges++;
        snprintf(g->last_key, sizeof g->last_key, "%s", p->idempotency_key ? p->idempotency_key : "");
        res->outcome = ORDERS_PAY_APPROVED;
        res->money_taken = true;
    }
    pthread_mutex_unlock(&g->lock);
    return ORDERS_OK;
}

static orders_code_t gc_refund(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                               orders_pay_result_t *res, orders_error_t *err)
{
    (void)ctx, (void)err;
    giftcard_t *g = ud;
    pthread_mutex_lock(&g->lock);
    if (!p->idempotency_key || strcmp(g->last_refund, p->idempotency_key) != 0) {
        g->remaining += p->amount.amount; /* a retried key credits once */
        snprintf(g->last_refund, sizeof g->last_refund, "%s",
                 p->idempotency_key ? p->idempotency_key : "");
    }
    pthread_mutex_unlock(&g->lock);
    res->outcome = ORDERS_PAY_APPROVED;
    snprintf(res->txn_id, sizeof res->txn_id, "gc-refund-%s", p->order_id);
    return ORDERS_OK;
}

static void gc_free(void *ud)
{
    giftcard_t *g = ud;
    pthread_mutex_destroy(&g->lock);
    free(g);
}

static const orders_gateway_vtable_t giftcard_gateway = {
    .version = ORDERS_GATEWAY_VERSION,
    .name = "giftcard",
    .authorize = gc_authorize,
    .refund = gc_refund,
    /* capture, void_payment and status are optional: NULL = not supported */
};

static int fail(const char *what, const orders_error_t *err)
{
    fprintf(stderr, "%s: %s\n", what, err->message);
    return 1;
}

int main(void)
{
    orders_error_t err = {0};
    orders_ctx_t *ctx = NULL;
    if (orders_ctx_new(NULL, &ctx, &err) || orders_ctx_open_store(ctx, "memory:", &err))
        return fail("context", &err);

    giftcard_t *card = calloc(1, sizeof *card);
    pthread_mutex_init(&card->lock, NULL);
    card->remaining = 5000; /* $50.00 */
    if (orders_ctx_set_gateway(ctx, ORDERS_METHOD_ONLINE, &giftcard_gateway, card, gc_free, &err)) {
        gc_free(card); /* a refused registration leaves the userdata ours */
        return fail("gateway", &err);
    }

    orders_product_t lamp = {.id = "lamp", .seller_id = "lumen", .name = "Desk lamp",
                             .price = {3900, "USD"}, .active = true};
    orders_identity_t who = {.id = "cust-7"};
    orders_address_t addr = {.address_line1 = "5 Elm St", .city = "Austin", .state = "TX",
                             .country = "US", .postal_code = "73301"};
    orders_place_request_t req = {.shipping_address = &addr, .payment_method = ORDERS_METHOD_ONLINE};
    orders_order_t *first = NULL, *second = NULL;
    if (orders_product_put(ctx, &lamp, true, NULL, &err) || orders_stock_set(ctx, "lamp", 5, NULL, &err) ||
        orders_cart_add(ctx, "cust-7", "lamp", 1, ORDERS_ANY_VERSION, NULL, &err) ||
        orders_order_place(ctx, &who, &req, &first, &err))
        return fail("first order", &err);
    printf("first order: %s, payment %s (card left: %lld cents)\n", orders_status_name(first->status),
           orders_payment_status_name(first->payment_status), (long long)card->remaining);

    /* the card now holds $11.00: a second lamp is declined and its stock released */
    if (orders_cart_add(ctx, "cust-7", "lamp", 1, ORDERS_ANY_VERSION, NULL, &err) ||
        orders_order_place(ctx, &who, &req, &second, &err))
        return fail("second order", &err);
    printf("second order: %s, payment %s\n", orders_status_name(second->status),
           orders_payment_status_name(second->payment_status));

    orders_stock_t st = {0};
    orders_stock_get(ctx, "lamp", &st, &err);
    printf("lamp stock: available %lld, sold %lld\n", (long long)st.available, (long long)st.sold);

    int ok = first->status == ORDERS_STATUS_CONFIRMED && second->status == ORDERS_STATUS_FAILED &&
             st.sold == 1 && st.available == 4 && card->charges == 1;
    orders_order_free(first);
    orders_order_free(second);
    orders_ctx_destroy(ctx); /* frees the card through gc_free */
    return ok ? 0 : 1;
}
