// Measurement shim for docs/scale.md: replaces the mmap threshold `thaw extract` fixes with glibc's mallopt
// (LargeAllocations.extractThreshold, 256 KiB) by THAW_MMAP_THRESHOLD bytes, to compare thresholds on one binary.
// Thaw looks mallopt up with dlsym(RTLD_DEFAULT), so a preloaded definition wins:
//   cc -O2 -shared -fPIC -o /tmp/mmap_threshold.so scripts/scale/mmap_threshold.c -ldl
//   THAW_MMAP_THRESHOLD=4194304 LD_PRELOAD=/tmp/mmap_threshold.so thaw extract …
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

int mallopt(int param, int value) {
    static int (*real)(int, int);
    if (!real) real = (int (*)(int, int))dlsym(RTLD_NEXT, "mallopt");
    const char *given = getenv("THAW_MMAP_THRESHOLD");
    if (param == M_MMAP_THRESHOLD && given && *given) {
        char *end;
        long bytes = strtol(given, &end, 10);
        if (*end || bytes <= 0 || bytes > 32L << 20) {
            fprintf(stderr, "mmap_threshold: THAW_MMAP_THRESHOLD=%s is not a byte count in 1 … 33554432\n", given);
            exit(2);
        }
        fprintf(stderr, "mmap_threshold: M_MMAP_THRESHOLD %d -> %ld\n", value, bytes);
        value = (int)bytes;
    }
    return real(param, value);
}
