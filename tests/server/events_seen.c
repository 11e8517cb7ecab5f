/*
 * tests/server/events_seen.c - see events_seen.h.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "events_seen.h"

#define FETCH_LIMIT 1000000

static void push(seen_events_t *s, size_t *cap, const char *id, const char *order,
                 const char *type, const char *recipient)
{
    if (s->count == *cap) {
        *cap = *cap ? 2 * *cap : 1024;
        seen_event_t *grown = realloc(s->items, *cap * sizeof *grown);
        cr_assert_not_null(grown, "out of memory");
        s->items = grown;
    }
    seen_event_t *e = &s->items[s->count++];
    snprintf(e->id, sizeof e->id, "%s", id ? id : "");
    snprintf(e->order_id, sizeof e->order_id, "%s", order ? order : "");
    snprintf(e->type, sizeof e->type, "%s", type ? type : "");
    snprintf(e->recipient, sizeof e->recipient, "%s", recipient ? recipient : "");
}

static void read_pending(orders_ctx_t *ctx, seen_events_t *s, size_t *cap)
{
    int64_t pending = -1, dead = -1;
    orders_error_t err = {0};
    orders_code_t rc = orders_outbox_counts(ctx, &pending, &dead, &err);
    cr_assert_eq(rc, ORDERS_OK, "outbox counts: %s (%s)", orders_strerror(rc), err.message);
    cr_assert_eq(dead, 0, "%lld dead outbox events", (long long)dead);
    void *ud = NULL;
    const orders_store_vtable_t *vt = orders_ctx_store(ctx, &ud);
    orders_event_list_t l = {0};
    rc = vt->outbox_fetch(ud, INT64_MAX, FETCH_LIMIT, &l, &err);
    cr_assert_eq(rc, ORDERS_OK, "outbox fetch: %s (%s)", orders_strerror(rc), err.message);
    for (size_t i = 0; i < l.count; i++) {
        const orders_event_t *e = l.items[i];
        push(s, cap, e->id, e->order_id, orders_event_type_name(e->type), e->recipient);
    }
    s->pending = l.count;
    orders_event_list_clear(&l);
}

/* One log line; a line a killed server left unfinished has the next
 * server's first event glued after it, which is still read. */
static void read_line(seen_events_t *s, size_t *cap, const char *line)
{
    json_t *j = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
    const char *glued = j ? NULL : strstr(line + 1, "{\"id\":");
    if (j == NULL) {
        s->torn_lines++;
        if (glued != NULL)
            j = json_loads(glued, JSON_DISABLE_EOF_CHECK, NULL);
    }
    if (j == NULL)
        return;
    const char *id = json_string_value(json_object_get(j, "id"));
    if (id != NULL) {
        push(s, cap, id, json_string_value(json_object_get(j, "orderId")),
             json_string_value(json_object_get(j, "type")),
             json_string_value(json_object_get(j, "recipient")));
        s->logged++;
    }
    json_decref(j);
}

static void read_log(const char *path, seen_events_t *s, size_t *cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;                            /* nothing delivered yet */
    char *line = NULL;
    size_t len = 0;
    while (getline(&line, &len, f) > 0)
        read_line(s, cap, line);
    free(line);
    fclose(f);
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const seen_event_t *)a)->id, ((const seen_event_t *)b)->id);
}

static int by_order(const void *a, const void *b)
{
    const seen_event_t *x = a, *y = b;
    int c = strcmp(x->order_id, y->order_id);
    return c ? c : strcmp(x->id, y->id);
}

void seen_events_read(orders_ctx_t *ctx, const char *events_log, seen_events_t *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    read_pending(ctx, out, &cap);
    read_log(events_log, out, &cap);
    if (out->count == 0)
        return;
    qsort(out->items, out->count, sizeof *out->items, by_id);
    size_t kept = 1;
    for (size_t i = 1; i < out->count; i++)
        if (strcmp(out->items[i].id, out->items[kept - 1].id) != 0)
            out->items[kept++] = out->items[i];
    out->count = kept;
    qsort(out->items, out->count, sizeof *out->items, by_order);
}

const seen_event_t *seen_events_of(const seen_events_t *s, const char *order_id, size_t *n)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {                     /* first with order_id >= the one sought */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->items[mid].order_id, order_id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < s->count && strcmp(s->items[end].order_id, order_id) == 0)
        end++;
    *n = end - lo;
    return *n ? &s->items[lo] : NULL;
}

void seen_events_clear(seen_events_t *s)
{
    free(s->items);
    memset(s, 0, sizeof *s);
}
