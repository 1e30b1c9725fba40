import Foundation

/// Finds a key repeated inside one JSON object. `JSONSerialization` keeps the last of two equal
/// keys without a word, so a safetensors header naming one tensor twice would load whichever came
/// last; the reference library refuses such a header, and so does Thaw.
enum JSONDuplicateKeys {
    /// The first repeated key (decoded), or nil. `json` must already parse as JSON.
    static func first(in json: Data) -> String? {
        let bytes = [UInt8](json)
        // One entry per open container: the keys seen so far (objects only), and whether the next
        // string in it is a key.
        var stack: [(isObject: Bool, keys: Set<String>, expectKey: Bool)] = []
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "{"): stack.append((true, [], true))
            case UInt8(ascii: "["): stack.append((false, [], false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            case UInt8(ascii: ","): if let top = stack.indices.last, stack[top].isObject { stack[top].expectKey = true }
            case UInt8(ascii: "\""):
                var end = i + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
                if let top = stack.indices.last, stack[top].isObject, stack[top].expectKey {
                    stack[top].expectKey = false
                    let literal = Data(bytes[i...min(end, bytes.count - 1)])
                    let key = (try? JSONDecoder().decode(String.self, from: literal)) ?? String(decoding: literal, as: UTF8.self)
                    guard stack[top].keys.insert(key).inserted else { return key }
                }
                i = end
            default: break
            }
            i += 1
        }
        return nil
    }
}
