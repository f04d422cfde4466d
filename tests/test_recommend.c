#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/recommend.h"
#include "analytics/segments.h"
#include "sim/sim.h"
#include "store/store.h"
#include "test.h"

static struct store *simulated(const char *name, int64_t customers, int64_t products,
                               int64_t days)
{
    return test_simulated_store(name, customers, products, days, 21, 0, NULL);
}

struct bought {
    int64_t customer[8192], product[8192];
    int n;
};

static void note_line(void *ctx, int64_t purchase, int64_t customer, int64_t at, int64_t product,
                      double discount)
{
    struct bought *b = ctx;
    (void)purchase;
    (void)at;
    (void)discount;
    if (b->n < 8192) {
        b->customer[b->n] = customer;
        b->product[b->n++] = product;
    }
}

static void lists_respect_the_rules(void)
{
    struct store *st = simulated("r.db", 150, 40, 60);
    struct segments_report sr;
    CHECK(segments_train(st, 4, 1, 1, &sr) == SHOP_OK);
    struct reco_params p;
    reco_params_default(&p);
    struct reco_engine *e;
    CHECK(reco_build(st, &p, &e) == SHOP_OK);
    struct store_product *ps;
    size_t np;
    CHECK(store_products(st, &ps, &np) == SHOP_OK);
    struct store_item *items;
    size_t nitems;
    CHECK(store_items_in_stock(st, &items, &nitems) == SHOP_OK);
    static struct bought b;
    b.n = 0;
    CHECK(store_lines_foreach(st, note_line, &b) == SHOP_OK);
    CHECK(b.n < 8192);
    int bad_stock = 0, bad_price = 0, bad_repeat = 0, dup = 0, full = 0;
    for (int64_t i = 0; i < reco_customers(e); i++) {
        int64_t cid = reco_customer_id(e, i);
        struct reco_list l, l2;
        CHECK(reco_for(e, cid, NULL, 0, &l) == SHOP_OK);
        CHECK(reco_for(e, cid, NULL, 0, &l2) == SHOP_OK);
        CHECK(memcmp(&l, &l2, sizeof(l)) == 0); /* deterministic */
        full += l.npromos == 3 && l.nrecs == 5;
        struct store_customer c;
        CHECK(store_customer_get(st, cid, &c) == SHOP_OK);
        int64_t seen[16];
        int ns = 0;
        for (int k = 0; k < l.npromos + l.nrecs; k++) {
            const struct reco_item *it = k < l.npromos ? &l.promos[k] : &l.recs[k - l.npromos];
            for (int j = 0; j < ns; j++)
                dup |= seen[j] == it->product_id;
            seen[ns++] = it->product_id;
            const struct store_product *pr = &ps[it->product_id - 1];
            if (k < l.npromos)
                bad_price |= it->price_cents < pr->cost_cents * 105 / 100 ||
                             it->discount < 0 || it->discount > 0.5 ||
                             it->price_cents > pr->price_cents;
            CHECK(it->reason[0] != '\0');
            int in_stock = 0;
            for (size_t j = 0; j < nitems; j++)
                in_stock |= items[j].product_id == it->product_id && strcmp(items[j].size, c.size) == 0;
            bad_stock |= !in_stock;
            if (strcmp(pr->category, "T-Shirt") != 0)
                for (int j = 0; j < b.n; j++)
                    bad_repeat |= b.customer[j] == cid && b.product[j] == it->product_id;
        }
    }
    CHECK(full > 100);
    CHECK(!dup && !bad_price);
    CHECK(!bad_stock && !bad_repeat);
    free(items);
    free(ps);
    reco_free(e);
    store_close(st);
}

/* a hand-made store: product 1 and 2 are always bought together */
static struct store *pairs(void)
{
    char *path = test_tmp_path("pairs.db");
    struct store *st;
    CHECK(store_open(path, STORE_CREATE, &st) == SHOP_OK);
    free(path);
    for (int i = 1; i <= 4; i++) {
        struct store_product p = {0};
        snprintf(p.name, sizeof(p.name), "P%d", i);
        snprintf(p.category, sizeof(p.category), "%s", i == 4 ? "T-Shirt" : "Coat");
        snprintf(p.gender, sizeof(p.gender), "women");
        snprintf(p.fabric, sizeof(p.fabric), "Wool");
        snprintf(p.season, sizeof(p.season), "Winter");
        snprintf(p.zone, sizeof(p.zone), "back_wall");
        p.base_price_cents = p.price_cents = 5000;
        p.cost_cents = i == 3 ? 4900 : 2000; /* P3 has almost no margin */
        CHECK(store_product_add(st, &p) == SHOP_OK);
    }
    int64_t item = 1, stamp = 1000;
    for (int c = 1; c <= 12; c++) {
        struct store_customer cu = {0};
        snprintf(cu.name, sizeof(cu.name), "C%d", c);
        snprintf(cu.gender, sizeof(cu.gender), "female");
        snprintf(cu.size, sizeof(cu.size), "M");
        CHECK(store_customer_add(st, &cu) == SHOP_OK);
    }
    /* customers 1-10 buy {1, 2}; 11 buys {1} only; 12 has no history */
    for (int c = 1; c <= 11; c++) {
        struct store_session s = {.customer_id = c, .started_at = stamp, .ended_at = stamp + 10};
        CHECK(store_session_add(st, &s) == SHOP_OK);
        struct store_line lines[2];
        int n = c <= 10 ? 2 : 1;
        for (int k = 0; k < n; k++) {
            struct store_item it = {.id = item, .product_id = k + 1, .received_at = 1, .sold = 1,
                                    .sold_at = stamp};
            snprintf(it.size, sizeof(it.size), "M");
            snprintf(it.rfid, sizeof(it.rfid), "T%lld", (long long)item);
            snprintf(it.zone, sizeof(it.zone), "sold");
            CHECK(store_item_add(st, &it) == SHOP_OK);
            lines[k] = (struct store_line){item++, k + 1, 5000, 5000, 0};
        }
        int64_t pid;
        CHECK(store_purchase_add(st, s.id, c, stamp + 5, lines, n, &pid) == SHOP_OK);
        stamp += 100;
    }
    /* stock: every product in M, product 2 also */
    for (int pr = 1; pr <= 4; pr++) {
        struct store_item it = {.id = item, .product_id = pr, .received_at = 1};
        snprintf(it.size, sizeof(it.size), "M");
        snprintf(it.rfid, sizeof(it.rfid), "T%lld", (long long)item++);
        snprintf(it.zone, sizeof(it.zone), "back_wall");
        CHECK(store_item_add(st, &it) == SHOP_OK);
    }
    return st;
}

static void bought_together_and_margins(void)
{
    struct store *st = pairs();
    struct reco_params p;
    reco_params_default(&p);
    p.n_promos = 1;
    p.n_recs = 2;
    struct reco_engine *e;
    CHECK(reco_build(st, &p, &e) == SHOP_OK);
    struct reco_list l;
    /* customer 11 bought P1: P2 comes first, because of the rule P1 => P2 */
    CHECK(reco_for(e, 11, NULL, 0, &l) == SHOP_OK);
    CHECK(l.npromos == 1 && l.promos[0].product_id == 2);
    CHECK(strcmp(l.promos[0].reason, "bought together with P1") == 0);
    /* P1 was bought and is not a repeat category: never offered again */
    for (int i = 0; i < l.nrecs; i++)
        CHECK(l.recs[i].product_id != 1);
    /* a cart works the same for a new customer */
    int64_t cart[1] = {1};
    CHECK(reco_for(e, 12, cart, 1, &l) == SHOP_OK);
    CHECK(l.promos[0].product_id == 2);
    /* P3's margin allows almost no discount: price never under cost + 5 % */
    for (int i = 0; i < l.nrecs; i++)
        CHECK(l.recs[i].product_id != 1);
    CHECK(reco_for(e, 999, NULL, 0, &l) == SHOP_ENOTFOUND);
    reco_free(e);

    /* promotions of everything: P3's discount is bounded by its cost */
    p.n_promos = 3;
    p.n_recs = 0;
    CHECK(reco_build(st, &p, &e) == SHOP_OK);
    CHECK(reco_for(e, 12, NULL, 0, &l) == SHOP_OK);
    CHECK(l.npromos == 3);
    for (int i = 0; i < l.npromos; i++)
        if (l.promos[i].product_id == 3)
            CHECK(l.promos[i].discount == 0 && l.promos[i].price_cents == 5000);
        else
            CHECK(l.promos[i].price_cents >= 2100 && l.promos[i].discount > 0);
    reco_free(e);

    /* sold out in the customer's size: not recommended */
    struct store_item gone = {.id = 23, .sold = 1, .sold_at = 9999};
    snprintf(gone.zone, sizeof(gone.zone), "sold");
    CHECK(store_item_update(st, &gone) == SHOP_OK); /* the last P2 item */
    p.n_promos = 1;
    p.n_recs = 2;
    CHECK(reco_build(st, &p, &e) == SHOP_OK);
    CHECK(reco_for(e, 11, NULL, 0, &l) == SHOP_OK);
    CHECK(l.promos[0].product_id != 2);
    reco_free(e);
    store_close(st);
}

static void saves_and_reads_back(void)
{
    struct store *st = pairs();
    struct store_reco pr[1] = {{2, 1.5, "bought together with P1", 0.1, 4500}};
    struct store_reco re[2] = {{3, 1.0, "a", 0, 5000}, {4, 0.5, "b", 0, 5000}};
    CHECK(store_reco_save(st, 11, pr, 1, re, 2, 100, 200) == SHOP_OK);
    CHECK(store_reco_save(st, 11, pr, 1, re, 1, 101, 201) == SHOP_OK); /* replaces */
    struct store_reco gp[4], gr[4];
    int np, nr;
    CHECK(store_reco_get(st, 11, gp, &np, gr, &nr, 4) == SHOP_OK);
    CHECK(np == 1 && nr == 1 && gp[0].product_id == 2 && gp[0].price_cents == 4500);
    CHECK(strcmp(gp[0].reason, "bought together with P1") == 0 && gr[0].product_id == 3);
    store_close(st);
}

static void beats_popularity_offline(void)
{
    struct store *st = simulated("ev.db", 400, 40, 120);
    struct segments_report sr;
    CHECK(segments_train(st, 4, 1, 1, &sr) == SHOP_OK);
    struct reco_params p;
    reco_params_default(&p);
    struct reco_eval ev;
    CHECK(reco_evaluate(st, &p, &ev) == SHOP_OK);
    CHECK(ev.customers > 300);
    CHECK(ev.hybrid.hit_rate_8 >= ev.hybrid.hit_rate_5);
    CHECK(ev.hybrid.hit_rate_8 > ev.popularity.hit_rate_8);
    CHECK(ev.hybrid.precision_5 > ev.popularity.precision_5);
    CHECK(ev.hybrid.precision_5 <= ev.hybrid.hit_rate_5);
    store_close(st);
}

struct ticks {
    int64_t calls, last_done, last_total;
};

static void tick(void *ctx, int64_t done, int64_t total)
{
    struct ticks *t = ctx;
    t->calls++;
    t->last_done = done;
    t->last_total = total;
}

/* everyone's lists in one transaction, progress through the caller's callback */
static void saves_all_with_progress(void)
{
    struct store *st = simulated("all.db", 300, 30, 30);
    struct reco_params p;
    reco_params_default(&p);
    struct reco_engine *e;
    CHECK(reco_build(st, &p, &e) == SHOP_OK);
    struct ticks t = {0};
    CHECK(reco_save_all(st, e, 1000, tick, &t) == SHOP_OK);
    CHECK(t.calls == 2 && t.last_done == 300 && t.last_total == 300);
    struct store_reco gp[8], gr[8];
    int np = 0, nr = 0;
    CHECK(store_reco_get(st, 300, gp, &np, gr, &nr, 8) == SHOP_OK && nr > 0);
    CHECK(reco_save_all(st, e, 1001, NULL, NULL) == SHOP_OK);
    reco_free(e);
    store_close(st);
}

static int listed(const struct reco_list *l, int64_t product)
{
    for (int i = 0; i < l->npromos; i++)
        if (l->promos[i].product_id == product)
            return 1;
    for (int i = 0; i < l->nrecs; i++)
        if (l->recs[i].product_id == product)
            return 1;
    return 0;
}

/* the first listed product that is not bought again (not a T-Shirt); 0 when none */
static int64_t one_off_product(struct store *st, const struct reco_list *l)
{
    for (int i = 0; i < l->npromos + l->nrecs; i++) {
        int64_t id = i < l->npromos ? l->promos[i].product_id : l->recs[i - l->npromos].product_id;
        struct store_product p;
        CHECK(store_product_get(st, id, &p) == SHOP_OK);
        if (strcmp(p.category, "T-Shirt") != 0)
            return id;
    }
    return 0;
}

/* marks every in-stock item of product (of size when not NULL) sold; returns the first one */
static int64_t sell_out(struct store *st, int64_t product, const char *size, int64_t at)
{
    struct store_item *items;
    size_t n;
    int64_t first = 0;
    CHECK(store_items_in_stock(st, &items, &n) == SHOP_OK);
    for (size_t i = 0; i < n; i++) {
        if (items[i].product_id != product || (size && strcmp(items[i].size, size) != 0))
            continue;
        struct store_item it = items[i];
        it.sold = 1;
        it.sold_at = at;
        CHECK(store_item_update(st, &it) == SHOP_OK);
        if (!first)
            first = it.id;
        if (!size)
            break; /* one is enough for a sale */
    }
    free(items);
    return first;
}

static void cache_follows_the_store(void)
{
    struct store *st = simulated("rcache.db", 200, 30, 40);
    struct reco_cache *c = reco_cache_new(NULL);
    struct reco_engine *e1, *e2, *e3;
    CHECK(reco_cache_get(c, st, &e1) == SHOP_OK);
    CHECK(reco_cache_get(c, st, &e2) == SHOP_OK);
    CHECK(e1 == e2 && reco_cache_builds(c) == 1); /* nothing changed: no rebuild */
    reco_free(e2);

    /* stock is read live: sold out in the customer's size, a product leaves the live list
     * without a rebuild (stock is not part of the generation) */
    int64_t cust = 7;
    struct store_customer cu;
    CHECK(store_customer_get(st, cust, &cu) == SHOP_OK);
    struct reco_list l;
    CHECK(reco_for_live(e1, st, cust, NULL, 0, &l) == SHOP_OK && l.npromos + l.nrecs > 0);
    int64_t gone = l.npromos ? l.promos[0].product_id : l.recs[0].product_id;
    CHECK(sell_out(st, gone, cu.size, 1000) > 0);
    CHECK(reco_for_live(e1, st, cust, NULL, 0, &l) == SHOP_OK && !listed(&l, gone));
    CHECK(reco_for(e1, cust, NULL, 0, &l) == SHOP_OK && listed(&l, gone)); /* as built */
    CHECK(reco_cache_get(c, st, &e2) == SHOP_OK && e2 == e1 && reco_cache_builds(c) == 1);
    reco_free(e2);

    /* a new sale: the customer buys a listed product; the cache rebuilds and the engine no
     * longer recommends what was just bought, while the old engine stays usable */
    CHECK(reco_for_live(e1, st, cust, NULL, 0, &l) == SHOP_OK);
    int64_t bought = one_off_product(st, &l);
    CHECK(bought > 0);
    int64_t item = sell_out(st, bought, NULL, 2000);
    CHECK(item > 0);
    struct store_session s = {.customer_id = cust, .started_at = 1900, .ended_at = 2100};
    CHECK(store_session_add(st, &s) == SHOP_OK);
    struct store_line line = {item, bought, 1000, 1000, 0};
    int64_t pid;
    CHECK(store_purchase_add(st, s.id, cust, 2000, &line, 1, &pid) == SHOP_OK);
    CHECK(reco_cache_get(c, st, &e3) == SHOP_OK);
    CHECK(e3 != e1 && reco_cache_builds(c) == 2);
    CHECK(reco_for_live(e3, st, cust, NULL, 0, &l) == SHOP_OK && !listed(&l, bought));
    CHECK(reco_for(e1, cust, NULL, 0, &l) == SHOP_OK); /* still valid: we hold it */
    reco_free(e1);
    reco_free(e3);
    /* a customer registered after the build: found after the rebuild */
    struct store_customer nc = cu;
    nc.id = 0;
    snprintf(nc.email, sizeof(nc.email), "new@example.com");
    CHECK(store_customer_add(st, &nc) == SHOP_OK);
    CHECK(reco_cache_get(c, st, &e3) == SHOP_OK && reco_cache_builds(c) == 3);
    CHECK(reco_for_live(e3, st, nc.id, NULL, 0, &l) == SHOP_OK);
    reco_free(e3);
    reco_cache_free(c);
    store_close(st);
}

struct reader {
    const char *path;
    struct reco_cache *c;
    int ok;
};

static void *read_many(void *arg)
{
    struct reader *r = arg;
    struct store *st;
    if (store_open(r->path, STORE_SHORT_BUSY, &st) != SHOP_OK)
        return NULL;
    for (int i = 0; i < 20; i++) {
        struct reco_engine *e;
        struct reco_list l;
        if (reco_cache_get(r->c, st, &e) != SHOP_OK)
            continue;
        r->ok += reco_for_live(e, st, 1 + i % 50, NULL, 0, &l) == SHOP_OK;
        reco_free(e);
    }
    store_close(st);
    return NULL;
}

/* threads with a handle each share the cache while the store gets new customers */
static void cache_shared_by_threads(void)
{
    char *path;
    struct store *st = test_simulated_store("rthreads.db", 60, 20, 20, 3, 0, &path);
    struct reco_cache *c = reco_cache_new(NULL);
    enum { T = 4 };
    pthread_t th[T];
    struct reader r[T];
    for (int i = 0; i < T; i++) {
        r[i] = (struct reader){path, c, 0};
        CHECK(pthread_create(&th[i], NULL, read_many, &r[i]) == 0);
    }
    for (int i = 0; i < 5; i++) {
        struct store_customer nc = {0};
        snprintf(nc.name, sizeof(nc.name), "N%d", i);
        snprintf(nc.gender, sizeof(nc.gender), "female");
        snprintf(nc.size, sizeof(nc.size), "M");
        int rc;
        while ((rc = store_customer_add(st, &nc)) == SHOP_EBUSY)
            ;
        CHECK(rc == SHOP_OK);
    }
    int ok = 0;
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        ok += r[i].ok;
    }
    CHECK(ok == T * 20);
    CHECK(reco_cache_builds(c) >= 1);
    reco_cache_free(c);
    store_close(st);
    free(path);
}

void test_recommend(void)
{
    RUN(lists_respect_the_rules);
    RUN(bought_together_and_margins);
    RUN(saves_and_reads_back);
    RUN(saves_all_with_progress);
    RUN(cache_follows_the_store);
    RUN(cache_shared_by_threads);
    RUN(beats_popularity_offline);
}
