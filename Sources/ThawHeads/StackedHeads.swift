import ThawCore
import ThawTraining

/// K heads of one `HeadShape` trained together. The first layer of all heads is one
/// `StackedLinear` (one GEMM when the heads read the same input); deeper layers run per head.
///
/// With GeM pooling the input is a map [B, S, C] and every head pools it with its own p, so the
/// first layer reads per-head inputs. Fixed poolings are applied before (see `HeadTrainer`).
public final class StackedHeads {
    public let heads: Int
    public let inputWidth: Int      // D: features per sample after pooling
    public let classes: Int
    public let shape: HeadShape
    /// (spatial S, channels C) when the heads GeM-pool maps themselves.
    public let gemInput: (spatial: Int, channels: Int)?
    public let linears: [StackedLinear]       // hidden.count + 1 layers; the last is "out"
    public let norms: [StackedLayerNorm]      // one per hidden layer when shape.layerNorm
    public let gemP: Parameter?               // [K]
    public let parameters: [Parameter]

    /// Builds K heads; head k is initialised from `SplitMix64(seed: seeds[k])` (torch-style uniform).
    public init(shape: HeadShape, seeds: [UInt64], inputWidth: Int, classes: Int,
                gem: (spatial: Int, channels: Int, p: Float)? = nil) {
        precondition(!seeds.isEmpty, "StackedHeads: need at least one head")
        precondition(classes >= 2, "StackedHeads: need at least 2 classes")
        if let gem { precondition(gem.channels == inputWidth, "StackedHeads: GeM pools C channels into the input width") }
        heads = seeds.count
        self.inputWidth = inputWidth
        self.classes = classes
        self.shape = shape
        gemInput = gem.map { ($0.spatial, $0.channels) }
        var ls: [StackedLinear] = []
        var ns: [StackedLayerNorm] = []
        var width = inputWidth
        for (i, h) in shape.hidden.enumerated() {
            ls.append(StackedLinear(name: "fc\(i + 1)", heads: heads, inFeatures: width, outFeatures: h,
                                    sharedInput: i == 0 && gem == nil))
            if shape.layerNorm { ns.append(StackedLayerNorm(name: "ln\(i + 1)", heads: heads, features: h)) }
            width = h
        }
        ls.append(StackedLinear(name: "out", heads: heads, inFeatures: width, outFeatures: classes,
                                sharedInput: shape.hidden.isEmpty && gem == nil))
        linears = ls
        norms = ns
        if let gem {
            gemP = Parameter(name: "gem.p", heads: heads, perHead: 1, decays: false, fill: gem.p)
        } else {
            gemP = nil
        }
        var ps: [Parameter] = []
        for (i, l) in ls.enumerated() {
            ps += [l.weight, l.bias]
            if i < ns.count { ps += [ns[i].gamma, ns[i].beta] }
        }
        if let gemP { ps.append(gemP) }
        parameters = ps
        for k in 0..<heads {
            var rng = SplitMix64(seed: seeds[k])
            for l in ls { l.initialize(head: k, rng: &rng) }
        }
    }

    /// Width of the activation entering layer `l` for one head.
    func layerInputWidth(_ l: Int) -> Int { l == 0 ? inputWidth : shape.hidden[l - 1] }

    /// Zeroes the gradients of every parameter.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// One head's parameters keyed by checkpoint name (e.g. "fc1.weight", "out.bias").
    public func state(head k: Int) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.values(head: k)) })
    }

    /// Loads one head's parameters; every key must be present with the right size (programmer error otherwise).
    public func load(head k: Int, _ state: [String: [Float]]) {
        for p in parameters {
            guard let v = state[p.name] else { preconditionFailure("StackedHeads.load: missing \(p.name)") }
            p.setValues(head: k, v)
        }
        precondition(state.count == parameters.count,
                     "StackedHeads.load: unused keys \(Set(state.keys).subtracting(parameters.map(\.name)))")
    }

    /// Buffers for one batch size; the saved state of a forward pass lives here until backward.
    public final class Workspace {
        public let capacity: Int
        let pooled: FloatBuffer        // [B, K·C] GeM output
        let gemMean: FloatBuffer       // [B, K·C] GeM mean of powers
        let z: [FloatBuffer]           // per hidden layer [B, K·H]: linear output
        let normed: [FloatBuffer]      // per hidden layer [B, K·H]: after LayerNorm (pre-activation)
        let mean: [FloatBuffer]        // per hidden layer [B·K]
        let rstd: [FloatBuffer]        // per hidden layer [B·K]
        let mask: [FloatBuffer]        // per hidden layer [B, K·H]: dropout mask
        let out: [FloatBuffer]         // per hidden layer [B, K·H]: layer output
        public let logits: FloatBuffer // [B, K·classes]
        let gradA: FloatBuffer         // [B, K·maxWidth]
        let gradB: FloatBuffer         // [B, K·maxWidth]
        var dropoutRNG: [SplitMix64]

        init(model m: StackedHeads, capacity b: Int, dropoutSeeds: [UInt64]) {
            capacity = b
            let k = m.heads
            let c = m.gemInput?.channels ?? 0
            let hs = m.shape.hidden
            pooled = FloatBuffer(count: b * k * c)
            gemMean = FloatBuffer(count: b * k * c)
            z = hs.map { FloatBuffer(count: b * k * $0) }
            normed = m.shape.layerNorm ? hs.map { FloatBuffer(count: b * k * $0) } : []
            mean = hs.map { _ in FloatBuffer(count: b * k) }
            rstd = hs.map { _ in FloatBuffer(count: b * k) }
            mask = m.shape.dropout > 0 ? hs.map { FloatBuffer(count: b * k * $0) } : []
            out = hs.map { FloatBuffer(count: b * k * $0) }
            logits = FloatBuffer(count: b * k * m.classes)
            let widest = ([c, m.classes] + hs).max()!
            gradA = FloatBuffer(count: b * k * widest)
            gradB = FloatBuffer(count: b * k * widest)
            dropoutRNG = dropoutSeeds.map { SplitMix64(seed: $0) }
        }
    }

    /// A workspace for batches up to `capacity`; dropout of head k draws from `dropoutSeeds[k]`.
    public func makeWorkspace(capacity: Int, dropoutSeeds: [UInt64]? = nil) -> Workspace {
        Workspace(model: self, capacity: capacity,
                  dropoutSeeds: dropoutSeeds ?? (0..<heads).map { UInt64($0) &+ 0x5EED })
    }

    /// logits [B, K·classes] into `ws.logits`. x is [B, D] (or [B, S, C] with GeM).
    /// `train` enables dropout (mode is an argument, never global state).
    public func forward(x: UnsafePointer<Float>, batch: Int, train: Bool, ws: Workspace) {
        precondition(batch <= ws.capacity, "StackedHeads.forward: batch \(batch) exceeds workspace capacity \(ws.capacity)")
        let k = heads
        var input = x
        if let g = gemInput, let gemP {
            GeM.forward(x: x, batch: batch, spatial: g.spatial, channels: g.channels,
                        p: gemP.value, heads: k, y: ws.pooled.pointer, savedMean: ws.gemMean.pointer)
            input = UnsafePointer(ws.pooled.pointer)
        }
        for (l, h) in shape.hidden.enumerated() {
            let n = batch * k * h
            let zp = ws.z[l].pointer
            let op = ws.out[l].pointer
            linears[l].forward(x: input, batch: batch, y: zp)
            var pre = UnsafePointer(zp)
            if shape.layerNorm {
                let np = ws.normed[l].pointer
                let mp = ws.mean[l].pointer
                let rp = ws.rstd[l].pointer
                norms[l].forward(x: zp, batch: batch, y: np, mean: mp, rstd: rp)
                pre = UnsafePointer(np)
            }
            shape.activation.forward(z: pre, y: op, count: n)
            if train && shape.dropout > 0 {
                let mk = ws.mask[l].pointer
                Dropout.forward(x: op, batch: batch, heads: k, features: h, p: shape.dropout,
                                rngs: &ws.dropoutRNG, mask: mk, y: op)
            }
            input = UnsafePointer(op)
        }
        linears.last!.forward(x: input, batch: batch, y: ws.logits.pointer)
    }

    /// Accumulates every parameter's gradient from dlogits [B, K·classes] for the last `forward`
    /// (same x, batch and train flag). Gradients are not zeroed here.
    public func backward(dlogits: UnsafePointer<Float>, x: UnsafePointer<Float>, batch: Int, train: Bool,
                         ws: Workspace) {
        let k = heads
        let layers = linears.count
        var dcur = dlogits
        let ga = ws.gradA.pointer
        let gb = ws.gradB.pointer
        var dIn = ga, dOther = gb
        let pooledX = UnsafePointer(ws.pooled.pointer)
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let input: UnsafePointer<Float>
            if l > 0 {
                input = UnsafePointer(ws.out[l - 1].pointer)
            } else {
                input = gemInput != nil ? pooledX : x
            }
            let needDx = l > 0 || gemInput != nil
            linears[l].backward(dy: dcur, x: input, batch: batch, dx: needDx ? dIn : nil)
            if l == 0 { break }
            let hl = l - 1
            let n = batch * k * shape.hidden[hl]
            if train && shape.dropout > 0 {
                let mk = ws.mask[hl].pointer
                Dropout.backward(dy: dIn, mask: mk, dx: dIn, count: n)
            }
            let pre = (shape.layerNorm ? ws.normed[hl] : ws.z[hl]).pointer
            shape.activation.backward(dy: dIn, z: pre, dz: dIn, count: n)
            if shape.layerNorm {
                let zp = ws.z[hl].pointer
                let mp = ws.mean[hl].pointer
                let rp = ws.rstd[hl].pointer
                norms[hl].backward(dy: dIn, x: zp, batch: batch, mean: mp, rstd: rp, dx: dOther)
                swap(&dIn, &dOther)
            }
            dcur = UnsafePointer(dIn)
            swap(&dIn, &dOther)
        }
        if let g = gemInput, let gemP {
            // After the loop dIn holds d(pooled) [B, K·C] (written by layer 0's backward).
            let mean = ws.gemMean.pointer
            gemP.grad.withUnsafeMutableBufferPointer { dp in
                GeM.backward(dy: dIn, x: x, batch: batch, spatial: g.spatial, channels: g.channels,
                             p: gemP.value, heads: k, y: pooledX, savedMean: mean, dp: dp.baseAddress!, dx: nil)
            }
        }
    }
}
