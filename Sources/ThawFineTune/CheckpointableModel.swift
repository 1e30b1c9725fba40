/// A model whose whole state is a list of named tensors (values, optimizer state): what
/// `FineTuneCheckpoint` saves and restores, and what `FineTuneExport` writes, for either family.
public protocol CheckpointableModel: AnyObject {
    /// Every tensor in checkpoint order, trainable ones and running statistics alike.
    var tensors: [TrainableTensor] { get }
}

extension FineTuneModel: CheckpointableModel {}
extension BertFineTuneModel: CheckpointableModel {}
