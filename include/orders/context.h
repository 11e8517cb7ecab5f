/*
 * orders/context.h - orders_ctx_t: configuration, backends and clock.
 *
 * One context serves a whole program.  Configure it first (every
 * orders_ctx_set_* call), from one thread; after that, every other liborders
 * call taking the context may run from many threads at once, provided the
 * registered backends are thread-safe (the built-in ones are).  Setters must
 * not run while other threads use the context.
 *
 * Backends are registered as a vtable, a userdata pointer and an optional
 * free function.  The context owns the userdata from then on: it calls the
 * free function when the backend is replaced or the context destroyed.
 * Vtables themselves are borrowed and must outlive the context (they are
 * normally static const).
 *
 * A new context has: no store (orders_ctx_open_store or orders_ctx_set_store
 * must be called), the "local" catalog over the store, the "claims"
 * customers backend, gateways cod, wallet and the test gateway for online,
 * no notifier (events stay in the outbox until one is set), the system
 * clock, and random 24-hex-digit ids.
 */
#ifndef ORDERS_CONTEXT_H
#define ORDERS_CONTEXT_H

#include <stdint.h>

#include <orders/types.h>
#include <orders/error.h>
#include <orders/store.h>
#include <orders/catalog.h>
#include <orders/customers.h>
#include <orders/gateway.h>
#include <orders/notifier.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orders_ctx orders_ctx_t;

typedef void (*orders_free_fn)(void *ud);
/* Milliseconds since the Unix epoch. */
typedef int64_t (*orders_clock_fn)(void *ud);
/* Writes a new unique id (NUL-terminated, at most ORDERS_ID_MAX bytes) into out. */
typedef void (*orders_idgen_fn)(void *ud, char out[ORDERS_ID_MAX + 1]);

/* Amounts a pricing hook adds to an order; all in the order's currency. */
typedef struct orders_pricing {
    int64_t tax;
    int64_t shipping_fee;
    int64_t discount;
} orders_pricing_t;
/* Fills *out for the draft order (items and subtotal set).  Default: all 0. */
typedef orders_code_t (*orders_pricing_fn)(void *ud, const orders_order_t *draft,
                                           orders_pricing_t *out, orders_error_t *err);

/* Settings, with defaults from orders_config_default(). */
typedef struct orders_config {
    int64_t reservation_ms;      /* reservation window: 30 minutes          */
    int64_t cart_ttl_ms;         /* cart expiry after last change: 30 days  */
    int64_t max_quantity;        /* per cart line: 1000                     */
    int64_t max_cart_lines;      /* 50                                      */
    int outbox_max_attempts;     /* dead letter after this many tries: 8    */
    int64_t outbox_backoff_ms;   /* first retry delay, doubled each time: 1000 */
    const char *default_currency;/* currency of new products: "USD" (copied) */
} orders_config_t;

orders_config_t orders_config_default(void);

/* New context with cfg (NULL: defaults); free with orders_ctx_destroy. */
orders_code_t orders_ctx_new(const orders_config_t *cfg, orders_ctx_t **out, orders_error_t *err);
/* Frees every registered backend's userdata, then the context.  NULL is a no-op. */
void orders_ctx_destroy(orders_ctx_t *ctx);

/* The settings in force (borrowed; valid while ctx lives). */
const orders_config_t *orders_ctx_config(const orders_ctx_t *ctx);

/*
 * Opens a built-in store by URI and registers it: "memory:" (and, when
 * built with them, "sqlite:PATH" and "mongodb://...").  ORDERS_E_INVALID for
 * an unknown scheme, ORDERS_E_UNSUPPORTED for one not built in.
 */
orders_code_t orders_ctx_open_store(orders_ctx_t *ctx, const char *uri, orders_error_t *err);

/* Registers a backend (see the ownership rule above).  ORDERS_E_INVALID for a
 * NULL vtable, one missing a required member, or a version newer than this
 * library knows; the userdata is then NOT taken. */
orders_code_t orders_ctx_set_store(orders_ctx_t *ctx, const orders_store_vtable_t *vt, void *ud,
                                   orders_free_fn ud_free, orders_error_t *err);
orders_code_t orders_ctx_set_catalog(orders_ctx_t *ctx, const orders_catalog_vtable_t *vt,
                                     void *ud, orders_free_fn ud_free, orders_error_t *err);
orders_code_t orders_ctx_set_customers(orders_ctx_t *ctx, const orders_customers_vtable_t *vt,
                                       void *ud, orders_free_fn ud_free, orders_error_t *err);
orders_code_t orders_ctx_set_gateway(orders_ctx_t *ctx, orders_payment_method_t method,
                                     const orders_gateway_vtable_t *vt, void *ud,
                                     orders_free_fn ud_free, orders_error_t *err);
orders_code_t orders_ctx_set_notifier(orders_ctx_t *ctx, const orders_notifier_vtable_t *vt,
                                      void *ud, orders_free_fn ud_free, orders_error_t *err);

/* The built-in "local" catalog, reading products and stock from the store.
 * Its userdata is the context itself, with no free function:
 *     orders_ctx_set_catalog(ctx, orders_catalog_local_vtable(), ctx, NULL, &err);
 * restores it after another catalog was set. */
const orders_catalog_vtable_t *orders_catalog_local_vtable(void);

/* Injectable clock and id generator (tests drive time with them). */
void orders_ctx_set_clock(orders_ctx_t *ctx, orders_clock_fn fn, void *ud);
void orders_ctx_set_idgen(orders_ctx_t *ctx, orders_idgen_fn fn, void *ud);
void orders_ctx_set_pricing(orders_ctx_t *ctx, orders_pricing_fn fn, void *ud);

/* Current time from the context's clock. */
int64_t orders_ctx_now(orders_ctx_t *ctx);

/* Borrowed access to the registered store, for tests and tools. */
const orders_store_vtable_t *orders_ctx_store(const orders_ctx_t *ctx, void **ud);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_CONTEXT_H */
