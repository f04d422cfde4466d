/* core/rng.h - small deterministic random numbers (xoshiro256**, seeded by splitmix64).
 * The same seed gives the same sequence on every machine; no global state.
 *     struct rng r; rng_seed(&r, 42);
 *     double u = rng_uniform(&r);  int k = rng_poisson(&r, 1.5);                          */
#ifndef SHOP_CORE_RNG_H
#define SHOP_CORE_RNG_H

#include <stdint.h>

struct rng {
    uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* uniform in [0, 1) with 53 bits */
double rng_uniform(struct rng *r);
/* uniform integer in [0, n); n > 0 */
uint64_t rng_below(struct rng *r, uint64_t n);
/* uniform in [lo, hi) */
double rng_range(struct rng *r, double lo, double hi);
double rng_normal(struct rng *r);
/* Poisson with the given mean (>= 0); inversion for small means, normal approx above 30 */
int rng_poisson(struct rng *r, double mean);
/* Fisher-Yates shuffle of n ints */
void rng_shuffle_int(struct rng *r, int *v, int n);
/* a seed derived from a base seed and a stream number, for independent streams */
uint64_t rng_derive(uint64_t seed, uint64_t stream);

#endif
