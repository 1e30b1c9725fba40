import Foundation

/// A WordPiece vocabulary (`vocab.txt`: one token per line, id = line number) and a byte trie
/// over it for greedy longest-match lookups without allocating.
///
/// Tokens are compared as UTF-8 bytes, as the Hugging Face tokenizer does: Swift `String`
/// equality would treat canonically equivalent spellings as equal, which the reference does not.
public struct Vocabulary: Sendable {
    /// Token text by id.
    public let tokens: [String]
    /// Byte trie: edge key = node << 8 | byte → child node. Node 0 is the root.
    private let edges: [UInt64: Int32]
    /// Token id ending at each node, or -1.
    private let terminal: [Int32]
    /// Node reached by "##": continuation pieces start there (-1 when the vocabulary has none).
    let continuationRoot: Int32

    /// Reads `vocab.txt`; throws when the file is unreadable, empty or not UTF-8.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TextError("\(url.path): cannot read the vocabulary (\(error.localizedDescription)); "
                            + "point Thaw at the model's vocab.txt")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TextError("\(url.path): the vocabulary is not UTF-8; use the model's original vocab.txt")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        lines = lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        guard !lines.isEmpty else {
            throw TextError("\(url.path): the vocabulary is empty; use the model's original vocab.txt")
        }
        self.init(tokens: lines)
    }

    /// Builds from tokens in id order (a duplicate token keeps its last id).
    public init(tokens: [String]) {
        var edges: [UInt64: Int32] = [:]
        var terminal: [Int32] = [-1]
        for (id, token) in tokens.enumerated() {
            var node: Int32 = 0
            for byte in token.utf8 {
                let key = UInt64(node) << 8 | UInt64(byte)
                if let child = edges[key] {
                    node = child
                } else {
                    let child = Int32(terminal.count)
                    terminal.append(-1)
                    edges[key] = child
                    node = child
                }
            }
            terminal[Int(node)] = Int32(id)
        }
        self.tokens = tokens
        self.edges = edges
        self.terminal = terminal
        var node: Int32 = 0
        for byte in "##".utf8 {
            guard let child = edges[UInt64(node) << 8 | UInt64(byte)] else { node = -1; break }
            node = child
        }
        continuationRoot = node
    }

    public var count: Int { tokens.count }

    /// The id of `token`, if it is in the vocabulary.
    public func id(of token: String) -> Int32? {
        var node: Int32 = 0
        for byte in token.utf8 {
            guard let child = edges[UInt64(node) << 8 | UInt64(byte)] else { return nil }
            node = child
        }
        let id = terminal[Int(node)]
        return id >= 0 ? id : nil
    }

    /// Longest vocabulary entry that prefixes `bytes[start..<end]`, walking from trie node `root`.
    /// Returns (id, end index of the match) or nil. Every entry is whole UTF-8, so a match
    /// always ends on a character boundary.
    @inline(__always)
    func longestMatch(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int,
                      root: Int32) -> (id: Int32, end: Int)? {
        var node = root
        var best: (id: Int32, end: Int)? = nil
        var i = start
        while i < end {
            guard let child = edges[UInt64(node) << 8 | UInt64(bytes[i])] else { break }
            node = child
            i += 1
            let id = terminal[Int(node)]
            if id >= 0 { best = (id, i) }
        }
        return best
    }
}
