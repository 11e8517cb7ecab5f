/*
 * tests/fuzz/handler.c - see handler.h.
 */
#include <string.h>

#include <civetweb.h>

#include "fuzz.h"
#include "handler.h"

/* The answer left in r: one JSON envelope, success as its status says. */
static void check_answer(const srv_req_t *r, bool no_5xx)
{
    bool server_error = no_5xx ? r->status >= 500 : r->status == 500;
    FUZZ_REQUIRE(r->out != NULL && r->status >= 200 && !server_error,
                 "a request answered with no body or a server error");
    json_t *root = json_loadb(r->out, r->out_len, 0, NULL);
    json_t *success = json_object_get(root, "success");
    FUZZ_REQUIRE(json_is_boolean(success) && json_is_true(success) == (r->status < 400),
                 "an answer whose envelope disagrees with its status");
    json_decref(root);
}

void fuzz_call_handler(const fuzz_call_t *c)
{
    const srv_route_t *route = c->route;
    struct mg_request_info ri = {.request_method = route->method, .local_uri = c->path,
                                 .query_string = c->query};
    char space[32768];
    srv_req_t r = {
        .srv = c->srv,
        .ctx = c->srv->ctx,
        .ri = &ri,
        .route = route,
        .nparams = c->nparams,
        .body = c->body,
        .raw = c->raw,
        .raw_len = c->raw_len,
        .who = {.id = FUZZ_CUSTOMER, .name = "Fuzz Customer", .email = "fuzz@example.com"},
        .actor = route->access == SRV_CUSTOMER ? "customer:" FUZZ_CUSTOMER : "admin",
        .content_type = "application/json",
        .space = space,
        .space_len = sizeof space,
    };
    if (c->nparams > 0)
        memcpy(r.params, c->params, c->nparams * sizeof *c->params);
    route->handler(&r);
    check_answer(&r, c->no_5xx);
    srv_drop_out(&r);
}
