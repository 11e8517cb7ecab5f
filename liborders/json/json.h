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
 * absent: cod) and notes.  *req and *addr are zeroed first. */
orders_code_t orders__json_place_request(const json_t *body, orders_place_request_t *req,
                                         orders_address_t *addr, orders_error_t *err);
/* {productId, quantity} of the cart routes: productId is required, and
 * quantity too (an integer) when with_quantity (add, update; not remove). */
orders_code_t orders__json_cart_item(const json_t *body, bool with_quantity,
                                     const char **product_id, int64_t *quantity,
                                     orders_error_t *err);

#endif
