/// Applies an Exif orientation (1–8) so the image shows upright, as PIL's `ImageOps.exif_transpose`.
enum ExifOrientation {
    static func apply(_ orientation: Int, to image: RGBImage) -> RGBImage {
        let w = image.width, h = image.height
        let swaps = orientation >= 5
        let ow = swaps ? h : w, oh = swaps ? w : h
        var out = [UInt8](repeating: 0, count: ow * oh * 3)  // [oh, ow, 3]
        image.pixels.withUnsafeBufferPointer { src in
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let sx: Int, sy: Int  // source pixel of output (ox, oy)
                    switch orientation {
                    case 2: sx = w - 1 - ox; sy = oy
                    case 3: sx = w - 1 - ox; sy = h - 1 - oy
                    case 4: sx = ox; sy = h - 1 - oy
                    case 5: sx = oy; sy = ox
                    case 6: sx = oy; sy = h - 1 - ox
                    case 7: sx = w - 1 - oy; sy = h - 1 - ox
                    case 8: sx = w - 1 - oy; sy = ox
                    default: sx = ox; sy = oy
                    }
                    let s = 3 * (sy * w + sx), d = 3 * (oy * ow + ox)
                    out[d] = src[s]; out[d + 1] = src[s + 1]; out[d + 2] = src[s + 2]
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}
