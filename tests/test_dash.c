/* tests/test_dash.c - the dashboard's domain views (sales, inventory, stored rules) against
 * SQL run directly on the same simulated store. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/assoc.h"
#include "analytics/emostats.h"
#include "analytics/kpi.h"
#include "analytics/sales.h"
#include "store/store.h"
#include "test.h"

static struct store *st;
static char *path;

static void daily_series_matches_sql(void)
{
    struct sales_daily d;
    CHECK(sales_daily_get(st, 0, KPI_OPEN_END, &d) == SHOP_OK);
    CHECK(d.n > 0);
    CHECK(d.revenue_cents == (int64_t)test_sql_num(path, "SELECT sum(price_cents) FROM purchase_lines"));
    CHECK(d.units == (int64_t)test_sql_num(path, "SELECT count(*) FROM purchase_lines"));
    CHECK(d.purchases == (int64_t)test_sql_num(path, "SELECT count(*) FROM purchases"));
    /* every day from the first sale to the last, each once, ascending */
    int64_t first = (int64_t)test_sql_num(path, "SELECT min(purchased_at) / 86400 FROM purchases");
    int64_t last = (int64_t)test_sql_num(path, "SELECT max(purchased_at) / 86400 FROM purchases");
    CHECK((int64_t)d.n == last - first + 1);
    for (size_t i = 0; i < d.n; i++)
        CHECK(d.days[i].day == first + (int64_t)i);
    int64_t sum = 0;
    for (size_t i = 0; i < d.n; i++)
        sum += d.days[i].revenue_cents;
    CHECK(sum == d.revenue_cents);
    sales_daily_release(&d);

    /* a bounded range gets all its days, zeros included */
    int64_t from = first * 86400, to = (first + 3) * 86400;
    CHECK(sales_daily_get(st, from - 86400, to, &d) == SHOP_OK);
    CHECK(d.n == 4 && d.days[0].day == first - 1 && d.days[0].units == 0);
    sales_daily_release(&d);
    /* whole days come from the daily aggregates, the parts of a day at either end from the
     * rows: each day of a range that starts and ends mid-day is the rows' */
    int64_t mid_from = first * 86400 + 12 * 3600 + 7, mid_to = (first + 20) * 86400 + 9 * 3600;
    CHECK(sales_daily_get(st, mid_from, mid_to, &d) == SHOP_OK);
    CHECK(d.n == 21 && d.days[0].day == first && d.days[20].day == first + 20);
    for (size_t i = 0; i < d.n; i++) {
        int64_t a = d.days[i].day * 86400, b = a + 86400;
        if (a < mid_from)
            a = mid_from;
        if (b > mid_to)
            b = mid_to;
        char q[512];
        snprintf(q, sizeof(q), "SELECT coalesce(sum(l.price_cents), 0) * 1000000 + count(l.id) * 1000 + "
                 "count(DISTINCT p.id) FROM purchases p JOIN purchase_lines l ON l.purchase_id = p.id "
                 "WHERE p.purchased_at >= %lld AND p.purchased_at < %lld", (long long)a, (long long)b);
        CHECK((int64_t)test_sql_num(path, q) ==
              d.days[i].revenue_cents * 1000000 + d.days[i].units * 1000 + d.days[i].purchases);
    }
    CHECK(d.units > 0);
    sales_daily_release(&d);
    /* a range without sales: no days, zero totals */
    CHECK(sales_daily_get(st, (last + 10) * 86400, (last + 20) * 86400, &d) == SHOP_OK);
    CHECK(d.n == 0 && d.units == 0 && d.revenue_cents == 0 && d.purchases == 0);
    sales_daily_release(&d);
    /* a series of thousands of years is refused, not allocated */
    CHECK(sales_daily_get(st, 1, KPI_OPEN_END - 1, &d) == SHOP_EINVAL);
    sales_daily_release(&d);
}

static void by_attribute_and_ranking_match_kpi(void)
{
    struct kpi k;
    CHECK(kpi_compute(st, 0, KPI_OPEN_END, &k) == SHOP_OK);
    for (int dim = 0; dim < 4; dim++) {
        struct sales_by b;
        CHECK(sales_by_get(st, (enum store_dim)dim, 0, KPI_OPEN_END, &b) == SHOP_OK);
        CHECK((int)b.n == k.s.ngroups[dim]);
        for (size_t g = 0; g < b.n && (int)g < k.s.ngroups[dim]; g++) {
            CHECK(strcmp(b.groups[g].key, k.s.groups[dim][g].key) == 0);
            CHECK(b.groups[g].units == k.s.groups[dim][g].units);
            CHECK(b.groups[g].revenue_cents == k.s.groups[dim][g].revenue_cents);
        }
        CHECK(b.revenue_cents == k.s.revenue_cents);
        sales_by_release(&b);
    }
    struct sales_products s;
    CHECK(sales_products_get(st, 0, KPI_OPEN_END, &s) == SHOP_OK);
    CHECK(s.n == k.s.nproducts);
    for (size_t i = 0; i < s.n && i < k.s.nproducts; i++) {
        CHECK(s.p[s.by_units[i]].id == k.s.products[k.by_units[i]].id);
        CHECK(s.p[i].tries == k.s.products[i].tries);
    }
    sales_products_release(&s);
    kpi_release(&k);
    enum store_dim d;
    CHECK(sales_dim_parse("fabric", &d) == SHOP_OK && d == STORE_DIM_FABRIC);
    CHECK(sales_dim_parse("colour", &d) == SHOP_EINVAL);
    CHECK(sales_dim_parse(NULL, &d) == SHOP_EINVAL);
}

/* units, revenue and try-ons per product over a range that starts and ends mid-day (whole
 * days from the aggregates, the ends from the rows) are the rows' own */
static void product_sales_match_rows(void)
{
    int64_t first = (int64_t)test_sql_num(path, "SELECT min(purchased_at) / 86400 FROM purchases");
    int64_t from = first * 86400 + 10 * 3600 + 13, to = (first + 30) * 86400 + 15 * 3600;
    struct sales_products s;
    CHECK(sales_products_get(st, from, to, &s) == SHOP_OK);
    CHECK(s.n == (size_t)test_sql_num(path, "SELECT count(*) FROM products"));
    int64_t units = 0;
    for (size_t i = 0; i < s.n; i++) {
        char q[512];
        snprintf(q, sizeof(q), "SELECT (SELECT count(*) * 100000000 + coalesce(sum(l.price_cents), 0) "
                 "FROM purchase_lines l JOIN purchases p ON p.id = l.purchase_id WHERE l.product_id = "
                 "%lld AND p.purchased_at >= %lld AND p.purchased_at < %lld)", (long long)s.p[i].id,
                 (long long)from, (long long)to);
        CHECK((int64_t)test_sql_num(path, q) == s.p[i].units * 100000000 + s.p[i].revenue_cents);
        snprintf(q, sizeof(q), "SELECT count(*) FROM tryons t JOIN items i ON i.id = t.item_id "
                 "WHERE i.product_id = %lld AND t.tried_at >= %lld AND t.tried_at < %lld",
                 (long long)s.p[i].id, (long long)from, (long long)to);
        CHECK((int64_t)test_sql_num(path, q) == s.p[i].tries);
        units += s.p[i].units;
    }
    CHECK(units > 0 && units == s.units);
    sales_products_release(&s);
}

/* sales by each attribute over a range that starts and ends mid-day (the per-product sums:
 * whole days from the aggregates, the ends from the rows) are the rows' own, group by group,
 * by revenue then key; a range without sales has no groups */
static void sales_by_match_rows(void)
{
    static const char *const cols[4] = {"category", "fabric", "gender", "season"};
    int64_t first = (int64_t)test_sql_num(path, "SELECT min(purchased_at) / 86400 FROM purchases");
    int64_t from = first * 86400 + 7 * 3600 + 11, to = (first + 25) * 86400 + 17 * 3600;
    for (int dim = 0; dim < 4; dim++) {
        struct sales_by b;
        CHECK(sales_by_get(st, (enum store_dim)dim, from, to, &b) == SHOP_OK);
        char q[640];
        snprintf(q, sizeof(q), "SELECT count(DISTINCT pr.%s) FROM purchase_lines l JOIN purchases p "
                 "ON p.id = l.purchase_id JOIN products pr ON pr.id = l.product_id WHERE "
                 "p.purchased_at >= %lld AND p.purchased_at < %lld", cols[dim], (long long)from,
                 (long long)to);
        CHECK(b.n > 1 && (double)b.n == test_sql_num(path, q));
        for (size_t g = 0; g < b.n; g++) {
            snprintf(q, sizeof(q), "SELECT count(*) * 100000000 + sum(l.price_cents) FROM "
                     "purchase_lines l JOIN purchases p ON p.id = l.purchase_id JOIN products pr ON "
                     "pr.id = l.product_id WHERE pr.%s = '%s' AND p.purchased_at >= %lld AND "
                     "p.purchased_at < %lld", cols[dim], b.groups[g].key, (long long)from,
                     (long long)to);
            CHECK((int64_t)test_sql_num(path, q) ==
                  b.groups[g].units * 100000000 + b.groups[g].revenue_cents);
            if (g > 0)
                CHECK(b.groups[g - 1].revenue_cents > b.groups[g].revenue_cents ||
                      (b.groups[g - 1].revenue_cents == b.groups[g].revenue_cents &&
                       strcmp(b.groups[g - 1].key, b.groups[g].key) < 0));
        }
        sales_by_release(&b);
    }
    int64_t last = (int64_t)test_sql_num(path, "SELECT max(purchased_at) / 86400 FROM purchases");
    struct sales_by b;
    CHECK(sales_by_get(st, STORE_DIM_SEASON, (last + 2) * 86400 + 5, (last + 9) * 86400, &b) ==
          SHOP_OK);
    CHECK(b.n == 0 && b.units == 0);
    sales_by_release(&b);
}

/* the Emotions tab's summary of a range agrees with the events' rows: whole days come from
 * the emotion days, the ends from the rows */
static void emotions_agree_with_rows(struct store *s, const char *db, int64_t from, int64_t to)
{
    struct emostats e;
    CHECK(emostats_get(s, from, to, &e) == SHOP_OK);
    char q[320];
    const char *cols[] = {"count(*)", "sum(grp = 'frustration')", "sum(grp = 'surprise')",
                          "sum(dominant = 'happy')", "coalesce(avg(score), 0)",
                          "coalesce(avg(p_angry), 0)", "coalesce(avg(p_neutral), 0)"};
    double want[7];
    for (int i = 0; i < 7; i++) {
        snprintf(q, sizeof(q), "SELECT %s FROM emotion_events WHERE at >= %lld AND at < %lld",
                 cols[i], (long long)from, (long long)to);
        want[i] = test_sql_num(db, q);
    }
    CHECK(e.events == (int64_t)want[0]);
    CHECK(e.by_group[0] == (int64_t)want[1] && e.by_group[2] == (int64_t)want[2]);
    CHECK(e.by_dominant[1] == (int64_t)want[3]);
    CHECK_NEAR(e.mean_score, want[4], 1e-9 * (1 + want[4]));
    CHECK_NEAR(e.mean_p[3], want[5], 1e-9);
    CHECK_NEAR(e.mean_p[0], want[6], 1e-9);
}

static void emotion_summary_matches_rows(void)
{
    int64_t first = (int64_t)test_sql_num(path, "SELECT min(at) / 86400 FROM emotion_events");
    CHECK(test_sql_num(path, "SELECT count(*) FROM emotion_events") > 20);
    emotions_agree_with_rows(st, path, 0, KPI_OPEN_END);
    emotions_agree_with_rows(st, path, first * 86400 + 9 * 3600 + 5, (first + 12) * 86400 + 14 * 3600);
    emotions_agree_with_rows(st, path, first * 86400 + 3600, first * 86400 + 7200);
    /* an erasure takes a customer's events out of the emotion days too */
    char *p2;
    struct store *s2 = test_simulated_store("emo.db", 60, 10, 30, 7, 0.2, &p2);
    int64_t who = (int64_t)test_sql_num(p2, "SELECT customer_id FROM emotion_events WHERE "
                                             "customer_id IS NOT NULL GROUP BY 1 ORDER BY "
                                             "count(*) DESC LIMIT 1");
    CHECK(who > 0);
    struct store_face_erasure fe;
    CHECK(store_face_forget(s2, who, "delete", "test", 1, &fe) == SHOP_OK);
    CHECK(fe.emotion_events > 0);
    emotions_agree_with_rows(s2, p2, 0, KPI_OPEN_END);
    CHECK(test_sql_num(p2, "SELECT sum(events) FROM kpi_emotion_days") ==
          test_sql_num(p2, "SELECT count(*) FROM emotion_events"));
    /* raw writes by another connection (a sqlite3 shell): the days follow them too */
    sqlite3 *db;
    CHECK(sqlite3_open(p2, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "INSERT INTO emotion_events(session_id, customer_id, at, grp, dominant, "
                       "score, p_neutral, p_happy, p_sad, p_angry, p_fearful, p_disgusted, "
                       "p_surprised) SELECT session_id, customer_id, at + 86400, grp, dominant, "
                       "score, p_neutral, p_happy, p_sad, p_angry, p_fearful, p_disgusted, "
                       "p_surprised FROM emotion_events ORDER BY id LIMIT 5; "
                       "UPDATE emotion_events SET grp = 'surprise', score = score / 2, at = at + 7 "
                       "WHERE id IN (SELECT id FROM emotion_events ORDER BY id DESC LIMIT 3)",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    emotions_agree_with_rows(s2, p2, 0, KPI_OPEN_END);
    int64_t first2 = (int64_t)test_sql_num(p2, "SELECT min(at) / 86400 FROM emotion_events");
    emotions_agree_with_rows(s2, p2, first2 * 86400 + 4000, (first2 + 20) * 86400 + 999);
    store_close(s2);
    free(p2);
}

/* the sessions with the most events in a range, as the rows count them, with their names */
static void emotion_sessions_match_rows(void)
{
    struct store_emotion_session *e = NULL;
    size_t n = 0;
    CHECK(store_emotion_sessions(st, 0, KPI_OPEN_END, 5, &e, &n) == SHOP_OK);
    CHECK(n == 5);
    for (size_t i = 0; i < n; i++) {
        char q[256];
        snprintf(q, sizeof(q), "SELECT count(*) * 1000 + sum(grp = 'frustration') FROM "
                 "emotion_events WHERE session_id = %lld", (long long)e[i].session_id);
        CHECK((int64_t)test_sql_num(path, q) == e[i].events * 1000 + e[i].by_group[0]);
        snprintf(q, sizeof(q), "SELECT count(*) FROM emotion_events WHERE session_id IS NOT NULL "
                 "GROUP BY session_id HAVING count(*) > %lld", (long long)e[i].events);
        CHECK(test_sql_num(path, q) == -1 || i > 0); /* none has more than the first */
        if (i > 0)
            CHECK(e[i - 1].events > e[i].events ||
                  (e[i - 1].events == e[i].events && e[i - 1].last_at >= e[i].last_at));
        if (e[i].customer_id) {
            snprintf(q, sizeof(q), "SELECT count(*) FROM customers WHERE id = %lld AND name = '%s'",
                     (long long)e[i].customer_id, e[i].customer_name);
            CHECK(test_sql_num(path, q) == 1);
        }
    }
    /* the first 5 are the first 5 of every session in order (the page is picked by a heap),
     * also for a range that cuts the days */
    int64_t t0 = (int64_t)test_sql_num(path, "SELECT min(at) FROM emotion_events");
    const int64_t r[2][2] = {{0, KPI_OPEN_END}, {t0 + 7000, t0 + 20 * 86400 + 3000}};
    for (int k = 0; k < 2; k++) {
        struct store_emotion_session *all = NULL, *page = NULL;
        size_t nall = 0, npage = 0;
        CHECK(store_emotion_sessions(st, r[k][0], r[k][1], -1, &all, &nall) == SHOP_OK);
        CHECK(store_emotion_sessions(st, r[k][0], r[k][1], 5, &page, &npage) == SHOP_OK);
        CHECK(nall > 5 && npage == 5);
        for (size_t i = 0; i < npage && i < nall; i++)
            CHECK(page[i].session_id == all[i].session_id && page[i].events == all[i].events &&
                  page[i].last_at == all[i].last_at);
        free(all);
        free(page);
    }
    free(e);
}

static void inventory_flags_low_sizes(void)
{
    struct inventory inv;
    CHECK(inventory_get(st, 2, &inv) == SHOP_OK);
    CHECK(inv.n == (size_t)test_sql_num(path, "SELECT count(*) FROM products"));
    int64_t low = 0, stocked = 0, in_stock = 0;
    for (size_t i = 0; i < inv.n; i++) {
        int64_t sum = 0;
        for (int z = 0; z < inv.nsizes; z++) {
            stocked += inv.p[i].stocked >> z & 1;
            low += inv.p[i].low >> z & 1;
            sum += inv.p[i].by_size[z];
        }
        CHECK(sum == inv.p[i].stock);
        in_stock += sum;
    }
    CHECK(in_stock == (int64_t)test_sql_num(path, "SELECT count(*) FROM items WHERE status = 'in_stock'"));
    CHECK(stocked == (int64_t)test_sql_num(path, "SELECT count(*) FROM (SELECT DISTINCT product_id, size FROM items)"));
    CHECK(low == (int64_t)test_sql_num(path, "SELECT count(*) FROM (SELECT product_id, size FROM items "
                                             "GROUP BY 1, 2 HAVING sum(status = 'in_stock') <= 2)"));
    inventory_release(&inv);
}

static void rules_are_replaced_and_filtered(void)
{
    struct assoc_summary s1, s2;
    CHECK(assoc_mine(st, 2, 0.05, 0, 1000, &s1) == SHOP_OK);
    CHECK(s1.stored > 0 && s1.transactions == (int64_t)test_sql_num(path, "SELECT count(*) FROM purchases"));
    CHECK(s1.stored == (int64_t)test_sql_num(path, "SELECT count(*) FROM assoc_rules"));
    CHECK(assoc_mine(st, 3, 0.2, 0, 2000, &s2) == SHOP_OK);
    CHECK(s2.stored <= s1.stored);
    CHECK(s2.stored == (int64_t)test_sql_num(path, "SELECT count(*) FROM assoc_rules"));
    CHECK(test_sql_num(path, "SELECT count(*) FROM assoc_rules WHERE mined_at <> 2000") == 0);
    struct assoc_list l;
    CHECK(assoc_list_get(st, 0, STORE_RULES_BY_CONFIDENCE, 1000, 0, &l) == SHOP_OK);
    CHECK(l.total == s2.stored && (int64_t)l.n == l.total && l.s.mined_at == 2000);
    CHECK(l.s.min_support == 3);
    CHECK_NEAR(l.s.min_confidence, 0.2, 1e-12);
    for (size_t i = 1; i < l.n; i++)
        CHECK(l.r[i - 1].confidence >= l.r[i].confidence);
    int64_t pid = l.n ? l.r[0].consequent : 1;
    assoc_list_release(&l);
    CHECK(assoc_list_get(st, pid, STORE_RULES_BY_LIFT, 1000, 0, &l) == SHOP_OK);
    CHECK(l.n > 0);
    for (size_t i = 0; i < l.n; i++) {
        char needle[32];
        snprintf(needle, sizeof(needle), " %lld ", (long long)pid);
        char hay[300];
        snprintf(hay, sizeof(hay), " %s ", l.r[i].antecedent);
        CHECK(l.r[i].consequent == pid || strstr(hay, needle));
    }
    assoc_list_release(&l);
    CHECK(assoc_list_get(st, 999999, STORE_RULES_BY_LIFT, 10, 0, &l) == SHOP_ENOTFOUND);
    assoc_list_release(&l);
    CHECK(assoc_mine(st, 0, 0.5, 0, 3000, &s1) == SHOP_EINVAL);
    CHECK(assoc_mine(st, 0.01, 1.5, 0, 3000, &s1) == SHOP_EINVAL);
    CHECK(test_sql_num(path, "SELECT count(*) FROM assoc_rules WHERE mined_at <> 2000") == 0);
}

void test_dash(void)
{
    st = test_simulated_store("dash.db", 60, 10, 30, 7, 0.2, &path);
    RUN(daily_series_matches_sql);
    RUN(product_sales_match_rows);
    RUN(by_attribute_and_ranking_match_kpi);
    RUN(sales_by_match_rows);
    RUN(emotion_summary_matches_rows);
    RUN(emotion_sessions_match_rows);
    RUN(inventory_flags_low_sizes);
    RUN(rules_are_replaced_and_filtered);
    store_close(st);
    free(path);
}
