/*
 * server/routes_orders.c - the customer order routes of API.md Part A
 * (place, list, get, cancel) and Part B (pay, Idempotency-Key), all behind
 * the customer JWT.
 *
 * Every handler scopes its library call to the token's customer (r->who),
 * so another customer's order reads as "Order not found" exactly like a
 * missing one.  Rules (validation, idempotency, stock, state machine,
 * payment) are the library's; what lives here is the HTTP shape: the
 * header, the query parameters and the list's page cap.
 *
 * Thread-safety: handlers run on CivetWeb worker threads and share only
 * the context, whose calls may run concurrently (orders/order.h).
 */
#include <stdint.h>

#include <civetweb.h>

#include "json/json.h"
#include "server.h"

#define LIST_LIMIT_DEFAULT 10
#define LIST_LIMIT_MAX 50           /* API.md: larger values are clamped to it */

/* POST /orders/place: a replay of an Idempotency-Key answers 201 with the
 * first order, as the library returns it. */
static void order_place(srv_req_t *r)
{
    orders_place_request_t req;
    orders_address_t addr;
    orders_order_t *order = NULL;
    orders_error_t err;
    orders_code_t rc = orders__json_place_request(r->body, &req, &addr, &err);
    if (rc == ORDERS_OK) {
        /* length and emptiness are checked by the library (field "Idempotency-Key") */
        req.idempotency_key = mg_get_header(r->conn, "Idempotency-Key");
        rc = orders_order_place(r->ctx, &r->who, &req, &order, &err);
    }
    srv_answer_order(r, rc, order, &err, 201, "Order placed successfully");
}

/* GET /orders?page&limit&status: the customer's orders, newest first. */
static void order_list(srv_req_t *r)
{
    orders_list_query_t q = {.customer_id = r->who.id};
    if (srv_list_query(r, &q, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX))
        srv_answer_order_list(r, &q, orders__json_order_summary);
}

/* GET /orders/:id: the order's current version first (scoped to the
 * customer), then the rendered answer of that version from the cache, or
 * the order read, rendered and kept (order_cache.c). */
static void order_get(srv_req_t *r)
{
    const char *id = r->params[0];
    int64_t version = 0;
    orders_error_t err;
    orders_code_t rc = orders_order_version(r->ctx, id, r->who.id, &version, &err);
    if (rc != ORDERS_OK) {
        srv_fail_lib(r, rc, &err);
        return;
    }
    if (srv_order_cache_answer(r->srv->orders_cache, r, id, version))
        return;
    orders_order_t *order = NULL;
    rc = orders_order_get(r->ctx, id, r->who.id, &order, &err);
    int64_t rendered = order != NULL ? order->version : 0;
    srv_answer_order(r, rc, order, &err, 200, NULL);
    if (rc == ORDERS_OK && r->status == 200)
        srv_order_cache_put(r->srv->orders_cache, id, rendered, r->out, r->out_len);
}

/* PUT /orders/:id/cancel {reason?}: a refund that fails after the
 * cancellation is recorded is a 503 (the admin refund route retries it). */
static void order_cancel(srv_req_t *r)
{
    const char *reason = NULL;
    orders_order_t *order = NULL;
    orders_error_t err;
    orders_code_t rc = orders__json_cancel_request(r->body, &reason, &err);
    if (rc == ORDERS_OK)
        rc = orders_order_cancel(r->ctx, r->params[0], r->who.id, r->actor, reason, &order,
                                 &err);
    srv_answer_order(r, rc, order, &err, 200, "Order cancelled successfully");
}

/* POST /orders/:id/pay: the body, if any, is ignored.  With an
 * Idempotency-Key a retry after the payment settled gets the order again
 * (payment.h). */
static void order_pay(srv_req_t *r)
{
    orders_order_t *order = NULL;
    orders_error_t err;
    orders_code_t rc = orders_order_pay_keyed(r->ctx, r->params[0], r->who.id,
                                              mg_get_header(r->conn, "Idempotency-Key"), &order,
                                              &err);
    srv_answer_order(r, rc, order, &err, 200, "Payment processed");
}

const srv_route_t srv_routes_orders[] = {
    {"GET", "/api/v1/orders", SRV_CUSTOMER, false, order_list},
    {"POST", "/api/v1/orders/place", SRV_CUSTOMER, true, order_place},
    {"GET", "/api/v1/orders/:id", SRV_CUSTOMER, false, order_get},
    {"PUT", "/api/v1/orders/:id/cancel", SRV_CUSTOMER, true, order_cancel},
    {"POST", "/api/v1/orders/:id/pay", SRV_CUSTOMER, true, order_pay},
};
const size_t srv_routes_orders_count = sizeof srv_routes_orders / sizeof srv_routes_orders[0];
