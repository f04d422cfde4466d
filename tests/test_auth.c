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

void test_auth(void)
{
    CHECK(crypto_init() == SHOP_OK);
    st = test_simulated_store("auth.db", 5, 4, 3, 5, 0.0, &path);
    RUN(session_peek_never_writes);
    RUN(device_peek_never_writes);
    store_close(st);
    free(path);
}
