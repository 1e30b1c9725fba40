#include "thaw_png.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t length, offset;
    char *err;
    size_t err_capacity;
} reader_state;

static void on_error(png_structp png, png_const_charp message) {
    reader_state *s = (reader_state *)png_get_error_ptr(png);
    snprintf(s->err, s->err_capacity, "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

static void on_read(png_structp png, png_bytep out, png_size_t count) {
    reader_state *s = (reader_state *)png_get_io_ptr(png);
    if (count > s->length - s->offset) png_error(png, "file is truncated");
    memcpy(out, s->data + s->offset, count);
    s->offset += count;
}

// Shared by header and decode: opens the stream and reads IHDR. The caller owns setjmp.
static int begin(png_structp *png, png_infop *info, reader_state *s) {
    if (s->length < 8 || png_sig_cmp((png_const_bytep)s->data, 0, 8) != 0) {
        snprintf(s->err, s->err_capacity, "not a PNG signature");
        return -1;
    }
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, s, on_error, on_warning);
    if (!*png) { snprintf(s->err, s->err_capacity, "out of memory"); return -1; }
    *info = png_create_info_struct(*png);
    if (!*info) {
        png_destroy_read_struct(png, NULL, NULL);
        snprintf(s->err, s->err_capacity, "out of memory");
        return -1;
    }
    png_set_read_fn(*png, s, on_read);
    // Tolerate bad CRCs in ancillary chunks like PIL does; critical chunks still fail.
    png_set_crc_action(*png, PNG_CRC_DEFAULT, PNG_CRC_WARN_DISCARD);
    return 0;
}

int thaw_png_header(const uint8_t *data, size_t length, uint32_t *width, uint32_t *height,
                    char *err, size_t err_capacity) {
    reader_state s = {data, length, 0, err, err_capacity};
    png_structp png = NULL;
    png_infop info = NULL;
    if (begin(&png, &info, &s) != 0) return -1;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_read_info(png, info);
    *width = png_get_image_width(png, info);
    *height = png_get_image_height(png, info);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

int thaw_png_decode(const uint8_t *data, size_t length, uint64_t max_pixels,
                    uint8_t **pixels, uint32_t *width, uint32_t *height,
                    char *err, size_t err_capacity) {
    reader_state s = {data, length, 0, err, err_capacity};
    png_structp png = NULL;
    png_infop info = NULL;
    // volatile: modified between setjmp and a possible longjmp.
    uint8_t *volatile out = NULL;
    png_bytep *volatile rows = NULL;
    *pixels = NULL;
    // IHDR is always the first chunk: refuse huge images before libpng reads any further.
    if (length >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        uint32_t dw = (uint32_t)data[16] << 24 | (uint32_t)data[17] << 16 | (uint32_t)data[18] << 8 | data[19];
        uint32_t dh = (uint32_t)data[20] << 24 | (uint32_t)data[21] << 16 | (uint32_t)data[22] << 8 | data[23];
        if ((uint64_t)dw * (uint64_t)dh > max_pixels) {
            snprintf(err, err_capacity, "declared size %ux%u exceeds the limit of %llu pixels",
                     dw, dh, (unsigned long long)max_pixels);
            return -1;
        }
    }
    if (begin(&png, &info, &s) != 0) return -1;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(out);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_read_info(png, info);
    uint32_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if ((uint64_t)w * (uint64_t)h > max_pixels) {
        snprintf(err, err_capacity, "declared size %ux%u exceeds the limit of %llu pixels",
                 w, h, (unsigned long long)max_pixels);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_strip_16(png);              // high byte, like PIL's RGB;16B
    png_set_strip_alpha(png);  // alpha (also tRNS expanded with a palette) dropped, not composited
    if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != (size_t)w * 3) {
        snprintf(err, err_capacity, "unexpected row layout (%zu bytes for width %u)", rowbytes, w);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    out = (uint8_t *)malloc((size_t)w * h * 3);            // [h, w, 3]
    rows = (png_bytep *)malloc(sizeof(png_bytep) * h);
    if (!out || !rows) png_error(png, "out of memory");
    for (uint32_t y = 0; y < h; y++) rows[y] = out + (size_t)y * w * 3;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    *pixels = out;
    *width = w;
    *height = h;
    return 0;
}
