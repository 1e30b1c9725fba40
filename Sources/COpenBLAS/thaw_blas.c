#include "thaw_blas.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                         const float *, int, float, float *, int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
typedef char *(*string_fn)(void);
typedef int (*get_int_fn)(void);
typedef void (*set_int_fn)(int);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int opened = 0;           // 0: not tried, 1: ok, -1: failed
static char open_error[512];
static char opened_path[512];
static sgemm_fn p_sgemm;
static sgemv_fn p_sgemv;
static string_fn p_corename, p_config;
static get_int_fn p_get_threads;
static set_int_fn p_set_threads;

static const char *default_paths[] = {
    "libopenblas.so.0",
    "libopenblas.so",
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    "libopenblas.dylib",
    NULL,
};

static int try_open(const char *path) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) return 0;
    p_sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
    p_sgemv = (sgemv_fn)dlsym(h, "cblas_sgemv");
    if (!p_sgemm || !p_sgemv) {
        snprintf(open_error, sizeof open_error, "%s has no cblas_sgemm/cblas_sgemv", path);
        dlclose(h);
        return 0;
    }
    p_corename = (string_fn)dlsym(h, "openblas_get_corename");
    p_config = (string_fn)dlsym(h, "openblas_get_config");
    p_get_threads = (get_int_fn)dlsym(h, "openblas_get_num_threads");
    p_set_threads = (set_int_fn)dlsym(h, "openblas_set_num_threads");
    snprintf(opened_path, sizeof opened_path, "%s", path);
    return 1;
}

int thaw_blas_open(const char *coretype, const char *path, char *err, size_t errlen) {
    pthread_mutex_lock(&lock);
    if (opened == 0) {
        if (coretype && coretype[0]) setenv("OPENBLAS_CORETYPE", coretype, 0);
        int ok = 0;
        if (path && path[0]) {
            ok = try_open(path);
            if (!ok && !open_error[0])
                snprintf(open_error, sizeof open_error, "cannot open %s: %s", path, dlerror());
        } else {
            for (const char **p = default_paths; *p && !ok; p++) ok = try_open(*p);
            if (!ok && !open_error[0])
                snprintf(open_error, sizeof open_error,
                         "OpenBLAS not found (tried libopenblas.so.0). "
                         "Install it with: apt-get install libopenblas-dev");
        }
        opened = ok ? 1 : -1;
    }
    int result = opened == 1 ? 0 : -1;
    if (result != 0 && err && errlen) snprintf(err, errlen, "%s", open_error);
    pthread_mutex_unlock(&lock);
    return result;
}

const char *thaw_blas_path(void) { return opened_path; }
const char *thaw_blas_corename(void) { return p_corename ? p_corename() : ""; }
const char *thaw_blas_config(void) { return p_config ? p_config() : ""; }
int thaw_blas_get_threads(void) { return p_get_threads ? p_get_threads() : 1; }
void thaw_blas_set_threads(int n) { if (p_set_threads) p_set_threads(n); }

void thaw_sgemm(int transA, int transB, int M, int N, int K, float alpha,
                const float *A, int lda, const float *B, int ldb, float beta,
                float *C, int ldc) {
    p_sgemm(THAW_ROW_MAJOR, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void thaw_sgemv(int transA, int M, int N, float alpha, const float *A, int lda,
                const float *x, int incx, float beta, float *y, int incy) {
    p_sgemv(THAW_ROW_MAJOR, transA, M, N, alpha, A, lda, x, incx, beta, y, incy);
}
