import Foundation
import ThawCore

/// Grey images and labels from IDX pairs (MNIST / Fashion-MNIST), each pair with its given split.
public struct IDXSource: ImageSource {
    /// One images+labels pair.
    public struct Part: Sendable {
        public var images: String
        public var labels: String
        public var split: Split?
        public init(images: String, labels: String, split: Split?) {
            self.images = images; self.labels = labels; self.split = split
        }
    }

    public static let fashionMNISTClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    public let parts: [Part]
    public let samples: [Sample]
    /// Class names in label-byte order (not re-sorted: IDX labels are indices).
    public let labelNames: [String]
    public let width: Int, height: Int
    private let pixels: [Data]   // per part: [count, height, width] u8
    private let firstIndex: [Int]

    /// `classNames[i]` names label byte i; defaults to "0"…"9".
    public init(parts: [Part], classNames: [String] = (0..<10).map(String.init)) throws {
        self.parts = parts
        labelNames = classNames
        var samples: [Sample] = [], pixels: [Data] = [], firstIndex: [Int] = []
        var size: (Int, Int)? = nil
        for part in parts {
            let images = try IDXFile(path: part.images), labels = try IDXFile(path: part.labels)
            guard images.dims.count == 3 else {
                throw FileError(file: part.images, problem: "has dims \(images.dims), expected [count, rows, cols]", fix: "pass the images file here")
            }
            guard labels.dims.count == 1 else {
                throw FileError(file: part.labels, problem: "has dims \(labels.dims), expected [count]", fix: "pass the labels file here")
            }
            guard images.count == labels.count else {
                throw FileError(file: part.labels, problem: "has \(labels.count) labels for \(images.count) images in \(part.images)",
                                fix: "pair files from the same set")
            }
            if let size, size != (images.dims[1], images.dims[2]) {
                throw FileError(file: part.images, problem: "has \(images.dims[1])x\(images.dims[2]) images, others \(size.0)x\(size.1)", fix: "combine sets of one image size")
            }
            size = (images.dims[1], images.dims[2])
            let name = (part.images as NSString).lastPathComponent
            firstIndex.append(samples.count)
            for (i, byte) in labels.data.enumerated() {
                guard Int(byte) < classNames.count else {
                    throw FileError(file: part.labels, problem: "item \(i) has label \(byte) but only \(classNames.count) class names are given", fix: "pass all class names")
                }
                samples.append(Sample(index: samples.count, id: "\(name)#\(i)", label: classNames[Int(byte)], split: part.split))
            }
            pixels.append(images.data)
        }
        self.samples = samples
        self.pixels = pixels
        self.firstIndex = firstIndex
        height = size?.0 ?? 0
        width = size?.1 ?? 0
    }

    /// Fashion-MNIST's four files in `folder` (train → train, t10k → test).
    public static func fashionMNIST(folder: String = "/usr/share/datasets/fashion-mnist") throws -> IDXSource {
        func p(_ n: String) -> String { (folder as NSString).appendingPathComponent(n) }
        return try IDXSource(parts: [
            Part(images: p("train-images-idx3-ubyte.gz"), labels: p("train-labels-idx1-ubyte.gz"), split: .train),
            Part(images: p("t10k-images-idx3-ubyte.gz"), labels: p("t10k-labels-idx1-ubyte.gz"), split: .test),
        ], classNames: fashionMNISTClasses)
    }

    public func loadImage(_ sample: Sample, decoder: ImageDecoder) throws -> RGBImage {
        precondition(sample.index >= 0 && sample.index < samples.count, "sample index out of range")
        let part = firstIndex.lastIndex { $0 <= sample.index }!
        let offset = (sample.index - firstIndex[part]) * width * height
        return pixels[part].withUnsafeBytes { raw in
            RGBImage(grey: UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[offset..<(offset + width * height)]),
                     width: width, height: height)
        }
    }

    public func fingerprint() throws -> String {
        try SourceFingerprint.of(files: parts.flatMap { [$0.images, $0.labels] }, root: ".")
    }
}
