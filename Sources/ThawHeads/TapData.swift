import Foundation
import ThawCore
import ThawStore

/// The splits a trained head is evaluated on.
public enum EvaluationSplit: String, Sendable { case validation, test }

/// One tap of a cache, split into train / validation / test for head training. Every split lives in
/// memory when the tap fits the budget; otherwise every split is read from LMDB as it is needed —
/// train one shuffled block at a time, validation and test in index order — and the mapped LMDB
/// pages are released after each block, so the resident set stays under the budget.
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
    /// Sample indices (ascending) and labels of validation and test (test empty when the cache has none).
    public let validationIndices: [Int], validationLabels: [Int32]
    public let testIndices: [Int], testLabels: [Int32]
    public let hasTest: Bool
    /// True when validation was carved out of train (the cache has no validation split).
    public let carvedValidation: Bool
    /// Most training rows a streamed block may hold (`Int.max` in memory); epoch plans use blocks no larger.
    public let maxBlockRows: Int
    /// Bytes of the budget left for streamed rows (the block being used plus the blocks read ahead; 0 in memory).
    public let streamBytes: Int
    /// Most blocks read ahead on a second thread while streaming (`TapLoadOptions.readAheadBlocks`).
    public let readAheadLimit: Int
    /// Things the user should know (carved split, streaming, missing test split).
    public private(set) var notes: [String] = []
    let reader: CacheReader
    let tapPosition: Int
    let trainSplit: Int
    let inMemory: [[Float]]?          // [views][rows · rowWidth], nil when streamed
    let validationRows: [Float]?      // [validation rows · rowWidth], nil when streamed
    let testRows: [Float]?            // [test rows · rowWidth], nil when streamed
    var streamBuffer: [Float] = []   // [maxBlockRows · rowWidth] at most, streamed only

    public var classNames: [String] { manifest.labelNames }
    public var classes: Int { manifest.labelNames.count }
    public var rowWidth: Int { tap.elementCount }
    public var isStreamed: Bool { inMemory == nil }
    /// Whether rows are maps [H, W, C] (horizontal flip applies to them).
    public var isMap: Bool { rowShape.count == 3 }

    /// Validation rows as a set (in memory only: check `isStreamed`, or use `withRows`).
    public var validation: FeatureSet {
        precondition(validationRows != nil, "TapData.validation: the tap is streamed; read it with withRows(.validation, …)")
        return try! FeatureSet(name: "\(path):\(tap.name):validation", features: validationRows!, labels: validationLabels,
                               rowShape: rowShape)
    }

    /// Test rows as a set (nil without a test split; in memory only).
    public var test: FeatureSet? {
        guard hasTest else { return nil }
        precondition(testRows != nil, "TapData.test: the tap is streamed; read it with withRows(.test, …)")
        return try! FeatureSet(name: "\(path):\(tap.name):test", features: testRows!, labels: testLabels, rowShape: rowShape)
    }

    /// Sample indices and labels of an evaluation split.
    public func split(_ s: EvaluationSplit) -> (indices: [Int], labels: [Int32]) {
        s == .validation ? (validationIndices, validationLabels) : (testIndices, testLabels)
    }

    init(path: String, manifest: Manifest, tap: TapSpec, rowShape: [Int], trainIndices: [Int],
                 trainLabels: [Int32], views: Int, validation: ([Int], [Int32], [Float]?), test: ([Int], [Int32], [Float]?)?,
                 carved: Bool, maxBlockRows: Int, streamBytes: Int, readAheadLimit: Int, reader: CacheReader,
                 tapPosition: Int, trainSplit: Int, inMemory: [[Float]]?, notes: [String]) {
        self.path = path; self.manifest = manifest; self.tap = tap; self.rowShape = rowShape
        self.trainIndices = trainIndices; self.trainLabels = trainLabels; self.views = views
        (validationIndices, validationLabels, validationRows) = validation
        (testIndices, testLabels, testRows) = test ?? ([], [], nil)
        hasTest = test != nil
        carvedValidation = carved; self.maxBlockRows = maxBlockRows; self.reader = reader
        self.streamBytes = streamBytes; self.readAheadLimit = readAheadLimit
        self.tapPosition = tapPosition; self.trainSplit = trainSplit; self.inMemory = inMemory; self.notes = notes
    }

    /// Records decoded per LMDB transaction while scanning (each holds every tap of a sample).
    static let scanChunk = 32

    /// Convert only this tap of each record read (false: every tap, as before; the same rows either way).
    /// A 70,000-record pool + blocks.11 f16 cache: the map's 21,952 elements per record were converted and dropped.
    nonisolated(unsafe) public static var decodesOnlyItsTap = true

    /// The tap position `CacheReader` converts for this tap's rows (nil: all).
    var decodedTap: Int? { Self.decodesOnlyItsTap ? tapPosition : nil }

    /// Mapped bytes of visited records between two page releases. Releasing costs a read of
    /// /proc/self/maps and an madvise whose TLB flush reaches every core: done every 32 records it put
    /// 9.8 s of system time into a streamed 64-head sweep over 100,000 pooled records (1.4 s in memory).
    static let releaseWindow = 8 << 20

    /// Records visited between two `releaseResidentPages` calls: `releaseWindow` of stored taps plus a
    /// page of slack each, at least one chunk.
    static func recordsPerRelease(taps: [TapSpec]) -> Int {
        max(scanChunk, releaseWindow / (taps.reduce(0) { $0 + $1.byteCount } + 4096))
    }

    /// What reading the cache holds besides the rows: one chunk of decoded samples (every tap as
    /// float32) and the mapped LMDB pages of the records visited since the last release (stored taps
    /// plus a page of slack each).
    public static func scanBytes(taps: [TapSpec]) -> Int {
        scanChunk * taps.reduce(0) { $0 + $1.elementCount * 4 }
            + recordsPerRelease(taps: taps) * (taps.reduce(0) { $0 + $1.byteCount } + 4096)
    }

    /// Reads tap `tapName` of the cache at `path`. Throws `HeadsError` for a missing tap, an incomplete
    /// cache, missing or empty splits, unlabeled samples, a single class, non-finite values and a
    /// budget too small for one streamed row.
    public static func load(path: String, tap tapName: String, options: TapLoadOptions = TapLoadOptions()) throws -> TapData {
        try load(reader: try CacheReader(path: path), tap: tapName, options: options)
    }

    /// `load(path:tap:options:)` on a cache already open (its manifest is not read again).
    public static func load(reader: CacheReader, tap tapName: String, options: TapLoadOptions = TapLoadOptions()) throws -> TapData {
        let path = reader.path
        let m = reader.manifest
        guard let t = m.taps.firstIndex(where: { $0.name == tapName }) else {
            throw HeadsError("\(path): no tap named \"\(tapName)\". Fix: pass --tap with one of: "
                             + m.taps.map { "\($0.name) (\($0.dtype.rawValue) \($0.shape) \($0.layout))" }.joined(separator: ", "))
        }
        let tap = m.taps[t]
        if !options.allowIncomplete, try !reader.isComplete() {
            throw HeadsError("\(path): the cache is not finished (\(try reader.recordCount()) of \(m.expectedRecordCount) records). "
                             + "Fix: finish it — re-run the same `thaw extract` (it resumes) or, for a merged cache, the same `thaw cache merge` — or pass --allow-incomplete to train on what is there")
        }
        let rowShape = try Self.rowShape(tap, path: path)
        guard let trainSplit = m.splitNames.firstIndex(of: "train") else {
            throw HeadsError("\(path): no split named \"train\" (splits: \(m.splitNames.joined(separator: ", "))). "
                             + "Fix: re-extract with a train split")
        }
        let valSplit = m.splitNames.firstIndex { ["val", "validation", "valid"].contains($0) }
        let testSplit = m.splitNames.firstIndex(of: "test")
        let classes = m.labelNames.count
        guard classes >= 2 else {
            throw HeadsError("\(path): the cache names \(classes) class(es) \(m.labelNames); a classifier needs at least 2. "
                             + "Fix: extract a data set with two or more labelled classes")
        }
        let width = tap.elementCount
        let rowBytes = width * 4
        let scanBytes = Self.scanBytes(taps: m.taps)
        let available = options.memoryBudget - options.fixedCost - options.reservedBytes - scanBytes
        let inMemory = m.expectedRecordCount * rowBytes <= available
        let maxBlockRows = inMemory ? Int.max : available / rowBytes
        guard maxBlockRows >= 1 else {
            throw HeadsError(String(format: "%@: --memory-budget %.1f MB leaves no room for one row of tap %@ (%.2f MB): the process "
                                  + "needs %.1f MB fixed + %.1f MB for the heads and batches + %.1f MB to read the cache. "
                                  + "Fix: raise --memory-budget to at least %.0f MB, or use a smaller batch or head",
                                  path, Double(options.memoryBudget) / 1_048_576, tap.name, Double(rowBytes) / 1_048_576,
                                  Double(options.fixedCost) / 1_048_576, Double(options.reservedBytes) / 1_048_576,
                                  Double(scanBytes) / 1_048_576,
                                  Double(options.fixedCost + options.reservedBytes + scanBytes + 64 * rowBytes) / 1_048_576))
        }
        var notes: [String] = []
        var trainIdx: [Int] = [], trainLab: [Int32] = []
        // Reserved, not filled: untouched capacity is not resident.
        var viewRows = [[Float]](repeating: [], count: inMemory ? m.views : 0)
        var valIdx: [Int] = [], valY: [Int32] = [], testIdx: [Int] = [], testY: [Int32] = []
        var valX: [Float] = [], testX: [Float] = []
        if inMemory {
            let rows = m.expectedRecordCount / max(m.views, 1) * width
            for v in viewRows.indices { viewRows[v].reserveCapacity(rows) }
            if valSplit != nil { valX.reserveCapacity(rows) }
            if testSplit != nil { testX.reserveCapacity(rows) }
        }
        var skippedPlaceholders = 0, scanned = 0
        let releaseEvery = recordsPerRelease(taps: m.taps)
        try reader.forEach(chunk: scanChunk, only: decodesOnlyItsTap ? t : nil) { s in
            scanned += 1
            // Mapped LMDB pages count as resident until released, in memory or not.
            if scanned % releaseEvery == 0 { reader.releaseResidentPages() }
            let split = s.split
            guard split == trainSplit || split == valSplit || split == testSplit else { return true }
            if s.key.view > 0 && split != trainSplit { return true }
            // Placeholders for files `thaw extract --on-error skip` could not read (docs/extract.md).
            if s.isSkippedPlaceholder { if s.key.view == 0 { skippedPlaceholders += 1 }; return true }
            guard s.label >= 0 && Int(s.label) < classes else {
                throw HeadsError("\(path): sample \(s.key.index) (\(s.id)) in split \(m.splitNames[split]) has label \(s.label), "
                                 + "outside 0..<\(classes). Fix: re-extract with labels for every train/val/test sample")
            }
            let x = s.taps[t]
            if let j = x.firstIndex(where: { !$0.isFinite }) {
                throw HeadsError("\(path): tap \(tap.name) of sample \(s.key.index) (\(s.id)), view \(s.key.view), holds \(x[j]) "
                                 + "at element \(j). Fix: run `thaw cache verify`, then re-extract that sample (fp16 overflow "
                                 + "shows up as inf: extract that tap as f32)")
            }
            if split == trainSplit {
                if s.key.view == 0 { trainIdx.append(s.key.index); trainLab.append(s.label) }
                if inMemory { viewRows[s.key.view] += x }
            } else if split == valSplit {
                valIdx.append(s.key.index); valY.append(s.label)
                if inMemory { valX += x }
            } else {
                testIdx.append(s.key.index); testY.append(s.label)
                if inMemory { testX += x }
            }
            return true
        }
        reader.releaseResidentPages()
        guard !trainIdx.isEmpty else {
            throw HeadsError("\(path): split \"train\" has no records. Fix: re-extract; `thaw cache info` shows records per split")
        }
        // An empty validation split is carved from train below; an empty test split is an error.
        if let ts = testSplit, testY.isEmpty {
            throw HeadsError("\(path): split \"\(m.splitNames[ts])\" (test) has no records. "
                             + "Fix: re-extract with samples in it, or drop the split from the extraction")
        }
        if skippedPlaceholders > 0 {
            notes.append("\(skippedPlaceholders) placeholder record(s) of unreadable files left out (see the extract run record)")
        }
        let present = Set(trainLab)
        guard present.count >= 2 else {
            throw HeadsError("\(path): every training sample has class \"\(m.labelNames[Int(trainLab[0])])\"; "
                             + "a classifier needs at least 2 classes in train. Fix: check the labels of the data source")
        }
        if inMemory {
            for (v, rows) in viewRows.enumerated() where rows.count != trainIdx.count * width {
                throw HeadsError("\(path): view \(v) is missing for \(trainIdx.count - rows.count / width) training samples. "
                                 + "Fix: finish the extraction, or extract with one view")
            }
        }
        var carved = false
        if (valSplit == nil || valY.isEmpty) && options.carveValidation {
            let rows = StratifiedSplitter(style: .carve, seed: options.seed)
                .validationRows(labels: trainLab, classes: classes, fraction: options.validationFraction)
            guard !rows.isEmpty else {
                throw HeadsError("\(path): no validation split and too few training samples to carve one. Fix: extract a val split")
            }
            // Validation in ascending index order (streamed and in-memory evaluation visit the same order).
            let valPositions = rows.sorted()
            valIdx = valPositions.map { trainIdx[$0] }
            valY = valPositions.map { trainLab[$0] }
            let isVal = Set(rows)
            if inMemory {
                valX = []
                valX.reserveCapacity(valPositions.count * width)
                for p in valPositions { valX += viewRows[0][(p * width)..<((p + 1) * width)] }
                // Compact the kept rows in place (no second copy of train).
                for v in viewRows.indices {
                    var out = 0
                    viewRows[v].withUnsafeMutableBufferPointer { rows in
                        let base = rows.baseAddress!
                        for p in trainIdx.indices where !isVal.contains(p) {
                            // Row p moves down to row out < p: two distinct rows, no overlap.
                            if out != p { (base + out * width).update(from: base + p * width, count: width) }
                            out += 1
                        }
                    }
                    viewRows[v].removeLast(viewRows[v].count - out * width)
                }
            }
            let keep = trainIdx.indices.filter { !isVal.contains($0) }
            trainIdx = keep.map { trainIdx[$0] }
            trainLab = keep.map { trainLab[$0] }
            carved = true
            notes.append("no validation split in the cache: carved a stratified \(Int(options.validationFraction * 100))% "
                         + "of train (\(valY.count) samples, seed \(options.seed))")
        }
        if testSplit == nil { notes.append("no test split in the cache: test metrics are left out") }
        if !inMemory {
            notes.append(String(format: "tap needs %.1f MB > memory budget %.1f MB (%.1f MB fixed, %.1f MB heads): streaming "
                                + "every split from LMDB, training blocks of at most %d rows",
                                Double(m.expectedRecordCount * rowBytes) / 1_048_576, Double(options.memoryBudget) / 1_048_576,
                                Double(options.fixedCost) / 1_048_576, Double(options.reservedBytes) / 1_048_576, maxBlockRows))
        }
        return TapData(path: path, manifest: m, tap: tap, rowShape: rowShape, trainIndices: trainIdx, trainLabels: trainLab,
                       views: m.views, validation: (valIdx, valY, inMemory ? valX : nil),
                       test: testSplit == nil ? nil : (testIdx, testY, inMemory ? testX : nil), carved: carved,
                       maxBlockRows: maxBlockRows, streamBytes: inMemory ? 0 : available,
                       readAheadLimit: options.readAheadBlocks, reader: reader, tapPosition: t, trainSplit: trainSplit,
                       inMemory: inMemory ? viewRows : nil, notes: notes)
    }

    /// Row shape the heads read for a tap; only vectors and channels-last maps qualify.
    static func rowShape(_ tap: TapSpec, path: String) throws -> [Int] {
        switch (tap.shape.count, tap.layout) {
        case (1, _): return tap.shape
        case (3, "HWC"): return tap.shape
        case (2, "TC"): return [tap.shape[0], 1, tap.shape[1]]
        default:
            throw HeadsError("\(path): tap \(tap.name) has layout \(tap.layout) \(tap.shape); heads read vectors (C), "
                             + "channels-last maps (HWC) or tokens (TC). Fix: pick another tap")
        }
    }
}
