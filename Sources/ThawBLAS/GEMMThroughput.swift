import Foundation

/// Measures sgemm throughput: repeated n×n×n products for about `seconds`.
public enum GEMMThroughput {
    public struct Measurement: Sendable {
        public var n: Int
        public var repetitions: Int
        public var seconds: Double
        public var medianGFLOPS: Double   // median over repetitions
        public var bestGFLOPS: Double
    }

    public static func measure(n: Int = 2048, seconds: Double = 2) throws -> Measurement {
        try BLAS.load()
        var a = [Float](repeating: 0, count: n * n)
        var b = [Float](repeating: 0, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        for i in 0..<(n * n) {
            a[i] = Float(i % 97) * 1e-3
            b[i] = Float(i % 89) * 1e-3
        }
        let flops = 2.0 * Double(n) * Double(n) * Double(n)
        var rates: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        repeat {
            let t0 = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        BLAS.sgemm(m: n, n: n, k: n, a: pa.baseAddress!, lda: n,
                                   b: pb.baseAddress!, ldb: n, c: pc.baseAddress!, ldc: n)
                    }
                }
            }
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            rates.append(flops / dt / 1e9)
        } while Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds || rates.count < 3
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let sorted = rates.sorted()
        return Measurement(n: n, repetitions: rates.count, seconds: total,
                           medianGFLOPS: sorted[sorted.count / 2], bestGFLOPS: sorted.last!)
    }
}
