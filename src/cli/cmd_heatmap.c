/* cli/cmd_heatmap.c - heatmaps of where people walk and stay, as PNG or JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "analytics/floor.h"
#include "cli/cli.h"
#include "core/jsonw.h"
#include "vision/image.h"

int cmd_heatmap(int argc, char **argv)
{
    const char *db = NULL, *out = NULL, *from_s = NULL, *to_s = NULL;
    int json = 0;
    int64_t customer = 0, session = 0;
    struct floor_params p;
    floor_params_default(&p);
    struct cli_opt opts[] = {
        CLI_STR("out", "FILE.png", "write the heatmap over the floor plan as PNG", &out),
        CLI_INT("customer", "ID", "one customer's paths", &customer, 1, 9e18),
        CLI_INT("session", "ID", "one session's path", &session, 1, 9e18),
        CLI_STR("from", "DATE", "sessions from this date or time", &from_s),
        CLI_STR("to", "DATE", "sessions up to this date (inclusive) or time", &to_s),
        CLI_DOUBLE("cell", "M", "cell size in metres (default 0.25)", &p.cell, 0.01, 10),
        CLI_DOUBLE("sigma", "M", "Gaussian smoothing in metres (default 0.5, 0 = none)",
                   &p.sigma, 0, 10),
        CLI_STR("db", "FILE", "database file (default shopper.db)", &db),
        CLI_FLAG("json", "print the grid and the zone statistics as JSON", &json),
        CLI_END,
    };
    int rc = cli_parse(argc, argv,
                       "shopper heatmap [--out heat.png] [--customer ID] [--session ID] "
                       "[--from T --to T] [--json]",
                       "Where people walk and stay: seconds spent per cell of the floor plan "
                       "(smoothed), for the whole store, one customer, one session or a time "
                       "window, with per-zone visits, dwell times and zone-to-zone transitions.",
                       opts, NULL);
    if (rc >= 0)
        return rc;
    if ((rc = cli_time_range(from_s, to_s, &p.from, &p.to)) != 0)
        return rc;
    p.customer_id = customer;
    p.session_id = session;
    struct store *st;
    if (store_open(cli_db_path(db), 0, &st) != SHOP_OK)
        return cli_fail("%s", store_open_error());
    struct floor_result r;
    rc = floor_heatmap(st, &p, &r);
    if (rc != SHOP_OK) {
        cli_fail("heatmap: %s", rc == SHOP_ENOTFOUND ? "the store has no floor plan (simulate one)"
                                                     : store_errmsg(st));
        floor_result_release(&r);
        store_close(st);
        return 1;
    }
    store_close(st);
    if (out) {
        unsigned char *rgb;
        int w, h;
        char title[96];
        snprintf(title, sizeof(title), "%s: %zu positions in %lld sessions",
                 customer ? "customer" : session ? "session" : "store", r.positions,
                 (long long)r.sessions);
        struct heatmap_render_opts ro = {0};
        ro.zones = r.hz;
        ro.nzones = (int)r.nzones;
        ro.title = title;
        ro.unit = "s";
        rc = heatmap_render(r.hm, &ro, &rgb, &w, &h);
        if (rc == SHOP_OK) {
            rc = image_write_png(out, rgb, w, h);
            free(rgb);
            if (rc != SHOP_OK)
                cli_fail("heatmap: %s", image_errmsg());
        } else {
            cli_fail("heatmap: cannot render (%s)", shop_strerror(rc));
        }
        if (rc != SHOP_OK) {
            floor_result_release(&r);
            return 1;
        }
    }
    if (json) {
        struct jsonw w;
        jw_init(&w, stdout, 0);
        floor_write_json(&w, &r);
        jw_finish(&w);
    } else {
        if (out)
            printf("wrote %s\n", out);
        printf("%zu positions in %lld sessions\n", r.positions, (long long)r.sessions);
        printf("%-16s %8s %9s %14s\n", "zone", "visits", "sessions", "mean dwell s");
        for (size_t i = 0; i < r.nzones; i++)
            printf("%-16s %8lld %9lld %14.1f\n", r.zones[i].name,
                   (long long)(r.stats.nzones ? r.stats.visits[i] : 0),
                   (long long)(r.stats.nzones ? r.stats.sessions[i] : 0),
                   r.stats.nzones ? r.stats.mean_dwell[i] : 0.0);
    }
    floor_result_release(&r);
    return 0;
}
