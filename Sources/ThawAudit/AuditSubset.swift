import ThawInputs

/// The samples of a few whole forward blocks of a cache, listed again from the cache's source.
/// Subset index i is `originals[i]`; reads go to the source with the original sample, so sources
/// that locate a sample by its index (IDX rows, table rows) read the right one.
struct AuditImageSubset: ImageSource {
    let base: any ImageSource
    let originals: [Sample]
    let samples: [Sample]
    var labelNames: [String] { base.labelNames }

    init(base: any ImageSource, originals: [Sample]) {
        self.base = base
        self.originals = originals
        samples = Sample.reindexed(originals)
    }

    func fingerprint() throws -> String { "audit-subset" }
    func loadImage(_ sample: Sample, decoder: ImageDecoder) throws -> RGBImage {
        try base.loadImage(originals[sample.index], decoder: decoder)
    }
}

/// `AuditImageSubset` for text sources.
struct AuditTextSubset: TextSource {
    let base: any TextSource
    let originals: [Sample]
    let samples: [Sample]
    var labelNames: [String] { base.labelNames }

    init(base: any TextSource, originals: [Sample]) {
        self.base = base
        self.originals = originals
        samples = Sample.reindexed(originals)
    }

    func fingerprint() throws -> String { "audit-subset" }
    func loadText(_ sample: Sample) throws -> String { try base.loadText(originals[sample.index]) }
}

extension Sample {
    /// `originals` numbered 0, 1, … in order (ids, labels and splits kept): the subset's own indices.
    static func reindexed(_ originals: [Sample]) -> [Sample] {
        originals.enumerated().map { Sample(index: $0, id: $1.id, label: $1.label, split: $1.split) }
    }
}
