#ifndef THAW_ADAMW_H
#define THAW_ADAMW_H

#include <stddef.h>

/// 1 when this CPU runs AVX-512F, else 0.
int thaw_adamw_avx512(void);

/// AdamW's element update over the first n - n % 16 elements with 16-lane AVX-512 (call only when
/// thaw_adamw_avx512() is 1): p *= decay; m = b1·m + c1·g; v = b2·v + (c2·g)·g;
/// p -= (step·m) / (√v / bc + eps), each operation rounded on its own (no fused multiply-add), as
/// the scalar loop in Swift. Returns the number of elements done.
size_t thaw_adamw_avx512_update(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2,
                                float c1, float c2, float eps, float decay, float step, float bc);

#endif
