/*
 * pack.h - single-block record copies.  Internal: not installed.
 *
 * A packed copy is ONE allocation: the record (or a wrapper struct that
 * begins with it, head bytes, zeroed past the record), then the record's
 * arrays, then all of its strings.  The memory store keeps its records this
 * way; orders_product_copy and orders_cart_copy return them, marked with
 * block_end (types.h).
 */
#ifndef ORDERS_CORE_PACK_H
#define ORDERS_CORE_PACK_H

#include <stdbool.h>
#include <stddef.h>

#include <orders/types.h>

/* A block of max(head, sizeof record) bytes plus arrays and strings, the
 * record copied at its start with block_end NULL; *size (may be NULL) gets
 * the block's size.  NULL when memory runs out.  Free with free(). */
void *orders__pack_product(const orders_product_t *src, size_t head, size_t *size);
void *orders__pack_cart(const orders_cart_t *src, size_t head, size_t *size);
void *orders__pack_order(const orders_order_t *src, size_t head, size_t *size);
void *orders__pack_reservation(const orders_reservation_t *src, size_t head, size_t *size);

/* n events in ONE block (strings a record shares by pointer with the one
 * before it are copied once): a zeroed header of head0 bytes (the caller's),
 * then n wrappers of head bytes each, each beginning with a copy of src[i]
 * and zeroed past it (out[i] gets wrapper i), then all of their strings.
 * NULL when memory runs out.  Free the block with free(). */
void *orders__pack_events(const orders_event_t *const *src, size_t n, size_t head0, size_t head,
                          void **out);
/* The same for the history entries of one step. */
void *orders__pack_histories(const orders_history_t *const *src, size_t n, size_t head0,
                             size_t head, void **out);

/* Copies marked with block_end, as the public *_copy functions return. */
orders_product_t *orders__product_pack(const orders_product_t *src);
orders_cart_t *orders__cart_pack(const orders_cart_t *src);

/* Does member point inside the block of a single-block record (block_end
 * set)?  Such a member is freed with the block, never on its own. */
bool orders__in_block(const void *record, const void *block_end, const void *member);

#endif
