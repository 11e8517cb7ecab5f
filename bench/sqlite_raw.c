/*
 * sqlite_raw.c - the raw SQLite commit rate that the SQLite store is
 * measured against (bench.h).  Built only with the SQLite backend.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef ORDERS_HAVE_SQLITE
#include <sqlite3.h>

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "orders-bench: sqlite: %s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int bench_sqlite_raw(const char *path, int64_t n, bench_figures_t *f)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *begin = NULL, *insert = NULL, *commit = NULL;
    int64_t *lat = calloc((size_t)n, sizeof *lat);
    int rc = -1;

    if (lat == NULL || sqlite3_open(path, &db) != SQLITE_OK ||
        exec(db, "PRAGMA journal_mode=WAL") || exec(db, "PRAGMA synchronous=FULL") ||
        exec(db, "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, customer TEXT, "
                 "total INTEGER)") ||
        sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO t(customer, total) VALUES(?1, ?2)", -1, &insert,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK) {
        fprintf(stderr, "orders-bench: sqlite raw setup: %s\n", db ? sqlite3_errmsg(db) : "no memory");
        goto done;
    }
    sqlite3_bind_text(insert, 1, "bench-customer", -1, SQLITE_STATIC);
    int64_t t0 = bench_now_ns();
    for (int64_t i = 0; i < n; i++) {
        int64_t s = bench_now_ns();
        sqlite3_bind_int64(insert, 2, i);
        if (step_reset(begin) || step_reset(insert) || step_reset(commit)) {
            fprintf(stderr, "orders-bench: sqlite raw commit: %s\n", sqlite3_errmsg(db));
            goto done;
        }
        lat[i] = bench_now_ns() - s;
    }
    bench_summarize(lat, n, bench_now_ns() - t0, f);
    rc = 0;
done:
    sqlite3_finalize(begin);
    sqlite3_finalize(insert);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    free(lat);
    return rc;
}

#else

int bench_sqlite_raw(const char *path, int64_t n, bench_figures_t *f)
{
    (void)path, (void)n, (void)f;
    fprintf(stderr, "orders-bench: built without SQLite\n");
    return -1;
}

#endif
