/*
 * memory_pack.c - the memory store's packed records.
 *
 * The store keeps each record it owns as ONE heap block (core/pack.h): its
 * wrapper struct, which begins with the public record, then the record's
 * arrays and strings.  A stored order costs one malloc and one free instead
 * of about twenty; the events one step writes share one block.  Packed
 * records are private to the store and freed with free() (events: with
 * orders__mem_event_free, which frees their block with the last of them);
 * callers get copies made with
 * the orders_*_copy functions of types.h.
 */
#include "store/memory_internal.h"
#include "core/pack.h"

#include <stddef.h>
#include <stdlib.h>

orders__mem_product_t *orders__mem_pack_product(const orders_product_t *src)
{
    return orders__pack_product(src, sizeof(orders__mem_product_t), NULL);
}

orders_cart_t *orders__mem_pack_cart(const orders_cart_t *src)
{
    return orders__pack_cart(src, sizeof(orders_cart_t), NULL);
}

orders__mem_order_t *orders__mem_pack_order(const orders_order_t *src)
{
    return orders__pack_order(src, sizeof(orders__mem_order_t), NULL);
}

orders__mem_res_t *orders__mem_pack_res(const orders_reservation_t *src)
{
    orders__mem_res_t *w = orders__pack_reservation(src, sizeof(orders__mem_res_t), NULL);
    if (w != NULL)
        w->active_pos = ORDERS__MEM_NOT_ACTIVE;
    return w;
}

/* The block's records all point at it. */
static orders__mem_block_t *block_set(orders__mem_block_t *block, size_t n, void **out,
                                      size_t block_off)
{
    if (block == NULL)
        return NULL;
    block->live = n;
    for (size_t i = 0; i < n; i++)
        *(orders__mem_block_t **)((char *)out[i] + block_off) = block;
    return block;
}

bool orders__mem_pack_events(const orders_event_t *const *src, size_t n,
                             orders__mem_event_t **out)
{
    return block_set(orders__pack_events(src, n, sizeof(orders__mem_block_t),
                                         sizeof(orders__mem_event_t), (void **)out),
                     n, (void **)out, offsetof(orders__mem_event_t, block)) != NULL;
}

bool orders__mem_pack_hists(const orders_history_t *const *src, size_t n,
                            orders__mem_hist_t **out)
{
    return block_set(orders__pack_histories(src, n, sizeof(orders__mem_block_t),
                                            sizeof(orders__mem_hist_t), (void **)out),
                     n, (void **)out, offsetof(orders__mem_hist_t, block)) != NULL;
}

static void block_release(orders__mem_block_t *block)
{
    if (--block->live == 0)
        free(block);
}

void orders__mem_event_free(orders__mem_event_t *w)
{
    if (w == NULL)
        return;
    free(w->error_heap);
    block_release(w->block);
}

void orders__mem_hist_free(orders__mem_hist_t *h)
{
    if (h != NULL)
        block_release(h->block);
}
