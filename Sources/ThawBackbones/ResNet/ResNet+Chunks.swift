import ThawKernels

extension ResNet {
    /// Runs `forwardWhole` over chunks of images whose largest activation map holds at most `chunkFloats` floats
    /// (balanced: 32 images at 224×224 → 2 × 16) and joins each tap's outputs in image order. A batch of 32 at
    /// 224×224 then never holds a whole-batch map: the largest, 112×112×64 after conv1 and 56×56×256 in layer1,
    /// are 103 MB each at batch 32 against 51 MB per chunk of 16, in both ping-pong buffers and the workspace
    /// (downsample output, stem output). Rows per GEMM stay ≥ 16·49 = 784 in layer4, so chunks of 16 ran as fast
    /// per image as the whole batch (benchmarks/backbones/README.md); smaller images take more per chunk, so
    /// their deep GEMMs keep their rows. Inputs after `pool` ([N, C]) and batches within the budget run whole.
    public func forward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
        let x = input.tensor
        if Self.teamAtBatchOne && x.rank == 4 && x.shape[0] == 1 {
            return try WorkerTeam.during(whenIdle: Self.teamOnlyWhenIdle) { try forwardWhole(input, from: from, taps: taps) }
        }
        guard chunkFloats > 0, x.rank == 4, x.shape[0] > 1 else { return try forwardWhole(input, from: from, taps: taps) }
        let (start, _, deepest) = try forwardRange(from: from, taps: taps)
        guard let last = deepest else { return [:] }
        try checkInput(x, start: start, from: from)    // the error names the caller's shape, not a chunk's
        let n = x.shape[0]
        let limit = max(1, chunkFloats / largestMapFloats(perImage: x.shape, from: start, through: last))
        guard n > limit else { return try forwardWhole(input, from: from, taps: taps) }
        let chunks = (n + limit - 1) / limit
        let per = (n + chunks - 1) / chunks            // images per chunk
        let floatsPerImage = x.count / n
        var joined: [String: (perImage: [Int], data: [Float])] = [:]
        var i0 = 0
        while i0 < n {
            let i1 = min(n, i0 + per)
            let slice = Tensor(shape: [i1 - i0] + x.shape.dropFirst(), data: Array(x.data[(i0 * floatsPerImage)..<(i1 * floatsPerImage)]))
            for (tap, a) in try forwardWhole(Activations(tensor: slice), from: from, taps: taps) {
                if joined[tap] == nil {
                    var data: [Float] = []
                    data.reserveCapacity(n * a.tensor.count / (i1 - i0))
                    joined[tap] = (Array(a.tensor.shape.dropFirst()), data)
                }
                joined[tap]!.data.append(contentsOf: a.tensor.data)
            }
            i0 = i1
        }
        return joined.mapValues { Activations(tensor: Tensor(shape: [n] + $0.perImage, data: $0.data)) }
    }

    /// A batch-1 forward runs its ≈ 80 parallel regions (each convolution's tiles, Winograd's transforms and products,
    /// the padded copies) on `WorkerTeam`'s helpers, awake between regions and parked when it returns
    /// (`WorkerTeam.during`), instead of a `concurrentPerform` that wakes a pool thread per region. The same floats.
    /// On: 0.982–0.985× the wall (1–1.4% more CPU) on an idle machine, parity under load thanks to `teamOnlyWhenIdle`
    /// (without it 2–13% slower there; benchmarks/backbones/README.md). Set before forwards start.
    nonisolated(unsafe) public static var teamAtBatchOne = true
    /// `teamAtBatchOne` only for forwards that start on an idle machine (`WorkerTeam.during(whenIdle:)`); false: always.
    nonisolated(unsafe) public static var teamOnlyWhenIdle = true

    /// Floats of the largest map one image makes between cut `start` and cut `last` (input [N, H, W, C]):
    /// the input, every cut's output and, from the raw input, conv1's output before the max-pool.
    func largestMapFloats(perImage shape: [Int], from start: Int, through last: Int) -> Int {
        var largest = shape.dropFirst().reduce(1, *)
        for s in shapes(from: start, input: [1] + shape.dropFirst(), through: last).values {
            largest = max(largest, s.reduce(1, *))
        }
        if start < 0 {
            let g = stem.shape.geometry(height: shape[1], width: shape[2])
            largest = max(largest, g.outHeight * g.outWidth * stem.shape.outChannels)
        }
        return largest
    }
}
