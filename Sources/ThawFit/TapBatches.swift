import ThawHeads
import ThawTraining

/// The training rows of a `TapData` in `EpochPlan` order, from memory or streamed block by block from
/// LMDB (the same batches either way), flipped when asked and pooled by a fixed pooling: each batch
/// is one chunk the stacked heads read from reused buffers.
final class TapBatches: BatchSource {
    let data: TapData
    let batchSize: Int
    let blockSize: Int
    let seed: UInt64
    let flip: Bool
    let fixedPooling: Pooling?
    let raw: FloatBuffer       // [B, rowWidth] gathered rows
    let pooled: FloatBuffer    // [B, width] after the fixed pooling (empty without one)
    var labels: [Int32]        // [B]
    let h: Int, w: Int, c: Int

    var rowCount: Int { data.trainIndices.count }

    init(data: TapData, batchSize: Int, blockSize: Int, seed: UInt64, flip: Bool, fixedPooling: Pooling?, pooledWidth: Int) {
        self.data = data; self.batchSize = batchSize; self.blockSize = blockSize; self.seed = seed
        self.flip = flip && data.isMap; self.fixedPooling = fixedPooling
        let bmax = min(batchSize, data.trainIndices.count)
        raw = FloatBuffer(count: bmax * data.rowWidth)
        pooled = FloatBuffer(count: fixedPooling == nil ? 0 : bmax * pooledWidth)
        labels = [Int32](repeating: 0, count: bmax)
        (h, w, c) = data.isMap ? (data.rowShape[0], data.rowShape[1], data.rowShape[2]) : (1, 1, data.rowWidth)
    }

    func forEachBatch(epoch: Int, _ body: (Batch<HeadRows>) throws -> Void) throws {
        let plan = EpochPlan(trainIndices: data.trainIndices, indexRange: data.manifest.indexRange,
                             blockSize: blockSize, seed: seed, epoch: epoch)
        let rawWidth = data.rowWidth
        var filled = 0, remaining = rowCount
        // Streamed, the next blocks are read on a second thread meanwhile (`TapData.forEachTrainingBlock`).
        try data.forEachTrainingBlock(plan.blocks, view: data.view(forEpoch: epoch)) { k, rows in
            let block = plan.blocks[k]
            for p in block.order {
                let src = rows + (p - block.positions.lowerBound) * rawWidth
                let dst = raw.pointer + filled * rawWidth
                if flip && HorizontalFlip.flips(seed: seed, epoch: epoch, index: data.trainIndices[p]) {
                    HorizontalFlip.apply(src, dst, h: h, w: w, c: c)
                } else {
                    dst.update(from: src, count: rawWidth)
                }
                labels[filled] = data.trainLabels[p]
                filled += 1
                guard filled == min(batchSize, remaining) else { continue }
                if let fp = fixedPooling {
                    fp.pool(maps: raw.pointer, count: filled, spatial: h * w, channels: c, out: pooled.pointer)
                }
                let x = fixedPooling == nil ? raw : pooled
                try body(Batch(single: HeadRows(x: x.pointer, labels: labels), rows: filled))
                remaining -= filled
                filled = 0
            }
        }
        precondition(remaining == 0 && filled == 0, "TapBatches: epoch plan lost rows")
    }
}
