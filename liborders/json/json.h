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

/* Amount in major units as a JSON number (an integer for 0-digit
 * currencies); dump with JSON_REAL_PRECISION(15) so it prints exactly.
 * New reference. */
json_t *orders__json_money(const orders_money_t *m);
/* ISO-8601 UTC with milliseconds, or null for 0.  New reference. */
json_t *orders__json_time(int64_t ms);
/* Writes "2023-01-01T00:00:00.000Z" into buf; false if it does not fit. */
bool orders__iso8601(int64_t ms, char *buf, size_t len);

#endif
