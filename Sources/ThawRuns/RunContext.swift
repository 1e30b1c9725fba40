import Foundation
import ThawBLAS

/// The machine facts every run record carries.
public enum RunContext {
    /// Base name of the weight file the cache was extracted with, from its latest extract record (a hint
    /// for bundles; "" when no record names one).
    public static func weightsFile(cache: String) -> String {
        let extracts = ((try? RunRegistry.beside(cache: cache).all()) ?? []).filter { $0.kind == .extract }
        guard let path = extracts.last(where: { $0.config["weights"]?.string != nil })?.config["weights"]?.string else { return "" }
        return (path as NSString).lastPathComponent
    }

    public static func fill(_ r: inout RunRecord, started: Date, rowsPerSecond: Double?) {
        r.wallSeconds = Date().timeIntervalSince(started)
        r.samplesPerSecond = rowsPerSecond
        r.peakRSSBytes = PeakMemory.residentBytes()
        r.blasKernel = try? BLAS.load().corename
    }
}
