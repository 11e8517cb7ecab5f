/*
 * test_remote_catalog.c - placement against a remote catalog (one without
 * ORDERS_CATALOG_IN_STORE), with an in-process fake: stock is held remotely
 * first with the order id as key, then committed locally, and released
 * remotely when the local commit fails; confirm and release follow payment,
 * cancellation and expiry.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture.h"
#include "support/fixture_extra.h"

/* ---- the fake remote catalog ---------------------------------------------------- */

#define FAKE_PRODUCTS 4
#define FAKE_HOLDS 64

typedef struct fake_product {
    const char *id, *seller, *name;
    int64_t price;
    bool active;
    int64_t available, held, sold;
} fake_product_t;

typedef enum hold_state { HOLD_HELD, HOLD_SOLD, HOLD_RELEASED } hold_state_t;

typedef struct fake_hold {
    char order_id[ORDERS_ID_MAX + 1];
    const char *product;
    int64_t quantity;
    hold_state_t state;
} fake_hold_t;

typedef struct fake_catalog fake_catalog_t;
typedef void (*reserve_hook_fn)(fake_catalog_t *fc, const char *order_id);

struct fake_catalog {
    fake_product_t products[FAKE_PRODUCTS];
    fake_hold_t holds[FAKE_HOLDS];
    size_t hold_count;
    int reserve_calls, confirm_calls, release_calls;
    orders_code_t fail_reserve;      /* ORDERS_OK: reserve works */
    int fail_confirms;               /* confirm fails (UNAVAILABLE) this many times */
    int fail_releases;               /* release fails (UNAVAILABLE) this many times */
    reserve_hook_fn on_reserve;      /* runs once, after a successful hold */
    int64_t last_expires_at;
    char hooked_order[ORDERS_ID_MAX + 1];  /* the order id the hook ran for */
    char hook_result[ORDERS_ID_MAX + 1];   /* what the hook's own call produced */
};

static fake_product_t *fake_find(fake_catalog_t *fc, const char *id)
{
    for (size_t i = 0; i < FAKE_PRODUCTS; i++)
        if (fc->products[i].id && strcmp(fc->products[i].id, id) == 0)
            return &fc->products[i];
    return NULL;
}

static orders_code_t fake_product_get(void *ud, const char *id, orders_product_t **out,
                                      orders_error_t *err)
{
    fake_product_t *p = fake_find(ud, id);
    if (!p)
        return orders_error_set(err, ORDERS_E_NOT_FOUND, "productId", "Product not found");
    orders_product_t tmp = {.id = (char *)p->id, .seller_id = (char *)p->seller,
                            .name = (char *)p->name, .price = {p->price, "USD"},
                            .active = p->active};
    *out = orders_product_copy(&tmp);
    return *out ? ORDERS_OK : ORDERS_E_NOMEM;
}

static orders_code_t fake_stock_available(void *ud, const char *id, int64_t *available,
                                          orders_error_t *err)
{
    (void)err;
    fake_product_t *p = fake_find(ud, id);
    *available = p ? p->available : 0;
    return ORDERS_OK;
}

static bool fake_holds_order(const fake_catalog_t *fc, const char *order_id)
{
    for (size_t i = 0; i < fc->hold_count; i++)
        if (strcmp(fc->holds[i].order_id, order_id) == 0 && fc->holds[i].state != HOLD_RELEASED)
            return true;
    return false;
}

static orders_code_t fake_reserve(void *ud, const char *order_id,
                                  const orders_catalog_line_t *lines, size_t n,
                                  int64_t expires_at, orders_error_t *err)
{
    fake_catalog_t *fc = ud;
    fc->reserve_calls++;
    fc->last_expires_at = expires_at;
    if (fc->fail_reserve == ORDERS_E_OUT_OF_STOCK)
        return orders_error_set(err, ORDERS_E_OUT_OF_STOCK, lines[0].product_id,
                                "remote: not enough units");
    if (fc->fail_reserve)
        return orders_error_set(err, fc->fail_reserve, NULL, "remote catalog is down");
    if (fake_holds_order(fc, order_id))
        return ORDERS_OK; /* idempotent per order id */
    for (size_t i = 0; i < n; i++) {
        fake_product_t *p = fake_find(fc, lines[i].product_id);
        if (!p || p->available < lines[i].quantity)
            return orders_error_set(err, ORDERS_E_OUT_OF_STOCK, lines[i].product_id,
                                    "remote: not enough units");
    }
    for (size_t i = 0; i < n; i++) {
        fake_product_t *p = fake_find(fc, lines[i].product_id);
        cr_assert_lt(fc->hold_count, (size_t)FAKE_HOLDS);
        fake_hold_t *h = &fc->holds[fc->hold_count++];
        snprintf(h->order_id, sizeof h->order_id, "%s", order_id);
        h->product = p->id;
        h->quantity = lines[i].quantity;
        h->state = HOLD_HELD;
        p->available -= h->quantity;
        p->held += h->quantity;
    }
    reserve_hook_fn hook = fc->on_reserve;
    if (hook) {
        fc->on_reserve = NULL;
        snprintf(fc->hooked_order, sizeof fc->hooked_order, "%s", order_id);
        hook(fc, order_id);
    }
    return ORDERS_OK;
}

static orders_code_t fake_confirm(void *ud, const char *order_id, orders_error_t *err)
{
    fake_catalog_t *fc = ud;
    fc->confirm_calls++;
    if (fc->fail_confirms > 0) {
        fc->fail_confirms--;
        return orders_error_set(err, ORDERS_E_UNAVAILABLE, NULL, "remote catalog is down");
    }
    for (size_t i = 0; i < fc->hold_count; i++) {
        fake_hold_t *h = &fc->holds[i];
        if (strcmp(h->order_id, order_id) != 0 || h->state != HOLD_HELD)
            continue;
        fake_product_t *p = fake_find(fc, h->product);
        p->held -= h->quantity;
        p->sold += h->quantity;
        h->state = HOLD_SOLD;
    }
    return ORDERS_OK;
}

static orders_code_t fake_release(void *ud, const char *order_id, orders_error_t *err)
{
    fake_catalog_t *fc = ud;
    fc->release_calls++;
    if (fc->fail_releases > 0) {
        fc->fail_releases--;
        return orders_error_set(err, ORDERS_E_UNAVAILABLE, NULL, "remote catalog is down");
    }
    for (size_t i = 0; i < fc->hold_count; i++) {
        fake_hold_t *h = &fc->holds[i];
        if (strcmp(h->order_id, order_id) != 0 || h->state == HOLD_RELEASED)
            continue;
        fake_product_t *p = fake_find(fc, h->product);
        if (h->state == HOLD_HELD)
            p->held -= h->quantity;
        else
            p->sold -= h->quantity;
        p->available += h->quantity;
        h->state = HOLD_RELEASED;
    }
    return ORDERS_OK;
}

static const orders_catalog_vtable_t FAKE_VT = {
    .version = ORDERS_CATALOG_VERSION,
    .name = "fake-remote",
    .flags = 0, /* remote: not ORDERS_CATALOG_IN_STORE */
    .product_get = fake_product_get,
    .stock_available = fake_stock_available,
    .reserve = fake_reserve,
    .confirm = fake_confirm,
    .release = fake_release,
};

/* Units of order_id in state (HELD or SOLD) at the fake. */
static int64_t fake_units(const fake_catalog_t *fc, const char *order_id, hold_state_t state)
{
    int64_t n = 0;
    for (size_t i = 0; i < fc->hold_count; i++)
        if (strcmp(fc->holds[i].order_id, order_id) == 0 && fc->holds[i].state == state)
            n += fc->holds[i].quantity;
    return n;
}

/* ---- fixture ---------------------------------------------------------------------- */

static fixture_t F;
static fake_catalog_t *FAKE; /* owned by the context */
static const char *const LOCAL[] = {"r1", "r2", NULL};

static void setup(void)
{
    fix_open(&F, NULL);
    /* the same ids in the store, with other prices: must stay untouched */
    fix_product(&F, "r1", "s1", 1, 50);
    fix_product(&F, "r2", "s2", 1, 50);
    FAKE = calloc(1, sizeof *FAKE);
    cr_assert_not_null(FAKE);
    FAKE->products[0] = (fake_product_t){"r1", "s1", "Remote One", 700, true, 10, 0, 0};
    FAKE->products[1] = (fake_product_t){"r2", "s2", "Remote Two", 250, true, 10, 0, 0};
    orders_error_t err = {0};
    cr_assert_eq(orders_ctx_set_catalog(F.ctx, &FAKE_VT, FAKE, free, &err), ORDERS_OK, "%s",
                 err.message);
}

static void teardown(void)
{
    fix_close(&F);
    FAKE = NULL;
}

TestSuite(remote, .init = setup, .fini = teardown);

static orders_code_t place(const char *customer, orders_payment_method_t method, bool defer,
                           const char *key, orders_order_t **out, orders_error_t *err)
{
    orders_identity_t who = {.id = customer, .name = "Ada", .email = "ada@example.com"};
    orders_place_request_t req = {.shipping_address = fix_address(), .payment_method = method,
                                  .defer_payment = defer, .idempotency_key = key};
    memset(err, 0, sizeof *err);
    return orders_order_place(F.ctx, &who, &req, out, err);
}

static orders_order_t *place_ok(const char *customer, orders_payment_method_t method, bool defer)
{
    orders_error_t err;
    orders_order_t *o = NULL;
    cr_assert_eq(place(customer, method, defer, NULL, &o, &err), ORDERS_OK, "%s", err.message);
    cr_assert_not_null(o);
    return o;
}

static void assert_local_stock_untouched(void)
{
    for (size_t i = 0; LOCAL[i]; i++) {
        orders_stock_t s = fix_stock(&F, LOCAL[i]);
        cr_assert_eq(s.available, 50, "%s: local available moved to %lld", LOCAL[i],
                     (long long)s.available);
        cr_assert_eq(s.reserved + s.sold, 0, "%s: local stock moved", LOCAL[i]);
    }
}

static orders_reservation_status_t reservation_status(const char *order_id, bool *local)
{
    orders_error_t err = {0};
    orders_reservation_t *r = NULL;
    cr_assert_eq(orders_reservation_get(F.ctx, order_id, &r, &err), ORDERS_OK, "%s", err.message);
    orders_reservation_status_t s = r->status;
    if (local)
        *local = r->local_stock;
    orders_reservation_free(r);
    return s;
}

/* ---- tests -------------------------------------------------------------------------- */

Test(remote, placement_holds_stock_at_the_remote_catalog)
{
    fix_add(&F, "c1", "r1", 3);
    fix_add(&F, "c1", "r2", 1);
    orders_order_t *o = place_ok("c1", ORDERS_METHOD_ONLINE, true);

    cr_assert_eq(o->status, ORDERS_STATUS_PENDING);
    cr_assert_eq(o->items[0].unit_price.amount, 700, "prices come from the remote catalog");
    cr_assert_str_eq(o->items[0].product_name, "Remote One");
    cr_assert_eq(o->subtotal.amount, 3 * 700 + 250);

    cr_assert_eq(FAKE->reserve_calls, 1);
    cr_assert_eq(FAKE->last_expires_at, o->reservation_expiry);
    cr_assert_eq(fake_units(FAKE, o->id, HOLD_HELD), 4, "held under the order id");
    cr_assert_eq(FAKE->products[0].held, 3);
    cr_assert_eq(FAKE->products[0].available, 7);
    cr_assert_eq(FAKE->products[1].held, 1);
    cr_assert_eq(FAKE->confirm_calls + FAKE->release_calls, 0);
    assert_local_stock_untouched();

    bool local = true;
    cr_assert_eq(reservation_status(o->id, &local), ORDERS_RES_ACTIVE);
    cr_assert_not(local, "a remote hold is not local stock");
    orders_order_free(o);
}

Test(remote, cod_confirmation_confirms_remotely)
{
    fix_add(&F, "c1", "r1", 2);
    orders_order_t *o = place_ok("c1", ORDERS_METHOD_COD, false);
    cr_assert_eq(o->status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(FAKE->confirm_calls, 1);
    cr_assert_eq(FAKE->products[0].sold, 2);
    cr_assert_eq(FAKE->products[0].held, 0);
    cr_assert_eq(fake_units(FAKE, o->id, HOLD_SOLD), 2);
    cr_assert_eq(reservation_status(o->id, NULL), ORDERS_RES_CONFIRMED);
    assert_local_stock_untouched();
    orders_order_free(o);
}

Test(remote, cancelling_a_pending_order_releases_remotely)
{
    fix_add(&F, "c1", "r1", 4);
    orders_order_t *o = place_ok("c1", ORDERS_METHOD_ONLINE, true);
    orders_order_t *c = NULL;
    orders_error_t err = {0};
    cr_assert_eq(orders_order_cancel(F.ctx, o->id, "c1", "customer:c1", NULL, &c, &err),
                 ORDERS_OK, "%s", err.message);
    cr_assert_eq(c->status, ORDERS_STATUS_CANCELLED);
    cr_assert_eq(FAKE->release_calls, 1);
    cr_assert_eq(FAKE->products[0].held, 0);
    cr_assert_eq(FAKE->products[0].available, 10);
    cr_assert_eq(FAKE->confirm_calls, 0);
    cr_assert_eq(reservation_status(o->id, NULL), ORDERS_RES_CANCELLED);
    assert_local_stock_untouched();
    orders_order_free(c);
    orders_order_free(o);
}

Test(remote, cancelling_a_confirmed_order_gives_sold_units_back)
{
    fix_add(&F, "c1", "r2", 5);
    orders_order_t *o = place_ok("c1", ORDERS_METHOD_COD, false);
    cr_assert_eq(FAKE->products[1].sold, 5);
    orders_error_t err = {0};
    cr_assert_eq(orders_order_cancel(F.ctx, o->id, NULL, "admin", "oops", NULL, &err), ORDERS_OK,
                 "%s", err.message);
    cr_assert_eq(FAKE->release_calls, 1);
    cr_assert_eq(FAKE->products[1].sold, 0);
    cr_assert_eq(FAKE->products[1].available, 10);
    orders_order_free(o);
}

Test(remote, declined_payment_and_expiry_release_remotely)
{
    orders_error_t err = {0};
    /* a declined online payment fails the order and releases */
    fix_add(&F, "c1", "r1", 1);
    cr_assert_eq(orders_gateway_test_script(F.test_gateway, ORDERS_TEST_DECLINE, &err), ORDERS_OK);
    orders_order_t *failed = place_ok("c1", ORDERS_METHOD_ONLINE, false);
    cr_assert_eq(failed->status, ORDERS_STATUS_FAILED);
    cr_assert_eq(fake_units(FAKE, failed->id, HOLD_HELD), 0);
    cr_assert_eq(FAKE->release_calls, 1);

    /* an expired reservation is released by the sweep */
    fix_add(&F, "c2", "r1", 2);
    orders_order_t *late = place_ok("c2", ORDERS_METHOD_ONLINE, true);
    cr_assert_eq(FAKE->products[0].held, 2);
    fix_advance(&F, 31 * FIX_MINUTE);
    int64_t expired = 0;
    cr_assert_eq(orders_reservations_expire(F.ctx, F.now, &expired, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_eq(expired, 1);
    cr_assert_eq(FAKE->release_calls, 2);
    cr_assert_eq(FAKE->products[0].held, 0);
    cr_assert_eq(FAKE->products[0].available, 10);
    cr_assert_eq(reservation_status(late->id, NULL), ORDERS_RES_EXPIRED);
    orders_order_free(late);
    orders_order_free(failed);
}

static void assert_remote_failure(orders_code_t code)
{
    fix_add(&F, "c1", "r1", 2);
    fix_add(&F, "c1", "r2", 1);
    FAKE->fail_reserve = code;
    fixx_snapshot_t snap;
    fixx_snapshot_take(&F, &snap, "c1", LOCAL);
    orders_order_t *o = NULL;
    orders_error_t err;
    cr_assert_eq(place("c1", ORDERS_METHOD_COD, false, NULL, &o, &err), code, "got %s: %s",
                 orders_strerror(err.code), err.message);
    cr_assert_null(o);
    cr_assert_eq(FAKE->reserve_calls, 1);
    fixx_snapshot_check(&F, &snap, "c1"); /* no order, no events, cart intact */
    cr_assert_eq(fixx_order_count(&F, NULL), 0);
    cr_assert_eq(FAKE->hold_count, 0u);
    cr_assert_eq(FAKE->products[0].available, 10);
    cr_assert_eq(FAKE->confirm_calls, 0);
    assert_local_stock_untouched();
}

Test(remote, remote_outage_fails_placement_and_writes_nothing)
{
    assert_remote_failure(ORDERS_E_UNAVAILABLE);
}

Test(remote, remote_shortage_fails_placement_and_writes_nothing)
{
    assert_remote_failure(ORDERS_E_OUT_OF_STOCK);
}

/* A shortage found by the remote reserve reads like every other placement
 * shortage (API.md, order.h), naming the product the catalog reported in
 * err->field.  (Regression: the catalog's own message used to pass through.) */
static orders_code_t sell_out_r1(void *ud, const orders_order_t *draft, orders_pricing_t *out,
                                 orders_error_t *err)
{
    (void)ud, (void)draft, (void)out, (void)err;
    FAKE->products[0].available = 1; /* somebody else bought them meanwhile */
    return ORDERS_OK;
}

Test(remote, remote_shortage_uses_the_contract_message)
{
    fix_add(&F, "c1", "r1", 2);
    orders_ctx_set_pricing(F.ctx, sell_out_r1, NULL);
    orders_order_t *o = NULL;
    orders_error_t err;
    cr_assert_eq(place("c1", ORDERS_METHOD_COD, false, NULL, &o, &err), ORDERS_E_OUT_OF_STOCK,
                 "%s", err.message);
    cr_assert_null(o);
    cr_assert_eq(FAKE->hold_count, 0u);
    cr_assert_eq(fixx_order_count(&F, NULL), 0);
    cr_assert_str_eq(err.message,
                     "Some items are not available: Remote One (requested: 2, available: 1)");
}

/* The hook changes the cart while the remote hold exists, so the store
 * refuses the local commit (stale cart version); the library releases that
 * hold and retries the whole placement with a fresh order id. */
static void add_r2_to_cart(fake_catalog_t *fc, const char *order_id)
{
    (void)fc, (void)order_id;
    fix_add(&F, "c1", "r2", 2);
}

Test(remote, local_commit_failure_releases_the_remote_hold)
{
    fix_add(&F, "c1", "r1", 3);
    FAKE->on_reserve = add_r2_to_cart;
    orders_order_t *o = place_ok("c1", ORDERS_METHOD_ONLINE, true);

    const char *first = FAKE->hooked_order;
    cr_assert_neq(first[0], '\0', "the hook ran");
    cr_assert_str_neq(first, o->id, "the retry used a new order id");
    cr_assert_eq(fake_units(FAKE, first, HOLD_HELD), 0, "the first attempt's hold was released");
    cr_assert_eq(fake_units(FAKE, first, HOLD_SOLD), 0);
    cr_assert_geq(FAKE->release_calls, 1);
    cr_assert_eq(FAKE->reserve_calls, 2);

    /* the order holds exactly once, the cart as it was at the retry */
    cr_assert_eq(o->item_count, 2u);
    cr_assert_eq(fake_units(FAKE, o->id, HOLD_HELD), 5);
    cr_assert_eq(FAKE->products[0].held, 3);
    cr_assert_eq(FAKE->products[1].held, 2);
    cr_assert_eq(FAKE->products[0].available, 7);

    /* nothing of the first attempt exists locally */
    orders_order_t *ghost = NULL;
    orders_reservation_t *r = NULL;
    cr_assert_eq(orders_order_get(F.ctx, first, NULL, &ghost, NULL), ORDERS_E_NOT_FOUND);
    cr_assert_eq(orders_reservation_get(F.ctx, first, &r, NULL), ORDERS_E_NOT_FOUND);
    cr_assert_eq(fixx_order_count(&F, "c1"), 1);
    assert_local_stock_untouched();
    orders_order_free(o);
}

static void empty_the_cart(fake_catalog_t *fc, const char *order_id)
{
    (void)fc, (void)order_id;
    cr_assert_eq(orders_cart_clear(F.ctx, "c1", ORDERS_ANY_VERSION, NULL, NULL), ORDERS_OK);
}

Test(remote, local_commit_failure_that_is_final_releases_the_remote_hold)
{
    fix_add(&F, "c1", "r1", 3);
    FAKE->on_reserve = empty_the_cart;
    orders_order_t *o = NULL;
    orders_error_t err;
    cr_assert_eq(place("c1", ORDERS_METHOD_COD, false, NULL, &o, &err), ORDERS_E_EMPTY_CART,
                 "%s", err.message);
    cr_assert_null(o);
    cr_assert_eq(fake_units(FAKE, FAKE->hooked_order, HOLD_HELD), 0);
    cr_assert_eq(FAKE->products[0].held, 0);
    cr_assert_eq(FAKE->products[0].available, 10);
    cr_assert_geq(FAKE->release_calls, 1);
    cr_assert_eq(fixx_order_count(&F, NULL), 0);
    cr_assert_eq(fixx_outbox_pending(&F), 0);
    orders_reservation_t *r = NULL;
    cr_assert_eq(orders_reservation_get(F.ctx, FAKE->hooked_order, &r, NULL), ORDERS_E_NOT_FOUND);
}

/* The same idempotency key is placed again while the first attempt holds
 * remote stock: the first attempt's commit finds the key taken, returns
 * that order, and gives its own hold back. */
static void place_same_key(fake_catalog_t *fc, const char *order_id)
{
    (void)order_id;
    orders_order_t *inner = NULL;
    orders_error_t err;
    cr_assert_eq(place("c1", ORDERS_METHOD_ONLINE, true, "k-race", &inner, &err), ORDERS_OK,
                 "%s", err.message);
    snprintf(fc->hook_result, sizeof fc->hook_result, "%s", inner->id);
    orders_order_free(inner);
}

Test(remote, idempotent_replay_during_a_remote_hold_releases_it)
{
    fix_add(&F, "c1", "r1", 2);
    FAKE->on_reserve = place_same_key;
    orders_order_t *o = NULL;
    orders_error_t err;
    cr_assert_eq(place("c1", ORDERS_METHOD_ONLINE, true, "k-race", &o, &err), ORDERS_OK, "%s",
                 err.message);
    cr_assert_str_eq(o->id, FAKE->hook_result, "the key's first order is returned");
    cr_assert_str_neq(FAKE->hooked_order, o->id);
    cr_assert_eq(fake_units(FAKE, FAKE->hooked_order, HOLD_HELD), 0, "the loser's hold is released");
    cr_assert_eq(fake_units(FAKE, o->id, HOLD_HELD), 2);
    cr_assert_eq(FAKE->products[0].held, 2, "held once");
    cr_assert_eq(fixx_order_count(&F, "c1"), 1);
    orders_order_free(o);
}

Test(remote, reserve_is_idempotent_per_order_id)
{
    /* the fake itself: a second reserve for one order id holds nothing more */
    orders_catalog_line_t line = {"r1", 4};
    cr_assert_eq(fake_reserve(FAKE, "o-1", &line, 1, 0, NULL), ORDERS_OK);
    cr_assert_eq(fake_reserve(FAKE, "o-1", &line, 1, 0, NULL), ORDERS_OK);
    cr_assert_eq(FAKE->products[0].held, 4);
    cr_assert_eq(fake_release(FAKE, "o-1", NULL), ORDERS_OK);
    cr_assert_eq(fake_release(FAKE, "o-1", NULL), ORDERS_OK, "releasing nothing succeeds");
    cr_assert_eq(FAKE->products[0].available, 10);
}

/* A failed remote confirm must not leave a confirmed order whose units the
 * remote catalog merely holds (the hold would lapse at its deadline and the
 * units be sold twice).  Either the order stays pending and the confirm can
 * be retried, or the units end up sold.  (Regression: the remote confirm
 * used to run once, after the local commit, with its failure dropped.) */
Test(remote, failed_remote_confirm_is_not_lost)
{
    fix_add(&F, "c1", "r1", 2);
    FAKE->fail_confirms = 1;
    orders_order_t *o = NULL;
    orders_error_t err;
    cr_assert_eq(place("c1", ORDERS_METHOD_COD, false, NULL, &o, &err), ORDERS_OK, "%s",
                 err.message);
    if (o->status == ORDERS_STATUS_PENDING) /* not confirmed yet: the retry must work */
        cr_assert_eq(orders_reservation_confirm(F.ctx, o->id, &err), ORDERS_OK, "%s",
                     err.message);
    int64_t held = FAKE->products[0].held, sold = FAKE->products[0].sold;
    orders_order_free(o);
    cr_assert_eq(sold, 2, "order confirmed locally, but the remote catalog sold %lld (held %lld)",
                 (long long)sold, (long long)held);
    cr_assert_eq(held, 0);
}

/* Payment reported after the reservation's deadline (before any sweep): the
 * order is never confirmed, and nothing stays sold or held remotely. */
Test(remote, late_payment_after_the_deadline_sells_nothing)
{
    fix_add(&F, "c1", "r1", 3);
    orders_order_t *o = place_ok("c1", ORDERS_METHOD_ONLINE, true);
    fix_advance(&F, 30 * FIX_MINUTE);
    orders_order_t *late = NULL;
    orders_error_t err = {0};
    orders_code_t rc = orders_payment_complete(F.ctx, o->id, true, "txn-late", &late, &err);
    cr_assert_neq(rc, ORDERS_OK, "a payment after the deadline cannot confirm");
    orders_order_free(late);
    orders_order_t *now = NULL;
    cr_assert_eq(orders_order_get(F.ctx, o->id, NULL, &now, &err), ORDERS_OK);
    orders_status_t status = now->status;
    orders_order_free(now);
    cr_assert_neq(status, ORDERS_STATUS_CONFIRMED);
    cr_assert_eq(FAKE->products[0].sold, 0);
    cr_assert_eq(FAKE->products[0].held, 0);
    cr_assert_eq(FAKE->products[0].available, 10);
    cr_assert_neq(reservation_status(o->id, NULL), ORDERS_RES_CONFIRMED);
    orders_order_free(o);
}

/* BUG (see the report): cancelling commits the local cancellation first and
 * calls the remote release once afterwards; when that call fails the order
 * and its reservation are already cancelled, the units stay sold (or held)
 * at the remote catalog, and no public call can release them any more
 * (a second cancel or orders_reservation_release is a conflict).  Whatever
 * the fix, a cancellation that is retried after the outage must end with
 * the units back at the catalog.  Kept failing on purpose. */
/* The cancel is recorded even when the catalog's give-back fails; the error
 * says so, and orders_reservation_release retries the give-back. */
Test(remote, failed_remote_release_on_cancel_is_not_lost)
{
    fix_add(&F, "c1", "r2", 5);
    orders_order_t *o = place_ok("c1", ORDERS_METHOD_COD, false);
    cr_assert_eq(FAKE->products[1].sold, 5);
    FAKE->fail_releases = 1;
    orders_error_t err = {0};
    orders_order_t *cancelled = NULL;
    cr_assert_neq(orders_order_cancel(F.ctx, o->id, NULL, "admin", "oops", &cancelled, &err),
                  ORDERS_OK, "the failed give-back is reported");
    cr_assert_not_null(cancelled, "the order as recorded comes back with the error");
    cr_assert_eq(cancelled->status, ORDERS_STATUS_CANCELLED);
    orders_order_free(cancelled);
    cr_assert(strstr(err.message, "orders_reservation_release") != NULL, "%s", err.message);
    cr_assert_eq(orders_reservation_release(F.ctx, o->id, &err), ORDERS_OK, "%s", err.message);
    orders_order_t *now = NULL;
    cr_assert_eq(orders_order_get(F.ctx, o->id, NULL, &now, NULL), ORDERS_OK);
    orders_status_t status = now->status;
    orders_order_free(now);
    orders_order_free(o);
    cr_assert_eq(status, ORDERS_STATUS_CANCELLED, "%s", err.message);
    cr_assert_eq(FAKE->products[1].sold, 0, "cancelled, but %lld units stay sold remotely",
                 (long long)FAKE->products[1].sold);
    cr_assert_eq(FAKE->products[1].available, 10);
}
