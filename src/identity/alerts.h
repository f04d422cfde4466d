/* identity/alerts.h - staff alerts: a frustration peak of a logged-in, consenting customer
 * becomes an emotion event and an alert in the store, and a note pushed to subscribers
 * (callbacks) and kept in a ring that pollers read by sequence number.
 *     struct alerts *hub = alerts_new(256);                        -- one per server
 *     int sub = alerts_subscribe(hub, on_alert, ctx);              -- e.g. the live feed
 *     alerts_record_peak(st, hub, &ctx, &peak, &event_id, &alert_id);   -- a mirror's loop
 *     n = alerts_since(hub, last_seq, notes, 32);                  -- a polling dashboard
 *     alerts_acknowledge(st, hub, alert_id, "sam", now);
 *     alerts_resolve(st, hub, alert_id, "sam", "helped with sizes", now);
 *     alerts_free(hub);
 * Thread-safe: every call takes the hub's mutex. Callbacks run on the publishing thread
 * with the mutex held: they must be quick (copy the note, wake a thread) and must not call
 * the hub. The store handle is the caller's (one per thread).                           */
#ifndef SHOP_IDENTITY_ALERTS_H
#define SHOP_IDENTITY_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "identity/emotion.h"
#include "store/store.h"

#define ALERTS_MAX_SUBSCRIBERS 64

enum alerts_kind { ALERTS_RAISED = 0, ALERTS_ACKNOWLEDGED, ALERTS_RESOLVED };
/* "raised", "acknowledged", "resolved" */
extern const char *const alerts_kind_names[3];

struct alerts_note {
    uint64_t seq;           /* 1, 2, 3 ... per hub */
    enum alerts_kind kind;
    struct store_alert alert; /* as stored (status after the change) */
    char staff[64];         /* acknowledged / resolved by */
    int64_t at;             /* when the change happened */
};

struct alerts;

/* a hub keeping the last `keep` notes for pollers (at least 1); never NULL */
struct alerts *alerts_new(size_t keep);
void alerts_free(struct alerts *h); /* NULL is a no-op */

/* registers fn; returns its id (> 0) or SHOP_ETOOBIG when ALERTS_MAX_SUBSCRIBERS are in */
int alerts_subscribe(struct alerts *h, void (*fn)(void *ctx, const struct alerts_note *n),
                     void *ctx);
/* after it returns, fn is never called again for that id */
void alerts_unsubscribe(struct alerts *h, int id);
/* numbers the note, keeps it, calls every subscriber; returns its sequence number */
uint64_t alerts_publish(struct alerts *h, enum alerts_kind kind, const struct store_alert *a,
                        const char *staff, int64_t at);
/* Copies up to max notes with seq > after, oldest first; returns how many. Notes that
 * left the ring are skipped (a poller that fell behind sees a gap in seq). */
size_t alerts_since(struct alerts *h, uint64_t after, struct alerts_note *out, size_t max);
uint64_t alerts_last_seq(struct alerts *h);

/* who and where a peak happened */
struct alerts_context {
    int64_t customer_id; /* the logged-in customer */
    int64_t session_id;  /* the shopping session, 0 = none */
    char mirror[24];     /* the mirror's name */
    char location[32];   /* the mirror's place in the store, shown to staff */
};

/* Records an emotion peak: stores it as an emotion event (*event_id) and, for a
 * frustration peak, stores an open alert at the mirror's location (*alert_id, else 0) and
 * publishes it (hub may be NULL). at is the event's unix time. Only for a logged-in
 * customer with a biometric consent: SHOP_ECONFLICT otherwise (nothing stored). */
SHOP_MUST_CHECK int alerts_record_peak(struct store *st, struct alerts *hub,
                                       const struct alerts_context *c,
                                       const struct emotion_peak *p, int64_t at,
                                       int64_t *event_id, int64_t *alert_id);
/* acknowledge / resolve in the store, then publish the change. SHOP_ENOTFOUND when the
 * alert is not open (acknowledge) or already resolved (resolve); SHOP_EINVAL without a
 * staff name (or a note, to resolve). */
SHOP_MUST_CHECK int alerts_acknowledge(struct store *st, struct alerts *hub, int64_t alert_id,
                                       const char *staff, int64_t at);
SHOP_MUST_CHECK int alerts_resolve(struct store *st, struct alerts *hub, int64_t alert_id,
                                   const char *staff, const char *note, int64_t at);

#endif
