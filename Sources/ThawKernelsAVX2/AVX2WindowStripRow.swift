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

extension AVX2Kernels {
    /// strips [4][k][16] = the panel rows [k][64] at `panel`, read once in order (each k's 256 bytes, then the next k)
    /// rather than quarter by quarter as `copyStrips` does: one sequential stream for the prefetchers. The same values.
    @inline(__always)
    static func copyStripsInOrder(_ panel: UnsafePointer<Float>, _ k: Int, _ strips: UnsafeMutablePointer<Float>) {
        let (q1, q2, q3) = (strips + k * 16, strips + 2 * k * 16, strips + 3 * k * 16)
        for i in 0..<k {
            let src = panel + i * panelWidth, o = i * 16
            let (a0, a1, b0, b1) = (load(src), load(src + 8), load(src + 16), load(src + 24))
            let (c0, c1, d0, d1) = (load(src + 32), load(src + 40), load(src + 48), load(src + 56))
            store(a0, strips + o); store(a1, strips + o + 8); store(b0, q1 + o); store(b1, q1 + o + 8)
            store(c0, q2 + o); store(c1, q2 + o + 8); store(d0, q3 + o); store(d1, q3 + o + 8)
        }
    }

    /// The window kernel's strips (a call's, a group's, a layer's shared ones) are copied with `copyStripsInOrder` instead
    /// of `copyStrips`; the same values either way. On: one thread, per CPU-second, layer4's 49-row tiles 1.05–1.08×,
    /// the 98-row stride-2 tiles 1.03×, batch 32's tiles 1.01–1.02× (`thaw-kernels-bench window`, flag `o`;
    /// benchmarks/backbones/README.md). Set before forwards start.
    nonisolated(unsafe) public static var windowStripsInOrder = true
}
