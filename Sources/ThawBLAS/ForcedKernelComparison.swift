import Foundation

/// A kernel the user forced with `OPENBLAS_CORETYPE`, against the kernel Thaw would pick for this CPU:
/// sgemm n³ median GFLOP/s of each, measured the same way for the same time.
///
/// Measured on a Zen 4/5-class EPYC whose environment set `OPENBLAS_CORETYPE=Haswell`: 234 GFLOP/s against
/// 451 with SkylakeX, and ResNet-50 extraction 17 instead of 28 img/s — worth one line before a long job.
public struct ForcedKernelComparison: Codable, Sendable, Equatable {
    public var forced: String
    public var forcedGFLOPS: Double
    /// The kernel Thaw chooses for this CPU ("openblas" when it leaves the choice to OpenBLAS).
    public var best: String
    public var bestGFLOPS: Double
    /// sgemm size n of both measurements.
    public var n: Int

    /// The forced kernel costs speed worth a warning when it runs below this fraction of the best
    /// (i.e. more than 20% slower).
    public static let warnBelowRatio = 0.8

    public init(forced: String, forcedGFLOPS: Double, best: String, bestGFLOPS: Double, n: Int) {
        self.forced = forced
        self.forcedGFLOPS = forcedGFLOPS
        self.best = best
        self.bestGFLOPS = bestGFLOPS
        self.n = n
    }

    /// forced / best (NaN when either figure is not a positive finite number).
    public var ratio: Double {
        guard forcedGFLOPS.isFinite, bestGFLOPS.isFinite, forcedGFLOPS > 0, bestGFLOPS > 0 else { return .nan }
        return forcedGFLOPS / bestGFLOPS
    }

    /// True when the forced kernel is more than 20% slower; a failed measurement (NaN ratio) never warns.
    public var costsSpeed: Bool { ratio < Self.warnBelowRatio }

    /// One line naming both figures and the fix.
    public var warning: String {
        String(format: "warning: OPENBLAS_CORETYPE=%@ runs sgemm at %.0f GFLOP/s; the %@ kernel Thaw picks for this CPU runs %.0f "
               + "(%.1f× faster). Fix: unset OPENBLAS_CORETYPE unless you need it (older OpenBLAS builds may need it on some CPUs).",
               forced, forcedGFLOPS, best, bestGFLOPS, 1 / ratio)
    }
}
