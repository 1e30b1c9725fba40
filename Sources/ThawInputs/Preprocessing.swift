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
    /// Always "bilinear-antialias-pil" for now; recorded so a later change cannot go unnoticed.
    public var interpolation: String

    public init(name: String, resize: Int, crop: Int, inputScale: Float, mean: [Float], std: [Float],
                interpolation: String = "bilinear-antialias-pil") {
        precondition(resize > 0 && crop > 0 && crop <= resize, "Preprocessing needs 0 < crop <= resize")
        precondition(mean.count == 3 && std.count == 3 && std.allSatisfy { $0 != 0 }, "mean/std need 3 channels, std != 0")
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

    /// EfficientNet-Lite: resize 256 → crop 224, (x − 127) / 128 on 0–255 values.
    public static let efficientNetLite = efficientNetLite(resize: 256, crop: 224)

    public static func efficientNetLite(resize: Int, crop: Int) -> Preprocessing {
        Preprocessing(name: "efficientnet-lite", resize: resize, crop: crop, inputScale: 1,
                      mean: [127, 127, 127], std: [128, 128, 128])
    }

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
