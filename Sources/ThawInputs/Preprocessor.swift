/// Applies a `Preprocessing` preset to decoded images: resize (PIL-exact, u8 after each pass),
/// center crop, scale and normalise into NHWC float32. Only the pixels that survive the crop are
/// computed — each output pixel depends only on its own taps, so this equals resize-then-crop.
public struct Preprocessor: Sendable {
    public let preset: Preprocessing
    /// Normalised value of each u8 per channel: [3, 256]
    private let table: [Float]

    public init(_ preset: Preprocessing) {
        self.preset = preset
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for v in 0..<256 {
                // torchvision order: ToTensor (v / 255) then (x − mean) / std, in float32.
                let x = preset.inputScale == 1 ? Float(v) : Float(v) / (1 / preset.inputScale)
                table[c * 256 + v] = (x - preset.mean[c]) / preset.std[c]
            }
        }
        self.table = table
    }

    /// The preprocessed image as a new [crop, crop, 3] array.
    public func apply(_ image: RGBImage) -> [Float] {
        [Float](unsafeUninitializedCapacity: preset.outputCount) { out, count in
            apply(image, into: out.baseAddress!)
            count = preset.outputCount
        }
    }

    /// Writes the preprocessed image to `out` [crop, crop, 3].
    /// A grey image (R = G = B on every row the crop reads: Fashion-MNIST, MNIST, grey JPEGs) is resized once,
    /// on one channel, and its u8 results looked up for all three: each channel's passes are the same
    /// integer sums over the same bytes, so the floats are those of the three-channel passes.
    public func apply(_ image: RGBImage, into out: UnsafeMutablePointer<Float>) {
        let c = preset.crop
        let resized = preset.resizedSize(width: image.width, height: image.height)
        let x0 = Preprocessing.cropOffset(size: resized.width, crop: c)
        let y0 = Preprocessing.cropOffset(size: resized.height, crop: c)
        let needH = resized.width != image.width, needV = resized.height != image.height
        let filter = preset.resampleFilter
        let h = needH ? ResampleCoefficients(inSize: image.width, outSize: resized.width, from: x0, count: c, filter: filter) : nil
        let v = needV ? ResampleCoefficients(inSize: image.height, outSize: resized.height, from: y0, count: c, filter: filter) : nil
        // Input rows the vertical pass reads.
        let rowStart = v.map { Int($0.first[0]) } ?? y0
        let rowEnd = v.map { Int($0.first[c - 1] + $0.taps[c - 1]) } ?? (y0 + c)
        let rows = rowEnd - rowStart
        let grey = Self.isGrey(image, rows: rowStart..<rowEnd)
        let ch = grey ? 1 : 3                                   // channels the passes compute
        // After the horizontal pass: [rows, c, ch] u8 (PIL rounds to u8 between passes).
        var mid = [UInt8](repeating: 0, count: rows * c * ch)
        image.pixels.withUnsafeBufferPointer { src in
            mid.withUnsafeMutableBufferPointer { dst in
                if let h {
                    if grey {
                        Self.horizontalGrey(src.baseAddress!, width: image.width, rowStart: rowStart, rows: rows, h, count: c, into: dst.baseAddress!)
                    } else {
                        Self.horizontal(src.baseAddress!, width: image.width, rowStart: rowStart, rows: rows, h, count: c, into: dst.baseAddress!)
                    }
                } else {
                    for r in 0..<rows {
                        let s = src.baseAddress! + ((rowStart + r) * image.width + x0) * 3
                        let d = dst.baseAddress! + r * c * ch
                        if grey { for x in 0..<c { d[x] = s[3 * x] } } else { d.update(from: s, count: c * 3) }
                    }
                }
            }
        }
        let rowLength = c * ch
        var acc = [Int32](repeating: 0, count: rowLength)   // [c, ch] one output row's sums
        var row8 = [UInt8](repeating: 0, count: rowLength)  // [c, ch] one output row, u8
        table.withUnsafeBufferPointer { lut in
            mid.withUnsafeBufferPointer { m in
                acc.withUnsafeMutableBufferPointer { acc in
                    row8.withUnsafeMutableBufferPointer { row8 in
                        let lut = lut.baseAddress!, m = m.baseAddress!, acc = acc.baseAddress!, u8 = row8.baseAddress!
                        for oy in 0..<c {
                            let src: UnsafePointer<UInt8>   // this output row's u8 values [c, ch]
                            if let v {
                                // Vertical pass, tap by tap over a whole row (vectorises; Int32 cannot
                                // overflow: 255 · 2²² · Σ|w| plus rounding stays below 2³¹ — Σ|w| ≤ 1.2 for bicubic).
                                let first = Int(v.first[oy]) - rowStart, taps = Int(v.taps[oy])
                                let half = Int32(1 << (ResampleCoefficients.precisionBits - 1))
                                for i in 0..<rowLength { acc[i] = half }
                                for t in 0..<taps {
                                    let w = v.weights[oy * v.stride + t]
                                    let line = m + (first + t) * rowLength
                                    for i in 0..<rowLength { acc[i] &+= Int32(line[i]) &* w }
                                }
                                for i in 0..<rowLength { u8[i] = Self.clip8(Int(acc[i])) }
                                src = UnsafePointer(u8)
                            } else {
                                src = m + (oy + y0 - rowStart) * rowLength
                            }
                            let row = out + oy * c * 3
                            if grey {
                                for x in 0..<c {
                                    let g = Int(src[x])
                                    row[3 * x] = lut[g]; row[3 * x + 1] = lut[256 + g]; row[3 * x + 2] = lut[512 + g]
                                }
                            } else {
                                for x in 0..<c {
                                    row[3 * x] = lut[Int(src[3 * x])]
                                    row[3 * x + 1] = lut[256 + Int(src[3 * x + 1])]
                                    row[3 * x + 2] = lut[512 + Int(src[3 * x + 2])]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// True when R = G = B on every pixel of `rows` (stops at the first coloured pixel).
    private static func isGrey(_ image: RGBImage, rows: Range<Int>) -> Bool {
        image.pixels.withUnsafeBufferPointer { p in
            let start = rows.lowerBound * image.width * 3, end = rows.upperBound * image.width * 3
            var i = start
            while i < end {
                if p[i] != p[i + 1] || p[i] != p[i + 2] { return false }
                i += 3
            }
            return true
        }
    }

    /// `horizontal` on channel 0 only, into [rows, c] (the same sums as that pass's first channel).
    private static func horizontalGrey(_ src: UnsafePointer<UInt8>, width: Int, rowStart: Int, rows: Int,
                                       _ h: ResampleCoefficients, count c: Int, into dst: UnsafeMutablePointer<UInt8>) {
        let half = 1 << (ResampleCoefficients.precisionBits - 1)
        h.weights.withUnsafeBufferPointer { wts in
            h.first.withUnsafeBufferPointer { first in
                h.taps.withUnsafeBufferPointer { taps in
                    for r in 0..<rows {
                        let line = src + (rowStart + r) * width * 3
                        let outLine = dst + r * c
                        for ox in 0..<c {
                            let w = wts.baseAddress! + ox * h.stride
                            var p = line + Int(first[ox]) * 3
                            var a = half
                            for t in 0..<Int(taps[ox]) {
                                a += Int(p[0]) * Int(w[t])
                                p += 3
                            }
                            outLine[ox] = clip8(a)
                        }
                    }
                }
            }
        }
    }

    /// PIL's horizontal pass over rows `rowStart..<rowStart+rows`, output columns given by `h`.
    private static func horizontal(_ src: UnsafePointer<UInt8>, width: Int, rowStart: Int, rows: Int,
                                   _ h: ResampleCoefficients, count c: Int, into dst: UnsafeMutablePointer<UInt8>) {
        let half = 1 << (ResampleCoefficients.precisionBits - 1)
        h.weights.withUnsafeBufferPointer { wts in
            h.first.withUnsafeBufferPointer { first in
                h.taps.withUnsafeBufferPointer { taps in
                    for r in 0..<rows {
                        let line = src + (rowStart + r) * width * 3
                        let outLine = dst + r * c * 3
                        for ox in 0..<c {
                            let w = wts.baseAddress! + ox * h.stride
                            var p = line + Int(first[ox]) * 3
                            var a0 = half, a1 = half, a2 = half
                            for t in 0..<Int(taps[ox]) {
                                let k = Int(w[t])
                                a0 += Int(p[0]) * k; a1 += Int(p[1]) * k; a2 += Int(p[2]) * k
                                p += 3
                            }
                            outLine[ox * 3] = clip8(a0)
                            outLine[ox * 3 + 1] = clip8(a1)
                            outLine[ox * 3 + 2] = clip8(a2)
                        }
                    }
                }
            }
        }
    }

    /// PIL's `clip8`: a fixed-point sum back to u8.
    @inline(__always)
    private static func clip8(_ acc: Int) -> UInt8 {
        let bits = ResampleCoefficients.precisionBits
        return acc <= 0 ? 0 : (acc >= 255 << bits ? 255 : UInt8(truncatingIfNeeded: acc >> bits))
    }
}
