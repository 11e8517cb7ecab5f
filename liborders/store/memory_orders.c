/*
 * memory_orders.c - the memory store's orders: placement, update, reads,
 * lists and scans.
 *
 * Placement and update follow one pattern under the store lock (memory.c):
 * check every rule, then make every copy and reserve every table slot the
 * change needs, and only then apply it -- a step that cannot fail.  A
 * refusal or an allocation failure therefore changes nothing.  The work is
 * proportional to the order's own lines, events and history entries
 * (hash-table operations are amortized O(1)).
 *
 * Orders live in m->orders in insertion order (normally also created_at
 * order) plus two maps, by id and by order number.  An update packs the new
 * order and puts it in the old one's vector slot and map entries.
 */
#include "store/memory_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- placement ------------------------------------------------------------------ */

/* What a placement writes, copied before anything changes. */
typedef struct place_prep {
    orders__mem_order_t *order;
    orders__mem_res_t *res;
    orders_cart_t *cart;
    orders__mem_idem_t *idem;
    orders__mem_journal_t journal;
    bool journal_ready;
    uint64_t h_id, h_number, h_customer; /* map hashes, computed before locking */
} place_prep_t;

/* Steps 1-4 of store.h, checks only.  *replayed when step 1 found the key
 * with the same hash (result filled). */
static orders_code_t place_check(orders__mem_t *m, const orders_place_tx_t *tx,
                                 const place_prep_t *p, orders__mem_product_t **prods,
                                 orders_place_result_t *result, bool *replayed,
                                 orders_error_t *err)
{
    const orders_order_t *o = tx->order;
    const orders_reservation_t *r = tx->reservation;

    if (tx->idem_key != NULL) {
        const orders__mem_idem_t *rec = orders__map_get(&m->idem, tx->idem_key);
        if (rec != NULL) {
            if (strcmp(rec->hash, tx->idem_hash) != 0)
                return orders_error_set(err, ORDERS_E_IDEMPOTENCY, "idempotency_key",
                                        "idempotency key %s was used for a different request",
                                        tx->idem_key);
            memcpy(result->replayed_order_id, rec->order_id, sizeof rec->order_id);
            *replayed = true;
            return ORDERS_OK;
        }
    }

    const orders_cart_t *cart = orders__map_get_h(&m->carts, o->customer_id, p->h_customer);
    if (cart == NULL)
        return orders_error_set(err, ORDERS_E_CONFLICT, "cart_version",
                                "customer %s has no cart, expected version %" PRId64,
                                o->customer_id, tx->cart_version);
    if (cart->version != tx->cart_version)
        return orders_error_set(err, ORDERS_E_CONFLICT, "cart_version",
                                "cart version is %" PRId64 ", expected %" PRId64, cart->version,
                                tx->cart_version);

    if (r != NULL && r->local_stock) {
        orders_code_t rc = orders__mem_lines_resolve(m, r->lines, r->line_count, prods, err);
        if (rc != ORDERS_OK)
            return rc;
        int64_t have, want;
        size_t i = orders__mem_lines_short(r->lines, r->line_count, prods, orders__place_move(r), &have,
                                           &want);
        if (i < r->line_count) {
            orders__copy_id(result->short_product_id, r->lines[i].product_id);
            result->short_available = have;
            return orders_error_set(err, ORDERS_E_OUT_OF_STOCK, r->lines[i].product_id,
                                    "product %s: only %" PRId64 " available, %" PRId64
                                    " requested",
                                    r->lines[i].product_id, have, want);
        }
    }

    if (orders__map_get_h(&m->orders_by_id, o->id, p->h_id) != NULL)
        return orders_error_set(err, ORDERS_E_CONFLICT, "id", "order id %s already exists",
                                o->id);
    if (orders__map_get_h(&m->orders_by_number, o->order_number, p->h_number) != NULL)
        return orders_error_set(err, ORDERS_E_CONFLICT, "order_number",
                                "order number %s already exists", o->order_number);
    if (r != NULL && orders__map_get_h(&m->reservations, o->id, p->h_id) != NULL)
        return orders_error_set(err, ORDERS_E_CONFLICT, "id",
                                "order %s already has a reservation", o->id);
    return ORDERS_OK;
}

/* With the lock held: starts loading every map slot the placement probes,
 * so that their cache misses overlap. */
static void place_prefetch(const orders__mem_t *m, const place_prep_t *p)
{
    orders__map_prefetch(&m->carts, p->h_customer);
    orders__map_prefetch(&m->orders_by_id, p->h_id);
    orders__map_prefetch(&m->orders_by_number, p->h_number);
    orders__map_prefetch(&m->reservations, p->h_id);
    orders__mem_journal_prefetch(m, &p->journal);
}

static void place_discard(place_prep_t *p)
{
    free(p->order);
    free(p->res);
    free(p->cart);
    free(p->idem);
    if (p->journal_ready)
        orders__mem_journal_discard(&p->journal);
    memset(p, 0, sizeof *p);
}

/* Copies everything the placement keeps; needs no lock, so the copying
 * happens outside it. */
static orders_code_t place_pack(const orders_place_tx_t *tx, place_prep_t *p, orders_error_t *err)
{
    const orders_reservation_t *r = tx->reservation;
    orders_code_t rc = orders__mem_journal_pack(&p->journal, tx->events, tx->event_count,
                                                tx->history, tx->history_count, err);
    if (rc != ORDERS_OK)
        return rc;
    p->journal_ready = true;
    p->h_id = orders__map_hash(tx->order->id);
    p->h_number = orders__map_hash(tx->order->order_number);
    p->h_customer = orders__map_hash(tx->order->customer_id);
    if ((p->order = orders__mem_pack_order(tx->order)) == NULL ||
        (r != NULL && (p->res = orders__mem_pack_res(r)) == NULL) ||
        (p->cart = orders__mem_pack_cart(tx->cleared_cart)) == NULL)
        return orders__mem_nomem(err);
    if (tx->idem_key != NULL) {
        if ((p->idem = malloc(sizeof *p->idem)) == NULL)
            return orders__mem_nomem(err);
        orders__copy_id(p->idem->key, tx->idem_key);
        orders__copy_id(p->idem->order_id, tx->order->id);
        orders__copy_id(p->idem->hash, tx->idem_hash);
    }
    return ORDERS_OK;
}

/* With the lock held: reserves every slot, so that applying cannot fail. */
static orders_code_t place_reserve(orders__mem_t *m, const orders_place_tx_t *tx,
                                   place_prep_t *p, orders_error_t *err)
{
    const orders_reservation_t *r = tx->reservation;
    orders_code_t rc = orders__mem_journal_reserve(m, &p->journal, err);
    if (rc != ORDERS_OK)
        return rc;
    orders__mem_order_t **v =
        orders__grow(m->orders, &m->order_cap, m->order_count + 1, sizeof *m->orders);
    if (v == NULL)
        return orders__mem_nomem(err);
    m->orders = v;
    if (!orders__map_reserve(&m->orders_by_id, 1) ||
        !orders__map_reserve(&m->orders_by_number, 1) ||
        (r != NULL && !orders__map_reserve(&m->reservations, 1)) ||
        (r != NULL && r->status == ORDERS_RES_ACTIVE && !orders__mem_active_reserve(m)) ||
        (tx->idem_key != NULL && !orders__map_reserve(&m->idem, 1)))
        return orders__mem_nomem(err);
    return ORDERS_OK;
}

static void place_apply(orders__mem_t *m, place_prep_t *p, orders__mem_product_t *const *prods)
{
    orders__mem_order_t *w = p->order;

    if (p->res != NULL && p->res->r.local_stock)
        orders__mem_lines_move(p->res->r.lines, p->res->r.line_count, prods,
                               orders__place_move(&p->res->r));

    if (m->order_count > 0 && m->orders[m->order_count - 1]->o.created_at > w->o.created_at)
        m->orders_by_time = false;
    w->pos = m->order_count;
    m->orders[m->order_count++] = w;
    orders__map_put_h(&m->orders_by_id, w->o.id, p->h_id, w);
    orders__map_put_h(&m->orders_by_number, w->o.order_number, p->h_number, w);

    if (p->res != NULL) {
        orders__map_put_h(&m->reservations, p->res->r.order_id, p->h_id, p->res);
        if (p->res->r.status == ORDERS_RES_ACTIVE)
            orders__mem_active_add(m, p->res);
    }

    orders_cart_t *old_cart = orders__map_get_h(&m->carts, p->cart->customer_id, p->h_customer);
    orders__map_put_h(&m->carts, p->cart->customer_id, p->h_customer, p->cart); /* existing key */
    free(old_cart);

    orders__mem_journal_commit(m, &p->journal);

    if (p->idem != NULL)
        orders__map_put(&m->idem, p->idem->key, p->idem);

    memset(p, 0, sizeof *p); /* everything is owned by the store now */
}

orders_code_t orders__mem_place(void *ud, const orders_place_tx_t *tx,
                                orders_place_result_t *result, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_place_result_t scratch;
    orders__mem_prods_t prods;
    place_prep_t prep;
    bool replayed = false;

    if (result == NULL)
        result = &scratch;
    orders_code_t rc = orders__check_place_start(tx, result, err);
    if (rc != ORDERS_OK)
        return rc;
    const orders_reservation_t *r = tx->reservation;
    if (!orders__mem_prods_init(&prods, r != NULL && r->local_stock ? r->line_count : 0))
        return orders__mem_nomem(err);
    memset(&prep, 0, sizeof prep);
    rc = place_pack(tx, &prep, err);

    if (rc == ORDERS_OK) {
        pthread_mutex_lock(&m->lock);
        place_prefetch(m, &prep);
        rc = place_check(m, tx, &prep, prods.p, result, &replayed, err);
        if (rc == ORDERS_OK && !replayed)
            rc = place_reserve(m, tx, &prep, err);
        if (rc == ORDERS_OK && !replayed)
            place_apply(m, &prep, prods.p); /* takes everything: prep is empty after */
        pthread_mutex_unlock(&m->lock);
    }

    place_discard(&prep); /* what a refusal or a replay left unused */
    orders__mem_prods_free(&prods);
    return rc;
}

/* ---- update ----------------------------------------------------------------------- */

orders_code_t orders__mem_order_update(void *ud, const orders_update_tx_t *tx,
                                       orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc;
    orders__mem_prods_t prods;
    orders__mem_journal_t journal;

    if ((rc = orders__check_update_tx(tx, err)) != ORDERS_OK)
        return rc;
    const orders_order_t *o = tx->order;
    prods.p = NULL;

    pthread_mutex_lock(&m->lock);
    orders__mem_order_t *old = orders__map_get(&m->orders_by_id, o->id);
    orders__mem_order_t *w = NULL;
    orders__mem_res_t *rw = NULL;
    if (old == NULL) {
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "id", "order %s not found", o->id);
        goto done;
    }
    if (old->o.version != tx->expected_version) {
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "version",
                              "order %s version is %" PRId64 ", expected %" PRId64,
                              old->o.order_number, old->o.version, tx->expected_version);
        goto done;
    }
    if (!orders__str_eq(old->o.order_number, o->order_number)) {
        rc = orders_error_set(err, ORDERS_E_INVALID, "order_number",
                              "order %s: the order number cannot change", old->o.order_number);
        goto done;
    }
    if (tx->effect != ORDERS_RES_EFFECT_NONE) {
        rw = orders__map_get(&m->reservations, o->id);
        if (rw == NULL) {
            rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "reservation",
                                  "no reservation for order %s", o->id);
            goto done;
        }
        if (!orders__mem_prods_init(&prods, rw->r.line_count)) {
            rc = orders__mem_nomem(err);
            goto done;
        }
        rc = orders__mem_effect_check(m, rw, tx->effect, tx->now, prods.p, err);
        if (rc != ORDERS_OK)
            goto done;
    }
    rc = orders__mem_journal_prepare(m, &journal, tx->events, tx->event_count, tx->history,
                                     tx->history_count, err);
    if (rc != ORDERS_OK)
        goto done;
    if ((w = orders__mem_pack_order(o)) == NULL) {
        orders__mem_journal_discard(&journal);
        rc = orders__mem_nomem(err);
        goto done;
    }

    /* Apply: nothing below can fail (both keys exist already). */
    if (w->o.created_at != old->o.created_at)
        m->orders_by_time = false;
    w->pos = old->pos;
    m->orders[w->pos] = w;
    orders__map_put(&m->orders_by_id, w->o.id, w);
    orders__map_put(&m->orders_by_number, w->o.order_number, w);
    free(old);
    if (rw != NULL)
        orders__mem_effect_apply(m, rw, tx->effect, tx->now, prods.p);
    orders__mem_journal_commit(m, &journal);
done:
    pthread_mutex_unlock(&m->lock);
    if (prods.p != NULL)
        orders__mem_prods_free(&prods);
    return rc;
}

/* ---- reads ----------------------------------------------------------------------- */

static orders_code_t order_get_from(orders__mem_t *m, const orders__map_t *map, const char *key,
                                    const char *what, orders_order_t **out, orders_error_t *err)
{
    orders_code_t rc = ORDERS_OK;

    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (key == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, what, "%s is missing", what);
    pthread_mutex_lock(&m->lock);
    const orders__mem_order_t *w = orders__map_get(map, key);
    if (w == NULL)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, what, "order %s not found", key);
    else if ((*out = orders_order_copy(&w->o)) == NULL)
        rc = orders__mem_nomem(err);
    pthread_mutex_unlock(&m->lock);
    return rc;
}

orders_code_t orders__mem_order_get(void *ud, const char *id, orders_order_t **out,
                                    orders_error_t *err)
{
    orders__mem_t *m = ud;
    return order_get_from(m, &m->orders_by_id, id, "id", out, err);
}

orders_code_t orders__mem_order_get_by_number(void *ud, const char *order_number,
                                              orders_order_t **out, orders_error_t *err)
{
    orders__mem_t *m = ud;
    return order_get_from(m, &m->orders_by_number, order_number, "order_number", out, err);
}

orders_code_t orders__mem_order_version(void *ud, const char *id, int64_t *version,
                                        char *customer_id, orders_error_t *err)
{
    orders__mem_t *m = ud;
    if (id == NULL || version == NULL || customer_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "id", "id and outputs are required");
    orders_code_t rc = ORDERS_OK;
    pthread_mutex_lock(&m->lock);
    const orders__mem_order_t *w = orders__map_get(&m->orders_by_id, id);
    if (w == NULL) {
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "id", "order %s not found", id);
    } else {
        *version = w->o.version;
        snprintf(customer_id, ORDERS_ID_MAX + 1, "%s", w->o.customer_id);
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* ---- lists and scans ------------------------------------------------------------- */

static bool order_matches(const orders_order_t *o, const orders_order_filter_t *f)
{
    if (f->customer_id != NULL && !orders__str_eq(o->customer_id, f->customer_id))
        return false;
    if (f->has_status && o->status != f->status)
        return false;
    if (f->seller_id != NULL) {
        for (size_t i = 0; i < o->item_count; i++)
            if (orders__str_eq(o->items[i].seller_id, f->seller_id))
                return true;
        return false;
    }
    return true;
}

static int cmp_oldest_first(const void *a, const void *b)
{
    const orders_order_t *x = &(*(orders__mem_order_t *const *)a)->o;
    const orders_order_t *y = &(*(orders__mem_order_t *const *)b)->o;
    if (x->created_at != y->created_at)
        return x->created_at < y->created_at ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int cmp_newest_first(const void *a, const void *b)
{
    return cmp_oldest_first(b, a);
}

/*
 * Walks m->orders backwards in runs of equal created_at (the vector is in
 * created_at order, re-sorted first if an out-of-order insert broke that).
 * Only a run that can overlap the page is filtered into a buffer and sorted
 * by id; other runs are only counted, and without filters the walk stops
 * once the page is full (total is then the order count).
 */
orders_code_t orders__mem_order_list(void *ud, const orders_order_filter_t *f,
                                     orders_order_list_t *out, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;
    orders__mem_order_t **run = NULL;
    size_t run_cap = 0;

    if ((rc = orders__check_order_filter(f, out, err)) != ORDERS_OK)
        return rc;
    bool filtered = f->customer_id != NULL || f->seller_id != NULL || f->has_status;
    size_t start = out->count;
    int64_t matched = 0, taken = 0;

    pthread_mutex_lock(&m->lock);
    if (!m->orders_by_time) {
        qsort(m->orders, m->order_count, sizeof *m->orders, cmp_oldest_first);
        for (size_t k = 0; k < m->order_count; k++)
            m->orders[k]->pos = k;
        m->orders_by_time = true;
    }
    size_t i = m->order_count;
    while (i > 0) {
        if (!filtered && taken == f->limit)
            break;
        size_t j = i - 1;
        int64_t t = m->orders[j]->o.created_at;
        while (j > 0 && m->orders[j - 1]->o.created_at == t)
            j--;
        /* run [j, i): can it reach the page? */
        if (taken == f->limit || matched + (int64_t)(i - j) <= f->offset) {
            for (size_t k = j; k < i; k++)
                matched += !filtered || order_matches(&m->orders[k]->o, f);
            i = j;
            continue;
        }
        orders__mem_order_t **nrun = orders__grow(run, &run_cap, i - j, sizeof *run);
        if (nrun == NULL)
            goto nomem;
        run = nrun;
        size_t n = 0;
        for (size_t k = j; k < i; k++)
            if (!filtered || order_matches(&m->orders[k]->o, f))
                run[n++] = m->orders[k];
        if (n > 1)
            qsort(run, n, sizeof *run, cmp_newest_first);
        for (size_t k = 0; k < n; k++, matched++) {
            if (matched < f->offset || taken == f->limit)
                continue;
            orders_order_t *copy = orders_order_copy(&run[k]->o);
            if (copy == NULL || !orders_order_list_push(out, copy)) {
                orders_order_free(copy);
                goto nomem;
            }
            taken++;
        }
        i = j;
    }
    out->total = filtered ? matched : (int64_t)m->order_count;
    goto done;
nomem:
    rc = orders__mem_nomem(err);
    while (out->count > start)
        orders_order_free(out->items[--out->count]);
done:
    pthread_mutex_unlock(&m->lock);
    free(run);
    return rc;
}

orders_code_t orders__mem_order_scan(void *ud, int64_t from, int64_t to,
                                     orders_order_visit_fn visit, void *visit_ud,
                                     orders_error_t *err)
{
    orders__mem_t *m = ud;

    if (visit == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "visit", "no visitor");
    /* The visitor runs under the lock (see memory.c). */
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->order_count; i++) {
        const orders_order_t *o = &m->orders[i]->o;
        if (o->placed_at >= from && o->placed_at < to && visit(visit_ud, o) != 0)
            break;
    }
    pthread_mutex_unlock(&m->lock);
    return ORDERS_OK;
}
