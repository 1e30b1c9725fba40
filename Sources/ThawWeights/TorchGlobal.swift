/// The only globals a PyTorch checkpoint may name. Anything else (`os.system`, `builtins.eval`,
/// `posix.system`, a user class…) is refused by name; nothing named in a pickle is ever executed.
enum TorchGlobal: Equatable {
    case orderedDict
    case rebuildTensorV2
    case rebuildParameter
    case storageType(WeightDType)   // torch.FloatStorage …, also dtype globals torch.float32 …
    case untypedStorage              // torch.UntypedStorage: bytes, typed by a later dtype
    case typedStorage                // torch.storage.TypedStorage

    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .storageType(let d): return "storage/dtype \(d.torchName)"
        case .untypedStorage: return "torch.UntypedStorage"
        case .typedStorage: return "torch.storage.TypedStorage"
        }
    }

    /// Looks a global up in the allow-list; nil means refuse.
    static func lookup(module: String, name: String) -> TorchGlobal? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch", "UntypedStorage"), ("torch.storage", "UntypedStorage"): return .untypedStorage
        case ("torch", "TypedStorage"), ("torch.storage", "TypedStorage"): return .typedStorage
        case ("torch", _):
            return storageTypes[name].map { .storageType($0) }
        default:
            return nil
        }
    }

    /// Legacy typed-storage classes and dtype objects, by their name in module `torch`.
    static let storageTypes: [String: WeightDType] = [
        "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16, "DoubleStorage": .f64,
        "LongStorage": .i64, "IntStorage": .i32, "CharStorage": .i8, "ByteStorage": .u8, "BoolStorage": .bool,
        "float32": .f32, "float": .f32, "float16": .f16, "half": .f16, "bfloat16": .bf16,
        "float64": .f64, "double": .f64, "int64": .i64, "long": .i64, "int32": .i32, "int": .i32,
        "int8": .i8, "uint8": .u8, "bool": .bool,
    ]
}

/// A storage as named by a pickle persistent id: `('storage', type, key, location, numel[, view])`.
struct TorchStorageRef {
    var key: String
    var dtype: WeightDType
    /// Elements the id claims the storage holds (checked against the actual bytes).
    var elementCount: Int
}

/// A tensor view of a storage, as `_rebuild_tensor_v2` describes it.
struct TorchTensorRef {
    var storage: TorchStorageRef
    var storageOffset: Int
    var shape: [Int]
    var strides: [Int]
}
