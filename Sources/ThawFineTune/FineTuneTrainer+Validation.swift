import ThawHeads

/// The validation metrics of the weights a trainer has now, computed once: the epoch loop scores the validation
/// split after the last epoch, and the run asks for the same metrics again for its record (the model keeps its
/// last epoch's weights). At `make demo-full`'s scale the second pass was 6,000 maps through the inference top.
/// Evaluation writes no weight and is deterministic, so the reused metrics are the floats a second pass gives.
struct ValidationMemo {
    /// `FineTuneModel.weightVersions` and `FineTuneTrainer.foldedEvaluation` when `metrics` were computed.
    let versions: [Int]
    let folded: Bool
    let metrics: ClassificationMetrics
}

extension FineTuneTrainer {
    /// True: `validationMetrics()` reuses the metrics of unchanged weights; false: every call evaluates again
    /// (the tests compare both).
    nonisolated(unsafe) public static var reusesValidation = true

    /// Metrics on the validation split at the current weights; reused while no tensor's value version changed.
    public func validationMetrics() throws -> ClassificationMetrics {
        let versions = model.weightVersions, folded = Self.foldedEvaluation
        if Self.reusesValidation, let m = lastValidation, m.versions == versions, m.folded == folded { return m.metrics }
        let metrics = try evaluateValidation()
        lastValidation = ValidationMemo(versions: versions, folded: folded, metrics: metrics)
        return metrics
    }
}
