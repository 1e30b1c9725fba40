/// In-memory features of one split: rows [N, D] (vectors) or [N, H, W, C] (maps, channels last),
/// row-major float32, with integer labels.
public struct FeatureSet: Sendable {
    /// Where the features came from, used in error messages (e.g. "cache.lmdb:val").
    public var name: String
    public var features: [Float]   // [N, rowWidth]
    public var labels: [Int32]     // [N]
    /// [D] for vectors, [H, W, C] for maps.
    public var rowShape: [Int]

    /// Checks sizes; throws when features and labels disagree.
    public init(name: String, features: [Float], labels: [Int32], rowShape: [Int]) throws {
        guard rowShape.count == 1 || rowShape.count == 3, rowShape.allSatisfy({ $0 > 0 }) else {
            throw HeadsError("\(name): row shape \(rowShape) is neither [D] nor [H, W, C]; pass vectors or channels-last maps")
        }
        let width = rowShape.reduce(1, *)
        guard features.count == labels.count * width else {
            throw HeadsError("\(name): \(features.count) floats for \(labels.count) labels of shape \(rowShape) "
                             + "(expected \(labels.count * width)); check that features and labels come from the same split")
        }
        self.name = name
        self.features = features
        self.labels = labels
        self.rowShape = rowShape
    }

    public var count: Int { labels.count }
    public var rowWidth: Int { rowShape.reduce(1, *) }
    public var isMap: Bool { rowShape.count == 3 }
    /// Channels of a map (or the width of a vector).
    public var channels: Int { rowShape.last! }
    public var spatial: Int { isMap ? rowShape[0] * rowShape[1] : 1 }

    /// Throws when a label is outside 0..<classes or a value is not finite, naming the first bad row.
    public func validate(classes: Int) throws {
        for (i, y) in labels.enumerated() where y < 0 || Int(y) >= classes {
            throw HeadsError("\(name): label \(y) at row \(i) is outside 0..<\(classes); "
                             + "relabel the data or raise the class count")
        }
        if let bad = features.firstIndex(where: { !$0.isFinite }) {
            throw HeadsError("\(name): non-finite feature value at row \(bad / rowWidth), column \(bad % rowWidth); "
                             + "re-extract the cache (`thaw verify` finds damaged records)")
        }
    }

    /// Maps pooled once with a fixed pooling into vectors [N, width]. Traps for GeM (trainable).
    public func pooled(_ pooling: Pooling) -> FeatureSet {
        precondition(isMap, "pooled: \(name) holds vectors, not maps")
        let c = channels
        let w = pooling.outputWidth(channels: c)
        var out = [Float](repeating: 0, count: count * w)
        features.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                pooling.pool(maps: x.baseAddress!, count: count, spatial: spatial, channels: c, out: o.baseAddress!)
            }
        }
        return try! FeatureSet(name: name + ":" + "\(pooling)", features: out, labels: labels, rowShape: [w])
    }
}
