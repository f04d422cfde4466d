/* cli/cmd_analytics.c - kpi (and the other analytics commands as they land). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/kpi.h"
#include "analytics/segments.h"
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
    int json = 0;
    int64_t top = 5;
    struct cli_opt opts[] = {
        CLI_STR("from", "DATE", "start of the range (default: the beginning)", &from_s),
        CLI_STR("to", "DATE", "end of the range, inclusive for a date (default: now)", &to_s),
        CLI_INT("top", "N", "best and worst products to show (default 5)", &top, 1, 1000),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print one JSON object with every number", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper kpi [--from DATE] [--to DATE] [--json]",
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
        kpi_write_json(&w, &k, (int)top);
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
        jw_obj(&w);
        jw_key(&w, "k");
        jw_int(&w, r->k);
        jw_key(&w, "customers");
        jw_int(&w, r->customers);
        jw_key(&w, "buyers");
        jw_int(&w, r->buyers);
        jw_key(&w, "inertia");
        jw_num(&w, r->inertia);
        if (r->incremental) {
            jw_key(&w, "updated_customers");
            jw_int(&w, r->updated);
        }
        jw_key(&w, "segments");
        jw_arr(&w);
        for (int s = 0; s < r->k; s++) {
            const struct segment_info *g = &r->seg[s];
            jw_obj(&w);
            jw_key(&w, "id");
            jw_int(&w, g->id);
            jw_key(&w, "label");
            jw_str(&w, g->label);
            jw_key(&w, "description");
            jw_str(&w, g->description);
            jw_key(&w, "customers");
            jw_int(&w, g->customers);
            jw_key(&w, "centre");
            jw_obj(&w);
            jw_key(&w, "purchases");
            jw_num(&w, g->purchases);
            jw_key(&w, "items");
            jw_num(&w, g->items);
            jw_key(&w, "spend_cents");
            jw_num(&w, g->spend_cents);
            jw_key(&w, "mean_price_cents");
            jw_num(&w, g->mean_price_cents);
            jw_key(&w, "mean_discount");
            jw_num(&w, g->mean_discount);
            jw_key(&w, "times_tried");
            jw_num(&w, g->times_tried);
            jw_key(&w, "top_category");
            jw_str(&w, g->top_category[0] ? g->top_category : NULL);
            jw_key(&w, "top_fabric");
            jw_str(&w, g->top_fabric[0] ? g->top_fabric : NULL);
            jw_key(&w, "top_size");
            jw_str(&w, g->top_size[0] ? g->top_size : NULL);
            jw_end(&w);
            jw_end(&w);
        }
        jw_end(&w);
        jw_end(&w);
        jw_finish(&w);
        return;
    }
    printf("%d segments over %lld customers (%lld buyers), inertia %.1f\n", r->k,
           (long long)r->customers, (long long)r->buyers, r->inertia);
    if (r->incremental)
        printf("updated with the new sales of %lld customers\n", (long long)r->updated);
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
        const char *why = rc == SHOP_EINVAL     ? "fewer customers than segments"
                          : rc == SHOP_ENOTFOUND ? "no saved segments: run shopper train segments"
                          : rc == SHOP_ECONFLICT ? "the catalogue changed since training: retrain"
                                                 : store_errmsg(st);
        store_close(st);
        return cli_fail("train segments: %s", why);
    }
    store_close(st);
    segments_print(&r, json);
    return 0;
}

int cmd_train(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "segments") == 0)
        return train_segments(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: shopper train segments [...]\n\nTrain a model; `shopper train segments "
               "--help` for its flags.\n");
        return 0;
    }
    cli_fail("train: what to train? (segments)");
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
                       "The customer segments of the saved model: size, centre, description.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    struct store *st;
    if (store_open(cli_db_path(db), 0, &st) != SHOP_OK)
        return cli_fail("%s", store_open_error());
    struct segments_report r;
    rc = segments_describe(st, &r);
    if (rc != SHOP_OK) {
        const char *why = rc == SHOP_ENOTFOUND ? "no segments yet: run shopper train segments"
                          : rc == SHOP_ECONFLICT ? "the catalogue changed since training: retrain"
                                                 : store_errmsg(st);
        store_close(st);
        return cli_fail("segments: %s", why);
    }
    store_close(st);
    segments_print(&r, json);
    return 0;
}
