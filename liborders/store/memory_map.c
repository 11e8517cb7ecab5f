/*
 * memory_map.c - the memory store's string-keyed hash map (memory_map.h).
 */
#include "store/memory_map.h"

#include <stdlib.h>
#include <string.h>

#define MAP_MIN_CAP 16

void orders__map_init(orders__map_t *m)
{
    m->segs = NULL;
    m->cap = 0;
    m->count = 0;
}

static size_t seg_count(size_t cap)
{
    return cap > ORDERS__MAP_SEG ? cap >> ORDERS__MAP_SEG_BITS : 1;
}

static void segs_free(orders__map_slot_t **segs, size_t cap)
{
    if (segs == NULL)
        return;
    for (size_t i = 0; i < seg_count(cap); i++)
        free(segs[i]);
    free(segs);
}

/* Zeroed segments for cap slots (a power of two), or NULL. */
static orders__map_slot_t **segs_new(size_t cap)
{
    size_t n = seg_count(cap), len = cap < ORDERS__MAP_SEG ? cap : ORDERS__MAP_SEG;
    orders__map_slot_t **segs = calloc(n, sizeof *segs);
    if (segs == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if ((segs[i] = calloc(len, sizeof **segs)) == NULL) {
            segs_free(segs, cap); /* calloc left the rest NULL */
            return NULL;
        }
    }
    return segs;
}

void orders__map_destroy(orders__map_t *m)
{
    segs_free(m->segs, m->cap);
    orders__map_init(m);
}

void orders__map_free_values(orders__map_t *m, void (*fn)(void *value))
{
    for (size_t i = 0; i < m->cap; i++)
        if (orders__map_at(m, i)->key != NULL)
            fn(orders__map_at(m, i)->value);
    orders__map_destroy(m);
}

/* The 128-bit product of a and b, folded to 64 bits: one multiply that
 * mixes every input bit into every output bit. */
static uint64_t fold_mul(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static uint64_t load8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* The n < 8 bytes at p, little-endian, zero-extended. */
static uint64_t load_short(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}

/*
 * Sixteen bytes per multiply: each step folds the next two words, offset by
 * odd constants, into the running value.  Ids are mostly 24 hex digits: one
 * step and a tail of one word.  The constants are fixed, so a caller who
 * picks keys can make them collide: the memory store is not meant to face
 * untrusted keys at scale (see docs/plugins.md).
 */
uint64_t orders__map_hash(const char *key)
{
    static const uint64_t k0 = UINT64_C(0xa0761d6478bd642f), k1 = UINT64_C(0xe7037ed1a0b428db),
                          k2 = UINT64_C(0x8ebc6af09c88c6e3);
    size_t len = strlen(key);
    const unsigned char *p = (const unsigned char *)key;
    uint64_t h = k0 ^ (uint64_t)len;

    for (; len >= 16; p += 16, len -= 16)
        h = fold_mul(load8(p) ^ k1 ^ h, load8(p + 8) ^ k2);
    uint64_t a = len >= 8 ? load8(p) : load_short(p, len);
    uint64_t b = len >= 8 ? load_short(p + 8, len - 8) : 0;
    h = fold_mul(a ^ k1 ^ h, b ^ k2);
    return fold_mul(h ^ k0, k1);
}

/* Slot index holding key (hash h), or the empty slot where it would go. */
static size_t probe(const orders__map_t *m, const char *key, uint64_t h)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;
    for (const orders__map_slot_t *sl; (sl = orders__map_at(m, i))->key != NULL;) {
        if (sl->hash == h && strcmp(sl->key, key) == 0)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

void *orders__map_get(const orders__map_t *m, const char *key)
{
    return key ? orders__map_get_h(m, key, orders__map_hash(key)) : NULL;
}

void *orders__map_get_h(const orders__map_t *m, const char *key, uint64_t h)
{
    if (m->count == 0 || key == NULL)
        return NULL;
    size_t i = probe(m, key, h);
    const orders__map_slot_t *sl = orders__map_at(m, i);
    return sl->key != NULL ? sl->value : NULL;
}

/* Moves every entry into a new table of ncap slots. */
static bool rehash(orders__map_t *m, size_t ncap)
{
    orders__map_t n = {segs_new(ncap), ncap, m->count};
    if (n.segs == NULL)
        return false;
    size_t mask = ncap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        const orders__map_slot_t *from = orders__map_at(m, i);
        if (from->key == NULL)
            continue;
        size_t j = (size_t)from->hash & mask;
        while (orders__map_at(&n, j)->key != NULL)
            j = (j + 1) & mask;
        *orders__map_at(&n, j) = *from;
    }
    segs_free(m->segs, m->cap);
    *m = n;
    return true;
}

bool orders__map_reserve(orders__map_t *m, size_t extra)
{
    if (extra > SIZE_MAX / 8 - m->count)
        return false;
    size_t need = m->count + extra;
    size_t ncap = m->cap > 0 ? m->cap : MAP_MIN_CAP;
    while (need * 4 > ncap * 3) {
        if (ncap > SIZE_MAX / (2 * sizeof(orders__map_slot_t)))
            return false;
        ncap *= 2;
    }
    if (ncap == m->cap)
        return true;
    return rehash(m, ncap);
}

bool orders__map_put(orders__map_t *m, const char *key, void *value)
{
    return orders__map_put_h(m, key, orders__map_hash(key), value);
}

bool orders__map_put_h(orders__map_t *m, const char *key, uint64_t h, void *value)
{
    if (m->cap > 0) {
        size_t i = probe(m, key, h);
        orders__map_slot_t *sl = orders__map_at(m, i);
        if (sl->key != NULL) {
            sl->key = key;
            sl->value = value;
            return true;
        }
    }
    if (!orders__map_reserve(m, 1))
        return false;
    size_t i = probe(m, key, h);
    orders__map_slot_t *sl = orders__map_at(m, i);
    sl->key = key;
    sl->value = value;
    sl->hash = h;
    m->count++;
    return true;
}

void orders__map_remove_slot(orders__map_t *m, size_t i)
{
    size_t mask = m->cap - 1;
    size_t j = i;

    /* Backward shift: pull later members of the cluster into the hole
     * unless their home slot lies cyclically in (hole, j]. */
    for (;;) {
        j = (j + 1) & mask;
        orders__map_slot_t *at_j = orders__map_at(m, j);
        if (at_j->key == NULL)
            break;
        size_t home = (size_t)at_j->hash & mask;
        bool home_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!home_between) {
            *orders__map_at(m, i) = *at_j;
            i = j;
        }
    }
    orders__map_slot_t *hole = orders__map_at(m, i);
    hole->key = NULL;
    hole->value = NULL;
    hole->hash = 0;
    m->count--;
}

void *orders__map_remove(orders__map_t *m, const char *key)
{
    if (m->count == 0 || key == NULL)
        return NULL;
    size_t i = probe(m, key, orders__map_hash(key));
    if (orders__map_at(m, i)->key == NULL)
        return NULL;
    void *value = orders__map_at(m, i)->value;
    orders__map_remove_slot(m, i);
    return value;
}
