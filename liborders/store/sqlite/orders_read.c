/*
 * orders_read.c - the SQLite store's order reads: get by id or number,
 * filtered lists, and scans by placed_at.
 *
 * An order is read from its row, then its items and seller statuses, all
 * in one read transaction (one snapshot).  Lists pick the statement that
 * fits the filter (sql.h), read the page's ids and the total, then load
 * each order.  Scans walk placed_at in batches and call the visitor with
 * no connection held, so a visitor may call back into the store.
 */
#include "store/sqlite/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows read per batch by order_scan. */
#define SCAN_BATCH 64

/* Parses a stored status name of column i; false when unknown. */
static bool col_status(sqlite3_stmt *st, int i, orders_status_t *out)
{
    return orders_status_parse(orders__sq_text(st, i), out);
}

static orders_code_t corrupt(const char *order_id, const char *what, orders_error_t *err)
{
    return orders_error_set(err, ORDERS_E_BACKEND, "store",
                            "sqlite: order %s has an unknown %s", order_id, what);
}

/* Fills o from the orders row st is on (columns ORDERS__SQ_ORDER_COLS). */
static orders_code_t order_row(sqlite3_stmt *st, orders_order_t *o, orders_error_t *err)
{
    bool ok = true;
    orders_address_t *a = &o->shipping_address;
    o->id = orders__sq_dup(st, 0, &ok);
    o->order_number = orders__sq_dup(st, 1, &ok);
    o->customer_id = orders__sq_dup(st, 2, &ok);
    o->customer_name = orders__sq_dup(st, 3, &ok);
    o->customer_email = orders__sq_dup(st, 4, &ok);
    o->subtotal = orders__sq_money(st, 5);
    o->tax = orders__sq_money(st, 7);
    o->shipping_fee = orders__sq_money(st, 9);
    o->discount = orders__sq_money(st, 11);
    o->total_amount = orders__sq_money(st, 13);
    o->payment_ref = orders__sq_dup(st, 18, &ok);
    a->address_line1 = orders__sq_dup(st, 19, &ok);
    a->address_line2 = orders__sq_dup(st, 20, &ok);
    a->city = orders__sq_dup(st, 21, &ok);
    a->state = orders__sq_dup(st, 22, &ok);
    a->country = orders__sq_dup(st, 23, &ok);
    a->postal_code = orders__sq_dup(st, 24, &ok);
    a->contact_name = orders__sq_dup(st, 25, &ok);
    a->contact_phone = orders__sq_dup(st, 26, &ok);
    o->placed_at = orders__sq_i64(st, 27);
    o->confirmed_at = orders__sq_i64(st, 28);
    o->processing_at = orders__sq_i64(st, 29);
    o->shipped_at = orders__sq_i64(st, 30);
    o->delivered_at = orders__sq_i64(st, 31);
    o->cancelled_at = orders__sq_i64(st, 32);
    o->notes = orders__sq_dup(st, 33, &ok);
    o->cancel_reason = orders__sq_dup(st, 34, &ok);
    o->refund_amount = orders__sq_money(st, 35);
    o->reservation_expiry = orders__sq_i64(st, 37);
    o->version = orders__sq_i64(st, 38);
    o->created_at = orders__sq_i64(st, 39);
    o->updated_at = orders__sq_i64(st, 40);
    if (!ok)
        return orders__sq_nomem(err);
    if (!col_status(st, 15, &o->status))
        return corrupt(o->id, "status", err);
    if (!orders_payment_method_parse(orders__sq_text(st, 16), &o->payment_method))
        return corrupt(o->id, "payment method", err);
    if (!orders_payment_status_parse(orders__sq_text(st, 17), &o->payment_status))
        return corrupt(o->id, "payment status", err);
    return ORDERS_OK;
}

/* An orders__sq_fill_fn: the item elem of order ud from the order_items row st is on. */
static orders_code_t item_row(sqlite3_stmt *st, void *elem, void *ud, orders_error_t *err)
{
    const orders_order_t *o = ud;
    orders_order_item_t *it = elem;
    bool ok = true;
    it->product_id = orders__sq_dup(st, 0, &ok);
    it->seller_id = orders__sq_dup(st, 1, &ok);
    it->product_name = orders__sq_dup(st, 2, &ok);
    it->product_image = orders__sq_dup(st, 3, &ok);
    it->quantity = orders__sq_i64(st, 4);
    it->unit_price = orders__sq_money(st, 5);
    it->total_price = orders__sq_money(st, 7);
    it->reserved_at = orders__sq_i64(st, 10);
    it->confirmed_at = orders__sq_i64(st, 11);
    if (!ok)
        return orders__sq_nomem(err);
    if (!orders_item_status_parse(orders__sq_text(st, 9), &it->status))
        return corrupt(o->id, "item status", err);
    return ORDERS_OK;
}

/* An orders__sq_fill_fn: the seller status elem of order ud from the
 * order_seller_statuses row st is on. */
static orders_code_t seller_row(sqlite3_stmt *st, void *elem, void *ud, orders_error_t *err)
{
    const orders_order_t *o = ud;
    orders_seller_status_t *s = elem;
    bool ok = true;
    s->seller_id = orders__sq_dup(st, 0, &ok);
    s->notes = orders__sq_dup(st, 2, &ok);
    s->tracking_number = orders__sq_dup(st, 3, &ok);
    s->estimated_delivery = orders__sq_i64(st, 4);
    s->updated_at = orders__sq_i64(st, 5);
    if (!ok)
        return orders__sq_nomem(err);
    if (!col_status(st, 1, &s->status))
        return corrupt(o->id, "seller status", err);
    return ORDERS_OK;
}

/* Reads o's items, then its seller statuses; on failure what was read stays
 * in o, for orders_order_free. */
static orders_code_t children_read(orders__sq_conn_t *c, orders_order_t *o, orders_error_t *err)
{
    orders__sq_array_t items = {.elem_size = sizeof *o->items, .fill = item_row, .ud = o};
    orders_code_t rc =
        orders__sq_rows(c, ORDERS__SQ_ORDER_ITEMS, o->id, "cannot read order items", &items, err);
    o->items = items.items;
    o->item_count = items.count;
    if (rc != ORDERS_OK)
        return rc;
    orders__sq_array_t sellers = {.elem_size = sizeof *o->seller_statuses, .fill = seller_row,
                                  .ud = o};
    rc = orders__sq_rows(c, ORDERS__SQ_ORDER_SELLER_STATUSES, o->id, "cannot read seller statuses",
                         &sellers, err);
    o->seller_statuses = sellers.items;
    o->seller_count = sellers.count;
    return rc;
}

orders_code_t orders__sq_order_load(orders__sq_conn_t *c, orders__sq_id_t by, const char *key,
                                    const char *what, orders_order_t **out, orders_error_t *err)
{
    *out = NULL;
    sqlite3_stmt *st;
    orders_code_t code =
        orders__sq_need(c, by, key, "cannot read an order", what, "order %s not found", &st, err);
    if (code != ORDERS_OK)
        return code;
    orders_order_t *o = calloc(1, sizeof *o);
    if (o == NULL)
        return orders__sq_nomem(err);
    code = order_row(st, o, err);
    sqlite3_reset(st);
    if (code == ORDERS_OK)
        code = children_read(c, o, err);
    if (code != ORDERS_OK) {
        orders_order_free(o);
        return code;
    }
    *out = o;
    return ORDERS_OK;
}

/* Loads the order of each of ids, in order, onto out; with skip_missing an
 * id whose order is not found is passed over, else that fails. */
static orders_code_t load_each(orders__sq_conn_t *c, const orders_string_list_t *ids,
                               bool skip_missing, orders_order_list_t *out, orders_error_t *err)
{
    for (size_t i = 0; i < ids->count; i++) {
        orders_order_t *o = NULL;
        orders_code_t code =
            orders__sq_order_load(c, ORDERS__SQ_ORDER_GET, ids->items[i], "id", &o, err);
        if (code == ORDERS_E_NOT_FOUND && skip_missing)
            continue;
        if (code != ORDERS_OK)
            return code;
        if (!orders_order_list_push(out, o)) {
            orders_order_free(o);
            return orders__sq_nomem(err);
        }
    }
    return ORDERS_OK;
}

/* ---- get ------------------------------------------------------------------------------- */

typedef struct get_args {
    orders__sq_id_t by;
    const char *key, *what;
    orders_order_t **out;
} get_args_t;

static orders_code_t get_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    get_args_t *a = arg;
    return orders__sq_order_load(c, a->by, a->key, a->what, a->out, err);
}

static orders_code_t get_by(orders__sq_t *s, orders__sq_id_t by, const char *key,
                            const char *what, orders_order_t **out, orders_error_t *err)
{
    if (out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "no output");
    *out = NULL;
    if (key == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, what, "%s is missing", what);
    get_args_t a = {by, key, what, out};
    return orders__sq_run(s, ORDERS__SQ_READ, get_body, &a, err);
}

orders_code_t orders__sq_order_get(void *ud, const char *id, orders_order_t **out,
                                   orders_error_t *err)
{
    return get_by(ud, ORDERS__SQ_ORDER_GET, id, "id", out, err);
}

orders_code_t orders__sq_order_get_by_number(void *ud, const char *order_number,
                                             orders_order_t **out, orders_error_t *err)
{
    return get_by(ud, ORDERS__SQ_ORDER_GET_BY_NUMBER, order_number, "order_number", out, err);
}

typedef struct version_args {
    const char *id;
    int64_t *version;
    char *customer_id;
} version_args_t;

static orders_code_t version_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    version_args_t *a = arg;
    sqlite3_stmt *st;
    orders_code_t rc = orders__sq_need(c, ORDERS__SQ_ORDER_VERSION, a->id, "cannot read an order",
                                       "id", "order %s not found", &st, err);
    if (rc != ORDERS_OK)
        return rc;
    const unsigned char *owner = sqlite3_column_text(st, 1);
    *a->version = sqlite3_column_int64(st, 0);
    snprintf(a->customer_id, ORDERS_ID_MAX + 1, "%s", owner ? (const char *)owner : "");
    sqlite3_reset(st);
    return ORDERS_OK;
}

orders_code_t orders__sq_order_version(void *ud, const char *id, int64_t *version,
                                       char *customer_id, orders_error_t *err)
{
    if (id == NULL || version == NULL || customer_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "id", "id and outputs are required");
    version_args_t a = {id, version, customer_id};
    return orders__sq_run(ud, ORDERS__SQ_READ, version_body, &a, err);
}

/* ---- list ------------------------------------------------------------------------------- */

/* The list statement for a filter: index (seller 4, customer 2, status 1)
 * into this table.  The same index is the filter's scope in order_counts. */
static const orders__sq_id_t LIST_STMT[8] = {
    ORDERS__SQ_ORDER_LIST,    ORDERS__SQ_ORDER_LIST_T,   ORDERS__SQ_ORDER_LIST_C,
    ORDERS__SQ_ORDER_LIST_CT, ORDERS__SQ_ORDER_LIST_S,   ORDERS__SQ_ORDER_LIST_ST,
    ORDERS__SQ_ORDER_LIST_SC, ORDERS__SQ_ORDER_LIST_SCT,
};

/* Binds the filter's values that statement st uses. */
static bool bind_filter(sqlite3_stmt *st, const orders_order_filter_t *f)
{
    return (f->customer_id == NULL ||
            orders__sq_bind_named_text(st, ":customer", f->customer_id)) &&
           (f->seller_id == NULL || orders__sq_bind_named_text(st, ":seller", f->seller_id)) &&
           (!f->has_status ||
            orders__sq_bind_named_text(st, ":status", orders_status_name(f->status)));
}

/* The statement that gives the total of filter f (scope which), bound; NULL
 * when it cannot be prepared or bound (err filled, c->code holds the code). */
static sqlite3_stmt *count_stmt(orders__sq_conn_t *c, const orders_order_filter_t *f, int which,
                                orders_error_t *err)
{
    bool keyed = f->seller_id == NULL || f->customer_id == NULL;
    sqlite3_stmt *st = orders__sq_stmt(
        c, keyed ? ORDERS__SQ_ORDER_COUNT_KEYED
                 : f->has_status ? ORDERS__SQ_ORDER_COUNT_SCT : ORDERS__SQ_ORDER_COUNT_SC,
        err);
    if (st == NULL)
        return NULL;
    const char *k1 = f->seller_id ? f->seller_id : f->customer_id ? f->customer_id : "";
    bool bound = keyed ? orders__sq_bind_named_i64(st, ":scope", which) &&
                             orders__sq_bind_named_text(st, ":k1", k1) &&
                             orders__sq_bind_named_text(
                                 st, ":k2", f->has_status ? orders_status_name(f->status) : "")
                       : bind_filter(st, f);
    if (!bound) {
        c->code = orders__sq_bind_failed(err);
        return NULL;
    }
    return st;
}

typedef struct list_args {
    const orders_order_filter_t *f;
    orders_order_list_t *out;
} list_args_t;

/* The page's ids, in order, into ids. */
static orders_code_t list_ids(orders__sq_conn_t *c, const orders_order_filter_t *f, int which,
                              orders_string_list_t *ids, orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(c, LIST_STMT[which], err);
    if (st == NULL)
        return c->code;
    if (!bind_filter(st, f) || !orders__sq_bind_named_i64(st, ":limit", f->limit) ||
        !orders__sq_bind_named_i64(st, ":offset", f->offset))
        return orders__sq_bind_failed(err);
    return orders__sq_each(c, st, "cannot list orders", orders__sq_push_id, ids, err);
}

static orders_code_t list_rows(orders__sq_conn_t *c, list_args_t *a, orders_string_list_t *ids,
                               orders_error_t *err)
{
    const orders_order_filter_t *f = a->f;
    int which = (f->seller_id != NULL ? 4 : 0) | (f->customer_id != NULL ? 2 : 0) |
                (f->has_status ? 1 : 0);
    orders_code_t code = list_ids(c, f, which, ids, err);
    if (code != ORDERS_OK)
        return code;
    sqlite3_stmt *st = count_stmt(c, f, which, err);
    if (st == NULL)
        return c->code;
    if ((code = orders__sq_one_i64(c, st, "cannot count orders", &a->out->total, err)) !=
        ORDERS_OK)
        return code;
    return load_each(c, ids, false, a->out, err);
}

static orders_code_t list_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    list_args_t *a = arg;
    size_t start = a->out->count;
    orders_string_list_t ids = {0};
    orders_code_t rc = list_rows(c, a, &ids, err);
    orders_string_list_clear(&ids);
    if (rc != ORDERS_OK)
        while (a->out->count > start)
            orders_order_free(a->out->items[--a->out->count]);
    return rc;
}

orders_code_t orders__sq_order_list(void *ud, const orders_order_filter_t *f,
                                    orders_order_list_t *out, orders_error_t *err)
{
    orders_code_t rc = orders__check_order_filter(f, out, err);
    if (rc != ORDERS_OK)
        return rc;
    list_args_t a = {f, out};
    return orders__sq_run(ud, ORDERS__SQ_READ, list_body, &a, err);
}

/* ---- scan -------------------------------------------------------------------------------- */

typedef struct scan_args {
    int64_t from, to;
    int64_t after_at;           /* keyset position: the last (placed_at, id) read */
    char after_id[ORDERS_ID_MAX + 1];
    size_t rows;                /* ids this batch read (SCAN_BATCH: maybe more to come) */
    orders_order_list_t batch;  /* the orders of this batch */
} scan_args_t;

/* What scan_id collects: the ids of a batch and the placed_at of the last. */
typedef struct scan_ids {
    orders_string_list_t *ids;
    int64_t last_at;
} scan_ids_t;

/* An orders__sq_row_fn: notes the (id, placed_at) row st is on. */
static orders_code_t scan_id(sqlite3_stmt *st, void *ud, orders_error_t *err)
{
    scan_ids_t *s = ud;
    orders_code_t rc = orders__sq_push_id(st, s->ids, err);
    if (rc == ORDERS_OK)
        s->last_at = orders__sq_i64(st, 1);
    return rc;
}

static orders_code_t scan_rows(orders__sq_conn_t *c, scan_args_t *a, orders_string_list_t *ids,
                               orders_error_t *err)
{
    sqlite3_stmt *st = orders__sq_stmt(c, ORDERS__SQ_ORDER_SCAN, err);
    if (st == NULL)
        return c->code;
    if (!orders__sq_bind_i64(st, 1, a->from) || !orders__sq_bind_i64(st, 2, a->to) ||
        !orders__sq_bind_i64(st, 3, a->after_at) || !orders__sq_bind_text(st, 4, a->after_id) ||
        !orders__sq_bind_i64(st, 5, SCAN_BATCH))
        return orders__sq_bind_failed(err);
    scan_ids_t read = {ids, a->after_at};
    orders_code_t rc = orders__sq_each(c, st, "cannot scan orders", scan_id, &read, err);
    if (rc == ORDERS_OK)
        rc = load_each(c, ids, true, &a->batch, err);
    if (rc != ORDERS_OK)
        return rc;
    a->rows = ids->count;
    if (ids->count > 0) {
        a->after_at = read.last_at;
        orders__copy_id(a->after_id, ids->items[ids->count - 1]);
    }
    return ORDERS_OK;
}

static orders_code_t scan_body(orders__sq_conn_t *c, void *arg, orders_error_t *err)
{
    scan_args_t *a = arg;
    orders_string_list_t ids = {0};
    orders_code_t rc = scan_rows(c, a, &ids, err);
    orders_string_list_clear(&ids);
    if (rc != ORDERS_OK)
        orders_order_list_clear(&a->batch);
    return rc;
}

orders_code_t orders__sq_order_scan(void *ud, int64_t from, int64_t to,
                                    orders_order_visit_fn visit, void *visit_ud,
                                    orders_error_t *err)
{
    if (visit == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "visit", "no visitor");
    scan_args_t a;
    memset(&a, 0, sizeof a);
    a.from = from;
    a.to = to;
    a.after_at = INT64_MIN;
    orders_code_t rc = ORDERS_OK;
    bool stop = false;
    while (!stop) {
        if ((rc = orders__sq_run(ud, ORDERS__SQ_READ, scan_body, &a, err)) != ORDERS_OK)
            break;
        for (size_t i = 0; i < a.batch.count && !stop; i++)
            stop = visit(visit_ud, a.batch.items[i]) != 0;
        orders_order_list_clear(&a.batch);
        stop = stop || a.rows < SCAN_BATCH;
    }
    return rc;
}
