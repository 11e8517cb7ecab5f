/*
 * test_srv_notifications.c - orders-server with --notifications-url: the
 * outbox's events go to a Notifications service (here the in-process stub
 * of tests/fixtures/stub_notifications.c) through the library's HTTP
 * notifier, with a short outbox backoff (--outbox-backoff-ms).
 *
 * The service goes down for a while and comes back: every event of every
 * acknowledged order (order_placed to the customer, one new_order per
 * seller, the status changes) arrives, and no event id is accepted twice.
 * A service that refuses events (400) dead-letters them at once: /health
 * and /metrics show them, POST /admin/outbox/requeue sends them again.
 */
#define _DEFAULT_SOURCE

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "stub_notifications.h"
#include "support/clock.h"

#define SERVICES_KEY "test-services-key-9c3d"
#define ORDERS_N 20
#define CUSTOMERS_N 5
#define SELLERS_MAX 3
#define DRAIN_WAIT_MS 30000

#define ADDRESS                                                                            \
    "\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":\"Springfield\","       \
    "\"state\":\"IL\",\"country\":\"US\",\"postalCode\":\"62701\"}"

static stub_notifications_t *stub;
static srvh_t srv;

static void up(void)
{
    stub = stub_notifications_start(SERVICES_KEY);
    cr_assert_not_null(stub, "the Notifications stub did not start");
    const char *extra[] = {
        "--notifications-url", stub_notifications_url(stub), "--services-key", SERVICES_KEY,
        "--outbox-backoff-ms", "200", "--outbox-max-attempts", "50", NULL,
    };
    srvh_start(&srv, NULL, extra);
}

static void down(void)
{
    if (srv.pid > 0)
        cr_expect_eq(srvh_stop(&srv, false), 0, "the server did not stop cleanly");
    stub_notifications_free(stub);
}

TestSuite(srv_notifications, .init = up, .fini = down, .timeout = 180);

/* ---- helpers ---------------------------------------------------------------------------- */

/* GET /admin/outbox into *pending and *dead. */
static void outbox(int64_t *pending, int64_t *dead)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "GET", "/api/v1/admin/outbox", NULL, &r), 200, "%s", r.body);
    json_t *d = srvh_data(&r);
    json_t *p = json_object_get(d, "pending"), *x = json_object_get(d, "dead");
    cr_assert(json_is_integer(p) && json_is_integer(x), "%s", r.body);
    *pending = json_integer_value(p);
    *dead = json_integer_value(x);
    srvh_resp_clear(&r);
}

/* Polls GET /admin/outbox until pending and dead are as wanted, at most
 * DRAIN_WAIT_MS; returns the milliseconds it took. */
static int64_t wait_outbox(int64_t want_pending, int64_t want_dead)
{
    int64_t t0 = test_mono_ms(), pending = -1, dead = -1;
    while (test_mono_ms() - t0 < DRAIN_WAIT_MS) {
        outbox(&pending, &dead);
        if (pending == want_pending && dead == want_dead)
            return test_mono_ms() - t0;
        test_sleep_ms(50);
    }
    cr_assert_fail("outbox still pending %lld dead %lld after %d ms (want %lld / %lld)",
                   (long long)pending, (long long)dead, DRAIN_WAIT_MS, (long long)want_pending,
                   (long long)want_dead);
    return -1;
}

/* Whether /health shows "dependencies"."notifications"."status" "up". */
static bool notifications_up(void)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_call(&srv, "GET", "/health", NULL, NULL, &r), 200, "%s", r.body);
    json_t *dep = json_object_get(json_object_get(srvh_data(&r), "dependencies"),
                                  "notifications");
    const char *st = json_string_value(json_object_get(dep, "status"));
    cr_assert_not_null(st, "no dependencies.notifications in %s", r.body);
    bool is_up = strcmp(st, "up") == 0;
    srvh_resp_clear(&r);
    return is_up;
}

/* Polls /health until the notifications dependency is up (or down), at most
 * 5 s: /health keeps a probe's answer for 2 s. */
static void wait_dependency(bool want_up)
{
    int64_t t0 = test_mono_ms();
    while (notifications_up() != want_up) {
        cr_assert_lt(test_mono_ms() - t0, 5000, "/health never showed the notifications service %s",
                     want_up ? "up" : "down");
        test_sleep_ms(100);
    }
}

typedef struct placed {
    char id[160];
    char customer[32];
    const char *sellers[SELLERS_MAX];
    size_t seller_count;
} placed_t;

/* Adds each of products (NULL-terminated) once to customer's cart and
 * places a cod order, which must answer 201; fills *out. */
static void place(const char *customer, const char *const *products,
                  const char *const *sellers, placed_t *out)
{
    char *tok = srvh_token(customer);
    srvh_resp_t r;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; products[i]; i++) {
        char body[160];
        snprintf(body, sizeof body, "{\"productId\":\"%s\",\"quantity\":1}", products[i]);
        cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/cart/add", body, &r), 200,
                     "add: %s", r.body);
        srvh_resp_clear(&r);
        out->sellers[out->seller_count++] = sellers[i];
    }
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place",
                               "{" ADDRESS ",\"paymentMethod\":\"cod\"}", &r),
                 201, "place: %s", r.body);
    const char *id = json_string_value(json_object_get(srvh_data(&r), "id"));
    cr_assert_not_null(id, "%s", r.body);
    snprintf(out->id, sizeof out->id, "%s", id);
    snprintf(out->customer, sizeof out->customer, "%s", customer);
    srvh_resp_clear(&r);
    free(tok);
}

static void admin_ok(const char *method, const char *path, const char *body)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, method, path, body, &r), 200, "%s %s: %s", method, path,
                 r.body);
    srvh_resp_clear(&r);
}

/* The orders_outbox_dead sample of /metrics (-1 when absent). */
static long long metrics_dead(void)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_call(&srv, "GET", "/metrics", NULL, NULL, &r), 200);
    const char *line = strstr(r.body, "\norders_outbox_dead ");
    long long v = line ? strtoll(line + strlen("\norders_outbox_dead "), NULL, 10) : -1;
    srvh_resp_clear(&r);
    return v;
}

static long requeue(const char *body, srvh_resp_t *r)
{
    return srvh_admin(&srv, "POST", "/api/v1/admin/outbox/requeue", body, r);
}

/* ---- the outage ---------------------------------------------------------------------------- */

Test(srv_notifications, an_outage_loses_no_event_and_duplicates_none)
{
    static const char *const single[][2] = {{"prod-mug", NULL},      {"prod-pen", NULL},
                                            {"prod-keyboard", NULL}, {"prod-notebook", NULL}};
    static const char *const single_seller[] = {"seller-bean", "seller-paper", "seller-acme",
                                                "seller-paper"};
    static const char *const multi[] = {"prod-mouse", "prod-beans", "prod-notebook", NULL};
    static const char *const multi_sellers[] = {"seller-acme", "seller-bean", "seller-paper"};
    static placed_t orders[ORDERS_N];

    stub_notifications_stop(stub);
    wait_dependency(false);
    int64_t t_out = test_mono_ms();
    int expected = 0;
    for (int i = 0; i < ORDERS_N; i++) {
        char customer[32];
        snprintf(customer, sizeof customer, "cust-%d", i % CUSTOMERS_N);
        if (i % 5 == 4) {
            place(customer, multi, multi_sellers, &orders[i]);
        } else {
            const char *sellers[] = {single_seller[i % 4], NULL};
            place(customer, single[i % 4], sellers, &orders[i]);
        }
        expected += 2 + (int)orders[i].seller_count; /* placed, new_order each, confirmed */
    }
    /* status changes while the service is still down */
    char path[512];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/api/v1/admin/orders/%.160s/status", orders[i].id);
        admin_ok("PUT", path, "{\"status\":\"processing\"}");
        expected++;
    }
    snprintf(path, sizeof path, "/api/v1/admin/orders/%.160s/sellers/seller-bean/status",
             orders[4].id);
    admin_ok("PUT", path, "{\"status\":\"processing\",\"trackingNumber\":\"TRK-1\"}");
    expected++;

    int64_t pending = -1, dead = -1;
    outbox(&pending, &dead);
    cr_assert_eq(pending, expected, "the store holds every event while the service is down");
    cr_assert_eq(dead, 0);
    cr_assert_eq(stub_notifications_total(stub), 0);
    test_sleep_ms(1500); /* a while longer: the dispatcher keeps failing and backing off */

    cr_assert(stub_notifications_restart(stub));
    int64_t outage_ms = test_mono_ms() - t_out;
    int64_t drain_ms = wait_outbox(0, 0);
    cr_log_info("outage %lld ms, %d events, delivered %lld ms after the service came back",
                (long long)outage_ms, expected, (long long)drain_ms);
    fprintf(stderr, "srv_notifications: outage %lld ms, %d events, drained %lld ms after "
                    "restart\n", (long long)outage_ms, expected, (long long)drain_ms);

    for (int i = 0; i < ORDERS_N; i++) {
        const placed_t *o = &orders[i];
        cr_expect_eq(stub_notifications_matching(stub, "order_placed", o->id, o->customer), 1,
                     "order %d: order_placed to %s", i, o->customer);
        for (size_t k = 0; k < o->seller_count; k++)
            cr_expect_eq(stub_notifications_matching(stub, "new_order", o->id, o->sellers[k]), 1,
                         "order %d: new_order to %s", i, o->sellers[k]);
        cr_expect_eq(stub_notifications_matching(stub, "order_status_changed", o->id, NULL),
                     i < 3 ? 2 : 1, "order %d: status changes", i);
    }
    cr_expect_eq(stub_notifications_matching(stub, "seller_status_changed", orders[4].id, NULL),
                 1);
    cr_assert_eq(stub_notifications_max_count(stub), 1, "an event id was accepted twice");
    cr_assert_eq(stub_notifications_distinct(stub), expected);
    cr_assert_eq(stub_notifications_total(stub), expected);
    cr_assert_eq(stub_notifications_malformed(stub), 0);
    cr_assert_eq(stub_notifications_unauthorized(stub), 0);
    wait_dependency(true);
}

/* ---- dead letters and requeue --------------------------------------------------------------- */

Test(srv_notifications, refused_events_dead_letter_and_requeue_delivers_them)
{
    stub_notifications_fault(stub, 400, -1);
    placed_t o;
    static const char *const products[] = {"prod-mug", NULL};
    static const char *const sellers[] = {"seller-bean"};
    place("cust-dead", products, sellers, &o);
    wait_outbox(0, 3); /* order_placed, new_order, order_status_changed */

    srvh_resp_t r;
    cr_assert_eq(srvh_call(&srv, "GET", "/health", NULL, NULL, &r), 200, "%s", r.body);
    json_t *ob = json_object_get(srvh_data(&r), "outbox");
    cr_assert_eq(json_integer_value(json_object_get(ob, "dead")), 3, "%s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(metrics_dead(), 3);

    /* bad input is 400 naming the field; an unknown id is 404 */
    static const struct { const char *body, *field; } bad[] = {
        {"{\"limit\":\"ten\"}", "limit"}, {"{\"limit\":0}", "limit"},
        {"{\"limit\":100000}", "limit"},  {"{\"eventId\":5}", "eventId"},
        {"{\"eventId\":\"\"}", "eventId"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(requeue(bad[i].body, &r), 400, "%s: %s", bad[i].body, r.body);
        json_t *e0 = json_array_get(json_object_get(r.json, "errors"), 0);
        cr_expect_str_eq(json_string_value(json_object_get(e0, "field")), bad[i].field, "%s: %s",
                         bad[i].body, r.body);
        srvh_resp_clear(&r);
    }
    cr_assert_eq(requeue("{\"eventId\":\"no-such-event\"}", &r), 404, "%s", r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(srvh_call(&srv, "POST", "/api/v1/admin/outbox/requeue", NULL, "{}", &r), 401);
    srvh_resp_clear(&r);

    /* one by id while the service is down: it is pending then, and a second
     * requeue of it is 409 */
    char id[160];
    cr_assert(stub_notifications_last_id(stub, id, sizeof id));
    stub_notifications_stop(stub);
    char body[256];
    snprintf(body, sizeof body, "{\"eventId\":\"%s\"}", id);
    cr_assert_eq(requeue(body, &r), 200, "%s", r.body);
    cr_assert_eq(json_integer_value(json_object_get(srvh_data(&r), "requeued")), 1, "%s",
                 r.body);
    srvh_resp_clear(&r);
    cr_assert_eq(requeue(body, &r), 409, "%s", r.body);
    srvh_resp_clear(&r);

    /* the rest, with no body at all (limit 1000) */
    cr_assert_eq(requeue(NULL, &r), 200, "%s", r.body);
    cr_assert_eq(json_integer_value(json_object_get(srvh_data(&r), "requeued")), 2, "%s",
                 r.body);
    srvh_resp_clear(&r);

    stub_notifications_fault(stub, 0, 0); /* the service is fixed and back */
    cr_assert(stub_notifications_restart(stub));
    int64_t took = wait_outbox(0, 0);
    fprintf(stderr, "srv_notifications: requeued dead letters delivered in %lld ms\n",
            (long long)took);
    cr_assert_eq(stub_notifications_total(stub), 3);
    cr_assert_eq(stub_notifications_max_count(stub), 1);
    cr_assert_eq(stub_notifications_matching(stub, "order_placed", o.id, "cust-dead"), 1);
    cr_assert_eq(stub_notifications_matching(stub, "new_order", o.id, "seller-bean"), 1);
    cr_assert_eq(metrics_dead(), 0);
}

/* ---- options -------------------------------------------------------------------------------- */

Test(srv_notifications, outbox_options_are_checked)
{
    static const char *const bad[] = {"--outbox-max-attempts 0", "--outbox-backoff-ms 0",
                                      "--outbox-max-attempts 1001", "--outbox-backoff-ms x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "%s --port 0 --store memory: %s 2>&1", ORDERS_SERVER_BIN,
                 bad[i]);
        int status = 0;
        char *out = srvh_run(cmd, &status);
        cr_expect_eq(status, 2, "%s: exit %d", bad[i], status);
        char flag[64];
        snprintf(flag, sizeof flag, "%.*s", (int)strcspn(bad[i], " "), bad[i]);
        cr_expect_not_null(strstr(out, flag), "%s: the message names the option: %s", bad[i],
                           out);
        free(out);
    }
}
