/*
 * tests/server/test_srv_admin.c - the admin order routes over HTTP: the
 * service key, the order list (paging, the limit cap, filters), status
 * moves and the history they leave.  Sellers, bulk moves, refunds and
 * analytics: test_srv_admin_more.c.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "admin_util.h"
#include "harness.h"

static srvh_t srv;

static void up(void)
{
    srvh_start(&srv, NULL, NULL);
}

static void down(void)
{
    cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
}

TestSuite(srv_admin, .init = up, .fini = down);

/* ---- the service key ------------------------------------------------------------- */

static const struct {
    const char *method, *path, *body;
} routes[] = {
    {"GET", "/api/v1/admin/orders", NULL},
    {"PUT", "/api/v1/admin/orders/ID/status", "{\"status\":\"processing\"}"},
    {"GET", "/api/v1/admin/orders/ID/sellers/seller-bean", NULL},
    {"PUT", "/api/v1/admin/orders/ID/sellers/seller-bean/status", "{\"status\":\"processing\"}"},
    {"POST", "/api/v1/admin/orders/bulk-status",
     "{\"orderIds\":[\"ID\"],\"status\":\"processing\"}"},
    {"POST", "/api/v1/admin/orders/ID/refund", "{}"},
    {"GET", "/api/v1/admin/orders/ID/history", NULL},
    {"GET", "/api/v1/admin/analytics", NULL},
};

/* routes[i].path (or body) with ID replaced by id, into buf. */
static const char *with_id(const char *s, const char *id, char *buf, size_t len)
{
    const char *at = s ? strstr(s, "ID") : NULL;
    if (at == NULL)
        return s;
    snprintf(buf, len, "%.*s%s%s", (int)(at - s), s, id, at + 2);
    return buf;
}

Test(srv_admin, every_route_needs_the_service_key)
{
    char *tok = srvh_token("key-buyer");
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    const char *none[] = {NULL};
    const char *wrong[] = {"X-Service-Key: not-the-key", NULL};
    char bearer[1024];
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", tok);
    const char *jwt[] = {bearer, NULL};
    const char *const *variants[] = {none, wrong, jwt};
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        char path[256], body[256];
        const char *p = with_id(routes[i].path, id, path, sizeof path);
        const char *b = with_id(routes[i].body, id, body, sizeof body);
        for (size_t v = 0; v < 3; v++) {
            srvh_resp_t r;
            cr_expect_eq(srvh_call(&srv, routes[i].method, p, variants[v], b, &r),
                         401, "%s %s (variant %zu): %s", routes[i].method, p, v, r.body);
            cr_expect_str_eq(srvh_message(&r), "Invalid or missing service key");
            cr_expect(json_is_false(json_object_get(r.json, "success")));
            srvh_resp_clear(&r);
        }
    }
    char st[32];
    cr_expect_str_eq(au_status(&srv, id, st, sizeof st), "confirmed",
                     "refused requests change nothing");
    json_t *h = au_history(&srv, id);
    cr_expect_eq(json_array_size(h), 2, "placement and confirmation only");
    json_decref(h);
    free(id);
    free(tok);
}

/* ---- the list ---------------------------------------------------------------------- */

/* GET path with the service key: the data (a new reference); fails unless 200. */
static json_t *list(const char *query)
{
    char path[512];
    snprintf(path, sizeof path, "/api/v1/admin/orders%s", query);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "GET", path, NULL, &r), 200, "%s: %s", path, r.body);
    json_t *d = json_incref(srvh_data(&r));
    srvh_resp_clear(&r);
    return d;
}

static int64_t pagination(const json_t *page, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(page, "pagination"), key));
}

static json_t *entries(const json_t *page)
{
    json_t *o = json_object_get(page, "orders");
    cr_assert(json_is_array(o));
    return o;
}

/* Three orders: a mug (seller-bean) and a keyboard (seller-acme) of buyer
 * a, then a notebook (seller-paper) of buyer b; ids into ids[3]. */
static void place_three(char *ids[3])
{
    char *a = srvh_token("list-a"), *b = srvh_token("list-b");
    ids[0] = srvh_place(&srv, a, "prod-mug", 2, "cod");
    ids[1] = srvh_place(&srv, a, "prod-keyboard", 1, "cod");
    ids[2] = srvh_place(&srv, b, "prod-notebook", 3, "cod");
    free(a);
    free(b);
}

Test(srv_admin, list_pages_newest_first_with_admin_summaries)
{
    char *ids[3];
    place_three(ids);
    json_t *p = list("?limit=2");
    cr_expect_eq(json_array_size(entries(p)), 2);
    cr_expect_eq(pagination(p, "page"), 1);
    cr_expect_eq(pagination(p, "limit"), 2);
    cr_expect_eq(pagination(p, "total"), 3);
    cr_expect_eq(pagination(p, "pages"), 2);
    json_t *first = json_array_get(entries(p), 0);
    cr_expect_str_eq(au_str(first, "id"), ids[2], "newest first");
    cr_expect_str_eq(au_str(first, "customerId"), "list-b");
    cr_expect_str_eq(au_str(first, "customerName"), "Test list-b");
    cr_expect_str_eq(au_str(first, "customerEmail"), "list-b@example.com");
    cr_expect_str_eq(au_str(first, "status"), "confirmed");
    cr_expect_str_eq(au_str(first, "paymentStatus"), "pending");
    cr_expect_eq(json_integer_value(json_object_get(first, "itemCount")), 3);
    cr_expect_geq(au_cents(first, "totalAmount"), 3 * 799);
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(first, "sellers"), 0)),
                     "seller-paper");
    json_decref(p);

    p = list("?page=2&limit=2");
    cr_expect_eq(json_array_size(entries(p)), 1);
    cr_expect_str_eq(au_str(json_array_get(entries(p), 0), "id"), ids[0]);
    cr_expect_eq(pagination(p, "page"), 2);
    json_decref(p);

    p = list("");
    cr_expect_eq(pagination(p, "limit"), 20, "default limit");
    cr_expect_eq(json_array_size(entries(p)), 3);
    json_decref(p);
    for (int i = 0; i < 3; i++)
        free(ids[i]);
}

Test(srv_admin, limit_above_the_cap_is_clamped_to_100)
{
    char *tok = srvh_token("clamp");
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    json_t *p = list("?limit=5000");
    cr_expect_eq(pagination(p, "limit"), 100);
    cr_expect_eq(json_array_size(entries(p)), 1);
    json_decref(p);
    free(id);
    free(tok);
}

Test(srv_admin, bad_list_parameters_are_400_naming_them)
{
    static const struct {
        const char *query, *field;
    } bad[] = {
        {"?limit=0", "limit"},      {"?limit=-3", "limit"},  {"?limit=abc", "limit"},
        {"?limit=2.5", "limit"},    {"?page=0", "page"},     {"?page=x", "page"},
        {"?status=bogus", "status"}, {"?status=paid", "status"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/admin/orders%s", bad[i].query);
        srvh_resp_t r;
        cr_expect_eq(srvh_admin(&srv, "GET", path, NULL, &r), 400, "%s: %s", path, r.body);
        cr_expect_str_eq(au_field(&r), bad[i].field, "%s: %s", path, r.body);
        srvh_resp_clear(&r);
    }
    char path[512] = "/api/v1/admin/orders?sellerId=";
    size_t n = strlen(path);
    memset(path + n, 's', 129);
    path[n + 129] = '\0';
    srvh_resp_t r;
    cr_expect_eq(srvh_admin(&srv, "GET", path, NULL, &r), 400, "%s", r.body);
    cr_expect_str_eq(au_field(&r), "sellerId", "%s", r.body);
    srvh_resp_clear(&r);
    path[n + 128] = '\0';          /* 128 bytes is a valid id: no match */
    json_t *p = list(path + strlen("/api/v1/admin/orders"));
    cr_expect_eq(pagination(p, "total"), 0);
    json_decref(p);
}

/* True when the page's every entry lists seller in its sellers. */
static bool all_have_seller(const json_t *page, const char *seller)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(page, "orders"), i, o) {
        bool found = false;
        size_t j;
        json_t *s;
        json_array_foreach(json_object_get(o, "sellers"), j, s)
            found |= strcmp(json_string_value(s), seller) == 0;
        if (!found)
            return false;
    }
    return true;
}

Test(srv_admin, list_filters_by_seller_and_status)
{
    char *ids[3];
    place_three(ids);
    json_t *p = list("?sellerId=seller-bean");
    cr_expect_eq(json_array_size(entries(p)), 1);
    cr_expect_str_eq(au_str(json_array_get(entries(p), 0), "id"), ids[0]);
    cr_expect(all_have_seller(p, "seller-bean"));
    cr_expect_eq(pagination(p, "total"), 1);
    json_decref(p);
    p = list("?sellerId=seller-acme");
    cr_expect_eq(json_array_size(entries(p)), 1);
    cr_expect(all_have_seller(p, "seller-acme"));
    json_decref(p);
    p = list("?sellerId=nobody");
    cr_expect_eq(json_array_size(entries(p)), 0);
    json_decref(p);

    cr_assert_eq(au_move(&srv, ids[1], "processing"), 200);
    p = list("?status=processing");
    cr_expect_eq(json_array_size(entries(p)), 1);
    cr_expect_str_eq(au_str(json_array_get(entries(p), 0), "id"), ids[1]);
    json_decref(p);
    p = list("?status=CONFIRMED");
    cr_expect_eq(pagination(p, "total"), 2, "status names in any case");
    json_decref(p);
    p = list("?status=confirmed&sellerId=seller-paper");
    cr_expect_eq(json_array_size(entries(p)), 1);
    cr_expect_str_eq(au_str(json_array_get(entries(p), 0), "id"), ids[2]);
    json_decref(p);
    for (int i = 0; i < 3; i++)
        free(ids[i]);
}

/* ---- status moves and history ------------------------------------------------------ */

/* PUT status with body; the answer's data (a new reference); fails unless 200. */
static json_t *move(const char *id, const char *body)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/status", id);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "PUT", path, body, &r), 200, "%s: %s", body, r.body);
    cr_expect_str_eq(srvh_message(&r), "Order status updated");
    json_t *d = json_incref(srvh_data(&r));
    srvh_resp_clear(&r);
    return d;
}

Test(srv_admin, status_flow_to_delivered_sets_times_and_history)
{
    char *tok = srvh_token("flow");
    char *id = srvh_place(&srv, tok, "prod-mug", 2, "cod");
    char st[32];
    cr_assert_str_eq(au_status(&srv, id, st, sizeof st), "confirmed", "cod confirms at once");

    json_t *o = move(id, "{\"status\":\"processing\",\"notes\":\"packing\"}");
    cr_expect_str_eq(au_str(o, "status"), "processing");
    cr_expect(json_is_null(json_object_get(o, "shippedAt")));
    json_decref(o);
    o = move(id, "{\"status\":\"SHIPPED\"}");
    cr_expect_str_eq(au_str(o, "status"), "shipped");
    cr_expect_not_null(au_str(o, "shippedAt"), "shippedAt is set");
    cr_expect(json_is_null(json_object_get(o, "deliveredAt")));
    json_decref(o);
    o = move(id, "{\"status\":\"delivered\",\"notes\":\"left at the door\"}");
    cr_expect_str_eq(au_str(o, "status"), "delivered");
    cr_expect_not_null(au_str(o, "deliveredAt"), "deliveredAt is set");
    cr_expect_not_null(au_str(o, "shippedAt"));
    cr_expect_str_eq(au_str(o, "paymentStatus"), "paid", "cash collected on delivery");
    cr_expect_str_eq(au_str(json_array_get(json_object_get(o, "sellerStatuses"), 0), "status"),
                     "delivered", "the seller follows the order");
    json_decref(o);

    json_t *h = au_history(&srv, id);
    static const char *const want[][4] = {
        /* from, to, actor, note (NULL: not checked) */
        {NULL, "pending", "customer:flow", NULL},
        {"pending", "confirmed", NULL, NULL},
        {"confirmed", "processing", "admin", "packing"},
        {"processing", "shipped", "admin", NULL},
        {"shipped", "delivered", "admin", "left at the door"},
    };
    cr_assert_eq(json_array_size(h), 5, "placement, payment and three moves");
    const char *prev = "";
    for (size_t i = 0; i < 5; i++) {
        json_t *e = json_array_get(h, i);
        if (want[i][0] == NULL)
            cr_expect(json_is_null(json_object_get(e, "from")), "entry %zu", i);
        else
            cr_expect_str_eq(au_str(e, "from"), want[i][0], "entry %zu", i);
        cr_expect_str_eq(au_str(e, "to"), want[i][1], "entry %zu", i);
        if (want[i][2] != NULL)
            cr_expect_str_eq(au_str(e, "actor"), want[i][2], "entry %zu", i);
        if (want[i][3] != NULL)
            cr_expect_str_eq(au_str(e, "note"), want[i][3], "entry %zu", i);
        const char *at = au_str(e, "at");
        cr_assert_not_null(at, "entry %zu has a time", i);
        cr_expect_geq(strcmp(at, prev), 0, "oldest first");
        prev = at;
    }
    json_decref(h);
    free(id);
    free(tok);
}

Test(srv_admin, bad_transition_is_409_and_changes_nothing)
{
    char *tok = srvh_token("bad-move");
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/status", id);
    srvh_resp_t r;
    cr_expect_eq(srvh_admin(&srv, "PUT", path, "{\"status\":\"delivered\"}", &r), 409, "%s",
                 r.body);
    cr_expect_str_eq(srvh_message(&r), "Cannot change order status from confirmed to delivered");
    cr_expect_null(json_object_get(r.json, "errors"));
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_admin(&srv, "PUT", path, "{\"status\":\"pending\"}", &r), 409, "%s",
                 r.body);
    srvh_resp_clear(&r);
    char st[32];
    cr_expect_str_eq(au_status(&srv, id, st, sizeof st), "confirmed");
    json_t *h = au_history(&srv, id);
    cr_expect_eq(json_array_size(h), 2, "no history entry for a refused move");
    json_decref(h);
    free(id);
    free(tok);
}

Test(srv_admin, bad_status_bodies_are_400_and_unknown_orders_404)
{
    char *tok = srvh_token("bad-body");
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/status", id);
    static const char *bad[] = {"{\"status\":\"bogus\"}", "{}", "{\"status\":5}",
                                "{\"status\":null}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_admin(&srv, "PUT", path, bad[i], &r), 400, "%s: %s", bad[i], r.body);
        cr_expect_str_eq(au_field(&r), "status", "%s: %s", bad[i], r.body);
        srvh_resp_clear(&r);
    }
    srvh_resp_t r;
    cr_expect_eq(srvh_admin(&srv, "PUT", path, "{\"status\":\"processing\",\"notes\":7}", &r),
                 400, "%s", r.body);
    cr_expect_str_eq(au_field(&r), "notes");
    srvh_resp_clear(&r);
    char st[32];
    cr_expect_str_eq(au_status(&srv, id, st, sizeof st), "confirmed");
    cr_expect_eq(srvh_admin(&srv, "PUT", "/api/v1/admin/orders/no-such-order/status",
                            "{\"status\":\"processing\"}", &r),
                 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    srvh_resp_clear(&r);
    free(id);
    free(tok);
}

Test(srv_admin, admin_cancel_from_confirmed)
{
    char *tok = srvh_token("admin-cancel");
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    json_t *o = move(id, "{\"status\":\"cancelled\",\"notes\":\"fraud check\"}");
    cr_expect_str_eq(au_str(o, "status"), "cancelled");
    cr_expect_not_null(au_str(o, "cancelledAt"));
    json_decref(o);
    srvh_resp_t r;
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/status", id);
    cr_expect_eq(srvh_admin(&srv, "PUT", path, "{\"status\":\"processing\"}", &r), 409, "%s",
                 r.body);
    srvh_resp_clear(&r);
    free(id);
    free(tok);
}

Test(srv_admin, history_shape_and_unknown_order_404)
{
    char *tok = srvh_token("hist");
    char *id = srvh_place(&srv, tok, "prod-mug", 1, "cod");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/orders/%s/history", id);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "GET", path, NULL, &r), 200, "%s", r.body);
    cr_expect_str_eq(au_str(srvh_data(&r), "orderId"), id);
    json_t *first = json_array_get(json_object_get(srvh_data(&r), "history"), 0);
    cr_expect(json_is_null(json_object_get(first, "from")), "from is null on placement");
    cr_expect_str_eq(au_str(first, "to"), "pending");
    srvh_resp_clear(&r);
    cr_expect_eq(srvh_admin(&srv, "GET", "/api/v1/admin/orders/no-such-order/history", NULL, &r),
                 404, "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Order not found");
    srvh_resp_clear(&r);
    free(id);
    free(tok);
}
