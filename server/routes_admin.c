/*
 * server/routes_admin.c - the admin order routes (API.md Part A "Admin"
 * and Part B: sellers, bulk, refunds, history, analytics).  All take the
 * service key and the admin rate limit (SRV_ADMIN).
 *
 * Each handler reads its query or body with json/, makes the library call
 * that does the work (orders_order_list, orders_order_set_status,
 * orders_seller_status_set, orders_order_refund_keyed, orders_order_history,
 * orders_analytics_compute), and answers with a json/ encoder.  Every rule
 * (transitions, seller statuses, refund limits, ranges) is the library's.
 * Only the HTTP limits live here: list limit default and cap, query string
 * syntax, the 30-day default range of the analytics report.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "json/json.h"
#include "server.h"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 100
#define ANALYTICS_DEFAULT_MS (30LL * 24 * 60 * 60 * 1000)

/* ---- GET /admin/orders ----------------------------------------------------------- */

/* page, limit (clamped to LIST_LIMIT_MAX), status and sellerId into q
 * (seller borrows the buffer); false after answering 400. */
static bool list_query(srv_req_t *r, orders_list_query_t *q, char seller[ORDERS_ID_MAX + 1])
{
    bool bad = false;
    if (!srv_list_query(r, q, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX))
        return false;
    if (srv_query_str(r, "sellerId", seller, ORDERS_ID_MAX + 1, &bad) && seller[0] != '\0')
        q->seller_id = seller;
    return !bad;
}

static void orders_list(srv_req_t *r)
{
    orders_list_query_t q = {0};
    char seller[ORDERS_ID_MAX + 1];
    if (list_query(r, &q, seller))
        srv_answer_order_list(r, &q, orders__json_order_admin_summary);
}

/* ---- PUT /admin/orders/:id/status ------------------------------------------------------ */

static void order_status(srv_req_t *r)
{
    orders_status_t to;
    const char *notes;
    orders_order_t *order = NULL;
    orders_error_t err;
    orders_code_t rc = orders__json_admin_status(r->body, &to, &notes, &err);
    if (rc == ORDERS_OK)
        rc = orders_order_set_status(r->ctx, r->params[0], to, r->actor, notes,
                                     ORDERS_ANY_VERSION, &order, &err);
    srv_answer_order(r, rc, order, &err, 200, "Order status updated");
}

/* ---- sellers ---------------------------------------------------------------------------- */

/* Answers with seller_id's part of order (freed here), plus "orderStatus"
 * when with_order_status. */
static void answer_seller_part(srv_req_t *r, orders_order_t *order, const char *seller_id,
                               bool with_order_status, const char *message)
{
    json_t *part = NULL;
    orders_error_t err;
    orders_code_t rc = orders__json_seller_part(order, seller_id, &part, &err);
    if (rc == ORDERS_OK && with_order_status &&
        json_object_set_new(part, "orderStatus",
                            json_string(orders_status_name(order->status))) != 0)
        rc = orders_error_set(&err, ORDERS_E_NOMEM, NULL, "out of memory");
    orders_order_free(order);
    if (rc != ORDERS_OK) {
        json_decref(part);
        srv_fail_lib(r, rc, &err);
        return;
    }
    srv_ok(r, 200, message, part);
}

static void seller_get(srv_req_t *r)
{
    orders_order_t *order = NULL;
    orders_error_t err;
    orders_code_t rc = orders_order_get(r->ctx, r->params[0], NULL, &order, &err);
    if (rc != ORDERS_OK) {
        orders_order_free(order);
        srv_fail_lib(r, rc, &err);
        return;
    }
    answer_seller_part(r, order, r->params[1], false, NULL);
}

static void seller_status(srv_req_t *r)
{
    orders_seller_update_t u;
    orders_order_t *order = NULL;
    orders_error_t err;
    orders_code_t rc = orders__json_seller_status(r->body, &u, &err);
    if (rc == ORDERS_OK)
        rc = orders_seller_status_set(r->ctx, r->params[0], r->params[1], &u, r->actor, &order,
                                      &err);
    if (rc != ORDERS_OK) {
        orders_order_free(order);
        srv_fail_lib(r, rc, &err);
        return;
    }
    answer_seller_part(r, order, r->params[1], true, "Seller status updated");
}

/* ---- POST /admin/orders/bulk-status ------------------------------------------------------ */

/* One order's move as a bulk result entry; NULL when memory runs out.
 * Failures show the library's message, except for 5xx (a generic one). */
static json_t *bulk_one(srv_req_t *r, const char *id, orders_status_t to, const char *notes)
{
    orders_order_t *order = NULL;
    orders_error_t err = {0};
    orders_code_t rc = orders_order_set_status(r->ctx, id, to, r->actor, notes,
                                               ORDERS_ANY_VERSION, &order, &err);
    orders_order_free(order);
    return orders__json_bulk_entry(id, rc, to,
                                   rc != ORDERS_OK ? srv_client_message(rc, &err) : NULL);
}

static void bulk_status(srv_req_t *r)
{
    const char *ids[ORDERS__JSON_BULK_MAX];
    size_t n;
    orders_status_t to;
    const char *notes;
    orders_error_t err;
    orders_code_t rc = orders__json_bulk_request(r->body, ids, &n, &to, &notes, &err);
    if (rc != ORDERS_OK) {
        srv_fail_lib(r, rc, &err);
        return;
    }
    json_t *results = json_array();
    bool ok = results != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        json_t *one = bulk_one(r, ids[i], to, notes);
        ok = one != NULL && json_array_append_new(results, one) == 0;
    }
    if (!ok) {
        json_decref(results);
        srv_fail(r, 500, "Internal server error");
        return;
    }
    srv_ok_data(r, 200, "Bulk status update processed", orders__json_bulk_result(results));
}

/* ---- POST /admin/orders/:id/refund --------------------------------------------------------- */

static void order_refund(srv_req_t *r)
{
    orders_order_t *order = NULL;
    orders_error_t err;
    orders_code_t rc = orders_order_get(r->ctx, r->params[0], NULL, &order, &err);
    int64_t amount = -1;
    const char *reason = NULL;
    if (rc == ORDERS_OK)
        rc = orders__json_refund_request(r->body, order->total_amount.currency, &amount,
                                         &reason, &err);
    orders_order_free(order);
    order = NULL;
    /* with an Idempotency-Key the refund happens at most once (payment.h) */
    if (rc == ORDERS_OK)
        rc = orders_order_refund_keyed(r->ctx, r->params[0], amount, reason, r->actor,
                                       mg_get_header(r->conn, "Idempotency-Key"), &order, &err);
    srv_answer_order(r, rc, order, &err, 200, "Refund processed");
}

/* ---- GET /admin/orders/:id/history ----------------------------------------------------------- */

static void order_history(srv_req_t *r)
{
    orders_history_list_t list = {0};
    orders_error_t err;
    orders_code_t rc = orders_order_history(r->ctx, r->params[0], &list, &err);
    if (rc != ORDERS_OK) {
        orders_history_list_clear(&list);
        srv_fail_lib(r, rc, &err);
        return;
    }
    json_t *data = orders__json_history(r->params[0], &list);
    orders_history_list_clear(&list);
    srv_ok_data(r, 200, NULL, data);
}

/* ---- GET /admin/analytics ------------------------------------------------------------------- */

/* A time in a query string: epoch milliseconds (digits), an ISO-8601 date
 * ("2024-01-31", midnight UTC) or date and time (orders__iso8601_parse). */
static bool parse_time(const char *s, int64_t *ms)
{
    if (s[0] >= '0' && s[0] <= '9' && strspn(s, "0123456789") == strlen(s)) {
        errno = 0;
        char *end = NULL;
        long long v = strtoll(s, &end, 10);
        if (errno != 0 || *end != '\0')
            return false;
        *ms = v;
        return true;
    }
    if (strlen(s) == 10) {
        char full[32];
        snprintf(full, sizeof full, "%sT00:00:00.000Z", s);
        return orders__iso8601_parse(full, ms);
    }
    return orders__iso8601_parse(s, ms);
}

/* The query time `name` into *ms (untouched when absent); false after
 * answering 400. */
static bool query_time(srv_req_t *r, const char *name, int64_t *ms, bool *given)
{
    char buf[64];
    bool bad = false;
    *given = srv_query_str(r, name, buf, sizeof buf, &bad);
    if (bad)
        return false;
    if (*given && !parse_time(buf, ms)) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "%s must be an ISO-8601 date (2024-01-31 or 2024-01-31T00:00:00.000Z) or "
                 "epoch milliseconds",
                 name);
        srv_fail_field(r, name, msg);
        return false;
    }
    return true;
}

static void analytics(srv_req_t *r)
{
    int64_t to = srv_now_ms(), from = 0;
    bool has_from, has_to;
    if (!query_time(r, "to", &to, &has_to) || !query_time(r, "from", &from, &has_from))
        return;
    if (!has_from)
        from = to - ANALYTICS_DEFAULT_MS;
    orders_analytics_t *a = NULL;
    orders_error_t err;
    orders_code_t rc = orders_analytics_compute(r->ctx, from, to, &a, &err);
    if (rc != ORDERS_OK) {
        orders_analytics_free(a);
        srv_fail_lib(r, rc, &err);
        return;
    }
    json_t *data = orders__json_analytics(a);
    orders_analytics_free(a);
    srv_ok_data(r, 200, NULL, data);
}

/* Literal segments before parameters at the same depth ("bulk-status"
 * before ":id"). */
const srv_route_t srv_routes_admin[] = {
    {"GET", "/api/v1/admin/orders", SRV_ADMIN, false, orders_list},
    {"POST", "/api/v1/admin/orders/bulk-status", SRV_ADMIN, true, bulk_status},
    {"PUT", "/api/v1/admin/orders/:id/status", SRV_ADMIN, true, order_status},
    {"GET", "/api/v1/admin/orders/:id/history", SRV_ADMIN, false, order_history},
    {"POST", "/api/v1/admin/orders/:id/refund", SRV_ADMIN, true, order_refund},
    {"GET", "/api/v1/admin/orders/:id/sellers/:sellerId", SRV_ADMIN, false, seller_get},
    {"PUT", "/api/v1/admin/orders/:id/sellers/:sellerId/status", SRV_ADMIN, true,
     seller_status},
    {"GET", "/api/v1/admin/analytics", SRV_ADMIN, false, analytics},
};
const size_t srv_routes_admin_count = sizeof srv_routes_admin / sizeof srv_routes_admin[0];
