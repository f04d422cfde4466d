#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/profiles.h"
#include "analytics/segments.h"
#include "sim/sim.h"
#include "store/store.h"
#include "test.h"

static struct store *simulated(const char *name, int64_t customers, int64_t days)
{
    return test_simulated_store(name, customers, 16, days, 11, 0, NULL);
}

static void every_customer_gets_a_profile(void)
{
    struct store *st = simulated("seg.db", 300, 60);
    struct segments_report r;
    CHECK(segments_train(st, 4, 42, 1000, &r) == SHOP_OK);
    CHECK(r.k == 4 && r.customers == 300);
    int64_t sum = 0;
    for (int s = 0; s < r.k; s++) {
        sum += r.seg[s].customers;
        CHECK(r.seg[s].description[0] != '\0');
    }
    CHECK(sum == 300);
    struct store_profile *p;
    size_t n;
    CHECK(store_profiles(st, &p, &n) == SHOP_OK);
    CHECK(n == 300);
    int bad = 0, without = 0;
    for (size_t i = 0; i < n; i++) {
        bad |= p[i].segment < 0 || p[i].segment >= 4 || !p[i].pref_size[0] ||
               !p[i].pref_category[0];
        without += p[i].purchases == 0;
    }
    CHECK(!bad);
    CHECK(without > 0); /* non-buyers are profiled too (from their stated preferences) */
    free(p);

    /* the segment with the highest average discount is rich in bargain hunters */
    int best = 0;
    for (int s = 1; s < r.k; s++)
        if (r.seg[s].mean_discount > r.seg[best].mean_discount)
            best = s;
    struct store_customer *cs;
    size_t nc;
    CHECK(store_customers(st, &cs, &nc) == SHOP_OK);
    int in = 0, hunters_in = 0, hunters = 0;
    for (size_t i = 0; i < nc; i++) {
        struct store_profile q;
        CHECK(store_profile_get(st, cs[i].id, &q) == SHOP_OK);
        int h = strcmp(cs[i].persona, "bargain_hunter") == 0;
        hunters += h;
        if (q.segment == best) {
            in++;
            hunters_in += h;
        }
    }
    CHECK(in > 0);
    CHECK((double)hunters_in / in > 1.3 * (double)hunters / (double)nc);
    free(cs);
    store_close(st);
}

/* the Customers tab's summary (one walk of the profiles) against SQL on the same rows */
static void profiles_summary_matches_sql(void)
{
    char *path;
    struct store *st = test_simulated_store("psum.db", 300, 16, 60, 11, 0, &path);
    struct segments_report r;
    CHECK(segments_train(st, 4, 42, 1000, &r) == SHOP_OK);
    struct profiles_summary s;
    CHECK(profiles_summary_get(st, 5, &s) == SHOP_OK);
    CHECK(s.s.customers == 300);
    CHECK(s.s.buyers == test_sql_num(path, "SELECT count(*) FROM customer_profiles WHERE purchases > 0"));
    CHECK(s.s.buyers > 0 && s.s.buyers < 300);
    double want = test_sql_num(path, "SELECT avg(spend_cents) FROM customer_profiles WHERE purchases > 0");
    CHECK_NEAR(s.s.avg_spend_cents, want, 1e-9 * want);
    want = test_sql_num(path, "SELECT avg(mean_discount) FROM customer_profiles WHERE purchases > 0");
    CHECK_NEAR(s.s.avg_discount, want, 1e-12);
    want = test_sql_num(path, "SELECT avg(items) FROM customer_profiles WHERE purchases > 0");
    CHECK_NEAR(s.s.avg_items, want, 1e-9 * want);
    CHECK(s.s.updated_at == test_sql_num(path, "SELECT max(updated_at) FROM customer_profiles"));
    static const char *const cols[3] = {"pref_category", "pref_fabric", "pref_size"};
    for (int i = 0; i < 3; i++) {
        char q[320];
        snprintf(q, sizeof(q), "SELECT count(DISTINCT %s) FROM customer_profiles WHERE purchases > 0 "
                 "AND %s <> ''", cols[i], cols[i]);
        CHECK(s.nprefs[i] > 1 && (double)s.nprefs[i] == test_sql_num(path, q));
        for (size_t g = 0; g < s.nprefs[i]; g++) {
            snprintf(q, sizeof(q), "SELECT count(*) * 1000000000 + sum(spend_cents) FROM "
                     "customer_profiles WHERE purchases > 0 AND %s = '%s'", cols[i],
                     s.prefs[i][g].key);
            CHECK((int64_t)test_sql_num(path, q) ==
                  s.prefs[i][g].units * 1000000000 + s.prefs[i][g].revenue_cents);
            if (g > 0)
                CHECK(s.prefs[i][g - 1].units > s.prefs[i][g].units ||
                      (s.prefs[i][g - 1].units == s.prefs[i][g].units &&
                       strcmp(s.prefs[i][g - 1].key, s.prefs[i][g].key) < 0));
        }
    }
    CHECK(s.ntop == 5);
    profiles_summary_release(&s);
    /* the scatter's sample: profile floor(i * n / k) of all of them in customer order */
    struct store_profile *all;
    size_t n;
    CHECK(store_profiles(st, &all, &n) == SHOP_OK && n == 300);
    for (int64_t k = 1; k <= 400; k += 133) {
        struct profiles_points pts;
        CHECK(profiles_points_get(st, k, &pts) == SHOP_OK);
        CHECK(pts.total == 300 && pts.n == (size_t)(k < 300 ? k : 300));
        for (size_t i = 0; i < pts.n; i++) {
            const struct store_profile *q = &all[i * n / pts.n];
            CHECK(pts.p[i].customer_id == q->customer_id && pts.p[i].segment == q->segment &&
                  pts.p[i].spend_cents == q->spend_cents && pts.p[i].purchases == q->purchases);
        }
        profiles_points_release(&pts);
    }
    free(all);
    store_close(st);
    free(path);
}

static void sql_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
}

/* the walk of the profiles and the top spenders by SQL: what the saved summary must equal */
static int summary_is_the_walk(struct store *st, int64_t top, const struct profiles_summary *s)
{
    struct store_profile_summary w;
    struct store_kpi_group *prefs[3];
    size_t nprefs[3];
    struct store_profile_row *rows = NULL;
    size_t n = 0;
    int64_t total;
    int same = store_profile_summary(st, &w, prefs, nprefs) == SHOP_OK &&
               store_profile_rows(st, NULL, -1, STORE_PROFILES_BY_SPEND, top, 0, &rows, &n,
                                  &total) == SHOP_OK;
    same = same && memcmp(&w, &s->s, sizeof(w)) == 0 && n == s->ntop &&
           (n == 0 || memcmp(rows, s->top, n * sizeof(*rows)) == 0);
    for (int i = 0; i < 3; i++) {
        same = same && nprefs[i] == s->nprefs[i] &&
               (nprefs[i] == 0 || memcmp(prefs[i], s->prefs[i], nprefs[i] * sizeof(*prefs[i])) == 0);
        free(prefs[i]);
    }
    free(rows);
    return same;
}

/* the Customers screen's summary, saved with the profiles, equals the walk of them: for any
 * number of top spenders, and when the saved text is missing or corrupt (the walk answers) */
static void profiles_summary_saved_matches_the_walk(void)
{
    char *path;
    struct store *st = test_simulated_store("psaved.db", 300, 16, 60, 11, 0, &path);
    struct segments_report r;
    CHECK(segments_train(st, 4, 42, 1000, &r) == SHOP_OK);
    char saved[8192];
    CHECK(store_meta_get(st, "profiles.summary", saved, sizeof(saved)) == SHOP_OK);
    CHECK(strncmp(saved, "1 300 ", 6) == 0);
    static const int64_t tops[] = {0, 1, 10, 200, 201, 299, 300, 1000};
    for (size_t i = 0; i < sizeof(tops) / sizeof(*tops); i++) {
        struct profiles_summary s;
        CHECK(profiles_summary_get(st, tops[i], &s) == SHOP_OK);
        CHECK(s.ntop == (size_t)(tops[i] < 300 ? tops[i] : 300));
        CHECK(summary_is_the_walk(st, tops[i], &s));
        profiles_summary_release(&s);
    }
    store_close(st);
    static const char *const bad[] = {"", "2 300", "1 300 150 1 1 1 1 1000 0 0 0 1 99x",
                                      "1 300 150 1 1 1 1 1000 1 5 5 9:Coat 0 0 0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        char sql[256];
        snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%s' WHERE key = 'profiles.summary'",
                 bad[i]);
        sql_exec(path, sql);
        CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
        struct profiles_summary s;
        CHECK(profiles_summary_get(st, 10, &s) == SHOP_OK);
        CHECK(s.s.customers == 300 && s.ntop == 10 && summary_is_the_walk(st, 10, &s));
        profiles_summary_release(&s);
        store_close(st);
    }
    /* the saved numbers are the ones answered (not the walk's) when they read well */
    sql_exec(path, "UPDATE meta SET value = '1 7 3 1.5 2 3 0.25 1000 1 3 450 4:Coat 0 0 2 1 2' "
                   "WHERE key = 'profiles.summary'");
    CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
    struct profiles_summary s;
    CHECK(profiles_summary_get(st, 2, &s) == SHOP_OK);
    CHECK(s.s.customers == 7 && s.s.buyers == 3 && s.s.avg_discount == 0.25);
    CHECK(s.nprefs[0] == 1 && s.prefs[0][0].units == 3 && strcmp(s.prefs[0][0].key, "Coat") == 0);
    CHECK(s.ntop == 2 && s.top[0].p.customer_id == 1 && s.top[1].p.customer_id == 2);
    profiles_summary_release(&s);
    CHECK(profiles_summary_get(st, 3, &s) == SHOP_OK); /* 2 saved of 7: the walk answers */
    CHECK(s.s.customers == 300 && s.ntop == 3);
    profiles_summary_release(&s);
    store_close(st);
    free(path);
}

static void same_seed_same_segments(void)
{
    struct store *a = simulated("a.db", 120, 30), *b = simulated("b.db", 120, 30);
    struct segments_report ra, rb;
    CHECK(segments_train(a, 3, 5, 1, &ra) == SHOP_OK);
    CHECK(segments_train(b, 3, 5, 1, &rb) == SHOP_OK);
    CHECK(ra.inertia == rb.inertia);
    for (int s = 0; s < 3; s++)
        CHECK(ra.seg[s].customers == rb.seg[s].customers);
    store_close(a);
    store_close(b);
}

static void update_folds_in_new_sales(void)
{
    struct store *st = simulated("u.db", 200, 30);
    struct segments_report r0, r1, r2;
    CHECK(segments_update(st, 1, &r0) == SHOP_ENOTFOUND);
    CHECK(segments_train(st, 4, 42, 1, &r0) == SHOP_OK);
    CHECK(segments_update(st, 2, &r1) == SHOP_OK);
    CHECK(r1.updated == 0); /* nothing new: the model is as it was */
    CHECK(r1.inertia == r0.inertia);
    struct sim_config c;
    sim_config_default(&c);
    c.customers = 200;
    c.days = 14;
    c.seed = 11;
    c.tracked_share = 0;
    struct sim_report sr;
    CHECK(sim_run(st, &c, &sr) == SHOP_OK);
    CHECK(segments_update(st, 3, &r2) == SHOP_OK);
    CHECK(r2.updated > 20 && r2.incremental);
    int moved = 0;
    for (int s = 0; s < 4; s++)
        moved |= r2.seg[s].purchases != r1.seg[s].purchases;
    CHECK(moved);
    struct store_profile p;
    CHECK(store_profile_get(st, 1, &p) == SHOP_OK && p.updated_at == 3);
    store_close(st);
}

static void too_few_customers(void)
{
    struct store *st = simulated("few.db", 3, 5);
    struct segments_report r;
    CHECK(segments_train(st, 4, 42, 1, &r) == SHOP_EINVAL);
    struct store_profile *p;
    size_t n;
    CHECK(store_profiles(st, &p, &n) == SHOP_OK && n == 0);
    free(p);
    CHECK(segments_describe(st, &r) == SHOP_ENOTFOUND);
    store_close(st);
}

/* the segments' object but for what says when it was counted (assigned_at, unassigned) */
static int same_segments(const struct segments_report *a, const struct segments_report *b)
{
    int same = a->k == b->k && a->buyers == b->buyers && a->inertia == b->inertia &&
               a->assigned == b->assigned;
    for (int s = 0; s < a->k && same; s++)
        same = memcmp(&a->seg[s], &b->seg[s], sizeof(a->seg[s])) == 0;
    return same;
}

/* right after training, the description from the model and its saved assignment is the one
 * computed from scratch (every customer's features labelled now), and its counts are the
 * profiles' segments */
static void description_matches_the_scan(void)
{
    char *path;
    struct store *st = test_simulated_store("segdesc.db", 300, 16, 60, 11, 0, &path);
    struct segments_report trained, fast, scan;
    CHECK(segments_train(st, 4, 42, 1000, &trained) == SHOP_OK);
    CHECK(trained.assigned_at == 1000 && trained.assigned == 300 && trained.unassigned == 0);
    CHECK(segments_describe(st, &fast) == SHOP_OK);
    CHECK(segments_describe_scan(st, &scan) == SHOP_OK);
    CHECK(same_segments(&fast, &trained));
    CHECK(same_segments(&fast, &scan));
    CHECK(fast.customers == 300 && scan.customers == 300);
    CHECK(fast.assigned_at == 1000 && fast.unassigned == 0);
    CHECK(scan.assigned_at == 0 && scan.unassigned == 0 && scan.assigned == 300);
    /* the labels name the centres against the population: pinned for this fixture */
    int named = 0;
    for (int s = 0; s < fast.k; s++) {
        char q[128];
        snprintf(q, sizeof(q), "SELECT count(*) FROM customer_profiles WHERE segment = %d", s);
        CHECK((double)fast.seg[s].customers == test_sql_num(path, q));
        named += strcmp(fast.seg[s].label, "new or inactive customers") == 0 ||
                 strcmp(fast.seg[s].label, "bargain hunters") == 0;
    }
    CHECK(named >= 2);
    CHECK((double)fast.buyers ==
          test_sql_num(path, "SELECT count(*) FROM customer_profiles WHERE purchases > 0"));
    CHECK(fast.buyers > 0 && fast.buyers < 300);
    store_close(st);
    free(path);
}

/* Documented behaviour: the segments are as of their last assignment. New sales move no one
 * and change no label until segments_update; customers registered since are counted as
 * unassigned; the update assigns them and agrees with the scan again. */
static void description_after_new_sales_and_customers(void)
{
    char *path;
    struct store *st = test_simulated_store("segnew.db", 200, 16, 30, 11, 0, &path);
    struct segments_report trained, r, scan, updated;
    CHECK(segments_train(st, 4, 42, 1000, &trained) == SHOP_OK);
    struct sim_config c;
    sim_config_default(&c);
    c.customers = 230; /* 30 new customers, and 14 more days of sales for everyone */
    c.products = 16;
    c.days = 14;
    c.seed = 11;
    c.tracked_share = 0;
    struct sim_report sr;
    CHECK(sim_run(st, &c, &sr) == SHOP_OK);
    CHECK(sr.customers_added == 30);
    CHECK(segments_describe(st, &r) == SHOP_OK);
    CHECK(same_segments(&r, &trained)); /* members, buyers, labels: as of the training */
    CHECK(r.assigned_at == 1000 && r.assigned == 200);
    CHECK(r.customers == 230 && r.unassigned == 30);
    CHECK(segments_describe_scan(st, &scan) == SHOP_OK);
    CHECK(scan.customers == 230 && scan.buyers > trained.buyers); /* what the scan sees now */
    CHECK(!same_segments(&r, &scan));
    CHECK(segments_update(st, 2000, &updated) == SHOP_OK);
    CHECK(updated.assigned_at == 2000 && updated.assigned == 230 && updated.unassigned == 0);
    CHECK(segments_describe(st, &r) == SHOP_OK);
    CHECK(segments_describe_scan(st, &scan) == SHOP_OK);
    CHECK(same_segments(&r, &scan) && same_segments(&r, &updated));
    CHECK(r.assigned_at == 2000 && r.customers == 230 && r.unassigned == 0);
    CHECK((double)r.buyers ==
          test_sql_num(path, "SELECT count(DISTINCT customer_id) FROM purchases"));
    store_close(st);
    free(path);
}

/* a model saved without its assignment (an older shopper) is described from scratch; a
 * corrupt or mismatched assignment is an error, not a wrong answer */
static void saved_assignment_missing_or_corrupt(void)
{
    char *path;
    struct store *st = test_simulated_store("segold.db", 120, 16, 30, 11, 0, &path);
    struct segments_report trained, r, scan;
    CHECK(segments_train(st, 3, 42, 1000, &trained) == SHOP_OK);
    store_close(st);
    sql_exec(path, "DELETE FROM meta WHERE key = 'segments.assignment'");
    CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
    CHECK(segments_describe(st, &r) == SHOP_OK);
    CHECK(segments_describe_scan(st, &scan) == SHOP_OK);
    CHECK(memcmp(&r, &scan, sizeof(r)) == 0 && r.assigned_at == 0 && same_segments(&r, &trained));
    store_close(st);
    static const char *const bad[] = {
        "1 1000 120 50 3.5 1 1 1 1 1 1 2 60 60",        /* k 2, the model has 3 */
        "1 1000 120 50 3.5 1 1 1 1 1 1 3 60 60 x",      /* trailing text */
        "1 1000 120 500 3.5 1 1 1 1 1 1 3 60 30 30",    /* more buyers than customers */
        "1 1000 120 50 nan 1 1 1 1 1 1 3 60 30 30",     /* not a number */
        "2 1000 120 50 3.5 1 1 1 1 1 1 3 60 30 30",     /* an unknown format */
        "1 1000 120 50 3.5 1 1 1 1 1 1 3 60 -30 30",    /* a negative count */
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        char sql[256];
        snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta(key, value) VALUES "
                 "('segments.assignment', '%s')", bad[i]);
        sql_exec(path, sql);
        CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
        CHECK(segments_describe(st, &r) == SHOP_EMODEL);
        CHECK(strstr(shop_errmsg(), "retrain") != NULL);
        store_close(st);
    }
    /* the columns the centres are named with, saved with the model, corrupt or not fitting */
    sql_exec(path, "INSERT OR REPLACE INTO meta(key, value) VALUES ('segments.assignment', "
                   "'1 1000 120 50 3.5 1 1 1 1 1 1 3 60 30 30')");
    static const char *const bad_columns[] = {
        "purchases|items|spend_cents|mean_price_cents|mean_discount|times_tried", /* dim 6 */
        "purchases|items|spend_cents|mean_price_cents|mean_discount|times_tried|size:S|"
        "category:Coat|fabric:Wool|x|y|z|w|v|u|t|s", /* out of order, unknown kinds */
        "items|purchases|spend_cents|mean_price_cents|mean_discount|times_tried|category:A|"
        "category:B|category:C|category:D|fabric:A|fabric:B|fabric:C|size:S|size:M|size:L|"
        "size:XL",
        "",
    };
    char saved[2048];
    CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
    CHECK(store_meta_get(st, "segments.columns", saved, sizeof(saved)) == SHOP_OK);
    store_close(st);
    for (size_t i = 0; i < sizeof(bad_columns) / sizeof(*bad_columns); i++) {
        char sql[512];
        snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%s' WHERE key = 'segments.columns'",
                 bad_columns[i]);
        sql_exec(path, sql);
        CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
        CHECK(segments_describe(st, &r) == SHOP_EMODEL);
        store_close(st);
    }
    char sql[2200];
    snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%s' WHERE key = 'segments.columns'",
             saved);
    sql_exec(path, sql);
    /* the same numbers well formed are read as they are */
    sql_exec(path, "INSERT OR REPLACE INTO meta(key, value) VALUES ('segments.assignment', "
                   "'1 1000 120 50 3.5 1 1 1 1 1 1 3 60 30 30')");
    CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
    CHECK(segments_describe(st, &r) == SHOP_OK);
    CHECK(r.buyers == 50 && r.inertia == 3.5 && r.assigned == 120 && r.customers == 120);
    CHECK(r.seg[0].customers == 60 && r.seg[1].customers == 30 && r.seg[2].customers == 30);
    store_close(st);
    free(path);
}

/* a new category after training: the segments are still described as assigned, with the
 * columns they were trained on; the update says to retrain */
static void catalogue_change_after_training(void)
{
    char *path;
    struct store *st = test_simulated_store("segcat.db", 120, 16, 30, 11, 0, &path);
    struct segments_report trained, r;
    CHECK(segments_train(st, 3, 42, 1000, &trained) == SHOP_OK);
    store_close(st);
    sql_exec(path, "INSERT INTO products(name, category, gender, fabric, season, "
                   "base_price_cents, cost_cents, price_cents, popularity, zone, x, y) VALUES "
                   "('Straw hat', 'Hat', 'unisex', 'Straw', 'Summer', 2000, 800, 2000, 0.5, "
                   "'entrance', 1, 1)");
    CHECK(store_open(path, STORE_WRITE, &st) == SHOP_OK);
    CHECK(segments_describe(st, &r) == SHOP_OK);
    CHECK(same_segments(&r, &trained) && r.assigned_at == 1000);
    CHECK(segments_describe_scan(st, &r) == SHOP_ECONFLICT);
    CHECK(segments_update(st, 2000, &r) == SHOP_ECONFLICT);
    store_close(st);
    free(path);
}

/* the server's cached description equals a from-scratch one after every kind of write it
 * depends on: a try-on or a sale changes nothing until the next update, a new customer is
 * counted as unassigned */
static void cached_description_follows_the_data(void)
{
    struct store *st = simulated("segcache.db", 300, 30);
    struct segments_report r, fresh, before;
    CHECK(segments_train(st, 4, 42, 1000, &r) == SHOP_OK);
    struct segments_cache *c = segments_cache_new();
    CHECK(segments_describe_cached(c, st, &before) == SHOP_OK);
    CHECK(segments_describe(st, &fresh) == SHOP_OK);
    CHECK(memcmp(&before, &fresh, sizeof(fresh)) == 0);
    CHECK(segments_describe_cached(c, st, &r) == SHOP_OK); /* kept */
    CHECK(memcmp(&r, &fresh, sizeof(fresh)) == 0);

    struct store_item *items;
    size_t nitems;
    CHECK(store_items_in_stock(st, &items, &nitems) == SHOP_OK && nitems > 2);
    /* a try-on in a new session of customer 1 */
    struct store_session ses = {.customer_id = 1, .started_at = 5000, .ended_at = 5100};
    CHECK(store_session_add(st, &ses) == SHOP_OK);
    CHECK(store_tryon_add(st, ses.id, items[0].id, 5010) == SHOP_OK);
    CHECK(segments_describe_cached(c, st, &r) == SHOP_OK);
    CHECK(segments_describe(st, &fresh) == SHOP_OK);
    CHECK(memcmp(&r, &fresh, sizeof(fresh)) == 0);
    CHECK(memcmp(&r, &before, sizeof(r)) == 0);
    /* a purchase */
    struct store_line line = {.item_id = items[1].id, .product_id = items[1].product_id,
                              .list_cents = 5000, .price_cents = 2500, .discount = 0.5};
    items[1].sold = 1;
    items[1].sold_at = 5050;
    int64_t pid;
    CHECK(store_item_update(st, &items[1]) == SHOP_OK);
    CHECK(store_purchase_add(st, ses.id, 1, 5050, &line, 1, &pid) == SHOP_OK);
    CHECK(segments_describe_cached(c, st, &r) == SHOP_OK);
    CHECK(segments_describe(st, &fresh) == SHOP_OK);
    CHECK(memcmp(&r, &fresh, sizeof(fresh)) == 0);
    CHECK(memcmp(&r, &before, sizeof(r)) == 0);
    /* a new customer */
    struct store_customer cu = {.created_at = 5200};
    snprintf(cu.name, sizeof(cu.name), "New Customer");
    snprintf(cu.email, sizeof(cu.email), "new.customer@example.com");
    snprintf(cu.gender, sizeof(cu.gender), "female");
    snprintf(cu.size, sizeof(cu.size), "M");
    CHECK(store_customer_add(st, &cu) == SHOP_OK);
    CHECK(segments_describe_cached(c, st, &r) == SHOP_OK);
    CHECK(segments_describe(st, &fresh) == SHOP_OK);
    CHECK(memcmp(&r, &fresh, sizeof(fresh)) == 0);
    CHECK(r.customers == 301 && r.unassigned == 1 && r.assigned == 300);
    CHECK(same_segments(&r, &before));
    /* the update assigns the new customer and folds the sale in */
    CHECK(segments_update(st, 6000, &fresh) == SHOP_OK);
    CHECK(segments_describe_cached(c, st, &r) == SHOP_OK);
    CHECK(same_segments(&r, &fresh));
    CHECK(r.assigned_at == 6000 && r.unassigned == 0 && r.assigned == 301);
    free(items);
    segments_cache_free(c);
    store_close(st);
}

void test_segments(void)
{
    RUN(description_matches_the_scan);
    RUN(description_after_new_sales_and_customers);
    RUN(saved_assignment_missing_or_corrupt);
    RUN(catalogue_change_after_training);
    RUN(cached_description_follows_the_data);
    RUN(every_customer_gets_a_profile);
    RUN(same_seed_same_segments);
    RUN(profiles_summary_matches_sql);
    RUN(profiles_summary_saved_matches_the_walk);
    RUN(update_folds_in_new_sales);
    RUN(too_few_customers);
}
