/*
 * arena.c - see arena.h.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define FIRST_CHUNK 8192
#define ALIGN 16

struct orders__arena_chunk {
    orders__arena_chunk_t *next;
    size_t used, cap;
    _Alignas(ALIGN) unsigned char data[];
};

/* n bytes, aligned, not zeroed. */
static void *arena_take(orders__arena_t *a, size_t n)
{
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need < n)
        return NULL;
    orders__arena_chunk_t *c = a->head;
    if (!c || c->cap - c->used < need) {
        size_t cap = c ? c->cap * 2 : FIRST_CHUNK;
        while (cap < need)
            cap *= 2;
        orders__arena_chunk_t *fresh = malloc(sizeof *fresh + cap);
        if (!fresh)
            return NULL;
        fresh->next = c;
        fresh->used = 0;
        fresh->cap = cap;
        a->head = c = fresh;
    }
    void *p = c->data + c->used;
    c->used += need;
    return p;
}

void *orders__arena_alloc(orders__arena_t *a, size_t n)
{
    void *p = arena_take(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *orders__arena_strdup(orders__arena_t *a, const char *s, int *ok)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = arena_take(a, n); /* filled at once: no need to zero it */
    if (!p) {
        *ok = 0;
        return NULL;
    }
    memcpy(p, s, n);
    return p;
}

void orders__arena_free(orders__arena_t *a)
{
    orders__arena_chunk_t *c = a->head;
    while (c) {
        orders__arena_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}
