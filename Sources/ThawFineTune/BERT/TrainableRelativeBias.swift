import ThawBackbones
import ThawKernels

/// MPNet's relative position bias table [buckets, H] (`encoder.relative_attention_bias.weight`) in a
/// fine-tuned model: gathered once per forward into the [H, T, T] score bias that every trained layer
/// adds (`RelativePositionBias`), as `BertEncoder.forwardLayers` does for the frozen ones.
///
/// Whether it trains (`trains`): one table serves every layer of the encoder, and the exported
/// checkpoint can hold only that one table. `thaw finetune` starts from a cached `layer.K`, so layer 0
/// (and every layer up to K) stays frozen and uses the table too: were it trained, `thaw predict` on
/// the export would run those frozen layers with the trained table and no longer compute what was
/// cached and trained on. So `thaw finetune` keeps it frozen (its gradient is not even computed);
/// `trains` is for a model whose every layer using the table trains. Its gradient is the sum over
/// the trained layers of each layer's score-bias gradient, summed into buckets (`backward`).
public final class TrainableRelativeBias {
    public let table: TrainableTensor   // [buckets, H]
    public let buckets: Int, heads: Int, maxDistance: Int
    public let trains: Bool

    public init(table values: [Float], buckets: Int, heads: Int, maxDistance: Int = EncoderFlavor.relativeMaxDistance, trains: Bool) {
        precondition(buckets >= 4 && values.count == buckets * heads,
                     "TrainableRelativeBias: table must be [\(buckets) buckets, \(heads) heads]")
        table = TrainableTensor(key: EncoderFlavor.relativeAttentionBiasKey, torchShape: [buckets, heads], torchValue: values)
        self.buckets = buckets; self.heads = heads; self.maxDistance = maxDistance; self.trains = trains
    }

    /// The bias [H, T, T] of rows of `length` tokens (positions are indices in the padded row).
    public func bias(length t: Int) -> [Float] {
        var out = [Float](repeating: 0, count: heads * t * t)
        table.value.withUnsafeBufferPointer { tb in out.withUnsafeMutableBufferPointer { ob in
            RelativePositionBias.forward(table: tb.baseAddress!, buckets: buckets, heads: heads, maxDistance: maxDistance,
                                         length: t, bias: ob.baseAddress!)
        }}
        return out
    }

    /// table.grad += the bucket sums of dBias [H, T, T] (already summed over layers and batch items).
    public func backward(dBias: [Float], length t: Int) {
        precondition(dBias.count == heads * t * t, "TrainableRelativeBias.backward: dBias must be [\(heads), \(t), \(t)]")
        dBias.withUnsafeBufferPointer { db in table.grad.withUnsafeMutableBufferPointer { gb in
            RelativePositionBias.backward(dBias: db.baseAddress!, buckets: buckets, heads: heads, maxDistance: maxDistance,
                                          length: t, dTable: gb.baseAddress!)
        }}
    }
}
