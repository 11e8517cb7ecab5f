/*
 * test_seller.c - multi-seller orders: the split with order-level amounts
 * from a pricing hook, per-seller statuses, and the derived order status.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "support/fixture_more.h"

static fixture_t f;

typedef struct pricing_seen {
    int calls;
    int64_t subtotal;
    size_t items;
} pricing_seen_t;
static pricing_seen_t seen;

/* tax 100, shipping 1000, discount 7: none divides evenly across the parts */
static orders_code_t pricing(void *ud, const orders_order_t *draft, orders_pricing_t *out,
                             orders_error_t *err)
{
    (void)err;
    pricing_seen_t *s = ud;
    s->calls++;
    s->subtotal = draft->subtotal.amount;
    s->items = draft->item_count;
    out->tax = 100;
    out->shipping_fee = 1000;
    out->discount = 7;
    return ORDERS_OK;
}

static void setup(void)
{
    fix_open(&f, NULL);
    memset(&seen, 0, sizeof seen);
    orders_ctx_set_pricing(f.ctx, pricing, &seen);
    /* the first item's seller is "zeta": last by name, first by position */
    fix_product(&f, "pz", "zeta", 1001, 100);
    fix_product(&f, "pa", "alpha", 1333, 100);
    fix_product(&f, "pm", "mid", 667, 100);
    fix_product(&f, "pz2", "zeta", 250, 100);
}

static void teardown(void)
{
    fix_close(&f);
}

/* items: pz x1 (zeta), pa x1 (alpha), pm x1 (mid), pz2 x2 (zeta) */
static orders_order_t *three_sellers(const char *customer, orders_payment_method_t m, bool defer)
{
    fix_add(&f, customer, "pz", 1);
    fix_add(&f, customer, "pa", 1);
    fix_add(&f, customer, "pm", 1);
    fix_add(&f, customer, "pz2", 2);
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    cr_assert_eq(fm_place_rc(&f, customer, m, defer, &o, &err), ORDERS_OK, "%s", err.message);
    return o;
}

Test(split, three_sellers_exact_with_remainder_to_first, .init = setup, .fini = teardown)
{
    orders_order_t *o = three_sellers("c1", ORDERS_METHOD_COD, false);
    cr_assert_eq(seen.calls, 1);
    cr_assert_eq(seen.subtotal, 3501);
    cr_assert_eq(seen.items, 4);
    cr_assert_eq(o->subtotal.amount, 3501);
    cr_assert_eq(o->tax.amount, 100);
    cr_assert_eq(o->shipping_fee.amount, 1000);
    cr_assert_eq(o->discount.amount, 7);
    cr_assert_eq(o->total_amount.amount, 3501 + 100 + 1000 - 7);

    orders_split_t *s = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_split(o, &s, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(s->count, 3);
    /* parts in first-seen order */
    cr_assert_str_eq(s->parts[0].seller_id, "zeta");
    cr_assert_str_eq(s->parts[1].seller_id, "alpha");
    cr_assert_str_eq(s->parts[2].seller_id, "mid");

    /* shares rounded down: tax 42/38/19 (+1), shipping 428/380/190 (+2),
     * discount 3/2/1 (+1); remainders to zeta */
    static const struct {
        int64_t subtotal, tax, ship, disc, total, units;
        size_t n, idx[2];
    } want[3] = {
        {1501, 43, 430, 4, 1970, 3, 2, {0, 3}},
        {1333, 38, 380, 2, 1749, 1, 1, {1, 0}},
        {667, 19, 190, 1, 875, 1, 1, {2, 0}},
    };
    int64_t sum[5] = {0};
    for (size_t i = 0; i < 3; i++) {
        const orders_seller_part_t *p = &s->parts[i];
        cr_assert_eq(p->subtotal.amount, want[i].subtotal, "part %zu subtotal %lld", i,
                     (long long)p->subtotal.amount);
        cr_assert_eq(p->tax.amount, want[i].tax, "part %zu tax %lld", i, (long long)p->tax.amount);
        cr_assert_eq(p->shipping_fee.amount, want[i].ship, "part %zu shipping %lld", i,
                     (long long)p->shipping_fee.amount);
        cr_assert_eq(p->discount.amount, want[i].disc, "part %zu discount %lld", i,
                     (long long)p->discount.amount);
        cr_assert_eq(p->total.amount, want[i].total, "part %zu total %lld", i,
                     (long long)p->total.amount);
        cr_assert_eq(p->total_items, want[i].units);
        cr_assert_eq(p->item_count, want[i].n);
        int64_t items_sum = 0;
        for (size_t k = 0; k < p->item_count; k++) {
            cr_assert_eq(p->item_indexes[k], want[i].idx[k]);
            const orders_order_item_t *it = &o->items[p->item_indexes[k]];
            cr_assert_str_eq(it->seller_id, p->seller_id);
            items_sum += it->total_price.amount;
        }
        cr_assert_eq(p->subtotal.amount, items_sum, "subtotal is not the sum of its items");
        cr_assert_str_eq(p->subtotal.currency, "USD");
        cr_assert_str_eq(p->tax.currency, "USD");
        cr_assert_str_eq(p->total.currency, "USD");
        sum[0] += p->subtotal.amount;
        sum[1] += p->tax.amount;
        sum[2] += p->shipping_fee.amount;
        sum[3] += p->discount.amount;
        sum[4] += p->total.amount;
    }
    cr_assert_eq(sum[0], o->subtotal.amount);
    cr_assert_eq(sum[1], o->tax.amount);
    cr_assert_eq(sum[2], o->shipping_fee.amount);
    cr_assert_eq(sum[3], o->discount.amount);
    cr_assert_eq(sum[4], o->total_amount.amount);

    const orders_seller_part_t *a = orders_split_find(s, "alpha");
    cr_assert_eq(a, &s->parts[1]);
    cr_assert_null(orders_split_find(s, "nobody"));
    cr_assert_null(orders_split_find(s, NULL));
    orders_split_free(s);
    orders_order_free(o);
}

Test(split, new_order_events_carry_each_part_total, .init = setup, .fini = teardown)
{
    fm_events_t ev = {0};
    fm_notifier(&f, &ev);
    orders_order_t *o = three_sellers("c1", ORDERS_METHOD_COD, false);
    fm_dispatch_all(&f);
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_NEW_ORDER, o->id), 3);
    const char *sellers[3] = {"zeta", "alpha", "mid"};
    const int64_t totals[3] = {1970, 1749, 875};
    for (size_t i = 0; i < 3; i++) {
        bool found = false;
        for (size_t k = 0; k < 3; k++) {
            const orders_event_t *e = fm_find(&ev, ORDERS_EVENT_NEW_ORDER, o->id, k);
            if (strcmp(e->recipient, sellers[i]) == 0) {
                cr_assert_eq(e->amount.amount, totals[i], "%s got %lld", sellers[i],
                             (long long)e->amount.amount);
                found = true;
            }
        }
        cr_assert(found, "no new_order for %s", sellers[i]);
    }
    orders_order_free(o);
    fix_close(&f);
    fm_events_free(&ev);
}

Test(split, single_seller_takes_everything, .init = setup, .fini = teardown)
{
    fix_add(&f, "c1", "pa", 3);
    orders_order_t *o = fix_place(&f, "c1", ORDERS_METHOD_COD);
    orders_split_t *s = NULL;
    cr_assert_eq(orders_order_split(o, &s, NULL), ORDERS_OK);
    cr_assert_eq(s->count, 1);
    cr_assert_eq(s->parts[0].subtotal.amount, 3999);
    cr_assert_eq(s->parts[0].tax.amount, 100);
    cr_assert_eq(s->parts[0].shipping_fee.amount, 1000);
    cr_assert_eq(s->parts[0].discount.amount, 7);
    cr_assert_eq(s->parts[0].total.amount, o->total_amount.amount);
    orders_split_free(s);
    orders_order_free(o);
}

/* ---- seller statuses ---- */

static orders_code_t seller_set(const char *id, const char *seller, orders_status_t to,
                                const char *tracking, orders_order_t **out, orders_error_t *err)
{
    orders_seller_update_t u = {.status = to, .tracking_number = tracking};
    return orders_seller_status_set(f.ctx, id, seller, &u, "seller", out, err);
}

static void seller_ok(const char *id, const char *seller, orders_status_t to,
                      orders_status_t overall)
{
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    cr_assert_eq(seller_set(id, seller, to, NULL, &o, &err), ORDERS_OK, "%s -> %s: %s", seller,
                 orders_status_name(to), err.message);
    cr_assert_eq(o->status, overall, "after %s -> %s the order is %s, expected %s", seller,
                 orders_status_name(to), orders_status_name(o->status), orders_status_name(overall));
    cr_assert_eq(orders_status_derive(o), o->status);
    orders_order_free(o);
}

static const orders_seller_status_t *seller_of(const orders_order_t *o, const char *seller)
{
    for (size_t i = 0; i < o->seller_count; i++)
        if (strcmp(o->seller_statuses[i].seller_id, seller) == 0)
            return &o->seller_statuses[i];
    cr_assert_fail("no seller %s", seller);
    return NULL;
}

Test(seller, one_step_at_a_time, .init = setup, .fini = teardown)
{
    orders_order_t *o = three_sellers("c1", ORDERS_METHOD_COD, false);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(o->seller_count, 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(o->seller_statuses[i].status, ORDERS_STATUS_CONFIRMED);
    orders_order_t *x = NULL;
    orders_error_t err = {0};

    cr_assert_eq(seller_set(o->id, "alpha", ORDERS_STATUS_SHIPPED, NULL, &x, &err), ORDERS_E_CONFLICT,
                 "skipping processing");
    cr_assert_null(x);
    cr_assert_eq(seller_set(o->id, "alpha", ORDERS_STATUS_DELIVERED, NULL, &x, &err), ORDERS_E_CONFLICT);
    seller_ok(o->id, "alpha", ORDERS_STATUS_PROCESSING, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(seller_set(o->id, "alpha", ORDERS_STATUS_CONFIRMED, NULL, &x, &err), ORDERS_E_CONFLICT,
                 "backwards");
    cr_assert_eq(seller_set(o->id, "alpha", ORDERS_STATUS_DELIVERED, NULL, &x, &err), ORDERS_E_CONFLICT);
    cr_assert_eq(seller_set(o->id, "nobody", ORDERS_STATUS_PROCESSING, NULL, &x, &err),
                 ORDERS_E_NOT_FOUND);
    cr_assert_eq(seller_set(o->id, "alpha", ORDERS_STATUS_PENDING, NULL, &x, &err), ORDERS_E_INVALID);
    cr_assert_eq(seller_set(o->id, "alpha", ORDERS_STATUS_CANCELLED, NULL, &x, &err), ORDERS_E_INVALID);
    cr_assert_eq(seller_set("missing", "alpha", ORDERS_STATUS_PROCESSING, NULL, &x, &err),
                 ORDERS_E_NOT_FOUND);
    cr_assert_null(x);

    orders_order_t *g = fm_get(&f, o->id);
    cr_assert_eq(seller_of(g, "alpha")->status, ORDERS_STATUS_PROCESSING);
    cr_assert_eq(seller_of(g, "zeta")->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(seller_of(g, "mid")->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(g->version, o->version + 1, "refused updates changed the order");
    orders_order_free(g);
    orders_order_free(o);
}

Test(seller, tracking_notes_and_estimate_are_kept, .init = setup, .fini = teardown)
{
    orders_order_t *o = three_sellers("c1", ORDERS_METHOD_COD, false);
    fix_advance(&f, FIX_HOUR);
    orders_seller_update_t u = {.status = ORDERS_STATUS_PROCESSING,
                                .tracking_number = "1Z999",
                                .notes = "packed",
                                .estimated_delivery = FIX_T0 + 3 * FIX_DAY};
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_seller_status_set(f.ctx, o->id, "mid", &u, "seller:mid", &x, &err), ORDERS_OK,
                 "%s", err.message);
    const orders_seller_status_t *s = seller_of(x, "mid");
    cr_assert_str_eq(s->tracking_number, "1Z999");
    cr_assert_str_eq(s->notes, "packed");
    cr_assert_eq(s->estimated_delivery, FIX_T0 + 3 * FIX_DAY);
    cr_assert_eq(s->updated_at, FIX_T0 + FIX_HOUR);
    orders_order_free(x);

    /* same status: only tracking changes; NULL and 0 leave fields alone */
    fix_advance(&f, FIX_MINUTE);
    orders_seller_update_t u2 = {.status = ORDERS_STATUS_PROCESSING, .tracking_number = "1Z1000"};
    cr_assert_eq(orders_seller_status_set(f.ctx, o->id, "mid", &u2, NULL, &x, &err), ORDERS_OK, "%s",
                 err.message);
    orders_order_free(x);
    orders_order_t *g = fm_get(&f, o->id);
    s = seller_of(g, "mid");
    cr_assert_eq(s->status, ORDERS_STATUS_PROCESSING);
    cr_assert_str_eq(s->tracking_number, "1Z1000");
    cr_assert_str_eq(s->notes, "packed");
    cr_assert_eq(s->estimated_delivery, FIX_T0 + 3 * FIX_DAY);
    cr_assert_eq(s->updated_at, FIX_T0 + FIX_HOUR + FIX_MINUTE);
    cr_assert_null(seller_of(g, "alpha")->tracking_number);
    orders_order_free(g);
    orders_order_free(o);
}

Test(seller, not_allowed_while_pending_or_finished, .init = setup, .fini = teardown)
{
    orders_order_t *x = NULL;
    orders_error_t err = {0};
    orders_order_t *p = three_sellers("c1", ORDERS_METHOD_ONLINE, true);
    cr_assert_eq(p->status, ORDERS_STATUS_PENDING);
    cr_assert_eq(seller_set(p->id, "alpha", ORDERS_STATUS_CONFIRMED, NULL, &x, &err), ORDERS_E_CONFLICT);
    cr_assert_eq(seller_set(p->id, "alpha", ORDERS_STATUS_PROCESSING, NULL, &x, &err), ORDERS_E_CONFLICT);

    orders_order_t *c = three_sellers("c2", ORDERS_METHOD_COD, false);
    cr_assert_eq(orders_order_cancel(f.ctx, c->id, NULL, "admin", NULL, NULL, &err), ORDERS_OK);
    cr_assert_eq(seller_set(c->id, "alpha", ORDERS_STATUS_PROCESSING, NULL, &x, &err), ORDERS_E_CONFLICT);

    orders_order_t *d = three_sellers("c3", ORDERS_METHOD_COD, false);
    for (orders_status_t s = ORDERS_STATUS_PROCESSING; s <= ORDERS_STATUS_DELIVERED; s++)
        orders_order_free(fm_move(&f, d->id, s));
    cr_assert_eq(seller_set(d->id, "alpha", ORDERS_STATUS_DELIVERED, "late", &x, &err), ORDERS_E_CONFLICT);
    cr_assert_null(x);
    orders_order_t *g = fm_get(&f, d->id);
    cr_assert_null(seller_of(g, "alpha")->tracking_number);
    for (size_t i = 0; i < g->seller_count; i++)
        cr_assert_eq(g->seller_statuses[i].status, ORDERS_STATUS_DELIVERED,
                     "sellers follow the order to delivered");
    orders_order_free(g);
    orders_order_free(p);
    orders_order_free(c);
    orders_order_free(d);
}

Test(seller, overall_status_is_least_advanced, .init = setup, .fini = teardown)
{
    fm_events_t ev = {0};
    fm_notifier(&f, &ev);
    orders_order_t *o = three_sellers("c1", ORDERS_METHOD_COD, false);
    const char *id = o->id;

    fix_advance(&f, FIX_MINUTE);
    seller_ok(id, "zeta", ORDERS_STATUS_PROCESSING, ORDERS_STATUS_CONFIRMED);
    seller_ok(id, "alpha", ORDERS_STATUS_PROCESSING, ORDERS_STATUS_CONFIRMED);
    fix_advance(&f, FIX_MINUTE);
    seller_ok(id, "mid", ORDERS_STATUS_PROCESSING, ORDERS_STATUS_PROCESSING);
    orders_order_t *g = fm_get(&f, id);
    cr_assert_eq(g->processing_at, FIX_T0 + 2 * FIX_MINUTE);
    cr_assert_eq(g->shipped_at, 0);
    orders_order_free(g);

    /* zeta runs ahead to delivered; the order waits for the others */
    fix_advance(&f, FIX_HOUR);
    seller_ok(id, "zeta", ORDERS_STATUS_SHIPPED, ORDERS_STATUS_PROCESSING);
    seller_ok(id, "zeta", ORDERS_STATUS_DELIVERED, ORDERS_STATUS_PROCESSING);
    seller_ok(id, "alpha", ORDERS_STATUS_SHIPPED, ORDERS_STATUS_PROCESSING);
    fix_advance(&f, FIX_HOUR);
    seller_ok(id, "mid", ORDERS_STATUS_SHIPPED, ORDERS_STATUS_SHIPPED);
    int64_t shipped = FIX_T0 + 2 * FIX_MINUTE + 2 * FIX_HOUR;
    g = fm_get(&f, id);
    cr_assert_eq(g->shipped_at, shipped);
    cr_assert_eq(g->delivered_at, 0);
    cr_assert_eq(seller_of(g, "zeta")->status, ORDERS_STATUS_DELIVERED, "a seller ahead is not pulled back");
    orders_order_free(g);

    fix_advance(&f, FIX_DAY);
    seller_ok(id, "mid", ORDERS_STATUS_DELIVERED, ORDERS_STATUS_SHIPPED);
    seller_ok(id, "alpha", ORDERS_STATUS_DELIVERED, ORDERS_STATUS_DELIVERED);
    g = fm_get(&f, id);
    cr_assert_eq(g->delivered_at, shipped + FIX_DAY);
    cr_assert_eq(g->payment_status, ORDERS_PAYMENT_PAID, "cod is paid on delivery");
    for (size_t i = 0; i < g->item_count; i++)
        cr_assert_eq(g->items[i].status, ORDERS_ITEM_FULFILLED);
    orders_order_free(g);

    /* the derived moves are ordinary transitions: history and events */
    orders_history_list_t h = {0};
    orders_error_t err = {0};
    cr_assert_eq(orders_order_history(f.ctx, id, &h, &err), ORDERS_OK);
    int derived = 0;
    for (size_t i = 0; i < h.count; i++)
        if (h.items[i]->from_status && strcmp(h.items[i]->from_status, h.items[i]->to_status) != 0 &&
            h.items[i]->note && strcmp(h.items[i]->note, "derived from seller statuses") == 0)
            derived++;
    cr_assert_eq(derived, 3, "processing, shipped, delivered derived; got %d", derived);
    orders_history_list_clear(&h);
    fm_dispatch_all(&f);
    /* pending->confirmed at placement, then the three derived moves */
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_STATUS_CHANGED, id), 4);
    cr_assert_eq(fm_count(&ev, ORDERS_EVENT_SELLER_STATUS, id), 9);
    const orders_event_t *e = fm_find(&ev, ORDERS_EVENT_STATUS_CHANGED, id, 3);
    cr_assert_str_eq(e->old_status, "shipped");
    cr_assert_str_eq(e->new_status, "delivered");
    orders_order_free(o);
    fix_close(&f);
    fm_events_free(&ev);
}

Test(seller, derive_rule_on_built_orders)
{
    orders_seller_status_t ss[3] = {
        {.seller_id = "a", .status = ORDERS_STATUS_SHIPPED},
        {.seller_id = "b", .status = ORDERS_STATUS_PROCESSING},
        {.seller_id = "c", .status = ORDERS_STATUS_DELIVERED},
    };
    orders_order_t o = {.status = ORDERS_STATUS_CONFIRMED, .seller_statuses = ss, .seller_count = 3};
    cr_assert_eq(orders_status_derive(&o), ORDERS_STATUS_PROCESSING);
    ss[1].status = ORDERS_STATUS_SHIPPED;
    cr_assert_eq(orders_status_derive(&o), ORDERS_STATUS_SHIPPED);
    ss[0].status = ss[1].status = ORDERS_STATUS_DELIVERED;
    cr_assert_eq(orders_status_derive(&o), ORDERS_STATUS_DELIVERED);
    ss[2].status = ORDERS_STATUS_CONFIRMED;
    cr_assert_eq(orders_status_derive(&o), ORDERS_STATUS_CONFIRMED);
    /* a seller outside fulfilment: the order status stands */
    ss[2].status = ORDERS_STATUS_PENDING;
    o.status = ORDERS_STATUS_PENDING;
    cr_assert_eq(orders_status_derive(&o), ORDERS_STATUS_PENDING);
    ss[2].status = ORDERS_STATUS_CANCELLED;
    o.status = ORDERS_STATUS_CANCELLED;
    cr_assert_eq(orders_status_derive(&o), ORDERS_STATUS_CANCELLED);
    o.seller_count = 0;
    o.status = ORDERS_STATUS_SHIPPED;
    cr_assert_eq(orders_status_derive(&o), ORDERS_STATUS_SHIPPED);
}

/* Once a seller has begun fulfilling its part, the order cannot be
 * cancelled: its goods would otherwise go back on the shelf while shipped. */
Test(seller_cancel, refused_after_a_seller_moved_on)
{
    fixture_t fx;
    fix_open(&fx, NULL);
    fix_product(&fx, "a1", "sa", 1000, 5);
    fix_product(&fx, "b1", "sb", 500, 5);
    fix_add(&fx, "c1", "a1", 1);
    fix_add(&fx, "c1", "b1", 2);
    orders_order_t *o = fix_place(&fx, "c1", ORDERS_METHOD_COD);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    orders_error_t err = {0};
    orders_seller_update_t u = {.status = ORDERS_STATUS_PROCESSING};
    orders_order_t *x = NULL;
    cr_assert_eq(orders_seller_status_set(fx.ctx, o->id, "sa", &u, "seller:sa", &x, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(x->status, ORDERS_STATUS_CONFIRMED, "sb is still confirmed");
    orders_order_free(x);
    x = NULL;
    cr_assert_eq(orders_order_cancel(fx.ctx, o->id, "c1", NULL, NULL, &x, &err), ORDERS_E_CONFLICT);
    cr_assert_null(x);
    cr_assert(strstr(err.message, "seller sa") != NULL, "%s", err.message);
    orders_stock_t st = fix_stock(&fx, "a1");
    cr_assert_eq(st.sold, 1, "nothing was returned");
    fix_assert_invariant(&fx, "a1");
    orders_order_free(o);
    fix_close(&fx);
}
