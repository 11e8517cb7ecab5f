/*
 * lg_conn.c - orders-loadgen's sockets and HTTP/1.1 framing (loadgen.h).
 *
 * Responses are framed by Content-Length (orders-server and orders-ping
 * always send it), or by the close of the connection when they say
 * `Connection: close` without a length (CivetWeb's own error pages); a
 * chunked or otherwise unframed response is an error and closes the
 * connection.  A connection belongs to one thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

#define LG_MAX_RESPONSE (4 << 20)

int64_t lg_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int lg_conn_open(lg_conn_t *c, const lg_config_t *cfg)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->host, &sa.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* blocking connect: on the loopback it is done at once */
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        close(fd);
        return -1;
    }
    c->fd = fd;
    c->rlen = 0;
    return 0;
}

void lg_conn_close(lg_conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->rlen = 0;
}

int lg_conn_flush(lg_conn_t *c)
{
    while (c->woff < c->wlen) {
        ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n > 0) {
            c->woff += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else {
            return -1;
        }
    }
    return 1;
}

static const char *find_head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 3 < len; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
            return buf + i;
    return NULL;
}

/* Does the header line [line, end) name `name` (with its colon)?  Then
 * *value points past the colon and blanks. */
static int header_is(const char *line, const char *end, const char *name, const char **value)
{
    size_t n = strlen(name);
    if ((size_t)(end - line) < n || strncasecmp(line, name, n) != 0)
        return 0;
    const char *v = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    *value = v;
    return 1;
}

/* Parses the status line and headers of [buf, head_end); -1 when the
 * response cannot be framed. */
static int parse_head(const char *buf, const char *head_end, lg_response_t *r)
{
    if (head_end - buf < 12 || strncmp(buf, "HTTP/1.", 7) != 0)
        return -1;
    r->status = (int)strtol(buf + 9, NULL, 10);
    if (r->status < 100 || r->status >= LG_MAX_STATUS)
        return -1;
    int have_length = 0;
    const char *line = memchr(buf, '\n', (size_t)(head_end - buf));
    while (line && line < head_end) {
        line++;
        const char *end = memchr(line, '\r', (size_t)(head_end + 2 - line));
        if (end == NULL)
            break;
        const char *v = NULL;
        if (header_is(line, end, "content-length:", &v)) {
            char *stop = NULL;
            unsigned long long len = strtoull(v, &stop, 10);
            if (stop == v || len > LG_MAX_RESPONSE)
                return -1;
            r->body_len = (size_t)len;
            have_length = 1;
        } else if (header_is(line, end, "connection:", &v)) {
            r->close = (size_t)(end - v) >= 5 && strncasecmp(v, "close", 5) == 0;
        } else if (header_is(line, end, "transfer-encoding:", &v)) {
            return -1;
        }
        line = memchr(line, '\n', (size_t)(head_end + 2 - line));
    }
    if (!have_length && r->status != 204 && r->status != 304) {
        if (!r->close)
            return -1;
        r->to_eof = 1; /* CivetWeb's own error pages: the body ends at close */
    }
    return 0;
}

/* Is a whole response at the front of rbuf (eof: the peer has closed)?
 * 1 yes, 0 not yet, -1 bad. */
static int response_ready(const lg_conn_t *c, lg_response_t *r, int eof)
{
    const char *end = find_head_end(c->rbuf, c->rlen);
    if (end == NULL)
        return c->rlen > 65536 ? -1 : 0;
    memset(r, 0, sizeof *r);
    if (parse_head(c->rbuf, end, r))
        return -1;
    r->head_len = (size_t)(end - c->rbuf) + 4;
    if (r->to_eof) {
        if (!eof)
            return 0;
        r->body_len = c->rlen - r->head_len;
    }
    return c->rlen >= r->head_len + r->body_len ? 1 : 0;
}

static int grow_read_buffer(lg_conn_t *c)
{
    if (c->rcap - c->rlen >= 16384)
        return 0;
    size_t cap = c->rcap ? c->rcap * 2 : 32768;
    if (cap > 2 * (size_t)LG_MAX_RESPONSE)
        return -1;
    char *p = realloc(c->rbuf, cap);
    if (p == NULL)
        return -1;
    c->rbuf = p;
    c->rcap = cap;
    return 0;
}

int lg_conn_read(lg_conn_t *c, lg_response_t *r)
{
    for (;;) {
        if (grow_read_buffer(c))
            return -1;
        ssize_t n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
        if (n > 0) {
            c->rlen += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return response_ready(c, r, 0);
        /* closed or failed: a response already whole still counts */
        return response_ready(c, r, n == 0) == 1 ? 1 : -1;
    }
}

void lg_conn_consume(lg_conn_t *c, const lg_response_t *r)
{
    size_t used = r->head_len + r->body_len;
    memmove(c->rbuf, c->rbuf + used, c->rlen - used);
    c->rlen -= used;
}

int lg_conn_set_request(lg_conn_t *c, const char *method, const char *path,
                        const lg_config_t *cfg, const char *extra_headers, const char *body)
{
    char auth[4200] = ""; /* tokens are at most 4095 bytes (lg_tokens.c) */
    char length[128] = "";
    if (c->token &&
        (size_t)snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", c->token) >= sizeof auth)
        return -1;
    if (body)
        snprintf(length, sizeof length, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
                 strlen(body));
    for (;;) {
        int n = snprintf(c->wbuf, c->wcap, "%s %s HTTP/1.1\r\nHost: %s:%d\r\n%s%s%s\r\n%s", method,
                         path, cfg->host, cfg->port, auth, length, extra_headers ? extra_headers : "",
                         body ? body : "");
        if (n < 0)
            return -1;
        if ((size_t)n < c->wcap) {
            c->wlen = (size_t)n;
            c->woff = 0;
            return 0;
        }
        char *p = realloc(c->wbuf, (size_t)n + 1);
        if (p == NULL)
            return -1;
        c->wbuf = p;
        c->wcap = (size_t)n + 1;
    }
}
