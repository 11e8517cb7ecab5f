/*
 * json/event.c - the JSON form of an outbox event, as notifiers send it.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/internal.h"
#include "json.h"

static void set_str(json_t *obj, const char *key, const char *v)
{
    json_object_set_new(obj, key, v ? json_string(v) : json_null());
}

json_t *orders__json_money(const orders_money_t *m)
{
    int digits = orders_currency_digits(m->currency);
    int64_t unit = 1;
    for (int i = 0; i < digits; i++)
        unit *= 10;
    /* whole major units print as integers (5, not 5.0), as the original
     * service's JSON did */
    if (digits <= 0 || m->amount % unit == 0)
        return json_integer(m->amount / unit);
    char buf[48];
    if (orders_money_format(m, buf, sizeof buf) < 0)
        return json_null();
    /* strtod of the exact decimal text gives the double nearest it, which
     * prints back as the same text with JSON_REAL_PRECISION(15) for every
     * amount under 10^15 minor units. */
    return json_real(strtod(buf, NULL));
}

json_t *orders__json_time(int64_t ms)
{
    if (ms == 0)
        return json_null();
    char buf[32];
    return orders__iso8601(ms, buf, sizeof buf) ? json_string(buf) : json_null();
}

json_t *orders__json_event(const orders_event_t *e)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    set_str(o, "id", e->id);
    set_str(o, "type", orders_event_type_name(e->type));
    set_str(o, "orderId", e->order_id);
    set_str(o, "recipient", e->recipient);
    set_str(o, "oldStatus", e->old_status);
    set_str(o, "newStatus", e->new_status);
    json_object_set_new(o, "amount", orders__json_money(&e->amount));
    set_str(o, "currency", e->amount.currency[0] ? e->amount.currency : NULL);
    set_str(o, "detail", e->detail);
    json_object_set_new(o, "timestamp", orders__json_time(e->created_at));
    return o;
}

char *orders_event_to_json(const orders_event_t *e)
{
    json_t *o = orders__json_event(e);
    if (!o)
        return NULL;
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(o);
    return s;
}
