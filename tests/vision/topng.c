/* tests/vision/topng.c - makes the lossless inputs of the reference comparison: decodes an
 * image with our own src/vision/image.c, optionally edits it, and writes PNG, so that
 * `shopper faces` and face-api see exactly the same pixels. Also makes the camera frames of
 * the server's tests: OUT ending in .jpg is written as a JPEG (quality 90).
 *     vision_topng IN OUT.png [crop X Y W H] [flip] [scale W H] [canvas W H]
 *                             [warpx A N B] ...   (applied in order)
 * canvas centres the image on a grey W x H frame, scaled down to fit when larger; warpx
 * moves column N to the middle of columns A..B by stretching one side and squeezing the
 * other (turns a face's apparent pose towards straight: the nose between the jaw ends).
 * scale is a plain bilinear resample (half-pixel centres): any resampler will do, as both
 * sides read its output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/parse.h"
#include "core/xalloc.h"
#include "vision/image.h"

static int arg_int(char **argv, int i, int argc, int lo, int hi, int *out)
{
    int64_t v;
    if (i >= argc || parse_int64(argv[i], lo, hi, &v) != SHOP_OK) {
        fprintf(stderr, "vision_topng: expected an integer in [%d, %d] at argument %d\n", lo, hi,
                i);
        return 0;
    }
    *out = (int)v;
    return 1;
}

static void crop(struct image *img, int x, int y, int w, int h)
{
    uint8_t *out = xmalloc((size_t)w * h * 3);
    for (int r = 0; r < h; r++)
        memcpy(out + (size_t)r * w * 3, img->rgb + ((size_t)(y + r) * img->w + x) * 3,
               (size_t)w * 3);
    free(img->rgb);
    img->rgb = out;
    img->w = w;
    img->h = h;
}

static void flip(struct image *img)
{
    for (int y = 0; y < img->h; y++)
        for (int x = 0; x < img->w / 2; x++) {
            uint8_t *a = img->rgb + ((size_t)y * img->w + x) * 3;
            uint8_t *b = img->rgb + ((size_t)y * img->w + (img->w - 1 - x)) * 3;
            for (int c = 0; c < 3; c++) {
                uint8_t t = a[c];
                a[c] = b[c];
                b[c] = t;
            }
        }
}

static void scale(struct image *img, int w, int h)
{
    uint8_t *out = xmalloc((size_t)w * h * 3);
    double sx = (double)img->w / w, sy = (double)img->h / h;
    for (int y = 0; y < h; y++) {
        double fy = (y + 0.5) * sy - 0.5;
        fy = fy < 0 ? 0 : fy;
        int y0 = (int)fy, y1 = y0 + 1 < img->h ? y0 + 1 : y0;
        double wy = fy - y0;
        for (int x = 0; x < w; x++) {
            double fx = (x + 0.5) * sx - 0.5;
            fx = fx < 0 ? 0 : fx;
            int x0 = (int)fx, x1 = x0 + 1 < img->w ? x0 + 1 : x0;
            double wx = fx - x0;
            for (int c = 0; c < 3; c++) {
#define PX(xx, yy) img->rgb[((size_t)(yy) * img->w + (xx)) * 3 + c]
                double v = (PX(x0, y0) * (1 - wx) + PX(x1, y0) * wx) * (1 - wy) +
                           (PX(x0, y1) * (1 - wx) + PX(x1, y1) * wx) * wy;
#undef PX
                out[((size_t)y * w + x) * 3 + c] = (uint8_t)(v + 0.5);
            }
        }
    }
    free(img->rgb);
    img->rgb = out;
    img->w = w;
    img->h = h;
}

static void canvas(struct image *img, int w, int h)
{
    if (img->w > w || img->h > h) {
        double f = (double)w / img->w < (double)h / img->h ? (double)w / img->w
                                                           : (double)h / img->h;
        int nw = (int)(img->w * f), nh = (int)(img->h * f);
        scale(img, nw < 1 ? 1 : nw, nh < 1 ? 1 : nh);
    }
    uint8_t *out = xmalloc((size_t)w * h * 3);
    memset(out, 128, (size_t)w * h * 3);
    int x0 = (w - img->w) / 2, y0 = (h - img->h) / 2;
    for (int r = 0; r < img->h; r++)
        memcpy(out + ((size_t)(y0 + r) * w + x0) * 3, img->rgb + (size_t)r * img->w * 3,
               (size_t)img->w * 3);
    free(img->rgb);
    img->rgb = out;
    img->w = w;
    img->h = h;
}

static void warpx(struct image *img, int a, int n, int b)
{
    uint8_t *out = xmalloc((size_t)img->w * img->h * 3);
    memcpy(out, img->rgb, (size_t)img->w * img->h * 3);
    double m = (a + b) / 2.0;
    for (int x = a; x <= b; x++) {
        /* the source column of output column x */
        double fx = x <= m ? a + (x - a) * (n - a) / (m - a) : n + (x - m) * (b - n) / (b - m);
        int x0 = (int)fx, x1 = x0 + 1 < img->w ? x0 + 1 : x0;
        double wx = fx - x0;
        for (int y = 0; y < img->h; y++)
            for (int c = 0; c < 3; c++) {
                const uint8_t *row = img->rgb + (size_t)y * img->w * 3;
                out[((size_t)y * img->w + x) * 3 + c] =
                    (uint8_t)(row[x0 * 3 + c] * (1 - wx) + row[x1 * 3 + c] * wx + 0.5);
            }
    }
    free(img->rgb);
    img->rgb = out;
}

static int write_jpeg(const char *path, const struct image *img)
{
    tjhandle tj = tjInitCompress();
    unsigned char *jpg = NULL;
    unsigned long n = 0;
    int ok = tj && tjCompress2(tj, img->rgb, img->w, 0, img->h, TJPF_RGB, &jpg, &n, TJSAMP_420,
                               90, 0) == 0;
    FILE *f = ok ? fopen(path, "wb") : NULL;
    ok = f && fwrite(jpg, 1, n, f) == n;
    if (f && fclose(f) != 0)
        ok = 0;
    tjFree(jpg);
    if (tj)
        tjDestroy(tj);
    if (!ok)
        fprintf(stderr, "vision_topng: cannot write '%s'\n", path);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: vision_topng IN OUT.png [crop X Y W H] [flip] [scale W H] ...\n");
        return 2;
    }
    struct image img;
    if (image_load(argv[1], IMAGE_DEFAULT_MAX_PIXELS, &img) != SHOP_OK) {
        fprintf(stderr, "vision_topng: %s\n", image_errmsg());
        return 1;
    }
    int rc = 2;
    for (int i = 3; i < argc; i++) {
        int x, y, w, h;
        if (strcmp(argv[i], "crop") == 0) {
            if (!arg_int(argv, i + 1, argc, 0, img.w - 1, &x) ||
                !arg_int(argv, i + 2, argc, 0, img.h - 1, &y) ||
                !arg_int(argv, i + 3, argc, 1, img.w - x, &w) ||
                !arg_int(argv, i + 4, argc, 1, img.h - y, &h))
                goto out;
            crop(&img, x, y, w, h);
            i += 4;
        } else if (strcmp(argv[i], "flip") == 0) {
            flip(&img);
        } else if (strcmp(argv[i], "scale") == 0) {
            if (!arg_int(argv, i + 1, argc, 1, 8000, &w) || !arg_int(argv, i + 2, argc, 1, 8000, &h))
                goto out;
            scale(&img, w, h);
            i += 2;
        } else if (strcmp(argv[i], "canvas") == 0) {
            if (!arg_int(argv, i + 1, argc, 1, 8000, &w) || !arg_int(argv, i + 2, argc, 1, 8000, &h))
                goto out;
            canvas(&img, w, h);
            i += 2;
        } else if (strcmp(argv[i], "warpx") == 0) {
            int a, n, b;
            if (!arg_int(argv, i + 1, argc, 0, img.w - 3, &a) ||
                !arg_int(argv, i + 3, argc, a + 2, img.w - 1, &b) ||
                !arg_int(argv, i + 2, argc, a + 1, b - 1, &n))
                goto out;
            warpx(&img, a, n, b);
            i += 3;
        } else {
            fprintf(stderr, "vision_topng: unknown operation '%s'\n", argv[i]);
            goto out;
        }
    }
    rc = 1;
    size_t ol = strlen(argv[2]);
    if (ol > 4 && strcmp(argv[2] + ol - 4, ".jpg") == 0) {
        if (write_jpeg(argv[2], &img))
            rc = 0;
        goto out;
    }
    if (image_write_png(argv[2], img.rgb, img.w, img.h) != SHOP_OK) {
        fprintf(stderr, "vision_topng: %s\n", image_errmsg());
        goto out;
    }
    rc = 0;
out:
    image_release(&img);
    return rc;
}
