/// A decoded image: packed RGB u8.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// [height, width, 3]
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage needs width*height*3 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Replicates a grey image [height, width] to three channels.
    public init(grey: UnsafeBufferPointer<UInt8>, width: Int, height: Int) {
        precondition(grey.count == width * height, "grey image needs width*height bytes")
        self.width = width
        self.height = height
        self.pixels = [UInt8](unsafeUninitializedCapacity: width * height * 3) { out, count in
            for i in 0..<(width * height) {
                let v = grey[i]
                out[3 * i] = v; out[3 * i + 1] = v; out[3 * i + 2] = v
            }
            count = width * height * 3
        }
    }
}
