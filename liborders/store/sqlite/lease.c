/*
 * lease.c - the SQLite store's named leases (lease_take).
 *
 * One upsert in a write transaction (BEGIN IMMEDIATE, through group
 * commit): it inserts the lease when there is no row, and otherwise
 * replaces owner and until only when the stored lease has expired (until
 * <= now) or is already owner's.  The write lock of the file makes the
 * test and the change one step for every process sharing it; RETURNING
 * gives a row exactly when the row was written, that is when owner holds
 * the lease afterwards.
 */
#include "store/sqlite/internal.h"

typedef struct lease_args {
    const char *name, *owner;
    int64_t now, until;
    bool held;
} lease_args_t;

static orders_code_t lease_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    lease_args_t *a = arg;
    a->held = false; /* the body may run again */
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_LEASE_TAKE, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, a->name) || !orders__sq_bind_text(st, 2, a->owner) ||
        !orders__sq_bind_i64(st, 3, a->until) || !orders__sq_bind_i64(st, 4, a->now))
        return orders__sq_bind_failed(err);
    sqlite3_stmt *row;
    orders_code_t rc = orders__sq_first(c, st, "cannot take a lease", &row, err);
    a->held = rc == ORDERS_OK && row != NULL;
    sqlite3_reset(row);
    return rc;
}

orders_code_t orders__sq_lease_take(void *ud, const char *name, const char *owner, int64_t now,
                                    int64_t until, bool *held, orders_error_t *err)
{
    orders_code_t rc = orders__check_lease(name, owner, now, until, held, err);
    if (rc != ORDERS_OK)
        return rc;
    lease_args_t a = {name, owner, now, until, false};
    rc = orders__sq_run(ud, ORDERS__SQ_WRITE, lease_body, &a, err);
    *held = rc == ORDERS_OK && a.held;
    return rc;
}
