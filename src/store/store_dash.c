/* store/store_dash.c - what the Manager Dashboard reads: daily sales, sales by attribute and
 * by product, profiles with names, a customer's purchases, emotion events, stored
 * association rules, model info and the price history in pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_int.h"

/* a purchase's day is purchased_at / 86400 (integer division, the same in PostgreSQL) */
static const char *const SQL_DAILY =
    "SELECT p.purchased_at / 86400, count(DISTINCT p.id), count(l.id), "
    "coalesce(sum(l.price_cents), 0) FROM purchases p LEFT JOIN purchase_lines l ON "
    "l.purchase_id = p.id WHERE p.purchased_at >= :from AND p.purchased_at < :to "
    "GROUP BY 1 ORDER BY 1";
/* whole days [:d0, :d1) from the daily aggregates (kpi_days, kept by triggers) */
static const char *const SQL_DAILY_AGG =
    "SELECT day, purchases, lines, revenue_cents FROM kpi_days WHERE day >= :d0 AND day < :d1 "
    "AND purchases > 0 ORDER BY day";
/* one statement per attribute: the column name is part of the SQL text, never a value */
#define PRODUCT_KEYS(col) "SELECT id, " col " FROM products ORDER BY id"
static const char *const SQL_PRODUCT_KEYS[4] = {PRODUCT_KEYS("category"), PRODUCT_KEYS("fabric"),
                                                PRODUCT_KEYS("gender"), PRODUCT_KEYS("season")};
static const char *const SQL_PRODUCT_ROWS =
    "SELECT id, name, category, gender, fabric, season, price_cents FROM products ORDER BY id";
/* (product, units, revenue, tries): the rows of the parts of a day at either end of a range,
 * the daily aggregates (kpi_product_days) for the whole days between */
static const char *const SQL_PRODUCT_SOLD =
    "SELECT l.product_id, count(*), sum(l.price_cents), 0 FROM purchase_lines l JOIN purchases p "
    "ON p.id = l.purchase_id WHERE p.purchased_at >= :from AND p.purchased_at < :to "
    "GROUP BY l.product_id";
static const char *const SQL_PRODUCT_TRIED =
    "SELECT i.product_id, 0, 0, count(*) FROM tryons t JOIN items i ON i.id = t.item_id "
    "WHERE t.tried_at >= :from AND t.tried_at < :to GROUP BY i.product_id";
static const char *const SQL_PRODUCT_AGG =
    "SELECT product_id, sum(units), sum(revenue_cents), sum(tries) FROM kpi_product_days "
    "WHERE day >= :from AND day < :to GROUP BY product_id";
/* the stock aggregate (kept by triggers on items), not a walk of every item received */
static const char *const SQL_STOCK_SIZES =
    "SELECT product_id, size, in_stock FROM kpi_stock WHERE items > 0 "
    "ORDER BY product_id, size";

#define PROFILE_ROW_COLS                                                                      \
    "SELECT p.customer_id, coalesce(p.segment, -1), p.purchases, p.items, p.spend_cents, "    \
    "p.mean_price_cents, p.mean_discount, p.times_tried, coalesce(p.pref_category, ''), "     \
    "coalesce(p.pref_fabric, ''), coalesce(p.pref_size, ''), p.updated_at, c.name, "          \
    "coalesce(c.email, '') FROM customer_profiles p JOIN customers c ON c.id = p.customer_id "
#define PROFILE_ROW_WHERE                                                                     \
    "WHERE (:q IS NULL OR instr(lower(c.name), lower(:q)) > 0 OR "                            \
    "instr(lower(coalesce(c.email, '')), lower(:q)) > 0) AND (:seg < 0 OR p.segment = :seg) "
static const char *const SQL_PROFILE_ROWS[2] = {
    PROFILE_ROW_COLS PROFILE_ROW_WHERE "ORDER BY p.customer_id LIMIT :lim OFFSET :off",
    PROFILE_ROW_COLS PROFILE_ROW_WHERE
    "ORDER BY p.spend_cents DESC, p.customer_id LIMIT :lim OFFSET :off",
};
static const char *const SQL_PROFILE_ROW_BY_ID = PROFILE_ROW_COLS "WHERE p.customer_id = :id";
static const char *const SQL_PROFILE_COUNT =
    "SELECT count(*) FROM customer_profiles p JOIN customers c ON c.id = p.customer_id "
    PROFILE_ROW_WHERE;
/* one walk of the profiles for the summary and the three preference lists (was four) */
static const char *const SQL_PROFILE_SCAN =
    "SELECT purchases, items, spend_cents, mean_discount, updated_at, pref_category, "
    "pref_fabric, pref_size FROM customer_profiles";

static const char *const SQL_CUSTOMER_LINES =
    "SELECT p.id, p.purchased_at, p.total_cents, l.product_id, pr.name, i.size, l.list_cents, "
    "l.price_cents, l.discount FROM (SELECT id, purchased_at, total_cents FROM purchases "
    "WHERE customer_id = :c ORDER BY purchased_at DESC, id DESC LIMIT :lim OFFSET :off) p "
    "JOIN purchase_lines l ON l.purchase_id = p.id JOIN products pr ON pr.id = l.product_id "
    "JOIN items i ON i.id = l.item_id ORDER BY p.purchased_at DESC, p.id DESC, l.id";
static const char *const SQL_CUSTOMER_PURCHASES =
    "SELECT count(*) FROM purchases WHERE customer_id = :c";
/* purchases has no index on session_id: walk the purchases made since the range began (a
 * purchase comes after its session's start) and look their sessions up by id */
static const char *const SQL_SESSIONS_CONVERTED =
    "SELECT DISTINCT p.session_id FROM purchases p JOIN sessions s ON s.id = p.session_id "
    "WHERE p.purchased_at >= :from AND s.started_at >= :from AND s.started_at < :to "
    "ORDER BY 1";
static const char *const SQL_SESSION_CONVERTED =
    "SELECT EXISTS (SELECT 1 FROM purchases WHERE session_id = :s AND purchased_at >= :since)";
static const char *const SQL_SESSION_GET =
    "SELECT id, coalesce(customer_id, 0), started_at, ended_at, coalesce(mirror, ''), tracked, "
    "simulated FROM sessions WHERE id = :id";

static const char *const SQL_EMOTION_AGGS =
    "SELECT grp, dominant, count(*), sum(score), sum(p_neutral), sum(p_happy), sum(p_sad), "
    "sum(p_angry), sum(p_fearful), sum(p_disgusted), sum(p_surprised) FROM emotion_events "
    "WHERE at >= :from AND at < :to GROUP BY grp, dominant ORDER BY grp, dominant";
/* whole days [:from, :to) (day numbers) from the daily aggregates */
static const char *const SQL_EMOTION_AGGS_DAYS =
    "SELECT grp, dominant, sum(events), sum(score_sum), sum(p_neutral), sum(p_happy), "
    "sum(p_sad), sum(p_angry), sum(p_fearful), sum(p_disgusted), sum(p_surprised) "
    "FROM kpi_emotion_days WHERE day >= :from AND day < :to GROUP BY grp, dominant "
    "ORDER BY grp, dominant";
#define EVENT_COLS                                                                            \
    "SELECT id, coalesce(session_id, 0), coalesce(customer_id, 0), at, grp, dominant, score, " \
    "p_neutral, p_happy, p_sad, p_angry, p_fearful, p_disgusted, p_surprised, "               \
    "coalesce(mirror, ''), simulated FROM emotion_events "
#define EVENT_WHERE "WHERE at >= :from AND at < :to AND (:grp IS NULL OR grp = :grp) "
static const char *const SQL_EVENTS =
    EVENT_COLS EVENT_WHERE "ORDER BY at DESC, id DESC LIMIT :lim OFFSET :off";
static const char *const SQL_EVENTS_COUNT = "SELECT count(*) FROM emotion_events " EVENT_WHERE;
static const char *const SQL_SESSION_EVENTS =
    EVENT_COLS "WHERE session_id = :s ORDER BY at, id LIMIT :lim OFFSET :off";
static const char *const SQL_SESSION_EVENTS_COUNT =
    "SELECT count(*) FROM emotion_events WHERE session_id = :s";
/* the events of a range, summed per session in memory (SQL's GROUP BY sorted them all first),
 * then the names of the few sessions kept; the index emotion_events_sessions covers it (the
 * walk read every event's row) */
static const char *const SQL_EMOTION_SESSION_ROWS =
    "SELECT session_id, customer_id, at, grp FROM emotion_events "
    "WHERE session_id IS NOT NULL AND at >= :from AND at < :to";
static const char *const SQL_CUSTOMER_NAME = "SELECT name FROM customers WHERE id = :id";
static const char *const SQL_ALERT_COUNTS =
    "SELECT status, count(*) FROM alerts WHERE created_at >= :from AND created_at < :to "
    "GROUP BY status";

static const char *const SQL_RULES_CLEAR = "DELETE FROM assoc_rules";
static const char *const SQL_RULE_ADD =
    "INSERT INTO assoc_rules(antecedent, consequent, support, confidence, lift, count, "
    "mined_at) VALUES (:a, :c, :s, :conf, :lift, :n, :at)";
#define RULE_COLS                                                                             \
    "SELECT id, antecedent, consequent, support, confidence, lift, count, mined_at FROM "     \
    "assoc_rules "
/* a product is on a side when its id is one of the space-separated ids there */
#define RULE_WHERE                                                                            \
    "WHERE :p = 0 OR consequent = CAST(:p AS TEXT) OR instr(' ' || antecedent || ' ', ' ' || " \
    "CAST(:p AS TEXT) || ' ') > 0 "
static const char *const SQL_RULES[3] = {
    RULE_COLS RULE_WHERE "ORDER BY lift DESC, confidence DESC, support DESC, id "
                         "LIMIT :lim OFFSET :off",
    RULE_COLS RULE_WHERE "ORDER BY confidence DESC, lift DESC, support DESC, id "
                         "LIMIT :lim OFFSET :off",
    RULE_COLS RULE_WHERE "ORDER BY support DESC, lift DESC, confidence DESC, id "
                         "LIMIT :lim OFFSET :off",
};
static const char *const SQL_RULES_COUNT = "SELECT count(*) FROM assoc_rules " RULE_WHERE;

static const char *const SQL_MODEL_INFO =
    "SELECT version, trained_at, coalesce(info, '') FROM models WHERE name = :name";
#define HISTORY_PAGE_WHERE "WHERE :p = 0 OR product_id = :p "
static const char *const SQL_HISTORY_PAGE =
    PRICE_CHANGE_COLS HISTORY_PAGE_WHERE "ORDER BY changed_at DESC, id DESC LIMIT :lim "
                                         "OFFSET :off";
static const char *const SQL_HISTORY_COUNT =
    "SELECT count(*) FROM price_history " HISTORY_PAGE_WHERE;

static void bind_range(sqlite3_stmt *s, int64_t from, int64_t to)
{
    bind_int(s, ":from", from);
    bind_int(s, ":to", to);
}

/* grows *v (of elem bytes) to hold one more than *n */
static void *grow(void *v, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return v;
    *cap = *cap ? *cap * 2 : 16;
    return xreallocarray(v, *cap, elem);
}

/* first column of a statement's first row as int64 (the statement is bound already) */
static int count_of(struct store *st, sqlite3_stmt *s, int64_t *out, const char *what)
{
    int rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    stmt_done(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, what);
}

/* appends the days of one statement (rows of day, purchases, units, revenue) to *out */
static int daily_append(struct store *st, sqlite3_stmt *s, struct store_sales_day **out,
                        size_t *n, size_t *cap)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = grow(*out, *n, cap, sizeof(**out));
        struct store_sales_day *d = &(*out)[(*n)++];
        d->day = sqlite3_column_int64(s, 0);
        d->purchases = sqlite3_column_int64(s, 1);
        d->units = sqlite3_column_int64(s, 2);
        d->revenue_cents = sqlite3_column_int64(s, 3);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "daily sales");
}

/* the rows of the part of a day [from, to) */
static int daily_scan(struct store *st, int64_t from, int64_t to, struct store_sales_day **out,
                      size_t *n, size_t *cap)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DAILY);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    return daily_append(st, s, out, n, cap);
}

int store_sales_daily(struct store *st, int64_t from, int64_t to, struct store_sales_day **out,
                      size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    /* whole days from the daily aggregates, the parts of a day at either end from the rows
     * (as the KPIs): a big store's series no longer walks every purchase line */
    int64_t d0 = from <= 0                    ? 0
                 : from > INT64_MAX - 86400 ? INT64_MAX / 86400
                                            : (from + 86399) / 86400;
    int64_t d1 = to < 0 ? 0 : to / 86400;
    if (d0 >= d1)
        return daily_scan(st, from, to, out, n, &cap);
    int rc = SHOP_OK;
    if (from < d0 * 86400)
        rc = daily_scan(st, from, d0 * 86400, out, n, &cap);
    if (rc == SHOP_OK) {
        sqlite3_stmt *s = stmt_get(st, SQL_DAILY_AGG);
        if (!s)
            return SHOP_EDB;
        bind_int(s, ":d0", d0);
        bind_int(s, ":d1", d1);
        rc = daily_append(st, s, out, n, &cap);
    }
    if (rc == SHOP_OK && d1 * 86400 < to)
        rc = daily_scan(st, d1 * 86400, to, out, n, &cap);
    return rc;
}

static int by_revenue_then_key(const void *a, const void *b)
{
    const struct store_kpi_group *x = a, *y = b;
    if (x->revenue_cents != y->revenue_cents)
        return x->revenue_cents > y->revenue_cents ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* The per-product sums of store_sales_products (whole days from the daily aggregates, the ends
 * of the range from the rows) added up by the products' attribute: a big store's groups no
 * longer join every purchase line of the range to its product. A group is an attribute value
 * with at least one line in the range; ordered as SQL's ORDER BY revenue DESC, key. */
int store_sales_by(struct store *st, enum store_dim dim, int64_t from, int64_t to,
                   struct store_kpi_group **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if ((unsigned)dim > STORE_DIM_SEASON)
        return shop_fail(SHOP_EINVAL, "no such product attribute");
    struct store_product_sales *ps = NULL;
    size_t np = 0, cap = 0, i = 0;
    int rc = store_sales_products(st, from, to, &ps, &np);
    if (rc != SHOP_OK)
        return rc;
    sqlite3_stmt *s = stmt_get(st, SQL_PRODUCT_KEYS[dim]);
    if (!s) {
        free(ps);
        return SHOP_EDB;
    }
    /* both by product id: a product added in between has no sums and is skipped */
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        while (i < np && ps[i].id < id)
            i++;
        if (i == np || ps[i].id != id || ps[i].units == 0)
            continue; /* no line in the range: not a group member */
        char key[sizeof((*out)->key)];
        col_text(s, 1, key, sizeof(key));
        size_t j = 0;
        while (j < *n && strcmp((*out)[j].key, key) != 0)
            j++;
        if (j == *n) {
            *out = grow(*out, *n, &cap, sizeof(**out));
            memset(&(*out)[j], 0, sizeof(**out));
            memcpy((*out)[j].key, key, sizeof(key));
            (*n)++;
        }
        (*out)[j].units += ps[i].units;
        (*out)[j].revenue_cents += ps[i].revenue_cents;
    }
    stmt_done(s);
    free(ps);
    if (step != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return store_fail(st, step, "sales by attribute");
    }
    if (*n)
        qsort(*out, *n, sizeof(**out), by_revenue_then_key);
    return SHOP_OK;
}

static int cmp_product_id(const void *key, const void *elem)
{
    int64_t id = *(const int64_t *)key, e = ((const struct store_product_sales *)elem)->id;
    return id < e ? -1 : id > e;
}

/* adds one statement's (product, units, revenue, tries) rows for [from, to) to ps[0..n-1] */
static int product_add(struct store *st, const char *sql, int64_t from, int64_t to,
                       struct store_product_sales *ps, size_t n)
{
    sqlite3_stmt *s = stmt_get(st, sql);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        struct store_product_sales *p = bsearch(&id, ps, n, sizeof(*ps), cmp_product_id);
        if (!p)
            continue;
        p->units += sqlite3_column_int64(s, 1);
        p->revenue_cents += sqlite3_column_int64(s, 2);
        p->tries += sqlite3_column_int64(s, 3);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "product sales");
}

static int product_scan(struct store *st, int64_t from, int64_t to,
                        struct store_product_sales *ps, size_t n)
{
    int rc = product_add(st, SQL_PRODUCT_SOLD, from, to, ps, n);
    return rc == SHOP_OK ? product_add(st, SQL_PRODUCT_TRIED, from, to, ps, n) : rc;
}

int store_sales_products(struct store *st, int64_t from, int64_t to,
                         struct store_product_sales **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_PRODUCT_ROWS);
    if (!s)
        return SHOP_EDB;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = grow(*out, *n, &cap, sizeof(**out));
        struct store_product_sales *p = &(*out)[(*n)++];
        memset(p, 0, sizeof(*p));
        p->id = sqlite3_column_int64(s, 0);
        col_text(s, 1, p->name, sizeof(p->name));
        col_text(s, 2, p->category, sizeof(p->category));
        col_text(s, 3, p->gender, sizeof(p->gender));
        col_text(s, 4, p->fabric, sizeof(p->fabric));
        col_text(s, 5, p->season, sizeof(p->season));
        p->price_cents = sqlite3_column_int64(s, 6);
    }
    stmt_done(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, "product sales");
    /* whole days from the daily aggregates, the parts of a day at either end from the rows
     * (as the KPIs) */
    int64_t d0 = from <= 0                    ? 0
                 : from > INT64_MAX - 86400 ? INT64_MAX / 86400
                                            : (from + 86399) / 86400;
    int64_t d1 = to < 0 ? 0 : to / 86400;
    if (d0 >= d1)
        return product_scan(st, from, to, *out, *n);
    int ret = SHOP_OK;
    if (from < d0 * 86400)
        ret = product_scan(st, from, d0 * 86400, *out, *n);
    if (ret == SHOP_OK)
        ret = product_add(st, SQL_PRODUCT_AGG, d0, d1, *out, *n);
    if (ret == SHOP_OK && d1 * 86400 < to)
        ret = product_scan(st, d1 * 86400, to, *out, *n);
    return ret;
}

int store_stock_sizes_foreach(struct store *st,
                              void (*fn)(void *ctx, int64_t product_id, const char *size,
                                         int64_t in_stock),
                              void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_STOCK_SIZES);
    if (!s)
        return SHOP_EDB;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char size[8];
        col_text(s, 1, size, sizeof(size));
        fn(ctx, sqlite3_column_int64(s, 0), size, sqlite3_column_int64(s, 2));
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "stock by size");
}

int store_sizes(struct store *st, char (*sizes)[8], int cap, int *n)
{
    *n = 0;
    sqlite3_stmt *s = stmt_get(st, store_sql_sizes);
    if (!s)
        return SHOP_EDB;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (*n < cap)
            col_text(s, 0, sizes[(*n)++], 8);
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "sizes");
}

static void bind_profile_filter(sqlite3_stmt *s, const char *q, int segment)
{
    bind_text(s, ":q", q && *q ? q : NULL);
    bind_int(s, ":seg", segment);
}

/* a row of PROFILE_ROW_COLS */
static void read_profile_row(sqlite3_stmt *s, struct store_profile_row *r)
{
    memset(r, 0, sizeof(*r));
    store_read_profile(s, &r->p);
    col_text(s, 12, r->name, sizeof(r->name));
    col_text(s, 13, r->email, sizeof(r->email));
}

int store_profile_rows(struct store *st, const char *q, int segment,
                       enum store_profile_sort sort, int64_t limit, int64_t offset,
                       struct store_profile_row **out, size_t *n, int64_t *total)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_PROFILE_COUNT);
    if (!s)
        return SHOP_EDB;
    bind_profile_filter(s, q, segment);
    int rc = count_of(st, s, total, "count profiles");
    if (rc != SHOP_OK)
        return rc;
    s = stmt_get(st, SQL_PROFILE_ROWS[sort == STORE_PROFILES_BY_SPEND]);
    if (!s)
        return SHOP_EDB;
    bind_profile_filter(s, q, segment);
    bind_int(s, ":lim", limit);
    bind_int(s, ":off", offset);
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = grow(*out, *n, &cap, sizeof(**out));
        read_profile_row(s, &(*out)[(*n)++]);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "profiles");
}

int store_profile_rows_by_id(struct store *st, const int64_t *ids, size_t n,
                             struct store_profile_row **out, size_t *got)
{
    *out = xcalloc(n ? n : 1, sizeof(**out));
    *got = 0;
    int rc = SHOP_OK;
    for (size_t i = 0; i < n && rc == SHOP_OK; i++) {
        sqlite3_stmt *s = stmt_get(st, SQL_PROFILE_ROW_BY_ID);
        if (!s) {
            rc = SHOP_EDB;
            break;
        }
        bind_int(s, ":id", ids[i]);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW)
            read_profile_row(s, &(*out)[(*got)++]);
        else if (step != SQLITE_DONE)
            rc = store_fail(st, step, "profile");
        stmt_done(s);
    }
    if (rc != SHOP_OK) {
        free(*out);
        *out = NULL;
        *got = 0;
    }
    return rc;
}

static int by_count_then_key(const void *a, const void *b)
{
    const struct store_kpi_group *x = a, *y = b;
    if (x->units != y->units)
        return x->units > y->units ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* adds a buyer with preference key (NULL or "": none) and spend to the groups *g */
static void pref_add(struct store_kpi_group **g, size_t *n, size_t *cap, const char *key,
                     int64_t spend)
{
    if (!key || !*key)
        return;
    size_t j = 0;
    while (j < *n && strncmp((*g)[j].key, key, sizeof((*g)[j].key) - 1) != 0)
        j++;
    if (j == *n) {
        *g = grow(*g, *n, cap, sizeof(**g));
        memset(&(*g)[j], 0, sizeof(**g));
        snprintf((*g)[j].key, sizeof((*g)[j].key), "%s", key);
        (*n)++;
    }
    (*g)[j].units++;
    (*g)[j].revenue_cents += spend;
}

int store_profile_summary(struct store *st, struct store_profile_summary *out,
                          struct store_kpi_group *prefs[3], size_t nprefs[3])
{
    memset(out, 0, sizeof(*out));
    size_t cap[3] = {0};
    for (int i = 0; prefs && i < 3; i++) {
        prefs[i] = NULL;
        nprefs[i] = 0;
    }
    sqlite3_stmt *s = stmt_get(st, SQL_PROFILE_SCAN);
    if (!s)
        return SHOP_EDB;
    /* the sums in row order, as SQL's avg() adds them */
    double spend = 0, purchases = 0, items = 0, discount = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        out->customers++;
        int64_t at = sqlite3_column_int64(s, 4);
        if (at > out->updated_at)
            out->updated_at = at;
        if (sqlite3_column_int64(s, 0) <= 0)
            continue;
        out->buyers++;
        int64_t sp = sqlite3_column_int64(s, 2);
        purchases += (double)sqlite3_column_int64(s, 0);
        items += (double)sqlite3_column_int64(s, 1);
        spend += (double)sp;
        discount += sqlite3_column_double(s, 3);
        for (int i = 0; prefs && i < 3; i++)
            pref_add(&prefs[i], &nprefs[i], &cap[i], (const char *)sqlite3_column_text(s, 5 + i),
                     sp);
    }
    stmt_done(s);
    if (rc != SQLITE_DONE) {
        for (int i = 0; prefs && i < 3; i++) {
            free(prefs[i]);
            prefs[i] = NULL;
            nprefs[i] = 0;
        }
        return store_fail(st, rc, "profile summary");
    }
    if (out->buyers) {
        double n = (double)out->buyers;
        out->avg_spend_cents = spend / n;
        out->avg_purchases = purchases / n;
        out->avg_items = items / n;
        out->avg_discount = discount / n;
    }
    for (int i = 0; prefs && i < 3; i++)
        if (nprefs[i])
            qsort(prefs[i], nprefs[i], sizeof(*prefs[i]), by_count_then_key);
    return SHOP_OK;
}

int store_customer_lines(struct store *st, int64_t customer_id, int64_t limit, int64_t offset,
                         struct store_purchase_line **out, size_t *n, int64_t *purchases)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_CUSTOMER_PURCHASES);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":c", customer_id);
    int rc = count_of(st, s, purchases, "count purchases");
    if (rc != SHOP_OK)
        return rc;
    s = stmt_get(st, SQL_CUSTOMER_LINES);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":c", customer_id);
    bind_int(s, ":lim", limit);
    bind_int(s, ":off", offset);
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = grow(*out, *n, &cap, sizeof(**out));
        struct store_purchase_line *l = &(*out)[(*n)++];
        memset(l, 0, sizeof(*l));
        l->purchase_id = sqlite3_column_int64(s, 0);
        l->purchased_at = sqlite3_column_int64(s, 1);
        l->total_cents = sqlite3_column_int64(s, 2);
        l->product_id = sqlite3_column_int64(s, 3);
        col_text(s, 4, l->product_name, sizeof(l->product_name));
        col_text(s, 5, l->size, sizeof(l->size));
        l->list_cents = sqlite3_column_int64(s, 6);
        l->price_cents = sqlite3_column_int64(s, 7);
        l->discount = sqlite3_column_double(s, 8);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "customer purchases");
}

int store_sessions_converted(struct store *st, int64_t from, int64_t to, int64_t **ids,
                             size_t *n)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_SESSIONS_CONVERTED);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *ids = grow(*ids, *n, &cap, sizeof(**ids));
        (*ids)[(*n)++] = sqlite3_column_int64(s, 0);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "converted sessions");
}

int store_session_get(struct store *st, int64_t id, struct store_session *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *s = stmt_get(st, SQL_SESSION_GET);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(s, 0);
        out->customer_id = sqlite3_column_int64(s, 1);
        out->started_at = sqlite3_column_int64(s, 2);
        out->ended_at = sqlite3_column_int64(s, 3);
        col_text(s, 4, out->mirror, sizeof(out->mirror));
        out->tracked = sqlite3_column_int(s, 5);
        out->simulated = sqlite3_column_int(s, 6);
    }
    stmt_done(s);
    if (rc == SQLITE_DONE)
        return shop_fail(SHOP_ENOTFOUND, "no session %lld", (long long)id);
    return rc == SQLITE_ROW ? SHOP_OK : store_fail(st, rc, "session");
}

/* adds the (group, dominant, events, sums) rows of sql for [from, to) to *out, merging rows
 * of the same group and dominant emotion */
static int emotion_aggs_add(struct store *st, const char *sql, int64_t from, int64_t to,
                            struct store_emotion_agg **out, size_t *n, size_t *cap)
{
    sqlite3_stmt *s = stmt_get(st, sql);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char grp[16], dominant[16];
        col_text(s, 0, grp, sizeof(grp));
        col_text(s, 1, dominant, sizeof(dominant));
        size_t j = 0;
        while (j < *n && (strcmp((*out)[j].grp, grp) != 0 || strcmp((*out)[j].dominant, dominant)))
            j++;
        if (j == *n) {
            *out = grow(*out, *n, cap, sizeof(**out));
            memset(&(*out)[j], 0, sizeof(**out));
            memcpy((*out)[j].grp, grp, sizeof(grp));
            memcpy((*out)[j].dominant, dominant, sizeof(dominant));
            (*n)++;
        }
        struct store_emotion_agg *a = &(*out)[j];
        a->events += sqlite3_column_int64(s, 2);
        a->score_sum += sqlite3_column_double(s, 3);
        for (int i = 0; i < 7; i++)
            a->p_sum[i] += sqlite3_column_double(s, 4 + i);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "emotion aggregates");
}

static int by_group_then_dominant(const void *a, const void *b)
{
    const struct store_emotion_agg *x = a, *y = b;
    int c = strcmp(x->grp, y->grp);
    return c ? c : strcmp(x->dominant, y->dominant);
}

int store_session_converted(struct store *st, int64_t session_id, int64_t since, int *yes)
{
    sqlite3_stmt *s = stmt_get(st, SQL_SESSION_CONVERTED);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":s", session_id);
    bind_int(s, ":since", since);
    int64_t v = 0;
    int rc = count_of(st, s, &v, "session converted");
    *yes = v != 0;
    return rc;
}

int store_emotion_aggs(struct store *st, int64_t from, int64_t to,
                       struct store_emotion_agg **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    /* whole days from the emotion days (kept by every event added or erased), the parts of a
     * day at either end from the rows (as the KPIs) */
    int64_t d0 = from <= 0                    ? 0
                 : from > INT64_MAX - 86400 ? INT64_MAX / 86400
                                            : (from + 86399) / 86400;
    int64_t d1 = to < 0 ? 0 : to / 86400;
    int rc = SHOP_OK;
    if (d0 >= d1) {
        rc = emotion_aggs_add(st, SQL_EMOTION_AGGS, from, to, out, n, &cap);
    } else {
        if (from < d0 * 86400)
            rc = emotion_aggs_add(st, SQL_EMOTION_AGGS, from, d0 * 86400, out, n, &cap);
        if (rc == SHOP_OK)
            rc = emotion_aggs_add(st, SQL_EMOTION_AGGS_DAYS, d0, d1, out, n, &cap);
        if (rc == SHOP_OK && d1 * 86400 < to)
            rc = emotion_aggs_add(st, SQL_EMOTION_AGGS, d1 * 86400, to, out, n, &cap);
    }
    if (rc == SHOP_OK && *n)
        qsort(*out, *n, sizeof(**out), by_group_then_dominant);
    return rc;
}

static void read_event(sqlite3_stmt *s, struct store_emotion_event *e)
{
    memset(e, 0, sizeof(*e));
    e->id = sqlite3_column_int64(s, 0);
    e->session_id = sqlite3_column_int64(s, 1);
    e->customer_id = sqlite3_column_int64(s, 2);
    e->at = sqlite3_column_int64(s, 3);
    col_text(s, 4, e->grp, sizeof(e->grp));
    col_text(s, 5, e->dominant, sizeof(e->dominant));
    e->score = sqlite3_column_double(s, 6);
    for (int i = 0; i < 7; i++)
        e->p[i] = sqlite3_column_double(s, 7 + i);
    col_text(s, 14, e->mirror, sizeof(e->mirror));
    e->simulated = sqlite3_column_int(s, 15);
}

int store_emotion_events(struct store *st, int64_t from, int64_t to, const char *grp,
                         int64_t session_id, int64_t limit, int64_t offset,
                         struct store_emotion_event **out, size_t *n, int64_t *total)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    sqlite3_stmt *s = stmt_get(st, session_id > 0 ? SQL_SESSION_EVENTS_COUNT : SQL_EVENTS_COUNT);
    if (!s)
        return SHOP_EDB;
    if (session_id > 0) {
        bind_int(s, ":s", session_id);
    } else {
        bind_range(s, from, to);
        bind_text(s, ":grp", grp);
    }
    int rc = count_of(st, s, total, "count emotion events");
    if (rc != SHOP_OK)
        return rc;
    s = stmt_get(st, session_id > 0 ? SQL_SESSION_EVENTS : SQL_EVENTS);
    if (!s)
        return SHOP_EDB;
    if (session_id > 0) {
        bind_int(s, ":s", session_id);
    } else {
        bind_range(s, from, to);
        bind_text(s, ":grp", grp);
    }
    bind_int(s, ":lim", limit);
    bind_int(s, ":off", offset);
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = grow(*out, *n, &cap, sizeof(**out));
        read_event(s, &(*out)[(*n)++]);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "emotion events");
}

/* most events first, then the latest, then by id */
static int by_events_then_last(const void *a, const void *b)
{
    const struct store_emotion_session *x = a, *y = b;
    if (x->events != y->events)
        return x->events > y->events ? -1 : 1;
    if (x->last_at != y->last_at)
        return x->last_at > y->last_at ? -1 : 1;
    return (x->session_id > y->session_id) - (x->session_id < y->session_id);
}

/* heap of indices into v, the worst (latest in by_events_then_last order) at the top */
static void sift_down(const struct store_emotion_session *v, size_t *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && by_events_then_last(&v[h[l]], &v[h[w]]) > 0)
            w = l;
        if (r < n && by_events_then_last(&v[h[r]], &v[h[w]]) > 0)
            w = r;
        if (w == i)
            return;
        size_t t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

/* the k first of v[n] in by_events_then_last order, in order, in place of v[0..k): a heap of
 * k (the whole sort moved every session of a range, 58k on a 100k store, for a page of 50) */
static void keep_first(struct store_emotion_session *v, size_t n, size_t k)
{
    if (k >= n) {
        qsort(v, n, sizeof(*v), by_events_then_last);
        return;
    }
    size_t *h = xcalloc(k ? k : 1, sizeof(*h));
    for (size_t i = 0; i < k; i++)
        h[i] = i;
    for (size_t i = k / 2; i-- > 0;)
        sift_down(v, h, k, i);
    for (size_t i = k; i < n && k; i++) {
        if (by_events_then_last(&v[i], &v[h[0]]) < 0) {
            h[0] = i;
            sift_down(v, h, k, 0);
        }
    }
    struct store_emotion_session *best = xcalloc(k ? k : 1, sizeof(*best));
    for (size_t i = 0; i < k; i++)
        best[i] = v[h[i]];
    qsort(best, k, sizeof(*best), by_events_then_last);
    memcpy(v, best, k * sizeof(*best));
    free(best);
    free(h);
}

static uint64_t id_hash(int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
}

int store_emotion_sessions(struct store *st, int64_t from, int64_t to, int64_t limit,
                           struct store_emotion_session **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_EMOTION_SESSION_ROWS);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    size_t cap = 0, slots = 0;
    size_t *slot = NULL; /* open addressing: index into *out + 1, 0 = empty */
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (2 * (*n + 1) > slots) {
            slots = slots ? slots * 2 : 1024;
            free(slot);
            slot = xcalloc(slots, sizeof(*slot));
            for (size_t i = 0; i < *n; i++) {
                size_t k = id_hash((*out)[i].session_id) & (slots - 1);
                while (slot[k])
                    k = (k + 1) & (slots - 1);
                slot[k] = i + 1;
            }
        }
        int64_t sid = sqlite3_column_int64(s, 0), at = sqlite3_column_int64(s, 2);
        size_t k = id_hash(sid) & (slots - 1);
        while (slot[k] && (*out)[slot[k] - 1].session_id != sid)
            k = (k + 1) & (slots - 1);
        if (!slot[k]) {
            *out = grow(*out, *n, &cap, sizeof(**out));
            struct store_emotion_session *e = &(*out)[*n];
            memset(e, 0, sizeof(*e));
            e->session_id = sid;
            e->first_at = e->last_at = at;
            slot[k] = ++*n;
        }
        struct store_emotion_session *e = &(*out)[slot[k] - 1];
        e->events++;
        if (at < e->first_at)
            e->first_at = at;
        if (at > e->last_at)
            e->last_at = at;
        if (sqlite3_column_type(s, 1) != SQLITE_NULL && sqlite3_column_int64(s, 1) > e->customer_id)
            e->customer_id = sqlite3_column_int64(s, 1);
        const char *g = (const char *)sqlite3_column_text(s, 3);
        if (g && strcmp(g, "frustration") == 0)
            e->by_group[0]++;
        else if (g && strcmp(g, "happiness") == 0)
            e->by_group[1]++;
        else if (g && strcmp(g, "surprise") == 0)
            e->by_group[2]++;
    }
    stmt_done(s);
    free(slot);
    int ret = rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "emotion sessions");
    if (ret == SHOP_OK && limit >= 0 && (size_t)limit < *n) {
        keep_first(*out, *n, (size_t)limit);
        *n = (size_t)limit;
    } else if (ret == SHOP_OK && *n) {
        qsort(*out, *n, sizeof(**out), by_events_then_last);
    }
    for (size_t i = 0; i < *n && ret == SHOP_OK; i++) {
        if (!(*out)[i].customer_id)
            continue;
        if (!(s = stmt_get(st, SQL_CUSTOMER_NAME))) {
            ret = SHOP_EDB;
            break;
        }
        bind_int(s, ":id", (*out)[i].customer_id);
        if ((rc = sqlite3_step(s)) == SQLITE_ROW)
            col_text(s, 0, (*out)[i].customer_name, sizeof((*out)[i].customer_name));
        stmt_done(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            ret = store_fail(st, rc, "emotion session names");
    }
    if (ret != SHOP_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return ret;
}

int store_alert_counts(struct store *st, int64_t from, int64_t to, int64_t counts[3])
{
    static const char *const names[3] = {"open", "acknowledged", "resolved"};
    counts[0] = counts[1] = counts[2] = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_ALERT_COUNTS);
    if (!s)
        return SHOP_EDB;
    bind_range(s, from, to);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char status[16];
        col_text(s, 0, status, sizeof(status));
        for (int i = 0; i < 3; i++)
            if (strcmp(status, names[i]) == 0)
                counts[i] = sqlite3_column_int64(s, 1);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "alert counts");
}

int store_assoc_rules_replace(struct store *st, const struct store_assoc_rule *r, size_t n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_RULES_CLEAR);
    if (!s)
        return SHOP_EDB;
    int rc = stmt_exec(st, s, "clear rules");
    for (size_t i = 0; i < n && rc == SHOP_OK; i++) {
        if (!(s = stmt_get(st, SQL_RULE_ADD)))
            return SHOP_EDB;
        char c[24];
        snprintf(c, sizeof(c), "%lld", (long long)r[i].consequent);
        bind_text(s, ":a", r[i].antecedent);
        bind_text(s, ":c", c);
        bind_double(s, ":s", r[i].support);
        bind_double(s, ":conf", r[i].confidence);
        bind_double(s, ":lift", r[i].lift);
        bind_int(s, ":n", r[i].count);
        bind_int(s, ":at", r[i].mined_at);
        rc = stmt_exec(st, s, "add rule");
    }
    return rc;
}

int store_assoc_rules(struct store *st, int64_t product_id, enum store_rule_sort sort,
                      int64_t limit, int64_t offset, struct store_assoc_rule **out, size_t *n,
                      int64_t *total)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    if ((unsigned)sort > STORE_RULES_BY_SUPPORT)
        return shop_fail(SHOP_EINVAL, "no such rule order");
    sqlite3_stmt *s = stmt_get(st, SQL_RULES_COUNT);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":p", product_id);
    int rc = count_of(st, s, total, "count rules");
    if (rc != SHOP_OK)
        return rc;
    s = stmt_get(st, SQL_RULES[sort]);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":p", product_id);
    bind_int(s, ":lim", limit);
    bind_int(s, ":off", offset);
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = grow(*out, *n, &cap, sizeof(**out));
        struct store_assoc_rule *r = &(*out)[(*n)++];
        memset(r, 0, sizeof(*r));
        r->id = sqlite3_column_int64(s, 0);
        col_text(s, 1, r->antecedent, sizeof(r->antecedent));
        r->consequent = sqlite3_column_int64(s, 2);
        r->support = sqlite3_column_double(s, 3);
        r->confidence = sqlite3_column_double(s, 4);
        r->lift = sqlite3_column_double(s, 5);
        r->count = sqlite3_column_int64(s, 6);
        r->mined_at = sqlite3_column_int64(s, 7);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "rules");
}

int store_model_info(struct store *st, const char *name, int64_t *version, int64_t *trained_at,
                     char **info)
{
    *info = NULL;
    sqlite3_stmt *s = stmt_get(st, SQL_MODEL_INFO);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":name", name);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(s, 0);
        *trained_at = sqlite3_column_int64(s, 1);
        const unsigned char *t = sqlite3_column_text(s, 2);
        *info = xstrdup(t ? (const char *)t : "");
    }
    stmt_done(s);
    if (rc == SQLITE_DONE)
        return shop_fail(SHOP_ENOTFOUND, "no model '%s' in this store", name);
    return rc == SQLITE_ROW ? SHOP_OK : store_fail(st, rc, "model info");
}

int store_price_history_page(struct store *st, int64_t product_id, int64_t limit,
                             int64_t offset, struct store_price_change **out, size_t *n,
                             int64_t *total)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_HISTORY_COUNT);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":p", product_id);
    int rc = count_of(st, s, total, "count price history");
    if (rc != SHOP_OK)
        return rc;
    s = stmt_get(st, SQL_HISTORY_PAGE);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":p", product_id);
    bind_int(s, ":lim", limit);
    bind_int(s, ":off", offset);
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = grow(*out, *n, &cap, sizeof(**out));
        struct store_price_change *c = &(*out)[(*n)++];
        store_read_price_change(s, c);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "price history");
}
