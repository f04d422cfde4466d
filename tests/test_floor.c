#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/floor.h"
#include "sim/sim.h"
#include "store/store.h"
#include "test.h"

static int zone(const struct floor_result *r, const char *name)
{
    for (size_t i = 0; i < r->nzones; i++)
        if (strcmp(r->zones[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void zones_match_the_sessions(void)
{
    char *path = test_tmp_path("floor.db");
    struct store *st;
    CHECK(store_open(path, STORE_CREATE | STORE_WRITE, &st) == SHOP_OK);
    struct sim_config c;
    sim_config_default(&c);
    c.customers = 50;
    c.days = 14;
    c.seed = 3;
    struct sim_report sr;
    CHECK(sim_run(st, &c, &sr) == SHOP_OK);
    struct floor_params p;
    floor_params_default(&p);
    struct floor_result r;
    CHECK(floor_heatmap(st, &p, &r) == SHOP_OK);
    CHECK(r.width == 20 && r.height == 14 && (int64_t)r.positions == sr.positions);
    CHECK(r.sessions == sr.sessions);
    CHECK(heatmap_rows(r.hm) == 56 && heatmap_cols(r.hm) == 80);
    CHECK(r.stats.outside == 0);
    /* every tracked session enters through the entrance and leaves by it */
    int ent = zone(&r, "entrance"), pay = zone(&r, "checkout"), fit = zone(&r, "fitting_rooms");
    CHECK(ent >= 0 && pay >= 0 && fit >= 0);
    CHECK(r.stats.sessions[ent] == sr.sessions);
    /* the checkout sees exactly the sessions that bought */
    CHECK(r.stats.sessions[pay] == sr.purchases);
    /* the fitting rooms the sessions with try-ons */
    CHECK(r.stats.sessions[fit] ==
          test_sql_num(path, "SELECT count(DISTINCT session_id) FROM tryons"));
    CHECK(r.stats.mean_dwell[fit] > 60);
    /* a zone's converted sessions: its visitors that bought; every buyer passed the
     * entrance and the checkout, the fitting rooms saw only some of them */
    for (size_t z = 0; z < r.nzones; z++)
        CHECK(r.converted[z] <= r.stats.sessions[z]);
    CHECK(r.converted[ent] == sr.purchases && r.converted[pay] == sr.purchases);
    CHECK(r.converted[fit] > 0 && r.converted[fit] < sr.purchases);
    /* the hottest cell is not in the empty part of the aisle: people stop at shelves */
    const double *v = heatmap_values(r.hm);
    size_t best = 0, n = (size_t)heatmap_rows(r.hm) * (size_t)heatmap_cols(r.hm);
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    double bx = ((double)(best % 80) + 0.5) * 0.25, by = ((double)(best / 80) + 0.5) * 0.25;
    CHECK(!(bx > 8.5 && bx < 11.5 && by > 3 && by < 10.5));
    floor_result_release(&r);

    /* one customer: a subset */
    p.customer_id = 1;
    CHECK(floor_heatmap(st, &p, &r) == SHOP_OK);
    CHECK(r.positions < (size_t)sr.positions);
    CHECK((double)r.positions ==
          test_sql_num(path, "SELECT count(*) FROM positions p JOIN sessions s ON "
                            "s.id = p.session_id WHERE s.customer_id = 1"));
    floor_result_release(&r);
    /* a window with nothing in it */
    p.customer_id = 0;
    p.from = 0;
    p.to = 1000;
    CHECK(floor_heatmap(st, &p, &r) == SHOP_OK);
    CHECK(r.positions == 0 && heatmap_max(r.hm) == 0);
    floor_result_release(&r);
    store_close(st);
    free(path);
}

static void no_floor_plan(void)
{
    char *path = test_tmp_path("nofloor.db");
    struct store *st;
    CHECK(store_open(path, STORE_CREATE, &st) == SHOP_OK);
    struct floor_params p;
    floor_params_default(&p);
    struct floor_result r;
    CHECK(floor_heatmap(st, &p, &r) == SHOP_ENOTFOUND);
    floor_result_release(&r);
    store_close(st);
    free(path);
}

/* the aggregated heatmap and the one from the rows: grid, zones, counts */
static void floor_agree(struct store *st, int64_t from, int64_t to, int64_t *positions)
{
    struct floor_params p;
    floor_params_default(&p);
    p.from = from;
    p.to = to;
    struct floor_result a, b;
    CHECK(floor_heatmap(st, &p, &a) == SHOP_OK);
    p.from_rows = 1;
    CHECK(floor_heatmap(st, &p, &b) == SHOP_OK);
    CHECK(a.positions == b.positions && a.sessions == b.sessions);
    CHECK(a.stats.outside == b.stats.outside);
    size_t n = (size_t)heatmap_rows(a.hm) * (size_t)heatmap_cols(a.hm);
    const double *va = heatmap_values(a.hm), *vb = heatmap_values(b.hm);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += fabs(va[i] - vb[i]) > 1e-9 * (1 + fabs(vb[i]));
    CHECK(bad == 0);
    int nz = a.stats.nzones;
    CHECK(nz == b.stats.nzones && nz > 0);
    for (int z = 0; z < nz && z < b.stats.nzones; z++) {
        CHECK(a.stats.visits[z] == b.stats.visits[z]);
        CHECK(a.stats.sessions[z] == b.stats.sessions[z]);
        CHECK_NEAR(a.stats.dwell[z], b.stats.dwell[z], 1e-6);
        CHECK_NEAR(a.stats.mean_dwell[z], b.stats.mean_dwell[z], 1e-9);
    }
    for (int i = 0; i < nz * nz && nz == b.stats.nzones; i++)
        CHECK(a.stats.transitions[i] == b.stats.transitions[i]);
    /* the zone conversions: whole days from the zone days, the ends from the buyers' paths */
    int64_t converted = 0;
    for (int z = 0; z < nz && z < b.stats.nzones; z++) {
        CHECK(a.converted[z] == b.converted[z]);
        converted += b.converted[z];
    }
    CHECK(converted > 0 || to - from < 86400);
    if (positions)
        *positions = (int64_t)a.positions;
    floor_result_release(&a);
    floor_result_release(&b);
}

static void floor_agree_on_ranges(struct store *st, int64_t first_day, int64_t *all)
{
    int64_t t0 = first_day * 86400;
    floor_agree(st, 0, INT64_MAX, all);
    floor_agree(st, t0 + 2 * 86400, t0 + 6 * 86400, NULL);
    floor_agree(st, t0 + 9 * 3600, t0 + 5 * 86400 + 13 * 3600, NULL);
    floor_agree(st, t0 + 86400 + 3600, t0 + 86400 + 7200 * 5, NULL);
}

static void aggregates_agree_with_the_positions(void)
{
    char *path;
    struct store *st = test_simulated_store("fagg.db", 60, 16, 10, 4, 0.5, &path);
    int64_t first = store_meta_int(st, "sim.first_day", -1);
    CHECK(test_sql_num(path, "SELECT count(*) FROM floor_days") > 5);
    CHECK(test_sql_num(path, "SELECT count(*) FROM heatmaps WHERE scope = 'day'") ==
          test_sql_num(path, "SELECT count(*) FROM floor_days"));
    int64_t before = 0, after = 0;
    floor_agree_on_ranges(st, first, &before);
    CHECK(before == test_sql_num(path, "SELECT count(*) FROM positions"));

    /* live positions: a new session walking in, and one more sample (earlier than its last:
     * out of order) of a simulated session of day 3 */
    int64_t day = first + 3;
    struct store_session s = {.customer_id = 1, .started_at = day * 86400 + 50000,
                              .ended_at = day * 86400 + 51000, .tracked = 1};
    CHECK(store_session_add(st, &s) == SHOP_OK);
    static const double xy[][2] = {{10, 0.5}, {10, 3}, {10, 6}, {3, 8}, {3.2, 8.1}, {17, 12}};
    for (int i = 0; i < 6; i++)
        CHECK(floor_position_add(st, s.id, s.started_at + 7 * i, xy[i][0], xy[i][1]) ==
              SHOP_OK);
    int64_t old = (int64_t)test_sql_num(
        path, "SELECT min(s.id) FROM sessions s JOIN positions p ON p.session_id = s.id WHERE "
              "s.started_at >= (SELECT value FROM meta WHERE key = 'sim.first_day') * 86400 + "
              "3 * 86400");
    int64_t t_mid = (int64_t)test_sql_num(
        path, "SELECT (min(t) + max(t)) / 2 FROM positions WHERE session_id = (SELECT min(s.id) "
              "FROM sessions s JOIN positions p ON p.session_id = s.id WHERE s.started_at >= "
              "(SELECT value FROM meta WHERE key = 'sim.first_day') * 86400 + 3 * 86400)");
    CHECK(old > 0);
    CHECK(floor_position_add(st, old, t_mid + 1, 5, 5) == SHOP_OK);
    CHECK(floor_position_add(st, 999999, 1, 5, 5) == SHOP_ENOTFOUND);
    floor_agree_on_ranges(st, first, &after);
    CHECK(after == before + 7);

    /* the new session buys: its zones convert (its day is recomputed when read), and a live
     * position after the purchase counts its new zone as converted at once */
    struct store_line line = {0};
    line.item_id = (int64_t)test_sql_num(path, "SELECT min(id) FROM items WHERE status = "
                                               "'in_stock' AND id NOT IN (SELECT item_id FROM "
                                               "purchase_lines)");
    line.product_id = (int64_t)test_sql_num(path, "SELECT product_id FROM items WHERE id = "
                                                  "(SELECT min(id) FROM items WHERE status = "
                                                  "'in_stock' AND id NOT IN (SELECT item_id FROM "
                                                  "purchase_lines))");
    line.list_cents = line.price_cents = 1000;
    int64_t pid;
    CHECK(line.item_id > 0 && store_purchase_add(st, s.id, 1, s.ended_at, &line, 1, &pid) ==
                                  SHOP_OK);
    CHECK(test_sql_num(path, "SELECT count(*) FROM floor_days WHERE stale = 1") == 1);
    floor_agree_on_ranges(st, first, NULL);
    CHECK(floor_position_add(st, s.id, s.started_at + 60, 1, 1) == SHOP_OK);
    CHECK(test_sql_num(path, "SELECT count(*) FROM floor_days WHERE stale = 1") == 0);
    floor_agree_on_ranges(st, first, NULL);

    /* a day marked stale is recomputed from its rows when read, and saved */
    CHECK(store_floor_day_stale(st, first + 2) == SHOP_OK);
    CHECK(test_sql_num(path, "SELECT count(*) FROM floor_days WHERE stale = 1") == 1);
    floor_agree_on_ranges(st, first, NULL);
    CHECK(test_sql_num(path, "SELECT count(*) FROM floor_days WHERE stale = 1") == 0);
    store_close(st);
    free(path);
}

void test_floor(void)
{
    RUN(zones_match_the_sessions);
    RUN(no_floor_plan);
    RUN(aggregates_agree_with_the_positions);
}
