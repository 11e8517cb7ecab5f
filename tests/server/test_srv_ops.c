/*
 * tests/server/test_srv_ops.c - GET /health, GET /metrics and
 * GET /openapi.json over HTTP.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <orders/orders.h>

#include "harness.h"

#ifndef ORDERS_SOURCE_DIR
#error "ORDERS_SOURCE_DIR must name the source tree"
#endif

static srvh_t srv;
static char *tok;

static void up(void)
{
    srvh_start(&srv, NULL, NULL);
    tok = srvh_token("ops-buyer");
}

static void down(void)
{
    free(tok);
    cr_expect_eq(srvh_stop(&srv, false), 0, "orders-server must exit cleanly");
}

TestSuite(srv_ops, .init = up, .fini = down);

/* ---- helpers -------------------------------------------------------------------------- */

/* GET /metrics; the body (free()), after checking status and type. */
static char *scrape(void)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_call(&srv, "GET", "/metrics", NULL, NULL, &r), 200, "%s", r.body);
    char ct[128];
    cr_assert(srvh_header(&r, "Content-Type", ct, sizeof ct));
    cr_expect(strncmp(ct, "text/plain; version=0.0.4", 25) == 0, "Content-Type %s", ct);
    char *text = strdup(r.body);
    srvh_resp_clear(&r);
    return text;
}

/* The value of the sample whose name and labels are exactly series, or -1
 * when there is none. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p != NULL && *p != '\0';) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        const char *eol = strchr(p, '\n');
        p = eol ? eol + 1 : NULL;
    }
    return -1;
}

static void get_cart(const char *token, long want)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_customer(&srv, token, "GET", "/api/v1/cart", NULL, &r), want, "%s",
                 r.body);
    srvh_resp_clear(&r);
}

static const char *const bounds[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
                                     "0.05",   "0.1",   "0.25",   "0.5",   "1",    "2.5",
                                     "+Inf"};

/* The histogram of labels: buckets present and non-decreasing, +Inf and
 * _count equal to want. */
static void expect_histogram(const char *text, const char *labels, double want)
{
    char series[400];
    double prev = 0;
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        snprintf(series, sizeof series,
                 "orders_http_request_duration_seconds_bucket{%s,le=\"%s\"}", labels, bounds[i]);
        double v = sample(text, series);
        cr_expect_geq(v, prev, "%s is %g after %g", series, v, prev);
        prev = v;
    }
    cr_expect_eq(prev, want, "+Inf bucket of {%s}", labels);
    snprintf(series, sizeof series, "orders_http_request_duration_seconds_count{%s}", labels);
    cr_expect_eq(sample(text, series), want, "%s", series);
    snprintf(series, sizeof series, "orders_http_request_duration_seconds_sum{%s}", labels);
    cr_expect_geq(sample(text, series), 0, "%s", series);
}

/* ---- /health ------------------------------------------------------------------------------ */

Test(srv_ops, health_reports_store_outbox_and_version)
{
    srvh_resp_t r;
    cr_assert_eq(srvh_call(&srv, "GET", "/health", NULL, NULL, &r), 200, "%s", r.body);
    cr_expect(json_is_true(json_object_get(r.json, "success")));
    json_t *d = srvh_data(&r);
    cr_expect_str_eq(json_string_value(json_object_get(d, "status")), "ok");
    cr_expect_str_eq(json_string_value(json_object_get(d, "version")), orders_version_string());
    json_t *uptime = json_object_get(d, "uptimeSeconds");
    cr_expect(json_is_integer(uptime) && json_integer_value(uptime) >= 0, "%s", r.body);
    json_t *store = json_object_get(d, "store");
    cr_expect_str_eq(json_string_value(json_object_get(store, "name")), "sqlite");
    cr_expect_str_eq(json_string_value(json_object_get(store, "status")), "up");
    json_t *lat = json_object_get(store, "latencyMs");
    cr_expect(json_is_number(lat) && json_number_value(lat) >= 0, "%s", r.body);
    json_t *outbox = json_object_get(d, "outbox");
    cr_expect(json_is_integer(json_object_get(outbox, "pending")), "%s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(outbox, "dead")), 0, "%s", r.body);
    char ct[128];
    cr_expect(srvh_header(&r, "Content-Type", ct, sizeof ct) &&
              strncmp(ct, "application/json", 16) == 0);
    srvh_resp_clear(&r);
}

Test(srv_ops, ops_routes_refuse_other_methods_with_allow)
{
    static const char *const paths[] = {"/health", "/metrics", "/openapi.json"};
    for (size_t i = 0; i < 3; i++) {
        srvh_resp_t r;
        cr_expect_eq(srvh_call(&srv, "POST", paths[i], NULL, "{}", &r), 405, "%s", paths[i]);
        char allow[64] = "";
        cr_expect(srvh_header(&r, "Allow", allow, sizeof allow), "%s", paths[i]);
        cr_expect_str_eq(allow, "GET");
        srvh_resp_clear(&r);
    }
}

/* ---- /metrics ----------------------------------------------------------------------------- */

Test(srv_ops, metrics_count_requests_per_route_and_status)
{
    for (int i = 0; i < 3; i++)
        get_cart(tok, 200);
    get_cart(NULL, 401);
    char *text = scrape();
    const char *ok = "route=\"/api/v1/cart\",method=\"GET\",status=\"200\"";
    const char *denied = "route=\"/api/v1/cart\",method=\"GET\",status=\"401\"";
    char series[300];
    snprintf(series, sizeof series, "orders_http_requests_total{%s}", ok);
    cr_expect_eq(sample(text, series), 3, "%s in:\n%s", series, text);
    snprintf(series, sizeof series, "orders_http_requests_total{%s}", denied);
    cr_expect_eq(sample(text, series), 1, "%s", series);
    expect_histogram(text, ok, 3);
    expect_histogram(text, denied, 1);
    free(text);
}

Test(srv_ops, unmatched_requests_count_under_route_none)
{
    srvh_resp_t r;
    srvh_call(&srv, "GET", "/no/such/route/4711", NULL, NULL, &r);
    srvh_resp_clear(&r);
    srvh_call(&srv, "GET", "/no/such/route/4712", NULL, NULL, &r);
    srvh_resp_clear(&r);
    char *text = scrape();
    cr_expect_eq(sample(text, "orders_http_requests_total{route=\"(none)\",method=\"(none)\","
                              "status=\"404\"}"),
                 2, "%s", text);
    cr_expect(strstr(text, "4711") == NULL, "request paths are not labels");
    free(text);
}

Test(srv_ops, parameter_routes_are_labelled_by_pattern)
{
    srvh_resp_t r;
    srvh_call(&srv, "GET", "/api/v1/inventory/stock/prod-mug", NULL, NULL, &r);
    srvh_resp_clear(&r);
    srvh_call(&srv, "GET", "/api/v1/inventory/stock/prod-pen", NULL, NULL, &r);
    srvh_resp_clear(&r);
    char *text = scrape();
    cr_expect_eq(sample(text, "orders_http_requests_total{route=\"/api/v1/inventory/stock/"
                              ":productId\",method=\"GET\",status=\"401\"}"),
                 2, "%s", text);
    cr_expect(strstr(text, "prod-mug") == NULL, "ids are not labels");
    free(text);
}

/* Checks one sample line: name, optional {labels} with quoted, escaped
 * values, one space, a number. */
static void expect_sample_line(const char *line, size_t len)
{
    char buf[1024];
    cr_assert_lt(len, sizeof buf);
    memcpy(buf, line, len);
    buf[len] = '\0';
    const char *p = buf;
    cr_assert(isalpha((unsigned char)*p) || *p == '_', "name: %s", buf);
    while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
        p++;
    if (*p == '{') {
        p++;
        while (*p != '}') {
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            cr_assert(p[0] == '=' && p[1] == '"', "label in: %s", buf);
            for (p += 2; *p != '"'; p++) {
                cr_assert(*p != '\0' && *p != '\n', "unterminated value in: %s", buf);
                if (*p == '\\') {
                    p++;
                    cr_assert(*p == '\\' || *p == '"' || *p == 'n', "escape in: %s", buf);
                }
            }
            p++;
            if (*p == ',')
                p++;
            else
                cr_assert_eq(*p, '}', "labels of: %s", buf);
        }
        p++;
    }
    cr_assert_eq(*p, ' ', "space before the value: %s", buf);
    char *end;
    strtod(p + 1, &end);
    cr_expect(end != p + 1 && *end == '\0', "value of: %s", buf);
}

/* Every sample belongs to a family declared with # TYPE before it. */
static void expect_declared(const char *text, const char *line, size_t len)
{
    char name[200];
    size_t n = 0;
    while (n < len && n + 1 < sizeof name && line[n] != '{' && line[n] != ' ') {
        name[n] = line[n];
        n++;
    }
    name[n] = '\0';
    static const char *const suffix[] = {"_bucket", "_sum", "_count"};
    char type[260];
    snprintf(type, sizeof type, "# TYPE %s ", name);
    const char *decl = strstr(text, type);
    for (size_t i = 0; decl == NULL && i < 3; i++) {
        size_t sl = strlen(suffix[i]);
        if (n > sl && strcmp(name + n - sl, suffix[i]) == 0) {
            snprintf(type, sizeof type, "# TYPE %.*s histogram", (int)(n - sl), name);
            decl = strstr(text, type);
        }
    }
    cr_expect(decl != NULL && decl < line, "no # TYPE before %s", name);
}

Test(srv_ops, metrics_text_follows_the_exposition_format)
{
    get_cart(tok, 200);
    char *text = scrape();
    size_t len = strlen(text);
    cr_assert_gt(len, 0);
    cr_expect_eq(text[len - 1], '\n', "the text ends with a newline");
    size_t samples = 0;
    for (const char *p = text; *p != '\0';) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (strncmp(p, "# ", 2) == 0) {
            cr_expect(strncmp(p, "# HELP ", 7) == 0 || strncmp(p, "# TYPE ", 7) == 0,
                      "comment: %.*s", (int)n, p);
        } else {
            expect_sample_line(p, n);
            expect_declared(text, p, n);
            samples++;
        }
        p += n + (eol ? 1 : 0);
    }
    cr_expect_geq(samples, 20u);
    free(text);
}

Test(srv_ops, gauges_show_reservations_and_outbox)
{
    char *text = scrape();
    cr_expect_eq(sample(text, "orders_reservations_active"), 0, "%s", text);
    cr_expect_eq(sample(text, "orders_reservations_expired_total"), 0);
    cr_expect_eq(sample(text, "orders_reservation_conflicts_total"), 0);
    cr_expect_geq(sample(text, "orders_outbox_pending"), 0, "present");
    cr_expect_eq(sample(text, "orders_outbox_dead"), 0);
    cr_expect_geq(sample(text, "orders_uptime_seconds"), 0, "present");
    cr_expect(strstr(text, "# TYPE orders_reservations_expired_total counter\n") != NULL);
    cr_expect(strstr(text, "# TYPE orders_outbox_pending gauge\n") != NULL);
    free(text);

    /* a placement reserves and, paid at once, converts the reservation */
    char *id = srvh_place(&srv, tok, "prod-mug", 2, "cod");
    text = scrape();
    cr_expect_eq(sample(text, "orders_reservations_active"), 0, "%s", text);
    free(text);
    free(id);

    /* a reservation of the inventory routes is held until confirmed */
    srvh_resp_t r;
    cr_assert_eq(srvh_admin(&srv, "POST", "/api/v1/inventory/reserve",
                            "{\"orderId\":\"ext-order-1\",\"items\":[{\"productId\":"
                            "\"prod-pen\",\"quantity\":1}],\"expirationMinutes\":30}",
                            &r),
                 201, "%s", r.body);
    srvh_resp_clear(&r);
    text = scrape();
    cr_expect_eq(sample(text, "orders_reservations_active"), 1, "%s", text);
    cr_expect_eq(sample(text, "orders_outbox_dead"), 0);
    free(text);
    cr_assert_eq(srvh_admin(&srv, "POST", "/api/v1/inventory/release",
                            "{\"orderId\":\"ext-order-1\"}", &r),
                 200, "%s", r.body);
    srvh_resp_clear(&r);
    text = scrape();
    cr_expect_eq(sample(text, "orders_reservations_active"), 0, "%s", text);
    free(text);
}

/* ---- many threads at once ----------------------------------------------------------------------- */

#define HAMMER_THREADS 8
#define HAMMER_EACH 25

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* GET /health HAMMER_EACH times; the number of 200 answers. */
static void *hammer(void *arg)
{
    const char *url = arg;
    CURL *c = curl_easy_init();
    long ok = 0;
    for (int i = 0; c != NULL && i < HAMMER_EACH; i++) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
        long status = 0;
        if (curl_easy_perform(c) == CURLE_OK &&
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200)
            ok++;
    }
    curl_easy_cleanup(c);
    return (void *)(intptr_t)ok;
}

Test(srv_ops, concurrent_requests_are_all_counted)
{
    cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    char url[128];
    snprintf(url, sizeof url, "%s/health", srv.base);
    pthread_t t[HAMMER_THREADS];
    for (int i = 0; i < HAMMER_THREADS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, hammer, url), 0);
    long ok = 0;
    for (int i = 0; i < HAMMER_THREADS; i++) {
        void *got;
        pthread_join(t[i], &got);
        ok += (long)(intptr_t)got;
    }
    cr_assert_eq(ok, HAMMER_THREADS * HAMMER_EACH);
    char *text = scrape();
    const char *labels = "route=\"/health\",method=\"GET\",status=\"200\"";
    char series[200];
    snprintf(series, sizeof series, "orders_http_requests_total{%s}", labels);
    cr_expect_eq(sample(text, series), HAMMER_THREADS * HAMMER_EACH, "%s", text);
    expect_histogram(text, labels, HAMMER_THREADS * HAMMER_EACH);
    free(text);
    curl_global_cleanup();
}

/* ---- /openapi.json ------------------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "open %s", path);
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
        size_t got = fread(buf + *len, 1, cap - *len, f);
        if (got == 0)
            break;
        *len += got;
    }
    fclose(f);
    return buf;
}

Test(srv_ops, openapi_is_the_document_in_docs)
{
    size_t want_len;
    char *want = read_file(ORDERS_SOURCE_DIR "/docs/openapi.json", &want_len);
    srvh_resp_t r;
    cr_assert_eq(srvh_call(&srv, "GET", "/openapi.json", NULL, NULL, &r), 200);
    char ct[128];
    cr_expect(srvh_header(&r, "Content-Type", ct, sizeof ct) &&
              strncmp(ct, "application/json", 16) == 0);
    cr_expect_eq(r.len, want_len);
    cr_expect(r.len == want_len && memcmp(r.body, want, want_len) == 0,
              "the served document differs from docs/openapi.json");
    cr_expect(json_is_string(json_object_get(r.json, "openapi")));
    srvh_resp_clear(&r);
    free(want);
}

/* path with every {param} replaced by "x1" into out. */
static void concrete_path(const char *path, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = path; *p != '\0' && o + 3 < len; p++) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            cr_assert_not_null(close, "%s", path);
            out[o++] = 'x';
            out[o++] = '1';
            p = close;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

Test(srv_ops, every_documented_operation_has_a_route)
{
    srvh_resp_t doc;
    cr_assert_eq(srvh_call(&srv, "GET", "/openapi.json", NULL, NULL, &doc), 200);
    json_t *paths = json_object_get(doc.json, "paths");
    cr_assert(json_is_object(paths) && json_object_size(paths) > 0);
    static const char *const methods[] = {"get", "post", "put", "delete", "patch"};
    static const char *const upper[] = {"GET", "POST", "PUT", "DELETE", "PATCH"};
    const char *path;
    json_t *item;
    size_t operations = 0;
    json_object_foreach(paths, path, item) {
        char concrete[512];
        concrete_path(path, concrete, sizeof concrete);
        for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
            if (json_object_get(item, methods[m]) == NULL)
                continue;
            operations++;
            srvh_resp_t r;
            long st = srvh_call(&srv, upper[m], concrete, NULL, NULL, &r);
            cr_expect(!(st == 404 && strcmp(srvh_message(&r), "Route not found") == 0),
                      "%s %s is documented but has no route", upper[m], path);
            cr_expect_neq(st, 405, "%s %s is documented but the method is refused", upper[m],
                          path);
            srvh_resp_clear(&r);
        }
    }
    cr_expect_geq(operations, 3u);
    srvh_resp_clear(&doc);
}
