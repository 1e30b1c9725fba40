/// A pointwise activation that convolutions can apply in their epilogue (while the output
/// is still in cache) or that runs standalone.
///
/// Backward needs only the *output*: ReLU's mask is `y > 0`, ReLU6's is `0 < y < 6`.
public enum Activation: Equatable, Sendable {
    case identity
    case relu
    case relu6

    /// y[i] = act(y[i]) for `count` elements, in place, on all cores.
    public func apply(_ y: UnsafeMutablePointer<Float>, count: Int) {
        if self == .identity { return }
        ParallelRows.run(count, grain: 1 << 16) { r in
            self.applySerial(y + r.lowerBound, count: r.count)
        }
    }

    /// Same as `apply`, on the calling thread (for epilogues already split across cores).
    @inline(__always)
    public func applySerial(_ y: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .identity:
            return
        case .relu:
            for i in 0..<count { y[i] = max(y[i], 0) }
        case .relu6:
            for i in 0..<count { y[i] = min(max(y[i], 0), 6) }
        }
    }
}

/// Adds a per-channel bias to `rows` rows of `channels` values (NHWC / [M, C]) and applies
/// `activation`, on the calling thread. `bias` may be nil.
@inline(__always)
func biasActivation(_ y: UnsafeMutablePointer<Float>, rows: Int, channels: Int, ldy: Int,
                    bias: UnsafePointer<Float>?, activation: Activation) {
    if let build = VectorISA.packedBuild {          // same additions and comparisons, 16 or 8 lanes
        let (low, high) = activation.clampBounds
        build.biasClampRows(y, rows: rows, channels: channels, ldy: ldy, bias: bias, low: low, high: high)
        return
    }
    for r in 0..<rows {
        let row = y + r * ldy
        if let bias {
            switch activation {
            case .identity: for c in 0..<channels { row[c] += bias[c] }
            case .relu: for c in 0..<channels { row[c] = max(row[c] + bias[c], 0) }
            case .relu6: for c in 0..<channels { row[c] = min(max(row[c] + bias[c], 0), 6) }
            }
        } else {
            activation.applySerial(row, count: channels)
        }
    }
}
