/*
 * test_sqlite_handover.c - the group-commit leader hand-over (store/sqlite
 * group.c) when a writer is preempted right after it queued its write.
 *
 * The hang it guards against: a writer W queues its write behind a running
 * batch (it is then the head of the queue) and releases group_lock; before
 * W looks at its own `lead` flag, the leader finishes, picks W as the next
 * leader and sets W's `lead`.  group.c used to read that flag there (no
 * lock) to decide whether W had been made leader *at enqueue time*: W then
 * skipped both the wait and taking the queue, ran an empty batch, returned
 * ORDERS_OK for a write never run, and left itself (a dead stack frame) at
 * the head of the queue with `leading` set: every later writer queued
 * behind it and slept forever (orders-growth-seed, 8 threads, ~320k orders).
 *
 * Preemption at that instruction is rare, so the test makes it all but
 * certain: the binary is linked with --wrap=pthread_mutex_unlock
 * (tests/CMakeLists.txt), and the one "slow" writer sleeps SLOW_US after
 * each mutex it unlocks in liborders code (SQLite is a shared library: its
 * own locks are not wrapped), as if the scheduler took its CPU there.  The
 * fast writers keep a batch running nearly all the time, so the slow writer
 * queues behind one within its first few writes.
 *
 * Checks: every write returns, within WATCHDOG_MS (a hang fails the test,
 * it does not block it); each returned ORDERS_OK; and each customer's cart
 * holds exactly the units of the adds reported done (a write reported done
 * but never run shows there).  Worker threads never assert.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/sqlite_tmp.h"

#define FAST_WRITERS 3
#define SLOW_ADDS 40        /* the slow writer's cart adds */
#define FAST_ADDS_MAX 4000  /* a bound per fast writer, should the slow one hang */
#define ADDS_PER_CART 500   /* a writer's next cart after that many (a line holds 1000) */
#define CARTS (FAST_ADDS_MAX / ADDS_PER_CART)
#define SLOW_US 500         /* the slow writer's pause after each unlock */
#define WATCHDOG_MS 15000

/* ---- the unlock wrapper ---- */

int __real_pthread_mutex_unlock(pthread_mutex_t *m);
int __wrap_pthread_mutex_unlock(pthread_mutex_t *m);

static _Thread_local bool slow_thread;

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    int rc = __real_pthread_mutex_unlock(m);
    if (slow_thread) {
        struct timespec pause = {0, SLOW_US * 1000L};
        nanosleep(&pause, NULL);
    }
    return rc;
}

/* ---- the writers ---- */

static sqlt_db_t DB;
static orders_ctx_t *CTX;
static bool hung; /* set by the test thread: the writers are stuck, leave the context */

typedef struct writer {
    int id;
    bool slow;
    atomic_bool *slow_done;
    int added;              /* adds that returned ORDERS_OK ... */
    int added_to[CARTS];    /* ... to each of its carts */
    int failed;             /* adds that returned anything else */
    orders_error_t first;   /* the first failure */
    atomic_bool finished;
} writer_t;

static void customer_of(const writer_t *w, int cart, char out[32])
{
    snprintf(out, 32, "hand-%d-%d", w->id, cart);
}

static void *write_loop(void *arg)
{
    writer_t *w = arg;
    slow_thread = w->slow;
    int bound = w->slow ? SLOW_ADDS : FAST_ADDS_MAX;
    for (int i = 0; i < bound && (w->slow || !atomic_load(w->slow_done)); i++) {
        char cust[32];
        customer_of(w, i / ADDS_PER_CART, cust);
        orders_error_t err = {0};
        if (orders_cart_add(CTX, cust, "p", 1, ORDERS_ANY_VERSION, NULL, &err) == ORDERS_OK) {
            w->added++;
            w->added_to[i / ADDS_PER_CART]++;
        } else if (w->failed++ == 0)
            w->first = err;
    }
    if (w->slow)
        atomic_store(w->slow_done, true);
    atomic_store(&w->finished, true);
    return NULL;
}

static void setup(void)
{
    sqlt_db_init(&DB, "handover");
    CTX = sqlt_ctx_with_product(&DB, 1000000); /* short batches, many hand-overs */
}

static void teardown(void)
{
    if (hung)
        return; /* threads still sleep in the store: destroying it would be worse */
    orders_ctx_destroy(CTX);
    cr_expect(sqlt_db_remove(&DB), "the temp directory was left behind");
}

TestSuite(sqlite_handover, .init = setup, .fini = teardown, .timeout = 60);

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to WATCHDOG_MS for every writer to finish; the number still running. */
static int wait_all(writer_t *w, int n)
{
    int64_t deadline = now_ms() + WATCHDOG_MS;
    for (;;) {
        int running = 0;
        for (int i = 0; i < n; i++)
            running += !atomic_load(&w[i].finished);
        if (running == 0 || now_ms() >= deadline)
            return running;
        struct timespec tick = {0, 10 * 1000000L};
        nanosleep(&tick, NULL);
    }
}

/* Asserts that each of w's carts holds the units of the adds reported done. */
static void assert_carts(const writer_t *w)
{
    for (int k = 0; k < CARTS; k++) {
        char cust[32];
        customer_of(w, k, cust);
        orders_cart_t *c = NULL;
        orders_error_t err = {0};
        cr_assert_eq(orders_cart_get(CTX, cust, &c, &err), ORDERS_OK, "%s", err.message);
        int64_t units = c->total_items;
        orders_cart_free(c);
        cr_assert_eq(units, w->added_to[k],
                     "writer %d, cart %d: %lld units after %d adds reported done", w->id, k,
                     (long long)units, w->added_to[k]);
    }
}

Test(sqlite_handover, a_writer_preempted_after_queueing_still_leads_or_is_served)
{
    enum { N = FAST_WRITERS + 1 };
    writer_t w[N];
    pthread_t tid[N];
    atomic_bool slow_done = false;
    for (int i = 0; i < N; i++) {
        w[i] = (writer_t){.id = i, .slow = i == 0, .slow_done = &slow_done};
        atomic_init(&w[i].finished, false);
        cr_assert_eq(pthread_create(&tid[i], NULL, write_loop, &w[i]), 0);
    }
    int running = wait_all(w, N);
    if (running > 0) {
        hung = true;
        cr_assert_fail("group commit hung: %d of %d writers never returned (slow writer: "
                       "%d of %d adds done)",
                       running, N, w[0].added, SLOW_ADDS);
    }
    int total = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(tid[i], NULL);
        cr_assert_eq(w[i].failed, 0, "writer %d: %d adds failed, the first: %s", i,
                     w[i].failed, w[i].first.message);
        assert_carts(&w[i]);
        total += w[i].added;
    }
    cr_assert_eq(w[0].added, SLOW_ADDS);
    fprintf(stderr, "hand-over: %d adds, %d by the slow writer\n", total, w[0].added);
}
