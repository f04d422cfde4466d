/* core/parse.h - checked number parsing for flags and files (no atoi).
 *     int64_t n; if (parse_int64(arg, 1, 1000000, &n) != SHOP_OK) -> one-line error     */
#ifndef SHOP_CORE_PARSE_H
#define SHOP_CORE_PARSE_H

#include <stdint.h>

#include "core/status.h"

/* Whole string must be a base-10 integer within [min, max]; else SHOP_EINVAL. */
SHOP_MUST_CHECK int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Whole string must be a finite number within [min, max]; else SHOP_EINVAL. */
SHOP_MUST_CHECK int parse_double(const char *s, double min, double max, double *out);
/* Numbers one after another in a saved text record: the next base-10 integer / finite
 * number at *p (after blanks), ending at a blank, the end or (an integer) a ':'; *p moves
 * past it. 0 when there is none there (the record is unreadable). */
int parse_next_int(const char **p, int64_t *out);
int parse_next_double(const char **p, double *out);

/* The times the whole system handles, defined once: 1970-01-01T00:00:00Z up to (not
 * including) 10000-01-01, i.e. [SHOP_TIME_MIN, SHOP_TIME_END). parse_time refuses any date
 * outside; code that computes dates (a simulation's last day) checks them against it, so
 * that a range "from SHOP_TIME_MIN to SHOP_TIME_END" really is everything. */
#define SHOP_TIME_MIN 0LL
#define SHOP_TIME_END 253402300800LL /* 10000-01-01 */
#define SHOP_DAY_END (SHOP_TIME_END / 86400) /* the day after 9999-12-31 */

/* "YYYY-MM-DD" (UTC midnight) or "YYYY-MM-DDTHH:MM:SSZ" -> unix seconds, within
 * [SHOP_TIME_MIN, SHOP_TIME_END) */
SHOP_MUST_CHECK int parse_time(const char *s, int64_t *out);
/* unix seconds -> "YYYY-MM-DD" in buf (>= 11 bytes) */
void format_date(int64_t t, char *buf, int n);
/* unix seconds -> "YYYY-MM-DDTHH:MM:SSZ" in buf (>= 21 bytes) */
void format_time(int64_t t, char *buf, int n);
/* days since 1970-01-01 of a civil date, and back (proleptic Gregorian, UTC) */
int64_t days_from_civil(int y, int m, int d);
void civil_from_days(int64_t z, int *y, int *m, int *d);

#endif
