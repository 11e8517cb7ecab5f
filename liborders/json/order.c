/*
 * json/order.c - carts and orders as the REST contract shows them
 * (../shared/API.md, Part A): field names, money in major units, ISO-8601
 * times, null for what is not set.
 */
#include "json.h"

/* obj[key] = a string, or null for NULL. */
static int put_str(json_t *obj, const char *key, const char *v)
{
    return json_object_set_new(obj, key, v != NULL ? json_string(v) : json_null());
}

static int put_int(json_t *obj, const char *key, int64_t v)
{
    return json_object_set_new(obj, key, json_integer((json_int_t)v));
}

static int put_money(json_t *obj, const char *key, const orders_money_t *m)
{
    return json_object_set_new(obj, key, orders__json_money(m));
}

static int put_time(json_t *obj, const char *key, int64_t ms)
{
    return json_object_set_new(obj, key, orders__json_time(ms));
}

/* A currency code, or null while there is none (an empty cart). */
static int put_currency(json_t *obj, const orders_money_t *m)
{
    return put_str(obj, "currency", m->currency[0] != '\0' ? m->currency : NULL);
}

/* Appends item to array (taking the reference); false when either is NULL
 * or jansson runs out of memory. */
static bool push(json_t *array, json_t *item)
{
    return array != NULL && item != NULL && json_array_append_new(array, item) == 0;
}

/* obj, or NULL (obj released) when any of the `failed` puts failed. */
static json_t *finish(json_t *obj, int failed)
{
    if (failed != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *cart_line(const orders_cart_line_t *l)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_str(o, "productId", l->product_id) | put_str(o, "sellerId", l->seller_id) |
                 put_str(o, "productName", l->product_name) |
                 put_str(o, "productImage", l->product_image) |
                 put_int(o, "quantity", l->quantity) | put_money(o, "price", &l->price) |
                 put_money(o, "totalPrice", &l->total_price) |
                 put_int(o, "availableStock", l->available_stock) |
                 put_time(o, "addedAt", l->added_at);
    return finish(o, failed);
}

json_t *orders__json_cart(const orders_cart_t *c)
{
    json_t *o = json_object(), *items = json_array();
    int failed = o == NULL || items == NULL;
    for (size_t i = 0; !failed && i < c->item_count; i++)
        failed = !push(items, cart_line(&c->items[i]));
    if (o == NULL || failed) {
        json_decref(items);
        json_decref(o);
        return NULL;
    }
    failed = put_str(o, "id", c->id) | put_str(o, "customerId", c->customer_id) |
             json_object_set_new(o, "items", items) | put_int(o, "totalItems", c->total_items) |
             put_money(o, "totalAmount", &c->total_amount) | put_currency(o, &c->total_amount) |
             put_time(o, "createdAt", c->created_at) | put_time(o, "updatedAt", c->updated_at) |
             put_time(o, "expiresAt", c->expires_at);
    return finish(o, failed);
}

static json_t *order_item(const orders_order_item_t *it)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_str(o, "productId", it->product_id) | put_str(o, "sellerId", it->seller_id) |
                 put_str(o, "productName", it->product_name) |
                 put_str(o, "productImage", it->product_image) |
                 put_int(o, "quantity", it->quantity) |
                 put_money(o, "unitPrice", &it->unit_price) |
                 put_money(o, "totalPrice", &it->total_price) |
                 put_str(o, "status", orders_item_status_name(it->status)) |
                 put_time(o, "reservedAt", it->reserved_at) |
                 put_time(o, "confirmedAt", it->confirmed_at);
    return finish(o, failed);
}

static json_t *seller_status(const orders_seller_status_t *s)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_str(o, "sellerId", s->seller_id) |
                 put_str(o, "status", orders_status_name(s->status)) |
                 put_time(o, "updatedAt", s->updated_at) | put_str(o, "notes", s->notes) |
                 put_str(o, "trackingNumber", s->tracking_number) |
                 put_time(o, "estimatedDelivery", s->estimated_delivery);
    return finish(o, failed);
}

static json_t *address(const orders_address_t *a)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_str(o, "addressLine1", a->address_line1) |
                 put_str(o, "addressLine2", a->address_line2) | put_str(o, "city", a->city) |
                 put_str(o, "state", a->state) | put_str(o, "country", a->country) |
                 put_str(o, "postalCode", a->postal_code) |
                 put_str(o, "contactName", a->contact_name) |
                 put_str(o, "contactPhone", a->contact_phone);
    return finish(o, failed);
}

/* The order's items and seller statuses as two new arrays; false (none
 * made) when memory runs out. */
static bool order_arrays(const orders_order_t *ord, json_t **items, json_t **sellers)
{
    *items = json_array();
    *sellers = json_array();
    bool ok = *items != NULL && *sellers != NULL;
    for (size_t i = 0; ok && i < ord->item_count; i++)
        ok = push(*items, order_item(&ord->items[i]));
    for (size_t i = 0; ok && i < ord->seller_count; i++)
        ok = push(*sellers, seller_status(&ord->seller_statuses[i]));
    if (!ok) {
        json_decref(*items);
        json_decref(*sellers);
        *items = *sellers = NULL;
    }
    return ok;
}

json_t *orders__json_order(const orders_order_t *ord)
{
    json_t *items, *sellers, *ship = address(&ord->shipping_address);
    json_t *o = json_object();
    if (o == NULL || ship == NULL || !order_arrays(ord, &items, &sellers)) {
        json_decref(ship);
        json_decref(o);
        return NULL;
    }
    int failed =
        put_str(o, "id", ord->id) | put_str(o, "orderNumber", ord->order_number) |
        put_str(o, "customerId", ord->customer_id) |
        put_str(o, "customerName", ord->customer_name) |
        put_str(o, "customerEmail", ord->customer_email) | json_object_set_new(o, "items", items) |
        put_money(o, "subtotal", &ord->subtotal) | put_money(o, "tax", &ord->tax) |
        put_money(o, "shippingFee", &ord->shipping_fee) |
        put_money(o, "discount", &ord->discount) |
        put_money(o, "totalAmount", &ord->total_amount) | put_currency(o, &ord->total_amount) |
        put_str(o, "status", orders_status_name(ord->status)) |
        put_str(o, "paymentMethod", orders_payment_method_name(ord->payment_method)) |
        put_str(o, "paymentStatus", orders_payment_status_name(ord->payment_status)) |
        json_object_set_new(o, "shippingAddress", ship) |
        json_object_set_new(o, "sellerStatuses", sellers) |
        put_time(o, "placedAt", ord->placed_at) | put_time(o, "confirmedAt", ord->confirmed_at) |
        put_time(o, "shippedAt", ord->shipped_at) |
        put_time(o, "deliveredAt", ord->delivered_at) |
        put_time(o, "cancelledAt", ord->cancelled_at) | put_str(o, "notes", ord->notes) |
        put_str(o, "cancelReason", ord->cancel_reason) |
        put_money(o, "refundAmount", &ord->refund_amount) |
        put_time(o, "reservationExpiry", ord->reservation_expiry) |
        put_time(o, "createdAt", ord->created_at) | put_time(o, "updatedAt", ord->updated_at);
    return finish(o, failed);
}

/* Units over all items (the summaries' itemCount). */
static int64_t item_units(const orders_order_t *ord)
{
    int64_t n = 0;
    for (size_t i = 0; i < ord->item_count; i++)
        n += ord->items[i].quantity;
    return n;
}

json_t *orders__json_order_summary(const orders_order_t *ord)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int failed = put_str(o, "id", ord->id) | put_str(o, "orderNumber", ord->order_number) |
                 put_str(o, "status", orders_status_name(ord->status)) |
                 put_money(o, "totalAmount", &ord->total_amount) |
                 put_int(o, "itemCount", item_units(ord)) |
                 put_time(o, "placedAt", ord->placed_at) |
                 put_time(o, "deliveredAt", ord->delivered_at);
    return finish(o, failed);
}

json_t *orders__json_order_admin_summary(const orders_order_t *ord)
{
    json_t *o = orders__json_order_summary(ord), *sellers = json_array();
    bool ok = o != NULL && sellers != NULL;
    for (size_t i = 0; ok && i < ord->seller_count; i++)
        ok = push(sellers, json_string(ord->seller_statuses[i].seller_id));
    if (!ok) {
        json_decref(sellers);
        json_decref(o);
        return NULL;
    }
    int failed = json_object_del(o, "deliveredAt") | put_str(o, "customerId", ord->customer_id) |
                 put_str(o, "customerName", ord->customer_name) |
                 put_str(o, "customerEmail", ord->customer_email) |
                 put_str(o, "paymentStatus", orders_payment_status_name(ord->payment_status)) |
                 json_object_set_new(o, "sellers", sellers);
    return finish(o, failed);
}

json_t *orders__json_page(json_t *orders, int64_t page, int64_t limit, int64_t total)
{
    json_t *o = json_object(), *p = json_object();
    if (orders == NULL || o == NULL || p == NULL || limit < 1) {
        json_decref(orders);
        json_decref(o);
        json_decref(p);
        return NULL;
    }
    int failed = put_int(p, "page", page) | put_int(p, "limit", limit) |
                 put_int(p, "total", total) | put_int(p, "pages", (total + limit - 1) / limit);
    failed |= json_object_set_new(o, "orders", orders) | json_object_set_new(o, "pagination", p);
    return finish(o, failed);
}
