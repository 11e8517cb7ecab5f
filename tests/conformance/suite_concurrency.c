/*
 * suite_concurrency.c - operations raced from 8 threads: placements against
 * scarce stock, wallet debits, order updates of one version, settling one
 * reservation, and sequences.  When the backend can open a second handle on
 * the same data (conformance_reopen), odd threads use it.
 *
 * Worker threads never assert (Criterion asserts only from the test's own
 * thread): they record return codes, which the test checks after joining.
 */
#define _POSIX_C_SOURCE 200809L

#include "conformance/conformance.h"

#include <criterion/criterion.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8

static void *second_ud; /* from conformance_reopen, or NULL */

static void conc_setup(void)
{
    conf_setup();
    second_ud = conformance_reopen(conf_ud);
}

static void conc_teardown(void)
{
    if (second_ud)
        conformance_close(second_ud);
    second_ud = NULL;
    conf_teardown();
}

#define T(name) Test(concurrency, name, .init = conc_setup, .fini = conc_teardown)

/* The handle thread t uses. */
static void *handle(int t)
{
    return (t % 2 && second_ud) ? second_ud : conf_ud;
}

typedef void *(*worker_fn)(void *);

typedef struct worker {
    int index;
    void *ud;
    void *shared;
} worker_t;

static void run_threads(worker_fn fn, void *shared)
{
    pthread_t th[THREADS];
    worker_t w[THREADS];
    for (int t = 0; t < THREADS; t++) {
        w[t] = (worker_t){.index = t, .ud = handle(t), .shared = shared};
        cr_assert_eq(pthread_create(&th[t], NULL, fn, &w[t]), 0, "pthread_create");
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
}

/* ---- (a) placements racing for 10 units --------------------------------------- */

#define PLACE_ATTEMPTS 50

typedef struct place_race {
    conf_place_t *places;
    orders_code_t rc[PLACE_ATTEMPTS];
    atomic_int next;
    pthread_barrier_t start;
} place_race_t;

static void *place_worker(void *arg)
{
    worker_t *w = arg;
    place_race_t *s = w->shared;
    pthread_barrier_wait(&s->start);
    for (int guard = 0; guard < PLACE_ATTEMPTS; guard++) {
        int i = atomic_fetch_add(&s->next, 1);
        if (i >= PLACE_ATTEMPTS)
            break;
        s->rc[i] = conf_vt->place(w->ud, &s->places[i].tx, &s->places[i].result, NULL);
    }
    return NULL;
}

T(placements_never_oversell)
{
    conf_seed_product(conf_vt, conf_ud, "p", "s1", 10);
    const conf_line_t line[] = {{"p", "s1", 1, 100}};
    place_race_t *s = calloc(1, sizeof *s);
    s->places = calloc(PLACE_ATTEMPTS, sizeof *s->places);
    cr_assert(s && s->places, "out of memory");
    for (int i = 0; i < PLACE_ATTEMPTS; i++) {
        char cust[32], id[32], num[32];
        snprintf(cust, sizeof cust, "c%d", i);
        snprintf(id, sizeof id, "o%d", i);
        snprintf(num, sizeof num, "ORD%d", 1000 + i);
        conf_seed_cart(conf_vt, conf_ud, cust, line, 1, CONF_T0);
        conf_place_init(&s->places[i], id, num, cust, 1, line, 1, true, CONF_T0 + i);
        s->rc[i] = -1;
    }
    atomic_init(&s->next, 0);
    pthread_barrier_init(&s->start, NULL, THREADS);
    run_threads(place_worker, s);
    pthread_barrier_destroy(&s->start);

    int ok = 0, oos = 0;
    for (int i = 0; i < PLACE_ATTEMPTS; i++) {
        conf_place_t *p = &s->places[i];
        orders_code_t rc = s->rc[i];
        cr_assert(rc == ORDERS_OK || rc == ORDERS_E_OUT_OF_STOCK, "attempt %d: code %d", i, rc);
        orders_reservation_t *r = NULL;
        orders_code_t got = conf_vt->reservation_get(conf_ud, p->order->id, &r, NULL);
        orders_reservation_free(r);
        if (rc == ORDERS_OK) {
            ok++;
            cr_assert_eq(got, ORDERS_OK, "placed %s has no reservation", p->order->id);
            conf_assert_cart_at(conf_vt, conf_ud, p->order->customer_id, 2, 0);
        } else {
            oos++;
            cr_assert_str_eq(p->result.short_product_id, "p", "attempt %d short product %s", i,
                             p->result.short_product_id);
            cr_assert_eq(p->result.short_available, 0, "attempt %d short_available %lld", i,
                         (long long)p->result.short_available);
            cr_assert_eq(got, ORDERS_E_NOT_FOUND, "refused %s left a reservation", p->order->id);
            conf_assert_cart_at(conf_vt, conf_ud, p->order->customer_id, 1, 1);
        }
    }
    cr_assert_eq(ok, 10, "successful placements: expected 10, got %d", ok);
    cr_assert_eq(oos, PLACE_ATTEMPTS - 10, "out of stock: expected %d, got %d",
                 PLACE_ATTEMPTS - 10, oos);
    conf_assert_stock(conf_vt, conf_ud, "p", 0, 10, 0);
    int64_t pending = conf_outbox_pending(conf_vt, conf_ud);
    cr_assert_eq(pending, 10 * (int64_t)s->places[0].tx.event_count, "pending events %lld",
                 (long long)pending);
    orders_order_filter_t f = {.limit = 100};
    orders_order_list_t l = {0};
    cr_assert_eq(conf_vt->order_list(conf_ud, &f, &l, NULL), ORDERS_OK, "order_list");
    cr_assert_eq(l.total, 10, "orders stored: %lld", (long long)l.total);
    orders_order_list_clear(&l);
    for (int i = 0; i < PLACE_ATTEMPTS; i++)
        conf_place_free(&s->places[i]);
    free(s->places);
    free(s);
}

/* ---- (b) wallet debits ------------------------------------------------------------ */

#define DEBITS_PER_THREAD 50

typedef struct wallet_race {
    bool shared_refs;                           /* every thread applies the same refs */
    orders_code_t rc[THREADS][DEBITS_PER_THREAD];
    int64_t after[THREADS][DEBITS_PER_THREAD];
    pthread_barrier_t start;
} wallet_race_t;

static void *wallet_worker(void *arg)
{
    worker_t *w = arg;
    wallet_race_t *s = w->shared;
    pthread_barrier_wait(&s->start);
    for (int k = 0; k < DEBITS_PER_THREAD; k++) {
        char ref[32];
        snprintf(ref, sizeof ref, "d-%d-%d", s->shared_refs ? 0 : w->index, k);
        s->rc[w->index][k] = conf_vt->wallet_apply(w->ud, "c1", "USD", -3, ref, CONF_T0 + k,
                                                   &s->after[w->index][k], NULL);
    }
    return NULL;
}

static void wallet_race(bool shared_refs, int expect_ok, int64_t expect_balance)
{
    int64_t b = 0;
    cr_assert_eq(conf_vt->wallet_apply(conf_ud, "c1", "USD", 1000, "seed", CONF_T0, &b, NULL),
                 ORDERS_OK, "seed credit");
    wallet_race_t *s = calloc(1, sizeof *s);
    cr_assert_not_null(s, "out of memory");
    s->shared_refs = shared_refs;
    pthread_barrier_init(&s->start, NULL, THREADS);
    run_threads(wallet_worker, s);
    pthread_barrier_destroy(&s->start);
    int ok = 0;
    for (int t = 0; t < THREADS; t++)
        for (int k = 0; k < DEBITS_PER_THREAD; k++) {
            orders_code_t rc = s->rc[t][k];
            cr_assert(rc == ORDERS_OK || rc == ORDERS_E_INSUFFICIENT_FUNDS,
                      "debit %d/%d: code %d", t, k, rc);
            if (rc == ORDERS_OK) {
                ok++;
                cr_assert(s->after[t][k] >= 0, "balance went negative: %lld",
                          (long long)s->after[t][k]);
            }
        }
    int64_t final = -1;
    cr_assert_eq(conf_vt->wallet_balance(conf_ud, "c1", "USD", &final, NULL), ORDERS_OK, "bal");
    cr_assert_eq(final, expect_balance, "final balance: expected %lld, got %lld",
                 (long long)expect_balance, (long long)final);
    if (expect_ok >= 0)
        cr_assert_eq(ok, expect_ok, "successful debits: expected %d, got %d", expect_ok, ok);
    free(s);
}

T(wallet_debits_never_go_negative)
{
    /* 400 debits of 3 against 1000: exactly 333 fit, 1 is left */
    wallet_race(false, 333, 1);
}

T(wallet_debit_with_one_ref_applies_once)
{
    /* every ref tried by all 8 threads at once: 50 debits of 3 */
    wallet_race(true, -1, 1000 - DEBITS_PER_THREAD * 3);
}

/* ---- (c) order updates of one version ------------------------------------------------ */

#define ROUNDS 20

typedef struct update_race {
    conf_update_t u[ROUNDS][THREADS];
    orders_code_t rc[ROUNDS][THREADS];
    pthread_barrier_t round;
} update_race_t;

static void *update_worker(void *arg)
{
    worker_t *w = arg;
    update_race_t *s = w->shared;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_barrier_wait(&s->round);
        s->rc[r][w->index] = conf_vt->order_update(w->ud, &s->u[r][w->index].tx, NULL);
    }
    return NULL;
}

T(order_updates_of_one_version_have_one_winner)
{
    conf_seed_product(conf_vt, conf_ud, "p", "s1", 10);
    const conf_line_t line[] = {{"p", "s1", 2, 100}};
    conf_seed_cart(conf_vt, conf_ud, "c1", line, 1, CONF_T0);
    conf_place_t p;
    conf_place_init(&p, "o1", "ORD1", "c1", 1, line, 1, true, CONF_T0);
    cr_assert_eq(conf_vt->place(conf_ud, &p.tx, &p.result, NULL), ORDERS_OK, "place");

    update_race_t *s = calloc(1, sizeof *s);
    cr_assert_not_null(s, "out of memory");
    orders_order_t *base = orders_order_copy(p.order);
    cr_assert_not_null(base, "copy");
    for (int r = 0; r < ROUNDS; r++)
        for (int t = 0; t < THREADS; t++) {
            char tag[32];
            snprintf(tag, sizeof tag, "r%d-t%d", r, t);
            base->version = r + 1;
            /* round 0 confirms the reservation: it must move stock once */
            conf_update_init(&s->u[r][t], base, r ? ORDERS_STATUS_PROCESSING
                                                  : ORDERS_STATUS_CONFIRMED,
                             r ? ORDERS_RES_EFFECT_NONE : ORDERS_RES_EFFECT_CONFIRM,
                             CONF_T0 + 10 + r, tag);
        }
    pthread_barrier_init(&s->round, NULL, THREADS);
    run_threads(update_worker, s);
    pthread_barrier_destroy(&s->round);

    int last_winner = -1;
    for (int r = 0; r < ROUNDS; r++) {
        int wins = 0;
        for (int t = 0; t < THREADS; t++) {
            orders_code_t rc = s->rc[r][t];
            cr_assert(rc == ORDERS_OK || rc == ORDERS_E_CONFLICT, "round %d thread %d: code %d",
                      r, t, rc);
            if (rc == ORDERS_OK) {
                wins++;
                last_winner = t;
            }
        }
        cr_assert_eq(wins, 1, "round %d (expected version %d): %d winners", r, r + 1, wins);
    }
    orders_order_t *o = NULL;
    cr_assert_eq(conf_vt->order_get(conf_ud, "o1", &o, NULL), ORDERS_OK, "order_get");
    conf_assert_order_eq(s->u[ROUNDS - 1][last_winner].order, o);
    orders_order_free(o);
    conf_assert_stock(conf_vt, conf_ud, "p", 8, 0, 2);
    conf_assert_res_status(conf_vt, conf_ud, "o1", ORDERS_RES_CONFIRMED);
    size_t h = conf_history_count(conf_vt, conf_ud, "o1");
    cr_assert_eq(h, 1 + ROUNDS, "history: expected %d entries, got %zu", 1 + ROUNDS, h);
    int64_t pending = conf_outbox_pending(conf_vt, conf_ud);
    cr_assert_eq(pending, (int64_t)p.tx.event_count + ROUNDS, "pending events: %lld",
                 (long long)pending);
    for (int r = 0; r < ROUNDS; r++)
        for (int t = 0; t < THREADS; t++)
            conf_update_free(&s->u[r][t]);
    orders_order_free(base);
    free(s);
    conf_place_free(&p);
}

/* ---- (d) settling one reservation from many threads ------------------------------------ */

#define RESERVATIONS 20

typedef struct settle_race {
    orders_code_t rc[RESERVATIONS][THREADS];
    pthread_barrier_t start;
} settle_race_t;

static void *settle_worker(void *arg)
{
    worker_t *w = arg;
    settle_race_t *s = w->shared;
    pthread_barrier_wait(&s->start);
    for (int i = 0; i < RESERVATIONS; i++) {
        char id[32];
        snprintf(id, sizeof id, "x%d", i);
        orders_res_effect_t e = w->index % 2 ? ORDERS_RES_EFFECT_EXPIRE : ORDERS_RES_EFFECT_RELEASE;
        s->rc[i][w->index] = conf_vt->reservation_settle(w->ud, id, e,
                                                         CONF_T0 + CONF_RES_WINDOW, NULL);
    }
    return NULL;
}

T(settling_one_reservation_succeeds_once)
{
    conf_seed_product(conf_vt, conf_ud, "p", "s1", 100);
    const conf_line_t line[] = {{"p", "s1", 3, 100}};
    for (int i = 0; i < RESERVATIONS; i++) {
        char id[32];
        snprintf(id, sizeof id, "x%d", i);
        orders_reservation_t *r = conf_reservation_new(id, "c1", line, 1, true, CONF_T0);
        cr_assert_eq(conf_vt->reservation_create(conf_ud, r, NULL), ORDERS_OK, "create %s", id);
        orders_reservation_free(r);
    }
    conf_assert_stock(conf_vt, conf_ud, "p", 100 - 3 * RESERVATIONS, 3 * RESERVATIONS, 0);
    settle_race_t *s = calloc(1, sizeof *s);
    cr_assert_not_null(s, "out of memory");
    pthread_barrier_init(&s->start, NULL, THREADS);
    run_threads(settle_worker, s);
    pthread_barrier_destroy(&s->start);
    for (int i = 0; i < RESERVATIONS; i++) {
        int wins = 0;
        for (int t = 0; t < THREADS; t++) {
            cr_assert(s->rc[i][t] == ORDERS_OK || s->rc[i][t] == ORDERS_E_CONFLICT,
                      "x%d thread %d: code %d", i, t, s->rc[i][t]);
            wins += s->rc[i][t] == ORDERS_OK;
        }
        cr_assert_eq(wins, 1, "reservation x%d settled %d times", i, wins);
    }
    conf_assert_stock(conf_vt, conf_ud, "p", 100, 0, 0);
    free(s);
}

/* ---- (e) sequences ------------------------------------------------------------------ */

#define SEQ_PER_THREAD 100

typedef struct seq_race {
    int64_t v[THREADS][SEQ_PER_THREAD];
    orders_code_t rc[THREADS][SEQ_PER_THREAD];
    pthread_barrier_t start;
} seq_race_t;

static void *seq_worker(void *arg)
{
    worker_t *w = arg;
    seq_race_t *s = w->shared;
    pthread_barrier_wait(&s->start);
    for (int k = 0; k < SEQ_PER_THREAD; k++)
        s->rc[w->index][k] = conf_vt->sequence_next(w->ud, "order", &s->v[w->index][k], NULL);
    return NULL;
}

T(sequence_values_are_unique_and_dense)
{
    seq_race_t *s = calloc(1, sizeof *s);
    cr_assert_not_null(s, "out of memory");
    pthread_barrier_init(&s->start, NULL, THREADS);
    run_threads(seq_worker, s);
    pthread_barrier_destroy(&s->start);
    enum { N = THREADS * SEQ_PER_THREAD };
    bool seen[N + 1] = {false};
    for (int t = 0; t < THREADS; t++)
        for (int k = 0; k < SEQ_PER_THREAD; k++) {
            int64_t v = s->v[t][k];
            cr_assert_eq(s->rc[t][k], ORDERS_OK, "sequence_next: code %d", s->rc[t][k]);
            cr_assert(v >= 1 && v <= N, "value %lld outside 1..%d", (long long)v, N);
            cr_assert(!seen[v], "value %lld handed out twice", (long long)v);
            seen[v] = true;
            if (k > 0)
                cr_assert(v > s->v[t][k - 1], "values went down within one thread");
        }
    int64_t next = 0;
    cr_assert_eq(conf_vt->sequence_next(conf_ud, "order", &next, NULL), ORDERS_OK, "next");
    cr_assert_eq(next, N + 1, "after %d values: expected %d, got %lld", N, N + 1, (long long)next);
    free(s);
}
