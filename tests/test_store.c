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

/* a store made by schema version 1 (tests/data/schema_v1.sql, the v1 schema.sql) upgrades
 * in place: its rows stay, an emotion event gains the firing frame's columns */
static void upgrades_a_v1_store(void)
{
    char *path = test_tmp_path("v1.db");
    char file[512];
    snprintf(file, sizeof(file), "%s/schema_v1.sql", test_data_dir());
    FILE *f = fopen(file, "rb");
    CHECK(f != NULL);
    if (!f) {
        free(path);
        return;
    }
    char *sql = calloc(1, 1 << 16);
    size_t n = fread(sql, 1, (1 << 16) - 1, f);
    fclose(f);
    CHECK(n > 1000);
    exec_sql(path, sql);
    free(sql);
    exec_sql(path, "PRAGMA user_version = 1; PRAGMA application_id = 1397247824;"
                   "INSERT INTO customers(id, name, gender, size, created_at) "
                   "VALUES (1, 'Old', 'female', 'M', 1700000000);"
                   "INSERT INTO emotion_events(customer_id, at, grp, dominant, score, p_neutral, "
                   "p_happy, p_sad, p_angry, p_fearful, p_disgusted, p_surprised) VALUES "
                   "(1, 1700000100, 'frustration', 'neutral', 16.7, 0.8, 0, 0, 0.2, 0, 0, 0)");
    struct store *st;
    CHECK(store_open(path, 0, &st) == SHOP_OK);
    CHECK(store_schema_version(st) == STORE_SCHEMA_VERSION && STORE_SCHEMA_VERSION == 2);
    struct store_emotion_event e = {0};
    e.customer_id = 1;
    e.at = 1700000200;
    snprintf(e.grp, sizeof(e.grp), "frustration");
    snprintf(e.dominant, sizeof(e.dominant), "neutral");
    e.score = 13.3;
    e.p[0] = 0.87;
    e.peak_score = 80;
    snprintf(e.peak_dominant, sizeof(e.peak_dominant), "angry");
    CHECK(store_emotion_event_add(st, &e) == SHOP_OK);
    store_close(st);
    CHECK(test_sql_num(path, "PRAGMA user_version") == 2);
    CHECK(test_sql_num(path, "SELECT count(*) FROM emotion_events WHERE peak_score IS NULL AND "
                             "score = 16.7") == 1);
    CHECK(test_sql_num(path, "SELECT peak_score FROM emotion_events WHERE peak_dominant = "
                             "'angry'") == 80);
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

void test_store(void)
{
    RUN(creates_and_reopens);
    RUN(refuses_newer_foreign_and_corrupt);
    RUN(upgrades_a_v1_store);
    RUN(read_only_and_locked);
    RUN(purchase_rules);
}
