import ThawKernels

/// Times the ops of one pre-norm ViT block one at a time at a model's shapes (seeded random weights and
/// tokens; the kernels do not depend on the values): LayerNorm, on AVX-512 CPUs the four linear layers packed
/// on the panel kernel (`PanelLinear`) and the panel attention core (by units of rows and by pairs), then the
/// linear layers through OpenBLAS (`Linear.forward`: last, since its threads spin after each call and would
/// take a core from what follows), the OpenBLAS attention core by stage, GELU. Median and fastest of `repeats`
/// runs after a warm-up each, and CPU time per run (all threads); flops = 2 · multiply-adds.
/// ViT-S/14 at 224: tokens 257, width 384, heads 6, mlp 1,536. Benchmarks only; allocates.
/// `attention: false` leaves the attention core out (for token counts whose scores would not fit: MiniLM's
/// 32 × 128 rows through the linear layers as one block of 4,096).
public func profileViTBlock(tokens t: Int, width c: Int, heads h: Int, mlp: Int, repeats: Int = 5,
                            attention: Bool = true) -> [BertStageTiming] {
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    func random(_ n: Int) -> [Float] {
        (0..<n).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: seed >> 11) % 2001 - 1000) / 20_000
        }
    }
    func layer(_ out: Int, _ inF: Int) -> LinearParameters {
        LinearParameters(weight: random(out * inF), bias: random(out), inFeatures: inF, outFeatures: out)
    }
    let qkv = layer(3 * c, c), proj = layer(c, c), fc1 = layer(mlp, c), fc2 = layer(c, mlp)
    let gamma = random(c).map { 1 + $0 }, beta = random(c)
    var x = random(t * c), n = [Float](repeating: 0, count: t * c), q = [Float](repeating: 0, count: t * 3 * c)
    var probs = [Float](repeating: 0, count: attention ? h * t * t : 1), ctx = [Float](repeating: 0, count: t * c)
    var f = [Float](repeating: 0, count: t * mlp)
    let mask = [Int32](repeating: 1, count: t)
    var out: [BertStageTiming] = []
    func timed(_ name: String, flops: Double = 0, _ body: () -> Void) {
        let c0 = processCPUSeconds()
        let runs = timedRuns(repeats: repeats, body)
        let cpu = (processCPUSeconds() - c0) / Double(repeats + 1)      // the warm-up run included
        out.append(BertStageTiming(name: name, seconds: runs.median, flops: flops, cpuSeconds: cpu, fastestSeconds: runs.fastest))
    }
    let shapes: [(String, LinearParameters, Double)] = [
        ("qkv [\(t)×\(c)]·[\(c)×\(3 * c)]", qkv, 2.0 * Double(t * c * 3 * c)),
        ("proj [\(t)×\(c)]·[\(c)×\(c)]", proj, 2.0 * Double(t * c * c)),
        ("fc1 [\(t)×\(c)]·[\(c)×\(mlp)]", fc1, 2.0 * Double(t * c * mlp)),
        ("fc2 [\(t)×\(mlp)]·[\(mlp)×\(c)]", fc2, 2.0 * Double(t * mlp * c)),
    ]
    x.withUnsafeMutableBufferPointer { xb in
    n.withUnsafeMutableBufferPointer { nb in
    q.withUnsafeMutableBufferPointer { qb in
    probs.withUnsafeMutableBufferPointer { pb in
    ctx.withUnsafeMutableBufferPointer { cb in
    f.withUnsafeMutableBufferPointer { fb in
        let xp = xb.baseAddress!, np = nb.baseAddress!, qp = qb.baseAddress!, fp = fb.baseAddress!
        timed("layernorm") { LayerNorm.forward(x: xp, rows: t, channels: c, gamma: gamma, beta: beta, eps: 1e-6, y: np) }
        for (name, p, flops) in shapes {
            let a = p.inFeatures == c ? UnsafePointer(np) : UnsafePointer(fp), y = p.outFeatures == mlp ? fp : qp
            if let packed = PanelLinear.packing(p) {
                timed("panels   " + name, flops: flops) { packed.forward(x: a, rows: t, y: y) }
            }
        }
        if let packed = PanelLinear.packing(fc1) {
            timed("panels   fc1 + gelu", flops: 2.0 * Double(t * c * mlp)) { packed.forward(x: np, rows: t, y: fp, activation: .gelu) }
        }
        let core = 2.0 * Double(h * t * t * (c / h))
        if attention && PanelAttentionCore.runs(headWidth: c / h) {
            // Units of query rows taken one by one (the default at batch 1), then the pairs split statically.
            let unitRows = PanelAttentionCore.rowsPerUnit
            for (label, rows) in [("attention all, panels", unitRows), ("attention all, panels by pairs", 0)] {
                PanelAttentionCore.rowsPerUnit = rows
                timed(label, flops: 2 * core) {
                    PanelAttentionCore.run(q: qp, k: qp + c, v: qp + 2 * c, ld: 3 * c, mask: mask, batch: 1, length: t, heads: h,
                                           context: cb.baseAddress!, channels: c)
                }
            }
            PanelAttentionCore.rowsPerUnit = unitRows
        }
        // OpenBLAS after every panel GEMM: its idle threads spin for a while after each threaded sgemm, taking a
        // core from whatever runs next (and adding to the CPU time measured there).
        for (name, p, flops) in shapes {
            let a = p.inFeatures == c ? UnsafePointer(np) : UnsafePointer(fp), y = p.outFeatures == mlp ? fp : qp
            timed("openblas " + name, flops: flops) { Linear.forward(p, x: a, rows: t, y: y) }
        }
        for (name, stage) in !attention ? [] : [("attention QKᵀ", AttentionStages.scores), ("attention softmax", .softmax), ("attention P·V", .values),
                              ("attention all", .all)] {
            timed(name, flops: stage == .softmax ? 0 : stage == .all ? 2 * core : core) {
                SelfAttention.core(q: qp, k: qp + c, v: qp + 2 * c, ld: 3 * c, mask: mask, batch: 1, length: t, heads: h,
                                   probs: pb.baseAddress!, context: cb.baseAddress!, channels: c, stages: stage)
            }
        }
        let g = [Float](UnsafeBufferPointer(start: fp, count: t * mlp))
        timed("gelu [\(t)×\(mlp)]") { g.withUnsafeBufferPointer { GELU.forward(x: $0.baseAddress!, count: t * mlp, y: fp) } }
    }}}}}}
    return out
}
