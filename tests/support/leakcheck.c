/*
 * leakcheck.c - makes a memory leak fail the Criterion test that caused it,
 * in AddressSanitizer builds (ORDERS_SANITIZE=ON).  Linked into every test
 * binary; nothing to call, nothing to include.
 *
 * Why it is needed: Criterion 2.4.1 runs each test in its own worker process.
 * LeakSanitizer checks that process at exit, after the worker has already
 * told the runner the test passed, so the runner ignores the exit status
 * (23) and the leak is a log line, not a failure.
 *
 * What this file does, in every worker process:
 *
 * 1. It interposes criterion_internal_test_main(), the function that every
 *    Test() body is run through, and hands the real one (found with
 *    dlsym(RTLD_NEXT)) a trampoline.  The trampoline runs the body, scrubs
 *    the dead stack below it (so a stale copy of a leaked pointer does not
 *    count as a reference), then runs __lsan_do_recoverable_leak_check().
 *    A leak fails the test with cr_assert_fail(), still inside the test's
 *    main phase, so Criterion reports "[FAIL] suite::test" and counts it as
 *    failing.  Fixture state is reachable from globals until .fini runs, so
 *    it is not reported here.
 *
 * 2. An atexit handler checks again when the worker exits, after .fini has
 *    run.  A leak there (a .fini that drops memory, or a pointer that was
 *    still in a register at step 1) prints a message and abort()s.  Criterion
 *    then prints "Warning! The test `suite::test` crashed during its setup or
 *    teardown." and the binary exits 1, so ctest fails.
 *
 * A test whose body did not return (a failed cr_assert, or exit() called on
 * purpose for a .exit_code test) is left to LeakSanitizer's own exit check,
 * with its exit status untouched.
 *
 * tests/selftest/leak_selftest.c proves both paths in every sanitizer build.
 * Without AddressSanitizer this file compiles to nothing.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ORDERS_LEAKCHECK 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(ORDERS_LEAKCHECK)
#define ORDERS_LEAKCHECK 1
#endif

#ifdef ORDERS_LEAKCHECK

#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>

typedef void (*leakcheck_main_fn)(void (*fn)(void));

/* One worker process runs one test, so file-scope state is per test. */
static void (*leakcheck_body)(void);
static int leakcheck_in_worker;
static int leakcheck_body_done;
static int leakcheck_failed;
static char leakcheck_name[256] = "?";

/* Overwrites the stack just below the caller, where the finished test body's
 * frames were.  Not instrumented, so ASan's redzones are cleared too. */
__attribute__((noinline, no_sanitize_address)) static void leakcheck_scrub_stack(void)
{
    volatile unsigned char pad[64 * 1024];

    for (size_t i = 0; i < sizeof pad; i++)
        pad[i] = 0;
}

static void leakcheck_after_body(void)
{
    leakcheck_body_done = 1;
    if (__lsan_do_recoverable_leak_check()) {
        leakcheck_failed = 1;
        cr_assert_fail("leakcheck: test %s leaked memory (LeakSanitizer report above)",
                       leakcheck_name);
    }
}

static void leakcheck_plain(void)
{
    leakcheck_body();
    leakcheck_scrub_stack();
    leakcheck_after_body();
}

/* ParameterizedTest bodies take the parameter; Criterion calls them so. */
static void leakcheck_param(void *param)
{
    ((void (*)(void *))leakcheck_body)(param);
    leakcheck_scrub_stack();
    leakcheck_after_body();
}

void criterion_internal_test_main(void (*fn)(void))
{
    leakcheck_main_fn real;
    void *sym = dlsym(RTLD_NEXT, "criterion_internal_test_main");

    if (!sym) {
        fprintf(stderr, "leakcheck: cannot find Criterion's criterion_internal_test_main: %s\n",
                dlerror());
        abort();
    }
    memcpy(&real, &sym, sizeof real);

    /* In the worker, the test's extra data sits unaligned in a BoxFort
     * buffer: read param_ bytewise. */
    const struct criterion_test *test = criterion_current_test;
    void *param_fn = NULL;
    if (test) {
        snprintf(leakcheck_name, sizeof leakcheck_name, "%s::%s",
                 test->category ? test->category : "?", test->name ? test->name : "?");
        if (test->data)
            memcpy(&param_fn,
                   (const char *)test->data + offsetof(struct criterion_test_extra_data, param_),
                   sizeof param_fn);
    }

    leakcheck_in_worker = 1;
    leakcheck_body = fn;
    real(param_fn ? (void (*)(void))leakcheck_param : leakcheck_plain);
}

static void leakcheck_at_exit(void)
{
    if (!leakcheck_in_worker)
        return; /* the runner process: LeakSanitizer's own exit check applies */

    if (leakcheck_failed) {
        /* Already failed for this leak: skip LeakSanitizer's second report
         * (the worker returned from main with status 0). */
        fflush(NULL);
        _exit(EXIT_SUCCESS);
    }
    if (!leakcheck_body_done)
        return; /* a failed assertion or exit() in the body: LeakSanitizer's
                   own exit check applies, with the exit status left as is */

    if (__lsan_do_recoverable_leak_check()) {
        fprintf(stderr,
                "leakcheck: test %s leaked memory, found after its teardown "
                "(LeakSanitizer report above)\n",
                leakcheck_name);
        fflush(NULL);
        abort();
    }
}

/* Registered after LeakSanitizer's own exit hook, so it runs before it. */
__attribute__((constructor)) static void leakcheck_init(void)
{
    atexit(leakcheck_at_exit);
}

#endif /* ORDERS_LEAKCHECK */

/* ISO C wants at least one declaration in a translation unit. */
typedef int orders_leakcheck_unused_t;
