#include "core/jsonw.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void jw_init(struct jsonw *w, FILE *f, int pretty)
{
    memset(w, 0, sizeof(*w));
    w->f = f;
    w->pretty = pretty;
}

static void indent(struct jsonw *w)
{
    if (!w->pretty)
        return;
    fputc('\n', w->f);
    for (int i = 0; i < w->depth; i++)
        fputs("  ", w->f);
}

/* separator before a value (or a key) at the current level */
static void before_value(struct jsonw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->count[w->depth]++)
            fputc(',', w->f);
        indent(w);
    }
}

static void open(struct jsonw *w, char c)
{
    before_value(w);
    fputc(c, w->f);
    assert(w->depth + 1 < JW_MAX_DEPTH);
    w->depth++;
    w->count[w->depth] = 0;
    w->close[w->depth] = c == '{' ? '}' : ']';
}

void jw_obj(struct jsonw *w)
{
    open(w, '{');
}

void jw_arr(struct jsonw *w)
{
    open(w, '[');
}

void jw_end(struct jsonw *w)
{
    assert(w->depth > 0);
    int had = w->count[w->depth];
    char c = w->close[w->depth];
    w->depth--;
    if (had)
        indent(w);
    fputc(c, w->f);
}

static void write_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void jw_key(struct jsonw *w, const char *key)
{
    before_value(w);
    write_escaped(w->f, key);
    fputc(':', w->f);
    if (w->pretty)
        fputc(' ', w->f);
    w->after_key = 1;
}

void jw_str(struct jsonw *w, const char *s)
{
    before_value(w);
    if (s)
        write_escaped(w->f, s);
    else
        fputs("null", w->f);
}

void jw_int(struct jsonw *w, int64_t v)
{
    before_value(w);
    fprintf(w->f, "%lld", (long long)v);
}

void jw_num(struct jsonw *w, double v)
{
    before_value(w);
    if (!isfinite(v)) {
        fputs("null", w->f);
        return;
    }
    char buf[32];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, w->f);
}

void jw_bool(struct jsonw *w, int v)
{
    before_value(w);
    fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jsonw *w)
{
    before_value(w);
    fputs("null", w->f);
}

void jw_finish(struct jsonw *w)
{
    fputc('\n', w->f);
}
