extension AVX2Kernels {
    /// Whole tiles (every row of the tile stored, all 16 or 8 columns of the half valid) finish through
    /// `PointwiseWholeTile`: what the per-row path (`finishPointwiseRow`) checks for every row — row count, clamp
    /// on or off, residual or not, partial columns — is decided once per tile, and each row is straight-line code
    /// (+ bias, + residual, clamp, store). Same floats: the same operations on the same values in the same order.
    /// Off: every tile takes the per-row path (benchmarks compare both: `--alternate whole-tiles=0,1`).
    nonisolated(unsafe) public static var pointwiseWholeTiles = true

    /// A whole tile's epilogue; `nil` from `init` when the tile is partial (or the clamp runs in L1).
    struct PointwiseWholeTile {
        enum Kind { case linear, linearResidual, clamped, clampedResidual }
        let kind: Kind
        let y: UnsafeMutablePointer<Float>, ldy: Int
        let residual: UnsafePointer<Float>, ldr: Int     // y's address when there is none (never read then)
        let low: F8, high: F8

        /// `height`: the tile's rows (6 or 4); `wide`: 16 columns, else 8.
        @inline(__always)
        init?(_ t: PointwiseTileRest, height: Int, wide: Bool) {
            guard pointwiseWholeTiles, t.count == height, t.cols == (wide ? 16 : 8) else { return nil }
            let unbounded = t.low == -.infinity && t.high == .infinity
            guard unbounded || pointwiseRegisterClamp else { return nil }
            switch (unbounded, t.residual != nil) {
            case (true, false): kind = .linear
            case (true, true): kind = .linearResidual
            case (false, false): kind = .clamped
            case (false, true): kind = .clampedResidual
            }
            (y, ldy, ldr) = (t.y, t.ldy, t.ldr)
            residual = t.residual ?? UnsafePointer(t.y)
            (low, high) = (F8(repeating: t.low), F8(repeating: t.high))
        }

        /// Row r: v0 (and v1 when `wide`), bias already added; `adds`/`clamps` are constants at every call site,
        /// so each of the four kinds compiles to its own straight-line rows.
        @_transparent
        func row(_ r: Int, _ v0: F8, _ v1: F8, wide: Bool, adds: Bool, clamps: Bool) {
            let out = y + r * ldy
            var lo = v0, hi = v1
            if adds {
                let res = residual + r * ldr
                lo += load(res)
                if wide { hi += load(res + 8) }
            }
            if clamps {
                lo = clamped(lo, low, high)
                if wide { hi = clamped(hi, low, high) }
            }
            store(lo, out)
            if wide { store(hi, out + 8) }
        }
    }
}
