extension AVX2Kernels.PanelRow {
    /// self += a[i] · b[i][0..<64] for i in 0..<count, in order, with b read from four 16-column strips `quarterStride`
    /// floats apart (a panel cut by `copyStrips` or `windowStripsOf`) instead of a panel row; `s` (quarter 0's strip)
    /// moves 16 floats per i. The same chains as `add`, so the same floats.
    @inline(__always)
    mutating func add(_ a: UnsafePointer<Float>, _ count: Int, strips s: inout UnsafePointer<Float>, quarterStride: Int) {
        let s0 = s, s1 = s + quarterStride, s2 = s + 2 * quarterStride, s3 = s + 3 * quarterStride
        for i in 0..<count {
            let x = AVX2Kernels.F8(repeating: a[i]), o = i * 16
            v0 = v0.addingProduct(x, AVX2Kernels.load(s0 + o)); v1 = v1.addingProduct(x, AVX2Kernels.load(s0 + o + 8))
            v2 = v2.addingProduct(x, AVX2Kernels.load(s1 + o)); v3 = v3.addingProduct(x, AVX2Kernels.load(s1 + o + 8))
            v4 = v4.addingProduct(x, AVX2Kernels.load(s2 + o)); v5 = v5.addingProduct(x, AVX2Kernels.load(s2 + o + 8))
            v6 = v6.addingProduct(x, AVX2Kernels.load(s3 + o)); v7 = v7.addingProduct(x, AVX2Kernels.load(s3 + o + 8))
        }
        s += count * 16
    }
}
