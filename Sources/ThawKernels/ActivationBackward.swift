/// Backward of `Activation`: dx = dy · act′, where act′ is read from the forward *output* y
/// (ReLU passes where y > 0, ReLU6 where 0 < y < 6; at the kinks the gradient is 0, as PyTorch).
extension Activation {
    /// dx [count] = dy ⊙ mask(y). `dx` may be `dy` (in place); identity copies.
    public func backward(y: UnsafePointer<Float>, dy: UnsafePointer<Float>, count: Int,
                         dx: UnsafeMutablePointer<Float>) {
        ParallelRows.run(count, grain: 1 << 16) { r in
            self.backwardSerial(y: y + r.lowerBound, dy: dy + r.lowerBound, count: r.count, dx: dx + r.lowerBound)
        }
    }

    /// Same as `backward`, on the calling thread.
    @inline(__always)
    public func backwardSerial(y: UnsafePointer<Float>, dy: UnsafePointer<Float>, count: Int,
                               dx: UnsafeMutablePointer<Float>) {
        switch self {
        case .identity:
            if UnsafePointer(dx) != dy { dx.update(from: dy, count: count) }
        case .relu:
            for i in 0..<count { dx[i] = y[i] > 0 ? dy[i] : 0 }
        case .relu6:
            for i in 0..<count { dx[i] = y[i] > 0 && y[i] < 6 ? dy[i] : 0 }
        }
    }
}
