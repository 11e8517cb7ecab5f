/*
 * seller.c - multi-seller orders: the split, seller statuses, and the rule
 * deriving the order status from them.  The rules are stated in seller.h.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void orders_split_free(orders_split_t *split)
{
    if (!split)
        return;
    for (size_t i = 0; i < split->count; i++) {
        free(split->parts[i].seller_id);
        free(split->parts[i].item_indexes);
    }
    free(split->parts);
    free(split);
}

const orders_seller_part_t *orders_split_find(const orders_split_t *split, const char *seller_id)
{
    for (size_t i = 0; split && seller_id && i < split->count; i++)
        if (strcmp(split->parts[i].seller_id, seller_id) == 0)
            return &split->parts[i];
    return NULL;
}

/* share = total * part / whole, rounded down; exact in 128 bits. */
static int64_t share(int64_t total, int64_t part, int64_t whole)
{
    if (whole <= 0)
        return 0;
    return (int64_t)((__int128)total * part / whole);
}

/* Shares one order-level amount across parts by subtotal; the rounding
 * remainder goes to the first part. */
static void spread(orders_split_t *s, const orders_money_t *total, int64_t whole, size_t field)
{
    int64_t given = 0;
    for (size_t i = 0; i < s->count; i++) {
        orders_money_t *m = (orders_money_t *)((char *)&s->parts[i] + field);
        m->amount = share(total->amount, s->parts[i].subtotal.amount, whole);
        memcpy(m->currency, total->currency, ORDERS_CURRENCY_LEN);
        given += m->amount;
    }
    if (s->count)
        ((orders_money_t *)((char *)&s->parts[0] + field))->amount += total->amount - given;
}

void orders__split_totals(const orders_order_t *o, orders_seller_part_t *parts, size_t *count)
{
    orders_split_t s = {parts, 0};
    for (size_t i = 0; i < o->item_count; i++) {
        const orders_order_item_t *it = &o->items[i];
        const char *seller = it->seller_id ? it->seller_id : "";
        orders_seller_part_t *p = NULL;
        for (size_t k = 0; k < s.count && !p; k++)
            if (strcmp(parts[k].seller_id, seller) == 0)
                p = &parts[k];
        if (!p) {
            p = &parts[s.count++];
            memset(p, 0, sizeof *p);
            p->seller_id = (char *)seller; /* borrowed from the order */
            memcpy(p->subtotal.currency, o->subtotal.currency, ORDERS_CURRENCY_LEN);
        }
        p->item_count++;
        p->total_items += it->quantity;
        p->subtotal.amount += it->total_price.amount; /* parts of a checked sum: no overflow */
    }
    int64_t whole = o->subtotal.amount;
    spread(&s, &o->tax, whole, offsetof(orders_seller_part_t, tax));
    spread(&s, &o->shipping_fee, whole, offsetof(orders_seller_part_t, shipping_fee));
    spread(&s, &o->discount, whole, offsetof(orders_seller_part_t, discount));
    for (size_t i = 0; i < s.count; i++) {
        orders_seller_part_t *p = &parts[i];
        p->total = p->subtotal;
        p->total.amount += p->tax.amount + p->shipping_fee.amount - p->discount.amount;
    }
    *count = s.count;
}

/* Gives the parts of a split their own seller ids and item indexes.  On
 * failure every part holds only what it owns, ready for orders_split_free. */
static bool own_parts(const orders_order_t *o, orders_split_t *s)
{
    for (size_t k = 0; k < s->count; k++) {
        orders_seller_part_t *p = &s->parts[k];
        size_t n = p->item_count;
        p->seller_id = orders__strdup(p->seller_id);
        p->item_indexes = calloc(n ? n : 1, sizeof *p->item_indexes);
        if (!p->seller_id || !p->item_indexes) {
            for (size_t rest = k + 1; rest < s->count; rest++)
                s->parts[rest].seller_id = NULL; /* still borrowed */
            return false;
        }
        p->item_count = 0;
        for (size_t i = 0; i < o->item_count; i++)
            if (strcmp(o->items[i].seller_id ? o->items[i].seller_id : "", p->seller_id) == 0)
                p->item_indexes[p->item_count++] = i;
    }
    return true;
}

orders_code_t orders_order_split(const orders_order_t *o, orders_split_t **out,
                                 orders_error_t *err)
{
    *out = NULL;
    if (!o)
        return orders_error_set(err, ORDERS_E_INVALID, "order", "order is required");
    orders_split_t *s = calloc(1, sizeof *s);
    if (!s || !(s->parts = calloc(o->item_count ? o->item_count : 1, sizeof *s->parts))) {
        free(s);
        return orders__nomem(err);
    }
    orders__split_totals(o, s->parts, &s->count);
    if (!own_parts(o, s)) {
        orders_split_free(s);
        return orders__nomem(err);
    }
    *out = s;
    return ORDERS_OK;
}

orders_status_t orders_status_derive(const orders_order_t *o)
{
    if (o->seller_count == 0)
        return o->status;
    orders_status_t least = ORDERS_STATUS_DELIVERED;
    for (size_t i = 0; i < o->seller_count; i++) {
        orders_status_t s = o->seller_statuses[i].status;
        if (s < ORDERS_STATUS_CONFIRMED || s > ORDERS_STATUS_DELIVERED)
            return o->status; /* not in fulfilment: the order status stands */
        if (s < least)
            least = s;
    }
    return least;
}

typedef struct seller_args {
    const char *seller_id;
    const orders_seller_update_t *u;
} seller_args_t;

static orders_code_t apply_seller(orders_ctx_t *ctx, orders__change_t *ch, void *ud,
                                  orders_error_t *err)
{
    const seller_args_t *a = ud;
    orders_order_t *o = ch->order;
    orders_seller_status_t *s = NULL;
    for (size_t i = 0; i < o->seller_count && !s; i++)
        if (strcmp(o->seller_statuses[i].seller_id, a->seller_id) == 0)
            s = &o->seller_statuses[i];
    if (!s)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "sellerId", "Seller not found in order");
    if (o->status < ORDERS_STATUS_CONFIRMED || o->status > ORDERS_STATUS_SHIPPED)
        return orders_error_set(err, ORDERS_E_CONFLICT, "status",
                                "seller status cannot change while the order is %s",
                                orders_status_name(o->status));
    orders_status_t to = a->u->status;
    if (to != s->status && to != s->status + 1)
        return orders_error_set(err, ORDERS_E_CONFLICT, "status",
                                "Cannot change seller status from %s to %s",
                                orders_status_name(s->status), orders_status_name(to));
    orders_status_t from = s->status;
    char note[ORDERS_ID_MAX + 16];
    orders__join(note, sizeof note, "seller ", a->seller_id); /* whose part moved */
    if ((a->u->tracking_number && !orders__set_str(&s->tracking_number, a->u->tracking_number)) ||
        (a->u->notes && !orders__set_str(&s->notes, a->u->notes)))
        return orders__nomem(err);
    if (a->u->estimated_delivery)
        s->estimated_delivery = a->u->estimated_delivery;
    s->status = to;
    s->updated_at = ch->now;
    if (!orders__change_event(ctx, ch, ORDERS_EVENT_SELLER_STATUS, o->customer_id,
                              orders_status_name(from), orders_status_name(to), NULL,
                              s->tracking_number) ||
        !orders__change_history(ch, orders_status_name(from), orders_status_name(to), note))
        return orders__nomem(err);
    orders_status_t overall = orders_status_derive(o);
    if (overall != o->status)
        return orders__transition(ctx, ch, overall, "derived from seller statuses", err);
    return ORDERS_OK;
}

orders_code_t orders_seller_status_set(orders_ctx_t *ctx, const char *id, const char *seller_id,
                                       const orders_seller_update_t *update, const char *actor,
                                       orders_order_t **out, orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_code_t rc = orders__check_id(seller_id, "sellerId", err);
    if (rc)
        return rc;
    if (!update || update->status < ORDERS_STATUS_CONFIRMED ||
        update->status > ORDERS_STATUS_DELIVERED)
        return orders_error_set(err, ORDERS_E_INVALID, "status",
                                "seller status must be confirmed, processing, shipped or delivered");
    seller_args_t a = {seller_id, update};
    return orders__order_mutate(ctx, id, NULL, ORDERS_ANY_VERSION, actor ? actor : "seller",
                                apply_seller, &a, out, err);
}
