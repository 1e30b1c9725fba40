// bfloat16 GEMMs on AVX512-BF16 (thaw_bf16.h). Only these functions carry the target attribute: the rest of Thaw stays
// baseline x86-64, and callers check the CPU first.
#include "thaw_bf16.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
#define PANEL 64     // B panel columns: 4 zmm of float32 accumulators per row
#define MR 6         // rows per microkernel call: 6 × 4 = 24 accumulators
#define A_BLOCK 48   // rows per A panel of thaw_bf16_pack_k_rows (a multiple of MR)

// 16 floats from a row, zero past `count` (count may be ≤ 0).
BF16_TARGET static inline __m512 load16(const float *p, long count) {
    if (count >= 16) return _mm512_loadu_ps(p);
    if (count <= 0) return _mm512_setzero_ps();
    return _mm512_maskz_loadu_ps((__mmask16)((1u << count) - 1), p);
}

// Interleaves lo[j], hi[j] as the bf16 pair j (lo in the low half): 16 pairs.
BF16_TARGET static inline __m512i interleave(__m512 lo, __m512 hi) {
    // cvtne2ps_pbh(a, b): bf16 0..15 from b, 16..31 from a.
    __m512i both = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
    const __m512i index = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                           23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(index, both);
}

BF16_TARGET void thaw_bf16_pack_rows(const float *a, long lda, long m, long k, uint32_t *out) {
    long pairs = (k + 1) / 2;
    for (long i = 0; i < m; i++) {
        const float *row = a + i * lda;
        uint32_t *o = out + i * pairs;
        long p = 0;
        for (; 2 * p + 32 <= k; p += 16) {
            __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(row + 2 * p + 16), _mm512_loadu_ps(row + 2 * p));
            _mm512_storeu_si512(o + p, (__m512i)v);
        }
        if (p < pairs) {   // tail: up to 31 floats, the odd K's pad a zero
            long left = k - 2 * p;
            __m512bh v = _mm512_cvtne2ps_pbh(load16(row + 2 * p + 16, left - 16), load16(row + 2 * p, left));
            _mm512_mask_storeu_epi32(o + p, (__mmask16)((1u << (pairs - p)) - 1), (__m512i)v);
        }
    }
}

BF16_TARGET void thaw_bf16_pack_k_rows(const float *s, long lds, long k, long n, long width, uint32_t *out) {
    long pairs = (k + 1) / 2, panels = (n + width - 1) / width;
    for (long q = 0; q < panels; q++) {
        for (long p = 0; p < pairs; p++) {
            const float *r0 = s + 2 * p * lds, *r1 = r0 + lds;
            int second = 2 * p + 1 < k;
            uint32_t *o = out + (q * pairs + p) * width;
            for (long j = 0; j < width; j += 16) {
                long col = q * width + j, left = n - col;
                __m512 lo = load16(r0 + col, left);
                __m512 hi = second ? load16(r1 + col, left) : _mm512_setzero_ps();
                _mm512_storeu_si512(o + j, interleave(lo, hi));
            }
        }
    }
}

BF16_TARGET void thaw_bf16_pack_k_columns(const float *s, long lds, long n, long k, uint32_t *out) {
    long pairs = (k + 1) / 2, panels = (n + PANEL - 1) / PANEL;
    memset(out, 0, sizeof(uint32_t) * panels * pairs * PANEL);
    // One row of S (a column of B) at a time into pairs, then stored 64 apart: done once per optimizer step.
    uint32_t *tmp = malloc(sizeof(uint32_t) * (pairs + 16));
    if (!tmp) abort();
    for (long j = 0; j < n; j++) {
        thaw_bf16_pack_rows(s + j * lds, lds, 1, k, tmp);
        uint32_t *o = out + (j / PANEL) * pairs * PANEL + j % PANEL;
        for (long p = 0; p < pairs; p++) o[p * PANEL] = tmp[p];
    }
    free(tmp);
}

// rows (1…MR, a constant after inlining) × 64 columns over kp/2 pairs; columns past `cols` neither read from C nor stored.
BF16_TARGET static inline __attribute__((always_inline))
void micro(int rows, long pairs, const uint32_t *a, long a_row, long a_pair, const uint32_t *b,
           float *c, long ldc, long cols, int accumulate) {
    __m512 acc[MR][4];
    for (int r = 0; r < MR; r++) for (int v = 0; v < 4; v++) acc[r][v] = _mm512_setzero_ps();
    for (long p = 0; p < pairs; p++) {
        const uint32_t *bp = b + p * PANEL;
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(bp), b1 = (__m512bh)_mm512_loadu_si512(bp + 16);
        __m512bh b2 = (__m512bh)_mm512_loadu_si512(bp + 32), b3 = (__m512bh)_mm512_loadu_si512(bp + 48);
        const uint32_t *ap = a + p * a_pair;
        for (int r = 0; r < MR; r++) {
            if (r >= rows) break;
            __m512bh x = (__m512bh)_mm512_set1_epi32((int)ap[r * a_row]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
            acc[r][2] = _mm512_dpbf16_ps(acc[r][2], x, b2);
            acc[r][3] = _mm512_dpbf16_ps(acc[r][3], x, b3);
        }
    }
    for (int r = 0; r < MR; r++) {
        if (r >= rows) break;
        float *cr = c + r * ldc;
        for (int v = 0; v < 4; v++) {
            long left = cols - 16 * v;
            if (left <= 0) break;
            __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            __m512 out = acc[r][v];
            if (accumulate) out = _mm512_add_ps(out, _mm512_maskz_loadu_ps(mask, cr + 16 * v));
            _mm512_mask_storeu_ps(cr + 16 * v, mask, out);
        }
    }
}

BF16_TARGET void thaw_bf16_gemm(long row0, long row1, long n, long kp, const uint32_t *a, long a_row, long a_pair,
                                long a_block, const uint32_t *b, long first_panel, long end_panel, float *c, long ldc,
                                int accumulate) {
    long pairs = kp / 2;
    for (long q = first_panel; q < end_panel; q++) {
        const uint32_t *bq = b + q * pairs * PANEL;
        long cols = n - q * PANEL;
        if (cols > PANEL) cols = PANEL;
        for (long i = row0; i < row1;) {
            // A tile never crosses a 48-row A panel (MR divides 48 and row0 is where the caller starts).
            long rows = row1 - i, to_block = A_BLOCK - i % A_BLOCK;
            if (rows > MR) rows = MR;
            if (rows > to_block) rows = to_block;
            const uint32_t *ai = a + (i / A_BLOCK) * a_block + (i % A_BLOCK) * a_row;
            float *ci = c + i * ldc + q * PANEL;
            switch (rows) {
            case 6: micro(6, pairs, ai, a_row, a_pair, bq, ci, ldc, cols, accumulate); break;
            case 5: micro(5, pairs, ai, a_row, a_pair, bq, ci, ldc, cols, accumulate); break;
            case 4: micro(4, pairs, ai, a_row, a_pair, bq, ci, ldc, cols, accumulate); break;
            case 3: micro(3, pairs, ai, a_row, a_pair, bq, ci, ldc, cols, accumulate); break;
            case 2: micro(2, pairs, ai, a_row, a_pair, bq, ci, ldc, cols, accumulate); break;
            default: micro(1, pairs, ai, a_row, a_pair, bq, ci, ldc, cols, accumulate); break;
            }
            i += rows;
        }
    }
}
