/*
 * carts.c - the SQLite store's carts: one row per customer in carts, its
 * lines in cart_lines (by position).  A write replaces the row and every
 * line; the version compare-and-set runs in the same write transaction.
 */
#include "store/sqlite/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The stored cart version of customer_id, or 0 when there is none. */
static orders_code_t cart_version(orders__sq_conn_t *c, const char *customer_id,
                                  int64_t *version, orders_error_t *err)
{
    sqlite3_stmt *row;
    orders_code_t rc =
        orders__sq_find(c, ORDERS__SQ_CART_VERSION, customer_id, "cannot read a cart", &row, err);
    if (rc == ORDERS_OK)
        *version = row != NULL ? orders__sq_i64(row, 0) : 0;
    sqlite3_reset(row);
    return rc;
}

orders_code_t orders__sq_cart_expect(orders__sq_conn_t *c, const char *customer_id,
                                     int64_t expected, const char *field, orders_error_t *err)
{
    int64_t stored = 0;
    orders_code_t rc = cart_version(c, customer_id, &stored, err);
    if (rc != ORDERS_OK)
        return rc;
    if (expected == 0 && stored != 0)
        return orders_error_set(err, ORDERS_E_CONFLICT, field,
                                "cart version is %" PRId64 ", expected none", stored);
    if (expected > 0 && stored == 0)
        return orders_error_set(err, ORDERS_E_CONFLICT, field,
                                "customer %s has no cart, expected version %" PRId64, customer_id,
                                expected);
    if (stored != expected)
        return orders_error_set(err, ORDERS_E_CONFLICT, field,
                                "cart version is %" PRId64 ", expected %" PRId64, stored,
                                expected);
    return ORDERS_OK;
}

static orders_code_t line_write(orders__sq_conn_t *c, const char *customer_id, size_t pos,
                                const orders_cart_line_t *l, orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_CART_LINE_PUT, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, customer_id) || !orders__sq_bind_i64(st, 2, (int64_t)pos) ||
        !orders__sq_bind_text(st, 3, l->product_id) || !orders__sq_bind_text(st, 4, l->seller_id) ||
        !orders__sq_bind_text(st, 5, l->product_name) ||
        !orders__sq_bind_text(st, 6, l->product_image) || !orders__sq_bind_i64(st, 7, l->quantity) ||
        !orders__sq_bind_money(st, 8, &l->price) || !orders__sq_bind_money(st, 10, &l->total_price) ||
        !orders__sq_bind_i64(st, 12, l->available_stock) || !orders__sq_bind_i64(st, 13, l->added_at))
        return orders__sq_bind_failed(err);
    return orders__sq_exec(c, st, "cannot write a cart line", err);
}

orders_code_t orders__sq_cart_write(orders__sq_conn_t *c, const orders_cart_t *cart,
                                    orders_error_t *err)
{
    if (cart->item_count > 0 && cart->items == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "items", "cart lines are missing");
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_CART_PUT, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_text(st, 1, cart->customer_id) || !orders__sq_bind_text(st, 2, cart->id) ||
        !orders__sq_bind_i64(st, 3, cart->total_items) ||
        !orders__sq_bind_money(st, 4, &cart->total_amount) ||
        !orders__sq_bind_i64(st, 6, cart->version) || !orders__sq_bind_i64(st, 7, cart->created_at) ||
        !orders__sq_bind_i64(st, 8, cart->updated_at) || !orders__sq_bind_i64(st, 9, cart->expires_at))
        return orders__sq_bind_failed(err);
    orders_code_t rc = orders__sq_exec(c, st, "cannot write a cart", err);
    if (rc != ORDERS_OK)
        return rc;
    if ((rc = orders__sq_exec_key(c, ORDERS__SQ_CART_LINES_DELETE, cart->customer_id,
                                  "cannot write a cart", err)) != ORDERS_OK)
        return rc;
    for (size_t i = 0; i < cart->item_count && rc == ORDERS_OK; i++)
        rc = line_write(c, cart->customer_id, i, &cart->items[i], err);
    return rc;
}

/* ---- get -------------------------------------------------------------------------------- */

/* An orders__sq_fill_fn: the cart line elem from the cart_lines row st is on. */
static orders_code_t line_row(sqlite3_stmt *st, void *elem, void *ud, orders_error_t *err)
{
    (void)ud;
    orders_cart_line_t *l = elem;
    bool ok = true;
    l->product_id = orders__sq_dup(st, 0, &ok);
    l->seller_id = orders__sq_dup(st, 1, &ok);
    l->product_name = orders__sq_dup(st, 2, &ok);
    l->product_image = orders__sq_dup(st, 3, &ok);
    l->quantity = orders__sq_i64(st, 4);
    l->price = orders__sq_money(st, 5);
    l->total_price = orders__sq_money(st, 7);
    l->available_stock = orders__sq_i64(st, 9);
    l->added_at = orders__sq_i64(st, 10);
    return ok ? ORDERS_OK : orders__sq_nomem(err);
}

/* Reads every line of the cart into cart->items (count in cart->item_count). */
static orders_code_t lines_read(orders__sq_conn_t *c, orders_cart_t *cart, orders_error_t *err)
{
    orders__sq_array_t lines = {.elem_size = sizeof *cart->items, .fill = line_row};
    orders_code_t rc = orders__sq_rows(c, ORDERS__SQ_CART_LINES, cart->customer_id,
                                       "cannot read cart lines", &lines, err);
    cart->items = lines.items;
    cart->item_count = lines.count;
    return rc;
}

typedef struct get_args {
    const char *customer_id;
    orders_cart_t **out;
} get_args_t;

static orders_code_t get_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    get_args_t *a = arg;
    sqlite3_stmt *st;
    orders_code_t rc = orders__sq_need(c, ORDERS__SQ_CART_GET, a->customer_id, "cannot read a cart",
                                       "customer_id", "customer %s has no cart", &st, err);
    if (rc != ORDERS_OK)
        return rc;
    orders_cart_t *cart = calloc(1, sizeof *cart);
    if (cart == NULL)
        return orders__sq_nomem(err);
    bool ok = true;
    cart->id = orders__sq_dup(st, 0, &ok);
    cart->customer_id = orders__sq_dup(st, 1, &ok);
    cart->total_items = orders__sq_i64(st, 2);
    cart->total_amount = orders__sq_money(st, 3);
    cart->version = orders__sq_i64(st, 5);
    cart->created_at = orders__sq_i64(st, 6);
    cart->updated_at = orders__sq_i64(st, 7);
    cart->expires_at = orders__sq_i64(st, 8);
    orders_code_t code = ok ? lines_read(c, cart, err) : orders__sq_nomem(err);
    orders_cart_t *block = code == ORDERS_OK ? orders_cart_copy(cart) : NULL;
    orders_cart_free(cart);
    if (code == ORDERS_OK && block == NULL)
        code = orders__sq_nomem(err);
    *a->out = block;
    return code;
}

orders_code_t orders__sq_cart_get(void *ud, const char *customer_id, orders_cart_t **out,
                                  orders_error_t *err)
{
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (customer_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "customer_id", "customer id is missing");
    get_args_t a = {customer_id, out};
    return orders__sq_run(ud, ORDERS__SQ_READ, get_body, &a, err);
}

/* ---- put and purge --------------------------------------------------------------------- */

typedef struct put_args {
    const orders_cart_t *cart;
    int64_t expected;
} put_args_t;

static orders_code_t put_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    put_args_t *a = arg;
    orders_code_t rc =
        orders__sq_cart_expect(c, a->cart->customer_id, a->expected, "version", err);
    return rc != ORDERS_OK ? rc : orders__sq_cart_write(c, a->cart, err);
}

orders_code_t orders__sq_cart_put(void *ud, const orders_cart_t *cart, int64_t expected_version,
                                  orders_error_t *err)
{
    orders_code_t rc = orders__check_cart_put(cart, expected_version, err);
    if (rc != ORDERS_OK)
        return rc;
    put_args_t a = {cart, expected_version};
    return orders__sq_run(ud, ORDERS__SQ_WRITE, put_body, &a, err);
}

typedef struct purge_args {
    int64_t now;
    int64_t purged;
} purge_args_t;

static orders_code_t purge_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    purge_args_t *a = arg;
    /* the lines first; then the carts, whose count is the result */
    static const orders__sq_id_t steps[] = {ORDERS__SQ_CART_PURGE_LINES, ORDERS__SQ_CART_PURGE};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *st = orders__sq_stmt(c, steps[i], err);
        if (st == NULL)
            return c->code;
        if (!orders__sq_bind_i64(st, 1, a->now))
            return orders__sq_bind_failed(err);
        orders_code_t rc = orders__sq_exec(c, st, "cannot purge carts", err);
        if (rc != ORDERS_OK)
            return rc;
    }
    a->purged = sqlite3_changes64(c->db);
    return ORDERS_OK;
}

orders_code_t orders__sq_cart_purge(void *ud, int64_t now, int64_t *purged, orders_error_t *err)
{
    purge_args_t a = {now, 0};
    orders_code_t rc = orders__sq_run(ud, ORDERS__SQ_WRITE, purge_body, &a, err);
    if (rc == ORDERS_OK && purged != NULL)
        *purged = a.purged;
    return rc;
}
