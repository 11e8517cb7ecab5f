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

#include "draft.h"

#define NOTES_MAX 2000

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
    orders__hex64(h, out);
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
        return ORDERS_OK; /* the caller's address is used as it is */
    if (!ctx->customers->address_get)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "shippingAddressId", "Address not found");
    rc = ctx->customers->address_get(ctx->customers_ud, who, req->shipping_address_id, addr, err);
    if (rc == ORDERS_E_NOT_FOUND)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "shippingAddressId", "Address not found");
    if (rc == ORDERS_OK)
        rc = check_address(addr, err);
    return rc;
}

/* ---- the atomic step ---- */

static void remote_release(orders_ctx_t *ctx, const char *order_id)
{
    if (orders__catalog_remote(ctx))
        (void)ctx->catalog->release(ctx->catalog_ud, order_id, NULL);
}

/* Turns the store's short line into the contract's message. */
static orders_code_t out_of_stock(orders_ctx_t *ctx, const orders__draft_t *d,
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

static orders_code_t remote_reserve(orders_ctx_t *ctx, const orders__draft_t *d, orders_error_t *err)
{
    if (!orders__catalog_remote(ctx))
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
    const orders_address_t *addr;
    const orders_place_request_t *req;
    const char *idem_key;
    const char *idem_hash;
    const char *actor;
} place_args_t;

/*
 * Cash on delivery is accepted at once by rule, and so is an order with
 * nothing to pay whose payment is not deferred.  With the stock in the
 * store, the cod gateway is asked before the store step (an order of 0
 * asks none), and an approval is written in the same atomic step as the
 * placement: the order is never seen pending, and a crash cannot leave it
 * so.  Any other answer leaves the draft as it is, and payment runs after
 * placement as for other methods.
 */
static orders_code_t accept_at_once(orders_ctx_t *ctx, orders__draft_t *d,
                                    const orders_place_request_t *req, int64_t now, bool *accepted,
                                    orders_error_t *err)
{
    *accepted = false;
    void *gud;
    const orders_gateway_vtable_t *gw = orders__gateway(ctx, req->payment_method, &gud);
    bool cod = req->payment_method == ORDERS_METHOD_COD;
    if (!gw || orders__catalog_remote(ctx) || (!cod && req->defer_payment))
        return ORDERS_OK;
    if (orders__nothing_to_pay(d->order)) {
        *accepted = true;
        return orders__draft_accept(ctx, d, NULL, false, now, err);
    }
    if (!cod)
        return ORDERS_OK;
    char key[ORDERS_ID_MAX + 8];
    orders__pay_key(key, sizeof key, "pay", d->order->id);
    orders_payment_t p = {.order_id = d->order->id, .customer_id = d->order->customer_id,
                          .idempotency_key = key, .amount = d->order->total_amount};
    orders_pay_result_t res = {0};
    if (gw->authorize(gud, ctx, &p, &res, NULL) != ORDERS_OK || res.outcome != ORDERS_PAY_APPROVED)
        return ORDERS_OK; /* decided after placement instead */
    *accepted = true;
    return orders__draft_accept(ctx, d, res.txn_id, res.money_taken, now, err);
}

/* One attempt into d (empty on entry; the caller clears it).  *retry is
 * set when the cart moved under us. */
static orders_code_t place_once(orders_ctx_t *ctx, const place_args_t *a, orders__draft_t *d,
                                char *order_id, bool *replayed, bool *accepted, bool *retry,
                                orders_error_t *err)
{
    orders_code_t rc = ctx->store->cart_get(ctx->store_ud, a->cust->id, &d->cart, err);
    if (rc == ORDERS_E_NOT_FOUND || (rc == ORDERS_OK && d->cart->item_count == 0))
        return orders_error_set(err, ORDERS_E_EMPTY_CART, "cart", "Cart is empty");
    if (rc)
        return rc;
    char idem_hash[ORDERS_ID_MAX + 1];
    if (a->idem_key)
        idem_record(a->idem_hash, d->cart, idem_hash, sizeof idem_hash);
    orders__draft_input_t in = {a->cust, a->addr, a->req, a->actor, orders_ctx_now(ctx)};
    if ((rc = orders__draft_build(ctx, d, &in, err)) || (rc = remote_reserve(ctx, d, err)) ||
        (rc = accept_at_once(ctx, d, a->req, in.now, accepted, err)))
        return rc;
    orders_place_tx_t tx = {
        .order = d->order,
        .reservation = d->res,
        .cart_version = d->cart->version,
        .cleared_cart = d->cleared,
        .events = (const orders_event_t *const *)d->events,
        .event_count = d->event_count,
        .history = (const orders_history_t *const *)d->history,
        .history_count = d->history_count,
        .idem_key = a->idem_key,
        .idem_hash = a->idem_key ? idem_hash : NULL,
    };
    orders_place_result_t res = {0};
    rc = ctx->store->place(ctx->store_ud, &tx, &res, err);
    if (rc == ORDERS_OK && res.replayed_order_id[0]) {
        remote_release(ctx, d->order->id);
        memcpy(order_id, res.replayed_order_id, sizeof res.replayed_order_id);
        *replayed = true;
    } else if (rc == ORDERS_OK) {
        memcpy(order_id, d->order->id, strlen(d->order->id) + 1);
    } else {
        remote_release(ctx, d->order->id);
        if (rc == ORDERS_E_OUT_OF_STOCK)
            rc = out_of_stock(ctx, d, &res, err);
        else if (rc == ORDERS_E_CONFLICT && cart_moved(ctx, a->cust->id, d->cart->version))
            *retry = true;
    }
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
    orders__join(actor, sizeof actor, "customer:", who->id);
    if (req->idempotency_key) {
        if (!(key = scoped_key(who->id, req->idempotency_key)))
            return orders__nomem(err);
        rc = replay(ctx, key, who->id, hash, order_id, &replayed, err);
    }
    orders_customer_t cust = {0};
    orders_address_t addr = {0};
    if (rc == ORDERS_OK && !replayed)
        rc = resolve(ctx, who, req, &cust, &addr, err);
    place_args_t a = {&cust, req->shipping_address ? req->shipping_address : &addr, req, key, hash,
                      actor};
    orders__draft_t d = {0};
    bool retry = true, accepted = false;
    for (int attempt = 0; rc == ORDERS_OK && !replayed && retry; attempt++) {
        retry = false;
        orders__draft_clear(&d);
        if (attempt == ORDERS__MAX_RETRIES) {
            rc = orders_error_set(err, ORDERS_E_CONFLICT, "cart", "cart is changing too often; try again");
            break;
        }
        rc = place_once(ctx, &a, &d, order_id, &replayed, &accepted, &retry, err);
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
    free(key);
    if (rc == ORDERS_OK && !replayed && !accepted &&
        !(req->defer_payment && req->payment_method != ORDERS_METHOD_COD)) {
        /* a payment problem leaves a pending order, which is still placed */
        orders_order_t *paid = NULL;
        if (orders__payment_run(ctx, d.order, NULL, out ? &paid : NULL, NULL) == ORDERS_OK) {
            if (out)
                *out = paid;
            paid = NULL;
        }
        orders_order_free(paid); /* set when a recorded outcome's follow-up failed */
    }
    /* An order accepted in the placement step itself (cash on delivery) is
     * stored exactly as drafted: answer with a copy instead of reading it
     * back.  A replay, or an order the payment step changed, is read. */
    if (rc == ORDERS_OK && out && !*out && !replayed && accepted && d.order != NULL &&
        (*out = orders_order_copy(d.order)) == NULL)
        rc = orders__nomem(err);
    orders__draft_clear(&d); /* before what it borrows from: the customer and address */
    orders_customer_clear(&cust);
    orders_address_clear(&addr);
    if (rc || !out || *out) /* failed, not wanted, or the answer is in hand */
        return rc;
    return ctx->store->order_get(ctx->store_ud, order_id, out, err);
}
