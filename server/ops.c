/* server/ops.c - placeholder while the ops routes are written. */
#include "server.h"

static void health(srv_req_t *r)
{
    srv_ok(r, 200, NULL, json_pack("{s:s}", "status", "ok"));
}

const srv_route_t srv_routes_ops[] = {
    {"GET", "/health", SRV_OPEN, false, health},
};
const size_t srv_routes_ops_count = 1;
