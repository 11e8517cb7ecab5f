/*
 * lg_args.c - orders-loadgen's command line, and what a run needs before
 * any load: the customers' tokens and the JSON bodies (loadgen.h).  Runs
 * on the main thread before the load threads start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loadgen.h"

#define LG_MAX_CONNECTIONS 4096
#define LG_MAX_THREADS 64
#define LG_MAX_ROUNDS 1000

int lg_usage(void)
{
    fprintf(stderr,
            "usage: orders-loadgen --port N [--host ADDR] [--mode get|cart-add|checkout|place]\n"
            "         [-c CONNECTIONS] [-t THREADS] [-n REQUESTS] [-d SECONDS]\n"
            "         [--path P] [-H 'Name: value']... [--product ID]... [--clear-every K]\n"
            "         [--rounds K] [--phase all|fill|place]\n"
            "         [--tokens FILE | --mint ORDERS_SERVER_BIN [--jwt-secret S]]\n"
            "         [--customer-prefix P]\n");
    return 2;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Appends "line\r\n" to cfg->headers. */
static int add_header(lg_config_t *cfg, const char *line)
{
    size_t old = cfg->headers ? strlen(cfg->headers) : 0, add = strlen(line);
    if (add == 0 || strchr(line, '\r') || strchr(line, '\n') || !strchr(line, ':'))
        return -1;
    char *p = realloc(cfg->headers, old + add + 3);
    if (p == NULL)
        return -1;
    memcpy(p + old, line, add);
    memcpy(p + old + add, "\r\n", 3);
    cfg->headers = p;
    return 0;
}

/* One option with its value; -1 when unknown or out of range. */
static int parse_option(lg_args_t *a, const char *opt, const char *val)
{
    lg_config_t *cfg = &a->cfg;
    long long v = 0;
    if (strcmp(opt, "--port") == 0 && parse_int(val, 1, 65535, &v) == 0)
        cfg->port = (int)v;
    else if (strcmp(opt, "--host") == 0)
        cfg->host = val;
    else if (strcmp(opt, "--mode") == 0)
        a->mode = val;
    else if ((!strcmp(opt, "-c") || !strcmp(opt, "--connections")) &&
             parse_int(val, 1, LG_MAX_CONNECTIONS, &v) == 0)
        cfg->connections = (int)v;
    else if ((!strcmp(opt, "-t") || !strcmp(opt, "--threads")) &&
             parse_int(val, 1, LG_MAX_THREADS, &v) == 0)
        cfg->threads = (int)v;
    else if ((!strcmp(opt, "-n") || !strcmp(opt, "--requests")) &&
             parse_int(val, 1, 1000000000LL, &v) == 0)
        cfg->requests = v;
    else if ((!strcmp(opt, "-d") || !strcmp(opt, "--duration")) && parse_int(val, 1, 3600, &v) == 0)
        cfg->duration_s = (double)v;
    else if (strcmp(opt, "--path") == 0 && val[0] == '/')
        cfg->path = val;
    else if (strcmp(opt, "-H") == 0 || strcmp(opt, "--header") == 0)
        return add_header(cfg, val);
    else if (strcmp(opt, "--clear-every") == 0 && parse_int(val, 1, 40, &v) == 0)
        cfg->clear_every = (int)v;
    else if (strcmp(opt, "--rounds") == 0 && parse_int(val, 1, LG_MAX_ROUNDS, &v) == 0)
        cfg->rounds = (int)v;
    else if (strcmp(opt, "--phase") == 0)
        a->phase_name = val;
    else if (strcmp(opt, "--product") == 0 && a->n_products < 256 && val[0])
        a->products[a->n_products++] = val;
    else if (strcmp(opt, "--tokens") == 0)
        a->tokens_file = val;
    else if (strcmp(opt, "--mint") == 0)
        a->mint_bin = val;
    else if (strcmp(opt, "--jwt-secret") == 0)
        a->jwt_secret = val;
    else if (strcmp(opt, "--customer-prefix") == 0)
        a->prefix = val;
    else
        return -1;
    return 0;
}

static int parse_mode(const char *s, lg_mode_t *m)
{
    if (strcmp(s, "get") == 0)
        *m = LG_MODE_GET;
    else if (strcmp(s, "cart-add") == 0)
        *m = LG_MODE_CART_ADD;
    else if (strcmp(s, "checkout") == 0)
        *m = LG_MODE_CHECKOUT;
    else if (strcmp(s, "place") == 0)
        *m = LG_MODE_PLACE;
    else
        return -1;
    return 0;
}

static int parse_phase(const char *s, lg_phase_t *p)
{
    if (strcmp(s, "all") == 0)
        *p = LG_PHASE_ALL;
    else if (strcmp(s, "fill") == 0)
        *p = LG_PHASE_FILL;
    else if (strcmp(s, "place") == 0)
        *p = LG_PHASE_PLACE;
    else
        return -1;
    return 0;
}

int lg_args_parse(int argc, char **argv, lg_args_t *a)
{
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc || parse_option(a, argv[i], argv[i + 1]) != 0) {
            fprintf(stderr, "orders-loadgen: bad option %s\n", argv[i]);
            return -1;
        }
    }
    if (a->cfg.port == 0 || parse_mode(a->mode, &a->cfg.mode) != 0 ||
        parse_phase(a->phase_name, &a->phase) != 0)
        return -1;
    if (a->phase != LG_PHASE_ALL && a->cfg.mode != LG_MODE_PLACE)
        return -1;
    if (a->cfg.threads > a->cfg.connections)
        a->cfg.threads = a->cfg.connections;
    return 0;
}

/* The JSON bodies of cart-add and checkout, made once with jansson. */
static int build_bodies(lg_args_t *a)
{
    lg_config_t *cfg = &a->cfg;
    cfg->add_bodies = calloc(a->n_products, sizeof *cfg->add_bodies);
    if (cfg->add_bodies == NULL)
        return -1;
    for (size_t i = 0; i < a->n_products; i++) {
        json_t *b = json_pack("{s:s, s:i}", "productId", a->products[i], "quantity", 1);
        cfg->add_bodies[i] = b ? json_dumps(b, JSON_COMPACT) : NULL;
        json_decref(b);
        if (cfg->add_bodies[i] == NULL)
            return -1;
    }
    cfg->n_products = a->n_products;
    json_t *place = json_pack(
        "{s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:s}", "shippingAddress", "addressLine1",
        "1 Bench Street", "city", "Loadville", "state", "LB", "country", "US", "postalCode",
        "10001", "contactName", "Bench Customer", "paymentMethod", "cod", "notes", "orders-loadgen");
    cfg->place_body = place ? json_dumps(place, JSON_COMPACT) : NULL;
    json_decref(place);
    return cfg->place_body ? 0 : -1;
}

/* Are there tokens enough for place mode's distinct customers? */
static int enough_tokens(const lg_args_t *a)
{
    size_t need = lg_tokens_needed(&a->cfg);
    if (a->cfg.n_tokens >= need)
        return 0;
    fprintf(stderr, "orders-loadgen: place needs %zu tokens (connections x rounds), not %zu\n",
            need, a->cfg.n_tokens);
    return -1;
}

int lg_args_prepare(lg_args_t *a)
{
    lg_config_t *cfg = &a->cfg;
    size_t need = cfg->mode == LG_MODE_CHECKOUT || cfg->mode == LG_MODE_PLACE ? LG_FILL_ADDS : 1;
    if (a->n_products < need) {
        fprintf(stderr, "orders-loadgen: %s needs at least %zu --product\n", a->mode, need);
        return -1;
    }
    if (build_bodies(a) != 0) {
        fprintf(stderr, "orders-loadgen: out of memory\n");
        return -1;
    }
    int rc = -1;
    if (a->tokens_file)
        rc = lg_tokens_read(a->tokens_file, cfg);
    else if (a->mint_bin)
        rc = lg_tokens_mint(a->mint_bin, a->jwt_secret, a->prefix, cfg);
    else
        fprintf(stderr, "orders-loadgen: %s needs --tokens FILE or --mint BIN\n", a->mode);
    return rc == 0 ? enough_tokens(a) : -1;
}

void lg_config_free(lg_config_t *cfg)
{
    for (size_t i = 0; i < cfg->n_tokens; i++)
        free(cfg->tokens[i]);
    free(cfg->tokens);
    for (size_t i = 0; cfg->add_bodies && i < cfg->n_products; i++)
        free(cfg->add_bodies[i]);
    free(cfg->add_bodies);
    free(cfg->place_body);
    free(cfg->headers);
}
