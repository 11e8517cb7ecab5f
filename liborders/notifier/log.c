/*
 * notifier/log.c - writes each event as one JSON line to a FILE*.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../core/internal.h"

static orders_code_t log_deliver(void *ud, const orders_event_t *e, orders_error_t *err)
{
    FILE *f = ud;
    char *line = orders_event_to_json(e);
    if (!line)
        return orders__nomem(err);
    int ok = fputs(line, f) >= 0 && fputc('\n', f) != EOF && fflush(f) == 0;
    free(line);
    return ok ? ORDERS_OK
              : orders_error_set(err, ORDERS_E_BACKEND, NULL, "could not write the event log");
}

static const orders_notifier_vtable_t log_notifier = {
    .version = ORDERS_NOTIFIER_VERSION,
    .name = "log",
    .deliver = log_deliver,
};

const orders_notifier_vtable_t *orders_notifier_log_vtable(void)
{
    return &log_notifier;
}
