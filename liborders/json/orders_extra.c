/*
 * json/orders_extra.c - the request body of PUT /orders/:id/cancel
 * (API.md Part A), under the rules of json/request.c: the JSON type is
 * checked here, the value (if any rule applies) by the library.
 */
#include "codec.h"

orders_code_t orders__json_cancel_request(const json_t *body, const char **reason,
                                          orders_error_t *err)
{
    *reason = NULL;
    orders_code_t rc = need_object(body, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "reason", "reason", false, reason, err);
    return rc;
}
