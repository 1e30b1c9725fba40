/// The value a backbone graph ends at (its cut point) and how to read it.
struct GraphTap {
    enum Layout {
        /// A feature map, NCHW inside the graph (Thaw's taps are channels-last; the head
        /// transposes back where the order matters, i.e. flattening).
        case map(channels: Int, height: Int, width: Int)
        /// Token states [N, T, C].
        case tokens(channels: Int)
        /// One vector per sample [N, C].
        case vector(channels: Int)
    }
    var value: String
    var layout: Layout

    var channels: Int {
        switch layout {
        case .map(let c, _, _), .tokens(let c), .vector(let c): return c
        }
    }
}

/// The cut `name` among `names`, or an error listing them.
func cutIndex(_ name: String, in names: [String], model: String) throws -> Int {
    guard let i = names.firstIndex(of: name) else {
        throw ONNXError("\(model) has no cut point '\(name)'",
                        fix: "use one of: \(names.joined(separator: ", "))")
    }
    return i
}
