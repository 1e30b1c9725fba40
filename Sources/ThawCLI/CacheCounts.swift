import ThawStore

/// Samples, not records: a cache with V views per sample holds V records for each (`--views K` gives V = K + 1).
extension CacheInfo {
    /// "train 20, val 0, test 20": samples per split (records per split ÷ views; a split whose records do not
    /// divide, as in an unfinished cache, shows its records).
    var samplesPerSplit: String {
        let v = manifest.views
        return manifest.splitNames.map { name in
            let records = recordsPerSplit[name] ?? 0
            return records % v == 0 ? "\(name) \(records / v)" : "\(name) \(records) records"
        }.joined(separator: ", ")
    }

    /// "3 per sample (…) → 18 records".
    var viewsLine: String {
        let v = manifest.views
        let what = v == 1 ? "no augmented views"
            : "the centre crop + \(v - 1) augmented view\(v == 2 ? "" : "s") of each training image; val and test repeat the centre crop"
        return "\(v) per sample (\(what)) → \(records) records"
    }
}
