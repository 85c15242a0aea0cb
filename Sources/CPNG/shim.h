// libpng (Debian's libpng-dev) through its simplified API, which reports errors through the
// png_image struct instead of longjmp: nothing here can exit the process on bad bytes.
#include <png.h>
#include <stdlib.h>
#include <string.h>

/// Decodes a PNG held in memory to 8-bit samples in the file's own channel layout (gray, gray +
/// alpha, RGB or RGBA; palettes expanded, 16-bit samples reduced). On success returns 0 and sets
/// `*pixels` (free with `free`), `*width`, `*height`, `*channels`; on failure returns -1 and writes
/// libpng's message into `message`. Images whose pixels need more than `max_bytes` are refused.
static inline int swiftgrad_png_decode(const void *data, size_t size, size_t max_bytes,
                                       unsigned char **pixels, int *width, int *height, int *channels,
                                       char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    *pixels = NULL;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(message, message_size, "%s", image.message);
        png_image_free(&image);
        return -1;
    }
    png_uint_32 format = image.format & (PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA);
    image.format = format;
    size_t bytes = PNG_IMAGE_SIZE(image);
    if (image.width == 0 || image.height == 0 || bytes > max_bytes) {
        snprintf(message, message_size, "image of %u x %u pixels is larger than the limit of %zu bytes",
                 image.width, image.height, max_bytes);
        png_image_free(&image);
        return -1;
    }
    unsigned char *buffer = (unsigned char *)malloc(bytes);
    if (buffer == NULL) {
        snprintf(message, message_size, "out of memory for %zu bytes", bytes);
        png_image_free(&image);
        return -1;
    }
    if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
        snprintf(message, message_size, "%s", image.message);
        free(buffer);
        png_image_free(&image);
        return -1;
    }
    *pixels = buffer;
    *width = (int)image.width;
    *height = (int)image.height;
    *channels = (int)PNG_IMAGE_PIXEL_CHANNELS(format);
    return 0;
}
