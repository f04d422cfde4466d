/* auth/auth.h - who may do what: dashboard accounts (manager, staff) with Argon2id
 * passwords, cookie login sessions with a CSRF token, paired mirror devices with bearer
 * tokens, customers' PINs, and a limiter of failed attempts.
 *     struct auth_limiter *lim = auth_limiter_new();                 -- one per server
 *     struct auth_login out;
 *     rc = auth_login(st, lim, "admin", password, "127.0.0.1", now, &out);
 *         -> out.token goes into the cookie, out.csrf to the page
 *     rc = auth_session_check(st, cookie_token, now, &who);          -- every request
 * Tokens are 256 random bits; the store keeps only their SHA-256. Secrets are never
 * logged. Errors: SHOP_EAUTH (wrong or unknown credentials, one message for both),
 * SHOP_ELIMIT (too many failures: wait), SHOP_EINVAL (a malformed name or password). */
#ifndef SHOP_AUTH_AUTH_H
#define SHOP_AUTH_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "core/status.h"
#include "store/store.h"

#define AUTH_SESSION_SECONDS (12 * 3600) /* idle login sessions end after this */
#define AUTH_PASSWORD_MIN 10
#define AUTH_PASSWORD_MAX 256
#define AUTH_USERNAME_MAX 32
#define AUTH_PIN_MIN 4
#define AUTH_PIN_MAX 8
/* failed attempts per account (AUTH_LIMIT_FAILS) and per address (AUTH_LIMIT_ADDR_FAILS:
 * a store's devices may share one) in AUTH_LIMIT_WINDOW seconds before SHOP_ELIMIT */
#define AUTH_LIMIT_FAILS 5
#define AUTH_LIMIT_ADDR_FAILS 20
#define AUTH_LIMIT_WINDOW 900

enum auth_role { AUTH_NONE = 0, AUTH_MIRROR, AUTH_STAFF, AUTH_MANAGER };
/* "none", "mirror", "staff", "manager" */
const char *auth_role_name(enum auth_role r);
/* "staff" or "manager" -> the role, else AUTH_NONE */
enum auth_role auth_role_parse(const char *name);

/* ---- failed-attempt limiter (thread-safe) ---- */
struct auth_limiter;
struct auth_limiter *auth_limiter_new(void); /* never NULL */
void auth_limiter_free(struct auth_limiter *l);
/* SHOP_ELIMIT (with a message and *retry_after seconds) when key has failed `max` times
 * (at most AUTH_LIMIT_ADDR_FAILS) in the window */
SHOP_MUST_CHECK int auth_limiter_check(struct auth_limiter *l, const char *key, int max,
                                       int64_t now, int64_t *retry_after);
void auth_limiter_fail(struct auth_limiter *l, const char *key, int64_t now);
void auth_limiter_clear(struct auth_limiter *l, const char *key);

/* ---- accounts ---- */
/* SHOP_EINVAL for a username that is not 1-32 of [a-z0-9._-], a password outside 10-256
 * bytes, or a role that is not manager/staff; SHOP_ECONFLICT when the name is taken */
SHOP_MUST_CHECK int auth_user_add(struct store *st, const char *username, const char *role,
                                  const char *password, int64_t now, struct store_user *out);
SHOP_MUST_CHECK int auth_user_passwd(struct store *st, const char *username,
                                     const char *password);
/* SHOP_ECONFLICT when it would remove the last manager */
SHOP_MUST_CHECK int auth_user_remove(struct store *st, const char *username);
/* First start: when there is no account at all, creates the manager 'admin' with
 * `password` (NULL or "": a generated one, written to generated[] for the caller to show
 * once). *created says whether it did. */
SHOP_MUST_CHECK int auth_ensure_admin(struct store *st, const char *password, int64_t now,
                                      char generated[33], int *created);

/* ---- login sessions ---- */
struct auth_login {
    char token[CRYPTO_TOKEN_CHARS + 1]; /* the cookie's value */
    char csrf[CRYPTO_TOKEN_CHARS + 1];
    struct store_user user;
    int64_t expires_at;
};
/* Checks the password (rate-limited per account and per address), then opens a session. */
SHOP_MUST_CHECK int auth_login(struct store *st, struct auth_limiter *lim, const char *username,
                               const char *password, const char *address, int64_t now,
                               struct auth_login *out);
struct auth_who {
    enum auth_role role;
    struct store_user user;       /* staff and managers */
    struct store_device device;   /* mirrors */
    char csrf[48];                /* the session's CSRF token (cookie sessions) */
    int64_t session_id;           /* cookie sessions */
    int64_t expires_at, last_seen_at; /* cookie sessions, as read */
    int renew_due;                /* *_peek: the last-seen time is due to be written */
};
/* the user of a session token; renews the session's idle expiry at most once a minute.
 * SHOP_EAUTH when unknown or expired. */
SHOP_MUST_CHECK int auth_session_check(struct store *st, const char *token, int64_t now,
                                       struct auth_who *who);
/* the same check without the renewal write (for a caller that must not wait on the store's
 * write lock): who->renew_due says a renewal is due */
SHOP_MUST_CHECK int auth_session_peek(struct store *st, const char *token, int64_t now,
                                      struct auth_who *who);
SHOP_MUST_CHECK int auth_logout(struct store *st, const char *token);

/* ---- mirror devices ---- */
/* pairs a new mirror; token[] gets its secret (shown once). SHOP_EINVAL for a name not 1-31
 * printable characters or a location over 47; SHOP_ECONFLICT when the name is taken. */
SHOP_MUST_CHECK int auth_device_pair(struct store *st, const char *name, const char *location,
                                     int64_t now, struct store_device *out,
                                     char token[CRYPTO_TOKEN_CHARS + 1]);
/* the mirror of a bearer token; SHOP_EAUTH when unknown or revoked */
SHOP_MUST_CHECK int auth_device_check(struct store *st, const char *token, int64_t now,
                                      struct auth_who *who);
/* the same without writing its last-seen time (who->renew_due says one is due) */
SHOP_MUST_CHECK int auth_device_peek(struct store *st, const char *token, int64_t now,
                                     struct auth_who *who);

/* ---- callers seen while the store did not change ----
 * auth_session_peek and auth_device_peek answered from memory: an entry is used only while
 * the caller's epoch is the one it was read in, where the caller moves its epoch whenever
 * any commit to the store may have happened (by any connection or process: a logout, a
 * revocation, a new password, a renewal), and reads the epoch before the call. Expiry is
 * checked against now as the store's query does, and renew_due is computed again. Only
 * callers found are kept (a direct-mapped table keyed by the token's SHA-256). */
struct auth_cache;
struct auth_cache *auth_cache_new(void); /* never NULL */
void auth_cache_free(struct auth_cache *c); /* NULL is a no-op */
/* bearer 1: a mirror's token (auth_device_peek), 0: a login cookie (auth_session_peek) */
SHOP_MUST_CHECK int auth_peek_cached(struct auth_cache *c, uint64_t epoch, struct store *st,
                                     int bearer, const char *token, int64_t now,
                                     struct auth_who *who);

/* ---- customers' PINs (mirror login without a face) ---- */
/* SHOP_EINVAL unless 4-8 digits */
SHOP_MUST_CHECK int auth_pin_set(struct store *st, int64_t customer_id, const char *pin,
                                 int64_t now);
/* the Argon2id hash of a PIN (SHOP_EINVAL unless 4-8 digits), for a caller that stores it
 * inside its own transaction (store_customer_pin_set) without hashing under the lock */
SHOP_MUST_CHECK int auth_pin_hash(const char *pin, char out[CRYPTO_PWHASH_MAX]);
/* the customer with that e-mail and PIN (rate-limited per e-mail and per address);
 * SHOP_EAUTH for a wrong e-mail or PIN (one message for both) */
SHOP_MUST_CHECK int auth_pin_login(struct store *st, struct auth_limiter *lim, const char *email,
                                   const char *pin, const char *address, int64_t now,
                                   int64_t *customer_id);

/* ---- JSON shapes (the API and the CLI's --json print the same objects) ---- */
struct jsonw;
/* {"id", "username", "role", "created_at"} */
void auth_user_write_json(struct jsonw *w, const struct store_user *u);
/* {"id", "name", "location", "created_at", "revoked_at", "last_seen_at"} (times ISO, or
 * null) */
void auth_device_write_json(struct jsonw *w, const struct store_device *d);
/* {"users": [...]} and {"mirrors": [...]} */
void auth_users_write_json(struct jsonw *w, const struct store_user *u, size_t n);
void auth_devices_write_json(struct jsonw *w, const struct store_device *d, size_t n);

#endif
