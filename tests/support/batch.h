/*
 * batch.h - one process for every test of a binary, for the valgrind build.
 *
 * Criterion runs each test in a process of its own (BoxFort re-executes the
 * binary), and under valgrind each process costs 1-2 s of memcheck start
 * before the test does anything: most of the valgrind pass was spent
 * starting processes.  A valgrind build (-DORDERS_VALGRIND=ON) compiles
 * each library test file with "-include support/batch.h": Test and
 * TestSuite then register the test and its suite here instead of with
 * Criterion, and batch.c's one Criterion test runs them all, in one
 * process: suite .init, test .init, body, test .fini, suite .fini, in the
 * order Criterion uses (suite, then name).  Disabled tests stay skipped.
 *
 * What changes: the first failed assertion ends the batch (it names its file
 * and line, and batch.c prints each test's name before it runs); a
 * cr_skip_test skips its test only (in a file compiled with this header);
 * tests share the process, so one
 * that leaks, or leaves a thread or a variable behind, shows at the end of
 * the batch rather than in its own process.  Release and ASan builds keep
 * one process per test; this header is not included there.
 */
#ifndef ORDERS_TEST_BATCH_H
#define ORDERS_TEST_BATCH_H

#include <criterion/criterion.h>

typedef struct orders_batch_case {
    const char *suite, *name;
    void (*body)(void);
    const struct criterion_test_extra_data *data;
    struct orders_batch_case *next;
} orders_batch_case_t;

typedef struct orders_batch_suite {
    const char *name;
    const struct criterion_test_extra_data *data;
    struct orders_batch_suite *next;
} orders_batch_suite_t;

/* Add c or s (static storage) to the batch; constructor time only. */
void orders_batch_add_case(orders_batch_case_t *c);
void orders_batch_add_suite(orders_batch_suite_t *s);
/* cr_skip_test in a batched test: prints why and jumps back to the runner,
 * which runs the test's .fini fixtures and goes on with the next test. */
__attribute__((noreturn, format(printf, 1, 2))) void orders_batch_skip(const char *fmt, ...);

/* batch.c, which runs them, keeps Criterion's own Test */
#ifndef ORDERS_BATCH_RUNNER
#undef Test
#define Test(suite, name, ...)                                                                \
    static void orders_batch_body_##suite##_##name(void);                                     \
    static const struct criterion_test_extra_data orders_batch_data_##suite##_##name = {      \
        .sentinel_ = 1, __VA_ARGS__};                                                         \
    static orders_batch_case_t orders_batch_case_##suite##_##name = {                         \
        #suite, #name, orders_batch_body_##suite##_##name,                                    \
        &orders_batch_data_##suite##_##name, NULL};                                           \
    __attribute__((constructor)) static void orders_batch_register_##suite##_##name(void)     \
    {                                                                                         \
        orders_batch_add_case(&orders_batch_case_##suite##_##name);                           \
    }                                                                                         \
    static void orders_batch_body_##suite##_##name(void)

#undef TestSuite
#define TestSuite(suite, ...)                                                                 \
    static const struct criterion_test_extra_data orders_batch_suite_data_##suite = {         \
        .sentinel_ = 1, __VA_ARGS__};                                                         \
    static orders_batch_suite_t orders_batch_suite_##suite = {                                \
        #suite, &orders_batch_suite_data_##suite, NULL};                                      \
    __attribute__((constructor)) static void orders_batch_register_suite_##suite(void)        \
    {                                                                                         \
        orders_batch_add_suite(&orders_batch_suite_##suite);                                  \
    }                                                                                         \
    struct orders_batch_suite_unused_##suite

#undef cr_skip_test
#define cr_skip_test(...) orders_batch_skip(__VA_ARGS__)
#endif /* ORDERS_BATCH_RUNNER */

#endif
