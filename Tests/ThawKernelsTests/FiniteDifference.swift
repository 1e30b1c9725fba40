import Foundation
import XCTest

/// Gradient checks for the backward kernels: central finite differences, and the PyTorch
/// autograd fixtures of scripts/golden/backward_kernels.py.
///
/// Finite differences: loss(v) = Σ f(v) ⊙ r with a fixed random r (r is the upstream gradient
/// dy given to the backward), f run in fp32, the loss summed in Double; the numeric derivative
/// (loss(v + ε) − loss(v − ε)) / 2ε with ε = 1e-2 is compared with the analytic gradient at up
/// to 48 indices spread over the tensor. Tolerance: relative 2e-2 of max(|analytic|,
/// 5e-2·max|analytic|, 2e-3) — fp32 rounding of the loss adds up to ~1e-4 absolute at
/// ε = 1e-2, which matters only for gradients that are zero in exact arithmetic.
enum FiniteDifference {
    /// Checks `analytic` against the numeric gradient of `loss` with respect to `v`.
    static func check(_ label: String, _ v: inout [Float], analytic: [Float], eps: Float = 1e-2,
                      rtol: Float = 2e-2, samples: Int = 48, loss: ([Float]) -> Double,
                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(v.count, analytic.count, "\(label): gradient size", file: file, line: line)
        let scale = analytic.map { abs($0) }.max() ?? 0
        let floor = max(5e-2 * scale, 2e-3)
        let step = max(1, v.count / samples)
        var worst: Float = 0, at = 0, numericAt: Float = 0
        for i in stride(from: 0, to: v.count, by: step) {
            let keep = v[i]
            v[i] = keep + eps
            let up = loss(v)
            v[i] = keep - eps
            let down = loss(v)
            v[i] = keep
            let numeric = Float((up - down) / Double(2 * eps))
            let e = abs(numeric - analytic[i]) / max(abs(analytic[i]), floor)
            if !worst.isNaN, !(e <= worst) { worst = e; at = i; numericAt = numeric }   // the first NaN stays worst
        }
        if !(worst <= rtol) {
            XCTFail("\(label): finite difference disagrees, relative error \(worst) at [\(at)]: analytic \(analytic[at]), numeric \(numericAt)",
                    file: file, line: line)
        }
    }

    /// Σ y ⊙ r in Double.
    static func dot(_ y: [Float], _ r: [Float]) -> Double {
        precondition(y.count == r.count, "dot: \(y.count) vs \(r.count)")
        var s: Double = 0
        for i in 0..<y.count { s += Double(y[i]) * Double(r[i]) }
        return s
    }

    /// `count` deterministic standard-normal-ish values (sum of uniforms), times `scale`.
    static func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        return (0..<count).map { _ in (next() + next() + next() + next() - 2) * 1.7320508 * scale }
    }
}

// MARK: - Timing (on demand)

/// Best of 5 wall times of `body` after one warm-up, printed in ms (timing tests only).
func bestTime(_ label: String, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<5 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    print(String(format: "%@: %.2f ms", label, best * 1e3))
    return best
}

/// Timing tests run only with THAW_TIMING=1, in a release build:
///   swift build -c release --build-tests -Xswiftc -enable-testing
///   THAW_TIMING=1 swift test -c release --skip-build --filter BackwardTests/testTiming
func requireTiming() throws {
    guard ProcessInfo.processInfo.environment["THAW_TIMING"] == "1" else { throw XCTSkip("set THAW_TIMING=1 to time") }
}

// MARK: - PyTorch fixtures

/// `Fixtures/backward_<case>.<array>.bin` (float32 LE) with shapes in `backward_manifest.json`.
enum BackwardGolden {
    static let shapes: [String: [Int]] = {
        guard let url = Bundle.module.url(forResource: "backward_manifest", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url),
              let m = try? JSONDecoder().decode([String: [Int]].self, from: data) else { return [:] }
        return m
    }()

    static func load(_ key: String) throws -> [Float] {
        guard let shape = shapes[key],
              let url = Bundle.module.url(forResource: "backward_\(key)", withExtension: "bin", subdirectory: "Fixtures") else {
            throw MissingFixture("fixture backward_\(key) missing: run python3 scripts/golden/backward_kernels.py")
        }
        let data = try Data(contentsOf: url)
        let values: [Float] = data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        precondition(values.count == shape.reduce(1, *), "fixture \(key): shape \(shape) vs \(values.count) values")
        return values
    }

    static func shape(_ key: String) -> [Int] { shapes[key] ?? [] }

    /// Max |got − want| / max(|want|, 1e-2·max|want|) must be ≤ rtol (1e-3); fails naming the worst element.
    static func assertClose(_ got: [Float], _ want: [Float], rtol: Float = 1e-3, _ label: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        if let failure = mismatch(got, want, rtol: rtol, label) { XCTFail(failure, file: file, line: line) }
    }

    /// Why `got` is not within `rtol` of `want` (see `assertClose`), or nil.
    static func mismatch(_ got: [Float], _ want: [Float], rtol: Float = 1e-3, _ label: String) -> String? {
        guard got.count == want.count else { return "\(label): \(got.count) elements, want \(want.count)" }
        let floor = max(1e-2 * (want.map { abs($0) }.max() ?? 0), 1e-6)
        var worst: Float = 0, at = 0
        for i in 0..<got.count {
            let e = abs(got[i] - want[i]) / max(abs(want[i]), floor)
            if !worst.isNaN, !(e <= worst) { worst = e; at = i }   // the first NaN stays worst
        }
        return worst <= rtol ? nil : "\(label): max relative error \(worst) at [\(at)]: got \(got[at]), want \(want[at])"
    }
}
