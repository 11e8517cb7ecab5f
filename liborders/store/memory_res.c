/*
 * memory_res.c - the memory store's reservations: effects (shared with
 * order_update), create, get, settle, the due list and counts.
 *
 * The active reservations are also kept in an unordered vector (m->active,
 * with each one's index in it) so that the sweep's query looks at active
 * reservations only, not at every reservation ever made.
 *
 * Locking: see memory.c; the orders__mem_* helpers run with the lock held.
 */
#include "store/memory_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- the active set ------------------------------------------------------------ */

bool orders__mem_active_reserve(orders__mem_t *m)
{
    orders__mem_res_t **a =
        orders__grow(m->active, &m->active_cap, m->active_count + 1, sizeof *m->active);
    if (a == NULL)
        return false;
    m->active = a;
    return true;
}

void orders__mem_active_add(orders__mem_t *m, orders__mem_res_t *rw)
{
    rw->active_pos = m->active_count;
    m->active[m->active_count++] = rw;
}

static void active_remove(orders__mem_t *m, orders__mem_res_t *rw)
{
    size_t pos = rw->active_pos;
    if (pos == ORDERS__MEM_NOT_ACTIVE)
        return;
    orders__mem_res_t *last = m->active[--m->active_count];
    m->active[pos] = last;
    last->active_pos = pos;
    rw->active_pos = ORDERS__MEM_NOT_ACTIVE;
}

/* ---- effects -------------------------------------------------------------------- */

orders_code_t orders__mem_effect_check(orders__mem_t *m, const orders__mem_res_t *rw,
                                       orders_res_effect_t effect, int64_t now,
                                       orders__mem_product_t **prods, orders_error_t *err)
{
    const orders_reservation_t *r = &rw->r;
    orders_reservation_status_t to;

    orders_code_t rc = orders__check_effect(r, effect, now, &to, err);
    if (rc != ORDERS_OK || effect == ORDERS_RES_EFFECT_NONE)
        return rc;
    if (!r->local_stock)
        return ORDERS_OK;

    rc = orders__mem_lines_resolve(m, r->lines, r->line_count, prods, err);
    if (rc != ORDERS_OK)
        return rc;
    int64_t have, want;
    size_t i = orders__mem_lines_short(r->lines, r->line_count, prods, orders__effect_move(effect), &have,
                                       &want);
    if (i < r->line_count) /* the store's own counts disagree with its reservation */
        return orders_error_set(err, ORDERS_E_BACKEND, r->lines[i].product_id,
                                "stock of product %s is inconsistent: %" PRId64
                                " units to move, %" PRId64 " held",
                                r->lines[i].product_id, want, have);
    return ORDERS_OK;
}

void orders__mem_effect_apply(orders__mem_t *m, orders__mem_res_t *rw, orders_res_effect_t effect,
                              int64_t now, orders__mem_product_t *const *prods)
{
    orders_reservation_t *r = &rw->r;
    orders_reservation_status_t to;

    switch (effect) {
    case ORDERS_RES_EFFECT_CONFIRM:
        to = ORDERS_RES_CONFIRMED;
        break;
    case ORDERS_RES_EFFECT_RELEASE:
    case ORDERS_RES_EFFECT_RETURN:
        to = ORDERS_RES_CANCELLED;
        break;
    case ORDERS_RES_EFFECT_EXPIRE:
        to = ORDERS_RES_EXPIRED;
        break;
    default:
        return;
    }
    if (r->local_stock)
        orders__mem_lines_move(r->lines, r->line_count, prods, orders__effect_move(effect));
    active_remove(m, rw);
    r->status = to;
    r->updated_at = now;
}

/* ---- vtable members -------------------------------------------------------------- */

orders_code_t orders__mem_reservation_create(void *ud, const orders_reservation_t *r,
                                             orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;
    orders__mem_prods_t prods;
    orders__mem_res_t *rw = NULL;

    if ((rc = orders__check_res_create(r, err)) != ORDERS_OK)
        return rc;
    size_t n = r->local_stock ? r->line_count : 0;
    if (!orders__mem_prods_init(&prods, n))
        return orders__mem_nomem(err);

    pthread_mutex_lock(&m->lock);
    if (orders__map_get(&m->reservations, r->order_id) != NULL) {
        rc = orders_error_set(err, ORDERS_E_CONFLICT, "order_id",
                              "order %s already has a reservation", r->order_id);
        goto done;
    }
    rc = orders__mem_lines_resolve(m, r->lines, n, prods.p, err);
    if (rc != ORDERS_OK)
        goto done;
    int64_t have, want;
    size_t i = orders__mem_lines_short(r->lines, n, prods.p, ORDERS__MOVE_RESERVE, &have,
                                       &want);
    if (i < n) {
        rc = orders_error_set(err, ORDERS_E_OUT_OF_STOCK, r->lines[i].product_id,
                              "Insufficient stock for %s: available %" PRId64
                              ", requested %" PRId64,
                              r->lines[i].product_id, have, want);
        goto done;
    }
    /* Everything that can fail, before any change. */
    rw = orders__mem_pack_res(r);
    if (rw == NULL || !orders__map_reserve(&m->reservations, 1) ||
        (r->status == ORDERS_RES_ACTIVE && !orders__mem_active_reserve(m))) {
        free(rw);
        rc = orders__mem_nomem(err);
        goto done;
    }
    orders__mem_lines_move(r->lines, n, prods.p, ORDERS__MOVE_RESERVE);
    orders__map_put(&m->reservations, rw->r.order_id, rw);
    if (rw->r.status == ORDERS_RES_ACTIVE)
        orders__mem_active_add(m, rw);
done:
    pthread_mutex_unlock(&m->lock);
    orders__mem_prods_free(&prods);
    return rc;
}

orders_code_t orders__mem_reservation_get(void *ud, const char *order_id,
                                          orders_reservation_t **out, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (order_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "order_id", "order id is missing");
    pthread_mutex_lock(&m->lock);
    orders__mem_res_t *rw = orders__map_get(&m->reservations, order_id);
    if (rw == NULL)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "order_id",
                              "no reservation for order %s", order_id);
    else if ((*out = orders_reservation_copy(&rw->r)) == NULL)
        rc = orders__mem_nomem(err);
    pthread_mutex_unlock(&m->lock);
    return rc;
}

orders_code_t orders__mem_reservation_settle(void *ud, const char *order_id,
                                             orders_res_effect_t effect, int64_t now,
                                             orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc;
    orders__mem_prods_t prods;

    if (order_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "order_id", "order id is missing");
    prods.p = NULL;
    pthread_mutex_lock(&m->lock);
    orders__mem_res_t *rw = orders__map_get(&m->reservations, order_id);
    if (rw == NULL) {
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "order_id",
                              "no reservation for order %s", order_id);
    } else if (!orders__mem_prods_init(&prods, rw->r.line_count)) {
        rc = orders__mem_nomem(err);
    } else {
        rc = orders__mem_effect_check(m, rw, effect, now, prods.p, err);
        if (rc == ORDERS_OK)
            orders__mem_effect_apply(m, rw, effect, now, prods.p);
    }
    pthread_mutex_unlock(&m->lock);
    if (prods.p != NULL)
        orders__mem_prods_free(&prods);
    return rc;
}

static int cmp_due(const void *a, const void *b)
{
    const orders_reservation_t *x = &(*(orders__mem_res_t *const *)a)->r;
    const orders_reservation_t *y = &(*(orders__mem_res_t *const *)b)->r;
    if (x->expires_at != y->expires_at)
        return x->expires_at < y->expires_at ? -1 : 1;
    return strcmp(x->order_id, y->order_id);
}

orders_code_t orders__mem_reservations_due(void *ud, int64_t now, int64_t limit,
                                           orders_string_list_t *out, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;
    orders__mem_res_t **due = NULL;
    size_t n = 0;

    if ((rc = orders__check_page(out, 0, limit, err)) != ORDERS_OK)
        return rc;
    size_t start = out->count;

    pthread_mutex_lock(&m->lock);
    if (m->active_count > 0 && (due = malloc(m->active_count * sizeof *due)) == NULL) {
        rc = orders__mem_nomem(err);
        goto done;
    }
    for (size_t i = 0; i < m->active_count; i++)
        if (m->active[i]->r.expires_at <= now)
            due[n++] = m->active[i];
    if (n > 1)
        qsort(due, n, sizeof *due, cmp_due);
    for (size_t i = 0; i < n && (int64_t)i < limit; i++) {
        if (!orders_string_list_push(out, due[i]->r.order_id)) {
            rc = orders__mem_nomem(err);
            goto done;
        }
    }
done:
    pthread_mutex_unlock(&m->lock);
    free(due);
    if (rc != ORDERS_OK)
        while (out->count > start)
            free(out->items[--out->count]);
    return rc;
}

orders_code_t orders__mem_reservation_counts(void *ud, int64_t from, int64_t to,
                                             orders_res_counts_t *out, orders_error_t *err)
{
    orders__mem_t *m = ud;

    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->reservations.cap; i++) {
        const orders__map_slot_t *sl = orders__map_at(&m->reservations, i);
        if (sl->key == NULL)
            continue;
        const orders_reservation_t *r = &((const orders__mem_res_t *)sl->value)->r;
        if (r->updated_at < from || r->updated_at >= to)
            continue;
        switch (r->status) {
        case ORDERS_RES_ACTIVE:
            out->active++;
            break;
        case ORDERS_RES_CONFIRMED:
            out->confirmed++;
            break;
        case ORDERS_RES_EXPIRED:
            out->expired++;
            break;
        case ORDERS_RES_CANCELLED:
            out->cancelled++;
            break;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return ORDERS_OK;
}
