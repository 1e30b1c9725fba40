import Foundation

// Shared by the panel GEMM benchmarks (PanelGEMMBench.swift, PanelTilesBench.swift).

/// B [K, N] row-major → the panel kernel's [N/64][K][64] panels (N a multiple of 64).
func packedPanels(_ bRows: [Float], k: Int, n: Int) -> [Float] {
    var packed = [Float](repeating: 0, count: k * n)
    for p in 0..<(n / 64) { for kk in 0..<k { for j in 0..<64 { packed[(p * k + kk) * 64 + j] = bRows[kk * n + p * 64 + j] } } }
    return packed
}

/// This thread's CPU seconds.
func threadCPUSeconds() -> Double {
    var ts = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Thread CPU seconds per call of `body`: one warm-up call, then the median of 5 runs of `calls` calls.
func medianCPUPerCall(calls: Int, _ body: () -> Void) -> Double {
    body()
    var runs: [Double] = []
    for _ in 0..<5 {
        let t0 = threadCPUSeconds()
        for _ in 0..<calls { body() }
        runs.append((threadCPUSeconds() - t0) / Double(calls))
    }
    return runs.sorted()[2]
}
