/*
 * records_list.c - clear and push for the list types of types.h.
 *
 * The lists carry no capacity field, so the capacity is implied by the
 * count: 0 for an empty list, else the smallest power of two >= max(count,
 * 8).  A push reallocates exactly when the implied capacity is full (count
 * 0, or a power of two >= 8), doubling it: appends are amortized O(1).
 * This holds for lists built only by these push functions (or emptied by the
 * clear functions); an items array allocated elsewhere must not be pushed to.
 * Lowering count (dropping the last items) keeps the array large enough.
 *
 * No state: distinct lists may be used from different threads.
 */
#include "util.h"

#include <stdlib.h>

/* The array to store item number count in (index count), reallocated when
 * the implied capacity is full; NULL when memory runs out (items intact). */
static void *room_for_push(void *items, size_t count, size_t elem)
{
    if (count > 0 && items != NULL && (count < 8 || (count & (count - 1)) != 0))
        return items;
    size_t ncap = count < 8 ? 8 : count * 2;
    if (count > SIZE_MAX / 2 || ncap > SIZE_MAX / elem)
        return NULL;
    return realloc(items, ncap * elem);
}

void orders_order_list_clear(orders_order_list_t *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        orders_order_free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
    l->total = 0;
}

void orders_product_list_clear(orders_product_list_t *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        orders_product_free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
    l->total = 0;
}

void orders_event_list_clear(orders_event_list_t *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        orders_event_free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

void orders_history_list_clear(orders_history_list_t *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        orders_history_free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

void orders_string_list_clear(orders_string_list_t *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

bool orders_order_list_push(orders_order_list_t *l, orders_order_t *item)
{
    if (l == NULL)
        return false;
    orders_order_t **items = room_for_push(l->items, l->count, sizeof *items);
    if (items == NULL)
        return false;
    l->items = items;
    l->items[l->count++] = item;
    return true;
}

bool orders_product_list_push(orders_product_list_t *l, orders_product_t *item)
{
    if (l == NULL)
        return false;
    orders_product_t **items = room_for_push(l->items, l->count, sizeof *items);
    if (items == NULL)
        return false;
    l->items = items;
    l->items[l->count++] = item;
    return true;
}

bool orders_event_list_push(orders_event_list_t *l, orders_event_t *item)
{
    if (l == NULL)
        return false;
    orders_event_t **items = room_for_push(l->items, l->count, sizeof *items);
    if (items == NULL)
        return false;
    l->items = items;
    l->items[l->count++] = item;
    return true;
}

bool orders_history_list_push(orders_history_list_t *l, orders_history_t *item)
{
    if (l == NULL)
        return false;
    orders_history_t **items = room_for_push(l->items, l->count, sizeof *items);
    if (items == NULL)
        return false;
    l->items = items;
    l->items[l->count++] = item;
    return true;
}

/* Copies s; false for NULL s (a string list holds no NULL entries) or when
 * memory runs out. */
bool orders_string_list_push(orders_string_list_t *l, const char *s)
{
    if (l == NULL || s == NULL)
        return false;
    char *copy = orders__strdup(s);
    if (copy == NULL)
        return false;
    char **items = room_for_push(l->items, l->count, sizeof *items);
    if (items == NULL) {
        free(copy);
        return false;
    }
    l->items = items;
    l->items[l->count++] = copy;
    return true;
}
