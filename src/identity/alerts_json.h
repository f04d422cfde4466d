/* identity/alerts_json.h - the JSON shape of a staff alert, one writer for the CLI
 * (`shopper alerts --json`), the API (GET /api/v1/alerts) and the live feed's notes.
 *     alerts_row_write_json(w, &row);      -> {"id":3,"status":"open","location":...}
 *     alerts_note_write_json(w, &note);    -> {"seq":7,"kind":"raised","alert":{...},...}  */
#ifndef SHOP_IDENTITY_ALERTS_JSON_H
#define SHOP_IDENTITY_ALERTS_JSON_H

#include "core/jsonw.h"
#include "identity/alerts.h"
#include "store/store.h"

/* id, status, location, created_at (ISO), customer, session, event, acknowledged_by / _at,
 * resolved_by / _at, note (null when not) */
void alerts_row_write_json(struct jsonw *w, const struct store_alert_row *r);
/* seq, kind, at (ISO), staff (null when none) and the alert as stored after the change */
void alerts_note_write_json(struct jsonw *w, const struct alerts_note *n);

#endif
