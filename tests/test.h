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
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

void test_fail(const char *file, int line, const char *what);
void test_run_case(const char *name, void (*fn)(void));
/* a fresh path under the test's temporary folder (removed at exit); caller frees */
char *test_tmp_path(const char *name);
/* the folder holding tests/data (the repo's tests/data) */
const char *test_data_dir(void);

/* tests/fixtures.c: a store simulated into a fresh temporary file (its path in *path_out,
 * caller frees, when not NULL), and the first column of an SQL query on a database file as a
 * number (-1 when no row): an oracle independent of the store module */
struct store *test_simulated_store(const char *name, int64_t customers, int64_t products,
                                   int64_t days, uint64_t seed, double tracked_share,
                                   char **path_out);
double test_sql_num(const char *path, const char *sql);

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
