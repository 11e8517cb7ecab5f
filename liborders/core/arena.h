/*
 * arena.h - a bump allocator for records that live and die together.
 *
 * Placement builds its draft (order, reservation, events, history, cleared
 * cart) in one arena: every string and array comes from a few large
 * chunks, and the whole draft is freed at once.  Records built here must
 * never be passed to orders_*_free; they are read-only views the store
 * copies what it keeps from.  Not thread-safe: one arena per call.
 *
 * Each thread keeps the first chunk of its last freed arena for its next
 * one (arena.c); the library holds one pthread key for that, and a
 * thread's spare chunk is freed when the thread exits.
 */
#ifndef ORDERS_CORE_ARENA_H
#define ORDERS_CORE_ARENA_H

#include <stddef.h>

typedef struct orders__arena_chunk orders__arena_chunk_t;

typedef struct orders__arena {
    orders__arena_chunk_t *head;  /* newest chunk first */
} orders__arena_t;

/* n zeroed bytes aligned for any record, or NULL when memory runs out. */
void *orders__arena_alloc(orders__arena_t *a, size_t n);
/* A copy of s in the arena; NULL for NULL s (an absent optional string).
 * *ok is cleared when memory runs out (and left alone otherwise). */
char *orders__arena_strdup(orders__arena_t *a, const char *s, int *ok);
/* Frees every chunk; the arena is empty and reusable afterwards. */
void orders__arena_free(orders__arena_t *a);

#endif
