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

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one. */
static int utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0; /* a continuation byte, an overlong 2-byte lead, or beyond U+10FFFF */
    int n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    /* the second byte's range depends on the lead (overlongs, surrogates, > U+10FFFF) */
    unsigned char lo = 0x80, hi = 0xBF;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (p[1] < lo || p[1] > hi)
        return 0; /* also stops at the terminating NUL */
    for (int i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* A JSON string of s. Control characters (and DEL, U+2028, U+2029, which break JavaScript
 * that embeds the text) are escaped; a byte that does not start a well-formed UTF-8
 * sequence becomes U+FFFD, so the output is always valid UTF-8 whatever s holds. */
static void write_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = utf8_len(p);
        if (n == 0) {
            fputs("\\ufffd", f);
            p++;
            continue;
        }
        if (n == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
            fprintf(f, "\\u%04x", 0x2028 + (p[2] - 0xA8));
            p += 3;
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, (size_t)n, f);
            p += n;
            continue;
        }
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
        p++;
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
