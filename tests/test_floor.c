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

void test_floor(void)
{
    RUN(zones_match_the_sessions);
    RUN(no_floor_plan);
}
