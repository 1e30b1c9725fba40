import Foundation
import ThawBackbones
import ThawKernels
import XCTest

/// A batch-1 ResNet-50 forward with its regions on `WorkerTeam`'s helpers (`ResNet.teamAtBatchOne`) and with each layer's
/// tiles claimed from both ends (`ConvTiles.claimsFromBothEnds`) gives the floats of concurrentPerform, bit for bit, at
/// every cut; each is only a schedule.
final class ResNetTeamTests: XCTestCase {
    func testTeamAndBothEndsGiveTheSameFloats() throws {
        let fx = try ResNetFixture.named("resnet50_seeded64")
        let net = try ResNet(depth: 50, parameters: fx.parameters)
        let x = try fx.inputTensor()
        let perImage = x.count / x.shape[0]
        let one = Tensor(shape: [1] + x.shape.dropFirst(), data: Array(x.data[0..<perImage]))
        let taps = net.cutPoints.map(\.name)
        let saved = (ResNet.teamAtBatchOne, ConvTiles.claimsFromBothEnds)
        defer { (ResNet.teamAtBatchOne, ConvTiles.claimsFromBothEnds) = saved }
        func run(team: Bool, bothEnds: Bool) throws -> [String: [Float]] {
            (ResNet.teamAtBatchOne, ConvTiles.claimsFromBothEnds) = (team, bothEnds)
            return try net.forward(Activations(tensor: one), from: nil, taps: taps).mapValues(\.tensor.data)
        }
        let reference = try run(team: false, bothEnds: false)
        XCTAssertEqual(reference.count, taps.count)
        for (team, bothEnds) in [(true, false), (false, true), (true, true)] {
            for round in 0..<3 {
                let got = try run(team: team, bothEnds: bothEnds)
                for tap in taps {
                    XCTAssertTrue(got[tap] == reference[tap], "not bit-identical: team \(team) both ends \(bothEnds) round \(round) at \(tap)")
                }
            }
        }
        XCTAssertFalse(WorkerTeam.isOn, "the team stays off after the forwards")
    }
}
