/* server/routes_catalog.c - placeholder table while the routes are written. */
#include "server.h"

const srv_route_t srv_routes_catalog[] = {{0}};
const size_t srv_routes_catalog_count = 0;
