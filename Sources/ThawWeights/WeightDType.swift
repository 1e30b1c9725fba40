/// The element types a weight file may hold. Raw values are the safetensors spellings.
public enum WeightDType: String, Sendable, CaseIterable, Codable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
    case i64 = "I64", i32 = "I32", i8 = "I8", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// True for the floating-point types (what a backbone loads as parameters).
    public var isFloatingPoint: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64: return true
        default: return false
        }
    }

    /// Lower-case name as PyTorch prints it (`float32`, `bfloat16`, `int64`, `bool`…).
    public var torchName: String {
        switch self {
        case .f32: return "float32"
        case .f16: return "float16"
        case .bf16: return "bfloat16"
        case .f64: return "float64"
        case .i64: return "int64"
        case .i32: return "int32"
        case .i8: return "int8"
        case .u8: return "uint8"
        case .bool: return "bool"
        }
    }
}
