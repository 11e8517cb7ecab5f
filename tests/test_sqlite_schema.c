/*
 * test_sqlite_schema.c - the SQLite store's schema and file handling:
 *   - EXPLAIN QUERY PLAN of every list/count statement the store runs (the
 *     very text of liborders/store/sqlite/sql.h) uses an index: no full
 *     scan of a table, no sort of a whole result;
 *   - a version 1 database (tests/fixtures/sqlite_v1.sql) is migrated to
 *     the current version when opened, and its data reads back intact;
 *   - a database of a newer schema version is refused;
 *   - a missing file is created (a missing directory is an error);
 *   - WAL journal mode; URI options, good and bad;
 *   - a database held locked by another connection gives a bounded
 *     ORDERS_E_UNAVAILABLE, and reads still work meanwhile.
 */
#define _DEFAULT_SOURCE /* mkdtemp */

#include <criterion/criterion.h>

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <orders/orders.h>

#include "store/sqlite/sql.h"
#include "support/clock.h"

#define T0 INT64_C(1700000000000)

static char dir[512];
static char db_path[600];

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/orders-schema-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp");
    snprintf(db_path, sizeof db_path, "%s/store.db", dir);
}

static void teardown(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[640];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", db_path, suffixes[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/sub", dir);
    rmdir(p);
    rmdir(dir);
}

TestSuite(sqlite_schema, .init = setup, .fini = teardown);

/* ---- helpers -------------------------------------------------------------------------- */

static void *open_store(const char *path)
{
    void *ud = NULL;
    orders_error_t err = {0};
    orders_code_t rc = orders_store_sqlite_open(path, NULL, &ud, &err);
    cr_assert_eq(rc, ORDERS_OK, "open %s: %d %s", path, rc, err.message);
    return ud;
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    cr_assert_eq(rc, SQLITE_OK, "sqlite3_open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    char copy[256];
    snprintf(copy, sizeof copy, "%s", msg ? msg : "");
    sqlite3_free(msg);
    cr_assert_eq(rc, SQLITE_OK, "sqlite3_exec: %s", copy);
}

static int64_t raw_i64(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* tests/fixtures/<name>, found next to this source file. */
static void fixture_path(char *out, size_t len, const char *name)
{
    const char *src = __FILE__;
    const char *slash = strrchr(src, '/');
    int n = slash ? (int)(slash - src) : 1;
    snprintf(out, len, "%.*s/fixtures/%s", n, slash ? src : ".", name);
}

/* ---- EXPLAIN QUERY PLAN --------------------------------------------------------------- */

static const struct {
    const char *name;
    int list;
    const char *sql;
} STATEMENTS[] = {
#define ROW(name, list, sql) {#name, list, sql},
    ORDERS__SQ_STATEMENTS(ROW)
#undef ROW
};

/* The plan of sql as "detail | detail | ...". */
static void plan_of(sqlite3 *db, const char *sql, char *out, size_t len)
{
    char q[4096];
    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, q, -1, &st, NULL);
    cr_assert_eq(rc, SQLITE_OK, "prepare %s: %s", sql, sqlite3_errmsg(db));
    out[0] = '\0';
    size_t used = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 3);
        int w = snprintf(out + used, len - used, "%s%s", used ? " | " : "", d ? d : "");
        if (w > 0 && (size_t)w < len - used)
            used += (size_t)w;
    }
    sqlite3_finalize(st);
}

/* True when some step of the plan scans a table without an index. */
static bool plan_scans_table(const char *plan)
{
    const char *p = plan;
    while ((p = strstr(p, "SCAN ")) != NULL) {
        const char *end = strstr(p, " | ");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char step[512];
        snprintf(step, sizeof step, "%.*s", (int)(n < sizeof step ? n : sizeof step - 1), p);
        if (!strstr(step, "INDEX") && !strstr(step, "CONSTANT ROW"))
            return true;
        p += n;
    }
    return false;
}

Test(sqlite_schema, every_list_query_uses_an_index)
{
    void *ud = open_store(db_path); /* creates and migrates the schema */
    sqlite3 *db = raw_open(db_path);
    int checked = 0;
    for (size_t i = 0; i < sizeof STATEMENTS / sizeof STATEMENTS[0]; i++) {
        if (!STATEMENTS[i].list)
            continue;
        char plan[2048];
        plan_of(db, STATEMENTS[i].sql, plan, sizeof plan);
        cr_assert(!plan_scans_table(plan), "%s scans a table: %s", STATEMENTS[i].name, plan);
        cr_assert_null(strstr(plan, "TEMP B-TREE"), "%s sorts its whole result: %s",
                       STATEMENTS[i].name, plan);
        checked++;
    }
    cr_assert_geq(checked, 24, "only %d list statements checked", checked);
    sqlite3_close(db);
    orders_store_sqlite_free(ud);
}

/* The plan of the statement named name mentions want. */
static void assert_plan_uses(sqlite3 *db, const char *name, const char *want)
{
    for (size_t i = 0; i < sizeof STATEMENTS / sizeof STATEMENTS[0]; i++) {
        if (strcmp(STATEMENTS[i].name, name) != 0)
            continue;
        char plan[2048];
        plan_of(db, STATEMENTS[i].sql, plan, sizeof plan);
        cr_assert_not_null(strstr(plan, want), "%s: expected %s in the plan: %s", name, want,
                           plan);
        return;
    }
    cr_assert_fail("no statement %s", name);
}

Test(sqlite_schema, list_queries_use_the_index_made_for_them)
{
    void *ud = open_store(db_path);
    sqlite3 *db = raw_open(db_path);
    assert_plan_uses(db, "ORDER_LIST", "orders_created");
    assert_plan_uses(db, "ORDER_LIST_C", "orders_customer_created");
    assert_plan_uses(db, "ORDER_LIST_T", "orders_status_created");
    assert_plan_uses(db, "ORDER_LIST_CT", "orders_customer_created");
    assert_plan_uses(db, "ORDER_LIST_S", "SEARCH s USING PRIMARY KEY (seller_id=?)");
    assert_plan_uses(db, "ORDER_LIST_ST", "SEARCH s USING PRIMARY KEY (seller_id=?)");
    /* a seller and a customer: the customer's orders, each checked by key */
    assert_plan_uses(db, "ORDER_LIST_SC", "orders_customer_created (customer_id=?) | SEARCH s");
    assert_plan_uses(db, "ORDER_COUNT_SCT", "orders_customer_created (customer_id=?) | SEARCH s");
    /* every other total is one row of order_counts */
    assert_plan_uses(db, "ORDER_COUNT_KEYED",
                     "SEARCH order_counts USING PRIMARY KEY (scope=? AND k1=? AND k2=?)");
    assert_plan_uses(db, "ORDER_SCAN", "orders_placed");
    assert_plan_uses(db, "ORDER_GET_BY_NUMBER", "orders_number");
    assert_plan_uses(db, "RES_DUE", "reservations_status_expires");
    assert_plan_uses(db, "RES_COUNTS", "reservations_updated");
    assert_plan_uses(db, "CART_PURGE", "carts_expires");
    assert_plan_uses(db, "OUTBOX_FETCH", "outbox_pending");
    assert_plan_uses(db, "OUTBOX_REQUEUE", "outbox_dead");
    assert_plan_uses(db, "HISTORY_LIST", "history_order");
    assert_plan_uses(db, "STAT_COUNT", "stats_kind_at");
    assert_plan_uses(db, "PRODUCT_LIST_SELLER", "products_seller");
    sqlite3_close(db);
    orders_store_sqlite_free(ud);
}

/* ---- migration ------------------------------------------------------------------------ */

static void load_fixture(const char *path)
{
    char fx[600];
    fixture_path(fx, sizeof fx, "sqlite_v1.sql");
    char *sql = read_file(fx);
    sqlite3 *db = raw_open(path);
    raw_exec(db, sql);
    free(sql);
    cr_assert_eq(raw_i64(db, "SELECT MAX(version) FROM schema_version"), 1, "fixture version");
    sqlite3_close(db);
}

Test(sqlite_schema, version_1_file_is_migrated_and_its_data_kept)
{
    load_fixture(db_path);
    void *ud = open_store(db_path);
    const orders_store_vtable_t *vt = orders_store_sqlite_vtable();

    sqlite3 *db = raw_open(db_path);
    cr_assert_eq(raw_i64(db, "SELECT MAX(version) FROM schema_version"),
                 ORDERS_SQLITE_SCHEMA_VERSION, "not migrated to the current version");
    cr_assert_eq(raw_i64(db, "SELECT COUNT(*) FROM schema_version"),
                 ORDERS_SQLITE_SCHEMA_VERSION, "versions recorded");
    cr_assert_eq(raw_i64(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                             "AND name = 'outbox_dead'"),
                 1, "version 3 did not add the dead-letter index");
    cr_assert_eq(raw_i64(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                             "AND name = 'leases'"),
                 1, "version 3 did not add the leases table");
    cr_assert_eq(raw_i64(db, "SELECT COUNT(*) FROM order_sellers WHERE order_id = 'o1'"), 2,
                 "version 2 did not index the existing order by its sellers");
    cr_assert_eq(raw_i64(db, "SELECT n FROM order_counts WHERE scope = 0"),
                 raw_i64(db, "SELECT COUNT(*) FROM orders"), "version 4 did not count the orders");
    cr_assert_eq(raw_i64(db, "SELECT n FROM order_counts WHERE scope = 5 AND k1 = 's2' "
                             "AND k2 = 'pending'"),
                 1, "version 4 did not count seller s2's pending order");
    sqlite3_close(db);

    orders_order_t *o = NULL;
    orders_error_t err = {0};
    cr_assert_eq(vt->order_get(ud, "o1", &o, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(o->order_number, "ORD1001");
    cr_assert_str_eq(o->customer_name, "Ada Lovelace");
    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_eq(o->payment_method, ORDERS_METHOD_ONLINE);
    cr_assert_eq(o->total_amount.amount, 4998);
    cr_assert_str_eq(o->total_amount.currency, "USD");
    cr_assert_eq(o->item_count, 2);
    cr_assert_str_eq(o->items[1].product_id, "p2");
    cr_assert_eq(o->items[1].quantity, 3);
    cr_assert_null(o->items[1].product_image);
    cr_assert_eq(o->seller_count, 2);
    cr_assert_str_eq(o->seller_statuses[1].tracking_number, "TRK-9");
    cr_assert_str_eq(o->shipping_address.city, "London");
    cr_assert_null(o->shipping_address.address_line2);

    /* the seller filter, served by the table version 2 added */
    orders_order_filter_t f = {.seller_id = "s2", .limit = 10};
    orders_order_list_t l = {0};
    cr_assert_eq(vt->order_list(ud, &f, &l, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(l.total, 1);
    cr_assert_eq(l.count, 1);
    cr_assert_str_eq(l.items[0]->id, "o1");
    orders_order_list_clear(&l);

    orders_reservation_t *r = NULL;
    cr_assert_eq(vt->reservation_get(ud, "o1", &r, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(r->status, ORDERS_RES_ACTIVE);
    cr_assert(r->local_stock);
    cr_assert_eq(r->line_count, 2);
    orders_reservation_free(r);

    orders_cart_t *c = NULL;
    cr_assert_eq(vt->cart_get(ud, "c2", &c, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(c->version, 1);
    cr_assert_eq(c->item_count, 1);
    cr_assert_eq(c->items[0].quantity, 4);
    orders_cart_free(c);

    orders_stock_t s;
    cr_assert_eq(vt->stock_get(ud, "p2", &s, &err), ORDERS_OK, "%s", err.message);
    cr_assert(s.available == 36 && s.reserved == 3 && s.sold == 1 && s.stocked == 40);

    char oid[ORDERS_ID_MAX + 1], hash[ORDERS_ID_MAX + 1];
    cr_assert_eq(vt->idem_get(ud, "c1-key", oid, hash, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(oid, "o1");
    int64_t next = 0;
    cr_assert_eq(vt->sequence_next(ud, "order", &next, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(next, 1002);

    /* the migrated data keeps working: confirm the old order's reservation */
    orders_order_t *u = orders_order_copy(o);
    cr_assert_not_null(u);
    u->version = 2;
    u->status = ORDERS_STATUS_CONFIRMED;
    u->confirmed_at = T0 + 10;
    orders_update_tx_t tx = {.order = u, .expected_version = 1,
                             .effect = ORDERS_RES_EFFECT_CONFIRM, .now = T0 + 10};
    cr_assert_eq(vt->order_update(ud, &tx, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(vt->stock_get(ud, "p2", &s, &err), ORDERS_OK);
    cr_assert(s.available == 36 && s.reserved == 0 && s.sold == 4, "p2 after confirm");
    /* the totals moved with the status: s2's order is now confirmed */
    f = (orders_order_filter_t){.seller_id = "s2", .has_status = true,
                                .status = ORDERS_STATUS_CONFIRMED, .limit = 10};
    cr_assert_eq(vt->order_list(ud, &f, &l, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(l.total, 1, "s2 confirmed total");
    orders_order_list_clear(&l);
    f.status = ORDERS_STATUS_PENDING;
    cr_assert_eq(vt->order_list(ud, &f, &l, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(l.total, 0, "s2 pending total");
    orders_order_list_clear(&l);
    orders_order_free(u);
    orders_order_free(o);
    orders_store_sqlite_free(ud);

    /* opening a current file again changes nothing */
    ud = open_store(db_path);
    orders_store_sqlite_free(ud);
    db = raw_open(db_path);
    cr_assert_eq(raw_i64(db, "SELECT COUNT(*) FROM schema_version"),
                 ORDERS_SQLITE_SCHEMA_VERSION, "migrated twice");
    sqlite3_close(db);
}

Test(sqlite_schema, newer_schema_version_is_refused)
{
    void *ud = open_store(db_path);
    orders_store_sqlite_free(ud);
    sqlite3 *db = raw_open(db_path);
    raw_exec(db, "INSERT INTO schema_version (version, applied_at) VALUES (99, 0)");
    sqlite3_close(db);

    ud = NULL;
    orders_error_t err = {0};
    orders_code_t rc = orders_store_sqlite_open(db_path, NULL, &ud, &err);
    cr_assert_eq(rc, ORDERS_E_UNSUPPORTED, "newer schema: got %d %s", rc, err.message);
    cr_assert_null(ud);
    cr_assert_not_null(strstr(err.message, "99"), "message: %s", err.message);
    cr_assert_not_null(strstr(err.message, "newer"), "message: %s", err.message);

    char uri[700];
    snprintf(uri, sizeof uri, "sqlite:%s", db_path);
    orders_ctx_t *ctx = NULL;
    cr_assert_eq(orders_ctx_new(NULL, &ctx, NULL), ORDERS_OK);
    cr_assert_eq(orders_ctx_open_store(ctx, uri, &err), ORDERS_E_UNSUPPORTED, "%s", err.message);
    orders_ctx_destroy(ctx);
}

/* ---- files and options -------------------------------------------------------------- */

Test(sqlite_schema, missing_file_is_created_in_wal_mode)
{
    struct stat sb;
    cr_assert_neq(stat(db_path, &sb), 0, "file exists before");
    char uri[700];
    snprintf(uri, sizeof uri, "sqlite:%s", db_path);
    orders_ctx_t *ctx = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_new(NULL, &ctx, NULL), ORDERS_OK);
    cr_assert_eq(orders_ctx_open_store(ctx, uri, &err), ORDERS_OK, "%s", err.message);
    void *ud = NULL;
    cr_assert_str_eq(orders_ctx_store(ctx, &ud)->name, "sqlite");
    cr_assert_eq(stat(db_path, &sb), 0, "file not created");

    sqlite3 *db = raw_open(db_path);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
    orders_ctx_destroy(ctx);

    /* a missing directory is a clear backend error, not a crash */
    char bad[700];
    snprintf(bad, sizeof bad, "%s/sub/none/store.db", dir);
    ud = NULL;
    orders_code_t rc = orders_store_sqlite_open(bad, NULL, &ud, &err);
    cr_assert_eq(rc, ORDERS_E_BACKEND, "missing directory: %d %s", rc, err.message);
    cr_assert_null(ud);
}

static void assert_bad_uri(const char *query, const char *named)
{
    char uri[800];
    snprintf(uri, sizeof uri, "sqlite:%s?%s", db_path, query);
    orders_ctx_t *ctx = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_new(NULL, &ctx, NULL), ORDERS_OK);
    orders_code_t rc = orders_ctx_open_store(ctx, uri, &err);
    cr_assert_eq(rc, ORDERS_E_INVALID, "?%s: expected INVALID, got %d %s", query, rc, err.message);
    cr_assert_str_eq(err.field, "store", "?%s: field %s", query, err.field);
    cr_assert_not_null(strstr(err.message, named), "?%s: message does not name %s: %s", query,
                       named, err.message);
    cr_assert_null(orders_ctx_store(ctx, NULL), "a refused URI registered a store");
    orders_ctx_destroy(ctx);
}

Test(sqlite_schema, bad_uri_options_are_refused)
{
    assert_bad_uri("bogus=1", "bogus");
    assert_bad_uri("synchronous=sometimes", "synchronous");
    assert_bad_uri("synchronous=off", "synchronous");
    assert_bad_uri("busy_timeout=abc", "busy_timeout");
    assert_bad_uri("busy_timeout=-5", "busy_timeout");
    assert_bad_uri("busy_timeout=9999999", "busy_timeout");
    assert_bad_uri("pool=0", "pool");
    assert_bad_uri("pool=65", "pool");
    assert_bad_uri("busy_retries=", "busy_retries");
    assert_bad_uri("pool", "pool");
    assert_bad_uri("pool=2&journal_mode=delete", "journal_mode");
    struct stat sb;
    cr_assert_neq(stat(db_path, &sb), 0, "a refused URI created the file");

    orders_ctx_t *ctx = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_new(NULL, &ctx, NULL), ORDERS_OK);
    cr_assert_eq(orders_ctx_open_store(ctx, "sqlite:", &err), ORDERS_E_INVALID, "empty path");
    cr_assert_eq(orders_ctx_open_store(ctx, "sqlite::memory:", &err), ORDERS_E_INVALID,
                 "in-memory database");
    char uri[800];
    snprintf(uri, sizeof uri,
             "sqlite:%s?synchronous=normal&busy_timeout=200&busy_retries=2&pool=2", db_path);
    cr_assert_eq(orders_ctx_open_store(ctx, uri, &err), ORDERS_OK, "good options: %s",
                 err.message);
    orders_ctx_destroy(ctx);
}

/* ---- locking ---------------------------------------------------------------------------- */

Test(sqlite_schema, a_locked_database_gives_a_bounded_unavailable)
{
    orders_sqlite_options_t o = orders_sqlite_options_default();
    o.busy_timeout_ms = 50;
    o.busy_retries = 2;
    void *ud = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_store_sqlite_open(db_path, &o, &ud, &err), ORDERS_OK, "%s", err.message);
    const orders_store_vtable_t *vt = orders_store_sqlite_vtable();
    int64_t v = 0;
    cr_assert_eq(vt->sequence_next(ud, "n", &v, &err), ORDERS_OK, "%s", err.message);

    sqlite3 *db = raw_open(db_path); /* another writer holds the write lock */
    raw_exec(db, "BEGIN IMMEDIATE");
    int64_t t = test_mono_ms();
    orders_code_t rc = vt->sequence_next(ud, "n", &v, &err);
    int64_t took = test_mono_ms() - t;
    cr_assert_eq(rc, ORDERS_E_UNAVAILABLE, "write under a held lock: %d %s", rc, err.message);
    cr_assert_not_null(strstr(err.message, "locked"), "message: %s", err.message);
    cr_assert_geq(took, 3 * 50 - 10, "gave up after %lld ms: too early", (long long)took);
    /* bounded: the three 50 ms waits, not forever (scaled: a loaded or
     * valgrind run may be slow, but not that slow) */
    cr_assert_lt(took, test_scaled_ms(3000), "gave up after %lld ms: not bounded",
                 (long long)took);
    /* readers are not blocked by a writer in WAL mode */
    int64_t pending = -1;
    cr_assert_eq(vt->outbox_counts(ud, &pending, NULL, &err), ORDERS_OK, "%s", err.message);
    raw_exec(db, "ROLLBACK");
    sqlite3_close(db);

    cr_assert_eq(vt->sequence_next(ud, "n", &v, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(v, 2, "the refused call took a value");
    orders_store_sqlite_free(ud);
}

/* The store turns off SQLite's automatic checkpoints and runs its own
 * thread instead (checkpoint.c).  If that thread did nothing, the WAL would
 * hold every one of these 20000 commits; with it, the WAL is copied back and
 * reused from its start every ~1000 pages (plus whatever is committed while
 * the thread waits to be scheduled: a few thousand on a loaded machine). */
Test(sqlite_schema, the_checkpointer_keeps_the_wal_from_growing)
{
    orders_sqlite_options_t o = orders_sqlite_options_default();
    o.synchronous = ORDERS_SQLITE_SYNC_NORMAL; /* the commits' speed is not the point */
    void *ud = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_store_sqlite_open(db_path, &o, &ud, &err), ORDERS_OK, "%s", err.message);
    const orders_store_vtable_t *vt = orders_store_sqlite_vtable();
    const int commits = 20000;
    for (int i = 0; i < commits; i++) {
        int64_t v = 0;
        cr_assert_eq(vt->sequence_next(ud, "n", &v, &err), ORDERS_OK, "%s", err.message);
        cr_assert_eq(v, i + 1);
    }
    char wal[640];
    snprintf(wal, sizeof wal, "%s-wal", db_path);
    struct stat st;
    cr_assert_eq(stat(wal, &st), 0, "the WAL file exists while the store is open");
    const long long frame = 4096 + 24, frames = (long long)st.st_size / frame;
    cr_assert_lt(frames, 10000, "the WAL holds %lld frames after %d one-page commits", frames,
                 commits);
    orders_store_sqlite_free(ud);

    sqlite3 *db = raw_open(db_path);
    cr_assert_eq(raw_i64(db, "SELECT value FROM sequences WHERE name = 'n'"), commits);
    sqlite3_close(db);
}
