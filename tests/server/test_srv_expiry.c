/*
 * tests/server/test_srv_expiry.c - reservation expiry under load (issue 7):
 * N reservations with deadlines staggered over a spread of seconds are
 * released by orders-server's own sweeper (server/workers.c, a pass every
 * 250 ms), none before its deadline and none more than 1 s after it.
 *
 * One run per store (memory, SQLite, and MongoDB when ORDERS_TEST_MONGO_URI
 * names one), each on a real orders-server started with
 * --reservation-seconds W, where W is a little longer than the spread:
 *   1. the stock of one product is set to N;
 *   2. N reservations of one unit each (POST /api/v1/inventory/reserve) are
 *      sent at an even pace over the spread, from 8 threads, so their deadlines (the
 *      answers' expiresAt) are staggered over it, and all are held before
 *      the first one is due;
 *   3. the stock is polled (GET /api/v1/inventory/stock/...) every
 *      POLL_MS until every unit is back: released = N - reserved.  At each
 *      poll, started at s and answered at e, no more can be released than
 *      have a deadline <= e (none early) and at least those with a deadline
 *      <= s - 1 s are (none late).  The k-th release is paired with the
 *      k-th deadline (the sweep releases every due reservation in each
 *      pass, so reservations go in deadline order); its lateness is at
 *      most e - deadline, which is what the report prints (p50, p99, max);
 *   4. with SQLite, each row is read back from the file: status expired,
 *      and the sweep's release time (updated_at) within [deadline,
 *      deadline + 1 s].
 *
 * Sizes (environment): ORDERS_EXPIRY_COUNT (default 2000; the full run of
 * scripts/expiry-full.sh uses 10000), ORDERS_EXPIRY_MONGO_COUNT for the
 * MongoDB run (default 300: see plan_from_env), ORDERS_EXPIRY_SPREAD_MS (default
 * 4000; full 15000), and ORDERS_TEST_SCALE (support/scale.h), which
 * multiplies the count (at least 50), as in the valgrind pass of test.sh.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sqlite3.h>

#include "harness.h"
#include "json/json.h"
#include "stores.h"
#include "support/clock.h"
#include "support/scale.h"

#define PRODUCT "prod-mug"
#define MAX_LATE_MS 1000
#define POLL_MS 20
#define MIN_COUNT 50

typedef struct plan {
    int n;
    int64_t spread_ms;
    int64_t window_s;              /* --reservation-seconds */
} plan_t;

/* What one run saw; every array has n entries and belongs to the run. */
typedef struct run {
    plan_t p;
    int64_t *deadline;             /* by reservation, from the answers */
    int64_t *sorted;               /* the deadlines, ascending */
    int64_t *late;                 /* by rank: observed release - deadline */
    int64_t created_by;            /* wall ms when the last answer came */
    int polls;
} run_t;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double env_num(const char *name, double dflt, double lo, double hi)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return dflt;
    char *end;
    double x = strtod(v, &end);
    cr_assert(*end == '\0' && x >= lo && x <= hi, "%s=%s: must be a number in [%g, %g]", name,
              v, lo, hi);
    return x;
}

/* The MongoDB run is held to fewer reservations: the wire test server that
 * CI runs scans a whole collection on every query, so its figures are the
 * test double's (ORDERS_EXPIRY_MONGO_COUNT, default 300). */
static plan_t plan_from_env(bool mongo)
{
    plan_t p;
    int n = mongo ? (int)env_num("ORDERS_EXPIRY_MONGO_COUNT", 300, 1, 100000)
                  : (int)env_num("ORDERS_EXPIRY_COUNT", 2000, 1, 100000);
    p.n = (int)test_scaled_count(n, n < MIN_COUNT ? n : MIN_COUNT);
    p.spread_ms = (int64_t)env_num("ORDERS_EXPIRY_SPREAD_MS", 4000, 1000, 120000);
    /* every reservation is made before the first is due (step 3 counts
     * releases from the stock), with 2 s to spare for a slow start */
    p.window_s = p.spread_ms / 1000 + 3;
    return p;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef enum store_kind { STORE_MEMORY, STORE_SQLITE, STORE_MONGO } store_kind_t;

/* Starts orders-server on a new store of kind (mongo: *mongo, filled by
 * srvs_init, which skips the test without ORDERS_TEST_MONGO_URI). */
static void start_server(srvh_t *s, const plan_t *p, store_kind_t kind, srvs_store_t *mongo)
{
    char window[32];
    snprintf(window, sizeof window, "%lld", (long long)p->window_s);
    const char *mem[] = {"--reservation-seconds", window, "--store", "memory", NULL};
    const char *sql[] = {"--reservation-seconds", window, NULL};
    if (kind == STORE_MONGO)
        srvs_start(mongo, s, "16", sql);
    else
        srvh_start(s, NULL, kind == STORE_MEMORY ? mem : sql);
}

static void set_stock(srvh_t *s, int n)
{
    char body[64];
    snprintf(body, sizeof body, "{\"available\":%d}", n);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(s, "PUT", "/api/v1/inventory/stock/" PRODUCT, body, &r), 200, "%s",
                 r.body);
    srvh_resp_clear(&r);
}

/* One of the WRITERS threads of step 2: reservations k, k + WRITERS, ...,
 * each one unit, sent at start + i * spread / n.  Asserts nothing (not the
 * test's thread): deadline[i] stays 0 and failed counts a failure, with
 * the first answer kept in why. */
typedef struct writer {
    const srvh_t *srv;
    run_t *run;
    int k;
    int64_t start;
    int failed;
    char why[256];
} writer_t;

#define WRITERS 8

/* Reservation i; its deadline (ms since the epoch), or 0. */
static int64_t reserve(writer_t *w, void *curl, int i)
{
    char body[160];
    snprintf(body, sizeof body,
             "{\"orderId\":\"exp-%06d\",\"items\":[{\"productId\":\"" PRODUCT
             "\",\"quantity\":1}]}",
             i);
    char *answer = NULL;
    long status = srvh_post_from_thread_h(curl, w->srv->base, "unused", "/api/v1/inventory/reserve",
                                          "X-Service-Key: " SRVH_SERVICE_KEY, body, 60, &answer);
    json_t *j = answer != NULL ? json_loads(answer, 0, NULL) : NULL;
    int64_t until = 0;
    const char *at =
        json_string_value(json_object_get(json_object_get(j, "data"), "expiresAt"));
    if (status != 201 || at == NULL || !orders__iso8601_parse(at, &until)) {
        until = 0;
        if (w->failed++ == 0)
            snprintf(w->why, sizeof w->why, "%ld %s", status, answer ? answer : "(no answer)");
    }
    json_decref(j);
    free(answer);
    return until;
}

static void *writer_main(void *arg)
{
    writer_t *w = arg;
    run_t *run = w->run;
    void *curl = curl_easy_init();
    if (curl == NULL) {
        w->failed++;
        snprintf(w->why, sizeof w->why, "curl_easy_init failed");
        return NULL;
    }
    for (int i = w->k; i < run->p.n; i += WRITERS) {
        test_sleep_ms(w->start + run->p.spread_ms * i / run->p.n - test_mono_ms());
        run->deadline[i] = reserve(w, curl, i);
    }
    curl_easy_cleanup(curl);
    return NULL;
}

/* Step 2, on WRITERS threads (SQLite commits them in groups). */
static void reserve_all(srvh_t *s, run_t *run)
{
    writer_t w[WRITERS];
    pthread_t t[WRITERS];
    int64_t start = test_mono_ms();
    for (int k = 0; k < WRITERS; k++) {
        w[k] = (writer_t){.srv = s, .run = run, .k = k, .start = start};
        cr_assert_eq(pthread_create(&t[k], NULL, writer_main, &w[k]), 0);
    }
    for (int k = 0; k < WRITERS; k++)
        pthread_join(t[k], NULL);
    run->created_by = wall_ms();
    for (int k = 0; k < WRITERS; k++)
        cr_assert_eq(w[k].failed, 0, "%d reservations failed; the first: %s", w[k].failed,
                     w[k].why);
    memcpy(run->sorted, run->deadline, sizeof *run->sorted * (size_t)run->p.n);
    qsort(run->sorted, (size_t)run->p.n, sizeof *run->sorted, cmp_i64);
    cr_assert_lt(run->created_by, run->sorted[0],
                 "the reservations took too long to make: the first was due before the last "
                 "was made (%lld ms late); give ORDERS_EXPIRY_SPREAD_MS more room",
                 (long long)(run->created_by - run->sorted[0]));
}

static int64_t reserved_now(srvh_t *s)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(s, "GET", "/api/v1/inventory/stock/" PRODUCT, NULL, &r), 200, "%s",
                 r.body);
    json_t *v = json_object_get(srvh_data(&r), "reserved");
    cr_assert(json_is_integer(v), "%s", r.body);
    int64_t reserved = json_integer_value(v);
    srvh_resp_clear(&r);
    return reserved;
}

/* How many deadlines are <= t. */
static int due_by(const run_t *run, int64_t t)
{
    int k = 0;
    while (k < run->p.n && run->sorted[k] <= t)
        k++;
    return k;
}

/* Step 3: polls until every unit is back (bounded: the last deadline plus
 * 10 s), checking each poll and noting each rank's lateness. */
static void watch_releases(srvh_t *s, run_t *run)
{
    int n = run->p.n, released = 0;
    int64_t give_up = run->sorted[n - 1] + 10000;
    while (released < n) {
        int64_t began = wall_ms();
        cr_assert_lt(began, give_up, "%d of %d reservations still held 10 s after the last "
                     "deadline", n - released, n);
        int now_released = n - (int)reserved_now(s);
        int64_t answered = wall_ms();
        run->polls++;
        cr_assert_geq(now_released, released, "the reserved count went up");
        cr_assert_leq(now_released, due_by(run, answered),
                      "released before the deadline: %d released by %lld, only %d due",
                      now_released, (long long)answered, due_by(run, answered));
        cr_assert_geq(now_released, due_by(run, began - MAX_LATE_MS),
                      "released too late: %d released at %lld, %d were due 1 s before",
                      now_released, (long long)began, due_by(run, began - MAX_LATE_MS));
        for (; released < now_released; released++)
            run->late[released] = answered - run->sorted[released];
        test_sleep_ms(POLL_MS);
    }
}

/* Step 4 (SQLite): each row's own status and release time. */
static void check_rows(const srvh_t *s, const run_t *run)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(s->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT order_id, status, expires_at, updated_at "
                                    "FROM inventory_reservations ORDER BY order_id",
                                    -1, &st, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    const char *expired = orders_reservation_status_name(ORDERS_RES_EXPIRED);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        int i = atoi(id + strlen("exp-"));
        int64_t until = sqlite3_column_int64(st, 2), at = sqlite3_column_int64(st, 3);
        cr_assert(i >= 0 && i < run->p.n, "unexpected row %s", id);
        cr_expect_str_eq((const char *)sqlite3_column_text(st, 1), expired, "%s", id);
        cr_expect_eq(until, run->deadline[i], "%s: the stored deadline differs", id);
        cr_expect(at >= until && at <= until + MAX_LATE_MS,
                  "%s: released at %lld, deadline %lld", id, (long long)at, (long long)until);
        rows++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    cr_assert_eq(rows, run->p.n);
}

static int64_t pct(const int64_t *sorted, int n, int p)
{
    int k = (int)(((int64_t)n * p + 99) / 100) - 1;
    return sorted[k < 0 ? 0 : k];
}

static void report(const char *store, run_t *run)
{
    int n = run->p.n;
    qsort(run->late, (size_t)n, sizeof *run->late, cmp_i64);
    fprintf(stderr,
            "expiry[%s]: %d reservations, deadlines over %lld ms, window %lld s, %d polls: "
            "lateness (observed release - deadline, ms; includes the %d ms poll) "
            "min %lld p50 %lld p99 %lld max %lld\n",
            store, n, (long long)(run->sorted[n - 1] - run->sorted[0]),
            (long long)run->p.window_s, run->polls, POLL_MS, (long long)run->late[0],
            (long long)pct(run->late, n, 50), (long long)pct(run->late, n, 99),
            (long long)run->late[n - 1]);
    cr_expect_leq(run->late[n - 1], MAX_LATE_MS);
}

static void run_expiry(store_kind_t kind, const char *test)
{
    srvs_store_t mongo;
    if (kind == STORE_MONGO)
        srvs_init(&mongo, SRVS_MONGO, test);
    run_t run = {.p = plan_from_env(kind == STORE_MONGO)};
    size_t n = (size_t)run.p.n;
    run.deadline = calloc(n, sizeof *run.deadline);
    run.sorted = calloc(n, sizeof *run.sorted);
    run.late = calloc(n, sizeof *run.late);
    cr_assert(run.deadline && run.sorted && run.late);

    srvh_t s;
    start_server(&s, &run.p, kind, &mongo);
    set_stock(&s, run.p.n);
    reserve_all(&s, &run);
    watch_releases(&s, &run);
    cr_expect_eq(reserved_now(&s), 0);
    if (kind == STORE_SQLITE)
        check_rows(&s, &run);
    static const char *const names[] = {"memory", "sqlite", "mongo"};
    report(names[kind], &run);
    cr_expect_eq(srvh_stop(&s, kind == STORE_MONGO), 0, "orders-server must exit cleanly");
    if (kind == STORE_MONGO)
        srvs_destroy(&mongo);

    free(run.deadline);
    free(run.sorted);
    free(run.late);
}

Test(srv_expiry, staggered_reservations_expire_on_time_memory, .timeout = 240)
{
    run_expiry(STORE_MEMORY, "expiry_memory");
}

Test(srv_expiry, staggered_reservations_expire_on_time_sqlite, .timeout = 240)
{
    run_expiry(STORE_SQLITE, "expiry_sqlite");
}

Test(srv_expiry, staggered_reservations_expire_on_time_mongo, .timeout = 240)
{
    run_expiry(STORE_MONGO, "expiry_mongo");
}
