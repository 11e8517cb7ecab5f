/*
 * server/router.c - the route tables of routes_*.c and ops.c in one list,
 * and matching a method and a path against it.
 *
 * A pattern is a path whose segments are literal ("orders") or parameters
 * (":id", any non-empty segment).  A path matches when every segment does;
 * a literal beats a parameter only by table order, so tables list literal
 * routes ("bulk-status") before parameter ones (":id") at the same depth.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

struct srv_router {
    const srv_route_t **routes;
    size_t count;
};

static const struct {
    const srv_route_t *table;
    const size_t *count;
} tables[] = {
    {srv_routes_cart, &srv_routes_cart_count},
    {srv_routes_orders, &srv_routes_orders_count},
    {srv_routes_admin, &srv_routes_admin_count},
    {srv_routes_catalog, &srv_routes_catalog_count},
    {srv_routes_inventory, &srv_routes_inventory_count},
    {srv_routes_ops, &srv_routes_ops_count},
    {srv_routes_payments, &srv_routes_payments_count},
    {srv_routes_outbox, &srv_routes_outbox_count},
};

srv_router_t *srv_router_new(void)
{
    size_t n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        n += *tables[t].count;
    srv_router_t *rt = calloc(1, sizeof *rt);
    if (rt == NULL || (rt->routes = calloc(n ? n : 1, sizeof *rt->routes)) == NULL) {
        free(rt);
        return NULL;
    }
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (size_t i = 0; i < *tables[t].count; i++)
            rt->routes[rt->count++] = &tables[t].table[i];
    return rt;
}

void srv_router_free(srv_router_t *rt)
{
    if (rt == NULL)
        return;
    free(rt->routes);
    free(rt);
}

size_t srv_router_count(const srv_router_t *rt)
{
    return rt->count;
}

const srv_route_t *srv_router_at(const srv_router_t *rt, size_t i)
{
    return i < rt->count ? rt->routes[i] : NULL;
}

/* Splits path (a copy in buf) into segments; false when there are too many. */
static bool split(const char *path, char *buf, const char **seg, size_t max, size_t *n)
{
    strcpy(buf, path);
    *n = 0;
    char *p = buf;
    while (*p == '/')
        p++;
    while (*p != '\0') {
        if (*n == max)
            return false;
        seg[(*n)++] = p;
        char *slash = strchr(p, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        p = slash + 1;
        if (*p == '\0')          /* one trailing slash is allowed */
            break;
        if (*p == '/')           /* empty segment: no route has one */
            return false;
    }
    return true;
}

/* Does pattern match the segments?  Parameters go to params. */
static bool match_pattern(const char *pattern, const char *const *seg, size_t nseg,
                          const char **params, size_t *nparams)
{
    size_t i = 0;
    *nparams = 0;
    const char *p = pattern;
    while (*p == '/')
        p++;
    while (*p != '\0') {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (i == nseg)
            return false;
        if (*p == ':') {
            if (*nparams == SRV_MAX_PARAMS)
                return false;
            params[(*nparams)++] = seg[i];
        } else if (strlen(seg[i]) != len || memcmp(seg[i], p, len) != 0) {
            return false;
        }
        i++;
        p += len;
        while (*p == '/')
            p++;
    }
    return i == nseg;
}

static void add_allow(char *allow, size_t len, const char *method)
{
    if (strstr(allow, method) != NULL)
        return;
    size_t used = strlen(allow);
    snprintf(allow + used, len - used, "%s%s", used ? ", " : "", method);
}

srv_match_t srv_router_match(const srv_router_t *rt, const char *method, const char *path,
                             char *path_buf, size_t *index, const char **params,
                             size_t *nparams, char *allow, size_t allow_len)
{
    const char *seg[16];
    size_t nseg;
    if (allow_len)
        allow[0] = '\0';
    if (!split(path, path_buf, seg, sizeof seg / sizeof seg[0], &nseg))
        return SRV_NO_ROUTE;
    bool path_known = false;
    const char *tmp[SRV_MAX_PARAMS];
    size_t ntmp;
    for (size_t i = 0; i < rt->count; i++) {
        const srv_route_t *r = rt->routes[i];
        if (!match_pattern(r->pattern, seg, nseg, tmp, &ntmp))
            continue;
        if (strcmp(r->method, method) == 0) {
            *index = i;
            *nparams = ntmp;
            memcpy(params, tmp, ntmp * sizeof *tmp);
            return SRV_MATCHED;
        }
        path_known = true;
        add_allow(allow, allow_len, r->method);
    }
    return path_known ? SRV_NO_METHOD : SRV_NO_ROUTE;
}
