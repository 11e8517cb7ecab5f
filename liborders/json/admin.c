/*
 * json/admin.c - the admin routes' shapes (API.md, Part B): a seller's part
 * of an order, an order's history, bulk status results, the analytics
 * report; and the request bodies of the status, bulk and refund routes.
 *
 * Decoders check JSON types and required fields, as json/request.c does;
 * the library checks the values.  Limits it does not have are checked
 * here: 1 to ORDERS__JSON_BULK_MAX order ids, a refund amount above 0 (a
 * negative one would mean "everything" to orders_order_refund).  Unknown
 * fields are ignored.
 */
#include <string.h>

#include "codec.h"

#define BASIS_POINTS 10000
#define HOUR_MS 3600000

/* ---- a seller's part ---------------------------------------------------------- */

/* The seller's status entry in o, or NULL. */
static const orders_seller_status_t *seller_status_of(const orders_order_t *o,
                                                      const char *seller_id)
{
    for (size_t i = 0; i < o->seller_count; i++)
        if (o->seller_statuses[i].seller_id != NULL &&
            strcmp(o->seller_statuses[i].seller_id, seller_id) == 0)
            return &o->seller_statuses[i];
    return NULL;
}

/* The order's item objects at part's indexes, shared with order (new
 * array; NULL when memory runs out). */
static json_t *part_items(const json_t *order, const orders_seller_part_t *part)
{
    json_t *all = json_object_get(order, "items"), *items = json_array();
    bool ok = items != NULL;
    for (size_t i = 0; ok && i < part->item_count; i++)
        ok = json_array_append(items, json_array_get(all, part->item_indexes[i])) == 0;
    if (!ok) {
        json_decref(items);
        return NULL;
    }
    return items;
}

/* The seller's own status fields: status, trackingNumber, estimatedDelivery,
 * notes, updatedAt (the order's status when the seller has no entry). */
static int put_seller_status(json_t *o, const orders_order_t *ord, const char *seller_id)
{
    const orders_seller_status_t *s = seller_status_of(ord, seller_id);
    orders_status_t status = s != NULL ? s->status : ord->status;
    return put_str(o, "status", orders_status_name(status)) |
           put_str(o, "trackingNumber", s != NULL ? s->tracking_number : NULL) |
           put_time(o, "estimatedDelivery", s != NULL ? s->estimated_delivery : 0) |
           put_str(o, "notes", s != NULL ? s->notes : NULL) |
           put_time(o, "updatedAt", s != NULL ? s->updated_at : 0);
}

static json_t *seller_part(const orders_order_t *ord, const orders_seller_part_t *part)
{
    json_t *whole = orders__json_order(ord), *o = json_object();
    json_t *items = whole != NULL ? part_items(whole, part) : NULL;
    if (o == NULL || items == NULL) {
        json_decref(items);
        json_decref(whole);
        json_decref(o);
        return NULL;
    }
    int failed = put_str(o, "orderId", ord->id) | put_str(o, "orderNumber", ord->order_number) |
                 put_str(o, "sellerId", part->seller_id) |
                 put_seller_status(o, ord, part->seller_id) |
                 json_object_set_new(o, "items", items) |
                 put_int(o, "totalItems", part->total_items) |
                 put_money(o, "subtotal", &part->subtotal) | put_money(o, "tax", &part->tax) |
                 put_money(o, "shippingFee", &part->shipping_fee) |
                 put_money(o, "discount", &part->discount) |
                 put_money(o, "totalAmount", &part->total) | put_currency(o, &part->total) |
                 put_str(o, "customerId", ord->customer_id) |
                 put_str(o, "customerName", ord->customer_name) |
                 json_object_set(o, "shippingAddress",
                                 json_object_get(whole, "shippingAddress")) |
                 put_time(o, "placedAt", ord->placed_at);
    json_decref(whole);
    return finish(o, failed);
}

orders_code_t orders__json_seller_part(const orders_order_t *o, const char *seller_id,
                                       json_t **out, orders_error_t *err)
{
    *out = NULL;
    orders_split_t *split = NULL;
    orders_code_t rc = orders_order_split(o, &split, err);
    if (rc != ORDERS_OK)
        return rc;
    const orders_seller_part_t *part = orders_split_find(split, seller_id);
    if (part == NULL)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "sellerId", "Seller not found in order");
    else if ((*out = seller_part(o, part)) == NULL)
        rc = orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    orders_split_free(split);
    return rc;
}

/* ---- history and bulk results ---------------------------------------------------- */

static json_t *history_entry(const orders_history_t *h)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_time(o, "at", h->at) | put_str(o, "actor", h->actor) |
                 put_str(o, "from", h->from_status) | put_str(o, "to", h->to_status) |
                 put_str(o, "note", h->note);
    return finish(o, failed);
}

json_t *orders__json_history(const char *order_id, const orders_history_list_t *list)
{
    json_t *o = json_object(), *entries = json_array();
    bool ok = o != NULL && entries != NULL;
    for (size_t i = 0; ok && i < list->count; i++)
        ok = push(entries, history_entry(list->items[i]));
    if (!ok) {
        json_decref(entries);
        json_decref(o);
        return NULL;
    }
    int failed = put_str(o, "orderId", order_id) | json_object_set_new(o, "history", entries);
    return finish(o, failed);
}

json_t *orders__json_bulk_entry(const char *order_id, orders_code_t rc, orders_status_t status,
                                const char *message)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_str(o, "orderId", order_id) | put_bool(o, "success", rc == ORDERS_OK);
    if (rc == ORDERS_OK)
        failed |= put_str(o, "status", orders_status_name(status));
    else
        failed |= put_str(o, "message", message != NULL ? message : orders_strerror(rc));
    return finish(o, failed);
}

json_t *orders__json_bulk_result(json_t *results)
{
    json_t *o = json_is_array(results) ? json_object() : NULL;
    if (o == NULL) {
        json_decref(results);
        return NULL;
    }
    int64_t succeeded = 0;
    size_t n = json_array_size(results);
    for (size_t i = 0; i < n; i++)
        succeeded += json_is_true(json_object_get(json_array_get(results, i), "success"));
    int failed = json_object_set_new(o, "results", results) |
                 put_int(o, "succeeded", succeeded) | put_int(o, "failed", (int64_t)n - succeeded);
    return finish(o, failed);
}

/* ---- analytics ----------------------------------------------------------------- */

/* v / unit (a power of ten) as a number that prints exactly: an integer
 * when whole; else the double nearest the decimal (IEEE division rounds
 * correctly), which JSON_REAL_PRECISION(15) prints back as that decimal. */
static json_t *scaled(int64_t v, int64_t unit)
{
    if (v % unit == 0)
        return json_integer((json_int_t)(v / unit));
    return json_real((double)v / (double)unit);
}

static int put_scaled(json_t *obj, const char *key, int64_t v, int64_t unit)
{
    return json_object_set_new(obj, key, scaled(v, unit));
}

/* {key_name: row->key, amount, currency, orders}; rows keyed by currency
 * (key_name "currency") are {currency, amount, orders}. */
static json_t *amount_row(const orders_amount_row_t *row, const char *key_name)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_str(o, key_name, row->key) | put_money(o, "amount", &row->amount);
    if (strcmp(key_name, "currency") != 0)
        failed |= put_currency(o, &row->amount);
    failed |= put_int(o, "orders", row->orders);
    return finish(o, failed);
}

static json_t *amount_rows(const orders_amount_row_t *rows, size_t n, const char *key_name)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = push(a, amount_row(&rows[i], key_name));
    if (!ok) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* {created}, {placed, cancelled, delivered} */
static int put_counts(json_t *o, const orders_analytics_t *a)
{
    json_t *carts = json_object(), *orders = json_object();
    int failed = carts == NULL || orders == NULL;
    if (!failed)
        failed = put_int(carts, "created", a->carts_created) |
                 put_int(orders, "placed", a->orders_placed) |
                 put_int(orders, "cancelled", a->orders_cancelled) |
                 put_int(orders, "delivered", a->orders_delivered);
    return failed | json_object_set_new(o, "carts", carts) |
           json_object_set_new(o, "orders", orders);
}

/* {active, confirmed, expired, cancelled, conversionRate}; the rate is
 * the library's (orders_analytics_t.reservation_conversion_bp). */
static json_t *reservations(const orders_analytics_t *a)
{
    const orders_res_counts_t *r = &a->reservations;
    int64_t bp = a->reservation_conversion_bp;
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_int(o, "active", r->active) | put_int(o, "confirmed", r->confirmed) |
                 put_int(o, "expired", r->expired) | put_int(o, "cancelled", r->cancelled) |
                 put_scaled(o, "conversionRate", bp, BASIS_POINTS);
    return finish(o, failed);
}

/* {delivered, meanDeliveryMs, meanDeliveryHours (two decimals, half up)} */
static json_t *fulfillment(const orders_analytics_t *a)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int64_t ms = a->mean_delivery_ms > 0 ? a->mean_delivery_ms : 0;
    int64_t centi_hours = (ms + HOUR_MS / 200) / (HOUR_MS / 100);
    int failed = put_int(o, "delivered", a->orders_delivered) |
                 put_int(o, "meanDeliveryMs", a->mean_delivery_ms) |
                 put_scaled(o, "meanDeliveryHours", centi_hours, 100);
    return finish(o, failed);
}

json_t *orders__json_analytics(const orders_analytics_t *a)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed =
        put_time(o, "from", a->from) | put_time(o, "to", a->to) | put_counts(o, a) |
        put_scaled(o, "conversionRate", a->conversion_bp, BASIS_POINTS) |
        put_scaled(o, "cancellationRate", a->cancellation_bp, BASIS_POINTS) |
        json_object_set_new(o, "averageOrderValue",
                            amount_rows(a->average_order_value, a->average_order_value_count,
                                        "currency")) |
        json_object_set_new(o, "reservations", reservations(a)) |
        json_object_set_new(o, "fulfillment", fulfillment(a)) |
        json_object_set_new(o, "revenueBySeller",
                            amount_rows(a->revenue_by_seller, a->revenue_by_seller_count,
                                        "sellerId")) |
        json_object_set_new(o, "revenueByPaymentMethod",
                            amount_rows(a->revenue_by_method, a->revenue_by_method_count,
                                        "paymentMethod")) |
        put_int(o, "outOfStockEvents", a->out_of_stock) |
        put_int(o, "reservationConflicts", a->reservation_conflicts);
    return finish(o, failed);
}

/* ---- request bodies -------------------------------------------------------------- */

/* The required "status", a status name in any case. */
static orders_code_t read_status(const json_t *body, orders_status_t *out,
                                 orders_error_t *err)
{
    const char *s = NULL;
    orders_code_t rc = read_string(body, "status", "status", true, &s, err);
    if (rc == ORDERS_OK && !orders_status_parse(s, out))
        return must_be("status",
                       "one of pending, confirmed, processing, shipped, delivered, cancelled, "
                       "failed",
                       err);
    return rc;
}

orders_code_t orders__json_admin_status(const json_t *body, orders_status_t *status,
                                        const char **notes, orders_error_t *err)
{
    *status = ORDERS_STATUS_PENDING;
    *notes = NULL;
    orders_code_t rc = need_object(body, err);
    if (rc == ORDERS_OK)
        rc = read_status(body, status, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "notes", "notes", false, notes, err);
    return rc;
}

/* The optional "estimatedDelivery", an ISO-8601 string, as ms (0: absent). */
static orders_code_t read_date(const json_t *body, int64_t *ms, orders_error_t *err)
{
    const char *s = NULL;
    orders_code_t rc =
        read_string(body, "estimatedDelivery", "estimatedDelivery", false, &s, err);
    if (rc == ORDERS_OK && s != NULL && !orders__iso8601_parse(s, ms))
        return must_be("estimatedDelivery",
                       "an ISO-8601 UTC date such as 2023-01-01T00:00:00.000Z", err);
    return rc;
}

orders_code_t orders__json_seller_status(const json_t *body, orders_seller_update_t *u,
                                         orders_error_t *err)
{
    memset(u, 0, sizeof *u);
    orders_code_t rc = need_object(body, err);
    if (rc == ORDERS_OK)
        rc = read_status(body, &u->status, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "trackingNumber", "trackingNumber", false, &u->tracking_number,
                         err);
    if (rc == ORDERS_OK)
        rc = read_date(body, &u->estimated_delivery, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "notes", "notes", false, &u->notes, err);
    if (rc != ORDERS_OK)
        memset(u, 0, sizeof *u);
    return rc;
}

/* The required "orderIds": 1 to ORDERS__JSON_BULK_MAX strings. */
static orders_code_t read_ids(const json_t *body, const char *ids[ORDERS__JSON_BULK_MAX],
                              size_t *n, orders_error_t *err)
{
    const json_t *v = member(body, "orderIds");
    if (v == NULL)
        return missing("orderIds", err);
    if (!json_is_array(v))
        return must_be("orderIds", "an array", err);
    size_t count = json_array_size(v);
    if (count < 1 || count > ORDERS__JSON_BULK_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "orderIds",
                                "orderIds must have 1 to %d entries", ORDERS__JSON_BULK_MAX);
    for (size_t i = 0; i < count; i++) {
        const json_t *id = json_array_get(v, i);
        if (!json_is_string(id)) {
            char field[ORDERS_ERROR_FIELD_MAX];
            snprintf(field, sizeof field, "orderIds[%zu]", i);
            return must_be(field, "a string", err);
        }
        ids[i] = json_string_value(id);
    }
    *n = count;
    return ORDERS_OK;
}

orders_code_t orders__json_bulk_request(const json_t *body,
                                        const char *ids[ORDERS__JSON_BULK_MAX], size_t *n,
                                        orders_status_t *status, const char **notes,
                                        orders_error_t *err)
{
    *n = 0;
    *status = ORDERS_STATUS_PENDING;
    *notes = NULL;
    orders_code_t rc = need_object(body, err);
    if (rc == ORDERS_OK)
        rc = read_ids(body, ids, n, err);
    if (rc == ORDERS_OK)
        rc = read_status(body, status, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "notes", "notes", false, notes, err);
    if (rc != ORDERS_OK)
        *n = 0;
    return rc;
}

orders_code_t orders__json_refund_request(const json_t *body, const char *currency,
                                          int64_t *amount, const char **reason,
                                          orders_error_t *err)
{
    *amount = -1;
    *reason = NULL;
    orders_code_t rc = need_object(body, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "reason", "reason", false, reason, err);
    const json_t *v = rc == ORDERS_OK ? member(body, "amount") : NULL;
    if (v == NULL)
        return rc;
    if (!json_is_number(v))
        rc = must_be("amount", "a number", err);
    orders_money_t m;
    if (rc == ORDERS_OK)
        rc = orders_money_from_major_double(json_number_value(v), currency, &m, err);
    if (rc == ORDERS_OK && m.amount <= 0)
        rc = must_be("amount", "greater than 0", err);
    if (rc != ORDERS_OK) {
        *reason = NULL;
        return rc;
    }
    *amount = m.amount;
    return ORDERS_OK;
}
