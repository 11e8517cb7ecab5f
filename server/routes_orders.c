/* server/routes_orders.c - placeholder table while the routes are written. */
#include "server.h"

const srv_route_t srv_routes_orders[] = {{0}};
const size_t srv_routes_orders_count = 0;
