/*
 * sqlite_integrity.h - PRAGMA integrity_check for the SQLite store tests
 * that open the database file with raw SQLite (test_sqlite_crash.c,
 * test_sqlite_procs.c).  Header-only: the .c files of tests/support link into every
 * test binary and must not call SQLite, so include this only from a test
 * that links SQLite.  Asserts with Criterion: call it from the test's own
 * thread.
 */
#ifndef ORDERS_TEST_SQLITE_INTEGRITY_H
#define ORDERS_TEST_SQLITE_INTEGRITY_H

#include <criterion/criterion.h>

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Asserts that PRAGMA integrity_check on the file at path runs and says
 * "ok"; when prefixes the failure messages. */
static inline void sqlt_assert_integrity(const char *when, const char *path)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    char msg[1024] = "";
    size_t len = 0;
    int rows = 0;
    bool ok = false;
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
        int step = SQLITE_DONE;
        while (rc == SQLITE_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
            const char *row = (const char *)sqlite3_column_text(st, 0);
            ok = rows++ == 0 && row && strcmp(row, "ok") == 0;
            if (len < sizeof msg - 1) {
                int k = snprintf(msg + len, sizeof msg - len, "%s%s", rows > 1 ? "; " : "",
                                 row ? row : "(null)");
                len = k < 0 ? len : len + (size_t)k;
            }
        }
        if (rc == SQLITE_OK && step != SQLITE_DONE && step != SQLITE_ROW)
            rc = step;
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_OK)
        snprintf(msg, sizeof msg, "%s (%d)", db ? sqlite3_errmsg(db) : "cannot open", rc);
    sqlite3_close(db);
    cr_assert_eq(rc, SQLITE_OK, "%s: PRAGMA integrity_check on %s could not run: %s", when, path,
                 msg);
    cr_assert(ok, "%s: PRAGMA integrity_check on %s: %s", when, path, msg);
}

#endif
