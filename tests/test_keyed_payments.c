/*
 * test_keyed_payments.c - Idempotency-Keys on money movements.
 *
 * orders_order_refund_keyed: a key's refund happens at most once, also when
 * requests with one key race; a refusal at the gateway lets the key run
 * again; the key with another amount is refused.
 *
 * orders_order_pay_keyed: a payment request retried with its key gets its
 * first result, never a second charge; another request on a settled order
 * is still a conflict.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "support/fixture_more.h"

static fixture_t f;

static void setup(void)
{
    fix_open(&f, NULL);
    fix_product(&f, "p1", "s1", 1999, 10); /* 2 units: 3998 */
}

static void teardown(void)
{
    fix_close(&f);
}

static orders_order_t *paid_online(const char *customer)
{
    orders_order_t *o = fm_order(&f, customer, "p1", 2, ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PAID);
    return o;
}

/* The gateway's balance of the order's payment, and the stored refund. */
static void expect_refunded(const orders_order_t *o, int64_t refunded)
{
    orders_order_t *g = fm_get(&f, o->id);
    cr_expect_eq(g->refund_amount.amount, refunded, "stored refund %lld",
                 (long long)g->refund_amount.amount);
    orders_order_free(g);
    cr_expect_eq(orders_gateway_test_balance(f.test_gateway, o->payment_ref), 3998 - refunded);
}

static orders_code_t keyed(const orders_order_t *o, int64_t amount, const char *key,
                           orders_error_t *err)
{
    orders_order_t *x = NULL;
    orders_code_t rc = orders_order_refund_keyed(f.ctx, o->id, amount, "r", "admin", key, &x, err);
    orders_order_free(x);
    return rc;
}

Test(refund_keyed, the_same_key_refunds_once, .init = setup, .fini = teardown)
{
    orders_order_t *o = paid_online("c1");
    orders_error_t err = {0};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(keyed(o, 500, "k1", &err), ORDERS_OK, "try %d: %s", i, err.message);
    expect_refunded(o, 500);
    cr_expect_eq(keyed(o, 700, "k1", &err), ORDERS_E_IDEMPOTENCY, "another amount");
    cr_expect_str_eq(err.field, "Idempotency-Key");
    expect_refunded(o, 500);
    cr_assert_eq(keyed(o, 500, "k2", &err), ORDERS_OK, "another key: %s", err.message);
    expect_refunded(o, 1000);
    /* a full refund with a key, twice */
    cr_assert_eq(keyed(o, -1, "k3", &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(keyed(o, -1, "k3", &err), ORDERS_OK, "the same full refund again");
    expect_refunded(o, 3998);
    char big[ORDERS_ID_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_expect_eq(keyed(o, 1, big, &err), ORDERS_E_INVALID, "a key over 128 bytes");
    orders_order_free(o);
}

Test(refund_keyed, a_refusal_lets_the_key_run_again, .init = setup, .fini = teardown)
{
    orders_order_t *o = paid_online("c1");
    orders_error_t err = {0};
    cr_assert_eq(orders_gateway_test_script(f.test_gateway, ORDERS_TEST_DECLINE, &err), ORDERS_OK);
    cr_assert_neq(keyed(o, 500, "k1", &err), ORDERS_OK, "declined");
    expect_refunded(o, 0);
    cr_assert_eq(keyed(o, 500, "k1", &err), ORDERS_OK, "the retry after a refusal: %s",
                 err.message);
    expect_refunded(o, 500);
    cr_assert_eq(keyed(o, 500, "k1", &err), ORDERS_OK, "and then a replay");
    expect_refunded(o, 500);
    orders_order_free(o);
}

typedef struct racer {
    const orders_order_t *o;
    atomic_int *ok;
} racer_t;

static void *race(void *arg)
{
    racer_t *r = arg;
    orders_order_t *x = NULL;
    if (orders_order_refund_keyed(f.ctx, r->o->id, 300, NULL, "admin", "race-key", &x, NULL) ==
        ORDERS_OK)
        atomic_fetch_add(r->ok, 1);
    orders_order_free(x);
    return NULL;
}

Test(refund_keyed, racing_requests_with_one_key_refund_once, .init = setup, .fini = teardown)
{
    orders_order_t *o = paid_online("c1");
    atomic_int ok = 0;
    racer_t arg = {o, &ok};
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, race, &arg), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    cr_expect_eq(atomic_load(&ok), 8, "every request answers with the order");
    expect_refunded(o, 300);
    orders_order_free(o);
}

/* ---- keyed payments ---------------------------------------------------------------- */


/* History entries of order id whose note holds text. */
static int history_with(const char *id, const char *text)
{
    orders_history_list_t h = {0};
    orders_error_t err = {0};
    cr_assert_eq(orders_order_history(f.ctx, id, &h, &err), ORDERS_OK, "%s", err.message);
    int n = 0;
    for (size_t i = 0; i < h.count; i++)
        n += h.items[i]->note && strstr(h.items[i]->note, text) != NULL;
    orders_history_list_clear(&h);
    return n;
}

static orders_code_t pay(const orders_order_t *o, const char *key, orders_order_t **x,
                         orders_error_t *err)
{
    *x = NULL;
    return orders_order_pay_keyed(f.ctx, o->id, "c1", key, x, err);
}

Test(pay_keyed, a_retry_with_the_key_returns_the_paid_order_and_charges_once,
     .init = setup, .fini = teardown)
{
    fm_credit(&f, "c1", 5000, "t");
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_WALLET, true);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(pay(o, "key-1", &x, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(x->status, ORDERS_STATUS_CONFIRMED);
    int64_t version = x->version;
    orders_order_free(x);
    cr_assert_eq(fm_balance(&f, "c1"), 5000 - 3998);

    for (int i = 0; i < 3; i++) {
        cr_assert_eq(pay(o, "key-1", &x, &err), ORDERS_OK, "retry %d: %s", i, err.message);
        cr_assert_eq(x->status, ORDERS_STATUS_CONFIRMED);
        cr_assert_eq(x->payment_status, ORDERS_PAYMENT_PAID);
        cr_assert_eq(x->version, version, "a retry changed the order");
        orders_order_free(x);
    }
    cr_assert_eq(fm_balance(&f, "c1"), 5000 - 3998, "a retry charged again");
    cr_assert_eq(history_with(o->id, "[pay key "), 1, "the key is recorded once");

    /* another key, or none, is another request: the order is not pending */
    cr_assert_eq(pay(o, "key-2", &x, &err), ORDERS_E_CONFLICT);
    cr_assert_null(x);
    cr_assert_eq(pay(o, NULL, &x, &err), ORDERS_E_CONFLICT);
    cr_assert_null(x);
    cr_assert_eq(fm_balance(&f, "c1"), 5000 - 3998);
    orders_order_free(o);
}

Test(pay_keyed, the_online_gateway_is_charged_once, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, true);
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(pay(o, "k", &x, &err), ORDERS_OK, "%s", err.message);
    orders_order_free(x);
    cr_assert_eq(pay(o, "k", &x, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(x->payment_status, ORDERS_PAYMENT_PAID);
    orders_order_free(x);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 1);
    orders_order_free(o);
}

/* A declined payment is the key's result too: the same key gets the
 * failed order, not a new attempt. */
Test(pay_keyed, a_declined_payment_is_the_result_of_its_key, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_WALLET, true); /* no funds */
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    orders_code_t first = pay(o, "k-declined", &x, &err);
    cr_assert_eq(first, ORDERS_OK, "%d %s", first, err.message);
    cr_assert_eq(x->status, ORDERS_STATUS_FAILED);
    orders_order_free(x);
    fm_credit(&f, "c1", 5000, "later");
    cr_assert_eq(pay(o, "k-declined", &x, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(x->status, ORDERS_STATUS_FAILED);
    orders_order_free(x);
    cr_assert_eq(fm_balance(&f, "c1"), 5000, "nothing was taken");
    orders_order_free(o);
}

Test(pay_keyed, a_bad_key_is_refused_naming_the_header, .init = setup, .fini = teardown)
{
    orders_order_t *o = fm_order(&f, "c1", "p1", 2, ORDERS_METHOD_ONLINE, true);
    char long_key[ORDERS_ID_MAX + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(pay(o, long_key, &x, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "Idempotency-Key");
    cr_assert_eq(pay(o, "", &x, &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_gateway_test_charges(f.test_gateway), 0);
    orders_order_free(o);
}
