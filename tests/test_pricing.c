#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/demand.h"
#include "analytics/pricing.h"
#include "core/log.h"
#include "sim/sim.h"
#include "store/store.h"
#include "test.h"

/* the clock the pricing calls are given (2026-06-01) */
#define NOW ((int64_t)1780272000)

/* 100 customers x 16 products x 90 days: about 1,100 sales, enough for the model to find the
 * price response; seconds to simulate and train */
static struct store *simulated(const char *name, int64_t customers, int64_t days, uint64_t seed)
{
    return test_simulated_store(name, customers, 16, days, seed, 0, NULL);
}

static struct demand_params fast_params(void)
{
    struct demand_params p;
    demand_params_default(&p);
    p.nthread = 1;
    return p;
}

static struct store *trained(const char *name)
{
    struct store *st = simulated(name, 100, 90, 7);
    struct demand_params p = fast_params();
    struct pricing_train_report rep;
    CHECK(pricing_train(st, &p, 0.2, NOW, &rep) == SHOP_OK);
    CHECK(rep.metrics.rows > 1000 && rep.metrics.rows_test > 0 && rep.metrics.zero_rows > 0);
    CHECK(rep.metrics.rounds > 0 && rep.version == 1);
    CHECK(isfinite(rep.metrics.mae) && isfinite(rep.metrics.rmse));
    /* held out, the model beats "each product sells its average" */
    CHECK(rep.metrics.deviance < rep.metrics.deviance_base);
    return st;
}

static struct demand *load(struct store *st)
{
    void *blob = NULL;
    size_t len = 0;
    struct demand *m = NULL;
    CHECK(store_demand_model_load(st, &blob, &len, NULL, NULL, NULL) == SHOP_OK);
    CHECK(demand_load(blob, len, 1, &m) == SHOP_OK);
    free(blob);
    return m;
}

static struct demand_product *model_products(struct store *st, size_t *n)
{
    struct store_product *sp;
    CHECK(store_products(st, &sp, n) == SHOP_OK);
    struct demand_product *dp = calloc(*n, sizeof(*dp));
    for (size_t i = 0; i < *n; i++) {
        dp[i].id = sp[i].id;
        snprintf(dp[i].category, sizeof(dp[i].category), "%s", sp[i].category);
        snprintf(dp[i].gender, sizeof(dp[i].gender), "%s", sp[i].gender);
        snprintf(dp[i].fabric, sizeof(dp[i].fabric), "%s", sp[i].fabric);
        snprintf(dp[i].season, sizeof(dp[i].season), "%s", sp[i].season);
        dp[i].base_price_cents = sp[i].base_price_cents;
        dp[i].cost_cents = sp[i].cost_cents;
        dp[i].popularity = sp[i].popularity;
    }
    free(sp);
    return dp;
}

/* The prototype trained on one price column and predicted with another, so the price never
 * moved its predictions. Here demand never rises with the price and, for the typical
 * product, falls clearly from 0.8 to 1.2 times the base price. */
static void demand_falls_with_price(void)
{
    struct store *st = trained("fall.db");
    struct demand *m = load(st);
    size_t n;
    struct demand_product *dp = model_products(st, &n);
    int64_t day = store_meta_int(st, "sim.last_day", 0);
    double ratio[16];
    int falls = 0;
    for (size_t i = 0; i < n; i++) {
        struct demand_query q[5];
        double u[5];
        for (int k = 0; k < 5; k++)
            q[k] = (struct demand_query){i, day, dp[i].base_price_cents * (8 + k) / 10, 0};
        CHECK(demand_predict(m, dp, q, 5, u) == SHOP_OK);
        for (int k = 1; k < 5; k++)
            CHECK(u[k] <= u[k - 1]);
        ratio[i] = u[4] / u[0];
        falls += u[4] < u[0];
    }
    /* the median product sells at least 15 % less at 1.2 x base than at 0.8 x base (the
     * simulator's truth is about 60 % less) */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (ratio[j] < ratio[i]) {
                double t = ratio[i];
                ratio[i] = ratio[j];
                ratio[j] = t;
            }
    CHECK(ratio[n / 2] < 0.85);
    CHECK(falls >= (int)n * 3 / 4);
    free(dp);
    demand_free(m);
    store_close(st);
}

static void save_load_round_trip(void)
{
    struct store *st = trained("rt.db");
    struct demand *m = load(st);
    size_t n;
    struct demand_product *dp = model_products(st, &n);
    struct demand_query q[64];
    double a[64], b[64];
    for (int k = 0; k < 64; k++)
        q[k] = (struct demand_query){(size_t)k % n, 20454 + k, dp[k % n].base_price_cents *
                                                                   (70 + k) / 100,
                                     k % 3 == 0 ? 0.3 : 0};
    CHECK(demand_predict(m, dp, q, 64, a) == SHOP_OK);
    void *blob;
    size_t len;
    CHECK(demand_save(m, &blob, &len) == SHOP_OK);
    struct demand *m2 = NULL;
    CHECK(demand_load(blob, len, 1, &m2) == SHOP_OK);
    CHECK(demand_predict(m2, dp, q, 64, b) == SHOP_OK);
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    CHECK(demand_rounds(m2) == demand_rounds(m));
    demand_free(m2);
    /* the blob also round-trips through the models table (and the version goes up) */
    int64_t version = 0;
    CHECK(store_demand_model_save(st, blob, len, "{}", 1, &version) == SHOP_OK);
    CHECK(version == 2);
    m2 = load(st);
    CHECK(demand_predict(m2, dp, q, 64, b) == SHOP_OK);
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    demand_free(m2);
    /* corrupt: a flipped byte, a truncation, garbage, nothing -> SHOP_EMODEL, no crash */
    int level = log_level_current;
    log_set_level(LOG_OFF);
    unsigned char *c = blob;
    c[len / 2] ^= 0x40;
    m2 = (struct demand *)1;
    CHECK(demand_load(blob, len, 1, &m2) == SHOP_EMODEL && m2 == NULL);
    c[len / 2] ^= 0x40;
    CHECK(demand_load(blob, len - 10, 1, &m2) == SHOP_EMODEL);
    CHECK(demand_load("garbage garbage garbage garbage garbage", 39, 1, &m2) == SHOP_EMODEL);
    CHECK(demand_load(NULL, 0, 1, &m2) == SHOP_EMODEL);
    /* a corrupt blob in the store: suggest says so */
    c[40] ^= 0x01;
    CHECK(store_demand_model_save(st, blob, len, "{}", 2, NULL) == SHOP_OK);
    struct pricing_rules r;
    pricing_rules_default(&r);
    struct pricing_suggestion *s = NULL;
    size_t ns = 0;
    CHECK(pricing_suggest(st, &r, 0, 28, NOW, &s, &ns) == SHOP_EMODEL && s == NULL);
    CHECK(strstr(pricing_errmsg(), "corrupt") != NULL);
    log_set_level(level);
    free(blob);
    free(dp);
    demand_free(m);
    store_close(st);
}

static struct pricing_suggestion hand(int64_t base, int64_t cost, int64_t current)
{
    struct pricing_suggestion s;
    memset(&s, 0, sizeof(s));
    s.base_cents = base;
    s.cost_cents = cost;
    s.current_cents = current;
    return s;
}

/* hand-made demand curves: units[i] = k * exp(-b * grid[i] / base) */
static void curve(const int64_t *grid, size_t n, int64_t base, double b, double *units)
{
    for (size_t i = 0; i < n; i++)
        units[i] = 10 * exp(-b * (double)grid[i] / (double)base);
}

static void rules_respected(void)
{
    struct pricing_rules r;
    pricing_rules_default(&r);
    int64_t grid[PRICING_MAX_GRID];
    double units[PRICING_MAX_GRID];
    /* the grid: .99 endings within base +- 20 % */
    size_t n = pricing_grid(&r, 5000, grid);
    CHECK(n > 10);
    for (size_t i = 0; i < n; i++) {
        CHECK(grid[i] % 100 == 99);
        CHECK(grid[i] >= 4000 && grid[i] <= 6000);
        CHECK(i == 0 || grid[i] > grid[i - 1]);
    }
    /* other endings */
    CHECK(pricing_endings_parse("95,00", &r.endings) == SHOP_OK);
    n = pricing_grid(&r, 5000, grid);
    int e95 = 0, e00 = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(grid[i] % 100 == 95 || grid[i] % 100 == 0);
        e95 += grid[i] % 100 == 95;
        e00 += grid[i] % 100 == 0;
    }
    CHECK(e95 > 0 && e00 > 0);
    CHECK(pricing_endings_parse("98", &r.endings) == SHOP_EINVAL);
    CHECK(pricing_endings_parse("99,", &r.endings) == SHOP_EINVAL);
    CHECK(pricing_endings_parse("", &r.endings) == SHOP_EINVAL);
    pricing_rules_default(&r);

    /* an interior optimum: demand elastic enough that the best price is near 1.0 x base */
    n = pricing_grid(&r, 5000, grid);
    struct pricing_suggestion s = hand(5000, 2500, 5000);
    curve(grid, n, 5000, 2.0, units); /* optimum x = 0.5 + 1/2 = 1.0 */
    pricing_choose(&r, grid, units, n, &s);
    CHECK(strcmp(s.rule, "none") == 0);
    CHECK(s.suggested_cents == 4999 || s.suggested_cents == 5099);
    CHECK(isfinite(s.profit_suggested) && s.profit_suggested > 0);

    /* max change: very elastic demand wants the bottom of the grid, 15 % is the limit */
    s = hand(5000, 1000, 5000);
    curve(grid, n, 5000, 8.0, units); /* optimum x = 0.2 + 0.125 */
    pricing_choose(&r, grid, units, n, &s);
    CHECK(strcmp(s.rule, "max_change") == 0);
    CHECK(s.suggested_cents >= 4250 && s.suggested_cents < 4400);
    /* the same upwards: price-blind demand wants the top */
    s = hand(5000, 1000, 5000);
    for (size_t i = 0; i < n; i++)
        units[i] = 1;
    pricing_choose(&r, grid, units, n, &s);
    CHECK(strcmp(s.rule, "max_change") == 0);
    CHECK(s.suggested_cents <= 5750 && s.suggested_cents > 5600);
    /* ... and with a wide max change, the grid's edge binds */
    r.max_change = 0.5;
    pricing_choose(&r, grid, units, n, &s);
    CHECK(strcmp(s.rule, "range") == 0 && s.suggested_cents == grid[n - 1]);
    r.max_change = 0.15;

    /* min margin: cost 44.00, 10 % margin -> at least 48.89, below the 42.50 change floor? no:
     * the margin floor is the higher bound here, and elastic demand pushes down to it */
    s = hand(5000, 4400, 5000);
    curve(grid, n, 5000, 30.0, units);
    pricing_choose(&r, grid, units, n, &s);
    CHECK(strcmp(s.rule, "min_margin") == 0);
    CHECK((double)s.suggested_cents * 0.9 >= 4400);
    CHECK(s.suggested_cents == 4899);
    /* every suggestion satisfies both rules */
    for (int64_t cost = 1000; cost <= 5400; cost += 400)
        for (double b = 0; b <= 12; b += 3) {
            s = hand(5000, cost, 5000);
            curve(grid, n, 5000, b, units);
            pricing_choose(&r, grid, units, n, &s);
            if (strcmp(s.rule, "kept") == 0)
                continue;
            CHECK((double)s.suggested_cents * (1 - r.min_margin) >= (double)cost);
            CHECK(llabs(s.suggested_cents - 5000) <= 750);
            CHECK(s.suggested_cents % 100 == 99);
        }

    /* cost above every grid price: keep the current price and say why */
    s = hand(5000, 7000, 5000);
    s.demand_current = 1;
    s.profit_current = -2000;
    curve(grid, n, 5000, 2.0, units);
    pricing_choose(&r, grid, units, n, &s);
    CHECK(strcmp(s.rule, "kept") == 0);
    CHECK(s.suggested_cents == 5000);
    CHECK(strstr(s.why, "margin") != NULL);
    /* a current price far from the grid: nothing within 15 % */
    s = hand(5000, 1000, 9000);
    pricing_choose(&r, grid, units, n, &s);
    CHECK(strcmp(s.rule, "kept") == 0 && s.suggested_cents == 9000);
    CHECK(strstr(s.why, "15%") != NULL);

    char msg[160];
    r.range = 0;
    CHECK(pricing_rules_check(&r, msg, sizeof(msg)) == SHOP_EINVAL);
    pricing_rules_default(&r);
    r.step = 0.0001;
    CHECK(pricing_rules_check(&r, msg, sizeof(msg)) == SHOP_EINVAL);
    pricing_rules_default(&r);
    r.min_margin = 1;
    CHECK(pricing_rules_check(&r, msg, sizeof(msg)) == SHOP_EINVAL);
}

static double sql_num(struct store *st, const char *path, const char *sql)
{
    (void)st;
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

static void apply_in_one_transaction(void)
{
    char *path = test_tmp_path("apply.db");
    struct store *st = NULL;
    struct sim_config c;
    sim_config_default(&c);
    c.customers = 100;
    c.products = 16;
    c.days = 60;
    c.seed = 11;
    c.tracked_share = 0;
    struct sim_report rep;
    CHECK(store_open(path, STORE_CREATE | STORE_WRITE, &st) == SHOP_OK);
    CHECK(sim_run(st, &c, &rep) == SHOP_OK);
    struct demand_params p = fast_params();
    struct pricing_train_report tr;
    CHECK(pricing_train(st, &p, 0.2, NOW, &tr) == SHOP_OK);
    struct pricing_rules r;
    pricing_rules_default(&r);
    struct pricing_suggestion *s;
    size_t n;
    CHECK(pricing_suggest(st, &r, 0, 28, NOW, &s, &n) == SHOP_OK);
    CHECK(n == 16);
    int changes = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(isfinite(s[i].demand_current) && isfinite(s[i].demand_suggested));
        CHECK(isfinite(s[i].profit_current) && isfinite(s[i].profit_suggested));
        CHECK(s[i].profit_suggested >= s[i].profit_current - 1e-6 ||
              strcmp(s[i].rule, "kept") == 0 || s[i].current_cents % 100 != 99);
        changes += s[i].suggested_cents != s[i].current_cents;
    }
    CHECK(changes > 0);
    /* recorded, not applied */
    CHECK(pricing_record(st, s, n, 0, 1000) == SHOP_OK);
    CHECK(sql_num(st, path, "SELECT count(*) FROM price_history WHERE applied = 0") == 16);
    CHECK(sql_num(st, path, "SELECT count(*) FROM products WHERE price_cents <> "
                            "base_price_cents") == 0);
    /* a failure half-way (a price the schema refuses) leaves nothing behind */
    struct pricing_suggestion bad = s[n - 1];
    s[n - 1].suggested_cents = 0;
    int level = log_level_current;
    log_set_level(LOG_OFF);
    CHECK(pricing_record(st, s, n, 1, 2000) != SHOP_OK);
    log_set_level(level);
    CHECK(sql_num(st, path, "SELECT count(*) FROM price_history") == 16);
    CHECK(sql_num(st, path, "SELECT count(*) FROM products WHERE price_cents <> "
                            "base_price_cents") == 0);
    s[n - 1] = bad;
    /* applied: prices and history change together */
    CHECK(pricing_record(st, s, n, 1, 3000) == SHOP_OK);
    CHECK(sql_num(st, path, "SELECT count(*) FROM price_history WHERE applied = 1") == 16);
    CHECK(sql_num(st, path, "SELECT count(*) FROM products WHERE price_cents <> "
                            "base_price_cents") == changes);
    CHECK(sql_num(st, path, "SELECT count(*) FROM products p JOIN price_history h ON "
                            "h.product_id = p.id AND h.applied = 1 WHERE p.price_cents <> "
                            "h.new_cents OR h.new_cents <> h.suggested_cents") == 0);
    struct store_price_change *h;
    size_t nh;
    CHECK(store_price_history(st, s[0].product_id, &h, &nh) == SHOP_OK);
    CHECK(nh == 2 && h[0].applied == 0 && h[1].applied == 1);
    CHECK(h[1].old_cents == s[0].current_cents && h[1].new_cents == s[0].suggested_cents);
    CHECK(strcmp(h[1].rule, s[0].rule) == 0);
    free(h);
    /* the next suggestion starts from the applied prices: max change is relative to them */
    struct pricing_suggestion *s2;
    size_t n2;
    CHECK(pricing_suggest(st, &r, s[0].product_id, 28, NOW, &s2, &n2) == SHOP_OK);
    CHECK(n2 == 1 && s2[0].current_cents == s[0].suggested_cents);
    free(s2);
    free(s);
    store_close(st);
    free(path);
}

/* Capture on a 100-customer store: 99.5 % when measured. 95 % is the goal; the test
 * also checks that the score can fail: a price-blind model (the prototype's bug) puts every
 * price at its highest allowed grid price, which captures about 91 % here. */
static void eval_captures_oracle_profit(void)
{
    struct store *st = trained("eval.db");
    struct pricing_rules r;
    pricing_rules_default(&r);
    struct pricing_eval ev;
    CHECK(pricing_evaluate(st, &r, 28, NOW, &ev) == SHOP_OK);
    CHECK(ev.products == 16 && ev.days == 28);
    CHECK(ev.profit_oracle > 0 && isfinite(ev.profit_oracle));
    /* the oracle is the best on the grid under the rules: nothing beats it */
    CHECK(ev.profit_suggested <= ev.profit_oracle * (1 + 1e-9));
    CHECK(ev.capture >= 0.95 && ev.capture <= 1 + 1e-9);
    CHECK(ev.capture_max < 0.95);
    CHECK(ev.capture > ev.capture_max);
    CHECK(ev.capture_base > 0.5 && ev.capture_base <= 1 + 1e-9);
    store_close(st);
}

static void bad_input(void)
{
    int level = log_level_current;
    log_set_level(LOG_OFF);
    /* an empty store: no sales, no model, not simulated */
    char *path = test_tmp_path("empty.db");
    struct store *st;
    CHECK(store_open(path, STORE_CREATE | STORE_WRITE, &st) == SHOP_OK);
    struct demand_params p = fast_params();
    struct pricing_train_report tr;
    CHECK(pricing_train(st, &p, 0.2, NOW, &tr) == SHOP_ENOTFOUND);
    CHECK(strstr(pricing_errmsg(), "no sales") != NULL);
    struct pricing_rules r;
    pricing_rules_default(&r);
    struct pricing_suggestion *s;
    size_t n;
    CHECK(pricing_suggest(st, &r, 0, 28, NOW, &s, &n) == SHOP_ENOTFOUND);
    struct pricing_eval ev;
    CHECK(pricing_evaluate(st, &r, 28, NOW, &ev) == SHOP_ENOTFOUND);
    CHECK(strstr(pricing_errmsg(), "not simulated") != NULL);
    store_close(st);
    free(path);

    /* a simulated store without a model, then with one, an unknown product, a product whose
     * cost is above its price */
    st = simulated("bad.db", 60, 45, 3);
    CHECK(pricing_suggest(st, &r, 0, 28, NOW, &s, &n) == SHOP_ENOTFOUND);
    CHECK(strstr(pricing_errmsg(), "train demand") != NULL);
    CHECK(pricing_evaluate(st, &r, 28, NOW, &ev) == SHOP_ENOTFOUND);
    CHECK(pricing_train(st, &p, 0.2, NOW, &tr) == SHOP_OK);
    CHECK(pricing_suggest(st, &r, 999999, 28, NOW, &s, &n) == SHOP_ENOTFOUND);
    CHECK(strstr(pricing_errmsg(), "999999") != NULL);
    struct store_product x;
    CHECK(store_product_get(st, 1, &x) == SHOP_OK);
    x.id = 0;
    snprintf(x.name, sizeof(x.name), "Loss leader");
    x.cost_cents = x.base_price_cents * 2;
    CHECK(store_product_add(st, &x) == SHOP_OK);
    CHECK(pricing_suggest(st, &r, x.id, 28, NOW, &s, &n) == SHOP_OK);
    CHECK(n == 1 && strcmp(s[0].rule, "kept") == 0);
    CHECK(s[0].suggested_cents == s[0].current_cents && s[0].why[0]);
    CHECK(isfinite(s[0].profit_current) && isfinite(s[0].demand_current));
    free(s);
    /* all products: finite numbers, margins respected where a price is suggested */
    CHECK(pricing_suggest(st, &r, 0, 28, NOW, &s, &n) == SHOP_OK);
    CHECK(n == 17);
    for (size_t i = 0; i < n; i++) {
        CHECK(isfinite(s[i].profit_suggested) && isfinite(s[i].demand_suggested));
        CHECK(s[i].demand_suggested >= 0);
        if (strcmp(s[i].rule, "kept") != 0)
            CHECK((double)s[i].suggested_cents * 0.9 >= (double)s[i].cost_cents);
    }
    free(s);
    /* bad rules and periods */
    r.max_change = 0;
    CHECK(pricing_suggest(st, &r, 0, 28, NOW, &s, &n) == SHOP_EINVAL);
    pricing_rules_default(&r);
    CHECK(pricing_suggest(st, &r, 0, 0, NOW, &s, &n) == SHOP_EINVAL);
    CHECK(pricing_train(st, &p, 1.5, NOW, &tr) == SHOP_EINVAL);
    store_close(st);
    log_set_level(level);
}

/* after a model that predicts no better than each product's average, prices stay put */
static void keeps_prices_without_evidence(void)
{
    struct demand_metrics m = {0};
    m.rows_test = 10;
    m.deviance = 0.7;
    m.deviance_base = 0.6;
    CHECK(!pricing_model_useful(&m));
    m.deviance = 0.5;
    CHECK(pricing_model_useful(&m));
    m.rows_test = 0; /* trained without a hold-out: no evidence either way, trust it */
    m.deviance = 0.9;
    CHECK(pricing_model_useful(&m));

    struct store *st = trained("useless.db");
    struct pricing_rules r;
    pricing_rules_default(&r);
    struct pricing_suggestion *s;
    size_t n;
    CHECK(pricing_suggest(st, &r, 0, PRICING_DAYS, NOW, &s, &n) == SHOP_OK);
    int moved = 0;
    for (size_t i = 0; i < n; i++)
        moved += s[i].suggested_cents != s[i].current_cents;
    CHECK(moved > 0); /* a useful model moves prices */
    free(s);
    CHECK(store_meta_set(st, "demand.beats_baseline", "0") == SHOP_OK);
    CHECK(pricing_suggest(st, &r, 0, PRICING_DAYS, NOW, &s, &n) == SHOP_OK);
    CHECK(n == 16);
    for (size_t i = 0; i < n; i++)
        CHECK(s[i].suggested_cents == s[i].current_cents && strcmp(s[i].rule, "kept") == 0 &&
              s[i].why[0]);
    free(s);
    store_close(st);
}

/* the cache loads the model once, answers as pricing_suggest, and reloads a retrained one */
static void model_cache_loads_once(void)
{
    struct store *st = simulated("pcache.db", 100, 60, 11);
    struct demand_params p = fast_params();
    struct pricing_train_report tr;
    CHECK(pricing_train(st, &p, 0.2, NOW, &tr) == SHOP_OK);
    struct pricing_rules r;
    pricing_rules_default(&r);
    struct pricing_cache *c = pricing_cache_new();
    struct pricing_suggestion *a = NULL, *b = NULL, *d = NULL;
    size_t na = 0, nb = 0, nd = 0;
    CHECK(pricing_suggest(st, &r, 0, 28, NOW, &a, &na) == SHOP_OK);
    CHECK(pricing_suggest_cached(c, st, &r, 0, 28, NOW, &b, &nb) == SHOP_OK);
    CHECK(pricing_cache_loads(c) == 1);
    CHECK(na == nb && na == 16);
    int same = 1;
    for (size_t i = 0; i < na && i < nb; i++)
        same &= a[i].product_id == b[i].product_id &&
                a[i].suggested_cents == b[i].suggested_cents &&
                a[i].demand_suggested == b[i].demand_suggested;
    CHECK(same);
    free(b);
    CHECK(pricing_suggest_cached(c, st, &r, a[0].product_id, 28, NOW, &b, &nb) == SHOP_OK);
    CHECK(nb == 1 && pricing_cache_loads(c) == 1); /* no reload: nothing changed */
    free(b);
    /* a new model (another seed, a later time): loaded once more */
    p.seed = 99;
    CHECK(pricing_train(st, &p, 0.2, NOW + 60, &tr) == SHOP_OK);
    CHECK(pricing_suggest_cached(c, st, &r, 0, 28, NOW, &d, &nd) == SHOP_OK);
    CHECK(pricing_cache_loads(c) == 2 && nd == 16);
    CHECK(pricing_suggest_cached(c, st, &r, 0, 0, NOW, &b, &nb) == SHOP_EINVAL);
    free(a);
    free(d);
    pricing_cache_free(c);
    store_close(st);
}

void test_pricing(void)
{
    RUN(model_cache_loads_once);
    RUN(keeps_prices_without_evidence);
    RUN(rules_respected);
    RUN(demand_falls_with_price);
    RUN(save_load_round_trip);
    RUN(apply_in_one_transaction);
    RUN(eval_captures_oracle_profit);
    RUN(bad_input);
}
