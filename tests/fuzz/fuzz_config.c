/*
 * fuzz_config - orders-server's configuration loader (server/config.c).
 *
 * The first byte picks what the rest is:
 *   even  the text of a --config file (srv_config_load_json: defaults, then
 *         the file's JSON object);
 *   odd   command-line arguments separated by NUL bytes, after the program
 *         name (srv_config_parse, as main passes argv).  Inputs naming
 *         --config are skipped: they would make the loader open a file the
 *         fuzzer names.
 * The ORDERS_* environment is emptied first, so only the input counts.
 * Messages go to /dev/null (their formatting runs; nothing is printed).
 *
 * Checked: a configuration that loads has every integer option inside its
 * documented range and no empty string option; a refusal or an acceptance,
 * srv_config_clear frees everything (libFuzzer's leak check).
 */
#define _DEFAULT_SOURCE
#include <string.h>

#include "fuzz.h"
#include "server.h"

#define MAX_ARGS 64

extern char **environ;

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* unsetenv shifts environ: start over after each removal */
    for (size_t i = 0; environ[i] != NULL;) {
        char name[256];
        const char *eq = strchr(environ[i], '=');
        size_t n = eq ? (size_t)(eq - environ[i]) : 0;
        if (strncmp(environ[i], "ORDERS_", 7) == 0 && n < sizeof name) {
            memcpy(name, environ[i], n);
            name[n] = '\0';
            unsetenv(name);
            i = 0;
        } else {
            i++;
        }
    }
    devnull = fopen("/dev/null", "w");
    FUZZ_REQUIRE(devnull != NULL, "cannot open /dev/null");
    return 0;
}

static bool nonempty(const char *s)
{
    return s == NULL || s[0] != '\0';
}

/* What a loaded configuration promises. */
static void check_loaded(const srv_config_t *c)
{
    FUZZ_REQUIRE(c->port >= 0 && c->port <= 65535, "port out of range");
    FUZZ_REQUIRE(c->threads >= 2 && c->threads <= 1024, "threads out of range");
    FUZZ_REQUIRE(c->reservation_minutes >= 1 && c->reservation_minutes <= 1440,
                 "reservationMinutes out of range");
    FUZZ_REQUIRE(c->rate_limit_customer >= 0 && c->rate_limit_customer <= 100000000 &&
                     c->rate_limit_admin >= 0 && c->rate_limit_admin <= 100000000,
                 "a rate limit out of range");
    FUZZ_REQUIRE(c->outbox_backoff_ms >= 1 && c->outbox_backoff_ms <= 3600000 &&
                     c->outbox_max_attempts >= 1 && c->outbox_max_attempts <= 1000,
                 "an outbox setting out of range");
    FUZZ_REQUIRE(c->payment_gateway_timeout_ms >= 100 &&
                     c->payment_gateway_timeout_ms <= 120000,
                 "paymentGatewayTimeoutMs out of range");
    const char *strings[] = {c->listen, c->store, c->jwt_secret, c->jwt_public_key,
                             c->service_key, c->events_log, c->log, c->products_url,
                             c->customers_url, c->services_key, c->notifications_url,
                             c->payment_gateway_url, c->payment_gateway_key,
                             c->payment_webhook_secret};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        FUZZ_REQUIRE(nonempty(strings[i]), "an empty string option accepted");
}

static void config_file(const uint8_t *data, size_t size)
{
    srv_config_t cfg;
    if (srv_config_load_json(&cfg, (const char *)data, size, "fuzz.json", devnull) == 0)
        check_loaded(&cfg);
    srv_config_clear(&cfg);
}

/* Arguments split at NUL bytes into argv[1..]; false when there are too
 * many or one names --config. */
static bool split_args(char *text, size_t size, char **argv, int *argc)
{
    *argc = 1;
    argv[0] = "orders-server";
    for (size_t start = 0; start <= size;) {
        if (*argc == MAX_ARGS)
            return false;
        char *arg = text + start;
        if (strncmp(arg, "--config", 8) == 0)
            return false;
        argv[(*argc)++] = arg;
        start += strlen(arg) + 1;
    }
    argv[*argc] = NULL;
    return true;
}

static void command_line(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char *argv[MAX_ARGS + 1];
    int argc;
    if (text == NULL)
        return;
    memcpy(text, data, size);
    text[size] = '\0';
    if (split_args(text, size, argv, &argc)) {
        srv_config_t cfg;
        if (srv_config_parse(&cfg, argc, argv, 1, devnull) == 0) {
            check_loaded(&cfg);
            FUZZ_REQUIRE(cfg.listen != NULL && cfg.store != NULL,
                         "a loaded configuration without listen or store");
        }
        srv_config_clear(&cfg);
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    if (data[0] % 2 == 0)
        config_file(data + 1, size - 1);
    else
        command_line(data + 1, size - 1);
    return 0;
}
