import Foundation
import ThawAssets
import ThawInputs
import ThawText

/// The real photos and sentences the export tests run on. Missing files are a failure with the
/// install command, never a skip.
enum RealInputs {
    struct Missing: Error, CustomStringConvertible { var description: String }

    /// Every photo in the installed folder, preprocessed by Thaw: NHWC [N, S, S, 3].
    static func photos(_ preset: Preprocessing) throws -> (values: [Float], count: Int) {
        let dir = AssetPaths.photosDirectory
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }.sorted()
        guard names.count >= 3 else {
            throw Missing(description: "real photos missing in \(dir); install: \(KnownAsset.named("photos")!.installCommand)")
        }
        let decoder = ImageDecoder(), pre = Preprocessor(preset)
        var values: [Float] = []
        for name in names { values += pre.apply(try decoder.decode(file: dir + "/" + name)) }
        return (values, names.count)
    }

    /// The installed weight file of `asset`.
    static func weights(_ asset: String) throws -> String {
        let known = KnownAsset.named(asset)!
        guard let path = known.find() else {
            throw Missing(description: "\(asset) weights are not installed; install: \(known.installCommand)")
        }
        return path
    }

    /// Sentences of different lengths, so the batch carries padding.
    static let sentences = [
        "The cat sat on the mat.",
        "Shares in the bank fell sharply after the chancellor announced a windfall tax on profits.",
        "Goal!",
        "The film won three awards at the festival, including best director and best original screenplay for its two writers.",
    ]
}
