/*
 * json/json.h - jansson codecs shared by the library, the server and the
 * HTTP backends.  Internal: not installed.
 */
#ifndef ORDERS_JSON_INTERNAL_H
#define ORDERS_JSON_INTERNAL_H

#include <stdbool.h>
#include <time.h>
#include <stdio.h>

#include <jansson.h>

#include <orders/orders.h>

/* Amount in major units as a JSON number: an integer when it is a whole
 * number of major units (always for 0-digit currencies), else a real; dump
 * with JSON_REAL_PRECISION(15) so it prints exactly.  New reference. */
json_t *orders__json_money(const orders_money_t *m);
/* ISO-8601 UTC with milliseconds, or null for 0.  New reference. */
json_t *orders__json_time(int64_t ms);
/* The event as orders_event_to_json writes it (new reference, NULL when
 * memory runs out); the HTTP notifier adds its own members. */
json_t *orders__json_event(const orders_event_t *e);
/* Writes "2023-01-01T00:00:00.000Z" into buf; false if it does not fit. */
bool orders__iso8601(int64_t ms, char *buf, size_t len);

/*
 * Carts and orders as the REST contract shows them (API.md, Part A).  Each
 * returns a new reference the caller releases with json_decref, or NULL
 * when memory runs out.  Unset optional strings and times are null; an
 * empty cart's currency is null.  Dump with JSON_REAL_PRECISION(15) so
 * amounts print exactly.  Thread-safe: they only read their argument.
 */
json_t *orders__json_cart(const orders_cart_t *c);
json_t *orders__json_order(const orders_order_t *o);
/* A customer's list entry: id, orderNumber, status, totalAmount, itemCount
 * (units), placedAt, deliveredAt. */
json_t *orders__json_order_summary(const orders_order_t *o);
/* The admin list entry: id, orderNumber, status, totalAmount, itemCount,
 * placedAt, customerId, customerName, customerEmail, paymentStatus and
 * sellers (the seller ids). */
json_t *orders__json_order_admin_summary(const orders_order_t *o);
/* {"orders": orders, "pagination": {page, limit, total, pages}}, taking the
 * reference to orders (released on failure too); NULL for limit < 1. */
json_t *orders__json_page(json_t *orders, int64_t page, int64_t limit, int64_t total);

/*
 * Request bodies (json/request.c).  Only JSON types are checked here; the
 * library checks the values (required address lines, quantities, id
 * lengths) where its rules are.  ORDERS_E_INVALID names the field
 * ("shippingAddress.city must be a string").  Strings in the results are
 * borrowed from body and live as long as it does.  Thread-safe.
 */

/* POST /orders/place: shippingAddress (into *addr, and req points at it)
 * or shippingAddressId, paymentMethod (cod, online or wallet, any case;
 * absent: cod), notes, and deferPayment (a boolean, default false: online
 * and wallet orders then stay pending until POST /orders/:id/pay).  *req
 * and *addr are zeroed first. */
orders_code_t orders__json_place_request(const json_t *body, orders_place_request_t *req,
                                         orders_address_t *addr, orders_error_t *err);
/* {productId, quantity} of the cart routes: productId is required, and
 * quantity too (an integer) when with_quantity (add, update; not remove). */
orders_code_t orders__json_cart_item(const json_t *body, bool with_quantity,
                                     const char **product_id, int64_t *quantity,
                                     orders_error_t *err);

/*
 * Catalog and inventory (json/catalog.c; API.md Part B).  The encoders
 * follow the rules of the order encoders above: a new reference, or NULL
 * when memory runs out; thread-safe; dump with JSON_REAL_PRECISION(15).
 */

/* {id, sellerId, name, image, price, currency, active, createdAt,
 * updatedAt}; image null when unset. */
json_t *orders__json_product(const orders_product_t *p);
/* {"products": [product...], "pagination": {page, limit, total, pages}} of
 * list->items and list->total; NULL for limit < 1. */
json_t *orders__json_product_page(const orders_product_list_t *list, int64_t page,
                                  int64_t limit);
/* {productId, available, reserved, sold}. */
json_t *orders__json_stock(const char *product_id, const orders_stock_t *s);
/* {allAvailable, items: [{productId, requestedQuantity, availableStock,
 * available}]}: the n requested items with what orders_inventory_check put
 * in available[i], ok[i] and all_ok. */
json_t *orders__json_inventory_check(const orders_item_request_t *items, size_t n,
                                     const int64_t *available, const bool *ok, bool all_ok);
/* {orderId, reservationId, items: [{productId, quantity, reservedAt,
 * expiresAt}], status, expiresAt}.  status is "reserved" while the
 * reservation is active, else "confirmed", "expired" or "cancelled". */
json_t *orders__json_reservation(const orders_reservation_t *r);

/*
 * Catalog and inventory request bodies (json/catalog.c), under the rules
 * of the request decoders above: JSON types and required fields are
 * checked here, values by the library, except for the limits the library
 * does not have, which are checked here (integers for quantity, available,
 * delta and stock; 1 to ORDERS__JSON_ITEMS_MAX items; expirationMinutes
 * from 1 to 1440).  ORDERS_E_INVALID names the JSON field ("items[2].quantity
 * must be an integer").  Strings in the results are borrowed from body and
 * live as long as it does.  Outputs are reset first.  Thread-safe.
 */

#define ORDERS__JSON_ITEMS_MAX 100

/* POST /admin/products (path_id NULL: body "id" required) or PUT
 * /admin/products/:id (path_id used, body "id" ignored) into *p, zeroed
 * first: sellerId, name and price (a number in major units) required;
 * image optional; currency default "USD"; active default true.  price is
 * converted exactly (orders_money_from_major_double): too many decimals is
 * ORDERS_E_INVALID field "price", an unknown currency ORDERS_E_CURRENCY
 * field "currency".  *stock = "stock" (an integer >= 0), or -1 when absent.
 * p's strings are borrowed: never pass p to orders_product_free. */
orders_code_t orders__json_product_request(const json_t *body, const char *path_id,
                                           orders_product_t *p, int64_t *stock,
                                           orders_error_t *err);
/* PUT /inventory/stock/:id {available}: a required integer. */
orders_code_t orders__json_stock_set(const json_t *body, int64_t *available,
                                     orders_error_t *err);
/* POST /inventory/stock/:id/adjust {delta, reason?}: delta a required
 * integer (non-zero is the library's rule); *reason NULL when absent. */
orders_code_t orders__json_stock_adjust(const json_t *body, int64_t *delta, const char **reason,
                                        orders_error_t *err);
/* POST /inventory/check {items: [{productId, quantity}]}: 1 to
 * ORDERS__JSON_ITEMS_MAX objects, each with a string productId and an
 * integer quantity, into items[0..*n). */
orders_code_t orders__json_check_request(const json_t *body,
                                         orders_item_request_t items[ORDERS__JSON_ITEMS_MAX],
                                         size_t *n, orders_error_t *err);
/* POST /inventory/reserve {orderId, items, expirationMinutes?}: items as in
 * orders__json_check_request; *window_ms = expirationMinutes (an integer,
 * 1 to 1440) in ms, or 0 (the configured window) when absent. */
orders_code_t orders__json_reserve_request(const json_t *body, const char **order_id,
                                           orders_item_request_t items[ORDERS__JSON_ITEMS_MAX],
                                           size_t *n, int64_t *window_ms, orders_error_t *err);
/* POST /inventory/release and /inventory/confirm {orderId}: required string. */
orders_code_t orders__json_order_id(const json_t *body, const char **order_id,
                                    orders_error_t *err);

/*
 * Admin shapes (json/admin.c; API.md Part B).  Encoders: a new reference,
 * or NULL when memory runs out; thread-safe; dump with
 * JSON_REAL_PRECISION(15).
 */

/* seller_id's part of order o (orders_order_split): {orderId, orderNumber,
 * sellerId, status, trackingNumber, estimatedDelivery, notes, updatedAt,
 * items (the order's item objects of that seller, as orders__json_order
 * shows them), totalItems, subtotal, tax, shippingFee, discount,
 * totalAmount, currency, customerId, customerName, shippingAddress,
 * placedAt}.  *out is a new reference on ORDERS_OK, else NULL;
 * ORDERS_E_NOT_FOUND (field "sellerId", "Seller not found in order") when
 * the seller has no part; ORDERS_E_NOMEM. */
orders_code_t orders__json_seller_part(const orders_order_t *o, const char *seller_id,
                                       json_t **out, orders_error_t *err);
/* {"orderId": order_id, "history": [{at, actor, from, to, note}]}, oldest
 * first as listed; from is null on placement. */
json_t *orders__json_history(const char *order_id, const orders_history_list_t *list);
/* One entry of a bulk status result: {orderId, success: true, status} when
 * rc is ORDERS_OK (status = the new status), else {orderId, success: false,
 * message} with message (NULL: orders_strerror(rc)).  The caller chooses
 * the message (the server hides backend details). */
json_t *orders__json_bulk_entry(const char *order_id, orders_code_t rc, orders_status_t status,
                                const char *message);
/* {"results": results, "succeeded": n, "failed": n}, counting the entries'
 * "success" members.  Takes the reference to results (released on failure
 * too); NULL when results is NULL or not an array. */
json_t *orders__json_bulk_result(json_t *results);
/* The analytics report: {from, to, carts: {created}, orders: {placed,
 * cancelled, delivered}, conversionRate, cancellationRate,
 * averageOrderValue: [{currency, amount, orders}], reservations: {active,
 * confirmed, expired, cancelled, conversionRate}, fulfillment: {delivered,
 * meanDeliveryMs, meanDeliveryHours}, revenueBySeller: [{sellerId, amount,
 * currency, orders}], revenueByPaymentMethod: [{paymentMethod, amount,
 * currency, orders}], outOfStockEvents, reservationConflicts}.  Rates are
 * fractions of basis points (2500 -> 0.25, 10000 -> 1); the reservation
 * conversionRate is confirmed / (confirmed + expired + cancelled), rounded
 * down to a basis point, 0 when none settled; meanDeliveryHours is rounded
 * to two decimals. */
json_t *orders__json_analytics(const orders_analytics_t *a);

/*
 * Admin request bodies (json/admin.c), under the rules of the catalog
 * request decoders above (types and presence here, values in the library;
 * strings borrowed from body; outputs reset first; thread-safe).  A status
 * is one of the status names, any case (else ORDERS_E_INVALID, field
 * "status").
 */

#define ORDERS__JSON_BULK_MAX 100

/* PUT /admin/orders/:id/status {status, notes?}: *notes NULL when absent. */
orders_code_t orders__json_admin_status(const json_t *body, orders_status_t *status,
                                        const char **notes, orders_error_t *err);
/* PUT /admin/orders/:id/sellers/:sellerId/status {status, trackingNumber?,
 * estimatedDelivery?, notes?} into *u, zeroed first (absent strings NULL).
 * estimatedDelivery is an ISO-8601 string (orders__iso8601_parse) read as
 * ms UTC, 0 when absent or null; a bad date is ORDERS_E_INVALID, field
 * "estimatedDelivery". */
orders_code_t orders__json_seller_status(const json_t *body, orders_seller_update_t *u,
                                         orders_error_t *err);
/* POST /admin/orders/bulk-status {orderIds, status, notes?}: orderIds an
 * array of 1 to ORDERS__JSON_BULK_MAX strings (field "orderIds" or
 * "orderIds[3]") into ids[0..*n). */
orders_code_t orders__json_bulk_request(const json_t *body,
                                        const char *ids[ORDERS__JSON_BULK_MAX], size_t *n,
                                        orders_status_t *status, const char **notes,
                                        orders_error_t *err);
/* POST /admin/orders/:id/refund {amount?, reason?}: amount, a number in
 * major units of currency (the order's), into minor units
 * (orders_money_from_major_double: field "amount" for too many decimals);
 * it must be greater than 0.  Absent or null: *amount = -1, everything not
 * yet refunded (orders_order_refund). */
orders_code_t orders__json_refund_request(const json_t *body, const char *currency,
                                          int64_t *amount, const char **reason,
                                          orders_error_t *err);

/* Reads an ISO-8601 UTC time (json/time.c), "2023-01-01T00:00:00.000Z" or
 * without the fraction ("2023-01-01T00:00:00Z"), into ms since the epoch.
 * The fraction may have 1 to 9 digits (cut to ms); "+hh:mm" or "-hh:mm" may
 * stand for the Z.  false (and *ms untouched) for anything else, or for an
 * impossible date or time (2023-02-29, 24:00:00).  Pure; thread-safe. */
bool orders__iso8601_parse(const char *s, int64_t *ms);

/*
 * Order request bodies added by the orders routes helper (json/orders_extra.c),
 * under the rules of the request decoders above.
 */

/* PUT /orders/:id/cancel {reason?}: *reason NULL when absent or null;
 * ORDERS_E_INVALID (field "reason") when it is not a string. */
orders_code_t orders__json_cancel_request(const json_t *body, const char **reason,
                                          orders_error_t *err);

/*
 * The outbox admin routes (json/outbox.c).
 */

/* POST /admin/outbox/requeue {eventId?, limit?}: *event_id NULL when
 * absent or null; *limit untouched when absent (the caller's default).
 * ORDERS_E_INVALID naming "eventId" (not a string) or "limit" (not an
 * integer); the library checks lengths and ranges. */
orders_code_t orders__json_requeue_request(const json_t *body, const char **event_id,
                                           int64_t *limit, orders_error_t *err);
/* {pending, dead} and {requeued}.  New references, NULL when memory runs out. */
json_t *orders__json_outbox_counts(int64_t pending, int64_t dead);
json_t *orders__json_requeued(int64_t moved);

#endif
