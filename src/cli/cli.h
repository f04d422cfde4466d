/* cli/cli.h - the command-line layer: one file per command group, a shared flag parser.
 *
 * Each command is `int cmd_x(int argc, char **argv)` (argv[0] is the command name) and
 * returns the process exit code: 0 ok, 1 failure, 2 usage error. Commands print one-line
 * errors "shopper: ..." to stderr. main.c lists the commands and is the only caller of exit().
 *     struct cli_opt opts[] = {
 *         CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
 *         CLI_FLAG("json", "print JSON", &json),
 *         CLI_END };
 *     int rc = cli_parse(argc, argv, "shopper stats [--json]", "Row counts ...", opts, NULL);
 *     if (rc >= 0) return rc;                         -- 0 after --help, 2 on a bad flag  */
#ifndef SHOP_CLI_CLI_H
#define SHOP_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

enum cli_type { CLI_T_END = 0, CLI_T_FLAG, CLI_T_STR, CLI_T_INT, CLI_T_DOUBLE };

struct cli_opt {
    const char *name; /* without the leading "--" */
    const char *arg;  /* the value's name in --help, NULL for flags */
    const char *help;
    enum cli_type type;
    void *ptr; /* int* for FLAG, const char** for STR, int64_t* for INT, double* for DOUBLE */
    double min, max;
    int seen; /* set by cli_parse */
};

#define CLI_FLAG(n, h, p) {(n), NULL, (h), CLI_T_FLAG, (p), 0, 0, 0}
#define CLI_STR(n, a, h, p) {(n), (a), (h), CLI_T_STR, (p), 0, 0, 0}
#define CLI_INT(n, a, h, p, lo, hi) {(n), (a), (h), CLI_T_INT, (p), (lo), (hi), 0}
#define CLI_DOUBLE(n, a, h, p, lo, hi) {(n), (a), (h), CLI_T_DOUBLE, (p), (lo), (hi), 0}
#define CLI_END {NULL, NULL, NULL, CLI_T_END, NULL, 0, 0, 0}

/* Parses argv[1..] against opts. Positional arguments are collected into *pos (a NULL-ended
 * array pointing into argv, caller frees the array) when pos is not NULL; otherwise a
 * positional argument is an error. Returns -1 when the command should go on, 0 when --help
 * was printed, 2 after printing a one-line usage error; *pos is NULL in both of these. */
int cli_parse(int argc, char **argv, const char *usage, const char *about, struct cli_opt *opts,
              char ***pos);

/* the database path: --db, else $SHOPPER_DB, else "shopper.db" */
const char *cli_db_path(const char *flag_value);

struct store;
/* opens the store at --db (cli_db_path) with STORE_* flags; prints the one-line error and
 * returns NULL on failure */
struct store *cli_open_store(const char *db, int flags);
/* the face models folder: --models, else $SHOPPER_MODELS, else "models" */
const char *cli_models_dir(const char *flag);

struct face_engine;
/* --detector: NULL or "ssd" sets *tiny 0, "tiny" sets 1; -1 for anything else */
int cli_parse_detector(const char *name, int *tiny);
/* loads the face networks `nets` (FACE_NET_* bits) from the models folder of --models
 * (cli_models_dir); prints the one-line error and returns NULL on failure */
struct face_engine *cli_load_faces(const char *models_flag, unsigned nets);

/* The exit code of a SHOP_E* status, the one place it is decided: 0 ok, 1 failure, 2 usage
 * (cli_parse), 3 not found, 4 conflict, 5 busy or rate-limited, 6 not allowed. */
int cli_exit_code(int rc);
/* prints "shopper: <what>: <shop_errmsg()>" (or the code's description) and returns
 * cli_exit_code(rc) */
int cli_fail_rc(int rc, const char *what);
/* prints "shopper: <msg>" to stderr; returns 1 */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --from/--to flags to [from, to) unix seconds; a bare --to date includes that day.
 * Defaults: everything. Returns 0, or 2 after printing the error. */
/* a whole file into *data (malloc'd): SHOP_EIO when it cannot be opened, SHOP_ETOOBIG over
 * 64 MiB */
int cli_read_file(const char *path, uint8_t **data, size_t *n);
int cli_time_range(const char *from_s, const char *to_s, int64_t *from, int64_t *to);

/* the commands */
int cmd_init(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_customers(int argc, char **argv);
int cmd_products(int argc, char **argv);
int cmd_buy(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_kpi(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_segments(int argc, char **argv);
int cmd_recommend(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_heatmap(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_faces(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_bench_faces(int argc, char **argv);
/* dynamic pricing (cmd_pricing.c); `train demand` and `eval pricing` are dispatched by
 * cmd_train and cmd_eval, which pass argv with the sub-command as the first positional */
int cmd_price(int argc, char **argv);
int cli_train_demand(int argc, char **argv);
int cli_eval_pricing(int argc, char **argv);
/* identity (cli/cmd_identity.c) */
int cmd_consent(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_emotions(int argc, char **argv);
int cmd_identify(int argc, char **argv);
int cmd_forget(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_peaks(int argc, char **argv);
int cmd_bench_identity(int argc, char **argv);
/* the server and its accounts (cli/cmd_serve.c) */
int cmd_serve(int argc, char **argv);
int cmd_users(int argc, char **argv);
int cmd_mirrors(int argc, char **argv);
int cmd_pin(int argc, char **argv);
/* `shopper eval faces DIR`, dispatched by cmd_eval (argv[0] is "faces") */
int cli_eval_faces(int argc, char **argv);

#endif
