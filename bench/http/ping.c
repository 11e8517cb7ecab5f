/*
 * ping.c - orders-ping, the CivetWeb ceiling for the HTTP benchmark.
 *
 * A CivetWeb server with the options orders-server uses (tcp_nodelay=1,
 * keep-alive on, the same worker thread count) that answers GET /ping
 * with a small constant JSON body, headers and body written with one
 * mg_write.  Whatever orders-server does per request on top of this is
 * what bench/http/run.sh measures against it.
 *
 * Usage: orders-ping [--port N] [--listen ADDR] [--threads N]
 *   --port 0 (the default) picks a free port.  When ready it prints one
 *   line `ping listening on ADDR:PORT` (flushed).  SIGTERM or SIGINT stops
 *   the server and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#define PING_BODY "{\"success\":true,\"message\":\"pong\"}"

typedef struct ping_options {
    const char *listen;
    long port;
    long threads;
} ping_options_t;

/* GET /ping: one write of headers and body; 405 for other methods. */
static int handle_ping(struct mg_connection *conn, void *cbdata)
{
    (void)cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    if (strcmp(ri->request_method, "GET") != 0) {
        mg_send_http_error(conn, 405, "Method not allowed");
        return 405;
    }
    char buf[256];
    int n = snprintf(buf, sizeof buf,
                     "HTTP/1.1 200 OK\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: %zu\r\n"
                     "\r\n"
                     "%s",
                     sizeof PING_BODY - 1, PING_BODY);
    if (n > 0 && (size_t)n < sizeof buf)
        mg_write(conn, buf, (size_t)n);
    return 200;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, ping_options_t *o)
{
    for (int i = 1; i < argc; i++) {
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--port") == 0 && val) {
            if (parse_long(val, 0, 65535, &o->port))
                return -1;
        } else if (strcmp(argv[i], "--threads") == 0 && val) {
            if (parse_long(val, 1, 1024, &o->threads))
                return -1;
        } else if (strcmp(argv[i], "--listen") == 0 && val) {
            o->listen = val;
        } else {
            return -1;
        }
        i++;
    }
    return 0;
}

/* Starts CivetWeb on o; NULL (with a message) when it cannot listen. */
static struct mg_context *start_server(const ping_options_t *o)
{
    char ports[128], threads[16];
    snprintf(ports, sizeof ports, "%s:%ld", o->listen, o->port);
    snprintf(threads, sizeof threads, "%ld", o->threads);
    const char *options[] = {
        "listening_ports", ports,
        "num_threads", threads,
        "tcp_nodelay", "1",
        "enable_keep_alive", "yes",
        "keep_alive_timeout_ms", "30000",
        "request_timeout_ms", "30000",
        NULL,
    };
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    struct mg_context *ctx = mg_start(&callbacks, NULL, options);
    if (ctx == NULL) {
        fprintf(stderr, "orders-ping: cannot listen on %s\n", ports);
        return NULL;
    }
    mg_set_request_handler(ctx, "/ping$", handle_ping, NULL);
    return ctx;
}

static int print_listening(struct mg_context *ctx, const char *listen)
{
    struct mg_server_port port;
    memset(&port, 0, sizeof port);
    if (mg_get_server_ports(ctx, 1, &port) < 1) {
        fprintf(stderr, "orders-ping: no listening port\n");
        return -1;
    }
    printf("ping listening on %s:%d\n", listen, port.port);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    ping_options_t o = {.listen = "127.0.0.1", .port = 0, .threads = 64};
    if (parse_args(argc, argv, &o)) {
        fprintf(stderr, "usage: orders-ping [--port N] [--listen ADDR] [--threads N]\n");
        return 2;
    }
    /* blocked before CivetWeb starts its threads, so only sigwait sees them */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    mg_init_library(0);
    struct mg_context *ctx = start_server(&o);
    if (ctx == NULL) {
        mg_exit_library();
        return 1;
    }
    int rc = 0;
    if (print_listening(ctx, o.listen) == 0) {
        int sig = 0;
        sigwait(&stop, &sig);
    } else {
        rc = 1;
    }
    mg_stop(ctx);
    mg_exit_library();
    return rc;
}
