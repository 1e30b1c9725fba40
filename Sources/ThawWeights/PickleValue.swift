import Foundation

/// What the restricted unpickler can build. Lists and dicts are reference types because pickle
/// mutates them after they are memoised (APPEND/SETITEM act on the shared object).
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int64)
    /// A LONG wider than 64 bits, kept as its little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes(Data)
    /// Items and nesting depth, computed once at construction (tuples may share children, so a
    /// recursive depth would cost exponential time on a hostile pickle).
    case tuple([PickleValue], depth: Int)
    case list(PickleList)
    case dict(PickleDict)
    /// An allowed global (a rebuild function, a storage type, a dtype, OrderedDict).
    case global(TorchGlobal)
    /// A storage named by a persistent id; its bytes are resolved by the container reader.
    case storage(TorchStorageRef)
    case tensor(TorchTensorRef)
    /// The stack marker pushed by MARK (never stored in containers).
    case mark

    /// Nesting depth (1 for scalars); bounded by the unpickler.
    var depth: Int {
        switch self {
        case .tuple(_, let depth): return depth
        case .list(let l): return l.depth
        case .dict(let d): return d.depth
        default: return 1
        }
    }

    /// Marks a list or dict as nested (immutable from now on).
    func seal() {
        switch self {
        case .list(let l): l.sealed = true
        case .dict(let d): d.sealed = true
        default: break
        }
    }

    /// True for a list or dict that may no longer change.
    var isSealed: Bool {
        switch self {
        case .list(let l): return l.sealed
        case .dict(let d): return d.sealed
        default: return false
        }
    }

    var shortDescription: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return "int \(i)"
        case .bigInt: return "long integer"
        case .float(let f): return "float \(f)"
        case .string(let s): return "str '\(s.prefix(40))'"
        case .bytes(let d): return "bytes[\(d.count)]"
        case .tuple(let t, _): return "tuple[\(t.count)]"
        case .list(let l): return "list[\(l.items.count)]"
        case .dict(let d): return "dict[\(d.entries.count)]"
        case .global(let g): return "global \(g.qualifiedName)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        case .mark: return "mark"
        }
    }
}

final class PickleList {
    var items: [PickleValue] = []
    var depth = 1
    /// Set once the list is placed inside another container: from then on it may not change,
    /// so every recorded depth stays exact (pickle fills containers before nesting them; only
    /// recursive structures, which checkpoints never hold, would need otherwise).
    var sealed = false
    func append(_ v: PickleValue) {
        v.seal()
        items.append(v)
        depth = max(depth, v.depth + 1)
    }
}

/// Insertion-ordered dict; keys are compared by their printed form (strings and ints in practice).
final class PickleDict {
    var entries: [(key: PickleValue, value: PickleValue)] = []
    private var positions: [String: Int] = [:]
    var depth = 1
    /// See `PickleList.sealed`.
    var sealed = false

    /// Sets `key` (a repeated key replaces its value, as in Python). Returns the key already held
    /// when a *different* key reads the same as text (int `1` and string `"1"`): the caller refuses
    /// that, since the flattened names would collide and one tensor would silently win.
    func set(_ key: PickleValue, _ value: PickleValue) -> PickleValue? {
        key.seal()
        value.seal()
        let k = Self.keyString(key)
        if let i = positions[k] {
            let held = entries[i].key
            guard Self.sameKind(held, key) else { return held }
            entries[i].value = value
        } else {
            positions[k] = entries.count
            entries.append((key, value))
        }
        depth = max(depth, key.depth + 1, value.depth + 1)
        return nil
    }

    /// Same case of `PickleValue` (keys with the same `keyString` and kind are the same key).
    private static func sameKind(_ a: PickleValue, _ b: PickleValue) -> Bool {
        switch (a, b) {
        case (.string, .string), (.int, .int), (.bool, .bool), (.none, .none), (.float, .float): return true
        default: return false
        }
    }

    static func keyString(_ key: PickleValue) -> String {
        switch key {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .float(let f): return String(f)
        default: return key.shortDescription
        }
    }
}
