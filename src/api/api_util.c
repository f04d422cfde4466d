/* api/api_util.c - what every handler uses: the JSON response, the one mapping of SHOP_E*
 * codes to HTTP statuses, and checked inputs (path, query, JSON body). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/parse.h"

int api_status_of(int rc)
{
    switch (rc) {
    case SHOP_OK: return 200;
    case SHOP_EINVAL: return 400;
    case SHOP_EAUTH: return 401;
    case SHOP_EPERM: return 403;
    case SHOP_ENOTFOUND: return 404;
    case SHOP_ECONFLICT: return 409;
    case SHOP_ETOOBIG: return 413;
    case SHOP_ELIMIT: return 429;
    case SHOP_EBUSY:
    case SHOP_EREADONLY: return 503;
    default: return 500; /* EDB, EIO, EMODEL, EVERSION, EINTERNAL: ours to fix */
    }
}

const char *api_code_name(int rc)
{
    switch (rc) {
    case SHOP_EINVAL: return "bad_request";
    case SHOP_EAUTH: return "unauthorized";
    case SHOP_EPERM: return "forbidden";
    case SHOP_ENOTFOUND: return "not_found";
    case SHOP_ECONFLICT: return "conflict";
    case SHOP_ETOOBIG: return "too_big";
    case SHOP_ELIMIT: return "rate_limited";
    case SHOP_EBUSY: return "busy";
    case SHOP_EREADONLY: return "read_only";
    default: return "internal";
    }
}

struct jsonw *api_json(struct api_ctx *c)
{
    if (!c->out) {
        c->out = open_memstream(&c->out_buf, &c->out_len);
        /* the body is this request's alone: no stdio lock around each of its characters
         * (fputc's lock was a quarter of a catalogue request's CPU) */
        __fsetlocking(c->out, FSETLOCKING_BYCALLER);
        jw_init(&c->w, c->out, 0);
    }
    return &c->w;
}

/* drops whatever the handler wrote before it failed */
static void restart_body(struct api_ctx *c)
{
    if (c->out) {
        fclose(c->out);
        free(c->out_buf);
        c->out = NULL;
        c->out_buf = NULL;
        c->out_len = 0;
    }
}

static int write_error(struct api_ctx *c, int status, const char *code, const char *msg)
{
    restart_body(c);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "error");
    jw_str(w, msg);
    jw_key(w, "code");
    jw_str(w, code);
    jw_end(w);
    jw_finish(w);
    c->res->ctype = NULL;
    return status;
}

int api_error(struct api_ctx *c, int rc)
{
    int status = api_status_of(rc);
    if (status == 401)
        http_res_header(c->res, "WWW-Authenticate", "Cookie realm=\"shopper\"");
    if (status == 500) /* the details go to the log (app_handle), not to the client */
        return write_error(c, status, api_code_name(rc), "internal error (logged)");
    return write_error(c, status, api_code_name(rc), shop_errmsg_or(rc));
}

int api_fail(struct api_ctx *c, int status, const char *code, const char *fmt, ...)
{
    char msg[SHOP_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return write_error(c, status, code, msg);
}

int api_ok(struct api_ctx *c, int status)
{
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "ok");
    jw_bool(w, 1);
    jw_end(w);
    jw_finish(w);
    return status;
}

/* ---- inputs ---- */

int api_param_str(struct api_ctx *c, int i, char *buf, size_t n)
{
    if (i >= c->nparams || c->param_len[i] >= n)
        return shop_fail(SHOP_EINVAL, "bad path parameter");
    memcpy(buf, c->params[i], c->param_len[i]);
    buf[c->param_len[i]] = '\0';
    return SHOP_OK;
}

int api_param_id(struct api_ctx *c, int i, int64_t *out)
{
    char buf[24];
    if (api_param_str(c, i, buf, sizeof(buf)) != SHOP_OK ||
        parse_int64(buf, 1, INT64_MAX, out) != SHOP_OK)
        return shop_fail(SHOP_EINVAL, "an id in the path is a positive whole number");
    return SHOP_OK;
}

int api_query_int(struct api_ctx *c, const char *name, int64_t min, int64_t max, int64_t def,
                  int64_t *out)
{
    const char *v = http_query(c->req, name);
    if (!v) {
        *out = def;
        return SHOP_OK;
    }
    if (parse_int64(v, min, max, out) != SHOP_OK)
        return shop_fail(SHOP_EINVAL, "query '%s' wants a whole number from %lld to %lld", name,
                         (long long)min, (long long)max);
    return SHOP_OK;
}

int api_query_time(struct api_ctx *c, const char *name, int64_t def, int64_t *out)
{
    const char *v = http_query(c->req, name);
    if (!v) {
        *out = def;
        return SHOP_OK;
    }
    if (strlen(v) > 32 || parse_time(v, out) != SHOP_OK)
        return shop_fail(SHOP_EINVAL, "query '%s' wants a date YYYY-MM-DD or a time "
                         "YYYY-MM-DDTHH:MM:SSZ", name);
    return SHOP_OK;
}

/* 1 when s is valid UTF-8 without control characters other than tab */
static int clean_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x80) {
            if (*p < 0x20 && *p != '\t')
                return 0;
            p++;
            continue;
        }
        int n = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0 || *p == 0xc0 || *p == 0xc1 || *p > 0xf4)
            return 0;
        uint32_t cp = *p & (0x3f >> n);
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || (cp >= 0xd800 && cp < 0xe000))
            return 0;
        p += n + 1;
    }
    return 1;
}

int api_query_str(struct api_ctx *c, const char *name, size_t max, const char **out)
{
    const char *v = http_query(c->req, name);
    *out = NULL;
    if (!v)
        return SHOP_OK;
    if (strlen(v) > max || !clean_utf8(v))
        return shop_fail(SHOP_EINVAL, "query '%s' wants text of at most %zu bytes", name, max);
    *out = v;
    return SHOP_OK;
}

int api_content_type_is(struct api_ctx *c, const char *type)
{
    const char *ct = http_header(c->req, "Content-Type");
    if (!ct)
        return 0;
    size_t n = strlen(type);
    return strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int api_body_json(struct api_ctx *c)
{
    if (c->json_in)
        return SHOP_OK;
    if (!c->req->body || !c->req->body_len)
        return shop_fail(SHOP_EINVAL, "the request wants a JSON object body");
    json_error_t err;
    /* jansson refuses invalid UTF-8 and NUL bytes in strings; depth is bounded by its
     * own limit (JSON_PARSER_MAX_DEPTH) */
    json_t *j = json_loadb(c->req->body, c->req->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!j)
        return shop_fail(SHOP_EINVAL, "broken JSON at line %d column %d: %s", err.line,
                         err.column, err.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return shop_fail(SHOP_EINVAL, "the body must be a JSON object");
    }
    c->json_in = j;
    return SHOP_OK;
}

static json_t *field(struct api_ctx *c, const char *name)
{
    return c->json_in ? json_object_get(c->json_in, name) : NULL;
}

int api_body_str(struct api_ctx *c, const char *name, int required, size_t max, const char **out)
{
    json_t *v = field(c, name);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return shop_fail(SHOP_EINVAL, "'%s' is required", name);
        return SHOP_OK;
    }
    if (!json_is_string(v))
        return shop_fail(SHOP_EINVAL, "'%s' must be a string", name);
    const char *s = json_string_value(v);
    if (json_string_length(v) > max || !clean_utf8(s))
        return shop_fail(SHOP_EINVAL, "'%s' must be text of at most %zu bytes", name, max);
    *out = s;
    return SHOP_OK;
}

int api_body_int(struct api_ctx *c, const char *name, int required, int64_t min, int64_t max,
                 int64_t def, int64_t *out)
{
    json_t *v = field(c, name);
    *out = def;
    if (!v || json_is_null(v)) {
        if (required)
            return shop_fail(SHOP_EINVAL, "'%s' is required", name);
        return SHOP_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return shop_fail(SHOP_EINVAL, "'%s' must be a whole number from %lld to %lld", name,
                         (long long)min, (long long)max);
    *out = json_integer_value(v);
    return SHOP_OK;
}

int api_body_bool(struct api_ctx *c, const char *name, int required, int def, int *out)
{
    json_t *v = field(c, name);
    *out = def;
    if (!v || json_is_null(v)) {
        if (required)
            return shop_fail(SHOP_EINVAL, "'%s' is required", name);
        return SHOP_OK;
    }
    if (!json_is_boolean(v))
        return shop_fail(SHOP_EINVAL, "'%s' must be true or false", name);
    *out = json_is_true(v);
    return SHOP_OK;
}
