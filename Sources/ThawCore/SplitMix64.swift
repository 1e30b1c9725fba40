import Foundation

/// A small, fast, seedable PRNG (splitmix64). Same seed → same stream on every machine.
/// `@inlinable` so it inlines into the inner loops of other modules (dropout masks, shuffles).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    @inlinable public init(seed: UInt64) { state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 bits of precision (exactly representable as Float).
    @inlinable
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform integer in 0..<bound (Lemire's multiply; the tiny bias is irrelevant here).
    @inlinable
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "nextIndex: bound must be positive")
        return Int((UInt64(bound).multipliedFullWidth(by: next())).high)
    }

    /// Standard normal sample (Box–Muller; one value per call, deterministic).
    @inlinable
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1.0p-53, 1e-300)
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Fisher–Yates shuffle of `order` in place, driven only by this generator.
    @inlinable
    public mutating func shuffle(_ order: inout [Int]) {
        if order.count < 2 { return }
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            let j = nextIndex(below: i + 1)
            order.swapAt(i, j)
        }
    }

    /// The order of epoch `epoch` for a data seed: independent of how many epochs ran before.
    @inlinable
    public static func epochOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var g = SplitMix64(seed: seed ^ (UInt64(epoch) &* 0xD1B5_4A32_D192_ED03))
        var order = Array(0..<count)
        g.shuffle(&order)
        return order
    }
}
