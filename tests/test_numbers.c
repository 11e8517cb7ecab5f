/*
 * test_numbers.c - order numbers: "ORD" + the UTC date + a sequence number
 * handed out from blocks of 100 taken from the store's "order" counter, so
 * that two contexts (or processes) on one store never give the same number.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture.h"

static fixture_t A;
static orders_ctx_t *B; /* a second context on A's store (borrowed, not freed by B) */

static void setup(void)
{
    orders_error_t err = {0};
    fix_open(&A, NULL);
    fix_product(&A, "p1", "s1", 1000, 1000);
    cr_assert_eq(orders_ctx_new(NULL, &B, &err), ORDERS_OK, "%s", err.message);
    void *ud = NULL;
    const orders_store_vtable_t *vt = orders_ctx_store(A.ctx, &ud);
    cr_assert_eq(orders_ctx_set_store(B, vt, ud, NULL, &err), ORDERS_OK, "%s", err.message);
}

static void teardown(void)
{
    orders_ctx_destroy(B);
    fix_close(&A);
}

TestSuite(numbers, .init = setup, .fini = teardown);

/* Places one unit of p1 for customer through ctx; returns the sequence part
 * of its order number (the digits after "ORD" and the 8-digit date). */
static long long place_seq(orders_ctx_t *ctx, const char *customer)
{
    orders_error_t err = {0};
    orders_identity_t who = {.id = customer, .name = "N", .email = "n@example.com"};
    orders_place_request_t req = {.shipping_address = fix_address(),
                                  .payment_method = ORDERS_METHOD_COD};
    orders_order_t *o = NULL;
    cr_assert_eq(orders_cart_add(ctx, customer, "p1", 1, ORDERS_ANY_VERSION, NULL, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(orders_order_place(ctx, &who, &req, &o, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(strncmp(o->order_number, "ORD", 3), 0, "%s", o->order_number);
    cr_assert_gt(strlen(o->order_number), 11u, "%s", o->order_number);
    long long seq = atoll(o->order_number + 11);
    orders_order_free(o);
    return seq;
}

Test(numbers, contexts_on_one_store_take_separate_blocks)
{
    cr_assert_eq(place_seq(A.ctx, "c1"), 1);
    cr_assert_eq(place_seq(A.ctx, "c2"), 2);
    /* B asks the store for a block: the second one */
    cr_assert_eq(place_seq(B, "c3"), 101);
    cr_assert_eq(place_seq(A.ctx, "c4"), 3);
    cr_assert_eq(place_seq(B, "c5"), 102);
}

Test(numbers, a_used_up_block_is_followed_by_a_fresh_one)
{
    long long last = 0;
    for (int i = 0; i < 100; i++) {
        char customer[16];
        snprintf(customer, sizeof customer, "c%d", i);
        long long seq = place_seq(A.ctx, customer);
        cr_assert_eq(seq, last + 1, "order %d got %lld after %lld", i, seq, last);
        last = seq;
    }
    cr_assert_eq(place_seq(B, "b1"), 101, "B takes the second block");
    cr_assert_eq(place_seq(A.ctx, "c100"), 201, "A, out of numbers, takes the third");
    cr_assert_eq(place_seq(B, "b2"), 102);
}

/* The date part follows the context's clock across midnight (UTC), though
 * the library converts it once per day. */
Test(numbers, the_date_part_follows_the_clock_across_days)
{
    orders_error_t err = {0};
    orders_identity_t who = {.id = "d1", .name = "N", .email = "n@example.com"};
    orders_place_request_t req = {.shipping_address = fix_address(),
                                  .payment_method = ORDERS_METHOD_COD};
    const char *want[] = {"ORD20260101", "ORD20260101", "ORD20260102", "ORD20260201"};
    const int64_t step[] = {0, 86399999 - 1000, 1000 + 1, 30 * 86400000LL};
    for (int i = 0; i < 4; i++) {
        fix_advance(&A, step[i]);
        orders_order_t *o = NULL;
        cr_assert_eq(orders_cart_add(A.ctx, "d1", "p1", 1, ORDERS_ANY_VERSION, NULL, &err),
                     ORDERS_OK, "%s", err.message);
        cr_assert_eq(orders_order_place(A.ctx, &who, &req, &o, &err), ORDERS_OK, "%s",
                     err.message);
        cr_assert_eq(strncmp(o->order_number, want[i], 11), 0, "order %d: %s, want %s...", i,
                     o->order_number, want[i]);
        orders_order_free(o);
    }
}
