/*
 * open.c - the MongoDB store's handle: options, the client pool, indexes,
 * the background recovery thread, and the vtable.
 */
#define _DEFAULT_SOURCE

#include "store/mongo/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void driver_init(void)
{
    mongoc_init();
}

orders_mongo_options_t orders_mongo_options_default(void)
{
    orders_mongo_options_t o;
    memset(&o, 0, sizeof o);
    o.recovery_grace_ms = 30000;
    o.recovery_interval_ms = 5000;
    o.wait_ms = 5000;
    o.timeout_ms = 10000;
    return o;
}

static orders_code_t check_range(const char *name, int v, int lo, int hi, orders_error_t *err)
{
    if (v < lo || v > hi)
        return orders_error_set(err, ORDERS_E_INVALID, "store",
                                "MongoDB store option %s must be %d..%d, not %d", name, lo, hi, v);
    return ORDERS_OK;
}

static orders_code_t check_options(const orders_mongo_options_t *o, orders_error_t *err)
{
    orders_code_t rc;
    if ((rc = check_range("recovery_grace_ms", o->recovery_grace_ms, 0, 86400000, err)) ||
        (rc = check_range("recovery_interval_ms", o->recovery_interval_ms, 0, 3600000, err)) ||
        (rc = check_range("wait_ms", o->wait_ms, 0, 600000, err)) ||
        (rc = check_range("timeout_ms", o->timeout_ms, 100, 600000, err)) ||
        (rc = check_range("abort_at_step", o->abort_at_step, 0, 100, err)))
        return rc;
    if (o->recovery_grace_ms > 0 && o->wait_ms >= o->recovery_grace_ms)
        return orders_error_set(err, ORDERS_E_INVALID, "store",
                                "MongoDB store option wait_ms (%d) must be below "
                                "recovery_grace_ms (%d): a caller still waiting would be "
                                "recovered",
                                o->wait_ms, o->recovery_grace_ms);
    if (o->database != NULL && (o->database[0] == '\0' || strlen(o->database) > 63 ||
                                strpbrk(o->database, "/\\. \"$") != NULL))
        return orders_error_set(err, ORDERS_E_INVALID, "store",
                                "MongoDB store option database is not a valid database name");
    return ORDERS_OK;
}

/* ---- the URI and the pool ------------------------------------------------------------- */

static void uri_default_int(mongoc_uri_t *u, const char *option, int32_t v)
{
    if (mongoc_uri_get_option_as_int32(u, option, -1) == -1)
        mongoc_uri_set_option_as_int32(u, option, v);
}

/* The write concern of every write: the URI's when it sets w, else
 * majority with journaling. */
static mongoc_write_concern_t *write_concern(const mongoc_uri_t *u)
{
    const mongoc_write_concern_t *given = mongoc_uri_get_write_concern(u);
    if (given != NULL && mongoc_write_concern_get_w(given) != MONGOC_WRITE_CONCERN_W_DEFAULT)
        return NULL;
    mongoc_write_concern_t *wc = mongoc_write_concern_new();
    mongoc_write_concern_set_w(wc, MONGOC_WRITE_CONCERN_W_MAJORITY);
    mongoc_write_concern_set_journal(wc, true);
    return wc;
}

static orders_code_t open_pool(mg_store_t *s, const char *uri, orders_error_t *err)
{
    bson_error_t e;
    mongoc_uri_t *u = mongoc_uri_new_with_error(uri, &e);
    if (u == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "store", "bad MongoDB URI: %s",
                                e.message);
    uri_default_int(u, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, s->opts.timeout_ms);
    uri_default_int(u, MONGOC_URI_CONNECTTIMEOUTMS, s->opts.timeout_ms);
    uri_default_int(u, MONGOC_URI_SOCKETTIMEOUTMS, s->opts.timeout_ms);
    /* Every read goes to the primary: the protocol reads what it just
     * wrote, and a secondary may lag behind it. */
    mongoc_read_prefs_t *primary = mongoc_read_prefs_new(MONGOC_READ_PRIMARY);
    mongoc_uri_set_read_prefs_t(u, primary);
    mongoc_read_prefs_destroy(primary);
    if (mongoc_uri_get_appname(u) == NULL)
        mongoc_uri_set_appname(u, "liborders");
    const char *db = s->opts.database;
    if (db == NULL)
        db = mongoc_uri_get_database(u);
    s->db = orders__strdup(db != NULL && db[0] != '\0' ? db : "orders");
    s->wc = write_concern(u);
    s->pool = mongoc_client_pool_new(u);
    mongoc_uri_destroy(u);
    if (s->db == NULL)
        return mg_nomem(err);
    if (s->pool == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "store",
                                "MongoDB URI refused by the driver");
    mongoc_client_pool_set_error_api(s->pool, MONGOC_ERROR_API_VERSION_2);
    s->opts.database = s->db;
    return ORDERS_OK;
}

static orders_code_t ping(mg_store_t *s, orders_error_t *err)
{
    mongoc_client_t *c = mg_pop(s);
    bson_t *cmd = MG_BCON("ping", BCON_INT32(1));
    bson_t reply;
    bson_error_t e;
    bool ok = mongoc_client_command_simple(c, "admin", cmd, NULL, &reply, &e);
    bson_destroy(&reply);
    bson_destroy(cmd);
    mg_push(s, c);
    return ok ? ORDERS_OK : mg_fail(&e, "open", err);
}

/* ---- indexes ------------------------------------------------------------------------------- */

typedef struct index_spec {
    const char *coll;
    const char *name;
    const char *keys[3];  /* field names; a leading '-' sorts descending */
    bool unique;
} index_spec_t;

static const index_spec_t indexes[] = {
    {MG_ORDERS, "orderNumber_unique", {"orderNumber"}, true},
    {MG_ORDERS, "customer_created", {"customerId", "-createdAt"}, false},
    {MG_ORDERS, "seller_created", {"items.sellerId", "-createdAt"}, false},
    {MG_ORDERS, "status_created", {"status", "-createdAt"}, false},
    {MG_ORDERS, "placed", {"placedAt"}, false},
    {MG_ORDERS, "effects_at", {"effects.at"}, false},
    {MG_RESERVATIONS, "status_expires", {"status", "expiresAt"}, false},
    {MG_RESERVATIONS, "orderId_unique", {"orderId"}, true},
    {MG_RESERVATIONS, "updated", {"updatedAt"}, false},
    {MG_RESERVATIONS, "lock_at", {"lock.at"}, false},
    {MG_RESERVATIONS, "creating_at", {"creatingAt"}, false},
    {MG_CARTS, "customerId_unique", {"customerId"}, true},
    {MG_CARTS, "expires", {"expiresAt"}, false},
    {MG_PRODUCTS, "seller_id", {"sellerId", "_id"}, false},
    {MG_PLACEMENTS, "orderNumber_unique", {"orderNumber"}, true},
    {MG_PLACEMENTS, "started", {"startedAt"}, false},
    {MG_PLACEMENTS, "token", {"token"}, false},
    {MG_OUTBOX, "due", {"state", "createdAt", "seq"}, false},
    {MG_OUTBOX, "dead", {"state", "createdAt", "_id"}, false}, /* outbox_requeue's order */
    {MG_OUTBOX, "holder", {"holder"}, false},
    {MG_OUTBOX, "held_at", {"heldAt"}, false},
    {MG_HISTORY, "order", {"orderId", "at", "_id"}, false},
    {MG_HISTORY, "holder", {"holder"}, false},
    {MG_HISTORY, "held_at", {"heldAt"}, false},
    {MG_STATS, "kind_at", {"kind", "at"}, false},
    {MG_IDEM, "state_at", {"state", "at"}, false},
    {MG_WALLETS, "pending_at", {"pending.at"}, false},
};

static void append_index(bson_t *array, size_t i, const index_spec_t *spec)
{
    char key[16];
    const char *k;
    bson_t doc, keys;
    bson_uint32_to_string((uint32_t)i, &k, key, sizeof key);
    bson_append_document_begin(array, k, -1, &doc);
    bson_append_document_begin(&doc, "key", -1, &keys);
    for (size_t f = 0; f < 3 && spec->keys[f] != NULL; f++) {
        const char *name = spec->keys[f];
        bool desc = name[0] == '-';
        bson_append_int32(&keys, desc ? name + 1 : name, -1, desc ? -1 : 1);
    }
    bson_append_document_end(&doc, &keys);
    BSON_APPEND_UTF8(&doc, "name", spec->name);
    if (spec->unique)
        BSON_APPEND_BOOL(&doc, "unique", true);
    bson_append_document_end(array, &doc);
}

/* One createIndexes command per collection (libmongoc 1.23 has no index
 * model API). */
static orders_code_t create_indexes(mg_store_t *s, orders_error_t *err)
{
    const size_t n = sizeof indexes / sizeof indexes[0];
    mongoc_client_t *c = mg_pop(s);
    mongoc_database_t *db = mongoc_client_get_database(c, s->db);
    orders_code_t rc = ORDERS_OK;
    for (size_t i = 0; i < n && rc == ORDERS_OK; i++) {
        if (i > 0 && strcmp(indexes[i].coll, indexes[i - 1].coll) == 0)
            continue;
        bson_t cmd = BSON_INITIALIZER, array, reply;
        BSON_APPEND_UTF8(&cmd, "createIndexes", indexes[i].coll);
        bson_append_array_begin(&cmd, "indexes", -1, &array);
        size_t count = 0;
        for (size_t j = i; j < n && strcmp(indexes[j].coll, indexes[i].coll) == 0; j++)
            append_index(&array, count++, &indexes[j]);
        bson_append_array_end(&cmd, &array);
        bson_error_t e;
        if (!mongoc_database_write_command_with_opts(db, &cmd, NULL, &reply, &e))
            rc = mg_fail(&e, "create indexes", err);
        bson_destroy(&reply);
        bson_destroy(&cmd);
    }
    mongoc_database_destroy(db);
    mg_push(s, c);
    return rc;
}

/* ---- the recovery thread ------------------------------------------------------------------- */

static void *recovery_main(void *arg)
{
    mg_store_t *s = arg;
    pthread_mutex_lock(&s->stop_lock);
    while (!s->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t ns = until.tv_nsec + (int64_t)(s->opts.recovery_interval_ms % 1000) * 1000000;
        until.tv_sec += s->opts.recovery_interval_ms / 1000 + ns / 1000000000;
        until.tv_nsec = (long)(ns % 1000000000);
        int r = 0;
        while (!s->stopping && r != ETIMEDOUT)
            r = pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &until);
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->stop_lock);
        /* A failed pass is retried by the next one. */
        (void)orders_store_mongo_recover(s, NULL, NULL);
        pthread_mutex_lock(&s->stop_lock);
    }
    pthread_mutex_unlock(&s->stop_lock);
    return NULL;
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

orders_code_t orders_store_mongo_open(const char *uri, const orders_mongo_options_t *opts,
                                      void **ud, orders_error_t *err)
{
    if (ud == NULL)
        return orders_error_set(err, ORDERS_E_INVALID, "store", "ud is NULL");
    *ud = NULL;
    if (uri == NULL || (strncmp(uri, "mongodb://", 10) != 0 &&
                        strncmp(uri, "mongodb+srv://", 14) != 0))
        return orders_error_set(err, ORDERS_E_INVALID, "store",
                                "a MongoDB URI starts with mongodb:// or mongodb+srv://");
    orders_mongo_options_t o = opts != NULL ? *opts : orders_mongo_options_default();
    orders_code_t rc = check_options(&o, err);
    if (rc != ORDERS_OK)
        return rc;
    pthread_once(&init_once, driver_init);

    mg_store_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return mg_nomem(err);
    s->opts = o;
    s->opts.database = NULL;
    pthread_mutex_init(&s->stop_lock, NULL);
    pthread_cond_init(&s->stop_cond, NULL);
    s->opts.database = o.database;
    if ((rc = open_pool(s, uri, err)) != ORDERS_OK || (rc = ping(s, err)) != ORDERS_OK ||
        (rc = create_indexes(s, err)) != ORDERS_OK) {
        orders_store_mongo_free(s);
        return rc;
    }
    /* A leftover this pass cannot fix must not keep every process from
     * starting: the background pass (or orders_store_mongo_recover) tries
     * again. */
    (void)orders_store_mongo_recover(s, NULL, NULL);
    if (s->opts.recovery_interval_ms > 0) {
        if (pthread_create(&s->recovery_thread, NULL, recovery_main, s) != 0) {
            orders_store_mongo_free(s);
            return orders_error_set(err, ORDERS_E_BACKEND, "store",
                                    "cannot start the recovery thread");
        }
        s->recovery_started = true;
    }
    *ud = s;
    return ORDERS_OK;
}

void orders_store_mongo_free(void *ud)
{
    mg_store_t *s = ud;
    if (s == NULL)
        return;
    if (s->recovery_started) {
        pthread_mutex_lock(&s->stop_lock);
        s->stopping = true;
        pthread_cond_broadcast(&s->stop_cond);
        pthread_mutex_unlock(&s->stop_lock);
        pthread_join(s->recovery_thread, NULL);
    }
    if (s->pool != NULL)
        mongoc_client_pool_destroy(s->pool);
    if (s->wc != NULL)
        mongoc_write_concern_destroy(s->wc);
    pthread_cond_destroy(&s->stop_cond);
    pthread_mutex_destroy(&s->stop_lock);
    free(s->db);
    free(s);
}

/* ---- the vtable ------------------------------------------------------------------------------- */

static const orders_store_vtable_t mongo_vtable = {
    .version = ORDERS_STORE_VERSION,
    .name = "mongodb",
    .product_put = mg_product_put,
    .product_get = mg_product_get,
    .product_list = mg_product_list,
    .stock_get = mg_stock_get,
    .stock_change = mg_stock_change,
    .cart_get = mg_cart_get,
    .cart_put = mg_cart_put,
    .cart_purge = mg_cart_purge,
    .place = mg_place,
    .order_update = mg_order_update,
    .order_get = mg_order_get,
    .order_get_by_number = mg_order_get_by_number,
    .order_list = mg_order_list,
    .order_scan = mg_order_scan,
    .sequence_next = mg_sequence_next,
    .reservation_create = mg_reservation_create,
    .reservation_get = mg_reservation_get,
    .reservation_settle = mg_reservation_settle,
    .reservations_due = mg_reservations_due,
    .reservation_counts = mg_reservation_counts,
    .idem_get = mg_idem_get,
    .wallet_apply = mg_wallet_apply,
    .wallet_balance = mg_wallet_balance,
    .outbox_fetch = mg_outbox_fetch,
    .outbox_ack = mg_outbox_ack,
    .outbox_counts = mg_outbox_counts,
    .history_list = mg_history_list,
    .stat_add = mg_stat_add,
    .stat_count = mg_stat_count,
    .products_read = mg_products_read,
    .order_version = mg_order_version,
    .outbox_ack_many = NULL, /* a batch of single-document updates is not one step */
    .outbox_requeue = mg_outbox_requeue,
    .lease_take = mg_lease_take,
};

const orders_store_vtable_t *orders_store_mongo_vtable(void)
{
    return &mongo_vtable;
}
