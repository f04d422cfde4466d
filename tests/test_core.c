#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
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

/* a saved record read number after number: blanks skipped, a ':' ends an integer, anything
 * else glued to a number (or nothing left) refuses it and leaves *p where it was */
static void parses_records(void)
{
    const char *p = " 12 -3:7 2.5 1e400 x";
    int64_t v;
    double d;
    CHECK(parse_next_int(&p, &v) && v == 12);
    CHECK(parse_next_int(&p, &v) && v == -3 && *p == ':');
    p++;
    CHECK(parse_next_int(&p, &v) && v == 7);
    CHECK(!parse_next_int(&p, &v)); /* 2.5: glued '.' */
    CHECK(parse_next_double(&p, &d) && d == 2.5);
    const char *at = p;
    CHECK(!parse_next_double(&p, &d) && p == at); /* out of range */
    p = " x";
    CHECK(!parse_next_int(&p, &v) && !parse_next_double(&p, &d));
    p = "1.5:";
    CHECK(!parse_next_double(&p, &d)); /* ':' ends integers only */
    p = "";
    CHECK(!parse_next_int(&p, &v));
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

/* the JSON string jw_str writes for s (caller frees) */
static char *json_of(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct jsonw w;
    jw_init(&w, f, 0);
    jw_str(&w, s);
    fclose(f);
    return buf;
}

/* whether s is well-formed UTF-8 with no raw control character (an independent check:
 * decodes code points and rejects overlongs, surrogates and values above U+10FFFF) */
static int valid_json_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2
                                           : (c & 0xF8) == 0xF0 ? 3 : 9;
        if (n == 9 || c < 0x20 || c == 0x7F)
            return 0;
        unsigned cp = n == 0 ? c : n == 1 ? c & 0x1F : n == 2 ? c & 0x0F : c & 0x07;
        for (unsigned i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i] & 0x3F);
        }
        unsigned min = n == 1 ? 0x80 : n == 2 ? 0x800 : n == 3 ? 0x10000 : 0;
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n + 1;
    }
    return 1;
}

static void json_strings_are_always_valid_utf8(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "\"plain\""},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
        {"a\"b\\c\n\t\x01\x1f\x7f", "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\\u007f\""},
        {"\xff", "\"\\ufffd\""},                           /* never valid */
        {"\xc3", "\"\\ufffd\""},                           /* truncated at the end */
        {"\xc3(", "\"\\ufffd(\""},                         /* truncated in the middle */
        {"\xc0\xaf", "\"\\ufffd\\ufffd\""},                /* overlong '/' */
        {"\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""},     /* overlong, 3 bytes */
        {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},     /* a UTF-16 surrogate */
        {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* above U+10FFFF */
        {"\x80x", "\"\\ufffdx\""},                         /* a lone continuation byte */
        {"\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\""}, /* JavaScript line breaks */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = json_of(cases[i].in);
        CHECK(strcmp(got, cases[i].out) == 0);
        CHECK(valid_json_text(got));
        free(got);
    }
    /* every byte pair and triple after a lead byte: the output is always valid */
    char in[4] = {0};
    for (int a = 1; a < 256; a++)
        for (int b = 1; b < 256; b++)
            for (int c = 0; c < 256; c += 51) {
                in[0] = (char)a, in[1] = (char)b, in[2] = (char)c;
                char *got = json_of(in);
                if (!valid_json_text(got))
                    CHECK(!"jw_str wrote invalid UTF-8");
                free(got);
            }
}

void test_core(void)
{
    RUN(rng_is_deterministic);
    RUN(rng_distributions);
    RUN(parses_numbers_strictly);
    RUN(parses_records);
    RUN(parses_and_formats_dates);
    RUN(json_strings_are_always_valid_utf8);
}
