import ThawCore

/// The storage type of a tap's payload (little-endian). Compute is always f32.
public enum DType: String, Codable, Sendable, CaseIterable {
    case f32, f16, bf16

    /// Bytes per element.
    public var size: Int { self == .f32 ? 4 : 2 }

    /// Appends `values` encoded as `self` (f16/bf16 round to nearest even) to `out`.
    public func encode(_ values: [Float], into out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: values.count * size))
        out.withUnsafeMutableBytes { raw in
            let dst = raw.baseAddress! + start
            switch self {
            case .f32:
                for (i, v) in values.enumerated() { dst.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            case .f16:
                for (i, v) in values.enumerated() { dst.storeBytes(of: HalfFloat.f16Bits(v).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            case .bf16:
                for (i, v) in values.enumerated() { dst.storeBytes(of: HalfFloat.bf16Bits(v).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            }
        }
    }

    /// Decodes `count` elements at `bytes` into `out[0..<count]`, widening to f32.
    public func decode(_ bytes: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(bytes.count >= count * size, "payload shorter than its shape")
        switch self {
        case .f32:
            for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .f16:
            for i in 0..<count { out[i] = HalfFloat.f16Value(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .bf16:
            for i in 0..<count { out[i] = HalfFloat.bf16Value(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        }
    }
}
