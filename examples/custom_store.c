/*
 * custom_store.c - writing a storage backend.
 *
 * A store is a static const orders_store_vtable_t plus a userdata pointer.
 * This one, "counting", wraps another store (the built-in memory store) and
 * counts how often each operation is called: the pattern for adding
 * metrics, tracing or caching around any backend.  Because every member
 * delegates one call to one atomic operation of the inner store, the
 * wrapper keeps the inner store's atomicity contract unchanged.
 *
 * A store written from scratch must make each member one atomic step and
 * keep available + reserved + sold == stocked - adjusted at every instant;
 * run tests/conformance against it to prove it (docs/plugins.md).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <orders/orders.h>

typedef struct counting {
    const orders_store_vtable_t *inner;
    void *inner_ud;
    atomic_long places, updates, reads, other;
} counting_t;

#define INNER(s) ((counting_t *)(s))

/* The members this example counts separately, written out in full: */

static orders_code_t c_place(void *ud, const orders_place_tx_t *tx, orders_place_result_t *res,
                             orders_error_t *err)
{
    atomic_fetch_add(&INNER(ud)->places, 1);
    return INNER(ud)->inner->place(INNER(ud)->inner_ud, tx, res, err);
}

static orders_code_t c_order_update(void *ud, const orders_update_tx_t *tx, orders_error_t *err)
{
    atomic_fetch_add(&INNER(ud)->updates, 1);
    return INNER(ud)->inner->order_update(INNER(ud)->inner_ud, tx, err);
}

static orders_code_t c_order_get(void *ud, const char *id, orders_order_t **out,
                                 orders_error_t *err)
{
    atomic_fetch_add(&INNER(ud)->reads, 1);
    return INNER(ud)->inner->order_get(INNER(ud)->inner_ud, id, out, err);
}

/* Every other member forwards the same way; a macro keeps them short.
 * FORWARD(name, (params...), (args...)) defines c_<name>. */
#define FORWARD(name, params, args)                                   \
    static orders_code_t c_##name params                              \
    {                                                                 \
        atomic_fetch_add(&INNER(ud)->other, 1);                       \
        return INNER(ud)->inner->name args;                           \
    }

FORWARD(product_put, (void *ud, const orders_product_t *p, bool c, orders_error_t *e),
        (INNER(ud)->inner_ud, p, c, e))
FORWARD(product_get, (void *ud, const char *id, orders_product_t **o, orders_error_t *e),
        (INNER(ud)->inner_ud, id, o, e))
FORWARD(product_list, (void *ud, const char *s, int64_t off, int64_t lim, orders_product_list_t *o,
                       orders_error_t *e), (INNER(ud)->inner_ud, s, off, lim, o, e))
FORWARD(stock_get, (void *ud, const char *id, orders_stock_t *o, orders_error_t *e),
        (INNER(ud)->inner_ud, id, o, e))
FORWARD(stock_change, (void *ud, const char *id, orders_stock_op_t op, int64_t v, orders_stock_t *o,
                       orders_error_t *e), (INNER(ud)->inner_ud, id, op, v, o, e))
FORWARD(cart_get, (void *ud, const char *c, orders_cart_t **o, orders_error_t *e),
        (INNER(ud)->inner_ud, c, o, e))
FORWARD(cart_put, (void *ud, const orders_cart_t *c, int64_t v, orders_error_t *e),
        (INNER(ud)->inner_ud, c, v, e))
FORWARD(cart_purge, (void *ud, int64_t now, int64_t *n, orders_error_t *e),
        (INNER(ud)->inner_ud, now, n, e))
FORWARD(order_get_by_number, (void *ud, const char *n, orders_order_t **o, orders_error_t *e),
        (INNER(ud)->inner_ud, n, o, e))
FORWARD(order_list, (void *ud, const orders_order_filter_t *f, orders_order_list_t *o,
                     orders_error_t *e), (INNER(ud)->inner_ud, f, o, e))
FORWARD(order_scan, (void *ud, int64_t from, int64_t to, orders_order_visit_fn v, void *vu,
                     orders_error_t *e), (INNER(ud)->inner_ud, from, to, v, vu, e))
FORWARD(sequence_next, (void *ud, const char *n, int64_t *o, orders_error_t *e),
        (INNER(ud)->inner_ud, n, o, e))
FORWARD(reservation_create, (void *ud, const orders_reservation_t *r, orders_error_t *e),
        (INNER(ud)->inner_ud, r, e))
FORWARD(reservation_get, (void *ud, const char *id, orders_reservation_t **o, orders_error_t *e),
        (INNER(ud)->inner_ud, id, o, e))
FORWARD(reservation_settle, (void *ud, const char *id, orders_res_effect_t f, int64_t now,
                             orders_error_t *e), (INNER(ud)->inner_ud, id, f, now, e))
FORWARD(reservations_due, (void *ud, int64_t now, int64_t lim, orders_string_list_t *o,
                           orders_error_t *e), (INNER(ud)->inner_ud, now, lim, o, e))
FORWARD(reservation_counts, (void *ud, int64_t from, int64_t to, orders_res_counts_t *o,
                             orders_error_t *e), (INNER(ud)->inner_ud, from, to, o, e))
FORWARD(idem_get, (void *ud, const char *k, char *oid, char *h, orders_error_t *e),
        (INNER(ud)->inner_ud, k, oid, h, e))
FORWARD(wallet_apply, (void *ud, const char *c, const char *cur, int64_t d, const char *r,
                       int64_t now, int64_t *b, orders_error_t *e),
        (INNER(ud)->inner_ud, c, cur, d, r, now, b, e))
FORWARD(wallet_balance, (void *ud, const char *c, const char *cur, int64_t *b, orders_error_t *e),
        (INNER(ud)->inner_ud, c, cur, b, e))
FORWARD(outbox_fetch, (void *ud, int64_t now, int64_t lim, orders_event_list_t *o,
                       orders_error_t *e), (INNER(ud)->inner_ud, now, lim, o, e))
FORWARD(outbox_ack, (void *ud, const char *id, bool ok, bool dead, int64_t next, const char *why,
                     orders_error_t *e), (INNER(ud)->inner_ud, id, ok, dead, next, why, e))
FORWARD(outbox_counts, (void *ud, int64_t *p, int64_t *d, orders_error_t *e),
        (INNER(ud)->inner_ud, p, d, e))
FORWARD(history_list, (void *ud, const char *id, orders_history_list_t *o, orders_error_t *e),
        (INNER(ud)->inner_ud, id, o, e))
FORWARD(stat_add, (void *ud, const char *k, int64_t at, orders_error_t *e),
        (INNER(ud)->inner_ud, k, at, e))
FORWARD(stat_count, (void *ud, const char *k, int64_t from, int64_t to, int64_t *o,
                     orders_error_t *e), (INNER(ud)->inner_ud, k, from, to, o, e))
/* optional (version 2): the inner memory store has it */
FORWARD(products_read, (void *ud, const char *const *ids, size_t n, orders_product_avail_t *o,
                        orders_error_t *e), (INNER(ud)->inner_ud, ids, n, o, e))

/* optional (version 5): without it, dead letters cannot be re-queued */
FORWARD(outbox_requeue, (void *ud, const char *id, int64_t now, int64_t lim, int64_t *moved,
                         orders_error_t *e), (INNER(ud)->inner_ud, id, now, lim, moved, e))

static const orders_store_vtable_t counting_store = {
    .version = ORDERS_STORE_VERSION,
    .name = "counting",
    .product_put = c_product_put,
    .product_get = c_product_get,
    .product_list = c_product_list,
    .stock_get = c_stock_get,
    .stock_change = c_stock_change,
    .cart_get = c_cart_get,
    .cart_put = c_cart_put,
    .cart_purge = c_cart_purge,
    .place = c_place,
    .order_update = c_order_update,
    .order_get = c_order_get,
    .order_get_by_number = c_order_get_by_number,
    .order_list = c_order_list,
    .order_scan = c_order_scan,
    .sequence_next = c_sequence_next,
    .reservation_create = c_reservation_create,
    .reservation_get = c_reservation_get,
    .reservation_settle = c_reservation_settle,
    .reservations_due = c_reservations_due,
    .reservation_counts = c_reservation_counts,
    .idem_get = c_idem_get,
    .wallet_apply = c_wallet_apply,
    .wallet_balance = c_wallet_balance,
    .outbox_fetch = c_outbox_fetch,
    .outbox_ack = c_outbox_ack,
    .outbox_counts = c_outbox_counts,
    .history_list = c_history_list,
    .stat_add = c_stat_add,
    .stat_count = c_stat_count,
    .products_read = c_products_read,
    .outbox_requeue = c_outbox_requeue,
};

/* The context frees the userdata through this when it is destroyed. */
static void counting_free(void *ud)
{
    counting_t *c = ud;
    orders_store_memory_free(c->inner_ud);
    free(c);
}

int main(void)
{
    orders_error_t err = {0};
    counting_t *c = calloc(1, sizeof *c);
    if (!c || orders_store_memory_new(&c->inner_ud, &err))
        return 1;
    c->inner = orders_store_memory_vtable();

    orders_ctx_t *ctx = NULL;
    if (orders_ctx_new(NULL, &ctx, &err) ||
        orders_ctx_set_store(ctx, &counting_store, c, counting_free, &err)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return 1;
    }

    orders_product_t book = {.id = "book", .seller_id = "pages", .name = "Field guide",
                             .price = {2450, "EUR"}, .active = true};
    orders_identity_t who = {.id = "cust-3"};
    orders_address_t addr = {.address_line1 = "Kaiserstr. 1", .city = "Berlin", .state = "BE",
                             .country = "DE", .postal_code = "10115"};
    orders_place_request_t req = {.shipping_address = &addr, .payment_method = ORDERS_METHOD_COD};
    orders_order_t *o = NULL;
    if (orders_product_put(ctx, &book, true, NULL, &err) ||
        orders_stock_set(ctx, "book", 3, NULL, &err) ||
        orders_cart_add(ctx, "cust-3", "book", 2, ORDERS_ANY_VERSION, NULL, &err) ||
        orders_order_place(ctx, &who, &req, &o, &err)) {
        fprintf(stderr, "order: %s\n", err.message);
        return 1;
    }
    printf("order %s is %s\n", o->order_number, orders_status_name(o->status));
    printf("store calls: place %ld, order_update %ld, order_get %ld, other %ld\n",
           atomic_load(&c->places), atomic_load(&c->updates), atomic_load(&c->reads),
           atomic_load(&c->other));
    /* cash on delivery is accepted inside the placement step: one place, no update */
    int ok = o->status == ORDERS_STATUS_CONFIRMED && atomic_load(&c->places) == 1 &&
             atomic_load(&c->updates) == 0;
    orders_order_free(o);
    orders_ctx_destroy(ctx); /* calls counting_free */
    return ok ? 0 : 1;
}
