@testable import ThawHeads
import ThawCore

/// Learnable synthetic features: class means + Gaussian noise, seeded.
func syntheticSet(_ name: String, count n: Int, rowShape: [Int], classes: Int, seed: UInt64, noise: Float = 1.5,
                  meansSeed: UInt64 = 99) -> FeatureSet {
    let width = rowShape.reduce(1, *)
    var gm = SplitMix64(seed: meansSeed)
    let means = (0..<(classes * width)).map { _ in gm.nextNormal() }
    var g = SplitMix64(seed: seed)
    var x = [Float](repeating: 0, count: n * width)
    var y = [Int32](repeating: 0, count: n)
    for i in 0..<n {
        let c = g.nextIndex(below: classes)
        y[i] = Int32(c)
        for j in 0..<width { x[i * width + j] = means[c * width + j] + noise * g.nextNormal() }
    }
    return try! FeatureSet(name: name, features: x, labels: y, rowShape: rowShape)
}
