/* analytics/emostats.h - the emotions screen of the dashboard: emotion events of a range
 * counted by group and dominant emotion, their mean intensity and mean expression
 * distribution, alert counts by status; the events themselves; the sessions with events;
 * and one session's emotional journey (the group scores of its events over time).
 *     struct emostats e;
 *     if (emostats_get(st, from, to, &e) == SHOP_OK) emostats_write_json(&w, &e);
 * Events are the peaks the mirrors detected (identity/emotion.h): frames are not stored, so
 * a journey is the series of a session's peaks, each with its window's mean scores.      */
#ifndef SHOP_ANALYTICS_EMOSTATS_H
#define SHOP_ANALYTICS_EMOSTATS_H

#include "core/jsonw.h"
#include "store/store.h"

struct emostats {
    int64_t from, to;
    int64_t events;
    int64_t by_group[3];      /* frustration, happiness, surprise */
    int64_t by_dominant[7];   /* neutral .. surprised */
    double mean_score;        /* intensity: the mean group score of the events, % */
    double group_score[3];    /* per group */
    double mean_p[7];         /* the mean expression distribution of the events */
    int64_t alerts[3];        /* open, acknowledged, resolved: raised in the range */
};
SHOP_MUST_CHECK int emostats_get(struct store *st, int64_t from, int64_t to, struct emostats *out);
/* {"from","to","events","by_group":{...},"by_dominant":{...},"dominant_emotion",
 *  "mean_intensity","intensity_by_group":{...},"distribution":{...},"alerts":{...}} */
void emostats_write_json(struct jsonw *w, const struct emostats *e);

/* one event as JSON: {"id","at","session_id","customer_id","group","dominant","score",
 * "scores":{"frustration","happiness","surprise"},"probabilities":{...},"mirror"} */
void emostats_event_write_json(struct jsonw *w, const struct store_emotion_event *e);
/* {"total","events":[...]} */
void emostats_events_write_json(struct jsonw *w, const struct store_emotion_event *e, size_t n,
                                int64_t total);
/* {"sessions":[{"session_id","customer_id","customer_name","events","first_at","last_at",
 *  "by_group"}]} */
void emostats_sessions_write_json(struct jsonw *w, const struct store_emotion_session *s,
                                  size_t n);

struct emostats_journey {
    struct store_session session;
    size_t n;
    struct store_emotion_event *events; /* oldest first */
    int64_t total;
};
/* the session (SHOP_ENOTFOUND) and its events, at most limit. Caller releases. */
SHOP_MUST_CHECK int emostats_journey_get(struct store *st, int64_t session_id, int64_t limit,
                                         struct emostats_journey *out);
void emostats_journey_release(struct emostats_journey *j);
/* {"session":{...},"series":{"at":[...],"frustration":[...],"happiness":[...],
 *  "surprise":[...]},"events":[...]} */
void emostats_journey_write_json(struct jsonw *w, const struct emostats_journey *j);

#endif
