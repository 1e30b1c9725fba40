import ThawCore

extension TapData {
    /// One fold of K-fold cross-validation: train = every training row but `heldOut`, validation =
    /// the `heldOut` rows (positions into `trainIndices`, ascending; view 0), no test split. In memory
    /// the rows are copied (all views of train, compacted: about one more copy of the training split,
    /// which the caller must reserve in the memory budget); streamed, both read from LMDB as before.
    public func fold(heldOut: [Int]) -> TapData {
        precondition(zip(heldOut, heldOut.dropFirst()).allSatisfy { $0 < $1 } && heldOut.allSatisfy(trainIndices.indices.contains),
                     "TapData.fold: held-out positions must be ascending training positions")
        let width = rowWidth
        let out = Set(heldOut)
        let keep = trainIndices.indices.filter { !out.contains($0) }
        var validationRows: [Float]? = nil
        var trainRows: [[Float]]? = nil
        if let mem = inMemory {
            var v = [Float]()
            v.reserveCapacity(heldOut.count * width)
            for p in heldOut { v += mem[0][(p * width)..<((p + 1) * width)] }
            validationRows = v
            trainRows = mem.map { rows in
                var t = [Float]()
                t.reserveCapacity(keep.count * width)
                for p in keep { t += rows[(p * width)..<((p + 1) * width)] }
                return t
            }
        }
        return TapData(path: path, manifest: manifest, tap: tap, rowShape: rowShape,
                       trainIndices: keep.map { trainIndices[$0] }, trainLabels: keep.map { trainLabels[$0] }, views: views,
                       validation: (heldOut.map { trainIndices[$0] }, heldOut.map { trainLabels[$0] }, validationRows),
                       test: nil, carved: false, maxBlockRows: maxBlockRows, streamBytes: streamBytes,
                       readAheadLimit: readAheadLimit, reader: reader, tapPosition: tapPosition,
                       trainSplit: trainSplit, inMemory: trainRows, notes: [])
    }
}
