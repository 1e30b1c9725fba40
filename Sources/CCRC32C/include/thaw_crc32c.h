#ifndef THAW_CRC32C_H
#define THAW_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has SSE4.2's crc32 instruction (CRC-32C, the Castagnoli polynomial), else 0.
int thaw_crc32c_hardware(void);

/// Advances a reflected CRC-32C register `crc` over n bytes with the crc32 instruction (no initial
/// value or final xor applied here). Call only after thaw_crc32c_hardware() returned 1.
uint32_t thaw_crc32c_update(uint32_t crc, const void *bytes, size_t n);

#endif
