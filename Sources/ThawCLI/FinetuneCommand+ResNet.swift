import ArgumentParser
import ThawFineTune
import ThawStore

// MARK: - ResNet caches (stem / layerK maps)

extension FinetuneCommand {
    /// ResNet caches train through `FineTuneRun` like Lite ones (`--from layerK` trains layer(K+1)…layer4,
    /// global average pooling and a classifier), but no ResNet weights are installed: `--weights` is required.
    func requireResNetWeights() throws {
        guard weights == nil, let backbone = try? CacheReader(path: cache).manifest.backbone,
              FineTuneModel.resNetDepth(backbone: backbone) != nil else { return }
        throw ValidationError("\(cache) was extracted with \(backbone), whose weights are not installed with Thaw. "
                              + "Fix: pass --weights FILE, the torchvision state dict (.pth or .safetensors) the cache was "
                              + "extracted with, and --from stem or layer1…layer3")
    }
}
