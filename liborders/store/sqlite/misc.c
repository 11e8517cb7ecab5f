/*
 * misc.c - the SQLite store's journal (outbox events and history written by
 * placement and update), outbox, history, idempotency keys, wallets,
 * sequences and analytics counters.
 *
 * Outbox rows keep an insertion number (seq) that orders events of the
 * same created_at; a delivered event's row is deleted, a dead one stays
 * with state 1 until outbox_requeue makes it pending again (state 0).
 * Wallets keep a balance row per (customer, currency) and a ledger row per
 * applied change; a ref is applied once (unique column).
 */
#include "store/sqlite/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- journal ------------------------------------------------------------------------- */

static orders_code_t event_write(orders__sq_conn_t *c, const orders_event_t *e,
                                 orders_error_t *err)
{
    bool found = false;
    orders_code_t rc = orders__sq_exists(c, ORDERS__SQ_EVENT_EXISTS, e->id,
                                         "cannot read the outbox", &found, err);
    if (rc != ORDERS_OK)
        return rc;
    if (found)
        return orders_error_set(err, ORDERS_E_CONFLICT, "events", "event id %s already exists",
                                e->id);
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_EVENT_INSERT, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, e->id) ||
        !orders__sq_bind_text(st, 2, orders_event_type_name(e->type)) ||
        !orders__sq_bind_text(st, 3, e->order_id) || !orders__sq_bind_text(st, 4, e->recipient) ||
        !orders__sq_bind_text(st, 5, e->old_status) || !orders__sq_bind_text(st, 6, e->new_status) ||
        !orders__sq_bind_money(st, 7, &e->amount) || !orders__sq_bind_text(st, 9, e->detail) ||
        !orders__sq_bind_i64(st, 10, e->created_at) || !orders__sq_bind_i64(st, 11, e->attempts) ||
        !orders__sq_bind_i64(st, 12, e->next_attempt_at) ||
        !orders__sq_bind_text(st, 13, e->last_error))
        return orders__sq_bind_failed(err);
    return orders__sq_exec(c, st, "cannot write an event", err);
}

static orders_code_t history_write(orders__sq_conn_t *c, const orders_history_t *h,
                                   orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_HISTORY_INSERT, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, h->order_id) || !orders__sq_bind_i64(st, 2, h->at) ||
        !orders__sq_bind_text(st, 3, h->actor) || !orders__sq_bind_text(st, 4, h->from_status) ||
        !orders__sq_bind_text(st, 5, h->to_status) || !orders__sq_bind_text(st, 6, h->note))
        return orders__sq_bind_failed(err);
    return orders__sq_exec(c, st, "cannot write history", err);
}

orders_code_t orders__sq_journal_write(orders__sq_conn_t *c, const orders_event_t *const *events,
                                       size_t ne, const orders_history_t *const *history,
                                       size_t nh, orders_error_t *err)
{
    orders_code_t rc = ORDERS_OK;
    for (size_t i = 0; i < ne && rc == ORDERS_OK; i++)
        rc = event_write(c, events[i], err);
    for (size_t i = 0; i < nh && rc == ORDERS_OK; i++)
        rc = history_write(c, history[i], err);
    return rc;
}

/* ---- outbox ------------------------------------------------------------------------------ */

/* An orders__sq_row_fn: appends a new event from the outbox row st is on
 * (ORDERS__SQ_EVENT_COLS) to the orders_event_list_t ud. */
static orders_code_t event_push(sqlite3_stmt *st, void *ud, orders_error_t *err)
{
    orders_event_t *e = calloc(1, sizeof *e);
    if (e == NULL)
        return orders__sq_nomem(err);
    bool ok = true;
    e->id = orders__sq_dup(st, 0, &ok);
    if (!orders_event_type_parse(orders__sq_text(st, 1), &e->type))
        e->type = ORDERS_EVENT_INVENTORY; /* a type this library does not know */
    e->order_id = orders__sq_dup(st, 2, &ok);
    e->recipient = orders__sq_dup(st, 3, &ok);
    e->old_status = orders__sq_dup(st, 4, &ok);
    e->new_status = orders__sq_dup(st, 5, &ok);
    e->amount = orders__sq_money(st, 6);
    e->detail = orders__sq_dup(st, 8, &ok);
    e->created_at = orders__sq_i64(st, 9);
    e->attempts = (int)orders__sq_i64(st, 10);
    e->next_attempt_at = orders__sq_i64(st, 11);
    e->last_error = orders__sq_dup(st, 12, &ok);
    if (!ok || !orders_event_list_push(ud, e)) {
        orders_event_free(e);
        return orders__sq_nomem(err);
    }
    return ORDERS_OK;
}

typedef struct fetch_args {
    int64_t now, limit;
    orders_event_list_t *out;
} fetch_args_t;

static orders_code_t fetch_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    fetch_args_t *a = arg;
    size_t start = a->out->count;
    orders_code_t code = orders__sq_each_due(c, ORDERS__SQ_OUTBOX_FETCH, a->now, a->limit,
                                             "cannot read the outbox", event_push, a->out, err);
    if (code != ORDERS_OK)
        while (a->out->count > start)
            orders_event_free(a->out->items[--a->out->count]);
    return code;
}

orders_code_t orders__sq_outbox_fetch(void *ud, int64_t now, int64_t limit,
                                      orders_event_list_t *out, orders_error_t *err)
{
    orders_code_t rc = orders__check_page(out, 0, limit, err);
    if (rc != ORDERS_OK)
        return rc;
    fetch_args_t a = {now, limit, out};
    return orders__sq_run(ud, ORDERS__SQ_READ, fetch_body, &a, err);
}

/* Records one delivery attempt; a refusal (gone, dead) writes nothing. */
static orders_code_t ack_one(orders__sq_conn_t *c, const orders_outbox_ack_t *a,
                             orders_error_t *err)
{
    sqlite3_stmt *st;
    orders_code_t rc =
        orders__sq_need(c, ORDERS__SQ_OUTBOX_STATE, a->event_id, "cannot read the outbox",
                        "event_id", "event %s is not in the outbox", &st, err);
    if (rc != ORDERS_OK)
        return rc;
    int64_t state = orders__sq_i64(st, 0);
    sqlite3_reset(st);
    if (state != 0)
        return orders_error_set(err, ORDERS_E_CONFLICT, "event_id", "event %s is a dead letter",
                                a->event_id);
    if (a->delivered)
        return orders__sq_exec_key(c, ORDERS__SQ_OUTBOX_DELETE, a->event_id,
                                   "cannot update the outbox", err);
    if ((st = orders__sq_stmt(c, ORDERS__SQ_OUTBOX_FAIL, err)) == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, a->event_id) ||
        !orders__sq_bind_i64(st, 2, a->next_attempt_at) || !orders__sq_bind_text(st, 3, a->error) ||
        !orders__sq_bind_i64(st, 4, a->dead ? 1 : 0))
        return orders__sq_bind_failed(err);
    return orders__sq_exec(c, st, "cannot update the outbox", err);
}

static orders_code_t ack_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    return ack_one(c, arg, err);
}

orders_code_t orders__sq_outbox_ack(void *ud, const char *event_id, bool delivered, bool dead,
                                    int64_t next_attempt_at, const char *error,
                                    orders_error_t *err)
{
    if (event_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "event_id", "event id is missing");
    orders_outbox_ack_t a = {event_id, delivered, dead, next_attempt_at, error};
    return orders__sq_run(ud, ORDERS__SQ_WRITE, ack_body, &a, err);
}

typedef struct ack_many_args {
    const orders_outbox_ack_t *acks;
    size_t n;
    orders_code_t *results;
} ack_many_args_t;

/* Every ack in one write: a refusal is its own result, any other failure
 * (the database's) fails the whole write.  A body may run more than once
 * (internal.h): results are written afresh each time. */
static orders_code_t ack_many_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    ack_many_args_t *a = arg;
    for (size_t i = 0; i < a->n; i++) {
        orders_error_t one = {0};
        orders_code_t rc = ack_one(c, &a->acks[i], &one);
        a->results[i] = rc;
        if (rc != ORDERS_OK && rc != ORDERS_E_NOT_FOUND && rc != ORDERS_E_CONFLICT) {
            if (err != NULL)
                *err = one;
            return rc;
        }
    }
    return ORDERS_OK;
}

orders_code_t orders__sq_outbox_ack_many(void *ud, const orders_outbox_ack_t *acks, size_t n,
                                         orders_code_t *results, orders_error_t *err)
{
    orders_code_t rc = orders__check_acks(acks, n, results, err);
    if (rc != ORDERS_OK || n == 0)
        return rc;
    ack_many_args_t a = {acks, n, results};
    return orders__sq_run(ud, ORDERS__SQ_WRITE, ack_many_body, &a, err);
}

/* One COUNT(*) of statement id with an optional integer parameter. */
static orders_code_t count_i64(orders__sq_conn_t *c, orders__sq_id_t id, int64_t param,
                               int64_t *out, orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(c, id, err);
    if (st == NULL)
        return c->code;
    if (sqlite3_bind_parameter_count(st) > 0 && !orders__sq_bind_i64(st, 1, param))
        return orders__sq_bind_failed(err);
    return orders__sq_one_i64(c, st, "cannot count", out, err);
}

typedef struct counts_args {
    int64_t pending, dead;
} counts_args_t;

static orders_code_t counts_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    counts_args_t *a = arg;
    orders_code_t rc = count_i64(c, ORDERS__SQ_OUTBOX_COUNT, 0, &a->pending, err);
    return rc != ORDERS_OK ? rc : count_i64(c, ORDERS__SQ_OUTBOX_COUNT, 1, &a->dead, err);
}

orders_code_t orders__sq_outbox_counts(void *ud, int64_t *pending, int64_t *dead,
                                       orders_error_t *err)
{
    counts_args_t a = {0, 0};
    orders_code_t rc = orders__sq_run(ud, ORDERS__SQ_READ, counts_body, &a, err);
    if (rc == ORDERS_OK) {
        if (pending != NULL)
            *pending = a.pending;
        if (dead != NULL)
            *dead = a.dead;
    }
    return rc;
}

typedef struct requeue_args {
    const char *event_id; /* NULL: the oldest dead letters */
    int64_t now, limit;
    int64_t moved;
} requeue_args_t;

/* Why the dead letter event_id was not moved: it is not there, or not dead. */
static orders_code_t requeue_refusal(orders__sq_conn_t *c, const char *event_id,
                                     orders_error_t *err)
{
    sqlite3_stmt *st;
    orders_code_t rc =
        orders__sq_need(c, ORDERS__SQ_OUTBOX_STATE, event_id, "cannot read the outbox",
                        "event_id", "event %s is not in the outbox", &st, err);
    if (rc != ORDERS_OK)
        return rc;
    sqlite3_reset(st);
    return orders_error_set(err, ORDERS_E_CONFLICT, "event_id", "event %s is not a dead letter",
                            event_id);
}

/* One UPDATE moves them all (or the one named); a body may run more than
 * once, so moved is written afresh. */
static orders_code_t requeue_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    requeue_args_t *a = arg;
    a->moved = 0;
    sqlite3_stmt *st = orders__sq_stmt(
        c, a->event_id != NULL ? ORDERS__SQ_OUTBOX_REQUEUE_ID : ORDERS__SQ_OUTBOX_REQUEUE, err);
    if (st == NULL)
        return c->code;
    bool bound = a->event_id != NULL ? orders__sq_bind_text(st, 2, a->event_id)
                                     : orders__sq_bind_i64(st, 2, a->limit);
    if (!orders__sq_bind_i64(st, 1, a->now) || !bound)
        return orders__sq_bind_failed(err);
    orders_code_t rc = orders__sq_exec(c, st, "cannot update the outbox", err);
    if (rc != ORDERS_OK)
        return rc;
    int64_t n = sqlite3_changes64(c->db);
    if (n == 0 && a->event_id != NULL)
        return requeue_refusal(c, a->event_id, err);
    a->moved = n;
    return ORDERS_OK;
}

orders_code_t orders__sq_outbox_requeue(void *ud, const char *event_id, int64_t now,
                                        int64_t limit, int64_t *moved, orders_error_t *err)
{
    if (moved != NULL)
        *moved = 0;
    if (event_id == NULL && limit < 1)
        return orders_error_set(err, ORDERS_E_INVALID, "limit", "limit must be at least 1");
    requeue_args_t a = {event_id, now, limit, 0};
    orders_code_t rc = orders__sq_run(ud, ORDERS__SQ_WRITE, requeue_body, &a, err);
    if (rc == ORDERS_OK && moved != NULL)
        *moved = a.moved;
    return rc;
}

/* ---- history ------------------------------------------------------------------------------ */

typedef struct history_args {
    const char *order_id;
    orders_history_list_t *out;
} history_args_t;

/* An orders__sq_row_fn: appends a new entry from the history row st is on
 * to the orders_history_list_t ud. */
static orders_code_t history_push(sqlite3_stmt *st, void *ud, orders_error_t *err)
{
    orders_history_t *h = calloc(1, sizeof *h);
    if (h == NULL)
        return orders__sq_nomem(err);
    bool ok = true;
    h->order_id = orders__sq_dup(st, 0, &ok);
    h->at = orders__sq_i64(st, 1);
    h->actor = orders__sq_dup(st, 2, &ok);
    h->from_status = orders__sq_dup(st, 3, &ok);
    h->to_status = orders__sq_dup(st, 4, &ok);
    h->note = orders__sq_dup(st, 5, &ok);
    if (!ok || !orders_history_list_push(ud, h)) {
        orders_history_free(h);
        return orders__sq_nomem(err);
    }
    return ORDERS_OK;
}

static orders_code_t history_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    history_args_t *a = arg;
    size_t start = a->out->count;
    sqlite3_stmt *st = orders__sq_stmt_key(c, ORDERS__SQ_HISTORY_LIST, a->order_id, err);
    if (st == NULL)
        return c->code;
    orders_code_t code = orders__sq_each(c, st, "cannot read history", history_push, a->out, err);
    if (code != ORDERS_OK)
        while (a->out->count > start)
            orders_history_free(a->out->items[--a->out->count]);
    return code;
}

orders_code_t orders__sq_history_list(void *ud, const char *order_id,
                                      orders_history_list_t *out, orders_error_t *err)
{
    if (order_id == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "order_id", "order id is missing");
    history_args_t a = {order_id, out};
    return orders__sq_run(ud, ORDERS__SQ_READ, history_body, &a, err);
}

/* ---- idempotency keys ------------------------------------------------------------------------ */

typedef struct idem_args {
    const char *key;
    char *order_id, *hash;
} idem_args_t;

static orders_code_t idem_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    idem_args_t *a = arg;
    sqlite3_stmt *st;
    orders_code_t rc =
        orders__sq_need(c, ORDERS__SQ_IDEM_GET, a->key, "cannot read an idempotency key", "key",
                        "idempotency key %.64s not found", &st, err);
    if (rc != ORDERS_OK)
        return rc;
    if (a->order_id != NULL)
        orders__sq_copy_id(st, 0, a->order_id);
    if (a->hash != NULL)
        orders__sq_copy_id(st, 1, a->hash);
    return ORDERS_OK;
}

orders_code_t orders__sq_idem_get(void *ud, const char *key, char *order_id, char *hash,
                                  orders_error_t *err)
{
    if (key == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "key", "idempotency key is missing");
    idem_args_t a = {key, order_id, hash};
    return orders__sq_run(ud, ORDERS__SQ_READ, idem_body, &a, err);
}

/* ---- wallets ------------------------------------------------------------------------------- */

typedef struct wallet_args {
    const char *customer_id, *currency;
    int64_t delta;
    const char *ref;
    int64_t now;
    int64_t balance;
} wallet_args_t;

static orders_code_t balance_read(orders__sq_conn_t *c, wallet_args_t *a, orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_WALLET_BALANCE, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, a->customer_id) || !orders__sq_bind_text(st, 2, a->currency))
        return orders__sq_bind_failed(err);
    sqlite3_stmt *row;
    orders_code_t rc = orders__sq_first(c, st, "cannot read a wallet", &row, err);
    if (rc == ORDERS_OK)
        a->balance = row != NULL ? orders__sq_i64(row, 0) : 0;
    sqlite3_reset(row);
    return rc;
}

static orders_code_t apply_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    wallet_args_t *a = arg;
    bool known = false; /* has ref been applied already? */
    orders_code_t rc = balance_read(c, a, err);
    if (rc != ORDERS_OK ||
        (a->ref != NULL && (rc = orders__sq_exists(c, ORDERS__SQ_WALLET_REF, a->ref,
                                                   "cannot read the wallet ledger", &known,
                                                   err)) != ORDERS_OK))
        return rc;
    if (known)
        return ORDERS_OK; /* already applied: the current balance */
    int64_t next;
    if ((rc = orders__check_wallet_next(a->balance, a->delta, a->currency, &next, err)) !=
        ORDERS_OK)
        return rc;
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_WALLET_SET, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, a->customer_id) || !orders__sq_bind_text(st, 2, a->currency) ||
        !orders__sq_bind_i64(st, 3, next))
        return orders__sq_bind_failed(err);
    if ((rc = orders__sq_exec(c, st, "cannot write a wallet", err)) != ORDERS_OK)
        return rc;
    if ((st = orders__sq_stmt(c, ORDERS__SQ_WALLET_LEDGER_PUT, err)) == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, a->ref) || !orders__sq_bind_text(st, 2, a->customer_id) ||
        !orders__sq_bind_text(st, 3, a->currency) || !orders__sq_bind_i64(st, 4, a->delta) ||
        !orders__sq_bind_i64(st, 5, next) || !orders__sq_bind_i64(st, 6, a->now))
        return orders__sq_bind_failed(err);
    if ((rc = orders__sq_exec(c, st, "cannot write the wallet ledger", err)) != ORDERS_OK)
        return rc;
    a->balance = next;
    return ORDERS_OK;
}

orders_code_t orders__sq_wallet_apply(void *ud, const char *customer_id, const char *currency,
                                      int64_t delta, const char *ref, int64_t now,
                                      int64_t *balance, orders_error_t *err)
{
    orders_code_t rc = orders__check_wallet(customer_id, currency, err);
    if (rc != ORDERS_OK)
        return rc;
    wallet_args_t a = {customer_id, currency, delta, ref, now, 0};
    rc = orders__sq_run(ud, ORDERS__SQ_WRITE, apply_body, &a, err);
    if (rc == ORDERS_OK && balance != NULL)
        *balance = a.balance;
    return rc;
}

static orders_code_t balance_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    return balance_read(c, arg, err);
}

orders_code_t orders__sq_wallet_balance(void *ud, const char *customer_id, const char *currency,
                                        int64_t *balance, orders_error_t *err)
{
    /* No output is refused like a malformed wallet. */
    orders_code_t rc = orders__check_wallet(balance != NULL ? customer_id : NULL, currency, err);
    if (rc != ORDERS_OK)
        return rc;
    wallet_args_t a = {customer_id, currency, 0, NULL, 0, 0};
    rc = orders__sq_run(ud, ORDERS__SQ_READ, balance_body, &a, err);
    if (rc == ORDERS_OK)
        *balance = a.balance;
    return rc;
}

/* ---- sequences and counters ---------------------------------------------------------------- */

typedef struct seq_args {
    const char *name;
    int64_t value;
} seq_args_t;

static orders_code_t seq_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    seq_args_t *a = arg;
    sqlite3_stmt *st;
    orders_code_t rc = orders__sq_find(c, ORDERS__SQ_SEQUENCE_NEXT, a->name,
                                       "cannot advance a sequence", &st, err);
    if (rc != ORDERS_OK)
        return rc;
    if (st == NULL)
        return orders_error_set(err, ORDERS_E_OVERFLOW, "name", "sequence %s is exhausted",
                                a->name);
    a->value = orders__sq_i64(st, 0);
    sqlite3_reset(st);
    return ORDERS_OK;
}

orders_code_t orders__sq_sequence_next(void *ud, const char *name, int64_t *out,
                                       orders_error_t *err)
{
    if (name == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "name", "sequence name is missing");
    seq_args_t a = {name, 0};
    orders_code_t rc = orders__sq_run(ud, ORDERS__SQ_WRITE, seq_body, &a, err);
    if (rc == ORDERS_OK)
        *out = a.value;
    return rc;
}

typedef struct stat_args {
    const char *kind;
    int64_t from, to;
    int64_t count;
} stat_args_t;

static orders_code_t stat_add_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    stat_args_t *a = arg;
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_STAT_ADD, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, a->kind) || !orders__sq_bind_i64(st, 2, a->from))
        return orders__sq_bind_failed(err);
    return orders__sq_exec(c, st, "cannot record a counter", err);
}

orders_code_t orders__sq_stat_add(void *ud, const char *kind, int64_t at, orders_error_t *err)
{
    if (kind == NULL || kind[0] == '\0')
        return orders_error_set(err, ORDERS_E_INVALID, "kind", "counter kind is missing");
    stat_args_t a = {kind, at, 0, 0};
    return orders__sq_run(ud, ORDERS__SQ_WRITE, stat_add_body, &a, err);
}

static orders_code_t stat_count_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    stat_args_t *a = arg;
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_STAT_COUNT, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, a->kind) || !orders__sq_bind_i64(st, 2, a->from) ||
        !orders__sq_bind_i64(st, 3, a->to))
        return orders__sq_bind_failed(err);
    return orders__sq_one_i64(c, st, "cannot count", &a->count, err);
}

orders_code_t orders__sq_stat_count(void *ud, const char *kind, int64_t from, int64_t to,
                                    int64_t *out, orders_error_t *err)
{
    if (kind == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "kind", "counter kind is missing");
    stat_args_t a = {kind, from, to, 0};
    orders_code_t rc = orders__sq_run(ud, ORDERS__SQ_READ, stat_count_body, &a, err);
    if (rc == ORDERS_OK)
        *out = a.count;
    return rc;
}
