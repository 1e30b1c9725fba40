@testable import ThawKernels

/// A `rowEpilogue` for tests of the transformer paths that run it on finished rows: the LayerNorm of each row of x
/// in place (γ, β [C] drawn from `seed`), and a count per row of how often it ran, so a test can assert every row
/// ran exactly once.
final class LayerNormRowProbe {
    let rows: Int, channels: Int
    let gamma: [Float], beta: [Float]
    private let counts: UnsafeMutablePointer<Int>      // [rows]; each row is counted by the thread that owns it

    init(rows: Int, channels c: Int, seed: UInt64) {
        self.rows = rows
        channels = c
        gamma = FiniteDifference.random(c, seed: seed).map { 1 + $0 }
        beta = FiniteDifference.random(c, seed: seed + 1)
        counts = .allocate(capacity: rows)
        counts.initialize(repeating: 0, count: rows)
    }

    deinit { counts.deallocate() }

    /// How often the epilogue ran on each row.
    var runs: [Int] { Array(UnsafeBufferPointer(start: counts, count: rows)) }

    /// The epilogue over x [rows, C] (valid while x is).
    func epilogue(_ x: UnsafeMutablePointer<Float>) -> (Range<Int>) -> Void {
        let c = channels, gamma = gamma, beta = beta, counts = counts
        return { range in
            for r in range { counts[r] += 1 }
            LayerNorm.forwardRows(range, x: x, channels: c, gamma: gamma, beta: beta, eps: 1e-12, y: x)
        }
    }
}
