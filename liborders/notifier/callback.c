/*
 * notifier/callback.c - hands each event to a function of the caller's.
 */
#include <stdlib.h>

#include "../core/internal.h"

typedef struct callback {
    orders_event_fn fn;
    void *fn_ud;
} callback_t;

void *orders_notifier_callback_new(orders_event_fn fn, void *fn_ud)
{
    callback_t *c = fn ? malloc(sizeof *c) : NULL;
    if (c) {
        c->fn = fn;
        c->fn_ud = fn_ud;
    }
    return c;
}

void orders_notifier_callback_free(void *ud)
{
    free(ud);
}

static orders_code_t callback_deliver(void *ud, const orders_event_t *e, orders_error_t *err)
{
    const callback_t *c = ud;
    orders_code_t rc = c->fn(c->fn_ud, e);
    if (rc)
        return orders_error_set(err, rc, NULL, "event callback failed: %s", orders_strerror(rc));
    return ORDERS_OK;
}

static const orders_notifier_vtable_t callback_notifier = {
    .version = ORDERS_NOTIFIER_VERSION,
    .name = "callback",
    .deliver = callback_deliver,
};

const orders_notifier_vtable_t *orders_notifier_callback_vtable(void)
{
    return &callback_notifier;
}
