/* core/status.h - the one error convention shared by every module.
 *
 * A fallible function returns int: SHOP_OK (0) or a negative SHOP_E* code; results come back
 * through pointers. Mark such functions SHOP_MUST_CHECK so that a dropped error is a warning.
 * Where the error happens, the function says why with shop_fail(), which keeps a message in
 * a thread-local buffer (like errno + strerror, or SQLite's handle message) and returns the
 * code; the caller that handles the error reads shop_errmsg(). The CLI maps the code to an
 * exit code (cli_exit_code) and the server to an HTTP status (http_status_of), each in one
 * place.
 *     if (bad) return shop_fail(SHOP_EINVAL, "price %lld is negative", (long long)p);
 *     int rc = store_open(path, 0, &st);
 *     if (rc != SHOP_OK) fprintf(stderr, "shopper: %s\n", shop_errmsg());                    */
#ifndef SHOP_CORE_STATUS_H
#define SHOP_CORE_STATUS_H

#define SHOP_MUST_CHECK __attribute__((warn_unused_result))

enum shop_status {
    SHOP_OK = 0,
    SHOP_EINVAL = -1,    /* bad argument or malformed input */
    SHOP_ENOTFOUND = -2, /* no such customer, product, file ... */
    SHOP_EDB = -3,       /* the database failed (I/O, corrupt, locked) */
    SHOP_EVERSION = -4,  /* database or file from a newer version */
    SHOP_EIO = -5,       /* file system error */
    SHOP_ETOOBIG = -6,   /* a limit was exceeded */
    SHOP_EMODEL = -7,    /* a model (weights, xgboost) failed */
    SHOP_ECONFLICT = -8, /* state does not allow it (item already sold, no consent ...) */
    SHOP_EBUSY = -9,     /* database locked by another process */
    SHOP_EREADONLY = -10, /* database or file is read-only */
    SHOP_EAUTH = -11,     /* not authenticated, or wrong credentials */
    SHOP_EPERM = -12,     /* authenticated but not allowed */
    SHOP_ELIMIT = -13,    /* too many attempts: try again later */
    SHOP_EINTERNAL = -14  /* our own bug: an invariant did not hold */
};

/* Returns a static, lowercase description of a status code. */
const char *shop_strerror(int rc);

#define SHOP_ERRMSG_MAX 512
/* Records why an error happened (this thread) and returns rc, so that
 * `return shop_fail(SHOP_EINVAL, "...")` reports and returns in one statement. The message
 * is one line, lowercase, no final period; never put biometric data or secrets in it. */
int shop_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* the message of this thread's last shop_fail ("" when none since shop_err_clear) */
const char *shop_errmsg(void);
/* the message when there is one, else shop_strerror(rc) */
const char *shop_errmsg_or(int rc);
void shop_err_clear(void);

#endif
