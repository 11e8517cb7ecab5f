/*
 * test_http_catalog.c - the HTTP catalog (orders/catalog_http.h) against the
 * in-process Products service stub (fixtures/stub_products.h): the calls of
 * the contract, the cache, retries, faults (500s, lost answers, timeouts,
 * refused connections, malformed answers, a wrong key), and placements
 * through the library with the service up, down, or failing on reserve.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <orders/orders.h>

#include "stub_products.h"
#include "support/clock.h"

#define KEY "test-service-key"

static stub_products_t *STUB;

static void stub_setup(void)
{
    STUB = stub_products_start(KEY);
    cr_assert_not_null(STUB, "the stub did not start");
    cr_assert(stub_products_add(STUB, "p1", "s1", "Coffee mug", 1299, "USD", true, 10));
    cr_assert(stub_products_add(STUB, "p2", "s2", "Green tea", 250, "USD", true, 5));
    cr_assert(stub_products_add(STUB, "p3", "s1", "Old kettle", 4000, "USD", false, 3));
}

static void stub_teardown(void)
{
    stub_products_free(STUB);
    STUB = NULL;
}

/* Options for the stub: short timeouts and backoff so every test is fast. */
static orders_catalog_http_options_t opts_for_stub(void)
{
    orders_catalog_http_options_t o = orders_catalog_http_options_default();
    o.base_url = stub_products_url(STUB);
    o.service_key = KEY;
    o.timeout_ms = 1000;
    o.retry_backoff_ms = 10;
    return o;
}

static void *new_catalog(const orders_catalog_http_options_t *o)
{
    void *ud = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_catalog_http_new(o, &ud, &err), ORDERS_OK, "%s", err.message);
    cr_assert_not_null(ud);
    return ud;
}

static const orders_catalog_vtable_t *VT;

TestSuite(http_catalog, .init = stub_setup, .fini = stub_teardown);

/* ---- options ---------------------------------------------------------------------------- */

Test(http_catalog, options_are_checked)
{
    orders_catalog_http_options_t d = orders_catalog_http_options_default();
    cr_assert_eq(d.timeout_ms, 2000);
    cr_assert_eq(d.retries, 2);
    cr_assert_eq(d.cache_ttl_ms, 5000);
    cr_assert_eq(d.cache_size, 1024);

    struct { const char *url; int timeout, retries, ttl, size; } bad[] = {
        {NULL, 2000, 2, 5000, 1024},         {"ftp://127.0.0.1:1", 2000, 2, 5000, 1024},
        {"http://a b", 2000, 2, 5000, 1024}, {"http://127.0.0.1:1", 5, 2, 5000, 1024},
        {"http://127.0.0.1:1", 2000, 11, 5000, 1024}, {"http://127.0.0.1:1", 2000, 2, -1, 1024},
        {"http://127.0.0.1:1", 2000, 2, 5000, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orders_catalog_http_options_t o = d;
        o.base_url = bad[i].url;
        o.timeout_ms = bad[i].timeout;
        o.retries = bad[i].retries;
        o.cache_ttl_ms = bad[i].ttl;
        o.cache_size = bad[i].size;
        void *ud = (void *)&o;
        orders_error_t err = {0};
        cr_assert_eq(orders_catalog_http_new(&o, &ud, &err), ORDERS_E_INVALID, "case %zu", i);
        cr_assert_null(ud, "case %zu", i);
        cr_assert_str_eq(err.field, "catalog");
    }
    void *ud = NULL;
    cr_assert_eq(orders_catalog_http_new(NULL, &ud, NULL), ORDERS_E_INVALID);
    orders_catalog_http_free(NULL); /* a no-op */
    VT = orders_catalog_http_vtable();
    cr_assert_eq(VT->version, ORDERS_CATALOG_VERSION);
    cr_assert_eq(VT->flags & ORDERS_CATALOG_IN_STORE, 0u, "a remote catalog");
}

/* ---- product info and the cache ------------------------------------------------------------ */

Test(http_catalog, product_get_reads_every_field_and_caches_for_the_ttl)
{
    orders_catalog_http_options_t o = opts_for_stub();
    o.cache_ttl_ms = 300;
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    orders_error_t err = {0};
    orders_product_t *p = NULL;
    cr_assert_eq(VT->product_get(ud, "p1", &p, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(p->id, "p1");
    cr_assert_str_eq(p->seller_id, "s1");
    cr_assert_str_eq(p->name, "Coffee mug");
    cr_assert_null(p->image);
    cr_assert_eq(p->price.amount, 1299);
    cr_assert_str_eq(p->price.currency, "USD");
    cr_assert(p->active);
    orders_product_free(p);
    cr_assert_eq(stub_products_calls(STUB, STUB_PRODUCT), 1);

    /* within the TTL: from the cache, the stub is not asked */
    stub_products_add(STUB, "p1", "s1", "Renamed mug", 1500, "USD", true, 10);
    cr_assert_eq(VT->product_get(ud, "p1", &p, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(p->name, "Coffee mug");
    orders_product_free(p);
    cr_assert_eq(stub_products_calls(STUB, STUB_PRODUCT), 1, "second read hit the service");

    /* after the TTL: asked again, and the new info is seen */
    test_sleep_ms(350);
    cr_assert_eq(VT->product_get(ud, "p1", &p, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(p->name, "Renamed mug");
    cr_assert_eq(p->price.amount, 1500);
    orders_product_free(p);
    cr_assert_eq(stub_products_calls(STUB, STUB_PRODUCT), 2);
    orders_catalog_http_free(ud);
}

Test(http_catalog, no_cache_when_ttl_is_zero_and_the_cache_is_bounded)
{
    orders_catalog_http_options_t o = opts_for_stub();
    o.cache_ttl_ms = 0;
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    orders_product_t *p = NULL;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(VT->product_get(ud, "p2", &p, NULL), ORDERS_OK);
        orders_product_free(p);
    }
    cr_assert_eq(stub_products_calls(STUB, STUB_PRODUCT), 3);
    orders_catalog_http_free(ud);

    /* one entry: p1 then p2 evicts p1 */
    o.cache_ttl_ms = 60000;
    o.cache_size = 1;
    ud = new_catalog(&o);
    const char *seq[] = {"p1", "p1", "p2", "p2", "p1"};
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(VT->product_get(ud, seq[i], &p, NULL), ORDERS_OK);
        orders_product_free(p);
    }
    cr_assert_eq(stub_products_calls(STUB, STUB_PRODUCT), 3 + 3, "p1, p2, then p1 again");
    orders_catalog_http_free(ud);
}

Test(http_catalog, unknown_product_is_not_found_and_stock_is_asked_every_time)
{
    orders_catalog_http_options_t o = opts_for_stub();
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    orders_error_t err = {0};
    orders_product_t *p = (orders_product_t *)&err;
    cr_assert_eq(VT->product_get(ud, "nope", &p, &err), ORDERS_E_NOT_FOUND);
    cr_assert_null(p);
    cr_assert_str_eq(err.field, "productId");

    int64_t avail = -1;
    cr_assert_eq(VT->stock_available(ud, "p2", &avail, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(avail, 5);
    cr_assert_eq(VT->stock_available(ud, "nope", &avail, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(avail, 0, "unknown to the stock: 0");
    cr_assert_eq(VT->stock_available(ud, "p2", &avail, &err), ORDERS_OK);
    cr_assert_eq(stub_products_calls(STUB, STUB_CHECK), 3, "stock is never cached");
    orders_catalog_http_free(ud);
}

Test(http_catalog, products_get_answers_for_many_ids_with_one_check)
{
    orders_catalog_http_options_t o = opts_for_stub();
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    const char *ids[] = {"p1", "nope", "p3"};
    orders_product_avail_t out[3];
    orders_error_t err = {0};
    cr_assert_eq(VT->products_get(ud, ids, 3, out, &err), ORDERS_OK, "%s", err.message);
    cr_assert_not_null(out[0].product);
    cr_assert_str_eq(out[0].product->name, "Coffee mug");
    cr_assert_eq(out[0].available, 10);
    cr_assert_null(out[1].product, "unknown: no product, not an error");
    cr_assert_eq(out[1].available, 0);
    cr_assert_not_null(out[2].product);
    cr_assert_not(out[2].product->active);
    cr_assert_eq(stub_products_calls(STUB, STUB_CHECK), 1, "one check for every id");
    cr_assert_eq(stub_products_calls(STUB, STUB_PRODUCT), 3);
    for (size_t i = 0; i < 3; i++)
        orders_product_free(out[i].product);
    orders_catalog_http_free(ud);
}

/* ---- reserve, confirm, release ------------------------------------------------------------ */

static const orders_catalog_line_t LINES[] = {{"p1", 3}, {"p2", 1}};
#define EXPIRES 1767227400000LL /* 2026-01-01T00:30:00.000Z */

Test(http_catalog, reserve_confirm_release_follow_the_contract)
{
    orders_catalog_http_options_t o = opts_for_stub();
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    orders_error_t err = {0};
    cr_assert_eq(VT->reserve(ud, "o1", LINES, 2, EXPIRES, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(stub_products_order_units(STUB, "o1", false), 4);
    cr_assert_eq(stub_products_stock(STUB, "p1").held, 3);
    cr_assert_eq(stub_products_stock(STUB, "p1").available, 7);
    cr_assert_eq(stub_products_last_expires_at(STUB), EXPIRES, "expiresAt went over as sent");

    /* the same order again: nothing more is held */
    cr_assert_eq(VT->reserve(ud, "o1", LINES, 2, EXPIRES, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(stub_products_stock(STUB, "p1").held, 3);

    cr_assert_eq(VT->confirm(ud, "o1", &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(stub_products_order_units(STUB, "o1", true), 4);
    cr_assert_eq(stub_products_stock(STUB, "p1").sold, 3);
    cr_assert_eq(VT->confirm(ud, "o1", &err), ORDERS_OK, "confirming again succeeds");
    cr_assert_eq(stub_products_stock(STUB, "p1").sold, 3);

    cr_assert_eq(VT->release(ud, "o1", &err), ORDERS_OK, "%s", err.message);
    stub_stock_t st = stub_products_stock(STUB, "p1");
    cr_assert_eq(st.available, 10);
    cr_assert_eq(st.sold + st.held, 0);
    cr_assert_eq(VT->release(ud, "o1", &err), ORDERS_OK, "releasing nothing succeeds");
    cr_assert_eq(stub_products_active_orders(STUB), 0);
    orders_catalog_http_free(ud);
}

Test(http_catalog, reserve_retried_after_a_lost_answer_holds_once)
{
    orders_catalog_http_options_t o = opts_for_stub();
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    /* the first reserve is applied, but its answer is a 500 */
    stub_products_fault(STUB, STUB_RESERVE, STUB_FAULT_500_AFTER, 1);
    orders_error_t err = {0};
    cr_assert_eq(VT->reserve(ud, "o2", LINES, 2, EXPIRES, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(stub_products_calls(STUB, STUB_RESERVE), 2, "retried once");
    cr_assert_eq(stub_products_order_units(STUB, "o2", false), 4, "held once");
    cr_assert_eq(stub_products_stock(STUB, "p1").available, 7);
    cr_assert_eq(stub_products_calls(STUB, STUB_RELEASE), 0);
    orders_catalog_http_free(ud);
}

Test(http_catalog, transient_500s_are_retried_within_the_bound)
{
    orders_catalog_http_options_t o = opts_for_stub();
    o.retries = 2;
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    orders_error_t err = {0};
    orders_product_t *p = NULL;
    stub_products_fault(STUB, STUB_PRODUCT, STUB_FAULT_500, 2);
    cr_assert_eq(VT->product_get(ud, "p1", &p, &err), ORDERS_OK, "%s", err.message);
    orders_product_free(p);
    cr_assert_eq(stub_products_calls(STUB, STUB_PRODUCT), 3);

    stub_products_fault(STUB, STUB_CONFIRM, STUB_FAULT_500, 3);
    cr_assert_eq(VT->confirm(ud, "o3", &err), ORDERS_E_UNAVAILABLE);
    cr_assert_eq(stub_products_calls(STUB, STUB_CONFIRM), 3, "1 + retries attempts, no more");
    cr_assert(strstr(err.message, "Products service") && strstr(err.message, "confirm"), "%s",
              err.message);
    cr_assert_null(strstr(err.message, KEY));
    orders_catalog_http_free(ud);
}

Test(http_catalog, reserve_failing_for_good_is_unavailable_and_leaves_no_hold)
{
    orders_catalog_http_options_t o = opts_for_stub();
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    /* every answer lost, though the first attempt held the units */
    stub_products_fault(STUB, STUB_RESERVE, STUB_FAULT_500_AFTER, 3);
    orders_error_t err = {0};
    cr_assert_eq(VT->reserve(ud, "o4", LINES, 2, EXPIRES, &err), ORDERS_E_UNAVAILABLE);
    cr_assert_eq(stub_products_calls(STUB, STUB_RESERVE), 3);
    cr_assert_eq(stub_products_calls(STUB, STUB_RELEASE), 1, "one release after the doubt");
    cr_assert_eq(stub_products_active_orders(STUB), 0);
    cr_assert_eq(stub_products_stock(STUB, "p1").available, 10);
    orders_catalog_http_free(ud);
}

Test(http_catalog, shortage_is_out_of_stock_naming_the_product_and_holds_nothing)
{
    orders_catalog_http_options_t o = opts_for_stub();
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    const orders_catalog_line_t lines[] = {{"p1", 2}, {"p2", 6}};
    orders_error_t err = {0};
    cr_assert_eq(VT->reserve(ud, "o5", lines, 2, EXPIRES, &err), ORDERS_E_OUT_OF_STOCK, "%s",
                 err.message);
    cr_assert_str_eq(err.field, "p2");
    cr_assert_eq(stub_products_calls(STUB, STUB_RESERVE), 1, "a 409 is not retried");
    cr_assert_eq(stub_products_stock(STUB, "p1").available, 10, "all or none");
    cr_assert_eq(stub_products_active_orders(STUB), 0);
    orders_catalog_http_free(ud);
}

/* ---- outages and bad answers ------------------------------------------------------------------ */

Test(http_catalog, a_slow_service_times_out_as_unavailable_in_bounded_time)
{
    orders_catalog_http_options_t o = opts_for_stub();
    o.timeout_ms = 200;
    o.retries = 1;
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    stub_products_delay(STUB, 1500);
    orders_error_t err = {0};
    int64_t avail = 0;
    int64_t t0 = test_mono_ms();
    cr_assert_eq(VT->stock_available(ud, "p1", &avail, &err), ORDERS_E_UNAVAILABLE, "%s",
                 err.message);
    int64_t took = test_mono_ms() - t0;
    cr_assert_geq(took, 2 * 200 - 20, "took %lld ms", (long long)took);
    cr_assert_lt(took, 1000, "took %lld ms: two attempts of 200 ms", (long long)took);
    cr_assert(strstr(err.message, "Products service") && strstr(err.message, "check"), "%s",
              err.message);
    stub_products_delay(STUB, 0);
    orders_catalog_http_free(ud);
}

Test(http_catalog, refused_connections_are_unavailable_until_the_service_is_back)
{
    orders_catalog_http_options_t o = opts_for_stub();
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    orders_error_t err = {0};
    orders_product_t *p = NULL;
    stub_products_stop(STUB);
    int64_t t0 = test_mono_ms();
    cr_assert_eq(VT->product_get(ud, "p1", &p, &err), ORDERS_E_UNAVAILABLE);
    cr_assert_null(p);
    cr_assert_lt(test_mono_ms() - t0, 1000, "a refused connection fails fast");
    cr_assert(strstr(err.message, "Products service"), "%s", err.message);
    cr_assert_eq(VT->release(ud, "o6", &err), ORDERS_E_UNAVAILABLE);

    cr_assert(stub_products_restart(STUB));
    cr_assert_eq(VT->product_get(ud, "p1", &p, &err), ORDERS_OK, "%s", err.message);
    orders_product_free(p);
    orders_catalog_http_free(ud);
}

static void expect_backend(void *ud, stub_route_t route, stub_fault_t fault)
{
    stub_products_fault(STUB, route, fault, 1);
    int before = stub_products_calls(STUB, route);
    orders_error_t err = {0};
    orders_code_t rc;
    if (route == STUB_PRODUCT) {
        orders_product_t *p = (orders_product_t *)&err;
        rc = VT->product_get(ud, "p1", &p, &err);
        cr_assert_null(p);
    } else if (route == STUB_CHECK) {
        int64_t avail = 0;
        rc = VT->stock_available(ud, "p1", &avail, &err);
    } else if (route == STUB_RESERVE) {
        rc = VT->reserve(ud, "o7", LINES, 2, EXPIRES, &err);
    } else {
        rc = VT->confirm(ud, "o7", &err);
    }
    cr_assert_eq(rc, ORDERS_E_BACKEND, "route %d fault %d: %s", route, fault, err.message);
    cr_assert(strstr(err.message, "Products service"), "%s", err.message);
    cr_assert_eq(stub_products_calls(STUB, route), before + 1, "a bad answer is not retried");
}

Test(http_catalog, malformed_answers_are_backend_errors)
{
    orders_catalog_http_options_t o = opts_for_stub();
    o.cache_ttl_ms = 0;
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    for (stub_route_t r = STUB_PRODUCT; r <= STUB_CONFIRM; r++) {
        if (r != STUB_CONFIRM) /* confirm's answer has no data to get wrong */
            expect_backend(ud, r, STUB_FAULT_BAD_SHAPE);
        expect_backend(ud, r, STUB_FAULT_NOT_JSON);
    }
    orders_catalog_http_free(ud);
}

Test(http_catalog, a_wrong_key_is_a_backend_error_that_never_shows_the_key)
{
    orders_catalog_http_options_t o = opts_for_stub();
    o.service_key = "not-the-key-123";
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    orders_error_t err = {0};
    orders_product_t *p = NULL;
    cr_assert_eq(VT->product_get(ud, "p1", &p, &err), ORDERS_E_BACKEND);
    cr_assert(strstr(err.message, "401"), "%s", err.message);
    cr_assert_null(strstr(err.message, "not-the-key-123"));
    cr_assert_eq(stub_products_calls(STUB, STUB_PRODUCT), 1, "a 401 is not retried");
    orders_catalog_http_free(ud);
}

/* ---- many threads on one handle ------------------------------------------------------------------ */

#include <pthread.h>

#define THREADS 4
#define ROUNDS 10

typedef struct worker {
    void *ud;
    int index;
    int failures;
} worker_t;

static void *work(void *arg)
{
    worker_t *w = arg;
    static const char *const ids[] = {"p1", "p2", "p3"};
    for (int i = 0; i < ROUNDS; i++) {
        orders_product_t *p = NULL;
        int64_t avail = -1;
        char order[32];
        snprintf(order, sizeof order, "t%d-%d", w->index, i);
        const orders_catalog_line_t line = {"p1", 1};
        if (VT->product_get(w->ud, ids[(w->index + i) % 3], &p, NULL) != ORDERS_OK ||
            strcmp(p->id, ids[(w->index + i) % 3]) != 0)
            w->failures++;
        orders_product_free(p);
        if (VT->stock_available(w->ud, "p2", &avail, NULL) != ORDERS_OK || avail != 5)
            w->failures++;
        if (VT->reserve(w->ud, order, &line, 1, EXPIRES, NULL) != ORDERS_OK ||
            VT->release(w->ud, order, NULL) != ORDERS_OK)
            w->failures++;
    }
    return NULL;
}

Test(http_catalog, one_handle_serves_many_threads)
{
    orders_catalog_http_options_t o = opts_for_stub();
    o.cache_size = 2; /* three products: the cache evicts all the time */
    void *ud = new_catalog(&o);
    VT = orders_catalog_http_vtable();
    pthread_t t[THREADS];
    worker_t w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker_t){ud, i, 0};
        cr_assert_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(w[i].failures, 0, "thread %d: %d failed calls", i, w[i].failures);
    }
    cr_assert_eq(stub_products_calls(STUB, STUB_RESERVE), THREADS * ROUNDS);
    cr_assert_eq(stub_products_active_orders(STUB), 0);
    cr_assert_eq(stub_products_stock(STUB, "p1").available, 10);
    orders_catalog_http_free(ud);
}

/* ---- through the library ------------------------------------------------------------------------- */

#define IDS_MAX 16
static orders_ctx_t *CTX;
static char IDS[IDS_MAX][ORDERS_ID_MAX + 1]; /* every id the context made */
static int ID_COUNT;

static void count_ids(void *ud, char out[ORDERS_ID_MAX + 1])
{
    (void)ud;
    snprintf(out, ORDERS_ID_MAX + 1, "id-%d", ID_COUNT + 1);
    if (ID_COUNT < IDS_MAX)
        snprintf(IDS[ID_COUNT], sizeof IDS[0], "%s", out);
    ID_COUNT++;
}

static void lib_setup(void)
{
    stub_setup();
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_new(NULL, &CTX, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_ctx_open_store(CTX, "memory:", &err), ORDERS_OK, "%s", err.message);
    orders_ctx_set_idgen(CTX, count_ids, NULL);
    ID_COUNT = 0;
    orders_catalog_http_options_t o = opts_for_stub();
    void *ud = new_catalog(&o);
    cr_assert_eq(orders_ctx_set_catalog(CTX, orders_catalog_http_vtable(), ud,
                                        orders_catalog_http_free, &err),
                 ORDERS_OK, "%s", err.message);
}

static void lib_teardown(void)
{
    orders_ctx_destroy(CTX);
    CTX = NULL;
    stub_teardown();
}

TestSuite(http_place, .init = lib_setup, .fini = lib_teardown);

static const orders_address_t ADDR = {.address_line1 = "12 Analytical Way", .city = "London",
                                      .state = "LND", .country = "GB", .postal_code = "N1 9GU"};

static orders_code_t place(const char *customer, orders_payment_method_t method,
                           orders_order_t **out, orders_error_t *err)
{
    orders_identity_t who = {.id = customer, .name = "Ada", .email = "ada@example.com"};
    orders_place_request_t req = {.shipping_address = &ADDR, .payment_method = method};
    return orders_order_place(CTX, &who, &req, out, err);
}

static void fill_cart(const char *customer)
{
    orders_error_t err = {0};
    cr_assert_eq(orders_cart_add(CTX, customer, "p1", 2, ORDERS_ANY_VERSION, NULL, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_cart_add(CTX, customer, "p2", 1, ORDERS_ANY_VERSION, NULL, &err),
                 ORDERS_OK, "%s", err.message);
}

Test(http_place, placement_holds_the_orders_units_at_the_service)
{
    fill_cart("c1");
    orders_error_t err = {0};
    orders_order_t *o = NULL;
    cr_assert_eq(place("c1", ORDERS_METHOD_COD, &o, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(o->items[0].unit_price.amount, 1299, "the service's price");
    cr_assert_eq(o->subtotal.amount, 2 * 1299 + 250);
    cr_assert_eq(stub_products_calls(STUB, STUB_RESERVE), 1);
    cr_assert_eq(stub_products_calls(STUB, STUB_CONFIRM), 1, "cash on delivery confirms");
    cr_assert_eq(stub_products_order_units(STUB, o->id, true), 3, "sold under the order id");
    cr_assert_eq(stub_products_stock(STUB, "p1").available, 8);
    cr_assert_eq(stub_products_last_expires_at(STUB), o->reservation_expiry);

    /* cancelling gives the units back at the service */
    cr_assert_eq(orders_order_cancel(CTX, o->id, NULL, "admin", "test", NULL, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(stub_products_stock(STUB, "p1").available, 10);
    cr_assert_eq(stub_products_active_orders(STUB), 0);
    orders_order_free(o);
}

/* Placement failed with code: no order, no reservation (here or at the
 * service), the cart as it was. */
static void assert_nothing_written(const orders_cart_t *before)
{
    orders_error_t err = {0};
    orders_list_query_t q = {.customer_id = "c1", .page = 1, .limit = 10};
    orders_order_list_t list = {0};
    cr_assert_eq(orders_order_list(CTX, &q, &list, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(list.total, 0, "an order was left behind");
    orders_order_list_clear(&list);
    cr_assert_gt(ID_COUNT, 0, "no id was made: the placement never started");
    for (int i = 0; i < ID_COUNT && i < IDS_MAX; i++) {
        orders_reservation_t *r = NULL;
        cr_assert_eq(orders_reservation_get(CTX, IDS[i], &r, NULL), ORDERS_E_NOT_FOUND,
                     "a reservation for %s was left behind", IDS[i]);
        cr_assert_null(r);
    }
    orders_cart_t *after = NULL;
    cr_assert_eq(orders_cart_get(CTX, "c1", &after, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(after->item_count, before->item_count, "the cart changed");
    for (size_t i = 0; i < after->item_count; i++) {
        cr_assert_str_eq(after->items[i].product_id, before->items[i].product_id);
        cr_assert_eq(after->items[i].quantity, before->items[i].quantity);
    }
    orders_cart_free(after);
    cr_assert_eq(stub_products_active_orders(STUB), 0, "the service holds units");
    cr_assert_eq(stub_products_stock(STUB, "p1").available, 10);
}

static orders_cart_t *cart_now(void)
{
    orders_cart_t *c = NULL;
    cr_assert_eq(orders_cart_get(CTX, "c1", &c, NULL), ORDERS_OK);
    cr_assert_eq(c->item_count, 2u);
    return c;
}

Test(http_place, products_outage_is_unavailable_and_writes_nothing)
{
    fill_cart("c1");
    orders_cart_t *before = cart_now();
    stub_products_stop(STUB);
    orders_error_t err = {0};
    orders_order_t *o = NULL;
    cr_assert_eq(place("c1", ORDERS_METHOD_COD, &o, &err), ORDERS_E_UNAVAILABLE, "%s: %s",
                 orders_strerror(err.code), err.message);
    cr_assert_null(o);
    cr_assert(strstr(err.message, "Products service"), "%s", err.message);
    cr_assert(stub_products_restart(STUB));
    assert_nothing_written(before);
    orders_cart_free(before);
}

Test(http_place, reserve_failing_with_500s_is_unavailable_and_writes_nothing)
{
    fill_cart("c1");
    orders_cart_t *before = cart_now();
    stub_products_fault(STUB, STUB_RESERVE, STUB_FAULT_500, 100);
    orders_error_t err = {0};
    orders_order_t *o = NULL;
    cr_assert_eq(place("c1", ORDERS_METHOD_COD, &o, &err), ORDERS_E_UNAVAILABLE, "%s: %s",
                 orders_strerror(err.code), err.message);
    cr_assert_null(o);
    cr_assert_eq(stub_products_calls(STUB, STUB_RESERVE), 3, "1 + 2 retries");
    assert_nothing_written(before);
    orders_cart_free(before);
}

Test(http_place, reserve_answers_lost_for_good_leave_no_hold)
{
    fill_cart("c1");
    orders_cart_t *before = cart_now();
    stub_products_fault(STUB, STUB_RESERVE, STUB_FAULT_500_AFTER, 100);
    orders_error_t err = {0};
    orders_order_t *o = NULL;
    cr_assert_eq(place("c1", ORDERS_METHOD_COD, &o, &err), ORDERS_E_UNAVAILABLE, "%s: %s",
                 orders_strerror(err.code), err.message);
    cr_assert_null(o);
    assert_nothing_written(before);
    orders_cart_free(before);
}

Test(http_place, a_shortage_at_the_service_is_out_of_stock_and_writes_nothing)
{
    fill_cart("c1");
    orders_cart_t *before = cart_now();
    /* the service sold out p2 after it went into the cart */
    stub_products_add(STUB, "p2", "s2", "Green tea", 250, "USD", true, 0);
    orders_error_t err = {0};
    orders_order_t *o = NULL;
    orders_code_t rc = place("c1", ORDERS_METHOD_COD, &o, &err);
    cr_assert_eq(rc, ORDERS_E_OUT_OF_STOCK, "%s: %s", orders_strerror(err.code), err.message);
    cr_assert_null(o);
    assert_nothing_written(before);
    orders_cart_free(before);
}
