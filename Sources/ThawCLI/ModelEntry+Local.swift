import ArgumentParser
import ThawAssets
import ThawBackbones
import ThawInputs
import ThawWeights

/// What `thaw extract` and `thaw classify` resolve from a catalog entry on this machine.
extension ModelEntry {
    /// `given` (--weights), else the path of the model's installed weights.
    func weightsPath(given: String?) throws -> String {
        if let given { return try WeightFolder.weightFile(given) }   // a model folder → its weight file
        guard let assetName = defaultWeightsAsset, let asset = KnownAsset.named(assetName) else {
            throw ValidationError("\(name) has no installed weights (\(weightsNote)). Fix: pass --weights FILE")
        }
        guard let path = asset.find() else {
            throw ValidationError("\(name) weights are not installed. Fix: \(asset.installCommand), or pass --weights FILE")
        }
        return path
    }

    /// The entry's image preprocessing preset at crop `crop` (default: its native size), the resize
    /// scaled with it (never below the crop); throws for a text model.
    func imagePreprocessing(crop: Int? = nil) throws -> Preprocessing {
        guard case .image(let presetName, let resize, let size) = input else {
            throw ValidationError("\(name) does not take images; pick an image model (`thaw models`)")
        }
        let crop = crop ?? size
        let scaledResize = max(crop, Int((Double(resize) * Double(crop) / Double(size)).rounded()))
        guard let preset = Preprocessing.named(presetName, resize: scaledResize, crop: crop) else {
            throw ValidationError("\(name): unknown preprocessing preset '\(presetName)'")
        }
        return preset
    }
}
