/*
 * test_cod.c - cash on delivery is accepted inside the placement step, as
 * one atomic store step; a cod gateway of the caller's decides how.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "support/fixture.h"

static fixture_t F;

static void setup(void)
{
    fix_open(&F, NULL);
    fix_product(&F, "p1", "s1", 1000, 10);
    fix_product(&F, "p2", "s2", 500, 10);
}

static void teardown(void)
{
    fix_close(&F);
}

TestSuite(cod, .init = setup, .fini = teardown);

/* A scripted cod gateway: the outcome and whether money moved. */
typedef struct script {
    orders_pay_outcome_t outcome;
    bool money_taken;
    int calls;
} script_t;

static orders_code_t scripted_authorize(void *ud, orders_ctx_t *ctx, const orders_payment_t *p,
                                        orders_pay_result_t *res, orders_error_t *err)
{
    (void)ctx, (void)err;
    script_t *s = ud;
    s->calls++;
    res->outcome = s->outcome;
    res->money_taken = s->money_taken;
    snprintf(res->txn_id, sizeof res->txn_id, "cod-%s", p->order_id);
    if (s->outcome == ORDERS_PAY_DECLINED)
        snprintf(res->message, sizeof res->message, "no cash accepted here");
    return ORDERS_OK;
}

static const orders_gateway_vtable_t scripted = {
    .version = ORDERS_GATEWAY_VERSION,
    .name = "scripted-cod",
    .authorize = scripted_authorize,
};

static void use_script(script_t *s)
{
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_set_gateway(F.ctx, ORDERS_METHOD_COD, &scripted, s, NULL, &err),
                 ORDERS_OK, "%s", err.message);
}

static size_t history_len(const char *id)
{
    orders_history_list_t h = {0};
    cr_assert_eq(orders_order_history(F.ctx, id, &h, NULL), ORDERS_OK);
    size_t n = h.count;
    cr_assert_str_eq(h.items[0]->to_status, "pending", "placement is recorded first");
    if (n > 1) {
        cr_assert_str_eq(h.items[1]->from_status, "pending");
        cr_assert_str_eq(h.items[1]->to_status, "confirmed");
    }
    orders_history_list_clear(&h);
    return n;
}

Test(cod, accepted_in_the_placement_step_sells_at_once)
{
    fix_add(&F, "c1", "p1", 2);
    fix_add(&F, "c1", "p2", 1);
    orders_order_t *o = fix_place(&F, "c1", ORDERS_METHOD_COD);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PENDING, "cod is paid on delivery");
    cr_assert_eq(o->confirmed_at, F.now);
    cr_assert_eq(o->items[0].status, ORDERS_ITEM_CONFIRMED);
    cr_assert_eq(o->seller_statuses[1].status, ORDERS_STATUS_CONFIRMED);
    orders_stock_t st = fix_stock(&F, "p1");
    cr_assert_eq(st.sold, 2);
    cr_assert_eq(st.reserved, 0, "never held as a reservation");
    fix_assert_invariant(&F, "p1");
    orders_reservation_t *r = NULL;
    cr_assert_eq(orders_reservation_get(F.ctx, o->id, &r, NULL), ORDERS_OK);
    cr_assert_eq(r->status, ORDERS_RES_CONFIRMED);
    orders_reservation_free(r);
    cr_assert_eq(history_len(o->id), 2u);
    int64_t pending = 0;
    cr_assert_eq(orders_outbox_counts(F.ctx, &pending, NULL, NULL), ORDERS_OK);
    cr_assert_eq(pending, 4, "order_placed, two new_order, order_status_changed");
    orders_order_free(o);
}

Test(cod, a_gateway_that_takes_money_at_once_marks_the_order_paid)
{
    script_t s = {ORDERS_PAY_APPROVED, true, 0};
    use_script(&s);
    fix_add(&F, "c1", "p1", 1);
    orders_order_t *o = fix_place(&F, "c1", ORDERS_METHOD_COD);
    cr_assert_eq(s.calls, 1);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PAID);
    char want[ORDERS_ID_MAX + 8];
    snprintf(want, sizeof want, "cod-%s", o->id);
    cr_assert_str_eq(o->payment_ref, want, "the gateway's transaction is kept");
    int64_t pending = 0;
    cr_assert_eq(orders_outbox_counts(F.ctx, &pending, NULL, NULL), ORDERS_OK);
    cr_assert_eq(pending, 4, "order_placed, new_order, order_status_changed, payment");
    orders_order_free(o);
}

Test(cod, a_decline_falls_back_to_a_placed_then_failed_order)
{
    script_t s = {ORDERS_PAY_DECLINED, false, 0};
    use_script(&s);
    fix_add(&F, "c1", "p1", 3);
    orders_order_t *o = fix_place(&F, "c1", ORDERS_METHOD_COD);
    cr_assert_geq(s.calls, 1);
    cr_assert_eq(o->status, ORDERS_STATUS_FAILED);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_FAILED);
    orders_stock_t st = fix_stock(&F, "p1");
    cr_assert_eq(st.available, 10, "the held units came back");
    cr_assert_eq(st.sold, 0);
    cr_assert_eq(st.reserved, 0);
    fix_assert_invariant(&F, "p1");
    orders_order_free(o);
}
