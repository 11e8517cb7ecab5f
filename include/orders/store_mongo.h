/*
 * orders/store_mongo.h - the built-in MongoDB store (store.h, version 5).
 *
 * One MongoDB database (standalone, replica set or sharded cluster) shared
 * by any number of processes: orders-server keeps no state of its own, so
 * several of them may run against one database.  The store never uses
 * multi-document transactions.  Every operation is built from single-
 * document atomic writes (conditional updates, findAndModify, unique
 * indexes); an operation that spans documents (a placement, an order update
 * that confirms or releases stock, a standalone reservation) writes a
 * record of how far it has got and is finished or undone by a recovery
 * pass if its process dies half-way.  docs/architecture.md ("MongoDB
 * protocol") writes the protocol down, step by step.
 *
 * What callers see, compared with one SQL transaction:
 *   - each product's stock counts always satisfy the invariant of store.h
 *     (they move inside one document);
 *   - a placement is visible all at once to order readers (its order
 *     document is only written after it can no longer fail), but its
 *     cleared cart may be seen a few milliseconds before its order;
 *   - a reservation being changed by another caller is waited for (up to
 *     wait_ms), never read half-changed by another writer;
 *   - outbox_ack_many is not provided (the core acknowledges one event at a
 *     time), because a batch of single-document updates is not one step;
 *   - outbox_requeue moves each dead letter with its own write, so a
 *     failure may come after some of a call's letters moved;
 *   - a wallet ref applies once per wallet (customer and currency), where
 *     the memory and SQLite stores keep one set of refs for all wallets
 *     (the core's refs name an order or a payment key, so they never
 *     repeat across wallets).
 *
 * Indexes are created when the store opens (docs/deployment.md lists them).
 * Writes use write concern "majority" with journaling unless the URI sets
 * w, so an acknowledged write survives the loss of the primary on a replica
 * set; on a standalone server that is one journaled node.  Every read goes
 * to the primary, whatever read preference the URI names.  Numbers are read
 * back with bson_iter_as_int64 whatever BSON type a server stored them as.
 *
 * These declarations are always present; the functions exist only when the
 * library was built with libmongoc (ORDERS_HAVE_MONGO is then defined for
 * the library and its users).  Without it, orders_ctx_open_store answers
 * ORDERS_E_UNSUPPORTED for "mongodb://" URIs.
 *
 * Threads and processes: one handle may be used from any number of threads
 * at once (a mongoc_client_pool_t; each call pops a client and pushes it
 * back).  Its stack use stays small (no BCON context on the stack), so it
 * runs in threads with small stacks, such as CivetWeb's 100 KB workers.  A background thread per handle runs the recovery pass every
 * recovery_interval_ms.  Recovery is safe to run in several processes at
 * once: a pass leases a leftover before acting on it, and every step it
 * takes is conditional and idempotent.  It relies on one timing bound: a
 * live caller never stalls longer than recovery_grace_ms in the middle of
 * an operation, and the processes' clocks agree to well within it.
 *
 * Ownership: orders_store_mongo_open gives a new handle in *ud, owned by
 * the caller until it is registered with orders_ctx_set_store (the context
 * then frees it with orders_store_mongo_free).  Records the store returns
 * are new and freed by the caller (types.h).  Error messages carry the
 * server's error text and record ids, never the URI (it may hold a
 * password).
 */
#ifndef ORDERS_STORE_MONGO_H
#define ORDERS_STORE_MONGO_H

#include <orders/store.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orders_mongo_options {
    const char *database;      /* database name: default the URI's, else "orders"
                                  (copied) */
    int recovery_grace_ms;     /* a half-done placement, reservation or effect is
                                  recovered once it is this old: default 30000;
                                  0..86400000.  Lower it only when no other live
                                  process can still be working on it. */
    int recovery_interval_ms;  /* period of the background recovery pass: default
                                  5000; 0 runs recovery only at open; 0..3600000 */
    int wait_ms;               /* how long an operation waits for a reservation or
                                  idempotency key another caller is changing:
                                  default 5000; 0..600000 */
    int timeout_ms;            /* server selection and socket timeout: default
                                  10000; 100..600000 */
    int abort_at_step;         /* TESTS ONLY: abort() the process when a placement
                                  reaches this step (docs/architecture.md numbers
                                  them); 0 (the default) never */
} orders_mongo_options_t;

/* The defaults above. */
orders_mongo_options_t orders_mongo_options_default(void);

/* The vtable (static; never freed). */
const orders_store_vtable_t *orders_store_mongo_vtable(void);

/*
 * Connects to uri ("mongodb://..." or "mongodb+srv://...") with opts (NULL:
 * defaults), checks that the server answers, creates the indexes, runs one
 * recovery pass and starts the background one; gives a new handle in *ud
 * (NULL on failure).  Errors: ORDERS_E_INVALID for a bad URI or an option
 * out of range (field "store", the message names the option);
 * ORDERS_E_UNAVAILABLE when no server answers within timeout_ms;
 * ORDERS_E_BACKEND for any other server error; ORDERS_E_NOMEM.
 */
orders_code_t orders_store_mongo_open(const char *uri, const orders_mongo_options_t *opts,
                                      void **ud, orders_error_t *err);

/* What one recovery pass did. */
typedef struct orders_mongo_recovery {
    int64_t placements_finished; /* committed placements rolled forward */
    int64_t placements_undone;   /* uncommitted placements rolled back */
    int64_t effects_finished;    /* reservation changes rolled forward */
    int64_t effects_undone;      /* reservation changes rolled back */
    int64_t reservations_undone; /* standalone reservations never finished */
    int64_t wallet_entries;      /* wallet ledger entries completed */
} orders_mongo_recovery_t;

/*
 * Runs one recovery pass now over everything at least recovery_grace_ms
 * old; *out (may be NULL) counts what it did.  Safe from any thread and
 * while other processes run.  ORDERS_E_UNAVAILABLE / ORDERS_E_BACKEND when
 * the server fails (what was done stays done; the next pass goes on).
 */
orders_code_t orders_store_mongo_recover(void *ud, orders_mongo_recovery_t *out,
                                         orders_error_t *err);

/* Stops the recovery thread, closes the pool and frees the handle.  Call it
 * only when no other thread uses the handle.  NULL is a harmless no-op.
 * The database stays. */
void orders_store_mongo_free(void *ud);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_STORE_MONGO_H */
