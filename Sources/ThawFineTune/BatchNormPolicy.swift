/// How the BatchNorm layers of unfrozen blocks behave while fine-tuning.
///
/// Libraries disagree here (Keras keeps BN in inference mode when unfreezing; fastai trains it),
/// and the choice changes results, so Thaw makes it explicit and records it in the run.
public enum BatchNormPolicy: String, CaseIterable, Sendable {
    /// Running statistics normalise; γ and β are trained (Keras' advice, the default).
    case frozen
    /// Batch statistics normalise and the running statistics follow them (fastai's default).
    case train
    /// One pass over the cached training inputs re-estimates the running statistics, then `frozen`.
    case recalibrate
}

/// What one forward pass of a BatchNorm does.
public enum BatchNormMode: Sendable {
    /// Running statistics (inference, or `.frozen` training).
    case running
    /// Batch statistics; running statistics move by `momentum` (PyTorch convention).
    case batch(momentum: Float)
}
