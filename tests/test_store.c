#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"
#include "test.h"

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
}

static void creates_and_reopens(void)
{
    char *path = test_tmp_path("s.db");
    struct store *st;
    CHECK(store_open(path, 0, &st) == SHOP_ENOTFOUND && st == NULL);
    CHECK(strstr(store_open_error(), "no store") != NULL);
    CHECK(store_open(path, STORE_CREATE, &st) == SHOP_OK);
    CHECK(store_schema_version(st) == STORE_SCHEMA_VERSION);
    CHECK(store_meta_set(st, "k", "v") == SHOP_OK);
    store_close(st);
    CHECK(store_open(path, 0, &st) == SHOP_OK);
    char buf[8];
    CHECK(store_meta_get(st, "k", buf, sizeof(buf)) == SHOP_OK && strcmp(buf, "v") == 0);
    CHECK(store_meta_get(st, "nope", buf, sizeof(buf)) == SHOP_ENOTFOUND);
    CHECK(store_meta_int(st, "k", 7) == 7);
    store_close(st);
    free(path);
}

static void refuses_newer_foreign_and_corrupt(void)
{
    char *path = test_tmp_path("new.db");
    struct store *st;
    CHECK(store_open(path, STORE_CREATE, &st) == SHOP_OK);
    store_close(st);
    exec_sql(path, "PRAGMA user_version = 99");
    CHECK(store_open(path, 0, &st) == SHOP_EVERSION);
    CHECK(strstr(store_open_error(), "newer") != NULL);
    free(path);

    path = test_tmp_path("foreign.db");
    exec_sql(path, "CREATE TABLE t(x)");
    CHECK(store_open(path, STORE_CREATE, &st) == SHOP_EDB);
    CHECK(strstr(store_open_error(), "not a shopper database") != NULL);
    free(path);

    path = test_tmp_path("garbage.db");
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < 4096; i++)
        fputc(i * 7 % 251, f);
    fclose(f);
    CHECK(store_open(path, 0, &st) == SHOP_EDB);
    free(path);
}

static void read_only_and_locked(void)
{
    char *path = test_tmp_path("ro.db");
    struct store *st;
    CHECK(store_open(path, STORE_CREATE, &st) == SHOP_OK);
    store_close(st);
    chmod(path, 0444);
    CHECK(store_open(path, STORE_WRITE, &st) == SHOP_EREADONLY);
    CHECK(store_open(path, 0, &st) == SHOP_OK); /* reading is fine */
    struct store_stats s;
    CHECK(store_stats(st, &s) == SHOP_OK);
    store_close(st);
    chmod(path, 0644);

    /* another connection holds the write lock */
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
    store_set_busy_timeout(st, 50);
    CHECK(store_begin(st) == SHOP_EBUSY);
    CHECK(strstr(store_errmsg(st), "locked") != NULL);
    store_close(st);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    free(path);
}

static void purchase_rules(void)
{
    struct store *st;
    char *path = test_tmp_path("p.db");
    CHECK(store_open(path, STORE_CREATE, &st) == SHOP_OK);
    struct store_customer c = {0};
    snprintf(c.name, sizeof(c.name), "Ann");
    snprintf(c.gender, sizeof(c.gender), "female");
    snprintf(c.size, sizeof(c.size), "M");
    c.created_at = 1;
    CHECK(store_customer_add(st, &c) == SHOP_OK && c.id == 1);
    struct store_product p = {0};
    snprintf(p.name, sizeof(p.name), "Tee");
    snprintf(p.category, sizeof(p.category), "T-Shirt");
    snprintf(p.gender, sizeof(p.gender), "women");
    snprintf(p.fabric, sizeof(p.fabric), "Cotton");
    snprintf(p.season, sizeof(p.season), "Summer");
    snprintf(p.zone, sizeof(p.zone), "back_wall");
    p.base_price_cents = p.price_cents = 1999;
    p.cost_cents = 900;
    CHECK(store_product_add(st, &p) == SHOP_OK);
    struct store_product bad = p;
    bad.price_cents = 0;
    CHECK(store_product_add(st, &bad) == SHOP_EINVAL);
    for (int i = 1; i <= 2; i++) {
        struct store_item it = {.id = i, .product_id = p.id, .received_at = 1};
        snprintf(it.size, sizeof(it.size), "M");
        snprintf(it.rfid, sizeof(it.rfid), "TAG%d", i);
        snprintf(it.zone, sizeof(it.zone), "back_wall");
        CHECK(store_item_add(st, &it) == SHOP_OK);
    }
    struct store_session s = {.customer_id = c.id, .started_at = 10, .ended_at = 20};
    CHECK(store_session_add(st, &s) == SHOP_OK);
    struct store_line lines[2] = {{1, p.id, 1999, 1999, 0}, {2, p.id, 1999, 1000, 0.5}};
    int64_t pid;
    CHECK(store_begin(st) == SHOP_OK);
    CHECK(store_purchase_add(st, s.id, c.id, 15, lines, 2, &pid) == SHOP_OK);
    CHECK(store_commit(st) == SHOP_OK);
    struct store_stats stats;
    CHECK(store_stats(st, &stats) == SHOP_OK);
    CHECK(stats.revenue_cents == 2999 && stats.items_sold == 2 && stats.purchases == 1);
    /* the same item cannot be sold twice; the failed purchase leaves nothing behind */
    CHECK(store_begin(st) == SHOP_OK);
    CHECK(store_purchase_add(st, s.id, c.id, 16, lines, 1, &pid) == SHOP_ECONFLICT);
    store_rollback(st);
    CHECK(store_stats(st, &stats) == SHOP_OK);
    CHECK(stats.purchases == 1 && stats.items_sold == 2);
    /* the check sees the items were never marked sold */
    struct store_check chk;
    CHECK(store_check_run(st, &chk) == SHOP_OK);
    CHECK(chk.integrity_ok && chk.sold_twice == 0 && chk.bad_totals == 0);
    CHECK(chk.sold_not_marked == 2);
    store_close(st);
    free(path);
}

static int64_t user_version(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    int64_t v = -999;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK);
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* a negative user_version is refused at once (it indexed migrations[-1] and looped 2^31
 * times); a read-only open never writes: not a schema into an empty file, not a version */
static void odd_versions_and_read_only_opens(void)
{
    static const char *const bad[] = {"-1", "-2147483648"};
    struct store *st;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *path = test_tmp_path("neg.db");
        remove(path);
        CHECK(store_open(path, STORE_CREATE, &st) == SHOP_OK);
        store_close(st);
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %s", bad[i]);
        exec_sql(path, sql);
        CHECK(store_open(path, 0, &st) == SHOP_EDB && st == NULL);
        CHECK(strstr(store_open_error(), "invalid schema version") != NULL);
        CHECK(store_open(path, STORE_WRITE, &st) == SHOP_EDB && st == NULL);
        CHECK(user_version(path) == strtoll(bad[i], NULL, 10)); /* untouched */
        free(path);
    }

    char *path = test_tmp_path("empty.db");
    remove(path);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    fclose(f);
    CHECK(store_open(path, 0, &st) == SHOP_EDB && st == NULL);
    CHECK(strstr(store_open_error(), "empty") != NULL);
    CHECK(file_size(path) == 0);
    free(path);

    /* an older schema (version 0 with our tables: what a future version 2 sees in a 1) is not
     * migrated by a read-only open */
    path = test_tmp_path("old.db");
    remove(path);
    CHECK(store_open(path, STORE_CREATE, &st) == SHOP_OK);
    store_close(st);
    exec_sql(path, "PRAGMA user_version = 0");
    CHECK(store_open(path, 0, &st) == SHOP_EREADONLY && st == NULL);
    CHECK(strstr(store_open_error(), "needs an upgrade") != NULL);
    CHECK(user_version(path) == 0);
    free(path);
}

void test_store(void)
{
    RUN(creates_and_reopens);
    RUN(refuses_newer_foreign_and_corrupt);
    RUN(read_only_and_locked);
    RUN(purchase_rules);
    RUN(odd_versions_and_read_only_opens);
}
