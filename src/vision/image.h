/* vision/image.h - decoding images to 8-bit RGB (JPEG via libjpeg-turbo, PNG via libpng),
 * with EXIF orientation applied for JPEG and a pixel limit against decompression bombs;
 * and writing RGB as PNG (heatmaps, debug output).
 *     struct image img;
 *     if (image_load("face.jpg", IMAGE_DEFAULT_MAX_PIXELS, &img) != SHOP_OK) -> image_errmsg()
 *     ... img.rgb[(y * img.w + x) * 3 + c] ...
 *     image_release(&img);
 * Errors: SHOP_EIO (cannot read), SHOP_EINVAL (not an image, truncated, corrupt),
 * SHOP_ETOOBIG (more than max_pixels, checked from the header before decoding).          */
#ifndef SHOP_VISION_IMAGE_H
#define SHOP_VISION_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

#define IMAGE_DEFAULT_MAX_PIXELS (40u * 1000u * 1000u)

struct image {
    int w, h;
    uint8_t *rgb; /* w*h*3 bytes, row-major, owned */
};

SHOP_MUST_CHECK int image_load(const char *path, size_t max_pixels, struct image *out);
SHOP_MUST_CHECK int image_decode(const uint8_t *data, size_t n, size_t max_pixels,
                                 struct image *out);
void image_release(struct image *img); /* frees rgb; safe on a zeroed struct */
SHOP_MUST_CHECK int image_write_png(const char *path, const uint8_t *rgb, int w, int h);
/* the same PNG to an open stream (an HTTP body); the caller closes f */
SHOP_MUST_CHECK int image_write_png_stream(FILE *f, const uint8_t *rgb, int w, int h);
/* the message of the last failure on this thread */
const char *image_errmsg(void);

#endif
