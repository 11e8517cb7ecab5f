/*
 * test_ops.c - orders_ops_counts (orders/ops.h) on the memory store:
 * reservations held and expired, the outbox backlog, and its errors.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "support/fixture.h"

static fixture_t f;

static void setup(void)
{
    fix_open(&f, NULL);
    fix_product(&f, "p1", "s1", 1000, 5);
}

static void teardown(void)
{
    fix_close(&f);
}

TestSuite(ops, .init = setup, .fini = teardown);

static orders_ops_counts_t counts(void)
{
    orders_ops_counts_t c;
    memset(&c, 0x5a, sizeof c);
    orders_error_t err = {0};
    cr_assert_eq(orders_ops_counts(f.ctx, &c, &err), ORDERS_OK, "%s", err.message);
    return c;
}

/* Places customer's cart as an online order whose payment waits, so its
 * reservation stays active. */
static void place_pending(const char *customer)
{
    fix_add(&f, customer, "p1", 2);
    orders_identity_t who = {.id = customer, .name = "Ada", .email = "ada@example.com"};
    orders_place_request_t req = {.shipping_address = fix_address(),
                                  .payment_method = ORDERS_METHOD_ONLINE,
                                  .defer_payment = true};
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_place(f.ctx, &who, &req, &o, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    orders_order_free(o);
}

Test(ops, a_new_store_counts_nothing)
{
    orders_ops_counts_t c = counts();
    cr_expect_eq(c.reservations_active, 0);
    cr_expect_eq(c.reservations_expired, 0);
    cr_expect_eq(c.reservation_conflicts, 0);
    cr_expect_eq(c.outbox_pending, 0);
    cr_expect_eq(c.outbox_dead, 0);
}

Test(ops, placement_holds_one_reservation_and_queues_events)
{
    place_pending("c1");
    orders_ops_counts_t c = counts();
    cr_expect_eq(c.reservations_active, 1);
    cr_expect_eq(c.reservations_expired, 0);
    cr_expect_eq(c.reservation_conflicts, 0);
    /* order_placed for the customer and new_order for seller s1; no
     * notifier is registered, so both wait */
    cr_expect_eq(c.outbox_pending, 2);
    cr_expect_eq(c.outbox_dead, 0);
}

Test(ops, expiry_moves_the_reservation_to_expired)
{
    place_pending("c1");
    int64_t n = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_reservations_expire(f.ctx, f.now + 31 * FIX_MINUTE, &n, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(n, 1);
    orders_ops_counts_t c = counts();
    cr_expect_eq(c.reservations_active, 0);
    cr_expect_eq(c.reservations_expired, 1);
    /* expired counts stay: a second placement adds an active one beside it */
    place_pending("c2");
    c = counts();
    cr_expect_eq(c.reservations_active, 1);
    cr_expect_eq(c.reservations_expired, 1);
}

Test(ops, refuses_null_out_and_a_context_without_store)
{
    orders_error_t err = {0};
    cr_expect_eq(orders_ops_counts(f.ctx, NULL, &err), ORDERS_E_INVALID);
    cr_expect_str_eq(err.field, "out");

    orders_ctx_t *bare = NULL;
    cr_assert_eq(orders_ctx_new(NULL, &bare, &err), ORDERS_OK);
    orders_ops_counts_t c;
    memset(&c, 0x5a, sizeof c);
    cr_expect_eq(orders_ops_counts(bare, &c, &err), ORDERS_E_INVALID);
    cr_expect_str_eq(err.field, "store");
    cr_expect_eq(c.reservations_active, 0, "out is zeroed on failure");
    cr_expect_eq(c.outbox_pending, 0);
    orders_ctx_destroy(bare);

    cr_expect_eq(orders_ops_counts(NULL, &c, &err), ORDERS_E_INVALID);
    cr_expect_str_eq(err.field, "ctx");
}
