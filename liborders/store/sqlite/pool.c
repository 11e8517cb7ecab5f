/*
 * pool.c - the SQLite store's connections, statements and transactions.
 *
 * Connections: every write runs on the handle's one writer connection,
 * under write_lock; a read runs on the writer when no write holds it, else
 * on one of up to pool_size reader connections, opened on demand and
 * checked out for the read (waiting on a condition variable while all are
 * in use).  So a connection and its prepared statements are used by one
 * thread at a time (connections are opened SQLITE_OPEN_NOMUTEX).
 *
 * Statements: each connection prepares a statement of sql.h the first time
 * it needs it (SQLITE_PREPARE_PERSISTENT) and keeps it until it closes;
 * every use starts from a reset statement with no bindings.
 *
 * Transactions: orders__sq_run wraps a read in BEGIN ... COMMIT, and hands
 * a write to group commit (group.c): the writes of a handle that arrive
 * together run in one BEGIN IMMEDIATE ... COMMIT on the writer, under
 * write_lock.  Writers of other handles and processes meet at BEGIN
 * IMMEDIATE, where SQLite's busy handler waits up to busy_timeout_ms.
 */
#include "store/sqlite/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const SQL_TEXT[ORDERS__SQ_COUNT] = {
#define ORDERS__SQ_TEXT(name, list, sql) sql,
    ORDERS__SQ_STATEMENTS(ORDERS__SQ_TEXT)
#undef ORDERS__SQ_TEXT
};

orders_code_t orders__sq_nomem(orders_error_t *err)
{
    return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
}

static bool is_locked(int rc)
{
    rc &= 0xff;
    return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

orders_code_t orders__sq_fail(orders__sq_conn_t *c, int rc, const char *what,
                              orders_error_t *err)
{
    const char *msg = c != NULL && c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        if (c != NULL)
            c->locked = true;
        return orders_error_set(err, ORDERS_E_UNAVAILABLE, "store", "sqlite: %s: %s", what, msg);
    case SQLITE_NOMEM:
        return orders__sq_nomem(err);
    case SQLITE_CONSTRAINT:
        return orders_error_set(err, ORDERS_E_CONFLICT, "store", "sqlite: %s: %s", what, msg);
    default:
        return orders_error_set(err, ORDERS_E_BACKEND, "store", "sqlite: %s: %s", what, msg);
    }
}

orders_code_t orders__sq_bind_failed(orders_error_t *err)
{
    return orders_error_set(err, ORDERS_E_BACKEND, "store", "sqlite: cannot bind a parameter");
}

/* ---- connections ---------------------------------------------------------------------- */

/* Runs one pragma (fixed text, no input) and, when want is set, checks that
 * its single result row says want. */
static orders_code_t pragma(orders__sq_conn_t *c, const char *sql, const char *want,
                            orders_error_t *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return orders__sq_fail(c, rc, sql, err);
    rc = sqlite3_step(st);
    orders_code_t code = ORDERS_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        code = orders__sq_fail(c, rc, sql, err);
    } else if (want != NULL) {
        const char *got = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        if (got == NULL || !orders__str_eq_nocase(got, want))
            code = orders_error_set(err, ORDERS_E_BACKEND, "store",
                                    "sqlite: %s gave '%s', not '%s'", sql, got ? got : "",
                                    want);
    }
    sqlite3_finalize(st);
    return code;
}

orders_code_t orders__sq_conn_open(const orders__sq_t *s, orders__sq_conn_t **out,
                                   orders_error_t *err)
{
    *out = NULL;
    orders__sq_conn_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return orders__sq_nomem(err);
    /* synchronous=FULL syncs the WAL at every commit, which is what makes
     * batching its appends safe (walbatch.c). */
    const char *vfs =
        s->opts.synchronous == ORDERS_SQLITE_SYNC_FULL ? orders__sq_walbatch_vfs() : NULL;
    int rc = sqlite3_open_v2(s->path, &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             vfs);
    orders_code_t code = ORDERS_OK;
    if (rc != SQLITE_OK) {
        code = c->db != NULL ? orders__sq_fail(c, rc, "cannot open the database file", err)
                             : orders__sq_nomem(err);
    } else {
        sqlite3_extended_result_codes(c->db, 1);
        sqlite3_busy_timeout(c->db, s->opts.busy_timeout_ms);
        const char *sync = s->opts.synchronous == ORDERS_SQLITE_SYNC_NORMAL
                               ? "PRAGMA synchronous = NORMAL"
                               : "PRAGMA synchronous = FULL";
        if ((code = pragma(c, "PRAGMA journal_mode = WAL", "wal", err)) == ORDERS_OK &&
            (code = pragma(c, sync, NULL, err)) == ORDERS_OK &&
            (code = pragma(c, "PRAGMA foreign_keys = OFF", NULL, err)) == ORDERS_OK)
            /* savepoint journals in memory, not in a temporary file each time */
            code = pragma(c, "PRAGMA temp_store = MEMORY", NULL, err);
    }
    if (code != ORDERS_OK) {
        orders__sq_conn_close(c);
        return code;
    }
    orders__sq_ckpt_attach(s, c->db);
    *out = c;
    return ORDERS_OK;
}

void orders__sq_conn_close(orders__sq_conn_t *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < ORDERS__SQ_COUNT; i++)
        sqlite3_finalize(c->stmt[i]);
    sqlite3_close(c->db);
    free(c);
}

void orders__sq_pool_add(orders__sq_t *s, orders__sq_conn_t *c)
{
    pthread_mutex_lock(&s->lock);
    s->opened++;
    c->next_all = s->all;
    s->all = c;
    c->next_free = s->free_list;
    s->free_list = c;
    pthread_mutex_unlock(&s->lock);
}

/* Takes a free connection, opens a new one while the pool has room, or
 * waits for one to come back. */
static orders_code_t checkout(orders__sq_t *s, orders__sq_conn_t **out, orders_error_t *err)
{
    pthread_mutex_lock(&s->lock);
    while (s->free_list == NULL && s->opened >= s->opts.pool_size)
        pthread_cond_wait(&s->cond, &s->lock);
    orders__sq_conn_t *c = s->free_list;
    if (c != NULL) {
        s->free_list = c->next_free;
        pthread_mutex_unlock(&s->lock);
        *out = c;
        return ORDERS_OK;
    }
    s->opened++; /* take the room; open outside the lock */
    pthread_mutex_unlock(&s->lock);

    orders_code_t rc = orders__sq_conn_open(s, &c, err);
    pthread_mutex_lock(&s->lock);
    if (rc == ORDERS_OK) {
        c->next_all = s->all;
        s->all = c;
    } else {
        s->opened--; /* give the room back, and let a waiter try */
        pthread_cond_signal(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
    *out = c;
    return rc;
}

static void checkin(orders__sq_t *s, orders__sq_conn_t *c)
{
    pthread_mutex_lock(&s->lock);
    c->next_free = s->free_list;
    s->free_list = c;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* ---- statements ----------------------------------------------------------------------- */

sqlite3_stmt *orders__sq_stmt(orders__sq_conn_t *c, orders__sq_id_t id, orders_error_t *err)
{
    sqlite3_stmt *st = c->stmt[id];
    if (st != NULL) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    int rc = sqlite3_prepare_v3(c->db, SQL_TEXT[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        c->code = orders__sq_fail(c, rc, "cannot prepare a statement", err);
        return NULL;
    }
    c->stmt[id] = st;
    return st;
}

int orders__sq_step(orders__sq_conn_t *c, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (is_locked(rc))
        c->locked = true;
    return rc;
}

orders_code_t orders__sq_exec(orders__sq_conn_t *c, sqlite3_stmt *st, const char *what,
                              orders_error_t *err)
{
    int rc = orders__sq_step(c, st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
        sqlite3_reset(st);
        return ORDERS_OK;
    }
    orders_code_t code = orders__sq_fail(c, rc, what, err);
    sqlite3_reset(st);
    return code;
}

void orders__sq_reset_all(orders__sq_conn_t *c)
{
    for (sqlite3_stmt *st = sqlite3_next_stmt(c->db, NULL); st != NULL;
         st = sqlite3_next_stmt(c->db, st))
        if (sqlite3_stmt_busy(st))
            sqlite3_reset(st);
}

int orders__sq_control(orders__sq_conn_t *c, orders__sq_id_t id)
{
    sqlite3_stmt *st = orders__sq_stmt(c, id, NULL);
    if (st == NULL)
        return sqlite3_errcode(c->db) != SQLITE_OK ? sqlite3_errcode(c->db) : SQLITE_ERROR;
    int rc = orders__sq_step(c, st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

void orders__sq_rollback(orders__sq_conn_t *c)
{
    orders__sq_reset_all(c);
    if (!sqlite3_get_autocommit(c->db))
        (void)orders__sq_control(c, ORDERS__SQ_ROLLBACK);
}

void orders__sq_backoff(int attempt)
{
    struct timespec ts = {0, (long)(attempt < 10 ? attempt + 1 : 10) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One attempt of a read: BEGIN, body, COMMIT (or ROLLBACK). */
static orders_code_t read_once(orders__sq_conn_t *c, orders__sq_body_fn body, void *arg,
                               orders_error_t *err)
{
    c->locked = false;
    int rc = orders__sq_control(c, ORDERS__SQ_BEGIN);
    if (rc != SQLITE_OK)
        return orders__sq_fail(c, rc, "cannot begin a transaction", err);
    orders_code_t code = body(c, arg, err);
    if (code != ORDERS_OK) {
        orders__sq_rollback(c);
        return code;
    }
    orders__sq_reset_all(c);
    rc = orders__sq_control(c, ORDERS__SQ_COMMIT);
    if (rc != SQLITE_OK) {
        code = orders__sq_fail(c, rc, "cannot commit", err);
        orders__sq_rollback(c);
    }
    return code;
}

/*
 * The connection a read runs on.  Writes all use the handle's writer
 * connection (group.c), whose page cache then stays warm (SQLite drops a
 * connection's whole cache when it sees another connection's commit).  A
 * read uses the writer too when no write holds it, else a pooled
 * connection.  *on_writer says which, for release().
 */
static orders_code_t acquire_reader(orders__sq_t *s, orders__sq_conn_t **out, bool *on_writer,
                                    orders_error_t *err)
{
    *on_writer = false;
    if (pthread_mutex_trylock(&s->write_lock) == 0) {
        if (s->writer != NULL)
            *on_writer = true;
        else
            pthread_mutex_unlock(&s->write_lock);
    }
    if (*on_writer) {
        *out = s->writer;
        return ORDERS_OK;
    }
    return checkout(s, out, err);
}

static void release(orders__sq_t *s, orders__sq_conn_t *c, bool on_writer)
{
    if (on_writer)
        pthread_mutex_unlock(&s->write_lock);
    else
        checkin(s, c);
}

orders_code_t orders__sq_run(orders__sq_t *s, orders__sq_mode_t mode, orders__sq_body_fn body,
                             void *arg, orders_error_t *err)
{
    if (mode == ORDERS__SQ_WRITE)
        return orders__sq_group_run(s, body, arg, err); /* group.c */
    orders__sq_conn_t *c = NULL;
    bool on_writer = false;
    orders_code_t code = acquire_reader(s, &c, &on_writer, err);
    if (code != ORDERS_OK)
        return code;
    int attempts = 0;
    for (;;) {
        code = read_once(c, body, arg, err);
        if (code == ORDERS_OK || !c->locked)
            break;
        if (attempts++ >= s->opts.busy_retries) {
            code = orders_error_set(err, ORDERS_E_UNAVAILABLE, "store",
                                    "sqlite: the database is locked: gave up after %d attempts "
                                    "of %d ms each",
                                    attempts, s->opts.busy_timeout_ms);
            break;
        }
        orders__sq_backoff(attempts);
    }
    c->locked = false;
    release(s, c, on_writer);
    return code;
}

/* ---- binding and reading ------------------------------------------------------------- */

bool orders__sq_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    int rc = v != NULL ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
    return rc == SQLITE_OK;
}

bool orders__sq_bind_i64(sqlite3_stmt *st, int i, int64_t v)
{
    return sqlite3_bind_int64(st, i, (sqlite3_int64)v) == SQLITE_OK;
}

bool orders__sq_bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    return i > 0 && orders__sq_bind_text(st, i, v);
}

bool orders__sq_bind_named_i64(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    return i > 0 && orders__sq_bind_i64(st, i, v);
}

bool orders__sq_bind_money(sqlite3_stmt *st, int i, const orders_money_t *m)
{
    size_t n = orders__strnlen(m->currency, ORDERS_CURRENCY_LEN - 1);
    return orders__sq_bind_i64(st, i, m->amount) &&
           sqlite3_bind_text(st, i + 1, m->currency, (int)n, SQLITE_STATIC) == SQLITE_OK;
}

int64_t orders__sq_i64(sqlite3_stmt *st, int i)
{
    return (int64_t)sqlite3_column_int64(st, i);
}

const char *orders__sq_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

char *orders__sq_dup(sqlite3_stmt *st, int i, bool *ok)
{
    const char *v = orders__sq_text(st, i);
    if (v == NULL)
        return NULL;
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    char *d = malloc(n + 1);
    if (d == NULL) {
        *ok = false;
        return NULL;
    }
    memcpy(d, v, n);
    d[n] = '\0';
    return d;
}

orders_money_t orders__sq_money(sqlite3_stmt *st, int i)
{
    orders_money_t m;
    memset(&m, 0, sizeof m);
    m.amount = orders__sq_i64(st, i);
    const char *cur = orders__sq_text(st, i + 1);
    if (cur != NULL) {
        size_t n = orders__strnlen(cur, ORDERS_CURRENCY_LEN - 1);
        memcpy(m.currency, cur, n);
    }
    return m;
}

void orders__sq_copy_id(sqlite3_stmt *st, int i, char *out)
{
    orders__copy_id(out, orders__sq_text(st, i));
}
