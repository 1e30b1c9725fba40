import ThawKernels

extension ResNet {
    /// Runs `forwardWhole` over chunks of at most `chunkImages` images (balanced: 32 images → 4 × 8) and
    /// joins each tap's outputs in image order. A batch of 32 at 224×224 then never holds a whole-batch map:
    /// the largest, 112×112×64 after conv1 and 56×56×256 in layer1, are 103 MB each at batch 32 against 26 MB
    /// per chunk of 8, in both ping-pong buffers and the workspace (downsample output, stem output). Rows per
    /// GEMM stay ≥ 8·49 = 392 in layer4, so chunks of 8 ran as fast per image as the whole batch
    /// (benchmarks/backbones/README.md). Inputs after `pool` ([N, C]) and batches ≤ `chunkImages` run whole.
    public func forward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
        let x = input.tensor
        let n = x.shape.first ?? 0
        guard chunkImages > 0, n > chunkImages, x.rank == 4 else { return try forwardWhole(input, from: from, taps: taps) }
        let (start, _, deepest) = try forwardRange(from: from, taps: taps)
        guard deepest != nil else { return [:] }
        try checkInput(x, start: start, from: from)    // the error names the caller's shape, not a chunk's
        let chunks = (n + chunkImages - 1) / chunkImages
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
}
