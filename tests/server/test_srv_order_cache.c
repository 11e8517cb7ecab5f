/*
 * tests/server/test_srv_order_cache.c - GET /orders/:id answers from the
 * rendered-order cache (server/order_cache.c) only while they are current:
 * every change, made through this server or another process on the same
 * SQLite file, shows at once, and the cache never answers another customer.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

static srvh_t a, b;
static char *tok, *other;

static void up(void)
{
    srvh_start(&a, NULL, NULL);
    tok = srvh_token("cache-owner");
    other = srvh_token("cache-other");
}

static void down(void)
{
    free(tok);
    free(other);
    cr_expect_eq(srvh_stop(&a, false), 0, "orders-server must exit cleanly");
}

TestSuite(srv_order_cache, .init = up, .fini = down);

/* The order's status as server s answers GET /orders/:id (twice: the
 * second answer comes from the cache when the first was kept). */
static void expect_status(srvh_t *s, const char *id, const char *want)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    for (int i = 0; i < 2; i++) {
        srvh_resp_t r;
        cr_assert_eq(srvh_customer(s, tok, "GET", path, NULL, &r), 200, "%s", r.body);
        cr_expect_str_eq(json_string_value(json_object_get(srvh_data(&r), "status")), want,
                         "read %d on port %d", i, s->port);
        srvh_resp_clear(&r);
    }
}

static void admin_status(srvh_t *s, const char *id, const char *status)
{
    char path[256], body[128];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/status", id);
    snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(s, "PUT", path, body, &r), 200, "%s", r.body);
    srvh_resp_clear(&r);
}

Test(srv_order_cache, changes_through_this_server_show_at_once)
{
    char *id = srvh_place(&a, tok, "prod-mug", 1, "cod");
    expect_status(&a, id, "confirmed");
    admin_status(&a, id, "processing");
    expect_status(&a, id, "processing");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s/cancel", id);
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&a, tok, "PUT", path, NULL, &r), 409, "%s", r.body);
    srvh_resp_clear(&r);
    admin_status(&a, id, "shipped");
    expect_status(&a, id, "shipped");
    free(id);
}

Test(srv_order_cache, changes_by_another_process_show_at_once)
{
    char *id = srvh_place(&a, tok, "prod-mug", 1, "cod");
    expect_status(&a, id, "confirmed");      /* now cached by a */
    srvh_start(&b, a.dir, NULL);              /* a second server on the same file */
    admin_status(&b, id, "processing");
    expect_status(&a, id, "processing");
    admin_status(&b, id, "shipped");
    expect_status(&a, id, "shipped");
    expect_status(&b, id, "shipped");
    cr_expect_eq(srvh_stop(&b, true), 0);
    free(id);
}

Test(srv_order_cache, a_cached_order_is_still_not_found_for_another_customer)
{
    char *id = srvh_place(&a, tok, "prod-mug", 1, "cod");
    expect_status(&a, id, "confirmed");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    srvh_resp_t r;
    cr_expect_eq(srvh_customer(&a, other, "GET", path, NULL, &r), 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    cr_expect(strstr(r.body, id) == NULL, "nothing of the order leaks: %s", r.body);
    srvh_resp_clear(&r);
    free(id);
}
