import ThawBackbones
import ThawKernels
import XCTest

/// Single residual blocks against torch (Fixtures: `resnet50_layer2.0_seeded`,
/// `resnet18_layer3.0_seeded`): whole-network seeded weights with base seed 7, keys under the block.
final class ResNetBlockTests: XCTestCase {
    func check(_ caseName: String, bottleneck: Bool, inChannels: Int, width: Int) throws {
        let fx = try ResNetFixture.named(caseName)
        let block = try ResNetBlock(prefix: fx.block!, bottleneck: bottleneck, inChannels: inChannels, width: width,
                                    stride: 2, parameters: fx.parameters)
        let tap = fx.taps[0]
        assertResNetClose(block.forward(try fx.inputTensor()), try fx.tapTensor(tap), scale: tap.max_abs, caseName)
    }

    func testBottleneckWithDownsample() throws {
        try check("resnet50_layer2.0_seeded", bottleneck: true, inChannels: 256, width: 128)
    }

    func testBasicBlockWithDownsampleOnOddInput() throws {
        try check("resnet18_layer3.0_seeded", bottleneck: false, inChannels: 128, width: 256)
    }
}
