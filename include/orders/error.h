/*
 * orders/error.h - result codes and the error struct every fallible call fills.
 *
 * Every fallible liborders function returns an orders_code_t (ORDERS_OK is 0)
 * and takes an optional `orders_error_t *err` as its last argument.  When the
 * call fails and err is not NULL, the callee fills it: the same code, a human
 * message, and (for validation failures) the name of the offending field.
 *
 * Codes only ever grow; existing values are never renumbered.
 *
 * Thread-safety: every function here is pure and may run concurrently.
 */
#ifndef ORDERS_ERROR_H
#define ORDERS_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum orders_code {
    ORDERS_OK = 0,
    ORDERS_E_INVALID = 1,        /* bad argument or input; err->field names it   */
    ORDERS_E_NOT_FOUND = 2,      /* no such cart, order, product, reservation     */
    ORDERS_E_CONFLICT = 3,       /* state conflict: bad transition, stale version */
    ORDERS_E_OUT_OF_STOCK = 4,   /* not enough available units                    */
    ORDERS_E_EMPTY_CART = 5,     /* placement of an empty cart                    */
    ORDERS_E_LIMIT = 6,          /* a business limit: 50 lines, max quantity      */
    ORDERS_E_CURRENCY = 7,       /* currencies mixed, or unknown currency         */
    ORDERS_E_OVERFLOW = 8,       /* money arithmetic would overflow int64         */
    ORDERS_E_DECLINED = 9,       /* payment declined by the gateway               */
    ORDERS_E_INSUFFICIENT_FUNDS = 10, /* wallet balance too low                   */
    ORDERS_E_EXPIRED = 11,       /* the reservation's deadline has passed         */
    ORDERS_E_INACTIVE = 12,      /* product or customer is not active             */
    ORDERS_E_UNAVAILABLE = 13,   /* a dependency is down or timed out             */
    ORDERS_E_BACKEND = 14,       /* a backend failed (I/O, corrupt data, ...)     */
    ORDERS_E_NOMEM = 15,         /* allocation failed                             */
    ORDERS_E_UNSUPPORTED = 16,   /* the backend does not implement this call      */
    ORDERS_E_IDEMPOTENCY = 17,   /* same idempotency key, different request       */
    ORDERS_E_UNAUTHORIZED = 18   /* a credential (a signature) is missing or bad   */
} orders_code_t;

#define ORDERS_ERROR_MESSAGE_MAX 256
#define ORDERS_ERROR_FIELD_MAX 64

typedef struct orders_error {
    orders_code_t code;
    char message[ORDERS_ERROR_MESSAGE_MAX]; /* NUL-terminated, never secret */
    char field[ORDERS_ERROR_FIELD_MAX];     /* "" unless a field is at fault */
} orders_error_t;

/* A static, NUL-terminated name for code ("not found"); never NULL. */
const char *orders_strerror(orders_code_t code);

/*
 * Fills err (if not NULL) with code, field (may be NULL) and a printf-style
 * message, truncated to fit.  Returns code, so callers can write
 *     return orders_error_set(err, ORDERS_E_INVALID, "quantity", "...");
 */
orders_code_t orders_error_set(orders_error_t *err, orders_code_t code, const char *field,
                               const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Resets err to ORDERS_OK with empty message and field.  NULL is a no-op. */
void orders_error_clear(orders_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_ERROR_H */
