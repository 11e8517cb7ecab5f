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

bool orders__mem_pack_events(const orders_event_t *const *src, size_t n,
                             orders__mem_event_t **out)
{
    orders__mem_evblock_t *block = orders__pack_events(
        src, n, sizeof(orders__mem_evblock_t), sizeof(orders__mem_event_t), (void **)out);
    if (block == NULL)
        return false;
    block->live = n;
    for (size_t i = 0; i < n; i++)
        out[i]->block = block;
    return true;
}

orders__mem_hist_t *orders__mem_pack_hist(const orders_history_t *src)
{
    return orders__pack_history(src, sizeof(orders__mem_hist_t), NULL);
}

void orders__mem_event_free(orders__mem_event_t *w)
{
    if (w == NULL)
        return;
    free(w->error_heap);
    if (--w->block->live == 0)
        free(w->block);
}
