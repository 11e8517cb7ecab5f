/*
 * tests/server/admin_util.h - small readers shared by test_srv_admin*.c:
 * fields of the JSON answers, amounts in cents, and an order's state read
 * back through the admin history route.  static inline, so a test file
 * that does not use one gets no warning.
 */
#ifndef ORDERS_TEST_SERVER_ADMIN_UTIL_H
#define ORDERS_TEST_SERVER_ADMIN_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

/* o[key] as a string, or NULL. */
static inline const char *au_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* o[key], an amount in major units of a 2-digit currency, in cents. */
static inline int64_t au_cents(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    cr_assert(json_is_number(v), "%s is not a number", key);
    return (int64_t)llround(json_number_value(v) * 100.0);
}

/* errors[0].field of an error answer, or "". */
static inline const char *au_field(const srvh_resp_t *r)
{
    const char *f = au_str(json_array_get(json_object_get(r->json, "errors"), 0), "field");
    return f ? f : "";
}

/* The order's history entries (a new reference), failing the test unless
 * the history route answers 200. */
static inline json_t *au_history(srvh_t *s, const char *id)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/history", id);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(s, "GET", path, NULL, &r), 200, "history: %s", r.body);
    json_t *h = json_object_get(srvh_data(&r), "history");
    cr_assert(json_is_array(h), "%s", r.body);
    json_incref(h);
    srvh_resp_clear(&r);
    return h;
}

/* The order's current status, the "to" of its last history entry, into buf. */
static inline const char *au_status(srvh_t *s, const char *id, char *buf, size_t len)
{
    json_t *h = au_history(s, id);
    size_t n = json_array_size(h);
    cr_assert_gt(n, 0);
    snprintf(buf, len, "%s", au_str(json_array_get(h, n - 1), "to"));
    json_decref(h);
    return buf;
}

/* PUT /admin/orders/:id/status {status}; the HTTP status. */
static inline long au_move(srvh_t *s, const char *id, const char *status)
{
    char path[256], body[128];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/status", id);
    snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
    srvh_resp_t r;
    long code = srvh_admin(s, "PUT", path, body, &r);
    srvh_resp_clear(&r);
    return code;
}

#endif
