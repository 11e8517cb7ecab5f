/*
 * server/routes_outbox.c - the outbox admin routes (service key, admin
 * rate limit):
 *     GET  /api/v1/admin/outbox           {pending, dead} counts
 *     POST /api/v1/admin/outbox/requeue   dead letters back to pending
 *
 * Both are one library call (orders_outbox_counts, orders_outbox_requeue);
 * the library checks the event id and the limit, and its codes become
 * statuses through srv_fail_lib (404 unknown event, 409 not a dead letter,
 * 400 naming the field).  Only the HTTP default of limit lives here.
 */
#include "json/json.h"
#include "server.h"

#define REQUEUE_LIMIT_DEFAULT 1000

static void outbox_counts(srv_req_t *r)
{
    int64_t pending = 0, dead = 0;
    orders_error_t err;
    orders_code_t rc = orders_outbox_counts(r->ctx, &pending, &dead, &err);
    if (rc != ORDERS_OK) {
        srv_fail_lib(r, rc, &err);
        return;
    }
    srv_ok_data(r, 200, NULL, orders__json_outbox_counts(pending, dead));
}

static void outbox_requeue(srv_req_t *r)
{
    const char *event_id = NULL;
    int64_t limit = REQUEUE_LIMIT_DEFAULT, moved = 0;
    orders_error_t err;
    orders_code_t rc = orders__json_requeue_request(r->body, &event_id, &limit, &err);
    if (rc == ORDERS_OK)
        rc = orders_outbox_requeue(r->ctx, event_id, limit, &moved, &err);
    if (rc != ORDERS_OK) {
        srv_fail_lib(r, rc, &err);
        return;
    }
    srv_ok_data(r, 200, "Dead letters requeued", orders__json_requeued(moved));
}

const srv_route_t srv_routes_outbox[] = {
    {"GET", "/api/v1/admin/outbox", SRV_ADMIN, false, outbox_counts},
    {"POST", "/api/v1/admin/outbox/requeue", SRV_ADMIN, true, outbox_requeue},
};
const size_t srv_routes_outbox_count = sizeof srv_routes_outbox / sizeof srv_routes_outbox[0];
