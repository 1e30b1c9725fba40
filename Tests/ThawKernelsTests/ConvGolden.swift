import Foundation
import XCTest
@testable import ThawKernels

/// Reads the fixtures of scripts/golden/conv_kernels.py (Fixtures/conv/) and compares results.
///
/// Relative error of one element: |a − r| / max(1e-2 · max|ref|, |r|); a case passes when the
/// worst element is ≤ 1e-4. The floor keeps near-zero outputs (sums that cancel) from
/// dominating: with a 1e-3 floor, PyTorch's own fp32 conv2d fails the fp64 reference on the
/// 7×7 stem case (1.2e-4), so the floor is 1e-2.
struct ConvGolden {
    struct Case {
        let name: String
        let params: [String: Any]
        let shapes: [String: [Int]]

        func array(_ key: String) throws -> [Float] {
            let url = try ConvGolden.directory().appendingPathComponent("\(name).\(key).bin")
            let data = try Data(contentsOf: url)
            let count = shapes[key]!.reduce(1, *)
            XCTAssertEqual(data.count, count * 4, "\(url.lastPathComponent): size does not match its shape")
            return data.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
        }

        func int(_ key: String) -> Int { params[key] as! Int }

        /// `padding` is an integer (PyTorch symmetric) or "same" (TensorFlow).
        var padding: Padding2D {
            if let p = params["padding"] as? Int { return .symmetric(p) }
            precondition(params["padding"] as? String == "same", "fixture \(name): unknown padding")
            return .same
        }

        var activation: Activation {
            switch params["activation"] as? String ?? "identity" {
            case "relu": return .relu
            case "relu6": return .relu6
            default: return .identity
            }
        }

        /// x is NHWC: [N, H, W, C].
        var xShape: [Int] { shapes["x"]! }
    }

    static func directory() throws -> URL {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("conv") else {
            throw MissingFixture("Fixtures/conv missing: run python3 scripts/golden/conv_kernels.py")
        }
        return url
    }

    static func cases() throws -> [Case] {
        let data = try Data(contentsOf: try directory().appendingPathComponent("cases.json"))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (root["cases"] as! [[String: Any]]).map {
            Case(name: $0["name"] as! String, params: $0["params"] as! [String: Any],
                 shapes: $0["arrays"] as! [String: [Int]])
        }
    }

    static func cases(kind: String) throws -> [Case] {
        let all = try cases().filter { $0.params["kind"] as? String == kind }
        XCTAssertFalse(all.isEmpty, "no fixture of kind \(kind)")
        return all
    }

    /// Asserts max relative error ≤ `tolerance`, naming the worst element on failure.
    static func assertClose(_ got: [Float], _ ref: [Float], tolerance: Float = 1e-4, _ label: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        if let failure = mismatch(got, ref, tolerance: tolerance, label) { XCTFail(failure, file: file, line: line) }
    }

    /// Why `got` is not within `tolerance` of `ref` (see `assertClose`), or nil.
    static func mismatch(_ got: [Float], _ ref: [Float], tolerance: Float = 1e-4, _ label: String) -> String? {
        guard got.count == ref.count else { return "\(label): \(got.count) elements, reference \(ref.count)" }
        guard !ref.isEmpty else { return nil }
        let floor = max(1e-2 * ref.map { abs($0) }.max()!, 1e-30)
        var worst: Float = 0, at = 0
        for i in 0..<ref.count {
            let e = abs(got[i] - ref[i]) / max(floor, abs(ref[i]))
            if !worst.isNaN, !(e <= worst) { worst = e; at = i }   // the first NaN stays worst
        }
        return worst <= tolerance ? nil : "\(label): max relative error \(worst) at element \(at): got \(got[at]), reference \(ref[at])"
    }
}
