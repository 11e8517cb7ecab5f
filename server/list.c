/*
 * server/list.c - paged lists: ?page and ?limit for every list route, and
 * the order lists of GET /orders (a customer's) and GET /admin/orders: the
 * status filter and the paged answer.
 */
#include "json/json.h"
#include "server.h"

#define QUERY_INT_MAX INT32_MAX     /* page and limit beyond this are 400 */

/* ?status=NAME into q (any case); false after answering 400. */
static bool list_status(srv_req_t *r, orders_list_query_t *q)
{
    char name[32];
    bool bad = false;
    if (!srv_query_str(r, "status", name, sizeof name, &bad))
        return !bad;
    q->has_status = orders_status_parse(name, &q->status);
    if (!q->has_status)
        srv_fail_field(r, "status",
                       "status must be one of pending, confirmed, processing, shipped, "
                       "delivered, cancelled, failed");
    return q->has_status;
}

bool srv_page_query(srv_req_t *r, int64_t *page, int64_t *limit, int64_t limit_default,
                    int64_t limit_max)
{
    if (!srv_query_int(r, "page", 1, 1, QUERY_INT_MAX, page) ||
        !srv_query_int(r, "limit", limit_default, 1, QUERY_INT_MAX, limit))
        return false;
    if (*limit > limit_max)
        *limit = limit_max;
    return true;
}

bool srv_list_query(srv_req_t *r, orders_list_query_t *q, int64_t limit_default,
                    int64_t limit_max)
{
    return srv_page_query(r, &q->page, &q->limit, limit_default, limit_max) &&
           list_status(r, q);
}

void srv_answer_order_list(srv_req_t *r, const orders_list_query_t *q,
                           json_t *(*summary)(const orders_order_t *o))
{
    orders_order_list_t list = {0};
    orders_error_t err;
    orders_code_t rc = orders_order_list(r->ctx, q, &list, &err);
    if (rc != ORDERS_OK) {
        orders_order_list_clear(&list);
        srv_fail_lib(r, rc, &err);
        return;
    }
    json_t *items = json_array();
    bool ok = items != NULL;
    for (size_t i = 0; ok && i < list.count; i++) {
        json_t *one = summary(list.items[i]);
        ok = one != NULL && json_array_append_new(items, one) == 0;
    }
    json_t *data = NULL;
    if (ok)
        data = orders__json_page(items, q->page, q->limit, list.total);
    else
        json_decref(items);
    orders_order_list_clear(&list);
    srv_ok_data(r, 200, NULL, data);
}
