/* sim/sim_int.h - what the simulator's files share: the catalogue vocabulary, personas,
 * the choice model and the floor plan. Not for use outside src/sim/. */
#ifndef SHOP_SIM_INT_H
#define SHOP_SIM_INT_H

#include <stdint.h>

#include "core/rng.h"
#include "sim/sim.h"
#include "store/store.h"

enum { NCAT = 4, NGENDER = 2, NFABRIC = 3, NSEASON = 3, NSIZE = 4, NPERSONA = 4 };
#define NTYPES (NPERSONA * NGENDER * NCAT * NFABRIC * NSEASON)

extern const char *const sim_categories[NCAT];
extern const char *const sim_product_genders[NGENDER]; /* women, men */
extern const char *const sim_customer_genders[NGENDER]; /* female, male */
extern const char *const sim_fabrics[NFABRIC];
extern const char *const sim_seasons[NSEASON];
extern const char *const sim_sizes[NSIZE];
extern const double sim_size_share[NSIZE];

struct persona {
    const char *name;
    double buy_prob, mean_items, price_sens, promo_prop, weekend_mult, share;
};
extern const struct persona sim_personas[NPERSONA];

/* the choice model's coefficients */
#define SIM_BETA_GENDER (-2.5) /* a product of the other gender */
#define SIM_BETA_CATEGORY 1.0
#define SIM_BETA_FABRIC 0.5
#define SIM_BETA_SEASON 0.5
#define SIM_BETA_POPULARITY 2.0
#define SIM_BETA_IN_SEASON 0.6 /* winter goods in Nov-Feb, summer goods in May-Aug */
#define SIM_BETA_PROMO 1.5     /* × promotion propensity, when discounted */
#define SIM_BETA_PRICE 2.0     /* × price sensitivity × price / base price */
#define SIM_BETA_EXPENSIVE 0.3 /* × price sensitivity × base / mean base price */
#define SIM_OUTSIDE 0.5        /* "nothing" weight / sum of weights at base prices */

/* a product as the model sees it */
struct sim_product {
    int64_t id;
    int cat, gender, fabric, season;
    int64_t base, cost, list; /* cents; list = current list price */
    double popularity;
    double x, y;
    int zone;
};

/* a customer type: everything the choice model depends on */
struct sim_type {
    int persona, gender, cat, fabric, season;
};
int sim_type_index(int persona, int gender, int cat, int fabric, int season);
void sim_type_of(int index, struct sim_type *t);

int sim_lookup(const char *const *names, int n, const char *s); /* -1 when absent */
int sim_persona_index(const char *name); /* unknown or empty -> regular */

/* the static part of log-weight of product p for type t on a day of month `month` (1-12):
 * everything but price and promotion */
double sim_static_logw(const struct sim_type *t, const struct sim_product *p, int month,
                       double mean_base);
/* the full weight at a charged price */
double sim_weight(const struct sim_type *t, double static_logw, const struct sim_product *p,
                  int64_t price_cents, int discounted);
int sim_month_of_day(int64_t day);
int sim_weekday(int64_t day); /* 0 = Monday */
/* E[max(1, Poisson(m))] */
double sim_expected_items(double mean);

/* ---- floor plan and paths ---- */
enum { Z_ENTRANCE, Z_FRONT, Z_AISLE, Z_BACK, Z_FITTING, Z_MIRRORS, Z_CHECKOUT, NZONES };
extern const struct store_zone sim_zones[NZONES];
#define SIM_FLOOR_W 20.0
#define SIM_FLOOR_H 14.0

struct sim_stop {
    double x, y;
    int zone;
    double dwell; /* seconds */
};
/* A walk through the stops (via zone doors and the main aisle). Calls emit(ctx, t, x, y)
 * every `interval` seconds from t0 when emit is not NULL; returns the end time. Each stop's
 * arrival time is written to arrive[i] when arrive is not NULL. */
int64_t sim_walk(struct rng *r, const struct sim_stop *stops, int n, int64_t t0, double speed,
                 int64_t interval, int64_t *arrive,
                 int (*emit)(void *ctx, int64_t t, double x, double y), void *ctx, int *err);

#endif
