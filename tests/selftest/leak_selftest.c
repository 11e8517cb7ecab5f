/*
 * leak_selftest.c - deliberately leaking tests that prove
 * tests/support/leakcheck.c still turns a leak into a failure.  Built only
 * with ORDERS_SANITIZE=ON; tests/CMakeLists.txt registers:
 *   leak_selftest           the whole binary, WILL_FAIL;
 *   leak_selftest_body      leaks_in_body must be counted as a failing test;
 *   leak_selftest_teardown  leaks_in_fini must make the binary fail;
 *   leak_selftest_clean     the leakcheck_clean suite must pass (no false
 *                           positives from fixtures or reachable memory).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdlib.h>
#include <string.h>

/* Volatile stores keep the compiler from eliding malloc at -O2. */
static void *volatile sink;

static void *alloc_filled(size_t n)
{
    void *p = malloc(n);
    cr_assert_not_null(p);
    memset(p, 0x5a, n);
    return p;
}

/* ---- leaking tests ----------------------------------------------------------- */

Test(leakcheck_selftest, leaks_in_body)
{
    sink = alloc_filled(48);
    sink = NULL; /* the only reference is gone: a direct leak */
    cr_assert_null(sink);
}

static void *fixture;

static void fixture_alloc(void)
{
    fixture = alloc_filled(32);
}

static void fixture_drop(void)
{
    fixture = NULL; /* forgets to free */
}

Test(leakcheck_selftest, leaks_in_fini, .init = fixture_alloc, .fini = fixture_drop)
{
    cr_assert_not_null(fixture);
}

/* ---- clean tests: must pass --------------------------------------------------------- */

static void fixture_free(void)
{
    free(fixture);
    fixture = NULL;
}

Test(leakcheck_clean, frees_everything)
{
    void *p = alloc_filled(64);
    sink = p;
    free(p);
    sink = NULL;
    cr_assert_null(sink);
}

Test(leakcheck_clean, fixture_freed_in_fini, .init = fixture_alloc, .fini = fixture_free)
{
    cr_assert_not_null(fixture);
}

static void *kept;

Test(leakcheck_clean, reachable_from_a_global)
{
    kept = alloc_filled(16); /* still referenced at exit: not a leak */
    sink = kept;
    cr_assert_not_null(kept);
}

ParameterizedTestParameters(leakcheck_clean, parameterized)
{
    static int values[] = {1, 2, 3};
    return cr_make_param_array(int, values, sizeof values / sizeof values[0]);
}

ParameterizedTest(int *value, leakcheck_clean, parameterized)
{
    void *p = alloc_filled((size_t)*value * 8);
    free(p);
    cr_assert_gt(*value, 0);
}
