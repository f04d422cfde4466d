/* auth/auth.c - accounts, sessions, devices, PINs and the failed-attempt limiter. */
#include "auth/auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/xalloc.h"

const char *auth_role_name(enum auth_role r)
{
    switch (r) {
    case AUTH_MIRROR: return "mirror";
    case AUTH_STAFF: return "staff";
    case AUTH_MANAGER: return "manager";
    default: return "none";
    }
}

enum auth_role auth_role_parse(const char *name)
{
    if (name && strcmp(name, "manager") == 0)
        return AUTH_MANAGER;
    if (name && strcmp(name, "staff") == 0)
        return AUTH_STAFF;
    return AUTH_NONE;
}

/* ---- limiter: a small open table of keys with their recent failure times ---- */

#define LIMIT_SLOTS 1024

struct limit_entry {
    char key[128];
    int64_t fails[AUTH_LIMIT_ADDR_FAILS]; /* ring of the last failure times */
    int n, next;
};

struct auth_limiter {
    pthread_mutex_t mu;
    struct limit_entry e[LIMIT_SLOTS];
};

struct auth_limiter *auth_limiter_new(void)
{
    struct auth_limiter *l = xcalloc(1, sizeof(*l));
    pthread_mutex_init(&l->mu, NULL);
    return l;
}

void auth_limiter_free(struct auth_limiter *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static uint64_t hash_key(const char *k)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 0x100000001b3ULL;
    return h;
}

/* the entry of key; with create, a free or the stalest slot of its probe run */
static struct limit_entry *slot(struct auth_limiter *l, const char *key, int64_t now, int create)
{
    uint64_t h = hash_key(key);
    struct limit_entry *victim = NULL;
    for (int i = 0; i < 16; i++) {
        struct limit_entry *e = &l->e[(h + (uint64_t)i) % LIMIT_SLOTS];
        if (e->n && strcmp(e->key, key) == 0)
            return e;
        int64_t newest =
            e->n ? e->fails[(e->next + AUTH_LIMIT_ADDR_FAILS - 1) % AUTH_LIMIT_ADDR_FAILS] : 0;
        int stale = !e->n || now - newest >= AUTH_LIMIT_WINDOW;
        if (stale && !victim)
            victim = e;
    }
    if (!create)
        return NULL;
    if (!victim) /* every slot of the run is busy: reuse the first (an attacker flooding keys
                    only loses their own history) */
        victim = &l->e[h % LIMIT_SLOTS];
    memset(victim, 0, sizeof(*victim));
    snprintf(victim->key, sizeof(victim->key), "%s", key);
    return victim;
}

int auth_limiter_check(struct auth_limiter *l, const char *key, int max, int64_t now,
                       int64_t *retry_after)
{
    int rc = SHOP_OK;
    if (max > AUTH_LIMIT_ADDR_FAILS)
        max = AUTH_LIMIT_ADDR_FAILS;
    pthread_mutex_lock(&l->mu);
    struct limit_entry *e = slot(l, key, now, 0);
    if (e && e->n >= max) {
        /* the max-th newest failure decides */
        int64_t oldest = e->fails[(e->next + AUTH_LIMIT_ADDR_FAILS - max) % AUTH_LIMIT_ADDR_FAILS];
        if (now - oldest < AUTH_LIMIT_WINDOW) {
            int64_t wait = AUTH_LIMIT_WINDOW - (now - oldest);
            if (retry_after)
                *retry_after = wait;
            rc = shop_fail(SHOP_ELIMIT, "too many failed attempts: try again in %lld s",
                           (long long)wait);
        }
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

void auth_limiter_fail(struct auth_limiter *l, const char *key, int64_t now)
{
    pthread_mutex_lock(&l->mu);
    struct limit_entry *e = slot(l, key, now, 1);
    e->fails[e->next] = now;
    e->next = (e->next + 1) % AUTH_LIMIT_ADDR_FAILS;
    if (e->n < AUTH_LIMIT_ADDR_FAILS)
        e->n++;
    pthread_mutex_unlock(&l->mu);
}

void auth_limiter_clear(struct auth_limiter *l, const char *key)
{
    pthread_mutex_lock(&l->mu);
    struct limit_entry *e = slot(l, key, 0, 0);
    if (e)
        memset(e, 0, sizeof(*e));
    pthread_mutex_unlock(&l->mu);
}

/* ---- accounts ---- */

static int valid_username(const char *u)
{
    size_t n = u ? strlen(u) : 0;
    if (n < 1 || n > AUTH_USERNAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = u[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return 0;
    }
    return 1;
}

static int check_password(const char *p)
{
    size_t n = p ? strlen(p) : 0;
    if (n < AUTH_PASSWORD_MIN || n > AUTH_PASSWORD_MAX)
        return shop_fail(SHOP_EINVAL, "a password has %d to %d characters", AUTH_PASSWORD_MIN,
                         AUTH_PASSWORD_MAX);
    return SHOP_OK;
}

int auth_user_add(struct store *st, const char *username, const char *role,
                  const char *password, int64_t now, struct store_user *out)
{
    if (!valid_username(username))
        return shop_fail(SHOP_EINVAL,
                         "a username has 1 to %d characters of a-z, 0-9, '.', '_' and '-'",
                         AUTH_USERNAME_MAX);
    if (auth_role_parse(role) == AUTH_NONE)
        return shop_fail(SHOP_EINVAL, "a role is 'manager' or 'staff'");
    int rc = check_password(password);
    if (rc != SHOP_OK)
        return rc;
    char hash[CRYPTO_PWHASH_MAX];
    rc = crypto_password_hash(password, hash);
    if (rc != SHOP_OK)
        return rc;
    struct store_user u = {.created_at = now};
    snprintf(u.username, sizeof(u.username), "%s", username);
    snprintf(u.role, sizeof(u.role), "%s", role);
    rc = store_user_add(st, &u, hash);
    crypto_wipe(hash, sizeof(hash));
    if (rc == SHOP_OK && out)
        *out = u;
    return rc;
}

int auth_user_passwd(struct store *st, const char *username, const char *password)
{
    struct store_user u;
    int rc = check_password(password);
    if (rc == SHOP_OK)
        rc = store_user_by_name(st, username, &u, NULL, 0);
    if (rc == SHOP_ENOTFOUND)
        return shop_fail(rc, "no user '%s'", username);
    if (rc != SHOP_OK)
        return rc;
    char hash[CRYPTO_PWHASH_MAX];
    rc = crypto_password_hash(password, hash);
    if (rc == SHOP_OK)
        rc = store_user_set_password(st, u.id, hash);
    crypto_wipe(hash, sizeof(hash));
    return rc;
}

int auth_user_remove(struct store *st, const char *username)
{
    struct store_user u;
    int rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = store_user_by_name(st, username, &u, NULL, 0);
    if (rc == SHOP_ENOTFOUND)
        rc = shop_fail(rc, "no user '%s'", username);
    int64_t managers = 0;
    if (rc == SHOP_OK && strcmp(u.role, "manager") == 0) {
        rc = store_user_count(st, 1, &managers);
        if (rc == SHOP_OK && managers <= 1)
            rc = shop_fail(SHOP_ECONFLICT, "'%s' is the last manager: add another first",
                           username);
    }
    if (rc == SHOP_OK)
        rc = store_user_remove(st, u.id);
    if (rc == SHOP_OK)
        return store_commit(st);
    store_rollback(st);
    return rc;
}

int auth_ensure_admin(struct store *st, const char *password, int64_t now, char generated[33],
                      int *created)
{
    *created = 0;
    generated[0] = '\0';
    int64_t n = 0;
    int rc = store_user_count(st, 0, &n);
    if (rc != SHOP_OK || n > 0)
        return rc;
    const char *pw = password;
    if (!pw || !*pw) {
        crypto_password_generate(generated, 20);
        pw = generated;
    }
    rc = auth_user_add(st, "admin", "manager", pw, now, NULL);
    if (rc == SHOP_ECONFLICT) /* another process created it first */
        return SHOP_OK;
    if (rc == SHOP_OK)
        *created = 1;
    else
        generated[0] = '\0';
    return rc;
}

/* ---- sessions ---- */

/* the stored form of a token */
static void token_hash(const char *token, char out[CRYPTO_SHA256_HEX])
{
    crypto_sha256_hex(token, strlen(token), out);
}

/* A verification against this hash costs what a real one costs, so that a wrong username
 * takes as long as a wrong password. Made once, lazily. */
static char dummy_hash[CRYPTO_PWHASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void make_dummy(void)
{
    char pw[24];
    crypto_password_generate(pw, 20);
    if (crypto_password_hash(pw, dummy_hash) != SHOP_OK)
        dummy_hash[0] = '\0';
}

/* 1 when secret matches hash; with no hash (unknown account) it spends the same time on
 * the dummy hash and says no */
static int verify(const char *hash, const char *secret)
{
    if (hash)
        return crypto_password_verify(hash, secret) == SHOP_OK;
    pthread_once(&dummy_once, make_dummy);
    int spent = crypto_password_verify(dummy_hash, secret);
    (void)spent;
    return 0;
}

static int limited(struct auth_limiter *lim, const char *kind, const char *who,
                   const char *address, int64_t now)
{
    char key[160];
    snprintf(key, sizeof(key), "%s:%s", kind, who);
    int rc = auth_limiter_check(lim, key, AUTH_LIMIT_FAILS, now, NULL);
    if (rc == SHOP_OK && address) {
        snprintf(key, sizeof(key), "addr:%s", address);
        rc = auth_limiter_check(lim, key, AUTH_LIMIT_ADDR_FAILS, now, NULL);
    }
    return rc;
}

static void failed(struct auth_limiter *lim, const char *kind, const char *who,
                   const char *address, int64_t now)
{
    char key[160];
    snprintf(key, sizeof(key), "%s:%s", kind, who);
    auth_limiter_fail(lim, key, now);
    if (address) {
        snprintf(key, sizeof(key), "addr:%s", address);
        auth_limiter_fail(lim, key, now);
    }
}

int auth_login(struct store *st, struct auth_limiter *lim, const char *username,
               const char *password, const char *address, int64_t now, struct auth_login *out)
{
    memset(out, 0, sizeof(*out));
    if (!username || !password || strlen(username) > AUTH_USERNAME_MAX ||
        strlen(password) > AUTH_PASSWORD_MAX)
        return shop_fail(SHOP_EAUTH, "wrong username or password");
    int rc = limited(lim, "user", username, address, now);
    if (rc != SHOP_OK)
        return rc;
    char hash[CRYPTO_PWHASH_MAX] = "";
    struct store_user u;
    rc = store_user_by_name(st, username, &u, hash, sizeof(hash));
    if (rc != SHOP_OK && rc != SHOP_ENOTFOUND)
        return rc;
    int ok = verify(rc == SHOP_OK ? hash : NULL, password);
    crypto_wipe(hash, sizeof(hash));
    if (!ok) {
        failed(lim, "user", username, address, now);
        return shop_fail(SHOP_EAUTH, "wrong username or password");
    }
    char key[160];
    snprintf(key, sizeof(key), "user:%s", username);
    auth_limiter_clear(lim, key);
    crypto_token(out->token);
    crypto_token(out->csrf);
    char th[CRYPTO_SHA256_HEX];
    token_hash(out->token, th);
    out->user = u;
    out->expires_at = now + AUTH_SESSION_SECONDS;
    rc = store_auth_session_add(st, th, u.id, out->csrf, now, out->expires_at);
    if (rc != SHOP_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* the session's user without any write; who->renew_due says the idle expiry is a minute old */
int auth_session_peek(struct store *st, const char *token, int64_t now, struct auth_who *who)
{
    memset(who, 0, sizeof(*who));
    if (!token || strlen(token) != CRYPTO_TOKEN_CHARS)
        return shop_fail(SHOP_EAUTH, "not logged in");
    char th[CRYPTO_SHA256_HEX];
    token_hash(token, th);
    struct store_auth_session s;
    int rc = store_auth_session_get(st, th, now, &s);
    if (rc == SHOP_ENOTFOUND)
        return shop_fail(SHOP_EAUTH, "not logged in (or the session expired)");
    if (rc != SHOP_OK)
        return rc;
    who->role = auth_role_parse(s.user.role);
    who->user = s.user;
    who->session_id = s.id;
    who->renew_due = now - s.last_seen_at >= 60;
    who->expires_at = s.expires_at;
    who->last_seen_at = s.last_seen_at;
    snprintf(who->csrf, sizeof(who->csrf), "%s", s.csrf);
    return who->role == AUTH_NONE ? shop_fail(SHOP_EAUTH, "account without a role") : SHOP_OK;
}

int auth_session_check(struct store *st, const char *token, int64_t now, struct auth_who *who)
{
    int rc = auth_session_peek(st, token, now, who);
    /* sliding expiry, written at most once a minute so that reads stay reads */
    if (rc == SHOP_OK && who->renew_due) {
        rc = store_auth_session_touch(st, who->session_id, now, now + AUTH_SESSION_SECONDS);
        if (rc != SHOP_OK && rc != SHOP_EBUSY)
            return rc;
        rc = SHOP_OK;
        who->renew_due = 0;
    }
    return rc;
}

int auth_logout(struct store *st, const char *token)
{
    if (!token)
        return SHOP_OK;
    char th[CRYPTO_SHA256_HEX];
    token_hash(token, th);
    return store_auth_session_remove(st, th);
}

/* ---- devices ---- */

static int printable(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

int auth_device_pair(struct store *st, const char *name, const char *location, int64_t now,
                     struct store_device *out, char token[CRYPTO_TOKEN_CHARS + 1])
{
    if (!printable(name, 1, sizeof(out->name) - 1))
        return shop_fail(SHOP_EINVAL, "a mirror's name has 1 to %zu printable characters",
                         sizeof(out->name) - 1);
    if (!printable(location ? location : "", 0, sizeof(out->location) - 1))
        return shop_fail(SHOP_EINVAL, "a mirror's location has at most %zu printable characters",
                         sizeof(out->location) - 1);
    struct store_device d = {.created_at = now};
    snprintf(d.name, sizeof(d.name), "%s", name);
    snprintf(d.location, sizeof(d.location), "%s", location ? location : "");
    crypto_token(token);
    char th[CRYPTO_SHA256_HEX];
    token_hash(token, th);
    int rc = store_device_add(st, &d, th);
    if (rc != SHOP_OK) {
        crypto_wipe(token, CRYPTO_TOKEN_CHARS + 1);
        return rc;
    }
    *out = d;
    return SHOP_OK;
}

int auth_device_peek(struct store *st, const char *token, int64_t now, struct auth_who *who)
{
    memset(who, 0, sizeof(*who));
    if (!token || strlen(token) != CRYPTO_TOKEN_CHARS)
        return shop_fail(SHOP_EAUTH, "not a paired mirror");
    char th[CRYPTO_SHA256_HEX];
    token_hash(token, th);
    int rc = store_device_by_token(st, th, &who->device);
    if (rc == SHOP_ENOTFOUND)
        return shop_fail(SHOP_EAUTH, "not a paired mirror (unknown or revoked token)");
    if (rc != SHOP_OK)
        return rc;
    who->renew_due = now - who->device.last_seen_at >= 60;
    who->role = AUTH_MIRROR;
    return SHOP_OK;
}

int auth_device_check(struct store *st, const char *token, int64_t now, struct auth_who *who)
{
    int rc = auth_device_peek(st, token, now, who);
    if (rc == SHOP_OK && who->renew_due) {
        rc = store_device_seen(st, who->device.id, now);
        if (rc != SHOP_OK && rc != SHOP_EBUSY)
            return rc;
        rc = SHOP_OK;
        who->renew_due = 0;
    }
    return rc;
}

/* ---- the callers' cache ---- */

#define AUTH_CACHE_SLOTS 256
#define AUTH_CACHE_LOCKS 16

struct auth_cache_entry {
    int used, bearer;
    uint64_t epoch;
    uint8_t key[32]; /* SHA-256 of the token */
    struct auth_who who; /* as read, with a session's expiry and last-seen time */
};

struct auth_cache {
    pthread_mutex_t mu[AUTH_CACHE_LOCKS]; /* striped: a slot's lock is mu[slot % LOCKS] */
    struct auth_cache_entry e[AUTH_CACHE_SLOTS];
};

struct auth_cache *auth_cache_new(void)
{
    struct auth_cache *c = xcalloc(1, sizeof(*c));
    for (int i = 0; i < AUTH_CACHE_LOCKS; i++)
        pthread_mutex_init(&c->mu[i], NULL);
    return c;
}

void auth_cache_free(struct auth_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < AUTH_CACHE_LOCKS; i++)
        pthread_mutex_destroy(&c->mu[i]);
    crypto_wipe(c->e, sizeof(c->e)); /* CSRF tokens */
    free(c);
}

int auth_peek_cached(struct auth_cache *c, uint64_t epoch, struct store *st, int bearer,
                     const char *token, int64_t now, struct auth_who *who)
{
    if (!token || strlen(token) != CRYPTO_TOKEN_CHARS) /* the peek says why */
        return bearer ? auth_device_peek(st, token, now, who)
                      : auth_session_peek(st, token, now, who);
    uint8_t key[32];
    crypto_sha256(token, strlen(token), key);
    unsigned slot = (unsigned)(key[0] | key[1] << 8) % AUTH_CACHE_SLOTS;
    struct auth_cache_entry *e = &c->e[slot];
    pthread_mutex_t *mu = &c->mu[slot % AUTH_CACHE_LOCKS];
    pthread_mutex_lock(mu);
    int hit = e->used && e->bearer == bearer && e->epoch == epoch &&
              crypto_equal(e->key, key, sizeof(key)) && (bearer || now < e->who.expires_at);
    if (hit) {
        *who = e->who;
        who->renew_due = now - (bearer ? who->device.last_seen_at : who->last_seen_at) >= 60;
    }
    pthread_mutex_unlock(mu);
    if (hit)
        return SHOP_OK;
    int rc = bearer ? auth_device_peek(st, token, now, who)
                    : auth_session_peek(st, token, now, who);
    if (rc != SHOP_OK)
        return rc;
    pthread_mutex_lock(mu);
    e->used = 1;
    e->bearer = bearer;
    e->epoch = epoch;
    memcpy(e->key, key, sizeof(key));
    e->who = *who;
    pthread_mutex_unlock(mu);
    return SHOP_OK;
}

/* ---- PINs ---- */

static int valid_pin(const char *pin)
{
    size_t n = pin ? strlen(pin) : 0;
    if (n < AUTH_PIN_MIN || n > AUTH_PIN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (pin[i] < '0' || pin[i] > '9')
            return 0;
    return 1;
}

int auth_pin_hash(const char *pin, char out[CRYPTO_PWHASH_MAX])
{
    if (!valid_pin(pin))
        return shop_fail(SHOP_EINVAL, "a PIN has %d to %d digits", AUTH_PIN_MIN, AUTH_PIN_MAX);
    return crypto_password_hash(pin, out);
}

int auth_pin_set(struct store *st, int64_t customer_id, const char *pin, int64_t now)
{
    char hash[CRYPTO_PWHASH_MAX];
    int rc = auth_pin_hash(pin, hash);
    if (rc == SHOP_OK)
        rc = store_customer_pin_set(st, customer_id, hash, now);
    crypto_wipe(hash, sizeof(hash));
    return rc;
}

int auth_pin_login(struct store *st, struct auth_limiter *lim, const char *email,
                   const char *pin, const char *address, int64_t now, int64_t *customer_id)
{
    *customer_id = 0;
    if (!email || !pin || strlen(email) > 95 || strlen(pin) > AUTH_PIN_MAX)
        return shop_fail(SHOP_EAUTH, "wrong e-mail or PIN");
    int rc = limited(lim, "pin", email, address, now);
    if (rc != SHOP_OK)
        return rc;
    int64_t id = 0;
    char hash[CRYPTO_PWHASH_MAX] = "";
    rc = store_customer_by_email(st, email, &id);
    if (rc == SHOP_OK)
        rc = store_customer_pin_get(st, id, hash, sizeof(hash));
    if (rc != SHOP_OK && rc != SHOP_ENOTFOUND)
        return rc;
    int ok = verify(rc == SHOP_OK ? hash : NULL, pin);
    crypto_wipe(hash, sizeof(hash));
    if (!ok) {
        failed(lim, "pin", email, address, now);
        return shop_fail(SHOP_EAUTH, "wrong e-mail or PIN");
    }
    *customer_id = id;
    return SHOP_OK;
}

/* ---- JSON ---- */

static void time_or_null(struct jsonw *w, const char *key, int64_t t)
{
    jw_key(w, key);
    if (t) {
        char buf[24];
        format_time(t, buf, sizeof(buf));
        jw_str(w, buf);
    } else
        jw_null(w);
}

void auth_user_write_json(struct jsonw *w, const struct store_user *u)
{
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, u->id);
    jw_key(w, "username");
    jw_str(w, u->username);
    jw_key(w, "role");
    jw_str(w, u->role);
    time_or_null(w, "created_at", u->created_at);
    jw_end(w);
}

void auth_device_write_json(struct jsonw *w, const struct store_device *d)
{
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, d->id);
    jw_key(w, "name");
    jw_str(w, d->name);
    jw_key(w, "location");
    jw_str(w, d->location);
    time_or_null(w, "created_at", d->created_at);
    time_or_null(w, "revoked_at", d->revoked_at);
    time_or_null(w, "last_seen_at", d->last_seen_at);
    jw_end(w);
}

void auth_users_write_json(struct jsonw *w, const struct store_user *u, size_t n)
{
    jw_obj(w);
    jw_key(w, "users");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        auth_user_write_json(w, &u[i]);
    jw_end(w);
    jw_end(w);
}

void auth_devices_write_json(struct jsonw *w, const struct store_device *d, size_t n)
{
    jw_obj(w);
    jw_key(w, "mirrors");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        auth_device_write_json(w, &d[i]);
    jw_end(w);
    jw_end(w);
}
