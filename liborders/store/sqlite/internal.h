/*
 * internal.h - what the SQLite store's files share.  Not installed.
 *
 * The store is split by area:
 *   open.c          options and URI parsing, opening, the vtable, freeing
 *   schema.c        the schema, its version table and the migrations
 *   pool.c          the connection pool, prepared statements, transactions,
 *                   binding/reading helpers and SQLite error mapping
 *   products.c      products and stock (and the stock moves of effects)
 *   carts.c         carts
 *   orders.c        placement and order update
 *   orders_read.c   order reads, lists and scans
 *   reservations.c  reservations: effects, create, get, settle, due, counts
 *   misc.c          outbox (and requeue), history, idempotency keys, wallets, sequences,
 *                   analytics counters
 *   lease.c         named leases (lease_take)
 *   walbatch.c      a VFS shim: a commit's WAL appends in one write
 *
 * Every vtable member runs as ONE transaction through orders__sq_run: a
 * "body" function gets a checked-out connection inside BEGIN (reads) or
 * BEGIN IMMEDIATE (writes); it returns ORDERS_OK to commit, anything else
 * to roll back.  A body may run more than once (when the database was
 * locked), so it must leave its outputs as it found them when it fails.
 */
#ifndef ORDERS_STORE_SQLITE_INTERNAL_H
#define ORDERS_STORE_SQLITE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include <orders/store.h>
#include <orders/store_sqlite.h>

#include "core/store_check.h"
#include "core/util.h"
#include "store/sqlite/sql.h"

/* ---- the WAL-batching VFS (walbatch.c) ----------------------------------------- */

#define ORDERS__SQ_WALBATCH_VFS "orders-walbatch"
/* The shim's name, registered on first use; NULL if it could not be (the
 * default VFS is then used).  Only for synchronous=FULL: see walbatch.c. */
const char *orders__sq_walbatch_vfs(void);

/* ---- handle and connections --------------------------------------------------- */

typedef struct orders__sq_conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[ORDERS__SQ_COUNT]; /* prepared on first use, kept */
    struct orders__sq_conn *next_free;   /* in the pool's free list */
    struct orders__sq_conn *next_all;    /* in the pool's list of every connection */
    bool locked;                          /* a step of this transaction hit BUSY/LOCKED */
    orders_code_t code;                   /* what the last failed orders__sq_stmt reported */
} orders__sq_conn_t;

typedef struct orders__sq {
    char *path;
    orders_sqlite_options_t opts;
    pthread_mutex_t lock;        /* guards the pool fields below */
    pthread_cond_t cond;         /* signalled when a connection is checked in */
    orders__sq_conn_t *free_list;
    int opened;                  /* connections open or being opened */
    orders__sq_conn_t *all;      /* every open connection */
    pthread_mutex_t write_lock;  /* this handle's writers queue here before BEGIN IMMEDIATE */
    orders__sq_conn_t *writer;   /* guarded by write_lock: every write runs on it (pool.c) */
    struct orders__sq_ckpt *ckpt; /* the checkpointer (checkpoint.c); NULL: SQLite's own */
    /* group commit (group.c) */
    pthread_mutex_t group_lock;  /* guards the queue and `leading` */
    struct orders__sq_op *queue_head, *queue_tail; /* writes waiting for the next batch */
    bool leading;                /* a batch is running */
    int64_t commits;             /* guarded by write_lock: write transactions committed ... */
    int64_t writes_committed;    /* ... and the writes they carried */
} orders__sq_t;

/* ---- checkpoint.c ------------------------------------------------------------------ */

/* Starts s's checkpointer thread; on failure s->ckpt stays NULL and
 * connections keep SQLite's automatic checkpoints. */
void orders__sq_ckpt_start(orders__sq_t *s);
/* Hands db's commits to the checkpointer (turning off its automatic
 * checkpoints); nothing when there is no checkpointer. */
void orders__sq_ckpt_attach(const orders__sq_t *s, sqlite3 *db);
/* Stops and joins the thread (which closes its connection).  No-op without one. */
void orders__sq_ckpt_stop(orders__sq_t *s);

/* ---- pool.c ------------------------------------------------------------------------ */

/* Opens one connection to s->path with the handle's pragmas. */
orders_code_t orders__sq_conn_open(const orders__sq_t *s, orders__sq_conn_t **out,
                                   orders_error_t *err);
/* Finalizes the statements and closes the connection.  NULL is a no-op. */
void orders__sq_conn_close(orders__sq_conn_t *c);
/* Puts a freshly opened connection in the pool (at open). */
void orders__sq_pool_add(orders__sq_t *s, orders__sq_conn_t *c);

typedef enum orders__sq_mode {
    ORDERS__SQ_READ = 0, /* BEGIN (deferred): a consistent snapshot */
    ORDERS__SQ_WRITE     /* BEGIN IMMEDIATE: the write lock from the start */
} orders__sq_mode_t;

typedef orders_code_t (*orders__sq_body_fn)(orders__sq_conn_t *c, void *arg, orders_error_t *err);

/* Runs body and keeps its writes on ORDERS_OK, nothing of them otherwise.
 * A read runs in its own BEGIN ... COMMIT on a checked-out connection; a
 * write goes to group commit (orders__sq_group_run).  When the database
 * stays locked (SQLITE_BUSY/LOCKED after busy_timeout_ms), the transaction
 * is rolled back and run again, at most busy_retries more times, then
 * ORDERS_E_UNAVAILABLE. */
orders_code_t orders__sq_run(orders__sq_t *s, orders__sq_mode_t mode, orders__sq_body_fn body,
                             void *arg, orders_error_t *err);

/* Runs one write in the handle's next group commit (group.c): body in its
 * own savepoint of a transaction shared with the writes queued beside it;
 * returns once that transaction is committed (or body's refusal rolled
 * back).  Retries on a locked database as orders__sq_run says. */
orders_code_t orders__sq_group_run(orders__sq_t *s, orders__sq_body_fn body, void *arg,
                                   orders_error_t *err);
/* Write transactions committed by the handle, and the writes they carried. */
void orders__sq_group_stats(orders__sq_t *s, int64_t *commits, int64_t *writes);

/* Runs one of the transaction-control statements (BEGIN ..., COMMIT,
 * ROLLBACK, SAVEPOINT, RELEASE, ROLLBACK TO); an SQLite result code. */
int orders__sq_control(orders__sq_conn_t *c, orders__sq_id_t id);
/* Resets every statement still running on c, so that COMMIT, ROLLBACK and
 * savepoint statements find none in progress. */
void orders__sq_reset_all(orders__sq_conn_t *c);
/* Rolls back c's open transaction, if any. */
void orders__sq_rollback(orders__sq_conn_t *c);
/* Sleeps a little before another attempt, more after each. */
void orders__sq_backoff(int attempt);

/* The prepared statement id on c, reset and with no bindings; NULL when it
 * cannot be prepared (err filled, and c->code holds the code to return). */
sqlite3_stmt *orders__sq_stmt(orders__sq_conn_t *c, orders__sq_id_t id, orders_error_t *err);

/* sqlite3_step, noting BUSY/LOCKED on c.  Returns SQLITE_ROW, SQLITE_DONE
 * or an error code for orders__sq_fail. */
int orders__sq_step(orders__sq_conn_t *c, sqlite3_stmt *st);
/* Steps a statement that returns no row (INSERT/UPDATE/DELETE). */
orders_code_t orders__sq_exec(orders__sq_conn_t *c, sqlite3_stmt *st, const char *what,
                              orders_error_t *err);
/* Maps a SQLite result code to an orders code and fills err with what was
 * being done and SQLite's message (never a bound value). */
orders_code_t orders__sq_fail(orders__sq_conn_t *c, int rc, const char *what,
                              orders_error_t *err);
orders_code_t orders__sq_nomem(orders_error_t *err);

/* Binding (parameter i, 1-based); a NULL string binds SQL NULL.  They
 * return false on failure (only when out of memory or i is out of range). */
bool orders__sq_bind_text(sqlite3_stmt *st, int i, const char *v);
bool orders__sq_bind_i64(sqlite3_stmt *st, int i, int64_t v);
/* Named parameters (":name"); false when absent or on failure. */
bool orders__sq_bind_named_text(sqlite3_stmt *st, const char *name, const char *v);
bool orders__sq_bind_named_i64(sqlite3_stmt *st, const char *name, int64_t v);
/* Binds an amount at i and its currency at i + 1. */
bool orders__sq_bind_money(sqlite3_stmt *st, int i, const orders_money_t *m);
orders_code_t orders__sq_bind_failed(orders_error_t *err);

/* orders__sq_stmt with text parameter 1 bound to key: the shape of every
 * statement that looks rows up (or deletes them) by one id.  NULL when it
 * cannot be prepared or bound (err filled, c->code holds the code). */
static inline sqlite3_stmt *orders__sq_stmt_key(orders__sq_conn_t *c, orders__sq_id_t id,
                                                const char *key, orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(c, id, err);
    if (st != NULL && !orders__sq_bind_text(st, 1, key)) {
        c->code = orders__sq_bind_failed(err);
        return NULL;
    }
    return st;
}

/* Reading column i of the current row. */
int64_t orders__sq_i64(sqlite3_stmt *st, int i);
/* A new copy of a text column (NULL for SQL NULL); *ok = false when memory
 * runs out (ok is left alone otherwise). */
char *orders__sq_dup(sqlite3_stmt *st, int i, bool *ok);
/* Borrowed text of column i (NULL for SQL NULL), valid until the next step. */
const char *orders__sq_text(sqlite3_stmt *st, int i);
/* Money from the amount at column i and its currency at i + 1. */
orders_money_t orders__sq_money(sqlite3_stmt *st, int i);
/* Copies a text column into a buffer of ORDERS_ID_MAX + 1 bytes. */
void orders__sq_copy_id(sqlite3_stmt *st, int i, char *out);

/* ---- stepping: the shapes a statement's use takes ------------------------------------- */

/* orders__sq_exec of the statement id with text parameter 1 bound to key:
 * the writes and deletes of rows by one id. */
static inline orders_code_t orders__sq_exec_key(orders__sq_conn_t *c, orders__sq_id_t id,
                                                const char *key, const char *what,
                                                orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt_key(c, id, key, err);
    return st == NULL ? c->code : orders__sq_exec(c, st, what, err);
}

/* Steps st to its first row: ORDERS_OK with *row = st, on that row, or with
 * *row = NULL (st reset) when there is none.  A failed step is reported with
 * `what` (orders__sq_fail) and leaves *row NULL.  The caller reads the row,
 * then resets it (sqlite3_reset(NULL) is a harmless no-op). */
static inline orders_code_t orders__sq_first(orders__sq_conn_t *c, sqlite3_stmt *st,
                                             const char *what, sqlite3_stmt **row,
                                             orders_error_t *err)
{
    *row = NULL;
    int rc = orders__sq_step(c, st);
    if (rc == SQLITE_ROW)
        *row = st;
    else if (rc == SQLITE_DONE)
        sqlite3_reset(st);
    else
        return orders__sq_fail(c, rc, what, err);
    return ORDERS_OK;
}

/* orders__sq_first of the statement id looked up by key (orders__sq_stmt_key):
 * the read of one row by its id. */
static inline orders_code_t orders__sq_find(orders__sq_conn_t *c, orders__sq_id_t id,
                                            const char *key, const char *what,
                                            sqlite3_stmt **row, orders_error_t *err)
{
    *row = NULL;
    sqlite3_stmt *st = orders__sq_stmt_key(c, id, key, err);
    return st == NULL ? c->code : orders__sq_first(c, st, what, row, err);
}

/* orders__sq_find of a row that must be there: when there is none, *row is
 * NULL and the result ORDERS_E_NOT_FOUND with field and the message fmt,
 * whose one conversion takes key. */
static inline orders_code_t orders__sq_need(orders__sq_conn_t *c, orders__sq_id_t id,
                                            const char *key, const char *what, const char *field,
                                            const char *fmt, sqlite3_stmt **row,
                                            orders_error_t *err)
{
    orders_code_t rc = orders__sq_find(c, id, key, what, row, err);
    if (rc == ORDERS_OK && *row == NULL)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, field, fmt, key);
    return rc;
}

/* Whether the statement id finds a row by key (*found; false on failure);
 * the statement is reset. */
static inline orders_code_t orders__sq_exists(orders__sq_conn_t *c, orders__sq_id_t id,
                                              const char *key, const char *what, bool *found,
                                              orders_error_t *err)
{
    sqlite3_stmt *row;
    orders_code_t rc = orders__sq_find(c, id, key, what, &row, err);
    *found = row != NULL;
    sqlite3_reset(row);
    return rc;
}

/* Steps st, which always gives one row (a count), and reads its integer
 * column 0 into *out; st is reset.  No row, or a failed step, is reported
 * with `what`. */
static inline orders_code_t orders__sq_one_i64(orders__sq_conn_t *c, sqlite3_stmt *st,
                                               const char *what, int64_t *out,
                                               orders_error_t *err)
{
    int rc = orders__sq_step(c, st);
    if (rc != SQLITE_ROW)
        return orders__sq_fail(c, rc, what, err);
    *out = orders__sq_i64(st, 0);
    sqlite3_reset(st);
    return ORDERS_OK;
}

/* What orders__sq_each calls with each row st is on; anything but ORDERS_OK
 * (err filled) stops the walk. */
typedef orders_code_t (*orders__sq_row_fn)(sqlite3_stmt *st, void *ud, orders_error_t *err);

/* Calls each(st, ud, err) on every row of st and returns the first failure;
 * a failed step is reported with `what`. */
static inline orders_code_t orders__sq_each(orders__sq_conn_t *c, sqlite3_stmt *st,
                                            const char *what, orders__sq_row_fn each, void *ud,
                                            orders_error_t *err)
{
    int rc;
    while ((rc = orders__sq_step(c, st)) == SQLITE_ROW) {
        orders_code_t code = each(st, ud, err);
        if (code != ORDERS_OK)
            return code;
    }
    return rc == SQLITE_DONE ? ORDERS_OK : orders__sq_fail(c, rc, what, err);
}

/* orders__sq_each over the statement id with now bound to ?1 and limit to
 * ?2: a page of the work due at now (outbox events, reservations). */
static inline orders_code_t orders__sq_each_due(orders__sq_conn_t *c, orders__sq_id_t id,
                                                int64_t now, int64_t limit, const char *what,
                                                orders__sq_row_fn each, void *ud,
                                                orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(c, id, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_i64(st, 1, now) || !orders__sq_bind_i64(st, 2, limit))
        return orders__sq_bind_failed(err);
    return orders__sq_each(c, st, what, each, ud, err);
}

/* An orders__sq_row_fn: appends a copy of the row's text column 0 (an id)
 * to the orders_string_list_t ud. */
static inline orders_code_t orders__sq_push_id(sqlite3_stmt *st, void *ud, orders_error_t *err)
{
    return orders_string_list_push(ud, orders__sq_text(st, 0)) ? ORDERS_OK
                                                               : orders__sq_nomem(err);
}

/* Fills elem (zeroed) from the row st is on; ud is orders__sq_array_t's. */
typedef orders_code_t (*orders__sq_fill_fn)(sqlite3_stmt *st, void *elem, void *ud,
                                            orders_error_t *err);

/* An array read row by row: count elements of elem_size bytes in items
 * (room for cap), each filled by fill with ud. */
typedef struct orders__sq_array {
    void *items;
    size_t count, cap;
    size_t elem_size;
    orders__sq_fill_fn fill;
    void *ud;
} orders__sq_array_t;

/* The orders__sq_row_fn of orders__sq_rows: grows the orders__sq_array_t ud
 * by one zeroed element, counts it, and fills it from the row. */
static inline orders_code_t orders__sq_array_add(sqlite3_stmt *st, void *ud, orders_error_t *err)
{
    orders__sq_array_t *a = ud;
    void *items = orders__grow(a->items, &a->cap, a->count + 1, a->elem_size);
    if (items == NULL)
        return orders__sq_nomem(err);
    a->items = items;
    void *elem = (char *)items + a->count++ * a->elem_size;
    memset(elem, 0, a->elem_size);
    return a->fill(st, elem, a->ud, err);
}

/* Reads every row that the statement id finds by key into the array a (set
 * up with elem_size, fill and ud), one element per row.  On failure the
 * elements already added stay in a->items, counted in a->count (the one
 * being filled included), for their owner to free.  A failed step is
 * reported with `what`. */
static inline orders_code_t orders__sq_rows(orders__sq_conn_t *c, orders__sq_id_t id,
                                            const char *key, const char *what,
                                            orders__sq_array_t *a, orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt_key(c, id, key, err);
    return st == NULL ? c->code : orders__sq_each(c, st, what, orders__sq_array_add, a, err);
}

/* ---- schema.c ------------------------------------------------------------------------ */

/* Creates or migrates the schema in one write transaction on c:
 * ORDERS_E_UNSUPPORTED for a schema newer than ORDERS_SQLITE_SCHEMA_VERSION. */
orders_code_t orders__sq_migrate(const orders__sq_t *s, orders__sq_conn_t *c,
                                 orders_error_t *err);

/* ---- products.c: stock moves ---------------------------------------------------------- */


/* How a failed line move is reported. */
typedef struct orders__sq_short {
    size_t line;             /* index of the short line */
    int64_t have;            /* the product's source count before this step */
    int64_t want;            /* the quantity asked of it up to and including that line */
} orders__sq_short_t;

/*
 * Moves every line's quantity between two stock counts of its product,
 * all or none (the caller's transaction is rolled back on failure).
 * ORDERS_E_INVALID for a line without product id or with quantity < 1,
 * ORDERS_E_NOT_FOUND (field = product id) for an unknown product, and
 * ORDERS_E_OUT_OF_STOCK with *shortage filled when a line does not fit
 * (err is then left for the caller to fill).
 */
orders_code_t orders__sq_lines_move(orders__sq_conn_t *c, const orders_reservation_line_t *lines,
                                    size_t n, orders__move_t mv, orders__sq_short_t *shortage,
                                    orders_error_t *err);

/* ---- carts.c ----------------------------------------------------------------------------- */

/* Writes cart (row and lines), replacing what is stored for its customer. */
orders_code_t orders__sq_cart_write(orders__sq_conn_t *c, const orders_cart_t *cart,
                                    orders_error_t *err);
/* Checks the stored cart version of customer_id against expected (0: no
 * cart stored); a mismatch is ORDERS_E_CONFLICT with field `field`. */
orders_code_t orders__sq_cart_expect(orders__sq_conn_t *c, const char *customer_id,
                                     int64_t expected, const char *field, orders_error_t *err);

/* ---- orders_read.c --------------------------------------------------------------------------- */

/* Loads the whole order whose row `by` (ORDER_GET or ORDER_GET_BY_NUMBER)
 * finds by key; ORDERS_E_NOT_FOUND (field `what`) when none. */
orders_code_t orders__sq_order_load(orders__sq_conn_t *c, orders__sq_id_t by, const char *key,
                                    const char *what, orders_order_t **out, orders_error_t *err);

/* ---- reservations.c -------------------------------------------------------------------------- */

/* Inserts r (row and lines); the caller checked that none exists. */
orders_code_t orders__sq_res_insert(orders__sq_conn_t *c, const orders_reservation_t *r,
                                    orders_error_t *err);
/* Applies effect at now to the reservation of order_id, with its checks
 * (ORDERS_E_NOT_FOUND when there is none, field `field`). */
orders_code_t orders__sq_effect(orders__sq_conn_t *c, const char *order_id,
                                orders_res_effect_t effect, int64_t now, const char *field,
                                orders_error_t *err);

/* ---- misc.c: the journal of an atomic step ------------------------------------------------- */

/* Appends events to the outbox (an existing id is ORDERS_E_CONFLICT) and
 * history entries, checked with orders__check_journal. */
orders_code_t orders__sq_journal_write(orders__sq_conn_t *c, const orders_event_t *const *events,
                                       size_t ne, const orders_history_t *const *history,
                                       size_t nh, orders_error_t *err);

/* ---- vtable members ------------------------------------------------------------------------ */

orders_code_t orders__sq_product_put(void *ud, const orders_product_t *p, bool create_only,
                                     orders_error_t *err);
orders_code_t orders__sq_products_read(void *ud, const char *const *ids, size_t n,
                                       orders_product_avail_t *out, orders_error_t *err);
orders_code_t orders__sq_product_get(void *ud, const char *id, orders_product_t **out,
                                     orders_error_t *err);
orders_code_t orders__sq_product_list(void *ud, const char *seller_id, int64_t offset,
                                      int64_t limit, orders_product_list_t *out,
                                      orders_error_t *err);
orders_code_t orders__sq_stock_get(void *ud, const char *product_id, orders_stock_t *out,
                                   orders_error_t *err);
orders_code_t orders__sq_stock_change(void *ud, const char *product_id, orders_stock_op_t op,
                                      int64_t value, orders_stock_t *out, orders_error_t *err);

orders_code_t orders__sq_cart_get(void *ud, const char *customer_id, orders_cart_t **out,
                                  orders_error_t *err);
orders_code_t orders__sq_cart_put(void *ud, const orders_cart_t *cart, int64_t expected_version,
                                  orders_error_t *err);
orders_code_t orders__sq_cart_purge(void *ud, int64_t now, int64_t *purged, orders_error_t *err);

orders_code_t orders__sq_place(void *ud, const orders_place_tx_t *tx,
                               orders_place_result_t *result, orders_error_t *err);
orders_code_t orders__sq_order_update(void *ud, const orders_update_tx_t *tx,
                                      orders_error_t *err);
orders_code_t orders__sq_order_get(void *ud, const char *id, orders_order_t **out,
                                   orders_error_t *err);
orders_code_t orders__sq_order_version(void *ud, const char *id, int64_t *version,
                                       char *customer_id, orders_error_t *err);
orders_code_t orders__sq_order_get_by_number(void *ud, const char *order_number,
                                             orders_order_t **out, orders_error_t *err);
orders_code_t orders__sq_order_list(void *ud, const orders_order_filter_t *filter,
                                    orders_order_list_t *out, orders_error_t *err);
orders_code_t orders__sq_order_scan(void *ud, int64_t from, int64_t to,
                                    orders_order_visit_fn visit, void *visit_ud,
                                    orders_error_t *err);

orders_code_t orders__sq_reservation_create(void *ud, const orders_reservation_t *r,
                                            orders_error_t *err);
orders_code_t orders__sq_reservation_get(void *ud, const char *order_id,
                                         orders_reservation_t **out, orders_error_t *err);
orders_code_t orders__sq_reservation_settle(void *ud, const char *order_id,
                                            orders_res_effect_t effect, int64_t now,
                                            orders_error_t *err);
orders_code_t orders__sq_reservations_due(void *ud, int64_t now, int64_t limit,
                                          orders_string_list_t *out, orders_error_t *err);
orders_code_t orders__sq_reservation_counts(void *ud, int64_t from, int64_t to,
                                            orders_res_counts_t *out, orders_error_t *err);

orders_code_t orders__sq_sequence_next(void *ud, const char *name, int64_t *out,
                                       orders_error_t *err);
orders_code_t orders__sq_idem_get(void *ud, const char *key, char *order_id, char *hash,
                                  orders_error_t *err);
orders_code_t orders__sq_wallet_apply(void *ud, const char *customer_id, const char *currency,
                                      int64_t delta, const char *ref, int64_t now,
                                      int64_t *balance, orders_error_t *err);
orders_code_t orders__sq_wallet_balance(void *ud, const char *customer_id, const char *currency,
                                        int64_t *balance, orders_error_t *err);
orders_code_t orders__sq_outbox_fetch(void *ud, int64_t now, int64_t limit,
                                      orders_event_list_t *out, orders_error_t *err);
orders_code_t orders__sq_outbox_ack(void *ud, const char *event_id, bool delivered, bool dead,
                                    int64_t next_attempt_at, const char *error,
                                    orders_error_t *err);
orders_code_t orders__sq_outbox_ack_many(void *ud, const orders_outbox_ack_t *acks, size_t n,
                                         orders_code_t *results, orders_error_t *err);
orders_code_t orders__sq_outbox_counts(void *ud, int64_t *pending, int64_t *dead,
                                       orders_error_t *err);
orders_code_t orders__sq_outbox_requeue(void *ud, const char *event_id, int64_t now,
                                        int64_t limit, int64_t *moved, orders_error_t *err);
orders_code_t orders__sq_history_list(void *ud, const char *order_id,
                                      orders_history_list_t *out, orders_error_t *err);
orders_code_t orders__sq_stat_add(void *ud, const char *kind, int64_t at, orders_error_t *err);
orders_code_t orders__sq_stat_count(void *ud, const char *kind, int64_t from, int64_t to,
                                    int64_t *out, orders_error_t *err);
orders_code_t orders__sq_lease_take(void *ud, const char *name, const char *owner, int64_t now,
                                    int64_t until, bool *held, orders_error_t *err);

#endif /* ORDERS_STORE_SQLITE_INTERNAL_H */
