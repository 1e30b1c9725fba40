import ThawKernels

/// y = conv(x) [n, OH, OW, Cout] through the tiled path (`tiles`) or the plain one, `residual` added with ReLU when
/// given; a small im2col `budget` forces several chunks per call. `fill` is what y holds before the forward (NaN, or
/// a sentinel) so an element the forward skipped shows.
func convForward(_ conv: Conv2D, _ x: [Float], n: Int, h: Int, w: Int, residual: [Float]?, tiles: Bool,
                 budget: Int = 4096, fill: Float = .nan) -> [Float] {
    ConvTiles.enabled = tiles
    let g = conv.shape.geometry(height: h, width: w)
    var y = [Float](repeating: fill, count: n * g.outPixels * conv.shape.outChannels)
    let ws = Workspace(im2colBudget: budget)
    x.withUnsafeBufferPointer { xb in
        y.withUnsafeMutableBufferPointer { yb in
            if let residual {
                _ = residual.withUnsafeBufferPointer { rb in
                    conv.forward(xb.baseAddress!, batch: n, height: h, width: w, adding: rb.baseAddress!, then: .relu,
                                 into: yb.baseAddress!, workspace: ws)
                }
            } else {
                conv.forward(xb.baseAddress!, batch: n, height: h, width: w, adding: nil, into: yb.baseAddress!, workspace: ws)
            }
        }
    }
    return y
}
