/*
 * test_srv_products_health.c - GET /health reports every HTTP service
 * orders-server was started with (here the Products and Customer stubs of
 * tests/fixtures/ on 127.0.0.1), each up or down with its latency.  A
 * service that is down makes the server "degraded" but still 200 (the
 * store answers); the message says why without the services key; once
 * the service is back the next check shows it up.
 */
#define _DEFAULT_SOURCE

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "stub_customers.h"
#include "stub_products.h"

#define SERVICES_KEY "health-services-key-secret"
#define FRESH_US 2100000 /* a little more than SRV_DEPS_FRESH_MS */

static stub_products_t *products;
static stub_customers_t *customers;
static srvh_t srv;

static void up(void)
{
    products = stub_products_start(SERVICES_KEY);
    customers = stub_customers_start(SERVICES_KEY);
    cr_assert(products && customers, "a stub did not start");
    const char *args[] = {
        "--port", "0", "--jwt-secret", SRVH_SECRET, "--service-key", SRVH_SERVICE_KEY,
        "--products-url", stub_products_url(products),
        "--customers-url", stub_customers_url(customers),
        "--services-key", SERVICES_KEY, NULL,
    };
    srvh_start_argv(&srv, args);
}

static void down(void)
{
    if (srv.pid > 0)
        cr_expect_eq(srvh_stop(&srv, false), 0, "the server did not stop cleanly");
    stub_products_free(products);
    stub_customers_free(customers);
}

TestSuite(srv_health_deps, .init = up, .fini = down, .timeout = 60);

/* GET /health: its status code, and the answer's data (new reference). */
static json_t *health(long *status)
{
    srvh_resp_t r;
    *status = srvh_call(&srv, "GET", "/health", NULL, NULL, &r);
    cr_assert_null(strstr(r.body, SERVICES_KEY), "the key leaked: %s", r.body);
    json_t *d = srvh_data(&r);
    cr_assert_not_null(d, "no data in %s", r.body);
    json_incref(d);
    srvh_resp_clear(&r);
    return d;
}

/* dependencies.<name>.status of a health answer. */
static const char *dep_status(const json_t *data, const char *name, double *latency_ms)
{
    const json_t *d = json_object_get(json_object_get(data, "dependencies"), name);
    cr_assert(json_is_object(d), "no dependency %s", name);
    const json_t *lat = json_object_get(d, "latencyMs");
    cr_assert(json_is_number(lat), "no latencyMs for %s", name);
    *latency_ms = json_number_value(lat);
    return json_string_value(json_object_get(d, "status"));
}

Test(srv_health_deps, every_service_is_reported_with_its_latency)
{
    long status;
    json_t *d = health(&status);
    double lat_p, lat_c;
    cr_assert_eq(status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(d, "status")), "ok");
    cr_assert_str_eq(dep_status(d, "products", &lat_p), "up");
    cr_assert_str_eq(dep_status(d, "customers", &lat_c), "up");
    cr_assert(lat_p > 0.0 && lat_p < 2000.0, "products latency %f ms", lat_p);
    cr_assert(lat_c > 0.0 && lat_c < 2000.0, "customers latency %f ms", lat_c);
    json_decref(d);
}

Test(srv_health_deps, a_service_down_is_degraded_then_up_again)
{
    long status;
    json_decref(health(&status)); /* a first check, now cached */
    stub_products_stop(products);
    usleep(FRESH_US);
    json_t *d = health(&status);
    double lat;
    cr_assert_eq(status, 200, "a service outage must not take the server out");
    cr_assert_str_eq(json_string_value(json_object_get(d, "status")), "degraded");
    cr_assert_str_eq(dep_status(d, "products", &lat), "down");
    cr_assert_str_eq(dep_status(d, "customers", &lat), "up");
    const char *why = json_string_value(
        json_object_get(json_object_get(json_object_get(d, "dependencies"), "products"), "error"));
    cr_assert(why && *why, "no reason for the outage");
    json_decref(d);

    cr_assert(stub_products_restart(products), "the stub did not restart");
    usleep(FRESH_US);
    d = health(&status);
    cr_assert_eq(status, 200);
    cr_assert_str_eq(dep_status(d, "products", &lat), "up");
    cr_assert_str_eq(json_string_value(json_object_get(d, "status")), "ok");
    json_decref(d);
}
