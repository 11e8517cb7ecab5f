/*
 * server/main.c - orders-server: `serve` (the default) and `token`.
 *
 * serve: loads the options, opens the context and its store, registers the
 * notifier (the Notifications service, or JSON lines), starts CivetWeb and
 * the background threads, prints
 * "orders-server listening on HOST:PORT", and waits for SIGTERM or SIGINT.
 * Then new requests get 503 while the ones in flight finish (drain), CivetWeb
 * stops (mg_stop joins its workers), the background threads stop, and the
 * store is closed.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "server.h"

#define WINDOW_MS (15 * 60 * 1000)
#define DRAIN_MS 10000             /* the longest wait for requests in flight */

static void usage(FILE *f)
{
    fputs("usage: orders-server [serve] [--port N] [--listen HOST] [--store URI]\n"
          "                     [--jwt-secret S] [--jwt-public-key PEM] [--service-key K]\n"
          "                     [--rate-limit-customer N] [--rate-limit-admin N]\n"
          "                     [--reservation-minutes N] [--reservation-seconds N]\n"
          "                     [--demo-catalog] [--config FILE]\n"
          "                     [--threads N] [--events-log FILE] [--log FILE]\n"
          "                     [--products-url URL] [--customers-url URL]\n"
          "                     [--services-key K] [--notifications-url URL]\n"
          "                     [--outbox-backoff-ms N] [--outbox-max-attempts N]\n"
          "                     [--payment-gateway-url URL] [--payment-gateway-key K]\n"
          "                     [--payment-gateway-timeout-ms N]\n"
          "                     [--payment-webhook-secret S]\n"
          "       orders-server token --customer ID [--name N] [--email E] [--ttl SECONDS]\n"
          "Every option also reads an ORDERS_* environment variable; see docs/server.md.\n",
          f);
}

/* ---- token ------------------------------------------------------------------------- */

static int cmd_token(int argc, char **argv)
{
    const char *customer = NULL, *name = NULL, *email = NULL;
    long long ttl = 3600;
    char *rest[4];
    int nrest = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = !strcmp(a, "--customer") ? &customer
                           : !strcmp(a, "--name")   ? &name
                           : !strcmp(a, "--email")  ? &email
                                                    : NULL;
        if (dst != NULL && i + 1 < argc) {
            *dst = argv[++i];
        } else if (!strcmp(a, "--ttl") && i + 1 < argc) {
            char *end;
            ttl = strtoll(argv[++i], &end, 10);
            if (*end != '\0' || ttl < 1 || ttl > 366LL * 86400) {
                fprintf(stderr, "orders-server token: --ttl must be 1..31622400 seconds\n");
                return 2;
            }
        } else if ((!strcmp(a, "--jwt-secret") || !strcmp(a, "--config")) && i + 1 < argc &&
                   nrest + 2 <= 4) {
            rest[nrest++] = argv[i];
            rest[nrest++] = argv[++i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (customer == NULL || *customer == '\0' || strlen(customer) > ORDERS_ID_MAX) {
        fprintf(stderr, "orders-server token: --customer ID (1..128 bytes) is required\n");
        return 2;
    }
    char *args[6] = {"orders-server"};
    for (int i = 0; i < nrest; i++)
        args[1 + i] = rest[i];
    srv_config_t cfg;
    if (srv_config_load(&cfg, 1 + nrest, args, 1) != 0) {
        srv_config_clear(&cfg); /* the options read before the refused one */
        return 2;
    }
    int rc = 0;
    if (cfg.jwt_secret == NULL) {
        fprintf(stderr, "orders-server token: set ORDERS_JWT_SECRET or --jwt-secret\n");
        rc = 2;
    } else {
        char *t = srv_auth_mint(cfg.jwt_secret, customer, name, email, srv_now_ms() / 1000,
                                (int64_t)ttl);
        if (t == NULL) {
            fprintf(stderr, "orders-server token: could not sign the token\n");
            rc = 1;
        } else {
            printf("%s\n", t);
            free(t);
        }
    }
    srv_config_clear(&cfg);
    return rc;
}

/* ---- serve ------------------------------------------------------------------------- */

static FILE *open_output(const char *path, FILE *dflt)
{
    if (path == NULL || !strcmp(path, "-"))
        return dflt;
    FILE *f = fopen(path, "a");
    if (f == NULL)
        fprintf(stderr, "orders-server: cannot open %s for appending\n", path);
    return f;
}

static void close_output(FILE *f)
{
    if (f != NULL && f != stdout && f != stderr)
        fclose(f);
}

static int log_civetweb(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    fprintf(stderr, "orders-server: civetweb: %s\n", message);
    return 1;
}

static struct mg_context *start_http(srv_t *s, int *port)
{
    char ports[300], threads[16];
    snprintf(ports, sizeof ports, "%s:%d", s->cfg.listen, s->cfg.port);
    snprintf(threads, sizeof threads, "%d", s->cfg.threads);
    const char *options[] = {
        "listening_ports", ports,
        "num_threads", threads,
        "enable_keep_alive", "yes",
        "tcp_nodelay", "1",
        "keep_alive_timeout_ms", "5000",
        "request_timeout_ms", "30000",
        NULL,
    };
    struct mg_callbacks cb = {.log_message = log_civetweb, .http_error = srv_http_error};
    struct mg_context *mg = mg_start(&cb, s, options);
    if (mg == NULL) {
        fprintf(stderr, "orders-server: cannot listen on %s\n", ports);
        return NULL;
    }
    mg_set_request_handler(mg, "/", srv_dispatch, s);
    struct mg_server_port sp[4];
    int n = mg_get_server_ports(mg, 4, sp);
    *port = n > 0 ? sp[0].port : s->cfg.port;
    return mg;
}

/* mg_stop in a thread of its own; done is set when it returns. */
typedef struct stopper {
    struct mg_context *mg;
    atomic_bool done;
} stopper_t;

static void *run_stop(void *arg)
{
    stopper_t *st = arg;
    mg_stop(st->mg);
    atomic_store(&st->done, true);
    return NULL;
}

/*
 * Stops CivetWeb: no new connections, requests in flight finish, workers
 * joined.  Its listener thread only sees the stop flag between polls (every
 * 2 s), so while mg_stop runs we open and close empty connections to our own
 * port to wake it at once.
 */
static void stop_http(struct mg_context *mg, const char *host, int port)
{
    stopper_t st = {.mg = mg};
    atomic_init(&st.done, false);
    pthread_t t;
    if (pthread_create(&t, NULL, run_stop, &st) != 0) {
        mg_stop(mg);
        return;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    for (int i = 0; i < 100 && !atomic_load(&st.done); i++) {   /* 5 s at most */
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0) {
            (void)connect(fd, (struct sockaddr *)&sa, sizeof sa);
            close(fd);
        }
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    pthread_join(t, NULL);
}

/*
 * Lets the requests in flight finish before CivetWeb's stop flag goes up
 * (from then on CivetWeb neither reads the rest of a body nor writes an
 * answer, so a handler that already took effect would lose its answer).
 * Requests arriving meanwhile get 503 with Connection: close.  Waits
 * DRAIN_MS at most.
 */
static void drain(srv_t *s)
{
    atomic_store(&s->draining, true);
    for (int waited = 0; waited < DRAIN_MS && atomic_load(&s->in_flight) > 0; waited += 5) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
}

static int setup(srv_t *s)
{
    s->started_ms = srv_now_ms();
    s->log = open_output(s->cfg.log, stdout);
    s->events = open_output(s->cfg.events_log, stderr);
    s->deps = srv_deps_new();
    if (s->log == NULL || s->events == NULL || s->deps == NULL || srv_open_context(s) != 0)
        return -1;
    s->auth = srv_auth_new(&s->cfg);
    s->router = srv_router_new();
    s->metrics = s->router ? srv_metrics_new(s->router) : NULL;
    s->limit_customer = srv_limiter_new(s->cfg.rate_limit_customer, WINDOW_MS);
    s->limit_admin = srv_limiter_new(s->cfg.rate_limit_admin, WINDOW_MS);
    s->orders_cache = srv_order_cache_new();
    if (s->auth == NULL || s->router == NULL || s->metrics == NULL || s->orders_cache == NULL ||
        (s->cfg.rate_limit_customer > 0 && s->limit_customer == NULL) ||
        (s->cfg.rate_limit_admin > 0 && s->limit_admin == NULL))
        return -1;
    if (s->cfg.jwt_secret == NULL && s->cfg.jwt_public_key == NULL)
        fprintf(stderr, "orders-server: no --jwt-secret or --jwt-public-key: "
                        "customer routes will answer 401\n");
    if (s->cfg.service_key == NULL)
        fprintf(stderr, "orders-server: no --service-key: admin and inventory routes "
                        "will answer 401\n");
    return 0;
}

static void teardown(srv_t *s)
{
    srv_workers_stop(s->workers);
    orders_ctx_destroy(s->ctx);
    srv_deps_free(s->deps);
    srv_limiter_free(s->limit_customer);
    srv_limiter_free(s->limit_admin);
    srv_order_cache_free(s->orders_cache);
    srv_metrics_free(s->metrics);
    srv_router_free(s->router);
    srv_auth_free(s->auth);
    close_output(s->log);
    close_output(s->events);
    srv_config_clear(&s->cfg);
}

static int cmd_serve(int argc, char **argv, int first)
{
    srv_t s = {0};
    /* Block the stop signals in every thread; main waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (srv_config_load(&s.cfg, argc, argv, first) != 0) {
        srv_config_clear(&s.cfg);
        return 2;
    }
    int rc = 1, port = 0;
    struct mg_context *mg = NULL;
    mg_init_library(0);
    if (setup(&s) == 0 && (s.workers = srv_workers_start(&s)) != NULL &&
        (mg = start_http(&s, &port)) != NULL) {
        printf("orders-server listening on %s:%d\n", s.cfg.listen, port);
        fflush(stdout);
        int sig = 0;
        sigwait(&stop, &sig);
        fprintf(stderr, "orders-server: signal %d: draining requests and stopping\n", sig);
        drain(&s);
        stop_http(mg, s.cfg.listen, port);
        rc = 0;
    }
    teardown(&s);
    mg_exit_library();
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "token"))
        return cmd_token(argc, argv);
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "--version")) {
        printf("orders-server %s\n", orders_version_string());
        return 0;
    }
    int first = argc > 1 && !strcmp(argv[1], "serve") ? 2 : 1;
    return cmd_serve(argc, argv, first);
}
