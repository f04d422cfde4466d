/* tests/fixtures.c - helpers several suites share: simulated stores, SQL oracles. */
#include <sqlite3.h>
#include <stdlib.h>

#include "sim/sim.h"
#include "test.h"

struct store *test_simulated_store(const char *name, int64_t customers, int64_t products,
                                   int64_t days, uint64_t seed, double tracked_share,
                                   char **path_out)
{
    char *path = test_tmp_path(name);
    struct store *st;
    CHECK(store_open(path, STORE_CREATE | STORE_WRITE, &st) == SHOP_OK);
    struct sim_config c;
    sim_config_default(&c);
    c.customers = customers;
    c.products = products;
    c.days = days;
    c.seed = seed;
    c.tracked_share = tracked_share;
    struct sim_report r;
    CHECK(sim_run(st, &c, &r) == SHOP_OK);
    if (path_out)
        *path_out = path;
    else
        free(path);
    return st;
}

double test_sql_num(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    double v = -1;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_double(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}
