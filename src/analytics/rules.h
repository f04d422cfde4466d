/* analytics/rules.h - association rules: frequent itemsets by FP-growth, rules X => y with
 * support, confidence and lift, and a cart lookup for the recommender.
 *
 *     struct rules_baskets *b = rules_baskets_new();
 *     int64_t basket[] = {12, 7, 3};                        -- one purchase's products
 *     if (rules_baskets_add(b, basket, 3) != SHOP_OK) ...
 *     struct rules_params p = RULES_PARAMS_DEFAULT;
 *     if (rules_min_count(0.01, rules_baskets_count(b), &p.min_support) != SHOP_OK) ...
 *     struct rules *r;
 *     if (rules_mine(b, &p, &r) == SHOP_OK) {
 *         struct rules_hit hits[5];
 *         size_t n = rules_match(r, cart, ncart, hits, 5);  -- "bought together with ..."
 *         rules_free(r);
 *     }
 *     rules_baskets_free(b);
 *
 * Conventions (those of Borgelt's fpgrowth and the FIMI tools, so that counts compare number
 * for number): a basket is a set (duplicates are dropped); support is an absolute count of
 * baskets; an itemset is frequent when its support >= min_support; the empty set is not an
 * itemset; a rule X => y has one item on the right and a non-empty X; its support is that of
 * X u {y}; confidence = supp(X u {y}) / supp(X); lift = confidence / (supp({y}) / N).
 *
 * Transaction files: one basket per line, item ids as whole numbers 0 .. 2^63-1 separated by
 * spaces or tabs (CR LF line ends are fine). An empty line is an empty basket (it counts in
 * N, as in the FIMI tools). Anything else on a line (a sign, a letter, a fraction, an id too
 * large, a line longer than RULES_MAX_LINE bytes) is an error naming the line: bad data is
 * not mined silently.
 *
 * Items are int64 ids (product ids for the store). A model is read-only after rules_mine,
 * so several threads may call rules_match on one model at the same time.                  */
#ifndef SHOP_ANALYTICS_RULES_H
#define SHOP_ANALYTICS_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

#define RULES_MAX_LINE (16u << 20)        /* bytes in one line of a transaction file */
#define RULES_MAX_FILE ((size_t)1 << 31)  /* bytes in a transaction file */
#define RULES_MAX_BASKETS (INT32_MAX - 1) /* supports are counted in 32 bits */

/* ---- baskets: the transactions to mine ---- */
struct rules_baskets;

struct rules_baskets *rules_baskets_new(void); /* never NULL */
void rules_baskets_free(struct rules_baskets *b); /* NULL is a no-op */
/* Appends one basket of n items (n may be 0: an empty basket); duplicates are dropped.
 * SHOP_EINVAL for a negative id, SHOP_ETOOBIG past RULES_MAX_BASKETS baskets or 2^31 - 2
 * items in all. */
SHOP_MUST_CHECK int rules_baskets_add(struct rules_baskets *b, const int64_t *items, size_t n);
/* rules_baskets_add as a callback (baskets is a struct rules_baskets *, id is ignored), to
 * feed the store's purchases:  store_baskets(st, from, to, rules_baskets_add_cb, b)       */
int rules_baskets_add_cb(void *baskets, int64_t id, const int64_t *items, size_t n);
/* Reads a transaction file ("-" is stdin) into *out (caller frees with rules_baskets_free).
 * On failure *out is NULL and err holds a one-line message naming the line:
 * SHOP_ENOTFOUND (no such file), SHOP_EIO, SHOP_EINVAL (bad line), SHOP_ETOOBIG. */
SHOP_MUST_CHECK int rules_baskets_read(const char *path, struct rules_baskets **out, char *err,
                                       size_t errn);
/* The parser of rules_baskets_read on len bytes in memory (no NUL needed); path names the
 * source in messages. Same errors. */
SHOP_MUST_CHECK int rules_baskets_parse(const char *buf, size_t len, const char *path,
                                        struct rules_baskets **out, char *err, size_t errn);
size_t rules_baskets_count(const struct rules_baskets *b); /* baskets (N) */
size_t rules_baskets_items(const struct rules_baskets *b); /* distinct items */

/* The absolute minimum support for a --min-support value s and n baskets: s < 1 is a
 * fraction, giving ceil(s * n) (at least 1); s >= 1 is a count and must be whole.
 * SHOP_EINVAL when s <= 0, not finite, or >= 1 with a fraction. */
SHOP_MUST_CHECK int rules_min_count(double s, size_t n, int64_t *out);

/* ---- mining ---- */
struct rules_params {
    int64_t min_support;   /* absolute count >= 1 */
    double min_confidence; /* 0 .. 1 */
    int max_len;           /* longest itemset, 0 = no limit */
    int itemsets_only;     /* count itemsets, keep neither itemsets nor rules (fastest) */
    size_t max_itemsets;   /* kept itemsets (with itemsets_only: itemsets enumerated one by
                              one, those counted in bulk aside): more gives SHOP_ETOOBIG */
    size_t max_rules;      /* kept rules: more gives SHOP_ETOOBIG */
    /* optional: called now and then with the progress (done of total top-level items mined,
     * rarest first: the later ones are the larger part of the work), from the mining thread;
     * the CLI draws a progress bar with it */
    void (*progress)(void *ctx, int64_t done, int64_t total);
    void *progress_ctx;
};
#define RULES_PARAMS_DEFAULT {1, 0.5, 0, 0, (size_t)20000000, (size_t)20000000, NULL, NULL}

struct rules;

/* Mines b (which the model does not keep) into *out; caller frees with rules_free.
 * SHOP_EINVAL for bad params, SHOP_ETOOBIG when the limits are passed (the message says
 * which; raise the minimum support). *out is NULL on failure. */
SHOP_MUST_CHECK int rules_mine(const struct rules_baskets *b, const struct rules_params *p,
                               struct rules **out);
void rules_free(struct rules *r); /* NULL is a no-op */
/* the last error of rules_mine for this thread, "" when none */
const char *rules_errmsg(void);

size_t rules_transactions(const struct rules *r); /* N */
size_t rules_items(const struct rules *r);        /* distinct items in the baskets */
size_t rules_frequent_items(const struct rules *r);
int64_t rules_min_support(const struct rules *r);
uint64_t rules_itemset_count(const struct rules *r); /* frequent itemsets (all lengths) */
size_t rules_rule_count(const struct rules *r);      /* 0 with itemsets_only */
int rules_max_len(const struct rules *r);            /* longest frequent itemset */
/* seconds of CPU spent finding itemsets and generating rules */
double rules_seconds_itemsets(const struct rules *r);
double rules_seconds_rules(const struct rules *r);

/* Calls fn for every frequent itemset (items in descending support order of the items;
 * the array is valid during the call only). Nothing with itemsets_only. */
void rules_itemsets_foreach(const struct rules *r,
                            void (*fn)(void *ctx, const int64_t *items, size_t n,
                                       int64_t support),
                            void *ctx);

/* One rule X => y. Rules are numbered 0 .. rules_rule_count()-1, best first: by lift, then
 * confidence, then support (descending), then a fixed order of the itemsets. */
struct rules_rule {
    size_t n_antecedent; /* |X| >= 1 */
    int64_t consequent;  /* y */
    int64_t support;     /* supp(X u {y}), a count */
    int64_t support_x, support_y;
    double confidence, lift;
};
/* Fills *out for rule i (< rules_rule_count) and copies up to cap antecedent items into
 * items (when not NULL); returns |X|. */
size_t rules_rule_get(const struct rules *r, size_t i, struct rules_rule *out, int64_t *items,
                      size_t cap);

/* A consequent suggested by the rules whose antecedent lies inside a cart. */
struct rules_hit {
    int64_t item;      /* the consequent y, never in the cart */
    double confidence; /* of the best rule for y */
    double lift;
    int64_t support;
    size_t rule;       /* that rule's number, for rules_rule_get */
};
/* For a cart (any ids; unknown ones are ignored, duplicates fine), every rule X => y with
 * X inside the cart and y outside it; one hit per y from its best rule (highest confidence,
 * then lift, then support), sorted the same way. Writes at most cap hits and returns how many
 * it wrote. Allocates a little scratch memory; never fails. */
size_t rules_match(const struct rules *r, const int64_t *cart, size_t n, struct rules_hit *out,
                   size_t cap);
/* The support of an itemset (any order, duplicates fine); 0 when it is not frequent (or
 * the model was mined with itemsets_only). */
int64_t rules_support(const struct rules *r, const int64_t *items, size_t n);

/* Writes every itemset and rule to f, in text ("itemset SUPPORT ITEM...", "rule SUPPORT
 * CONFIDENCE LIFT CONSEQUENT <= ANTECEDENT...", after '#' header lines) or as one JSON
 * object {"transactions","min_support","itemsets":[{"items","support"}],
 * "rules":[{"antecedent","consequent","support","confidence","lift"}]}.
 * SHOP_EIO when writing fails. */
SHOP_MUST_CHECK int rules_write(const struct rules *r, FILE *f, int json);

#endif
