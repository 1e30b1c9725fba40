import ThawBLAS
import ThawKernelsAVX512

/// A 1×1 convolution (groups 1) with its weights packed once at load time into 32-column panels, run
/// with bias, activation and an optional residual fused into the GEMM's epilogue
/// (`AVX512Kernels.pointwiseRows`, or `AVX2Kernels.pointwiseRows` on CPUs with AVX2+FMA and no AVX-512: same
/// panels, same floats). The inverted-residual blocks' expand/project and the networks' head
/// use it: on the 14×14 and 7×7 maps at batch 1 (M = 196 / 49 rows) OpenBLAS's per-call packing of both
/// operands and its separate epilogue pass cost as much as the arithmetic.
/// Without either (`VectorISA.packedKernels` false) the same calls run OpenBLAS sgemm on the GEMM-layout
/// weight and the baseline epilogue: equal results to float rounding.
public struct PackedPointwise: Sendable {
    public let inChannels: Int                   // K
    public let outChannels: Int                  // N
    public let activation: Activation
    let weight: [Float]                          // [K, N] (Conv2D's GEMM layout), for the fallback
    let bias: [Float]?                           // [N]
    let panels: [Float]                          // [P][K][32], zeros past N
    let paddedBias: [Float]                      // [P·32], zeros past N (and without a bias)

    /// Turns the packed kernel off (benchmarks compare both; blocks then run their BLAS path).
    nonisolated(unsafe) public static var enabled = true

    public static let panelWidth = AVX512Kernels.pointwisePanelWidth
    public var panelCount: Int { (outChannels + Self.panelWidth - 1) / Self.panelWidth }

    /// Packs `conv` (1×1, stride 1, no padding, groups 1).
    public init(_ conv: Conv2D) {
        let s = conv.shape
        precondition(s.isPointwise && s.groups == 1, "PackedPointwise: needs a 1×1 convolution with groups 1, got \(s)")
        let k = s.inChannels, n = s.outChannels, pw = Self.panelWidth
        let p = (n + pw - 1) / pw
        inChannels = k
        outChannels = n
        activation = conv.activation
        weight = conv.weight
        bias = conv.bias
        var packed = [Float](repeating: 0, count: p * k * pw)
        for panel in 0..<p {
            for i in 0..<k {
                for j in 0..<min(pw, n - panel * pw) { packed[(panel * k + i) * pw + j] = conv.weight[i * n + panel * pw + j] }
            }
        }
        panels = packed
        var b = [Float](repeating: 0, count: p * pw)
        if let cb = conv.bias { for j in 0..<n { b[j] = cb[j] } }
        paddedBias = b
    }

    /// y [rows, N] (columns of `panels` only) = act(x [rows, K] · W + bias (+ residual [rows, N])), on
    /// the calling thread. Contiguous rows (ld = K, N); y overlaps neither x nor residual.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, panels range: Range<Int>? = nil,
                        residual: UnsafePointer<Float>? = nil, into y: UnsafeMutablePointer<Float>) {
        let range = range ?? 0..<panelCount
        precondition(residual == nil || activation == .identity, "PackedPointwise: a residual needs the identity activation")
        guard rows > 0, !range.isEmpty else { return }
        let k = inChannels, n = outChannels
        if let build = VectorISA.packedBuild {
            let (low, high) = activation.clampBounds
            panels.withUnsafeBufferPointer { pb in
                paddedBias.withUnsafeBufferPointer { bb in
                    build.pointwiseRows(a: x, lda: k, rows: rows, k: k, packed: pb.baseAddress!, n: n, panels: range,
                                        bias: bb.baseAddress!, residual: residual, ldr: n, low: low, high: high, y: y, ldy: n)
                }
            }
            return
        }
        // Baseline: sgemm over the panels' columns, then bias + activation, then the residual.
        let c0 = range.lowerBound * Self.panelWidth, c1 = min(n, range.upperBound * Self.panelWidth), width = c1 - c0
        weight.withUnsafeBufferPointer { wb in
            BLAS.sgemm(m: rows, n: width, k: k, a: x, lda: k, b: wb.baseAddress! + c0, ldb: n, c: y + c0, ldc: n)
        }
        if let bias {
            bias.withUnsafeBufferPointer { biasActivation(y + c0, rows: rows, channels: width, ldy: n, bias: $0.baseAddress! + c0, activation: activation) }
        } else {
            biasActivation(y + c0, rows: rows, channels: width, ldy: n, bias: nil, activation: activation)
        }
        if let residual {
            for r in 0..<rows { residualAddSerial(residual + r * n + c0, into: y + r * n + c0, count: width) }
        }
    }
}
