/*
 * pack.c - single-block copies of records (see pack.h).
 *
 * Each pack function runs its fill routine twice: once to measure (nothing
 * written, sizes summed) and once to copy into the block: the record (or a
 * wrapper that begins with it), then its arrays, then all of its strings.
 * Both passes meet the same strings in the same order, so the first pass
 * notes their lengths (the first PACK_LENS of them) for the second.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pack.h"

#define PACK_LENS 64

typedef struct packer {
    bool measure;       /* first pass: sum sizes, write nothing */
    bool overflow;      /* a size did not fit size_t */
    size_t fixed_size;  /* arrays, each rounded up to max alignment */
    size_t string_size;
    char *fixed;        /* second pass: next free byte for arrays */
    char *strings;      /* second pass: next free byte for strings */
    size_t nlen, ilen;  /* lengths noted; next one to use */
    size_t lens[PACK_LENS];
} packer_t;

#define PACK_ALIGN alignof(max_align_t)

static size_t round_up(size_t n, bool *overflow)
{
    if (n > SIZE_MAX - (PACK_ALIGN - 1)) {
        *overflow = true;
        return 0;
    }
    return (n + PACK_ALIGN - 1) / PACK_ALIGN * PACK_ALIGN;
}

static void add_size(size_t *total, size_t n, bool *overflow)
{
    if (n > SIZE_MAX - *total)
        *overflow = true;
    else
        *total += n;
}

/* Room for n elements of elem bytes: NULL while measuring or for n == 0. */
static void *pk_array(packer_t *pk, size_t n, size_t elem)
{
    if (n == 0)
        return NULL;
    if (n > SIZE_MAX / elem) {
        pk->overflow = true;
        return NULL;
    }
    size_t size = round_up(n * elem, &pk->overflow);
    if (pk->measure) {
        add_size(&pk->fixed_size, size, &pk->overflow);
        return NULL;
    }
    void *p = pk->fixed;
    pk->fixed += size;
    return p;
}

/* A copy of s inside the block (NULL for NULL, and while measuring). */
static inline __attribute__((always_inline)) char *pk_str(packer_t *pk, const char *s)
{
    if (s == NULL)
        return NULL;
    if (pk->measure) {
        size_t n = strlen(s) + 1;
        if (pk->nlen < PACK_LENS)
            pk->lens[pk->nlen++] = n;
        add_size(&pk->string_size, n, &pk->overflow);
        return NULL;
    }
    size_t n = pk->ilen < pk->nlen ? pk->lens[pk->ilen++] : strlen(s) + 1;
    char *p = pk->strings;
    memcpy(p, s, n);
    pk->strings += n;
    return p;
}

/* After measuring: one zeroed header of head bytes plus the measured parts;
 * *size (may be NULL) gets the block's size. */
static void *pk_alloc(packer_t *pk, size_t head, size_t *size)
{
    size_t total = round_up(head, &pk->overflow);
    size_t fixed_at = total;
    add_size(&total, pk->fixed_size, &pk->overflow);
    add_size(&total, pk->string_size, &pk->overflow);
    if (pk->overflow)
        return NULL;
    char *block = malloc(total);
    if (block == NULL)
        return NULL;
    memset(block, 0, head);
    pk->measure = false;
    pk->fixed = block + fixed_at;
    pk->strings = pk->fixed + pk->fixed_size;
    if (size)
        *size = total;
    return block;
}

/* ---- fill routines: dst is a scratch struct while measuring ------------------------- */

static void fill_address(packer_t *pk, orders_address_t *d, const orders_address_t *s)
{
    d->address_line1 = pk_str(pk, s->address_line1);
    d->address_line2 = pk_str(pk, s->address_line2);
    d->city = pk_str(pk, s->city);
    d->state = pk_str(pk, s->state);
    d->country = pk_str(pk, s->country);
    d->postal_code = pk_str(pk, s->postal_code);
    d->contact_name = pk_str(pk, s->contact_name);
    d->contact_phone = pk_str(pk, s->contact_phone);
}

static void fill_order(packer_t *pk, orders_order_t *d, const orders_order_t *s)
{
    size_t ni = s->items != NULL ? s->item_count : 0;
    size_t ns = s->seller_statuses != NULL ? s->seller_count : 0;

    *d = *s;
    d->id = pk_str(pk, s->id);
    d->order_number = pk_str(pk, s->order_number);
    d->customer_id = pk_str(pk, s->customer_id);
    d->customer_name = pk_str(pk, s->customer_name);
    d->customer_email = pk_str(pk, s->customer_email);
    d->payment_ref = pk_str(pk, s->payment_ref);
    d->notes = pk_str(pk, s->notes);
    d->cancel_reason = pk_str(pk, s->cancel_reason);
    fill_address(pk, &d->shipping_address, &s->shipping_address);

    d->items = pk_array(pk, ni, sizeof *d->items);
    d->item_count = ni;
    for (size_t i = 0; i < ni; i++) {
        orders_order_item_t scratch;
        orders_order_item_t *it = d->items != NULL ? &d->items[i] : &scratch;
        const orders_order_item_t *si = &s->items[i];
        *it = *si;
        it->product_id = pk_str(pk, si->product_id);
        it->seller_id = pk_str(pk, si->seller_id);
        it->product_name = pk_str(pk, si->product_name);
        it->product_image = pk_str(pk, si->product_image);
    }

    d->seller_statuses = pk_array(pk, ns, sizeof *d->seller_statuses);
    d->seller_count = ns;
    for (size_t i = 0; i < ns; i++) {
        orders_seller_status_t scratch;
        orders_seller_status_t *st = d->seller_statuses != NULL ? &d->seller_statuses[i] : &scratch;
        const orders_seller_status_t *ss = &s->seller_statuses[i];
        *st = *ss;
        st->seller_id = pk_str(pk, ss->seller_id);
        st->notes = pk_str(pk, ss->notes);
        st->tracking_number = pk_str(pk, ss->tracking_number);
    }
}

static void fill_cart(packer_t *pk, orders_cart_t *d, const orders_cart_t *s)
{
    size_t n = s->items != NULL ? s->item_count : 0;

    *d = *s;
    d->block_end = NULL; /* a copy marks its own block (see pack.h) */
    d->id = pk_str(pk, s->id);
    d->customer_id = pk_str(pk, s->customer_id);
    d->items = pk_array(pk, n, sizeof *d->items);
    d->item_count = n;
    for (size_t i = 0; i < n; i++) {
        orders_cart_line_t scratch;
        orders_cart_line_t *l = d->items != NULL ? &d->items[i] : &scratch;
        const orders_cart_line_t *sl = &s->items[i];
        *l = *sl;
        l->product_id = pk_str(pk, sl->product_id);
        l->seller_id = pk_str(pk, sl->seller_id);
        l->product_name = pk_str(pk, sl->product_name);
        l->product_image = pk_str(pk, sl->product_image);
    }
}

static void fill_reservation(packer_t *pk, orders_reservation_t *d, const orders_reservation_t *s)
{
    size_t n = s->lines != NULL ? s->line_count : 0;

    *d = *s;
    d->id = pk_str(pk, s->id);
    d->order_id = pk_str(pk, s->order_id);
    d->customer_id = pk_str(pk, s->customer_id);
    d->lines = pk_array(pk, n, sizeof *d->lines);
    d->line_count = n;
    for (size_t i = 0; i < n; i++) {
        orders_reservation_line_t scratch;
        orders_reservation_line_t *l = d->lines != NULL ? &d->lines[i] : &scratch;
        *l = s->lines[i];
        l->product_id = pk_str(pk, s->lines[i].product_id);
        l->seller_id = pk_str(pk, s->lines[i].seller_id);
    }
}

static void fill_product(packer_t *pk, orders_product_t *d, const orders_product_t *s)
{
    *d = *s;
    d->block_end = NULL; /* a copy marks its own block (see pack.h) */
    d->id = pk_str(pk, s->id);
    d->seller_id = pk_str(pk, s->seller_id);
    d->name = pk_str(pk, s->name);
    d->image = pk_str(pk, s->image);
}

/* The records one step writes mostly repeat each other's strings (the order
 * id, a status, the order number, the actor) as the same pointers: a record
 * reuses the copy already in the block when its field is the previous
 * record's pointer (prev_s is NULL for the first record). */
#define STEP_STR(field)                                                                \
    d->field = prev_s != NULL && s->field == prev_s->field ? prev_d->field             \
                                                         : pk_str(pk, s->field)

static void fill_event(packer_t *pk, void *dst, const void *src, const void *prev_dst,
                       const void *prev_src)
{
    orders_event_t *d = dst;
    const orders_event_t *s = src, *prev_d = prev_dst, *prev_s = prev_src;
    *d = *s;
    d->id = pk_str(pk, s->id);
    STEP_STR(order_id);
    STEP_STR(recipient);
    STEP_STR(old_status);
    STEP_STR(new_status);
    STEP_STR(detail);
    d->last_error = pk_str(pk, s->last_error);
}

static void fill_history_step(packer_t *pk, void *dst, const void *src, const void *prev_dst,
                              const void *prev_src)
{
    orders_history_t *d = dst;
    const orders_history_t *s = src, *prev_d = prev_dst, *prev_s = prev_src;
    *d = *s;
    STEP_STR(order_id);
    STEP_STR(actor);
    STEP_STR(from_status);
    STEP_STR(to_status);
    STEP_STR(note);
}

#undef STEP_STR

/* ---- pack functions ----------------------------------------------------------------- */

/* Ready to measure; lens[] needs no zeroing (read only below nlen). */
static void pk_start(packer_t *pk)
{
    pk->measure = true;
    pk->overflow = false;
    pk->fixed_size = pk->string_size = 0;
    pk->fixed = pk->strings = NULL;
    pk->nlen = pk->ilen = 0;
}

#define PACK(type, fill)                                                              \
    {                                                                                 \
        packer_t pk;                                                                  \
        pk_start(&pk);                                                                \
        type scratch;                                                                 \
        fill(&pk, &scratch, src);                                                     \
        type *r = pk_alloc(&pk, head < sizeof *r ? sizeof *r : head, size);           \
        if (r != NULL)                                                                \
            fill(&pk, r, src);                                                        \
        return r;                                                                     \
    }

void *orders__pack_product(const orders_product_t *src, size_t head, size_t *size)
PACK(orders_product_t, fill_product)

void *orders__pack_cart(const orders_cart_t *src, size_t head, size_t *size)
PACK(orders_cart_t, fill_cart)

void *orders__pack_order(const orders_order_t *src, size_t head, size_t *size)
PACK(orders_order_t, fill_order)

void *orders__pack_reservation(const orders_reservation_t *src, size_t head, size_t *size)
PACK(orders_reservation_t, fill_reservation)

typedef void (*fill_step_fn)(packer_t *pk, void *dst, const void *src, const void *prev_dst,
                             const void *prev_src);

/* n records of rec bytes into one block: a zeroed header of head0 bytes,
 * n wrappers of head bytes each (zeroed past the record), then every array
 * and string. */
static void *pack_step(const void *const *src, size_t n, size_t head0, size_t head, size_t rec,
                       fill_step_fn fill, void **out)
{
    packer_t pk;
    union {
        orders_event_t e;
        orders_history_t h;
    } scratch;
    memset(&scratch, 0, sizeof scratch);
    pk_start(&pk);
    if (head < rec)
        head = rec;
    size_t stride = round_up(head, &pk.overflow);
    size_t first = round_up(head0, &pk.overflow);
    for (size_t i = 0; i < n; i++)
        fill(&pk, &scratch, src[i], &scratch, i > 0 ? src[i - 1] : NULL);
    if (n > (SIZE_MAX - first) / (stride ? stride : 1))
        return NULL;
    char *block = pk_alloc(&pk, first + n * stride, NULL);
    if (block == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        out[i] = block + first + i * stride;
        fill(&pk, out[i], src[i], i > 0 ? out[i - 1] : NULL, i > 0 ? src[i - 1] : NULL);
    }
    return block;
}

void *orders__pack_events(const orders_event_t *const *src, size_t n, size_t head0, size_t head,
                          void **out)
{
    return pack_step((const void *const *)src, n, head0, head, sizeof(orders_event_t), fill_event,
                     out);
}

void *orders__pack_histories(const orders_history_t *const *src, size_t n, size_t head0,
                             size_t head, void **out)
{
    return pack_step((const void *const *)src, n, head0, head, sizeof(orders_history_t),
                     fill_history_step, out);
}

/* ---- single-block copies the public *_copy functions return ---------------- */

bool orders__in_block(const void *record, const void *block_end, const void *member)
{
    return block_end && (const char *)member >= (const char *)record &&
           (const char *)member < (const char *)block_end;
}

orders_product_t *orders__product_pack(const orders_product_t *src)
{
    size_t size = 0;
    orders_product_t *p = orders__pack_product(src, sizeof *p, &size);
    if (p)
        p->block_end = (char *)p + size;
    return p;
}

orders_cart_t *orders__cart_pack(const orders_cart_t *src)
{
    size_t size = 0;
    orders_cart_t *c = orders__pack_cart(src, sizeof *c, &size);
    if (c)
        c->block_end = (char *)c + size;
    return c;
}
