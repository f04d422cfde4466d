/* cli/cmd_serve.c - `shopper serve` (the HTTP server), `shopper users` (dashboard
 * accounts) and `shopper mirrors` (paired Smart Mirrors). */
#include <pthread.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "auth/auth.h"
#include "cli/cli.h"
#include "core/crypto.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/parse.h"
#include "http/http.h"
#include "store/store.h"

/* First start: the admin account and, when no mirror is paired, a first mirror, each
 * secret printed once. */
static int first_start(const char *db, int port, const char *host)
{
    struct store *st = cli_open_store(db, STORE_WRITE);
    if (!st)
        return 1;
    int64_t now = (int64_t)time(NULL);
    char generated[33];
    int created = 0;
    const char *env = getenv("SHOPPER_ADMIN_PASSWORD");
    int rc = auth_ensure_admin(st, env, now, generated, &created);
    if (rc != SHOP_OK) {
        store_close(st);
        return cli_fail_rc(rc, "cannot create the admin account");
    }
    if (created && generated[0])
        printf("\n  Manager login: admin / %s\n  (generated now and shown only this once: "
               "write it down, or change it with `shopper users passwd admin`)\n",
               generated);
    else if (created)
        printf("\n  Manager login: admin, with the password in $SHOPPER_ADMIN_PASSWORD\n");
    crypto_wipe(generated, sizeof(generated));
    struct store_device *d = NULL;
    size_t n = 0;
    rc = store_devices(st, &d, &n);
    free(d);
    if (rc == SHOP_OK && n == 0) {
        struct store_device dev;
        char token[CRYPTO_TOKEN_CHARS + 1];
        rc = auth_device_pair(st, "mirror-1", "Fitting rooms", now, &dev, token);
        if (rc == SHOP_OK)
            printf("\n  Smart Mirror 'mirror-1' paired: open this link on the mirror (shown "
                   "only this once;\n  pair more with `shopper mirrors add NAME`):\n"
                   "    http://%s:%d/mirror/#pair=%s\n",
                   host, port, token);
        crypto_wipe(token, sizeof(token));
    }
    store_close(st);
    if (rc != SHOP_OK)
        return cli_fail_rc(rc, "cannot pair the first mirror");
    return 0;
}

/* SIGINT / SIGTERM write their number to this pipe (async-signal-safe) wherever they land,
 * and the main thread reads it: no reliance on which thread a signal is delivered to */
static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    unsigned char b = (unsigned char)sig;
    ssize_t n = write(sig_pipe[1], &b, 1);
    (void)n;
}

/* http_stop on its own thread, so that the main thread can give up waiting for it */
struct stopper {
    struct http_server *srv;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
};

static void *stop_thread(void *p)
{
    struct stopper *s = p;
    http_stop(s->srv);
    pthread_mutex_lock(&s->mu);
    s->done = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Stops the server: requests in flight finish, but for at most `deadline` seconds. Returns 1
 * when they did; 0 when some are still running at the deadline (their threads still use the
 * app: the caller must not free it). */
static int stop_within(struct http_server *srv, int deadline)
{
    static struct stopper s; /* outlives this call when the stop thread is left running */
    s = (struct stopper){.srv = srv};
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    pthread_t t;
    if (pthread_create(&t, NULL, stop_thread, &s) != 0) {
        http_stop(srv);
        return 1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += deadline;
    pthread_mutex_lock(&s.mu);
    while (!s.done && pthread_cond_timedwait(&s.cv, &s.mu, &ts) != ETIMEDOUT)
        ;
    int done = s.done;
    pthread_mutex_unlock(&s.mu);
    if (!done) {
        pthread_detach(t);
        return 0; /* the process ends now */
    }
    pthread_join(t, NULL);
    pthread_mutex_destroy(&s.mu);
    pthread_cond_destroy(&s.cv);
    return 1;
}

static void *warm_thread(void *p)
{
    app_warm_up(p);
    return NULL;
}

int cmd_serve(int argc, char **argv)
{
    const char *db = NULL, *bind = "127.0.0.1", *models = NULL, *web = "web";
    int64_t port = 8080, threads = 2, max_frame = 4 << 20, conns = 256, hold = 900, idle = 30;
    int64_t maint = 60, shutdown_s = 10;
    int no_faces = 0, quiet = 0, routes = 0;
    struct cli_opt opts[] = {
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_INT("port", "N", "port to listen on (default 8080; 0 picks a free one)", &port, 0,
                65535),
        CLI_STR("bind", "ADDR", "address to listen on (default 127.0.0.1)", &bind),
        CLI_INT("threads", "N", "camera frames analysed at once (default 2)", &threads, 1, 64),
        CLI_STR("models", "DIR", "face models folder (default models, or $SHOPPER_MODELS)",
                &models),
        CLI_FLAG("no-faces", "serve without the face engine (mirror frames answer 503)",
                 &no_faces),
        CLI_STR("web", "DIR", "the web apps' folder (default web)", &web),
        CLI_INT("max-frame-bytes", "N", "largest camera frame accepted (default 4 MiB)",
                &max_frame, 1024, 64 << 20),
        CLI_INT("max-connections", "N", "connections at once (default 256)", &conns, 4, 10000),
        CLI_INT("cart-hold", "SECONDS", "how long a cart holds an item, renewed when the cart "
                "is used (default 900)", &hold, 1, 86400),
        CLI_INT("idle-logout", "S", "a mirror logs out after S seconds without a face (30)",
                &idle, 1, 86400),
        CLI_INT("erasure-retry", "S", "erasures a reader held back are completed within S "
                "seconds (default 60)", &maint, 1, 86400),
        CLI_INT("shutdown-timeout", "S", "on SIGTERM, requests in flight get S seconds to "
                "finish before the server closes their connections and exits (default 10)",
                &shutdown_s, 1, 3600),
        CLI_FLAG("quiet", "no access log", &quiet),
        CLI_FLAG("routes", "print the API's routes and who may call them, and exit", &routes),
        CLI_END,
    };
    int rc = cli_parse(argc, argv,
                       "shopper serve [--db FILE] [--port 8080] [--bind 127.0.0.1] [--threads N] "
                       "[--models DIR]",
                       "Serves the JSON API (/api/v1), the Smart Mirror (/mirror/) and the Manager "
                       "Dashboard (/manager/) until SIGINT or SIGTERM. On the first start it "
                       "creates the manager account 'admin' (password from "
                       "$SHOPPER_ADMIN_PASSWORD, or generated and printed once) and pairs a "
                       "first mirror.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    if (routes) {
        app_routes_write(stdout);
        return 0;
    }
    if (crypto_init() != SHOP_OK)
        return cli_fail_rc(SHOP_EINTERNAL, NULL);
    if (!quiet && log_level_current == LOG_OFF && !getenv("SHOPPER_LOG"))
        log_set_level(LOG_INFO); /* the access log */
    const char *dir = no_faces ? NULL : cli_models_dir(models);
    if (dir && !models && access(dir, R_OK) != 0) {
        fprintf(stderr, "shopper: no face models in '%s' (run `make models`): serving without "
                        "face login\n", dir);
        dir = NULL;
    }
    struct app_config cfg = {
        .db_path = cli_db_path(db),
        .models_dir = dir,
        .web_root = web,
        .vision_threads = (int)threads,
        .max_frame_bytes = (size_t)max_frame,
        .max_frame_pixels = 1920 * 1080,
        .cart_hold_seconds = hold,
        .idle_logout = (double)idle,
        .maintenance_s = (int)maint,
    };
    if (pipe(sig_pipe) != 0)
        return cli_fail("cannot create a pipe for signals");
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct app *app;
    rc = app_open(&cfg, &app);
    if (rc != SHOP_OK)
        return cli_fail_rc(rc, NULL);
    struct http_config hc = {
        .bind = bind,
        .port = (int)port,
        .max_connections = (int)conns,
        .timeout_s = 30,
        .body_limit = app_body_limit,
        .handle_fast = app_handle_fast,
        .handle = app_handle,
        .lane = app_lane,
        .heavy_workers = (int)threads,
        .done = app_done,
        .ctx = app,
    };
    struct http_server *srv;
    rc = http_start(&hc, &srv);
    if (rc != SHOP_OK) {
        app_close(app);
        return cli_fail_rc(rc, NULL);
    }
    const char *host =
        strcmp(bind, "0.0.0.0") == 0 || strcmp(bind, "127.0.0.1") == 0 ? "localhost" : bind;
    int actual = http_port(srv);
    rc = first_start(db, actual, host);
    if (rc == 0) {
        printf("\n  SHOPPER is serving http://%s:%d/\n", host, actual);
        static const char *const apps[][2] = {{"Manager Dashboard", "manager"},
                                              {"Smart Mirror", "mirror"}};
        for (int i = 0; i < 2; i++) {
            char index[1024];
            snprintf(index, sizeof(index), "%s/%s/index.html", web, apps[i][1]);
            if (access(index, R_OK) == 0)
                printf("    %-18s http://%s:%d/%s/\n", apps[i][0], host, actual, apps[i][1]);
            else
                printf("    %-18s (not in %s/%s/ yet)\n", apps[i][0], web, apps[i][1]);
        }
        printf("    API                http://%s:%d/api/v1/  (described in api/openapi.yaml; "
               "health: /healthz, metrics: /metrics)\n  Stop with Ctrl-C.\n\n",
               host, actual);
        fflush(stdout);
        pthread_t warm;
        int warming = pthread_create(&warm, NULL, warm_thread, app) == 0;
        unsigned char b = 0;
        while (read(sig_pipe[0], &b, 1) < 0 && errno == EINTR)
            ;
        int sig = b;
        log_info("serve: signal %d: finishing requests in flight (at most %lld s)", sig,
                 (long long)shutdown_s);
        app_stop_streams(app);
        if (!stop_within(srv, (int)shutdown_s)) {
            /* a request still runs: its thread holds a store handle and the app, so neither
             * can be freed. The idle handles are closed; ending the process closes the
             * connections, and what the stuck request had not committed is rolled back by
             * SQLite (WAL) as after any crash: nothing half-written. */
            log_warn("serve: requests still running after %lld s: closing their connections "
                     "and exiting", (long long)shutdown_s);
            app_abandon(app);
            fflush(stdout);
            fflush(stderr);
            _exit(0);
        }
        if (warming)
            pthread_join(warm, NULL);
    } else
        http_stop(srv);
    app_close(app);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    if (rc == 0)
        log_info("serve: stopped");
    return rc;
}

/* ---- users ---- */

/* a password from $SHOPPER_PASSWORD or the first line of standard input (never argv,
 * which every user of the machine can read) */
static int read_password(char *buf, size_t n)
{
    const char *env = getenv("SHOPPER_PASSWORD");
    if (env && *env) {
        if (strlen(env) >= n)
            return cli_fail("the password is too long");
        snprintf(buf, n, "%s", env);
        return 0;
    }
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "password: ");
    if (!fgets(buf, (int)n, stdin))
        return cli_fail("no password given (standard input or $SHOPPER_PASSWORD)");
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int users_usage(void)
{
    return cli_fail("usage: shopper users add NAME [--role staff|manager] | list | passwd NAME | "
                    "remove NAME");
}

int cmd_users(int argc, char **argv)
{
    const char *db = NULL, *role = "staff";
    int json = 0;
    char **pos = NULL;
    struct cli_opt opts[] = {
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_STR("role", "ROLE", "with add: staff (default) or manager", &role),
        CLI_FLAG("json", "print JSON (list)", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv,
                       "shopper users add NAME [--role staff|manager] | list [--json] | "
                       "passwd NAME | remove NAME",
                       "Dashboard accounts. Passwords come from $SHOPPER_PASSWORD or the first "
                       "line of standard input (never the command line), at least 10 characters; "
                       "they are stored as Argon2id hashes. A new password ends the user's "
                       "sessions.",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    const char *verb = pos[0];
    const char *name = verb ? pos[1] : NULL;
    int want_name = verb && strcmp(verb, "list") != 0;
    if (!verb || (want_name && (!name || pos[2])) || (!want_name && pos[1])) {
        free(pos);
        users_usage();
        return 2;
    }
    if (crypto_init() != SHOP_OK) {
        free(pos);
        return cli_fail_rc(SHOP_EINTERNAL, NULL);
    }
    struct store *st = cli_open_store(db, strcmp(verb, "list") ? STORE_WRITE : 0);
    if (!st) {
        free(pos);
        return 1;
    }
    char pw[AUTH_PASSWORD_MAX + 2] = "";
    if (strcmp(verb, "list") == 0) {
        struct store_user *u = NULL;
        size_t n = 0;
        rc = store_users(st, &u, &n);
        if (rc == SHOP_OK && json) {
            struct jsonw w;
            jw_init(&w, stdout, 0);
            auth_users_write_json(&w, u, n);
            jw_finish(&w);
        } else if (rc == SHOP_OK) {
            printf("%-4s %-24s %s\n", "id", "username", "role");
            for (size_t i = 0; i < n; i++)
                printf("%-4lld %-24s %s\n", (long long)u[i].id, u[i].username, u[i].role);
        }
        free(u);
        rc = rc == SHOP_OK ? 0 : cli_fail_rc(rc, "cannot list users");
    } else if (strcmp(verb, "add") == 0) {
        rc = read_password(pw, sizeof(pw));
        if (rc == 0) {
            struct store_user u;
            int r = auth_user_add(st, name, role, pw, (int64_t)time(NULL), &u);
            rc = r == SHOP_OK ? 0 : cli_fail_rc(r, "cannot add the user");
            if (rc == 0)
                printf("added %s '%s' (id %lld)\n", u.role, u.username, (long long)u.id);
        }
    } else if (strcmp(verb, "passwd") == 0) {
        rc = read_password(pw, sizeof(pw));
        if (rc == 0) {
            int r = auth_user_passwd(st, name, pw);
            rc = r == SHOP_OK ? 0 : cli_fail_rc(r, "cannot change the password");
            if (rc == 0)
                printf("password of '%s' changed; their sessions have ended\n", name);
        }
    } else if (strcmp(verb, "remove") == 0) {
        int r = auth_user_remove(st, name);
        rc = r == SHOP_OK ? 0 : cli_fail_rc(r, "cannot remove the user");
        if (rc == 0)
            printf("removed '%s'\n", name);
    } else {
        users_usage();
        rc = 2;
    }
    crypto_wipe(pw, sizeof(pw));
    store_close(st);
    free(pos);
    return rc;
}

/* ---- mirrors ---- */

int cmd_mirrors(int argc, char **argv)
{
    const char *db = NULL, *location = "", *host = "localhost";
    int64_t port = 8080;
    int json = 0;
    char **pos = NULL;
    struct cli_opt opts[] = {
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_STR("location", "TEXT", "with add: where the mirror stands (shown with alerts)",
                &location),
        CLI_STR("host", "HOST", "with add: the server's host name for the link (localhost)",
                &host),
        CLI_INT("port", "N", "with add: the server's port for the link (8080)", &port, 1, 65535),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv,
                       "shopper mirrors add NAME [--location TEXT] | list [--json] | revoke ID",
                       "Smart Mirrors paired with this store. `add` prints the pairing link "
                       "once: open it on the mirror. A revoked mirror can no longer call the "
                       "API.",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    const char *verb = pos[0];
    const char *arg = verb ? pos[1] : NULL;
    int want_arg = verb && strcmp(verb, "list") != 0;
    if (!verb || (want_arg && (!arg || pos[2])) || (!want_arg && pos[1])) {
        free(pos);
        cli_fail("usage: shopper mirrors add NAME [--location TEXT] | list | revoke ID");
        return 2;
    }
    if (crypto_init() != SHOP_OK) {
        free(pos);
        return cli_fail_rc(SHOP_EINTERNAL, NULL);
    }
    struct store *st = cli_open_store(db, strcmp(verb, "list") ? STORE_WRITE : 0);
    if (!st) {
        free(pos);
        return 1;
    }
    int64_t now = (int64_t)time(NULL);
    if (strcmp(verb, "list") == 0) {
        struct store_device *d = NULL;
        size_t n = 0;
        int r = store_devices(st, &d, &n);
        if (r == SHOP_OK && json) {
            struct jsonw w;
            jw_init(&w, stdout, 0);
            auth_devices_write_json(&w, d, n);
            jw_finish(&w);
        } else if (r == SHOP_OK) {
            printf("%-4s %-16s %-24s %s\n", "id", "name", "location", "status");
            for (size_t i = 0; i < n; i++)
                printf("%-4lld %-16s %-24s %s\n", (long long)d[i].id, d[i].name, d[i].location,
                       d[i].revoked_at ? "revoked" : "paired");
        }
        free(d);
        rc = r == SHOP_OK ? 0 : cli_fail_rc(r, "cannot list mirrors");
    } else if (strcmp(verb, "add") == 0) {
        struct store_device d;
        char token[CRYPTO_TOKEN_CHARS + 1];
        int r = auth_device_pair(st, arg, location, now, &d, token);
        rc = r == SHOP_OK ? 0 : cli_fail_rc(r, "cannot pair the mirror");
        if (rc == 0 && json) {
            struct jsonw w;
            jw_init(&w, stdout, 0);
            jw_obj(&w);
            jw_key(&w, "mirror");
            auth_device_write_json(&w, &d);
            jw_key(&w, "token");
            jw_str(&w, token);
            jw_end(&w);
            jw_finish(&w);
        } else if (rc == 0)
            printf("paired mirror '%s' (id %lld); open this on the mirror (shown only once):\n"
                   "  http://%s:%lld/mirror/#pair=%s\n",
                   d.name, (long long)d.id, host, (long long)port, token);
        crypto_wipe(token, sizeof(token));
    } else if (strcmp(verb, "revoke") == 0) {
        int64_t id;
        int r = parse_int64(arg, 1, INT64_MAX, &id);
        if (r != SHOP_OK)
            rc = cli_fail("revoke wants a mirror id (see shopper mirrors list)");
        else {
            r = store_device_revoke(st, id, now);
            rc = r == SHOP_OK ? 0 : cli_fail_rc(r, "cannot revoke");
            if (rc == 0)
                printf("revoked mirror %lld\n", (long long)id);
        }
    } else {
        cli_fail("usage: shopper mirrors add NAME [--location TEXT] | list | revoke ID");
        rc = 2;
    }
    store_close(st);
    free(pos);
    return rc;
}

/* ---- customers' PINs ---- */

int cmd_pin(int argc, char **argv)
{
    const char *db = NULL;
    int64_t customer = 0;
    struct cli_opt opts[] = {
        CLI_INT("customer", "ID", "the customer", &customer, 1, 1e15),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper pin --customer ID   (the PIN from $SHOPPER_PIN or "
                       "standard input)",
                       "Sets (or replaces) the PIN with which a customer logs in at a mirror "
                       "by e-mail instead of by face: 4 to 8 digits, stored as a slow salted "
                       "hash.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    if (!customer) {
        cli_fail("pin: --customer ID is required");
        return 2;
    }
    if (crypto_init() != SHOP_OK)
        return cli_fail_rc(SHOP_EINTERNAL, NULL);
    char pin[32];
    const char *env = getenv("SHOPPER_PIN");
    if (env && *env)
        snprintf(pin, sizeof(pin), "%s", env);
    else if (!fgets(pin, (int)sizeof(pin), stdin))
        return cli_fail("no PIN given (standard input or $SHOPPER_PIN)");
    pin[strcspn(pin, "\r\n")] = '\0';
    struct store *st = cli_open_store(db, STORE_WRITE);
    if (!st) {
        crypto_wipe(pin, sizeof(pin));
        return 1;
    }
    rc = auth_pin_set(st, customer, pin, (int64_t)time(NULL));
    crypto_wipe(pin, sizeof(pin));
    store_close(st);
    if (rc != SHOP_OK)
        return cli_fail_rc(rc, NULL);
    printf("PIN of customer %lld set\n", (long long)customer);
    return 0;
}
