/*
 * records_pack.c - single-block copies of products and carts (types.h).
 *
 * A copy is measured first, then laid out in one allocation: the struct,
 * then its arrays, then its strings.  block_end marks the end, so that the
 * free functions release what lies outside the block (members a caller
 * replaced) and then the block itself.  Reading a record costs one
 * allocation instead of one per string.
 */
#include <stdlib.h>
#include <string.h>

#include "records_pack.h"

typedef struct packer {
    char *at;        /* next free byte; NULL while measuring */
    size_t size;     /* bytes needed so far */
} packer_t;

static void *reserve(packer_t *pk, size_t n, size_t align)
{
    pk->size = (pk->size + align - 1) & ~(align - 1);
    void *p = pk->at ? pk->at + pk->size : NULL;
    pk->size += n;
    return p;
}

static char *pack_str(packer_t *pk, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = reserve(pk, n, 1);
    if (p)
        memcpy(p, s, n);
    return p;
}

bool orders__in_block(const void *record, const void *block_end, const void *member)
{
    return block_end && (const char *)member >= (const char *)record &&
           (const char *)member < (const char *)block_end;
}

static void lay_product(packer_t *pk, orders_product_t *d, const orders_product_t *s)
{
    d->id = pack_str(pk, s->id);
    d->seller_id = pack_str(pk, s->seller_id);
    d->name = pack_str(pk, s->name);
    d->image = pack_str(pk, s->image);
}

orders_product_t *orders__product_pack(const orders_product_t *src)
{
    orders_product_t scratch;
    packer_t pk = {NULL, sizeof(orders_product_t)};
    lay_product(&pk, &scratch, src);
    orders_product_t *p = malloc(pk.size);
    if (!p)
        return NULL;
    *p = *src;
    pk = (packer_t){(char *)p, sizeof *p};
    lay_product(&pk, p, src);
    p->block_end = (char *)p + pk.size;
    return p;
}

static void lay_cart(packer_t *pk, orders_cart_t *d, const orders_cart_t *s)
{
    size_t n = s->items ? s->item_count : 0;
    orders_cart_line_t *lines = reserve(pk, n * sizeof *lines, _Alignof(orders_cart_line_t));
    d->items = n ? lines : NULL;
    d->item_count = n;
    d->id = pack_str(pk, s->id);
    d->customer_id = pack_str(pk, s->customer_id);
    for (size_t i = 0; i < n; i++) {
        const orders_cart_line_t *sl = &s->items[i];
        orders_cart_line_t scratch, *l = lines ? &lines[i] : &scratch;
        *l = *sl;
        l->product_id = pack_str(pk, sl->product_id);
        l->seller_id = pack_str(pk, sl->seller_id);
        l->product_name = pack_str(pk, sl->product_name);
        l->product_image = pack_str(pk, sl->product_image);
    }
}

orders_cart_t *orders__cart_pack(const orders_cart_t *src)
{
    orders_cart_t scratch;
    packer_t pk = {NULL, sizeof(orders_cart_t)};
    lay_cart(&pk, &scratch, src);
    orders_cart_t *c = malloc(pk.size);
    if (!c)
        return NULL;
    *c = *src;
    pk = (packer_t){(char *)c, sizeof *c};
    lay_cart(&pk, c, src);
    c->block_end = (char *)c + pk.size;
    return c;
}
