/* identity/alerts.c - the alert hub (subscribers + ring of notes) and peak recording. */
#include "identity/alerts.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "vision/face.h"

const char *const alerts_kind_names[3] = {"raised", "acknowledged", "resolved"};

struct subscriber {
    int id; /* 0 = free slot */
    void (*fn)(void *ctx, const struct alerts_note *n);
    void *ctx;
};

struct alerts {
    pthread_mutex_t mu;
    struct subscriber subs[ALERTS_MAX_SUBSCRIBERS];
    int next_id;
    uint64_t seq;           /* the last note's number */
    size_t keep;
    struct alerts_note *ring; /* note seq s lives at ring[(s - 1) % keep] */
};

struct alerts *alerts_new(size_t keep)
{
    struct alerts *h = xcalloc(1, sizeof(*h));
    pthread_mutex_init(&h->mu, NULL);
    h->keep = keep ? keep : 1;
    h->ring = xcalloc(h->keep, sizeof(*h->ring));
    return h;
}

void alerts_free(struct alerts *h)
{
    if (!h)
        return;
    pthread_mutex_destroy(&h->mu);
    free(h->ring);
    free(h);
}

int alerts_subscribe(struct alerts *h, void (*fn)(void *ctx, const struct alerts_note *n),
                     void *ctx)
{
    int id = SHOP_ETOOBIG;
    pthread_mutex_lock(&h->mu);
    for (int i = 0; i < ALERTS_MAX_SUBSCRIBERS; i++)
        if (!h->subs[i].id) {
            id = ++h->next_id;
            h->subs[i] = (struct subscriber){id, fn, ctx};
            break;
        }
    pthread_mutex_unlock(&h->mu);
    return id;
}

void alerts_unsubscribe(struct alerts *h, int id)
{
    pthread_mutex_lock(&h->mu);
    for (int i = 0; i < ALERTS_MAX_SUBSCRIBERS; i++)
        if (id > 0 && h->subs[i].id == id)
            memset(&h->subs[i], 0, sizeof(h->subs[i]));
    pthread_mutex_unlock(&h->mu);
}

uint64_t alerts_publish(struct alerts *h, enum alerts_kind kind, const struct store_alert *a,
                        const char *staff, int64_t at)
{
    pthread_mutex_lock(&h->mu);
    uint64_t seq = ++h->seq;
    struct alerts_note *n = &h->ring[(seq - 1) % h->keep];
    memset(n, 0, sizeof(*n));
    n->seq = seq;
    n->kind = kind;
    n->alert = *a;
    snprintf(n->staff, sizeof(n->staff), "%s", staff ? staff : "");
    n->at = at;
    for (int i = 0; i < ALERTS_MAX_SUBSCRIBERS; i++)
        if (h->subs[i].id)
            h->subs[i].fn(h->subs[i].ctx, n);
    pthread_mutex_unlock(&h->mu);
    return seq;
}

size_t alerts_since(struct alerts *h, uint64_t after, struct alerts_note *out, size_t max)
{
    size_t got = 0;
    pthread_mutex_lock(&h->mu);
    uint64_t first = h->seq > h->keep ? h->seq - h->keep + 1 : 1; /* oldest kept */
    if (after + 1 > first)
        first = after + 1;
    for (uint64_t s = first; s <= h->seq && got < max; s++)
        out[got++] = h->ring[(s - 1) % h->keep];
    pthread_mutex_unlock(&h->mu);
    return got;
}

uint64_t alerts_last_seq(struct alerts *h)
{
    pthread_mutex_lock(&h->mu);
    uint64_t s = h->seq;
    pthread_mutex_unlock(&h->mu);
    return s;
}

int alerts_record_peak(struct store *st, struct alerts *hub, const struct alerts_context *c,
                       const struct emotion_peak *p, int64_t at, int64_t *event_id,
                       int64_t *alert_id)
{
    *event_id = 0;
    *alert_id = 0;
    if (c->customer_id <= 0)
        return SHOP_ECONFLICT; /* emotions are only for logged-in customers */
    int rc = store_face_consent_get(st, c->customer_id, NULL, 0, NULL);
    if (rc == SHOP_ENOTFOUND)
        return SHOP_ECONFLICT;
    if (rc != SHOP_OK)
        return rc;
    struct store_emotion_event e = {0};
    e.session_id = c->session_id;
    e.customer_id = c->customer_id;
    e.at = at;
    snprintf(e.grp, sizeof(e.grp), "%s", emotion_group_names[p->group]);
    snprintf(e.dominant, sizeof(e.dominant), "%s", face_expression_names[p->dominant]);
    e.score = p->score;
    e.peak_score = p->frame_score;
    snprintf(e.peak_dominant, sizeof(e.peak_dominant), "%s",
             face_expression_names[p->frame_dominant]);
    for (int k = 0; k < EMOTION_CLASSES; k++)
        e.p[k] = p->p[k];
    snprintf(e.mirror, sizeof(e.mirror), "%s", c->mirror);
    struct store_alert a = {0};
    int raise = p->group == EMOTION_FRUSTRATION;
    rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = store_emotion_event_add(st, &e);
    if (rc == SHOP_OK && raise) {
        a.event_id = e.id;
        a.customer_id = c->customer_id;
        a.session_id = c->session_id;
        snprintf(a.location, sizeof(a.location), "%s",
                 c->location[0] ? c->location : (c->mirror[0] ? c->mirror : "unknown"));
        a.created_at = at;
        snprintf(a.status, sizeof(a.status), "open");
        rc = store_alert_add(st, &a);
    }
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK) {
        store_rollback(st);
        return rc;
    }
    *event_id = e.id;
    if (raise) {
        *alert_id = a.id;
        log_info("alerts: customer %lld looks frustrated at '%s' (alert %lld)",
                 (long long)c->customer_id, a.location, (long long)a.id);
        if (hub)
            alerts_publish(hub, ALERTS_RAISED, &a, NULL, at);
    }
    return SHOP_OK;
}

static int publish_change(struct store *st, struct alerts *hub, int64_t alert_id,
                          enum alerts_kind kind, const char *staff, int64_t at)
{
    if (!hub)
        return SHOP_OK;
    struct store_alert_row r;
    int rc = store_alert_get(st, alert_id, &r);
    if (rc == SHOP_OK)
        alerts_publish(hub, kind, &r.a, staff, at);
    return rc;
}

int alerts_acknowledge(struct store *st, struct alerts *hub, int64_t alert_id, const char *staff,
                       int64_t at)
{
    int rc = store_alert_acknowledge(st, alert_id, staff, at);
    if (rc != SHOP_OK)
        return rc;
    return publish_change(st, hub, alert_id, ALERTS_ACKNOWLEDGED, staff, at);
}

int alerts_resolve(struct store *st, struct alerts *hub, int64_t alert_id, const char *staff,
                   const char *note, int64_t at)
{
    int rc = store_alert_resolve(st, alert_id, staff, note, at);
    if (rc != SHOP_OK)
        return rc;
    return publish_change(st, hub, alert_id, ALERTS_RESOLVED, staff, at);
}
