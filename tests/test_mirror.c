/* tests/test_mirror.c - one mirror's face state without images: the login rule on
 * identify results, emotions only from the customer's own face, the idle logout, time
 * going back, and the enrolment rules (only the customer logged in, with consent). */
#include <math.h>
#include <string.h>

#include "identity/gallery.h"
#include "identity/mirror.h"
#include "test.h"

/* an identify result: verdict, the customer matched, expressions (frustrated or not) */
static struct identify_result res(enum identify_verdict v, int64_t id, int frustrated)
{
    struct identify_result r;
    memset(&r, 0, sizeof(r));
    r.verdict = v;
    r.customer_id = v == IDENTIFY_MATCH ? id : 0;
    r.distance = INFINITY;
    if (v != IDENTIFY_NO_FACE) {
        r.face.box[2] = r.face.box[3] = 200;
        r.face.have = FACE_WANT_LANDMARKS | FACE_WANT_DESCRIPTOR | FACE_WANT_EXPRESSIONS;
        r.face.expressions[0] = frustrated ? 0.2f : 1.0f;
        r.face.expressions[3] = frustrated ? 0.8f : 0.0f; /* angry */
    }
    return r;
}

/* a frame whose main face has the descriptor (x, y, 0, ...), identified against g */
static struct identify_result seen(struct gallery *g, float x, float y)
{
    struct identify_result r = res(IDENTIFY_UNKNOWN, 0, 0);
    r.face.descriptor[0] = x;
    r.face.descriptor[1] = y;
    struct identify_opts o;
    identify_opts_default(&o);
    identify_descriptor(g, r.face.descriptor, &o, &r);
    return r;
}

static void login_after_three_frames_in_a_row(void)
{
    /* customer 7 at 0, customer 8 at 2 on axis 0; the rule: the mean of 3 frames in a row */
    struct gallery *g = gallery_new();
    float rows[2][128] = {{0}};
    rows[1][0] = 2;
    int64_t ids[2] = {7, 8};
    gallery_add(g, ids, &rows[0][0], 2);
    struct mirror *m = mirror_new(NULL);
    struct mirror_step s;
    struct identify_result a = seen(g, 0.05f, 0), b = seen(g, 1.95f, 0);
    struct identify_result unk = seen(g, 0, 1.5f), none = res(IDENTIFY_NO_FACE, 0, 0);
    CHECK(a.verdict == IDENTIFY_MATCH && b.verdict == IDENTIFY_MATCH && unk.customer_id == 0);
    CHECK(mirror_feed(m, 1.0, &a, 1, &s) == SHOP_OK && s.login == 0);
    CHECK(mirror_feed(m, 1.1, &a, 1, &s) == SHOP_OK && s.login == 0);
    CHECK(mirror_feed(m, 1.2, &none, 0, &s) == SHOP_OK && s.login == 0); /* starts over */
    CHECK(mirror_feed(m, 1.3, &a, 1, &s) == SHOP_OK && s.login == 0);
    CHECK(mirror_feed(m, 1.4, &b, 1, &s) == SHOP_OK && s.login == 0); /* another person */
    /* windows (a, b, a) and (b, a, a): their mean is 0.68 from customer 7 - nobody */
    CHECK(mirror_feed(m, 1.5, &a, 1, &s) == SHOP_OK && s.login == 0);
    CHECK(mirror_feed(m, 1.6, &a, 1, &s) == SHOP_OK && s.login == 0);
    CHECK(mirror_feed(m, 1.7, &a, 1, &s) == SHOP_OK && s.login == 7);
    CHECK(mirror_customer(m) == 0); /* the caller confirms with mirror_login */
    mirror_login(m, 7, 1.7);
    CHECK(mirror_customer(m) == 7);
    for (int i = 0; i < 5; i++)
        CHECK(mirror_feed(m, 2.0 + i * 0.1, &b, 1, &s) == SHOP_OK && s.login == 0);
    mirror_logout(m);
    CHECK(mirror_customer(m) == 0);
    /* an unknown face in the window: (a, a, unk) is 0.5 from customer 7 - nobody */
    CHECK(mirror_feed(m, 3.0, &a, 1, &s) == SHOP_OK && s.login == 0);
    CHECK(mirror_feed(m, 3.1, &a, 1, &s) == SHOP_OK && s.login == 0);
    CHECK(mirror_feed(m, 3.2, &unk, 1, &s) == SHOP_OK && s.login == 0);
    /* a frame not identified against a gallery (as a test's made-up result) never counts */
    struct identify_result lone = a;
    lone.gallery = NULL;
    for (int i = 0; i < 4; i++)
        CHECK(mirror_feed(m, 3.3 + i * 0.1, i == 2 ? &lone : &a, 1, &s) == SHOP_OK &&
              s.login == 0);
    CHECK(mirror_feed(m, 3.7, &a, 1, &s) == SHOP_OK && s.login == 0);
    CHECK(mirror_feed(m, 3.8, &a, 1, &s) == SHOP_OK && s.login == 7);
    mirror_free(m);
    gallery_free(g);
}

static void emotions_only_from_the_customers_face(void)
{
    struct mirror *m = mirror_new(NULL);
    struct mirror_step s;
    mirror_login(m, 7, 0);
    struct identify_result mine = res(IDENTIFY_MATCH, 7, 1), other = res(IDENTIFY_MATCH, 8, 1);
    struct identify_result unk = res(IDENTIFY_UNKNOWN, 0, 1);
    /* someone else's face, or an unknown main face among several: not fed */
    CHECK(mirror_feed(m, 1.0, &other, 1, &s) == SHOP_OK && !s.emotions);
    CHECK(mirror_feed(m, 1.1, &unk, 2, &s) == SHOP_OK && !s.emotions);
    /* the customer's own face (even with others around), or an unknown single face (a PIN
     * login without templates): fed; frustration fires on the 4th frame in a row */
    int fired_at = 0;
    for (int i = 1; i <= 6 && !fired_at; i++) {
        struct identify_result *r = i % 2 ? &mine : &unk;
        CHECK(mirror_feed(m, 1.0 + i * 0.2, r, r == &mine ? 2 : 1, &s) == SHOP_OK);
        CHECK(s.emotions);
        if (s.npeaks && s.peaks[0].group == EMOTION_FRUSTRATION)
            fired_at = i;
    }
    CHECK(fired_at == 4);
    mirror_free(m);
}

static void idle_logout_and_time_going_back(void)
{
    struct mirror_opts o;
    mirror_opts_default(&o);
    CHECK(o.idle_logout == MIRROR_IDLE_LOGOUT && o.confirmations == IDENTIFY_CONFIRMATIONS);
    /* the login rule is identify's, the one `shopper eval faces` measures by default */
    CHECK(o.login.average == IDENTIFY_AVERAGE && o.login.mean_template == IDENTIFY_MEAN_TEMPLATE &&
          o.login.threshold == IDENTIFY_THRESHOLD && o.login.margin == IDENTIFY_MARGIN);
    o.idle_logout = 5;
    CHECK(mirror_opts_check(&o) == SHOP_OK);
    struct mirror *m = mirror_new(&o);
    struct mirror_step s;
    struct identify_result none = res(IDENTIFY_NO_FACE, 0, 0), mine = res(IDENTIFY_MATCH, 7, 0);
    CHECK(mirror_feed(m, 100, &none, 0, &s) == SHOP_OK && !s.logout); /* nobody: nothing */
    mirror_login(m, 7, 100);
    CHECK(mirror_feed(m, 103, &none, 0, &s) == SHOP_OK && !s.logout);
    CHECK(mirror_feed(m, 104, &mine, 1, &s) == SHOP_OK && !s.logout); /* back: clock reset */
    CHECK(mirror_feed(m, 108.9, &none, 0, &s) == SHOP_OK && !s.logout);
    CHECK(!mirror_idle(m, 108.9) && mirror_idle(m, 109));
    mirror_present(m, 103); /* older than the last face (104): no change */
    CHECK(mirror_idle(m, 109));
    mirror_present(m, 106); /* a face in an enrolment frame: the clock starts again */
    CHECK(!mirror_idle(m, 110.9) && mirror_idle(m, 111));
    CHECK(mirror_feed(m, 111, &none, 0, &s) == SHOP_OK && s.logout);
    /* late frames: a little back is clamped, more is an error */
    CHECK(mirror_feed(m, 110.5, &none, 0, &s) == SHOP_OK);
    CHECK(mirror_feed(m, 100, &none, 0, &s) == SHOP_EINVAL);
    CHECK(mirror_feed(m, NAN, &none, 0, &s) == SHOP_EINVAL);
    o.idle_logout = 0;
    CHECK(mirror_opts_check(&o) == SHOP_EINVAL);
    o.idle_logout = 5;
    o.confirmations = 0;
    CHECK(mirror_opts_check(&o) == SHOP_EINVAL);
    mirror_free(m);
}

static void enrolment_only_for_the_customer_logged_in_with_consent(void)
{
    struct store *st = test_simulated_store("mirror", 4, 4, 1, 3, 0, NULL);
    CHECK(st != NULL);
    if (!st)
        return;
    struct mirror *m = mirror_new(NULL);
    CHECK(mirror_enrol_start(m, st, 1) == SHOP_EPERM); /* nobody logged in */
    mirror_login(m, 1, 0);
    CHECK(mirror_enrol_start(m, st, 2) == SHOP_EPERM);     /* somebody else's face */
    CHECK(mirror_enrol_start(m, st, 1) == SHOP_ECONFLICT); /* no consent */
    CHECK(store_face_consent_set(st, 1, "v1", "test", 0) == SHOP_OK);
    CHECK(mirror_enrol_start(m, st, 1) == SHOP_OK);
    CHECK(mirror_enrol_customer(m) == 1);
    struct enrol_frame fr;
    memset(&fr, 0, sizeof(fr));
    fr.gate = ENROL_OK;
    fr.sharpness = 100;
    fr.face.descriptor[0] = 0.5f;
    struct mirror_enrol_progress p;
    CHECK(mirror_enrol_offer(m, ENROL_FILE, &fr, &p) == SHOP_EINVAL);
    CHECK(mirror_enrol_offer(m, ENROL_STRAIGHT, &fr, &p) == SHOP_OK && p.accepted && p.kept);
    CHECK(p.n[ENROL_STRAIGHT] == 1 && !p.complete);
    fr.gate = ENROL_WRONG_POSE;
    CHECK(mirror_enrol_offer(m, ENROL_LEFT, &fr, &p) == SHOP_OK && !p.accepted && !p.kept);
    int saved = -1;
    CHECK(mirror_enrol_finish(m, st, NULL, "m1", 0, &saved) == SHOP_ECONFLICT); /* incomplete */
    CHECK(mirror_enrol_customer(m) == 1); /* goes on */
    /* a login of somebody else cancels it */
    mirror_login(m, 2, 1);
    CHECK(mirror_enrol_customer(m) == 0);
    CHECK(mirror_enrol_offer(m, ENROL_LEFT, &fr, &p) == SHOP_ECONFLICT);
    CHECK(mirror_enrol_finish(m, st, NULL, "m1", 0, &saved) == SHOP_ECONFLICT);
    mirror_free(m);
    store_close(st);
}

void test_mirror(void)
{
    RUN(login_after_three_frames_in_a_row);
    RUN(emotions_only_from_the_customers_face);
    RUN(idle_logout_and_time_going_back);
    RUN(enrolment_only_for_the_customer_logged_in_with_consent);
}
