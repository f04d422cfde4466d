/* api/api_emotions.c - the emotions screen: events of a range summed up, the events, the
 * sessions with events and one session's emotional journey. */
#include <stdlib.h>
#include <string.h>

#include "analytics/emostats.h"
#include "api/api_int.h"

#define PAGE_MAX 200

static int get_summary(struct api_ctx *c)
{
    int64_t from, to;
    int rc = api_query_range(c, &from, &to);
    struct emostats e;
    if (rc == SHOP_OK)
        rc = emostats_get(c->st, from, to, &e);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    emostats_write_json(w, &e);
    jw_finish(w);
    return 200;
}

static int get_events(struct api_ctx *c)
{
    int64_t from, to, limit, offset;
    const char *group;
    int rc = api_query_range(c, &from, &to);
    if (rc == SHOP_OK)
        rc = api_query_str(c, "group", 16, &group);
    if (rc == SHOP_OK && group && strcmp(group, "frustration") != 0 &&
        strcmp(group, "happiness") != 0 && strcmp(group, "surprise") != 0)
        rc = shop_fail(SHOP_EINVAL, "'group' is frustration, happiness or surprise");
    if (rc == SHOP_OK)
        rc = api_query_int(c, "limit", 1, PAGE_MAX, 50, &limit);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "offset", 0, INT32_MAX, 0, &offset);
    struct store_emotion_event *e = NULL;
    size_t n = 0;
    int64_t total = 0;
    if (rc == SHOP_OK)
        rc = store_emotion_events(c->st, from, to, group, 0, limit, offset, &e, &n, &total);
    if (rc != SHOP_OK) {
        free(e);
        return api_error(c, rc);
    }
    struct jsonw *w = api_json(c);
    emostats_events_write_json(w, e, n, total);
    jw_finish(w);
    free(e);
    return 200;
}

static int get_sessions(struct api_ctx *c)
{
    int64_t from, to, limit;
    int rc = api_query_range(c, &from, &to);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "limit", 1, PAGE_MAX, 50, &limit);
    struct store_emotion_session *s = NULL;
    size_t n = 0;
    if (rc == SHOP_OK)
        rc = store_emotion_sessions(c->st, from, to, limit, &s, &n);
    if (rc != SHOP_OK) {
        free(s);
        return api_error(c, rc);
    }
    struct jsonw *w = api_json(c);
    emostats_sessions_write_json(w, s, n);
    jw_finish(w);
    free(s);
    return 200;
}

static int get_journey(struct api_ctx *c)
{
    int64_t id;
    int rc = api_param_id(c, 0, &id);
    struct emostats_journey j = {0};
    if (rc == SHOP_OK)
        rc = emostats_journey_get(c->st, id, 1000, &j);
    if (rc != SHOP_OK) {
        emostats_journey_release(&j);
        return api_error(c, rc);
    }
    struct jsonw *w = api_json(c);
    emostats_journey_write_json(w, &j);
    jw_finish(w);
    emostats_journey_release(&j);
    return 200;
}

const struct api_route emotions_routes[] = {
    {"GET", "/api/v1/emotions", get_summary, API_ANY_USER, 0},
    {"GET", "/api/v1/emotions/events", get_events, API_ANY_USER, 0},
    {"GET", "/api/v1/emotions/sessions", get_sessions, API_ANY_USER, 0},
    {"GET", "/api/v1/sessions/{id}/emotions", get_journey, API_ANY_USER, 0},
    {NULL, NULL, NULL, 0, 0},
};
