/* cli/cmd_analytics.c - kpi (and the other analytics commands as they land). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/kpi.h"
#include "analytics/recommend.h"
#include "analytics/segments.h"
#include "core/progress.h"
#include "cli/cli.h"
#include "core/jsonw.h"
#include "core/parse.h"
#include "store/store.h"

/* --from/--to as dates or times; --to DATE means the end of that day */
int cli_time_range(const char *from_s, const char *to_s, int64_t *from, int64_t *to)
{
    *from = 0;
    *to = KPI_OPEN_END;
    if (from_s && parse_time(from_s, from) != SHOP_OK)
        return cli_fail("--from wants YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not '%s'", from_s), 2;
    if (to_s) {
        if (parse_time(to_s, to) != SHOP_OK)
            return cli_fail("--to wants YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not '%s'", to_s), 2;
        if (to_s[10] == '\0')
            *to += 86400;
    }
    if (*to <= *from)
        return cli_fail("--to must come after --from"), 2;
    return 0;
}

static void money(char *buf, size_t n, double cents)
{
    snprintf(buf, n, "%.2f", cents / 100.0);
}

int cmd_kpi(int argc, char **argv)
{
    const char *db = NULL, *from_s = NULL, *to_s = NULL;
    int json = 0, all = 0;
    int64_t top = 5;
    struct cli_opt opts[] = {
        CLI_STR("from", "DATE", "start of the range (default: the beginning)", &from_s),
        CLI_STR("to", "DATE", "end of the range, inclusive for a date (default: now)", &to_s),
        CLI_INT("top", "N", "best and worst products to show (default 5)", &top, 1, 1000),
        CLI_FLAG("products", "with --json: every product's sales too (\"products\")", &all),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print one JSON object with every number", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper kpi [--from DATE] [--to DATE] [--json [--products]]",
                       "The numbers behind the dashboard: items sold, revenue, average item "
                       "price and basket, conversion, top and worst products, sales by "
                       "category, fabric, gender and season, stock and low stock, try-to-buy "
                       "ratios, emotions and alerts.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    int64_t from, to;
    if ((rc = cli_time_range(from_s, to_s, &from, &to)) != 0)
        return rc;
    struct store *st;
    if (store_open(cli_db_path(db), 0, &st) != SHOP_OK)
        return cli_fail("%s", store_open_error());
    struct kpi k;
    if (kpi_compute(st, from, to, &k) != SHOP_OK) {
        cli_fail("kpi: %s", store_errmsg(st));
        store_close(st);
        return 1;
    }
    store_close(st);
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        kpi_write_json(&w, &k, (int)top, all);
        jw_finish(&w);
        kpi_release(&k);
        return 0;
    }
    const struct store_kpi *s = &k.s;
    char a[32], b[32], c[32];
    money(a, sizeof(a), (double)s->revenue_cents);
    money(b, sizeof(b), s->avg_item_price_cents);
    money(c, sizeof(c), s->avg_basket_cents);
    printf("revenue %s  items sold %lld  purchases %lld  avg item %s  avg basket %s\n", a,
           (long long)s->items_sold, (long long)s->purchases, b, c);
    printf("sessions %lld  conversion %.1f%%  customers buying %lld\n", (long long)s->sessions,
           100 * s->conversion, (long long)s->customers_buying);
    static const char *const dims[4] = {"category", "fabric", "gender", "season"};
    for (int d = 0; d < 4; d++) {
        printf("by %-9s", dims[d]);
        for (int g = 0; g < s->ngroups[d]; g++)
            printf("  %s %lld", s->groups[d][g].key, (long long)s->groups[d][g].units);
        printf("\n");
    }
    size_t n = s->nproducts, t = (size_t)top < n ? (size_t)top : n;
    printf("top products:\n");
    for (size_t i = 0; i < t; i++) {
        const struct store_kpi_product *p = &s->products[k.by_units[i]];
        printf("  %-40s %5lld sold  %5lld tried  %4lld in stock\n", p->name, (long long)p->units,
               (long long)p->tries, (long long)p->stock);
    }
    printf("worst products:\n");
    for (size_t i = 0; i < t; i++) {
        const struct store_kpi_product *p = &s->products[k.by_units[n - 1 - i]];
        printf("  %-40s %5lld sold  %5lld tried  %4lld in stock\n", p->name, (long long)p->units,
               (long long)p->tries, (long long)p->stock);
    }
    printf("low stock: %zu products\n", k.nlow);
    printf("emotions: frustration %lld  happiness %lld  surprise %lld; alerts: open %lld  "
           "acknowledged %lld  resolved %lld\n",
           (long long)s->emotions[0], (long long)s->emotions[1], (long long)s->emotions[2],
           (long long)s->alerts_open, (long long)s->alerts_acknowledged,
           (long long)s->alerts_resolved);
    kpi_release(&k);
    return 0;
}

static void segments_print(const struct segments_report *r, int json)
{
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        segments_write_json(&w, r);
        jw_finish(&w);
        return;
    }
    printf("%d segments over %lld customers (%lld buyers), inertia %.1f\n", r->k,
           (long long)r->customers, (long long)r->buyers, r->inertia);
    if (r->incremental)
        printf("updated with the new sales of %lld customers\n", (long long)r->updated);
    if (r->assigned_at) {
        char at[24];
        format_time(r->assigned_at, at, sizeof(at));
        printf("segments as of %s (the last training or update)", at);
        if (r->unassigned)
            printf("; %lld customers registered since are in none yet (shopper train "
                   "segments --update)",
                   (long long)r->unassigned);
        printf("\n");
    }
    for (int s = 0; s < r->k; s++)
        printf("  [%d] %5lld customers  %s\n", r->seg[s].id, (long long)r->seg[s].customers,
               r->seg[s].description);
}

static int train_segments(int argc, char **argv)
{
    const char *db = NULL;
    int json = 0, update = 0;
    int64_t k = 4, seed = 42;
    struct cli_opt opts[] = {
        CLI_INT("k", "N", "number of segments (default 4)", &k, 1, SEGMENTS_MAX_K),
        CLI_INT("seed", "S", "random seed (default 42)", &seed, 0, 9e18),
        CLI_FLAG("update", "update the saved model with the new sales (partial fit)", &update),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print the segments as JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper train segments [--k N] [--seed S] [--update] [--json]",
                       "Profile every customer from their purchases and cluster them into "
                       "segments (mini-batch k-means on standardised features); writes the "
                       "profiles and the model. --update folds in only the sales made since "
                       "the model last saw any.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    struct store *st;
    if (store_open(cli_db_path(db), STORE_WRITE, &st) != SHOP_OK)
        return cli_fail("%s", store_open_error());
    struct segments_report r;
    int64_t now = (int64_t)time(NULL);
    rc = update ? segments_update(st, now, &r) : segments_train(st, (int)k, (uint64_t)seed, now, &r);
    if (rc != SHOP_OK) {
        cli_fail("train segments: %s", shop_errmsg_or(rc));
        store_close(st);
        return 1;
    }
    store_close(st);
    segments_print(&r, json);
    return 0;
}

int cmd_train(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "segments") == 0)
        return train_segments(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "demand") == 0)
        return cli_train_demand(argc, argv);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: shopper train segments|demand [...]\n\nTrain a model: the customer "
               "segments, or the demand model for pricing; `shopper train segments --help` and "
               "`shopper train demand --help` for their flags.\n");
        return 0;
    }
    cli_fail("train: what to train? (segments or demand)");
    return 2;
}

int cmd_segments(int argc, char **argv)
{
    const char *db = NULL;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print the segments as JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper segments [--json]",
                       "The customer segments of the saved model: size, centre, description. "
                       "Members and buyers are counted as of the last training or update "
                       "(\"assigned_at\"): a sale moves no one until `shopper train segments "
                       "--update`; customers registered since are counted as \"unassigned\".",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    struct store *st;
    if (store_open(cli_db_path(db), 0, &st) != SHOP_OK)
        return cli_fail("%s", store_open_error());
    struct segments_report r;
    rc = segments_describe(st, &r);
    if (rc != SHOP_OK) {
        cli_fail("segments: %s", shop_errmsg_or(rc));
        store_close(st);
        return 1;
    }
    store_close(st);
    segments_print(&r, json);
    return 0;
}

#define CART_MAX 64

/* "1,2,3" -> ids; returns the count, -1 when malformed, -2 when more than cap */
static int parse_ids(const char *s, int64_t *ids, int cap)
{
    int n = 0;
    while (s && *s) {
        int64_t v;
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char one[24];
        if (len == 0 || len >= sizeof(one))
            return -1;
        memcpy(one, s, len);
        one[len] = '\0';
        if (parse_int64(one, 1, INT64_MAX, &v) != SHOP_OK)
            return -1;
        if (n == cap)
            return -2;
        ids[n++] = v;
        s = comma ? comma + 1 : s + len;
        if (comma && !*s)
            return -1; /* a trailing comma */
    }
    return n;
}

int cmd_recommend(int argc, char **argv)
{
    const char *db = NULL, *cart_s = NULL;
    int json = 0, save = 0, all = 0;
    int64_t customer = 0;
    struct cli_opt opts[] = {
        CLI_INT("customer", "ID", "the customer", &customer, 1, 9e18),
        CLI_STR("cart", "P1,P2", "product ids in the current cart", &cart_s),
        CLI_FLAG("save", "store the promotions and recommendations", &save),
        CLI_FLAG("all", "recommend for every customer and store the results", &all),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv,
                       "shopper recommend --customer ID [--cart P1,P2] [--save] [--json] | "
                       "--all",
                       "Three personal promotions and five recommendations, each with a reason, "
                       "from the customer's history and taste, their segment's best sellers, "
                       "association rules from the cart and past baskets, and popularity; only "
                       "products in stock in the customer's size.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    if (!all && customer == 0)
        return cli_fail("recommend: --customer ID or --all is needed"), 2;
    int64_t cart[CART_MAX];
    int ncart = cart_s ? parse_ids(cart_s, cart, CART_MAX) : 0;
    if (ncart == -2)
        return cli_fail("recommend: --cart holds at most %d product ids", CART_MAX), 2;
    if (ncart < 0)
        return cli_fail("recommend: --cart wants product ids like 3,7,12, not '%.60s%s'", cart_s,
                        strlen(cart_s) > 60 ? "..." : ""),
               2;
    struct store *st;
    if (store_open(cli_db_path(db), save || all ? STORE_WRITE : 0, &st) != SHOP_OK)
        return cli_fail("%s", store_open_error());
    struct reco_params p;
    reco_params_default(&p);
    struct reco_engine *e;
    double t0 = progress_now();
    if ((rc = reco_build(st, &p, &e)) != SHOP_OK) {
        cli_fail("recommend: %s", store_errmsg(st));
        store_close(st);
        return 1;
    }
    double t1 = progress_now();
    int64_t now = (int64_t)time(NULL);
    if (all) {
        int64_t n = reco_customers(e);
        struct progress bar;
        progress_start(&bar, "recommend", n);
        rc = reco_save_all(st, e, now, progress_cb, &bar);
        progress_finish(&bar);
        double t2 = progress_now();
        if (rc != SHOP_OK) {
            cli_fail("recommend: %s", store_errmsg(st));
        } else if (json) {
            printf("{\"customers\":%lld,\"build_seconds\":%.6f,\"recommend_seconds\":%.6f}\n",
                   (long long)n, t1 - t0, t2 - t1);
        } else {
            printf("recommended for %lld customers: engine %.3f s, %.3f s (%.1f us per "
                   "customer, with storing)\n",
                   (long long)n, t1 - t0, t2 - t1, n ? (t2 - t1) / (double)n * 1e6 : 0.0);
        }
        reco_free(e);
        store_close(st);
        return rc == SHOP_OK ? 0 : 1;
    }
    struct reco_list l;
    rc = reco_for(e, customer, cart, ncart, &l);
    if (rc == SHOP_ENOTFOUND) {
        reco_free(e);
        store_close(st);
        return cli_fail("recommend: no customer %lld", (long long)customer);
    }
    if (rc == SHOP_OK && save) {
        rc = store_begin(st);
        if (rc == SHOP_OK)
            rc = reco_save(st, customer, &l, now);
        if (rc == SHOP_OK)
            rc = store_commit(st);
        else
            store_rollback(st);
    }
    if (rc != SHOP_OK) {
        cli_fail("recommend: %s", store_errmsg(st));
        reco_free(e);
        store_close(st);
        return 1;
    }
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        reco_list_write_json(&w, e, customer, &l);
        jw_finish(&w);
    } else {
        printf("promotions for customer %lld:\n", (long long)customer);
        for (int i = 0; i < l.npromos; i++)
            printf("  %-40s %7.2f (-%2.0f%%)  %s\n", reco_product_name(e, l.promos[i].product_id),
                   l.promos[i].price_cents / 100.0, 100 * l.promos[i].discount, l.promos[i].reason);
        printf("recommendations:\n");
        for (int i = 0; i < l.nrecs; i++)
            printf("  %-40s %7.2f         %s\n", reco_product_name(e, l.recs[i].product_id),
                   l.recs[i].price_cents / 100.0, l.recs[i].reason);
    }
    reco_free(e);
    store_close(st);
    return 0;
}

static void eval_scores_json(struct jsonw *w, const char *key, const struct reco_eval_scores *s)
{
    jw_key(w, key);
    jw_obj(w);
    jw_key(w, "hit_rate_5");
    jw_num(w, s->hit_rate_5);
    jw_key(w, "hit_rate_8");
    jw_num(w, s->hit_rate_8);
    jw_key(w, "precision_5");
    jw_num(w, s->precision_5);
    jw_key(w, "precision_8");
    jw_num(w, s->precision_8);
    jw_end(w);
}

static int eval_recommend(int argc, char **argv)
{
    const char *db = NULL;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper eval recommend [--json]",
                       "Offline evaluation: each customer's last purchase is held out, the "
                       "recommender works from the rest; hit rate and precision at 5 and 8 for "
                       "the hybrid and for a popularity baseline.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    struct store *st;
    if (store_open(cli_db_path(db), 0, &st) != SHOP_OK)
        return cli_fail("%s", store_open_error());
    struct reco_params p;
    reco_params_default(&p);
    struct reco_eval ev;
    rc = reco_evaluate(st, &p, &ev);
    if (rc != SHOP_OK) {
        cli_fail("eval recommend: %s", store_errmsg(st));
        store_close(st);
        return 1;
    }
    store_close(st);
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "customers");
        jw_int(&w, ev.customers);
        eval_scores_json(&w, "hybrid", &ev.hybrid);
        eval_scores_json(&w, "popularity", &ev.popularity);
        jw_end(&w);
        jw_finish(&w);
        return 0;
    }
    printf("%lld customers with a held-out last purchase\n", (long long)ev.customers);
    printf("%-12s %10s %10s %12s %12s\n", "", "hit@5", "hit@8", "precision@5", "precision@8");
    const struct reco_eval_scores *s[2] = {&ev.hybrid, &ev.popularity};
    const char *names[2] = {"hybrid", "popularity"};
    for (int i = 0; i < 2; i++)
        printf("%-12s %10.3f %10.3f %12.3f %12.3f\n", names[i], s[i]->hit_rate_5,
               s[i]->hit_rate_8, s[i]->precision_5, s[i]->precision_8);
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "recommend") == 0)
        return eval_recommend(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "pricing") == 0)
        return cli_eval_pricing(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "faces") == 0)
        return cli_eval_faces(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: shopper eval recommend|pricing|faces [...]\n\nMeasure a model offline; "
               "`shopper eval recommend --help`, `shopper eval pricing --help` and `shopper eval "
               "faces --help` for their flags.\n");
        return 0;
    }
    cli_fail("eval: what to evaluate? (recommend, pricing or faces)");
    return 2;
}
