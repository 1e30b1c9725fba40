import Foundation

/// Padded token ids of several texts, ready for a BERT encoder.
public struct TokenBatch: Sendable {
    public let batchSize: Int
    /// Padded length T.
    public let length: Int
    public var ids: [Int32]             // [B, T], [PAD] after each text's [SEP]
    public var attentionMask: [Int32]   // [B, T], 1 on tokens, 0 on padding
    public var tokenTypeIds: [Int32]    // [B, T], all 0 (single sentences)
    public var lengths: [Int]           // [B], unpadded lengths
}

extension BertTokenizer {
    public enum Padding: Sendable {
        /// Pad to the longest text of the batch (what sentence-transformers does).
        case longest
        /// Pad every row to this length (≥ `maxLength`, or texts are cut to it).
        case fixed(Int)
    }

    /// Encodes texts on all cores and pads them into one [B, T] batch.
    public func encodeBatch(_ texts: [String], padding: Padding = .longest) -> TokenBatch {
        let encoded = encodeAll(texts)
        let t: Int
        switch padding {
        case .longest: t = encoded.map(\.count).max() ?? 0
        case .fixed(let n):
            precondition(n >= 2, "encodeBatch: fixed padding must leave room for [CLS] and [SEP]")
            t = n
        }
        var ids = [Int32](repeating: padID, count: texts.count * t)
        var mask = [Int32](repeating: 0, count: texts.count * t)
        var lengths = [Int](repeating: 0, count: texts.count)
        for (b, row) in encoded.enumerated() {
            var kept = Array(row.prefix(t))
            if row.count > t { kept[t - 1] = sepID }   // cut to a fixed length: still ends in [SEP]
            lengths[b] = kept.count
            for (j, id) in kept.enumerated() {
                ids[b * t + j] = id
                mask[b * t + j] = 1
            }
        }
        return TokenBatch(batchSize: texts.count, length: t, ids: ids, attentionMask: mask,
                          tokenTypeIds: [Int32](repeating: 0, count: texts.count * t), lengths: lengths)
    }

    /// Unpadded ids of every text, computed on all cores (one scratch per worker).
    public func encodeAll(_ texts: [String]) -> [[Int32]] {
        var out = [[Int32]](repeating: [], count: texts.count)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, texts.count))
        out.withUnsafeMutableBufferPointer { buffer in
            let results = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let scratch = Scratch()
                var i = w
                while i < texts.count {
                    var ids: [Int32] = []
                    encode(texts[i], into: &ids, scratch: scratch)
                    results[i] = ids
                    i += workers
                }
            }
        }
        return out
    }
}
