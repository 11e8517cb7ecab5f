/*
 * memory_outbox.c - the memory store's outbox: where undelivered events are
 * kept, how they are found by id, fetched and acknowledged.
 *
 * Every event not yet delivered is in the pending list or, once dead, out
 * of it (outbox_requeue links a dead one back in); and in exactly one of
 * two indexes:
 *   - m->events: by order.  The core names an event of an order step
 *     "ORDERID:VERSION.INDEX" (orders__step_event_id), so an id whose part
 *     before its last ':' is the event's own order id finds its event
 *     through that order: the map holds, under the order id, a short list
 *     of the order's live events.  A placement's events (the customer's,
 *     one per seller, the confirmation) then take one map entry, not one
 *     each.
 *   - m->events_by_id: every other event, by its whole id.
 * An id is looked up in both, so ids stay unique across them.
 *
 * The pending list is doubly linked and ordered by (created_at, insertion
 * number); appends land at or near its tail, so inserting is O(1) in
 * practice, fetching walks from the head, and acking unlinks in O(1).  A
 * delivered event is freed; a dead one leaves the list and stays indexed.
 *
 * Locking: see memory.c; the orders__mem_* helpers run with the lock held.
 */
#include "store/memory_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- the two indexes ------------------------------------------------------------ */

/* Is w filed under its order (its id is "ORDERID:SUFFIX", SUFFIX without
 * ':', ORDERID its own order id)? */
static bool by_order(const orders_event_t *e)
{
    if (e->order_id == NULL || e->order_id[0] == '\0')
        return false;
    size_t n = strlen(e->order_id);
    return strncmp(e->id, e->order_id, n) == 0 && e->id[n] == ':' && e->id[n + 1] != '\0' &&
           strchr(e->id + n + 1, ':') == NULL;
}

/* The live event with this id, or NULL. */
orders__mem_event_t *orders__mem_event_find(const orders__mem_t *m, const char *id)
{
    const char *colon = strrchr(id, ':');
    size_t n = colon != NULL ? (size_t)(colon - id) : 0;
    if (n > 0 && n <= ORDERS_ID_MAX && m->events.count > 0) {
        char order_id[ORDERS_ID_MAX + 1];
        memcpy(order_id, id, n);
        order_id[n] = '\0';
        for (orders__mem_event_t *w = orders__map_get(&m->events, order_id); w != NULL;
             w = w->order_next)
            if (strcmp(w->e.id, id) == 0)
                return w;
    }
    return m->events_by_id.count > 0 ? orders__map_get(&m->events_by_id, id) : NULL;
}

void orders__mem_events_hash(orders__mem_event_t *const *ws, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        orders__mem_event_t *w = ws[i];
        w->by_order = by_order(&w->e);
        /* a step's events usually share their order: hash it once */
        bool as_before = w->by_order && i > 0 && ws[i - 1]->by_order &&
                         ws[i - 1]->e.order_id == w->e.order_id;
        w->key_hash = as_before ? ws[i - 1]->key_hash
                                : orders__map_hash(w->by_order ? w->e.order_id : w->e.id);
    }
}

void orders__mem_events_prefetch(const orders__mem_t *m, orders__mem_event_t *const *ws, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (i == 0 || ws[i]->key_hash != ws[i - 1]->key_hash)
            orders__map_prefetch(ws[i]->by_order ? &m->events : &m->events_by_id, ws[i]->key_hash);
}

/* Are a and b, one after the other in a step, filed under the same order? */
static bool same_order(const orders__mem_event_t *a, const orders__mem_event_t *b)
{
    return a->by_order && b->by_order && a->key_hash == b->key_hash &&
           (a->e.order_id == b->e.order_id || strcmp(a->e.order_id, b->e.order_id) == 0);
}

/* Is w's id already taken?  For an event filed under its order, only that
 * order's list (head: its current head) and the id index can hold it. */
static bool taken(const orders__mem_t *m, const orders__mem_event_t *w,
                  const orders__mem_event_t *head)
{
    if (!w->by_order)
        return orders__mem_event_find(m, w->e.id) != NULL;
    for (const orders__mem_event_t *x = head; x != NULL; x = x->order_next)
        if (strcmp(x->e.id, w->e.id) == 0)
            return true;
    return m->events_by_id.count > 0 && orders__map_get(&m->events_by_id, w->e.id) != NULL;
}

orders_code_t orders__mem_events_reserve(orders__mem_t *m, orders__mem_event_t *const *ws,
                                         size_t n, orders_error_t *err)
{
    size_t orders = 0, others = 0;
    const orders__mem_event_t *head = NULL;
    for (size_t i = 0; i < n; i++) {
        const orders__mem_event_t *w = ws[i];
        if (w->by_order && (i == 0 || !same_order(ws[i - 1], w))) {
            head = orders__map_get_h(&m->events, w->e.order_id, w->key_hash);
            orders++; /* may be a new order in the index (over-reserving is harmless) */
        }
        others += !w->by_order;
        if (taken(m, w, head))
            return orders_error_set(err, ORDERS_E_CONFLICT, "events", "event id %s already exists",
                                    w->e.id);
    }
    if ((orders > 0 && !orders__map_reserve(&m->events, orders)) ||
        (others > 0 && !orders__map_reserve(&m->events_by_id, others)))
        return orders__mem_nomem(err);
    return ORDERS_OK;
}

/* Files the step's events in their indexes (room reserved by
 * orders__mem_events_reserve).  The newest event heads its order's list and
 * the map's key is its copy of the order id; a run of events of one order
 * is chained here and enters the map once. */
static void index_put(orders__mem_t *m, orders__mem_event_t *const *ws, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        orders__mem_event_t *w = ws[i];
        if (!w->by_order) {
            orders__map_put_h(&m->events_by_id, w->e.id, w->key_hash, w);
            continue;
        }
        w->order_next = i > 0 && same_order(ws[i - 1], w)
                            ? ws[i - 1]
                            : orders__map_get_h(&m->events, w->e.order_id, w->key_hash);
        if (i + 1 < n && same_order(w, ws[i + 1]))
            continue;
        orders__map_put_h(&m->events, w->e.order_id, w->key_hash, w);
    }
}

static void index_remove(orders__mem_t *m, orders__mem_event_t *w)
{
    if (!w->by_order) {
        orders__map_remove(&m->events_by_id, w->e.id);
        return;
    }
    orders__mem_event_t *head = orders__map_get_h(&m->events, w->e.order_id, w->key_hash);
    if (head == w) {
        if (w->order_next != NULL)
            orders__map_put_h(&m->events, w->order_next->e.order_id, w->key_hash, w->order_next);
        else
            orders__map_remove(&m->events, w->e.order_id);
    } else {
        orders__mem_event_t *before = head;
        while (before->order_next != w)
            before = before->order_next;
        before->order_next = w->order_next;
    }
    w->order_next = NULL;
}

/* ---- the pending list ----------------------------------------------------------- */

/* Links w into the pending list, after every event with (created_at, seq)
 * not greater than its own. */
static void pending_link(orders__mem_t *m, orders__mem_event_t *w)
{
    orders__mem_event_t *after = m->pending_tail;
    while (after != NULL && after->e.created_at > w->e.created_at)
        after = after->prev;
    w->prev = after;
    w->next = after != NULL ? after->next : m->pending_head;
    if (w->next != NULL)
        w->next->prev = w;
    else
        m->pending_tail = w;
    if (after != NULL)
        after->next = w;
    else
        m->pending_head = w;
    m->pending_count++;
}

static void pending_unlink(orders__mem_t *m, orders__mem_event_t *w)
{
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        m->pending_head = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    else
        m->pending_tail = w->prev;
    w->prev = w->next = NULL;
    m->pending_count--;
}

void orders__mem_events_commit(orders__mem_t *m, orders__mem_event_t *const *ws, size_t n)
{
    index_put(m, ws, n);
    for (size_t i = 0; i < n; i++) {
        ws[i]->seq = ++m->event_seq;
        pending_link(m, ws[i]);
    }
}

/* Frees every event of a list headed by v (an m->events value). */
static void free_order_events(void *v)
{
    for (orders__mem_event_t *w = v, *next; w != NULL; w = next) {
        next = w->order_next;
        orders__mem_event_free(w);
    }
}

static void free_event(void *v)
{
    orders__mem_event_free(v);
}

void orders__mem_events_free_all(orders__mem_t *m)
{
    orders__map_free_values(&m->events, free_order_events);
    orders__map_free_values(&m->events_by_id, free_event);
}

/* ---- vtable members ------------------------------------------------------------- */

orders_code_t orders__mem_outbox_fetch(void *ud, int64_t now, int64_t limit,
                                       orders_event_list_t *out, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = ORDERS_OK;

    if ((rc = orders__check_page(out, 0, limit, err)) != ORDERS_OK)
        return rc;
    size_t start = out->count;
    int64_t taken = 0;

    pthread_mutex_lock(&m->lock);
    for (orders__mem_event_t *w = m->pending_head; w != NULL && taken < limit; w = w->next) {
        if (w->e.next_attempt_at > now)
            continue;
        orders_event_t *copy = orders_event_copy(&w->e);
        if (copy == NULL || !orders_event_list_push(out, copy)) {
            orders_event_free(copy);
            rc = orders__mem_nomem(err);
            while (out->count > start)
                orders_event_free(out->items[--out->count]);
            break;
        }
        taken++;
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* Under m->lock: records one attempt.  *error_copy (the ack's error, owned
 * by the caller) is taken when the event keeps it, and set to NULL then. */
static orders_code_t ack_locked(orders__mem_t *m, const orders_outbox_ack_t *a,
                                char **error_copy, orders_error_t *err)
{
    orders__mem_event_t *w = orders__mem_event_find(m, a->event_id);
    if (w == NULL)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "event_id",
                                "event %s is not in the outbox", a->event_id);
    if (w->dead)
        return orders_error_set(err, ORDERS_E_CONFLICT, "event_id", "event %s is a dead letter",
                                a->event_id);
    if (a->delivered) {
        pending_unlink(m, w);
        index_remove(m, w);
        orders__mem_event_free(w);
        return ORDERS_OK;
    }
    w->e.attempts++;
    w->e.next_attempt_at = a->next_attempt_at;
    free(w->error_heap); /* a packed last_error stays in the block */
    w->error_heap = *error_copy;
    w->e.last_error = *error_copy;
    *error_copy = NULL;
    if (a->dead) {
        pending_unlink(m, w);
        w->dead = true;
        m->dead_count++;
    }
    return ORDERS_OK;
}

/* The copy of an ack's error that the event will keep (NULL when none is
 * needed); false when memory runs out. */
static bool copy_error(const orders_outbox_ack_t *a, char **out)
{
    *out = NULL;
    if (a->delivered || a->error == NULL)
        return true;
    return (*out = orders__strdup(a->error)) != NULL;
}

orders_code_t orders__mem_outbox_ack(void *ud, const char *event_id, bool delivered, bool dead,
                                     int64_t next_attempt_at, const char *error,
                                     orders_error_t *err)
{
    orders__mem_t *m = ud;
    if (event_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "event_id", "event id is missing");
    orders_outbox_ack_t a = {event_id, delivered, dead, next_attempt_at, error};
    char *error_copy;
    if (!copy_error(&a, &error_copy))
        return orders__mem_nomem(err);
    pthread_mutex_lock(&m->lock);
    orders_code_t rc = ack_locked(m, &a, &error_copy, err);
    pthread_mutex_unlock(&m->lock);
    free(error_copy);
    return rc;
}

orders_code_t orders__mem_outbox_ack_many(void *ud, const orders_outbox_ack_t *acks, size_t n,
                                          orders_code_t *results, orders_error_t *err)
{
    orders__mem_t *m = ud;
    orders_code_t rc = orders__check_acks(acks, n, results, err);
    if (rc != ORDERS_OK || n == 0)
        return rc;
    /* every copy first, so that the step cannot fail half way */
    char **copies = calloc(n, sizeof *copies);
    bool ok = copies != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = copy_error(&acks[i], &copies[i]);
    if (ok) {
        pthread_mutex_lock(&m->lock);
        for (size_t i = 0; i < n; i++)
            results[i] = ack_locked(m, &acks[i], &copies[i], NULL);
        pthread_mutex_unlock(&m->lock);
    }
    for (size_t i = 0; copies != NULL && i < n; i++)
        free(copies[i]);
    free(copies);
    return ok ? ORDERS_OK : orders__mem_nomem(err);
}

orders_code_t orders__mem_outbox_counts(void *ud, int64_t *pending, int64_t *dead,
                                        orders_error_t *err)
{
    orders__mem_t *m = ud;

    (void)err;
    pthread_mutex_lock(&m->lock);
    if (pending != NULL)
        *pending = m->pending_count;
    if (dead != NULL)
        *dead = m->dead_count;
    pthread_mutex_unlock(&m->lock);
    return ORDERS_OK;
}

/* ---- outbox_requeue ------------------------------------------------------------ */

/* qsort order of dead letters: created_at, then id. */
static int older_first(const void *pa, const void *pb)
{
    const orders__mem_event_t *a = *(orders__mem_event_t *const *)pa;
    const orders__mem_event_t *b = *(orders__mem_event_t *const *)pb;
    if (a->e.created_at != b->e.created_at)
        return a->e.created_at < b->e.created_at ? -1 : 1;
    return strcmp(a->e.id, b->e.id);
}

/* qsort order of the pending list: created_at, then insertion (seq). */
static int list_order(const void *pa, const void *pb)
{
    const orders__mem_event_t *a = *(orders__mem_event_t *const *)pa;
    const orders__mem_event_t *b = *(orders__mem_event_t *const *)pb;
    if (a->e.created_at != b->e.created_at)
        return a->e.created_at < b->e.created_at ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Does x come before w in the pending list's order (list_order)? */
static bool before(const orders__mem_event_t *x, const orders__mem_event_t *w)
{
    return x->e.created_at < w->e.created_at ||
           (x->e.created_at == w->e.created_at && x->seq < w->seq);
}

/* Appends the dead letters among the values of map (each an event, or with
 * chained the head of an order's list) to out at *n, at most cap in all. */
static void collect_dead(const orders__map_t *map, bool chained, orders__mem_event_t **out,
                         size_t cap, size_t *n)
{
    for (size_t i = 0; i < map->cap; i++) {
        const orders__map_slot_t *slot = orders__map_at(map, i);
        if (slot->key == NULL)
            continue;
        for (orders__mem_event_t *w = slot->value; w != NULL; w = chained ? w->order_next : NULL)
            if (w->dead && *n < cap)
                out[(*n)++] = w;
    }
}

/* Revives ws[0..n) (dead letters in list_order): each becomes pending, due
 * at now with no attempts, and goes back to its place in the pending list
 * (by created_at, then its insertion number, as if it had never died), all
 * in one walk from the list's head. */
static void revive(orders__mem_t *m, orders__mem_event_t *const *ws, size_t n, int64_t now)
{
    orders__mem_event_t *at = m->pending_head; /* the event ws[i] goes before */
    for (size_t i = 0; i < n; i++) {
        orders__mem_event_t *w = ws[i];
        while (at != NULL && before(at, w))
            at = at->next;
        w->dead = false;
        m->dead_count--;
        w->e.attempts = 0;
        w->e.next_attempt_at = now;
        w->next = at;
        w->prev = at != NULL ? at->prev : m->pending_tail;
        if (w->prev != NULL)
            w->prev->next = w;
        else
            m->pending_head = w;
        if (at != NULL)
            at->prev = w;
        else
            m->pending_tail = w;
        m->pending_count++;
    }
}

/* Under m->lock: the event named id, if it is a dead letter. */
static orders_code_t requeue_one_locked(orders__mem_t *m, const char *id, int64_t now,
                                        int64_t *moved, orders_error_t *err)
{
    orders__mem_event_t *w = orders__mem_event_find(m, id);
    if (w == NULL)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "event_id",
                                "event %s is not in the outbox", id);
    if (!w->dead)
        return orders_error_set(err, ORDERS_E_CONFLICT, "event_id",
                                "event %s is not a dead letter", id);
    revive(m, &w, 1, now);
    *moved = 1;
    return ORDERS_OK;
}

/* Under m->lock: the limit oldest dead letters. */
static orders_code_t requeue_oldest_locked(orders__mem_t *m, int64_t now, int64_t limit,
                                           int64_t *moved, orders_error_t *err)
{
    if (m->dead_count == 0)
        return ORDERS_OK;
    orders__mem_event_t **dead = malloc((size_t)m->dead_count * sizeof *dead);
    if (dead == NULL)
        return orders__mem_nomem(err);
    size_t n = 0, cap = (size_t)m->dead_count;
    collect_dead(&m->events, true, dead, cap, &n);
    collect_dead(&m->events_by_id, false, dead, cap, &n);
    qsort(dead, n, sizeof *dead, older_first);
    if ((uint64_t)limit < n)
        n = (size_t)limit;
    qsort(dead, n, sizeof *dead, list_order);
    revive(m, dead, n, now);
    free(dead);
    *moved = (int64_t)n;
    return ORDERS_OK;
}

orders_code_t orders__mem_outbox_requeue(void *ud, const char *event_id, int64_t now,
                                         int64_t limit, int64_t *moved, orders_error_t *err)
{
    orders__mem_t *m = ud;
    int64_t n = 0;
    if (moved != NULL)
        *moved = 0;
    if (event_id == NULL && limit < 1)
        return orders_error_set(err, ORDERS_E_INVALID, "limit", "limit must be at least 1");
    pthread_mutex_lock(&m->lock);
    orders_code_t rc = event_id != NULL ? requeue_one_locked(m, event_id, now, &n, err)
                                        : requeue_oldest_locked(m, now, limit, &n, err);
    pthread_mutex_unlock(&m->lock);
    if (moved != NULL)
        *moved = n;
    return rc;
}
