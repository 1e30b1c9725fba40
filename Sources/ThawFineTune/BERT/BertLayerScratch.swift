import ThawKernels

/// The attention buffers of one `TrainableBertLayer`, kept between calls and grown only when a
/// call needs more (sized for the largest batch × the longest length seen), so steady-state
/// training allocates none of them per step.
///
/// Pitfall: a forward's `Saved` shares `forward`'s arrays (copy on write). A second forward before
/// that backward stays correct (the write copies) but allocates; the trainers never do that.
final class BertLayerScratch {
    let channels: Int, heads: Int
    private(set) var batch = 0, length = 0
    var forward: SelfAttentionWorkspace
    var backward: SelfAttentionBackwardWorkspace
    /// Accumulated by `SelfAttention.backward`: zeroed before each use.
    var gradients: SelfAttentionGradients

    init(channels: Int, heads: Int) {
        self.channels = channels; self.heads = heads
        forward = SelfAttentionWorkspace(batch: 0, length: 0, channels: channels, heads: heads)
        backward = SelfAttentionBackwardWorkspace(batch: 0, length: 0, channels: channels, heads: heads)
        gradients = SelfAttentionGradients(channels: channels)
    }

    /// Grows the forward workspace to hold `batch` × `length` (never shrinks).
    func reserveForward(batch b: Int, length t: Int) {
        guard b > batch || t > length else { return }
        batch = max(batch, b); length = max(length, t)
        forward = SelfAttentionWorkspace(batch: batch, length: length, channels: channels, heads: heads)
    }

    /// Grows the backward workspace to hold `batch` × `length`; zeroes the gradients.
    func prepareBackward(batch b: Int, length t: Int) {
        if backward.maxTokens < b * t || backward.maxScores < b * heads * t * t {
            let nb = max(b, batch), nt = max(t, length)
            backward = SelfAttentionBackwardWorkspace(batch: nb, length: nt, channels: channels, heads: heads)
        }
        gradients.zero()
    }
}
