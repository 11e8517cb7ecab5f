/*
 * server/config.c - options from defaults, a JSON file, the environment and
 * flags, in that rising order of precedence (API.md, "Running
 * orders-server").
 *
 * One table names every option once: its flag, its environment variable,
 * its key in the config file, its type and where it goes.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

typedef enum opt_type { OPT_STR, OPT_INT, OPT_BOOL } opt_type_t;

typedef struct opt {
    const char *flag;              /* "--port" */
    const char *env;               /* "ORDERS_PORT" */
    const char *key;               /* "port" in the config file */
    opt_type_t type;
    size_t off;                    /* into srv_config_t */
    int64_t min, max;              /* OPT_INT range */
} opt_t;

#define STR(f, e, k, m) {f, e, k, OPT_STR, offsetof(srv_config_t, m), 0, 0}
#define INT(f, e, k, m, lo, hi) {f, e, k, OPT_INT, offsetof(srv_config_t, m), lo, hi}
#define BOOL(f, e, k, m) {f, e, k, OPT_BOOL, offsetof(srv_config_t, m), 0, 0}

static const opt_t opts[] = {
    INT("--port", "ORDERS_PORT", "port", port, 0, 65535),
    STR("--listen", "ORDERS_LISTEN", "listen", listen),
    STR("--store", "ORDERS_STORE", "store", store),
    STR("--jwt-secret", "ORDERS_JWT_SECRET", "jwtSecret", jwt_secret),
    STR("--jwt-public-key", "ORDERS_JWT_PUBLIC_KEY", "jwtPublicKey", jwt_public_key),
    STR("--service-key", "ORDERS_SERVICE_KEY", "serviceKey", service_key),
    INT("--rate-limit-customer", "ORDERS_RATE_LIMIT_CUSTOMER", "rateLimitCustomer",
        rate_limit_customer, 0, 100000000),
    INT("--rate-limit-admin", "ORDERS_RATE_LIMIT_ADMIN", "rateLimitAdmin", rate_limit_admin, 0,
        100000000),
    INT("--reservation-minutes", "ORDERS_RESERVATION_MINUTES", "reservationMinutes",
        reservation_minutes, 1, 1440),
    INT("--reservation-seconds", "ORDERS_RESERVATION_SECONDS", "reservationSeconds",
        reservation_seconds, 0, 86400),
    BOOL("--demo-catalog", "ORDERS_DEMO_CATALOG", "demoCatalog", demo_catalog),
    INT("--threads", "ORDERS_THREADS", "threads", threads, 2, 1024),
    STR("--events-log", "ORDERS_EVENTS_LOG", "eventsLog", events_log),
    STR("--log", "ORDERS_LOG", "log", log),
    STR("--products-url", "ORDERS_PRODUCTS_URL", "productsUrl", products_url),
    STR("--customers-url", "ORDERS_CUSTOMERS_URL", "customersUrl", customers_url),
    STR("--services-key", "ORDERS_SERVICES_KEY", "servicesKey", services_key),
    STR("--notifications-url", "ORDERS_NOTIFICATIONS_URL", "notificationsUrl",
        notifications_url),
    INT("--outbox-backoff-ms", "ORDERS_OUTBOX_BACKOFF_MS", "outboxBackoffMs", outbox_backoff_ms,
        1, 3600000),
    INT("--outbox-max-attempts", "ORDERS_OUTBOX_MAX_ATTEMPTS", "outboxMaxAttempts",
        outbox_max_attempts, 1, 1000),
    STR("--payment-gateway-url", "ORDERS_PAYMENT_GATEWAY_URL", "paymentGatewayUrl",
        payment_gateway_url),
    STR("--payment-gateway-key", "ORDERS_PAYMENT_GATEWAY_KEY", "paymentGatewayKey",
        payment_gateway_key),
    INT("--payment-gateway-timeout-ms", "ORDERS_PAYMENT_GATEWAY_TIMEOUT_MS",
        "paymentGatewayTimeoutMs", payment_gateway_timeout_ms, 100, 120000),
    STR("--payment-webhook-secret", "ORDERS_PAYMENT_WEBHOOK_SECRET", "paymentWebhookSecret",
        payment_webhook_secret),
};
#define NOPTS (sizeof opts / sizeof opts[0])

static void *field(srv_config_t *cfg, const opt_t *o)
{
    return (char *)cfg + o->off;
}

/* "orders-server: <message>\n" to msgs (stderr for the server; NULL:
 * nowhere, for the fuzz target); returns -1 for the callers' returns. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int complain(FILE *msgs, const char *fmt, ...)
{
    if (msgs == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    fputs("orders-server: ", msgs);
    vfprintf(msgs, fmt, ap);
    fputc('\n', msgs);
    va_end(ap);
    return -1;
}

static int set_str(srv_config_t *cfg, const opt_t *o, const char *v, FILE *msgs)
{
    char **dst = field(cfg, o);
    char *copy = strdup(v);
    if (copy == NULL)
        return complain(msgs, "out of memory");
    free(*dst);
    *dst = copy;
    return 0;
}

static int set_int(srv_config_t *cfg, const opt_t *o, const char *from, long long v,
                   FILE *msgs)
{
    if (v < o->min || v > o->max)
        return complain(msgs, "%s must be between %lld and %lld", from, (long long)o->min,
                        (long long)o->max);
    if (o->off == offsetof(srv_config_t, port) || o->off == offsetof(srv_config_t, threads))
        *(int *)field(cfg, o) = (int)v;
    else
        *(int64_t *)field(cfg, o) = v;
    return 0;
}

/* A value given as text (flag or environment); from names it in messages. */
static int set_text(srv_config_t *cfg, const opt_t *o, const char *from, const char *v,
                    FILE *msgs)
{
    switch (o->type) {
    case OPT_STR:
        if (*v == '\0')
            return complain(msgs, "%s must not be empty", from);
        return set_str(cfg, o, v, msgs);
    case OPT_INT: {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno != 0 || end == v || *end != '\0')
            return complain(msgs, "%s must be an integer, not \"%s\"", from, v);
        return set_int(cfg, o, from, n, msgs);
    }
    case OPT_BOOL:
        if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"))
            *(bool *)field(cfg, o) = true;
        else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") || *v == '\0')
            *(bool *)field(cfg, o) = false;
        else
            return complain(msgs, "%s must be 1 or 0, not \"%s\"", from, v);
        return 0;
    }
    return -1;
}

static int set_json(srv_config_t *cfg, const opt_t *o, const char *path, const json_t *v,
                    FILE *msgs)
{
    char from[160];
    snprintf(from, sizeof from, "\"%s\" in %s", o->key, path);
    switch (o->type) {
    case OPT_STR:
        if (!json_is_string(v) || json_string_length(v) == 0)
            return complain(msgs, "%s must be a non-empty string", from);
        return set_str(cfg, o, json_string_value(v), msgs);
    case OPT_INT:
        if (!json_is_integer(v))
            return complain(msgs, "%s must be an integer", from);
        return set_int(cfg, o, from, json_integer_value(v), msgs);
    case OPT_BOOL:
        if (!json_is_boolean(v))
            return complain(msgs, "%s must be true or false", from);
        *(bool *)field(cfg, o) = json_is_true(v);
        return 0;
    }
    return -1;
}

/* The options of a parsed config file (root, borrowed); path names it. */
static int load_root(srv_config_t *cfg, json_t *root, const char *path, FILE *msgs)
{
    if (!json_is_object(root))
        return complain(msgs, "config %s must hold a JSON object", path);
    const char *key;
    const json_t *v;
    json_object_foreach(root, key, v) {
        const opt_t *o = NULL;
        for (size_t i = 0; i < NOPTS && o == NULL; i++)
            if (!strcmp(opts[i].key, key))
                o = &opts[i];
        if (o == NULL)
            return complain(msgs, "config %s: unknown key \"%s\"", path, key);
        if (set_json(cfg, o, path, v, msgs) != 0)
            return -1;
    }
    return 0;
}

/* root (a new reference, or NULL for a parse error in jerr) into cfg. */
static int load_parsed(srv_config_t *cfg, json_t *root, const json_error_t *jerr,
                       const char *path, FILE *msgs)
{
    if (root == NULL)
        return complain(msgs, "config %s: %s (line %d)", path, jerr->text, jerr->line);
    int rc = load_root(cfg, root, path, msgs);
    json_decref(root);
    return rc;
}

static int load_file(srv_config_t *cfg, const char *path, FILE *msgs)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    return load_parsed(cfg, root, &jerr, path, msgs);
}

static void defaults(srv_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->port = 3005;
    cfg->rate_limit_customer = 100;
    cfg->rate_limit_admin = 1000;
    cfg->reservation_minutes = 30;
    cfg->threads = 64;
    orders_config_t lib = orders_config_default();
    cfg->outbox_backoff_ms = lib.outbox_backoff_ms;
    cfg->outbox_max_attempts = lib.outbox_max_attempts;
#ifdef ORDERS_HAVE_CURL
    cfg->payment_gateway_timeout_ms = orders_gateway_http_options_default().timeout_ms;
#else
    cfg->payment_gateway_timeout_ms = 5000; /* unused: no REST gateway without libcurl */
#endif
}

static const opt_t *find_flag(const char *arg, const char **inline_value)
{
    *inline_value = NULL;
    for (size_t i = 0; i < NOPTS; i++) {
        size_t n = strlen(opts[i].flag);
        if (strncmp(arg, opts[i].flag, n) != 0)
            continue;
        if (arg[n] == '\0')
            return &opts[i];
        if (arg[n] == '=') {
            *inline_value = arg + n + 1;
            return &opts[i];
        }
    }
    return NULL;
}

/* The --config value, from the flags or else ORDERS_CONFIG. */
static const char *config_path(int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            return argv[i + 1];
        if (!strncmp(argv[i], "--config=", 9))
            return argv[i] + 9;
    }
    const char *env = getenv("ORDERS_CONFIG");
    return env && *env ? env : NULL;
}

static int load_flags(srv_config_t *cfg, int argc, char **argv, int first, FILE *msgs)
{
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--config")) {
            i++;
            continue;
        }
        if (!strncmp(arg, "--config=", 9))
            continue;
        const char *value;
        const opt_t *o = find_flag(arg, &value);
        if (o == NULL)
            return complain(msgs, "unknown option %s (see --help)", arg);
        if (value == NULL && o->type == OPT_BOOL) {
            value = "1";
        } else if (value == NULL) {
            if (i + 1 >= argc)
                return complain(msgs, "%s needs a value", o->flag);
            value = argv[++i];
        }
        if (set_text(cfg, o, o->flag, value, msgs) != 0)
            return -1;
    }
    return 0;
}

int srv_config_parse(srv_config_t *cfg, int argc, char **argv, int first, FILE *msgs)
{
    defaults(cfg);
    const char *path = config_path(argc, argv, first);
    if (path != NULL && (set_str(cfg, &(opt_t){.off = offsetof(srv_config_t, config_file)},
                                 path, msgs) != 0 ||
                         load_file(cfg, path, msgs) != 0))
        return -1;
    for (size_t i = 0; i < NOPTS; i++) {
        const char *v = getenv(opts[i].env);
        if (v != NULL && set_text(cfg, &opts[i], opts[i].env, v, msgs) != 0)
            return -1;
    }
    if (load_flags(cfg, argc, argv, first, msgs) != 0)
        return -1;
    if (cfg->listen == NULL && set_str(cfg, &opts[1], "127.0.0.1", msgs) != 0)
        return -1;
    if (cfg->store == NULL && set_str(cfg, &opts[2], "sqlite:./orders.db", msgs) != 0)
        return -1;
    return 0;
}

int srv_config_load(srv_config_t *cfg, int argc, char **argv, int first)
{
    return srv_config_parse(cfg, argc, argv, first, stderr);
}

int srv_config_load_json(srv_config_t *cfg, const char *text, size_t len, const char *origin,
                         FILE *msgs)
{
    defaults(cfg);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    return load_parsed(cfg, root, &jerr, origin, msgs);
}

void srv_config_clear(srv_config_t *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].type == OPT_STR)
            free(*(char **)field(cfg, &opts[i]));
    free(cfg->config_file);
    memset(cfg, 0, sizeof *cfg);
}
