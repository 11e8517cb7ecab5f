/*
 * server/answer.c - answers built from an encoder's result or a library
 * record, shared by the routes files.
 */
#include "json/json.h"
#include "server.h"

void srv_ok_data(srv_req_t *r, int status, const char *message, json_t *data)
{
    if (data == NULL) {
        srv_fail(r, 500, "Internal server error");
        return;
    }
    srv_ok(r, status, message, data);
}

void srv_answer_order(srv_req_t *r, orders_code_t rc, orders_order_t *order,
                      const orders_error_t *err, int status, const char *message)
{
    if (rc != ORDERS_OK) {
        orders_order_free(order);
        srv_fail_lib(r, rc, err);
        return;
    }
    json_t *data = orders__json_order(order);
    orders_order_free(order);
    srv_ok_data(r, status, message, data);
}

void srv_answer_cart(srv_req_t *r, orders_code_t rc, orders_cart_t *cart,
                     const orders_error_t *err, const char *message)
{
    if (rc != ORDERS_OK) {
        orders_cart_free(cart);
        srv_fail_lib(r, rc, err);
        return;
    }
    json_t *data = orders__json_cart(cart);
    orders_cart_free(cart);
    srv_ok_data(r, 200, message, data);
}
