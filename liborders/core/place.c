/*
 * place.c - orders_order_place: the cart becomes an order in one atomic
 * store step, then payment runs.
 *
 * Everything that can be computed ahead (customer, address, prices, stock
 * check, the order, its reservation, events, history, the cleared cart) is
 * built first; the store then applies it whole or not at all.  With a
 * remote catalog the stock is held remotely first and given back if the
 * local step fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define NOTES_MAX 2000

typedef struct draft {
    orders_cart_t *cart;
    orders_order_t *order;
    orders_reservation_t *res;
    orders_cart_t *cleared;
    orders_event_t **events;
    size_t event_count;
    orders_history_t *history;
} draft_t;

static void draft_clear(draft_t *d)
{
    orders_cart_free(d->cart);
    orders_order_free(d->order);
    orders_reservation_free(d->res);
    orders_cart_free(d->cleared);
    for (size_t i = 0; i < d->event_count; i++)
        orders_event_free(d->events[i]);
    free(d->events);
    orders_history_free(d->history);
    memset(d, 0, sizeof *d);
}

/* ---- input checks ---- */

static orders_code_t check_address(const orders_address_t *a, orders_error_t *err)
{
    static const struct { size_t off; const char *field; } required[] = {
        {offsetof(orders_address_t, address_line1), "shippingAddress.addressLine1"},
        {offsetof(orders_address_t, city), "shippingAddress.city"},
        {offsetof(orders_address_t, state), "shippingAddress.state"},
        {offsetof(orders_address_t, country), "shippingAddress.country"},
        {offsetof(orders_address_t, postal_code), "shippingAddress.postalCode"},
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        const char *v = *(char *const *)((const char *)a + required[i].off);
        if (!v || !v[0])
            return orders_error_set(err, ORDERS_E_INVALID, required[i].field, "%s is required",
                                    required[i].field);
    }
    return ORDERS_OK;
}

static orders_code_t check_request(const orders_identity_t *who, const orders_place_request_t *req,
                                   orders_error_t *err)
{
    if (!who || !req)
        return orders_error_set(err, ORDERS_E_INVALID, NULL, "customer and request are required");
    orders_code_t rc = orders__check_id(who->id, "customerId", err);
    if (rc)
        return rc;
    if ((unsigned)req->payment_method > ORDERS_METHOD_WALLET)
        return orders_error_set(err, ORDERS_E_INVALID, "paymentMethod",
                                "paymentMethod must be cod, online or wallet");
    if (req->idempotency_key && (rc = orders__check_id(req->idempotency_key, "Idempotency-Key", err)))
        return rc;
    if (req->notes && strnlen(req->notes, NOTES_MAX + 1) > NOTES_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "notes", "notes are longer than %d bytes",
                                NOTES_MAX);
    if (req->shipping_address)
        return check_address(req->shipping_address, err);
    if (req->shipping_address_id)
        return orders__check_id(req->shipping_address_id, "shippingAddressId", err);
    return orders_error_set(err, ORDERS_E_INVALID, "shippingAddress", "shippingAddress is required");
}

/* FNV-1a over every request field, NUL-separated: the idempotency hash. */
static void hash_str(uint64_t *h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        *h = (*h ^ *p) * 0x100000001b3ULL;
    *h = (*h ^ (s ? 0xff : 0xfe)) * 0x100000001b3ULL;
}

static void request_hash(const orders_identity_t *who, const orders_place_request_t *req,
                         char out[17])
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const orders_address_t *a = req->shipping_address;
    hash_str(&h, who->id);
    hash_str(&h, orders_payment_method_name(req->payment_method));
    hash_str(&h, req->defer_payment ? "defer" : "now");
    hash_str(&h, req->shipping_address_id);
    hash_str(&h, req->notes);
    if (a) {
        const char *f[] = {a->address_line1, a->address_line2, a->city, a->state,
                           a->country, a->postal_code, a->contact_name, a->contact_phone};
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
            hash_str(&h, f[i]);
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/*
 * The idempotency record is "REQ CART:V": the request hash, the hash of the
 * cart's lines, and the version the placement left the cart at.  A replay
 * must carry the same request, and find the cart either untouched since
 * that placement (version V) or holding the same lines again.
 */
#define IDEM_REQ_LEN 16

static uint64_t cart_hash(const orders_cart_t *c)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < c->item_count; i++) {
        hash_str(&h, c->items[i].product_id);
        uint64_t q = (uint64_t)c->items[i].quantity;
        for (int b = 0; b < 8; b++)
            h = (h ^ ((q >> (8 * b)) & 0xff)) * 0x100000001b3ULL;
    }
    return h;
}

static void idem_record(const char *req_hash, const orders_cart_t *cart, char *out, size_t len)
{
    snprintf(out, len, "%s%016llx:%lld", req_hash, (unsigned long long)cart_hash(cart),
             (long long)(cart->version + 1));
}

/* Does the current cart fit a stored record's cart part? */
static bool idem_cart_matches(const char *stored, const orders_cart_t *cart)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)cart_hash(cart));
    const char *colon = strchr(stored + IDEM_REQ_LEN, ':');
    if (!colon || colon - (stored + IDEM_REQ_LEN) != 16)
        return false;
    if (memcmp(stored + IDEM_REQ_LEN, hex, 16) == 0)
        return true;
    char version[24];
    snprintf(version, sizeof version, "%lld", (long long)cart->version);
    return strcmp(colon + 1, version) == 0;
}

/* ---- building the order ---- */

static orders_code_t resolve(orders_ctx_t *ctx, const orders_identity_t *who,
                             const orders_place_request_t *req, orders_customer_t *cust,
                             orders_address_t *addr, orders_error_t *err)
{
    orders_code_t rc = ctx->customers->resolve(ctx->customers_ud, who, cust, err);
    if (rc)
        return rc;
    if (!cust->active)
        return orders_error_set(err, ORDERS_E_INACTIVE, "customerId", "Customer account is not active");
    if (req->shipping_address)
        return orders_address_copy_into(addr, req->shipping_address) ? ORDERS_OK : orders__nomem(err);
    if (!ctx->customers->address_get)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "shippingAddressId", "Address not found");
    rc = ctx->customers->address_get(ctx->customers_ud, who, req->shipping_address_id, addr, err);
    if (rc == ORDERS_E_NOT_FOUND)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "shippingAddressId", "Address not found");
    if (rc == ORDERS_OK)
        rc = check_address(addr, err);
    return rc;
}

/* Appends "NAME (requested: Q, available: A)" to the shortage message. */
static void note_short(char *buf, size_t len, const char *name, int64_t q, int64_t a)
{
    size_t used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, "%s%s (requested: %lld, available: %lld)",
                 used ? ", " : "", name, (long long)q, (long long)a);
}

/* Re-reads every line from the catalog: current price, active, stock. */
static orders_code_t price_items(orders_ctx_t *ctx, const orders_cart_t *cart, orders_order_t *o,
                                 int64_t now, orders_error_t *err)
{
    char shortages[ORDERS_ERROR_MESSAGE_MAX - 40] = "";
    o->items = calloc(cart->item_count, sizeof *o->items);
    if (!o->items)
        return orders__nomem(err);
    for (size_t i = 0; i < cart->item_count; i++) {
        const orders_cart_line_t *l = &cart->items[i];
        orders_order_item_t *it = &o->items[o->item_count++];
        orders_product_t *p = NULL;
        int64_t available = 0;
        orders_code_t rc = ctx->catalog->product_get(ctx->catalog_ud, l->product_id, &p, err);
        if (rc == ORDERS_OK && p->active)
            rc = ctx->catalog->stock_available(ctx->catalog_ud, l->product_id, &available, err);
        else if (rc == ORDERS_E_NOT_FOUND || rc == ORDERS_OK) {
            rc = ORDERS_OK; /* gone or inactive: nothing available */
            orders_error_clear(err);
        }
        if (rc) {
            orders_product_free(p);
            return rc;
        }
        if (available < l->quantity)
            note_short(shortages, sizeof shortages, p ? p->name : l->product_name, l->quantity,
                       available);
        const orders_product_t *src = p;
        bool ok = orders__set_str(&it->product_id, l->product_id) &&
                  orders__set_str(&it->seller_id, src ? src->seller_id : l->seller_id) &&
                  orders__set_str(&it->product_name, src ? src->name : l->product_name) &&
                  orders__set_str(&it->product_image, src ? src->image : l->product_image);
        it->quantity = l->quantity;
        it->unit_price = src ? src->price : l->price;
        it->status = ORDERS_ITEM_RESERVED;
        it->reserved_at = now;
        orders_product_free(p);
        if (!ok)
            return orders__nomem(err);
        if ((rc = orders_money_mul(&it->unit_price, it->quantity, &it->total_price, err)))
            return rc;
        if (i == 0)
            memcpy(o->subtotal.currency, it->unit_price.currency, ORDERS_CURRENCY_LEN);
        if ((rc = orders_money_add(&o->subtotal, &it->total_price, &o->subtotal, err)))
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
    const char *cur = o->subtotal.currency;
    if ((rc = orders_money_init(&o->tax, pr.tax, cur, err)) ||
        (rc = orders_money_init(&o->shipping_fee, pr.shipping_fee, cur, err)) ||
        (rc = orders_money_init(&o->discount, pr.discount, cur, err)) ||
        (rc = orders_money_init(&o->refund_amount, 0, cur, err)) ||
        (rc = orders_money_add(&o->subtotal, &o->tax, &o->total_amount, err)) ||
        (rc = orders_money_add(&o->total_amount, &o->shipping_fee, &o->total_amount, err)) ||
        (rc = orders_money_sub(&o->total_amount, &o->discount, &o->total_amount, err)))
        return rc;
    if (o->total_amount.amount < 0)
        return orders_error_set(err, ORDERS_E_INVALID, "discount", "discount exceeds the order amount");
    return ORDERS_OK;
}

static orders_code_t order_number(orders_ctx_t *ctx, int64_t now, char *buf, size_t len,
                                  orders_error_t *err)
{
    int64_t seq = 0;
    orders_code_t rc = ctx->store->sequence_next(ctx->store_ud, "order", &seq, err);
    if (rc)
        return rc;
    time_t secs = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, len, "ORD%04d%02d%02d%06lld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             (long long)seq);
    return ORDERS_OK;
}

static orders_code_t seller_statuses(orders_order_t *o, int64_t now, orders_error_t *err)
{
    o->seller_statuses = calloc(o->item_count, sizeof *o->seller_statuses);
    if (!o->seller_statuses)
        return orders__nomem(err);
    for (size_t i = 0; i < o->item_count; i++) {
        bool seen = false;
        for (size_t j = 0; j < o->seller_count && !seen; j++)
            seen = strcmp(o->seller_statuses[j].seller_id, o->items[i].seller_id) == 0;
        if (seen)
            continue;
        orders_seller_status_t *s = &o->seller_statuses[o->seller_count];
        if (!orders__set_str(&s->seller_id, o->items[i].seller_id))
            return orders__nomem(err);
        s->status = ORDERS_STATUS_PENDING;
        s->updated_at = now;
        o->seller_count++;
    }
    return ORDERS_OK;
}

static orders_code_t build_order(orders_ctx_t *ctx, draft_t *d, const orders_customer_t *cust,
                                 orders_address_t *addr, const orders_place_request_t *req,
                                 int64_t now, orders_error_t *err)
{
    orders_order_t *o = d->order = calloc(1, sizeof *o);
    if (!o)
        return orders__nomem(err);
    char id[ORDERS_ID_MAX + 1], number[64];
    orders__new_id(ctx, id);
    orders_code_t rc;
    if ((rc = price_items(ctx, d->cart, o, now, err)) || (rc = apply_pricing(ctx, o, err)) ||
        (rc = seller_statuses(o, now, err)) ||
        (rc = order_number(ctx, now, number, sizeof number, err)))
        return rc;
    if (!orders__set_str(&o->id, id) || !orders__set_str(&o->order_number, number) ||
        !orders__set_str(&o->customer_id, cust->id) ||
        !orders__set_str(&o->customer_name, cust->name) ||
        !orders__set_str(&o->customer_email, cust->email) || !orders__set_str(&o->notes, req->notes))
        return orders__nomem(err);
    o->shipping_address = *addr; /* moved */
    memset(addr, 0, sizeof *addr);
    o->status = ORDERS_STATUS_PENDING;
    o->payment_method = req->payment_method;
    o->payment_status = ORDERS_PAYMENT_PENDING;
    o->placed_at = o->created_at = o->updated_at = now;
    o->reservation_expiry = now + ctx->cfg.reservation_ms;
    o->version = 1;
    return ORDERS_OK;
}

static orders_code_t build_reservation(orders_ctx_t *ctx, draft_t *d, orders_error_t *err)
{
    const orders_order_t *o = d->order;
    orders_reservation_t *r = d->res = calloc(1, sizeof *r);
    if (!r || !(r->lines = calloc(o->item_count, sizeof *r->lines)))
        return orders__nomem(err);
    char id[ORDERS_ID_MAX + 1];
    orders__new_id(ctx, id);
    if (!orders__set_str(&r->id, id) || !orders__set_str(&r->order_id, o->id) ||
        !orders__set_str(&r->customer_id, o->customer_id))
        return orders__nomem(err);
    for (size_t i = 0; i < o->item_count; i++) {
        orders_reservation_line_t *l = &r->lines[r->line_count++];
        if (!orders__set_str(&l->product_id, o->items[i].product_id) ||
            !orders__set_str(&l->seller_id, o->items[i].seller_id))
            return orders__nomem(err);
        l->quantity = o->items[i].quantity;
        l->unit_price = o->items[i].unit_price;
        r->total_items += l->quantity;
    }
    r->total_value = o->subtotal;
    r->status = ORDERS_RES_ACTIVE;
    r->local_stock = (ctx->catalog->flags & ORDERS_CATALOG_IN_STORE) != 0;
    r->created_at = r->updated_at = o->created_at;
    r->expires_at = o->reservation_expiry;
    return ORDERS_OK;
}

static orders_code_t build_events(orders_ctx_t *ctx, draft_t *d, int64_t now,
                                  orders_error_t *err)
{
    const orders_order_t *o = d->order;
    orders_split_t *split = NULL;
    orders_code_t rc = orders_order_split(o, &split, err);
    if (rc)
        return rc;
    d->events = calloc(split->count + 1, sizeof *d->events);
    bool ok = d->events != NULL;
    if (ok)
        ok = (d->events[d->event_count++] = orders__event_new(
                  ctx, o->id, now, ORDERS_EVENT_ORDER_PLACED, o->customer_id, NULL, "pending",
                  &o->total_amount, o->order_number)) != NULL;
    for (size_t i = 0; ok && i < split->count; i++)
        ok = (d->events[d->event_count++] = orders__event_new(
                  ctx, o->id, now, ORDERS_EVENT_NEW_ORDER, split->parts[i].seller_id, NULL,
                  "pending", &split->parts[i].total, o->order_number)) != NULL;
    orders_split_free(split);
    return ok ? ORDERS_OK : orders__nomem(err);
}

/* The cart as placement leaves it: same customer, no lines, next version. */
static orders_code_t build_cleared_cart(orders_ctx_t *ctx, draft_t *d, int64_t now,
                                        orders_error_t *err)
{
    orders_cart_t *c = calloc(1, sizeof *c);
    if (!(d->cleared = c) || !orders__set_str(&c->id, d->cart->id) ||
        !orders__set_str(&c->customer_id, d->cart->customer_id))
        return orders__nomem(err);
    c->version = d->cart->version + 1;
    c->created_at = d->cart->created_at;
    c->updated_at = now;
    c->expires_at = now + ctx->cfg.cart_ttl_ms;
    return ORDERS_OK;
}

static orders_code_t build_records(orders_ctx_t *ctx, draft_t *d, const char *actor,
                                   int64_t now, orders_error_t *err)
{
    orders_code_t rc = build_events(ctx, d, now, err);
    if (rc)
        return rc;
    d->history = orders__history_new(d->order->id, now, actor, NULL, "pending", "order placed");
    if (!d->history)
        return orders__nomem(err);
    return build_cleared_cart(ctx, d, now, err);
}

/* ---- the atomic step ---- */

static void remote_release(orders_ctx_t *ctx, const char *order_id)
{
    if (!(ctx->catalog->flags & ORDERS_CATALOG_IN_STORE))
        (void)ctx->catalog->release(ctx->catalog_ud, order_id, NULL);
}

/* Turns the store's short line into the contract's message. */
static orders_code_t out_of_stock(orders_ctx_t *ctx, const draft_t *d,
                                  const orders_place_result_t *res, orders_error_t *err)
{
    orders__stat(ctx, "reservation_conflict");
    const char *name = res->short_product_id;
    int64_t requested = 0;
    for (size_t i = 0; i < d->order->item_count; i++)
        if (strcmp(d->order->items[i].product_id, res->short_product_id) == 0) {
            name = d->order->items[i].product_name;
            requested = d->order->items[i].quantity;
        }
    return orders_error_set(err, ORDERS_E_OUT_OF_STOCK, "items",
                            "Some items are not available: %s (requested: %lld, available: %lld)",
                            name, (long long)requested, (long long)res->short_available);
}

static orders_code_t remote_reserve(orders_ctx_t *ctx, const draft_t *d, orders_error_t *err)
{
    if (ctx->catalog->flags & ORDERS_CATALOG_IN_STORE)
        return ORDERS_OK;
    const orders_reservation_t *r = d->res;
    orders_catalog_line_t *lines = calloc(r->line_count, sizeof *lines);
    if (!lines)
        return orders__nomem(err);
    for (size_t i = 0; i < r->line_count; i++)
        lines[i] = (orders_catalog_line_t){r->lines[i].product_id, r->lines[i].quantity};
    orders_error_t rerr = {0};
    orders_code_t rc = ctx->catalog->reserve(ctx->catalog_ud, r->order_id, lines, r->line_count,
                                             r->expires_at, &rerr);
    free(lines);
    if (rc != ORDERS_E_OUT_OF_STOCK) {
        if (rc && err)
            *err = rerr;
        return rc;
    }
    /* the catalog names the short product in the field: say it as the contract does */
    orders_place_result_t res = {0};
    snprintf(res.short_product_id, sizeof res.short_product_id, "%s", rerr.field);
    if (ctx->catalog->stock_available(ctx->catalog_ud, rerr.field, &res.short_available, NULL))
        res.short_available = 0;
    return out_of_stock(ctx, d, &res, err);
}

/* Is the stored cart still at `version`?  (A conflict with a moved cart is
 * a race to retry; any other conflict is real.) */
static bool cart_moved(orders_ctx_t *ctx, const char *customer_id, int64_t version)
{
    orders_cart_t *c = NULL;
    if (ctx->store->cart_get(ctx->store_ud, customer_id, &c, NULL) != ORDERS_OK)
        return true;
    bool moved = c->version != version;
    orders_cart_free(c);
    return moved;
}

typedef struct place_args {
    const orders_customer_t *cust;
    orders_address_t *addr;
    const orders_place_request_t *req;
    const char *idem_key;
    const char *idem_hash;
    const char *actor;
} place_args_t;

/* One attempt.  *retry is set when the cart moved under us. */
static orders_code_t place_once(orders_ctx_t *ctx, const place_args_t *a, char *order_id,
                                orders_order_t **placed, bool *retry, orders_error_t *err)
{
    draft_t d = {0};
    int64_t now = orders_ctx_now(ctx);
    orders_code_t rc = ctx->store->cart_get(ctx->store_ud, a->cust->id, &d.cart, err);
    if (rc == ORDERS_E_NOT_FOUND || (rc == ORDERS_OK && d.cart->item_count == 0)) {
        draft_clear(&d);
        return orders_error_set(err, ORDERS_E_EMPTY_CART, "cart", "Cart is empty");
    }
    char idem_hash[ORDERS_ID_MAX + 1];
    if (rc == ORDERS_OK && a->idem_key)
        idem_record(a->idem_hash, d.cart, idem_hash, sizeof idem_hash);
    orders_address_t addr = {0};
    if (rc == ORDERS_OK && !orders_address_copy_into(&addr, a->addr))
        rc = orders__nomem(err);
    if (rc == ORDERS_OK)
        rc = build_order(ctx, &d, a->cust, &addr, a->req, now, err);
    orders_address_clear(&addr);
    if (rc == ORDERS_OK)
        rc = build_reservation(ctx, &d, err);
    if (rc == ORDERS_OK)
        rc = build_records(ctx, &d, a->actor, now, err);
    if (rc == ORDERS_OK)
        rc = remote_reserve(ctx, &d, err);
    if (rc) {
        draft_clear(&d);
        return rc;
    }
    orders_place_tx_t tx = {
        .order = d.order,
        .reservation = d.res,
        .cart_version = d.cart->version,
        .cleared_cart = d.cleared,
        .events = (const orders_event_t *const *)d.events,
        .event_count = d.event_count,
        .history = (const orders_history_t *const *)&d.history,
        .history_count = 1,
        .idem_key = a->idem_key,
        .idem_hash = a->idem_key ? idem_hash : NULL,
    };
    orders_place_result_t res = {0};
    rc = ctx->store->place(ctx->store_ud, &tx, &res, err);
    if (rc == ORDERS_OK && res.replayed_order_id[0]) {
        remote_release(ctx, d.order->id);
        memcpy(order_id, res.replayed_order_id, sizeof res.replayed_order_id);
    } else if (rc == ORDERS_OK) {
        memcpy(order_id, d.order->id, strlen(d.order->id) + 1);
        *placed = d.order; /* as stored: placement hands it on to payment */
        d.order = NULL;
    } else {
        remote_release(ctx, d.order->id);
        if (rc == ORDERS_E_OUT_OF_STOCK)
            rc = out_of_stock(ctx, &d, &res, err);
        else if (rc == ORDERS_E_CONFLICT && cart_moved(ctx, a->cust->id, d.cart->version))
            *retry = true;
    }
    draft_clear(&d);
    return rc;
}

/* An idempotency key seen before: the first order, or a conflict. */
static orders_code_t replay(orders_ctx_t *ctx, const char *key, const char *customer_id,
                            const char *req_hash, char *order_id, bool *found,
                            orders_error_t *err)
{
    char stored[ORDERS_ID_MAX + 1];
    *found = false;
    orders_code_t rc = ctx->store->idem_get(ctx->store_ud, key, order_id, stored, err);
    if (rc == ORDERS_E_NOT_FOUND) {
        orders_error_clear(err);
        return ORDERS_OK;
    }
    if (rc)
        return rc;
    orders_cart_t *cart = NULL;
    bool same = strncmp(stored, req_hash, IDEM_REQ_LEN) == 0;
    if (same && ctx->store->cart_get(ctx->store_ud, customer_id, &cart, NULL) == ORDERS_OK)
        same = idem_cart_matches(stored, cart);
    orders_cart_free(cart);
    if (!same)
        return orders_error_set(err, ORDERS_E_IDEMPOTENCY, "Idempotency-Key",
                                "Idempotency-Key was already used with a different request");
    *found = true;
    return ORDERS_OK;
}

/* Keys are per customer: "CUSTOMER<US>KEY", so customers never collide.
 * One that would pass ORDERS_ID_MAX bytes becomes "~" and two 64-bit hashes
 * of it, since stores keep ids of at most that size. */
static char *scoped_key(const char *customer_id, const char *key)
{
    size_t n = strlen(customer_id) + strlen(key) + 2;
    char *k = malloc(n);
    if (!k)
        return NULL;
    snprintf(k, n, "%s\x1f%s", customer_id, key);
    if (n - 1 <= ORDERS_ID_MAX)
        return k;
    uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
    hash_str(&h1, k);
    hash_str(&h2, k);
    hash_str(&h2, customer_id);
    snprintf(k, n, "~%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
    return k;
}

orders_code_t orders_order_place(orders_ctx_t *ctx, const orders_identity_t *who,
                                 const orders_place_request_t *req, orders_order_t **out,
                                 orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_code_t rc = check_request(who, req, err);
    if (rc)
        return rc;
    char hash[17], order_id[ORDERS_ID_MAX + 1] = "", actor[ORDERS_ID_MAX + 16];
    char *key = NULL;
    bool replayed = false;
    request_hash(who, req, hash);
    snprintf(actor, sizeof actor, "customer:%s", who->id);
    if (req->idempotency_key) {
        if (!(key = scoped_key(who->id, req->idempotency_key)))
            return orders__nomem(err);
        rc = replay(ctx, key, who->id, hash, order_id, &replayed, err);
    }
    orders_customer_t cust = {0};
    orders_address_t addr = {0};
    if (rc == ORDERS_OK && !replayed)
        rc = resolve(ctx, who, req, &cust, &addr, err);
    place_args_t a = {&cust, &addr, req, key, hash, actor};
    bool retry = true;
    orders_order_t *placed = NULL;
    for (int attempt = 0; rc == ORDERS_OK && !replayed && retry; attempt++) {
        retry = false;
        if (attempt == ORDERS__MAX_RETRIES) {
            rc = orders_error_set(err, ORDERS_E_CONFLICT, "cart", "cart is changing too often; try again");
            break;
        }
        rc = place_once(ctx, &a, order_id, &placed, &retry, err);
        if (rc && retry) {
            rc = ORDERS_OK;
            orders_error_clear(err);
        }
    }
    if (rc == ORDERS_E_EMPTY_CART && key) {
        /* a concurrent twin with the same key may have just emptied the cart */
        orders_error_t rerr = {0};
        if (replay(ctx, key, who->id, hash, order_id, &replayed, &rerr) == ORDERS_OK && replayed) {
            rc = ORDERS_OK;
            orders_error_clear(err);
        }
    }
    orders_customer_clear(&cust);
    orders_address_clear(&addr);
    free(key);
    if (rc)
        return rc;
    if (placed && !(req->defer_payment && req->payment_method != ORDERS_METHOD_COD)) {
        /* a payment problem leaves a pending order, which is still placed */
        orders_order_t *paid = NULL;
        if (orders__payment_run(ctx, placed, NULL, out ? &paid : NULL, NULL) == ORDERS_OK) {
            orders_order_free(placed);
            if (out)
                *out = paid;
            return ORDERS_OK;
        }
        orders_order_free(paid); /* set when a recorded outcome's follow-up failed */
    }
    orders_order_free(placed);
    if (!out)
        return ORDERS_OK;
    return ctx->store->order_get(ctx->store_ud, order_id, out, err);
}
