/*
 * tests/server/test_srv_mongo_shared.c - two orders-server processes on one
 * MongoDB database (the MongoDB in ORDERS_TEST_MONGO_URI: the wire test
 * server test.sh starts, or a real one).
 *
 * A product of 20 units is created through the admin API of the first
 * server; then 100 buyers, each its own customer, race for it with one unit
 * each: buyer i adds to its cart on server i % 2, waits for every buyer to
 * have added, and places on the other server (so placements alternate
 * between the servers, and every cart crosses from one process to the
 * other).  Exactly 20 placements must answer 201 and the other 80 the
 * out-of-stock 422; the stock, read through both servers and straight from
 * the products document, must be 0 available and 20 reserved or sold with
 * available + reserved + sold == stocked - adjusted; and the admin order
 * list of either server must show exactly the 20 orders placed.
 *
 * Without ORDERS_TEST_MONGO_URI every test says it is skipped, and why.
 * Every wait is bounded: 100 threads, each request times out (curl), and the
 * test has a Criterion timeout.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <mongoc/mongoc.h>

#include "harness.h"

#define URI_ENV "ORDERS_TEST_MONGO_URI"
#define BUYERS 100
#define UNITS 20
#define PRODUCT "prod-shared"
#define REQUEST_TIMEOUT_S 90L

#define PLACE_COD                                                                          \
    "{\"shippingAddress\":{\"addressLine1\":\"1 Main St\",\"city\":\"Springfield\","      \
    "\"state\":\"IL\",\"country\":\"US\",\"postalCode\":\"62701\"},\"paymentMethod\":\"cod\"}"

static srvh_t srv[2];
static char db_name[64];
static char store_uri[2048];
static bool curl_up;

/* ---- set-up ----------------------------------------------------------------------- */

/* uri with its database path replaced by (or given) db, into out; false when
 * it does not fit or is not a mongodb:// URI. */
static bool uri_with_database(const char *uri, const char *db, char *out, size_t len)
{
    const char *hosts = NULL;
    if (strncmp(uri, "mongodb://", 10) == 0)
        hosts = uri + 10;
    else if (strncmp(uri, "mongodb+srv://", 14) == 0)
        hosts = uri + 14;
    if (hosts == NULL)
        return false;
    /* the host list ends at the first '/' or '?' ('/' inside a password
     * or a socket path is percent-encoded) */
    size_t host_end = strcspn(hosts, "/?");
    const char *options = strchr(hosts + host_end, '?');
    int n = snprintf(out, len, "%.*s/%s%s", (int)(hosts + host_end - uri), uri, db,
                     options ? options : "");
    return n > 0 && (size_t)n < len;
}

static void start_server(srvh_t *s)
{
    const char *args[] = {
        "--port", "0", "--store", store_uri, "--jwt-secret", SRVH_SECRET,
        "--service-key", SRVH_SERVICE_KEY, "--rate-limit-customer", "0",
        "--rate-limit-admin", "0", "--threads", "64", NULL,
    };
    srvh_start_argv(s, args);
}

static void up(void)
{
    const char *uri = getenv(URI_ENV);
    if (uri == NULL || uri[0] == '\0') {
        fprintf(stderr, "test_srv_mongo_shared: SKIPPED: " URI_ENV " is not set (test.sh "
                        "starts the wire test server and sets it; or point it at a MongoDB)\n");
        cr_skip_test(URI_ENV " is not set");
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(db_name, sizeof db_name, "orders_srv2_%ld_%lx", (long)getpid(),
             (unsigned long)((ts.tv_sec * 1000 + ts.tv_nsec / 1000000) & 0xffffffffUL));
    cr_assert(uri_with_database(uri, db_name, store_uri, sizeof store_uri),
              URI_ENV " is not a mongodb:// URI (or is too long)");
    mongoc_init();
    cr_assert_eq(curl_global_init(CURL_GLOBAL_ALL), CURLE_OK);
    curl_up = true;
    /* one after the other: each creates the indexes at open */
    start_server(&srv[0]);
    start_server(&srv[1]);
}

/* Drops the test's database through a client of our own. */
static void drop_database(void)
{
    bson_error_t error;
    mongoc_client_t *c = mongoc_client_new(store_uri);
    if (c == NULL) {
        fprintf(stderr, "test_srv_mongo_shared: no client to drop %s\n", db_name);
        return;
    }
    mongoc_database_t *d = mongoc_client_get_database(c, db_name);
    if (!mongoc_database_drop(d, &error))
        fprintf(stderr, "test_srv_mongo_shared: dropping %s: %s\n", db_name, error.message);
    mongoc_database_destroy(d);
    mongoc_client_destroy(c);
}

static void down(void)
{
    int code[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        if (srv[i].pid > 0)
            code[i] = srvh_stop(&srv[i], false);
    if (curl_up) {
        drop_database();
        mongoc_cleanup();
        curl_global_cleanup();
        curl_up = false;
    }
    cr_expect_eq(code[0], 0, "the first orders-server must exit cleanly");
    cr_expect_eq(code[1], 0, "the second orders-server must exit cleanly");
}

TestSuite(srv_mongo_shared, .init = up, .fini = down);

/* ---- the buyers --------------------------------------------------------------------- */

/* ---- reading the result --------------------------------------------------------------- */

typedef struct levels {
    json_int_t available, reserved, sold;
} levels_t;

/* GET /inventory/stock/PRODUCT on server s, which must answer 200. */
static levels_t stock_via(srvh_t *s)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(s, "GET", "/api/v1/inventory/stock/" PRODUCT, NULL, &r), 200,
                 "%s: %s", s->base, r.body);
    json_t *d = srvh_data(&r);
    levels_t l = {json_integer_value(json_object_get(d, "available")),
                  json_integer_value(json_object_get(d, "reserved")),
                  json_integer_value(json_object_get(d, "sold"))};
    srvh_resp_clear(&r);
    return l;
}

/* The stock fields of PRODUCT's document in the products collection. */
typedef struct doc_stock {
    int64_t available, reserved, sold, stocked, adjusted;
} doc_stock_t;

static int64_t field_i64(const bson_t *doc, const char *key)
{
    bson_iter_t it;
    cr_assert(bson_iter_init_find(&it, doc, key), "products/" PRODUCT " has no field %s", key);
    return bson_iter_as_int64(&it);
}

static doc_stock_t stock_in_database(void)
{
    mongoc_client_t *c = mongoc_client_new(store_uri);
    cr_assert_not_null(c);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, db_name, "products");
    bson_t *filter = BCON_NEW("_id", BCON_UTF8(PRODUCT));
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, filter, NULL, NULL);
    const bson_t *doc = NULL;
    bson_error_t error;
    bool found = mongoc_cursor_next(cur, &doc);
    cr_assert(found || !mongoc_cursor_error(cur, &error), "find products/" PRODUCT ": %s",
              error.message);
    cr_assert(found, "no products document with _id " PRODUCT " in %s", db_name);
    doc_stock_t s = {field_i64(doc, "available"), field_i64(doc, "reserved"),
                     field_i64(doc, "sold"), field_i64(doc, "stocked"),
                     field_i64(doc, "adjusted")};
    mongoc_cursor_destroy(cur);
    bson_destroy(filter);
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(c);
    return s;
}

/* Checks GET /admin/orders on server s: exactly the placed orders. */
static void expect_admin_list(srvh_t *s, const srvh_buyer_t *buyers)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(s, "GET", "/api/v1/admin/orders?page=1&limit=100", NULL, &r), 200,
                 "%s: %s", s->base, r.body);
    json_t *d = srvh_data(&r);
    json_t *list = json_object_get(d, "orders");
    json_int_t total = json_integer_value(json_object_get(json_object_get(d, "pagination"),
                                                          "total"));
    cr_expect_eq(total, UNITS, "%s: admin list total %lld", s->base, (long long)total);
    cr_expect_eq(json_array_size(list), (size_t)UNITS, "%s: admin list has %zu orders", s->base,
                 json_array_size(list));
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        const char *id = json_string_value(json_object_get(o, "id"));
        bool placed = false;
        for (int b = 0; id != NULL && b < BUYERS && !placed; b++)
            placed = buyers[b].place_status == 201 && strcmp(buyers[b].order_id, id) == 0;
        cr_expect(placed, "%s: listed order %s was not placed by a buyer", s->base,
                  id ? id : "(no id)");
    }
    srvh_resp_clear(&r);
}

/* ---- the test ---------------------------------------------------------------------------- */

Test(srv_mongo_shared, hundred_buyers_twenty_units_two_servers, .timeout = 270)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv[0], "POST", "/api/v1/admin/products",
                            "{\"id\":\"" PRODUCT "\",\"sellerId\":\"seller-shared\",\"name\":"
                            "\"Shared item\",\"price\":5,\"stock\":20}",
                            &r),
                 201, "%s", r.body);
    srvh_resp_clear(&r);
    /* the other server sees it at once: no state of its own */
    levels_t before = stock_via(&srv[1]);
    cr_assert_eq(before.available, UNITS, "second server: available %lld",
                 (long long)before.available);

    static srvh_buyer_t buyers[BUYERS];
    pthread_t th[BUYERS];
    pthread_barrier_t gate;
    cr_assert_eq(pthread_barrier_init(&gate, NULL, BUYERS), 0);
    for (int i = 0; i < BUYERS; i++) {
        char customer[32];
        snprintf(customer, sizeof customer, "shared-buyer-%03d", i);
        buyers[i] = (srvh_buyer_t){.add_base = srv[i % 2].base,
                                   .place_base = srv[(i + 1) % 2].base,
                                   .token = srvh_token(customer),
                                   .add_json = "{\"productId\":\"" PRODUCT "\",\"quantity\":1}",
                                   .place_json = PLACE_COD, .timeout_s = REQUEST_TIMEOUT_S,
                                   .gate = &gate, .add_status = -1, .place_status = -1};
    }
    for (int i = 0; i < BUYERS; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, srvh_buy, &buyers[i]), 0);
    for (int i = 0; i < BUYERS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&gate);

    int placed = 0, refused = 0, placed_on[2] = {0, 0};
    for (int i = 0; i < BUYERS; i++) {
        srvh_buyer_t *b = &buyers[i];
        cr_expect_eq(b->add_status, 200, "buyer %d: add answered %ld", i, b->add_status);
        if (b->place_status == 201) {
            placed++;
            placed_on[(i + 1) % 2]++;
            cr_expect_neq(b->order_id[0], '\0', "buyer %d: no order id", i);
            cr_expect_neq(b->order_number[0], '\0', "buyer %d: no order number", i);
            for (int j = 0; j < i; j++) {
                if (buyers[j].place_status != 201)
                    continue;
                cr_expect(strcmp(buyers[j].order_id, b->order_id) != 0,
                          "buyers %d and %d got the same order id %s", j, i, b->order_id);
                cr_expect(strcmp(buyers[j].order_number, b->order_number) != 0,
                          "buyers %d and %d got the same order number %s", j, i,
                          b->order_number);
            }
        } else if (b->place_status == 422) {
            refused++;
            cr_expect(strncmp(b->message, "Some items are not available: Shared item", 41) == 0,
                      "buyer %d: %s", i, b->message);
        } else {
            cr_expect_fail("buyer %d: place answered %ld: %s", i, b->place_status, b->message);
        }
    }
    cr_expect_eq(placed, UNITS, "exactly as many orders as units: %d placed (%d + %d)", placed,
                 placed_on[0], placed_on[1]);
    cr_expect_eq(refused, BUYERS - UNITS, "%d refused out of stock", refused);

    for (int k = 0; k < 2; k++) {
        levels_t l = stock_via(&srv[k]);
        cr_expect_eq(l.available, 0, "%s: available %lld", srv[k].base, (long long)l.available);
        cr_expect_eq(l.reserved + l.sold, UNITS, "%s: reserved %lld + sold %lld", srv[k].base,
                     (long long)l.reserved, (long long)l.sold);
    }
    doc_stock_t s = stock_in_database();
    cr_expect_eq(s.available, 0, "products document: available %lld", (long long)s.available);
    cr_expect_eq(s.reserved + s.sold, UNITS, "products document: reserved %lld + sold %lld",
                 (long long)s.reserved, (long long)s.sold);
    cr_expect_eq(s.available + s.reserved + s.sold, s.stocked - s.adjusted,
                 "invariant: %lld + %lld + %lld != %lld - %lld", (long long)s.available,
                 (long long)s.reserved, (long long)s.sold, (long long)s.stocked,
                 (long long)s.adjusted);
    cr_expect_eq(s.stocked - s.adjusted, UNITS, "stocked %lld - adjusted %lld",
                 (long long)s.stocked, (long long)s.adjusted);

    expect_admin_list(&srv[0], buyers);
    expect_admin_list(&srv[1], buyers);
    for (int i = 0; i < BUYERS; i++)
        free(buyers[i].token);
}
