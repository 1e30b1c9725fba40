import ThawHeads

extension FitRequest {
    /// 1e-2 for a linear head, 1e-3 for an MLP head: the better of the two for AdamW on Fashion-MNIST /
    /// Lite0 and BBC News / MiniLM features. The default of `FitRequest.lr` and of `thaw fit --lr`.
    public static func defaultLearningRate(for head: HeadShape) -> Float {
        head.hidden.isEmpty ? 1e-2 : 1e-3
    }
}
