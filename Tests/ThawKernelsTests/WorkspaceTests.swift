import XCTest
@testable import ThawKernels

final class WorkspaceTests: XCTestCase {
    func testSteadyStateForwardAllocatesNothing() {
        let ws = Workspace()
        let conv = Conv2D(shape: Conv2DShape(inChannels: 8, outChannels: 8, kernel: 3, padding: .symmetric(1)),
                          oihw: [Float](repeating: 0.01, count: 8 * 8 * 9))
        let x = [Float](repeating: 1, count: 2 * 10 * 10 * 8)
        for pass in 0..<3 {
            ws.reset()
            let before = ws.allocations
            let act = ws.take(2 * 10 * 10 * 8)                 // a layer's output from the arena
            x.withUnsafeBufferPointer { _ = conv.forward($0.baseAddress!, batch: 2, height: 10, width: 10, into: act, workspace: ws) }
            let out = ws.take(2 * 10 * 10 * 8)
            conv.forward(act, batch: 2, height: 10, width: 10, into: out, workspace: ws)
            if pass > 0 { XCTAssertEqual(ws.allocations, before, "pass \(pass) allocated") }
        }
        XCTAssertGreaterThan(ws.highWater, 2 * 1600)
    }

    func testBuffersAreAlignedAndDisjoint() {
        let ws = Workspace(capacity: 100)
        let a = ws.take(3), b = ws.take(50), c = ws.take(200)
        for p in [a, b, c] { XCTAssertEqual(Int(bitPattern: p) % 64, 0) }
        XCTAssertGreaterThanOrEqual(b - a, 3)
        XCTAssertTrue(c < a || c >= b + 50)
    }
}
