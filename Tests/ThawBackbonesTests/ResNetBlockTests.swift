@_spi(Profile) import ThawBackbones
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

    /// `forward(overwriting:)` (`ResNetBlock.residualInPlace`): the last convolution stores each output over the identity
    /// value it adds — over x in a block without downsample (layer1.1 of the seeded ResNet-50), in y after the
    /// downsample in one with (layer2.0) — and gives `forward`'s floats bit for bit; with the switch off it writes y.
    func testResidualInPlaceGivesTheSameFloats() throws {
        let fx = try ResNetFixture.named("resnet50_seeded64")
        let saved = ResNetBlock.residualInPlace
        defer { ResNetBlock.residualInPlace = saved }
        for (prefix, inChannels, width, stride, size) in [("layer1.1", 256, 64, 1, 9), ("layer2.0", 256, 128, 2, 10)] {
            let block = try ResNetBlock(prefix: prefix, bottleneck: true, inChannels: inChannels, width: width, stride: stride,
                                        parameters: fx.parameters)
            let (oh, ow) = block.outputSize(height: size, width: size)
            var state: UInt32 = 12345
            let x: [Float] = (0..<(2 * size * size * inChannels)).map { _ in
                state ^= state << 13; state ^= state >> 17; state ^= state << 5
                return Float(state % 2001) / 1000 - 1
            }
            let ws = Workspace()
            var expected = [Float](repeating: 0, count: 2 * oh * ow * block.outChannels)
            x.withUnsafeBufferPointer { xb in
                expected.withUnsafeMutableBufferPointer { block.forward(xb.baseAddress!, batch: 2, height: size, width: size,
                                                                        into: $0.baseAddress!, workspace: ws) }
            }
            ws.reset()
            for inPlace in [true, false] {
                ResNetBlock.residualInPlace = inPlace
                var input = x, y = [Float](repeating: .nan, count: expected.count)
                let got: [Float] = input.withUnsafeMutableBufferPointer { xb in
                    y.withUnsafeMutableBufferPointer { yb in
                        let out = block.forward(overwriting: xb.baseAddress!, batch: 2, height: size, width: size,
                                                into: yb.baseAddress!, workspace: ws)
                        XCTAssertEqual(out == xb.baseAddress!, inPlace && block.downsample == nil, "\(prefix) in place \(inPlace)")
                        return Array(UnsafeBufferPointer(start: out, count: expected.count))
                    }
                }
                ws.reset()
                XCTAssertEqual(got, expected, "\(prefix) in place \(inPlace)")
            }
        }
    }
}
