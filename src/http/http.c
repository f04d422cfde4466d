/* http/http.c - libmicrohttpd behind http.h, in its epoll mode with a pool of event
 * threads. Each request gets a struct conn_req (the body buffer and timing); once the body
 * is in, handle_fast runs on the event thread, and when it declines, the connection is
 * suspended and the request queued for the worker threads of its lane (camera frames have
 * workers of their own, as many as frames analysed at once, so that a flood of frames queues
 * among itself and never holds the workers everything else needs); the worker that handled it
 * resumes the connection and the event thread sends the answer it left in the request.
 * A stream with nothing to send is parked (suspended) too, and resumed by the ticker
 * thread every HTTP_STREAM_TICK_MS: no event thread waits for anything.
 * libmicrohttpd's rules kept here: a connection is suspended only from its own callbacks
 * (the access handler, a content reader), resumed only once suspended, and none is left
 * suspended when the daemon stops (http_stop waits for every request to complete first). */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <microhttpd.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"

struct conn_req;
struct stream_ctx;
struct http_server;

struct worker {
    pthread_t t;
    struct http_server *srv;
    int lane;
};

struct http_server {
    struct MHD_Daemon *d;
    struct http_config cfg;
    int port;
    atomic_int stopping;
    atomic_uint_fast64_t next_id;
    pthread_mutex_t mu;
    pthread_cond_t work_cv[2];      /* a request was queued in that lane, or stop */
    pthread_cond_t idle_cv;         /* no request in flight any more (while stopping) */
    pthread_cond_t tick_cv;         /* wakes the ticker early (stop) */
    struct conn_req *queue[2], *queue_tail[2]; /* requests waiting for a worker, by lane */
    atomic_int inflight;            /* requests begun and not completed */
    int quit;                       /* workers and ticker end */
    struct worker *workers;
    int nworkers;
    pthread_t ticker;
    int ticking;
    struct stream_ctx *parked;      /* streams whose read had nothing to send */
};

#define WORKERS_DEFAULT 16
#define EVENT_THREADS_MAX 8

/* how far past its limit a request body is still read (and dropped) before the 413, rather
 * than answered at once and the connection closed under a client still sending */
#define DRAIN_MAX ((size_t)8 << 20)

/* one request in flight */
struct conn_req {
    struct http_req req;
    struct http_server *srv;
    char *body;
    size_t len, cap, limit;
    size_t seen; /* body bytes received, kept or not */
    int too_big;
    int status, tag;
    uint64_t bytes;
    double started;
    char client[INET6_ADDRSTRLEN];
    char *method, *path;
    int answered;
    struct conn_req *next; /* in the work queue */
    int ready;             /* a worker left the answer in res */
    struct http_res res;   /* the worker's answer, sent by the event thread */
};

/* what a stream response reads through */
struct stream_ctx {
    struct http_server *srv;
    struct conn_req *cr; /* for the byte count; the request outlives the response */
    ssize_t (*read)(void *ctx, char *buf, size_t max);
    void (*release)(void *ctx);
    void *ctx;
    struct stream_ctx *next; /* in the parked list */
    int parked;              /* suspended until the next tick */
};

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

const char *http_header(const struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_cookie(const struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

struct query_key {
    char *buf;
    size_t n, used;
    int full;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    struct query_key *q = cls;
    if (!value)
        value = "";
    int w = snprintf(q->buf + q->used, q->n - q->used, "%zu:%s=%zu:%s;", strlen(key), key,
                     strlen(value), value);
    if (w < 0 || (size_t)w >= q->n - q->used) {
        q->full = 1;
        return MHD_NO;
    }
    q->used += (size_t)w;
    return MHD_YES;
}

size_t http_query_key(const struct http_req *r, char *buf, size_t n)
{
    if (n == 0)
        return 0;
    struct query_key q = {buf, n, 0, 0};
    buf[0] = '\0';
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &q);
    return q.full ? 0 : q.used + 1;
}

void http_res_header(struct http_res *r, const char *name, const char *value)
{
    size_t used = strlen(r->extra);
    int n = snprintf(r->extra + used, sizeof(r->extra) - used, "%s: %s\n", name, value);
    if (n < 0 || (size_t)n >= sizeof(r->extra) - used) {
        r->extra[used] = '\0';
        log_warn("http: header '%s' dropped (no room)", name);
    }
}

/* adds the "Name: value\n" lines of extra to a response */
static void add_extra(struct MHD_Response *resp, char *extra)
{
    char *save = NULL;
    for (char *line = strtok_r(extra, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        MHD_add_response_header(resp, line, v);
    }
}

static ssize_t stream_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream_ctx *s = cls;
    if (atomic_load(&s->srv->stopping))
        return MHD_CONTENT_READER_END_OF_STREAM;
    /* a client that went away is noticed now, not at the stream's next write (a quiet
     * stream writes only its heartbeat): its slot is freed at once */
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(s->cr->req.conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci) {
        struct pollfd p = {.fd = ci->connect_fd, .events = POLLRDHUP};
        if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    ssize_t n = s->read(s->ctx, buf, max);
    if (n < 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (n == 0) {
        /* nothing to send: off the event loop until the ticker resumes it (a 0 without a
         * suspension would have libmicrohttpd call again at once, a busy loop). Suspended
         * first, listed second: the ticker resumes only what is already suspended. */
        MHD_suspend_connection(s->cr->req.conn);
        pthread_mutex_lock(&s->srv->mu);
        s->parked = 1;
        s->next = s->srv->parked;
        s->srv->parked = s;
        pthread_mutex_unlock(&s->srv->mu);
        return 0;
    }
    s->cr->bytes += (uint64_t)n;
    return n;
}

static void stream_free(void *cls)
{
    struct stream_ctx *s = cls;
    pthread_mutex_lock(&s->srv->mu);
    if (s->parked) /* not expected (a parked stream's connection is suspended, not closed) */
        for (struct stream_ctx **p = &s->srv->parked; *p; p = &(*p)->next)
            if (*p == s) {
                *p = s->next;
                break;
            }
    pthread_mutex_unlock(&s->srv->mu);
    if (s->release)
        s->release(s->ctx);
    free(s);
}

static enum MHD_Result send_res(struct conn_req *cr, struct MHD_Connection *c,
                                struct http_res *res)
{
    struct MHD_Response *resp;
    int status = res->status ? res->status : 200;
    if (res->stream_read) {
        struct stream_ctx *s = xcalloc(1, sizeof(*s));
        *s = (struct stream_ctx){cr->srv, cr, res->stream_read, res->stream_release,
                                 res->stream_ctx, NULL, 0};
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_cb, s,
                                                 stream_free);
        if (!resp)
            stream_free(s);
        free(res->body);
    } else if (res->fd >= 0) {
        resp = MHD_create_response_from_fd(res->fd_size, res->fd);
        if (!resp)
            close(res->fd);
        cr->bytes = res->fd_size;
        free(res->body);
    } else if (res->body_free) {
        resp = MHD_create_response_from_buffer_with_free_callback_cls(res->len, res->body,
                                                                      res->body_free,
                                                                      res->body_cls);
        if (!resp)
            res->body_free(res->body_cls);
        cr->bytes = res->len;
    } else {
        resp = MHD_create_response_from_buffer(res->len, res->body, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            free(res->body);
        cr->bytes = res->len;
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            res->ctype ? res->ctype : "application/json");
    add_extra(resp, res->extra);
    cr->status = status;
    cr->tag = res->tag;
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* frees what an answer that will not be sent holds */
static void res_discard(struct http_res *res)
{
    if (res->stream_read) {
        if (res->stream_release)
            res->stream_release(res->stream_ctx);
    } else if (res->fd >= 0)
        close(res->fd);
    else if (res->body_free) {
        res->body_free(res->body_cls);
        return;
    }
    free(res->body);
}

/* ---- the workers ---- */

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct http_server *srv = w->srv;
    int l = w->lane;
    pthread_mutex_lock(&srv->mu);
    for (;;) {
        while (!srv->queue[l] && !srv->quit)
            pthread_cond_wait(&srv->work_cv[l], &srv->mu);
        struct conn_req *cr = srv->queue[l];
        if (!cr)
            break; /* quit, and nothing left to do */
        srv->queue[l] = cr->next;
        if (!srv->queue[l])
            srv->queue_tail[l] = NULL;
        pthread_mutex_unlock(&srv->mu);
        cr->res = (struct http_res){.fd = -1};
        srv->cfg.handle(srv->cfg.ctx, &cr->req, &cr->res);
        cr->ready = 1;
        /* the event thread sees ready (and res) after the resume: libmicrohttpd takes a
         * mutex on both sides */
        MHD_resume_connection(cr->req.conn);
        pthread_mutex_lock(&srv->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

/* Resumes every parked stream: each reads again (and is parked again when still quiet).
 * Resumed outside the lock: no lock of ours is held while libmicrohttpd takes its own. */
static void resume_parked(struct http_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    struct stream_ctx *list = srv->parked;
    srv->parked = NULL;
    for (struct stream_ctx *s = list; s; s = s->next)
        s->parked = 0;
    pthread_mutex_unlock(&srv->mu);
    while (list) {
        struct stream_ctx *next = list->next; /* list is not ours once resumed */
        MHD_resume_connection(list->cr->req.conn);
        list = next;
    }
}

static void *ticker_main(void *arg)
{
    struct http_server *srv = arg;
    pthread_mutex_lock(&srv->mu);
    while (!srv->quit) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += HTTP_STREAM_TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&srv->tick_cv, &srv->mu, &ts);
        pthread_mutex_unlock(&srv->mu);
        resume_parked(srv);
        pthread_mutex_lock(&srv->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    resume_parked(srv);
    return NULL;
}

/* joins the workers (after the queued requests) and the ticker, and frees srv */
static void stop_threads(struct http_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    srv->quit = 1;
    pthread_cond_broadcast(&srv->work_cv[0]);
    pthread_cond_broadcast(&srv->work_cv[1]);
    pthread_cond_signal(&srv->tick_cv);
    pthread_mutex_unlock(&srv->mu);
    for (int i = 0; i < srv->nworkers; i++)
        pthread_join(srv->workers[i].t, NULL);
    if (srv->ticking)
        pthread_join(srv->ticker, NULL);
    free(srv->workers);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->work_cv[0]);
    pthread_cond_destroy(&srv->work_cv[1]);
    pthread_cond_destroy(&srv->idle_cv);
    pthread_cond_destroy(&srv->tick_cv);
    free(srv);
}

/* a JSON error answered by this layer (413 before the handler runs) */
static enum MHD_Result send_error(struct conn_req *cr, struct MHD_Connection *c, int status,
                                  const char *code, const char *msg)
{
    struct http_res res = {.status = status, .fd = -1, .tag = -1};
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    fprintf(f, "{\"error\":\"%s\",\"code\":\"%s\"}\n", msg, code);
    fclose(f);
    res.body = body;
    res.len = len;
    http_res_header(&res, "Connection", "close");
    return send_res(cr, c, &res);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct http_server *srv = cls;
    struct conn_req *cr = *con_cls;
    if (!cr) {
        cr = xcalloc(1, sizeof(*cr));
        cr->srv = srv;
        cr->started = now_sec();
        cr->method = xstrdup(method);
        cr->path = xstrdup(url);
        cr->req.method = cr->method;
        cr->req.path = cr->path;
        cr->req.conn = c;
        cr->req.id = atomic_fetch_add(&srv->next_id, 1) + 1;
        cr->req.client = cr->client;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, cr->client,
                          sizeof(cr->client));
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, cr->client,
                          sizeof(cr->client));
        }
        cr->limit = srv->cfg.body_limit ? srv->cfg.body_limit(srv->cfg.ctx, method, url)
                                        : (size_t)64 << 10;
        *con_cls = cr;
        atomic_fetch_add(&srv->inflight, 1);
        /* refuse a body declared far past the limit before reading any of it */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end = NULL;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno || end == cl || *end || n > cr->limit + DRAIN_MAX) {
                cr->too_big = 1;
                cr->answered = 1;
                return send_error(cr, c, 413, "too_big", "request body too large");
            }
            /* a little too large: read it to the end and throw it away, then answer 413,
             * so that a client still sending does not meet a reset connection instead of
             * the answer */
            if (n > cr->limit)
                cr->too_big = 1;
        }
        return MHD_YES;
    }
    if (*upload_size) {
        cr->seen += *upload_size;
        if (!cr->too_big && cr->len + *upload_size > cr->limit)
            cr->too_big = 1;
        if (cr->too_big && cr->seen > cr->limit + DRAIN_MAX && !cr->answered) {
            cr->answered = 1; /* a chunked body that goes on and on: answer now */
            return send_error(cr, c, 413, "too_big", "request body too large");
        }
        if (!cr->too_big) {
            if (cr->len + *upload_size + 1 > cr->cap) {
                size_t cap = cr->cap ? cr->cap : 4096;
                while (cap < cr->len + *upload_size + 1)
                    cap *= 2;
                cr->body = xrealloc(cr->body, cap);
                cr->cap = cap;
            }
            memcpy(cr->body + cr->len, upload_data, *upload_size);
            cr->len += *upload_size;
            cr->body[cr->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (cr->ready) { /* back from a worker */
        cr->ready = 0;
        return send_res(cr, c, &cr->res);
    }
    if (cr->answered)
        return MHD_YES;
    cr->answered = 1;
    if (cr->too_big)
        return send_error(cr, c, 413, "too_big", "request body too large");
    if (atomic_load(&srv->stopping))
        return send_error(cr, c, 503, "unavailable", "the server is shutting down");
    cr->req.body = cr->body;
    cr->req.body_len = cr->len;
    struct http_res res = {.fd = -1};
    if (srv->cfg.handle_fast && srv->cfg.handle_fast(srv->cfg.ctx, &cr->req, &res))
        return send_res(cr, c, &res);
    /* to a worker: suspended first, so that its resume always follows the suspension */
    int l = srv->cfg.lane && srv->cfg.lane(srv->cfg.ctx, &cr->req) ? 1 : 0;
    MHD_suspend_connection(c);
    pthread_mutex_lock(&srv->mu);
    if (srv->queue_tail[l])
        srv->queue_tail[l]->next = cr;
    else
        srv->queue[l] = cr;
    srv->queue_tail[l] = cr;
    pthread_cond_signal(&srv->work_cv[l]);
    pthread_mutex_unlock(&srv->mu);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    struct http_server *srv = cls;
    struct conn_req *cr = *con_cls;
    if (!cr)
        return;
    if (srv->cfg.done)
        srv->cfg.done(srv->cfg.ctx, &cr->req, cr->tag, cr->status, cr->bytes,
                      now_sec() - cr->started);
    if (cr->ready) /* a worker's answer the client left before it was sent */
        res_discard(&cr->res);
    free(cr->body);
    free(cr->method);
    free(cr->path);
    free(cr);
    *con_cls = NULL;
    /* no lock shared by every request: only a stop waits for the count */
    if (atomic_fetch_sub(&srv->inflight, 1) == 1 && atomic_load(&srv->stopping)) {
        pthread_mutex_lock(&srv->mu);
        pthread_cond_broadcast(&srv->idle_cv);
        pthread_mutex_unlock(&srv->mu);
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (LOG_WARN < log_level_current)
        return;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_warn("http: %s", msg);
}

/* a connection's buffer for the request's headers, a body's pieces on their way to the
 * handler and the answer's headers: libmicrohttpd zeroes it after every request of a kept-
 * alive connection, which at 64 KiB cost ~4 us of ~24 (measured, cached GET under wrk) */
#define CONN_MEMORY ((size_t)16 << 10)

int http_start(const struct http_config *cfg, struct http_server **out)
{
    *out = NULL;
    struct sockaddr_in6 a6 = {0};
    struct sockaddr_in a4 = {0};
    const struct sockaddr *sa;
    const char *bind = cfg->bind ? cfg->bind : "127.0.0.1";
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (cfg->port < 0 || cfg->port > 65535)
        return shop_fail(SHOP_EINVAL, "port %d is not 0..65535", cfg->port);
    if (inet_pton(AF_INET, bind, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)cfg->port);
        sa = (const struct sockaddr *)&a4;
    } else if (inet_pton(AF_INET6, bind, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)cfg->port);
        sa = (const struct sockaddr *)&a6;
        flags |= MHD_USE_IPv6;
    } else
        return shop_fail(SHOP_EINVAL, "'%s' is not an IP address to listen on", bind);
    struct http_server *srv = xcalloc(1, sizeof(*srv));
    srv->cfg = *cfg;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->work_cv[0], NULL);
    pthread_cond_init(&srv->work_cv[1], NULL);
    pthread_cond_init(&srv->idle_cv, NULL);
    pthread_cond_init(&srv->tick_cv, NULL);
    int events = cfg->event_threads;
    if (events <= 0) {
        /* one a CPU: they never wait on a lock or the store for long (the callers' cache,
         * free watch handles), and more threads than CPUs only take turns on them. Measured
         * on 2 CPUs under wrk, 64 connections, cached GETs of the demo and a 100k store,
         * alternating builds: 2 threads 72-92 % of nginx's rate, p99 4.7-8.2 ms; 3 threads
         * 75-123 %, p99 6.8-11.0 ms */
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        events = ncpu > 0 ? (int)ncpu : 2;
    }
    if (events > EVENT_THREADS_MAX)
        events = EVENT_THREADS_MAX;
    int general = cfg->workers > 0 ? cfg->workers : WORKERS_DEFAULT;
    int heavy = !cfg->lane ? 0 : cfg->heavy_workers > 0 ? cfg->heavy_workers : 1;
    srv->workers = xcalloc((size_t)(general + heavy), sizeof(*srv->workers));
    int started[2] = {0, 0};
    for (int i = 0; i < general + heavy; i++) {
        struct worker *w = &srv->workers[srv->nworkers];
        *w = (struct worker){.srv = srv, .lane = i >= general};
        if (pthread_create(&w->t, NULL, worker_main, w) != 0)
            break;
        started[w->lane]++;
        srv->nworkers++;
    }
    srv->ticking = pthread_create(&srv->ticker, NULL, ticker_main, srv) == 0;
    if (!started[0] || (heavy && !started[1]) || !srv->ticking) {
        stop_threads(srv);
        return shop_fail(SHOP_EIO, "cannot start the server's threads");
    }
    srv->d = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)(cfg->max_connections ? cfg->max_connections : 256),
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(cfg->per_ip ? cfg->per_ip : 128),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(cfg->timeout_s ? cfg->timeout_s : 30),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)events, MHD_OPTION_END);
    if (!srv->d) {
        stop_threads(srv);
        return shop_fail(SHOP_EIO, "cannot listen on %s port %d (in use, or not allowed)", bind,
                         cfg->port);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : cfg->port;
    *out = srv;
    return SHOP_OK;
}

int http_port(const struct http_server *srv)
{
    return srv->port;
}

int http_stopping(const struct http_server *srv)
{
    return atomic_load(&srv->stopping);
}

void http_stop(struct http_server *srv)
{
    if (!srv)
        return;
    atomic_store(&srv->stopping, 1);
    MHD_socket s = MHD_quiesce_daemon(srv->d); /* no new connections */
    /* streams end at their next read (stopping): read them now */
    pthread_mutex_lock(&srv->mu);
    pthread_cond_signal(&srv->tick_cv);
    /* every request completes - answered and sent - before the daemon stops: none is left
     * suspended (libmicrohttpd's rule), and none loses its answer */
    while (atomic_load(&srv->inflight) > 0) {
        struct timespec ts; /* the count is not under mu: look again now and then too */
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&srv->idle_cv, &srv->mu, &ts);
    }
    pthread_mutex_unlock(&srv->mu);
    MHD_stop_daemon(srv->d); /* closes the idle connections, joins the event threads */
    if (s != MHD_INVALID_SOCKET)
        close(s);
    stop_threads(srv);
}
