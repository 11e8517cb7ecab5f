/*
 * query.c - reading orders: by id, by number, lists, history.
 */
#include <string.h>

#include "internal.h"

static orders_code_t scoped(orders_order_t **out, const char *customer_id, orders_code_t rc,
                            orders_error_t *err)
{
    if (rc == ORDERS_OK && customer_id && strcmp((*out)->customer_id, customer_id) != 0) {
        orders_order_free(*out);
        *out = NULL;
        rc = ORDERS_E_NOT_FOUND;
    }
    if (rc == ORDERS_E_NOT_FOUND)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "id", "Order not found");
    return rc;
}

orders_code_t orders_order_get(orders_ctx_t *ctx, const char *id, const char *customer_id,
                               orders_order_t **out, orders_error_t *err)
{
    orders_code_t rc = orders__check_id(id, "id", err);
    if (rc)
        return rc;
    *out = NULL;
    return scoped(out, customer_id, ctx->store->order_get(ctx->store_ud, id, out, err), err);
}

orders_code_t orders_order_version(orders_ctx_t *ctx, const char *id, const char *customer_id,
                                   int64_t *version, orders_error_t *err)
{
    orders_code_t rc = orders__check_id(id, "id", err);
    if (rc)
        return rc;
    if (version == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "version", "no output");
    const orders_store_vtable_t *st = ctx->store;
    if (st->version < 3 || st->order_version == NULL) {
        orders_order_t *o = NULL;
        rc = orders_order_get(ctx, id, customer_id, &o, err);
        if (rc == ORDERS_OK)
            *version = o->version;
        orders_order_free(o);
        return rc;
    }
    char owner[ORDERS_ID_MAX + 1];
    rc = st->order_version(ctx->store_ud, id, version, owner, err);
    if (rc == ORDERS_OK && customer_id && strcmp(owner, customer_id) != 0)
        rc = ORDERS_E_NOT_FOUND;
    if (rc == ORDERS_E_NOT_FOUND)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "id", "Order not found");
    return rc;
}

orders_code_t orders_order_get_by_number(orders_ctx_t *ctx, const char *order_number,
                                         const char *customer_id, orders_order_t **out,
                                         orders_error_t *err)
{
    orders_code_t rc = orders__check_id(order_number, "orderNumber", err);
    if (rc)
        return rc;
    *out = NULL;
    return scoped(out, customer_id,
                  ctx->store->order_get_by_number(ctx->store_ud, order_number, out, err), err);
}

orders_code_t orders_order_list(orders_ctx_t *ctx, const orders_list_query_t *q,
                                orders_order_list_t *out, orders_error_t *err)
{
    if (!q || !out)
        return orders_error_set(err, ORDERS_E_INVALID, NULL, "query and list are required");
    if (q->page < 1)
        return orders_error_set(err, ORDERS_E_INVALID, "page", "page must be at least 1");
    if (q->limit < 1 || q->limit > 1000)
        return orders_error_set(err, ORDERS_E_INVALID, "limit", "limit must be from 1 to 1000");
    if (q->has_status && (unsigned)q->status > ORDERS_STATUS_FAILED)
        return orders_error_set(err, ORDERS_E_INVALID, "status", "unknown status");
    orders_code_t rc;
    if ((q->customer_id && (rc = orders__check_id(q->customer_id, "customerId", err))) ||
        (q->seller_id && (rc = orders__check_id(q->seller_id, "sellerId", err))))
        return rc;
    int64_t offset;
    if (!orders_i64_mul(q->page - 1, q->limit, &offset))
        return orders_error_set(err, ORDERS_E_INVALID, "page", "page is too large");
    orders_order_filter_t f = {
        .customer_id = q->customer_id,
        .seller_id = q->seller_id,
        .has_status = q->has_status,
        .status = q->status,
        .offset = offset,
        .limit = q->limit,
    };
    return ctx->store->order_list(ctx->store_ud, &f, out, err);
}

orders_code_t orders_order_history(orders_ctx_t *ctx, const char *id, orders_history_list_t *out,
                                   orders_error_t *err)
{
    orders_code_t rc = orders__check_id(id, "id", err);
    if (rc)
        return rc;
    orders_order_t *o = NULL;
    rc = ctx->store->order_get(ctx->store_ud, id, &o, err);
    orders_order_free(o);
    if (rc == ORDERS_E_NOT_FOUND)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "id", "Order not found");
    if (rc)
        return rc;
    return ctx->store->history_list(ctx->store_ud, id, out, err);
}
