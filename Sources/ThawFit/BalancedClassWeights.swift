/// `--class-weights balanced` of fit and sweep: class c weighs n / (classes · count_c), as
/// scikit-learn's `class_weight="balanced"`; a class absent from train weighs 0 (it never appears
/// in a loss term anyway). labels [n], values in 0..<classes.
public enum BalancedClassWeights {
    public static func weights(labels: [Int32], classes: Int) -> [Float] {
        var counts = [Int](repeating: 0, count: classes)
        for y in labels { counts[Int(y)] += 1 }
        let n = Float(labels.count)
        return counts.map { $0 > 0 ? n / (Float(classes) * Float($0)) : 0 }
    }
}
