/*
 * error.c - names for result codes and the filling of orders_error_t.
 *
 * No state: every function here is pure and may run concurrently.
 */
#include <orders/error.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *orders_strerror(orders_code_t code)
{
    switch (code) {
    case ORDERS_OK:
        return "ok";
    case ORDERS_E_INVALID:
        return "invalid argument";
    case ORDERS_E_NOT_FOUND:
        return "not found";
    case ORDERS_E_CONFLICT:
        return "conflict";
    case ORDERS_E_OUT_OF_STOCK:
        return "out of stock";
    case ORDERS_E_EMPTY_CART:
        return "empty cart";
    case ORDERS_E_LIMIT:
        return "limit exceeded";
    case ORDERS_E_CURRENCY:
        return "currency error";
    case ORDERS_E_OVERFLOW:
        return "amount overflow";
    case ORDERS_E_DECLINED:
        return "payment declined";
    case ORDERS_E_INSUFFICIENT_FUNDS:
        return "insufficient funds";
    case ORDERS_E_EXPIRED:
        return "expired";
    case ORDERS_E_INACTIVE:
        return "inactive";
    case ORDERS_E_UNAVAILABLE:
        return "unavailable";
    case ORDERS_E_BACKEND:
        return "backend error";
    case ORDERS_E_NOMEM:
        return "out of memory";
    case ORDERS_E_UNSUPPORTED:
        return "unsupported";
    case ORDERS_E_IDEMPOTENCY:
        return "idempotency key reused";
    case ORDERS_E_UNAUTHORIZED:
        return "unauthorized";
    }
    /* No default above, so -Wswitch flags a code added without a name. */
    return "unknown error";
}

/*
 * s[0..len) was cut at len bytes.  If the cut split a UTF-8 sequence, drop
 * the partial sequence so the text stays valid UTF-8 (messages end up in
 * JSON, and jansson refuses invalid UTF-8).  Returns the new length.
 */
static size_t utf8_trim_partial(const char *s, size_t len)
{
    size_t i = len;
    size_t back = 0;

    /* Walk back over at most three continuation bytes (10xxxxxx). */
    while (i > 0 && back < 3 && ((unsigned char)s[i - 1] & 0xC0u) == 0x80u) {
        i--;
        back++;
    }
    if (i == 0)
        return len;

    unsigned char lead = (unsigned char)s[i - 1];
    size_t need;
    if (lead < 0x80u)
        return len; /* ASCII: the cut fell between characters */
    else if ((lead & 0xE0u) == 0xC0u)
        need = 2;
    else if ((lead & 0xF0u) == 0xE0u)
        need = 3;
    else if ((lead & 0xF8u) == 0xF0u)
        need = 4;
    else
        return len; /* not a lead byte: leave malformed input as it is */

    size_t have = back + 1;
    return have < need ? i - 1 : len;
}

/* Copies src (NULL means "") into dst[cap], truncating on a UTF-8 boundary. */
static void copy_truncated(char *dst, size_t cap, const char *src)
{
    size_t n = 0;

    if (src != NULL) {
        while (n < cap - 1 && src[n] != '\0')
            n++;
        if (src[n] != '\0')
            n = utf8_trim_partial(src, n);
        memmove(dst, src, n); /* src may be dst itself */
    }
    dst[n] = '\0';
}

orders_code_t orders_error_set(orders_error_t *err, orders_code_t code, const char *field,
                               const char *fmt, ...)
{
    if (err == NULL)
        return code;

    /*
     * Format into a local buffer first: the arguments may point into err
     * itself (a caller prefixing err->message), and vsnprintf must not
     * write over its own input.
     */
    char message[ORDERS_ERROR_MESSAGE_MAX];
    size_t mlen = 0;
    if (fmt == NULL) {
        const char *name = orders_strerror(code);
        mlen = strlen(name); /* static names are far shorter than the buffer */
        memcpy(message, name, mlen);
    } else {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(message, sizeof message, fmt, ap);
        va_end(ap);
        if (n < 0)
            mlen = 0;
        else if ((size_t)n >= sizeof message)
            mlen = utf8_trim_partial(message, sizeof message - 1);
        else
            mlen = (size_t)n;
    }
    message[mlen] = '\0';

    copy_truncated(err->field, sizeof err->field, field);
    memcpy(err->message, message, mlen + 1);
    err->code = code;
    return code;
}

void orders_error_clear(orders_error_t *err)
{
    if (err == NULL)
        return;
    err->code = ORDERS_OK;
    err->message[0] = '\0';
    err->field[0] = '\0';
}
