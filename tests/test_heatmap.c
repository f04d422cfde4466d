#include <stdlib.h>
#include <string.h>

#include "analytics/heatmap.h"
#include "core/log.h"
#include "test.h"

static struct heatmap *grid(double w, double h, double cell)
{
    struct heatmap *hm = NULL;
    CHECK(heatmap_new(w, h, cell, &hm) == SHOP_OK);
    return hm;
}

static void points_land_in_their_cells(void)
{
    struct heatmap *hm = grid(10, 5, 0.5); /* 20 cols x 10 rows */
    CHECK(heatmap_rows(hm) == 10 && heatmap_cols(hm) == 20);
    CHECK_NEAR(heatmap_cell(hm), 0.5, 0);
    const double x[] = {0.0, 0.49, 0.5, 9.99, 10.0, 3.2, 3.3};
    const double y[] = {0.0, 0.49, 0.0, 4.99, 5.0, 1.7, 1.6};
    CHECK(heatmap_add(hm, x, y, NULL, 7) == 7);
    const double *v = heatmap_values(hm);
    CHECK(v[0] == 2);           /* (0,0) and (0.49,0.49) */
    CHECK(v[1] == 1);           /* (0.5, 0) starts column 1 */
    CHECK(v[9 * 20 + 19] == 2); /* (9.99,4.99) and the far corner (10,5), the last cell */
    CHECK(v[3 * 20 + 6] == 2);  /* (3.2,1.7) and (3.3,1.6): column 6, row 3 */
    CHECK(heatmap_value_at(hm, 3.25, 1.75) == 2);
    CHECK(heatmap_sum(hm) == 7 && heatmap_max(hm) == 2 && heatmap_dropped(hm) == 0);
    /* weights */
    const double w[] = {2.5};
    CHECK(heatmap_add(hm, x + 1, y + 1, w, 1) == 1);
    CHECK(v[0] == 4.5);
    heatmap_clear(hm);
    CHECK(heatmap_sum(hm) == 0);
    heatmap_free(hm);

    /* a plan that is not a multiple of the cell: 1.1 m in 0.25 m cells = 5 columns */
    hm = grid(1.1, 1, 0);
    CHECK(heatmap_cols(hm) == 5 && heatmap_rows(hm) == 4);
    const double xe[] = {1.1}, ye[] = {1.0};
    CHECK(heatmap_add(hm, xe, ye, NULL, 1) == 1);
    CHECK(heatmap_values(hm)[3 * 5 + 4] == 1);
    heatmap_free(hm);
}

static void out_of_plan_points_are_ignored(void)
{
    struct heatmap *hm = grid(4, 4, 1);
    const double x[] = {-0.01, 4.01, 2, 2, NAN, 2, 1e300, 2};
    const double y[] = {2, 2, -3, 4.5, 2, NAN, 2, 2};
    CHECK(heatmap_add(hm, x, y, NULL, 8) == 1);
    CHECK(heatmap_dropped(hm) == 7);
    CHECK(heatmap_sum(hm) == 1); /* nothing piled on the border cells */
    CHECK(heatmap_values(hm)[2 * 4 + 2] == 1);
    const double w[] = {INFINITY};
    CHECK(heatmap_add(hm, x + 7, y + 7, w, 1) == 0);
    CHECK(heatmap_sum(hm) == 1);
    heatmap_free(hm);
}

static void smoothing_keeps_mass_and_symmetry(void)
{
    struct heatmap *hm = grid(20, 20, 0.25); /* 80 x 80 */
    const double x[] = {10.1}, y[] = {10.1};
    CHECK(heatmap_add(hm, x, y, NULL, 1) == 1);
    heatmap_smooth(hm, 0.5); /* 2 cells; radius 6 cells, far from every edge */
    CHECK_NEAR(heatmap_sum(hm), 1.0, 1e-12);
    const double *v = heatmap_values(hm);
    int cr = 40, cc = 40, sym = 1;
    for (int d = 1; d <= 6; d++) {
        double e = v[cr * 80 + cc + d], wv = v[cr * 80 + cc - d];
        double n = v[(cr + d) * 80 + cc], s = v[(cr - d) * 80 + cc];
        sym &= fabs(e - wv) < 1e-15 && fabs(n - s) < 1e-15 && fabs(e - n) < 1e-15;
        sym &= v[(cr + d) * 80 + cc + d] == v[(cr - d) * 80 + cc - d];
    }
    CHECK(sym);
    CHECK(heatmap_max(hm) == v[cr * 80 + cc]); /* the peak stays where the mass was */
    CHECK(v[cr * 80 + cc + 7] == 0);           /* truncated at 3 sigma */
    /* near a corner mass leaks out of the plan (zero padding), never in */
    heatmap_clear(hm);
    const double xc[] = {0.1}, yc[] = {0.1};
    CHECK(heatmap_add(hm, xc, yc, NULL, 1) == 1);
    heatmap_smooth(hm, 0.5);
    CHECK(heatmap_sum(hm) < 0.5 && heatmap_sum(hm) > 0.1);
    /* sigma 0: nothing */
    heatmap_clear(hm);
    CHECK(heatmap_add(hm, x, y, NULL, 1) == 1);
    heatmap_smooth(hm, 0);
    CHECK(heatmap_max(hm) == 1 && heatmap_sum(hm) == 1);
    /* normalisation */
    const double x2[] = {1, 1, 1, 5}, y2[] = {1, 1, 1, 5};
    CHECK(heatmap_add(hm, x2, y2, NULL, 4) == 4);
    heatmap_normalise(hm, HEATMAP_NORM_MAX);
    CHECK(heatmap_max(hm) == 1.0);
    CHECK(heatmap_value_at(hm, 5, 5) == 1.0 / 3.0);
    heatmap_normalise(hm, HEATMAP_NORM_SUM);
    CHECK_NEAR(heatmap_sum(hm), 1.0, 1e-12);
    CHECK_NEAR(heatmap_value_at(hm, 1, 1), 3.0 / 5.0, 1e-12);
    heatmap_free(hm);
}

/* Two zones side by side, an aisle between them:
 *   A = [0,2]x[0,2]   aisle x in (2,4)   B = [4,6]x[0,2]
 * session 1 (1 s samples): A A A aisle B B aisle A   -> A 2 visits, B 1 visit, A->B, B->A
 * session 2: B B (gap of 100 s) B                     -> B 1 visit, dwell capped at 10 s
 * session 3: aisle only                                -> nothing */
static void zone_visits_dwell_transitions(void)
{
    const struct heatmap_zone zones[] = {{0, 0, 2, 2, "A"}, {6, 2, 4, 0, "B"}}; /* B reversed */
    const int64_t s[] = {1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3};
    const double t[] = {0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 111, 0, 1};
    const double x[] = {1, 1, 1, 3, 5, 5, 3, 1, 5, 5, 5, 3, 3};
    const double y[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    struct heatmap_zone_stats st;
    CHECK(heatmap_zone_stats(zones, 2, s, t, x, y, 13, 10, &st) == SHOP_OK);
    CHECK(st.nzones == 2);
    CHECK(st.visits[0] == 2 && st.visits[1] == 2);
    CHECK(st.sessions[0] == 1 && st.sessions[1] == 2);
    /* A: 3 s + the last sample of session 1 (0 s); B: 2 s + (1 s + 10 s capped + 0 s) */
    CHECK_NEAR(st.dwell[0], 3, 1e-12);
    CHECK_NEAR(st.dwell[1], 13, 1e-12);
    CHECK_NEAR(st.mean_dwell[0], 1.5, 1e-12);
    CHECK_NEAR(st.mean_dwell[1], 6.5, 1e-12);
    CHECK(st.transitions[0 * 2 + 1] == 1 && st.transitions[1 * 2 + 0] == 1);
    CHECK(st.transitions[0] == 0 && st.transitions[3] == 0);
    CHECK(st.outside == 4);
    heatmap_zone_stats_release(&st);

    /* the dwell-weighted grid uses the same intervals */
    struct heatmap *hm = grid(6, 2, 1);
    size_t added = 0;
    CHECK(heatmap_add_tracks(hm, s, t, x, y, 13, 10, &added) == SHOP_OK);
    CHECK(added == 13);
    CHECK_NEAR(heatmap_value_at(hm, 1, 1), 3, 1e-12);
    CHECK_NEAR(heatmap_value_at(hm, 5, 1), 13, 1e-12);
    CHECK_NEAR(heatmap_sum(hm), 3 + 13 + 2 + 1, 1e-12); /* + aisle: 2 s (session 1), 1 s (3) */

    /* time going backwards is refused */
    int level = log_level_current;
    log_set_level(LOG_OFF);
    const double tb[] = {0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 5, 0, 1};
    CHECK(heatmap_zone_stats(zones, 2, s, tb, x, y, 13, 10, &st) == SHOP_EINVAL);
    heatmap_zone_stats_release(&st);
    CHECK(heatmap_add_tracks(hm, s, tb, x, y, 13, 10, &added) == SHOP_EINVAL && added == 0);
    CHECK(heatmap_zone_stats(zones, 0, s, t, x, y, 13, 10, &st) == SHOP_EINVAL);
    heatmap_zone_stats_release(&st);
    log_set_level(level);
    heatmap_free(hm);
}

static const unsigned char *px(const unsigned char *rgb, int w, int x, int y)
{
    return rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
}

static void render_has_legend_and_hot_spot(void)
{
    struct heatmap *hm = grid(8, 4, 0.5); /* 16 x 8 cells */
    const double x[] = {6.2, 6.2, 6.2, 1.0}, y[] = {3.2, 3.2, 3.2, 1.0};
    CHECK(heatmap_add(hm, x, y, NULL, 4) == 4);
    const struct heatmap_zone zones[] = {{0, 0, 3, 2, "fitting rooms"}};
    struct heatmap_render_opts o = {
        .px_per_cell = 10, .zones = zones, .nzones = 1, .title = "store", .unit = "visits"};
    unsigned char *rgb;
    int w, h;
    CHECK(heatmap_render(hm, &o, &rgb, &w, &h) == SHOP_OK);
    CHECK(w > 160 && h >= 80);
    unsigned char hot[3], cold[3], mid[3];
    heatmap_ramp_rgb(HEATMAP_RAMP_INFERNO, 1, hot);
    heatmap_ramp_rgb(HEATMAP_RAMP_INFERNO, 0, cold);
    heatmap_ramp_rgb(HEATMAP_RAMP_INFERNO, 1.0 / 3.0, mid);
    /* plan origin: margin 10, title 15 px; cell (col 12, row 6) is 10 px, y flipped */
    int px0 = 10, py0 = 10 + 15, ph = 80;
    const unsigned char *p = px(rgb, w, px0 + 12 * 10 + 5, py0 + ph - 6 * 10 - 5);
    CHECK(memcmp(p, hot, 3) == 0);
    p = px(rgb, w, px0 + 2 * 10 + 5, py0 + ph - 2 * 10 - 5); /* the single sample, 1/3 */
    CHECK(memcmp(p, mid, 3) == 0);
    p = px(rgb, w, px0 + 15 * 10 + 5, py0 + ph - 0 * 10 - 5); /* empty cell */
    CHECK(memcmp(p, cold, 3) == 0);
    /* legend bar right of the plan: hot at the top, cold at the bottom */
    int bx = px0 + 160 + 14 + 8, body = 120;
    CHECK(memcmp(px(rgb, w, bx, py0), hot, 3) == 0);
    CHECK(memcmp(px(rgb, w, bx, py0 + body - 1), cold, 3) == 0);
    /* the legend has labels: light text pixels right of the bar */
    int ink = 0;
    for (int yy = py0; yy < py0 + body; yy++)
        for (int xx = bx + 8 + 5; xx < w; xx++)
            ink += px(rgb, w, xx, yy)[0] == 235;
    CHECK(ink > 50);
    /* the zone is outlined: its top edge at y = 2 m */
    const unsigned char *edge = px(rgb, w, px0 + 15, py0 + ph - 40);
    CHECK(edge[0] == 190 && edge[1] == 190 && edge[2] == 190);
    free(rgb);

    /* defaults, an empty grid, bad options */
    heatmap_clear(hm);
    CHECK(heatmap_render(hm, NULL, &rgb, &w, &h) == SHOP_OK);
    CHECK(w > 800 && rgb != NULL);
    free(rgb);
    int level = log_level_current;
    log_set_level(LOG_OFF);
    o.px_per_cell = -1;
    CHECK(heatmap_render(hm, &o, &rgb, &w, &h) == SHOP_EINVAL && rgb == NULL);
    o.px_per_cell = 100000;
    CHECK(heatmap_render(hm, &o, &rgb, &w, &h) == SHOP_ETOOBIG && rgb == NULL);
    log_set_level(level);
    heatmap_free(hm);
}

static void bad_plans(void)
{
    int level = log_level_current;
    log_set_level(LOG_OFF);
    struct heatmap *hm = (struct heatmap *)1;
    CHECK(heatmap_new(0, 5, 0.25, &hm) == SHOP_EINVAL && hm == NULL);
    CHECK(heatmap_new(5, -1, 0.25, &hm) == SHOP_EINVAL);
    CHECK(heatmap_new(5, 5, -0.1, &hm) == SHOP_EINVAL);
    CHECK(heatmap_new(NAN, 5, 0.25, &hm) == SHOP_EINVAL);
    CHECK(heatmap_new(1e6, 1e6, 0.01, &hm) == SHOP_ETOOBIG);
    log_set_level(level);
    heatmap_free(NULL);
}

void test_heatmap(void)
{
    RUN(points_land_in_their_cells);
    RUN(out_of_plan_points_are_ignored);
    RUN(smoothing_keeps_mass_and_symmetry);
    RUN(zone_visits_dwell_transitions);
    RUN(render_has_legend_and_hot_spot);
    RUN(bad_plans);
}
