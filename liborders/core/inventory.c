/*
 * inventory.c - products, stock, availability checks, and reservations
 * made outside placement (the inventory routes), plus the expiry sweep.
 */
#include <pthread.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>

#include "internal.h"

#define NAME_MAX_BYTES 512
#define IMAGE_MAX_BYTES 2048

static orders_code_t check_product(const orders_product_t *p, orders_error_t *err)
{
    orders_code_t rc;
    if (!p)
        return orders_error_set(err, ORDERS_E_INVALID, NULL, "product is required");
    if ((rc = orders__check_id(p->id, "id", err)) ||
        (rc = orders__check_id(p->seller_id, "sellerId", err)))
        return rc;
    if (!p->name || !p->name[0])
        return orders_error_set(err, ORDERS_E_INVALID, "name", "name is required");
    if (strnlen(p->name, NAME_MAX_BYTES + 1) > NAME_MAX_BYTES)
        return orders_error_set(err, ORDERS_E_INVALID, "name", "name is longer than %d bytes",
                                NAME_MAX_BYTES);
    if (p->image && strnlen(p->image, IMAGE_MAX_BYTES + 1) > IMAGE_MAX_BYTES)
        return orders_error_set(err, ORDERS_E_INVALID, "image", "image is longer than %d bytes",
                                IMAGE_MAX_BYTES);
    if (!orders_currency_valid(p->price.currency))
        return orders_error_set(err, ORDERS_E_CURRENCY, "currency", "unknown currency '%.3s'",
                                p->price.currency);
    if (p->price.amount < 0)
        return orders_error_set(err, ORDERS_E_INVALID, "price", "price must not be negative");
    if (p->price.amount > ORDERS_MONEY_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "price",
                                "price exceeds %" PRId64 " minor units", ORDERS_MONEY_MAX);
    return ORDERS_OK;
}

orders_code_t orders_product_put(orders_ctx_t *ctx, const orders_product_t *p, bool create_only,
                                 orders_product_t **out, orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_code_t rc = check_product(p, err);
    if (rc)
        return rc;
    orders_product_t *copy = orders_product_copy(p);
    if (!copy)
        return orders__nomem(err);
    int64_t now = orders_ctx_now(ctx);
    orders_product_t *old = NULL;
    copy->created_at = now;
    if (!create_only && ctx->store->product_get(ctx->store_ud, p->id, &old, NULL) == ORDERS_OK)
        copy->created_at = old->created_at;
    orders_product_free(old);
    copy->updated_at = now;
    rc = ctx->store->product_put(ctx->store_ud, copy, create_only, err);
    if (rc == ORDERS_E_CONFLICT)
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "id", "Product %s already exists", p->id);
    if (rc == ORDERS_OK && out)
        *out = copy;
    else
        orders_product_free(copy);
    return rc;
}

/* Whether stored is what p describes (every field a caller sets). */
static bool same_product(const orders_product_t *stored, const orders_product_t *p)
{
    return strcmp(stored->id, p->id) == 0 && strcmp(stored->seller_id, p->seller_id) == 0 &&
           strcmp(stored->name, p->name) == 0 && orders__str_eq(stored->image, p->image) &&
           stored->price.amount == p->price.amount &&
           strcmp(stored->price.currency, p->price.currency) == 0 && stored->active == p->active;
}

orders_code_t orders_product_create_once(orders_ctx_t *ctx, const orders_product_t *p,
                                         bool *replayed, orders_product_t **out,
                                         orders_error_t *err)
{
    *replayed = false;
    orders_product_t *stored = NULL;
    orders_code_t rc = orders_product_put(ctx, p, true, &stored, err);
    if (rc == ORDERS_E_CONFLICT) {
        orders_error_t gerr;
        if (ctx->store->product_get(ctx->store_ud, p->id, &stored, &gerr) == ORDERS_OK &&
            same_product(stored, p)) {
            rc = ORDERS_OK;
            *replayed = true;
        }
    }
    if (rc == ORDERS_OK && out)
        *out = stored;
    else
        orders_product_free(stored);
    return rc;
}

static orders_code_t product_not_found(orders_code_t rc, orders_error_t *err)
{
    if (rc == ORDERS_E_NOT_FOUND)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "productId", "Product not found");
    return rc;
}

orders_code_t orders_product_get(orders_ctx_t *ctx, const char *id, orders_product_t **out,
                                 orders_error_t *err)
{
    *out = NULL;
    orders_code_t rc = orders__check_id(id, "productId", err);
    return rc ? rc : product_not_found(ctx->store->product_get(ctx->store_ud, id, out, err), err);
}

orders_code_t orders_product_list(orders_ctx_t *ctx, const char *seller_id, int64_t page,
                                  int64_t limit, orders_product_list_t *out, orders_error_t *err)
{
    orders_code_t rc;
    if (seller_id && (rc = orders__check_id(seller_id, "sellerId", err)))
        return rc;
    if (page < 1)
        return orders_error_set(err, ORDERS_E_INVALID, "page", "page must be at least 1");
    if (limit < 1 || limit > 1000)
        return orders_error_set(err, ORDERS_E_INVALID, "limit", "limit must be from 1 to 1000");
    int64_t offset;
    if (!orders_i64_mul(page - 1, limit, &offset))
        return orders_error_set(err, ORDERS_E_INVALID, "page", "page is too large");
    return ctx->store->product_list(ctx->store_ud, seller_id, offset, limit, out, err);
}

orders_code_t orders_stock_get(orders_ctx_t *ctx, const char *product_id, orders_stock_t *out,
                               orders_error_t *err)
{
    orders_code_t rc = orders__check_id(product_id, "productId", err);
    return rc ? rc : product_not_found(ctx->store->stock_get(ctx->store_ud, product_id, out, err), err);
}

orders_code_t orders_stock_set(orders_ctx_t *ctx, const char *product_id, int64_t available,
                               orders_stock_t *out, orders_error_t *err)
{
    orders_code_t rc = orders__check_id(product_id, "productId", err);
    if (rc)
        return rc;
    if (available < 0)
        return orders_error_set(err, ORDERS_E_INVALID, "available", "available must not be negative");
    return product_not_found(ctx->store->stock_change(ctx->store_ud, product_id,
                                                      ORDERS_STOCK_SET_AVAILABLE, available, out,
                                                      err), err);
}

orders_code_t orders_stock_adjust(orders_ctx_t *ctx, const char *product_id, int64_t delta,
                                  orders_stock_t *out, orders_error_t *err)
{
    orders_code_t rc = orders__check_id(product_id, "productId", err);
    if (rc)
        return rc;
    if (delta == 0)
        return orders_error_set(err, ORDERS_E_INVALID, "delta", "delta must not be zero");
    return product_not_found(ctx->store->stock_change(ctx->store_ud, product_id,
                                                      ORDERS_STOCK_ADJUST, delta, out, err), err);
}

static orders_code_t check_items(const orders_item_request_t *items, size_t n, int64_t max_lines,
                                 orders_error_t *err)
{
    char field[ORDERS_ERROR_FIELD_MAX];
    if (!items || n == 0)
        return orders_error_set(err, ORDERS_E_INVALID, "items", "items must not be empty");
    if ((int64_t)n > max_lines)
        return orders_error_set(err, ORDERS_E_LIMIT, "items", "at most %lld items",
                                (long long)max_lines);
    for (size_t i = 0; i < n; i++) {
        snprintf(field, sizeof field, "items[%zu].productId", i);
        orders_code_t rc = orders__check_id(items[i].product_id, field, err);
        if (rc)
            return rc;
        if (items[i].quantity < 1) {
            snprintf(field, sizeof field, "items[%zu].quantity", i);
            return orders_error_set(err, ORDERS_E_INVALID, field, "%s must be at least 1", field);
        }
    }
    return ORDERS_OK;
}

orders_code_t orders_inventory_check(orders_ctx_t *ctx, const orders_item_request_t *items,
                                     size_t n, int64_t *available, bool *ok, bool *all_ok,
                                     orders_error_t *err)
{
    orders_code_t rc = check_items(items, n, ctx->cfg.max_cart_lines, err);
    if (rc)
        return rc;
    *all_ok = true;
    for (size_t i = 0; i < n; i++) {
        available[i] = 0;
        rc = ctx->catalog->stock_available(ctx->catalog_ud, items[i].product_id, &available[i], err);
        if (rc == ORDERS_E_NOT_FOUND) { /* unknown product: nothing available */
            available[i] = 0;
            orders_error_clear(err);
            rc = ORDERS_OK;
        }
        if (rc)
            return rc;
        ok[i] = available[i] >= items[i].quantity;
        *all_ok = *all_ok && ok[i];
    }
    return ORDERS_OK;
}

/* Whether stored is what req asks for again: the same customer and the
 * same lines in the same order. */
static bool same_reservation(const orders_reservation_t *stored, const orders_reservation_t *req)
{
    if (stored->line_count != req->line_count ||
        !orders__str_eq(stored->customer_id, req->customer_id))
        return false;
    for (size_t i = 0; i < req->line_count; i++)
        if (stored->lines[i].quantity != req->lines[i].quantity ||
            strcmp(stored->lines[i].product_id, req->lines[i].product_id) != 0)
            return false;
    return true;
}

/* The order id already has a reservation: the same request again (a retry)
 * gets that reservation, as it is now; another request is a conflict. */
static orders_code_t replay_reservation(orders_ctx_t *ctx, const orders_reservation_t *req,
                                        orders_reservation_t **out, orders_error_t *err)
{
    orders_reservation_t *stored = NULL;
    orders_code_t rc = ctx->store->reservation_get(ctx->store_ud, req->order_id, &stored, err);
    if (rc == ORDERS_OK && !same_reservation(stored, req))
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "orderId",
                              "A reservation for order %s already exists", req->order_id);
    if (rc == ORDERS_OK && out)
        *out = stored;
    else
        orders_reservation_free(stored);
    return rc;
}

/* The store found no product for a line: says which, as the contract
 * does ("Product not found: ID", field items[i].productId). */
static orders_code_t unknown_product(orders_ctx_t *ctx, const orders_item_request_t *items,
                                     size_t n, orders_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        int64_t available = 0;
        if (ctx->catalog->stock_available(ctx->catalog_ud, items[i].product_id, &available,
                                          NULL) != ORDERS_E_NOT_FOUND)
            continue;
        char field[ORDERS_ERROR_FIELD_MAX];
        snprintf(field, sizeof field, "items[%zu].productId", i);
        return orders_error_set(err, ORDERS_E_NOT_FOUND, field, "Product not found: %s",
                                items[i].product_id);
    }
    return orders_error_set(err, ORDERS_E_NOT_FOUND, "items", "Product not found");
}

orders_code_t orders_reservation_create(orders_ctx_t *ctx, const char *order_id,
                                        const char *customer_id,
                                        const orders_item_request_t *items, size_t n,
                                        int64_t window_ms, orders_reservation_t **out,
                                        orders_error_t *err)
{
    if (out)
        *out = NULL;
    orders_code_t rc = orders__check_id(order_id, "orderId", err);
    if (rc == ORDERS_OK && customer_id)
        rc = orders__check_id(customer_id, "customerId", err);
    if (rc == ORDERS_OK)
        rc = check_items(items, n, ctx->cfg.max_cart_lines, err);
    if (rc)
        return rc;
    if (window_ms < 0 || window_ms > 7LL * 24 * 3600 * 1000)
        return orders_error_set(err, ORDERS_E_INVALID, "expirationMinutes",
                                "expirationMinutes must be from 1 to 10080");
    if (orders__catalog_remote(ctx))
        return orders_error_set(err, ORDERS_E_UNSUPPORTED, NULL,
                                "stock is held by the remote catalog");
    int64_t now = orders_ctx_now(ctx);
    orders_reservation_t *r = calloc(1, sizeof *r);
    char id[ORDERS_ID_MAX + 1];
    orders__new_id(ctx, id);
    if (!r || !(r->lines = calloc(n, sizeof *r->lines)) || !orders__set_str(&r->id, id) ||
        !orders__set_str(&r->order_id, order_id) || !orders__set_str(&r->customer_id, customer_id)) {
        orders_reservation_free(r);
        return orders__nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        r->lines[r->line_count].quantity = items[i].quantity;
        if (!orders__set_str(&r->lines[r->line_count++].product_id, items[i].product_id) ||
            !orders_i64_add(r->total_items, items[i].quantity, &r->total_items)) {
            orders_reservation_free(r);
            return orders_error_set(err, ORDERS_E_INVALID, "items", "too many units");
        }
    }
    memcpy(r->total_value.currency, ctx->default_currency, ORDERS_CURRENCY_LEN);
    r->status = ORDERS_RES_ACTIVE;
    r->local_stock = true;
    r->created_at = r->updated_at = now;
    r->expires_at = now + (window_ms ? window_ms : ctx->cfg.reservation_ms);
    rc = ctx->store->reservation_create(ctx->store_ud, r, err);
    if (rc == ORDERS_E_OUT_OF_STOCK)
        orders__stat(ctx, "reservation_conflict");
    if (rc == ORDERS_E_NOT_FOUND)
        rc = unknown_product(ctx, items, n, err);
    if (rc == ORDERS_E_CONFLICT) {
        rc = replay_reservation(ctx, r, out, err);
        orders_reservation_free(r);
        return rc;
    }
    if (rc == ORDERS_OK && out)
        *out = r;
    else
        orders_reservation_free(r);
    return rc;
}

orders_code_t orders_reservation_get(orders_ctx_t *ctx, const char *order_id,
                                     orders_reservation_t **out, orders_error_t *err)
{
    *out = NULL;
    orders_code_t rc = orders__check_id(order_id, "orderId", err);
    if (rc)
        return rc;
    rc = ctx->store->reservation_get(ctx->store_ud, order_id, out, err);
    if (rc == ORDERS_E_NOT_FOUND)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "orderId", "Reservation not found");
    return rc;
}

/* The order that holds a reservation, if one exists and is still pending. */
static bool pending_order(orders_ctx_t *ctx, const char *order_id)
{
    orders_order_t *o = NULL;
    if (ctx->store->order_get(ctx->store_ud, order_id, &o, NULL) != ORDERS_OK)
        return false;
    bool pending = o->status == ORDERS_STATUS_PENDING;
    orders_order_free(o);
    return pending;
}

/* A remote-catalog reservation already settled locally as given back
 * (cancelled or expired): releasing it again only repeats the remote call. */
static bool remote_given_back(orders_ctx_t *ctx, const char *order_id)
{
    orders_reservation_t *r = NULL;
    if (ctx->store->reservation_get(ctx->store_ud, order_id, &r, NULL) != ORDERS_OK)
        return false;
    bool done = !r->local_stock &&
                (r->status == ORDERS_RES_CANCELLED || r->status == ORDERS_RES_EXPIRED);
    orders_reservation_free(r);
    return done;
}

typedef struct settle_args {
    orders_status_t to;
    orders_res_effect_t effect;
    const char *note;
} settle_args_t;

static orders_code_t apply_settle(orders_ctx_t *ctx, orders__change_t *ch, void *ud,
                                  orders_error_t *err)
{
    const settle_args_t *a = ud;
    orders_code_t rc = orders__transition(ctx, ch, a->to, a->note, err);
    if (rc)
        return rc;
    ch->effect = a->effect;
    if (a->to == ORDERS_STATUS_CANCELLED && !orders__set_str(&ch->order->cancel_reason, a->note))
        return orders__nomem(err);
    return ORDERS_OK;
}

static orders_code_t settle_reservation(orders_ctx_t *ctx, const char *order_id,
                                        const settle_args_t *a, orders_error_t *err)
{
    orders_code_t rc = orders__check_id(order_id, "orderId", err);
    if (rc)
        return rc;
    if (pending_order(ctx, order_id)) {
        rc = orders__order_mutate(ctx, order_id, NULL, ORDERS_ANY_VERSION, "inventory",
                                  apply_settle, (void *)a, NULL, err);
        if (rc != ORDERS_E_CONFLICT || pending_order(ctx, order_id))
            return rc;
        orders_error_clear(err); /* the order moved on; settle what remains */
    }
    if (a->effect == ORDERS_RES_EFFECT_RELEASE && remote_given_back(ctx, order_id))
        return orders__catalog_follow(ctx, order_id, a->effect, err); /* a retried give-back */
    rc = ctx->store->reservation_settle(ctx->store_ud, order_id, a->effect, orders_ctx_now(ctx), err);
    if (rc == ORDERS_E_NOT_FOUND)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "orderId", "Reservation not found");
    if (rc == ORDERS_OK)
        rc = orders__catalog_follow(ctx, order_id, a->effect, err);
    return rc;
}

orders_code_t orders_reservation_confirm(orders_ctx_t *ctx, const char *order_id,
                                         orders_error_t *err)
{
    settle_args_t a = {ORDERS_STATUS_CONFIRMED, ORDERS_RES_EFFECT_CONFIRM, "inventory confirmed"};
    return settle_reservation(ctx, order_id, &a, err);
}

orders_code_t orders_reservation_release(orders_ctx_t *ctx, const char *order_id,
                                         orders_error_t *err)
{
    settle_args_t a = {ORDERS_STATUS_CANCELLED, ORDERS_RES_EFFECT_RELEASE, "Inventory released"};
    return settle_reservation(ctx, order_id, &a, err);
}

/* Expires one due reservation; ORDERS_E_CONFLICT when somebody else (a
 * payment, another sweeper) settled it first. */
static orders_code_t expire_one(orders_ctx_t *ctx, const char *order_id, int64_t now,
                                orders_error_t *err)
{
    if (pending_order(ctx, order_id)) {
        orders_code_t rc = orders__expire_order(ctx, order_id, now, NULL, err);
        if (rc != ORDERS_E_CONFLICT || pending_order(ctx, order_id))
            return rc;
    }
    orders_code_t rc = ctx->store->reservation_settle(ctx->store_ud, order_id,
                                                      ORDERS_RES_EFFECT_EXPIRE, now, err);
    if (rc == ORDERS_OK)
        rc = orders__catalog_follow(ctx, order_id, ORDERS_RES_EFFECT_EXPIRE, err);
    return rc;
}

/*
 * A due list is expired by up to EXPIRE_THREADS threads at once (one per
 * EXPIRE_PER_THREAD due), so that a store with group commit (SQLite,
 * store/sqlite/group.c) writes them in shared transactions, one fsync for
 * many, instead of one fsync each: alone, the sweep expired only a few
 * hundred a second on SQLite, and 500 due a second fell more than 1 s
 * behind (tests/server/test_srv_expiry.c, docs/reliability.md).
 */
#define EXPIRE_BATCH 256
#define EXPIRE_THREADS 8
#define EXPIRE_PER_THREAD 16

/* One thread's share of a due list: items first, first + step, ... */
typedef struct expire_part {
    orders_ctx_t *ctx;
    const orders_string_list_t *due;
    int64_t now;
    size_t first, step;
    int64_t expired;
    size_t skipped;          /* settled by somebody else meanwhile */
    orders_code_t rc;
    orders_error_t err;
} expire_part_t;

static void *expire_part(void *arg)
{
    expire_part_t *p = arg;
    for (size_t i = p->first; p->rc == ORDERS_OK && i < p->due->count; i += p->step) {
        orders_code_t one = expire_one(p->ctx, p->due->items[i], p->now, &p->err);
        if (one == ORDERS_OK)
            p->expired++;
        else if (one == ORDERS_E_CONFLICT || one == ORDERS_E_NOT_FOUND) {
            p->skipped++;
            orders_error_clear(&p->err);
        }
        else
            p->rc = one;
    }
    return NULL;
}

/* Expires every reservation of due; adds to *n and *skipped.  The first
 * failure is returned, in err. */
static orders_code_t expire_list(orders_ctx_t *ctx, const orders_string_list_t *due,
                                 int64_t now, int64_t *n, size_t *skipped, orders_error_t *err)
{
    size_t threads = due->count / EXPIRE_PER_THREAD;
    threads = threads < 1 ? 1 : threads > EXPIRE_THREADS ? EXPIRE_THREADS : threads;
    expire_part_t parts[EXPIRE_THREADS];
    pthread_t tid[EXPIRE_THREADS];
    bool started[EXPIRE_THREADS] = {false};
    for (size_t k = 0; k < threads; k++) {
        parts[k] = (expire_part_t){.ctx = ctx, .due = due, .now = now, .first = k,
                                   .step = threads, .rc = ORDERS_OK};
        orders_error_clear(&parts[k].err);
        if (k > 0)
            started[k] = pthread_create(&tid[k], NULL, expire_part, &parts[k]) == 0;
    }
    expire_part(&parts[0]);
    orders_code_t rc = ORDERS_OK;
    for (size_t k = 0; k < threads; k++) {
        if (k > 0 && started[k])
            pthread_join(tid[k], NULL);
        else if (k > 0)
            expire_part(&parts[k]); /* no thread: this one does it */
        *n += parts[k].expired;
        *skipped += parts[k].skipped;
        if (rc == ORDERS_OK && parts[k].rc != ORDERS_OK) {
            rc = parts[k].rc;
            if (err)
                *err = parts[k].err;
        }
    }
    return rc;
}

orders_code_t orders_reservations_expire(orders_ctx_t *ctx, int64_t now, int64_t *expired,
                                         orders_error_t *err)
{
    int64_t n = 0;
    orders_code_t rc = ORDERS_OK;
    for (int round = 0; round < 1000 && rc == ORDERS_OK; round++) {
        orders_string_list_t due = {0};
        size_t skipped = 0;
        rc = ctx->store->reservations_due(ctx->store_ud, now, EXPIRE_BATCH, &due, err);
        if (rc == ORDERS_OK)
            rc = expire_list(ctx, &due, now, &n, &skipped, err);
        bool done = due.count < EXPIRE_BATCH || skipped == due.count;
        orders_string_list_clear(&due);
        if (done)
            break;
    }
    if (expired)
        *expired = n;
    return rc;
}
