/*
 * test_numbers.c - order numbers: "ORD" + the UTC date + a sequence number
 * handed out from blocks of 100 taken from the store's "order" counter, so
 * that two contexts (or processes) on one store never give the same number.
 */
#include <criterion/criterion.h>

#include <pthread.h>
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

/* Places n orders through A, each with the next number after *last. */
static void place_run(int n, long long *last)
{
    for (int i = 0; i < n; i++) {
        char customer[24];
        snprintf(customer, sizeof customer, "c%lld", *last + 1);
        long long seq = place_seq(A.ctx, customer);
        cr_assert_eq(seq, *last + 1, "got %lld after %lld", seq, *last);
        *last = seq;
    }
}

/* A takes its next block from the store when it hands out the middle number
 * of the current one, so that no placement waits for it; a block used up
 * is followed by the one taken ahead. */
Test(numbers, the_next_block_is_taken_ahead_and_follows_the_used_up_one)
{
    long long last = 0;
    place_run(49, &last);
    cr_assert_eq(place_seq(B, "b1"), 101, "A has not taken a second block yet: B takes it");
    place_run(1, &last); /* number 50: A takes its next block ahead, the third */
    cr_assert_eq(place_seq(B, "b2"), 102, "B goes on with its block");
    place_run(50, &last); /* 51 .. 100 */
    cr_assert_eq(place_seq(A.ctx, "c-next"), 201, "A, out of numbers, goes on with the third block");
    cr_assert_eq(place_seq(B, "b3"), 103);
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

/* Many threads placing through one context at once: every number is handed
 * out once, while blocks are taken ahead and switched under them. */
#define NUM_THREADS 8
#define NUM_EACH 40

typedef struct num_worker {
    pthread_t tid;
    int index;
    long long seq[NUM_EACH];
    int failures;
} num_worker_t;

static void *num_work(void *arg)
{
    num_worker_t *w = arg;
    orders_place_request_t req = {.shipping_address = fix_address(),
                                  .payment_method = ORDERS_METHOD_COD};
    for (int i = 0; i < NUM_EACH; i++) {
        char customer[32];
        snprintf(customer, sizeof customer, "t%d-%d", w->index, i);
        orders_identity_t who = {.id = customer, .name = "N", .email = "n@example.com"};
        orders_order_t *o = NULL;
        if (orders_cart_add(A.ctx, customer, "p1", 1, ORDERS_ANY_VERSION, NULL, NULL) != ORDERS_OK ||
            orders_order_place(A.ctx, &who, &req, &o, NULL) != ORDERS_OK) {
            w->failures++;
            continue;
        }
        w->seq[i] = atoll(o->order_number + 11);
        orders_order_free(o);
    }
    return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

Test(numbers, threads_of_one_context_never_share_a_number)
{
    num_worker_t w[NUM_THREADS] = {0};
    for (int t = 0; t < NUM_THREADS; t++) {
        w[t].index = t;
        cr_assert_eq(pthread_create(&w[t].tid, NULL, num_work, &w[t]), 0);
    }
    long long all[NUM_THREADS * NUM_EACH];
    size_t n = 0;
    for (int t = 0; t < NUM_THREADS; t++) {
        pthread_join(w[t].tid, NULL);
        cr_assert_eq(w[t].failures, 0, "thread %d: %d placements failed", t, w[t].failures);
        for (int i = 0; i < NUM_EACH; i++)
            all[n++] = w[t].seq[i];
    }
    qsort(all, n, sizeof all[0], cmp_ll);
    for (size_t i = 1; i < n; i++)
        cr_assert_neq(all[i], all[i - 1], "number %lld handed out twice", all[i]);
    /* one context hands its blocks out in order, taking at most one ahead:
     * 320 numbers come from the first four blocks */
    cr_assert_geq(all[0], 1);
    cr_assert_leq(all[n - 1], 400, "highest number %lld", all[n - 1]);
}
