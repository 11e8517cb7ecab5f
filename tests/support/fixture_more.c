/*
 * fixture_more.c - see fixture_more.h.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture_more.h"

orders_code_t fm_place_rc(fixture_t *f, const char *customer, orders_payment_method_t method,
                          bool defer_payment, orders_order_t **out, orders_error_t *err)
{
    orders_identity_t who = {.id = customer, .name = "Ada", .email = "ada@example.com"};
    orders_place_request_t req = {.shipping_address = fix_address(),
                                  .payment_method = method,
                                  .defer_payment = defer_payment};
    return orders_order_place(f->ctx, &who, &req, out, err);
}

orders_order_t *fm_order(fixture_t *f, const char *customer, const char *product, int64_t qty,
                         orders_payment_method_t method, bool defer_payment)
{
    orders_error_t err = {0};
    orders_order_t *o = NULL;
    fix_add(f, customer, product, qty);
    cr_assert_eq(fm_place_rc(f, customer, method, defer_payment, &o, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_not_null(o);
    return o;
}

orders_order_t *fm_get(fixture_t *f, const char *id)
{
    orders_error_t err = {0};
    orders_order_t *o = NULL;
    cr_assert_eq(orders_order_get(f->ctx, id, NULL, &o, &err), ORDERS_OK, "%s", err.message);
    cr_assert_not_null(o);
    return o;
}

orders_reservation_status_t fm_res_status(fixture_t *f, const char *order_id)
{
    orders_error_t err = {0};
    orders_reservation_t *r = NULL;
    cr_assert_eq(orders_reservation_get(f->ctx, order_id, &r, &err), ORDERS_OK, "%s", err.message);
    cr_assert_not_null(r);
    orders_reservation_status_t st = r->status;
    orders_reservation_free(r);
    return st;
}

void fm_assert_stock(fixture_t *f, const char *product_id, int64_t available, int64_t reserved,
                     int64_t sold)
{
    orders_stock_t st = fix_stock(f, product_id);
    cr_assert_eq(st.available, available, "%s available: expected %lld, got %lld", product_id,
                 (long long)available, (long long)st.available);
    cr_assert_eq(st.reserved, reserved, "%s reserved: expected %lld, got %lld", product_id,
                 (long long)reserved, (long long)st.reserved);
    cr_assert_eq(st.sold, sold, "%s sold: expected %lld, got %lld", product_id, (long long)sold,
                 (long long)st.sold);
    fix_assert_invariant(f, product_id);
}

void fm_credit(fixture_t *f, const char *customer, int64_t amount, const char *ref)
{
    orders_error_t err = {0};
    orders_money_t m = {amount, "USD"};
    cr_assert_eq(orders_wallet_credit(f->ctx, customer, &m, ref, NULL, &err), ORDERS_OK, "%s",
                 err.message);
}

int64_t fm_balance(fixture_t *f, const char *customer)
{
    orders_error_t err = {0};
    int64_t b = -1;
    cr_assert_eq(orders_wallet_balance(f->ctx, customer, "USD", &b, &err), ORDERS_OK, "%s",
                 err.message);
    return b;
}

orders_order_t *fm_move(fixture_t *f, const char *id, orders_status_t to)
{
    orders_error_t err = {0};
    orders_order_t *o = NULL;
    cr_assert_eq(orders_order_set_status(f->ctx, id, to, "admin", NULL, ORDERS_ANY_VERSION, &o,
                                         &err),
                 ORDERS_OK, "-> %s: %s", orders_status_name(to), err.message);
    cr_assert_not_null(o);
    cr_assert_eq(o->status, to);
    return o;
}

/* ---- recording notifier ---- */

static orders_code_t record(void *ud, const orders_event_t *e)
{
    fm_events_t *ev = ud;
    if (ev->calls < 64)
        ev->attempts_seen[ev->calls] = e->attempts;
    ev->calls++;
    if (ev->fail_left > 0) {
        ev->fail_left--;
        return ev->fail_code ? ev->fail_code : ORDERS_E_UNAVAILABLE;
    }
    if (ev->count == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 16;
        orders_event_t **items = realloc(ev->items, cap * sizeof *items);
        if (!items)
            return ORDERS_E_NOMEM;
        ev->items = items;
        ev->cap = cap;
    }
    orders_event_t *copy = orders_event_copy(e);
    if (!copy)
        return ORDERS_E_NOMEM;
    ev->items[ev->count++] = copy;
    return ORDERS_OK;
}

void fm_notifier(fixture_t *f, fm_events_t *ev)
{
    orders_error_t err = {0};
    void *ud = orders_notifier_callback_new(record, ev);
    cr_assert_not_null(ud);
    cr_assert_eq(orders_ctx_set_notifier(f->ctx, orders_notifier_callback_vtable(), ud,
                                         orders_notifier_callback_free, &err),
                 ORDERS_OK, "%s", err.message);
}

void fm_events_free(fm_events_t *ev)
{
    for (size_t i = 0; i < ev->count; i++)
        orders_event_free(ev->items[i]);
    free(ev->items);
    memset(ev, 0, sizeof *ev);
}

void fm_dispatch_all(fixture_t *f)
{
    orders_error_t err = {0};
    for (int i = 0; i < 100; i++) {
        int64_t delivered = 0, failed = 0;
        cr_assert_eq(orders_outbox_dispatch(f->ctx, 1000, &delivered, &failed, &err), ORDERS_OK,
                     "%s", err.message);
        if (delivered + failed == 0)
            return;
    }
    cr_assert_fail("outbox never drained");
}

size_t fm_count(const fm_events_t *ev, orders_event_type_t type, const char *order_id)
{
    size_t n = 0;
    for (size_t i = 0; i < ev->count; i++)
        if (ev->items[i]->type == type &&
            (!order_id || (ev->items[i]->order_id && strcmp(ev->items[i]->order_id, order_id) == 0)))
            n++;
    return n;
}

const orders_event_t *fm_find(const fm_events_t *ev, orders_event_type_t type,
                              const char *order_id, size_t nth)
{
    for (size_t i = 0; i < ev->count; i++)
        if (ev->items[i]->type == type &&
            (!order_id || (ev->items[i]->order_id && strcmp(ev->items[i]->order_id, order_id) == 0)) &&
            nth-- == 0)
            return ev->items[i];
    return NULL;
}

/* ---- racing refunds ---- */

typedef struct racer {
    orders_ctx_t *ctx;
    const char *id;
    int64_t amount;
    pthread_barrier_t *go;
    orders_code_t rc;
} racer_t;

static void *race_refund(void *arg)
{
    racer_t *r = arg;
    pthread_barrier_wait(r->go);
    r->rc = orders_order_refund(r->ctx, r->id, r->amount, "race", "admin", NULL, NULL);
    return NULL;
}

int fm_race_refunds(fixture_t *f, const char *id, int64_t amount, int threads)
{
    pthread_t t[16];
    racer_t r[16];
    pthread_barrier_t go;
    cr_assert(threads >= 1 && threads <= 16);
    pthread_barrier_init(&go, NULL, (unsigned)threads);
    for (int i = 0; i < threads; i++) {
        r[i] = (racer_t){.ctx = f->ctx, .id = id, .amount = amount, .go = &go, .rc = -1};
        cr_assert_eq(pthread_create(&t[i], NULL, race_refund, &r[i]), 0);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
    int ok = 0;
    for (int i = 0; i < threads; i++) {
        ok += r[i].rc == ORDERS_OK;
        cr_assert(r[i].rc == ORDERS_OK || r[i].rc == ORDERS_E_CONFLICT || r[i].rc == ORDERS_E_INVALID,
                  "racer %d got %d", i, r[i].rc);
    }
    return ok;
}
