import ThawTraining

/// Learning rate, weight decay and seed of one head (the per-head part of a stacked run).
public struct HeadHyperparameters: Codable, Hashable, Sendable {
    public var learningRate: Float
    public var weightDecay: Float
    /// Seeds the head's initial weights and its dropout masks.
    public var seed: UInt64

    public init(learningRate: Float, weightDecay: Float = 0, seed: UInt64 = 0) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.seed = seed
    }

    /// Seeds the head's dropout masks (derived from `seed`, distinct from the weight-init stream).
    public var dropoutSeed: UInt64 { seed ^ 0xD5A6_1266_F0C9_392C }
}

/// Everything shared by the heads of one stacked run.
public struct TrainingOptions: Codable, Hashable, Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: Optimizer
    public var schedule: LearningRateSchedule
    public var labelSmoothing: Float
    /// One weight per class (torch `CrossEntropyLoss(weight:)`), or nil for equal weights.
    public var classWeights: [Float]?
    public var earlyStopping: EarlyStopping?
    /// Seeds the shuffling; every head of a stack sees the same batches.
    public var dataSeed: UInt64
    public var evaluationBatchSize: Int

    public init(epochs: Int = 10, batchSize: Int = 256, optimizer: Optimizer = .sgdDefault,
                schedule: LearningRateSchedule = .constant, labelSmoothing: Float = 0, classWeights: [Float]? = nil,
                earlyStopping: EarlyStopping? = nil, dataSeed: UInt64 = 0, evaluationBatchSize: Int = 1024) {
        precondition(epochs >= 1 && batchSize >= 1 && evaluationBatchSize >= 1, "TrainingOptions: sizes must be positive")
        precondition(labelSmoothing >= 0 && labelSmoothing < 1, "TrainingOptions: label smoothing must be in [0, 1)")
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.schedule = schedule
        self.labelSmoothing = labelSmoothing
        self.classWeights = classWeights
        self.earlyStopping = earlyStopping
        self.dataSeed = dataSeed
        self.evaluationBatchSize = evaluationBatchSize
    }
}
