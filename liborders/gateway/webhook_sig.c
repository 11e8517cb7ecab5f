/*
 * gateway/webhook_sig.c - the signature of payment webhooks (webhook.h):
 * X-Signature "t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>"...
 *
 * HMAC-SHA256 is OpenSSL's libcrypto; signatures are compared with
 * CRYPTO_memcmp, and every v1 entry is compared (no early exit on a match),
 * so the time taken tells nothing about the expected value.  Messages say
 * which check failed, never what was expected.  No state: every function
 * may run concurrently.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../core/internal.h"

#define HEX_LEN 64               /* SHA-256: 32 bytes, 64 hex digits */
#define HEADER_MAX 2048          /* a longer X-Signature is malformed */
#define V1_MAX 8                 /* v1 entries considered */
#define T_DIGITS_MAX 18          /* t below 10^18: no overflow */

/* The parsed header: pointers into it. */
typedef struct sig_header {
    const char *t;               /* the digits of t, as signed */
    size_t t_len;
    int64_t t_value;
    const char *v1[V1_MAX];      /* each HEX_LEN lowercase hex digits */
    size_t v1_count;
} sig_header_t;

static orders_code_t refuse(orders_error_t *err, const char *why)
{
    return orders_error_set(err, ORDERS_E_UNAUTHORIZED, "X-Signature", "%s", why);
}

static bool lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Reads the digits of t into h; false when they are not 1..18 digits. */
static bool parse_t(sig_header_t *h, const char *v, size_t n)
{
    if (n == 0 || n > T_DIGITS_MAX || h->t)
        return false;
    int64_t t = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        t = t * 10 + (v[i] - '0');
    }
    h->t = v;
    h->t_len = n;
    h->t_value = t;
    return true;
}

/* One "key=value" entry of the header (spaces around it allowed). */
static bool parse_entry(sig_header_t *h, const char *s, size_t n)
{
    while (n > 0 && s[0] == ' ')
        s++, n--;
    while (n > 0 && s[n - 1] == ' ')
        n--;
    const char *eq = memchr(s, '=', n);
    if (eq == NULL || eq == s)
        return false;
    size_t klen = (size_t)(eq - s);
    const char *v = eq + 1;
    size_t vlen = n - klen - 1;
    if (klen == 1 && s[0] == 't')
        return parse_t(h, v, vlen);
    if (klen == 2 && s[0] == 'v' && s[1] == '1') {
        if (vlen != HEX_LEN || !lower_hex(v, vlen))
            return false;
        if (h->v1_count < V1_MAX)
            h->v1[h->v1_count++] = v;
        return true;
    }
    return true; /* other schemes (v0=...) are not ours */
}

/* Splits the header at commas; false when it is malformed. */
static bool parse_header(const char *header, sig_header_t *h)
{
    memset(h, 0, sizeof *h);
    size_t len = orders__strnlen(header, HEADER_MAX + 1);
    if (len > HEADER_MAX)
        return false;
    const char *p = header, *end = header + len;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if (!parse_entry(h, p, (size_t)(stop - p)))
            return false;
        p = stop + 1;
    }
    return h->t != NULL && h->v1_count > 0;
}

/* hex = lowercase hex HMAC-SHA256(secret, t "." body). */
static orders_code_t compute(const char *secret, const char *t, size_t t_len, const char *body,
                             size_t len, char hex[HEX_LEN + 1], orders_error_t *err)
{
    size_t klen = orders__strnlen(secret, 4097);
    if (klen == 0 || klen > 4096)
        return orders_error_set(err, ORDERS_E_INVALID, "secret",
                                "the webhook secret must be 1 to 4096 bytes");
    if (len > SIZE_MAX - t_len - 1)
        return orders_error_set(err, ORDERS_E_INVALID, "body", "body too large");
    unsigned char *msg = malloc(t_len + 1 + len);
    if (msg == NULL)
        return orders__nomem(err);
    memcpy(msg, t, t_len);
    msg[t_len] = '.';
    if (len)
        memcpy(msg + t_len + 1, body, len);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    unsigned char *ok = HMAC(EVP_sha256(), secret, (int)klen, msg, t_len + 1 + len, mac, &mac_len);
    OPENSSL_cleanse(msg, t_len + 1 + len);
    free(msg);
    if (ok == NULL || mac_len * 2 != HEX_LEN)
        return orders_error_set(err, ORDERS_E_BACKEND, NULL, "HMAC-SHA256 failed");
    orders__hex_bytes(mac, mac_len, hex);
    OPENSSL_cleanse(mac, sizeof mac);
    return ORDERS_OK;
}

orders_code_t orders_webhook_verify(const char *secret, const char *signature_header,
                                    const char *body, size_t len, int64_t now_s,
                                    int64_t tolerance_s, orders_error_t *err)
{
    if (secret == NULL || secret[0] == '\0')
        return orders_error_set(err, ORDERS_E_INVALID, "secret", "no webhook secret configured");
    if (signature_header == NULL || signature_header[0] == '\0')
        return refuse(err, "missing X-Signature header");
    sig_header_t h;
    if (!parse_header(signature_header, &h))
        return refuse(err, "malformed X-Signature header: expected t=<unix seconds>,v1=<64 "
                           "lowercase hex digits>");
    if (tolerance_s <= 0)
        tolerance_s = ORDERS_WEBHOOK_TOLERANCE_DEFAULT;
    int64_t skew = h.t_value > now_s ? h.t_value - now_s : now_s - h.t_value;
    if (skew > tolerance_s)
        return refuse(err, "X-Signature timestamp is outside the allowed tolerance");
    char want[HEX_LEN + 1];
    orders_code_t rc = compute(secret, h.t, h.t_len, body, len, want, err);
    if (rc)
        return rc;
    int match = 0;
    for (size_t i = 0; i < h.v1_count; i++)
        match |= CRYPTO_memcmp(want, h.v1[i], HEX_LEN) == 0;
    OPENSSL_cleanse(want, sizeof want);
    return match ? ORDERS_OK : refuse(err, "X-Signature does not match the body");
}

orders_code_t orders_webhook_sign(const char *secret, int64_t t, const char *body, size_t len,
                                  char *buf, size_t buflen, orders_error_t *err)
{
    if (buf && buflen)
        buf[0] = '\0';
    char digits[24];
    if (t < 0 || orders__decimal(t, 1, digits, sizeof digits) == 0)
        return orders_error_set(err, ORDERS_E_INVALID, "t", "t must be >= 0");
    size_t t_len = strlen(digits);
    if (buf == NULL || buflen < 2 + t_len + 4 + HEX_LEN + 1)
        return orders_error_set(err, ORDERS_E_INVALID, "buf", "signature buffer too small");
    char hex[HEX_LEN + 1];
    orders_code_t rc = compute(secret, digits, t_len, body, len, hex, err);
    if (rc)
        return rc;
    char *p = buf;
    memcpy(p, "t=", 2), p += 2;
    memcpy(p, digits, t_len), p += t_len;
    memcpy(p, ",v1=", 4), p += 4;
    memcpy(p, hex, HEX_LEN + 1);
    return ORDERS_OK;
}
