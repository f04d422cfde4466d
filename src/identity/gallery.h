/* identity/gallery.h - the enrolled face templates in memory, for 1:N identification: one
 * contiguous float array [n x 128] with the customer id of each row (and the mean of each
 * customer's rows, for gallery_search_mean), shared by every mirror
 * of the server behind a readers-writer lock (searches run in parallel; enrolment and
 * erasure take the write lock briefly). Brute force: squared L2 against every row, an
 * AVX2 kernel when the CPU has it; memory-bandwidth bound (~512 bytes per template).
 *     struct gallery *g = gallery_new();
 *     if (gallery_load(g, st) != SHOP_OK) ...          -- at start, from the store
 *     struct gallery_match m;
 *     gallery_search(g, face.descriptor, &m);         -- any thread, any time
 *     gallery_search_mean(g, face.descriptor, &m);    -- against each customer's mean
 *     if (m.n && m.best[0].distance < IDENTIFY_THRESHOLD) ... m.best[0].customer_id ...
 *     gallery_remove(g, customer_id);                 -- right to erasure (rows zeroed)
 *     gallery_free(g);
 * Templates are biometric data: never log them; freed rows are zeroed.                     */
#ifndef SHOP_IDENTITY_GALLERY_H
#define SHOP_IDENTITY_GALLERY_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define GALLERY_DIM 128
#define GALLERY_TOPK 4 /* distinct customers reported per search */

struct store;
struct gallery;

struct gallery_hit {
    int64_t customer_id;
    float distance; /* Euclidean, to the customer's nearest template */
};

struct gallery_match {
    int n;                                /* distinct customers found, 0..GALLERY_TOPK */
    struct gallery_hit best[GALLERY_TOPK]; /* nearest first, one entry per customer */
    size_t rows;                          /* templates searched */
};

struct gallery *gallery_new(void); /* empty; never NULL */
void gallery_free(struct gallery *g); /* zeroes the rows; NULL is a no-op */

/* Replaces the contents with every template in the store. SHOP_EDB (store message in
 * store_errmsg). */
SHOP_MUST_CHECK int gallery_load(struct gallery *g, struct store *st);
/* adds n rows (descriptors [n x 128], row-major) for the customers ids[0..n-1] */
void gallery_add(struct gallery *g, const int64_t *ids, const float *rows, size_t n);
/* removes every row of a customer, zeroing the memory they used; returns the rows removed */
size_t gallery_remove(struct gallery *g, int64_t customer_id);
/* replaces a customer's rows by n new ones, atomically for searches (re-registration) */
void gallery_replace(struct gallery *g, int64_t customer_id, const float *rows, size_t n);
size_t gallery_size(struct gallery *g);
/* the nearest GALLERY_TOPK distinct customers to q (128 floats), each at the distance of
 * their nearest template; thread-safe */
void gallery_search(struct gallery *g, const float *q, struct gallery_match *out);
/* the same, each customer at the distance to the mean of their templates (always up to
 * date; the first search after additions rebuilds the means; the login rule's search, see
 * identify.h); rows = customers searched */
void gallery_search_mean(struct gallery *g, const float *q, struct gallery_match *out);

/* squared Euclidean distance of two 128-float vectors (the search kernel, for tests) */
float gallery_l2sq(const float *a, const float *b);

#endif
