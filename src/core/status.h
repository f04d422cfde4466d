/* core/status.h - the error-code convention shared by every module.
 *
 * A fallible function returns int: SHOP_OK (0) or a negative SHOP_E* code; results come back
 * through pointers. Mark such functions SHOP_MUST_CHECK so that a dropped error is a warning.
 *     int rc = store_open(path, &st);
 *     if (rc != SHOP_OK) fprintf(stderr, "shopper: %s\n", shop_strerror(rc));               */
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
    SHOP_EREADONLY = -10 /* database or file is read-only */
};

/* Returns a static, lowercase description of a status code. */
const char *shop_strerror(int rc);

#endif
