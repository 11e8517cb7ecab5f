/*
 * fixture_extra.c - see fixture_extra.h.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture_extra.h"

void fixx_product(fixture_t *f, const char *id, const char *seller, const char *name,
                  const char *image, int64_t price, const char *currency, int64_t stock,
                  bool active)
{
    orders_error_t err = {0};
    orders_product_t p = {
        .id = (char *)id,
        .seller_id = (char *)seller,
        .name = (char *)name,
        .image = (char *)image,
        .active = active,
    };
    p.price.amount = price;
    snprintf(p.price.currency, sizeof p.price.currency, "%s", currency);
    cr_assert_eq(orders_product_put(f->ctx, &p, false, NULL, &err), ORDERS_OK, "put %s: %s", id,
                 err.message);
    if (stock > 0)
        cr_assert_eq(orders_stock_set(f->ctx, id, stock, NULL, &err), ORDERS_OK, "stock %s: %s",
                     id, err.message);
}

static void reput(fixture_t *f, const char *id, const int64_t *price, const bool *active)
{
    orders_error_t err = {0};
    orders_product_t *p = NULL;
    cr_assert_eq(orders_product_get(f->ctx, id, &p, &err), ORDERS_OK, "%s", err.message);
    if (price)
        p->price.amount = *price;
    if (active)
        p->active = *active;
    orders_code_t rc = orders_product_put(f->ctx, p, false, NULL, &err);
    orders_product_free(p);
    cr_assert_eq(rc, ORDERS_OK, "re-put %s: %s", id, err.message);
}

void fixx_set_price(fixture_t *f, const char *id, int64_t price)
{
    reput(f, id, &price, NULL);
}

void fixx_set_active(fixture_t *f, const char *id, bool active)
{
    reput(f, id, NULL, &active);
}

orders_cart_t *fixx_cart(fixture_t *f, const char *customer)
{
    orders_error_t err = {0};
    orders_cart_t *c = NULL;
    cr_assert_eq(orders_cart_get(f->ctx, customer, &c, &err), ORDERS_OK, "cart of %s: %s",
                 customer, err.message);
    cr_assert_not_null(c);
    return c;
}

int64_t fixx_order_count(fixture_t *f, const char *customer)
{
    orders_error_t err = {0};
    orders_order_list_t l = {0};
    orders_list_query_t q = {.customer_id = customer, .page = 1, .limit = 1000};
    cr_assert_eq(orders_order_list(f->ctx, &q, &l, &err), ORDERS_OK, "%s", err.message);
    int64_t total = l.total;
    cr_assert_eq((int64_t)l.count, total < 1000 ? total : 1000, "list count %zu vs total %lld",
                 l.count, (long long)total);
    orders_order_list_clear(&l);
    return total;
}

int64_t fixx_outbox_pending(fixture_t *f)
{
    orders_error_t err = {0};
    int64_t pending = -1, dead = -1;
    cr_assert_eq(orders_outbox_counts(f->ctx, &pending, &dead, &err), ORDERS_OK, "%s",
                 err.message);
    return pending;
}

orders_history_list_t fixx_history(fixture_t *f, const char *order_id)
{
    orders_error_t err = {0};
    orders_history_list_t l = {0};
    cr_assert_eq(orders_order_history(f->ctx, order_id, &l, &err), ORDERS_OK, "%s", err.message);
    return l;
}

/* ---- events ------------------------------------------------------------------------ */

static orders_code_t collect(void *ud, const orders_event_t *e)
{
    fixx_events_t *ev = ud;
    if (ev->count >= FIXX_MAX_EVENTS)
        return ORDERS_E_LIMIT;
    fixx_event_t *x = &ev->items[ev->count++];
    memset(x, 0, sizeof *x);
    x->type = e->type;
    snprintf(x->order_id, sizeof x->order_id, "%s", e->order_id ? e->order_id : "");
    snprintf(x->recipient, sizeof x->recipient, "%s", e->recipient ? e->recipient : "");
    snprintf(x->new_status, sizeof x->new_status, "%s", e->new_status ? e->new_status : "");
    x->amount = e->amount.amount;
    memcpy(x->currency, e->amount.currency, ORDERS_CURRENCY_LEN);
    return ORDERS_OK;
}

int64_t fixx_dispatch(fixture_t *f, fixx_events_t *ev)
{
    orders_error_t err = {0};
    void *cb = orders_notifier_callback_new(collect, ev);
    cr_assert_not_null(cb);
    orders_code_t rc = orders_ctx_set_notifier(f->ctx, orders_notifier_callback_vtable(), cb,
                                               orders_notifier_callback_free, &err);
    if (rc)
        orders_notifier_callback_free(cb);
    cr_assert_eq(rc, ORDERS_OK, "%s", err.message);
    int64_t delivered = 0, failed = 0;
    cr_assert_eq(orders_outbox_dispatch(f->ctx, 1000, &delivered, &failed, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(failed, 0);
    return delivered;
}

size_t fixx_count_events(const fixx_events_t *ev, orders_event_type_t type,
                         const char *recipient)
{
    size_t n = 0;
    for (size_t i = 0; i < ev->count; i++)
        if (ev->items[i].type == type &&
            (!recipient || strcmp(ev->items[i].recipient, recipient) == 0))
            n++;
    return n;
}

const fixx_event_t *fixx_find_event(const fixx_events_t *ev, orders_event_type_t type,
                                    const char *recipient)
{
    for (size_t i = 0; i < ev->count; i++)
        if (ev->items[i].type == type &&
            (!recipient || strcmp(ev->items[i].recipient, recipient) == 0))
            return &ev->items[i];
    return NULL;
}

/* ---- snapshots ---------------------------------------------------------------------- */

void fixx_snapshot_take(fixture_t *f, fixx_snapshot_t *s, const char *customer,
                        const char *const *products)
{
    memset(s, 0, sizeof *s);
    s->cart = fixx_cart(f, customer);
    s->orders = fixx_order_count(f, customer);
    s->outbox = fixx_outbox_pending(f);
    for (size_t i = 0; products && products[i]; i++) {
        cr_assert_lt(i, 8u);
        snprintf(s->products[i], sizeof s->products[i], "%s", products[i]);
        s->stock[i] = fix_stock(f, products[i]);
        s->product_count++;
    }
}

void fixx_assert_same_lines(const orders_cart_t *a, const orders_cart_t *b)
{
    cr_assert_eq(a->item_count, b->item_count, "cart lines: %zu vs %zu", a->item_count,
                 b->item_count);
    for (size_t i = 0; i < a->item_count; i++) {
        cr_assert_str_eq(a->items[i].product_id, b->items[i].product_id);
        cr_assert_eq(a->items[i].quantity, b->items[i].quantity);
        cr_assert_eq(a->items[i].price.amount, b->items[i].price.amount);
    }
    cr_assert_eq(a->total_items, b->total_items);
    cr_assert_eq(a->total_amount.amount, b->total_amount.amount);
}

void fixx_snapshot_check(fixture_t *f, fixx_snapshot_t *s, const char *customer)
{
    orders_cart_t *now = fixx_cart(f, customer);
    int64_t before_version = s->cart->version, now_version = now->version;
    fixx_assert_same_lines(now, s->cart);
    orders_cart_free(now);
    orders_cart_free(s->cart);
    s->cart = NULL;
    cr_assert_eq(now_version, before_version, "cart version moved from %lld to %lld",
                 (long long)before_version, (long long)now_version);
    cr_assert_eq(fixx_order_count(f, customer), s->orders, "an order was left behind");
    cr_assert_eq(fixx_outbox_pending(f), s->outbox, "outbox events were left behind");
    for (size_t i = 0; i < s->product_count; i++) {
        orders_stock_t st = fix_stock(f, s->products[i]);
        cr_assert_eq(st.available, s->stock[i].available, "%s available %lld, was %lld",
                     s->products[i], (long long)st.available, (long long)s->stock[i].available);
        cr_assert_eq(st.reserved, s->stock[i].reserved, "%s reserved %lld, was %lld",
                     s->products[i], (long long)st.reserved, (long long)s->stock[i].reserved);
        cr_assert_eq(st.sold, s->stock[i].sold, "%s sold changed", s->products[i]);
        fix_assert_invariant(f, s->products[i]);
    }
}

static void assert_opt_str(const char *got, const char *want, const char *what)
{
    if (!want || !want[0]) {
        cr_assert(!got || !got[0], "%s: expected none, got '%s'", what, got);
        return;
    }
    cr_assert_not_null(got, "%s is missing", what);
    cr_assert_str_eq(got, want, "%s", what);
}

void fixx_assert_address(const orders_address_t *got, const orders_address_t *want)
{
    assert_opt_str(got->address_line1, want->address_line1, "addressLine1");
    assert_opt_str(got->address_line2, want->address_line2, "addressLine2");
    assert_opt_str(got->city, want->city, "city");
    assert_opt_str(got->state, want->state, "state");
    assert_opt_str(got->country, want->country, "country");
    assert_opt_str(got->postal_code, want->postal_code, "postalCode");
    assert_opt_str(got->contact_name, want->contact_name, "contactName");
    assert_opt_str(got->contact_phone, want->contact_phone, "contactPhone");
}

const char *fixx_long_id(size_t n, char c)
{
    static char buf[301];
    cr_assert_leq(n, 300u);
    memset(buf, c, n);
    buf[n] = '\0';
    return buf;
}

/* ---- customers backend ------------------------------------------------------------------- */

static const orders_address_t SAVED = {
    .address_line1 = "9 Elm Rd", .address_line2 = "Flat 2", .city = "Portland",
    .state = "OR", .country = "US", .postal_code = "97201",
    .contact_name = "Sam", .contact_phone = "+1-555-0199",
};

const orders_address_t *fixx_saved_address(void)
{
    return &SAVED;
}

static orders_code_t fake_resolve(void *ud, const orders_identity_t *who, orders_customer_t *out,
                                  orders_error_t *err)
{
    fixx_customers_t *c = ud;
    c->resolves++;
    if (strcmp(who->id, "ghost") == 0)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "customerId", "Customer not found");
    orders_customer_t tmp = {.id = (char *)who->id, .name = "Saved Sam",
                             .email = "sam@example.com", .active = c->active};
    return orders_customer_copy_into(out, &tmp) ? ORDERS_OK : ORDERS_E_NOMEM;
}

static orders_code_t fake_address_get(void *ud, const orders_identity_t *who,
                                      const char *address_id, orders_address_t *out,
                                      orders_error_t *err)
{
    fixx_customers_t *c = ud;
    c->address_gets++;
    (void)who;
    if (strcmp(address_id, "home") != 0)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "shippingAddressId", "no such address");
    return orders_address_copy_into(out, &SAVED) ? ORDERS_OK : ORDERS_E_NOMEM;
}

static const orders_customers_vtable_t FAKE_CUSTOMERS = {
    .version = ORDERS_CUSTOMERS_VERSION,
    .name = "test-fake",
    .resolve = fake_resolve,
    .address_get = fake_address_get,
};

void fixx_use_customers(fixture_t *f, fixx_customers_t *c, bool active)
{
    orders_error_t err = {0};
    memset(c, 0, sizeof *c);
    c->active = active;
    cr_assert_eq(orders_ctx_set_customers(f->ctx, &FAKE_CUSTOMERS, c, NULL, &err), ORDERS_OK,
                 "%s", err.message);
}

/* ---- pricing hook ---------------------------------------------------------------------------- */

orders_code_t fixx_pricing_hook(void *ud, const orders_order_t *draft, orders_pricing_t *out,
                                orders_error_t *err)
{
    (void)err;
    fixx_pricing_t *p = ud;
    p->calls++;
    p->seen_subtotal = draft->subtotal.amount;
    p->seen_items = draft->item_count;
    out->tax = p->tax;
    out->shipping_fee = p->shipping;
    out->discount = p->discount;
    return ORDERS_OK;
}
