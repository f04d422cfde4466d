/* analytics/heatmap.h - density grids of shopper positions over the floor plan, zone visit and
 * dwell statistics, and a rendering of the grid as an RGB image with a legend.
 *
 *     struct heatmap *hm;
 *     if (heatmap_new(plan_w, plan_h, 0.25, &hm) != SHOP_OK) ...;      // metres
 *     heatmap_add(hm, xs, ys, NULL, n);               // counts; or heatmap_add_tracks (dwell)
 *     heatmap_smooth(hm, 0.5);                         // Gaussian, sigma in metres
 *     heatmap_normalise(hm, HEATMAP_NORM_MAX);
 *     rows = heatmap_rows(hm); cols = heatmap_cols(hm); v = heatmap_values(hm);  // for JSON
 *     heatmap_render(hm, &opts, &rgb, &w, &h);  image_write_png(path, rgb, w, h);  free(rgb);
 *     heatmap_free(hm);
 *
 * Coordinates are the floor plan's: metres, origin at the front-left corner, x to the right,
 * y away from the front (zones.x0/y0 is a lower-left corner). The grid is row-major, row 0 at
 * y in [0, cell), column 0 at x in [0, cell); rows = ceil(height / cell), cols likewise. A
 * position belongs to the plan when 0 <= x <= width and 0 <= y <= height (the far edges go to
 * the last cell); anything else, NaN included, is IGNORED, not clipped to the border, and
 * counted by heatmap_dropped(): a tag seen outside the walls is noise, and piling it on the
 * border cells would invent a hot wall.
 *
 * Tracks: the zone statistics and the dwell-weighted grid take positions as parallel arrays
 * session[i], t[i], x[i], y[i] grouped by session and ordered by t inside a session (what
 * "ORDER BY session_id, t" returns). Sample i of a session stands for the time until the
 * session's next sample, capped at max_gap (<= 0: no cap) so that a tracking outage does not
 * become a long stay; the last sample of a session stands for 0.                             */
#ifndef SHOP_ANALYTICS_HEATMAP_H
#define SHOP_ANALYTICS_HEATMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define HEATMAP_MAX_CELLS (16 * 1024 * 1024)
#define HEATMAP_MAX_PIXELS (64 * 1024 * 1024)

struct heatmap;

/* An empty grid over a width x height metre plan with square cells of `cell` metres (0: the
 * default 0.25). SHOP_EINVAL for a size or cell that is not finite and positive, SHOP_ETOOBIG
 * past HEATMAP_MAX_CELLS. The caller frees *out with heatmap_free. */
SHOP_MUST_CHECK
int heatmap_new(double width, double height, double cell, struct heatmap **out);
void heatmap_free(struct heatmap *hm); /* NULL is a no-op */
/* all cells back to 0, the dropped count too */
void heatmap_clear(struct heatmap *hm);
/* adds scale * values cell by cell: values is a grid of this one's shape ([rows, cols]), e.g.
 * a stored daily aggregate */
void heatmap_accumulate(struct heatmap *hm, const double *values, double scale);

/* Adds n positions, each weighing w[i] (w NULL: 1, i.e. a count; a dwell grid of evenly
 * sampled positions passes the sampling interval as every weight). Returns how many landed in
 * the plan; the others are ignored (see above). Non-finite weights are ignored as well. */
size_t heatmap_add(struct heatmap *hm, const double *x, const double *y, const double *w, size_t n);
/* Dwell-weighted: adds each sample of the tracks weighted by the time it stands for (see the
 * top). SHOP_EINVAL (nothing added) when t goes backwards inside a session. *added (may be
 * NULL) gets the number of samples that landed in the plan. */
SHOP_MUST_CHECK
int heatmap_add_tracks(struct heatmap *hm, const int64_t *session, const double *t, const double *x,
                       const double *y, size_t n, double max_gap, size_t *added);

/* Gaussian blur with sd `sigma` metres, separable, the kernel truncated at 3 sigma and
 * normalised to 1: the mass is kept except what spreads past the plan's edges (the grid is
 * padded with zeros; the blur is symmetric). sigma <= 0, or below a sixth of a cell, does
 * nothing. */
void heatmap_smooth(struct heatmap *hm, double sigma);

enum heatmap_norm {
    HEATMAP_NORM_MAX = 0, /* the largest cell becomes 1 */
    HEATMAP_NORM_SUM = 1  /* the cells sum to 1 (a distribution over the floor) */
};
/* Scales the grid; an all-zero grid stays zero. */
void heatmap_normalise(struct heatmap *hm, enum heatmap_norm how);

int heatmap_rows(const struct heatmap *hm);
int heatmap_cols(const struct heatmap *hm);
double heatmap_cell(const struct heatmap *hm);
/* borrowed [rows, cols] row-major values, valid until heatmap_free */
const double *heatmap_values(const struct heatmap *hm);
double heatmap_value_at(const struct heatmap *hm, double x, double y); /* 0 outside */
double heatmap_max(const struct heatmap *hm);
double heatmap_sum(const struct heatmap *hm);
/* positions ignored by heatmap_add / heatmap_add_tracks since the last clear */
size_t heatmap_dropped(const struct heatmap *hm);

/* ---- zones -------------------------------------------------------------------------------- */

/* A zone rectangle in metres (corners in either order) and its name (borrowed, may be NULL). A
 * position is in the first zone of the array that contains it, edges included. */
struct heatmap_zone {
    double x0, y0, x1, y1;
    const char *name;
};

/* Per-zone results over tracks, arrays owned by the struct (heatmap_zone_stats_release).
 * A visit is an entry: a session's sample in zone z whose previous sample (if any) was not in
 * z; leaving to the aisle and coming back makes a second visit. A transition a -> b counts a
 * session's visit to b whose previous visit, with only aisle samples between, was to a != b. */
struct heatmap_zone_stats {
    int nzones;
    int64_t *visits;      /* [nzones] */
    int64_t *sessions;    /* [nzones] distinct sessions that visited */
    double *dwell;        /* [nzones] total time in the zone */
    double *mean_dwell;   /* [nzones] dwell / visits, 0 without visits */
    int64_t *transitions; /* [nzones * nzones], [from * nzones + to], diagonal 0 */
    size_t outside;       /* samples in no zone */
};

/* Computes the statistics of the tracks (see the top) over nzones zones into *out, which the
 * caller releases with heatmap_zone_stats_release (also after an error). SHOP_EINVAL for
 * nzones < 1, a zone with a non-finite corner, or t going backwards inside a session. */
SHOP_MUST_CHECK
int heatmap_zone_stats(const struct heatmap_zone *zones, int nzones, const int64_t *session,
                       const double *t, const double *x, const double *y, size_t n, double max_gap,
                       struct heatmap_zone_stats *out);
void heatmap_zone_stats_release(struct heatmap_zone_stats *st);

/* ---- rendering ---------------------------------------------------------------------------- */

enum heatmap_ramp {
    HEATMAP_RAMP_INFERNO = 0, /* black - purple - orange - pale yellow (matplotlib's) */
    HEATMAP_RAMP_VIRIDIS = 1  /* purple - teal - yellow */
};

/* the ramp's colour at t in [0, 1] (clamped) */
void heatmap_ramp_rgb(enum heatmap_ramp ramp, double t, unsigned char rgb[3]);

struct heatmap_render_opts {
    int px_per_cell;                  /* 0: about 800 pixels across the plan's long side */
    enum heatmap_ramp ramp;           /* default inferno */
    double gamma;                     /* colour = ramp((v / max)^gamma); 0 means 1 (linear) */
    double vmax;                      /* the value at the top of the scale; 0: the grid max */
    const struct heatmap_zone *zones; /* outlined and labelled; may be NULL */
    int nzones;
    const char *title; /* drawn above the plan; NULL: none */
    const char *unit;  /* appended to the legend's numbers, e.g. "s"; NULL */
};

/* Renders the grid: the plan with y up, each cell a px_per_cell square coloured by the ramp,
 * the plan's border and the zones outlined in light grey with their names in a 5x7 pixel font
 * (upper case; cut to the zone's width), and a legend bar on the right from 0 (bottom) to vmax
 * (top) with three labelled ticks, on a dark background. *rgb gets w * h * 3 bytes, rows top
 * to bottom, for the caller to free(). opts may be NULL (all defaults). SHOP_ETOOBIG past
 * HEATMAP_MAX_PIXELS, SHOP_EINVAL for a negative px_per_cell or gamma. */
SHOP_MUST_CHECK
int heatmap_render(const struct heatmap *hm, const struct heatmap_render_opts *opts,
                   unsigned char **rgb, int *w, int *h);

#endif
