/* core/jsonw.h - a streaming JSON writer to a FILE (stdout, or open_memstream for HTTP).
 *     struct jsonw w; jw_init(&w, stdout, 0);
 *     jw_obj(&w); jw_key(&w, "n"); jw_int(&w, 3); jw_key(&w, "x"); jw_num(&w, 0.5);
 *     jw_end(&w); jw_finish(&w);              -> {"n":3,"x":0.5}
 * Non-finite numbers are written as null, so output is always valid JSON.            */
#ifndef SHOP_CORE_JSONW_H
#define SHOP_CORE_JSONW_H

#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 32

struct jsonw {
    FILE *f;
    int depth;
    int pretty;
    int count[JW_MAX_DEPTH]; /* values written at each level */
    char close[JW_MAX_DEPTH]; /* '}' or ']' for each open level */
    int after_key;
};

void jw_init(struct jsonw *w, FILE *f, int pretty);
void jw_obj(struct jsonw *w);
void jw_arr(struct jsonw *w);
void jw_end(struct jsonw *w); /* closes the innermost object or array */
void jw_key(struct jsonw *w, const char *key);
void jw_str(struct jsonw *w, const char *s); /* NULL writes null */
void jw_int(struct jsonw *w, int64_t v);
void jw_num(struct jsonw *w, double v); /* shortest round-trip form, %.17g at most */
void jw_bool(struct jsonw *w, int v);
void jw_null(struct jsonw *w);
/* ends the document with a newline */
void jw_finish(struct jsonw *w);

#endif
