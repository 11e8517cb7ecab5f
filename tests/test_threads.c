/*
 * test_threads.c - one orders_ctx_t shared by many threads: no oversell,
 * no lost cart update, and expiry racing late payments.
 *
 * Worker threads never assert (Criterion asserts belong to the test's own
 * thread): they record what happened and the test checks it after join.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "support/fixture_more.h"

#define THREADS 8

static fixture_t f;

static void setup(void)
{
    fix_open(&f, NULL);
}

static void teardown(void)
{
    fix_close(&f);
}

/* ---- (a) 50 placements for 10 units ---- */

#define ATTEMPTS 50

typedef struct placer {
    fixture_t *f;
    int thread;
    pthread_barrier_t *go;
    orders_code_t rc[ATTEMPTS];
} placer_t;

static void customer_name(char *buf, size_t len, int attempt)
{
    snprintf(buf, len, "t%d-c%02d", attempt % THREADS, attempt);
}

static void *place_many(void *arg)
{
    placer_t *p = arg;
    pthread_barrier_wait(p->go);
    for (int a = p->thread; a < ATTEMPTS; a += THREADS) {
        char cust[32];
        customer_name(cust, sizeof cust, a);
        orders_order_t *o = NULL;
        p->rc[a] = fm_place_rc(p->f, cust, ORDERS_METHOD_COD, false, &o, NULL);
        if (p->rc[a] == ORDERS_OK && (!o || o->status != ORDERS_STATUS_CONFIRMED))
            p->rc[a] = ORDERS_E_BACKEND; /* reported below as a wrong result */
        orders_order_free(o);
    }
    return NULL;
}

Test(threads, no_oversell_ten_units_fifty_attempts, .init = setup, .fini = teardown)
{
    fix_product(&f, "hot", "s1", 1500, 10);
    for (int a = 0; a < ATTEMPTS; a++) {
        char cust[32];
        customer_name(cust, sizeof cust, a);
        fix_add(&f, cust, "hot", 1); /* every cart is valid while stock lasts */
    }
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, THREADS);
    static placer_t p[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&p[i], 0xff, sizeof p[i].rc);
        p[i].f = &f;
        p[i].thread = i;
        p[i].go = &go;
        cr_assert_eq(pthread_create(&t[i], NULL, place_many, &p[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);

    int ok = 0, out = 0;
    for (int a = 0; a < ATTEMPTS; a++) {
        orders_code_t rc = p[a % THREADS].rc[a];
        if (rc == ORDERS_OK)
            ok++;
        else if (rc == ORDERS_E_OUT_OF_STOCK)
            out++;
        else
            cr_assert_fail("attempt %d gave %d", a, rc);
    }
    cr_assert_eq(ok, 10, "%d orders succeeded for 10 units", ok);
    cr_assert_eq(out, 40);
    fm_assert_stock(&f, "hot", 0, 0, 10);

    orders_order_list_t l = {0};
    orders_list_query_t q = {.page = 1, .limit = 100};
    orders_error_t err = {0};
    cr_assert_eq(orders_order_list(f.ctx, &q, &l, &err), ORDERS_OK);
    cr_assert_eq(l.total, 10);
    orders_order_list_clear(&l);

    /* refused customers keep their carts; served ones have empty carts */
    for (int a = 0; a < ATTEMPTS; a++) {
        char cust[32];
        customer_name(cust, sizeof cust, a);
        orders_cart_t *c = NULL;
        cr_assert_eq(orders_cart_get(f.ctx, cust, &c, &err), ORDERS_OK);
        size_t want = p[a % THREADS].rc[a] == ORDERS_OK ? 0 : 1;
        cr_assert_eq(c->item_count, want, "%s cart has %zu lines", cust, c->item_count);
        orders_cart_free(c);
    }
}

/* ---- (b) concurrent adds to one cart ---- */

#define ADDS 20

typedef struct adder {
    orders_ctx_t *ctx;
    int thread;
    pthread_barrier_t *go;
    int ok, failed;
    orders_code_t last_error;
} adder_t;

static void *add_many(void *arg)
{
    adder_t *a = arg;
    pthread_barrier_wait(a->go);
    for (int i = 0; i < ADDS; i++) {
        const char *product = i % 2 ? "pa" : "pb";
        orders_code_t rc = orders_cart_add(a->ctx, "shared", product, a->thread + 1,
                                           ORDERS_ANY_VERSION, NULL, NULL);
        if (rc == ORDERS_OK)
            a->ok++;
        else
            a->failed++, a->last_error = rc;
    }
    return NULL;
}

Test(threads, concurrent_cart_adds_lose_nothing, .init = setup, .fini = teardown)
{
    fix_product(&f, "pa", "s1", 100, 100000);
    fix_product(&f, "pb", "s2", 200, 100000);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, THREADS);
    adder_t a[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        a[i] = (adder_t){.ctx = f.ctx, .thread = i, .go = &go};
        cr_assert_eq(pthread_create(&t[i], NULL, add_many, &a[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);

    int64_t want_each = 0; /* per product: sum over threads of (t+1) * ADDS/2 */
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_eq(a[i].failed, 0, "thread %d: %d adds failed (last code %d)", i, a[i].failed,
                     a[i].last_error);
        ok += a[i].ok;
        want_each += (int64_t)(i + 1) * (ADDS / 2);
    }
    orders_cart_t *c = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_cart_get(f.ctx, "shared", &c, &err), ORDERS_OK);
    cr_assert_eq(c->item_count, 2);
    for (size_t i = 0; i < c->item_count; i++)
        cr_assert_eq(c->items[i].quantity, want_each, "%s: %lld, expected %lld",
                     c->items[i].product_id, (long long)c->items[i].quantity, (long long)want_each);
    cr_assert_eq(c->total_items, 2 * want_each);
    cr_assert_eq(c->total_amount.amount, want_each * 100 + want_each * 200);
    cr_assert_eq(c->version, ok, "version %lld after %d changes", (long long)c->version, ok);
    orders_cart_free(c);
}

/* ---- (c) the sweep racing late payments ---- */

#define RACE_ORDERS 40

typedef struct race {
    orders_ctx_t *ctx;
    char ids[RACE_ORDERS][ORDERS_ID_MAX + 1];
    char refs[RACE_ORDERS][ORDERS_ID_MAX + 1];
    pthread_barrier_t go;
    int64_t sweep_now;
    int64_t expired;
    orders_code_t sweep_rc;
} race_t;

typedef struct payer {
    race_t *r;
    int thread, nthreads;
    orders_code_t rc[RACE_ORDERS];
} payer_t;

static void *pay_late(void *arg)
{
    payer_t *p = arg;
    pthread_barrier_wait(&p->r->go);
    /* from the last order backwards, while the sweep starts at the first:
     * the two meet somewhere in the middle */
    for (int i = RACE_ORDERS - 1 - p->thread; i >= 0; i -= p->nthreads)
        p->rc[i] = orders_payment_complete(p->r->ctx, p->r->ids[i], true, p->r->refs[i], NULL, NULL);
    return NULL;
}

static void *sweep_now(void *arg)
{
    race_t *r = arg;
    pthread_barrier_wait(&r->go);
    r->expired = 0;
    r->sweep_rc = ORDERS_OK;
    for (int round = 0; round < 3 && r->sweep_rc == ORDERS_OK; round++) {
        int64_t n = 0;
        r->sweep_rc = orders_reservations_expire(r->ctx, r->sweep_now, &n, NULL);
        r->expired += n;
    }
    return NULL;
}

Test(threads, sweep_races_payments, .init = setup, .fini = teardown)
{
    fix_product(&f, "p", "s1", 700, 1000);
    static race_t r;
    memset(&r, 0, sizeof r);
    r.ctx = f.ctx;
    orders_error_t err = {0};
    for (int i = 0; i < RACE_ORDERS; i++) {
        char cust[32];
        snprintf(cust, sizeof cust, "c%02d", i);
        cr_assert_eq(orders_gateway_test_script(f.test_gateway, ORDERS_TEST_PENDING, &err), ORDERS_OK);
        orders_order_t *o = fm_order(&f, cust, "p", 2, ORDERS_METHOD_ONLINE, false);
        cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
        cr_assert_not_null(o->payment_ref);
        snprintf(r.ids[i], sizeof r.ids[i], "%s", o->id);
        snprintf(r.refs[i], sizeof r.refs[i], "%s", o->payment_ref);
        /* the customer paid: the gateway holds the money */
        cr_assert_eq(orders_gateway_test_settle(f.test_gateway, o->payment_ref, true, &err), ORDERS_OK);
        orders_order_free(o);
    }
    fm_assert_stock(&f, "p", 1000 - 2 * RACE_ORDERS, 2 * RACE_ORDERS, 0);

    /* payments arrive just before the deadline by the context's clock,
     * while a sweeper runs with a "now" just after it: either may win */
    fix_advance(&f, 30 * FIX_MINUTE - 1);
    r.sweep_now = FIX_T0 + 30 * FIX_MINUTE;
    const int payers = THREADS - 1;
    pthread_barrier_init(&r.go, NULL, (unsigned)payers + 1);
    static payer_t p[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < payers; i++) {
        p[i] = (payer_t){.r = &r, .thread = i, .nthreads = payers};
        cr_assert_eq(pthread_create(&t[i], NULL, pay_late, &p[i]), 0);
    }
    cr_assert_eq(pthread_create(&t[payers], NULL, sweep_now, &r), 0);
    for (int i = 0; i <= payers; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&r.go);
    cr_assert_eq(r.sweep_rc, ORDERS_OK);

    int confirmed = 0, cancelled = 0;
    for (int i = 0; i < RACE_ORDERS; i++) {
        orders_code_t prc = p[(RACE_ORDERS - 1 - i) % payers].rc[i];
        orders_order_t *o = fm_get(&f, r.ids[i]);
        orders_reservation_status_t rs = fm_res_status(&f, r.ids[i]);
        int64_t held = orders_gateway_test_balance(f.test_gateway, r.refs[i]);
        if (o->status == ORDERS_STATUS_CONFIRMED) {
            confirmed++;
            cr_assert_eq(prc, ORDERS_OK, "order %d confirmed but the payer got %d", i, prc);
            cr_assert_eq(o->payment_status, ORDERS_PAYMENT_PAID);
            cr_assert_eq(o->cancelled_at, 0);
            cr_assert_null(o->cancel_reason);
            cr_assert_eq(rs, ORDERS_RES_CONFIRMED);
            cr_assert_eq(held, 1400, "a confirmed order's payment was touched");
        } else {
            cancelled++;
            cr_assert_eq(o->status, ORDERS_STATUS_CANCELLED, "order %d ended %s", i,
                         orders_status_name(o->status));
            cr_assert_str_eq(o->cancel_reason, "reservation expired");
            cr_assert_eq(o->confirmed_at, 0, "order %d was confirmed and cancelled", i);
            cr_assert_neq(o->payment_status, ORDERS_PAYMENT_PAID);
            cr_assert_eq(rs, ORDERS_RES_EXPIRED);
            cr_assert_eq(held, 0, "order %d: the late payment was not refunded", i);
        }
        orders_order_free(o);
    }
    cr_assert_eq(confirmed + cancelled, RACE_ORDERS);
    cr_assert_eq(r.expired, cancelled, "sweeper expired %lld, %d orders cancelled",
                 (long long)r.expired, cancelled);
    fm_assert_stock(&f, "p", 1000 - 2 * confirmed, 0, 2 * confirmed);
    cr_log_info("sweep race: %d confirmed, %d cancelled", confirmed, cancelled);
}
