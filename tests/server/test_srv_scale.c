/*
 * tests/server/test_srv_scale.c - two orders-server processes on one store
 * (one SQLite file; one database on the MongoDB of ORDERS_TEST_MONGO_URI),
 * and BUYERS concurrent buyers racing for UNITS units of one product.
 *
 * The product is created through the admin API of the first server.  Each
 * buyer is its own customer with its own token and its own thread (the
 * harness's srvh_buy): buyer i adds one unit to its cart on server i % 2,
 * waits for every buyer to have added, and places cash on delivery on the
 * other server, so placements alternate between the processes and every
 * cart crosses from one to the other.  Then:
 *   - exactly UNITS placements answer 201, with distinct order ids and
 *     numbers, and every other one the out-of-stock 422;
 *   - the stock, read through both servers and through the store, is 0
 *     available and UNITS sold (cash on delivery sells at once), with
 *     available + reserved + sold == stocked - adjusted;
 *   - the admin order list of either server shows exactly the UNITS orders
 *     placed, and every one of them is whole in the store
 *     (support/order_check.h): confirmed, one unit, its reservation
 *     confirmed, its cart empty.
 *
 * ORDERS_SCALE_BUYERS (default 200) and ORDERS_SCALE_UNITS (default 50)
 * change the sizes (the defaults times ORDERS_TEST_SCALE: 20 and 5 in
 * test.sh's valgrind pass); scripts/scale-test.sh repeats the test.  MongoDB without
 * ORDERS_TEST_MONGO_URI: that test says it is skipped, and why.  Every wait
 * is bounded: the requests time out (curl), and the test has a Criterion
 * timeout.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "harness.h"
#include "stores.h"
#include "support/clock.h"
#include "support/order_check.h"
#include "support/scale.h"

#define MAX_BUYERS 1000
#define PRODUCT "prod-shared"
#define REQUEST_TIMEOUT_S 120L
#define OUT_OF_STOCK "Some items are not available: Shared item"

#define PLACE_COD                                                                          \
    "{\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":\"Springfield\","      \
    "\"state\":\"IL\",\"country\":\"US\",\"postalCode\":\"62701\"},\"paymentMethod\":\"cod\"}"

static struct {
    srvs_store_t store;
    srvh_t srv[2];
    bool curl_up;
    int buyers, units;
    srvh_buyer_t *buyer;     /* buyers of them; owned, tokens too */
} S;

static void down(void)
{
    int code[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        if (S.srv[i].pid > 0)
            code[i] = srvh_stop(&S.srv[i], true);
    srvs_destroy(&S.store);
    for (int i = 0; S.buyer != NULL && i < S.buyers; i++)
        free(S.buyer[i].token);
    free(S.buyer);
    if (S.curl_up)
        curl_global_cleanup();
    memset(&S, 0, sizeof S);
    cr_expect_eq(code[0], 0, "the first orders-server must exit cleanly");
    cr_expect_eq(code[1], 0, "the second orders-server must exit cleanly");
}

TestSuite(srv_scale, .fini = down);

/* ---- reading the result ------------------------------------------------------------------ */

/* GET /inventory/stock/PRODUCT on server s: available 0, all sold. */
static void expect_stock_via(srvh_t *s)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(s, "GET", "/api/v1/inventory/stock/" PRODUCT, NULL, &r), 200,
                 "%s: %s", s->base, r.body);
    json_t *d = srvh_data(&r);
    json_int_t available = json_integer_value(json_object_get(d, "available"));
    json_int_t reserved = json_integer_value(json_object_get(d, "reserved"));
    json_int_t sold = json_integer_value(json_object_get(d, "sold"));
    srvh_resp_clear(&r);
    cr_expect_eq(available, 0, "%s: available %lld", s->base, (long long)available);
    cr_expect_eq(reserved + sold, S.units, "%s: reserved %lld + sold %lld", s->base,
                 (long long)reserved, (long long)sold);
}

/* The buyer whose placement answered 201 with order id, or -1. */
static int buyer_of(const char *id)
{
    for (int b = 0; id != NULL && b < S.buyers; b++)
        if (S.buyer[b].place_status == 201 && strcmp(S.buyer[b].order_id, id) == 0)
            return b;
    return -1;
}

/* GET /admin/orders on server s: exactly the placed orders. */
static void expect_admin_list(srvh_t *s)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/admin/orders?page=1&limit=%d", S.units + 10);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(s, "GET", path, NULL, &r), 200, "%s: %s", s->base, r.body);
    json_t *d = srvh_data(&r);
    json_t *list = json_object_get(d, "orders");
    json_int_t total =
        json_integer_value(json_object_get(json_object_get(d, "pagination"), "total"));
    cr_expect_eq(total, S.units, "%s: admin list total %lld", s->base, (long long)total);
    cr_expect_eq(json_array_size(list), (size_t)S.units, "%s: admin list has %zu orders",
                 s->base, json_array_size(list));
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        const char *id = json_string_value(json_object_get(o, "id"));
        cr_expect_geq(buyer_of(id), 0, "%s: listed order %s was not placed by a buyer", s->base,
                      id ? id : "(no id)");
    }
    srvh_resp_clear(&r);
}

/* Through the store: the stock, and every order whole and placed by a buyer. */
static void expect_store(void)
{
    orders_ctx_t *ctx = srvs_open(&S.store);
    orders_product_t *p = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_product_get(ctx, PRODUCT, &p, &err), ORDERS_OK, "%s", err.message);
    ochk_line_t line = {PRODUCT, 1, p->price.amount};
    orders_product_free(p);
    ochk_stock_sold(ctx, "two servers", PRODUCT, S.units, S.units);
    orders_order_list_t l = {0};
    orders_list_query_t q = {.page = 1, .limit = 1000};
    cr_assert_eq(orders_order_list(ctx, &q, &l, &err), ORDERS_OK, "%s", err.message);
    cr_expect_eq(l.total, S.units, "the store holds %lld orders", (long long)l.total);
    for (size_t k = 0; k < l.count; k++) {
        const orders_order_t *o = l.items[k];
        int b = buyer_of(o->id);
        cr_expect_geq(b, 0, "stored order %s was not acknowledged to a buyer", o->id);
        ochk_order_whole(ctx, "two servers", o, ORDERS_METHOD_COD, &line, 1);
    }
    orders_order_list_clear(&l);
    orders_ctx_destroy(ctx);
}

/* ---- the race ------------------------------------------------------------------------------- */

static void race(void)
{
    pthread_t *th = calloc((size_t)S.buyers, sizeof *th);
    cr_assert_not_null(th, "out of memory");
    pthread_barrier_t gate;
    cr_assert_eq(pthread_barrier_init(&gate, NULL, (unsigned)S.buyers), 0);
    for (int i = 0; i < S.buyers; i++) {
        char customer[32];
        snprintf(customer, sizeof customer, "shared-buyer-%04d", i);
        S.buyer[i] = (srvh_buyer_t){.add_base = S.srv[i % 2].base,
                                    .place_base = S.srv[(i + 1) % 2].base,
                                    .token = srvh_token(customer),
                                    .add_json = "{\"productId\":\"" PRODUCT "\",\"quantity\":1}",
                                    .place_json = PLACE_COD,
                                    .timeout_s = test_scaled_ms(REQUEST_TIMEOUT_S * 1000) / 1000,
                                    .gate = &gate, .add_status = -1, .place_status = -1};
    }
    for (int i = 0; i < S.buyers; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, srvh_buy, &S.buyer[i]), 0);
    for (int i = 0; i < S.buyers; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&gate);
    free(th);
}

/* Exactly S.units 201s with distinct ids and numbers, the rest 422. */
static void expect_answers(void)
{
    int placed = 0, refused = 0, placed_on[2] = {0, 0};
    for (int i = 0; i < S.buyers; i++) {
        const srvh_buyer_t *b = &S.buyer[i];
        cr_expect_eq(b->add_status, 200, "buyer %d: add answered %ld", i, b->add_status);
        if (b->place_status == 201) {
            placed++;
            placed_on[(i + 1) % 2]++;
            cr_expect_neq(b->order_id[0], '\0', "buyer %d: no order id", i);
            cr_expect_neq(b->order_number[0], '\0', "buyer %d: no order number", i);
            for (int j = 0; j < i; j++) {
                if (S.buyer[j].place_status != 201)
                    continue;
                cr_expect(strcmp(S.buyer[j].order_id, b->order_id) != 0,
                          "buyers %d and %d got the same order id %s", j, i, b->order_id);
                cr_expect(strcmp(S.buyer[j].order_number, b->order_number) != 0,
                          "buyers %d and %d got the same order number %s", j, i,
                          b->order_number);
            }
        } else if (b->place_status == 422) {
            refused++;
            cr_expect(strncmp(b->message, OUT_OF_STOCK, strlen(OUT_OF_STOCK)) == 0,
                      "buyer %d: %s", i, b->message);
        } else {
            cr_expect_fail("buyer %d: place answered %ld: %s", i, b->place_status, b->message);
        }
    }
    fprintf(stderr, "srv_scale[%s]: %d placed (%d + %d on the two servers), %d refused\n",
            srvs_kind_name(S.store.kind), placed, placed_on[0], placed_on[1], refused);
    cr_expect_eq(placed, S.units, "exactly as many orders as units: %d placed", placed);
    cr_expect_eq(refused, S.buyers - S.units, "%d refused out of stock", refused);
}

static void run(srvs_kind_t kind, const char *test)
{
    S.buyers = (int)srvs_env_long("ORDERS_SCALE_BUYERS", (long)test_scaled_count(200, 20), 2,
                             MAX_BUYERS);
    S.units = (int)srvs_env_long("ORDERS_SCALE_UNITS", (long)test_scaled_count(50, 5), 1,
                                 S.buyers);
    srvs_init(&S.store, kind, test);
    cr_assert_eq(curl_global_init(CURL_GLOBAL_ALL), CURLE_OK);
    S.curl_up = true;
    S.buyer = calloc((size_t)S.buyers, sizeof *S.buyer);
    cr_assert_not_null(S.buyer, "out of memory");
    /* one after the other: each creates its tables or indexes at open */
    srvs_start(&S.store, &S.srv[0], "64", NULL);
    srvs_start(&S.store, &S.srv[1], "64", NULL);
    char body[256];
    snprintf(body, sizeof body, "{\"id\":\"" PRODUCT "\",\"sellerId\":\"seller-shared\","
             "\"name\":\"Shared item\",\"price\":5,\"stock\":%d}", S.units);
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&S.srv[0], "POST", "/api/v1/admin/products", body, &r), 201, "%s",
                 r.body);
    srvh_resp_clear(&r);
    int64_t t0 = test_mono_ms();
    race();
    int64_t race_ms = test_mono_ms() - t0;
    expect_answers();
    expect_stock_via(&S.srv[0]);
    expect_stock_via(&S.srv[1]);
    expect_admin_list(&S.srv[0]);
    expect_admin_list(&S.srv[1]);
    expect_store();
    fprintf(stderr, "%s: %d buyers, %d units, two servers: race %lld ms\n", test, S.buyers,
            S.units, (long long)race_ms);
}

Test(srv_scale, sqlite_two_servers_buyers_race_for_units, .timeout = 600)
{
    run(SRVS_SQLITE, "srv_scale[sqlite]");
}

Test(srv_scale, mongo_two_servers_buyers_race_for_units, .timeout = 600)
{
    run(SRVS_MONGO, "srv_scale[mongo]");
}
