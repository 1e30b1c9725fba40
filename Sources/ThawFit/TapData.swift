import Foundation
import ThawHeads
import ThawStore

/// How `TapData.load` reads a cache.
public struct TapLoadOptions: Sendable {
    /// Bytes the float32 features of the whole tap (all splits and views) may take in memory;
    /// above it the training split is streamed from LMDB block by block each epoch.
    public var memoryBudget: Int
    /// Read a cache whose writer has not finished (`complete` flag false).
    public var allowIncomplete: Bool
    /// Fraction of each class carved out of train when the cache has no validation split.
    public var validationFraction: Double
    /// Seeds the carved validation split.
    public var seed: UInt64

    public init(memoryBudget: Int = TapLoadOptions.defaultMemoryBudget, allowIncomplete: Bool = false,
                validationFraction: Double = 0.1, seed: UInt64 = 0) {
        precondition(memoryBudget >= 0, "TapLoadOptions: memory budget must be ≥ 0")
        self.memoryBudget = memoryBudget
        self.allowIncomplete = allowIncomplete
        self.validationFraction = validationFraction
        self.seed = seed
    }

    /// A quarter of physical RAM.
    public static var defaultMemoryBudget: Int { Int(ProcessInfo.processInfo.physicalMemory / 4) }
}

/// One tap of a cache, split into train / validation / test for head training. Validation and
/// test live in memory; train lives in memory when the tap fits the budget, else it is streamed.
public final class TapData {
    public let path: String
    public let manifest: Manifest
    public let tap: TapSpec
    /// Shape of one row as the heads see it: [D] or channels-last [H, W, C] (tokens [T, C] → [T, 1, C]).
    public let rowShape: [Int]
    /// Sample indices of the training rows, ascending.
    public let trainIndices: [Int]
    public let trainLabels: [Int32]   // [rows]
    /// Views per training sample (epoch e trains on view e mod views).
    public let views: Int
    public let validation: FeatureSet
    public let test: FeatureSet?
    /// True when validation was carved out of train (the cache has no validation split).
    public let carvedValidation: Bool
    /// Things the user should know (carved split, streaming, missing test split).
    public private(set) var notes: [String] = []
    let reader: CacheReader
    let tapPosition: Int
    let trainSplit: Int
    let inMemory: [[Float]]?          // [views][rows · rowWidth], nil when streamed
    private var streamBuffer: [Float] = []

    public var classNames: [String] { manifest.labelNames }
    public var classes: Int { manifest.labelNames.count }
    public var rowWidth: Int { tap.elementCount }
    public var isStreamed: Bool { inMemory == nil }
    /// Whether rows are maps [H, W, C] (horizontal flip applies to them).
    public var isMap: Bool { rowShape.count == 3 }

    private init(path: String, manifest: Manifest, tap: TapSpec, rowShape: [Int], trainIndices: [Int],
                 trainLabels: [Int32], views: Int, validation: FeatureSet, test: FeatureSet?, carved: Bool,
                 reader: CacheReader, tapPosition: Int, trainSplit: Int, inMemory: [[Float]]?, notes: [String]) {
        self.path = path; self.manifest = manifest; self.tap = tap; self.rowShape = rowShape
        self.trainIndices = trainIndices; self.trainLabels = trainLabels; self.views = views
        self.validation = validation; self.test = test; carvedValidation = carved; self.reader = reader
        self.tapPosition = tapPosition; self.trainSplit = trainSplit; self.inMemory = inMemory; self.notes = notes
    }

    /// Reads tap `tapName` of the cache at `path`. Throws `FitError` for a missing tap, an incomplete
    /// cache, missing or empty splits, unlabeled samples, a single class and non-finite values.
    public static func load(path: String, tap tapName: String, options: TapLoadOptions = TapLoadOptions()) throws -> TapData {
        let reader = try CacheReader(path: path)
        let m = reader.manifest
        guard let t = m.taps.firstIndex(where: { $0.name == tapName }) else {
            throw FitError("\(path): no tap named \"\(tapName)\". Fix: pass --tap with one of: "
                           + m.taps.map { "\($0.name) (\($0.dtype.rawValue) \($0.shape) \($0.layout))" }.joined(separator: ", "))
        }
        let tap = m.taps[t]
        if !options.allowIncomplete, try !reader.isComplete() {
            throw FitError("\(path): the cache is still being written (\(try reader.recordCount()) of \(m.expectedRecordCount) records). "
                           + "Fix: wait for the extractor to finish, or pass --allow-incomplete to train on what is there")
        }
        let rowShape = try Self.rowShape(tap, path: path)
        guard let trainSplit = m.splitNames.firstIndex(of: "train") else {
            throw FitError("\(path): no split named \"train\" (splits: \(m.splitNames.joined(separator: ", "))). "
                           + "Fix: re-extract with a train split")
        }
        let valSplit = m.splitNames.firstIndex { ["val", "validation", "valid"].contains($0) }
        let testSplit = m.splitNames.firstIndex(of: "test")
        let classes = m.labelNames.count
        guard classes >= 2 else {
            throw FitError("\(path): the cache names \(classes) class(es) \(m.labelNames); a classifier needs at least 2. "
                           + "Fix: extract a data set with two or more labelled classes")
        }
        let width = tap.elementCount
        let inMemory = m.expectedRecordCount * width * 4 <= options.memoryBudget
        var notes: [String] = []
        var trainIdx: [Int] = [], trainLab: [Int32] = []
        var viewRows = [[Float]](repeating: [], count: inMemory ? m.views : 0)
        var valX: [Float] = [], valY: [Int32] = [], testX: [Float] = [], testY: [Int32] = []
        var skippedPlaceholders = 0
        try reader.forEach { s in
            let split = s.split
            guard split == trainSplit || split == valSplit || split == testSplit else { return true }
            if s.key.view > 0 && split != trainSplit { return true }
            // Placeholders for files `thaw extract --on-error skip` could not read (docs/extract.md).
            if s.id.hasPrefix("!skipped:") { if s.key.view == 0 { skippedPlaceholders += 1 }; return true }
            guard s.label >= 0 && Int(s.label) < classes else {
                throw FitError("\(path): sample \(s.key.index) (\(s.id)) in split \(m.splitNames[split]) has label \(s.label), "
                               + "outside 0..<\(classes). Fix: re-extract with labels for every train/val/test sample")
            }
            let x = s.taps[t]
            if let j = x.firstIndex(where: { !$0.isFinite }) {
                throw FitError("\(path): tap \(tap.name) of sample \(s.key.index) (\(s.id)), view \(s.key.view), holds \(x[j]) "
                               + "at element \(j). Fix: run `thaw cache verify`, then re-extract that sample (fp16 overflow "
                               + "shows up as inf: extract that tap as f32)")
            }
            if split == trainSplit {
                if s.key.view == 0 { trainIdx.append(s.key.index); trainLab.append(s.label) }
                if inMemory { viewRows[s.key.view] += x }
            } else if split == valSplit {
                valX += x; valY.append(s.label)
            } else {
                testX += x; testY.append(s.label)
            }
            return true
        }
        guard !trainIdx.isEmpty else {
            throw FitError("\(path): split \"train\" has no records. Fix: re-extract; `thaw cache info` shows records per split")
        }
        // An empty validation split is carved from train below; an empty test split is an error.
        for (name, split, count) in [("test", testSplit, testY.count)] where split != nil && count == 0 {
            throw FitError("\(path): split \"\(m.splitNames[split!])\" (\(name)) has no records. "
                           + "Fix: re-extract with samples in it, or drop the split from the extraction")
        }
        if skippedPlaceholders > 0 {
            notes.append("\(skippedPlaceholders) placeholder record(s) of unreadable files left out (see the extract run record)")
        }
        let present = Set(trainLab)
        guard present.count >= 2 else {
            throw FitError("\(path): every training sample has class \"\(m.labelNames[Int(trainLab[0])])\"; "
                           + "a classifier needs at least 2 classes in train. Fix: check the labels of the data source")
        }
        if inMemory {
            for (v, rows) in viewRows.enumerated() where rows.count != trainIdx.count * width {
                throw FitError("\(path): view \(v) is missing for \(trainIdx.count - rows.count / width) training samples. "
                               + "Fix: finish the extraction, or extract with one view")
            }
        }
        var carved = false
        if valSplit == nil || valY.isEmpty {
            let rows = StratifiedCarve.validationRows(labels: trainLab, classes: classes,
                                                      fraction: options.validationFraction, seed: options.seed)
            guard !rows.isEmpty else {
                throw FitError("\(path): no validation split and too few training samples to carve one. Fix: extract a val split")
            }
            let isVal = Set(rows)
            for p in rows {
                if inMemory {
                    valX += viewRows[0][(p * width)..<((p + 1) * width)]
                } else {
                    guard let s = try reader.sample(at: trainIdx[p]) else {
                        throw FitError("\(path): sample \(trainIdx[p]) vanished while reading. Fix: retry")
                    }
                    valX += s.taps[t]
                }
                valY.append(trainLab[p])
            }
            let keep = trainIdx.indices.filter { !isVal.contains($0) }
            if inMemory {
                viewRows = viewRows.map { rows in
                    var out = [Float](); out.reserveCapacity(keep.count * width)
                    for p in keep { out += rows[(p * width)..<((p + 1) * width)] }
                    return out
                }
            }
            trainIdx = keep.map { trainIdx[$0] }
            trainLab = keep.map { trainLab[$0] }
            carved = true
            notes.append("no validation split in the cache: carved a stratified \(Int(options.validationFraction * 100))% "
                         + "of train (\(valY.count) samples, seed \(options.seed))")
        }
        if testSplit == nil { notes.append("no test split in the cache: test metrics are left out") }
        if !inMemory {
            notes.append(String(format: "tap needs %.1f MB > memory budget %.1f MB: streaming train from LMDB each epoch",
                                Double(m.expectedRecordCount * width * 4) / 1e6, Double(options.memoryBudget) / 1e6))
        }
        let validation = try FeatureSet(name: "\(path):\(tap.name):validation", features: valX, labels: valY, rowShape: rowShape)
        let test = testSplit == nil ? nil
            : try FeatureSet(name: "\(path):\(tap.name):test", features: testX, labels: testY, rowShape: rowShape)
        return TapData(path: path, manifest: m, tap: tap, rowShape: rowShape, trainIndices: trainIdx, trainLabels: trainLab,
                       views: m.views, validation: validation, test: test, carved: carved, reader: reader, tapPosition: t,
                       trainSplit: trainSplit, inMemory: inMemory ? viewRows : nil, notes: notes)
    }

    /// Row shape the heads read for a tap; only vectors and channels-last maps qualify.
    static func rowShape(_ tap: TapSpec, path: String) throws -> [Int] {
        switch (tap.shape.count, tap.layout) {
        case (1, _): return tap.shape
        case (3, "HWC"): return tap.shape
        case (2, "TC"): return [tap.shape[0], 1, tap.shape[1]]
        default:
            throw FitError("\(path): tap \(tap.name) has layout \(tap.layout) \(tap.shape); heads read vectors (C), "
                           + "channels-last maps (HWC) or tokens (TC). Fix: pick another tap")
        }
    }

    /// The view training epoch `epoch` reads.
    public func view(forEpoch epoch: Int) -> Int { epoch % views }

    /// Calls `body` with the rows [block.positions.count, rowWidth] of `block` (in position order) for `view`:
    /// a slice of memory, or the block freshly read from LMDB. The pointer is valid only inside `body`.
    public func withTrainingRows(_ block: EpochPlan.Block, view: Int,
                                 _ body: (UnsafePointer<Float>) throws -> Void) throws {
        let width = rowWidth
        if let mem = inMemory {
            try mem[view].withUnsafeBufferPointer { try body($0.baseAddress! + block.positions.lowerBound * width) }
            return
        }
        let need = block.positions.count * width
        if streamBuffer.count < need { streamBuffer = [Float](repeating: 0, count: need) }
        var filled = 0
        for s in try reader.samples(in: block.indices) where s.key.view == view && s.split == trainSplit {
            let p = EpochPlan.lowerBound(trainIndices, s.key.index)
            guard p < trainIndices.count, trainIndices[p] == s.key.index else { continue }   // carved into validation
            let x = s.taps[tapPosition]
            if let j = x.firstIndex(where: { !$0.isFinite }) {
                throw FitError("\(path): tap \(tap.name) of sample \(s.key.index) (\(s.id)) holds \(x[j]) at element \(j). "
                               + "Fix: run `thaw cache verify` and re-extract it")
            }
            let o = (p - block.positions.lowerBound) * width
            streamBuffer.replaceSubrange(o..<(o + width), with: x)
            filled += 1
        }
        guard filled == block.positions.count else {
            throw FitError("\(path): block \(block.indices) holds \(filled) of \(block.positions.count) training records "
                           + "for view \(view); the cache changed while training. Fix: retrain on a finished cache")
        }
        try streamBuffer.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// The whole training split as one in-memory set, every view appended as extra rows (for sweeps).
    public func trainingSet() throws -> FeatureSet {
        guard let mem = inMemory else {
            throw FitError("\(path): tap \(tap.name) is over the memory budget; sweeps train from memory. "
                           + "Fix: raise --memory-budget (needs \(manifest.expectedRecordCount * rowWidth * 4 / 1_000_000) MB) "
                           + "or sweep a pooled tap")
        }
        var labels: [Int32] = []
        for _ in 0..<views { labels += trainLabels }
        return try FeatureSet(name: "\(path):\(tap.name):train", features: Array(mem.joined()), labels: labels, rowShape: rowShape)
    }
}
