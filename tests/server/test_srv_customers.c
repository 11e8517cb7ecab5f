/*
 * test_srv_customers.c - orders-server with --customers-url: customers are
 * checked with a Customer service (here the in-process stub of
 * tests/fixtures/stub_customers.c on 127.0.0.1), reached through the
 * library's HTTP customers backend.  A placement by shippingAddressId
 * takes the address, name and email from the service; an inactive
 * customer gets 422; with the service down a placement is a 503 that
 * leaves no order and the cart intact.
 */
#define _DEFAULT_SOURCE

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "stub_customers.h"

#define SERVICES_KEY "test-services-key"
#define PLACE_BY_ID "{\"shippingAddressId\":\"addr-1\",\"paymentMethod\":\"cod\"}"

static stub_customers_t *stub;
static srvh_t srv;

static void up(void)
{
    stub = stub_customers_start(SERVICES_KEY);
    cr_assert_not_null(stub, "the Customer stub did not start");
    cr_assert(stub_customers_add(stub, "buyer-1", "Ada Lovelace", "ada@example.com", true));
    cr_assert(stub_customers_add(stub, "buyer-2", "Charles Babbage", "cb@example.com", false));
    for (int i = 1; i <= 2; i++) {
        char id[16];
        snprintf(id, sizeof id, "buyer-%d", i);
        cr_assert(stub_customers_add_address(stub, id, "addr-1", "12 Analytical Way", "London",
                                             "LND", "GB", "N1 9GU", "Front desk"));
    }
    const char *args[] = {
        "--port", "0", "--jwt-secret", SRVH_SECRET, "--service-key", SRVH_SERVICE_KEY,
        "--rate-limit-customer", "0", "--rate-limit-admin", "0", "--demo-catalog",
        "--customers-url", stub_customers_url(stub), "--services-key", SERVICES_KEY, NULL,
    };
    srvh_start_argv(&srv, args);
}

static void down(void)
{
    if (srv.pid > 0)
        cr_expect_eq(srvh_stop(&srv, false), 0, "the server did not stop cleanly");
    stub_customers_free(stub);
}

TestSuite(srv_customers, .init = up, .fini = down, .timeout = 120);

static void add_mug(const char *token)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "POST", "/api/v1/cart/add",
                               "{\"productId\":\"prod-mug\",\"quantity\":2}", &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
}

static int64_t orders_of(const char *token)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "GET", "/api/v1/orders", NULL, &r), 200, "%s",
                 r.body);
    json_t *total = json_object_get(json_object_get(srvh_data(&r), "pagination"), "total");
    cr_assert(json_is_integer(total), "no pagination.total in %s", r.body);
    int64_t n = json_integer_value(total);
    srvh_resp_clear(&r);
    return n;
}

Test(srv_customers, the_order_takes_address_name_and_email_from_the_service)
{
    char *tok = srvh_token("buyer-1");
    add_mug(tok);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place", PLACE_BY_ID, &r), 201,
                 "%s", r.body);
    json_t *o = srvh_data(&r);
    cr_expect_str_eq(json_string_value(json_object_get(o, "customerName")), "Ada Lovelace");
    cr_expect_str_eq(json_string_value(json_object_get(o, "customerEmail")), "ada@example.com");
    json_t *ship = json_object_get(o, "shippingAddress");
    cr_expect_str_eq(json_string_value(json_object_get(ship, "addressLine1")),
                     "12 Analytical Way");
    cr_expect_str_eq(json_string_value(json_object_get(ship, "contactName")), "Front desk");
    srvh_resp_clear(&r);
    cr_expect_eq(stub_customers_calls(stub, STUB_CUST_CUSTOMER), 1);
    cr_expect_eq(stub_customers_calls(stub, STUB_CUST_ADDRESS), 1);
    free(tok);
}

Test(srv_customers, an_inactive_customer_is_a_422)
{
    char *tok = srvh_token("buyer-2");
    add_mug(tok);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place", PLACE_BY_ID, &r), 422,
                 "%s", r.body);
    cr_expect_str_eq(srvh_message(&r), "Customer account is not active");
    srvh_resp_clear(&r);
    cr_expect_eq(orders_of(tok), 0);
    free(tok);
}

Test(srv_customers, an_outage_is_a_503_and_leaves_nothing)
{
    char *tok = srvh_token("buyer-1");
    add_mug(tok);
    stub_customers_stop(stub);
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place", PLACE_BY_ID, &r), 503,
                 "%s", r.body);
    cr_expect(strstr(r.body, SERVICES_KEY) == NULL, "the answer shows the key: %s", r.body);
    srvh_resp_clear(&r);
    cr_expect_eq(orders_of(tok), 0, "an order was left behind");
    cr_assert(stub_customers_restart(stub), "the stub did not restart");
    cr_assert_eq(srvh_customer(&srv, tok, "POST", "/api/v1/orders/place", PLACE_BY_ID, &r), 201,
                 "the same cart places once the service is back: %s", r.body);
    srvh_resp_clear(&r);
    free(tok);
}
