/// A preprocessing preset, equal to torchvision's PIL path:
/// `Resize(resize)` (shorter side, bilinear + antialias) → `CenterCrop(crop)` → `ToTensor` → `Normalize`.
/// Codable: the cache manifest records it and a later run re-creates it exactly.
public struct Preprocessing: Codable, Sendable, Equatable {
    /// Name for humans and manifests (e.g. "imagenet").
    public var name: String
    /// Target length of the shorter side; the longer side becomes `Int(resize * long / short)`.
    public var resize: Int
    /// Side of the square center crop; must not exceed `resize`.
    public var crop: Int
    /// Scale applied to 0–255 values before normalising: 1/255 for ToTensor, 1 for raw values.
    public var inputScale: Float
    /// Per-channel mean subtracted after scaling (R, G, B).
    public var mean: [Float]
    /// Per-channel divisor after subtracting the mean (R, G, B).
    public var std: [Float]
    /// PIL's resize filter: "bilinear-antialias-pil" or "bicubic-antialias-pil" (timm, DINOv2 and
    /// CLIP evaluate with bicubic); recorded so a later change cannot go unnoticed.
    public var interpolation: String

    public init(name: String, resize: Int, crop: Int, inputScale: Float, mean: [Float], std: [Float],
                interpolation: String = "bilinear-antialias-pil") {
        precondition(resize > 0 && crop > 0 && crop <= resize, "Preprocessing needs 0 < crop <= resize")
        precondition(mean.count == 3 && std.count == 3 && std.allSatisfy { $0 != 0 }, "mean/std need 3 channels, std != 0")
        precondition(Self.interpolations.contains(interpolation), "interpolation must be one of \(Self.interpolations)")
        self.name = name; self.resize = resize; self.crop = crop
        self.inputScale = inputScale; self.mean = mean; self.std = std; self.interpolation = interpolation
    }

    /// ResNet & co.: resize 256 → crop 224, ImageNet mean/std on [0, 1] values.
    public static let imagenet = imagenet(resize: 256, crop: 224)

    /// ImageNet normalisation at any size.
    public static func imagenet(resize: Int, crop: Int) -> Preprocessing {
        Preprocessing(name: "imagenet", resize: resize, crop: crop, inputScale: 1.0 / 255.0,
                      mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    }

    /// The resize filters Thaw reproduces bit for bit.
    public static let interpolations = ["bilinear-antialias-pil", "bicubic-antialias-pil"]

    /// DINOv2 and DeiT (timm's eval transform): bicubic resize, ImageNet mean/std.
    public static func imagenetBicubic(resize: Int, crop: Int) -> Preprocessing {
        Preprocessing(name: "imagenet-bicubic", resize: resize, crop: crop, inputScale: 1.0 / 255.0,
                      mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], interpolation: "bicubic-antialias-pil")
    }

    /// OpenAI CLIP's `_transform`: bicubic resize, center crop, CLIP's own mean/std.
    public static func clip(resize: Int, crop: Int) -> Preprocessing {
        Preprocessing(name: "clip", resize: resize, crop: crop, inputScale: 1.0 / 255.0,
                      mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711],
                      interpolation: "bicubic-antialias-pil")
    }

    /// EfficientNet-Lite: resize 256 → crop 224, (x − 127) / 128 on 0–255 values.
    public static let efficientNetLite = efficientNetLite(resize: 256, crop: 224)

    public static func efficientNetLite(resize: Int, crop: Int) -> Preprocessing {
        Preprocessing(name: "efficientnet-lite", resize: resize, crop: crop, inputScale: 1,
                      mean: [127, 127, 127], std: [128, 128, 128])
    }

    var resampleFilter: ResampleCoefficients.Filter { interpolation == "bicubic-antialias-pil" ? .bicubic : .bilinear }

    /// The output tensor shape per image: [crop, crop, 3] (NHWC).
    public var outputShape: [Int] { [crop, crop, 3] }
    public var outputCount: Int { crop * crop * 3 }

    /// Size after `Resize(resize)`, torchvision's rule: the shorter side becomes `resize`,
    /// the longer `Int(resize * long / short)` (truncated). Returns (width, height).
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        if width <= height {
            return (resize, Int(Double(resize) * Double(height) / Double(width)))
        }
        return (Int(Double(resize) * Double(width) / Double(height)), resize)
    }

    /// torchvision's CenterCrop offset: `int(round((size - crop) / 2.0))`, Python rounding half to even.
    public static func cropOffset(size: Int, crop: Int) -> Int {
        let d = size - crop
        precondition(d >= 0, "center crop larger than the image")
        let half = d / 2
        return d % 2 == 0 ? half : (half % 2 == 0 ? half : half + 1)
    }
}
