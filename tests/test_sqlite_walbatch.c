/*
 * test_sqlite_walbatch.c - the WAL-batching VFS shim of the SQLite store
 * (liborders/store/sqlite/walbatch.c), driven through SQLite itself:
 * whatever goes through the shim reads back the same through the default
 * VFS, from another connection, after commits, rollbacks, cache spills
 * that rewrite frames, and writes larger than the shim's buffer and chunk.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/sqlite/internal.h"
#include "support/sqlite_tmp.h"

/* rows 1..2000 as s(i), for INSERT ... SELECT */
#define SERIES_2000 "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000)"

static sqlt_db_t DB;

static void setup(void)
{
    sqlt_db_init(&DB, "walbatch");
}

static void teardown(void)
{
    sqlt_db_remove(&DB);
}

TestSuite(walbatch, .init = setup, .fini = teardown);

static sqlite3 *open_with(const char *vfs)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(DB.path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL,
                              NULL, NULL),
                 SQLITE_OK);
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_free(msg);
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

Test(walbatch, is_registered_and_used_by_the_store)
{
    const char *name = orders__sq_walbatch_vfs();
    cr_assert_not_null(name);
    cr_assert_not_null(sqlite3_vfs_find(name));
    cr_expect_str_eq(name, ORDERS__SQ_WALBATCH_VFS);
}

Test(walbatch, commits_are_seen_by_a_plain_connection_after_each_commit)
{
    sqlite3 *w = open_with(orders__sq_walbatch_vfs());
    sqlite3 *r = open_with(NULL);
    exec(w, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
    for (int i = 1; i <= 300; i++) {
        char sql[128];
        snprintf(sql, sizeof sql,
                 "BEGIN IMMEDIATE; INSERT INTO t (v) VALUES (printf('%%0500d', %d)); COMMIT", i);
        exec(w, sql);
        cr_assert_eq(scalar(r, "SELECT count(*) FROM t"), i, "after commit %d", i);
    }
    sqlite3_close(w);
    sqlite3_close(r);
}

Test(walbatch, a_rollback_leaves_nothing_and_the_next_commit_works)
{
    sqlite3 *w = open_with(orders__sq_walbatch_vfs());
    exec(w, "PRAGMA cache_size = 5");   /* spill: frames go to the WAL mid-transaction */
    exec(w, "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
    exec(w, "BEGIN; INSERT INTO t (v) " SERIES_2000 " SELECT randomblob(3000) FROM s;"
            "ROLLBACK");
    cr_expect_eq(scalar(w, "SELECT count(*) FROM t"), 0);
    exec(w, "INSERT INTO t (v) VALUES (x'01')");
    sqlite3 *r = open_with(NULL);
    cr_expect_eq(scalar(r, "SELECT count(*) FROM t"), 1);
    sqlite3_close(r);
    sqlite3_close(w);
}

Test(walbatch, big_transactions_and_rewritten_frames_read_back_exactly)
{
    sqlite3 *w = open_with(orders__sq_walbatch_vfs());
    exec(w, "PRAGMA cache_size = 5");
    exec(w, "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB, n INTEGER)");
    /* 12 MB in one transaction: past the 4 MiB buffer, many 64 KiB chunks */
    exec(w, "BEGIN; INSERT INTO t (v, n) " SERIES_2000 " SELECT zeroblob(6000), 0 FROM s;"
            "COMMIT");
    /* the same pages over and over in one transaction: SQLite rewrites the
     * frames it already wrote in this transaction */
    exec(w, "BEGIN");
    for (int i = 0; i < 50; i++)
        exec(w, "UPDATE t SET n = n + 1 WHERE k % 7 = 0");
    exec(w, "COMMIT");
    sqlite3 *r = open_with(NULL);
    cr_expect_eq(scalar(r, "SELECT count(*) FROM t"), 2000);
    cr_expect_eq(scalar(r, "SELECT sum(n) FROM t"), 50 * (2000 / 7));
    cr_expect_eq(scalar(r, "SELECT sum(length(v)) FROM t"), 2000 * 6000);
    sqlite3_close(w);
    /* a checkpoint into the main file, then everything still reads back */
    exec(r, "PRAGMA wal_checkpoint(TRUNCATE)");
    cr_expect_eq(scalar(r, "SELECT sum(n) FROM t"), 50 * (2000 / 7));
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(r, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_expect_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(r);
}
