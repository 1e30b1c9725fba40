/// A model whose whole state is a list of named tensors (values, optimizer state): what
/// `FineTuneCheckpoint` saves and restores, what `FineTuneExport` writes and what `FineTuneStep`
/// updates, for either family.
public protocol CheckpointableModel: AnyObject {
    /// Every tensor in checkpoint order, trainable ones and running statistics alike.
    var tensors: [TrainableTensor] { get }
    /// The tensors the optimizer updates, each with its learning-rate multiplier (`layerDecay`^depth).
    func trainableGroups(layerDecay: Float) -> [(tensor: TrainableTensor, lrScale: Float)]
}

extension FineTuneModel: CheckpointableModel {}
extension BertFineTuneModel: CheckpointableModel {}
