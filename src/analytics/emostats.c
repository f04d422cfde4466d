/* analytics/emostats.c - emotion events summed up for the dashboard. */
#include "analytics/emostats.h"

#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "identity/emotion.h"

static const char *const GROUPS[3] = {"frustration", "happiness", "surprise"};
static const char *const EMO[7] = {"neutral", "happy",     "sad",      "angry",
                                   "fearful", "disgusted", "surprised"};

static int index_of(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static void time_json(struct jsonw *w, const char *key, int64_t t)
{
    char buf[24];
    format_time(t, buf, sizeof(buf));
    jw_key(w, key);
    jw_str(w, t ? buf : NULL);
}

int emostats_get(struct store *st, int64_t from, int64_t to, struct emostats *e)
{
    memset(e, 0, sizeof(*e));
    e->from = from;
    e->to = to;
    struct store_emotion_agg *a = NULL;
    size_t n = 0;
    int rc = store_emotion_aggs(st, from, to, &a, &n);
    double score = 0, gscore[3] = {0};
    for (size_t i = 0; i < n && rc == SHOP_OK; i++) {
        int g = index_of(GROUPS, 3, a[i].grp), d = index_of(EMO, 7, a[i].dominant);
        e->events += a[i].events;
        score += a[i].score_sum;
        if (g >= 0) {
            e->by_group[g] += a[i].events;
            gscore[g] += a[i].score_sum;
        }
        if (d >= 0)
            e->by_dominant[d] += a[i].events;
        for (int k = 0; k < 7; k++)
            e->mean_p[k] += a[i].p_sum[k];
    }
    free(a);
    if (e->events) {
        e->mean_score = score / (double)e->events;
        for (int k = 0; k < 7; k++)
            e->mean_p[k] /= (double)e->events;
    }
    for (int g = 0; g < 3; g++)
        e->group_score[g] = e->by_group[g] ? gscore[g] / (double)e->by_group[g] : 0;
    if (rc == SHOP_OK)
        rc = store_alert_counts(st, from, to, e->alerts);
    return rc;
}

void emostats_write_json(struct jsonw *w, const struct emostats *e)
{
    char a[24], b[24];
    format_time(e->from, a, sizeof(a));
    format_time(e->to, b, sizeof(b));
    jw_obj(w);
    jw_key(w, "from");
    jw_str(w, a);
    jw_key(w, "to");
    jw_str(w, e->to < 253402300800LL ? b : NULL);
    jw_key(w, "events");
    jw_int(w, e->events);
    jw_key(w, "by_group");
    jw_obj(w);
    for (int g = 0; g < 3; g++) {
        jw_key(w, GROUPS[g]);
        jw_int(w, e->by_group[g]);
    }
    jw_end(w);
    jw_key(w, "by_dominant");
    jw_obj(w);
    int best = -1;
    for (int d = 0; d < 7; d++) {
        jw_key(w, EMO[d]);
        jw_int(w, e->by_dominant[d]);
        if (e->by_dominant[d] > 0 && (best < 0 || e->by_dominant[d] > e->by_dominant[best]))
            best = d;
    }
    jw_end(w);
    jw_key(w, "dominant_emotion");
    jw_str(w, best >= 0 ? EMO[best] : NULL);
    jw_key(w, "mean_intensity");
    jw_num(w, e->mean_score);
    jw_key(w, "intensity_by_group");
    jw_obj(w);
    for (int g = 0; g < 3; g++) {
        jw_key(w, GROUPS[g]);
        jw_num(w, e->group_score[g]);
    }
    jw_end(w);
    jw_key(w, "distribution");
    jw_obj(w);
    for (int d = 0; d < 7; d++) {
        jw_key(w, EMO[d]);
        jw_num(w, e->mean_p[d]);
    }
    jw_end(w);
    jw_key(w, "alerts");
    jw_obj(w);
    static const char *const status[3] = {"open", "acknowledged", "resolved"};
    for (int s = 0; s < 3; s++) {
        jw_key(w, status[s]);
        jw_int(w, e->alerts[s]);
    }
    jw_end(w);
    jw_end(w);
}

static void scores_of(const struct store_emotion_event *e, double score[3])
{
    float p[7];
    for (int i = 0; i < 7; i++)
        p[i] = (float)e->p[i];
    emotion_scores(p, score);
}

void emostats_event_write_json(struct jsonw *w, const struct store_emotion_event *e)
{
    double score[3];
    scores_of(e, score);
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, e->id);
    time_json(w, "at", e->at);
    jw_key(w, "session_id");
    jw_int(w, e->session_id);
    jw_key(w, "customer_id");
    jw_int(w, e->customer_id);
    jw_key(w, "group");
    jw_str(w, e->grp);
    jw_key(w, "dominant");
    jw_str(w, e->dominant);
    jw_key(w, "score");
    jw_num(w, e->score);
    jw_key(w, "scores");
    jw_obj(w);
    for (int g = 0; g < 3; g++) {
        jw_key(w, GROUPS[g]);
        jw_num(w, score[g]);
    }
    jw_end(w);
    jw_key(w, "probabilities");
    jw_obj(w);
    for (int d = 0; d < 7; d++) {
        jw_key(w, EMO[d]);
        jw_num(w, e->p[d]);
    }
    jw_end(w);
    jw_key(w, "mirror");
    jw_str(w, e->mirror[0] ? e->mirror : NULL);
    jw_end(w);
}

void emostats_events_write_json(struct jsonw *w, const struct store_emotion_event *e, size_t n,
                                int64_t total)
{
    jw_obj(w);
    jw_key(w, "total");
    jw_int(w, total);
    jw_key(w, "events");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        emostats_event_write_json(w, &e[i]);
    jw_end(w);
    jw_end(w);
}

void emostats_sessions_write_json(struct jsonw *w, const struct store_emotion_session *s,
                                  size_t n)
{
    jw_obj(w);
    jw_key(w, "sessions");
    jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(w);
        jw_key(w, "session_id");
        jw_int(w, s[i].session_id);
        jw_key(w, "customer_id");
        jw_int(w, s[i].customer_id);
        jw_key(w, "customer_name");
        jw_str(w, s[i].customer_name[0] ? s[i].customer_name : NULL);
        jw_key(w, "events");
        jw_int(w, s[i].events);
        time_json(w, "first_at", s[i].first_at);
        time_json(w, "last_at", s[i].last_at);
        jw_key(w, "by_group");
        jw_obj(w);
        for (int g = 0; g < 3; g++) {
            jw_key(w, GROUPS[g]);
            jw_int(w, s[i].by_group[g]);
        }
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
}

int emostats_journey_get(struct store *st, int64_t session_id, int64_t limit,
                         struct emostats_journey *j)
{
    memset(j, 0, sizeof(*j));
    int rc = store_session_get(st, session_id, &j->session);
    if (rc == SHOP_OK)
        rc = store_emotion_events(st, 0, 0, NULL, session_id, limit, 0, &j->events, &j->n,
                                  &j->total);
    return rc;
}

void emostats_journey_release(struct emostats_journey *j)
{
    free(j->events);
    j->events = NULL;
    j->n = 0;
}

void emostats_journey_write_json(struct jsonw *w, const struct emostats_journey *j)
{
    const struct store_session *s = &j->session;
    jw_obj(w);
    jw_key(w, "session");
    jw_obj(w);
    jw_key(w, "id");
    jw_int(w, s->id);
    jw_key(w, "customer_id");
    jw_int(w, s->customer_id);
    time_json(w, "started_at", s->started_at);
    time_json(w, "ended_at", s->ended_at);
    jw_key(w, "mirror");
    jw_str(w, s->mirror[0] ? s->mirror : NULL);
    jw_end(w);
    jw_key(w, "total");
    jw_int(w, j->total);
    /* one line per group: the group scores of each event, at the event's time */
    jw_key(w, "series");
    jw_obj(w);
    jw_key(w, "at");
    jw_arr(w);
    for (size_t i = 0; i < j->n; i++) {
        char buf[24];
        format_time(j->events[i].at, buf, sizeof(buf));
        jw_str(w, buf);
    }
    jw_end(w);
    for (int g = 0; g < 3; g++) {
        jw_key(w, GROUPS[g]);
        jw_arr(w);
        for (size_t i = 0; i < j->n; i++) {
            double score[3];
            scores_of(&j->events[i], score);
            jw_num(w, score[g]);
        }
        jw_end(w);
    }
    jw_end(w);
    jw_key(w, "events");
    jw_arr(w);
    for (size_t i = 0; i < j->n; i++)
        emostats_event_write_json(w, &j->events[i]);
    jw_end(w);
    jw_end(w);
}
