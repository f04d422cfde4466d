/* cli/cmd_sim.c - simulate and demo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analytics/assoc.h"
#include "analytics/pricing.h"
#include "analytics/recommend.h"
#include "analytics/segments.h"
#include "cli/cli.h"
#include "core/jsonw.h"
#include "core/parse.h"
#include "core/progress.h"
#include "sim/sim.h"
#include "store/store.h"

static void print_report(const struct sim_report *r, double seconds, int json, const char *db)
{
    char from[16], to[16];
    format_date(r->first_day * 86400, from, sizeof(from));
    format_date(r->last_day * 86400, to, sizeof(to));
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "db");
        jw_str(&w, db);
        jw_key(&w, "first_day");
        jw_str(&w, from);
        jw_key(&w, "last_day");
        jw_str(&w, to);
        const struct {
            const char *k;
            int64_t v;
        } f[] = {{"customers_added", r->customers_added}, {"products_added", r->products_added},
                 {"sessions", r->sessions},               {"purchases", r->purchases},
                 {"purchase_lines", r->lines},            {"tryons", r->tryons},
                 {"positions", r->positions},             {"items_added", r->items_added},
                 {"emotion_events", r->events},           {"alerts", r->alerts},
                 {"lost_sales", r->lost_sales},           {"revenue_cents", r->revenue_cents},
                 {"rows_written", r->rows_written}};
        for (size_t i = 0; i < sizeof(f) / sizeof(*f); i++) {
            jw_key(&w, f[i].k);
            jw_int(&w, f[i].v);
        }
        jw_key(&w, "seconds");
        jw_num(&w, seconds);
        jw_end(&w);
        jw_finish(&w);
        return;
    }
    printf("simulated %s .. %s into %s in %.2f s\n", from, to, db, seconds);
    printf("  %lld customers and %lld products added, %lld items received\n",
           (long long)r->customers_added, (long long)r->products_added,
           (long long)r->items_added);
    printf("  %lld sessions, %lld purchases (%lld items, %lld.%02lld revenue), %lld try-ons\n",
           (long long)r->sessions, (long long)r->purchases, (long long)r->lines,
           (long long)(r->revenue_cents / 100), (long long)(r->revenue_cents % 100),
           (long long)r->tryons);
    printf("  %lld path positions, %lld emotion events, %lld alerts, %lld lost sales\n",
           (long long)r->positions, (long long)r->events, (long long)r->alerts,
           (long long)r->lost_sales);
    printf("  %lld rows written (%.0f rows/s)\n", (long long)r->rows_written,
           seconds > 0 ? (double)r->rows_written / seconds : 0.0);
}

int cmd_simulate(int argc, char **argv)
{
    struct sim_config cfg;
    sim_config_default(&cfg);
    const char *db = NULL, *start = NULL;
    int json = 0;
    int64_t seed = (int64_t)cfg.seed;
    struct cli_opt opts[] = {
        CLI_INT("customers", "N", "customers in the store (default 40)", &cfg.customers, 1,
                SIM_MAX_CUSTOMERS),
        CLI_INT("products", "N", "products in the catalogue (default 16)", &cfg.products, 1,
                SIM_MAX_PRODUCTS),
        CLI_INT("days", "N", "days to simulate (default 90)", &cfg.days, 1, SIM_MAX_DAYS),
        CLI_INT("seed", "S", "random seed (default 42)", &seed, 0, 9e18),
        CLI_DOUBLE("tracked-share", "F", "share of sessions with a tracked path (default 1.0)",
                   &cfg.tracked_share, 0, 1),
        CLI_INT("sample-interval", "SEC", "seconds between path samples (default 5)",
                &cfg.sample_interval, 1, 3600),
        CLI_DOUBLE("visit-rate", "F", "daily visit probability of a customer (default 0.1)",
                   &cfg.visit_rate, 0.0001, 1),
        CLI_STR("start", "DATE", "first day of a new store, YYYY-MM-DD (default 2026-01-01)",
                &start),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print the report as JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv,
                       "shopper simulate --customers N --products N --days N --seed S "
                       "[--tracked-share F] [--db FILE] [--json]",
                       "Simulate a store: catalogue, customers, inventory, sessions, purchases, "
                       "walking paths and emotions. Creates the store when missing; on a "
                       "simulated store it continues from the day after its last day (adding "
                       "customers and products up to the counts). The same seed and arguments "
                       "give the same database.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    cfg.seed = (uint64_t)seed;
    if (start) {
        int64_t t;
        if (parse_time(start, &t) != SHOP_OK || t % 86400 != 0)
            return cli_fail("simulate: --start wants a date YYYY-MM-DD, not '%s'", start), 2;
        cfg.start_day = t / 86400;
    }
    char msg[128];
    if (sim_config_check(&cfg, msg, sizeof(msg)) != SHOP_OK)
        return cli_fail("simulate: %s", msg), 2;
    struct progress bar;
    progress_start(&bar, "simulate", cfg.days);
    if (json)
        bar.enabled = 0;
    cfg.progress = progress_cb;
    cfg.progress_ctx = &bar;
    struct store *st;
    const char *path = cli_db_path(db);
    if (store_open(path, STORE_CREATE | STORE_WRITE, &st) != SHOP_OK)
        return cli_fail("%s", store_open_error());
    struct sim_report rep;
    double t0 = progress_now();
    rc = sim_run(st, &cfg, &rep);
    double seconds = progress_now() - t0;
    progress_finish(&bar);
    if (rc != SHOP_OK) {
        cli_fail("simulate failed, the store is unchanged: %s",
                 rc == SHOP_EINVAL ? shop_errmsg_or(rc) : store_errmsg(st));
        store_close(st);
        return 1;
    }
    store_close(st);
    print_report(&rep, seconds, json, path);
    return 0;
}

/* the models behind the dashboard's screens: segments, recommendations for everyone, the
 * demand model and price suggestions (not applied) */
static int train_all(const char *path)
{
    struct store *st;
    if (store_open(path, STORE_WRITE, &st) != SHOP_OK)
        return cli_fail("%s", store_open_error());
    int64_t now = (int64_t)time(NULL);
    struct segments_report sr;
    int rc = segments_train(st, 4, 42, now, &sr);
    struct reco_params rp;
    reco_params_default(&rp);
    struct reco_engine *e = NULL;
    if (rc == SHOP_OK)
        rc = reco_build(st, &rp, &e);
    if (rc == SHOP_OK)
        rc = reco_save_all(st, e, now, NULL, NULL);
    reco_free(e);
    struct demand_params dp;
    demand_params_default(&dp);
    struct pricing_train_report tr;
    if (rc == SHOP_OK)
        rc = pricing_train(st, &dp, 0.2, now, &tr);
    struct pricing_rules pr;
    pricing_rules_default(&pr);
    struct pricing_suggestion *sug = NULL;
    size_t n = 0;
    if (rc == SHOP_OK)
        rc = pricing_suggest(st, &pr, 0, PRICING_DAYS, now, &sug, &n);
    if (rc == SHOP_OK)
        rc = pricing_record(st, sug, n, 0, now);
    free(sug);
    if (rc != SHOP_OK)
        cli_fail("demo: training the models failed: %s",
                 pricing_errmsg()[0] ? pricing_errmsg() : store_errmsg(st));
    store_close(st);
    return rc == SHOP_OK ? 0 : 1;
}

/* the "bought together" rules of the demo's baskets, stored for the rules explorer (the
 * demo's 180 baskets need a lower confidence than the CLI's default to give any) */
static int mine_rules(const char *path)
{
    struct store *st;
    if (store_open(path, STORE_WRITE, &st) != SHOP_OK)
        return cli_fail("%s", store_open_error());
    struct assoc_summary s;
    int rc = assoc_mine(st, 0.01, 0.2, 0, (int64_t)time(NULL), &s);
    if (rc != SHOP_OK)
        cli_fail("demo: mining the rules failed: %s", shop_errmsg_or(rc));
    store_close(st);
    return rc == SHOP_OK ? 0 : 1;
}

int cmd_demo(int argc, char **argv)
{
    const char *db = NULL, *start = NULL;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_STR("start", "DATE", "first day, YYYY-MM-DD (default: the 90 days that end "
                                 "yesterday, UTC, so that the dashboard's presets show sales)",
                &start),
        CLI_FLAG("json", "print the report as JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper demo [--db FILE] [--start DATE] [--json]",
                       "Create the demo store (16 products, 40 customers, 90 days, seed 42) "
                       "with its segments, recommendations, demand model and price suggestions "
                       "when the database does not exist, then print its statistics. The same "
                       "--start gives the same store.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    char first[16];
    if (!start) {
        int64_t day = (int64_t)time(NULL) / 86400 - 90;
        format_date(day * 86400, first, sizeof(first));
        start = first;
    }
    const char *path = cli_db_path(db);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        char *args[] = {"simulate", "--db", (char *)path, "--customers", "40", "--products",
                        "16", "--days", "90", "--seed", "42", "--start", (char *)start,
                        json ? "--json" : NULL, NULL};
        rc = cmd_simulate(json ? 14 : 13, args);
        if (rc == 0)
            rc = train_all(path);
        if (rc == 0)
            rc = mine_rules(path);
        if (rc != 0) {
            remove(path); /* a half-made demo is no demo: the next run starts over */
            return rc;
        }
    } else if (!json) {
        printf("demo store %s exists; statistics:\n", path);
    }
    if (json)
        return 0;
    char *sargs[] = {"stats", "--db", (char *)path, NULL};
    return cmd_stats(3, sargs);
}
