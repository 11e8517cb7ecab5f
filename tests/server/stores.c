/*
 * tests/server/stores.c - see stores.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "stores.h"

#ifdef ORDERS_HAVE_MONGO
#include <mongoc/mongoc.h>
#endif

#define URI_ENV "ORDERS_TEST_MONGO_URI"

const char *srvs_kind_name(srvs_kind_t kind)
{
    return kind == SRVS_MONGO ? "mongo" : "sqlite";
}

/* uri with its database path replaced by (or given) db, into out; false when
 * it does not fit or is not a mongodb:// URI. */
static bool uri_with_database(const char *uri, const char *db, char *out, size_t len)
{
    const char *hosts = NULL;
    if (strncmp(uri, "mongodb://", 10) == 0)
        hosts = uri + 10;
    else if (strncmp(uri, "mongodb+srv://", 14) == 0)
        hosts = uri + 14;
    if (hosts == NULL)
        return false;
    /* the host list ends at the first '/' or '?' ('/' inside a password
     * or a socket path is percent-encoded) */
    size_t host_end = strcspn(hosts, "/?");
    const char *options = strchr(hosts + host_end, '?');
    int n = snprintf(out, len, "%.*s/%s%s", (int)(hosts + host_end - uri), uri, db,
                     options ? options : "");
    return n > 0 && (size_t)n < len;
}

static void skip(const char *test, const char *why)
{
    fprintf(stderr, "%s: SKIPPED: %s\n", test, why);
    cr_skip_test("%s", why);
}

void srvs_init(srvs_store_t *st, srvs_kind_t kind, const char *test)
{
    memset(st, 0, sizeof *st);
    st->kind = kind;
#ifndef ORDERS_HAVE_SQLITE
    if (kind == SRVS_SQLITE)
        skip(test, "liborders was built without the SQLite backend");
#endif
    if (kind == SRVS_MONGO) {
#ifndef ORDERS_HAVE_MONGO
        skip(test, "liborders was built without the MongoDB backend");
#endif
        const char *uri = getenv(URI_ENV);
        if (uri == NULL || uri[0] == '\0')
            skip(test, URI_ENV " is not set (test.sh starts the wire test server and sets it; "
                       "or point it at a MongoDB)");
        int n = snprintf(st->db_name, sizeof st->db_name, "orders_%.24s_%ld", test,
                         (long)getpid());
        for (int i = 0; i < n && st->db_name[i] != '\0'; i++)
            if (!isalnum((unsigned char)st->db_name[i]))
                st->db_name[i] = '_';
        cr_assert(uri_with_database(uri, st->db_name, st->uri, sizeof st->uri),
                  URI_ENV " is not a mongodb:// URI (or is too long)");
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(st->dir, sizeof st->dir, "%s/orders-srvs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(st->dir), "mkdtemp: %s", strerror(errno));
    if (kind == SRVS_SQLITE)
        snprintf(st->uri, sizeof st->uri, "sqlite:%s/orders.db", st->dir);
}

void srvs_start(const srvs_store_t *st, srvh_t *s, const char *threads,
                const char *const *extra)
{
    const char *args[48] = {"--store", st->uri, "--threads", threads};
    size_t n = 4;
    for (size_t i = 0; extra && extra[i]; i++) {
        cr_assert_lt(n, 47, "srvs_start: too many arguments");
        args[n++] = extra[i];
    }
    args[n] = NULL;
    srvh_start(s, st->dir, args);
}

orders_ctx_t *srvs_open(const srvs_store_t *st)
{
    orders_ctx_t *ctx = NULL;
    orders_error_t err = {0};
    orders_code_t rc = orders_ctx_new(NULL, &ctx, &err);
    cr_assert_eq(rc, ORDERS_OK, "context: %s", err.message);
    if (st->kind == SRVS_SQLITE) {
        rc = orders_ctx_open_store(ctx, st->uri, &err);
        cr_assert_eq(rc, ORDERS_OK, "open %s: %s (%s)", st->uri, orders_strerror(rc),
                     err.message);
        return ctx;
    }
#ifdef ORDERS_HAVE_MONGO
    orders_mongo_options_t o = orders_mongo_options_default();
    o.database = st->db_name;
    o.recovery_grace_ms = 0;
    o.recovery_interval_ms = 0;
    void *ud = NULL;
    rc = orders_store_mongo_open(st->uri, &o, &ud, &err);
    cr_assert_eq(rc, ORDERS_OK, "open the MongoDB store: %s (%s)", orders_strerror(rc),
                 err.message);
    rc = orders_ctx_set_store(ctx, orders_store_mongo_vtable(), ud, orders_store_mongo_free, &err);
    if (rc != ORDERS_OK)
        orders_store_mongo_free(ud);
    cr_assert_eq(rc, ORDERS_OK, "set the MongoDB store: %s", err.message);
#endif
    return ctx;
}

#ifdef ORDERS_HAVE_MONGO
static void drop_database(const srvs_store_t *st)
{
    mongoc_init();
    mongoc_client_t *c = mongoc_client_new(st->uri);
    if (c == NULL) {
        fprintf(stderr, "stores: no client to drop %s\n", st->db_name);
        return;
    }
    bson_error_t error;
    mongoc_database_t *d = mongoc_client_get_database(c, st->db_name);
    if (!mongoc_database_drop(d, &error))
        fprintf(stderr, "stores: dropping %s: %s\n", st->db_name, error.message);
    mongoc_database_destroy(d);
    mongoc_client_destroy(c);
}
#endif

long srvs_env_long(const char *name, long dflt, long lo, long hi)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return dflt;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    cr_assert(errno == 0 && *end == '\0' && n >= lo && n <= hi, "%s=%s: want %ld..%ld", name, v,
              lo, hi);
    return n;
}

void srvs_destroy(srvs_store_t *st)
{
    if (st->dir[0] != '\0')
        srvh_remove_dir(st->dir);
#ifdef ORDERS_HAVE_MONGO
    if (st->kind == SRVS_MONGO && st->db_name[0] != '\0')
        drop_database(st);
#endif
    memset(st, 0, sizeof *st);
}
