/* store/store_int.h - what the store's own files share: the handle, the statement cache and
 * the bind/column helpers. Not for use outside src/store/. */
#ifndef SHOP_STORE_INT_H
#define SHOP_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/store.h"

/* the statement cache starts with this many slots and doubles when half full */
#define STMT_SLOTS_MIN 256

struct stmt_slot {
    const char *sql; /* the static SQL text; its address is the key */
    sqlite3_stmt *stmt;
};

struct store {
    sqlite3 *db;
    char path[512];
    char errmsg[512];
    int depth;       /* open transaction levels: 0 none, 1 BEGIN, more are savepoints */
    pthread_mutex_t *write_lock; /* shared by the handles of one process (may be NULL) */
    int writable;    /* opened read-write */
    int busy_ms;     /* the busy timeout set on the connection */
    int keys_fd;     /* the face key file, -1 until first used (store_keys.c) */
    char **bulk_sql; /* index definitions dropped by store_bulk_begin */
    int nbulk;
    int bulk_depth;  /* the level store_bulk_begin ran at */
    struct stmt_slot *cache; /* open addressing by the SQL text's address */
    size_t cache_cap, cache_used;
    int64_t data_version; /* PRAGMA data_version at the last store_data_moved, -1 before */
};

/* The prepared statement for a static SQL text, prepared on first use and kept for the
 * handle's life (the cache grows as needed). Returns NULL (message in st->errmsg) when it
 * cannot be prepared. Reset it with stmt_done() after use. */
sqlite3_stmt *stmt_get(struct store *st, const char *sql);
void stmt_done(sqlite3_stmt *s);

/* bind by name (":name"); an unknown name is our bug and asserts */
void bind_int(sqlite3_stmt *s, const char *name, int64_t v);
void bind_double(sqlite3_stmt *s, const char *name, double v);
void bind_text(sqlite3_stmt *s, const char *name, const char *v); /* NULL or "" binds NULL */
void bind_str(sqlite3_stmt *s, const char *name, const char *v);  /* NULL binds "", "" stays */
void bind_blob(sqlite3_stmt *s, const char *name, const void *p, int n);
void bind_null(sqlite3_stmt *s, const char *name);

/* copy column i as text into buf (empty for NULL) */
void col_text(sqlite3_stmt *s, int i, char *buf, size_t n);

/* Sets the handle's message and this thread's shop_errmsg() (the error convention). */
void store_msg(struct store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* a customer from the columns of CUSTOMER_COLS (store_catalog.c): id, name, email, gender,
 * size, persona, preferred category, fabric and season, created, last seen, simulated */
void store_read_customer(sqlite3_stmt *s, struct store_customer *c);
/* a product from the columns of PRODUCT_COLS (store_catalog.c): id, name, category, gender,
 * fabric, season, base, cost and current price, popularity, zone, x, y, simulated, stock */
void store_read_product(sqlite3_stmt *s, struct store_product *p);
/* a row of customer_profiles' columns in their order (customer_id, segment or NULL, ...,
 * updated_at) from column 0 */
void store_read_profile(sqlite3_stmt *s, struct store_profile *p);
/* a price change from the columns of PRICE_CHANGE_COLS (store_pricing.c) */
#define PRICE_CHANGE_COLS                                                                     \
    "SELECT id, product_id, old_cents, new_cents, coalesce(suggested_cents, new_cents), "     \
    "coalesce(demand_old, 0), coalesce(demand_new, 0), coalesce(profit_old, 0), "            \
    "coalesce(profit_new, 0), rule, applied, changed_at FROM price_history "
struct store_price_change;
struct store_track;
/* appends the rows of s (session, t, x, y) to out and finishes s; on failure releases out
 * and returns store_fail(st, rc, what) */
int store_read_track(struct store *st, sqlite3_stmt *s, struct store_track *out,
                     const char *what);
void store_read_price_change(sqlite3_stmt *s, struct store_price_change *c);

/* Records sqlite's message for rc and maps it to a SHOP_E* code. */
int store_fail(struct store *st, int rc, const char *what);

/* Runs a statement that returns no rows to completion; resets it. */
int stmt_exec(struct store *st, sqlite3_stmt *s, const char *what);

/* single-value query helper: first column of the first row as int64 (def when no row) */
int query_int(struct store *st, const char *sql, int64_t def, int64_t *out);



/* counts a change of what cached engines are built from (store_generation), in the
 * caller's transaction level */
int store_generation_bump(struct store *st);

/* ---- the per-customer keys of face data (store_keys.c; crypto-shredding) ---- */
struct store_key {
    int64_t customer_id;
    unsigned char key[32];
};
/* '<db>-keys' */
void store_keys_path(const struct store *st, char *buf, size_t n);
/* The customer's key into key[32]; with create, a new random key is made (and synced)
 * when there is none. SHOP_ENOTFOUND without one, SHOP_EIO / SHOP_EDB for the file. */
int store_keys_get(struct store *st, int64_t customer_id, int create, unsigned char *key);
/* Overwrites the customer's key(s) with zeros and syncs the file; *n gets how many. */
int store_keys_shred(struct store *st, int64_t customer_id, int64_t *n);
/* Every key, sorted by customer, for store_keys_find; free with store_keys_free(*out, *n),
 * which wipes them. */
int store_keys_load(struct store *st, struct store_key **out, size_t *n);
const unsigned char *store_keys_find(const struct store_key *v, size_t n, int64_t customer_id);
void store_keys_free(struct store_key *v, size_t n);
void store_keys_close(struct store *st);

extern const char store_schema_sql[];
/* the sizes items come in, in garment order (XS, S, M, L, XL, XXL, then others) */
extern const char *const store_sql_sizes;

#endif
