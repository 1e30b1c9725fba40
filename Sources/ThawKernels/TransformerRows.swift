import Foundation

/// Splits independent rows over the cores for the non-GEMM transformer kernels.
enum TransformerRows {
    /// Calls `body` on disjoint row ranges covering 0..<rows, on all cores when the work
    /// (`rows × costPerRow` elements) is worth a thread hop, else inline.
    static func forEach(rows: Int, costPerRow: Int, _ body: (Range<Int>) -> Void) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let chunks = min(rows, cores * 4, max(1, rows * costPerRow / 16_384))
        if chunks <= 1 {
            if rows > 0 { body(0..<rows) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = rows * c / chunks, hi = rows * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}
