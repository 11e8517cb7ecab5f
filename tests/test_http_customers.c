/*
 * test_http_customers.c - the HTTP customers backend
 * (orders/customers_http.h) against the in-process Customer service stub
 * (fixtures/stub_customers.h): resolve and address_get, unknown and
 * inactive customers, retries, faults (500s, refused connections,
 * malformed answers, a wrong key), and placements through the library.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <orders/orders.h>

#include "stub_customers.h"

#define KEY "test-customers-key"

static stub_customers_t *STUB;
static const orders_customers_vtable_t *VT;

static void stub_setup(void)
{
    STUB = stub_customers_start(KEY);
    cr_assert_not_null(STUB, "the stub did not start");
    cr_assert(stub_customers_add(STUB, "c1", "Ada Lovelace", "ada@example.com", true));
    cr_assert(stub_customers_add(STUB, "c2", "Charles Babbage", "cb@example.com", false));
    cr_assert(stub_customers_add(STUB, "c 3?x&y", "Mary Somerville", NULL, true));
    cr_assert(stub_customers_add_address(STUB, "c1", "addr-1", "12 Analytical Way", "London",
                                         "LND", "GB", "N1 9GU", "Ada L."));
    cr_assert(stub_customers_add_address(STUB, "c 3?x&y", "home #1", "1 Burntisland Rd",
                                         "Burntisland", "FIF", "GB", "KY3 9AA", "Mary"));
    VT = orders_customers_http_vtable();
}

static void stub_teardown(void)
{
    stub_customers_free(STUB);
    STUB = NULL;
}

/* Options for the stub: short timeouts and backoff so every test is fast. */
static orders_customers_http_options_t opts_for_stub(void)
{
    orders_customers_http_options_t o = orders_customers_http_options_default();
    o.base_url = stub_customers_url(STUB);
    o.service_key = KEY;
    o.timeout_ms = 1000;
    o.retry_backoff_ms = 10;
    return o;
}

static void *new_customers(const orders_customers_http_options_t *o)
{
    void *ud = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_customers_http_new(o, &ud, &err), ORDERS_OK, "%s", err.message);
    cr_assert_not_null(ud);
    return ud;
}

static void *UD;

static void backend_setup(void)
{
    stub_setup();
    orders_customers_http_options_t o = opts_for_stub();
    UD = new_customers(&o);
}

static void backend_teardown(void)
{
    orders_customers_http_free(UD);
    UD = NULL;
    stub_teardown();
}

TestSuite(http_customers, .init = backend_setup, .fini = backend_teardown);

/* ---- options ---------------------------------------------------------------------------- */

Test(http_customers, options_are_checked)
{
    orders_customers_http_options_t d = orders_customers_http_options_default();
    cr_assert_eq(d.timeout_ms, 2000);
    cr_assert_eq(d.retries, 2);
    cr_assert_eq(d.retry_backoff_ms, 50);

    struct { const char *url, *key; int timeout, retries, backoff; } bad[] = {
        {NULL, NULL, 2000, 2, 50},                 {"ftp://127.0.0.1:1", NULL, 2000, 2, 50},
        {"http://a b", NULL, 2000, 2, 50},         {"http://127.0.0.1:1", "k\n", 2000, 2, 50},
        {"http://127.0.0.1:1", NULL, 5, 2, 50},    {"http://127.0.0.1:1", NULL, 2000, 11, 50},
        {"http://127.0.0.1:1", NULL, 2000, 2, -1}, {"http://127.0.0.1:1", NULL, 2000, 2, 10001},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orders_customers_http_options_t o = d;
        o.base_url = bad[i].url;
        o.service_key = bad[i].key;
        o.timeout_ms = bad[i].timeout;
        o.retries = bad[i].retries;
        o.retry_backoff_ms = bad[i].backoff;
        void *ud = (void *)&o;
        orders_error_t err = {0};
        cr_assert_eq(orders_customers_http_new(&o, &ud, &err), ORDERS_E_INVALID, "case %zu", i);
        cr_assert_null(ud, "case %zu", i);
        cr_assert_str_eq(err.field, "customers");
    }
    void *ud = &d;
    cr_assert_eq(orders_customers_http_new(NULL, &ud, NULL), ORDERS_E_INVALID);
    cr_assert_null(ud);
    orders_customers_http_free(NULL); /* a no-op */
    cr_assert_eq(VT->version, ORDERS_CUSTOMERS_VERSION);
    cr_assert_str_eq(VT->name, "http");
    cr_assert_not_null(VT->address_get);
}

/* ---- resolve ------------------------------------------------------------------------------ */

Test(http_customers, resolve_fills_name_and_email)
{
    orders_identity_t who = {.id = "c1", .name = "claimed name", .email = "claimed@example.com"};
    orders_customer_t c = {0};
    orders_error_t err = {0};
    cr_assert_eq(VT->resolve(UD, &who, &c, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(c.id, "c1");
    cr_assert_str_eq(c.name, "Ada Lovelace", "the service's name, not the claim");
    cr_assert_str_eq(c.email, "ada@example.com");
    cr_assert(c.active);
    orders_customer_clear(&c);
    cr_assert_eq(stub_customers_calls(STUB, STUB_CUST_CUSTOMER), 1);
}

Test(http_customers, ids_are_escaped_and_a_null_email_is_none)
{
    orders_identity_t who = {.id = "c 3?x&y"};
    orders_customer_t c = {0};
    orders_error_t err = {0};
    cr_assert_eq(VT->resolve(UD, &who, &c, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(c.name, "Mary Somerville");
    cr_assert_null(c.email);
    orders_customer_clear(&c);

    orders_address_t a = {0};
    cr_assert_eq(VT->address_get(UD, &who, "home #1", &a, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(a.city, "Burntisland");
    orders_address_clear(&a);
}

Test(http_customers, an_unknown_customer_is_not_found)
{
    orders_identity_t who = {.id = "nobody"};
    orders_customer_t c = {0};
    orders_error_t err = {0};
    cr_assert_eq(VT->resolve(UD, &who, &c, &err), ORDERS_E_NOT_FOUND);
    cr_assert_str_eq(err.field, "customerId");
    cr_assert_null(c.id);
    cr_assert_eq(stub_customers_calls(STUB, STUB_CUST_CUSTOMER), 1, "a 404 is not retried");
}

Test(http_customers, an_inactive_customer_is_inactive)
{
    orders_identity_t who = {.id = "c2"};
    orders_customer_t c = {0};
    orders_error_t err = {0};
    cr_assert_eq(VT->resolve(UD, &who, &c, &err), ORDERS_E_INACTIVE);
    cr_assert_str_eq(err.field, "customerId");
    cr_assert_null(c.id, "nothing is filled for an inactive customer");
    cr_assert_not(c.active);
}

Test(http_customers, a_bad_id_is_invalid_and_sends_nothing)
{
    char longid[ORDERS_ID_MAX + 2];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    orders_identity_t ids[] = {{.id = NULL}, {.id = ""}, {.id = longid}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        orders_customer_t c = {0};
        cr_assert_eq(VT->resolve(UD, &ids[i], &c, NULL), ORDERS_E_INVALID, "case %zu", i);
    }
    orders_identity_t who = {.id = "c1"};
    orders_address_t a = {0};
    orders_error_t err = {0};
    cr_assert_eq(VT->address_get(UD, &who, "", &a, &err), ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "shippingAddressId");
    cr_assert_eq(stub_customers_calls(STUB, STUB_CUST_ANY), 0);
}

/* ---- address_get ---------------------------------------------------------------------------- */

Test(http_customers, address_get_reads_every_field)
{
    orders_identity_t who = {.id = "c1"};
    orders_address_t a = {0};
    orders_error_t err = {0};
    cr_assert_eq(VT->address_get(UD, &who, "addr-1", &a, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(a.address_line1, "12 Analytical Way");
    cr_assert_null(a.address_line2, "null in the answer");
    cr_assert_str_eq(a.city, "London");
    cr_assert_str_eq(a.state, "LND");
    cr_assert_str_eq(a.country, "GB");
    cr_assert_str_eq(a.postal_code, "N1 9GU");
    cr_assert_str_eq(a.contact_name, "Ada L.");
    cr_assert_null(a.contact_phone);
    orders_address_clear(&a);
}

Test(http_customers, an_unknown_address_is_not_found)
{
    orders_identity_t who = {.id = "c1"}, other = {.id = "c 3?x&y"};
    orders_address_t a = {0};
    orders_error_t err = {0};
    cr_assert_eq(VT->address_get(UD, &who, "addr-9", &a, &err), ORDERS_E_NOT_FOUND);
    cr_assert_str_eq(err.field, "shippingAddressId");
    cr_assert_null(a.city);
    cr_assert_eq(VT->address_get(UD, &other, "addr-1", &a, &err), ORDERS_E_NOT_FOUND,
                 "another customer's address");
}

/* ---- retries and faults ------------------------------------------------------------------- */

Test(http_customers, a_500_then_success_is_retried)
{
    stub_customers_fault(STUB, STUB_CUST_ANY, STUB_CUST_FAULT_500, 2);
    orders_identity_t who = {.id = "c1"};
    orders_customer_t c = {0};
    orders_error_t err = {0};
    cr_assert_eq(VT->resolve(UD, &who, &c, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(c.name, "Ada Lovelace");
    orders_customer_clear(&c);
    cr_assert_eq(stub_customers_calls(STUB, STUB_CUST_CUSTOMER), 3, "two 500s, then the answer");

    stub_customers_fault(STUB, STUB_CUST_ADDRESS, STUB_CUST_FAULT_500, 1);
    orders_address_t a = {0};
    cr_assert_eq(VT->address_get(UD, &who, "addr-1", &a, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(a.city, "London");
    orders_address_clear(&a);
    cr_assert_eq(stub_customers_calls(STUB, STUB_CUST_ADDRESS), 2);
}

Test(http_customers, 500s_past_the_retries_are_unavailable)
{
    stub_customers_fault(STUB, STUB_CUST_ANY, STUB_CUST_FAULT_500, 3);
    orders_identity_t who = {.id = "c1"};
    orders_customer_t c = {0};
    orders_error_t err = {0};
    cr_assert_eq(VT->resolve(UD, &who, &c, &err), ORDERS_E_UNAVAILABLE);
    cr_assert(strstr(err.message, "Customer service") && strstr(err.message, "GET customer"),
              "%s", err.message);
    cr_assert_eq(stub_customers_calls(STUB, STUB_CUST_CUSTOMER), 3, "1 + 2 retries");
}

Test(http_customers, a_service_down_is_unavailable_then_back)
{
    stub_customers_stop(STUB);
    orders_identity_t who = {.id = "c1"};
    orders_customer_t c = {0};
    orders_address_t a = {0};
    orders_error_t err = {0};
    cr_assert_eq(VT->resolve(UD, &who, &c, &err), ORDERS_E_UNAVAILABLE);
    cr_assert(strstr(err.message, "Customer service"), "%s", err.message);
    cr_assert_null(strstr(err.message, KEY), "the key never shows");
    cr_assert_eq(VT->address_get(UD, &who, "addr-1", &a, &err), ORDERS_E_UNAVAILABLE);

    cr_assert(stub_customers_restart(STUB));
    cr_assert_eq(VT->resolve(UD, &who, &c, &err), ORDERS_OK, "%s", err.message);
    orders_customer_clear(&c);
}

Test(http_customers, malformed_answers_are_backend_errors)
{
    const stub_cust_fault_t faults[] = {STUB_CUST_FAULT_NOT_JSON, STUB_CUST_FAULT_BAD_SHAPE};
    for (size_t i = 0; i < 2; i++) {
        orders_identity_t who = {.id = "c1"};
        orders_customer_t c = {0};
        orders_address_t a = {0};
        orders_error_t err = {0};
        stub_customers_fault(STUB, STUB_CUST_ANY, faults[i], 2);
        cr_assert_eq(VT->resolve(UD, &who, &c, &err), ORDERS_E_BACKEND, "fault %zu", i);
        cr_assert(strstr(err.message, "malformed"), "%s", err.message);
        cr_assert_null(c.id);
        cr_assert_eq(VT->address_get(UD, &who, "addr-1", &a, &err), ORDERS_E_BACKEND,
                     "fault %zu", i);
        cr_assert_null(a.city);
    }
    cr_assert_eq(stub_customers_calls(STUB, STUB_CUST_ANY), 4, "a 200 is not retried");
}

Test(http_customers, a_wrong_key_is_a_backend_error_without_the_key)
{
    orders_customers_http_options_t o = opts_for_stub();
    o.service_key = "not-the-key-456";
    void *ud = new_customers(&o);
    orders_identity_t who = {.id = "c1"};
    orders_customer_t c = {0};
    orders_error_t err = {0};
    cr_assert_eq(VT->resolve(ud, &who, &c, &err), ORDERS_E_BACKEND);
    cr_assert(strstr(err.message, "401"), "%s", err.message);
    cr_assert_null(strstr(err.message, "not-the-key-456"));
    orders_customers_http_free(ud);
}

/* ---- through the library ------------------------------------------------------------------ */

static orders_ctx_t *CTX;

static void lib_setup(void)
{
    stub_setup();
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_new(NULL, &CTX, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_ctx_open_store(CTX, "memory:", &err), ORDERS_OK, "%s", err.message);
    orders_product_t p = {.id = "mug", .seller_id = "s1", .name = "Coffee mug",
                          .price = {1299, "USD"}, .active = true};
    cr_assert_eq(orders_product_put(CTX, &p, false, NULL, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(orders_stock_set(CTX, "mug", 10, NULL, &err), ORDERS_OK, "%s", err.message);
    orders_customers_http_options_t o = opts_for_stub();
    void *ud = new_customers(&o);
    cr_assert_eq(orders_ctx_set_customers(CTX, orders_customers_http_vtable(), ud,
                                          orders_customers_http_free, &err),
                 ORDERS_OK, "%s", err.message);
}

static void lib_teardown(void)
{
    orders_ctx_destroy(CTX);
    CTX = NULL;
    stub_teardown();
}

TestSuite(http_customers_place, .init = lib_setup, .fini = lib_teardown);

static orders_code_t place(const char *customer, orders_order_t **out, orders_error_t *err)
{
    orders_error_t e = {0};
    cr_assert_eq(orders_cart_add(CTX, customer, "mug", 2, ORDERS_ANY_VERSION, NULL, &e),
                 ORDERS_OK, "%s", e.message);
    orders_identity_t who = {.id = customer, .name = "claimed", .email = "claimed@example.com"};
    orders_place_request_t req = {.shipping_address_id = "addr-1",
                                  .payment_method = ORDERS_METHOD_COD};
    return orders_order_place(CTX, &who, &req, out, err);
}

/* No order of customer, and the 2 mugs still in the cart. */
static void assert_no_order(const char *customer)
{
    orders_error_t err = {0};
    orders_list_query_t q = {.customer_id = customer, .page = 1, .limit = 10};
    orders_order_list_t list = {0};
    cr_assert_eq(orders_order_list(CTX, &q, &list, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(list.total, 0, "an order was left behind");
    orders_order_list_clear(&list);
    orders_cart_t *cart = NULL;
    cr_assert_eq(orders_cart_get(CTX, customer, &cart, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(cart->item_count, 1u, "the cart is intact");
    cr_assert_eq(cart->items[0].quantity, 2);
    orders_cart_free(cart);
}

Test(http_customers_place, the_order_takes_name_email_and_address_from_the_service)
{
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    cr_assert_eq(place("c1", &o, &err), ORDERS_OK, "%s", err.message);
    cr_assert_str_eq(o->customer_id, "c1");
    cr_assert_str_eq(o->customer_name, "Ada Lovelace");
    cr_assert_str_eq(o->customer_email, "ada@example.com");
    cr_assert_str_eq(o->shipping_address.address_line1, "12 Analytical Way");
    cr_assert_str_eq(o->shipping_address.city, "London");
    cr_assert_str_eq(o->shipping_address.postal_code, "N1 9GU");
    cr_assert_str_eq(o->shipping_address.contact_name, "Ada L.");
    cr_assert_eq(o->subtotal.amount, 2 * 1299);
    cr_assert_eq(stub_customers_calls(STUB, STUB_CUST_CUSTOMER), 1);
    cr_assert_eq(stub_customers_calls(STUB, STUB_CUST_ADDRESS), 1);
    orders_order_free(o);
}

Test(http_customers_place, an_inactive_customer_cannot_place)
{
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    cr_assert(stub_customers_add_address(STUB, "c2", "addr-1", "1 Dorset St", "London", "LND",
                                         "GB", "W1U 4EG", "Charles"));
    cr_assert_eq(place("c2", &o, &err), ORDERS_E_INACTIVE, "%s", err.message);
    cr_assert_str_eq(err.field, "customerId");
    cr_assert_null(o);
    assert_no_order("c2");
}

Test(http_customers_place, an_unknown_address_cannot_place)
{
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    cr_assert(stub_customers_add(STUB, "c4", "Grace Hopper", "grace@example.com", true));
    cr_assert_eq(place("c4", &o, &err), ORDERS_E_NOT_FOUND, "%s", err.message);
    cr_assert_str_eq(err.field, "shippingAddressId");
    cr_assert_null(o);
    assert_no_order("c4");
}

Test(http_customers_place, the_service_down_is_unavailable_and_places_nothing)
{
    stub_customers_stop(STUB);
    orders_order_t *o = NULL;
    orders_error_t err = {0};
    cr_assert_eq(place("c1", &o, &err), ORDERS_E_UNAVAILABLE, "%s", err.message);
    cr_assert(strstr(err.message, "Customer service"), "%s", err.message);
    cr_assert_null(o);
    assert_no_order("c1");
    orders_stock_t st;
    cr_assert_eq(orders_stock_get(CTX, "mug", &st, &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(st.available, 10, "nothing reserved");
}
