/* server/routes_admin.c - placeholder table while the routes are written. */
#include "server.h"

const srv_route_t srv_routes_admin[] = {{0}};
const size_t srv_routes_admin_count = 0;
