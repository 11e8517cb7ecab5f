/*
 * tests/server/test_srv_http.c - the HTTP behaviour of the dispatcher
 * (server/http.c) that every route shares: 404, 405, 415, 413, body
 * parsing, the request log, the events log, and the token subcommand.
 * Rate limits and configuration are in test_srv_http_limits.c.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jwt.h>

#include "harness.h"

static srvh_t srv;
static char *tok;

static void up(void)
{
    srvh_start(&srv, NULL, NULL);
    tok = srvh_token("http-buyer");
}

static void down(void)
{
    free(tok);
    cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
}

TestSuite(srv_http, .init = up, .fini = down);

/* ---- helpers -------------------------------------------------------------------------- */

/* The customer's cart's number of lines. */
static size_t cart_lines(void)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "GET", "/api/v1/cart", NULL, &r), 200, "%s", r.body);
    size_t n = json_array_size(json_object_get(srvh_data(&r), "items"));
    srvh_resp_clear(&r);
    return n;
}

/* POST /api/v1/cart/add with the token and the given Content-Type (NULL:
 * the harness's application/json). */
static long add_with_type(const char *content_type, const char *body, srvh_resp_t *r)
{
    char auth[2048], ct[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    const char *headers[3] = {auth, NULL, NULL};
    if (content_type != NULL) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        headers[1] = ct;
    }
    return srvh_call(&srv, "POST", "/api/v1/cart/add", headers, body, r);
}

static void expect_error_envelope(const srvh_resp_t *r, const char *message)
{
    cr_expect(json_is_false(json_object_get(r->json, "success")), "%s", r->body);
    cr_expect_str_eq(srvh_message(r), message, "%s", r->body);
    cr_expect_null(json_object_get(r->json, "data"), "%s", r->body);
}

/* The lines of DIR/name once it holds at least want of them (polling up to
 * wait_ms); a NULL-terminated array of strings (free each and the array). */
static char **read_lines(const char *name, size_t want, int wait_ms, size_t *count)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", srv.dir, name);
    for (int waited = 0;; waited += 50) {
        FILE *f = fopen(path, "r");
        char **lines = calloc(1, sizeof *lines);
        size_t n = 0;
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        while (f != NULL && (len = getline(&line, &cap, f)) > 0) {
            if (line[len - 1] == '\n')
                line[len - 1] = '\0';
            lines = realloc(lines, (n + 2) * sizeof *lines);
            cr_assert_not_null(lines);
            lines[n++] = strdup(line);
            lines[n] = NULL;
        }
        free(line);
        if (f != NULL)
            fclose(f);
        if (n >= want || waited >= wait_ms) {
            *count = n;
            return lines;
        }
        for (size_t i = 0; i < n; i++)
            free(lines[i]);
        free(lines);
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
}

static void free_lines(char **lines)
{
    for (size_t i = 0; lines[i] != NULL; i++)
        free(lines[i]);
    free(lines);
}

/* ---- routing ------------------------------------------------------------------------------ */

Test(srv_http, unknown_route_is_404_with_the_error_envelope)
{
    static const char *const paths[] = {"/api/v1/nope", "/api/v1/cart/add/more", "/",
                                        "/api/v1/cartx", "/api/v2/cart"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_customer(&srv, tok, "GET", paths[i], NULL, &r), 404, "%s", paths[i]);
        expect_error_envelope(&r, "Route not found");
        srvh_resp_clear(&r);
    }
}

Test(srv_http, wrong_method_is_405_with_an_allow_header)
{
    static const struct {
        const char *method, *path, *allow;
    } cases[] = {
        {"DELETE", "/api/v1/cart", "GET"},
        {"GET", "/api/v1/cart/add", "POST"},
        {"POST", "/api/v1/orders/abc/cancel", "PUT"},
        {"PATCH", "/api/v1/cart/update", "PUT"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_customer(&srv, tok, cases[i].method, cases[i].path, NULL, &r), 405,
                     "%s %s: %s", cases[i].method, cases[i].path, r.body);
        expect_error_envelope(&r, "Method not allowed");
        char allow[64] = "";
        cr_expect(srvh_header(&r, "Allow", allow, sizeof allow), "%s", cases[i].path);
        cr_expect_str_eq(allow, cases[i].allow, "%s %s", cases[i].method, cases[i].path);
        srvh_resp_clear(&r);
    }
    /* a path with several methods lists each once */
    srvh_resp_t r;
    cr_expect_eq(srvh_admin(&srv, "DELETE", "/api/v1/admin/products/p1", NULL, &r), 405);
    char allow[64] = "";
    cr_expect(srvh_header(&r, "Allow", allow, sizeof allow));
    cr_expect_str_eq(allow, "GET, PUT");
    srvh_resp_clear(&r);
}

/* A method CivetWeb itself does not accept never reaches the router; its
 * 400 still comes in the error envelope, as JSON, and the server goes on. */
Test(srv_http, an_unknown_method_is_400_with_the_error_envelope)
{
    static const char *const methods[] = {"FOO", "BREW"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_customer(&srv, tok, methods[i], "/api/v1/cart", NULL, &r), 400,
                     "%s: %s", methods[i], r.body);
        char type[64] = "";
        cr_expect(srvh_header(&r, "Content-Type", type, sizeof type));
        cr_expect_str_eq(type, "application/json");
        expect_error_envelope(&r, "Bad Request");
        srvh_resp_clear(&r);
    }
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&srv, tok, "GET", "/api/v1/cart", NULL, &r), 200, "%s", r.body);
    srvh_resp_clear(&r);
}

/* ---- request bodies ------------------------------------------------------------------------ */

Test(srv_http, non_json_content_type_is_415_and_changes_nothing)
{
    static const char *const types[] = {"text/plain", "application/x-www-form-urlencoded",
                                        "application/jsonx"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(add_with_type(types[i], "{\"productId\":\"prod-mug\",\"quantity\":1}", &r),
                     415, "%s: %s", types[i], r.body);
        expect_error_envelope(&r, "Content-Type must be application/json");
        srvh_resp_clear(&r);
    }
    cr_expect_eq(cart_lines(), 0u, "a refused add changes nothing");
    /* parameters and case do not matter */
    srvh_resp_t r;
    cr_expect_eq(add_with_type("Application/JSON; charset=utf-8",
                               "{\"productId\":\"prod-mug\",\"quantity\":1}", &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
}

Test(srv_http, a_body_over_64_kib_is_413)
{
    size_t pad = 70 * 1024;
    char *body = malloc(pad + 100);
    cr_assert_not_null(body);
    int n = snprintf(body, 100, "{\"productId\":\"prod-mug\",\"quantity\":1,\"pad\":\"");
    memset(body + n, 'x', pad);
    strcpy(body + n + pad, "\"}");
    srvh_resp_t r;
    cr_expect_eq(add_with_type(NULL, body, &r), 413, "%.200s", r.body);
    expect_error_envelope(&r, "Request body too large (limit 64 KiB)");
    srvh_resp_clear(&r);
    free(body);
    cr_expect_eq(cart_lines(), 0u, "a refused add changes nothing");
}

Test(srv_http, malformed_json_is_400_naming_the_problem)
{
    srvh_resp_t r;
    cr_expect_eq(add_with_type(NULL, "{\"productId\": \"prod-mug\", \"quantity\": }", &r), 400,
                 "%s", r.body);
    const char *msg = srvh_message(&r);
    cr_expect(strncmp(msg, "Malformed JSON: ", 16) == 0, "%s", msg);
    cr_expect(strstr(msg, "line 1") != NULL, "the message says where: %s", msg);
    cr_expect(json_is_false(json_object_get(r.json, "success")));
    srvh_resp_clear(&r);

    cr_expect_eq(add_with_type(NULL, "{\"productId\":\"a\",\"productId\":\"b\",\"quantity\":1}",
                               &r),
                 400, "duplicate keys are refused: %s", r.body);
    cr_expect(strstr(srvh_message(&r), "duplicate") != NULL, "%s", srvh_message(&r));
    srvh_resp_clear(&r);
    /* a NUL escape: said plainly, without jansson's flag names */
    cr_expect_eq(add_with_type(NULL, "{\"productId\":\"a\\u0000b\",\"quantity\":1}", &r), 400,
                 "%s", r.body);
    cr_expect(strstr(srvh_message(&r), "\\u0000 is not allowed in strings") != NULL, "%s",
              srvh_message(&r));
    cr_expect(strstr(srvh_message(&r), "JSON_") == NULL, "%s", srvh_message(&r));
    srvh_resp_clear(&r);
    cr_expect_eq(cart_lines(), 0u);
}

Test(srv_http, a_json_array_body_is_400)
{
    srvh_resp_t r;
    cr_expect_eq(add_with_type(NULL, "[{\"productId\":\"prod-mug\",\"quantity\":1}]", &r),
                 400, "%s", r.body);
    expect_error_envelope(&r, "The request body must be a JSON object");
    srvh_resp_clear(&r);
    cr_expect_eq(cart_lines(), 0u);
}

/* 42, "text" and null are well-formed JSON (RFC 8259): the complaint is
 * that they are not objects, not that they are malformed. */
Test(srv_http, a_json_scalar_body_is_400_not_an_object)
{
    static const char *const bodies[] = {"42", "\"text\"", "null"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(add_with_type(NULL, bodies[i], &r), 400, "%s: %s", bodies[i], r.body);
        expect_error_envelope(&r, "The request body must be a JSON object");
        srvh_resp_clear(&r);
    }
    cr_expect_eq(cart_lines(), 0u);
}

Test(srv_http, head_answers_the_get_headers_without_a_body)
{
    srvh_resp_t get, head;
    cr_assert_eq(srvh_call(&srv, "GET", "/health", NULL, NULL, &get), 200);
    cr_assert_eq(srvh_call(&srv, "HEAD", "/health", NULL, NULL, &head), 200, "%s", head.headers);
    char len[32];
    cr_assert(srvh_header(&head, "Content-Length", len, sizeof len));
    cr_expect_gt(atol(len), 0, "HEAD keeps the GET's Content-Length");
    cr_expect_eq(head.len, 0, "HEAD has no body");
    /* The connection stays usable: a later request on a new handle works. */
    srvh_resp_clear(&head);
    cr_expect_eq(srvh_call(&srv, "HEAD", "/api/v1/cart/add", NULL, NULL, &head), 405);
    srvh_resp_clear(&head);
    srvh_resp_clear(&get);
}

Test(srv_http, unknown_fields_are_ignored)
{
    srvh_resp_t r;
    cr_expect_eq(add_with_type(NULL,
                               "{\"productId\":\"prod-mug\",\"quantity\":2,\"colour\":\"red\","
                               "\"extra\":{\"nested\":[1,2]}}",
                               &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(cart_lines(), 1u);
}

Test(srv_http, a_missing_body_reads_as_an_empty_object)
{
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&srv, tok, "POST", "/api/v1/cart/add", NULL, &r), 400, "%s",
                 r.body);
    json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(e, "field")), "productId", "%s", r.body);
    srvh_resp_clear(&r);
}

Test(srv_http, limits_are_off_when_set_to_zero)
{
    /* the harness starts with --rate-limit-customer 0: more than the
     * default 100 requests all pass */
    for (int i = 0; i < 105; i++) {
        srvh_resp_t r;
        long st = srvh_customer(&srv, tok, "GET", "/api/v1/cart", NULL, &r);
        srvh_resp_clear(&r);
        cr_assert_eq(st, 200, "request %d", i + 1);
    }
    for (int i = 0; i < 3; i++) {
        srvh_resp_t r;
        cr_assert_eq(srvh_admin(&srv, "GET", "/api/v1/admin/orders", NULL, &r), 200, "%s",
                     r.body);
        srvh_resp_clear(&r);
    }
}

/* ---- logs ---------------------------------------------------------------------------------- */

Test(srv_http, request_log_has_one_json_line_per_request_without_secrets)
{
    const char *bad = "Authorization: Bearer not.a-valid.token-SECRET-LOOKING";
    const char *hdrs[] = {bad, NULL};
    srvh_resp_t r;
    srvh_customer(&srv, tok, "GET", "/api/v1/cart", NULL, &r);
    srvh_resp_clear(&r);
    srvh_call(&srv, "GET", "/api/v1/cart", hdrs, NULL, &r);
    srvh_resp_clear(&r);
    srvh_call(&srv, "GET", "/no-such-route?q=1", NULL, NULL, &r);
    srvh_resp_clear(&r);
    srvh_admin(&srv, "GET", "/api/v1/admin/orders", NULL, &r);
    srvh_resp_clear(&r);

    size_t n;
    char **lines = read_lines("requests.log", 4, 2000, &n);
    cr_assert_eq(n, 4u, "one line per request");
    static const struct {
        const char *method, *route;
        long status;
    } want[] = {
        {"GET", "/api/v1/cart", 200},
        {"GET", "/api/v1/cart", 401},
        {"GET", "(none)", 404},
        {"GET", "/api/v1/admin/orders", 200},
    };
    /* a line is written after its answer is sent, so they may come in
     * any order */
    bool seen[4] = {false};
    for (size_t i = 0; i < n; i++) {
        json_t *j = json_loads(lines[i], 0, NULL);
        cr_assert(json_is_object(j), "not JSON: %s", lines[i]);
        const char *method = json_string_value(json_object_get(j, "method"));
        const char *route = json_string_value(json_object_get(j, "route"));
        json_t *status = json_object_get(j, "status");
        cr_assert(method && route && json_is_integer(status), "%s", lines[i]);
        cr_expect(json_is_number(json_object_get(j, "ms")), "%s", lines[i]);
        cr_expect(json_is_string(json_object_get(j, "ts")), "%s", lines[i]);
        for (size_t w = 0; w < 4; w++)
            if (!strcmp(method, want[w].method) && !strcmp(route, want[w].route) &&
                json_integer_value(status) == want[w].status) {
                cr_expect_not(seen[w], "twice: %s", lines[i]);
                seen[w] = true;
                if (w == 0)
                    cr_expect_str_eq(json_string_value(json_object_get(j, "customer")),
                                     "http-buyer", "%s", lines[i]);
            }
        cr_expect(strstr(lines[i], tok) == NULL, "the token is logged: %s", lines[i]);
        cr_expect(strstr(lines[i], "SECRET-LOOKING") == NULL, "a token is logged: %s", lines[i]);
        cr_expect(strstr(lines[i], SRVH_SERVICE_KEY) == NULL, "the key is logged: %s",
                  lines[i]);
        cr_expect(strstr(lines[i], "Bearer") == NULL, "%s", lines[i]);
        json_decref(j);
    }
    for (size_t w = 0; w < 4; w++)
        cr_expect(seen[w], "no line for %s %s %ld", want[w].method, want[w].route,
                  want[w].status);
    free_lines(lines);
}

Test(srv_http, events_log_gets_json_lines_after_a_placement)
{
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    size_t n = 0;
    char **lines = NULL;
    bool found = false;
    /* the dispatcher thread delivers within about a second */
    for (int tries = 0; !found && tries < 50; tries++) {
        if (lines != NULL)
            free_lines(lines);
        lines = read_lines("events.log", 1, 100, &n);
        for (size_t i = 0; i < n && !found; i++) {
            json_t *j = json_loads(lines[i], 0, NULL);
            const char *type = json_string_value(json_object_get(j, "type"));
            const char *order = json_string_value(json_object_get(j, "orderId"));
            found = type && order && !strcmp(type, "order_placed") && !strcmp(order, id);
            json_decref(j);
        }
    }
    cr_expect(found, "no order_placed event for %s in %zu lines", id, n);
    for (size_t i = 0; i < n; i++) {
        json_t *j = json_loads(lines[i], 0, NULL);
        cr_expect(json_is_object(j), "not JSON: %s", lines[i]);
        cr_expect(json_is_string(json_object_get(j, "type")), "%s", lines[i]);
        json_decref(j);
    }
    free_lines(lines);
    free(id);
}

/* ---- orders-server token ---------------------------------------------------------------------- */


Test(srv_http, token_subcommand_prints_a_token_the_server_accepts)
{
    setenv("ORDERS_JWT_SECRET", SRVH_SECRET, 1);
    unsetenv("ORDERS_CONFIG");
    int status;
    char *out = srvh_run("'" ORDERS_SERVER_BIN "' token --customer c9 --name N --email E --ttl 60",
                    &status);
    cr_assert_eq(status, 0, "%s", out);
    out[strcspn(out, "\r\n")] = '\0';
    cr_assert_gt(strlen(out), 20u, "%s", out);

    jwt_t *j = NULL;
    cr_assert_eq(jwt_decode(&j, out, (const unsigned char *)SRVH_SECRET, strlen(SRVH_SECRET)),
                 0, "the token verifies with the secret");
    cr_expect_eq(jwt_get_alg(j), JWT_ALG_HS256);
    const char *id = jwt_get_grant(j, "id") ? jwt_get_grant(j, "id") : jwt_get_grant(j, "sub");
    cr_expect_str_eq(id, "c9");
    cr_expect_str_eq(jwt_get_grant(j, "name"), "N");
    cr_expect_str_eq(jwt_get_grant(j, "email"), "E");
    long exp = jwt_get_grant_int(j, "exp");
    long now = (long)time(NULL);
    cr_expect(exp >= now + 50 && exp <= now + 61, "exp %ld is about 60 s from %ld", exp, now);
    jwt_free(j);

    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&srv, out, "GET", "/api/v1/cart", NULL, &r), 200, "%s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(srvh_data(&r), "customerId")), "c9");
    srvh_resp_clear(&r);
    free(out);

    unsetenv("ORDERS_JWT_SECRET");
    out = srvh_run("'" ORDERS_SERVER_BIN "' token --customer c9 2>&1", &status);
    cr_expect_neq(status, 0, "no secret: %s", out);
    cr_expect(strstr(out, "ORDERS_JWT_SECRET") != NULL, "%s", out);
    free(out);
}

/* A configuration refused after some options were read: the token
 * subcommand exits 2 and frees them (in the ASan build a leak here makes
 * LeakSanitizer turn the exit status into 23). */
Test(srv_http, token_subcommand_with_a_bad_option_exits_2)
{
    unsetenv("ORDERS_CONFIG");
    int status;
    char *out = srvh_run("ORDERS_JWT_SECRET=" SRVH_SECRET " ORDERS_THREADS=1 '" ORDERS_SERVER_BIN
                         "' token --customer c9 2>&1",
                         &status);
    cr_expect_eq(status, 2, "%s", out);
    cr_expect(strstr(out, "ORDERS_THREADS must be between 2 and 1024") != NULL, "%s", out);
    free(out);
}
