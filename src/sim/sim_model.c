/* sim/sim_model.c - the simulator's vocabulary, personas and choice model. */
#include <math.h>
#include <string.h>

#include "core/parse.h"
#include "sim/sim_int.h"

const char *const sim_categories[NCAT] = {"T-Shirt", "Sweater", "Pants", "Coat"};
const char *const sim_product_genders[NGENDER] = {"women", "men"};
const char *const sim_customer_genders[NGENDER] = {"female", "male"};
const char *const sim_fabrics[NFABRIC] = {"Cotton", "Wool", "Polyester"};
const char *const sim_seasons[NSEASON] = {"Winter", "Summer", "All seasons"};
const char *const sim_sizes[NSIZE] = {"S", "M", "L", "XL"};
const double sim_size_share[NSIZE] = {0.20, 0.35, 0.30, 0.15};

/* buy probability per visit, mean items per purchase (Poisson, at least 1), price
 * sensitivity, promotion propensity, weekend multiplier (of the visit rate), share */
const struct persona sim_personas[NPERSONA] = {
    {"minimalist", 0.2, 1.0, 0.5, 0.1, 1.2, 0.25},
    {"bargain_hunter", 0.8, 2.0, 2.0, 0.7, 1.5, 0.25},
    {"regular", 0.6, 1.5, 1.0, 0.3, 1.3, 0.35},
    {"weekend_impulse", 0.5, 2.0, 1.2, 0.4, 2.0, 0.15},
};

int sim_lookup(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (s && strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int sim_persona_index(const char *name)
{
    for (int i = 0; i < NPERSONA; i++)
        if (name && strcmp(sim_personas[i].name, name) == 0)
            return i;
    return 2;
}

int sim_type_index(int persona, int gender, int cat, int fabric, int season)
{
    return (((persona * NGENDER + gender) * NCAT + cat) * NFABRIC + fabric) * NSEASON + season;
}

void sim_type_of(int index, struct sim_type *t)
{
    t->season = index % NSEASON;
    index /= NSEASON;
    t->fabric = index % NFABRIC;
    index /= NFABRIC;
    t->cat = index % NCAT;
    index /= NCAT;
    t->gender = index % NGENDER;
    t->persona = index / NGENDER;
}

int sim_month_of_day(int64_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    return m;
}

int sim_weekday(int64_t day)
{
    /* 1970-01-01 was a Thursday */
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

double sim_expected_items(double mean)
{
    /* max(1, K) differs from K only at K = 0, where it adds 1 */
    return mean + exp(-mean);
}

double sim_static_logw(const struct sim_type *t, const struct sim_product *p, int month,
                       double mean_base)
{
    const struct persona *pe = &sim_personas[t->persona];
    double lw = SIM_BETA_POPULARITY * p->popularity;
    if (t->gender != p->gender)
        lw += SIM_BETA_GENDER;
    if (t->cat == p->cat)
        lw += SIM_BETA_CATEGORY;
    if (t->fabric == p->fabric)
        lw += SIM_BETA_FABRIC;
    if (t->season == p->season)
        lw += SIM_BETA_SEASON;
    int winter = month >= 11 || month <= 2, summer = month >= 5 && month <= 8;
    if (p->season == 0)
        lw += winter ? SIM_BETA_IN_SEASON : summer ? -SIM_BETA_IN_SEASON : 0;
    else if (p->season == 1)
        lw += summer ? SIM_BETA_IN_SEASON : winter ? -SIM_BETA_IN_SEASON : 0;
    lw -= SIM_BETA_EXPENSIVE * pe->price_sens * (double)p->base / mean_base;
    return lw;
}

double sim_weight(const struct sim_type *t, double static_logw, const struct sim_product *p,
                  int64_t price_cents, int discounted)
{
    const struct persona *pe = &sim_personas[t->persona];
    double lw = static_logw - SIM_BETA_PRICE * pe->price_sens * (double)price_cents / (double)p->base;
    if (discounted)
        lw += SIM_BETA_PROMO * pe->promo_prop;
    return exp(lw);
}
