import ThawCore
import ThawStore

extension FineTuneOptions {
    /// Refuses `weights` unless they are the file the cache was extracted with (its SHA-256 is in the
    /// manifest): cached maps from other weights would train the unfrozen blocks silently wrong.
    /// Hashes the file only when `verifyWeights` is set; a manifest without a hash accepts any file.
    func checkWeights(match manifest: Manifest) throws {
        let sha = verifyWeights ? try SHA256.hex(ofFile: weights) : manifest.weightsSHA256
        guard manifest.weightsSHA256.isEmpty || manifest.weightsSHA256 == sha else {
            throw FineTuneError("\(weights): SHA-256 \(sha.prefix(16))… differs from the weights the cache was extracted with "
                                + "(\(manifest.weightsSHA256.prefix(16))…). Fix: pass --weights with that file")
        }
    }
}
