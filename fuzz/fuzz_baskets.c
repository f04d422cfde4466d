/* fuzz/fuzz_baskets.c - libFuzzer harness for the transaction-file parser of `shopper rules
 * --file` (rules_baskets_parse), then mining what it parsed under small limits, with and
 * without --itemsets-only. Besides crashes and leaks (ASan), it checks the parser's contract:
 * an error leaves no baskets and says why; success gives baskets whose counts add up, and
 * mining either succeeds with consistent counts or fails with a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/rules.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_OFF); /* a corrupt input is logged as an error: not news here */
    struct rules_baskets *b = (struct rules_baskets *)&b; /* must be reset */
    char err[256] = "";
    int rc = rules_baskets_parse((const char *)data, size, "fuzz", &b, err, sizeof(err));
    if (rc != SHOP_OK) {
        if (b || !err[0] || rc >= 0)
            abort();
        return 0;
    }
    if (!b)
        abort();
    size_t lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    /* one basket per line, the last one without its newline too */
    if (rules_baskets_count(b) != lines + (size && data[size - 1] != '\n'))
        abort();
    for (int only = 0; only < 2; only++) {
        struct rules_params p = RULES_PARAMS_DEFAULT;
        p.min_support = 1 + (size % 3);
        p.min_confidence = 0.3;
        p.itemsets_only = only;
        p.max_itemsets = 20000;
        p.max_rules = 20000;
        struct rules *r = NULL;
        rc = rules_mine(b, &p, &r);
        if (rc == SHOP_OK) {
            if (!r || rules_transactions(r) != rules_baskets_count(b) ||
                rules_frequent_items(r) > rules_items(r))
                abort();
            if (!only) {
                for (size_t i = 0; i < rules_rule_count(r); i++) {
                    struct rules_rule rr;
                    int64_t items[8];
                    rules_rule_get(r, i, &rr, items, 8);
                    if (rr.support < p.min_support || rr.confidence < 0.3 - 1e-9 ||
                        rr.confidence > 1 + 1e-9)
                        abort();
                }
                int64_t cart[2] = {1, 2};
                struct rules_hit hits[4];
                (void)rules_match(r, cart, 2, hits, 4);
            }
            rules_free(r);
        } else if (r || rc != SHOP_ETOOBIG || !rules_errmsg()[0]) {
            abort();
        }
    }
    rules_baskets_free(b);
    return 0;
}
