/* cli/cmd_store.c - init, stats, customers, products, buy, check. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli/cli.h"
#include "core/jsonw.h"
#include "core/parse.h"
#include "shop/shop.h"
#include "store/store.h"

int cmd_init(int argc, char **argv)
{
    const char *db = NULL;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print the result as JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper init [--db FILE] [--json]",
                       "Create an empty store database with the current schema (an existing "
                       "store is upgraded, never overwritten).",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    struct store *st = cli_open_store(db, STORE_CREATE | STORE_WRITE);
    if (!st)
        return 1;
    int version = store_schema_version(st);
    store_close(st);
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "db");
        jw_str(&w, cli_db_path(db));
        jw_key(&w, "schema_version");
        jw_int(&w, version);
        jw_end(&w);
        jw_finish(&w);
    } else {
        printf("store '%s' ready (schema version %d)\n", cli_db_path(db), version);
    }
    return 0;
}

static void money(char *buf, size_t n, int64_t cents)
{
    snprintf(buf, n, "%s%lld.%02lld", cents < 0 ? "-" : "", llabs(cents) / 100,
             llabs(cents) % 100);
}

int cmd_stats(int argc, char **argv)
{
    const char *db = NULL;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print one JSON object", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper stats [--db FILE] [--json]",
                       "Row counts per table, revenue, date range and stock.", opts, NULL);
    if (rc >= 0)
        return rc;
    struct store *st = cli_open_store(db, 0);
    if (!st)
        return 1;
    struct store_stats s;
    if (store_stats(st, &s) != SHOP_OK) {
        cli_fail("%s", store_errmsg(st));
        store_close(st);
        return 1;
    }
    store_close(st);
    char from[16] = "", to[16] = "", rev[32];
    if (s.first_at)
        format_date(s.first_at, from, sizeof(from));
    if (s.last_at)
        format_date(s.last_at, to, sizeof(to));
    money(rev, sizeof(rev), s.revenue_cents);
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "tables");
        jw_obj(&w);
        for (int i = 0; i < s.ntables; i++) {
            jw_key(&w, s.table[i]);
            jw_int(&w, s.rows[i]);
        }
        jw_end(&w);
        jw_key(&w, "revenue_cents");
        jw_int(&w, s.revenue_cents);
        jw_key(&w, "purchases");
        jw_int(&w, s.purchases);
        jw_key(&w, "items_sold");
        jw_int(&w, s.items_sold);
        jw_key(&w, "items_in_stock");
        jw_int(&w, s.items_in_stock);
        jw_key(&w, "first_day");
        jw_str(&w, s.first_at ? from : NULL);
        jw_key(&w, "last_day");
        jw_str(&w, s.last_at ? to : NULL);
        jw_key(&w, "file_bytes");
        jw_int(&w, s.file_bytes);
        jw_end(&w);
        jw_finish(&w);
        return 0;
    }
    printf("store %s (%.1f MB)\n", cli_db_path(db), (double)s.file_bytes / 1e6);
    printf("dates      %s .. %s\n", s.first_at ? from : "-", s.last_at ? to : "-");
    printf("revenue    %s in %lld purchases, %lld items sold\n", rev, (long long)s.purchases,
           (long long)s.items_sold);
    printf("stock      %lld items in stock\n", (long long)s.items_in_stock);
    printf("rows:\n");
    for (int i = 0; i < s.ntables; i++)
        printf("  %-18s %12lld\n", s.table[i], (long long)s.rows[i]);
    return 0;
}

int cmd_customers(int argc, char **argv)
{
    const char *db = NULL;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print a JSON array of customers", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper customers [--db FILE] [--json]", "List customers.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    struct store *st = cli_open_store(db, 0);
    if (!st)
        return 1;
    struct store_customer *c;
    size_t n;
    if (store_customers(st, &c, &n) != SHOP_OK) {
        cli_fail("%s", store_errmsg(st));
        store_close(st);
        return 1;
    }
    store_close(st);
    struct jsonw w;
    jw_init(&w, stdout, 0);
    if (json)
        jw_arr(&w);
    else
        printf("%6s  %-24s %-6s %-4s %-16s %-8s %-9s %s\n", "id", "name", "gender", "size",
               "persona", "category", "fabric", "season");
    for (size_t i = 0; i < n; i++) {
        if (!json) {
            printf("%6lld  %-24s %-6s %-4s %-16s %-8s %-9s %s\n", (long long)c[i].id, c[i].name,
                   c[i].gender, c[i].size, c[i].persona, c[i].pref_category, c[i].pref_fabric,
                   c[i].pref_season);
            continue;
        }
        jw_obj(&w);
        jw_key(&w, "id");
        jw_int(&w, c[i].id);
        jw_key(&w, "name");
        jw_str(&w, c[i].name);
        jw_key(&w, "email");
        jw_str(&w, c[i].email[0] ? c[i].email : NULL);
        jw_key(&w, "gender");
        jw_str(&w, c[i].gender);
        jw_key(&w, "size");
        jw_str(&w, c[i].size);
        jw_key(&w, "persona");
        jw_str(&w, c[i].persona[0] ? c[i].persona : NULL);
        jw_key(&w, "pref_category");
        jw_str(&w, c[i].pref_category[0] ? c[i].pref_category : NULL);
        jw_key(&w, "pref_fabric");
        jw_str(&w, c[i].pref_fabric[0] ? c[i].pref_fabric : NULL);
        jw_key(&w, "pref_season");
        jw_str(&w, c[i].pref_season[0] ? c[i].pref_season : NULL);
        jw_end(&w);
    }
    if (json) {
        jw_end(&w);
        jw_finish(&w);
    }
    free(c);
    return 0;
}

int cmd_products(int argc, char **argv)
{
    const char *db = NULL;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print a JSON array of products", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper products [--db FILE] [--json]",
                       "List products with current price, cost and stock (--json: with the "
                       "stock by size, as GET /api/v1/products/{id} shows a product).",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    struct store *st = cli_open_store(db, 0);
    if (!st)
        return 1;
    struct jsonw w;
    jw_init(&w, stdout, 0);
    if (json)
        jw_arr(&w);
    else
        printf("%6s  %-34s %-8s %-6s %-9s %-11s %9s %9s %6s\n", "id", "name", "category",
               "gender", "fabric", "season", "price", "cost", "stock");
    /* page by page, as the API does */
    struct store_product_filter f = {.limit = SHOP_PAGE_MAX};
    struct shop_page pg = {0};
    int64_t total = 0;
    do {
        rc = shop_products_find(st, &f, 0, 0, &pg);
        if (rc != SHOP_OK)
            break;
        for (size_t i = 0; i < pg.n; i++) {
            const struct store_product *p = &pg.items[i].p;
            if (json) {
                shop_product_write_json(&w, &pg.items[i], SHOP_JSON_INTERNAL);
                continue;
            }
            char pr[32], co[32];
            money(pr, sizeof(pr), p->price_cents);
            money(co, sizeof(co), p->cost_cents);
            printf("%6lld  %-34s %-8s %-6s %-9s %-11s %9s %9s %6lld\n", (long long)p->id,
                   p->name, p->category, p->gender, p->fabric, p->season, pr, co,
                   (long long)p->stock);
        }
        f.offset += (int64_t)pg.n;
        total = pg.total;
        shop_page_release(&pg);
    } while (f.offset < total);
    store_close(st);
    if (rc != SHOP_OK)
        return cli_fail_rc(rc, "products");
    if (json) {
        jw_end(&w);
        jw_finish(&w);
    }
    return 0;
}

/* a sale at the till: `shopper buy --customer ID --product P --size S` */
int cmd_buy(int argc, char **argv)
{
    const char *db = NULL, *size = NULL;
    int64_t customer = 0, product = 0;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_INT("customer", "ID", "the customer who buys", &customer, 1, 9e18),
        CLI_INT("product", "ID", "the product", &product, 1, 9e18),
        CLI_STR("size", "S", "the size (XS, S, M, L, XL, XXL)", &size),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print the bought cart as JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv,
                       "shopper buy --customer ID --product ID --size S [--db FILE] [--json]",
                       "A sale at the till: one in-stock item of the product in that size (not "
                       "one held in a mirror's cart), bought in one transaction like a "
                       "mirror's checkout, at the customer's promotion price when they have "
                       "one.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    if (!customer || !product || !size)
        return cli_fail("buy: --customer, --product and --size are needed"), 2;
    struct store *st = cli_open_store(db, STORE_WRITE);
    if (!st)
        return 1;
    struct shop_cart cart;
    rc = shop_buy(st, customer, product, size, "till", (int64_t)time(NULL), &cart);
    store_close(st);
    if (rc != SHOP_OK)
        return cli_fail_rc(rc, "buy");
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        shop_cart_write_json(&w, &cart);
        jw_finish(&w);
        return 0;
    }
    char total[32];
    money(total, sizeof(total), cart.total_cents);
    printf("purchase %lld: item %lld (%s, %s) for %s\n", (long long)cart.cart.purchase_id,
           cart.n ? (long long)cart.lines[0].l.item_id : 0LL, cart.n ? cart.lines[0].l.name : "",
           size, total);
    return 0;
}

int cmd_check(int argc, char **argv)
{
    const char *db = NULL;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print one JSON object", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper check [--db FILE] [--json]",
                       "Check the database's integrity and the store's invariants (no item sold "
                       "twice, totals equal their lines, positions inside the floor plan, ...). "
                       "Exits 1 when anything is wrong.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    struct store *st = cli_open_store(db, 0);
    if (!st)
        return 1;
    struct store_check c;
    if (store_check_run(st, &c) != SHOP_OK) {
        cli_fail("%s", store_errmsg(st));
        store_close(st);
        return 1;
    }
    store_close(st);
    struct {
        const char *name;
        int64_t v;
    } rows[] = {
        {"integrity_errors", !c.integrity_ok},    {"fk_violations", c.fk_violations},
        {"sold_twice", c.sold_twice},             {"sold_not_marked", c.sold_not_marked},
        {"marked_not_sold", c.marked_not_sold},   {"bad_totals", c.bad_totals},
        {"foreign_sessions", c.foreign_sessions}, {"empty_purchases", c.empty_purchases},
        {"outside_positions", c.outside_positions}, {"negative_stock", c.negative_stock},
        {"kpi_days_off", c.aggregates_off[0]},    {"kpi_product_days_off", c.aggregates_off[1]},
        {"kpi_customer_days_off", c.aggregates_off[2]},
        {"kpi_buyer_days_off", c.aggregates_off[3]},
        {"kpi_emotion_days_off", c.aggregates_off[4]},   {"kpi_stock_off", c.aggregates_off[5]},
    };
    int bad = 0;
    struct jsonw w;
    jw_init(&w, stdout, 0);
    if (json)
        jw_obj(&w);
    for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
        bad |= rows[i].v != 0;
        if (json) {
            jw_key(&w, rows[i].name);
            jw_int(&w, rows[i].v);
        } else {
            printf("%-21s %lld\n", rows[i].name, (long long)rows[i].v);
        }
    }
    if (json) {
        jw_key(&w, "ok");
        jw_bool(&w, !bad);
        jw_end(&w);
        jw_finish(&w);
    } else {
        printf("%s\n", bad ? "PROBLEMS FOUND" : "ok");
    }
    return bad ? 1 : 0;
}
