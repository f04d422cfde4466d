/* identity/alerts_json.c - the JSON of alerts and of the live feed's notes. */
#include "identity/alerts_json.h"

#include "core/parse.h"

static void id_or_null(struct jsonw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    if (v)
        jw_int(w, v);
    else
        jw_null(w);
}

static void time_or_null(struct jsonw *w, const char *key, int64_t t)
{
    char buf[32];
    jw_key(w, key);
    if (t) {
        format_time(t, buf, sizeof(buf));
        jw_str(w, buf);
    } else
        jw_null(w);
}

static void str_or_null(struct jsonw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s && s[0] ? s : NULL);
}

static void alert_fields(struct jsonw *w, const struct store_alert *a)
{
    jw_key(w, "id");
    jw_int(w, a->id);
    jw_key(w, "status");
    jw_str(w, a->status);
    jw_key(w, "location");
    jw_str(w, a->location);
    time_or_null(w, "created_at", a->created_at);
    id_or_null(w, "customer", a->customer_id);
    id_or_null(w, "session", a->session_id);
    id_or_null(w, "event", a->event_id);
}

void alerts_row_write_json(struct jsonw *w, const struct store_alert_row *r)
{
    jw_obj(w);
    alert_fields(w, &r->a);
    str_or_null(w, "acknowledged_by", r->acknowledged_by);
    time_or_null(w, "acknowledged_at", r->acknowledged_at);
    str_or_null(w, "resolved_by", r->resolved_by);
    time_or_null(w, "resolved_at", r->resolved_at);
    str_or_null(w, "note", r->note);
    jw_end(w);
}

void alerts_note_write_json(struct jsonw *w, const struct alerts_note *n)
{
    jw_obj(w);
    jw_key(w, "seq");
    jw_int(w, (int64_t)n->seq);
    jw_key(w, "kind");
    jw_str(w, alerts_kind_names[n->kind]);
    time_or_null(w, "at", n->at);
    str_or_null(w, "staff", n->staff);
    jw_key(w, "alert");
    jw_obj(w);
    alert_fields(w, &n->alert);
    jw_end(w);
    jw_end(w);
}
