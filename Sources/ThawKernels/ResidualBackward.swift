/// Backward of `residualAdd` (y = act(y + x)): the gradient of the sum, dy ⊙ act′(y), flows
/// unchanged into both branches.
///
/// - Parameters:
///   - y: [count], the output of `residualAdd` (for the activation mask).
///   - dy: [count], in: gradient with respect to y; out: gradient of the main branch (masked in place).
///   - dSkip: [count], the skip branch's gradient, accumulated (`+=`): the skip input usually
///     also feeds the main branch, whose backward adds its own share there.
public func residualAddBackward(y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
                                dSkip: UnsafeMutablePointer<Float>, count: Int,
                                activation: Activation = .identity) {
    ParallelRows.run(count, grain: 1 << 16) { r in
        let ys = y + r.lowerBound, d = dy + r.lowerBound, s = dSkip + r.lowerBound
        activation.backwardSerial(y: ys, dy: d, count: r.count, dx: d)
        for i in 0..<r.count { s[i] += d[i] }
    }
}
