/*
 * draft.c - building a placement's records ahead of the atomic step.
 *
 * The rules applied here: each line is re-read through the catalog (current
 * name, image, seller and price; a product gone or inactive has nothing
 * available), shortages are refused together, the pricing hook adds tax,
 * shipping and discount, sellers are listed in first-seen order, and the
 * order number is "ORD" + the UTC date + the store's order sequence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "draft.h"

void orders__draft_clear(orders__draft_t *d)
{
    orders_cart_free(d->cart);
    for (size_t i = 0; i < d->product_count; i++)
        orders_product_free(d->products[i]);
    orders__arena_free(&d->arena);
    memset(d, 0, sizeof *d);
}

/* Appends "NAME (requested: Q, available: A)" to the shortage message. */
static void note_short(char *buf, size_t len, const char *name, int64_t q, int64_t a)
{
    size_t used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, "%s%s (requested: %lld, available: %lld)",
                 used ? ", " : "", name, (long long)q, (long long)a);
}

/* One order item from a cart line and the catalog's current product (NULL
 * when gone). */
static orders_code_t fill_item(orders_order_item_t *it, const orders_cart_line_t *l,
                               const orders_product_t *p, int64_t now, orders_error_t *err)
{
    /* the draft holds the cart and the products: their strings last */
    it->product_id = l->product_id;
    it->seller_id = p ? p->seller_id : l->seller_id;
    it->product_name = p ? p->name : l->product_name;
    it->product_image = p ? p->image : l->product_image;
    it->quantity = l->quantity;
    it->unit_price = p ? p->price : l->price;
    it->status = ORDERS_ITEM_RESERVED;
    it->reserved_at = now;
    return orders_money_mul(&it->unit_price, it->quantity, &it->total_price, err);
}

/* Reads every line's product and stock through the catalog in one call;
 * the products found stay with the draft (freed by orders__draft_clear). */
static orders_code_t read_products(orders_ctx_t *ctx, orders__draft_t *d,
                                   orders_product_avail_t **out, orders_error_t *err)
{
    const orders_cart_t *cart = d->cart;
    size_t n = cart->item_count;
    const char **ids = orders__arena_alloc(&d->arena, n * sizeof *ids);
    orders_product_avail_t *avail = orders__arena_alloc(&d->arena, n * sizeof *avail);
    if (!ids || !avail ||
        !(d->products = orders__arena_alloc(&d->arena, n * sizeof *d->products)))
        return orders__nomem(err);
    for (size_t i = 0; i < n; i++)
        ids[i] = cart->items[i].product_id;
    orders_code_t rc = orders__catalog_products(ctx->catalog, ctx->catalog_ud, ids, n, avail, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (avail[i].product)
            d->products[d->product_count++] = avail[i].product;
    *out = avail;
    return ORDERS_OK;
}

/* Re-prices every line from the catalog: current price, active, stock. */
static orders_code_t price_items(orders_ctx_t *ctx, orders__draft_t *d, int64_t now,
                                 orders_error_t *err)
{
    const orders_cart_t *cart = d->cart;
    orders_order_t *o = d->order;
    orders_product_avail_t *avail = NULL;
    char shortages[ORDERS_ERROR_MESSAGE_MAX - 40] = "";
    orders_code_t rc = read_products(ctx, d, &avail, err);
    if (rc)
        return rc;
    if (!(o->items = orders__arena_alloc(&d->arena, cart->item_count * sizeof *o->items)))
        return orders__nomem(err);
    for (size_t i = 0; i < cart->item_count; i++) {
        const orders_cart_line_t *l = &cart->items[i];
        const orders_product_t *p = avail[i].product;
        /* gone or inactive: nothing available */
        int64_t available = p && p->active ? avail[i].available : 0;
        if (available < l->quantity)
            note_short(shortages, sizeof shortages, p ? p->name : l->product_name, l->quantity,
                       available);
        rc = fill_item(&o->items[o->item_count++], l, p, now, err);
        if (rc == ORDERS_OK && i == 0)
            memcpy(o->subtotal.currency, o->items[0].unit_price.currency, ORDERS_CURRENCY_LEN);
        if (rc == ORDERS_OK)
            rc = orders_money_add(&o->subtotal, &o->items[i].total_price, &o->subtotal, err);
        if (rc)
            return rc;
    }
    if (shortages[0]) {
        orders__stat(ctx, "out_of_stock");
        return orders_error_set(err, ORDERS_E_OUT_OF_STOCK, "items",
                                "Some items are not available: %s", shortages);
    }
    return ORDERS_OK;
}

static orders_code_t apply_pricing(orders_ctx_t *ctx, orders_order_t *o, orders_error_t *err)
{
    orders_pricing_t pr = {0};
    orders_code_t rc;
    if (ctx->pricing && (rc = ctx->pricing(ctx->pricing_ud, o, &pr, err)))
        return rc;
    if (pr.tax < 0 || pr.shipping_fee < 0 || pr.discount < 0)
        return orders_error_set(err, ORDERS_E_INVALID, "pricing", "pricing hook returned a negative amount");
    /* every amount is in the subtotal's currency, already checked: only the
     * arithmetic needs checking */
    o->tax = o->shipping_fee = o->discount = o->refund_amount = o->total_amount = o->subtotal;
    o->tax.amount = pr.tax;
    o->shipping_fee.amount = pr.shipping_fee;
    o->discount.amount = pr.discount;
    o->refund_amount.amount = 0;
    if (!orders_i64_add(o->subtotal.amount, pr.tax, &o->total_amount.amount) ||
        !orders_i64_add(o->total_amount.amount, pr.shipping_fee, &o->total_amount.amount) ||
        !orders_i64_add(o->total_amount.amount, -pr.discount, &o->total_amount.amount) ||
        o->total_amount.amount > ORDERS_MONEY_MAX)
        return orders_error_set(err, ORDERS_E_OVERFLOW, "pricing",
                                "order total exceeds %" PRId64 " minor units", ORDERS_MONEY_MAX);
    if (o->total_amount.amount < 0)
        return orders_error_set(err, ORDERS_E_INVALID, "discount", "discount exceeds the order amount");
    return ORDERS_OK;
}

/* now's UTC date as the number YYYYMMDD.  Each thread remembers the day it
 * converted last: placements of one day skip gmtime_r. */
static int64_t utc_date(int64_t now)
{
    static _Thread_local int64_t day = INT64_MIN, date;
    int64_t d = now >= 0 ? now / 86400000 : (now - 86399999) / 86400000;
    if (d != day) {
        time_t secs = (time_t)(now / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        date = (int64_t)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
        day = d;
    }
    return date;
}

static orders_code_t order_number(orders_ctx_t *ctx, int64_t now, char *buf, size_t len,
                                  orders_error_t *err)
{
    int64_t seq = 0;
    orders_code_t rc = orders__next_order_seq(ctx, &seq, err);
    if (rc)
        return rc;
    /* "ORD" YYYYMMDD and the sequence, at least 6 digits */
    int64_t date = utc_date(now);
    memcpy(buf, "ORD", 3);
    size_t n = orders__decimal(date, 8, buf + 3, len - 3);
    if (!n || !orders__decimal(seq, 6, buf + 3 + n, len - 3 - n))
        return orders_error_set(err, ORDERS_E_BACKEND, NULL, "order number does not fit");
    return ORDERS_OK;
}

/* One status per seller, in the order sellers first appear. */
static orders_code_t seller_statuses(orders__draft_t *d, int64_t now, orders_error_t *err)
{
    orders_order_t *o = d->order;
    o->seller_statuses = orders__arena_alloc(&d->arena, o->item_count * sizeof *o->seller_statuses);
    if (!o->seller_statuses)
        return orders__nomem(err);
    for (size_t i = 0; i < o->item_count; i++) {
        bool seen = false;
        for (size_t j = 0; j < o->seller_count && !seen; j++)
            seen = strcmp(o->seller_statuses[j].seller_id, o->items[i].seller_id) == 0;
        if (seen)
            continue;
        orders_seller_status_t *s = &o->seller_statuses[o->seller_count++];
        s->seller_id = o->items[i].seller_id; /* shared: both live in the arena */
        s->status = ORDERS_STATUS_PENDING;
        s->updated_at = now;
    }
    return ORDERS_OK;
}

static orders_code_t build_order(orders_ctx_t *ctx, orders__draft_t *d,
                                 const orders__draft_input_t *in, orders_error_t *err)
{
    orders_order_t *o = d->order = orders__arena_alloc(&d->arena, sizeof *o);
    if (!o)
        return orders__nomem(err);
    char id[ORDERS_ID_MAX + 1], number[64];
    orders__new_id_at(ctx, in->now, id);
    orders_code_t rc;
    if ((rc = price_items(ctx, d, in->now, err)) || (rc = apply_pricing(ctx, o, err)) ||
        (rc = seller_statuses(d, in->now, err)) ||
        (rc = order_number(ctx, in->now, number, sizeof number, err)))
        return rc;
    int ok = 1;
    o->id = orders__arena_strdup(&d->arena, id, &ok);
    o->order_number = orders__arena_strdup(&d->arena, number, &ok);
    o->shipping_address = *in->address;          /* borrowed: see draft.h */
    o->customer_id = in->customer->id;
    o->customer_name = in->customer->name;
    o->customer_email = in->customer->email;
    o->notes = (char *)in->req->notes;
    if (!ok)
        return orders__nomem(err);
    o->status = ORDERS_STATUS_PENDING;
    o->payment_method = in->req->payment_method;
    o->payment_status = ORDERS_PAYMENT_PENDING;
    o->placed_at = o->created_at = o->updated_at = in->now;
    o->reservation_expiry = in->now + ctx->cfg.reservation_ms;
    o->version = 1;
    return ORDERS_OK;
}

static orders_code_t build_reservation(orders_ctx_t *ctx, orders__draft_t *d, orders_error_t *err)
{
    const orders_order_t *o = d->order;
    orders_reservation_t *r = d->res = orders__arena_alloc(&d->arena, sizeof *r);
    if (!r || !(r->lines = orders__arena_alloc(&d->arena, o->item_count * sizeof *r->lines)))
        return orders__nomem(err);
    char id[ORDERS_ID_MAX + 1];
    orders__new_id_at(ctx, o->created_at, id);
    int ok = 1;
    r->id = orders__arena_strdup(&d->arena, id, &ok);
    if (!ok)
        return orders__nomem(err);
    r->order_id = o->id;
    r->customer_id = o->customer_id;
    for (size_t i = 0; i < o->item_count; i++) {
        orders_reservation_line_t *l = &r->lines[r->line_count++];
        l->product_id = o->items[i].product_id;
        l->seller_id = o->items[i].seller_id;
        l->quantity = o->items[i].quantity;
        l->unit_price = o->items[i].unit_price;
        r->total_items += l->quantity;
    }
    r->total_value = o->subtotal;
    r->status = ORDERS_RES_ACTIVE;
    r->local_stock = !orders__catalog_remote(ctx);
    r->created_at = r->updated_at = o->created_at;
    r->expires_at = o->reservation_expiry;
    return ORDERS_OK;
}

/* Appends a new event of the order to d->events (room made by
 * build_events); NULL when memory runs out. */
static orders_event_t *new_event(orders_ctx_t *ctx, orders__draft_t *d, orders_event_type_t type,
                                 const char *recipient, const orders_money_t *amount, int64_t now)
{
    /* order_placed and new_order say "pending" and carry the order number */
    orders_event_t *e = orders__arena_alloc(&d->arena, sizeof *e);
    if (!e)
        return NULL;
    char id[ORDERS_ID_MAX + 1];
    orders__step_event_id(ctx, d->order->id, d->order->version, d->event_count, now, id);
    int ok = 1;
    e->id = orders__arena_strdup(&d->arena, id, &ok);
    e->recipient = (char *)recipient; /* the customer's or a seller's id: see draft.h */
    e->type = type;
    e->order_id = d->order->id;
    e->new_status = (char *)"pending";   /* read-only view: the store copies it */
    e->detail = d->order->order_number;
    e->amount = *amount;
    e->created_at = e->next_attempt_at = now;
    if (!ok)
        return NULL;
    d->events[d->event_count++] = e;
    return e;
}

static orders_code_t build_events(orders_ctx_t *ctx, orders__draft_t *d, int64_t now,
                                  orders_error_t *err)
{
    const orders_order_t *o = d->order;
    size_t sellers = 0;
    orders_seller_part_t *parts = orders__arena_alloc(&d->arena, o->item_count * sizeof *parts);
    if (!parts)
        return orders__nomem(err);
    orders__split_totals(o, parts, &sellers);
    /* room for order_placed, one new_order per seller, and an acceptance
     * (status change, and payment when money was taken) */
    d->events = orders__arena_alloc(&d->arena, (sellers + 3) * sizeof *d->events);
    bool ok = d->events && new_event(ctx, d, ORDERS_EVENT_ORDER_PLACED, o->customer_id,
                                     &o->total_amount, now);
    for (size_t i = 0; ok && i < sellers; i++)
        ok = new_event(ctx, d, ORDERS_EVENT_NEW_ORDER, parts[i].seller_id, &parts[i].total,
                       now) != NULL;
    return ok ? ORDERS_OK : orders__nomem(err);
}

/* The history entry and the cart as placement leaves it: same customer, no
 * lines, next version. */
static orders_code_t build_rest(orders_ctx_t *ctx, orders__draft_t *d,
                                const orders__draft_input_t *in, orders_error_t *err)
{
    orders_history_t *h = d->history[0] = orders__arena_alloc(&d->arena, sizeof *h);
    d->history_count = 1;
    orders_cart_t *c = d->cleared = orders__arena_alloc(&d->arena, sizeof *c);
    int ok = h && c;
    if (ok) {
        h->order_id = d->order->id;
        h->at = in->now;
        h->actor = (char *)in->actor;
        h->to_status = (char *)"pending";
        h->note = (char *)"order placed";
        c->id = d->cart->id;
        c->customer_id = d->cart->customer_id;
        c->version = d->cart->version + 1;
        c->created_at = d->cart->created_at;
        c->updated_at = in->now;
        c->expires_at = in->now + ctx->cfg.cart_ttl_ms;
    }
    return ok ? ORDERS_OK : orders__nomem(err);
}

orders_code_t orders__draft_accept(orders_ctx_t *ctx, orders__draft_t *d, const char *txn_id,
                                   bool money_taken, int64_t now, orders_error_t *err)
{
    orders_order_t *o = d->order;
    int ok = 1;
    o->status = ORDERS_STATUS_CONFIRMED;
    o->confirmed_at = now;
    o->payment_ref = orders__arena_strdup(&d->arena, txn_id, &ok);
    for (size_t i = 0; i < o->item_count; i++) {
        o->items[i].status = ORDERS_ITEM_CONFIRMED;
        o->items[i].confirmed_at = now;
    }
    for (size_t i = 0; i < o->seller_count; i++) {
        o->seller_statuses[i].status = ORDERS_STATUS_CONFIRMED;
        o->seller_statuses[i].updated_at = now;
    }
    d->res->status = ORDERS_RES_CONFIRMED;
    orders_event_t *e = new_event(ctx, d, ORDERS_EVENT_STATUS_CHANGED, o->customer_id,
                                  &o->total_amount, now);
    orders_history_t *h = orders__arena_alloc(&d->arena, sizeof *h);
    if (!ok || !e || !h)
        return orders__nomem(err);
    e->old_status = (char *)"pending";
    e->new_status = (char *)"confirmed";
    e->detail = NULL;
    if (money_taken) { /* a gateway that took the money at once: paid, as payment.c records it */
        orders_event_t *paid = new_event(ctx, d, ORDERS_EVENT_PAYMENT, o->customer_id,
                                         &o->total_amount, now);
        if (!paid)
            return orders__nomem(err);
        paid->new_status = (char *)"paid";
        paid->detail = o->payment_ref;
        o->payment_status = ORDERS_PAYMENT_PAID;
    } else if (orders__nothing_to_pay(o)) {
        o->payment_status = ORDERS_PAYMENT_PAID; /* nothing left to collect, even on delivery */
    }
    h->order_id = o->id;
    h->at = now;
    h->actor = (char *)"gateway";
    h->from_status = (char *)"pending";
    h->to_status = (char *)"confirmed";
    d->history[d->history_count++] = h;
    return ORDERS_OK;
}

orders_code_t orders__draft_build(orders_ctx_t *ctx, orders__draft_t *d,
                                  const orders__draft_input_t *in, orders_error_t *err)
{
    orders_code_t rc;
    if ((rc = build_order(ctx, d, in, err)) || (rc = build_reservation(ctx, d, err)) ||
        (rc = build_events(ctx, d, in->now, err)))
        return rc;
    return build_rest(ctx, d, in, err);
}
