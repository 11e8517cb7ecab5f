/*
 * test_context.c - orders_ctx_t (orders/context.h): settings and their
 * checks, backend registration (who owns the userdata when it is refused),
 * opening stores by URI, the version string, and the injectable clock and
 * id generator.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "support/fixture.h"
#include "support/fixture_extra.h"

static fixture_t F;

static void setup(void)
{
    fix_open(&F, NULL);
    fix_product(&F, "p1", "s1", 1000, 100);
}

static void teardown(void)
{
    fix_close(&F);
}

TestSuite(context, .init = setup, .fini = teardown);

/* ---- settings ------------------------------------------------------------------------ */

Test(context_config, defaults)
{
    orders_config_t d = orders_config_default();
    cr_assert_eq(d.reservation_ms, 30 * FIX_MINUTE);
    cr_assert_eq(d.cart_ttl_ms, 30 * FIX_DAY);
    cr_assert_eq(d.max_quantity, 1000);
    cr_assert_eq(d.max_cart_lines, 50);
    cr_assert_eq(d.outbox_max_attempts, 8);
    cr_assert_eq(d.outbox_backoff_ms, 1000);
    cr_assert_str_eq(d.default_currency, "USD");

    orders_ctx_t *ctx = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_new(NULL, &ctx, &err), ORDERS_OK, "%s", err.message);
    const orders_config_t *c = orders_ctx_config(ctx);
    cr_assert_eq(c->reservation_ms, d.reservation_ms);
    cr_assert_eq(c->max_cart_lines, 50);
    cr_assert_str_eq(c->default_currency, "USD");
    orders_ctx_destroy(ctx);
    orders_ctx_destroy(NULL); /* a no-op */
}

Test(context_config, settings_are_copied)
{
    char currency[4] = "EUR";
    orders_config_t cfg = orders_config_default();
    cfg.default_currency = currency;
    cfg.max_quantity = 7;
    orders_ctx_t *ctx = NULL;
    cr_assert_eq(orders_ctx_new(&cfg, &ctx, NULL), ORDERS_OK);
    memcpy(currency, "GBP", 4);
    cfg.max_quantity = 9;
    cr_assert_str_eq(orders_ctx_config(ctx)->default_currency, "EUR");
    cr_assert_eq(orders_ctx_config(ctx)->max_quantity, 7);
    orders_ctx_destroy(ctx);
}

typedef struct bad_setting {
    const char *field;
    void (*spoil)(orders_config_t *c);
} bad_setting_t;

static void zero_reservation(orders_config_t *c) { c->reservation_ms = 0; }
static void negative_reservation(orders_config_t *c) { c->reservation_ms = -5; }
static void negative_ttl(orders_config_t *c) { c->cart_ttl_ms = -1; }
static void zero_ttl(orders_config_t *c) { c->cart_ttl_ms = 0; }
static void zero_quantity(orders_config_t *c) { c->max_quantity = 0; }
static void zero_lines(orders_config_t *c) { c->max_cart_lines = 0; }
static void zero_attempts(orders_config_t *c) { c->outbox_max_attempts = 0; }
static void negative_backoff(orders_config_t *c) { c->outbox_backoff_ms = -1; }

Test(context_config, bad_values_are_invalid_and_named)
{
    static const bad_setting_t bad[] = {
        {"reservation_ms", zero_reservation},   {"reservation_ms", negative_reservation},
        {"cart_ttl_ms", negative_ttl},          {"cart_ttl_ms", zero_ttl},
        {"max_quantity", zero_quantity},        {"max_cart_lines", zero_lines},
        {"outbox_max_attempts", zero_attempts}, {"outbox_backoff_ms", negative_backoff},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orders_config_t cfg = orders_config_default();
        bad[i].spoil(&cfg);
        static char sentinel;
        orders_ctx_t *ctx = (orders_ctx_t *)(void *)&sentinel; /* must be reset to NULL */
        orders_error_t err = {0};
        cr_assert_eq(orders_ctx_new(&cfg, &ctx, &err), ORDERS_E_INVALID, "case %zu (%s)", i,
                     bad[i].field);
        cr_assert_eq(err.code, ORDERS_E_INVALID);
        cr_assert_str_eq(err.field, bad[i].field);
        cr_assert_null(ctx);
    }
    /* an unknown currency is a currency error (error.h), naming the field */
    orders_config_t cfg = orders_config_default();
    cfg.default_currency = "usd";
    orders_ctx_t *ctx = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_new(&cfg, &ctx, &err), ORDERS_E_CURRENCY);
    cr_assert_str_eq(err.field, "default_currency");
    cr_assert_null(ctx);
    cr_assert_eq(orders_ctx_new(&cfg, NULL, &err), ORDERS_E_INVALID, "out is required");
}

Test(context_config, settings_in_force_drive_the_library)
{
    orders_config_t cfg = orders_config_default();
    cfg.reservation_ms = 5 * FIX_MINUTE;
    cfg.cart_ttl_ms = 2 * FIX_DAY;
    fix_open(&F, &cfg);
    fix_product(&F, "p1", "s1", 1000, 100);
    fix_add(&F, "c1", "p1", 1);
    orders_cart_t *c = fixx_cart(&F, "c1");
    cr_assert_eq(c->expires_at, FIX_T0 + 2 * FIX_DAY);
    orders_cart_free(c);
    orders_order_t *o = fix_place(&F, "c1", ORDERS_METHOD_COD);
    cr_assert_eq(o->reservation_expiry, FIX_T0 + 5 * FIX_MINUTE);
    orders_order_free(o);
    fix_close(&F);
}

/* ---- backend registration ------------------------------------------------------------- */

static int FREED;

static void counting_store_free(void *ud)
{
    FREED++;
    orders_store_memory_free(ud);
}

static void counting_free(void *ud)
{
    FREED++;
    free(ud);
}

static void *new_memory_store(void)
{
    void *ud = NULL;
    cr_assert_eq(orders_store_memory_new(&ud, NULL), ORDERS_OK);
    cr_assert_not_null(ud);
    return ud;
}

/* The fixture's store still answers. */
static void assert_old_store_works(void)
{
    orders_stock_t s = fix_stock(&F, "p1");
    cr_assert_eq(s.available, 100);
}

Test(context, refused_stores_are_not_taken)
{
    FREED = 0;
    orders_error_t err = {0};
    void *ud = new_memory_store();

    cr_assert_eq(orders_ctx_set_store(F.ctx, NULL, ud, counting_store_free, &err),
                 ORDERS_E_INVALID);
    cr_assert_str_eq(err.field, "store");

    orders_store_vtable_t v99 = *orders_store_memory_vtable();
    v99.version = 99;
    cr_assert_eq(orders_ctx_set_store(F.ctx, &v99, ud, counting_store_free, &err),
                 ORDERS_E_INVALID);
    orders_store_vtable_t v0 = *orders_store_memory_vtable();
    v0.version = 0;
    cr_assert_eq(orders_ctx_set_store(F.ctx, &v0, ud, counting_store_free, &err),
                 ORDERS_E_INVALID);

    /* a required member missing: first, middle and last of the vtable */
    orders_store_vtable_t broken = *orders_store_memory_vtable();
    broken.product_put = NULL;
    cr_assert_eq(orders_ctx_set_store(F.ctx, &broken, ud, counting_store_free, &err),
                 ORDERS_E_INVALID);
    broken = *orders_store_memory_vtable();
    broken.place = NULL;
    cr_assert_eq(orders_ctx_set_store(F.ctx, &broken, ud, counting_store_free, &err),
                 ORDERS_E_INVALID);
    broken = *orders_store_memory_vtable();
    broken.stat_count = NULL;
    cr_assert_eq(orders_ctx_set_store(F.ctx, &broken, ud, counting_store_free, &err),
                 ORDERS_E_INVALID);
    cr_assert_eq(err.code, ORDERS_E_INVALID);

    cr_assert_eq(FREED, 0, "a refused userdata is not freed by the library");
    assert_old_store_works();
    fix_close(&F);
    cr_assert_eq(FREED, 0, "nor at destroy: the caller still owns it");
    orders_store_memory_free(ud);
    fix_open(&F, NULL); /* for the suite's .fini */
}

Test(context, an_accepted_store_is_owned_by_the_context)
{
    FREED = 0;
    orders_error_t err = {0};
    void *ud = new_memory_store();
    cr_assert_eq(orders_ctx_set_store(F.ctx, orders_store_memory_vtable(), ud,
                                      counting_store_free, &err),
                 ORDERS_OK, "%s", err.message);
    void *got = NULL;
    cr_assert_eq(orders_ctx_store(F.ctx, &got), orders_store_memory_vtable());
    cr_assert_eq(got, ud);
    /* the new store is empty: the fixture's product is not in it */
    orders_stock_t s;
    cr_assert_eq(orders_stock_get(F.ctx, "p1", &s, &err), ORDERS_E_NOT_FOUND);

    /* replacing it frees it */
    cr_assert_eq(orders_ctx_open_store(F.ctx, "memory:", &err), ORDERS_OK, "%s", err.message);
    cr_assert_eq(FREED, 1);
    cr_assert_eq(orders_ctx_set_store(F.ctx, orders_store_memory_vtable(), new_memory_store(),
                                      counting_store_free, &err),
                 ORDERS_OK);
    fix_close(&F);
    cr_assert_eq(FREED, 2, "destroy frees the registered store");
    fix_open(&F, NULL);
}

static orders_code_t no_deliver_needed(void *ud, const orders_event_t *e, orders_error_t *err)
{
    (void)ud, (void)e, (void)err;
    return ORDERS_OK;
}

Test(context, other_refused_backends_are_not_taken)
{
    FREED = 0;
    orders_error_t err = {0};
    void *ud = malloc(16);
    cr_assert_not_null(ud);

    /* a remote catalog must have reserve, confirm and release */
    orders_catalog_vtable_t cat = *orders_catalog_local_vtable();
    cat.flags = 0;
    cr_assert_eq(orders_ctx_set_catalog(F.ctx, &cat, ud, counting_free, &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_ctx_set_catalog(F.ctx, NULL, ud, counting_free, &err), ORDERS_E_INVALID);
    cat = *orders_catalog_local_vtable();
    cat.version = 99;
    cr_assert_eq(orders_ctx_set_catalog(F.ctx, &cat, ud, counting_free, &err), ORDERS_E_INVALID);

    orders_customers_vtable_t cust = *orders_customers_claims_vtable();
    cust.resolve = NULL;
    cr_assert_eq(orders_ctx_set_customers(F.ctx, &cust, ud, counting_free, &err),
                 ORDERS_E_INVALID);
    cust = *orders_customers_claims_vtable();
    cust.version = 99;
    cr_assert_eq(orders_ctx_set_customers(F.ctx, &cust, ud, counting_free, &err),
                 ORDERS_E_INVALID);

    orders_gateway_vtable_t gw = *orders_gateway_cod_vtable();
    cr_assert_eq(orders_ctx_set_gateway(F.ctx, (orders_payment_method_t)7, &gw, ud, counting_free,
                                        &err),
                 ORDERS_E_INVALID);
    gw.authorize = NULL;
    cr_assert_eq(orders_ctx_set_gateway(F.ctx, ORDERS_METHOD_COD, &gw, ud, counting_free, &err),
                 ORDERS_E_INVALID);
    gw = *orders_gateway_cod_vtable();
    gw.version = 99;
    cr_assert_eq(orders_ctx_set_gateway(F.ctx, ORDERS_METHOD_COD, &gw, ud, counting_free, &err),
                 ORDERS_E_INVALID);

    orders_notifier_vtable_t nt = {.version = ORDERS_NOTIFIER_VERSION, .name = "x"};
    cr_assert_eq(orders_ctx_set_notifier(F.ctx, &nt, ud, counting_free, &err), ORDERS_E_INVALID);
    nt.deliver = no_deliver_needed;
    nt.version = 99;
    cr_assert_eq(orders_ctx_set_notifier(F.ctx, &nt, ud, counting_free, &err), ORDERS_E_INVALID);

    cr_assert_eq(FREED, 0);
    /* the defaults are still in place: a cart and a cod placement work */
    fix_add(&F, "c1", "p1", 1);
    orders_order_t *o = fix_place(&F, "c1", ORDERS_METHOD_COD);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    orders_order_free(o);
    fix_close(&F);
    cr_assert_eq(FREED, 0);
    free(ud);
    fix_open(&F, NULL);
}

/* ---- opening stores by URI ----------------------------------------------------------------- */

Test(context_uri, store_uris)
{
    orders_ctx_t *ctx = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_new(NULL, &ctx, &err), ORDERS_OK);
    void *ud = NULL;
    cr_assert_null(orders_ctx_store(ctx, &ud), "a new context has no store");

    cr_assert_eq(orders_ctx_open_store(ctx, "bogus:", &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_ctx_open_store(ctx, "", &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_ctx_open_store(ctx, NULL, &err), ORDERS_E_INVALID);
    cr_assert_null(orders_ctx_store(ctx, NULL));

    char path[64];
    snprintf(path, sizeof path, "sqlite:/tmp/orders_test_context_%ld.db", (long)getpid());
    orders_code_t rc = orders_ctx_open_store(ctx, path, &err);
#ifdef ORDERS_HAVE_SQLITE
    cr_assert(rc == ORDERS_OK || rc == ORDERS_E_UNSUPPORTED, "sqlite: %s", err.message);
#else
    cr_assert_eq(rc, ORDERS_E_UNSUPPORTED, "sqlite without SQLite: %s", orders_strerror(rc));
#endif
    unlink(path + strlen("sqlite:"));

    cr_assert_eq(orders_ctx_open_store(ctx, "memory:", &err), ORDERS_OK, "%s", err.message);
    const orders_store_vtable_t *vt = orders_ctx_store(ctx, &ud);
    cr_assert_not_null(vt);
    cr_assert_not_null(ud);
    cr_assert_str_eq(vt->name, "memory");
    /* a refused URI leaves the open store in place */
    cr_assert_eq(orders_ctx_open_store(ctx, "bogus:", &err), ORDERS_E_INVALID);
    cr_assert_eq(orders_ctx_store(ctx, NULL), vt);
    orders_ctx_destroy(ctx);
}

Test(context_uri, version_string)
{
    cr_assert_str_eq(orders_version_string(), ORDERS_VERSION_STRING);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", ORDERS_VERSION_MAJOR, ORDERS_VERSION_MINOR,
             ORDERS_VERSION_PATCH);
    cr_assert_str_eq(orders_version_string(), want);
}

/* ---- clock and ids ------------------------------------------------------------------------- */

typedef struct idgen_state {
    int calls;
} idgen_state_t;

static idgen_state_t IDS;

static void test_idgen(void *ud, char out[ORDERS_ID_MAX + 1])
{
    idgen_state_t *s = ud;
    snprintf(out, ORDERS_ID_MAX + 1, "tid-%06d", ++s->calls);
}

Test(context, injected_idgen_names_orders)
{
    IDS.calls = 0;
    orders_ctx_set_idgen(F.ctx, test_idgen, &IDS);
    fix_add(&F, "c1", "p1", 1);
    orders_order_t *a = fix_place(&F, "c1", ORDERS_METHOD_COD);
    int after_first = IDS.calls;
    fix_add(&F, "c1", "p1", 1);
    orders_order_t *b = fix_place(&F, "c1", ORDERS_METHOD_COD);
    cr_assert_gt(after_first, 0, "the id generator was called");
    cr_assert_eq(strncmp(a->id, "tid-", 4), 0, "order id %s", a->id);
    cr_assert_eq(strncmp(b->id, "tid-", 4), 0, "order id %s", b->id);
    cr_assert_str_neq(a->id, b->id);
    cr_assert_gt(IDS.calls, after_first);

    orders_cart_t *c = fixx_cart(&F, "c1");
    cr_assert_eq(strncmp(c->id, "tid-", 4), 0, "cart id %s", c->id);
    orders_cart_free(c);
    orders_reservation_t *r = NULL;
    cr_assert_eq(orders_reservation_get(F.ctx, a->id, &r, NULL), ORDERS_OK);
    cr_assert_eq(strncmp(r->id, "tid-", 4), 0, "reservation id %s", r->id);
    orders_reservation_free(r);
    orders_order_free(a);
    orders_order_free(b);

    /* back to the default generator: 24 hex digits */
    orders_ctx_set_idgen(F.ctx, NULL, NULL);
    fix_add(&F, "c2", "p1", 1);
    orders_order_t *d = fix_place(&F, "c2", ORDERS_METHOD_COD);
    cr_assert_eq(strlen(d->id), 24u, "default id %s", d->id);
    cr_assert_eq(strspn(d->id, "0123456789abcdef"), 24u);
    orders_order_free(d);
}

Test(context, the_clock_drives_timestamps)
{
    F.now = 1800000000123LL;
    cr_assert_eq(orders_ctx_now(F.ctx), 1800000000123LL);
    fix_add(&F, "c1", "p1", 2);
    fix_advance(&F, 4567);
    orders_order_t *o = fix_place(&F, "c1", ORDERS_METHOD_ONLINE);
    cr_assert_eq(o->placed_at, 1800000004690LL);
    cr_assert_eq(o->created_at, 1800000004690LL);
    cr_assert_eq(o->reservation_expiry, 1800000004690LL + 30 * FIX_MINUTE);
    orders_history_list_t h = fixx_history(&F, o->id);
    cr_assert_eq(h.items[0]->at, 1800000004690LL, "history is stamped by the clock");
    orders_history_list_clear(&h);
    orders_order_free(o);

    /* NULL restores the system clock */
    orders_ctx_set_clock(F.ctx, NULL, NULL);
    int64_t sys = (int64_t)time(NULL) * 1000;
    int64_t now = orders_ctx_now(F.ctx);
    cr_assert(now >= sys - 5000 && now <= sys + 5000, "system clock %lld vs %lld",
              (long long)now, (long long)sys);
}

/* Ids are UTF-8 like every string of a record (types.h): other bytes are
 * refused where an id comes in, naming the field, so no record holds text
 * that JSON cannot carry (found by tests/fuzz/fuzz_routes.c). */
Test(context, ids_must_be_valid_utf8)
{
    static const char *const bad[] = {
        "p\xff",          /* not UTF-8 at all */
        "p\xc3",          /* a sequence cut short */
        "p\xc0\xaf",      /* an overlong '/' */
        "p\xed\xa0\x80",  /* a UTF-16 surrogate */
        "p\xf4\x90\x80\x80", /* past U+10FFFF */
    };
    orders_error_t err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orders_product_t p = {.id = (char *)bad[i], .seller_id = "s1", .name = "Bad",
                              .price = {.amount = 100, .currency = "USD"}, .active = true};
        cr_expect_eq(orders_product_put(F.ctx, &p, true, NULL, &err), ORDERS_E_INVALID,
                     "case %zu", i);
        cr_expect_str_eq(err.field, "id", "case %zu", i);
        orders_stock_t st;
        cr_expect_eq(orders_stock_get(F.ctx, bad[i], &st, &err), ORDERS_E_INVALID, "case %zu", i);
    }
    orders_product_t ok = {.id = "caf\xc3\xa9-\xf0\x9f\x8d\xb5", .seller_id = "s1",
                           .name = "Tea", .price = {.amount = 100, .currency = "USD"},
                           .active = true};
    cr_expect_eq(orders_product_put(F.ctx, &ok, true, NULL, &err), ORDERS_OK, "%s", err.message);
}

/* Prices from 0 to ORDERS_MONEY_MAX: beyond it no total could print exactly. */
Test(context, prices_stay_in_the_money_range)
{
    orders_error_t err;
    orders_product_t p = {.id = "p-range", .seller_id = "s1", .name = "Dear",
                          .price = {.amount = ORDERS_MONEY_MAX + 1, .currency = "USD"},
                          .active = true};
    cr_expect_eq(orders_product_put(F.ctx, &p, true, NULL, &err), ORDERS_E_INVALID);
    cr_expect_str_eq(err.field, "price");
    cr_expect_str_eq(err.message, "price exceeds 999999999999999 minor units");
    p.price.amount = -1;
    cr_expect_eq(orders_product_put(F.ctx, &p, true, NULL, &err), ORDERS_E_INVALID);
    cr_expect_str_eq(err.field, "price");
    p.price.amount = ORDERS_MONEY_MAX;
    cr_expect_eq(orders_product_put(F.ctx, &p, true, NULL, &err), ORDERS_OK, "%s", err.message);
}
