extension AVX2Kernels {
    /// One row × 64 columns (a whole packed panel) of accumulators in eight ymm registers: the leftover single rows of
    /// the panel and window kernels, eight independent multiply-add chains where a 16-column quarter's two would wait
    /// on the FMA latency. Each output is one chain over k in order, so the floats of the quarter-by-quarter order.
    struct PanelRow {
        var v0 = F8(), v1 = F8(), v2 = F8(), v3 = F8(), v4 = F8(), v5 = F8(), v6 = F8(), v7 = F8()

        @inline(__always)
        init() {}

        /// The raw sums an earlier K block or group stored (`p` [64]), to continue their chains.
        @inline(__always)
        init(loading p: UnsafePointer<Float>) {
            (v0, v1, v2, v3) = (load(p), load(p + 8), load(p + 16), load(p + 24))
            (v4, v5, v6, v7) = (load(p + 32), load(p + 40), load(p + 48), load(p + 56))
        }

        /// self += a[i] · b[i][0..<64] for i in 0..<count, in order; `b` moves one panel row (64 floats) per i.
        @inline(__always)
        mutating func add(_ a: UnsafePointer<Float>, _ count: Int, _ b: inout UnsafePointer<Float>) {
            var bp = b
            for i in 0..<count {
                let x = F8(repeating: a[i])
                v0 = v0.addingProduct(x, load(bp)); v1 = v1.addingProduct(x, load(bp + 8))
                v2 = v2.addingProduct(x, load(bp + 16)); v3 = v3.addingProduct(x, load(bp + 24))
                v4 = v4.addingProduct(x, load(bp + 32)); v5 = v5.addingProduct(x, load(bp + 40))
                v6 = v6.addingProduct(x, load(bp + 48)); v7 = v7.addingProduct(x, load(bp + 56))
                bp += panelWidth
            }
            b = bp
        }

        /// `add` on a panel laid out as strips (`strips` [4][stripLength][16]): quarter q of row i at
        /// strips + q·stripLength·16 + 16i. The same chains, so the same floats.
        @inline(__always)
        mutating func add(_ a: UnsafePointer<Float>, _ count: Int, strips: UnsafePointer<Float>, stripLength: Int) {
            let s = stripLength * 16
            let (b0, b1, b2, b3) = (strips, strips + s, strips + 2 * s, strips + 3 * s)
            for i in 0..<count {
                let x = F8(repeating: a[i]), o = 16 * i
                v0 = v0.addingProduct(x, load(b0 + o)); v1 = v1.addingProduct(x, load(b0 + o + 8))
                v2 = v2.addingProduct(x, load(b1 + o)); v3 = v3.addingProduct(x, load(b1 + o + 8))
                v4 = v4.addingProduct(x, load(b2 + o)); v5 = v5.addingProduct(x, load(b2 + o + 8))
                v6 = v6.addingProduct(x, load(b3 + o)); v7 = v7.addingProduct(x, load(b3 + o + 8))
            }
        }

        /// The raw sums to `p` [64] (a next K block or group continues them).
        @inline(__always)
        func store(to p: UnsafeMutablePointer<Float>) {
            AVX2Kernels.store(v0, p); AVX2Kernels.store(v1, p + 8); AVX2Kernels.store(v2, p + 16); AVX2Kernels.store(v3, p + 24)
            AVX2Kernels.store(v4, p + 32); AVX2Kernels.store(v5, p + 40); AVX2Kernels.store(v6, p + 48); AVX2Kernels.store(v7, p + 56)
        }

        /// out[0..<64] = clamp(sums + bias (+ skip), low, high), quarter by quarter (`quarterFinish`).
        @inline(__always)
        func finish(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?,
                    _ low: Float, _ high: Float) {
            quarterFinish(v0, v1, out, bias, skip, low, high)
            quarterFinish(v2, v3, out + 16, bias + 16, skip.map { $0 + 16 }, low, high)
            quarterFinish(v4, v5, out + 32, bias + 32, skip.map { $0 + 32 }, low, high)
            quarterFinish(v6, v7, out + 48, bias + 48, skip.map { $0 + 48 }, low, high)
        }

        /// `finishInline` where `inline` (`panelInlineEnds`, `windowInlineEnds`), else `finish`.
        @_transparent                                    // mandatory: the choice must not become a call either
        func finish(inline: Bool, _ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
                    _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float) {
            if inline { finishInline(out, bias, skip, low, high) } else { finish(out, bias, skip, low, high) }
        }

        /// `finish` with its four quarters inlined (`AVX2Kernels.panelInlineEnds`): the same floats, no call per quarter.
        @_transparent                                    // mandatory: @inline(__always) left a call per quarter
        func finishInline(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?,
                          _ low: Float, _ high: Float) {
            quarterFinishInline(v0, v1, out, bias, skip, low, high)
            quarterFinishInline(v2, v3, out + 16, bias + 16, skip.map { $0 + 16 }, low, high)
            quarterFinishInline(v4, v5, out + 32, bias + 32, skip.map { $0 + 32 }, low, high)
            quarterFinishInline(v6, v7, out + 48, bias + 48, skip.map { $0 + 48 }, low, high)
        }
    }
}
