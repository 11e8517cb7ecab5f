/* server/routes_inventory.c - placeholder table while the routes are written. */
#include "server.h"

const srv_route_t srv_routes_inventory[] = {{0}};
const size_t srv_routes_inventory_count = 0;
