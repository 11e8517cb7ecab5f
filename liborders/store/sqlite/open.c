/*
 * open.c - the SQLite store's options, opening, vtable and freeing.
 *
 * Opening makes the handle, opens its first connection (which switches the
 * file to WAL mode and migrates the schema, see schema.c) and puts it in
 * the pool; more connections open on demand (pool.c).
 */
#include "store/sqlite/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const orders_store_vtable_t sqlite_vtable = {
    .version = ORDERS_STORE_VERSION,
    .name = "sqlite",
    .product_put = orders__sq_product_put,
    .product_get = orders__sq_product_get,
    .product_list = orders__sq_product_list,
    .stock_get = orders__sq_stock_get,
    .stock_change = orders__sq_stock_change,
    .cart_get = orders__sq_cart_get,
    .cart_put = orders__sq_cart_put,
    .cart_purge = orders__sq_cart_purge,
    .place = orders__sq_place,
    .order_update = orders__sq_order_update,
    .order_get = orders__sq_order_get,
    .order_get_by_number = orders__sq_order_get_by_number,
    .order_list = orders__sq_order_list,
    .order_scan = orders__sq_order_scan,
    .sequence_next = orders__sq_sequence_next,
    .reservation_create = orders__sq_reservation_create,
    .reservation_get = orders__sq_reservation_get,
    .reservation_settle = orders__sq_reservation_settle,
    .reservations_due = orders__sq_reservations_due,
    .reservation_counts = orders__sq_reservation_counts,
    .idem_get = orders__sq_idem_get,
    .wallet_apply = orders__sq_wallet_apply,
    .wallet_balance = orders__sq_wallet_balance,
    .outbox_fetch = orders__sq_outbox_fetch,
    .outbox_ack = orders__sq_outbox_ack,
    .outbox_counts = orders__sq_outbox_counts,
    .history_list = orders__sq_history_list,
    .stat_add = orders__sq_stat_add,
    .stat_count = orders__sq_stat_count,
    .products_read = orders__sq_products_read,
    .order_version = orders__sq_order_version,
    .outbox_ack_many = orders__sq_outbox_ack_many,
    .outbox_requeue = orders__sq_outbox_requeue,
    .lease_take = orders__sq_lease_take,
};

const orders_store_vtable_t *orders_store_sqlite_vtable(void)
{
    return &sqlite_vtable;
}

orders_sqlite_options_t orders_sqlite_options_default(void)
{
    orders_sqlite_options_t o = {
        .synchronous = ORDERS_SQLITE_SYNC_FULL,
        .busy_timeout_ms = 5000,
        .busy_retries = 8,
        .pool_size = 4,
    };
    return o;
}

/* ---- options ------------------------------------------------------------------------- */

static orders_code_t bad_option(orders_error_t *err, const char *name, const char *why)
{
    return orders_error_set(err, ORDERS_E_INVALID, "store", "sqlite option %s: %s", name, why);
}

static orders_code_t check_options(const orders_sqlite_options_t *o, orders_error_t *err)
{
    if (o->synchronous != ORDERS_SQLITE_SYNC_FULL && o->synchronous != ORDERS_SQLITE_SYNC_NORMAL)
        return bad_option(err, "synchronous", "must be full or normal");
    if (o->busy_timeout_ms < 0 || o->busy_timeout_ms > 600000)
        return bad_option(err, "busy_timeout", "must be 0..600000 (milliseconds)");
    if (o->busy_retries < 0 || o->busy_retries > 1000)
        return bad_option(err, "busy_retries", "must be 0..1000");
    if (o->pool_size < 1 || o->pool_size > 64)
        return bad_option(err, "pool", "must be 1..64");
    return ORDERS_OK;
}

/* Parses the decimal integer [v, end) into *out; false unless it is all
 * digits and fits an int. */
static bool parse_int(const char *v, const char *end, int *out)
{
    if (v == end || end - v > 9)
        return false;
    int n = 0;
    for (const char *p = v; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        n = n * 10 + (*p - '0');
    }
    *out = n;
    return true;
}

static bool token_is(const char *s, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - s) == n && strncmp(s, word, n) == 0;
}

/* Applies one "name=value" option of [s, end) to o. */
static orders_code_t parse_option(const char *s, const char *end, orders_sqlite_options_t *o,
                                  orders_error_t *err)
{
    const char *eq = memchr(s, '=', (size_t)(end - s));
    int namelen = (int)((eq != NULL ? eq : end) - s);
    if (namelen > 32)
        namelen = 32;
    if (eq == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "store",
                                "sqlite option '%.*s' has no value", namelen, s);
    const char *v = eq + 1;
    if (token_is(s, eq, "synchronous")) {
        if (token_is(v, end, "full") || token_is(v, end, "FULL"))
            o->synchronous = ORDERS_SQLITE_SYNC_FULL;
        else if (token_is(v, end, "normal") || token_is(v, end, "NORMAL"))
            o->synchronous = ORDERS_SQLITE_SYNC_NORMAL;
        else
            return bad_option(err, "synchronous", "must be full or normal");
        return ORDERS_OK;
    }
    int *target = token_is(s, eq, "busy_timeout")   ? &o->busy_timeout_ms
                  : token_is(s, eq, "busy_retries") ? &o->busy_retries
                  : token_is(s, eq, "pool")         ? &o->pool_size
                                                    : NULL;
    if (target == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "store",
                                "unknown sqlite option '%.*s' (known: synchronous, "
                                "busy_timeout, busy_retries, pool)",
                                namelen, s);
    if (!parse_int(v, end, target))
        return orders_error_set(err, ORDERS_E_INVALID, "store",
                                "sqlite option %.*s: '%.*s' is not a number", namelen, s,
                                (int)(end - v > 32 ? 32 : end - v), v);
    return ORDERS_OK;
}

/* Applies every option of query ("a=1&b=2") to o, then checks them. */
static orders_code_t parse_query(const char *query, orders_sqlite_options_t *o,
                                 orders_error_t *err)
{
    const char *s = query;
    while (*s != '\0') {
        const char *amp = strchr(s, '&');
        const char *end = amp != NULL ? amp : s + strlen(s);
        if (end > s) {
            orders_code_t rc = parse_option(s, end, o, err);
            if (rc != ORDERS_OK)
                return rc;
        }
        s = amp != NULL ? amp + 1 : end;
    }
    return check_options(o, err);
}

/* ---- open and free ------------------------------------------------------------------- */

/* The handle's locks and condition variables, in the order they are made;
 * handle_sync_destroy undoes the first n of them. */
enum { SYNC_LOCK, SYNC_COND, SYNC_WRITE_LOCK, SYNC_GROUP_LOCK, SYNC_COUNT };

static void handle_sync_destroy(orders__sq_t *s, int n)
{
    if (n > SYNC_GROUP_LOCK)
        pthread_mutex_destroy(&s->group_lock);
    if (n > SYNC_WRITE_LOCK)
        pthread_mutex_destroy(&s->write_lock);
    if (n > SYNC_COND)
        pthread_cond_destroy(&s->cond);
    if (n > SYNC_LOCK)
        pthread_mutex_destroy(&s->lock);
}

/* Makes them all; false (and none left) when one cannot be made. */
static bool handle_sync_init(orders__sq_t *s)
{
    int n = 0;
    if (pthread_mutex_init(&s->lock, NULL) == 0 && ++n && pthread_cond_init(&s->cond, NULL) == 0 &&
        ++n && pthread_mutex_init(&s->write_lock, NULL) == 0 && ++n &&
        pthread_mutex_init(&s->group_lock, NULL) == 0 && ++n)
        return true;
    handle_sync_destroy(s, n);
    return false;
}

static orders__sq_t *handle_new(const char *path, const orders_sqlite_options_t *opts)
{
    orders__sq_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->opts = *opts;
    if ((s->path = orders__strdup(path)) == NULL || !handle_sync_init(s)) {
        free(s->path);
        free(s);
        return NULL;
    }
    return s;
}

/*
 * SQLite keeps memory statistics by default, under one process-wide mutex
 * taken by every allocation of every connection: with dozens of threads
 * that mutex was a steady source of sleeps.  The statistics can only be
 * turned off before SQLite initializes, so the first store open does it
 * when SQLite is not yet initialized (an application that wants them, e.g.
 * for sqlite3_soft_heap_limit64, initializes SQLite before; the call then
 * fails with SQLITE_MISUSE and changes nothing).
 */
static void sqlite_config_once(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static pthread_once_t config_once = PTHREAD_ONCE_INIT;

orders_code_t orders_store_sqlite_open(const char *path, const orders_sqlite_options_t *opts,
                                       void **ud, orders_error_t *err)
{
    pthread_once(&config_once, sqlite_config_once);
    if (ud == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "ud", "no output");
    *ud = NULL;
    if (path == NULL || path[0] == '\0')
        return orders_error_set(err, ORDERS_E_INVALID, "store", "sqlite: the file path is empty");
    if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
        return orders_error_set(err, ORDERS_E_INVALID, "store",
                                "sqlite: give a file path (use the memory: store for a "
                                "store in memory)");
    orders_sqlite_options_t o = opts != NULL ? *opts : orders_sqlite_options_default();
    orders_code_t rc = check_options(&o, err);
    if (rc != ORDERS_OK)
        return rc;

    orders__sq_t *s = handle_new(path, &o);
    if (s == NULL)
        return orders__sq_nomem(err);
    orders__sq_ckpt_start(s); /* first: connections attach to it as they open */
    orders__sq_conn_t *c = NULL;
    if ((rc = orders__sq_conn_open(s, &c, err)) == ORDERS_OK &&
        (rc = orders__sq_migrate(s, c, err)) == ORDERS_OK) {
        orders__sq_pool_add(s, c);
        *ud = s;
        return ORDERS_OK;
    }
    orders__sq_conn_close(c);
    orders_store_sqlite_free(s);
    return rc;
}

orders_code_t orders_store_sqlite_open_uri(const char *uri, void **ud, orders_error_t *err)
{
    if (ud == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "ud", "no output");
    *ud = NULL;
    if (uri == NULL || strncmp(uri, "sqlite:", 7) != 0)
        return orders_error_set(err, ORDERS_E_INVALID, "store",
                                "a SQLite store URI starts with sqlite:");
    const char *path = uri + 7;
    const char *q = strchr(path, '?');
    size_t n = q != NULL ? (size_t)(q - path) : strlen(path);
    orders_sqlite_options_t o = orders_sqlite_options_default();
    orders_code_t rc = parse_query(q != NULL ? q + 1 : "", &o, err);
    if (rc != ORDERS_OK)
        return rc;
    char *p = malloc(n + 1);
    if (p == NULL)
        return orders__sq_nomem(err);
    memcpy(p, path, n);
    p[n] = '\0';
    rc = orders_store_sqlite_open(p, &o, ud, err);
    free(p);
    return rc;
}

void orders_store_sqlite_free(void *ud)
{
    orders__sq_t *s = ud;
    if (s == NULL)
        return;
    orders__sq_ckpt_stop(s);
    orders__sq_conn_close(s->writer);
    orders__sq_conn_t *c = s->all;
    while (c != NULL) {
        orders__sq_conn_t *next = c->next_all;
        orders__sq_conn_close(c);
        c = next;
    }
    handle_sync_destroy(s, SYNC_COUNT);
    free(s->path);
    free(s);
}

orders_code_t orders_store_sqlite_stats(void *ud, orders_sqlite_stats_t *out, orders_error_t *err)
{
    if (ud == NULL || out == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "ud", "no handle or no output");
    orders__sq_group_stats(ud, &out->commits, &out->writes);
    return ORDERS_OK;
}
