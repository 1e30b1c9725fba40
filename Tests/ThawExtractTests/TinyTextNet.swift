import ThawBackbones
import ThawKernels

/// A small text backbone for extractor tests: a seeded embedding table (ids wrap modulo 1024)
/// → `embed` [T, 8], then the mask-weighted mean → `pool` [8].
final class TinyTextNet: Backbone {
    let name = "tiny-textnet"
    let cutPoints = [CutPoint(name: "embed", layout: "TC"), CutPoint(name: "pool", layout: "C")]
    static let width = 8, rows = 1024
    private let table: [Float]   // [rows, width]

    init(seed: UInt64 = 7) {
        var state = seed
        table = (0..<(Self.rows * Self.width)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
    }

    func outputShape(at cut: String, inputShape: [Int]) throws -> [Int] {
        try cutIndex(cut) == 0 ? [inputShape[0], Self.width] : [Self.width]
    }

    func forward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
        precondition(from == nil, "TinyTextNet runs from the raw input only")
        let (n, t, c) = (input.tensor.shape[0], input.tensor.shape[1], Self.width)
        let mask = input.mask ?? [Float](repeating: 1, count: n * t)
        var embed = Tensor(zeros: [n, t, c])
        var pool = Tensor(zeros: [n, c])
        for b in 0..<n {
            var count: Float = 0
            for j in 0..<t {
                let id = Int(input.tensor.data[b * t + j]) % Self.rows
                for k in 0..<c {
                    let v = table[id * c + k]
                    embed.data[(b * t + j) * c + k] = v
                    pool.data[b * c + k] += v * mask[b * t + j]
                }
                count += mask[b * t + j]
            }
            for k in 0..<c { pool.data[b * c + k] /= max(count, 1) }
        }
        var out: [String: Activations] = [:]
        if taps.contains("embed") { out["embed"] = Activations(tensor: embed, mask: mask) }
        if taps.contains("pool") { out["pool"] = Activations(tensor: pool) }
        return out
    }
}
