/* store/store_baskets.c - purchases as baskets of distinct products, for association rules. */
#include <stdlib.h>

#include "core/xalloc.h"
#include "store/store_int.h"

static const char *const SQL_BASKETS =
    "SELECT DISTINCT l.purchase_id, l.product_id FROM purchase_lines l "
    "JOIN purchases p ON p.id = l.purchase_id "
    "WHERE p.purchased_at >= :from AND p.purchased_at < :to "
    "ORDER BY l.purchase_id, l.product_id";

int store_baskets(struct store *st, int64_t from, int64_t to,
                  int (*fn)(void *ctx, int64_t purchase_id, const int64_t *products, size_t n),
                  void *ctx)
{
    sqlite3_stmt *s = stmt_get(st, SQL_BASKETS);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":from", from);
    bind_int(s, ":to", to);
    size_t n = 0, cap = 64;
    int64_t *v = xmalloc(cap * sizeof(*v)), cur = 0;
    int rc, frc = 0;
    /* rows come grouped by purchase: a basket is complete when the purchase id changes */
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t purchase = sqlite3_column_int64(s, 0);
        if (n && purchase != cur) {
            if ((frc = fn(ctx, cur, v, n)) != 0)
                break;
            n = 0;
        }
        cur = purchase;
        if (n == cap) {
            cap *= 2;
            v = xreallocarray(v, cap, sizeof(*v));
        }
        v[n++] = sqlite3_column_int64(s, 1);
    }
    if (rc == SQLITE_DONE && n)
        frc = fn(ctx, cur, v, n);
    stmt_done(s);
    free(v);
    if (frc)
        return frc;
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "read baskets");
}
