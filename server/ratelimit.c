/*
 * server/ratelimit.c - fixed-window request counters per key (a customer
 * id, or a client address for admin routes), as the original service's
 * express-rate-limit did: at most `limit` requests per key in each window,
 * the window starting at the key's first request.
 *
 * Keys live in a hash table split into stripes, each with its own mutex, so
 * requests of different customers rarely wait for each other.  Expired
 * windows are dropped by srv_limiter_purge (the sweeper calls it).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define STRIPES 64

typedef struct entry {
    struct entry *next;
    int64_t window_end;
    int64_t count;
    char key[];
} entry_t;

typedef struct stripe {
    pthread_mutex_t lock;
    entry_t **buckets;
    size_t nbuckets;
    size_t count;
} stripe_t;

struct srv_limiter {
    int64_t limit;
    int64_t window_ms;
    stripe_t stripes[STRIPES];
};

static uint64_t hash(const char *s)
{
    return srv_hash(s, strlen(s));
}

srv_limiter_t *srv_limiter_new(int64_t limit, int64_t window_ms)
{
    if (limit <= 0)
        return NULL;
    srv_limiter_t *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->limit = limit;
    l->window_ms = window_ms;
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_init(&l->stripes[i].lock, NULL);
    return l;
}

static void drop_all(stripe_t *s)
{
    for (size_t b = 0; b < s->nbuckets; b++) {
        entry_t *e = s->buckets[b];
        while (e != NULL) {
            entry_t *next = e->next;
            free(e);
            e = next;
        }
    }
    free(s->buckets);
}

void srv_limiter_free(srv_limiter_t *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < STRIPES; i++) {
        drop_all(&l->stripes[i]);
        pthread_mutex_destroy(&l->stripes[i].lock);
    }
    free(l);
}

/* Doubles a stripe's bucket array; false when memory runs out (the table
 * then stays as it is, only slower). */
static bool grow(stripe_t *s)
{
    size_t n = s->nbuckets ? s->nbuckets * 2 : 64;
    entry_t **b = calloc(n, sizeof *b);
    if (b == NULL)
        return false;
    for (size_t i = 0; i < s->nbuckets; i++) {
        entry_t *e = s->buckets[i];
        while (e != NULL) {
            entry_t *next = e->next;
            size_t k = (hash(e->key) / STRIPES) % n;
            e->next = b[k];
            b[k] = e;
            e = next;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
    return true;
}

/* The key's entry, created when missing; NULL when memory runs out. */
static entry_t *find_or_add(stripe_t *s, const char *key, uint64_t h)
{
    if (s->count >= s->nbuckets && !grow(s) && s->nbuckets == 0)
        return NULL;
    size_t k = (h / STRIPES) % s->nbuckets;
    for (entry_t *e = s->buckets[k]; e != NULL; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e;
    size_t len = strlen(key);
    entry_t *e = calloc(1, sizeof *e + len + 1);
    if (e == NULL)
        return NULL;
    memcpy(e->key, key, len + 1);
    e->next = s->buckets[k];
    s->buckets[k] = e;
    s->count++;
    return e;
}

bool srv_limiter_take(srv_limiter_t *l, const char *key, int64_t now_ms, int64_t *retry_after_s)
{
    if (l == NULL || key == NULL)
        return true;
    uint64_t h = hash(key);
    stripe_t *s = &l->stripes[h % STRIPES];
    bool ok = true;
    pthread_mutex_lock(&s->lock);
    entry_t *e = find_or_add(s, key, h);
    if (e != NULL) {
        if (e->window_end <= now_ms) {
            e->window_end = now_ms + l->window_ms;
            e->count = 0;
        }
        if (e->count >= l->limit) {
            ok = false;
            *retry_after_s = (e->window_end - now_ms + 999) / 1000;
            if (*retry_after_s < 1)
                *retry_after_s = 1;
        } else {
            e->count++;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

void srv_limiter_purge(srv_limiter_t *l, int64_t now_ms)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < STRIPES; i++) {
        stripe_t *s = &l->stripes[i];
        pthread_mutex_lock(&s->lock);
        for (size_t b = 0; b < s->nbuckets; b++) {
            entry_t **pp = &s->buckets[b];
            while (*pp != NULL) {
                entry_t *e = *pp;
                if (e->window_end <= now_ms) {
                    *pp = e->next;
                    free(e);
                    s->count--;
                } else {
                    pp = &e->next;
                }
            }
        }
        pthread_mutex_unlock(&s->lock);
    }
}
