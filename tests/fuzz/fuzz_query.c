/*
 * fuzz_query - request targets: "PATH?QUERY" as CivetWeb hands them to
 * orders-server (local_uri, query_string).  The path goes through the
 * router (srv_router_match) for each method; the query string goes to the
 * handlers of every list route (GET /orders, /admin/orders, /admin/products,
 * /admin/analytics: ?page, ?limit, ?status, ?sellerId, ?from, ?to), and a
 * GET path that matched a route with parameters runs that route's handler
 * too (the path parameters are the fuzzer's).  The handlers run for real,
 * on a memory store holding the demo catalog.
 *
 * Checked: a match names a route of that method with at most
 * SRV_MAX_PARAMS non-empty parameters; a 405 lists the allowed methods;
 * every handler answers once, with a JSON envelope whose "success" agrees
 * with its status, and never with a 5xx (nothing here can fail inside).
 */
#include <string.h>

#include "fuzz.h"
#include "handler.h"

static srv_t srv;                           /* memory store, router, order cache */
static const char *const list_paths[] = {
    "/api/v1/orders", "/api/v1/admin/orders", "/api/v1/admin/products",
    "/api/v1/admin/analytics",
};
#define NLISTS (sizeof list_paths / sizeof list_paths[0])
static const srv_route_t *list_routes[NLISTS];

static const srv_route_t *route_of(const char *method, const char *path)
{
    char buf[256];
    const char *params[SRV_MAX_PARAMS];
    size_t index, n;
    char allow[64];
    if (srv_router_match(srv.router, method, path, buf, &index, params, &n, allow,
                         sizeof allow) != SRV_MATCHED)
        return NULL;
    return srv_router_at(srv.router, index);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    orders_error_t err;
    srv.router = srv_router_new();
    srv.orders_cache = srv_order_cache_new();
    bool ok = srv.router != NULL && srv.orders_cache != NULL &&
              orders_ctx_new(NULL, &srv.ctx, &err) == ORDERS_OK &&
              orders_ctx_open_store(srv.ctx, "memory:", &err) == ORDERS_OK &&
              srv_demo_catalog_load(srv.ctx, &err) == ORDERS_OK;
    for (size_t i = 0; ok && i < NLISTS; i++)
        ok = (list_routes[i] = route_of("GET", list_paths[i])) != NULL;
    FUZZ_REQUIRE(ok, "the fuzz target's server does not start");
    return 0;
}

/* The path through the router for every method; a GET with parameters
 * runs its handler. */
static void route_path(const char *path, const char *query)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE"};
    size_t len = strlen(path);
    char *buf = malloc(len + 1);
    if (buf == NULL)
        return;
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
        const char *params[SRV_MAX_PARAMS];
        size_t index = 0, n = 0;
        char allow[64];
        srv_match_t got = srv_router_match(srv.router, methods[m], path, buf, &index, params,
                                           &n, allow, sizeof allow);
        if (got == SRV_NO_METHOD)
            FUZZ_REQUIRE(allow[0] != '\0', "a 405 without its Allow methods");
        if (got != SRV_MATCHED)
            continue;
        const srv_route_t *route = srv_router_at(srv.router, index);
        FUZZ_REQUIRE(route != NULL && strcmp(route->method, methods[m]) == 0 &&
                         n <= SRV_MAX_PARAMS,
                     "a match with another method's route or too many parameters");
        for (size_t i = 0; i < n; i++)
            FUZZ_REQUIRE(params[i][0] != '\0' && strchr(params[i], '/') == NULL,
                         "an empty path parameter or one holding a slash");
        if (m == 0 && n > 0 && route->access != SRV_OPEN)
            fuzz_call_handler(&(fuzz_call_t){.srv = &srv, .route = route, .path = path,
                                             .query = query, .params = params, .nparams = n,
                                             .no_5xx = true});
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0; /* CivetWeb refuses longer request lines; http.c paths > 2048 */
    char *target = fuzz_cstring(data, size);
    if (target == NULL)
        return 0;
    char *query = strchr(target, '?');
    if (query != NULL)
        *query++ = '\0';
    route_path(target, query);
    for (size_t i = 0; i < NLISTS; i++)
        fuzz_call_handler(&(fuzz_call_t){.srv = &srv, .route = list_routes[i],
                                         .path = list_paths[i], .query = query,
                                         .no_5xx = true});
    free(target);
    return 0;
}
