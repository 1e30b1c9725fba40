import ThawCore

/// Keeps a training step's freed activation buffers in the process heap. Each chunk allocates its saved
/// maps afresh ([chunk, H, W, mid]: 7 MB each at chunk 32 on 7×7×1152 maps, about 200 MB per step for
/// Lite0 blocks 12–15) and frees them after backward; with glibc's defaults the freed top of the heap is
/// trimmed every step, so the next step takes every page again as a fresh zero page (a page fault per
/// 4 KB). Raising the trim threshold to 1 GB and fixing the mmap threshold at its 32 MB maximum lets the
/// next step reuse the same pages. Peak memory is unchanged (the pages are the step's own peak); they
/// stay resident between steps. Measured on the loaded 2-core machine (load 11–15, MALLOC_* variables
/// with the same values): 512 maps, chunk 32, 19.2/21.2 → 22.9/28.2 maps/s.
enum TrainingMemory {
    /// Applied once per process by the fine-tuning trainers.
    static let keepFreedPages: Void = {
        LargeAllocations.keepFreedHeap(upTo: 1 << 30)
        LargeAllocations.mapBuffers(atLeast: 32 << 20)   // glibc's maximum on 64-bit
    }()

    /// A buffer of `count` floats left uninitialized, for maps a kernel overwrites whole (GEMM outputs with
    /// beta 0, BatchNorm, depthwise forward, the depthwise backward's dx, which zeroes itself): a zero fill
    /// would be one more pass over up to 7 MB per map (chunk 32, 7×7×1152). Pitfall: only for buffers that
    /// are written in full before anything reads them.
    static func overwritten(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
