import Foundation
import ThawCore

/// A restricted pickle reader (protocols 2–5) for what `torch.save` writes. It builds plain values,
/// dicts/OrderedDicts, lists, tuples, storages (via persistent ids) and tensor descriptions
/// (`_rebuild_tensor_v2`, `_rebuild_parameter`). Any other global is refused by name and nothing
/// is ever called. Memo size, stack depth and container nesting are bounded.
struct Unpickler {
    static let maxMemo = 1 << 20
    static let maxStack = 1 << 20
    static let maxDepth = 200

    private var r: ByteReader
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    /// Reads one pickle starting at `offset` of `data` (indexed from 0).
    init(_ data: Data, file: String, offset: Int = 0) {
        r = ByteReader(data, file: file, offset: offset)
    }

    /// Offset just past the last STOP read.
    var offset: Int { r.offset }
    private var file: String { r.file }

    private func fail(_ problem: String) -> FileError {
        FileError(file: file, problem: "pickle: \(problem)",
                  fix: "Thaw reads only tensors saved with torch.save(model.state_dict(), path); re-save the weights that way (or as safetensors).")
    }

    /// Unpickles one object, leaving the reader after its STOP opcode.
    mutating func load() throws -> PickleValue {
        stack.removeAll(keepingCapacity: true)
        marks.removeAll()
        memo.removeAll()
        while true {
            let at = r.offset
            let op = try r.u8("a pickle opcode")
            switch op {
            case 0x80: // PROTO
                let p = try r.u8("the pickle protocol")
                guard (2...5).contains(p) else { throw fail("protocol \(p) at byte \(at) is not supported (2–5 are)") }
            case 0x95: // FRAME: a length hint only
                _ = try r.uint(UInt64.self, "a pickle frame length")
            case UInt8(ascii: "."): // STOP
                guard let top = stack.popLast(), marks.isEmpty else { throw fail("STOP with an empty stack or an open MARK") }
                return top
            case UInt8(ascii: "}"): try push(.dict(PickleDict()))
            case UInt8(ascii: "]"): try push(.list(PickleList()))
            case UInt8(ascii: ")"): try push(.tuple([], depth: 1))
            case UInt8(ascii: "("): // MARK
                try push(.mark)
                marks.append(stack.count - 1)
            case UInt8(ascii: "t"): try push(try tuple(popMark()))
            case 0x85: try push(try tuple(popN(1)))
            case 0x86: try push(try tuple(popN(2)))
            case 0x87: try push(try tuple(popN(3)))
            case UInt8(ascii: "l"): // LIST
                let l = PickleList()
                for v in try popMark() { l.append(v) }
                try push(.list(l))
            case UInt8(ascii: "d"): // DICT
                let items = try popMark()
                try push(.dict(try dict(items)))
            case UInt8(ascii: "J"): try push(.int(Int64(try r.uint(Int32.self, "BININT"))))
            case UInt8(ascii: "K"): try push(.int(Int64(try r.u8("BININT1"))))
            case UInt8(ascii: "M"): try push(.int(Int64(try r.uint(UInt16.self, "BININT2"))))
            case 0x8A: // LONG1
                let n = Int(try r.u8("LONG1"))
                try push(long(Array(try r.bytes(n, "LONG1"))))
            case 0x8B: // LONG4
                let n = Int(try r.uint(Int32.self, "LONG4"))
                guard n >= 0, n <= 64 else { throw fail("LONG4 of \(n) bytes at byte \(at) is not a plausible checkpoint value") }
                try push(long(Array(try r.bytes(n, "LONG4"))))
            case UInt8(ascii: "G"): // BINFLOAT, big-endian
                let littleEndianRead = try r.uint(UInt64.self, "BINFLOAT")
                try push(.float(Double(bitPattern: littleEndianRead.byteSwapped)))
            case 0x8C: try push(.string(try text(Int(try r.u8("SHORT_BINUNICODE")))))
            case UInt8(ascii: "X"): try push(.string(try text(Int(try r.uint(UInt32.self, "BINUNICODE")))))
            case 0x8D: try push(.string(try text(try length64("BINUNICODE8"))))
            case UInt8(ascii: "T"): // BINSTRING (py2 str): read as text
                let n = Int(try r.uint(Int32.self, "BINSTRING"))
                guard n >= 0 else { throw fail("negative BINSTRING length at byte \(at)") }
                try push(.string(try text(n)))
            case UInt8(ascii: "U"): try push(.string(try text(Int(try r.u8("SHORT_BINSTRING")))))
            case UInt8(ascii: "C"): try push(.bytes(try r.bytes(Int(try r.u8("SHORT_BINBYTES")), "SHORT_BINBYTES")))
            case UInt8(ascii: "B"): try push(.bytes(try r.bytes(Int(try r.uint(UInt32.self, "BINBYTES")), "BINBYTES")))
            case 0x8E: try push(.bytes(try r.bytes(try length64("BINBYTES8"), "BINBYTES8")))
            case UInt8(ascii: "N"): try push(.none)
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case UInt8(ascii: "q"): try put(Int(try r.u8("BINPUT")))
            case UInt8(ascii: "r"): try put(Int(try r.uint(UInt32.self, "LONG_BINPUT")))
            case 0x94: try put(memo.count) // MEMOIZE
            case UInt8(ascii: "h"): try get(Int(try r.u8("BINGET")))
            case UInt8(ascii: "j"): try get(Int(try r.uint(UInt32.self, "LONG_BINGET")))
            case UInt8(ascii: "0"): _ = try popN(1) // POP
            case UInt8(ascii: "1"): _ = try popMark() // POP_MARK
            case UInt8(ascii: "2"): // DUP
                guard let top = stack.last else { throw fail("DUP on an empty stack") }
                try push(top)
            case UInt8(ascii: "s"): // SETITEM
                let kv = try popN(2)
                try target(for: "SETITEM", dict: true) { d, _ in try self.setItem(d, kv[0], kv[1]) }
            case UInt8(ascii: "u"): // SETITEMS
                let items = try popMark()
                guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items") }
                try target(for: "SETITEMS", dict: true) { d, _ in
                    for i in stride(from: 0, to: items.count, by: 2) { try self.setItem(d, items[i], items[i + 1]) }
                }
            case UInt8(ascii: "a"): // APPEND
                let v = try popN(1)
                try target(for: "APPEND", dict: false) { _, l in try self.append(l, v[0]) }
            case UInt8(ascii: "e"): // APPENDS
                let items = try popMark()
                try target(for: "APPENDS", dict: false) { _, l in for v in items { try self.append(l, v) } }
            case UInt8(ascii: "c"): // GLOBAL module\nname\n
                let module = String(decoding: try r.line("a GLOBAL module name"), as: UTF8.self)
                let name = String(decoding: try r.line("a GLOBAL name"), as: UTF8.self)
                try push(.global(try allow(module, name)))
            case 0x93: // STACK_GLOBAL
                let mn = try popN(2)
                guard case .string(let module) = mn[0], case .string(let name) = mn[1] else {
                    throw fail("STACK_GLOBAL needs two strings")
                }
                try push(.global(try allow(module, name)))
            case UInt8(ascii: "R"): // REDUCE
                let fa = try popN(2)
                try push(try call(fa[0], fa[1]))
            case 0x81: // NEWOBJ: cls.__new__(cls, *args)
                let ca = try popN(2)
                try push(try call(ca[0], ca[1]))
            case UInt8(ascii: "b"): // BUILD: only the state of an OrderedDict (state_dict._metadata) or a tensor is accepted and dropped
                let state = try popN(1)[0]
                guard let top = stack.last else { throw fail("BUILD on an empty stack") }
                switch top {
                case .dict, .tensor: _ = state
                default: throw fail("BUILD on \(top.shortDescription) is not allowed")
                }
            case UInt8(ascii: "Q"): // BINPERSID
                let pid = try popN(1)[0]
                try push(.storage(try persistentLoad(pid)))
            default:
                throw fail(String(format: "opcode 0x%02X at byte %d is not allowed", op, at))
            }
        }
    }

    // MARK: - Stack

    private mutating func push(_ v: PickleValue) throws {
        guard stack.count < Self.maxStack else { throw fail("stack deeper than \(Self.maxStack)") }
        stack.append(v)
    }

    private mutating func popN(_ n: Int) throws -> [PickleValue] {
        let floor = marks.last.map { $0 + 1 } ?? 0
        guard stack.count - n >= floor else { throw fail("stack underflow") }
        let items = Array(stack.suffix(n))
        stack.removeLast(n)
        return items
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let m = marks.popLast() else { throw fail("no MARK to pop to") }
        let items = Array(stack[(m + 1)...])
        stack.removeSubrange(m...)
        return items
    }

    private mutating func put(_ index: Int) throws {
        guard let top = stack.last else { throw fail("PUT on an empty stack") }
        if case .mark = top { throw fail("PUT of a MARK") }
        guard memo.count < Self.maxMemo || memo[index] != nil else { throw fail("memo larger than \(Self.maxMemo)") }
        memo[index] = top
    }

    private mutating func get(_ index: Int) throws {
        guard let v = memo[index] else { throw fail("GET of memo entry \(index), which was never stored") }
        try push(v)
    }

    // MARK: - Values

    private mutating func text(_ n: Int) throws -> String {
        let bytes = try r.bytes(n, "a pickled string")
        guard let s = String(data: bytes, encoding: .utf8) else { throw fail("string is not valid UTF-8") }
        return s
    }

    private mutating func length64(_ what: String) throws -> Int {
        let n = try r.uint(UInt64.self, what)
        guard n <= UInt64(r.remaining) else { throw FileError.truncated(file, what) }
        return Int(n)
    }

    /// LONG1/LONG4 payload: little-endian two's complement.
    private func long(_ bytes: [UInt8]) -> PickleValue {
        guard bytes.count <= 8 else { return .bigInt(bytes) }
        if bytes.isEmpty { return .int(0) }
        var v: UInt64 = 0
        for (i, b) in bytes.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        if bytes.count < 8, bytes.last! & 0x80 != 0 { v |= ~0 << (8 * UInt64(bytes.count)) } // sign-extend
        return .int(Int64(bitPattern: v))
    }

    private func tuple(_ items: [PickleValue]) throws -> PickleValue {
        for item in items { item.seal() }
        let t = PickleValue.tuple(items, depth: 1 + (items.map(\.depth).max() ?? 0))
        guard t.depth <= Self.maxDepth else { throw fail("containers nested deeper than \(Self.maxDepth)") }
        return t
    }

    private func dict(_ items: [PickleValue]) throws -> PickleDict {
        guard items.count % 2 == 0 else { throw fail("DICT with an odd number of items") }
        let d = PickleDict()
        for i in stride(from: 0, to: items.count, by: 2) { try setItem(d, items[i], items[i + 1]) }
        return d
    }

    private func setItem(_ d: PickleDict, _ k: PickleValue, _ v: PickleValue) throws {
        // The only way to a cycle: every other container is sealed once nested (found by fuzz/weights).
        guard !Self.isContainer(k, d), !Self.isContainer(v, d) else { throw fail("SETITEM puts a dict inside itself (a recursive structure)") }
        if let held = d.set(k, v) {
            throw fail("dict keys \(held.shortDescription) and \(k.shortDescription) both name '\(PickleDict.keyString(k))', so one entry would hide the other")
        }
        guard d.depth <= Self.maxDepth else { throw fail("containers nested deeper than \(Self.maxDepth)") }
    }

    private func append(_ l: PickleList, _ v: PickleValue) throws {
        guard !Self.isContainer(v, l) else { throw fail("APPEND puts a list inside itself (a recursive structure)") }
        l.append(v)
        guard l.depth <= Self.maxDepth else { throw fail("containers nested deeper than \(Self.maxDepth)") }
    }

    /// True when `v` is the list or dict `container` itself (a reference cycle if stored in it).
    private static func isContainer(_ v: PickleValue, _ container: AnyObject) -> Bool {
        switch v {
        case .list(let l): return l === container
        case .dict(let d): return d === container
        default: return false
        }
    }

    /// Runs `body` on the dict or list now on top of the stack.
    private func target(for op: String, dict: Bool, _ body: (PickleDict, PickleList) throws -> Void) throws {
        guard let top = stack.last else { throw fail("\(op) on an empty stack") }
        guard !top.isSealed else { throw fail("\(op) changes a container after nesting it (a recursive structure), which a checkpoint never needs") }
        switch (top, dict) {
        case (.dict(let d), true): try body(d, PickleList())
        case (.list(let l), false): try body(PickleDict(), l)
        default: throw fail("\(op) on \(top.shortDescription)")
        }
    }

    private func allow(_ module: String, _ name: String) throws -> TorchGlobal {
        guard let g = TorchGlobal.lookup(module: module, name: name) else {
            if module == "torch", name.hasSuffix("Storage") || name.hasPrefix("complex") || name.hasPrefix("float8") || name.hasPrefix("int16") || name.hasPrefix("uint") {
                throw FileError(file: file, problem: "tensor element type 'torch.\(name)' is not supported (Thaw reads \(WeightDType.allCases.map(\.torchName).joined(separator: ", ")))",
                                fix: "Convert those tensors in Python (e.g. t.float()) and save again.")
            }
            throw FileError(file: file, problem: "pickle refers to the global '\(module).\(name)', which Thaw refuses (only tensors, storages, dicts and lists are rebuilt; nothing is executed)",
                            fix: "Do not load this file if you do not trust it. To load real weights, re-save them with torch.save(model.state_dict(), path) or as safetensors.")
        }
        return g
    }

    // MARK: - Torch objects

    /// REDUCE / NEWOBJ with an allowed callable.
    private func call(_ callable: PickleValue, _ argsValue: PickleValue) throws -> PickleValue {
        guard case .global(let g) = callable else { throw fail("call of \(callable.shortDescription)") }
        guard case .tuple(let args, _) = argsValue else { throw fail("arguments of \(g.qualifiedName) are not a tuple") }
        switch g {
        case .orderedDict:
            let d = PickleDict()
            if let first = args.first {   // OrderedDict([(k, v), …])
                guard case .list(let pairs) = first else { throw fail("OrderedDict argument is not a list of pairs") }
                for p in pairs.items {
                    guard case .tuple(let kv, _) = p, kv.count == 2 else { throw fail("OrderedDict argument is not a list of pairs") }
                    try setItem(d, kv[0], kv[1])
                }
            }
            return .dict(d)
        case .rebuildTensorV2:
            guard args.count >= 4, case .storage(let storage) = args[0], case .int(let offset) = args[1],
                  let shape = ints(args[2]), let strides = ints(args[3]) else {
                throw fail("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, …)")
            }
            guard shape.count == strides.count, shape.count <= 16 else {
                throw fail("tensor has \(shape.count) sizes but \(strides.count) strides")
            }
            return .tensor(TorchTensorRef(storage: storage, storageOffset: Int(clamping: offset), shape: shape, strides: strides))
        case .rebuildParameter:
            guard let first = args.first, case .tensor = first else { throw fail("_rebuild_parameter argument is not a tensor") }
            return first
        case .storageType, .untypedStorage, .typedStorage:
            throw fail("\(g.qualifiedName) may only appear inside a persistent id, not be called")
        }
    }

    private func ints(_ v: PickleValue) -> [Int]? {
        guard case .tuple(let items, _) = v else { return nil }
        var out: [Int] = []
        for item in items {
            guard case .int(let i) = item else { return nil }
            out.append(Int(clamping: i))
        }
        return out
    }

    /// `('storage', storage_type, key, location, numel[, view_metadata])`.
    private func persistentLoad(_ pid: PickleValue) throws -> TorchStorageRef {
        guard case .tuple(let t, _) = pid, t.count >= 5, case .string("storage") = t[0],
              case .global(let type) = t[1], case .int(let numel) = t[4], numel >= 0 else {
            throw fail("persistent id \(pid.shortDescription) is not a torch storage reference")
        }
        let key: String
        switch t[2] {
        case .string(let s): key = s
        case .int(let i): key = String(i)
        default: throw fail("storage key \(t[2].shortDescription) is not a string")
        }
        if t.count > 5, case .none = t[5] {} else if t.count > 5 {
            throw fail("storage \(key) is a legacy storage view (pre-1.0 files), which Thaw does not read")
        }
        let dtype: WeightDType
        switch type {
        case .storageType(let d): dtype = d
        case .untypedStorage: dtype = .u8
        default: throw fail("persistent id names \(type.qualifiedName), not a storage type")
        }
        return TorchStorageRef(key: key, dtype: dtype, elementCount: Int(clamping: numel))
    }
}
