/*
 * test_place.c - orders_order_place (orders/order.h): the order it builds,
 * the stock it moves, the cart it clears, the outbox events and history it
 * writes; failures that must leave nothing behind; idempotency keys; the
 * pricing hook; prices re-read from the catalog; customers backends.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "support/fixture.h"
#include "support/fixture_extra.h"

static fixture_t F;
static fixx_events_t EV;
static const char *const PRODUCTS[] = {"p1", "p2", "p3", NULL};
/* The products whose stock assert_refused checks (a test may narrow it). */
static const char *const *CHECKED = PRODUCTS;

static void setup(void)
{
    fix_open(&F, NULL);
    memset(&EV, 0, sizeof EV);
    fixx_product(&F, "p1", "s1", "Widget", "https://img.example/w.png", 1999, "USD", 10, true);
    fixx_product(&F, "p2", "s1", "Gadget", NULL, 500, "USD", 10, true);
    fixx_product(&F, "p3", "s2", "Gizmo", NULL, 12345, "USD", 10, true);
}

static void teardown(void)
{
    fix_close(&F);
}

TestSuite(place, .init = setup, .fini = teardown);

static orders_place_request_t request(orders_payment_method_t method, bool defer)
{
    orders_place_request_t r = {.shipping_address = fix_address(), .payment_method = method,
                                .defer_payment = defer};
    return r;
}

static orders_code_t place(const char *customer, const orders_place_request_t *req,
                           orders_order_t **out, orders_error_t *err)
{
    orders_identity_t who = {.id = customer, .name = "Ada", .email = "ada@example.com"};
    memset(err, 0, sizeof *err);
    return orders_order_place(F.ctx, &who, req, out, err);
}

static orders_order_t *place_ok(const char *customer, const orders_place_request_t *req)
{
    orders_error_t err;
    orders_order_t *o = NULL;
    cr_assert_eq(place(customer, req, &o, &err), ORDERS_OK, "place: %s", err.message);
    cr_assert_not_null(o);
    return o;
}

/* Asserts that placing fails with code (and message/field when given) and
 * leaves the customer's cart, orders, outbox and stock as they were. */
static void assert_refused(const char *customer, const orders_place_request_t *req,
                           orders_code_t code, const char *message, const char *field)
{
    fixx_snapshot_t snap;
    fixx_snapshot_take(&F, &snap, customer, CHECKED);
    orders_error_t err;
    orders_order_t *o = NULL;
    orders_code_t rc = place(customer, req, &o, &err);
    cr_assert_eq(rc, code, "expected %s, got %s (%s)", orders_strerror(code), orders_strerror(rc),
                 err.message);
    cr_assert_null(o, "a refused placement returns no order");
    cr_assert_eq(err.code, code);
    if (message)
        cr_assert_str_eq(err.message, message);
    if (field)
        cr_assert_str_eq(err.field, field);
    fixx_snapshot_check(&F, &snap, customer);
}

static void fill_cart(const char *customer)
{
    fix_add(&F, customer, "p1", 2);
    fix_add(&F, customer, "p2", 3);
    fix_add(&F, customer, "p3", 1);
}

/* ---- the happy path -------------------------------------------------------------- */

static void check_item(const orders_order_item_t *it, const char *product, const char *seller,
                       const char *name, int64_t q, int64_t unit)
{
    cr_assert_str_eq(it->product_id, product);
    cr_assert_str_eq(it->seller_id, seller);
    cr_assert_str_eq(it->product_name, name);
    cr_assert_eq(it->quantity, q);
    cr_assert_eq(it->unit_price.amount, unit);
    cr_assert_str_eq(it->unit_price.currency, "USD");
    cr_assert_eq(it->total_price.amount, q * unit);
}

Test(place, deferred_online_order_is_pending_and_complete)
{
    fill_cart("c1");
    orders_cart_t *before = fixx_cart(&F, "c1");
    fix_advance(&F, 7 * FIX_MINUTE);
    int64_t now = F.now;

    orders_place_request_t req = request(ORDERS_METHOD_ONLINE, true);
    req.notes = "leave at the door";
    orders_order_t *o = place_ok("c1", &req);

    cr_assert_not_null(o->id);
    cr_assert_gt(strlen(o->id), 0u);
    cr_assert_eq(strncmp(o->order_number, "ORD", 3), 0, "orderNumber %s", o->order_number);
    cr_assert_gt(strlen(o->order_number), 3u);
    for (const char *p = o->order_number + 3; *p; p++)
        cr_assert(*p >= '0' && *p <= '9', "orderNumber %s is ORD + digits", o->order_number);
    cr_assert_str_eq(o->customer_id, "c1");
    cr_assert_str_eq(o->customer_name, "Ada");
    cr_assert_str_eq(o->customer_email, "ada@example.com");
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_eq(o->payment_method, ORDERS_METHOD_ONLINE);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PENDING);
    cr_assert_str_eq(o->notes, "leave at the door");
    cr_assert_eq(o->version, 1);

    cr_assert_eq(o->item_count, 3u);
    check_item(&o->items[0], "p1", "s1", "Widget", 2, 1999);
    check_item(&o->items[1], "p2", "s1", "Gadget", 3, 500);
    check_item(&o->items[2], "p3", "s2", "Gizmo", 1, 12345);
    cr_assert_str_eq(o->items[0].product_image, "https://img.example/w.png");
    for (size_t i = 0; i < o->item_count; i++) {
        cr_assert_eq(o->items[i].status, ORDERS_ITEM_RESERVED, "item %zu", i);
        cr_assert_eq(o->items[i].reserved_at, now);
    }

    cr_assert_eq(o->subtotal.amount, 3998 + 1500 + 12345);
    cr_assert_str_eq(o->subtotal.currency, "USD");
    cr_assert_eq(o->tax.amount, 0);
    cr_assert_eq(o->shipping_fee.amount, 0);
    cr_assert_eq(o->discount.amount, 0);
    cr_assert_eq(o->total_amount.amount, 17843);
    cr_assert_str_eq(o->total_amount.currency, "USD");

    fixx_assert_address(&o->shipping_address, fix_address());
    cr_assert_eq(o->seller_count, 2u);
    cr_assert_str_eq(o->seller_statuses[0].seller_id, "s1");
    cr_assert_str_eq(o->seller_statuses[1].seller_id, "s2");
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(o->seller_statuses[i].status, ORDERS_STATUS_PENDING);
        cr_assert_eq(o->seller_statuses[i].updated_at, now);
    }
    cr_assert_eq(o->placed_at, now);
    cr_assert_eq(o->created_at, now);
    cr_assert_eq(o->reservation_expiry, now + 30 * FIX_MINUTE);

    /* stock: held, not sold */
    orders_stock_t s1 = fix_stock(&F, "p1"), s2 = fix_stock(&F, "p2"), s3 = fix_stock(&F, "p3");
    cr_assert_eq(s1.available, 8);
    cr_assert_eq(s1.reserved, 2);
    cr_assert_eq(s2.available, 7);
    cr_assert_eq(s2.reserved, 3);
    cr_assert_eq(s3.available, 9);
    cr_assert_eq(s3.reserved, 1);
    cr_assert_eq(s1.sold + s2.sold + s3.sold, 0);
    for (size_t i = 0; PRODUCTS[i]; i++)
        fix_assert_invariant(&F, PRODUCTS[i]);

    /* the reservation */
    orders_error_t err = {0};
    orders_reservation_t *r = NULL;
    cr_assert_eq(orders_reservation_get(F.ctx, o->id, &r, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(r->status, ORDERS_RES_ACTIVE);
    cr_assert(r->local_stock);
    cr_assert_eq(r->line_count, 3u);
    cr_assert_eq(r->total_items, 6);
    cr_assert_eq(r->expires_at, now + 30 * FIX_MINUTE);
    orders_reservation_free(r);

    /* the cart is cleared, and that was one more change */
    orders_cart_t *after = fixx_cart(&F, "c1");
    cr_assert_eq(after->item_count, 0u);
    cr_assert_eq(after->total_items, 0);
    cr_assert_eq(after->version, before->version + 1);
    cr_assert_str_eq(after->id, before->id);
    orders_cart_free(after);
    orders_cart_free(before);

    /* the stored order is the returned one */
    orders_order_t *stored = NULL;
    cr_assert_eq(orders_order_get(F.ctx, o->id, "c1", &stored, &err), ORDERS_OK);
    cr_assert_str_eq(stored->order_number, o->order_number);
    cr_assert_eq(stored->total_amount.amount, 17843);
    orders_order_free(stored);

    /* history: the placement */
    orders_history_list_t h = fixx_history(&F, o->id);
    cr_assert_eq(h.count, 1u);
    cr_assert_str_eq(h.items[0]->order_id, o->id);
    cr_assert_null(h.items[0]->from_status);
    cr_assert_str_eq(h.items[0]->to_status, "pending");
    cr_assert_str_eq(h.items[0]->actor, "customer:c1");
    cr_assert_eq(h.items[0]->at, now);
    orders_history_list_clear(&h);

    /* outbox: order_placed to the customer, new_order to each seller */
    cr_assert_eq(fixx_outbox_pending(&F), 3);
    cr_assert_eq(fixx_dispatch(&F, &EV), 3);
    cr_assert_eq(EV.count, 3u);
    cr_assert_eq(fixx_count_events(&EV, ORDERS_EVENT_ORDER_PLACED, "c1"), 1u);
    cr_assert_eq(fixx_count_events(&EV, ORDERS_EVENT_NEW_ORDER, "s1"), 1u);
    cr_assert_eq(fixx_count_events(&EV, ORDERS_EVENT_NEW_ORDER, "s2"), 1u);
    cr_assert_eq(fixx_find_event(&EV, ORDERS_EVENT_ORDER_PLACED, "c1")->amount, 17843);
    cr_assert_eq(fixx_find_event(&EV, ORDERS_EVENT_NEW_ORDER, "s1")->amount, 3998 + 1500);
    cr_assert_eq(fixx_find_event(&EV, ORDERS_EVENT_NEW_ORDER, "s2")->amount, 12345);
    for (size_t i = 0; i < EV.count; i++)
        cr_assert_str_eq(EV.items[i].order_id, o->id);
    cr_assert_eq(fixx_outbox_pending(&F), 0);
    orders_order_free(o);
}

Test(place, cod_order_is_confirmed_and_sold)
{
    fill_cart("c1");
    orders_order_t *o = place_ok("c1", &(orders_place_request_t){
                                           .shipping_address = fix_address(),
                                           .payment_method = ORDERS_METHOD_COD});
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(o->payment_method, ORDERS_METHOD_COD);
    cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PENDING, "cod is paid on delivery");
    cr_assert_eq(o->confirmed_at, FIX_T0);
    for (size_t i = 0; i < o->item_count; i++)
        cr_assert_eq(o->items[i].status, ORDERS_ITEM_CONFIRMED);

    orders_stock_t s1 = fix_stock(&F, "p1"), s2 = fix_stock(&F, "p2"), s3 = fix_stock(&F, "p3");
    cr_assert_eq(s1.available, 8);
    cr_assert_eq(s1.reserved, 0);
    cr_assert_eq(s1.sold, 2);
    cr_assert_eq(s2.sold, 3);
    cr_assert_eq(s3.sold, 1);
    cr_assert_eq(s2.reserved + s3.reserved, 0);
    for (size_t i = 0; PRODUCTS[i]; i++)
        fix_assert_invariant(&F, PRODUCTS[i]);

    orders_error_t err = {0};
    orders_reservation_t *r = NULL;
    cr_assert_eq(orders_reservation_get(F.ctx, o->id, &r, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(r->status, ORDERS_RES_CONFIRMED);
    orders_reservation_free(r);

    orders_history_list_t h = fixx_history(&F, o->id);
    cr_assert_eq(h.count, 2u, "placement, then pending -> confirmed");
    cr_assert_str_eq(h.items[1]->from_status, "pending");
    cr_assert_str_eq(h.items[1]->to_status, "confirmed");
    orders_history_list_clear(&h);
    orders_order_free(o);
}

Test(place, order_numbers_are_unique)
{
    char numbers[20][64];
    cr_assert_eq(orders_stock_set(F.ctx, "p2", 100, NULL, NULL), ORDERS_OK);
    for (int i = 0; i < 20; i++) {
        fix_add(&F, i % 2 ? "c1" : "c2", "p2", 1);
        orders_order_t *o = fix_place(&F, i % 2 ? "c1" : "c2", ORDERS_METHOD_COD);
        cr_assert_eq(strncmp(o->order_number, "ORD", 3), 0);
        snprintf(numbers[i], sizeof numbers[i], "%s", o->order_number);
        orders_order_free(o);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(numbers[i], numbers[j], "placements %d and %d share %s", j, i,
                              numbers[i]);
        fix_advance(&F, 1000);
    }
    cr_assert_eq(fixx_order_count(&F, NULL), 20);
}

/* ---- failures leave nothing behind ---------------------------------------------------- */

Test(place, empty_cart_is_refused)
{
    orders_place_request_t req = request(ORDERS_METHOD_COD, false);
    orders_error_t err;
    orders_order_t *o = NULL;
    /* no cart at all */
    cr_assert_eq(place("nobody", &req, &o, &err), ORDERS_E_EMPTY_CART);
    cr_assert_str_eq(err.message, "Cart is empty");
    cr_assert_null(o);
    cr_assert_eq(fixx_order_count(&F, "nobody"), 0);

    /* a cart that was emptied */
    fix_add(&F, "c1", "p1", 1);
    cr_assert_eq(orders_cart_remove(F.ctx, "c1", "p1", ORDERS_ANY_VERSION, NULL, &err), ORDERS_OK);
    assert_refused("c1", &req, ORDERS_E_EMPTY_CART, "Cart is empty", NULL);
}

Test(place, every_required_address_field_is_checked)
{
    static const char *const fields[] = {"shippingAddress.addressLine1", "shippingAddress.city",
                                         "shippingAddress.state", "shippingAddress.country",
                                         "shippingAddress.postalCode"};
    fill_cart("c1");
    for (size_t i = 0; i < 5; i++) {
        for (int empty = 0; empty < 2; empty++) {
            orders_address_t a = *fix_address();
            char **slot[] = {&a.address_line1, &a.city, &a.state, &a.country, &a.postal_code};
            *slot[i] = empty ? "" : NULL;
            orders_place_request_t req = request(ORDERS_METHOD_COD, false);
            req.shipping_address = &a;
            assert_refused("c1", &req, ORDERS_E_INVALID, NULL, fields[i]);
        }
    }
    /* the optional fields may be missing */
    orders_address_t a = *fix_address();
    a.address_line2 = a.contact_name = a.contact_phone = NULL;
    orders_place_request_t req = request(ORDERS_METHOD_COD, false);
    req.shipping_address = &a;
    orders_order_t *o = place_ok("c1", &req);
    cr_assert_null(o->shipping_address.contact_name);
    orders_order_free(o);
}

Test(place, no_address_at_all_is_invalid)
{
    fill_cart("c1");
    orders_place_request_t req = {.payment_method = ORDERS_METHOD_COD};
    assert_refused("c1", &req, ORDERS_E_INVALID, NULL, "shippingAddress");
}

Test(place, stock_that_dropped_since_the_cart_is_refused)
{
    orders_error_t err = {0};
    fix_add(&F, "c1", "p1", 10);
    fix_add(&F, "c1", "p3", 1);
    cr_assert_eq(orders_stock_set(F.ctx, "p1", 5, NULL, &err), ORDERS_OK, "%s", err.message);
    orders_place_request_t req = request(ORDERS_METHOD_COD, false);
    assert_refused("c1", &req, ORDERS_E_OUT_OF_STOCK,
                   "Some items are not available: Widget (requested: 10, available: 5)", NULL);
    orders_stock_t s = fix_stock(&F, "p1");
    cr_assert_eq(s.available, 5);
    cr_assert_eq(s.reserved, 0);
    cr_assert_eq(fix_stock(&F, "p3").reserved, 0, "all or none: the other line is not held");
}

Test(place, product_deactivated_since_the_cart_is_refused)
{
    fix_add(&F, "c1", "p1", 1);
    fix_add(&F, "c1", "p2", 2);
    fixx_set_active(&F, "p2", false);
    orders_place_request_t req = request(ORDERS_METHOD_ONLINE, true);
    assert_refused("c1", &req, ORDERS_E_OUT_OF_STOCK,
                   "Some items are not available: Gadget (requested: 2, available: 0)", NULL);
}

Test(place, saved_address_with_the_claims_backend_is_not_found)
{
    fill_cart("c1");
    orders_place_request_t req = {.shipping_address_id = "home",
                                  .payment_method = ORDERS_METHOD_COD};
    assert_refused("c1", &req, ORDERS_E_NOT_FOUND, NULL, NULL);
}

/* ---- a customers backend of our own (fixture_extra.c) ------------------------------------ */

static fixx_customers_t CUST;

static void use_fake_customers(bool active)
{
    fixx_use_customers(&F, &CUST, active);
}

Test(place, saved_address_is_resolved_by_the_customers_backend)
{
    use_fake_customers(true);
    fill_cart("c1");
    orders_place_request_t req = {.shipping_address_id = "home",
                                  .payment_method = ORDERS_METHOD_COD};
    orders_order_t *o = place_ok("c1", &req);
    fixx_assert_address(&o->shipping_address, fixx_saved_address());
    cr_assert_str_eq(o->customer_name, "Saved Sam", "the backend's name wins over the claims");
    cr_assert_str_eq(o->customer_email, "sam@example.com");
    cr_assert_geq(CUST.resolves, 1);
    cr_assert_geq(CUST.address_gets, 1);
    orders_order_free(o);

    /* an unknown saved address */
    fill_cart("c1");
    req.shipping_address_id = "office";
    assert_refused("c1", &req, ORDERS_E_NOT_FOUND, NULL, NULL);
}

Test(place, inactive_or_unknown_customer_is_refused)
{
    use_fake_customers(false);
    fill_cart("c1");
    orders_place_request_t req = request(ORDERS_METHOD_COD, false);
    assert_refused("c1", &req, ORDERS_E_INACTIVE, NULL, NULL);
    cr_assert_eq(CUST.resolves, 1);

    use_fake_customers(true);
    fill_cart("ghost");
    assert_refused("ghost", &req, ORDERS_E_NOT_FOUND, NULL, NULL);
}

/* ---- idempotency ------------------------------------------------------------------------------ */

Test(place, same_key_and_request_places_once)
{
    fill_cart("c1");
    orders_place_request_t req = request(ORDERS_METHOD_ONLINE, true);
    req.idempotency_key = "key-1";
    req.notes = "n";
    orders_order_t *first = place_ok("c1", &req);
    orders_order_t *again = place_ok("c1", &req);
    cr_assert_str_eq(again->id, first->id);
    cr_assert_str_eq(again->order_number, first->order_number);
    cr_assert_eq(fixx_order_count(&F, "c1"), 1);
    orders_stock_t s = fix_stock(&F, "p1");
    cr_assert_eq(s.reserved, 2, "stock taken once");
    cr_assert_eq(s.available, 8);
    cr_assert_eq(fixx_outbox_pending(&F), 3, "events written once");

    /* the same lines in the cart again: still the same request, replayed */
    fill_cart("c1");
    orders_order_t *third = place_ok("c1", &req);
    cr_assert_str_eq(third->id, first->id);
    cr_assert_eq(fixx_order_count(&F, "c1"), 1);
    cr_assert_eq(fix_stock(&F, "p2").reserved, 3, "stock still taken once");

    /* another cart under the same key is another request */
    orders_error_t err = {0};
    cr_assert_eq(orders_cart_clear(F.ctx, "c1", ORDERS_ANY_VERSION, NULL, &err), ORDERS_OK);
    fix_add(&F, "c1", "p2", 1);
    assert_refused("c1", &req, ORDERS_E_IDEMPOTENCY, NULL, NULL);
    orders_order_free(third);
    orders_order_free(again);
    orders_order_free(first);
}

Test(place, same_key_with_another_request_is_refused)
{
    fill_cart("c1");
    orders_place_request_t req = request(ORDERS_METHOD_COD, false);
    req.idempotency_key = "key-1";
    req.notes = "first";
    orders_order_t *first = place_ok("c1", &req);
    orders_order_free(first);

    fill_cart("c1");
    req.notes = "second";
    assert_refused("c1", &req, ORDERS_E_IDEMPOTENCY, NULL, NULL);
    cr_assert_eq(fixx_order_count(&F, "c1"), 1);
}

Test(place, keys_of_different_customers_do_not_collide)
{
    fill_cart("c1");
    fill_cart("c2");
    orders_place_request_t req = request(ORDERS_METHOD_COD, false);
    req.idempotency_key = "same-key";
    orders_order_t *a = place_ok("c1", &req);
    orders_order_t *b = place_ok("c2", &req);
    cr_assert_str_neq(a->id, b->id);
    cr_assert_str_eq(a->customer_id, "c1");
    cr_assert_str_eq(b->customer_id, "c2");
    cr_assert_eq(fixx_order_count(&F, "c1"), 1);
    cr_assert_eq(fixx_order_count(&F, "c2"), 1);
    cr_assert_eq(fix_stock(&F, "p1").sold, 4);
    orders_order_free(a);
    orders_order_free(b);
}

/* ---- pricing and prices --------------------------------------------------------------------- */

static fixx_pricing_t PRICING;

Test(place, pricing_hook_sets_tax_shipping_and_discount)
{
    PRICING = (fixx_pricing_t){.tax = 1307, .shipping = 499, .discount = 1000};
    orders_ctx_set_pricing(F.ctx, fixx_pricing_hook, &PRICING);
    fix_add(&F, "c1", "p1", 2);
    fix_add(&F, "c1", "p3", 1);
    orders_order_t *o = place_ok("c1", &(orders_place_request_t){
                                           .shipping_address = fix_address(),
                                           .payment_method = ORDERS_METHOD_ONLINE,
                                           .defer_payment = true});
    cr_assert_geq(PRICING.calls, 1);
    cr_assert_eq(PRICING.seen_subtotal, 16343, "the hook sees the draft's subtotal");
    cr_assert_eq(PRICING.seen_items, 2u);
    cr_assert_eq(o->subtotal.amount, 16343);
    cr_assert_eq(o->tax.amount, 1307);
    cr_assert_eq(o->shipping_fee.amount, 499);
    cr_assert_eq(o->discount.amount, 1000);
    cr_assert_eq(o->total_amount.amount, 16343 + 1307 + 499 - 1000);
    cr_assert_str_eq(o->tax.currency, "USD");
    cr_assert_str_eq(o->shipping_fee.currency, "USD");
    cr_assert_str_eq(o->discount.currency, "USD");
    orders_order_t *stored = NULL;
    cr_assert_eq(orders_order_get(F.ctx, o->id, NULL, &stored, NULL), ORDERS_OK);
    cr_assert_eq(stored->total_amount.amount, 17149);
    orders_order_free(stored);
    orders_order_free(o);
}

Test(place, discount_larger_than_the_total_is_invalid)
{
    PRICING = (fixx_pricing_t){.tax = 100, .shipping = 200, .discount = 1999 + 300 + 1};
    orders_ctx_set_pricing(F.ctx, fixx_pricing_hook, &PRICING);
    fix_add(&F, "c1", "p1", 1);
    orders_place_request_t req = request(ORDERS_METHOD_COD, false);
    assert_refused("c1", &req, ORDERS_E_INVALID, NULL, NULL);

    /* a discount of exactly the total is a free order, not an error */
    PRICING.discount = 1999 + 300;
    orders_order_t *o = place_ok("c1", &req);
    cr_assert_eq(o->total_amount.amount, 0);
    orders_order_free(o);
}

/* A total beyond ORDERS_MONEY_MAX could not print exactly: refused, and
 * the cart and stock stay as they were. */
Test(place, total_beyond_the_money_range_is_overflow)
{
    PRICING = (fixx_pricing_t){.tax = ORDERS_MONEY_MAX - 1999 + 1};
    orders_ctx_set_pricing(F.ctx, fixx_pricing_hook, &PRICING);
    fix_add(&F, "c1", "p1", 1);
    orders_place_request_t req = request(ORDERS_METHOD_COD, false);
    assert_refused("c1", &req, ORDERS_E_OVERFLOW, "order total exceeds 999999999999999 minor units",
                   "pricing");

    PRICING.tax = ORDERS_MONEY_MAX - 1999; /* the total is exactly the maximum */
    orders_order_t *o = place_ok("c1", &req);
    cr_assert_eq(o->total_amount.amount, ORDERS_MONEY_MAX);
    orders_order_free(o);
}

Test(place, prices_are_read_again_from_the_catalog)
{
    fix_add(&F, "c1", "p1", 2);
    fix_add(&F, "c1", "p2", 1);
    fixx_set_price(&F, "p1", 2500);
    orders_cart_t *c = fixx_cart(&F, "c1");
    cr_assert_eq(c->items[0].price.amount, 1999, "the cart keeps its snapshot");
    orders_cart_free(c);

    orders_order_t *o = fix_place(&F, "c1", ORDERS_METHOD_COD);
    cr_assert_eq(o->items[0].unit_price.amount, 2500);
    cr_assert_eq(o->items[0].total_price.amount, 5000);
    cr_assert_eq(o->items[1].unit_price.amount, 500);
    cr_assert_eq(o->subtotal.amount, 5500);
    cr_assert_eq(o->total_amount.amount, 5500);
    orders_order_free(o);
}

/* The stock runs out between the catalog check and the store's commit (the
 * pricing hook runs in between): the store refuses the whole placement and
 * the message still names the product. */
static orders_code_t steal_gizmos(void *ud, const orders_order_t *draft, orders_pricing_t *out,
                                  orders_error_t *err)
{
    (void)draft, (void)out, (void)err;
    int *calls = ud;
    if ((*calls)++ == 0)
        cr_assert_eq(orders_stock_set(F.ctx, "p3", 0, NULL, NULL), ORDERS_OK);
    return ORDERS_OK;
}

Test(place, stock_lost_before_the_commit_is_all_or_none)
{
    static int calls;
    static const char *const others[] = {"p1", "p2", NULL};
    fill_cart("c1"); /* p1 x2, p2 x3, then p3 x1 */
    orders_ctx_set_pricing(F.ctx, steal_gizmos, &calls);
    CHECKED = others;
    orders_place_request_t req = request(ORDERS_METHOD_COD, false);
    assert_refused("c1", &req, ORDERS_E_OUT_OF_STOCK,
                   "Some items are not available: Gizmo (requested: 1, available: 0)", NULL);
    cr_assert_eq(calls, 1);
    orders_stock_t s3 = fix_stock(&F, "p3");
    cr_assert_eq(s3.available, 0);
    cr_assert_eq(s3.reserved, 0);
    fix_assert_invariant(&F, "p3");
}

Test(place, a_failed_placement_does_not_use_up_its_key)
{
    orders_error_t err = {0};
    fix_add(&F, "c1", "p1", 4);
    cr_assert_eq(orders_stock_set(F.ctx, "p1", 3, NULL, &err), ORDERS_OK);
    orders_place_request_t req = request(ORDERS_METHOD_COD, false);
    req.idempotency_key = "retry-me";
    assert_refused("c1", &req, ORDERS_E_OUT_OF_STOCK, NULL, NULL);

    cr_assert_eq(orders_stock_set(F.ctx, "p1", 10, NULL, &err), ORDERS_OK);
    orders_order_t *o = place_ok("c1", &req);
    cr_assert_eq(o->items[0].quantity, 4);
    cr_assert_eq(fix_stock(&F, "p1").sold, 4);
    orders_order_free(o);
}

Test(place, the_order_takes_the_cart_currency)
{
    fixx_product(&F, "e1", "s3", "Euro Lamp", NULL, 4550, "EUR", 5, true);
    PRICING = (fixx_pricing_t){.tax = 91, .shipping = 300};
    orders_ctx_set_pricing(F.ctx, fixx_pricing_hook, &PRICING);
    fix_add(&F, "c1", "e1", 2);
    orders_order_t *o = fix_place(&F, "c1", ORDERS_METHOD_COD);
    cr_assert_str_eq(o->subtotal.currency, "EUR");
    cr_assert_str_eq(o->items[0].unit_price.currency, "EUR");
    cr_assert_str_eq(o->tax.currency, "EUR");
    cr_assert_str_eq(o->shipping_fee.currency, "EUR");
    cr_assert_str_eq(o->total_amount.currency, "EUR");
    cr_assert_eq(o->total_amount.amount, 9100 + 91 + 300);
    orders_order_free(o);
}

Test(place, malformed_requests_are_invalid)
{
    fill_cart("c1");
    orders_place_request_t req = request(ORDERS_METHOD_COD, false);
    orders_error_t err = {0};
    orders_order_t *o = NULL;
    orders_identity_t who = {.id = "c1"};
    cr_assert_eq(orders_order_place(F.ctx, NULL, &req, &o, &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_order_place(F.ctx, &who, NULL, &o, &err), ORDERS_E_INVALID);
    who.id = NULL;
    cr_assert_eq(orders_order_place(F.ctx, &who, &req, &o, &err), ORDERS_E_INVALID);
    who.id = fixx_long_id(129, 'c');
    cr_assert_eq(orders_order_place(F.ctx, &who, &req, &o, &err), ORDERS_E_INVALID);
    cr_assert_null(o);

    req.payment_method = (orders_payment_method_t)7;
    assert_refused("c1", &req, ORDERS_E_INVALID, NULL, "paymentMethod");
    req = request(ORDERS_METHOD_COD, false);
    char key[200];
    snprintf(key, sizeof key, "%s", fixx_long_id(129, 'k'));
    req.idempotency_key = key;
    assert_refused("c1", &req, ORDERS_E_INVALID, NULL, NULL);
    req.idempotency_key = "";
    assert_refused("c1", &req, ORDERS_E_INVALID, NULL, NULL);
}
