/* fuzz/fuzz_image.c - libFuzzer harness for image_decode (JPEG, EXIF orientation, PNG).
 *     make fuzz FUZZ_SECONDS=300        -- see fuzz/run.sh
 * Besides crashes and leaks (ASan), it checks the contract: success gives w*h*3 bytes
 * within the pixel limit, failure gives a zeroed image and a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vision/image.h"

/* small, so that each input decodes fast and the fuzzer explores more */
#define FUZZ_MAX_PIXELS (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct image img;
    int rc = image_decode(data, size, FUZZ_MAX_PIXELS, &img);
    if (rc == SHOP_OK) {
        if (!img.rgb || img.w <= 0 || img.h <= 0 || (size_t)img.w * img.h > FUZZ_MAX_PIXELS)
            abort();
        /* touch every byte: ASan flags a buffer smaller than w*h*3 */
        volatile uint8_t sum = 0;
        for (size_t i = 0; i < (size_t)img.w * img.h * 3; i++)
            sum ^= img.rgb[i];
        (void)sum;
    } else if (img.rgb || !image_errmsg()[0] || rc >= 0) {
        abort();
    }
    image_release(&img);
    return 0;
}
