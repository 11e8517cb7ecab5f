/*
 * memory_map.h - a string-keyed hash map for the memory store.  Not installed.
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones); the table is a power of two kept at most 3/4 full, doubled
 * when needed, so inserts are amortized O(1).  Each slot caches its key's
 * hash.
 *
 * Ownership: the map owns only its slot segments and their directory.  Keys are BORROWED: a key
 * must stay valid and unchanged while its entry exists (the memory store
 * points keys into the records it keeps, e.g. order->id).  Values are opaque.
 *
 * Failure discipline: orders__map_reserve(m, n) guarantees that the next n
 * puts of new keys cannot fail; replacing an existing key never allocates.
 *
 * Thread-safety: none; the memory store calls it under its lock.
 */
#ifndef ORDERS_STORE_MEMORY_MAP_H
#define ORDERS_STORE_MEMORY_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct orders__map_slot {
    const char *key; /* NULL: empty slot */
    void *value;
    uint64_t hash;
} orders__map_slot_t;

/* Slots live in segments of at most ORDERS__MAP_SEG slots (48 KiB), found
 * through a directory, so that no table needs one huge allocation: a large
 * block would be mapped fresh from the kernel at every growth (page faults)
 * where small ones reuse freed heap memory. */
#define ORDERS__MAP_SEG_BITS 11
#define ORDERS__MAP_SEG ((size_t)1 << ORDERS__MAP_SEG_BITS)

typedef struct orders__map {
    orders__map_slot_t **segs; /* cap / ORDERS__MAP_SEG segments, or one of cap slots */
    size_t cap;   /* 0 or a power of two */
    size_t count; /* occupied slots */
} orders__map_t;

/* Slot i (< cap).  Walks over the slots use it with i from 0 to cap - 1. */
static inline orders__map_slot_t *orders__map_at(const orders__map_t *m, size_t i)
{
    return &m->segs[i >> ORDERS__MAP_SEG_BITS][i & (ORDERS__MAP_SEG - 1)];
}

/* An empty map (no allocation). */
void orders__map_init(orders__map_t *m);
/* Frees the slot array (not keys or values) and empties the map. */
void orders__map_destroy(orders__map_t *m);
/* Calls fn on every value, then destroys the map. */
void orders__map_free_values(orders__map_t *m, void (*fn)(void *value));

uint64_t orders__map_hash(const char *key);

/* The value stored under key, or NULL. */
void *orders__map_get(const orders__map_t *m, const char *key);

/* The same with the key's orders__map_hash already computed: a caller that
 * looks a key up and then puts it hashes it once. */
void *orders__map_get_h(const orders__map_t *m, const char *key, uint64_t h);
bool orders__map_put_h(orders__map_t *m, const char *key, uint64_t h, void *value);

/* Starts loading the slot where a key of hash h would be, without waiting.
 * A caller about to look up several keys in large maps prefetches them all
 * first, so that their cache misses overlap instead of adding up. */
static inline void orders__map_prefetch(const orders__map_t *m, uint64_t h)
{
    if (m->cap > 0)
        __builtin_prefetch(orders__map_at(m, (size_t)h & (m->cap - 1)));
}

/* Makes room for extra more keys; false when memory runs out (the map is
 * unchanged then). */
bool orders__map_reserve(orders__map_t *m, size_t extra);

/* Inserts key -> value, or replaces the key pointer and value of an equal
 * key (without allocating).  false when memory runs out (map unchanged). */
bool orders__map_put(orders__map_t *m, const char *key, void *value);

/* Removes key; returns its value, or NULL when absent. */
void *orders__map_remove(orders__map_t *m, const char *key);

/*
 * Removes the entry in slot index i (which must be occupied).  Entries after
 * it in the probe sequence may shift back into slot i, so a caller walking
 * the slots and removing as it goes re-examines slot i instead of moving on;
 * a walk done that way visits every remaining entry at least once.
 */
void orders__map_remove_slot(orders__map_t *m, size_t i);

#endif /* ORDERS_STORE_MEMORY_MAP_H */
