/* vision/image.c - the one wrapper of libturbojpeg and libpng. Both decoders read the header
 * first and refuse an image over the pixel limit before allocating its pixels, so a small
 * hostile file cannot make us allocate gigabytes. Camera JPEGs carry their rotation in EXIF
 * (tag 0x0112), which we parse ourselves and apply, so a face is upright for the detectors. */
#include "vision/image.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "core/xalloc.h"

/* A 40-megapixel JPEG is ~20 MB; 256 MB leaves room for anything a camera makes. */
#define IMAGE_MAX_FILE_BYTES (256u << 20)
/* libpng's cap on one ancillary chunk (iCCP, zTXt ...): against decompression bombs there */
#define IMAGE_PNG_MAX_CHUNK (8u << 20)

const char *image_errmsg(void)
{
    return shop_errmsg();
}

static int fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int rc, const char *fmt, ...)
{
    char msg[SHOP_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return shop_fail(rc, "%s", msg);
}

void image_release(struct image *img)
{
    if (!img)
        return;
    free(img->rgb);
    img->rgb = NULL;
    img->w = img->h = 0;
}

static int check_pixels(int w, int h, size_t max_pixels)
{
    if (w <= 0 || h <= 0)
        return fail(SHOP_EINVAL, "image has no pixels (%dx%d)", w, h);
    if ((unsigned long long)w * (unsigned long long)h > max_pixels)
        return fail(SHOP_ETOOBIG, "image is %dx%d, over the limit of %zu pixels", w, h, max_pixels);
    return SHOP_OK;
}

/* ---- EXIF orientation ------------------------------------------------------------------ */

static unsigned get16(const uint8_t *p, int big)
{
    return big ? (unsigned)(p[0] << 8 | p[1]) : (unsigned)(p[1] << 8 | p[0]);
}

static uint32_t get32(const uint8_t *p, int big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Orientation (1-8) from a TIFF block: IFD0, tag 0x0112, type SHORT. 1 when absent or odd. */
static int tiff_orientation(const uint8_t *t, size_t n)
{
    if (n < 8)
        return 1;
    int big;
    if (t[0] == 'M' && t[1] == 'M')
        big = 1;
    else if (t[0] == 'I' && t[1] == 'I')
        big = 0;
    else
        return 1;
    if (get16(t + 2, big) != 42)
        return 1;
    uint32_t ifd = get32(t + 4, big);
    if (ifd > n - 2)
        return 1;
    unsigned count = get16(t + ifd, big);
    for (unsigned i = 0; i < count; i++) {
        size_t e = ifd + 2 + 12 * (size_t)i;
        if (e + 12 > n)
            break;
        if (get16(t + e, big) == 0x0112 && get16(t + e + 2, big) == 3 &&
            get32(t + e + 4, big) == 1) {
            unsigned v = get16(t + e + 8, big); /* a SHORT sits in the first bytes */
            return v >= 1 && v <= 8 ? (int)v : 1;
        }
    }
    return 1;
}

/* Walks the markers before the first scan for an APP1 "Exif" segment. */
static int jpeg_orientation(const uint8_t *d, size_t n)
{
    size_t i = 2;
    while (i + 4 <= n) {
        if (d[i] != 0xFF)
            return 1;
        uint8_t m = d[i + 1];
        if (m == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (m == 0xDA || m == 0xD9) /* start of scan, end of image: no EXIF before it */
            return 1;
        size_t len = (size_t)d[i + 2] << 8 | d[i + 3];
        if (len < 2 || i + 2 + len > n)
            return 1;
        if (m == 0xE1 && len >= 8 && memcmp(d + i + 4, "Exif\0\0", 6) == 0)
            return tiff_orientation(d + i + 10, len - 8);
        i += 2 + len;
    }
    return 1;
}

/* Turns the stored pixels upright: orientation o says how the stored image must be
 * transformed for display (2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90
 * clockwise, 7 transverse, 8 rotate 90 counter-clockwise). */
static void apply_orientation(struct image *img, int o)
{
    if (o <= 1 || o > 8)
        return;
    int w = img->w, h = img->h, swap = o >= 5;
    int ow = swap ? h : w, oh = swap ? w : h;
    uint8_t *out = xmalloc((size_t)w * h * 3);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
            int ix, iy;
            switch (o) {
            case 2:
                ix = w - 1 - ox, iy = oy;
                break;
            case 3:
                ix = w - 1 - ox, iy = h - 1 - oy;
                break;
            case 4:
                ix = ox, iy = h - 1 - oy;
                break;
            case 5:
                ix = oy, iy = ox;
                break;
            case 6:
                ix = oy, iy = h - 1 - ox;
                break;
            case 7:
                ix = w - 1 - oy, iy = h - 1 - ox;
                break;
            default:
                ix = w - 1 - oy, iy = ox;
                break; /* 8 */
            }
            memcpy(out + ((size_t)oy * ow + ox) * 3, img->rgb + ((size_t)iy * w + ix) * 3, 3);
        }
    free(img->rgb);
    img->rgb = out;
    img->w = ow;
    img->h = oh;
}

/* ---- JPEG ------------------------------------------------------------------------------ */

static int decode_jpeg(const uint8_t *data, size_t n, size_t max_pixels, struct image *out)
{
    tjhandle tj = tjInitDecompress();
    if (!tj)
        return fail(SHOP_EINVAL, "jpeg: %s", tjGetErrorStr2(NULL));
    /* zeroed: on a stream that ends before its frame header, TurboJPEG 2.1 can report
     * success without writing the size (found by ASan-built tests) */
    int rc, w = 0, h = 0, subsamp = -1, colorspace = -1;
    if (n > (unsigned long)-1 ||
        tjDecompressHeader3(tj, data, (unsigned long)n, &w, &h, &subsamp, &colorspace) != 0) {
        rc = fail(SHOP_EINVAL, "not a valid JPEG: %s", tjGetErrorStr2(tj));
        goto out;
    }
    if (w <= 0 || h <= 0) {
        rc = fail(SHOP_EINVAL, "truncated JPEG: no frame header");
        goto out;
    }
    if ((rc = check_pixels(w, h, max_pixels)) != SHOP_OK)
        goto out;
    if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
        /* TurboJPEG decodes these only to CMYK; print shops, not cameras, make them */
        rc = fail(SHOP_EINVAL, "CMYK JPEG is not supported (convert it to RGB)");
        goto out;
    }
    out->rgb = xmalloc((size_t)w * h * 3);
    out->w = w;
    out->h = h;
    /* A warning (premature end of data, corrupt segment) is an error: a half-grey frame must
     * not reach the detectors. LIMITSCANS bounds a progressive file's work. */
    if (tjDecompress2(tj, data, (unsigned long)n, out->rgb, w, 0, h, TJPF_RGB,
                      TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS) != 0) {
        rc = fail(SHOP_EINVAL, "corrupt or truncated JPEG: %s", tjGetErrorStr2(tj));
        image_release(out);
        goto out;
    }
    apply_orientation(out, jpeg_orientation(data, n));
    rc = SHOP_OK;
out:
    tjDestroy(tj);
    return rc;
}

/* ---- PNG ------------------------------------------------------------------------------- */

struct png_src {
    const uint8_t *data;
    size_t n, pos;
    jmp_buf jmp;
    char msg[200];
    uint8_t *rgb; /* in the struct, not a local: it must survive the longjmp */
    png_bytep *rows;
};

static void png_on_error(png_structp png, png_const_charp msg)
{
    struct png_src *src = png_get_error_ptr(png);
    snprintf(src->msg, sizeof(src->msg), "%s", msg);
    longjmp(src->jmp, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* e.g. "iCCP: known incorrect sRGB profile": harmless */
}

static void png_read_mem(png_structp png, png_bytep buf, png_size_t len)
{
    struct png_src *src = png_get_io_ptr(png);
    if (len > src->n - src->pos)
        png_error(png, "truncated PNG");
    memcpy(buf, src->data + src->pos, len);
    src->pos += len;
}

static int decode_png(const uint8_t *data, size_t n, size_t max_pixels, struct image *out)
{
    struct png_src *src = xcalloc(1, sizeof(*src));
    src->data = data;
    src->n = n;
    png_infop info = NULL;
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, src, png_on_error, png_on_warning);
    int rc = SHOP_EINVAL;
    if (!png || !(info = png_create_info_struct(png))) {
        rc = fail(SHOP_EINVAL, "png: cannot initialise libpng");
        goto out;
    }
    if (setjmp(src->jmp)) {
        rc = fail(SHOP_EINVAL, "corrupt or truncated PNG: %s", src->msg);
        goto out;
    }
    png_set_read_fn(png, src, png_read_mem);
    png_set_chunk_malloc_max(png, IMAGE_PNG_MAX_CHUNK);
    png_read_info(png, info);
    png_uint_32 w, h;
    int depth, color, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &color, &interlace, NULL, NULL);
    if (w > 0x7fffffff || h > 0x7fffffff) {
        rc = fail(SHOP_ETOOBIG, "image is %ux%u, over the limit of %zu pixels", (unsigned)w,
                  (unsigned)h, max_pixels);
        goto out;
    }
    if ((rc = check_pixels((int)w, (int)h, max_pixels)) != SHOP_OK)
        goto out;
    /* everything to 8-bit RGB: palette and low-bit gray expanded, 16-bit rounded to 8,
     * gray copied to three channels, alpha dropped (as face-api drops it) */
    png_set_expand(png);
    png_set_scale_16(png);
    png_set_gray_to_rgb(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 3) {
        rc = fail(SHOP_EINVAL, "png: unexpected row size after conversion");
        goto out;
    }
    src->rgb = xmalloc((size_t)w * h * 3);
    src->rows = xmalloc(h * sizeof(*src->rows));
    for (png_uint_32 y = 0; y < h; y++)
        src->rows[y] = src->rgb + (size_t)y * w * 3;
    png_read_image(png, src->rows);
    out->rgb = src->rgb;
    out->w = (int)w;
    out->h = (int)h;
    src->rgb = NULL;
    rc = SHOP_OK;
out:
    png_destroy_read_struct(png ? &png : NULL, info ? &info : NULL, NULL);
    free(src->rows);
    free(src->rgb);
    free(src);
    return rc;
}

/* ---- entry points ---------------------------------------------------------------------- */

int image_decode(const uint8_t *data, size_t n, size_t max_pixels, struct image *out)
{
    memset(out, 0, sizeof(*out));
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (!data || n == 0)
        return fail(SHOP_EINVAL, "empty image");
    if (n >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        return decode_jpeg(data, n, max_pixels, out);
    if (n >= 8 && memcmp(data, png_sig, 8) == 0)
        return decode_png(data, n, max_pixels, out);
    return fail(SHOP_EINVAL, "not a JPEG or PNG image");
}

int image_load(const char *path, size_t max_pixels, struct image *out)
{
    memset(out, 0, sizeof(*out));
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever, before
     * fstat could tell us it is not a file. A regular file ignores the flag. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fail(SHOP_EIO, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(SHOP_EIO, "'%s' is not a regular file", path);
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return fail(SHOP_EIO, "cannot open '%s': %s", path, strerror(errno));
    }
    uint8_t *data = NULL;
    int rc;
    if ((unsigned long long)st.st_size > IMAGE_MAX_FILE_BYTES) {
        rc = fail(SHOP_ETOOBIG, "'%s' is too large (%lld bytes)", path, (long long)st.st_size);
        goto out;
    }
    size_t n = (size_t)st.st_size;
    data = xmalloc(n + 1);
    if (fread(data, 1, n, f) != n) {
        rc = fail(SHOP_EIO, "cannot read '%s'", path);
        goto out;
    }
    rc = image_decode(data, n, max_pixels, out);
    if (rc != SHOP_OK) {
        char why[SHOP_ERRMSG_MAX];
        snprintf(why, sizeof(why), "%s", shop_errmsg());
        fail(rc, "'%s': %s", path, why);
    }
out:
    free(data);
    fclose(f);
    return rc;
}

struct png_dst {
    jmp_buf jmp;
    char msg[200];
    FILE *f;
};

static void png_on_write_error(png_structp png, png_const_charp msg)
{
    struct png_dst *dst = png_get_error_ptr(png);
    snprintf(dst->msg, sizeof(dst->msg), "%s", msg);
    longjmp(dst->jmp, 1);
}

int image_write_png(const char *path, const uint8_t *rgb, int w, int h)
{
    if (!rgb || w <= 0 || h <= 0 || w > 0x7fffff || h > 0x7fffff)
        return fail(SHOP_EINVAL, "cannot write a %dx%d image", w, h);
    /* written beside the target and renamed, so a reader never sees half a file */
    size_t tn = strlen(path) + 8;
    char *tmp = xmalloc(tn);
    snprintf(tmp, tn, "%s.part", path);
    struct png_dst *dst = xcalloc(1, sizeof(*dst));
    png_infop info = NULL;
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, dst, png_on_write_error, png_on_warning);
    int rc = SHOP_EIO;
    if (!png || !(info = png_create_info_struct(png))) {
        rc = fail(SHOP_EIO, "png: cannot initialise libpng");
        goto out;
    }
    dst->f = fopen(tmp, "wb");
    if (!dst->f) {
        rc = fail(SHOP_EIO, "cannot create '%s': %s", tmp, strerror(errno));
        goto out;
    }
    if (setjmp(dst->jmp)) {
        rc = fail(SHOP_EIO, "cannot write '%s': %s", path, dst->msg);
        goto out;
    }
    png_init_io(png, dst->f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < h; y++)
        png_write_row(png, rgb + (size_t)y * w * 3);
    png_write_end(png, NULL);
    FILE *f = dst->f;
    dst->f = NULL;
    if (fclose(f) != 0) {
        rc = fail(SHOP_EIO, "cannot write '%s': %s", path, strerror(errno));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc = fail(SHOP_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        goto out;
    }
    rc = SHOP_OK;
out:
    png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
    if (dst->f)
        fclose(dst->f);
    if (rc != SHOP_OK)
        remove(tmp);
    free(dst);
    free(tmp);
    return rc;
}

int image_write_png_stream(FILE *f, const uint8_t *rgb, int w, int h)
{
    if (!f || !rgb || w <= 0 || h <= 0 || w > 0x7fffff || h > 0x7fffff)
        return fail(SHOP_EINVAL, "cannot write a %dx%d image", w, h);
    struct png_dst *dst = xcalloc(1, sizeof(*dst));
    png_infop info = NULL;
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, dst, png_on_write_error, png_on_warning);
    int rc = SHOP_EIO;
    if (!png || !(info = png_create_info_struct(png))) {
        rc = fail(SHOP_EIO, "png: cannot initialise libpng");
        goto out;
    }
    if (setjmp(dst->jmp)) {
        rc = fail(SHOP_EIO, "cannot write a PNG: %s", dst->msg);
        goto out;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < h; y++)
        png_write_row(png, rgb + (size_t)y * w * 3);
    png_write_end(png, NULL);
    rc = fflush(f) == 0 ? SHOP_OK : fail(SHOP_EIO, "cannot write a PNG: %s", strerror(errno));
out:
    png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
    free(dst);
    return rc;
}
