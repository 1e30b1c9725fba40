// OpenBLAS, loaded at run time.
//
// Why not link it: OpenBLAS picks its compute kernel (OPENBLAS_CORETYPE) once, in its
// library constructor. A linked library is initialised before any Swift code runs, so
// Thaw could never choose the kernel. Instead `thaw_blas_open` sets the variable (when
// the caller asks for one) and then dlopens the library. Nothing in Thaw links
// libopenblas; everything calls through these entry points.
#ifndef THAW_BLAS_H
#define THAW_BLAS_H

#include <stddef.h>

// CBLAS enum values (identical to cblas.h).
enum { THAW_ROW_MAJOR = 101 };
enum { THAW_NO_TRANS = 111, THAW_TRANS = 112 };

// Loads OpenBLAS once (later calls return the first result).
// coretype: value for OPENBLAS_CORETYPE, or NULL to leave the environment as it is.
//           An OPENBLAS_CORETYPE already present in the environment is never replaced.
// path:     library to open, or NULL to try the usual sonames.
// Returns 0 on success; otherwise writes a message into err (errlen bytes) and returns -1.
int thaw_blas_open(const char *coretype, const char *path, char *err, size_t errlen);

// The library file that was opened ("" before a successful open).
const char *thaw_blas_path(void);
// openblas_get_corename(), openblas_get_config(); "" when the symbol is missing.
const char *thaw_blas_corename(void);
const char *thaw_blas_config(void);
int thaw_blas_get_threads(void);
void thaw_blas_set_threads(int n);

// C[M,N] = alpha * op(A) op(B) + beta * C, row-major.
void thaw_sgemm(int transA, int transB, int M, int N, int K, float alpha,
                const float *A, int lda, const float *B, int ldb, float beta,
                float *C, int ldc);
// y[M] = alpha * op(A) x + beta * y, row-major A[M,N].
void thaw_sgemv(int transA, int M, int N, float alpha, const float *A, int lda,
                const float *x, int incx, float beta, float *y, int incy);

#endif
