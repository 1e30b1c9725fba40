import Foundation
import ThawCore

/// What the two PyTorch readers share: flattening the unpickled object into named tensor views and
/// cutting each view out of its storage.
///
/// Naming rule: nested dicts and lists are flattened with dots, keeping every level, so
/// `{"state_dict": {"fc.weight": t}, "epoch": 3}` yields the tensor `state_dict.fc.weight`
/// (strip the `state_dict.`/`model.` prefix with a `KeyRule` when loading). Non-tensor leaves
/// (`epoch`, strings…) are skipped and listed in `WeightFile.metadata`.
enum TorchCheckpoint {
    /// Entries a checkpoint may expand to when flattened (a state dict has thousands).
    static let maxVisitedNodes = 1_000_000
    /// Elements a strided view may hold beyond its storage's own count (stride-0 broadcasts):
    /// 2^24, 64 MiB of float32. Views no larger than their storage are never limited.
    static let maxRepeatedViewElements = 1 << 24

    static func flatten(_ root: PickleValue, file: String) throws -> (tensors: [(name: String, ref: TorchTensorRef)], skipped: [String: String]) {
        var tensors: [(name: String, ref: TorchTensorRef)] = []
        var skipped: [String: String] = [:]
        var seen = Set<String>()
        // Containers may be shared (memo), so a small pickle can describe a huge tree: bound the walk.
        var budget = maxVisitedNodes
        func visit(_ v: PickleValue, _ name: String, _ depth: Int) throws {
            budget -= 1
            guard budget >= 0 else {
                throw FileError(file: file, problem: "checkpoint expands to more than \(maxVisitedNodes) entries (shared containers)", fix: FileError.redownload)
            }
            guard depth <= Unpickler.maxDepth else {
                throw FileError(file: file, problem: "checkpoint nests containers deeper than \(Unpickler.maxDepth) levels", fix: FileError.redownload)
            }
            func child(_ key: String) -> String { name.isEmpty ? key : name + "." + key }
            switch v {
            case .tensor(let ref):
                let key = name.isEmpty ? "tensor" : name
                guard seen.insert(key).inserted else {
                    throw FileError(file: file, problem: "two tensors are both named '\(key)' after flattening nested keys with dots",
                                    fix: "Save a flat state_dict: torch.save(model.state_dict(), path).")
                }
                tensors.append((key, ref))
            case .dict(let d):
                for (k, value) in d.entries { try visit(value, child(PickleDict.keyString(k)), depth + 1) }
            case .list(let l):
                for (i, value) in l.items.enumerated() { try visit(value, child(String(i)), depth + 1) }
            case .tuple(let items, _):
                for (i, value) in items.enumerated() { try visit(value, child(String(i)), depth + 1) }
            default:
                skipped[name.isEmpty ? "(root)" : name] = v.shortDescription
            }
        }
        try visit(root, "", 0)
        return (tensors, skipped)
    }

    /// The tensor `ref` describes, cut from `storage` (exactly `ref.storage.elementCount` elements).
    /// Contiguous views are slices (no copy); strided views are copied into row-major order.
    static func materialize(_ ref: TorchTensorRef, name: String, storage: Data, file: String) throws -> WeightTensor {
        let item = ref.storage.dtype.itemSize
        precondition(storage.count == ref.storage.elementCount * item, "storage bytes must be checked by the reader")
        func bad(_ problem: String) -> FileError {
            FileError(file: file, problem: "tensor '\(name)': \(problem)", fix: FileError.redownload)
        }
        guard ref.storageOffset >= 0, ref.shape.allSatisfy({ $0 >= 0 }), ref.strides.allSatisfy({ $0 >= 0 }) else {
            throw bad("negative offset, size or stride (offset \(ref.storageOffset), size \(ref.shape), stride \(ref.strides))")
        }
        guard let count = checkedElementCount(ref.shape), !count.multipliedReportingOverflow(by: item).overflow else {
            throw bad("shape \(ref.shape) of \(ref.storage.dtype.torchName) overflows a 64-bit byte count")
        }
        if count == 0 {
            return WeightTensor(name: name, dtype: ref.storage.dtype, shape: ref.shape, bytes: Data())
        }
        // Highest element index the view touches, overflow-checked.
        var last = ref.storageOffset
        for (n, s) in zip(ref.shape, ref.strides) {
            let (m, o1) = (n - 1).multipliedReportingOverflow(by: s)
            let (sum, o2) = last.addingReportingOverflow(m)
            guard !o1, !o2 else { throw bad("strides \(ref.strides) overflow") }
            last = sum
        }
        guard last < ref.storage.elementCount else {
            throw bad("view (offset \(ref.storageOffset), size \(ref.shape), stride \(ref.strides)) reaches element \(last) of a storage of \(ref.storage.elementCount)")
        }
        let base = storage.startIndex
        if isContiguous(ref.shape, ref.strides) {
            let begin = base + ref.storageOffset * item
            return WeightTensor(name: name, dtype: ref.storage.dtype, shape: ref.shape,
                                bytes: storage[begin..<(begin + count * item)])
        }
        // Strided (e.g. TF-ported conv weights): gather into row-major order, once. A view that
        // fits its storage but has more elements repeats them (stride 0, `expand`): bounded, so a
        // 500-byte file cannot ask for a 40 GB copy.
        guard count <= max(ref.storage.elementCount, maxRepeatedViewElements) else {
            throw FileError(file: file, problem: "tensor '\(name)': view of size \(ref.shape), stride \(ref.strides) repeats the "
                            + "\(ref.storage.elementCount) elements of its storage as \(count) elements (over the "
                            + "\(maxRepeatedViewElements)-element limit for views larger than their storage)",
                            fix: "If the file is genuine, save that tensor with its own storage (tensor.contiguous().clone()) and load it again.")
        }
        var out = Data(count: count * item)
        out.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
            storage.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
                gather(src.baseAddress!, dst.baseAddress!, item: item, ref)
            }
        }
        return WeightTensor(name: name, dtype: ref.storage.dtype, shape: ref.shape, bytes: out)
    }

    /// Copies the view's elements in row-major order: an odometer over the outer dimensions,
    /// a strided inner loop over the last one. Raw pointers: the source may be unaligned.
    private static func gather(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, item: Int, _ ref: TorchTensorRef) {
        let rank = ref.shape.count
        guard rank > 0 else {
            dst.copyMemory(from: src + ref.storageOffset * item, byteCount: item)
            return
        }
        let inner = ref.shape[rank - 1]
        // A stride is only followed where its size is over 1 (then (size − 1)·stride fits the storage,
        // checked by the caller); a size-1 dimension may carry any stride, up to Int.max.
        let innerStep = inner > 1 ? ref.strides[rank - 1] * item : 0
        let rows = ref.shape.dropLast().reduce(1, *)
        var index = [Int](repeating: 0, count: rank)
        var rowStart = ref.storageOffset
        var out = dst
        for _ in 0..<rows {
            var source = src + rowStart * item
            if item == 4 {   // float32/int32: a plain load/store instead of a memcpy call per element
                for j in 0..<inner {
                    out.storeBytes(of: source.loadUnaligned(fromByteOffset: j * innerStep, as: UInt32.self), toByteOffset: j * 4, as: UInt32.self)
                }
                out += inner * 4
            } else {
                for _ in 0..<inner {
                    out.copyMemory(from: source, byteCount: item)
                    source += innerStep
                    out += item
                }
            }
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                if index[d] < ref.shape[d] { rowStart += ref.strides[d]; break }
                rowStart -= ref.strides[d] * (index[d] - 1)   // back to the start of dimension d
                index[d] = 0
                d -= 1
            }
        }
    }

    /// Row-major contiguity; dimensions of size 1 may carry any stride.
    static func isContiguous(_ shape: [Int], _ strides: [Int]) -> Bool {
        var expected = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
            if strides[d] != expected { return false }
            expected *= shape[d]
        }
        return true
    }

    /// The storages a list of views needs, each with one dtype and element count.
    static func storages(of tensors: [(name: String, ref: TorchTensorRef)], file: String) throws -> [String: TorchStorageRef] {
        var out: [String: TorchStorageRef] = [:]
        for (name, ref) in tensors {
            if let known = out[ref.storage.key] {
                guard known.dtype == ref.storage.dtype, known.elementCount == ref.storage.elementCount else {
                    throw FileError(file: file, problem: "storage \(ref.storage.key) is described twice differently (tensor '\(name)')", fix: FileError.redownload)
                }
            } else {
                out[ref.storage.key] = ref.storage
            }
        }
        return out
    }

    /// Checks a storage's byte count before anything is cut from it.
    static func checkStorageSize(_ ref: TorchStorageRef, actualBytes: Int, file: String) throws {
        let (need, overflow) = ref.elementCount.multipliedReportingOverflow(by: ref.dtype.itemSize)
        guard !overflow, need == actualBytes else {
            throw FileError(file: file, problem: "storage \(ref.key) should hold \(ref.elementCount) \(ref.dtype.torchName) elements but has \(actualBytes) bytes",
                            fix: FileError.redownload)
        }
    }
}
