import XCTest
@testable import ThawKernels

/// Winograd in tile groups (`WinogradChoice.groupFloats`, `Conv2D.forwardWinogradInGroups`) and in output slices
/// (`WinogradChoice.outputSlices`, `Conv2D.forwardWinogradInSlices`) gives the whole-layer path's floats bit for bit:
/// the same products summed in the same K order per output. On every 3×3 stride-1 shape of ResNet-50 and on a layer
/// whose last group is short.
final class WinogradGroupsTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(VectorISA.avx2FMA && VectorISA.packedKernels, "the tile groups run on the panel kernel only")
    }

    override func tearDown() {
        WinogradChoice.policy = .automatic
        WinogradChoice.groupFloats = 84 << 10
        WinogradChoice.groupMaxFilterFloats = 1 << 18
        WinogradChoice.outputSlices = false
    }

    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var s = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            s ^= s << 13; s ^= s >> 7; s ^= s << 17
            return Float(s >> 40) * 0x1p-24 * 2 - 1
        }
    }

    /// The convolution's output through Winograd with tile groups of `groupFloats` (0: none) and output slices or not.
    private func forward(_ conv: Conv2D, _ x: [Float], n: Int, h: Int, w: Int, groupFloats: Int, slices: Bool) -> [Float] {
        WinogradChoice.policy = .always
        WinogradChoice.groupFloats = groupFloats
        WinogradChoice.outputSlices = slices
        return conv.forward(Tensor(shape: [n, h, w, conv.shape.inChannels], data: x), workspace: Workspace()).data
    }

    /// Groups of `expectTiles` (`groupFloats` > 0), else output slices, against whole-layer chunks.
    private func assertGroupsMatchWholeLayer(n: Int, h: Int, w: Int, cin: Int, cout: Int, activation: Activation,
                                             groupFloats: Int, expectTiles: Int, file: StaticString = #filePath,
                                             line: UInt = #line) {
        let slices = groupFloats == 0
        let label = "\(n)×\(h)×\(w)×\(cin)→\(cout) \(slices ? "slices" : "groups")"
        let total = n * ((h + 3) / 4) * ((w + 3) / 4)
        WinogradChoice.groupFloats = groupFloats
        WinogradChoice.groupMaxFilterFloats = .max          // every shape here, whatever the size of its U
        WinogradChoice.outputSlices = slices
        if slices {
            XCTAssertTrue(WinogradChoice.runsInSlices(total: total, outChannels: cout), "\(label): in slices", file: file, line: line)
        } else {
            XCTAssertEqual(WinogradChoice.tilesPerGroup(total: total, inChannels: cin, outChannels: cout), expectTiles,
                           "\(label): tiles per group", file: file, line: line)
        }
        let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: 3, padding: .symmetric(1))
        let oihw = values(cout * cin * 9, seed: UInt64(cin + cout)).map { $0 * 0.1 }
        let conv = Conv2D(shape: shape, oihw: oihw, bias: values(cout, seed: 7), activation: activation)
            .preparingWinograd().preparingPanels()
        XCTAssertTrue(conv.winogradFilterInPanels, "\(label): U in panels", file: file, line: line)
        let x = values(n * h * w * cin, seed: UInt64(h * w))
        let whole = forward(conv, x, n: n, h: h, w: w, groupFloats: 0, slices: false)
        let grouped = forward(conv, x, n: n, h: h, w: w, groupFloats: groupFloats, slices: slices)
        XCTAssertTrue(whole.allSatisfy(\.isFinite), "\(label): the whole-layer output is finite", file: file, line: line)
        var differing = 0, worst: Float = 0
        for i in whole.indices where whole[i].bitPattern != grouped[i].bitPattern {
            differing += 1
            worst = max(worst, abs(whole[i] - grouped[i]))
        }
        XCTAssertEqual(differing, 0, "\(label): \(differing) of \(whole.count) outputs differ, max |diff| \(worst)",
                       file: file, line: line)
    }

    /// ResNet-50's 3×3 stride-1 convolutions at 224 (layer4's at batch 8: one image has 4 tiles, fewer than a group).
    func testResNetShapesMatchTheWholeLayerBitForBit() {
        // 196 tiles, 18 per group at 84 Ki floats (the default): 11 groups, the last of 16.
        assertGroupsMatchWholeLayer(n: 1, h: 56, w: 56, cin: 64, cout: 64, activation: .relu, groupFloats: 84 << 10,
                                    expectTiles: 18)
        // 64 Ki floats: 14 tiles, rounded down to 12: 17 groups, the last of 4.
        assertGroupsMatchWholeLayer(n: 1, h: 56, w: 56, cin: 64, cout: 64, activation: .relu, groupFloats: 1 << 16,
                                    expectTiles: 12)
        // 49 tiles of 256 channels: 12 per group at least, 5 groups, the last of 1.
        assertGroupsMatchWholeLayer(n: 1, h: 28, w: 28, cin: 128, cout: 128, activation: .relu, groupFloats: 1 << 16,
                                    expectTiles: 12)
        // 16 tiles: groups of 12 and 4.
        assertGroupsMatchWholeLayer(n: 1, h: 14, w: 14, cin: 256, cout: 256, activation: .relu, groupFloats: 1 << 16,
                                    expectTiles: 12)
        // 32 tiles over 8 images: groups of 12, 12 and 8 straddling images.
        assertGroupsMatchWholeLayer(n: 8, h: 7, w: 7, cin: 512, cout: 512, activation: .relu, groupFloats: 1 << 16,
                                    expectTiles: 12)
    }

    /// 25 tiles (5×5, edge tiles cut at 18) in groups of 12, 12 and 1: the short last group and bias without activation.
    func testShortLastGroupMatchesTheWholeLayerBitForBit() {
        assertGroupsMatchWholeLayer(n: 1, h: 18, w: 18, cin: 16, cout: 64, activation: .identity, groupFloats: 1,
                                    expectTiles: 12)
    }

    /// Output slices on layer2–4's shapes at batch 1 (layer4: 4 tiles, 8 slices) and on edge tiles with two slices.
    func testSlicesMatchTheWholeLayerBitForBit() {
        assertGroupsMatchWholeLayer(n: 1, h: 28, w: 28, cin: 128, cout: 128, activation: .relu, groupFloats: 0, expectTiles: 0)
        assertGroupsMatchWholeLayer(n: 1, h: 14, w: 14, cin: 256, cout: 256, activation: .relu, groupFloats: 0, expectTiles: 0)
        assertGroupsMatchWholeLayer(n: 1, h: 7, w: 7, cin: 512, cout: 512, activation: .relu, groupFloats: 0, expectTiles: 0)
        assertGroupsMatchWholeLayer(n: 1, h: 18, w: 18, cin: 16, cout: 128, activation: .identity, groupFloats: 0, expectTiles: 0)
    }

    /// Groups are off at 0, above `groupMaxFilterFloats` and with fewer groups than cores.
    func testGroupsOnlyWhereTheyApply() {
        WinogradChoice.groupFloats = 0
        XCTAssertNil(WinogradChoice.tilesPerGroup(total: 196, inChannels: 64, outChannels: 64))
        WinogradChoice.groupFloats = 84 << 10
        WinogradChoice.groupMaxFilterFloats = 1 << 18
        XCTAssertEqual(WinogradChoice.tilesPerGroup(total: 196, inChannels: 64, outChannels: 64), 18, "layer1: in groups")
        XCTAssertNil(WinogradChoice.tilesPerGroup(total: 49, inChannels: 128, outChannels: 128), "layer2's U is 2.4 MB")
        XCTAssertNil(WinogradChoice.tilesPerGroup(total: 16, inChannels: 256, outChannels: 256), "layer3's U is 9.4 MB")
        if ParallelRows.cores > 1 {
            XCTAssertNil(WinogradChoice.tilesPerGroup(total: 12, inChannels: 16, outChannels: 16), "12 tiles: one group")
        }
    }
}
