import Foundation

/// The ONNX messages Thaw writes, as plain values with their protobuf encoding.
/// Field numbers are onnx.proto's (checked against onnx 1.23's copy); only the fields Thaw sets.

/// TensorProto.DataType values Thaw uses.
public enum ONNXDataType: Int, Sendable {
    case float = 1, int32 = 6, int64 = 7, float16 = 10, bfloat16 = 16
}

/// TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian, row-major).
struct ONNXTensor {
    var name: String
    var dataType: ONNXDataType
    var dims: [Int]
    var raw: [UInt8]

    init(name: String, floats: [Float], dims: [Int]) {
        precondition(dims.reduce(1, *) == floats.count, "ONNX tensor \(name): dims \(dims) hold \(dims.reduce(1, *)) values, got \(floats.count)")
        self.name = name; dataType = .float; self.dims = dims
        raw = floats.withUnsafeBytes { Array($0) }   // host is little-endian (x86-64, arm64)
    }

    init(name: String, int64s: [Int], dims: [Int]) {
        precondition(dims.reduce(1, *) == int64s.count, "ONNX tensor \(name): dims \(dims) hold \(dims.reduce(1, *)) values, got \(int64s.count)")
        self.name = name; dataType = .int64; self.dims = dims
        raw = int64s.map { Int64($0).littleEndian }.withUnsafeBytes { Array($0) }
    }

    func encode(_ w: inout ProtobufWriter) {
        w.packedInts(1, dims)
        w.int(2, dataType.rawValue)
        w.string(8, name)
        w.bytes(9, raw)
    }
}

/// AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, type = 20
/// (AttributeType FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7).
struct ONNXAttribute {
    enum Value {
        case float(Float), int(Int), string(String), tensor(ONNXTensor), ints([Int])
    }
    var name: String
    var value: Value

    func encode(_ w: inout ProtobufWriter) {
        w.string(1, name)
        switch value {
        case .float(let f): w.float(2, f); w.int(20, 1)
        case .int(let i): w.int(3, i); w.int(20, 2)
        case .string(let s): w.string(4, s); w.int(20, 3)
        case .tensor(let t): w.message(5) { t.encode(&$0) }; w.int(20, 4)
        case .ints(let v): w.packedInts(8, v); w.int(20, 7)
        }
    }
}

/// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5 (default domain).
struct ONNXNode {
    var opType: String
    var inputs: [String]
    var outputs: [String]
    var name: String
    var attributes: [ONNXAttribute]

    func encode(_ w: inout ProtobufWriter) {
        for i in inputs { w.string(1, i) }
        for o in outputs { w.string(2, o) }
        w.string(3, name)
        w.string(4, opType)
        for a in attributes { w.message(5) { a.encode(&$0) } }
    }
}

/// One dimension of a graph input or output: a size, or a symbolic name such as `N`.
public enum ONNXDimension: Equatable, Sendable {
    case fixed(Int)
    case symbolic(String)
}

/// ValueInfoProto (name = 1, type = 2) → TypeProto (tensor_type = 1) → TypeProto.Tensor
/// (elem_type = 1, shape = 2) → TensorShapeProto (dim = 1) → Dimension (dim_value = 1, dim_param = 2).
struct ONNXValueInfo {
    var name: String
    var elementType: ONNXDataType
    var shape: [ONNXDimension]

    func encode(_ w: inout ProtobufWriter) {
        w.string(1, name)
        w.message(2) { type in
            type.message(1) { tensor in
                tensor.int(1, elementType.rawValue)
                tensor.message(2) { shapeProto in
                    for d in shape {
                        shapeProto.message(1) { dim in
                            switch d {
                            case .fixed(let n): dim.int(1, n)
                            case .symbolic(let s): dim.string(2, s)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12.
struct ONNXGraphProto {
    var name: String
    var nodes: [ONNXNode]
    var initializers: [ONNXTensor]
    var inputs: [ONNXValueInfo]
    var outputs: [ONNXValueInfo]
    var docString: String

    func encode(_ w: inout ProtobufWriter) {
        for n in nodes { w.message(1) { n.encode(&$0) } }
        w.string(2, name)
        for t in initializers { w.message(5) { t.encode(&$0) } }
        if !docString.isEmpty { w.string(10, docString) }
        for i in inputs { w.message(11) { i.encode(&$0) } }
        for o in outputs { w.message(12) { o.encode(&$0) } }
    }
}

/// ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7,
/// opset_import = 8 (OperatorSetIdProto: domain = 1, version = 2), metadata_props = 14
/// (StringStringEntryProto: key = 1, value = 2).
struct ONNXModelProto {
    static let irVersion = 8
    static let opset = 17

    var graph: ONNXGraphProto
    var producerVersion: String
    var metadata: [(key: String, value: String)]

    func serialized() -> Data {
        var w = ProtobufWriter()
        w.int(1, Self.irVersion)
        w.string(2, "thaw")
        w.string(3, producerVersion)
        w.message(7) { graph.encode(&$0) }
        w.message(8) { op in op.string(1, ""); op.int(2, Self.opset) }
        for (k, v) in metadata { w.message(14) { e in e.string(1, k); e.string(2, v) } }
        return Data(w.bytes)
    }
}
