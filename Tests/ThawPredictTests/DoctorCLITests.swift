import Foundation
import XCTest

/// `thaw doctor` through the binary: a kernel forced with OPENBLAS_CORETYPE is measured against the
/// kernel Thaw picks for this CPU, and a slow one is named with both figures.
final class DoctorCLITests: XCTestCase {
    func testForcedKernelIsMeasuredAgainstThawsChoice() throws {
        let thaw = try ThawBinary.find()
        let forced = try thaw.ok(["doctor", "--json", "--seconds", "0.5", "--size", "512"], environment: ["OPENBLAS_CORETYPE": "Prescott"]).json
        let blas = try XCTUnwrap(forced["blas"] as? [String: Any])
        XCTAssertEqual(blas["chosenBy"] as? String, "user")
        let simd = (forced["cpu"] as? [String: Any])?["simd"] as? [String] ?? []
        guard simd.contains(where: { $0.lowercased().hasPrefix("avx2") }) else {
            // Without AVX2 Thaw leaves the kernel to OpenBLAS, which may pick Prescott itself: nothing to compare.
            return
        }
        let k = try XCTUnwrap(forced["forcedKernel"] as? [String: Any], "doctor did not compare the forced kernel: \(forced)")
        XCTAssertEqual(k["forced"] as? String, "Prescott")
        let slow = try XCTUnwrap(k["forcedGFLOPS"] as? Double), fast = try XCTUnwrap(k["bestGFLOPS"] as? Double)
        XCTAssertTrue(slow > 0 && fast > 0 && slow.isFinite && fast.isFinite, "\(k)")
        // The SSE3 kernel against an AVX2/AVX-512 one: several times slower on every CPU seen here.
        XCTAssertLessThan(slow, fast, "\(k)")
        let text = try thaw.ok(["doctor", "--seconds", "0.5", "--size", "512"], environment: ["OPENBLAS_CORETYPE": "Prescott"]).stdout
        XCTAssertTrue(text.contains("kernel   forced Prescott"), text)

        let own = try thaw.ok(["doctor", "--json", "--seconds", "0.2", "--size", "256"], environment: ["OPENBLAS_CORETYPE": nil]).json
        XCTAssertNil(own["forcedKernel"] ?? nil, "no comparison when Thaw chose the kernel")
    }
}
