/*
 * net/http_call.c - the libcurl client of net/http_call.h: options, a
 * locked pool of curl handles, one request with timeouts and retries, and
 * the helpers that read a service's JSON answers.
 */
#include "net/http_call.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define HTTP_POOL_MAX 8               /* idle curl handles kept for reuse */
#define HTTP_BODY_MAX (1024 * 1024)   /* an answer larger than this is refused */
#define HTTP_URL_MAX ORDERS__HTTP_URL_MAX
#define HTTP_BACKOFF_CAP_MS 2000      /* no single wait between attempts is longer */
#define HTTP_LABEL_MAX 64

struct orders__http {
    char label[HTTP_LABEL_MAX];   /* "HTTP catalog" */
    char service[HTTP_LABEL_MAX]; /* "Products service" */
    char *base_url;               /* without a trailing '/' */
    char *key_header;             /* "X-Service-Key: ..." (or key_format's line), or NULL */
    long timeout_ms;
    int retries;
    int backoff_ms;

    pthread_mutex_t pool_lock;
    CURL *pool[HTTP_POOL_MAX];
    size_t pool_count;
};

/* ---- process-wide libcurl initialization (the one unavoidable global) ---- */

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static CURLcode http_init_rc = CURLE_FAILED_INIT;

static void http_global_init(void)
{
    http_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- options and the client ------------------------------------------------------- */

static orders_code_t bad_option(const orders__http_options_t *o, orders_error_t *err,
                                const char *what)
{
    return orders_error_set(err, ORDERS_E_INVALID, o->field, "%s: %s", o->label, what);
}

static orders_code_t check_options(const orders__http_options_t *o, orders_error_t *err)
{
    if (!o->base_url || (strncmp(o->base_url, "http://", 7) != 0 &&
                         strncmp(o->base_url, "https://", 8) != 0))
        return bad_option(o, err, "base_url must be an http:// or https:// URL");
    size_t n = strlen(o->base_url);
    if (n > HTTP_URL_MAX)
        return bad_option(o, err, "base_url is longer than 512 bytes");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)o->base_url[i] <= ' ' || o->base_url[i] == 0x7f)
            return bad_option(o, err, "base_url contains a space or a control character");
    if (o->service_key)
        for (const char *k = o->service_key; *k; k++)
            if ((unsigned char)*k < ' ' || *k == 0x7f)
                return bad_option(o, err, "service_key contains a control character");
    if (o->key_format) {
        const char *pc = strchr(o->key_format, '%');
        if (!pc || pc[1] != 's' || strchr(pc + 2, '%'))
            return bad_option(o, err, "key_format must hold exactly one %s");
    }
    if (o->timeout_ms < 10 || o->timeout_ms > 120000)
        return bad_option(o, err, "timeout_ms must be within 10..120000");
    if (o->retries < 0 || o->retries > 10)
        return bad_option(o, err, "retries must be within 0..10");
    if (o->retry_backoff_ms < 0 || o->retry_backoff_ms > 10000)
        return bad_option(o, err, "retry_backoff_ms must be within 0..10000");
    return ORDERS_OK;
}

void orders__http_free(orders__http_t *hc)
{
    if (!hc)
        return;
    for (size_t i = 0; i < hc->pool_count; i++)
        curl_easy_cleanup(hc->pool[i]);
    pthread_mutex_destroy(&hc->pool_lock);
    free(hc->base_url);
    free(hc->key_header);
    free(hc);
}

orders_code_t orders__http_new(const orders__http_options_t *o, orders__http_t **out,
                               orders_error_t *err)
{
    *out = NULL;
    orders_code_t rc = check_options(o, err);
    if (rc)
        return rc;
    pthread_once(&http_once, http_global_init);
    if (http_init_rc != CURLE_OK)
        return orders_error_set(err, ORDERS_E_BACKEND, NULL, "%s: curl_global_init: %s",
                                o->label, curl_easy_strerror(http_init_rc));

    orders__http_t *hc = calloc(1, sizeof *hc);
    if (!hc)
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    snprintf(hc->label, sizeof hc->label, "%s", o->label);
    snprintf(hc->service, sizeof hc->service, "%s", o->service);
    hc->base_url = strdup(o->base_url);
    if (hc->base_url)
        for (size_t n = strlen(hc->base_url); n > 0 && hc->base_url[n - 1] == '/'; n--)
            hc->base_url[n - 1] = '\0';
    if (o->service_key) { /* a header line, not JSON: snprintf is fine here */
        const char *fmt = o->key_format ? o->key_format : "X-Service-Key: %s";
        size_t n = strlen(fmt) + strlen(o->service_key) + 1;
        if ((hc->key_header = malloc(n)))
            snprintf(hc->key_header, n, fmt, o->service_key);
    }
    hc->timeout_ms = o->timeout_ms;
    hc->retries = o->retries;
    hc->backoff_ms = o->retry_backoff_ms;
    pthread_mutex_init(&hc->pool_lock, NULL); /* default attributes: cannot fail on Linux */
    if (!hc->base_url || (o->service_key && !hc->key_header)) {
        orders__http_free(hc);
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    }
    *out = hc;
    return ORDERS_OK;
}

int orders__http_retries(const orders__http_t *hc)
{
    return hc->retries;
}

/* ---- one call: attempts, timeouts, retries ------------------------------------------ */

typedef struct http_buf {
    char *data;
    size_t len;
    bool too_large;
} http_buf_t;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    http_buf_t *b = ud;
    size_t n = size * nmemb;
    if (n > HTTP_BODY_MAX - b->len) {
        b->too_large = true;
        return 0; /* aborts the transfer */
    }
    char *grown = realloc(b->data, b->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, ptr, n);
    b->len += n;
    grown[b->len] = '\0';
    b->data = grown;
    return n;
}

static CURL *pool_take(orders__http_t *hc)
{
    CURL *h = NULL;
    pthread_mutex_lock(&hc->pool_lock);
    if (hc->pool_count > 0)
        h = hc->pool[--hc->pool_count];
    pthread_mutex_unlock(&hc->pool_lock);
    return h ? h : curl_easy_init();
}

/* Back to the pool (its connections stay open for the next call). */
static void pool_give(orders__http_t *hc, CURL *h)
{
    curl_easy_reset(h);
    pthread_mutex_lock(&hc->pool_lock);
    if (hc->pool_count < HTTP_POOL_MAX) {
        hc->pool[hc->pool_count++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&hc->pool_lock);
    if (h)
        curl_easy_cleanup(h);
}

typedef enum attempt_result {
    ATTEMPT_ANSWERED,   /* a status that is not worth retrying (2xx, 4xx but 429) */
    ATTEMPT_TRANSIENT,  /* refused, timed out, 5xx, 429: try again */
    ATTEMPT_FAILED      /* no point trying again (too large, out of memory) */
} attempt_result_t;

/* One request.  *status and *buf are filled on ATTEMPT_ANSWERED; cause
 * (never the key) on the others. */
/* The header lines of one attempt: ours, then extra (NULL-terminated). */
static struct curl_slist *http_headers(const orders__http_t *hc, bool body,
                                       const char *const *extra, bool *ok)
{
    struct curl_slist *hdrs = NULL;
    const char *lines[] = {"Accept: application/json", "Expect:", /* no 100-continue */
                           body ? "Content-Type: application/json" : NULL, hc->key_header};
    *ok = true;
    for (size_t i = 0; *ok && i < sizeof lines / sizeof lines[0]; i++) {
        struct curl_slist *more = lines[i] ? curl_slist_append(hdrs, lines[i]) : hdrs;
        *ok = more != NULL;
        hdrs = *ok ? more : hdrs;
    }
    for (size_t i = 0; *ok && extra && extra[i]; i++) {
        struct curl_slist *more = curl_slist_append(hdrs, extra[i]);
        *ok = more != NULL;
        hdrs = *ok ? more : hdrs;
    }
    return hdrs;
}

static attempt_result_t http_attempt(orders__http_t *hc, const char *method, const char *url,
                                     const char *body, const char *const *extra, long *status,
                                     http_buf_t *buf, char *cause, size_t cause_len)
{
    CURL *h = pool_take(hc);
    bool ok = h != NULL;
    struct curl_slist *hdrs = ok ? http_headers(hc, body != NULL, extra, &ok) : NULL;
    if (!ok) {
        curl_slist_free_all(hdrs);
        if (h)
            curl_easy_cleanup(h);
        snprintf(cause, cause_len, "out of memory");
        return ATTEMPT_FAILED;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, hc->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, hc->timeout_ms);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, buf);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    } else if (method && strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    if (method && strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    CURLcode crc = curl_easy_perform(h);
    *status = 0;
    if (crc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hdrs);
    pool_give(hc, h);

    if (buf->too_large) {
        snprintf(cause, cause_len, "answer larger than %d bytes", HTTP_BODY_MAX);
        return ATTEMPT_FAILED;
    }
    if (crc == CURLE_WRITE_ERROR || crc == CURLE_OUT_OF_MEMORY) {
        snprintf(cause, cause_len, "out of memory");
        return ATTEMPT_FAILED;
    }
    if (crc != CURLE_OK) {
        snprintf(cause, cause_len, "%s", curl_easy_strerror(crc));
        return ATTEMPT_TRANSIENT;
    }
    if (*status >= 500 || *status == 429 || *status == 408) {
        snprintf(cause, cause_len, "HTTP %ld", *status);
        return ATTEMPT_TRANSIENT;
    }
    return ATTEMPT_ANSWERED;
}

orders_code_t orders__http_call(orders__http_t *hc, const char *what, const char *path,
                                const json_t *body, int retries, long *status, json_t **json,
                                const char *id_field, orders_error_t *err)
{
    orders__http_request_t req = {.what = what, .path = path, .body = body,
                                  .retries = retries, .id_field = id_field};
    return orders__http_request(hc, &req, status, json, err);
}

orders_code_t orders__http_request(orders__http_t *hc, const orders__http_request_t *req,
                                   long *status, json_t **json, orders_error_t *err)
{
    const char *what = req->what, *path = req->path, *id_field = req->id_field;
    const json_t *body = req->body;
    int retries = req->retries;
    *json = NULL;
    char url[HTTP_URL_MAX + ORDERS_ID_MAX * 3 + 64];
    if ((size_t)snprintf(url, sizeof url, "%s%s", hc->base_url, path) >= sizeof url)
        return orders_error_set(err, ORDERS_E_INVALID, id_field, "%s: id too long", what);
    char *text = NULL;
    /* precision 15: an amount in major units prints exactly (12.99, not 12.990000000000000) */
    if (body && !(text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15))))
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");

    char cause[128] = "";
    attempt_result_t ar = ATTEMPT_TRANSIENT;
    http_buf_t buf = {0};
    int64_t wait = hc->backoff_ms;
    for (int attempt = 0; attempt <= retries; attempt++) {
        if (attempt > 0) {
            sleep_ms(wait < HTTP_BACKOFF_CAP_MS ? wait : HTTP_BACKOFF_CAP_MS);
            wait *= 2;
        }
        free(buf.data);
        buf = (http_buf_t){0};
        ar = http_attempt(hc, req->method, url, text, req->headers, status, &buf, cause,
                          sizeof cause);
        if (ar != ATTEMPT_TRANSIENT)
            break;
    }
    free(text);
    if (ar == ATTEMPT_ANSWERED) {
        if (buf.data)
            *json = json_loadb(buf.data, buf.len, JSON_REJECT_DUPLICATES, NULL);
        free(buf.data);
        return ORDERS_OK;
    }
    free(buf.data);
    if (ar == ATTEMPT_FAILED && strcmp(cause, "out of memory") == 0)
        return orders_error_set(err, ORDERS_E_NOMEM, NULL, "out of memory");
    if (ar == ATTEMPT_FAILED)
        return orders_error_set(err, ORDERS_E_BACKEND, NULL, "%s: %s: %s", hc->service, what,
                                cause);
    return orders_error_set(err, ORDERS_E_UNAVAILABLE, NULL,
                            "%s unavailable: %s failed after %d attempt(s): %s", hc->service,
                            what, retries + 1, cause);
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

orders_code_t orders__http_probe(orders__http_t *hc, const char *path, int64_t *latency_us,
                                 orders_error_t *err)
{
    char url[HTTP_URL_MAX + 128];
    if ((size_t)snprintf(url, sizeof url, "%s%s", hc->base_url, path) >= sizeof url)
        return orders_error_set(err, ORDERS_E_INVALID, "path", "health path too long");
    char cause[128] = "";
    http_buf_t buf = {0};
    long status = 0;
    int64_t t0 = mono_us();
    attempt_result_t ar = http_attempt(hc, "GET", url, NULL, NULL, &status, &buf, cause,
                                       sizeof cause);
    *latency_us = mono_us() - t0;
    free(buf.data);
    if (ar == ATTEMPT_ANSWERED && status >= 200 && status < 300)
        return ORDERS_OK;
    if (ar == ATTEMPT_ANSWERED)
        snprintf(cause, sizeof cause, "HTTP %ld", status);
    return orders_error_set(err, ORDERS_E_UNAVAILABLE, NULL, "%s: %s", hc->service, cause);
}

/* ---- reading answers ------------------------------------------------------------------ */

/* A string member of at most max bytes without NULs, or NULL. */
const char *orders__http_str(const json_t *obj, const char *key, size_t max)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    return n > 0 && n <= max && strlen(s) == n ? s : NULL;
}

/* A non-negative integer member; false when missing or not one. */
bool orders__http_count(const json_t *obj, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* The "data" object of a success envelope {"success": true, "data": {...}}
 * (borrowed), or NULL. */
const json_t *orders__http_envelope_data(const json_t *answer)
{
    if (!json_is_object(answer) || !json_is_true(json_object_get(answer, "success")))
        return NULL;
    const json_t *d = json_object_get(answer, "data");
    return json_is_object(d) ? d : NULL;
}

orders_code_t orders__http_malformed(const orders__http_t *hc, orders_error_t *err,
                                     const char *what, const char *detail)
{
    return orders_error_set(err, ORDERS_E_BACKEND, NULL, "%s: %s: malformed answer (%s)",
                            hc->service, what, detail);
}

/* The failure for an answer that is none of the call's own statuses. */
orders_code_t orders__http_unexpected(const orders__http_t *hc, orders_error_t *err,
                                      const char *what, long status, const json_t *answer)
{
    const char *msg = json_is_object(answer) ? orders__http_str(answer, "message", 200) : NULL;
    return orders_error_set(err, ORDERS_E_BACKEND, NULL, "%s: %s: HTTP %ld%s%s", hc->service,
                            what, status, msg ? ": " : "", msg ? msg : "");
}
