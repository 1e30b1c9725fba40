import ThawBLAS

/// Backward of `Conv2D.forward`, per group g, over the whole batch in bounded chunks of rows:
///   dW_g [kh·kw·Cin/G, Cout/G] += im2col(x)_gᵀ · dy_g
///   dx_g = col2im(dy_g · W_gᵀ)
///   db += Σ dy
/// where dy is first masked by the activation (read from the forward output y). 1×1 stride-1
/// convolutions skip lowering: x and dx are the GEMM matrices directly (lda = Cin).
/// The weight gradient has the GEMM layout of `weight`; `oihw(fromGEMM:)` converts it for
/// checkpoints.
extension Conv2D {
    /// - Parameters:
    ///   - x: [N, H, W, Cin], the forward input.
    ///   - y: [N, OH, OW, Cout], the forward output (read only when `activation` is not identity).
    ///   - dy: [N, OH, OW, Cout], gradient with respect to y.
    ///   - dx: [N, H, W, Cin], overwritten; nil when the input needs no gradient (a first layer).
    ///   - dWeight: [G][kh][kw][Cin/G][Cout/G], accumulated. dBias: [Cout] or nil, accumulated.
    ///   - workspace: scratch for the masked dy and two lowered chunks (taken, not reset: the
    ///     caller resets it between steps).
    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, dy: UnsafePointer<Float>,
                         batch n: Int, height h: Int, width w: Int,
                         dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
                         dBias: UnsafeMutablePointer<Float>?, workspace: Workspace) {
        let s = shape
        let geo = s.geometry(height: h, width: w)
        let rows = n * geo.outPixels
        let cin = s.inChannels, cout = s.outChannels
        let ig = s.inPerGroup, og = s.outPerGroup, k = s.patchSize
        var g0 = dy
        if activation != .identity {
            guard let y else { preconditionFailure("Conv2D.backward: the output y is needed for the \(activation) mask") }
            let masked = workspace.take(rows * cout)      // [rows, Cout]
            activation.backward(y: y, dy: dy, count: rows * cout, dx: masked)
            g0 = UnsafePointer(masked)
        }
        let grad = g0
        if let dBias { columnSums(grad, rows: rows, columns: cout, into: dBias) }
        weight.withUnsafeBufferPointer { wb in
            let wp = wb.baseAddress!
            if s.isPointwise {
                for g in 0..<s.groups {
                    // dW_g [Cin/G, Cout/G] += x_gᵀ · dy_g
                    pointwiseGEMM(transA: true, m: ig, n: og, k: rows, a: x + g * ig, lda: cin,
                                  b: grad + g * og, ldb: cout, beta: 1, c: dWeight + g * k * og, ldc: og)
                    if let dx {
                        // dx_g [rows, Cin/G] = dy_g · W_gᵀ
                        pointwiseGEMM(transB: true, m: rows, n: ig, k: og, a: grad + g * og, lda: cout,
                                      b: wp + g * k * og, ldb: og, c: dx + g * ig, ldc: cin)
                    }
                }
                return
            }
            dx?.update(repeating: 0, count: n * h * w * cin)
            let maxRows = max(128, workspace.im2colBudget / k)
            let chunks = (rows + maxRows - 1) / maxRows
            let perChunk = (rows + chunks - 1) / chunks
            let cols = workspace.take(perChunk * k)       // [perChunk, kh·kw·Cin/G] lowered x
            let dcols = dx == nil ? cols : workspace.take(perChunk * k)   // [perChunk, kh·kw·Cin/G]
            var r0 = 0
            while r0 < rows {
                let r1 = min(rows, r0 + perChunk), m = r1 - r0
                for g in 0..<s.groups {
                    let dyg = grad + r0 * cout + g * og
                    Im2col.lower(x, channels: cin, c0: g * ig, cg: ig, geometry: geo, rows: r0..<r1, into: cols)
                    BLAS.sgemm(transA: true, m: k, n: og, k: m, a: cols, lda: k, b: dyg, ldb: cout,
                               beta: 1, c: dWeight + g * k * og, ldc: og)
                    if let dx {
                        BLAS.sgemm(transB: true, m: m, n: k, k: og, a: dyg, lda: cout,
                                   b: wp + g * k * og, ldb: og, c: dcols, ldc: k)
                        Col2im.accumulate(dcols, channels: cin, c0: g * ig, cg: ig, geometry: geo, rows: r0..<r1, into: dx)
                    }
                }
                r0 = r1
            }
        }
    }

    /// The backward GEMMs of a 1×1 convolution: split over the cores in single-threaded parts with the
    /// fused training kernels (`SplitGEMM.sgemmParts`), else one OpenBLAS call.
    private func pointwiseGEMM(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                               beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if TrainingKernels.fused && TrainingKernels.splitGEMMs {
            SplitGEMM.sgemmParts(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                                 beta: beta, c: c, ldc: ldc)
        } else {
            BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                       beta: beta, c: c, ldc: ldc)
        }
    }

    /// Converts a tensor in the GEMM layout [G][kh][kw][Cin/G][Cout/G] (a weight or its
    /// gradient) back to PyTorch's OIHW [Cout, Cin/G, kh, kw].
    public static func oihw(fromGEMM gemm: [Float], shape s: Conv2DShape) -> [Float] {
        precondition(gemm.count == s.outChannels * s.patchSize, "Conv2D.oihw: needs \(s.outChannels * s.patchSize) floats")
        var out = [Float](repeating: 0, count: gemm.count)
        let og = s.outPerGroup, ig = s.inPerGroup, kh = s.kernelH, kw = s.kernelW
        for o in 0..<s.outChannels {
            let g = o / og, oc = o % og
            for i in 0..<ig {
                for y in 0..<kh {
                    for x in 0..<kw {
                        out[((o * ig + i) * kh + y) * kw + x] = gemm[(((g * kh + y) * kw + x) * ig + i) * og + oc]
                    }
                }
            }
        }
        return out
    }
}
