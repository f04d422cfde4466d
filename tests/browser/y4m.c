/* tests/browser/y4m.c - builds the fake camera's video for the browser tests: each input
 * image (optionally cropped) is scaled to fit a 640x480 frame (letterboxed on grey) and
 * repeated for its duration at 10 frames per second, written as YUV4MPEG2 (4:2:0), the
 * format Chromium's --use-file-for-fake-video-capture reads. Decoding is our own
 * src/vision/image.c, so the test frames are the pixels the server will see.
 *     y4m OUT.y4m IMAGE[@X,Y,W,H]:SECONDS ...                                            */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "core/xalloc.h"
#include "vision/image.h"

#define W 640
#define H 480
#define FPS 10

/* the image (or its crop) scaled bilinearly into a W x H RGB frame, centred on grey */
static void fit(const struct image *img, int cx, int cy, int cw, int ch, uint8_t *rgb)
{
    memset(rgb, 96, (size_t)W * H * 3);
    double s = (double)W / cw < (double)H / ch ? (double)W / cw : (double)H / ch;
    int ow = (int)(cw * s), oh = (int)(ch * s);
    int x0 = (W - ow) / 2, y0 = (H - oh) / 2;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            double sx = cx + (x + 0.5) / s - 0.5, sy = cy + (y + 0.5) / s - 0.5;
            int ix = (int)sx, iy = (int)sy;
            double fx = sx - ix, fy = sy - iy;
            if (ix < 0) { ix = 0; fx = 0; }
            if (iy < 0) { iy = 0; fy = 0; }
            int ix1 = ix + 1 < img->w ? ix + 1 : ix, iy1 = iy + 1 < img->h ? iy + 1 : iy;
            for (int c = 0; c < 3; c++) {
                double a = img->rgb[((size_t)iy * img->w + ix) * 3 + c],
                       b = img->rgb[((size_t)iy * img->w + ix1) * 3 + c],
                       d = img->rgb[((size_t)iy1 * img->w + ix) * 3 + c],
                       e = img->rgb[((size_t)iy1 * img->w + ix1) * 3 + c];
                double v = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
                rgb[((size_t)(y0 + y) * W + x0 + x) * 3 + c] = (uint8_t)(v + 0.5);
            }
        }
}

/* BT.601 full range to limited-range Y'CbCr 4:2:0 */
static void write_frame(FILE *f, const uint8_t *rgb)
{
    static uint8_t y[W * H], u[W * H / 4], v[W * H / 4];
    for (int i = 0; i < W * H; i++) {
        double r = rgb[i * 3], g = rgb[i * 3 + 1], b = rgb[i * 3 + 2];
        y[i] = (uint8_t)(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255 + 0.5);
    }
    for (int j = 0; j < H / 2; j++)
        for (int i = 0; i < W / 2; i++) {
            double r = 0, g = 0, b = 0;
            for (int k = 0; k < 4; k++) {
                const uint8_t *p = rgb + ((size_t)(2 * j + k / 2) * W + 2 * i + k % 2) * 3;
                r += p[0] / 4.0;
                g += p[1] / 4.0;
                b += p[2] / 4.0;
            }
            u[j * W / 2 + i] = (uint8_t)(128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255 + 0.5);
            v[j * W / 2 + i] = (uint8_t)(128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255 + 0.5);
        }
    fputs("FRAME\n", f);
    fwrite(y, 1, sizeof(y), f);
    fwrite(u, 1, sizeof(u), f);
    fwrite(v, 1, sizeof(v), f);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: y4m OUT.y4m IMAGE[@X,Y,W,H]:SECONDS ...\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "wb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fprintf(f, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n", W, H, FPS);
    uint8_t *rgb = xmalloc((size_t)W * H * 3);
    for (int a = 2; a < argc; a++) {
        char spec[1024];
        snprintf(spec, sizeof(spec), "%s", argv[a]);
        char *colon = strrchr(spec, ':');
        double sec;
        if (!colon || parse_double(colon + 1, 0.1, 600, &sec) != SHOP_OK) {
            fprintf(stderr, "y4m: '%s' wants IMAGE[@X,Y,W,H]:SECONDS\n", argv[a]);
            return 2;
        }
        *colon = '\0';
        int cx = 0, cy = 0, cw = 0, ch = 0;
        char *at = strchr(spec, '@');
        if (at) {
            *at = '\0';
            if (sscanf(at + 1, "%d,%d,%d,%d", &cx, &cy, &cw, &ch) != 4 || cw <= 0 || ch <= 0) {
                fprintf(stderr, "y4m: bad crop in '%s'\n", argv[a]);
                return 2;
            }
        }
        struct image img;
        if (image_load(spec, IMAGE_DEFAULT_MAX_PIXELS, &img) != SHOP_OK) {
            fprintf(stderr, "y4m: %s: %s\n", spec, image_errmsg());
            return 1;
        }
        if (!at) {
            cw = img.w;
            ch = img.h;
        }
        if (cx < 0 || cy < 0 || cx + cw > img.w || cy + ch > img.h) {
            fprintf(stderr, "y4m: the crop of '%s' leaves the image (%dx%d)\n", spec, img.w, img.h);
            return 2;
        }
        fit(&img, cx, cy, cw, ch, rgb);
        for (int i = 0; i < (int)(sec * FPS + 0.5); i++)
            write_frame(f, rgb);
        image_release(&img);
    }
    free(rgb);
    return fclose(f) == 0 ? 0 : 1;
}
