/*
 * test_sqlite_lease.c - four processes share one SQLite file and race
 * lease_take for the same 100 names, all at the same `now`: each name ends
 * with exactly one holder, and the leases table names that holder.
 *
 * The parent creates the file and, for every odd round, a lease of "old"
 * that expires at the race's now (so those rounds race to take over an
 * expired row, the even ones to insert a new one), then closes it.  Each
 * child is this binary started again (support/sqlite_tmp.h, SQLT_ROLE=
 * lease): it opens its OWN store handle on the file, says READY, waits
 * until the parent releases all children at once, then takes each name in
 * turn and reports every outcome on its pipe.  (The conformance suite's
 * lease tests cover the rules and threads within one process.)
 */
#include <criterion/criterion.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <orders/orders.h>
#include <orders/store_sqlite.h>

#include "support/clock.h"
#include "support/sqlite_integrity.h"
#include "support/sqlite_tmp.h"

#define PROCS 4
#define ROUNDS 100
#define NOW INT64_C(1700000000000)
#define LEASE_MS INT64_C(1000)

#define READY_TIMEOUT_MS 30000
#define RUN_TIMEOUT_MS 60000

static void lease_name(int round, char *out, size_t len)
{
    snprintf(out, len, "lease-%03d", round);
}

static void owner_name(int proc, char *out, size_t len)
{
    snprintf(out, len, "proc-%d", proc);
}

/* ======================================================================
 * Child: SQLT_ROLE=lease, SQLT_DB=uri, SQLT_PROC=index
 * ====================================================================== */

/* Takes every name once; reports "H round" (held), "N round" (not held)
 * or "E round code message", then "R proc held errors". */
static void child_race(const orders_store_vtable_t *vt, void *ud, int proc)
{
    char owner[32], name[32];
    owner_name(proc, owner, sizeof owner);
    int held_count = 0, errors = 0;
    for (int r = 0; r < ROUNDS; r++) {
        lease_name(r, name, sizeof name);
        bool held = false;
        orders_error_t err = {0};
        orders_code_t rc = vt->lease_take(ud, name, owner, NOW, NOW + LEASE_MS, &held, &err);
        if (rc != ORDERS_OK) {
            errors++;
            sqlt_report("E %d %d %s", r, (int)rc, err.message);
        } else {
            held_count += held;
            sqlt_report("%c %d", held ? 'H' : 'N', r);
        }
    }
    sqlt_report("R %d %d %d", proc, held_count, errors);
}

static int child_main(void)
{
    const char *uri = getenv("SQLT_DB");
    int proc = (int)sqlt_env_long("SQLT_PROC", -1);
    if (!uri || proc < 0 || proc >= PROCS) {
        sqlt_report("F args - bad SQLT_DB or SQLT_PROC");
        return 2;
    }
    void *ud = NULL;
    orders_error_t err = {0};
    if (orders_store_sqlite_open_uri(uri, &ud, &err) != ORDERS_OK) {
        sqlt_report("F open - %s", err.message);
        return 2;
    }
    sqlt_report("READY %d", (int)getpid());
    if (sqlt_wait_go(READY_TIMEOUT_MS))
        child_race(orders_store_sqlite_vtable(), ud, proc);
    else
        sqlt_report("F go - never released");
    orders_store_sqlite_free(ud);
    return 0;
}

__attribute__((constructor)) static void child_hook(void)
{
    const char *role = sqlt_child_role();
    if (role && strcmp(role, "lease") == 0)
        exit(child_main());
}

/* ======================================================================
 * Parent
 * ====================================================================== */

static struct {
    sqlt_db_t db;
    sqlt_group_t kids; /* the PROCS children */
} S;

static void setup(void)
{
    memset(&S, 0, sizeof S);
    sqlt_group_init(&S.kids);
    sqlt_db_init(&S.db, "lease");
}

static void teardown(void)
{
    sqlt_group_close(&S.kids);
    bool removed = sqlt_db_remove(&S.db);
    memset(&S, 0, sizeof S);
    cr_expect(removed, "temp directory not fully removed");
}

/* Creates the file with the expired leases of the odd rounds. */
static void seed(void)
{
    void *ud = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_store_sqlite_open_uri(S.db.uri, &ud, &err), ORDERS_OK, "%s",
                 err.message);
    const orders_store_vtable_t *vt = orders_store_sqlite_vtable();
    for (int r = 1; r < ROUNDS; r += 2) {
        char name[32];
        lease_name(r, name, sizeof name);
        bool held = false;
        cr_assert_eq(vt->lease_take(ud, name, "old", NOW - LEASE_MS, NOW, &held, &err),
                     ORDERS_OK, "%s", err.message);
        cr_assert(held, "seed lease %s not granted", name);
    }
    orders_store_sqlite_free(ud);
}

/* Reads child i's lines until its pipe closes: holder[r] gets i for each
 * round it held; returns how many summary lines it sent. */
static int collect(int i, int holder[ROUNDS], int holders[ROUNDS], int64_t deadline)
{
    char line[SQLT_LINE_MAX];
    int summaries = 0, outcomes = 0;
    for (;;) {
        int got = sqlt_read_line(&S.kids.lines[i], line, sizeof line, deadline - test_mono_ms());
        cr_assert_neq(got, 0, "child %d still running after %d ms", i, RUN_TIMEOUT_MS);
        if (got < 0)
            break;
        int r = -1, proc = -1, held = 0, errors = 0;
        if (line[0] == 'R') {
            cr_assert_eq(sscanf(line, "R %d %d %d", &proc, &held, &errors), 3, "bad line: %s",
                         line);
            cr_assert_eq(errors, 0, "child %d had %d errors", i, errors);
            summaries++;
            continue;
        }
        cr_assert(line[0] == 'H' || line[0] == 'N', "child %d: %s", i, line);
        cr_assert_eq(sscanf(line + 1, "%d", &r), 1, "bad line: %s", line);
        cr_assert(r >= 0 && r < ROUNDS, "bad round: %s", line);
        outcomes++;
        if (line[0] == 'H') {
            holder[r] = i;
            holders[r]++;
        }
    }
    cr_assert_eq(outcomes, ROUNDS, "child %d reported %d outcomes", i, outcomes);
    return summaries;
}

/* The leases table names holder[r] for every round, until NOW + LEASE_MS. */
static void assert_table(const int holder[ROUNDS])
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(S.db.path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT owner, until FROM leases WHERE name = ?1", -1,
                                    &st, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    for (int r = 0; r < ROUNDS; r++) {
        char name[32], owner[32];
        lease_name(r, name, sizeof name);
        owner_name(holder[r], owner, sizeof owner);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "no lease %s", name);
        cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), owner, "owner of %s", name);
        cr_assert_eq(sqlite3_column_int64(st, 1), NOW + LEASE_MS, "until of %s", name);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

Test(sqlite_lease, four_processes_one_holder_per_name, .init = setup, .fini = teardown,
     .timeout = 180)
{
    seed();
    sqlt_group_start(&S.kids, PROCS, "lease", S.db.uri, READY_TIMEOUT_MS);
    int holder[ROUNDS], holders[ROUNDS] = {0};
    int64_t deadline = test_mono_ms() + RUN_TIMEOUT_MS;
    for (int i = 0; i < PROCS; i++) {
        cr_assert_eq(collect(i, holder, holders, deadline), 1, "child %d: no summary", i);
        sqlt_group_reap(&S.kids, i, 10000);
    }
    for (int r = 0; r < ROUNDS; r++)
        cr_assert_eq(holders[r], 1, "round %d: %d processes hold the lease", r, holders[r]);
    assert_table(holder);
    sqlt_assert_integrity("after the race", S.db.path);
}
