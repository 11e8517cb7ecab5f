/*
 * json/outbox.c - the bodies of the outbox admin routes (server/
 * routes_outbox.c): the requeue request, and the counts and requeue
 * answers.
 */
#include "codec.h"

orders_code_t orders__json_requeue_request(const json_t *body, const char **event_id,
                                           int64_t *limit, orders_error_t *err)
{
    *event_id = NULL;
    orders_code_t rc = need_object(body, err);
    if (rc == ORDERS_OK)
        rc = read_string(body, "eventId", "eventId", false, event_id, err);
    if (rc == ORDERS_OK)
        rc = read_integer(body, "limit", "limit", false, limit, err);
    if (rc != ORDERS_OK)
        *event_id = NULL;
    return rc;
}

json_t *orders__json_outbox_counts(int64_t pending, int64_t dead)
{
    json_t *o = json_object();
    return o ? finish(o, put_int(o, "pending", pending) | put_int(o, "dead", dead)) : NULL;
}

json_t *orders__json_requeued(int64_t moved)
{
    json_t *o = json_object();
    return o ? finish(o, put_int(o, "requeued", moved)) : NULL;
}
