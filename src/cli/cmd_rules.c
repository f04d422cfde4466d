/* cli/cmd_rules.c - `shopper rules`: frequent itemsets and association rules from a
 * transaction file or from the store's purchases. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/assoc.h"
#include "analytics/rules.h"
#include "cli/cli.h"
#include "core/jsonw.h"
#include "core/parse.h"
#include "core/progress.h"
#include "core/xalloc.h"
#include "store/store.h"

static const char *const USAGE =
    "shopper rules [--file FILE | --db FILE [--from DATE] [--to DATE]] [--min-support S]\n"
    "       [--min-confidence C] [--max-len N] [--top N] [--out FILE] [--itemsets-only] [--json]";

static const char *const ABOUT =
    "Frequent itemsets (FP-growth) and association rules X => y with support, confidence and "
    "lift.\nBaskets come from --file (one basket per line, item ids 0..2^63-1 separated by "
    "spaces; an empty line is an empty basket; any other text is an error naming the line) or, "
    "by default, from the store's purchases (one basket = one purchase's distinct products).\n"
    "Support is a count of baskets: --min-support below 1 is a fraction s of the N baskets "
    "(ceil(s*N)), from 1 up a count. An itemset is frequent when its support >= the minimum. "
    "A rule has one item on the right; its support is that of X and y together.\n"
    "--out FILE writes every itemset and rule: JSON when FILE ends in .json, else text lines "
    "\"itemset SUPPORT ITEM...\" and \"rule SUPPORT CONFIDENCE LIFT CONSEQUENT <= "
    "ANTECEDENT...\".\n--json prints one object: transactions, items, itemsets (count), rules "
    "(count, null with --itemsets-only), cpu seconds, and the top rules.\nRules mined from the store "
    "are stored in it (at most the 10000 best by lift), replacing the previous set in one "
    "transaction: the dashboard's rules explorer reads them.";

/* product names for the human listing, sorted by id */
struct names {
    struct store_product *p;
    size_t n;
};

static const char *name_of(const struct names *nm, int64_t id, char *buf, size_t n)
{
    size_t lo = 0, hi = nm->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (nm->p[mid].id < id)
            lo = mid + 1;
        else if (nm->p[mid].id > id)
            hi = mid;
        else
            return nm->p[mid].name;
    }
    snprintf(buf, n, "%lld", (long long)id);
    return buf;
}

/* loads the store's purchases in [from, to) and the product names */
static int load_store(const char *db, int64_t from, int64_t to, struct rules_baskets **out,
                      struct names *nm)
{
    struct store *st;
    if (store_open(cli_db_path(db), 0, &st) != SHOP_OK)
        return cli_fail("%s", store_open_error());
    struct rules_baskets *b = rules_baskets_new();
    int rc = store_baskets(st, from, to, rules_baskets_add_cb, b);
    if (rc == SHOP_OK)
        rc = store_products(st, &nm->p, &nm->n);
    if (rc != SHOP_OK) {
        cli_fail("%s", rc == SHOP_ETOOBIG ? "too many purchases" : store_errmsg(st));
        store_close(st);
        rules_baskets_free(b);
        return 1;
    }
    store_close(st);
    *out = b;
    return 0;
}

static void on_progress(void *ctx, int64_t done, int64_t total)
{
    struct progress *bar = ctx;
    bar->total = total > 0 ? total : 1;
    progress_update(bar, done);
}

static void write_top(struct jsonw *w, int json, const struct rules *r, const struct names *nm,
                      int64_t top)
{
    size_t n = rules_rule_count(r) < (size_t)top ? rules_rule_count(r) : (size_t)top;
    size_t cap = (size_t)(rules_max_len(r) > 0 ? rules_max_len(r) : 1);
    int64_t *items = xmalloc(cap * sizeof(*items));
    if (json) {
        jw_key(w, "top");
        jw_arr(w);
    } else if (n) {
        printf("top %zu rules by lift:\n%9s %6s %8s  %s\n", n, "lift", "conf", "support", "rule");
    }
    for (size_t i = 0; i < n; i++) {
        struct rules_rule u;
        size_t na = rules_rule_get(r, i, &u, items, cap);
        char buf[32];
        if (json) {
            jw_obj(w);
            jw_key(w, "antecedent");
            jw_arr(w);
            for (size_t a = 0; a < na; a++)
                jw_int(w, items[a]);
            jw_end(w);
            jw_key(w, "consequent");
            jw_int(w, u.consequent);
            if (nm->n) {
                jw_key(w, "antecedent_names");
                jw_arr(w);
                for (size_t a = 0; a < na; a++)
                    jw_str(w, name_of(nm, items[a], buf, sizeof(buf)));
                jw_end(w);
                jw_key(w, "consequent_name");
                jw_str(w, name_of(nm, u.consequent, buf, sizeof(buf)));
            }
            jw_key(w, "support");
            jw_int(w, u.support);
            jw_key(w, "confidence");
            jw_num(w, u.confidence);
            jw_key(w, "lift");
            jw_num(w, u.lift);
            jw_end(w);
            continue;
        }
        printf("%9.3f %6.3f %8lld  ", u.lift, u.confidence, (long long)u.support);
        for (size_t a = 0; a < na; a++)
            printf("%s%s", a ? ", " : "", name_of(nm, items[a], buf, sizeof(buf)));
        printf(" => %s\n", name_of(nm, u.consequent, buf, sizeof(buf)));
    }
    if (json)
        jw_end(w);
    free(items);
}

static int write_out(const char *path, const struct rules *r)
{
    size_t len = strlen(path);
    int json = len >= 5 && strcmp(path + len - 5, ".json") == 0;
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_fail("cannot write '%s': %s", path, strerror(errno));
    int rc = rules_write(r, f, json);
    if (fclose(f) != 0 || rc != SHOP_OK)
        return cli_fail("cannot write '%s': %s", path, strerror(errno));
    return 0;
}

int cmd_rules(int argc, char **argv)
{
    const char *db = NULL, *file = NULL, *out = NULL, *from_s = NULL, *to_s = NULL;
    double min_support = 0.01, min_confidence = 0.5;
    int64_t max_len = 0, top = 10, max_itemsets = 20000000;
    int json = 0, itemsets_only = 0;
    struct cli_opt opts[] = {
        CLI_STR("file", "FILE", "mine a transaction file (- is stdin) instead of the store",
                &file),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_STR("from", "DATE", "store: purchases from this day (YYYY-MM-DD)", &from_s),
        CLI_STR("to", "DATE", "store: purchases before this day", &to_s),
        CLI_DOUBLE("min-support", "S", "fraction < 1 or count >= 1 (default 0.01)",
                   &min_support, 1e-12, 9e18),
        CLI_DOUBLE("min-confidence", "C", "0..1 (default 0.5)", &min_confidence, 0, 1),
        CLI_INT("max-len", "N", "longest itemset, 0 = no limit (default)", &max_len, 0, 1000000),
        CLI_INT("max-itemsets", "N",
                "stop with an error past N itemsets kept or enumerated (default 20000000)",
                &max_itemsets, 1, 2000000000),
        CLI_INT("top", "N", "list the N rules with the highest lift (default 10)", &top, 0,
                1000000),
        CLI_STR("out", "FILE", "write all itemsets and rules (.json: JSON, else text)", &out),
        CLI_FLAG("itemsets-only", "count frequent itemsets only (fastest; no rules)",
                 &itemsets_only),
        CLI_FLAG("json", "print one JSON object", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, USAGE, ABOUT, opts, NULL);
    if (rc >= 0)
        return rc;
    if (file && (db || from_s || to_s)) {
        cli_fail("rules: --file cannot be combined with --db, --from or --to");
        return 2;
    }
    if (itemsets_only && out) {
        cli_fail("rules: --out needs the itemsets: drop --itemsets-only");
        return 2;
    }
    int64_t from = INT64_MIN, to = INT64_MAX;
    if ((from_s && parse_time(from_s, &from) != SHOP_OK) ||
        (to_s && parse_time(to_s, &to) != SHOP_OK)) {
        cli_fail("rules: --from and --to want YYYY-MM-DD");
        return 2;
    }

    double wall0 = progress_now(), cpu0 = (double)clock() / CLOCKS_PER_SEC;
    struct rules_baskets *b = NULL;
    struct names nm = {NULL, 0};
    if (file) {
        char err[512];
        if (rules_baskets_read(file, &b, err, sizeof(err)) != SHOP_OK)
            return cli_fail("%s", err);
    } else if (load_store(db, from, to, &b, &nm) != 0) {
        return 1;
    }
    double cpu_read = (double)clock() / CLOCKS_PER_SEC - cpu0;

    struct rules_params p = RULES_PARAMS_DEFAULT;
    p.min_confidence = min_confidence;
    p.max_len = (int)max_len;
    p.itemsets_only = itemsets_only;
    p.max_itemsets = (size_t)max_itemsets;
    struct progress bar;
    p.progress = on_progress;
    p.progress_ctx = &bar;
    struct rules *r = NULL;
    if (rules_min_count(min_support, rules_baskets_count(b), &p.min_support) != SHOP_OK) {
        cli_fail("rules: --min-support %g: a fraction below 1 or a whole count from 1 up",
                 min_support);
        rc = 2;
        goto out;
    }
    progress_start(&bar, "rules", 1);
    rc = rules_mine(b, &p, &r);
    if (rc == SHOP_OK)
        progress_finish(&bar);
    else if (bar.enabled)
        fputc('\n', stderr); /* the error on a line of its own */
    if (rc != SHOP_OK) {
        rc = cli_fail("rules: %s", rules_errmsg());
        goto out;
    }
    if (out && (rc = write_out(out, r)) != 0)
        goto out;
    /* rules of the store's own baskets become its stored set (the dashboard's explorer) */
    struct assoc_summary saved = {0};
    if (!file && !itemsets_only) {
        struct store *st;
        if (store_open(cli_db_path(db), STORE_WRITE, &st) != SHOP_OK) {
            rc = cli_fail("%s", store_open_error());
            goto out;
        }
        if (assoc_save(st, r, p.min_confidence, (int64_t)time(NULL), &saved) != SHOP_OK) {
            rc = cli_fail("rules: cannot store the rules: %s", store_errmsg(st));
            store_close(st);
            goto out;
        }
        store_close(st);
    }
    double wall = progress_now() - wall0, cpu = (double)clock() / CLOCKS_PER_SEC - cpu0;
    size_t n = rules_transactions(r);
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "source");
        jw_str(&w, file ? file : cli_db_path(db));
        jw_key(&w, "transactions");
        jw_int(&w, (int64_t)n);
        jw_key(&w, "items");
        jw_int(&w, (int64_t)rules_items(r));
        jw_key(&w, "frequent_items");
        jw_int(&w, (int64_t)rules_frequent_items(r));
        jw_key(&w, "min_support");
        jw_int(&w, p.min_support);
        jw_key(&w, "min_confidence");
        jw_num(&w, p.min_confidence);
        jw_key(&w, "itemsets");
        jw_int(&w, (int64_t)rules_itemset_count(r));
        jw_key(&w, "longest");
        jw_int(&w, rules_max_len(r));
        jw_key(&w, "rules");
        if (itemsets_only)
            jw_null(&w);
        else
            jw_int(&w, (int64_t)rules_rule_count(r));
        jw_key(&w, "cpu_seconds");
        jw_obj(&w);
        jw_key(&w, "read");
        jw_num(&w, cpu_read);
        jw_key(&w, "itemsets");
        jw_num(&w, rules_seconds_itemsets(r));
        jw_key(&w, "rules");
        jw_num(&w, rules_seconds_rules(r));
        jw_key(&w, "total");
        jw_num(&w, cpu);
        jw_end(&w);
        jw_key(&w, "wall_seconds");
        jw_num(&w, wall);
        if (!file && !itemsets_only) {
            jw_key(&w, "stored");
            jw_int(&w, saved.stored);
        }
        write_top(&w, 1, r, &nm, top);
        jw_end(&w);
        jw_finish(&w);
    } else {
        printf("transactions   %zu (%zu items, %zu frequent)\n", n, rules_items(r),
               rules_frequent_items(r));
        printf("min support    %lld baskets (%.4g%%)\n", (long long)p.min_support,
               n ? 100.0 * (double)p.min_support / (double)n : 0.0);
        printf("itemsets       %llu (longest %d), %.3f s cpu\n",
               (unsigned long long)rules_itemset_count(r), rules_max_len(r),
               rules_seconds_itemsets(r));
        if (!itemsets_only)
            printf("rules          %zu at confidence >= %g, %.3f s cpu\n", rules_rule_count(r),
                   p.min_confidence, rules_seconds_rules(r));
        printf("total          %.3f s cpu, %.3f s wall\n", cpu, wall);
        if (!file && !itemsets_only)
            printf("stored         %lld rules in the store (the previous set replaced)\n",
                   (long long)saved.stored);
        if (n == 0)
            printf("%s\n", file ? "no baskets in the file" : "no purchases in the store");
        write_top(NULL, 0, r, &nm, top);
    }
    rc = 0;
out:
    rules_free(r);
    rules_baskets_free(b);
    free(nm.p);
    return rc;
}
