/* sim/sim_path.c - the floor plan and walking paths through it.
 *
 * The store is a 20 m × 14 m rectangle cut into seven rectangular zones. Every zone other
 * than the main aisle opens onto the aisle through a door on their shared edge, so a walk
 * between two zones goes stop -> door -> (along the aisle) -> door -> stop, and each leg
 * lies inside one convex zone: paths never cross a wall. Noise is clamped to the leg's zone.
 *
 *   y=14 +-------------------- back_wall --------------------+
 *   y=11 +-- fitting_rooms --+- main -+------ mirrors --------+
 *   y=6  +-- front_display --+ aisle  +-----------------------+ y=5
 *        |                   |        |------ checkout -------|
 *   y=0  +-------------------+entrance+-----------------------+
 *        x=0                 8       12                      20                       */
#include <math.h>

#include "sim/sim_int.h"

const struct store_zone sim_zones[NZONES] = {
    [Z_ENTRANCE] = {0, "entrance", 8, 0, 12, 2, 10, 2},
    [Z_FRONT] = {0, "front_display", 0, 0, 8, 6, 8, 4},
    [Z_AISLE] = {0, "main_aisle", 8, 2, 12, 11, 10, 6.5},
    [Z_BACK] = {0, "back_wall", 0, 11, 20, 14, 10, 11},
    [Z_FITTING] = {0, "fitting_rooms", 0, 6, 8, 11, 8, 8.5},
    [Z_MIRRORS] = {0, "mirrors", 12, 5, 20, 11, 12, 8},
    [Z_CHECKOUT] = {0, "checkout", 12, 0, 20, 5, 12, 3},
};

struct leg {
    double x0, y0, x1, y1;
    double t0, t1;
    int zone;
    double noise;
};

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

#define MAX_LEGS 256

static void add_leg(struct leg *legs, int *n, double x0, double y0, double x1, double y1,
                    double *t, double speed, double dwell, int zone)
{
    if (*n >= MAX_LEGS)
        return;
    double d = hypot(x1 - x0, y1 - y0);
    double dt = dwell > 0 ? dwell : d / speed;
    if (dt <= 0)
        return;
    legs[(*n)++] = (struct leg){x0, y0, x1, y1, *t, *t + dt, zone, dwell > 0 ? 0.3 : 0.15};
    *t += dt;
}

int64_t sim_walk(struct rng *r, const struct sim_stop *stops, int n, int64_t t0, double speed,
                 int64_t interval, int64_t *arrive,
                 int (*emit)(void *ctx, int64_t t, double x, double y), void *ctx, int *err)
{
    struct leg legs[MAX_LEGS];
    int nl = 0;
    double t = (double)t0;
    double x = stops[0].x, y = stops[0].y;
    int zone = stops[0].zone;
    for (int i = 0; i < n; i++) {
        const struct sim_stop *s = &stops[i];
        if (s->zone != zone) {
            /* out of the current zone through its door, along the aisle, in through the
             * next zone's door */
            const struct store_zone *a = &sim_zones[zone], *b = &sim_zones[s->zone];
            if (zone != Z_AISLE) {
                add_leg(legs, &nl, x, y, a->door_x, a->door_y, &t, speed, 0, zone);
                x = a->door_x;
                y = a->door_y;
            }
            double bx = s->zone == Z_AISLE ? s->x : b->door_x;
            double by = s->zone == Z_AISLE ? s->y : b->door_y;
            add_leg(legs, &nl, x, y, bx, by, &t, speed, 0, Z_AISLE);
            x = bx;
            y = by;
            zone = s->zone;
        }
        add_leg(legs, &nl, x, y, s->x, s->y, &t, speed, 0, zone);
        x = s->x;
        y = s->y;
        if (arrive)
            arrive[i] = (int64_t)t;
        add_leg(legs, &nl, x, y, x, y, &t, speed, s->dwell, zone);
    }
    int64_t end = (int64_t)ceil(t);
    if (!emit)
        return end;
    int li = 0;
    for (int64_t ts = t0; ts <= end && li < nl; ts += interval) {
        while (li < nl && (double)ts > legs[li].t1)
            li++;
        if (li >= nl)
            break;
        const struct leg *l = &legs[li];
        double f = l->t1 > l->t0 ? ((double)ts - l->t0) / (l->t1 - l->t0) : 0;
        f = clampd(f, 0, 1);
        const struct store_zone *z = &sim_zones[l->zone];
        double px = l->x0 + f * (l->x1 - l->x0) + l->noise * rng_normal(r);
        double py = l->y0 + f * (l->y1 - l->y0) + l->noise * rng_normal(r);
        px = clampd(px, z->x0, z->x1);
        py = clampd(py, z->y0, z->y1);
        int rc = emit(ctx, ts, px, py);
        if (rc != 0) {
            *err = rc;
            return end;
        }
    }
    return end;
}
