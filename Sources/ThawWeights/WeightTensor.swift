import Foundation
import ThawCore

/// One tensor read from a weight file. `bytes` is a slice of the memory-mapped file whenever the
/// stored tensor is contiguous (no copy); only non-contiguous PyTorch views are copied, once.
public struct WeightTensor: @unchecked Sendable {
    /// Dotted key, e.g. `_blocks.3._bn1.running_var`.
    public var name: String
    public var dtype: WeightDType
    /// Row-major shape; `[]` is a scalar.
    public var shape: [Int]
    /// Little-endian elements in row-major order: count == elementCount * dtype.itemSize.
    public var bytes: Data

    public init(name: String, dtype: WeightDType, shape: [Int], bytes: Data) {
        precondition(shape.allSatisfy { $0 >= 0 }, "shape entries must be non-negative")
        precondition(bytes.count == shape.reduce(1, *) * dtype.itemSize,
                     "byte count must equal product(shape) * itemSize")
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The values widened (or narrowed, for f64 and large ints) to Float.
    public func floats() -> [Float] {
        let n = elementCount
        return [Float](unsafeUninitializedCapacity: n) { out, initialized in
            bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                // Slices of a mapped file may be unaligned: always loadUnaligned.
                switch dtype {
                case .f32:
                    if n > 0 { memcpy(out.baseAddress!, raw.baseAddress!, n * 4) }
                case .f16:
                    for i in 0..<n { out[i] = HalfFloat.f16Value(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
                case .bf16:
                    for i in 0..<n { out[i] = HalfFloat.bf16Value(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
                case .f64:
                    for i in 0..<n { out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
                case .i64:
                    for i in 0..<n { out[i] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
                case .i32:
                    for i in 0..<n { out[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
                case .i8:
                    for i in 0..<n { out[i] = Float(Int8(bitPattern: raw[i])) }
                case .u8:
                    for i in 0..<n { out[i] = Float(raw[i]) }
                case .bool:
                    for i in 0..<n { out[i] = raw[i] != 0 ? 1 : 0 }
                }
            }
            initialized = n
        }
    }
}
