/* api/api_auth.c - logging in and out of the dashboard, accounts, and pairing mirrors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"

#define COOKIE "shopper_session"

static void set_cookie(struct api_ctx *c, const char *value, int64_t max_age)
{
    char buf[256];
    snprintf(buf, sizeof(buf), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
             value, (long long)max_age, c->app->cfg.secure_cookies ? "; Secure" : "");
    http_res_header(c->res, "Set-Cookie", buf);
}

static void write_me(struct api_ctx *c, const struct store_user *u, const char *role,
                     const char *csrf, int64_t expires_at)
{
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "role");
    jw_str(w, role);
    jw_key(w, "user");
    auth_user_write_json(w, u);
    jw_key(w, "csrf");
    jw_str(w, csrf);
    if (expires_at) {
        jw_key(w, "expires_in");
        jw_int(w, expires_at - c->now);
    }
    jw_end(w);
    jw_finish(w);
}

static int post_login(struct api_ctx *c)
{
    const char *user, *pass;
    int rc = api_body_json(c);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "username", 1, 64, &user);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "password", 1, AUTH_PASSWORD_MAX, &pass);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct auth_login out;
    rc = auth_login(c->st, c->app->limiter, user, pass, c->req->client, c->now, &out);
    if (rc == SHOP_ELIMIT)
        http_res_header(c->res, "Retry-After", "900");
    if (rc != SHOP_OK)
        return api_error(c, rc);
    set_cookie(c, out.token, AUTH_SESSION_SECONDS);
    write_me(c, &out.user, out.user.role, out.csrf, out.expires_at);
    crypto_wipe(&out, sizeof(out));
    return 200;
}

static int post_logout(struct api_ctx *c)
{
    int rc = auth_logout(c->st, http_cookie(c->req, COOKIE));
    if (rc != SHOP_OK)
        return api_error(c, rc);
    set_cookie(c, "", 0);
    return api_ok(c, 200);
}

static int get_me(struct api_ctx *c)
{
    if (c->who.role == AUTH_MIRROR) {
        struct jsonw *w = api_json(c);
        jw_obj(w);
        jw_key(w, "role");
        jw_str(w, "mirror");
        jw_key(w, "device");
        auth_device_write_json(w, &c->who.device);
        jw_end(w);
        jw_finish(w);
        return 200;
    }
    write_me(c, &c->who.user, auth_role_name(c->who.role), c->who.csrf, 0);
    return 200;
}

/* ---- accounts (managers) ---- */

static int get_users(struct api_ctx *c)
{
    struct store_user *u = NULL;
    size_t n = 0;
    int rc = store_users(c->st, &u, &n);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    auth_users_write_json(w, u, n);
    jw_finish(w);
    free(u);
    return 200;
}

static int post_user(struct api_ctx *c)
{
    const char *name, *role, *pass;
    int rc = api_body_json(c);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "username", 1, 64, &name);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "role", 1, 16, &role);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "password", 1, AUTH_PASSWORD_MAX, &pass);
    struct store_user u;
    if (rc == SHOP_OK)
        rc = auth_user_add(c->st, name, role, pass, c->now, &u);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    auth_user_write_json(w, &u);
    jw_finish(w);
    return 201;
}

static int put_password(struct api_ctx *c)
{
    char name[AUTH_USERNAME_MAX + 1];
    const char *pass;
    int rc = api_param_str(c, 0, name, sizeof(name));
    if (rc == SHOP_OK)
        rc = api_body_json(c);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "password", 1, AUTH_PASSWORD_MAX, &pass);
    if (rc == SHOP_OK)
        rc = auth_user_passwd(c->st, name, pass);
    return rc == SHOP_OK ? api_ok(c, 200) : api_error(c, rc);
}

static int delete_user(struct api_ctx *c)
{
    char name[AUTH_USERNAME_MAX + 1];
    int rc = api_param_str(c, 0, name, sizeof(name));
    if (rc == SHOP_OK && strcmp(name, c->who.user.username) == 0)
        rc = shop_fail(SHOP_ECONFLICT, "you cannot remove your own account");
    if (rc == SHOP_OK)
        rc = auth_user_remove(c->st, name);
    return rc == SHOP_OK ? api_ok(c, 200) : api_error(c, rc);
}

/* ---- mirrors (managers) ---- */

static int get_mirrors(struct api_ctx *c)
{
    struct store_device *d = NULL;
    size_t n = 0;
    int rc = store_devices(c->st, &d, &n);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    auth_devices_write_json(w, d, n);
    jw_finish(w);
    free(d);
    return 200;
}

static int post_mirror(struct api_ctx *c)
{
    const char *name, *loc;
    int rc = api_body_json(c);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "name", 1, 64, &name);
    if (rc == SHOP_OK)
        rc = api_body_str(c, "location", 0, 64, &loc);
    struct store_device d;
    char token[CRYPTO_TOKEN_CHARS + 1];
    if (rc == SHOP_OK)
        rc = auth_device_pair(c->st, name, loc ? loc : "", c->now, &d, token);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    char link[128];
    snprintf(link, sizeof(link), "/mirror/#pair=%s", token);
    struct jsonw *w = api_json(c);
    jw_obj(w);
    jw_key(w, "mirror");
    auth_device_write_json(w, &d);
    jw_key(w, "token");
    jw_str(w, token);
    jw_key(w, "pairing_path");
    jw_str(w, link);
    jw_end(w);
    jw_finish(w);
    crypto_wipe(token, sizeof(token));
    return 201;
}

static int delete_mirror(struct api_ctx *c)
{
    int64_t id;
    int rc = api_param_id(c, 0, &id);
    if (rc == SHOP_OK)
        rc = store_device_revoke(c->st, id, c->now);
    return rc == SHOP_OK ? api_ok(c, 200) : api_error(c, rc);
}

const struct api_route auth_routes[] = {
    {"POST", "/api/v1/auth/login", post_login, API_PUBLIC, 0},
    {"POST", "/api/v1/auth/logout", post_logout, API_ANY_USER, 0},
    {"GET", "/api/v1/auth/me", get_me, API_ANY, 0},
    {"GET", "/api/v1/users", get_users, API_MANAGER, 0},
    {"POST", "/api/v1/users", post_user, API_MANAGER, 0},
    {"PUT", "/api/v1/users/{name}/password", put_password, API_MANAGER, 0},
    {"DELETE", "/api/v1/users/{name}", delete_user, API_MANAGER, 0},
    {"GET", "/api/v1/mirrors", get_mirrors, API_MANAGER, 0},
    {"POST", "/api/v1/mirrors", post_mirror, API_MANAGER, 0},
    {"DELETE", "/api/v1/mirrors/{id}", delete_mirror, API_MANAGER, 0},
    {NULL, NULL, NULL, 0, 0},
};
