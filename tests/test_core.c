#include <string.h>

#include "core/parse.h"
#include "core/rng.h"
#include "test.h"

static void rng_is_deterministic(void)
{
    struct rng a, b;
    rng_seed(&a, 7);
    rng_seed(&b, 7);
    for (int i = 0; i < 100; i++)
        CHECK(rng_next(&a) == rng_next(&b));
    rng_seed(&b, 8);
    CHECK(rng_next(&a) != rng_next(&b));
}

static void rng_distributions(void)
{
    struct rng r;
    rng_seed(&r, 1);
    double sum = 0, sum_p = 0;
    int n = 200000, below_ok = 1;
    for (int i = 0; i < n; i++) {
        sum += rng_uniform(&r);
        sum_p += rng_poisson(&r, 1.5);
        if (rng_below(&r, 7) >= 7)
            below_ok = 0;
    }
    CHECK(below_ok);
    CHECK_NEAR(sum / n, 0.5, 0.01);
    CHECK_NEAR(sum_p / n, 1.5, 0.02);
    int v[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, seen = 0;
    rng_shuffle_int(&r, v, 10);
    for (int i = 0; i < 10; i++)
        seen |= 1 << v[i];
    CHECK(seen == 1023);
}

static void parses_numbers_strictly(void)
{
    int64_t v;
    double d;
    CHECK(parse_int64("42", 0, 100, &v) == SHOP_OK && v == 42);
    CHECK(parse_int64("-1", 0, 100, &v) == SHOP_EINVAL);
    CHECK(parse_int64("12x", 0, 100, &v) == SHOP_EINVAL);
    CHECK(parse_int64("", 0, 100, &v) == SHOP_EINVAL);
    CHECK(parse_int64("99999999999999999999", 0, INT64_MAX, &v) == SHOP_EINVAL);
    CHECK(parse_double("0.25", 0, 1, &d) == SHOP_OK && d == 0.25);
    CHECK(parse_double("nan", 0, 1, &d) == SHOP_EINVAL);
    CHECK(parse_double("1.5", 0, 1, &d) == SHOP_EINVAL);
}

static void parses_and_formats_dates(void)
{
    int64_t t;
    char buf[32];
    CHECK(parse_time("2026-01-01", &t) == SHOP_OK && t == 1767225600);
    CHECK(parse_time("2024-02-29T12:30:05Z", &t) == SHOP_OK);
    format_time(t, buf, sizeof(buf));
    CHECK(strcmp(buf, "2024-02-29T12:30:05Z") == 0);
    format_date(t, buf, sizeof(buf));
    CHECK(strcmp(buf, "2024-02-29") == 0);
    CHECK(parse_time("2023-02-29", &t) == SHOP_EINVAL);
    CHECK(parse_time("2026-13-01", &t) == SHOP_EINVAL);
    CHECK(parse_time("yesterday", &t) == SHOP_EINVAL);
    int y, m, d;
    civil_from_days(days_from_civil(2000, 3, 1), &y, &m, &d);
    CHECK(y == 2000 && m == 3 && d == 1);
}

void test_core(void)
{
    RUN(rng_is_deterministic);
    RUN(rng_distributions);
    RUN(parses_numbers_strictly);
    RUN(parses_and_formats_dates);
}
