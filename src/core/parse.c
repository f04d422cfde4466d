#include "core/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s)
        return SHOP_EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return SHOP_EINVAL;
    *out = v;
    return SHOP_OK;
}

int parse_double(const char *s, double min, double max, double *out)
{
    if (!s || !*s)
        return SHOP_EINVAL;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < min || v > max)
        return SHOP_EINVAL;
    *out = v;
    return SHOP_OK;
}

/* Howard Hinnant's civil-date algorithms */
int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : dm[m - 1];
}

int parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    if (!s)
        return SHOP_EINVAL;
    size_t len = strlen(s);
    if (len == 10) {
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
            return SHOP_EINVAL;
    } else if (len == 20) {
        if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
            n != 20)
            return SHOP_EINVAL;
    } else {
        return SHOP_EINVAL;
    }
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h > 23 || mi > 59 || se > 59 || h < 0 || mi < 0 || se < 0)
        return SHOP_EINVAL;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    /* the years checked above are exactly this range */
    return *out >= SHOP_TIME_MIN && *out < SHOP_TIME_END ? SHOP_OK : SHOP_EINVAL;
}

void format_date(int64_t t, char *buf, int n)
{
    int y, m, d;
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, (size_t)n, "%04d-%02d-%02d", y, m, d);
}

void format_time(int64_t t, char *buf, int n)
{
    int y, m, d;
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t sec = t - days * 86400;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, (size_t)n, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
}

int parse_next_int(const char **p, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(*p, &end, 10);
    if (errno || end == *p || (*end != ' ' && *end != ':' && *end != '\0'))
        return 0;
    *out = v;
    *p = end;
    return 1;
}

int parse_next_double(const char **p, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(*p, &end);
    if (errno || end == *p || (*end != ' ' && *end != '\0') || !isfinite(v))
        return 0;
    *out = v;
    *p = end;
    return 1;
}
