/// A scratch arena for one network forward: layers take float buffers with `take(_:)` and
/// the caller calls `reset()` between forwards. After the first forward has shown the
/// high-water mark, the arena is one block of that size and steady-state forwards allocate
/// nothing.
///
/// Not thread-safe: one workspace per concurrent forward. Buffers are 64-byte aligned and
/// uninitialised; they stay valid until the next `reset()`.
public final class Workspace {
    private var block: UnsafeMutableRawPointer     // the main block: `capacity` floats
    private var capacity: Int
    private var used = 0                            // floats handed out from `block`
    private var overflow: [UnsafeMutableRawPointer] = []  // blocks taken when `block` was full
    private var overflowFloats = 0
    /// Most floats in use at once since creation.
    public private(set) var highWater = 0
    /// Number of heap allocations made (a steady-state forward should not change it).
    public private(set) var allocations = 0

    /// The im2col budget in floats: convolutions lower at most this many input floats at a time
    /// (but never fewer than 128 output pixels), so GEMMs stay large without unbounded memory.
    /// The default, 512 Ki floats (2 MiB), keeps the lowered chunk in cache for OpenBLAS's
    /// packing: on the 3×3 64→64 56×56 batch-16 benchmark it cost ~25% less CPU than 16 MiB.
    public var im2colBudget: Int

    public init(capacity floats: Int = 0, im2colBudget: Int = 1 << 19) {
        precondition(floats >= 0 && im2colBudget > 0, "Workspace: sizes must be positive")
        capacity = floats
        block = UnsafeMutableRawPointer.allocate(byteCount: max(floats, 1) * 4, alignment: 64)
        self.im2colBudget = im2colBudget
        if floats > 0 { allocations = 1 }
    }

    deinit {
        block.deallocate()
        for b in overflow { b.deallocate() }
    }

    /// `count` uninitialised floats, valid until `reset()`.
    public func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        precondition(count >= 0, "Workspace.take: negative count")
        let rounded = (count + 15) & ~15                // keep every buffer 64-byte aligned
        let inUse = used + overflowFloats + rounded
        highWater = max(highWater, inUse)
        if used + rounded <= capacity {
            let p = (block + used * 4).assumingMemoryBound(to: Float.self)
            used += rounded
            return p
        }
        let b = UnsafeMutableRawPointer.allocate(byteCount: max(rounded, 1) * 4, alignment: 64)
        allocations += 1
        overflow.append(b)
        overflowFloats += rounded
        return b.assumingMemoryBound(to: Float.self)
    }

    /// Releases every buffer; grows the main block to the high-water mark if it overflowed.
    public func reset() {
        for b in overflow { b.deallocate() }
        overflow.removeAll(keepingCapacity: true)
        overflowFloats = 0
        used = 0
        if highWater > capacity {
            block.deallocate()
            capacity = highWater
            block = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64)
            allocations += 1
        }
    }
}
