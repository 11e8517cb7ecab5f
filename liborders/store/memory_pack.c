/*
 * memory_pack.c - the memory store's packed records.
 *
 * The store keeps each record it owns as ONE heap block (core/pack.h): its
 * wrapper struct, which begins with the public record, then the record's
 * arrays and strings.  A stored order costs one malloc and one free instead
 * of about twenty.  Packed records are private to the store and freed with
 * free() (events: see orders__mem_event_free); callers get copies made with
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

orders__mem_event_t *orders__mem_pack_event(const orders_event_t *src)
{
    return orders__pack_event(src, sizeof(orders__mem_event_t), NULL);
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
    free(w);
}
