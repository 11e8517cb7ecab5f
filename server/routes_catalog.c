/*
 * server/routes_catalog.c - product administration of API.md Part B
 * (service key, admin rate limit): create, create or replace, read, list.
 *
 * Bodies are decoded by orders__json_product_request (JSON types, the
 * exact price, "stock" an integer >= 0); the library checks the values
 * (ids, name, a price >= 0 in a known currency).  Products live in the
 * store's own catalog (orders/inventory.h).
 */
#include <string.h>

#include <civetweb.h>

#include "json/json.h"
#include "server.h"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 100          /* larger asks are cut to this */

/* Answers status with the product (freed here), plus "stock" (the levels
 * after a stock set) when stock is not NULL. */
static void answer_product(srv_req_t *r, int status, const char *message,
                           orders_product_t *p, const orders_stock_t *stock)
{
    json_t *data = orders__json_product(p);
    if (data != NULL && stock != NULL &&
        json_object_set_new(data, "stock", orders__json_stock(p->id, stock)) != 0) {
        json_decref(data);
        data = NULL;
    }
    orders_product_free(p);
    srv_ok_data(r, status, message, data);
}

/*
 * Sets the stock a create or replace asked for (stock >= 0; -1 = leave it),
 * after the product was stored.  The decoder has already refused a stock
 * that is not an integer >= 0, and the product exists now, so this call can
 * only fail for backend reasons (BACKEND, NOMEM, UNAVAILABLE).  The
 * product then stays stored without that stock: the answer is that 5xx,
 * never a success, the log line says what was left half done, and the
 * client completes it by sending the same body to PUT /admin/products/:id,
 * which replaces the product and sets the stock again (a repeated POST
 * would be 409).  false after answering.
 */
static bool set_stock(srv_req_t *r, const char *id, int64_t stock, orders_stock_t *levels)
{
    if (stock < 0)
        return true;
    orders_error_t err;
    orders_code_t rc = orders_stock_set(r->ctx, id, stock, levels, &err);
    if (rc == ORDERS_OK)
        return true;
    srv_fail_lib(r, rc, &err);
    /* cut to fit the log's detail: the id may be 128 bytes */
    snprintf(r->detail, sizeof r->detail, "product %.64s stored, stock not set: %.150s", id,
             err.message);
    return false;
}

/* After a put (rc, stored): the failure, or the stock the body asked for
 * and then the product with status and message. */
static void finish_put(srv_req_t *r, orders_code_t rc, const orders_error_t *err,
                       orders_product_t *stored, int64_t stock, int status, const char *message)
{
    orders_stock_t levels;
    if (rc != ORDERS_OK) {
        orders_product_free(stored);
        srv_fail_lib(r, rc, err);
    } else if (!set_stock(r, stored->id, stock, &levels)) {
        orders_product_free(stored);
    } else {
        answer_product(r, status, message, stored, stock >= 0 ? &levels : NULL);
    }
}

/* A retried create (an Idempotency-Key, and the same product stored
 * already): 201 with the product and its stock as they are now; the stock
 * is not set again, so units sold meanwhile stay sold. */
static void answer_replay(srv_req_t *r, orders_product_t *stored, int64_t stock)
{
    orders_stock_t levels;
    orders_error_t err;
    orders_code_t rc = stock >= 0 ? orders_stock_get(r->ctx, stored->id, &levels, &err) : 0;
    if (rc != ORDERS_OK) {
        orders_product_free(stored);
        srv_fail_lib(r, rc, &err);
        return;
    }
    answer_product(r, 201, "Product created", stored, stock >= 0 ? &levels : NULL);
}

/* POST /admin/products: 201, or 409 when the id exists.  With an
 * Idempotency-Key, the same product sent again is a retry (201 again). */
static void product_create(srv_req_t *r)
{
    orders_product_t p;
    int64_t stock;
    orders_product_t *stored = NULL;
    orders_error_t err;
    bool replayed = false;
    orders_code_t rc = orders__json_product_request(r->body, NULL, &p, &stock, &err);
    if (rc == ORDERS_OK && mg_get_header(r->conn, "Idempotency-Key") != NULL)
        rc = orders_product_create_once(r->ctx, &p, &replayed, &stored, &err);
    else if (rc == ORDERS_OK)
        rc = orders_product_put(r->ctx, &p, true, &stored, &err);
    if (replayed)
        answer_replay(r, stored, stock);
    else
        finish_put(r, rc, &err, stored, stock, 201, "Product created");
}

/* A body "id" on PUT must be the path's id (absent or null is fine);
 * false after answering 400 naming "id". */
static bool body_id_matches(srv_req_t *r, const char *path_id)
{
    const json_t *v = json_object_get(r->body, "id");
    if (v == NULL || json_is_null(v) ||
        (json_is_string(v) && strcmp(json_string_value(v), path_id) == 0))
        return true;
    srv_fail_field(r, "id", "id must be the product id of the path");
    return false;
}

/*
 * PUT /admin/products/:id: creates the product (201 "Product created") or
 * replaces it (200 "Product updated").  Which one is decided by the store,
 * not by a read first: a create_only put either creates the product or
 * fails with CONFLICT because it exists, and only then is it replaced.  So
 * of two concurrent PUTs of a new id exactly one answers 201, and a read
 * that raced with another creator cannot turn a replace into a "created".
 * The library keeps createdAt on replace.
 */
static void product_replace(srv_req_t *r)
{
    const char *id = r->params[0];
    orders_product_t p;
    int64_t stock;
    orders_product_t *stored = NULL;
    orders_error_t err;
    if (!body_id_matches(r, id))
        return;
    orders_code_t rc = orders__json_product_request(r->body, id, &p, &stock, &err);
    bool created = true;
    if (rc == ORDERS_OK)
        rc = orders_product_put(r->ctx, &p, true, &stored, &err);
    if (rc == ORDERS_E_CONFLICT) {
        created = false;
        rc = orders_product_put(r->ctx, &p, false, &stored, &err);
    }
    finish_put(r, rc, &err, stored, stock, created ? 201 : 200,
               created ? "Product created" : "Product updated");
}

/* GET /admin/products/:id: 404 "Product not found". */
static void product_get(srv_req_t *r)
{
    orders_product_t *p = NULL;
    orders_error_t err;
    orders_code_t rc = orders_product_get(r->ctx, r->params[0], &p, &err);
    if (rc != ORDERS_OK) {
        srv_fail_lib(r, rc, &err);
        return;
    }
    answer_product(r, 200, NULL, p, NULL);
}

/* GET /admin/products?sellerId&page&limit: by id; limit 20 by default,
 * cut to 100. */
static void product_list(srv_req_t *r)
{
    int64_t page, limit;
    char seller[ORDERS_ID_MAX + 1];
    bool bad;
    if (!srv_page_query(r, &page, &limit, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX))
        return;
    bool by_seller = srv_query_str(r, "sellerId", seller, sizeof seller, &bad);
    if (bad)
        return;
    orders_product_list_t list = {0};
    orders_error_t err;
    orders_code_t rc =
        orders_product_list(r->ctx, by_seller ? seller : NULL, page, limit, &list, &err);
    if (rc != ORDERS_OK) {
        orders_product_list_clear(&list);
        srv_fail_lib(r, rc, &err);
        return;
    }
    json_t *data = orders__json_product_page(&list, page, limit);
    orders_product_list_clear(&list);
    srv_ok_data(r, 200, NULL, data);
}

const srv_route_t srv_routes_catalog[] = {
    {"GET", "/api/v1/admin/products", SRV_ADMIN, false, product_list},
    {"POST", "/api/v1/admin/products", SRV_ADMIN, true, product_create},
    {"GET", "/api/v1/admin/products/:id", SRV_ADMIN, false, product_get},
    {"PUT", "/api/v1/admin/products/:id", SRV_ADMIN, true, product_replace},
};
const size_t srv_routes_catalog_count = sizeof srv_routes_catalog / sizeof srv_routes_catalog[0];
