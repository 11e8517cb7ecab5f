/*
 * test_outbox_threads.c - the outbox under concurrency: threads place and
 * cancel orders while another thread dispatches (and some deliveries fail
 * and are retried).  Every event is delivered exactly once, named after its
 * order step, and nothing is left pending or dead.
 *
 * Worker threads never assert (Criterion asserts belong to the test's own
 * thread): they count what went wrong and the test checks it after join.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/fixture_more.h"

#define PLACERS 6
#define ORDERS_PER_THREAD 120
#define CANCEL_EVERY 3            /* every third order is cancelled at once */
#define DISPATCH_TIME_LIMIT_S 60  /* bound on the dispatcher's loop */

static fixture_t f;

/* What the notifier saw; guarded by lock. */
static struct {
    pthread_mutex_t lock;
    char **ids;
    size_t count, cap;
    int failed_on_purpose;
    int misnamed;     /* ids not of the form ORDERID:VERSION.INDEX of their order */
    int out_of_memory;
} seen = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Fails the first attempt of about one event in seven (by id). */
static bool fail_first_attempt(const orders_event_t *e)
{
    unsigned h = 0;
    for (const char *p = e->id; *p; p++)
        h = h * 31 + (unsigned char)*p;
    return e->attempts == 0 && h % 7 == 0;
}

/* Is id "ORDERID:VERSION.INDEX" with ORDERID the event's order? */
static bool named_after_order(const orders_event_t *e)
{
    size_t n = strlen(e->order_id);
    const char *p = e->id + n;
    if (strncmp(e->id, e->order_id, n) != 0 || *p++ != ':')
        return false;
    char *end;
    if (strtol(p, &end, 10) < 1 || *end != '.')
        return false;
    p = end + 1;
    strtol(p, &end, 10);
    return end != p && *end == '\0';
}

static orders_code_t record(void *ud, const orders_event_t *e)
{
    (void)ud;
    orders_code_t rc = ORDERS_OK;
    pthread_mutex_lock(&seen.lock);
    if (fail_first_attempt(e)) {
        seen.failed_on_purpose++;
        rc = ORDERS_E_UNAVAILABLE;
    } else {
        if (!named_after_order(e))
            seen.misnamed++;
        if (seen.count == seen.cap) {
            size_t cap = seen.cap ? seen.cap * 2 : 1024;
            char **ids = realloc(seen.ids, cap * sizeof *ids);
            if (ids == NULL) {
                seen.out_of_memory++;
                pthread_mutex_unlock(&seen.lock);
                return ORDERS_E_NOMEM;
            }
            seen.ids = ids;
            seen.cap = cap;
        }
        if ((seen.ids[seen.count] = strdup(e->id)) == NULL)
            seen.out_of_memory++;
        else
            seen.count++;
    }
    pthread_mutex_unlock(&seen.lock);
    return rc;
}

static void setup(void)
{
    fix_open(&f, NULL);
    fix_product(&f, "p1", "s1", 1500, 1000000);
    fix_product(&f, "p2", "s2", 2500, 1000000);
    orders_error_t err = {0};
    void *ud = orders_notifier_callback_new(record, NULL);
    cr_assert_not_null(ud);
    cr_assert_eq(orders_ctx_set_notifier(f.ctx, orders_notifier_callback_vtable(), ud,
                                         orders_notifier_callback_free, &err),
                 ORDERS_OK, "%s", err.message);
}

static void teardown(void)
{
    fix_close(&f);
    for (size_t i = 0; i < seen.count; i++)
        free(seen.ids[i]);
    free(seen.ids);
}

typedef struct placer {
    int thread;
    pthread_barrier_t *go;
    int placed, cancelled, errors;
    char last_error[ORDERS_ERROR_MESSAGE_MAX];
} placer_t;

static atomic_bool placing_done;

static void *place_and_cancel(void *arg)
{
    placer_t *p = arg;
    orders_address_t addr = *fix_address();
    orders_place_request_t req = {.shipping_address = &addr, .payment_method = ORDERS_METHOD_COD};
    pthread_barrier_wait(p->go);
    for (int i = 0; i < ORDERS_PER_THREAD; i++) {
        char cust[32];
        snprintf(cust, sizeof cust, "t%d-c%03d", p->thread, i);
        orders_identity_t who = {.id = cust, .name = "Ada", .email = "ada@example.com"};
        orders_error_t err = {0};
        orders_order_t *o = NULL;
        if (orders_cart_add(f.ctx, cust, "p1", 1, ORDERS_ANY_VERSION, NULL, &err) ||
            orders_cart_add(f.ctx, cust, "p2", 2, ORDERS_ANY_VERSION, NULL, &err) ||
            orders_order_place(f.ctx, &who, &req, &o, &err)) {
            p->errors++;
            snprintf(p->last_error, sizeof p->last_error, "%s", err.message);
            continue;
        }
        p->placed++;
        if (i % CANCEL_EVERY == 0) {
            if (orders_order_cancel(f.ctx, o->id, cust, "customer", NULL, NULL, &err)) {
                p->errors++;
                snprintf(p->last_error, sizeof p->last_error, "%s", err.message);
            } else {
                p->cancelled++;
            }
        }
        orders_order_free(o);
    }
    return NULL;
}

typedef struct dispatcher {
    int64_t delivered, failed;
    int errors;
    char last_error[ORDERS_ERROR_MESSAGE_MAX];
} dispatcher_t;

static void *dispatch_until_done(void *arg)
{
    dispatcher_t *d = arg;
    time_t start = time(NULL);
    while (time(NULL) - start < DISPATCH_TIME_LIMIT_S) {
        bool done = atomic_load(&placing_done); /* read before dispatching */
        int64_t ok = 0, bad = 0;
        orders_error_t err = {0};
        if (orders_outbox_dispatch(f.ctx, 64, &ok, &bad, &err) != ORDERS_OK) {
            d->errors++;
            snprintf(d->last_error, sizeof d->last_error, "%s", err.message);
        }
        d->delivered += ok;
        d->failed += bad;
        if (done && ok == 0 && bad == 0)
            break; /* what is left waits for its retry time */
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(outbox_threads, every_event_delivered_once_while_placing_and_cancelling, .init = setup,
     .fini = teardown)
{
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, PLACERS + 1);
    placer_t placers[PLACERS];
    pthread_t tid[PLACERS], dtid;
    dispatcher_t disp = {0};
    atomic_store(&placing_done, false);

    cr_assert_eq(pthread_create(&dtid, NULL, dispatch_until_done, &disp), 0);
    for (int t = 0; t < PLACERS; t++) {
        placers[t] = (placer_t){.thread = t, .go = &go};
        cr_assert_eq(pthread_create(&tid[t], NULL, place_and_cancel, &placers[t]), 0);
    }
    pthread_barrier_wait(&go);
    int placed = 0, cancelled = 0;
    for (int t = 0; t < PLACERS; t++) {
        pthread_join(tid[t], NULL);
        cr_expect_eq(placers[t].errors, 0, "placer %d: %d errors, last: %s", t,
                     placers[t].errors, placers[t].last_error);
        placed += placers[t].placed;
        cancelled += placers[t].cancelled;
    }
    atomic_store(&placing_done, true);
    pthread_join(dtid, NULL);
    pthread_barrier_destroy(&go);
    cr_assert_eq(disp.errors, 0, "dispatcher: %d errors, last: %s", disp.errors, disp.last_error);
    cr_assert_eq(placed, PLACERS * ORDERS_PER_THREAD, "placed %d", placed);
    cr_assert_gt(disp.delivered, 0, "the dispatcher delivered nothing while orders were placed");

    /* the deliveries that failed on purpose are due again an hour later */
    fix_advance(&f, 60 * FIX_MINUTE);
    fm_dispatch_all(&f);

    int64_t pending = -1, dead = -1;
    orders_error_t err = {0};
    cr_assert_eq(orders_outbox_counts(f.ctx, &pending, &dead, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(pending, 0, "pending after dispatching everything: %lld", (long long)pending);
    cr_assert_eq(dead, 0, "dead letters: %lld", (long long)dead);
    cr_assert_eq(seen.out_of_memory, 0);
    cr_assert_gt(seen.failed_on_purpose, 0, "no delivery failed: retries were not exercised");
    cr_assert_eq(seen.misnamed, 0, "%d event ids not named after their order step",
                 seen.misnamed);

    /* a cod placement of two sellers' products: order_placed, two new_order
     * and order_status_changed; a cancellation: order_status_changed */
    size_t want = (size_t)placed * 4 + (size_t)cancelled;
    cr_assert_eq(seen.count, want, "delivered %zu events, expected %zu (%d orders, %d cancelled)",
                 seen.count, want, placed, cancelled);
    qsort(seen.ids, seen.count, sizeof *seen.ids, cmp_str);
    for (size_t i = 1; i < seen.count; i++)
        cr_assert_str_neq(seen.ids[i - 1], seen.ids[i], "event %s delivered twice", seen.ids[i]);
}
