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
 *   misc.c          outbox, history, idempotency keys, wallets, sequences,
 *                   analytics counters
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

#include <sqlite3.h>

#include <orders/store.h>
#include <orders/store_sqlite.h>

#include "core/store_check.h"
#include "core/util.h"
#include "store/sqlite/sql.h"

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
    struct orders__sq_ckpt *ckpt; /* the checkpointer (checkpoint.c); NULL: SQLite's own */
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

/* Checks out a connection, runs body in one transaction of the given mode,
 * commits on ORDERS_OK and rolls back otherwise.  When the database stays
 * locked (SQLITE_BUSY/LOCKED after busy_timeout_ms), the transaction is
 * rolled back and run again, at most busy_retries more times, then
 * ORDERS_E_UNAVAILABLE. */
orders_code_t orders__sq_run(orders__sq_t *s, orders__sq_mode_t mode, orders__sq_body_fn body,
                             void *arg, orders_error_t *err);

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

/* ---- schema.c ------------------------------------------------------------------------ */

/* Creates or migrates the schema in one write transaction on c:
 * ORDERS_E_UNSUPPORTED for a schema newer than ORDERS_SQLITE_SCHEMA_VERSION. */
orders_code_t orders__sq_migrate(const orders__sq_t *s, orders__sq_conn_t *c,
                                 orders_error_t *err);

/* ---- products.c: stock moves ---------------------------------------------------------- */

typedef enum orders__sq_move {
    ORDERS__SQ_MOVE_RESERVE, /* available -> reserved */
    ORDERS__SQ_MOVE_SELL,    /* available -> sold */
    ORDERS__SQ_MOVE_CONFIRM, /* reserved  -> sold */
    ORDERS__SQ_MOVE_RELEASE, /* reserved  -> available */
    ORDERS__SQ_MOVE_RETURN   /* sold      -> available */
} orders__sq_move_t;

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
                                    size_t n, orders__sq_move_t mv, orders__sq_short_t *shortage,
                                    orders_error_t *err);

/* ---- carts.c ----------------------------------------------------------------------------- */

/* Writes cart (row and lines), replacing what is stored for its customer. */
orders_code_t orders__sq_cart_write(orders__sq_conn_t *c, const orders_cart_t *cart,
                                    orders_error_t *err);
/* The stored cart version of customer_id, or 0 when there is none. */
orders_code_t orders__sq_cart_version(orders__sq_conn_t *c, const char *customer_id,
                                      int64_t *version, orders_error_t *err);

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
orders_code_t orders__sq_outbox_counts(void *ud, int64_t *pending, int64_t *dead,
                                       orders_error_t *err);
orders_code_t orders__sq_history_list(void *ud, const char *order_id,
                                      orders_history_list_t *out, orders_error_t *err);
orders_code_t orders__sq_stat_add(void *ud, const char *kind, int64_t at, orders_error_t *err);
orders_code_t orders__sq_stat_count(void *ud, const char *kind, int64_t from, int64_t to,
                                    int64_t *out, orders_error_t *err);

#endif /* ORDERS_STORE_SQLITE_INTERNAL_H */
