/*
 * records.c - wire names, freeing and deep copies of the records of types.h.
 * (The list helpers are in records_list.c.)
 *
 * Copy discipline: a copy_into function first copies the scalars, then
 * every owned pointer of dst is set to NULL before anything is allocated, so
 * that on any allocation failure the matching clear function can free what
 * was built so far and leave dst zeroed.  Arrays are calloc'd with their
 * count set at once: elements not yet copied are zeroed and clear skips them.
 *
 * No state: every function here may run concurrently.
 */
#include "util.h"
#include "pack.h"

#include <stdlib.h>
#include <string.h>

/* ---- wire names ----------------------------------------------------------- */

static const char *const status_names[] = {
    "pending", "confirmed", "processing", "shipped", "delivered", "cancelled", "failed",
};
static const char *const payment_status_names[] = {"pending", "paid", "failed", "refunded"};
static const char *const method_names[] = {"cod", "online", "wallet"};
static const char *const item_status_names[] = {"reserved", "confirmed", "cancelled",
                                                "fulfilled"};
static const char *const res_status_names[] = {"active", "confirmed", "expired", "cancelled"};
static const char *const event_type_names[] = {
    "order_placed", "new_order", "order_status_changed", "seller_status_changed",
    "payment",      "inventory",
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* names[v], or "unknown" for a value outside the enum (never NULL). */
static const char *name_of(const char *const *names, size_t n, int v)
{
    if (v < 0 || (size_t)v >= n)
        return "unknown";
    return names[v];
}

/* Index of name in names (case-insensitive), or -1. */
static int index_of(const char *const *names, size_t n, const char *name)
{
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (orders__str_eq_nocase(name, names[i]))
            return (int)i;
    return -1;
}

const char *orders_status_name(orders_status_t s)
{
    return name_of(status_names, COUNT_OF(status_names), (int)s);
}

const char *orders_payment_status_name(orders_payment_status_t s)
{
    return name_of(payment_status_names, COUNT_OF(payment_status_names), (int)s);
}

const char *orders_payment_method_name(orders_payment_method_t m)
{
    return name_of(method_names, COUNT_OF(method_names), (int)m);
}

const char *orders_item_status_name(orders_item_status_t s)
{
    return name_of(item_status_names, COUNT_OF(item_status_names), (int)s);
}

const char *orders_reservation_status_name(orders_reservation_status_t s)
{
    return name_of(res_status_names, COUNT_OF(res_status_names), (int)s);
}

const char *orders_event_type_name(orders_event_type_t t)
{
    return name_of(event_type_names, COUNT_OF(event_type_names), (int)t);
}

bool orders_status_parse(const char *name, orders_status_t *out)
{
    int i = index_of(status_names, COUNT_OF(status_names), name);
    if (i < 0)
        return false;
    if (out != NULL)
        *out = (orders_status_t)i;
    return true;
}

bool orders_payment_status_parse(const char *name, orders_payment_status_t *out)
{
    int i = index_of(payment_status_names, COUNT_OF(payment_status_names), name);
    if (i < 0)
        return false;
    if (out != NULL)
        *out = (orders_payment_status_t)i;
    return true;
}

bool orders_payment_method_parse(const char *name, orders_payment_method_t *out)
{
    int i = index_of(method_names, COUNT_OF(method_names), name);
    if (i < 0)
        return false;
    if (out != NULL)
        *out = (orders_payment_method_t)i;
    return true;
}

bool orders_item_status_parse(const char *name, orders_item_status_t *out)
{
    int i = index_of(item_status_names, COUNT_OF(item_status_names), name);
    if (i < 0)
        return false;
    if (out != NULL)
        *out = (orders_item_status_t)i;
    return true;
}

bool orders_reservation_status_parse(const char *name, orders_reservation_status_t *out)
{
    int i = index_of(res_status_names, COUNT_OF(res_status_names), name);
    if (i < 0)
        return false;
    if (out != NULL)
        *out = (orders_reservation_status_t)i;
    return true;
}

bool orders_event_type_parse(const char *name, orders_event_type_t *out)
{
    int i = index_of(event_type_names, COUNT_OF(event_type_names), name);
    if (i < 0)
        return false;
    if (out != NULL)
        *out = (orders_event_type_t)i;
    return true;
}

/* ---- helpers (X_copy_into deep-copies into *dst: false when memory runs out,
 * *dst then zeroed; X_clear frees every member and zeroes the struct) ------------------------------------------------------------------ */

/* *dst = copy of src; false only when src is set and memory runs out. */
static bool dup_str(char **dst, const char *src)
{
    if (src == NULL) {
        *dst = NULL;
        return true;
    }
    *dst = orders__strdup(src);
    return *dst != NULL;
}

/* calloc of n elements, NULL for n == 0 (with *ok untouched) or on failure. */
static void *alloc_array(size_t n, size_t size, bool *ok)
{
    if (n == 0)
        return NULL;
    void *p = calloc(n, size);
    if (p == NULL)
        *ok = false;
    return p;
}

/* ---- address and customer ------------------------------------------------- */

void orders_address_clear(orders_address_t *a)
{
    if (a == NULL)
        return;
    free(a->address_line1);
    free(a->address_line2);
    free(a->city);
    free(a->state);
    free(a->country);
    free(a->postal_code);
    free(a->contact_name);
    free(a->contact_phone);
    memset(a, 0, sizeof *a);
}

bool orders_address_copy_into(orders_address_t *dst, const orders_address_t *src)
{
    memset(dst, 0, sizeof *dst);
    if (src == NULL)
        return true;
    if (dup_str(&dst->address_line1, src->address_line1) &&
        dup_str(&dst->address_line2, src->address_line2) && dup_str(&dst->city, src->city) &&
        dup_str(&dst->state, src->state) && dup_str(&dst->country, src->country) &&
        dup_str(&dst->postal_code, src->postal_code) &&
        dup_str(&dst->contact_name, src->contact_name) &&
        dup_str(&dst->contact_phone, src->contact_phone))
        return true;
    orders_address_clear(dst);
    return false;
}

void orders_customer_clear(orders_customer_t *c)
{
    if (c == NULL)
        return;
    free(c->id);
    free(c->name);
    free(c->email);
    memset(c, 0, sizeof *c);
}

bool orders_customer_copy_into(orders_customer_t *dst, const orders_customer_t *src)
{
    memset(dst, 0, sizeof *dst);
    if (src == NULL)
        return true;
    dst->active = src->active;
    if (dup_str(&dst->id, src->id) && dup_str(&dst->name, src->name) &&
        dup_str(&dst->email, src->email))
        return true;
    orders_customer_clear(dst);
    return false;
}

/* ---- product ----------------------------------------------------------------- */

static void product_clear(orders_product_t *p)
{
    if (p == NULL)
        return;
    free(p->id);
    free(p->seller_id);
    free(p->name);
    free(p->image);
    memset(p, 0, sizeof *p);
}

/* ---- cart ------------------------------------------------------------------------ */

static void cart_line_clear(orders_cart_line_t *l)
{
    free(l->product_id);
    free(l->seller_id);
    free(l->product_name);
    free(l->product_image);
}

static bool cart_line_copy(orders_cart_line_t *dst, const orders_cart_line_t *src)
{
    *dst = *src;
    dst->product_id = dst->seller_id = dst->product_name = dst->product_image = NULL;
    return dup_str(&dst->product_id, src->product_id) &&
           dup_str(&dst->seller_id, src->seller_id) &&
           dup_str(&dst->product_name, src->product_name) &&
           dup_str(&dst->product_image, src->product_image);
}

static void cart_clear(orders_cart_t *c)
{
    if (c == NULL)
        return;
    free(c->id);
    free(c->customer_id);
    if (c->items != NULL)
        for (size_t i = 0; i < c->item_count; i++)
            cart_line_clear(&c->items[i]);
    free(c->items);
    memset(c, 0, sizeof *c);
}

static bool cart_copy_into(orders_cart_t *dst, const orders_cart_t *src)
{
    bool ok = true;
    size_t n = src->items != NULL ? src->item_count : 0;

    *dst = *src;
    dst->block_end = NULL;
    dst->id = dst->customer_id = NULL;
    dst->items = NULL;
    dst->item_count = 0;
    if (!dup_str(&dst->id, src->id) || !dup_str(&dst->customer_id, src->customer_id))
        goto fail;
    dst->items = alloc_array(n, sizeof *dst->items, &ok);
    if (!ok)
        goto fail;
    dst->item_count = n;
    for (size_t i = 0; i < n; i++)
        if (!cart_line_copy(&dst->items[i], &src->items[i]))
            goto fail;
    return true;
fail:
    cart_clear(dst);
    return false;
}

/* ---- order --------------------------------------------------------------------- */

static void order_item_clear(orders_order_item_t *it)
{
    free(it->product_id);
    free(it->seller_id);
    free(it->product_name);
    free(it->product_image);
}

static bool order_item_copy(orders_order_item_t *dst, const orders_order_item_t *src)
{
    *dst = *src;
    dst->product_id = dst->seller_id = dst->product_name = dst->product_image = NULL;
    return dup_str(&dst->product_id, src->product_id) &&
           dup_str(&dst->seller_id, src->seller_id) &&
           dup_str(&dst->product_name, src->product_name) &&
           dup_str(&dst->product_image, src->product_image);
}

static void seller_status_clear(orders_seller_status_t *s)
{
    free(s->seller_id);
    free(s->notes);
    free(s->tracking_number);
}

static bool seller_status_copy(orders_seller_status_t *dst, const orders_seller_status_t *src)
{
    *dst = *src;
    dst->seller_id = dst->notes = dst->tracking_number = NULL;
    return dup_str(&dst->seller_id, src->seller_id) && dup_str(&dst->notes, src->notes) &&
           dup_str(&dst->tracking_number, src->tracking_number);
}

static void order_clear(orders_order_t *o)
{
    if (o == NULL)
        return;
    free(o->id);
    free(o->order_number);
    free(o->customer_id);
    free(o->customer_name);
    free(o->customer_email);
    if (o->items != NULL)
        for (size_t i = 0; i < o->item_count; i++)
            order_item_clear(&o->items[i]);
    free(o->items);
    free(o->payment_ref);
    orders_address_clear(&o->shipping_address);
    if (o->seller_statuses != NULL)
        for (size_t i = 0; i < o->seller_count; i++)
            seller_status_clear(&o->seller_statuses[i]);
    free(o->seller_statuses);
    free(o->notes);
    free(o->cancel_reason);
    memset(o, 0, sizeof *o);
}

static bool order_copy_into(orders_order_t *dst, const orders_order_t *src)
{
    bool ok = true;
    size_t ni = src->items != NULL ? src->item_count : 0;
    size_t ns = src->seller_statuses != NULL ? src->seller_count : 0;

    *dst = *src;
    dst->id = dst->order_number = dst->customer_id = NULL;
    dst->customer_name = dst->customer_email = NULL;
    dst->items = NULL;
    dst->item_count = 0;
    dst->payment_ref = NULL;
    memset(&dst->shipping_address, 0, sizeof dst->shipping_address);
    dst->seller_statuses = NULL;
    dst->seller_count = 0;
    dst->notes = dst->cancel_reason = NULL;

    if (!dup_str(&dst->id, src->id) || !dup_str(&dst->order_number, src->order_number) ||
        !dup_str(&dst->customer_id, src->customer_id) ||
        !dup_str(&dst->customer_name, src->customer_name) ||
        !dup_str(&dst->customer_email, src->customer_email) ||
        !dup_str(&dst->payment_ref, src->payment_ref) || !dup_str(&dst->notes, src->notes) ||
        !dup_str(&dst->cancel_reason, src->cancel_reason) ||
        !orders_address_copy_into(&dst->shipping_address, &src->shipping_address))
        goto fail;

    dst->items = alloc_array(ni, sizeof *dst->items, &ok);
    if (!ok)
        goto fail;
    dst->item_count = ni;
    for (size_t i = 0; i < ni; i++)
        if (!order_item_copy(&dst->items[i], &src->items[i]))
            goto fail;

    dst->seller_statuses = alloc_array(ns, sizeof *dst->seller_statuses, &ok);
    if (!ok)
        goto fail;
    dst->seller_count = ns;
    for (size_t i = 0; i < ns; i++)
        if (!seller_status_copy(&dst->seller_statuses[i], &src->seller_statuses[i]))
            goto fail;
    return true;
fail:
    order_clear(dst);
    return false;
}

/* ---- reservation ----------------------------------------------------------------- */

static void reservation_clear(orders_reservation_t *r)
{
    if (r == NULL)
        return;
    free(r->id);
    free(r->order_id);
    free(r->customer_id);
    if (r->lines != NULL)
        for (size_t i = 0; i < r->line_count; i++) {
            free(r->lines[i].product_id);
            free(r->lines[i].seller_id);
        }
    free(r->lines);
    memset(r, 0, sizeof *r);
}

static bool reservation_copy_into(orders_reservation_t *dst, const orders_reservation_t *src)
{
    bool ok = true;
    size_t n = src->lines != NULL ? src->line_count : 0;

    *dst = *src;
    dst->id = dst->order_id = dst->customer_id = NULL;
    dst->lines = NULL;
    dst->line_count = 0;
    if (!dup_str(&dst->id, src->id) || !dup_str(&dst->order_id, src->order_id) ||
        !dup_str(&dst->customer_id, src->customer_id))
        goto fail;
    dst->lines = alloc_array(n, sizeof *dst->lines, &ok);
    if (!ok)
        goto fail;
    dst->line_count = n;
    for (size_t i = 0; i < n; i++) {
        orders_reservation_line_t *d = &dst->lines[i];
        const orders_reservation_line_t *s = &src->lines[i];
        d->quantity = s->quantity;
        d->unit_price = s->unit_price;
        if (!dup_str(&d->product_id, s->product_id) || !dup_str(&d->seller_id, s->seller_id))
            goto fail;
    }
    return true;
fail:
    reservation_clear(dst);
    return false;
}

/* ---- event and history ------------------------------------------------------- */

static void event_clear(orders_event_t *e)
{
    if (e == NULL)
        return;
    free(e->id);
    free(e->order_id);
    free(e->recipient);
    free(e->old_status);
    free(e->new_status);
    free(e->detail);
    free(e->last_error);
    memset(e, 0, sizeof *e);
}

static bool event_copy_into(orders_event_t *dst, const orders_event_t *src)
{
    *dst = *src;
    dst->id = dst->order_id = dst->recipient = NULL;
    dst->old_status = dst->new_status = dst->detail = dst->last_error = NULL;
    if (dup_str(&dst->id, src->id) && dup_str(&dst->order_id, src->order_id) &&
        dup_str(&dst->recipient, src->recipient) &&
        dup_str(&dst->old_status, src->old_status) &&
        dup_str(&dst->new_status, src->new_status) && dup_str(&dst->detail, src->detail) &&
        dup_str(&dst->last_error, src->last_error))
        return true;
    event_clear(dst);
    return false;
}

static void history_clear(orders_history_t *h)
{
    if (h == NULL)
        return;
    free(h->order_id);
    free(h->actor);
    free(h->from_status);
    free(h->to_status);
    free(h->note);
    memset(h, 0, sizeof *h);
}

static bool history_copy_into(orders_history_t *dst, const orders_history_t *src)
{
    *dst = *src;
    dst->order_id = dst->actor = dst->from_status = dst->to_status = dst->note = NULL;
    if (dup_str(&dst->order_id, src->order_id) && dup_str(&dst->actor, src->actor) &&
        dup_str(&dst->from_status, src->from_status) &&
        dup_str(&dst->to_status, src->to_status) && dup_str(&dst->note, src->note))
        return true;
    history_clear(dst);
    return false;
}

/* ---- public free / copy -------------------------------------------------------- */

/* Each public pair: free = clear + free; copy = malloc + copy_into. */

/* Frees m unless it lies in the single block of record rec. */
static void free_member(const void *rec, const void *block_end, void *m)
{
    if (!orders__in_block(rec, block_end, m))
        free(m);
}

void orders_product_free(orders_product_t *r)
{
    if (r == NULL)
        return;
    if (r->block_end) {
        free_member(r, r->block_end, r->id);
        free_member(r, r->block_end, r->seller_id);
        free_member(r, r->block_end, r->name);
        free_member(r, r->block_end, r->image);
    } else {
        product_clear(r);
    }
    free(r);
}

orders_product_t *orders_product_copy(const orders_product_t *r)
{
    return r ? orders__product_pack(r) : NULL;
}

void orders_cart_free(orders_cart_t *r)
{
    if (r == NULL)
        return;
    if (r->block_end) {
        const void *end = r->block_end;
        free_member(r, end, r->id);
        free_member(r, end, r->customer_id);
        for (size_t i = 0; r->items && i < r->item_count; i++) {
            orders_cart_line_t *l = &r->items[i];
            free_member(r, end, l->product_id);
            free_member(r, end, l->seller_id);
            free_member(r, end, l->product_name);
            free_member(r, end, l->product_image);
        }
        free_member(r, end, r->items);
    } else {
        cart_clear(r);
    }
    free(r);
}

orders_cart_t *orders_cart_copy(const orders_cart_t *r)
{
    return r ? orders__cart_pack(r) : NULL;
}

bool orders__cart_loosen(orders_cart_t **cart)
{
    if (!(*cart)->block_end)
        return true;
    orders_cart_t *loose = malloc(sizeof *loose);
    if (loose == NULL)
        return false;
    if (!cart_copy_into(loose, *cart)) {
        free(loose);
        return false;
    }
    orders_cart_free(*cart);
    *cart = loose;
    return true;
}

void orders_order_free(orders_order_t *r)
{
    if (r == NULL)
        return;
    order_clear(r);
    free(r);
}

orders_order_t *orders_order_copy(const orders_order_t *r)
{
    if (r == NULL)
        return NULL;
    orders_order_t *copy = malloc(sizeof *copy);
    if (copy == NULL)
        return NULL;
    if (!order_copy_into(copy, r)) {
        free(copy);
        return NULL;
    }
    return copy;
}

void orders_reservation_free(orders_reservation_t *r)
{
    if (r == NULL)
        return;
    reservation_clear(r);
    free(r);
}

orders_reservation_t *orders_reservation_copy(const orders_reservation_t *r)
{
    if (r == NULL)
        return NULL;
    orders_reservation_t *copy = malloc(sizeof *copy);
    if (copy == NULL)
        return NULL;
    if (!reservation_copy_into(copy, r)) {
        free(copy);
        return NULL;
    }
    return copy;
}

void orders_event_free(orders_event_t *r)
{
    if (r == NULL)
        return;
    event_clear(r);
    free(r);
}

orders_event_t *orders_event_copy(const orders_event_t *r)
{
    if (r == NULL)
        return NULL;
    orders_event_t *copy = malloc(sizeof *copy);
    if (copy == NULL)
        return NULL;
    if (!event_copy_into(copy, r)) {
        free(copy);
        return NULL;
    }
    return copy;
}

void orders_history_free(orders_history_t *r)
{
    if (r == NULL)
        return;
    history_clear(r);
    free(r);
}

orders_history_t *orders_history_copy(const orders_history_t *r)
{
    if (r == NULL)
        return NULL;
    orders_history_t *copy = malloc(sizeof *copy);
    if (copy == NULL)
        return NULL;
    if (!history_copy_into(copy, r)) {
        free(copy);
        return NULL;
    }
    return copy;
}
