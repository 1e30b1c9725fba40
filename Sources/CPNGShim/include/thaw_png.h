// thaw_png: decode a PNG held in memory to packed RGB u8, catching libpng's
// longjmp-based errors in C so no error can unwind through Swift frames.
#ifndef THAW_PNG_H
#define THAW_PNG_H
#include <stddef.h>
#include <stdint.h>

/// Reads only the header. Returns 0 and sets width/height, or -1 and writes a message to err.
int thaw_png_header(const uint8_t *data, size_t length, uint32_t *width, uint32_t *height,
                    char *err, size_t err_capacity);

/// Decodes to RGB u8 [height, width, 3] into a buffer from malloc (caller frees with free()).
/// Grey is replicated, palette expanded, 16-bit reduced to its high byte (as PIL does),
/// alpha dropped without compositing (as PIL's convert("RGB") does), interlace handled.
/// Images with more than max_pixels pixels are refused from the header, before any allocation.
/// Returns 0 on success, -1 on error (message in err).
int thaw_png_decode(const uint8_t *data, size_t length, uint64_t max_pixels,
                    uint8_t **pixels, uint32_t *width, uint32_t *height,
                    char *err, size_t err_capacity);
#endif
