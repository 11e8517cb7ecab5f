/*
 * json/catalog.c - products, stock, availability checks and reservations
 * as the REST contract shows them (API.md, Part B), and the request bodies
 * of the product and inventory routes.
 *
 * Decoders check JSON types and required fields, as json/request.c does;
 * the library checks values (id lengths, a non-negative price, delta not
 * 0).  Limits the library does not have are checked here: integer
 * quantities, 1 to ORDERS__JSON_ITEMS_MAX items, expirationMinutes from 1
 * to 1440, a stock that is not negative.  Unknown fields are ignored.
 */
#include <string.h>

#include "codec.h"

#define EXPIRATION_MINUTES_MAX 1440
#define MINUTE_MS 60000

/* ---- encoders ---------------------------------------------------------------- */

json_t *orders__json_product(const orders_product_t *p)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_str(o, "id", p->id) | put_str(o, "sellerId", p->seller_id) |
                 put_str(o, "name", p->name) | put_str(o, "image", p->image) |
                 put_money(o, "price", &p->price) | put_currency(o, &p->price) |
                 put_bool(o, "active", p->active) | put_time(o, "createdAt", p->created_at) |
                 put_time(o, "updatedAt", p->updated_at);
    return finish(o, failed);
}

/* {page, limit, total, pages}; limit >= 1. */
static json_t *pagination(int64_t page, int64_t limit, int64_t total)
{
    json_t *p = json_object();
    if (p == NULL)
        return NULL;
    int failed = put_int(p, "page", page) | put_int(p, "limit", limit) |
                 put_int(p, "total", total) | put_int(p, "pages", (total + limit - 1) / limit);
    return finish(p, failed);
}

json_t *orders__json_product_page(const orders_product_list_t *list, int64_t page,
                                  int64_t limit)
{
    if (limit < 1)
        return NULL;
    json_t *o = json_object(), *products = json_array();
    bool ok = o != NULL && products != NULL;
    for (size_t i = 0; ok && i < list->count; i++)
        ok = push(products, orders__json_product(list->items[i]));
    if (!ok) {
        json_decref(products);
        json_decref(o);
        return NULL;
    }
    int failed = json_object_set_new(o, "products", products) |
                 json_object_set_new(o, "pagination", pagination(page, limit, list->total));
    return finish(o, failed);
}

json_t *orders__json_stock(const char *product_id, const orders_stock_t *s)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_str(o, "productId", product_id) | put_int(o, "available", s->available) |
                 put_int(o, "reserved", s->reserved) | put_int(o, "sold", s->sold);
    return finish(o, failed);
}

static json_t *check_line(const orders_item_request_t *it, int64_t available, bool ok)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_str(o, "productId", it->product_id) |
                 put_int(o, "requestedQuantity", it->quantity) |
                 put_int(o, "availableStock", available) | put_bool(o, "available", ok);
    return finish(o, failed);
}

json_t *orders__json_inventory_check(const orders_item_request_t *items, size_t n,
                                     const int64_t *available, const bool *ok, bool all_ok)
{
    json_t *o = json_object(), *lines = json_array();
    bool built = o != NULL && lines != NULL;
    for (size_t i = 0; built && i < n; i++)
        built = push(lines, check_line(&items[i], available[i], ok[i]));
    if (!built) {
        json_decref(lines);
        json_decref(o);
        return NULL;
    }
    int failed = put_bool(o, "allAvailable", all_ok) | json_object_set_new(o, "items", lines);
    return finish(o, failed);
}

static json_t *reservation_line(const orders_reservation_line_t *l,
                                const orders_reservation_t *r)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_str(o, "productId", l->product_id) | put_int(o, "quantity", l->quantity) |
                 put_time(o, "reservedAt", r->created_at) |
                 put_time(o, "expiresAt", r->expires_at);
    return finish(o, failed);
}

json_t *orders__json_reservation(const orders_reservation_t *r)
{
    json_t *o = json_object(), *lines = json_array();
    bool built = o != NULL && lines != NULL;
    for (size_t i = 0; built && i < r->line_count; i++)
        built = push(lines, reservation_line(&r->lines[i], r));
    if (!built) {
        json_decref(lines);
        json_decref(o);
        return NULL;
    }
    /* the original service called an active reservation "reserved" */
    const char *status =
        r->status == ORDERS_RES_ACTIVE ? "reserved" : orders_reservation_status_name(r->status);
    int failed = put_str(o, "orderId", r->order_id) | put_str(o, "reservationId", r->id) |
                 json_object_set_new(o, "items", lines) | put_str(o, "status", status) |
                 put_time(o, "expiresAt", r->expires_at);
    return finish(o, failed);
}

/* ---- request bodies ---------------------------------------------------------- */

/* id (from the path, or the body when path_id is NULL), sellerId, name and
 * image into p. */
static orders_code_t product_strings(const json_t *body, const char *path_id,
                                     orders_product_t *p, orders_error_t *err)
{
    const char *id = path_id, *seller = NULL, *name = NULL, *image = NULL;
    orders_code_t rc = ORDERS_OK;
    if (path_id == NULL)
        rc = read_string(body, "id", "id", true, &id, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "sellerId", "sellerId", true, &seller, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "name", "name", true, &name, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "image", "image", false, &image, err);
    p->id = (char *)id;
    p->seller_id = (char *)seller;
    p->name = (char *)name;
    p->image = (char *)image;
    return rc;
}

/* body's price (a number in major units) in currency, exactly.  The money
 * call names its field "amount"; here the field is "price". */
static orders_code_t product_price(const json_t *body, const char *currency,
                                   orders_money_t *out, orders_error_t *err)
{
    const json_t *v = member(body, "price");
    if (v == NULL)
        return missing("price", err);
    if (!json_is_number(v))
        return must_be("price", "a number", err);
    orders_error_t e = {0};
    orders_code_t rc = orders_money_from_major_double(json_number_value(v), currency, out, &e);
    if (rc == ORDERS_OK || strcmp(e.field, "amount") != 0) {
        if (rc != ORDERS_OK && err != NULL)
            *err = e; /* an unknown currency: field "currency" */
        return rc;
    }
    const char *rest = strncmp(e.message, "amount", 6) == 0 ? e.message + 6 : ": invalid";
    return orders_error_set(err, rc, "price", "price%s", rest);
}

/* active (a boolean, default true) and stock (an integer >= 0; -1 when
 * absent). */
static orders_code_t product_extras(const json_t *body, orders_product_t *p, int64_t *stock,
                                    orders_error_t *err)
{
    const json_t *active = member(body, "active"), *units = member(body, "stock");
    if (active != NULL && !json_is_boolean(active))
        return must_be("active", "a boolean", err);
    if (units != NULL && (!json_is_integer(units) || json_integer_value(units) < 0))
        return must_be("stock", "an integer >= 0", err);
    p->active = active == NULL || json_is_true(active);
    *stock = units != NULL ? (int64_t)json_integer_value(units) : -1;
    return ORDERS_OK;
}

orders_code_t orders__json_product_request(const json_t *body, const char *path_id,
                                           orders_product_t *p, int64_t *stock,
                                           orders_error_t *err)
{
    memset(p, 0, sizeof *p);
    *stock = -1;
    const char *currency = NULL;
    orders_code_t rc = need_object(body, err);
    if (rc == ORDERS_OK)
        rc = product_strings(body, path_id, p, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "currency", "currency", false, &currency, err);
    if (rc == ORDERS_OK)
        rc = product_price(body, currency != NULL ? currency : "USD", &p->price, err);
    if (rc == ORDERS_OK)
        rc = product_extras(body, p, stock, err);
    if (rc != ORDERS_OK) {
        memset(p, 0, sizeof *p);
        *stock = -1;
    }
    return rc;
}

orders_code_t orders__json_stock_set(const json_t *body, int64_t *available,
                                     orders_error_t *err)
{
    *available = 0;
    orders_code_t rc = need_object(body, err);
    return rc == ORDERS_OK ? read_integer(body, "available", "available", true, available, err)
                           : rc;
}

orders_code_t orders__json_stock_adjust(const json_t *body, int64_t *delta, const char **reason,
                                        orders_error_t *err)
{
    *delta = 0;
    *reason = NULL;
    orders_code_t rc = need_object(body, err);
    if (rc == ORDERS_OK)
        rc = read_integer(body, "delta", "delta", true, delta, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "reason", "reason", false, reason, err);
    return rc;
}

/* items[i]: {productId, quantity} into *out. */
static orders_code_t item(const json_t *v, size_t i, orders_item_request_t *out,
                          orders_error_t *err)
{
    char field[ORDERS_ERROR_FIELD_MAX];
    snprintf(field, sizeof field, "items[%zu]", i);
    if (!json_is_object(v))
        return must_be(field, "an object", err);
    snprintf(field, sizeof field, "items[%zu].productId", i);
    orders_code_t rc = read_string(v, "productId", field, true, &out->product_id, err);
    snprintf(field, sizeof field, "items[%zu].quantity", i);
    return rc == ORDERS_OK ? read_integer(v, "quantity", field, true, &out->quantity, err) : rc;
}

/* body's items into items[0..*n); *n is 0 on error. */
static orders_code_t items_of(const json_t *body,
                              orders_item_request_t items[ORDERS__JSON_ITEMS_MAX], size_t *n,
                              orders_error_t *err)
{
    const json_t *v = member(body, "items");
    if (v == NULL)
        return missing("items", err);
    if (!json_is_array(v))
        return must_be("items", "an array", err);
    size_t count = json_array_size(v);
    if (count < 1 || count > ORDERS__JSON_ITEMS_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "items",
                                "items must have 1 to %d entries", ORDERS__JSON_ITEMS_MAX);
    for (size_t i = 0; i < count; i++) {
        items[i].product_id = NULL;
        items[i].quantity = 0;
        orders_code_t rc = item(json_array_get(v, i), i, &items[i], err);
        if (rc != ORDERS_OK)
            return rc;
    }
    *n = count;
    return ORDERS_OK;
}

orders_code_t orders__json_check_request(const json_t *body,
                                         orders_item_request_t items[ORDERS__JSON_ITEMS_MAX],
                                         size_t *n, orders_error_t *err)
{
    *n = 0;
    orders_code_t rc = need_object(body, err);
    return rc == ORDERS_OK ? items_of(body, items, n, err) : rc;
}

orders_code_t orders__json_reserve_request(const json_t *body, const char **order_id,
                                           orders_item_request_t items[ORDERS__JSON_ITEMS_MAX],
                                           size_t *n, int64_t *window_ms, orders_error_t *err)
{
    *n = 0;
    *window_ms = 0;
    orders_code_t rc = orders__json_order_id(body, order_id, err);
    if (rc == ORDERS_OK)
        rc = items_of(body, items, n, err);
    const json_t *minutes = rc == ORDERS_OK ? member(body, "expirationMinutes") : NULL;
    if (minutes != NULL &&
        (!json_is_integer(minutes) || json_integer_value(minutes) < 1 ||
         json_integer_value(minutes) > EXPIRATION_MINUTES_MAX))
        rc = must_be("expirationMinutes", "an integer from 1 to 1440", err);
    if (rc != ORDERS_OK) {
        *n = 0;
        *order_id = NULL;
        return rc;
    }
    *window_ms = minutes != NULL ? (int64_t)json_integer_value(minutes) * MINUTE_MS : 0;
    return ORDERS_OK;
}

orders_code_t orders__json_order_id(const json_t *body, const char **order_id,
                                    orders_error_t *err)
{
    *order_id = NULL;
    orders_code_t rc = need_object(body, err);
    return rc == ORDERS_OK ? read_string(body, "orderId", "orderId", true, order_id, err) : rc;
}
