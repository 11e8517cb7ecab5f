/*
 * lg_script.c - what each orders-loadgen connection sends (loadgen.h).
 *
 *   get       the same GET path with the given headers, again and again.
 *   cart-add  the connection's customer adds one unit of a product (the
 *             products in turn); after every clear_every adds it empties
 *             the cart, so that carts stay under their limits.
 *   checkout  the customer adds 3 products (one unit each), then places
 *             the order; a failed add or place empties the cart before the
 *             next round.
 *   fill      (place mode's untimed phase) the connection's rounds
 *             customers in turn each add 3 distinct products, one unit
 *             each; a failed add is not retried.
 *   place     the same customers in turn each place their cart once,
 *             whatever the answer; then the connection is done.
 * Called only by the thread that owns the connection.
 */
#include <stdio.h>

#include "loadgen.h"

#define CHECKOUT_ADDS 3

static const char *product_body(const lg_conn_t *c, const lg_config_t *cfg, int64_t k)
{
    size_t i = (size_t)(((int64_t)c->id + k) % (int64_t)cfg->n_products);
    return cfg->add_bodies[i];
}

static int request_clear(lg_conn_t *c, const lg_config_t *cfg)
{
    c->kind = LG_CART_CLEAR;
    return lg_conn_set_request(c, "DELETE", "/api/v1/cart/clear", cfg, NULL, NULL);
}

static int request_add(lg_conn_t *c, const lg_config_t *cfg, int64_t k)
{
    c->kind = LG_CART_ADD;
    return lg_conn_set_request(c, "POST", "/api/v1/cart/add", cfg, NULL, product_body(c, cfg, k));
}

static int next_cart_add(lg_conn_t *c, const lg_config_t *cfg)
{
    if (c->need_clear || c->adds >= cfg->clear_every)
        return request_clear(c, cfg);
    return request_add(c, cfg, c->step);
}

static int next_checkout(lg_conn_t *c, const lg_config_t *cfg)
{
    if (c->need_clear)
        return request_clear(c, cfg);
    if (c->adds < CHECKOUT_ADDS)
        return request_add(c, cfg, c->adds);
    c->kind = LG_PLACE;
    return lg_conn_set_request(c, "POST", "/api/v1/orders/place", cfg, NULL, cfg->place_body);
}

/* fill and place: the connection's current customer speaks. */
static void use_customer_token(lg_conn_t *c, const lg_config_t *cfg)
{
    size_t i = (size_t)c->id * (size_t)cfg->rounds + (size_t)c->customer;
    c->token = cfg->tokens[i % cfg->n_tokens];
}

static int next_fill(lg_conn_t *c, const lg_config_t *cfg)
{
    use_customer_token(c, cfg);
    return request_add(c, cfg, (int64_t)c->customer + c->adds);
}

static int next_place(lg_conn_t *c, const lg_config_t *cfg)
{
    use_customer_token(c, cfg);
    c->kind = LG_PLACE;
    return lg_conn_set_request(c, "POST", "/api/v1/orders/place", cfg, NULL, cfg->place_body);
}

int lg_script_done(const lg_conn_t *c, const lg_config_t *cfg)
{
    if (cfg->mode == LG_MODE_FILL || cfg->mode == LG_MODE_PLACE)
        return c->customer >= cfg->rounds;
    return 0;
}

void lg_script_reset(lg_conn_t *c)
{
    c->step = 0;
    c->adds = 0;
    c->need_clear = 0;
    c->customer = 0;
}

int lg_script_next(lg_conn_t *c, const lg_config_t *cfg)
{
    c->step++;
    switch (cfg->mode) {
    case LG_MODE_GET:
        c->kind = LG_GET;
        return lg_conn_set_request(c, "GET", cfg->path, cfg, cfg->headers, NULL);
    case LG_MODE_CART_ADD:
        return next_cart_add(c, cfg);
    case LG_MODE_CHECKOUT:
        return next_checkout(c, cfg);
    case LG_MODE_FILL:
        return next_fill(c, cfg);
    case LG_MODE_PLACE:
        return next_place(c, cfg);
    }
    return -1;
}

/* fill and place: an answer, whatever it is, moves the script on. */
static void answer_fill_or_place(lg_conn_t *c, const lg_config_t *cfg)
{
    if (cfg->mode == LG_MODE_FILL && ++c->adds < LG_FILL_ADDS)
        return;
    c->adds = 0;
    c->customer++;
}

void lg_script_answer(lg_conn_t *c, const lg_config_t *cfg, int status)
{
    int ok = status >= 200 && status < 300;
    if (cfg->mode == LG_MODE_FILL || cfg->mode == LG_MODE_PLACE) {
        answer_fill_or_place(c, cfg);
        return;
    }
    switch (c->kind) {
    case LG_CART_ADD:
        if (ok)
            c->adds++;
        else
            c->need_clear = 1;
        break;
    case LG_CART_CLEAR:
        if (ok) {
            c->adds = 0;
            c->need_clear = 0;
        }
        break;
    case LG_PLACE:
        /* a placed order empties the cart; anything else leaves it as is */
        c->adds = 0;
        c->need_clear = status != 201;
        break;
    case LG_GET:
    case LG_KINDS:
        break;
    }
}
