/*
 * util.h - small helpers shared by the core and the built-in backends.
 * Not installed.  Internal non-static names use the orders__ prefix.
 *
 * Strings: every helper here treats NULL as "absent" and never reads past a
 * NUL.  Allocation failures are reported, never hidden.
 *
 * Thread-safety: every function here is pure and may run concurrently.
 */
#ifndef ORDERS_CORE_UTIL_H
#define ORDERS_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <orders/error.h>
#include <orders/types.h>

/* ---- strings ----------------------------------------------------------- */

/* A malloc'd copy of s, or NULL when s is NULL or memory runs out. */
char *orders__strdup(const char *s);

/* strlen(s), but scanning at most max bytes: returns max when s is longer
 * (or exactly max).  0 for NULL. */
size_t orders__strnlen(const char *s, size_t max);

/* True when s is non-NULL, non-empty and at most ORDERS_ID_MAX bytes. */
bool orders__id_valid(const char *s);

/* True when s (NUL-terminated, not NULL) is valid UTF-8 as jansson takes
 * it: no stray or missing continuation byte, overlong form, surrogate or
 * code point past U+10FFFF. */
bool orders__utf8_valid(const char *s);

/* Equality where NULL equals only NULL. */
bool orders__str_eq(const char *a, const char *b);

/* ASCII case-insensitive equality (locale-independent); false with NULL. */
bool orders__str_eq_nocase(const char *a, const char *b);

/* Copies src (NULL: "") into dst, truncating to ORDERS_ID_MAX bytes. */
void orders__copy_id(char dst[ORDERS_ID_MAX + 1], const char *src);

/* Writes a then b into buf (len bytes), truncating; returns buf.  The hot
 * paths use these instead of snprintf, which costs far more. */
char *orders__join(char *buf, size_t len, const char *a, const char *b);

/* Writes v as 16 lower-case hex digits and a NUL into out. */
void orders__hex64(uint64_t v, char out[17]);
/* FNV-1a of s: the hash an idempotency key is recorded under. */
uint64_t orders__fnv1a(const char *s);
/* The n bytes at b as 2n lower-case hex digits and a NUL at out. */
void orders__hex_bytes(const unsigned char *b, size_t n, char *out);

/* Writes v >= 0 in decimal, zero-padded to at least width digits, and a NUL
 * into buf; returns the digits written (0 if it does not fit). */
size_t orders__decimal(int64_t v, int width, char *buf, size_t len);

/* ---- arrays ------------------------------------------------------------ */

/*
 * Makes room for need (>= 1) elements of elem_size bytes in the array
 * items of capacity *cap, doubling (amortized O(1) appends).  Returns the
 * array to use (items itself when it already fits) and updates *cap, or
 * returns NULL when memory runs out or the size overflows; items and *cap
 * are then untouched and still valid.
 */
void *orders__grow(void *items, size_t *cap, size_t need, size_t elem_size);

/* ---- records ----------------------------------------------------------- */

/* Makes *cart a record that owns each member separately, so that it can be
 * edited (a single-block cart, see types.h, cannot).  false when memory
 * runs out; *cart is unchanged then. */
bool orders__cart_loosen(orders_cart_t **cart);

#endif /* ORDERS_CORE_UTIL_H */
