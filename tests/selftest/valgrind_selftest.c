/*
 * valgrind_selftest.c - proves that scripts/valgrind-test.sh turns what
 * memcheck finds in a Criterion worker into a failing test, although
 * Criterion's runner ignores a worker's exit status (tests/CMakeLists.txt,
 * ORDERS_VALGRIND=ON only):
 *   valgrind_selftest_leak    a definite leak in a test body must fail
 *   valgrind_selftest_uninit  a branch on uninitialised memory must fail
 *   valgrind_selftest_clean   a test that frees what it takes must pass
 * Each check reads the wrapper's output, so a crash does not pass for a
 * finding.
 */
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

Test(valgrind_selftest, leaks_a_block)
{
    char *volatile p = malloc(64);
    cr_assert_not_null(p);
    p[0] = 'x';
    p = NULL; /* the only pointer to the block is gone: definitely lost */
}

Test(valgrind_selftest, branches_on_uninitialised_memory)
{
    int *p = malloc(4 * sizeof *p);
    cr_assert_not_null(p);
    int *volatile hidden = p; /* so that the compiler cannot see the read is uninitialised */
    if (hidden[2] == 42)       /* never written */
        puts("valgrind_selftest: 42");
    free(p);
}

Test(valgrind_clean, frees_what_it_takes)
{
    int *p = calloc(4, sizeof *p);
    cr_assert_not_null(p);
    cr_assert_eq(p[2], 0);
    free(p);
}
