/*
 * util.c - string and array helpers (see util.h).  No state.
 */
#include "util.h"

#include <stdlib.h>
#include <string.h>

char *orders__strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy != NULL)
        memcpy(copy, s, n);
    return copy;
}

size_t orders__strnlen(const char *s, size_t max)
{
    return s != NULL ? strnlen(s, max) : 0;
}

bool orders__id_valid(const char *s)
{
    if (s == NULL || s[0] == '\0')
        return false;
    return orders__strnlen(s, ORDERS_ID_MAX + 1) <= ORDERS_ID_MAX;
}

/* The length of the UTF-8 sequence at s (1 to 4 bytes), or 0 when it is
 * not one: a stray continuation byte, an overlong form, a surrogate, a code
 * point past U+10FFFF, or a sequence cut short (by the NUL). */
static size_t utf8_sequence(const unsigned char *s)
{
    if (s[0] < 0x80u)
        return 1;
    size_t n = (s[0] & 0xE0u) == 0xC0u ? 2 : (s[0] & 0xF0u) == 0xE0u ? 3
             : (s[0] & 0xF8u) == 0xF0u ? 4 : 0;
    if (n == 0)
        return 0;
    uint32_t cp = s[0] & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    static const uint32_t least[5] = {0, 0, 0x80u, 0x800u, 0x10000u};
    if (cp < least[n] || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu))
        return 0;
    return n;
}

bool orders__utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        size_t n = utf8_sequence(p);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

bool orders__str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

bool orders__str_eq_nocase(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;
    while (*x != '\0' && ascii_lower(*x) == ascii_lower(*y)) {
        x++;
        y++;
    }
    return *x == '\0' && *y == '\0';
}

void orders__copy_id(char dst[ORDERS_ID_MAX + 1], const char *src)
{
    size_t n = orders__strnlen(src, ORDERS_ID_MAX);
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

void *orders__grow(void *items, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap && items != NULL)
        return items;
    size_t ncap = *cap > 0 ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return NULL;
        ncap *= 2;
    }
    if (elem_size == 0 || ncap > SIZE_MAX / elem_size)
        return NULL;
    void *p = realloc(items, ncap * elem_size);
    if (p == NULL)
        return NULL;
    *cap = ncap;
    return p;
}

char *orders__join(char *buf, size_t len, const char *a, const char *b)
{
    size_t na = orders__strnlen(a, len ? len - 1 : 0);
    size_t nb = orders__strnlen(b, len ? len - 1 - na : 0);
    if (len == 0)
        return buf;
    memcpy(buf, a ? a : "", na);
    memcpy(buf + na, b ? b : "", nb);
    buf[na + nb] = '\0';
    return buf;
}

/* "00" "01" ... "ff": two hex digits per byte value. */
static const char hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

void orders__hex_bytes(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        memcpy(out + 2 * i, hex_pairs + 2 * b[i], 2);
    out[2 * n] = '\0';
}

void orders__hex64(uint64_t v, char out[17])
{
    unsigned char b[8];
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (unsigned char)v;
    orders__hex_bytes(b, 8, out);
}

uint64_t orders__fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return h;
}

size_t orders__decimal(int64_t v, int width, char *buf, size_t len)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? 0 : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n < (size_t)width && n < sizeof tmp)
        tmp[n++] = '0';
    if (n + 1 > len)
        return 0;
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}
