#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_msg[SHOP_ERRMSG_MAX];

int shop_fail(int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
    va_end(ap);
    return rc;
}

const char *shop_errmsg(void)
{
    return last_msg;
}

const char *shop_errmsg_or(int rc)
{
    return last_msg[0] ? last_msg : shop_strerror(rc);
}

void shop_err_clear(void)
{
    last_msg[0] = '\0';
}

const char *shop_strerror(int rc)
{
    switch (rc) {
    case SHOP_OK: return "ok";
    case SHOP_EINVAL: return "invalid argument";
    case SHOP_ENOTFOUND: return "not found";
    case SHOP_EDB: return "database error";
    case SHOP_EVERSION: return "unsupported version";
    case SHOP_EIO: return "i/o error";
    case SHOP_ETOOBIG: return "too big";
    case SHOP_EMODEL: return "model error";
    case SHOP_ECONFLICT: return "conflict";
    case SHOP_EBUSY: return "database is locked";
    case SHOP_EREADONLY: return "read-only";
    case SHOP_EAUTH: return "not authenticated";
    case SHOP_EPERM: return "not allowed";
    case SHOP_ELIMIT: return "too many attempts";
    case SHOP_EINTERNAL: return "internal error";
    default: return "unknown error";
    }
}
