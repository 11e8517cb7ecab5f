/*
 * server/backends.c - the liborders context of orders-server and the
 * backends its options choose: the store (--store), the catalog (the
 * store's own, the demo catalog, or a Products service), customers (the
 * JWT's claims or a Customer service), the gateway of "online" payments
 * (the library's test gateway or a REST gateway), and the notifier (JSON
 * lines or a Notifications service).  Every HTTP backend is also
 * registered with /health (deps.c).
 */
#include <stdio.h>

#include "server.h"

/* The Products service as the catalog, when --products-url names one. */
static orders_code_t open_products(srv_t *s, orders_error_t *err)
{
    if (s->cfg.products_url == NULL)
        return ORDERS_OK;
    if (s->cfg.demo_catalog)
        return orders_error_set(err, ORDERS_E_INVALID, "catalog",
                                "--demo-catalog and --products-url exclude each other (the "
                                "demo catalog lives in the store)");
#ifdef ORDERS_HAVE_CURL
    orders_catalog_http_options_t o = orders_catalog_http_options_default();
    o.base_url = s->cfg.products_url;
    o.service_key = s->cfg.services_key;
    void *ud = NULL;
    orders_code_t rc = orders_catalog_http_new(&o, &ud, err);
    if (rc == ORDERS_OK &&
        (rc = orders_ctx_set_catalog(s->ctx, orders_catalog_http_vtable(), ud,
                                     orders_catalog_http_free, err)) != ORDERS_OK)
        orders_catalog_http_free(ud);
    if (rc == ORDERS_OK)
        srv_deps_add(s, "products", orders_catalog_http_probe, ud);
    return rc;
#else
    return orders_error_set(err, ORDERS_E_UNSUPPORTED, "catalog",
                            "--products-url needs liborders built with libcurl");
#endif
}

/* The Customer service as the customers backend, when --customers-url
 * names one (otherwise the built-in "claims" backend trusts the JWT). */
static orders_code_t open_customers(srv_t *s, orders_error_t *err)
{
    if (s->cfg.customers_url == NULL)
        return ORDERS_OK;
#ifdef ORDERS_HAVE_CURL
    orders_customers_http_options_t o = orders_customers_http_options_default();
    o.base_url = s->cfg.customers_url;
    o.service_key = s->cfg.services_key;
    void *ud = NULL;
    orders_code_t rc = orders_customers_http_new(&o, &ud, err);
    if (rc == ORDERS_OK &&
        (rc = orders_ctx_set_customers(s->ctx, orders_customers_http_vtable(), ud,
                                       orders_customers_http_free, err)) != ORDERS_OK)
        orders_customers_http_free(ud);
    if (rc == ORDERS_OK)
        srv_deps_add(s, "customers", orders_customers_http_probe, ud);
    return rc;
#else
    return orders_error_set(err, ORDERS_E_UNSUPPORTED, "customers",
                            "--customers-url needs liborders built with libcurl");
#endif
}

/* The REST payment gateway for "online" payments, when
 * --payment-gateway-url names one (otherwise the built-in test gateway,
 * which approves, stays registered).  A URL without a key is refused. */
static orders_code_t open_gateway(srv_t *s, orders_error_t *err)
{
    if (s->cfg.payment_gateway_url == NULL)
        return ORDERS_OK;
    if (s->cfg.payment_gateway_key == NULL || s->cfg.payment_gateway_key[0] == '\0')
        return orders_error_set(err, ORDERS_E_INVALID, "gateway",
                                "--payment-gateway-url needs --payment-gateway-key (or "
                                "ORDERS_PAYMENT_GATEWAY_KEY): the gateway's API key");
#ifdef ORDERS_HAVE_CURL
    orders_gateway_http_options_t o = orders_gateway_http_options_default();
    o.base_url = s->cfg.payment_gateway_url;
    o.api_key = s->cfg.payment_gateway_key;
    o.timeout_ms = (int)s->cfg.payment_gateway_timeout_ms;
    void *ud = NULL;
    orders_code_t rc = orders_gateway_http_new(&o, &ud, err);
    if (rc == ORDERS_OK &&
        (rc = orders_ctx_set_gateway(s->ctx, ORDERS_METHOD_ONLINE, orders_gateway_http_vtable(),
                                     ud, orders_gateway_http_free, err)) != ORDERS_OK)
        orders_gateway_http_free(ud);
    if (rc == ORDERS_OK)
        srv_deps_add(s, "payment_gateway", orders_gateway_http_probe, ud);
    return rc;
#else
    return orders_error_set(err, ORDERS_E_UNSUPPORTED, "gateway",
                            "--payment-gateway-url needs liborders built with libcurl");
#endif
}

/* The notifier: the Notifications service when --notifications-url names
 * one, else one JSON line per event to --events-log (stderr by default).
 * Either way the outbox retries failures with backoff and dead-letters. */
static orders_code_t open_notifier(srv_t *s, orders_error_t *err)
{
    if (s->cfg.notifications_url == NULL)
        return orders_ctx_set_notifier(s->ctx, orders_notifier_log_vtable(), s->events, NULL,
                                       err);
#ifdef ORDERS_HAVE_CURL
    orders_notifier_http_options_t o = orders_notifier_http_options_default();
    o.base_url = s->cfg.notifications_url;
    o.service_key = s->cfg.services_key;
    void *ud = NULL;
    orders_code_t rc = orders_notifier_http_new(&o, &ud, err);
    if (rc == ORDERS_OK &&
        (rc = orders_ctx_set_notifier(s->ctx, orders_notifier_http_vtable(), ud,
                                      orders_notifier_http_free, err)) != ORDERS_OK)
        orders_notifier_http_free(ud);
    if (rc == ORDERS_OK)
        srv_deps_add(s, "notifications", orders_notifier_http_probe, ud);
    return rc;
#else
    return orders_error_set(err, ORDERS_E_UNSUPPORTED, "notifier",
                            "--notifications-url needs liborders built with libcurl");
#endif
}

/* The library context: store, catalog (demo or Products service),
 * customers (claims or Customer service), the online gateway (test or
 * REST gateway), notifier.  0 or -1. */
int srv_open_context(srv_t *s)
{
    orders_error_t err;
    orders_config_t oc = orders_config_default();
    oc.reservation_ms = s->cfg.reservation_seconds > 0 ? s->cfg.reservation_seconds * 1000
                                                       : s->cfg.reservation_minutes * 60 * 1000;
    oc.outbox_backoff_ms = s->cfg.outbox_backoff_ms;
    oc.outbox_max_attempts = (int)s->cfg.outbox_max_attempts;
    if (orders_ctx_new(&oc, &s->ctx, &err) != ORDERS_OK ||
        orders_ctx_open_store(s->ctx, s->cfg.store, &err) != ORDERS_OK ||
        open_products(s, &err) != ORDERS_OK || open_customers(s, &err) != ORDERS_OK ||
        open_gateway(s, &err) != ORDERS_OK ||
        (s->cfg.demo_catalog && srv_demo_catalog_load(s->ctx, &err) != ORDERS_OK) ||
        open_notifier(s, &err) != ORDERS_OK) {
        fprintf(stderr, "orders-server: %s\n", err.message);
        return -1;
    }
    return 0;
}
