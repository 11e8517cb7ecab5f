/*
 * server/order_cache.c - rendered answers of GET /orders/:id, kept by order
 * id and version.
 *
 * Rendering an order (three SQLite reads, some fifty JSON members, the
 * dump) cost more than everything else in the request.  Every change of an
 * order raises its version (order.h), so an answer rendered at version V is
 * exactly the answer for version V.  The route asks the library for the
 * order's current version (one indexed read, scoped to the customer: another
 * customer's order is "not found" before the cache is consulted), and only
 * when the cache holds that id at that version does it answer from here; a
 * change made by any process is seen at once.  A miss renders the order as
 * usual and stores the answer.
 *
 * 64 stripes of 32 slots, each stripe under its own mutex and holding at
 * most 1/64 of the byte budget (8 MiB in all); a full stripe replaces its
 * slots in turn.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define STRIPES 64
#define SLOTS 32
#define BUDGET (8u << 20)

typedef struct slot {
    char *id;                      /* NULL: empty */
    int64_t version;
    char *body;
    size_t len;
} slot_t;

typedef struct stripe {
    pthread_mutex_t lock;
    unsigned next;                 /* the slot to replace next */
    size_t bytes;                  /* bodies held */
    slot_t slots[SLOTS];
} stripe_t;

struct srv_order_cache {
    stripe_t stripes[STRIPES];
};

static stripe_t *stripe_of(srv_order_cache_t *c, const char *id)
{
    return &c->stripes[srv_hash(id, strlen(id)) % STRIPES];
}

static void slot_clear(stripe_t *st, slot_t *s)
{
    st->bytes -= s->len;
    free(s->id);
    free(s->body);
    memset(s, 0, sizeof *s);
}

srv_order_cache_t *srv_order_cache_new(void)
{
    srv_order_cache_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_init(&c->stripes[i].lock, NULL);
    return c;
}

void srv_order_cache_free(srv_order_cache_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < STRIPES; i++) {
        for (size_t k = 0; k < SLOTS; k++)
            slot_clear(&c->stripes[i], &c->stripes[i].slots[k]);
        pthread_mutex_destroy(&c->stripes[i].lock);
    }
    free(c);
}

bool srv_order_cache_answer(srv_order_cache_t *c, srv_req_t *r, const char *id,
                            int64_t version)
{
    if (c == NULL || r->space == NULL || r->space_len <= SRV_HEAD_ROOM)
        return false;
    stripe_t *st = stripe_of(c, id);
    bool hit = false;
    pthread_mutex_lock(&st->lock);
    for (size_t k = 0; k < SLOTS && !hit; k++) {
        slot_t *s = &st->slots[k];
        if (s->id != NULL && s->version == version && strcmp(s->id, id) == 0 &&
            s->len <= r->space_len - SRV_HEAD_ROOM) {
            srv_drop_out(r);
            memcpy(r->space + SRV_HEAD_ROOM, s->body, s->len);
            r->out = r->space + SRV_HEAD_ROOM;
            r->out_len = s->len;
            r->out_in_space = true;
            hit = true;
        }
    }
    pthread_mutex_unlock(&st->lock);
    if (hit) {
        r->status = 200;
        r->content_type = "application/json";
    }
    return hit;
}

void srv_order_cache_put(srv_order_cache_t *c, const char *id, int64_t version,
                         const char *body, size_t len)
{
    if (c == NULL || len == 0 || len > BUDGET / STRIPES)
        return;
    slot_t fresh = {.id = strdup(id), .version = version, .body = malloc(len), .len = len};
    if (fresh.id == NULL || fresh.body == NULL) {
        free(fresh.id);
        free(fresh.body);
        return;                                /* not cached: only slower */
    }
    memcpy(fresh.body, body, len);
    stripe_t *st = stripe_of(c, id);
    pthread_mutex_lock(&st->lock);
    slot_t *dst = NULL;
    for (size_t k = 0; k < SLOTS && dst == NULL; k++)
        if (st->slots[k].id != NULL && strcmp(st->slots[k].id, id) == 0)
            dst = &st->slots[k];               /* the same order: replace it */
    for (size_t k = 0; k < SLOTS && dst == NULL; k++)
        if (st->slots[k].id == NULL)
            dst = &st->slots[k];
    if (dst == NULL) {
        dst = &st->slots[st->next];
        st->next = (st->next + 1) % SLOTS;
    }
    slot_clear(st, dst);
    /* keep the stripe within its share of the budget */
    for (size_t k = 0; k < SLOTS && st->bytes + len > BUDGET / STRIPES; k++)
        if (&st->slots[k] != dst && st->slots[k].id != NULL)
            slot_clear(st, &st->slots[k]);
    *dst = fresh;
    st->bytes += len;
    pthread_mutex_unlock(&st->lock);
}
