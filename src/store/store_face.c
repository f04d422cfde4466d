/* store/store_face.c - biometric data: consents, face templates and photos sealed with the
 * customer's key (store_keys.c), the privacy audit, erasure by destroying the key (plus
 * secure_delete and a truncating WAL checkpoint), and retention. No function here logs a
 * descriptor, a photo or a key; the audit keeps counts only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/seal.h"
#include "core/xalloc.h"
#include "store/store_int.h"

static const char *const SQL_CUSTOMER_EXISTS = "SELECT count(*) FROM customers WHERE id = :id";
static const char *const SQL_CONSENT_SET =
    "INSERT INTO face_consents(customer_id, consent_version, consented_at) "
    "VALUES (:customer, :version, :at) ON CONFLICT(customer_id) DO UPDATE SET "
    "consent_version = excluded.consent_version, consented_at = excluded.consented_at";
static const char *const SQL_CONSENT_GET =
    "SELECT consent_version, consented_at FROM face_consents WHERE customer_id = :customer";
static const char *const SQL_TEMPLATE_ADD =
    "INSERT INTO face_templates(customer_id, phase, descriptor, quality, created_at) "
    "VALUES (:customer, :phase, :descriptor, :quality, :at)";
static const char *const SQL_TEMPLATES =
    "SELECT id, customer_id, phase, descriptor, quality, created_at FROM face_templates "
    "ORDER BY id";
static const char *const SQL_PHOTO_ADD =
    "INSERT INTO face_photos(customer_id, image, created_at) VALUES (:customer, :image, :at)";
static const char *const SQL_COUNT_TEMPLATES =
    "SELECT count(*) FROM face_templates WHERE customer_id = :customer";
static const char *const SQL_COUNT_PHOTOS =
    "SELECT count(*) FROM face_photos WHERE customer_id = :customer";
static const char *const SQL_DELETE_TEMPLATES =
    "DELETE FROM face_templates WHERE customer_id = :customer";
static const char *const SQL_DELETE_PHOTOS = "DELETE FROM face_photos WHERE customer_id = :customer";
static const char *const SQL_DELETE_CONSENT =
    "DELETE FROM face_consents WHERE customer_id = :customer";
static const char *const SQL_COUNT_CONSENT =
    "SELECT count(*) FROM face_consents WHERE customer_id = :customer";
/* templates stored before sealing (v1) are 512 plain bytes */
static const char *const SQL_COUNT_PLAIN =
    "SELECT count(*) FROM face_templates WHERE customer_id = :customer AND "
    "length(descriptor) = 512";
static const char *const SQL_COUNT_EVENTS =
    "SELECT count(*) FROM emotion_events WHERE customer_id = :customer";
static const char *const SQL_DELETE_EVENTS =
    "DELETE FROM emotion_events WHERE customer_id = :customer";
static const char *const SQL_COUNT_ALERTS =
    "SELECT count(*) FROM alerts WHERE customer_id = :customer";
/* the staff's note may describe the customer: it goes with the link to them */
static const char *const SQL_ERASE_NOTES =
    "UPDATE alert_resolutions SET note = '(erased with the customer''s data)' WHERE alert_id IN "
    "(SELECT id FROM alerts WHERE customer_id = :customer)";
static const char *const SQL_ANON_ALERTS =
    "UPDATE alerts SET customer_id = NULL, session_id = NULL, event_id = NULL "
    "WHERE customer_id = :customer";
/* retention runs from the later of the last visit and the consent */
static const char *const SQL_EXPIRED =
    "SELECT f.customer_id FROM face_consents f JOIN customers c ON c.id = f.customer_id "
    "WHERE CASE WHEN c.last_seen_at IS NOT NULL AND c.last_seen_at > f.consented_at "
    "THEN c.last_seen_at ELSE f.consented_at END < :before ORDER BY f.customer_id";
static const char *const SQL_AUDIT_ADD =
    "INSERT INTO privacy_audit(customer_id, action, actor, at, detail) "
    "VALUES (:customer, :action, :actor, :at, :detail)";
static const char *const SQL_AUDIT_ALL =
    "SELECT id, customer_id, action, actor, at, detail, state, completed_at FROM privacy_audit "
    "ORDER BY id";
static const char *const SQL_AUDIT_ONE =
    "SELECT id, customer_id, action, actor, at, detail, state, completed_at FROM privacy_audit "
    "WHERE customer_id = :customer ORDER BY id";
static const char *const SQL_AUDIT_PENDING =
    "UPDATE privacy_audit SET state = 'pending' WHERE id = :id";
static const char *const SQL_COUNT_PENDING =
    "SELECT count(*) FROM privacy_audit WHERE state = 'pending'";
static const char *const SQL_COMPLETE_ALL =
    "UPDATE privacy_audit SET state = 'complete', completed_at = :at WHERE state = 'pending'";

/* the descriptor as 128 float32 little-endian, whatever the host's byte order */
static void descriptor_encode(const float *d, unsigned char *out)
{
    for (int i = 0; i < STORE_FACE_DIM; i++) {
        uint32_t u;
        memcpy(&u, &d[i], 4);
        for (int b = 0; b < 4; b++)
            out[4 * i + b] = (unsigned char)(u >> (8 * b));
    }
}

static void descriptor_decode(const unsigned char *in, float *d)
{
    for (int i = 0; i < STORE_FACE_DIM; i++) {
        uint32_t u = 0;
        for (int b = 0; b < 4; b++)
            u |= (uint32_t)in[4 * i + b] << (8 * b);
        memcpy(&d[i], &u, 4);
    }
}

static int count_for(struct store *st, const char *sql, int64_t customer_id, int64_t *out)
{
    sqlite3_stmt *s = stmt_get(st, sql);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":customer", customer_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    int ret = rc == SQLITE_ROW ? SHOP_OK : store_fail(st, rc, "count face data");
    stmt_done(s);
    return ret;
}

static int customer_exists(struct store *st, int64_t id, int *out)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CUSTOMER_EXISTS);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":id", id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0) > 0;
    int ret = rc == SQLITE_ROW ? SHOP_OK : store_fail(st, rc, "find customer");
    stmt_done(s);
    return ret;
}

static int delete_for(struct store *st, const char *sql, int64_t customer_id, const char *what)
{
    sqlite3_stmt *s = stmt_get(st, sql);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":customer", customer_id);
    return stmt_exec(st, s, what);
}

int store_privacy_audit_add(struct store *st, int64_t customer_id, const char *action,
                            const char *actor, int64_t at, const char *detail)
{
    sqlite3_stmt *s = stmt_get(st, SQL_AUDIT_ADD);
    if (!s)
        return SHOP_EDB;
    if (customer_id > 0)
        bind_int(s, ":customer", customer_id);
    else
        bind_null(s, ":customer");
    bind_text(s, ":action", action);
    bind_text(s, ":actor", actor && *actor ? actor : "system");
    bind_int(s, ":at", at);
    bind_text(s, ":detail", detail);
    return stmt_exec(st, s, "add privacy audit row");
}

int store_privacy_audit(struct store *st, int64_t customer_id, struct store_privacy_event **out,
                        size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = stmt_get(st, customer_id > 0 ? SQL_AUDIT_ONE : SQL_AUDIT_ALL);
    if (!s)
        return SHOP_EDB;
    if (customer_id > 0)
        bind_int(s, ":customer", customer_id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        struct store_privacy_event *e = &(*out)[(*n)++];
        e->id = sqlite3_column_int64(s, 0);
        e->customer_id = sqlite3_column_int64(s, 1);
        col_text(s, 2, e->action, sizeof(e->action));
        col_text(s, 3, e->actor, sizeof(e->actor));
        e->at = sqlite3_column_int64(s, 4);
        col_text(s, 5, e->detail, sizeof(e->detail));
        col_text(s, 6, e->state, sizeof(e->state));
        e->completed_at = sqlite3_column_int64(s, 7);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "privacy audit");
}

int store_face_consent_set(struct store *st, int64_t customer_id, const char *version,
                           const char *actor, int64_t at)
{
    if (!version || !*version) {
        store_msg(st, "a consent needs the consent text's version");
        return SHOP_EINVAL;
    }
    int exists = 0;
    int rc = customer_exists(st, customer_id, &exists);
    if (rc != SHOP_OK)
        return rc;
    if (!exists) {
        store_msg(st, "no customer %lld", (long long)customer_id);
        return SHOP_ENOTFOUND;
    }
    /* the consent and its audit row together */
    rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    sqlite3_stmt *s = stmt_get(st, SQL_CONSENT_SET);
    rc = s ? SHOP_OK : SHOP_EDB;
    if (rc == SHOP_OK) {
        bind_int(s, ":customer", customer_id);
        bind_text(s, ":version", version);
        bind_int(s, ":at", at);
        rc = stmt_exec(st, s, "record consent");
    }
    if (rc == SHOP_OK) {
        char detail[96];
        snprintf(detail, sizeof(detail), "consent version %s", version);
        rc = store_privacy_audit_add(st, customer_id, "consent", actor, at, detail);
    }
    return store_end(st, rc);
}

int store_face_consent_get(struct store *st, int64_t customer_id, char *version, size_t n,
                           int64_t *at)
{
    sqlite3_stmt *s = stmt_get(st, SQL_CONSENT_GET);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":customer", customer_id);
    int rc = sqlite3_step(s), ret = SHOP_OK;
    if (rc == SQLITE_ROW) {
        if (version)
            col_text(s, 0, version, n);
        if (at)
            *at = sqlite3_column_int64(s, 1);
    } else if (rc == SQLITE_DONE) {
        store_msg(st, "customer %lld has no biometric consent",
                 (long long)customer_id);
        ret = SHOP_ENOTFOUND;
    } else {
        ret = store_fail(st, rc, "read consent");
    }
    stmt_done(s);
    return ret;
}

/* purposes bound into the seal: a template cannot pass for a photo, nor move customers */
#define SEAL_TEMPLATE "face-template"
#define SEAL_PHOTO "face-photo"
#define DESC_BYTES (STORE_FACE_DIM * 4)

/* the customer's key, made when missing, for a customer with a consent (so that no key is
 * made for a row the foreign key would refuse anyway) */
static int key_for(struct store *st, int64_t customer_id, unsigned char *key)
{
    int64_t consents = 0;
    int rc = count_for(st, SQL_COUNT_CONSENT, customer_id, &consents);
    if (rc != SHOP_OK)
        return rc;
    if (!consents) {
        store_msg(st, "customer %lld has no biometric consent", (long long)customer_id);
        return SHOP_ECONFLICT;
    }
    rc = store_keys_get(st, customer_id, 1, key);
    if (rc != SHOP_OK)
        (void)shop_fail(rc, "%s", st->errmsg);
    return rc;
}

int store_face_template_add(struct store *st, struct store_face_template *t)
{
    unsigned char plain[DESC_BYTES], blob[DESC_BYTES + SEAL_OVERHEAD], key[SEAL_KEY];
    int rc = key_for(st, t->customer_id, key);
    if (rc != SHOP_OK)
        return rc;
    descriptor_encode(t->descriptor, plain);
    seal_encrypt(key, t->customer_id, SEAL_TEMPLATE, plain, sizeof(plain), blob);
    seal_wipe(plain, sizeof(plain));
    seal_wipe(key, sizeof(key));
    sqlite3_stmt *s = stmt_get(st, SQL_TEMPLATE_ADD);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":customer", t->customer_id);
    bind_text(s, ":phase", t->phase[0] ? t->phase : "file");
    bind_blob(s, ":descriptor", blob, (int)sizeof(blob));
    bind_double(s, ":quality", t->quality);
    bind_int(s, ":at", t->created_at);
    rc = stmt_exec(st, s, "add face template");
    if (rc == SHOP_ECONFLICT)
        store_msg(st, "customer %lld has no biometric consent",
                 (long long)t->customer_id);
    else if (rc == SHOP_OK)
        t->id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

/* freed cells and pages are zeroed, in the page images written to the WAL too; a setting
 * of the connection, so it stays on for later deletes through this handle */
static int secure_delete_on(struct store *st)
{
    char *err = NULL;
    if (sqlite3_exec(st->db, "PRAGMA secure_delete = ON", NULL, NULL, &err) != SQLITE_OK) {
        store_msg(st, "secure_delete: %s", err ? err : "?");
        sqlite3_free(err);
        return SHOP_EDB;
    }
    return SHOP_OK;
}

int store_face_templates_clear(struct store *st, int64_t customer_id, int64_t *n)
{
    int64_t count = 0;
    int rc = secure_delete_on(st);
    if (rc == SHOP_OK)
        rc = count_for(st, SQL_COUNT_TEMPLATES, customer_id, &count);
    if (rc == SHOP_OK)
        rc = delete_for(st, SQL_DELETE_TEMPLATES, customer_id, "delete face templates");
    if (rc == SHOP_OK && n)
        *n = count;
    return rc;
}

int store_face_templates_foreach(struct store *st,
                                 int (*fn)(void *ctx, const struct store_face_template *t),
                                 void *ctx)
{
    /* every key once for the walk (a gallery load decrypts each row once, never per search) */
    struct store_key *keys = NULL;
    size_t nkeys = 0;
    int rc = store_keys_load(st, &keys, &nkeys);
    if (rc != SHOP_OK)
        return rc;
    sqlite3_stmt *s = stmt_get(st, SQL_TEMPLATES);
    if (!s) {
        store_keys_free(keys, nkeys);
        return SHOP_EDB;
    }
    struct store_face_template t;
    unsigned char plain[DESC_BYTES];
    int stop = 0, gone = 0;
    while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        memset(&t, 0, sizeof(t));
        t.id = sqlite3_column_int64(s, 0);
        t.customer_id = sqlite3_column_int64(s, 1);
        col_text(s, 2, t.phase, sizeof(t.phase));
        const unsigned char *blob = sqlite3_column_blob(s, 3);
        int bytes = sqlite3_column_bytes(s, 3);
        const unsigned char *key = store_keys_find(keys, nkeys, t.customer_id);
        if (blob && bytes == DESC_BYTES) { /* from before sealing (v1) */
            descriptor_decode(blob, t.descriptor);
        } else if (blob && bytes == DESC_BYTES + SEAL_OVERHEAD && key &&
                   seal_decrypt(key, t.customer_id, SEAL_TEMPLATE, blob, (size_t)bytes, plain) ==
                       SHOP_OK) {
            descriptor_decode(plain, t.descriptor);
        } else {
            gone++;
            continue;
        }
        t.quality = sqlite3_column_double(s, 4);
        t.created_at = sqlite3_column_int64(s, 5);
        stop = fn(ctx, &t);
    }
    if (gone)
        log_warn("store: %d face template(s) cannot be opened (key destroyed or missing from "
                 "'%s-keys'); skipped",
                 gone, st->path);
    seal_wipe(&t, sizeof(t));
    seal_wipe(plain, sizeof(plain));
    store_keys_free(keys, nkeys);
    stmt_done(s);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "read face templates");
}

int store_face_photo_add(struct store *st, int64_t customer_id, const void *data, size_t n,
                         int64_t at)
{
    if (n == 0 || n > 64u * 1024 * 1024) {
        store_msg(st, "a face photo must hold 1 byte to 64 MB");
        return SHOP_ETOOBIG;
    }
    unsigned char key[SEAL_KEY];
    int rc = key_for(st, customer_id, key);
    if (rc != SHOP_OK)
        return rc;
    unsigned char *box = xmalloc(n + SEAL_OVERHEAD);
    seal_encrypt(key, customer_id, SEAL_PHOTO, data, n, box);
    seal_wipe(key, sizeof(key));
    sqlite3_stmt *s = stmt_get(st, SQL_PHOTO_ADD);
    if (!s) {
        free(box);
        return SHOP_EDB;
    }
    bind_int(s, ":customer", customer_id);
    bind_blob(s, ":image", box, (int)(n + SEAL_OVERHEAD));
    bind_int(s, ":at", at);
    rc = stmt_exec(st, s, "add face photo");
    free(box);
    if (rc == SHOP_ECONFLICT)
        store_msg(st, "customer %lld has no biometric consent",
                 (long long)customer_id);
    return rc;
}

int store_face_counts(struct store *st, int64_t customer_id, int64_t *templates, int64_t *photos)
{
    int rc = count_for(st, SQL_COUNT_TEMPLATES, customer_id, templates);
    if (rc == SHOP_OK)
        rc = count_for(st, SQL_COUNT_PHOTOS, customer_id, photos);
    return rc;
}

int store_face_checkpoint(struct store *st)
{
    int log_frames = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log_frames,
                                       &done);
    if (rc != SQLITE_OK)
        return store_fail(st, rc, "checkpoint");
    return SHOP_OK;
}

int store_read_begin(struct store *st)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
    /* a read transaction starts at its first read */
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_schema", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        rc = SQLITE_OK;
    sqlite3_finalize(s);
    if (rc != SQLITE_OK) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return store_fail(st, rc, "begin reading");
    }
    return SHOP_OK;
}

void store_read_end(struct store *st)
{
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

void store_face_keys_path(const struct store *st, char *buf, size_t n)
{
    store_keys_path(st, buf, n);
}

/* A truncating checkpoint, waiting a little for readers (a short request ends; a held
 * snapshot does not, and then the erasure stays pending); when it runs, every pending
 * erasure is complete. SHOP_EBUSY when it could not run. */
static int complete_checkpoint(struct store *st, int64_t at)
{
    sqlite3_busy_timeout(st->db, st->busy_ms < 250 ? st->busy_ms : 250);
    int rc = store_face_checkpoint(st);
    sqlite3_busy_timeout(st->db, st->busy_ms);
    if (rc != SHOP_OK) {
        log_info("store: erasure pending: the WAL checkpoint waits for a reader: %s", st->errmsg);
        return rc;
    }
    sqlite3_stmt *s = stmt_get(st, SQL_COMPLETE_ALL);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":at", at);
    return stmt_exec(st, s, "complete erasure");
}

int store_face_forget(struct store *st, int64_t customer_id, const char *action,
                      const char *actor, int64_t at, struct store_face_erasure *out)
{
    struct store_face_erasure e = {0};
    memset(out, 0, sizeof(*out));
    int exists = 0;
    int rc = customer_exists(st, customer_id, &exists);
    if (rc != SHOP_OK)
        return rc;
    if (!exists) {
        store_msg(st, "no customer %lld", (long long)customer_id);
        return SHOP_ENOTFOUND;
    }
    rc = secure_delete_on(st);
    if (rc != SHOP_OK)
        return rc;
    rc = store_begin(st);
    if (rc != SHOP_OK)
        return rc;
    rc = store_face_counts(st, customer_id, &e.templates, &e.photos);
    if (rc == SHOP_OK)
        rc = count_for(st, SQL_COUNT_CONSENT, customer_id, &e.consent);
    if (rc == SHOP_OK)
        rc = count_for(st, SQL_COUNT_EVENTS, customer_id, &e.emotion_events);
    if (rc == SHOP_OK)
        rc = count_for(st, SQL_COUNT_ALERTS, customer_id, &e.alerts);
    if (rc == SHOP_OK)
        rc = count_for(st, SQL_COUNT_PLAIN, customer_id, &e.plain_rows);
    /* The key goes first, inside the transaction: once it is overwritten and synced, every
     * sealed copy is unreadable, whatever happens to the rest. A failure here rolls back
     * and nothing is reported as erased. */
    if (rc == SHOP_OK)
        rc = store_keys_shred(st, customer_id, &e.keys);
    if (rc != SHOP_OK) {
        store_rollback(st);
        return rc;
    }
    if (!e.templates && !e.photos && !e.consent && !e.emotion_events && !e.alerts) {
        store_rollback(st); /* nothing recorded under a consent: no audit row either */
        e.nothing = 1;
        e.complete = 1;
        *out = e;
        return SHOP_OK;
    }
    rc = delete_for(st, SQL_DELETE_TEMPLATES, customer_id, "delete face templates");
    if (rc == SHOP_OK)
        rc = delete_for(st, SQL_DELETE_PHOTOS, customer_id, "delete face photos");
    if (rc == SHOP_OK)
        rc = delete_for(st, SQL_DELETE_CONSENT, customer_id, "delete consent");
    if (rc == SHOP_OK)
        rc = delete_for(st, SQL_DELETE_EVENTS, customer_id, "delete emotion events");
    if (rc == SHOP_OK)
        rc = delete_for(st, SQL_ERASE_NOTES, customer_id, "erase alert notes");
    if (rc == SHOP_OK)
        rc = delete_for(st, SQL_ANON_ALERTS, customer_id, "anonymise alerts");
    if (rc == SHOP_OK) {
        char detail[128];
        snprintf(detail, sizeof(detail),
                 "templates %lld, photos %lld, emotion events %lld, alerts anonymised %lld, "
                 "keys destroyed %lld, %s",
                 (long long)e.templates, (long long)e.photos, (long long)e.emotion_events,
                 (long long)e.alerts, (long long)e.keys,
                 e.consent ? "consent withdrawn" : "no consent");
        rc = store_privacy_audit_add(st, customer_id, action && *action ? action : "delete",
                                     actor, at, detail);
        e.audit_id = sqlite3_last_insert_rowid(st->db);
    }
    sqlite3_stmt *s = rc == SHOP_OK ? stmt_get(st, SQL_AUDIT_PENDING) : NULL;
    if (s) {
        bind_int(s, ":id", e.audit_id);
        rc = stmt_exec(st, s, "audit erasure");
    } else if (rc == SHOP_OK) {
        rc = SHOP_EDB;
    }
    if (rc == SHOP_OK)
        rc = store_commit(st);
    if (rc != SHOP_OK) {
        store_rollback(st);
        return rc;
    }
    /* The sealed templates and photos went with their key. What else was deleted (emotion
     * rows, alert links, templates from before sealing) is gone from the files only when
     * the checkpoint copies the zeroed pages over the old ones; a reader holding an older
     * snapshot keeps it from running, and the erasure stays pending. */
    e.complete = complete_checkpoint(st, at) == SHOP_OK;
    *out = e;
    return SHOP_OK;
}

int store_face_complete_pending(struct store *st, int64_t at, int64_t *done, int64_t *left)
{
    int64_t n = 0;
    *done = 0;
    *left = 0;
    int rc = query_int(st, SQL_COUNT_PENDING, 0, &n);
    if (rc != SHOP_OK || n == 0)
        return rc;
    if (complete_checkpoint(st, at) == SHOP_OK)
        *done = n;
    else
        *left = n;
    return SHOP_OK;
}

int store_face_expired(struct store *st, int64_t before, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *s = stmt_get(st, SQL_EXPIRED);
    if (!s)
        return SHOP_EDB;
    bind_int(s, ":before", before);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            *ids = xreallocarray(*ids, cap, sizeof(**ids));
        }
        (*ids)[(*n)++] = sqlite3_column_int64(s, 0);
    }
    stmt_done(s);
    return rc == SQLITE_DONE ? SHOP_OK : store_fail(st, rc, "expired face data");
}
