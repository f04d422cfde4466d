#include "core/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void progress_start(struct progress *p, const char *label, int64_t total)
{
    p->label = label;
    p->total = total > 0 ? total : 1;
    p->enabled = isatty(STDERR_FILENO) && !getenv("SHOPPER_NO_PROGRESS");
    p->last_permille = -1;
    p->started = progress_now();
    progress_update(p, 0);
}

void progress_update(struct progress *p, int64_t done)
{
    if (!p->enabled)
        return;
    int permille = (int)(done * 1000 / p->total);
    if (permille > 1000)
        permille = 1000;
    if (permille == p->last_permille)
        return;
    p->last_permille = permille;
    char bar[31];
    int fill = permille * 30 / 1000;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    double el = progress_now() - p->started;
    fprintf(stderr, "\r%s [%s] %5.1f%% %lld/%lld %.1fs", p->label, bar, permille / 10.0,
            (long long)done, (long long)p->total, el);
    fflush(stderr);
}

void progress_finish(struct progress *p)
{
    if (!p->enabled)
        return;
    progress_update(p, p->total);
    fputc('\n', stderr);
}

void progress_cb(void *bar, int64_t done, int64_t total)
{
    struct progress *p = bar;
    if (total > 0)
        p->total = total;
    progress_update(p, done);
}
