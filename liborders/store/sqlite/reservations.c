/*
 * reservations.c - the SQLite store's reservations: effects (shared with
 * order_update), create, get, settle, the due list and counts.
 *
 * A reservation is a row of inventory_reservations (keyed by order id)
 * plus its lines.  An effect checks the row's status and deadline, moves
 * the lines' stock when local_stock is set, and sets status and
 * updated_at, all inside the caller's write transaction.
 */
#include "store/sqlite/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading --------------------------------------------------------------------------- */

/* An orders__sq_fill_fn: the line elem from the reservation_lines row st is on. */
static orders_code_t line_row(sqlite3_stmt *st, void *elem, void *ud, orders_error_t *err)
{
    (void)ud;
    orders_reservation_line_t *l = elem;
    bool ok = true;
    l->product_id = orders__sq_dup(st, 0, &ok);
    l->seller_id = orders__sq_dup(st, 1, &ok);
    l->quantity = orders__sq_i64(st, 2);
    l->unit_price = orders__sq_money(st, 3);
    return ok ? ORDERS_OK : orders__sq_nomem(err);
}

/* Reads every line of r into r->lines (count in r->line_count). */
static orders_code_t lines_read(orders__sq_conn_t *c, orders_reservation_t *r,
                                orders_error_t *err)
{
    orders__sq_array_t lines = {.elem_size = sizeof *r->lines, .fill = line_row};
    orders_code_t rc = orders__sq_rows(c, ORDERS__SQ_RES_LINES, r->order_id,
                                       "cannot read reservation lines", &lines, err);
    r->lines = lines.items;
    r->line_count = lines.count;
    return rc;
}

/* Loads the reservation of order_id (*out NULL and ORDERS_OK when none). */
static orders_code_t res_load(orders__sq_conn_t *c, const char *order_id,
                              orders_reservation_t **out, orders_error_t *err)
{
    *out = NULL;
    sqlite3_stmt *st;
    orders_code_t code =
        orders__sq_find(c, ORDERS__SQ_RES_GET, order_id, "cannot read a reservation", &st, err);
    if (code != ORDERS_OK || st == NULL)
        return code;
    orders_reservation_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return orders__sq_nomem(err);
    bool ok = true;
    r->id = orders__sq_dup(st, 0, &ok);
    r->order_id = orders__sq_dup(st, 1, &ok);
    r->customer_id = orders__sq_dup(st, 2, &ok);
    r->total_items = orders__sq_i64(st, 3);
    r->total_value = orders__sq_money(st, 4);
    r->local_stock = orders__sq_i64(st, 7) != 0;
    r->created_at = orders__sq_i64(st, 8);
    r->updated_at = orders__sq_i64(st, 9);
    r->expires_at = orders__sq_i64(st, 10);
    if (!ok)
        code = orders__sq_nomem(err);
    else if (!orders_reservation_status_parse(orders__sq_text(st, 6), &r->status))
        code = orders_error_set(err, ORDERS_E_BACKEND, "store",
                                "sqlite: reservation of order %s has an unknown status",
                                order_id);
    sqlite3_reset(st);
    if (code == ORDERS_OK)
        code = lines_read(c, r, err);
    if (code != ORDERS_OK) {
        orders_reservation_free(r);
        return code;
    }
    *out = r;
    return ORDERS_OK;
}

/* ---- effects ---------------------------------------------------------------------------- */

/* Applies a checked effect to r: stock, then status and updated_at. */
static orders_code_t effect_apply(orders__sq_conn_t *c, const orders_reservation_t *r,
                                  orders_reservation_status_t to, orders__move_t mv,
                                  int64_t now, orders_error_t *err)
{
    orders_code_t rc;
    if (r->local_stock) {
        orders__sq_short_t s;
        rc = orders__sq_lines_move(c, r->lines, r->line_count, mv, &s, err);
        if (rc == ORDERS_E_OUT_OF_STOCK) /* the store's counts disagree with its reservation */
            return orders_error_set(err, ORDERS_E_BACKEND, r->lines[s.line].product_id,
                                    "stock of product %s is inconsistent: %" PRId64
                                    " units to move, %" PRId64 " held",
                                    r->lines[s.line].product_id, s.want, s.have);
        if (rc != ORDERS_OK)
            return rc;
    }
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_RES_SET_STATUS, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, r->order_id) ||
        !orders__sq_bind_text(st, 2, orders_reservation_status_name(to)) ||
        !orders__sq_bind_i64(st, 3, now))
        return orders__sq_bind_failed(err);
    return orders__sq_exec(c, st, "cannot update a reservation", err);
}

orders_code_t orders__sq_effect(orders__sq_conn_t *c, const char *order_id,
                                orders_res_effect_t effect, int64_t now, const char *field,
                                orders_error_t *err)
{
    if (effect == ORDERS_RES_EFFECT_NONE)
        return ORDERS_OK;
    orders_reservation_t *r = NULL;
    orders_code_t rc = res_load(c, order_id, &r, err);
    if (rc != ORDERS_OK)
        return rc;
    if (r == NULL)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, field, "no reservation for order %s",
                                order_id);
    orders_reservation_status_t to;
    rc = orders__check_effect(r, effect, now, &to, err);
    if (rc == ORDERS_OK)
        rc = effect_apply(c, r, to, orders__effect_move(effect), now, err);
    orders_reservation_free(r);
    return rc;
}

/* ---- create ------------------------------------------------------------------------------- */

orders_code_t orders__sq_res_insert(orders__sq_conn_t *c, const orders_reservation_t *r,
                                    orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_RES_INSERT, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, r->id) || !orders__sq_bind_text(st, 2, r->order_id) ||
        !orders__sq_bind_text(st, 3, r->customer_id) || !orders__sq_bind_i64(st, 4, r->total_items) ||
        !orders__sq_bind_money(st, 5, &r->total_value) ||
        !orders__sq_bind_text(st, 7, orders_reservation_status_name(r->status)) ||
        !orders__sq_bind_i64(st, 8, r->local_stock) || !orders__sq_bind_i64(st, 9, r->created_at) ||
        !orders__sq_bind_i64(st, 10, r->updated_at) || !orders__sq_bind_i64(st, 11, r->expires_at))
        return orders__sq_bind_failed(err);
    orders_code_t rc = orders__sq_exec(c, st, "cannot write a reservation", err);
    for (size_t i = 0; i < r->line_count && rc == ORDERS_OK; i++) {
        const orders_reservation_line_t *l = &r->lines[i];
        if ((st = orders__sq_stmt(c, ORDERS__SQ_RES_LINE_PUT, err)) == NULL)
            return c->code;
        if (!orders__sq_bind_text(st, 1, r->order_id) || !orders__sq_bind_i64(st, 2, (int64_t)i) ||
            !orders__sq_bind_text(st, 3, l->product_id) ||
            !orders__sq_bind_text(st, 4, l->seller_id) || !orders__sq_bind_i64(st, 5, l->quantity) ||
            !orders__sq_bind_money(st, 6, &l->unit_price))
            return orders__sq_bind_failed(err);
        rc = orders__sq_exec(c, st, "cannot write a reservation line", err);
    }
    return rc;
}

static orders_code_t create_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    const orders_reservation_t *r = arg;
    bool found = false;
    orders_code_t rc = orders__sq_exists(c, ORDERS__SQ_RES_EXISTS, r->order_id,
                                         "cannot read a reservation", &found, err);
    if (rc != ORDERS_OK)
        return rc;
    if (found)
        return orders_error_set(err, ORDERS_E_CONFLICT, "order_id",
                                "order %s already has a reservation", r->order_id);
    if (r->local_stock) {
        orders__sq_short_t s;
        rc = orders__sq_lines_move(c, r->lines, r->line_count, ORDERS__MOVE_RESERVE, &s, err);
        if (rc == ORDERS_E_OUT_OF_STOCK) {
            const char *pid = r->lines[s.line].product_id;
            return orders_error_set(err, ORDERS_E_OUT_OF_STOCK, pid,
                                    "Insufficient stock for %s: available %" PRId64
                                    ", requested %" PRId64,
                                    pid, s.have, s.want);
        }
        if (rc != ORDERS_OK)
            return rc;
    }
    return orders__sq_res_insert(c, r, err);
}

orders_code_t orders__sq_reservation_create(void *ud, const orders_reservation_t *r,
                                            orders_error_t *err)
{
    orders_code_t rc = orders__check_res_create(r, err);
    if (rc != ORDERS_OK)
        return rc;
    return orders__sq_run(ud, ORDERS__SQ_WRITE, create_body, (void *)r, err);
}

/* ---- get and settle ------------------------------------------------------------------------ */

typedef struct one_args {
    const char *order_id;
    orders_reservation_t **out;
    orders_res_effect_t effect;
    int64_t now;
} one_args_t;

static orders_code_t get_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    one_args_t *a = arg;
    orders_code_t rc = res_load(c, a->order_id, a->out, err);
    if (rc == ORDERS_OK && *a->out == NULL)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "order_id",
                                "no reservation for order %s", a->order_id);
    return rc;
}

orders_code_t orders__sq_reservation_get(void *ud, const char *order_id,
                                         orders_reservation_t **out, orders_error_t *err)
{
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (order_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "order_id", "order id is missing");
    one_args_t a = {order_id, out, ORDERS_RES_EFFECT_NONE, 0};
    return orders__sq_run(ud, ORDERS__SQ_READ, get_body, &a, err);
}

static orders_code_t settle_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    one_args_t *a = arg;
    if (a->effect == ORDERS_RES_EFFECT_NONE) { /* only its existence to check */
        orders_reservation_t *r = NULL;
        orders_code_t rc = get_body(c, &(one_args_t){a->order_id, &r, a->effect, 0}, err);
        orders_reservation_free(r);
        return rc;
    }
    return orders__sq_effect(c, a->order_id, a->effect, a->now, "order_id", err);
}

orders_code_t orders__sq_reservation_settle(void *ud, const char *order_id,
                                            orders_res_effect_t effect, int64_t now,
                                            orders_error_t *err)
{
    if (order_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "order_id", "order id is missing");
    one_args_t a = {order_id, NULL, effect, now};
    return orders__sq_run(ud, ORDERS__SQ_WRITE, settle_body, &a, err);
}

/* ---- due and counts ------------------------------------------------------------------------- */

typedef struct due_args {
    int64_t now, limit;
    orders_string_list_t *out;
} due_args_t;

static orders_code_t due_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    due_args_t *a = arg;
    size_t start = a->out->count;
    orders_code_t code = orders__sq_each_due(c, ORDERS__SQ_RES_DUE, a->now, a->limit,
                                             "cannot list due reservations", orders__sq_push_id,
                                             a->out, err);
    if (code != ORDERS_OK)
        while (a->out->count > start)
            free(a->out->items[--a->out->count]);
    return code;
}

orders_code_t orders__sq_reservations_due(void *ud, int64_t now, int64_t limit,
                                          orders_string_list_t *out, orders_error_t *err)
{
    orders_code_t rc = orders__check_page(out, 0, limit, err);
    if (rc != ORDERS_OK)
        return rc;
    due_args_t a = {now, limit, out};
    return orders__sq_run(ud, ORDERS__SQ_READ, due_body, &a, err);
}

typedef struct counts_args {
    int64_t from, to;
    orders_res_counts_t *out;
} counts_args_t;

static orders_code_t count_status(orders__sq_conn_t *c, const counts_args_t *a,
                                  orders_reservation_status_t status, int64_t *out,
                                  orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_RES_COUNTS, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, orders_reservation_status_name(status)) ||
        !orders__sq_bind_i64(st, 2, a->from) || !orders__sq_bind_i64(st, 3, a->to))
        return orders__sq_bind_failed(err);
    return orders__sq_one_i64(c, st, "cannot count reservations", out, err);
}

static orders_code_t counts_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    counts_args_t *a = arg;
    orders_res_counts_t *o = a->out;
    memset(o, 0, sizeof *o);
    orders_code_t rc;
    if ((rc = count_status(c, a, ORDERS_RES_ACTIVE, &o->active, err)) != ORDERS_OK ||
        (rc = count_status(c, a, ORDERS_RES_CONFIRMED, &o->confirmed, err)) != ORDERS_OK ||
        (rc = count_status(c, a, ORDERS_RES_EXPIRED, &o->expired, err)) != ORDERS_OK)
        return rc;
    return count_status(c, a, ORDERS_RES_CANCELLED, &o->cancelled, err);
}

orders_code_t orders__sq_reservation_counts(void *ud, int64_t from, int64_t to,
                                            orders_res_counts_t *out, orders_error_t *err)
{
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    counts_args_t a = {from, to, out};
    return orders__sq_run(ud, ORDERS__SQ_READ, counts_body, &a, err);
}
