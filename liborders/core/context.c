/*
 * context.c - the context: settings, backend registration, clock, ids.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include "internal.h"

const char *orders_version_string(void)
{
    return ORDERS_VERSION_STRING;
}

orders_config_t orders_config_default(void)
{
    orders_config_t c = {
        .reservation_ms = 30LL * 60 * 1000,
        .cart_ttl_ms = 30LL * 24 * 3600 * 1000,
        .max_quantity = 1000,
        .max_cart_lines = 50,
        .outbox_max_attempts = 8,
        .outbox_backoff_ms = 1000,
        .default_currency = "USD",
    };
    return c;
}

static int64_t system_clock(void *ud)
{
    (void)ud;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static orders_code_t check_config(const orders_config_t *c, orders_error_t *err)
{
    if (c->reservation_ms <= 0)
        return orders_error_set(err, ORDERS_E_INVALID, "reservation_ms", "reservation window must be positive");
    if (c->cart_ttl_ms <= 0)
        return orders_error_set(err, ORDERS_E_INVALID, "cart_ttl_ms", "cart lifetime must be positive");
    if (c->max_quantity < 1)
        return orders_error_set(err, ORDERS_E_INVALID, "max_quantity", "max quantity must be at least 1");
    if (c->max_cart_lines < 1)
        return orders_error_set(err, ORDERS_E_INVALID, "max_cart_lines", "max cart lines must be at least 1");
    if (c->outbox_max_attempts < 1)
        return orders_error_set(err, ORDERS_E_INVALID, "outbox_max_attempts", "outbox attempts must be at least 1");
    if (c->outbox_backoff_ms < 0)
        return orders_error_set(err, ORDERS_E_INVALID, "outbox_backoff_ms", "outbox backoff must not be negative");
    if (c->default_currency && !orders_currency_valid(c->default_currency))
        return orders_error_set(err, ORDERS_E_CURRENCY, "default_currency", "unknown currency '%s'", c->default_currency);
    return ORDERS_OK;
}

orders_code_t orders_ctx_new(const orders_config_t *cfg, orders_ctx_t **out, orders_error_t *err)
{
    if (!out)
        return orders_error_set(err, ORDERS_E_INVALID, "out", "out must not be NULL");
    *out = NULL;
    orders_config_t c = cfg ? *cfg : orders_config_default();
    orders_code_t rc = check_config(&c, err);
    if (rc)
        return rc;
    orders_ctx_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return orders__nomem(err);
    ctx->cfg = c;
    memcpy(ctx->default_currency, c.default_currency ? c.default_currency : "USD", 3);
    ctx->cfg.default_currency = ctx->default_currency;
    ctx->catalog = orders_catalog_local_vtable();
    ctx->catalog_ud = ctx; /* the local catalog reads the context's store */
    ctx->customers = orders_customers_claims_vtable();
    ctx->gateway[ORDERS_METHOD_COD] = orders_gateway_cod_vtable();
    ctx->gateway[ORDERS_METHOD_WALLET] = orders_gateway_wallet_vtable();
    ctx->gateway[ORDERS_METHOD_ONLINE] = orders_gateway_test_vtable();
    ctx->gateway_ud[ORDERS_METHOD_ONLINE] = orders_gateway_test_new();
    ctx->gateway_free[ORDERS_METHOD_ONLINE] = orders_gateway_test_free;
    if (!ctx->gateway_ud[ORDERS_METHOD_ONLINE]) {
        free(ctx);
        return orders__nomem(err);
    }
    ctx->clock = system_clock;
    pthread_mutex_init(&ctx->number_lock, NULL);
    pthread_cond_init(&ctx->number_cond, NULL);
    uint64_t seed = 0;
    if (getrandom(ctx->id_random, sizeof ctx->id_random, 0) != (ssize_t)sizeof ctx->id_random ||
        getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        /* no entropy: fall back on time and address, still unique per process */
        seed = (uint64_t)system_clock(NULL) ^ (uint64_t)(uintptr_t)ctx;
        for (size_t i = 0; i < sizeof ctx->id_random; i++)
            ctx->id_random[i] = (unsigned char)(seed >> (8 * i));
    }
    atomic_init(&ctx->id_counter, (uint_fast32_t)(seed & 0xffffff));
    atomic_init(&ctx->rng, seed | 1);
    snprintf(ctx->instance, sizeof ctx->instance, "%016llx%02x%02x%02x%02x%02x",
             (unsigned long long)seed, ctx->id_random[0], ctx->id_random[1], ctx->id_random[2],
             ctx->id_random[3], ctx->id_random[4]);
    *out = ctx;
    return ORDERS_OK;
}

static void release(void *ud, orders_free_fn fn)
{
    if (fn && ud)
        fn(ud);
}

void orders_ctx_destroy(orders_ctx_t *ctx)
{
    if (!ctx)
        return;
    release(ctx->notifier_ud, ctx->notifier_free);
    for (int i = 0; i < 3; i++)
        release(ctx->gateway_ud[i], ctx->gateway_free[i]);
    release(ctx->customers_ud, ctx->customers_free);
    release(ctx->catalog_ud, ctx->catalog_free);
    release(ctx->store_ud, ctx->store_free);
    pthread_mutex_destroy(&ctx->number_lock);
    pthread_cond_destroy(&ctx->number_cond);
    free(ctx);
}

const orders_config_t *orders_ctx_config(const orders_ctx_t *ctx)
{
    return &ctx->cfg;
}

/* Frees the userdata a slot held and puts the new one in. */
static void replace_ud(void **ud_slot, orders_free_fn *free_slot, void *ud, orders_free_fn ud_free)
{
    release(*ud_slot, *free_slot);
    *ud_slot = ud;
    *free_slot = ud_free;
}

static orders_code_t check_vtable(const void *vt, int version, int known, const char *what,
                                  orders_error_t *err)
{
    if (!vt)
        return orders_error_set(err, ORDERS_E_INVALID, what, "%s vtable is NULL", what);
    if (version < 1 || version > known)
        return orders_error_set(err, ORDERS_E_INVALID, what,
                                "%s vtable version %d is not supported (this library knows 1..%d)",
                                what, version, known);
    return ORDERS_OK;
}

static bool store_complete(const orders_store_vtable_t *s)
{
    return s->product_put && s->product_get && s->product_list && s->stock_get &&
           s->stock_change && s->cart_get && s->cart_put && s->cart_purge && s->place &&
           s->order_update && s->order_get && s->order_get_by_number && s->order_list &&
           s->order_scan && s->sequence_next && s->reservation_create && s->reservation_get &&
           s->reservation_settle && s->reservations_due && s->reservation_counts &&
           s->idem_get && s->wallet_apply && s->wallet_balance && s->outbox_fetch &&
           s->outbox_ack && s->outbox_counts && s->history_list && s->stat_add && s->stat_count;
}

orders_code_t orders_ctx_set_store(orders_ctx_t *ctx, const orders_store_vtable_t *vt, void *ud,
                                   orders_free_fn ud_free, orders_error_t *err)
{
    orders_code_t rc = check_vtable(vt, vt ? vt->version : 0, ORDERS_STORE_VERSION, "store", err);
    if (rc)
        return rc;
    if (!store_complete(vt))
        return orders_error_set(err, ORDERS_E_INVALID, "store",
                                "store '%s' lacks a required member", vt->name ? vt->name : "?");
    ctx->store = vt;
    replace_ud(&ctx->store_ud, &ctx->store_free, ud, ud_free);
    return ORDERS_OK;
}

orders_code_t orders_ctx_set_catalog(orders_ctx_t *ctx, const orders_catalog_vtable_t *vt,
                                     void *ud, orders_free_fn ud_free, orders_error_t *err)
{
    orders_code_t rc = check_vtable(vt, vt ? vt->version : 0, ORDERS_CATALOG_VERSION, "catalog", err);
    if (rc)
        return rc;
    bool remote = !(vt->flags & ORDERS_CATALOG_IN_STORE);
    if (!vt->product_get || !vt->stock_available ||
        (remote && (!vt->reserve || !vt->confirm || !vt->release)))
        return orders_error_set(err, ORDERS_E_INVALID, "catalog",
                                "catalog '%s' lacks a required member", vt->name ? vt->name : "?");
    ctx->catalog = vt;
    replace_ud(&ctx->catalog_ud, &ctx->catalog_free, ud, ud_free);
    return ORDERS_OK;
}

orders_code_t orders_ctx_set_customers(orders_ctx_t *ctx, const orders_customers_vtable_t *vt,
                                       void *ud, orders_free_fn ud_free, orders_error_t *err)
{
    orders_code_t rc = check_vtable(vt, vt ? vt->version : 0, ORDERS_CUSTOMERS_VERSION, "customers", err);
    if (rc)
        return rc;
    if (!vt->resolve)
        return orders_error_set(err, ORDERS_E_INVALID, "customers", "customers backend lacks resolve");
    ctx->customers = vt;
    replace_ud(&ctx->customers_ud, &ctx->customers_free, ud, ud_free);
    return ORDERS_OK;
}

orders_code_t orders_ctx_set_gateway(orders_ctx_t *ctx, orders_payment_method_t method,
                                     const orders_gateway_vtable_t *vt, void *ud,
                                     orders_free_fn ud_free, orders_error_t *err)
{
    if ((unsigned)method > ORDERS_METHOD_WALLET)
        return orders_error_set(err, ORDERS_E_INVALID, "method", "unknown payment method");
    orders_code_t rc = check_vtable(vt, vt ? vt->version : 0, ORDERS_GATEWAY_VERSION, "gateway", err);
    if (rc)
        return rc;
    if (!vt->authorize)
        return orders_error_set(err, ORDERS_E_INVALID, "gateway", "gateway lacks authorize");
    ctx->gateway[method] = vt;
    replace_ud(&ctx->gateway_ud[method], &ctx->gateway_free[method], ud, ud_free);
    return ORDERS_OK;
}

orders_code_t orders_ctx_set_notifier(orders_ctx_t *ctx, const orders_notifier_vtable_t *vt,
                                      void *ud, orders_free_fn ud_free, orders_error_t *err)
{
    orders_code_t rc = check_vtable(vt, vt ? vt->version : 0, ORDERS_NOTIFIER_VERSION, "notifier", err);
    if (rc)
        return rc;
    if (!vt->deliver)
        return orders_error_set(err, ORDERS_E_INVALID, "notifier", "notifier lacks deliver");
    ctx->notifier = vt;
    replace_ud(&ctx->notifier_ud, &ctx->notifier_free, ud, ud_free);
    return ORDERS_OK;
}

orders_code_t orders_ctx_open_store(orders_ctx_t *ctx, const char *uri, orders_error_t *err)
{
    if (!uri)
        return orders_error_set(err, ORDERS_E_INVALID, "store", "store URI is NULL");
    if (strcmp(uri, "memory:") == 0 || strcmp(uri, "memory") == 0) {
        void *ud = NULL;
        orders_code_t rc = orders_store_memory_new(&ud, err);
        if (rc)
            return rc;
        rc = orders_ctx_set_store(ctx, orders_store_memory_vtable(), ud, orders_store_memory_free, err);
        if (rc)
            orders_store_memory_free(ud);
        return rc;
    }
#ifdef ORDERS_HAVE_SQLITE
    if (strncmp(uri, "sqlite:", 7) == 0) {
        void *ud = NULL;
        orders_code_t rc = orders_store_sqlite_open_uri(uri, &ud, err);
        if (rc)
            return rc;
        rc = orders_ctx_set_store(ctx, orders_store_sqlite_vtable(), ud, orders_store_sqlite_free,
                                  err);
        if (rc)
            orders_store_sqlite_free(ud);
        return rc;
    }
#endif
#ifdef ORDERS_HAVE_MONGO
    if (strncmp(uri, "mongodb://", 10) == 0 || strncmp(uri, "mongodb+srv://", 14) == 0) {
        void *ud = NULL;
        orders_code_t rc = orders_store_mongo_open(uri, NULL, &ud, err);
        if (rc)
            return rc;
        rc = orders_ctx_set_store(ctx, orders_store_mongo_vtable(), ud, orders_store_mongo_free,
                                  err);
        if (rc)
            orders_store_mongo_free(ud);
        return rc;
    }
#endif
    if (strncmp(uri, "sqlite:", 7) == 0 || strncmp(uri, "mongodb://", 10) == 0 ||
        strncmp(uri, "mongodb+srv://", 14) == 0)
        return orders_error_set(err, ORDERS_E_UNSUPPORTED, "store",
                                "store '%.*s' is not built into this liborders", 16, uri);
    return orders_error_set(err, ORDERS_E_INVALID, "store",
                            "unknown store URI (expected memory:, sqlite:PATH or mongodb://...)");
}

void orders_ctx_set_clock(orders_ctx_t *ctx, orders_clock_fn fn, void *ud)
{
    ctx->clock = fn ? fn : system_clock;
    ctx->clock_ud = fn ? ud : NULL;
}

void orders_ctx_set_idgen(orders_ctx_t *ctx, orders_idgen_fn fn, void *ud)
{
    ctx->idgen = fn;
    ctx->idgen_ud = ud;
}

void orders_ctx_set_pricing(orders_ctx_t *ctx, orders_pricing_fn fn, void *ud)
{
    ctx->pricing = fn;
    ctx->pricing_ud = ud;
}

int64_t orders_ctx_now(orders_ctx_t *ctx)
{
    return ctx->clock(ctx->clock_ud);
}

const orders_store_vtable_t *orders_ctx_store(const orders_ctx_t *ctx, void **ud)
{
    if (ud)
        *ud = ctx->store_ud;
    return ctx->store;
}

const orders_gateway_vtable_t *orders__gateway(orders_ctx_t *ctx, orders_payment_method_t m,
                                               void **ud)
{
    if ((unsigned)m > ORDERS_METHOD_WALLET)
        return NULL;
    *ud = ctx->gateway_ud[m];
    return ctx->gateway[m];
}

/* ---- ids and randomness ---- */

void orders__new_id(orders_ctx_t *ctx, char out[ORDERS_ID_MAX + 1])
{
    orders__new_id_at(ctx, ctx->idgen ? 0 : orders_ctx_now(ctx), out);
}

/* Default ids look like MongoDB ObjectIds: 4 bytes of seconds, 5 random
 * bytes per context, a 3-byte counter; 24 hex digits. */
void orders__new_id_at(orders_ctx_t *ctx, int64_t now, char out[ORDERS_ID_MAX + 1])
{
    if (ctx->idgen) {
        out[0] = '\0';
        ctx->idgen(ctx->idgen_ud, out);
        out[ORDERS_ID_MAX] = '\0';
        return;
    }
    unsigned char b[12];
    uint32_t secs = (uint32_t)(now / 1000);
    uint32_t n = (uint32_t)atomic_fetch_add(&ctx->id_counter, 1);
    b[0] = (unsigned char)(secs >> 24);
    b[1] = (unsigned char)(secs >> 16);
    b[2] = (unsigned char)(secs >> 8);
    b[3] = (unsigned char)secs;
    memcpy(b + 4, ctx->id_random, 5);
    b[9] = (unsigned char)(n >> 16);
    b[10] = (unsigned char)(n >> 8);
    b[11] = (unsigned char)n;
    orders__hex_bytes(b, 12, out);
}

/* v in decimal at p (room for 20 digits); returns the digits written. */
static size_t put_decimal(char *p, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

void orders__step_event_id(orders_ctx_t *ctx, const char *order_id, int64_t version,
                           size_t index, int64_t now, char out[ORDERS_ID_MAX + 1])
{
    /* ':' + two numbers of at most 20 digits + '.' */
    size_t n = strnlen(order_id, ORDERS_ID_MAX + 1);
    if (n + 42 > ORDERS_ID_MAX || version < 0) {
        orders__new_id_at(ctx, now, out);
        return;
    }
    memcpy(out, order_id, n);
    out[n++] = ':';
    n += put_decimal(out + n, (uint64_t)version);
    out[n++] = '.';
    n += put_decimal(out + n, index);
    out[n] = '\0';
}

uint64_t orders__random(orders_ctx_t *ctx)
{
    /* splitmix64 over an atomic counter: cheap, thread-safe, not secret */
    uint64_t z = (uint64_t)atomic_fetch_add(&ctx->rng, 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

orders_code_t orders__check_id(const char *id, const char *field, orders_error_t *err)
{
    if (!id || !id[0])
        return orders_error_set(err, ORDERS_E_INVALID, field, "%s is required", field);
    if (strnlen(id, ORDERS_ID_MAX + 1) > ORDERS_ID_MAX)
        return orders_error_set(err, ORDERS_E_INVALID, field, "%s is longer than %d bytes", field,
                                ORDERS_ID_MAX);
    /* Records hold UTF-8 only (types.h): an id of other bytes (a path
     * segment such as %FF) would make every JSON answer that shows it fail. */
    if (!orders__utf8_valid(id))
        return orders_error_set(err, ORDERS_E_INVALID, field, "%s must be valid UTF-8", field);
    return ORDERS_OK;
}

orders_code_t orders__nomem(orders_error_t *err)
{
    return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
}

bool orders__set_str(char **slot, const char *s)
{
    char *copy = NULL;
    if (s && !(copy = orders__strdup(s)))
        return false;
    free(*slot);
    *slot = copy;
    return true;
}

void orders__stat(orders_ctx_t *ctx, const char *kind)
{
    (void)ctx->store->stat_add(ctx->store_ud, kind, orders_ctx_now(ctx), NULL);
}
