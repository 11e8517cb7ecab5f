/*
 * arena.c - see arena.h.
 */
#include <pthread.h>
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

/*
 * Each thread keeps one spare first-size chunk: an arena freed on a thread
 * leaves its first chunk there and the next arena on that thread starts
 * with it, so a placement (one arena each) costs no malloc/free pair of
 * 8 KiB.  The spare is freed when the thread exits (the key's destructor).
 */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static int spare_ok;

static void spare_init(void)
{
    spare_ok = pthread_key_create(&spare_key, free) == 0;
}

static orders__arena_chunk_t *spare_take(void)
{
    pthread_once(&spare_once, spare_init);
    if (!spare_ok)
        return NULL;
    orders__arena_chunk_t *c = pthread_getspecific(spare_key);
    if (c != NULL)
        pthread_setspecific(spare_key, NULL);
    return c;
}

/* Keeps c as the thread's spare; false when it cannot (c stays the caller's). */
static int spare_keep(orders__arena_chunk_t *c)
{
    if (c->cap != FIRST_CHUNK || !spare_ok || pthread_getspecific(spare_key) != NULL)
        return 0;
    return pthread_setspecific(spare_key, c) == 0;
}

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
        orders__arena_chunk_t *fresh = cap == FIRST_CHUNK ? spare_take() : NULL;
        if (!fresh && !(fresh = malloc(sizeof *fresh + cap)))
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
        if (!spare_keep(c))
            free(c);
        c = next;
    }
    a->head = NULL;
}
