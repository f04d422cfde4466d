/* api/api_kpi.c - the dashboard's numbers for a date range: GET /api/v1/kpi is the object of
 * `shopper kpi --json`; the range parameters every dashboard route shares. */
#include <string.h>

#include "analytics/kpi.h"
#include "api/api_int.h"

int api_query_range(struct api_ctx *c, int64_t *from, int64_t *to)
{
    int rc = api_query_time(c, "from", 0, from);
    if (rc == SHOP_OK)
        rc = api_query_time(c, "to", KPI_OPEN_END, to);
    if (rc != SHOP_OK)
        return rc;
    /* a date as the end means that whole day, as `shopper kpi --to DATE` */
    const char *t = http_query(c->req, "to");
    if (t && strlen(t) == 10)
        *to += 86400;
    if (*from < 0 || *to > KPI_OPEN_END)
        return shop_fail(SHOP_EINVAL, "dates run from 1970-01-01 to 9999-12-31");
    if (*to <= *from)
        return shop_fail(SHOP_EINVAL, "'to' must come after 'from'");
    return SHOP_OK;
}

static int get_kpi(struct api_ctx *c)
{
    int64_t from, to, top, all;
    int rc = api_query_range(c, &from, &to);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "top", 1, 1000, 5, &top);
    if (rc == SHOP_OK)
        rc = api_query_int(c, "products", 0, 1, 0, &all);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct kpi k;
    rc = kpi_compute(c->st, from, to, &k);
    if (rc != SHOP_OK)
        return api_error(c, rc);
    struct jsonw *w = api_json(c);
    kpi_write_json(w, &k, (int)top, (int)all);
    jw_finish(w);
    kpi_release(&k);
    return 200;
}

const struct api_route kpi_routes[] = {
    {"GET", "/api/v1/kpi", get_kpi, API_ANY_USER, 0},
    {NULL, NULL, NULL, 0, 0},
};
