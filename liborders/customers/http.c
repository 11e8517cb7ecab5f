/*
 * customers/http.c - the HTTP customers backend: a Customer service spoken
 * to with libcurl (orders/customers_http.h; the contract is
 * docs/integrations.md, "Customer service").
 *
 * Layout: options and the handle; the answers' validation; the vtable.  The
 * HTTP exchange itself (pool, attempts, retries, error mapping) is
 * net/http_call.c, shared with the other HTTP backends.  Every field of an
 * answer is checked before it is used; anything else is ORDERS_E_BACKEND.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include <orders/customers_http.h>

#include "core/internal.h"
#include "net/http_call.h"

#define HTTP_SERVICE "Customer service"
#define HTTP_NAME_MAX 1024      /* customer name, bytes */
#define HTTP_EMAIL_MAX 320      /* RFC 5321: 64 + 1 + 255 */
#define HTTP_FIELD_MAX 1024     /* one address field, bytes */
#define HTTP_PATH_MAX (ORDERS_ID_MAX * 3 * 2 + 64)

typedef struct http_customers {
    orders__http_t *http;       /* the Customer service (net/http_call.h) */
} http_customers_t;

/* ---- options and the handle ------------------------------------------------------- */

orders_customers_http_options_t orders_customers_http_options_default(void)
{
    return (orders_customers_http_options_t){
        .base_url = NULL,
        .service_key = NULL,
        .timeout_ms = 2000,
        .retries = 2,
        .retry_backoff_ms = 50,
    };
}

void orders_customers_http_free(void *ud)
{
    http_customers_t *hc = ud;
    if (!hc)
        return;
    orders__http_free(hc->http);
    free(hc);
}

orders_code_t orders_customers_http_new(const orders_customers_http_options_t *opts, void **ud,
                                        orders_error_t *err)
{
    if (!ud || !opts) {
        if (ud)
            *ud = NULL;
        return orders_error_set(err, ORDERS_E_INVALID, "customers", "HTTP customers: %s",
                                ud ? "options are required" : "ud is required");
    }
    *ud = NULL;
    const orders__http_options_t ho = {
        .label = "HTTP customers", .field = "customers", .service = HTTP_SERVICE,
        .base_url = opts->base_url, .service_key = opts->service_key,
        .timeout_ms = opts->timeout_ms, .retries = opts->retries,
        .retry_backoff_ms = opts->retry_backoff_ms,
    };
    orders__http_t *http = NULL;
    orders_code_t rc = orders__http_new(&ho, &http, err);
    if (rc)
        return rc;
    http_customers_t *hc = calloc(1, sizeof *hc);
    if (!hc) {
        orders__http_free(http);
        return orders__nomem(err);
    }
    hc->http = http;
    *ud = hc;
    return ORDERS_OK;
}

/* ---- paths and answers -------------------------------------------------------------- */

/* A new URL-escaped copy of id in *out (curl_free); ORDERS_E_INVALID
 * (field) for an id that is empty or longer than ORDERS_ID_MAX. */
static orders_code_t escape_id(const char *id, const char *field, char **out, orders_error_t *err)
{
    *out = NULL;
    orders_code_t rc = orders__check_id(id, field, err);
    if (rc)
        return rc;
    *out = curl_easy_escape(NULL, id, 0);
    return *out ? ORDERS_OK : orders__nomem(err);
}

/* An optional string member: absent or null gives NULL in *out; anything
 * but a string of 1..max bytes is false. */
static bool get_opt_str(const json_t *obj, const char *key, size_t max, const char **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    return (*out = orders__http_str(obj, key, max)) != NULL;
}

/* GET path: ORDERS_OK with the answer's data object in *answer (new
 * reference; data is its borrowed member), or the contract's failures. */
static orders_code_t get_data(http_customers_t *hc, const char *what, const char *path,
                              const char *field, const char *not_found, json_t **answer,
                              const json_t **data, orders_error_t *err)
{
    long status = 0;
    *answer = NULL;
    *data = NULL;
    orders_code_t rc = orders__http_call(hc->http, what, path, NULL,
                                         orders__http_retries(hc->http), &status, answer, field,
                                         err);
    if (rc)
        return rc;
    if (status == 404)
        rc = orders_error_set(err, ORDERS_E_NOT_FOUND, field, "%s", not_found);
    else if (status != 200)
        rc = orders__http_unexpected(hc->http, err, what, status, *answer);
    else if (!(*data = orders__http_envelope_data(*answer)))
        rc = orders__http_malformed(hc->http, err, what, "no success envelope");
    if (rc) {
        json_decref(*answer);
        *answer = NULL;
        *data = NULL;
    }
    return rc;
}

/* ---- the vtable ----------------------------------------------------------------------------- */

static orders_code_t http_resolve(void *ud, const orders_identity_t *who, orders_customer_t *out,
                                  orders_error_t *err)
{
    static const char what[] = "GET customer";
    http_customers_t *hc = ud;
    *out = (orders_customer_t){0};
    char *cid = NULL;
    orders_code_t rc = escape_id(who ? who->id : NULL, "customerId", &cid, err);
    if (rc)
        return rc;
    char path[HTTP_PATH_MAX];
    snprintf(path, sizeof path, "/api/v1/customers/%s", cid); /* fits: 3 bytes an id byte */
    curl_free(cid);
    json_t *answer = NULL;
    const json_t *d = NULL;
    rc = get_data(hc, what, path, "customerId", "Customer not found", &answer, &d, err);
    if (rc)
        return rc;
    const char *id = orders__http_str(d, "id", ORDERS_ID_MAX);
    const char *name = NULL, *email = NULL;
    const json_t *active = json_object_get(d, "active");
    if (!id || strcmp(id, who->id) != 0)
        rc = orders__http_malformed(hc->http, err, what, "id");
    else if (!get_opt_str(d, "name", HTTP_NAME_MAX, &name))
        rc = orders__http_malformed(hc->http, err, what, "name");
    else if (!get_opt_str(d, "email", HTTP_EMAIL_MAX, &email))
        rc = orders__http_malformed(hc->http, err, what, "email");
    else if (!json_is_boolean(active))
        rc = orders__http_malformed(hc->http, err, what, "active");
    else if (!json_is_true(active))
        rc = orders_error_set(err, ORDERS_E_INACTIVE, "customerId",
                              "Customer account is not active");
    else if (!orders__set_str(&out->id, id) || !orders__set_str(&out->name, name) ||
             !orders__set_str(&out->email, email))
        rc = orders__nomem(err);
    out->active = rc == ORDERS_OK;
    if (rc)
        orders_customer_clear(out);
    json_decref(answer);
    return rc;
}

/* The address fields of the contract, camelCase, and where each goes. */
typedef struct address_field {
    const char *key;
    size_t offset;
    bool required;
} address_field_t;

static const address_field_t ADDRESS_FIELDS[] = {
    {"addressLine1", offsetof(orders_address_t, address_line1), true},
    {"addressLine2", offsetof(orders_address_t, address_line2), false},
    {"city", offsetof(orders_address_t, city), true},
    {"state", offsetof(orders_address_t, state), true},
    {"country", offsetof(orders_address_t, country), true},
    {"postalCode", offsetof(orders_address_t, postal_code), true},
    {"contactName", offsetof(orders_address_t, contact_name), false},
    {"contactPhone", offsetof(orders_address_t, contact_phone), false},
};

static orders_code_t parse_address(http_customers_t *hc, const json_t *d, const char *address_id,
                                   orders_address_t *out, orders_error_t *err)
{
    static const char what[] = "GET address";
    const char *id = orders__http_str(d, "id", ORDERS_ID_MAX);
    if (!id || strcmp(id, address_id) != 0)
        return orders__http_malformed(hc->http, err, what, "id");
    for (size_t i = 0; i < sizeof ADDRESS_FIELDS / sizeof ADDRESS_FIELDS[0]; i++) {
        const address_field_t *f = &ADDRESS_FIELDS[i];
        const char *v = NULL;
        if (!get_opt_str(d, f->key, HTTP_FIELD_MAX, &v) || (f->required && !v))
            return orders__http_malformed(hc->http, err, what, f->key);
        if (!orders__set_str((char **)((char *)out + f->offset), v))
            return orders__nomem(err);
    }
    return ORDERS_OK;
}

static orders_code_t http_address_get(void *ud, const orders_identity_t *who,
                                      const char *address_id, orders_address_t *out,
                                      orders_error_t *err)
{
    http_customers_t *hc = ud;
    *out = (orders_address_t){0};
    char *cid = NULL, *aid = NULL;
    orders_code_t rc = escape_id(who ? who->id : NULL, "customerId", &cid, err);
    if (rc == ORDERS_OK)
        rc = escape_id(address_id, "shippingAddressId", &aid, err);
    char path[HTTP_PATH_MAX];
    if (rc == ORDERS_OK) /* fits: 3 bytes an id byte */
        snprintf(path, sizeof path, "/api/v1/customers/%s/addresses/%s", cid, aid);
    curl_free(cid);
    curl_free(aid);
    if (rc)
        return rc;
    json_t *answer = NULL;
    const json_t *d = NULL;
    rc = get_data(hc, "GET address", path, "shippingAddressId", "Address not found", &answer, &d,
                  err);
    if (rc == ORDERS_OK)
        rc = parse_address(hc, d, address_id, out, err);
    if (rc)
        orders_address_clear(out);
    json_decref(answer);
    return rc;
}

static const orders_customers_vtable_t http_customers_vtable = {
    .version = ORDERS_CUSTOMERS_VERSION,
    .name = "http",
    .resolve = http_resolve,
    .address_get = http_address_get,
};

const orders_customers_vtable_t *orders_customers_http_vtable(void)
{
    return &http_customers_vtable;
}

orders_code_t orders_customers_http_probe(void *ud, int64_t *latency_us, orders_error_t *err)
{
    const http_customers_t *c = ud;
    return orders__http_probe(c->http, "/health", latency_us, err);
}
