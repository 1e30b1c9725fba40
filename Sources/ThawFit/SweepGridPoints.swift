import Foundation
import ThawHeads
import ThawStore

/// One configuration of a `thaw sweep` grid. `index` is its place in the full grid (shards keep it).
public struct SweepPoint: Sendable, Equatable {
    public var index: Int
    public var tap: String
    public var pooling: Pooling?
    public var head: HeadShape
    /// SGD/AdamW learning rate and weight decay (nil for L-BFGS points).
    public var lr: Float?
    public var weightDecay: Float?
    /// L-BFGS C (nil for gradient-descent points).
    public var c: Double?
}

/// The axes of a sweep; `points(manifest:)` expands them in a fixed order
/// (tap, pooling, head, lr, weight decay — or tap, pooling, C for L-BFGS).
public struct SweepAxes: Sendable {
    /// Empty: the cache's first tap.
    public var taps: [String] = []
    public var lrs: [Float] = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1]
    public var weightDecays: [Float] = [0, 1e-4, 1e-2]
    public var heads: [HeadShape] = [.linear]
    /// Empty: the natural pooling (none for vector taps, avg for maps). Ignored for vector taps.
    public var poolings: [Pooling?] = []
    /// Non-nil: an L-BFGS logistic-regression path over these C values instead of lr × wd × head.
    public var cs: [Double]?

    public init() {}

    /// `n` values of C log-spaced over 1e-6 … 1e6 (CLIP's linear-probe range).
    public static func cGrid(_ n: Int) -> [Double] {
        precondition(n >= 1, "cGrid: need at least one value")
        return n == 1 ? [1] : (0..<n).map { pow(10, -6 + 12 * Double($0) / Double(n - 1)) }
    }

    /// Every point of the grid for a cache's manifest; throws for a tap the cache lacks.
    public func points(manifest m: Manifest, path: String) throws -> [SweepPoint] {
        let names = taps.isEmpty ? [m.taps[0].name] : taps
        var out: [SweepPoint] = []
        for name in names {
            guard let tap = m.taps.first(where: { $0.name == name }) else {
                throw FitError("\(path): no tap named \"\(name)\". Fix: pass --tap with one of: "
                               + m.taps.map { "\($0.name) (\($0.dtype.rawValue) \($0.shape) \($0.layout))" }.joined(separator: ", "))
            }
            let pools: [Pooling?] = tap.shape.count == 1 ? [nil] : (poolings.compactMap { $0 }.isEmpty ? [.avg] : poolings.filter { $0 != nil })
            for p in pools {
                if let cs {
                    for c in cs { out.append(SweepPoint(index: out.count, tap: name, pooling: p, head: .linear, c: c)) }
                    continue
                }
                for h in heads { for lr in lrs { for wd in weightDecays {
                    out.append(SweepPoint(index: out.count, tap: name, pooling: p, head: h, lr: lr, weightDecay: wd))
                } } }
            }
        }
        return out
    }
}
