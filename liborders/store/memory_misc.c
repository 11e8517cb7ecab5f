/*
 * memory_misc.c - the memory store's journal (outbox events and history
 * written by placement and update; the outbox itself is memory_outbox.c),
 * history, wallets, idempotency keys, sequences and analytics counters.
 *
 * Locking: see memory.c; the orders__mem_* helpers run with the lock held.
 */
#include "store/memory_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- journal ---------------------------------------------------------------------- */

orders_code_t orders__mem_journal_pack(orders__mem_journal_t *j, const orders_event_t *const *events,
                                       size_t ne, const orders_history_t *const *history,
                                       size_t nh, orders_error_t *err)
{
    memset(j, 0, sizeof *j);
    j->events = ne <= sizeof j->event_buf / sizeof j->event_buf[0]
                    ? j->event_buf
                    : calloc(ne, sizeof *j->events);
    j->hist = nh <= sizeof j->hist_buf / sizeof j->hist_buf[0] ? j->hist_buf
                                                                 : calloc(nh, sizeof *j->hist);
    if (j->events == NULL || j->hist == NULL)
        goto nomem;
    if (ne > 0) {
        if (!orders__mem_pack_events(events, ne, j->events))
            goto nomem;
        j->event_count = ne;
        orders__mem_events_hash(j->events, ne);
    }
    if (nh > 0) {
        if (!orders__mem_pack_hists(history, nh, j->hist))
            goto nomem;
        j->hist_count = nh;
        for (size_t i = 0; i < nh; i++)
            j->hist[i]->order_hash = orders__map_hash(j->hist[i]->h.order_id);
    }
    return ORDERS_OK;
nomem:
    orders__mem_journal_discard(j);
    return orders__mem_nomem(err);
}

void orders__mem_journal_prefetch(const orders__mem_t *m, const orders__mem_journal_t *j)
{
    orders__mem_events_prefetch(m, j->events, j->event_count);
    for (size_t i = 0; i < j->hist_count; i++)
        orders__map_prefetch(&m->history, j->hist[i]->order_hash);
}

orders_code_t orders__mem_journal_reserve(orders__mem_t *m, const orders__mem_journal_t *j,
                                          orders_error_t *err)
{
    orders_code_t rc = orders__mem_events_reserve(m, j->events, j->event_count, err);
    if (rc != ORDERS_OK)
        return rc;
    /* Every entry may name a new order (over-reserving is harmless). */
    if (j->hist_count > 0 && !orders__map_reserve(&m->history, j->hist_count))
        return orders__mem_nomem(err);
    return ORDERS_OK;
}

orders_code_t orders__mem_journal_prepare(orders__mem_t *m, orders__mem_journal_t *j,
                                          const orders_event_t *const *events, size_t ne,
                                          const orders_history_t *const *history, size_t nh,
                                          orders_error_t *err)
{
    orders_code_t rc = orders__mem_journal_pack(j, events, ne, history, nh, err);
    if (rc == ORDERS_OK && (rc = orders__mem_journal_reserve(m, j, err)) != ORDERS_OK)
        orders__mem_journal_discard(j);
    return rc;
}

static void journal_release(orders__mem_journal_t *j)
{
    if (j->events != j->event_buf)
        free(j->events);
    if (j->hist != j->hist_buf)
        free(j->hist);
    memset(j, 0, sizeof *j);
}

void orders__mem_journal_discard(orders__mem_journal_t *j)
{
    for (size_t i = 0; i < j->event_count; i++)
        orders__mem_event_free(j->events[i]);
    for (size_t i = 0; i < j->hist_count; i++)
        orders__mem_hist_free(j->hist[i]);
    journal_release(j);
}

static bool same_order(const orders__mem_hist_t *a, const orders__mem_hist_t *b)
{
    return a->order_hash == b->order_hash && strcmp(a->h.order_id, b->h.order_id) == 0;
}

void orders__mem_journal_commit(orders__mem_t *m, orders__mem_journal_t *j)
{
    orders__mem_events_commit(m, j->events, j->event_count);
    for (size_t i = 0; i < j->hist_count; i++) {
        orders__mem_hist_t *h = j->hist[i];
        /* a run of entries for one order (placement writes two) is chained
         * here and enters the map once, as its newest entry */
        h->prev = i > 0 && same_order(j->hist[i - 1], h)
                      ? j->hist[i - 1]
                      : orders__map_get_h(&m->history, h->h.order_id, h->order_hash);
        if (i + 1 < j->hist_count && same_order(h, j->hist[i + 1]))
            continue;
        orders__map_put_h(&m->history, h->h.order_id, h->order_hash, h); /* reserved or existing */
    }
    journal_release(j);
}

/* ---- history ----------------------------------------------------------------------- */

orders_code_t orders__mem_history_list(void *ud, const char *order_id,
                                       orders_history_list_t *out, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if (order_id == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "order_id", "order id is missing");
    size_t start = out->count;

    pthread_mutex_lock(&m->lock);
    /* The chain runs newest to oldest: push copies, then reverse them. */
    for (const orders__mem_hist_t *h = orders__map_get(&m->history, order_id); h != NULL;
         h = h->prev) {
        orders_history_t *copy = orders_history_copy(&h->h);
        if (copy == NULL || !orders_history_list_push(out, copy)) {
            orders_history_free(copy);
            rc = orders__mem_nomem(err);
            while (out->count > start)
                orders_history_free(out->items[--out->count]);
            break;
        }
    }
    pthread_mutex_unlock(&m->lock);
    if (rc != ORDERS_OK)
        return rc;
    for (size_t i = start, k = out->count; i + 1 < k; i++, k--) {
        orders_history_t *t = out->items[i];
        out->items[i] = out->items[k - 1];
        out->items[k - 1] = t;
    }

    /* Oldest first: entries are appended in call order, which is time order
     * unless a caller's clock went backwards; a stable insertion sort by
     * `at` fixes that (and costs one pass when already sorted). */
    for (size_t i = start + 1; i < out->count; i++) {
        orders_history_t *h = out->items[i];
        size_t k = i;
        while (k > start && out->items[k - 1]->at > h->at) {
            out->items[k] = out->items[k - 1];
            k--;
        }
        out->items[k] = h;
    }
    return ORDERS_OK;
}

/* ---- wallets ------------------------------------------------------------------------- */

/* "USD:customer" into key, for a customer id and currency that
 * orders__check_wallet accepted. */
static void wallet_key(const char *customer_id, const char *currency,
                       char key[ORDERS__MEM_WALLET_KEY_MAX])
{
    size_t n = strlen(customer_id);
    memcpy(key, currency, 3);
    key[3] = ':';
    memcpy(key + 4, customer_id, n + 1);
}

orders_code_t orders__mem_wallet_apply(void *ud, const char *customer_id, const char *currency,
                                       int64_t delta, const char *ref, int64_t now,
                                       int64_t *balance, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;
    char key[ORDERS__MEM_WALLET_KEY_MAX];
    orders__mem_wallet_t *fresh = NULL;
    char *ref_copy = NULL;

    (void)now; /* the memory store keeps balances, not a dated ledger */
    if ((rc = orders__check_wallet(customer_id, currency, err)) != ORDERS_OK)
        return rc;
    wallet_key(customer_id, currency, key);

    pthread_mutex_lock(&m->lock);
    orders__mem_wallet_t *w = orders__map_get(&m->wallets, key);
    int64_t cur = w != NULL ? w->balance : 0;
    int64_t next = cur;
    if (ref != NULL && orders__map_get(&m->wallet_refs, ref) != NULL) {
        next = cur; /* already applied */
        goto done;
    }
    if ((rc = orders__check_wallet_next(cur, delta, currency, &next, err)) != ORDERS_OK)
        goto done;
    if (w == NULL) {
        if ((fresh = malloc(sizeof *fresh)) == NULL || !orders__map_reserve(&m->wallets, 1))
            goto nomem;
        memcpy(fresh->key, key, sizeof fresh->key);
        fresh->balance = 0;
    }
    if (ref != NULL &&
        ((ref_copy = orders__strdup(ref)) == NULL || !orders__map_reserve(&m->wallet_refs, 1)))
        goto nomem;
    if (fresh != NULL) {
        orders__map_put(&m->wallets, fresh->key, fresh);
        w = fresh;
        fresh = NULL;
    }
    w->balance = next;
    if (ref_copy != NULL) {
        orders__map_put(&m->wallet_refs, ref_copy, ref_copy);
        ref_copy = NULL;
    }
    goto done;
nomem:
    rc = orders__mem_nomem(err);
done:
    pthread_mutex_unlock(&m->lock);
    free(fresh);
    free(ref_copy);
    if (rc == ORDERS_OK && balance != NULL)
        *balance = next;
    return rc;
}

orders_code_t orders__mem_wallet_balance(void *ud, const char *customer_id, const char *currency,
                                         int64_t *balance, orders_error_t *err)
{
    orders__mem_t *m = ud;
    char key[ORDERS__MEM_WALLET_KEY_MAX];

    /* No output is refused like a malformed wallet. */
    orders_code_t rc = orders__check_wallet(balance != NULL ? customer_id : NULL, currency, err);
    if (rc != ORDERS_OK)
        return rc;
    wallet_key(customer_id, currency, key);
    pthread_mutex_lock(&m->lock);
    const orders__mem_wallet_t *w = orders__map_get(&m->wallets, key);
    *balance = w != NULL ? w->balance : 0;
    pthread_mutex_unlock(&m->lock);
    return ORDERS_OK;
}

/* ---- idempotency and sequences ------------------------------------------------------- */

orders_code_t orders__mem_idem_get(void *ud, const char *key, char *order_id, char *hash,
                                   orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if (key == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "key", "idempotency key is missing");
    pthread_mutex_lock(&m->lock);
    const orders__mem_idem_t *rec = orders__map_get(&m->idem, key);
    if (rec == NULL) {
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "key", "idempotency key %s not found",
                              key);
    } else {
        if (order_id != NULL)
            memcpy(order_id, rec->order_id, sizeof rec->order_id);
        if (hash != NULL)
            memcpy(hash, rec->hash, sizeof rec->hash);
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

orders_code_t orders__mem_sequence_next(void *ud, const char *name, int64_t *out,
                                        orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if (name == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "name", "sequence name is missing");
    pthread_mutex_lock(&m->lock);
    orders__mem_seq_t *s = orders__map_get(&m->sequences, name);
    if (s == NULL) {
        s = calloc(1, sizeof *s);
        if (s == NULL || (s->name = orders__strdup(name)) == NULL ||
            !orders__map_put(&m->sequences, s->name, s)) {
            if (s != NULL)
                free(s->name);
            free(s);
            s = NULL;
            rc = orders__mem_nomem(err);
        }
    }
    if (s != NULL) {
        if (s->value == INT64_MAX)
            rc = orders_error_set(err, ORDERS_E_OVERFLOW, "name", "sequence %s is exhausted",
                                  name);
        else
            *out = ++s->value;
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* ---- analytics counters --------------------------------------------------------------- */

orders_code_t orders__mem_stat_add(void *ud, const char *kind, int64_t at, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if (kind == NULL || kind[0] == '\0')
        return orders_error_set(err, ORDERS_E_INVALID, "kind", "counter kind is missing");
    pthread_mutex_lock(&m->lock);
    orders__mem_stat_t *s = orders__map_get(&m->stats, kind);
    if (s == NULL) {
        s = calloc(1, sizeof *s);
        if (s == NULL || (s->kind = orders__strdup(kind)) == NULL ||
            !orders__map_put(&m->stats, s->kind, s)) {
            if (s != NULL)
                free(s->kind);
            free(s);
            rc = orders__mem_nomem(err);
            goto done;
        }
        s->sorted = true;
    }
    int64_t *v = orders__grow(s->at, &s->cap, s->count + 1, sizeof *s->at);
    if (v == NULL) {
        rc = orders__mem_nomem(err);
        goto done;
    }
    s->at = v;
    if (s->count > 0 && s->at[s->count - 1] > at)
        s->sorted = false;
    s->at[s->count++] = at;
done:
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* First index of a sorted array whose value is >= t. */
static size_t lower_bound(const int64_t *a, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

orders_code_t orders__mem_stat_count(void *ud, const char *kind, int64_t from, int64_t to,
                                     int64_t *out, orders_error_t *err)
{
    orders__mem_t *m = ud;
    int64_t n = 0;

    if (kind == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "kind", "counter kind is missing");
    pthread_mutex_lock(&m->lock);
    const orders__mem_stat_t *s = orders__map_get(&m->stats, kind);
    if (s != NULL && from < to) {
        if (s->sorted) {
            n = (int64_t)(lower_bound(s->at, s->count, to) - lower_bound(s->at, s->count, from));
        } else {
            for (size_t i = 0; i < s->count; i++)
                n += s->at[i] >= from && s->at[i] < to;
        }
    }
    pthread_mutex_unlock(&m->lock);
    *out = n;
    return ORDERS_OK;
}
