/// What `EpochLoop` trains: one network (`members` = 1) or K heads stacked side by side, every
/// member seeing the same rows with its own learning rate, early stopping and best weights.
public protocol TrainableModel {
    /// The rows of one forward pass with their labels, as a `BatchSource` hands them over.
    associatedtype Chunk
    /// One member's weights, kept at its best epoch and restored at the end (`EpochLoop.restoresBest`).
    associatedtype Snapshot
    var members: Int { get }
    /// One optimizer step (1-based `step`) over a batch: member k at rate `rates[k]` (nil: member k
    /// has stopped and stays unchanged). Returns each member's loss summed over the batch's rows.
    func trainStep(_ batch: Batch<Chunk>, rates: [Float?], step: Int) throws -> [Double]
    func snapshot(member: Int) -> Snapshot
    func restore(member: Int, _ snapshot: Snapshot)
}

/// A single network trained by gradient accumulation: each chunk of a batch is forwarded (logits
/// and saved state), its loss gradient weighted by the chunk's share of the batch's rows and sent
/// back; one update follows per batch. With `.train` BatchNorm, statistics are per chunk.
public protocol ChunkedModel: TrainableModel {
    /// What `backward` needs from `forward` (activations, masks; STYLE #1).
    associatedtype Saved
    func zeroGrad()
    /// Training-mode forward pass of a chunk: logits [m, classes] and the saved state.
    func forward(_ chunk: Chunk) throws -> (logits: [Float], saved: Saved)
    /// Mean loss over the chunk's rows and d(loss)/d(logits) [m, classes].
    func loss(logits: [Float], chunk: Chunk) -> (loss: Double, dlogits: [Float])
    /// Accumulates the parameter gradients of `dlogits`.
    func backward(_ dlogits: [Float], saved: Saved)
    /// One optimizer update at `rate` (1-based `step`) from the accumulated gradients.
    func update(rate: Float, step: Int)
}

extension ChunkedModel {
    public var members: Int { 1 }

    /// The batch loss is the mean over all its rows: each chunk's gradient is scaled by its share.
    public func trainStep(_ batch: Batch<Chunk>, rates: [Float?], step: Int) throws -> [Double] {
        precondition(rates.count == 1, "ChunkedModel.trainStep: a single network has one rate")
        zeroGrad()
        var lossSum = 0.0
        for i in 0..<batch.chunkCount {
            let (chunk, m) = try batch.chunk(i)
            let (logits, saved) = try forward(chunk)
            var (loss, dlogits) = self.loss(logits: logits, chunk: chunk)
            let share = Float(m) / Float(batch.rows)
            for j in dlogits.indices { dlogits[j] *= share }
            backward(dlogits, saved: saved)
            lossSum += loss * Double(m)
        }
        if let rate = rates[0] { update(rate: rate, step: step) }
        return [lossSum]
    }
}
