/*
 * test_sqlite_procs.c - two processes share one SQLite database file, each
 * with four threads, and race 100 cash-on-delivery placements for a product
 * with 10 units: exactly 10 succeed, every other attempt is out of stock,
 * and the stock invariant holds.
 *
 * The parent creates the database (one product, 10 units, 100 customers
 * with one unit each in their carts) and closes it.  Each child is this
 * binary started again (support/sqlite_tmp.h, SQLT_ROLE=procs): it opens its
 * OWN context on the file, says READY, waits until the parent releases both
 * children at once, and places its share with four threads behind a
 * barrier.  It reports every outcome on a pipe; the parent then reopens the
 * file and checks the stock, the orders, the reservations and the carts
 * through the public API, and the file with PRAGMA integrity_check.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <orders/orders.h>

#include "support/sqlite_integrity.h"
#include "support/clock.h"
#include "support/sqlite_tmp.h"

#define PROCS 2
#define THREADS 4
#define CUSTOMERS 100
#define UNITS 10
#define PRODUCT "hot"
#define SELLER "s1"

/* Bounds: a child must be ready, and then done, within these. */
#define READY_TIMEOUT_MS 30000
#define RUN_TIMEOUT_MS 60000

static void customer_id(char *buf, size_t len, int i)
{
    snprintf(buf, len, "cust-%03d", i);
}

/* Customer i is placed by process i % PROCS, thread (i / PROCS) % THREADS. */
static int share_proc(int i)
{
    return i % PROCS;
}

static int share_thread(int i)
{
    return (i / PROCS) % THREADS;
}

/* ======================================================================
 * Child: SQLT_ROLE=procs, SQLT_DB=uri, SQLT_PROC=index
 * ====================================================================== */

typedef struct attempt {
    int customer;
    orders_code_t rc;
    char order_id[ORDERS_ID_MAX + 1];
    char status[32];
    char message[ORDERS_ERROR_MESSAGE_MAX];
} attempt_t;

typedef struct worker {
    orders_ctx_t *ctx;
    pthread_barrier_t *go;
    int proc, thread;
    size_t count;
    attempt_t attempts[CUSTOMERS];
} worker_t;

static void *child_place_share(void *arg)
{
    worker_t *w = arg;
    pthread_barrier_wait(w->go);
    for (int i = 0; i < CUSTOMERS; i++) {
        if (share_proc(i) != w->proc || share_thread(i) != w->thread)
            continue;
        attempt_t *a = &w->attempts[w->count++];
        char cust[32];
        customer_id(cust, sizeof cust, i);
        orders_identity_t who = {.id = cust, .name = "Ada", .email = "ada@example.com"};
        orders_place_request_t req = {.shipping_address = &sqlt_address,
                                      .payment_method = ORDERS_METHOD_COD};
        orders_order_t *o = NULL;
        orders_error_t err = {0};
        a->customer = i;
        a->rc = orders_order_place(w->ctx, &who, &req, &o, &err);
        if (a->rc == ORDERS_OK && o) {
            snprintf(a->order_id, sizeof a->order_id, "%s", o->id);
            snprintf(a->status, sizeof a->status, "%s", orders_status_name(o->status));
        } else if (a->rc == ORDERS_OK) {
            snprintf(a->order_id, sizeof a->order_id, "-");
            snprintf(a->status, sizeof a->status, "no-order-returned");
        } else {
            snprintf(a->message, sizeof a->message, "%s", err.message);
        }
        orders_order_free(o);
    }
    return NULL;
}

static int child_main(void)
{
    const char *uri = getenv("SQLT_DB");
    int proc = (int)sqlt_env_long("SQLT_PROC", -1);
    if (!uri || proc < 0 || proc >= PROCS) {
        sqlt_report("F args - bad SQLT_DB or SQLT_PROC");
        return 2;
    }
    orders_ctx_t *ctx = sqlt_child_ctx_open(uri);
    if (ctx == NULL)
        return 2;

    static worker_t w[THREADS];
    pthread_t t[THREADS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, THREADS + 1);
    int started = 0;
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker_t){.ctx = ctx, .go = &go, .proc = proc, .thread = i};
        if (pthread_create(&t[i], NULL, child_place_share, &w[i]) != 0)
            break;
        started++;
    }
    if (started < THREADS) {
        sqlt_report("F threads - pthread_create failed after %d threads", started);
        _exit(2); /* started threads wait on the barrier forever */
    }
    sqlt_report("READY %d", (int)getpid());
    bool go_ok = sqlt_wait_go(READY_TIMEOUT_MS);
    int64_t t0 = test_mono_ms();
    pthread_barrier_wait(&go); /* release the threads even without a go: they must end */
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    int64_t elapsed = test_mono_ms() - t0;
    pthread_barrier_destroy(&go);

    int ok = 0, out = 0, other = 0;
    for (int i = 0; i < THREADS; i++) {
        for (size_t k = 0; k < w[i].count; k++) {
            const attempt_t *a = &w[i].attempts[k];
            char cust[32];
            customer_id(cust, sizeof cust, a->customer);
            if (a->rc == ORDERS_OK) {
                ok++;
                sqlt_report("O %s %s %s", cust, a->order_id, a->status);
            } else if (a->rc == ORDERS_E_OUT_OF_STOCK) {
                out++;
                sqlt_report("S %s", cust);
            } else {
                other++;
                sqlt_report("E %s %d %s (thread %d): %s", cust, (int)a->rc,
                            orders_strerror(a->rc), i, a->message);
            }
        }
    }
    sqlt_report("R %d %d %d %d %lld %d", proc, ok, out, other, (long long)elapsed, go_ok ? 1 : 0);
    orders_ctx_destroy(ctx);
    return 0;
}

__attribute__((constructor)) static void child_hook(void)
{
    const char *role = sqlt_child_role();
    if (role && strcmp(role, "procs") == 0)
        exit(child_main());
}

/* ======================================================================
 * Parent
 * ====================================================================== */

static struct {
    sqlt_db_t db;
    orders_ctx_t *ctx;
    sqlt_group_t kids; /* the PROCS children */
} S;

static void setup(void)
{
    memset(&S, 0, sizeof S);
    sqlt_group_init(&S.kids);
    sqlt_db_init(&S.db, "procs");
}

static void teardown(void)
{
    sqlt_group_close(&S.kids);
    orders_ctx_destroy(S.ctx);
    bool removed = sqlt_db_remove(&S.db);
    memset(&S, 0, sizeof S);
    cr_expect(removed, "temp directory not fully removed");
}

static void open_ctx(void)
{
    S.ctx = sqlt_ctx_open(S.db.uri);
}

static void close_ctx(void)
{
    orders_ctx_destroy(S.ctx);
    S.ctx = NULL;
}

/* What the children said, per customer. */
typedef struct outcome {
    int seen;      /* lines about this customer */
    char kind;     /* 'O', 'S' or 'E' */
    int proc;
    char order_id[ORDERS_ID_MAX + 1];
    char status[32];
} outcome_t;

static int customer_index(const char *cust)
{
    int i = -1;
    char extra;
    if (sscanf(cust, "cust-%d%c", &i, &extra) != 1 || i < 0 || i >= CUSTOMERS)
        return -1;
    return i;
}

Test(sqlite_procs, two_processes_four_threads_ten_units, .init = setup, .fini = teardown,
     .timeout = 240)
{
    /* ---- the database: one product with 10 units, 100 carts of one unit ---- */
    open_ctx();
    orders_error_t err = {0};
    orders_product_t p = {.id = PRODUCT, .seller_id = SELLER, .name = "Hot item",
                          .price = {1500, "USD"}, .active = true};
    cr_assert_eq(orders_product_put(S.ctx, &p, true, NULL, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_stock_set(S.ctx, PRODUCT, UNITS, NULL, &err), ORDERS_OK, "%s",
                 err.message);
    for (int i = 0; i < CUSTOMERS; i++) {
        char cust[32];
        customer_id(cust, sizeof cust, i);
        orders_code_t rc = orders_cart_add(S.ctx, cust, PRODUCT, 1, ORDERS_ANY_VERSION, NULL, &err);
        cr_assert_eq(rc, ORDERS_OK, "cart of %s: %s (%s)", cust, orders_strerror(rc), err.message);
    }
    orders_stock_t before = sqlt_stock_of(S.ctx, "stock", PRODUCT);
    cr_assert_eq(before.available, UNITS, "available before the race: %lld",
                 (long long)before.available);
    close_ctx(); /* nothing of ours is open on the file while the children run */

    /* ---- two children, released together ---- */
    sqlt_group_start(&S.kids, PROCS, "procs", S.db.uri, READY_TIMEOUT_MS);
    int64_t t0 = test_mono_ms();

    /* ---- collect every line until both pipes close ---- */
    char line[SQLT_LINE_MAX];
    static outcome_t oc[CUSTOMERS];
    memset(oc, 0, sizeof oc);
    int r_ok[PROCS] = {0}, r_out[PROCS] = {0}, r_other[PROCS] = {0}, r_seen[PROCS] = {0};
    long long r_ms[PROCS] = {0};
    int r_go[PROCS] = {0};
    char first_error[SQLT_LINE_MAX + 32] = "";
    int errors = 0;
    int64_t deadline = t0 + RUN_TIMEOUT_MS;
    for (int i = 0; i < PROCS; i++) {
        for (;;) {
            int got = sqlt_read_line(&S.kids.lines[i], line, sizeof line, deadline - test_mono_ms());
            cr_assert_neq(got, 0,
                          "child %d (pid %d) still running after %d ms: a deadlock or a stuck "
                          "busy wait in the SQLite backend?",
                          i, (int)S.kids.pid[i], RUN_TIMEOUT_MS);
            if (got < 0)
                break;
            char kind = line[0];
            char cust[64] = "", id[ORDERS_ID_MAX + 1] = "", status[32] = "";
            if (kind == 'R') {
                int proc = -1, ok = 0, out = 0, other = 0, go_ok = 0;
                long long ms = 0;
                cr_assert_eq(sscanf(line, "R %d %d %d %d %lld %d", &proc, &ok, &out, &other, &ms,
                                    &go_ok),
                             6, "bad line from child %d: %s", i, line);
                cr_assert_eq(proc, i, "child %d reported as %d", i, proc);
                r_ok[i] = ok, r_out[i] = out, r_other[i] = other, r_ms[i] = ms, r_go[i] = go_ok;
                r_seen[i]++;
                continue;
            }
            if (kind == 'F')
                cr_assert_fail("child %d failed: %s", i, line);
            cr_assert(kind == 'O' || kind == 'S' || kind == 'E', "bad line from child %d: %s", i,
                      line);
            cr_assert_geq(sscanf(line + 1, "%63s %128s %31s", cust, id, status), 1,
                          "bad line from child %d: %s", i, line);
            int c = customer_index(cust);
            cr_assert_geq(c, 0, "child %d named an unknown customer: %s", i, line);
            cr_assert_eq(share_proc(c), i, "child %d placed %s, which is not its share", i, cust);
            oc[c].seen++;
            oc[c].kind = kind;
            oc[c].proc = i;
            if (kind == 'O') {
                snprintf(oc[c].order_id, sizeof oc[c].order_id, "%s", id);
                snprintf(oc[c].status, sizeof oc[c].status, "%s", status);
            } else if (kind == 'E' && errors++ == 0) {
                snprintf(first_error, sizeof first_error, "child %d: %s", i, line);
            }
        }
    }
    int64_t run_ms = test_mono_ms() - t0;
    for (int i = 0; i < PROCS; i++) {
        sqlt_group_reap(&S.kids, i, 10000);
        cr_assert_eq(r_seen[i], 1, "child %d sent %d summary lines", i, r_seen[i]);
        cr_assert_eq(r_go[i], 1, "child %d was never released (start pipe)", i);
        cr_log_info("child %d: %d placed, %d out of stock, %d other errors, %lld ms", i, r_ok[i],
                    r_out[i], r_other[i], r_ms[i]);
    }

    /* ---- what the children saw ---- */
    int ok = 0, out = 0;
    for (int c = 0; c < CUSTOMERS; c++) {
        cr_assert_eq(oc[c].seen, 1, "customer %d has %d outcomes (1 expected)", c, oc[c].seen);
        if (oc[c].kind == 'O') {
            ok++;
            cr_assert_str_eq(oc[c].status, "confirmed",
                             "customer %d: cod order %s came back %s, not confirmed", c,
                             oc[c].order_id, oc[c].status);
        } else if (oc[c].kind == 'S') {
            out++;
        }
    }
    cr_assert_eq(errors, 0, "%d placements failed with an error other than out of stock; first: %s",
                 errors, first_error);
    for (int i = 0; i < PROCS; i++)
        cr_assert_eq(r_ok[i] + r_out[i] + r_other[i], CUSTOMERS / PROCS,
                     "child %d counted %d outcomes for %d customers", i,
                     r_ok[i] + r_out[i] + r_other[i], CUSTOMERS / PROCS);
    cr_assert_eq(ok, UNITS, "%d placements succeeded for %d units (child 0: %d, child 1: %d)", ok,
                 UNITS, r_ok[0], r_ok[1]);
    cr_assert_eq(out, CUSTOMERS - UNITS, "%d placements out of stock, %d expected", out,
                 CUSTOMERS - UNITS);

    /* ---- what the file says ---- */
    sqlt_assert_integrity("after the race", S.db.path);
    open_ctx();
    orders_stock_t st = sqlt_stock_of(S.ctx, "stock", PRODUCT);
    cr_assert_eq(st.available + st.reserved + st.sold, st.stocked - st.adjusted,
                 "invariant broken for %s: %lld + %lld + %lld != %lld - %lld", PRODUCT,
                 (long long)st.available, (long long)st.reserved, (long long)st.sold,
                 (long long)st.stocked, (long long)st.adjusted);
    cr_assert_eq(st.sold, UNITS, "%s sold = %lld after %d cod orders", PRODUCT,
                 (long long)st.sold, ok);
    cr_assert_eq(st.available, 0, "%s available = %lld", PRODUCT, (long long)st.available);
    cr_assert_eq(st.reserved, 0, "%s reserved = %lld (cod sells at once)", PRODUCT,
                 (long long)st.reserved);
    cr_assert_eq(st.stocked - st.adjusted, UNITS, "%s stocked %lld - adjusted %lld", PRODUCT,
                 (long long)st.stocked, (long long)st.adjusted);

    orders_order_list_t l = {0};
    orders_list_query_t q = {.page = 1, .limit = 1000};
    cr_assert_eq(orders_order_list(S.ctx, &q, &l, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(l.total, UNITS, "%lld orders in the store, %d expected", (long long)l.total,
                 UNITS);
    cr_assert_eq(l.count, (size_t)UNITS, "order list returned %zu orders", l.count);
    for (size_t k = 0; k < l.count; k++) {
        const orders_order_t *o = l.items[k];
        int c = customer_index(o->customer_id);
        cr_assert_geq(c, 0, "order %s belongs to unknown customer %s", o->id, o->customer_id);
        cr_assert_eq(oc[c].kind, 'O', "order %s of %s is in the store, but its placement "
                     "was not acknowledged", o->id, o->customer_id);
        cr_assert_str_eq(o->id, oc[c].order_id, "customer %s: stored order %s, acknowledged %s",
                         o->customer_id, o->id, oc[c].order_id);
        cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED, "order %s is %s", o->id,
                     orders_status_name(o->status));
        cr_assert_eq(o->payment_method, ORDERS_METHOD_COD, "order %s", o->id);
        cr_assert_eq(o->item_count, 1, "order %s has %zu items", o->id, o->item_count);
        cr_assert_str_eq(o->items[0].product_id, PRODUCT, "order %s", o->id);
        cr_assert_eq(o->items[0].quantity, 1, "order %s quantity %lld", o->id,
                     (long long)o->items[0].quantity);
        orders_reservation_t *r = NULL;
        orders_code_t rc = orders_reservation_get(S.ctx, o->id, &r, &err);
        cr_assert_eq(rc, ORDERS_OK, "reservation of order %s: %s (%s)", o->id,
                     orders_strerror(rc), err.message);
        cr_assert_eq(r->status, ORDERS_RES_CONFIRMED, "reservation of order %s is %s", o->id,
                     orders_reservation_status_name(r->status));
        orders_reservation_free(r);
    }
    orders_order_list_clear(&l);

    /* every acknowledged order reads back; served carts are empty, refused
     * ones still hold their unit */
    for (int c = 0; c < CUSTOMERS; c++) {
        char cust[32];
        customer_id(cust, sizeof cust, c);
        if (oc[c].kind == 'O') {
            orders_order_t *o = NULL;
            orders_code_t rc = orders_order_get(S.ctx, oc[c].order_id, cust, &o, &err);
            cr_assert_eq(rc, ORDERS_OK, "acknowledged order %s of %s: %s (%s)", oc[c].order_id,
                         cust, orders_strerror(rc), err.message);
            orders_order_free(o);
        }
        orders_cart_t *cart = NULL;
        orders_code_t rc = orders_cart_get(S.ctx, cust, &cart, &err);
        cr_assert_eq(rc, ORDERS_OK, "cart of %s: %s (%s)", cust, orders_strerror(rc), err.message);
        size_t want = oc[c].kind == 'O' ? 0 : 1;
        size_t lines = cart->item_count;
        int64_t items = cart->total_items;
        orders_cart_free(cart);
        cr_assert_eq(lines, want, "%s (%s) has %zu cart lines, %zu expected", cust,
                     oc[c].kind == 'O' ? "served" : "refused", lines, want);
        cr_assert_eq(items, (int64_t)want, "%s has %lld units in the cart", cust, (long long)items);
    }
    close_ctx();
    cr_log_info("procs: %d placed, %d out of stock, 0 errors; race took %lld ms", ok, out,
                (long long)run_ms);
}
