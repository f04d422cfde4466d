/* store/store.h - the SHOPPER data store: SQLite behind domain functions.
 *
 * The only module that includes <sqlite3.h>; the rest of the program never sees SQL.
 *     struct store *st;
 *     if (store_open("shopper.db", STORE_CREATE, &st) != SHOP_OK) -> store_open_error()
 *     store_begin(st); ... store_customer_add(st, &c) ...; store_commit(st);
 *     store_close(st);
 * A handle is used by one thread at a time; a server opens one per worker thread (opening
 * is cheap: statements are prepared on first use, the database is in WAL mode so readers
 * never wait for the writer). Every fallible call returns SHOP_OK or a
 * SHOP_E* code; the handle keeps the last message (store_errmsg). Money is integer cents,
 * times unix seconds UTC, a "day" is days since 1970-01-01.                              */
#ifndef SHOP_STORE_STORE_H
#define SHOP_STORE_STORE_H

#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

#include "core/status.h"

#define STORE_SCHEMA_VERSION 7

enum store_flags {
    STORE_CREATE = 1, /* create the file (and schema) when missing */
    STORE_WRITE = 2,  /* the caller will write: a read-only file is an error */
    /* wait at most STORE_SHORT_BUSY_MS for another connection's lock, then SHOP_EBUSY (a
     * server worker answers 503 instead of stalling); the default waits 5 s */
    STORE_SHORT_BUSY = 4,
};
#define STORE_SHORT_BUSY_MS 250

struct store;

/* Opens (or with STORE_CREATE creates) a store. On failure *out is NULL and the message is
 * in store_open_error() (thread-local). Refuses a database from a newer schema
 * (SHOP_EVERSION), a file that is not a shopper database or has a negative schema version
 * (SHOP_EDB), a missing file without STORE_CREATE (SHOP_ENOTFOUND), a read-only file with
 * STORE_WRITE (SHOP_EREADONLY). Without STORE_CREATE or STORE_WRITE the file is never
 * written: an empty file is refused (SHOP_EDB) and an older schema is not migrated
 * (SHOP_EREADONLY). */
SHOP_MUST_CHECK int store_open(const char *path, int flags, struct store **out);
void store_close(struct store *st); /* NULL is a no-op */
const char *store_open_error(void);
const char *store_errmsg(const struct store *st);
int store_schema_version(struct store *st);
/* how long to wait for another process's lock before SHOP_EBUSY (default 5000 ms) */
void store_set_busy_timeout(struct store *st, int ms);

/* Transactions compose. The outermost store_begin is BEGIN IMMEDIATE (takes the write lock at
 * once; SHOP_EBUSY after the busy timeout); a store_begin inside it opens a savepoint. Each
 * level ends with exactly one store_commit or store_rollback:
 *   - store_commit of an inner level releases the savepoint: its work becomes part of the
 *     enclosing level and is written only when the outermost level commits;
 *   - store_rollback of an inner level undoes that level's work only; the enclosing level
 *     stays open and decides (its caller usually rolls back too on the error it gets);
 *   - store_rollback of the outermost level undoes everything, inner levels included.
 * A failed store_commit leaves its level open: roll it back. So a domain function that writes
 * several rows wraps them in begin ... store_end(st, rc) and is atomic whoever calls it. */
SHOP_MUST_CHECK int store_begin(struct store *st);
/* Handles of one process that share mu take it for their outermost write transaction
 * (store_begin at depth 0 until the matching commit or rollback), so that the process's own
 * writers wait in line on a mutex rather than in sqlite's busy handler (the server's pool).
 * Set it while no transaction is open. */
void store_share_write_lock(struct store *st, pthread_mutex_t *mu);
SHOP_MUST_CHECK int store_commit(struct store *st);
void store_rollback(struct store *st); /* no-op outside a transaction */
/* commits the level when rc is SHOP_OK, else (or when the commit fails) rolls it back;
 * returns rc or the commit's error */
SHOP_MUST_CHECK int store_end(struct store *st, int rc);
/* open levels (0: none) */
int store_txn_depth(const struct store *st);

/* Bulk loading inside a transaction: drops the secondary indexes of the tables a simulation
 * fills and store_bulk_end recreates them from their saved definitions (one sort each
 * instead of a random B-tree insert per row). Both must run inside the same transaction
 * level; rolling that level (or an enclosing one) back restores the indexes. */
SHOP_MUST_CHECK int store_bulk_begin(struct store *st);
SHOP_MUST_CHECK int store_bulk_end(struct store *st);

/* For building a NEW store in one big transaction: on = 1 switches from the WAL to a rollback
 * journal, in which pages appended to the file are not journaled, so that the build needs
 * about the final size on disk instead of twice it (the WAL holds a copy of every page
 * written); a killed build still leaves the store as it was (SQLite rolls the journal back on
 * the next open). on = 0 goes back to the WAL. Outside a transaction only. Best effort: when
 * another connection has the file open the mode stays WAL, which is as safe, only bigger;
 * *active tells which (may be NULL). */
SHOP_MUST_CHECK int store_bulk_journal(struct store *st, int on, int *active);

/* meta: small key/value settings. get copies into buf (NUL-terminated); SHOP_ENOTFOUND. */
SHOP_MUST_CHECK int store_meta_get(struct store *st, const char *key, char *buf, size_t n);
SHOP_MUST_CHECK int store_meta_set(struct store *st, const char *key, const char *value);
/* get an integer setting; returns def when missing or not a number */
int64_t store_meta_int(struct store *st, const char *key, int64_t def);
/* The store's generation: a counter raised in the same transaction as every change of what
 * the cached engines (the recommender, the demand model) are built from: a purchase, a
 * customer, a product or its price, a profile, a model. Equal generations, same inputs
 * (stock is not counted: read it live). 0 for a store never written. */
SHOP_MUST_CHECK int store_generation(struct store *st, int64_t *out);
/* Change detection for caches of whole answers: 1 when another connection (of this process
 * or any other) committed a change to the file since this handle's previous call (or on the
 * first call, or when it cannot tell), else 0. A handle's own writes are not seen here:
 * compare store_changes before and after them. */
int store_data_moved(struct store *st);
/* rows this handle has inserted, updated or deleted since it was opened */
int64_t store_changes(struct store *st);

/* Kinds of data a cached answer may be computed from. Each has a counter (schema.sql, "data
 * generations") that triggers raise in the same transaction as every row written of that
 * kind, whoever writes it (another process, a sqlite3 shell). Equal counters, same rows of
 * that kind. Nothing raises one for dashboard logins, devices, PINs, carts and reservations,
 * face data or a customer's last visit. */
enum store_kind {
    STORE_KIND_SALES,        /* purchases and their lines */
    STORE_KIND_SESSIONS,     /* shopping sessions: added, removed, changed but for their end */
    STORE_KIND_SESSION_ENDS, /* a session's end time */
    STORE_KIND_TRYONS,
    STORE_KIND_STOCK,        /* items: received, sold, tried, moved */
    STORE_KIND_CATALOG,      /* products (but for their price) */
    STORE_KIND_PRICES,       /* a product's price, daily prices, the price history */
    STORE_KIND_EMOTIONS,     /* emotion events */
    STORE_KIND_ALERTS,       /* alerts and their resolutions */
    STORE_KIND_FLOOR,        /* positions and the floor plan's zones */
    STORE_KIND_CUSTOMERS,    /* customers (but for their last visit) */
    STORE_KIND_PROFILES,     /* customer profiles and segments */
    STORE_KIND_MODELS,       /* trained models */
    STORE_KIND_RULES,        /* association rules */
    STORE_KIND_RECO,         /* stored recommendations and promotions */
    STORE_KIND_META,         /* settings (but for the store generation) */
    STORE_KIND_COUNT
};
/* the counter of every kind, into gens[STORE_KIND_COUNT], read in one statement */
SHOP_MUST_CHECK int store_kind_gens(struct store *st, int64_t *gens);
/* "sales", "sessions", ...: the kind's name in the data_gens table */
const char *store_kind_name(enum store_kind k);

/* ---- the floor plan ---- */
struct store_zone {
    int64_t id;
    char name[24];
    double x0, y0, x1, y1;
    double door_x, door_y;
};
SHOP_MUST_CHECK int store_zone_add(struct store *st, struct store_zone *z);
/* all zones by id; caller frees *out */
SHOP_MUST_CHECK int store_zones(struct store *st, struct store_zone **out, size_t *n);

/* ---- customers ---- */
struct store_customer {
    int64_t id; /* 0 on add: assigned */
    char name[64];
    char email[96];
    char gender[8]; /* female, male, other */
    char size[4];
    char persona[24];
    char pref_category[16], pref_fabric[16], pref_season[16];
    int64_t created_at, last_seen_at; /* last_seen_at 0 = never */
    int simulated;
};
SHOP_MUST_CHECK int store_customer_add(struct store *st, struct store_customer *c);
SHOP_MUST_CHECK int store_customer_get(struct store *st, int64_t id, struct store_customer *out);
SHOP_MUST_CHECK int store_customer_seen(struct store *st, int64_t id, int64_t at);
/* all customers by id; caller frees *out */
SHOP_MUST_CHECK int store_customers(struct store *st, struct store_customer **out, size_t *n);

/* ---- products and items ---- */
struct store_product {
    int64_t id;
    char name[64];
    char category[16], gender[8], fabric[16], season[16];
    int64_t base_price_cents, cost_cents, price_cents;
    double popularity;
    char zone[24];
    double x, y;
    int simulated;
    int64_t stock; /* filled by store_products: items in stock */
};
SHOP_MUST_CHECK int store_product_add(struct store *st, struct store_product *p);
SHOP_MUST_CHECK int store_product_get(struct store *st, int64_t id, struct store_product *out);
SHOP_MUST_CHECK int store_product_set_price(struct store *st, int64_t id, int64_t price_cents);
/* all products by id, with their stock; caller frees *out */
SHOP_MUST_CHECK int store_products(struct store *st, struct store_product **out, size_t *n);

struct store_item {
    int64_t id; /* given by the caller on add (keeps ids stable across runs) */
    int64_t product_id;
    char size[4];
    char rfid[25];
    char zone[24];
    int64_t times_tried;
    int sold;
    int64_t received_at, sold_at;
};
SHOP_MUST_CHECK int store_item_add(struct store *st, const struct store_item *it);
/* writes times_tried, zone, status and sold_at of an existing item */
SHOP_MUST_CHECK int store_item_update(struct store *st, const struct store_item *it);
/* in-stock items ordered by id; caller frees *out */
SHOP_MUST_CHECK int store_items_in_stock(struct store *st, struct store_item **out, size_t *n);
int64_t store_item_max_id(struct store *st);

/* ---- sessions, try-ons, purchases, paths ---- */
struct store_session {
    int64_t id; /* assigned on add */
    int64_t customer_id; /* 0 = anonymous */
    int64_t started_at, ended_at;
    char mirror[24]; /* "" = none */
    int tracked, simulated;
};
SHOP_MUST_CHECK int store_session_add(struct store *st, struct store_session *s);
/* sets a session's end time (never earlier than it was) */
SHOP_MUST_CHECK int store_session_end(struct store *st, int64_t session_id, int64_t at);
SHOP_MUST_CHECK int store_tryon_add(struct store *st, int64_t session_id, int64_t item_id,
                                    int64_t at);

struct store_line {
    int64_t item_id, product_id;
    int64_t list_cents, price_cents;
    double discount;
};
/* Records a purchase and its lines as they are (the caller has marked the items sold);
 * total = sum of line prices. Sets *purchase_id. Atomic (its own transaction level): on an
 * error nothing of it stays. SHOP_ECONFLICT when an item is already in a purchase line. */
SHOP_MUST_CHECK int store_purchase_add(struct store *st, int64_t session_id, int64_t customer_id,
                                       int64_t at, const struct store_line *lines, int n,
                                       int64_t *purchase_id);
/* Writes a position and nothing else: the floor aggregates are analytics/floor.c's
 * (floor_position_add for a live position; a bulk loader rebuilds its days with
 * floor_days_rebuild in the same transaction, or marks them stale). */
SHOP_MUST_CHECK int store_position_add(struct store *st, int64_t session_id, int64_t t, double x,
                                       double y);
SHOP_MUST_CHECK int store_daily_price_add(struct store *st, int64_t day, int64_t product_id,
                                          int64_t list_cents, int64_t price_cents,
                                          double discount, int64_t stock_start);
/* every daily price row, ordered by day then product */
SHOP_MUST_CHECK int store_daily_prices(struct store *st,
                                       void (*fn)(void *ctx, int64_t day, int64_t product_id,
                                                  int64_t list_cents, int64_t price_cents,
                                                  double discount),
                                       void *ctx);
/* units sold per (product, size index) between [from, to): calls fn for each */
SHOP_MUST_CHECK int store_units_sold(struct store *st, int64_t from, int64_t to,
                                     void (*fn)(void *ctx, int64_t product_id, const char *size,
                                                int64_t units),
                                     void *ctx);

/* ---- emotions and alerts ---- */
struct store_emotion_event {
    int64_t id; /* assigned */
    int64_t session_id, customer_id, at;
    char grp[16], dominant[16]; /* dominant: the largest mean probability over the window */
    double score;               /* mean group score over the window, %: the trend */
    double p[7]; /* window means: neutral, happy, sad, angry, fearful, disgusted, surprised */
    char mirror[24];
    int simulated;
    double peak_score;          /* the firing frame's group score, % */
    char peak_dominant[16];     /* the firing frame's strongest expression; "" = not known */
};
SHOP_MUST_CHECK int store_emotion_event_add(struct store *st, struct store_emotion_event *e);

struct store_alert {
    int64_t id; /* assigned */
    int64_t event_id, customer_id, session_id;
    char location[32];
    int64_t created_at;
    char status[16]; /* open, acknowledged, resolved */
    int simulated;
};
SHOP_MUST_CHECK int store_alert_add(struct store *st, struct store_alert *a);
SHOP_MUST_CHECK int store_alert_resolve(struct store *st, int64_t alert_id, const char *staff,
                                        const char *note, int64_t at);

/* ---- reports ---- */
#define STORE_NTABLES 30
struct store_stats {
    int ntables;
    const char *table[STORE_NTABLES];
    int64_t rows[STORE_NTABLES];
    int64_t revenue_cents, items_sold, purchases;
    int64_t first_at, last_at; /* sessions' time range, 0 when none */
    int64_t items_in_stock;
    int64_t file_bytes;
};
SHOP_MUST_CHECK int store_stats(struct store *st, struct store_stats *out);

/* Invariant violations found (each 0 in a healthy store) */
struct store_check {
    int integrity_ok;          /* PRAGMA integrity_check said ok */
    int64_t fk_violations;     /* PRAGMA foreign_key_check rows */
    int64_t sold_twice;        /* items in more than one purchase line */
    int64_t sold_not_marked;   /* items in a line but not 'sold' */
    int64_t marked_not_sold;   /* 'sold' items without a line */
    int64_t bad_totals;        /* purchases whose total != sum of lines */
    int64_t foreign_sessions;  /* purchases whose session belongs to another customer */
    int64_t empty_purchases;   /* purchases without lines */
    int64_t outside_positions; /* positions outside the floor plan */
    int64_t negative_stock;    /* product-days with negative stock */
    /* rows of the daily aggregates that differ from a computation from the rows: kpi_days,
     * kpi_product_days, kpi_customer_days, kpi_buyer_days, kpi_emotion_days (counts),
     * kpi_stock */
    int64_t aggregates_off[6];
};
SHOP_MUST_CHECK int store_check_run(struct store *st, struct store_check *out);
/* a 64-bit digest of every table's contents in primary-key order (for "same seed, same
 * database" checks) */
SHOP_MUST_CHECK int store_digest(struct store *st, uint64_t *out);

/* ---- customer features, profiles and models ---- */
#define STORE_FEAT_MAX_VALUES 16
enum { STORE_FEAT_BASE = 6 }; /* purchases, items, spend, mean price, mean discount, tried */

struct store_features {
    size_t n;          /* customers, in id order */
    int dim;           /* STORE_FEAT_BASE + ncat + nfab + nsize */
    int64_t *ids;      /* [n] */
    float *x;          /* [n * dim] row-major: the base columns, then shares of items by
                        * category, fabric and size (0 for a customer without items) */
    char (*names)[32]; /* [dim] column names, e.g. "purchases", "category:Coat" */
    int ncat, nfab, nsize;
    char cat[STORE_FEAT_MAX_VALUES][16], fab[STORE_FEAT_MAX_VALUES][16],
        size[STORE_FEAT_MAX_VALUES][8];
};
/* One feature row per customer (buyers or not) from purchases up to `before` (unix seconds,
 * exclusive; INT64_MAX for all). Caller releases. */
SHOP_MUST_CHECK int store_features_get(struct store *st, int64_t before,
                                       struct store_features *out);
void store_features_release(struct store_features *f);
/* the customers whose id is above last_id: those registered since the customer last_id (ids
 * only grow); reads only them */
SHOP_MUST_CHECK int store_customers_after(struct store *st, int64_t last_id, int64_t *n);
/* A stamp of what store_features_get reads: equal stamps, equal feature rows. It moves with
 * every purchase and saved model (store_generation) and every new customer, product, item,
 * session and try-on (their largest ids; none of them is ever deleted or re-attributed). */
#define STORE_FEATURES_STAMP 7
SHOP_MUST_CHECK int store_features_stamp(struct store *st, int64_t out[STORE_FEATURES_STAMP]);

struct store_profile {
    int64_t customer_id;
    int segment; /* -1 = none */
    int64_t purchases, items, spend_cents, mean_price_cents, times_tried;
    double mean_discount;
    char pref_category[16], pref_fabric[16], pref_size[8];
    int64_t updated_at;
};
SHOP_MUST_CHECK int store_profile_put(struct store *st, const struct store_profile *p);
SHOP_MUST_CHECK int store_profile_get(struct store *st, int64_t customer_id,
                                      struct store_profile *out);
/* all profiles in customer order; caller frees */
SHOP_MUST_CHECK int store_profiles(struct store *st, struct store_profile **out, size_t *n);
/* An evenly spaced sample of k profiles in customer order: profile floor(i * total / k) for
 * i < k, all of them when there are no more than k; only customer_id, segment, purchases and
 * spend_cents are filled. One snapshot; *total gets the number of profiles. Caller frees. */
SHOP_MUST_CHECK int store_profile_sample(struct store *st, size_t k, struct store_profile **out,
                                         size_t *n, int64_t *total);

/* time of the latest purchase (0 when none) */
SHOP_MUST_CHECK int store_last_purchase_at(struct store *st, int64_t *out);
/* customers (ids ascending) with a purchase at or after `since`; caller frees */
SHOP_MUST_CHECK int store_customers_buying_since(struct store *st, int64_t since, int64_t **ids,
                                                 size_t *n);

/* a trained model as an opaque blob (k-means centres, the demand booster ...) */
SHOP_MUST_CHECK int store_model_put(struct store *st, const char *name, int version,
                                    const void *data, size_t n, const char *info_json,
                                    int64_t at);
/* *data is malloc'ed (caller frees); *info too when info is not NULL. SHOP_ENOTFOUND. */
SHOP_MUST_CHECK int store_model_get(struct store *st, const char *name, int *version,
                                    void **data, size_t *n, char **info);

/* ---- KPIs: the numbers behind the dashboard for [from, to) ---- */
#define STORE_KPI_TOP 5
#define STORE_KPI_MAX_GROUPS 16

struct store_kpi_product {
    int64_t id;
    char name[64];
    int64_t units, revenue_cents;
    int64_t tries;      /* try-ons in the range */
    int64_t stock;      /* now */
    int64_t stock_by_size[8]; /* now, in the order of store_kpi.sizes */
};

struct store_kpi_group {
    char key[24];
    int64_t units, revenue_cents;
};

struct store_kpi {
    int64_t from, to;
    int64_t sessions, converted_sessions, purchases, items_sold, revenue_cents;
    double avg_item_price_cents, avg_basket_cents, conversion; /* 0 when undefined */
    int64_t customers_buying;
    /* by dimension: [0] category, [1] fabric, [2] gender, [3] season */
    int ngroups[4];
    struct store_kpi_group groups[4][STORE_KPI_MAX_GROUPS];
    /* every product, by id: units, revenue, tries in range, stock now */
    size_t nproducts;
    struct store_kpi_product *products; /* owned: free with store_kpi_release */
    int nsizes;
    char sizes[8][8];
    int64_t emotions[3];    /* frustration, happiness, surprise events in range */
    int64_t dominant[7];    /* events by dominant emotion: neutral .. surprised */
    int64_t alerts_open, alerts_acknowledged, alerts_resolved; /* raised in range */
};
/* Fills *out for times in [from, to) (unix seconds). Whole days come from the daily
 * aggregates, the parts of a day at either end from the rows; the buyers count, the stock
 * and the alerts are read from the rows (indexed). Caller releases. */
SHOP_MUST_CHECK int store_kpi_get(struct store *st, int64_t from, int64_t to, struct store_kpi *out);
/* the same computed from the rows only (slow on a big store: for checks and tests) */
SHOP_MUST_CHECK int store_kpi_scan(struct store *st, int64_t from, int64_t to,
                                   struct store_kpi *out);
/* the day of a unix time, as the daily aggregates count it (times after 1970) */
int64_t store_day_of(int64_t t);
void store_kpi_release(struct store_kpi *k);
/* ---- baskets (analytics/rules) ---- */
/* Calls fn for each purchase made in [from, to), by purchase id, with its distinct product
 * ids in ascending order (products is valid during the call only). Purchases without lines
 * are skipped. A non-zero return of fn stops the walk and is returned. */
SHOP_MUST_CHECK int store_baskets(struct store *st, int64_t from, int64_t to,
                                  int (*fn)(void *ctx, int64_t purchase_id,
                                            const int64_t *products, size_t n),
                                  void *ctx);
/* ---- end baskets ---- */

/* ---- recommender inputs and outputs ---- */
/* every purchase line of a known customer, by purchase time then purchase id */
SHOP_MUST_CHECK int store_lines_foreach(struct store *st,
                                        void (*fn)(void *ctx, int64_t purchase_id,
                                                   int64_t customer_id, int64_t at,
                                                   int64_t product_id, double discount),
                                        void *ctx);
/* items in stock of one size, per product (now: for what a request shows) */
SHOP_MUST_CHECK int store_stock_of_size(struct store *st, const char *size,
                                        void (*fn)(void *ctx, int64_t product_id,
                                                   int64_t count),
                                        void *ctx);
/* items in stock per (product, size) */
SHOP_MUST_CHECK int store_stock_foreach(struct store *st,
                                        void (*fn)(void *ctx, int64_t product_id,
                                                   const char *size, int64_t count),
                                        void *ctx);

struct store_reco {
    int64_t product_id;
    double score;
    char reason[96];
    double discount;     /* promotions only, 0..1 */
    int64_t price_cents; /* promotions: the promotion price */
};
/* Replaces a customer's stored promotions and recommendations, atomically (its own
 * transaction level). Promotions are valid until valid_until. */
SHOP_MUST_CHECK int store_reco_save(struct store *st, int64_t customer_id,
                                    const struct store_reco *promos, int npromos,
                                    const struct store_reco *recs, int nrecs, int64_t now,
                                    int64_t valid_until);
/* the stored ones, ranked; *np and *nr get the counts (at most cap each) */
SHOP_MUST_CHECK int store_reco_get(struct store *st, int64_t customer_id,
                                   struct store_reco *promos, int *np, struct store_reco *recs,
                                   int *nr, int cap);

/* ---- walking paths ---- */
struct store_track {
    size_t n;
    int64_t *session; /* [n], grouped by session, ordered by t inside a session */
    double *t, *x, *y;
};
/* Positions of tracked sessions that started in [from, to), of one customer (customer_id
 * > 0) or one session (session_id > 0) or all. Caller releases. */
SHOP_MUST_CHECK int store_tracks(struct store *st, int64_t customer_id, int64_t session_id,
                                 int64_t from, int64_t to, struct store_track *out);
void store_track_release(struct store_track *t);
/* one session's positions ordered by t (an index lookup); caller releases */
SHOP_MUST_CHECK int store_session_track(struct store *st, int64_t session_id,
                                        struct store_track *out);
/* SHOP_ENOTFOUND when there is no such session */
SHOP_MUST_CHECK int store_session_started(struct store *st, int64_t session_id,
                                          int64_t *started_at);

/* ---- daily floor aggregates (written by analytics/floor.c) ---- */
/* A day with walking paths: the samples of the sessions started that day, their dwell grid
 * (seconds per cell, unsmoothed) and zone statistics. A stale day has been marked for
 * recomputation from the positions: its numbers are 0 and it has no grid or zone rows. */
struct store_floor_day {
    int64_t day;
    int stale;
    int64_t positions, sessions, outside;
    double cell; /* the grid's cell, metres */
    int rows, cols;
    const double *grid; /* [rows * cols]; NULL when none. Borrowed: valid during the call */
};
/* the days in [d0, d1) that have a row, in day order; a non-zero return of fn stops the walk
 * and is returned */
SHOP_MUST_CHECK int store_floor_days(struct store *st, int64_t d0, int64_t d1,
                                     int (*fn)(void *ctx, const struct store_floor_day *d),
                                     void *ctx);
/* zone visits, sessions, dwell and converted sessions summed over [d0, d1), one call per
 * zone name */
SHOP_MUST_CHECK int store_floor_zone_sums(struct store *st, int64_t d0, int64_t d1,
                                          void (*fn)(void *ctx, const char *zone,
                                                     int64_t visits, int64_t sessions,
                                                     double dwell, int64_t converted),
                                          void *ctx);
/* zone-to-zone transitions summed over [d0, d1) */
SHOP_MUST_CHECK int store_floor_transition_sums(struct store *st, int64_t d0, int64_t d1,
                                                void (*fn)(void *ctx, const char *from,
                                                           const char *to, int64_t n),
                                                void *ctx);
/* the zone statistics of a day: n zones, transitions [n * n] as [from * n + to] */
struct store_floor_zones {
    int n;
    const char *const *name;
    const int64_t *visits, *sessions;
    const int64_t *converted; /* visiting sessions with a purchase; NULL: none */
    const double *dwell;
    const int64_t *transitions;
};
/* Replaces a day's aggregate (not stale any more), atomically; a day with 0 positions is
 * removed. `at` is recorded as the grid's time. */
SHOP_MUST_CHECK int store_floor_day_put(struct store *st, const struct store_floor_day *d,
                                        const struct store_floor_zones *z, int64_t at);
/* marks a day for recomputation (positions written without updating its aggregate) */
SHOP_MUST_CHECK int store_floor_day_stale(struct store *st, int64_t day);
/* ==== dynamic pricing (store_pricing.c; used by analytics/pricing.c) ==== */
/* one product-day for the demand model: a daily_prices row with the units sold that day */
struct store_demand_row {
    int64_t day, product_id;
    int64_t list_cents, price_cents; /* list price, and the price charged that day */
    double discount;
    int64_t stock_start;
    int64_t units; /* purchase lines of the product that day (0 when none) */
};
/* Calls fn for every daily_prices row with stock_start > 0 (days out of stock say nothing
 * about demand), ordered by day then product. */
SHOP_MUST_CHECK int store_demand_rows(struct store *st,
                                      void (*fn)(void *ctx, const struct store_demand_row *r),
                                      void *ctx);
/* the last day with daily prices; *out = def when there is none */
SHOP_MUST_CHECK int store_demand_last_day(struct store *st, int64_t def, int64_t *out);
/* the number of purchase lines (to tell "no sales" from "no model data") */
SHOP_MUST_CHECK int store_demand_sales_count(struct store *st, int64_t *out);
/* Saves the demand model as models row 'demand' (version + 1 when one exists); sets
 * *version when not NULL. */
SHOP_MUST_CHECK int store_demand_model_save(struct store *st, const void *data, size_t n,
                                            const char *info, int64_t at, int64_t *version);
/* Reads model 'demand': *data (caller frees) and *n; *info (caller frees, "" when none) when
 * info is not NULL. SHOP_ENOTFOUND when no model was trained. */
SHOP_MUST_CHECK int store_demand_model_load(struct store *st, void **data, size_t *n,
                                            char **info, int64_t *version, int64_t *trained_at);
/* the stored model's version and training time without its blob (a cache's key);
 * SHOP_ENOTFOUND when no model was trained */
SHOP_MUST_CHECK int store_demand_model_stamp(struct store *st, int64_t *version,
                                             int64_t *trained_at);

struct store_price_change {
    int64_t id; /* assigned on add */
    int64_t product_id;
    int64_t old_cents, new_cents, suggested_cents;
    double demand_old, demand_new; /* predicted units per day at old and suggested price */
    double profit_old, profit_new; /* predicted profit per day, cents */
    char rule[32];                 /* the business rule that bound the suggestion */
    int applied;
    int64_t changed_at;
};
SHOP_MUST_CHECK int store_price_history_add(struct store *st, struct store_price_change *c);
/* the history of one product (product_id > 0) or of all, oldest first; caller frees *out */
SHOP_MUST_CHECK int store_price_history(struct store *st, int64_t product_id,
                                        struct store_price_change **out, size_t *n);
/* ==== end of dynamic pricing ==== */
/* ==== identity: face consents, templates, photos, privacy audit, alert handling ==== */
/* (src/store/store_face.c and store_sales.c; owned by the identity module)              */
#define STORE_FACE_DIM 128

struct store_face_template {
    int64_t id;          /* assigned on add */
    int64_t customer_id;
    char phase[12];      /* straight, left, right, file */
    float descriptor[STORE_FACE_DIM];
    double quality;      /* sharpness (variance of the Laplacian) */
    int64_t created_at;
};

/* Records (or renews) a customer's biometric consent with the consent text's version and
 * writes a 'consent' audit row. SHOP_ENOTFOUND when there is no such customer. */
SHOP_MUST_CHECK int store_face_consent_set(struct store *st, int64_t customer_id,
                                           const char *version, const char *actor, int64_t at);
/* The consent's version (copied into version, n bytes) and time; SHOP_ENOTFOUND when the
 * customer has not consented (or withdrew). version may be NULL. */
SHOP_MUST_CHECK int store_face_consent_get(struct store *st, int64_t customer_id,
                                           char *version, size_t n, int64_t *at);
/* Adds one template (128 float32 little-endian, sealed with the customer's key, made on
 * first use); sets t->id. SHOP_ECONFLICT when the customer has no consent, SHOP_EIO when
 * the key file cannot be written. */
SHOP_MUST_CHECK int store_face_template_add(struct store *st, struct store_face_template *t);
/* Deletes a customer's templates with secure_delete on (re-registration); inside the
 * caller's transaction. *n gets the count (n may be NULL). */
SHOP_MUST_CHECK int store_face_templates_clear(struct store *st, int64_t customer_id, int64_t *n);
/* Calls fn for every template, by id, opened with its customer's key (read once for the
 * walk); a template whose key is gone is skipped. A non-zero return of fn stops the walk
 * and is returned. t is valid during the call only. */
SHOP_MUST_CHECK int store_face_templates_foreach(struct store *st,
                                                 int (*fn)(void *ctx,
                                                           const struct store_face_template *t),
                                                 void *ctx);
/* Stores a raw photo (only when the operator turned that on), sealed like templates.
 * SHOP_ECONFLICT without consent. */
SHOP_MUST_CHECK int store_face_photo_add(struct store *st, int64_t customer_id, const void *data,
                                         size_t n, int64_t at);
/* a customer's stored templates and photos */
SHOP_MUST_CHECK int store_face_counts(struct store *st, int64_t customer_id, int64_t *templates,
                                      int64_t *photos);
/* what an erasure found and did */
struct store_face_erasure {
    int64_t templates, photos;  /* rows deleted */
    int64_t consent;            /* 1 when a consent was withdrawn */
    int64_t emotion_events;     /* rows deleted (recorded under the consent) */
    int64_t alerts;             /* alerts anonymised: no customer, session or event any more */
    int64_t keys;               /* keys destroyed (crypto-shredding) */
    int64_t plain_rows;         /* templates from before sealing (schema v1) */
    int nothing;                /* 1: there was no face data at all; nothing written, no audit */
    int complete;               /* 1: no deleted byte is left in any file; 0: pending */
    int64_t audit_id;           /* the audit row (0 when nothing) */
};
/* Right to erasure, in one transaction: destroys the customer's key (the sealed templates
 * and photos become unreadable at once, wherever SQLite left copies: main file, WAL, old
 * snapshots held by other connections), deletes the templates, photos, consent and emotion
 * events, anonymises the customer's alerts (customer, session and event cleared, resolution
 * notes replaced), with secure_delete on, and writes an audit row (action 'delete' or
 * 'purge', counts only, no biometric data) in state 'pending'. Then a truncating WAL
 * checkpoint (waiting briefly for readers) moves the zeroed pages into the main file: when
 * it runs, the row becomes 'complete' and out->complete is 1; while another connection
 * reads an older snapshot it cannot, and the erasure stays pending (the deleted emotion
 * rows, alert links and unsealed v1 templates are still in the files) until
 * store_face_complete_pending. A customer without any face data gets out->nothing = 1 and
 * no audit row. Not inside a caller's transaction. SHOP_ENOTFOUND for an unknown customer;
 * an error (nothing reported as erased) when the key cannot be destroyed. */
SHOP_MUST_CHECK int store_face_forget(struct store *st, int64_t customer_id, const char *action,
                                      const char *actor, int64_t at,
                                      struct store_face_erasure *out);
/* customers with a consent whose last visit (or consent, when never seen) is before
 * `before`, ids ascending; caller frees *ids */
SHOP_MUST_CHECK int store_face_expired(struct store *st, int64_t before, int64_t **ids,
                                       size_t *n);
/* checkpoints the WAL into the main file and truncates it; SHOP_EBUSY when a reader holds
 * it */
SHOP_MUST_CHECK int store_face_checkpoint(struct store *st);
/* Completes pending erasures: when there are any, tries the checkpoint (waiting briefly);
 * when it runs, marks their audit rows 'complete' at `at`. *done gets how many completed,
 * *left how many are still held up by a reader (not an error). */
SHOP_MUST_CHECK int store_face_complete_pending(struct store *st, int64_t at, int64_t *done,
                                                int64_t *left);
/* Many small reads as one: a read transaction when the handle is outside any transaction
 * (*began = 1; no write until store_snapshot_end), else the caller's (*began = 0). Saves a
 * lock and unlock of the file per statement. */
SHOP_MUST_CHECK int store_snapshot_begin(struct store *st, int *began);
void store_snapshot_end(struct store *st, int began);
/* A read transaction: this handle sees one snapshot until store_read_end (what a server's
 * long request does; tests use it to play the concurrent reader). */
SHOP_MUST_CHECK int store_read_begin(struct store *st);
void store_read_end(struct store *st);
/* the key file's path, for operators and tests: '<db>-keys' */
void store_face_keys_path(const struct store *st, char *buf, size_t n);

struct store_privacy_event {
    int64_t id, customer_id, at;
    char action[16], actor[64], detail[128];
    char state[12];       /* erasures: "pending" or "complete"; "" for other actions */
    int64_t completed_at; /* when a pending erasure completed, else 0 */
};
SHOP_MUST_CHECK int store_privacy_audit_add(struct store *st, int64_t customer_id,
                                            const char *action, const char *actor, int64_t at,
                                            const char *detail);
/* the audit rows of one customer (0: all), by id; caller frees *out */
SHOP_MUST_CHECK int store_privacy_audit(struct store *st, int64_t customer_id,
                                        struct store_privacy_event **out, size_t *n);

/* Alerts: acknowledge an open alert (SHOP_ENOTFOUND when no such open alert). */
SHOP_MUST_CHECK int store_alert_acknowledge(struct store *st, int64_t alert_id, const char *staff,
                                            int64_t at);
struct store_alert_row {
    struct store_alert a;
    char acknowledged_by[64];
    int64_t acknowledged_at;     /* 0 when not */
    char resolved_by[64], note[256];
    int64_t resolved_at;         /* 0 when not */
};
/* alerts with the given status ("open", "acknowledged", "resolved", NULL or "" = all),
 * newest first, at most limit; caller frees *out */
SHOP_MUST_CHECK int store_alerts_list(struct store *st, const char *status, size_t limit,
                                      struct store_alert_row **out, size_t *n);
SHOP_MUST_CHECK int store_alert_get(struct store *st, int64_t alert_id,
                                    struct store_alert_row *out);
/* What changed in the alerts since a cursor, for a process that shows them live while
 * another process (the CLI) may raise, acknowledge or resolve them: alerts with an id over
 * alert_id (raised), alerts acknowledged at or after ack_at, resolutions with an id over
 * resolution_id. store_alert_cursor_now gives the cursor of the store as it is. */
struct store_alert_cursor {
    int64_t alert_id, resolution_id, ack_at;
};
enum store_alert_change_kind { STORE_ALERT_RAISED = 0, STORE_ALERT_ACKED, STORE_ALERT_RESOLVED };
struct store_alert_change {
    enum store_alert_change_kind kind;
    struct store_alert_row row;
};
SHOP_MUST_CHECK int store_alert_cursor_now(struct store *st, struct store_alert_cursor *out);
/* at most max changes, raised first; *cur moves past what was returned; caller frees *out */
SHOP_MUST_CHECK int store_alert_changes(struct store *st, struct store_alert_cursor *cur,
                                        size_t max, struct store_alert_change **out,
                                        size_t *n);
/* SQLite's data_version: changes when another connection commits (a cheap "anything new?") */
SHOP_MUST_CHECK int store_data_version(struct store *st, int64_t *out);
/* ==== end identity ==== */

/* ==== accounts: dashboard users, login sessions, mirror devices, PINs (store_auth.c) ==== */
struct store_user {
    int64_t id; /* assigned on add */
    char username[64];
    char role[16]; /* manager, staff */
    int64_t created_at;
};
/* SHOP_ECONFLICT when the username is taken; sets u->id */
SHOP_MUST_CHECK int store_user_add(struct store *st, struct store_user *u,
                                   const char *password_hash);
/* the user and (when hash is not NULL) the password hash; SHOP_ENOTFOUND */
SHOP_MUST_CHECK int store_user_by_name(struct store *st, const char *username,
                                       struct store_user *out, char *hash, size_t hash_n);
SHOP_MUST_CHECK int store_user_get(struct store *st, int64_t id, struct store_user *out);
/* all users by id; caller frees *out */
SHOP_MUST_CHECK int store_users(struct store *st, struct store_user **out, size_t *n);
/* number of users (managers only when managers_only) */
SHOP_MUST_CHECK int store_user_count(struct store *st, int managers_only, int64_t *n);
/* replaces the password hash and ends the user's login sessions (one transaction) */
SHOP_MUST_CHECK int store_user_set_password(struct store *st, int64_t id,
                                            const char *password_hash);
/* removes the user and (cascade) their sessions; SHOP_ENOTFOUND */
SHOP_MUST_CHECK int store_user_remove(struct store *st, int64_t id);

struct store_auth_session {
    int64_t id;
    struct store_user user;
    char csrf[48];
    int64_t expires_at, last_seen_at;
};
SHOP_MUST_CHECK int store_auth_session_add(struct store *st, const char *token_hash,
                                           int64_t user_id, const char *csrf, int64_t now,
                                           int64_t expires_at);
/* the unexpired session of a token hash with its user; SHOP_ENOTFOUND */
SHOP_MUST_CHECK int store_auth_session_get(struct store *st, const char *token_hash,
                                           int64_t now, struct store_auth_session *out);
SHOP_MUST_CHECK int store_auth_session_touch(struct store *st, int64_t id, int64_t now,
                                             int64_t expires_at);
SHOP_MUST_CHECK int store_auth_session_remove(struct store *st, const char *token_hash);
SHOP_MUST_CHECK int store_auth_sessions_expire(struct store *st, int64_t now);

struct store_device {
    int64_t id; /* assigned on add */
    char name[32];
    char location[48];
    int64_t created_at, revoked_at, last_seen_at; /* 0 = not revoked / never seen */
};
/* SHOP_ECONFLICT when the name is taken; sets d->id */
SHOP_MUST_CHECK int store_device_add(struct store *st, struct store_device *d,
                                     const char *token_hash);
/* the paired (not revoked) device of a token hash; SHOP_ENOTFOUND */
SHOP_MUST_CHECK int store_device_by_token(struct store *st, const char *token_hash,
                                          struct store_device *out);
SHOP_MUST_CHECK int store_device_get(struct store *st, int64_t id, struct store_device *out);
/* all devices by id, revoked ones too; caller frees *out */
SHOP_MUST_CHECK int store_devices(struct store *st, struct store_device **out, size_t *n);
/* SHOP_ENOTFOUND when there is no such paired device */
SHOP_MUST_CHECK int store_device_revoke(struct store *st, int64_t id, int64_t at);
SHOP_MUST_CHECK int store_device_seen(struct store *st, int64_t id, int64_t at);

/* a customer's PIN hash (set or replaced); SHOP_ENOTFOUND for an unknown customer */
SHOP_MUST_CHECK int store_customer_pin_set(struct store *st, int64_t customer_id,
                                           const char *pin_hash, int64_t at);
SHOP_MUST_CHECK int store_customer_pin_get(struct store *st, int64_t customer_id, char *hash,
                                           size_t n);
/* the customer with this e-mail (case-insensitive); SHOP_ENOTFOUND */
SHOP_MUST_CHECK int store_customer_by_email(struct store *st, const char *email, int64_t *id);
/* ==== end accounts ==== */

/* ==== dashboard queries (store_dash.c): what the Manager Dashboard reads ==== */
/* sales of one day (day = days since 1970-01-01) */
struct store_sales_day {
    int64_t day, purchases, units, revenue_cents;
};
/* days with sales in [from, to), ascending; caller frees *out */
SHOP_MUST_CHECK int store_sales_daily(struct store *st, int64_t from, int64_t to,
                                      struct store_sales_day **out, size_t *n);
enum store_dim { STORE_DIM_CATEGORY, STORE_DIM_FABRIC, STORE_DIM_GENDER, STORE_DIM_SEASON };
/* units and revenue in [from, to) by one product attribute, by revenue descending then
 * key; caller frees *out (uses struct store_kpi_group) */
SHOP_MUST_CHECK int store_sales_by(struct store *st, enum store_dim dim, int64_t from,
                                   int64_t to, struct store_kpi_group **out, size_t *n);
/* a product with its sales and try-ons in a range */
struct store_product_sales {
    int64_t id;
    char name[64];
    char category[16], gender[8], fabric[16], season[16];
    int64_t price_cents;
    int64_t units, revenue_cents, tries;
};
/* every product by id with units, revenue and try-ons in [from, to); caller frees *out */
SHOP_MUST_CHECK int store_sales_products(struct store *st, int64_t from, int64_t to,
                                         struct store_product_sales **out, size_t *n);
/* every (product, size) ever stocked, by product then size, with the items of it in stock
 * now (0 for a sold-out size) */
SHOP_MUST_CHECK int store_stock_sizes_foreach(struct store *st,
                                              void (*fn)(void *ctx, int64_t product_id,
                                                         const char *size, int64_t in_stock),
                                              void *ctx);
/* the sizes items come in, garment order (at most cap); *n gets the count */
SHOP_MUST_CHECK int store_sizes(struct store *st, char (*sizes)[8], int cap, int *n);

/* a customer's profile with their name (dashboard lists) */
struct store_profile_row {
    struct store_profile p;
    char name[64];
    char email[96];
};
enum store_profile_sort { STORE_PROFILES_BY_ID, STORE_PROFILES_BY_SPEND };
/* Profiles whose customer's name or e-mail contains q (NULL or "": all) and whose segment is
 * `segment` (< 0: any), sorted, at most limit from offset; *total gets the number matching.
 * Caller frees *out. */
SHOP_MUST_CHECK int store_profile_rows(struct store *st, const char *q, int segment,
                                       enum store_profile_sort sort, int64_t limit,
                                       int64_t offset, struct store_profile_row **out,
                                       size_t *n, int64_t *total);
/* The profile rows (as store_profile_rows) of the customers ids[0..n), in that order; those
 * without a profile are skipped (*got tells how many were found). Caller frees *out. */
SHOP_MUST_CHECK int store_profile_rows_by_id(struct store *st, const int64_t *ids, size_t n,
                                             struct store_profile_row **out, size_t *got);
struct store_profile_summary {
    int64_t customers, buyers;  /* profiles, and those with a purchase */
    double avg_spend_cents, avg_purchases, avg_items, avg_discount; /* over buyers */
    int64_t updated_at;         /* the newest profile, 0 when none */
};
/* The summary and, when prefs is not NULL, the buyers by preferred category (prefs[0]),
 * fabric (1) and size (2), most first then by key (units = customers, revenue_cents = their
 * spend; buyers without that preference are not counted); one walk of the profiles. Caller
 * frees prefs[i]. */
SHOP_MUST_CHECK int store_profile_summary(struct store *st, struct store_profile_summary *out,
                                          struct store_kpi_group *prefs[3], size_t nprefs[3]);

/* one line of a customer's purchase */
struct store_purchase_line {
    int64_t purchase_id, purchased_at, total_cents;
    int64_t product_id;
    char product_name[64], size[8];
    int64_t list_cents, price_cents;
    double discount;
};
/* The lines of a customer's purchases, newest purchase first, at most `limit` purchases
 * from `offset`; *purchases gets the customer's purchase count. Caller frees *out. */
SHOP_MUST_CHECK int store_customer_lines(struct store *st, int64_t customer_id, int64_t limit,
                                         int64_t offset, struct store_purchase_line **out,
                                         size_t *n, int64_t *purchases);
/* sessions started in [from, to) with a purchase, ids ascending; caller frees *ids */
SHOP_MUST_CHECK int store_sessions_converted(struct store *st, int64_t from, int64_t to,
                                             int64_t **ids, size_t *n);
/* *yes = 1 when the session has a purchase made at `since` or later, else 0 */
SHOP_MUST_CHECK int store_session_converted(struct store *st, int64_t session_id, int64_t since,
                                            int *yes);
/* a session; SHOP_ENOTFOUND */
SHOP_MUST_CHECK int store_session_get(struct store *st, int64_t id, struct store_session *out);

/* emotion events: counts, sums of scores and probabilities per (group, dominant) */
struct store_emotion_agg {
    char grp[16], dominant[16];
    int64_t events;
    double score_sum;
    double p_sum[7];
};
/* events in [from, to) aggregated by group and dominant emotion; caller frees */
SHOP_MUST_CHECK int store_emotion_aggs(struct store *st, int64_t from, int64_t to,
                                       struct store_emotion_agg **out, size_t *n);
/* Events in [from, to) of one group (grp NULL: all) or of one session (session_id > 0:
 * oldest first; else newest first), at most limit from offset; *total gets the number
 * matching. Caller frees *out. */
SHOP_MUST_CHECK int store_emotion_events(struct store *st, int64_t from, int64_t to,
                                         const char *grp, int64_t session_id, int64_t limit,
                                         int64_t offset, struct store_emotion_event **out,
                                         size_t *n, int64_t *total);
/* sessions with emotion events in [from, to): most events first */
struct store_emotion_session {
    int64_t session_id, customer_id, events, first_at, last_at;
    char customer_name[64];
    int64_t by_group[3]; /* frustration, happiness, surprise */
};
SHOP_MUST_CHECK int store_emotion_sessions(struct store *st, int64_t from, int64_t to,
                                           int64_t limit, struct store_emotion_session **out,
                                           size_t *n);
/* alerts raised in [from, to) by status: open, acknowledged, resolved */
SHOP_MUST_CHECK int store_alert_counts(struct store *st, int64_t from, int64_t to,
                                       int64_t counts[3]);

/* association rules as stored (assoc_rules) */
struct store_assoc_rule {
    int64_t id;
    char antecedent[256]; /* product ids separated by spaces, ascending */
    int64_t consequent;
    double support, confidence, lift;
    int64_t count, mined_at;
};
/* Replaces the stored rules with these (inside the caller's transaction). */
SHOP_MUST_CHECK int store_assoc_rules_replace(struct store *st, const struct store_assoc_rule *r,
                                              size_t n);
enum store_rule_sort { STORE_RULES_BY_LIFT, STORE_RULES_BY_CONFIDENCE, STORE_RULES_BY_SUPPORT };
/* stored rules with product_id on either side (0: all), sorted (descending, then id), at
 * most limit from offset; *total gets the number matching. Caller frees *out. */
SHOP_MUST_CHECK int store_assoc_rules(struct store *st, int64_t product_id,
                                      enum store_rule_sort sort, int64_t limit, int64_t offset,
                                      struct store_assoc_rule **out, size_t *n, int64_t *total);

/* a stored model's version, training time and info JSON (*info caller frees) without its
 * data; SHOP_ENOTFOUND */
SHOP_MUST_CHECK int store_model_info(struct store *st, const char *name, int64_t *version,
                                     int64_t *trained_at, char **info);
/* the price history, newest first, of one product (product_id > 0) or all, at most limit
 * from offset; *total gets the count. Caller frees *out. */
SHOP_MUST_CHECK int store_price_history_page(struct store *st, int64_t product_id,
                                             int64_t limit, int64_t offset,
                                             struct store_price_change **out, size_t *n,
                                             int64_t *total);
/* ==== end dashboard ==== */
/* ==== shop: catalogue queries, carts and checkout (store_shop.c; used by src/shop) ==== */
struct store_product_filter {
    const char *gender, *category, *fabric, *season; /* NULL or "": any */
    const char *size;      /* NULL or "": any; else an item of that size in stock */
    int64_t limit, offset; /* limit > 0 */
};
/* The products matching f, by id, at most f->limit from f->offset, with their stock;
 * *total gets the number of all matches. Caller frees *out. */
SHOP_MUST_CHECK int store_products_find(struct store *st, const struct store_product_filter *f,
                                        struct store_product **out, size_t *n, int64_t *total);
/* in-stock items per (product, size) of the products with ids in [lo, hi], by product */
SHOP_MUST_CHECK int store_stock_by_size(struct store *st, int64_t lo, int64_t hi,
                                        void (*fn)(void *ctx, int64_t product_id,
                                                   const char *size, int64_t count),
                                        void *ctx);
/* the lowest valid (valid_until > now) promotion price of each product of a customer's
 * stored promotions, by product: calls fn */
SHOP_MUST_CHECK int store_promotions_valid(struct store *st, int64_t customer_id, int64_t now,
                                           void (*fn)(void *ctx, int64_t product_id,
                                                      int64_t price_cents, double discount,
                                                      const char *reason),
                                           void *ctx);
/* customers whose name or e-mail contains q (case-insensitive; NULL or "": all), by id, at
 * most limit from offset; *total gets the number of all matches. Caller frees *out. */
SHOP_MUST_CHECK int store_customers_find(struct store *st, const char *q, int64_t limit,
                                         int64_t offset, struct store_customer **out,
                                         size_t *n, int64_t *total);

struct store_cart {
    int64_t id, session_id, customer_id, purchase_id; /* purchase_id 0 until bought */
    char status[8];                                   /* open, bought, closed */
    int64_t created_at, updated_at;
};
/* the cart of a session; SHOP_ENOTFOUND when it has none */
SHOP_MUST_CHECK int store_cart_get(struct store *st, int64_t session_id, struct store_cart *out);
/* adds an open cart for c->session_id (sets c->id); SHOP_ECONFLICT when it has one */
SHOP_MUST_CHECK int store_cart_add(struct store *st, struct store_cart *c);
/* open -> bought (with the purchase) or closed; SHOP_ECONFLICT when the cart is not open */
SHOP_MUST_CHECK int store_cart_finish(struct store *st, int64_t cart_id, const char *status,
                                      int64_t purchase_id, int64_t at);

struct store_cart_line {
    int64_t item_id, product_id;
    char name[64];
    char size[4];
    int sold;                 /* the item is no longer in stock */
    int64_t list_cents;       /* the product's current price */
    int64_t promo_cents;      /* the customer's valid promotion price, 0 when none */
    int64_t added_at, reserved_until;
};
/* a cart's lines in the order they were added; caller frees *out. Promotions are the cart's
 * customer's, valid at now. */
SHOP_MUST_CHECK int store_cart_lines(struct store *st, int64_t cart_id, int64_t now,
                                     struct store_cart_line **out, size_t *n);
/* One in-stock item of product/size that the cart may take at `now`: not in the cart, and
 * in no other open cart with an unexpired reservation (free items first, then expired
 * reservations, lowest id first). SHOP_ENOTFOUND when there is none; *in_stock gets the
 * number of in-stock items of that size (reserved or not). */
SHOP_MUST_CHECK int store_cart_pick(struct store *st, int64_t cart_id, int64_t product_id,
                                    const char *size, int64_t now, int64_t *item_id,
                                    int64_t *in_stock);
/* Reserves item for the cart until `until` (taking over an expired or dead reservation
 * of another cart). Inside the caller's transaction. */
SHOP_MUST_CHECK int store_cart_reserve(struct store *st, int64_t cart_id, int64_t item_id,
                                       int64_t now, int64_t until);
/* drops an item from a cart; SHOP_ENOTFOUND when it is not in it */
SHOP_MUST_CHECK int store_cart_release(struct store *st, int64_t cart_id, int64_t item_id);
/* drops every item of a cart (reservations end) */
SHOP_MUST_CHECK int store_cart_release_all(struct store *st, int64_t cart_id);
/* renews every reservation of the cart until `until` and its updated_at */
SHOP_MUST_CHECK int store_cart_renew(struct store *st, int64_t cart_id, int64_t now,
                                     int64_t until);
/* marks an in-stock item sold at `at`; SHOP_ECONFLICT when it is not in stock */
SHOP_MUST_CHECK int store_item_sell(struct store *st, int64_t item_id, int64_t at);
/* ==== end shop ==== */

#endif
