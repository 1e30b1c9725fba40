import ThawHeads
import ThawKernels
import ThawTraining

/// Everything `FineTuner` needs to know; defaults match `thaw finetune`.
public struct FineTuneOptions: Sendable {
    /// Where the classifier starts.
    public enum HeadStart: Sendable, Equatable {
        /// A new linear layer (nn.Linear initialisation from the seed).
        case linear
        /// A fitted linear head exported by `thaw fit --export` on the pool tap
        /// (`out.weight` [classes, 1280 (Lite) or 512/2048 (ResNet)], `out.bias`).
        case file(String)
    }

    public var cache: String
    /// The cached boundary tap: `blocks.K` (EfficientNet-Lite: blocks K+1…last are trained) or
    /// `layerK` / `stem` (ResNet: layer(K+1)…layer4 are trained).
    public var from: String
    /// The backbone checkpoint the cache was extracted with (lukemelas keys for Lite, a torchvision
    /// state dict for ResNet: none is installed, so ResNet runs always name one).
    public var weights: String
    public var head: HeadStart = .linear
    public var epochs = 3
    /// Head learning rate; block d below the head trains at lr · layerDecay^d.
    public var lr: Float = 1e-3
    public var layerDecay: Float = 0.8
    public var optimizer: Optimizer = .adamwDefault
    public var weightDecay: Float = 0.01
    public var batchNorm: BatchNormPolicy = .frozen
    /// BN momentum in PyTorch's convention; nil = the family's own (`ModelFamily.batchNormMomentum`).
    public var batchNormMomentum: Float?
    public var batch = 64
    /// Rows per forward/backward chunk: gradients of a batch accumulate over chunks, so memory
    /// stays bounded whatever the batch (with `.train` BN, statistics are per chunk).
    public var chunk = 32
    /// Global-norm gradient clipping (nil: off).
    public var clip: Float? = 1.0
    /// Stop after this many epochs without a better validation loss (nil: never).
    public var earlyStop: Int?
    /// Fraction of all steps spent in linear warm-up before the cosine decay.
    public var warmupFraction = 0.1
    /// Fine-tuning from raw inputs (`from` below the cached boundary): the image source to re-read
    /// (nil: the one recorded by the cache's extract run).
    public var data: String?
    public var checkpointDir: String?
    /// Write the fine-tuned backbone + classifier here (`FineTuneExport`), recorded as config `export`.
    public var export: String?
    public var resume = false
    public var seed: UInt64 = 0
    /// Record the N most confident test mistakes (`--misclassified N`; 0: none).
    public var misclassified = 0
    /// `--memory-budget` in bytes: the maps are read through `TapMaps` (shuffled blocks of `blockSize` sample
    /// indices, the same batches in memory or streamed from LMDB). nil: the default budget, all maps in
    /// memory in one permutation per epoch when they fit, else streamed as with a budget.
    public var memoryBudget: Int?
    /// Sample indices per shuffled block when reading through `TapMaps` (lowered to what the budget holds).
    public var blockSize = 1024
    /// Check the weights' SHA-256 against the cache manifest (reads the whole file once).
    public var verifyWeights = true

    /// Operands of the trained 1×1 convolutions' GEMMs (`TrainingKernels.precision`; `.bf16` needs AVX512-BF16). The run
    /// sets the switch for its duration and records it ("precision").
    public var precision: TrainingPrecision = .f32

    public init(cache: String, from: String, weights: String) {
        self.cache = cache
        self.from = from
        self.weights = weights
    }

    public var optimizerName: String {
        switch optimizer {
        case .sgd: return "sgd"
        case .adamw: return "adamw"
        }
    }
}

