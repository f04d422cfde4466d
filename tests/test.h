/* tests/test.h - the tiny test harness.
 *
 * A suite is a function `void test_<name>(void)` in tests/test_<name>.c (the Makefile finds
 * it and lists it in the suite table); it runs its cases with RUN(case_fn). A case passes
 * when none of its CHECKs failed. tests/run.c prints "N passed, N failed" over all cases.
 *     static void adds(void) { CHECK(1 + 1 == 2); CHECK_NEAR(0.1 + 0.2, 0.3, 1e-9); }
 *     void test_math(void) { RUN(adds); }                                               */
#ifndef SHOP_TESTS_TEST_H
#define SHOP_TESTS_TEST_H

#include <math.h>
#include <stdio.h>

void test_fail(const char *file, int line, const char *what);
void test_run_case(const char *name, void (*fn)(void));
/* a fresh path under the test's temporary folder (removed at exit); caller frees */
char *test_tmp_path(const char *name);
/* the folder holding tests/data (the repo's tests/data) */
const char *test_data_dir(void);

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond))                                                                          \
            test_fail(__FILE__, __LINE__, #cond);                                             \
    } while (0)

#define CHECK_NEAR(a, b, eps)                                                                 \
    do {                                                                                      \
        double a_ = (double)(a), b_ = (double)(b);                                            \
        if (!(fabs(a_ - b_) <= (eps))) {                                                      \
            char msg_[256];                                                                   \
            snprintf(msg_, sizeof(msg_), "%s ~ %s (%.9g vs %.9g)", #a, #b, a_, b_);           \
            test_fail(__FILE__, __LINE__, msg_);                                              \
        }                                                                                     \
    } while (0)

#define RUN(fn) test_run_case(#fn, fn)

#endif
