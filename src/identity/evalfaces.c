/* identity/evalfaces.c - the login protocol and the pair error rates on labelled photos. */
#include "identity/evalfaces.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "identity/gallery.h"

const char *evalfaces_combine_name(enum evalfaces_combine c)
{
    return c == EVALFACES_AVERAGE ? "average" : "confirm";
}

int evalfaces_combine_parse(const char *name)
{
    if (name && strcmp(name, "confirm") == 0)
        return EVALFACES_CONFIRM;
    if (name && strcmp(name, "average") == 0)
        return EVALFACES_AVERAGE;
    return -1;
}

double evalfaces_rate(int64_t a, int64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

/* one frame's search result: the nearest person and the distances to it and the next one */
struct frame {
    int found;
    int p1;
    float d1, d2;
};

struct attempt {
    int person;
    int stranger;
    int first, nframes; /* frames[first .. first + nframes - 1] */
};

struct evalfaces_login {
    struct frame *frames;
    int nf, capf;
    struct attempt *att;
    int na, capa;
};

static int add_frame(struct evalfaces_login *L, struct gallery *g, int mean_template,
                     const float *d)
{
    if (L->nf == L->capf) {
        L->capf = L->capf ? 2 * L->capf : 256;
        L->frames = xreallocarray(L->frames, (size_t)L->capf, sizeof(*L->frames));
    }
    struct frame *f = &L->frames[L->nf];
    memset(f, 0, sizeof(*f));
    f->p1 = -1;
    f->d1 = f->d2 = INFINITY;
    if (d) {
        struct gallery_match m;
        if (mean_template)
            gallery_search_mean(g, d, &m);
        else
            gallery_search(g, d, &m);
        f->found = 1;
        if (m.n > 0) {
            f->p1 = (int)(m.best[0].customer_id - 1);
            f->d1 = m.best[0].distance;
        }
        if (m.n > 1)
            f->d2 = m.best[1].distance;
    }
    return L->nf++;
}

static void add_attempt(struct evalfaces_login *L, int person, int stranger, int first, int nframes)
{
    if (L->na == L->capa) {
        L->capa = L->capa ? 2 * L->capa : 256;
        L->att = xreallocarray(L->att, (size_t)L->capa, sizeof(*L->att));
    }
    L->att[L->na++] = (struct attempt){person, stranger, first, nframes};
}

struct evalfaces_login *evalfaces_login_new(const struct evalfaces_photo *photos, int n,
                                            int npeople, const unsigned char *use,
                                            const struct evalfaces_protocol *proto)
{
    struct evalfaces_protocol p = *proto;
    p.templates = p.templates < 1 ? 1 : p.templates;
    p.frames = p.frames < 1 ? 1 : p.frames;
    p.folds = p.folds < 2 ? 2 : p.folds;
    struct evalfaces_login *L = xcalloc(1, sizeof(*L));
    /* per person: its photos in order, which are templates, its fold group */
    int *start = xcalloc((size_t)npeople + 1, sizeof(*start));
    int *order = xmalloc(((size_t)n + 1) * sizeof(*order));
    int *group = xmalloc(((size_t)npeople + 1) * sizeof(*group));
    unsigned char *templ = xcalloc((size_t)n + 1, 1);
    for (int i = 0; i < n; i++)
        if (photos[i].person >= 0 && photos[i].person < npeople)
            start[photos[i].person + 1]++;
    for (int q = 0; q < npeople; q++)
        start[q + 1] += start[q];
    int *fill = xmalloc(((size_t)npeople + 1) * sizeof(*fill));
    memcpy(fill, start, (size_t)npeople * sizeof(*fill));
    for (int i = 0; i < n; i++)
        if (photos[i].person >= 0 && photos[i].person < npeople)
            order[fill[photos[i].person]++] = i;
    int rank = 0;
    for (int q = 0; q < npeople; q++) {
        group[q] = -1;
        if (use && !use[q])
            continue;
        group[q] = rank++ % p.folds;
        for (int k = start[q], got = 0; k < start[q + 1] && got < p.templates; k++)
            if (photos[order[k]].found) {
                templ[order[k]] = 1;
                got++;
            }
    }
    float *rows = xmalloc(((size_t)p.templates * npeople + 1) * FACE_DESCRIPTOR * sizeof(float));
    int64_t *ids = xmalloc(((size_t)p.templates * npeople + 1) * sizeof(*ids));
    int *seq = xmalloc(((size_t)n + 1) * sizeof(*seq)); /* a person's attempt photos */
    float mean[FACE_DESCRIPTOR];
    for (int f = 0; f < p.folds; f++) {
        struct gallery *g = gallery_new();
        size_t nrows = 0;
        for (int q = 0; q < npeople; q++)
            if (group[q] >= 0 && group[q] != f)
                for (int k = start[q]; k < start[q + 1]; k++)
                    if (templ[order[k]]) {
                        const struct evalfaces_photo *t = &photos[order[k]];
                        memcpy(rows + nrows * FACE_DESCRIPTOR, t->has_t ? t->t : t->d,
                               sizeof(t->d));
                        ids[nrows++] = q + 1;
                    }
        gallery_add(g, ids, rows, nrows);
        for (int q = 0; q < npeople; q++) {
            if (group[q] < 0)
                continue;
            int stranger = group[q] == f, m = 0;
            for (int k = start[q]; k < start[q + 1]; k++)
                if (stranger || !templ[order[k]])
                    seq[m++] = order[k];
            if (p.frames == 1 || p.combine == EVALFACES_CONFIRM) {
                /* each photo searched once; the windows share the frames */
                int first = L->nf;
                for (int k = 0; k < m; k++)
                    add_frame(L, g, p.mean_template,
                              photos[seq[k]].found ? photos[seq[k]].d : NULL);
                for (int k = 0; k + p.frames <= m; k++)
                    add_attempt(L, q, stranger, first + k, p.frames);
                continue;
            }
            for (int k = 0; k + p.frames <= m; k++) {
                int found = 0;
                memset(mean, 0, sizeof(mean));
                for (int j = k; j < k + p.frames; j++)
                    if (photos[seq[j]].found) {
                        found++;
                        for (int c = 0; c < FACE_DESCRIPTOR; c++)
                            mean[c] += photos[seq[j]].d[c];
                    }
                for (int c = 0; c < FACE_DESCRIPTOR; c++)
                    mean[c] /= found ? (float)found : 1.0f;
                int fr = add_frame(L, g, p.mean_template, found ? mean : NULL);
                add_attempt(L, q, stranger, fr, 1);
            }
        }
        gallery_free(g);
    }
    free(start);
    free(order);
    free(group);
    free(templ);
    free(fill);
    free(seq);
    free(ids);
    memset(rows, 0, ((size_t)p.templates * npeople + 1) * FACE_DESCRIPTOR * sizeof(float));
    free(rows);
    return L;
}

void evalfaces_login_free(struct evalfaces_login *L)
{
    if (!L)
        return;
    free(L->frames);
    free(L->att);
    free(L);
}

void evalfaces_login_rates(const struct evalfaces_login *L, double threshold, double margin,
                           struct evalfaces_rates *r)
{
    memset(r, 0, sizeof(*r));
    r->threshold = threshold;
    r->margin = margin;
    for (int a = 0; a < L->na; a++) {
        const struct attempt *at = &L->att[a];
        int who = -2, any_face = 0; /* -2: nobody yet, -1: no login */
        for (int k = 0; k < at->nframes; k++) {
            const struct frame *f = &L->frames[at->first + k];
            any_face |= f->found;
            int match = f->found && f->p1 >= 0 && f->d1 < threshold && f->d2 - f->d1 >= margin;
            if (!match || (who != -2 && who != f->p1))
                who = -1;
            else if (who == -2)
                who = f->p1;
        }
        if (at->stranger) {
            r->strangers++;
            r->stranger_in += who >= 0;
            r->stranger_no_face += !any_face;
        } else {
            r->enrolled++;
            if (who < 0)
                r->rejected++;
            else if (who == at->person)
                r->right++;
            else
                r->wrong++;
            r->no_face += !any_face;
        }
    }
}

/* ---- pairs ---- */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* the found photos of the people used, as indexes */
static int *used_photos(const struct evalfaces_photo *photos, int n, int npeople,
                        const unsigned char *use, int *m)
{
    int *idx = xmalloc(((size_t)n + 1) * sizeof(*idx));
    *m = 0;
    for (int i = 0; i < n; i++) {
        int q = photos[i].person;
        if (photos[i].found && q >= 0 && q < npeople && (!use || use[q]))
            idx[(*m)++] = i;
    }
    return idx;
}

void evalfaces_pairs(const struct evalfaces_photo *photos, int n, int npeople,
                     const unsigned char *use, struct evalfaces_pairs *out)
{
    memset(out, 0, sizeof(*out));
    int m;
    int *idx = used_photos(photos, n, npeople, use, &m);
    size_t all = (size_t)m * (m > 0 ? m - 1 : 0) / 2, ng = 0, ni = 0;
    for (int i = 0; i < m; i++)
        for (int j = i + 1; j < m; j++)
            ng += photos[idx[i]].person == photos[idx[j]].person;
    float *gen = xmalloc((ng + 1) * sizeof(*gen)), *imp = xmalloc((all - ng + 1) * sizeof(*imp));
    double gsum = 0, isum = 0;
    out->genuine_max = 0;
    out->impostor_min = INFINITY;
    ng = 0;
    for (int i = 0; i < m; i++)
        for (int j = i + 1; j < m; j++) {
            float d = (float)face_distance(photos[idx[i]].d, photos[idx[j]].d);
            if (photos[idx[i]].person == photos[idx[j]].person) {
                gen[ng++] = d;
                gsum += d;
                out->genuine_max = d > out->genuine_max ? d : out->genuine_max;
            } else {
                imp[ni++] = d;
                isum += d;
                out->impostor_min = d < out->impostor_min ? d : out->impostor_min;
            }
        }
    out->genuine = (int64_t)ng;
    out->impostor = (int64_t)ni;
    out->genuine_mean = ng ? gsum / (double)ng : NAN;
    out->impostor_mean = ni ? isum / (double)ni : NAN;
    out->eer = NAN;
    out->eer_threshold = NAN;
    if (ng && ni) {
        qsort(gen, ng, sizeof(*gen), cmp_float);
        qsort(imp, ni, sizeof(*imp), cmp_float);
        /* thresholds t at every distance: FRR = #genuine >= t, FAR = #impostor < t */
        size_t gi = 0, ii = 0;
        double best = INFINITY;
        while (gi < ng || ii < ni) {
            float t = ii >= ni || (gi < ng && gen[gi] < imp[ii]) ? gen[gi] : imp[ii];
            while (gi < ng && gen[gi] < t)
                gi++;
            while (ii < ni && imp[ii] < t)
                ii++;
            double frr = (double)(ng - gi) / (double)ng, far = (double)ii / (double)ni;
            if (fabs(frr - far) < best) {
                best = fabs(frr - far);
                out->eer = (frr + far) / 2;
                out->eer_threshold = t;
            }
            while (gi < ng && gen[gi] <= t)
                gi++;
            while (ii < ni && imp[ii] <= t)
                ii++;
        }
    }
    free(gen);
    free(imp);
    free(idx);
}

void evalfaces_pairs_at(const struct evalfaces_photo *photos, int n, int npeople,
                        const unsigned char *use, double t, int64_t *frr, int64_t *far)
{
    int m;
    int *idx = used_photos(photos, n, npeople, use, &m);
    *frr = *far = 0;
    for (int i = 0; i < m; i++)
        for (int j = i + 1; j < m; j++) {
            int same = photos[idx[i]].person == photos[idx[j]].person;
            double d = (float)face_distance(photos[idx[i]].d, photos[idx[j]].d);
            *frr += same && !(d < t);
            *far += !same && d < t;
        }
    free(idx);
}

void evalfaces_split(int npeople, int half, unsigned char *use)
{
    for (int q = 0; q < npeople; q++)
        use[q] = q % 2 == half;
}
