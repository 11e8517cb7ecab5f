/*
 * catalog/http.c - the HTTP catalog: a Products service spoken to with
 * libcurl (orders/catalog_http.h; the contract is docs/integrations.md,
 * "Products service").
 *
 * Layout: options and the handle; the answers' validation; the product
 * cache; the vtable.  The HTTP exchange itself (pool, attempts, retries,
 * error mapping) is net/http_call.c, shared with the other HTTP backends.
 * Every JSON body is built and read with jansson; every field of an answer
 * is checked before it is used, and anything else is ORDERS_E_BACKEND.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include <orders/catalog_http.h>

#include "json/json.h"
#include "net/http_call.h"

#define HTTP_SERVICE "Products service"
#define HTTP_NAME_MAX 1024            /* product name, bytes */
#define HTTP_IMAGE_MAX 4096           /* image URL, bytes */
#define HTTP_CACHE_SIZE_MAX 65536          /* the cache is scanned linearly */

typedef struct cache_entry {
    orders_product_t *product;    /* one block (orders_product_copy) */
    int64_t stored_at;            /* monotonic ms */
} cache_entry_t;

typedef struct http_catalog {
    orders__http_t *http;         /* the Products service (net/http_call.h) */
    int retries;
    int64_t ttl_ms;
    size_t cache_cap;

    pthread_mutex_t cache_lock;
    cache_entry_t *cache;         /* cache_cap slots, cache_count used; NULL when ttl_ms == 0 */
    size_t cache_count;
} http_catalog_t;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- options and the handle ------------------------------------------------------- */

orders_catalog_http_options_t orders_catalog_http_options_default(void)
{
    return (orders_catalog_http_options_t){
        .base_url = NULL,
        .service_key = NULL,
        .timeout_ms = 2000,
        .retries = 2,
        .retry_backoff_ms = 50,
        .cache_ttl_ms = 5000,
        .cache_size = 1024,
    };
}

static orders_code_t bad_option(orders_error_t *err, const char *what)
{
    return orders_error_set(err, ORDERS_E_INVALID, "catalog", "HTTP catalog: %s", what);
}

static orders_code_t check_options(const orders_catalog_http_options_t *o, orders_error_t *err)
{
    if (!o)
        return bad_option(err, "options are required");
    /* base_url, the key, timeout and retries: orders__http_new */
    if (o->cache_ttl_ms < 0 || o->cache_ttl_ms > 3600000)
        return bad_option(err, "cache_ttl_ms must be within 0..3600000");
    if (o->cache_size < 1 || o->cache_size > HTTP_CACHE_SIZE_MAX)
        return bad_option(err, "cache_size must be within 1..65536");
    return ORDERS_OK;
}

void orders_catalog_http_free(void *ud)
{
    http_catalog_t *hc = ud;
    if (!hc)
        return;
    orders__http_free(hc->http);
    for (size_t i = 0; i < hc->cache_count; i++)
        orders_product_free(hc->cache[i].product);
    free(hc->cache);
    pthread_mutex_destroy(&hc->cache_lock);
    free(hc);
}

orders_code_t orders_catalog_http_new(const orders_catalog_http_options_t *opts, void **ud,
                                      orders_error_t *err)
{
    if (!ud)
        return bad_option(err, "ud is required");
    *ud = NULL;
    orders_code_t rc = check_options(opts, err);
    if (rc)
        return rc;
    orders__http_t *http = NULL;
    const orders__http_options_t ho = {
        .label = "HTTP catalog", .field = "catalog", .service = HTTP_SERVICE,
        .base_url = opts->base_url, .service_key = opts->service_key,
        .timeout_ms = opts->timeout_ms, .retries = opts->retries,
        .retry_backoff_ms = opts->retry_backoff_ms,
    };
    if ((rc = orders__http_new(&ho, &http, err)) != ORDERS_OK)
        return rc;
    http_catalog_t *hc = calloc(1, sizeof *hc);
    if (!hc) {
        orders__http_free(http);
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    }
    hc->http = http;
    hc->retries = opts->retries;
    hc->ttl_ms = opts->cache_ttl_ms;
    hc->cache_cap = (size_t)opts->cache_size;
    pthread_mutex_init(&hc->cache_lock, NULL); /* default attributes: cannot fail on Linux */
    *ud = hc;
    return ORDERS_OK;
}

/* A product object of the contract, for id; a new one-block record. */
static orders_code_t parse_product(const http_catalog_t *hc, const json_t *d, const char *id,
                                   orders_product_t **out, orders_error_t *err)
{
    static const char what[] = "GET product";
    const char *got_id = orders__http_str(d, "id", ORDERS_ID_MAX);
    if (!got_id || strcmp(got_id, id) != 0)
        return orders__http_malformed(hc->http, err, what, "id");
    const char *seller = orders__http_str(d, "sellerId", ORDERS_ID_MAX);
    if (!seller)
        return orders__http_malformed(hc->http, err, what, "sellerId");
    const char *name = orders__http_str(d, "name", HTTP_NAME_MAX);
    if (!name)
        return orders__http_malformed(hc->http, err, what, "name");
    const json_t *img = json_object_get(d, "image");
    const char *image = NULL;
    if (img && !json_is_null(img) && !(image = orders__http_str(d, "image", HTTP_IMAGE_MAX)))
        return orders__http_malformed(hc->http, err, what, "image");
    const json_t *price = json_object_get(d, "price");
    int64_t amount = 0;
    const char *cur = json_is_object(price) ? orders__http_str(price, "currency", 3) : NULL;
    if (!json_is_object(price) || !orders__http_count(price, "amount", &amount))
        return orders__http_malformed(hc->http, err, what, "price.amount");
    if (!cur || !orders_currency_valid(cur))
        return orders__http_malformed(hc->http, err, what, "price.currency");
    const json_t *active = json_object_get(d, "active");
    if (!json_is_boolean(active))
        return orders__http_malformed(hc->http, err, what, "active");

    orders_product_t tmp = {.id = (char *)id, .seller_id = (char *)seller, .name = (char *)name,
                            .image = (char *)image, .price = {.amount = amount},
                            .active = json_is_true(active)};
    memcpy(tmp.price.currency, cur, 4);
    *out = orders_product_copy(&tmp);
    return *out ? ORDERS_OK : orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
}

/* ---- the product cache ------------------------------------------------------------------- */

/* A copy of id's cached product when it is fresh, else NULL. */
static orders_product_t *cache_get(http_catalog_t *hc, const char *id)
{
    if (hc->ttl_ms == 0)
        return NULL;
    orders_product_t *copy = NULL;
    int64_t now = mono_ms();
    pthread_mutex_lock(&hc->cache_lock);
    for (size_t i = 0; i < hc->cache_count; i++)
        if (strcmp(hc->cache[i].product->id, id) == 0) {
            if (now - hc->cache[i].stored_at < hc->ttl_ms)
                copy = orders_product_copy(hc->cache[i].product);
            break;
        }
    pthread_mutex_unlock(&hc->cache_lock);
    return copy;
}

/* Keeps a copy of p (best effort: nothing happens when memory runs out). */
static void cache_put(http_catalog_t *hc, const orders_product_t *p)
{
    if (hc->ttl_ms == 0)
        return;
    orders_product_t *copy = orders_product_copy(p);
    if (!copy)
        return;
    int64_t now = mono_ms();
    pthread_mutex_lock(&hc->cache_lock);
    size_t slot = hc->cache_count, oldest = 0;
    for (size_t i = 0; i < hc->cache_count; i++) {
        if (strcmp(hc->cache[i].product->id, p->id) == 0) {
            slot = i;
            break;
        }
        if (hc->cache[i].stored_at < hc->cache[oldest].stored_at)
            oldest = i;
    }
    if (slot == hc->cache_count && hc->cache_count == hc->cache_cap) {
        slot = oldest; /* full: the oldest entry goes */
    } else if (slot == hc->cache_count) {
        if (hc->cache_count % 64 == 0) {
            size_t cap = hc->cache_count + 64 < hc->cache_cap ? hc->cache_count + 64 : hc->cache_cap;
            cache_entry_t *grown = realloc(hc->cache, cap * sizeof *grown);
            if (!grown) {
                pthread_mutex_unlock(&hc->cache_lock);
                orders_product_free(copy);
                return;
            }
            hc->cache = grown;
        }
        hc->cache[hc->cache_count++].product = NULL;
    }
    orders_product_free(hc->cache[slot].product);
    hc->cache[slot] = (cache_entry_t){copy, now};
    pthread_mutex_unlock(&hc->cache_lock);
}

/* ---- the vtable ----------------------------------------------------------------------------- */

static orders_code_t http_product_get(void *ud, const char *product_id, orders_product_t **out,
                                      orders_error_t *err)
{
    static const char what[] = "GET product";
    http_catalog_t *hc = ud;
    *out = NULL;
    if (!product_id || !*product_id || strlen(product_id) > ORDERS_ID_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "productId", "invalid product id");
    if ((*out = cache_get(hc, product_id)))
        return ORDERS_OK;

    char *escaped = curl_easy_escape(NULL, product_id, 0);
    if (!escaped)
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    char path[ORDERS_ID_MAX * 3 + 32];
    snprintf(path, sizeof path, "/api/v1/products/%s", escaped);
    curl_free(escaped);

    long status = 0;
    json_t *answer = NULL;
    orders_code_t rc = orders__http_call(hc->http, what, path, NULL, hc->retries, &status, &answer,
                                         "productId", err);
    if (rc == ORDERS_OK) {
        const json_t *d = orders__http_envelope_data(answer);
        if (status == 404)
            rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "productId", "Product not found");
        else if (status != 200)
            rc = orders__http_unexpected(hc->http, err, what, status, answer);
        else if (!d)
            rc = orders__http_malformed(hc->http, err, what, "no success envelope");
        else if ((rc = parse_product(hc, d, product_id, out, err)) == ORDERS_OK)
            cache_put(hc, *out);
    }
    json_decref(answer);
    return rc;
}

/* POST /inventory/check for ids[0..n): available[i] for each (quantity 1
 * asked; the answer's availableStock is what counts). */
static orders_code_t check_stock(http_catalog_t *hc, const char *const *ids, size_t n,
                                 int64_t *available, orders_error_t *err)
{
    static const char what[] = "check";
    json_t *items = json_array();
    json_t *req = json_pack("{s:o}", "items", items);
    bool built = req != NULL;
    for (size_t i = 0; built && i < n; i++)
        built = json_array_append_new(items, json_pack("{s:s, s:i}", "productId", ids[i],
                                                       "quantity", 1)) == 0;
    if (!built) {
        json_decref(req);
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    }
    long status = 0;
    json_t *answer = NULL;
    orders_code_t rc = orders__http_call(hc->http, what, "/api/v1/inventory/check", req,
                                         hc->retries, &status, &answer, "productId", err);
    json_decref(req);
    if (rc != ORDERS_OK)
        return rc;
    const json_t *d = orders__http_envelope_data(answer);
    const json_t *got = d ? json_object_get(d, "items") : NULL;
    if (status != 200)
        rc = orders__http_unexpected(hc->http, err, what, status, answer);
    else if (!json_is_array(got))
        rc = orders__http_malformed(hc->http, err, what, "items");
    for (size_t i = 0; rc == ORDERS_OK && i < n; i++) {
        bool found = false;
        size_t k;
        const json_t *it;
        json_array_foreach(got, k, it) {
            const char *pid = orders__http_str(it, "productId", ORDERS_ID_MAX);
            if (pid && strcmp(pid, ids[i]) == 0) {
                found = orders__http_count(it, "availableStock", &available[i]);
                break;
            }
        }
        if (!found)
            rc = orders__http_malformed(hc->http, err, what, "items[].availableStock");
    }
    json_decref(answer);
    return rc;
}

static orders_code_t http_stock_available(void *ud, const char *product_id, int64_t *available,
                                          orders_error_t *err)
{
    *available = 0;
    if (!product_id || !*product_id || strlen(product_id) > ORDERS_ID_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "productId", "invalid product id");
    return check_stock(ud, &product_id, 1, available, err);
}

/* Product info from the cache or one GET each; then one check for the stock
 * of every known product. */
static orders_code_t http_products_get(void *ud, const char *const *ids, size_t n,
                                       orders_product_avail_t *out, orders_error_t *err)
{
    http_catalog_t *hc = ud;
    for (size_t i = 0; i < n; i++)
        out[i] = (orders_product_avail_t){NULL, 0};
    const char **known = calloc(n ? n : 1, sizeof *known);
    int64_t *avail = calloc(n ? n : 1, sizeof *avail);
    orders_code_t rc = known && avail ? ORDERS_OK
                                      : orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    size_t nknown = 0;
    for (size_t i = 0; rc == ORDERS_OK && i < n; i++) {
        rc = http_product_get(hc, ids[i], &out[i].product, err);
        if (rc == ORDERS_E_NOT_FOUND) {
            rc = ORDERS_OK; /* unknown: no product, nothing available */
            orders_error_clear(err);
        } else if (rc == ORDERS_OK) {
            known[nknown++] = ids[i];
        }
    }
    if (rc == ORDERS_OK && nknown > 0)
        rc = check_stock(hc, known, nknown, avail, err);
    for (size_t i = 0, k = 0; rc == ORDERS_OK && i < n; i++)
        if (out[i].product)
            out[i].available = avail[k++];
    if (rc != ORDERS_OK)
        for (size_t i = 0; i < n; i++) {
            orders_product_free(out[i].product);
            out[i] = (orders_product_avail_t){NULL, 0};
        }
    free(known);
    free(avail);
    return rc;
}

/* POST {orderId} to confirm or release; `absent_ok`: a 404 (the service
 * holds nothing for the order) is success. */
static orders_code_t order_call(http_catalog_t *hc, const char *what, const char *path,
                                const char *order_id, int retries, bool absent_ok,
                                orders_error_t *err)
{
    if (!order_id || !*order_id || strlen(order_id) > ORDERS_ID_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "orderId", "invalid order id");
    json_t *req = json_pack("{s:s}", "orderId", order_id);
    if (!req)
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    long status = 0;
    json_t *answer = NULL;
    orders_code_t rc = orders__http_call(hc->http, what, path, req, retries, &status, &answer,
                                         "productId", err);
    json_decref(req);
    if (rc == ORDERS_OK && !(status == 404 && absent_ok)) {
        if (status != 200)
            rc = orders__http_unexpected(hc->http, err, what, status, answer);
        else if (!json_is_object(answer) || !json_is_true(json_object_get(answer, "success")))
            rc = orders__http_malformed(hc->http, err, what, "no success envelope");
    }
    json_decref(answer);
    return rc;
}

static orders_code_t http_confirm(void *ud, const char *order_id, orders_error_t *err)
{
    http_catalog_t *hc = ud;
    return order_call(hc, "confirm", "/api/v1/inventory/confirm", order_id, hc->retries, false,
                      err);
}

static orders_code_t http_release(void *ud, const char *order_id, orders_error_t *err)
{
    http_catalog_t *hc = ud;
    return order_call(hc, "release", "/api/v1/inventory/release", order_id, hc->retries, true,
                      err);
}

/* A 409 naming one of the lines' products: out of stock. */
static orders_code_t reserve_conflict(const http_catalog_t *hc, const json_t *answer,
                                      const orders_catalog_line_t *lines, size_t n,
                                      orders_error_t *err)
{
    const char *pid =
        json_is_object(answer) ? orders__http_str(answer, "productId", ORDERS_ID_MAX) : NULL;
    int64_t available = 0;
    const json_t *av = pid ? json_object_get(answer, "available") : NULL;
    if (av && !orders__http_count(answer, "available", &available))
        pid = NULL;
    for (size_t i = 0; pid && i < n; i++)
        if (strcmp(lines[i].product_id, pid) == 0)
            return orders_error_set(err, ORDERS_E_OUT_OF_STOCK, pid,
                                    "Not enough units of %s (available: %lld)", pid,
                                    (long long)available);
    return orders__http_malformed(hc->http, err, "reserve",
                                  "409 without one of the order's products");
}

/* "reserved", or "confirmed" when a repeated reserve finds the order sold. */
static bool reserve_status_ok(const char *s)
{
    return s && (strcmp(s, "reserved") == 0 || strcmp(s, "confirmed") == 0);
}

static orders_code_t http_reserve(void *ud, const char *order_id, const orders_catalog_line_t *lines,
                                  size_t n, int64_t expires_at, orders_error_t *err)
{
    static const char what[] = "reserve";
    http_catalog_t *hc = ud;
    if (!order_id || !*order_id || strlen(order_id) > ORDERS_ID_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, "orderId", "invalid order id");
    if (n == 0 || !lines)
        return orders_error_set(err, ORDERS_E_INVALID, "items", "no lines to reserve");
    char expires[32] = "";
    if (expires_at > 0 && !orders__iso8601(expires_at, expires, sizeof expires))
        return orders_error_set(err, ORDERS_E_INVALID, "expiresAt", "expiry out of range");

    json_t *items = json_array();
    json_t *req = json_pack("{s:s, s:o}", "orderId", order_id, "items", items);
    bool built = req != NULL;
    if (built && expires[0])
        built = json_object_set_new(req, "expiresAt", json_string(expires)) == 0;
    for (size_t i = 0; built && i < n; i++)
        built = lines[i].product_id &&
                json_array_append_new(items, json_pack("{s:s, s:I}", "productId",
                                                       lines[i].product_id, "quantity",
                                                       (json_int_t)lines[i].quantity)) == 0;
    if (!built) {
        json_decref(req);
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    }
    long status = 0;
    json_t *answer = NULL;
    orders_code_t rc = orders__http_call(hc->http, what, "/api/v1/inventory/reserve", req,
                                         hc->retries, &status, &answer, "productId", err);
    json_decref(req);
    if (rc == ORDERS_E_UNAVAILABLE) {
        /* the service may have held the units: give them back if it can
         * hear us now (one attempt; what it misses expires there) */
        (void)order_call(hc, "release", "/api/v1/inventory/release", order_id, 0, true, NULL);
        return rc;
    }
    if (rc != ORDERS_OK)
        return rc;
    const json_t *d = orders__http_envelope_data(answer);
    const char *got = d ? orders__http_str(d, "orderId", ORDERS_ID_MAX) : NULL;
    if (status == 409)
        rc = reserve_conflict(hc, answer, lines, n, err);
    else if (status != 200 && status != 201)
        rc = orders__http_unexpected(hc->http, err, what, status, answer);
    else if (!got || strcmp(got, order_id) != 0)
        rc = orders__http_malformed(hc->http, err, what, "orderId");
    else if (!reserve_status_ok(orders__http_str(d, "status", 32)))
        rc = orders__http_malformed(hc->http, err, what, "status");
    json_decref(answer);
    return rc;
}

static const orders_catalog_vtable_t http_catalog_vtable = {
    .version = ORDERS_CATALOG_VERSION,
    .name = "http",
    .flags = 0, /* remote: reserve, confirm and release are called */
    .product_get = http_product_get,
    .stock_available = http_stock_available,
    .reserve = http_reserve,
    .confirm = http_confirm,
    .release = http_release,
    .products_get = http_products_get,
};

const orders_catalog_vtable_t *orders_catalog_http_vtable(void)
{
    return &http_catalog_vtable;
}

orders_code_t orders_catalog_http_probe(void *ud, int64_t *latency_us, orders_error_t *err)
{
    const http_catalog_t *c = ud;
    return orders__http_probe(c->http, "/health", latency_us, err);
}
