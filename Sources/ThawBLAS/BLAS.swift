import COpenBLAS
import Foundation
import ThawCore

public struct BLASError: SentenceError {
    public var problem: String
    public var fix: String
    public init(problem: String, fix: String) { self.problem = problem; self.fix = fix }
}

/// OpenBLAS, opened once per process on the kernel `KernelChoice` picks.
///
/// Every entry point calls `BLAS.load()` implicitly; call it early (or `BLAS.info`) to
/// report a missing library before work starts.
public enum BLAS {
    public struct Info: Sendable {
        public var library: String      // path that was dlopened
        public var corename: String     // openblas_get_corename(), e.g. "Zen", "SkylakeX"
        public var config: String       // openblas_get_config()
        public var threads: Int
        public var choice: KernelChoice
    }

    private static let loaded: Result<Info, BLASError> = {
        let env = ProcessInfo.processInfo.environment
        let choice = KernelChoice.choose(cpu: .current, environment: env)
        var err = [CChar](repeating: 0, count: 512)
        let rc = thaw_blas_open(choice.coretype, env["THAW_BLAS_LIBRARY"], &err, err.count)
        guard rc == 0 else {
            return .failure(BLASError(String(cString: err)))
        }
        // Threads follow the machine unless the user chose (OpenBLAS reads these itself).
        if env["OPENBLAS_NUM_THREADS"] == nil && env["OMP_NUM_THREADS"] == nil {
            thaw_blas_set_threads(Int32(ProcessInfo.processInfo.activeProcessorCount))
        }
        return .success(Info(library: String(cString: thaw_blas_path()),
                             corename: String(cString: thaw_blas_corename()),
                             config: String(cString: thaw_blas_config()),
                             threads: Int(thaw_blas_get_threads()),
                             choice: choice))
    }()

    /// Opens OpenBLAS (once) and describes it; throws when the library is missing.
    @discardableResult
    public static func load() throws -> Info {
        try loaded.get()
    }

    public static var threads: Int {
        get { (try? load()) != nil ? Int(thaw_blas_get_threads()) : 1 }
        set { if (try? load()) != nil { thaw_blas_set_threads(Int32(newValue)) } }
    }

    /// Runs `body` with OpenBLAS on one thread, then restores the thread count. For kernels that
    /// split many small GEMMs over the cores themselves: OpenBLAS would split each small GEMM over
    /// all its threads and spend more time synchronising than computing. Pitfall: the count is
    /// process-wide; other threads calling BLAS meanwhile also run single-threaded.
    public static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        let saved = threads
        if saved == 1 { return try body() }
        threads = 1
        defer { threads = saved }
        return try body()
    }

    @inline(__always)
    private static func ensure() {
        if case .failure(let e) = loaded { fatalError("OpenBLAS unavailable: \(e)") }
    }

    /// C[M,N] = alpha · op(A) · op(B) + beta · C, row-major.
    /// op(A) is [M,K] (A stored [K,M] when transA), op(B) is [K,N] (B stored [N,K] when transB).
    @inline(__always)
    public static func sgemm(transA: Bool = false, transB: Bool = false,
                             m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        ensure()
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative dimension")
        if m == 0 || n == 0 { return }
        thaw_sgemm(transA ? Int32(THAW_TRANS) : Int32(THAW_NO_TRANS),
                   transB ? Int32(THAW_TRANS) : Int32(THAW_NO_TRANS),
                   Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y[M] = alpha · op(A) · x + beta · y, A stored row-major [M,N].
    @inline(__always)
    public static func sgemv(transA: Bool = false, m: Int, n: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
                             beta: Float = 0, y: UnsafeMutablePointer<Float>) {
        ensure()
        thaw_sgemv(transA ? Int32(THAW_TRANS) : Int32(THAW_NO_TRANS), Int32(m), Int32(n), alpha,
                   a, Int32(lda), x, 1, beta, y, 1)
    }
}
