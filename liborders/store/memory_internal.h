/*
 * memory_internal.h - what the memory store's files share.  Not installed.
 *
 * The store is split by area, all behind one lock (see memory.c):
 *   memory.c        lifecycle, the vtable, products and stock, carts, and
 *                   the stock-line helpers every reservation effect uses
 *   memory_orders.c placement, order update, order reads, lists and scans
 *   memory_res.c    reservations: effects, create, settle, due, counts
 *   memory_outbox.c the outbox: undelivered events, their indexes, fetch, ack,
 *                   requeue
 *   memory_misc.c   the event/history journal, history, wallets,
 *                   idempotency keys, sequences and analytics counters
 *   memory_lease.c  named leases (lease_take)
 *   memory_pack.c   packing a record and its strings into one allocation
 *   memory_map.c    the string-keyed hash map
 *
 * The vtable members take the lock themselves; every other orders__mem_*
 * function that takes an orders__mem_t expects the caller to hold m->lock.  Records are kept packed inside small wrapper
 * structs (below); map keys point into those records (memory_map.h).  When
 * a record is replaced, the new block takes the old one's place in every
 * map (re-putting an existing key never allocates) and the old is freed.
 */
#ifndef ORDERS_STORE_MEMORY_INTERNAL_H
#define ORDERS_STORE_MEMORY_INTERNAL_H

#include <pthread.h>

#include <orders/store.h>

#include "core/store_check.h"
#include "core/util.h"
#include "store/memory_map.h"

/* Wallet map keys: "USD:" + customer id. */
#define ORDERS__MEM_WALLET_KEY_MAX (3 + 1 + ORDERS_ID_MAX + 1)
/* Lines / records handled without a heap buffer. */
#define ORDERS__MEM_SMALL 64
#define ORDERS__MEM_NOT_ACTIVE SIZE_MAX

/*
 * Stored records are packed (memory_pack.c): each wrapper below is ONE heap
 * block holding the wrapper, the record's arrays and all its strings, freed
 * with a single free() (events: orders__mem_event_free).  Never pass a
 * packed record to an orders_*_free function; copy it out with
 * orders_*_copy instead.
 */
typedef struct orders__mem_product {
    orders_product_t p; /* p.id is the key in m->products */
    orders_stock_t stock;
} orders__mem_product_t;

typedef struct orders__mem_order {
    orders_order_t o;   /* o.id / o.order_number key the two order maps */
    size_t pos;         /* index in m->orders */
} orders__mem_order_t;

typedef struct orders__mem_res {
    orders_reservation_t r; /* r.order_id is the key in m->reservations */
    size_t active_pos;      /* index in m->active, or ORDERS__MEM_NOT_ACTIVE */
} orders__mem_res_t;

/* The events an atomic step writes share one allocation: this header, then
 * their wrappers and strings; so do its history entries.  The block is
 * freed when the last of its records is. */
typedef struct orders__mem_block {
    size_t live;            /* records of the block not yet freed */
} orders__mem_block_t;

typedef struct orders__mem_event {
    orders_event_t e;       /* indexed by order or by id: memory_outbox.c */
    orders__mem_block_t *block; /* shared with the step's other events */
    uint64_t key_hash;      /* hash of the index key (e.order_id or e.id) */
    uint64_t seq;           /* insertion number: ties on created_at */
    struct orders__mem_event *prev, *next; /* pending list, by (created_at, seq) */
    struct orders__mem_event *order_next;  /* the order's older live event */
    bool by_order;          /* in m->events (else in m->events_by_id) */
    bool dead;              /* a dead letter: not in the pending list */
    char *error_heap;       /* e.last_error once an ack set it (own malloc) */
} orders__mem_event_t;

/* History entries of one order form a chain from the newest back; the map
 * m->history holds the newest entry under its h.order_id.  A step's entries
 * share one block (orders__mem_block_t). */
typedef struct orders__mem_hist {
    orders_history_t h;
    struct orders__mem_hist *prev; /* the entry appended before, or NULL */
    orders__mem_block_t *block;    /* shared with the step's other entries */
    uint64_t order_hash;           /* orders__map_hash(h.order_id), computed once */
} orders__mem_hist_t;

/* Idempotency keys, ids and hashes are at most ORDERS_ID_MAX bytes (checked
 * by place), so these records are one fixed-size allocation each. */
typedef struct orders__mem_idem {
    char key[ORDERS_ID_MAX + 1];
    char order_id[ORDERS_ID_MAX + 1];
    char hash[ORDERS_ID_MAX + 1];
} orders__mem_idem_t;

typedef struct orders__mem_wallet {
    char key[ORDERS__MEM_WALLET_KEY_MAX]; /* "USD:customer" */
    int64_t balance;
} orders__mem_wallet_t;

typedef struct orders__mem_seq {
    char *name;
    int64_t value;          /* last value handed out */
} orders__mem_seq_t;

/* A named lease (memory_lease.c); name is its key in m->leases. */
typedef struct orders__mem_lease {
    char name[ORDERS_ID_MAX + 1];
    char owner[ORDERS_ID_MAX + 1];
    int64_t until;          /* held while now < until */
} orders__mem_lease_t;

typedef struct orders__mem_stat {
    char *kind;
    int64_t *at;            /* occurrence times, in call order */
    size_t count, cap;
    bool sorted;            /* at[] is non-decreasing: counts binary-search */
} orders__mem_stat_t;

typedef struct orders__mem {
    pthread_mutex_t lock;   /* guards everything below */

    orders__map_t products; /* id -> orders__mem_product_t */
    orders__map_t carts;    /* customer id -> orders_cart_t */

    orders__map_t orders_by_id;     /* id -> orders__mem_order_t */
    orders__map_t orders_by_number; /* order_number -> orders__mem_order_t */
    orders__mem_order_t **orders;   /* owned; in insertion order */
    size_t order_count, order_cap;
    /* true while orders[] is in non-decreasing created_at order (insertion
     * order normally is); order_list sorts it by (created_at, id) if not. */
    bool orders_by_time;

    orders__map_t reservations; /* order id -> orders__mem_res_t */
    orders__mem_res_t **active; /* the active reservations, in no order */
    size_t active_count, active_cap;

    orders__map_t idem;        /* key -> orders__mem_idem_t */
    orders__map_t wallets;     /* "USD:customer" -> orders__mem_wallet_t */
    orders__map_t wallet_refs; /* ref -> the key string itself (owned) */
    orders__map_t sequences;   /* name -> orders__mem_seq_t */
    orders__map_t stats;       /* kind -> orders__mem_stat_t */
    orders__map_t leases;      /* name -> orders__mem_lease_t */

    /* live events, pending and dead (memory_outbox.c) */
    orders__map_t events;       /* order id -> its newest orders__mem_event_t */
    orders__map_t events_by_id; /* id -> orders__mem_event_t, the others */
    orders__mem_event_t *pending_head, *pending_tail;
    int64_t pending_count, dead_count;
    uint64_t event_seq;

    orders__map_t history;     /* order id -> its newest orders__mem_hist_t */
} orders__mem_t;

/* ---- memory.c: stock lines -------------------------------------------------- */


/* The product of each line of a reservation, on the stack when few. */
typedef struct orders__mem_prods {
    orders__mem_product_t **p;
    orders__mem_product_t *small[ORDERS__MEM_SMALL];
} orders__mem_prods_t;

/* Sets b->p to room for n entries; false when memory runs out. */
bool orders__mem_prods_init(orders__mem_prods_t *b, size_t n);
void orders__mem_prods_free(orders__mem_prods_t *b);

/* Finds each line's product: ORDERS_E_INVALID for a line without a product
 * id or with quantity < 1, ORDERS_E_NOT_FOUND (field = product id) for an
 * unknown product. */
orders_code_t orders__mem_lines_resolve(orders__mem_t *m, const orders_reservation_line_t *lines,
                                        size_t n, orders__mem_product_t **prods,
                                        orders_error_t *err);

/* Index of the first line whose product has too few units in the move's
 * source count, counting earlier lines of the same product too; n when all
 * fit.  For a short line, *have gets the product's source count and *want
 * the quantity asked of it up to and including that line. */
size_t orders__mem_lines_short(const orders_reservation_line_t *lines, size_t n,
                               orders__mem_product_t *const *prods, orders__move_t mv,
                               int64_t *have, int64_t *want);

/* Moves every line's quantity (checked with orders__mem_lines_short). */
void orders__mem_lines_move(const orders_reservation_line_t *lines, size_t n,
                            orders__mem_product_t *const *prods, orders__move_t mv);

/* ---- memory_res.c: reservation effects --------------------------------------- */

/* Checks that effect may apply to rw at now; with local stock, also fills
 * prods (room for rw->r.line_count) and checks the counts to move. */
orders_code_t orders__mem_effect_check(orders__mem_t *m, const orders__mem_res_t *rw,
                                       orders_res_effect_t effect, int64_t now,
                                       orders__mem_product_t **prods, orders_error_t *err);
/* Applies a checked effect: status, updated_at = now, stock, active set. */
void orders__mem_effect_apply(orders__mem_t *m, orders__mem_res_t *rw, orders_res_effect_t effect,
                              int64_t now, orders__mem_product_t *const *prods);
/* Room for one more active reservation; false when memory runs out. */
bool orders__mem_active_reserve(orders__mem_t *m);
/* Adds rw (whose status is active) to the active set; room reserved. */
void orders__mem_active_add(orders__mem_t *m, orders__mem_res_t *rw);

/* ---- memory_outbox.c: events in the outbox ---------------------------------- */

/* The live event with this id, or NULL. */
orders__mem_event_t *orders__mem_event_find(const orders__mem_t *m, const char *id);
/* Sets each wrapper's index and key hash (no lock needed). */
void orders__mem_events_hash(orders__mem_event_t *const *ws, size_t n);
void orders__mem_events_prefetch(const orders__mem_t *m, orders__mem_event_t *const *ws, size_t n);
/* ORDERS_E_CONFLICT when an id is already in the outbox; else makes room
 * in the indexes so that orders__mem_events_commit cannot fail. */
orders_code_t orders__mem_events_reserve(orders__mem_t *m, orders__mem_event_t *const *ws,
                                         size_t n, orders_error_t *err);
/* Indexes the events and links them into the pending list; the store owns them after. */
void orders__mem_events_commit(orders__mem_t *m, orders__mem_event_t *const *ws, size_t n);
/* Frees every event and both indexes (store destruction). */
void orders__mem_events_free_all(orders__mem_t *m);

/* ---- memory_misc.c: the journal of an atomic step ---------------------------- */

/* Packed copies of a step's outbox events and history entries, made
 * before anything is changed so that committing them cannot fail. */
typedef struct orders__mem_journal {
    orders__mem_event_t **events;
    size_t event_count;
    orders__mem_hist_t **hist;
    size_t hist_count;
    orders__mem_event_t *event_buf[8];
    orders__mem_hist_t *hist_buf[8];
} orders__mem_journal_t;

/* Copies events and history that orders__check_journal accepted (the
 * callers check them with the rest of their transaction); needs no lock.
 * On failure (only ORDERS_E_NOMEM) nothing needs discarding. */
orders_code_t orders__mem_journal_pack(orders__mem_journal_t *j, const orders_event_t *const *events,
                                       size_t ne, const orders_history_t *const *history,
                                       size_t nh, orders_error_t *err);
/* With the lock held: starts loading the map slots that reserving and
 * committing j will probe (orders__map_prefetch). */
void orders__mem_journal_prefetch(const orders__mem_t *m, const orders__mem_journal_t *j);
/* With the lock held: every event id is new (ORDERS_E_CONFLICT), and the
 * maps have room, so that committing cannot fail.  On failure the journal
 * is still the caller's to discard. */
orders_code_t orders__mem_journal_reserve(orders__mem_t *m, const orders__mem_journal_t *j,
                                          orders_error_t *err);
/* Both of the above, for callers that hold the lock throughout.  On
 * failure nothing needs discarding. */
orders_code_t orders__mem_journal_prepare(orders__mem_t *m, orders__mem_journal_t *j,
                                          const orders_event_t *const *events, size_t ne,
                                          const orders_history_t *const *history, size_t nh,
                                          orders_error_t *err);
/* Moves the copies into the outbox and history; cannot fail. */
void orders__mem_journal_commit(orders__mem_t *m, orders__mem_journal_t *j);
/* Frees the copies of a prepared journal that will not be committed. */
void orders__mem_journal_discard(orders__mem_journal_t *j);

/* ---- memory_pack.c: packed copies (NULL when memory runs out) ---------------- */

orders__mem_product_t *orders__mem_pack_product(const orders_product_t *src); /* stock 0 */
orders_cart_t *orders__mem_pack_cart(const orders_cart_t *src);
orders__mem_order_t *orders__mem_pack_order(const orders_order_t *src);       /* pos 0 */
orders__mem_res_t *orders__mem_pack_res(const orders_reservation_t *src);     /* not active */
/* Packs n events (n >= 1) into one block (orders__mem_block_t); out[i]
 * gets event i's wrapper.  false when memory runs out. */
bool orders__mem_pack_events(const orders_event_t *const *src, size_t n,
                             orders__mem_event_t **out);
/* The same for n history entries (n >= 1). */
bool orders__mem_pack_hists(const orders_history_t *const *src, size_t n,
                            orders__mem_hist_t **out);
/* Frees one record of a block, and the block with its last record. */
void orders__mem_event_free(orders__mem_event_t *w);
void orders__mem_hist_free(orders__mem_hist_t *h);

/* ---- shared error shorthand --------------------------------------------------- */

orders_code_t orders__mem_nomem(orders_error_t *err);

/* ---- vtable members ------------------------------------------------------------ */

orders_code_t orders__mem_place(void *ud, const orders_place_tx_t *tx,
                                orders_place_result_t *result, orders_error_t *err);
orders_code_t orders__mem_order_update(void *ud, const orders_update_tx_t *tx,
                                       orders_error_t *err);
orders_code_t orders__mem_order_get(void *ud, const char *id, orders_order_t **out,
                                    orders_error_t *err);
orders_code_t orders__mem_order_version(void *ud, const char *id, int64_t *version,
                                        char *customer_id, orders_error_t *err);
orders_code_t orders__mem_order_get_by_number(void *ud, const char *order_number,
                                              orders_order_t **out, orders_error_t *err);
orders_code_t orders__mem_order_list(void *ud, const orders_order_filter_t *filter,
                                     orders_order_list_t *out, orders_error_t *err);
orders_code_t orders__mem_order_scan(void *ud, int64_t from, int64_t to,
                                     orders_order_visit_fn visit, void *visit_ud,
                                     orders_error_t *err);

orders_code_t orders__mem_reservation_create(void *ud, const orders_reservation_t *r,
                                             orders_error_t *err);
orders_code_t orders__mem_reservation_get(void *ud, const char *order_id,
                                          orders_reservation_t **out, orders_error_t *err);
orders_code_t orders__mem_reservation_settle(void *ud, const char *order_id,
                                             orders_res_effect_t effect, int64_t now,
                                             orders_error_t *err);
orders_code_t orders__mem_reservations_due(void *ud, int64_t now, int64_t limit,
                                           orders_string_list_t *out, orders_error_t *err);
orders_code_t orders__mem_reservation_counts(void *ud, int64_t from, int64_t to,
                                             orders_res_counts_t *out, orders_error_t *err);

orders_code_t orders__mem_sequence_next(void *ud, const char *name, int64_t *out,
                                        orders_error_t *err);
orders_code_t orders__mem_idem_get(void *ud, const char *key, char *order_id, char *hash,
                                   orders_error_t *err);
orders_code_t orders__mem_wallet_apply(void *ud, const char *customer_id, const char *currency,
                                       int64_t delta, const char *ref, int64_t now,
                                       int64_t *balance, orders_error_t *err);
orders_code_t orders__mem_wallet_balance(void *ud, const char *customer_id, const char *currency,
                                         int64_t *balance, orders_error_t *err);
orders_code_t orders__mem_outbox_fetch(void *ud, int64_t now, int64_t limit,
                                       orders_event_list_t *out, orders_error_t *err);
orders_code_t orders__mem_outbox_ack(void *ud, const char *event_id, bool delivered, bool dead,
                                     int64_t next_attempt_at, const char *error,
                                     orders_error_t *err);
orders_code_t orders__mem_outbox_ack_many(void *ud, const orders_outbox_ack_t *acks, size_t n,
                                          orders_code_t *results, orders_error_t *err);
orders_code_t orders__mem_outbox_counts(void *ud, int64_t *pending, int64_t *dead,
                                        orders_error_t *err);
orders_code_t orders__mem_outbox_requeue(void *ud, const char *event_id, int64_t now,
                                         int64_t limit, int64_t *moved, orders_error_t *err);
orders_code_t orders__mem_history_list(void *ud, const char *order_id,
                                       orders_history_list_t *out, orders_error_t *err);
orders_code_t orders__mem_stat_add(void *ud, const char *kind, int64_t at, orders_error_t *err);
orders_code_t orders__mem_stat_count(void *ud, const char *kind, int64_t from, int64_t to,
                                     int64_t *out, orders_error_t *err);
orders_code_t orders__mem_lease_take(void *ud, const char *name, const char *owner, int64_t now,
                                     int64_t until, bool *held, orders_error_t *err);

#endif /* ORDERS_STORE_MEMORY_INTERNAL_H */
