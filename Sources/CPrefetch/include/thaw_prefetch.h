#ifndef THAW_PREFETCH_H
#define THAW_PREFETCH_H

/// Software prefetch for Swift kernels (Swift has no prefetch intrinsic): these static inline functions are
/// imported and inlined by Swift. A hint only: never faults, whatever the address.

/// The cache line holding p, into L2 (and L3): prefetcht1.
static inline void thaw_prefetch_l2(const void *p) { __builtin_prefetch(p, 0, 2); }

/// The cache line holding p, into L1: prefetcht0.
static inline void thaw_prefetch_l1(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
