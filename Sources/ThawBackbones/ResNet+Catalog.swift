extension ResNet {
    /// resnet18 … resnet152: ImageNet preprocessing (resize 256, crop 224); weights are the user's
    /// torchvision state dict (none install offline).
    public static var catalogEntries: [ModelEntry] {
        variants.keys.sorted().map { depth in
            ModelEntry(name: "resnet\(depth)", family: "resnet", input: .image(preset: "imagenet", resize: 256, size: 224),
                       defaultWeightsAsset: nil,
                       weightsNote: "bring your own torchvision .pth/.safetensors (e.g. torch.save(torchvision.models.resnet\(depth)(weights=...).state_dict(), path))",
                       load: { path in try ResNet.load(depth: depth, path: path) })
        }
    }
}
