/*
 * orders/store_sqlite.h - the built-in SQLite store (store.h, version 5).
 *
 * One database file, no server.  The store runs SQLite in WAL mode with
 * synchronous=FULL by default, so a committed operation survives a crash or
 * a power loss.  Every vtable operation is one SQLite transaction; every
 * write transaction starts with BEGIN IMMEDIATE, so two writers never
 * deadlock on a lock upgrade.  The schema is created, or migrated to the
 * version this library knows, when the store opens; a file written by a
 * newer library (a higher schema version) is refused.  See docs/sqlite.md.
 *
 * These declarations are always present; the functions exist only when the
 * library was built with SQLite (ORDERS_HAVE_SQLITE is then defined for the
 * library and its users).  Without it, orders_ctx_open_store answers
 * ORDERS_E_UNSUPPORTED for "sqlite:" URIs.
 *
 * Threads and processes: one store handle may be used from any number of
 * threads at once.  Its writes queue on an in-process lock and all run on
 * one writer connection, so they never spin in SQLite's busy handler
 * against each other and that connection's page cache stays warm.  Reads
 * run on the writer connection when no write holds it, else on a small
 * pool of reader connections (pool_size, opened on demand, each with its
 * own prepared statements), waiting (mutex + condition variable) while all
 * are busy.  A checkpointer thread per handle copies the WAL back into the
 * file outside the commits.  Several handles and several processes may share one
 * file: SQLite's file locks serialize their writers, and a writer that
 * finds the database locked waits up to busy_timeout_ms, then retries the
 * whole transaction up to busy_retries times before giving up with
 * ORDERS_E_UNAVAILABLE ("database is locked").  Other SQLite failures (I/O,
 * a full disk, a corrupt file) are ORDERS_E_BACKEND.
 *
 * Process-wide effect: the first orders_store_sqlite_open of a process
 * turns off SQLite's memory statistics (sqlite3_config with
 * SQLITE_CONFIG_MEMSTATUS, 0), whose counters take one global mutex per
 * allocation, when SQLite is not yet initialized.  An application that
 * needs them (sqlite3_memory_used, sqlite3_soft_heap_limit64) calls
 * sqlite3_initialize() before opening a store, and keeps them.
 *
 * Ownership: orders_store_sqlite_open gives a new handle in *ud, owned by
 * the caller until it is registered with orders_ctx_set_store (the context
 * then frees it with orders_store_sqlite_free).  Records the store returns
 * are new and freed by the caller (types.h).  Messages never contain the
 * SQL text of an input, only SQLite's own error text and record ids.
 */
#ifndef ORDERS_STORE_SQLITE_H
#define ORDERS_STORE_SQLITE_H

#include <orders/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The schema version this library writes; a file at a higher version is
 * refused with ORDERS_E_UNSUPPORTED. */
#define ORDERS_SQLITE_SCHEMA_VERSION 4

typedef enum orders_sqlite_sync {
    ORDERS_SQLITE_SYNC_FULL = 0, /* fsync on every commit: nothing committed is lost */
    ORDERS_SQLITE_SYNC_NORMAL    /* WAL fsync at checkpoints only: a power loss may lose
                                    the last commits, never corrupts (docs/sqlite.md) */
} orders_sqlite_sync_t;

typedef struct orders_sqlite_options {
    orders_sqlite_sync_t synchronous; /* default ORDERS_SQLITE_SYNC_FULL */
    int busy_timeout_ms;              /* wait for a lock, per attempt: default 5000; 0..600000 */
    int busy_retries;                 /* further attempts of a transaction that found the
                                         database locked: default 8; 0..1000 */
    int pool_size;                    /* reader connections per handle (besides the
                                         writer and the checkpointer's): default 4; 1..64 */
} orders_sqlite_options_t;

/* The defaults above. */
orders_sqlite_options_t orders_sqlite_options_default(void);

/* The vtable (static; never freed). */
const orders_store_vtable_t *orders_store_sqlite_vtable(void);

/*
 * Opens (creating if missing) the database file at path with opts (NULL:
 * defaults), migrates its schema, and gives a new handle in *ud (NULL on
 * failure).  Errors: ORDERS_E_INVALID for a missing path or an option out
 * of range (field "store", the message names the option); ORDERS_E_UNSUPPORTED
 * for a file whose schema is newer than this library; ORDERS_E_BACKEND when
 * the file cannot be opened or is not a database; ORDERS_E_UNAVAILABLE when
 * it stays locked; ORDERS_E_NOMEM.
 */
orders_code_t orders_store_sqlite_open(const char *path, const orders_sqlite_options_t *opts,
                                       void **ud, orders_error_t *err);

/*
 * The same from a store URI, "sqlite:PATH" with optional query options:
 *     sqlite:/var/lib/shop/orders.db?synchronous=normal&busy_timeout=5000&pool=8
 * Options: synchronous=full|normal, busy_timeout=MS, busy_retries=N,
 * pool=N.  An unknown option or a bad value is ORDERS_E_INVALID with field
 * "store" and a message naming the option.  PATH may not contain '?'.
 */
orders_code_t orders_store_sqlite_open_uri(const char *uri, void **ud, orders_error_t *err);

/*
 * Group commit: the writes of one handle that arrive while another write
 * transaction is running are made together, in one transaction (one fsync),
 * each in its own savepoint, in arrival order; each caller returns only
 * once its write is committed.  These counters say how well that works:
 * write transactions committed, and the writes they carried.  Safe from
 * any thread.  ORDERS_E_INVALID for a NULL ud or out.
 */
typedef struct orders_sqlite_stats {
    int64_t commits;
    int64_t writes;
} orders_sqlite_stats_t;

orders_code_t orders_store_sqlite_stats(void *ud, orders_sqlite_stats_t *out, orders_error_t *err);

/* Closes every connection and frees the handle.  Call it only when no other
 * thread uses the handle.  NULL is a harmless no-op.  The file stays. */
void orders_store_sqlite_free(void *ud);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_STORE_SQLITE_H */
