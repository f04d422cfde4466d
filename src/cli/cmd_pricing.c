/* cli/cmd_pricing.c - train demand, price, eval pricing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/pricing.h"
#include "cli/cli.h"
#include "core/jsonw.h"
#include "core/parse.h"
#include "core/progress.h"
#include "store/store.h"

/* the rule flags shared by price and eval pricing; *endings is the --endings text */
#define RULE_OPTS(r, endings, days)                                                           \
    CLI_DOUBLE("range", "F", "grid: base price x (1 +- F) (default 0.20)", &(r)->range, 0.01,  \
               0.9),                                                                          \
        CLI_DOUBLE("step", "F", "grid step as a share of the base price (default 0.01)",      \
                   &(r)->step, 0.001, 0.9),                                                   \
        CLI_DOUBLE("min-margin", "F", "price >= cost + F x price (default 0.10)",             \
                   &(r)->min_margin, 0, 0.9),                                                 \
        CLI_DOUBLE("max-change", "F", "largest change per update, share of the current "     \
                                      "price (default 0.15)",                                 \
                   &(r)->max_change, 0.001, 1),                                               \
        CLI_STR("endings", "LIST", "allowed price endings, e.g. 99,95,00 (default 99)",       \
                (endings)),                                                                   \
        CLI_INT("days", "N", "reference period: the last N days with data (default 28)",        \
                (days), 1, 366),                                                              \
        CLI_FLAG("raw-curve", "search the model's raw predictions, not the fitted curve",     \
                 &(r)->raw_curve)

static int rules_finish(struct pricing_rules *r, const char *endings, const char *cmd)
{
    if (endings && pricing_endings_parse(endings, &r->endings) != SHOP_OK)
        return cli_fail("%s: --endings wants a list of 99, 95 and 00, not '%s'", cmd, endings),
               2;
    char msg[160];
    if (pricing_rules_check(r, msg, sizeof(msg)) != SHOP_OK)
        return cli_fail("%s: %s", cmd, msg), 2;
    return -1;
}

static void metrics_text(const struct demand_metrics *m)
{
    char date[16];
    if (m->rows_test == 0) {
        printf("  no held-out days (metrics skipped)\n");
        return;
    }
    format_date(m->split_day * 86400, date, sizeof(date));
    printf("  held out from %s: %lld rows (trained on %lld)\n", date, (long long)m->rows_test,
           (long long)m->rows_train);
    printf("  %-22s %10s %10s %10s\n", "", "MAE", "RMSE", "deviance");
    printf("  %-22s %10.4f %10.4f %10.4f\n", "model", m->mae, m->rmse, m->deviance);
    printf("  %-22s %10.4f %10.4f %10.4f\n", "baseline (product mean)", m->mae_base,
           m->rmse_base, m->deviance_base);
}

int cli_train_demand(int argc, char **argv)
{
    struct demand_params pr;
    demand_params_default(&pr);
    const char *db = NULL, *objective = NULL;
    int json = 0, no_monotone = 0, no_interaction = 0;
    int64_t rounds = pr.max_rounds, depth = pr.max_depth, threads = pr.nthread, seed = 42;
    double holdout = 0.2;
    struct cli_opt opts[] = {
        CLI_STR("objective", "NAME", "poisson (default) or squared", &objective),
        CLI_INT("rounds", "N", "trees at most (default 600; early stopping on the hold-out)",
                &rounds, 1, DEMAND_MAX_ROUNDS),
        CLI_INT("depth", "N", "tree depth (default 6)", &depth, 1, 16),
        CLI_DOUBLE("eta", "F", "learning rate (default 0.05)", &pr.eta, 0.001, 1),
        CLI_DOUBLE("holdout", "F", "share of the last days held out (default 0.2)", &holdout, 0,
                   0.9),
        CLI_INT("threads", "N", "XGBoost threads (default 2)", &threads, 1, 64),
        CLI_INT("seed", "S", "random seed (default 42)", &seed, 0, 2147483646),
        CLI_FLAG("no-monotone", "let demand rise with price (no monotone constraint)",
                 &no_monotone),
        CLI_FLAG("no-interaction", "let price splits mix with product splits",
                 &no_interaction),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print the report as JSON", &json),
        CLI_END,
    };
    char **pos = NULL;
    int rc = cli_parse(argc, argv, "shopper train demand [--objective poisson|squared] [--db FILE] "
                                   "[--json]",
                       "Train the demand model (XGBoost) on units sold per product per in-stock "
                       "day, from the price charged, the discount, the product's attributes and "
                       "the calendar; report MAE/RMSE on the last days held out against each "
                       "product's mean; save the model in the store.",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    int bad = !pos[0] || strcmp(pos[0], "demand") != 0 || pos[1];
    char what[64];
    snprintf(what, sizeof(what), "%s", pos[0] ? pos[0] : "");
    free(pos);
    if (bad)
        return cli_fail("train: what to train? only 'demand' (shopper train demand), not '%s'",
                        what),
               2;
    if (objective && (pr.objective = demand_objective_parse(objective)) < 0)
        return cli_fail("train: --objective is poisson or squared, not '%s'", objective), 2;
    pr.max_rounds = (int)rounds;
    pr.max_depth = (int)depth;
    pr.nthread = (int)threads;
    pr.seed = (uint64_t)seed;
    pr.monotone = !no_monotone;
    pr.interaction = !no_interaction;
    struct store *st = cli_open_store(db, STORE_WRITE);
    if (!st)
        return 1;
    struct pricing_train_report rep;
    double t0 = progress_now();
    rc = pricing_train(st, &pr, holdout, (int64_t)time(NULL), &rep);
    double seconds = progress_now() - t0;
    store_close(st);
    if (rc != SHOP_OK)
        return cli_fail("train demand: %s", pricing_errmsg());
    const struct demand_metrics *m = &rep.metrics;
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "model");
        jw_str(&w, "demand");
        jw_key(&w, "version");
        jw_int(&w, rep.version);
        jw_key(&w, "objective");
        jw_str(&w, demand_objective_name(pr.objective));
        jw_key(&w, "products");
        jw_int(&w, rep.products);
        jw_key(&w, "rows");
        jw_int(&w, m->rows);
        jw_key(&w, "zero_rows");
        jw_int(&w, m->zero_rows);
        jw_key(&w, "rows_train");
        jw_int(&w, m->rows_train);
        jw_key(&w, "rows_test");
        jw_int(&w, m->rows_test);
        jw_key(&w, "rounds");
        jw_int(&w, m->rounds);
        if (m->rows_test > 0) {
            const struct {
                const char *k;
                double v;
            } f[] = {{"mae", m->mae},
                     {"rmse", m->rmse},
                     {"deviance", m->deviance},
                     {"mae_baseline", m->mae_base},
                     {"rmse_baseline", m->rmse_base},
                     {"deviance_baseline", m->deviance_base}};
            for (size_t i = 0; i < sizeof(f) / sizeof(*f); i++) {
                jw_key(&w, f[i].k);
                jw_num(&w, f[i].v);
            }
        }
        jw_key(&w, "beats_baseline");
        jw_bool(&w, pricing_model_useful(m));
        jw_key(&w, "seconds");
        jw_num(&w, seconds);
        jw_end(&w);
        jw_finish(&w);
        return 0;
    }
    if (!pricing_model_useful(m))
        printf("the model predicts no better than each product's average: `shopper price` "
               "keeps the current prices until there are more sales\n");
    printf("trained demand model v%lld (%s, %d trees) in %.2f s\n", (long long)rep.version,
           demand_objective_name(pr.objective), m->rounds, seconds);
    printf("  %lld training rows (product-days in stock, %lld with no sale), %lld products\n",
           (long long)m->rows, (long long)m->zero_rows, (long long)rep.products);
    metrics_text(m);
    return 0;
}

static void cents_str(char *buf, size_t n, int64_t c)
{
    snprintf(buf, n, "%s%lld.%02lld", c < 0 ? "-" : "", llabs(c) / 100, llabs(c) % 100);
}

static void print_suggestions(const struct pricing_suggestion *s, size_t n, int json, int apply)
{
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "applied");
        jw_bool(&w, apply);
        jw_key(&w, "products");
        jw_arr(&w);
        for (size_t i = 0; i < n; i++) {
            jw_obj(&w);
            jw_key(&w, "id");
            jw_int(&w, s[i].product_id);
            jw_key(&w, "name");
            jw_str(&w, s[i].name);
            jw_key(&w, "cost_cents");
            jw_int(&w, s[i].cost_cents);
            jw_key(&w, "base_cents");
            jw_int(&w, s[i].base_cents);
            jw_key(&w, "current_cents");
            jw_int(&w, s[i].current_cents);
            jw_key(&w, "suggested_cents");
            jw_int(&w, s[i].suggested_cents);
            jw_key(&w, "demand_current");
            jw_num(&w, s[i].demand_current);
            jw_key(&w, "demand_suggested");
            jw_num(&w, s[i].demand_suggested);
            jw_key(&w, "profit_current");
            jw_num(&w, s[i].profit_current);
            jw_key(&w, "profit_suggested");
            jw_num(&w, s[i].profit_suggested);
            jw_key(&w, "rule");
            jw_str(&w, s[i].rule);
            if (s[i].why[0]) {
                jw_key(&w, "why");
                jw_str(&w, s[i].why);
            }
            jw_end(&w);
        }
        jw_end(&w);
        jw_end(&w);
        jw_finish(&w);
        return;
    }
    printf("%6s  %-28s %9s %9s %8s %8s %9s %9s  %s\n", "id", "product", "current", "suggested",
           "units", "units", "profit", "profit", "rule");
    printf("%6s  %-28s %9s %9s %8s %8s %9s %9s\n", "", "", "", "", "now/day", "new/day",
           "now/day", "new/day");
    double p0 = 0, p1 = 0;
    for (size_t i = 0; i < n; i++) {
        char cur[24], sug[24], pc[24], pn[24];
        cents_str(cur, sizeof(cur), s[i].current_cents);
        cents_str(sug, sizeof(sug), s[i].suggested_cents);
        cents_str(pc, sizeof(pc), (int64_t)llround(s[i].profit_current));
        cents_str(pn, sizeof(pn), (int64_t)llround(s[i].profit_suggested));
        printf("%6lld  %-28.28s %9s %9s %8.3f %8.3f %9s %9s  %s%s%s\n",
               (long long)s[i].product_id, s[i].name, cur, sug, s[i].demand_current,
               s[i].demand_suggested, pc, pn, s[i].rule, s[i].why[0] ? ": " : "", s[i].why);
        p0 += s[i].profit_current;
        p1 += s[i].profit_suggested;
    }
    char a[24], b[24];
    cents_str(a, sizeof(a), (int64_t)llround(p0));
    cents_str(b, sizeof(b), (int64_t)llround(p1));
    printf("%zu products: predicted profit per day %s now, %s at the suggested prices%s\n", n, a,
           b, apply ? " (applied)" : " (not applied: --apply sets them)");
}

int cmd_price(int argc, char **argv)
{
    struct pricing_rules r;
    pricing_rules_default(&r);
    const char *db = NULL, *endings = NULL;
    int json = 0, apply = 0;
    int64_t product = 0, days = PRICING_DAYS;
    struct cli_opt opts[] = {
        CLI_FLAG("apply", "set the suggested prices as the products' prices", &apply),
        CLI_INT("product", "ID", "only this product", &product, 1, 9e18),
        RULE_OPTS(&r, &endings, &days),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper price [--apply] [--product ID] [--db FILE] [--json]",
                       "Suggest each product's profit-maximising price on a grid around its "
                       "base price with the demand model, under the business rules (minimum "
                       "margin, maximum change, price endings), and show which rule bound it. "
                       "Every suggestion is recorded in the price history; --apply also sets "
                       "the prices (one transaction).",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    if ((rc = rules_finish(&r, endings, "price")) >= 0)
        return rc;
    struct store *st = cli_open_store(db, STORE_WRITE);
    if (!st)
        return 1;
    struct pricing_suggestion *s = NULL;
    size_t n = 0;
    int64_t now = (int64_t)time(NULL);
    rc = pricing_suggest(st, &r, product, (int)days, now, &s, &n);
    if (rc == SHOP_OK)
        rc = pricing_record(st, s, n, apply, now);
    store_close(st);
    if (rc != SHOP_OK) {
        free(s);
        return cli_fail("price: %s", pricing_errmsg());
    }
    print_suggestions(s, n, json, apply);
    free(s);
    return 0;
}

int cli_eval_pricing(int argc, char **argv)
{
    struct pricing_rules r;
    pricing_rules_default(&r);
    const char *db = NULL, *endings = NULL;
    int json = 0;
    int64_t days = PRICING_DAYS;
    struct cli_opt opts[] = {
        RULE_OPTS(&r, &endings, &days),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    char **pos = NULL;
    int rc = cli_parse(argc, argv, "shopper eval pricing [--db FILE] [--json]",
                       "Score the suggested prices with the simulator's true demand: the true "
                       "expected profit over the reference period (the last simulated days, other "
                       "products at those days' prices and promotions) at "
                       "the suggested prices, at the base prices, and at the best prices of the "
                       "same grid under the same rules found by asking the simulator (the "
                       "oracle). capture = suggested / oracle.",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    int bad = !pos[0] || strcmp(pos[0], "pricing") != 0 || pos[1];
    char what[64];
    snprintf(what, sizeof(what), "%s", pos[0] ? pos[0] : "");
    free(pos);
    if (bad)
        return cli_fail("eval: what to evaluate? only 'pricing' (shopper eval pricing), "
                        "not '%s'",
                        what),
               2;
    if ((rc = rules_finish(&r, endings, "eval pricing")) >= 0)
        return rc;
    struct store *st = cli_open_store(db, 0);
    if (!st)
        return 1;
    struct pricing_eval ev;
    rc = pricing_evaluate(st, &r, (int)days, (int64_t)time(NULL), &ev);
    store_close(st);
    if (rc != SHOP_OK)
        return cli_fail("eval pricing: %s", pricing_errmsg());
    char from[16];
    format_date(ev.first_day * 86400, from, sizeof(from));
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "products");
        jw_int(&w, ev.products);
        jw_key(&w, "days");
        jw_int(&w, ev.days);
        jw_key(&w, "from");
        jw_str(&w, from);
        jw_key(&w, "profit_base");
        jw_num(&w, ev.profit_base / 100);
        jw_key(&w, "profit_current");
        jw_num(&w, ev.profit_current / 100);
        jw_key(&w, "profit_suggested");
        jw_num(&w, ev.profit_suggested / 100);
        jw_key(&w, "profit_oracle");
        jw_num(&w, ev.profit_oracle / 100);
        jw_key(&w, "capture");
        jw_num(&w, ev.capture);
        jw_key(&w, "capture_base");
        jw_num(&w, ev.capture_base);
        jw_key(&w, "capture_highest_allowed");
        jw_num(&w, ev.capture_max);
        jw_key(&w, "same_as_oracle");
        jw_int(&w, ev.same_as_oracle);
        jw_key(&w, "kept");
        jw_int(&w, ev.kept);
        jw_end(&w);
        jw_finish(&w);
        return 0;
    }
    printf("true expected profit of %lld products over %lld days from %s "
           "(simulator's demand):\n",
           (long long)ev.products, (long long)ev.days, from);
    printf("  %-34s %14.2f  %6.2f %%\n", "oracle (best allowed grid prices)",
           ev.profit_oracle / 100, 100.0);
    printf("  %-34s %14.2f  %6.2f %%  <- capture\n", "suggested (demand model)",
           ev.profit_suggested / 100, ev.capture * 100);
    printf("  %-34s %14.2f  %6.2f %%\n", "base prices", ev.profit_base / 100,
           ev.capture_base * 100);
    printf("  %-34s %14.2f\n", "current prices", ev.profit_current / 100);
    printf("  %-34s %14s  %6.2f %%\n", "highest allowed (price-blind)", "",
           ev.capture_max * 100);
    printf("  %lld products priced as the oracle, %lld kept their price (no allowed grid "
           "price)\n",
           (long long)ev.same_as_oracle, (long long)ev.kept);
    return 0;
}
