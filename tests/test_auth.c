/* tests/test_auth.c - the caller checks: a session's and a mirror's once-a-minute last-seen
 * write happens in *_check only, never in *_peek (what the server's event threads use, so
 * that they never wait on the store's write lock), and *_peek says when one is due. */
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "core/crypto.h"
#include "test.h"

#define NOW 1800000000

static struct store *st;
static char *path;

static double last_seen(const char *table)
{
    char sql[96];
    snprintf(sql, sizeof(sql), "SELECT last_seen_at FROM %s ORDER BY id DESC LIMIT 1", table);
    return test_sql_num(path, sql);
}

static void session_peek_never_writes(void)
{
    struct store_user u;
    CHECK(auth_user_add(st, "clerk", "staff", "a long password", NOW, &u) == SHOP_OK);
    struct auth_limiter *lim = auth_limiter_new();
    struct auth_login in;
    CHECK(auth_login(st, lim, "clerk", "a long password", "127.0.0.1", NOW, &in) == SHOP_OK);
    auth_limiter_free(lim);
    struct auth_who who;
    CHECK(auth_session_peek(st, in.token, NOW + 30, &who) == SHOP_OK);
    CHECK(who.role == AUTH_STAFF && !who.renew_due);
    CHECK(auth_session_peek(st, in.token, NOW + 90, &who) == SHOP_OK);
    CHECK(who.role == AUTH_STAFF && who.renew_due && strcmp(who.csrf, in.csrf) == 0);
    CHECK(last_seen("auth_sessions") == NOW);
    CHECK(auth_session_check(st, in.token, NOW + 90, &who) == SHOP_OK);
    CHECK(who.role == AUTH_STAFF && !who.renew_due);
    CHECK(last_seen("auth_sessions") == NOW + 90);
    CHECK(auth_session_peek(st, in.token, NOW + 100, &who) == SHOP_OK && !who.renew_due);
    CHECK(auth_session_peek(st, "not-a-token", NOW, &who) == SHOP_EAUTH);
}

static void device_peek_never_writes(void)
{
    struct store_device d;
    char token[CRYPTO_TOKEN_CHARS + 1];
    CHECK(auth_device_pair(st, "mirror-t", "fitting rooms", NOW, &d, token) == SHOP_OK);
    struct auth_who who;
    CHECK(auth_device_peek(st, token, NOW + 120, &who) == SHOP_OK);
    CHECK(who.role == AUTH_MIRROR && who.renew_due && who.device.id == d.id);
    double before = last_seen("devices");
    CHECK(before < NOW + 120);
    CHECK(auth_device_check(st, token, NOW + 120, &who) == SHOP_OK && !who.renew_due);
    CHECK(last_seen("devices") == NOW + 120);
    CHECK(auth_device_peek(st, token, NOW + 150, &who) == SHOP_OK && !who.renew_due);
}

/* the callers' cache answers only in the epoch it read in: a logout or a revocation seen
 * through a new epoch is refused at once, expiry and renew_due follow now */
static void cached_callers_follow_the_epoch(void)
{
    struct auth_cache *c = auth_cache_new();
    struct store_user u;
    CHECK(auth_user_add(st, "cashier", "staff", "another long password", NOW, &u) == SHOP_OK);
    struct auth_limiter *lim = auth_limiter_new();
    struct auth_login in;
    CHECK(auth_login(st, lim, "cashier", "another long password", "127.0.0.1", NOW, &in) ==
          SHOP_OK);
    auth_limiter_free(lim);
    struct auth_who who;
    CHECK(auth_peek_cached(c, 1, st, 0, in.token, NOW + 10, &who) == SHOP_OK);
    CHECK(who.role == AUTH_STAFF && !who.renew_due && strcmp(who.csrf, in.csrf) == 0);
    CHECK(auth_logout(st, in.token) == SHOP_OK);
    /* the same epoch: the caller says nothing was committed, the entry answers */
    CHECK(auth_peek_cached(c, 1, st, 0, in.token, NOW + 20, &who) == SHOP_OK);
    CHECK(who.role == AUTH_STAFF && who.user.id == u.id);
    /* renew_due from now and the last-seen time read, not from the first answer */
    CHECK(auth_peek_cached(c, 1, st, 0, in.token, NOW + 70, &who) == SHOP_OK && who.renew_due);
    /* past the expiry read, even in the same epoch */
    CHECK(auth_peek_cached(c, 1, st, 0, in.token, in.expires_at, &who) == SHOP_EAUTH);
    /* a new epoch: read again, and the logout is seen */
    CHECK(auth_peek_cached(c, 2, st, 0, in.token, NOW + 20, &who) == SHOP_EAUTH);
    CHECK(auth_peek_cached(c, 2, st, 0, "not-a-token", NOW, &who) == SHOP_EAUTH);

    struct store_device d;
    char token[CRYPTO_TOKEN_CHARS + 1];
    CHECK(auth_device_pair(st, "mirror-c", "", NOW, &d, token) == SHOP_OK);
    CHECK(auth_peek_cached(c, 3, st, 1, token, NOW, &who) == SHOP_OK);
    CHECK(who.role == AUTH_MIRROR && who.device.id == d.id);
    /* a mirror's token is not a cookie: the kind is part of the key */
    CHECK(auth_peek_cached(c, 3, st, 0, token, NOW, &who) == SHOP_EAUTH);
    CHECK(store_device_revoke(st, d.id, NOW + 1) == SHOP_OK);
    CHECK(auth_peek_cached(c, 3, st, 1, token, NOW + 2, &who) == SHOP_OK);
    CHECK(auth_peek_cached(c, 4, st, 1, token, NOW + 2, &who) == SHOP_EAUTH);
    auth_cache_free(c);
}

void test_auth(void)
{
    CHECK(crypto_init() == SHOP_OK);
    st = test_simulated_store("auth.db", 5, 4, 3, 5, 0.0, &path);
    RUN(session_peek_never_writes);
    RUN(device_peek_never_writes);
    RUN(cached_callers_follow_the_epoch);
    store_close(st);
    free(path);
}
