/* core/progress.h - a progress bar on stderr when it is a terminal, silent otherwise.
 *     struct progress p; progress_start(&p, "simulate", days);
 *     for (...) progress_update(&p, done);
 *     progress_finish(&p);                                                                */
#ifndef SHOP_CORE_PROGRESS_H
#define SHOP_CORE_PROGRESS_H

#include <stdint.h>

struct progress {
    const char *label;
    int64_t total;
    int enabled;
    int last_permille;
    double started;
};

/* enabled only when stderr is a terminal (and SHOPPER_NO_PROGRESS is unset) */
void progress_start(struct progress *p, const char *label, int64_t total);
void progress_update(struct progress *p, int64_t done);
void progress_finish(struct progress *p);
/* the shape of a library's progress callback, for a struct progress as ctx: library code
 * reports (done, total) and the CLI draws, e.g. sim_config.progress = progress_cb */
void progress_cb(void *bar, int64_t done, int64_t total);
/* monotonic seconds */
double progress_now(void);

#endif
