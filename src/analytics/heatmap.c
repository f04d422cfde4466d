/* analytics/heatmap.c - see heatmap.h */
#include "analytics/heatmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"

struct heatmap {
    double width, height, cell, inv_cell;
    int rows, cols;
    double *v; /* [rows, cols] */
    size_t dropped;
};

int heatmap_new(double width, double height, double cell, struct heatmap **out)
{
    *out = NULL;
    if (cell == 0)
        cell = 0.25;
    if (!isfinite(width) || !isfinite(height) || !isfinite(cell) || width <= 0 || height <= 0 ||
        cell <= 0) {
        log_error("heatmap: bad plan %gx%g m or cell %g m", width, height, cell);
        return SHOP_EINVAL;
    }
    double rows = ceil(height / cell), cols = ceil(width / cell);
    if (rows * cols > HEATMAP_MAX_CELLS) {
        log_error("heatmap: %gx%g m in %g m cells is too many cells", width, height, cell);
        return SHOP_ETOOBIG;
    }
    struct heatmap *hm = xcalloc(1, sizeof(*hm));
    hm->width = width;
    hm->height = height;
    hm->cell = cell;
    hm->inv_cell = 1.0 / cell;
    hm->rows = (int)rows;
    hm->cols = (int)cols;
    hm->v = xcalloc((size_t)hm->rows * (size_t)hm->cols, sizeof(double));
    *out = hm;
    return SHOP_OK;
}

void heatmap_free(struct heatmap *hm)
{
    if (!hm)
        return;
    free(hm->v);
    free(hm);
}

void heatmap_clear(struct heatmap *hm)
{
    memset(hm->v, 0, (size_t)hm->rows * (size_t)hm->cols * sizeof(double));
    hm->dropped = 0;
}

void heatmap_accumulate(struct heatmap *hm, const double *values, double scale)
{
    size_t n = (size_t)hm->rows * (size_t)hm->cols;
    for (size_t i = 0; i < n; i++)
        hm->v[i] += scale * values[i];
}

/* the cell index of (x, y), or -1 outside the plan (NaN fails every comparison) */
static inline long cell_of(const struct heatmap *hm, double x, double y)
{
    if (!(x >= 0 && x <= hm->width && y >= 0 && y <= hm->height))
        return -1;
    int c = (int)(x * hm->inv_cell), r = (int)(y * hm->inv_cell);
    /* the far edges, and rounding of x * (1 / cell), belong to the last cell */
    if (c >= hm->cols)
        c = hm->cols - 1;
    if (r >= hm->rows)
        r = hm->rows - 1;
    return (long)r * hm->cols + c;
}

size_t heatmap_add(struct heatmap *hm, const double *x, const double *y, const double *w, size_t n)
{
    size_t in = 0;
    if (w) {
        for (size_t i = 0; i < n; i++) {
            long at = cell_of(hm, x[i], y[i]);
            if (at >= 0 && isfinite(w[i])) {
                hm->v[at] += w[i];
                in++;
            }
        }
    } else {
        /* the hot loop of a store-wide map (millions of samples): one multiply per axis, no
         * division, no branch the predictor misses on real data */
        for (size_t i = 0; i < n; i++) {
            long at = cell_of(hm, x[i], y[i]);
            if (at >= 0) {
                hm->v[at] += 1.0;
                in++;
            }
        }
    }
    hm->dropped += n - in;
    return in;
}

/* checks that t never goes backwards inside a session */
static int check_tracks(const int64_t *session, const double *t, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (session[i] == session[i - 1] && !(t[i] >= t[i - 1])) {
            log_error("heatmap: session %lld goes back in time at sample %zu",
                      (long long)session[i], i);
            return SHOP_EINVAL;
        }
    return SHOP_OK;
}

/* the time sample i stands for: until the session's next sample, capped at max_gap */
static inline double interval(const int64_t *session, const double *t, size_t n, size_t i,
                              double max_gap)
{
    if (i + 1 >= n || session[i + 1] != session[i])
        return 0;
    double dt = t[i + 1] - t[i];
    return max_gap > 0 && dt > max_gap ? max_gap : dt;
}

int heatmap_add_tracks(struct heatmap *hm, const int64_t *session, const double *t, const double *x,
                       const double *y, size_t n, double max_gap, size_t *added)
{
    size_t in = 0;
    int rc = check_tracks(session, t, n);
    if (rc == SHOP_OK) {
        for (size_t i = 0; i < n; i++) {
            long at = cell_of(hm, x[i], y[i]);
            if (at >= 0) {
                hm->v[at] += interval(session, t, n, i, max_gap);
                in++;
            }
        }
        hm->dropped += n - in;
    }
    if (added)
        *added = in;
    return rc;
}

/* ---- smoothing ---------------------------------------------------------------------------- */

/* one pass of the 1-D kernel k[-r..r] along lines of len values `stride` apart, zero padded */
static void blur_lines(const double *src, double *dst, int lines, int len, size_t line_step,
                       size_t stride, const double *k, int r)
{
    for (int l = 0; l < lines; l++) {
        const double *s = src + (size_t)l * line_step;
        double *d = dst + (size_t)l * line_step;
        for (int i = 0; i < len; i++) {
            int lo = i - r < 0 ? -i : -r, hi = i + r >= len ? len - 1 - i : r;
            double acc = 0;
            for (int o = lo; o <= hi; o++)
                acc += k[o] * s[(size_t)(i + o) * stride];
            d[(size_t)i * stride] = acc;
        }
    }
}

void heatmap_smooth(struct heatmap *hm, double sigma)
{
    if (!(sigma > 0))
        return;
    double s = sigma * hm->inv_cell; /* in cells */
    int r = (int)ceil(3.0 * s);
    if (s < 1.0 / 6.0 || r < 1)
        return;
    /* no use in a kernel wider than the grid */
    int longest = hm->rows > hm->cols ? hm->rows : hm->cols;
    if (r > longest)
        r = longest;
    double *kbuf = xmalloc((size_t)(2 * r + 1) * sizeof(double)), *k = kbuf + r, sum = 0;
    for (int o = -r; o <= r; o++)
        sum += k[o] = exp(-0.5 * (o / s) * (o / s));
    for (int o = -r; o <= r; o++)
        k[o] /= sum;
    size_t cells = (size_t)hm->rows * (size_t)hm->cols;
    double *tmp = xmalloc(cells * sizeof(double));
    /* along x (rows are contiguous), then along y */
    blur_lines(hm->v, tmp, hm->rows, hm->cols, (size_t)hm->cols, 1, k, r);
    blur_lines(tmp, hm->v, hm->cols, hm->rows, 1, (size_t)hm->cols, k, r);
    free(tmp);
    free(kbuf);
}

void heatmap_normalise(struct heatmap *hm, enum heatmap_norm how)
{
    double by = how == HEATMAP_NORM_SUM ? heatmap_sum(hm) : heatmap_max(hm);
    if (!(by > 0))
        return;
    size_t cells = (size_t)hm->rows * (size_t)hm->cols;
    for (size_t i = 0; i < cells; i++)
        hm->v[i] /= by;
}

int heatmap_rows(const struct heatmap *hm)
{
    return hm->rows;
}

int heatmap_cols(const struct heatmap *hm)
{
    return hm->cols;
}

double heatmap_cell(const struct heatmap *hm)
{
    return hm->cell;
}

const double *heatmap_values(const struct heatmap *hm)
{
    return hm->v;
}

double heatmap_value_at(const struct heatmap *hm, double x, double y)
{
    long at = cell_of(hm, x, y);
    return at < 0 ? 0 : hm->v[at];
}

double heatmap_max(const struct heatmap *hm)
{
    size_t cells = (size_t)hm->rows * (size_t)hm->cols;
    double m = 0;
    for (size_t i = 0; i < cells; i++)
        if (hm->v[i] > m)
            m = hm->v[i];
    return m;
}

double heatmap_sum(const struct heatmap *hm)
{
    size_t cells = (size_t)hm->rows * (size_t)hm->cols;
    double s = 0;
    for (size_t i = 0; i < cells; i++)
        s += hm->v[i];
    return s;
}

size_t heatmap_dropped(const struct heatmap *hm)
{
    return hm->dropped;
}

/* ---- zones -------------------------------------------------------------------------------- */

static int zone_of(const struct heatmap_zone *z, int nz, double x, double y)
{
    for (int i = 0; i < nz; i++) {
        double x0 = fmin(z[i].x0, z[i].x1), x1 = fmax(z[i].x0, z[i].x1);
        double y0 = fmin(z[i].y0, z[i].y1), y1 = fmax(z[i].y0, z[i].y1);
        if (x >= x0 && x <= x1 && y >= y0 && y <= y1)
            return i;
    }
    return -1;
}

void heatmap_zone_stats_release(struct heatmap_zone_stats *st)
{
    if (!st)
        return;
    free(st->visits);
    free(st->sessions);
    free(st->dwell);
    free(st->mean_dwell);
    free(st->transitions);
    memset(st, 0, sizeof(*st));
}

int heatmap_zone_stats(const struct heatmap_zone *zones, int nzones, const int64_t *session,
                       const double *t, const double *x, const double *y, size_t n, double max_gap,
                       struct heatmap_zone_stats *out)
{
    memset(out, 0, sizeof(*out));
    unsigned char *seen = NULL;
    int rc = SHOP_EINVAL;
    if (nzones < 1 || nzones > 65536) {
        log_error("heatmap: %d zones", nzones);
        goto out;
    }
    for (int i = 0; i < nzones; i++)
        if (!isfinite(zones[i].x0) || !isfinite(zones[i].y0) || !isfinite(zones[i].x1) ||
            !isfinite(zones[i].y1)) {
            log_error("heatmap: zone %d has a corner that is not a number", i);
            goto out;
        }
    size_t nz = (size_t)nzones;
    out->nzones = nzones;
    out->visits = xcalloc(nz, sizeof(int64_t));
    out->sessions = xcalloc(nz, sizeof(int64_t));
    out->dwell = xcalloc(nz, sizeof(double));
    out->mean_dwell = xcalloc(nz, sizeof(double));
    out->transitions = xcalloc(nz * nz, sizeof(int64_t));
    if ((rc = check_tracks(session, t, n)) != SHOP_OK)
        goto out;
    seen = xcalloc(nz, 1);
    int prev_zone = -1, last_visit = -1;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || session[i] != session[i - 1]) {
            prev_zone = last_visit = -1; /* a new session */
            memset(seen, 0, nz);
        }
        int z = zone_of(zones, nzones, x[i], y[i]);
        if (z < 0) {
            out->outside++;
            prev_zone = -1;
            continue;
        }
        if (z != prev_zone) {
            out->visits[z]++;
            if (last_visit >= 0 && last_visit != z)
                out->transitions[(size_t)last_visit * nz + (size_t)z]++;
            last_visit = z;
            if (!seen[z]) {
                seen[z] = 1;
                out->sessions[z]++;
            }
        }
        out->dwell[z] += interval(session, t, n, i, max_gap);
        prev_zone = z;
    }
    for (size_t i = 0; i < nz; i++)
        out->mean_dwell[i] = out->visits[i] ? out->dwell[i] / (double)out->visits[i] : 0;
    rc = SHOP_OK;
out:
    free(seen);
    return rc;
}

/* ---- rendering ---------------------------------------------------------------------------- */

/* 11 evenly spaced samples of matplotlib's perceptually uniform maps, linearly interpolated:
 * close enough to the originals for a heatmap, and 66 bytes instead of 768 */
static const unsigned char ramp_inferno[11][3] = {
    {0, 0, 4},     {22, 11, 57},   {66, 10, 104},  {106, 23, 110}, {147, 38, 103}, {188, 55, 84},
    {221, 81, 58}, {243, 120, 25}, {252, 165, 10}, {246, 215, 70}, {252, 255, 164}};
static const unsigned char ramp_viridis[11][3] = {
    {68, 1, 84},    {72, 36, 117},  {65, 68, 135},  {53, 95, 141},  {42, 120, 142}, {33, 145, 140},
    {34, 168, 132}, {68, 191, 112}, {122, 209, 81}, {189, 223, 38}, {253, 231, 37}};

void heatmap_ramp_rgb(enum heatmap_ramp ramp, double t, unsigned char rgb[3])
{
    const unsigned char(*tab)[3] = ramp == HEATMAP_RAMP_VIRIDIS ? ramp_viridis : ramp_inferno;
    if (!(t > 0))
        t = 0;
    if (t > 1)
        t = 1;
    double at = t * 10;
    int i = (int)at;
    if (i >= 10)
        i = 9;
    double f = at - i;
    for (int c = 0; c < 3; c++)
        rgb[c] = (unsigned char)lround(tab[i][c] + f * (tab[i + 1][c] - tab[i][c]));
}

/* A 5x7 font: 7 rows per glyph, bit 4 the leftmost pixel. Upper case, digits and the
 * punctuation that numbers and zone names need; anything else draws as '?'. */
static const char font_chars[] = " 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.-+_/:%()?";
static const unsigned char font_rows[][7] = {
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* space */
    {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}, {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e},
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}, {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e},
    {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}, {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e},
    {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}, {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
    {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}, {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c},
    {0x0e, 0x11, 0x11, 0x11, 0x1f, 0x11, 0x11}, {0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e}, /* AB */
    {0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e}, {0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c}, /* CD */
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f}, {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10}, /* EF */
    {0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f}, {0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}, /* GH */
    {0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e}, {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c}, /* IJ */
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f}, /* KL */
    {0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11}, {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}, /* MN */
    {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}, {0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10}, /* OP */
    {0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d}, {0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11}, /* QR */
    {0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e}, {0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, /* ST */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}, {0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04}, /* UV */
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a}, {0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11}, /* WX */
    {0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04}, {0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f}, /* YZ */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c}, {0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00}, /* .- */
    {0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00}, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f}, /* +_ */
    {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}, {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00}, /* /: */
    {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}, {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}, /* %( */
    {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}, {0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}, /* )? */
};
_Static_assert(sizeof(font_chars) - 1 == sizeof(font_rows) / sizeof(font_rows[0]),
               "one glyph per character");
#define GLYPH_W 6 /* 5 pixels and a gap */
#define GLYPH_H 7

struct canvas {
    unsigned char *p;
    int w, h;
};

static void put_px(struct canvas *cv, int x, int y, const unsigned char c[3])
{
    if (x < 0 || y < 0 || x >= cv->w || y >= cv->h)
        return;
    unsigned char *d = cv->p + ((size_t)y * (size_t)cv->w + (size_t)x) * 3;
    d[0] = c[0];
    d[1] = c[1];
    d[2] = c[2];
}

static void fill_rect(struct canvas *cv, int x0, int y0, int x1, int y1, const unsigned char c[3])
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            put_px(cv, x, y, c);
}

/* a 1-pixel outline of the pixels [x0, x1) x [y0, y1) */
static void outline(struct canvas *cv, int x0, int y0, int x1, int y1, const unsigned char c[3])
{
    for (int x = x0; x < x1; x++) {
        put_px(cv, x, y0, c);
        put_px(cv, x, y1 - 1, c);
    }
    for (int y = y0; y < y1; y++) {
        put_px(cv, x0, y, c);
        put_px(cv, x1 - 1, y, c);
    }
}

static const unsigned char *glyph(char ch)
{
    if (ch >= 'a' && ch <= 'z')
        ch = (char)(ch - 'a' + 'A');
    const char *at = ch ? strchr(font_chars, ch) : NULL;
    if (!at)
        at = strchr(font_chars, '?');
    return font_rows[at - font_chars];
}

/* draws at most max_chars of s with its top-left at (x, y), a dark shadow under it so that it
 * reads on any colour of the ramp */
static void text(struct canvas *cv, int x, int y, const char *s, int max_chars,
                 const unsigned char c[3])
{
    static const unsigned char shadow[3] = {0, 0, 0};
    for (int pass = 0; pass < 2; pass++) {
        int off = pass == 0 ? 1 : 0;
        for (int i = 0; s[i] && i < max_chars; i++) {
            const unsigned char *g = glyph(s[i]);
            for (int r = 0; r < GLYPH_H; r++)
                for (int b = 0; b < 5; b++)
                    if (g[r] & (0x10 >> b))
                        put_px(cv, x + i * GLYPH_W + b + off, y + r + off, pass ? c : shadow);
        }
    }
}

int heatmap_render(const struct heatmap *hm, const struct heatmap_render_opts *opts,
                   unsigned char **rgb, int *w, int *h)
{
    static const unsigned char bg[3] = {32, 32, 36}, ink[3] = {235, 235, 235},
                               zone_line[3] = {190, 190, 190};
    struct heatmap_render_opts o = {0};
    if (opts)
        o = *opts;
    *rgb = NULL;
    *w = *h = 0;
    if (o.px_per_cell < 0 || o.gamma < 0 || !isfinite(o.gamma) || !isfinite(o.vmax)) {
        log_error("heatmap: bad render options");
        return SHOP_EINVAL;
    }
    double gamma = o.gamma > 0 ? o.gamma : 1.0;
    int longest = hm->cols > hm->rows ? hm->cols : hm->rows;
    int ppc = o.px_per_cell ? o.px_per_cell : (800 / longest > 0 ? 800 / longest : 1);
    double vmax = o.vmax > 0 ? o.vmax : heatmap_max(hm);

    /* layout: margin, [title], plan | gap, legend bar, tick labels, margin */
    const int margin = 10, title_h = o.title ? GLYPH_H + 8 : 0, bar_w = 16, label_chars = 14;
    const int legend_w = 14 + bar_w + 8 + label_chars * GLYPH_W;
    double plan_w = (double)hm->cols * ppc, plan_h = (double)hm->rows * ppc;
    double body_h = plan_h > 120 ? plan_h : 120;
    double W = margin + plan_w + legend_w + margin, H = margin + title_h + body_h + margin;
    if (W * H > HEATMAP_MAX_PIXELS) {
        log_error("heatmap: a %.0fx%.0f image is too big", W, H);
        return SHOP_ETOOBIG;
    }
    struct canvas cv = {xmalloc((size_t)W * (size_t)H * 3), (int)W, (int)H};
    fill_rect(&cv, 0, 0, cv.w, cv.h, bg);
    int px0 = margin, py0 = margin + title_h, pw = (int)plan_w, ph = (int)plan_h;
    if (o.title)
        text(&cv, px0, margin, o.title, (cv.w - 2 * margin) / GLYPH_W, ink);

    /* cells: grid row r (y up) lands on image rows counted from the plan's bottom */
    for (int r = 0; r < hm->rows; r++)
        for (int c = 0; c < hm->cols; c++) {
            double v = hm->v[(size_t)r * (size_t)hm->cols + (size_t)c];
            double t = vmax > 0 ? pow(fmax(v, 0) / vmax, gamma) : 0;
            unsigned char col[3];
            heatmap_ramp_rgb(o.ramp, t, col);
            int y1 = py0 + ph - r * ppc;
            fill_rect(&cv, px0 + c * ppc, y1 - ppc, px0 + (c + 1) * ppc, y1, col);
        }

    /* zones: metres to pixels, y flipped */
    double scale = ppc / hm->cell;
    for (int i = 0; i < o.nzones && o.zones; i++) {
        const struct heatmap_zone *z = &o.zones[i];
        if (!isfinite(z->x0) || !isfinite(z->x1) || !isfinite(z->y0) || !isfinite(z->y1))
            continue;
        int x0 = px0 + (int)lround(fmin(z->x0, z->x1) * scale);
        int x1 = px0 + (int)lround(fmax(z->x0, z->x1) * scale);
        int y0 = py0 + ph - (int)lround(fmax(z->y0, z->y1) * scale);
        int y1 = py0 + ph - (int)lround(fmin(z->y0, z->y1) * scale);
        outline(&cv, x0, y0, x1 + 1, y1 + 1, zone_line);
        int fit = (x1 - x0 - 4) / GLYPH_W;
        if (z->name && fit > 0 && y1 - y0 >= GLYPH_H + 4)
            text(&cv, x0 + 3, y0 + 3, z->name, fit, ink);
    }
    outline(&cv, px0 - 1, py0 - 1, px0 + pw + 1, py0 + ph + 1, ink);

    /* legend: the bar from vmax (top) to 0 (bottom), ticks at the top, middle and bottom */
    int bx = px0 + pw + 14, by0 = py0, by1 = py0 + (int)body_h;
    for (int y = by0; y < by1; y++) {
        unsigned char col[3];
        heatmap_ramp_rgb(o.ramp, (double)(by1 - 1 - y) / (by1 - 1 - by0), col);
        fill_rect(&cv, bx, y, bx + bar_w, y + 1, col);
    }
    outline(&cv, bx - 1, by0 - 1, bx + bar_w + 1, by1 + 1, ink);
    for (int tick = 0; tick < 3; tick++) {
        double t = tick / 2.0; /* colour position; the value follows the gamma */
        double v = vmax * pow(t, 1.0 / gamma);
        char label[32];
        snprintf(label, sizeof(label), "%.3g%s%s", v, o.unit ? " " : "", o.unit ? o.unit : "");
        int y = by1 - 1 - (int)lround(t * (by1 - 1 - by0));
        fill_rect(&cv, bx + bar_w, y, bx + bar_w + 3, y + 1, ink);
        int ty = y - GLYPH_H / 2;
        if (ty < by0)
            ty = by0;
        if (ty > by1 - GLYPH_H)
            ty = by1 - GLYPH_H;
        text(&cv, bx + bar_w + 7, ty, label, label_chars, ink);
    }
    *rgb = cv.p;
    *w = cv.w;
    *h = cv.h;
    return SHOP_OK;
}
