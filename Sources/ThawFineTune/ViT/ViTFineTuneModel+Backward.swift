import ThawKernels

extension ViTFineTuneModel {
    /// Accumulates every gradient from dlogits [N, classes] (not zeroed here); returns d(tokens) [N, T, C] when
    /// `inputGradient` (else []: the cached tokens are frozen, and the lowest block skips the final residual add).
    @discardableResult
    public func backward(_ dlogits: [Float], saved s: Saved, inputGradient: Bool = false) -> [Float] {
        let n = s.rows, t = s.tokens, c = channels, rows = n * t
        let dpooled = classifier.backward(x: s.pooled, dlogits: dlogits, rows: n)   // [N, poolWidth]
        var dnormed = [Float](repeating: 0, count: rows * c)                        // [N·T, C]; unpooled rows get 0
        let patches = Float(t - prefixTokens)
        for b in 0..<n {
            switch pooling {
            case .classToken:
                guard projection == nil else { continue }
                for j in 0..<c { dnormed[b * t * c + j] = dpooled[b * c + j] }
            case .patchMean:
                for r in prefixTokens..<t { for j in 0..<c { dnormed[(b * t + r) * c + j] = dpooled[b * c + j] / patches } }
            case .classAndPatchMean:
                for j in 0..<c { dnormed[b * t * c + j] = dpooled[b * 2 * c + j] }
                for r in prefixTokens..<t { for j in 0..<c { dnormed[(b * t + r) * c + j] = dpooled[b * 2 * c + c + j] / patches } }
            }
        }
        if let projection {
            // pooled = W_p · cls (+ b): dcls into the class-token rows.
            var dcls = [Float](repeating: 0, count: n * c)                         // [N, C]
            var unusedBias = [Float](repeating: 0, count: projection.weight.torchShape[0])
            let p = projectionParameters(projection)
            s.cls.withUnsafeBufferPointer { xb in dpooled.withUnsafeBufferPointer { db in dcls.withUnsafeMutableBufferPointer { ob in
                projection.weight.grad.withUnsafeMutableBufferPointer { dw in
                    if let bias = projection.bias {
                        bias.grad.withUnsafeMutableBufferPointer { dbias in
                            Linear.backward(p, x: xb.baseAddress!, dy: db.baseAddress!, rows: n, dx: ob.baseAddress!,
                                            dWeight: dw.baseAddress!, dBias: dbias.baseAddress!)
                        }
                    } else {
                        unusedBias.withUnsafeMutableBufferPointer { dbias in
                            Linear.backward(p, x: xb.baseAddress!, dy: db.baseAddress!, rows: n, dx: ob.baseAddress!,
                                            dWeight: dw.baseAddress!, dBias: dbias.baseAddress!)
                        }
                    }
                }
            }}}
            for b in 0..<n { for j in 0..<c { dnormed[b * t * c + j] = dcls[b * c + j] } }
        }
        var g = [Float](repeating: 0, count: rows * c)                              // d(last block output) [N·T, C]
        s.hidden.withUnsafeBufferPointer { xb in dnormed.withUnsafeBufferPointer { dyb in
            s.mean.withUnsafeBufferPointer { mb in s.rstd.withUnsafeBufferPointer { rb in g.withUnsafeMutableBufferPointer { dxb in
                finalNorm.gamma.grad.withUnsafeMutableBufferPointer { dg in finalNorm.beta.grad.withUnsafeMutableBufferPointer { db in
                    LayerNorm.backward(x: xb.baseAddress!, dy: dyb.baseAddress!, rows: rows, channels: c, gamma: finalNorm.gamma.value,
                                       mean: mb.baseAddress!, rstd: rb.baseAddress!, dx: dxb.baseAddress!,
                                       dGamma: dg.baseAddress!, dBeta: db.baseAddress!)
                }}
            }}}
        }}
        for (i, (b, bs)) in zip(blocks, s.blocks).enumerated().reversed() {
            g = b.backward(g, saved: bs, inputGradient: i > 0 || inputGradient)
        }
        return blocks.isEmpty && !inputGradient ? [] : g
    }
}
