import Foundation
import XCTest

/// `thaw weights inspect` on the hostile weight fixtures: an error naming the file and the tensor,
/// fast and small (a 500-byte file once made it allocate 40 GB and die).
final class HostileWeightsCLITests: XCTestCase {
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ThawWeightsTests/Fixtures").standardizedFileURL.path

    func testInspectRefusesHostileFiles() {
        ThawBinary.expectRefusal(["weights", "inspect", fixtures + "/stride0_huge_legacy.pt"], ["stride0_huge_legacy.pt", "tensor 'w'", "repeats"])
        ThawBinary.expectRefusal(["weights", "inspect", fixtures + "/intmax_shape_legacy.pt"], ["intmax_shape_legacy.pt", "overflows"])
        ThawBinary.expectRefusal(["weights", "inspect", fixtures + "/int_str_keys_legacy.pt"], ["int_str_keys_legacy.pt", "both name '1'"])
    }
}
