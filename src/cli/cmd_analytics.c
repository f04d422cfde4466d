/* cli/cmd_analytics.c - kpi (and the other analytics commands as they land). */
#include <stdio.h>
#include <stdlib.h>

#include "analytics/kpi.h"
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
