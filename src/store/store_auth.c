/* store/store_auth.c - dashboard users, their login sessions, paired mirror devices and
 * customers' PINs. Secrets are stored as hashes only (the caller hashes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store_int.h"

/* ---- users ---- */

static const char *const SQL_USER_ADD =
    "INSERT INTO users(username, role, password_hash, created_at) "
    "VALUES (:name, :role, :hash, :at)";
#define USER_COLS "SELECT id, username, role, created_at, password_hash FROM users "
static const char *const SQL_USER_BY_NAME = USER_COLS "WHERE username = :name";
static const char *const SQL_USER_BY_ID = USER_COLS "WHERE id = :id";
static const char *const SQL_USERS = USER_COLS "ORDER BY id";
static const char *const SQL_USER_PASSWORD =
    "UPDATE users SET password_hash = :hash WHERE id = :id";
static const char *const SQL_USER_REMOVE = "DELETE FROM users WHERE id = :id";
static const char *const SQL_USER_COUNT = "SELECT count(*) FROM users";
static const char *const SQL_MANAGER_COUNT =
    "SELECT count(*) FROM users WHERE role = 'manager'";
static const char *const SQL_USER_SESSIONS_DROP = "DELETE FROM auth_sessions WHERE user_id = :id";

int store_user_add(struct store *st, struct store_user *u, const char *password_hash)
{
    sqlite3_stmt *s = stmt_get(st, SQL_USER_ADD);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":name", u->username);
    bind_text(s, ":role", u->role);
    bind_text(s, ":hash", password_hash);
    bind_int(s, ":at", u->created_at);
    int rc = stmt_exec(st, s, "add user");
    if (rc == SHOP_ECONFLICT)
        store_msg(st, "a user '%s' exists already", u->username);
    else if (rc == SHOP_OK)
        u->id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

static int user_one(struct store *st, sqlite3_stmt *s, struct store_user *out, char *hash,
                    size_t hn, const char *what)
{
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = sqlite3_column_int64(s, 0);
        col_text(s, 1, out->username, sizeof(out->username));
        col_text(s, 2, out->role, sizeof(out->role));
        out->created_at = sqlite3_column_int64(s, 3);
        if (hash)
            col_text(s, 4, hash, hn);
    } else if (rc == SQLITE_DONE) {
        store_msg(st, "no such user");
        ret = SHOP_ENOTFOUND;
    } else
        ret = store_fail(st, rc, what);
    stmt_done(s);
    return ret;
}

int store_user_by_name(struct store *st, const char *username, struct store_user *out,
                       char *hash, size_t hash_n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_USER_BY_NAME);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":name", username);
    return user_one(st, s, out, hash, hash_n, "read user");
}

int store_user_get(struct store *st, int64_t id, struct store_user *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_USER_BY_ID);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    return user_one(st, s, out, NULL, 0, "read user");
}

int store_users(struct store *st, struct store_user **out, size_t *n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_USERS);
    *out = NULL;
    *n = 0;
    if (!s)
        return SHOP_EDB;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        struct store_user *u = &(*out)[(*n)++];
        memset(u, 0, sizeof(*u));
        u->id = sqlite3_column_int64(s, 0);
        col_text(s, 1, u->username, sizeof(u->username));
        col_text(s, 2, u->role, sizeof(u->role));
        u->created_at = sqlite3_column_int64(s, 3);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "list users");
}

int store_user_count(struct store *st, int managers_only, int64_t *n)
{
    return query_int(st, managers_only ? SQL_MANAGER_COUNT : SQL_USER_COUNT, 0, n);
}

/* a new password ends every session of the user (one transaction) */
int store_user_set_password(struct store *st, int64_t id, const char *password_hash)
{
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    sqlite3_stmt *s = stmt_get(st, SQL_USER_PASSWORD);
    bind_int(s, ":id", id);
    bind_text(s, ":hash", password_hash);
    rc = stmt_exec(st, s, "set password");
    if (rc == SHOP_OK && sqlite3_changes(st->db) == 0) {
        store_msg(st, "no such user");
        rc = SHOP_ENOTFOUND;
    }
    if (rc == SHOP_OK) {
        s = stmt_get(st, SQL_USER_SESSIONS_DROP);
        bind_int(s, ":id", id);
        rc = stmt_exec(st, s, "end sessions");
    }
    if (rc == SHOP_OK)
        return store_commit(st);
    store_rollback(st);
    return rc;
}

int store_user_remove(struct store *st, int64_t id)
{
    sqlite3_stmt *s = stmt_get(st, SQL_USER_REMOVE);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    int rc = stmt_exec(st, s, "remove user");
    if (rc == SHOP_OK && sqlite3_changes(st->db) == 0) {
        store_msg(st, "no such user");
        rc = SHOP_ENOTFOUND;
    }
    return rc;
}

/* ---- login sessions ---- */

static const char *const SQL_AUTH_ADD =
    "INSERT INTO auth_sessions(token_hash, user_id, csrf, created_at, expires_at, last_seen_at) "
    "VALUES (:hash, :user, :csrf, :now, :exp, :now)";
static const char *const SQL_AUTH_GET =
    "SELECT a.id, a.user_id, a.csrf, a.expires_at, a.last_seen_at, u.username, u.role, "
    "u.created_at FROM auth_sessions a JOIN users u ON u.id = a.user_id "
    "WHERE a.token_hash = :hash AND a.expires_at > :now";
static const char *const SQL_AUTH_TOUCH =
    "UPDATE auth_sessions SET last_seen_at = :now, expires_at = :exp WHERE id = :id";
static const char *const SQL_AUTH_REMOVE = "DELETE FROM auth_sessions WHERE token_hash = :hash";
static const char *const SQL_AUTH_EXPIRE = "DELETE FROM auth_sessions WHERE expires_at <= :now";

int store_auth_session_add(struct store *st, const char *token_hash, int64_t user_id,
                           const char *csrf, int64_t now, int64_t expires_at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_AUTH_ADD);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":hash", token_hash);
    bind_int(s, ":user", user_id);
    bind_text(s, ":csrf", csrf);
    bind_int(s, ":now", now);
    bind_int(s, ":exp", expires_at);
    return stmt_exec(st, s, "add login session");
}

int store_auth_session_get(struct store *st, const char *token_hash, int64_t now,
                           struct store_auth_session *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_AUTH_GET);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":hash", token_hash);
    bind_int(s, ":now", now);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = sqlite3_column_int64(s, 0);
        out->user.id = sqlite3_column_int64(s, 1);
        col_text(s, 2, out->csrf, sizeof(out->csrf));
        out->expires_at = sqlite3_column_int64(s, 3);
        out->last_seen_at = sqlite3_column_int64(s, 4);
        col_text(s, 5, out->user.username, sizeof(out->user.username));
        col_text(s, 6, out->user.role, sizeof(out->user.role));
        out->user.created_at = sqlite3_column_int64(s, 7);
    } else if (rc == SQLITE_DONE) {
        store_msg(st, "no such login session (expired or logged out)");
        ret = SHOP_ENOTFOUND;
    } else
        ret = store_fail(st, rc, "read login session");
    stmt_done(s);
    return ret;
}

int store_auth_session_touch(struct store *st, int64_t id, int64_t now, int64_t expires_at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_AUTH_TOUCH);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    bind_int(s, ":now", now);
    bind_int(s, ":exp", expires_at);
    return stmt_exec(st, s, "renew login session");
}

int store_auth_session_remove(struct store *st, const char *token_hash)
{
    sqlite3_stmt *s = stmt_get(st, SQL_AUTH_REMOVE);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":hash", token_hash);
    return stmt_exec(st, s, "end login session");
}

int store_auth_sessions_expire(struct store *st, int64_t now)
{
    sqlite3_stmt *s = stmt_get(st, SQL_AUTH_EXPIRE);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":now", now);
    return stmt_exec(st, s, "expire login sessions");
}

/* ---- mirror devices ---- */

static const char *const SQL_DEVICE_ADD =
    "INSERT INTO devices(name, location, token_hash, created_at) "
    "VALUES (:name, :loc, :hash, :at)";
#define DEVICE_COLS "SELECT id, name, location, created_at, revoked_at, last_seen_at FROM devices "
static const char *const SQL_DEVICE_BY_TOKEN =
    DEVICE_COLS "WHERE token_hash = :hash AND revoked_at IS NULL";
static const char *const SQL_DEVICE_GET = DEVICE_COLS "WHERE id = :id";
static const char *const SQL_DEVICES = DEVICE_COLS "ORDER BY id";
static const char *const SQL_DEVICE_REVOKE =
    "UPDATE devices SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL";
static const char *const SQL_DEVICE_SEEN = "UPDATE devices SET last_seen_at = :at WHERE id = :id";

static void read_device(sqlite3_stmt *s, struct store_device *d)
{
    memset(d, 0, sizeof(*d));
    d->id = sqlite3_column_int64(s, 0);
    col_text(s, 1, d->name, sizeof(d->name));
    col_text(s, 2, d->location, sizeof(d->location));
    d->created_at = sqlite3_column_int64(s, 3);
    d->revoked_at = sqlite3_column_int64(s, 4);
    d->last_seen_at = sqlite3_column_int64(s, 5);
}

int store_device_add(struct store *st, struct store_device *d, const char *token_hash)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DEVICE_ADD);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":name", d->name);
    bind_str(s, ":loc", d->location); /* "" is a mirror without a location, not NULL */
    bind_text(s, ":hash", token_hash);
    bind_int(s, ":at", d->created_at);
    int rc = stmt_exec(st, s, "add device");
    if (rc == SHOP_ECONFLICT)
        store_msg(st, "a mirror named '%s' exists already", d->name);
    else if (rc == SHOP_OK)
        d->id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

static int device_one(struct store *st, sqlite3_stmt *s, struct store_device *out)
{
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW)
        read_device(s, out);
    else if (rc == SQLITE_DONE) {
        store_msg(st, "no such mirror (unknown or revoked)");
        ret = SHOP_ENOTFOUND;
    } else
        ret = store_fail(st, rc, "read device");
    stmt_done(s);
    return ret;
}

int store_device_by_token(struct store *st, const char *token_hash, struct store_device *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DEVICE_BY_TOKEN);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":hash", token_hash);
    return device_one(st, s, out);
}

int store_device_get(struct store *st, int64_t id, struct store_device *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DEVICE_GET);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    return device_one(st, s, out);
}

int store_devices(struct store *st, struct store_device **out, size_t *n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DEVICES);
    *out = NULL;
    *n = 0;
    if (!s)
        return SHOP_EDB;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        read_device(s, &(*out)[(*n)++]);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "list devices");
}

int store_device_revoke(struct store *st, int64_t id, int64_t at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DEVICE_REVOKE);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    bind_int(s, ":at", at);
    int rc = stmt_exec(st, s, "revoke device");
    if (rc == SHOP_OK && sqlite3_changes(st->db) == 0) {
        store_msg(st, "no paired mirror %lld", (long long)id);
        rc = SHOP_ENOTFOUND;
    }
    return rc;
}

int store_device_seen(struct store *st, int64_t id, int64_t at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_DEVICE_SEEN);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    bind_int(s, ":at", at);
    return stmt_exec(st, s, "update device");
}

/* ---- customers' PINs and e-mail lookup ---- */

static const char *const SQL_PIN_SET =
    "INSERT INTO customer_pins(customer_id, pin_hash, set_at) VALUES (:id, :hash, :at) "
    "ON CONFLICT(customer_id) DO UPDATE SET pin_hash = excluded.pin_hash, set_at = excluded.set_at";
static const char *const SQL_PIN_GET = "SELECT pin_hash FROM customer_pins WHERE customer_id = :id";
static const char *const SQL_CUSTOMER_BY_EMAIL =
    "SELECT id FROM customers WHERE email = :email COLLATE NOCASE ORDER BY id LIMIT 1";

int store_customer_pin_set(struct store *st, int64_t customer_id, const char *pin_hash,
                           int64_t at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_PIN_SET);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", customer_id);
    bind_text(s, ":hash", pin_hash);
    bind_int(s, ":at", at);
    int rc = stmt_exec(st, s, "set PIN");
    if (rc == SHOP_ECONFLICT) { /* the foreign key: no such customer */
        store_msg(st, "no customer %lld", (long long)customer_id);
        rc = SHOP_ENOTFOUND;
    }
    return rc;
}

int store_customer_pin_get(struct store *st, int64_t customer_id, char *hash, size_t n)
{
    sqlite3_stmt *s = stmt_get(st, SQL_PIN_GET);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", customer_id);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW)
        col_text(s, 0, hash, n);
    else if (rc == SQLITE_DONE) {
        store_msg(st, "customer %lld has no PIN", (long long)customer_id);
        ret = SHOP_ENOTFOUND;
    } else
        ret = store_fail(st, rc, "read PIN");
    stmt_done(s);
    return ret;
}

int store_customer_by_email(struct store *st, const char *email, int64_t *id)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CUSTOMER_BY_EMAIL);
    if (!s)
        return SHOP_EDB;
    bind_text(s, ":email", email);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    else if (rc == SQLITE_DONE) {
        store_msg(st, "no customer with that e-mail");
        ret = SHOP_ENOTFOUND;
    } else
        ret = store_fail(st, rc, "find customer");
    stmt_done(s);
    return ret;
}
