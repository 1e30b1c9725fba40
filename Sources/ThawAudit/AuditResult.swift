/// The outcome of `thaw cache audit`, per tap: the storage error, and what it does to a linear probe.
public struct AuditResult: Codable, Sendable {
    /// The same L-BFGS logistic regression (C = 1) trained on the audited train rows twice — once on
    /// the stored values, once on the float32 ones — each tested on its own test (or val) rows.
    public struct Probe: Codable, Sendable {
        public var trainRows: Int
        public var testRows: Int
        public var storedTop1: Double
        public var float32Top1: Double
        /// Share of test rows where the two probes predict the same class.
        public var agreement: Double
        /// storedTop1 − float32Top1, in accuracy points (0.01 = one point).
        public var top1Difference: Double { storedTop1 - float32Top1 }
    }

    public struct Tap: Codable, Sendable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var maxAbsError: Double
        public var meanAbsError: Double
        /// maxAbsError over the tap's largest float32 magnitude.
        public var maxRelativeError: Double
        public var probe: Probe?
        /// Why there is no probe (e.g. no test rows among the audited samples).
        public var probeNote: String?
    }

    public var cache: String
    public var backbone: String
    public var samples: Int
    public var seed: UInt64
    public var weights: String
    public var data: String
    public var seconds: Double
    public var taps: [Tap]
}
