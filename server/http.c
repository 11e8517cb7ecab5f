/*
 * server/http.c - one request from CivetWeb to a handler and back:
 * route, credentials, rate limit, body, handler, one write, one log line,
 * one metrics observation.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <civetweb.h>

#include "json/json.h"
#include "server.h"

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return status < 500 ? "Error" : "Internal Server Error";
    }
}

/* CivetWeb's own error answers (a request it will not hand to a handler:
 * an unknown method, a malformed request line or header) in the contract's
 * envelope instead of CivetWeb's plain-text page.  CivetWeb's text (errmsg)
 * stays out of the answer; the connection is closed after it. */
int srv_http_error(struct mg_connection *conn, int status, const char *errmsg)
{
    (void)errmsg;
    char body[96], out[512];
    int blen = snprintf(body, sizeof body, "{\"success\":false,\"message\":\"%s\"}",
                        reason(status));
    int n = snprintf(out, sizeof out,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %d\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n%s",
                     status, reason(status), blen, body);
    if (blen < 0 || n < 0 || (size_t)n >= sizeof out)
        return 1; /* CivetWeb's own page, then */
    mg_write(conn, out, (size_t)n);
    return 0;
}

/* Headers and body in one buffer, one mg_write (no Nagle stalls, one
 * syscall).  A body dumped into r->space gets its headers written in the
 * room left in front of it. */
static void send_answer(srv_req_t *r)
{
    char head[SRV_HEAD_ROOM];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\n%s\r\n",
                     r->status, reason(r->status), r->content_type, r->out_len,
                     r->extra_headers);
    if (n < 0 || (size_t)n >= sizeof head)
        return;
    if (strcmp(r->ri->request_method, "HEAD") == 0) {
        mg_write(r->conn, head, (size_t)n);      /* the headers of the GET, no body */
        return;
    }
    if (r->out_in_space) {
        char *start = r->out - n;
        memcpy(start, head, (size_t)n);
        mg_write(r->conn, start, (size_t)n + r->out_len);
        return;
    }
    char *buf = malloc((size_t)n + r->out_len);
    if (buf == NULL) {
        mg_write(r->conn, head, (size_t)n);
        mg_write(r->conn, r->out, r->out_len);
        return;
    }
    memcpy(buf, head, (size_t)n);
    memcpy(buf + n, r->out, r->out_len);
    mg_write(r->conn, buf, (size_t)n + r->out_len);
    free(buf);
}

/* One JSON line; started_ms is when the request arrived, so lines of a
 * slow request and later fast ones keep their arrival order in time. */
static void log_request(srv_req_t *r, int64_t started_ms, int64_t micros)
{
    FILE *f = r->srv->log;
    if (f == NULL)
        return;
    char ts[32];
    orders__iso8601(started_ms, ts, sizeof ts);
    json_t *line = json_pack("{s:s, s:s, s:s, s:i, s:f}", "ts", ts, "method",
                             r->ri->request_method, "route",
                             r->route ? r->route->pattern : "(none)", "status", r->status,
                             "ms", (double)micros / 1000.0);
    if (line == NULL)
        return;
    json_object_set_new(line, "path", json_string(r->ri->local_uri ? r->ri->local_uri : ""));
    if (r->who.id != NULL)
        json_object_set_new(line, "customer", json_string(r->who.id));
    if (r->detail[0] != '\0')
        json_object_set_new(line, "error", json_string(r->detail));
    /* on the stack when it fits; a long path or error text takes the heap */
    char stack[2048];
    size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(6);
    size_t n = json_dumpb(line, stack, sizeof stack, flags);
    char *text = n > 0 && n <= sizeof stack ? stack : json_dumps(line, flags);
    json_decref(line);
    if (text == NULL)
        return;
    if (text != stack)
        n = strlen(text);
    flockfile(f);
    fwrite(text, 1, n, f);
    fputc('\n', f);
    fflush(f);
    funlockfile(f);
    if (text != stack)
        free(text);
}

/* Credentials for the route's access level; false after answering 401. */
static bool authenticate(srv_req_t *r, srv_claims_t *claims, char *actor, size_t actor_len)
{
    srv_t *s = r->srv;
    switch (r->route->access) {
    case SRV_OPEN:
    case SRV_SIGNED: /* the handler verifies the signature over the raw body */
        return true;
    case SRV_CUSTOMER: {
        const char *why = "Authentication required";
        const char *h = mg_get_header(r->conn, "Authorization");
        if (h == NULL || !srv_auth_customer(s->auth, h, srv_now_ms() / 1000, claims, &why)) {
            srv_fail(r, 401, why);
            return false;
        }
        r->who.id = claims->id;
        r->who.name = claims->name;
        r->who.email = claims->email;
        snprintf(actor, actor_len, "customer:%s", claims->id);
        r->actor = actor;
        return true;
    }
    case SRV_ADMIN:
    case SRV_SERVICE:
        if (!srv_auth_service(s->auth, mg_get_header(r->conn, "X-Service-Key"))) {
            srv_fail(r, 401, "Invalid or missing service key");
            return false;
        }
        r->actor = r->route->access == SRV_ADMIN ? "admin" : "service";
        return true;
    }
    return false;
}

/* The route's rate limit; false after answering 429. */
static bool within_limit(srv_req_t *r)
{
    srv_limiter_t *l = NULL;
    const char *key = NULL;
    if (r->route->access == SRV_CUSTOMER) {
        l = r->srv->limit_customer;
        key = r->who.id;
    } else if (r->route->access == SRV_ADMIN || r->route->access == SRV_SIGNED) {
        l = r->srv->limit_admin;
        key = r->ri->remote_addr;
    }
    int64_t retry = 0;
    if (l == NULL || srv_limiter_take(l, key, srv_now_ms(), &retry))
        return true;
    snprintf(r->extra_headers, sizeof r->extra_headers, "Retry-After: %lld\r\n",
             (long long)retry);
    srv_fail(r, 429, "Too many requests, please try again later");
    return false;
}

static bool is_json_type(const char *ct)
{
    if (ct == NULL)
        return false;
    while (*ct == ' ')
        ct++;
    size_t n = strlen("application/json");
    return strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

json_t *srv_body_parse(const char *buf, size_t len, char *why, size_t why_len)
{
    why[0] = '\0';
    if (len == 0)
        return json_object();
    json_error_t jerr;
    json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (v == NULL) {
        /* jansson names its own flag for a NUL escape: say what is wrong instead */
        const char *what = strstr(jerr.text, "JSON_ALLOW_NUL") != NULL
                               ? "\\u0000 is not allowed in strings"
                               : jerr.text;
        snprintf(why, why_len, "Malformed JSON: %s at line %d, column %d", what, jerr.line,
                 jerr.column);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        snprintf(why, why_len, "The request body must be a JSON object");
        return NULL;
    }
    return v;
}

/* Reads and parses the JSON body; false after answering 413, 415 or 400.
 * No body at all reads as {}.  The bytes of a parsed body stay in r->raw
 * (for signatures) until handle() frees them after the handler. */
static bool read_body(srv_req_t *r, json_t **out)
{
    long long declared = r->ri->content_length;
    const char *ct = mg_get_header(r->conn, "Content-Type");
    if (declared > SRV_BODY_MAX) {
        snprintf(r->extra_headers, sizeof r->extra_headers, "Connection: close\r\n");
        srv_fail(r, 413, "Request body too large (limit 64 KiB)");
        return false;
    }
    if (declared == 0 || (declared < 0 && ct == NULL)) {
        *out = json_object();
        return *out != NULL;
    }
    if (!is_json_type(ct)) {
        srv_fail(r, 415, "Content-Type must be application/json");
        return false;
    }
    /* a declared length is read into a buffer of its size (one byte more
     * shows a body longer than declared); a chunked one, into the limit's */
    size_t cap = declared > 0 ? (size_t)declared + 1 : SRV_BODY_MAX + 1;
    char *buf = malloc(cap);
    if (buf == NULL) {
        srv_fail(r, 500, "Internal server error");
        return false;
    }
    size_t got = 0;
    int n = 0;
    while (got < cap && (n = mg_read(r->conn, buf + got, cap - got)) > 0)
        got += (size_t)n;
    if (got > SRV_BODY_MAX) {
        free(buf);
        snprintf(r->extra_headers, sizeof r->extra_headers, "Connection: close\r\n");
        srv_fail(r, 413, "Request body too large (limit 64 KiB)");
        return false;
    }
    /* A body cut short (the client went away, a timeout) is not a shorter
     * body: Content-Length 40 and nothing read must not run as {}. */
    if (n < 0 || (declared > 0 && (long long)got != declared)) {
        free(buf);
        snprintf(r->extra_headers, sizeof r->extra_headers, "Connection: close\r\n");
        srv_fail(r, 400, "Incomplete request body");
        return false;
    }
    char why[200];
    *out = srv_body_parse(buf, got, why, sizeof why);
    if (*out != NULL && got > 0) { /* kept for the handler: signed bodies */
        r->raw = buf;
        r->raw_len = got;
    } else {
        free(buf);
    }
    if (*out == NULL) {
        srv_fail(r, why[0] != '\0' ? 400 : 500, why[0] != '\0' ? why : "Internal server error");
        return false;
    }
    return true;
}

/* Route, credentials, limit, body and handler; the answer is left in r. */
static size_t handle(srv_req_t *r, srv_claims_t *claims, char *actor, size_t actor_len)
{
    srv_t *s = r->srv;
    const char *path = r->ri->local_uri ? r->ri->local_uri : "/";
    size_t plen = strlen(path);
    size_t index = srv_router_count(s->router);
    if (plen > 2048) {
        srv_fail(r, 404, "Route not found");
        return index;
    }
    char *buf = malloc(plen + 1);
    if (buf == NULL) {
        srv_fail(r, 500, "Internal server error");
        return index;
    }
    char allow[64];
    const char *method = r->ri->request_method;
    if (strcmp(method, "HEAD") == 0)
        method = "GET";                          /* answered as GET, without the body */
    srv_match_t m = srv_router_match(s->router, method, path, buf, &index,
                                     r->params, &r->nparams, allow, sizeof allow);
    if (m != SRV_MATCHED) {
        index = srv_router_count(s->router);
        if (m == SRV_NO_METHOD) {
            snprintf(r->extra_headers, sizeof r->extra_headers, "Allow: %s\r\n", allow);
            srv_fail(r, 405, "Method not allowed");
        } else {
            srv_fail(r, 404, "Route not found");
        }
        free(buf);
        return index;
    }
    r->route = srv_router_at(s->router, index);
    json_t *body = NULL;
    if (authenticate(r, claims, actor, actor_len) && within_limit(r) &&
        (!r->route->body || read_body(r, &body))) {
        r->body = body;
        r->route->handler(r);
        if (r->out == NULL)
            srv_fail(r, 500, "Internal server error");
    }
    json_decref(body);
    r->body = NULL;
    free(r->raw);
    r->raw = NULL;
    r->raw_len = 0;
    free(buf);
    return index;
}

int srv_dispatch(struct mg_connection *conn, void *cbdata)
{
    srv_t *s = cbdata;
    int64_t t0 = srv_mono_us();
    int64_t started_ms = srv_now_ms();
    srv_req_t r = {
        .srv = s,
        .ctx = s->ctx,
        .conn = conn,
        .ri = mg_get_request_info(conn),
        .content_type = "application/json",
    };
    srv_claims_t claims = {0};
    char actor[ORDERS_ID_MAX + 16];
    char space[32768];                 /* headers + a JSON body up to 32 KiB - 512 */
    r.space = space;
    r.space_len = sizeof space;
    /* in_flight goes up before draining is read, and main sets draining
     * before it reads in_flight: a request is either waited for or refused. */
    atomic_fetch_add(&s->in_flight, 1);
    size_t index = srv_router_count(s->router);
    if (atomic_load(&s->draining))
        srv_fail(&r, 503, "Server is shutting down");
    else
        index = handle(&r, &claims, actor, sizeof actor);
    if (atomic_load(&s->draining)) {
        size_t used = strlen(r.extra_headers);
        snprintf(r.extra_headers + used, sizeof r.extra_headers - used, "Connection: close\r\n");
    }
    /* Observed before the answer leaves, so a client that has its answer
     * also finds it counted in /metrics. */
    int64_t micros = srv_mono_us() - t0;
    srv_metrics_observe(s->metrics, index, r.status, micros);
    send_answer(&r);
    atomic_fetch_sub(&s->in_flight, 1);
    log_request(&r, started_ms, micros);
    srv_claims_clear(&claims);
    srv_drop_out(&r);
    return r.status;
}
