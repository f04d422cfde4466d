/* analytics/rules.c - baskets, FP-growth, rule generation and the cart lookup.
 *
 * FP-growth as in Han et al. and Borgelt's implementation notes:
 *  - items below the minimum support are dropped and the rest recoded 0..k-1 by descending
 *    support, so that the tree shares long prefixes and each conditional tree only holds
 *    items with smaller codes;
 *  - a tree is flat arrays of nodes (item, parent, count, next node of the same item); the
 *    conditional tree of item i is built by walking the paths above i's nodes ("projection");
 *  - each recursion depth owns its buffers, grown when needed and reused, so the recursion
 *    does not allocate in the steady state;
 *  - a conditional tree that is one path has 2^k - 1 itemsets below it: counted at once, or
 *    enumerated directly when itemsets are kept.
 * Kept itemsets form a prefix trie in descending code order (the order in which the
 * recursion finds them): the children of a node are one block, sorted by item, so that the
 * support of any subset is a few binary searches away. Rules are generated from the trie.
 */
#include "analytics/rules.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jsonw.h"
#include "core/log.h"
#include "core/xalloc.h"

const char *rules_errmsg(void)
{
    return shop_errmsg();
}

static int fail(int rc, char *err, size_t errn, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int rc, char *err, size_t errn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errn)
        vsnprintf(err, errn, fmt, ap);
    va_end(ap);
    return rc;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- id map: external int64 id -> dense int32 code (open addressing) ---- */

struct idmap {
    int64_t *key;
    int32_t *val; /* -1 = empty slot */
    size_t cap, n;
};

static size_t hash_id(int64_t id)
{
    uint64_t x = (uint64_t)id;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static int32_t idmap_get(const struct idmap *m, int64_t id)
{
    if (!m->cap)
        return -1;
    for (size_t i = hash_id(id) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->val[i] < 0)
            return -1;
        if (m->key[i] == id)
            return m->val[i];
    }
}

static void idmap_insert(struct idmap *m, int64_t id, int32_t v)
{
    size_t i = hash_id(id) & (m->cap - 1);
    while (m->val[i] >= 0)
        i = (i + 1) & (m->cap - 1);
    m->key[i] = id;
    m->val[i] = v;
    m->n++;
}

/* id must not be in the map yet */
static void idmap_put(struct idmap *m, int64_t id, int32_t v)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct idmap old = *m;
        m->cap = old.cap ? old.cap * 2 : 1024;
        m->key = xmalloc(m->cap * sizeof(*m->key));
        m->val = xmalloc(m->cap * sizeof(*m->val));
        memset(m->val, 0xff, m->cap * sizeof(*m->val));
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.val[i] >= 0)
                idmap_insert(m, old.key[i], old.val[i]);
        free(old.key);
        free(old.val);
    }
    idmap_insert(m, id, v);
}

static void idmap_release(struct idmap *m)
{
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof(*m));
}

/* ---- baskets ---- */

struct rules_baskets {
    struct idmap map;
    int64_t *ids;   /* dense code -> id */
    uint32_t *seen; /* dense code -> number of the last basket holding it, + 1 */
    size_t nitems, cap_ids;
    int32_t *items; /* every basket's codes, one basket after the other */
    size_t nall, cap_all;
    size_t *off; /* basket b is items[off[b] .. off[b + 1]) */
    size_t n, cap_off;
};

struct rules_baskets *rules_baskets_new(void)
{
    struct rules_baskets *b = xcalloc(1, sizeof(*b));
    b->cap_off = 1024;
    b->off = xmalloc(b->cap_off * sizeof(*b->off));
    b->off[0] = 0;
    return b;
}

void rules_baskets_free(struct rules_baskets *b)
{
    if (!b)
        return;
    idmap_release(&b->map);
    free(b->ids);
    free(b->seen);
    free(b->items);
    free(b->off);
    free(b);
}

int rules_baskets_add_cb(void *baskets, int64_t id, const int64_t *items, size_t n)
{
    (void)id;
    return rules_baskets_add(baskets, items, n);
}

size_t rules_baskets_count(const struct rules_baskets *b)
{
    return b->n;
}

size_t rules_baskets_items(const struct rules_baskets *b)
{
    return b->nitems;
}

int rules_baskets_add(struct rules_baskets *b, const int64_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (items[i] < 0)
            return SHOP_EINVAL;
    /* tree nodes are int32 indices, at most one per item occurrence */
    if (b->n >= RULES_MAX_BASKETS || n >= (size_t)INT32_MAX - 1 - b->nall)
        return SHOP_ETOOBIG;
    if (b->n + 2 > b->cap_off) {
        b->cap_off *= 2;
        b->off = xreallocarray(b->off, b->cap_off, sizeof(*b->off));
    }
    if (b->nall + n > b->cap_all) {
        b->cap_all = b->nall + n > 2 * b->cap_all ? b->nall + n : 2 * b->cap_all;
        b->items = xreallocarray(b->items, b->cap_all, sizeof(*b->items));
    }
    uint32_t mark = (uint32_t)b->n + 1;
    for (size_t i = 0; i < n; i++) {
        int32_t c = idmap_get(&b->map, items[i]);
        if (c < 0) {
            if (b->nitems == b->cap_ids) {
                b->cap_ids = b->cap_ids ? 2 * b->cap_ids : 1024;
                b->ids = xreallocarray(b->ids, b->cap_ids, sizeof(*b->ids));
                b->seen = xreallocarray(b->seen, b->cap_ids, sizeof(*b->seen));
            }
            c = (int32_t)b->nitems++;
            b->ids[c] = items[i];
            b->seen[c] = 0;
            idmap_put(&b->map, items[i], c);
        }
        if (b->seen[c] == mark) /* a duplicate within the basket */
            continue;
        b->seen[c] = mark;
        b->items[b->nall++] = c;
    }
    b->off[++b->n] = b->nall;
    return SHOP_OK;
}

/* reads a whole stream into a NUL-terminated buffer of at most RULES_MAX_FILE bytes */
static int slurp(FILE *f, char **out, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (cap - n < 2) {
            if (cap >= RULES_MAX_FILE) {
                free(buf);
                return SHOP_ETOOBIG;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return SHOP_EIO;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return SHOP_OK;
}

int rules_baskets_read(const char *path, struct rules_baskets **out, char *err, size_t errn)
{
    *out = NULL;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return fail(errno == ENOENT ? SHOP_ENOTFOUND : SHOP_EIO, err, errn, "cannot open '%s': %s",
                    path, strerror(errno));
    char *buf = NULL;
    size_t len = 0;
    int rc = slurp(f, &buf, &len);
    if (f != stdin)
        fclose(f);
    if (rc != SHOP_OK)
        return fail(rc, err, errn, "cannot read '%s': %s", path,
                    rc == SHOP_ETOOBIG ? "larger than 2 GiB" : strerror(errno));
    rc = rules_baskets_parse(buf, len, path, out, err, errn);
    free(buf);
    return rc;
}

int rules_baskets_parse(const char *buf, size_t len, const char *path,
                        struct rules_baskets **out, char *err, size_t errn)
{
    *out = NULL;
    int rc;
    struct rules_baskets *b = rules_baskets_new();
    size_t cap = 64, line = 0;
    int64_t *v = xmalloc(cap * sizeof(*v));
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        line++;
        if ((size_t)(eol - p) > RULES_MAX_LINE) {
            rc = fail(SHOP_ETOOBIG, err, errn, "%s:%zu: line longer than %u bytes", path, line,
                      RULES_MAX_LINE);
            goto out;
        }
        size_t n = 0;
        while (p < eol) {
            if (*p == ' ' || *p == '\t' || *p == '\r') {
                p++;
                continue;
            }
            const char *tok = p;
            uint64_t x = 0;
            int bad = 0;
            while (p < eol && *p != ' ' && *p != '\t' && *p != '\r') {
                if (*p < '0' || *p > '9')
                    bad = 1;
                else if (!bad && x <= ((uint64_t)INT64_MAX - (uint64_t)(*p - '0')) / 10)
                    x = x * 10 + (uint64_t)(*p - '0');
                else
                    bad = 2;
                p++;
            }
            if (bad) {
                int w = (int)(p - tok) > 40 ? 40 : (int)(p - tok);
                rc = fail(SHOP_EINVAL, err, errn,
                          "%s:%zu: '%.*s%s' is not an item id (whole numbers 0 to 2^63-1, "
                          "separated by spaces)",
                          path, line, w, tok, (int)(p - tok) > w ? "..." : "");
                goto out;
            }
            if (n == cap) {
                cap *= 2;
                v = xreallocarray(v, cap, sizeof(*v));
            }
            v[n++] = (int64_t)x;
        }
        rc = rules_baskets_add(b, v, n);
        if (rc != SHOP_OK) {
            rc = fail(rc, err, errn, "%s:%zu: too many baskets or items", path, line);
            goto out;
        }
        p = eol + 1;
    }
    rc = SHOP_OK;
out:
    free(v);
    if (rc != SHOP_OK)
        rules_baskets_free(b);
    else
        *out = b;
    return rc;
}

int rules_min_count(double s, size_t n, int64_t *out)
{
    if (!isfinite(s) || s <= 0 || s > 9e18)
        return SHOP_EINVAL;
    if (s >= 1) {
        if (s != floor(s))
            return SHOP_EINVAL;
        *out = (int64_t)s;
        return SHOP_OK;
    }
    /* ceil(s * n), but 0.001 * 100000 must give 100 even when the product rounds up a hair */
    double x = s * (double)n, r = floor(x + 0.5);
    int64_t c = fabs(x - r) <= 1e-9 * (x > 1 ? x : 1) ? (int64_t)r : (int64_t)ceil(x);
    *out = c < 1 ? 1 : c;
    return SHOP_OK;
}

/* ---- FP-trees ---- */

struct fpnode {
    int32_t item; /* local code, -1 at the root */
    int32_t parent;
    int32_t count;
    int32_t next; /* next node of the same item, -1 at the end */
};

/* One recursion depth: its conditional tree and scratch, reused for every tree built at
 * this depth. */
struct level {
    struct fpnode *node; /* node[0] is the root */
    int32_t *child, *sib; /* while building: last child made, previous sibling */
    size_t cap_nodes;
    int32_t *head, *tail; /* per item: first and last node */
    int32_t *supp;        /* per item: support in this tree */
    int32_t *gitem;       /* per item: global code */
    int32_t *cnt, *map, *path; /* scratch while projecting from this tree */
    size_t cap_items;
    int32_t n, k;
    int branched; /* some node has two children: not a single path */
};

/* the trie of kept itemsets; node 0 is the empty set */
struct tnode {
    int32_t item; /* global code */
    int32_t parent;
    int32_t supp;
    int32_t nchild;
    uint32_t first; /* children are first .. first + nchild - 1, sorted by item */
};

struct rule {
    uint32_t x, z; /* trie nodes of X and X u {y} */
    int32_t y;
    double conf, lift;
};

struct rules {
    size_t n, nitems, k;
    int64_t minsup;
    int64_t *gid;   /* global code -> id */
    int32_t *gfreq; /* global code -> support */
    struct idmap map; /* id -> global code (frequent items only) */
    uint64_t count;
    int max_len;
    int itemsets_only;
    struct tnode *t;
    size_t nt, cap_t;
    struct rule *rule;
    size_t nrules;
    uint32_t *by_x; /* rule numbers grouped by antecedent node, best first in a group */
    uint32_t *xoff; /* the rules of antecedent x are by_x[xoff[x] .. xoff[x + 1]) */
    double sec_itemsets, sec_rules;
};

struct miner {
    struct rules *r;
    int32_t minsup;
    int max_len;
    int keep;
    int perfect; /* prune perfect extensions (counting only, no length limit) */
    size_t max_itemsets;
    uint64_t enumerated; /* itemsets visited one by one (the work, whether kept or not) */
    void (*progress)(void *ctx, int64_t done, int64_t total);
    void *progress_ctx;
    struct level *lv;
    int nlv;
    int longest; /* the longest itemset found */
};

static void level_items(struct level *L, size_t k)
{
    if (k <= L->cap_items)
        return;
    size_t c = L->cap_items ? L->cap_items : 16;
    while (c < k)
        c *= 2;
    L->cap_items = c;
    int32_t **arr[] = {&L->head, &L->tail, &L->supp, &L->gitem, &L->cnt, &L->map, &L->path};
    for (size_t i = 0; i < sizeof(arr) / sizeof(*arr); i++)
        *arr[i] = xreallocarray(*arr[i], c, sizeof(int32_t));
}

static void level_nodes(struct level *L, size_t n)
{
    if (n <= L->cap_nodes)
        return;
    size_t c = L->cap_nodes ? L->cap_nodes : 64;
    while (c < n)
        c *= 2;
    L->cap_nodes = c;
    L->node = xreallocarray(L->node, c, sizeof(*L->node));
    L->child = xreallocarray(L->child, c, sizeof(*L->child));
    L->sib = xreallocarray(L->sib, c, sizeof(*L->sib));
}

static void level_release(struct level *L)
{
    free(L->node);
    free(L->child);
    free(L->sib);
    free(L->head);
    free(L->tail);
    free(L->supp);
    free(L->gitem);
    free(L->cnt);
    free(L->map);
    free(L->path);
}

/* an empty tree over k items (capacities already reserved) */
static void tree_reset(struct level *L, int32_t k)
{
    L->k = k;
    L->n = 1;
    L->branched = 0;
    L->node[0] = (struct fpnode){-1, -1, 0, -1};
    L->child[0] = -1;
    for (int32_t j = 0; j < k; j++)
        L->head[j] = L->tail[j] = -1;
}

/* adds a path of ascending item codes with weight w */
static void tree_insert(struct level *L, const int32_t *items, int32_t len, int32_t w)
{
    struct fpnode *node = L->node;
    int32_t cur = 0;
    for (int32_t a = 0; a < len; a++) {
        int32_t x = items[a];
        /* paths come nearly sorted, so the last child made is the usual match */
        int32_t c = L->child[cur];
        while (c >= 0 && node[c].item != x)
            c = L->sib[c];
        if (c < 0) {
            c = L->n++;
            node[c] = (struct fpnode){x, cur, 0, -1};
            L->child[c] = -1;
            L->sib[c] = L->child[cur];
            if (L->sib[c] >= 0)
                L->branched = 1;
            L->child[cur] = c;
            if (L->tail[x] >= 0)
                node[L->tail[x]].next = c;
            else
                L->head[x] = c;
            L->tail[x] = c;
        }
        node[c].count += w;
        cur = c;
    }
}

/* Builds in C the conditional tree of item i of L (the paths above i's nodes, without the
 * items that are infrequent there). Returns its number of items, 0 when none. When counting
 * only, the perfect extensions (items in every basket holding i) are left out too and their
 * number goes to *npe: every itemset found below i then stands for 2^npe itemsets. */
static int32_t project(const struct miner *m, struct level *L, int32_t i, struct level *C,
                       int *npe)
{
    const struct fpnode *node = L->node;
    int32_t *cnt = L->cnt;
    memset(cnt, 0, (size_t)i * sizeof(*cnt));
    size_t pathlen = 0;
    for (int32_t n = L->head[i]; n >= 0; n = node[n].next) {
        int32_t c = node[n].count;
        for (int32_t p = node[n].parent; p > 0; p = node[p].parent) {
            cnt[node[p].item] += c;
            pathlen++;
        }
    }
    int32_t k2 = 0, all = m->perfect ? L->supp[i] : -1;
    *npe = 0;
    for (int32_t j = 0; j < i; j++) {
        *npe += cnt[j] == all;
        L->map[j] = cnt[j] >= m->minsup && cnt[j] != all ? k2++ : -1;
    }
    if (k2 == 0)
        return 0;
    level_items(C, (size_t)k2);
    level_nodes(C, pathlen + 1);
    for (int32_t j = 0; j < i; j++)
        if (L->map[j] >= 0) {
            C->gitem[L->map[j]] = L->gitem[j];
            C->supp[L->map[j]] = cnt[j];
        }
    tree_reset(C, k2);
    int32_t *path = L->path;
    for (int32_t n = L->head[i]; n >= 0; n = node[n].next) {
        int32_t len = 0, top = i; /* path is filled from its end: the walk goes upward */
        for (int32_t p = node[n].parent; p > 0; p = node[p].parent) {
            int32_t x = L->map[node[p].item];
            if (x >= 0)
                path[--top] = x;
        }
        len = i - top;
        if (len)
            tree_insert(C, path + top, len, node[n].count);
    }
    return k2;
}

/* number of non-empty subsets of j items with at most r items; UINT64_MAX when too many */
static uint64_t subsets_upto(int32_t j, int r)
{
    if (r <= 0 || j <= 0)
        return 0;
    if (r >= j) {
        if (j >= 62)
            return UINT64_MAX;
        return ((uint64_t)1 << j) - 1;
    }
    uint64_t sum = 0, c = 1; /* c = C(j, s) */
    for (int s = 1; s <= r; s++) {
        if (c > UINT64_MAX / (uint64_t)j)
            return UINT64_MAX;
        c = c * (uint64_t)(j - s + 1) / (uint64_t)s;
        sum += c;
        if (sum > ((uint64_t)1 << 62))
            return UINT64_MAX;
    }
    return sum;
}

static int add_count(struct miner *m, uint64_t c, uint64_t mult)
{
    if (c && mult && (c > UINT64_MAX / mult || c * mult > ((uint64_t)1 << 62)))
        c = UINT64_MAX;
    else
        c *= mult;
    if (c == UINT64_MAX || m->r->count + c > ((uint64_t)1 << 62)) {
        (void)shop_fail(SHOP_ETOOBIG, "more than 2^62 frequent itemsets: raise the minimum support or set a maximum "
                 "length");
        return SHOP_ETOOBIG;
    }
    m->r->count += c;
    return SHOP_OK;
}

/* appends a block of k children under trie node parent; returns its first index */
static int trie_block(struct miner *m, uint32_t parent, int32_t k, uint32_t *first)
{
    struct rules *r = m->r;
    if (r->nt + (size_t)k > m->max_itemsets + 1) {
        (void)shop_fail(SHOP_ETOOBIG, "more than %zu frequent itemsets: raise the minimum support or set a maximum "
                 "length",
                 m->max_itemsets);
        return SHOP_ETOOBIG;
    }
    if (r->nt + (size_t)k > r->cap_t) {
        while (r->nt + (size_t)k > r->cap_t)
            r->cap_t *= 2;
        r->t = xreallocarray(r->t, r->cap_t, sizeof(*r->t));
    }
    *first = (uint32_t)r->nt;
    r->t[parent].first = *first;
    r->t[parent].nchild = k;
    r->nt += (size_t)k;
    return SHOP_OK;
}

/* The itemsets below a single path: under trie node tn (an itemset of `depth` items whose
 * deepest path item has support supp), every non-empty subset of the path items 0..j-1. */
static int chain_emit(struct miner *m, const struct level *L, uint32_t tn, int32_t j,
                      int32_t supp, int depth, uint64_t mult)
{
    int room = m->max_len ? m->max_len - depth : INT32_MAX;
    if (j <= 0 || room <= 0)
        return SHOP_OK;
    if (depth + (j < room ? j : room) > m->longest)
        m->longest = depth + (j < room ? j : room);
    if (!m->keep)
        return add_count(m, subsets_upto(j, room), mult);
    uint32_t first;
    int rc = trie_block(m, tn, j, &first);
    if (rc != SHOP_OK)
        return rc;
    for (int32_t l = 0; l < j; l++)
        m->r->t[first + (uint32_t)l] = (struct tnode){L->gitem[l], (int32_t)tn, supp, 0, 0};
    m->r->count += (uint64_t)j;
    for (int32_t l = 1; l < j; l++)
        if ((rc = chain_emit(m, L, first + (uint32_t)l, l, supp, depth + 1, 1)) != SHOP_OK)
            return rc;
    return SHOP_OK;
}

/* Mines the tree at depth d, whose itemsets extend trie node tn (an itemset of d items);
 * each itemset found stands for 2^extra itemsets (perfect extensions, when counting only). */
static int mine(struct miner *m, int d, uint32_t tn, int extra)
{
    uint64_t mult = (uint64_t)1 << extra;
    struct level *L = &m->lv[d];
    int32_t k = L->k;
    uint32_t first = 0;
    int rc;
    /* the work is bounded by the itemsets visited one by one, kept or only counted: counting
     * skips the trie, not the visits (with a tiny support they never end) */
    m->enumerated += (uint64_t)k;
    if (m->enumerated > m->max_itemsets) {
        (void)shop_fail(SHOP_ETOOBIG, "more than %zu frequent itemsets to enumerate: raise the "
                                      "minimum support or set a maximum length",
                        m->max_itemsets);
        return SHOP_ETOOBIG;
    }
    if (m->keep) {
        if ((rc = trie_block(m, tn, k, &first)) != SHOP_OK)
            return rc;
        for (int32_t i = 0; i < k; i++)
            m->r->t[first + (uint32_t)i] = (struct tnode){L->gitem[i], (int32_t)tn, L->supp[i], 0, 0};
    }
    if ((rc = add_count(m, (uint64_t)k, mult)) != SHOP_OK)
        return rc;
    if (d + 1 + extra > m->longest)
        m->longest = d + 1 + extra;
    if (m->max_len && d + 1 >= m->max_len)
        return SHOP_OK;
    if (!L->branched) {
        /* a single path: item i's node has support supp[i]; the items above it combine freely */
        for (int32_t i = 1; i < k; i++)
            if ((rc = chain_emit(m, L, first + (uint32_t)i, i, L->supp[i], d + 1 + extra,
                                 mult)) != SHOP_OK)
                return rc;
        return SHOP_OK;
    }
    assert(d + 1 < m->nlv);
    for (int32_t i = k - 1; i > 0; i--) {
        if (d == 0 && m->progress) /* the top-level items, rarest first */
            m->progress(m->progress_ctx, k - 1 - i, k - 1);
        int npe;
        int32_t k2 = project(m, L, i, &m->lv[d + 1], &npe);
        if (npe) { /* i with any non-empty set of its perfect extensions */
            if (extra + npe >= 62)
                return add_count(m, UINT64_MAX, 1);
            if ((rc = add_count(m, ((uint64_t)1 << npe) - 1, mult)) != SHOP_OK)
                return rc;
            if (d + 1 + extra + npe > m->longest)
                m->longest = d + 1 + extra + npe;
        }
        if (k2 == 0)
            continue;
        if ((rc = mine(m, d + 1, first + (uint32_t)i, extra + npe)) != SHOP_OK)
            return rc;
    }
    return SHOP_OK;
}

struct freq_ctx {
    const int32_t *freq;
    const int64_t *ids;
};

static int by_freq(const void *a, const void *b, void *ctx)
{
    const struct freq_ctx *f = ctx;
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    if (f->freq[x] != f->freq[y])
        return f->freq[x] > f->freq[y] ? -1 : 1;
    return f->ids[x] < f->ids[y] ? -1 : f->ids[x] > f->ids[y];
}

struct trans {
    const int32_t *items;
    int32_t len;
};

static int by_items(const void *a, const void *b)
{
    const struct trans *x = a, *y = b;
    int32_t n = x->len < y->len ? x->len : y->len;
    for (int32_t i = 0; i < n; i++)
        if (x->items[i] != y->items[i])
            return x->items[i] < y->items[i] ? -1 : 1;
    return (x->len > y->len) - (x->len < y->len);
}

static int cmp_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void sort_small(int32_t *v, int32_t n)
{
    if (n > 24) {
        qsort(v, (size_t)n, sizeof(*v), cmp_int32);
        return;
    }
    for (int32_t i = 1; i < n; i++) {
        int32_t x = v[i], j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Recodes the baskets by descending item support and builds the first tree in m->lv[0]. */
static void build_first(struct miner *m, const struct rules_baskets *b)
{
    struct rules *r = m->r;
    int32_t *freq = xcalloc(b->nitems ? b->nitems : 1, sizeof(*freq));
    for (size_t i = 0; i < b->nall; i++)
        freq[b->items[i]]++;
    int32_t *order = xmalloc((b->nitems ? b->nitems : 1) * sizeof(*order));
    size_t k = 0;
    for (size_t c = 0; c < b->nitems; c++)
        if (freq[c] >= m->minsup)
            order[k++] = (int32_t)c;
    struct freq_ctx fc = {freq, b->ids};
    qsort_r(order, k, sizeof(*order), by_freq, &fc);
    int32_t *rank = xmalloc((b->nitems ? b->nitems : 1) * sizeof(*rank));
    memset(rank, 0xff, b->nitems * sizeof(*rank));
    r->k = k;
    r->gid = xmalloc((k ? k : 1) * sizeof(*r->gid));
    r->gfreq = xmalloc((k ? k : 1) * sizeof(*r->gfreq));
    for (size_t g = 0; g < k; g++) {
        rank[order[g]] = (int32_t)g;
        r->gid[g] = b->ids[order[g]];
        r->gfreq[g] = freq[order[g]];
        idmap_put(&r->map, r->gid[g], (int32_t)g);
    }

    /* the baskets in global codes, sorted, then sorted among themselves so that the tree is
     * built by appending and equal baskets are neighbours */
    int32_t *codes = xmalloc((b->nall ? b->nall : 1) * sizeof(*codes));
    struct trans *tr = xmalloc((b->n ? b->n : 1) * sizeof(*tr));
    size_t nt = 0, pos = 0;
    for (size_t t = 0; t < b->n; t++) {
        int32_t len = 0;
        for (size_t i = b->off[t]; i < b->off[t + 1]; i++)
            if (rank[b->items[i]] >= 0)
                codes[pos + (size_t)len++] = rank[b->items[i]];
        if (!len)
            continue;
        sort_small(codes + pos, len);
        tr[nt++] = (struct trans){codes + pos, len};
        pos += (size_t)len;
    }
    qsort(tr, nt, sizeof(*tr), by_items);

    struct level *L = &m->lv[0];
    level_items(L, k ? k : 1);
    level_nodes(L, pos + 1);
    tree_reset(L, (int32_t)k);
    for (size_t g = 0; g < k; g++) {
        L->gitem[g] = (int32_t)g;
        L->supp[g] = r->gfreq[g];
    }
    for (size_t t = 0; t < nt;) {
        size_t u = t + 1;
        while (u < nt && by_items(&tr[t], &tr[u]) == 0)
            u++;
        tree_insert(L, tr[t].items, tr[t].len, (int32_t)(u - t));
        t = u;
    }
    free(tr);
    free(codes);
    free(rank);
    free(order);
    free(freq);
}

/* ---- rules ---- */

/* the child of trie node p holding item x, 0 when none */
static uint32_t trie_child(const struct rules *r, uint32_t p, int32_t x)
{
    const struct tnode *t = r->t;
    uint32_t lo = t[p].first, hi = lo + (uint32_t)t[p].nchild;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t[mid].item < x)
            lo = mid + 1;
        else if (t[mid].item > x)
            hi = mid;
        else
            return mid;
    }
    return 0;
}

/* a rule's sort key: small, so that sorting moves little memory */
struct rank {
    double lift, conf;
    int32_t supp;
    uint32_t i; /* generation order: trie node, then consequent */
};

static int by_rank(const void *a, const void *b)
{
    const struct rank *x = a, *y = b;
    if (x->lift != y->lift)
        return x->lift > y->lift ? -1 : 1;
    if (x->conf != y->conf)
        return x->conf > y->conf ? -1 : 1;
    if (x->supp != y->supp)
        return x->supp > y->supp ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* orders the rules best first, then indexes them by antecedent with a counting sort */
static void index_rules(struct rules *r)
{
    size_t n = r->nrules;
    struct rank *key = xmalloc((n ? n : 1) * sizeof(*key));
    for (size_t i = 0; i < n; i++)
        key[i] = (struct rank){r->rule[i].lift, r->rule[i].conf, r->t[r->rule[i].z].supp,
                               (uint32_t)i};
    qsort(key, n, sizeof(*key), by_rank);
    struct rule *sorted = xmalloc((n ? n : 1) * sizeof(*sorted));
    for (size_t i = 0; i < n; i++)
        sorted[i] = r->rule[key[i].i];
    free(key);
    free(r->rule);
    r->rule = sorted;
    r->xoff = xcalloc(r->nt + 1, sizeof(*r->xoff));
    for (size_t i = 0; i < n; i++)
        r->xoff[r->rule[i].x + 1]++;
    for (size_t x = 0; x < r->nt; x++)
        r->xoff[x + 1] += r->xoff[x];
    uint32_t *fill = xmalloc((r->nt + 1) * sizeof(*fill));
    memcpy(fill, r->xoff, (r->nt + 1) * sizeof(*fill));
    r->by_x = xmalloc((n ? n : 1) * sizeof(*r->by_x));
    for (size_t i = 0; i < n; i++)
        r->by_x[fill[r->rule[i].x]++] = (uint32_t)i;
    free(fill);
}

static int gen_rules(struct rules *r, double minconf, size_t max_rules)
{
    size_t cap = 1024;
    r->rule = xmalloc(cap * sizeof(*r->rule));
    int32_t *path = xmalloc(((size_t)r->max_len + 1) * sizeof(*path));
    int rc = SHOP_OK;
    for (uint32_t z = 1; z < r->nt; z++) {
        int32_t len = 0; /* path: z's items in ascending code order (walking up) */
        for (uint32_t p = z; p; p = (uint32_t)r->t[p].parent)
            path[len++] = r->t[p].item;
        if (len < 2)
            continue;
        double sz = r->t[z].supp;
        for (int32_t j = 0; j < len; j++) {
            uint32_t x = 0;
            if (j == 0) {
                x = (uint32_t)r->t[z].parent;
            } else {
                for (int32_t a = len - 1; a >= 0; a--)
                    if (a != j && !(x = trie_child(r, x, path[a])))
                        break;
                assert(x && "a subset of a frequent itemset is frequent");
            }
            double conf = sz / r->t[x].supp;
            if (!(conf >= minconf))
                continue;
            if (r->nrules == max_rules) {
                (void)shop_fail(SHOP_ETOOBIG, "more than %zu rules: raise the minimum support or confidence",
                         max_rules);
                rc = SHOP_ETOOBIG;
                goto out;
            }
            if (r->nrules == cap) {
                cap *= 2;
                r->rule = xreallocarray(r->rule, cap, sizeof(*r->rule));
            }
            int32_t y = path[j];
            r->rule[r->nrules++] =
                (struct rule){x, z, y, conf, conf * (double)r->n / (double)r->gfreq[y]};
        }
    }
    index_rules(r);
out:
    free(path);
    return rc;
}

int rules_mine(const struct rules_baskets *b, const struct rules_params *p, struct rules **out)
{
    *out = NULL;
    shop_err_clear();
    if (p->min_support < 1 || !(p->min_confidence >= 0 && p->min_confidence <= 1) ||
        p->max_len < 0) {
        (void)shop_fail(SHOP_EINVAL, "bad parameters: min support %lld (want >= 1), min confidence %g (want 0..1)",
                 (long long)p->min_support, p->min_confidence);
        return SHOP_EINVAL;
    }
    double t0 = cpu_now();
    struct rules *r = xcalloc(1, sizeof(*r));
    r->n = b->n;
    r->nitems = b->nitems;
    r->minsup = p->min_support;
    r->itemsets_only = p->itemsets_only;
    r->cap_t = 1024;
    r->t = xmalloc(r->cap_t * sizeof(*r->t));
    r->t[0] = (struct tnode){-1, -1, (int32_t)b->n, 0, 0};
    r->nt = 1;
    struct miner m = {
        .r = r,
        .minsup = p->min_support > INT32_MAX ? INT32_MAX : (int32_t)p->min_support,
        .max_len = p->max_len,
        .keep = !p->itemsets_only,
        .perfect = p->itemsets_only && !p->max_len,
        .max_itemsets = p->max_itemsets,
        .progress = p->progress,
        .progress_ctx = p->progress_ctx,
    };
    int rc = SHOP_OK;
    /* a support above N finds nothing; INT32_MAX > RULES_MAX_BASKETS keeps that true */
    m.nlv = (int)(b->nitems < (size_t)INT32_MAX - 2 ? b->nitems : 0) + 2;
    m.lv = xcalloc((size_t)m.nlv, sizeof(*m.lv));
    build_first(&m, b);
    if (r->k > 0)
        rc = mine(&m, 0, 0, 0);
    for (int i = 0; i < m.nlv; i++)
        level_release(&m.lv[i]);
    free(m.lv);
    if (rc != SHOP_OK)
        goto fail;
    r->max_len = m.longest;
    double t1 = cpu_now();
    r->sec_itemsets = t1 - t0;
    if (!p->itemsets_only) {
        rc = gen_rules(r, p->min_confidence, p->max_rules);
        if (rc != SHOP_OK)
            goto fail;
    }
    r->sec_rules = cpu_now() - t1;
    *out = r;
    return SHOP_OK;
fail:
    log_debug("rules: %s", shop_errmsg());
    rules_free(r);
    return rc;
}

void rules_free(struct rules *r)
{
    if (!r)
        return;
    free(r->gid);
    free(r->gfreq);
    idmap_release(&r->map);
    free(r->t);
    free(r->rule);
    free(r->by_x);
    free(r->xoff);
    free(r);
}

size_t rules_transactions(const struct rules *r)
{
    return r->n;
}

size_t rules_items(const struct rules *r)
{
    return r->nitems;
}

size_t rules_frequent_items(const struct rules *r)
{
    return r->k;
}

int64_t rules_min_support(const struct rules *r)
{
    return r->minsup;
}

uint64_t rules_itemset_count(const struct rules *r)
{
    return r->count;
}

size_t rules_rule_count(const struct rules *r)
{
    return r->nrules;
}

int rules_max_len(const struct rules *r)
{
    return r->max_len;
}

double rules_seconds_itemsets(const struct rules *r)
{
    return r->sec_itemsets;
}

double rules_seconds_rules(const struct rules *r)
{
    return r->sec_rules;
}

/* copies the items of trie node z (ascending code order) into items; returns the count */
static size_t node_items(const struct rules *r, uint32_t z, int64_t *items, size_t cap)
{
    size_t n = 0;
    for (uint32_t p = z; p; p = (uint32_t)r->t[p].parent) {
        if (items && n < cap)
            items[n] = r->gid[r->t[p].item];
        n++;
    }
    return n;
}

void rules_itemsets_foreach(const struct rules *r,
                            void (*fn)(void *ctx, const int64_t *items, size_t n,
                                       int64_t support),
                            void *ctx)
{
    int64_t *items = xmalloc(((size_t)(r->max_len > 0 ? r->max_len : 1)) * sizeof(*items));
    for (uint32_t z = 1; z < r->nt; z++) {
        size_t n = node_items(r, z, items, (size_t)r->max_len);
        fn(ctx, items, n, r->t[z].supp);
    }
    free(items);
}

size_t rules_rule_get(const struct rules *r, size_t i, struct rules_rule *out, int64_t *items,
                      size_t cap)
{
    assert(i < r->nrules);
    const struct rule *u = &r->rule[i];
    out->n_antecedent = node_items(r, u->x, items, cap);
    out->consequent = r->gid[u->y];
    out->support = r->t[u->z].supp;
    out->support_x = r->t[u->x].supp;
    out->support_y = r->gfreq[u->y];
    out->confidence = u->conf;
    out->lift = u->lift;
    return out->n_antecedent;
}

/* the cart's frequent items as global codes, descending and without duplicates */
static size_t cart_codes(const struct rules *r, const int64_t *cart, size_t n, int32_t *codes)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t c = idmap_get(&r->map, cart[i]);
        if (c >= 0)
            codes[m++] = c;
    }
    qsort(codes, m, sizeof(*codes), cmp_int32);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || codes[u - 1] != codes[i])
            codes[u++] = codes[i];
    for (size_t i = 0; i < u / 2; i++) {
        int32_t x = codes[i];
        codes[i] = codes[u - 1 - i];
        codes[u - 1 - i] = x;
    }
    return u;
}

int64_t rules_support(const struct rules *r, const int64_t *items, size_t n)
{
    if (n == 0 || r->itemsets_only)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (idmap_get(&r->map, items[i]) < 0)
            return 0;
    int32_t *codes = xmalloc(n * sizeof(*codes));
    size_t m = cart_codes(r, items, n, codes);
    uint32_t x = 0;
    for (size_t i = 0; i < m && (i == 0 || x); i++)
        x = trie_child(r, x, codes[i]);
    free(codes);
    return x ? r->t[x].supp : 0;
}

struct match {
    const struct rules *r;
    const int32_t *codes;
    size_t m;
    const uint8_t *in_cart;
    int64_t *best; /* per global code: best rule number, -1 = none */
};

static int better(const struct rules *r, size_t a, size_t b)
{
    const struct rule *x = &r->rule[a], *y = &r->rule[b];
    if (x->conf != y->conf)
        return x->conf > y->conf;
    if (x->lift != y->lift)
        return x->lift > y->lift;
    if (r->t[x->z].supp != r->t[y->z].supp)
        return r->t[x->z].supp > r->t[y->z].supp;
    return a < b;
}

static void match_visit(struct match *mt, uint32_t x)
{
    const struct rules *r = mt->r;
    for (uint32_t a = r->xoff[x]; a < r->xoff[x + 1]; a++) {
        size_t i = r->by_x[a];
        int32_t y = r->rule[i].y;
        if (mt->in_cart[y])
            continue;
        if (mt->best[y] < 0 || better(r, i, (size_t)mt->best[y]))
            mt->best[y] = (int64_t)i;
    }
}

/* visits every frequent subset of the cart that extends trie node p with codes[start..] */
static void match_walk(struct match *mt, uint32_t p, size_t start)
{
    for (size_t a = start; a < mt->m; a++) {
        uint32_t c = trie_child(mt->r, p, mt->codes[a]);
        if (!c)
            continue;
        match_visit(mt, c);
        match_walk(mt, c, a + 1);
    }
}

static int by_hit(const void *a, const void *b, void *ctx)
{
    const struct rules_hit *x = a, *y = b;
    if (x->rule == y->rule)
        return 0;
    return better(ctx, x->rule, y->rule) ? -1 : 1;
}

size_t rules_match(const struct rules *r, const int64_t *cart, size_t n, struct rules_hit *out,
                   size_t cap)
{
    if (n == 0 || r->nrules == 0 || cap == 0)
        return 0;
    int32_t *codes = xmalloc(n * sizeof(*codes));
    uint8_t *in_cart = xcalloc(r->k, 1);
    int64_t *best = xmalloc(r->k * sizeof(*best));
    memset(best, 0xff, r->k * sizeof(*best));
    struct match mt = {r, codes, cart_codes(r, cart, n, codes), in_cart, best};
    for (size_t i = 0; i < mt.m; i++)
        in_cart[codes[i]] = 1;
    match_walk(&mt, 0, 0);
    size_t nh = 0;
    struct rules_hit *hits = xmalloc(r->k * sizeof(*hits));
    for (size_t y = 0; y < r->k; y++) {
        if (best[y] < 0)
            continue;
        struct rules_rule u;
        rules_rule_get(r, (size_t)best[y], &u, NULL, 0);
        hits[nh++] = (struct rules_hit){u.consequent, u.confidence, u.lift, u.support,
                                        (size_t)best[y]};
    }
    qsort_r(hits, nh, sizeof(*hits), by_hit, (void *)r);
    size_t w = nh < cap ? nh : cap;
    memcpy(out, hits, w * sizeof(*out));
    free(hits);
    free(best);
    free(in_cart);
    free(codes);
    return w;
}

/* ---- output ---- */

int rules_write(const struct rules *r, FILE *f, int json)
{
    int64_t *items = xmalloc(((size_t)(r->max_len > 0 ? r->max_len : 1)) * sizeof(*items));
    size_t cap = (size_t)(r->max_len > 0 ? r->max_len : 1);
    struct jsonw w;
    if (json) {
        jw_init(&w, f, 0);
        jw_obj(&w);
        jw_key(&w, "transactions");
        jw_int(&w, (int64_t)r->n);
        jw_key(&w, "min_support");
        jw_int(&w, r->minsup);
        jw_key(&w, "itemsets");
        jw_arr(&w);
    } else {
        fprintf(f, "# shopper association rules: %zu transactions, %zu items, min support %lld\n"
                   "# itemset SUPPORT ITEM...   (items by descending item support)\n"
                   "# rule SUPPORT CONFIDENCE LIFT CONSEQUENT <= ANTECEDENT...   (best lift "
                   "first)\n",
                r->n, r->nitems, (long long)r->minsup);
    }
    for (uint32_t z = 1; z < r->nt; z++) {
        size_t n = node_items(r, z, items, cap);
        if (json) {
            jw_obj(&w);
            jw_key(&w, "items");
            jw_arr(&w);
            for (size_t i = 0; i < n; i++)
                jw_int(&w, items[i]);
            jw_end(&w);
            jw_key(&w, "support");
            jw_int(&w, r->t[z].supp);
            jw_end(&w);
        } else {
            fprintf(f, "itemset %d", r->t[z].supp);
            for (size_t i = 0; i < n; i++)
                fprintf(f, " %lld", (long long)items[i]);
            fputc('\n', f);
        }
    }
    if (json) {
        jw_end(&w);
        jw_key(&w, "rules");
        jw_arr(&w);
    }
    for (size_t i = 0; i < r->nrules; i++) {
        struct rules_rule u;
        size_t n = rules_rule_get(r, i, &u, items, cap);
        if (json) {
            jw_obj(&w);
            jw_key(&w, "antecedent");
            jw_arr(&w);
            for (size_t a = 0; a < n; a++)
                jw_int(&w, items[a]);
            jw_end(&w);
            jw_key(&w, "consequent");
            jw_int(&w, u.consequent);
            jw_key(&w, "support");
            jw_int(&w, u.support);
            jw_key(&w, "confidence");
            jw_num(&w, u.confidence);
            jw_key(&w, "lift");
            jw_num(&w, u.lift);
            jw_end(&w);
        } else {
            fprintf(f, "rule %lld %.10g %.10g %lld <=", (long long)u.support, u.confidence,
                    u.lift, (long long)u.consequent);
            for (size_t a = 0; a < n; a++)
                fprintf(f, " %lld", (long long)items[a]);
            fputc('\n', f);
        }
    }
    if (json) {
        jw_end(&w);
        jw_end(&w);
        jw_finish(&w);
    }
    free(items);
    return ferror(f) ? SHOP_EIO : SHOP_OK;
}
