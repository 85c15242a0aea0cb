// libjpeg-turbo (Debian's libjpeg62-turbo-dev). libjpeg reports a fatal error by calling
// error_exit, which by default exits the process; here it longjmps back into
// swiftgrad_jpeg_decode, which returns -1 with the message, so bad bytes never end the process.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

struct swiftgrad_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static inline void swiftgrad_jpeg_error_exit(j_common_ptr info) {
    struct swiftgrad_jpeg_error *error = (struct swiftgrad_jpeg_error *)info->err;
    (*info->err->format_message)(info, error->message);
    longjmp(error->jump, 1);
}

/// Warnings (corrupt but decodable data) are not printed; libjpeg goes on decoding.
static inline void swiftgrad_jpeg_emit_message(j_common_ptr info, int level) { (void)info; (void)level; }

/// Decodes a JPEG held in memory to 8-bit gray (1 channel) or RGB (3 channels), as the file holds.
/// On success returns 0 and sets `*pixels` (free with `free`), `*width`, `*height`, `*channels`;
/// on failure returns -1 and writes libjpeg's message into `message`. Images whose pixels need
/// more than `max_bytes` are refused before any is decoded.
static inline int swiftgrad_jpeg_decode(const unsigned char *data, unsigned long size, size_t max_bytes,
                                        unsigned char **pixels, int *width, int *height, int *channels,
                                        char *message, size_t message_size) {
    struct jpeg_decompress_struct info;
    struct swiftgrad_jpeg_error error;
    unsigned char *volatile buffer = NULL;
    *pixels = NULL;
    memset(&info, 0, sizeof info);
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = swiftgrad_jpeg_error_exit;
    error.manager.emit_message = swiftgrad_jpeg_emit_message;
    error.message[0] = 0;
    if (setjmp(error.jump)) {
        snprintf(message, message_size, "%s", error.message);
        free(buffer);
        jpeg_destroy_decompress(&info);
        return -1;
    }
    jpeg_create_decompress(&info);
    if (size == 0) {
        snprintf(message, message_size, "empty input");
        jpeg_destroy_decompress(&info);
        return -1;
    }
    jpeg_mem_src(&info, data, size);
    jpeg_read_header(&info, TRUE);
    info.out_color_space = info.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_calc_output_dimensions(&info);
    size_t bytes = (size_t)info.output_width * info.output_height * (size_t)info.out_color_components;
    if (info.output_width == 0 || info.output_height == 0 || bytes > max_bytes
        || bytes / info.output_width / info.output_height != (size_t)info.out_color_components) {
        snprintf(message, message_size, "image of %u x %u pixels is larger than the limit of %zu bytes",
                 info.output_width, info.output_height, max_bytes);
        jpeg_destroy_decompress(&info);
        return -1;
    }
    jpeg_start_decompress(&info);
    buffer = (unsigned char *)malloc(bytes);
    if (buffer == NULL) {
        snprintf(message, message_size, "out of memory for %zu bytes", bytes);
        jpeg_destroy_decompress(&info);
        return -1;
    }
    size_t stride = (size_t)info.output_width * info.output_components;
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = buffer + (size_t)info.output_scanline * stride;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    *width = (int)info.output_width;
    *height = (int)info.output_height;
    *channels = info.output_components;
    *pixels = buffer;
    jpeg_destroy_decompress(&info);
    return 0;
}
