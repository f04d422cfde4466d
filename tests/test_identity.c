/* tests/test_identity.c - identity: the gallery search against a naive scan, the login
 * state machine, face data in the store, erasure leaving no template bytes in the database
 * files, retention, alerts, and - with the models (`make models`) - the enrolment gates
 * and identification on the package's demo photos and images made from them. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "identity/alerts.h"
#include "identity/enrol.h"
#include "identity/gallery.h"
#include "identity/identify.h"
#include "identity/privacy.h"
#include "store/store.h"
#include "test.h"

/* ---- helpers ---- */

static struct store *new_store(const char *name)
{
    char *path = test_tmp_path(name);
    struct store *st = NULL;
    CHECK(store_open(path, STORE_CREATE | STORE_WRITE, &st) == SHOP_OK);
    free(path);
    return st;
}

static int64_t add_customer(struct store *st, const char *name, int64_t last_seen)
{
    struct store_customer c = {0};
    snprintf(c.name, sizeof(c.name), "%s", name);
    snprintf(c.gender, sizeof(c.gender), "female");
    snprintf(c.size, sizeof(c.size), "M");
    c.created_at = 1700000000;
    c.last_seen_at = last_seen;
    CHECK(store_customer_add(st, &c) == SHOP_OK);
    return c.id;
}

static void random_desc(uint64_t *seed, float *d)
{
    for (int k = 0; k < 128; k++) {
        *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
        d[k] = (float)((double)(*seed >> 11) / 9007199254740992.0 - 0.5) * 0.3f;
    }
}

/* ---- gallery ---- */

static void gallery_matches_a_naive_scan(void)
{
    enum { N = 3000, Q = 40 };
    uint64_t seed = 7;
    float *rows = malloc(sizeof(float) * N * 128);
    int64_t *ids = malloc(sizeof(int64_t) * N);
    for (int i = 0; i < N; i++) {
        random_desc(&seed, rows + i * 128);
        ids[i] = 1 + i % 700; /* several rows per customer */
    }
    struct gallery *g = gallery_new();
    gallery_add(g, NULL, NULL, 0); /* nothing to add, to an empty gallery: a no-op */
    CHECK(gallery_size(g) == 0);
    gallery_add(g, ids, rows, N);
    CHECK(gallery_size(g) == N);
    for (int q = 0; q < Q; q++) {
        float x[128];
        random_desc(&seed, x);
        if (q % 2) /* half the queries near a stored row */
            for (int k = 0; k < 128; k++)
                x[k] = rows[(q * 37) * 128 + k] + 0.01f * x[k];
        /* naive: best distance per customer, then the 4 smallest */
        double best[701];
        for (int c = 0; c <= 700; c++)
            best[c] = INFINITY;
        for (int i = 0; i < N; i++) {
            double s = 0;
            for (int k = 0; k < 128; k++)
                s += ((double)rows[i * 128 + k] - x[k]) * ((double)rows[i * 128 + k] - x[k]);
            if (sqrt(s) < best[ids[i]])
                best[ids[i]] = sqrt(s);
        }
        struct gallery_match m;
        gallery_search(g, x, &m);
        CHECK(m.n == GALLERY_TOPK && m.rows == N);
        for (int r = 0; r < m.n; r++) {
            int64_t want = 0;
            for (int c = 1; c <= 700; c++) {
                int taken = 0;
                for (int j = 0; j < r; j++)
                    taken |= m.best[j].customer_id == c;
                if (!taken && (!want || best[c] < best[want]))
                    want = c;
            }
            CHECK(m.best[r].customer_id == want);
            CHECK_NEAR(m.best[r].distance, best[want], 1e-4);
        }
        CHECK_NEAR(gallery_l2sq(x, rows), 0, 1e9); /* the exported kernel runs */
    }
    /* remove: the customer's rows go, the others stay */
    CHECK(gallery_remove(g, 5) == 5); /* rows 4, 704, 1404, 2104, 2804 */
    CHECK(gallery_size(g) == N - 5);
    struct gallery_match m;
    gallery_search(g, rows + 4 * 128, &m);
    CHECK(m.best[0].customer_id != 5);
    gallery_search(g, rows + 5 * 128, &m);
    CHECK(m.best[0].customer_id == 6 && m.best[0].distance == 0);
    /* replace: customer 6 now only has row 0's descriptor */
    gallery_replace(g, 6, rows, 1);
    gallery_search(g, rows + 5 * 128, &m);
    CHECK(m.best[0].customer_id != 6);
    gallery_search(g, rows, &m);
    CHECK(m.best[0].distance == 0 && (m.best[0].customer_id == 6 || m.best[0].customer_id == 1));
    CHECK(gallery_remove(g, 999999) == 0);
    gallery_free(g);
    /* an empty gallery finds nobody */
    g = gallery_new();
    gallery_search(g, rows, &m);
    CHECK(m.n == 0 && m.rows == 0);
    gallery_free(g);
    free(rows);
    free(ids);
}

static void gallery_mean_per_customer(void)
{
    /* customer 1: rows at +0.2 and -0.2 on axis 0 (mean 0); customer 2: 0.3 on axis 1 */
    float rows[3][128] = {{0}}, q[128] = {0};
    rows[0][0] = 0.2f;
    rows[1][0] = -0.2f;
    rows[2][1] = 0.3f;
    int64_t ids[3] = {1, 2, 1};
    float tmp[128];
    memcpy(tmp, rows[1], sizeof(tmp)); /* rows in the order 1, 2, 1 */
    memcpy(rows[1], rows[2], sizeof(tmp));
    memcpy(rows[2], tmp, sizeof(tmp));
    struct gallery *g = gallery_new();
    gallery_add(g, ids, &rows[0][0], 3);
    struct gallery_match m;
    gallery_search_mean(g, q, &m);
    CHECK(m.n == 2 && m.rows == 2);
    CHECK(m.best[0].customer_id == 1 && m.best[0].distance == 0);
    CHECK(m.best[1].customer_id == 2 && fabsf(m.best[1].distance - 0.3f) < 1e-6f);
    gallery_search(g, q, &m); /* the nearest template instead: 0.2 */
    CHECK(m.best[0].customer_id == 1 && fabsf(m.best[0].distance - 0.2f) < 1e-6f);
    /* another row moves the mean: (0.2 - 0.2 + 0.6) / 3 = 0.2 */
    float more[128] = {0};
    more[0] = 0.6f;
    int64_t one = 1;
    gallery_add(g, &one, more, 1);
    gallery_search_mean(g, q, &m);
    CHECK(m.best[0].customer_id == 1 && fabsf(m.best[0].distance - 0.2f) < 1e-6f);
    /* erasure and replacement update the means */
    CHECK(gallery_remove(g, 2) == 1);
    gallery_search_mean(g, q, &m);
    CHECK(m.n == 1 && m.rows == 1 && m.best[0].customer_id == 1);
    more[0] = 0;
    more[1] = 0.5f;
    gallery_replace(g, 1, more, 1);
    gallery_search_mean(g, q, &m);
    CHECK(m.n == 1 && fabsf(m.best[0].distance - 0.5f) < 1e-6f);
    gallery_remove(g, 1);
    gallery_search_mean(g, q, &m);
    CHECK(m.n == 0 && m.rows == 0);
    gallery_free(g);
}

struct search_job {
    struct gallery *g;
    const float *probe;
    int64_t want;
    int wrong;
    int mean; /* gallery_search_mean (whose first search after additions rebuilds) */
};

static void *search_loop(void *arg)
{
    struct search_job *j = arg;
    for (int i = 0; i < 300; i++) {
        struct gallery_match m;
        if (j->mean)
            gallery_search_mean(j->g, j->probe, &m);
        else
            gallery_search(j->g, j->probe, &m);
        if (m.n == 0 || m.best[0].customer_id != j->want || m.best[0].distance != 0)
            j->wrong++;
    }
    return NULL;
}

/* readers search while a writer enrols and erases other customers */
static void gallery_is_thread_safe(void)
{
    uint64_t seed = 11;
    float probe[128], other[128];
    random_desc(&seed, probe);
    struct gallery *g = gallery_new();
    int64_t id = 42;
    gallery_add(g, &id, probe, 1);
    struct search_job jobs[3] = {{g, probe, 42, 0, 0}, {g, probe, 42, 0, 1}, {g, probe, 42, 0, 1}};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, search_loop, &jobs[i]);
    for (int i = 0; i < 300; i++) {
        random_desc(&seed, other);
        int64_t oid = 100 + i % 7;
        gallery_add(g, &oid, other, 1);
        if (i % 5 == 4)
            gallery_remove(g, 100 + (i / 5) % 7);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK(jobs[0].wrong == 0 && jobs[1].wrong == 0 && jobs[2].wrong == 0);
    gallery_free(g);
}

/* ---- login ---- */

static void login_needs_three_in_a_row(void)
{
    struct identify_login l;
    identify_login_init(&l, 3);
    CHECK(identify_login_feed(&l, 7) == 0);
    CHECK(identify_login_feed(&l, 7) == 0);
    CHECK(identify_login_feed(&l, 0) == 0); /* a frame without a match breaks it */
    CHECK(identify_login_feed(&l, 7) == 0);
    CHECK(identify_login_feed(&l, 7) == 0);
    CHECK(identify_login_feed(&l, 9) == 0); /* someone else: starts over */
    CHECK(identify_login_feed(&l, 7) == 0);
    CHECK(identify_login_feed(&l, 7) == 0);
    CHECK(identify_login_feed(&l, 7) == 7); /* third in a row */
    CHECK(l.logged_in == 7);
    CHECK(identify_login_feed(&l, 9) == 0); /* logged in: ignored */
    CHECK(identify_login_feed(&l, 9) == 0);
    CHECK(identify_login_feed(&l, 9) == 0);
    identify_login_logout(&l);
    CHECK(identify_login_feed(&l, 9) == 0);
    CHECK(identify_login_feed(&l, 9) == 0);
    CHECK(identify_login_feed(&l, 9) == 9);
    identify_login_init(&l, 1);
    CHECK(identify_login_feed(&l, 5) == 5);
    /* the 1:N decision: threshold and margin */
    struct gallery *g = gallery_new();
    float a[128] = {0}, b[128] = {0}, q[128] = {0};
    b[0] = 0.5f;
    int64_t ia = 1, ib = 2;
    gallery_add(g, &ia, a, 1);
    gallery_add(g, &ib, b, 1);
    struct identify_opts o;
    identify_opts_default(&o);
    struct identify_result r;
    q[0] = 0.1f; /* 0.1 from a, 0.4 from b */
    identify_descriptor(g, q, &o, &r);
    CHECK(r.verdict == IDENTIFY_MATCH && r.customer_id == 1);
    CHECK_NEAR(r.distance, 0.1, 1e-6);
    CHECK_NEAR(r.second_distance, 0.4, 1e-6);
    CHECK(o.margin > 0.01 && o.threshold > 0.3);
    q[0] = 0.245f; /* 0.245 / 0.255: within the margin */
    identify_descriptor(g, q, &o, &r);
    CHECK(r.verdict == IDENTIFY_AMBIGUOUS && r.customer_id == 0);
    q[0] = -(float)o.threshold - 0.01f; /* just over the threshold from a */
    identify_descriptor(g, q, &o, &r);
    CHECK(r.verdict == IDENTIFY_UNKNOWN && r.customer_id == 0 && r.nearest_id == 1);
    q[0] = -(float)o.threshold + 0.01f; /* just under it */
    identify_descriptor(g, q, &o, &r);
    CHECK(r.verdict == IDENTIFY_MATCH && r.customer_id == 1);
    gallery_free(g);
}

/* a frame's result as identify_frame gives it: the descriptor x on axis 0, decided */
static void frame_at(struct gallery *g, const struct identify_opts *o, float x, int face,
                     struct identify_result *r)
{
    memset(r, 0, sizeof(*r));
    r->face.descriptor[0] = x;
    if (face)
        identify_descriptor(g, r->face.descriptor, o, r);
    else
        r->verdict = IDENTIFY_NO_FACE;
}

static void login_rules_on_frames(void)
{
    /* customer 1 at 0, customer 2 at 1 (axis 0) */
    struct gallery *g = gallery_new();
    float rows[2][128] = {{0}};
    rows[1][0] = 1;
    int64_t ids[2] = {1, 2};
    gallery_add(g, ids, &rows[0][0], 2);
    struct identify_opts o;
    identify_opts_default(&o);
    double t = o.threshold;
    struct identify_result r;
    struct identify_login l;
    /* each frame must match (the streak): a frame past the threshold breaks it */
    o.average = 0;
    identify_login_init(&l, 3);
    float confirm[] = {0.1f, (float)t + 0.05f, 0.1f, 0.2f, 0.1f};
    int64_t got = 0;
    for (int i = 0; i < 5; i++) {
        frame_at(g, &o, confirm[i], 1, &r);
        got = identify_login_feed_frame(&l, &r, &o);
        CHECK(got == (i == 4 ? 1 : 0));
    }
    /* averaged: the same frames log in on the third, whose mean is under the threshold */
    o.average = 1;
    identify_login_init(&l, 3);
    for (int i = 0; i < 3; i++) {
        frame_at(g, &o, confirm[i], 1, &r);
        got = identify_login_feed_frame(&l, &r, &o);
        CHECK(got == (i == 2 ? 1 : 0));
    }
    CHECK(l.logged_in == 1 && l.held == 0);
    frame_at(g, &o, 0.0f, 1, &r);
    CHECK(identify_login_feed_frame(&l, &r, &o) == 0); /* logged in: ignored */
    identify_login_logout(&l);
    /* a frame without a face empties the window; the mean slides over the last 3 */
    float slide[] = {0.95f, 0.9f, 0.0f, 0.0f, 0.55f, 0.95f, 1.0f};
    int face[] = {1, 1, 0, 1, 1, 1, 1};
    for (int i = 0; i < 7; i++) {
        frame_at(g, &o, slide[i], face[i], &r);
        got = identify_login_feed_frame(&l, &r, &o);
        /* frames 3, 4, 5 (0, 0.55, 0.95): mean 0.5, as far from both - nobody; frames 4, 5,
         * 6: mean 0.83 - customer 2 */
        CHECK(got == (i == 6 ? 2 : 0));
    }
    identify_login_logout(&l);
    float zero[128] = {0};
    CHECK(memcmp(l.recent[0], zero, sizeof(zero)) == 0 && l.held == 0);
    identify_login_init(&l, 99);
    CHECK(l.need == IDENTIFY_MAX_FRAMES);
    gallery_free(g);
}

/* ---- store and privacy ---- */

static void templates_need_consent(void)
{
    struct store *st = new_store("consent.db");
    int64_t a = add_customer(st, "Ann", 0);
    struct store_face_template t = {0};
    t.customer_id = a;
    snprintf(t.phase, sizeof(t.phase), "straight");
    for (int k = 0; k < 128; k++)
        t.descriptor[k] = (float)k / 128 - 0.5f;
    t.quality = 99;
    t.created_at = 1700000100;
    CHECK(store_face_template_add(st, &t) == SHOP_ECONFLICT);
    CHECK(store_face_consent_set(st, 99999, "v1", "test", 1) == SHOP_ENOTFOUND);
    CHECK(store_face_consent_set(st, a, "", "test", 1) == SHOP_EINVAL);
    CHECK(store_face_consent_get(st, a, NULL, 0, NULL) == SHOP_ENOTFOUND);
    CHECK(store_face_consent_set(st, a, "v1", "test", 1700000050) == SHOP_OK);
    char ver[16];
    int64_t at = 0;
    CHECK(store_face_consent_get(st, a, ver, sizeof(ver), &at) == SHOP_OK);
    CHECK(strcmp(ver, "v1") == 0 && at == 1700000050);
    CHECK(store_face_template_add(st, &t) == SHOP_OK && t.id > 0);
    /* the gallery loads it back, bit for bit */
    struct gallery *g = gallery_new();
    CHECK(gallery_load(g, st) == SHOP_OK);
    CHECK(gallery_size(g) == 1);
    struct gallery_match m;
    gallery_search(g, t.descriptor, &m);
    CHECK(m.n == 1 && m.best[0].customer_id == a && m.best[0].distance == 0);
    gallery_free(g);
    /* audit: one consent row, no biometric data */
    struct store_privacy_event *ev;
    size_t n;
    CHECK(store_privacy_audit(st, a, &ev, &n) == SHOP_OK);
    CHECK(n == 1 && strcmp(ev[0].action, "consent") == 0);
    free(ev);
    store_close(st);
}

/* a descriptor whose 512 bytes are a pattern that appears nowhere else */
static void marker_desc(float *d, unsigned tag)
{
    for (int k = 0; k < 128; k++) {
        uint32_t u = 0x3d000000u | (tag << 16) | (uint32_t)(k * 257 + 13);
        memcpy(&d[k], &u, 4);
    }
}

static long find_bytes(const char *path, const void *needle, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1; /* no such file: nothing in it */
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(size > 0 ? (size_t)size : 1);
    size_t got = fread(buf, 1, (size_t)size, f);
    fclose(f);
    long hits = 0;
    for (size_t i = 0; i + n <= got; i++)
        if (memcmp(buf + i, needle, n) == 0)
            hits++;
    free(buf);
    return hits;
}

/* the 32 key bytes of a customer in '<db>-keys' (64-byte header, then 64-byte slots: id
 * little-endian, key, check, padding), read raw as an oracle independent of the store */
static int read_key(const char *db, int64_t customer, unsigned char key[32])
{
    char p[600];
    snprintf(p, sizeof(p), "%s-keys", db);
    FILE *f = fopen(p, "rb");
    if (!f)
        return 0;
    unsigned char slot[64];
    int found = 0;
    fseek(f, 64, SEEK_SET);
    while (!found && fread(slot, 1, 64, f) == 64) {
        int64_t id = 0;
        for (int b = 0; b < 8; b++)
            id |= (int64_t)slot[b] << (8 * b);
        if (id == customer) {
            memcpy(key, slot + 8, 32);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

static void add_event(struct store *st, int64_t customer, int64_t at, double p3,
                      const char *note)
{
    struct store_emotion_event e = {0};
    e.customer_id = customer;
    e.at = at;
    snprintf(e.grp, sizeof(e.grp), "frustration");
    snprintf(e.dominant, sizeof(e.dominant), "angry");
    e.score = 100 * p3;
    e.p[3] = p3;
    e.p[0] = 1 - p3;
    CHECK(store_emotion_event_add(st, &e) == SHOP_OK);
    if (!note)
        return;
    struct store_alert a = {0};
    a.event_id = e.id;
    a.customer_id = customer;
    a.created_at = at;
    snprintf(a.location, sizeof(a.location), "fitting room 1");
    snprintf(a.status, sizeof(a.status), "open");
    CHECK(store_alert_add(st, &a) == SHOP_OK);
    CHECK(store_alert_resolve(st, a.id, "sam", note, at + 60) == SHOP_OK);
}

/* Erasure while another connection holds a read transaction (a server always has one): the
 * checkpoint cannot run, so the deleted pages stay in the main file and the WAL. Nothing
 * of Ann's may stay readable in any file: her descriptors and photo were only ever written
 * sealed, and her key is overwritten. Her emotion events go, her alerts lose her. */
static void forget_leaves_no_template_bytes(void)
{
    char *path = test_tmp_path("forget.db");
    struct store *st = NULL;
    CHECK(store_open(path, STORE_CREATE | STORE_WRITE, &st) == SHOP_OK);
    int64_t ann = add_customer(st, "Ann", 1700000000), bea = add_customer(st, "Bea", 1700000000);
    int64_t cid = add_customer(st, "Cid", 1700000000);
    CHECK(privacy_consent(st, ann, "v1", "test", 1700000000) == SHOP_OK);
    CHECK(privacy_consent(st, bea, "v1", "test", 1700000000) == SHOP_OK);
    struct store_face_template t = {0};
    unsigned char ann_bytes[64], bea_bytes[64];
    /* interleaved rows on shared pages; half of them checkpointed into the main file */
    for (int i = 0; i < 8; i++) {
        int is_ann = i % 2 == 0;
        memset(&t, 0, sizeof(t));
        t.customer_id = is_ann ? ann : bea;
        snprintf(t.phase, sizeof(t.phase), "file");
        marker_desc(t.descriptor, (is_ann ? 0x10 : 0x60) + (unsigned)i);
        t.quality = 100;
        t.created_at = 1700000000;
        CHECK(store_face_template_add(st, &t) == SHOP_OK);
        if (i == 0)
            memcpy(ann_bytes, t.descriptor, 64); /* little-endian host: the stored bytes */
        if (i == 1)
            memcpy(bea_bytes, t.descriptor, 64);
        if (i == 3)
            CHECK(store_face_checkpoint(st) == SHOP_OK);
    }
    CHECK(store_face_photo_add(st, ann, "JPEGBYTES-OF-ANN-0123456789", 27, 1700000000) == SHOP_OK);
    const double ann_p = 0.8123456789012345; /* a value found nowhere else */
    add_event(st, ann, 1700000100, ann_p, "ANN-NOTE: wanted a size 38 in red");
    add_event(st, ann, 1700000200, 0.6875, NULL);
    add_event(st, bea, 1700000300, 0.5625, "wanted a size 38 in blue");
    CHECK(store_face_checkpoint(st) == SHOP_OK);
    unsigned char ann_key[32], bea_key[32];
    CHECK(read_key(path, ann, ann_key) && read_key(path, bea, bea_key));
    CHECK(memcmp(ann_key, bea_key, 32) != 0);
    struct gallery *g = gallery_new();
    CHECK(gallery_load(g, st) == SHOP_OK && gallery_size(g) == 8);
    /* the gallery opened the sealed rows bit for bit */
    struct gallery_match m;
    float probe_d[128];
    marker_desc(probe_d, 0x10);
    gallery_search(g, probe_d, &m);
    CHECK(m.n >= 1 && m.best[0].customer_id == ann && m.best[0].distance == 0);

    /* the concurrent reader: its own connection, in a read transaction over the rows */
    sqlite3 *reader = NULL;
    CHECK(sqlite3_open_v2(path, &reader, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM face_templates;", NULL, NULL, NULL) ==
          SQLITE_OK);

    struct store_face_erasure e;
    CHECK(privacy_forget(st, g, 999999, "test", 1700000500, &e) == SHOP_ENOTFOUND);
    CHECK(privacy_forget(st, g, ann, "test", 1700000500, &e) == SHOP_OK);
    CHECK(e.templates == 4 && e.photos == 1 && e.consent == 1 && e.keys == 1);
    CHECK(e.emotion_events == 2 && e.alerts == 1 && !e.nothing);
    CHECK(!e.complete); /* the reader keeps the deleted rows' pages: pending */
    CHECK(gallery_size(g) == 4);
    int64_t nt = 0, np = 0;
    CHECK(store_face_counts(st, ann, &nt, &np) == SHOP_OK && nt == 0 && np == 0);
    CHECK(store_face_consent_get(st, ann, NULL, 0, NULL) == SHOP_ENOTFOUND);
    struct store_face_template probe = {0};
    marker_desc(probe.descriptor, 0x10);
    probe.customer_id = ann;
    CHECK(store_face_template_add(st, &probe) == SHOP_ECONFLICT); /* consent is gone too */
    /* nothing left to erase for Ann, and Cid never had anything: no audit row for either */
    CHECK(privacy_forget(st, g, ann, "test", 1700000600, &e) == SHOP_OK && e.nothing);
    CHECK(privacy_forget(st, g, cid, "test", 1700000600, &e) == SHOP_OK && e.nothing);
    struct store_privacy_event *ev;
    size_t n;
    CHECK(store_privacy_audit(st, ann, &ev, &n) == SHOP_OK);
    CHECK(n == 2 && strcmp(ev[1].action, "delete") == 0 && strstr(ev[1].detail, "templates 4"));
    CHECK(n == 2 && strcmp(ev[1].state, "pending") == 0);
    CHECK(n == 2 && strstr(ev[1].detail, "emotion events 2"));
    free(ev);
    CHECK(store_privacy_audit(st, cid, &ev, &n) == SHOP_OK && n == 0);
    free(ev);
    /* the reader still holds its snapshot while the files are scanned */
    int64_t seen = -1;
    sqlite3_stmt *q = NULL;
    CHECK(sqlite3_prepare_v2(reader, "SELECT count(*) FROM face_templates", -1, &q, NULL) ==
          SQLITE_OK);
    if (q && sqlite3_step(q) == SQLITE_ROW)
        seen = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    CHECK(seen == 8); /* the old snapshot: the checkpoint really could not run */
    /* the rows, counted by an independent connection */
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM emotion_events WHERE customer_id = %lld",
             (long long)ann);
    CHECK(test_sql_num(path, sql) == 0);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM alerts WHERE customer_id = %lld",
             (long long)ann);
    CHECK(test_sql_num(path, sql) == 0);
    CHECK(test_sql_num(path, "SELECT count(*) FROM emotion_events") == 1); /* Bea's */
    CHECK(test_sql_num(path, "SELECT count(*) FROM alerts") == 2);         /* kept, anonymous */
    CHECK(test_sql_num(path, "SELECT count(*) FROM alerts WHERE customer_id IS NULL AND "
                             "session_id IS NULL AND event_id IS NULL") == 1);
    /* the staff's notes: Ann's is gone, Bea's stays */
    CHECK(test_sql_num(path,
                       "SELECT count(*) FROM alert_resolutions WHERE note LIKE '%size 38%'") == 1);
    CHECK(test_sql_num(path, "SELECT count(*) FROM alert_resolutions WHERE note LIKE 'ANN%'") ==
          0);
    /* every file: none holds Ann's descriptor, photo or key; Bea's key is there (the scan
     * works) and her descriptor is nowhere in plain either */
    const char *suffix[5] = {"", "-wal", "-shm", "-journal", "-keys"};
    long bea_key_hits = 0;
    for (int i = 0; i < 5; i++) {
        char p[600];
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        CHECK(find_bytes(p, ann_bytes, sizeof(ann_bytes)) <= 0);
        CHECK(find_bytes(p, bea_bytes, sizeof(bea_bytes)) <= 0);
        CHECK(find_bytes(p, "JPEGBYTES-OF-ANN", 16) <= 0);
        CHECK(find_bytes(p, ann_key, sizeof(ann_key)) <= 0);
        long b = find_bytes(p, bea_key, sizeof(bea_key));
        bea_key_hits += b > 0 ? b : 0;
    }
    CHECK(bea_key_hits == 1);
    sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(reader);
    /* the reader is gone: the pending erasure completes, and the rest of Ann's rows leave
     * the files too (her probability, in either byte order, and the staff's note) */
    int64_t done = 0, left = 9;
    CHECK(privacy_complete_pending(st, 1700000700, &done, &left) == SHOP_OK);
    CHECK(done == 1 && left == 0);
    CHECK(store_privacy_audit(st, ann, &ev, &n) == SHOP_OK);
    CHECK(n == 2 && strcmp(ev[1].state, "complete") == 0 && ev[1].completed_at == 1700000700);
    free(ev);
    unsigned char le[8], be[8];
    memcpy(le, &ann_p, 8);
    for (int i = 0; i < 8; i++)
        be[i] = le[7 - i];
    for (int i = 0; i < 5; i++) {
        char p[600];
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        CHECK(find_bytes(p, le, 8) <= 0 && find_bytes(p, be, 8) <= 0);
        CHECK(find_bytes(p, "ANN-NOTE", 8) <= 0);
    }
    /* Bea is untouched: her templates load and match */
    CHECK(gallery_load(g, st) == SHOP_OK && gallery_size(g) == 4);
    store_close(st);
    gallery_free(g);
    free(path);
}

/* consent versions are short UTF-8 names of the consent text */
static void consent_version_is_checked(void)
{
    struct store *st = new_store("version.db");
    int64_t a = add_customer(st, "Ann", 0);
    char big[200];
    memset(big, 'v', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK(privacy_consent(st, a, big, "t", 1) == SHOP_EINVAL);
    CHECK(privacy_consent(st, a, "v\xff", "t", 1) == SHOP_EINVAL);
    CHECK(privacy_consent(st, a, "v\xc3", "t", 1) == SHOP_EINVAL);     /* cut mid-character */
    CHECK(privacy_consent(st, a, "\xed\xa0\x80", "t", 1) == SHOP_EINVAL); /* a surrogate */
    CHECK(privacy_consent(st, a, "v1\n", "t", 1) == SHOP_EINVAL);
    CHECK(privacy_consent(st, a, "", "t", 1) == SHOP_EINVAL);
    CHECK(store_face_consent_get(st, a, NULL, 0, NULL) == SHOP_ENOTFOUND);
    CHECK(privacy_consent(st, a, "2026-01 \xc3\xa9t\xc3\xa9", "t", 1) == SHOP_OK);
    store_close(st);
}

static void purge_follows_the_last_visit(void)
{
    struct store *st = new_store("purge.db");
    const int64_t now = 1800000000, day = 86400;
    int64_t old_seen = add_customer(st, "Old", now - 1200 * day);
    int64_t recent = add_customer(st, "Recent", now - 10 * day);
    int64_t never = add_customer(st, "Never", 0);
    int64_t fresh = add_customer(st, "Fresh", 0);
    int64_t no_face = add_customer(st, "NoFace", now - 2000 * day);
    CHECK(store_face_consent_set(st, old_seen, "v1", "t", now - 1500 * day) == SHOP_OK);
    CHECK(store_face_consent_set(st, recent, "v1", "t", now - 1500 * day) == SHOP_OK);
    CHECK(store_face_consent_set(st, never, "v1", "t", now - 1100 * day) == SHOP_OK);
    CHECK(store_face_consent_set(st, fresh, "v1", "t", now - 5 * day) == SHOP_OK);
    (void)no_face;
    int64_t *ids = NULL;
    size_t n = 0;
    const int64_t real_now = 1750000000; /* the audit's time, not the cut-off's */
    CHECK(privacy_purge(st, NULL, PRIVACY_RETENTION_DAYS, now, "retention", real_now, &ids, &n,
                        NULL) == SHOP_OK);
    CHECK(n == 2 && ids[0] == old_seen && ids[1] == never);
    free(ids);
    CHECK(store_face_consent_get(st, recent, NULL, 0, NULL) == SHOP_OK);
    CHECK(store_face_consent_get(st, fresh, NULL, 0, NULL) == SHOP_OK);
    CHECK(store_face_consent_get(st, never, NULL, 0, NULL) == SHOP_ENOTFOUND);
    /* one day: Recent (seen 10 days ago) and Fresh (consented 5 days ago) go too */
    size_t pending = 9;
    CHECK(privacy_purge(st, NULL, 1, now, "retention", real_now, NULL, &n, &pending) == SHOP_OK);
    CHECK(n == 2 && pending == 0);
    CHECK(privacy_purge(st, NULL, -1, now, "retention", real_now, NULL, &n, NULL) == SHOP_EINVAL);
    struct store_privacy_event *ev;
    CHECK(store_privacy_audit(st, 0, &ev, &n) == SHOP_OK);
    int purges = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(ev[i].action, "purge") == 0) {
            purges++;
            CHECK(ev[i].at == real_now);
        }
    CHECK(purges == 4);
    free(ev);
    store_close(st);
}

/* ---- alerts ---- */

struct seen {
    int calls;
    struct alerts_note last;
};

static void on_note(void *ctx, const struct alerts_note *n)
{
    struct seen *s = ctx;
    s->calls++;
    s->last = *n;
}

static void frustration_raises_an_alert(void)
{
    struct store *st = new_store("alerts.db");
    int64_t ann = add_customer(st, "Ann", 0), bob = add_customer(st, "Bob", 0);
    CHECK(store_face_consent_set(st, ann, "v1", "t", 1700000000) == SHOP_OK);
    struct alerts *hub = alerts_new(4);
    struct seen a = {0}, b = {0};
    int sa = alerts_subscribe(hub, on_note, &a), sb = alerts_subscribe(hub, on_note, &b);
    CHECK(sa > 0 && sb > 0 && sa != sb);
    struct emotion_peak p = {0};
    p.group = EMOTION_FRUSTRATION;
    p.score = 72.5;
    p.p[3] = 0.6;
    p.p[2] = 0.125;
    p.p[0] = 0.275;
    p.dominant = 3;
    struct alerts_context c = {ann, 0, "mirror-2", "fitting rooms"};
    int64_t ev = 0, al = 0;
    CHECK(alerts_record_peak(st, hub, &c, &p, 1700000100, &ev, &al) == SHOP_OK);
    CHECK(ev > 0 && al > 0);
    CHECK(a.calls == 1 && b.calls == 1 && a.last.kind == ALERTS_RAISED);
    CHECK(a.last.alert.id == al && strcmp(a.last.alert.location, "fitting rooms") == 0);
    /* happiness: an event, no alert */
    p.group = EMOTION_HAPPINESS;
    p.dominant = 1;
    CHECK(alerts_record_peak(st, hub, &c, &p, 1700000200, &ev, &al) == SHOP_OK);
    CHECK(ev > 0 && al == 0 && a.calls == 1);
    /* not logged in, or no consent: nothing stored */
    p.group = EMOTION_FRUSTRATION;
    struct alerts_context anon = {0, 0, "mirror-2", "fitting rooms"};
    struct alerts_context nocons = {bob, 0, "mirror-2", "fitting rooms"};
    CHECK(alerts_record_peak(st, hub, &anon, &p, 1700000300, &ev, &al) == SHOP_ECONFLICT);
    CHECK(alerts_record_peak(st, hub, &nocons, &p, 1700000300, &ev, &al) == SHOP_ECONFLICT);
    CHECK(a.calls == 1);
    struct store_alert_row *rows;
    size_t n;
    CHECK(store_alerts_list(st, "open", 10, &rows, &n) == SHOP_OK);
    CHECK(n == 1 && rows[0].a.customer_id == ann);
    int64_t id = n ? rows[0].a.id : 0;
    free(rows);
    /* acknowledge, resolve: stored and pushed */
    alerts_unsubscribe(hub, sb);
    CHECK(alerts_acknowledge(st, hub, id, "", 1700000400) == SHOP_EINVAL);
    CHECK(alerts_acknowledge(st, hub, id, "sam", 1700000400) == SHOP_OK);
    CHECK(alerts_acknowledge(st, hub, id, "sam", 1700000400) == SHOP_ENOTFOUND);
    CHECK(a.calls == 2 && a.last.kind == ALERTS_ACKNOWLEDGED && strcmp(a.last.staff, "sam") == 0);
    CHECK(b.calls == 1);
    CHECK(alerts_resolve(st, hub, id, "sam", "brought another size", 1700000500) == SHOP_OK);
    CHECK(alerts_resolve(st, hub, id, "sam", "again", 1700000600) == SHOP_ENOTFOUND);
    CHECK(a.calls == 3 && a.last.kind == ALERTS_RESOLVED);
    struct store_alert_row r;
    CHECK(store_alert_get(st, id, &r) == SHOP_OK);
    CHECK(strcmp(r.a.status, "resolved") == 0 && strcmp(r.acknowledged_by, "sam") == 0);
    CHECK(r.acknowledged_at == 1700000400 && r.resolved_at == 1700000500);
    CHECK(strcmp(r.note, "brought another size") == 0);
    CHECK(store_alerts_list(st, "open", 10, &rows, &n) == SHOP_OK && n == 0);
    free(rows);
    /* the list carries the resolution too */
    CHECK(store_alerts_list(st, NULL, 10, &rows, &n) == SHOP_OK && n == 1);
    CHECK(n == 1 && strcmp(rows[0].a.status, "resolved") == 0 && strcmp(rows[0].resolved_by, "sam") == 0);
    CHECK(n == 1 && strcmp(rows[0].note, "brought another size") == 0 && rows[0].resolved_at == 1700000500);
    free(rows);
    /* polling: 3 notes so far, a ring of 4 */
    struct alerts_note notes[8];
    CHECK(alerts_since(hub, 0, notes, 8) == 3);
    CHECK(notes[0].seq == 1 && notes[2].seq == 3 && notes[2].kind == ALERTS_RESOLVED);
    CHECK(alerts_since(hub, 2, notes, 8) == 1 && notes[0].seq == 3);
    for (int i = 0; i < 3; i++)
        alerts_publish(hub, ALERTS_RAISED, &r.a, NULL, 0);
    CHECK(alerts_last_seq(hub) == 6);
    CHECK(alerts_since(hub, 0, notes, 8) == 4 && notes[0].seq == 3); /* 1 and 2 left the ring */
    CHECK(alerts_since(hub, 6, notes, 8) == 0);
    alerts_unsubscribe(hub, sa);
    alerts_free(hub);
    store_close(st);
}

/* ---- with the models: gates and identification on images ---- */

static const char *models(void)
{
    const char *env = getenv("SHOPPER_MODELS");
    return env && *env ? env : "models";
}

static struct face_engine *engine;
static struct face_ws *ws;
static struct image s6; /* sample6: four women, sharp */
static struct face s6f[4];
static int have_models = -1;

static int setup(void)
{
    if (have_models >= 0)
        return have_models;
    char path[512];
    snprintf(path, sizeof(path), "%s/samples/sample6.jpg", models());
    have_models = face_engine_load(models(), FACE_NET_SSD | FACE_NET_LM68 | FACE_NET_RECOG |
                                                 FACE_NET_EXPR, &engine) == SHOP_OK &&
                  image_load(path, IMAGE_DEFAULT_MAX_PIXELS, &s6) == SHOP_OK;
    if (!have_models) {
        printf("  (identity: no models in '%s' - run `make models`; image checks skipped)\n",
               models());
        return 0;
    }
    ws = face_ws_new(engine);
    struct face_opts o;
    face_opts_default(&o);
    o.want = FACE_WANT_LANDMARKS | FACE_WANT_DESCRIPTOR;
    int n = 0;
    CHECK(face_detect(ws, &s6, &o, s6f, 4, &n) == SHOP_OK && n == 4);
    return have_models = n == 4;
}

static struct image crop(const struct image *src, int x, int y, int w, int h)
{
    x = x < 0 ? 0 : x;
    y = y < 0 ? 0 : y;
    w = x + w > src->w ? src->w - x : w;
    h = y + h > src->h ? src->h - y : h;
    struct image c = {w, h, malloc((size_t)w * h * 3)};
    for (int r = 0; r < h; r++)
        memcpy(c.rgb + (size_t)r * w * 3, src->rgb + ((size_t)(y + r) * src->w + x) * 3,
               (size_t)w * 3);
    return c;
}

/* the face's box grown by `grow` of its size on each side */
static struct image face_crop(const struct face *f, double grow)
{
    return crop(&s6, (int)(f->box[0] - grow * f->box[2]), (int)(f->box[1] - grow * f->box[3]),
                (int)(f->box[2] * (1 + 2 * grow)), (int)(f->box[3] * (1 + 2 * grow)));
}

static void flip(struct image *img)
{
    for (int y = 0; y < img->h; y++)
        for (int x = 0; x < img->w / 2; x++) {
            uint8_t *a = img->rgb + ((size_t)y * img->w + x) * 3;
            uint8_t *b = img->rgb + ((size_t)y * img->w + img->w - 1 - x) * 3;
            for (int c = 0; c < 3; c++) {
                uint8_t t = a[c];
                a[c] = b[c];
                b[c] = t;
            }
        }
}

static struct image scale(const struct image *src, int w, int h)
{
    struct image d = {w, h, malloc((size_t)w * h * 3)};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            memcpy(d.rgb + ((size_t)y * w + x) * 3,
                   src->rgb + ((size_t)(y * src->h / h) * src->w + x * src->w / w) * 3, 3);
    return d;
}

static void blur(struct image *img, int radius, int passes)
{
    uint8_t *tmp = malloc((size_t)img->w * img->h * 3);
    for (int p = 0; p < passes; p++)
        for (int dir = 0; dir < 2; dir++) {
            memcpy(tmp, img->rgb, (size_t)img->w * img->h * 3);
            for (int y = 0; y < img->h; y++)
                for (int x = 0; x < img->w; x++)
                    for (int c = 0; c < 3; c++) {
                        int sum = 0, n = 0;
                        for (int k = -radius; k <= radius; k++) {
                            int xx = dir ? x : x + k, yy = dir ? y + k : y;
                            if (xx < 0 || yy < 0 || xx >= img->w || yy >= img->h)
                                continue;
                            sum += tmp[((size_t)yy * img->w + xx) * 3 + c];
                            n++;
                        }
                        img->rgb[((size_t)y * img->w + x) * 3 + c] = (uint8_t)(sum / n);
                    }
        }
    free(tmp);
}

static void brighten(struct image *img, double gain, int offset)
{
    for (size_t i = 0; i < (size_t)img->w * img->h * 3; i++) {
        double v = img->rgb[i] * gain + offset;
        img->rgb[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

static void gates_on_made_images(void)
{
    if (!setup())
        return;
    struct enrol_opts o;
    enrol_opts_default(&o);
    struct enrol_frame fr;
    /* s6f[1] looks straight (yaw ~0.08), s6f[3] is turned (yaw ~0.39) */
    struct image a = face_crop(&s6f[1], 0.6);
    CHECK(enrol_check(ws, &a, ENROL_STRAIGHT, &o, &fr) == SHOP_OK);
    CHECK(fr.gate == ENROL_OK && fr.faces == 1);
    CHECK(fr.sharpness > 100);
    CHECK(fabs(fr.yaw) < 0.15);
    CHECK(enrol_check(ws, &a, ENROL_LEFT, &o, &fr) == SHOP_OK && fr.gate == ENROL_WRONG_POSE);
    /* enrolment's own jitter: a frame that passes is described as face_detect describes it
     * with that many jittered copies; a frame that fails keeps login's descriptor */
    {
        struct enrol_opts oj = o;
        oj.jitter = 2;
        struct enrol_frame fj, fl;
        struct face_opts fo = o.face;
        fo.jitter = 2;
        fo.largest_only = 1;
        fo.want = FACE_WANT_LANDMARKS | FACE_WANT_DESCRIPTOR;
        struct face f;
        int n = 0;
        CHECK(face_detect(ws, &a, &fo, &f, 1, &n) == SHOP_OK && n == 1);
        CHECK(enrol_check(ws, &a, ENROL_STRAIGHT, &oj, &fj) == SHOP_OK && fj.gate == ENROL_OK);
        CHECK(memcmp(fj.face.descriptor, f.descriptor, sizeof(f.descriptor)) == 0);
        CHECK(face_distance(fj.face.descriptor, fr.face.descriptor) > 0);
        CHECK(enrol_check(ws, &a, ENROL_LEFT, &oj, &fl) == SHOP_OK);
        CHECK(memcmp(fl.face.descriptor, fr.face.descriptor, sizeof(f.descriptor)) == 0);
    }
    /* brightness changes keep it acceptable */
    brighten(&a, 0.8, 20);
    CHECK(enrol_check(ws, &a, ENROL_STRAIGHT, &o, &fr) == SHOP_OK && fr.gate == ENROL_OK);
    /* blurred: under the sharpness gate */
    blur(&a, 3, 2);
    CHECK(enrol_check(ws, &a, ENROL_STRAIGHT, &o, &fr) == SHOP_OK);
    CHECK(fr.gate == ENROL_BLURRY || fr.gate == ENROL_NO_FACE);
    CHECK(fr.faces == 0 || fr.sharpness < o.min_sharpness);
    free(a.rgb);
    /* small: a quarter-size crop */
    a = face_crop(&s6f[1], 0.6);
    struct image small = scale(&a, a.w / 3, a.h / 3);
    CHECK(enrol_check(ws, &small, ENROL_STRAIGHT, &o, &fr) == SHOP_OK);
    CHECK(fr.gate == ENROL_TOO_SMALL || fr.gate == ENROL_NO_FACE);
    free(small.rgb);
    /* two faces side by side */
    struct image b = face_crop(&s6f[0], 0.6);
    struct image two = {a.w + b.w, a.h > b.h ? a.h : b.h, NULL};
    two.rgb = calloc((size_t)two.w * two.h * 3, 1);
    for (int y = 0; y < a.h; y++)
        memcpy(two.rgb + (size_t)y * two.w * 3, a.rgb + (size_t)y * a.w * 3, (size_t)a.w * 3);
    for (int y = 0; y < b.h; y++)
        memcpy(two.rgb + ((size_t)y * two.w + a.w) * 3, b.rgb + (size_t)y * b.w * 3,
               (size_t)b.w * 3);
    CHECK(enrol_check(ws, &two, ENROL_FILE, &o, &fr) == SHOP_OK && fr.gate == ENROL_SEVERAL_FACES);
    free(two.rgb);
    free(b.rgb);
    free(a.rgb);
    /* no face: a plain grey picture */
    struct image grey = {320, 240, malloc(320 * 240 * 3)};
    memset(grey.rgb, 128, 320 * 240 * 3);
    CHECK(enrol_check(ws, &grey, ENROL_FILE, &o, &fr) == SHOP_OK && fr.gate == ENROL_NO_FACE);
    free(grey.rgb);
    /* pose: the turned face is "left" (nose to the image's right), its mirror "right" */
    struct image t = face_crop(&s6f[3], 0.6);
    CHECK(enrol_check(ws, &t, ENROL_LEFT, &o, &fr) == SHOP_OK && fr.gate == ENROL_OK);
    CHECK(fr.yaw > 0.15);
    CHECK(enrol_check(ws, &t, ENROL_RIGHT, &o, &fr) == SHOP_OK && fr.gate == ENROL_WRONG_POSE);
    flip(&t);
    CHECK(enrol_check(ws, &t, ENROL_RIGHT, &o, &fr) == SHOP_OK && fr.gate == ENROL_OK);
    CHECK(enrol_check(ws, &t, ENROL_STRAIGHT, &o, &fr) == SHOP_OK && fr.gate == ENROL_WRONG_POSE);
    free(t.rgb);
}

static void session_keeps_the_sharpest(void)
{
    struct enrol_opts o;
    enrol_opts_default(&o);
    o.keep = 2;
    struct enrol_session s;
    enrol_session_init(&s, &o);
    struct enrol_frame fr = {0};
    fr.gate = ENROL_OK;
    const double sharp[4] = {70, 150, 90, 200};
    for (int i = 0; i < 4; i++) {
        fr.sharpness = sharp[i];
        fr.face.descriptor[0] = (float)i;
        enrol_session_offer(&s, ENROL_STRAIGHT, &fr);
    }
    CHECK(s.n[ENROL_STRAIGHT] == 2);
    CHECK(s.kept[ENROL_STRAIGHT][0].quality == 200 && s.kept[ENROL_STRAIGHT][1].quality == 150);
    CHECK(s.kept[ENROL_STRAIGHT][0].descriptor[0] == 3);
    fr.gate = ENROL_BLURRY;
    CHECK(enrol_session_offer(&s, ENROL_LEFT, &fr) == 0);
    CHECK(!enrol_session_complete(&s));
    fr.gate = ENROL_OK;
    CHECK(enrol_session_offer(&s, ENROL_LEFT, &fr) == 1);
    CHECK(enrol_session_offer(&s, ENROL_RIGHT, &fr) == 1);
    CHECK(enrol_session_complete(&s));
    enrol_session_release(&s);
    CHECK(s.n[ENROL_STRAIGHT] == 0 && s.kept[ENROL_STRAIGHT][0].descriptor[0] == 0);
}

/* enrol the four women of sample6 from crops; identify mirrored, rescaled crops; strangers
 * from another photo are unknown; an erased customer is unknown */
static void enrol_then_identify(void)
{
    if (!setup())
        return;
    struct store *st = new_store("identify.db");
    struct gallery *g = gallery_new();
    int64_t ids[4];
    struct enrol_opts eo;
    enrol_opts_default(&eo);
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof(name), "Guest%d", i);
        ids[i] = add_customer(st, name, 1700000000);
        struct enrol_session s;
        enrol_session_init(&s, &eo);
        struct image c = face_crop(&s6f[i], 0.6);
        struct enrol_frame fr;
        CHECK(enrol_check(ws, &c, ENROL_FILE, &eo, &fr) == SHOP_OK && fr.gate == ENROL_OK);
        enrol_session_offer(&s, ENROL_FILE, &fr);
        int saved = 0;
        if (i == 0) /* no consent yet */
            CHECK(enrol_session_save(&s, st, g, ids[i], "test", 1700000000, &saved) ==
                  SHOP_ECONFLICT);
        CHECK(store_face_consent_set(st, ids[i], "v1", "test", 1700000000) == SHOP_OK);
        CHECK(enrol_session_save(&s, st, g, ids[i], "test", 1700000000, &saved) == SHOP_OK);
        CHECK(saved == 1);
        enrol_session_release(&s);
        free(c.rgb);
    }
    CHECK(gallery_size(g) == 4);
    /* two people in one enrolment, and a face that is already Guest0's: refused, nothing
     * stored, not even the consent */
    int64_t newcomer = add_customer(st, "Newcomer", 1700000000);
    struct enrol_session mix;
    enrol_session_init(&mix, &eo);
    for (int i = 0; i < 2; i++) {
        struct image c = face_crop(&s6f[i], 0.6);
        struct enrol_frame fr;
        CHECK(enrol_check(ws, &c, ENROL_FILE, &eo, &fr) == SHOP_OK && fr.gate == ENROL_OK);
        enrol_session_offer(&mix, ENROL_FILE, &fr);
        free(c.rgb);
    }
    struct enrol_result res;
    CHECK(enrol_register(&mix, st, g, newcomer, "v1", NULL, 0, "test", 1700000000, &res) ==
          SHOP_ECONFLICT);
    CHECK(res.spread >= ENROL_MAX_SPREAD && res.saved == 0 && strstr(shop_errmsg(), "one person"));
    enrol_session_release(&mix);
    struct enrol_session dup;
    enrol_session_init(&dup, &eo);
    struct image dc = face_crop(&s6f[0], 0.9);
    flip(&dc);
    struct enrol_frame dfr;
    CHECK(enrol_check(ws, &dc, ENROL_FILE, &eo, &dfr) == SHOP_OK && dfr.gate == ENROL_OK);
    enrol_session_offer(&dup, ENROL_FILE, &dfr);
    free(dc.rgb);
    CHECK(enrol_register(&dup, st, g, newcomer, "v1", NULL, 0, "test", 1700000000, &res) ==
          SHOP_ECONFLICT);
    CHECK(res.other_customer == ids[0] && res.other_distance < ENROL_DUPLICATE);
    /* the same face under its own customer is a re-registration, not a duplicate */
    CHECK(enrol_register(&dup, st, g, ids[0], NULL, NULL, 0, "test", 1700000000, &res) == SHOP_OK);
    CHECK(res.saved == 1 && gallery_size(g) == 4);
    enrol_session_release(&dup);
    CHECK(store_face_consent_get(st, newcomer, NULL, 0, NULL) == SHOP_ENOTFOUND);
    int64_t nt = -1, np = -1;
    CHECK(store_face_counts(st, newcomer, &nt, &np) == SHOP_OK && nt == 0 && np == 0);
    struct identify_opts io;
    identify_opts_default(&io);
    struct identify_result r;
    for (int i = 0; i < 4; i++) {
        /* another crop, mirrored and at 80 % size */
        struct image c = face_crop(&s6f[i], 0.9);
        flip(&c);
        struct image d = scale(&c, c.w * 4 / 5, c.h * 4 / 5);
        CHECK(identify_frame(ws, g, &d, &io, &r) == SHOP_OK);
        CHECK(r.verdict == IDENTIFY_MATCH && r.customer_id == ids[i]);
        CHECK(r.distance < 0.4 && r.second_distance > 0.6); /* measured 0.18 .. 0.37 */
        free(c.rgb);
        free(d.rgb);
    }
    /* the whole photo: the largest face is identified */
    CHECK(identify_frame(ws, g, &s6, &io, &r) == SHOP_OK && r.verdict == IDENTIFY_MATCH);
    /* sample1: three strangers */
    char path[512];
    snprintf(path, sizeof(path), "%s/samples/sample1.jpg", models());
    struct image s1;
    CHECK(image_load(path, IMAGE_DEFAULT_MAX_PIXELS, &s1) == SHOP_OK);
    CHECK(identify_frame(ws, g, &s1, &io, &r) == SHOP_OK);
    CHECK(r.verdict == IDENTIFY_UNKNOWN && r.customer_id == 0 && r.distance > io.threshold);
    image_release(&s1);
    /* a login from three frames in a row */
    struct identify_login login;
    identify_login_init(&login, IDENTIFY_CONFIRMATIONS);
    struct image c = face_crop(&s6f[2], 0.7);
    int64_t who = 0;
    for (int i = 0; i < 3; i++) {
        CHECK(identify_frame(ws, g, &c, &io, &r) == SHOP_OK);
        CHECK(who == 0);
        who = identify_login_feed(&login, r.customer_id);
    }
    CHECK(who == ids[2]);
    /* erased: unknown from now on, in this gallery and in one loaded again */
    struct store_face_erasure er;
    CHECK(privacy_forget(st, g, ids[2], "test", 1700000900, &er) == SHOP_OK && er.complete);
    CHECK(identify_frame(ws, g, &c, &io, &r) == SHOP_OK);
    CHECK(r.verdict == IDENTIFY_UNKNOWN && r.customer_id == 0);
    CHECK(gallery_load(g, st) == SHOP_OK && gallery_size(g) == 3);
    CHECK(identify_frame(ws, g, &c, &io, &r) == SHOP_OK && r.verdict == IDENTIFY_UNKNOWN);
    free(c.rgb);
    gallery_free(g);
    store_close(st);
}

/* the guidance shown at the mirror while enrolling, from the gate and the yaw */
static void hints_follow_gate_and_yaw(void)
{
    struct enrol_opts o;
    enrol_opts_default(&o);
    struct enrol_frame fr = {.gate = ENROL_OK};
    CHECK(strcmp(enrol_hint(ENROL_LEFT, &fr, &o), "ok") == 0);
    fr.gate = ENROL_NO_FACE;
    CHECK(strcmp(enrol_hint(ENROL_STRAIGHT, &fr, &o), "step_in") == 0);
    fr.gate = ENROL_SEVERAL_FACES;
    CHECK(strcmp(enrol_hint(ENROL_STRAIGHT, &fr, &o), "one_person") == 0);
    fr.gate = ENROL_TOO_SMALL;
    CHECK(strcmp(enrol_hint(ENROL_RIGHT, &fr, &o), "move_closer") == 0);
    fr.gate = ENROL_BLURRY;
    CHECK(strcmp(enrol_hint(ENROL_RIGHT, &fr, &o), "hold_still") == 0);
    fr.gate = ENROL_WRONG_POSE;
    fr.yaw = 0.3;
    CHECK(strcmp(enrol_hint(ENROL_STRAIGHT, &fr, &o), "look_straight") == 0);
    fr.yaw = 0.05; /* left wants +0.15 .. +0.7 */
    CHECK(strcmp(enrol_hint(ENROL_LEFT, &fr, &o), "turn_more") == 0);
    fr.yaw = 0.9;
    CHECK(strcmp(enrol_hint(ENROL_LEFT, &fr, &o), "turn_less") == 0);
    fr.yaw = -0.3;
    CHECK(strcmp(enrol_hint(ENROL_LEFT, &fr, &o), "turn_other_way") == 0);
    fr.yaw = -0.05;
    CHECK(strcmp(enrol_hint(ENROL_RIGHT, &fr, &o), "turn_more") == 0);
    fr.yaw = 0.3;
    CHECK(strcmp(enrol_hint(ENROL_RIGHT, &fr, &o), "turn_other_way") == 0);
}

static void teardown(void)
{
    face_ws_free(ws);
    face_engine_free(engine);
    image_release(&s6);
    ws = NULL;
    engine = NULL;
}

void test_identity(void)
{
    RUN(gallery_matches_a_naive_scan);
    RUN(gallery_is_thread_safe);
    RUN(gallery_mean_per_customer);
    RUN(login_needs_three_in_a_row);
    RUN(login_rules_on_frames);
    RUN(templates_need_consent);
    RUN(forget_leaves_no_template_bytes);
    RUN(consent_version_is_checked);
    RUN(purge_follows_the_last_visit);
    RUN(frustration_raises_an_alert);
    RUN(session_keeps_the_sharpest);
    RUN(hints_follow_gate_and_yaw);
    RUN(gates_on_made_images);
    RUN(enrol_then_identify);
    teardown();
}
