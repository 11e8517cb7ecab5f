/*
 * memory_map.c - the memory store's string-keyed hash map (memory_map.h).
 */
#include "store/memory_map.h"

#include <stdlib.h>
#include <string.h>

#define MAP_MIN_CAP 16

void orders__map_init(orders__map_t *m)
{
    m->slots = NULL;
    m->cap = 0;
    m->count = 0;
}

void orders__map_destroy(orders__map_t *m)
{
    free(m->slots);
    orders__map_init(m);
}

static uint64_t mix64(uint64_t x)
{
    /* splitmix64 finalizer */
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

uint64_t orders__map_hash(const char *key)
{
    size_t len = strlen(key);
    const unsigned char *p = (const unsigned char *)key;
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)len;

    /* Eight bytes at a time; ids are mostly 24 hex digits. */
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ mix64(w)) * UINT64_C(0x9fb21c651e98df25);
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    for (size_t i = 0; i < len; i++)
        tail |= (uint64_t)p[i] << (8 * i);
    h ^= mix64(tail ^ UINT64_C(0x2545f4914f6cdd1d));
    return mix64(h);
}

/* Slot index holding key (hash h), or the empty slot where it would go. */
static size_t probe(const orders__map_t *m, const char *key, uint64_t h)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;
    while (m->slots[i].key != NULL) {
        if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0)
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
    return m->slots[i].key != NULL ? m->slots[i].value : NULL;
}

/* Moves every entry into a new table of ncap slots. */
static bool rehash(orders__map_t *m, size_t ncap)
{
    orders__map_slot_t *slots = calloc(ncap, sizeof *slots);
    if (slots == NULL)
        return false;
    size_t mask = ncap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key == NULL)
            continue;
        size_t j = (size_t)m->slots[i].hash & mask;
        while (slots[j].key != NULL)
            j = (j + 1) & mask;
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = ncap;
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
        if (m->slots[i].key != NULL) {
            m->slots[i].key = key;
            m->slots[i].value = value;
            return true;
        }
    }
    if (!orders__map_reserve(m, 1))
        return false;
    size_t i = probe(m, key, h);
    m->slots[i].key = key;
    m->slots[i].value = value;
    m->slots[i].hash = h;
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
        if (m->slots[j].key == NULL)
            break;
        size_t home = (size_t)m->slots[j].hash & mask;
        bool home_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!home_between) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].key = NULL;
    m->slots[i].value = NULL;
    m->slots[i].hash = 0;
    m->count--;
}

void *orders__map_remove(orders__map_t *m, const char *key)
{
    if (m->count == 0 || key == NULL)
        return NULL;
    size_t i = probe(m, key, orders__map_hash(key));
    if (m->slots[i].key == NULL)
        return NULL;
    void *value = m->slots[i].value;
    orders__map_remove_slot(m, i);
    return value;
}
