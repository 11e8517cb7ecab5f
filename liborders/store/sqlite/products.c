/*
 * products.c - the SQLite store's products and stock, and the stock moves
 * that placements and reservation effects make.
 *
 * Stock lives in its own table, one row per product, created with the
 * product (all counts 0).  Its CHECK constraint repeats the invariant
 *     available + reserved + sold == stocked - adjusted, no count below 0
 * so that even a bug here could not commit a broken row.  Every move is
 * one conditional UPDATE (source >= quantity), inside the caller's
 * transaction.
 */
#include "store/sqlite/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- products ------------------------------------------------------------------------ */

typedef struct put_args {
    const orders_product_t *p;
    bool create_only;
} put_args_t;

static orders_code_t put_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    const put_args_t *a = arg;
    const orders_product_t *p = a->p;
    bool found = false;
    orders_code_t code = a->create_only ? orders__sq_exists(c, ORDERS__SQ_PRODUCT_EXISTS, p->id,
                                                            "cannot read a product", &found, err)
                                        : ORDERS_OK;
    if (code != ORDERS_OK)
        return code;
    if (found)
        return orders_error_set(err, ORDERS_E_CONFLICT, "id", "product %s already exists", p->id);
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_PRODUCT_PUT, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, p->id) || !orders__sq_bind_text(st, 2, p->seller_id) ||
        !orders__sq_bind_text(st, 3, p->name) || !orders__sq_bind_text(st, 4, p->image) ||
        !orders__sq_bind_money(st, 5, &p->price) || !orders__sq_bind_i64(st, 7, p->active) ||
        !orders__sq_bind_i64(st, 8, p->created_at) || !orders__sq_bind_i64(st, 9, p->updated_at))
        return orders__sq_bind_failed(err);
    if ((code = orders__sq_exec(c, st, "cannot write a product", err)) != ORDERS_OK)
        return code;
    return orders__sq_exec_key(c, ORDERS__SQ_STOCK_INIT, p->id, "cannot create stock", err);
}

orders_code_t orders__sq_product_put(void *ud, const orders_product_t *p, bool create_only,
                                     orders_error_t *err)
{
    orders_code_t rc = orders__check_product(p, err);
    if (rc != ORDERS_OK)
        return rc;
    put_args_t a = {p, create_only};
    return orders__sq_run(ud, ORDERS__SQ_WRITE, put_body, &a, err);
}

/* A single-block copy (types.h) of the product row st is on. */
static orders_product_t *product_row(sqlite3_stmt *st)
{
    orders_product_t tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.id = (char *)orders__sq_text(st, 0);
    tmp.seller_id = (char *)orders__sq_text(st, 1);
    tmp.name = (char *)orders__sq_text(st, 2);
    tmp.image = (char *)orders__sq_text(st, 3);
    tmp.price = orders__sq_money(st, 4);
    tmp.active = orders__sq_i64(st, 6) != 0;
    tmp.created_at = orders__sq_i64(st, 7);
    tmp.updated_at = orders__sq_i64(st, 8);
    return orders_product_copy(&tmp);
}

/* An orders__sq_row_fn: appends the product row st is on to the
 * orders_product_list_t ud. */
static orders_code_t product_push(sqlite3_stmt *st, void *ud, orders_error_t *err)
{
    orders_product_t *p = product_row(st);
    if (p == NULL || !orders_product_list_push(ud, p)) {
        orders_product_free(p);
        return orders__sq_nomem(err);
    }
    return ORDERS_OK;
}

typedef struct get_args {
    const char *id;
    orders_product_t **out;
} get_args_t;

static orders_code_t get_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    get_args_t *a = arg;
    sqlite3_stmt *st;
    orders_code_t rc = orders__sq_need(c, ORDERS__SQ_PRODUCT_GET, a->id, "cannot read a product",
                                       "id", "product %s not found", &st, err);
    if (rc != ORDERS_OK)
        return rc;
    if ((*a->out = product_row(st)) == NULL)
        return orders__sq_nomem(err);
    return ORDERS_OK;
}

orders_code_t orders__sq_product_get(void *ud, const char *id, orders_product_t **out,
                                     orders_error_t *err)
{
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "id", "product id is missing");
    get_args_t a = {id, out};
    return orders__sq_run(ud, ORDERS__SQ_READ, get_body, &a, err);
}

typedef struct read_args {
    const char *const *ids;
    size_t n;
    orders_product_avail_t *out;
} read_args_t;

/* Every id in one read transaction: a snapshot of the products and stock. */
static orders_code_t read_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    read_args_t *a = arg;
    for (size_t i = 0; i < a->n; i++) {
        sqlite3_stmt *st;
        orders_code_t rc =
            orders__sq_find(c, ORDERS__SQ_PRODUCT_AVAIL, a->ids[i], "cannot read a product", &st, err);
        if (rc == ORDERS_OK && st != NULL) {
            if ((a->out[i].product = product_row(st)) == NULL)
                rc = orders__sq_nomem(err);
            a->out[i].available = orders__sq_i64(st, 9);
            sqlite3_reset(st);
        }
        if (rc != ORDERS_OK) {
            orders__products_avail_clear(a->out, a->n);
            return rc;
        }
    }
    return ORDERS_OK;
}

orders_code_t orders__sq_products_read(void *ud, const char *const *ids, size_t n,
                                       orders_product_avail_t *out, orders_error_t *err)
{
    orders_code_t rc = orders__check_products_read(ids, n, out, err);
    if (rc != ORDERS_OK || n == 0)
        return rc;
    read_args_t a = {ids, n, out};
    return orders__sq_run(ud, ORDERS__SQ_READ, read_body, &a, err);
}

typedef struct list_args {
    const char *seller_id;
    int64_t offset, limit;
    orders_product_list_t *out;
} list_args_t;

static orders_code_t list_rows(orders__sq_conn_t *c, const list_args_t *a, orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(
        c, a->seller_id != NULL ? ORDERS__SQ_PRODUCT_LIST_SELLER : ORDERS__SQ_PRODUCT_LIST, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_i64(st, 1, a->limit) || !orders__sq_bind_i64(st, 2, a->offset) ||
        (a->seller_id != NULL && !orders__sq_bind_text(st, 3, a->seller_id)))
        return orders__sq_bind_failed(err);
    orders_code_t rc = orders__sq_each(c, st, "cannot list products", product_push, a->out, err);
    if (rc != ORDERS_OK)
        return rc;

    st = orders__sq_stmt(c, a->seller_id != NULL ? ORDERS__SQ_PRODUCT_COUNT_SELLER
                                                 : ORDERS__SQ_PRODUCT_COUNT,
                         err);
    if (st == NULL)
        return c->code;
    if (a->seller_id != NULL && !orders__sq_bind_text(st, 1, a->seller_id))
        return orders__sq_bind_failed(err);
    return orders__sq_one_i64(c, st, "cannot count products", &a->out->total, err);
}

static orders_code_t list_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    list_args_t *a = arg;
    size_t start = a->out->count;
    orders_code_t rc = list_rows(c, a, err);
    if (rc != ORDERS_OK)
        while (a->out->count > start)
            orders_product_free(a->out->items[--a->out->count]);
    return rc;
}

orders_code_t orders__sq_product_list(void *ud, const char *seller_id, int64_t offset,
                                      int64_t limit, orders_product_list_t *out,
                                      orders_error_t *err)
{
    orders_code_t rc = orders__check_page(out, offset, limit, err);
    if (rc != ORDERS_OK)
        return rc;
    list_args_t a = {seller_id, offset, limit, out};
    return orders__sq_run(ud, ORDERS__SQ_READ, list_body, &a, err);
}

/* ---- stock ------------------------------------------------------------------------------ */

/* Reads the stock of product_id into *s; ORDERS_E_NOT_FOUND when unknown. */
static orders_code_t stock_read(orders__sq_conn_t *c, const char *product_id, orders_stock_t *s,
                                orders_error_t *err)
{
    sqlite3_stmt *st;
    orders_code_t rc = orders__sq_need(c, ORDERS__SQ_STOCK_GET, product_id, "cannot read stock",
                                       "product_id", "product %s not found", &st, err);
    if (rc != ORDERS_OK)
        return rc;
    s->available = orders__sq_i64(st, 0);
    s->reserved = orders__sq_i64(st, 1);
    s->sold = orders__sq_i64(st, 2);
    s->stocked = orders__sq_i64(st, 3);
    s->adjusted = orders__sq_i64(st, 4);
    sqlite3_reset(st);
    return ORDERS_OK;
}

typedef struct stock_args {
    const char *product_id;
    orders_stock_op_t op;
    int64_t value;
    orders_stock_t *out;
} stock_args_t;

static orders_code_t stock_get_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    stock_args_t *a = arg;
    return stock_read(c, a->product_id, a->out, err);
}

orders_code_t orders__sq_stock_get(void *ud, const char *product_id, orders_stock_t *out,
                                   orders_error_t *err)
{
    if (product_id == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "product_id", "product id is missing");
    stock_args_t a = {product_id, ORDERS_STOCK_SET_AVAILABLE, 0, out};
    return orders__sq_run(ud, ORDERS__SQ_READ, stock_get_body, &a, err);
}

static orders_code_t stock_change_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    stock_args_t *a = arg;
    orders_stock_t cur, next;
    orders_code_t rc = stock_read(c, a->product_id, &cur, err);
    if (rc != ORDERS_OK ||
        (rc = orders__check_stock_next(a->product_id, &cur, a->op, a->value, &next, err)) != ORDERS_OK)
        return rc;
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_STOCK_SET, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, a->product_id) || !orders__sq_bind_i64(st, 2, next.available) ||
        !orders__sq_bind_i64(st, 3, next.reserved) || !orders__sq_bind_i64(st, 4, next.sold) ||
        !orders__sq_bind_i64(st, 5, next.stocked) || !orders__sq_bind_i64(st, 6, next.adjusted))
        return orders__sq_bind_failed(err);
    if ((rc = orders__sq_exec(c, st, "cannot write stock", err)) != ORDERS_OK)
        return rc;
    if (a->out != NULL)
        *a->out = next;
    return ORDERS_OK;
}

orders_code_t orders__sq_stock_change(void *ud, const char *product_id, orders_stock_op_t op,
                                      int64_t value, orders_stock_t *out, orders_error_t *err)
{
    if (product_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "product_id", "product id is missing");
    stock_args_t a = {product_id, op, value, out};
    return orders__sq_run(ud, ORDERS__SQ_WRITE, stock_change_body, &a, err);
}

/* ---- stock moves ------------------------------------------------------------------------ */

static orders__sq_id_t move_stmt(orders__move_t mv)
{
    switch (mv) {
    case ORDERS__MOVE_RESERVE:
        return ORDERS__SQ_STOCK_RESERVE;
    case ORDERS__MOVE_SELL:
        return ORDERS__SQ_STOCK_SELL;
    case ORDERS__MOVE_CONFIRM:
        return ORDERS__SQ_STOCK_CONFIRM;
    case ORDERS__MOVE_RELEASE:
        return ORDERS__SQ_STOCK_RELEASE;
    case ORDERS__MOVE_RETURN:
        return ORDERS__SQ_STOCK_RETURN;
    }
    return ORDERS__SQ_STOCK_RESERVE;
}

static int64_t move_source(const orders_stock_t *s, orders__move_t mv)
{
    switch (mv) {
    case ORDERS__MOVE_RESERVE:
    case ORDERS__MOVE_SELL:
        return s->available;
    case ORDERS__MOVE_CONFIRM:
    case ORDERS__MOVE_RELEASE:
        return s->reserved;
    case ORDERS__MOVE_RETURN:
        return s->sold;
    }
    return s->available;
}

/* Line i did not fit: reads why.  The source count before this step is what
 * is left now plus what earlier lines of the same product took. */
static orders_code_t line_short(orders__sq_conn_t *c, const orders_reservation_line_t *lines,
                                size_t i, orders__move_t mv, orders__sq_short_t *shortage,
                                orders_error_t *err)
{
    orders_stock_t s = {0};
    orders_code_t rc = stock_read(c, lines[i].product_id, &s, err);
    if (rc != ORDERS_OK) {
        if (rc == ORDERS_E_NOT_FOUND)
            orders_error_set(err, ORDERS_E_NOT_FOUND, lines[i].product_id,
                             "product %s not found", lines[i].product_id);
        return rc;
    }
    int64_t before = 0;
    for (size_t k = 0; k < i; k++)
        if (strcmp(lines[k].product_id, lines[i].product_id) == 0)
            before += lines[k].quantity; /* each fit: the sum is bounded by a count */
    shortage->line = i;
    shortage->have = move_source(&s, mv) + before;
    shortage->want = lines[i].quantity > INT64_MAX - before ? INT64_MAX : before + lines[i].quantity;
    return ORDERS_E_OUT_OF_STOCK;
}

orders_code_t orders__sq_lines_move(orders__sq_conn_t *c, const orders_reservation_line_t *lines,
                                    size_t n, orders__move_t mv, orders__sq_short_t *shortage,
                                    orders_error_t *err)
{
    orders_code_t rc = orders__check_res_lines(lines, n, err);
    if (rc != ORDERS_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = orders__sq_stmt(c, move_stmt(mv), err);
        if (st == NULL)
            return c->code;
        if (!orders__sq_bind_text(st, 1, lines[i].product_id) ||
            !orders__sq_bind_i64(st, 2, lines[i].quantity))
            return orders__sq_bind_failed(err);
        if ((rc = orders__sq_exec(c, st, "cannot move stock", err)) != ORDERS_OK)
            return rc;
        if (sqlite3_changes(c->db) == 0)
            return line_short(c, lines, i, mv, shortage, err);
    }
    return ORDERS_OK;
}
