@testable import ThawKernels

extension PackedPointwise {
    /// y [rows, outChannels] = the packed 1×1 convolution of x [rows, inChannels] (+ residual [rows, outChannels]),
    /// on arrays. y starts as `fill`, so an element the kernel never writes shows.
    func forward(_ x: [Float], rows: Int, residual: [Float]?, fill: Float) -> [Float] {
        var y = [Float](repeating: fill, count: rows * outChannels)
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                if let residual {
                    residual.withUnsafeBufferPointer { forward(xb.baseAddress!, rows: rows, residual: $0.baseAddress!, into: yb.baseAddress!) }
                } else {
                    forward(xb.baseAddress!, rows: rows, into: yb.baseAddress!)
                }
            }
        }
        return y
    }
}
