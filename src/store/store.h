/* store/store.h - the SHOPPER data store: SQLite behind domain functions.
 *
 * The only module that includes <sqlite3.h>; the rest of the program never sees SQL.
 *     struct store *st;
 *     if (store_open("shopper.db", STORE_CREATE, &st) != SHOP_OK) -> store_open_error()
 *     store_begin(st); ... store_customer_add(st, &c) ...; store_commit(st);
 *     store_close(st);
 * A handle is used by one thread at a time. Every fallible call returns SHOP_OK or a
 * SHOP_E* code; the handle keeps the last message (store_errmsg). Money is integer cents,
 * times unix seconds UTC, a "day" is days since 1970-01-01.                              */
#ifndef SHOP_STORE_STORE_H
#define SHOP_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define STORE_SCHEMA_VERSION 1

enum store_flags {
    STORE_CREATE = 1, /* create the file (and schema) when missing */
    STORE_WRITE = 2,  /* the caller will write: a read-only file is an error */
};

struct store;

/* Opens (or with STORE_CREATE creates) a store. On failure *out is NULL and the message is
 * in store_open_error() (thread-local). Refuses a database from a newer schema
 * (SHOP_EVERSION), a file that is not a shopper database (SHOP_EDB), a missing file without
 * STORE_CREATE (SHOP_ENOTFOUND), a read-only file with STORE_WRITE (SHOP_EREADONLY). */
SHOP_MUST_CHECK int store_open(const char *path, int flags, struct store **out);
void store_close(struct store *st); /* NULL is a no-op */
const char *store_open_error(void);
const char *store_errmsg(const struct store *st);
int store_schema_version(struct store *st);
/* how long to wait for another process's lock before SHOP_EBUSY (default 5000 ms) */
void store_set_busy_timeout(struct store *st, int ms);

/* Transactions: one at a time (no nesting). begin takes the write lock at once. */
SHOP_MUST_CHECK int store_begin(struct store *st);
SHOP_MUST_CHECK int store_commit(struct store *st);
void store_rollback(struct store *st);

/* meta: small key/value settings. get copies into buf (NUL-terminated); SHOP_ENOTFOUND. */
SHOP_MUST_CHECK int store_meta_get(struct store *st, const char *key, char *buf, size_t n);
SHOP_MUST_CHECK int store_meta_set(struct store *st, const char *key, const char *value);
/* get an integer setting; returns def when missing or not a number */
int64_t store_meta_int(struct store *st, const char *key, int64_t def);

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
SHOP_MUST_CHECK int store_tryon_add(struct store *st, int64_t session_id, int64_t item_id,
                                    int64_t at);

struct store_line {
    int64_t item_id, product_id;
    int64_t list_cents, price_cents;
    double discount;
};
/* Records a purchase and its lines as they are (the caller has marked the items sold);
 * total = sum of line prices. Sets *purchase_id. */
SHOP_MUST_CHECK int store_purchase_add(struct store *st, int64_t session_id, int64_t customer_id,
                                       int64_t at, const struct store_line *lines, int n,
                                       int64_t *purchase_id);
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
    char grp[16], dominant[16];
    double score;
    double p[7]; /* neutral, happy, sad, angry, fearful, disgusted, surprised */
    char mirror[24];
    int simulated;
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
#define STORE_NTABLES 24
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
};
SHOP_MUST_CHECK int store_check_run(struct store *st, struct store_check *out);
/* a 64-bit digest of every table's contents in primary-key order (for "same seed, same
 * database" checks) */
SHOP_MUST_CHECK int store_digest(struct store *st, uint64_t *out);

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

#endif
