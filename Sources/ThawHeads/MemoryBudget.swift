import Foundation

/// Parses `--memory-budget` and accounts for what a fit or sweep keeps resident.
///
/// The budget bounds the whole process's peak resident set: the fixed cost (the binary, the Swift
/// runtime, OpenBLAS's thread buffers), the heads (weights, gradients, optimizer state, the copy kept
/// for early stopping, batch workspaces) and the features — every split in memory when they fit,
/// else one block of training rows at a time streamed from LMDB (validation and test too).
public enum MemoryBudget {
    /// Resident bytes of a `thaw` process before it holds any features or heads: the binary and Swift
    /// runtime libraries (~24 MB mapped), OpenBLAS's code and thread buffers and the heap of a run.
    /// Measured with `/usr/bin/time -v` as peak RSS minus features of an in-memory `thaw fit` (36.7 MB on
    /// a 6,000-sample Fashion-MNIST `pool` cache, release build, 2-core OpenBLAS), and as peak RSS minus
    /// heap peak (heaptrack) of a streamed fit on a `blocks.11` map tap (40.3 MiB), rounded up.
    public static let fixedCost = 42 << 20

    /// Default budget: a quarter of physical RAM, leaving room for the page cache that serves streamed
    /// LMDB reads and for other processes; never below the fixed cost plus 64 MB.
    public static var defaultBudget: Int {
        max(Int(ProcessInfo.processInfo.physicalMemory / 4), fixedCost + (64 << 20))
    }

    public static func parse(_ s: String) throws -> Int {
        let t = s.trimmingCharacters(in: .whitespaces).uppercased()
        // Sizes are computed in Double and checked before the conversion to Int, which traps past Int.max.
        func bytes(_ v: Double) throws -> Int {
            guard v.isFinite, v < 0x1p62 else {
                throw HeadsError("--memory-budget \"\(s)\" is larger than any machine (over 4 EiB); give e.g. 2G or 25%")
            }
            return Int(v)
        }
        if t.hasSuffix("%"), let p = Double(t.dropLast()), p >= 0 {
            guard p <= 100 else { throw HeadsError("--memory-budget \"\(s)\": a share of RAM is at most 100%") }
            return try bytes(Double(ProcessInfo.processInfo.physicalMemory) * p / 100)
        }
        let units: [(String, Double)] = [("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("K", 1024), ("M", 1_048_576), ("G", 1_073_741_824)]
        for (u, scale) in units where t.hasSuffix(u) {
            if let v = Double(t.dropLast(u.count)), v >= 0 { return try bytes(v * scale) }
        }
        if let v = Int(t), v >= 0 { return v }
        throw HeadsError("--memory-budget \"\(s)\": give bytes, a size like 512M or 2G, or a share of RAM like 25%")
    }

    /// Throws unless `budget` covers the fixed cost of the process.
    public static func check(_ budget: Int) throws {
        guard budget >= fixedCost else {
            throw HeadsError(String(format: "--memory-budget %.0f MB is below the fixed cost of a thaw process (%.0f MB: binary, "
                                  + "runtime and OpenBLAS buffers). Fix: give at least %.0f MB; features and heads need more on top",
                                  Double(budget) / 1_048_576, Double(fixedCost) / 1_048_576, Double(fixedCost) / 1_048_576 + 16))
        }
    }

    /// Bytes `heads` stacked heads of `shape` keep while training on rows of `rawWidth` floats pooled to
    /// `inputWidth`: weights, gradients, two optimizer moments and an early-stopping copy, the values and
    /// gradients of the all-heads model that `HeadGroups` evaluates with, the gathered
    /// and pooled batch, activations and logits of a training batch and of an evaluation batch.
    public static func headsBytes(shape: HeadShape, heads: Int, classes: Int, inputWidth: Int, rawWidth: Int,
                                  batch: Int, evaluationBatch: Int = 1024) -> Int {
        var params = 0, activations = 0, fanIn = inputWidth
        for h in shape.hidden + [classes] {
            params += fanIn * h + h
            activations += h
            fanIn = h
        }
        let stateBytes = 7 * heads * params * 4
        let pooledRow = inputWidth == rawWidth ? 0 : inputWidth                                 // fixed pooling's output
        let trainRow = rawWidth + pooledRow + 4 * heads * activations + 2 * heads * classes    // floats
        let evalRow = pooledRow + 2 * heads * activations                                      // floats
        return stateBytes + (batch * trainRow + evaluationBatch * evalRow) * 4
    }
}
