/*
 * test_sqlite_crash.c - a process placing orders in a loop on a SQLite
 * database file is killed with SIGKILL at a random moment, 20 times on the
 * same file.  After every kill the reopened file passes PRAGMA
 * integrity_check, every placement that returned success is there, no
 * order is half-placed, and the stock invariant holds.  At the end an order
 * placed after all the crashes works.
 *
 * The child is this binary started again (support/sqlite_tmp.h,
 * SQLT_ROLE=crash).  It opens its own context on the file and loops: fill
 * the cart of a new customer "kCC-NNNNN" (cycle CC, n-th customer) with
 * 1 + n % 3 units of product A and 1 unit of product B, place it cash on
 * delivery, and write "O customer order-id" to the parent as soon as the
 * call returned success.  The parent reads those lines while it waits a
 * random 5-150 ms after the first one, then kills the child, reaps it and
 * reads what is left in the pipe.  Each line is one write() of less than
 * PIPE_BUF bytes, so it is in the pipe whole or not at all.
 *
 * Then the parent checks the file with raw SQLite (integrity_check) and,
 * through the public API only:
 *   - every acknowledged order exists, for the customer it was placed for;
 *   - every stored order is whole: confirmed cod order, version 1, exactly
 *     the lines its customer's cart held, every item confirmed, its
 *     reservation confirmed with the same lines, its customer's cart empty,
 *     its history and outbox events written (same counts as a reference
 *     order placed by the parent before the first crash);
 *   - a stored order nobody acknowledged can only be the one placement in
 *     flight when the child died (the customer after its last acknowledged
 *     one), at most one per cycle;
 *   - stock: sold == units of all stored orders, reserved == 0 (cod sells
 *     at once), available == stocked - sold, nothing adjusted, and
 *     available + reserved + sold == stocked - adjusted;
 *   - order numbers are unique.
 *
 * The delays come from a seeded generator; the seed is printed, and
 * ORDERS_TEST_SEED=N repeats a run.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <orders/orders.h>

#include "support/order_check.h"
#include "support/sqlite_integrity.h"
#include "support/clock.h"
#include "support/scale.h"
#include "support/sqlite_tmp.h"

#define CYCLES 20
#define DELAY_MIN_MS 5
#define DELAY_MAX_MS 150

#define PRODUCT_A "crash-a"
#define PRODUCT_B "crash-b"
#define PRICE_A 1000
#define PRICE_B 250
#define STOCK 1000000

/* Orders the parent places itself use this cycle number in the customer id. */
#define PARENT_CYCLE 99

/* Bounds on the child: it is killed long before either. */
#define CHILD_MAX_ORDERS 20000
#define CHILD_MAX_MS 30000
/* The child's first acknowledged order must come within this. */
#define FIRST_ACK_TIMEOUT_MS 30000

static void customer_id(char *buf, size_t len, int cycle, int n)
{
    snprintf(buf, len, "k%02d-%05d", cycle, n);
}

/* The n-th customer of a cycle orders qty_a(n) of A and 1 of B. */
static int64_t qty_a(int n)
{
    return 1 + n % 3;
}

static bool parse_customer(const char *cust, int *cycle, int *n)
{
    char extra;
    return sscanf(cust, "k%d-%d%c", cycle, n, &extra) == 2 && *cycle >= 0 && *n >= 0;
}

/* Fills customer's cart (A and B) and places it cash on delivery. */
static orders_code_t fill_and_place(orders_ctx_t *ctx, const char *cust, int n,
                                    orders_order_t **out, const char **step, orders_error_t *err)
{
    *step = "cart add " PRODUCT_A;
    orders_code_t rc = orders_cart_add(ctx, cust, PRODUCT_A, qty_a(n), ORDERS_ANY_VERSION, NULL,
                                       err);
    if (rc)
        return rc;
    *step = "cart add " PRODUCT_B;
    if ((rc = orders_cart_add(ctx, cust, PRODUCT_B, 1, ORDERS_ANY_VERSION, NULL, err)))
        return rc;
    *step = "place";
    orders_identity_t who = {.id = cust, .name = "Ada", .email = "ada@example.com"};
    orders_place_request_t req = {.shipping_address = &sqlt_address,
                                  .payment_method = ORDERS_METHOD_COD};
    return orders_order_place(ctx, &who, &req, out, err);
}

/* ======================================================================
 * Child: SQLT_ROLE=crash, SQLT_DB=uri, SQLT_CYCLE=cycle
 * ====================================================================== */

static int child_main(void)
{
    const char *uri = getenv("SQLT_DB");
    int cycle = (int)sqlt_env_long("SQLT_CYCLE", -1);
    if (!uri || cycle < 0 || cycle >= CYCLES) {
        sqlt_report("F args bad SQLT_DB or SQLT_CYCLE");
        return 2;
    }
    orders_ctx_t *ctx = sqlt_child_ctx_open(uri);
    if (ctx == NULL)
        return 2;
    orders_error_t err = {0};
    orders_code_t rc;
    int64_t t0 = test_mono_ms();
    int n = 0;
    for (; n < CHILD_MAX_ORDERS && test_mono_ms() - t0 < CHILD_MAX_MS; n++) {
        char cust[32];
        customer_id(cust, sizeof cust, cycle, n);
        orders_order_t *o = NULL;
        const char *step = "";
        memset(&err, 0, sizeof err);
        rc = fill_and_place(ctx, cust, n, &o, &step, &err);
        if (rc != ORDERS_OK || !o || o->status != ORDERS_STATUS_CONFIRMED) {
            sqlt_report("F %s %s: %d %s: %s (order %s, status %s)", cust, step, (int)rc,
                        orders_strerror(rc), err.message, o ? o->id : "-",
                        o ? orders_status_name(o->status) : "-");
            orders_order_free(o);
            orders_ctx_destroy(ctx);
            return 3;
        }
        bool sent = sqlt_report("O %s %s", cust, o->id);
        orders_order_free(o);
        if (!sent) {
            orders_ctx_destroy(ctx);
            return 4;
        }
    }
    sqlt_report("D %d orders in %lld ms, never killed", n, (long long)(test_mono_ms() - t0));
    orders_ctx_destroy(ctx);
    return 0;
}

__attribute__((constructor)) static void child_hook(void)
{
    const char *role = sqlt_child_role();
    if (role && strcmp(role, "crash") == 0)
        exit(child_main());
}

/* ======================================================================
 * Parent
 * ====================================================================== */

typedef struct ack {
    char order_id[ORDERS_ID_MAX + 1];
    char customer[32];
} ack_t;

static struct {
    sqlt_db_t db;
    orders_ctx_t *ctx;
    pid_t pid;
    int report; /* read end of the child's pipe */
    sqlt_lines_t lines;

    ack_t *acks; /* every acknowledged placement, the parent's own too */
    size_t nacks, cap;
    char (*sorted)[ORDERS_ID_MAX + 1]; /* acknowledged ids, sorted, for lookups */
    size_t nsorted;
    int last_ack[CYCLES]; /* highest n acknowledged in each cycle, -1: none */

    int64_t events_per_order;  /* outbox events of one placement */
    size_t history_per_order;  /* history entries of one placement */
    uint64_t rng;
} S;

static void setup(void)
{
    memset(&S, 0, sizeof S);
    S.report = -1;
    for (int c = 0; c < CYCLES; c++)
        S.last_ack[c] = -1;
    sqlt_db_init(&S.db, "crash");
}

static void teardown(void)
{
    sqlt_kill_reap(S.pid); /* only after a failed assertion */
    if (S.report >= 0)
        close(S.report);
    orders_ctx_destroy(S.ctx);
    bool removed = sqlt_db_remove(&S.db);
    free(S.acks);
    free(S.sorted);
    memset(&S, 0, sizeof S);
    cr_expect(removed, "temp directory not fully removed");
}

static uint64_t next_random(void)
{
    /* splitmix64 */
    uint64_t z = (S.rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
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

static void add_ack(const char *customer, const char *order_id)
{
    if (S.nacks == S.cap) {
        S.cap = S.cap ? 2 * S.cap : 256;
        ack_t *grown = realloc(S.acks, S.cap * sizeof *grown);
        cr_assert_not_null(grown, "out of memory");
        S.acks = grown;
    }
    ack_t *a = &S.acks[S.nacks++];
    snprintf(a->customer, sizeof a->customer, "%s", customer);
    snprintf(a->order_id, sizeof a->order_id, "%s", order_id);
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void index_acks(void)
{
    free(S.sorted);
    S.sorted = calloc(S.nacks ? S.nacks : 1, sizeof *S.sorted);
    cr_assert_not_null(S.sorted, "out of memory");
    for (size_t i = 0; i < S.nacks; i++)
        memcpy(S.sorted[i], S.acks[i].order_id, sizeof S.sorted[i]);
    S.nsorted = S.nacks;
    qsort(S.sorted, S.nsorted, sizeof *S.sorted, cmp_id);
    for (size_t i = 1; i < S.nsorted; i++)
        cr_assert(strcmp(S.sorted[i - 1], S.sorted[i]) != 0,
                  "order id %s was acknowledged twice", S.sorted[i]);
}

static bool acknowledged(const char *order_id)
{
    char key[ORDERS_ID_MAX + 1] = "";
    snprintf(key, sizeof key, "%s", order_id);
    return bsearch(key, S.sorted, S.nsorted, sizeof *S.sorted, cmp_id) != NULL;
}

/* One line from the child: records an acknowledged order, or fails the test
 * with what the child said. */
static void take_line(int cycle, const char *line)
{
    char cust[64] = "", id[ORDERS_ID_MAX + 1] = "";
    int c = -1, n = -1;
    if (line[0] == 'F')
        cr_assert_fail("cycle %d: the child failed on its own: %s", cycle, line + 2);
    if (line[0] == 'D')
        cr_assert_fail("cycle %d: the child ran out of work before the kill: %s", cycle,
                       line + 2);
    cr_assert(line[0] == 'O' && sscanf(line, "O %63s %128s", cust, id) == 2,
              "cycle %d: bad line from the child: %s", cycle, line);
    cr_assert(parse_customer(cust, &c, &n) && c == cycle,
              "cycle %d: the child placed for unexpected customer %s", cycle, cust);
    cr_assert_eq(n, S.last_ack[cycle] + 1,
                 "cycle %d: customer %s acknowledged after n=%d (placements are sequential)",
                 cycle, cust, S.last_ack[cycle]);
    S.last_ack[cycle] = n;
    add_ack(cust, id);
}

static int64_t outbox_pending(const char *when)
{
    int64_t pending = -1, dead = -1;
    orders_error_t err = {0};
    orders_code_t rc = orders_outbox_counts(S.ctx, &pending, &dead, &err);
    cr_assert_eq(rc, ORDERS_OK, "%s: outbox counts: %s (%s)", when, orders_strerror(rc),
                 err.message);
    cr_assert_eq(dead, 0, "%s: %lld dead outbox events", when, (long long)dead);
    return pending;
}

/* Asserts that order o is whole (support/order_check.h), and adds its units
 * to *units_a / *units_b. */
static void check_order(const char *when, const orders_order_t *o, int64_t *units_a,
                        int64_t *units_b)
{
    int c = -1, n = -1;
    cr_assert(parse_customer(o->customer_id, &c, &n) && (c < CYCLES || c == PARENT_CYCLE),
              "%s: order %s belongs to unexpected customer %s", when, o->id, o->customer_id);
    const ochk_line_t lines[] = {{PRODUCT_A, qty_a(n), PRICE_A}, {PRODUCT_B, 1, PRICE_B}};
    size_t h = ochk_order_whole(S.ctx, when, o, ORDERS_METHOD_COD, lines, 2);
    cr_assert_eq(h, S.history_per_order, "%s: order %s has %zu history entries, a placement "
                 "writes %zu", when, o->id, h, S.history_per_order);
    *units_a += lines[0].quantity;
    *units_b += lines[1].quantity;
}

typedef struct verdict {
    int64_t orders;       /* stored */
    int unacknowledged;   /* stored orders of `cycle` nobody acknowledged */
    int64_t units_a, units_b;
} verdict_t;

/* Everything the header comment lists; cycle is the cycle just ended (-1
 * before the first).  Opens and closes its own context. */
static verdict_t verify(const char *when, int cycle)
{
    verdict_t v = {0};
    sqlt_assert_integrity(when, S.db.path);
    open_ctx();
    index_acks();
    orders_error_t err = {0};

    /* every acknowledged placement is there */
    for (size_t i = 0; i < S.nacks; i++) {
        orders_order_t *o = NULL;
        orders_code_t rc = orders_order_get(S.ctx, S.acks[i].order_id, NULL, &o, &err);
        cr_assert_eq(rc, ORDERS_OK,
                     "%s: LOST: order %s of %s was acknowledged but is not in the store: %s (%s)",
                     when, S.acks[i].order_id, S.acks[i].customer, orders_strerror(rc),
                     err.message);
        bool same = strcmp(o->customer_id, S.acks[i].customer) == 0;
        orders_order_free(o);
        cr_assert(same, "%s: order %s was placed for %s but is stored for another customer", when,
                  S.acks[i].order_id, S.acks[i].customer);
    }

    /* every stored order is whole */
    size_t cap = 1024, nnum = 0;
    char (*numbers)[64] = malloc(cap * sizeof *numbers);
    cr_assert_not_null(numbers, "out of memory");
    int unacked_per_cycle[CYCLES] = {0};
    int64_t total = -1;
    for (int64_t page = 1;; page++) {
        orders_order_list_t l = {0};
        orders_list_query_t q = {.page = page, .limit = 1000};
        orders_code_t rc = orders_order_list(S.ctx, &q, &l, &err);
        cr_assert_eq(rc, ORDERS_OK, "%s: order list page %lld: %s (%s)", when, (long long)page,
                     orders_strerror(rc), err.message);
        total = l.total;
        for (size_t k = 0; k < l.count; k++) {
            const orders_order_t *o = l.items[k];
            check_order(when, o, &v.units_a, &v.units_b);
            if (nnum == cap) {
                cap *= 2;
                char (*grown)[64] = realloc(numbers, cap * sizeof *grown);
                cr_assert_not_null(grown, "out of memory");
                numbers = grown;
            }
            snprintf(numbers[nnum++], sizeof numbers[0], "%s", o->order_number ? o->order_number : "");
            if (acknowledged(o->id))
                continue;
            int c = -1, n = -1;
            parse_customer(o->customer_id, &c, &n);
            cr_assert(c >= 0 && c < CYCLES && c <= cycle,
                      "%s: order %s of %s is stored but nobody placed it", when, o->id,
                      o->customer_id);
            cr_assert_eq(n, S.last_ack[c] + 1,
                         "%s: order %s of %s (cycle %d) was never acknowledged, and it is not "
                         "the placement in flight at the kill (customer n=%d)",
                         when, o->id, o->customer_id, c, S.last_ack[c] + 1);
            unacked_per_cycle[c]++;
        }
        size_t got = l.count;
        orders_order_list_clear(&l);
        v.orders += (int64_t)got;
        if (got < 1000)
            break;
        cr_assert_lt(page, 1000, "%s: more than a million orders?", when);
    }
    cr_assert_eq(v.orders, total, "%s: order list total %lld, but %lld orders listed", when,
                 (long long)total, (long long)v.orders);
    for (int c = 0; c < CYCLES; c++)
        cr_assert_leq(unacked_per_cycle[c], 1,
                      "%s: cycle %d left %d unacknowledged orders, one placement was in flight",
                      when, c, unacked_per_cycle[c]);
    v.unacknowledged = cycle >= 0 ? unacked_per_cycle[cycle] : 0;
    int64_t unacked_total = 0;
    for (int c = 0; c < CYCLES; c++)
        unacked_total += unacked_per_cycle[c];
    cr_assert_eq(v.orders, (int64_t)S.nacks + unacked_total,
                 "%s: %lld orders stored, %zu acknowledged + %lld in flight at kills", when,
                 (long long)v.orders, S.nacks, (long long)unacked_total);

    qsort(numbers, nnum, sizeof *numbers, cmp_id);
    for (size_t i = 1; i < nnum; i++)
        cr_assert(strcmp(numbers[i - 1], numbers[i]) != 0, "%s: order number %s used twice",
                  when, numbers[i]);
    free(numbers);

    /* stock matches the orders, and the outbox holds every placement's events */
    ochk_stock_sold(S.ctx, when, PRODUCT_A, STOCK, v.units_a);
    ochk_stock_sold(S.ctx, when, PRODUCT_B, STOCK, v.units_b);
    int64_t pending = outbox_pending(when);
    cr_assert_eq(pending, S.events_per_order * v.orders,
                 "%s: %lld outbox events for %lld orders (%lld per placement)", when,
                 (long long)pending, (long long)v.orders, (long long)S.events_per_order);
    close_ctx();
    return v;
}

/* The parent places customer kPP-0000n itself (asserting success). */
static void parent_place(const char *when, int n)
{
    char cust[32];
    customer_id(cust, sizeof cust, PARENT_CYCLE, n);
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    const char *step = "";
    orders_code_t rc = fill_and_place(S.ctx, cust, n, &o, &step, &err);
    cr_assert_eq(rc, ORDERS_OK, "%s: %s for %s: %s (%s)", when, step, cust, orders_strerror(rc),
                 err.message);
    cr_assert_not_null(o);
    orders_status_t status = o->status;
    add_ack(cust, o->id);
    orders_order_free(o);
    cr_assert_eq(status, ORDERS_STATUS_CONFIRMED, "%s: the parent's cod order is %s", when,
                 orders_status_name(status));
}

static uint64_t seed_from_env(void)
{
    const char *s = getenv("ORDERS_TEST_SEED");
    if (s && *s) {
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (!errno && !*end)
            return v;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
}

/* One cycle: start a child, let it place orders, kill it at a random moment.
 * Returns the delay used. */
static int64_t run_and_kill(int cycle, size_t *acked)
{
    char line[SQLT_LINE_MAX], st_buf[SQLT_STATUS_MAX];
    size_t before = S.nacks;
    int rp[2];
    sqlt_pipe(rp);
    S.report = rp[0];
    S.pid = sqlt_spawn_role("crash", S.db.uri, "SQLT_CYCLE", cycle, rp[1], -1);
    close(rp[1]);
    sqlt_lines_init(&S.lines, rp[0]);

    /* the child is up and placing: its first order is acknowledged */
    int got = sqlt_read_line(&S.lines, line, sizeof line, FIRST_ACK_TIMEOUT_MS);
    if (got < 0) {
        int st = 0;
        bool ended = sqlt_wait(S.pid, &st, 5000);
        cr_assert_fail("cycle %d: the child closed its pipe before placing anything (%s)", cycle,
                       ended ? sqlt_status_str(st, st_buf) : "still running");
    }
    cr_assert_eq(got, 1, "cycle %d: no order placed within %d ms", cycle, FIRST_ACK_TIMEOUT_MS);
    take_line(cycle, line);

    /* ... then it keeps placing for a random 5-150 ms, read as it goes */
    int64_t delay = DELAY_MIN_MS + (int64_t)(next_random() % (DELAY_MAX_MS - DELAY_MIN_MS + 1));
    int64_t deadline = test_mono_ms() + delay;
    for (;;) {
        int64_t left = deadline - test_mono_ms();
        if (left <= 0)
            break;
        got = sqlt_read_line(&S.lines, line, sizeof line, left);
        if (got == 0)
            break;
        cr_assert_eq(got, 1, "cycle %d: the child closed its pipe before the kill", cycle);
        take_line(cycle, line);
    }
    cr_assert_eq(kill(S.pid, SIGKILL), 0, "cycle %d: kill: %s", cycle, strerror(errno));
    int st = 0;
    cr_assert(sqlt_wait(S.pid, &st, 10000), "cycle %d: the child survived SIGKILL for 10 s",
              cycle);
    S.pid = 0;

    /* whatever it wrote before dying */
    while ((got = sqlt_read_line(&S.lines, line, sizeof line, 5000)) == 1)
        take_line(cycle, line);
    cr_assert_eq(got, -1, "cycle %d: the pipe stays open after the child died", cycle);
    close(S.report);
    S.report = -1;
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
              "cycle %d: the child %s before the kill", cycle, sqlt_status_str(st, st_buf));
    *acked = S.nacks - before;
    return delay;
}

Test(sqlite_crash, kill_nine_while_placing, .init = setup, .fini = teardown, .timeout = 240)
{
    S.rng = seed_from_env();
    fprintf(stderr, "sqlite_crash: seed %llu (ORDERS_TEST_SEED=%llu repeats the delays)\n",
            (unsigned long long)S.rng, (unsigned long long)S.rng);
    int64_t t_start = test_mono_ms();

    /* ---- the database: two products, and one reference order ---- */
    open_ctx();
    orders_error_t err = {0};
    const struct {
        const char *id, *seller;
        int64_t price;
    } products[] = {{PRODUCT_A, "s1", PRICE_A}, {PRODUCT_B, "s2", PRICE_B}};
    for (size_t i = 0; i < 2; i++) {
        orders_product_t p = {.id = (char *)products[i].id, .seller_id = (char *)products[i].seller,
                              .name = (char *)products[i].id, .price = {products[i].price, "USD"},
                              .active = true};
        cr_assert_eq(orders_product_put(S.ctx, &p, true, NULL, &err), ORDERS_OK, "%s",
                     err.message);
        cr_assert_eq(orders_stock_set(S.ctx, products[i].id, STOCK, NULL, &err), ORDERS_OK, "%s",
                     err.message);
    }
    int64_t pending0 = outbox_pending("setup");
    parent_place("setup", 0);
    S.events_per_order = outbox_pending("setup") - pending0;
    cr_assert_gt(S.events_per_order, 0, "a placement wrote no outbox event");
    {
        orders_order_t *o = NULL;
        cr_assert_eq(orders_order_get(S.ctx, S.acks[0].order_id, NULL, &o, &err), ORDERS_OK, "%s",
                     err.message);
        const ochk_line_t lines[] = {{PRODUCT_A, qty_a(0), PRICE_A}, {PRODUCT_B, 1, PRICE_B}};
        S.history_per_order = ochk_order_whole(S.ctx, "setup", o, ORDERS_METHOD_COD, lines, 2);
        orders_order_free(o);
    }
    close_ctx();
    verify("before the first crash", -1);

    /* ---- 20 kills (times ORDERS_TEST_SCALE, at least 4) ---- */
    const int cycles = (int)test_scaled_count(CYCLES, 4);
    for (int cycle = 0; cycle < cycles; cycle++) {
        int64_t t0 = test_mono_ms();
        size_t acked = 0;
        int64_t delay = run_and_kill(cycle, &acked);
        int64_t t_run = test_mono_ms() - t0;
        char when[64];
        snprintf(when, sizeof when, "after kill %d/%d", cycle + 1, cycles);
        verdict_t v = verify(when, cycle);
        int64_t t_all = test_mono_ms() - t0;
        fprintf(stderr,
                "sqlite_crash: cycle %2d: killed %3lld ms after the first ack; %4zu acknowledged, "
                "%d committed but unacknowledged; %6lld orders stored (A sold %lld, B sold %lld); "
                "run %lld ms, check %lld ms\n",
                cycle, (long long)delay, acked, v.unacknowledged, (long long)v.orders,
                (long long)v.units_a, (long long)v.units_b, (long long)t_run,
                (long long)(t_all - t_run));
    }

    /* ---- an order placed after all the crashes works ---- */
    open_ctx();
    orders_stock_t a0 = sqlt_stock_of(S.ctx, "after the crashes", PRODUCT_A);
    orders_stock_t b0 = sqlt_stock_of(S.ctx, "after the crashes", PRODUCT_B);
    parent_place("after the crashes", 1);
    orders_stock_t a1 = sqlt_stock_of(S.ctx, "after the crashes", PRODUCT_A);
    orders_stock_t b1 = sqlt_stock_of(S.ctx, "after the crashes", PRODUCT_B);
    cr_assert_eq(a1.sold - a0.sold, qty_a(1), "after the crashes: %s sold moved by %lld",
                 PRODUCT_A, (long long)(a1.sold - a0.sold));
    cr_assert_eq(b1.sold - b0.sold, 1, "after the crashes: %s sold moved by %lld", PRODUCT_B,
                 (long long)(b1.sold - b0.sold));
    close_ctx();
    verdict_t v = verify("after the crashes", cycles - 1);
    fprintf(stderr, "sqlite_crash: %d kills, %zu acknowledged placements, %lld orders stored, "
            "%lld ms in all\n",
            cycles, S.nacks, (long long)v.orders, (long long)(test_mono_ms() - t_start));
}
