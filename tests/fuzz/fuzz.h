/*
 * tests/fuzz/fuzz.h - what the libFuzzer targets of tests/fuzz/ share.
 *
 * Each target is one fuzz_<name>.c with LLVMFuzzerTestOneInput, built only
 * with -DORDERS_FUZZ=ON (clang; scripts/fuzz.sh).  A target calls the
 * functions orders-server itself calls, frees everything it got (libFuzzer
 * runs with -detect_leaks=1), prints nothing for an input, and checks the
 * documented contract of what it called: a broken promise aborts, which
 * libFuzzer reports as a crash with the input that broke it.
 */
#ifndef ORDERS_FUZZ_H
#define ORDERS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with what (a promise that did not hold) when ok is false. */
#define FUZZ_REQUIRE(ok, what)                                                    \
    do {                                                                          \
        if (!(ok)) {                                                              \
            fprintf(stderr, "fuzz: %s:%d: broken: %s\n", __FILE__, __LINE__, what); \
            abort();                                                              \
        }                                                                         \
    } while (0)

/* A NUL-terminated copy of the input (the caller frees it), or NULL when
 * it holds a NUL byte (a C string cannot carry one: the server never sees
 * one there either) or memory runs out. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (data[i] == '\0')
            return NULL;
    char *s = malloc(size + 1);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < size; i++)
        s[i] = (char)data[i];
    s[size] = '\0';
    return s;
}

#endif
