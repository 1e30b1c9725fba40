extension TapData {
    /// Metrics of every head of `model` on an evaluation split, read in chunks of at most `batchSize`
    /// rows (fewer when streamed blocks are smaller), pooled with `pooling` as in training; only the
    /// running metrics are kept between chunks. The same chunks in memory and streamed give the same numbers.
    public func evaluate(_ model: StackedHeads, pooling: Pooling?, on split: EvaluationSplit,
                         batchSize: Int = 1024,
                         onLogits: ((_ logits: UnsafePointer<Float>, _ start: Int, _ rows: Int) -> Void)? = nil) throws -> [ClassificationMetrics] {
        let (_, labels) = self.split(split)
        let n = labels.count
        let classes = model.classes
        var acc = [MetricsAccumulator](repeating: MetricsAccumulator(classes: classes), count: model.heads)
        guard n > 0 else { return acc.map(\.metrics) }
        let cap = max(1, min(batchSize, n, maxBlockRows))
        let fixed = pooling.flatMap { $0.isLearnable ? nil : $0 }
        let (h, w, c) = isMap ? (rowShape[0], rowShape[1], rowShape[2]) : (1, 1, rowWidth)
        let pooled = FloatBuffer(count: fixed.map { cap * $0.outputWidth(channels: c) } ?? 0)   // [cap, width]
        let ws = model.makeWorkspace(capacity: cap)
        // Streamed, the next chunks are read on a second thread meanwhile (`forEachChunk`).
        try forEachChunk(of: split, chunkRows: cap) { start, b, rows in
            var x = rows
            if let fp = fixed {
                fp.pool(maps: rows, count: b, spatial: h * w, channels: c, out: pooled.pointer)
                x = UnsafePointer(pooled.pointer)
            }
            model.forward(x: x, batch: b, train: false, ws: ws)
            onLogits?(ws.logits.pointer, start, b)   // [b, K·classes]
            labels.withUnsafeBufferPointer { y in
                MetricsAccumulator.add(&acc, logits: ws.logits.pointer, labels: y.baseAddress! + start, count: b)
            }
        }
        return acc.map(\.metrics)
    }
}
