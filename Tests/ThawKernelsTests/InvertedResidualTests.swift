import XCTest
@testable import ThawKernels

/// The fused inverted-residual block (band by band) against the same layers run one by one, and
/// against the PyTorch MBConv golden.
final class InvertedResidualTests: XCTestCase {
    private func values(_ count: Int, _ seed: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { scale * (Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1) }
    }

    private struct Layers {
        let expand: Conv2D?, depthwise: DepthwiseConv2D, project: Conv2D, skip: Bool
    }

    private func layers(cin: Int, mid: Int, cout: Int, k: Int, s: Int, padding: Padding2D) -> Layers {
        let expand = cin == mid ? nil : Conv2D(shape: Conv2DShape(inChannels: cin, outChannels: mid, kernel: 1),
                                               oihw: values(mid * cin, 1, scale: 0.5), bias: values(mid, 2), activation: .relu6)
        let dw = DepthwiseConv2D(channels: mid, kernel: k, stride: s, padding: padding, weightCHW: values(mid * k * k, 3, scale: 0.4),
                                 bias: values(mid, 4), activation: .relu6)
        let project = Conv2D(shape: Conv2DShape(inChannels: mid, outChannels: cout, kernel: 1), oihw: values(cout * mid, 5, scale: 0.2),
                             bias: values(cout, 6))
        return Layers(expand: expand, depthwise: dw, project: project, skip: s == 1 && cin == cout)
    }

    /// Layer by layer: the reference the fused path must reproduce.
    private func layerByLayer(_ l: Layers, _ x: Tensor) -> Tensor {
        let ws = Workspace()
        var h = l.expand.map { $0.forward(x, workspace: ws) } ?? x
        h = l.depthwise.forward(h)
        var y = l.project.forward(h, workspace: ws)
        if l.skip {
            x.data.withUnsafeBufferPointer { xb in
                y.data.withUnsafeMutableBufferPointer { residualAdd(xb.baseAddress!, into: $0.baseAddress!, count: $0.count) }
            }
        }
        return y
    }

    private func fused(_ l: Layers, _ x: Tensor, cores: Int, packed: Bool = false) throws -> Tensor {
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let plan = try XCTUnwrap(InvertedResidual.plan(expand: l.expand, depthwise: l.depthwise, project: l.project,
                                                       batch: n, height: h, width: w, cores: cores))
        let g = l.depthwise.geometry(height: h, width: w)
        var y = [Float](repeating: .nan, count: n * g.outPixels * l.project.shape.outChannels)
        var scratch = [Float](repeating: .nan, count: plan.scratchFloats)
        x.data.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                scratch.withUnsafeMutableBufferPointer { sb in
                    InvertedResidual.forward(plan, expand: l.expand, depthwise: l.depthwise, project: l.project,
                                             packed: packed ? (l.expand.map(PackedPointwise.init), PackedPointwise(l.project)) : nil, skip: l.skip,
                                             x: xb.baseAddress!, batch: n, height: h, width: w, into: yb.baseAddress!,
                                             scratch: sb.baseAddress!)
                }
            }
        }
        return Tensor(shape: [n, g.outHeight, g.outWidth, l.project.shape.outChannels], data: y)
    }

    /// Strides 1 and 2, kernels 3 and 5, TF SAME and symmetric padding, with and without expand and
    /// skip; one band per image and many (halo rows kept from band to band); whole images per worker
    /// (batch ≥ cores) and row segments of one image (batch 1).
    func testFusedMatchesLayerByLayer() throws {
        let savedBand = InvertedResidual.bandFloats
        defer { InvertedResidual.bandFloats = savedBand }
        let configs: [(cin: Int, mid: Int, cout: Int, k: Int, s: Int, pad: Padding2D)] = [
            (16, 96, 24, 3, 2, .same), (24, 144, 24, 3, 1, .symmetric(1)), (40, 240, 40, 5, 1, .same),
            (24, 144, 40, 5, 2, .same), (32, 32, 16, 3, 1, .symmetric(1)), (16, 96, 16, 3, 1, .same),
        ]
        for c in configs {
            let l = layers(cin: c.cin, mid: c.mid, cout: c.cout, k: c.k, s: c.s, padding: c.pad)
            for (n, h, w) in [(3, 17, 13), (1, 64, 11)] {
                let x = Tensor(shape: [n, h, w, c.cin], data: values(n * h * w * c.cin, c.k + c.s))
                let ref = layerByLayer(l, x)
                for band in [1 << 16, 3 * w * c.mid, 1] {             // whole images, a few rows, one output row
                    InvertedResidual.bandFloats = band
                    let y = try fused(l, x, cores: 2)
                    XCTAssertEqual(y.shape, ref.shape)
                    assertCloseToScale(y.data, ref.data, tolerance: 1e-5, "\(c) n\(n) \(h)×\(w) band \(band)")
                    // The packed 1×1 kernel inside the bands: AVX-512 and AVX2 where the CPU has them, and the BLAS fallback.
                    for build in KernelBuild.all {
                        let yp = try build.run { try fused(l, x, cores: 2, packed: true) }
                        assertCloseToScale(yp.data, ref.data, tolerance: 1e-5, "\(c) n\(n) \(h)×\(w) band \(band) packed \(build)")
                    }
                }
            }
        }
    }

    /// Kept-row slack (`InvertedResidual.keptRowSlack`) only changes where expanded rows sit in the scratch:
    /// bit for bit the outputs without it, over many bands per image (halo rows kept 1–4 rows at a time),
    /// whole images and row segments, packed kernel and BLAS path.
    func testKeptRowSlackChangesNoBit() throws {
        let saved = (InvertedResidual.bandFloats, InvertedResidual.keptRowSlack)
        defer { (InvertedResidual.bandFloats, InvertedResidual.keptRowSlack) = saved }
        let configs: [(cin: Int, mid: Int, cout: Int, k: Int, s: Int, pad: Padding2D)] = [
            (16, 96, 24, 3, 2, .same), (40, 240, 40, 5, 1, .same), (24, 144, 40, 5, 2, .same), (112, 672, 112, 5, 1, .same),
        ]
        for c in configs {
            let l = layers(cin: c.cin, mid: c.mid, cout: c.cout, k: c.k, s: c.s, padding: c.pad)
            for (n, h, w) in [(3, 17, 13), (1, 64, 11), (2, 14, 14)] {
                let x = Tensor(shape: [n, h, w, c.cin], data: values(n * h * w * c.cin, c.k + c.s))
                for band in [3 * w * c.mid, 7 * w * c.mid, 1] {
                    InvertedResidual.bandFloats = band
                    for packed in [false, true] {
                        InvertedResidual.keptRowSlack = true
                        let with = try fused(l, x, cores: 2, packed: packed)
                        InvertedResidual.keptRowSlack = false
                        let without = try fused(l, x, cores: 2, packed: packed)
                        XCTAssertFalse(with.data.contains { $0.isNaN }, "\(c) n\(n) \(h)×\(w) band \(band): an output left unwritten")
                        XCTAssertEqual(with.data.map(\.bitPattern), without.data.map(\.bitPattern),
                                       "\(c) n\(n) \(h)×\(w) band \(band) packed \(packed)")
                    }
                }
            }
        }
    }

    /// Balanced row segments (`InvertedResidual.balancedSegments`): every output row in exactly one non-empty segment, in
    /// order; no segment costing more than the equal split's costliest; MobileNetV2's 14×14 → 7×7 block split 2, 2, 2, 1
    /// (equal shares: 1, 2, 2, 2) and into two segments 4, 3; and the fused block bit for bit the equal split's, at batch
    /// 1 and 3, strides 1 and 2, 3×3 and 5×5.
    func testBalancedSegments() throws {
        let saved = (InvertedResidual.balancedSegments, InvertedResidual.bandFloats)
        defer { (InvertedResidual.balancedSegments, InvertedResidual.bandFloats) = saved }
        func rows(_ l: Layers, h: Int, segments: Int) -> [Range<Int>] {
            let g = l.depthwise.geometry(height: h, width: h)
            let work = InvertedResidual.segmentWork(expand: l.expand != nil, depthwise: l.depthwise, geometry: g,
                                                    inChannels: l.expand?.shape.inChannels ?? l.depthwise.channels,
                                                    outChannels: l.project.shape.outChannels)
            return (0..<segments).map { InvertedResidual.segmentRows($0, of: segments, workers: workers, geometry: g,
                                                                     expandWork: work.expandWork, rowWork: work.rowWork) }
        }
        var workers = 1
        let b14 = layers(cin: 96, mid: 576, cout: 160, k: 3, s: 2, padding: .symmetric(1))
        let b2 = layers(cin: 24, mid: 144, cout: 24, k: 3, s: 1, padding: .symmetric(1))
        InvertedResidual.balancedSegments = true
        XCTAssertEqual(rows(b14, h: 14, segments: 4), [0..<2, 2..<4, 4..<6, 6..<7])
        XCTAssertEqual(rows(b14, h: 14, segments: 2), [0..<4, 4..<7])
        // On 2 workers, 4 segments balance the workers' halves and split each evenly: a stride-1 map's equal split.
        workers = 2
        XCTAssertEqual(rows(b14, h: 14, segments: 4), [0..<2, 2..<4, 4..<5, 5..<7])
        XCTAssertEqual(rows(b2, h: 56, segments: 4), [0..<14, 14..<28, 28..<42, 42..<56])
        InvertedResidual.balancedSegments = false
        XCTAssertEqual(rows(b14, h: 14, segments: 4), [0..<1, 1..<3, 3..<5, 5..<7])
        workers = 1
        let configs: [(cin: Int, mid: Int, cout: Int, k: Int, s: Int, pad: Padding2D)] = [
            (16, 96, 24, 3, 2, .symmetric(1)), (24, 144, 24, 3, 1, .symmetric(1)), (40, 240, 40, 5, 1, .same),
            (24, 144, 40, 5, 2, .same), (32, 32, 16, 3, 1, .symmetric(1)),
        ]
        var fusedRuns = 0
        for c in configs {
            let l = layers(cin: c.cin, mid: c.mid, cout: c.cout, k: c.k, s: c.s, padding: c.pad)
            for h in [7, 14, 15, 56] {
                let g = l.depthwise.geometry(height: h, width: h)
                for segments in 2...min(4, g.outHeight) {
                    InvertedResidual.balancedSegments = false
                    let equal = rows(l, h: h, segments: segments)
                    InvertedResidual.balancedSegments = true
                    let balanced = rows(l, h: h, segments: segments)
                    XCTAssertEqual(balanced.first?.lowerBound, 0, "\(c) \(h) \(segments)")
                    XCTAssertEqual(balanced.last?.upperBound, g.outHeight, "\(c) \(h) \(segments)")
                    XCTAssertTrue(zip(balanced, balanced.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "\(c) \(h) \(balanced)")
                    XCTAssertTrue(balanced.allSatisfy { !$0.isEmpty }, "\(c) \(h) \(balanced)")
                    func cost(_ r: Range<Int>) -> Int {
                        let lo = max(0, r.lowerBound * c.s - g.pad.top), hi = min(h, (r.upperBound - 1) * c.s - g.pad.top + c.k)
                        return (l.expand == nil ? 0 : (hi - lo) * h * c.cin * c.mid) + r.count * g.outWidth * c.mid * (c.k * c.k + c.cout)
                    }
                    XCTAssertLessThanOrEqual(balanced.map(cost).max()!, equal.map(cost).max()!, "\(c) \(h) \(balanced) against \(equal)")
                }
            }
            for (n, h) in [(1, 14), (1, 29), (3, 15)] {
                let x = Tensor(shape: [n, h, h, c.cin], data: values(n * h * h * c.cin, c.k + c.s))
                for band in [1 << 16, 1] {
                    InvertedResidual.bandFloats = band
                    // Maps the halo share refuses to split run in phases: no segments to place.
                    guard let plan = InvertedResidual.plan(expand: l.expand, depthwise: l.depthwise, project: l.project,
                                                           batch: n, height: h, width: h, cores: 2), plan.segmentsPerImage > 1 else { continue }
                    fusedRuns += 1
                    InvertedResidual.balancedSegments = false
                    let equal = try fused(l, x, cores: 2, packed: true)
                    InvertedResidual.balancedSegments = true
                    let balanced = try fused(l, x, cores: 2, packed: true)
                    XCTAssertFalse(balanced.data.contains { $0.isNaN }, "\(c) n\(n) \(h): an output left unwritten")
                    XCTAssertEqual(balanced.data.map(\.bitPattern), equal.data.map(\.bitPattern), "\(c) n\(n) \(h) band \(band)")
                }
            }
        }
        XCTAssertGreaterThan(fusedRuns, 8, "blocks run in row segments")
    }

    /// Small maps at batch 1 (and 2 on 3 cores) in phases (`forwardPhased`): the same configurations as
    /// `testFusedMatchesLayerByLayer` on 14×14, 7×7 and odd-sized maps, 2 and 3 workers; each packed build (AVX-512,
    /// AVX2) the CPU has (elsewhere `usesPhased` is false and blocks run layer by layer).
    func testPhasedMatchesLayerByLayer() {
        XCTAssertEqual(InvertedResidual.usesPhased(batch: 1, cores: 2), VectorISA.packedKernels && PackedPointwise.enabled)
        XCTAssertFalse(InvertedResidual.usesPhased(batch: 2, cores: 2))
        for build in KernelBuild.vector { build.run { phasedMatchesLayerByLayer(build) } }
    }

    private func phasedMatchesLayerByLayer(_ build: KernelBuild) {
        let configs: [(cin: Int, mid: Int, cout: Int, k: Int, s: Int, pad: Padding2D)] = [
            (16, 96, 24, 3, 2, .same), (24, 144, 24, 3, 1, .symmetric(1)), (40, 240, 40, 5, 1, .same),
            (24, 144, 40, 5, 2, .same), (32, 32, 16, 3, 1, .symmetric(1)), (160, 960, 320, 3, 1, .symmetric(1)),
        ]
        for c in configs {
            let l = layers(cin: c.cin, mid: c.mid, cout: c.cout, k: c.k, s: c.s, padding: c.pad)
            let pe = l.expand.map(PackedPointwise.init), pp = PackedPointwise(l.project)
            for (n, h, w, cores) in [(1, 14, 14, 2), (1, 7, 7, 2), (1, 9, 5, 3), (2, 7, 7, 3)] {
                let x = Tensor(shape: [n, h, w, c.cin], data: values(n * h * w * c.cin, c.k + c.s))
                let ref = layerByLayer(l, x)
                var bySlabs: [Bool: [Float]] = [:]
                for slabs in [true, false] {                 // channel slabs (expand + depthwise per slab), or three phases
                    let saved = InvertedResidual.channelSlabs
                    InvertedResidual.channelSlabs = slabs
                    defer { InvertedResidual.channelSlabs = saved }
                    var y = [Float](repeating: .nan, count: ref.count)
                    var scratch = [Float](repeating: .nan, count: InvertedResidual.phasedScratch(expand: pe, depthwise: l.depthwise, batch: n, height: h, width: w))
                    x.data.withUnsafeBufferPointer { xb in
                        y.withUnsafeMutableBufferPointer { yb in
                            scratch.withUnsafeMutableBufferPointer { sb in
                                InvertedResidual.forwardPhased(expand: pe, depthwise: l.depthwise, project: pp, skip: l.skip, x: xb.baseAddress!,
                                                               batch: n, height: h, width: w, into: yb.baseAddress!, scratch: sb.baseAddress!, cores: cores)
                            }
                        }
                    }
                    assertCloseToScale(y, ref.data, tolerance: 1e-5, "phased \(build) \(c) n\(n) \(h)×\(w) cores \(cores) slabs \(slabs)")
                    bySlabs[slabs] = y
                }
                XCTAssertEqual(bySlabs[true]!.map(\.bitPattern), bySlabs[false]!.map(\.bitPattern),
                               "phased \(build) \(c) n\(n) \(h)×\(w) cores \(cores): channel slabs vs three phases, bit for bit")
            }
        }
    }

    /// The PyTorch MBConv golden (16 → 96 → 16, 3×3 SAME, BN folded, skip) through the fused path.
    func testMBConvGolden() throws {
        let c = try ConvGolden.cases(kind: "block_mbconv")[0]
        let xs = c.xShape
        func bn(_ p: String, _ ch: Int) throws -> BatchNorm {
            BatchNorm(gamma: try c.array(p + ".gamma"), beta: try c.array(p + ".beta"), runningMean: try c.array(p + ".mean"),
                      runningVar: try c.array(p + ".var"), eps: 1e-3)
        }
        let l = Layers(
            expand: Conv2D(shape: Conv2DShape(inChannels: 16, outChannels: 96, kernel: 1), oihw: try c.array("expand"), activation: .relu6)
                .foldingBatchNorm(try bn("bn0", 96)),
            depthwise: DepthwiseConv2D(channels: 96, kernel: 3, padding: .same, weightCHW: try c.array("dw"), activation: .relu6)
                .foldingBatchNorm(try bn("bn1", 96)),
            project: Conv2D(shape: Conv2DShape(inChannels: 96, outChannels: 16, kernel: 1), oihw: try c.array("project"))
                .foldingBatchNorm(try bn("bn2", 16)),
            skip: true)
        let y = try fused(l, Tensor(shape: xs, data: try c.array("x")), cores: 2)
        ConvGolden.assertClose(y.data, try c.array("y"), c.name)
    }

    /// Small maps at batch 1 run layer by layer (sharing them over cores would recompute too many
    /// halo rows); larger maps split into row segments; `enabled = false` turns fusion off.
    func testPlanChoices() {
        let l = layers(cin: 112, mid: 672, cout: 112, k: 5, s: 1, padding: .same)
        XCTAssertNil(InvertedResidual.plan(expand: l.expand, depthwise: l.depthwise, project: l.project, batch: 1, height: 14, width: 14, cores: 2))
        let p32 = InvertedResidual.plan(expand: l.expand, depthwise: l.depthwise, project: l.project, batch: 32, height: 14, width: 14, cores: 2)
        XCTAssertEqual(p32?.segmentsPerImage, 1)
        XCTAssertEqual(p32?.workers, 2)
        let big = layers(cin: 16, mid: 96, cout: 24, k: 3, s: 2, padding: .same)
        let p1 = InvertedResidual.plan(expand: big.expand, depthwise: big.depthwise, project: big.project, batch: 1, height: 112, width: 112, cores: 2)
        XCTAssertEqual(p1?.segmentsPerImage, 4)
        XCTAssertLessThanOrEqual((p1?.expandedRows ?? .max) * 112 * 96, InvertedResidual.bandFloats)
        // Halo rows up to half the expanded rows (`segmentHaloShare` 2): MobileNetV2's 14×14 blocks at stride 1 split
        // into 2 row segments on 2 cores; 7×7 maps, and 14×14 under a 5×5 window, do not split.
        let m14 = layers(cin: 64, mid: 384, cout: 64, k: 3, s: 1, padding: .same)
        XCTAssertEqual(InvertedResidual.plan(expand: m14.expand, depthwise: m14.depthwise, project: m14.project, batch: 1, height: 14, width: 14,
                                             cores: 2)?.segmentsPerImage, 2)
        XCTAssertNil(InvertedResidual.plan(expand: m14.expand, depthwise: m14.depthwise, project: m14.project, batch: 1, height: 7, width: 7, cores: 2))
        // MobileNetV2's 14×14 → 7×7 block: 4 segments, or with balanced segments one per core (7 output rows < 2 × 4).
        let m7 = layers(cin: 96, mid: 576, cout: 160, k: 3, s: 2, padding: .symmetric(1))
        let savedBalanced = InvertedResidual.balancedSegments
        defer { InvertedResidual.balancedSegments = savedBalanced }
        for (balanced, segments) in [(false, 4), (true, 2)] {
            InvertedResidual.balancedSegments = balanced
            XCTAssertEqual(InvertedResidual.plan(expand: m7.expand, depthwise: m7.depthwise, project: m7.project, batch: 1, height: 14, width: 14,
                                                 cores: 2)?.segmentsPerImage, segments, "balanced \(balanced)")
            XCTAssertEqual(InvertedResidual.plan(expand: big.expand, depthwise: big.depthwise, project: big.project, batch: 1, height: 112, width: 112,
                                                 cores: 2)?.segmentsPerImage, 4, "balanced \(balanced)")
        }
        InvertedResidual.balancedSegments = false
        // Lite0's blocks 2 and 5 under the former limit (1/8 of the expanded rows): the halo allows 3 segments; at batch
        // 1 on 2 cores they run as 2 (3 cores: 3).
        let savedShare = InvertedResidual.segmentHaloShare
        InvertedResidual.segmentHaloShare = 8
        defer { InvertedResidual.segmentHaloShare = savedShare }
        let b2 = layers(cin: 24, mid: 144, cout: 24, k: 3, s: 1, padding: .same)
        let b5 = layers(cin: 40, mid: 240, cout: 80, k: 3, s: 2, padding: .same)
        for (l, size) in [(b2, 56), (b5, 28)] {
            let even = InvertedResidual.plan(expand: l.expand, depthwise: l.depthwise, project: l.project, batch: 1, height: size, width: size, cores: 2)
            XCTAssertEqual(even?.segmentsPerImage, 2, "\(size)×\(size)")
            XCTAssertEqual(InvertedResidual.plan(expand: l.expand, depthwise: l.depthwise, project: l.project, batch: 1, height: size, width: size,
                                                 cores: 3)?.segmentsPerImage, 3, "\(size)×\(size) on 3 cores")
            InvertedResidual.evenSegments = false
            let uneven = InvertedResidual.plan(expand: l.expand, depthwise: l.depthwise, project: l.project, batch: 1, height: size, width: size, cores: 2)
            InvertedResidual.evenSegments = true
            XCTAssertEqual(uneven?.segmentsPerImage, 3, "\(size)×\(size) without even segments")
        }
        InvertedResidual.enabled = false
        defer { InvertedResidual.enabled = true }
        XCTAssertNil(InvertedResidual.plan(expand: big.expand, depthwise: big.depthwise, project: big.project, batch: 32, height: 112, width: 112, cores: 2))
    }
}
