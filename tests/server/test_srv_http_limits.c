/*
 * tests/server/test_srv_http_limits.c - rate limits over HTTP (429 with
 * Retry-After), and where options come from: a --config file, the
 * environment and flags, in rising precedence.  Each test starts its own
 * server; the suite's .fini stops it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

static srvh_t srv;

static void down(void)
{
    if (srv.pid > 0)
        cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
}

TestSuite(srv_http_limits, .fini = down);

/* ---- helpers -------------------------------------------------------------------------- */

/* GET path (customer token, or the service key when token is NULL) until
 * the first 429 or max requests; the number answered 200 before it.  The
 * 429 itself is left in *last (clear it), or status 0 when none came. */
static int count_until_429(const char *token, const char *path, int max, srvh_resp_t *last)
{
    memset(last, 0, sizeof *last);
    for (int i = 0; i < max; i++) {
        srvh_resp_t r;
        long st = token ? srvh_customer(&srv, token, "GET", path, NULL, &r)
                        : srvh_admin(&srv, "GET", path, NULL, &r);
        if (st == 429) {
            *last = r;
            return i;
        }
        cr_assert_eq(st, 200, "request %d to %s: %s", i + 1, path, r.body);
        srvh_resp_clear(&r);
    }
    return max;
}

/* A 429 carries the error envelope and Retry-After: whole seconds, >= 1,
 * within the 15-minute window. */
static void expect_429(const srvh_resp_t *r)
{
    cr_assert_eq(r->status, 429, "no 429 came");
    cr_expect(json_is_false(json_object_get(r->json, "success")), "%s", r->body);
    cr_expect_str_eq(srvh_message(r), "Too many requests, please try again later");
    char v[32] = "";
    cr_assert(srvh_header(r, "Retry-After", v, sizeof v), "no Retry-After header");
    char *end;
    long secs = strtol(v, &end, 10);
    cr_expect(end != v && *end == '\0', "Retry-After \"%s\" is whole seconds", v);
    cr_expect(secs >= 1 && secs <= 900, "Retry-After %ld", secs);
}

static void new_dir(srvh_t *s)
{
    memset(s, 0, sizeof *s);
    const char *tmp = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/orders-srv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(s->dir), "mkdtemp: %s", strerror(errno));
    snprintf(s->db, sizeof s->db, "%s/orders.db", s->dir);
}

/* Writes text to DIR/name; its path into path. */
static void write_file(const srvh_t *s, const char *name, const char *text, char *path,
                       size_t len)
{
    snprintf(path, len, "%s/%s", s->dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/*
 * Starts orders-server in s->dir (new_dir) like the harness, but WITHOUT
 * the harness's rate-limit flags, so a config file or the environment can
 * set them; extra flags (NULL-terminated) follow.  The environment of this
 * test process is passed on.
 */
static void start_plain(srvh_t *s, const char *const *extra)
{
    char store[320], events[300], log[300];
    snprintf(store, sizeof store, "sqlite:%s", s->db);
    snprintf(events, sizeof events, "%s/events.log", s->dir);
    snprintf(log, sizeof log, "%s/requests.log", s->dir);
    const char *args[32] = {
        "--port", "0", "--store", store, "--jwt-secret", SRVH_SECRET,
        "--service-key", SRVH_SERVICE_KEY, "--demo-catalog", "--threads", "4",
        "--events-log", events, "--log", log,
    };
    size_t argc = 15;
    for (size_t i = 0; extra && extra[i] && argc < 31; i++)
        args[argc++] = extra[i];
    args[argc] = NULL;
    srvh_spawn(s, args);
}

/* The customer limit the running server applies: requests before a 429. */
static int customer_limit(void)
{
    char *tok = srvh_token("limit-buyer");
    srvh_resp_t r;
    int n = count_until_429(tok, "/api/v1/cart", 12, &r);
    if (n < 12)
        expect_429(&r);
    srvh_resp_clear(&r);
    free(tok);
    return n;
}

/* ---- rate limits ------------------------------------------------------------------------------ */

Test(srv_http_limits, customer_limit_is_per_customer_with_retry_after)
{
    srvh_start(&srv, NULL, (const char *const[]){"--rate-limit-customer", "3", NULL});
    char *a = srvh_token("buyer-a");
    char *b = srvh_token("buyer-b");
    srvh_resp_t r;
    cr_expect_eq(count_until_429(a, "/api/v1/cart", 10, &r), 3, "the 4th request is refused");
    expect_429(&r);
    srvh_resp_clear(&r);
    /* still refused, on every customer route, and nothing is done */
    cr_expect_eq(srvh_customer(&srv, a, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"prod-mug\",\"quantity\":1}", &r),
                 429);
    srvh_resp_clear(&r);
    /* another customer has a window of its own */
    cr_expect_eq(count_until_429(b, "/api/v1/cart", 2, &r), 2);
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_customer(&srv, b, "GET", "/api/v1/cart", NULL, &r), 200);
    cr_expect_eq(json_array_size(json_object_get(srvh_data(&r), "items")), 0);
    srvh_resp_clear(&r);
    /* an unauthenticated request is not counted against anyone, nor limited */
    cr_expect_eq(srvh_customer(&srv, NULL, "GET", "/api/v1/cart", NULL, &r), 401);
    srvh_resp_clear(&r);
    /* admin and ops routes are not under the customer limit */
    cr_expect_eq(srvh_admin(&srv, "GET", "/api/v1/admin/orders", NULL, &r), 200);
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_call(&srv, "GET", "/health", NULL, NULL, &r), 200);
    srvh_resp_clear(&r);
    free(a);
    free(b);
}

Test(srv_http_limits, admin_limit_refuses_the_third_request)
{
    srvh_start(&srv, NULL, (const char *const[]){"--rate-limit-admin", "2", NULL});
    srvh_resp_t r;
    cr_expect_eq(count_until_429(NULL, "/api/v1/admin/orders", 10, &r), 2);
    expect_429(&r);
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_admin(&srv, "GET", "/api/v1/admin/products", NULL, &r), 429,
                 "the admin limit covers every admin route");
    srvh_resp_clear(&r);
    /* inventory routes (service key) have no limit */
    for (int i = 0; i < 4; i++) {
        cr_expect_eq(srvh_admin(&srv, "GET", "/api/v1/inventory/stock/prod-mug", NULL, &r), 200,
                     "%s", r.body);
        srvh_resp_clear(&r);
    }
    /* customers are not under the admin limit */
    char *tok = srvh_token("limit-buyer");
    cr_expect_eq(srvh_customer(&srv, tok, "GET", "/api/v1/cart", NULL, &r), 200);
    srvh_resp_clear(&r);
    free(tok);
}

/* ---- configuration ------------------------------------------------------------------------------ */

Test(srv_http_limits, a_config_file_sets_options)
{
    new_dir(&srv);
    char path[400];
    write_file(&srv, "config.json", "{\"rateLimitCustomer\": 2, \"rateLimitAdmin\": 0}", path,
               sizeof path);
    unsetenv("ORDERS_RATE_LIMIT_CUSTOMER");
    unsetenv("ORDERS_CONFIG");
    start_plain(&srv, (const char *const[]){"--config", path, NULL});
    cr_expect_eq(customer_limit(), 2);
}

Test(srv_http_limits, the_config_file_can_come_from_the_environment)
{
    new_dir(&srv);
    char path[400];
    write_file(&srv, "config.json", "{\"rateLimitCustomer\": 2}", path, sizeof path);
    unsetenv("ORDERS_RATE_LIMIT_CUSTOMER");
    setenv("ORDERS_CONFIG", path, 1);
    start_plain(&srv, NULL);
    cr_expect_eq(customer_limit(), 2);
}

Test(srv_http_limits, the_environment_overrides_the_file)
{
    new_dir(&srv);
    char path[400];
    write_file(&srv, "config.json", "{\"rateLimitCustomer\": 2}", path, sizeof path);
    setenv("ORDERS_RATE_LIMIT_CUSTOMER", "4", 1);
    start_plain(&srv, (const char *const[]){"--config", path, NULL});
    cr_expect_eq(customer_limit(), 4);
}

Test(srv_http_limits, a_flag_overrides_the_environment_and_the_file)
{
    new_dir(&srv);
    char path[400];
    write_file(&srv, "config.json", "{\"rateLimitCustomer\": 2}", path, sizeof path);
    setenv("ORDERS_RATE_LIMIT_CUSTOMER", "4", 1);
    start_plain(&srv, (const char *const[]){"--config", path, "--rate-limit-customer", "5",
                                            NULL});
    cr_expect_eq(customer_limit(), 5);
}

/* Runs the server with a config file holding text; its exit status and
 * output (free()).  `timeout` ends a server that starts after all. */
static char *run_with_config(const char *text, int *status)
{
    new_dir(&srv);
    char path[400], cmd[1200];
    write_file(&srv, "config.json", text, path, sizeof path);
    snprintf(cmd, sizeof cmd,
             "timeout 20 '%s' --config '%s' --port 0 --store memory: --log '%s/requests.log' "
             "2>&1",
             ORDERS_SERVER_BIN, path, srv.dir);
    char *out = srvh_run(cmd, status);
    srvh_remove_dir(srv.dir);
    return out;
}

Test(srv_http_limits, an_unknown_config_key_stops_the_server_naming_it)
{
    unsetenv("ORDERS_CONFIG");
    int status;
    char *out = run_with_config("{\"rateLimitCustomer\": 2, \"rateLimitCustomr\": 3}", &status);
    cr_expect(status != 0 && status != 124, "exit status %d: %s", status, out);
    cr_expect(strstr(out, "rateLimitCustomr") != NULL, "the message names the key: %s", out);
    cr_expect(strstr(out, "listening") == NULL, "%s", out);
    free(out);

    out = run_with_config("{\"rateLimitCustomer\": \"many\"}", &status);
    cr_expect(status != 0 && status != 124, "a mistyped value: exit status %d: %s", status, out);
    cr_expect(strstr(out, "rateLimitCustomer") != NULL, "%s", out);
    free(out);
}
