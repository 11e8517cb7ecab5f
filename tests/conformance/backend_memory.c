/*
 * backend_memory.c - conformance hooks for the built-in memory store.
 *
 * A memory store lives in one process under one handle, so there is no
 * second handle on the same data: conformance_reopen returns NULL.
 */
#include "conformance/conformance.h"

#include <stddef.h>

const char *conformance_skip_reason(void)
{
    return NULL;
}

const orders_store_vtable_t *conformance_open(void **ud)
{
    *ud = NULL;
    if (orders_store_memory_new(ud, NULL) != ORDERS_OK || !*ud)
        return NULL;
    return orders_store_memory_vtable();
}

void conformance_close(void *ud)
{
    orders_store_memory_free(ud);
}

void *conformance_reopen(void *ud)
{
    (void)ud;
    return NULL;
}
