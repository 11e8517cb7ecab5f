/*
 * gateway/test.c - the scriptable test gateway for "online" payments.
 *
 * It behaves like a careful real gateway: payments are keyed by
 * idempotency key (a retry never charges twice), a pending payment waits
 * for orders_gateway_test_settle, refunds never exceed what was taken, a
 * refund's answer is kept under its key, a decline included (as Stripe
 * does: the same key gets the same answer), and
 * a scripted timeout still performs the operation but loses the answer, as
 * a network timeout would.  One mutex guards its state.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"

typedef enum pay_state { ST_APPROVED, ST_PENDING, ST_DECLINED, ST_VOIDED } pay_state_t;

typedef struct payment {
    char txn_id[ORDERS_ID_MAX + 1];
    char *key;
    pay_state_t state;
    int64_t taken;      /* authorized amount when approved */
    int64_t refunded;
    struct refund_key {
        char *key;
        bool declined;
    } *refund_keys;     /* every keyed refund answered, with its answer */
    size_t refund_key_count;
} payment_t;

typedef struct test_gw {
    pthread_mutex_t lock;
    orders_test_step_t *script;
    size_t script_len, script_head, script_cap;
    payment_t *pay;
    size_t pay_count, pay_cap;
    int64_t charges;
    uint64_t next_txn;
} test_gw_t;

void *orders_gateway_test_new(void)
{
    test_gw_t *g = calloc(1, sizeof *g);
    if (g)
        pthread_mutex_init(&g->lock, NULL);
    return g;
}

void orders_gateway_test_free(void *gw)
{
    test_gw_t *g = gw;
    if (!g)
        return;
    for (size_t i = 0; i < g->pay_count; i++) {
        free(g->pay[i].key);
        for (size_t j = 0; j < g->pay[i].refund_key_count; j++)
            free(g->pay[i].refund_keys[j].key);
        free(g->pay[i].refund_keys);
    }
    free(g->pay);
    free(g->script);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

orders_code_t orders_gateway_test_script(void *gw, orders_test_step_t step, orders_error_t *err)
{
    test_gw_t *g = gw;
    pthread_mutex_lock(&g->lock);
    orders_code_t rc = ORDERS_OK;
    if (g->script_len == g->script_cap) {
        size_t cap = g->script_cap ? g->script_cap * 2 : 8;
        orders_test_step_t *s = realloc(g->script, cap * sizeof *s);
        if (s) {
            g->script = s;
            g->script_cap = cap;
        } else {
            rc = orders__nomem(err);
        }
    }
    if (rc == ORDERS_OK)
        g->script[g->script_len++] = step;
    pthread_mutex_unlock(&g->lock);
    return rc;
}

/* Next scripted step, or approve when the script is used up. */
static orders_test_step_t next_step(test_gw_t *g)
{
    if (g->script_head < g->script_len)
        return g->script[g->script_head++];
    return ORDERS_TEST_APPROVE;
}

static payment_t *find(test_gw_t *g, const char *txn_id, const char *key)
{
    for (size_t i = 0; i < g->pay_count; i++) {
        if (txn_id && strcmp(g->pay[i].txn_id, txn_id) == 0)
            return &g->pay[i];
        if (!txn_id && key && g->pay[i].key && strcmp(g->pay[i].key, key) == 0)
            return &g->pay[i];
    }
    return NULL;
}

static void report(const payment_t *p, orders_pay_result_t *res)
{
    memcpy(res->txn_id, p->txn_id, sizeof res->txn_id);
    res->outcome = p->state == ST_APPROVED ? ORDERS_PAY_APPROVED
                   : p->state == ST_PENDING ? ORDERS_PAY_PENDING
                                            : ORDERS_PAY_DECLINED;
    res->money_taken = p->state == ST_APPROVED;
    if (p->state == ST_DECLINED)
        snprintf(res->message, sizeof res->message, "Payment declined");
    else if (p->state == ST_VOIDED)
        snprintf(res->message, sizeof res->message, "Payment voided");
}

static payment_t *add_payment(test_gw_t *g, const char *key)
{
    if (g->pay_count == g->pay_cap) {
        size_t cap = g->pay_cap ? g->pay_cap * 2 : 16;
        payment_t *p = realloc(g->pay, cap * sizeof *p);
        if (!p)
            return NULL;
        g->pay = p;
        g->pay_cap = cap;
    }
    payment_t *p = &g->pay[g->pay_count];
    memset(p, 0, sizeof *p);
    if (key && !(p->key = orders__strdup(key)))
        return NULL;
    snprintf(p->txn_id, sizeof p->txn_id, "test-%llu", (unsigned long long)++g->next_txn);
    g->pay_count++;
    return p;
}

static orders_code_t test_authorize(void *ud, orders_ctx_t *ctx, const orders_payment_t *pay,
                                    orders_pay_result_t *res, orders_error_t *err)
{
    (void)ctx;
    test_gw_t *g = ud;
    orders_code_t rc = ORDERS_OK;
    pthread_mutex_lock(&g->lock);
    payment_t *p = find(g, NULL, pay->idempotency_key);
    if (p) { /* a retry: same answer, no second charge */
        report(p, res);
        pthread_mutex_unlock(&g->lock);
        return ORDERS_OK;
    }
    orders_test_step_t step = next_step(g);
    if (!(p = add_payment(g, pay->idempotency_key))) {
        pthread_mutex_unlock(&g->lock);
        return orders__nomem(err);
    }
    g->charges++;
    p->state = step == ORDERS_TEST_DECLINE ? ST_DECLINED
               : step == ORDERS_TEST_PENDING ? ST_PENDING
                                             : ST_APPROVED;
    p->taken = p->state == ST_APPROVED ? pay->amount.amount : 0;
    if (step == ORDERS_TEST_PENDING)
        p->taken = pay->amount.amount; /* taken when settled as approved */
    if (step == ORDERS_TEST_TIMEOUT)
        rc = orders_error_set(err, ORDERS_E_UNAVAILABLE, NULL, "payment gateway timed out");
    else
        report(p, res);
    pthread_mutex_unlock(&g->lock);
    return rc;
}

static orders_code_t test_status(void *ud, orders_ctx_t *ctx, const orders_payment_t *pay,
                                 orders_pay_result_t *res, orders_error_t *err)
{
    (void)ctx;
    test_gw_t *g = ud;
    pthread_mutex_lock(&g->lock);
    payment_t *p = find(g, pay->txn_id, pay->idempotency_key);
    if (p)
        report(p, res);
    pthread_mutex_unlock(&g->lock);
    return p ? ORDERS_OK : orders_error_set(err, ORDERS_E_NOT_FOUND, NULL, "no such payment");
}

static orders_code_t test_void(void *ud, orders_ctx_t *ctx, const orders_payment_t *pay,
                               orders_error_t *err)
{
    (void)ctx;
    test_gw_t *g = ud;
    orders_code_t rc = ORDERS_OK;
    pthread_mutex_lock(&g->lock);
    payment_t *p = find(g, pay->txn_id, pay->idempotency_key);
    if (!p)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, NULL, "no such payment");
    else if (p->state == ST_APPROVED)
        rc = orders_error_set(err, ORDERS_E_CONFLICT, NULL, "payment was captured; refund it");
    else
        p->state = ST_VOIDED;
    pthread_mutex_unlock(&g->lock);
    return rc;
}

/* The refund answered under key, or NULL. */
static const struct refund_key *seen_refund(const payment_t *p, const char *key)
{
    for (size_t i = 0; key && i < p->refund_key_count; i++)
        if (strcmp(p->refund_keys[i].key, key) == 0)
            return &p->refund_keys[i];
    return NULL;
}

/* Keeps the answer given under key (none for a NULL key); false when
 * memory runs out. */
static bool keep_refund(payment_t *p, const char *key, bool declined)
{
    if (!key)
        return true;
    struct refund_key *keys = realloc(p->refund_keys, (p->refund_key_count + 1) * sizeof *keys);
    if (!keys)
        return false;
    p->refund_keys = keys;
    if (!(keys[p->refund_key_count].key = orders__strdup(key)))
        return false;
    keys[p->refund_key_count++].declined = declined;
    return true;
}

static void refund_declined(orders_pay_result_t *res)
{
    res->outcome = ORDERS_PAY_DECLINED;
    snprintf(res->message, sizeof res->message, "Refund declined");
}

static orders_code_t test_refund(void *ud, orders_ctx_t *ctx, const orders_payment_t *pay,
                                 orders_pay_result_t *res, orders_error_t *err)
{
    (void)ctx;
    test_gw_t *g = ud;
    orders_code_t rc = ORDERS_OK;
    pthread_mutex_lock(&g->lock);
    payment_t *p = find(g, pay->txn_id, NULL);
    const struct refund_key *seen = p ? seen_refund(p, pay->idempotency_key) : NULL;
    if (!p || p->state != ST_APPROVED) {
        rc = orders_error_set(err, ORDERS_E_CONFLICT, NULL, "nothing was taken for this payment");
    } else if (seen && seen->declined) {
        refund_declined(res); /* the key's answer again */
    } else if (seen) {
        report(p, res); /* a retried refund: done already */
    } else if (pay->amount.amount > p->taken - p->refunded) {
        rc = orders_error_set(err, ORDERS_E_INVALID, "amount", "refund exceeds the payment");
    } else {
        orders_test_step_t step = next_step(g);
        if (!keep_refund(p, pay->idempotency_key, step == ORDERS_TEST_DECLINE)) {
            rc = orders__nomem(err);
        } else if (step == ORDERS_TEST_DECLINE) {
            refund_declined(res);
        } else {
            p->refunded += pay->amount.amount;
            report(p, res);
            if (step == ORDERS_TEST_TIMEOUT)
                rc = orders_error_set(err, ORDERS_E_UNAVAILABLE, NULL, "payment gateway timed out");
        }
    }
    pthread_mutex_unlock(&g->lock);
    return rc;
}

orders_code_t orders_gateway_test_settle(void *gw, const char *txn_id, bool approved,
                                         orders_error_t *err)
{
    test_gw_t *g = gw;
    orders_code_t rc = ORDERS_OK;
    pthread_mutex_lock(&g->lock);
    payment_t *p = txn_id ? find(g, txn_id, NULL) : NULL;
    if (!p)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "txnId", "no such payment");
    else if (p->state != ST_PENDING)
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "txnId", "payment is not pending");
    else
        p->state = approved ? ST_APPROVED : ST_DECLINED;
    pthread_mutex_unlock(&g->lock);
    return rc;
}

int64_t orders_gateway_test_balance(void *gw, const char *txn_id)
{
    test_gw_t *g = gw;
    pthread_mutex_lock(&g->lock);
    payment_t *p = txn_id ? find(g, txn_id, NULL) : NULL;
    int64_t v = p && p->state == ST_APPROVED ? p->taken - p->refunded : 0;
    pthread_mutex_unlock(&g->lock);
    return v;
}

int64_t orders_gateway_test_charges(void *gw)
{
    test_gw_t *g = gw;
    pthread_mutex_lock(&g->lock);
    int64_t n = g->charges;
    pthread_mutex_unlock(&g->lock);
    return n;
}

static const orders_gateway_vtable_t test_gateway = {
    .version = ORDERS_GATEWAY_VERSION,
    .name = "test",
    .authorize = test_authorize,
    .void_payment = test_void,
    .refund = test_refund,
    .status = test_status,
};

const orders_gateway_vtable_t *orders_gateway_test_vtable(void)
{
    return &test_gateway;
}
