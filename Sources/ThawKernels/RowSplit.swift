import Dispatch
import Foundation
import ThawBLAS

/// Runs a GEMM-based step with its rows split over the cores, OpenBLAS single-threaded in each part.
///
/// Why: between OpenBLAS's threaded calls its worker threads spin (sched_yield) for a while. In a
/// transformer layer, GEMMs alternate with softmax/GELU/LayerNorm run on the cores by Dispatch, so
/// a spinning OpenBLAS worker takes a core away from them. With every GEMM of the layer split here
/// (and the attention pairs split the same way), OpenBLAS's workers stay asleep. On large GEMMs
/// (≥ 256 rows per part) each part runs at the single-thread rate, so nothing is lost.
enum RowSplit {
    /// Rows per part below which the GEMM runs as one (threaded) call.
    static let minimumRowsPerPart = 256

    /// Calls `body(lo, hi)` on disjoint row ranges covering 0..<rows: one per core, BLAS
    /// single-threaded, when `enabled` and the rows are many; else once, on the caller's thread.
    static func run(rows: Int, enabled: Bool, _ body: (Int, Int) -> Void) {
        let parts = enabled ? min(ParallelRows.cores, rows / minimumRowsPerPart) : 1
        guard parts > 1, BLAS.threads > 1 else {
            body(0, rows)
            return
        }
        BLAS.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                body(rows * p / parts, rows * (p + 1) / parts)
            }
        }
    }
}
