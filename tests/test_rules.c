#include <stdlib.h>
#include <string.h>

#include "analytics/rules.h"
#include "core/rng.h"
#include "core/xalloc.h"
#include "store/store.h"
#include "test.h"

static struct rules_baskets *baskets_of(const char *const *lines, size_t n)
{
    struct rules_baskets *b = rules_baskets_new();
    for (size_t i = 0; i < n; i++) {
        int64_t v[16];
        size_t k = 0;
        for (const char *p = lines[i]; *p; p++)
            if (*p >= '0' && *p <= '9')
                v[k++] = *p - '0';
        CHECK(rules_baskets_add(b, v, k) == SHOP_OK);
    }
    return b;
}

static struct rules *mine(const struct rules_baskets *b, int64_t minsup, double minconf)
{
    struct rules_params p = RULES_PARAMS_DEFAULT;
    p.min_support = minsup;
    p.min_confidence = minconf;
    struct rules *r = NULL;
    CHECK(rules_mine(b, &p, &r) == SHOP_OK);
    return r;
}

/* N = 6 (one empty basket); supports 1:4 2:4 3:3 4:1, {1,2}:3 {1,3}:3 {2,3}:2 {1,2,3}:2 */
static const char *const hand[] = {"1 2 3", "1 2", "1 3", "2 4", "1 2 3 3", ""};

static void hand_checked_supports_and_rules(void)
{
    struct rules_baskets *b = baskets_of(hand, 6);
    CHECK(rules_baskets_count(b) == 6);
    CHECK(rules_baskets_items(b) == 4);
    struct rules *r = mine(b, 2, 0.0);
    CHECK(rules_itemset_count(r) == 7);
    CHECK(rules_rule_count(r) == 9);
    CHECK(rules_max_len(r) == 3);
    CHECK(rules_support(r, (int64_t[]){3, 1}, 2) == 3);
    CHECK(rules_support(r, (int64_t[]){2, 3, 1, 2}, 4) == 2);
    CHECK(rules_support(r, (int64_t[]){4}, 1) == 0);
    CHECK(rules_support(r, (int64_t[]){1, 4}, 2) == 0);
    rules_free(r);

    r = mine(b, 2, 0.7);
    CHECK(rules_rule_count(r) == 5);
    /* by lift, confidence, support: 3=>1, {2,3}=>1, 1=>3, then 2=>1 and 1=>2 */
    struct {
        int64_t x[2];
        size_t nx;
        int64_t y, supp;
        double conf, lift;
    } want[] = {
        {{3}, 1, 1, 3, 1.0, 1.5},     {{2, 3}, 2, 1, 2, 1.0, 1.5},   {{1}, 1, 3, 3, 0.75, 1.5},
        {{2}, 1, 1, 3, 0.75, 1.125}, {{1}, 1, 2, 3, 0.75, 1.125},
    };
    for (size_t i = 0; i < 5 && i < rules_rule_count(r); i++) {
        struct rules_rule u;
        int64_t x[4] = {0};
        size_t nx = rules_rule_get(r, i, &u, x, 4);
        CHECK(nx == want[i].nx);
        if (nx == 2 && x[0] > x[1]) {
            int64_t t = x[0];
            x[0] = x[1];
            x[1] = t;
        }
        CHECK(x[0] == want[i].x[0] && (nx == 1 || x[1] == want[i].x[1]));
        CHECK(u.consequent == want[i].y);
        CHECK(u.support == want[i].supp);
        CHECK(u.confidence == want[i].conf);
        CHECK(u.lift == want[i].lift);
    }
    rules_free(r);
    rules_baskets_free(b);
}

static void cart_lookup(void)
{
    struct rules_baskets *b = baskets_of(hand, 6);
    struct rules *r = mine(b, 2, 0.0);
    struct rules_hit h[8];
    /* cart {2,3}: 2=>1 (.75), 3=>1 (1, lift 1.5, supp 3), {2,3}=>1 (1, 1.5, supp 2) */
    size_t n = rules_match(r, (int64_t[]){2, 3, 3}, 3, h, 8);
    CHECK(n == 1);
    CHECK(h[0].item == 1 && h[0].confidence == 1.0 && h[0].lift == 1.5 && h[0].support == 3);
    struct rules_rule u;
    int64_t x[4];
    CHECK(rules_rule_get(r, h[0].rule, &u, x, 4) == 1 && x[0] == 3 && u.consequent == 1);
    /* cart {1}: 1=>3 (.75, 1.5) before 1=>2 (.75, 1.125) */
    n = rules_match(r, (int64_t[]){1, 77}, 2, h, 8);
    CHECK(n == 2);
    CHECK(h[0].item == 3 && h[0].lift == 1.5);
    CHECK(h[1].item == 2 && h[1].confidence == 0.75 && h[1].lift == 1.125);
    CHECK(rules_match(r, (int64_t[]){1}, 1, h, 1) == 1 && h[0].item == 3);
    CHECK(rules_match(r, (int64_t[]){4, 99, -5}, 3, h, 8) == 0);
    CHECK(rules_match(r, NULL, 0, h, 8) == 0);
    /* the whole frequent universe in the cart: nothing left to suggest */
    CHECK(rules_match(r, (int64_t[]){1, 2, 3}, 3, h, 8) == 0);
    rules_free(r);
    rules_baskets_free(b);
}

static void min_support_conventions(void)
{
    int64_t c;
    CHECK(rules_min_count(0.001, 100000, &c) == SHOP_OK && c == 100);
    CHECK(rules_min_count(0.3, 10, &c) == SHOP_OK && c == 3);
    CHECK(rules_min_count(0.5, 3, &c) == SHOP_OK && c == 2);
    CHECK(rules_min_count(0.01, 0, &c) == SHOP_OK && c == 1);
    CHECK(rules_min_count(1, 5, &c) == SHOP_OK && c == 1);
    CHECK(rules_min_count(500, 5, &c) == SHOP_OK && c == 500);
    CHECK(rules_min_count(2.5, 5, &c) == SHOP_EINVAL);
    CHECK(rules_min_count(0, 5, &c) == SHOP_EINVAL);
    CHECK(rules_min_count(-0.1, 5, &c) == SHOP_EINVAL);
    CHECK(rules_min_count(NAN, 5, &c) == SHOP_EINVAL);
    struct rules_baskets *b = baskets_of(hand, 6);
    struct rules_params p = RULES_PARAMS_DEFAULT;
    struct rules *r = (struct rules *)1;
    p.min_support = 0;
    CHECK(rules_mine(b, &p, &r) == SHOP_EINVAL && r == NULL);
    p.min_support = 1;
    p.min_confidence = 1.5;
    CHECK(rules_mine(b, &p, &r) == SHOP_EINVAL && r == NULL);
    /* a support above N: nothing is frequent, no NaN anywhere */
    r = mine(b, 7, 0.5);
    CHECK(rules_itemset_count(r) == 0 && rules_rule_count(r) == 0);
    rules_free(r);
    rules_baskets_free(b);
}

/* brute force over all 2^NI - 1 itemsets of NI items */
#define NI 11
struct seen {
    int32_t supp[1 << NI];
    int dup;
};

static void collect(void *ctx, const int64_t *items, size_t n, int64_t support)
{
    struct seen *s = ctx;
    unsigned mask = 0;
    for (size_t i = 0; i < n; i++)
        mask |= 1u << items[i];
    if (s->supp[mask])
        s->dup = 1;
    s->supp[mask] = (int32_t)support;
}

static int popcount(unsigned x)
{
    return __builtin_popcount(x);
}

static void matches_brute_force(void)
{
    struct rng g;
    rng_seed(&g, 20240611);
    static int32_t truth[1 << NI];
    static struct seen seen;
    int bad_sets = 0, bad_rules = 0, bad_match = 0, bad_len = 0;
    for (int trial = 0; trial < 40; trial++) {
        int nb = 20 + (int)rng_below(&g, 120);
        unsigned *bm = xmalloc((size_t)nb * sizeof(*bm));
        struct rules_baskets *b = rules_baskets_new();
        for (int t = 0; t < nb; t++) {
            int64_t v[2 * NI];
            size_t k = 0;
            bm[t] = 0;
            for (int i = 0; i < NI; i++) /* skewed: low ids are common, some repeats */
                if (rng_uniform(&g) < 0.7 / (1 + 0.3 * i)) {
                    v[k++] = i;
                    if (rng_below(&g, 5) == 0)
                        v[k++] = i;
                    bm[t] |= 1u << i;
                }
            CHECK(rules_baskets_add(b, v, k) == SHOP_OK);
        }
        int64_t minsup = 1 + (int64_t)rng_below(&g, 6);
        double minconf = (double)rng_below(&g, 10) / 10;
        uint64_t nfreq = 0, nfreq2 = 0;
        int longest = 0;
        for (unsigned s = 1; s < (1u << NI); s++) {
            int c = 0;
            for (int t = 0; t < nb; t++)
                c += (bm[t] & s) == s;
            truth[s] = c;
            nfreq += c >= minsup;
            nfreq2 += c >= minsup && popcount(s) <= 2;
            if (c >= minsup && popcount(s) > longest)
                longest = popcount(s);
        }
        size_t nrules = 0;
        for (unsigned s = 1; s < (1u << NI); s++)
            if (truth[s] >= minsup && popcount(s) >= 2)
                for (int y = 0; y < NI; y++)
                    if ((s >> y) & 1)
                        nrules += (double)truth[s] / truth[s & ~(1u << y)] >= minconf;

        struct rules *r = mine(b, minsup, minconf);
        memset(&seen, 0, sizeof(seen));
        rules_itemsets_foreach(r, collect, &seen);
        for (unsigned s = 1; s < (1u << NI); s++)
            bad_sets += (truth[s] >= minsup ? truth[s] : 0) != seen.supp[s];
        bad_sets += seen.dup || rules_itemset_count(r) != nfreq || rules_max_len(r) != longest;
        bad_rules += rules_rule_count(r) != nrules;
        for (size_t i = 0; i < rules_rule_count(r); i++) {
            struct rules_rule u;
            int64_t x[NI];
            size_t nx = rules_rule_get(r, i, &u, x, NI);
            unsigned xm = 0;
            for (size_t a = 0; a < nx; a++)
                xm |= 1u << x[a];
            unsigned zm = xm | 1u << u.consequent;
            double conf = (double)truth[zm] / truth[xm];
            double lift = conf * nb / truth[1u << u.consequent];
            bad_rules += u.support != truth[zm] || u.confidence != conf || u.lift != lift ||
                         (xm >> u.consequent & 1);
            if (i > 0) { /* sorted by lift */
                struct rules_rule prev;
                rules_rule_get(r, i - 1, &prev, NULL, 0);
                bad_rules += prev.lift < u.lift;
            }
        }
        /* the cart lookup: the best confidence per consequent over all X inside the cart */
        unsigned cart = (unsigned)rng_below(&g, 1u << NI);
        int64_t cv[NI];
        size_t nc = 0;
        for (int i = 0; i < NI; i++)
            if ((cart >> i) & 1)
                cv[nc++] = i;
        double best[NI] = {0};
        int nbest = 0;
        for (unsigned x = cart; x; x = (x - 1) & cart) /* non-empty subsets of the cart */
            for (int y = 0; y < NI; y++) {
                unsigned z = x | 1u << y;
                if ((cart >> y) & 1 || truth[z] < minsup)
                    continue;
                double conf = (double)truth[z] / truth[x];
                if (conf >= minconf && conf > best[y]) {
                    nbest += best[y] == 0;
                    best[y] = conf;
                }
            }
        struct rules_hit h[NI];
        size_t nh = rules_match(r, cv, nc, h, NI);
        bad_match += (int)nh != nbest;
        for (size_t i = 0; i < nh; i++)
            bad_match += h[i].confidence != best[h[i].item] ||
                         (i > 0 && h[i - 1].confidence < h[i].confidence);
        rules_free(r);

        /* counting only, and with a length limit */
        struct rules_params p = RULES_PARAMS_DEFAULT;
        p.min_support = minsup;
        p.itemsets_only = 1;
        CHECK(rules_mine(b, &p, &r) == SHOP_OK);
        bad_sets += rules_itemset_count(r) != nfreq || rules_rule_count(r) != 0 ||
                    rules_max_len(r) != longest;
        rules_free(r);
        p.max_len = 2;
        CHECK(rules_mine(b, &p, &r) == SHOP_OK);
        bad_len += rules_itemset_count(r) != nfreq2;
        rules_free(r);
        p.itemsets_only = 0;
        CHECK(rules_mine(b, &p, &r) == SHOP_OK);
        bad_len += rules_itemset_count(r) != nfreq2 || rules_max_len(r) > 2;
        rules_free(r);
        rules_baskets_free(b);
        free(bm);
    }
    CHECK(bad_sets == 0);
    CHECK(bad_rules == 0);
    CHECK(bad_match == 0);
    CHECK(bad_len == 0);
}

static char *write_file(const char *name, const char *text, size_t len)
{
    char *path = test_tmp_path(name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fwrite(text, 1, len, f);
        fclose(f);
    }
    return path;
}

static int read_text(const char *text, struct rules_baskets **b, char *err, size_t n)
{
    char *path = write_file("baskets.dat", text, strlen(text));
    int rc = rules_baskets_read(path, b, err, n);
    free(path);
    return rc;
}

static void reads_files_and_rejects_garbage(void)
{
    struct rules_baskets *b;
    char err[256];
    CHECK(read_text("1 2 3\r\n\n  2\t3  \n2 2 3", &b, err, sizeof(err)) == SHOP_OK);
    if (b) {
        CHECK(rules_baskets_count(b) == 4); /* the empty line is an empty basket */
        struct rules *r = mine(b, 2, 0.5);
        CHECK(rules_support(r, (int64_t[]){2, 3}, 2) == 3);
        CHECK(rules_itemset_count(r) == 3);
        rules_free(r);
        rules_baskets_free(b);
    }
    CHECK(read_text("", &b, err, sizeof(err)) == SHOP_OK);
    if (b) {
        CHECK(rules_baskets_count(b) == 0);
        struct rules *r = mine(b, 1, 0.5);
        CHECK(rules_itemset_count(r) == 0 && rules_rule_count(r) == 0);
        rules_free(r);
        rules_baskets_free(b);
    }
    struct {
        const char *text;
        int rc;
        const char *where;
    } bad[] = {
        {"1 2\n3 x 4\n", SHOP_EINVAL, ":2: 'x'"},
        {"1 2\n\n7 -5\n", SHOP_EINVAL, ":3: '-5'"},
        {"99999999999999999999\n", SHOP_EINVAL, ":1: '9999"},
        {"9223372036854775808\n", SHOP_EINVAL, ":1:"},
        {"1 2.5\n", SHOP_EINVAL, ":1: '2.5'"},
        {"1,2\n", SHOP_EINVAL, ":1: '1,2'"},
        {"1 +2\n", SHOP_EINVAL, ":1:"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        b = (struct rules_baskets *)1;
        err[0] = '\0';
        CHECK(read_text(bad[i].text, &b, err, sizeof(err)) == bad[i].rc);
        CHECK(b == NULL);
        CHECK(strstr(err, bad[i].where) != NULL);
    }
    CHECK(read_text("9223372036854775807 0\n", &b, err, sizeof(err)) == SHOP_OK);
    rules_baskets_free(b);
    /* a NUL byte in a line */
    char *path = write_file("nul.dat", "1 2\n3\0 4\n", 9);
    CHECK(rules_baskets_read(path, &b, err, sizeof(err)) == SHOP_EINVAL && strstr(err, ":2:"));
    free(path);
    /* a line past the limit */
    size_t n = RULES_MAX_LINE + 10;
    char *big = xmalloc(n);
    for (size_t i = 0; i < n; i += 2) {
        big[i] = '7';
        big[i + 1] = ' ';
    }
    big[n - 1] = '\n';
    path = write_file("long.dat", big, n);
    CHECK(rules_baskets_read(path, &b, err, sizeof(err)) == SHOP_ETOOBIG && strstr(err, ":1:"));
    free(path);
    /* a long line within the limit is fine (one basket with one item) */
    path = write_file("longok.dat", big, 1 << 20);
    CHECK(rules_baskets_read(path, &b, err, sizeof(err)) == SHOP_OK);
    CHECK(b && rules_baskets_count(b) == 1 && rules_baskets_items(b) == 1);
    rules_baskets_free(b);
    free(path);
    free(big);
    CHECK(rules_baskets_read("/nonexistent/baskets.dat", &b, err, sizeof(err)) ==
          SHOP_ENOTFOUND);
    CHECK(b == NULL && strstr(err, "/nonexistent/baskets.dat"));
    CHECK(rules_baskets_add(b = rules_baskets_new(), (int64_t[]){3, -1}, 2) == SHOP_EINVAL);
    CHECK(rules_baskets_count(b) == 0);
    rules_baskets_free(b);
}

static void writes_itemsets_and_rules(void)
{
    struct rules_baskets *b = baskets_of(hand, 6);
    struct rules *r = mine(b, 2, 0.7);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(rules_write(r, f, 0) == SHOP_OK);
    fclose(f);
    CHECK(strstr(buf, "\nitemset 2 1 2 3\n") != NULL);
    CHECK(strstr(buf, "\nrule 3 1 1.5 1 <= 3\n") != NULL);
    free(buf);
    f = open_memstream(&buf, &len);
    CHECK(rules_write(r, f, 1) == SHOP_OK);
    fclose(f);
    CHECK(strstr(buf, "{\"items\":[1,2,3],\"support\":2}") != NULL);
    CHECK(strstr(buf, "{\"antecedent\":[3],\"consequent\":1,\"support\":3,\"confidence\":1,"
                      "\"lift\":1.5}") != NULL);
    free(buf);
    rules_free(r);
    rules_baskets_free(b);
}

/* the T10I4D100K benchmark file, unpacked into the test's folder */
static char *t10_path(void)
{
    const char *shared = getenv("SHOPPER_SHARED");
    char gz[512];
    snprintf(gz, sizeof(gz), "%s/data/T10I4D100K.dat.gz", shared ? shared : "../shared");
    char *path = test_tmp_path("T10I4D100K.dat");
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "gzip -dc '%s' > '%s'", gz, path);
    CHECK(system(cmd) == 0);
    return path;
}

static void t10i4d100k_counts(void)
{
    char *path = t10_path();
    struct rules_baskets *b = NULL;
    char err[256];
    CHECK(rules_baskets_read(path, &b, err, sizeof(err)) == SHOP_OK);
    free(path);
    if (!b)
        return;
    CHECK(rules_baskets_count(b) == 100000);
    CHECK(rules_baskets_items(b) == 870);
    static const struct {
        int64_t minsup;
        uint64_t itemsets;
    } want[] = {{1000, 385}, {500, 1073}, {50, 53385}, {10, 411365}};
    for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
        struct rules_params p = RULES_PARAMS_DEFAULT;
        p.min_support = want[i].minsup;
        p.itemsets_only = 1;
        struct rules *r = NULL;
        CHECK(rules_mine(b, &p, &r) == SHOP_OK);
        CHECK(r && rules_itemset_count(r) == want[i].itemsets);
        rules_free(r);
    }
    /* kept itemsets and rules; 72054 rules checked with an independent Apriori */
    struct rules *r = mine(b, 100, 0.5);
    CHECK(rules_itemset_count(r) == 27532);
    CHECK(rules_rule_count(r) == 72054);
    /* best confidence first: 426 => 914 (110/111), then {90,426} => 825 ... 191 (lift 883.7) */
    struct rules_hit h[5];
    CHECK(rules_match(r, (int64_t[]){90, 426}, 2, h, 5) == 5);
    CHECK(h[0].item == 914 && h[0].support == 110 && h[0].confidence == 110.0 / 111);
    int has191 = 0;
    for (int i = 0; i < 5; i++)
        has191 |= h[i].item == 191 && h[i].support == 103 && h[i].lift > 883.7;
    CHECK(has191);
    rules_free(r);
    rules_baskets_free(b);
}

static void store_purchase(struct store *st, int64_t session, const int64_t *products, int n,
                           int64_t *next_item)
{
    struct store_line lines[8];
    for (int i = 0; i < n; i++) {
        struct store_item it = {.id = ++*next_item, .product_id = products[i], .sold = 1};
        snprintf(it.size, sizeof(it.size), "M");
        snprintf(it.rfid, sizeof(it.rfid), "%024lld", (long long)it.id);
        snprintf(it.zone, sizeof(it.zone), "main_aisle");
        CHECK(store_item_add(st, &it) == SHOP_OK);
        lines[i] = (struct store_line){it.id, products[i], 1000, 1000, 0};
    }
    int64_t id;
    CHECK(store_purchase_add(st, session, 0, 1767225600 + *next_item, lines, n, &id) == SHOP_OK);
}

static void store_baskets_feed_rules(void)
{
    char *path = test_tmp_path("rules.db");
    struct store *st = NULL;
    CHECK(store_open(path, STORE_CREATE | STORE_WRITE, &st) == SHOP_OK);
    free(path);
    if (!st)
        return;
    struct rules_baskets *b = rules_baskets_new();
    CHECK(store_baskets(st, INT64_MIN, INT64_MAX, rules_baskets_add_cb, b) == SHOP_OK);
    CHECK(rules_baskets_count(b) == 0); /* no sales: an empty answer */
    struct rules *r = mine(b, 1, 0.5);
    CHECK(rules_itemset_count(r) == 0 && rules_rule_count(r) == 0);
    rules_free(r);
    rules_baskets_free(b);

    for (int p = 1; p <= 4; p++) {
        struct store_product pr = {.id = p, .base_price_cents = 1000, .price_cents = 1000,
                                   .cost_cents = 500, .popularity = 0.5};
        snprintf(pr.name, sizeof(pr.name), "product %d", p);
        snprintf(pr.category, sizeof(pr.category), "T-Shirt");
        snprintf(pr.gender, sizeof(pr.gender), "women");
        snprintf(pr.fabric, sizeof(pr.fabric), "Cotton");
        snprintf(pr.season, sizeof(pr.season), "Summer");
        snprintf(pr.zone, sizeof(pr.zone), "main_aisle");
        CHECK(store_product_add(st, &pr) == SHOP_OK);
    }
    struct store_session s = {.started_at = 1767225600, .ended_at = 1767229200};
    CHECK(store_session_add(st, &s) == SHOP_OK);
    int64_t item = 0;
    /* the hand-checked baskets again, with a product bought twice in one purchase */
    store_purchase(st, s.id, (int64_t[]){1, 2, 3}, 3, &item);
    store_purchase(st, s.id, (int64_t[]){1, 2}, 2, &item);
    store_purchase(st, s.id, (int64_t[]){3, 1}, 2, &item);
    store_purchase(st, s.id, (int64_t[]){2, 4}, 2, &item);
    store_purchase(st, s.id, (int64_t[]){1, 2, 3, 3}, 4, &item);
    b = rules_baskets_new();
    CHECK(store_baskets(st, INT64_MIN, INT64_MAX, rules_baskets_add_cb, b) == SHOP_OK);
    CHECK(rules_baskets_count(b) == 5 && rules_baskets_items(b) == 4);
    r = mine(b, 2, 0.0);
    CHECK(rules_itemset_count(r) == 7 && rules_rule_count(r) == 9);
    CHECK(rules_support(r, (int64_t[]){1, 2, 3}, 3) == 2);
    rules_free(r);
    rules_baskets_free(b);
    /* a time window: the first two purchases only */
    b = rules_baskets_new();
    CHECK(store_baskets(st, 0, 1767225600 + 6, rules_baskets_add_cb, b) == SHOP_OK);
    CHECK(rules_baskets_count(b) == 2);
    rules_baskets_free(b);
    store_close(st);
}

void test_rules(void)
{
    RUN(hand_checked_supports_and_rules);
    RUN(cart_lookup);
    RUN(min_support_conventions);
    RUN(matches_brute_force);
    RUN(reads_files_and_rejects_garbage);
    RUN(writes_itemsets_and_rules);
    RUN(t10i4d100k_counts);
    RUN(store_baskets_feed_rules);
}
