/*
 * server/ops.c - the operations routes (no credentials, no rate limit):
 * GET /health, GET /metrics (Prometheus text) and GET /openapi.json (the
 * API description, docs/openapi.json embedded at build time by
 * cmake/OrdersEmbed.cmake).
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* Generated from docs/openapi.json (server/CMakeLists.txt). */
extern const char srv_openapi_json[];
extern const unsigned long srv_openapi_json_len;

/* {name: {status, latencyMs, error?}} of every HTTP service the server
 * uses; *all_up is false when one is down. */
static json_t *dependencies(srv_req_t *r, bool *all_up)
{
    srv_dep_state_t st[SRV_DEPS_MAX];
    size_t n = srv_deps_check(r->srv->deps, st);
    json_t *deps = json_object();
    *all_up = true;
    for (size_t i = 0; deps != NULL && i < n; i++) {
        json_t *d = json_pack("{s:s, s:f}", "status", st[i].up ? "up" : "down", "latencyMs",
                              (double)st[i].latency_us / 1000.0);
        if (d != NULL && !st[i].up)
            json_object_set_new(d, "error", json_string(st[i].error));
        json_object_set_new(deps, st[i].name, d ? d : json_null());
        *all_up = *all_up && st[i].up;
    }
    return deps;
}

/* Health data: the store's name, state and answer time, the outbox, and
 * every dependency.  "ok" when all are up, else "degraded". */
static json_t *health_data(srv_req_t *r, bool up, const orders_ops_counts_t *c, int64_t took_us)
{
    const orders_store_vtable_t *st = orders_ctx_store(r->ctx, NULL);
    const char *name = st && st->name ? st->name : "none";
    int64_t uptime_s = (srv_now_ms() - r->srv->started_ms) / 1000;
    json_t *store = json_pack("{s:s, s:s, s:f}", "name", name, "status", up ? "up" : "down",
                              "latencyMs", (double)took_us / 1000.0);
    json_t *outbox = up ? json_pack("{s:I, s:I}", "pending", (json_int_t)c->outbox_pending,
                                    "dead", (json_int_t)c->outbox_dead)
                        : json_pack("{s:n, s:n}", "pending", "dead");
    bool deps_up = true;
    json_t *deps = dependencies(r, &deps_up);
    return json_pack("{s:s, s:I, s:s, s:o, s:o, s:o}", "status",
                     up && deps_up ? "ok" : "degraded", "uptimeSeconds",
                     (json_int_t)(uptime_s > 0 ? uptime_s : 0), "version",
                     orders_version_string(), "store", store, "outbox", outbox,
                     "dependencies", deps);
}

/* 503 with the error envelope around the health data (stolen): the
 * balancer takes the server out, the operator still sees why. */
static void answer_degraded(srv_req_t *r, json_t *data)
{
    json_t *root = json_pack("{s:b, s:s, s:o}", "success", 0, "message",
                             "Service degraded: the store does not answer", "data", data);
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(root);
    if (text == NULL) {
        srv_fail(r, 503, "Service degraded: the store does not answer");
        return;
    }
    srv_text(r, 503, "application/json", text, strlen(text));
    free(text);
}

/*
 * 200 while the store answers, even when a service is down ("degraded"
 * names it): the server still serves what does not need that service, and
 * a balancer that took every instance out over a shared dependency would
 * turn a partial outage into a whole one.  503 when the store is down.
 */
static void health(srv_req_t *r)
{
    /* Only the outbox counts: a health probe may come every second, and the
     * reservation counts of orders_ops_counts grow with the history. */
    orders_ops_counts_t c = {0};
    orders_error_t err = {0};
    int64_t t0 = srv_mono_us();
    bool up = orders_outbox_counts(r->ctx, &c.outbox_pending, &c.outbox_dead, &err) == ORDERS_OK;
    int64_t took_us = srv_mono_us() - t0;
    json_t *data = health_data(r, up, &c, took_us);
    if (data == NULL) {
        srv_fail(r, 500, "Internal server error");
        return;
    }
    if (up) {
        srv_ok(r, 200, NULL, data);
        return;
    }
    snprintf(r->detail, sizeof r->detail, "%s", err.message);
    answer_degraded(r, data);
}

static void metrics(srv_req_t *r)
{
    char *text = srv_metrics_render(r->srv->metrics, r->ctx);
    if (text == NULL) {
        srv_fail(r, 500, "Internal server error");
        return;
    }
    srv_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
    free(text);
}

static void openapi(srv_req_t *r)
{
    srv_text(r, 200, "application/json", srv_openapi_json, (size_t)srv_openapi_json_len);
}

const srv_route_t srv_routes_ops[] = {
    {"GET", "/health", SRV_OPEN, false, health},
    {"GET", "/metrics", SRV_OPEN, false, metrics},
    {"GET", "/openapi.json", SRV_OPEN, false, openapi},
};
const size_t srv_routes_ops_count = sizeof srv_routes_ops / sizeof srv_routes_ops[0];
