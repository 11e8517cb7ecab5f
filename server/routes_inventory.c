/*
 * server/routes_inventory.c - the inventory routes of API.md (service key,
 * no rate limit): availability checks, reservations outside placement,
 * and stock levels.
 *
 * Each handler decodes its body with json/catalog.c, makes one library
 * call (orders/inventory.h) and answers with its shape.  The rules (all or
 * none, never below zero, the reservation window, expiry) are the
 * library's; the reservation window of a request without
 * expirationMinutes is the library's configured one, which main.c sets
 * from --reservation-minutes.
 */
#include "json/json.h"
#include "server.h"

/* POST /inventory/check {items}: unknown products count as 0 available
 * (the library's rule). */
static void inventory_check(srv_req_t *r)
{
    orders_item_request_t items[ORDERS__JSON_ITEMS_MAX];
    int64_t available[ORDERS__JSON_ITEMS_MAX];
    bool ok[ORDERS__JSON_ITEMS_MAX];
    bool all_ok = false;
    size_t n = 0;
    orders_error_t err;
    orders_code_t rc = orders__json_check_request(r->body, items, &n, &err);
    if (rc == ORDERS_OK)
        rc = orders_inventory_check(r->ctx, items, n, available, ok, &all_ok, &err);
    if (rc != ORDERS_OK) {
        srv_fail_lib(r, rc, &err);
        return;
    }
    srv_ok_data(r, 200, NULL, orders__json_inventory_check(items, n, available, ok, all_ok));
}

/* POST /inventory/reserve {orderId, items, expirationMinutes?}: 201 with
 * the reservation; all items or none (422 naming the short product).  The
 * same request again returns the first reservation; other lines for the
 * same order id are 409 (orders_reservation_create). */
static void inventory_reserve(srv_req_t *r)
{
    orders_item_request_t items[ORDERS__JSON_ITEMS_MAX];
    size_t n = 0;
    const char *order_id = NULL;
    int64_t window_ms = 0;
    orders_reservation_t *res = NULL;
    orders_error_t err;
    orders_code_t rc =
        orders__json_reserve_request(r->body, &order_id, items, &n, &window_ms, &err);
    if (rc == ORDERS_OK)
        rc = orders_reservation_create(r->ctx, order_id, NULL, items, n, window_ms, &res,
                                       &err);
    if (rc != ORDERS_OK) {
        srv_fail_lib(r, rc, &err);
        return;
    }
    json_t *data = orders__json_reservation(res);
    orders_reservation_free(res);
    srv_ok_data(r, 201, "Inventory reserved", data);
}

/* POST /inventory/release {orderId}: the reserved units become available
 * again; 404 without a reservation, 409 when it is no longer active. */
static void inventory_release(srv_req_t *r)
{
    const char *order_id;
    orders_error_t err;
    orders_code_t rc = orders__json_order_id(r->body, &order_id, &err);
    if (rc == ORDERS_OK)
        rc = orders_reservation_release(r->ctx, order_id, &err);
    if (rc != ORDERS_OK) {
        srv_fail_lib(r, rc, &err);
        return;
    }
    srv_ok(r, 200, "Inventory released", NULL);
}

/* POST /inventory/confirm {orderId}: the reserved units become sold; 404
 * without a reservation, 409 when it expired or is no longer active. */
static void inventory_confirm(srv_req_t *r)
{
    const char *order_id;
    orders_error_t err;
    orders_code_t rc = orders__json_order_id(r->body, &order_id, &err);
    if (rc == ORDERS_OK)
        rc = orders_reservation_confirm(r->ctx, order_id, &err);
    if (rc != ORDERS_OK) {
        srv_fail_lib(r, rc, &err);
        return;
    }
    srv_ok(r, 200, "Inventory confirmed", NULL);
}

/* Answers 200 with the stock of product_id, or the library's failure. */
static void answer_stock(srv_req_t *r, orders_code_t rc, const orders_stock_t *s,
                         const orders_error_t *err, const char *message)
{
    if (rc != ORDERS_OK) {
        srv_fail_lib(r, rc, err);
        return;
    }
    srv_ok_data(r, 200, message, orders__json_stock(r->params[0], s));
}

/* GET /inventory/stock/:productId. */
static void stock_get(srv_req_t *r)
{
    orders_stock_t s = {0};
    orders_error_t err;
    orders_code_t rc = orders_stock_get(r->ctx, r->params[0], &s, &err);
    answer_stock(r, rc, &s, &err, NULL);
}

/* PUT /inventory/stock/:productId {available}: sets the available count. */
static void stock_set(srv_req_t *r)
{
    int64_t available;
    orders_stock_t s = {0};
    orders_error_t err;
    orders_code_t rc = orders__json_stock_set(r->body, &available, &err);
    if (rc == ORDERS_OK)
        rc = orders_stock_set(r->ctx, r->params[0], available, &s, &err);
    answer_stock(r, rc, &s, &err, "Stock updated");
}

/* POST /inventory/stock/:productId/adjust {delta, reason?}: never below
 * zero (409).  The reason is checked to be a string but not kept: the
 * library's adjust call has nowhere to record it. */
static void stock_adjust(srv_req_t *r)
{
    int64_t delta;
    const char *reason;
    orders_stock_t s = {0};
    orders_error_t err;
    orders_code_t rc = orders__json_stock_adjust(r->body, &delta, &reason, &err);
    if (rc == ORDERS_OK)
        rc = orders_stock_adjust(r->ctx, r->params[0], delta, &s, &err);
    answer_stock(r, rc, &s, &err, "Stock adjusted");
}

const srv_route_t srv_routes_inventory[] = {
    {"POST", "/api/v1/inventory/check", SRV_SERVICE, true, inventory_check},
    {"POST", "/api/v1/inventory/reserve", SRV_SERVICE, true, inventory_reserve},
    {"POST", "/api/v1/inventory/release", SRV_SERVICE, true, inventory_release},
    {"POST", "/api/v1/inventory/confirm", SRV_SERVICE, true, inventory_confirm},
    {"GET", "/api/v1/inventory/stock/:productId", SRV_SERVICE, false, stock_get},
    {"PUT", "/api/v1/inventory/stock/:productId", SRV_SERVICE, true, stock_set},
    {"POST", "/api/v1/inventory/stock/:productId/adjust", SRV_SERVICE, true, stock_adjust},
};
const size_t srv_routes_inventory_count =
    sizeof srv_routes_inventory / sizeof srv_routes_inventory[0];
