#include "core/status.h"

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
    default: return "unknown error";
    }
}
