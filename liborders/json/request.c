/*
 * json/request.c - request bodies of the REST contract (API.md) read into
 * the library's request structs.
 *
 * Only the JSON shape is checked here: a field that is present must have
 * the right JSON type (a string, an integer, an object).  Whether a value
 * is acceptable (a required address line, a quantity of at least 1, an id
 * no longer than ORDERS_ID_MAX) is a rule of the library, checked where the
 * rule lives, so the message is the same whichever way a request comes in.
 * Unknown fields are ignored.
 */
#include <ctype.h>
#include <string.h>

#include "json.h"

/* *out = obj[key] when it is a string; NULL when absent or null. */
static orders_code_t opt_string(const json_t *obj, const char *key, const char *field,
                                const char **out, orders_error_t *err)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return ORDERS_OK;
    if (!json_is_string(v))
        return orders_error_set(err, ORDERS_E_INVALID, field, "%s must be a string", field);
    *out = json_string_value(v);
    return ORDERS_OK;
}

static orders_code_t need_object(const json_t *body, orders_error_t *err)
{
    if (!json_is_object(body))
        return orders_error_set(err, ORDERS_E_INVALID, NULL, "the body must be a JSON object");
    return ORDERS_OK;
}

static orders_code_t read_address(const json_t *v, orders_address_t *a, orders_error_t *err)
{
    static const struct {
        const char *key;
        const char *field;
        size_t off;
    } fields[] = {
        {"addressLine1", "shippingAddress.addressLine1", offsetof(orders_address_t, address_line1)},
        {"addressLine2", "shippingAddress.addressLine2", offsetof(orders_address_t, address_line2)},
        {"city", "shippingAddress.city", offsetof(orders_address_t, city)},
        {"state", "shippingAddress.state", offsetof(orders_address_t, state)},
        {"country", "shippingAddress.country", offsetof(orders_address_t, country)},
        {"postalCode", "shippingAddress.postalCode", offsetof(orders_address_t, postal_code)},
        {"contactName", "shippingAddress.contactName", offsetof(orders_address_t, contact_name)},
        {"contactPhone", "shippingAddress.contactPhone",
         offsetof(orders_address_t, contact_phone)},
    };
    if (!json_is_object(v))
        return orders_error_set(err, ORDERS_E_INVALID, "shippingAddress",
                                "shippingAddress must be an object");
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *s = NULL;
        orders_code_t rc = opt_string(v, fields[i].key, fields[i].field, &s, err);
        if (rc != ORDERS_OK)
            return rc;
        *(char **)((char *)a + fields[i].off) = (char *)s;
    }
    return ORDERS_OK;
}

/* "cod", "COD", "Online" ...; absent means cod. */
static orders_code_t read_method(const json_t *body, orders_payment_method_t *m,
                                 orders_error_t *err)
{
    const char *s = NULL;
    orders_code_t rc = opt_string(body, "paymentMethod", "paymentMethod", &s, err);
    *m = ORDERS_METHOD_COD;
    if (rc != ORDERS_OK || s == NULL)
        return rc;
    char lower[16];
    size_t n = strlen(s);
    for (size_t i = 0; i < n && i < sizeof lower - 1; i++)
        lower[i] = (char)tolower((unsigned char)s[i]);
    lower[n < sizeof lower - 1 ? n : sizeof lower - 1] = '\0';
    if (n >= sizeof lower || !orders_payment_method_parse(lower, m))
        return orders_error_set(err, ORDERS_E_INVALID, "paymentMethod",
                                "paymentMethod must be cod, online or wallet");
    return ORDERS_OK;
}

orders_code_t orders__json_place_request(const json_t *body, orders_place_request_t *req,
                                         orders_address_t *addr, orders_error_t *err)
{
    memset(req, 0, sizeof *req);
    memset(addr, 0, sizeof *addr);
    orders_code_t rc = need_object(body, err);
    const json_t *ship = json_object_get(body, "shippingAddress");
    if (rc == ORDERS_OK && ship != NULL && !json_is_null(ship)) {
        if ((rc = read_address(ship, addr, err)) == ORDERS_OK)
            req->shipping_address = addr;
    }
    if (rc == ORDERS_OK)
        rc = opt_string(body, "shippingAddressId", "shippingAddressId",
                        &req->shipping_address_id, err);
    if (rc == ORDERS_OK)
        rc = read_method(body, &req->payment_method, err);
    if (rc == ORDERS_OK)
        rc = opt_string(body, "notes", "notes", &req->notes, err);
    const json_t *defer = json_object_get(body, "deferPayment");
    if (rc == ORDERS_OK && defer != NULL && !json_is_null(defer)) {
        if (!json_is_boolean(defer))
            return orders_error_set(err, ORDERS_E_INVALID, "deferPayment",
                                    "deferPayment must be true or false");
        req->defer_payment = json_is_true(defer);
    }
    return rc;
}

orders_code_t orders__json_cart_item(const json_t *body, bool with_quantity,
                                     const char **product_id, int64_t *quantity,
                                     orders_error_t *err)
{
    *product_id = NULL;
    *quantity = 0;
    orders_code_t rc = need_object(body, err);
    if (rc == ORDERS_OK)
        rc = opt_string(body, "productId", "productId", product_id, err);
    if (rc == ORDERS_OK && *product_id == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "productId", "productId is required");
    if (rc != ORDERS_OK || !with_quantity)
        return rc;
    const json_t *q = json_object_get(body, "quantity");
    if (q == NULL || json_is_null(q))
        return orders_error_set(err, ORDERS_E_INVALID, "quantity", "quantity is required");
    if (!json_is_integer(q))
        return orders_error_set(err, ORDERS_E_INVALID, "quantity", "quantity must be an integer");
    *quantity = (int64_t)json_integer_value(q);
    return ORDERS_OK;
}
