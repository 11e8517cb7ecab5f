/*
 * records_pack.h - single-block record copies (see types.h).  Internal.
 */
#ifndef ORDERS_CORE_RECORDS_PACK_H
#define ORDERS_CORE_RECORDS_PACK_H

#include <stdbool.h>

#include <orders/types.h>

/* One-allocation copies; NULL when memory runs out. */
orders_product_t *orders__product_pack(const orders_product_t *src);
orders_cart_t *orders__cart_pack(const orders_cart_t *src);

/* Does member point inside the block of a single-block record (block_end
 * set)?  Such a member is freed with the block, never on its own. */
bool orders__in_block(const void *record, const void *block_end, const void *member);

#endif
