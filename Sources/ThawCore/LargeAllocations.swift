import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How glibc's malloc hands out large buffers, for long runs whose resident set must stay flat.
///
/// Pitfall: glibc serves a request of at least its mmap threshold (128 KiB at start) with its own mapping,
/// returned to the system on free — but the first such free raises the threshold to that buffer's size (up
/// to 32 MiB). From then on buffers of 0.5–32 MB come from the heap and the per-thread arenas, whose freed
/// memory stays resident and fragments as differently sized buffers come and go on three threads (the
/// forward and two decode workers of `thaw extract`). A fixed threshold turns that off: every buffer at
/// least as large is mapped and unmapped whole.
public enum LargeAllocations {
    /// The threshold `thaw extract` fixes: every buffer of a decoded image, a preprocessed batch or a
    /// forward activation (0.5–26 MB) maps and unmaps; small objects stay on the heap.
    public static let extractThreshold = 256 << 10

    /// Fixes glibc's mmap threshold at `bytes` (disables its dynamic threshold; `mallopt(M_MMAP_THRESHOLD)`).
    /// Affects the whole process from now on. False where the C library has no such setting.
    @discardableResult
    public static func mapBuffers(atLeast bytes: Int) -> Bool {
        precondition(bytes > 0 && bytes <= Int(Int32.max), "LargeAllocations: threshold \(bytes) out of range")
        guard let mallopt = cFunction("mallopt", as: Mallopt.self) else { return false }
        return mallopt(mmapThreshold, Int32(bytes)) == 1
    }

    /// Lets up to `bytes` of freed memory stay at the heap's top instead of being returned to the system
    /// (`mallopt(M_TRIM_THRESHOLD)`): for loops that free and re-allocate the same large buffers every step.
    @discardableResult
    public static func keepFreedHeap(upTo bytes: Int) -> Bool {
        precondition(bytes > 0 && bytes <= Int(Int32.max), "LargeAllocations: trim threshold \(bytes) out of range")
        guard let mallopt = cFunction("mallopt", as: Mallopt.self) else { return false }
        return mallopt(trimThreshold, Int32(bytes)) == 1
    }

    // Swift's Glibc module leaves out <malloc.h>: mallopt is looked up by name instead.
    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    /// `M_MMAP_THRESHOLD` of <malloc.h>.
    private static let mmapThreshold: Int32 = -3
    /// `M_TRIM_THRESHOLD` of <malloc.h>.
    private static let trimThreshold: Int32 = -1

    private static func cFunction<F>(_ name: String, as type: F.Type) -> F? {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }   // RTLD_DEFAULT
        return unsafeBitCast(symbol, to: type)
        #else
        return nil
        #endif
    }
}
