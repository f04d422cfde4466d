#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "core/xalloc.h"
#include "store/store.h"
#include "vision/face.h"

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("shopper: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int cli_exit_code(int rc)
{
    switch (rc) {
    case SHOP_OK: return 0;
    case SHOP_ENOTFOUND: return 3;
    case SHOP_ECONFLICT: return 4;
    case SHOP_EBUSY:
    case SHOP_ELIMIT: return 5;
    case SHOP_EAUTH:
    case SHOP_EPERM: return 6;
    default: return 1;
    }
}

int cli_fail_rc(int rc, const char *what)
{
    if (what && *what)
        fprintf(stderr, "shopper: %s: %s\n", what, shop_errmsg_or(rc));
    else
        fprintf(stderr, "shopper: %s\n", shop_errmsg_or(rc));
    return cli_exit_code(rc);
}

const char *cli_db_path(const char *flag_value)
{
    if (flag_value)
        return flag_value;
    const char *env = getenv("SHOPPER_DB");
    return env && *env ? env : "shopper.db";
}

struct store *cli_open_store(const char *db, int flags)
{
    struct store *st;
    if (store_open(cli_db_path(db), flags, &st) != SHOP_OK) {
        cli_fail("%s", store_open_error());
        return NULL;
    }
    return st;
}

const char *cli_models_dir(const char *flag)
{
    if (flag)
        return flag;
    const char *env = getenv("SHOPPER_MODELS");
    return env && *env ? env : "models";
}

int cli_parse_detector(const char *name, int *tiny)
{
    if (!name || strcmp(name, "ssd") == 0)
        *tiny = 0;
    else if (strcmp(name, "tiny") == 0)
        *tiny = 1;
    else
        return -1;
    return 0;
}

struct face_engine *cli_load_faces(const char *models_flag, unsigned nets)
{
    const char *dir = cli_models_dir(models_flag);
    struct face_engine *e = NULL;
    int rc = face_engine_load(dir, nets, &e);
    if (rc != SHOP_OK) {
        cli_fail("cannot load the face models from '%s': %s; run `make models` or pass --models",
                 dir, shop_errmsg_or(rc));
        return NULL;
    }
    return e;
}

static void print_help(const char *usage, const char *about, const struct cli_opt *opts)
{
    printf("usage: %s\n\n%s\n\noptions:\n", usage, about);
    for (const struct cli_opt *o = opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
        printf("  %-26s %s\n", left, o->help);
    }
    printf("  %-26s %s\n", "--help", "show this help");
}

static int set_value(struct cli_opt *o, const char *v)
{
    switch (o->type) {
    case CLI_T_STR:
        *(const char **)o->ptr = v;
        return 0;
    case CLI_T_INT: {
        int64_t x;
        if (parse_int64(v, (int64_t)o->min, (int64_t)o->max, &x) != SHOP_OK) {
            cli_fail("--%s wants a whole number from %lld to %lld, not '%s'", o->name,
                     (long long)o->min, (long long)o->max, v);
            return 2;
        }
        *(int64_t *)o->ptr = x;
        return 0;
    }
    case CLI_T_DOUBLE: {
        double x;
        if (parse_double(v, o->min, o->max, &x) != SHOP_OK) {
            cli_fail("--%s wants a number from %g to %g, not '%s'", o->name, o->min, o->max, v);
            return 2;
        }
        *(double *)o->ptr = x;
        return 0;
    }
    default:
        return 2;
    }
}

static int parse(int argc, char **argv, const char *usage, const char *about,
                 struct cli_opt *opts, char ***pos);

int cli_parse(int argc, char **argv, const char *usage, const char *about, struct cli_opt *opts,
              char ***pos)
{
    int rc = parse(argc, argv, usage, about, opts, pos);
    if (rc >= 0 && pos) {
        /* nothing more to do for the caller: the positional list is not handed over */
        free(*pos);
        *pos = NULL;
    }
    return rc;
}

static int parse(int argc, char **argv, const char *usage, const char *about,
                 struct cli_opt *opts, char ***pos)
{
    int npos = 0;
    if (pos)
        *pos = xcalloc((size_t)argc + 1, sizeof(char *));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help(usage, about, opts);
            return 0;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (pos && (a[0] != '-' || a[1] == '\0')) {
                (*pos)[npos++] = argv[i];
                continue;
            }
            cli_fail("%s: unexpected argument '%s' (see --help)", argv[0], a);
            return 2;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        struct cli_opt *o = opts;
        for (; o->name; o++)
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                break;
        if (!o->name) {
            cli_fail("%s: unknown flag '--%.*s' (see --help)", argv[0], (int)len, name);
            return 2;
        }
        o->seen = 1;
        if (o->type == CLI_T_FLAG) {
            if (eq) {
                cli_fail("%s: --%s takes no value", argv[0], o->name);
                return 2;
            }
            *(int *)o->ptr = 1;
            continue;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v) {
            cli_fail("%s: --%s needs a value %s", argv[0], o->name, o->arg);
            return 2;
        }
        int rc = set_value(o, v);
        if (rc)
            return rc;
    }
    return -1;
}

int cli_read_file(const char *path, uint8_t **data, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return SHOP_EIO;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            if (cap > 64u << 20) {
                fclose(f);
                free(buf);
                return SHOP_ETOOBIG;
            }
            buf = xrealloc(buf, cap);
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    fclose(f);
    *data = buf;
    *n = len;
    return SHOP_OK;
}
