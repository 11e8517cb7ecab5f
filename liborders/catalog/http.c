/*
 * catalog/http.c - the HTTP catalog: a Products service spoken to with
 * libcurl (orders/catalog_http.h; the contract is docs/integrations.md,
 * "Products service").
 *
 * Layout: options and the handle; one HTTP exchange with retries
 * (http_call); the answers' validation; the product cache; the vtable.
 * Every JSON body is built and read with jansson; every field of an answer
 * is checked before it is used, and anything else is ORDERS_E_BACKEND.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include <orders/catalog_http.h>

#include "json/json.h"

#define HTTP_SERVICE "Products service"
#define HTTP_POOL_MAX 8               /* idle curl handles kept for reuse */
#define HTTP_BODY_MAX (1024 * 1024)   /* an answer larger than this is refused */
#define HTTP_URL_MAX 512              /* base_url, without the path */
#define HTTP_NAME_MAX 1024            /* product name, bytes */
#define HTTP_IMAGE_MAX 4096           /* image URL, bytes */
#define HTTP_CACHE_SIZE_MAX 65536          /* the cache is scanned linearly */
#define HTTP_BACKOFF_CAP_MS 2000      /* no single wait between attempts is longer */

typedef struct cache_entry {
    orders_product_t *product;    /* one block (orders_product_copy) */
    int64_t stored_at;            /* monotonic ms */
} cache_entry_t;

typedef struct http_catalog {
    char *base_url;               /* without a trailing '/' */
    char *key_header;             /* "X-Service-Key: ..." or NULL */
    long timeout_ms;
    int retries;
    int backoff_ms;
    int64_t ttl_ms;
    size_t cache_cap;

    pthread_mutex_t pool_lock;
    CURL *pool[HTTP_POOL_MAX];
    size_t pool_count;

    pthread_mutex_t cache_lock;
    cache_entry_t *cache;         /* cache_cap slots, cache_count used; NULL when ttl_ms == 0 */
    size_t cache_count;
} http_catalog_t;

/* ---- process-wide libcurl initialization (the one unavoidable global) ---- */

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static CURLcode http_init_rc = CURLE_FAILED_INIT;

static void http_global_init(void)
{
    http_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
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
    if (!o->base_url || (strncmp(o->base_url, "http://", 7) != 0 &&
                         strncmp(o->base_url, "https://", 8) != 0))
        return bad_option(err, "base_url must be an http:// or https:// URL");
    size_t n = strlen(o->base_url);
    if (n > HTTP_URL_MAX)
        return bad_option(err, "base_url is longer than 512 bytes");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)o->base_url[i] <= ' ' || o->base_url[i] == 0x7f)
            return bad_option(err, "base_url contains a space or a control character");
    if (o->service_key)
        for (const char *k = o->service_key; *k; k++)
            if ((unsigned char)*k < ' ' || *k == 0x7f)
                return bad_option(err, "service_key contains a control character");
    if (o->timeout_ms < 10 || o->timeout_ms > 120000)
        return bad_option(err, "timeout_ms must be within 10..120000");
    if (o->retries < 0 || o->retries > 10)
        return bad_option(err, "retries must be within 0..10");
    if (o->retry_backoff_ms < 0 || o->retry_backoff_ms > 10000)
        return bad_option(err, "retry_backoff_ms must be within 0..10000");
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
    for (size_t i = 0; i < hc->pool_count; i++)
        curl_easy_cleanup(hc->pool[i]);
    for (size_t i = 0; i < hc->cache_count; i++)
        orders_product_free(hc->cache[i].product);
    free(hc->cache);
    pthread_mutex_destroy(&hc->pool_lock);
    pthread_mutex_destroy(&hc->cache_lock);
    free(hc->base_url);
    free(hc->key_header);
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
    pthread_once(&http_once, http_global_init);
    if (http_init_rc != CURLE_OK)
        return orders_error_set(err, ORDERS_E_BACKEND, NULL, "HTTP catalog: curl_global_init: %s",
                                curl_easy_strerror(http_init_rc));

    http_catalog_t *hc = calloc(1, sizeof *hc);
    if (!hc)
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    hc->base_url = strdup(opts->base_url);
    if (hc->base_url)
        for (size_t n = strlen(hc->base_url); n > 0 && hc->base_url[n - 1] == '/'; n--)
            hc->base_url[n - 1] = '\0';
    if (opts->service_key) { /* a header line, not JSON: snprintf is fine here */
        size_t n = strlen("X-Service-Key: ") + strlen(opts->service_key) + 1;
        if ((hc->key_header = malloc(n)))
            snprintf(hc->key_header, n, "X-Service-Key: %s", opts->service_key);
    }
    hc->timeout_ms = opts->timeout_ms;
    hc->retries = opts->retries;
    hc->backoff_ms = opts->retry_backoff_ms;
    hc->ttl_ms = opts->cache_ttl_ms;
    hc->cache_cap = (size_t)opts->cache_size;
    pthread_mutex_init(&hc->pool_lock, NULL); /* default attributes: cannot fail on Linux */
    pthread_mutex_init(&hc->cache_lock, NULL);
    if (!hc->base_url || (opts->service_key && !hc->key_header)) {
        orders_catalog_http_free(hc);
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    }
    *ud = hc;
    return ORDERS_OK;
}

/* ---- one call: attempts, timeouts, retries ------------------------------------------ */

typedef struct http_buf {
    char *data;
    size_t len;
    bool too_large;
} http_buf_t;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    http_buf_t *b = ud;
    size_t n = size * nmemb;
    if (n > HTTP_BODY_MAX - b->len) {
        b->too_large = true;
        return 0; /* aborts the transfer */
    }
    char *grown = realloc(b->data, b->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, ptr, n);
    b->len += n;
    grown[b->len] = '\0';
    b->data = grown;
    return n;
}

static CURL *pool_take(http_catalog_t *hc)
{
    CURL *h = NULL;
    pthread_mutex_lock(&hc->pool_lock);
    if (hc->pool_count > 0)
        h = hc->pool[--hc->pool_count];
    pthread_mutex_unlock(&hc->pool_lock);
    return h ? h : curl_easy_init();
}

/* Back to the pool (its connections stay open for the next call). */
static void pool_give(http_catalog_t *hc, CURL *h)
{
    curl_easy_reset(h);
    pthread_mutex_lock(&hc->pool_lock);
    if (hc->pool_count < HTTP_POOL_MAX) {
        hc->pool[hc->pool_count++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&hc->pool_lock);
    if (h)
        curl_easy_cleanup(h);
}

typedef enum attempt_result {
    ATTEMPT_ANSWERED,   /* a status that is not worth retrying (2xx, 4xx but 429) */
    ATTEMPT_TRANSIENT,  /* refused, timed out, 5xx, 429: try again */
    ATTEMPT_FAILED      /* no point trying again (too large, out of memory) */
} attempt_result_t;

/* One request.  *status and *buf are filled on ATTEMPT_ANSWERED; cause
 * (never the key) on the others. */
static attempt_result_t http_attempt(http_catalog_t *hc, const char *url, const char *body,
                                     long *status, http_buf_t *buf, char *cause, size_t cause_len)
{
    CURL *h = pool_take(hc);
    struct curl_slist *hdrs = NULL;
    bool ok = h != NULL;
    const char *lines[] = {"Accept: application/json", "Expect:", /* no 100-continue */
                           body ? "Content-Type: application/json" : NULL, hc->key_header};
    for (size_t i = 0; ok && i < sizeof lines / sizeof lines[0]; i++) {
        struct curl_slist *more = lines[i] ? curl_slist_append(hdrs, lines[i]) : hdrs;
        ok = more != NULL;
        hdrs = ok ? more : hdrs;
    }
    if (!ok) {
        curl_slist_free_all(hdrs);
        if (h)
            curl_easy_cleanup(h);
        snprintf(cause, cause_len, "out of memory");
        return ATTEMPT_FAILED;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, hc->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, hc->timeout_ms);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, buf);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    CURLcode crc = curl_easy_perform(h);
    *status = 0;
    if (crc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hdrs);
    pool_give(hc, h);

    if (buf->too_large) {
        snprintf(cause, cause_len, "answer larger than %d bytes", HTTP_BODY_MAX);
        return ATTEMPT_FAILED;
    }
    if (crc == CURLE_WRITE_ERROR || crc == CURLE_OUT_OF_MEMORY) {
        snprintf(cause, cause_len, "out of memory");
        return ATTEMPT_FAILED;
    }
    if (crc != CURLE_OK) {
        snprintf(cause, cause_len, "%s", curl_easy_strerror(crc));
        return ATTEMPT_TRANSIENT;
    }
    if (*status >= 500 || *status == 429) {
        snprintf(cause, cause_len, "HTTP %ld", *status);
        return ATTEMPT_TRANSIENT;
    }
    return ATTEMPT_ANSWERED;
}

/*
 * Sends path (GET when body is NULL, else POST of body) with at most
 * `retries` further attempts after transient failures.  On ORDERS_OK,
 * *status is the final status and *json the parsed answer (new reference,
 * NULL when it is not JSON).  `what` names the call in messages.
 */
static orders_code_t http_call(http_catalog_t *hc, const char *what, const char *path,
                               const json_t *body, int retries, long *status, json_t **json,
                               orders_error_t *err)
{
    *json = NULL;
    char url[HTTP_URL_MAX + ORDERS_ID_MAX * 3 + 64];
    if ((size_t)snprintf(url, sizeof url, "%s%s", hc->base_url, path) >= sizeof url)
        return orders_error_set(err, ORDERS_E_INVALID, "productId", "%s: id too long", what);
    char *text = NULL;
    if (body && !(text = json_dumps(body, JSON_COMPACT)))
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");

    char cause[128] = "";
    attempt_result_t ar = ATTEMPT_TRANSIENT;
    http_buf_t buf = {0};
    int64_t wait = hc->backoff_ms;
    for (int attempt = 0; attempt <= retries; attempt++) {
        if (attempt > 0) {
            sleep_ms(wait < HTTP_BACKOFF_CAP_MS ? wait : HTTP_BACKOFF_CAP_MS);
            wait *= 2;
        }
        free(buf.data);
        buf = (http_buf_t){0};
        ar = http_attempt(hc, url, text, status, &buf, cause, sizeof cause);
        if (ar != ATTEMPT_TRANSIENT)
            break;
    }
    free(text);
    if (ar == ATTEMPT_ANSWERED) {
        if (buf.data)
            *json = json_loadb(buf.data, buf.len, JSON_REJECT_DUPLICATES, NULL);
        free(buf.data);
        return ORDERS_OK;
    }
    free(buf.data);
    if (ar == ATTEMPT_FAILED && strcmp(cause, "out of memory") == 0)
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    if (ar == ATTEMPT_FAILED)
        return orders_error_set(err, ORDERS_E_BACKEND, NULL, HTTP_SERVICE ": %s: %s", what, cause);
    return orders_error_set(err, ORDERS_E_UNAVAILABLE, NULL,
                            HTTP_SERVICE " unavailable: %s failed after %d attempt(s): %s", what,
                            retries + 1, cause);
}

/* ---- reading answers ------------------------------------------------------------------ */

/* A string member of at most max bytes without NULs, or NULL. */
static const char *get_str(const json_t *obj, const char *key, size_t max)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    return n > 0 && n <= max && strlen(s) == n ? s : NULL;
}

/* A non-negative integer member; false when missing or not one. */
static bool get_count(const json_t *obj, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* The "data" object of a success envelope {"success": true, "data": {...}}
 * (borrowed), or NULL. */
static const json_t *envelope_data(const json_t *answer)
{
    if (!json_is_object(answer) || !json_is_true(json_object_get(answer, "success")))
        return NULL;
    const json_t *d = json_object_get(answer, "data");
    return json_is_object(d) ? d : NULL;
}

static orders_code_t malformed(orders_error_t *err, const char *what, const char *detail)
{
    return orders_error_set(err, ORDERS_E_BACKEND, NULL, HTTP_SERVICE ": %s: malformed answer (%s)",
                            what, detail);
}

/* The failure for an answer that is none of the call's own statuses. */
static orders_code_t unexpected(orders_error_t *err, const char *what, long status,
                                const json_t *answer)
{
    const char *msg = json_is_object(answer) ? get_str(answer, "message", 200) : NULL;
    return orders_error_set(err, ORDERS_E_BACKEND, NULL, HTTP_SERVICE ": %s: HTTP %ld%s%s", what,
                            status, msg ? ": " : "", msg ? msg : "");
}

/* A product object of the contract, for id; a new one-block record. */
static orders_code_t parse_product(const json_t *d, const char *id, orders_product_t **out,
                                   orders_error_t *err)
{
    static const char what[] = "GET product";
    const char *got_id = get_str(d, "id", ORDERS_ID_MAX);
    if (!got_id || strcmp(got_id, id) != 0)
        return malformed(err, what, "id");
    const char *seller = get_str(d, "sellerId", ORDERS_ID_MAX);
    if (!seller)
        return malformed(err, what, "sellerId");
    const char *name = get_str(d, "name", HTTP_NAME_MAX);
    if (!name)
        return malformed(err, what, "name");
    const json_t *img = json_object_get(d, "image");
    const char *image = NULL;
    if (img && !json_is_null(img) && !(image = get_str(d, "image", HTTP_IMAGE_MAX)))
        return malformed(err, what, "image");
    const json_t *price = json_object_get(d, "price");
    int64_t amount = 0;
    const char *cur = json_is_object(price) ? get_str(price, "currency", 3) : NULL;
    if (!json_is_object(price) || !get_count(price, "amount", &amount))
        return malformed(err, what, "price.amount");
    if (!cur || !orders_currency_valid(cur))
        return malformed(err, what, "price.currency");
    const json_t *active = json_object_get(d, "active");
    if (!json_is_boolean(active))
        return malformed(err, what, "active");

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
    orders_code_t rc = http_call(hc, what, path, NULL, hc->retries, &status, &answer, err);
    if (rc == ORDERS_OK) {
        const json_t *d = envelope_data(answer);
        if (status == 404)
            rc = orders_error_set(err, ORDERS_E_NOT_FOUND, "productId", "Product not found");
        else if (status != 200)
            rc = unexpected(err, what, status, answer);
        else if (!d)
            rc = malformed(err, what, "no success envelope");
        else if ((rc = parse_product(d, product_id, out, err)) == ORDERS_OK)
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
    orders_code_t rc = http_call(hc, what, "/api/v1/inventory/check", req, hc->retries, &status,
                                 &answer, err);
    json_decref(req);
    if (rc != ORDERS_OK)
        return rc;
    const json_t *d = envelope_data(answer);
    const json_t *got = d ? json_object_get(d, "items") : NULL;
    if (status != 200)
        rc = unexpected(err, what, status, answer);
    else if (!json_is_array(got))
        rc = malformed(err, what, "items");
    for (size_t i = 0; rc == ORDERS_OK && i < n; i++) {
        bool found = false;
        size_t k;
        const json_t *it;
        json_array_foreach(got, k, it) {
            const char *pid = get_str(it, "productId", ORDERS_ID_MAX);
            if (pid && strcmp(pid, ids[i]) == 0) {
                found = get_count(it, "availableStock", &available[i]);
                break;
            }
        }
        if (!found)
            rc = malformed(err, what, "items[].availableStock");
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
    orders_code_t rc = http_call(hc, what, path, req, retries, &status, &answer, err);
    json_decref(req);
    if (rc == ORDERS_OK && !(status == 404 && absent_ok)) {
        if (status != 200)
            rc = unexpected(err, what, status, answer);
        else if (!json_is_object(answer) || !json_is_true(json_object_get(answer, "success")))
            rc = malformed(err, what, "no success envelope");
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
static orders_code_t reserve_conflict(const json_t *answer, const orders_catalog_line_t *lines,
                                      size_t n, orders_error_t *err)
{
    const char *pid = json_is_object(answer) ? get_str(answer, "productId", ORDERS_ID_MAX) : NULL;
    int64_t available = 0;
    const json_t *av = pid ? json_object_get(answer, "available") : NULL;
    if (av && !get_count(answer, "available", &available))
        pid = NULL;
    for (size_t i = 0; pid && i < n; i++)
        if (strcmp(lines[i].product_id, pid) == 0)
            return orders_error_set(err, ORDERS_E_OUT_OF_STOCK, pid,
                                    "Not enough units of %s (available: %lld)", pid,
                                    (long long)available);
    return malformed(err, "reserve", "409 without one of the order's products");
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
    orders_code_t rc = http_call(hc, what, "/api/v1/inventory/reserve", req, hc->retries, &status,
                                 &answer, err);
    json_decref(req);
    if (rc == ORDERS_E_UNAVAILABLE) {
        /* the service may have held the units: give them back if it can
         * hear us now (one attempt; what it misses expires there) */
        (void)order_call(hc, "release", "/api/v1/inventory/release", order_id, 0, true, NULL);
        return rc;
    }
    if (rc != ORDERS_OK)
        return rc;
    const json_t *d = envelope_data(answer);
    const char *got = d ? get_str(d, "orderId", ORDERS_ID_MAX) : NULL;
    if (status == 409)
        rc = reserve_conflict(answer, lines, n, err);
    else if (status != 200 && status != 201)
        rc = unexpected(err, what, status, answer);
    else if (!got || strcmp(got, order_id) != 0)
        rc = malformed(err, what, "orderId");
    else if (!reserve_status_ok(get_str(d, "status", 32)))
        rc = malformed(err, what, "status");
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
