import Foundation
import ThawCore

/// Strict loading by name: a backbone `take`s every parameter it needs with the shape it expects,
/// then `finish()` fails if the file held keys nobody took. Errors name the dotted key, both shapes,
/// and for a missing key the closest names in the file.
public final class ParameterStore {
    public let path: String
    private var tensors: [String: WeightTensor] = [:]
    private var order: [String] = []
    private var taken = Set<String>()
    private let transposed: [String]

    /// Applies `rules` (in order) to every key of `file`. Two keys that end up with the same name
    /// are an error naming both.
    public init(_ file: WeightFile, rules: [KeyRule] = []) throws {
        path = file.path
        transposed = rules.compactMap { if case .transpose(let p) = $0 { return p } else { return nil } }
        var origin: [String: String] = [:]
        for tensor in file.tensors {
            var key: String? = tensor.name
            for rule in rules { key = key.flatMap(rule.rename) }
            guard let name = key else { continue }
            if let other = origin[name] {
                throw FileError(file: path, problem: "keys '\(other)' and '\(tensor.name)' both map to '\(name)' under the key rules",
                                fix: "Adjust the key rules so each file key has its own name.")
            }
            origin[name] = tensor.name
            var t = tensor
            t.name = name
            tensors[name] = t
            order.append(name)
        }
    }

    /// Opens `path` and applies `rules`.
    public convenience init(path: String, rules: [KeyRule] = []) throws {
        try self.init(try WeightFile.load(path), rules: rules)
    }

    /// Names after the rules, in file order.
    public var names: [String] { order }

    /// True if the file has `name` (after the rules).
    public func contains(_ name: String) -> Bool { tensors[name] != nil }

    /// The file's shape of `name` (after the rules), without marking it used; nil if absent.
    public func shape(of name: String) -> [Int]? { tensors[name]?.shape }

    /// The tensor `name`, checked against `shape`, marked as used. Transposed per the rules.
    public func tensor(_ name: String, shape: [Int]) throws -> WeightTensor {
        guard var t = tensors[name] else {
            let close = closeMatches(to: name)
            throw FileError(file: path, problem: "missing parameter '\(name)' (expected shape \(shape))"
                                   + (close.isEmpty ? "" : "; closest keys in the file: " + close.joined(separator: ", ")),
                               fix: "Check that the file belongs to this model: `thaw weights inspect FILE` lists its keys and `thaw models` the weights each model takes; a file saved by another library needs its keys renamed to these names (re-save it with them).")
        }
        if transposed.contains(where: { KeyPattern.matches($0, name) }) {
            t = Self.transpose2D(t, file: path)
        }
        guard t.shape == shape else {
            throw FileError(file: path, problem: "mismatched parameter '\(name)': file has \(t.shape), model expects \(shape)",
                            fix: "Check that the file and the model configuration (sizes, class count) agree.")
        }
        taken.insert(name)
        return t
    }

    /// The values of `name` as Float, checked against `shape` (row-major), marked as used.
    public func take(_ name: String, shape: [Int]) throws -> [Float] {
        try tensor(name, shape: shape).floats()
    }

    /// Marks `name` as deliberately unused (if present).
    public func skip(_ name: String) { if tensors[name] != nil { taken.insert(name) } }

    /// Keys not taken yet, in file order.
    public var unusedNames: [String] { order.filter { !taken.contains($0) } }

    /// Throws listing every key that no `take`, `tensor` or `skip` consumed.
    public func finish() throws {
        let unused = unusedNames
        guard unused.isEmpty else {
            let shown = unused.prefix(50).map { "\($0) \(tensors[$0]!.shape)" }.joined(separator: ", ")
            throw FileError(file: path, problem: "\(unused.count) unused key(s): \(shown)\(unused.count > 50 ? ", …" : "")",
                            fix: "The file has parameters this model does not use: check that --model matches the file (`thaw weights inspect FILE` lists its keys), or re-save the file without them.")
        }
    }

    /// A view that prefixes every name with `prefix.` (like `vb.pp("layer1")`).
    public func scoped(_ prefix: String) -> ParameterScope { ParameterScope(store: self, prefix: prefix) }

    // MARK: - Helpers

    private func closeMatches(to name: String) -> [String] {
        let last = name.split(separator: ".").last.map(String.init) ?? name
        let scored = order.map { ($0, Self.editDistance($0, name, limit: 8)) }
            .filter { $0.1 <= max(3, name.count / 4) || $0.0.hasSuffix("." + last) && $0.1 <= name.count / 2 }
        return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
    }

    /// Levenshtein distance, stopping early above `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if abs(x.count - y.count) > limit { return limit + 1 }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...max(1, x.count) where !x.isEmpty {
            current[0] = i
            var rowMin = current[0]
            for j in 1...max(1, y.count) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
                rowMin = min(rowMin, current[j])
            }
            if rowMin > limit { return limit + 1 }
            swap(&previous, &current)
        }
        return x.isEmpty ? y.count : y.isEmpty ? x.count : previous[y.count]
    }

    /// [a, b] → [b, a], copied once. A rule matching a tensor that is not 2-D is a programmer error.
    static func transpose2D(_ t: WeightTensor, file: String) -> WeightTensor {
        precondition(t.shape.count == 2, "KeyRule.transpose applies to 2-D tensors only ('\(t.name)' is \(t.shape))")
        let (rows, cols, item) = (t.shape[0], t.shape[1], t.dtype.itemSize)
        var out = Data(count: t.bytes.count)
        out.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
            t.bytes.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
                for r in 0..<rows {
                    for c in 0..<cols {
                        memcpy(dst.baseAddress! + (c * rows + r) * item, src.baseAddress! + (r * cols + c) * item, item)
                    }
                }
            }
        }
        return WeightTensor(name: t.name, dtype: t.dtype, shape: [cols, rows], bytes: out)
    }
}

/// `ParameterStore` seen through a name prefix: `store.scoped("layer1").scoped("0").take("conv1.weight", …)`.
public struct ParameterScope {
    public let store: ParameterStore
    public let prefix: String

    public func scoped(_ name: String) -> ParameterScope { ParameterScope(store: store, prefix: join(name)) }
    public func take(_ name: String, shape: [Int]) throws -> [Float] { try store.take(join(name), shape: shape) }
    public func tensor(_ name: String, shape: [Int]) throws -> WeightTensor { try store.tensor(join(name), shape: shape) }
    public func contains(_ name: String) -> Bool { store.contains(join(name)) }

    private func join(_ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }
}
