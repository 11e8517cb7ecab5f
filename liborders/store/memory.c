#define _GNU_SOURCE /* PTHREAD_MUTEX_ADAPTIVE_NP */
/*
 * memory.c - the built-in memory store: lifecycle, vtable, products and
 * stock, carts.  (Orders, reservations and the rest are in memory_*.c; see
 * memory_internal.h for the layout.)
 *
 * Concurrency: ONE pthread mutex (orders__mem_t.lock) guards the whole
 * store.  Every vtable call takes it on entry and releases it on return, and
 * all of its work (checks, copies in, changes, copies out) happens in
 * between, so each call is one atomic step: no reader ever sees half of an
 * operation, and the stock invariant
 *     available + reserved + sold == stocked - adjusted
 * holds whenever the lock is free.  Calls that change several things check
 * everything and make every allocation they need before changing anything,
 * so a refusal or an out-of-memory failure leaves the store untouched.
 *
 * order_scan calls its visitor with the lock held: a visitor must not call
 * back into the store (it would deadlock), and the order it gets is valid
 * only during the call.
 *
 * Storage: the store owns a private copy of everything it keeps, packed
 * into one allocation per record (memory_pack.c), and hands callers deep
 * copies made with the orders_*_copy functions.  Lookups go through hash
 * maps (memory_map.c); see memory_internal.h for what is indexed how.
 *
 * No global state: everything hangs off the orders__mem_t the caller owns.
 */
#include "store/memory_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

orders_code_t orders__mem_nomem(orders_error_t *err)
{
    return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
}

/* ---- stock lines ----------------------------------------------------------------- */

bool orders__mem_prods_init(orders__mem_prods_t *b, size_t n)
{
    if (n <= ORDERS__MEM_SMALL) {
        b->p = b->small;
        return true;
    }
    b->p = calloc(n, sizeof *b->p);
    return b->p != NULL;
}

void orders__mem_prods_free(orders__mem_prods_t *b)
{
    if (b->p != b->small)
        free(b->p);
    b->p = NULL;
}

orders_code_t orders__mem_lines_resolve(orders__mem_t *m, const orders_reservation_line_t *lines,
                                        size_t n, orders__mem_product_t **prods,
                                        orders_error_t *err)
{
    orders_code_t rc = orders__check_res_lines(lines, n, err);
    if (rc != ORDERS_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        prods[i] = orders__map_get(&m->products, lines[i].product_id);
        if (prods[i] == NULL)
            return orders_error_set(err, ORDERS_E_NOT_FOUND, lines[i].product_id,
                                    "product %s not found", lines[i].product_id);
    }
    return ORDERS_OK;
}

static int64_t *move_source(orders_stock_t *s, orders__move_t mv)
{
    switch (mv) {
    case ORDERS__MOVE_RESERVE:
    case ORDERS__MOVE_SELL:
        return &s->available;
    case ORDERS__MOVE_CONFIRM:
    case ORDERS__MOVE_RELEASE:
        return &s->reserved;
    case ORDERS__MOVE_RETURN:
        return &s->sold;
    }
    return &s->available;
}

static int64_t *move_target(orders_stock_t *s, orders__move_t mv)
{
    switch (mv) {
    case ORDERS__MOVE_RESERVE:
        return &s->reserved;
    case ORDERS__MOVE_CONFIRM:
    case ORDERS__MOVE_SELL:
        return &s->sold;
    case ORDERS__MOVE_RELEASE:
    case ORDERS__MOVE_RETURN:
        return &s->available;
    }
    return &s->available;
}

size_t orders__mem_lines_short(const orders_reservation_line_t *lines, size_t n,
                               orders__mem_product_t *const *prods, orders__move_t mv,
                               int64_t *have, int64_t *want)
{
    for (size_t i = 0; i < n; i++) {
        int64_t source = *move_source(&prods[i]->stock, mv);
        /* Earlier lines of the same product fit already, so their sum is at
         * most source and this subtraction cannot overflow. */
        int64_t before = 0;
        for (size_t k = 0; k < i; k++)
            if (prods[k] == prods[i])
                before += lines[k].quantity;
        if (lines[i].quantity > source - before) {
            *have = source;
            *want = lines[i].quantity > INT64_MAX - before ? INT64_MAX : before + lines[i].quantity;
            return i;
        }
    }
    return n;
}

void orders__mem_lines_move(const orders_reservation_line_t *lines, size_t n,
                            orders__mem_product_t *const *prods, orders__move_t mv)
{
    for (size_t i = 0; i < n; i++) {
        /* The target cannot overflow: every count is bounded by stocked. */
        *move_source(&prods[i]->stock, mv) -= lines[i].quantity;
        *move_target(&prods[i]->stock, mv) += lines[i].quantity;
    }
}

/* ---- products and stock -------------------------------------------------------- */

static orders_code_t product_put(void *ud, const orders_product_t *p, bool create_only,
                                 orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if ((rc = orders__check_product(p, err)) != ORDERS_OK)
        return rc;

    pthread_mutex_lock(&m->lock);
    orders__mem_product_t *old = orders__map_get(&m->products, p->id);
    orders__mem_product_t *w = NULL;
    if (old != NULL && create_only) {
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "id", "product %s already exists", p->id);
    } else if ((w = orders__mem_pack_product(p)) == NULL ||
               !orders__map_put(&m->products, w->p.id, w)) { /* replacing: no allocation */
        free(w);
        rc = orders__mem_nomem(err);
    } else if (old != NULL) {
        w->stock = old->stock;
        free(old);
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static orders_code_t product_get(void *ud, const char *id, orders_product_t **out,
                                 orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "id", "product id is missing");

    pthread_mutex_lock(&m->lock);
    orders__mem_product_t *w = orders__map_get(&m->products, id);
    if (w == NULL)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "id", "product %s not found", id);
    else if ((*out = orders_product_copy(&w->p)) == NULL)
        rc = orders__mem_nomem(err);
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int cmp_product_id(const void *a, const void *b)
{
    const orders__mem_product_t *x = *(orders__mem_product_t *const *)a;
    const orders__mem_product_t *y = *(orders__mem_product_t *const *)b;
    return strcmp(x->p.id, y->p.id);
}

static orders_code_t product_list(void *ud, const char *seller_id, int64_t offset, int64_t limit,
                                  orders_product_list_t *out, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if ((rc = orders__check_page(out, offset, limit, err)) != ORDERS_OK)
        return rc;

    size_t start = out->count;
    pthread_mutex_lock(&m->lock);
    orders__mem_product_t **match = NULL;
    size_t n = 0;
    if (m->products.count > 0 &&
        (match = malloc(m->products.count * sizeof *match)) == NULL) {
        rc = orders__mem_nomem(err);
        goto done;
    }
    for (size_t i = 0; i < m->products.cap; i++) {
        const orders__map_slot_t *sl = orders__map_at(&m->products, i);
        orders__mem_product_t *w = sl->value;
        if (sl->key != NULL &&
            (seller_id == NULL || orders__str_eq(w->p.seller_id, seller_id)))
            match[n++] = w;
    }
    if (n > 1)
        qsort(match, n, sizeof *match, cmp_product_id);
    for (size_t i = (size_t)offset < n ? (size_t)offset : n; i < n && limit > 0; i++, limit--) {
        orders_product_t *copy = orders_product_copy(&match[i]->p);
        if (copy == NULL || !orders_product_list_push(out, copy)) {
            orders_product_free(copy);
            rc = orders__mem_nomem(err);
            goto done;
        }
    }
    out->total = (int64_t)n;
done:
    pthread_mutex_unlock(&m->lock);
    free(match);
    if (rc != ORDERS_OK) {
        while (out->count > start)
            orders_product_free(out->items[--out->count]);
    }
    return rc;
}

static orders_code_t stock_get(void *ud, const char *product_id, orders_stock_t *out,
                               orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if (product_id == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "product_id", "product id is missing");
    pthread_mutex_lock(&m->lock);
    orders__mem_product_t *w = orders__map_get(&m->products, product_id);
    if (w == NULL)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "product_id", "product %s not found",
                              product_id);
    else
        *out = w->stock;
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static orders_code_t products_read(void *ud, const char *const *ids, size_t n,
                                   orders_product_avail_t *out, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = orders__check_products_read(ids, n, out, err);
    if (rc != ORDERS_OK)
        return rc;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < n && rc == ORDERS_OK; i++) {
        const orders__mem_product_t *w = orders__map_get(&m->products, ids[i]);
        if (w == NULL)
            continue;
        if ((out[i].product = orders_product_copy(&w->p)) == NULL)
            rc = orders__mem_nomem(err);
        else
            out[i].available = w->stock.available;
    }
    pthread_mutex_unlock(&m->lock);
    if (rc != ORDERS_OK)
        orders__products_avail_clear(out, n);
    return rc;
}

static orders_code_t stock_change(void *ud, const char *product_id, orders_stock_op_t op,
                                  int64_t value, orders_stock_t *out, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc;

    if (product_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "product_id", "product id is missing");
    pthread_mutex_lock(&m->lock);
    orders__mem_product_t *w = orders__map_get(&m->products, product_id);
    if (w == NULL) {
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "product_id", "product %s not found",
                              product_id);
    } else {
        orders_stock_t next;
        rc = orders__check_stock_next(product_id, &w->stock, op, value, &next, err);
        if (rc == ORDERS_OK) {
            w->stock = next;
            if (out != NULL)
                *out = next;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* ---- carts --------------------------------------------------------------------- */

static orders_code_t cart_get(void *ud, const char *customer_id, orders_cart_t **out,
                              orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (customer_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "customer_id", "customer id is missing");
    pthread_mutex_lock(&m->lock);
    orders_cart_t *c = orders__map_get(&m->carts, customer_id);
    if (c == NULL)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "customer_id",
                              "customer %s has no cart", customer_id);
    else if ((*out = orders_cart_copy(c)) == NULL)
        rc = orders__mem_nomem(err);
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static orders_code_t cart_put(void *ud, const orders_cart_t *cart, int64_t expected_version,
                              orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if ((rc = orders__check_cart_put(cart, expected_version, err)) != ORDERS_OK)
        return rc;

    pthread_mutex_lock(&m->lock);
    orders_cart_t *stored = orders__map_get(&m->carts, cart->customer_id);
    if (expected_version == 0 && stored != NULL) {
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "version",
                              "cart version is %" PRId64 ", expected none", stored->version);
    } else if (expected_version > 0 && stored == NULL) {
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "version",
                              "customer %s has no cart, expected version %" PRId64,
                              cart->customer_id, expected_version);
    } else if (stored != NULL && stored->version != expected_version) {
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "version",
                              "cart version is %" PRId64 ", expected %" PRId64, stored->version,
                              expected_version);
    } else {
        orders_cart_t *c = orders__mem_pack_cart(cart);
        /* Replacing an existing key cannot fail; a new one may. */
        if (c == NULL || !orders__map_put(&m->carts, c->customer_id, c)) {
            free(c);
            rc = orders__mem_nomem(err);
        } else {
            free(stored);
        }
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static orders_code_t cart_purge(void *ud, int64_t now, int64_t *purged, orders_error_t *err)
{
    orders__mem_t *m = ud;
    int64_t n = 0;

    (void)err;
    pthread_mutex_lock(&m->lock);
    size_t i = 0;
    while (i < m->carts.cap) {
        const orders__map_slot_t *sl = orders__map_at(&m->carts, i);
        orders_cart_t *c = sl->value;
        if (sl->key != NULL && c->expires_at <= now) {
            orders__map_remove_slot(&m->carts, i); /* re-examine slot i */
            free(c);
            n++;
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&m->lock);
    if (purged != NULL)
        *purged = n;
    return ORDERS_OK;
}

/* ---- lifecycle and vtable ------------------------------------------------------- */

static const orders_store_vtable_t memory_vtable = {
    .version = ORDERS_STORE_VERSION,
    .name = "memory",
    .product_put = product_put,
    .product_get = product_get,
    .product_list = product_list,
    .stock_get = stock_get,
    .stock_change = stock_change,
    .cart_get = cart_get,
    .cart_put = cart_put,
    .cart_purge = cart_purge,
    .place = orders__mem_place,
    .order_update = orders__mem_order_update,
    .order_get = orders__mem_order_get,
    .order_get_by_number = orders__mem_order_get_by_number,
    .order_list = orders__mem_order_list,
    .order_scan = orders__mem_order_scan,
    .sequence_next = orders__mem_sequence_next,
    .reservation_create = orders__mem_reservation_create,
    .reservation_get = orders__mem_reservation_get,
    .reservation_settle = orders__mem_reservation_settle,
    .reservations_due = orders__mem_reservations_due,
    .reservation_counts = orders__mem_reservation_counts,
    .idem_get = orders__mem_idem_get,
    .wallet_apply = orders__mem_wallet_apply,
    .wallet_balance = orders__mem_wallet_balance,
    .outbox_fetch = orders__mem_outbox_fetch,
    .outbox_ack = orders__mem_outbox_ack,
    .outbox_counts = orders__mem_outbox_counts,
    .history_list = orders__mem_history_list,
    .stat_add = orders__mem_stat_add,
    .stat_count = orders__mem_stat_count,
    .products_read = products_read,
    .order_version = orders__mem_order_version,
    .outbox_ack_many = orders__mem_outbox_ack_many,
    .outbox_requeue = orders__mem_outbox_requeue,
    .lease_take = orders__mem_lease_take,
};

const orders_store_vtable_t *orders_store_memory_vtable(void)
{
    return &memory_vtable;
}

/* The lock is held for a few microseconds at a time: where glibc offers
 * it, an adaptive mutex spins briefly before sleeping, which spares most
 * sleep/wake round trips between threads on different cores. */
static bool init_lock(pthread_mutex_t *lock)
{
    pthread_mutexattr_t attr;
    if (pthread_mutexattr_init(&attr) != 0)
        return false;
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    (void)pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
    bool ok = pthread_mutex_init(lock, &attr) == 0;
    pthread_mutexattr_destroy(&attr);
    return ok;
}

orders_code_t orders_store_memory_new(void **ud, orders_error_t *err)
{
    if (ud == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "ud", "no output");
    *ud = NULL;
    orders__mem_t *m = calloc(1, sizeof *m);
    if (m == NULL)
        return orders__mem_nomem(err);
    if (!init_lock(&m->lock)) {
        free(m);
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "cannot create the store lock");
    }
    orders__map_init(&m->products);
    orders__map_init(&m->carts);
    orders__map_init(&m->orders_by_id);
    orders__map_init(&m->orders_by_number);
    orders__map_init(&m->reservations);
    orders__map_init(&m->idem);
    orders__map_init(&m->wallets);
    orders__map_init(&m->wallet_refs);
    orders__map_init(&m->sequences);
    orders__map_init(&m->stats);
    orders__map_init(&m->leases);
    orders__map_init(&m->events);
    orders__map_init(&m->events_by_id);
    orders__map_init(&m->history);
    m->orders_by_time = true;
    *ud = m;
    return ORDERS_OK;
}

/* Calls fn on every value of map, then frees the map's table. */
/* v is the newest entry of one order's history chain. */
static void free_hist(void *v)
{
    orders__mem_hist_t *h = v;
    while (h != NULL) {
        orders__mem_hist_t *prev = h->prev;
        orders__mem_hist_free(h);
        h = prev;
    }
}

static void free_seq(void *v)
{
    orders__mem_seq_t *r = v;
    free(r->name);
    free(r);
}

static void free_stat(void *v)
{
    orders__mem_stat_t *r = v;
    free(r->kind);
    free(r->at);
    free(r);
}

void orders_store_memory_free(void *ud)
{
    orders__mem_t *m = ud;
    if (m == NULL)
        return;
    orders__map_free_values(&m->products, free); /* packed records: one block each */
    orders__map_free_values(&m->carts, free);
    orders__map_destroy(&m->orders_by_id);
    orders__map_destroy(&m->orders_by_number);
    for (size_t i = 0; i < m->order_count; i++)
        free(m->orders[i]);
    free(m->orders);
    orders__map_free_values(&m->reservations, free);
    free(m->active);
    orders__map_free_values(&m->idem, free); /* fixed-size records */
    orders__map_free_values(&m->wallets, free);
    orders__map_free_values(&m->wallet_refs, free); /* the value is the key string */
    orders__map_free_values(&m->sequences, free_seq);
    orders__map_free_values(&m->stats, free_stat);
    orders__map_free_values(&m->leases, free); /* fixed-size records */
    orders__mem_events_free_all(m);
    orders__map_free_values(&m->history, free_hist);
    pthread_mutex_destroy(&m->lock);
    free(m);
}
