/* tests/test_image.c - image decoding and PNG writing on files the test makes: JPEGs from
 * tjCompress2, PNGs from image_write_png or from libpng directly (palette, gray, 16-bit,
 * alpha, interlace), EXIF orientation inserted by editing bytes, and broken files. */
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "core/rng.h"
#include "core/xalloc.h"
#include "test.h"
#include "vision/image.h"

/* ---- fixtures ------------------------------------------------------------------------- */

/* a JPEG of rgb (w x h) at the given quality and subsampling; caller frees with tjFree */
static uint8_t *make_jpeg(const uint8_t *rgb, int w, int h, int quality, int subsamp, int pf,
                          size_t *n)
{
    tjhandle tj = tjInitCompress();
    unsigned char *jpeg = NULL;
    unsigned long len = 0;
    CHECK(tj && tjCompress2(tj, rgb, w, 0, h, pf, &jpeg, &len, subsamp, quality,
                            TJFLAG_ACCURATEDCT) == 0);
    tjDestroy(tj);
    *n = len;
    return jpeg;
}

static uint8_t *read_all(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = xmalloc((size_t)len + 1);
    *n = fread(d, 1, (size_t)len, f);
    fclose(f);
    return d;
}

static void write_all(const char *path, const void *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(d, 1, n, f) == n);
        fclose(f);
    }
}

static uint8_t *noise(int w, int h, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed);
    uint8_t *p = xmalloc((size_t)w * h * 3);
    for (size_t i = 0; i < (size_t)w * h * 3; i++)
        p[i] = (uint8_t)rng_below(&r, 256);
    return p;
}

static int max_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
    int m = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)a[i] - (int)b[i]);
        m = d > m ? d : m;
    }
    return m;
}

/* the CRC of a PNG chunk (type + data), for headers the test forges */
static uint32_t crc32_png(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ---- PNG ------------------------------------------------------------------------------ */

static void png_round_trip_is_exact(void)
{
    const int sizes[][2] = {{1, 1}, {7, 5}, {64, 3}, {3, 64}};
    for (int k = 0; k < 4; k++) {
        int w = sizes[k][0], h = sizes[k][1];
        uint8_t *rgb = noise(w, h, 100 + (uint64_t)k);
        char *path = test_tmp_path("rt.png");
        CHECK(image_write_png(path, rgb, w, h) == SHOP_OK);
        struct image img;
        CHECK(image_load(path, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_OK);
        CHECK(img.w == w && img.h == h);
        CHECK(img.rgb && memcmp(img.rgb, rgb, (size_t)w * h * 3) == 0);
        image_release(&img);
        CHECK(img.rgb == NULL && img.w == 0);
        /* no temporary file left beside it */
        char part[600];
        snprintf(part, sizeof(part), "%s.part", path);
        CHECK(access(part, F_OK) != 0);
        free(path);
        free(rgb);
    }
}

/* writes one PNG with libpng directly, in any colour type and depth */
static void write_png_raw(const char *path, int w, int h, int depth, int color, int interlace,
                          const uint8_t *rows, size_t rowbytes, const png_color *pal, int npal,
                          const uint8_t *trns, int ntrns)
{
    FILE *f = fopen(path, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    CHECK(f && png && info);
    if (!f || !png || !info || setjmp(png_jmpbuf(png))) {
        test_fail(__FILE__, __LINE__, "libpng could not write the fixture");
        png_destroy_write_struct(&png, &info);
        if (f)
            fclose(f);
        return;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color, interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (pal)
        png_set_PLTE(png, info, pal, npal);
    if (trns)
        png_set_tRNS(png, info, trns, ntrns, NULL);
    png_write_info(png, info);
    png_bytep *rp = xmalloc((size_t)h * sizeof(*rp));
    for (int y = 0; y < h; y++)
        rp[y] = (png_bytep)rows + (size_t)y * rowbytes;
    png_write_image(png, rp);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rp);
    fclose(f);
}

static int load_tmp_png(const char *path, struct image *img)
{
    return image_load(path, IMAGE_DEFAULT_MAX_PIXELS, img);
}

static void png_palette_and_transparency(void)
{
    const png_color pal[3] = {{10, 20, 30}, {200, 100, 0}, {1, 2, 3}};
    const uint8_t trns[3] = {0, 128, 255}; /* alpha is dropped, never blended */
    const uint8_t rows[2] = {0x01, 0x20};  /* 4-bit indices: [0 1] / [2 0] */
    char *path = test_tmp_path("pal.png");
    write_png_raw(path, 2, 2, 4, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, rows, 1, pal, 3, trns,
                  3);
    struct image img;
    CHECK(load_tmp_png(path, &img) == SHOP_OK);
    const uint8_t want[12] = {10, 20, 30, 200, 100, 0, 1, 2, 3, 10, 20, 30};
    CHECK(img.w == 2 && img.h == 2 && img.rgb && memcmp(img.rgb, want, 12) == 0);
    image_release(&img);
    free(path);
}

static void png_gray_1bit_and_8bit_alpha(void)
{
    char *path = test_tmp_path("g1.png");
    const uint8_t bits[1] = {0xA0}; /* 1 0 1 0 */
    write_png_raw(path, 4, 1, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, bits, 1, NULL, 0, NULL,
                  0);
    struct image img;
    CHECK(load_tmp_png(path, &img) == SHOP_OK);
    const uint8_t want1[12] = {255, 255, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0};
    CHECK(img.w == 4 && img.rgb && memcmp(img.rgb, want1, 12) == 0);
    image_release(&img);
    free(path);

    path = test_tmp_path("ga.png");
    const uint8_t ga[4] = {77, 0, 250, 9}; /* gray, alpha */
    write_png_raw(path, 2, 1, 8, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_INTERLACE_NONE, ga, 4, NULL, 0,
                  NULL, 0);
    CHECK(load_tmp_png(path, &img) == SHOP_OK);
    const uint8_t want2[6] = {77, 77, 77, 250, 250, 250};
    CHECK(img.w == 2 && img.rgb && memcmp(img.rgb, want2, 6) == 0);
    image_release(&img);
    free(path);
}

static void png_16bit_rgba_is_rounded(void)
{
    /* 0x12FF: its high byte is 0x12 = 18 but 0x12FF / 257 = 18.86, so rounding gives 19;
     * 0x7F00 / 257 = 126.5 rounds up */
    const uint16_t px[2][4] = {{0x12FF, 0x0000, 0xFFFF, 0x0000}, {0x8080, 0x0101, 0x7F00, 0xFFFF}};
    uint8_t rows[16];
    for (int i = 0; i < 8; i++) {
        rows[2 * i] = (uint8_t)(px[i / 4][i % 4] >> 8); /* PNG samples are big-endian */
        rows[2 * i + 1] = (uint8_t)px[i / 4][i % 4];
    }
    char *path = test_tmp_path("16.png");
    write_png_raw(path, 2, 1, 16, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, rows, 16, NULL, 0,
                  NULL, 0);
    struct image img;
    CHECK(load_tmp_png(path, &img) == SHOP_OK);
    const uint8_t want[6] = {19, 0, 255, 128, 1, 127};
    CHECK(img.w == 2 && img.h == 1 && img.rgb && memcmp(img.rgb, want, 6) == 0);
    image_release(&img);
    free(path);
}

static void png_interlaced(void)
{
    int w = 13, h = 11;
    uint8_t *rgb = noise(w, h, 7);
    char *path = test_tmp_path("adam7.png");
    write_png_raw(path, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7, rgb, (size_t)w * 3, NULL,
                  0, NULL, 0);
    struct image img;
    CHECK(load_tmp_png(path, &img) == SHOP_OK);
    CHECK(img.w == w && img.h == h && img.rgb && memcmp(img.rgb, rgb, (size_t)w * h * 3) == 0);
    image_release(&img);
    free(path);
    free(rgb);
}

static void png_broken_files_are_errors(void)
{
    int w = 40, h = 30;
    uint8_t *rgb = noise(w, h, 3);
    char *path = test_tmp_path("b.png");
    CHECK(image_write_png(path, rgb, w, h) == SHOP_OK);
    size_t n = 0;
    uint8_t *d = read_all(path, &n);
    struct image img;
    /* every prefix: an error (never a crash), except the whole file */
    int errors = 0;
    for (size_t len = 0; d && len < n; len++) {
        int rc = image_decode(d, len, IMAGE_DEFAULT_MAX_PIXELS, &img);
        errors += rc == SHOP_EINVAL && img.rgb == NULL;
        image_release(&img);
    }
    CHECK(errors >= (int)n - 12); /* the IEND chunk (12 bytes) is not needed for the pixels */
    CHECK(image_decode(d, n / 2, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_EINVAL);
    CHECK(strstr(image_errmsg(), "PNG") != NULL);
    /* a flipped bit in the pixel data: the CRC catches it */
    d[n - 20] ^= 0x10;
    CHECK(image_decode(d, n, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_EINVAL);
    CHECK(strstr(image_errmsg(), "CRC") != NULL || strstr(image_errmsg(), "corrupt") != NULL);
    free(d);
    free(path);
    free(rgb);
}

/* a PNG that declares w x h but holds almost nothing: refused from its header */
static void png_bomb_is_refused(void)
{
    const uint32_t dims[][2] = {{100000, 100000}, {10000, 10000}, {0x7fffffff, 1}};
    for (int k = 0; k < 3; k++) {
        uint8_t png[8 + 25 + 12] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        uint8_t *c = png + 8;
        put32be(c, 13);
        memcpy(c + 4, "IHDR", 4);
        put32be(c + 8, dims[k][0]);
        put32be(c + 12, dims[k][1]);
        c[16] = 8, c[17] = 2, c[18] = 0, c[19] = 0, c[20] = 0;
        put32be(c + 21, crc32_png(c + 4, 17));
        /* an empty IDAT */
        put32be(c + 25, 0);
        memcpy(c + 29, "IDAT", 4);
        put32be(c + 33, crc32_png(c + 29, 4));
        struct image img;
        int rc = image_decode(png, sizeof(png), IMAGE_DEFAULT_MAX_PIXELS, &img);
        /* libpng itself refuses widths over its own 1,000,000 limit before we see them */
        CHECK(rc == SHOP_ETOOBIG || (k == 2 && rc == SHOP_EINVAL));
        CHECK(img.rgb == NULL);
        if (k < 2)
            CHECK(strstr(image_errmsg(), "over the limit") != NULL);
    }
}

static void pixel_limit_is_configurable(void)
{
    int w = 100, h = 100;
    uint8_t *rgb = noise(w, h, 5);
    char *path = test_tmp_path("limit.png");
    CHECK(image_write_png(path, rgb, w, h) == SHOP_OK);
    struct image img;
    CHECK(image_load(path, 9999, &img) == SHOP_ETOOBIG && img.rgb == NULL);
    CHECK(image_load(path, 10000, &img) == SHOP_OK && img.w == 100);
    image_release(&img);
    size_t n;
    uint8_t *jpeg = make_jpeg(rgb, w, h, 90, TJSAMP_420, TJPF_RGB, &n);
    CHECK(image_decode(jpeg, n, 9999, &img) == SHOP_ETOOBIG && img.rgb == NULL);
    CHECK(image_decode(jpeg, n, 10000, &img) == SHOP_OK && img.h == 100);
    image_release(&img);
    tjFree(jpeg);
    free(path);
    free(rgb);
}

static void write_png_errors(void)
{
    uint8_t rgb[3] = {1, 2, 3};
    char *dir = test_tmp_path("nodir");
    char path[600];
    snprintf(path, sizeof(path), "%s/x.png", dir); /* the folder does not exist */
    CHECK(image_write_png(path, rgb, 1, 1) == SHOP_EIO);
    CHECK(strstr(image_errmsg(), "x.png") != NULL);
    CHECK(image_write_png(path, rgb, 0, 1) == SHOP_EINVAL);
    CHECK(image_write_png(path, NULL, 1, 1) == SHOP_EINVAL);
    free(dir);
}

/* ---- JPEG ----------------------------------------------------------------------------- */

/* a smooth image: JPEG at high quality must stay close to it */
static uint8_t *gradient(int w, int h)
{
    uint8_t *p = xmalloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *q = p + ((size_t)y * w + x) * 3;
            q[0] = (uint8_t)(x * 255 / (w - 1));
            q[1] = (uint8_t)(y * 255 / (h - 1));
            q[2] = (uint8_t)((x + y) * 255 / (w + h - 2));
        }
    return p;
}

static void jpeg_decodes_close_to_source(void)
{
    int w = 61, h = 47; /* not multiples of the 8x8/16x16 blocks */
    uint8_t *rgb = gradient(w, h);
    const int subs[] = {TJSAMP_444, TJSAMP_420};
    for (int k = 0; k < 2; k++) {
        size_t n;
        uint8_t *jpeg = make_jpeg(rgb, w, h, 98, subs[k], TJPF_RGB, &n);
        struct image img;
        CHECK(image_decode(jpeg, n, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_OK);
        CHECK(img.w == w && img.h == h);
        CHECK(img.rgb && max_diff(img.rgb, rgb, (size_t)w * h * 3) <= 6);
        image_release(&img);
        tjFree(jpeg);
    }
    free(rgb);
}

static void jpeg_gray_and_1x1(void)
{
    uint8_t px[3] = {200, 40, 90};
    size_t n;
    uint8_t *jpeg = make_jpeg(px, 1, 1, 100, TJSAMP_444, TJPF_RGB, &n);
    struct image img;
    CHECK(image_decode(jpeg, n, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_OK);
    CHECK(img.w == 1 && img.h == 1 && img.rgb && max_diff(img.rgb, px, 3) <= 3);
    image_release(&img);
    tjFree(jpeg);

    uint8_t g[16 * 8];
    for (int i = 0; i < 128; i++)
        g[i] = (uint8_t)(i * 2);
    jpeg = make_jpeg(g, 16, 8, 95, TJSAMP_GRAY, TJPF_GRAY, &n);
    CHECK(image_decode(jpeg, n, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_OK);
    int same = 1;
    for (int i = 0; img.rgb && i < 128; i++)
        same &= img.rgb[3 * i] == img.rgb[3 * i + 1] && img.rgb[3 * i] == img.rgb[3 * i + 2] &&
                abs(img.rgb[3 * i] - g[i]) <= 4;
    CHECK(img.w == 16 && img.h == 8 && same);
    image_release(&img);
    tjFree(jpeg);
}

static void jpeg_cmyk_is_a_clear_error(void)
{
    uint8_t cmyk[8 * 8 * 4];
    memset(cmyk, 60, sizeof(cmyk));
    size_t n;
    uint8_t *jpeg = make_jpeg(cmyk, 8, 8, 90, TJSAMP_444, TJPF_CMYK, &n);
    struct image img;
    CHECK(image_decode(jpeg, n, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_EINVAL);
    CHECK(strstr(image_errmsg(), "CMYK") != NULL && img.rgb == NULL);
    tjFree(jpeg);
}

static void jpeg_truncated_and_corrupt(void)
{
    int w = 48, h = 32;
    uint8_t *rgb = gradient(w, h);
    size_t n;
    uint8_t *jpeg = make_jpeg(rgb, w, h, 90, TJSAMP_420, TJPF_RGB, &n);
    struct image img;
    CHECK(image_decode(jpeg, n / 2, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_EINVAL);
    CHECK(strstr(image_errmsg(), "JPEG") != NULL && img.rgb == NULL);
    /* every prefix is an error and never a crash (ASan runs this too) */
    int errors = 0;
    for (size_t len = 1; len < n - 2; len++) {
        errors += image_decode(jpeg, len, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_EINVAL;
        image_release(&img);
    }
    CHECK(errors == (int)n - 3);
    /* garbage in the entropy-coded data */
    uint8_t *bad = xmalloc(n);
    memcpy(bad, jpeg, n);
    for (size_t i = n - 40; i < n - 10; i++)
        bad[i] = 0xFF;
    int rc = image_decode(bad, n, IMAGE_DEFAULT_MAX_PIXELS, &img);
    CHECK(rc == SHOP_EINVAL || rc == SHOP_OK); /* libjpeg may resynchronise; either is fine */
    image_release(&img);
    free(bad);
    tjFree(jpeg);
    free(rgb);
}

/* a 10000x10000 (and a 60000x60000) header on a tiny file: refused before decoding */
static void jpeg_huge_header_is_refused(void)
{
    uint8_t px[16 * 16 * 3] = {0};
    size_t n;
    uint8_t *jpeg = make_jpeg(px, 16, 16, 90, TJSAMP_444, TJPF_RGB, &n);
    size_t sof = 0;
    for (size_t i = 2; i + 9 < n && !sof; i++)
        if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0)
            sof = i;
    CHECK(sof > 0);
    const int sides[] = {10000, 60000}; /* libjpeg itself refuses sides over 65500 */
    for (int k = 0; sof && k < 2; k++) {
        jpeg[sof + 5] = (uint8_t)(sides[k] >> 8), jpeg[sof + 6] = (uint8_t)sides[k]; /* height */
        jpeg[sof + 7] = (uint8_t)(sides[k] >> 8), jpeg[sof + 8] = (uint8_t)sides[k]; /* width */
        struct image img;
        CHECK(image_decode(jpeg, n, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_ETOOBIG);
        CHECK(img.rgb == NULL && strstr(image_errmsg(), "over the limit") != NULL);
    }
    tjFree(jpeg);
}

/* An APP1 Exif segment holding IFD0 with one entry, orientation o, in either byte order. */
static size_t exif_segment(uint8_t *s, int o, int big)
{
    static const uint8_t head[] = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
    memcpy(s, head, sizeof(head));
    uint8_t *t = s + sizeof(head);
    size_t k = 0;
#define P16(v)                                                                                     \
    (big ? (t[k] = (uint8_t)((v) >> 8), t[k + 1] = (uint8_t)(v))                                   \
         : (t[k] = (uint8_t)(v), t[k + 1] = (uint8_t)((v) >> 8)),                                  \
     k += 2)
#define P32(v) (big ? (P16((v) >> 16), P16((v)&0xffff)) : (P16((v)&0xffff), P16((v) >> 16)))
    t[k++] = big ? 'M' : 'I';
    t[k++] = big ? 'M' : 'I';
    P16(42);
    P32(8u); /* IFD0 right after the header */
    P16(2);  /* two entries: a decoy tag, then the orientation */
    P16(0x010F), P16(2), P32(4u), P32(0x41424300u);
    P16(0x0112), P16(3), P32(1u), P16((unsigned)o), P16(0);
    P32(0u); /* no next IFD */
#undef P16
#undef P32
    size_t len = sizeof(head) - 2 + k;
    s[2] = (uint8_t)(len >> 8), s[3] = (uint8_t)len;
    return 2 + len;
}

enum { TL, TR, BL, BR };

static void jpeg_exif_orientation(void)
{
    /* four flat 16x8 quadrants, so the 8x8 DCT blocks stay flat and colours survive */
    int w = 32, h = 16;
    const uint8_t col[4][3] = {{250, 0, 0}, {0, 250, 0}, {0, 0, 250}, {250, 250, 250}};
    uint8_t *rgb = xmalloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            memcpy(rgb + ((size_t)y * w + x) * 3, col[(y >= h / 2) * 2 + (x >= w / 2)], 3);
    size_t n;
    uint8_t *jpeg = make_jpeg(rgb, w, h, 100, TJSAMP_444, TJPF_RGB, &n);
    /* where the stored corners TL, TR, BL, BR appear on screen. EXIF: 5-8 say that the
     * stored row 0 is the visual left (5, 8) or right (6, 7) side, and the stored column 0
     * the visual top (5, 6) or bottom (7, 8). */
    static const int dest[9][4] = {
        {0},
        {TL, TR, BL, BR},
        {TR, TL, BR, BL},
        {BR, BL, TR, TL},
        {BL, BR, TL, TR},
        {TL, BL, TR, BR},
        {TR, BR, TL, BL},
        {BR, TR, BL, TL},
        {BL, TL, BR, TR},
    };
    uint8_t *with = xmalloc(n + 64);
    for (int o = 1; o <= 8; o++)
        for (int big = 0; big < 2; big++) {
            memcpy(with, jpeg, 2); /* SOI, then our APP1, then the rest */
            size_t seg = exif_segment(with + 2, o, big);
            memcpy(with + 2 + seg, jpeg + 2, n - 2);
            struct image img;
            int rc = image_decode(with, n + seg, IMAGE_DEFAULT_MAX_PIXELS, &img);
            CHECK(rc == SHOP_OK);
            if (rc != SHOP_OK)
                continue;
            int ow = o >= 5 ? h : w, oh = o >= 5 ? w : h;
            CHECK(img.w == ow && img.h == oh);
            const int at[4][2] = {{0, 0}, {ow - 1, 0}, {0, oh - 1}, {ow - 1, oh - 1}};
            for (int c = 0; c < 4; c++) {
                const int *p = at[dest[o][c]];
                const uint8_t *got = img.rgb + ((size_t)p[1] * ow + p[0]) * 3;
                if (max_diff(got, col[c], 3) > 8) {
                    char msg[120];
                    snprintf(msg, sizeof(msg), "orientation %d (%s): corner %d misplaced", o,
                             big ? "MM" : "II", c);
                    test_fail(__FILE__, __LINE__, msg);
                }
            }
            image_release(&img);
        }
    /* an out-of-range orientation and a cut EXIF block are ignored, not errors */
    memcpy(with, jpeg, 2);
    size_t seg = exif_segment(with + 2, 9, 0);
    memcpy(with + 2 + seg, jpeg + 2, n - 2);
    struct image img;
    CHECK(image_decode(with, n + seg, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_OK);
    CHECK(img.w == w && img.h == h);
    image_release(&img);
    free(with);
    tjFree(jpeg);
    free(rgb);
}

static void not_images_are_errors(void)
{
    struct image img;
    CHECK(image_decode((const uint8_t *)"", 0, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_EINVAL);
    CHECK(strstr(image_errmsg(), "empty") != NULL);
    const char *text = "hello, this is not a picture\n";
    CHECK(image_decode((const uint8_t *)text, strlen(text), IMAGE_DEFAULT_MAX_PIXELS, &img) ==
          SHOP_EINVAL);
    CHECK(strstr(image_errmsg(), "not a JPEG or PNG") != NULL);
    const uint8_t soi[3] = {0xFF, 0xD8, 0xFF}; /* a JPEG signature and nothing else */
    CHECK(image_decode(soi, 3, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_EINVAL);

    char *path = test_tmp_path("empty.jpg");
    write_all(path, "", 0);
    CHECK(image_load(path, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_EINVAL);
    CHECK(strstr(image_errmsg(), "empty.jpg") != NULL && img.rgb == NULL);
    free(path);
    CHECK(image_load("/nonexistent/x.jpg", IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_EIO);
    CHECK(image_load("/tmp", IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_EIO);
}

/* the package's demo photos, when fetched: sizes as the notes and `file` report them */
static void sample_photos_decode(void)
{
    const char *dir = getenv("SHOPPER_MODELS") ? getenv("SHOPPER_MODELS") : "models";
    char path[512];
    snprintf(path, sizeof(path), "%s/samples/sample1.jpg", dir);
    if (access(path, R_OK) != 0) {
        printf("note: %s missing (make models); sample photo case skipped\n", path);
        return;
    }
    const int sizes[6][2] = {{1920, 1280}, {1920, 1367}, {1920, 1350},
                             {1920, 1448}, {1920, 1398}, {1920, 1537}};
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof(path), "%s/samples/sample%d.jpg", dir, i + 1);
        struct image img;
        CHECK(image_load(path, IMAGE_DEFAULT_MAX_PIXELS, &img) == SHOP_OK);
        CHECK(img.w == sizes[i][0] && img.h == sizes[i][1]);
        image_release(&img);
    }
}

void test_image(void)
{
    RUN(png_round_trip_is_exact);
    RUN(png_palette_and_transparency);
    RUN(png_gray_1bit_and_8bit_alpha);
    RUN(png_16bit_rgba_is_rounded);
    RUN(png_interlaced);
    RUN(png_broken_files_are_errors);
    RUN(png_bomb_is_refused);
    RUN(pixel_limit_is_configurable);
    RUN(write_png_errors);
    RUN(jpeg_decodes_close_to_source);
    RUN(jpeg_gray_and_1x1);
    RUN(jpeg_cmyk_is_a_clear_error);
    RUN(jpeg_truncated_and_corrupt);
    RUN(jpeg_huge_header_is_refused);
    RUN(jpeg_exif_orientation);
    RUN(not_images_are_errors);
    RUN(sample_photos_decode);
}
