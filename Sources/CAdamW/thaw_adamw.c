#include "thaw_adamw.h"

// Intrinsics only: each one is its own rounded operation, so nothing is contracted into an FMA.
#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

int thaw_adamw_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

__attribute__((target("avx512f")))
size_t thaw_adamw_avx512_update(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2,
                                float c1, float c2, float eps, float decay, float step, float bc) {
    const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2), vc1 = _mm512_set1_ps(c1), vc2 = _mm512_set1_ps(c2);
    const __m512 veps = _mm512_set1_ps(eps), vdecay = _mm512_set1_ps(decay), vstep = _mm512_set1_ps(step), vbc = _mm512_set1_ps(bc);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 gi = _mm512_loadu_ps(g + i);
        __m512 pi = _mm512_mul_ps(_mm512_loadu_ps(p + i), vdecay);
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(vc1, gi));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(vc2, gi), gi));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        __m512 den = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), vbc), veps);
        _mm512_storeu_ps(p + i, _mm512_sub_ps(pi, _mm512_div_ps(_mm512_mul_ps(vstep, mi), den)));
    }
    return i;
}
#else
int thaw_adamw_avx512(void) { return 0; }
size_t thaw_adamw_avx512_update(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2,
                                float c1, float c2, float eps, float decay, float step, float bc) { return 0; }
#endif
