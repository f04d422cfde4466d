/* cli/cmd_identity.c - face identity from the command line: consent, enrol, identify,
 * forget, purge, alerts (list / ack / resolve), peaks (the emotion peak detector on a
 * stream of expression probabilities) and `eval faces` (identification accuracy on a
 * folder of <person>/<image>). Descriptors are never printed. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "core/progress.h"
#include "core/jsonw.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "identity/alerts.h"
#include "identity/alerts_json.h"
#include "identity/emotion.h"
#include "identity/enrol.h"
#include "identity/evalfaces.h"
#include "identity/gallery.h"
#include "identity/identify.h"
#include "identity/privacy.h"
#include "store/store.h"

#define CONSENT_VERSION "2026-01" /* the consent text shown at the mirror */

/* the networks the identity commands use: a detector, landmarks, descriptor, expressions */
static unsigned face_nets(int detector_tiny)
{
    return FACE_NET_LM68 | FACE_NET_RECOG | FACE_NET_EXPR |
           (detector_tiny ? FACE_NET_TINY : FACE_NET_SSD);
}

/* the customer must exist: 0, or 1 after printing the error */
static int need_customer(struct store *st, int64_t id, struct store_customer *c)
{
    int rc = store_customer_get(st, id, c);
    if (rc == SHOP_ENOTFOUND)
        return cli_fail("no customer %lld", (long long)id);
    if (rc != SHOP_OK)
        return cli_fail("%s", store_errmsg(st));
    return 0;
}

/* ---- consent ---- */

int cmd_consent(int argc, char **argv)
{
    const char *db = NULL, *version = CONSENT_VERSION, *actor = "cli";
    int64_t customer = 0;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_INT("customer", "ID", "the customer (required)", &customer, 1, 1e15),
        CLI_STR("version", "V", "version of the consent text agreed to (default " CONSENT_VERSION
                ")", &version),
        CLI_STR("actor", "NAME", "who records it, for the audit (default cli)", &actor),
        CLI_STR("db", "FILE", "database file (default $SHOPPER_DB, else shopper.db)", &db),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper consent --customer ID [--version V] [--json]",
                       "Record a customer's explicit consent to biometric processing (face "
                       "login), with the time and the consent text's version; audited.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    if (!customer)
        return cli_fail("consent: --customer is required"), 2;
    if (privacy_version_check(version) != SHOP_OK)
        return cli_fail("consent: --version: %s", shop_errmsg()), 2;
    struct store *st = cli_open_store(db, STORE_WRITE);
    if (!st)
        return 1;
    int status = 1;
    struct store_customer c;
    int64_t now = (int64_t)time(NULL);
    if (need_customer(st, customer, &c))
        goto out;
    rc = privacy_consent(st, customer, version, actor, now);
    if (rc != SHOP_OK) {
        cli_fail("%s", shop_errmsg());
        goto out;
    }
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "customer");
        jw_int(&w, customer);
        jw_key(&w, "version");
        jw_str(&w, version);
        jw_key(&w, "consented_at");
        jw_int(&w, now);
        jw_end(&w);
        jw_finish(&w);
    } else {
        printf("customer %lld (%s) consented to biometric processing (version %s)\n",
               (long long)customer, c.name, version);
    }
    status = 0;
out:
    store_close(st);
    return status;
}

/* ---- enrol ---- */

/* the verdict of one image, for the report */
struct verdict {
    const char *image;
    const char *reason; /* NULL: accepted */
    char why[160];      /* the decoder's own reason, when reason points here */
    double sharpness, face_px, yaw;
};

int cmd_enroll(int argc, char **argv)
{
    const char *db = NULL, *models = NULL, *phase_s = "file", *actor = "cli", *detector = NULL,
               *version = NULL;
    int64_t customer = 0, keep = 3;
    double min_sharp = 60, min_px = 80;
    int json = 0, keep_photos = 0;
    struct cli_opt opts[] = {
        CLI_INT("customer", "ID", "the customer (required)", &customer, 1, 1e15),
        CLI_STR("consent-version", "V",
                "version of the consent text the customer agreed to (required: no consent, "
                "no enrolment)",
                &version),
        CLI_STR("phase", "P", "file (default: no pose gate), straight, left or right", &phase_s),
        CLI_INT("keep", "N", "best frames kept per phase (3)", &keep, 1, ENROL_MAX_KEEP),
        CLI_DOUBLE("min-sharpness", "V", "variance of the Laplacian, minimum (60)", &min_sharp, 0,
                   1e9),
        CLI_DOUBLE("min-face", "PX", "face box width, minimum (80)", &min_px, 0, 1e5),
        CLI_FLAG("keep-photos", "also store the raw images (off unless the operator wants it)",
                 &keep_photos),
        CLI_STR("actor", "NAME", "who enrols, for the audit (default cli)", &actor),
        CLI_STR("detector", "NAME", "ssd (default) or tiny", &detector),
        CLI_STR("models", "DIR", "model folder (default $SHOPPER_MODELS, else ./models)", &models),
        CLI_STR("db", "FILE", "database file (default $SHOPPER_DB, else shopper.db)", &db),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    char **pos = NULL;
    int rc = cli_parse(argc, argv,
                       "shopper enroll --customer ID --consent-version V IMAGE... [--json]",
                       "Register a customer's face from images, with their explicit consent "
                       "(recorded with its version and time). Each image gets a verdict: exactly "
                       "one face, large and sharp enough (and, with --phase, in the phase's pose; "
                       "from files the pose gate is skipped). The sharpest accepted frames become "
                       "the customer's templates, replacing earlier ones. Exits 1 when no image "
                       "is accepted (nothing is stored then).",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    int status = 2, tiny = 0, nkept = 0;
    struct store *st = NULL;
    struct face_engine *e = NULL;
    struct face_ws *ws = NULL;
    struct gallery *g = NULL;
    struct verdict *v = NULL;
    struct enrol_photo *kept = NULL;
    struct enrol_session s;
    struct enrol_opts o;
    enrol_opts_default(&o);
    enrol_session_init(&s, &o);
    int phase = enrol_phase_parse(phase_s);
    if (!customer || !pos[0] || phase < 0 || cli_parse_detector(detector, &tiny) < 0) {
        cli_fail("usage: shopper enroll --customer ID --consent-version V IMAGE... "
                 "[--phase file|straight|left|right]");
        goto out;
    }
    if (!version || !*version) {
        cli_fail("enroll: refused without consent: --consent-version V records the customer's "
                 "explicit consent to biometric processing");
        goto out;
    }
    if (privacy_version_check(version) != SHOP_OK) {
        cli_fail("enroll: --consent-version: %s", shop_errmsg());
        goto out;
    }
    status = 1;
    o.keep = (int)keep;
    o.min_sharpness = min_sharp;
    o.min_face_px = min_px;
    o.face.detector = tiny ? FACE_DETECT_TINY : FACE_DETECT_SSD;
    enrol_session_init(&s, &o);
    if (!(st = cli_open_store(db, STORE_WRITE)))
        goto out;
    struct store_customer c;
    if (need_customer(st, customer, &c))
        goto out;
    if (!(e = cli_load_faces(models, face_nets(tiny))))
        goto out;
    ws = face_ws_new(e);
    int nimg = 0, accepted = 0;
    for (int i = 0; pos[i]; i++)
        nimg++;
    v = xcalloc((size_t)nimg, sizeof(*v));
    for (int i = 0; i < nimg; i++) {
        v[i].image = pos[i];
        struct image img = {0};
        if (image_load(pos[i], IMAGE_DEFAULT_MAX_PIXELS, &img) != SHOP_OK) {
            /* the decoder's reason (CMYK, over the pixel limit, not an image, no file ...) */
            snprintf(v[i].why, sizeof(v[i].why), "%s",
                     image_errmsg()[0] ? image_errmsg() : "cannot read the file");
            v[i].reason = v[i].why;
            continue;
        }
        struct enrol_frame fr;
        rc = enrol_check(ws, &img, (enum enrol_phase)phase, &o, &fr);
        image_release(&img);
        if (rc != SHOP_OK) {
            v[i].reason = "face detection failed";
            continue;
        }
        v[i].sharpness = fr.sharpness;
        v[i].face_px = fr.face_px;
        v[i].yaw = fr.yaw;
        if (fr.gate != ENROL_OK) {
            v[i].reason = enrol_gate_reason(fr.gate);
            continue;
        }
        enrol_session_offer(&s, (enum enrol_phase)phase, &fr);
        memset(&fr, 0, sizeof(fr));
        accepted++;
    }
    int64_t now = (int64_t)time(NULL);
    int saved = 0, photos = 0;
    if (accepted > 0) {
        /* the files of the accepted images, when the operator keeps photos */
        kept = xcalloc((size_t)nimg, sizeof(*kept));
        for (int i = 0; keep_photos && i < nimg; i++) {
            uint8_t *data = NULL;
            size_t n = 0;
            if (v[i].reason)
                continue;
            if (cli_read_file(pos[i], &data, &n) != SHOP_OK) {
                cli_fail("enroll: cannot read '%s' again to keep it", pos[i]);
                goto out;
            }
            kept[nkept++] = (struct enrol_photo){data, n};
        }
        /* a CLI process has no shared gallery: load the store's, to refuse a face that is
         * already another customer's */
        g = gallery_new();
        if (gallery_load(g, st) != SHOP_OK) {
            cli_fail("%s", store_errmsg(st));
            goto out;
        }
        struct enrol_result r;
        rc = enrol_register(&s, st, g, customer, version, kept, nkept, actor, now, &r);
        if (rc != SHOP_OK) {
            status = cli_fail_rc(rc, rc == SHOP_ECONFLICT || rc == SHOP_EINVAL
                                         ? "enroll: refused"
                                         : "enroll: cannot save the templates");
            goto out;
        }
        saved = r.saved;
        photos = r.photos;
    }
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "customer");
        jw_int(&w, customer);
        jw_key(&w, "consent_version");
        jw_str(&w, version);
        jw_key(&w, "images");
        jw_arr(&w);
        for (int i = 0; i < nimg; i++) {
            jw_obj(&w);
            jw_key(&w, "image");
            jw_str(&w, v[i].image);
            jw_key(&w, "accepted");
            jw_bool(&w, v[i].reason == NULL);
            jw_key(&w, "reason");
            jw_str(&w, v[i].reason);
            jw_key(&w, "sharpness");
            jw_num(&w, v[i].sharpness);
            jw_key(&w, "face_px");
            jw_num(&w, v[i].face_px);
            jw_end(&w);
        }
        jw_end(&w);
        jw_key(&w, "templates");
        jw_int(&w, saved);
        jw_key(&w, "phase");
        jw_str(&w, phase_s);
        jw_key(&w, "photos");
        jw_int(&w, photos);
        jw_end(&w);
        jw_finish(&w);
    } else {
        for (int i = 0; i < nimg; i++) {
            if (!v[i].reason)
                printf("%-40s accepted (sharpness %.1f, face %.0f px)\n", v[i].image,
                       v[i].sharpness, v[i].face_px);
            else if (v[i].sharpness > 0)
                printf("%-40s refused: %s (sharpness %.1f, face %.0f px, yaw %.2f)\n",
                       v[i].image, v[i].reason, v[i].sharpness, v[i].face_px, v[i].yaw);
            else
                printf("%-40s refused: %s\n", v[i].image, v[i].reason);
        }
        printf("customer %lld (%s): %d template%s from %d of %d image%s%s\n", (long long)customer,
               c.name, saved, saved == 1 ? "" : "s", accepted, nimg, nimg == 1 ? "" : "s",
               photos ? ", photos kept" : "");
    }
    if (accepted == 0) {
        cli_fail("enroll: no image was accepted; nothing stored");
        goto out;
    }
    status = 0;
out:
    for (int i = 0; i < nkept; i++)
        free((void *)kept[i].data);
    free(kept);
    free(v);
    enrol_session_release(&s);
    gallery_free(g);
    face_ws_free(ws);
    face_engine_free(e);
    store_close(st);
    free(pos);
    return status;
}

/* ---- identify ---- */

int cmd_identify(int argc, char **argv)
{
    const char *db = NULL, *models = NULL, *detector = NULL;
    double threshold = IDENTIFY_THRESHOLD, margin = IDENTIFY_MARGIN;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_DOUBLE("threshold", "D", "accept the nearest customer under this distance (0.45)",
                   &threshold, 0, 2),
        CLI_DOUBLE("margin", "D", "the next customer must be this much farther (0.03)", &margin,
                   0, 2),
        CLI_STR("detector", "NAME", "ssd (default) or tiny", &detector),
        CLI_STR("models", "DIR", "model folder (default $SHOPPER_MODELS, else ./models)", &models),
        CLI_STR("db", "FILE", "database file (default $SHOPPER_DB, else shopper.db)", &db),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    char **pos = NULL;
    int rc = cli_parse(argc, argv, "shopper identify IMAGE... [--threshold D] [--json]",
                       "Identify the largest face of each image among the enrolled customers "
                       "(1:N): prints the customer, or unknown. An unreadable image or one "
                       "without a face is reported and the others still done; the exit code is "
                       "then 1.",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    int status = 2, tiny = 0;
    struct store *st = NULL;
    struct face_engine *e = NULL;
    struct face_ws *ws = NULL;
    struct gallery *g = NULL;
    struct identify_result *res = NULL;
    char (*errs)[320] = NULL;
    int failed = 0;
    if (!pos[0] || cli_parse_detector(detector, &tiny) < 0) {
        cli_fail("usage: shopper identify IMAGE... [--threshold D] [--detector ssd|tiny]");
        goto out;
    }
    status = 1;
    if (!(st = cli_open_store(db, 0)))
        goto out;
    g = gallery_new();
    if (gallery_load(g, st) != SHOP_OK) {
        cli_fail("%s", store_errmsg(st));
        goto out;
    }
    if (!(e = cli_load_faces(models, face_nets(tiny))))
        goto out;
    ws = face_ws_new(e);
    struct identify_opts o;
    identify_opts_default(&o);
    o.threshold = threshold;
    o.margin = margin;
    o.face.detector = tiny ? FACE_DETECT_TINY : FACE_DETECT_SSD;
    int n = 0;
    while (pos[n])
        n++;
    res = xcalloc((size_t)n, sizeof(*res));
    errs = xcalloc((size_t)n, sizeof(*errs));
    /* each image on its own: a bad one is reported (stderr, and in the JSON) and the batch
     * goes on; the exit code says that one failed */
    for (int i = 0; i < n; i++) {
        struct image img = {0};
        if (image_load(pos[i], IMAGE_DEFAULT_MAX_PIXELS, &img) != SHOP_OK) {
            snprintf(errs[i], sizeof(errs[i]), "cannot read '%s': %s", pos[i], image_errmsg());
        } else {
            rc = identify_frame(ws, g, &img, &o, &res[i]);
            image_release(&img);
            if (rc != SHOP_OK)
                snprintf(errs[i], sizeof(errs[i]), "face detection failed on '%s': %s", pos[i],
                         shop_errmsg_or(rc));
            else if (res[i].verdict == IDENTIFY_NO_FACE)
                snprintf(errs[i], sizeof(errs[i]), "no face found in '%s'", pos[i]);
        }
        if (errs[i][0]) {
            cli_fail("%s", errs[i]);
            failed++;
        }
    }
    struct jsonw w;
    /* one image: one object {"customer", "distance", "margin", ...}; several: an array */
    if (json) {
        jw_init(&w, stdout, 0);
        if (n > 1)
            jw_arr(&w);
    }
    for (int i = 0; i < n; i++) {
        const struct identify_result *r = &res[i];
        struct store_customer c = {0};
        if (errs[i][0]) {
            if (json) {
                jw_obj(&w);
                jw_key(&w, "image");
                jw_str(&w, pos[i]);
                jw_key(&w, "error");
                jw_str(&w, errs[i]);
                jw_end(&w);
            }
            continue;
        }
        if (r->customer_id && store_customer_get(st, r->customer_id, &c) != SHOP_OK)
            snprintf(c.name, sizeof(c.name), "?");
        if (json) {
            jw_obj(&w);
            jw_key(&w, "image");
            jw_str(&w, pos[i]);
            jw_key(&w, "verdict");
            jw_str(&w, identify_verdict_name(r->verdict));
            jw_key(&w, "customer");
            if (r->customer_id)
                jw_int(&w, r->customer_id);
            else
                jw_null(&w);
            jw_key(&w, "name");
            jw_str(&w, r->customer_id ? c.name : NULL);
            jw_key(&w, "distance");
            jw_num(&w, r->distance);
            jw_key(&w, "second_distance");
            jw_num(&w, r->second_distance);
            /* how much nearer the best customer is than the next one (null: only one known) */
            jw_key(&w, "margin");
            jw_num(&w, r->second_distance - r->distance);
            jw_key(&w, "threshold");
            jw_num(&w, threshold);
            jw_end(&w);
        } else if (r->customer_id) {
            printf("%s: customer %lld (%s), distance %.3f\n", pos[i], (long long)r->customer_id,
                   c.name, r->distance);
        } else if (r->nearest_id) {
            printf("%s: %s (nearest distance %.3f, threshold %.2f)\n", pos[i],
                   identify_verdict_name(r->verdict), r->distance, threshold);
        } else {
            printf("%s: %s (no customer is enrolled)\n", pos[i], identify_verdict_name(r->verdict));
        }
    }
    if (json) {
        if (n > 1)
            jw_end(&w);
        jw_finish(&w);
    }
    status = failed ? 1 : 0;
out:
    if (res)
        memset(res, 0, sizeof(*res) * (size_t)n);
    free(res);
    free(errs);
    gallery_free(g);
    face_ws_free(ws);
    face_engine_free(e);
    store_close(st);
    free(pos);
    return status;
}

/* ---- forget, purge ---- */

int cmd_forget(int argc, char **argv)
{
    const char *db = NULL, *actor = "cli";
    int64_t customer = 0;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_INT("customer", "ID", "the customer (required)", &customer, 1, 1e15),
        CLI_STR("actor", "NAME", "who asked, for the audit (default cli)", &actor),
        CLI_STR("db", "FILE", "database file (default $SHOPPER_DB, else shopper.db)", &db),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper forget --customer ID [--json]",
                       "Right to erasure: destroy the customer's face key (their sealed templates "
                       "and photos become unreadable in every file at once), delete the templates, "
                       "photos, consent and emotion events, anonymise their alerts; audited. "
                       "While another connection reads, the deleted rows stay in the files until "
                       "a checkpoint: the erasure is then 'pending' and the next purge completes "
                       "it. The customer's purchases stay.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    if (!customer)
        return cli_fail("forget: --customer is required"), 2;
    struct store *st = cli_open_store(db, STORE_WRITE);
    if (!st)
        return 1;
    struct store_face_erasure er;
    rc = privacy_forget(st, NULL, customer, actor, (int64_t)time(NULL), &er);
    const char *state = er.nothing ? "nothing" : er.complete ? "complete" : "pending";
    if (rc == SHOP_ENOTFOUND)
        cli_fail("no customer %lld", (long long)customer);
    else if (rc != SHOP_OK)
        cli_fail("forget: nothing was erased: %s", shop_errmsg());
    else if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "customer");
        jw_int(&w, customer);
        jw_key(&w, "erasure");
        jw_str(&w, state);
        jw_key(&w, "templates_deleted");
        jw_int(&w, er.templates);
        jw_key(&w, "photos_deleted");
        jw_int(&w, er.photos);
        jw_key(&w, "emotion_events_deleted");
        jw_int(&w, er.emotion_events);
        jw_key(&w, "alerts_anonymised");
        jw_int(&w, er.alerts);
        jw_key(&w, "keys_destroyed");
        jw_int(&w, er.keys);
        jw_key(&w, "consent_withdrawn");
        jw_bool(&w, er.consent > 0);
        jw_end(&w);
        jw_finish(&w);
    } else if (er.nothing) {
        printf("customer %lld has no face data, consent or emotion records: nothing to erase\n",
               (long long)customer);
    } else {
        printf("customer %lld: %lld template%s, %lld photo%s and %lld emotion event%s deleted, "
               "%lld alert%s anonymised, %s; erasure %s%s\n",
               (long long)customer, (long long)er.templates, er.templates == 1 ? "" : "s",
               (long long)er.photos, er.photos == 1 ? "" : "s", (long long)er.emotion_events,
               er.emotion_events == 1 ? "" : "s", (long long)er.alerts, er.alerts == 1 ? "" : "s",
               er.consent ? "consent withdrawn" : "no consent was on record", state,
               er.complete ? ""
                           : " (templates and photos are unreadable already: their key is "
                             "destroyed; the other deleted rows leave the files when no other "
                             "connection reads, completed by the next purge)");
    }
    store_close(st);
    return rc == SHOP_OK ? 0 : 1;
}

int cmd_purge(int argc, char **argv)
{
    const char *db = NULL, *actor = "retention", *now_s = NULL;
    int64_t days = PRIVACY_RETENTION_DAYS;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_INT("older-than", "DAYS", "since the last visit or the consent (1095 = 3 years)",
                &days, 0, 36500),
        CLI_STR("now", "DATE", "count the days from this date instead of today (the audit keeps "
                "the real time)", &now_s),
        CLI_STR("actor", "NAME", "for the audit (default retention)", &actor),
        CLI_STR("db", "FILE", "database file (default $SHOPPER_DB, else shopper.db)", &db),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper purge [--older-than DAYS] [--json]",
                       "Retention: erase the face data of customers not seen for DAYS days "
                       "(from their consent when never seen), as forget does, and complete the "
                       "erasures that a reader left pending.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    /* --now moves the retention cut-off, never the audit's time: the erasure happens now */
    int64_t now = (int64_t)time(NULL), as_of = now;
    if (now_s && parse_time(now_s, &as_of) != SHOP_OK)
        return cli_fail("purge: --now wants YYYY-MM-DD, not '%s'", now_s), 2;
    struct store *st = cli_open_store(db, STORE_WRITE);
    if (!st)
        return 1;
    int64_t *ids = NULL;
    size_t n = 0, pending = 0;
    /* also completes erasures that a reader left pending */
    rc = privacy_purge(st, NULL, days, as_of, actor, now, &ids, &n, &pending);
    if (rc != SHOP_OK)
        cli_fail("%s (after %zu customers)", store_errmsg(st), n);
    else if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "older_than_days");
        jw_int(&w, days);
        jw_key(&w, "pending");
        jw_int(&w, (int64_t)pending);
        jw_key(&w, "customers");
        jw_arr(&w);
        for (size_t i = 0; i < n; i++)
            jw_int(&w, ids[i]);
        jw_end(&w);
        jw_end(&w);
        jw_finish(&w);
    } else {
        printf("face data of %zu customer%s erased (not seen for %lld days)%s\n", n,
               n == 1 ? "" : "s", (long long)days,
               pending ? "; erasures still pending: another connection is reading" : "");
    }
    free(ids);
    store_close(st);
    return rc == SHOP_OK ? 0 : 1;
}

/* ---- alerts ---- */

static void json_alert(struct jsonw *w, const struct store_alert_row *r)
{
    alerts_row_write_json(w, r); /* the API's shape too */
}

int cmd_alerts(int argc, char **argv)
{
    const char *db = NULL, *status_s = "open", *staff = NULL, *note = NULL;
    int64_t limit = 50;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_STR("status", "S", "list: open (default), acknowledged, resolved or all", &status_s),
        CLI_INT("limit", "N", "list: at most N, newest first (50)", &limit, 1, 1000000),
        CLI_STR("staff", "NAME", "ack / resolve: who handles it", &staff),
        CLI_STR("note", "TEXT", "resolve: what was done", &note),
        CLI_STR("db", "FILE", "database file (default $SHOPPER_DB, else shopper.db)", &db),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    char **pos = NULL;
    int rc = cli_parse(argc, argv,
                       "shopper alerts [list] [--status S] | ack ID --staff NAME | resolve ID "
                       "--staff NAME --note TEXT",
                       "Staff alerts raised when a logged-in customer looks frustrated at a "
                       "mirror: list them, acknowledge one, resolve one with a note.",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    const char *verb = pos[0] ? pos[0] : "list";
    int status = 2;
    struct store *st = NULL;
    struct store_alert_row *rows = NULL;
    int64_t id = 0;
    if (strcmp(verb, "list") == 0) {
        if (pos[0] && pos[1]) {
            cli_fail("alerts list: unexpected argument '%s'", pos[1]);
            goto out;
        }
        const char *s = strcmp(status_s, "all") == 0 ? NULL : status_s;
        if (s && strcmp(s, "open") && strcmp(s, "acknowledged") && strcmp(s, "resolved")) {
            cli_fail("alerts: --status is open, acknowledged, resolved or all");
            goto out;
        }
        status = 1;
        if (!(st = cli_open_store(db, 0)))
            goto out;
        size_t n = 0;
        if (store_alerts_list(st, s, (size_t)limit, &rows, &n) != SHOP_OK) {
            cli_fail("%s", store_errmsg(st));
            goto out;
        }
        if (json) {
            struct jsonw w;
            jw_init(&w, stdout, 0);
            jw_arr(&w);
            for (size_t i = 0; i < n; i++)
                json_alert(&w, &rows[i]);
            jw_end(&w);
            jw_finish(&w);
        } else {
            if (n == 0)
                printf("no %s alerts\n", s ? s : "");
            for (size_t i = 0; i < n; i++) {
                char when[24];
                format_time(rows[i].a.created_at, when, sizeof(when));
                printf("alert %lld  %-12s %s  at %s  customer %lld%s%s\n",
                       (long long)rows[i].a.id, rows[i].a.status, when, rows[i].a.location,
                       (long long)rows[i].a.customer_id, rows[i].note[0] ? "  note: " : "",
                       rows[i].note);
            }
        }
        status = 0;
        goto out;
    }
    int ack = strcmp(verb, "ack") == 0;
    if (!ack && strcmp(verb, "resolve") != 0) {
        cli_fail("alerts: unknown action '%s' (list, ack, resolve)", verb);
        goto out;
    }
    if (!pos[1] || pos[2] || parse_int64(pos[1], 1, INT64_MAX, &id) != SHOP_OK) {
        cli_fail("alerts %s: give one alert id", verb);
        goto out;
    }
    if (!staff || !*staff || (!ack && (!note || !*note))) {
        cli_fail("alerts %s: --staff NAME%s is required", verb, ack ? "" : " and --note TEXT");
        goto out;
    }
    status = 1;
    if (!(st = cli_open_store(db, STORE_WRITE)))
        goto out;
    int64_t now = (int64_t)time(NULL);
    rc = ack ? alerts_acknowledge(st, NULL, id, staff, now)
             : alerts_resolve(st, NULL, id, staff, note, now);
    if (rc != SHOP_OK) {
        cli_fail("%s", store_errmsg(st));
        goto out;
    }
    struct store_alert_row r;
    if (store_alert_get(st, id, &r) != SHOP_OK) {
        cli_fail("%s", store_errmsg(st));
        goto out;
    }
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        json_alert(&w, &r);
        jw_finish(&w);
    } else {
        printf("alert %lld %s by %s\n", (long long)id, r.a.status, staff);
    }
    status = 0;
out:
    free(rows);
    store_close(st);
    free(pos);
    return status;
}

/* ---- peaks ---- */

int cmd_peaks(int argc, char **argv)
{
    const char *db = NULL, *mirror = "cli", *location = NULL;
    int64_t customer = 0, session = 0, epoch = 0;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_INT("customer", "ID", "record the peaks for this logged-in customer (needs --db "
                "and a consent); frustration raises alerts", &customer, 1, 1e15),
        CLI_INT("session", "ID", "the shopping session of the events", &session, 1, 1e15),
        CLI_STR("mirror", "NAME", "the mirror (default cli)", &mirror),
        CLI_STR("location", "TEXT", "the mirror's place, shown on alerts (default the mirror)",
                &location),
        CLI_INT("epoch", "T", "unix time of t = 0 for stored events (default now)", &epoch, 0,
                1e15),
        CLI_STR("db", "FILE", "database file (default $SHOPPER_DB, else shopper.db)", &db),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    char **pos = NULL;
    int rc = cli_parse(argc, argv, "shopper peaks [FILE|-] [--customer ID] [--json]",
                       "Run the emotion peak detector on lines 't neutral happy sad angry "
                       "fearful disgusted surprised' (seconds, probabilities) and print the "
                       "peaks (defaults: frustration 50%/4/4s/10s, surprise 60/3/2/5, happiness "
                       "60/5/5/15). With --customer, store them and raise frustration alerts.",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    int status = 2;
    FILE *in = NULL;
    struct store *st = NULL;
    struct emotion_detector *em = NULL;
    if (pos[0] && pos[1]) {
        cli_fail("peaks: one input file at most");
        goto out;
    }
    status = 1;
    in = !pos[0] || strcmp(pos[0], "-") == 0 ? stdin : fopen(pos[0], "r");
    if (!in) {
        cli_fail("cannot read '%s': %s", pos[0], strerror(errno));
        goto out;
    }
    struct stat sb;
    if (in != stdin && (fstat(fileno(in), &sb) != 0 || S_ISDIR(sb.st_mode))) {
        cli_fail("cannot read '%s': it is a folder, not a file of frames", pos[0]);
        goto out;
    }
    if (customer && !(st = cli_open_store(db, STORE_WRITE)))
        goto out;
    if (!epoch)
        epoch = (int64_t)time(NULL);
    em = emotion_new(NULL);
    struct alerts_context ctx = {0};
    ctx.customer_id = customer;
    ctx.session_id = session;
    snprintf(ctx.mirror, sizeof(ctx.mirror), "%s", mirror);
    snprintf(ctx.location, sizeof(ctx.location), "%s", location ? location : mirror);
    struct jsonw w;
    if (json) {
        jw_init(&w, stdout, 0);
        jw_arr(&w);
    }
    char line[1024];
    int lineno = 0, npeaks = 0;
    while (fgets(line, sizeof(line), in)) {
        lineno++;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        double t, v[EMOTION_CLASSES];
        int got = sscanf(p, "%lf %lf %lf %lf %lf %lf %lf %lf", &t, &v[0], &v[1], &v[2], &v[3],
                         &v[4], &v[5], &v[6]);
        float pr[EMOTION_CLASSES];
        for (int k = 0; k < EMOTION_CLASSES && got == 8; k++)
            pr[k] = (float)v[k];
        struct emotion_peak pk[EMOTION_GROUPS];
        int n = 0;
        if (got != 8 || emotion_feed(em, t, pr, pk, &n) != SHOP_OK) {
            if (json)
                jw_finish(&w);
            cli_fail("line %d: want 't p0..p6' with t not going back and probabilities in "
                     "[0, 1]",
                     lineno);
            goto out;
        }
        for (int i = 0; i < n; i++) {
            int64_t ev = 0, al = 0;
            if (st) {
                rc = alerts_record_peak(st, NULL, &ctx, &pk[i], epoch + (int64_t)floor(pk[i].t),
                                        &ev, &al);
                if (rc == SHOP_ECONFLICT) {
                    if (json)
                        jw_finish(&w);
                    cli_fail("customer %lld has no biometric consent: emotions are not recorded",
                             (long long)customer);
                    goto out;
                } else if (rc != SHOP_OK) {
                    if (json)
                        jw_finish(&w);
                    cli_fail("%s", store_errmsg(st));
                    goto out;
                }
            }
            npeaks++;
            if (json) {
                jw_obj(&w);
                jw_key(&w, "t");
                jw_num(&w, pk[i].t);
                jw_key(&w, "group");
                jw_str(&w, emotion_group_names[pk[i].group]);
                /* what the detector fired on, then the window's trend */
                jw_key(&w, "score");
                jw_num(&w, pk[i].frame_score);
                jw_key(&w, "dominant");
                jw_str(&w, face_expression_names[pk[i].frame_dominant]);
                jw_key(&w, "window_score");
                jw_num(&w, pk[i].score);
                jw_key(&w, "window_dominant");
                jw_str(&w, face_expression_names[pk[i].dominant]);
                jw_key(&w, "frames");
                jw_int(&w, pk[i].frames);
                if (st) {
                    jw_key(&w, "event");
                    jw_int(&w, ev);
                    jw_key(&w, "alert");
                    if (al)
                        jw_int(&w, al);
                    else
                        jw_null(&w);
                }
                jw_end(&w);
            } else {
                printf("t %.3f  %-11s score %5.1f%%  dominant %-9s (window of %d frames: "
                       "%.1f%%, %s)",
                       pk[i].t, emotion_group_names[pk[i].group], pk[i].frame_score,
                       face_expression_names[pk[i].frame_dominant], pk[i].frames, pk[i].score,
                       face_expression_names[pk[i].dominant]);
                if (al)
                    printf("  alert %lld", (long long)al);
                printf("\n");
            }
        }
    }
    if (ferror(in)) {
        if (json)
            jw_finish(&w);
        cli_fail("cannot read '%s': %s", pos[0] ? pos[0] : "-", strerror(errno));
        goto out;
    }
    if (json) {
        jw_end(&w);
        jw_finish(&w);
    } else if (npeaks == 0) {
        printf("no peaks in %d lines\n", lineno);
    }
    status = 0;
out:
    if (in && in != stdin)
        fclose(in);
    emotion_free(em);
    store_close(st);
    free(pos);
    return status;
}

/* ---- eval faces ---- */

struct eval_img {
    int person;
    float d[FACE_DESCRIPTOR];
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the sorted entry names of a folder (no dot files); caller frees each and the array */
static char **list_dir(const char *path, int *n)
{
    DIR *d = opendir(path);
    *n = 0;
    if (!d)
        return NULL;
    char **names = NULL;
    int cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 32;
            names = xreallocarray(names, (size_t)cap, sizeof(*names));
        }
        names[(*n)++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (*n)
        qsort(names, (size_t)*n, sizeof(*names), cmp_str);
    return names;
}

static void free_list(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

struct eval_counts {
    double threshold;
    int64_t genuine_rejected, impostor_accepted;   /* pairs */
    int mated, mated_correct, mated_wrong, mated_rejected; /* probes with own templates */
    int nonmated, nonmated_accepted;               /* probes of one-image people */
};

/* leave-one-out 1:N: each image against all the others, with threshold and margin */
static void eval_at(const struct eval_img *im, int n, const int *count, const double *dist,
                    double threshold, double margin, struct eval_counts *c)
{
    memset(c, 0, sizeof(*c));
    c->threshold = threshold;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            int same = im[i].person == im[j].person;
            double d = dist[(size_t)i * n + j];
            if (same && !(d < threshold))
                c->genuine_rejected++;
            if (!same && d < threshold)
                c->impostor_accepted++;
        }
    for (int i = 0; i < n; i++) {
        /* nearest and second nearest distinct person among the others */
        int p1 = -1, p2 = -1;
        double d1 = INFINITY, d2 = INFINITY;
        for (int j = 0; j < n; j++) {
            if (j == i)
                continue;
            double d = dist[(size_t)i * n + j];
            int p = im[j].person;
            if (p == p1) {
                if (d < d1)
                    d1 = d;
            } else if (d < d1) {
                p2 = p1;
                d2 = d1;
                p1 = p;
                d1 = d;
            } else if (d < d2 && p != p1) {
                p2 = p;
                d2 = d;
            }
        }
        (void)p2;
        int accepted = d1 < threshold && d2 - d1 >= margin;
        if (count[im[i].person] > 1) {
            c->mated++;
            if (!accepted)
                c->mated_rejected++;
            else if (p1 == im[i].person)
                c->mated_correct++;
            else
                c->mated_wrong++;
        } else {
            c->nonmated++;
            c->nonmated_accepted += accepted;
        }
    }
}

/* the counts of one login rule, as JSON */
static void json_rates(struct jsonw *w, const char *key, const struct evalfaces_rates *r)
{
    jw_key(w, key);
    jw_obj(w);
    jw_key(w, "threshold");
    jw_num(w, r->threshold);
    jw_key(w, "margin");
    jw_num(w, r->margin);
    jw_key(w, "attempts");
    jw_int(w, r->enrolled);
    jw_key(w, "right");
    jw_num(w, evalfaces_rate(r->right, r->enrolled));
    jw_key(w, "wrong");
    jw_num(w, evalfaces_rate(r->wrong, r->enrolled));
    jw_key(w, "rejected");
    jw_num(w, evalfaces_rate(r->rejected, r->enrolled));
    jw_key(w, "no_face");
    jw_num(w, evalfaces_rate(r->no_face, r->enrolled));
    jw_key(w, "stranger_attempts");
    jw_int(w, r->strangers);
    jw_key(w, "stranger_accepted");
    jw_num(w, evalfaces_rate(r->stranger_in, r->strangers));
    jw_key(w, "stranger_no_face");
    jw_num(w, evalfaces_rate(r->stranger_no_face, r->strangers));
    jw_key(w, "counts"); /* right, wrong, rejected, no face; strangers accepted, no face */
    jw_arr(w);
    jw_int(w, r->right);
    jw_int(w, r->wrong);
    jw_int(w, r->rejected);
    jw_int(w, r->no_face);
    jw_int(w, r->stranger_in);
    jw_int(w, r->stranger_no_face);
    jw_end(w);
    jw_end(w);
}

static void print_rates(const char *what, const struct evalfaces_rates *r)
{
    printf("  %-22s right %6.2f%%  wrong %6.3f%%  rejected %6.2f%% (no face %.2f%%)  stranger "
           "in %6.3f%%  (%lld + %lld strangers)\n",
           what, 100 * evalfaces_rate(r->right, r->enrolled),
           100 * evalfaces_rate(r->wrong, r->enrolled),
           100 * evalfaces_rate(r->rejected, r->enrolled),
           100 * evalfaces_rate(r->no_face, r->enrolled),
           100 * evalfaces_rate(r->stranger_in, r->strangers), (long long)r->enrolled,
           (long long)r->strangers);
}

int cli_eval_faces(int argc, char **argv)
{
    const char *models = NULL, *detector = NULL, *people_s = "all", *combine_s = NULL;
    const char *match_s = NULL, *bf16_s = NULL;
    double threshold = IDENTIFY_THRESHOLD, margin = IDENTIFY_MARGIN;
    int64_t templates = IDENTIFY_TEMPLATES, frames = IDENTIFY_CONFIRMATIONS, folds = 5;
    int64_t jitter = -1, enrol_jitter = -1;
    int json = 0, align = 0, pad_canvas = 0, reference = 0, sweep_login = 0, subpixel = 0;
    struct cli_opt opts[] = {
        CLI_DOUBLE("threshold", "D", "the login threshold (identify's default)", &threshold, 0, 2),
        CLI_DOUBLE("margin", "D", "the margin to the next person (identify's default)", &margin,
                   0, 2),
        CLI_INT("templates", "K", "photos enrolled per person in the login protocol",
                &templates, 1, 50),
        CLI_INT("frames", "N", "photos in a row per login attempt (the mirror's rule)", &frames,
                1, 20),
        CLI_STR("combine", "HOW", "frames in a row: confirm (each matches) or average "
                "(identify's default)", &combine_s),
        CLI_STR("match", "HOW", "a frame against each person's mean template or nearest "
                "template (identify's default)", &match_s),
        CLI_INT("folds", "F", "one person in F is a stranger, in turn (5)", &folds, 2, 100),
        CLI_STR("people", "SET", "all (default), tune (1st, 3rd, ... person) or held-out (2nd, "
                "4th, ...)", &people_s),
        CLI_FLAG("sweep-login", "also the login rates at thresholds 0.30 .. 0.60", &sweep_login),
        CLI_FLAG("reference", "face-api's exact pipeline (no fallback, no mirror)", &reference),
        CLI_STR("detector", "NAME", "ssd (default) or tiny", &detector),
        CLI_FLAG("align", "descriptors from similarity-aligned crops (beyond the reference)",
                 &align),
        CLI_FLAG("pad-canvas", "detect on a padded canvas (beyond the reference)", &pad_canvas),
        CLI_FLAG("subpixel", "landmark and descriptor crops sampled at real-valued positions "
                 "(beyond the reference)", &subpixel),
        CLI_STR("bf16", "on|off", "the detector's pointwise convs in BF16 where the CPU has "
                "AVX512-BF16 (identify's default; off with --reference)", &bf16_s),
        CLI_INT("jitter", "J", "login frames: descriptor averaged over J shifted or scaled "
                "copies too (identify's default)", &jitter, 0, FACE_MAX_JITTER),
        CLI_INT("enrol-jitter", "J", "templates: the same with J copies (enrolment's default)",
                &enrol_jitter, 0, FACE_MAX_JITTER),
        CLI_STR("models", "DIR", "model folder (default $SHOPPER_MODELS, else ./models)", &models),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    char **pos = NULL;
    int rc = cli_parse(argc, argv, "shopper eval faces DIR [--threshold D] [--json]",
                       "Measure face login on DIR/<person>/<image> with the pipeline and rule "
                       "login uses (--reference: face-api's): photos without a face; the login "
                       "protocol (everybody but one person in F enrolled with their first K "
                       "photos, the others strangers, in turn; each other photo one attempt, "
                       "and every N photos in a row one attempt); distances of same-person and "
                       "different-person pairs (equal error rate); leave-one-out 1:N per "
                       "threshold (people with one image are strangers).",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    int status = 2, tiny = 0, npeople = 0, n = 0, cap = 0, noface = 0, unreadable = 0, half = -1;
    int combine = combine_s ? evalfaces_combine_parse(combine_s)
                          : IDENTIFY_AVERAGE ? EVALFACES_AVERAGE : EVALFACES_CONFIRM;
    int mean_template = !match_s ? IDENTIFY_MEAN_TEMPLATE
                        : strcmp(match_s, "mean") == 0 ? 1 : strcmp(match_s, "nearest") == 0 ? 0
                                                                                             : -1;
    char **people = NULL;
    struct evalfaces_photo *ph = NULL;
    struct eval_img *im = NULL;
    unsigned char *use = NULL;
    int *count = NULL;
    double *dist = NULL;
    struct face_engine *e = NULL;
    struct face_ws *ws = NULL;
    struct evalfaces_login *L1 = NULL, *LN = NULL;
    if (strcmp(people_s, "tune") == 0)
        half = 0;
    else if (strcmp(people_s, "held-out") == 0)
        half = 1;
    int bf16 = !bf16_s ? -1 : strcmp(bf16_s, "on") == 0 ? 1 : strcmp(bf16_s, "off") == 0 ? 0 : -2;
    if (!pos[0] || pos[1] || cli_parse_detector(detector, &tiny) < 0 || combine < 0 ||
        mean_template < 0 || (half < 0 && strcmp(people_s, "all") != 0) || bf16 == -2) {
        cli_fail("usage: shopper eval faces DIR [--threshold D] [--people all|tune|held-out] "
                 "[--combine confirm|average] [--match mean|nearest] [--bf16 on|off] [--json]");
        goto out;
    }
    status = 1;
    struct stat sb;
    if (stat(pos[0], &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        cli_fail("eval faces: '%s' is not a folder", pos[0]);
        goto out;
    }
    people = list_dir(pos[0], &npeople);
    use = xcalloc((size_t)npeople + 1, 1);
    if (half >= 0)
        evalfaces_split(npeople, half, use);
    else
        memset(use, 1, (size_t)npeople);
    if (!(e = cli_load_faces(models, face_nets(tiny))))
        goto out;
    ws = face_ws_new(e);
    struct identify_opts io;
    identify_opts_default(&io);
    struct face_opts fo = io.face;
    if (reference)
        face_opts_default(&fo);
    fo.detector = tiny ? FACE_DETECT_TINY : FACE_DETECT_SSD;
    fo.largest_only = 1;
    fo.align |= align;
    fo.pad_canvas |= pad_canvas;
    fo.subpixel |= subpixel;
    if (bf16 >= 0)
        fo.bf16_detector = bf16;
    fo.want = FACE_WANT_LANDMARKS | FACE_WANT_DESCRIPTOR;
    if (jitter >= 0)
        fo.jitter = (int)jitter;
    /* templates are described as enrolment describes the frames it keeps */
    struct enrol_opts eo;
    enrol_opts_default(&eo);
    struct face_opts to = fo;
    to.jitter = reference ? 0 : enrol_jitter >= 0 ? (int)enrol_jitter : eo.jitter;
    count = xcalloc((size_t)npeople + 1, sizeof(*count));
    int persons_used = 0, nph = 0;
    for (int p = 0; p < npeople; p++) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/%s", pos[0], people[p]);
        if (!use[p] || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            continue;
        int nf = 0;
        char **files = list_dir(dir, &nf);
        for (int f = 0; f < nf; f++) {
            char path[8192];
            snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
            struct image img = {0};
            if (image_load(path, IMAGE_DEFAULT_MAX_PIXELS, &img) != SHOP_OK) {
                unreadable++;
                continue;
            }
            struct face face;
            int got = 0, has_t = 0;
            float t[FACE_DESCRIPTOR];
            rc = face_detect(ws, &img, &fo, &face, 1, &got);
            if (rc == SHOP_OK && got > 0 && count[p] < templates && to.jitter != fo.jitter) {
                /* one of the person's templates in the login protocol */
                struct face tf = face;
                rc = face_describe(ws, &img, &to, &tf);
                memcpy(t, tf.descriptor, sizeof(t));
                memset(&tf, 0, sizeof(tf));
                has_t = 1;
            }
            image_release(&img);
            if (nph == cap) {
                cap = cap ? 2 * cap : 64;
                im = xreallocarray(im, (size_t)cap, sizeof(*im));
                ph = xreallocarray(ph, (size_t)cap, sizeof(*ph));
            }
            /* every photo is a login attempt; one without a face fails it */
            ph[nph].person = p;
            ph[nph].found = rc == SHOP_OK && got > 0;
            if (ph[nph].found)
                memcpy(ph[nph].d, face.descriptor, sizeof(ph[nph].d));
            ph[nph].has_t = ph[nph].found && has_t;
            if (ph[nph].has_t)
                memcpy(ph[nph].t, t, sizeof(t));
            nph++;
            if (rc != SHOP_OK || got == 0) {
                noface++;
                continue;
            }
            im[n].person = p;
            memcpy(im[n].d, face.descriptor, sizeof(im[n].d));
            n++;
            persons_used += count[p]++ == 0;
        }
        free_list(files, nf);
    }
    if (n < 2) {
        cli_fail("eval faces: fewer than two faces found under '%s'", pos[0]);
        goto out;
    }
    dist = xmalloc((size_t)n * n * sizeof(*dist));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            dist[(size_t)i * n + j] = face_distance(im[i].d, im[j].d);
    /* the sweep, 0.30 .. 0.70, leave-one-out 1:N and pair rates */
    enum { NSWEEP = 9 };
    struct eval_counts sweep[NSWEEP], at;
    for (int k = 0; k < NSWEEP; k++)
        eval_at(im, n, count, dist, 0.30 + 0.05 * k, margin, &sweep[k]);
    eval_at(im, n, count, dist, threshold, margin, &at);
    struct evalfaces_pairs pairs;
    evalfaces_pairs(ph, nph, npeople, use, &pairs);
    int64_t genuine = pairs.genuine, impostor = pairs.impostor;
    /* the login protocol: one photo, and N photos in a row */
    struct evalfaces_protocol proto = {(int)templates, 1, EVALFACES_CONFIRM, (int)folds,
                                       mean_template};
    L1 = evalfaces_login_new(ph, nph, npeople, use, &proto);
    proto.frames = (int)frames;
    proto.combine = (enum evalfaces_combine)combine;
    LN = evalfaces_login_new(ph, nph, npeople, use, &proto);
    struct evalfaces_rates one, row;
    evalfaces_login_rates(L1, threshold, margin, &one);
    evalfaces_login_rates(LN, threshold, margin, &row);
    enum { NLOGIN = 31 };
    struct evalfaces_rates lsweep[2][NLOGIN];
    for (int k = 0; k < NLOGIN && sweep_login; k++) {
        evalfaces_login_rates(L1, 0.30 + 0.01 * k, margin, &lsweep[0][k]);
        evalfaces_login_rates(LN, 0.30 + 0.01 * k, margin, &lsweep[1][k]);
    }
#define RATE(a, b) ((b) ? (double)(a) / (double)(b) : 0.0)
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "people");
        jw_int(&w, persons_used);
        jw_key(&w, "people_set");
        jw_str(&w, people_s);
        jw_key(&w, "pipeline");
        jw_str(&w, reference ? "reference" : "login");
        jw_key(&w, "bf16_detector"); /* in effect: asked for, and the CPU has it */
        jw_bool(&w, fo.bf16_detector && face_bf16_available());
        jw_key(&w, "photos");
        jw_int(&w, nph);
        jw_key(&w, "images");
        jw_int(&w, n);
        jw_key(&w, "no_face");
        jw_int(&w, noface);
        jw_key(&w, "unreadable");
        jw_int(&w, unreadable);
        jw_key(&w, "genuine_pairs");
        jw_int(&w, genuine);
        jw_key(&w, "impostor_pairs");
        jw_int(&w, impostor);
        jw_key(&w, "genuine_mean");
        jw_num(&w, pairs.genuine_mean);
        jw_key(&w, "genuine_max");
        jw_num(&w, genuine ? pairs.genuine_max : NAN);
        jw_key(&w, "impostor_mean");
        jw_num(&w, pairs.impostor_mean);
        jw_key(&w, "impostor_min");
        jw_num(&w, pairs.impostor_min);
        jw_key(&w, "eer");
        jw_num(&w, pairs.eer);
        jw_key(&w, "eer_threshold");
        jw_num(&w, pairs.eer_threshold);
        jw_key(&w, "login");
        jw_obj(&w);
        jw_key(&w, "templates");
        jw_int(&w, templates);
        jw_key(&w, "folds");
        jw_int(&w, folds);
        jw_key(&w, "frames");
        jw_int(&w, frames);
        jw_key(&w, "combine");
        jw_str(&w, evalfaces_combine_name((enum evalfaces_combine)combine));
        jw_key(&w, "match");
        jw_str(&w, mean_template ? "mean" : "nearest");
        jw_key(&w, "jitter");
        jw_int(&w, fo.jitter);
        jw_key(&w, "enrol_jitter");
        jw_int(&w, to.jitter);
        json_rates(&w, "single", &one);
        json_rates(&w, "in_a_row", &row);
        if (sweep_login) {
            for (int s = 0; s < 2; s++) {
                jw_key(&w, s ? "sweep_in_a_row" : "sweep_single");
                jw_arr(&w);
                for (int k = 0; k < NLOGIN; k++) {
                    jw_obj(&w);
                    json_rates(&w, "at", &lsweep[s][k]);
                    jw_end(&w);
                }
                jw_end(&w);
            }
        }
        jw_end(&w);
        jw_key(&w, "sweep");
        jw_arr(&w);
        for (int k = 0; k <= NSWEEP; k++) {
            const struct eval_counts *c = k < NSWEEP ? &sweep[k] : &at;
            jw_obj(&w);
            jw_key(&w, "threshold");
            jw_num(&w, c->threshold);
            jw_key(&w, "frr");
            jw_num(&w, RATE(c->genuine_rejected, genuine));
            jw_key(&w, "far");
            jw_num(&w, RATE(c->impostor_accepted, impostor));
            jw_key(&w, "identified");
            jw_num(&w, RATE(c->mated_correct, c->mated));
            jw_key(&w, "misidentified");
            jw_num(&w, RATE(c->mated_wrong, c->mated));
            jw_key(&w, "strangers_accepted");
            jw_num(&w, RATE(c->nonmated_accepted, c->nonmated));
            jw_end(&w);
            if (k == NSWEEP - 1) {
                jw_end(&w);
                jw_key(&w, "at_threshold");
            }
        }
        jw_end(&w);
        jw_finish(&w);
    } else {
        printf("eval faces: %d people (%s), %d photos: %d without a face (%s pipeline), %d "
               "unreadable\n",
               persons_used, people_s, nph, noface, reference ? "reference" : "login",
               unreadable);
        printf("login: %lld templates per person, 1 person in %lld a stranger, threshold %.3f, "
               "margin %.3f, against the %s template; jittered copies %d per frame, %d per "
               "template\n",
               (long long)templates, (long long)folds, threshold, margin,
               mean_template ? "mean" : "nearest", fo.jitter, to.jitter);
        char what[64];
        snprintf(what, sizeof(what), "%lld in a row (%s):", (long long)frames,
                 evalfaces_combine_name((enum evalfaces_combine)combine));
        print_rates("1 photo:", &one);
        print_rates(what, &row);
        for (int k = 0; k < NLOGIN && sweep_login; k++) {
            snprintf(what, sizeof(what), "at %.2f, 1 / %lld:", lsweep[0][k].threshold,
                     (long long)frames);
            print_rates(what, &lsweep[0][k]);
            print_rates("", &lsweep[1][k]);
        }
        printf("pairs: %lld same person (mean %.3f, max %.3f), %lld different (mean %.3f, "
               "min %.3f)\n",
               (long long)genuine, pairs.genuine_mean, pairs.genuine_max, (long long)impostor,
               pairs.impostor_mean, pairs.impostor_min);
        printf("equal error rate %.2f%% at distance %.3f\n", 100 * pairs.eer,
               pairs.eer_threshold);
        printf("threshold   FRR(pairs) FAR(pairs)  identified  wrong  strangers accepted "
               "(leave-one-out 1:N, margin %.2f)\n",
               margin);
        for (int k = 0; k <= NSWEEP; k++) {
            const struct eval_counts *c = k < NSWEEP ? &sweep[k] : &at;
            printf("%s%5.3f   %8.2f%% %9.3f%%  %9.1f%% %5.1f%% %8.1f%%\n",
                   k < NSWEEP ? "  " : "* ", c->threshold, 100 * RATE(c->genuine_rejected, genuine),
                   100 * RATE(c->impostor_accepted, impostor), 100 * RATE(c->mated_correct, c->mated),
                   100 * RATE(c->mated_wrong, c->mated),
                   100 * RATE(c->nonmated_accepted, c->nonmated));
        }
        printf("(* = --threshold; 1:N over %d probes with other images of themselves and %d "
               "strangers)\n",
               at.mated, at.nonmated);
    }
#undef RATE
    status = 0;
out:
    if (im)
        memset(im, 0, sizeof(*im) * (size_t)cap);
    if (ph)
        memset(ph, 0, sizeof(*ph) * (size_t)cap);
    free(im);
    free(ph);
    free(use);
    free(dist);
    free(count);
    evalfaces_login_free(L1);
    evalfaces_login_free(LN);
    free_list(people, npeople);
    face_ws_free(ws);
    face_engine_free(e);
    free(pos);
    return status;
}

/* ---- bench-identity (hidden) ---- */

int cmd_bench_identity(int argc, char **argv)
{
    const char *models = NULL, *sizes_s = "10000,100000,1000000", *image = NULL;
    int64_t queries = 50, frames = 10;
    int json = 0;
    struct cli_opt opts[] = {
        CLI_STR("sizes", "N,N,...", "gallery sizes (10000,100000,1000000)", &sizes_s),
        CLI_INT("queries", "N", "searches per size (50)", &queries, 1, 100000),
        CLI_STR("image", "FILE", "also time one enrolment frame end to end on this image", &image),
        CLI_INT("frames", "N", "enrolment frames to time (10)", &frames, 1, 10000),
        CLI_STR("models", "DIR", "model folder (default $SHOPPER_MODELS, else ./models)", &models),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv, "shopper bench-identity [--sizes N,...] [--image FILE]",
                       "Time the 1:N search over random templates (one thread) and one "
                       "enrolment frame (decode, detect, landmarks, descriptor, gates).",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    struct jsonw w;
    if (json) {
        jw_init(&w, stdout, 0);
        jw_obj(&w);
        jw_key(&w, "search");
        jw_arr(&w);
    }
    const char *p = sizes_s;
    uint64_t seed = 0x5eed;
    float q[FACE_DESCRIPTOR];
    while (*p) {
        char *end;
        long long size = strtoll(p, &end, 10);
        if (end == p || size < 1 || size > 20000000 || (*end && *end != ','))
            return cli_fail("bench-identity: --sizes wants numbers like 10000,100000"), 2;
        p = *end ? end + 1 : end;
        struct gallery *g = gallery_new();
        enum { CHUNK = 4096 };
        float *rows = xmalloc(sizeof(float) * CHUNK * FACE_DESCRIPTOR);
        int64_t ids[CHUNK];
        for (long long done = 0; done < size;) {
            int k = size - done < CHUNK ? (int)(size - done) : CHUNK;
            for (int i = 0; i < k * FACE_DESCRIPTOR; i++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                rows[i] = (float)((double)(seed >> 40) / 16777216.0 - 0.5) * 0.25f;
            }
            for (int i = 0; i < k; i++)
                ids[i] = 1 + (done + i) / 3; /* three templates per customer */
            gallery_add(g, ids, rows, (size_t)k);
            done += k;
        }
        memcpy(q, rows, sizeof(q));
        free(rows);
        struct gallery_match m;
        gallery_search(g, q, &m); /* warm-up */
        double best = INFINITY, total = 0;
        for (int i = 0; i < queries; i++) {
            q[i % FACE_DESCRIPTOR] += 0.001f;
            double t0 = (progress_now() * 1e3);
            gallery_search(g, q, &m);
            double dt = (progress_now() * 1e3) - t0;
            total += dt;
            best = dt < best ? dt : best;
        }
        double mean = total / queries;
        double gbs = (double)size * FACE_DESCRIPTOR * 4 / (mean / 1e3) / 1e9;
        if (json) {
            jw_obj(&w);
            jw_key(&w, "templates");
            jw_int(&w, size);
            jw_key(&w, "mean_ms");
            jw_num(&w, mean);
            jw_key(&w, "best_ms");
            jw_num(&w, best);
            jw_key(&w, "gb_per_s");
            jw_num(&w, gbs);
            jw_end(&w);
        } else {
            printf("1:N search %9lld templates (%6.1f MB): mean %8.3f ms, best %8.3f ms, "
                   "%5.1f GB/s\n",
                   size, size * FACE_DESCRIPTOR * 4 / 1e6, mean, best, gbs);
        }
        gallery_free(g);
    }
    if (json)
        jw_end(&w);
    int status = 0;
    if (image) {
        struct face_engine *e = NULL;
        double t0 = (progress_now() * 1e3);
        if (!(e = cli_load_faces(models, face_nets(0)))) {
            status = 1;
            goto done;
        }
        double load_ms = (progress_now() * 1e3) - t0;
        struct face_ws *ws = face_ws_new(e);
        struct enrol_opts o;
        enrol_opts_default(&o);
        struct enrol_frame fr;
        double first = 0, sum = 0, dec = 0;
        for (int i = 0; i <= frames && status == 0; i++) {
            double a = (progress_now() * 1e3);
            struct image img = {0};
            if (image_load(image, IMAGE_DEFAULT_MAX_PIXELS, &img) != SHOP_OK) {
                status = cli_fail("cannot read '%s': %s", image, image_errmsg());
                break;
            }
            double b = (progress_now() * 1e3);
            if (enrol_check(ws, &img, ENROL_FILE, &o, &fr) != SHOP_OK)
                status = cli_fail("inference failed on '%s'", image);
            image_release(&img);
            double c = (progress_now() * 1e3);
            if (i == 0)
                first = c - a;
            else {
                sum += c - a;
                dec += b - a;
            }
        }
        if (status == 0) {
            if (json) {
                jw_key(&w, "enrol_frame");
                jw_obj(&w);
                jw_key(&w, "image");
                jw_str(&w, image);
                jw_key(&w, "load_ms");
                jw_num(&w, load_ms);
                jw_key(&w, "first_ms");
                jw_num(&w, first);
                jw_key(&w, "frame_ms");
                jw_num(&w, sum / frames);
                jw_key(&w, "decode_ms");
                jw_num(&w, dec / frames);
                jw_key(&w, "gate");
                jw_str(&w, enrol_gate_reason(fr.gate));
                jw_end(&w);
            } else {
                printf("enrolment frame '%s': %.1f ms (decode %.1f ms; first frame %.1f ms, "
                       "models %.1f ms); gate: %s, %d face(s)\n",
                       image, sum / frames, dec / frames, first, load_ms,
                       enrol_gate_reason(fr.gate), fr.faces);
            }
        }
        face_ws_free(ws);
        face_engine_free(e);
    }
done:
    if (json) {
        jw_end(&w);
        jw_finish(&w);
    }
    return status;
}

/* ---- emotions of images ---- */

/* faces per image by default: a crowd at a mirror is not its use, a group photo may be;
 * the SSD itself reports at most 100 (its maxResults) */
#define EMOTIONS_MAX_FACES 64

int cmd_emotions(int argc, char **argv)
{
    const char *models = NULL, *detector = NULL;
    int json = 0;
    int64_t max_faces = EMOTIONS_MAX_FACES;
    struct cli_opt opts[] = {
        CLI_INT("max-faces", "N", "faces per image at most, the most certain first (64); more "
                "are said, not shown", &max_faces, 1, 99),
        CLI_STR("detector", "NAME", "ssd (default) or tiny", &detector),
        CLI_STR("models", "DIR", "model folder (default $SHOPPER_MODELS, else ./models)", &models),
        CLI_FLAG("json", "print JSON", &json),
        CLI_END,
    };
    char **pos = NULL;
    int rc = cli_parse(argc, argv, "shopper emotions IMAGE... [--json]",
                       "The facial expression probabilities of each face in each image, folded "
                       "into the groups the mirror watches: frustration = angry + sad + fearful "
                       "+ disgusted, happiness = happy, surprise = surprised (in %). At most 64 "
                       "faces per image (--max-faces; said when an image has more). An "
                       "unreadable image is "
                       "reported and the others still done; the exit code is then 1.",
                       opts, &pos);
    if (rc >= 0)
        return rc;
    int status = 2, tiny = 0, failed = 0;
    struct face_engine *e = NULL;
    struct face_ws *ws = NULL;
    struct face *faces = NULL;
    if (!pos[0] || cli_parse_detector(detector, &tiny) < 0) {
        cli_fail("usage: shopper emotions IMAGE... [--detector ssd|tiny] [--json]");
        goto out;
    }
    status = 1;
    if (!(e = cli_load_faces(models, face_nets(tiny))))
        goto out;
    ws = face_ws_new(e);
    struct face_opts o;
    face_opts_default(&o);
    o.detector = tiny ? FACE_DETECT_TINY : FACE_DETECT_SSD;
    o.want = FACE_WANT_LANDMARKS | FACE_WANT_EXPRESSIONS;
    struct jsonw w;
    if (json) {
        jw_init(&w, stdout, 0);
        jw_arr(&w);
    }
    static const char *const groups[EMOTION_GROUPS] = {"frustration", "happiness", "surprise"};
    /* one more than the cap, to know when the cap cut the result */
    int cap = (int)max_faces;
    faces = xcalloc((size_t)cap + 1, sizeof(*faces));
    for (int i = 0; pos[i]; i++) {
        struct image img = {0};
        char err[320] = "";
        int n = 0;
        if (image_load(pos[i], IMAGE_DEFAULT_MAX_PIXELS, &img) != SHOP_OK) {
            snprintf(err, sizeof(err), "cannot read '%s': %s", pos[i], image_errmsg());
        } else {
            rc = face_detect(ws, &img, &o, faces, cap + 1, &n);
            image_release(&img);
            if (rc != SHOP_OK)
                snprintf(err, sizeof(err), "face detection failed on '%s': %s", pos[i],
                         shop_errmsg_or(rc));
        }
        if (err[0]) { /* reported, and the batch goes on */
            cli_fail("%s", err);
            failed++;
            if (json) {
                jw_obj(&w);
                jw_key(&w, "image");
                jw_str(&w, pos[i]);
                jw_key(&w, "error");
                jw_str(&w, err);
                jw_end(&w);
            }
            continue;
        }
        int cut = n > cap;
        n = cut ? cap : n;
        if (json) {
            jw_obj(&w);
            jw_key(&w, "image");
            jw_str(&w, pos[i]);
            jw_key(&w, "truncated");
            jw_bool(&w, cut);
            jw_key(&w, "faces");
            jw_arr(&w);
        } else if (cut) {
            printf("%s: more than %d faces; the %d most certain are shown (--max-faces)\n",
                   pos[i], cap, cap);
        } else {
            printf("%s: %d face%s\n", pos[i], n, n == 1 ? "" : "s");
        }
        for (int f = 0; f < n; f++) {
            double score[EMOTION_GROUPS];
            emotion_scores(faces[f].expressions, score);
            int dom = 0;
            for (int k = 1; k < FACE_EXPRESSIONS; k++)
                if (faces[f].expressions[k] > faces[f].expressions[dom])
                    dom = k;
            if (json) {
                jw_obj(&w);
                jw_key(&w, "box");
                jw_arr(&w);
                for (int k = 0; k < 4; k++)
                    jw_num(&w, faces[f].box[k]);
                jw_end(&w);
                jw_key(&w, "expressions");
                jw_obj(&w);
                for (int k = 0; k < FACE_EXPRESSIONS; k++) {
                    jw_key(&w, face_expression_names[k]);
                    jw_num(&w, faces[f].expressions[k]);
                }
                jw_end(&w);
                jw_key(&w, "groups");
                jw_obj(&w);
                for (int g = 0; g < EMOTION_GROUPS; g++) {
                    jw_key(&w, groups[g]);
                    jw_num(&w, score[g]);
                }
                jw_end(&w);
                jw_key(&w, "dominant");
                jw_str(&w, face_expression_names[dom]);
                jw_end(&w);
            } else {
                printf("  face %d at (%.0f, %.0f): %s; frustration %.1f%%, happiness %.1f%%, "
                       "surprise %.1f%%\n",
                       f + 1, faces[f].box[0], faces[f].box[1], face_expression_names[dom],
                       score[0], score[1], score[2]);
            }
        }
        if (json) {
            jw_end(&w);
            jw_end(&w);
        }
    }
    if (json) {
        jw_end(&w);
        jw_finish(&w);
    }
    status = failed ? 1 : 0;
out:
    free(faces);
    face_ws_free(ws);
    face_engine_free(e);
    free(pos);
    return status;
}
