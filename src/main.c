/* main.c - the `shopper` program: global flags, the command table, exit codes.
 * The only caller of exit(); every command lives in src/cli/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"

#define SHOPPER_VERSION "0.1.0"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"init", cmd_init, "create an empty store database"},
    {"simulate", cmd_simulate, "simulate a store (or continue one) into the database"},
    {"demo", cmd_demo, "create the demo store if there is none and print its summary"},
    {"stats", cmd_stats, "row counts, revenue, date range and stock"},
    {"customers", cmd_customers, "list customers"},
    {"products", cmd_products, "list products with current price and stock"},
    {"buy", cmd_buy, "a sale at the till: one item of a product in a size for a customer"},
    {"kpi", cmd_kpi, "the numbers behind the dashboard for a date range"},
    {"train", cmd_train, "train a model: segments, demand"},
    {"segments", cmd_segments, "the customer segments"},
    {"recommend", cmd_recommend, "promotions and recommendations for a customer"},
    {"eval", cmd_eval, "measure a model offline: recommend, pricing, faces"},
    {"heatmap", cmd_heatmap, "where people walk and stay: heatmap PNG or JSON, zone statistics"},
    {"check", cmd_check, "check the database's integrity and the store's invariants"},
    {"rules", cmd_rules, "frequent itemsets and association rules (FP-growth)"},
    {"faces", cmd_faces, "detect faces: box, landmarks, descriptor, expression, age, gender"},
    {"compare", cmd_compare, "descriptor distance of the largest faces of two images"},
    {"bench-faces", cmd_bench_faces, NULL}, /* hidden: the face pipeline benchmark */
    {"price", cmd_price, "suggest (and --apply) profit-maximising prices under business rules"},
    {"consent", cmd_consent, "record a customer's consent to face login"},
    {"enroll", cmd_enroll, "register a customer's face from images, with their consent"},
    {"identify", cmd_identify, "identify the largest face of images among enrolled customers"},
    {"forget", cmd_forget, "erase a customer's face data (right to erasure)"},
    {"purge", cmd_purge, "erase face data of customers not seen for years (retention)"},
    {"alerts", cmd_alerts, "staff alerts: list, acknowledge, resolve"},
    {"emotions", cmd_emotions, "expressions of the faces in images, folded into the mirror's groups"},
    {"peaks", cmd_peaks, "emotion peaks from a stream of expression probabilities"},
    {"bench-identity", cmd_bench_identity, NULL}, /* hidden: 1:N search and enrolment timing */
    {"serve", cmd_serve, "the server: JSON API, Smart Mirror and Manager Dashboard"},
    {"users", cmd_users, "dashboard accounts: add, list, passwd, remove"},
    {"mirrors", cmd_mirrors, "paired Smart Mirrors: add (prints the pairing link), list, revoke"},
    {"pin", cmd_pin, "a customer's PIN for logging in at a mirror without a face"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: shopper [--log LEVEL] COMMAND [ARGS]\n\n"
               "SHOPPER, the smart in-store retail platform.\n\ncommands:\n");
    for (const struct command *c = commands; c->name; c++)
        if (c->summary)
            fprintf(f, "  %-12s %s\n", c->name, c->summary);
    fprintf(f, "\n`shopper COMMAND --help` describes a command. Global flags:\n"
               "  --log LEVEL   debug, info, warn, error, off (default; also $SHOPPER_LOG)\n"
               "  --version     print the version\n"
               "The database is --db FILE, else $SHOPPER_DB, else ./shopper.db.\n");
}

int main(int argc, char **argv)
{
    /* commands report their own errors in one line; library logs are for --log */
    log_set_level(LOG_OFF);
    const char *env = getenv("SHOPPER_LOG");
    if (env && log_level_parse(env) >= 0)
        log_set_level(log_level_parse(env));
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("shopper %s\n", SHOPPER_VERSION);
            exit(0);
        } else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc) {
            int lvl = log_level_parse(argv[++i]);
            if (lvl < 0) {
                fprintf(stderr, "shopper: unknown log level '%s'\n", argv[i]);
                exit(2);
            }
            log_set_level(lvl);
        } else {
            fprintf(stderr, "shopper: unknown flag '%s' (see shopper --help)\n", argv[i]);
            exit(2);
        }
    }
    if (i >= argc) {
        usage(stderr);
        exit(2);
    }
    for (const struct command *c = commands; c->name; c++)
        if (strcmp(argv[i], c->name) == 0)
            exit(c->fn(argc - i, argv + i));
    fprintf(stderr, "shopper: unknown command '%s' (see shopper --help)\n", argv[i]);
    exit(2);
}
