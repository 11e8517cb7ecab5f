/*
 * test_srv_products.c - orders-server with --products-url: the catalog is a
 * Products service (here the in-process stub of tests/fixtures/
 * stub_products.c on 127.0.0.1), reached through the library's HTTP
 * catalog.  A placement holds and sells the units at the service; while
 * the service is down, or answers 500 to every reserve, a placement is a
 * 503 in the JSON envelope and leaves no order behind, the cart intact
 * and no units held; once it is back the same cart places.
 */
#define _DEFAULT_SOURCE

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "stub_products.h"

#define SERVICES_KEY "test-services-key"
#define PRODUCT "prod-x"

#define PLACE_COD                                                                          \
    "{\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":\"Springfield\","      \
    "\"state\":\"IL\",\"country\":\"US\",\"postalCode\":\"62701\"},\"paymentMethod\":\"cod\"}"

static stub_products_t *stub;
static srvh_t srv;

static void up(void)
{
    stub = stub_products_start(SERVICES_KEY);
    cr_assert_not_null(stub, "the Products stub did not start");
    cr_assert(stub_products_add(stub, PRODUCT, "seller-x", "Stub item", 1250, "USD", true, 5));
    const char *args[] = {
        "--port", "0", "--jwt-secret", SRVH_SECRET, "--service-key", SRVH_SERVICE_KEY,
        "--rate-limit-customer", "0", "--rate-limit-admin", "0",
        "--products-url", stub_products_url(stub), "--services-key", SERVICES_KEY, NULL,
    };
    srvh_start_argv(&srv, args);
}

static void down(void)
{
    if (srv.pid > 0)
        cr_expect_eq(srvh_stop(&srv, false), 0, "the server did not stop cleanly");
    stub_products_free(stub);
}

TestSuite(srv_products, .init = up, .fini = down, .timeout = 120);

static void add_two(const char *token)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"" PRODUCT "\",\"quantity\":2}", &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
}

static int64_t admin_order_total(void)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "GET", "/api/v1/admin/orders", NULL, &r), 200, "%s", r.body);
    json_t *j = json_loads(r.body, 0, NULL);
    cr_assert_not_null(j, "%s", r.body);
    json_t *pg = json_object_get(json_object_get(j, "data"), "pagination");
    json_t *total = json_object_get(pg, "total");
    cr_assert(json_is_integer(total), "no pagination.total in %s", r.body);
    int64_t n = json_integer_value(total);
    json_decref(j);
    srvh_resp_clear(&r);
    return n;
}

static size_t cart_lines(const char *token)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "GET", "/api/v1/cart", NULL, &r), 200, "%s", r.body);
    json_t *j = json_loads(r.body, 0, NULL);
    size_t n = json_array_size(json_object_get(json_object_get(j, "data"), "items"));
    json_decref(j);
    srvh_resp_clear(&r);
    return n;
}

/* Places the cart: the status, and the message of an error answer. */
static long place(const char *token, char *message, size_t len)
{
    srvh_resp_t r;
    long st = srvh_customer(&srv, token, "POST", "/api/v1/orders/place", PLACE_COD, &r);
    json_t *j = json_loads(r.body, 0, NULL);
    const char *m = json_string_value(json_object_get(j, "message"));
    snprintf(message, len, "%s", m != NULL ? m : r.body);
    json_decref(j);
    srvh_resp_clear(&r);
    return st;
}

Test(srv_products, placement_holds_and_sells_at_the_service)
{
    char *tok = srvh_token("buyer-1");
    add_two(tok);
    char msg[512];
    cr_assert_eq(place(tok, msg, sizeof msg), 201, "%s", msg);
    stub_stock_t st = stub_products_stock(stub, PRODUCT);
    /* cash on delivery confirms at once: the two units are sold */
    cr_expect_eq(st.available, 3, "available %lld", (long long)st.available);
    cr_expect_eq(st.held, 0, "held %lld", (long long)st.held);
    cr_expect_eq(st.sold, 2, "sold %lld", (long long)st.sold);
    cr_expect_eq(admin_order_total(), 1);
    cr_expect_eq(cart_lines(tok), 0, "the cart was not cleared");
    free(tok);
}

Test(srv_products, an_outage_is_a_503_and_leaves_nothing)
{
    char *tok = srvh_token("buyer-2");
    add_two(tok);
    stub_products_stop(stub);
    char msg[512];
    cr_assert_eq(place(tok, msg, sizeof msg), 503, "%s", msg);
    cr_expect(strstr(msg, SERVICES_KEY) == NULL, "the answer shows the services key: %s", msg);
    cr_expect_eq(admin_order_total(), 0, "an order was left behind");
    cr_expect_eq(cart_lines(tok), 1, "the cart lost its line");
    cr_assert(stub_products_restart(stub), "the stub did not restart");
    stub_stock_t st = stub_products_stock(stub, PRODUCT);
    cr_expect_eq(st.available, 5, "units stayed held: available %lld", (long long)st.available);
    cr_expect_eq(stub_products_active_orders(stub), 0, "an order holds units at the service");
    /* back up: the same cart places */
    cr_assert_eq(place(tok, msg, sizeof msg), 201, "%s", msg);
    cr_expect_eq(admin_order_total(), 1);
    free(tok);
}

Test(srv_products, failing_reserves_are_a_503_and_hold_nothing)
{
    char *tok = srvh_token("buyer-3");
    add_two(tok);
    stub_products_fault(stub, STUB_RESERVE, STUB_FAULT_500_AFTER, 50);
    char msg[512];
    cr_assert_eq(place(tok, msg, sizeof msg), 503, "%s", msg);
    cr_expect_eq(admin_order_total(), 0, "an order was left behind");
    cr_expect_eq(cart_lines(tok), 1, "the cart lost its line");
    /* the reserves were applied, their answers lost: the backend released */
    stub_stock_t st = stub_products_stock(stub, PRODUCT);
    cr_expect_eq(st.available, 5, "units stayed held: available %lld", (long long)st.available);
    stub_products_fault(stub, STUB_RESERVE, STUB_FAULT_500_AFTER, 0);
    cr_assert_eq(place(tok, msg, sizeof msg), 201, "%s", msg);
    free(tok);
}
