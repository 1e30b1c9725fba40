#ifndef THAW_BF16_H
#define THAW_BF16_H

#include <stdint.h>

/// bfloat16 GEMM kernels for CPUs with AVX512-BF16 (`vdpbf16ps`: pairs of bf16 products summed into float32 lanes).
/// Call them only when the CPU reports avx512_bf16 (and avx512f/bw/vl); they trap elsewhere.
///
/// Operands are bf16 pairs along K (one uint32 = two bf16, the even k in the low half), Kp = K rounded up to even, the
/// odd K's last pair padded with a zero. Float32 operands are rounded to nearest even (`_mm512_cvtne2ps_pbh`).
///   B panels: [ceil(N/64)][Kp/2][64] pairs (64 columns per panel, zero columns past N).
///   A: row i's pairs at a + (i / 48) * a_block + (i % 48) * a_row, pair p at + p * a_pair (uint32 units):
///      row-major [M][Kp/2] (`thaw_bf16_pack_rows`: a_row = Kp/2, a_pair = 1, a_block = 48 * Kp/2) or panels of 48
///      rows [ceil(M/48)][Kp/2][48] (`thaw_bf16_pack_k_rows` at width 48: a_row = 1, a_pair = 48, a_block = 48 * Kp/2).

/// Rows of A [m, k] (row stride lda floats, K contiguous) into row-major pairs out [m][kp/2].
void thaw_bf16_pack_rows(const float *a, long lda, long m, long k, uint32_t *out);

/// S [k, n] (row stride lds floats, K along the rows) into panels of `width` columns (a multiple of 16):
/// out [ceil(n/width)][kp/2][width] pairs, zero past n and past k. B of y = x·W and dW += xᵀ·dy (width 64), A of dW (width 48).
void thaw_bf16_pack_k_rows(const float *s, long lds, long k, long n, long width, uint32_t *out);

/// S [n, k] (row stride lds, K contiguous: the transpose of B) into B panels out [ceil(n/64)][kp/2][64] pairs:
/// B of dx = dy·Wᵀ from W [Cin, Cout] (n = Cin, k = Cout).
void thaw_bf16_pack_k_columns(const float *s, long lds, long n, long k, uint32_t *out);

/// C [rows, ·] (=|+=) A · B over the panels first_panel..<end_panel (columns 64·first_panel ..< min(n, 64·end_panel)),
/// rows row0..<row1 of A and C (c points at C's row 0, column 0; row stride ldc). accumulate 0: C = A·B, else C += A·B.
void thaw_bf16_gemm(long row0, long row1, long n, long kp, const uint32_t *a, long a_row, long a_pair, long a_block,
                    const uint32_t *b, long first_panel, long end_panel, float *c, long ldc, int accumulate);

#endif
