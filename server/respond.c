/*
 * server/respond.c - the answer envelopes of API.md, status codes for the
 * library's result codes, and query parameters.
 *
 * The success envelope is {"success": true, "message"?, "data"?}; the error
 * envelope {"success": false, "message", "errors"?}.  A 5xx never carries a
 * library message: those may name files or SQLite errors, so the client
 * sees a generic text and the log line gets the detail.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "server.h"

int srv_status_of(orders_code_t rc)
{
    switch (rc) {
    case ORDERS_OK:
        return 200;
    case ORDERS_E_INVALID:
        return 400;
    case ORDERS_E_NOT_FOUND:
        return 404;
    case ORDERS_E_UNAUTHORIZED:
        return 401;
    case ORDERS_E_CONFLICT:
    case ORDERS_E_IDEMPOTENCY:
    case ORDERS_E_EXPIRED:
        return 409;
    case ORDERS_E_OUT_OF_STOCK:
    case ORDERS_E_EMPTY_CART:
    case ORDERS_E_LIMIT:
    case ORDERS_E_CURRENCY:
    case ORDERS_E_OVERFLOW:
    case ORDERS_E_DECLINED:
    case ORDERS_E_INSUFFICIENT_FUNDS:
    case ORDERS_E_INACTIVE:
        return 422;
    case ORDERS_E_UNAVAILABLE:
        return 503;
    case ORDERS_E_UNSUPPORTED:
        return 501;
    case ORDERS_E_BACKEND:
    case ORDERS_E_NOMEM:
        return 500;
    }
    return 500;
}

void srv_drop_out(srv_req_t *r)
{
    if (!r->out_in_space)
        free(r->out);
    r->out = NULL;
    r->out_len = 0;
    r->out_in_space = false;
}

/* Dumps root into r->space after the header room when it fits (no
 * allocation, and the headers are then written in front of it); true when
 * it did. */
static bool dump_in_space(srv_req_t *r, const json_t *root, size_t flags)
{
    if (r->space == NULL || r->space_len <= SRV_HEAD_ROOM)
        return false;
    size_t cap = r->space_len - SRV_HEAD_ROOM;
    size_t n = json_dumpb(root, r->space + SRV_HEAD_ROOM, cap, flags);
    if (n == 0 || n > cap)
        return false;
    r->out = r->space + SRV_HEAD_ROOM;
    r->out_len = n;
    r->out_in_space = true;
    return true;
}

/* Serializes root (stolen) into r->out. */
static void finish(srv_req_t *r, int status, json_t *root)
{
    srv_drop_out(r);
    r->content_type = "application/json";
    r->status = status;
    if (root != NULL) {
        size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(15);
        bool done = dump_in_space(r, root, flags);
        if (!done)
            r->out = json_dumps(root, flags);
        json_decref(root);
        if (done)
            return;
    }
    if (r->out == NULL) {
        static const char fallback[] =
            "{\"success\":false,\"message\":\"Internal server error\"}";
        r->status = 500;
        r->out = strdup(fallback);
    }
    r->out_len = r->out ? strlen(r->out) : 0;
}

void srv_ok(srv_req_t *r, int status, const char *message, json_t *data)
{
    json_t *root = json_object();
    if (root == NULL) {
        json_decref(data);
        finish(r, 500, NULL);
        return;
    }
    json_object_set_new(root, "success", json_true());
    if (message != NULL)
        json_object_set_new(root, "message", json_string(message));
    if (data != NULL)
        json_object_set_new(root, "data", data);
    finish(r, status, root);
}

static json_t *error_envelope(const char *message)
{
    json_t *root = json_object();
    if (root != NULL) {
        json_object_set_new(root, "success", json_false());
        json_object_set_new(root, "message", json_string(message));
    }
    return root;
}

void srv_fail(srv_req_t *r, int status, const char *message)
{
    finish(r, status, error_envelope(message));
}

const char *srv_client_message(orders_code_t rc, const orders_error_t *err)
{
    int status = srv_status_of(rc);
    if (status == 503)
        return "Service temporarily unavailable";
    if (status >= 500)
        return "Internal server error";
    return err && err->message[0] ? err->message : orders_strerror(rc);
}

void srv_fail_lib(srv_req_t *r, orders_code_t rc, const orders_error_t *err)
{
    int status = srv_status_of(rc);
    const char *msg = srv_client_message(rc, err);
    if (status >= 500)
        snprintf(r->detail, sizeof r->detail, "%s",
                 err && err->message[0] ? err->message : orders_strerror(rc));
    json_t *root = error_envelope(msg);
    if (root != NULL && status == 400 && err != NULL && err->field[0] != '\0') {
        json_t *e = json_pack("[{s:s, s:s}]", "field", err->field, "message", msg);
        if (e != NULL)
            json_object_set_new(root, "errors", e);
    }
    finish(r, status, root);
}

void srv_text(srv_req_t *r, int status, const char *content_type, const char *body,
              size_t len)
{
    srv_drop_out(r);
    r->out = malloc(len + 1);
    if (r->out == NULL) {
        finish(r, 500, NULL);
        return;
    }
    memcpy(r->out, body, len);
    r->out[len] = '\0';
    r->out_len = len;
    r->status = status;
    r->content_type = content_type;
}

/* The raw value of a query parameter, URL-decoded into buf: 1 found, 0
 * absent, -1 too long for buf. */
static int query_get(srv_req_t *r, const char *name, char *buf, size_t len)
{
    const char *q = r->ri->query_string;
    if (q == NULL)
        return 0;
    int n = mg_get_var(q, strlen(q), name, buf, len);
    if (n == -1)
        return 0;
    if (n < 0)
        return -1;
    return 1;
}

void srv_fail_field(srv_req_t *r, const char *field, const char *message)
{
    orders_error_t err;
    orders_error_set(&err, ORDERS_E_INVALID, field, "%s", message);
    srv_fail_lib(r, ORDERS_E_INVALID, &err);
}

static void bad_query(srv_req_t *r, const char *name, const char *what)
{
    char msg[160];
    snprintf(msg, sizeof msg, "%s %s", name, what);
    srv_fail_field(r, name, msg);
}

bool srv_query_int(srv_req_t *r, const char *name, int64_t def, int64_t min, int64_t max,
                   int64_t *out)
{
    char buf[32];
    int got = query_get(r, name, buf, sizeof buf);
    *out = def;
    if (got == 0)
        return true;
    char *end = NULL;
    errno = 0;
    long long v = got > 0 ? strtoll(buf, &end, 10) : 0;
    if (got < 0 || errno != 0 || end == buf || *end != '\0' || v < min || v > max) {
        char what[96];
        snprintf(what, sizeof what, "must be an integer from %lld to %lld", (long long)min,
                 (long long)max);
        bad_query(r, name, what);
        return false;
    }
    *out = v;
    return true;
}

bool srv_query_str(srv_req_t *r, const char *name, char *buf, size_t len, bool *bad)
{
    int got = query_get(r, name, buf, len);
    *bad = false;
    if (got < 0) {
        bad_query(r, name, "is too long");
        *bad = true;
        return false;
    }
    return got > 0;
}
