import Foundation
import ThawBLAS
import ThawRuns

/// The machine facts every run record carries.
enum RunContext {
    static func fill(_ r: inout RunRecord, started: Date, rowsPerSecond: Double?) {
        r.wallSeconds = Date().timeIntervalSince(started)
        r.samplesPerSecond = rowsPerSecond
        r.peakRSSBytes = PeakMemory.residentBytes()
        r.blasKernel = try? BLAS.load().corename
    }
}
