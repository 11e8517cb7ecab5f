/*
 * fuzz_request_json - request bodies: the bytes of a POST or PUT body go
 * through srv_body_parse (what orders-server's dispatcher does with every
 * body) and then through each request decoder of liborders/json/ that a
 * route calls.  Checked: a refusal carries its code and a message; an
 * accepted body gives values within the documented limits; a product price
 * survives encoding, printing and decoding again unchanged, and so does an
 * estimatedDelivery date.
 */
#include <string.h>

#include "fuzz.h"
#include "json/json.h"
#include "server.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* A decoder's verdict: ORDERS_OK, or a code that err repeats with a message. */
static bool verdict(orders_code_t rc, const orders_error_t *err)
{
    FUZZ_REQUIRE(rc == ORDERS_OK || (err->code == rc && err->message[0] != '\0'),
                 "a refusal without its code and message");
    return rc == ORDERS_OK;
}

/* The 1..max borrowed strings of an accepted list. */
static void check_list(size_t n, size_t max, const char *const *strings, size_t stride)
{
    FUZZ_REQUIRE(n >= 1 && n <= max, "a list outside 1..max entries accepted");
    for (size_t i = 0; i < n; i++)
        FUZZ_REQUIRE(*(const char *const *)((const char *)strings + i * stride) != NULL,
                     "an accepted list entry without its string");
}

/* POST /orders/place, the cart routes, PUT /orders/:id/cancel. */
static void customer_bodies(const json_t *body)
{
    orders_error_t err;
    orders_place_request_t req;
    orders_address_t addr;
    if (verdict(orders__json_place_request(body, &req, &addr, &err), &err))
        FUZZ_REQUIRE(req.shipping_address == NULL || req.shipping_address == &addr,
                     "place: shipping address not the one decoded");
    const char *product_id, *reason;
    int64_t quantity;
    if (verdict(orders__json_cart_item(body, true, &product_id, &quantity, &err), &err))
        FUZZ_REQUIRE(product_id != NULL, "cart item accepted without productId");
    if (verdict(orders__json_cart_item(body, false, &product_id, &quantity, &err), &err))
        FUZZ_REQUIRE(product_id != NULL && quantity == 0, "cart remove: productId or quantity");
    verdict(orders__json_cancel_request(body, &reason, &err), &err);
}

/* An accepted product, encoded as GET /admin/products/:id shows it,
 * printed, parsed and decoded again: the same price, name and flags. */
static void product_round_trip(const orders_product_t *p)
{
    json_t *shown = orders__json_product(p);
    char *text = shown ? json_dumps(shown, DUMP_FLAGS) : NULL;
    json_decref(shown);
    if (text == NULL)
        return; /* out of memory */
    char why[200];
    json_t *again = srv_body_parse(text, strlen(text), why, sizeof why);
    free(text);
    FUZZ_REQUIRE(again != NULL, "an encoded product does not parse back");
    orders_product_t q;
    int64_t stock;
    orders_error_t err;
    orders_code_t rc = orders__json_product_request(again, NULL, &q, &stock, &err);
    FUZZ_REQUIRE(rc == ORDERS_OK, "an encoded product does not decode back");
    FUZZ_REQUIRE(q.price.amount == p->price.amount &&
                     strcmp(q.price.currency, p->price.currency) == 0,
                 "a price changed through encode and decode");
    FUZZ_REQUIRE(strcmp(q.id, p->id) == 0 && strcmp(q.seller_id, p->seller_id) == 0 &&
                     strcmp(q.name, p->name) == 0 && q.active == p->active,
                 "a product field changed through encode and decode");
    json_decref(again);
}

/* POST/PUT /admin/products, the stock and reservation routes. */
static void catalog_bodies(const json_t *body)
{
    orders_error_t err;
    orders_product_t p;
    int64_t stock, value, window;
    if (verdict(orders__json_product_request(body, NULL, &p, &stock, &err), &err)) {
        FUZZ_REQUIRE(stock >= -1, "product stock below -1");
        product_round_trip(&p);
    }
    verdict(orders__json_product_request(body, "path-id", &p, &stock, &err), &err);
    verdict(orders__json_stock_set(body, &value, &err), &err);
    const char *reason, *order_id;
    verdict(orders__json_stock_adjust(body, &value, &reason, &err), &err);
    orders_item_request_t items[ORDERS__JSON_ITEMS_MAX];
    size_t n;
    if (verdict(orders__json_check_request(body, items, &n, &err), &err))
        check_list(n, ORDERS__JSON_ITEMS_MAX, &items[0].product_id, sizeof items[0]);
    if (verdict(orders__json_reserve_request(body, &order_id, items, &n, &window, &err), &err)) {
        check_list(n, ORDERS__JSON_ITEMS_MAX, &items[0].product_id, sizeof items[0]);
        FUZZ_REQUIRE(order_id != NULL, "reserve accepted without orderId");
        FUZZ_REQUIRE(window == 0 || (window >= 60000 && window <= 1440 * 60000LL),
                     "reserve window outside 1..1440 minutes");
    }
    verdict(orders__json_order_id(body, &order_id, &err), &err);
}

/* An accepted estimatedDelivery printed and read again: the same ms. */
static void date_round_trip(int64_t ms)
{
    char text[40];
    int64_t back = 0;
    if (ms == 0 || !orders__iso8601(ms, text, sizeof text))
        return;
    FUZZ_REQUIRE(orders__iso8601_parse(text, &back) && back == ms,
                 "a date changed through print and parse");
}

/* The admin order routes and the outbox requeue. */
static void admin_bodies(const json_t *body)
{
    orders_error_t err;
    orders_status_t status;
    const char *notes, *reason, *event_id;
    verdict(orders__json_admin_status(body, &status, &notes, &err), &err);
    orders_seller_update_t u;
    if (verdict(orders__json_seller_status(body, &u, &err), &err))
        date_round_trip(u.estimated_delivery);
    const char *ids[ORDERS__JSON_BULK_MAX];
    size_t n;
    if (verdict(orders__json_bulk_request(body, ids, &n, &status, &notes, &err), &err))
        check_list(n, ORDERS__JSON_BULK_MAX, ids, sizeof ids[0]);
    static const char *const currencies[] = {"USD", "JPY", "KWD"};
    for (size_t i = 0; i < sizeof currencies / sizeof currencies[0]; i++) {
        int64_t amount;
        if (verdict(orders__json_refund_request(body, currencies[i], &amount, &reason, &err),
                    &err))
            FUZZ_REQUIRE(amount == -1 || amount > 0, "refund amount neither -1 nor > 0");
    }
    int64_t limit = 7;
    verdict(orders__json_requeue_request(body, &event_id, &limit, &err), &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SRV_BODY_MAX)
        return 0; /* the dispatcher answers 413 before parsing */
    char why[200];
    json_t *body = srv_body_parse((const char *)data, size, why, sizeof why);
    if (body == NULL) {
        FUZZ_REQUIRE(strncmp(why, "Malformed JSON: ", 16) == 0 ||
                         strcmp(why, "The request body must be a JSON object") == 0,
                     "a refused body without its 400 message");
        return 0;
    }
    customer_bodies(body);
    catalog_bodies(body);
    admin_bodies(body);
    json_decref(body);
    return 0;
}
