/* api/api_system.c - health, metrics, and the web apps' static files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api_int.h"
#include "api/metrics.h"
#include "store/store.h"

static int get_healthz(struct api_ctx *c)
{
    int64_t v = store_schema_version(c->st);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "status");
    jw_str(w, v > 0 ? "ok" : "degraded");
    jw_key(w, "schema_version");
    jw_int(w, v);
    jw_key(w, "face_engine");
    jw_bool(w, c->app->faces != NULL);
    jw_end(w);
    jw_finish(w);
    return v > 0 ? 200 : 503;
}

static int get_metrics(struct api_ctx *c)
{
    struct metrics_gauges g = {.mirror_sessions = -1};
    size_t n = 0;
    struct store_alert_row *rows = NULL;
    /* open alerts: raised and not resolved */
    if (store_alerts_list(c->st, "open", 100000, &rows, &n) == SHOP_OK)
        g.open_alerts += (int64_t)n;
    free(rows);
    rows = NULL;
    if (store_alerts_list(c->st, "acknowledged", 100000, &rows, &n) == SHOP_OK)
        g.open_alerts += (int64_t)n;
    free(rows);
    g.mirror_sessions = app_mirror_sessions(c->app);
    pthread_mutex_lock(&c->app->pool.mu);
    g.store_handles = c->app->pool.nopen;
    pthread_mutex_unlock(&c->app->pool.mu);
    api_json(c); /* opens the body stream */
    metrics_write(c->app->metrics, c->out, app_route_label, c->app, &g);
    c->res->ctype = "text/plain; version=0.0.4; charset=utf-8";
    return 200;
}

const struct api_route system_routes[] = {
    {"GET", "/healthz", get_healthz, API_PUBLIC, 0},
    {"GET", "/metrics", get_metrics, API_PUBLIC, 0},
    {NULL, NULL, NULL, 0, 0},
};

/* ---- static files ---- */

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".wav", "audio/wav"},
    {".txt", "text/plain; charset=utf-8"},
    {".yaml", "application/yaml"},
};

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return NULL;
}

/* 1 when every segment of the decoded path is a plain name: no "..", ".", backslash or
 * control character (a percent-encoded "%2e%2e" arrives here decoded) */
static int safe_path(const char *p)
{
    if (p[0] != '/' || strlen(p) > 512)
        return 0;
    for (const char *s = p; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == '\\' || *s == 0x7f)
            return 0;
    const char *seg = p + 1;
    while (*seg) {
        size_t n = strcspn(seg, "/");
        if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.') ||
            (n > 0 && seg[0] == '.'))
            return 0; /* also hides dot files */
        seg += n;
        if (*seg == '/')
            seg++;
    }
    return 1;
}

int app_static(struct api_ctx *c)
{
    const char *m = c->req->method;
    if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0)
        return api_fail(c, 405, "method_not_allowed", "%s is not allowed here", m);
    const char *path = c->req->path;
    if (!safe_path(path))
        return api_fail(c, 400, "bad_path", "bad path");
    /* /mirror and /manager are folders: redirect so that relative links resolve */
    if (strcmp(path, "/mirror") == 0 || strcmp(path, "/manager") == 0) {
        char loc[32];
        snprintf(loc, sizeof(loc), "%s/", path);
        http_res_header(c->res, "Location", loc);
        return api_fail(c, 301, "moved", "see %s", loc);
    }
    char file[PATH_MAX];
    size_t n = strlen(path);
    int r = snprintf(file, sizeof(file), "%s%s%s", c->app->cfg.web_root, path,
                     path[n - 1] == '/' ? "index.html" : "");
    if (r < 0 || (size_t)r >= sizeof(file))
        return api_fail(c, 404, "not_found", "no such page");
    const char *type = type_of(file);
    int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || !type) {
        if (fd >= 0)
            close(fd);
        return api_fail(c, 404, "not_found", "no such page: %s", path);
    }
    char etag[64];
    snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)sb.st_size,
             (unsigned long long)sb.st_mtime);
    http_res_header(c->res, "ETag", etag);
    /* always revalidate: the apps change with the server, and a 304 is cheap */
    http_res_header(c->res, "Cache-Control", "no-cache");
    if (strncmp(type, "text/html", 9) == 0) {
        http_res_header(c->res, "Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: "
                        "mediastream:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
                        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
        http_res_header(c->res, "Referrer-Policy", "no-referrer");
    }
    const char *inm = http_header(c->req, "If-None-Match");
    c->res->ctype = type;
    if (inm && strcmp(inm, etag) == 0) {
        close(fd);
        return 304;
    }
    c->res->fd = fd;
    c->res->fd_size = (size_t)sb.st_size;
    return 200;
}
