extension Preprocessing {
    /// The preset a model catalog entry names (`ModelInput.image(preset:…)`) at the given sizes,
    /// or nil for a name Thaw does not know.
    public static func named(_ name: String, resize: Int, crop: Int) -> Preprocessing? {
        switch name {
        case "efficientnet-lite": return .efficientNetLite(resize: resize, crop: crop)
        case "imagenet": return .imagenet(resize: resize, crop: crop)
        case "imagenet-bicubic": return .imagenetBicubic(resize: resize, crop: crop)
        case "clip": return .clip(resize: resize, crop: crop)
        default: return nil
        }
    }
}
