/* http/http.h - the HTTP server: libmicrohttpd (its only user) behind a request/response
 * pair and one handler callback. No HTTP parsing of our own.
 *     struct http_config cfg = {.bind = "127.0.0.1", .port = 8080, .handle = fn, .ctx = app};
 *     struct http_server *srv;
 *     if (http_start(&cfg, &srv) == SHOP_OK) { ... wait for a signal ... http_stop(srv); }
 * Threads: a few event threads (epoll) read requests and write answers for every
 * connection; they call handle_fast, which answers what is quick and never waits (static
 * files, cached answers, health). Every other request is parked (its connection suspended)
 * and handled by one of a bounded pool of worker threads, then its connection resumed with
 * the answer: a slow handler - a camera frame, a dashboard computed afresh, a password hash
 * - holds only its worker. At most max_connections connections, at most per_ip from one
 * address, each closed after timeout_s seconds of silence. Handlers must be thread-safe. */
#ifndef SHOP_HTTP_HTTP_H
#define SHOP_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/status.h"

struct http_req {
    const char *method; /* "GET", "POST" ... */
    const char *path;   /* percent-decoded, without the query */
    const char *body;   /* NUL-terminated copy of the body (NULL when empty) */
    size_t body_len;
    const char *client; /* the peer's address, e.g. "127.0.0.1" */
    uint64_t id;        /* a request number, for logs */
    void *conn;         /* libmicrohttpd's connection (http.c only) */
};

/* a request header, query argument or cookie by name; NULL when absent */
const char *http_header(const struct http_req *r, const char *name);
const char *http_query(const struct http_req *r, const char *name);
const char *http_cookie(const struct http_req *r, const char *name);
/* every query argument, in order, written unambiguously into buf ("len:name=len:value;"
 * each, NUL-terminated): equal strings, equal queries. 0 when it does not fit. */
size_t http_query_key(const struct http_req *r, char *buf, size_t n);

#define HTTP_MAX_EXTRA 1536

struct http_res {
    int status;        /* 200 when the handler leaves it 0 */
    const char *ctype; /* "application/json" when NULL */
    char *body;        /* malloc'ed; http frees it */
    size_t len;
    /* set: body is shared, not http's to free; body_free(body_cls) is called once the
     * response no longer needs it (a cached answer sent without a copy) */
    void (*body_free)(void *cls);
    void *body_cls;
    int fd;            /* >= 0: send this open file of fd_size bytes instead (http closes) */
    size_t fd_size;
    char extra[HTTP_MAX_EXTRA]; /* more header lines, "Name: value\n" each */
    /* a stream instead of a body (server-sent events): read fills buf with up to max bytes
     * and returns how many, 0 for "nothing yet" or -1 to end; it runs on an event thread and
     * must not wait. After a 0 the connection is parked and read is called again within
     * HTTP_STREAM_TICK_MS. release frees ctx when the connection ends. */
    ssize_t (*stream_read)(void *ctx, char *buf, size_t max);
    void (*stream_release)(void *ctx);
    void *stream_ctx;
    int tag; /* the handler's label for this response (a route number), passed to done */
};

/* adds a header line (dropped with a log line when the extra space is full) */
void http_res_header(struct http_res *r, const char *name, const char *value);

struct http_config {
    const char *bind;     /* address to listen on, "127.0.0.1" when NULL */
    int port;             /* 0: any free port (see http_port) */
    int max_connections;  /* 256 when 0 */
    int per_ip;           /* 128 when 0 */
    int timeout_s;        /* idle connections are closed after this; 30 when 0 */
    /* the largest body accepted for a request (before it is read: a larger one gets 413);
     * NULL means 64 KiB for every request */
    size_t (*body_limit)(void *ctx, const char *method, const char *path);
    /* runs on an event thread first, and must not wait (no lock held for long, no slow
     * query): 1 when it filled res, 0 (res untouched) to have handle called on a worker */
    int (*handle_fast)(void *ctx, const struct http_req *req, struct http_res *res);
    /* fills res for req; runs on a worker thread (NULL handle_fast: every request) */
    void (*handle)(void *ctx, const struct http_req *req, struct http_res *res);
    /* after each response: status, bytes sent and seconds from request to end (the access
     * log and metrics); may be NULL */
    void (*done)(void *ctx, const struct http_req *req, int tag, int status, uint64_t bytes,
                 double seconds);
    void *ctx;
    int event_threads; /* threads polling the connections; two a CPU (at most 8) when 0 */
    int workers;       /* requests handled at once off the event threads; 16 when 0 */
    /* 1 when a request goes to the heavy lane (camera frames): heavy_workers (1 when 0)
     * workers of its own, so that those requests queue among themselves and never hold the
     * general workers; NULL: one lane */
    int (*lane)(void *ctx, const struct http_req *req);
    int heavy_workers;
};

/* a parked stream (its read returned 0) is read again at least this often */
#define HTTP_STREAM_TICK_MS 200

struct http_server;
/* Starts listening; SHOP_EIO (message says why: port in use, bad address) */
SHOP_MUST_CHECK int http_start(const struct http_config *cfg, struct http_server **out);
/* the port actually bound */
int http_port(const struct http_server *srv);
/* 1 once http_stop has begun: streams should end */
int http_stopping(const struct http_server *srv);
/* Stops accepting, lets requests in flight finish (a request arriving meanwhile on an open
 * connection gets a 503 and the connection closed), ends streams, frees the server. */
void http_stop(struct http_server *srv);

/* the reason phrase of a status ("Not Found") */
const char *http_reason(int status);

#endif
