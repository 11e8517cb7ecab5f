/*
 * test_pay_keyed.c - orders_order_pay_keyed: a payment request retried with
 * its Idempotency-Key gets its first result, never a second charge; another
 * request on a settled order is still a conflict.
 */
#include <criterion/criterion.h>
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

TestSuite(pay_keyed, .init = setup, .fini = teardown);

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

Test(pay_keyed, a_retry_with_the_key_returns_the_paid_order_and_charges_once)
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

Test(pay_keyed, the_online_gateway_is_charged_once)
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
Test(pay_keyed, a_declined_payment_is_the_result_of_its_key)
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

Test(pay_keyed, a_bad_key_is_refused_naming_the_header)
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
