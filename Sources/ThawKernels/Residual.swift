/// Residual (skip) connection: y = act(y + x), in place over `count` elements.
///
/// ResNet blocks end with `relu(out + identity)`; EfficientNet-Lite's inverted residuals add
/// without activation. For backward, dy flows to both branches (after the ReLU mask from y).
public func residualAdd(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                        activation: Activation = .identity) {
    ParallelRows.run(count, grain: 1 << 16) { r in
        let xs = x + r.lowerBound, ys = y + r.lowerBound
        if let build = VectorISA.packedBuild {
            let (low, high) = activation.clampBounds
            build.addClamp(xs, into: ys, count: r.count, low: low, high: high)
            return
        }
        switch activation {
        case .identity: for i in 0..<r.count { ys[i] += xs[i] }
        case .relu: for i in 0..<r.count { ys[i] = max(ys[i] + xs[i], 0) }
        case .relu6: for i in 0..<r.count { ys[i] = min(max(ys[i] + xs[i], 0), 6) }
        }
    }
}

/// y += x over `count` values on the calling thread (for kernels already split across cores).
func residualAddSerial(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    if let build = VectorISA.packedBuild {
        build.addClamp(x, into: y, count: count, low: -.infinity, high: .infinity)
        return
    }
    for i in 0..<count { y[i] += x[i] }
}
